//! The learned scorer: one small linear model per category over hashed words, word pairs and
//! the rule cues of a message, trained by `make train` (see `model/README.md`).
//!
//! Rules stay the explanation. The model only adds a `<category>.model` signal, on the words
//! that weighed most, when it is confident; it never lowers what the rules found.

use crate::lexicon::Lexicon;
use crate::normalize::{fold_char, is_apostrophe, leet_letter, Folded};
use crate::rules::CUES;
use crate::verdict::{Category, Signal};
use std::cell::Cell;

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

/// The model reads a long text in windows of about this many bytes (lines kept whole where they
/// fit), as it was trained on messages, and keeps each category's most confident window.
const WINDOW_BYTES: usize = 1024;
/// Words longer than this are cut: they are junk or keyboard mashing, never a known feature.
const MAX_WORD_BYTES: usize = 32;
/// Feature values are scaled by 1/sqrt(feature count), as if a text had at least this many:
/// a message of two words is too little evidence to be sure of anything.
pub const MIN_FEATURES: usize = 10;
/// Weight of the model's cue: a warning on its own. The model speaks only when it is sure (a
/// weaker voice, repeated over a long chat, adds up to false alarms).
pub const WEIGHT: f32 = 0.55;

/// At most this many categories have a head (`build.rs` refuses more).
const MAX_HEADS: usize = 4;
const UNIGRAM_SEED: u32 = 0x811C_9DC5;
const CUE_SEED: u32 = 0x9E37_79B9;
const NUMBER_WORD: &str = "#";

/// 32-bit FNV-1a from `seed`: the same on every platform, so training and scanning agree.
fn fnv1a(seed: u32, bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .fold(seed, |h, &b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

/// The hash of a pair of adjacent words.
fn pair_hash(first: u32, second: u32) -> u32 {
    let h = first.rotate_left(13) ^ second.wrapping_mul(0x85EB_CA6B);
    (h ^ (h >> 16)).wrapping_mul(0xC2B2_AE35)
}

/// One word as the model sees it.
#[derive(Clone, Copy, Debug)]
struct Word {
    start: u32,
    end: u32,
    hash: u32,
}

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

/// Normalises one word in place: leetspeak inside words with letters (`b0d0h`), a letter
/// repeated three times or more shrunk to two inside the word (`goooood`) and to one at its end
/// (`bodohhhh`, `pleaseee`), numbers as one shape.
fn normalise_word(word: &mut String, scratch: &mut String) {
    let has_letter = word.chars().any(char::is_alphabetic);
    if !has_letter {
        word.clear();
        word.push_str(NUMBER_WORD);
        return;
    }
    scratch.clear();
    let mut last = None;
    let mut run = 0;
    for c in word.chars() {
        let c = if c.is_ascii_digit() {
            leet_letter(c).unwrap_or(c)
        } else {
            c
        };
        if Some(c) == last {
            run += 1;
        } else {
            run = 1;
            last = Some(c);
        }
        if run <= 2 && scratch.len() + c.len_utf8() <= MAX_WORD_BYTES {
            scratch.push(c);
        }
    }
    if run >= 3 {
        scratch.pop();
    }
    std::mem::swap(word, scratch);
}

/// A word being collected: its folded characters, where it lies, and whether it is plain
/// lower-case ASCII letters that `normalise_word` would leave as they are (most words are).
#[derive(Default)]
struct WordBuilder {
    start: usize,
    end: usize,
    plain: bool,
    last: u8,
    run: u8,
}

impl WordBuilder {
    fn push(&mut self, word: &mut String, c: char, at: usize, next: usize) {
        if word.is_empty() {
            self.start = at;
            self.plain = true;
            self.run = 0;
            self.last = 0;
        }
        if c.is_ascii_lowercase() {
            let b = c as u8;
            self.run = if b == self.last {
                self.run.saturating_add(1)
            } else {
                1
            };
            self.last = b;
            self.plain &= self.run < 3;
        } else {
            self.plain = false;
        }
        word.push(c);
        self.end = next;
    }
}

/// The words of `text` (offsets shifted by `base`), folded like the rules' words are.
fn words(text: &str, base: usize, lexicon: &Lexicon, buffers: &mut Buffers) {
    let Buffers {
        words: out,
        word,
        scratch,
        ..
    } = buffers;
    out.clear();
    word.clear();
    let mut builder = WordBuilder::default();
    let mut flush = |word: &mut String, b: &WordBuilder, out: &mut Vec<Word>| {
        if word.is_empty() {
            return;
        }
        if !(b.plain && word.len() <= MAX_WORD_BYTES) {
            normalise_word(word, scratch);
        }
        out.push(Word {
            start: (base + b.start) as u32,
            end: (base + b.end) as u32,
            hash: fnv1a(UNIGRAM_SEED, word.as_bytes()),
        });
        word.clear();
    };
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        // ASCII, most of any text, without decoding or the folding table.
        if byte.is_ascii() {
            if byte.is_ascii_alphanumeric() {
                builder.push(word, char::from(byte.to_ascii_lowercase()), at, at + 1);
            } else if word.is_empty() || !is_apostrophe(char::from(byte)) {
                // An apostrophe inside a word (don't) does not end it.
                flush(word, &builder, out);
            }
            at += 1;
            continue;
        }
        let Some(c) = text.get(at..).and_then(|rest| rest.chars().next()) else {
            break;
        };
        let next = at + c.len_utf8();
        if let Some(id) = lexicon.emoji(c) {
            flush(word, &builder, out);
            out.push(Word {
                start: (base + at) as u32,
                end: (base + next) as u32,
                hash: fnv1a(UNIGRAM_SEED, lexicon.word(id).as_bytes()),
            });
        } else {
            match fold_char(c) {
                Folded::Skip => {}
                Folded::Char(f) if f.is_alphanumeric() => builder.push(word, f, at, next),
                Folded::Char(_) if is_apostrophe(c) && !word.is_empty() => {}
                Folded::Char(_) => flush(word, &builder, out),
            }
        }
        at = next;
    }
    flush(word, &builder, out);
}

/// Gives each feature of one window to `sink`, in a fixed order: its words, each followed by
/// the pair it ends, then the rule cues whose signals start in it.
fn window_features(
    words: &[Word],
    cues: &[Signal],
    from: usize,
    to: usize,
    mut sink: impl FnMut(Feature),
) {
    let mut prev: Option<&Word> = None;
    for w in words {
        sink(Feature {
            hash: w.hash,
            start: w.start as usize,
            end: w.end as usize,
        });
        if let Some(prev) = prev {
            sink(Feature {
                hash: pair_hash(prev.hash, w.hash),
                start: prev.start as usize,
                end: w.end as usize,
            });
        }
        prev = Some(w);
    }
    for s in cues.iter().filter(|s| s.start >= from && s.start < to) {
        sink(Feature {
            hash: fnv1a(CUE_SEED, s.cue.as_bytes()),
            start: s.start,
            end: s.end,
        });
    }
}

/// The features of a whole text read as one window, as the trainer sees a message.
pub(crate) fn features(text: &str, lexicon: &Lexicon, cues: &[Signal]) -> Vec<Feature> {
    with_buffers(|b| {
        words(text, 0, lexicon, b);
        let mut out = Vec::new();
        window_features(&b.words, cues, 0, text.len(), |f| out.push(f));
        out
    })
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

/// A category the model is confident about: its cue, with the span of the feature that
/// weighed most.
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
    bucket_mask: u32,
    weights: &'static [u8],
}

#[derive(Default)]
struct Buffers {
    words: Vec<Word>,
    word: String,
    scratch: String,
}

thread_local! {
    /// Buffers reused between scans (no result is kept in them).
    static BUFFERS: Cell<Buffers> = Cell::new(Buffers::default());
}

/// Runs `f` with this thread's buffers, taken out and put back (never a shared borrow).
fn with_buffers<R>(f: impl FnOnce(&mut Buffers) -> R) -> R {
    let mut buffers = BUFFERS.try_with(Cell::take).unwrap_or_default();
    let result = f(&mut buffers);
    let _ = BUFFERS.try_with(|cell| cell.set(buffers));
    result
}

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
        Some(Model {
            heads,
            bucket_mask: (1u32 << BUCKET_BITS) - 1,
            weights: MODEL_WEIGHTS,
        })
    }

    #[cfg(test)]
    fn heads(&self) -> &[Head] {
        &self.heads
    }

    /// Scores `text` window by window and appends a hit for each category the model is
    /// confident about. `cues` are the rule signals found in the text.
    pub(crate) fn score(
        &self,
        text: &str,
        lexicon: &Lexicon,
        cues: &[Signal],
        out: &mut Vec<ModelHit>,
    ) {
        with_buffers(|b| {
            // Per head: the best logit so far and the span that explains it.
            let mut best: Vec<(f32, usize, usize)> =
                vec![(f32::NEG_INFINITY, 0, 0); self.heads.len()];
            for (from, window) in windows(text) {
                words(window, from, lexicon, b);
                self.score_window(&b.words, cues, from, from + window.len(), &mut best);
            }
            for (head, (logit, start, end)) in self.heads.iter().zip(best) {
                if logit >= head.threshold {
                    out.push(ModelHit {
                        cue: head.cue,
                        start,
                        end,
                    });
                }
            }
        });
    }

    /// Scores one window (its words, and the rule cues from byte `from` to `to`) and keeps, per
    /// head, the better of its logit and the one in `best`, with the span that explains it.
    fn score_window(
        &self,
        words: &[Word],
        cues: &[Signal],
        from: usize,
        to: usize,
        best: &mut [(f32, usize, usize)],
    ) {
        // One pass over the features for every head: a bucket's weights sit side by side.
        let heads = self.heads.len();
        let mut count = 0usize;
        let mut sums = [0i32; MAX_HEADS];
        let mut tops = [(i8::MIN, 0usize, 0usize); MAX_HEADS];
        window_features(words, cues, from, to, |f| {
            count += 1;
            let at = (f.hash & self.bucket_mask) as usize * heads;
            let Some(row) = self.weights.get(at..at + heads) else {
                return;
            };
            for (h, &byte) in row.iter().enumerate().take(MAX_HEADS) {
                let w = byte as i8;
                sums[h] += i32::from(w);
                // Only a new top needs its span (most features are not).
                if w > tops[h].0 {
                    tops[h] = (w, f.start, f.end);
                }
            }
        });
        if count == 0 {
            return;
        }
        let norm = 1.0 / (count.max(MIN_FEATURES) as f32).sqrt();
        for (((head, sum), top), slot) in self.heads.iter().zip(sums).zip(tops).zip(best) {
            let logit = head.bias + head.scale * (sum as f32) * norm;
            if logit > slot.0 {
                *slot = (logit, top.1, top.2);
            }
        }
    }
}

/// Splits `text` into the windows the model reads: the whole text when it is message-sized
/// (up to `WINDOW_BYTES`, as the model was trained), otherwise each line, a line longer than
/// that cut at a space or a character boundary. Yields `(offset, window)`.
fn windows(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let whole = text.len() <= WINDOW_BYTES;
    let mut offset = 0;
    std::iter::from_fn(move || {
        let rest = text.get(offset..).filter(|r| !r.is_empty())?;
        let mut cut = rest.len();
        if !whole {
            let mut limit = rest.len().min(WINDOW_BYTES);
            while !rest.is_char_boundary(limit) {
                limit -= 1;
            }
            let window = &rest[..limit];
            cut = match window.find('\n') {
                Some(i) => i + 1,
                None if limit < rest.len() => window
                    .rfind(' ')
                    .filter(|&i| i > 0)
                    .map_or(limit, |i| i + 1),
                None => limit,
            };
        }
        let piece = (offset, &rest[..cut]);
        offset += cut;
        Some(piece)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_model_loads_with_a_head_per_cue() {
        let model = Model::shipped().expect("model/model.tsv and model/weights.bin fit together");
        assert!(!model.heads().is_empty());
        for head in model.heads() {
            assert_eq!(CUES[usize::from(head.cue)].category, head.category);
            assert!(head.threshold.is_finite());
        }
    }

    #[test]
    fn words_are_folded_like_the_rules_words() {
        let lexicon = Lexicon::new(&[true, true]);
        let plain = features("kamu bodoh", &lexicon, &[]);
        let disguised = features("KAMU b0d0hhhh!!", &lexicon, &[]);
        assert_eq!(
            plain.iter().map(|f| f.hash).collect::<Vec<_>>(),
            disguised.iter().map(|f| f.hash).collect::<Vec<_>>()
        );
        // Spans point into the original text.
        assert_eq!(
            &"KAMU b0d0hhhh!!"[disguised[1].start..disguised[1].end],
            "b0d0hhhh"
        );
    }

    #[test]
    fn windows_cover_the_text_once_and_stay_small() {
        let text = "satu baris\n".repeat(500) + &"x".repeat(3000) + " é";
        let mut covered = 0;
        let mut lines = 0;
        for (from, window) in windows(&text) {
            assert_eq!(from, covered);
            assert!(window.len() <= WINDOW_BYTES);
            lines += usize::from(window == "satu baris\n");
            covered += window.len();
        }
        assert_eq!(covered, text.len());
        assert_eq!(lines, 500, "a long text is read line by line");
        let message = "Q: kamu kenapa?\nA: gapapa kok";
        assert_eq!(windows(message).collect::<Vec<_>>(), [(0, message)]);
    }
}
