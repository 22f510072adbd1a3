//! The crate's one error type: opaque, with a message, so new kinds can come without breaking
//! anyone.

use std::fmt;

/// Why a detector could not be built or a conversation state could not be restored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ErrorKind {
    Config,
    State,
}

impl Error {
    pub(crate) fn config(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Config,
            message: message.into(),
        }
    }

    pub(crate) fn state(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::State,
            message: message.into(),
        }
    }

    /// A stable name of the error's kind (`config` or `state`), for code that branches on it.
    pub fn kind(&self) -> &'static str {
        match self.kind {
            ErrorKind::Config => "config",
            ErrorKind::State => "state",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ErrorKind::Config => write!(f, "invalid detector configuration: {}", self.message),
            ErrorKind::State => write!(f, "invalid conversation state: {}", self.message),
        }
    }
}

impl std::error::Error for Error {}
