//! Word lookup over the compiled tables: vocabulary, slang and emoji of the enabled languages.

use crate::rules::{EMOJI, GROUP_NEGATION, GROUP_SECOND_PERSON, PREFIXES, SLANG, VOCAB};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A multiply-rotate hash over 8 bytes at a time (as rustc's FxHash): words and ids are short,
/// and SipHash's start-up cost dominates on them. Not for keys an attacker picks to collide,
/// which is fine here: keys are rule words, fixed at build time.
#[derive(Default)]
pub(crate) struct Fnv(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Fnv {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u16(&mut self, n: u16) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
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
    /// Words and slang of the enabled languages (slang wins: its key never reaches the rules).
    entries: FnvMap<&'static str, Lookup>,
    /// Per word id: a negation (`not`, `tidak`) in an enabled language.
    negation: Vec<bool>,
    /// Per word id: a second-person pronoun (`you`, `kamu`) in an enabled language.
    second_person: Vec<bool>,
    /// Rule prefixes (`idiot*`) as a trie walked one character at a time.
    prefixes: PrefixTrie,
}

/// Rule prefixes as a trie with a dense table of transitions over `a`-`z` and `0`-`9`: finding
/// the prefixes of a word costs one table read per character until the trie runs out.
#[derive(Debug)]
struct PrefixTrie {
    /// `next[node * 36 + symbol]`: the child node, or 0 (the root is never a child).
    next: Vec<u32>,
    /// Per node: the id of the prefix that ends there, or `u16::MAX`.
    ends: Vec<u16>,
}

fn symbol(b: u8) -> Option<usize> {
    match b {
        b'a'..=b'z' => Some(usize::from(b - b'a')),
        b'0'..=b'9' => Some(26 + usize::from(b - b'0')),
        _ => None,
    }
}

impl PrefixTrie {
    fn new(prefixes: &[&str]) -> PrefixTrie {
        let mut trie = PrefixTrie {
            next: vec![0; 36],
            ends: vec![u16::MAX],
        };
        for (id, prefix) in prefixes.iter().enumerate() {
            let mut node = 0;
            for b in prefix.bytes() {
                let Some(s) = symbol(b) else { break };
                if trie.next[node * 36 + s] == 0 {
                    trie.next[node * 36 + s] = trie.ends.len() as u32;
                    trie.ends.push(u16::MAX);
                    trie.next.extend([0; 36]);
                }
                node = trie.next[node * 36 + s] as usize;
            }
            trie.ends[node] = id as u16;
        }
        trie
    }

    fn prefixes_of(&self, word: &str, out: &mut Vec<u16>) {
        let mut node = 0;
        for b in word.bytes() {
            let Some(s) = symbol(b) else { return };
            node = self.next[node * 36 + s] as usize;
            if node == 0 {
                return;
            }
            if self.ends[node] != u16::MAX {
                out.push(self.ends[node]);
            }
        }
    }
}

impl Lexicon {
    /// The lexicon of the languages whose flag is set in `languages` (indexed like `LANGUAGES`).
    pub(crate) fn new(languages: &[bool]) -> Lexicon {
        let enabled = |lang: u8| languages.get(usize::from(lang)).copied().unwrap_or(false);
        let mut entries: FnvMap<&'static str, Lookup> = VOCAB
            .iter()
            .enumerate()
            .map(|(id, &w)| (w, Lookup::Word(id as u32)))
            .collect();
        for &(key, lang, ids) in SLANG {
            if enabled(lang) {
                entries.insert(key, Lookup::Slang(ids));
            }
        }
        let flags = |group: &[(u8, u32)]| {
            let mut set = vec![false; VOCAB.len()];
            for &(lang, id) in group {
                if enabled(lang) {
                    set[id as usize] = true;
                }
            }
            set
        };
        Lexicon {
            prefixes: PrefixTrie::new(PREFIXES),
            entries,
            negation: flags(GROUP_NEGATION),
            second_person: flags(GROUP_SECOND_PERSON),
        }
    }

    pub(crate) fn lookup(&self, word: &str) -> Option<Lookup> {
        self.entries.get(word).copied()
    }

    /// Appends the ids of the rule prefixes that `word` starts with.
    pub(crate) fn prefixes_of(&self, word: &str, out: &mut Vec<u16>) {
        self.prefixes.prefixes_of(word, out);
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
