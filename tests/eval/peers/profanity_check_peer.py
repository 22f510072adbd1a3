#!/usr/bin/env python3
"""Evaluation peer: alt-profanity-check (PyPI), its shipped model as is.

Reads JSON Lines {"text": "..."} on stdin and writes one {"flagged": bool} per input line, in
order: flagged = profanity_check.predict([text])[0] == 1 (the library's own 0.5 cut-off on its
linear SVM's calibrated probability). Texts are predicted in batches of 2,000.
Run with the venv that tests/eval/peers/install.sh makes:
    tests/eval/.venv/bin/python tests/eval/peers/profanity_check_peer.py < in.jsonl > out.jsonl
A line that is not a JSON object with a string "text" is an error (exit 1).
"""

import json
import sys

from profanity_check import predict

BATCH = 2000


def main() -> int:
    texts = []
    for n, line in enumerate(sys.stdin, 1):
        try:
            text = json.loads(line)["text"]
        except (ValueError, KeyError, TypeError) as e:
            print(f"profanity-check-peer: input line {n}: {e!r}", file=sys.stderr)
            return 1
        if not isinstance(text, str):
            print(f"profanity-check-peer: input line {n}: no string \"text\"", file=sys.stderr)
            return 1
        texts.append(text)
    out = sys.stdout
    for i in range(0, len(texts), BATCH):
        for flag in predict(texts[i:i + BATCH]):
            out.write('{"flagged": true}\n' if int(flag) == 1 else '{"flagged": false}\n')
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
