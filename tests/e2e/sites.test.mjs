// Live chats on every site Lindungi has an adapter for (and the generic reading of any page), in
// Chromium with the built extension: someone else's risky message gets a warning of the right
// category, in English and Indonesian; look-alikes get none; the child's own messages get none.
// Run: node --test --test-concurrency=1 tests/e2e/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSession, say, sayOwn, warningsOn, waitForWarning, settle, assertNoNetworkLeaks, SITES } from './harness.mjs';

let session;
before(async () => { session = await startSession(); });
after(async () => { await session?.close(); });

/** Per site: one risky incoming message in English and one in Indonesian, with the expected category. */
const RISKY = {
  whatsapp: [["this is our secret, don't tell your mom", 'grooming'], ['kirim pap tt dong', 'sexual']],
  discord: [["you're ugly and stupid, nobody likes you", 'bullying'], ['ini rahasia kita ya, jangan bilang mama kamu', 'grooming']],
  instagram: [['send me a pic of you in your underwear', 'sexual'], ['kamu bodoh banget, dasar jelek', 'bullying']],
  messenger: [["this is our secret, don't tell your mom", 'grooming'], ['aku bakal pukul kamu besok di sekolah', 'bullying']],
  telegram: [['kill yourself', 'bullying'], ['kamu cantik banget, kirim pap tt dong ke dm aku', 'sexual']],
  roblox: [['i will beat you up after school', 'bullying'], ['ini rahasia kita ya, jangan bilang mama kamu', 'grooming']],
  x: [['send me a pic of you in your underwear', 'sexual'], ['kamu bodoh banget, dasar jelek', 'bullying']],
};

/** Messages that share words with risky ones but are ordinary. */
const LOOK_ALIKES = [
  'anjing tetangga lucu banget',
  'this homework is killing me',
  'can you send me photos of your homework pages? I need to grade them tonight',
  'tolong kirim foto tugas kalian ke ibu sebelum jam 8 ya',
  'gg ez, kalian noob semua wkwk',
  'ez noob, get rekt, you got destroyed lol',
  "I'm gonna kill you in the next round haha",
];

/** What the child sends: would warn from someone else, but the child was nudged while typing. */
const OWN = [
  'nomor hp aku 081234567890',
  "you're such a loser, nobody wants you here",
  'kamu jelek banget sih, dasar bodoh',
];

let conversation = 0;
const fresh = (label) => `${label}${Date.now().toString(36)}${conversation++}`;

for (const site of Object.keys(SITES)) {
  test(`${site}: a risky incoming message warns with its category, in English and in Indonesian`, async () => {
    const page = await session.openSite(site, fresh('risky'));
    const expected = [];
    for (const [text, category] of RISKY[site]) {
      await say(page, 'stranger', text);
      await waitForWarning(page, category);
      expected.push(category);
      assert.deepEqual(await warningsOn(page), expected, `after "${text}"`);
    }
    await page.close();
  });

  test(`${site}: look-alikes (a neighbour's dog, homework, a teacher, game trash talk) get no warning`, async () => {
    const page = await session.openSite(site, fresh('benign'));
    for (const text of LOOK_ALIKES) await say(page, 'classmate', text);
    await session.waitForScanned(page, LOOK_ALIKES);
    await settle(page);
    assert.deepEqual(await warningsOn(page), []);
    await page.close();
  });

  test(`${site}: the child's own sent messages get no warning`, async () => {
    const page = await session.openSite(site, fresh('own'));
    for (const text of OWN) await sayOwn(page, text);
    await session.waitForScanned(page, OWN);
    await settle(page);
    assert.deepEqual(await warningsOn(page), []);
    // The same conversation still warns about the other person.
    await say(page, 'stranger', 'kill yourself');
    await waitForWarning(page, 'bullying');
    assert.deepEqual(await warningsOn(page), ['bullying']);
    await page.close();
  });
}

test('generic chat (no adapter): risky messages warn in both languages, look-alikes do not', async () => {
  const page = await session.open(session.fixtureUrl('generic-chat.html'), { history: ['Welcome to the lobby!'] });
  for (const text of LOOK_ALIKES) await say(page, 'classmate', text);
  await session.waitForScanned(page, LOOK_ALIKES);
  await settle(page);
  assert.deepEqual(await warningsOn(page), []);
  await say(page, 'stranger', "this is our secret, don't tell your mom");
  await waitForWarning(page, 'grooming');
  await say(page, 'stranger', 'kirim pap tt dong');
  await waitForWarning(page, 'sexual');
  assert.deepEqual(await warningsOn(page), ['grooming', 'sexual']);
  await page.close();
});

test('network audit: nothing left 127.0.0.1 while chatting on every site', () => {
  assertNoNetworkLeaks(session);
});
