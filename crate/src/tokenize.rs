//! Splits a message into normalised words, each remembering its span in the original text.
//!
//! The steps are those of `rules/README.md`: fold characters, join apostrophes, undo leetspeak,
//! shrink repeated letters, join spaced-out letters, expand slang, name emoji.

use crate::lexicon::{Found, Lexicon, Lookup};
use crate::normalize::{fold_char, is_apostrophe, leet_letter, Folded};

/// Word id of a word the rules do not know.
pub(crate) const NO_WORD: u32 = u32::MAX;
/// Spaced-out words longer than this are not looked for (it bounds the work on "a b c d …").
const MAX_JOINED_LETTERS: usize = 24;
/// Masked words (`f*ck`) tried per text: each try scans the vocabulary.
const UNMASK_BUDGET: u32 = 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenKind {
    Word,
    Number,
    Emoji,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Token {
    /// Span in the original text, in bytes.
    pub(crate) start: u32,
    pub(crate) end: u32,
    /// Length of the normalised word in bytes.
    text_len: u32,
    /// Index into `VOCAB`, or `NO_WORD`.
    pub(crate) word: u32,
    /// The learned scorer's view of the token: the hash of its vocabulary word or of its
    /// normalised form (`model::word_hash`), the same for every number.
    pub(crate) form: u32,
    pub(crate) kind: TokenKind,
    /// Sentence number: patterns never match across sentences.
    pub(crate) sentence: u32,
    /// The letter this token was before slang expansion, when it was a single letter.
    single_letter: Option<char>,
    /// The rule prefixes this word starts with, as a range of `Tokens::prefixes`.
    prefixes_start: u32,
    prefixes_end: u32,
}

/// The words of one message, with the buffers tokenising it needs (kept between scans so a
/// scan allocates nothing once they have grown).
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    pub(crate) list: Vec<Token>,
    /// How many ASCII digits the text has.
    pub(crate) ascii_digits: usize,
    /// Whether the text has an `@` (without one it has no e-mail address).
    pub(crate) has_at_sign: bool,
    prefixes: Vec<u16>,
    /// The current word's characters, and the variants tried for it.
    chars: String,
    variant: String,
    /// A second token list, swapped in when spaced-out letters are joined (kept for its
    /// capacity).
    spare: Vec<Token>,
}

impl Tokens {
    /// The ids of the rule prefixes (`PREFIXES`) the token's word starts with.
    pub(crate) fn prefixes(&self, token: &Token) -> &[u16] {
        self.prefixes
            .get(token.prefixes_start as usize..token.prefixes_end as usize)
            .unwrap_or(&[])
    }
}

/// A word being collected, character by character.
#[derive(Default)]
struct WordBuilder {
    chars: String,
    shape: Shape,
}

/// What is known of a word besides its characters.
#[derive(Clone, Copy, Default)]
struct Shape {
    start: usize,
    end: usize,
    has_letter: bool,
    has_digit: bool,
    has_symbol: bool,
    /// Already looked up as it is, and not found.
    looked_up: bool,
}

impl WordBuilder {
    fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }
}

struct Tokenizer<'a> {
    lexicon: &'a Lexicon,
    tokens: &'a mut Tokens,
    sentence: u32,
    variant: String,
    unmask_budget: u32,
    /// Tokens pushed that are one letter (spaced-out words need three of them).
    single_letters: u32,
}

/// The character that starts at byte `at` of `text`.
fn char_at(text: &str, at: usize) -> Option<char> {
    text.get(at..).and_then(|rest| rest.chars().next())
}

/// `ASCII_CLASS` bits.
const LETTER: u8 = 1;
const UPPER: u8 = 2;
const DIGIT: u8 = 4;
const ALNUM: u8 = LETTER | DIGIT;
/// An ASCII character that only ends a word: not one that may join, mask or disguise a word
/// or end a sentence (`'`, `` ` ``, `$`, `@`, `!`, `|`, `+`, `*`, `?`, `.`, line breaks).
const ENDS_WORD: u8 = 8;

/// `.`, `?` and line breaks: they end a word, and maybe a sentence (decided on the slow path).
const ENDS_SENTENCE: u8 = 16;

/// What each ASCII byte is to the tokenizer (bytes from 0x80 are 0: they start a multi-byte
/// character, decoded on the slow path).
const ASCII_CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        table[b] = if c.is_ascii_lowercase() {
            LETTER
        } else if c.is_ascii_uppercase() {
            LETTER | UPPER
        } else if c.is_ascii_digit() {
            DIGIT
        } else if matches!(c, b'.' | b'?' | b'\n' | b'\r') {
            ENDS_SENTENCE
        } else if matches!(c, b'\'' | b'`' | b'$' | b'@' | b'!' | b'|' | b'+' | b'*') {
            0
        } else {
            ENDS_WORD
        };
        b += 1;
    }
    table
};

/// The length of the run of ASCII letters and digits that `bytes` starts with, and the
/// `ASCII_CLASS` bits of its bytes together. Eight bytes at a time: most words end within the
/// first eight, found without a branch per byte (whose exit, at each word's end, the CPU
/// cannot foresee).
#[inline(always)]
fn alnum_run(bytes: &[u8]) -> (usize, u8) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut len = 0;
    let mut seen = 0;
    while let Some(chunk) = bytes.get(len..len + 8) {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(chunk);
        let x = u64::from_le_bytes(eight);
        // Per byte, without carries between bytes: the high bit of `at_least(y, c)` is set when
        // the byte's low seven bits are at least `c`; bytes with their own high bit set are no
        // ASCII.
        let low7 = x & !HIGH;
        let at_least = |y: u64, c: u8| y + ONES * u64::from(0x80 - c);
        let between = |y: u64, lo: u8, hi: u8| at_least(y, lo) & !at_least(y, hi + 1);
        let ascii = !x & HIGH;
        let digit = between(low7, b'0', b'9') & ascii;
        let letter = between(low7 | (ONES * 0x20), b'a', b'z') & ascii;
        let upper = between(low7, b'A', b'Z') & ascii;
        let other = !(digit | letter) & HIGH;
        // The bytes of the run: those below the first other byte (all eight when none is).
        let run = (other & other.wrapping_neg()).wrapping_sub(1);
        seen |= (u8::from(letter & run != 0) * LETTER)
            | (u8::from(upper & run != 0) * UPPER)
            | (u8::from(digit & run != 0) * DIGIT);
        if other != 0 {
            return (len + other.trailing_zeros() as usize / 8, seen);
        }
        len += 8;
    }
    let (rest, rest_seen) = alnum_run_bytewise(bytes.get(len..).unwrap_or(&[]));
    (len + rest, seen | rest_seen)
}

/// `alnum_run` byte by byte: for the last few bytes (and as the tests' reference).
#[inline(always)]
fn alnum_run_bytewise(bytes: &[u8]) -> (usize, u8) {
    let mut len = 0;
    let mut seen = 0;
    for &b in bytes {
        let class = ASCII_CLASS[usize::from(b)];
        if class & ALNUM == 0 {
            break;
        }
        seen |= class;
        len += 1;
    }
    (len, seen)
}

/// Tokenises `text` (whose offsets are shifted by `base` bytes in the spans) into `tokens`,
/// replacing what they held.
pub(crate) fn tokenize(text: &str, base: usize, lexicon: &Lexicon, tokens: &mut Tokens) {
    tokenize_with::<true>(text, base, lexicon, tokens);
}

/// `tokenize`; `IN_PLACE`: whether whole ASCII words are classified where they stand (the fast
/// path) rather than collected and classified like every other word (the tests check that
/// both give the same tokens).
fn tokenize_with<const IN_PLACE: bool>(
    text: &str,
    base: usize,
    lexicon: &Lexicon,
    tokens: &mut Tokens,
) {
    tokens.list.clear();
    tokens.prefixes.clear();
    let mut ascii_digits = 0;
    let mut has_at_sign = false;
    tokens.list.reserve(text.len() / 4 + 1);
    let mut chars = std::mem::take(&mut tokens.chars);
    chars.clear();
    let variant = std::mem::take(&mut tokens.variant);
    let mut t = Tokenizer {
        lexicon,
        tokens,
        sentence: 0,
        variant,
        unmask_budget: UNMASK_BUDGET,
        single_letters: 0,
    };
    let mut word = WordBuilder {
        chars,
        ..WordBuilder::default()
    };
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        // Runs of ASCII letters and digits, most of any message, go into the word in one copy.
        let class = ASCII_CLASS[usize::from(b)];
        if class & ALNUM != 0 {
            if word.is_empty() {
                word.shape.start = i;
            }
            let run = i;
            let rest = bytes.get(run..).unwrap_or(&[]);
            let (len, seen) = alnum_run(rest);
            i += len;
            let written = rest.get(..len).unwrap_or(&[]);
            if seen & DIGIT != 0 {
                ascii_digits += written.iter().filter(|b| b.is_ascii_digit()).count();
            }
            // A whole word of ASCII letters (most words) is classified where it stands, as
            // `classify` would: known as written, or unknown when no letter is stretched
            // (three times in a row) and no digit disguises it.
            let whole_word = word.is_empty()
                && bytes.get(i).is_none_or(|&b| {
                    ASCII_CLASS[usize::from(b)] & (ENDS_WORD | ENDS_SENTENCE) != 0
                });
            let mut looked_up = false;
            let mut copied = false;
            if IN_PLACE && whole_word && seen & LETTER != 0 && lexicon.keys_without_runs() {
                // Capitals are lowered in the word's buffer, kept for `classify` if need be.
                let lowered = if seen & UPPER == 0 {
                    written
                } else {
                    word.chars.push_str(text.get(run..i).unwrap_or(""));
                    word.chars.make_ascii_lowercase();
                    copied = true;
                    word.chars.as_bytes()
                };
                // `single_char` of letters, without its call (which costs 1% of a scan here).
                let single = match lowered {
                    &[letter] => Some(char::from(letter)),
                    _ => None,
                };
                if let Some(found) = lexicon.lookup(lowered) {
                    t.push_lookup(found, base + run, base + i, single);
                    word.chars.clear();
                    continue;
                }
                if seen & DIGIT == 0 && !has_stretched_letter(lowered) {
                    t.push_unknown(lowered, base + run, base + i, TokenKind::Word);
                    word.chars.clear();
                    continue;
                }
                looked_up = true;
            }
            if !copied {
                let len = word.chars.len();
                word.chars.push_str(text.get(run..i).unwrap_or(""));
                if seen & UPPER != 0 {
                    if let Some(added) = word.chars.get_mut(len..) {
                        added.make_ascii_lowercase();
                    }
                }
            }
            word.shape.has_letter |= seen & LETTER != 0;
            word.shape.has_digit |= seen & DIGIT != 0;
            word.shape.looked_up = looked_up;
            word.shape.end = i;
            continue;
        }
        // Other ASCII characters end the word, except those that may join, mask or disguise a
        // word or end a sentence (handled below): a space, a comma, a bracket...
        if class & ENDS_WORD != 0 {
            t.flush(&mut word, base);
            i += 1;
            continue;
        }
        has_at_sign |= b == b'@';
        let Some(c) = char_at(text, i) else { break };
        let end = i + c.len_utf8();
        let at = i;
        i = end;
        if !c.is_ascii() {
            if let Some(id) = lexicon.emoji(c) {
                t.flush(&mut word, base);
                t.push_word(id, base + at, base + end, TokenKind::Emoji, None);
                continue;
            }
        }
        let f = match fold_char(c) {
            Folded::Skip => {
                if !word.is_empty() {
                    word.shape.end = end;
                }
                continue;
            }
            Folded::Char(f) => f,
        };
        let next = char_at(text, end);
        // Only apostrophes and symbols need to look ahead.
        let next_is_alnum = || {
            next.is_some_and(|n| match fold_char(n) {
                Folded::Char(nf) => nf.is_alphanumeric(),
                Folded::Skip => true,
            })
        };
        if f.is_alphanumeric() {
            if word.is_empty() {
                word.shape.start = at;
            }
            word.chars.push(f);
            word.shape.end = end;
            if f.is_ascii_digit() || f.is_numeric() {
                word.shape.has_digit = true;
            } else {
                word.shape.has_letter = true;
            }
            continue;
        }
        if is_apostrophe(c) && !word.is_empty() && next_is_alnum() {
            word.shape.end = end;
            continue;
        }
        // Symbols inside a word are leetspeak or masking: sh!t, a$$, f*ck, b@by.
        let in_word_symbol = match f {
            '$' => !word.is_empty() || next_is_alnum(),
            '@' | '!' | '|' | '+' | '*' => !word.is_empty() && (next_is_alnum() || next == Some(f)),
            _ => false,
        };
        if in_word_symbol {
            if word.is_empty() {
                word.shape.start = at;
            }
            word.chars.push(f);
            word.shape.end = end;
            word.shape.has_symbol = true;
            continue;
        }
        t.flush(&mut word, base);
        let ends_sentence = match f {
            '!' | '?' | '\n' | '\r' | '\u{3002}' | '\u{FF01}' | '\u{FF1F}' => true,
            '.' => {
                next.is_none_or(char::is_whitespace)
                    && t.tokens
                        .list
                        .last()
                        .is_some_and(|last| last.sentence == t.sentence && last.text_len > 3)
            }
            _ => false,
        };
        if ends_sentence {
            t.sentence += 1;
        }
    }
    t.flush(&mut word, base);
    t.join_spaced_letters(text, base);
    t.tokens.ascii_digits = ascii_digits;
    t.tokens.has_at_sign = has_at_sign;
    t.tokens.chars = word.chars;
    t.tokens.variant = std::mem::take(&mut t.variant);
}

impl Tokenizer<'_> {
    fn push_prefixes(&mut self, text: &[u8], kind: TokenKind) -> (u32, u32) {
        let start = self.tokens.prefixes.len() as u32;
        if kind == TokenKind::Word {
            self.lexicon.prefixes_of(text, &mut self.tokens.prefixes);
        }
        (start, self.tokens.prefixes.len() as u32)
    }

    fn push_word(
        &mut self,
        id: u32,
        start: usize,
        end: usize,
        kind: TokenKind,
        single_letter: Option<char>,
    ) {
        let (info, prefixes) = self.lexicon.word_info(id);
        let prefixes_start = self.tokens.prefixes.len() as u32;
        // Most words start no rule prefix; an emoji's name is not a typed word.
        if kind == TokenKind::Word && !prefixes.is_empty() {
            self.tokens.prefixes.extend_from_slice(prefixes);
        }
        self.single_letters += u32::from(single_letter.is_some());
        self.tokens.list.push(Token {
            start: start as u32,
            end: end as u32,
            text_len: info.len,
            word: id,
            form: info.form,
            kind,
            sentence: self.sentence,
            single_letter,
            prefixes_start,
            prefixes_end: self.tokens.prefixes.len() as u32,
        });
    }

    fn push_lookup(&mut self, found: Found, start: usize, end: usize, single: Option<char>) {
        match self.lexicon.meaning(found) {
            Lookup::Word(id) => self.push_word(id, start, end, TokenKind::Word, single),
            Lookup::Slang(ids) => {
                for &id in ids {
                    self.push_word(id, start, end, TokenKind::Word, single);
                }
            }
        }
    }

    /// Pushes a word the lexicon lacks, in its normalised form (UTF-8 bytes).
    fn push_unknown(&mut self, text: &[u8], start: usize, end: usize, kind: TokenKind) {
        let text_len = text.len() as u32;
        let (prefixes_start, prefixes_end) = self.push_prefixes(text, kind);
        let single_letter = single_char(text).filter(|c| c.is_alphabetic());
        self.single_letters += u32::from(single_letter.is_some());
        self.tokens.list.push(Token {
            start: start as u32,
            end: end as u32,
            text_len,
            word: NO_WORD,
            form: if kind == TokenKind::Number {
                crate::model::NUMBER_FORM
            } else {
                crate::model::word_hash(text)
            },
            kind,
            sentence: self.sentence,
            single_letter,
            prefixes_start,
            prefixes_end,
        });
    }

    /// Ends the current word, if any: normalises it, looks it up and pushes its token(s).
    #[inline]
    fn flush(&mut self, word: &mut WordBuilder, base: usize) {
        // Called at every space and comma, most often with no word (a fast-path word was
        // pushed without the builder): only a word pays for the call below.
        if !word.is_empty() {
            self.flush_word(word, base);
        }
    }

    #[inline(never)]
    fn flush_word(&mut self, word: &mut WordBuilder, base: usize) {
        // Masking stars and stray symbols at the end are not part of the word ("stupid*"); only
        // the symbol path puts them in a word.
        while word.shape.has_symbol && word.chars.ends_with(['*', '!', '|', '+', '@']) {
            word.chars.pop();
        }
        if !word.chars.is_empty() {
            self.classify(&mut word.chars, word.shape, base);
        }
        word.chars.clear();
        word.shape = Shape::default();
    }

    fn classify(&mut self, raw: &mut String, word: Shape, base: usize) {
        let (start, end) = (base + word.start, base + word.end);
        let number = !word.has_letter && !word.has_symbol;
        // Most words are known as written, and no known word has a character three times in a
        // row (checked when the lexicon is built), so a word found as it is would come out of
        // shrink_runs unchanged: look it up first.
        let tried = !number && self.lexicon.keys_without_runs();
        if tried && !word.looked_up {
            if let Some(found) = self.lexicon.lookup(raw.as_bytes()) {
                let single = single_char(raw.as_bytes()).filter(|c| c.is_alphabetic());
                self.push_lookup(found, start, end, single);
                return;
            }
        }
        let had_long_run = shrink_runs(raw, 2);
        if number {
            self.push_unknown(raw.as_bytes(), start, end, TokenKind::Number);
            return;
        }
        let single = single_char(raw.as_bytes()).filter(|c| c.is_alphabetic());
        // Unchanged by shrink_runs, a word already looked up is still unknown.
        if !tried || had_long_run {
            if let Some(found) = self.lexicon.lookup(raw.as_bytes()) {
                self.push_lookup(found, start, end, single);
                return;
            }
        }
        let disguised = word.has_digit || word.has_symbol;
        if !disguised && !had_long_run {
            self.push_unknown(raw.as_bytes(), start, end, TokenKind::Word);
            return;
        }
        // The form kept for prefix matching when no variant is a known word.
        let mut best = std::mem::take(raw);
        if disguised {
            // Leetspeak: 4nj1ng, sh!t, a$$. "1" is tried as i, then as l; a trailing "2"
            // after letters is Indonesian reduplication (hati2 = hati-hati).
            let stem = match best.strip_suffix('2') {
                Some(stem) if stem.ends_with(char::is_alphabetic) => stem,
                _ => best.as_str(),
            };
            let mut leet_i = String::new();
            for one in ['i', 'l'] {
                self.variant.clear();
                self.variant.extend(stem.chars().map(|c| match c {
                    '1' => one,
                    c => leet_letter(c).unwrap_or(c),
                }));
                shrink_runs(&mut self.variant, 2);
                if one == 'i' {
                    leet_i.clone_from(&self.variant);
                }
                if let Some(found) = self.lookup_with_runs(had_long_run) {
                    self.push_lookup(found, start, end, single);
                    *raw = best;
                    return;
                }
            }
            std::mem::swap(&mut best, &mut leet_i);
            *raw = leet_i;
        } else {
            self.variant.clone_from(&best);
            if let Some(found) = self.lookup_with_runs(true) {
                self.push_lookup(found, start, end, single);
                *raw = best;
                return;
            }
        }
        if best.contains('*') && self.unmask_budget > 0 {
            self.unmask_budget -= 1;
            if let Some(id) = self.lexicon.unmask(&best) {
                self.push_word(id, start, end, TokenKind::Word, single);
                return;
            }
        }
        self.push_unknown(best.as_bytes(), start, end, TokenKind::Word);
    }

    /// Looks up `self.variant`, then (when the word had a long run) with every run shrunk to one.
    fn lookup_with_runs(&mut self, had_long_run: bool) -> Option<Found> {
        if let Some(found) = self.lexicon.lookup(self.variant.as_bytes()) {
            return Some(found);
        }
        if had_long_run {
            shrink_runs(&mut self.variant, 1);
            return self.lexicon.lookup(self.variant.as_bytes());
        }
        None
    }

    /// Joins runs of single letters split by spaces, dots or dashes (`s t u p i d`) when the
    /// joined letters are a known word.
    fn join_spaced_letters(&mut self, text: &str, base: usize) {
        if self.single_letters < 3 {
            return;
        }
        let list = &self.tokens.list;
        let splits = |a: &Token, b: &Token| {
            // Cheap tests first: most tokens are not single letters.
            a.single_letter.is_some()
                && b.single_letter.is_some()
                && a.sentence == b.sentence
                && text
                    .get(a.end as usize - base..b.start as usize - base)
                    .is_some_and(|gap| {
                        gap.len() <= 3
                            && gap
                                .chars()
                                .all(|c| matches!(c, ' ' | '.' | '-' | '_' | '*' | '/'))
                    })
        };
        if !list
            .windows(3)
            .any(|w| splits(&w[0], &w[1]) && splits(&w[1], &w[2]))
        {
            return;
        }
        let mut old = std::mem::take(&mut self.tokens.spare);
        old.clear();
        std::mem::swap(&mut old, &mut self.tokens.list);
        let mut i = 0;
        while i < old.len() {
            // Tokens of one original letter share its span (slang can expand one letter).
            let mut letters: Vec<(usize, char)> = Vec::new();
            let mut j = i;
            while j < old.len() && letters.len() < MAX_JOINED_LETTERS {
                if let Some((last, _)) = letters.last() {
                    let prev = &old[*last];
                    if old[j].start == prev.start {
                        j += 1;
                        continue;
                    }
                    if !splits(prev, &old[j]) {
                        break;
                    }
                } else if old[j].single_letter.is_none() {
                    break;
                }
                letters.push((j, old[j].single_letter.unwrap_or(' ')));
                j += 1;
            }
            let mut joined_at = None;
            for len in (3..=letters.len()).rev() {
                let word: String = letters[..len].iter().map(|&(_, c)| c).collect();
                if let Some(found) = self.lexicon.lookup(word.as_bytes()) {
                    joined_at = Some((len, found));
                    break;
                }
            }
            match joined_at {
                Some((len, found)) => {
                    let first = &old[letters[0].0];
                    let last_index = letters.get(len).map_or(j, |&(k, _)| k);
                    let last = &old[last_index - 1];
                    self.sentence = first.sentence;
                    self.push_lookup(found, first.start as usize, last.end as usize, None);
                    i = last_index;
                }
                None => {
                    // Not a hidden word: keep the first token (and its slang siblings) as they are.
                    let first_start = old[i].start;
                    while i < old.len() && old[i].start == first_start {
                        self.tokens.list.push(old[i]);
                        i += 1;
                    }
                }
            }
        }
        self.tokens.spare = old;
    }
}

/// The one character of `s` (UTF-8 bytes), if it is one character.
fn single_char(s: &[u8]) -> Option<char> {
    // The first byte of a character says how many bytes it has: only a word of exactly that
    // many bytes is one character (most words are told apart without decoding).
    let width = match *s.first()? {
        b if b < 0x80 => return (s.len() == 1).then(|| char::from(b)),
        b if b >= 0xF0 => 4,
        b if b >= 0xE0 => 3,
        _ => 2,
    };
    if s.len() != width {
        return None;
    }
    std::str::from_utf8(s).ok()?.chars().next()
}

/// Whether some byte comes three times in a row (`bodohhh`).
fn has_stretched_letter(bytes: &[u8]) -> bool {
    let (mut prev, mut run) = (0, 0);
    for &c in bytes {
        if c == prev {
            run += 1;
            if run == 3 {
                return true;
            }
        } else {
            (prev, run) = (c, 1);
        }
    }
    false
}

/// The length of the longest run of one character in `s`.
fn longest_run(s: &str) -> usize {
    fn longest<T: PartialEq>(items: impl Iterator<Item = T>) -> usize {
        let mut prev = None;
        let (mut run, mut longest) = (0, 0);
        for item in items {
            run = if prev.as_ref() == Some(&item) {
                run + 1
            } else {
                1
            };
            longest = usize::max(longest, run);
            prev = Some(item);
        }
        longest
    }
    if s.is_ascii() {
        longest(s.bytes())
    } else {
        longest(s.chars())
    }
}

/// Shrinks every run of the same character longer than `keep` to `keep`; says whether any run
/// was longer than two (the sign of stretched letters such as `bodohhhh`).
fn shrink_runs(s: &mut String, keep: usize) -> bool {
    // Most words have no character three times in a row: nothing to do (for ASCII, bytes are
    // characters).
    // (Fewer than three bytes cannot hold a character three times.)
    if keep >= 2 && s.len() < 3 {
        return false;
    }
    if keep >= 2 && s.is_ascii() && !has_stretched_letter(s.as_bytes()) {
        return false;
    }
    let longest = longest_run(s);
    if longest > keep {
        let mut prev = None;
        let mut run = 0;
        s.retain(|c| {
            run = if Some(c) == prev { run + 1 } else { 1 };
            prev = Some(c);
            run <= keep
        });
    }
    longest > 2
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn alnum_run_matches_the_bytewise_scan() {
        // Every byte value at every place of runs of every length, after letters, capitals
        // or digits.
        for fill in [b'a', b'Q', b'7'] {
            for len in 0..20 {
                for at in 0..=len {
                    for b in 0..=255u8 {
                        let mut bytes = vec![fill; len];
                        if at < len {
                            bytes[at] = b;
                        } else {
                            bytes.push(b);
                        }
                        bytes.extend_from_slice(b"x. y");
                        assert_eq!(alnum_run(&bytes), alnum_run_bytewise(&bytes), "{bytes:?}");
                    }
                }
            }
        }
    }

    /// The tokens (with their rule prefixes) and counts of `text`, by the fast path or not.
    fn tokens_of(text: &str, in_place: bool) -> (Vec<(Token, Vec<u16>)>, usize, bool) {
        let lexicon = Lexicon::new(&[true, true]);
        let mut tokens = Tokens::default();
        if in_place {
            tokenize_with::<true>(text, 7, &lexicon, &mut tokens);
        } else {
            tokenize_with::<false>(text, 7, &lexicon, &mut tokens);
        }
        let list = tokens
            .list
            .iter()
            .map(|t| (*t, tokens.prefixes(t).to_vec()))
            .collect();
        (list, tokens.ascii_digits, tokens.has_at_sign)
    }

    #[test]
    fn words_classified_in_place_are_the_words_collected() {
        for text in [
            "Hey, did you finish the MATH homework yet? i'm stuck on number 4.",
            "kamu goblok banget sih, gak ada yang mau temenan sama kamu!!",
            "u r sooo stupiddd lol. STUPID. s t u p i d",
            "call me 0812-3456-7890 or mail budi@example.com",
            "f*ck off, sh1t, 4nj1ng, hati2 di jalan ya",
            "Gue udah makan. Lo?\nBesok kerja kelompok di rumah aku ya",
        ] {
            assert_eq!(tokens_of(text, true), tokens_of(text, false), "{text}");
        }
    }

    fn chat() -> impl Strategy<Value = String> {
        let words = prop::sample::select(vec![
            "you", "You", "YOU", "stupid", "stupiddd", "idiot", "kamu", "goblok", "lo", "gak",
            "pap", "nudes", "i", "a", "u", "r", "s", "hello", "Hello", "12", "2024", "x1", "sh1t",
            "f*ck", "hati2", "ok", "la", "mati", "bodohhhh", "anjing", "héllo", "😀",
        ]);
        let gaps = prop::sample::select(vec![
            " ", "  ", ", ", ". ", "? ", "! ", "!!", "'", "-", "\n", "...", " @", "$", "*",
            "\u{200B}",
        ]);
        prop::collection::vec((words, gaps), 0..16)
            .prop_map(|parts| parts.into_iter().map(|(w, g)| format!("{w}{g}")).collect())
    }

    proptest! {
        #[test]
        fn in_place_words_match_collected_words_on_chat(text in chat()) {
            prop_assert_eq!(tokens_of(&text, true), tokens_of(&text, false));
        }

        #[test]
        fn in_place_words_match_collected_words_on_any_text(text in "[a-zA-Z0-9 .,!?'@$*+|éÉ😀\u{200B}\n-]{0,60}") {
            prop_assert_eq!(tokens_of(&text, true), tokens_of(&text, false));
        }
    }
}
