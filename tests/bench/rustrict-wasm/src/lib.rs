//! rustrict's default check exported to JavaScript for the speed benchmark.
use rustrict::{CensorStr, Type};
use wasm_bindgen::prelude::*;

/// `true` when rustrict rates the text at least `Type::INAPPROPRIATE` (the default threshold,
/// what `text.is_inappropriate()` checks).
#[wasm_bindgen]
pub fn is_inappropriate(text: &str) -> bool {
    text.is(Type::INAPPROPRIATE)
}
