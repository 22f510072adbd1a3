// In-browser speed of Lindungi's extension (a benchmark, not a test):
//
//   node tests/e2e/perf.mjs            full run (~3–4 min here), appends to tests/bench/results/<date>-browser.md
//   node tests/e2e/perf.mjs --quick    smoke run (< 60 s) for `make test`: writes nothing, exit 1 only
//                                      if a warning never appears (timings are noisy and never fail it)
//   options: --samples N (warning-latency samples), --write / --no-write
//
// What it measures, in Debian's Chromium (/usr/bin/chromium, headless) with extension/dist/chromium
// (`make extension` first) and fixture pages served from 127.0.0.1:
//
// 1. Warning latency on tests/e2e/fixtures/generic-chat.html: for each sample the page stamps
//    performance.now() and calls window.say() with a risky line; a MutationObserver (installed in
//    the page's main world before its scripts) stamps the moment the warning host
//    [data-lindungi-warning] is attached. Each sample is on a fresh conversation
//    (history.pushState to ?c=N: the generic adapter's conversation is path + query) and the
//    previous warning is closed the keyboard way (Alt+Shift+L, then Escape). The service worker's
//    own onMessage listener stamps when the scan request reached it, which splits the latency into
//    "page → worker" (content script batching + IPC) and "worker → card" (detector, storage, badge,
//    IPC back, drawing the card).
// 2. A 1 MB forum page (generated here: ~1 MB of ordinary text in many paragraphs, a few risky
//    comments) present at load, with and without the extension: 'longtask' PerformanceObserver
//    entries (≥ 50 ms, installed before navigation) and a CDP trace of the renderer's main thread
//    (every task, so tasks of 16–50 ms are seen too); tasks running extension code are the ones with
//    a script event from chrome-extension://<id>/ (the page itself has no scripts). In the full run
//    a CPU profile of one more load names the content-script functions that take the time.
// 3. Memory: the page's JS heap (CDP Runtime.getHeapUsage after a forced GC; the content script's
//    isolated world shares the page's V8 heap) with and without the extension, on the 1 MB page and
//    on the chat page after 200 messages; the service worker's JS heap and its wasm linear memory
//    (found with Runtime.queryObjects over a browser-level CDP session).
//
// Self-contained on purpose: tests/e2e/harness.mjs always loads the extension, and this script also
// needs the same browser without it.
import { chromium } from 'playwright-core';
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = join(ROOT, 'tests', 'e2e', 'fixtures');
const DIST = join(ROOT, 'extension', 'dist', 'chromium');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const EXT_PREFIX = 'chrome-extension://';

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const SAMPLES = option('--samples', QUICK ? 8 : 60);
const WRITE = argv.includes('--write') || (!QUICK && !argv.includes('--no-write'));
const FORUM_RUNS = QUICK ? 1 : 3;
const OBSERVE_MS = QUICK ? 6000 : 10_000;
const CHAT_MESSAGES = 200;
const LATENCY_TARGET_MS = 150;
const TASK_TARGET_MS = 16;

// Risky lines, English and Indonesian, written for this benchmark; each reaches "medium" or "high"
// in a watched category on its own (checked with the CLI, `lindungi scan`).
const RISKY = [
  'send me a pic of you in your underwear', 'you are so ugly, nobody likes you', 'kill yourself',
  'kirim pap tt dong', 'kamu bodoh banget, dasar jelek', "don't tell your parents about our chats ok",
  'how old are you? are you home alone right now', "you're so mature for your age, let's keep this our secret",
  'can you send me a photo without your shirt', "what's your address? i can come pick you up after school",
  "delete our messages so your mom doesn't see", 'nobody would miss you if you were gone',
  "you're a fat loser, everyone hates you", 'go die, no one wants you here', 'show me your body on video call tonight',
  'you should just kill yourself already', 'send nudes', 'jangan bilang orang tua kamu ya soal chat kita',
  'umur kamu berapa? lagi sendirian di rumah?', 'kirim foto kamu tanpa baju dong', 'hapus chat kita biar mama kamu ga lihat',
  'kamu jelek banget, semua orang benci kamu', 'dasar goblok, mending kamu mati aja',
  'kita video call berdua aja yuk, jangan bilang siapa-siapa', 'kamu cantik banget, dewasa untuk umurmu, ini rahasia kita ya',
  'gendut jelek, ga ada yang mau temenan sama kamu', 'kirim pap dong sayang', 'buka baju kamu di video call',
  'aku mau ketemu kamu, jangan kasih tau siapa siapa', 'bunuh diri aja sana', 'you are worthless and stupid, everyone laughs at you',
  "i can be your boyfriend, just don't tell anyone", 'take off your clothes and show me', 'tolol banget sih kamu, ga guna',
  'kamu sendirian di kamar? nyalain kamera dong', 'is your mom home? turn on your camera',
  "i'll buy you a gift card if you keep this secret", 'pap tt dong, bentar aja',
  "you're special, not like other kids, our little secret", 'i know where you live, you better watch out',
  'mati aja lo, sampah', 'jangan cerita ke guru ya, ini rahasia kita berdua', "everyone in class thinks you're disgusting",
  'kamu masih SD ya? mau aku beliin hadiah?', 'dasar anjing, ga ada yang suka sama kamu',
  'ayo ketemuan, datang sendiri aja jangan ajak teman', 'ih bau, jijik banget lihat muka kamu',
];
const ORDINARY_CHAT = [
  'anyone up for a round of tower defense?', 'gg everyone, that was close', 'lagi main apa sekarang?',
  'brb dinner', 'nice build on the castle!', 'besok sekolah jam berapa?', 'who has the homework for math',
  'wkwk lucu banget', 'my internet is lagging again', 'mau main bareng nanti sore?', 'lol that jump was epic',
  'udah makan belum?', 'which server are you on', 'keren banget gambarnya', 'see you tomorrow!',
];

// ---------------------------------------------------------------------------------------------
// Pages

/** A deterministic ~1 MB forum thread: ordinary posts in paragraphs, lists and quotes, a sidebar of
 *  div-only text, and a few risky comments spread through it. */
function forumPage(targetBytes = 1_000_000) {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const WORDS = ('the a and of to in for on with my our this that it was is are be have has garden tomato soil '
    + 'water seeds compost sunlight balcony pot leaves bike chain gear brake tire pump saddle ride recipe rice '
    + 'garlic onion pan oil minutes heat stir sauce bread flour oven weekend morning evening neighbour library '
    + 'book chapter author story printer paper ink cable router update laptop battery screen camera lens photo '
    + 'trail river bridge market bus train ticket station holiday weather rain cloudy sunny warm cold autumn '
    + 'spring really quite usually maybe probably also still again later first then after before because '
    + 'although however tried found noticed worked helped changed fixed bought cooked planted repaired read').split(' ');
  const INDO = ('saya kami kita dan yang di ke dari untuk dengan ini itu sudah belum akan bisa tanaman tomat tanah '
    + 'air pupuk sepeda rantai rem ban resep nasi bawang minyak wajan menit panas pasar kereta stasiun hujan cerah '
    + 'pagi sore minggu perpustakaan buku cerita printer kertas laptop baterai kamera foto sungai jembatan').split(' ');
  const sentence = () => {
    const words = rand() < 0.2 ? INDO : WORDS;
    const n = 8 + Math.floor(rand() * 14);
    const s = Array.from({ length: n }, () => pick(words)).join(' ');
    return `${s[0].toUpperCase()}${s.slice(1)}.`;
  };
  const paragraph = () => Array.from({ length: 3 + Math.floor(rand() * 4) }, sentence).join(' ');
  const names = ['rina_k', 'budi88', 'greenthumb', 'velo_dad', 'sari.w', 'mechanic_joe', 'dewi', 'tomcat', 'anak_kebun', 'lee'];
  const risky = [
    "you're so mature for your age, let's keep this our secret", 'kirim pap tt dong',
    'you are so ugly, nobody likes you', 'jangan bilang orang tua kamu ya soal chat kita', 'send me a pic of you in your underwear',
  ];
  const posts = [];
  let bytes = 0;
  while (bytes < targetBytes * 0.94) {
    const parts = [`<header><b>${pick(names)}</b> <time>${1 + Math.floor(rand() * 28)} Nov 2026</time></header>`];
    const kinds = 2 + Math.floor(rand() * 4);
    for (let k = 0; k < kinds; k++) {
      const r = rand();
      if (r < 0.12) parts.push(`<blockquote><p>${paragraph()}</p></blockquote>`);
      else if (r < 0.22) parts.push(`<ul>${Array.from({ length: 3 }, () => `<li>${sentence()}</li>`).join('')}</ul>`);
      else parts.push(`<p>${paragraph()}</p>`);
    }
    parts.push(`<footer><span>Reply</span> · <span>Quote</span> · <span>${Math.floor(rand() * 40)} likes</span></footer>`);
    const html = `<article class="post">${parts.join('')}</article>\n`;
    posts.push(html);
    bytes += html.length;
  }
  // Risky comments at 10 %, 30 %, 50 %, 75 % and 97 % of the thread.
  [0.1, 0.3, 0.5, 0.75, 0.97].forEach((at, i) => {
    posts.splice(Math.floor(posts.length * at), 0,
      `<article class="post comment"><header><b>stranger${i}</b></header><p>${risky[i]}</p></article>\n`);
  });
  const sidebar = Array.from({ length: 60 }, () => `<div class="side"><span>${sentence()}</span></div>`).join('');
  return {
    risky,
    html: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Garden &amp; bikes forum</title>
<style>body{font:15px/1.5 sans-serif;margin:0 auto;max-width:900px} article{border-bottom:1px solid #ddd;padding:8px}
aside{font-size:13px;color:#555}</style></head><body><h1>Weekend projects: gardens, bikes and cooking</h1>
<aside>${sidebar}</aside><main>${posts.join('')}</main></body></html>`,
  };
}

const BLANK = '<!doctype html><html><head><meta charset="utf-8"><title>blank</title></head><body></body></html>';

function startServer(forumHtml) {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const send = (type, body) => res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' }).end(body);
    if (path === '/perf/forum.html') return send('text/html; charset=utf-8', forumHtml);
    if (path === '/perf/blank.html') return send('text/html; charset=utf-8', BLANK);
    const file = normalize(join(FIXTURES, path));
    if (!file.startsWith(FIXTURES) || !existsSync(file) || !statSync(file).isFile()) return res.writeHead(404).end();
    const type = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' }[extname(file)] ?? 'application/octet-stream';
    return send(type, readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// ---------------------------------------------------------------------------------------------
// Browser

// In every page's main world, before its own scripts: warning hosts as they are attached, and
// 'longtask' entries. performance.now() here shares its clock with the page's own stamps.
const PAGE_PROBE = () => {
  window.__perf = { warnings: [], longtasks: [] };
  const seen = new WeakSet();
  new MutationObserver((records) => {
    const at = performance.now();
    for (const r of records) {
      for (const n of r.addedNodes) {
        if (n.nodeType === 1 && n.hasAttribute('data-lindungi-warning') && !seen.has(n)) {
          seen.add(n);
          window.__perf.warnings.push({ category: n.getAttribute('data-lindungi-warning'), at });
        }
      }
    }
  }).observe(document, { childList: true, subtree: true });
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__perf.longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch { /* no longtask support */ }
};

// In the service worker: when each scan request arrived (epoch ms, high resolution).
const SW_PROBE = () => {
  if (globalThis.__perfProbe) return;
  globalThis.__perfProbe = { scans: [] };
  chrome.runtime.onMessage.addListener((message, sender) => {
    if (message?.type !== 'scan') return;
    const at = performance.timeOrigin + performance.now();
    for (const item of message.items ?? []) globalThis.__perfProbe.scans.push({ text: item.text, url: sender.url, at });
  });
};

async function launch({ extension }) {
  const dir = mkdtempSync(join(tmpdir(), 'lindungi-perf-'));
  const args = [
    ...(extension ? [`--disable-extensions-except=${DIST}`, `--load-extension=${DIST}`] : []),
    '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run',
    '--disable-sync', '--disable-gpu', '--enable-precise-memory-info',
    '--gaia-url=http://127.0.0.1:9', '--component-updater=url-source=http://127.0.0.1:9/',
  ];
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1000, height: 720 }, args,
  });
  await ctx.addInitScript(PAGE_PROBE);
  const browser = { ctx, dir, extension, sw: null };
  if (extension) {
    const ours = (w) => w.url().startsWith(EXT_PREFIX);
    browser.sw = ctx.serviceWorkers().find(ours) ?? await ctx.waitForEvent('serviceworker', { predicate: ours, timeout: 10_000 });
    await browser.sw.evaluate(SW_PROBE);
  }
  return browser;
}

async function closeBrowser(browser) {
  try { await browser.ctx.close(); } catch { /* gone already */ }
  rmSync(browser.dir, { recursive: true, force: true });
}

/** One tab only, so the renderer's heap is this page's (same-site tabs share a process). */
async function onlyPage(browser) {
  const page = await browser.ctx.newPage();
  for (const other of browser.ctx.pages()) if (other !== page) await other.close();
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
  return page;
}

async function swScans(browser) {
  return browser.sw.evaluate(() => globalThis.__perfProbe?.scans ?? []);
}

async function waitFor(predicate, timeout, what) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// ---------------------------------------------------------------------------------------------
// CDP: heap, worker heap and wasm memory, traces, CPU profile

async function pageHeap(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = await cdp.send('Runtime.getHeapUsage');
  const dom = await cdp.send('Memory.getDOMCounters').catch(() => ({}));
  await cdp.detach();
  return { used: heap.usedSize, total: heap.totalSize, nodes: dom.nodes, listeners: dom.jsEventListeners };
}

/** The service worker's heap and its wasm memories, through a browser-level CDP session. */
async function workerMemory(browser) {
  const s = await browser.ctx.browser().newBrowserCDPSession();
  try {
    const { targetInfos } = await s.send('Target.getTargets');
    const target = targetInfos.find((t) => t.type === 'service_worker' && t.url.startsWith(EXT_PREFIX));
    if (!target) return null;
    const { sessionId } = await s.send('Target.attachToTarget', { targetId: target.targetId, flatten: false });
    let next = 0;
    const pending = new Map();
    s.on('Target.receivedMessageFromTarget', (e) => {
      if (e.sessionId !== sessionId) return;
      const m = JSON.parse(e.message);
      if (pending.has(m.id)) pending.get(m.id)(m);
    });
    const call = (method, params = {}) => new Promise((resolve, reject) => {
      const id = ++next;
      pending.set(id, (m) => (m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m.result)));
      s.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch(reject);
    });
    await call('HeapProfiler.collectGarbage').catch(() => {});
    const heap = await call('Runtime.getHeapUsage');
    const proto = await call('Runtime.evaluate', { expression: 'WebAssembly.Memory.prototype' });
    const found = await call('Runtime.queryObjects', { prototypeObjectId: proto.result.objectId });
    const sizes = await call('Runtime.callFunctionOn', {
      objectId: found.objects.objectId, returnByValue: true,
      functionDeclaration: 'function () { return this.map((m) => m.buffer.byteLength); }',
    });
    await s.send('Target.detachFromTarget', { sessionId }).catch(() => {});
    return { used: heap.usedSize, total: heap.totalSize, wasm: sizes.result.value.reduce((a, b) => a + b, 0) };
  } finally {
    await s.detach().catch(() => {});
  }
}

const TRACE_CATEGORIES = ['blink.user_timing', 'toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'v8.execute', 'blink', '__metadata'];

async function startTrace(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Tracing.start', {
    transferMode: 'ReturnAsStream',
    traceConfig: { includedCategories: TRACE_CATEGORIES, recordMode: 'recordAsMuchAsPossible' },
  });
  return async () => {
    const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
    await cdp.send('Tracing.end');
    const { stream } = await complete;
    let text = '';
    for (;;) {
      const chunk = await cdp.send('IO.read', { handle: stream, size: 1 << 20 });
      text += chunk.base64Encoded ? Buffer.from(chunk.data, 'base64').toString('utf8') : chunk.data;
      if (chunk.eof) break;
    }
    await cdp.send('IO.close', { handle: stream });
    await cdp.detach();
    const parsed = JSON.parse(text);
    return Array.isArray(parsed) ? parsed : parsed.traceEvents;
  };
}

const urlOf = (e) => {
  const d = e.args?.data ?? e.args?.beginData ?? {};
  return d.url ?? d.scriptName ?? d.stackTrace?.[0]?.url ?? e.args?.fileName ?? '';
};
/** Sub-events named in the report (the wrappers around them are left out). */
const PARTS = new Set(['FunctionCall', 'EvaluateScript', 'v8.compile', 'RunMicrotasks', 'UpdateLayoutTree', 'Layout', 'PrePaint', 'Paint', 'Layerize', 'Commit', 'ParseHTML', 'HitTest', 'MajorGC', 'MinorGC', 'V8.GC_MARK_COMPACTOR', 'V8.GC_SCAVENGER', 'Blink.ForcedStyleAndLayout.UpdateTime', 'Receive mojo message', 'TimerFire', 'EventDispatch']);
const SCRIPT_EVENTS = new Set(['FunctionCall', 'EvaluateScript', 'v8.compile', 'v8.compileModule', 'v8.run', 'v8.callFunction', 'RunMicrotasks', 'TimerFire', 'FireAnimationFrame', 'FireIdleCallback', 'V8.Execute']);

/**
 * The main-thread tasks of the renderer that loaded `urlPart`, between `fromTs` and the end. A task
 * is Lindungi's when it runs a script event from chrome-extension://; `scriptMs` is time in
 * outermost script events of any origin (the forum page has no scripts of its own).
 */
function analyseTrace(events, urlPart) {
  const threads = new Map();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') threads.set(`${e.pid}:${e.tid}`, e.args.name);
  const mains = new Set([...threads].filter(([, name]) => name === 'CrRendererMain').map(([k]) => k));
  // The renderer main thread that parsed or committed the page.
  const owner = events.find((e) => mains.has(`${e.pid}:${e.tid}`) && /ParseHTML|CommitLoad|ResourceSendRequest|MarkDOMContent/.test(e.name)
    && JSON.stringify(e.args ?? {}).includes(urlPart));
  if (!owner) return null;
  const thread = `${owner.pid}:${owner.tid}`;
  const own = events.filter((e) => `${e.pid}:${e.tid}` === thread && e.ph === 'X' && typeof e.dur === 'number').sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  // Times are reported from the page's navigationStart (as performance.now() in the page).
  const navStart = events.find((e) => e.name === 'navigationStart' && JSON.stringify(e.args ?? {}).includes(urlPart))?.ts
    ?? events.find((e) => `${e.pid}:${e.tid}` === thread && e.name === 'ParseHTML')?.ts ?? own[0]?.ts ?? 0;
  const tasks = [];
  let task = null;
  let scriptEnd = 0;
  for (const e of own) {
    if (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask') {
      if (task && e.ts < task.ts + task.dur) continue; // nested RunTask
      task = { ts: e.ts, dur: e.dur, lindungi: false, scriptMs: 0, extMs: 0, parts: [] };
      tasks.push(task);
      scriptEnd = 0;
      continue;
    }
    if (!task || e.ts > task.ts + task.dur) continue;
    const url = urlOf(e);
    if (url.startsWith(EXT_PREFIX)) {
      task.lindungi = true;
    }
    if (SCRIPT_EVENTS.has(e.name) && e.ts >= scriptEnd) {
      task.scriptMs += e.dur / 1000;
      if (url.startsWith(EXT_PREFIX)) task.extMs += e.dur / 1000;
      scriptEnd = e.ts + e.dur;
    }
    if (e.dur >= 1000 && PARTS.has(e.name) && task.parts.length < 10) {
      const d = e.args?.data ?? {};
      const where = d.functionName ? `${d.functionName} ${String(d.url ?? '').replace(/^chrome-extension:\/\/[^/]+\//, '')}:${d.lineNumber ?? ''}` : url.replace(/^chrome-extension:\/\/[^/]+\//, '');
      task.parts.push(`${e.name}${where ? ` (${where})` : ''} ${(e.dur / 1000).toFixed(1)}`);
    }
  }
  for (const t of tasks) {
    t.ms = t.dur / 1000;
    t.at = (t.ts - navStart) / 1000;
  }
  return tasks;
}

async function withCpuProfile(page, run) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  await run();
  const { profile } = await cdp.send('Profiler.stop');
  await cdp.detach();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = new Map();
  profile.samples.forEach((id, i) => dt.set(id, (dt.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  // Self time per function, and inclusive time per extension function (a function counted once per
  // sample even when recursive).
  const self = new Map();
  const inclusive = new Map();
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^chrome-extension:\/\/[^/]+\//, '')}:${n.callFrame.lineNumber + 1}`;
  for (const [id, us] of dt) {
    const n = byId.get(id);
    if (n.callFrame.url.startsWith(EXT_PREFIX) || (n.callFrame.url === '' && !/^\((idle|program|root)\)$/.test(n.callFrame.functionName))) self.set(label(n), (self.get(label(n)) ?? 0) + us);
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const m = byId.get(cur);
      if (!m.callFrame.url.startsWith(EXT_PREFIX)) continue;
      const l = label(m);
      if (seen.has(l)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + us);
    }
  }
  const top = (map, n) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([l, us]) => ({ fn: l, ms: us / 1000 }));
  return { inclusive: top(inclusive, 12), self: top(self, 12) };
}

// ---------------------------------------------------------------------------------------------
// Measurements

const pct = (values, p) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const mb = (bytes) => (Number.isFinite(bytes) ? (bytes / 1048576).toFixed(2) : 'n/a');

/** 1. Warning latency on the generic chat page. */
async function warningLatency(browser, origin, samples) {
  const page = await onlyPage(browser);
  const stopTrace = QUICK ? null : await startTrace(page);
  const results = [];
  const missing = [];
  let pageIndex = -1;
  for (let i = -1; i < samples; i++) { // i = -1: a warm-up sample, reported apart
    const poolIndex = (i + 1) % RISKY.length;
    if (poolIndex === 0) {
      // A fresh page for each pass over the pool: the content script never scans the same text
      // twice on one page.
      pageIndex += 1;
      await page.goto(`${origin}/generic-chat.html?page=${pageIndex}`, { waitUntil: 'load' });
      const url = page.url();
      await waitFor(async () => (await swScans(browser)).some((s) => s.url === url && s.text.includes('Welcome to the lobby')), 10_000, 'the chat history scan');
    }
    const text = RISKY[poolIndex];
    // A fresh conversation for this sample (the generic adapter's conversation is path + query).
    const before = await page.evaluate(([n, t]) => {
      history.pushState(null, '', `?c=${n}`);
      const count = window.__perf.warnings.length;
      const t0 = performance.now();
      window.say('stranger', t);
      return { count, t0, epoch0: performance.timeOrigin + t0, url: location.href };
    }, [`${pageIndex}-${i}`, text]);
    let warning;
    try {
      warning = await waitFor(() => page.evaluate((c) => window.__perf.warnings[c] ?? null, before.count), 5000, 'a warning');
    } catch {
      missing.push(text);
      continue;
    }
    const scans = await swScans(browser);
    // Matched by text and time: sender.url may still be the URL before pushState.
    const received = scans.find((s) => s.at >= before.epoch0 - 1 && s.text.includes(text));
    const sample = {
      text, category: warning.category, ms: warning.at - before.t0,
      toWorker: received ? received.at - before.epoch0 : NaN,
    };
    sample.fromWorker = sample.ms - sample.toWorker;
    if (i >= 0) results.push(sample);
    else results.warmup = sample;
    // Close it the keyboard way: Alt+Shift+L focuses the newest warning, Escape closes it.
    await page.keyboard.press('Alt+Shift+L');
    await page.keyboard.press('Escape');
    await waitFor(() => page.evaluate(() => document.querySelectorAll('[data-lindungi-warning]').length === 0), 3000, 'the warning to close')
      .catch(() => console.warn(`warning for "${text}" did not close with Alt+Shift+L, Escape`));
  }
  let tasks = null;
  if (stopTrace) {
    const all = analyseTrace(await stopTrace(), 'generic-chat.html') ?? [];
    const ours = all.filter((t) => t.lindungi);
    tasks = { max: Math.max(0, ...ours.map((t) => t.ms)), over16: ours.filter((t) => t.ms > TASK_TARGET_MS).length, count: ours.length, longest: ours.sort((a, b) => b.ms - a.ms)[0] };
  }
  await page.close();
  return { results, missing, tasks };
}

/** 2 + 3a. The 1 MB page at load: long tasks, trace, warnings, heap. */
async function forumLoad(browser, origin, risky, { profile = false } = {}) {
  const page = await onlyPage(browser);
  await page.goto(`${origin}/perf/blank.html`);
  const url = `${origin}/perf/forum.html?run=${Math.random().toString(36).slice(2)}`;
  let stopTrace = null;
  let cpu = null;
  const observe = async () => {
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForTimeout(OBSERVE_MS);
  };
  if (profile) cpu = await withCpuProfile(page, observe);
  else {
    stopTrace = await startTrace(page);
    await observe();
  }
  const perf = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return { ...window.__perf, load: nav?.loadEventEnd, dcl: nav?.domContentLoadedEventEnd, bytes: document.documentElement.outerHTML.length };
  });
  let scans = null;
  if (browser.extension) {
    const all = (await swScans(browser)).filter((s) => s.url === url);
    const origin0 = await page.evaluate(() => performance.timeOrigin);
    scans = {
      items: all.length,
      lastAt: all.length ? Math.max(...all.map((s) => s.at)) - origin0 : NaN,
      risky: risky.map((t) => all.find((s) => s.text.includes(t))).map((s) => (s ? s.at - origin0 : NaN)),
    };
  }
  const tasks = stopTrace ? analyseTrace(await stopTrace(), '/perf/forum.html') : null;
  const heap = profile ? null : await pageHeap(page);
  await page.close();
  return { perf, scans, tasks, heap, cpu };
}

/** 3b. The chat page after 200 messages (every 20th risky). */
async function chatHeap(browser, origin) {
  const page = await onlyPage(browser);
  await page.goto(`${origin}/generic-chat.html?heap`, { waitUntil: 'load' });
  for (let i = 0; i < CHAT_MESSAGES; i++) {
    const text = i % 20 === 19 ? RISKY[(i / 20) | 0] : `${ORDINARY_CHAT[i % ORDINARY_CHAT.length]} #${i}`;
    await page.evaluate(([a, t]) => window.say(a, t), [i % 3 ? 'friend' : 'stranger', text]);
    if (i % 10 === 9) await page.waitForTimeout(30);
  }
  await page.waitForTimeout(1500);
  const warnings = await page.evaluate(() => window.__perf.warnings.length);
  const heap = await pageHeap(page);
  await page.close();
  return { heap, warnings };
}

/** Costs the worker pays before answering a scan that warns (storage and badge calls), timed in it. */
async function workerCosts(browser) {
  return browser.sw.evaluate(async () => {
    const time = async (fn, n = 20) => {
      const out = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        await fn(i);
        out.push(performance.now() - t);
      }
      out.sort((a, b) => a - b);
      return out[Math.floor(n / 2)];
    };
    const log = (await chrome.storage.local.get('alertLog')).alertLog ?? [];
    const copy = JSON.parse(JSON.stringify(log));
    return {
      alertLogEntries: log.length,
      // appendAlert: get + set of the whole log (timed on a scratch key of the same size).
      storageLocalGetSet: await time(async () => {
        await chrome.storage.local.get('alertLog');
        await chrome.storage.local.set({ __perfScratch: copy });
      }),
      storageSessionGetSet: await time(async (i) => {
        await chrome.storage.session.get('conversations');
        await chrome.storage.session.set({ __perfScratch: i });
      }),
    };
  }).finally(() => browser.sw.evaluate(async () => {
    await chrome.storage.local.remove('__perfScratch');
    await chrome.storage.session.remove('__perfScratch');
  }).catch(() => {}));
}

// ---------------------------------------------------------------------------------------------

function machine() {
  const cpu = cpus()[0]?.model?.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  let commit = 'unknown';
  let dirty = '';
  try {
    commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT }).toString().trim();
    const status = execFileSync('git', ['status', '--porcelain', '--', 'extension'], { cwd: ROOT }).toString().trimEnd();
    if (status) dirty = ` (extension/ has uncommitted changes: ${status.split('\n').map((l) => l.slice(3)).join(', ')})`;
  } catch { /* not a git checkout */ }
  let chromiumVersion = 'unknown';
  try { chromiumVersion = execFileSync(CHROMIUM, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim(); } catch { /* */ }
  return { cpu, cores: cpus().length, memGB: (totalmem() / 2 ** 30).toFixed(1), commit, dirty, chromiumVersion };
}

async function main() {
  const started = Date.now();
  if (!existsSync(join(DIST, 'manifest.json'))) {
    console.error('extension/dist/chromium is missing: run `make extension` first');
    process.exit(2);
  }
  const load0 = loadavg()[0];
  const forum = forumPage();
  const server = await startServer(forum.html);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const failures = [];
  const log = (...a) => console.error(`[${((Date.now() - started) / 1000).toFixed(1)} s]`, ...a);

  const out = { latency: null, forumExt: [], forumNoExt: [], chatExt: null, chatNoExt: null, sw: {}, cpu: null, costs: null };
  let browser = await launch({ extension: true });
  try {
    log(`warning latency: ${SAMPLES} samples`);
    out.latency = await warningLatency(browser, origin, SAMPLES);
    if (out.latency.missing.length) failures.push(`no warning for: ${out.latency.missing.map((t) => JSON.stringify(t)).join(', ')}`);
    out.sw.afterChat = await workerMemory(browser);
    for (let r = 0; r < FORUM_RUNS; r++) {
      log(`1 MB page with the extension, run ${r + 1}/${FORUM_RUNS}`);
      out.forumExt.push(await forumLoad(browser, origin, forum.risky));
    }
    const warned = out.forumExt.map((r) => r.perf.warnings.length);
    if (warned.some((n) => n === 0)) failures.push('the 1 MB page got no warning for its risky comments');
    out.sw.afterForum = await workerMemory(browser);
    if (!QUICK) {
      log('1 MB page with the extension, CPU profile');
      out.cpu = (await forumLoad(browser, origin, forum.risky, { profile: true })).cpu;
      log('chat page, 200 messages, with the extension');
      out.chatExt = await chatHeap(browser, origin);
      out.costs = await workerCosts(browser);
      out.sw.end = await workerMemory(browser);
    }
  } finally {
    await closeBrowser(browser);
  }
  if (!QUICK) {
    browser = await launch({ extension: false });
    try {
      for (let r = 0; r < FORUM_RUNS; r++) {
        log(`1 MB page without the extension, run ${r + 1}/${FORUM_RUNS}`);
        out.forumNoExt.push(await forumLoad(browser, origin, forum.risky));
      }
      log('chat page, 200 messages, without the extension');
      out.chatNoExt = await chatHeap(browser, origin);
    } finally {
      await closeBrowser(browser);
    }
  }
  server.close();

  const report = render(out, forum, { seconds: (Date.now() - started) / 1000, load0, load1: loadavg()[0] }, failures);
  console.log(report);
  if (WRITE) {
    const dir = join(ROOT, 'tests', 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${new Date().toISOString().slice(0, 10)}-browser.md`);
    appendFileSync(file, `${existsSync(file) ? '\n' : ''}${report}\n`);
    log(`appended to ${file.slice(ROOT.length)}`);
  }
  if (failures.length) {
    console.error(`FAILED:\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
}

function render(out, forum, run, failures) {
  const m = machine();
  const lines = [];
  const stamp = new Date().toISOString().replace('T', ' ').slice(0, 16);
  lines.push(`## Browser speed — ${stamp} UTC (${QUICK ? 'quick' : 'full'})`, '');
  lines.push(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memGB} GB; ${m.chromiumVersion} headless, playwright-core, Node ${process.version}; `
    + `commit ${m.commit}${m.dirty}; load average ${run.load0.toFixed(2)} at start, ${run.load1.toFixed(2)} at end; run took ${run.seconds.toFixed(0)} s.`, '');

  const L = out.latency.results;
  const ms = L.map((s) => s.ms);
  const toW = L.map((s) => s.toWorker).filter(Number.isFinite);
  const fromW = L.map((s) => s.fromWorker).filter(Number.isFinite);
  const verdict = (ok) => (ok ? 'met' : '**missed**');
  const p95 = pct(ms, 95);

  const ext = out.forumExt;
  const noExt = out.forumNoExt;
  const tasksOf = (runs, pick) => runs.flatMap((r) => (r.tasks ?? []).filter(pick));
  const maxOf = (xs) => (xs.length ? Math.max(...xs) : 0);
  const lindungiTasks = tasksOf(ext, (t) => t.lindungi);
  const maxLindungi = maxOf(lindungiTasks.map((t) => t.ms));
  const maxAllExt = maxOf(tasksOf(ext, () => true).map((t) => t.ms));
  const maxAllNoExt = maxOf(tasksOf(noExt, () => true).map((t) => t.ms));
  const lt = (runs) => runs.map((r) => r.perf.longtasks);
  const ltMax = (runs) => maxOf(lt(runs).flat().map((t) => t.duration));
  const ltCount = (runs) => (runs.length ? lt(runs).map((x) => x.length).join(' / ') : 'n/a');
  const warnTimes = ext.map((r) => r.perf.warnings.map((w) => w.at));
  const firstWarn = ext.map((r) => r.perf.warnings[0]?.at ?? NaN);
  const lastWarn = ext.map((r) => (r.perf.warnings.length ? r.perf.warnings.at(-1).at : NaN));
  const med = (xs) => pct(xs.filter(Number.isFinite), 50);

  lines.push('| measure | with Lindungi | without | target |', '|---|---:|---:|---|');
  lines.push(`| warning latency p50 / p95 / max, ms (${L.length} samples, chat page) | ${f1(pct(ms, 50))} / ${f1(p95)} / ${f1(maxOf(ms))} | — | p95 ≤ ${LATENCY_TARGET_MS}: ${verdict(p95 <= LATENCY_TARGET_MS)} |`);
  lines.push(`| … of which say() → scan request at the worker, p50 / p95 ms | ${f1(pct(toW, 50))} / ${f1(pct(toW, 95))} | — | |`);
  lines.push(`| … of which worker → warning attached, p50 / p95 ms | ${f1(pct(fromW, 50))} / ${f1(pct(fromW, 95))} | — | |`);
  if (out.latency.warmup) lines.push(`| first warning in a fresh browser (warm-up sample, not counted), ms | ${f1(out.latency.warmup.ms)} | — | |`);
  if (out.latency.tasks) lines.push(`| chat page: longest main-thread task running Lindungi code, ms (tasks > ${TASK_TARGET_MS} ms) | ${f1(out.latency.tasks.max)} (${out.latency.tasks.over16} of ${out.latency.tasks.count}) | — | ≤ ${TASK_TARGET_MS}: ${verdict(out.latency.tasks.max <= TASK_TARGET_MS)} |`);
  lines.push(`| 1 MB page (${(forum.html.length / 1e6).toFixed(2)} MB): 'longtask' entries in ${OBSERVE_MS / 1000} s after load, per run | ${ltCount(ext)} | ${ltCount(noExt)} | |`);
  lines.push(`| 1 MB page: longest 'longtask' entry, ms | ${f1(ltMax(ext))} | ${noExt.length ? f1(ltMax(noExt)) : 'n/a'} | |`);
  lines.push(`| 1 MB page: longest main-thread task (trace, any cause), ms | ${f1(maxAllExt)} | ${noExt.length ? f1(maxAllNoExt) : 'n/a'} | |`);
  lines.push(`| 1 MB page: longest task running Lindungi code (trace), ms | ${f1(maxLindungi)} | — | ≤ ${TASK_TARGET_MS}: ${verdict(maxLindungi <= TASK_TARGET_MS)} |`);
  lines.push(`| 1 MB page: Lindungi tasks > ${TASK_TARGET_MS} ms / > 50 ms / all, per run | ${ext.map((r) => { const t = (r.tasks ?? []).filter((x) => x.lindungi); return `${t.filter((x) => x.ms > TASK_TARGET_MS).length}/${t.filter((x) => x.ms > 50).length}/${t.length}`; }).join(' · ')} | — | |`);
  lines.push(`| 1 MB page: Lindungi script time in the ${OBSERVE_MS / 1000} s, ms per run | ${ext.map((r) => f1((r.tasks ?? []).filter((x) => x.lindungi).reduce((a, t) => a + t.scriptMs, 0))).join(' · ')} | — | |`);
  lines.push(`| 1 MB page: load event, ms after navigation start (median) | ${f1(med(ext.map((r) => r.perf.load)))} | ${noExt.length ? f1(med(noExt.map((r) => r.perf.load))) : 'n/a'} | |`);
  lines.push(`| 1 MB page: warnings shown (${forum.risky.length} risky comments), per run | ${ext.map((r) => r.perf.warnings.length).join(' / ')} | — | |`);
  lines.push(`| 1 MB page: first / last warning, ms after navigation start (median) | ${f1(med(firstWarn))} / ${f1(med(lastWarn))} | — | |`);
  lines.push(`| 1 MB page: whole page text at the worker, ms after navigation start (median; items) | ${f1(med(ext.map((r) => r.scans?.lastAt)))} (${ext[0]?.scans?.items ?? 'n/a'}) | — | |`);
  const heapRow = (label, a, b) => lines.push(`| ${label} | ${a ? `${mb(a.used)} (${a.nodes ?? '?'} nodes, ${a.listeners ?? '?'} listeners)` : 'n/a'} | ${b ? `${mb(b.used)} (${b.nodes ?? '?'} nodes, ${b.listeners ?? '?'} listeners)` : 'n/a'} | |`);
  heapRow('page JS heap, 1 MB page after the observation window, MB (after GC)', ext.at(-1)?.heap, noExt.at(-1)?.heap);
  heapRow(`page JS heap, chat page after ${CHAT_MESSAGES} messages, MB (after GC)`, out.chatExt?.heap, out.chatNoExt?.heap);
  for (const [label, s] of [['after the latency run', out.sw.afterChat], ['after the 1 MB page', out.sw.afterForum], ['at the end', out.sw.end]]) {
    if (s) lines.push(`| service worker ${label}: JS heap / wasm memory, MB | ${mb(s.used)} / ${mb(s.wasm)} | — | |`);
  }
  lines.push('');

  const notes = [];
  notes.push(`Latency: from performance.now() just before window.say() to a main-world MutationObserver seeing the host attached; each sample on a fresh conversation (history.pushState ?c=N), previous warning closed with Alt+Shift+L, Escape; categories: ${Object.entries(L.reduce((a, s) => ({ ...a, [s.category]: (a[s.category] ?? 0) + 1 }), {})).map(([k, v]) => `${k} ${v}`).join(', ')}. The split uses performance.timeOrigin + now() in the page and in the worker (same machine clock).`);
  if (out.latency.tasks?.longest) notes.push(`Chat page, longest Lindungi task: ${f1(out.latency.tasks.longest.ms)} ms — ${out.latency.tasks.longest.parts.join('; ') || 'no sub-event ≥ 2 ms'}.`);
  const worst = [...lindungiTasks].sort((a, b) => b.ms - a.ms).slice(0, 4);
  if (worst.length) notes.push(`1 MB page, longest Lindungi tasks (ms after navigation start: duration; sub-events ≥ 2 ms): ${worst.map((t) => `at ${f1(t.at)}: ${f1(t.ms)} ms [${t.parts.join('; ')}]`).join(' · ')}.`);
  if (noExt.length) {
    const worstNo = tasksOf(noExt, () => true).sort((a, b) => b.ms - a.ms).slice(0, 2);
    notes.push(`Without Lindungi, longest tasks: ${worstNo.map((t) => `${f1(t.ms)} ms at ${f1(t.at)} [${t.parts.join('; ')}]`).join(' · ')}.`);
  }
  if (ext[0]?.scans) notes.push(`Risky comments at the worker, ms after navigation start (run 1): ${ext[0].scans.risky.map(f1).join(', ')}; warnings attached at ${warnTimes[0].map(f1).join(', ')}.`);
  if (out.cpu) {
    notes.push(`CPU profile of one more load (200 µs sampling, profiler overhead included), Lindungi functions by inclusive time over the ${OBSERVE_MS / 1000} s: ${out.cpu.inclusive.map((x) => `${x.fn} ${f1(x.ms)} ms`).join('; ')}.`);
    notes.push(`Self time (Lindungi functions and native/unnamed frames): ${out.cpu.self.map((x) => `${x.fn} ${f1(x.ms)} ms`).join('; ')}.`);
  }
  if (out.costs) notes.push(`Worker-side costs before a warning's answer (median of 20, timed in the worker): storage.local get + set of the alert log (${out.costs.alertLogEntries} entries) ${f1(out.costs.storageLocalGetSet)} ms; storage.session get + set ${f1(out.costs.storageSessionGetSet)} ms. A warning's scan does conversation load/save (session), appendAlert (local) and, at the guardian alert level, appendAlert + outbox enqueue, then three chrome.action calls, all before it answers.`);
  if (out.chatExt) notes.push(`Chat page: ${out.chatExt.warnings} warnings over ${CHAT_MESSAGES} messages (every 20th risky).`);
  notes.push('Long tasks: Chromium\'s \'longtask\' entries are tasks ≥ 50 ms (in these runs Chromium reported fewer of them than the trace shows: the trace is the reference); the trace (CDP Tracing, devtools.timeline) has every main-thread task; a task is counted as Lindungi\'s when any event in it carries a chrome-extension:// URL (the forum page has no scripts of its own), which includes the microtasks that draw a warning after the worker answers and the rendering work of the same task.');
  if (failures.length) notes.push(`FAILURES: ${failures.join('; ')}`);
  lines.push('Notes:', ...notes.map((n) => `- ${n}`));
  return lines.join('\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
