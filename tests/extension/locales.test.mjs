// Every string the extension shows exists in English and Indonesian: keys, placeholders, the
// descriptions translators need, and every key the code asks for — literal or built from a
// category, cue or site. Run: node --test tests/extension/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SITES } from '../../extension/src/background/sites.js';
import { CATEGORIES } from '../../extension/src/background/settings.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const load = (lang) => JSON.parse(readFileSync(join(root, 'extension', '_locales', lang, 'messages.json'), 'utf8'));
const en = load('en');
const id = load('id');

/** $NAME$ references in a message and declared placeholders, lower-cased (Chrome ignores case). */
function placeholders(entry) {
  const used = [...entry.message.matchAll(/\$([A-Za-z0-9_@]+)\$/g)].map((m) => m[1].toLowerCase());
  return { used: [...new Set(used)].sort(), declared: Object.keys(entry.placeholders ?? {}).map((k) => k.toLowerCase()).sort() };
}

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}
const sources = files(join(root, 'extension', 'src')).filter((f) => ['.js', '.html'].includes(extname(f)));

test('every English key exists in Indonesian with a non-empty message and the same placeholders', () => {
  const problems = [];
  for (const [key, entry] of Object.entries(en)) {
    const other = id[key];
    if (!other) { problems.push(`${key}: missing in id`); continue; }
    if (typeof other.message !== 'string' || other.message.trim() === '') problems.push(`${key}: empty in id`);
    else {
      const [a, b] = [placeholders(entry), placeholders(other)];
      if (JSON.stringify(a.used) !== JSON.stringify(b.used)) problems.push(`${key}: uses ${a.used} in en, ${b.used} in id`);
      if (JSON.stringify(a.declared) !== JSON.stringify(b.declared)) problems.push(`${key}: declares ${a.declared} in en, ${b.declared} in id`);
    }
  }
  assert.deepEqual(problems, []);
});

test('Indonesian has no keys English lacks', () => {
  assert.deepEqual(Object.keys(id).filter((k) => !(k in en)), []);
});

test('every placeholder a message uses is declared, and every declared one is used (en)', () => {
  const problems = Object.entries(en)
    .filter(([, entry]) => JSON.stringify(placeholders(entry).used) !== JSON.stringify(placeholders(entry).declared))
    .map(([key, entry]) => `${key}: ${JSON.stringify(placeholders(entry))}`);
  assert.deepEqual(problems, []);
});

test('every English entry has a description for translators, and a non-empty message', () => {
  const problems = Object.entries(en)
    .filter(([, e]) => typeof e.description !== 'string' || e.description.trim() === '' || !e.message?.trim())
    .map(([key]) => key);
  assert.deepEqual(problems, []);
});

test("every key literal in extension/src (getMessage('…'), t('…'), data-i18n=\"…\") exists", () => {
  const missing = [];
  const found = new Set();
  for (const file of sources) {
    const text = readFileSync(file, 'utf8');
    const keys = [
      ...text.matchAll(/\b(?:getMessage|t)\(\s*(['"])([A-Za-z0-9_@]+)\1/g),
      ...text.matchAll(/\bdata-i18n[\w-]*="([A-Za-z0-9_]+)"/g),
    ].map((m) => m[2] ?? m[1]);
    for (const key of keys) {
      if (key.startsWith('@@')) continue; // predefined by the browser, e.g. @@ui_locale
      found.add(key);
      if (!(key in en)) missing.push(`${file.slice(root.length)}: ${key}`);
    }
  }
  assert.ok(found.size > 30, `only ${found.size} keys found: is the pattern still right?`);
  assert.deepEqual(missing, []);
});

test('the dynamic families exist: warning and nudge texts, cue reasons, block help, category and level names', () => {
  const policy = readFileSync(join(root, 'extension', 'src', 'background', 'policy.js'), 'utf8');
  const nudge = JSON.parse(/NUDGE_CATEGORIES = new Set\((\[[^\]]*\])\)/.exec(policy)[1].replaceAll("'", '"'));
  const cues = readFileSync(join(root, 'crate', 'rules', 'cues.tsv'), 'utf8').split('\n')
    .filter((line) => line.trim() && !line.startsWith('#')).map((line) => line.split('\t')[0]);
  assert.ok(cues.length >= 20 && nudge.length >= 4);
  const expected = [
    ...CATEGORIES.flatMap((c) => [`warningTitle_${c}`, `warningText_${c}`, `categoryName_${c}`]),
    ...nudge.flatMap((c) => [`nudgeTitle_${c}`, `nudgeText_${c}`]),
    // warning.js: `cue_${cue.replace('.', '_')}`
    ...cues.map((cue) => `cue_${cue.replace('.', '_')}`),
    ...Object.values(SITES).map((s) => s.blockHelp),
    ...['low', 'medium', 'high'].map((l) => `levelName_${l}`),
  ];
  assert.deepEqual(expected.filter((key) => !(key in en)), []);
  assert.deepEqual(expected.filter((key) => !(key in id)), []);
});
