//! Conversations: patterns that build up over many messages, none explicit on its own.
//!
//! Grooming is a sequence of stages (flattery, personal questions, risk checks, secrecy, moving
//! to another app, gifts, photo requests, meeting); bullying is repetition. A [`Conversation`]
//! keeps, per author, decaying evidence of each, and raises the conversation's level when the
//! pattern builds up. Its state is small, bounded and serialisable, so the extension can keep
//! it across service-worker restarts.

use crate::detector::{Analysis, Detector};
use crate::error::Error;
use crate::rules::CUES;
use crate::verdict::{
    level_in, scores_to_categories, Category, CategoryScore, Context, Direction, Level, Verdict,
};
use serde::{Deserialize, Serialize};

/// Version of the serialised state; older or newer states are refused, not misread.
const STATE_VERSION: u32 = 1;
/// Authors tracked per conversation; the one silent longest is forgotten first.
pub const MAX_AUTHORS: usize = 8;
/// Author names are cut to this many bytes.
const MAX_AUTHOR_BYTES: usize = 64;
/// Evidence below this is forgotten.
const FORGET_BELOW: f32 = 0.01;
/// Evidence of a stage counts as "seen" from this value.
const STAGE_SEEN: f32 = 0.1;
/// The pseudo-stage under which sexual talk from an author feeds the grooming pattern.
const SEXUAL_STAGE: &str = "sexual";

/// How fast evidence fades: half-lives in milliseconds (when messages carry times) and in
/// messages (when they do not).
#[derive(Clone, Copy)]
struct HalfLife {
    ms: f64,
    messages: f64,
}

const DAY_MS: f64 = 24.0 * 3600.0 * 1000.0;
/// Grooming builds over days or weeks.
const GROOMING_HALF_LIFE: HalfLife = HalfLife {
    ms: 7.0 * DAY_MS,
    messages: 300.0,
};
/// Bullying is repetition within days.
const BULLYING_HALF_LIFE: HalfLife = HalfLife {
    ms: DAY_MS,
    messages: 60.0,
};
const SEXUAL_HALF_LIFE: HalfLife = HalfLife {
    ms: 3.0 * DAY_MS,
    messages: 150.0,
};
const SELF_HARM_HALF_LIFE: HalfLife = HalfLife {
    ms: 3.0 * DAY_MS,
    messages: 100.0,
};
const PERSONAL_INFO_HALF_LIFE: HalfLife = HalfLife {
    ms: DAY_MS,
    messages: 50.0,
};

/// What the conversation as a whole looks like now.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ConversationVerdict {
    /// The highest level of any category.
    pub level: Level,
    /// Categories at [`Level::Low`] or above, the most severe first.
    pub categories: Vec<CategoryScore>,
}

impl ConversationVerdict {
    /// The level of one category ([`Level::None`] when absent).
    pub fn level_of(&self, category: Category) -> Level {
        level_in(&self.categories, category)
    }
}

/// The verdicts on one message of a conversation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConversationScan {
    /// The message on its own.
    pub message: Verdict,
    /// The conversation up to and including the message.
    pub conversation: ConversationVerdict,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Stage {
    cue: String,
    evidence: f32,
}

/// What one author (not the child) has done so far.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Author {
    name: String,
    last_message: u64,
    /// Grooming stages (cue ids, plus `sexual`) with decaying evidence.
    stages: Vec<Stage>,
    /// Decaying sum of bullying message scores.
    bullying: f32,
    /// Decaying sum of sexual message scores.
    sexual: f32,
}

/// What the child has written so far.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct Child {
    /// Decaying sum of self-harm message scores.
    self_harm: f32,
    /// Decaying strongest personal-detail score.
    personal_info: f32,
}

/// The state of one conversation. Serialise it (serde) to keep it; [`Conversation::restore`]
/// checks a state read back.
///
/// # Example
/// ```
/// use lindungi::{Category, Context, Conversation, Detector, Direction, Level};
///
/// let detector = Detector::default();
/// let mut chat = Conversation::new();
/// let from_stranger = Context::new(Direction::Incoming).with_author("stranger");
/// for text in [
///     "you seem really mature for your age",
///     "how old are you btw? what grade?",
///     "are your parents home right now?",
///     "add me on snapchat, it's easier to talk there",
/// ] {
///     chat.scan(&detector, text, &from_stranger);
/// }
/// assert!(chat.verdict().level_of(Category::Grooming) >= Level::Medium);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    version: u32,
    /// Messages seen.
    messages: u64,
    /// Time of the latest message that had one.
    last_time_ms: Option<u64>,
    authors: Vec<Author>,
    child: Child,
}

impl Default for Conversation {
    fn default() -> Conversation {
        Conversation::new()
    }
}

fn noisy_or(values: impl Iterator<Item = f32>) -> f32 {
    1.0 - values.fold(1.0, |rest, v| rest * (1.0 - v.clamp(0.0, 1.0)))
}

/// Turns a decaying sum of message scores into a score: one clear message is enough for medium
/// in self-harm; repetition of weak ones adds up.
fn saturate(sum: f32) -> f32 {
    1.0 - (-sum).exp()
}

impl Conversation {
    /// An empty conversation.
    pub fn new() -> Conversation {
        Conversation {
            version: STATE_VERSION,
            messages: 0,
            last_time_ms: None,
            authors: Vec::new(),
            child: Child::default(),
        }
    }

    /// Checks a state that was serialised earlier and read back (from storage, from the page).
    ///
    /// # Errors
    /// When the state is of another version, too large, or holds impossible values.
    pub fn restore(state: Conversation) -> Result<Conversation, Error> {
        if state.version != STATE_VERSION {
            return Err(Error::state(format!(
                "version {} is not {STATE_VERSION}",
                state.version
            )));
        }
        if state.authors.len() > MAX_AUTHORS {
            return Err(Error::state(format!("more than {MAX_AUTHORS} authors")));
        }
        let valid = |v: f32| v.is_finite() && (0.0..=1000.0).contains(&v);
        for author in &state.authors {
            if author.name.len() > MAX_AUTHOR_BYTES {
                return Err(Error::state("author name too long"));
            }
            if author.stages.len() > CUES.len() + 1 {
                return Err(Error::state("too many stages"));
            }
            for stage in &author.stages {
                let known = stage.cue == SEXUAL_STAGE
                    || CUES
                        .iter()
                        .any(|c| c.id == stage.cue && c.category == Category::Grooming);
                if !known || !valid(stage.evidence) {
                    return Err(Error::state(format!("invalid stage {:?}", stage.cue)));
                }
            }
            if !valid(author.bullying) || !valid(author.sexual) {
                return Err(Error::state("invalid score"));
            }
        }
        if !valid(state.child.self_harm) || !valid(state.child.personal_info) {
            return Err(Error::state("invalid score"));
        }
        Ok(state)
    }

    /// Scans the next message of this conversation, in order.
    pub fn scan(&mut self, detector: &Detector, text: &str, context: &Context) -> ConversationScan {
        let analysis = detector.analyse(text, context);
        self.observe(&analysis, context);
        ConversationScan {
            message: analysis.verdict,
            conversation: self.verdict(),
        }
    }

    /// The conversation's verdict after the latest message.
    pub fn verdict(&self) -> ConversationVerdict {
        let mut scores = [0.0f32; 6];
        let mut grooming = 0.0f32;
        for author in &self.authors {
            grooming = grooming.max(grooming_score(&author.stages));
            scores[Category::Bullying.index()] =
                scores[Category::Bullying.index()].max(saturate(author.bullying));
            scores[Category::Sexual.index()] =
                scores[Category::Sexual.index()].max(saturate(author.sexual));
        }
        scores[Category::Grooming.index()] = grooming;
        scores[Category::SelfHarm.index()] = saturate(self.child.self_harm);
        // Details given to someone who shows signs of grooming matter more.
        let boost = if grooming >= 0.15 { 1.5 } else { 1.0 };
        scores[Category::PersonalInfo.index()] = (self.child.personal_info * boost).min(1.0);
        let (level, categories) = scores_to_categories(scores);
        ConversationVerdict { level, categories }
    }

    fn observe(&mut self, analysis: &Analysis, context: &Context) {
        let elapsed_ms = match (self.last_time_ms, context.time_ms) {
            (Some(then), Some(now)) => Some(now.saturating_sub(then) as f64),
            _ => None,
        };
        let decay = |half: HalfLife| -> f32 {
            let halves = elapsed_ms.map_or(1.0 / half.messages, |ms| ms / half.ms);
            0.5f64.powf(halves) as f32
        };
        let (grooming, bullying, sexual) = (
            decay(GROOMING_HALF_LIFE),
            decay(BULLYING_HALF_LIFE),
            decay(SEXUAL_HALF_LIFE),
        );
        for author in &mut self.authors {
            for stage in &mut author.stages {
                stage.evidence *= grooming;
            }
            author.stages.retain(|s| s.evidence >= FORGET_BELOW);
            author.bullying *= bullying;
            author.sexual *= sexual;
        }
        self.child.self_harm *= decay(SELF_HARM_HALF_LIFE);
        self.child.personal_info *= decay(PERSONAL_INFO_HALF_LIFE);
        self.messages += 1;
        if let Some(now) = context.time_ms {
            self.last_time_ms = Some(self.last_time_ms.map_or(now, |then| then.max(now)));
        }

        let verdict = &analysis.verdict;
        if context.direction == Direction::Outgoing {
            self.child.self_harm += verdict.score_of(Category::SelfHarm);
            self.child.personal_info = self
                .child
                .personal_info
                .max(verdict.score_of(Category::PersonalInfo));
            return;
        }
        let has_stage = analysis
            .cue_weights
            .iter()
            .any(|(cue, _)| CUES[usize::from(*cue)].category == Category::Grooming);
        let (bully, sex) = (
            verdict.score_of(Category::Bullying),
            verdict.score_of(Category::Sexual),
        );
        if !has_stage && bully == 0.0 && sex == 0.0 {
            return;
        }
        let messages = self.messages;
        let author = self.author(context.author.as_deref().unwrap_or(""));
        author.last_message = messages;
        author.bullying += bully;
        author.sexual += sex;
        for &(cue, weight) in &analysis.cue_weights {
            let def = &CUES[usize::from(cue)];
            if def.category == Category::Grooming {
                add_stage(&mut author.stages, def.id, weight);
            }
        }
        if sex > 0.0 {
            add_stage(&mut author.stages, SEXUAL_STAGE, sex);
        }
    }

    /// The state of `name`, created (and the longest-silent author forgotten) if needed.
    fn author(&mut self, name: &str) -> &mut Author {
        let mut cut = name.len().min(MAX_AUTHOR_BYTES);
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        let name = &name[..cut];
        let index = match self.authors.iter().position(|a| a.name == name) {
            Some(i) => i,
            None => {
                if self.authors.len() >= MAX_AUTHORS {
                    if let Some(oldest) =
                        (0..self.authors.len()).min_by_key(|&i| self.authors[i].last_message)
                    {
                        self.authors.swap_remove(oldest);
                    }
                }
                self.authors.push(Author {
                    name: name.to_string(),
                    last_message: self.messages,
                    stages: Vec::new(),
                    bullying: 0.0,
                    sexual: 0.0,
                });
                self.authors.len() - 1
            }
        };
        &mut self.authors[index]
    }
}

fn add_stage(stages: &mut Vec<Stage>, cue: &str, weight: f32) {
    match stages.iter_mut().find(|s| s.cue == cue) {
        Some(stage) => stage.evidence = stage.evidence.max(weight),
        None => stages.push(Stage {
            cue: cue.to_string(),
            evidence: weight,
        }),
    }
}

/// How far one author's grooming pattern has built up. Two weak stages stay low; three distinct
/// stages are medium; five, or secrecy together with a photo, meeting or sexual request, are high.
fn grooming_score(stages: &[Stage]) -> f32 {
    let seen = |cue: &str| {
        stages
            .iter()
            .any(|s| s.cue == cue && s.evidence >= STAGE_SEEN)
    };
    let distinct = stages.iter().filter(|s| s.evidence >= STAGE_SEEN).count();
    let mut score = stages.iter().map(|s| s.evidence).fold(0.0, f32::max);
    if distinct >= 2 {
        score = score.max(noisy_or(stages.iter().map(|s| s.evidence)) * 0.85);
    }
    if distinct >= 3 {
        score = score.max(0.5 + 0.1 * (distinct - 3) as f32);
    }
    let escalated = seen("grooming.secrecy")
        && (seen("grooming.meeting") || seen("grooming.image_request") || seen(SEXUAL_STAGE));
    if distinct >= 5 || escalated {
        score = score.max(0.8);
    }
    score.min(1.0)
}

/// A message's verdict and, when the message belongs to a conversation, the conversation's:
/// the shape of one line of `lindungi scan` and of the wasm `scan` result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// The message on its own (serialised inline: `level`, `categories`, `signals`).
    #[serde(flatten)]
    pub message: Verdict,
    /// The conversation's verdict, when the message belongs to one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation: Option<ConversationVerdict>,
}

impl From<Verdict> for Report {
    fn from(message: Verdict) -> Report {
        Report {
            message,
            conversation: None,
        }
    }
}

impl From<ConversationScan> for Report {
    fn from(scan: ConversationScan) -> Report {
        Report {
            message: scan.message,
            conversation: Some(scan.conversation),
        }
    }
}

impl Report {
    /// The report as JSON, the same text serde writes, built without serde: it holds only
    /// fixed names and numbers, and the wasm boundary turns it into an object with one
    /// `JSON.parse`, faster than building the object field by field.
    pub fn to_json(&self) -> String {
        /// A byte offset, as `{}` writes it.
        fn number(out: &mut String, n: usize) {
            let mut digits = [0u8; 20];
            let mut at = digits.len();
            let mut n = n;
            loop {
                at -= 1;
                digits[at] = b'0' + (n % 10) as u8;
                n /= 10;
                if n == 0 {
                    break;
                }
            }
            for &d in &digits[at..] {
                out.push(char::from(d));
            }
        }
        /// A score, as `{:?}` writes it. Scores are rounded to thousandths in [0, 1]: those
        /// print as their decimal digits (the shortest form that reads back the same double),
        /// written here without the general float formatter; anything else goes through it.
        fn score(out: &mut String, score: f64) {
            let thousandths = (score * 1000.0).round();
            if score.is_sign_positive()
                && (0.0..=1000.0).contains(&thousandths)
                && thousandths / 1000.0 == score
            {
                let k = thousandths as usize;
                number(out, k / 1000);
                out.push('.');
                let frac = k % 1000;
                let digits = [frac / 100, frac / 10 % 10, frac % 10];
                let len = if digits[2] != 0 {
                    3
                } else if digits[1] != 0 {
                    2
                } else {
                    1
                };
                for &d in &digits[..len] {
                    out.push(char::from(b'0' + d as u8));
                }
            } else {
                let _ = write!(out, "{score:?}");
            }
        }
        use std::fmt::Write as _;
        fn categories(out: &mut String, categories: &[CategoryScore]) {
            out.push('[');
            for (i, c) in categories.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(r#"{"category":""#);
                out.push_str(c.category.as_str());
                out.push_str(r#"","level":""#);
                out.push_str(c.level.as_str());
                out.push_str(r#"","score":"#);
                score(out, c.score);
                out.push('}');
            }
            out.push(']');
        }
        let mut out = String::with_capacity(160 + 80 * self.message.signals.len());
        out.push_str(r#"{"level":""#);
        out.push_str(self.message.level.as_str());
        out.push_str(r#"","categories":"#);
        categories(&mut out, &self.message.categories);
        out.push_str(r#","signals":["#);
        for (i, s) in self.message.signals.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(r#"{"category":""#);
            out.push_str(s.category.as_str());
            out.push_str(r#"","cue":""#);
            out.push_str(s.cue);
            out.push_str(r#"","start":"#);
            number(&mut out, s.start);
            out.push_str(r#","end":"#);
            number(&mut out, s.end);
            out.push('}');
        }
        out.push(']');
        if let Some(conversation) = &self.conversation {
            out.push_str(r#","conversation":{"level":""#);
            out.push_str(conversation.level.as_str());
            out.push_str(r#"","categories":"#);
            categories(&mut out, &conversation.categories);
            out.push('}');
        }
        out.push('}');
        out
    }
}
