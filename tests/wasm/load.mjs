// Loads the wasm package that `make` builds (crate/pkg, wasm-pack --target web) into Node.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const pkgDir = fileURLToPath(new URL('../../crate/pkg/', import.meta.url));

export async function loadLindungi() {
  const lindungi = await import(new URL('lindungi.js', 'file://' + pkgDir).href);
  lindungi.initSync({ module: readFileSync(pkgDir + 'lindungi_bg.wasm') });
  return lindungi;
}
