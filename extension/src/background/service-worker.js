// Lindungi's service worker: the only place the detector runs (pages' CSPs block wasm in
// content scripts). It scans what content scripts send, keeps conversation state across restarts,
// decides warnings, records the child's choices in the local alert log, and sends guardian alerts
// through the durable outbox — only to channels a guardian or school configured.
import init, { Detector } from '../lib/lindungi.js';
import { parseContentMessage } from './protocol.js';
import { decideWarning, LEVEL_RANK } from './policy.js';
import { ConversationStore } from './conversations.js';
import { appendAlert } from './alerts.js';
import { siteInfo } from './sites.js';
import { loadSettings, siteIsWatched } from './settings.js';
import { configuredChannels, ntfyText, send } from './channels.js';
import { Outbox } from './outbox.js';
import { keepBundle, makeBundle } from './evidence.js';
import { loadMessages } from './strings.js';

const OUTBOX_ALARM = 'lindungi-outbox';
const EXCERPT_CHARS = 280;

const detectorReady = init({ module_or_path: chrome.runtime.getURL('lib/lindungi_bg.wasm') }).then(
  () => new Detector(),
);
const conversations = new ConversationStore(chrome.storage.session);
const t = (key, subs) => chrome.i18n.getMessage(key, subs) || key;

let settingsReady = loadSettings(chrome.storage);
chrome.storage.onChanged.addListener(async (changes, area) => {
  if (area === 'managed') {
    // A real policy change (not the start-up race the cache covers): a removed policy is
    // removed here too, so dropping lockSettings from the policy unlocks the options.
    const current = await chrome.storage.managed.get(null).catch(() => ({}));
    await chrome.storage.local.set({ managedCache: current });
  }
  // The alert log and the outbox are written to storage.local too: only settings matter here.
  if (area === 'managed' || (area === 'local' && ('settings' in changes || 'managedCache' in changes))) {
    settingsReady = loadSettings(chrome.storage);
  }
});

const outbox = new Outbox(chrome.storage.local, async (channel, alert) => {
  const { settings } = await settingsReady;
  await send(channel, alert, settings, { t, notify: showNotification });
});
chrome.alarms.create(OUTBOX_ALARM, { periodInMinutes: 1 });
chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === OUTBOX_ALARM) outbox.deliver();
});
// Whatever was waiting when the worker last stopped goes out now.
outbox.deliver();

async function showNotification(alert) {
  await chrome.notifications.create(alert.id, {
    type: 'basic',
    iconUrl: chrome.runtime.getURL('icons/128.png'),
    title: 'Lindungi',
    message: ntfyText(alert, t),
  });
}

// One message at a time: conversation states, the alert log and the outbox are read-modify-write.
let queue = Promise.resolve();
function serially(task) {
  const run = queue.then(task);
  // The caller gets (and logs) the error through `run`; the queue itself just moves on.
  queue = run.catch(() => {});
  return run;
}

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  // Only this extension's own content scripts talk to it (no externally_connectable).
  if (sender.id !== chrome.runtime.id || !sender.tab) return false;
  const parsed = parseContentMessage(message);
  if (!parsed) {
    sendResponse({ type: 'error', error: 'invalid message' });
    return false;
  }
  const handle = { scan, choice: choose, strings }[parsed.type];
  serially(async () => {
    const { response, after } = await handle(parsed, sender.tab);
    // Answer first, so the warning shows; logging, alerts and the badge follow in the queue.
    sendResponse(response);
    if (after) serially(after).catch((error) => console.error('Lindungi:', error));
  }).catch((error) => {
    console.error('Lindungi:', error);
    sendResponse({ type: 'error', error: String(error?.message ?? error) });
  });
  return true;
});

/** Sends an alert to every configured channel (through the outbox) and logs it. */
async function alertGuardian(settings, { category, level, cues, site, text, reason }) {
  const alert = { id: crypto.randomUUID(), category, level, site, time: new Date().toISOString(), cues };
  if (settings.includeExcerpt && text) alert.excerpt = text.slice(0, EXCERPT_CHARS);
  const channels = configuredChannels(settings);
  await appendAlert(chrome.storage.local, { event: 'alert', reason, alertId: alert.id, category, level, cues, site, channels });
  await outbox.enqueue(alert, channels);
}

async function scan({ site, items }, tab) {
  const [{ settings }, detector] = await Promise.all([settingsReady, detectorReady]);
  if (!siteIsWatched(settings, site.host)) return { response: { type: 'verdicts', skip: true, results: [] } };
  const results = [];
  const records = [];
  for (const item of items) {
    // Drafts are not part of the conversation yet: the child may still change them.
    const key = item.conversation && !item.draft ? `${site.host}|${item.conversation}` : undefined;
    const memory = key ? await conversations.load(detector, key) : {};
    const result = detector.scan(item.text, {
      direction: item.direction,
      conversation: key,
      author: item.author,
      time: Date.now(),
    });
    if (key) conversations.touch(key);
    const warning = decideWarning(result, item, memory, settings);
    if (warning) {
      const { blockHelp, reportUrl } = siteInfo(site.adapter);
      warning.blockHelp = blockHelp;
      warning.canReport = reportUrl !== null;
      if (warning.source !== 'draft') {
        records.push({ category: warning.category, level: warning.level, cues: warning.cues, site: site.host, text: item.text });
      }
    }
    results.push({ id: item.id, warning });
  }
  const after = async () => {
    await conversations.save(detector);
    for (const { text, ...entry } of records) {
      await appendAlert(chrome.storage.local, { event: 'warning', ...entry });
      if (LEVEL_RANK[entry.level] >= LEVEL_RANK[settings.alertLevel]) {
        await alertGuardian(settings, { ...entry, text, reason: 'level' });
      }
    }
    if (records.length > 0) await markTab(tab.id);
  };
  return { response: { type: 'verdicts', results }, after };
}

/** The child's language for warnings, when a guardian or school chose one (else the browser's). */
async function strings() {
  const { settings } = await settingsReady;
  const messages = await loadMessages(settings.language);
  return { response: { type: 'strings', language: messages ? settings.language : null, messages } };
}

/** The learning page about each category. */
const LEARN_TOPIC = { grooming: 'grooming', sexual: 'grooming', bullying: 'bullying', self_harm: 'feelings', personal_info: 'privacy', profanity: 'bullying' };

async function choose({ site, choice, category, level, cues, evidence }, tab) {
  if (choice === 'learn') {
    await chrome.tabs.create({ url: chrome.runtime.getURL(`learn/learn.html?topic=${LEARN_TOPIC[category]}`), openerTabId: tab.id });
    return { response: { type: 'ok' } };
  }
  let evidenceId;
  if ((choice === 'report' || choice === 'tell') && evidence) {
    const bundle = await makeBundle({ site: site.host, url: evidence.url, category, level, cues, messages: evidence.messages });
    await keepBundle(chrome.storage.local, bundle);
    evidenceId = bundle.id;
  }
  if (choice === 'report') {
    // Lindungi's report page: the platform's own report link, hotlines, and the evidence.
    const query = new URLSearchParams({ site: site.adapter, ...(evidenceId ? { evidence: evidenceId } : {}) });
    await chrome.tabs.create({ url: chrome.runtime.getURL(`report/report.html?${query}`), openerTabId: tab.id });
  }
  if (choice === 'tell') {
    const { settings } = await settingsReady;
    const last = evidence?.messages.filter((m) => m.direction !== 'outgoing').at(-1)?.text;
    await alertGuardian(settings, { category, level, cues, site: site.host, text: last, reason: 'child' });
  }
  if (choice !== 'dismiss') {
    await appendAlert(chrome.storage.local, { event: `choice:${choice}`, category, level, cues, site: site.host, evidenceId });
  }
  return { response: { type: 'ok' } };
}

/** The toolbar shows, on this tab, that Lindungi warned: the page cannot hide that. */
async function markTab(tabId) {
  await chrome.action.setBadgeText({ tabId, text: '!' });
  await chrome.action.setBadgeBackgroundColor({ tabId, color: '#B3261E' });
  await chrome.action.setTitle({ tabId, title: t('actionTitleWarned') });
}
