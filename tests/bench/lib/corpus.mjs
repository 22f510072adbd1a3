// Deterministic message samples from the shared corpora (../shared/corpora from the repo root).
// Only test splits are used. Message-shaped records give their `text`; conversation records
// (`messages`) give one message per turn, which is what the extension scans.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const hash = (s) => createHash('sha1').update(s).digest('hex');

/** Every test-split message of every corpus under `dir`, grouped by corpus, each group sorted by id hash. */
export function loadTestMessages(dir) {
  if (!existsSync(dir)) throw new Error(`corpora not found: ${dir} (pass --corpora DIR)`);
  const corpora = new Map();
  for (const name of readdirSync(dir).sort()) {
    const file = join(dir, name, 'data.jsonl');
    if (!existsSync(file)) continue;
    const rows = [];
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line) continue;
      const r = JSON.parse(line);
      if (r.split !== 'test') continue;
      if (typeof r.text === 'string') rows.push({ id: r.id, lang: r.lang, text: r.text });
      else if (Array.isArray(r.messages))
        r.messages.forEach((m, i) => typeof m.text === 'string' && rows.push({ id: `${r.id}#${i}`, lang: r.lang, text: m.text }));
    }
    for (const row of rows) row.h = hash(row.id);
    rows.sort((a, b) => (a.h < b.h ? -1 : a.h > b.h ? 1 : 0));
    if (rows.length) corpora.set(name, rows);
  }
  if (!corpora.size) throw new Error(`no test-split messages under ${dir}`);
  return corpora;
}

/**
 * Up to `n` distinct non-empty texts, taken round-robin over the corpora (so a big corpus does
 * not crowd out the small ones), each corpus in id-hash order. `filter` restricts by text.
 */
export function sample(corpora, n, filter = () => true) {
  const seen = new Set();
  const out = [];
  const cursors = [...corpora.values()].map((rows) => ({ rows, i: 0 }));
  let progress = true;
  while (out.length < n && progress) {
    progress = false;
    for (const c of cursors) {
      while (c.i < c.rows.length) {
        const { text } = c.rows[c.i++];
        if (!text.trim() || seen.has(text) || !filter(text)) continue;
        seen.add(text);
        out.push(text);
        progress = true;
        break;
      }
      if (out.length >= n) break;
    }
  }
  return out;
}

export const utf8Bytes = (s) => Buffer.byteLength(s, 'utf8');
