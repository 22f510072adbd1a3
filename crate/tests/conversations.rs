//! Conversation-level detection: patterns that build up over messages, and the state that
//! carries them across service-worker restarts.

use lindungi::{Category, Context, Conversation, Detector, Direction, Level, MAX_AUTHORS};

const MINUTE: u64 = 60_000;
const START: u64 = 1_780_000_000_000;

/// Plays `(from_child, text)` messages a minute apart; returns the conversation and the
/// highest message-level grooming level seen.
fn play(detector: &Detector, messages: &[(bool, &str)]) -> (Conversation, Level) {
    let mut chat = Conversation::new();
    let mut highest_message = Level::None;
    for (i, (from_child, text)) in messages.iter().enumerate() {
        let context = if *from_child {
            Context::new(Direction::Outgoing)
        } else {
            Context::new(Direction::Incoming).with_author("stranger")
        }
        .at(START + i as u64 * MINUTE);
        let scan = chat.scan(detector, text, &context);
        highest_message = highest_message.max(scan.message.level_of(Category::Grooming));
    }
    (chat, highest_message)
}

const GROOMING_EN: &[(bool, &str)] = &[
    (false, "hey you seem really mature for your age"),
    (true, "haha thanks"),
    (false, "how old are you? what grade are you in?"),
    (true, "13, 8th grade"),
    (false, "are your parents home right now?"),
    (true, "no they're at work"),
    (false, "add me on snapchat, it's easier to talk there"),
];

const GROOMING_ID: &[(bool, &str)] = &[
    (false, "kamu dewasa banget ya buat umur kamu"),
    (true, "hehe makasih kak"),
    (false, "umur kamu berapa? kelas berapa sekarang?"),
    (true, "12 kak kelas 6"),
    (false, "mama kamu lagi di rumah gak?"),
    (true, "lagi kerja kak"),
    (false, "pindah ke wa aja yuk biar enak ngobrolnya"),
];

#[test]
fn grooming_pattern_without_explicit_words_reaches_medium() {
    let detector = Detector::default();
    for (name, messages) in [("en", GROOMING_EN), ("id", GROOMING_ID)] {
        let (chat, highest_message) = play(&detector, messages);
        assert!(
            highest_message < Level::Medium,
            "{name}: no single message should warn, but one reached {highest_message}"
        );
        let level = chat.verdict().level_of(Category::Grooming);
        assert!(
            level >= Level::Medium,
            "{name}: conversation grooming level is {level}"
        );
    }
}

#[test]
fn secrecy_with_a_photo_request_is_high() {
    let detector = Detector::default();
    let (chat, _) = play(
        &detector,
        &[
            (false, "you're so pretty, way prettier than girls my age"),
            (false, "this stays between us ok? don't tell your mom"),
            (false, "send me a selfie"),
        ],
    );
    assert_eq!(chat.verdict().level_of(Category::Grooming), Level::High);
}

#[test]
fn ordinary_conversations_stay_quiet() {
    let detector = Detector::default();
    let cases: &[(&str, &[(bool, &str)])] = &[
        (
            "parent planning a surprise",
            &[
                (false, "hi sweetie, it's dad"),
                (
                    false,
                    "don't tell mom, we're planning her surprise birthday party",
                ),
                (true, "ok!! what do we buy her?"),
                (
                    false,
                    "let's meet at the mall after school to pick a present",
                ),
            ],
        ),
        (
            "classmates trash-talking in a game",
            &[
                (false, "gg ez noob"),
                (true, "lol you got lucky"),
                (false, "rematch, i'm gonna destroy you this time"),
                (true, "bring it"),
                (false, "noooo i died again"),
            ],
        ),
        (
            "teacher asking for homework photos",
            &[
                (
                    false,
                    "good morning class, please send me a photo of your homework",
                ),
                (false, "kirim foto tugas kalian ke sini ya sebelum jam 12"),
                (true, "baik bu, sudah saya kirim"),
            ],
        ),
        (
            "friends planning to study",
            &[
                (false, "besok kerja kelompok di rumah aku aja ya"),
                (true, "oke, jam berapa?"),
                (false, "jam 3 abis pulang sekolah"),
            ],
        ),
    ];
    for (name, messages) in cases {
        let (chat, _) = play(&detector, messages);
        let verdict = chat.verdict();
        assert!(
            verdict.level < Level::Medium,
            "{name}: conversation is {verdict:?}"
        );
    }
}

#[test]
fn repeated_insults_from_one_author_build_up() {
    let detector = Detector::default();
    let mut chat = Conversation::new();
    let bully = Context::new(Direction::Incoming).with_author("rina");
    let mut last = Level::None;
    for text in ["ugh", "loser", "nobody asked you", "loser", "go cry"] {
        last = chat
            .scan(&detector, text, &bully)
            .conversation
            .level_of(Category::Bullying);
    }
    assert!(last >= Level::Medium, "bullying stayed {last}");
}

#[test]
fn evidence_fades_with_time() {
    let detector = Detector::default();
    let mut chat = Conversation::new();
    let stranger = |at: u64| Context::new(Direction::Incoming).with_author("x").at(at);
    chat.scan(
        &detector,
        "you seem really mature for your age",
        &stranger(START),
    );
    chat.scan(&detector, "how old are you?", &stranger(START + MINUTE));
    chat.scan(
        &detector,
        "are you home alone?",
        &stranger(START + 2 * MINUTE),
    );
    assert!(chat.verdict().level_of(Category::Grooming) >= Level::Medium);
    // Two months later an ordinary message: the old pattern has faded.
    let later = START + 60 * 24 * 60 * MINUTE;
    chat.scan(&detector, "hey", &stranger(later));
    assert!(chat.verdict().level_of(Category::Grooming) < Level::Medium);
}

#[test]
fn state_survives_a_round_trip_mid_conversation() {
    let detector = Detector::default();
    let (half, _) = play(&detector, &GROOMING_EN[..4]);
    let saved = serde_json::to_string(&half).expect("serialise");
    let mut restored =
        Conversation::restore(serde_json::from_str(&saved).expect("parse")).expect("valid state");
    let (mut uninterrupted, _) = play(&detector, &GROOMING_EN[..4]);
    for (i, (_, text)) in GROOMING_EN[4..].iter().enumerate() {
        let context = Context::new(Direction::Incoming)
            .with_author("stranger")
            .at(START + (4 + i as u64) * MINUTE);
        let a = restored.scan(&detector, text, &context);
        let b = uninterrupted.scan(&detector, text, &context);
        assert_eq!(a, b);
    }
    assert!(restored.verdict().level_of(Category::Grooming) >= Level::Medium);
}

#[test]
fn state_stays_bounded() {
    let detector = Detector::default();
    let mut chat = Conversation::new();
    for i in 0..200 {
        let author = format!("player{i}-{}", "x".repeat(i));
        let context = Context::new(Direction::Incoming).with_author(author);
        chat.scan(&detector, "how old are you? are you alone?", &context);
    }
    let saved = serde_json::to_value(&chat).expect("serialise");
    let authors = saved["authors"].as_array().expect("authors").len();
    assert!(authors <= MAX_AUTHORS, "{authors} authors kept");
    let size = saved.to_string().len();
    assert!(size < 8 * 1024, "state is {size} bytes");
}

#[test]
fn restore_refuses_impossible_states() {
    let detector = Detector::default();
    let (chat, _) = play(&detector, GROOMING_EN);
    let good = serde_json::to_value(&chat).expect("serialise");
    let mut wrong_version = good.clone();
    wrong_version["version"] = 99.into();
    let mut bad_stage = good.clone();
    bad_stage["authors"][0]["stages"][0]["cue"] = "bullying.insult".into();
    let mut negative = good.clone();
    negative["child"]["self_harm"] = (-5.0).into();
    for (name, state) in [
        ("version", wrong_version),
        ("stage", bad_stage),
        ("value", negative),
    ] {
        let parsed: Conversation = serde_json::from_value(state).expect("still parses");
        let error = Conversation::restore(parsed).expect_err(name);
        assert_eq!(error.kind(), "state");
    }
    assert!(Conversation::restore(serde_json::from_value(good).expect("parse")).is_ok());
}

#[test]
fn details_shared_with_a_groomer_weigh_more() {
    let detector = Detector::default();
    let mut plain = Conversation::new();
    let mut groomed = Conversation::new();
    let from_child = Context::new(Direction::Outgoing);
    let stranger = Context::new(Direction::Incoming).with_author("s");
    groomed.scan(
        &detector,
        "you're so mature, what school do you go to?",
        &stranger,
    );
    groomed.scan(&detector, "are you home alone?", &stranger);
    let text = "my number is 0812 3456 7890";
    let a = plain
        .scan(&detector, text, &from_child)
        .conversation
        .level_of(Category::PersonalInfo);
    let b = groomed
        .scan(&detector, text, &from_child)
        .conversation
        .level_of(Category::PersonalInfo);
    assert!(a >= Level::Medium, "sharing a phone number alone is {a}");
    assert!(b > a, "after grooming signs it is {b}, not above {a}");
}
