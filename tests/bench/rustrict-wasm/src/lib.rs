//! rustrict's default check exported to JavaScript for the speed benchmark.
use rustrict::{CensorStr, Type};
use wasm_bindgen::prelude::*;

/// `true` when rustrict rates the text at least `Type::INAPPROPRIATE` (its default threshold).
#[wasm_bindgen(js_name = is_inappropriate)]
pub fn is_inappropriate(text: &str) -> bool {
    text.is_inappropriate()
}
