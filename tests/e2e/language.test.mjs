// The child's language: a guardian's (or school's) choice wins over the browser's, in warnings
// and in Lindungi's own pages. Run: node --test --test-concurrency=1 tests/e2e/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSession, say, waitForWarning, settle, assertNoNetworkLeaks, ROOT, EXTENSION_ID } from './harness.mjs';

const messages = (lang) => JSON.parse(readFileSync(join(ROOT, 'extension', '_locales', lang, 'messages.json'), 'utf8'));
const id = messages('id');
const en = messages('en');

let session;
before(async () => { session = await startSession({ lang: 'en' }); });
after(async () => { await session?.close(); });

/** Names in the page's accessibility tree (closed shadow roots included). */
async function names(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = await cdp.send('Accessibility.getFullAXTree');
    return nodes.filter((n) => !n.ignored).map((n) => n.name?.value ?? '');
  } finally {
    await cdp.detach();
  }
}

test('an English browser shows warnings in Indonesian when the guardian chose Indonesian', async () => {
  const sw = await session.serviceWorker();
  await sw.evaluate(() => chrome.storage.local.set({ settings: { language: 'id' } }));
  const page = await session.open(session.fixtureUrl('generic-chat.html'));
  await settle(page, 600);
  await say(page, 'gamer', "this is our secret, don't tell your mom");
  await waitForWarning(page, 'grooming');
  await settle(page, 300);
  const shown = await names(page);
  assert.ok(shown.includes(id.warningTitle_grooming.message), `Indonesian title missing: ${shown.join(' | ')}`);
  assert.ok(!shown.includes(en.warningTitle_grooming.message));
  await page.close();

  const options = await session.ctx.newPage();
  await options.goto(`chrome-extension://${EXTENSION_ID}/learn/learn.html?topic=parents`);
  await options.waitForFunction((title) => document.querySelector('h1')?.textContent === title, id.learn_parents_title.message);
  assert.equal(await options.evaluate(() => document.documentElement.lang), 'id');
  await options.close();
  await sw.evaluate(() => chrome.storage.local.set({ settings: {} }));
  assertNoNetworkLeaks(session);
});
