//! Evaluation peer: rustrict with its defaults.
//!
//! Reads JSON Lines `{"text": "..."}` on stdin and writes one `{"flagged": bool}` per input line,
//! in order, on stdout. `flagged` is `text.is_inappropriate()`, i.e. the analysis meets
//! `Type::INAPPROPRIATE` (rustrict's `Type::default()`): profane, offensive or sexual at any
//! severity (mild, moderate or severe), or mean at severe. Everything else is rustrict's
//! default `Censor` (false-positive and self-censoring handling on, no custom words).
//! A line that is not a JSON object with a string `text` is an error (exit 1).

use rustrict::CensorStr;
use std::io::{self, BufRead, BufWriter, Write};

fn main() {
    let stdin = io::stdin();
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for (n, line) in stdin.lock().lines().enumerate() {
        let line = line.unwrap_or_else(|e| fail(n, &e.to_string()));
        let value: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| fail(n, &e.to_string()));
        let text = value
            .get("text")
            .and_then(|t| t.as_str())
            .unwrap_or_else(|| fail(n, "no string \"text\""));
        let flagged = text.is_inappropriate();
        writeln!(out, "{{\"flagged\":{flagged}}}").expect("stdout");
    }
    out.flush().expect("stdout");
}

fn fail(n: usize, why: &str) -> ! {
    eprintln!("rustrict-peer: input line {}: {why}", n + 1);
    std::process::exit(1);
}
