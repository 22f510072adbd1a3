//! The JavaScript boundary (wasm-bindgen). Thin on purpose: converts values and keeps the
//! conversations of one extension instance; all judgement lives in the rest of the crate.

use crate::{
    Context, Conversation, ConversationVerdict, Detector, Direction, Error, Level, Report, Verdict,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Conversations kept at once; the one used longest ago is dropped first (export it before).
const MAX_CONVERSATIONS: usize = 256;

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
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

/// The context's property names and direction values, made into JavaScript strings once.
struct ContextKeys {
    direction: JsValue,
    conversation: JsValue,
    author: JsValue,
    time: JsValue,
    incoming: JsValue,
    outgoing: JsValue,
    unknown: JsValue,
}

impl ContextKeys {
    fn new() -> ContextKeys {
        ContextKeys {
            direction: "direction".into(),
            conversation: "conversation".into(),
            author: "author".into(),
            time: "time".into(),
            incoming: "incoming".into(),
            outgoing: "outgoing".into(),
            unknown: "unknown".into(),
        }
    }

    /// Reads a scan context with direct property reads (this runs for every message), refusing
    /// unknown keys and wrong types. Every call into JavaScript costs about as much as scanning
    /// a few words, so the common case makes few: the direction is compared with the known
    /// values instead of copied out, and keys are checked one by one only when the object has
    /// more keys than known properties were found.
    fn read(&self, value: Option<js_sys::Object>) -> Result<ScanContext, JsValue> {
        let Some(object) = value.filter(|v| !v.is_null_or_undefined()) else {
            return Ok(ScanContext::default());
        };
        if !object.is_object() {
            return Err(js_error("input", "context: expected an object"));
        }
        let get = |key: &JsValue| {
            js_sys::Reflect::get(&object, key)
                .ok()
                .filter(|v| !v.is_null_or_undefined())
        };
        let string = |value: Option<JsValue>, name: &str| -> Result<Option<String>, JsValue> {
            value
                .map(|v| {
                    v.as_string().ok_or_else(|| {
                        js_error("input", &format!("context: {name} must be a string"))
                    })
                })
                .transpose()
        };
        let direction_value = get(&self.direction);
        let direction = match &direction_value {
            None => None,
            Some(v) if *v == self.incoming => Some(Direction::Incoming),
            Some(v) if *v == self.outgoing => Some(Direction::Outgoing),
            Some(v) if *v == self.unknown => None,
            Some(_) => match string(direction_value.clone(), "direction")?.as_deref() {
                None | Some("unknown") => None,
                Some("incoming") => Some(Direction::Incoming),
                Some("outgoing") => Some(Direction::Outgoing),
                Some(other) => {
                    return Err(js_error(
                        "input",
                        &format!("context: unknown direction {other:?}"),
                    ))
                }
            },
        };
        let time_value = get(&self.time);
        let time = match &time_value {
            None => None,
            Some(v) => Some(
                v.as_f64()
                    .ok_or_else(|| js_error("input", "context: time must be a number"))?,
            ),
        };
        let conversation_value = get(&self.conversation);
        let author_value = get(&self.author);
        let found = [
            &direction_value,
            &conversation_value,
            &author_value,
            &time_value,
        ]
        .iter()
        .filter(|v| v.is_some())
        .count();
        let context = ScanContext {
            direction,
            conversation: string(conversation_value, "conversation")?,
            author: string(author_value, "author")?,
            time,
        };
        let keys = js_sys::Object::keys(&object).length() as usize;
        // A property found above is a known key the object has; only when there are more keys
        // than that is each known name checked (a null or undefined value still counts as known).
        if keys > found {
            let known = [
                &self.direction,
                &self.conversation,
                &self.author,
                &self.time,
            ]
            .into_iter()
            .filter(|k| js_sys::Reflect::has(&object, k).unwrap_or(false))
            .count();
            if keys > known {
                return Err(js_error(
                    "input",
                    "context: unknown field (known: direction, conversation, author, time)",
                ));
            }
        }
        Ok(context)
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
    keys: ContextKeys,
    clean: CleanResults,
}

#[wasm_bindgen(js_class = Detector)]
impl WasmDetector {
    /// Builds a detector; throws an Error with `variant: "config"` on a bad configuration.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "DetectorConfig")] config: Option<js_sys::Object>,
    ) -> Result<WasmDetector, JsValue> {
        let config: Config = from_js(config, &["languages", "model"], "config")?;
        let mut builder = Detector::builder().model(config.model.unwrap_or(true));
        if let Some(languages) = config.languages {
            builder = builder.languages(languages);
        }
        Ok(WasmDetector {
            detector: builder.build()?,
            conversations: Conversations::default(),
            keys: ContextKeys::new(),
            clean: CleanResults::new()?,
        })
    }

    /// Scans one message. Offsets in the result count UTF-16 code units.
    #[wasm_bindgen(unchecked_return_type = "ScanResult")]
    pub fn scan(
        &mut self,
        text: &str,
        #[wasm_bindgen(unchecked_param_type = "ScanContext")] context: Option<js_sys::Object>,
    ) -> Result<JsValue, JsValue> {
        let input = self.keys.read(context)?;
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
        js_sys::JSON::parse(&report.to_json())
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
