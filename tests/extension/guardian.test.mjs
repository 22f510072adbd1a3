// Guardian-side logic of the service worker: settings (guardian and school policy), alert
// channels (signed webhook, ntfy) and the durable outbox. Run: node --test tests/extension/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { loadSettings, siteIsWatched, defaults, isAllowedUrl } from '../../extension/src/background/settings.js';
import { webhookBody, signature, configuredChannels, send } from '../../extension/src/background/channels.js';
import { Outbox, retryDelay } from '../../extension/src/background/outbox.js';

/** A chrome.storage area in memory. */
function area(initial = {}) {
  const data = structuredClone(initial);
  return {
    data,
    async get(keys) {
      if (keys === null || keys === undefined) return structuredClone(data);
      const list = Array.isArray(keys) ? keys : [keys];
      return Object.fromEntries(list.filter((k) => k in data).map((k) => [k, structuredClone(data[k])]));
    },
    async set(values) { Object.assign(data, structuredClone(values)); },
    async remove(keys) { for (const k of [].concat(keys)) delete data[k]; },
  };
}

test('settings: defaults, then the guardian, then the school; invalid values are noted, not applied', async () => {
  const storage = {
    local: area({ settings: { warnLevel: 'low', alertLevel: 'loud', categories: { profanity: true }, colour: 'red' } }),
    managed: area({ alertLevel: 'medium', webhookUrl: 'http://evil.example/hook', lockSettings: true }),
  };
  const { settings, managed, notes, locked } = await loadSettings(storage);
  assert.equal(settings.warnLevel, 'low');
  assert.equal(settings.alertLevel, 'medium', 'the school wins');
  assert.equal(settings.categories.profanity, true);
  assert.equal(settings.categories.grooming, true, 'categories merge with defaults');
  assert.equal(settings.webhookUrl, '', 'plain http to another host is refused');
  assert.deepEqual(managed.sort(), ['alertLevel', 'lockSettings']);
  assert.equal(locked, true);
  const problems = notes.map((n) => `${n.source}:${n.key}:${n.problem}`).sort();
  assert.deepEqual(problems, ['guardian:alertLevel:invalid value', 'guardian:colour:unknown setting', 'school:webhookUrl:invalid value']);
});

test('settings: managed values that arrived once are kept for restarts before the policy loads', async () => {
  const local = area();
  await loadSettings({ local, managed: area({ ntfyTopic: 'school-alerts-42' }) });
  const later = await loadSettings({ local, managed: area() });
  assert.equal(later.settings.ntfyTopic, 'school-alerts-42');
  const failing = { get: async () => { throw new Error('Managed storage manifest not found'); } };
  const none = await loadSettings({ local: area(), managed: failing });
  assert.deepEqual(none.notes, [], 'no policy is not an error');
  assert.deepEqual(none.settings, defaults());
});

test('settings: sites to skip and to watch', () => {
  const settings = { ...defaults(), skipSites: ['*.school.example', 'docs.example.org'], watchSites: ['chat.school.example'] };
  assert.equal(siteIsWatched(settings, 'portal.school.example'), false);
  assert.equal(siteIsWatched(settings, 'school.example'), false);
  assert.equal(siteIsWatched(settings, 'chat.school.example'), true);
  assert.equal(siteIsWatched(settings, 'discord.com'), true);
  assert.equal(isAllowedUrl('https://safeguarding.example/hook'), true);
  assert.equal(isAllowedUrl('http://127.0.0.1:8080/hook'), true);
  assert.equal(isAllowedUrl('https://user:pw@x.example/'), false);
  assert.equal(isAllowedUrl('javascript:alert(1)'), false);
});

const alert = { id: 'a1b2', category: 'grooming', level: 'high', site: 'discord.com', time: '2026-11-29T03:00:00.000Z', cues: ['grooming.secrecy'], excerpt: 'dont tell your mom' };

test('webhook: documented body, excerpt only when allowed, verifiable signature', async () => {
  const plain = JSON.parse(webhookBody(alert, { includeExcerpt: false }));
  assert.deepEqual(plain, { version: 1, id: 'a1b2', category: 'grooming', level: 'high', site: 'discord.com', time: '2026-11-29T03:00:00.000Z', cues: ['grooming.secrecy'] });
  assert.equal(JSON.parse(webhookBody(alert, { includeExcerpt: true })).excerpt, 'dont tell your mom');
  const body = webhookBody(alert, { includeExcerpt: false });
  const expected = `sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`;
  assert.equal(await signature('s3cret', body), expected);
});

test('channels: only what is configured; requests carry no message text unless allowed', async () => {
  assert.deepEqual(configuredChannels(defaults()), []);
  const settings = { ...defaults(), webhookUrl: 'https://hooks.example/l', webhookSecret: 'k', ntfyTopic: 'fam-7', ntfyToken: 'tok', notify: true };
  assert.deepEqual(configuredChannels(settings), ['webhook', 'ntfy', 'notification']);
  assert.deepEqual(configuredChannels({ ...settings, webhookSecret: '' }), ['ntfy', 'notification'], 'no unsigned webhooks');
  const calls = [];
  const fetch = async (url, init) => { calls.push({ url, init }); return { ok: true, status: 200 }; };
  const t = (key, subs) => (subs ? `${key}:${subs.join('|')}` : key);
  await send('webhook', alert, settings, { fetch, t });
  await send('ntfy', alert, settings, { fetch, t });
  assert.equal(calls[0].url, 'https://hooks.example/l');
  assert.equal(calls[0].init.headers['X-Lindungi-Signature'], await signature('k', calls[0].init.body));
  assert.ok(!calls[0].init.body.includes('dont tell'));
  assert.equal(calls[1].url, 'https://ntfy.sh/fam-7');
  assert.equal(calls[1].init.headers.Authorization, 'Bearer tok');
  assert.ok(!calls[1].init.body.includes('dont tell'));
  await assert.rejects(send('webhook', alert, settings, { fetch: async () => ({ ok: false, status: 503 }), t }), /503/);
});

test('outbox: delivered once per channel; failures retried with backoff, across restarts', async () => {
  const storage = area();
  let clock = 1_000_000;
  const now = () => clock;
  let receiverUp = false;
  const delivered = [];
  const deliver = async (channel, a) => {
    if (channel === 'webhook' && !receiverUp) throw new Error('connection refused');
    delivered.push(`${channel}:${a.id}`);
  };
  const first = new Outbox(storage, deliver, now);
  await first.enqueue(alert, ['webhook', 'ntfy']);
  assert.deepEqual(delivered, ['ntfy:a1b2']);
  let pending = await first.entries();
  assert.equal(pending.length, 1);
  assert.equal(pending[0].attempts, 1);
  assert.match(pending[0].lastError, /refused/);
  assert.equal(pending[0].due, clock + retryDelay(1));

  // Not due yet: nothing is sent again.
  await first.deliver();
  assert.deepEqual(delivered, ['ntfy:a1b2']);

  // The service worker restarts; the receiver comes back; the alarm fires after the delay.
  const second = new Outbox(storage, deliver, now);
  receiverUp = true;
  clock += retryDelay(1);
  await Promise.all([second.deliver(), second.deliver()]);
  assert.deepEqual(delivered, ['ntfy:a1b2', 'webhook:a1b2'], 'exactly once per channel');
  pending = await second.entries();
  assert.equal(pending.length, 0);
  assert.ok(retryDelay(30) <= 60 * 60_000, 'backoff is capped');
});

test('evidence: a bundle survives storage with its hash, and any change shows', async () => {
  const { makeBundle, verifyBundle, keepBundle, findBundle } = await import('../../extension/src/background/evidence.js');
  const bundle = await makeBundle({
    site: 'discord.com', url: 'https://discord.com/channels/1/2', category: 'grooming', level: 'high',
    cues: ['grooming.secrecy'],
    messages: [
      { author: 'Kak Andi', direction: 'incoming', text: 'jangan bilang mama ya', time: 1_780_000_000_000 },
      { author: undefined, direction: 'outgoing', text: 'kenapa?', time: 1_780_000_060_000 },
    ],
  });
  assert.match(bundle.sha256, /^[0-9a-f]{64}$/);
  assert.deepEqual(bundle.otherParty, ['Kak Andi']);
  const storage = area();
  await keepBundle(storage, bundle);
  const stored = await findBundle(storage, bundle.id);
  assert.ok(await verifyBundle(JSON.parse(JSON.stringify(stored))), 'unchanged after a JSON round trip');
  stored.messages[0].text = 'something else';
  assert.equal(await verifyBundle(stored), false);
});

test('strings: placeholders filled as chrome.i18n does, for a language a guardian chose', async () => {
  const { format } = await import('../../extension/src/background/strings.js');
  const entry = { message: 'Try again in $SECONDS$ seconds ($$1 each).', placeholders: { seconds: { content: '$1' } } };
  assert.equal(format(entry, ['30']), 'Try again in 30 seconds ($1 each).');
  assert.equal(format({ message: 'Lindungi memberi peringatan tentang $CATEGORY$ di $SITE$.', placeholders: { category: { content: '$1' }, site: { content: '$2' } } }, ['perundungan', 'discord.com']),
    'Lindungi memberi peringatan tentang perundungan di discord.com.');
});

test('outbox: an alert queued while a delivery is on the wire is neither lost nor sent twice', async () => {
  const storage = area();
  const delivered = [];
  let release;
  const slow = new Promise((resolve) => { release = resolve; });
  const deliver = async (channel, a) => {
    if (a.id === 'first') await slow;
    delivered.push(a.id);
  };
  const outbox = new Outbox(storage, deliver);
  const first = outbox.enqueue({ ...alert, id: 'first' }, ['webhook']);
  await new Promise((r) => setTimeout(r, 10));
  const second = outbox.enqueue({ ...alert, id: 'second' }, ['webhook']);
  await new Promise((r) => setTimeout(r, 10));
  release();
  await Promise.all([first, second]);
  // No alarm needed: the run that was busy goes round again for what came in meanwhile.
  assert.deepEqual(delivered.sort(), ['first', 'second']);
  assert.deepEqual(await outbox.entries(), []);
});
