//! Criterion benchmarks of the native detector: per-message latency, throughput on chat
//! messages and on a 1 MB page, conversation tracking, and start-up.
//! Run: `cargo bench -p lindungi` (or `make bench`).

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use lindungi::{Context, Conversation, Detector, Direction, Level};

/// Chat-sized messages (50-70 bytes), ordinary and risky, in both languages.
const MESSAGES: &[&str] = &[
    "hey did you finish the math homework yet? i'm stuck on number 4",
    "gg that was close, wanna play another round after dinner?",
    "besok jadi kerja kelompok di rumah rani kan? jam berapa ya?",
    "wkwk iya bener, gurunya lucu banget tadi pas jelasin materi",
    "you're so mature for your age, how old are you btw? 13?",
    "jangan bilang ortu ya, ini rahasia kita berdua aja oke",
    "kamu goblok banget sih, gak ada yang mau temenan sama kamu",
    "nobody likes you, just leave the group already you loser",
    "i can buy you robux if you send me a pic, don't tell anyone",
    "aku capek banget sama semuanya, rasanya pengen mati aja",
];

fn page() -> String {
    let paragraph = "Welcome to the forum! Today we talk about the new season of the game, \
        the best builds for beginners, and the tournament next week. Kalau ada yang mau ikut, \
        daftar di link bawah ya. Remember to be kind to new players, everyone starts somewhere.\n";
    paragraph.repeat(1024 * 1024 / paragraph.len() + 1)
}

fn bench(c: &mut Criterion) {
    let detector = Detector::default();
    let incoming = Context::new(Direction::Incoming);
    // Benchmarks that check answers: a wrong detector must not produce a fast number.
    assert_eq!(detector.scan(MESSAGES[0], &incoming).level, Level::None);
    assert!(detector.scan(MESSAGES[5], &incoming).level >= Level::Medium);

    c.bench_function("startup/Detector::default", |b| {
        b.iter(|| black_box(Detector::default()))
    });

    let mut group = c.benchmark_group("message");
    for (i, text) in MESSAGES.iter().enumerate() {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(i), text, |b, text| {
            b.iter(|| detector.scan(black_box(text), &incoming))
        });
    }
    group.finish();

    let total: usize = MESSAGES.iter().map(|m| m.len()).sum();
    let mut group = c.benchmark_group("throughput");
    group.throughput(Throughput::Bytes(total as u64));
    group.bench_function("chat messages", |b| {
        b.iter(|| {
            for text in MESSAGES {
                black_box(detector.scan(text, &incoming));
            }
        })
    });
    // The learned scorer's share: the same messages with the rules alone.
    let rules_only = Detector::builder()
        .model(false)
        .build()
        .expect("the default languages build");
    group.bench_function("chat messages, rules alone", |b| {
        b.iter(|| {
            for text in MESSAGES {
                black_box(rules_only.scan(text, &incoming));
            }
        })
    });
    let page = page();
    group.throughput(Throughput::Bytes(page.len() as u64));
    group.sample_size(10);
    group.bench_function("1 MB page", |b| {
        b.iter(|| detector.scan(black_box(&page), &Context::default()))
    });
    group.finish();

    c.bench_function("conversation/10 messages", |b| {
        b.iter(|| {
            let mut chat = Conversation::new();
            let from = Context::new(Direction::Incoming).with_author("someone");
            for text in MESSAGES {
                black_box(chat.scan(&detector, text, &from));
            }
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
