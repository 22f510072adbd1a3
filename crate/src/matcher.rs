//! Finds where the compiled patterns match a tokenised message.

use crate::lexicon::FnvMap;
use crate::rules::{AltSet, Element, WORD_SETS};
use crate::tokenize::{TokenKind, Tokens, NO_WORD};

/// Patterns indexed by what their first word can be, so each token only tries the few patterns
/// that can start there. Patterns whose second word is one of a short list are indexed by the
/// pair: common first words ("i", "you", "kamu") start hundreds of patterns.
#[derive(Debug, Default)]
pub(crate) struct Index {
    by_word: FnvMap<u32, Vec<u32>>,
    by_pair: FnvMap<(u32, u32), Vec<u32>>,
    /// Per prefix id (`PREFIXES`): the patterns whose first word may start with it.
    by_prefix: FnvMap<u16, Vec<u32>>,
    numbers: Vec<u32>,
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
    pub(crate) fn build<'a>(items: impl Iterator<Item = (u32, &'a [Element])>) -> Index {
        let mut index = Index::default();
        for (id, elements) in items {
            let Some(Element::One(alts)) = elements.first() else {
                continue;
            };
            let seconds = second_words(elements);
            for &word in alts.words {
                match &seconds {
                    Some(seconds) => {
                        for &second in seconds {
                            index.by_pair.entry((word, second)).or_default().push(id);
                        }
                    }
                    None => index.by_word.entry(word).or_default().push(id),
                }
            }
            for phrase in alts.phrases {
                match phrase {
                    [first, second, ..] => {
                        index.by_pair.entry((*first, *second)).or_default().push(id)
                    }
                    [first] => index.by_word.entry(*first).or_default().push(id),
                    [] => {}
                }
            }
            for prefix in alts.prefixes {
                index.by_prefix.entry(*prefix).or_default().push(id);
            }
            if alts.number {
                index.numbers.push(id);
            }
        }
        let lists = index.by_word.values_mut().chain(index.by_pair.values_mut());
        for list in lists.chain(index.by_prefix.values_mut()) {
            list.sort_unstable();
            list.dedup();
        }
        index
    }

    /// The ids of the patterns that may start at token `at` (possibly repeated).
    pub(crate) fn candidates(&self, tokens: &Tokens, at: usize, out: &mut Vec<u32>) {
        out.clear();
        let Some(token) = tokens.list.get(at) else {
            return;
        };
        if token.word != NO_WORD {
            if let Some(ids) = self.by_word.get(&token.word) {
                out.extend_from_slice(ids);
            }
            if let Some(next) = tokens
                .list
                .get(at + 1)
                .filter(|n| n.sentence == token.sentence)
            {
                if let Some(ids) = self.by_pair.get(&(token.word, next.word)) {
                    out.extend_from_slice(ids);
                }
            }
        }
        match token.kind {
            TokenKind::Number => out.extend_from_slice(&self.numbers),
            TokenKind::Word => {
                for prefix in tokens.prefixes(token) {
                    if let Some(ids) = self.by_prefix.get(prefix) {
                        out.extend_from_slice(ids);
                    }
                }
            }
            TokenKind::Emoji => {}
        }
    }
}

/// The bit of a word in a message signature; `build.rs` has the same function.
fn word_bit(id: u32) -> u128 {
    1u128 << (id.wrapping_mul(0x9E37_79B9) >> 25)
}

/// The signature of the words of a message: one bit per known word.
pub(crate) fn signature(tokens: &Tokens) -> u128 {
    tokens
        .list
        .iter()
        .filter(|t| t.word != NO_WORD)
        .fold(0, |bits, t| bits | word_bit(t.word))
}

/// Whether a pattern with these required signatures can match a message with this signature:
/// each position that needs one of a list of words must find one of them (or a collision).
pub(crate) fn could_match(required: &[u128], message: u128) -> bool {
    required.iter().all(|bits| bits & message != 0)
}

/// Where `elements` match starting at token `start`: the end token (exclusive), if they do.
/// Matches stay within the sentence of the first token.
pub(crate) fn match_at(elements: &[Element], tokens: &Tokens, start: usize) -> Option<usize> {
    let sentence = tokens.list.get(start)?.sentence;
    match_rest(elements, tokens, start, sentence)
}

fn match_rest(elements: &[Element], tokens: &Tokens, at: usize, sentence: u32) -> Option<usize> {
    let Some((first, rest)) = elements.split_first() else {
        return Some(at);
    };
    match first {
        Element::One(alts) => match_alts(alts, tokens, at, sentence, rest),
        Element::Optional(alts) => match_alts(alts, tokens, at, sentence, rest)
            .or_else(|| match_rest(rest, tokens, at, sentence)),
        Element::Gap(n) => (0..=usize::from(*n))
            .take_while(|&skip| {
                skip == 0
                    || tokens
                        .list
                        .get(at + skip - 1)
                        .is_some_and(|t| t.sentence == sentence)
            })
            .find_map(|skip| match_rest(rest, tokens, at + skip, sentence)),
    }
}

fn in_set(word: u32, alts: &AltSet) -> bool {
    WORD_SETS
        .get(word as usize)
        .is_some_and(|sets| sets.binary_search(&alts.id).is_ok())
}

/// Tries each way the alternatives can match at `at` (one token, or a phrase of several),
/// then the rest of the pattern after it.
fn match_alts(
    alts: &AltSet,
    tokens: &Tokens,
    at: usize,
    sentence: u32,
    rest: &[Element],
) -> Option<usize> {
    let in_sentence = |i: usize| tokens.list.get(i).filter(|t| t.sentence == sentence);
    let token = in_sentence(at)?;
    let one = (token.word != NO_WORD && in_set(token.word, alts))
        || (alts.number && token.kind == TokenKind::Number)
        || (!alts.prefixes.is_empty()
            && tokens
                .prefixes(token)
                .iter()
                .any(|p| alts.prefixes.binary_search(p).is_ok()));
    if one {
        if let Some(end) = match_rest(rest, tokens, at + 1, sentence) {
            return Some(end);
        }
    }
    alts.phrases.iter().find_map(|phrase| {
        let matches = phrase
            .iter()
            .enumerate()
            .all(|(k, id)| in_sentence(at + k).is_some_and(|t| t.word == *id));
        if matches {
            match_rest(rest, tokens, at + phrase.len(), sentence)
        } else {
            None
        }
    })
}
