"""Tests of the metric code in evaluate.py on tiny synthetic corpora and a fake `lindungi`.

Run: python3 -m unittest discover -s tests/eval -v
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import stat
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import evaluate as ev  # noqa: E402

# A stand-in for `lindungi scan FILE`: keywords decide the verdict, so the expected numbers are
# known without the real rules.
#   MEAN  -> bullying medium (0.6)      NASTY -> bullying low (0.3)
#   LEWD  -> sexual high (0.85)         DARN  -> profanity low (0.3)
#   SECRET -> grooming medium (0.55)
# In a conversation, NASTY in two messages makes the conversation-level bullying medium.
FAKE_LINDUNGI = r'''
import json, sys
CUES = {"MEAN": ("bullying", "bullying.insult", 0.6), "NASTY": ("bullying", "bullying.insult", 0.3),
        "LEWD": ("sexual", "sexual.explicit", 0.85), "DARN": ("profanity", "profanity.swearing", 0.3),
        "SECRET": ("grooming", "grooming.secrecy", 0.55)}
def level(s):
    return "high" if s >= 0.8 else "medium" if s >= 0.5 else "low" if s >= 0.15 else "none"
def cats(scores):
    return [{"category": c, "level": level(s), "score": s} for c, s in scores.items() if s >= 0.15]
if sys.argv[1:2] == ["--version"]:
    print("lindungi 0.0.0-fake"); sys.exit(0)
assert sys.argv[1] == "scan", sys.argv
nasty = {}
with open(sys.argv[-1], encoding="utf-8") as f:
    for line in f:
        v = json.loads(line)
        text = v["text"]
        raw = text.encode("utf-8")
        scores, signals = {}, []
        for word, (cat, cue, w) in CUES.items():
            i = raw.find(word.encode())
            if i >= 0:
                scores[cat] = max(scores.get(cat, 0), w)
                signals.append({"category": cat, "cue": cue, "start": i, "end": i + len(word)})
        out = {"id": v["id"], "level": level(max(scores.values(), default=0)),
               "categories": cats(scores), "signals": signals}
        if "conversation" in v:
            assert v["direction"] == "unknown" and v["author"], v
            conv = v["conversation"]
            nasty[conv] = nasty.get(conv, 0) + ("NASTY" in text)
            cs = dict(scores)
            if nasty[conv] >= 2:
                cs["bullying"] = max(cs.get("bullying", 0), 0.55)
            out["conversation"] = {"level": level(max(cs.values(), default=0)), "categories": cats(cs)}
        print(json.dumps(out))
'''

README = """\
# Synthetic corpora

## Corpora

| name | lang | unit | rows | labels per split | licence | use | mapping | caveats | splits |
|---|---|---|---:|---|---|---|---|---|---|
| `t-msg` | en | message | 13 | test: bullying 4, none 4, profanity 3<br>dev: none 2 | MIT | train-ok | - | - | hash |
| `t-conv` | en | conversation | 5 | test: bullying 3, none 2 | none stated | eval-only | - | - | hash |
| `t-multi` | en | message + context | 5 | test: bullying 2, sexual 2, none 1 | CC BY 4.0 | train-ok | - | - | official |
| `t-benign` | id | message | 1,002 | test: none 4<br>train: none 998 | MIT | train-ok | - | - | hash |
| `t-pos` | en | message | 2 | test: bullying 2 | CC0 1.0 | eval-only | - | - | official |

## Sources

| not | a | corpus |
|---|---|---|
| x | y | z |
"""


def msg(corpus, n, label, text, split="test", lang="en", **extra):
    return {"id": f"{corpus}:{n}", "lang": lang, "text": text, "label": label,
            "source_label": label, "split": split, **extra}


def conv(corpus, n, label, texts, split="test"):
    return {"id": f"{corpus}:{n}", "lang": "en", "label": label, "source_label": label, "split": split,
            "messages": [{"author": "u1" if i % 2 == 0 else "u2", "text": t} for i, t in enumerate(texts)]}


CORPORA = {
    "t-msg": [
        msg("t-msg", 1, "bullying", "you are MEAN"),          # TP
        msg("t-msg", 2, "bullying", "plain words"),           # FN
        msg("t-msg", 3, "bullying", "a NASTY thing"),         # FN (low only)
        msg("t-msg", 4, "bullying", "so LEWD"),               # FN (wrong category)
        msg("t-msg", 5, "none", "hello there"),               # TN
        msg("t-msg", 6, "none", "café MEAN joke"),            # FP (byte offsets after é)
        msg("t-msg", 7, "none", "DARN it"),                   # TN: profanity is no warning
        msg("t-msg", 8, "none", "LEWD"),                      # FP
        msg("t-msg", 9, "profanity", "DARN"),                 # found, no warning
        msg("t-msg", 10, "profanity", "MEAN DARN"),           # warning and found
        msg("t-msg", 11, "profanity", "nothing"),             # neither
        msg("t-msg", 12, "none", "MEAN", split="dev"),        # other split
        msg("t-msg", 13, "none", "fine", split="dev"),
    ],
    "t-conv": [
        conv("t-conv", 1, "bullying", ["hi", "NASTY", "ok", "NASTY again"]),  # TP via conversation, at 4/4
        conv("t-conv", 2, "bullying", ["MEAN", "x"]),                         # TP at 1/2
        conv("t-conv", 3, "bullying", ["hi", "bye"]),                         # FN
        conv("t-conv", 4, "none", ["hello", "NASTY"]),                        # TN (low only)
        conv("t-conv", 5, "none", ["a", "b", "MEAN"]),                        # FP at 3/3
    ],
    "t-multi": [
        msg("t-multi", 1, "bullying", "MEAN", context=[{"author": "agent", "text": "LEWD"}]),  # TP; context ignored
        msg("t-multi", 2, "bullying", "LEWD"),   # FN for bullying, sexual flagged on a non-sexual row
        msg("t-multi", 3, "sexual", "LEWD"),     # TP
        msg("t-multi", 4, "sexual", "nope"),     # FN
        msg("t-multi", 5, "none", "ok", context=[{"author": "agent", "text": "MEAN"}]),  # TN
    ],
    "t-benign": [msg("t-benign", i, "none", t, lang="id") for i, t in
                 enumerate(["halo", "SECRET", "apa kabar", "baik"], 1)]
    + [msg("t-benign", i, "none", f"kalimat {i}", split="train", lang="id") for i in range(5, 1003)],
    "t-pos": [msg("t-pos", 1, "bullying", "MEAN"), msg("t-pos", 2, "bullying", "meh")],
}


class FlagAll(ev.System):
    """A category-blind peer: flags every row containing an upper-case word."""

    name = "shouty"

    def flag_rows(self, rows):
        return [any(w.isupper() and len(w) > 1 for w in ev.row_text(r).split()) for r in rows]


class EvaluateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        root = Path(cls.tmp.name)
        cls.corpora = root / "corpora"
        cls.corpora.mkdir()
        (cls.corpora / "README.md").write_text(README, encoding="utf-8")
        for name, rows in CORPORA.items():
            (cls.corpora / name).mkdir()
            with open(cls.corpora / name / "data.jsonl", "w", encoding="utf-8") as f:
                for r in rows:
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")
        cls.bin = root / "lindungi"
        cls.bin.write_text(f"#!{sys.executable}\n" + textwrap.dedent(FAKE_LINDUNGI), encoding="utf-8")
        cls.bin.chmod(cls.bin.stat().st_mode | stat.S_IEXEC)
        cls.out = root / "out"

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def args(self, *extra):
        return ev.parse_args(["--corpora", str(self.corpora), "--bin", str(self.bin),
                              "--out", str(self.out), *extra])

    def report(self, *extra, systems=None):
        return ev.run(self.args(*extra), systems=systems)

    def m(self, report, corpus, system="lindungi"):
        return report["corpora"][corpus]["systems"][system]

    # ---- README parsing

    def test_readme_table(self):
        table = ev.parse_readme_table(README)
        self.assertEqual(list(table), ["t-msg", "t-conv", "t-multi", "t-benign", "t-pos"])
        self.assertEqual(table["t-conv"]["use"], "eval-only")
        self.assertEqual(
            ev.parse_label_counts("train: bullying 995, profanity 13,420, none 2,924<br>dev: none 5"),
            {"train": {"bullying": 995, "profanity": 13420, "none": 2924}, "dev": {"none": 5}},
        )

    # ---- message corpus

    def test_message_corpus(self):
        m = self.m(self.report(), "t-msg")
        self.assertEqual(m["kind"], "harmful-vs-none")
        self.assertEqual((m["tp"], m["fn"], m["fp"], m["tn"]), (1, 3, 2, 2))
        self.assertAlmostEqual(m["precision"], 1 / 3)
        self.assertAlmostEqual(m["recall"], 1 / 4)
        self.assertAlmostEqual(m["f1"], 2 / 7)
        self.assertAlmostEqual(m["false_alarm_rate"], 2 / 4)
        self.assertEqual(m["false_alarm_categories"], {"bullying": 1, "sexual": 1})
        self.assertEqual(m["rows"], 11)  # the dev rows are not scanned

    def test_profanity_rows_are_apart(self):
        m = self.m(self.report(), "t-msg")
        self.assertEqual(m["profanity"], 3)
        p = m["profanity_rows"]
        self.assertEqual((p["any_warning"], p["profanity_found"]), (1, 2))
        self.assertEqual(m["harmful"] + m["none"], 8)

    def test_dev_split(self):
        m = self.m(self.report("--split", "dev", "--only", "t-msg"), "t-msg")
        self.assertEqual(m["kind"], "benign-only")
        self.assertEqual((m["fp"], m["none"]), (1, 2))
        self.assertIsNone(m["precision"])

    # ---- conversations

    def test_conversation_corpus(self):
        m = self.m(self.report(), "t-conv")
        self.assertEqual((m["tp"], m["fn"], m["fp"], m["tn"]), (2, 1, 1, 1))
        cv = m["conversation"]
        self.assertEqual(cv["messages"], 13)
        # First warnings of the true positives at 4/4 and 1/2 of the conversation.
        self.assertAlmostEqual(cv["first_warning_median_tp"], (1.0 + 0.5) / 2)
        self.assertAlmostEqual(cv["first_warning_median_fp"], 1.0)

    def test_conversation_lines(self):
        rows = CORPORA["t-conv"][:2]
        lines, ranges = ev.lindungi_lines(rows)
        self.assertEqual(ranges, [(0, 4), (4, 6)])
        first = json.loads(lines[4])
        self.assertEqual(first, {"id": 4, "text": "MEAN", "conversation": "t-conv:2",
                                 "author": "u1", "direction": "unknown"})
        # Context is never sent.
        lines, _ = ev.lindungi_lines(CORPORA["t-multi"][:1])
        self.assertEqual(json.loads(lines[0]), {"id": 0, "text": "MEAN"})

    # ---- several harmful labels

    def test_per_category(self):
        m = self.m(self.report(), "t-multi")
        self.assertEqual((m["tp"], m["fn"], m["fp"], m["tn"]), (2, 2, 0, 1))
        pc = m["per_category"]
        self.assertEqual((pc["bullying"]["rows"], pc["bullying"]["tp"], pc["bullying"]["fp"]), (2, 1, 0))
        self.assertEqual((pc["sexual"]["rows"], pc["sexual"]["tp"], pc["sexual"]["fp"]), (2, 1, 1))
        self.assertAlmostEqual(pc["sexual"]["precision"], 0.5)
        self.assertNotIn("per_category", self.m(self.report(), "t-msg"))

    # ---- benign-only and positive-only

    def test_benign_and_positive_only(self):
        r = self.report()
        b = self.m(r, "t-benign")
        self.assertEqual(b["kind"], "benign-only")
        self.assertAlmostEqual(b["false_alarm_rate"], 1 / 4)
        self.assertIsNone(b["recall"])
        p = self.m(r, "t-pos")
        self.assertEqual(p["kind"], "positive-only")
        self.assertAlmostEqual(p["recall"], 1 / 2)
        self.assertIsNone(p["precision"])
        self.assertIsNone(p["false_alarm_rate"])

    def test_languages(self):
        langs = self.report()["languages"]["lindungi"]
        en = langs["en"]
        # t-msg + t-conv + t-multi; t-pos (positive-only) left out of P/R/F1.
        self.assertEqual((en["tp"], en["fn"], en["fp"]), (1 + 2 + 2, 3 + 1 + 2, 2 + 1 + 0))
        self.assertEqual((en["false_alarms"], en["none"]), (3, 4 + 2 + 1))
        self.assertAlmostEqual(en["precision"], 5 / 8)
        self.assertAlmostEqual(en["recall"], 5 / 11)
        idn = langs["id"]
        self.assertEqual((idn["false_alarms"], idn["none"], idn["harmful"]), (1, 4, 0))
        self.assertIsNone(idn["precision"])

    # ---- options

    def test_sample_is_deterministic(self):
        a = ev.load_corpora(self.corpora, "train", {"t-benign"}, sample=10)[0][0].rows
        b = ev.load_corpora(self.corpora, "train", {"t-benign"}, sample=10)[0][0].rows
        self.assertEqual([r["id"] for r in a], [r["id"] for r in b])
        self.assertEqual(len(a), 10)
        every = ev.load_corpora(self.corpora, "train", {"t-benign"})[0][0].rows
        self.assertEqual([r["id"] for r in a], sorted((r["id"] for r in every), key=ev.id_hash)[:10])

    def test_train_ok_only(self):
        r = self.report("--train-ok-only")
        self.assertEqual(list(r["corpora"]), ["t-msg", "t-multi", "t-benign"])

    def test_stamp_and_readme_counts(self):
        r = self.report("--only", "t-pos")
        st = r["corpus_stamp"]
        self.assertEqual(st["rows"], 13 + 5 + 5 + 1002 + 2)
        self.assertEqual(st["readme_mismatches"], [])
        self.assertEqual(st["stamp"], self.report()["corpus_stamp"]["stamp"])

    def test_errors(self):
        m = self.m(self.report("--errors", "5"), "t-msg")
        fps = m["errors"]["false_positives"]
        self.assertEqual({e["id"] for e in fps}, {"t-msg:6", "t-msg:8"})
        six = next(e for e in fps if e["id"] == "t-msg:6")
        self.assertEqual(six["cues"], ['bullying.insult "MEAN"'])
        fns = m["errors"]["false_negatives"]
        self.assertEqual(len(fns), 3)
        self.assertEqual(fns[0]["id"], "t-msg:3")  # the near miss (bullying low) first

    def test_peer_system_side_by_side(self):
        r = self.report(systems=[ev.Lindungi(self.bin), FlagAll()])
        m = self.m(r, "t-msg", "shouty")
        # Category-blind: every upper-case row counts as flagged for its own label.
        self.assertEqual((m["tp"], m["fn"], m["fp"], m["tn"]), (3, 1, 3, 1))
        self.assertIsNone(m["profanity_rows"]["profanity_found"])
        self.assertEqual(m["profanity_rows"]["any_warning"], 2)
        md = ev.render_markdown(r)
        self.assertIn("shouty F1", md)
        self.assertIn("lindungi F1", md)

    def test_main_writes_outputs(self):
        argv = ["--corpora", str(self.corpora), "--bin", str(self.bin), "--out", str(self.out),
                "--errors", "2"]
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            self.assertEqual(ev.main(argv), 0)
        printed = buf.getvalue()
        self.assertIn("split **test**", printed)
        self.assertIn("commit `", printed)
        self.assertIn("| `t-msg` | en | train-ok | 4 | 4 | 33.3 | 25.0 | 28.6 | 50.0% (2/4) |", printed)
        data = json.loads((self.out / "results.json").read_text(encoding="utf-8"))
        self.assertEqual(data["split"], "test")
        self.assertIn("t-conv", data["corpora"])
        md = (self.out / "results.md").read_text(encoding="utf-8")
        self.assertIn("## Errors: `t-msg`", md)

    def test_scan_failure_is_loud(self):
        bad = Path(self.tmp.name) / "broken"
        bad.write_text(f"#!{sys.executable}\nimport sys\nsys.exit(1)\n", encoding="utf-8")
        bad.chmod(bad.stat().st_mode | stat.S_IEXEC)
        with self.assertRaises(RuntimeError):
            ev.Lindungi(bad).flag_rows(CORPORA["t-pos"])


if __name__ == "__main__":
    unittest.main()
