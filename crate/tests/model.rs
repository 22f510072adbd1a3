//! The learned scorer as shipped: what it adds, where the rules overrule it, and that it only
//! ever adds (the rules alone are `Detector::builder().model(false)`).

use lindungi::{Category, Context, Detector, Direction, Level, Verdict};

fn detectors() -> (Detector, Detector) {
    let rules = Detector::builder().model(false).build().expect("builds");
    (Detector::default(), rules)
}

fn scan(detector: &Detector, text: &str) -> Verdict {
    detector.scan(text, &Context::new(Direction::Incoming))
}

fn model_cues(verdict: &Verdict) -> Vec<&'static str> {
    verdict
        .signals
        .iter()
        .filter(|s| s.cue.ends_with(".model"))
        .map(|s| s.cue)
        .collect()
}

#[test]
fn the_model_is_on_by_default_and_off_on_request() {
    let (with, without) = detectors();
    assert!(with.has_model());
    assert!(!without.has_model());
}

/// Asserts that the rules alone warn on none of `texts`, and that the model makes each a
/// `category` warning with its own cue.
fn assert_raised_by_model(category: Category, texts: &[&str]) {
    let (with, without) = detectors();
    let cue = format!("{category}.model");
    for text in texts {
        let rules = scan(&without, text);
        let model = scan(&with, text);
        assert!(rules.level < Level::Medium, "{text}: {rules:?}");
        assert!(
            model.level_of(category) >= Level::Medium,
            "{text}: {model:?}"
        );
        assert_eq!(model_cues(&model), [cue.as_str()], "{text}");
    }
}

#[test]
fn it_raises_put_downs_no_rule_names_in_both_languages() {
    assert_raised_by_model(
        Category::Bullying,
        &[
            // English: a rule sees a weak insult; the model makes it a warning.
            "imagine being this dumb",
            // Indonesian: nothing a rule names ("you're not invited").
            "lo tuh gak diajak",
        ],
    );
}

#[test]
fn it_warns_on_requests_for_photos_no_rule_calls_sexual() {
    // The sexual head on its own: the rules see at most an image request (grooming, low) here.
    // Letting this head only raise what the rules found would lose these.
    assert_raised_by_model(
        Category::Sexual,
        &[
            "send me a pic of you after your shower",
            "show me what you look like in your pajamas",
            "send me a cute pic of you in the bath",
            "aku mau lihat foto kamu yang lagi di kamar",
        ],
    );
}

/// Asserts that each text stays below a warning, with no model cue.
fn assert_quiet(detector: &Detector, texts: &[&str]) {
    for text in texts {
        let verdict = scan(detector, text);
        assert!(verdict.level < Level::Medium, "{text}: {verdict:?}");
        assert!(model_cues(&verdict).is_empty(), "{text}: {verdict:?}");
    }
}

#[test]
fn the_rules_overrule_it_on_negation_and_benign_senses() {
    let (with, _) = detectors();
    assert_quiet(
        &with,
        &[
            "you're not stupid",
            "nobody thinks you're a loser",
            "i feel like such a fool",
            "i'll shoot you with the sniper from the tower",
            "cupu lu, gitu aja kalah",
        ],
    );
}

#[test]
fn ordinary_chat_stays_quiet() {
    let (with, _) = detectors();
    assert_quiet(
        &with,
        &[
            "gue sama lo mabar ml yuk",
            "lo udah makan belum?",
            "lo emang paling jago kalo soal matematika",
            "honestly the world needs more people like you",
            "you really think the test is tomorrow?",
            "anjir seru banget konsernya kemarin",
        ],
    );
}

#[test]
fn its_sexual_cue_needs_a_rule_or_a_word_about_bodies_clothes_or_undressing() {
    // Everyday requests and plain affection: without the `@sexual_topic` gate the sexual head
    // warns on each of these English ones (it learned "do you have", "send", "want me" from
    // solicitation). A picture word is not a foothold: see the photo requests in the fixtures.
    let (with, _) = detectors();
    assert_quiet(
        &with,
        &[
            "Do you have your library card ?",
            "You can send a compressed one .",
            "i like you",
            "u want me",
            "kamu punya kartu perpustakaan?",
            "kirim aja filenya ke aku ya",
        ],
    );
}

#[test]
fn it_only_ever_adds_to_what_the_rules_found() {
    let (with, without) = detectors();
    let fixtures = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"))
        .expect("fixtures")
        .map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("read"))
        .collect::<Vec<_>>();
    let texts = fixtures
        .iter()
        .flat_map(|f| f.lines())
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit('\t').next());
    let mut raised = 0;
    for text in texts {
        let (model, rules) = (scan(&with, text), scan(&without, text));
        for category in Category::ALL {
            assert!(
                model.score_of(category) >= rules.score_of(category),
                "{text}: {category} {} < {}",
                model.score_of(category),
                rules.score_of(category)
            );
        }
        let rule_signals: Vec<_> = model
            .signals
            .iter()
            .filter(|s| !s.cue.ends_with(".model"))
            .collect();
        assert_eq!(rule_signals.len(), rules.signals.len(), "{text}");
        raised += usize::from(model.level > rules.level);
    }
    assert!(raised > 0, "the model raised no fixture at all");
}

#[test]
fn its_span_points_at_the_words_that_weighed_most_even_in_a_long_page() {
    let (with, _) = detectors();
    let line = "lo tuh gak diajak";
    let page = format!(
        "{}{line}\n{}",
        "jadwal piket kelas minggu ini sudah dibagikan ya\n".repeat(2000),
        "jangan lupa bawa buku paket besok\n".repeat(2000)
    );
    let verdict = scan(&with, &page);
    let at = page.find(line).expect("line");
    let signal = verdict
        .signals
        .iter()
        .find(|s| s.cue == "bullying.model")
        .expect("the model reads the page window by window");
    assert!(
        signal.start >= at && signal.end <= at + line.len(),
        "{signal:?}"
    );
    assert!(page.is_char_boundary(signal.start) && page.is_char_boundary(signal.end));
}

#[test]
fn outgoing_sexual_talk_counts_less_as_the_rules_do() {
    let (with, _) = detectors();
    let text = "show me your body babe";
    let incoming = with.scan(text, &Context::new(Direction::Incoming));
    let outgoing = with.scan(text, &Context::new(Direction::Outgoing));
    assert!(incoming.score_of(Category::Sexual) > outgoing.score_of(Category::Sexual));
}
