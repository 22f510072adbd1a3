//! Fuzzes scanning and conversations. The first byte picks the direction and whether the
//! message goes through a conversation whose state is saved and restored.
//! Run: `cd crate/fuzz && cargo +nightly fuzz run scan`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lindungi::{Context, Conversation, Detector, Direction};
use std::sync::OnceLock;

static DETECTOR: OnceLock<Detector> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Some((&options, rest)) = data.split_first() else { return };
    let detector = DETECTOR.get_or_init(Detector::default);
    let text = String::from_utf8_lossy(rest);
    let direction = match options % 3 {
        0 => Direction::Incoming,
        1 => Direction::Outgoing,
        _ => Direction::Unknown,
    };
    let context = Context::new(direction).with_author("fuzz");
    let verdict = if options & 4 != 0 {
        let mut chat = Conversation::new();
        for part in text.split('\n') {
            chat.scan(detector, part, &context);
        }
        let saved = serde_json::to_string(&chat).expect("serialise");
        let back: Conversation = serde_json::from_str(&saved).expect("parse");
        Conversation::restore(back).expect("own state is valid");
        detector.scan(&text, &context)
    } else {
        detector.scan(&text, &context)
    };
    for s in &verdict.signals {
        assert!(s.start < s.end && s.end <= text.len());
        assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
    }
    let _ = verdict.with_utf16_offsets(&text);
});
