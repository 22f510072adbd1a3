//! Prints the messages that take longest to scan: `cargo run --release --example slowest FILE`.
use lindungi::{Context, Detector, Direction};
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).unwrap_or_default();
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let detector = Detector::default();
    let context = Context::new(Direction::Incoming);
    let mut timed: Vec<(f64, &str)> = text
        .lines()
        .map(|m| {
            let start = Instant::now();
            for _ in 0..200 {
                std::hint::black_box(detector.scan(m, &context));
            }
            (start.elapsed().as_secs_f64() / 200.0 * 1e6, m)
        })
        .collect();
    timed.sort_by(|a, b| b.0.total_cmp(&a.0));
    let n = timed.len();
    println!(
        "p50 {:.2} µs, p99 {:.2} µs",
        timed[n / 2].0,
        timed[n / 100].0
    );
    for (us, m) in timed.iter().take(12) {
        println!("{us:6.2} µs  {m}");
    }
}
