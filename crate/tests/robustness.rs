//! Any input is fine: no panic, no hang, and spans that always point into the text.

use lindungi::{Context, Conversation, Detector, Direction, Verdict};
use proptest::prelude::*;
use std::sync::OnceLock;

fn detector() -> &'static Detector {
    static DETECTOR: OnceLock<Detector> = OnceLock::new();
    DETECTOR.get_or_init(Detector::default)
}

fn assert_valid_spans(text: &str, verdict: &Verdict) {
    for s in &verdict.signals {
        assert!(
            s.start < s.end && s.end <= text.len(),
            "span {s:?} out of {}",
            text.len()
        );
        assert!(
            text.is_char_boundary(s.start) && text.is_char_boundary(s.end),
            "{s:?}"
        );
    }
    for c in &verdict.categories {
        assert!((0.0..=1.0).contains(&c.score), "{c:?}");
    }
}

/// Text that looks like chat: words the rules know, mixed with evasions and junk.
fn chatty() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "you",
        "are",
        "so",
        "stupid",
        "kamu",
        "goblok",
        "send",
        "nudes",
        "pap",
        "dont",
        "tell",
        "your",
        "mom",
        "jangan",
        "bilang",
        "ortu",
        "kill",
        "yourself",
        "k\u{200B}y\u{200B}s",
        "s t u p i d",
        "4nj1ng",
        "b0d0hhhh",
        "ｓｅｎｄ",
        "0812 3456 7890",
        "a@b.co",
        "🔪",
        "😘",
        "\u{301}",
        "\u{FEFF}",
        "...",
        "!!",
        "?",
        "\n",
        "\t",
        "\0",
        "\u{7F}",
        "f*ck",
        "a$$",
        "'",
        "i",
        "want",
        "to",
        "die",
        "mati",
        "aja",
        "lo",
        "#",
        "@",
        "$",
        "*",
        "|",
    ]);
    prop::collection::vec(pieces, 0..40).prop_map(|v| v.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_unicode_never_panics(text in any::<String>()) {
        let verdict = detector().scan(&text, &Context::default());
        assert_valid_spans(&text, &verdict);
    }

    #[test]
    fn chat_like_text_has_valid_spans(text in chatty(), outgoing in any::<bool>()) {
        let direction = if outgoing { Direction::Outgoing } else { Direction::Incoming };
        let verdict = detector().scan(&text, &Context::new(direction));
        assert_valid_spans(&text, &verdict);
        let utf16 = verdict.clone().with_utf16_offsets(&text);
        let units: Vec<u16> = text.encode_utf16().collect();
        for (bytes, units16) in verdict.signals.iter().zip(&utf16.signals) {
            let expected = String::from_utf16_lossy(&units[units16.start..units16.end]);
            prop_assert_eq!(&text[bytes.start..bytes.end], expected.as_str());
        }
    }

    #[test]
    fn conversations_accept_any_stream(texts in prop::collection::vec(chatty(), 0..20)) {
        let mut chat = Conversation::new();
        for (i, text) in texts.iter().enumerate() {
            let context = Context::new(Direction::Incoming).with_author(format!("a{}", i % 11));
            let scan = chat.scan(detector(), text, &context);
            assert_valid_spans(text, &scan.message);
        }
        let saved = serde_json::to_string(&chat).expect("serialise");
        let back: Conversation = serde_json::from_str(&saved).expect("parse");
        prop_assert!(Conversation::restore(back).is_ok());
    }
}

#[test]
fn ten_megabytes_of_text_scan_with_bounded_output() {
    let line = "hey how are you? kamu goblok banget. send nudes 🔪 k\u{200B}y\u{200B}s ok bye\n";
    let text = line.repeat(10 * 1024 * 1024 / line.len());
    let verdict = detector().scan(&text, &Context::default());
    assert_valid_spans(&text, &verdict);
    assert!(!verdict.signals.is_empty());
    assert!(
        verdict.signals.len() <= 64,
        "{} signals",
        verdict.signals.len()
    );
}

#[test]
fn huge_single_word_and_control_characters() {
    for text in [
        "a".repeat(2 * 1024 * 1024),
        "\0".repeat(100_000),
        "s ".repeat(500_000),
        "🔪".repeat(200_000),
        "\u{200B}".repeat(300_000),
        "4".repeat(1_000_000),
        "é\u{301}".repeat(100_000),
    ] {
        let verdict = detector().scan(&text, &Context::default());
        assert_valid_spans(&text, &verdict);
    }
}

#[test]
fn empty_and_whitespace_messages_are_clean() {
    for text in ["", " ", "\n\n", "\u{200B}"] {
        let verdict = detector().scan(text, &Context::default());
        assert!(
            verdict.signals.is_empty() && verdict.categories.is_empty(),
            "{text:?}"
        );
    }
}
