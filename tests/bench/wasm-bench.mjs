#!/usr/bin/env node
// Speed benchmark: Lindungi's wasm (crate/pkg, the file the extension ships) against rustrict
// compiled to wasm and the obscenity npm package, on the same corpus messages in one process.
//
//   node tests/bench/wasm-bench.mjs            full run (a few minutes), writes tests/bench/results/
//   node tests/bench/wasm-bench.mjs --quick    smoke run for `make test` (< 20 s), writes nothing
//
// Options: --corpora DIR (default ../shared/corpora from the repo root), --messages N,
// --latency-messages N, --rounds N, --cold-runs N, --write / --no-write, --strict (exit 1 when a
// target is missed). A wrong answer on a sanity message always exits 1.
//
// Fairness: every system gets the same messages in the same loop, one call per message, and its
// result is consumed (folded into a checksum that is printed), so nothing can be optimised away.
// Rounds alternate A B C A B C … so machine noise hits all systems alike; the heap is collected
// before every pass so one system's garbage is not collected on another's clock.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { cpus, hostname, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { loadTestMessages, sample, utf8Bytes } from './lib/corpus.mjs';
import { SANITY, missing, paths, systems } from './lib/systems.mjs';

setFlagsFromString('--expose-gc');
const gc = globalThis.gc ?? runInNewContext('gc');

// ---------------------------------------------------------------- options
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
};
const quick = flag('--quick');
const opts = {
  quick,
  corpora: option('--corpora', join(paths.repo, '..', 'shared', 'corpora')),
  messages: Number(option('--messages', quick ? 300 : 5000)),
  latencyMessages: Number(option('--latency-messages', quick ? 100 : 1000)),
  rounds: Number(option('--rounds', quick ? 1 : 7)),
  coldRuns: Number(option('--cold-runs', quick ? 1 : 7)),
  write: flag('--write') || (!quick && !flag('--no-write')),
  strict: flag('--strict'),
};
const ORDER = ['lindungi', 'lindungi-rules', 'rustrict', 'obscenity'];
const TARGETS = { ratio: 10, p99us: 10, firstVerdictMs: 30, gzipBytes: 300 * 1000 };

const log = (...a) => console.error('[bench]', ...a);
const hr = () => process.hrtime.bigint();

// ---------------------------------------------------------------- preconditions
const absent = missing();
if (absent.length) {
  console.error('missing build outputs:\n  ' + absent.join('\n  '));
  process.exit(2);
}
const staleNote = stalenessNote();
if (staleNote) log(staleNote);

// ---------------------------------------------------------------- messages
const loadStart = loadavg()[0];
const t0 = hr();
const corpora = loadTestMessages(opts.corpora);
const messages = sample(corpora, opts.messages);
const latencySet = sample(corpora, opts.latencyMessages, (t) => {
  const b = utf8Bytes(t);
  return b >= 50 && b <= 70;
});
const totalBytes = messages.reduce((n, t) => n + utf8Bytes(t), 0);
const latencyBytes = latencySet.reduce((n, t) => n + utf8Bytes(t), 0);
const langCount = countLanguages(corpora, messages);
log(`${messages.length} messages (${totalBytes} bytes, ${langCount.en} en / ${langCount.id} id) from ${corpora.size} corpora; ` +
  `${latencySet.length} of 50–70 bytes for latency; loaded in ${ms(hr() - t0).toFixed(0)} ms`);

// ---------------------------------------------------------------- load, sanity
gc();
const memStart = process.memoryUsage();
const loaded = {};
for (const name of ORDER) loaded[name] = await systems[name].load();
gc();
const memLoaded = process.memoryUsage();

function sanity(when) {
  const failures = [];
  for (const name of ORDER) {
    const sys = loaded[name];
    for (const [text, want] of SANITY[name]) {
      const r = sys.call(text);
      if (want ? !sys.flagged(r) : !sys.clean(r))
        failures.push(`${name}: ${JSON.stringify(text)} gave ${JSON.stringify(r)}, expected ${want ? 'flagged' : 'clean'}`);
    }
  }
  if (failures.length) {
    console.error(`SANITY FAILURES ${when} (a system gives wrong answers):\n  ` + failures.join('\n  '));
    process.exit(1);
  }
  log(`sanity messages ${when}: all systems answer as expected`);
}
sanity('before timing');

// Share of the sample each system flags: shows the difference in scope, not accuracy.
const flaggedShare = {};
for (const name of ORDER) {
  let n = 0;
  for (const text of messages) n += loaded[name].flagged(loaded[name].call(text)) ? 1 : 0;
  flaggedShare[name] = n / messages.length;
}

// ---------------------------------------------------------------- timing loops
// One function for every system, so the loop itself is the same code for all of them.
function throughputPass(sys, texts) {
  const { call, flagged } = sys;
  let sink = 0;
  const start = hr();
  for (let i = 0; i < texts.length; i++) if (flagged(call(texts[i]))) sink++;
  return { ns: Number(hr() - start), sink };
}
function latencyPass(sys, texts, out, offset) {
  const { call, flagged } = sys;
  let sink = 0;
  for (let i = 0; i < texts.length; i++) {
    const a = hr();
    const r = call(texts[i]);
    const b = hr();
    out[offset + i] = Number(b - a);
    if (flagged(r)) sink++;
  }
  return sink;
}
// Cost of the clock itself (two hrtime.bigint() calls), included in every latency sample.
function timerOverhead() {
  const xs = new Float64Array(20000);
  for (let i = 0; i < xs.length; i++) {
    const a = hr();
    const b = hr();
    xs[i] = Number(b - a);
  }
  return percentile(xs.sort(), 0.5);
}

log('warming up');
for (const name of ORDER) {
  throughputPass(loaded[name], messages);
  const scratch = new Float64Array(latencySet.length);
  for (let k = 0; k < (quick ? 1 : 3); k++) latencyPass(loaded[name], latencySet, scratch, 0);
}

const results = Object.fromEntries(ORDER.map((n) => [n, { passNs: [], latency: new Float64Array(latencySet.length * opts.rounds), sink: 0 }]));
for (let round = 0; round < opts.rounds; round++) {
  for (const name of ORDER) {
    gc();
    const { ns, sink } = throughputPass(loaded[name], messages);
    results[name].passNs.push(ns);
    results[name].sink += sink;
  }
  for (const name of ORDER) {
    gc();
    results[name].sink += latencyPass(loaded[name], latencySet, results[name].latency, round * latencySet.length);
  }
  log(`round ${round + 1}/${opts.rounds}: ` + ORDER.map((n) => `${n} ${mbps(totalBytes, results[n].passNs.at(-1)).toFixed(2)} MB/s`).join(', '));
}
sanity('after timing');
const overheadNs = timerOverhead();
gc();
const memEnd = process.memoryUsage();

// ---------------------------------------------------------------- cold start + memory, fresh processes
const tmp = mkdtempSync(join(tmpdir(), 'lindungi-bench-'));
const messagesFile = join(tmp, 'messages.json');
writeFileSync(messagesFile, JSON.stringify(messages));
const child = fileURLToPath(new URL('./first-verdict.mjs', import.meta.url));
const cold = Object.fromEntries(ORDER.map((n) => [n, { runs: [], steps: [], memory: null }]));
for (let rep = 0; rep < opts.coldRuns; rep++) {
  for (const name of ORDER) {
    const args = ['--expose-gc', child, name];
    if (rep === 0) args.push(messagesFile);
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    if (r.status !== 0) {
      console.error(`first-verdict child for ${name} failed:\n${r.stderr}`);
      process.exit(1);
    }
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1));
    cold[name].runs.push(out.firstVerdictMs);
    cold[name].steps.push(out.steps);
    if (out.memory) cold[name].memory = out.memory;
  }
}
rmSync(tmp, { recursive: true, force: true });
log(`first verdict measured in ${opts.coldRuns} fresh process(es) per system`);

// ---------------------------------------------------------------- summarise
const summary = {};
for (const name of ORDER) {
  const r = results[name];
  const passMbps = r.passNs.map((ns) => mbps(totalBytes, ns));
  const medianNs = median(r.passNs);
  const lat = Float64Array.from(r.latency).sort();
  const wasmFile = systems[name].wasm;
  const raw = wasmFile ? readFileSync(wasmFile) : null;
  summary[name] = {
    label: systems[name].label,
    scope: systems[name].scope,
    mbPerSec: mbps(totalBytes, medianNs),
    mbPerSecMin: Math.min(...passMbps),
    mbPerSecMax: Math.max(...passMbps),
    roundsMbPerSec: passMbps,
    msgsPerSec: messages.length / (medianNs / 1e9),
    latencyUs: { p50: percentile(lat, 0.5) / 1e3, p99: percentile(lat, 0.99) / 1e3, max: lat[lat.length - 1] / 1e3 },
    firstVerdictMs: median(cold[name].runs),
    firstVerdictMsMin: Math.min(...cold[name].runs),
    firstVerdictSteps: medianSteps(cold[name].steps),
    wasmBytes: raw ? raw.length : null,
    wasmGzipBytes: raw ? gzipSync(raw, { level: 9 }).length : null,
    wasmSha256: raw ? createHash('sha256').update(raw).digest('hex') : null,
    wasmMemoryBytes: loaded[name].memoryBytes(),
    child: cold[name].memory,
    flaggedShare: flaggedShare[name],
    checksum: r.sink,
  };
}
const L = summary.lindungi;
// Ratio of throughputs: the median of the per-round ratios (the systems of one round ran
// seconds apart, so a busy spell on the machine cancels out better than across rounds).
const roundRatio = (other) => median(results.lindungi.passNs.map((ns, i) => results[other].passNs[i] / ns));
const ratios = { rustrict: roundRatio('rustrict'), obscenity: roundRatio('obscenity'), rulesAlone: roundRatio('lindungi-rules') };
const targets = [
  { what: `throughput ≥ ${TARGETS.ratio}× rustrict-wasm`, value: `${ratios.rustrict.toFixed(1)}×`, met: ratios.rustrict >= TARGETS.ratio },
  { what: `throughput ≥ ${TARGETS.ratio}× obscenity`, value: `${ratios.obscenity.toFixed(1)}×`, met: ratios.obscenity >= TARGETS.ratio },
  { what: `p99 latency ≤ ${TARGETS.p99us} µs (50–70-byte messages)`, value: `${L.latencyUs.p99.toFixed(1)} µs`, met: L.latencyUs.p99 <= TARGETS.p99us },
  { what: `first verdict ≤ ${TARGETS.firstVerdictMs} ms (fresh process)`, value: `${L.firstVerdictMs.toFixed(1)} ms`, met: L.firstVerdictMs <= TARGETS.firstVerdictMs },
  { what: `lindungi_bg.wasm ≤ ${TARGETS.gzipBytes / 1000} KB gzipped`, value: `${kb(L.wasmGzipBytes)} KB`, met: L.wasmGzipBytes <= TARGETS.gzipBytes },
];

const machine = machineInfo();
const now = new Date();
const report = {
  date: now.toISOString(),
  mode: quick ? 'quick' : 'full',
  machine,
  stale: staleNote || null,
  options: { ...opts, corpora: opts.corpora },
  sample: {
    messages: messages.length,
    bytes: totalBytes,
    languages: langCount,
    corpora: [...corpora.keys()],
    latencyMessages: latencySet.length,
    latencyMeanBytes: latencyBytes / Math.max(1, latencySet.length),
  },
  timerOverheadNs: overheadNs,
  loadAverage: { start: loadStart, end: loadavg()[0] },
  process: {
    rssAfterLoadDelta: memLoaded.rss - memStart.rss,
    heapUsedAfterLoadDelta: memLoaded.heapUsed - memStart.heapUsed,
    rssAfterRunDelta: memEnd.rss - memStart.rss,
    heapUsedAfterRunDelta: memEnd.heapUsed - memStart.heapUsed,
  },
  systems: summary,
  ratios,
  targets,
};
const markdown = renderMarkdown(report);
console.log(markdown);

if (opts.write) {
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${now.toISOString().slice(0, 10)}-${machine.slug}`);
  appendFileSync(base + '.md', (existsSync(base + '.md') ? '\n---\n\n' : '') + markdown + '\n');
  const previous = existsSync(base + '.json') ? JSON.parse(readFileSync(base + '.json', 'utf8')) : [];
  previous.push(report);
  writeFileSync(base + '.json', JSON.stringify(previous, null, 2) + '\n');
  log(`written: ${base}.md and .json`);
}
if (opts.strict && targets.some((t) => !t.met)) {
  console.error('targets missed (--strict)');
  process.exit(1);
}

// ---------------------------------------------------------------- helpers
function ms(ns) {
  return Number(ns) / 1e6;
}
function mbps(bytes, ns) {
  return bytes / 1e6 / (ns / 1e9);
}
function kb(bytes) {
  return bytes == null ? 'n/a' : (bytes / 1000).toFixed(1);
}
function mib(bytes) {
  return bytes == null ? 'n/a' : (bytes / 1048576).toFixed(1);
}
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
function percentile(sorted, p) {
  // Nearest rank on an ascending array.
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}
function medianSteps(list) {
  const out = {};
  for (const key of Object.keys(list[0] ?? {})) out[key] = median(list.map((s) => s[key]));
  return out;
}
function countLanguages(corpora, texts) {
  const lang = new Map();
  for (const rows of corpora.values()) for (const r of rows) if (!lang.has(r.text)) lang.set(r.text, r.lang);
  const out = { en: 0, id: 0 };
  for (const t of texts) out[lang.get(t)] = (out[lang.get(t)] ?? 0) + 1;
  return out;
}
function sh(cmd, args) {
  try {
    return execFileSync(cmd, args, { cwd: paths.repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}
function machineInfo() {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    const m = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m);
    if (m) cpu = m[1].trim();
  } catch {}
  const cores = cpus().length;
  const commit = sh('git', ['rev-parse', '--short=12', 'HEAD']) || 'unknown';
  const dirty = sh('git', ['status', '--porcelain', '--', 'crate']) ? ' (crate/ has uncommitted changes)' : '';
  const slug = `${cpu}-${cores}c`.toLowerCase().replace(/\(r\)|\(tm\)|cpu|processor|@.*?ghz/g, ' ').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return { cpu, cores, node: process.version, commit: commit + dirty, hostname: hostname(), slug };
}
function stalenessNote() {
  // The bench measures whatever crate/pkg holds: say so when sources are newer than the wasm.
  const built = statSync(paths.lindungiWasm).mtimeMs;
  let newest = 0;
  let newestFile = '';
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const t = statSync(p).mtimeMs;
        if (t > newest) [newest, newestFile] = [t, p];
      }
    }
  };
  for (const d of ['crate/src', 'crate/rules']) if (existsSync(paths.repo + d)) walk(paths.repo + d);
  return newest > built ? `note: ${newestFile.slice(paths.repo.length)} is newer than crate/pkg/lindungi_bg.wasm (run make wasm for the current rules)` : '';
}
function renderMarkdown(r) {
  const f = (x, d = 1) => (x == null ? 'n/a' : x.toFixed(d));
  const lines = [];
  lines.push(`## Wasm speed benchmark — ${r.date.slice(0, 16).replace('T', ' ')} UTC (${r.mode})`);
  lines.push('');
  lines.push(`Machine: ${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}, commit ${r.machine.commit}, host ${r.machine.hostname}; ` +
    `load average ${r.loadAverage.start.toFixed(2)} at start, ${r.loadAverage.end.toFixed(2)} at end (other work on the machine skews absolute figures; ratios less so).`);
  lines.push(`Messages: ${r.sample.messages} (${(r.sample.bytes / 1e6).toFixed(2)} MB; ${r.sample.languages.en} en, ${r.sample.languages.id} id) from the test splits of ${r.sample.corpora.length} corpora, ` +
    `round-robin by id hash; latency on ${r.sample.latencyMessages} messages of 50–70 bytes (mean ${r.sample.latencyMeanBytes.toFixed(0)} B). ` +
    `${r.options.rounds} alternating round(s); first verdict: median of ${r.options.coldRuns} fresh process(es).`);
  lines.push(`lindungi_bg.wasm sha256 ${r.systems.lindungi.wasmSha256.slice(0, 16)}…; rustrict ${r.systems.rustrict.wasmSha256.slice(0, 16)}….`);
  if (r.stale) lines.push(`**${r.stale}**`);
  lines.push('');
  lines.push('| system | MB/s (min–max) | msgs/s | p50 µs | p99 µs | max µs | first verdict ms (min) | wasm KB | wasm gzip KB | wasm memory MiB | child RSS Δ MiB | child heapUsed Δ MiB | flags % of sample |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const name of ORDER) {
    const s = r.systems[name];
    lines.push(`| ${s.label} | ${f(s.mbPerSec, 2)} (${f(s.mbPerSecMin, 2)}–${f(s.mbPerSecMax, 2)}) | ${Math.round(s.msgsPerSec).toLocaleString('en-US')} | ` +
      `${f(s.latencyUs.p50, 2)} | ${f(s.latencyUs.p99, 2)} | ${f(s.latencyUs.max, 0)} | ${f(s.firstVerdictMs)} (${f(s.firstVerdictMsMin)}) | ${kb(s.wasmBytes)} | ${kb(s.wasmGzipBytes)} | ` +
      `${mib(s.wasmMemoryBytes)} | ${mib(s.child?.rssDelta)} | ${mib(s.child?.heapUsedDelta)} | ${f(100 * s.flaggedShare)} |`);
  }
  lines.push('');
  lines.push(`Lindungi throughput ÷ rustrict-wasm: **${r.ratios.rustrict.toFixed(1)}×**; ÷ obscenity: **${r.ratios.obscenity.toFixed(1)}×** (median of the per-round ratios). ` +
    `The learned scorer's cost: Lindungi runs at ${(100 * r.ratios.rulesAlone).toFixed(0)}% of the throughput of its rules alone.`);
  lines.push('');
  lines.push('| target | value | |');
  lines.push('|---|---:|---|');
  for (const t of r.targets) lines.push(`| ${t.what} | ${t.value} | ${t.met ? 'met' : '**missed**'} |`);
  lines.push('');
  lines.push('First verdict, median per phase (ms): ' + ORDER.map((n) => `${r.systems[n].label}: ` +
    Object.entries(r.systems[n].firstVerdictSteps).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')).join('; ') + '.');
  lines.push('');
  lines.push('Notes:');
  lines.push('- rustrict and obscenity are English **profanity filters** with a different scope from Lindungi (a child-safety detector for English and Indonesian that returns a level, per-category scores and signal spans); the comparison is of speed only, not of what they detect. "flags %" is the share of the sample each marks (Lindungi: level ≥ medium).');
  lines.push(`- One call per message, same messages, same loop; results folded into a checksum (${ORDER.map((n) => r.systems[n].checksum).join('/')}). MB = 10⁶ bytes of UTF-8; throughput is the median pass. Lindungi's figure includes reading the scan context and building the JS result object (a shared frozen object for clean messages), as the extension pays them.`);
  lines.push(`- Latency is per call with process.hrtime.bigint() after warm-up; each sample includes the clock's own cost (≈${r.timerOverheadNs.toFixed(0)} ns here). Max includes GC pauses and scheduler noise.`);
  lines.push('- First verdict is timed in a fresh `node` child after Node has booted: import of the JS glue, reading the .wasm, compiling + instantiating it, the constructor, and the first scan. Memory columns come from the first child run: wasm linear memory after scanning the sample twice, and RSS/heapUsed growth from just before loading the system to after that run (after GC).');
  const d = (bytes) => (bytes >= 0 ? '+' : '') + mib(bytes);
  lines.push(`- This process (all three loaded): heapUsed ${d(r.process.heapUsedAfterLoadDelta)} MiB after loading, ${d(r.process.heapUsedAfterRunDelta)} MiB after the run (after GC); its RSS moves with the corpus loading that precedes it, so RSS is taken from the fresh children above.`);
  return lines.join('\n');
}
