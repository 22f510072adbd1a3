//! What the detector says about a message: categories, levels and the signals behind them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A kind of risk to a child.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Insults, threats, exclusion, humiliation, harassment, hate, telling someone to die.
    Bullying,
    /// Sexual talk or solicitation aimed at the reader, requests for nude pictures, sextortion.
    Sexual,
    /// The stages of grooming: flattery, personal questions, risk checks, secrecy, isolation,
    /// moving to another app, gifts, photo or video requests, meeting requests, romance.
    Grooming,
    /// The writer's own suicidal or self-harm talk.
    SelfHarm,
    /// The writer giving away a phone number, address, school, password or live location.
    PersonalInfo,
    /// Swearing not aimed at anyone: informational, never above [`Level::Low`].
    Profanity,
}

impl Category {
    /// Every category, in a fixed order.
    pub const ALL: [Category; 6] = [
        Category::Bullying,
        Category::Sexual,
        Category::Grooming,
        Category::SelfHarm,
        Category::PersonalInfo,
        Category::Profanity,
    ];

    /// The name used in JSON and cue ids (`self_harm`).
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Bullying => "bullying",
            Category::Sexual => "sexual",
            Category::Grooming => "grooming",
            Category::SelfHarm => "self_harm",
            Category::PersonalInfo => "personal_info",
            Category::Profanity => "profanity",
        }
    }

    /// Parses a category name as written by [`Category::as_str`].
    pub fn from_name(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == name)
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How worrying something is. The extension warns at [`Level::Medium`] and above.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Nothing found.
    #[default]
    None,
    /// A weak hint: recorded, never a warning on its own.
    Low,
    /// A child-safety professional would want the child to see a warning.
    Medium,
    /// Explicit and severe.
    High,
}

impl Level {
    /// The level a score in `[0, 1]` reaches.
    pub fn from_score(score: f32) -> Level {
        if score >= 0.8 {
            Level::High
        } else if score >= 0.5 {
            Level::Medium
        } else if score >= 0.15 {
            Level::Low
        } else {
            Level::None
        }
    }

    /// The name used in JSON (`medium`).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
        }
    }

    /// Parses a level name as written by [`Level::as_str`].
    pub fn from_name(name: &str) -> Option<Level> {
        [Level::None, Level::Low, Level::Medium, Level::High]
            .into_iter()
            .find(|l| l.as_str() == name)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who wrote a message, seen from the child.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Someone else wrote it to the child.
    Incoming,
    /// The child wrote it (or is about to send it).
    Outgoing,
    /// Not known (page text, a forum thread).
    #[default]
    Unknown,
}

/// Facts about a message that change how it is read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// Who wrote it, seen from the child.
    pub direction: Direction,
    /// The author's name or id as the site shows it; messages from one author build one pattern.
    pub author: Option<String>,
    /// When it was written, in milliseconds since the Unix epoch; without it, conversations
    /// age by message count.
    pub time_ms: Option<u64>,
}

impl Context {
    /// A context with only a direction.
    pub fn new(direction: Direction) -> Context {
        Context {
            direction,
            ..Context::default()
        }
    }

    /// The same context with an author.
    pub fn with_author(mut self, author: impl Into<String>) -> Context {
        self.author = Some(author.into());
        self
    }

    /// The same context with a time in milliseconds since the Unix epoch.
    pub fn at(mut self, time_ms: u64) -> Context {
        self.time_ms = Some(time_ms);
        self
    }
}

/// One category's score and level.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CategoryScore {
    /// The category.
    pub category: Category,
    /// The level its score reaches.
    pub level: Level,
    /// Between 0 and 1, rounded to three decimals.
    pub score: f64,
}

/// One cue that fired, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Signal {
    /// The category the cue belongs to.
    pub category: Category,
    /// A stable id such as `grooming.secrecy` (see `rules/cues.tsv`).
    pub cue: &'static str,
    /// Start of the span in the message, in bytes.
    pub start: usize,
    /// End of the span (exclusive), in bytes.
    pub end: usize,
}

/// The detector's judgement of one message.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Verdict {
    /// The highest level of any category.
    pub level: Level,
    /// Categories at [`Level::Low`] or above, the most severe first.
    pub categories: Vec<CategoryScore>,
    /// The cues that fired, in the order of their spans.
    pub signals: Vec<Signal>,
}

impl Verdict {
    /// The level of one category ([`Level::None`] when absent).
    pub fn level_of(&self, category: Category) -> Level {
        level_in(&self.categories, category)
    }

    /// The score of one category (0 when absent).
    pub fn score_of(&self, category: Category) -> f32 {
        self.categories
            .iter()
            .find(|c| c.category == category)
            .map_or(0.0, |c| c.score as f32)
    }

    /// Builds the category list and overall level from one score per category.
    pub(crate) fn from_scores(scores: [f32; 6], signals: Vec<Signal>) -> Verdict {
        let (level, categories) = scores_to_categories(scores);
        Verdict {
            level,
            categories,
            signals,
        }
    }
}

/// The level of `category` among `categories` ([`Level::None`] when absent).
pub(crate) fn level_in(categories: &[CategoryScore], category: Category) -> Level {
    categories
        .iter()
        .find(|c| c.category == category)
        .map_or(Level::None, |c| c.level)
}

/// The categories at low or above, most severe first (profanity never above low), and the
/// highest level among them.
pub(crate) fn scores_to_categories(scores: [f32; 6]) -> (Level, Vec<CategoryScore>) {
    // Most messages: nothing fired.
    if scores.iter().all(|&s| s <= 0.0) {
        return (Level::None, Vec::new());
    }
    let mut categories: Vec<CategoryScore> = Category::ALL
        .into_iter()
        .map(|category| {
            let score = scores[category.index()].clamp(0.0, 1.0);
            let mut level = Level::from_score(score);
            if category == Category::Profanity {
                level = level.min(Level::Low);
            }
            CategoryScore {
                category,
                level,
                score: (f64::from(score) * 1000.0).round() / 1000.0,
            }
        })
        .filter(|c| c.level > Level::None)
        .collect();
    categories.sort_by(|a, b| {
        b.level
            .cmp(&a.level)
            .then(b.score.total_cmp(&a.score))
            .then(a.category.cmp(&b.category))
    });
    let level = categories.first().map_or(Level::None, |c| c.level);
    (level, categories)
}

impl Verdict {
    /// The same verdict with span offsets counted in UTF-16 code units instead of bytes, as
    /// JavaScript strings index. `text` is the message the verdict is about.
    pub fn with_utf16_offsets(mut self, text: &str) -> Verdict {
        // In ASCII text, bytes and UTF-16 units count alike (checked a word at a time).
        if self.signals.is_empty() || text.is_ascii() {
            return self;
        }
        // Up to the first non-ASCII character, they still do.
        let ascii = text
            .bytes()
            .position(|b| !b.is_ascii())
            .unwrap_or(text.len());
        if self
            .signals
            .iter()
            .all(|s| s.start <= ascii && s.end <= ascii)
        {
            return self;
        }
        let mut offsets: Vec<usize> = self.signals.iter().flat_map(|s| [s.start, s.end]).collect();
        offsets.sort_unstable();
        offsets.dedup();
        let mut converted = Vec::with_capacity(offsets.len());
        let mut pending = offsets.iter().peekable();
        let mut units = 0;
        for (byte, c) in text
            .char_indices()
            .chain(std::iter::once((text.len(), '\0')))
        {
            while pending.next_if(|&&o| o <= byte).is_some() {
                converted.push(units);
            }
            units += c.len_utf16();
        }
        let to_utf16 = |byte: usize| {
            offsets
                .binary_search(&byte)
                .ok()
                .and_then(|i| converted.get(i))
                .copied()
                .unwrap_or(0)
        };
        for signal in &mut self.signals {
            signal.start = to_utf16(signal.start);
            signal.end = to_utf16(signal.end);
        }
        self
    }
}
