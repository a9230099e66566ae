//! Errors and load diagnostics. Every problem with an input carries the location it came from.

use std::fmt;

use crate::indicator::Location;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// The record was loaded, perhaps adjusted (e.g. a network's host bits cleared).
    Warning,
    /// The record was not loaded.
    Error,
}

impl Severity {
    /// `warning` or `error`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One problem found while loading indicators: where, how serious, what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Warning or error.
    pub severity: Severity,
    /// The input and line.
    pub location: Location,
    /// What is wrong, in one line.
    pub message: String,
}

impl Diagnostic {
    /// An error at `location`.
    pub fn error(location: Location, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            location,
            message: message.into(),
        }
    }

    /// A warning at `location`.
    pub fn warning(location: Location, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            location,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}",
            self.location,
            self.severity.name(),
            self.message
        )
    }
}

/// Everything that can go wrong in iocmatch.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// A strict load found errors; the set was left as it was. All errors are listed.
    Load {
        /// The input's name.
        input: String,
        /// Every diagnostic of the load, errors and warnings.
        diagnostics: Vec<Diagnostic>,
    },
    /// An input could not be read.
    Io {
        /// The path.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// The format name is not known, or the format of an input could not be told.
    Format(String),
    /// A matcher could not be built (e.g. a regex over its size limit).
    Build(String),
    /// A value given to a lookup is not of the kind asked for.
    InvalidValue(String),
    /// A configured limit was exceeded.
    Limit(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Load { input, diagnostics } => {
                let errors: Vec<&Diagnostic> = diagnostics
                    .iter()
                    .filter(|d| d.severity == Severity::Error)
                    .collect();
                write!(f, "{input}: {} bad record(s)", errors.len())?;
                if let Some(first) = errors.first() {
                    write!(f, "; first: {first}")?;
                }
                Ok(())
            }
            Error::Io { path, message } => write!(f, "{path}: {message}"),
            Error::Format(m) | Error::Build(m) | Error::InvalidValue(m) | Error::Limit(m) => {
                f.write_str(m)
            }
        }
    }
}

impl std::error::Error for Error {}
