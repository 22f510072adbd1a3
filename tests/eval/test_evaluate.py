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
# With --no-model (the rules alone), what stands for the learned scorer's find is missed.
if "--no-model" in sys.argv:
    del CUES["LEWD"]
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

# A stand-in peer: reads {"text"} lines, flags a text with an upper-case word of 2+ letters.
FAKE_PEER = r'''
import json, sys
for line in sys.stdin:
    text = json.loads(line)["text"]
    print(json.dumps({"flagged": any(w.isupper() and len(w) > 1 for w in text.split())}))
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
        if "--systems" not in extra:
            extra = ("--systems", "lindungi", *extra)
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
                "--errors", "2", "--systems", "lindungi"]
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


    # ---- peers

    def fake_peer(self, name="fakepeer", script=FAKE_PEER):
        path = Path(self.tmp.name) / f"{name}.py"
        path.write_text(textwrap.dedent(script), encoding="utf-8")
        return ev.CommandPeer(name, [sys.executable, path], needs=[path], version=f"{name} 1.0",
                              summary="flags upper-case words")

    def test_peer_lines(self):
        rows = [CORPORA["t-conv"][1], CORPORA["t-multi"][0], CORPORA["t-pos"][1]]
        lines, ranges = ev.peer_lines(rows)
        self.assertEqual(ranges, [(0, 2), (2, 3), (3, 4)])
        self.assertEqual([json.loads(l) for l in lines],
                         [{"text": "MEAN"}, {"text": "x"}, {"text": "MEAN"}, {"text": "meh"}])

    def test_command_peer(self):
        peer = self.fake_peer()
        self.assertIsNone(peer.missing())
        # Any message of a conversation flags the row; context is not sent.
        self.assertEqual(peer.flag_rows(CORPORA["t-conv"]), [True, True, False, True, True])
        self.assertEqual(peer.flag_rows(CORPORA["t-multi"][4:]), [False])
        self.assertEqual(peer.flag_rows([]), [])
        self.assertIn("fakepeer 1.0", peer.describe())
        gone = ev.CommandPeer("gone", ["true"], needs=[Path(self.tmp.name) / "nope"])
        self.assertIn("nope", gone.missing())

    def test_command_peer_failure_is_loud(self):
        short = self.fake_peer("short", "import sys\nsys.stdin.read()\nprint('{\"flagged\": true}')\n")
        with self.assertRaisesRegex(RuntimeError, "1 lines for 2"):
            short.flag_rows(CORPORA["t-pos"])
        crash = self.fake_peer("crash", "import sys\nsys.exit(3)\n")
        with self.assertRaisesRegex(RuntimeError, "exited with 3"):
            crash.flag_rows(CORPORA["t-pos"])
        bad = self.fake_peer("bad", "import sys\nfor l in sys.stdin: print('{\"flagged\": 1}')\n")
        with self.assertRaisesRegex(RuntimeError, "not"):
            bad.flag_rows(CORPORA["t-pos"])

    def test_peer_batched_over_corpora(self):
        calls = []

        class Counting(ev.CommandPeer):
            def flag_rows(self, rows):
                calls.append(len(rows))
                return super().flag_rows(rows)

        peer = self.fake_peer()
        counting = Counting("fakepeer", peer.cmd, needs=peer.needs)
        r = self.report(systems=[ev.Lindungi(self.bin), counting])
        self.assertEqual(calls, [11 + 5 + 5 + 4 + 2])  # one process for every corpus
        m = self.m(r, "t-msg", "fakepeer")
        # Upper-case rows: 1, 3, 4 (bullying) hit; 6, 7, 8 (none) false alarms.
        self.assertEqual((m["tp"], m["fn"], m["fp"], m["tn"]), (3, 1, 3, 1))
        self.assertEqual(self.m(r, "t-conv", "fakepeer")["tp"], 2)
        self.assertEqual(self.m(r, "t-benign", "fakepeer")["fp"], 1)
        self.assertEqual(self.m(r, "t-pos", "fakepeer")["tp"], 1)
        sd = {s["name"]: s for s in r["systems"]}
        self.assertTrue(sd["lindungi"]["categories"])
        self.assertFalse(sd["fakepeer"]["categories"])

    def test_rules_alone_beside_the_model(self):
        r = self.report("--systems", "lindungi,lindungi-rules")
        names = [s["name"] for s in r["systems"]]
        self.assertEqual(names, ["lindungi", "lindungi-rules"])
        self.assertIn("--no-model", r["systems"][1]["description"])
        tp = lambda n: sum(c["systems"][n]["tp"] or 0 for c in r["corpora"].values())
        self.assertGreater(tp("lindungi"), tp("lindungi-rules"))
        # Both know categories: the rules alone are not a peer.
        self.assertTrue(all(s["categories"] for s in r["systems"]))
        text = ev.render_markdown(r)
        self.assertIn("lindungi-rules", text)

    def test_systems_option(self):
        peer = self.fake_peer()
        missing = ev.CommandPeer("missing", ["true"], needs=[Path(self.tmp.name) / "not-installed"])
        factories = {"fakepeer": lambda: peer, "missing": lambda: missing}
        old = ev.PEER_FACTORIES, ev.SYSTEM_NAMES
        ev.PEER_FACTORIES, ev.SYSTEM_NAMES = factories, ("lindungi", *factories)
        try:
            # Default: every system, so a peer that is not installed is an error ...
            with self.assertRaises(SystemExit) as e:
                ev.build_systems(ev.parse_args(["--bin", str(self.bin)]))
            self.assertIn("missing", str(e.exception))
            self.assertIn("install.sh", str(e.exception))
            # ... unless --systems leaves it out.
            got = ev.build_systems(ev.parse_args(["--bin", str(self.bin), "--systems", "lindungi,fakepeer"]))
            self.assertEqual([s.name for s in got], ["lindungi", "fakepeer"])
            got = ev.build_systems(ev.parse_args(["--bin", str(self.bin), "--systems", "fakepeer"]))
            self.assertEqual([s.name for s in got], ["fakepeer"])
            with self.assertRaisesRegex(SystemExit, "unknown nosuch"):
                ev.build_systems(ev.parse_args(["--bin", str(self.bin), "--systems", "lindungi,nosuch"]))
            r = self.report("--systems", "lindungi,fakepeer")
            self.assertEqual([s["name"] for s in r["systems"]], ["lindungi", "fakepeer"])
        finally:
            ev.PEER_FACTORIES, ev.SYSTEM_NAMES = old

    def test_real_peer_factories(self):
        # Whether or not they are installed, the factories describe the commands.
        for name, factory in ev.PEER_FACTORIES.items():
            peer = factory()
            self.assertEqual(peer.name, name)
            self.assertTrue(peer.batch_corpora)
            self.assertTrue(peer.describe())
        self.assertEqual(ev.SYSTEM_NAMES, ("lindungi", "lindungi-rules", "rustrict", "obscenity", "profanity-check"))

    def test_side_by_side_tables(self):
        r = self.report(systems=[ev.Lindungi(self.bin), self.fake_peer()])
        md = ev.render_markdown(r)
        self.assertIn("| corpus | lang | use | harmful | none | lindungi F1 | fakepeer F1 | "
                      "lindungi false alarms | fakepeer false alarms |", md)
        # t-msg: lindungi F1 28.6, peer P 3/6, R 3/4 -> F1 60.0 (bold, best); false alarms 2 vs 3.
        self.assertIn("| `t-msg` | en | train-ok | 4 | 4 | 28.6 | **60.0** | **50.0** (2) | 75.0 (3) |", md)
        self.assertIn("| `t-benign` | id | train-ok | 0 | 4 | – | – | **25.0** (1) | **25.0** (1) |", md)
        # Positive-only corpora show recall, in italics.
        self.assertIn("| `t-pos` | en | eval-only | 2 | 0 | *R 50.0* | *R 50.0* | – | – |", md)
        self.assertIn("| corpus | flag-all F1 | lindungi P | lindungi R | fakepeer P | fakepeer R |", md)
        # Flag-all on t-msg: P 4/8, R 1 -> F1 2/3.
        self.assertIn("| `t-msg` | 66.7 | 33.3 | 25.0 | 50.0 | 75.0 |", md)
        self.assertIn("| `t-pos` | – | – | 50.0 | – | 50.0 |", md)
        # Per language, per system.
        self.assertIn("lindungi P / R / F1 | fakepeer P / R / F1 | lindungi false alarms | "
                      "fakepeer false alarms |", md)
        # Profanity rows: the peer has one column (flagged), no "profanity found".
        self.assertIn("fakepeer flagged", md)
        self.assertNotIn("fakepeer profanity found", md)
        # Per-category and false-alarm-category tables are Lindungi's only.
        per_cat = md.split("### Per category")[1].split("###")[0]
        self.assertIn("| `t-multi` | lindungi | sexual |", per_cat)
        self.assertNotIn("fakepeer", per_cat)
        self.assertIn("a flag counts as a hit for any harmful label", md)

    def test_abusive_metric(self):
        r = self.report(systems=[ev.Lindungi(self.bin), self.fake_peer()])
        a = self.m(r, "t-msg")["abusive"]
        # Positives: 4 bullying + 3 profanity rows. Lindungi: MEAN, LEWD (medium+), DARN, MEAN DARN
        # (profanity low+) -> 4; none rows: café MEAN, DARN it, LEWD -> 3 of 4.
        self.assertEqual((a["positives"], a["none"], a["tp"], a["fp"]), (7, 4, 4, 3))
        self.assertAlmostEqual(a["f1"], 4 / 7)
        p = self.m(r, "t-msg", "fakepeer")["abusive"]
        # The peer flags upper-case rows: bullying 1, 3, 4 and profanity 9, 10.
        self.assertEqual((p["tp"], p["fp"]), (5, 3))
        self.assertNotIn("abusive", self.m(r, "t-conv"))  # no profanity rows
        md = ev.render_markdown(r)
        self.assertIn("### Abusive vs not", md)
        self.assertIn("| `t-msg` | en | 7 | 4 | 57.1 / 57.1 / 57.1 | 62.5 / 71.4 / **66.7** |", md)

    # ---- targets

    @staticmethod
    def target_report(systems=("lindungi", "peer")):
        def m(f1=None, fp=0, none=0, abusive_f1=None):
            d = {"f1": f1, "precision": f1, "recall": f1, "fp": fp, "none": none,
                 "false_alarm_rate": fp / none if none else None}
            if abusive_f1 is not None:
                d["abusive"] = {"f1": abusive_f1, "precision": 0.9, "recall": 0.8}
            return d

        def corpus(lang, kind, **per_system):
            return {"lang": lang, "kind": kind, "systems": {s: per_system[s] for s in systems}}

        corpora = {
            "en-a": corpus("en", "harmful-vs-none", lindungi=m(0.7, 1, 100), peer=m(0.6, 9, 100)),
            "en-b": corpus("en", "harmful-vs-none", lindungi=m(0.5, 1, 100), peer=m(0.5, 9, 100)),
            "id-x": corpus("id", "harmful-vs-none", lindungi=m(0.1, 0, 10), peer=m(0.9, 0, 10)),
            "en-dailydialog-subset": corpus("en", "benign-only", lindungi=m(None, 1, 100), peer=m(None, 5, 100)),
            "id-stif-informal": corpus("id", "benign-only", lindungi=m(None, 2, 100), peer=m(None, 0, 100)),
            "id-abusive-ibrohim2018": corpus("id", "harmful-vs-none", lindungi=m(0.3, 0, 4, 0.84),
                                             peer=m(0.4, 1, 4, 0.5)),
            "id-blob-chat-toxic": corpus("id", "harmful-vs-none", lindungi=m(0.2, 0, 5), peer=m(0.3, 0, 5)),
            "pan12-vtpan-val-constien": corpus("en", "harmful-vs-none", lindungi=m(0.9, 2, 100),
                                               peer=m(0.2, 50, 100)),
        }
        return {"systems": [{"name": s} for s in systems], "corpora": corpora, "split": "test"}

    def test_targets(self):
        t = ev.evaluate_targets(self.target_report())
        by = {(i["target"].split(" ")[0], i["corpus"]): i for i in t["items"]}
        # English harmful-vs-none: strictly above every peer; the Indonesian corpus is not in it.
        self.assertEqual(by[("F1", "en-a")]["status"], "met")
        self.assertEqual(by[("F1", "en-b")]["status"], "missed")  # a tie is not above
        self.assertEqual(by[("F1", "pan12-vtpan-val-constien")]["status"], "met")
        self.assertNotIn(("F1", "id-x"), by)
        self.assertEqual(by[("F1", "en-a")]["peers"], "peer 60.0")
        # Benign corpora: at most 1 %; a corpus that was not run says so.
        self.assertEqual(by[("false", "en-dailydialog-subset")]["status"], "met")
        self.assertEqual(by[("false", "id-stif-informal")]["status"], "missed")
        self.assertEqual(by[("false", "id-indonlu-emot")]["status"], "not run")
        self.assertEqual(by[("false", "en-dailydialog-subset")]["lindungi"], "1.0% (1/100)")
        self.assertEqual(by[("abusive-vs-not", "id-abusive-ibrohim2018")]["status"], "met")
        self.assertIn("F1 84.0", by[("abusive-vs-not", "id-abusive-ibrohim2018")]["lindungi"])
        self.assertEqual(by[("F1", "id-blob-chat-toxic")]["status"], "stated")
        self.assertEqual(by[("F1", "id-multilabel-ibrohim")]["status"], "not run")
        self.assertEqual(by[("PAN12", "pan12-vtpan-val-constien")]["status"], "met")
        summary = {s["target"]: s for s in t["summary"]}
        first = summary["F1 above every peer (English harmful-vs-none)"]
        self.assertEqual((first["status"], first["missed"]), ("missed", ["en-b"]))
        self.assertEqual(summary["false alarms ≤ 1% (benign)"]["status"], "not run")
        self.assertEqual(summary["PAN12 F1 ≥ 0.85 and false alarms ≤ 2%"]["status"], "met")

    def test_target_thresholds(self):
        r = self.target_report()
        r["corpora"]["id-abusive-ibrohim2018"]["systems"]["lindungi"]["abusive"]["f1"] = 0.83
        pan = r["corpora"]["pan12-vtpan-val-constien"]["systems"]["lindungi"]
        pan.update(fp=3, false_alarm_rate=0.03)
        t = ev.evaluate_targets(r)
        status = {(i["target"][:7], i["corpus"]): i["status"] for i in t["items"]}
        self.assertEqual(status[("abusive", "id-abusive-ibrohim2018")], "missed")  # must be above 0.83
        self.assertEqual(status[("PAN12 F", "pan12-vtpan-val-constien")], "missed")  # 3 % > 2 %
        # Without Lindungi there are no targets to judge.
        self.assertEqual(ev.evaluate_targets(self.target_report(("peer",)))["items"], [])

    def test_targets_section(self):
        r = self.report(systems=[ev.Lindungi(self.bin), self.fake_peer()])
        self.assertTrue(r["targets"]["items"])  # every target named, 'not run' on these corpora
        md = ev.render_markdown(r)
        self.assertIn("### Targets", md)
        self.assertIn("| target | corpus | lindungi | peers | status |", md)
        self.assertIn("**not run**", md)
        self.assertIn("profanity at low or above", md)
        self.assertIn("- **not run**: PAN12 F1 ≥ 0.85 and false alarms ≤ 2% — 1 corpus", md)

    # ---- chart

    def test_svg_chart(self):
        import xml.etree.ElementTree as ET

        r = self.report(systems=[ev.Lindungi(self.bin), self.fake_peer("a<b&c")])
        svg = ev.render_svg(r)
        root = ET.fromstring(svg)  # well-formed, names escaped
        ns = "{http://www.w3.org/2000/svg}"
        self.assertEqual(root.get("width"), "1000")
        texts = [t.text for t in root.iter(f"{ns}text")]
        self.assertIn("lindungi", texts)
        self.assertIn("a<b&c", texts)
        self.assertTrue(any(t.startswith("F1 on corpora") for t in texts))
        self.assertTrue(any(t.startswith("False-alarm rate") for t in texts))
        self.assertIn("F1 (%)", texts)
        self.assertTrue(any(t.startswith("false alarms (%") for t in texts))
        # F1 panel: t-msg, t-conv, t-multi (harmful-vs-none); false-alarm panel: those + t-benign.
        self.assertEqual(texts.count("t-msg"), 2)
        self.assertEqual(texts.count("t-benign"), 1)
        self.assertEqual(texts.count("t-pos"), 0)
        bars = [b for b in root.iter(f"{ns}rect") if b.find(f"{ns}title") is not None]
        self.assertEqual(len(bars), 2 * (3 + 4))
        colours = {b.get("fill") for b in bars}
        self.assertEqual(colours, {ev.PALETTE[0], ev.PALETTE[1]})
        # A bar's length is its value: t-msg F1 28.6 (lindungi) and 60.0 (the peer) on a 100 % axis.
        lin = next(b for b in bars if b.find(f"{ns}title").text == "t-msg · lindungi: 28.6")
        peer = next(b for b in bars if b.find(f"{ns}title").text == "t-msg · a<b&c: 60.0")
        self.assertAlmostEqual(float(peer.get("width")) / float(lin.get("width")), 60 / (200 / 7), places=2)

    def test_svg_without_corpora(self):
        r = self.report("--only", "t-pos")
        svg = ev.render_svg(r)
        self.assertIn("no corpus with harmful or none rows", svg)

    def test_nice_max(self):
        self.assertEqual([ev.nice_max(v) for v in (0, 0.5, 1.2, 7, 30, 85.8)], [1, 1, 2, 10, 50, 100])

    def test_report_option(self):
        docs = Path(self.tmp.name) / "docs"
        argv = ["--corpora", str(self.corpora), "--bin", str(self.bin), "--out", str(self.out),
                "--systems", "lindungi", "--report", str(docs / "accuracy.md")]
        with contextlib.redirect_stdout(io.StringIO()):
            self.assertEqual(ev.main(argv), 0)
        md = (docs / "accuracy.md").read_text(encoding="utf-8")
        self.assertIn("![F1 and false-alarm rate per corpus and system](accuracy.svg)", md)
        self.assertTrue((docs / "accuracy.svg").read_text(encoding="utf-8").startswith("<svg"))
        self.assertIn("--report", md.splitlines()[2])  # the command
        self.assertRegex(md, r"commit `[^`]+` · corpora `[0-9a-f]{12}`")
        self.assertIn("### Targets", md)
        self.assertTrue((self.out / "chart.svg").exists())
        # Default: OUT/report.md beside OUT/chart.svg.
        argv = argv[:-2]
        with contextlib.redirect_stdout(io.StringIO()):
            self.assertEqual(ev.main(argv), 0)
        self.assertIn("](chart.svg)", (self.out / "report.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    unittest.main()
