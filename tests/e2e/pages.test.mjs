// Pages rather than chats: a strict-CSP page, page text present at load (a forum thread, an
// ordinary article), compose boxes with the nudge the child sees while typing, and the toolbar
// badge. Run: node --test --test-concurrency=1 tests/e2e/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSession, say, warningsOn, waitForWarning, settle, tabIdOf, assertNoNetworkLeaks } from './harness.mjs';

let session;
before(async () => { session = await startSession(); });
after(async () => { await session?.close(); });

const badgeText = async (tabId) => (await session.serviceWorker()).evaluate((id) => chrome.action.getBadgeText({ tabId: id }), tabId);

test('strict CSP page (no inline script, no wasm in the page) still gets warnings: the detector runs in the service worker', async () => {
  const page = await session.open(session.fixtureUrl('strict-csp.html'), { history: ['How can we help you today?'] });
  // The policy is really in force: inline script and WebAssembly compilation are refused here.
  const blocked = await page.evaluate(async () => {
    const script = document.createElement('script');
    script.textContent = 'window.__inlineRan = true;';
    document.head.append(script);
    let wasm = 'compiled';
    try {
      await WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    } catch (error) {
      wasm = error.name;
    }
    return { inline: window.__inlineRan === true, wasm };
  });
  assert.deepEqual(blocked, { inline: false, wasm: 'CompileError' });
  await say(page, 'agent', 'kamu bodoh banget, dasar jelek');
  await waitForWarning(page, 'bullying');
  await say(page, 'agent', 'send me a pic of you in your underwear');
  await waitForWarning(page, 'sexual');
  assert.deepEqual(await warningsOn(page), ['bullying', 'sexual']);
  await page.close();
});

test('page text present at load is scanned: a risky forum comment warns', async () => {
  const page = await session.open(session.fixtureUrl('forum.html'));
  await waitForWarning(page, 'sexual');
  await session.waitForScanned(page, ['Ada yang tahu kapan volume baru keluar?', 'Komik favorit kalian apa?']);
  await settle(page);
  assert.deepEqual(await warningsOn(page), ['sexual']);
  await page.close();
});

test('an ordinary page (look-alikes in an article) gets no warning', async () => {
  const page = await session.open(session.fixtureUrl('article.html'));
  await session.waitForScanned(page, [
    'Science fair: the winners',
    'Anjing tetangga lucu banget',
    'This homework is killing me',
    'send photos of their homework posters',
    'Congratulations to everyone who took part!',
  ]);
  await settle(page);
  assert.deepEqual(await warningsOn(page), []);
  await page.close();
});

/** Types into a compose box like a child does, key by key. */
async function type(page, selector, text) {
  await page.click(selector);
  await page.keyboard.type(text, { delay: 5 });
}

async function clear(page, selector) {
  await page.click(selector);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Backspace');
}

const boxText = (page, selector) => page.$eval(selector, (box) => (box.value ?? box.innerText).trim());

for (const [selector, kind] of [['#ta', 'textarea'], ['#ce', 'contenteditable']]) {
  for (const [text, category] of [
    ['my number is 0812 3456 7890, text me', 'personal_info'],
    ['nomor hp aku 081234567890', 'personal_info'],
    ["you're such a loser, nobody wants you here", 'bullying'],
    ['kamu jelek banget sih, dasar bodoh', 'bullying'],
  ]) {
    test(`nudge in a ${kind}: "${text}" shows a ${category} nudge while it is in the box; clearing the box removes it`, async () => {
      const page = await session.open(session.fixtureUrl('compose.html'));
      await type(page, selector, text);
      const host = await waitForWarning(page, category);
      // The text is still in the box: the nudge comes before sending, and nothing is blocked.
      assert.equal(await boxText(page, selector), text);
      // The nudge does not take focus from the child's typing.
      assert.equal(await page.evaluate(() => document.activeElement?.id), selector.slice(1));
      // It sits next to the box it is about (above, or below when there is no room), never over it.
      const [hostBox, composeBox] = [await host.boundingBox(), await page.locator(selector).boundingBox()];
      const above = hostBox.y + hostBox.height <= composeBox.y + 1;
      const below = hostBox.y >= composeBox.y + composeBox.height - 1;
      assert.ok(hostBox.height > 40 && (above || below), JSON.stringify({ hostBox, composeBox }));
      await clear(page, selector);
      await host.waitFor({ state: 'detached', timeout: 5000 });
      assert.equal(await page.locator('[data-lindungi-warning]').count(), 0);
      await page.close();
    });
  }
}

test('an ordinary draft gets no nudge, and a password field is never read', async () => {
  const page = await session.open(session.fixtureUrl('compose.html?password'));
  await type(page, '#ta', 'see you at practice tomorrow!');
  await session.waitForScanned(page, ['see you at practice tomorrow!'], { draft: true });
  await type(page, '#pw', '0812 3456 7890');
  await page.waitForTimeout(900);
  assert.deepEqual(await warningsOn(page), []);
  const drafts = await (await session.serviceWorker()).evaluate(
    (url) => globalThis.__lindungiProbe.scans.filter((s) => s.draft && s.url === url).map((s) => s.text),
    page.url(),
  );
  assert.ok(!drafts.some((t) => t.includes('0812 3456 7890')), JSON.stringify(drafts));
  await page.close();
});

test("toolbar badge: '!' on the tab that was warned, nothing on a tab that was not", async () => {
  const quiet = await session.open(session.fixtureUrl('generic-chat.html?quiet'), { history: ['Welcome to the lobby!'] });
  const warned = await session.open(session.fixtureUrl('generic-chat.html?warned'), { history: ['Welcome to the lobby!'] });
  await say(warned, 'stranger', "this is our secret, don't tell your mom");
  await waitForWarning(warned, 'grooming');
  assert.equal(await badgeText(await tabIdOf(session, warned)), '!');
  assert.equal(await badgeText(await tabIdOf(session, quiet)), '');
  // A nudge is the child's own draft, not a warning about someone else: no badge for it.
  const compose = await session.open(session.fixtureUrl('compose.html?badge'));
  await type(compose, '#ta', 'nomor hp aku 081234567890');
  await waitForWarning(compose, 'personal_info');
  assert.equal(await badgeText(await tabIdOf(session, compose)), '');
  await Promise.all([quiet.close(), warned.close(), compose.close()]);
});

test('network audit: nothing left 127.0.0.1 on these pages', () => {
  assertNoNetworkLeaks(session);
});
