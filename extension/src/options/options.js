// The guardian's options page: behind a PIN, what to watch, how sensitive, which sites, the
// child's language and country, the alert channels, delivery problems and the alert log.
// Values set by a school's policy are shown read-only; with lockSettings, everything is.
import { CATEGORIES, apply, defaults, loadSettings } from '../background/settings.js';
import { readAlerts } from '../background/alerts.js';
import { createPinRecord, checkPin, lockoutDelay } from './pin.js';

import { t, translate } from '../learn/i18n.js';
const $ = (id) => document.getElementById(id);
const local = chrome.storage.local;

// --- PIN gate ------------------------------------------------------------------------------

async function setUpGate() {
  const { pin } = await local.get('pin');
  const firstRun = !pin;
  $('gate-title').textContent = t(firstRun ? 'pinCreateTitle' : 'pinEnterTitle');
  $('gate-help').textContent = t(firstRun ? 'pinCreateHelp' : 'pinEnterHelp');
  $('pin-submit').textContent = t(firstRun ? 'pinCreateButton' : 'pinEnterButton');
  $('pin-again-row').hidden = !firstRun;
  $('pin-again').required = firstRun;
  $('pin').focus();
  $('pin-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const status = $('pin-status');
    const value = $('pin').value;
    if (firstRun) {
      if (value !== $('pin-again').value) {
        status.textContent = t('pinMismatch');
        return;
      }
      await local.set({ pin: await createPinRecord(value), pinLock: { failures: 0, until: 0 } });
      return unlock();
    }
    const { pinLock = { failures: 0, until: 0 } } = await local.get('pinLock');
    if (Date.now() < pinLock.until) {
      status.textContent = t('pinWait', [String(Math.ceil((pinLock.until - Date.now()) / 1000))]);
      return;
    }
    if (await checkPin(value, pin)) {
      await local.set({ pinLock: { failures: 0, until: 0 } });
      return unlock();
    }
    const failures = pinLock.failures + 1;
    const delay = lockoutDelay(failures);
    await local.set({ pinLock: { failures, until: Date.now() + delay } });
    status.textContent = delay > 0 ? t('pinWait', [String(Math.ceil(delay / 1000))]) : t('pinWrong');
    $('pin').value = '';
    $('pin').focus();
  });
}

async function unlock() {
  // Shown only once filled in: an empty form must never be submitted.
  await render();
  $('gate').hidden = true;
  $('unlocked').hidden = false;
  chrome.storage.onChanged.addListener((changes, area) => {
    // The form is refilled only when the settings change: a warning or alert elsewhere (the log,
    // the outbox) must not wipe what the guardian is typing.
    if (area === 'managed' || (area === 'local' && 'settings' in changes)) render();
    else if (area === 'local') renderDelivery().then(renderLog);
  });
}

// --- settings form ------------------------------------------------------------------------

const LIST_FIELDS = ['skipSites', 'watchSites'];
const CHECK_FIELDS = ['notify', 'includeExcerpt'];
const TEXT_FIELDS = ['ntfyServer', 'ntfyTopic', 'ntfyToken', 'webhookUrl', 'webhookSecret'];
const CHOICES = {
  warnLevel: ['low', 'medium', 'high'].map((v) => [v, `levelName_${v}`]),
  alertLevel: ['low', 'medium', 'high'].map((v) => [v, `levelName_${v}`]),
  language: ['auto', 'en', 'id'].map((v) => [v, `languageName_${v}`]),
  country: ['ID', 'US', 'GB', 'AU', 'other'].map((v) => [v, `countryName_${v}`]),
};

function fillForm(form, settings, managed, locked) {
  const categories = $('categories');
  categories.replaceChildren(...CATEGORIES.map((category) => {
    const label = document.createElement('label');
    label.className = 'check';
    const box = Object.assign(document.createElement('input'), { type: 'checkbox', name: `category:${category}` });
    box.checked = settings.categories[category] === true;
    const text = document.createElement('span');
    text.textContent = t(`categoryName_${category}`);
    label.append(box, text);
    return label;
  }));
  for (const [name, options] of Object.entries(CHOICES)) {
    form.elements[name].replaceChildren(...options.map(([value, key]) => new Option(t(key), value)));
    form.elements[name].value = settings[name];
  }
  for (const name of LIST_FIELDS) form.elements[name].value = settings[name].join('\n');
  for (const name of CHECK_FIELDS) form.elements[name].checked = settings[name];
  for (const name of TEXT_FIELDS) form.elements[name].value = settings[name];
  for (const element of form.elements) {
    const key = element.name?.startsWith('category:') ? 'categories' : element.name;
    const byPolicy = managed.includes(key);
    element.disabled = locked || byPolicy;
    element.closest('label')?.querySelector('.managed')?.remove();
    if (byPolicy && element.name && !element.name.startsWith('category:')) {
      const note = Object.assign(document.createElement('span'), { className: 'managed', textContent: t('setBySchool') });
      element.closest('label')?.append(note);
    }
  }
  $('save').disabled = locked;
}

function readForm(form) {
  const values = { categories: {} };
  for (const category of CATEGORIES) values.categories[category] = form.elements[`category:${category}`].checked;
  for (const name of Object.keys(CHOICES)) values[name] = form.elements[name].value;
  for (const name of LIST_FIELDS) values[name] = form.elements[name].value.split(/[\s,]+/).map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const name of CHECK_FIELDS) values[name] = form.elements[name].checked;
  for (const name of TEXT_FIELDS) values[name] = form.elements[name].value.trim();
  return values;
}

function showPolicyNotes(notes) {
  const list = $('policy-notes');
  list.replaceChildren(...notes.map((n) => Object.assign(document.createElement('li'), {
    textContent: t(n.source === 'school' ? 'policyProblem' : 'savedProblem', [n.key, n.problem]),
  })));
  list.hidden = notes.length === 0;
}

/** Keys set by the school's policy, as last rendered: never saved by the guardian. */
let managedKeys = [];

async function render() {
  const { settings, managed, notes, locked } = await loadSettings(chrome.storage);
  managedKeys = managed;
  fillForm($('settings-form'), settings, managed, locked);
  $('managed-note').hidden = !locked && managed.length === 0;
  showPolicyNotes(notes);
  await renderDelivery();
  await renderLog();
}

// Attached once, before the form is ever shown: a submit must never reach the browser's default.
$('settings-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const values = readForm(event.currentTarget);
  for (const key of managedKeys) delete values[key];
  const problems = [];
  apply(defaults(), values, 'guardian', problems);
  if (problems.length > 0) {
    $('save-status').textContent = t('saveInvalid', [problems.map((p) => p.key).join(', ')]);
    return;
  }
  if (values.webhookUrl && !values.webhookSecret) {
    $('save-status').textContent = t('webhookNeedsSecret');
    return;
  }
  await local.set({ settings: values });
  $('save-status').textContent = t('saved');
});

// --- delivery problems and the alert log --------------------------------------------------

async function renderDelivery() {
  const { outbox = [] } = await local.get('outbox');
  const failing = outbox.filter((entry) => entry.lastError);
  $('delivery-empty').hidden = failing.length > 0;
  $('delivery').replaceChildren(...failing.map((entry) => Object.assign(document.createElement('li'), {
    textContent: t('deliveryFailing', [t(`channelName_${entry.channel}`), entry.lastError, String(entry.attempts), new Date(entry.due).toLocaleString()]),
  })));
}

function eventName(entry) {
  return t(`logEvent_${entry.event.replace(':', '_')}`);
}

async function renderLog() {
  const log = (await readAlerts(local)).slice().reverse();
  $('log').replaceChildren(...log.map((entry) => {
    const row = document.createElement('tr');
    const cells = [
      new Date(entry.time).toLocaleString(), eventName(entry), t(`categoryName_${entry.category}`),
      t(`levelName_${entry.level}`), entry.site, (entry.cues ?? []).join(', '),
    ];
    row.append(...cells.map((text) => Object.assign(document.createElement('td'), { textContent: text })));
    return row;
  }));
}

$('log-export').addEventListener('click', async () => {
  const log = await readAlerts(local);
  const url = URL.createObjectURL(new Blob([JSON.stringify(log, null, 2)], { type: 'application/json' }));
  const link = Object.assign(document.createElement('a'), { href: url, download: `lindungi-alert-log-${new Date().toISOString().slice(0, 10)}.json` });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
});
$('log-clear').addEventListener('click', async () => {
  if (confirm(t('logClearConfirm'))) {
    await local.set({ alertLog: [] });
    await renderLog();
  }
});
$('lock').addEventListener('click', () => location.reload());

translate();
setUpGate();
