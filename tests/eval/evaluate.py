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

Other tools can be added as extra `System`s (see `System` below); the tables show every system
side by side.
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
    """The `lindungi scan` CLI: one process per corpus, input via a temporary file."""

    name = "lindungi"

    def __init__(self, binary: Path, languages: str | None = None):
        self.binary = Path(binary)
        self.languages = languages

    def describe(self) -> str:
        try:
            version = subprocess.run(
                [str(self.binary), "--version"], capture_output=True, text=True, timeout=30
            ).stdout.strip()
        except OSError:
            version = "?"
        return f"{version or 'lindungi'} ({self.binary})"

    def scan(self, lines: list[str]) -> list[dict]:
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".jsonl", delete=False) as f:
            f.write("\n".join(lines))
            f.write("\n")
            path = f.name
        try:
            cmd = [str(self.binary), "scan"]
            if self.languages:
                cmd += ["--languages", self.languages]
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


def render_markdown(report: dict) -> str:
    systems = report["systems"]
    names = [s["name"] for s in systems]
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
    L.append("systems: " + "; ".join(f"`{s['name']}` = {s['description']}" for s in systems))
    L.append("")
    L.append(
        "Flagged = a category at level medium or above. P/R/F1: harmful rows are positives "
        "(true positive when the row's own category is flagged), none rows negatives (false alarm "
        "when any non-profanity category is flagged). Percentages."
    )
    L.append("")

    # Main table.
    header = ["corpus", "lang", "use", "harmful", "none"]
    for n in names:
        prefix = f"{n} " if len(names) > 1 else ""
        header += [f"{prefix}P", f"{prefix}R", f"{prefix}F1", f"{prefix}false alarms"]
    rows = []
    for cname, c in corpora.items():
        r = [f"`{cname}`", c["lang"], c["use"], f"{c['harmful']:,}", f"{c['none']:,}"]
        for n in names:
            m = c["systems"][n]
            r += [pct(m["precision"]), pct(m["recall"]), pct(m["f1"]), frac(m["fp"], m["none"])]
        rows.append(r)
    L += md_table(header, rows, right_from=3)
    L.append("")

    # Languages.
    L.append("### Per language (micro-average over rows of that language; P/R/F1 from harmful-vs-none corpora only)")
    L.append("")
    header = ["lang", "harmful", "none"]
    for n in names:
        prefix = f"{n} " if len(names) > 1 else ""
        header += [f"{prefix}P", f"{prefix}R", f"{prefix}F1", f"{prefix}false alarms"]
    langs = sorted({l for s in report["languages"].values() for l in s})
    rows = []
    for lang in langs:
        first = report["languages"][names[0]][lang]
        r = [lang, f"{first['harmful']:,}", f"{first['none']:,}"]
        for n in names:
            s = report["languages"][n][lang]
            r += [pct(s["precision"]), pct(s["recall"]), pct(s["f1"]),
                  frac(s["false_alarms"], s["none"])]
        rows.append(r)
    L += md_table(header, rows)
    L.append("")

    # What the false alarms were.
    fa_rows = []
    for cname, c in corpora.items():
        for n in names:
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
        for n in names:
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
            r.append("–" if p["profanity_found"] is None else frac(p["profanity_found"], c["profanity"]))
        prof_rows.append(r)
    if prof_rows:
        L.append("### Profanity rows (untargeted swearing; neither positives nor negatives)")
        L.append("")
        header = ["corpus", "lang", "rows"]
        for n in names:
            prefix = f"{n} " if len(names) > 1 else ""
            header += [f"{prefix}any warning (medium+)", f"{prefix}profanity found (low+)"]
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


def run(args: argparse.Namespace, systems: list[System] | None = None, argv: list[str] | None = None) -> dict:
    started = time.monotonic()
    corpora_dir = Path(args.corpora).resolve()
    only = {n.strip() for n in args.only.split(",") if n.strip()} if args.only else None
    corpora, stamp = load_corpora(corpora_dir, args.split, only, args.sample, args.train_ok_only)
    if systems is None:
        binary = Path(args.bin)
        if not binary.is_absolute():
            binary = (REPO_ROOT / binary) if not binary.exists() else binary.resolve()
        ensure_binary(binary)
        systems = [Lindungi(binary, args.languages)]

    # One process per corpus and system, several at a time.
    jobs = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, min(8, os.cpu_count() or 1))) as pool:
        for system in systems:
            for c in corpora:
                jobs[(system.name, c.name)] = pool.submit(system.flag_rows, c.rows)
        raw = {k: f.result() for k, f in jobs.items()}

    report: dict[str, Any] = {
        "command": " ".join(shlex.quote(a) for a in ["python3", "tests/eval/evaluate.py", *(argv or [])]),
        "split": args.split,
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "commit": git_commit(),
        "corpora_dir": str(corpora_dir),
        "corpus_stamp": stamp,
        "sample": args.sample,
        "systems": [{"name": s.name, "description": s.describe()} for s in systems],
        "corpora": {},
        "languages": {},
    }
    per_system_corpus: dict[str, dict[str, dict]] = {s.name: {} for s in systems}
    for c in corpora:
        entry = {"lang": c.lang, "use": c.use, "unit": c.unit, "row_langs": row_langs(c),
                 "rows": len(c.rows), "systems": {}}
        for s in systems:
            results = [to_result(v) for v in raw[(s.name, c.name)]]
            m = evaluate_corpus(c, results, args.errors)
            per_system_corpus[s.name][c.name] = m
            entry["systems"][s.name] = m
        any_m = entry["systems"][systems[0].name]
        entry.update(harmful=any_m["harmful"], none=any_m["none"], profanity=any_m["profanity"],
                     kind=any_m["kind"], labels=any_m["labels"])
        report["corpora"][c.name] = entry
    for s in systems:
        report["languages"][s.name] = summarise_languages(corpora, per_system_corpus[s.name])

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
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    report = run(args, argv=argv)
    md = render_markdown(report)
    errors_md = render_errors(report) if args.errors else ""
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n",
                                      encoding="utf-8")
    (out / "results.md").write_text(md + ("\n" + errors_md if errors_md else ""), encoding="utf-8")
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
