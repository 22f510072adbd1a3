// Messages from content scripts are untrusted: a hostile page can compromise nothing in the
// extension, but a content script running in a hostile page may be fed anything. Each message is
// checked here, field by field, and anything unexpected is refused.

export const MAX_ITEMS = 100;
export const MAX_TEXT = 100_000;
const MAX_ID = 200;
const DIRECTIONS = new Set(['incoming', 'outgoing', 'unknown']);
const CHOICES = new Set(['tell', 'report', 'leave', 'ok', 'dismiss', 'learn']);
const CATEGORIES = new Set(['bullying', 'sexual', 'grooming', 'self_harm', 'personal_info', 'profanity']);
const LEVELS = new Set(['low', 'medium', 'high']);

const isString = (v, max) => typeof v === 'string' && v.length <= max;
const optionalString = (v, max) => v === undefined || isString(v, max);

/** One text to scan: {id, text, direction, conversation?, author?, draft?}. */
function parseItem(item) {
  if (typeof item !== 'object' || item === null) return null;
  const { id, text, direction, conversation, author, draft } = item;
  if (!isString(id, MAX_ID) || !isString(text, MAX_TEXT) || !DIRECTIONS.has(direction)) return null;
  if (!optionalString(conversation, MAX_ID) || !optionalString(author, MAX_ID)) return null;
  if (draft !== undefined && typeof draft !== 'boolean') return null;
  return { id, text, direction, conversation, author, draft: draft === true };
}

/** The adapter that read the page: its id and the page's host name. */
function parseSite(site) {
  if (typeof site !== 'object' || site === null) return null;
  if (!isString(site.adapter, 40) || !isString(site.host, 255)) return null;
  return { adapter: site.adapter, host: site.host };
}

const MAX_EVIDENCE_MESSAGES = 30;

/** Messages around a warning, for a report: {url, messages: [{author?, direction, text, time}]}. */
function parseEvidence(evidence) {
  if (evidence === undefined) return undefined;
  if (typeof evidence !== 'object' || evidence === null || !isString(evidence.url, 2000)) return null;
  const { messages } = evidence;
  if (!Array.isArray(messages) || messages.length > MAX_EVIDENCE_MESSAGES) return null;
  const parsed = messages.map((m) => {
    if (typeof m !== 'object' || m === null) return null;
    const { author, direction, text, time } = m;
    if (!optionalString(author, MAX_ID) || !DIRECTIONS.has(direction) || !isString(text, MAX_TEXT)) return null;
    if (typeof time !== 'number' || !Number.isFinite(time)) return null;
    return { author, direction, text, time };
  });
  return parsed.some((m) => m === null) ? null : { url: evidence.url, messages: parsed };
}

/**
 * Returns the validated message, or null when it is not one of:
 *   {type: 'scan', site, items: [item...]}
 *   {type: 'choice', site, choice, category, level, cues: [string...], conversation?, evidence?}
 *   {type: 'strings', site}: the messages of the child's language, when a guardian chose one
 */
export function parseContentMessage(message) {
  if (typeof message !== 'object' || message === null) return null;
  const site = parseSite(message.site);
  if (!site) return null;
  if (message.type === 'scan') {
    if (!Array.isArray(message.items) || message.items.length === 0 || message.items.length > MAX_ITEMS) return null;
    const items = message.items.map(parseItem);
    if (items.some((i) => i === null)) return null;
    return { type: 'scan', site, items };
  }
  if (message.type === 'strings') return { type: 'strings', site };
  if (message.type === 'choice') {
    const { choice, category, level, cues, conversation } = message;
    if (!CHOICES.has(choice) || !CATEGORIES.has(category) || !LEVELS.has(level)) return null;
    if (!Array.isArray(cues) || cues.length > 40 || !cues.every((c) => isString(c, 60))) return null;
    if (!optionalString(conversation, MAX_ID)) return null;
    const evidence = parseEvidence(message.evidence);
    if (evidence === null) return null;
    return { type: 'choice', site, choice, category, level, cues, conversation, evidence };
  }
  return null;
}
