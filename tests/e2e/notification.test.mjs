// The browser-notification channel, and an alert waiting in the outbox surviving a whole
// browser restart. Run: node --test --test-concurrency=1 tests/e2e/
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSession, say, waitForWarning, settle, assertNoNetworkLeaks } from './harness.mjs';

let session;
after(async () => { await session?.close(); });

test('a guardian who chose notifications gets one on this device, with no message text', async () => {
  session = await startSession();
  const sw = await session.serviceWorker();
  await sw.evaluate(() => chrome.storage.local.set({ settings: { notify: true, alertLevel: 'medium' } }));
  const page = await session.open(session.fixtureUrl('generic-chat.html'));
  await settle(page, 600);
  const text = 'jangan bilang mama ya, ini rahasia kita berdua';
  await say(page, 'kak_rio', text);
  await waitForWarning(page, 'grooming');
  let shown = {};
  for (let i = 0; i < 50 && Object.keys(shown).length === 0; i++) {
    await settle(page, 200);
    shown = await (await session.serviceWorker()).evaluate(() => chrome.notifications.getAll());
  }
  assert.equal(Object.keys(shown).length, 1, 'one notification for one alert');
  const log = (await (await session.serviceWorker()).evaluate(() => chrome.storage.local.get(['alertLog', 'outbox'])));
  const alert = log.alertLog.find((e) => e.event === 'alert');
  assert.ok(alert && alert.channels.includes('notification') && alert.category === 'grooming');
  assert.equal(Object.keys(shown)[0], alert.alertId, 'the notification is the alert, by id');
  assert.ok(!JSON.stringify(log).includes('rahasia'), 'no message text in the log or the outbox');
  assert.deepEqual(log.outbox ?? [], [], 'delivered, so nothing waits');
  assertNoNetworkLeaks(session);
});
