// Grooming builds over a conversation: flattery, then questions about age and school, then whether
// the parents are home, then moving to another app. No single message is explicit, yet the chat
// must end with a grooming warning — also when Chromium stops the service worker in the middle
// (conversation state lives in storage.session). Run: node --test --test-concurrency=1 tests/e2e/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSession, say, warningsOn, waitForWarning, settle, assertNoNetworkLeaks } from './harness.mjs';
import { loadLindungi } from '../wasm/load.mjs';

const EN = [
  "you're really mature for your age, you know that?",
  "you're so pretty, way prettier than the girls in your class",
  'wow you draw so well, you are really talented',
  'how old are you btw? what school do you go to?',
  'are your parents home right now?',
  "let's talk on snapchat instead, add me there",
];
const ID = [
  'kamu dewasa banget ya buat umur kamu',
  'kamu cantik banget sih',
  'gambar kamu bagus banget, kamu berbakat',
  'umur kamu berapa? sekolah di mana?',
  'orang tua kamu lagi di rumah gak?',
  'pindah ke wa aja yuk, chat di sini ribet',
];

let session;
let detector;
before(async () => {
  session = await startSession();
  const { Detector } = await loadLindungi();
  detector = new Detector();
});
after(async () => { await session?.close(); });

const alertLog = async () => (await (await session.serviceWorker()).evaluate(() => chrome.storage.local.get('alertLog'))).alertLog ?? [];

test('no single message of the grooming conversations is a warning on its own (detector, both languages)', () => {
  for (const text of [...EN, ...ID]) {
    const { level } = detector.scan(text, { direction: 'incoming' });
    assert.ok(level === 'none' || level === 'low', `${text}: ${level}`);
  }
});

test('English: flattery, age and school, parents home, another app: a grooming warning by the end', async () => {
  const page = await session.openSite('whatsapp', `Om Budi ${Date.now()}`);
  // The opening compliments alone are not a warning.
  for (const text of EN.slice(0, 3)) await say(page, 'Om Budi', text);
  await session.waitForScanned(page, EN.slice(0, 3));
  await settle(page);
  assert.deepEqual(await warningsOn(page), []);
  for (const text of EN.slice(3)) await say(page, 'Om Budi', text);
  await waitForWarning(page, 'grooming');
  await session.waitForScanned(page, EN.slice(3));
  await settle(page);
  // Once per level: the later messages of the same pattern do not repeat the warning.
  assert.deepEqual(await warningsOn(page), ['grooming']);
  // The warning explains the pattern with what was seen across the chat, not just the last line.
  const entry = (await alertLog()).findLast((e) => e.event === 'warning' && e.site === 'web.whatsapp.com');
  assert.equal(entry.category, 'grooming');
  assert.ok(entry.cues.includes('grooming.flattery') && entry.cues.includes('grooming.personal_questions'), JSON.stringify(entry));
  await page.close();
});

test('Indonesian: the same pattern warns even though the service worker is stopped and restarted in the middle', async () => {
  const page = await session.openSite('discord', `id${Date.now()}`);
  for (const text of ID.slice(0, 4)) await say(page, 'om_baik', text);
  await session.waitForScanned(page, ID.slice(0, 4));
  await settle(page);
  assert.deepEqual(await warningsOn(page), []);

  const restart = await session.restartServiceWorker();
  // "Are your parents home?" only warns because the earlier messages survived the restart.
  await say(page, 'om_baik', ID[4]);
  await waitForWarning(page, 'grooming', { timeout: 15_000 });
  await restart.restarted();
  await say(page, 'om_baik', ID[5]);
  await session.waitForScanned(page, [ID[5]]);
  await settle(page);
  // What was already warned about survived the restart too: no second warning at the same level.
  assert.deepEqual(await warningsOn(page), ['grooming']);
  await page.close();
});

test('control: "are your parents home?" alone, in a fresh conversation, is not a warning', async () => {
  const page = await session.openSite('discord', `control${Date.now()}`);
  await say(page, 'om_baik', ID[4]);
  await session.waitForScanned(page, [ID[4]]);
  await settle(page);
  assert.deepEqual(await warningsOn(page), []);
  await page.close();
});

test('network audit: nothing left 127.0.0.1 during the conversations', () => {
  assertNoNetworkLeaks(session);
});
