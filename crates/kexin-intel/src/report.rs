//! What a load produced and what it refused: counts, unsupported indicators,
//! rejected records, fatal errors — each naming the file and the line or JSON
//! path and field.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::indicator::Indicator;

/// Where in an input something is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The file.
    pub file: PathBuf,
    /// 1-based line (CSV lists, JSON syntax errors).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// JSON path of the record, e.g. `objects[3]` or `Event.Attribute[2]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub json_path: Option<String>,
    /// The field (JSON key or CSV column).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Location {
    /// A whole file.
    pub fn file(file: &Path) -> Self {
        Self {
            file: file.to_owned(),
            line: None,
            json_path: None,
            field: None,
        }
    }

    /// A line of a file.
    pub fn line(file: &Path, line: u64) -> Self {
        Self {
            line: Some(line),
            ..Self::file(file)
        }
    }

    /// A JSON path in a file.
    pub fn json(file: &Path, path: impl Into<String>) -> Self {
        Self {
            json_path: Some(path.into()),
            ..Self::file(file)
        }
    }

    /// The same place, narrowed to a field.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(p) = &self.json_path {
            write!(f, " at {p}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        Ok(())
    }
}

/// A load that could not proceed at all.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file or directory could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Not JSON.
    #[error("{}:{line}:{column}: invalid JSON: {message}", file.display())]
    Json {
        /// The file.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde_json's message.
        message: String,
    },
    /// JSON or CSV of the wrong shape for its format (not a bundle, no
    /// header column `value`, an unknown column, …).
    #[error("{location}: {message}")]
    Shape {
        /// Where.
        location: Location,
        /// What is wrong.
        message: String,
    },
    /// The path is none of the formats.
    #[error(
        "{}: cannot tell the format: expected a STIX 2.1 bundle (.json), a CSV list (.csv, .txt) or a MISP feed directory with a manifest.json",
        path.display()
    )]
    UnknownFormat {
        /// The path.
        path: PathBuf,
    },
}

impl LoadError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_owned(),
            source,
        }
    }

    pub(crate) fn json(file: &Path, e: &serde_json::Error) -> Self {
        Self::Json {
            file: file.to_owned(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        }
    }

    pub(crate) fn shape(location: Location, message: impl Into<String>) -> Self {
        Self::Shape {
            location,
            message: message.into(),
        }
    }
}

/// A record that was skipped because it is malformed (bad value, missing
/// field, bad timestamp). The rest of the file still loads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejected {
    /// Where.
    pub location: Location,
    /// Why.
    pub reason: String,
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.reason)
    }
}

/// A well-formed STIX indicator whose pattern Kexin cannot evaluate (an `AND`
/// across observations, `FOLLOWEDBY`, `MATCHES`, a non-STIX pattern type, an
/// object path it has no observable for, …). Listed, never silently dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unsupported {
    /// The indicator id.
    pub indicator_id: String,
    /// Where.
    pub location: Location,
    /// The pattern as written.
    pub pattern: String,
    /// What is not supported.
    pub reason: String,
}

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: indicator {} not supported: {} (pattern {})",
            self.location, self.indicator_id, self.reason, self.pattern
        )
    }
}

/// The input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// A STIX 2.1 bundle.
    StixBundle,
    /// A MISP feed directory.
    MispFeed,
    /// A CSV (or plain) list.
    CsvList,
}

/// Counts and problems of one load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoadReport {
    /// The file or directory loaded.
    pub path: PathBuf,
    /// Its format.
    pub format: Format,
    /// Indicators produced.
    pub indicators: usize,
    /// Indicators by kind (`ipv4`, `domain`, `sha256`, …).
    pub by_kind: BTreeMap<String, usize>,
    /// Indicators by source.
    pub by_source: BTreeMap<String, usize>,
    /// Indicators loaded as revoked (kept, never match).
    pub revoked: usize,
    /// Records left out on purpose, by reason (`to_ids false`, `deleted`,
    /// `type email-src`, `object type malware`, …).
    pub skipped: BTreeMap<String, usize>,
    /// Indicators whose pattern cannot be evaluated.
    pub unsupported: Vec<Unsupported>,
    /// Malformed records.
    pub rejected: Vec<Rejected>,
}

impl LoadReport {
    /// An empty report for `path`.
    pub fn new(path: &Path, format: Format) -> Self {
        Self {
            path: path.to_owned(),
            format,
            indicators: 0,
            by_kind: BTreeMap::new(),
            by_source: BTreeMap::new(),
            revoked: 0,
            skipped: BTreeMap::new(),
            unsupported: Vec::new(),
            rejected: Vec::new(),
        }
    }

    pub(crate) fn skip(&mut self, reason: impl Into<String>) {
        *self.skipped.entry(reason.into()).or_default() += 1;
    }

    pub(crate) fn reject(&mut self, location: Location, reason: impl Into<String>) {
        self.rejected.push(Rejected {
            location,
            reason: reason.into(),
        });
    }

    /// Fills the counts from the indicators of the load.
    pub(crate) fn count(&mut self, indicators: &[Indicator]) {
        self.indicators = indicators.len();
        for ind in indicators {
            *self
                .by_kind
                .entry(ind.kind().as_str().to_owned())
                .or_default() += 1;
            *self.by_source.entry(ind.source.clone()).or_default() += 1;
            self.revoked += usize::from(ind.revoked);
        }
    }
}

/// The indicators of one file or feed, with its report.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The indicators.
    pub indicators: Vec<Indicator>,
    /// Counts and problems.
    pub report: LoadReport,
}

impl Loaded {
    pub(crate) fn finish(indicators: Vec<Indicator>, mut report: LoadReport) -> Self {
        report.count(&indicators);
        Self { indicators, report }
    }
}
