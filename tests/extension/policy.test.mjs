// decideWarning: which detector verdicts become a warning or a nudge for the child.
// Run: node --test tests/extension/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideWarning, DEFAULT_SETTINGS } from '../../extension/src/background/policy.js';

/** A detector result: categories [[name, level]], signals [[name, cue]], optional conversation. */
function result(categories = [], signals = [], conversation) {
  return {
    level: categories[0]?.[1] ?? 'none',
    categories: categories.map(([category, level]) => ({ category, level, score: 0.5 })),
    signals: signals.map(([category, cue], i) => ({ category, cue: `${category}.${cue}`, start: i, end: i + 1 })),
    ...(conversation ? { conversation: { level: conversation[0][1], categories: conversation.map(([category, level]) => ({ category, level, score: 0.6 })) } } : {}),
  };
}
const incoming = { direction: 'incoming', draft: false };
const outgoing = { direction: 'outgoing', draft: false };
const draft = { direction: 'outgoing', draft: true };

test('an incoming message at the warning level warns, with its cues and spans', () => {
  const memory = {};
  const w = decideWarning(result([['grooming', 'medium']], [['grooming', 'secrecy'], ['grooming', 'secrecy']]), incoming, memory);
  assert.deepEqual(w, { category: 'grooming', level: 'medium', source: 'message', cues: ['grooming.secrecy'], spans: [[0, 1], [1, 2]] });
  assert.deepEqual(memory.warned, { grooming: 'medium' });
});

test('page text (direction unknown) warns like an incoming message', () => {
  const w = decideWarning(result([['sexual', 'high']], [['sexual', 'image_request']]), { direction: 'unknown' }, {});
  assert.equal(w?.category, 'sexual');
  assert.equal(w.source, 'message');
});

test('below the warning level, nothing', () => {
  assert.equal(decideWarning(result([['grooming', 'low']], [['grooming', 'flattery']]), incoming, {}), null);
  assert.equal(decideWarning(result(), incoming, {}), null);
});

test('profanity never warns by default, at any level; it does when a guardian turns it on', () => {
  for (const level of ['low', 'medium', 'high']) {
    assert.equal(decideWarning(result([['profanity', level]], [['profanity', 'swearing']]), incoming, {}), null, level);
    assert.equal(decideWarning(result([['profanity', level]], [['profanity', 'swearing']]), draft, {}), null, level);
  }
  const settings = { ...DEFAULT_SETTINGS, categories: { ...DEFAULT_SETTINGS.categories, profanity: true } };
  assert.equal(decideWarning(result([['profanity', 'high']], [['profanity', 'swearing']]), incoming, {}, settings)?.category, 'profanity');
});

test('a watched category after an unwatched one is the one warned about', () => {
  const w = decideWarning(result([['profanity', 'high'], ['bullying', 'medium']], [['profanity', 'swearing'], ['bullying', 'insult']]), incoming, {});
  assert.equal(w.category, 'bullying');
  assert.deepEqual(w.cues, ['bullying.insult']);
});

test('drafts get a nudge for bullying, personal info, self-harm and sexual content only', () => {
  for (const category of ['bullying', 'personal_info', 'self_harm', 'sexual']) {
    const w = decideWarning(result([[category, 'medium']], [[category, 'x']]), draft, {});
    assert.equal(w?.source, 'draft', category);
    assert.equal(w.category, category);
  }
  // Grooming is about what others say: no nudge for the child's own draft.
  assert.equal(decideWarning(result([['grooming', 'high']], [['grooming', 'secrecy']]), draft, {}), null);
});

test('a draft never warns about the conversation and leaves no memory behind', () => {
  const memory = {};
  const w = decideWarning(result([], [], [['grooming', 'high']]), draft, memory);
  assert.equal(w, null);
  assert.deepEqual(memory, {});
});

test("the child's own sent messages get no warning, even at high level or with a conversation pattern", () => {
  const memory = {};
  assert.equal(decideWarning(result([['bullying', 'high']], [['bullying', 'insult']]), outgoing, memory), null);
  assert.equal(decideWarning(result([['personal_info', 'medium']], [['personal_info', 'phone']], [['personal_info', 'medium']]), outgoing, memory), null);
  assert.deepEqual(memory.warned ?? {}, {});
});

test('a conversation pattern warns once per category and level, escalating from medium to high', () => {
  const memory = {};
  const step = (conversationLevel, signals = []) => decideWarning(result([['grooming', 'low']], signals, [['grooming', conversationLevel]]), incoming, memory);
  assert.equal(step('low', [['grooming', 'flattery']]), null);
  const first = step('medium', [['grooming', 'personal_questions']]);
  assert.equal(first?.source, 'conversation');
  assert.equal(first.level, 'medium');
  // The reasons are what was seen across the conversation, not just the last message.
  assert.deepEqual(first.cues, ['grooming.flattery', 'grooming.personal_questions']);
  assert.equal(step('medium', [['grooming', 'risk_check']]), null, 'same level: not again');
  const second = step('high', [['grooming', 'platform_move']]);
  assert.equal(second?.level, 'high');
  assert.deepEqual(second.cues, ['grooming.flattery', 'grooming.personal_questions', 'grooming.risk_check', 'grooming.platform_move']);
  assert.equal(step('high'), null, 'high again: not again');
  assert.equal(step('medium'), null, 'falling back: nothing');
  assert.deepEqual(memory.warned, { grooming: 'high' });
});

test('a message warning counts for the conversation: the pattern at the same level does not repeat it', () => {
  const memory = {};
  const message = decideWarning(result([['grooming', 'medium']], [['grooming', 'secrecy']], [['grooming', 'medium']]), incoming, memory);
  assert.equal(message.source, 'message');
  assert.equal(decideWarning(result([], [], [['grooming', 'medium']]), incoming, memory), null);
});

test('memory restored from storage (warned levels) is honoured', () => {
  const memory = { warned: { grooming: 'medium' }, cues: { grooming: ['grooming.flattery'] } };
  assert.equal(decideWarning(result([], [], [['grooming', 'medium']]), incoming, memory), null);
  const w = decideWarning(result([], [], [['grooming', 'high']]), incoming, memory);
  assert.equal(w.level, 'high');
  assert.deepEqual(w.cues, ['grooming.flattery']);
});

test('a guardian can lower the warning level or switch a category off', () => {
  const low = { ...DEFAULT_SETTINGS, warnLevel: 'low' };
  assert.equal(decideWarning(result([['grooming', 'low']], [['grooming', 'flattery']]), incoming, {}, low)?.level, 'low');
  const noBullying = { ...DEFAULT_SETTINGS, categories: { ...DEFAULT_SETTINGS.categories, bullying: false } };
  assert.equal(decideWarning(result([['bullying', 'high']], [['bullying', 'insult']]), incoming, {}, noBullying), null);
});

test('a message warning also covers what the conversation shows at that moment: no second card for the same pattern', () => {
  const memory = {};
  const sexual = result([['sexual', 'high']], [['sexual', 'image_request']], [['grooming', 'high'], ['sexual', 'high']]);
  assert.equal(decideWarning(sexual, incoming, memory).category, 'sexual');
  const harmless = result([], [], [['grooming', 'high']]);
  assert.equal(decideWarning(harmless, incoming, memory), null, 'the pattern was already shown with the message');
});

test("details the child shared are nudged about, not raised on the other person's next message", () => {
  const next = result([], [], [['personal_info', 'medium']]);
  assert.equal(decideWarning(next, incoming, {}), null);
});
