// extension/build.mjs: the manifest source (JSON with comments) and the per-browser manifests.
// Run: node --test tests/extension/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { stripJsonComments, manifestFor } from '../../extension/build.mjs';

const source = JSON.parse(stripJsonComments(readFileSync(new URL('../../extension/manifest.jsonc', import.meta.url), 'utf8')));

test('stripJsonComments keeps "http://*/*" and other // or /* inside strings', () => {
  const text = `{
    // a comment with "quotes" and http://example.org
    "matches": ["http://*/*", "https://*/*"], /* block
       comment */ "csp": "script-src 'self' /* not a comment */",
    "escaped": "a \\"quoted\\" // still a string", // trailing
    "url": "https://example.org/path//double"
  }`;
  assert.deepEqual(JSON.parse(stripJsonComments(text)), {
    matches: ['http://*/*', 'https://*/*'],
    csp: "script-src 'self' /* not a comment */",
    escaped: 'a "quoted" // still a string',
    url: 'https://example.org/path//double',
  });
});

test('stripJsonComments keeps line numbers (a line comment leaves its newline)', () => {
  assert.equal(stripJsonComments('{ // c\n"a": 1 }'), '{ \n"a": 1 }');
});

test('the real manifest source parses, with its match patterns intact', () => {
  assert.equal(source.manifest_version, 3);
  assert.deepEqual(source.content_scripts[0].matches, ['http://*/*', 'https://*/*']);
});

test('Chromium: keeps the key (fixed extension id) and the module service worker; no gecko settings', () => {
  const m = manifestFor('chromium', source);
  assert.equal(m.key, source.key);
  assert.ok(m.key.length > 100);
  assert.deepEqual(m.background, { service_worker: 'background/service-worker.js', type: 'module' });
  assert.equal(m.gecko, undefined);
  assert.equal(m.gecko_android, undefined);
  assert.equal(m.browser_specific_settings, undefined);
});

test('Firefox: background.scripts as a module and browser_specific_settings.gecko; no key, no service_worker', () => {
  const m = manifestFor('firefox', source);
  assert.equal(m.key, undefined);
  assert.deepEqual(m.background, { scripts: ['background/service-worker.js'], type: 'module' });
  assert.equal(m.background.service_worker, undefined);
  assert.deepEqual(m.browser_specific_settings, { gecko: source.gecko, gecko_android: source.gecko_android });
  assert.equal(m.browser_specific_settings.gecko.id, 'lindungi@lindungi.org');
  assert.equal(m.gecko, undefined);
  assert.equal(m.gecko_android, undefined);
  // Chromium-only: the managed storage schema file.
  assert.equal(m.storage, undefined);
});

test('manifestFor leaves the source untouched and keeps what both browsers share', () => {
  const before = structuredClone(source);
  const chromium = manifestFor('chromium', source);
  const firefox = manifestFor('firefox', source);
  assert.deepEqual(source, before);
  for (const field of ['name', 'version', 'default_locale', 'permissions', 'content_scripts', 'content_security_policy', 'action', 'icons']) {
    assert.deepEqual(chromium[field], source[field], field);
    assert.deepEqual(firefox[field], source[field], field);
  }
});
