// Evidence for a report, kept only on this device: the messages around a warning, the page URL,
// the other party's name where the site shows it, times, and a SHA-256 over the bundle so later
// changes are detectable. Never images: an image of a child can itself be illegal to keep.

const KEY = 'evidence';
const MAX_BUNDLES = 50;

/** Canonical JSON (sorted keys) of a value, so the hash does not depend on key order. */
export function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export async function sha256Hex(text) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Builds a bundle (with its hash) from a warning and the messages the content script kept. */
export async function makeBundle({ site, url, category, level, cues, messages }) {
  const others = [...new Set(messages.filter((m) => m.direction !== 'outgoing' && m.author).map((m) => m.author))];
  // Through JSON first: storage drops undefined fields, and the hash must survive storage.
  const bundle = JSON.parse(JSON.stringify({
    version: 1,
    id: crypto.randomUUID(),
    created: new Date().toISOString(),
    site,
    url,
    category,
    level,
    cues,
    otherParty: others,
    messages,
  }));
  return { ...bundle, sha256: await sha256Hex(canonical(bundle)) };
}

/** Whether a bundle still matches its hash. */
export async function verifyBundle(bundle) {
  const { sha256, ...rest } = bundle;
  return sha256 === (await sha256Hex(canonical(rest)));
}

export async function keepBundle(storage, bundle) {
  const bundles = (await storage.get(KEY))[KEY] ?? [];
  bundles.push(bundle);
  await storage.set({ [KEY]: bundles.slice(-MAX_BUNDLES) });
}

export async function findBundle(storage, id) {
  return ((await storage.get(KEY))[KEY] ?? []).find((b) => b.id === id) ?? null;
}
