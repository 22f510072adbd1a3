//! Personal details that are shapes rather than words: phone numbers and e-mail addresses.

use std::ops::Range;

/// The fewest ASCII digits a phone number has: a text with fewer has none.
pub(crate) const MIN_PHONE_DIGITS: usize = 10;

/// Phone numbers: 10 to 15 digits, written as one run or in groups split by spaces, dots,
/// dashes or brackets, that start with `+`, `0` or `(` (Indonesian `08…`, `+62…`, `(555) …`)
/// or are split in at least two places (`555-123-4567`). Dates and long ids have other shapes.
pub(crate) fn phone_numbers(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        // Most bytes cannot start a number: skip to the next that can.
        match next_start(bytes, i) {
            Some(at) => i = at,
            None => break,
        }
        if i > 0 && bytes[i - 1].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        let mut digits = 0;
        let mut splits = 0;
        let mut end = i;
        let mut j = i;
        if bytes[j] == b'+' {
            j += 1;
        }
        while j < bytes.len() {
            let c = bytes[j];
            if c.is_ascii_digit() {
                digits += 1;
                j += 1;
                end = j;
            } else if matches!(c, b' ' | b'-' | b'.' | b'(' | b')')
                && bytes
                    .get(j + 1)
                    .is_some_and(|n| n.is_ascii_digit() || *n == b'(')
            {
                if j > start {
                    splits += 1;
                }
                j += 1;
            } else if c == b')' {
                j += 1;
            } else {
                break;
            }
        }
        let followed_by_word = bytes.get(end).is_some_and(|n| n.is_ascii_alphabetic());
        let leading = bytes[start];
        if (MIN_PHONE_DIGITS..=15).contains(&digits)
            && !followed_by_word
            && (leading == b'+' || leading == b'0' || leading == b'(' || splits >= 2)
        {
            found.push(start..end);
        }
        i = j.max(i + 1);
    }
    found
}

/// Whether a byte may start a phone number.
fn may_start(b: &u8) -> bool {
    b.is_ascii_digit() || *b == b'+' || *b == b'('
}

/// The first byte from `from` on that may start a phone number. Eight bytes at a time: the
/// bytes that may (`(`, `+`, digits) all lie in `(`..=`9`, and most runs of eight have none.
fn next_start(bytes: &[u8], from: usize) -> Option<usize> {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const ONES: u64 = 0x0101_0101_0101_0101;
    let mut at = from;
    loop {
        while let Some(chunk) = bytes.get(at..at + 8) {
            let mut eight = [0u8; 8];
            eight.copy_from_slice(chunk);
            let x = u64::from_le_bytes(eight);
            // Per byte, without carries between bytes: its high bit is set in `at_least` when
            // its low seven bits are at least `(`, in `above` when more than `9`; a byte with
            // its own high bit set is no ASCII.
            let y = x & LOW7;
            let at_least = y + ONES * u64::from(0x80 - b'(');
            let above = y + ONES * u64::from(0x7F - b'9');
            if at_least & !above & !x & HIGH != 0 {
                break;
            }
            at += 8;
        }
        let end = bytes.len().min(at + 8);
        let chunk = bytes.get(at..end)?;
        if let Some(skip) = chunk.iter().position(may_start) {
            return Some(at + skip);
        }
        if end == bytes.len() {
            return None;
        }
        at = end;
    }
}

/// E-mail addresses: `name@domain.tld`.
pub(crate) fn email_addresses(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let local = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-');
    let domain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-');
    let mut found = Vec::new();
    let mut last_end = 0;
    for (at, _) in text.match_indices('@') {
        let mut start = at;
        while start > last_end && local(bytes[start - 1]) {
            start -= 1;
        }
        let mut end = at + 1;
        while end < bytes.len() && domain(bytes[end]) {
            end += 1;
        }
        while end > at + 1 && bytes[end - 1] == b'.' {
            end -= 1;
        }
        let host = &text[at + 1..end];
        let tld_ok = host.rsplit_once('.').is_some_and(|(name, tld)| {
            !name.is_empty() && tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic())
        });
        if start < at && tld_ok {
            found.push(start..end);
            last_end = end;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phones(s: &str) -> Vec<&str> {
        phone_numbers(s).into_iter().map(|r| &s[r]).collect()
    }

    #[test]
    fn finds_phone_numbers_in_common_shapes() {
        assert_eq!(phones("wa aku 081234567890 ya"), ["081234567890"]);
        assert_eq!(phones("call +62 812-3456-7890 now"), ["+62 812-3456-7890"]);
        assert_eq!(phones("my cell is (555) 123-4567"), ["(555) 123-4567"]);
        assert_eq!(phones("text 555-123-4567"), ["555-123-4567"]);
        assert_eq!(phones("0812.3456.789"), ["0812.3456.789"]);
    }

    #[test]
    fn ignores_dates_scores_and_ids() {
        assert!(phones("born 2010-05-14, score 1234567").is_empty());
        assert!(phones("order 1234567890123 shipped").is_empty());
        assert!(phones("level 99 and 100 coins").is_empty());
        assert!(phones("id8123456789012").is_empty());
    }

    #[test]
    fn next_start_finds_the_first_byte_that_may_start() {
        // Every byte value, at every place in and across the eight-byte steps.
        for b in 0..=255u8 {
            for at in 0..20 {
                let mut bytes = vec![b'a'; 20];
                bytes[at] = b;
                let naive = bytes.iter().position(may_start);
                assert_eq!(next_start(&bytes, 0), naive, "byte {b} at {at}");
                for &filler in &[b' ', b'-', b')', 0xC3, b'z', b'~'] {
                    let mut bytes = vec![filler; 20];
                    bytes[at] = b;
                    for from in 0..20 {
                        let naive = bytes[from..].iter().position(may_start).map(|p| from + p);
                        assert_eq!(next_start(&bytes, from), naive);
                    }
                }
            }
        }
    }

    #[test]
    fn finds_email_addresses() {
        let s = "mail me: budi.santoso99@gmail.com or @handle";
        let found: Vec<&str> = email_addresses(s).into_iter().map(|r| &s[r]).collect();
        assert_eq!(found, ["budi.santoso99@gmail.com"]);
        assert!(email_addresses("meet @ 5pm at the mall").is_empty());
    }
}
