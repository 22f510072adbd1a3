// Settings: defaults, then what a guardian saved (storage.local), then what a school's policy sets
// (storage.managed, which wins). Every value is validated against one schema; an invalid value
// is ignored and reported as a note the options page shows, never a crash. Managed values can
// arrive seconds after the browser starts, so the service worker also listens for changes and
// keeps the last managed values it saw (a restart before the policy arrives still applies them).

export const CATEGORIES = ['grooming', 'sexual', 'bullying', 'self_harm', 'personal_info', 'profanity'];
const LEVELS = ['low', 'medium', 'high'];
const LANGUAGES = ['auto', 'en', 'id'];
const COUNTRIES = ['ID', 'US', 'GB', 'AU', 'other'];
const MAX_SITES = 200;

const isHost = (v) => typeof v === 'string' && v.length <= 253 && /^(\*\.)?[a-z0-9.-]+$/i.test(v);
/** https anywhere, or http only to this machine (a local safeguarding server, the tests). */
export function isAllowedUrl(value) {
  if (typeof value !== 'string' || value.length > 2000) return false;
  try {
    const url = new URL(value);
    if (url.username || url.password) return false;
    return url.protocol === 'https:' || (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname));
  } catch {
    return false;
  }
}

/** Each setting: its default and a check. Documented for schools in managed_schema.json. */
export const SCHEMA = Object.freeze({
  categories: {
    default: { grooming: true, sexual: true, bullying: true, self_harm: true, personal_info: true, profanity: false },
    valid: (v) => typeof v === 'object' && v !== null && !Array.isArray(v)
      && Object.entries(v).every(([k, on]) => CATEGORIES.includes(k) && typeof on === 'boolean'),
    merge: (base, v) => ({ ...base, ...v }),
  },
  warnLevel: { default: 'medium', valid: (v) => LEVELS.includes(v) },
  alertLevel: { default: 'high', valid: (v) => LEVELS.includes(v) },
  language: { default: 'auto', valid: (v) => LANGUAGES.includes(v) },
  country: { default: 'ID', valid: (v) => COUNTRIES.includes(v) },
  skipSites: { default: [], valid: (v) => Array.isArray(v) && v.length <= MAX_SITES && v.every(isHost) },
  watchSites: { default: [], valid: (v) => Array.isArray(v) && v.length <= MAX_SITES && v.every(isHost) },
  notify: { default: false, valid: (v) => typeof v === 'boolean' },
  ntfyServer: { default: 'https://ntfy.sh', valid: isAllowedUrl },
  ntfyTopic: { default: '', valid: (v) => typeof v === 'string' && /^[A-Za-z0-9_-]{0,64}$/.test(v) },
  ntfyToken: { default: '', valid: (v) => typeof v === 'string' && v.length <= 200 },
  webhookUrl: { default: '', valid: (v) => v === '' || isAllowedUrl(v) },
  webhookSecret: { default: '', valid: (v) => typeof v === 'string' && v.length <= 500 },
  includeExcerpt: { default: false, valid: (v) => typeof v === 'boolean' },
  lockSettings: { default: false, valid: (v) => typeof v === 'boolean' },
});

export function defaults() {
  return Object.fromEntries(Object.entries(SCHEMA).map(([key, s]) => [key, structuredClone(s.default)]));
}

/**
 * Applies `values` (from storage) over `settings`: unknown keys and invalid values are skipped
 * and described in `notes`. Returns the keys that were applied.
 */
export function apply(settings, values, source, notes) {
  const applied = [];
  if (typeof values !== 'object' || values === null) return applied;
  for (const [key, value] of Object.entries(values)) {
    const rule = Object.hasOwn(SCHEMA, key) ? SCHEMA[key] : null;
    if (!rule) {
      notes.push({ source, key, problem: 'unknown setting' });
    } else if (!rule.valid(value)) {
      notes.push({ source, key, problem: 'invalid value' });
    } else {
      settings[key] = rule.merge ? rule.merge(settings[key], value) : structuredClone(value);
      applied.push(key);
    }
  }
  return applied;
}

/**
 * The settings in force: {settings, managed: [keys set by policy], notes: [...], locked}.
 * `storage` is chrome.storage (local and managed areas).
 */
export async function loadSettings(storage) {
  const notes = [];
  const settings = defaults();
  const { settings: saved, managedCache } = await storage.local.get(['settings', 'managedCache']);
  apply(settings, saved, 'guardian', notes);
  let managedValues = managedCache ?? {};
  try {
    const fresh = await storage.managed.get(null);
    if (fresh && Object.keys(fresh).length > 0) {
      managedValues = fresh;
      await storage.local.set({ managedCache: fresh });
    }
  } catch (error) {
    // No policy for this extension (Firefox throws when none is set): not an error.
    if (!/managed storage|not found|no policy|undefined/i.test(String(error?.message))) {
      notes.push({ source: 'school', key: '*', problem: `policy could not be read: ${error?.message ?? error}` });
    }
  }
  const managed = apply(settings, managedValues, 'school', notes);
  return { settings, managed, notes, locked: settings.lockSettings === true && managed.includes('lockSettings') };
}

/** Whether a page on `host` is scanned under these settings. */
export function siteIsWatched(settings, host) {
  const matches = (pattern) => (pattern.startsWith('*.') ? host === pattern.slice(2) || host.endsWith(pattern.slice(1)) : host === pattern);
  if (settings.watchSites.some(matches)) return true;
  return !settings.skipSites.some(matches);
}
