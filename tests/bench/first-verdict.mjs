// Child process of wasm-bench.mjs: time to first verdict from a fresh process, then memory.
// Usage: node --expose-gc first-verdict.mjs <lindungi|lindungi-rules|rustrict|obscenity> [messages.json]
// Prints one JSON line. The clock starts after Node itself has booted (a browser has no such
// cost) and covers: importing the JS glue, reading the wasm file, compiling and instantiating
// it, building the detector/matcher, and the first scan.
const start = process.hrtime.bigint();
const [name, messagesFile] = process.argv.slice(2);
const gc = globalThis.gc ?? (() => {});
const { systems } = await import('./lib/systems.mjs');
// The messages for the memory figures are read before the clock and the memory baseline start.
const { readFileSync } = await import('node:fs');
const messages = messagesFile ? JSON.parse(readFileSync(messagesFile, 'utf8')) : null;
const steps = {};
let last = process.hrtime.bigint();
const mark = (step) => {
  const now = process.hrtime.bigint();
  steps[step] = Number(now - last) / 1e6;
  last = now;
};
// Baseline memory is taken after the helpers (and messages) load but before the system; the
// helpers are excluded from the timing as well.
gc();
const before = process.memoryUsage();
const t0 = process.hrtime.bigint();
last = t0;
const sys = await systems[name].load(mark);
const verdict = sys.flagged(sys.call('see you at practice tomorrow'));
mark('first scan');
const firstVerdictMs = Number(process.hrtime.bigint() - t0) / 1e6;
const afterFirst = process.memoryUsage();
const out = { name, firstVerdictMs, steps, verdict, helpersMs: Number(t0 - start) / 1e6 };
if (messages) {
  let sink = 0;
  for (let pass = 0; pass < 2; pass++) for (const text of messages) sink += sys.flagged(sys.call(text)) ? 1 : 0;
  gc();
  const after = process.memoryUsage();
  out.memory = {
    wasmBytes: sys.memoryBytes(),
    rssDeltaFirst: afterFirst.rss - before.rss,
    rssDelta: after.rss - before.rss,
    heapUsedDelta: after.heapUsed - before.heapUsed,
    externalDelta: after.external - before.external,
    sink,
  };
}
process.stdout.write(JSON.stringify(out) + '\n');
