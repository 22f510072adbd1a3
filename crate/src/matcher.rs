//! Finds where the compiled patterns match a tokenised message.

use crate::lexicon::FnvMap;
use crate::rules::{Alt, Element};
use crate::tokenize::{Token, TokenKind, Tokens, NO_WORD};

/// Patterns indexed by what their first word can be, so each token only tries the few patterns
/// that can start there.
#[derive(Debug, Default)]
pub(crate) struct Index {
    by_word: FnvMap<u32, Vec<u32>>,
    by_prefix: FnvMap<&'static str, Vec<u32>>,
    prefix_lengths: Vec<usize>,
    numbers: Vec<u32>,
}

impl Index {
    /// Indexes `(id, elements)` pairs; the id is what `candidates` hands back.
    pub(crate) fn build<'a>(items: impl Iterator<Item = (u32, &'a [Element])>) -> Index {
        let mut index = Index::default();
        for (id, elements) in items {
            let Some(Element::One(alts)) = elements.first() else {
                continue;
            };
            for alt in alts.iter() {
                match alt {
                    Alt::Word(w) => index.by_word.entry(*w).or_default().push(id),
                    Alt::Phrase(ws) => {
                        if let Some(w) = ws.first() {
                            index.by_word.entry(*w).or_default().push(id);
                        }
                    }
                    Alt::Prefix(p) => {
                        index.by_prefix.entry(p).or_default().push(id);
                        index.prefix_lengths.push(p.len());
                    }
                    Alt::Number => index.numbers.push(id),
                }
            }
        }
        index.prefix_lengths.sort_unstable();
        index.prefix_lengths.dedup();
        for list in index
            .by_word
            .values_mut()
            .chain(index.by_prefix.values_mut())
        {
            list.sort_unstable();
            list.dedup();
        }
        index
    }

    /// The ids of the patterns that may start at `token` (possibly repeated).
    pub(crate) fn candidates(&self, token: &Token, text: &str, out: &mut Vec<u32>) {
        out.clear();
        if token.word != NO_WORD {
            if let Some(ids) = self.by_word.get(&token.word) {
                out.extend_from_slice(ids);
            }
        }
        match token.kind {
            TokenKind::Number => out.extend_from_slice(&self.numbers),
            TokenKind::Word => {
                for &len in &self.prefix_lengths {
                    let Some(prefix) = text.get(..len) else {
                        if len > text.len() {
                            break;
                        }
                        continue;
                    };
                    if let Some(ids) = self.by_prefix.get(prefix) {
                        out.extend_from_slice(ids);
                    }
                }
            }
            TokenKind::Emoji => {}
        }
    }
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
        Element::One(alts) => alts
            .iter()
            .filter_map(|alt| match_alt(alt, tokens, at, sentence))
            .find_map(|next| match_rest(rest, tokens, next, sentence)),
        Element::Optional(alts) => alts
            .iter()
            .filter_map(|alt| match_alt(alt, tokens, at, sentence))
            .find_map(|next| match_rest(rest, tokens, next, sentence))
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

fn match_alt(alt: &Alt, tokens: &Tokens, at: usize, sentence: u32) -> Option<usize> {
    let token_is = |i: usize, test: &dyn Fn(&Token) -> bool| {
        tokens
            .list
            .get(i)
            .is_some_and(|t| t.sentence == sentence && test(t))
    };
    match alt {
        Alt::Word(id) => token_is(at, &|t| t.word == *id).then_some(at + 1),
        Alt::Prefix(p) => token_is(at, &|t| {
            t.kind == TokenKind::Word && tokens.text(t).starts_with(p)
        })
        .then_some(at + 1),
        Alt::Number => token_is(at, &|t| t.kind == TokenKind::Number).then_some(at + 1),
        Alt::Phrase(ids) => ids
            .iter()
            .enumerate()
            .all(|(k, id)| token_is(at + k, &|t| t.word == *id))
            .then_some(at + ids.len()),
    }
}
