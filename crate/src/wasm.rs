//! The JavaScript boundary (wasm-bindgen). Thin on purpose: converts values and keeps the
//! conversations of one extension instance; all judgement lives in the rest of the crate.

use crate::{
    Context, Conversation, ConversationVerdict, Detector, Direction, Error, Level, Report, Verdict,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The text buffer a detector starts with and keeps (a longer text gets a buffer of its own).
const TEXT_BYTES: usize = 64 * 1024;
const KEPT_TEXT_BYTES: usize = 1024 * 1024;

/// Conversations kept at once; the one used longest ago is dropped first (export it before).
const MAX_CONVERSATIONS: usize = 256;

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
    lindungi_memory(wasm_bindgen::memory());
}

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
export type Level = "none" | "low" | "medium" | "high";
export type CategoryName = "bullying" | "sexual" | "grooming" | "self_harm" | "personal_info" | "profanity";
export interface DetectorConfig {
  /** Language codes whose rules to use (default: all compiled in). */
  languages?: string[];
  /** Whether the learned scorer adds its `<category>.model` cues (default: true). */
  model?: boolean;
}
export interface ScanContext {
  /** Who wrote the text, seen from the child. */
  direction?: "incoming" | "outgoing" | "unknown";
  /** Messages naming the same conversation build one pattern, in call order. */
  conversation?: string;
  /** The author's name or id, as the site shows it. */
  author?: string;
  /** When the message was written, in milliseconds since 1970. */
  time?: number;
}
export interface CategoryScore { category: CategoryName; level: Level; score: number }
/** A cue that fired; start/end are UTF-16 offsets into the scanned text. */
export interface Signal { category: CategoryName; cue: string; start: number; end: number }
export interface ConversationVerdict { level: Level; categories: CategoryScore[] }
export interface ScanResult {
  level: Level;
  categories: CategoryScore[];
  signals: Signal[];
  /** Present when the context named a conversation. */
  conversation?: ConversationVerdict;
}
/** An opaque, JSON-compatible conversation state, for storage between service-worker runs. */
export type ConversationState = { readonly version: number } & Record<string, unknown>;
export interface CueInfo { cue: string; category: CategoryName }
"#;

/// Three jobs that cost many boundary crossings when done from Rust, done in JavaScript with one
/// call each (every call into JavaScript costs about as much as scanning a few words): copying
/// the text in, reading a scan context, and building a result object (a literal per object
/// instead of `JSON.parse`). The text goes straight into a buffer the detector keeps, by the
/// engine's own UTF-8 encoder: wasm-bindgen's string glue copies ASCII one character at a time
/// in JavaScript and allocates per call, which cost a tenth of a scan.
/// `make wasm` folds this module into `lindungi.js`, so the package stays two files.
#[wasm_bindgen(inline_js = r#"
let memory = null, view = new Uint8Array(0);
const encoder = new TextEncoder();
export function lindungi_memory(m) {
  memory = m;
}
export function lindungi_encode(text, at, capacity) {
  if (typeof text !== 'string') return -1;
  const n = text.length;
  if (n * 3 > capacity) return -2 - n * 3;
  // A view on memory that has grown since is empty (its buffer is detached).
  if (view.byteLength === 0 || view.byteOffset !== at || view.length !== capacity) {
    view = new Uint8Array(memory.buffer, at, capacity);
  }
  // A short ASCII text is copied faster here than by a call into the encoder; from about 30
  // characters on, the encoder is faster (Node 20: 90 characters 247 ns here, 58 ns there).
  if (n <= 32) {
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) break;
      view[i] = c;
    }
    if (i === n) return n;
  }
  return encoder.encodeInto(text, view).written;
}
let cues = [], categories = [], levels = [];
let heldDirection = '', heldConversation = '', heldAuthor = '', heldTime = 0;
export function lindungi_names(cueNames, categoryNames, levelNames) {
  cues = cueNames.split(' ');
  categories = categoryNames.split(' ');
  levels = levelNames.split(' ');
}
// One reader per property, each reading by a fixed name: the engine caches such a read far
// better than one by a key in a variable (`o[key]`), which every scan paid four times.
const direction = (o) => o.direction;
const time = (o) => o.time;
const conversation = (o) => o.conversation;
const author = (o) => o.author;
// A property that is null or undefined, or whose getter throws, is absent.
function read(o, property) {
  try {
    const v = property(o);
    return v == null ? undefined : v;
  } catch (e) {
    return undefined;
  }
}
function has(o, key) {
  try {
    return key in o;
  } catch (e) {
    return false;
  }
}
export function lindungi_context(o) {
  if (typeof o !== 'object' || o === null) return -1;
  const d = read(o, direction);
  let code = 0;
  if (d === undefined || d === 'unknown') code = 0;
  else if (d === 'incoming') code = 1;
  else if (d === 'outgoing') code = 2;
  else if (typeof d !== 'string') return -2;
  else {
    heldDirection = d;
    return -3;
  }
  const t = read(o, time);
  if (t !== undefined) {
    if (typeof t !== 'number') return -4;
    heldTime = t;
    code |= 4;
  }
  const c = read(o, conversation);
  const a = read(o, author);
  const found = (d !== undefined) + (t !== undefined) + (c !== undefined) + (a !== undefined);
  if (c !== undefined) {
    if (typeof c !== 'string') return -5;
    heldConversation = c;
    code |= 8;
  }
  if (a !== undefined) {
    if (typeof a !== 'string') return -6;
    heldAuthor = a;
    code |= 16;
  }
  const keys = Object.keys(o).length;
  if (keys > found) {
    const known = has(o, 'direction') + has(o, 'conversation') + has(o, 'author') + has(o, 'time');
    if (keys > known) return -7;
  }
  return code;
}
export function lindungi_held(which) {
  return which === 0 ? heldDirection : which === 1 ? heldConversation : heldAuthor;
}
export function lindungi_held_time() {
  return heldTime;
}
function scores(codes, at) {
  const n = codes[at];
  const out = [];
  for (let i = at + 1; i < at + 1 + 3 * n; i += 3) {
    out.push({ category: categories[codes[i]], level: levels[codes[i + 1]], score: codes[i + 2] / 1000 });
  }
  return out;
}
export function lindungi_result(codes) {
  const n = codes[1];
  const result = { level: levels[codes[0]], categories: scores(codes, 1), signals: [] };
  let at = 2 + 3 * n;
  const signals = codes[at++];
  for (let i = 0; i < signals; i++, at += 4) {
    result.signals.push({ category: categories[codes[at]], cue: cues[codes[at + 1]], start: codes[at + 2], end: codes[at + 3] });
  }
  if (codes[at++] === 1) {
    result.conversation = { level: levels[codes[at]], categories: scores(codes, at + 1) };
  }
  return result;
}
"#)]
extern "C" {
    /// Hands over the module's memory, for `lindungi_encode`.
    fn lindungi_memory(memory: JsValue);
    /// Writes `text` as UTF-8 at byte `at` of the memory, in `capacity` bytes: the bytes
    /// written, -1 when `text` is not a string, or -2 minus the capacity it needs.
    fn lindungi_encode(text: &JsValue, at: u32, capacity: u32) -> f64;
    fn lindungi_names(cues: &str, categories: &str, levels: &str);
    /// Reads a scan context (not null or undefined) as `ContextKeys::read` does, with the same
    /// property reads in the same order: a direction code (0 none, 1 incoming, 2 outgoing)
    /// with flags for the time (4), conversation (8) and author (16) found, or a negative error.
    fn lindungi_context(context: &js_sys::Object) -> i32;
    /// The direction (0), conversation (1) or author (2) read by the last `lindungi_context`.
    fn lindungi_held(which: u32) -> String;
    fn lindungi_held_time() -> f64;
    /// A result object from `ResultCodes`.
    fn lindungi_result(codes: &[u32]) -> JsValue;
}

#[derive(Deserialize, Default)]
struct Config {
    languages: Option<Vec<String>>,
    model: Option<bool>,
}

#[derive(Default)]
struct ScanContext {
    direction: Option<Direction>,
    conversation: Option<String>,
    author: Option<String>,
    time: Option<f64>,
}

#[derive(Serialize)]
struct CueInfo {
    cue: &'static str,
    category: crate::Category,
}

/// A JavaScript `Error` with a stable `variant` (`config`, `state` or `input`) to branch on.
fn js_error(variant: &str, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&error, &"variant".into(), &variant.into());
    error.into()
}

impl From<Error> for JsValue {
    fn from(e: Error) -> JsValue {
        js_error(e.kind(), &e.to_string())
    }
}

/// Reads an optional options object, refusing keys it does not know (a typo must not pass
/// silently: `{directon: "outgoing"}` would otherwise scan as an unknown direction).
fn from_js<T: for<'de> Deserialize<'de> + Default>(
    value: Option<js_sys::Object>,
    known: &[&str],
    what: &str,
) -> Result<T, JsValue> {
    let Some(object) = value.filter(|v| !v.is_undefined() && !v.is_null()) else {
        return Ok(T::default());
    };
    for key in js_sys::Object::keys(&object).iter() {
        let key = key.as_string().unwrap_or_default();
        if !known.contains(&key.as_str()) {
            return Err(js_error("input", &format!("{what}: unknown field {key:?}")));
        }
    }
    serde_wasm_bindgen::from_value(object.into())
        .map_err(|e| js_error("input", &format!("{what}: {e}")))
}

fn to_js(value: &impl Serialize) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| js_error("input", &e.to_string()))
}

/// The conversations one detector follows, the least recently used dropped first.
#[derive(Default)]
struct Conversations {
    states: HashMap<String, (u64, Conversation)>,
    calls: u64,
}

impl Conversations {
    fn get(&mut self, name: String) -> &mut Conversation {
        self.calls += 1;
        let now = self.calls;
        if !self.states.contains_key(&name) && self.states.len() >= MAX_CONVERSATIONS {
            let oldest = self
                .states
                .iter()
                .min_by_key(|(_, (used, _))| *used)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                self.states.remove(&oldest);
            }
        }
        let entry = self
            .states
            .entry(name)
            .or_insert_with(|| (now, Conversation::new()));
        entry.0 = now;
        &mut entry.1
    }
}

/// Copies `text` into `buffer` as UTF-8 (growing it when it is too small) and returns it;
/// throws an Error with `variant: "input"` when `text` is not a string. Lone surrogates become
/// U+FFFD, as in every UTF-8 encoding of a JavaScript string.
fn read_text<'a>(buffer: &'a mut Vec<u8>, text: &JsValue) -> Result<&'a str, JsValue> {
    loop {
        // The address of the buffer in the module's memory, which wasm32 addresses with u32.
        let at = buffer.as_mut_ptr() as usize as u32;
        let written = lindungi_encode(text, at, buffer.len() as u32);
        if written == -1.0 {
            return Err(js_error("input", "text must be a string"));
        }
        if written < 0.0 {
            *buffer = vec![0; (-2.0 - written) as usize];
            continue;
        }
        let bytes = buffer.get(..written as usize).unwrap_or(&[]);
        return std::str::from_utf8(bytes).map_err(|e| js_error("input", &e.to_string()));
    }
}

/// Reads a scan context, refusing unknown keys and wrong types. This runs for every message,
/// so the reading is one call into JavaScript (`lindungi_context`, which reads the properties
/// `direction`, `time`, `conversation`, `author` in that order, then checks the keys); the
/// strings are copied out only when present.
fn read_context(value: Option<js_sys::Object>) -> Result<ScanContext, JsValue> {
    // wasm-bindgen passes null and undefined as `None`.
    let Some(object) = value else {
        return Ok(ScanContext::default());
    };
    let code = lindungi_context(&object);
    let error = match code {
        -1 => "context: expected an object",
        -2 => "context: direction must be a string",
        -3 => {
            let direction = lindungi_held(0);
            return Err(js_error(
                "input",
                &format!("context: unknown direction {direction:?}"),
            ));
        }
        -4 => "context: time must be a number",
        -5 => "context: conversation must be a string",
        -6 => "context: author must be a string",
        -7 => "context: unknown field (known: direction, conversation, author, time)",
        _ if code < 0 => "context: unreadable",
        _ => "",
    };
    if !error.is_empty() {
        return Err(js_error("input", error));
    }
    Ok(ScanContext {
        direction: match code & 3 {
            1 => Some(Direction::Incoming),
            2 => Some(Direction::Outgoing),
            _ => None,
        },
        time: (code & 4 != 0).then(lindungi_held_time),
        conversation: (code & 8 != 0).then(|| lindungi_held(1)),
        author: (code & 16 != 0).then(|| lindungi_held(2)),
    })
}

/// A report in the form `lindungi_result` reads: numbers only, names as indexes into the
/// lists handed to `lindungi_names`. Reused between scans.
#[derive(Default)]
struct ResultCodes {
    /// Level, categories (count, then category, level and score in thousandths of each),
    /// signals (count, then category, cue, start and end of each), then 1 and the
    /// conversation's level and categories, or 0.
    codes: Vec<u32>,
}

impl ResultCodes {
    /// Sets the names `lindungi_result` uses (the same for every detector).
    fn names() {
        let cues: Vec<&str> = crate::rules::CUES.iter().map(|c| c.id).collect();
        let categories: Vec<&str> = crate::Category::ALL.iter().map(|c| c.as_str()).collect();
        let levels: Vec<&str> = [Level::None, Level::Low, Level::Medium, Level::High]
            .iter()
            .map(|l| l.as_str())
            .collect();
        lindungi_names(&cues.join(" "), &categories.join(" "), &levels.join(" "));
    }

    fn level(level: Level) -> u32 {
        match level {
            Level::None => 0,
            Level::Low => 1,
            Level::Medium => 2,
            Level::High => 3,
        }
    }

    fn categories(&mut self, categories: &[crate::CategoryScore]) -> Option<()> {
        self.codes.push(u32::try_from(categories.len()).ok()?);
        for c in categories {
            // Scores are rounded to thousandths: JavaScript's k / 1000 is then the very same
            // double (checked; anything else takes the JSON way).
            let thousandths = (c.score * 1000.0).round();
            let exact = c.score.is_sign_positive()
                && (0.0..=1000.0).contains(&thousandths)
                && thousandths / 1000.0 == c.score;
            if !exact {
                return None;
            }
            self.codes.extend([
                c.category.index() as u32,
                Self::level(c.level),
                thousandths as u32,
            ]);
        }
        Some(())
    }

    /// The result object of `report` (offsets already in UTF-16 units); `None` when something
    /// does not fit the codes (a cue the rules do not list), for the caller to fall back on JSON.
    fn build(&mut self, report: &Report) -> Option<JsValue> {
        self.codes.clear();
        let message = &report.message;
        self.codes.push(Self::level(message.level));
        self.categories(&message.categories)?;
        self.codes.push(u32::try_from(message.signals.len()).ok()?);
        for signal in &message.signals {
            // Signals name their cue with the rules' own string: its address finds it.
            let cue = crate::rules::CUES
                .iter()
                .position(|c| std::ptr::eq(c.id, signal.cue) || c.id == signal.cue)?;
            self.codes.extend([
                signal.category.index() as u32,
                u32::try_from(cue).ok()?,
                u32::try_from(signal.start).ok()?,
                u32::try_from(signal.end).ok()?,
            ]);
        }
        match &report.conversation {
            Some(conversation) => {
                self.codes.extend([1, Self::level(conversation.level)]);
                self.categories(&conversation.categories)?;
            }
            None => self.codes.push(0),
        }
        Some(lindungi_result(&self.codes))
    }
}

/// Frozen results for clean messages, shared by every clean scan.
struct CleanResults {
    standalone: JsValue,
    in_conversation: JsValue,
}

impl CleanResults {
    fn new() -> Result<CleanResults, JsValue> {
        let frozen = |report: Report| -> Result<JsValue, JsValue> {
            let value = to_js(&report)?;
            deep_freeze(&value);
            Ok(value)
        };
        Ok(CleanResults {
            standalone: frozen(Report::from(Verdict::default()))?,
            in_conversation: frozen(Report {
                message: Verdict::default(),
                conversation: Some(ConversationVerdict::default()),
            })?,
        })
    }
}

fn deep_freeze(value: &JsValue) {
    if let Some(object) = value.dyn_ref::<js_sys::Object>() {
        for entry in js_sys::Object::values(object).iter() {
            deep_freeze(&entry);
        }
        js_sys::Object::freeze(object);
    }
}

/// The detector, with the conversations it follows.
#[wasm_bindgen(js_name = Detector)]
pub struct WasmDetector {
    detector: Detector,
    conversations: Conversations,
    clean: CleanResults,
    result: ResultCodes,
    /// The UTF-8 bytes of the text being scanned (`read_text`).
    text: Vec<u8>,
}

#[wasm_bindgen(js_class = Detector)]
impl WasmDetector {
    /// Builds a detector; throws an Error with `variant: "config"` on a bad configuration.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "DetectorConfig")] config: Option<js_sys::Object>,
    ) -> Result<WasmDetector, JsValue> {
        let config: Config = from_js(config, &["languages", "model"], "config")?;
        ResultCodes::names();
        let mut builder = Detector::builder().model(config.model.unwrap_or(true));
        if let Some(languages) = config.languages {
            builder = builder.languages(languages);
        }
        Ok(WasmDetector {
            detector: builder.build()?,
            conversations: Conversations::default(),
            clean: CleanResults::new()?,
            result: ResultCodes::default(),
            text: vec![0; TEXT_BYTES],
        })
    }

    /// Scans one message. Offsets in the result count UTF-16 code units.
    #[wasm_bindgen(unchecked_return_type = "ScanResult")]
    pub fn scan(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
        #[wasm_bindgen(unchecked_param_type = "ScanContext")] context: Option<js_sys::Object>,
    ) -> Result<JsValue, JsValue> {
        let mut buffer = std::mem::take(&mut self.text);
        let result = read_text(&mut buffer, &text).and_then(|text| self.scan_text(text, context));
        // A huge text's buffer is not kept.
        if buffer.len() > KEPT_TEXT_BYTES {
            buffer = vec![0; TEXT_BYTES];
        }
        self.text = buffer;
        result
    }

    /// `scan` of the text once copied in.
    fn scan_text(
        &mut self,
        text: &str,
        context: Option<js_sys::Object>,
    ) -> Result<JsValue, JsValue> {
        let input = read_context(context)?;
        let context = Context {
            direction: input.direction.unwrap_or_default(),
            author: input.author,
            time_ms: input
                .time
                .filter(|t| t.is_finite() && *t >= 0.0)
                .map(|t| t as u64),
        };
        let mut report: Report = match input.conversation {
            Some(name) => self
                .conversations
                .get(name)
                .scan(&self.detector, text, &context)
                .into(),
            None => self.detector.scan(text, &context).into(),
        };
        // Most messages are clean: hand back one frozen object instead of building a new one.
        if report.message.signals.is_empty() && report.message.level == Level::None {
            match &report.conversation {
                None => return Ok(self.clean.standalone.clone()),
                Some(c) if c.level == Level::None => return Ok(self.clean.in_conversation.clone()),
                _ => {}
            }
        }
        report.message = report.message.with_utf16_offsets(text);
        match self.result.build(&report) {
            Some(result) => Ok(result),
            None => js_sys::JSON::parse(&report.to_json()),
        }
    }

    /// The state of a conversation, to keep (e.g. in `chrome.storage.session`); `undefined`
    /// when this detector has not seen it.
    #[wasm_bindgen(js_name = exportState, unchecked_return_type = "ConversationState | undefined")]
    pub fn export_state(&self, conversation: &str) -> Result<JsValue, JsValue> {
        match self.conversations.states.get(conversation) {
            Some((_, state)) => to_js(state),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// Restores a state from `exportState`; throws an Error with `variant: "state"` when it is
    /// not a valid state (the conversation is then left as it was).
    #[wasm_bindgen(js_name = importState)]
    pub fn import_state(
        &mut self,
        conversation: &str,
        #[wasm_bindgen(unchecked_param_type = "ConversationState")] state: JsValue,
    ) -> Result<(), JsValue> {
        let state: Conversation = serde_wasm_bindgen::from_value(state)
            .map_err(|e| js_error("state", &format!("invalid conversation state: {e}")))?;
        let state = Conversation::restore(state)?;
        *self.conversations.get(conversation.to_string()) = state;
        Ok(())
    }

    /// Forgets a conversation.
    pub fn forget(&mut self, conversation: &str) {
        self.conversations.states.remove(conversation);
    }

    /// The language codes this detector uses.
    #[wasm_bindgen(getter, unchecked_return_type = "string[]")]
    pub fn languages(&self) -> Result<JsValue, JsValue> {
        to_js(&self.detector.enabled_languages())
    }

    /// Every cue id the rules can report, with its category.
    #[wasm_bindgen(unchecked_return_type = "CueInfo[]")]
    pub fn cues() -> Result<JsValue, JsValue> {
        let cues: Vec<CueInfo> = Detector::cues()
            .map(|(cue, category)| CueInfo { cue, category })
            .collect();
        to_js(&cues)
    }
}
