//! Character folding: what each character of a message becomes before words are matched.
//!
//! Folding is per character so that every folded character keeps the byte offset of the original
//! one, and spans found on folded text map straight back to the message.

use crate::fold_table::FOLD_TABLE;

/// What one input character turns into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Folded {
    /// Invisible or decorative: dropped without ending the current word.
    Skip,
    /// A (lower-case) character to match on.
    Char(char),
}

/// Folds look-alike, full-width, mathematical and accented letters to plain lower-case Latin,
/// and drops invisible characters used to split words (`k\u{200B}y\u{200B}s`).
pub(crate) fn fold_char(c: char) -> Folded {
    if c.is_ascii() {
        return Folded::Char(c.to_ascii_lowercase());
    }
    if is_invisible(c) {
        return Folded::Skip;
    }
    let code = c as u32;
    let arithmetic = match code {
        // Full-width ASCII.
        0xFF01..=0xFF5E => char::from_u32(code - 0xFEE0),
        // Mathematical alphanumeric letters: 13 styles of 52 letters (A-Z, a-z).
        0x1D400..=0x1D6A3 => {
            let index = (code - 0x1D400) % 52;
            char::from_u32(u32::from(b'a') + index % 26)
        }
        // Mathematical digits: 5 styles of 10.
        0x1D7CE..=0x1D7FF => char::from_u32(u32::from(b'0') + (code - 0x1D7CE) % 10),
        // Regional indicator letters (the halves of flag emoji).
        0x1F1E6..=0x1F1FF => char::from_u32(u32::from(b'a') + code - 0x1F1E6),
        _ => None,
    };
    if let Some(folded) = arithmetic {
        return Folded::Char(folded.to_ascii_lowercase());
    }
    if let Ok(index) = FOLD_TABLE.binary_search_by_key(&c, |&(from, _)| from) {
        return Folded::Char(FOLD_TABLE[index].1);
    }
    Folded::Char(c.to_lowercase().next().unwrap_or(c))
}

/// Zero-width and formatting characters, variation selectors and combining marks.
fn is_invisible(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xE0000..=0xE007F | 0xE0100..=0xE01EF
        // Combining marks (accents written as separate characters, Zalgo text).
        | 0x0300..=0x036F | 0x0483..=0x0489 | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF
        | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// Apostrophes that join the two halves of a word (`don't`, `you’re`).
pub(crate) fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{2018}' | '`' | '\u{00B4}' | '\u{02BC}'
    )
}

/// The letter a leetspeak digit or symbol stands for inside a word.
pub(crate) fn leet_letter(c: char) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' | '!' | '|' => 'i',
        '3' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '6' | '9' => 'g',
        '7' | '+' => 't',
        '8' => 'b',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(s: &str) -> String {
        s.chars()
            .filter_map(|c| match fold_char(c) {
                Folded::Skip => None,
                Folded::Char(c) => Some(c),
            })
            .collect()
    }

    #[test]
    fn folds_look_alikes_to_plain_latin() {
        assert_eq!(fold("ＳＥＮＤ ｎｕｄｅｓ"), "send nudes");
        assert_eq!(fold("𝐤𝐢𝐥𝐥 𝒚𝒐𝒖𝒓𝒔𝒆𝒍𝒇"), "kill yourself");
        assert_eq!(fold("ѕеnd"), "send");
        assert_eq!(fold("Ⓚⓨⓢ"), "kys");
        assert_eq!(fold("ʙᴏᴅᴏʜ"), "bodoh");
        assert_eq!(fold("Ánjíng"), "anjing");
        assert_eq!(fold("𝟘𝟠𝟙𝟚"), "0812");
    }

    #[test]
    fn drops_invisible_characters() {
        assert_eq!(fold("k\u{200B}y\u{200C}s\u{FEFF}"), "kys");
        assert_eq!(fold("e\u{0301}"), "e");
        assert_eq!(fold("❤\u{FE0F}"), "❤");
    }
}
