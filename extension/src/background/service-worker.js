// Lindungi's service worker: the only place the detector runs (pages' CSPs block wasm in
// content scripts). It scans what content scripts send, keeps conversation state across restarts,
// decides warnings, and records the child's choices in the local alert log. It makes no network
// request of its own.
import init, { Detector } from '../lib/lindungi.js';
import { parseContentMessage } from './protocol.js';
import { decideWarning, DEFAULT_SETTINGS } from './policy.js';
import { ConversationStore } from './conversations.js';
import { appendAlert } from './alerts.js';
import { siteInfo } from './sites.js';

const detectorReady = init({ module_or_path: chrome.runtime.getURL('lib/lindungi_bg.wasm') }).then(
  () => new Detector(),
);
const conversations = new ConversationStore(chrome.storage.session);

// One message at a time: conversation states and the alert log are read-modify-write.
let queue = Promise.resolve();
function serially(task) {
  const run = queue.then(task);
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
  serially(() => (parsed.type === 'scan' ? scan(parsed, sender.tab) : choose(parsed, sender.tab))).then(
    sendResponse,
    (error) => {
      console.error('Lindungi:', error);
      sendResponse({ type: 'error', error: String(error?.message ?? error) });
    },
  );
  return true;
});

async function scan({ site, items }, tab) {
  const detector = await detectorReady;
  const results = [];
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
    const warning = decideWarning(result, item, memory, DEFAULT_SETTINGS);
    if (warning) {
      const { blockHelp, reportUrl } = siteInfo(site.adapter);
      warning.blockHelp = blockHelp;
      warning.canReport = reportUrl !== null;
      if (warning.source !== 'draft') {
        await appendAlert(chrome.storage.local, {
          event: 'warning',
          category: warning.category,
          level: warning.level,
          cues: warning.cues,
          site: site.host,
        });
      }
    }
    results.push({ id: item.id, warning });
  }
  await conversations.save(detector);
  if (results.some((r) => r.warning && r.warning.source !== 'draft')) await markTab(tab.id);
  return { type: 'verdicts', results };
}

async function choose({ site, choice, category, level, cues }, tab) {
  if (choice === 'report') {
    const { reportUrl } = siteInfo(site.adapter);
    if (reportUrl) await chrome.tabs.create({ url: reportUrl, openerTabId: tab.id });
  }
  if (choice !== 'dismiss') {
    await appendAlert(chrome.storage.local, { event: `choice:${choice}`, category, level, cues, site: site.host });
  }
  return { type: 'ok' };
}

/** The toolbar shows, on this tab, that Lindungi warned: the page cannot hide that. */
async function markTab(tabId) {
  await chrome.action.setBadgeText({ tabId, text: '!' });
  await chrome.action.setBadgeBackgroundColor({ tabId, color: '#B3261E' });
  await chrome.action.setTitle({ tabId, title: chrome.i18n.getMessage('actionTitleWarned') });
}
