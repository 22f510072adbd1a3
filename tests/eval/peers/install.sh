#!/usr/bin/env bash
# Installs the evaluation peers (tools Lindungi is compared with) from their registries only:
#   rustrict            crates.io  -> tests/eval/peers/rustrict/target/release/lindungi-peer-rustrict
#   obscenity           npm        -> node_modules/obscenity (pinned in the root package.json)
#   alt-profanity-check PyPI       -> tests/eval/.venv (pinned below; ships its trained model)
# Idempotent: a peer that is already installed at the pinned version is left alone.
# Usage: tests/eval/peers/install.sh [rustrict] [obscenity] [profanity-check]   (default: all)
set -euo pipefail

ALT_PROFANITY_CHECK_VERSION=1.9.1

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
EVAL="$(dirname "$HERE")"
ROOT="$(cd "$EVAL/../.." && pwd)"
CARGO="${CARGO:-cargo}"
NPM="${NPM:-npm}"
PYTHON="${PYTHON:-python3}"

WANT=("$@")
[ ${#WANT[@]} -eq 0 ] && WANT=(rustrict obscenity profanity-check)
want() { local w; for w in "${WANT[@]}"; do [ "$w" = "$1" ] && return 0; done; return 1; }
for w in "${WANT[@]}"; do
  case "$w" in rustrict|obscenity|profanity-check) ;; *) echo "install.sh: unknown peer $w" >&2; exit 2;; esac
done

if want rustrict; then
  # cargo rebuilds only when the sources or Cargo.lock changed; --locked keeps the pinned versions.
  "$CARGO" build --release --locked --manifest-path "$HERE/rustrict/Cargo.toml"
fi

if want obscenity; then
  pinned="$(cd "$ROOT" && node -p "require('./package.json').devDependencies.obscenity")"
  have="$(cd "$ROOT" && node -p "try { require('./node_modules/obscenity/package.json').version } catch { '' }")"
  if [ "$have" != "$pinned" ]; then
    (cd "$ROOT" && "$NPM" ci --no-audit --no-fund)
  fi
fi

if want profanity-check; then
  VENV="$EVAL/.venv"
  if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
  fi
  have="$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("alt-profanity-check"))' 2>/dev/null || true)"
  if [ "$have" != "$ALT_PROFANITY_CHECK_VERSION" ]; then
    "$VENV/bin/python" -m pip install --disable-pip-version-check --quiet \
      "alt-profanity-check==$ALT_PROFANITY_CHECK_VERSION"
  fi
  "$VENV/bin/python" -c 'from profanity_check import predict; assert list(predict(["you are a fucking idiot", "have a nice day"])) == [1, 0]'
fi
