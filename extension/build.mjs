// Builds the extension for each browser from one source:
//   extension/dist/chromium/ and extension/dist/firefox/ (unpacked, loadable as they are) and
//   extension/dist/lindungi-<browser>-<version>.zip.
// Needs the wasm package in crate/pkg (`make wasm`). Node's standard library only.
// Usage: node extension/build.mjs
import { readFileSync, writeFileSync, mkdirSync, rmSync, cpSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, deflateRawSync, crc32 as zlibCrc32 } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '..', 'crate', 'pkg');
const dist = join(here, 'dist');

/** Strips // and /* *\/ comments from JSON with comments, leaving strings alone. */
export function stripJsonComments(text) {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      out += text.slice(start, i + 1);
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i + 2) + 1;
    } else {
      out += c;
    }
  }
  return out;
}

/** The manifest for one browser, from the commented source. */
export function manifestFor(browser, source) {
  const manifest = structuredClone(source);
  const { gecko, gecko_android: geckoAndroid } = manifest;
  delete manifest.gecko;
  delete manifest.gecko_android;
  if (browser === 'firefox') {
    delete manifest.key;
    delete manifest.storage;
    manifest.background = { scripts: [manifest.background.service_worker], type: 'module' };
    manifest.browser_specific_settings = { gecko, ...(geckoAndroid ? { gecko_android: geckoAndroid } : {}) };
  }
  return manifest;
}

// --- icons: a shield with a heart, drawn here so no binary lives in the repository ----------

function insideShield(x, y) {
  // x, y in [0, 1]; a shield: straight sides, then curving to a point at the bottom.
  const top = 0.08;
  if (y < top || y > 0.95) return false;
  const half = y < 0.55 ? 0.4 : 0.4 * Math.sqrt(Math.max(0, (0.95 - y) / 0.4));
  return Math.abs(x - 0.5) <= half;
}

function insideHeart(x, y) {
  const u = (x - 0.5) / 0.2;
  const v = (0.47 - y) / 0.2;
  return (u * u + v * v - 1) ** 3 - u * u * v * v * v <= 0;
}

function pngIcon(size) {
  const samples = 4;
  const rows = [];
  for (let py = 0; py < size; py++) {
    const row = [0]; // filter type: none
    for (let px = 0; px < size; px++) {
      let shield = 0;
      let heart = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = (px + (sx + 0.5) / samples) / size;
          const y = (py + (sy + 0.5) / samples) / size;
          if (insideShield(x, y)) {
            shield++;
            if (insideHeart(x, y)) heart++;
          }
        }
      }
      const n = samples * samples;
      const blue = [11, 87, 208];
      const mix = heart / Math.max(shield, 1);
      const rgb = blue.map((c) => Math.round(c * (1 - mix) + 255 * mix));
      row.push(...rgb, Math.round((255 * shield) / n));
    }
    rows.push(Buffer.from(row));
  }
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(zlibCrc32(body) >>> 0, body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// --- zip: stored with deflate, fixed timestamps so builds are reproducible -------------------

function files(dir) {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

export function zip(dir, target) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const path of files(dir)) {
    const name = Buffer.from(relative(dir, path).split('\\').join('/'));
    const data = readFileSync(path);
    const packed = deflateRawSync(data, { level: 9 });
    const crc = zlibCrc32(data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += local.length + name.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length / 2, 8);
  end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  writeFileSync(target, Buffer.concat([...locals, directory, end]));
}

function build() {
  for (const file of ['lindungi.js', 'lindungi_bg.wasm']) {
    if (!existsSync(join(pkg, file))) throw new Error(`crate/pkg/${file} is missing: run make wasm first`);
  }
  const source = JSON.parse(stripJsonComments(readFileSync(join(here, 'manifest.jsonc'), 'utf8')));
  rmSync(dist, { recursive: true, force: true });
  const icons = Object.fromEntries([16, 32, 48, 128].map((size) => [size, pngIcon(size)]));
  for (const browser of ['chromium', 'firefox']) {
    const out = join(dist, browser);
    mkdirSync(join(out, 'lib'), { recursive: true });
    mkdirSync(join(out, 'icons'), { recursive: true });
    cpSync(join(here, 'src'), out, { recursive: true });
    cpSync(join(here, '_locales'), join(out, '_locales'), { recursive: true });
    if (browser === 'chromium') cpSync(join(here, 'managed_schema.json'), join(out, 'managed_schema.json'));
    cpSync(join(pkg, 'lindungi.js'), join(out, 'lib', 'lindungi.js'));
    cpSync(join(pkg, 'lindungi_bg.wasm'), join(out, 'lib', 'lindungi_bg.wasm'));
    for (const [size, png] of Object.entries(icons)) writeFileSync(join(out, 'icons', `${size}.png`), png);
    writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifestFor(browser, source), null, 2)}\n`);
    zip(out, join(dist, `lindungi-${browser}-${source.version}.zip`));
  }
  console.log(`extension/dist: chromium/, firefox/ and their zips (version ${source.version})`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) build();
