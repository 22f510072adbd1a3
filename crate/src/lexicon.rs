//! Word lookup over the compiled tables: vocabulary, slang and emoji of the enabled languages.

use std::num::NonZeroU32;

use crate::rules::{
    EMOJI, GROUP_NEGATION, GROUP_SECOND_PERSON, GROUP_SEXUAL_TOPIC, PREFIXES, SLANG, VOCAB,
};

/// The multiplier of the word table's hash (as rustc's FxHash): words are short, and SipHash's
/// start-up cost dominates on them. Not for keys an attacker picks to collide, which is fine
/// here: keys are rule words, fixed at build time.
const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

/// What a word is to the rules.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Lookup {
    /// A word of the vocabulary.
    Word(u32),
    /// Slang: the words of its normal form.
    Slang(&'static [u32]),
}

/// A word `Lexicon::lookup` found: its slot's meaning plus one, four bytes (so that finding a
/// word returns in a register, not through memory as an enum would in wasm).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Found(NonZeroU32);

#[derive(Debug)]
pub(crate) struct Lexicon {
    /// Words and slang of the enabled languages (slang wins: its key never reaches the rules).
    entries: WordTable,
    /// Per word id: a negation (`not`, `tidak`) in an enabled language.
    negation: Vec<bool>,
    /// Per word id: a second-person pronoun (`you`, `kamu`) in an enabled language.
    second_person: Vec<bool>,
    /// Per word id: a word about bodies, clothes, undressing or sex (`@sexual_topic`).
    sexual_topic: Vec<bool>,
    /// Rule prefixes (`idiot*`) as a trie walked one character at a time.
    prefixes: PrefixTrie,
    /// Per word id: its length in bytes, its hash for the learned scorer and the prefixes it
    /// starts with, as a range of `word_prefix_items` (one read per word token).
    word_infos: Vec<WordInfo>,
    word_prefix_items: Vec<u16>,
    /// No word or slang key has a character three times in a row.
    keys_without_runs: bool,
}

#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct WordInfo {
    /// Its length in bytes.
    pub(crate) len: u32,
    /// Its hash as the learned scorer sees it (`model::word_hash`).
    pub(crate) form: u32,
    prefixes_start: u32,
    prefixes_end: u32,
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

    fn prefixes_of(&self, word: &[u8], out: &mut Vec<u16>) {
        let mut node = 0;
        for &b in word {
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

/// The word table: open addressing over a power-of-two array of slots, keyed by the word's
/// bytes read eight at a time. Faster than a general map on short words, one lookup per word
/// of every message. A probe first reads a small array of 16-bit tags (a few KB, so it stays
/// in the CPU's nearest cache): a word the table lacks, a third of all words, is mostly turned
/// away there. A slot holds the key's first eight bytes, its length and its meaning, so a
/// known word of up to eight bytes costs one more read.
#[derive(Debug)]
struct WordTable {
    /// Per slot: 0 when empty, else bits of the key's hash (never 0).
    tags: Vec<u16>,
    slots: Vec<Slot>,
    /// Per slot: the key, compared when it is longer than eight bytes.
    keys: Vec<&'static str>,
    /// The normal forms of slang keys (`Slot::meaning` points here).
    slang: Vec<&'static [u32]>,
    /// `64 - log2(slots.len())`: the hash's top bits pick the slot.
    shift: u32,
}

#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    /// The key's first eight bytes, zero-padded.
    head: u64,
    len: u32,
    /// A word id, or `SLANG_FLAG` and an index into `WordTable::slang`.
    meaning: u32,
}

/// Marks `Slot::meaning` as slang.
const SLANG_FLAG: u32 = 1 << 31;

/// The tag of a hash: bits the slot index does not use (the index takes the top ones).
fn tag_of(hash: u64) -> u16 {
    (hash as u16) | 1
}

/// Up to eight bytes as a little-endian integer, zero-padded.
fn chunk(bytes: &[u8]) -> u64 {
    // Whole loads where they fit (two overlapping ones cover 4 to 8 bytes: the overlap holds
    // the same bytes), bytes one by one below four.
    let u32_at = |at: usize| {
        bytes
            .get(at..at + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map_or(0, |b| u64::from(u32::from_le_bytes(b)))
    };
    match bytes.len() {
        n if n >= 8 => bytes
            .get(..8)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map_or(0, u64::from_le_bytes),
        n if n >= 4 => u32_at(0) | u32_at(n - 4) << (8 * (n - 4)),
        _ => bytes
            .iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)),
    }
}

/// The first eight bytes of `word`, zero-padded, and a hash of all its bytes.
fn head_and_hash(word: &[u8]) -> (u64, u64) {
    let head = chunk(word);
    let mut hash = (head ^ word.len() as u64).wrapping_mul(SEED);
    let mut rest = word.get(8..).unwrap_or(&[]);
    while !rest.is_empty() {
        hash = (hash.rotate_left(5) ^ chunk(rest)).wrapping_mul(SEED);
        rest = rest.get(8..).unwrap_or(&[]);
    }
    (head, hash)
}

impl WordTable {
    fn new(entries: Vec<(&'static str, Lookup)>) -> WordTable {
        let mut size = 16usize;
        while size < entries.len() * 2 {
            size *= 2;
        }
        let mut table = WordTable {
            tags: vec![0; size],
            slots: vec![Slot::default(); size],
            keys: vec![""; size],
            slang: Vec::new(),
            shift: 64 - size.trailing_zeros(),
        };
        for (key, found) in entries {
            let (head, hash) = head_and_hash(key.as_bytes());
            let meaning = match found {
                Lookup::Word(id) => id,
                Lookup::Slang(ids) => {
                    table.slang.push(ids);
                    SLANG_FLAG | (table.slang.len() as u32 - 1)
                }
            };
            let mut slot = (hash >> table.shift) as usize;
            loop {
                if table.tags[slot] == 0 {
                    table.tags[slot] = tag_of(hash);
                    table.slots[slot] = Slot {
                        head,
                        len: key.len() as u32,
                        meaning,
                    };
                    table.keys[slot] = key;
                    break;
                }
                // A later entry for the same key (slang over a word) replaces the earlier.
                if table.keys[slot] == key {
                    table.slots[slot].meaning = meaning;
                    break;
                }
                slot = (slot + 1) & (size - 1);
            }
        }
        table
    }

    fn get(&self, bytes: &[u8]) -> Option<Found> {
        let (head, hash) = head_and_hash(bytes);
        let tag = tag_of(hash);
        let mask = self.slots.len() - 1;
        let mut slot = (hash >> self.shift) as usize;
        loop {
            match *self.tags.get(slot)? {
                0 => return None,
                t if t == tag => {
                    let s = self.slots.get(slot)?;
                    if s.head == head
                        && s.len as usize == bytes.len()
                        && (bytes.len() <= 8 || self.keys.get(slot)?.as_bytes() == bytes)
                    {
                        return NonZeroU32::new(s.meaning.wrapping_add(1)).map(Found);
                    }
                }
                _ => {}
            }
            slot = (slot + 1) & mask;
        }
    }
}

impl Lexicon {
    /// The lexicon of the languages whose flag is set in `languages` (indexed like `LANGUAGES`).
    pub(crate) fn new(languages: &[bool]) -> Lexicon {
        let enabled = |lang: u8| languages.get(usize::from(lang)).copied().unwrap_or(false);
        let mut entries: Vec<(&'static str, Lookup)> = VOCAB
            .iter()
            .enumerate()
            .map(|(id, &w)| (w, Lookup::Word(id as u32)))
            .collect();
        for &(key, lang, ids) in SLANG {
            if enabled(lang) {
                entries.push((key, Lookup::Slang(ids)));
            }
        }
        let keys_without_runs = entries.iter().all(|(key, _)| {
            let mut chars = key.chars();
            let (mut a, mut b) = (chars.next(), chars.next());
            chars.all(|c| {
                let run = a == Some(c) && b == Some(c);
                (a, b) = (b, Some(c));
                !run
            })
        });
        let entries = WordTable::new(entries);
        let flags = |group: &[(u8, u32)]| {
            let mut set = vec![false; VOCAB.len()];
            for &(lang, id) in group {
                if enabled(lang) {
                    set[id as usize] = true;
                }
            }
            set
        };
        let prefixes = PrefixTrie::new(PREFIXES);
        let mut word_infos = Vec::with_capacity(VOCAB.len());
        let mut word_prefix_items = Vec::new();
        for word in VOCAB {
            let prefixes_start = word_prefix_items.len() as u32;
            prefixes.prefixes_of(word.as_bytes(), &mut word_prefix_items);
            word_infos.push(WordInfo {
                len: word.len() as u32,
                form: crate::model::word_hash(word.as_bytes()),
                prefixes_start,
                prefixes_end: word_prefix_items.len() as u32,
            });
        }
        Lexicon {
            prefixes,
            word_infos,
            word_prefix_items,
            entries,
            keys_without_runs,
            negation: flags(GROUP_NEGATION),
            second_person: flags(GROUP_SECOND_PERSON),
            sexual_topic: flags(GROUP_SEXUAL_TOPIC),
        }
    }

    /// Whether no key has a character three times in a row (see `Tokenizer::classify`).
    pub(crate) fn keys_without_runs(&self) -> bool {
        self.keys_without_runs
    }

    /// Finds a normalised word (given as its UTF-8 bytes); `meaning` says what it is.
    pub(crate) fn lookup(&self, word: &[u8]) -> Option<Found> {
        self.entries.get(word)
    }

    /// What a word `lookup` found is.
    pub(crate) fn meaning(&self, found: Found) -> Lookup {
        let meaning = found.0.get() - 1;
        if meaning & SLANG_FLAG == 0 {
            Lookup::Word(meaning)
        } else {
            let slang = self.entries.slang.get((meaning & !SLANG_FLAG) as usize);
            Lookup::Slang(slang.copied().unwrap_or(&[]))
        }
    }

    /// Appends the ids of the rule prefixes that `word` starts with.
    pub(crate) fn prefixes_of(&self, word: &[u8], out: &mut Vec<u16>) {
        self.prefixes.prefixes_of(word, out);
    }

    /// The ids of the rule prefixes that vocabulary word `id` starts with.
    pub(crate) fn word_prefixes(&self, id: u32) -> &[u16] {
        self.word_info(id).1
    }

    /// What the tokenizer needs of vocabulary word `id`, and the ids of the rule prefixes it
    /// starts with.
    pub(crate) fn word_info(&self, id: u32) -> (WordInfo, &[u16]) {
        let Some(&info) = self.word_infos.get(id as usize) else {
            return (WordInfo::default(), &[]);
        };
        let prefixes = self
            .word_prefix_items
            .get(info.prefixes_start as usize..info.prefixes_end as usize)
            .unwrap_or(&[]);
        (info, prefixes)
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

    pub(crate) fn is_sexual_topic(&self, id: u32) -> bool {
        self.sexual_topic.get(id as usize).copied().unwrap_or(false)
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
