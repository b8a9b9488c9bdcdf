//! The one error type of this crate.

use std::fmt;
use std::path::PathBuf;

/// Why the configuration could not be loaded.
///
/// The `Display` text is meant for the person starting Kexin: it names the setting, where the
/// bad value came from, and what would have been accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The configuration file could not be read.
    #[error("cannot read the configuration file {}: {source}", path.display())]
    Read {
        /// The file that was asked for.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The configuration file is not valid TOML.
    #[error("{} line {line}: the file is not valid TOML: {message}", path.display())]
    Syntax {
        /// The configuration file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// The TOML parser's description of the problem.
        message: String,
    },
    /// A value (or a key) from the file or the environment is not acceptable.
    #[error("{origin}: {problem}")]
    Invalid {
        /// Where the value came from.
        origin: Origin,
        /// The dotted key, e.g. `server.listen` (for an unknown section, just the section name).
        key: String,
        /// What is wrong and what is allowed.
        problem: String,
    },
    /// A `KEXIN_<SECTION>__<KEY>` environment variable names no setting.
    #[error(
        "environment variable {var} does not name a setting; \
         the variables Kexin reads are: {valid}"
    )]
    UnknownEnv {
        /// The variable's name as it was set.
        var: String,
        /// Every valid variable name, comma-separated.
        valid: String,
    },
}

impl ConfigError {
    /// The dotted key the error is about, when there is one.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::Invalid { key, .. } => Some(key),
            _ => None,
        }
    }
}

/// Where a configuration value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// A line of the configuration file.
    File {
        /// The configuration file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
    },
    /// An environment variable.
    Env {
        /// The variable's name as it was set.
        var: String,
        /// The variable's value.
        value: String,
    },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { path, line } => write!(f, "{} line {line}", path.display()),
            Origin::Env { var, value } => write!(f, "environment variable {var}={value}"),
        }
    }
}
