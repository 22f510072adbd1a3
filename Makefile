# Lindungi: `make` builds everything, `make test` runs every test.
# Both install what they need from the package registries (crates.io, npm); nothing else is
# downloaded.

CARGO ?= cargo
NPM ?= npm
# The wasm-bindgen CLI must match the library version that Cargo.lock pins.
WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
CARGO_BIN := $(HOME)/.cargo/bin
export PATH := $(CARGO_BIN):$(CURDIR)/node_modules/.bin:$(PATH)
# Target features: the rustc used here (1.95; see `rustc --print cfg --target
# wasm32-unknown-unknown`) already emits bulk-memory, nontrapping-fptoint, sign-ext,
# mutable-globals, reference-types and multivalue, all in Node 20 and Chromium 120+. +simd128
# (also supported there) was measured with no gain on the bench sample (the scanner has no loops
# LLVM vectorises), so it is not enabled; neither opt-level 2 or "s" nor wasm-opt -O4 beat
# opt-level 3 with -O3.
WASM_OPT_FLAGS := -O3 --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals
STAMPS := target/.stamps

.PHONY: all cli wasm extension tools browser screenshots test test-rust test-wasm test-extension test-eval test-bench test-train lint eval bench train fuzz fmt clean
all: cli wasm extension

cli:
	$(CARGO) build --release -p lindungi

# wasm-pack's own wasm-opt download is disabled (--no-opt); wasm-opt comes from npm's binaryen.
# The crate's few lines of JavaScript (inline_js in src/wasm.rs) are folded into lindungi.js, so
# the package stays lindungi.js + lindungi_bg.wasm.
wasm: tools
	wasm-pack build crate --target web --out-dir pkg --out-name lindungi --no-pack --no-opt --profile wasm
	node crate/tools/inline_snippets.mjs crate/pkg
	wasm-opt $(WASM_OPT_FLAGS) crate/pkg/lindungi_bg.wasm -o crate/pkg/lindungi_bg.wasm
	@rm -f crate/pkg/.gitignore
	@echo "crate/pkg/lindungi_bg.wasm: $$(wc -c < crate/pkg/lindungi_bg.wasm) bytes, $$(gzip -9c crate/pkg/lindungi_bg.wasm | wc -c) gzipped"

# The browser extension, unpacked per browser in extension/dist/ and zipped.
extension: wasm
	node extension/build.mjs

tools: $(STAMPS)/rust-tools $(STAMPS)/npm

# Debian's Chromium for the real-browser tests (never a browser download), and openssl, which
# the tests use for a throwaway certificate.
browser:
	@(command -v chromium && command -v openssl) >/dev/null || (apt-get update && apt-get install -y --no-install-recommends chromium chromium-driver openssl)

$(STAMPS)/rust-tools: Cargo.lock
	rustup target add wasm32-unknown-unknown
	@if [ "$$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $(WASM_BINDGEN_VERSION)" ]; then \
		$(CARGO) install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION); fi
	@command -v wasm-pack >/dev/null || $(CARGO) install wasm-pack
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/npm: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund
	@mkdir -p $(STAMPS) && touch $@

test: lint test-rust test-wasm test-extension test-eval test-bench test-train

lint: tools
	$(CARGO) fmt --all --check
	$(CARGO) clippy --all-targets -- -D warnings
	$(CARGO) clippy --target wasm32-unknown-unknown -p lindungi --lib -- -D warnings

test-rust:
	$(CARGO) test --workspace

test-wasm: wasm
	node --test tests/wasm/

# The extension: unit tests of its logic (node), the Firefox linter, then the built extension
# in Debian's Chromium (real pages, a network audit), and a quick run of the browser benchmark.
test-extension: extension browser
	node --test tests/extension/
	web-ext lint --source-dir extension/dist/firefox --self-hosted --no-input --warnings-as-errors
	node --test --test-concurrency=1 --test-timeout=120000 tests/e2e/
	node tests/e2e/perf.mjs --quick

# Screenshots of the warning and the nudge in English and Indonesian, for the README.
screenshots: extension browser
	node tests/e2e/screenshots.mjs

# The evaluation's own unit tests, then a small-sample run of every system on every corpus.
test-eval: cli
	python3 -m unittest discover -s tests/eval
	tests/eval/peers/install.sh
	python3 tests/eval/evaluate.py --sample 40 --out target/eval-smoke > /dev/null
	@echo "eval smoke run: target/eval-smoke/results.md"

# A quick run of the benchmarks: they must still give the right answers.
test-bench: wasm
	$(CARGO) bench -p lindungi --bench detector -- --test
	tests/bench/install.sh
	node tests/bench/wasm-bench.mjs --quick

# The learned scorer (crate/model/), retrained from the train-ok corpora in ../shared/corpora and
# our own examples: deterministic, so the committed files come out byte for byte (see
# crate/model/README.md). test-train proves that without writing anything.
train:
	$(CARGO) run --release -p lindungi-train

test-train:
	$(CARGO) run --release -p lindungi-train -- --check

# Accuracy on the test splits of ../shared/corpora, Lindungi (with and without the learned
# scorer: lindungi, lindungi-rules) beside its peers:
# writes docs/accuracy.md and docs/accuracy.svg (linked from the README).
eval: cli
	tests/eval/peers/install.sh
	python3 tests/eval/evaluate.py --report docs/accuracy.md

# Speed: criterion (native), then the wasm harness against rustrict-in-wasm and obscenity,
# recorded with date and machine under tests/bench/results/.
bench: wasm extension browser
	$(CARGO) bench -p lindungi --bench detector
	tests/bench/install.sh
	node tests/bench/wasm-bench.mjs --write
	node tests/e2e/perf.mjs --write

# Fuzz the scanner for FUZZ_SECONDS (cargo-fuzz needs nightly features; RUSTC_BOOTSTRAP lets
# the stable toolchain provide them).
FUZZ_SECONDS ?= 300
fuzz:
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz
	cd crate/fuzz && RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run scan -- -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096

fmt:
	$(CARGO) fmt --all

clean:
	$(CARGO) clean
	rm -rf crate/pkg node_modules
