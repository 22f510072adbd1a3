//! The learned scorer: one small linear model per category over hashed words, word pairs and
//! the rule cues of a message, trained by `make train` (see `model/README.md`).
//!
//! Rules stay the explanation. The model only adds a `<category>.model` signal, on the words
//! that weighed most, when it is confident; it never lowers what the rules found.

use crate::lexicon::Lexicon;
use crate::rules::CUES;
use crate::tokenize::Token;
use crate::verdict::Category;

/// The weights, written by the trainer: per bucket, one signed byte per head.
static MODEL_WEIGHTS: &[u8] = include_bytes!("../model/weights.bin");

/// One head's parameters from `model/model.tsv` (compiled by `build.rs` into `HEADS`, with
/// `BUCKET_BITS`).
struct HeadParams {
    category: Category,
    scale: f32,
    bias: f32,
    threshold: f32,
}

include!(concat!(env!("OUT_DIR"), "/model.rs"));

/// A text up to this long is read whole, as the model was trained on messages; a longer one
/// sentence by sentence, keeping each category's most confident sentence.
pub(crate) const WINDOW_BYTES: usize = 1024;
/// Feature values are scaled by 1/sqrt(feature count), as if a text had at least this many:
/// a message of two words is too little evidence to be sure of anything.
pub const MIN_FEATURES: usize = 10;
/// Weight of the model's cue: a warning on its own. The model speaks only when it is sure (a
/// weaker voice, repeated over a long chat, adds up to false alarms).
pub const WEIGHT: f32 = 0.55;

/// A feature hash's bits that pick its bucket.
const BUCKET_MASK: u32 = (1 << BUCKET_BITS) - 1;

/// How many categories have a head (a constant, so the loops over heads unroll).
const HEAD_COUNT: usize = HEADS.len();
const UNIGRAM_SEED: u32 = 0x811C_9DC5;
const FNV_PRIME: u32 = 0x0100_0193;
const CUE_SEED: u32 = 0x9E37_79B9;
/// Numbers are one word to the model (their digits are not words).
const NUMBER_WORD: &[u8] = b"#";

/// 32-bit FNV-1a from `seed`: the same on every platform, so training and scanning agree.
const fn fnv1a(seed: u32, bytes: &[u8]) -> u32 {
    let mut h = seed;
    let mut i = 0;
    while i < bytes.len() {
        h = (h ^ bytes[i] as u32).wrapping_mul(FNV_PRIME);
        i += 1;
    }
    h
}

/// The hash of a pair of adjacent words.
fn pair_hash(first: u32, second: u32) -> u32 {
    let h = first.rotate_left(13) ^ second.wrapping_mul(0x85EB_CA6B);
    (h ^ (h >> 16)).wrapping_mul(0xC2B2_AE35)
}

/// The hash of a word as the model sees it (after the rules' slang expansion, leetspeak and
/// look-alike folding): of a vocabulary word or of the normalised form of a word the rules do
/// not know. The tokenizer keeps it in `Token::form`.
pub(crate) fn word_hash(word: &[u8]) -> u32 {
    fnv1a(UNIGRAM_SEED, word)
}

/// `Token::form` of every number.
pub(crate) const NUMBER_FORM: u32 = fnv1a(UNIGRAM_SEED, NUMBER_WORD);

/// One feature of a text: its hash, and the bytes of the text it stands for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Feature {
    /// Hash of the feature (a word, a word pair or a cue).
    pub hash: u32,
    /// Byte span in the text, for explanations.
    pub start: usize,
    /// End of the span (exclusive).
    pub end: usize,
}

/// A rule cue that fired in a chunk (after context): its index into `CUES` and its span.
pub(crate) type CueAt = (u16, usize, usize);

/// Gives each feature of one window to `sink`, in a fixed order: its words, each followed by
/// the pair it ends, then each distinct rule cue that starts in it (`cues` in text order).
fn window_features(
    tokens: &[Token],
    cues: &[CueAt],
    (from, to): (usize, usize),
    mut sink: impl FnMut(Feature),
) {
    let mut prev: Option<(u32, u32)> = None;
    for t in tokens {
        let hash = t.form;
        sink(Feature {
            hash,
            start: t.start as usize,
            end: t.end as usize,
        });
        if let Some((prev_hash, prev_start)) = prev {
            sink(Feature {
                hash: pair_hash(prev_hash, hash),
                start: prev_start as usize,
                end: t.end as usize,
            });
        }
        prev = Some((hash, t.start));
    }
    let inside = |c: &&CueAt| c.1 >= from && c.1 < to;
    for (i, &(cue, start, end)) in cues.iter().enumerate().filter(|(_, c)| inside(c)) {
        if cues[..i].iter().filter(inside).any(|c| c.0 == cue) {
            continue;
        }
        sink(Feature {
            hash: fnv1a(CUE_SEED, CUES[usize::from(cue)].id.as_bytes()),
            start,
            end,
        });
    }
}

/// The windows of a chunk's tokens: all of them when the whole text is message-sized,
/// otherwise each sentence. Yields the tokens and the byte range they cover.
fn windows<'a>(
    tokens: &'a [Token],
    whole: bool,
) -> impl Iterator<Item = (&'a [Token], (usize, usize))> + 'a {
    let mut rest = tokens;
    std::iter::from_fn(move || {
        let first = rest.first()?;
        let len = if whole {
            rest.len()
        } else {
            rest.iter()
                .position(|t| t.sentence != first.sentence)
                .unwrap_or(rest.len())
        };
        let (window, after) = rest.split_at(len);
        rest = after;
        let range = if whole {
            (0, usize::MAX)
        } else {
            let to = after.first().map_or(usize::MAX, |t| t.start as usize);
            (first.start as usize, to)
        };
        Some((window, range))
    })
}

/// The features of a chunk's tokens read as one window, as the trainer sees a message.
pub(crate) fn features(tokens: &[Token], cues: &[CueAt], out: &mut Vec<Feature>) {
    window_features(tokens, cues, (0, usize::MAX), |f| out.push(f));
}

/// One category's linear model.
#[derive(Clone, Debug)]
pub(crate) struct Head {
    #[cfg_attr(not(test), allow(dead_code))]
    category: Category,
    /// The `<category>.model` cue (index into `CUES`).
    cue: u16,
    /// A weight is its stored byte (as i8) times `scale`.
    scale: f32,
    bias: f32,
    /// The logit from which the model's cue fires.
    threshold: f32,
}

/// A category the model is confident about: its cue, with the span that explains it (see
/// `Model::explain`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ModelHit {
    pub(crate) cue: u16,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// The compiled-in model.
#[derive(Clone, Debug)]
pub(crate) struct Model {
    heads: Vec<Head>,
    /// Per bucket, one signed byte per head.
    rows: &'static [[u8; HEAD_COUNT]],
}

/// Per head, the most confident window so far: its logit and the span that explains it.
pub(crate) type Best = [(f32, usize, usize); HEAD_COUNT];

/// No window read yet.
pub(crate) const NOTHING_READ: Best = [(f32::NEG_INFINITY, 0, 0); HEAD_COUNT];

impl Model {
    /// The model compiled into the crate (`build.rs` checks that its files fit together), or
    /// `None` when a head's `<category>.model` cue is missing from `rules/cues.tsv`.
    pub(crate) fn shipped() -> Option<Model> {
        let heads = HEADS
            .iter()
            .map(|p| {
                let cue_id = format!("{}.model", p.category.as_str());
                let cue = CUES.iter().position(|c| c.id == cue_id)? as u16;
                Some(Head {
                    category: p.category,
                    cue,
                    scale: p.scale,
                    bias: p.bias,
                    threshold: p.threshold,
                })
            })
            .collect::<Option<Vec<Head>>>()?;
        let (rows, rest) = MODEL_WEIGHTS.as_chunks::<HEAD_COUNT>();
        // A damaged weights file is no model (`build.rs` checks it too).
        if !rest.is_empty() || rows.len() != BUCKET_MASK as usize + 1 {
            return None;
        }
        Some(Model { heads, rows })
    }

    #[cfg(test)]
    fn heads(&self) -> &[Head] {
        &self.heads
    }

    /// Reads one chunk's tokens (and the rule cues found in it) window by window into `best`.
    /// `whole`: the text is message-sized and read as one window.
    pub(crate) fn read(
        &self,
        tokens: &[Token],
        lexicon: &Lexicon,
        cues: &[CueAt],
        whole: bool,
        best: &mut Best,
    ) {
        for (window, range) in windows(tokens, whole) {
            self.score_window(window, lexicon, cues, range, best);
        }
    }

    /// Appends a hit for each category whose most confident window reached its threshold.
    pub(crate) fn hits(&self, best: &Best, out: &mut Vec<ModelHit>) {
        for (head, &(logit, start, end)) in self.heads.iter().zip(best) {
            if logit >= head.threshold {
                out.push(ModelHit {
                    cue: head.cue,
                    start,
                    end,
                });
            }
        }
    }

    /// Scores one window and keeps, per head, the better of its logit and the one in `best`,
    /// with the span of the feature that weighed most when the logit reaches the threshold.
    fn score_window(
        &self,
        tokens: &[Token],
        lexicon: &Lexicon,
        cues: &[CueAt],
        range: (usize, usize),
        best: &mut Best,
    ) {
        // One pass over the features for every head: a bucket's weights sit side by side.
        let mut count = 0usize;
        let mut sums = [0i32; HEAD_COUNT];
        window_features(tokens, cues, range, |f| {
            count += 1;
            for (sum, w) in sums.iter_mut().zip(self.row(f.hash)) {
                *sum += i32::from(w);
            }
        });
        if count == 0 {
            return;
        }
        let norm = 1.0 / (count.max(MIN_FEATURES) as f32).sqrt();
        for (h, ((head, sum), slot)) in self.heads.iter().zip(sums).zip(best).enumerate() {
            let logit = head.bias + head.scale * (sum as f32) * norm;
            if logit <= slot.0 {
                continue;
            }
            // The explaining span matters only for a cue that fires (rare): look for it then.
            // A window with nothing to show does not count.
            if logit < head.threshold {
                *slot = (logit, 0, 0);
            } else if let Some((start, end)) = self.explain(tokens, lexicon, cues, range, h) {
                *slot = (logit, start, end);
            }
        }
    }

    /// Where the window says most for head `h`: the word whose own weight and half of each
    /// pair it is in weigh most (with its neighbour when that pair weighs more than the word
    /// alone), or a rule cue that weighs more than any word. "You" says who, not what: it is
    /// never the word shown, only part of a pair with one. `None` when the window is only
    /// "you"s: then there is nothing to warn about.
    fn explain(
        &self,
        tokens: &[Token],
        lexicon: &Lexicon,
        cues: &[CueAt],
        range: (usize, usize),
        h: usize,
    ) -> Option<(usize, usize)> {
        let weight = |hash: u32| i32::from(self.row(hash)[h]);
        let hashes: Vec<u32> = tokens.iter().map(|t| t.form).collect();
        // The weight of the pair that ends at token `i`.
        let pair = |i: usize| match (i.checked_sub(1).and_then(|p| hashes.get(p)), hashes.get(i)) {
            (Some(&a), Some(&b)) => weight(pair_hash(a, b)),
            _ => 0,
        };
        // Scores are doubled, so that half a pair stays whole.
        let mut best: Option<(i32, usize, usize)> = None;
        for (i, (t, &hash)) in tokens.iter().zip(&hashes).enumerate() {
            let own = weight(hash);
            let (left, right) = (pair(i), pair(i + 1));
            let score = 2 * own + left + right;
            if lexicon.is_second_person(t.word) {
                continue;
            }
            let (mut start, mut end) = (t.start as usize, t.end as usize);
            if left.max(right) > own.max(0) {
                if left >= right {
                    start = tokens.get(i - 1).map_or(start, |p| p.start as usize);
                } else {
                    end = tokens.get(i + 1).map_or(end, |n| n.end as usize);
                }
            }
            if best.is_none_or(|b| score > b.0) {
                best = Some((score, start, end));
            }
        }
        // The features after the words and pairs are the cues.
        let word_features = (2 * tokens.len()).saturating_sub(1);
        let mut seen = 0;
        window_features(tokens, cues, range, |f| {
            seen += 1;
            let score = 2 * weight(f.hash);
            if seen > word_features && best.is_none_or(|b| score > b.0) {
                best = Some((score, f.start, f.end));
            }
        });
        best.map(|(_, start, end)| (start, end))
    }

    /// A feature's weights, one per head.
    fn row(&self, hash: u32) -> [i8; HEAD_COUNT] {
        let row = self
            .rows
            .get((hash & BUCKET_MASK) as usize)
            .copied()
            .unwrap_or_default();
        row.map(|b| b as i8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_model_loads_with_a_head_per_cue() {
        let model = Model::shipped().expect("its cues are in rules/cues.tsv");
        assert_eq!(model.heads().len(), HEAD_COUNT);
        for head in model.heads() {
            assert_eq!(CUES[usize::from(head.cue)].category, head.category);
            assert!(head.threshold.is_finite());
        }
    }
}
