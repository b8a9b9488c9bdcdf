use std::fmt;

/// A rule that could not be loaded: where (file, line, key path) and why.
///
/// Rendered as `rules/x.yml line 12: detection.selection: unknown modifier 'contians'`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SigmaError {
    /// Source file (or `<input>` for in-memory text).
    pub file: String,
    /// 1-based line of the offending node when known.
    pub line: Option<u64>,
    /// Dotted key path, e.g. `detection.selection.Image|contians`.
    pub key: String,
    /// Human-readable reason.
    pub message: String,
}

impl fmt::Display for SigmaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        if self.key.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ": {}: {}", self.key, self.message)
        }
    }
}

/// Error without file context; the loader attaches the file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LocError {
    pub line: Option<u64>,
    pub key: String,
    pub message: String,
}

impl LocError {
    pub fn new(line: u64, key: impl Into<String>, message: impl Into<String>) -> Self {
        LocError {
            line: (line > 0).then_some(line),
            key: key.into(),
            message: message.into(),
        }
    }

    pub fn with_file(self, file: &str) -> SigmaError {
        SigmaError {
            file: file.to_string(),
            line: self.line,
            key: self.key,
            message: self.message,
        }
    }
}

pub(crate) type LResult<T> = Result<T, LocError>;
