// The wasm package as the extension uses it: types at the boundary, UTF-16 offsets, conversation
// state export/import, errors as real Error objects. Run: node --test tests/wasm/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadLindungi, pkgDir } from './load.mjs';

const { Detector } = await loadLindungi();
const detector = new Detector();

test('scan returns the CLI shape with a warning for a risky message', () => {
  const result = detector.scan('this is our secret, dont tell your mom', { direction: 'incoming' });
  assert.deepEqual(Object.keys(result).sort(), ['categories', 'level', 'signals']);
  assert.ok(['medium', 'high'].includes(result.level), JSON.stringify(result));
  const grooming = result.categories.find((c) => c.category === 'grooming');
  assert.ok(grooming && grooming.score > 0 && grooming.score <= 1);
  assert.ok(result.signals.some((s) => s.cue === 'grooming.secrecy'));
  for (const s of result.signals) {
    assert.equal(typeof s.start, 'number');
    assert.ok(s.start < s.end);
  }
});

test('ordinary messages are clean in both languages', () => {
  for (const text of ['see you at practice tomorrow!', 'besok kerja kelompok di rumah aku ya']) {
    const result = detector.scan(text, { direction: 'incoming' });
    assert.equal(result.level, 'none', text);
    assert.deepEqual(result.signals, []);
  }
});

test('span offsets are UTF-16 code units, so JavaScript can slice the text', () => {
  const text = '😀🇮🇩 héllo — kirim pap tt dong';
  const result = detector.scan(text, { direction: 'incoming' });
  const signal = result.signals.find((s) => s.category === 'sexual');
  assert.ok(signal, JSON.stringify(result));
  assert.match(text.slice(signal.start, signal.end), /pap tt/);
});

test('lone surrogates from JavaScript are accepted and offsets stay aligned', () => {
  const text = 'a\uD800b \uDFFF send nudes';
  const result = detector.scan(text, { direction: 'incoming' });
  const signal = result.signals.find((s) => s.category === 'sexual');
  assert.ok(signal);
  assert.equal(text.slice(signal.start, signal.end), 'send nudes');
});

test('a conversation builds up, and its state survives export and import', () => {
  const messages = [
    'you seem really mature for your age',
    'how old are you? what grade are you in?',
    'are your parents home right now?',
    'add me on snapchat, its easier to talk there',
  ];
  const first = new Detector();
  let last;
  for (const [i, text] of messages.entries()) {
    if (i === 2) {
      // The service worker sleeps: a fresh detector continues from the saved state.
      const saved = JSON.parse(JSON.stringify(first.exportState('chat-1')));
      const second = new Detector();
      second.importState('chat-1', saved);
      last = second.scan(text, { direction: 'incoming', conversation: 'chat-1', author: 'x', time: 1e12 + i });
      for (const rest of messages.slice(3)) {
        last = second.scan(rest, { direction: 'incoming', conversation: 'chat-1', author: 'x', time: 1e12 + 3 });
      }
      break;
    }
    last = first.scan(text, { direction: 'incoming', conversation: 'chat-1', author: 'x', time: 1e12 + i });
  }
  assert.ok(last.conversation, JSON.stringify(last));
  assert.ok(['medium', 'high'].includes(last.conversation.level), JSON.stringify(last.conversation));
  assert.equal(detector.exportState('never-seen'), undefined);
});

test('errors are Error objects with a stable variant', () => {
  assert.throws(() => new Detector({ languages: ['xx'] }), (e) => e instanceof Error && e.variant === 'config');
  assert.throws(() => new Detector({ colour: 'red' }), (e) => e instanceof Error && e.variant === 'input');
  assert.throws(() => detector.scan('hi', { direction: 'sideways' }), (e) => e instanceof Error && e.variant === 'input');
  assert.throws(() => detector.importState('c', { version: 1 }), (e) => e instanceof Error && e.variant === 'state');
  const good = new Detector();
  good.scan('how old are you', { direction: 'incoming', conversation: 'c', author: 'a' });
  const state = good.exportState('c');
  state.version = 99;
  assert.throws(() => good.importState('c', state), (e) => e.variant === 'state');
});

test('configuration selects languages and the learned scorer; cues are listed', () => {
  // The learned scorer reads every language; with it off, English rules alone miss Indonesian.
  const english = new Detector({ languages: ['en'], model: false });
  assert.deepEqual(english.languages, ['en']);
  assert.equal(english.scan('dasar goblok lo', { direction: 'incoming' }).level, 'none');
  assert.notEqual(detector.scan('dasar goblok lo', { direction: 'incoming' }).level, 'none');
  assert.throws(() => new Detector({ model: 'yes' }), (e) => e instanceof Error && e.variant === 'input');
  const cues = Detector.cues();
  assert.ok(cues.some((c) => c.cue === 'grooming.secrecy' && c.category === 'grooming'));
  assert.ok(cues.some((c) => c.cue === 'bullying.model' && c.category === 'bullying'));
});

test('the learned scorer explains itself with a model cue on the words that weighed most', () => {
  const text = 'lo tuh gak diajak';
  const rulesOnly = new Detector({ model: false }).scan(text, { direction: 'incoming' });
  const withModel = detector.scan(text, { direction: 'incoming' });
  assert.ok(!rulesOnly.signals.some((s) => s.cue.endsWith('.model')));
  const cue = withModel.signals.find((s) => s.cue === 'bullying.model');
  assert.ok(cue, JSON.stringify(withModel));
  assert.ok(cue.start >= 0 && cue.end > cue.start && cue.end <= text.length);
});

test('huge and hostile inputs return', () => {
  const big = 'kamu goblok 🔪 '.repeat(70000);
  const result = detector.scan(big);
  assert.ok(result.signals.length > 0 && result.signals.length <= 64);
  assert.equal(detector.scan('\u0000\u0001\uFFFF\u200B'.repeat(1000)).level, 'none');
});

test('texts of every size are read whole, one after another, and a non-string is refused', () => {
  // The detector copies text into a buffer it keeps: a text bigger than that buffer gets a
  // bigger one, a huge one a buffer of its own, and the next short text is read as itself.
  const tail = ' kirim pap tt dong';
  let shown;
  for (const size of [0, 10, 70000, 1500000, 10]) {
    const text = 'é'.repeat(size) + tail;
    const result = detector.scan(text, { direction: 'incoming' });
    const signal = result.signals.find((s) => s.category === 'sexual');
    assert.ok(signal, `size ${size}`);
    shown ??= text.slice(signal.start, signal.end);
    assert.match(shown, /pap tt/);
    assert.equal(text.slice(signal.start, signal.end), shown, `size ${size}`);
  }
  for (const notText of [42, null, undefined, { text: 'hi' }, ['hi']]) {
    assert.throws(() => detector.scan(notText, { direction: 'incoming' }),
      (e) => e instanceof Error && e.variant === 'input' && /string/.test(e.message));
  }
  assert.equal(detector.scan('', { direction: 'incoming' }).level, 'none');
});

test('the typings describe the API', () => {
  const dts = readFileSync(pkgDir + 'lindungi.d.ts', 'utf8');
  for (const fragment of ['constructor(config: DetectorConfig)', 'scan(text: string, context: ScanContext): ScanResult', 'ScanResult', 'exportState(conversation: string): ConversationState | undefined', 'importState(', 'interface Signal']) {
    assert.ok(dts.includes(fragment), `lindungi.d.ts lacks ${fragment}`);
  }
});
