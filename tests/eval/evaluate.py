#!/usr/bin/env python3
"""Accuracy evaluation of Lindungi on the labelled corpora in ../shared/corpora.

Python 3.11 standard library only. Run from anywhere:

    python3 tests/eval/evaluate.py                      # test split, all corpora
    python3 tests/eval/evaluate.py --split dev --errors 5
    python3 tests/eval/evaluate.py --only en-convabuse,id-blob-chat-toxic --sample 200

Metric:
- a row is *flagged for a category* when that category reaches level medium or above;
- a harmful row (bullying, sexual, grooming, self_harm, personal_info) is a true positive when
  ITS label's category is flagged, otherwise a false negative;
- a none row is a false positive ("false alarm") when ANY non-profanity category is flagged;
- profanity rows are neither: reported apart (any warning at medium+, profanity found at low+);
- conversation rows (`messages`) are flagged when any message's message-level or
  conversation-level verdict flags them.

Peers (other tools, same rows, same metric; installed by tests/eval/peers/install.sh):
- `rustrict` (crates.io): tests/eval/peers/rustrict, flagged = `is_inappropriate()`
  (`Type::INAPPROPRIATE`, its default);
- `obscenity` (npm): tests/eval/peers/obscenity.mjs, `RegExpMatcher` with `englishDataset` and
  `englishRecommendedTransformers`, flagged = `hasMatch(text)`;
- `profanity-check` (PyPI alt-profanity-check, in tests/eval/.venv):
  tests/eval/peers/profanity_check_peer.py, flagged = `predict([text]) == 1`.
Peers know no categories: a flag counts as a hit for any harmful label and as a false alarm on
a none row; each message of a conversation is one text and the row is flagged when any is.
`--systems lindungi,rustrict,obscenity,profanity-check` picks systems (default: all; a peer that
is not installed is an error unless left out). The tables show every system side by side; a
"Targets" section judges the issue's targets for Lindungi; OUT/chart.svg draws F1 and
false-alarm rates; `--report PATH` writes the Markdown with the chart beside it (PATH's name
with .svg; default OUT/report.md with OUT/chart.svg). Other tools can be added as extra
`System`s (see `System` below).

    tests/eval/peers/install.sh && python3 tests/eval/evaluate.py --report docs/accuracy.md
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as _dt
import hashlib
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

SCRIPT_DIR = Path(__file__).resolve().parent
REPO_ROOT = SCRIPT_DIR.parent.parent
DEFAULT_CORPORA = REPO_ROOT.parent / "shared" / "corpora"
DEFAULT_BIN = REPO_ROOT / "target" / "release" / "lindungi"
DEFAULT_OUT = SCRIPT_DIR / "out"

HARMFUL = ("bullying", "sexual", "grooming", "self_harm", "personal_info")
PROFANITY = "profanity"
NONE = "none"
CATEGORIES = HARMFUL + (PROFANITY,)
LEVELS = {"none": 0, "low": 1, "medium": 2, "high": 3}
MEDIUM = LEVELS["medium"]
LOW = LEVELS["low"]
SPLITS = ("train", "dev", "test")


# --------------------------------------------------------------------------------------------
# Corpora


@dataclass
class CorpusInfo:
    """One corpus: its rows of the chosen split and what the README says about it."""

    name: str
    rows: list[dict]
    lang: str = "?"  # README 'lang' column, e.g. "en", "id", "id + en"
    use: str = "?"  # README 'use' column: train-ok / eval-only
    unit: str = "?"  # README 'unit' column
    total_rows: int = 0  # rows in data.jsonl, all splits


def parse_readme_table(readme_text: str) -> dict[str, dict[str, str]]:
    """The `## Corpora` table of the corpora README: name -> {column: cell}."""
    table: dict[str, dict[str, str]] = {}
    header: list[str] | None = None
    for line in readme_text.splitlines():
        line = line.strip()
        if not line.startswith("|"):
            if header is not None and table:
                break  # the first table ended
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if header is None:
            if "name" in cells and "use" in cells:
                header = cells
            continue
        if all(set(c) <= set(":- ") for c in cells):
            continue  # the |---| separator line
        row = dict(zip(header, cells))
        name = row.get("name", "").strip("`")
        if name:
            table[name] = row
    return table


def parse_label_counts(cell: str) -> dict[str, dict[str, int]]:
    """The README 'labels per split' cell: {split: {label: count}}."""
    out: dict[str, dict[str, int]] = {}
    for part in re.split(r"<br\s*/?>", cell):
        split, _, rest = part.partition(":")
        counts = {
            label: int(n.replace(",", ""))
            for label, n in re.findall(r"([a-z_]+)\s+(\d{1,3}(?:,\d{3})+|\d+)\b", rest)
        }
        if counts:
            out[split.strip()] = counts
    return out


def id_hash(row_id: str) -> str:
    return hashlib.sha1(row_id.encode("utf-8")).hexdigest()


def load_corpora(
    corpora_dir: Path,
    split: str,
    only: set[str] | None = None,
    sample: int | None = None,
    train_ok_only: bool = False,
) -> tuple[list[CorpusInfo], dict[str, Any]]:
    """Reads every corpus folder (in README order); returns the corpora and a version stamp."""
    readme_path = corpora_dir / "README.md"
    readme_bytes = readme_path.read_bytes() if readme_path.exists() else b""
    table = parse_readme_table(readme_bytes.decode("utf-8"))
    folders = sorted(p.parent.name for p in corpora_dir.glob("*/data.jsonl"))
    order = [n for n in table if n in folders] + [n for n in folders if n not in table]
    if only:
        unknown = only - set(folders)
        if unknown:
            raise SystemExit(f"--only: no such corpus: {', '.join(sorted(unknown))}")
    corpora: list[CorpusInfo] = []
    row_counts: dict[str, int] = {}
    mismatches: list[str] = []
    for name in order:
        meta = table.get(name, {})
        use = meta.get("use", "?")
        if only and name not in only:
            continue
        if train_ok_only and use != "train-ok":
            continue
        rows = []
        total = 0
        with open(corpora_dir / name / "data.jsonl", encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                total += 1
                row = json.loads(line)
                if row.get("split") == split:
                    rows.append(row)
        expected = parse_label_counts(meta.get("labels per split", "")).get(split)
        if expected is not None:
            got: dict[str, int] = {}
            for r in rows:
                got[r["label"]] = got.get(r["label"], 0) + 1
            if got != expected:
                mismatches.append(f"`{name}` {split}: README says {expected}, data.jsonl has {got}")
        if sample is not None:
            rows = sorted(rows, key=lambda r: id_hash(r["id"]))[:sample]
        corpora.append(
            CorpusInfo(
                name=name,
                rows=rows,
                lang=meta.get("lang", "?"),
                use=use,
                unit=meta.get("unit", "?"),
                total_rows=total,
            )
        )
    # The stamp covers every corpus folder, whatever --only / --train-ok-only selected.
    for name in folders:
        with open(corpora_dir / name / "data.jsonl", "rb") as f:
            row_counts[name] = sum(1 for line in f if line.strip())
    stamp_src = readme_bytes + "".join(f"\n{n} {c}" for n, c in sorted(row_counts.items())).encode()
    stamp = {
        "readme_sha256": hashlib.sha256(readme_bytes).hexdigest(),
        "stamp": hashlib.sha256(stamp_src).hexdigest()[:12],
        "row_counts": row_counts,
        "rows": sum(row_counts.values()),
        "readme_mismatches": mismatches,
    }
    return corpora, stamp


# --------------------------------------------------------------------------------------------
# Systems


@dataclass
class RowResult:
    """What a system said about one row.

    `levels` holds, per category, the highest level reached anywhere in the row (0..3);
    `agnostic` is set for systems that only say flagged / not flagged: then `flagged` is their
    answer for every non-profanity category and profanity is unknown.
    """

    levels: dict[str, int] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    cues: list[str] = field(default_factory=list)
    # Per category: index of the first message at which it reached medium (conversations).
    first: dict[str, int] = field(default_factory=dict)
    messages: int = 1
    agnostic: bool = False
    flagged: bool = False

    def flags(self, category: str) -> bool:
        """Is the row flagged (medium+) for this category?"""
        if self.agnostic:
            return self.flagged and category != PROFANITY
        return self.levels.get(category, 0) >= MEDIUM

    def warns(self) -> bool:
        """Any warning: a non-profanity category at medium+."""
        if self.agnostic:
            return self.flagged
        return any(self.levels.get(c, 0) >= MEDIUM for c in HARMFUL)

    def abusive(self) -> bool:
        """Abusive-vs-not: a harmful category at medium+ or profanity at low+ (a peer: flagged)."""
        if self.agnostic:
            return self.flagged
        return self.warns() or self.levels.get(PROFANITY, 0) >= LOW

    def profanity_found(self) -> bool | None:
        if self.agnostic:
            return None
        return self.levels.get(PROFANITY, 0) >= LOW

    def score(self, category: str | None) -> float:
        """For sorting errors: the label's score, or the highest warning score."""
        if category:
            return self.scores.get(category, 1.0 if self.flags(category) else 0.0)
        return max((self.scores.get(c, 0.0) for c in HARMFUL), default=0.0)

    def first_flag(self, category: str | None) -> int | None:
        """First message index at which the row became flagged (for its label, or any)."""
        if category:
            return self.first.get(category)
        found = [self.first[c] for c in HARMFUL if c in self.first]
        return min(found) if found else None


def to_result(value: bool | dict | RowResult) -> RowResult:
    """Normalises what a system's flag_rows returned for one row."""
    if isinstance(value, RowResult):
        return value
    if isinstance(value, bool):
        return RowResult(agnostic=True, flagged=value)
    if isinstance(value, dict):
        if "levels" not in value and "flagged" in value:
            return RowResult(agnostic=True, flagged=bool(value["flagged"]), cues=value.get("cues", []))
        levels = {
            c: (LEVELS[v] if isinstance(v, str) else int(v)) for c, v in value.get("levels", {}).items()
        }
        return RowResult(
            levels=levels,
            scores=dict(value.get("scores", {})),
            cues=list(value.get("cues", [])),
            first=dict(value.get("first", {})),
            messages=int(value.get("messages", 1)),
        )
    raise TypeError(f"a system returned {type(value).__name__} for a row")


class System:
    """A detector under evaluation. Subclasses set `name` and implement `flag_rows`.

    `flag_rows(rows)` gets the corpus rows (dicts in the corpora format, one corpus per call)
    and returns one entry per row, in order: either a bool (flagged / not flagged, for tools
    that know no categories) or a dict {"levels": {category: "none|low|medium|high" or 0..3},
    "scores": {...}?, "cues": [...]?, "first": {category: message index}?, "messages": n?}.
    """

    name = "system"

    def describe(self) -> str:
        return self.name

    def flag_rows(self, rows: list[dict]) -> list[bool | dict]:
        raise NotImplementedError


def lindungi_lines(rows: list[dict]) -> tuple[list[str], list[tuple[int, int]]]:
    """The scan input for `rows` and, per row, its [start, end) range of input lines."""
    lines: list[str] = []
    ranges: list[tuple[int, int]] = []
    for row in rows:
        start = len(lines)
        if "messages" in row:
            for i, m in enumerate(row["messages"]):
                lines.append(
                    json.dumps(
                        {
                            "id": len(lines),
                            "text": m["text"],
                            "conversation": row["id"],
                            "author": str(m.get("author", "")),
                            "direction": "unknown",
                        },
                        ensure_ascii=False,
                    )
                )
        else:
            # Message and segment rows alike: the whole text, without `context`.
            lines.append(json.dumps({"id": len(lines), "text": row["text"]}, ensure_ascii=False))
        ranges.append((start, len(lines)))
    return lines, ranges


def snippet(text: str, start: int, end: int) -> str:
    """The text at byte offsets [start, end)."""
    return text.encode("utf-8")[start:end].decode("utf-8", errors="replace")


def combine_lindungi(row: dict, outputs: list[dict]) -> dict:
    """One row's result from the scan output lines of its message(s)."""
    levels: dict[str, int] = {}
    scores: dict[str, float] = {}
    first: dict[str, int] = {}
    cues: list[str] = []
    texts = [m["text"] for m in row["messages"]] if "messages" in row else [row["text"]]
    for i, out in enumerate(outputs):
        verdicts = [out.get("categories", [])]
        if "conversation" in out:
            verdicts.append(out["conversation"].get("categories", []))
        for cats in verdicts:
            for c in cats:
                cat, lvl = c["category"], LEVELS.get(c["level"], 0)
                if lvl > levels.get(cat, 0):
                    levels[cat] = lvl
                scores[cat] = max(scores.get(cat, 0.0), float(c.get("score", 0.0)))
                if lvl >= MEDIUM and cat not in first:
                    first[cat] = i
        for s in out.get("signals", []):
            where = f"#{i} " if len(outputs) > 1 else ""
            cues.append(f'{where}{s["cue"]} "{snippet(texts[i], s["start"], s["end"])}"')
    return {"levels": levels, "scores": scores, "first": first, "cues": cues, "messages": len(outputs)}


class Lindungi(System):
    """The `lindungi scan` CLI: one process per corpus, input via a temporary file.
    `model=False` runs it with `--no-model` (the rules alone) as the system `lindungi-rules`."""

    name = "lindungi"

    def __init__(self, binary: Path, languages: str | None = None, model: bool = True):
        self.binary = Path(binary)
        self.languages = languages
        self.model = model
        self.name = "lindungi" if model else "lindungi-rules"

    def describe(self) -> str:
        try:
            version = subprocess.run(
                [str(self.binary), "--version"], capture_output=True, text=True, timeout=30
            ).stdout.strip()
        except OSError:
            version = "?"
        what = "" if self.model else ", rules alone (--no-model)"
        return f"{version or 'lindungi'} ({self.binary}{what})"

    def scan(self, lines: list[str]) -> list[dict]:
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".jsonl", delete=False) as f:
            f.write("\n".join(lines))
            f.write("\n")
            path = f.name
        try:
            cmd = [str(self.binary), "scan"]
            if self.languages:
                cmd += ["--languages", self.languages]
            if not self.model:
                cmd.append("--no-model")
            proc = subprocess.run(cmd + [path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        finally:
            os.unlink(path)
        out = proc.stdout.decode("utf-8").splitlines()
        if proc.returncode not in (0, 2) or len(out) != len(lines):
            raise RuntimeError(
                f"{self.binary} scan exited with {proc.returncode}, {len(out)} lines for "
                f"{len(lines)}: {proc.stderr.decode('utf-8', 'replace')[:2000]}"
            )
        results = []
        for i, text in enumerate(out):
            value = json.loads(text)
            if "error" in value:
                raise RuntimeError(f"lindungi refused input line {value.get('line')}: {value['error']}")
            if value.get("id") != i:
                raise RuntimeError(f"lindungi output out of order at line {i + 1}: id {value.get('id')}")
            results.append(value)
        return results

    def flag_rows(self, rows: list[dict]) -> list[dict]:
        lines, ranges = lindungi_lines(rows)
        outputs = self.scan(lines) if lines else []
        return [combine_lindungi(row, outputs[a:b]) for row, (a, b) in zip(rows, ranges)]


# --------------------------------------------------------------------------------------------
# Peers: other tools, run on the same rows. They know no categories: each says flagged or not.

PEERS_DIR = SCRIPT_DIR / "peers"
VENV_PYTHON = SCRIPT_DIR / ".venv" / "bin" / "python"
INSTALL_HINT = "run tests/eval/peers/install.sh (or leave it out with --systems)"


def peer_lines(rows: list[dict]) -> tuple[list[str], list[tuple[int, int]]]:
    """A peer's input: one {"text"} line per message (conversations) or per text (message and
    segment rows; `context` is not sent), and each row's [start, end) range of lines."""
    lines: list[str] = []
    ranges: list[tuple[int, int]] = []
    for row in rows:
        start = len(lines)
        texts = [m["text"] for m in row["messages"]] if "messages" in row else [row["text"]]
        for t in texts:
            lines.append(json.dumps({"text": t}, ensure_ascii=False))
        ranges.append((start, len(lines)))
    return lines, ranges


class CommandPeer(System):
    """A peer run as one process that reads JSON Lines {"text"} on stdin and writes one
    {"flagged": bool} per line on stdout. A row is flagged when any of its lines is (for a
    conversation: any message), like Lindungi's any-message rule. `batch_corpora`: run() gives
    it every corpus's rows in one call, so the process (and its model) starts once."""

    batch_corpora = True

    def __init__(self, name: str, cmd: list[str], cwd: Path | None = None,
                 needs: Iterable[Path] = (), version: str = "?", summary: str = ""):
        self.name = name
        self.cmd = [str(c) for c in cmd]
        self.cwd = cwd
        self.needs = [Path(p) for p in needs]
        self.version = version
        self.summary = summary

    def missing(self) -> str | None:
        """Why the peer cannot run (not installed), or None."""
        for p in self.needs:
            if not p.exists():
                return f"{p} not found"
        return None

    def describe(self) -> str:
        return f"{self.version}; {self.summary}" if self.summary else self.version

    def flag_rows(self, rows: list[dict]) -> list[bool]:
        lines, ranges = peer_lines(rows)
        if not lines:
            return [False] * len(rows)
        proc = subprocess.run(self.cmd, cwd=self.cwd, input=("\n".join(lines) + "\n").encode("utf-8"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out = proc.stdout.decode("utf-8").splitlines()
        if proc.returncode != 0 or len(out) != len(lines):
            raise RuntimeError(
                f"peer {self.name} ({shlex.join(self.cmd)}) exited with {proc.returncode}, "
                f"{len(out)} lines for {len(lines)}: {proc.stderr.decode('utf-8', 'replace')[:2000]}"
            )
        flags = []
        for i, text in enumerate(out):
            value = json.loads(text)
            if not isinstance(value, dict) or not isinstance(value.get("flagged"), bool):
                raise RuntimeError(f"peer {self.name}: output line {i + 1} is not {{\"flagged\": bool}}: {text[:200]}")
            flags.append(value["flagged"])
        return [any(flags[a:b]) for a, b in ranges]


def cargo_lock_version(lock: Path, package: str) -> str:
    try:
        m = re.search(rf'name = "{re.escape(package)}"\nversion = "([^"]+)"', lock.read_text(encoding="utf-8"))
    except OSError:
        return "?"
    return m.group(1) if m else "?"


def npm_version(package: str) -> str:
    try:
        return json.loads((REPO_ROOT / "node_modules" / package / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return "?"


def venv_version(dist: str) -> str:
    for d in (SCRIPT_DIR / ".venv").glob(f"lib/python*/site-packages/{dist.replace('-', '_')}-*.dist-info"):
        return d.name[len(dist) + 1: -len(".dist-info")]
    return "?"


def rustrict_peer() -> CommandPeer:
    crate = PEERS_DIR / "rustrict"
    binary = crate / "target" / "release" / "lindungi-peer-rustrict"
    return CommandPeer(
        "rustrict", [binary], needs=[binary],
        version=f"rustrict {cargo_lock_version(crate / 'Cargo.lock', 'rustrict')} (crates.io)",
        summary="flagged = `is_inappropriate()`, i.e. `Type::INAPPROPRIATE` (rustrict's default: "
                "profane, offensive or sexual at any severity, or mean at severe)")


def obscenity_peer() -> CommandPeer:
    return CommandPeer(
        "obscenity", ["node", PEERS_DIR / "obscenity.mjs"], cwd=REPO_ROOT,
        needs=[REPO_ROOT / "node_modules" / "obscenity" / "package.json"],
        version=f"obscenity {npm_version('obscenity')} (npm)",
        summary="flagged = `RegExpMatcher` with `englishDataset.build()` and "
                "`englishRecommendedTransformers`, `hasMatch(text)`")


def profanity_check_peer() -> CommandPeer:
    package = next((SCRIPT_DIR / ".venv").glob("lib/python*/site-packages/profanity_check"),
                   SCRIPT_DIR / ".venv" / "lib" / "python3" / "site-packages" / "profanity_check")
    return CommandPeer(
        "profanity-check", [VENV_PYTHON, PEERS_DIR / "profanity_check_peer.py"],
        needs=[VENV_PYTHON, package],
        version=f"alt-profanity-check {venv_version('alt-profanity-check')} (PyPI, shipped model)",
        summary="flagged = `predict([text]) == 1` (TF-IDF + LinearSVC, sigmoid-calibrated "
                "`CalibratedClassifierCV`: the class with the higher probability)")


# Peer name -> factory; the order is the report's column order after lindungi.
PEER_FACTORIES: dict[str, Any] = {
    "rustrict": rustrict_peer,
    "obscenity": obscenity_peer,
    "profanity-check": profanity_check_peer,
}
SYSTEM_NAMES = ("lindungi", "lindungi-rules", *PEER_FACTORIES)


# --------------------------------------------------------------------------------------------
# Metrics


def ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def prf(tp: int, fp: int, fn: int) -> dict[str, float | None]:
    p = ratio(tp, tp + fp)
    r = ratio(tp, tp + fn)
    if tp:
        f1 = 2 * p * r / (p + r)
    else:
        f1 = 0.0 if tp + fn else None  # nothing found: F1 is 0 even when P is undefined
    return {"precision": p, "recall": r, "f1": f1}


def row_text(row: dict) -> str:
    if "messages" in row:
        return " | ".join(f'{m.get("author", "?")}: {m["text"]}' for m in row["messages"])
    return row["text"]


def evaluate_corpus(corpus: CorpusInfo, results: list[RowResult], errors: int = 0) -> dict:
    """All numbers for one corpus and one system."""
    rows = corpus.rows
    assert len(rows) == len(results), (corpus.name, len(rows), len(results))
    labels = sorted({r["label"] for r in rows})
    harmful_labels = [l for l in HARMFUL if l in labels]
    n_harm = sum(1 for r in rows if r["label"] in HARMFUL)
    n_none = sum(1 for r in rows if r["label"] == NONE)
    n_prof = sum(1 for r in rows if r["label"] == PROFANITY)
    tp = fn = fp = tn = 0
    fps: list[tuple[dict, RowResult]] = []
    fns: list[tuple[dict, RowResult]] = []
    first_tp: list[float] = []
    first_fp: list[float] = []
    per_lang: dict[str, dict[str, int]] = {}
    prof_warn = prof_found = 0
    fa_cats: dict[str, int] = {}
    prof_found_known = True
    for row, res in zip(rows, results):
        label = row["label"]
        counts = per_lang.setdefault(row.get("lang", "?"), {"tp": 0, "fn": 0, "fp": 0, "tn": 0})
        conv = "messages" in row
        if label in HARMFUL:
            if res.flags(label):
                tp += 1
                counts["tp"] += 1
                idx = res.first_flag(label)
                if conv and idx is not None:
                    first_tp.append((idx + 1) / max(1, len(row["messages"])))
            else:
                fn += 1
                counts["fn"] += 1
                fns.append((row, res))
        elif label == NONE:
            if res.warns():
                fp += 1
                for cat in HARMFUL:
                    if res.flags(cat) and not res.agnostic:
                        fa_cats[cat] = fa_cats.get(cat, 0) + 1
                counts["fp"] += 1
                fps.append((row, res))
                idx = res.first_flag(None)
                if conv and idx is not None:
                    first_fp.append((idx + 1) / max(1, len(row["messages"])))
            else:
                tn += 1
                counts["tn"] += 1
        elif label == PROFANITY:
            prof_warn += res.warns()
            found = res.profanity_found()
            if found is None:
                prof_found_known = False
            else:
                prof_found += found
    if n_harm and n_none:
        kind = "harmful-vs-none"
    elif n_harm:
        kind = "positive-only"
    elif n_none:
        kind = "benign-only"
    else:
        kind = "profanity-only" if n_prof else "empty"
    out: dict[str, Any] = {
        "kind": kind,
        "rows": len(rows),
        "harmful": n_harm,
        "none": n_none,
        "profanity": n_prof,
        "labels": {l: sum(1 for r in rows if r["label"] == l) for l in labels},
        "tp": tp,
        "fn": fn,
        "fp": fp,
        "tn": tn,
        "false_alarm_rate": ratio(fp, n_none),
        "false_alarm_categories": fa_cats,
        "by_lang": per_lang,
    }
    out.update(prf(tp, fp, fn) if kind == "harmful-vs-none" else {
        "precision": None, "recall": ratio(tp, n_harm), "f1": None,
    })
    if n_prof and n_none:
        # Abusive-vs-not: harmful and profanity rows are positives, none rows negatives.
        atp = sum(1 for r, s in zip(rows, results) if r["label"] != NONE and s.abusive())
        afp = sum(1 for r, s in zip(rows, results) if r["label"] == NONE and s.abusive())
        out["abusive"] = {"positives": n_harm + n_prof, "none": n_none, "tp": atp, "fp": afp,
                          "false_alarm_rate": ratio(afp, n_none),
                          **prf(atp, afp, n_harm + n_prof - atp)}
    if n_prof:
        out["profanity_rows"] = {
            "any_warning": prof_warn,
            "any_warning_rate": ratio(prof_warn, n_prof),
            "profanity_found": prof_found if prof_found_known else None,
            "profanity_found_rate": ratio(prof_found, n_prof) if prof_found_known else None,
        }
    if len(harmful_labels) > 1:
        # Per category: recall on rows of that label; precision against every other non-profanity
        # row where that category was flagged.
        per_cat = {}
        for cat in harmful_labels:
            ctp = sum(1 for r, s in zip(rows, results) if r["label"] == cat and s.flags(cat))
            cn = sum(1 for r in rows if r["label"] == cat)
            cfp = sum(
                1 for r, s in zip(rows, results)
                if r["label"] not in (cat, PROFANITY) and s.flags(cat)
            )
            per_cat[cat] = {"rows": cn, "tp": ctp, "fp": cfp, **prf(ctp, cfp, cn - ctp)}
        out["per_category"] = per_cat
    if any("messages" in r for r in rows):
        out["conversation"] = {
            "messages": sum(len(r.get("messages", [])) for r in rows),
            "first_warning_median_tp": statistics.median(first_tp) if first_tp else None,
            "first_warning_median_fp": statistics.median(first_fp) if first_fp else None,
            "tp_with_position": len(first_tp),
        }
    if errors:
        def label_cat(row):
            return row["label"] if row["label"] in HARMFUL else None

        def show(row, res):
            text = row_text(row)
            return {
                "id": row["id"],
                "label": row["label"],
                "source_label": row.get("source_label"),
                "text": text if len(text) <= 200 else text[:200] + "…",
                "levels": {c: l for c, l in res.levels.items() if l},
                "cues": res.cues[:12],
            }
        # Most confident false alarms first; near-misses first among the false negatives.
        fps.sort(key=lambda x: (-x[1].score(None), id_hash(x[0]["id"])))
        fns.sort(key=lambda x: (-x[1].score(label_cat(x[0])), id_hash(x[0]["id"])))
        out["errors"] = {
            "false_positives": [show(r, s) for r, s in fps[:errors]],
            "false_negatives": [show(r, s) for r, s in fns[:errors]],
        }
    return out


def row_langs(corpus: CorpusInfo) -> list[str]:
    return sorted({r.get("lang", "?") for r in corpus.rows})


def summarise_languages(corpora: list[CorpusInfo], per_corpus: dict[str, dict]) -> dict[str, dict]:
    """Micro-average per row language: P/R/F1 over harmful-vs-none corpora, false alarms over
    every corpus with none rows."""
    langs: dict[str, dict[str, int]] = {}
    for c in corpora:
        m = per_corpus[c.name]
        for lang, k in m["by_lang"].items():
            s = langs.setdefault(lang, {"tp": 0, "fn": 0, "fp": 0, "tn": 0, "fa": 0, "none": 0,
                                        "corpora": 0})
            s["corpora"] += 1
            s["fa"] += k["fp"]
            s["none"] += k["fp"] + k["tn"]
            if m["kind"] == "harmful-vs-none":
                for key in ("tp", "fn", "fp", "tn"):
                    s[key] += k[key]
    out = {}
    for lang, s in sorted(langs.items()):
        out[lang] = {
            "corpora": s["corpora"],
            "harmful": s["tp"] + s["fn"],
            "none": s["none"],
            "tp": s["tp"], "fn": s["fn"], "fp": s["fp"],
            **prf(s["tp"], s["fp"], s["fn"]),
            "false_alarms": s["fa"],
            "false_alarm_rate": ratio(s["fa"], s["none"]),
        }
    return out


# --------------------------------------------------------------------------------------------
# Targets (from the issue); evaluated for Lindungi, with the peers beside it.

TARGET_BENIGN = ("en-dailydialog-subset", "en-human-conversation-convassist", "id-stif-informal",
                 "id-indonlu-emot", "id-nusax-senti")
TARGET_BENIGN_MAX_FA = 0.01
TARGET_ABUSIVE = "id-abusive-ibrohim2018"
TARGET_ABUSIVE_MIN_F1 = 0.83  # strictly above
TARGET_STATED = ("id-multilabel-ibrohim", "id-blob-chat-toxic")
TARGET_PAN12 = "pan12-vtpan-val-constien"
TARGET_PAN12_MIN_F1 = 0.85
TARGET_PAN12_MAX_FA = 0.02


def evaluate_targets(report: dict) -> dict:
    """Each target: {"target", "corpus", "lindungi", "peers", "status"} with status
    met / missed / stated / not run. Empty when Lindungi is not among the systems."""
    names = [s["name"] for s in report["systems"]]
    if "lindungi" not in names:
        return {"items": [], "summary": []}
    peers = [n for n in names if n not in ("lindungi", "lindungi-rules")]
    corpora = report["corpora"]
    items: list[dict] = []

    def sysm(cname: str, n: str) -> dict:
        return corpora[cname]["systems"][n]

    def peer_text(cname: str, key: str, sub: str | None = None) -> str:
        vals = []
        for n in peers:
            m = sysm(cname, n)
            v = (m.get(sub) or {}).get(key) if sub else m.get(key)
            vals.append(f"{n} {pct(v)}")
        return ", ".join(vals) or "–"

    # 1. English harmful-vs-none: Lindungi's F1 above every peer's.
    en = [c for c, e in corpora.items() if e["lang"] == "en" and e["kind"] == "harmful-vs-none"]
    for cname in en:
        f1 = sysm(cname, "lindungi")["f1"]
        best = max((sysm(cname, n)["f1"] or 0.0 for n in peers), default=None)
        status = "not run" if best is None else ("met" if (f1 or 0.0) > best else "missed")
        items.append({"target": "F1 above every peer (English harmful-vs-none)", "corpus": cname,
                      "lindungi": f"F1 {pct(f1)}", "peers": peer_text(cname, "f1"), "status": status})
    # 2. Benign corpora: false alarms at most 1 %.
    for cname in TARGET_BENIGN:
        if cname not in corpora:
            items.append({"target": "false alarms ≤ 1% (benign)", "corpus": cname, "lindungi": "–",
                          "peers": "–", "status": "not run"})
            continue
        m = sysm(cname, "lindungi")
        rate = m["false_alarm_rate"]
        items.append({"target": "false alarms ≤ 1% (benign)", "corpus": cname,
                      "lindungi": frac(m["fp"], m["none"]),
                      "peers": peer_text(cname, "false_alarm_rate"),
                      "status": "met" if rate is not None and rate <= TARGET_BENIGN_MAX_FA else "missed"})
    # 3. Indonesian abusive-vs-not.
    if TARGET_ABUSIVE in corpora and sysm(TARGET_ABUSIVE, "lindungi").get("abusive"):
        a = sysm(TARGET_ABUSIVE, "lindungi")["abusive"]
        items.append({"target": "abusive-vs-not F1 > 0.83", "corpus": TARGET_ABUSIVE,
                      "lindungi": f"F1 {pct(a['f1'])} (P {pct(a['precision'])}, R {pct(a['recall'])})",
                      "peers": peer_text(TARGET_ABUSIVE, "f1", "abusive"),
                      "status": "met" if (a["f1"] or 0.0) > TARGET_ABUSIVE_MIN_F1 else "missed"})
    else:
        items.append({"target": "abusive-vs-not F1 > 0.83", "corpus": TARGET_ABUSIVE, "lindungi": "–",
                      "peers": "–", "status": "not run"})
    # 4. Stated only.
    for cname in TARGET_STATED:
        if cname not in corpora:
            items.append({"target": "F1 stated", "corpus": cname, "lindungi": "–", "peers": "–",
                          "status": "not run"})
            continue
        m = sysm(cname, "lindungi")
        items.append({"target": "F1 stated", "corpus": cname,
                      "lindungi": f"F1 {pct(m['f1'])} (P {pct(m['precision'])}, R {pct(m['recall'])}); "
                                  f"false alarms {frac(m['fp'], m['none'])}",
                      "peers": peer_text(cname, "f1"), "status": "stated"})
    # 5. PAN12.
    if TARGET_PAN12 in corpora:
        m = sysm(TARGET_PAN12, "lindungi")
        ok = (m["f1"] or 0.0) >= TARGET_PAN12_MIN_F1 and (m["false_alarm_rate"] or 0.0) <= TARGET_PAN12_MAX_FA
        items.append({"target": "PAN12 F1 ≥ 0.85 and false alarms ≤ 2%", "corpus": TARGET_PAN12,
                      "lindungi": f"F1 {pct(m['f1'])}; false alarms {frac(m['fp'], m['none'])}",
                      "peers": peer_text(TARGET_PAN12, "f1"), "status": "met" if ok else "missed"})
    else:
        items.append({"target": "PAN12 F1 ≥ 0.85 and false alarms ≤ 2%", "corpus": TARGET_PAN12,
                      "lindungi": "–", "peers": "–", "status": "not run"})

    summary = []
    for target in dict.fromkeys(i["target"] for i in items):
        group = [i for i in items if i["target"] == target]
        statuses = {i["status"] for i in group}
        if statuses == {"stated"}:
            status = "stated"
        elif "not run" in statuses:
            status = "not run"
        elif statuses == {"met"}:
            status = "met"
        else:
            status = "missed"
        missed = [i["corpus"] for i in group if i["status"] == "missed"]
        summary.append({"target": target, "status": status, "corpora": len(group), "missed": missed})
    return {"items": items, "summary": summary}


# --------------------------------------------------------------------------------------------
# Report


def pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}"


def frac(num: int, den: int) -> str:
    return "–" if not den else f"{100 * num / den:.1f}% ({num:,}/{den:,})"


def md_table(header: list[str], rows: list[list[str]], right_from: int = 1) -> list[str]:
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join("---" if i < right_from else "---:" for i in range(len(header))) + "|")
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def best_marked(values: list[float | None], fmt, higher: bool = True) -> list[str]:
    """Formats values, the best one(s) in bold (only when there are two or more to compare)."""
    known = [v for v in values if v is not None]
    best = (max if higher else min)(known) if len(known) > 1 else None
    return [fmt(v) if v is None or best is None or round(v, 6) != round(best, 6) else f"**{fmt(v)}**"
            for v in values]


def render_markdown(report: dict, chart: str | None = None) -> str:
    systems = report["systems"]
    names = [s["name"] for s in systems]
    with_categories = [s["name"] for s in systems if s.get("categories", True)]
    multi = len(names) > 1
    corpora = report["corpora"]
    L: list[str] = []
    L.append(f"# Lindungi accuracy evaluation — split `{report['split']}`")
    L.append("")
    L.append(f"`{report['command']}`  ")
    st = report["corpus_stamp"]
    L.append(
        f"split **{report['split']}** · {report['date']} · commit `{report['commit']}` · corpora "
        f"`{st['stamp']}` (README sha256 `{st['readme_sha256'][:12]}`, {st['rows']:,} rows in "
        f"{len(st['row_counts'])} corpora; {sum(c['rows'] for c in corpora.values()):,} rows scanned)"
        + (f" · **sample {report['sample']} per corpus**" if report.get("sample") else "")
    )
    L.append("")
    L.append("systems:")
    L.append("")
    for s in systems:
        L.append(f"- `{s['name']}`: {s['description']}")
    L.append("")
    L.append(
        "Flagged = a category at level medium or above. P/R/F1: harmful rows are positives "
        "(true positive when the row's own category is flagged), none rows negatives (false alarm "
        "when any non-profanity category is flagged). Percentages."
        + (" Peers know no categories: for a peer, a flag counts as a hit for any harmful label "
           "and as a false alarm on a none row." if len(with_categories) < len(names) else "")
    )
    L.append("")
    if chart:
        L.append(f"![F1 and false-alarm rate per corpus and system]({chart})")
        L.append("")

    # Main table.
    if not multi:
        header = ["corpus", "lang", "use", "harmful", "none", "P", "R", "F1", "false alarms"]
        rows = []
        for cname, c in corpora.items():
            m = c["systems"][names[0]]
            rows.append([f"`{cname}`", c["lang"], c["use"], f"{c['harmful']:,}", f"{c['none']:,}",
                         pct(m["precision"]), pct(m["recall"]), pct(m["f1"]), frac(m["fp"], m["none"])])
        L += md_table(header, rows, right_from=3)
        L.append("")
    else:
        L.append("### F1 and false alarms, side by side (best in bold)")
        L.append("")
        L.append("F1 on corpora with harmful and none rows (recall on positive-only ones, in "
                 "italics); false alarms: % of none rows flagged (count).")
        L.append("")
        header = ["corpus", "lang", "use", "harmful", "none"]
        header += [f"{n} F1" for n in names] + [f"{n} false alarms" for n in names]
        rows = []
        for cname, c in corpora.items():
            ms = [c["systems"][n] for n in names]
            r = [f"`{cname}`", c["lang"], c["use"], f"{c['harmful']:,}", f"{c['none']:,}"]
            if c["kind"] == "positive-only":
                r += [f"*R {pct(m['recall'])}*" for m in ms]
            else:
                r += best_marked([m["f1"] for m in ms], pct)
            r += best_marked([m["false_alarm_rate"] for m in ms],
                             lambda v: "–" if v is None else f"{100 * v:.1f}", higher=False)
            if c["none"]:
                r[-len(names):] = [f"{x} ({m['fp']:,})" for x, m in zip(r[-len(names):], ms)]
            rows.append(r)
        L += md_table(header, rows, right_from=3)
        L.append("")
        L.append("### Precision and recall, side by side")
        L.append("")
        L.append("Baseline: F1 of a system that flags every row (its precision is the harmful "
                 "share of harmful+none rows); a P near that share means the flags are no better "
                 "than chance.")
        L.append("")
        header = ["corpus", "flag-all F1"] + [f"{n} {k}" for n in names for k in ("P", "R")]
        rows = []
        for cname, c in corpora.items():
            if not c["harmful"]:
                continue
            h, n0 = c["harmful"], c["none"]
            r = [f"`{cname}`", pct(2 * h / (2 * h + n0)) if n0 else "–"]
            for n in names:
                m = c["systems"][n]
                r += [pct(m["precision"]), pct(m["recall"])]
            rows.append(r)
        L += md_table(header, rows)
        L.append("")

    # Languages.
    L.append("### Per language (micro-average over rows of that language; P/R/F1 from harmful-vs-none corpora only)")
    L.append("")
    langs = sorted({l for s in report["languages"].values() for l in s})
    rows = []
    if not multi:
        header = ["lang", "harmful", "none", "P", "R", "F1", "false alarms"]
    else:
        header = ["lang", "harmful", "none"] + [f"{n} P / R / F1" for n in names] + \
                 [f"{n} false alarms" for n in names]
    for lang in langs:
        first = report["languages"][names[0]][lang]
        r = [lang, f"{first['harmful']:,}", f"{first['none']:,}"]
        ss = [report["languages"][n][lang] for n in names]
        if not multi:
            s = ss[0]
            r += [pct(s["precision"]), pct(s["recall"]), pct(s["f1"]), frac(s["false_alarms"], s["none"])]
        else:
            f1s = best_marked([s["f1"] for s in ss], pct)
            r += [f"{pct(s['precision'])} / {pct(s['recall'])} / {f}" for s, f in zip(ss, f1s)]
            r += [frac(s["false_alarms"], s["none"]) for s in ss]
        rows.append(r)
    L += md_table(header, rows)
    L.append("")

    # Abusive-vs-not.
    ab_rows = []
    for cname, c in corpora.items():
        ms = [c["systems"][n].get("abusive") for n in names]
        if not ms[0]:
            continue
        r = [f"`{cname}`", c["lang"], f"{ms[0]['positives']:,}", f"{ms[0]['none']:,}"]
        f1s = best_marked([m["f1"] for m in ms], pct)
        r += [f"{pct(m['precision'])} / {pct(m['recall'])} / {f}" for m, f in zip(ms, f1s)]
        r += [frac(m["fp"], m["none"]) for m in ms]
        ab_rows.append(r)
    if ab_rows:
        L.append("### Abusive vs not (harmful and profanity rows are positives, none rows negatives)")
        L.append("")
        L.append("Lindungi: a row is flagged when a harmful category is at medium or above OR "
                 "profanity is at low or above; a peer: when it flags the row.")
        L.append("")
        prefix = (lambda n: f"{n} ") if multi else (lambda n: "")
        header = ["corpus", "lang", "abusive rows", "none"] + [f"{prefix(n)}P / R / F1" for n in names] \
            + [f"{prefix(n)}false alarms" for n in names]
        L += md_table(header, ab_rows, right_from=2)
        L.append("")

    # Targets.
    targets = report.get("targets") or {}
    if targets.get("items"):
        L.append("### Targets")
        L.append("")
        L.append(f"The issue's targets, for Lindungi on split `{report['split']}`"
                 + (" (**a sample, not the full split**)" if report.get("sample") else "")
                 + f". \"Abusive\" on `{TARGET_ABUSIVE}`: bullying and profanity rows vs none rows; "
                 "Lindungi flags a row when a harmful category is at medium or above or profanity "
                 "at low or above. Peers: a flag counts for any harmful label.")
        L.append("")
        for s in targets["summary"]:
            extra = f" (missed on {', '.join(f'`{c}`' for c in s['missed'])})" if s["missed"] else ""
            count = f"{s['corpora']} corpus" if s["corpora"] == 1 else f"{s['corpora']} corpora"
            L.append(f"- **{s['status']}**: {s['target']} — {count}{extra}")
        L.append("")
        rows = [[t["target"], f"`{t['corpus']}`", t["lindungi"], t["peers"], f"**{t['status']}**"]
                for t in targets["items"]]
        L += md_table(["target", "corpus", "lindungi", "peers", "status"], rows, right_from=5)
        L.append("")

    # What the false alarms were.
    fa_rows = []
    for cname, c in corpora.items():
        for n in with_categories:
            m = c["systems"][n]
            if m["fp"] and m["false_alarm_categories"]:
                cats = ", ".join(f"{k} {v}" for k, v in sorted(m["false_alarm_categories"].items(),
                                                               key=lambda kv: -kv[1]))
                fa_rows.append([f"`{cname}`", n, f"{m['fp']:,}", cats])
    if fa_rows:
        L.append("### False alarms by category (a row can count in several)")
        L.append("")
        L += md_table(["corpus", "system", "false alarms", "categories at medium+"], fa_rows, right_from=2)
        L[-len(fa_rows) - 1] = "|---|---|---:|---|"
        L.append("")

    # Per category.
    cat_rows = []
    for cname, c in corpora.items():
        for n in with_categories:
            pc = c["systems"][n].get("per_category")
            if not pc:
                continue
            for cat, m in pc.items():
                cat_rows.append([f"`{cname}`", n, cat, f"{m['rows']:,}", pct(m["recall"]),
                                 pct(m["precision"]), str(m["fp"])])
    if cat_rows:
        L.append("### Per category (corpora with several harmful labels)")
        L.append("")
        L += md_table(["corpus", "system", "category", "rows", "R", "P", "flagged on other rows"],
                      cat_rows, right_from=3)
        L.append("")

    # Profanity.
    prof_rows = []
    for cname, c in corpora.items():
        if not c["profanity"]:
            continue
        r = [f"`{cname}`", c["lang"], f"{c['profanity']:,}"]
        for n in names:
            p = c["systems"][n]["profanity_rows"]
            r.append(frac(p["any_warning"], c["profanity"]))
            if n in with_categories:
                r.append("–" if p["profanity_found"] is None else frac(p["profanity_found"], c["profanity"]))
        prof_rows.append(r)
    if prof_rows:
        L.append("### Profanity rows (untargeted swearing; neither positives nor negatives)")
        L.append("")
        header = ["corpus", "lang", "rows"]
        for n in names:
            prefix = f"{n} " if len(names) > 1 else ""
            if n in with_categories:
                header += [f"{prefix}any warning (medium+)", f"{prefix}profanity found (low+)"]
            else:
                header += [f"{prefix}flagged"]
        L += md_table(header, prof_rows, right_from=2)
        L.append("")

    # Conversations.
    conv_rows = []
    for cname, c in corpora.items():
        for n in names:
            cv = c["systems"][n].get("conversation")
            if not cv:
                continue
            conv_rows.append([
                f"`{cname}`", n, f"{c['rows']:,}", f"{cv['messages']:,}",
                f"{c['systems'][n]['tp']}/{c['harmful']}" if c["harmful"] else "–",
                f"{c['systems'][n]['fp']}/{c['none']}" if c["none"] else "–",
                pct(cv["first_warning_median_tp"]), pct(cv["first_warning_median_fp"]),
            ])
    if conv_rows:
        L.append("### Conversations: when the first warning came")
        L.append("")
        L.append("Position of the first message whose message- or conversation-level verdict "
                 "flagged the conversation, as % of its messages (median; 100 = at the last message).")
        L.append("")
        L += md_table(["corpus", "system", "conversations", "messages", "harmful flagged",
                       "none flagged", "median first warning, harmful", "median first warning, none"],
                      conv_rows, right_from=2)
        L.append("")

    L.append("Notes:")
    for note in report["notes"]:
        L.append(f"- {note}")
    L.append("")
    return "\n".join(L)


def render_errors(report: dict) -> str:
    L = []
    for cname, c in report["corpora"].items():
        for n, m in c["systems"].items():
            e = m.get("errors")
            if not e or not (e["false_positives"] or e["false_negatives"]):
                continue
            L.append(f"## Errors: `{cname}` — {n}")
            for kind, title in (("false_positives", "false positives"), ("false_negatives", "false negatives")):
                if not e[kind]:
                    continue
                L.append(f"### {title}")
                for x in e[kind]:
                    levels = ", ".join(f"{k}={lv}" for k, lv in
                                       ((k, [*LEVELS][v]) for k, v in x["levels"].items())) or "nothing"
                    L.append(f"- `{x['id']}` [{x['label']}; {x['source_label']}] → {levels}")
                    L.append(f"  > {json.dumps(x['text'], ensure_ascii=False)}")
                    if x["cues"]:
                        L.append("  cues: " + "; ".join(x["cues"]))
            L.append("")
    return "\n".join(L)


# --------------------------------------------------------------------------------------------
# Chart (hand-written SVG)

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000")


def nice_max(value: float) -> float:
    """The smallest of 1, 2, 5, 10, 20, 25, 50, 100 (percent) at or above `value` (percent)."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100):
        if value <= step:
            return float(step)
    return float(value)


def render_svg(report: dict, width: int = 1000) -> str:
    """Grouped horizontal bars, one colour per system: F1 on harmful-vs-none corpora (top) and
    the false-alarm rate on every corpus with none rows (bottom)."""
    from xml.sax.saxutils import escape

    names = [s["name"] for s in report["systems"]]
    colours = {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(names)}
    corpora = report["corpora"]
    f1_corpora = [c for c, e in corpora.items() if e["kind"] == "harmful-vs-none"]
    fa_corpora = [c for c, e in corpora.items() if e["none"]]
    label_w, left, right = 280, 292, width - 50
    bar_h, group_gap = 11, 14
    group_h = bar_h * len(names) + group_gap
    out: list[str] = []

    def text(x, y, s, size=12, anchor="start", weight="normal", fill="#222", extra=""):
        out.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
                   f'font-weight="{weight}" fill="{fill}"{extra}>{escape(s)}</text>')

    y = 0.0
    title = "Lindungi and peer tools: F1 and false-alarm rate per corpus"
    sub = (f"split {report['split']} · commit {report['commit']} · corpora {report['corpus_stamp']['stamp']}"
           f" · {report['date'][:10]}" + (f" · sample {report['sample']} per corpus" if report.get("sample") else ""))
    text(width / 2, 28, title, size=20, anchor="middle", weight="bold")
    text(width / 2, 48, sub, size=12, anchor="middle", fill="#555")
    # Legend.
    lx = 20.0
    items = [(n, 7 * len(n) + 40) for n in names]
    lx = (width - sum(w for _, w in items)) / 2
    for n, w in items:
        out.append(f'<rect x="{lx:.1f}" y="62" width="14" height="14" fill="{colours[n]}"/>')
        text(lx + 20, 74, n, size=13)
        lx += w
    y = 100.0

    def panel(title: str, xlabel: str, cnames: list[str], value, vmax: float, marked=(), note=""):
        nonlocal y
        text(20, y + 14, title, size=15, weight="bold")
        y += 26
        top = y + 16
        height = group_h * len(cnames)
        scale = (right - left) / vmax
        # Grid and ticks (top and bottom).
        for i in range(6):
            v = vmax * i / 5
            x = left + v * scale
            out.append(f'<line x1="{x:.1f}" y1="{top - 4:.1f}" x2="{x:.1f}" y2="{top + height:.1f}" '
                       f'stroke="#ddd" stroke-width="1"/>')
            lbl = f"{v:g}"
            text(x, top - 7, lbl, size=11, anchor="middle", fill="#555")
            text(x, top + height + 15, lbl, size=11, anchor="middle", fill="#555")
        out.append(f'<line x1="{left}" y1="{top - 4:.1f}" x2="{left}" y2="{top + height:.1f}" '
                   f'stroke="#444" stroke-width="1"/>')
        for gi, cname in enumerate(cnames):
            gy = top + gi * group_h + group_gap / 2
            text(label_w, gy + bar_h * len(names) / 2 + 4, cname + (" *" if cname in marked else ""),
                 size=12, anchor="end", weight="bold" if cname in marked else "normal")
            if gi:
                out.append(f'<line x1="20" y1="{gy - group_gap / 2:.1f}" x2="{right}" '
                           f'y2="{gy - group_gap / 2:.1f}" stroke="#eee" stroke-width="1"/>')
            for si, n in enumerate(names):
                v = value(corpora[cname]["systems"][n])
                by = gy + si * bar_h
                if v is None:
                    text(left + 4, by + bar_h - 2, "–", size=10, fill="#555")
                    continue
                w = max(0.0, min(v, vmax) * scale)
                out.append(f'<rect x="{left}" y="{by:.1f}" width="{w:.1f}" height="{bar_h - 1}" '
                           f'fill="{colours[n]}"><title>{escape(f"{cname} · {n}: {v:.1f}")}</title></rect>')
                text(left + w + 4, by + bar_h - 2, f"{v:.1f}", size=10, fill="#333")
        text((left + right) / 2, top + height + 32, xlabel, size=13, anchor="middle")
        if note and any(c in marked for c in cnames):
            text(20, top + height + 50, note, size=11, fill="#555")
            y = top + height + 66
        else:
            y = top + height + 50

    def f1(m):
        return None if m["f1"] is None else 100 * m["f1"]

    def fa(m):
        return None if m["false_alarm_rate"] is None else 100 * m["false_alarm_rate"]

    if f1_corpora:
        panel("F1 on corpora with harmful and none rows (higher is better)", "F1 (%)",
              f1_corpora, f1, 100.0)
    if fa_corpora:
        top_fa = max((fa(corpora[c]["systems"][n]) or 0.0 for c in fa_corpora for n in names), default=1.0)
        panel("False-alarm rate on none rows (lower is better)",
              "false alarms (% of the corpus's none rows flagged)", fa_corpora, fa, nice_max(top_fa),
              marked=TARGET_BENIGN,
              note=f"* benign corpora with a target of at most {100 * TARGET_BENIGN_MAX_FA:g}% false alarms")
    if not (f1_corpora or fa_corpora):
        text(width / 2, y + 20, "no corpus with harmful or none rows in this run", size=13, anchor="middle")
        y += 40
    height = int(y + 10)
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">')
    return "\n".join([head, f'<rect width="{width}" height="{height}" fill="#fff"/>', *out, "</svg>", ""])


# --------------------------------------------------------------------------------------------
# Main


def git_commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT,
                              capture_output=True, text=True, timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=REPO_ROOT, capture_output=True, text=True, timeout=30).stdout.strip()
        return (head or "unknown") + ("-dirty" if dirty else "")
    except OSError:
        return "unknown"


def ensure_binary(binary: Path) -> None:
    if binary.exists():
        newest = max((p.stat().st_mtime for d in ("crate/rules", "crate/src")
                      for p in (REPO_ROOT / d).rglob("*") if p.is_file()), default=0)
        if binary == DEFAULT_BIN and newest > binary.stat().st_mtime:
            print(f"warning: {binary} is older than crate/rules or crate/src; "
                  "run `cargo build --release -p lindungi` to evaluate the current rules",
                  file=sys.stderr)
        return
    if binary != DEFAULT_BIN:
        raise SystemExit(f"--bin {binary}: no such file")
    print("building: cargo build --release -p lindungi", file=sys.stderr)
    proc = subprocess.run(["cargo", "build", "--release", "-p", "lindungi"], cwd=REPO_ROOT)
    if proc.returncode != 0 or not binary.exists():
        raise SystemExit("cargo build failed; if the rule files are mid-edit, build against a seed "
                         "set: LINDUNGI_RULES=/path/to/rules cargo build --release -p lindungi")


def build_systems(args: argparse.Namespace) -> list[System]:
    """The systems named by --systems (default: all), checked to be installed."""
    names = [n.strip() for n in (args.systems or ",".join(SYSTEM_NAMES)).split(",") if n.strip()]
    unknown = [n for n in names if n not in SYSTEM_NAMES]
    if unknown or not names:
        raise SystemExit(f"--systems: unknown {', '.join(unknown) or '(none given)'}; "
                         f"choose from {','.join(SYSTEM_NAMES)}")
    systems: list[System] = []
    missing = []
    for name in dict.fromkeys(names):
        if name in ("lindungi", "lindungi-rules"):
            binary = Path(args.bin)
            if not binary.is_absolute():
                binary = (REPO_ROOT / binary) if not binary.exists() else binary.resolve()
            ensure_binary(binary)
            systems.append(Lindungi(binary, args.languages, model=name == "lindungi"))
            continue
        peer = PEER_FACTORIES[name]()
        why = peer.missing()
        if why:
            missing.append(f"{name}: {why}")
        systems.append(peer)
    if missing:
        raise SystemExit("peer not installed: " + "; ".join(missing) + f"; {INSTALL_HINT}")
    return systems


def run(args: argparse.Namespace, systems: list[System] | None = None, argv: list[str] | None = None) -> dict:
    started = time.monotonic()
    corpora_dir = Path(args.corpora).resolve()
    only = {n.strip() for n in args.only.split(",") if n.strip()} if args.only else None
    corpora, stamp = load_corpora(corpora_dir, args.split, only, args.sample, args.train_ok_only)
    if systems is None:
        systems = build_systems(args)

    # Lindungi: one process per corpus; a peer with `batch_corpora`: one process for all corpora.
    # Several at a time.
    jobs = {}
    raw: dict[tuple[str, str], list] = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(2, min(8, os.cpu_count() or 1))) as pool:
        for system in systems:
            if getattr(system, "batch_corpora", False):
                every = [r for c in corpora for r in c.rows]
                jobs[(system.name, None)] = pool.submit(system.flag_rows, every)
            else:
                for c in corpora:
                    jobs[(system.name, c.name)] = pool.submit(system.flag_rows, c.rows)
        for (sname, cname), f in jobs.items():
            values = f.result()
            if cname is not None:
                raw[(sname, cname)] = values
                continue
            if len(values) != sum(len(c.rows) for c in corpora):
                raise RuntimeError(f"{sname} returned {len(values)} results for "
                                   f"{sum(len(c.rows) for c in corpora)} rows")
            start = 0
            for c in corpora:
                raw[(sname, c.name)] = values[start:start + len(c.rows)]
                start += len(c.rows)

    report: dict[str, Any] = {
        "command": " ".join(shlex.quote(a) for a in ["python3", "tests/eval/evaluate.py", *(argv or [])]),
        "split": args.split,
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "commit": git_commit(),
        "corpora_dir": str(corpora_dir),
        "corpus_stamp": stamp,
        "sample": args.sample,
        "systems": [{"name": s.name, "description": s.describe(), "categories": True} for s in systems],
        "corpora": {},
        "languages": {},
    }
    per_system_corpus: dict[str, dict[str, dict]] = {s.name: {} for s in systems}
    for c in corpora:
        entry = {"lang": c.lang, "use": c.use, "unit": c.unit, "row_langs": row_langs(c),
                 "rows": len(c.rows), "systems": {}}
        for s, sd in zip(systems, report["systems"]):
            results = [to_result(v) for v in raw[(s.name, c.name)]]
            if results and all(r.agnostic for r in results):
                sd["categories"] = False
            m = evaluate_corpus(c, results, args.errors)
            per_system_corpus[s.name][c.name] = m
            entry["systems"][s.name] = m
        any_m = entry["systems"][systems[0].name]
        entry.update(harmful=any_m["harmful"], none=any_m["none"], profanity=any_m["profanity"],
                     kind=any_m["kind"], labels=any_m["labels"])
        report["corpora"][c.name] = entry
    for s in systems:
        report["languages"][s.name] = summarise_languages(corpora, per_system_corpus[s.name])
    report["targets"] = evaluate_targets(report)

    notes = []
    names = {c.name for c in corpora}
    if "en-convabuse" in names:
        notes.append("`en-convabuse`: only the user's `text` is scanned; its `context` (preceding "
                     "agent/user turns) is ignored.")
    if "pan12-vtpan-val-constien" in names:
        notes.append("`pan12-vtpan-val-constien`: each segment is scanned as one text (turns joined "
                     "without authors), not as a conversation.")
    conv = [c.name for c in corpora if any("messages" in r for r in c.rows)]
    if conv:
        notes.append("Conversation corpora (" + ", ".join(f"`{n}`" for n in conv) + "): every message "
                     "is one line with the row id as `conversation`, its author, direction "
                     "\"unknown\"; a row is flagged when any message's message- or "
                     "conversation-level verdict is.")
    pos_only = [c.name for c in corpora if report["corpora"][c.name]["kind"] == "positive-only"]
    if pos_only:
        notes.append("Positive-only corpora (" + ", ".join(f"`{n}`" for n in pos_only) + ") give "
                     "recall only and are left out of the per-language P/R/F1.")
    mixed = [c.name for c in corpora if len(row_langs(c)) > 1]
    if mixed:
        notes.append("Per-language figures go by each row's `lang`; " + ", ".join(f"`{n}`" for n in mixed)
                     + " contributes to several languages.")
    peers = [s["name"] for s in report["systems"] if not s["categories"]]
    if peers:
        notes.append("Peers (" + ", ".join(f"`{n}`" for n in peers) + ") know no categories: a peer "
                     "flag counts as a hit for any harmful label and as a false alarm on a none row; "
                     "each message of a conversation is sent as its own text and the row is flagged "
                     "when any is; they are left out of the per-category and false-alarm-category "
                     "tables.")
    notes.append("Labels are the corpora's own mappings (see the corpora README): most 'bullying' "
                 "rows are hate speech or insults to groups and public figures, not peer bullying.")
    for m in stamp["readme_mismatches"]:
        notes.append("**Row counts differ from the corpora README:** " + m)
    notes.append(f"Run time {time.monotonic() - started:.1f} s.")
    report["notes"] = notes
    return report


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpora", default=str(DEFAULT_CORPORA),
                   help="corpora folder (default: ../shared/corpora beside the repository root)")
    p.add_argument("--split", choices=SPLITS, default="test")
    p.add_argument("--bin", default=str(DEFAULT_BIN),
                   help="lindungi binary (default: target/release/lindungi, built when missing)")
    p.add_argument("--languages", default=None, help="pass --languages to lindungi scan")
    p.add_argument("--only", default=None, help="comma-separated corpus names")
    p.add_argument("--sample", type=int, default=None,
                   help="at most N rows per corpus (deterministic: lowest sha1 of id)")
    p.add_argument("--errors", type=int, default=0,
                   help="print the top N false positives and false negatives per corpus")
    p.add_argument("--out", default=str(DEFAULT_OUT), help="where results.json and results.md go")
    p.add_argument("--train-ok-only", action="store_true",
                   help="only corpora whose README 'use' column is train-ok")
    p.add_argument("--systems", default=None,
                   help=f"comma-separated systems to run (default: all: {','.join(SYSTEM_NAMES)}); "
                        "a peer that is not installed is an error: tests/eval/peers/install.sh")
    p.add_argument("--report", default=None,
                   help="also write the Markdown report (tables, targets, chart link) to this file, "
                        "with the chart beside it as <name>.svg (default: OUT/report.md, "
                        "chart OUT/chart.svg)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    report = run(args, argv=argv)
    errors_md = render_errors(report) if args.errors else ""
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    svg = render_svg(report)
    (out / "chart.svg").write_text(svg, encoding="utf-8")
    md = render_markdown(report, chart="chart.svg")
    (out / "results.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n",
                                      encoding="utf-8")
    (out / "results.md").write_text(md + ("\n" + errors_md if errors_md else ""), encoding="utf-8")
    # The report: the same Markdown (no error listings), its chart beside it, linked relatively.
    report_path = Path(args.report) if args.report else out / "report.md"
    report_path.parent.mkdir(parents=True, exist_ok=True)
    if report_path.resolve().parent == out.resolve():
        chart_name = "chart.svg"
    else:
        chart_name = report_path.with_suffix(".svg").name
        (report_path.parent / chart_name).write_text(svg, encoding="utf-8")
    report_path.write_text(render_markdown(report, chart=chart_name), encoding="utf-8")
    if report_path.resolve().parent != out.resolve():
        # The figures for machines beside the report (no error listings: they quote corpus text).
        figures = json.loads(json.dumps(report))
        for corpus in figures.get("corpora", []):
            if isinstance(corpus, dict):
                corpus.pop("errors", None)
                for system in corpus.values():
                    if isinstance(system, dict):
                        system.pop("errors", None)
        report_path.with_suffix(".json").write_text(
            json.dumps(figures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    try:
        print(md)
        if errors_md:
            print(errors_md)
        sys.stdout.flush()
    except BrokenPipeError:  # `evaluate.py | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
