//! Word lookup over the compiled tables: vocabulary, slang and emoji of the enabled languages.

use crate::rules::{EMOJI, GROUP_NEGATION, GROUP_SECOND_PERSON, PREFIXES, SLANG, VOCAB};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: words are short, and SipHash's start-up cost dominates on them.
#[derive(Default)]
pub(crate) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

pub(crate) type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// What a word is to the rules.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Lookup {
    /// A word of the vocabulary.
    Word(u32),
    /// Slang: the words of its normal form.
    Slang(&'static [u32]),
}

#[derive(Debug)]
pub(crate) struct Lexicon {
    words: FnvMap<&'static str, u32>,
    slang: FnvMap<&'static str, &'static [u32]>,
    /// Per word id: a negation (`not`, `tidak`) in an enabled language.
    negation: Vec<bool>,
    /// Per word id: a second-person pronoun (`you`, `kamu`) in an enabled language.
    second_person: Vec<bool>,
    /// Rule prefixes (`idiot*`) by text, with their id, and the lengths they come in.
    prefixes: FnvMap<&'static str, u16>,
    prefix_lengths: Vec<usize>,
}

impl Lexicon {
    /// The lexicon of the languages whose flag is set in `languages` (indexed like `LANGUAGES`).
    pub(crate) fn new(languages: &[bool]) -> Lexicon {
        let enabled = |lang: u8| languages.get(usize::from(lang)).copied().unwrap_or(false);
        let words = VOCAB
            .iter()
            .enumerate()
            .map(|(id, &w)| (w, id as u32))
            .collect();
        let slang = SLANG
            .iter()
            .filter(|(_, lang, _)| enabled(*lang))
            .map(|&(key, _, ids)| (key, ids))
            .collect();
        let flags = |group: &[(u8, u32)]| {
            let mut set = vec![false; VOCAB.len()];
            for &(lang, id) in group {
                if enabled(lang) {
                    set[id as usize] = true;
                }
            }
            set
        };
        let mut prefix_lengths: Vec<usize> = PREFIXES.iter().map(|p| p.len()).collect();
        prefix_lengths.sort_unstable();
        prefix_lengths.dedup();
        Lexicon {
            prefixes: PREFIXES
                .iter()
                .enumerate()
                .map(|(i, &p)| (p, i as u16))
                .collect(),
            prefix_lengths,
            words,
            slang,
            negation: flags(GROUP_NEGATION),
            second_person: flags(GROUP_SECOND_PERSON),
        }
    }

    pub(crate) fn lookup(&self, word: &str) -> Option<Lookup> {
        if let Some(ids) = self.slang.get(word) {
            return Some(Lookup::Slang(ids));
        }
        self.words.get(word).map(|&id| Lookup::Word(id))
    }

    /// Appends the ids of the rule prefixes that `word` starts with.
    pub(crate) fn prefixes_of(&self, word: &str, out: &mut Vec<u16>) {
        for &len in &self.prefix_lengths {
            if len > word.len() {
                break;
            }
            if let Some(id) = word.get(..len).and_then(|p| self.prefixes.get(p)) {
                out.push(*id);
            }
        }
    }

    pub(crate) fn word(&self, id: u32) -> &'static str {
        VOCAB.get(id as usize).copied().unwrap_or("")
    }

    pub(crate) fn emoji(&self, c: char) -> Option<u32> {
        EMOJI
            .binary_search_by_key(&c, |&(e, _)| e)
            .ok()
            .map(|i| EMOJI[i].1)
    }

    pub(crate) fn is_negation(&self, id: u32) -> bool {
        self.negation.get(id as usize).copied().unwrap_or(false)
    }

    pub(crate) fn is_second_person(&self, id: u32) -> bool {
        self.second_person
            .get(id as usize)
            .copied()
            .unwrap_or(false)
    }

    /// The first vocabulary word that a word masked with stars (`f*ck`, `b**ch`) can stand for.
    /// At most half of the letters may be masked.
    pub(crate) fn unmask(&self, masked: &str) -> Option<u32> {
        let len = masked.chars().count();
        let stars = masked.chars().filter(|&c| c == '*').count();
        if len < 3 || stars * 2 > len {
            return None;
        }
        VOCAB
            .iter()
            .position(|w| {
                w.len() == len
                    && w.chars()
                        .zip(masked.chars())
                        .all(|(a, b)| b == '*' || a == b)
            })
            .map(|i| i as u32)
    }
}
