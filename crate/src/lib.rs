//! Lindungi's detector: reads chat messages and page text, in Indonesian and English, and
//! recognises grooming, bullying, sexual solicitation, self-harm talk, a child giving away
//! personal details, and untargeted swearing — on the device, with an explanation for every
//! verdict.
//!
//! ```
//! use lindungi::{Category, Context, Detector, Direction, Level};
//!
//! let detector = Detector::default();
//! let verdict = detector.scan("kirim pap tt dong", &Context::new(Direction::Incoming));
//! assert!(verdict.level_of(Category::Sexual) >= Level::Medium);
//! for signal in &verdict.signals {
//!     println!("{} at {}..{}", signal.cue, signal.start, signal.end);
//! }
//! ```
//!
//! Rules are data files per language under `rules/`, compiled into the crate at build time.
//! [`Conversation`] follows a chat over time; its state serialises with serde.
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod conversation;
mod detector;
mod error;
mod fold_table;
mod lexicon;
mod matcher;
mod model;
mod normalize;
mod recognize;
mod rules;
mod tokenize;
mod verdict;
#[cfg(target_arch = "wasm32")]
mod wasm;

pub use conversation::{Conversation, ConversationScan, ConversationVerdict, Report, MAX_AUTHORS};
pub use detector::{Detector, DetectorBuilder, ModelInput};
pub use error::Error;
#[doc(hidden)]
pub use model::{Feature, MIN_FEATURES as MODEL_MIN_FEATURES, WEIGHT as MODEL_WEIGHT};
pub use verdict::{Category, CategoryScore, Context, Direction, Level, Signal, Verdict};

/// The README's Rust examples, run as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
