// parseContentMessage: every message from a content script is untrusted and checked field by
// field. Run: node --test tests/extension/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseContentMessage, MAX_ITEMS, MAX_TEXT } from '../../extension/src/background/protocol.js';

const site = { adapter: 'whatsapp', host: 'web.whatsapp.com' };
const item = { id: '1', text: 'halo', direction: 'incoming', conversation: 'Rina', author: 'Rina' };
const scan = (items, extra = {}) => ({ type: 'scan', site, items, ...extra });
const choice = (extra = {}) => ({ type: 'choice', site, choice: 'tell', category: 'grooming', level: 'medium', cues: ['grooming.secrecy'], ...extra });

test('accepts a valid scan, normalising draft to a boolean', () => {
  assert.deepEqual(parseContentMessage(scan([item])), {
    type: 'scan', site, items: [{ ...item, draft: false }],
  });
  const parsed = parseContentMessage(scan([{ id: 'draft', text: 'my number is 0812', direction: 'outgoing', draft: true }]));
  assert.equal(parsed.items[0].draft, true);
  assert.equal(parsed.items[0].conversation, undefined);
});

test('accepts every direction and the maximum sizes', () => {
  for (const direction of ['incoming', 'outgoing', 'unknown']) assert.ok(parseContentMessage(scan([{ ...item, direction }])), direction);
  const many = Array.from({ length: MAX_ITEMS }, (_, i) => ({ ...item, id: String(i) }));
  assert.equal(parseContentMessage(scan(many)).items.length, MAX_ITEMS);
  assert.ok(parseContentMessage(scan([{ ...item, text: 'a'.repeat(MAX_TEXT) }])));
});

test('accepts a valid choice, with and without evidence, dropping unknown fields', () => {
  const parsed = parseContentMessage(choice({ extra: 'ignored' }));
  assert.deepEqual(parsed, { type: 'choice', site, choice: 'tell', category: 'grooming', level: 'medium', cues: ['grooming.secrecy'], conversation: undefined, evidence: undefined });
  const evidence = { url: 'https://web.whatsapp.com/', messages: [{ author: 'Rina', direction: 'incoming', text: 'hi', time: 1 }] };
  assert.deepEqual(parseContentMessage(choice({ evidence })).evidence, evidence);
  for (const c of ['tell', 'report', 'leave', 'ok', 'dismiss']) assert.ok(parseContentMessage(choice({ choice: c })), c);
});

test('rejects what is not an object, or has no valid site', () => {
  for (const message of [null, undefined, 42, 'scan', [], true]) assert.equal(parseContentMessage(message), null, String(message));
  assert.equal(parseContentMessage({ type: 'scan', items: [item] }), null);
  assert.equal(parseContentMessage(scan([item], { site: null })), null);
  assert.equal(parseContentMessage(scan([item], { site: { adapter: 1, host: 'x' } })), null);
  assert.equal(parseContentMessage(scan([item], { site: { adapter: 'x'.repeat(41), host: 'x' } })), null);
  assert.equal(parseContentMessage(scan([item], { site: { adapter: 'generic', host: 'h'.repeat(256) } })), null);
});

test('rejects unknown message types', () => {
  for (const type of ['scan ', 'SCAN', 'verdicts', 'eval', 'settings', '', undefined, 1]) {
    assert.equal(parseContentMessage({ type, site, items: [item] }), null, String(type));
  }
});

test('rejects malformed scans: no items, too many, not an array', () => {
  assert.equal(parseContentMessage(scan([])), null);
  assert.equal(parseContentMessage(scan(Array.from({ length: MAX_ITEMS + 1 }, (_, i) => ({ ...item, id: String(i) })))), null);
  assert.equal(parseContentMessage(scan({ 0: item, length: 1 })), null);
  assert.equal(parseContentMessage(scan('halo')), null);
  assert.equal(parseContentMessage(scan([item, null])), null, 'one bad item spoils the batch');
});

test('rejects items with wrong types or oversized fields', () => {
  const bad = [
    { ...item, id: 1 },
    { ...item, id: 'x'.repeat(201) },
    { ...item, text: 42 },
    { ...item, text: { toString: () => 'halo' } },
    { ...item, text: 'a'.repeat(MAX_TEXT + 1) },
    { ...item, direction: 'sideways' },
    { ...item, direction: undefined },
    { ...item, conversation: 7 },
    { ...item, conversation: 'c'.repeat(201) },
    { ...item, author: ['Rina'] },
    { ...item, draft: 'true' },
    { ...item, draft: 1 },
  ];
  for (const b of bad) assert.equal(parseContentMessage(scan([b])), null, JSON.stringify(b).slice(0, 80));
});

test('rejects choices with unknown values, wrong types or too many cues', () => {
  const bad = [
    { choice: 'delete-log' },
    { category: 'weather' },
    { level: 'none' },
    { level: 'HIGH' },
    { cues: 'grooming.secrecy' },
    { cues: [1] },
    { cues: ['c'.repeat(61)] },
    { cues: Array.from({ length: 41 }, () => 'grooming.secrecy') },
    { conversation: 3 },
    { evidence: null },
    { evidence: { url: 5, messages: [] } },
    { evidence: { url: 'https://x.com/', messages: 'hi' } },
    { evidence: { url: 'https://x.com/', messages: [{ direction: 'incoming', text: 'hi', time: 'now' }] } },
    { evidence: { url: 'https://x.com/', messages: [{ direction: 'incoming', text: 'hi', time: Infinity }] } },
    { evidence: { url: 'https://x.com/', messages: Array.from({ length: 31 }, () => ({ direction: 'incoming', text: 'hi', time: 1 })) } },
  ];
  for (const b of bad) assert.equal(parseContentMessage(choice(b)), null, JSON.stringify(b).slice(0, 80));
});
