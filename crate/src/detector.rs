//! The detector: tokenises a message, matches the rules, cancels benign look-alikes, and scores
//! each category.

use crate::error::Error;
use crate::lexicon::Lexicon;
use crate::matcher::{could_match, match_at, signatures, Index, Sets, Signature, STARTS_SAFE};
use crate::model::{
    CueAt, Feature, Model, ModelHit, NOTHING_READ, WEIGHT as MODEL_WEIGHT, WINDOW_BYTES,
};
use crate::recognize::{email_addresses, phone_numbers, MIN_PHONE_DIGITS};
use crate::rules::{SafeDef, SafeScope, SafeTarget, CUES, LANGUAGES, PATTERNS, SAFE};
use crate::tokenize::{tokenize, Tokens};
use crate::verdict::{Category, Context, Direction, Signal, Verdict};
use std::cell::RefCell;

/// Texts longer than this are scanned in pieces, so memory stays small on huge pages.
const CHUNK_BYTES: usize = 16 * 1024;
/// A verdict lists at most this many signals (the first ones in the text), and at most
/// `MAX_SIGNALS_PER_CUE` of one cue.
const MAX_SIGNALS: usize = 64;
const MAX_SIGNALS_PER_CUE: usize = 8;
/// A negation just before a `neg` cue (`you are not stupid`) keeps this much of its weight.
const NEGATED_WEIGHT: f32 = 0.2;
/// Hits weaker than this (after context) are not listed as signals.
const MIN_SIGNAL_WEIGHT: f32 = 0.1;
/// A weak insult near "you"/"kamu" is aimed at someone: it grows by this factor, up to the cap.
const TARGETED_FACTOR: f32 = 1.7;
const TARGETED_CAP: f32 = 0.6;
/// Weights of the personal details recognised by shape.
const PHONE_WEIGHT: f32 = 0.6;
const EMAIL_WEIGHT: f32 = 0.5;

/// How much each category counts, by direction. The child's own messages are where personal
/// details and self-harm talk appear; other people's are where grooming and sexual approaches do.
fn direction_factor(direction: Direction, category: Category) -> f32 {
    match (direction, category) {
        (Direction::Unknown, _) => 1.0,
        (Direction::Incoming, Category::PersonalInfo) => 0.3,
        (Direction::Incoming, Category::SelfHarm) => 0.6,
        (Direction::Outgoing, Category::Grooming) => 0.3,
        (Direction::Outgoing, Category::Sexual) => 0.6,
        _ => 1.0,
    }
}

/// Builds a [`Detector`] with options.
#[derive(Clone, Debug)]
pub struct DetectorBuilder {
    languages: Option<Vec<String>>,
    model: bool,
}

impl Default for DetectorBuilder {
    fn default() -> DetectorBuilder {
        DetectorBuilder {
            languages: None,
            model: true,
        }
    }
}

impl DetectorBuilder {
    /// A builder with every compiled-in language.
    pub fn new() -> DetectorBuilder {
        DetectorBuilder::default()
    }

    /// Only these languages' rules (codes such as `"en"`, `"id"`; see [`Detector::languages`]).
    /// The learned scorer is not per language and stays on unless [`DetectorBuilder::model`]
    /// turns it off.
    pub fn languages<I, S>(mut self, languages: I) -> DetectorBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.languages = Some(languages.into_iter().map(Into::into).collect());
        self
    }

    /// Whether the learned scorer adds its `<category>.model` signals (on by default; off gives
    /// the rules alone, for comparison).
    pub fn model(mut self, enabled: bool) -> DetectorBuilder {
        self.model = enabled;
        self
    }

    /// Builds the detector.
    ///
    /// # Errors
    /// When a language is not compiled in, or the list of languages is empty.
    pub fn build(self) -> Result<Detector, Error> {
        let mut enabled = vec![self.languages.is_none(); LANGUAGES.len()];
        if let Some(languages) = &self.languages {
            if languages.is_empty() {
                return Err(Error::config("no language enabled"));
            }
            for code in languages {
                let index = LANGUAGES
                    .iter()
                    .position(|l| l == code)
                    .ok_or_else(|| Error::config(format!("unknown language {code:?}")))?;
                enabled[index] = true;
            }
        }
        let lang_on = |lang: u8| enabled.get(usize::from(lang)).copied().unwrap_or(false);
        let lexicon = Lexicon::new(&enabled);
        let mut sets = Sets::build(
            PATTERNS
                .iter()
                .filter(|p| lang_on(p.lang))
                .map(|p| p.elements),
        );
        let patterns = Index::build(
            PATTERNS
                .iter()
                .enumerate()
                .filter(|(_, p)| lang_on(p.lang))
                .map(|(i, p)| (i as u32, p.elements, p.required)),
            &lexicon,
            &sets,
        );
        let safe = Index::build(
            SAFE.iter()
                .enumerate()
                .filter(|(_, s)| lang_on(s.lang))
                .map(|(i, s)| (i as u32, s.elements, s.required)),
            &lexicon,
            &sets,
        );
        sets.note_starts(&patterns, &safe);
        let cue_index = |id: &str| CUES.iter().position(|c| c.id == id).map(|i| i as u16);
        Ok(Detector {
            lexicon,
            patterns,
            safe,
            message_safe: SAFE
                .iter()
                .filter(|s| lang_on(s.lang) && s.scope == SafeScope::Message)
                .map(|s| &s.target)
                .collect(),
            sets,
            enabled,
            model: if self.model { Model::shipped() } else { None },
            phone_cue: cue_index("personal_info.phone"),
            email_cue: cue_index("personal_info.email"),
        })
    }
}

/// Reads messages and says what risks they carry. Build it once and reuse it: building indexes
/// the compiled rules; scanning allocates only per message.
///
/// # Example
/// ```
/// use lindungi::{Category, Context, Detector, Direction, Level};
///
/// let detector = Detector::default();
/// let verdict = detector.scan(
///     "this is our secret, don't tell your mom",
///     &Context::new(Direction::Incoming),
/// );
/// assert!(verdict.level_of(Category::Grooming) >= Level::Medium);
/// assert!(verdict.signals.iter().any(|s| s.cue == "grooming.secrecy"));
/// ```
#[derive(Debug)]
pub struct Detector {
    lexicon: Lexicon,
    patterns: Index,
    safe: Index,
    /// The alternative sets whose presence word signatures cannot tell (see `Sets`).
    sets: Sets,
    /// The targets of the safe patterns that cancel in the whole message.
    message_safe: Vec<&'static SafeTarget>,
    enabled: Vec<bool>,
    model: Option<Model>,
    /// The cues of the personal details recognised by shape (indexes into `CUES`).
    phone_cue: Option<u16>,
    email_cue: Option<u16>,
}

/// The buffers one scan works in, kept between scans so that a scan allocates nothing once
/// they have grown (allocation is a large share of a short message's cost, in wasm above all).
#[derive(Default)]
struct Scratch {
    tokens: Tokens,
    hits: Vec<Hit>,
    candidates: Vec<u32>,
    safe_matches: Vec<(u32, usize, usize)>,
    /// Per token: the words from it to the end of its sentence (`matcher::signatures`).
    words: Vec<Signature>,
    /// The tokens that may start a pattern, last first (`signatures`).
    starting: Vec<u32>,
    /// Per cue (index into `CUES`): its weight in this scan and its signals so far; all zero
    /// between scans (a scan resets the cues it touched, listed in `touched_cues`).
    cue_weights: Vec<f32>,
    per_cue_signals: Vec<usize>,
    touched_cues: Vec<u16>,
    model_hits: Vec<ModelHit>,
    /// The rule cues of the current chunk, after context, for the learned scorer.
    chunk_cues: Vec<CueAt>,
}

thread_local! {
    /// One scratch per thread: the only state shared between scans, and it holds no result
    /// (every scan clears what it uses). Per thread, so detectors stay `Sync` without locks.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Default for Detector {
    /// A detector with every compiled-in language.
    fn default() -> Detector {
        Detector::builder()
            .build()
            .unwrap_or_else(|_| unreachable!("all languages are valid"))
    }
}

/// One cue found in a message, before scoring.
#[derive(Clone, Copy, Debug)]
struct Hit {
    cue: u16,
    weight: f32,
    negatable: bool,
    /// Token range, when the hit came from a pattern.
    tokens: Option<(usize, usize)>,
    start: usize,
    end: usize,
}

/// A scan's result with the per-cue weights that conversations build on.
#[derive(Debug, Default)]
pub(crate) struct Analysis {
    pub(crate) verdict: Verdict,
    /// The strongest weight of each cue that fired (index into `CUES`), after context.
    pub(crate) cue_weights: Vec<(u16, f32)>,
    /// Per category (`Category::index`): a cue of it was negated.
    pub(crate) negated: [bool; 6],
}

/// What the learned scorer reads in a message (see [`Detector::model_input`]).
#[doc(hidden)]
#[derive(Debug)]
pub struct ModelInput {
    /// Hashed words, word pairs and rule cues.
    pub features: Vec<Feature>,
    /// Per category (in [`Category::ALL`] order): the rules saw a negation or a benign sense
    /// of it, so the scorer's cue for it does not fire.
    pub overruled: [bool; 6],
}

impl Detector {
    /// A builder for a detector with options.
    pub fn builder() -> DetectorBuilder {
        DetectorBuilder::new()
    }

    /// The codes of the languages whose rules are compiled in.
    pub fn languages() -> &'static [&'static str] {
        LANGUAGES
    }

    /// The codes of the languages this detector uses.
    pub fn enabled_languages(&self) -> Vec<&'static str> {
        LANGUAGES
            .iter()
            .zip(&self.enabled)
            .filter(|(_, on)| **on)
            .map(|(l, _)| *l)
            .collect()
    }

    /// Every cue id the rules can report, with its category.
    pub fn cues() -> impl Iterator<Item = (&'static str, Category)> {
        CUES.iter().map(|c| (c.id, c.category))
    }

    /// Scans one message. Never fails and never panics: any text gets a verdict.
    pub fn scan(&self, text: &str, context: &Context) -> Verdict {
        self.analyse(text, context).verdict
    }

    /// Whether the learned scorer is on.
    pub fn has_model(&self) -> bool {
        self.model.is_some()
    }

    /// What the learned scorer reads in `text` as one message, as the trainer sees it: its
    /// features (with the rule cues of this detector's rules alone), and the categories where
    /// the rules overrule it.
    #[doc(hidden)]
    pub fn model_input(&self, text: &str, context: &Context) -> ModelInput {
        let mut features = Vec::new();
        let mut scratch = Scratch::default();
        let analysis = self.analyse_in(text, context, None, Some(&mut features), &mut scratch);
        // As in a scan: a text of one chunk is still tokenised in the scratch.
        let one_chunk = text.len() <= CHUNK_BYTES;
        let rules_saw_sexual = analysis
            .cue_weights
            .iter()
            .any(|&(cue, _)| CUES[usize::from(cue)].category == Category::Sexual);
        let sexual_unfounded =
            self.sexual_unfounded(rules_saw_sexual, text, one_chunk, &mut scratch.tokens);
        let overruled = Category::ALL.map(|c| {
            analysis.negated[c.index()]
                || (c == Category::Sexual && sexual_unfounded)
                || self.safe_aimed_at(
                    text,
                    c,
                    one_chunk,
                    &mut scratch.tokens,
                    &mut scratch.words,
                    &mut scratch.candidates,
                )
        });
        ModelInput {
            features,
            overruled,
        }
    }

    pub(crate) fn analyse(&self, text: &str, context: &Context) -> Analysis {
        // A scan never calls another, so the scratch is always free; a fresh one keeps this
        // correct (only slower) if that ever changed.
        let model = self.model.as_ref();
        SCRATCH
            .try_with(|scratch| match scratch.try_borrow_mut() {
                Ok(mut scratch) => self.analyse_in(text, context, model, None, &mut scratch),
                Err(_) => self.analyse_in(text, context, model, None, &mut Scratch::default()),
            })
            .unwrap_or_else(|_| {
                self.analyse_in(text, context, model, None, &mut Scratch::default())
            })
    }

    /// The scan itself. `model`: the learned scorer to read the text with; `features`: where
    /// to put its features of the whole text instead (for the trainer).
    fn analyse_in(
        &self,
        text: &str,
        context: &Context,
        model: Option<&Model>,
        mut features: Option<&mut Vec<Feature>>,
        scratch: &mut Scratch,
    ) -> Analysis {
        let Scratch {
            tokens,
            hits,
            candidates,
            safe_matches,
            words,
            starting,
            cue_weights,
            per_cue_signals,
            touched_cues,
            model_hits,
            chunk_cues,
        } = scratch;
        if cue_weights.len() != CUES.len() {
            *cue_weights = vec![0.0; CUES.len()];
            *per_cue_signals = vec![0; CUES.len()];
        }
        touched_cues.clear();
        let mut signals = Vec::new();
        // Categories the rules saw negated ("you're not stupid"): the learned scorer does not
        // overrule them (nor a benign sense that a safe pattern names; see `safe_aimed_at`).
        let mut negated = [false; 6];
        let learn = model.is_some() || features.is_some();
        let mut best = NOTHING_READ;
        for (base, chunk) in chunks(text) {
            tokenize(chunk, base, &self.lexicon, tokens);
            let tokens = &*tokens;
            signatures(tokens, &self.sets, words, starting);
            hits.clear();
            self.pattern_hits(tokens, words, starting, candidates, hits);
            self.cancel_safe(tokens, words, candidates, safe_matches, hits);
            self.add_shape_hits(chunk, base, tokens, hits);
            chunk_cues.clear();
            for hit in hits.iter() {
                let category = CUES[usize::from(hit.cue)].category;
                let mut weight = hit.weight * direction_factor(context.direction, category);
                if let Some((start, end)) = hit.tokens {
                    if hit.negatable && self.negated(tokens, start) {
                        weight *= NEGATED_WEIGHT;
                        negated[category.index()] = true;
                    } else if category == Category::Bullying && self.targeted(tokens, start, end) {
                        weight = weight.max((weight * TARGETED_FACTOR).min(TARGETED_CAP));
                    }
                }
                let slot = cue_slot(cue_weights, touched_cues, hit.cue);
                *slot = slot.max(weight);
                // A cue negated away ("you are not stupid") explains nothing.
                if weight < MIN_SIGNAL_WEIGHT {
                    continue;
                }
                if learn {
                    chunk_cues.push((hit.cue, hit.start, hit.end));
                }
                let count = &mut per_cue_signals[usize::from(hit.cue)];
                if signals.len() < MAX_SIGNALS && *count < MAX_SIGNALS_PER_CUE {
                    *count += 1;
                    signals.push(Signal {
                        category,
                        cue: CUES[usize::from(hit.cue)].id,
                        start: hit.start,
                        end: hit.end,
                    });
                }
            }
            // The learned scorer reads the rules' words of this chunk and the cues they found.
            if let Some(model) = model {
                let whole = text.len() <= WINDOW_BYTES;
                model.read(&tokens.list, &self.lexicon, chunk_cues, whole, &mut best);
            }
            if let Some(out) = features.as_deref_mut() {
                crate::model::features(&tokens.list, chunk_cues, out);
            }
        }
        // One span per stretch of text and cue: overlapping matches of a cue merge.
        signals.sort_by_key(|s| (s.cue, s.start, s.end));
        signals.dedup_by(|next, kept| {
            let overlaps = next.cue == kept.cue && next.start < kept.end;
            if overlaps {
                kept.end = kept.end.max(next.end);
            }
            overlaps
        });
        // The learned scorer may add its own cue to a category.
        if let Some(model) = model {
            // A text of one chunk is still tokenised in the scratch.
            let one_chunk = text.len() <= CHUNK_BYTES;
            model_hits.clear();
            model.hits(&best, model_hits);
            for hit in model_hits.iter() {
                let cue = &CUES[usize::from(hit.cue)];
                // Only asked when the sexual head fired: most scans never get here.
                let rules_saw_sexual = || {
                    touched_cues.iter().any(|&c| {
                        CUES[usize::from(c)].category == Category::Sexual
                            && cue_weights[usize::from(c)] > 0.0
                    })
                };
                if negated[cue.category.index()]
                    || self.safe_aimed_at(text, cue.category, one_chunk, tokens, words, candidates)
                    || (cue.category == Category::Sexual
                        && self.sexual_unfounded(rules_saw_sexual(), text, one_chunk, tokens))
                {
                    continue;
                }
                let weight = MODEL_WEIGHT * direction_factor(context.direction, cue.category);
                *cue_slot(cue_weights, touched_cues, hit.cue) = weight;
                if weight >= MIN_SIGNAL_WEIGHT && signals.len() < MAX_SIGNALS {
                    signals.push(Signal {
                        category: cue.category,
                        cue: cue.id,
                        start: hit.start,
                        end: hit.end,
                    });
                }
            }
        }
        signals.sort_by_key(|s| (s.start, s.end, s.cue));
        let mut scores = [0.0f32; 6];
        let mut remaining = [1.0f32; 6];
        let mut fired = Vec::new();
        // In cue order, as the categories' scores are products in that order.
        touched_cues.sort_unstable();
        for &cue in touched_cues.iter() {
            let cue = usize::from(cue);
            let weight = std::mem::take(&mut cue_weights[cue]);
            per_cue_signals[cue] = 0;
            if weight > 0.0 {
                let category = CUES[cue].category.index();
                remaining[category] *= 1.0 - weight.min(1.0);
                fired.push((cue as u16, weight));
            }
        }
        for (score, rest) in scores.iter_mut().zip(remaining) {
            *score = 1.0 - rest;
        }
        Analysis {
            verdict: Verdict::from_scores(scores, signals),
            cue_weights: fired,
            negated,
        }
    }

    fn pattern_hits(
        &self,
        tokens: &Tokens,
        words: &[Signature],
        starting: &[u32],
        candidates: &mut Vec<u32>,
        hits: &mut Vec<Hit>,
    ) {
        // The candidates that pass `may_match`, gathered without a branch per candidate: most
        // fail, and which do is hard to predict.
        let mut passed = [0u32; 64];
        // Only where a pattern may start (a quarter of the tokens), first to last.
        for (i, words) in starting.iter().rev().filter_map(|&i| {
            let i = i as usize;
            words.get(i).map(|words| (i, words))
        }) {
            for some in self.patterns.candidates(tokens, i, candidates).chunks(64) {
                let mut n = 0;
                for &id in some {
                    if let Some(slot) = passed.get_mut(n) {
                        *slot = id;
                    }
                    n += usize::from(self.patterns.may_match(id, *words));
                }
                for &id in passed.get(..n).unwrap_or(&[]) {
                    self.pattern_hit(id, tokens, i, *words, hits);
                }
            }
        }
    }

    /// Tries pattern `id` (a candidate that passed `may_match`) at token `i`.
    fn pattern_hit(
        &self,
        id: u32,
        tokens: &Tokens,
        i: usize,
        words: Signature,
        hits: &mut Vec<Hit>,
    ) {
        let pattern = &PATTERNS[id as usize];
        if !could_match(pattern.required, words.words) || !self.patterns.near(id, tokens, i) {
            return;
        }
        if let Some(end) = match_at(pattern.elements, tokens, i, self.patterns.members()) {
            let (start_byte, end_byte) = span_of(tokens, i, end);
            hits.push(Hit {
                cue: pattern.cue,
                weight: pattern.weight,
                negatable: pattern.negatable,
                tokens: Some((i, end)),
                start: start_byte,
                end: end_byte,
            });
        }
    }

    /// Drops hits that a safe pattern (a benign look-alike) covers.
    fn cancel_safe(
        &self,
        tokens: &Tokens,
        words: &[Signature],
        candidates: &mut Vec<u32>,
        safe_matches: &mut Vec<(u32, usize, usize)>,
        hits: &mut Vec<Hit>,
    ) {
        if hits.is_empty() {
            return;
        }
        // A safe pattern aimed at none of the hits' cues or categories cancels nothing: it is
        // not matched at all.
        let (mut hit_cues, mut hit_categories, mut many_cues) = (0u64, 0u8, false);
        for hit in hits.iter() {
            match 1u64.checked_shl(u32::from(hit.cue)) {
                Some(bit) => hit_cues |= bit,
                None => many_cues = true,
            }
            hit_categories |= 1 << CUES[usize::from(hit.cue)].category.index();
        }
        let aims_at_hits = |target: &SafeTarget| match target {
            SafeTarget::All => true,
            SafeTarget::Category(c) => hit_categories & (1 << c.index()) != 0,
            SafeTarget::Cue(c) => {
                many_cues
                    || 1u64
                        .checked_shl(u32::from(*c))
                        .is_some_and(|b| hit_cues & b != 0)
            }
        };
        // A safe match cancels in its span only the hits it overlaps, so unless a safe pattern
        // that cancels in the whole message is aimed at a hit, only the tokens from which a
        // match can reach a hit are tried: up to `max_span - 1` tokens before one, or within.
        // Hits come in the order of their first token (pattern_hits), checked here.
        let starts = |h: &Hit| h.tokens.map_or(0, |(s, _)| s);
        let everywhere = self.message_safe.iter().any(|t| aims_at_hits(t))
            || !hits.windows(2).all(|w| starts(&w[0]) <= starts(&w[1]));
        let reach = self.safe.max_span().saturating_sub(1);
        let (mut next, mut reachable_until) = (0, 0);
        safe_matches.clear();
        for (i, &words) in words.iter().enumerate() {
            if !everywhere {
                while let Some(hit) = hits.get(next).filter(|h| starts(h) <= i + reach) {
                    if let Some((_, end)) = hit.tokens {
                        reachable_until = reachable_until.max(end);
                    }
                    next += 1;
                }
                if i >= reachable_until {
                    continue;
                }
            }
            if words.starts & STARTS_SAFE == 0 {
                continue;
            }
            for &id in self.safe.candidates(tokens, i, candidates) {
                if !aims_at_hits(&SAFE[id as usize].target) {
                    continue;
                }
                if let Some(end) = self.safe_match_at(id, tokens, i, words) {
                    safe_matches.push((id, i, end));
                }
            }
        }
        if safe_matches.is_empty() {
            return;
        }
        hits.retain(|hit| {
            let cue = &CUES[usize::from(hit.cue)];
            !safe_matches.iter().any(|&(id, start, end)| {
                let safe = &SAFE[id as usize];
                let aimed = match safe.target {
                    SafeTarget::All => true,
                    SafeTarget::Category(c) => c == cue.category,
                    SafeTarget::Cue(c) => c == hit.cue,
                };
                aimed
                    && match (safe.scope == SafeScope::Message, hit.tokens) {
                        (true, _) => true,
                        (false, Some((s, e))) => s < end && start < e,
                        (false, None) => false,
                    }
            })
        });
    }

    /// Whether a safe pattern aimed at `category` (or one of its cues) matches anywhere in
    /// `text`: the rules know a benign sense of it here. Only asked when the learned scorer
    /// would add a cue, so it looks then rather than on every scan. `scanned`: `tokens` and
    /// `words` still hold the whole text (it was one chunk), so it need not tokenise again.
    fn safe_aimed_at(
        &self,
        text: &str,
        category: Category,
        scanned: bool,
        tokens: &mut Tokens,
        words: &mut Vec<Signature>,
        candidates: &mut Vec<u32>,
    ) -> bool {
        if scanned {
            return self.safe_in(category, tokens, words, candidates);
        }
        chunks(text).any(|(base, chunk)| {
            tokenize(chunk, base, &self.lexicon, tokens);
            signatures(tokens, &self.sets, words, &mut Vec::new());
            self.safe_in(category, tokens, words, candidates)
        })
    }

    /// Whether the learned scorer's sexual cue has nothing to stand on in `text`: the rules saw
    /// nothing sexual and no word is about bodies, clothes, undressing or sex (`@sexual_topic`).
    /// "Do you have", "send me a pic" or "i like you" alone are everyday words. `scanned`: the
    /// text is one chunk, still tokenised in `tokens`.
    fn sexual_unfounded(
        &self,
        rules_saw_sexual: bool,
        text: &str,
        scanned: bool,
        tokens: &mut Tokens,
    ) -> bool {
        if rules_saw_sexual {
            return false;
        }
        let found = |tokens: &Tokens| {
            tokens
                .list
                .iter()
                .any(|t| self.lexicon.is_sexual_topic(t.word))
        };
        if scanned {
            return !found(tokens);
        }
        !chunks(text).any(|(base, chunk)| {
            tokenize(chunk, base, &self.lexicon, tokens);
            found(tokens)
        })
    }

    /// `safe_aimed_at` in one tokenised chunk.
    fn safe_in(
        &self,
        category: Category,
        tokens: &Tokens,
        words: &[Signature],
        candidates: &mut Vec<u32>,
    ) -> bool {
        words.iter().enumerate().any(|(i, &words)| {
            words.starts & STARTS_SAFE != 0
                && self
                    .safe
                    .candidates(tokens, i, candidates)
                    .iter()
                    .any(|&id| {
                        aimed_at(&SAFE[id as usize], category)
                            && self.safe_match_at(id, tokens, i, words).is_some()
                    })
        })
    }

    /// Where safe pattern `id` matches from token `i` (whose sentence signature is `words`), if
    /// it does.
    fn safe_match_at(&self, id: u32, tokens: &Tokens, i: usize, words: Signature) -> Option<usize> {
        let safe = &SAFE[id as usize];
        if !self.safe.may_match(id, words) || !could_match(safe.required, words.words) {
            return None;
        }
        match_at(safe.elements, tokens, i, self.safe.members())
    }

    /// Phone numbers and e-mail addresses; the tokenizer's counts say which can be there.
    fn add_shape_hits(&self, chunk: &str, base: usize, tokens: &Tokens, hits: &mut Vec<Hit>) {
        let phones = if tokens.ascii_digits >= MIN_PHONE_DIGITS {
            phone_numbers(chunk)
        } else {
            Vec::new()
        };
        let emails = if tokens.has_at_sign {
            email_addresses(chunk)
        } else {
            Vec::new()
        };
        let shapes = [
            (self.phone_cue, PHONE_WEIGHT, phones),
            (self.email_cue, EMAIL_WEIGHT, emails),
        ];
        for (cue, weight, ranges) in shapes {
            let Some(cue) = cue else { continue };
            for range in ranges {
                hits.push(Hit {
                    cue,
                    weight,
                    negatable: false,
                    tokens: None,
                    start: base + range.start,
                    end: base + range.end,
                });
            }
        }
    }

    /// Whether one of the two words before token `start` (in its sentence) is a negation.
    fn negated(&self, tokens: &Tokens, start: usize) -> bool {
        let sentence = tokens.list[start].sentence;
        tokens.list[start.saturating_sub(2)..start]
            .iter()
            .any(|t| t.sentence == sentence && self.lexicon.is_negation(t.word))
    }

    /// Whether "you" (or its equivalent) stands within three words before or two after.
    fn targeted(&self, tokens: &Tokens, start: usize, end: usize) -> bool {
        let sentence = tokens.list[start].sentence;
        let to = (end + 2).min(tokens.list.len());
        tokens.list[start.saturating_sub(3)..to]
            .iter()
            .any(|t| t.sentence == sentence && self.lexicon.is_second_person(t.word))
    }
}

/// The weight slot of `cue` in a scan, noted in `touched` the first time it is set (so the scan
/// can add up and reset only those).
fn cue_slot<'a>(weights: &'a mut [f32], touched: &mut Vec<u16>, cue: u16) -> &'a mut f32 {
    let slot = &mut weights[usize::from(cue)];
    if *slot == 0.0 {
        touched.push(cue);
    }
    slot
}

/// Whether a safe pattern is aimed at `category` (or at one of its cues).
fn aimed_at(safe: &SafeDef, category: Category) -> bool {
    match safe.target {
        SafeTarget::All => true,
        SafeTarget::Category(c) => c == category,
        SafeTarget::Cue(c) => CUES[usize::from(c)].category == category,
    }
}

fn span_of(tokens: &Tokens, start: usize, end: usize) -> (usize, usize) {
    let first = &tokens.list[start];
    let last = &tokens.list[end.max(start + 1) - 1];
    (first.start as usize, last.end.max(first.end) as usize)
}

/// Splits a long text into pieces of about `CHUNK_BYTES`, at a line break or space where
/// possible, always at a character boundary. Yields `(offset, piece)`.
fn chunks(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    std::iter::from_fn(move || {
        if offset >= text.len() {
            return (offset == 0 && text.is_empty()).then(|| {
                offset = 1;
                (0, "")
            });
        }
        let rest = &text[offset..];
        let mut cut = rest.len();
        if rest.len() > CHUNK_BYTES {
            let mut limit = CHUNK_BYTES;
            while !rest.is_char_boundary(limit) {
                limit -= 1;
            }
            let window = &rest[..limit];
            cut = window
                .rfind('\n')
                .or_else(|| window.rfind(' '))
                .filter(|&i| i > limit / 2)
                .map_or(limit, |i| i + 1);
        }
        let piece = (offset, &rest[..cut]);
        offset += cut;
        Some(piece)
    })
}
