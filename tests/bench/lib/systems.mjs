// The three systems under test, each loaded the way a page or extension would load it.
// Every loader imports its package lazily, so a fresh process can time the whole cold start.
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
export const paths = {
  repo,
  lindungiJs: repo + 'crate/pkg/lindungi.js',
  lindungiWasm: repo + 'crate/pkg/lindungi_bg.wasm',
  rustrictJs: repo + 'tests/bench/rustrict-wasm/pkg/rustrict_wasm.js',
  rustrictWasm: repo + 'tests/bench/rustrict-wasm/pkg/rustrict_wasm_bg.wasm',
};

const INCOMING = { direction: 'incoming' };
const RANK = { none: 0, low: 1, medium: 2, high: 3 };

/**
 * Each system: `load(steps)` returns { call(text) -> raw result, flagged(raw) -> boolean,
 * memoryBytes() -> wasm linear memory size or null }. `steps(name)` marks the cold-start phases.
 */
/** Lindungi's package with the detector built from `config`. */
function lindungi(label, scope, config) {
  return {
    label,
    scope,
    wasm: paths.lindungiWasm,
    async load(steps = () => {}) {
      const mod = await import(pathToFileURL(paths.lindungiJs).href);
      steps('import js');
      const bytes = readFileSync(paths.lindungiWasm);
      steps('read wasm');
      const exports = mod.initSync({ module: bytes });
      steps('compile + instantiate');
      const detector = new mod.Detector(config);
      steps('new Detector()');
      return {
        call: (text) => detector.scan(text, INCOMING),
        flagged: (r) => RANK[r.level] >= RANK.medium,
        clean: (r) => r.level === 'none',
        memoryBytes: () => exports.memory.buffer.byteLength,
      };
    },
  };
}

export const systems = {
  lindungi: lindungi('Lindungi (wasm)',
    'child-safety detector: grooming, sexual, bullying, self-harm, personal details (en + id); returns level, categories, spans'),
  // The same package with the learned scorer off: what the model costs.
  'lindungi-rules': lindungi('Lindungi, rules alone (wasm)',
    'the same detector without its learned scorer (Detector({ model: false }))', { model: false }),
  rustrict: {
    label: 'rustrict (wasm)',
    scope: 'profanity filter (English; Type::INAPPROPRIATE = profane/offensive/sexual/mean at moderate+ severity); boolean',
    wasm: paths.rustrictWasm,
    async load(steps = () => {}) {
      const mod = await import(pathToFileURL(paths.rustrictJs).href);
      steps('import js');
      const bytes = readFileSync(paths.rustrictWasm);
      steps('read wasm');
      const exports = mod.initSync({ module: bytes });
      steps('compile + instantiate');
      return {
        call: (text) => mod.is_inappropriate(text),
        flagged: (r) => r === true,
        clean: (r) => r === false,
        memoryBytes: () => exports.memory.buffer.byteLength,
      };
    },
  },
  obscenity: {
    label: 'obscenity (JS)',
    scope: 'profanity filter (English word list + transformers, pure JS); hasMatch boolean',
    wasm: null,
    async load(steps = () => {}) {
      const o = await import('obscenity');
      steps('import js');
      const matcher = new o.RegExpMatcher({ ...o.englishDataset.build(), ...o.englishRecommendedTransformers });
      steps('build matcher');
      return {
        call: (text) => matcher.hasMatch(text),
        flagged: (r) => r === true,
        clean: (r) => r === false,
        memoryBytes: () => null,
      };
    },
  },
};

export function missing() {
  const out = [];
  if (!existsSync(paths.lindungiWasm)) out.push(`${paths.lindungiWasm} (run: make wasm)`);
  if (!existsSync(paths.rustrictWasm)) out.push(`${paths.rustrictWasm} (run: tests/bench/install.sh)`);
  return out;
}

/**
 * Sanity messages: a system that answers any of these wrongly fails the run. `true` = flagged
 * (Lindungi: level medium or high), `false` = not flagged (Lindungi: level exactly "none").
 */
export const SANITY = {
  lindungi: [
    ['send nudes', true],
    ['this is our secret, dont tell your mom', true],
    ['kirim pap tt dong', true],
    ['see you at practice tomorrow', false],
    ['besok kerja kelompok di rumah aku ya', false],
  ],
  'lindungi-rules': [
    ['send nudes', true],
    ['this is our secret, dont tell your mom', true],
    ['see you at practice tomorrow', false],
  ],
  rustrict: [
    ['fuck you', true],
    ['you are a piece of shit', true],
    ['see you at practice tomorrow', false],
  ],
  obscenity: [
    ['fuck you', true],
    ['you are a piece of shit', true],
    ['see you at practice tomorrow', false],
  ],
};
