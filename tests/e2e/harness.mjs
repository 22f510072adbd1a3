// The real-browser harness for Lindungi's extension: Debian's Chromium with the unpacked build in
// extension/dist/chromium, fixture pages served from 127.0.0.1, and an audit proxy that records
// every request that tries to leave the machine.
//
//   fixture server (http://127.0.0.1:P)   generic pages, per-page headers (a strict CSP page)
//   fixture server (https://127.0.0.1:S)  the site fixtures, under the real host names
//        (--host-resolver-rules MAP web.whatsapp.com 127.0.0.1:S, ...; https because most of these
//        hosts are HSTS-preloaded, so Chromium never asks them for http; a throwaway self-signed
//        certificate is made per session with openssl)
//   audit proxy (--proxy-server http://127.0.0.1:A)  every request not to loopback or a fixture
//        host lands here and is answered 502; the suite asserts it saw nothing.
//
// Chromium's own Google traffic is kept out of the audit log, so it holds only what pages or the
// extension asked for: sign-in and component updates point at a closed loopback port
// (--gaia-url, --component-updater=url-source), autofill queries, network time and optimization
// hints are disabled features, spell-check dictionaries are off in the profile's preferences.
// The fixture hosts bypass the proxy (--proxy-bypass-list) and resolve to the fixture server.
// Nothing is downloaded: the browser is /usr/bin/chromium (override with CHROMIUM=...); openssl
// makes the certificate.
import { chromium } from 'playwright-core';
import http from 'node:http';
import https from 'node:https';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, normalize, extname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURES = join(ROOT, 'tests', 'e2e', 'fixtures');
export const DIST = join(ROOT, 'extension', 'dist', 'chromium');
export const EXTENSION_ID = 'gihmgnohfedbpggajigalomdepnilmil';
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** The supported chats: the host each adapter matches, a URL path with a conversation, the fixture. */
export const SITES = {
  whatsapp: { host: 'web.whatsapp.com', path: (c) => `/?chat=${encodeURIComponent(c)}`, history: 'halo! udah makan belum?' },
  discord: { host: 'discord.com', path: (c) => `/channels/1100/${c}`, history: 'Welcome! Read the rules and be nice.' },
  instagram: { host: 'www.instagram.com', path: (c) => `/direct/t/${c}/`, history: 'hey, love your drawings!' },
  messenger: { host: 'www.messenger.com', path: (c) => `/t/${c}/`, history: 'hi :) saw you in the art group' },
  telegram: { host: 'web.telegram.org', path: (c) => `/k/#${c}`, history: 'hai, salam kenal' },
  roblox: { host: 'www.roblox.com', path: (c) => `/home?c=${encodeURIComponent(c)}`, history: 'wanna play tower defense?' },
  x: { host: 'x.com', path: (c) => `/messages/${c}`, history: 'yo nice clip' },
};
const SITE_BY_HOST = new Map(Object.entries(SITES).map(([id, s]) => [s.host, id]));

/** Extra response headers for some fixture pages. */
const PAGE_HEADERS = {
  '/strict-csp.html': { 'Content-Security-Policy': "script-src 'self'; object-src 'none'" },
};

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

const DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync', 'DestroyProfileOnBrowserClose', 'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable', 'LensOverlay', 'MediaRouter', 'PaintHolding',
  'ThirdPartyStoragePartitioning', 'AvoidCorsURLLoaderRestartOnRedirect', 'OptimizationHints',
  'NetworkTimeServiceQuerying', 'AimEnabled', 'PreconnectToSearch',
  'AutofillServerCommunication',
];

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-gpu',
];

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

function closeServer(server) {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

/** Serves tests/e2e/fixtures: site hosts get their fixture page, everything else by path. */
function fixtureHandler(served) {
  return (req, res) => {
    const url = new URL(req.url, `http://${req.headers.host}`);
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    served.push({ host, path: url.pathname });
    let path = url.pathname;
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (path.startsWith('/_fixture/')) path = path.slice('/_fixture'.length);
    else if (SITE_BY_HOST.has(host)) path = `/sites/${SITE_BY_HOST.get(host)}.html`;
    const file = normalize(join(FIXTURES, path));
    if (!file.startsWith(FIXTURES) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not a fixture');
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Cache-Control': 'no-store',
      ...(PAGE_HEADERS[path] ?? {}),
    });
    res.end(readFileSync(file));
  };
}

/** An HTTP proxy that answers every request 502 and remembers it. */
function auditProxy(log) {
  const server = http.createServer((req, res) => {
    log.push({ method: req.method, url: req.url, headers: req.headers });
    res.writeHead(502, { 'Content-Type': 'text/plain' }).end('blocked by the Lindungi test audit proxy');
  });
  server.on('connect', (req, socket) => {
    log.push({ method: 'CONNECT', url: req.url, headers: req.headers });
    socket.on('error', () => {});
    socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
  });
  return server;
}

function selfSignedCertificate(dir) {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=lindungi-fixtures',
    '-addext', `subjectAltName=${Object.values(SITES).map((s) => `DNS:${s.host}`).join(',')}`,
  ], { stdio: 'ignore' });
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

// Runs in every page's main world before its own scripts: remembers each warning host Lindungi
// adds (hosts are light-DOM elements; their content is a closed shadow root), so tests can assert
// that a message got no warning at all, not just that none is showing now.
const RECORD_WARNINGS = () => {
  const seen = new WeakSet();
  window.__lindungiWarnings = [];
  const record = (node) => {
    if (node.nodeType === 1 && node.hasAttribute('data-lindungi-warning') && !seen.has(node)) {
      seen.add(node);
      window.__lindungiWarnings.push({ category: node.getAttribute('data-lindungi-warning'), at: performance.now() });
    }
  };
  new MutationObserver((records) => {
    for (const r of records) for (const n of r.addedNodes) record(n);
  }).observe(document, { childList: true, subtree: true });
};

// Runs in the service worker: keeps the text of every scan request it receives, so a test can wait
// until the worker has seen a message before asserting that no warning came of it.
const PROBE = () => {
  if (globalThis.__lindungiProbe) return;
  globalThis.__lindungiProbe = { scans: [] };
  chrome.runtime.onMessage.addListener((message, sender) => {
    if (message?.type === 'scan' && Array.isArray(message.items)) {
      for (const item of message.items) {
        globalThis.__lindungiProbe.scans.push({ text: item.text, direction: item.direction, draft: item.draft === true, tabId: sender.tab?.id, url: sender.url });
      }
    }
  });
};

/**
 * Starts servers and Chromium with the extension. Options: {lang: 'id'} for an Indonesian UI.
 * Always call close() (in `after`): it closes the browser and servers even after failures.
 */
export async function startSession({ lang = 'en' } = {}) {
  if (!existsSync(join(DIST, 'manifest.json'))) {
    throw new Error('extension/dist/chromium is missing: run `make extension` (or node extension/build.mjs) first');
  }
  const temp = mkdtempSync(join(tmpdir(), 'lindungi-e2e-'));
  const served = [];
  const audit = [];
  const handler = fixtureHandler(served);
  const plain = http.createServer(handler);
  const secure = https.createServer(selfSignedCertificate(temp), handler);
  const proxy = auditProxy(audit);
  const session = { temp, served, audit, servers: [plain, secure, proxy], ctx: null };
  try {
    const [httpPort, httpsPort, proxyPort] = await Promise.all([listen(plain), listen(secure), listen(proxy)]);
    session.origin = `http://127.0.0.1:${httpPort}`;
    const hosts = Object.values(SITES).map((s) => s.host);
    const args = [
      `--disable-extensions-except=${DIST}`,
      `--load-extension=${DIST}`,
      ...CHROMIUM_ARGS,
      `--proxy-server=http://127.0.0.1:${proxyPort}`,
      `--proxy-bypass-list=${hosts.join(';')}`,
      `--host-resolver-rules=${hosts.map((h) => `MAP ${h} 127.0.0.1:${httpsPort}`).join(', ')}`,
      // Chromium's own Google traffic goes to a closed local port instead of the audit log.
      '--gaia-url=http://127.0.0.1:9',
      '--component-updater=url-source=http://127.0.0.1:9/',
      // Playwright's own list of disabled features (the last --disable-features wins), plus
      // autofill, which asks Google about the forms it sees: Chromium's traffic, not the extension's.
      `--disable-features=${DISABLED_FEATURES.join(',')}`,
      `--lang=${lang}`,
      `--accept-lang=${lang}`,
    ];
    // Spell checking downloads dictionaries from Google for every text box: off, as a preference.
    const profile = join(temp, 'profile');
    mkdirSync(join(profile, 'Default'), { recursive: true });
    writeFileSync(join(profile, 'Default', 'Preferences'), JSON.stringify({
      browser: { enable_spellchecking: false },
      spellcheck: { dictionaries: [], dictionary: '', use_spelling_service: false },
    }));
    // The whole browser, on the same profile: what the extension stored survives a restart.
    session.launch = async () => {
      session.ctx = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        ignoreHTTPSErrors: true,
        locale: lang,
        viewport: { width: 1000, height: 720 },
        args,
      });
      await session.ctx.addInitScript(RECORD_WARNINGS);
      session.ctx.on('serviceworker', (worker) => {
        if (worker.url().startsWith(`chrome-extension://${EXTENSION_ID}/`)) worker.evaluate(PROBE).catch(() => {});
      });
      const worker = await serviceWorker(session);
      await worker.evaluate(PROBE);
    };
    await session.launch();
  } catch (error) {
    await closeSession(session);
    throw error;
  }
  return Object.assign(session, {
    siteUrl: (site, conversation) => `https://${SITES[site].host}${SITES[site].path(conversation)}`,
    fixtureUrl: (path) => `${session.origin}/${path.replace(/^\//, '')}`,
    open: (url, options) => openPage(session, url, options),
    /** A site fixture on a fresh conversation, once its chat history has been scanned. */
    openSite: (site, conversation) => openPage(session, session.siteUrl(site, conversation), { history: [SITES[site].history] }),
    serviceWorker: () => serviceWorker(session),
    restartServiceWorker: () => restartServiceWorker(session),
    /** Closes the browser and starts it again on the same profile. */
    restartBrowser: async () => {
      await session.ctx?.close();
      session.ctx = null;
      await session.launch();
    },
    waitForScanned: (page, texts, options) => waitForScanned(session, page, texts, options),
    close: () => closeSession(session),
  });
}

export async function closeSession(session) {
  try {
    await session.ctx?.close();
  } catch {
    // The browser is gone already.
  }
  await Promise.all(session.servers.map(closeServer));
  rmSync(session.temp, { recursive: true, force: true });
}

/** The extension's running service worker (waits for it to start). */
export async function serviceWorker(session, timeout = 10_000) {
  const ours = (w) => w.url().startsWith(`chrome-extension://${EXTENSION_ID}/`);
  const running = session.ctx.serviceWorkers().find(ours);
  if (running) return running;
  return session.ctx.waitForEvent('serviceworker', { predicate: ours, timeout });
}

/**
 * A new tab on `url`. `history`: texts on the page at load; waits until the service worker has
 * received them, so messages the test adds come after the history, as in a real chat.
 */
export async function openPage(session, url, { history = [] } = {}) {
  const page = await session.ctx.newPage();
  page.on('pageerror', (error) => console.error(`[page error] ${url}: ${error.message}`));
  await page.goto(url, { waitUntil: 'load' });
  if (history.length > 0) await waitForScanned(session, page, history);
  return page;
}

export const say = (page, author, text) => page.evaluate(([a, t]) => window.say(a, t), [author, text]);
export const sayOwn = (page, text) => page.evaluate((t) => window.sayOwn(t), text);

/** Every warning host Lindungi added to the page so far, by category, in order. */
export const warningsOn = (page) => page.evaluate(() => window.__lindungiWarnings.map((w) => w.category));

/** Waits for a warning host of `category` (any category when omitted) and returns its locator. */
export async function waitForWarning(page, category, { timeout = 10_000 } = {}) {
  const selector = category ? `[data-lindungi-warning="${category}"]` : '[data-lindungi-warning]';
  const host = page.locator(selector).last();
  await host.waitFor({ state: 'attached', timeout });
  return host;
}

/** Waits until the service worker has received each of `texts` (within a scanned text) from `page`. */
export async function waitForScanned(session, page, texts, { timeout = 10_000, draft = false } = {}) {
  const deadline = Date.now() + timeout;
  const url = page.url();
  for (;;) {
    const worker = await serviceWorker(session);
    const seen = await worker.evaluate(() => globalThis.__lindungiProbe?.scans ?? []).catch(() => []);
    const missing = texts.filter((t) => !seen.some((s) => s.url === url && s.text.includes(t) && s.draft === draft));
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`the service worker never received from ${url}: ${JSON.stringify(missing)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** After waitForScanned: long enough for a verdict to come back and a card to be drawn. */
export const settle = (page, ms = 400) => page.waitForTimeout(ms);

/**
 * Stops the extension's service worker the way Chromium does when it idles, through
 * chrome://serviceworker-internals (its Stop button), and checks it really stopped: the page
 * reports STOPPED, and the next worker (started by the next message) has none of the old one's
 * globals. (While DevTools is attached Chromium keeps the worker's target across the restart, so
 * Playwright's Worker object stays the same and evaluates in the new worker.)
 */
export async function restartServiceWorker(session) {
  const old = await serviceWorker(session);
  await old.evaluate(() => { globalThis.__lindungiGeneration = 'before restart'; });
  const internals = await session.ctx.newPage();
  try {
    await internals.goto('chrome://serviceworker-internals/');
    const registration = internals.locator('.serviceworker-registration', { hasText: `chrome-extension://${EXTENSION_ID}/` });
    const status = registration.locator('.serviceworker-running-status .value');
    await status.filter({ hasText: 'RUNNING' }).waitFor({ timeout: 5000 });
    await registration.locator('[data-command="stop"]').click();
    await status.filter({ hasText: 'STOPPED' }).waitFor({ timeout: 10_000 });
  } finally {
    await internals.close();
  }
  return {
    /** Resolves to the new worker once something wakes it, checking it is a fresh one. */
    async restarted() {
      const worker = await serviceWorker(session);
      const generation = await worker.evaluate(() => globalThis.__lindungiGeneration);
      if (generation !== undefined) throw new Error('the service worker kept its globals: it did not restart');
      await worker.evaluate(PROBE);
      return worker;
    },
  };
}

/**
 * The tab id Chromium gives `page`, learnt from the sender of its content script's messages (the
 * extension has no "tabs" permission to look it up by URL). Give each page a URL of its own.
 */
export async function tabIdOf(session, page) {
  const worker = await serviceWorker(session);
  const url = page.url();
  const ids = await worker.evaluate((u) => [...new Set(globalThis.__lindungiProbe.scans.filter((s) => s.url === u).map((s) => s.tabId))], url);
  if (ids.length !== 1) throw new Error(`no single tab for ${url}: ${JSON.stringify(ids)}`);
  return ids[0];
}

/** Fails with the list of every request that reached the audit proxy. */
export function assertNoNetworkLeaks(session) {
  if (session.audit.length > 0) {
    const lines = session.audit.map((r) => `  ${r.method} ${r.url}`).join('\n');
    throw new Error(`requests left 127.0.0.1 (recorded by the audit proxy):\n${lines}`);
  }
}
