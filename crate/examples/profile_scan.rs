//! Scans chat-sized messages in a loop, for profilers: `cargo run --release --example profile_scan`.
use lindungi::{Context, Detector, Direction};

fn main() {
    // Messages from a file (one per line) given as the second argument, or a few built in.
    let from_file: Vec<String> = std::env::args()
        .nth(2)
        .and_then(|path| std::fs::read_to_string(path).ok())
        .map(|text| text.lines().map(str::to_string).collect())
        .unwrap_or_default();
    let built_in = [
        "i can buy you robux if you send me a pic, don't tell anyone",
        "kamu goblok banget sih, gak ada yang mau temenan sama kamu",
        "hey did you finish the math homework yet? i'm stuck on number 4",
        "you're so mature for your age, how old are you btw? 13?",
    ];
    let messages: Vec<&str> = if from_file.is_empty() {
        built_in.to_vec()
    } else {
        from_file.iter().map(String::as_str).collect()
    };
    let detector = Detector::default();
    let context = Context::new(Direction::Incoming);
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200_000);
    let mut signals = 0;
    for _ in 0..rounds {
        for m in &messages {
            signals += detector.scan(m, &context).signals.len();
        }
    }
    println!("{signals} signals");
}
