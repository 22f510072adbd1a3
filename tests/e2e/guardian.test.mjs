// Guardians and schools, in Chromium with the built extension and real local servers: a school's
// policy (Chromium's managed-policy file, 3rdparty → extensions → Lindungi) sends signed webhook
// alerts without message text (or with an excerpt, when the school asks), undeliverable alerts wait
// in the outbox and go out exactly once when the receiver is back (across service-worker
// restarts), lockSettings makes the options page read-only, invalid policy values are ignored and
// shown, the guardian's PIN resists guessing, ntfy pushes carry no message text, the guardian's
// categories and skipped sites are honoured, and the child sees in the popup that a guardian was
// told and can open the report page with the evidence and its hash. Nothing leaves 127.0.0.1.
//
// The policy file is /etc/chromium/policies/managed/lindungi-test.json (Debian Chromium reads it
// at start, and the extension gets its values a few seconds later). It exists only while a policy
// scenario's browser runs: removed in `after`, on exit and on SIGINT/SIGTERM, even on failure.
// Needs root (or a writable policy folder): otherwise the policy scenarios are skipped.
// Run: node --test --test-concurrency=1 tests/e2e/
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync, rmSync, accessSync, existsSync, constants } from 'node:fs';
import { join } from 'node:path';
import {
  startSession, say, warningsOn, waitForWarning, settle, assertNoNetworkLeaks, ROOT, EXTENSION_ID,
} from './harness.mjs';
import { canonical, sha256Hex } from '../../extension/src/background/evidence.js';

const en = JSON.parse(readFileSync(join(ROOT, 'extension', '_locales', 'en', 'messages.json'), 'utf8'));
/** An English UI string, with $NAME$ placeholders filled in order. */
function msg(key, subs = []) {
  const entry = en[key];
  let text = entry.message;
  for (const [name, { content }] of Object.entries(entry.placeholders ?? {})) {
    const index = Number(content.replace('$', '')) - 1;
    text = text.replaceAll(new RegExp(`\\$${name}\\$`, 'gi'), subs[index] ?? '');
  }
  return text;
}

const EXTENSION = `chrome-extension://${EXTENSION_ID}`;
const OPTIONS_URL = `${EXTENSION}/options/options.html`;
const POPUP_URL = `${EXTENSION}/popup/popup.html`;
const PIN = '4827';

// Realistic messages someone else sends the child: grooming (secrecy, meeting) in both languages,
// bullying in both languages. Each is a warning at "medium" (grooming) or "high" (bullying).
const GROOMING_EN = "this is our secret ok? don't tell your mom about our chats";
const GROOMING_ID = 'ini rahasia kita ya, jangan bilang mama kamu';
const MEETING_EN = "let's meet at the mall tomorrow, just us two, don't tell anyone";
const DELETE_ID = 'hapus chat kita ya biar ortu kamu gak tau';
const BULLYING_EN = "you're ugly and stupid, nobody likes you";
const BULLYING_ID = 'kamu bodoh banget, dasar jelek';
/** Pieces of the messages that must never appear in an alert without includeExcerpt. */
const FRAGMENTS = ['our secret', 'rahasia', 'tell your mom', 'mama kamu', 'the mall', 'hapus chat', 'ortu kamu', 'ugly', 'bodoh', 'Welcome to the lobby'];

// --- the policy file -------------------------------------------------------------------------

const POLICY_DIR = '/etc/chromium/policies/managed';
const POLICY_FILE = join(POLICY_DIR, 'lindungi-test.json');

function removePolicy() {
  rmSync(POLICY_FILE, { force: true });
}
function writePolicy(values) {
  mkdirSync(POLICY_DIR, { recursive: true });
  writeFileSync(POLICY_FILE, JSON.stringify({ '3rdparty': { extensions: { [EXTENSION_ID]: values } } }, null, 2));
}
// Never leave a policy behind: not after a crash, a timeout (node --test sends SIGTERM) or ^C.
process.on('exit', removePolicy);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    removePolicy();
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  });
}
// A run that was killed with SIGKILL may have left one: it would change every other test file.
removePolicy();

function policySkipReason() {
  try {
    mkdirSync(POLICY_DIR, { recursive: true });
    accessSync(POLICY_DIR, constants.W_OK);
    return false;
  } catch (error) {
    return `cannot write Chromium policies to ${POLICY_DIR} (${error.code}): run as root`;
  }
}
const SKIP_POLICY = policySkipReason();

// --- helpers -----------------------------------------------------------------------------------

/** Polls `probe` until it returns a truthy value (which is returned), or fails with `what`. */
async function until(probe, what, { timeout = 10_000, interval = 100 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await probe();
    } catch (error) {
      last = error;
    }
    if (last && !(last instanceof Error)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/**
 * A local stand-in for a school's webhook receiver or an ntfy server: records every request with
 * its raw body, answers 200 (or `status`), and can be stopped and started again on the same port.
 */
async function standIn() {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      requests.push({ method: req.method, url: req.url, headers: req.headers, raw, text: raw.toString('utf8'), status: receiver.status, at: Date.now() });
      res.writeHead(receiver.status, { 'Content-Type': 'text/plain' }).end(receiver.status < 300 ? 'stored' : 'unavailable');
    });
  });
  const receiver = {
    requests,
    status: 200,
    port: 0,
    get origin() { return `http://127.0.0.1:${receiver.port}`; },
    async start() {
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(receiver.port, '127.0.0.1', () => resolve());
      });
      receiver.port = server.address().port;
    },
    async stop() {
      if (!server.listening) return;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
  await receiver.start();
  return receiver;
}

/** The doc's verification (extension/doc/admin-deployment.md), verbatim. */
function verify(rawBody, header, secret) {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`);
  const given = Buffer.from(header ?? '');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

const local = async (session, key) => (await (await session.serviceWorker()).evaluate((k) => chrome.storage.local.get(k), key))[key];

/** Waits until the service worker sees the policy's keys in storage.managed and has applied them. */
async function waitForPolicy(session, keys) {
  const worker = await session.serviceWorker();
  const managed = await until(async () => {
    const values = await worker.evaluate(() => chrome.storage.managed.get(null));
    return keys.every((k) => k in values) ? values : null;
  }, `the policy's ${keys.join(', ')} in chrome.storage.managed`, { timeout: 20_000, interval: 200 });
  // loadSettings writes what it saw to managedCache: the worker's settings now include the policy.
  await until(async () => {
    const cache = await local(session, 'managedCache');
    return cache && keys.every((k) => k in cache);
  }, 'the service worker to apply the policy', { timeout: 5000 });
  return managed;
}

/**
 * A new generic chat. `wait`: until the worker has scanned its history (needs the harness's probe,
 * which a restarted worker only gets from restart.restarted(): pass false to open the page that
 * wakes it).
 */
async function openChat(session, label, { wait = true } = {}) {
  return session.open(session.fixtureUrl(`generic-chat.html?${label}-${Date.now()}`), { history: wait ? ['Welcome to the lobby!'] : [] });
}

/** Opens the options page and gets past the PIN gate (creating the PIN on the first run). */
async function openOptions(session, pin = PIN) {
  const page = await session.ctx.newPage();
  page.on('pageerror', (error) => console.error(`[page error] options: ${error.message}`));
  await page.goto(OPTIONS_URL);
  await page.locator('#pin-submit:not(:empty)').waitFor();
  const firstRun = await page.locator('#pin-again-row').isVisible();
  await page.fill('#pin', pin);
  if (firstRun) await page.fill('#pin-again', pin);
  await page.click('#pin-submit');
  await page.locator('#unlocked').waitFor({ state: 'visible', timeout: 10_000 });
  return page;
}

/** Saves settings through the options form, like a guardian would. */
async function saveSettings(page, { select = {}, fill = {}, check = {} }) {
  for (const [name, value] of Object.entries(select)) await page.selectOption(`#settings-form [name="${name}"]`, value);
  for (const [name, value] of Object.entries(fill)) await page.fill(`#settings-form [name="${name}"]`, value);
  for (const [name, on] of Object.entries(check)) await page.setChecked(`#settings-form [name="${name}"]`, on);
  await page.evaluate(() => { document.getElementById('save-status').textContent = ''; });
  await page.click('#save');
  await page.locator('#save-status', { hasText: msg('saved') }).waitFor({ timeout: 5000 });
}

/** The focused node's accessible name inside the page (the warning's shadow root is closed). */
async function focusedName(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = await cdp.send('Accessibility.getFullAXTree');
    const node = nodes.find((n) => !n.ignored && n.role?.value !== 'RootWebArea'
      && (n.properties ?? []).some((p) => p.name === 'focused' && p.value?.value === true));
    return node?.name?.value ?? null;
  } finally {
    await cdp.detach();
  }
}

/** The alert ids the worker raised for guardians so far (event "alert" in the alert log). */
const alertIds = async (session) => ((await local(session, 'alertLog')) ?? []).filter((e) => e.event === 'alert').map((e) => e.alertId);

/**
 * The webhook request for the alert `page` raises next: waits for a new alert id in the log, then
 * for the POST that carries it. (Matched by id: the policy folder is machine-wide, so a Chromium
 * another job starts meanwhile could also post to this receiver.)
 */
async function nextAlertRequest(session, hook, known, what) {
  const id = await until(async () => (await alertIds(session)).find((i) => !known.includes(i)), `the alert for ${what} in the alert log`);
  const request = await until(() => hook.requests.find((r) => r.headers['x-lindungi-alert-id'] === id), `a webhook POST for ${what}`);
  return { id, request };
}

/**
 * A groomer says `text` in a fresh chat page `label`: waits for the warning, then returns the
 * webhook request of the alert it raised.
 */
async function groomingAlertRequest(session, hook, label, text) {
  const known = await alertIds(session);
  const page = await openChat(session, label);
  await say(page, 'kak_rio', text);
  await waitForWarning(page, 'grooming');
  const { request } = await nextAlertRequest(session, hook, known, `the message in ${label}`);
  await page.close();
  return request;
}

/** Closes the browser, then removes the policy and stops the receiver (if any), whatever fails. */
async function shutDown(session, hook) {
  try {
    await session?.close();
  } finally {
    removePolicy();
    await hook?.stop();
  }
}

/** Requests whose alert id this session never raised (another Chromium on the machine): noted. */
function foreign(hook, ids) {
  const others = hook.requests.filter((r) => !ids.includes(r.headers['x-lindungi-alert-id']));
  if (others.length > 0) console.warn(`[guardian] ${others.length} request(s) at the receiver from another browser (is an e2e run in parallel?)`);
  return others;
}

function assertNoMessageText(text, where) {
  for (const fragment of FRAGMENTS) assert.ok(!text.includes(fragment), `${where} contains "${fragment}": ${text}`);
}

/** Starts a browser with `policy` in force (removing the file if the start fails). */
async function startWithPolicy(policy) {
  writePolicy(policy);
  try {
    return await startSession();
  } catch (error) {
    removePolicy();
    throw error;
  }
}

// --- 1, 3, 4: a school policy with a signed webhook, alertLevel medium and locked settings -----

describe('school policy: signed webhook, outbox, locked settings', { skip: SKIP_POLICY }, () => {
  const SECRET = 'sekolah-42-hmac-secret';
  let session;
  let hook;
  before(async () => {
    hook = await standIn();
    session = await startWithPolicy({
      webhookUrl: `${hook.origin}/hook`, webhookSecret: SECRET, alertLevel: 'medium', lockSettings: true,
    });
    const managed = await waitForPolicy(session, ['webhookUrl', 'webhookSecret', 'alertLevel', 'lockSettings']);
    assert.equal(managed.webhookUrl, `${hook.origin}/hook`);
  });
  after(() => shutDown(session, hook));

  test('a grooming chat (English, then Indonesian) is POSTed signed, with exactly the documented fields and no message text', async () => {
    for (const [label, text] of [['en', GROOMING_EN], ['id', GROOMING_ID]]) {
      const request = await groomingAlertRequest(session, hook, `hook-${label}`, text);

      assert.equal(request.method, 'POST');
      assert.equal(request.url, '/hook');
      assert.match(request.headers['content-type'], /^application\/json/);
      const body = JSON.parse(request.text);
      assert.deepEqual(Object.keys(body).sort(), ['category', 'cues', 'id', 'level', 'site', 'time', 'version']);
      assert.equal(body.version, 1);
      assert.equal(body.category, 'grooming');
      assert.ok(['medium', 'high'].includes(body.level), body.level);
      assert.equal(body.site, '127.0.0.1');
      assert.match(body.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.equal(request.headers['x-lindungi-alert-id'], body.id);
      assert.equal(new Date(body.time).toISOString(), body.time, 'RFC 3339 UTC');
      assert.ok(Math.abs(Date.now() - Date.parse(body.time)) < 60_000, body.time);
      assert.ok(Array.isArray(body.cues) && body.cues.includes('grooming.secrecy'), JSON.stringify(body.cues));
      assertNoMessageText(request.text, 'the webhook body');
      assertNoMessageText(JSON.stringify(request.headers), 'the webhook headers');
      // The signature over the raw bytes, computed here and with the doc's verify().
      const expected = `sha256=${createHmac('sha256', SECRET).update(request.raw).digest('hex')}`;
      assert.equal(request.headers['x-lindungi-signature'], expected);
      assert.ok(verify(request.raw, request.headers['x-lindungi-signature'], SECRET));
      assert.ok(!verify(request.raw, request.headers['x-lindungi-signature'], 'another-secret'));
      assert.ok((await alertIds(session)).includes(body.id), 'the alert log names the delivered alert');
    }
    // Delivered: nothing waits in the outbox, and each alert arrived once.
    await until(async () => ((await local(session, 'outbox')) ?? []).length === 0, 'an empty outbox');
    const ids = await alertIds(session);
    assert.equal(ids.length, 2, 'one alert per message');
    foreign(hook, ids);
    const sent = hook.requests.map((r) => `${r.method} ${r.url} ${r.status} ${r.headers['x-lindungi-alert-id']} ${r.at}`);
    for (const id of ids) {
      assert.equal(hook.requests.filter((r) => r.headers['x-lindungi-alert-id'] === id).length, 1, `one POST for alert ${id}: ${JSON.stringify(sent, null, 1)}`);
    }
  });

  test('lockSettings: after the PIN, every field is disabled and the managed note is shown', async () => {
    const page = await openOptions(session);
    await page.locator('#managed-note').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#managed-note').textContent(), msg('managedNote'));
    // The school's values are shown.
    assert.equal(await page.inputValue('[name="webhookUrl"]'), `${hook.origin}/hook`);
    assert.equal(await page.inputValue('[name="alertLevel"]'), 'medium');
    const fields = await page.evaluate(() => [...document.querySelectorAll('#settings-form input, #settings-form select, #settings-form textarea, #settings-form button')]
      .map((el) => ({ name: el.name || el.id, disabled: el.matches(':disabled') })));
    assert.ok(fields.length >= 20, `the form has its fields: ${fields.length}`);
    assert.deepEqual(fields.filter((f) => !f.disabled), [], 'fields still enabled under lockSettings');
    // Policy-set fields also say so.
    for (const name of ['webhookUrl', 'webhookSecret', 'alertLevel']) {
      assert.equal(await page.locator(`label:has([name="${name}"]) .managed`).textContent(), msg('setBySchool'), name);
    }
    await page.close();
  });

  test('receiver down: alerts wait in the outbox (shown on the options page), survive a worker restart, and are delivered exactly once when it is back', async () => {
    hook.status = 503;
    const page1 = await openChat(session, 'down-503');
    await say(page1, 'kak_rio', MEETING_EN);
    await waitForWarning(page1, 'grooming');
    const pending1 = await until(async () => {
      const outbox = (await local(session, 'outbox')) ?? [];
      return outbox.length === 1 && outbox[0].lastError ? outbox : null;
    }, 'the alert waiting in the outbox with its error');
    assert.equal(pending1[0].channel, 'webhook');
    assert.equal(pending1[0].lastError, 'webhook answered HTTP 503');
    assert.equal(pending1[0].attempts, 1);
    assert.equal(hook.requests.filter((r) => r.headers['x-lindungi-alert-id'] === pending1[0].alert.id).length, 1, 'it was tried once, and refused');
    assertNoMessageText(JSON.stringify(pending1), 'the outbox');
    const id1 = pending1[0].alert.id;

    const options = await openOptions(session);
    const delivery = options.locator('#delivery li');
    await delivery.first().waitFor();
    assert.equal(await options.locator('#delivery-title').textContent(), 'Alerts waiting to be delivered');
    assert.ok(await options.locator('#delivery-empty').isHidden());
    assert.match(await delivery.first().textContent(), /^Webhook: not delivered yet \(webhook answered HTTP 503, 1 tries\)\. Next try: /);

    // The worker stops (as Chromium does when it idles) with the alert undelivered.
    let restart = await session.restartServiceWorker();
    // Now the receiver is off altogether; a second chat wakes the worker and raises a second alert.
    await hook.stop();
    const page2 = await openChat(session, 'down-off', { wait: false });
    await restart.restarted();
    await say(page2, 'om_dodi', DELETE_ID);
    await waitForWarning(page2, 'grooming');
    const pending2 = await until(async () => {
      const outbox = (await local(session, 'outbox')) ?? [];
      return outbox.length === 2 && outbox.every((e) => e.lastError) ? outbox : null;
    }, 'both alerts waiting in the outbox');
    assert.equal(pending2[0].alert.id, id1, 'the first alert survived the restart');
    assert.match(pending2[1].lastError, /fetch/i, 'a receiver that is down is a network error');
    const id2 = pending2[1].alert.id;
    await until(async () => (await delivery.count()) === 2, 'both alerts on the options page');

    // The receiver is back. Retries are due 15 s later and the alarm ticks once a minute: instead
    // of waiting, the test makes the entries due now (as if the retry delay had passed) and stops
    // the worker; its next start delivers every due entry (service-worker.js: outbox.deliver()).
    hook.status = 200;
    await hook.start();
    const backAt = hook.requests.length;
    await (await session.serviceWorker()).evaluate(async () => {
      const { outbox } = await chrome.storage.local.get('outbox');
      await chrome.storage.local.set({ outbox: outbox.map((e) => ({ ...e, due: 0 })) });
    });
    restart = await session.restartServiceWorker();
    const page3 = await openChat(session, 'back', { wait: false });
    await restart.restarted();
    await until(async () => ((await local(session, 'outbox')) ?? []).length === 0, 'the outbox to empty');
    // Another restart: nothing is sent twice.
    restart = await session.restartServiceWorker();
    const page4 = await openChat(session, 'after', { wait: false });
    await restart.restarted();
    await settle(page4, 1000);

    foreign(hook, await alertIds(session));
    const accepted = hook.requests.slice(backAt).filter((r) => r.status === 200 && [id1, id2].includes(r.headers['x-lindungi-alert-id']));
    const ids = accepted.map((r) => JSON.parse(r.text).id);
    assert.deepEqual(ids.sort(), [id1, id2].sort(), 'exactly one delivery per alert id');
    for (const r of accepted) {
      assert.ok(verify(r.raw, r.headers['x-lindungi-signature'], SECRET), 'retries are signed too');
      assertNoMessageText(r.text, 'a retried webhook body');
    }
    await options.locator('#delivery-empty').waitFor({ state: 'visible' });
    assert.equal(await delivery.count(), 0);
    for (const p of [page1, page2, page3, page4, options]) await p.close();
  });

  test('network audit: nothing left 127.0.0.1 under the school policy', () => {
    assertNoNetworkLeaks(session);
  });
});

// --- 2, 4: includeExcerpt, and a policy without lockSettings ------------------------------------

describe('school policy with includeExcerpt, settings not locked', { skip: SKIP_POLICY }, () => {
  const SECRET = 'excerpt-secret';
  let session;
  let hook;
  before(async () => {
    hook = await standIn();
    session = await startWithPolicy({
      webhookUrl: `${hook.origin}/hook`, webhookSecret: SECRET, alertLevel: 'medium', includeExcerpt: true,
    });
    await waitForPolicy(session, ['webhookUrl', 'webhookSecret', 'alertLevel', 'includeExcerpt']);
  });
  after(() => shutDown(session, hook));

  test('the webhook body carries an excerpt with the message text (English and Indonesian)', async () => {
    for (const [label, text] of [['en', GROOMING_EN], ['id', GROOMING_ID]]) {
      const request = await groomingAlertRequest(session, hook, `excerpt-${label}`, text);
      const body = JSON.parse(request.text);
      assert.deepEqual(Object.keys(body).sort(), ['category', 'cues', 'excerpt', 'id', 'level', 'site', 'time', 'version']);
      assert.equal(body.category, 'grooming');
      assert.ok(body.excerpt.includes(text), `excerpt ${JSON.stringify(body.excerpt)} holds the message`);
      assert.ok(body.excerpt.length <= 280);
      assert.ok(verify(request.raw, request.headers['x-lindungi-signature'], SECRET));
    }
  });

  test('without lockSettings, only the policy-set fields are disabled and say "Set by your school"', async () => {
    const page = await openOptions(session);
    await page.locator('#managed-note').waitFor({ state: 'visible' });
    const fields = await page.evaluate(() => [...document.querySelectorAll('#settings-form input, #settings-form select, #settings-form textarea')]
      .map((el) => ({
        name: el.name,
        disabled: el.matches(':disabled'),
        note: el.closest('label')?.querySelector('.managed')?.textContent ?? null,
      })));
    const bySchool = ['webhookUrl', 'webhookSecret', 'alertLevel', 'includeExcerpt'];
    for (const field of fields) {
      if (bySchool.includes(field.name)) {
        assert.deepEqual(field, { name: field.name, disabled: true, note: msg('setBySchool') });
      } else {
        assert.deepEqual(field, { name: field.name, disabled: false, note: null });
      }
    }
    assert.deepEqual(fields.filter((f) => f.disabled).map((f) => f.name).sort(), [...bySchool].sort());
    assert.ok(await page.locator('#save').isEnabled());
    // The guardian can still save what the school left open; the school's values stay.
    await saveSettings(page, { select: { warnLevel: 'high' } });
    const saved = await local(session, 'settings');
    assert.equal(saved.warnLevel, 'high');
    for (const key of bySchool) assert.ok(!(key in saved), `the guardian's save does not carry the school's ${key}`);
    assert.equal(await page.inputValue('[name="alertLevel"]'), 'medium');
    await page.close();
  });

  test('network audit: nothing left 127.0.0.1 with excerpts on', () => {
    assertNoNetworkLeaks(session);
  });
});

// --- 8: invalid policy values ------------------------------------------------------------------

describe('invalid school policy values', { skip: SKIP_POLICY }, () => {
  let session;
  before(async () => {
    session = await startWithPolicy({
      alertLevel: 'loud', webhookUrl: 'ftp://x', webhookSecret: 'ignored-secret', warnLevel: 'medium',
    });
    await waitForPolicy(session, ['webhookUrl', 'warnLevel']);
  });
  after(() => shutDown(session));

  test('they are ignored with a visible note, and warnings still appear', async () => {
    const managed = await (await session.serviceWorker()).evaluate(() => chrome.storage.managed.get(null));
    // Chromium checks the policy against managed_schema.json first: a value outside an enum
    // ("loud") never reaches the extension (it is listed on chrome://policy instead). A value the
    // schema allows but Lindungi does not (an ftp:// webhook) reaches it and is refused there.
    assert.ok(!('alertLevel' in managed), JSON.stringify(managed));
    assert.equal(managed.webhookUrl, 'ftp://x');

    const options = await openOptions(session);
    const notes = options.locator('#policy-notes li');
    await notes.first().waitFor();
    assert.deepEqual(await notes.allTextContents(), [msg('policyProblem', ['webhookUrl', 'invalid value'])]);
    assert.equal(await options.inputValue('[name="webhookUrl"]'), '', 'the ftp URL is not in force');
    assert.equal(await options.inputValue('[name="alertLevel"]'), 'high', 'alertLevel keeps its default');
    // What the school set validly is applied and shown as the school's.
    assert.ok(await options.locator('[name="warnLevel"]').isDisabled());
    assert.ok(await options.locator('[name="webhookUrl"]').isEnabled(), 'an ignored value is not the school\'s');

    for (const [label, text, category] of [['en', GROOMING_EN, 'grooming'], ['id', BULLYING_ID, 'bullying']]) {
      const page = await openChat(session, `invalid-${label}`);
      await say(page, 'stranger', text);
      await waitForWarning(page, category);
      await page.close();
    }
    // No channel came of the invalid webhook.
    assert.equal(((await local(session, 'outbox')) ?? []).length, 0);
    const alerts = ((await local(session, 'alertLog')) ?? []).filter((e) => e.event === 'alert');
    for (const a of alerts) assert.deepEqual(a.channels, []);
    await options.close();
  });

  test('network audit: nothing left 127.0.0.1 with an invalid policy', () => {
    assertNoNetworkLeaks(session);
  });
});

// --- 5, 6, 7, 10: a guardian without a school --------------------------------------------------

describe('guardian without a school policy', () => {
  let session;
  let ntfy;
  before(async () => {
    assert.ok(!existsSync(POLICY_FILE), 'no policy file is left from the scenarios before');
    ntfy = await standIn();
    session = await startSession();
  });
  after(async () => {
    try {
      await session?.close();
    } finally {
      await ntfy?.stop();
    }
  });

  test('PIN: set on the first run; three wrong tries refused, the fourth imposes a wait that even the right PIN cannot skip', async () => {
    const page = await session.ctx.newPage();
    await page.goto(OPTIONS_URL);
    await page.locator('#pin-submit:not(:empty)').waitFor();
    assert.equal(await page.locator('#gate-title').textContent(), msg('pinCreateTitle'));
    const status = page.locator('#pin-status');
    // The two entries must match.
    await page.fill('#pin', PIN);
    await page.fill('#pin-again', '4828');
    await page.click('#pin-submit');
    await status.filter({ hasText: msg('pinMismatch') }).waitFor();
    assert.ok(await page.locator('#unlocked').isHidden());
    await page.fill('#pin-again', PIN);
    await page.click('#pin-submit');
    await page.locator('#unlocked').waitFor({ state: 'visible' });
    const record = await page.evaluate(() => chrome.storage.local.get('pin').then((r) => r.pin));
    assert.ok(record.hash && record.salt && !JSON.stringify(record).includes(PIN), 'only a salted hash is kept');

    await page.click('#lock');
    await page.locator('#gate-title', { hasText: msg('pinEnterTitle') }).waitFor();
    const failures = () => page.evaluate(() => chrome.storage.local.get('pinLock').then((r) => r.pinLock?.failures ?? 0));
    /** Submits `pin` and returns the status text it gets. */
    const submit = async (pin) => {
      await page.evaluate(() => { document.getElementById('pin-status').textContent = ''; });
      await page.fill('#pin', pin);
      await page.click('#pin-submit');
      return until(() => status.textContent(), 'the PIN status');
    };
    for (const [i, wrong] of ['0000', '1234', '4872'].entries()) {
      assert.equal(await submit(wrong), msg('pinWrong'), `wrong try ${i + 1}`);
      assert.equal(await failures(), i + 1);
      assert.ok(await page.locator('#unlocked').isHidden());
    }
    const waitText = await submit('9999');
    assert.equal(await failures(), 4);
    const seconds = Number(/Try again in (\d+) seconds/.exec(waitText)?.[1]);
    assert.ok(seconds >= 25 && seconds <= 30, waitText);
    assert.equal(waitText, msg('pinWait', [String(seconds)]));

    // The right PIN during the wait is refused too.
    assert.match(await submit(PIN), /^Too many wrong tries\. Try again in \d+ seconds\.$/);
    assert.ok(await page.locator('#unlocked').isHidden(), 'unlocked during the wait');
    assert.equal(await failures(), 4);

    // Time passes: instead of waiting 30 s, the test moves the end of the wait into the past in
    // chrome.storage.local 'pinLock' from the service worker (as if the clock had run on).
    await (await session.serviceWorker()).evaluate(async () => {
      const { pinLock } = await chrome.storage.local.get('pinLock');
      await chrome.storage.local.set({ pinLock: { ...pinLock, until: Date.now() - 1000 } });
    });
    await page.fill('#pin', PIN);
    await page.click('#pin-submit');
    await page.locator('#unlocked').waitFor({ state: 'visible' });
    assert.deepEqual(await page.evaluate(() => chrome.storage.local.get('pinLock').then((r) => r.pinLock)), { failures: 0, until: 0 });
    await page.close();
  });

  test('ntfy: a risky message at the alert level pushes a short text with category and site, no message text; the token is sent when set', async () => {
    const topic = `keluarga-rina-${Date.now().toString(36)}`;
    const options = await openOptions(session);
    await saveSettings(options, {
      select: { alertLevel: 'medium' },
      fill: { ntfyServer: ntfy.origin, ntfyTopic: topic, ntfyToken: '' },
    });
    for (const [label, text, token] of [['id', GROOMING_ID, ''], ['en', GROOMING_EN, 'tk_guardian_0042']]) {
      if (token) await saveSettings(options, { fill: { ntfyToken: token } });
      const before = ntfy.requests.length;
      const page = await openChat(session, `ntfy-${label}`);
      await say(page, 'kak_rio', text);
      await waitForWarning(page, 'grooming');
      const request = await until(() => ntfy.requests[before], `an ntfy POST for the ${label} message`);
      await settle(page);
      assert.equal(ntfy.requests.length, before + 1, 'one push per alert');
      await page.close();
      assert.equal(request.method, 'POST');
      assert.equal(request.url, `/${topic}`);
      assert.ok(request.text.includes(msg('categoryName_grooming')) && request.text.includes('127.0.0.1'), request.text);
      assert.match(request.text, /^Lindungi warned about grooming signs \((medium|high)\) on 127\.0\.0\.1\.$/);
      assert.ok(request.text.length < 120, request.text);
      assertNoMessageText(request.text, 'the ntfy text');
      assertNoMessageText(JSON.stringify(request.headers), 'the ntfy headers');
      assert.equal(request.headers.title, 'Lindungi');
      assert.equal(request.headers.authorization, token ? `Bearer ${token}` : undefined);
    }
    await options.close();
  });

  test('popup and report: "Tell my guardian" by keyboard is listed in the popup; Report opens the evidence with an intact hash', async () => {
    // On a supported site, so the evidence names the other party and the platform's report link.
    const page = await session.openSite('whatsapp', `Om Dodi ${Date.now()}`);
    await say(page, 'Om Dodi', 'kamu cantik deh, umur kamu berapa?');
    await say(page, 'Om Dodi', MEETING_EN);
    await waitForWarning(page, 'grooming');
    await page.keyboard.press('Alt+Shift+L');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.equal(await focusedName(page), msg('choiceTellGuardian'));
    const logged = async (event) => ((await local(session, 'alertLog')) ?? []).filter((e) => e.event === event).length;
    const toldBefore = await logged('choice:tell');
    await page.keyboard.press('Enter');
    await until(async () => (await logged('choice:tell')) === toldBefore + 1, 'the "tell" choice in the alert log');

    const popup = await session.ctx.newPage();
    await popup.goto(POPUP_URL);
    const told = popup.locator('#events li', { hasText: `Your guardian was told about ${msg('categoryName_grooming')} on web.whatsapp.com` });
    await told.first().waitFor();
    assert.ok(await popup.locator('#none').isHidden());
    assertNoMessageText(await popup.locator('body').innerText(), 'the popup');
    await popup.close();

    // Report, on the same card: the next button.
    await page.keyboard.press('Tab');
    assert.equal(await focusedName(page), msg('choiceReport'));
    const opened = session.ctx.waitForEvent('page', { predicate: (p) => p.url().startsWith(`${EXTENSION}/report/report.html`), timeout: 10_000 });
    await page.keyboard.press('Enter');
    const report = await opened;
    await report.locator('#evidence').waitFor({ state: 'visible' });
    const messages = await report.locator('#messages li').allTextContents();
    assert.ok(messages.some((m) => m.endsWith(`Om Dodi: ${MEETING_EN}`)), JSON.stringify(messages));
    assert.ok(messages.some((m) => m.endsWith('Om Dodi: kamu cantik deh, umur kamu berapa?')), JSON.stringify(messages));
    const facts = await report.locator('#facts').innerText();
    assert.ok(facts.includes(page.url()) && facts.includes('Om Dodi'), facts);
    assert.equal(await report.locator('#platform-link').getAttribute('href'), 'https://faq.whatsapp.com/1142481766359885');
    const hashLine = await report.locator('#hash').textContent();
    const hash = /[0-9a-f]{64}/.exec(hashLine)?.[0];
    assert.equal(hashLine, msg('reportHashOk', [hash]));
    assert.match(hashLine, /unchanged/);
    // The hash is the bundle's, recomputed here from storage.
    const evidenceId = new URL(report.url()).searchParams.get('evidence');
    const bundle = ((await local(session, 'evidence')) ?? []).find((b) => b.id === evidenceId);
    const { sha256, ...rest } = bundle;
    assert.equal(sha256, hash);
    assert.equal(await sha256Hex(canonical(rest)), hash);
    await report.close();
    await page.close();
  });

  test('guardian settings: edits survive a warning elsewhere; with bullying off no bullying warning, grooming still warns; a skipped site gets no warnings', async () => {
    const options = await openOptions(session);
    await options.setChecked('[name="category:bullying"]', false);
    await options.fill('[name="skipSites"]', 'discord.com');
    // While the guardian is still editing, the chat goes on in another tab: the new warning shows
    // up in the log on this page, and the unsaved edits stay.
    const logRows = await options.locator('#log tr').count();
    const elsewhere = await openChat(session, 'while-editing');
    await say(elsewhere, 'kak_rio', DELETE_ID);
    await waitForWarning(elsewhere, 'grooming');
    await until(async () => (await options.locator('#log tr').count()) > logRows, 'the new warning in the options page log');
    await elsewhere.close();
    assert.equal(await options.inputValue('[name="skipSites"]'), 'discord.com', 'unsaved edits survive a warning elsewhere');
    assert.equal(await options.isChecked('[name="category:bullying"]'), false);
    await saveSettings(options, {});
    const saved = await local(session, 'settings');
    assert.equal(saved.categories.bullying, false);
    assert.deepEqual(saved.skipSites, ['discord.com']);
    await options.close();

    const page = await openChat(session, 'settings');
    await say(page, 'geng_kelas', BULLYING_ID);
    await say(page, 'geng_kelas', BULLYING_EN);
    await session.waitForScanned(page, [BULLYING_ID, BULLYING_EN]);
    await settle(page);
    assert.deepEqual(await warningsOn(page), []);
    await say(page, 'kak_rio', GROOMING_ID);
    await waitForWarning(page, 'grooming');
    assert.deepEqual(await warningsOn(page), ['grooming']);
    await page.close();

    const discord = await session.openSite('discord', `skip${Date.now()}`);
    await say(discord, 'kak_rio', GROOMING_EN);
    await say(discord, 'kak_rio', 'send me a pic of you in your underwear');
    await settle(discord, 1000);
    assert.deepEqual(await warningsOn(discord), []);
    const log = (await local(session, 'alertLog')) ?? [];
    assert.ok(!log.some((e) => e.site === 'discord.com'), 'nothing logged for the skipped site');
    await discord.close();
  });

  test('network audit: nothing left 127.0.0.1 for the guardian', () => {
    assertNoNetworkLeaks(session);
  });
});
