#!/usr/bin/env bash
# Installs what tests/bench/wasm-bench.mjs needs and builds the rustrict wasm baseline.
# Idempotent; uses only crates.io and npm. Does not build Lindungi itself: `make wasm` does.
#   tests/bench/install.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export PATH="$HOME/.cargo/bin:$repo/node_modules/.bin:$PATH"
crate="$here/rustrict-wasm"
pkg="$crate/pkg"

# The wasm-bindgen CLI must match the library version the crate pins (same as the main crate).
want="$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' "$crate/Cargo.toml")"
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || rustup target add wasm32-unknown-unknown
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $want" ]; then
  cargo install wasm-bindgen-cli --version "$want" --locked
fi

# npm packages (obscenity, binaryen's wasm-opt) from the root package.json.
if [ ! -x "$repo/node_modules/.bin/wasm-opt" ] || [ ! -d "$repo/node_modules/obscenity" ]; then
  (cd "$repo" && npm ci --no-audit --no-fund)
fi

# rustrict wasm: cargo is incremental; wasm-bindgen and wasm-opt rerun only when cargo's output
# (or the tools) changed, recorded in pkg/.stamp.
(cd "$crate" && cargo build --release --target wasm32-unknown-unknown --locked)
raw="$crate/target/wasm32-unknown-unknown/release/rustrict_wasm.wasm"
stamp="$(sha256sum "$raw" | cut -d' ' -f1) $(wasm-bindgen --version) $(wasm-opt --version)"
if [ ! -f "$pkg/rustrict_wasm_bg.wasm" ] || [ "$(cat "$pkg/.stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$pkg"
  wasm-bindgen --target web --out-dir "$pkg" "$raw"
  # wasm-opt from npm's binaryen only (Debian's breaks modules). -O3: rustrict is built for speed.
  wasm-opt -O3 --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals "$pkg/rustrict_wasm_bg.wasm" -o "$pkg/rustrict_wasm_bg.wasm"
  echo "$stamp" > "$pkg/.stamp"
fi
echo "rustrict wasm: $pkg/rustrict_wasm_bg.wasm, $(wc -c < "$pkg/rustrict_wasm_bg.wasm") bytes, $(gzip -9c "$pkg/rustrict_wasm_bg.wasm" | wc -c) gzipped"
