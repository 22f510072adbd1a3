//! `lindungi-train`: trains the learned scorer that `crate/src/model.rs` runs, from the corpora
//! whose licence allows it (train-ok) and our own examples, and writes `crate/model/`.
//!
//! Deterministic: fixed corpus list and order, a seeded shuffle, plain IEEE arithmetic (its own
//! `exp`), so the same data gives the same bytes on any machine. `make train` runs it.

use lindungi::{Category, Context, Detector, Direction, Level, MODEL_MIN_FEATURES, MODEL_WEIGHT};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The corpora a shipped model may learn from: MIT, Apache-2.0, CC0 or CC BY (their README's
/// `use` column must say train-ok, or training stops).
const TRAIN_OK: [&str; 7] = [
    "davidson-hate-offensive",
    "en-convabuse",
    "en-toxic-spans-semeval2021",
    "en-human-conversation-convassist",
    "id-blob-chat-toxic",
    "id-stif-informal",
    "id-indonlu-emot",
];
/// Our own labelled examples (`label<TAB>text`), all used for training; the language is the
/// file name's first two letters.
const EXAMPLES: [&str; 4] = [
    "examples/en.tsv",
    "examples/en-chat.tsv",
    "examples/id.tsv",
    "examples/id-chat.tsv",
];

const SEED: u64 = 20_261_129;
const BUCKET_BITS: u32 = 16;
const EPOCHS: usize = 12;
const LEARNING_RATE: f64 = 0.2;
const L2: f64 = 1e-5;
/// Balancing: each (language, class) group's weight is scaled by (mean group size / its size)
/// to this power, so a few hundred Indonesian examples are not drowned by English ones.
const BALANCE_POWER: f64 = 0.5;
/// Untargeted swearing is a negative for bullying, at this weight (it is often insult-like).
const PROFANITY_WEIGHT: f64 = 1.0;
/// Features seen in fewer training messages than this are not learned.
const MIN_COUNT: u32 = 3;
/// Buckets with a weight per head (the rest stay 0).
const KEEP_BUCKETS: usize = 16384;
/// The model may flag at most this share of the dev none rows that the rules alone do not.
const MAX_ADDED_FALSE_ALARMS: f64 = 0.0;
const MAX_CUE_ON_NONE: f64 = 0.0;

/// The categories the model learns, in `model.tsv` order.
const HEADS: [Category; 2] = [Category::Bullying, Category::Sexual];

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Split {
    Train,
    Dev,
    Test,
}

/// One message as the model and the rules see it.
struct Message {
    buckets: Vec<u32>,
    /// Per category: the rules overrule the model here (a negation or a benign sense).
    overruled: [bool; 6],
    /// The rules' score per category (index of `Category::ALL`).
    rules: [f32; 6],
}

/// One labelled row: a message, or a conversation's messages.
struct Row {
    corpus: String,
    lang: String,
    label: String,
    split: Split,
    messages: Vec<Message>,
}

struct Args {
    corpora: PathBuf,
    out: PathBuf,
    check: bool,
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("lindungi-train: {e}");
            ExitCode::from(2)
        }
    }
}

fn parse_args() -> Result<Args, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut args = Args {
        corpora: root.join("..").join("shared").join("corpora"),
        out: root.join("crate").join("model"),
        check: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--corpora" => args.corpora = it.next().ok_or("--corpora needs a folder")?.into(),
            "--out" => args.out = it.next().ok_or("--out needs a folder")?.into(),
            "--check" => args.check = true,
            "--help" | "-h" => {
                println!(
                    "lindungi-train [--corpora DIR] [--out DIR] [--check]\n\
                     Trains the learned scorer from the train-ok corpora in DIR (default \
                     ../shared/corpora) and the examples in OUT/examples, and writes \
                     OUT/model.tsv, OUT/weights.bin and OUT/PROVENANCE.md (default OUT: \
                     crate/model). --check writes nothing and fails when the files differ."
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?} (see --help)")),
        }
    }
    Ok(args)
}

fn run() -> Result<ExitCode, String> {
    let args = parse_args()?;
    check_licences(&args.corpora)?;
    let rules = Detector::builder()
        .model(false)
        .build()
        .map_err(|e| e.to_string())?;
    let mut sources = Vec::new();
    let mut rows = Vec::new();
    for name in TRAIN_OK {
        let path = args.corpora.join(name).join("data.jsonl");
        let bytes = fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        sources.push((format!("{name}/data.jsonl"), sha256(&bytes)));
        let text = String::from_utf8(bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        for (n, line) in text.lines().enumerate() {
            let record: Value = serde_json::from_str(line)
                .map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
            rows.extend(corpus_rows(name, &record, &rules));
        }
    }
    for file in EXAMPLES {
        let path = args.out.join(file);
        let bytes = fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        sources.push((format!("crate/model/{file}"), sha256(&bytes)));
        let text = String::from_utf8(bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        let lang = if file.starts_with("examples/id") {
            "id"
        } else {
            "en"
        };
        for (n, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let (label, body) = line
                .split_once('\t')
                .ok_or_else(|| format!("{}:{}: expected label<TAB>text", path.display(), n + 1))?;
            if !["bullying", "sexual", "none"].contains(&label) {
                return Err(format!(
                    "{}:{}: unknown label {label:?}",
                    path.display(),
                    n + 1
                ));
            }
            rows.push(Row {
                corpus: format!("examples-{lang}"),
                lang: lang.into(),
                label: label.into(),
                split: Split::Train,
                messages: vec![message(body, &rules)],
            });
        }
    }
    let mut data_hash = Sha256::new();
    for (name, hash) in &sources {
        data_hash.update(format!("{name} {hash}\n"));
    }
    let data_hash = hex(&data_hash.finalize());
    eprintln!(
        "{} rows ({} train, {} dev)",
        rows.len(),
        count(&rows, Split::Train),
        count(&rows, Split::Dev)
    );

    let mut heads: Vec<HeadModel> = HEADS.iter().map(|&c| train_head(c, &rows)).collect();
    // Logits do not depend on thresholds: computed once for choosing and for the report.
    let (dev, logits) = dev_logits(&heads, &rows);
    choose_thresholds(&mut heads, &dev, &logits);
    let report = dev_report(&heads, &dev, &logits);
    eprint!("{report}");

    let (tsv, weights) = model_files(&heads);
    let provenance = provenance(&sources, &data_hash, &weights, &report);
    let outputs = [
        ("model.tsv", tsv.into_bytes()),
        ("weights.bin", weights),
        ("PROVENANCE.md", provenance.into_bytes()),
    ];
    if args.check {
        let mut same = true;
        for (name, bytes) in &outputs {
            let path = args.out.join(name);
            if fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
                eprintln!("{} differs from what training gives", path.display());
                same = false;
            }
        }
        if !same {
            return Ok(ExitCode::from(1));
        }
        eprintln!("the committed model is reproduced byte for byte");
    } else {
        for (name, bytes) in &outputs {
            let path = args.out.join(name);
            fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn count(rows: &[Row], split: Split) -> usize {
    rows.iter().filter(|r| r.split == split).count()
}

/// Stops unless the corpora README marks every corpus in `TRAIN_OK` as train-ok.
fn check_licences(corpora: &Path) -> Result<(), String> {
    let readme = fs::read_to_string(corpora.join("README.md"))
        .map_err(|e| format!("{}: {e}", corpora.join("README.md").display()))?;
    for name in TRAIN_OK {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{name}` |")))
            .ok_or_else(|| format!("{name} is not in the corpora README"))?;
        if !row.split('|').any(|cell| cell.trim() == "train-ok") {
            return Err(format!(
                "{name} is not marked train-ok in the corpora README"
            ));
        }
    }
    Ok(())
}

fn message(text: &str, rules: &Detector) -> Message {
    let context = Context::new(Direction::Unknown);
    let verdict = rules.scan(text, &context);
    let mut scores = [0.0f32; 6];
    for c in &verdict.categories {
        if let Some(i) = Category::ALL.iter().position(|&x| x == c.category) {
            scores[i] = c.score as f32;
        }
    }
    let mask = (1u32 << BUCKET_BITS) - 1;
    let input = rules.model_input(text, &context);
    Message {
        buckets: input.features.iter().map(|f| f.hash & mask).collect(),
        overruled: input.overruled,
        rules: scores,
    }
}

/// A record's rows. The toxic-spans posts are all toxic news comments: learning from whole posts
/// would teach the model that news comments are bullying, so in training each sentence is an
/// example of its own, bullying when it holds an annotated span and none when it holds none.
fn corpus_rows(corpus: &str, record: &Value, rules: &Detector) -> Vec<Row> {
    let spans: Option<Vec<(usize, usize)>> =
        record.get("spans").and_then(Value::as_array).map(|a| {
            a.iter()
                .filter_map(|s| Some((s.get(0)?.as_u64()? as usize, s.get(1)?.as_u64()? as usize)))
                .collect()
        });
    let text = record.get("text").and_then(Value::as_str);
    let train = record.get("split").and_then(Value::as_str) == Some("train");
    match (spans, text) {
        (Some(spans), Some(text)) if train && !spans.is_empty() => {
            let lang = record.get("lang").and_then(Value::as_str).unwrap_or("en");
            sentences(text)
                .into_iter()
                .map(|(from, to)| {
                    let chars = text[..from].chars().count();
                    let len = text[from..to].chars().count();
                    let toxic = spans.iter().any(|&(a, b)| a < chars + len && chars < b);
                    Row {
                        corpus: corpus.into(),
                        lang: lang.into(),
                        label: if toxic { "bullying" } else { "none" }.into(),
                        split: Split::Train,
                        messages: vec![message(&text[from..to], rules)],
                    }
                })
                .collect()
        }
        _ => corpus_row(corpus, record, rules).into_iter().collect(),
    }
}

/// Byte ranges of the sentences of `text`: ends at `.`, `!`, `?` or a line break.
fn sentences(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let end = i + c.len_utf8();
        let boundary = c == '\n'
            || (matches!(c, '.' | '!' | '?')
                && chars.peek().is_none_or(|&(_, n)| n.is_whitespace()));
        if boundary {
            if !text[start..end].trim().is_empty() {
                out.push((start, end));
            }
            start = end;
        }
    }
    if !text[start..].trim().is_empty() {
        out.push((start, text.len()));
    }
    out
}

fn corpus_row(corpus: &str, record: &Value, rules: &Detector) -> Option<Row> {
    let split = match record.get("split")?.as_str()? {
        "train" => Split::Train,
        "dev" => Split::Dev,
        _ => Split::Test,
    };
    if split == Split::Test {
        return None;
    }
    let texts: Vec<&str> = match record.get("messages").and_then(Value::as_array) {
        Some(messages) => messages
            .iter()
            .filter_map(|m| m.get("text")?.as_str())
            .collect(),
        None => vec![record.get("text")?.as_str()?],
    };
    Some(Row {
        corpus: corpus.into(),
        lang: record.get("lang")?.as_str()?.into(),
        label: record.get("label")?.as_str()?.into(),
        split,
        messages: texts.into_iter().map(|t| message(t, rules)).collect(),
    })
}

/// What a head learns from a row's label: a target and a weight, or nothing.
fn target(head: Category, label: &str) -> Option<(f64, f64)> {
    match (head, label) {
        (Category::Bullying, "bullying") | (Category::Sexual, "sexual") => Some((1.0, 1.0)),
        (_, "none") | (Category::Sexual, "bullying") => Some((0.0, 1.0)),
        (_, "profanity") => Some((0.0, PROFANITY_WEIGHT)),
        _ => None,
    }
}

/// A trained head: float weights while training and choosing thresholds, then bytes.
struct HeadModel {
    category: Category,
    scale: f32,
    bias: f32,
    quantised: Vec<i8>,
    threshold: f32,
}

impl HeadModel {
    /// The logit exactly as `model.rs` computes it for one window.
    fn logit(&self, m: &Message) -> f32 {
        if m.buckets.is_empty() {
            return f32::NEG_INFINITY;
        }
        let sum: i32 = m
            .buckets
            .iter()
            .map(|&b| i32::from(self.quantised[b as usize]))
            .sum();
        let norm = 1.0 / (m.buckets.len().max(MODEL_MIN_FEATURES) as f32).sqrt();
        self.bias + self.scale * (sum as f32) * norm
    }
}

/// A small deterministic generator (xorshift64*) for the shuffle.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// `exp` from basic arithmetic only, so training gives the same bits everywhere.
fn exp(x: f64) -> f64 {
    let x = x.clamp(-60.0, 60.0);
    let k = (x / std::f64::consts::LN_2).round();
    let r = x - k * std::f64::consts::LN_2;
    let mut term = 1.0;
    let mut sum = 1.0;
    for n in 1..=12 {
        term *= r / f64::from(n);
        sum += term;
    }
    sum * f64::from_bits(((k as i64 + 1023) as u64) << 52)
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + exp(-z))
}

/// One head: logistic regression over the hashed features of every training message.
fn train_head(category: Category, rows: &[Row]) -> HeadModel {
    // Every training message this head learns from: (language, features, target, weight).
    let labelled: Vec<(&str, &[u32], f64, f64)> = rows
        .iter()
        .filter(|r| r.split == Split::Train)
        .filter_map(|r| Some((r, target(category, &r.label)?)))
        .flat_map(|(r, (y, w))| {
            r.messages
                .iter()
                .filter(|m| !m.buckets.is_empty())
                .map(move |m| (r.lang.as_str(), m.buckets.as_slice(), y, w))
        })
        .collect();
    let mut groups: BTreeMap<(&str, bool), f64> = BTreeMap::new();
    for &(lang, _, y, w) in &labelled {
        *groups.entry((lang, y > 0.5)).or_default() += w;
    }
    let mean = groups.values().sum::<f64>() / groups.len().max(1) as f64;
    let mut examples: Vec<(&[u32], f64, f64)> = labelled
        .iter()
        .map(|&(lang, buckets, y, w)| {
            let total = groups.get(&(lang, y > 0.5)).copied().unwrap_or(mean);
            (buckets, y, w * (mean / total).powf(BALANCE_POWER))
        })
        .collect();
    let size = 1usize << BUCKET_BITS;
    // A feature seen in fewer than `MIN_COUNT` training messages keeps weight 0: one example is
    // an anecdote, and its words would fire on unrelated text.
    let mut seen = vec![0u32; size];
    for &(buckets, _, _) in &examples {
        for &b in buckets {
            seen[b as usize] += 1;
        }
    }
    let learnable: Vec<bool> = seen.iter().map(|&n| n >= MIN_COUNT).collect();
    let seed = SEED ^ (category as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let (w, _) = fit(&mut examples, &learnable, seed);
    // Keep the `KEEP_BUCKETS` strongest buckets and fit again on them alone: a sparse table
    // compresses to a fraction of a dense one, and the refit lets the kept weights and the bias
    // take over what the dropped ones carried.
    let mut order: Vec<usize> = (0..size).filter(|&b| learnable[b]).collect();
    order.sort_by(|&a, &b| w[b].abs().total_cmp(&w[a].abs()).then(a.cmp(&b)));
    let mut kept = vec![false; size];
    for &b in order.iter().take(KEEP_BUCKETS) {
        kept[b] = true;
    }
    let (w, bias) = fit(&mut examples, &kept, seed.rotate_left(17));
    let max = w.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
    let quantised = w
        .iter()
        .map(|x| (x / scale).round().clamp(-127.0, 127.0) as i8)
        .collect();
    HeadModel {
        category,
        scale: scale as f32,
        bias: bias as f32,
        quantised,
        threshold: f32::INFINITY,
    }
}

/// Logistic regression with AdaGrad: `EPOCHS` seeded shuffles over the examples, learning only
/// the buckets marked in `learnable`. Returns the weights and the bias.
fn fit(examples: &mut [(&[u32], f64, f64)], learnable: &[bool], seed: u64) -> (Vec<f64>, f64) {
    let mut w = vec![0.0f64; learnable.len()];
    let mut g2 = vec![0.0f64; learnable.len()];
    let (mut bias, mut bias_g2) = (0.0f64, 0.0f64);
    let mut rng = Rng(seed);
    for _ in 0..EPOCHS {
        rng.shuffle(examples);
        for &(buckets, y, weight) in examples.iter() {
            let norm = 1.0 / (buckets.len().max(MODEL_MIN_FEATURES) as f64).sqrt();
            let z = bias + buckets.iter().map(|&b| w[b as usize]).sum::<f64>() * norm;
            let g = (sigmoid(z) - y) * weight;
            for &b in buckets.iter().filter(|&&b| learnable[b as usize]) {
                let b = b as usize;
                let grad = g * norm + L2 * w[b];
                g2[b] += grad * grad;
                w[b] -= LEARNING_RATE * grad / (g2[b].sqrt() + 1e-8);
            }
            bias_g2 += g * g;
            bias -= LEARNING_RATE * g / (bias_g2.sqrt() + 1e-8);
        }
    }
    (w, bias)
}

/// Per row: whether each category is flagged (medium or above) by the rules and the model's
/// cues at the given thresholds. A conversation is flagged when any message is.
fn flagged(heads: &[HeadModel], thresholds: &[f32], row: &Row, logits: &[Vec<f32>]) -> [bool; 6] {
    let mut out = [false; 6];
    for (m, message) in row.messages.iter().enumerate() {
        let mut scores = message.rules;
        for (h, head) in heads.iter().enumerate() {
            let i = head.category as usize;
            if logits[h][m] >= thresholds[h] && !message.overruled[i] {
                scores[i] = 1.0 - (1.0 - scores[i]) * (1.0 - MODEL_WEIGHT);
            }
        }
        for (i, s) in scores.iter().enumerate() {
            if Level::from_score(*s) >= Level::Medium && Category::ALL[i] != Category::Profanity {
                out[i] = true;
            }
        }
    }
    out
}

/// Dev counts per corpus: (tp, fn, fp on harmful-vs-none, none rows flagged, none rows).
#[derive(Default, Clone, Copy)]
struct Counts {
    tp: u32,
    fn_: u32,
    fp: u32,
    none: u32,
}

impl Counts {
    fn f1(&self) -> f64 {
        let denom = 2 * self.tp + self.fp + self.fn_;
        if denom == 0 {
            0.0
        } else {
            f64::from(2 * self.tp) / f64::from(denom)
        }
    }
}

fn dev_counts(
    heads: &[HeadModel],
    thresholds: &[f32],
    rows: &[&Row],
    logits: &[Vec<Vec<f32>>],
) -> BTreeMap<String, Counts> {
    let mut out: BTreeMap<String, Counts> = BTreeMap::new();
    for (row, logits) in rows.iter().zip(logits) {
        let flags = flagged(heads, thresholds, row, logits);
        let c = out.entry(row.corpus.clone()).or_default();
        match Category::from_name(&row.label) {
            Some(Category::Profanity) => {}
            Some(category) => {
                if flags[category as usize] {
                    c.tp += 1;
                } else {
                    c.fn_ += 1;
                }
            }
            None => {
                c.none += 1;
                if flags.iter().any(|&f| f) {
                    c.fp += 1;
                }
            }
        }
    }
    out
}

/// Picks each head's thresholds on the dev rows: the best mean F1 over the corpora with harmful
/// rows, while the model flags at most `MAX_ADDED_FALSE_ALARMS` of the none rows the rules
/// leave alone, and its cue fires on at most `MAX_CUE_ON_NONE` of all none rows (whether the
/// rules flag them or not: a margin, as dev is small and close to the training data).
fn choose_thresholds(heads: &mut [HeadModel], dev: &[&Row], logits: &[Vec<Vec<f32>>]) {
    let off = vec![f32::INFINITY; heads.len()];
    let base = dev_counts(heads, &off, dev, logits);
    let none_rows: u32 = base.values().map(|c| c.none).sum();
    let base_fa: u32 = base.values().map(|c| c.fp).sum();
    let budget = base_fa + (f64::from(none_rows) * MAX_ADDED_FALSE_ALARMS).floor() as u32;
    let mut chosen = off.clone();
    let allowed = (f64::from(none_rows) * MAX_CUE_ON_NONE).floor() as usize;
    for h in 0..heads.len() {
        let mut on_none: Vec<f32> = dev
            .iter()
            .zip(logits)
            .filter(|(r, _)| r.label == "none")
            .map(|(_, l)| l[h].iter().copied().fold(f32::NEG_INFINITY, f32::max))
            .collect();
        on_none.sort_by(|a, b| b.total_cmp(a));
        let floor = on_none.get(allowed).copied().unwrap_or(f32::NEG_INFINITY);
        let mut candidates: Vec<f32> = logits
            .iter()
            .flat_map(|l| l[h].iter().copied())
            .filter(|x| x.is_finite())
            .collect();
        candidates.sort_by(f32::total_cmp);
        candidates.dedup();
        // Thresholds from the upper half of the logits seen on dev (thinned to about 2000).
        let upper = &candidates[candidates.len() / 2..];
        let step = (upper.len() / 2000).max(1);
        let mut best = (score(&base), chosen[h]);
        for &threshold in upper.iter().step_by(step).filter(|&&t| t > floor) {
            let mut t = chosen.clone();
            t[h] = threshold;
            let counts = dev_counts(heads, &t, dev, logits);
            let fa: u32 = counts.values().map(|c| c.fp).sum();
            let s = score(&counts);
            if fa <= budget && s > best.0 {
                best = (s, threshold);
            }
        }
        chosen[h] = best.1;
    }
    for (head, threshold) in heads.iter_mut().zip(chosen) {
        head.threshold = threshold;
    }
}

/// The dev rows, and per row, head and message: the logit.
fn dev_logits<'a>(heads: &[HeadModel], rows: &'a [Row]) -> (Vec<&'a Row>, Vec<Vec<Vec<f32>>>) {
    let dev: Vec<&Row> = rows.iter().filter(|r| r.split == Split::Dev).collect();
    let logits = dev
        .iter()
        .map(|r| {
            heads
                .iter()
                .map(|h| r.messages.iter().map(|m| h.logit(m)).collect())
                .collect()
        })
        .collect();
    (dev, logits)
}

/// Mean F1 over the corpora with harmful rows.
fn score(counts: &BTreeMap<String, Counts>) -> f64 {
    let with_harm: Vec<&Counts> = counts.values().filter(|c| c.tp + c.fn_ > 0).collect();
    with_harm.iter().map(|c| c.f1()).sum::<f64>() / with_harm.len().max(1) as f64
}

fn dev_report(heads: &[HeadModel], dev: &[&Row], logits: &[Vec<Vec<f32>>]) -> String {
    let off = vec![f32::INFINITY; heads.len()];
    let on: Vec<f32> = heads.iter().map(|h| h.threshold).collect();
    let before = dev_counts(heads, &off, dev, logits);
    let after = dev_counts(heads, &on, dev, logits);
    let mut out = String::from(
        "| dev split (train-ok corpora) | F1 rules | F1 rules + model | none rows flagged, rules | rules + model |\n|---|---:|---:|---:|---:|\n",
    );
    for (name, b) in &before {
        let a = after.get(name).copied().unwrap_or_default();
        let f1 = |c: &Counts| {
            if c.tp + c.fn_ > 0 {
                format!("{:.1}", 100.0 * c.f1())
            } else {
                "–".into()
            }
        };
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {}/{} | {}/{} |",
            f1(b),
            f1(&a),
            b.fp,
            b.none,
            a.fp,
            a.none
        );
    }
    out
}

fn model_files(heads: &[HeadModel]) -> (String, Vec<u8>) {
    let mut tsv = String::from(
        "# Lindungi's learned scorer, written by `make train` (train/): do not edit.\n\
         # head: category, weight scale, bias, logit from which the model's cue fires.\n",
    );
    let _ = writeln!(tsv, "bucket_bits\t{BUCKET_BITS}");
    for h in heads {
        let _ = writeln!(
            tsv,
            "head\t{}\t{}\t{}\t{}",
            h.category, h.scale, h.bias, h.threshold
        );
    }
    let size = 1usize << BUCKET_BITS;
    let mut weights = Vec::with_capacity(size * heads.len());
    for b in 0..size {
        for h in heads {
            weights.push(h.quantised[b] as u8);
        }
    }
    (tsv, weights)
}

fn provenance(
    sources: &[(String, String)],
    data_hash: &str,
    weights: &[u8],
    report: &str,
) -> String {
    let mut out = String::from(
        "# Provenance of the learned scorer\n\n\
         Written by `make train` (`cargo run --release -p lindungi-train`); do not edit.\n\n",
    );
    let _ = writeln!(out, "- Seed: {SEED}; {EPOCHS} epochs of AdaGrad (rate {LEARNING_RATE}, L2 {L2}); {} hashed buckets per head.", 1u32 << BUCKET_BITS);
    let _ = writeln!(
        out,
        "- Heads: {}.",
        HEADS
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(out, "- Data: the train splits of the corpora below (licence train-ok in `../shared/corpora/README.md`) and our own examples; thresholds chosen on their dev splits. Test splits are never read.");
    let _ = writeln!(out, "- Data hash (sha256 of the list below): `{data_hash}`");
    let _ = writeln!(out, "- weights.bin sha256: `{}`\n", sha256(weights));
    out.push_str("| file | sha256 |\n|---|---|\n");
    for (name, hash) in sources {
        let _ = writeln!(out, "| {name} | `{hash}` |");
    }
    out.push_str("\n## Dev figures at training time\n\n");
    out.push_str(report);
    out
}

fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn its_own_exp_is_as_exact_as_the_platform_one() {
        for x in [-30.0, -5.5, -1.0, -1e-9, 0.0, 0.3, 1.0, 7.25, 29.0] {
            let (ours, std) = (exp(x), f64::exp(x));
            assert!(((ours - std) / std).abs() < 1e-13, "{x}: {ours} vs {std}");
        }
        assert!((sigmoid(0.0) - 0.5).abs() < 1e-15);
    }

    #[test]
    fn toxic_posts_are_cut_into_sentences() {
        let text = "You are an idiot. I mean it!\nThe 3.5 rate is fine? ok";
        let parts: Vec<&str> = sentences(text).iter().map(|&(a, b)| &text[a..b]).collect();
        assert_eq!(
            parts,
            [
                "You are an idiot.",
                " I mean it!",
                "\n",
                "The 3.5 rate is fine?",
                " ok"
            ]
            .into_iter()
            .filter(|p| !p.trim().is_empty())
            .collect::<Vec<_>>()
        );
    }

    #[test]
    fn labels_become_targets_per_head() {
        assert_eq!(target(Category::Bullying, "bullying"), Some((1.0, 1.0)));
        assert_eq!(target(Category::Bullying, "sexual"), None);
        assert_eq!(target(Category::Sexual, "bullying"), Some((0.0, 1.0)));
        assert_eq!(
            target(Category::Bullying, "profanity"),
            Some((0.0, PROFANITY_WEIGHT))
        );
    }

    #[test]
    fn a_corpus_not_marked_train_ok_stops_training() {
        let dir = std::env::temp_dir().join(format!("lindungi-train-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("temp dir");
        let row = |name: &str, used: &str| {
            format!("| `{name}` | en | message | 1 | x | MIT | {used} | x |\n")
        };
        let mut readme: String = TRAIN_OK.iter().map(|n| row(n, "train-ok")).collect();
        fs::write(dir.join("README.md"), &readme).expect("write");
        assert!(check_licences(&dir).is_ok());
        readme = readme.replacen("train-ok", "eval-only", 1);
        fs::write(dir.join("README.md"), &readme).expect("write");
        let refused = check_licences(&dir).expect_err("eval-only must be refused");
        assert!(refused.contains(TRAIN_OK[0]), "{refused}");
        let _ = fs::remove_dir_all(&dir);
    }
}
