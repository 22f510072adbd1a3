//! Finds where the compiled patterns match a tokenised message.

use crate::lexicon::Lexicon;
use crate::rules::{AltSet, Element, PREFIXES, VOCAB};
use crate::tokenize::{Token, TokenKind, Tokens, NO_WORD};
use std::collections::BTreeMap;

/// Patterns indexed by what their first word can be, so each token only tries the few patterns
/// that can start there. Patterns whose second word is one of a short list are indexed by the
/// pair: common first words ("i", "you", "kamu") start hundreds of patterns.
#[derive(Debug, Default)]
pub(crate) struct Index {
    /// Per word id: the patterns starting with that word (and no short second-word list).
    by_word: Lists,
    /// Per word id: the candidates of a vocabulary word token (see `WordStarts`).
    words: Vec<WordStarts>,
    /// Per word id, one bit: whether it starts any candidate (most do not, and say so in a
    /// read of this small table rather than of the large `words`).
    starting: Vec<u64>,
    /// Per word id: `by_word` merged with `by_prefix` of the word's prefixes, sorted and
    /// deduplicated: the candidates of a vocabulary word token, but for pairs.
    listed_items: Vec<u32>,
    /// The pairs of each first word (`WordStarts::pairs`), sorted by second word.
    pairs: Vec<Pair>,
    pair_items: Vec<u32>,
    /// Per prefix id (`PREFIXES`): the patterns whose first word may start with it.
    by_prefix: Lists,
    numbers: Vec<u32>,
    /// Per id: what the sentence must have for the pattern to match, checked before trying it.
    filters: Vec<Filter>,
    /// Per id: where its next required position can be, checked last (kept apart: most
    /// candidates are turned down by their `Filter` alone).
    nears: Vec<[Near; 2]>,
    /// The most tokens a match of any of the patterns covers.
    max_span: usize,
    /// The words and prefixes of the patterns' large sets.
    members: Members,
}

/// The words and prefixes of the large alternative sets (`LARGE_SET` and more), one bit each,
/// so that they are looked up in one read: they are the sets tried most (`@insult` ...). Small
/// sets are searched in place.
#[derive(Debug, Default)]
pub(crate) struct Members {
    /// Per set id (`AltSet::id`): the first of its words of `bits`, or `SMALL_SET`.
    start: Vec<u32>,
    /// Per large set: a bit per vocabulary word, then one per prefix (`PREFIXES`).
    bits: Vec<u64>,
}

/// Sets with at least this many words (or prefixes) get bits in `Members`.
const LARGE_SET: usize = 16;
const SMALL_SET: u32 = u32::MAX;

impl Members {
    fn build<'a>(patterns: impl Iterator<Item = &'a [Element]>) -> Members {
        let width = (VOCAB.len() + PREFIXES.len()).div_ceil(64);
        let mut members = Members::default();
        for elements in patterns {
            for element in elements {
                let (Element::One(alts) | Element::Optional(alts)) = element else {
                    continue;
                };
                if alts.words.len() < LARGE_SET && alts.prefixes.len() < LARGE_SET {
                    continue;
                }
                let id = usize::from(alts.id);
                if members.start.len() <= id {
                    members.start.resize(id + 1, SMALL_SET);
                }
                let Some(start) = members.start.get_mut(id).filter(|s| **s == SMALL_SET) else {
                    continue;
                };
                *start = members.bits.len() as u32;
                let first = members.bits.len();
                members.bits.resize(first + width, 0);
                let prefixes = alts.prefixes.iter().map(|&p| VOCAB.len() + usize::from(p));
                for bit in alts.words.iter().map(|&w| w as usize).chain(prefixes) {
                    if let Some(word) = members.bits.get_mut(first + bit / 64) {
                        *word |= 1 << (bit % 64);
                    }
                }
            }
        }
        members
    }

    /// Where the bits of `alts` start, if it is a large set.
    fn of(&self, alts: &AltSet) -> Option<usize> {
        self.start
            .get(usize::from(alts.id))
            .filter(|&&start| start != SMALL_SET)
            .map(|&start| start as usize)
    }

    fn bit(&self, start: usize, bit: usize) -> bool {
        self.bits
            .get(start + bit / 64)
            .is_some_and(|word| word >> (bit % 64) & 1 != 0)
    }

    /// Whether `word` is one of the words of `alts` (its signature bit first: most words are
    /// not, and say so in one read).
    fn has_word(&self, alts: &AltSet, word: u32) -> bool {
        has_bit(&alts.word_bits, word)
            && match self.of(alts) {
                Some(start) => self.bit(start, word as usize),
                None => alts.words.contains(&word),
            }
    }

    /// Whether one of `prefixes` is one of the prefixes of `alts`.
    fn has_prefix(&self, alts: &AltSet, prefixes: &[u16]) -> bool {
        match self.of(alts) {
            Some(start) => prefixes
                .iter()
                .any(|&p| self.bit(start, VOCAB.len() + usize::from(p))),
            None => prefixes.iter().any(|p| alts.prefixes.contains(p)),
        }
    }
}

/// What a pattern needs of the sentence from its first token, side by side so that most
/// candidates are turned down by one read.
#[derive(Clone, Copy, Debug, Default)]
struct Filter {
    /// The `Sets` bits the rest of the sentence must have.
    needs: u64,
    /// The pattern's most selective required word signature (`PatternDef::required` has the
    /// fewest bits first), or 0 when it has none.
    words: u128,
}

/// Where one of the pattern's required positions after its first can be: one of the
/// `distance` tokens after the start must be able to begin a match of `alts` (`can_begin`),
/// e.g. `want` within three tokens of `i` in `i ~2 want to ...`. Checked exactly before trying
/// the pattern; `None`: nothing known.
#[derive(Clone, Copy, Debug, Default)]
struct Near {
    distance: u8,
    alts: Option<&'static AltSet>,
    /// The signature bits of the words `alts` can begin with, and whether a word with one of
    /// its prefixes or a number can begin it too: most tokens are turned down by these.
    begin: [u64; 2],
    shapes: bool,
}

impl Near {
    /// The pattern's first two required positions after its first (the second, further off,
    /// turns down the patterns whose next word is common, e.g. `i want ~1 ...`).
    fn of(elements: &[Element]) -> [Near; 2] {
        let mut nears = [Near::default(); 2];
        let Some((Element::One(first), rest)) = elements.split_first() else {
            return nears;
        };
        // The furthest a position can be: every position before it at its longest.
        let mut distance = longest(first);
        let mut free = nears.iter_mut();
        for element in rest {
            match element {
                Element::One(alts) => {
                    let Some(near) = free.next() else { break };
                    *near = Near {
                        distance: u8::try_from(distance).unwrap_or(u8::MAX),
                        alts: Some(alts),
                        begin: begin_bits(alts),
                        shapes: alts.number || !alts.prefixes.is_empty(),
                    };
                    distance += longest(alts);
                }
                Element::Optional(alts) => distance += longest(alts),
                Element::Gap(n) => distance += usize::from(*n),
            }
        }
        nears
    }

    /// Whether one of the `distance` tokens after `at`, in its `sentence`, can begin `alts`.
    fn holds(&self, tokens: &Tokens, members: &Members, at: usize, sentence: u32) -> bool {
        let Some(alts) = self.alts else {
            return true;
        };
        let to = (at + 1 + usize::from(self.distance)).min(tokens.list.len());
        tokens
            .list
            .get(at + 1..to)
            .unwrap_or(&[])
            .iter()
            .take_while(|t| t.sentence == sentence)
            .any(|t| {
                (self.shapes || (t.word != NO_WORD && has_bit(&self.begin, t.word)))
                    && can_begin(alts, tokens, members, t)
            })
    }
}

/// The most tokens one match of `alts` covers.
fn longest(alts: &AltSet) -> usize {
    alts.phrases.iter().map(|p| p.len()).fold(1, usize::max)
}

/// The signature bits of the words `alts` can begin with: its words and its phrases' first
/// words (`build.rs` stores both).
fn begin_bits(alts: &AltSet) -> [u64; 2] {
    let [low, high] = alts.word_bits;
    let [phrase_low, phrase_high] = alts.phrase_bits;
    [low | phrase_low, high | phrase_high]
}

/// Where the candidates of a vocabulary word are: ranges of `Index::listed_items` and of
/// `Index::pairs`, read at once (most words start nothing, and say so in one read).
#[derive(Clone, Copy, Debug, Default)]
struct WordStarts {
    listed: (u32, u32),
    pairs: (u32, u32),
    /// The signature bits (`word_bit`) of the pairs' second words: a next word without its
    /// bit here makes no pair (most do not, and are turned down without a search).
    seconds: [u64; 2],
}

/// A first word's second word with its patterns: `only` (a range of `Index::pair_items`) are
/// those indexed by the pair alone; `all` are those merged with the first word's listed ones
/// (sorted, without repeats), made once here rather than on every such pair in a message.
#[derive(Clone, Copy, Debug)]
struct Pair {
    second: u32,
    only: (u32, u32),
    all: (u32, u32),
}

/// Lists of ids for the dense keys `0..n`, stored flat (one read per lookup, no hashing).
#[derive(Debug, Default)]
struct Lists {
    starts: Vec<u32>,
    items: Vec<u32>,
}

/// Appends the union of two ascending lists to `out`, ascending and without repeats.
fn merge_sorted(a: &[u32], b: impl Iterator<Item = u32>, out: &mut Vec<u32>) {
    let mut a = a.iter().copied().peekable();
    let mut b = b.peekable();
    let mut last = None;
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(&x), Some(&y)) if x <= y => a.next(),
            (Some(_), Some(_)) => b.next(),
            (Some(_), None) => a.next(),
            (None, _) => b.next(),
        };
        let Some(next) = next else { break };
        if last != Some(next) {
            out.push(next);
            last = Some(next);
        }
    }
}

impl Lists {
    /// The lists of `(key, id)` pairs, for the keys `0..keys` (others are dropped), each list
    /// sorted and without repeats.
    fn new(keys: usize, pairs: Vec<(u32, u32)>) -> Lists {
        // Sorted as one integer each (key, then id): faster than comparing tuples.
        let mut pairs: Vec<u64> = pairs
            .into_iter()
            .map(|(key, id)| u64::from(key) << 32 | u64::from(id))
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        let mut lists = Lists {
            starts: Vec::with_capacity(keys + 1),
            items: Vec::with_capacity(pairs.len()),
        };
        let mut pairs = pairs
            .into_iter()
            .map(|pair| ((pair >> 32) as u32, pair as u32))
            .peekable();
        for key in 0..keys as u32 {
            lists.starts.push(lists.items.len() as u32);
            while let Some((_, id)) = pairs.next_if(|&(k, _)| k <= key) {
                lists.items.push(id);
            }
        }
        lists.starts.push(lists.items.len() as u32);
        lists
    }

    /// The lists for the keys `0..keys`, each filled by `fill` (then sorted, without repeats):
    /// no sort of all the pairs at once when each key's items come together.
    fn per_key(keys: usize, mut fill: impl FnMut(u32, &mut Vec<u32>)) -> Lists {
        let mut lists = Lists {
            starts: Vec::with_capacity(keys + 1),
            items: Vec::new(),
        };
        let mut list = Vec::new();
        for key in 0..keys as u32 {
            lists.starts.push(lists.items.len() as u32);
            list.clear();
            fill(key, &mut list);
            list.sort_unstable();
            list.dedup();
            lists.items.extend_from_slice(&list);
        }
        lists.starts.push(lists.items.len() as u32);
        lists
    }

    fn get(&self, key: u32) -> &[u32] {
        let key = key as usize;
        match (self.starts.get(key), self.starts.get(key + 1)) {
            (Some(&a), Some(&b)) => self.items.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}

/// Second elements with more words than this are not worth a pair entry each.
const MAX_PAIR_WORDS: usize = 48;

/// The words that can stand second when the first word is `first` taken alone, if they are a
/// short, fixed list.
fn second_words(elements: &[Element]) -> Option<Vec<u32>> {
    match elements.get(1) {
        Some(Element::One(alts))
            if alts.prefixes.is_empty()
                && !alts.number
                && alts.words.len() + alts.phrases.len() <= MAX_PAIR_WORDS =>
        {
            let mut words = alts.words.to_vec();
            words.extend(alts.phrases.iter().filter_map(|p| p.first()));
            Some(words)
        }
        _ => None,
    }
}

impl Index {
    /// Indexes `(id, elements)` pairs; the id is what `candidates` hands back.
    /// `required`: the pattern's word signatures (see `could_match`), most selective first.
    pub(crate) fn build<'a>(
        items: impl Iterator<Item = (u32, &'a [Element], &'a [u128])>,
        lexicon: &Lexicon,
        sets: &Sets,
    ) -> Index {
        // (key, id) pairs, sorted and grouped below (faster than maps of vectors: building
        // the detector is part of the extension's start-up).
        let mut by_word: Vec<(u32, u32)> = Vec::new();
        let mut by_pair: Vec<(u32, u32, u32)> = Vec::new();
        let mut by_prefix: Vec<(u32, u32)> = Vec::new();
        let mut numbers = Vec::new();
        let mut max_span = 0;
        let mut filters = Vec::new();
        let mut nears = Vec::new();
        let mut all_elements = Vec::new();
        for (id, elements, required) in items {
            all_elements.push(elements);
            max_span = max_span.max(span(elements));
            if filters.len() <= id as usize {
                filters.resize(id as usize + 1, Filter::default());
                nears.resize(id as usize + 1, [Near::default(); 2]);
            }
            if let Some(filter) = filters.get_mut(id as usize) {
                *filter = Filter {
                    needs: sets.need(elements),
                    words: required.first().copied().unwrap_or(0),
                };
            }
            if let Some(near) = nears.get_mut(id as usize) {
                *near = Near::of(elements);
            }
            let Some(Element::One(alts)) = elements.first() else {
                continue;
            };
            let seconds = second_words(elements);
            for &word in alts.words {
                match &seconds {
                    Some(seconds) => {
                        for &second in seconds {
                            by_pair.push((word, second, id));
                        }
                    }
                    None => by_word.push((word, id)),
                }
            }
            for phrase in alts.phrases {
                match phrase {
                    [first, second, ..] => by_pair.push((*first, *second, id)),
                    [first] => by_word.push((*first, id)),
                    [] => {}
                }
            }
            for prefix in alts.prefixes {
                by_prefix.push((u32::from(*prefix), id));
            }
            if alts.number {
                numbers.push(id);
            }
        }
        let by_word = Lists::new(VOCAB.len(), by_word);
        let by_prefix = Lists::new(PREFIXES.len(), by_prefix);
        let listed = Lists::per_key(VOCAB.len(), |id, out| {
            out.extend_from_slice(by_word.get(id));
            for &prefix in lexicon.word_prefixes(id) {
                out.extend_from_slice(by_prefix.get(u32::from(prefix)));
            }
        });
        let mut words = vec![WordStarts::default(); VOCAB.len()];
        for (id, starts) in words.iter_mut().enumerate() {
            let range = |i: usize| listed.starts.get(i).copied().unwrap_or(0);
            starts.listed = (range(id), range(id + 1));
        }
        by_pair.sort_unstable_by_key(|&(first, second, id)| {
            u128::from(first) << 64 | u128::from(second) << 32 | u128::from(id)
        });
        by_pair.dedup();
        let mut pairs: Vec<Pair> = Vec::new();
        let mut pair_items = Vec::with_capacity(by_pair.len());
        for group in by_pair.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            let Some(&(first, second, _)) = group.first() else {
                continue;
            };
            let start = pair_items.len() as u32;
            pair_items.extend(group.iter().map(|&(_, _, id)| id));
            let only = (start, pair_items.len() as u32);
            // Both are sorted: merged in one pass (common first words list hundreds).
            let start = pair_items.len() as u32;
            merge_sorted(
                listed.get(first),
                group.iter().map(|&(_, _, id)| id),
                &mut pair_items,
            );
            let all = (start, pair_items.len() as u32);
            if let Some(starts) = words.get_mut(first as usize) {
                // Pairs come grouped by first word: this one ends its group so far.
                if starts.pairs.0 == starts.pairs.1 {
                    starts.pairs.0 = pairs.len() as u32;
                }
                starts.pairs.1 = pairs.len() as u32 + 1;
                let (low, high) = word_bit(second);
                starts.seconds[0] |= low;
                starts.seconds[1] |= high;
            }
            pairs.push(Pair { second, only, all });
        }
        Index {
            members: Members::build(all_elements.into_iter()),
            filters,
            nears,
            max_span,
            starting: {
                let mut bits = vec![0u64; VOCAB.len().div_ceil(64)];
                for (id, starts) in words.iter().enumerate() {
                    if starts.listed.0 != starts.listed.1 || starts.pairs.0 != starts.pairs.1 {
                        if let Some(word) = bits.get_mut(id / 64) {
                            *word |= 1 << (id % 64);
                        }
                    }
                }
                bits
            },
            words,
            listed_items: listed.items,
            by_word,
            pairs,
            pair_items,
            by_prefix,
            numbers: {
                numbers.sort_unstable();
                numbers.dedup();
                numbers
            },
        }
    }

    /// Whether pattern `id` may match at token `at` as far as its next required positions go
    /// (`Near`).
    pub(crate) fn near(&self, id: u32, tokens: &Tokens, at: usize) -> bool {
        let (Some(nears), Some(token)) = (self.nears.get(id as usize), tokens.list.get(at)) else {
            return true;
        };
        nears
            .iter()
            .all(|near| near.holds(tokens, &self.members, at, token.sentence))
    }

    /// Whether vocabulary word `id` starts any candidate.
    fn starts(&self, id: usize) -> bool {
        self.starting
            .get(id / 64)
            .is_some_and(|bits| bits >> (id % 64) & 1 != 0)
    }

    /// The large sets of the indexed patterns (for `match_at`).
    pub(crate) fn members(&self) -> &Members {
        &self.members
    }

    /// The most tokens a match of any of the indexed patterns covers.
    pub(crate) fn max_span(&self) -> usize {
        self.max_span
    }

    /// Whether the pattern `id` may match at a token with this signature, as far as its
    /// `Sets` and its most selective word signature go (`could_match` checks all its words).
    pub(crate) fn may_match(&self, id: u32, signature: Signature) -> bool {
        // Bitwise, not short-circuit: no branch (see `Detector::pattern_hits`).
        self.filters.get(id as usize).is_none_or(|f| {
            (signature.sets & f.needs == f.needs)
                & ((f.words == 0) | (f.words & signature.words != 0))
        })
    }

    /// The ids of the patterns that may start at token `at`, sorted and without repeats:
    /// most often a slice of the index itself, else built in `out`.
    #[inline]
    pub(crate) fn candidates<'a>(
        &'a self,
        tokens: &Tokens,
        at: usize,
        out: &'a mut Vec<u32>,
    ) -> &'a [u32] {
        let Some(token) = tokens.list.get(at) else {
            return &[];
        };
        // Most tokens are decided here, without a call: a vocabulary word that starts no pair
        // has its listed patterns (often none), an unknown word without rule prefixes none.
        if token.kind == TokenKind::Word {
            if token.word == NO_WORD {
                if tokens.prefixes(token).is_empty() {
                    return &[];
                }
            } else if !self.starts(token.word as usize) {
                return &[];
            } else if let Some(starts) = self.words.get(token.word as usize) {
                if starts.pairs.0 == starts.pairs.1 || !may_pair(tokens, token, at, starts) {
                    return items(&self.listed_items, starts.listed);
                }
            }
        }
        self.other_candidates(tokens, token, at, out)
    }

    /// `candidates` for the tokens it does not decide itself (kept out of line, so that the
    /// common cases inline into the loops over tokens).
    #[inline(never)]
    fn other_candidates<'a>(
        &'a self,
        tokens: &Tokens,
        token: &Token,
        at: usize,
        out: &'a mut Vec<u32>,
    ) -> &'a [u32] {
        if token.kind == TokenKind::Word && token.word != NO_WORD {
            return self.word_candidates(tokens, token, at);
        }
        if token.word == NO_WORD && token.kind == TokenKind::Number {
            // Kept sorted, without repeats.
            return &self.numbers;
        }
        self.candidates_any(tokens, at, out);
        if out.len() > 1 {
            out.sort_unstable();
            out.dedup();
        }
        out
    }

    /// The candidates of a vocabulary word token: its listed patterns, or when it and the next
    /// word make an indexed pair, those merged with the pair's.
    fn word_candidates(&self, tokens: &Tokens, token: &Token, at: usize) -> &[u32] {
        let Some(starts) = self.words.get(token.word as usize) else {
            return &[];
        };
        if let Some(pair) = self.pair(tokens, token, at, starts) {
            return items(&self.pair_items, pair.all);
        }
        items(&self.listed_items, starts.listed)
    }

    /// The pair of token `at` (`token`, whose word's entry is `starts`) and the next word, if
    /// indexed.
    fn pair(
        &self,
        tokens: &Tokens,
        token: &Token,
        at: usize,
        starts: &WordStarts,
    ) -> Option<&Pair> {
        if starts.pairs.0 == starts.pairs.1 {
            return None;
        }
        // Second words are vocabulary words.
        let next = tokens
            .list
            .get(at + 1)
            .filter(|n| n.sentence == token.sentence && n.word != NO_WORD)?;
        let pairs = self
            .pairs
            .get(starts.pairs.0 as usize..starts.pairs.1 as usize)
            .unwrap_or(&[]);
        let i = pairs.binary_search_by_key(&next.word, |p| p.second).ok()?;
        pairs.get(i)
    }

    /// The ids of the patterns that may start at token `at` (possibly repeated), for any token.
    fn candidates_any(&self, tokens: &Tokens, at: usize, out: &mut Vec<u32>) {
        out.clear();
        let Some(token) = tokens.list.get(at) else {
            return;
        };
        if token.word != NO_WORD {
            out.extend_from_slice(self.by_word.get(token.word));
            let starts = self
                .words
                .get(token.word as usize)
                .copied()
                .unwrap_or_default();
            if let Some(pair) = self.pair(tokens, token, at, &starts) {
                out.extend_from_slice(items(&self.pair_items, pair.only));
            }
        }
        match token.kind {
            TokenKind::Number => out.extend_from_slice(&self.numbers),
            TokenKind::Word => {
                for &prefix in tokens.prefixes(token) {
                    out.extend_from_slice(self.by_prefix.get(u32::from(prefix)));
                }
            }
            TokenKind::Emoji => {}
        }
    }
}

/// Whether token `at` (`token`, whose word's entry is `starts`) and the next word may make an
/// indexed pair, as far as the next word's signature bit goes.
fn may_pair(tokens: &Tokens, token: &Token, at: usize, starts: &WordStarts) -> bool {
    tokens.list.get(at + 1).is_some_and(|next| {
        next.sentence == token.sentence
            && next.word != NO_WORD
            && has_bit(&starts.seconds, next.word)
    })
}

/// The ids in `items` from `start` to `end`.
fn items(items: &[u32], (start, end): (u32, u32)) -> &[u32] {
    items.get(start as usize..end as usize).unwrap_or(&[])
}

/// Which of a signature's 128 bits is a word's; `build.rs` has the same function (as
/// `1u128 << (id.wrapping_mul(0x9E37_79B9) >> 25)`).
fn signature_bit(id: u32) -> u32 {
    id.wrapping_mul(0x9E37_79B9) >> 25
}

/// The bit of a word in a message signature (`signature_bit`), in two 64-bit halves: a 128-bit
/// shift is a library call in wasm.
fn word_bit(id: u32) -> (u64, u64) {
    let bit = signature_bit(id);
    if bit < 64 {
        (1u64 << bit, 0)
    } else {
        (0, 1u64 << (bit - 64))
    }
}

/// What the words from a token to the end of its sentence can satisfy: a match starting at
/// the token stays within that stretch, so every position it requires must be met there.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Signature {
    /// One bit per known word (`word_bit`), for `could_match`.
    pub(crate) words: u128,
    /// One bit per alternative set of `Sets` that some token can match.
    sets: u64,
    /// Whether the token itself may start a pattern (`STARTS_PATTERN`) or a safe pattern
    /// (`STARTS_SAFE`): most tokens start neither, and are passed over without a look at
    /// their candidates.
    pub(crate) starts: u32,
}

/// The `Signature::starts` bits (also in `Sets::words`, above the combination's index).
pub(crate) const STARTS_PATTERN: u32 = 1;
pub(crate) const STARTS_SAFE: u32 = 2;
/// Where those bits are in an entry of `Sets::words`; the bits below are the index.
const STARTS_SHIFT: u32 = 14;

/// The alternative sets that most often stand, required, after the first word of a pattern
/// yet filter nothing by word signature (large groups such as `@insult`, or sets with prefixes
/// or numbers), one bit each: a token's bits say exactly which of them it can match (a word
/// of the set, the first word of one of its phrases, a word with one of its prefixes, or a
/// number), so a pattern needing `@insult` is not tried after `you` when nothing later in the
/// sentence is an insult.
#[derive(Debug, Default)]
pub(crate) struct Sets {
    /// Per alternative set id: its bit, or 0.
    bit: Vec<u64>,
    /// Per word id: the bits of the sets it can match, as an index into `combos` (few words
    /// match any: a small table stays in the nearest cache, where one of the bits themselves
    /// per word would not; its signature bit is computed), and above it (`STARTS_SHIFT`)
    /// whether it starts a pattern or a safe pattern (`note_starts`); one more entry, last,
    /// for any other token.
    words: Vec<u16>,
    combos: Vec<u64>,
    /// Per prefix id, and for numbers: the bits of the sets they can match.
    prefixes: Vec<u64>,
    number: u64,
}

/// Set bits of a signature above this many filter little (as `build.rs` decides).
const WEAK_SIGNATURE_BITS: u32 = 96;

impl Sets {
    /// Chooses the sets among those of `patterns` (their elements).
    pub(crate) fn build<'a>(patterns: impl Iterator<Item = &'a [Element]>) -> Sets {
        // How many patterns require each weak set after their first position.
        let mut uses: BTreeMap<u16, (usize, &'static AltSet)> = BTreeMap::new();
        for elements in patterns {
            for element in elements.iter().skip(1) {
                if let Element::One(alts) = element {
                    if Sets::is_weak(alts) {
                        uses.entry(alts.id).or_insert((0, alts)).0 += 1;
                    }
                }
            }
        }
        let mut chosen: Vec<(usize, u16, &'static AltSet)> = uses
            .into_iter()
            .map(|(id, (n, alts))| (n, id, alts))
            .collect();
        chosen.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        chosen.truncate(64);
        let mut sets = Sets {
            bit: Vec::new(),
            words: Vec::new(),
            combos: Vec::new(),
            prefixes: vec![0; PREFIXES.len()],
            number: 0,
        };
        let mut words = vec![0u64; VOCAB.len()];
        for (k, &(_, id, alts)) in chosen.iter().enumerate() {
            let bit = 1u64 << k;
            let id = usize::from(id);
            if sets.bit.len() <= id {
                sets.bit.resize(id + 1, 0);
            }
            sets.bit[id] = bit;
            let firsts = alts.phrases.iter().filter_map(|p| p.first());
            for &word in alts.words.iter().chain(firsts) {
                if let Some(w) = words.get_mut(word as usize) {
                    *w |= bit;
                }
            }
            for &prefix in alts.prefixes {
                if let Some(p) = sets.prefixes.get_mut(usize::from(prefix)) {
                    *p |= bit;
                }
            }
            if alts.number {
                sets.number |= bit;
            }
        }
        let mut combos: Vec<u64> = words.clone();
        combos.push(0);
        combos.sort_unstable();
        combos.dedup();
        sets.words = words
            .iter()
            // Fits below `STARTS_SHIFT`: there are no more combinations than words
            // (`index_fits` checks).
            .map(|w| combos.binary_search(w).map_or(0, |i| i as u16))
            .collect();
        // Last, for a token without a vocabulary word: no sets (`combos[0]` is 0), and it may
        // start either kind of pattern (`signatures` decides).
        sets.words
            .push(((STARTS_PATTERN | STARTS_SAFE) << STARTS_SHIFT) as u16);
        sets.combos = combos;
        sets
    }

    /// Notes which words start a candidate of the patterns' index and of the safe patterns'
    /// (`Index::starts`), for `signatures`.
    pub(crate) fn note_starts(&mut self, patterns: &Index, safe: &Index) {
        for (id, entry) in self.words.iter_mut().enumerate() {
            let mut starts = 0;
            if patterns.starts(id) {
                starts |= STARTS_PATTERN;
            }
            if safe.starts(id) {
                starts |= STARTS_SAFE;
            }
            *entry |= (starts << STARTS_SHIFT) as u16;
        }
    }

    /// Whether the word signature of `alts` filters nothing (as `build.rs` decides): any word
    /// with a prefix or any number will do, or too many bits are set.
    fn is_weak(alts: &AltSet) -> bool {
        let [low, high] = begin_bits(alts);
        !alts.prefixes.is_empty()
            || alts.number
            || low.count_ones() + high.count_ones() >= WEAK_SIGNATURE_BITS
    }

    /// The bits a pattern with these elements needs after its first position.
    fn need(&self, elements: &[Element]) -> u64 {
        elements
            .iter()
            .skip(1)
            .filter_map(|e| match e {
                Element::One(alts) => self.bit.get(usize::from(alts.id)),
                _ => None,
            })
            .fold(0, |need, bit| need | bit)
    }

    /// The bits of the sets one token can match besides those of its word (`words`).
    fn of_shape(&self, tokens: &Tokens, token: &Token) -> u64 {
        let mut bits = 0;
        match token.kind {
            TokenKind::Number => bits |= self.number,
            TokenKind::Word => {
                for &prefix in tokens.prefixes(token) {
                    bits |= self.prefixes.get(usize::from(prefix)).copied().unwrap_or(0);
                }
            }
            TokenKind::Emoji => {}
        }
        bits
    }
}

/// The signatures of the words from each token to the end of its sentence (`out[i]` for token
/// `i`). Per token rather than per message: a long message sets nearly every bit of one
/// signature and filters nothing.
/// `starting`: the tokens that may start a pattern (`STARTS_PATTERN`), last first, listed
/// without a branch per token (which do is hard to predict).
pub(crate) fn signatures(
    tokens: &Tokens,
    sets: &Sets,
    out: &mut Vec<Signature>,
    starting: &mut Vec<u32>,
) {
    // Every slot is written below: only new ones need a value first.
    out.truncate(tokens.list.len());
    out.resize(tokens.list.len(), Signature::default());
    starting.clear();
    starting.resize(tokens.list.len(), 0);
    let mut listed = 0;
    let (mut low, mut high, mut bits) = (0u64, 0u64, 0u64);
    let mut sentence = None;
    let vocabulary = sets.words.len().saturating_sub(1);
    for (i, (t, slot)) in tokens.list.iter().zip(out.iter_mut()).enumerate().rev() {
        if sentence != Some(t.sentence) {
            (low, high, bits) = (0, 0, 0);
            sentence = Some(t.sentence);
        }
        // Without a branch on whether the token has a vocabulary word (a third have none, in
        // no order the CPU can foresee): one without reads the last entry, and sets no bit.
        let known = (t.word as usize) < vocabulary;
        let entry = sets
            .words
            .get((t.word as usize).min(vocabulary))
            .copied()
            .unwrap_or(0);
        let combo = entry & ((1 << STARTS_SHIFT) - 1);
        // `word_bit`, without a branch on the half.
        let bit = signature_bit(t.word);
        let one = (1u64 << (bit & 63)) & u64::from(known).wrapping_neg();
        let in_high = u64::from(bit >> 6).wrapping_neg();
        low |= one & !in_high;
        high |= one & in_high;
        bits |= sets.combos.get(usize::from(combo)).copied().unwrap_or(0);
        bits |= sets.of_shape(tokens, t);
        // A token without a vocabulary word may start a candidate when it is a number or emoji,
        // or a word with a rule prefix (as `Index::candidates` has it).
        let starts_none =
            (t.word == NO_WORD) & (t.kind == TokenKind::Word) & tokens.prefixes(t).is_empty();
        let starts = (u32::from(entry) >> STARTS_SHIFT) * u32::from(!starts_none);
        if let Some(at) = starting.get_mut(listed) {
            *at = i as u32;
        }
        listed += (starts & STARTS_PATTERN) as usize;
        *slot = Signature {
            words: (u128::from(high) << 64) | u128::from(low),
            sets: bits,
            starts,
        };
    }
    starting.truncate(listed);
}

/// Whether a pattern with these required signatures can match words with this signature:
/// each position that needs one of a list of words must find one of them (or a collision).
pub(crate) fn could_match(required: &[u128], message: u128) -> bool {
    required.iter().all(|bits| bits & message != 0)
}

/// The most tokens a match of `elements` can cover.
fn span(elements: &[Element]) -> usize {
    elements
        .iter()
        .map(|e| match e {
            Element::One(alts) | Element::Optional(alts) => longest(alts),
            Element::Gap(n) => usize::from(*n),
        })
        .sum()
}

/// Where `elements` match starting at token `start`: the end token (exclusive), if they do.
/// Matches stay within the sentence of the first token. `members`: the large sets' (those of
/// the index the pattern is from, `Index::members`).
pub(crate) fn match_at(
    elements: &[Element],
    tokens: &Tokens,
    start: usize,
    members: &Members,
) -> Option<usize> {
    let sentence = tokens.list.get(start)?.sentence;
    let scan = Scan {
        tokens,
        members,
        sentence,
    };
    let mut end = start;
    scan.match_rest(elements, start, &mut end).then_some(end)
}

/// What matching one pattern at one token reads.
struct Scan<'a> {
    tokens: &'a Tokens,
    members: &'a Members,
    /// The sentence of the first token: matches stay within it.
    sentence: u32,
}

impl Scan<'_> {
    /// Whether `elements` match from token `at` on; if they do, `end` is where the first way
    /// found ends. A `bool` rather than an `Option<usize>`: wasm returns the latter through
    /// memory, and matching makes a call per choice.
    fn match_rest(&self, mut elements: &[Element], mut at: usize, end: &mut usize) -> bool {
        // Positions that leave no choice to come back to are matched in this loop (most are),
        // without a call per position: a set matches one token or nothing where none of its
        // phrases can begin, and an optional set that cannot begin here is skipped.
        loop {
            let Some((first, rest)) = elements.split_first() else {
                *end = at;
                return true;
            };
            match first {
                Element::One(alts) => {
                    let Some(token) = self.token(at) else {
                        return false;
                    };
                    // A token that may begin one of its phrases leaves a choice.
                    if token.word != NO_WORD && has_bit(&alts.phrase_bits, token.word) {
                        return self.match_alts(alts, at, rest, end);
                    }
                    if !matches_one(alts, self.tokens, self.members, token) {
                        return false;
                    }
                    at += 1;
                }
                Element::Optional(alts) => {
                    if self
                        .token(at)
                        .is_some_and(|t| may_begin(alts, self.tokens, t))
                    {
                        return self.match_alts(alts, at, rest, end)
                            || self.match_rest(rest, at, end);
                    }
                }
                Element::Gap(n) => {
                    // A skip after which the next set cannot begin is not tried (most are not).
                    let next = match rest.first() {
                        Some(Element::One(alts)) => Some(*alts),
                        _ => None,
                    };
                    for skip in 0..=usize::from(*n) {
                        if skip > 0 && self.token(at + skip - 1).is_none() {
                            return false;
                        }
                        let may = next.is_none_or(|alts| {
                            self.token(at + skip)
                                .is_some_and(|t| may_begin(alts, self.tokens, t))
                        });
                        if may && self.match_rest(rest, at + skip, end) {
                            return true;
                        }
                    }
                    return false;
                }
            }
            elements = rest;
        }
    }

    /// Tries each way the alternatives can match at `at` (one token, or a phrase of several),
    /// then the rest of the pattern after it (see `match_rest`).
    fn match_alts(&self, alts: &AltSet, at: usize, rest: &[Element], end: &mut usize) -> bool {
        let Some(token) = self.token(at) else {
            return false;
        };
        if matches_one(alts, self.tokens, self.members, token) && self.match_rest(rest, at + 1, end)
        {
            return true;
        }
        // Phrases are vocabulary words: a word the rules do not know starts none, nor does a
        // word without the bit of one of their first words.
        if token.word == NO_WORD || !has_bit(&alts.phrase_bits, token.word) {
            return false;
        }
        let word = token.word;
        // The first word is this token's (checked first, cheaply: most phrases start otherwise).
        alts.phrases.iter().any(|phrase| {
            phrase.first() == Some(&word)
                && phrase
                    .iter()
                    .enumerate()
                    .all(|(k, id)| self.token(at + k).is_some_and(|t| t.word == *id))
                && self.match_rest(rest, at + phrase.len(), end)
        })
    }

    /// Token `at`, if it is in the sentence.
    fn token(&self, at: usize) -> Option<&Token> {
        self.tokens
            .list
            .get(at)
            .filter(|t| t.sentence == self.sentence)
    }
}

/// Whether the signature bit of `word` (`word_bit`) is set in `bits` (low and high halves).
fn has_bit(bits: &[u64; 2], word: u32) -> bool {
    let bit = signature_bit(word);
    bits.get((bit >> 6) as usize)
        .is_some_and(|half| half >> (bit & 63) & 1 != 0)
}

/// Whether `token` alone is one of the alternatives: a word of the set, a word with one of its
/// prefixes or a number.
fn matches_one(alts: &AltSet, tokens: &Tokens, members: &Members, token: &Token) -> bool {
    (token.word != NO_WORD && members.has_word(alts, token.word))
        || (alts.number && token.kind == TokenKind::Number)
        || (!alts.prefixes.is_empty() && members.has_prefix(alts, tokens.prefixes(token)))
}

/// Whether a match of the alternatives can begin at `token`: it is one of them, or the first
/// word of one of their phrases.
fn can_begin(alts: &AltSet, tokens: &Tokens, members: &Members, token: &Token) -> bool {
    matches_one(alts, tokens, members, token)
        || (token.word != NO_WORD
            && has_bit(&alts.phrase_bits, token.word)
            && alts.phrases.iter().any(|p| p.first() == Some(&token.word)))
}

/// Whether a match of the alternatives may begin at `token`, as far as the signature bits of
/// its words and phrases go (`can_begin` when it says no, in a few reads).
fn may_begin(alts: &AltSet, tokens: &Tokens, token: &Token) -> bool {
    (token.word != NO_WORD && has_bit(&begin_bits(alts), token.word))
        || (alts.number && token.kind == TokenKind::Number)
        || (!alts.prefixes.is_empty() && !tokens.prefixes(token).is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_fits() {
        // `Sets::words` holds indexes into `Sets::combos` in `STARTS_SHIFT` bits: there are at
        // most as many combinations as words, plus none.
        assert!(VOCAB.len() < 1 << STARTS_SHIFT);
        let sets = Sets::build(crate::rules::PATTERNS.iter().map(|p| p.elements));
        assert!(sets.combos.len() <= VOCAB.len() + 1);
    }
}
