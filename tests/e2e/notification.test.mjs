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

test('an alert waiting for an unreachable webhook is delivered after the whole browser restarts', async () => {
  const { createServer } = await import('node:http');
  const received = [];
  const receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', () => { received.push(JSON.parse(body)); response.end('ok'); });
  });
  // Find a free port, then leave it closed: the receiver is "down" while the alert is raised.
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const port = receiver.address().port;
  await new Promise((resolve) => receiver.close(resolve));

  const browser = await startSession();
  try {
    const sw = await browser.serviceWorker();
    await sw.evaluate((url) => chrome.storage.local.set({ settings: { webhookUrl: url, webhookSecret: 'k3y', alertLevel: 'medium' } }), `http://127.0.0.1:${port}/hook`);
    const page = await browser.open(browser.fixtureUrl('generic-chat.html'));
    await settle(page, 600);
    await say(page, 'stranger', "this is our secret, don't tell your mom, ok?");
    await waitForWarning(page, 'grooming');
    let outbox = [];
    for (let i = 0; i < 50 && !outbox.some((e) => e.lastError); i++) {
      await settle(page, 200);
      outbox = (await (await browser.serviceWorker()).evaluate(() => chrome.storage.local.get('outbox'))).outbox ?? [];
    }
    assert.equal(outbox.length, 1, 'the alert waits in the outbox');
    assert.ok(outbox[0].lastError, 'with the delivery error recorded');
    const id = outbox[0].alert.id;

    // The receiver comes back while the browser is closed; the alert is due when it starts again.
    await new Promise((resolve) => receiver.listen(port, '127.0.0.1', resolve));
    await (await browser.serviceWorker()).evaluate(async () => {
      const { outbox: entries } = await chrome.storage.local.get('outbox');
      await chrome.storage.local.set({ outbox: entries.map((e) => ({ ...e, due: 0 })) });
    });
    await browser.restartBrowser();
    for (let i = 0; i < 75 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(received.map((r) => r.id), [id], 'delivered once, after the restart');
    assert.equal(received[0].category, 'grooming');
    const left = (await (await browser.serviceWorker()).evaluate(() => chrome.storage.local.get('outbox'))).outbox ?? [];
    assert.deepEqual(left, []);
    assertNoNetworkLeaks(browser);
  } finally {
    await browser.close();
    await new Promise((resolve) => receiver.close(resolve));
  }
});
