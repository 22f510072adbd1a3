//! Compiles the rule files in `rules/` into static tables (`$OUT_DIR/rules.rs`), so the detector
//! parses nothing at start-up. Any mistake in a rule file fails the build with its file and line.
//! The format is documented in `rules/README.md`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs, process};

/// The languages compiled in, each a folder of `rules/`. Adding a language: its folder and its name here.
const LANGUAGES: &[&str] = &["en", "id"];
const CATEGORIES: &[(&str, &str)] = &[
    ("bullying", "Bullying"),
    ("sexual", "Sexual"),
    ("grooming", "Grooming"),
    ("self_harm", "SelfHarm"),
    ("personal_info", "PersonalInfo"),
    ("profanity", "Profanity"),
];
/// Groups the engine itself consults; every language must define them.
const ENGINE_GROUPS: &[&str] = &["negation", "second_person", "sexual_topic"];
const MAX_GAP: u8 = 6;

/// The bit of a word in a 128-bit message signature. `src/matcher.rs` has the same function:
/// a pattern is tried only when every word it requires may be in the message.
fn word_bit(id: u32) -> u128 {
    1u128 << (id.wrapping_mul(0x9E37_79B9) >> 25)
}

/// For each position after the first that must match a listed word: the OR of those words'
/// bits. Positions with prefixes or numbers, and near-full signatures, filter nothing. Fewest
/// bits first: the likeliest to fail is checked first (the matcher also keeps the first apart).
fn required_signatures(elements: &[Element]) -> Vec<u128> {
    let mut required: Vec<u128> = elements
        .iter()
        .skip(1)
        .filter_map(|e| match e {
            Element::One(alts) => {
                let mut bits = 0u128;
                for alt in alts {
                    match alt {
                        Alt::Word(id) => bits |= word_bit(*id),
                        Alt::Phrase(ids) => bits |= ids.first().map_or(0, |id| word_bit(*id)),
                        Alt::Prefix(_) | Alt::Number => return None,
                    }
                }
                (bits.count_ones() < 96).then_some(bits)
            }
            _ => None,
        })
        .collect();
    required.sort_by_key(|bits| bits.count_ones());
    required
}

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into()));
    // LINDUNGI_RULES points the build at another rule folder (to try a rule set out).
    println!("cargo:rerun-if-env-changed=LINDUNGI_RULES");
    let rules_dir = env::var_os("LINDUNGI_RULES").map_or_else(|| root.join("rules"), PathBuf::from);
    println!("cargo:rerun-if-changed={}", rules_dir.display());
    match compile(&rules_dir) {
        Ok(code) => write_out("rules.rs", &code),
        Err(errors) => {
            for e in &errors {
                println!("cargo:warning={e}");
                eprintln!("error: {e}");
            }
            eprintln!(
                "{} error(s) in rule files under {}",
                errors.len(),
                rules_dir.display()
            );
            process::exit(1);
        }
    }
    let model_dir = root.join("model");
    println!(
        "cargo:rerun-if-changed={}",
        model_dir.join("model.tsv").display()
    );
    println!(
        "cargo:rerun-if-changed={}",
        model_dir.join("weights.bin").display()
    );
    match compile_model(&model_dir) {
        Ok(code) => write_out("model.rs", &code),
        Err(e) => {
            eprintln!("error in {}: {e}", model_dir.display());
            process::exit(1);
        }
    }
}

/// Writes generated code to `OUT_DIR/name`, or stops the build.
fn write_out(name: &str, code: &str) {
    let out = PathBuf::from(env::var("OUT_DIR").unwrap_or_else(|_| ".".into()));
    if let Err(e) = fs::write(out.join(name), code) {
        eprintln!("cannot write {name}: {e}");
        process::exit(1);
    }
}

/// The learned scorer's parameters (`model/model.tsv`, written by `make train`) as constants, so
/// that nothing is parsed at start-up; checks that `model/weights.bin` fits them.
fn compile_model(dir: &Path) -> Result<String, String> {
    let tsv = fs::read_to_string(dir.join("model.tsv")).map_err(|e| format!("model.tsv: {e}"))?;
    let mut bits = None;
    let mut heads = String::new();
    let mut count = 0usize;
    for (n, line) in tsv.lines().enumerate() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let at = format!("model.tsv:{}", n + 1);
        let fields: Vec<&str> = line.split('\t').collect();
        match fields.as_slice() {
            ["bucket_bits", b] => {
                bits = Some(
                    b.parse::<u32>()
                        .ok()
                        .filter(|b| (8..=24).contains(b))
                        .ok_or(format!("{at}: bucket_bits must be 8 to 24"))?,
                );
            }
            ["head", category, numbers @ ..] if numbers.len() == 3 => {
                let variant = CATEGORIES
                    .iter()
                    .find(|(name, _)| name == category)
                    .map(|(_, v)| v)
                    .ok_or(format!("{at}: unknown category {category:?}"))?;
                let mut bits_of = Vec::new();
                for x in numbers {
                    let value: f32 = x.parse().map_err(|_| format!("{at}: bad number {x:?}"))?;
                    if !value.is_finite() {
                        return Err(format!("{at}: {x} is not finite"));
                    }
                    bits_of.push(format!("f32::from_bits({:#010x})", value.to_bits()));
                }
                let _ = writeln!(
                    heads,
                    "    HeadParams {{ category: Category::{variant}, scale: {}, bias: {}, threshold: {} }},",
                    bits_of[0], bits_of[1], bits_of[2]
                );
                count += 1;
            }
            _ => return Err(format!("{at}: expected bucket_bits or head lines")),
        }
    }
    let bits = bits.ok_or("no bucket_bits line")?;
    let weights = fs::metadata(dir.join("weights.bin"))
        .map_err(|e| format!("weights.bin: {e}"))?
        .len();
    // A model of at most four heads (each a byte per bucket).
    if !(1..=4).contains(&count) || weights != (1u64 << bits) * count as u64 {
        return Err(format!(
            "weights.bin has {weights} bytes; {count} head(s) of 2^{bits} buckets need {}",
            (1u64 << bits) * count as u64
        ));
    }
    Ok(format!(
        "// Generated by build.rs from model/model.tsv.\n\
         const BUCKET_BITS: u32 = {bits};\n\
         const HEADS: &[HeadParams] = &[\n{heads}];\n"
    ))
}

/// One alternative for one word position.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Alt {
    Word(u32),
    Prefix(String),
    Phrase(Vec<u32>),
    Number,
}

#[derive(Debug)]
enum Element {
    One(Vec<Alt>),
    Optional(Vec<Alt>),
    Gap(u8),
}

/// A group item before words get ids.
#[derive(Clone, Debug)]
enum Item {
    Word(String),
    Prefix(String),
    Phrase(Vec<String>),
}

struct Pattern {
    cue: usize,
    weight: f32,
    negatable: bool,
    lang: usize,
    elements: Vec<Element>,
}

struct Safe {
    target: String,
    scope: &'static str,
    lang: usize,
    elements: Vec<Element>,
}

#[derive(Default)]
struct Compiler {
    errors: Vec<String>,
    vocab: BTreeMap<String, u32>,
    vocab_order: Vec<String>,
    cues: Vec<(String, &'static str)>,
    emoji: BTreeMap<char, String>,
    /// slang key -> (language, expansion words)
    slang: BTreeMap<String, (usize, Vec<String>)>,
    patterns: Vec<Pattern>,
    safe: Vec<Safe>,
    engine_groups: Vec<(usize, &'static str, Vec<String>)>,
    /// Distinct alternative sets (their code) with their index.
    alt_sets: BTreeMap<String, usize>,
    /// Distinct prefixes with their id (index into `PREFIXES`).
    prefixes: BTreeMap<String, u16>,
}

fn compile(dir: &Path) -> Result<String, Vec<String>> {
    let mut c = Compiler::default();
    c.read_cues(&dir.join("cues.tsv"));
    c.read_emoji(&dir.join("emoji.tsv"));
    for (lang, name) in LANGUAGES.iter().enumerate() {
        c.read_slang(&dir.join(name).join("slang.tsv"), lang);
    }
    for (lang, name) in LANGUAGES.iter().enumerate() {
        let groups = c.read_groups(&dir.join(name).join("groups.txt"));
        for engine_group in ENGINE_GROUPS {
            match groups.get(*engine_group) {
                Some(items) => {
                    // The engine looks words up by id: a prefix or phrase would never count.
                    let mut words = Vec::new();
                    for item in items {
                        match item {
                            Item::Word(w) => words.push(w.clone()),
                            Item::Prefix(p) => c.errors.push(format!(
                                "{name}/groups.txt: @{engine_group} takes single words, not {p}*"
                            )),
                            Item::Phrase(p) => c.errors.push(format!(
                                "{name}/groups.txt: @{engine_group} takes single words, not {}",
                                p.join("_")
                            )),
                        }
                    }
                    c.engine_groups.push((lang, engine_group, words));
                }
                None => c.errors.push(format!(
                    "{name}/groups.txt: the engine needs a group @{engine_group}"
                )),
            }
        }
        c.read_cue_patterns(&dir.join(name).join("cues.txt"), lang, &groups);
        c.read_safe(&dir.join(name).join("safe.txt"), lang, &groups);
    }
    // Slang expansions and emoji names are words too: tokens carry their ids.
    let expansions: Vec<String> = c.slang.values().flat_map(|(_, w)| w.clone()).collect();
    for word in expansions {
        c.word_id(&word);
    }
    let emoji_names: Vec<String> = c.emoji.values().cloned().collect();
    for name in emoji_names {
        c.word_id(&name);
    }
    let engine_words: Vec<String> = c
        .engine_groups
        .iter()
        .flat_map(|(_, _, words)| words.clone())
        .collect();
    for word in engine_words {
        c.word_id(&word);
    }
    if c.errors.is_empty() {
        Ok(c.emit())
    } else {
        Err(c.errors)
    }
}

/// Lines of a rule file with their numbers, without comments and blank lines.
fn lines_of(path: &Path, errors: &mut Vec<String>) -> Vec<(usize, String)> {
    match fs::read_to_string(path) {
        Ok(text) => text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim_end_matches('\r').to_string()))
            .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .collect(),
        Err(e) => {
            errors.push(format!("{}: {e}", path.display()));
            Vec::new()
        }
    }
}

fn short(path: &Path) -> String {
    let parts: Vec<_> = path.components().rev().take(2).collect();
    parts
        .iter()
        .rev()
        .map(|p| p.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn is_word(w: &str) -> bool {
    !w.is_empty()
        && w.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

fn has_triple(w: &str) -> bool {
    w.as_bytes()
        .windows(3)
        .any(|t| t[0] == t[1] && t[1] == t[2])
}

impl Compiler {
    fn word_id(&mut self, word: &str) -> u32 {
        if let Some(&id) = self.vocab.get(word) {
            return id;
        }
        let id = self.vocab_order.len() as u32;
        self.vocab.insert(word.to_string(), id);
        self.vocab_order.push(word.to_string());
        id
    }

    fn read_cues(&mut self, path: &Path) {
        for (n, line) in lines_of(path, &mut self.errors) {
            let id = line.split('\t').next().unwrap_or("").trim().to_string();
            let category = id.split('.').next().unwrap_or("");
            match CATEGORIES.iter().find(|(name, _)| *name == category) {
                Some((_, variant)) if id.matches('.').count() == 1 && !id.ends_with('.') => {
                    if self.cues.iter().any(|(existing, _)| *existing == id) {
                        self.errors
                            .push(format!("{}:{n}: cue {id} listed twice", short(path)));
                    }
                    self.cues.push((id, variant));
                }
                _ => self.errors.push(format!(
                    "{}:{n}: '{id}' is not category.name with a known category",
                    short(path)
                )),
            }
        }
    }

    fn read_emoji(&mut self, path: &Path) {
        for (n, line) in lines_of(path, &mut self.errors) {
            let mut cols = line.split('\t');
            let (glyph, name) = (
                cols.next().unwrap_or("").trim(),
                cols.next().unwrap_or("").trim(),
            );
            // Variation selectors and joiners are dropped by the normaliser, so ignore them here.
            let chars: Vec<char> = glyph
                .chars()
                .filter(|&c| !matches!(c as u32, 0xFE00..=0xFE0F | 0x200D))
                .collect();
            let valid_name = name.len() > 2
                && name.starts_with(':')
                && name.ends_with(':')
                && name[1..name.len() - 1]
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if chars.len() != 1 || chars[0].is_ascii() || !valid_name {
                self.errors.push(format!(
                    "{}:{n}: expected one emoji, a tab and a :name:",
                    short(path)
                ));
                continue;
            }
            if self.emoji.insert(chars[0], name.to_string()).is_some() {
                self.errors
                    .push(format!("{}:{n}: emoji listed twice", short(path)));
            }
        }
    }

    fn read_slang(&mut self, path: &Path, lang: usize) {
        for (n, line) in lines_of(path, &mut self.errors) {
            let mut cols = line.split('\t');
            let key = cols.next().unwrap_or("").trim().to_string();
            let expansion: Vec<String> = cols
                .next()
                .unwrap_or("")
                .split_whitespace()
                .map(str::to_string)
                .collect();
            let at = format!("{}:{n}", short(path));
            if !is_word(&key) || expansion.is_empty() || !expansion.iter().all(|w| is_word(w)) {
                self.errors.push(format!(
                    "{at}: expected 'informal<TAB>normal form' in lower-case letters and digits"
                ));
                continue;
            }
            if has_triple(&key) {
                self.errors.push(format!(
                    "{at}: '{key}' has a letter three times in a row; the normaliser shrinks those to two"
                ));
                continue;
            }
            if expansion.len() == 1 && expansion[0] == key {
                self.errors.push(format!("{at}: '{key}' maps to itself"));
                continue;
            }
            match self.slang.get(&key) {
                Some((other, existing)) if *existing != expansion => self.errors.push(format!(
                    "{at}: '{key}' is already slang for '{}' in {}",
                    existing.join(" "),
                    LANGUAGES[*other]
                )),
                Some(_) => {}
                None => {
                    self.slang.insert(key, (lang, expansion));
                }
            }
        }
        // A slang word whose normal form is itself slang would never be reached.
        for (key, (_, expansion)) in &self.slang {
            for w in expansion {
                if self.slang.contains_key(w) {
                    self.errors.push(format!(
                        "slang '{key}' expands to '{w}', which is itself slang: write its normal form"
                    ));
                }
            }
        }
    }

    fn check_word(&mut self, word: &str, at: &str) -> bool {
        if !is_word(word) {
            self.errors.push(format!(
                "{at}: '{word}' is not a normalised word (lower-case letters and digits, no apostrophes)"
            ));
            return false;
        }
        if let Some((_, expansion)) = self.slang.get(word) {
            self.errors.push(format!(
                "{at}: '{word}' is slang for '{}' and never reaches the matcher: write the normal form",
                expansion.join(" ")
            ));
            return false;
        }
        if has_triple(word) {
            self.errors
                .push(format!("{at}: '{word}' has a letter three times in a row"));
            return false;
        }
        true
    }

    fn parse_item(&mut self, raw: &str, at: &str) -> Option<Item> {
        if let Some(prefix) = raw.strip_suffix('*') {
            if prefix.len() < 3 {
                self.errors.push(format!(
                    "{at}: prefix '{raw}' needs three letters before '*'"
                ));
                return None;
            }
            return self
                .check_word(prefix, at)
                .then(|| Item::Prefix(prefix.to_string()));
        }
        if raw.starts_with(':') {
            if !self.emoji.values().any(|n| n == raw) {
                self.errors
                    .push(format!("{at}: emoji word {raw} is not in emoji.tsv"));
                return None;
            }
            return Some(Item::Word(raw.to_string()));
        }
        if raw.contains('_') {
            let words: Vec<String> = raw.split('_').map(str::to_string).collect();
            let ok = words.iter().all(|w| self.check_word(w, at));
            return ok.then_some(Item::Phrase(words));
        }
        self.check_word(raw, at)
            .then(|| Item::Word(raw.to_string()))
    }

    fn read_groups(&mut self, path: &Path) -> HashMap<String, Vec<Item>> {
        let mut groups: HashMap<String, Vec<Item>> = HashMap::new();
        for (n, line) in lines_of(path, &mut self.errors) {
            let at = format!("{}:{n}", short(path));
            let (head, body, extend) = if let Some((h, b)) = line.split_once("+=") {
                (h, b, true)
            } else if let Some((h, b)) = line.split_once('=') {
                (h, b, false)
            } else {
                self.errors.push(format!(
                    "{at}: expected '@name = items' or '@name += items'"
                ));
                continue;
            };
            let Some(name) = head.trim().strip_prefix('@') else {
                self.errors
                    .push(format!("{at}: a group name starts with '@'"));
                continue;
            };
            let name = name.to_string();
            if !extend && groups.contains_key(&name) {
                self.errors
                    .push(format!("{at}: @{name} defined twice (use += to add)"));
                continue;
            }
            if extend && !groups.contains_key(&name) {
                self.errors
                    .push(format!("{at}: += to @{name}, which is not defined above"));
                continue;
            }
            let mut items = Vec::new();
            for raw in body.split_whitespace() {
                if let Some(other) = raw.strip_prefix('@') {
                    match groups.get(other) {
                        Some(more) => items.extend(more.iter().cloned()),
                        None => self
                            .errors
                            .push(format!("{at}: @{other} is not defined above")),
                    }
                } else if let Some(item) = self.parse_item(raw, &at) {
                    items.push(item);
                }
            }
            groups.entry(name).or_default().extend(items);
        }
        groups
    }

    fn item_to_alt(&mut self, item: &Item) -> Alt {
        match item {
            Item::Word(w) => Alt::Word(self.word_id(w)),
            Item::Prefix(p) => Alt::Prefix(p.clone()),
            Item::Phrase(ws) => Alt::Phrase(ws.iter().map(|w| self.word_id(w)).collect()),
        }
    }

    fn parse_pattern(
        &mut self,
        text: &str,
        at: &str,
        groups: &HashMap<String, Vec<Item>>,
    ) -> Option<Vec<Element>> {
        let mut elements = Vec::new();
        let mut ok = true;
        for raw in text.split_whitespace() {
            if let Some(n) = raw.strip_prefix('~') {
                match n.parse::<u8>() {
                    Ok(n) if (1..=MAX_GAP).contains(&n) => elements.push(Element::Gap(n)),
                    _ => {
                        self.errors
                            .push(format!("{at}: gap '{raw}' must be ~1 to ~{MAX_GAP}"));
                        ok = false;
                    }
                }
                continue;
            }
            let (body, optional) = match raw.strip_suffix('?') {
                Some(b) => (b, true),
                None => (raw, false),
            };
            let mut alts = Vec::new();
            for alt in body.split('|') {
                if alt == "#num" {
                    alts.push(Alt::Number);
                } else if let Some(group) = alt.strip_prefix('@') {
                    match groups.get(group) {
                        Some(items) if !items.is_empty() => {
                            let items = items.clone();
                            for item in &items {
                                let a = self.item_to_alt(item);
                                alts.push(a);
                            }
                        }
                        _ => {
                            self.errors
                                .push(format!("{at}: unknown or empty group @{group}"));
                            ok = false;
                        }
                    }
                } else if let Some(item) = self.parse_item(alt, at) {
                    let a = self.item_to_alt(&item);
                    alts.push(a);
                } else {
                    ok = false;
                }
            }
            alts.sort();
            alts.dedup();
            if alts.is_empty() {
                self.errors.push(format!("{at}: empty item '{raw}'"));
                ok = false;
                continue;
            }
            elements.push(if optional {
                Element::Optional(alts)
            } else {
                Element::One(alts)
            });
        }
        match elements.first() {
            Some(Element::One(_)) => {}
            _ => {
                self.errors.push(format!(
                    "{at}: a pattern must start with a word, prefix, group or alternatives"
                ));
                ok = false;
            }
        }
        if matches!(elements.last(), Some(Element::Gap(_))) {
            self.errors
                .push(format!("{at}: a pattern cannot end with a gap"));
            ok = false;
        }
        ok.then_some(elements)
    }

    fn read_cue_patterns(&mut self, path: &Path, lang: usize, groups: &HashMap<String, Vec<Item>>) {
        for (n, line) in lines_of(path, &mut self.errors) {
            let at = format!("{}:{n}", short(path));
            let Some((head, pattern)) = line.split_once('|') else {
                self.errors
                    .push(format!("{at}: expected 'cue weight [flags] | pattern'"));
                continue;
            };
            // Alternatives inside the pattern use '|' too: split only at the first one.
            let mut head = head.split_whitespace();
            let cue_name = head.next().unwrap_or("");
            let Some(cue) = self.cues.iter().position(|(id, _)| id == cue_name) else {
                self.errors
                    .push(format!("{at}: cue '{cue_name}' is not in cues.tsv"));
                continue;
            };
            let weight = match head.next().map(str::parse::<f32>) {
                Some(Ok(w)) if w > 0.0 && w <= 1.0 => w,
                _ => {
                    self.errors
                        .push(format!("{at}: weight must be a number in (0, 1]"));
                    continue;
                }
            };
            let mut negatable = false;
            let mut flags_ok = true;
            for flag in head {
                match flag {
                    "neg" => negatable = true,
                    other => {
                        self.errors.push(format!("{at}: unknown flag '{other}'"));
                        flags_ok = false;
                    }
                }
            }
            if let Some(elements) = self.parse_pattern(pattern, &at, groups) {
                if flags_ok {
                    self.patterns.push(Pattern {
                        cue,
                        weight,
                        negatable,
                        lang,
                        elements,
                    });
                }
            }
        }
    }

    fn read_safe(&mut self, path: &Path, lang: usize, groups: &HashMap<String, Vec<Item>>) {
        for (n, line) in lines_of(path, &mut self.errors) {
            let at = format!("{}:{n}", short(path));
            let Some(split) = line.find('|') else {
                self.errors
                    .push(format!("{at}: expected 'target scope | pattern'"));
                continue;
            };
            let mut head = line[..split].split_whitespace();
            let target = head.next().unwrap_or("").to_string();
            let scope = match head.next() {
                Some("span") => "Span",
                Some("message") => "Message",
                _ => {
                    self.errors
                        .push(format!("{at}: scope must be 'span' or 'message'"));
                    continue;
                }
            };
            let known = target == "*"
                || CATEGORIES.iter().any(|(c, _)| *c == target)
                || self.cues.iter().any(|(id, _)| *id == target);
            if !known {
                self.errors.push(format!(
                    "{at}: target '{target}' is not *, a category or a cue"
                ));
                continue;
            }
            if let Some(elements) = self.parse_pattern(&line[split + 1..], &at, groups) {
                self.safe.push(Safe {
                    target,
                    scope,
                    lang,
                    elements,
                });
            }
        }
    }

    /// The alternatives as one `AltSet` static (shared by every pattern using the same set):
    /// word ids sorted for binary search, then prefixes, phrases and the number flag.
    fn emit_alts(&mut self, alts: &[Alt]) -> String {
        let mut words: Vec<u32> = Vec::new();
        let mut prefixes: Vec<u16> = Vec::new();
        let mut phrases: Vec<String> = Vec::new();
        let mut phrase_firsts: Vec<u32> = Vec::new();
        let mut number = false;
        for alt in alts {
            match alt {
                Alt::Word(id) => words.push(*id),
                Alt::Prefix(p) => {
                    let next = self.prefixes.len() as u16;
                    prefixes.push(*self.prefixes.entry(p.clone()).or_insert(next));
                }
                Alt::Phrase(ids) => {
                    phrases.push(format!("&{ids:?}"));
                    phrase_firsts.extend(ids.first());
                }
                Alt::Number => number = true,
            }
        }
        words.sort_unstable();
        words.dedup();
        prefixes.sort_unstable();
        prefixes.dedup();
        let halves = |bits: u128| [bits as u64, (bits >> 64) as u64];
        let word_bits = halves(words.iter().fold(0, |bits, &id| bits | word_bit(id)));
        let phrase_bits = halves(
            phrase_firsts
                .iter()
                .fold(0, |bits, &id| bits | word_bit(id)),
        );
        let code = format!(
            "words: &{words:?}, prefixes: &{prefixes:?}, phrases: &[{}], number: {number}, \
             word_bits: {word_bits:?}, phrase_bits: {phrase_bits:?}",
            phrases.join(", ")
        );
        let next = self.alt_sets.len();
        let index = *self.alt_sets.entry(code).or_insert(next);
        format!("&ALTS_{index}")
    }

    fn emit_elements(&mut self, elements: &[Element]) -> String {
        let parts: Vec<String> = elements
            .iter()
            .map(|e| match e {
                Element::One(alts) => format!("Element::One({})", self.emit_alts(alts)),
                Element::Optional(alts) => format!("Element::Optional({})", self.emit_alts(alts)),
                Element::Gap(n) => format!("Element::Gap({n})"),
            })
            .collect();
        format!("&[{}]", parts.join(", "))
    }

    fn emit(&mut self) -> String {
        let mut out = String::new();
        out.push_str("// Generated by build.rs from rules/. Do not edit.\n\n");
        let _ = writeln!(
            out,
            "pub(crate) static LANGUAGES: &[&str] = &{LANGUAGES:?};"
        );
        let _ = writeln!(
            out,
            "pub(crate) static VOCAB: &[&str] = &{:?};",
            self.vocab_order
        );
        out.push_str("pub(crate) static CUES: &[CueDef] = &[\n");
        for (id, variant) in &self.cues {
            let _ = writeln!(
                out,
                "    CueDef {{ id: {id:?}, category: Category::{variant} }},"
            );
        }
        out.push_str("];\n");
        out.push_str("pub(crate) static SLANG: &[(&str, u8, &[u32])] = &[\n");
        for (key, (lang, words)) in &self.slang {
            let ids: Vec<u32> = words.iter().map(|w| self.vocab[w]).collect();
            let _ = writeln!(out, "    ({key:?}, {lang}, &{ids:?}),");
        }
        out.push_str("];\n");
        out.push_str("pub(crate) static EMOJI: &[(char, u32)] = &[\n");
        for (glyph, name) in &self.emoji {
            let _ = writeln!(out, "    ({glyph:?}, {}),", self.vocab[name]);
        }
        out.push_str("];\n");
        for group in ENGINE_GROUPS {
            let mut entries: BTreeSet<(usize, u32)> = BTreeSet::new();
            for (lang, g, words) in &self.engine_groups {
                if g == group {
                    entries.extend(words.iter().map(|w| (*lang, self.vocab[w])));
                }
            }
            let entries: Vec<String> = entries
                .iter()
                .map(|(l, id)| format!("({l}, {id})"))
                .collect();
            let _ = writeln!(
                out,
                "pub(crate) static GROUP_{}: &[(u8, u32)] = &[{}];",
                group.to_uppercase(),
                entries.join(", ")
            );
        }
        let (patterns, safe) = (
            std::mem::take(&mut self.patterns),
            std::mem::take(&mut self.safe),
        );
        out.push_str("pub(crate) static PATTERNS: &[PatternDef] = &[\n");
        for p in &patterns {
            let _ = writeln!(
                out,
                "    PatternDef {{ cue: {}, weight: {:?}, negatable: {}, lang: {}, required: &{:?}, elements: {} }},",
                p.cue,
                p.weight,
                p.negatable,
                p.lang,
                required_signatures(&p.elements),
                self.emit_elements(&p.elements)
            );
        }
        out.push_str("];\n");
        out.push_str("pub(crate) static SAFE: &[SafeDef] = &[\n");
        for s in &safe {
            let target = if s.target == "*" {
                "SafeTarget::All".to_string()
            } else if let Some((_, v)) = CATEGORIES.iter().find(|(c, _)| *c == s.target) {
                format!("SafeTarget::Category(Category::{v})")
            } else {
                let cue = self
                    .cues
                    .iter()
                    .position(|(id, _)| *id == s.target)
                    .unwrap_or(0);
                format!("SafeTarget::Cue({cue})")
            };
            let _ = writeln!(
                out,
                "    SafeDef {{ target: {target}, scope: SafeScope::{}, lang: {}, required: &{:?}, elements: {} }},",
                s.scope,
                s.lang,
                required_signatures(&s.elements),
                self.emit_elements(&s.elements)
            );
        }
        out.push_str("];\n");
        let mut prefixes: Vec<(&String, &u16)> = self.prefixes.iter().collect();
        prefixes.sort_by_key(|(_, id)| **id);
        let prefixes: Vec<&String> = prefixes.into_iter().map(|(p, _)| p).collect();
        let _ = writeln!(out, "pub(crate) static PREFIXES: &[&str] = &{prefixes:?};");
        let mut sets: Vec<(&String, &usize)> = self.alt_sets.iter().collect();
        sets.sort_by_key(|(_, index)| **index);
        for (code, index) in sets {
            let _ = writeln!(
                out,
                "static ALTS_{index}: AltSet = AltSet {{ id: {index}, {code} }};"
            );
        }
        out
    }
}
