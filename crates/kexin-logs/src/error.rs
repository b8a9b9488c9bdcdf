//! Parse errors: a byte offset into the input and a reason.

/// Why an input could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    /// The input was empty (after stripping the line terminator).
    #[error("empty input")]
    Empty,
    /// `<PRI>` was malformed or above 191.
    #[error("invalid PRI")]
    BadPri,
    /// RFC 5424 VERSION was not a number.
    #[error("invalid version")]
    BadVersion,
    /// The timestamp could not be parsed.
    #[error("invalid timestamp")]
    BadTimestamp,
    /// A mandatory header field is missing.
    #[error("missing {0}")]
    Missing(&'static str),
    /// An RFC 5424 header field contains a non-printable byte or is too long.
    #[error("invalid {0} field")]
    BadField(&'static str),
    /// RFC 5424 STRUCTURED-DATA is malformed.
    #[error("invalid structured data: {0}")]
    BadStructuredData(&'static str),
    /// A header field is not valid UTF-8.
    #[error("invalid UTF-8")]
    BadUtf8,
    /// An octet-counted frame has a bad length prefix.
    #[error("invalid frame length")]
    BadFrameLength,
    /// The input ended in the middle of a frame.
    #[error("truncated input")]
    Truncated,
    /// A JSON document could not be parsed.
    #[error("invalid JSON: {0}")]
    Json(String),
    /// An audit record is malformed.
    #[error("invalid audit record: {0}")]
    BadAuditRecord(&'static str),
    /// A JSON value had an unexpected shape.
    #[error("unexpected JSON shape: {0}")]
    JsonShape(&'static str),
}

/// A parse error with the byte offset (into the given input) where it was detected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at byte {offset}")]
pub struct ParseError {
    /// Byte offset into the input slice handed to the parser.
    pub offset: usize,
    /// The reason.
    pub kind: ErrorKind,
}

impl ParseError {
    pub(crate) fn new(offset: usize, kind: ErrorKind) -> Self {
        Self { offset, kind }
    }
}
