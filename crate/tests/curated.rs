//! Runs the hand-written fixtures in `tests/fixtures/` (format in its README) and reports every
//! failure before failing.

use lindungi::{Category, Context, Detector, Direction, Level, Verdict};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

enum Expectation {
    AtLeast(Category, Level),
    Below(Option<Category>, Level),
    Cue(String),
}

fn parse_expectation(text: &str) -> Result<Expectation, String> {
    if let Some(cue) = text.strip_prefix("cue=") {
        if !Detector::cues().any(|(id, _)| id == cue) {
            return Err(format!("unknown cue {cue}"));
        }
        return Ok(Expectation::Cue(cue.to_string()));
    }
    let (name, level, at_least) = if let Some((n, l)) = text.split_once(">=") {
        (n, l, true)
    } else if let Some((n, l)) = text.split_once('<') {
        (n, l, false)
    } else {
        return Err(format!("cannot read expectation {text:?}"));
    };
    let level = Level::from_name(level).ok_or(format!("unknown level {level:?}"))?;
    let category = match name {
        "all" if !at_least => None,
        other => Some(Category::from_name(other).ok_or(format!("unknown category {other:?}"))?),
    };
    Ok(match (category, at_least) {
        (Some(c), true) => Expectation::AtLeast(c, level),
        (category, _) => Expectation::Below(category, level),
    })
}

/// Undoes `\n`, `\t`, `\\` and `\u{…}` escapes.
fn unescape(text: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            Some('u') => {
                let rest: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let hex = rest.strip_prefix('{').ok_or("bad \\u escape")?;
                let code = u32::from_str_radix(hex, 16).map_err(|e| e.to_string())?;
                out.push(char::from_u32(code).ok_or("bad code point")?);
            }
            other => return Err(format!("unknown escape \\{other:?}")),
        }
    }
    Ok(out)
}

fn check(verdict: &Verdict, expectation: &Expectation) -> Option<String> {
    match expectation {
        Expectation::AtLeast(category, level) => {
            let got = verdict.level_of(*category);
            (got < *level).then(|| format!("{category} is {got}, expected >= {level}"))
        }
        Expectation::Below(Some(category), level) => {
            let got = verdict.level_of(*category);
            (got >= *level).then(|| format!("{category} is {got}, expected < {level}"))
        }
        Expectation::Below(None, level) => verdict
            .categories
            .iter()
            .find(|c| c.level >= *level)
            .map(|c| {
                format!(
                    "{} is {}, expected every category < {level}",
                    c.category, c.level
                )
            }),
        Expectation::Cue(cue) => (!verdict.signals.iter().any(|s| s.cue == cue))
            .then(|| format!("cue {cue} did not fire")),
    }
}

#[test]
fn curated_fixtures() {
    let detector = Detector::default();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .expect("fixtures folder")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "tsv"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixture files in {}", dir.display());
    let mut failures = Vec::new();
    let mut cases = 0;
    // Cues that fired, per language (the file-name prefix), to check every cue is exercised.
    let mut fired: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
    for path in &files {
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let content = fs::read_to_string(path).expect("fixture file");
        for (n, line) in content.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let at = format!("{name}:{}", n + 1);
            let cols: Vec<&str> = line.splitn(3, '\t').collect();
            let [expectations, direction, text] = cols[..] else {
                failures.push(format!("{at}: expected 3 tab-separated columns"));
                continue;
            };
            let direction = match direction {
                "in" => Direction::Incoming,
                "out" => Direction::Outgoing,
                "-" => Direction::Unknown,
                other => {
                    failures.push(format!("{at}: unknown direction {other:?}"));
                    continue;
                }
            };
            let text = match unescape(text) {
                Ok(t) => t,
                Err(e) => {
                    failures.push(format!("{at}: {e}"));
                    continue;
                }
            };
            cases += 1;
            let verdict = detector.scan(&text, &Context::new(direction));
            let language = name.split('-').next().unwrap_or("").to_string();
            fired
                .entry(language)
                .or_default()
                .extend(verdict.signals.iter().map(|s| s.cue));
            for raw in expectations.split(',') {
                match parse_expectation(raw.trim()) {
                    Ok(expectation) => {
                        if let Some(problem) = check(&verdict, &expectation) {
                            let cues: Vec<&str> = verdict.signals.iter().map(|s| s.cue).collect();
                            failures.push(format!("{at}: {problem} — {text:?} (cues: {cues:?})"));
                        }
                    }
                    Err(e) => failures.push(format!("{at}: {e}")),
                }
            }
        }
    }
    assert!(cases > 0, "no fixture cases found");
    for language in Detector::languages() {
        let seen = fired.get(*language).cloned().unwrap_or_default();
        for (cue, _) in Detector::cues() {
            if !seen.contains(cue) {
                failures.push(format!("{language}: no fixture makes cue {cue} fire"));
            }
        }
    }
    if !failures.is_empty() {
        panic!(
            "{} of {cases} fixture cases failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
    println!("{cases} fixture cases passed");
}
