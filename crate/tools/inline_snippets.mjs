#!/usr/bin/env node
// Folds wasm-bindgen's `inline_js` snippets into the package's JS glue, so that the package
// stays the two files the extension ships (lindungi.js and lindungi_bg.wasm) and loads without
// a snippets/ folder. Run by `make wasm` after wasm-pack:
//   node crate/tools/inline_snippets.mjs crate/pkg
// Each snippet module becomes an object of its exported functions, defined before the glue's
// code; the glue's `import { f } from './snippets/…'` and `import * as importN from "./snippets/…"`
// lines become constants bound to that object (the wasm import object keeps its keys). Fails,
// leaving the package as it was, on anything it does not recognise.
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const pkg = process.argv[2];
if (!pkg) {
  console.error('usage: node crate/tools/inline_snippets.mjs <pkg dir>');
  process.exit(1);
}
const glue = join(pkg, 'lindungi.js');
const snippets = join(pkg, 'snippets');
if (!existsSync(snippets)) process.exit(0);

const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else files.push(path);
  }
};
walk(snippets);

let code = readFileSync(glue, 'utf8');
const definitions = [];
files.forEach((file, n) => {
  const spec = './' + relative(pkg, file).split('\\').join('/');
  const name = `__lindungi_snippet${n}`;
  const names = [];
  const body = readFileSync(file, 'utf8').replace(/^export function (\w+)/gm, (_, f) => {
    names.push(f);
    return `function ${f}`;
  });
  if (/^\s*(export|import)\b/m.test(body)) throw new Error(`${spec}: only \`export function\` is supported`);
  definitions.push(`const ${name} = (() => {\n${body}\nreturn { ${names.join(', ')} };\n})();`);
  const quoted = `['"]${spec.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"]`;
  let replaced = 0;
  code = code
    .replace(new RegExp(`^import \\{([^}]*)\\} from ${quoted};?$`, 'gm'), (_, list) => {
      replaced++;
      return `const {${list}} = ${name};`;
    })
    .replace(new RegExp(`^import \\* as (\\w+) from ${quoted};?$`, 'gm'), (_, alias) => {
      replaced++;
      return `const ${alias} = ${name};`;
    });
  if (!replaced) throw new Error(`lindungi.js does not import ${spec}`);
});
if (/from ['"]\.\/snippets\//.test(code)) throw new Error('lindungi.js still imports a snippet');
writeFileSync(glue, `${definitions.join('\n')}\n${code}`);
rmSync(snippets, { recursive: true });
console.log(`inlined ${files.length} snippet module(s) into ${glue}`);
