//! Kexin's configuration: one TOML file, with environment variables on top.
//!
//! Kexin is a security service, so a setting it cannot understand is treated as a reason not to
//! start rather than something to skip: an unknown key, a value of the wrong type or outside its
//! range all stop [`Config::load`] with an error that names the key, where the value came from
//! (the file and line, or the environment variable) and what would have been accepted. A typo in
//! `session_ttl` should not silently leave sessions at their default lifetime.
//!
//! Every setting has a default, so no file is needed. Values are layered, later ones winning:
//! the defaults, then the file, then `KEXIN_<SECTION>__<KEY>` environment variables (command-line
//! flags are applied by the caller on top of that). Durations are written like `"30s"` or
//! `"1h30m"`; see [`parse_duration`].
//!
//! All settings are described once, in a single table inside this crate. The template written by
//! `kexin init` ([`Config::template`]), the list shown by `kexin config` ([`Config::settings`]),
//! the environment variable names and the loader all come from that table, and a test keeps
//! `docs/configuration.md` in step with it.

mod duration;
mod error;
mod load;
mod schema;
#[cfg(test)]
mod tests;

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Serialize, Serializer};

pub use duration::{format_duration, parse_duration};
pub use error::{ConfigError, Origin};

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Config {
    /// `[server]`: the HTTP server.
    pub server: ServerConfig,
    /// `[auth]`: logins, sessions and passwords.
    pub auth: AuthConfig,
    /// `[storage]`: the database.
    pub storage: StorageConfig,
    /// `[log]`: logging.
    pub log: LogConfig,
}

/// `[server]`: the HTTP server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerConfig {
    /// Address and port to listen on. Default `127.0.0.1:8080`.
    pub listen: SocketAddr,
    /// Largest request body accepted, in bytes. Default 1 MiB; 1024 to 1 GiB.
    pub max_body_bytes: usize,
    /// How long one request may take. Default 30s; 1s to 1h.
    #[serde(serialize_with = "human_duration")]
    pub request_timeout: Duration,
    /// How long graceful shutdown waits for in-flight requests. Default 30s; 0s to 1h.
    #[serde(serialize_with = "human_duration")]
    pub shutdown_grace: Duration,
    /// PEM certificate chain (server certificate first). With [`tls_key`](Self::tls_key) the
    /// server speaks HTTPS only; without both, plain HTTP (for local use).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of the certificate in [`tls_cert`](Self::tls_cert).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_key: Option<PathBuf>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_body_bytes: 1_048_576,
            request_timeout: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(30),
            tls_cert: None,
            tls_key: None,
        }
    }
}

/// `[auth]`: logins, sessions and passwords.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthConfig {
    /// How long a login session stays valid. Default 12h; 1m to 30d.
    #[serde(serialize_with = "human_duration")]
    pub session_ttl: Duration,
    /// Shortest password accepted, in characters. Default 12; 8 to 128.
    pub password_min_length: usize,
    /// Failed logins before an account is locked. Default 5; 0 never locks.
    pub lockout_threshold: u32,
    /// How long a locked account stays locked. Default 15m; 1s to 30d.
    #[serde(serialize_with = "human_duration")]
    pub lockout_duration: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            session_ttl: Duration::from_secs(12 * 3600),
            password_min_length: 12,
            lockout_threshold: 5,
            lockout_duration: Duration::from_secs(15 * 60),
        }
    }
}

/// `[storage]`: the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StorageConfig {
    /// Cap on the database size in MiB; 0 (the default) means unlimited. At most
    /// `u64::MAX >> 20`, so the size in bytes always fits in a `u64`.
    pub max_size_mb: u64,
    /// How long a database operation waits for a lock. Default 5s; 0s to 1h.
    #[serde(serialize_with = "human_duration")]
    pub busy_timeout: Duration,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            max_size_mb: 0,
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// `[log]`: logging.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct LogConfig {
    /// Least severe messages written. Default `info`.
    pub level: LogLevel,
    /// Output format. Default `text`.
    pub format: LogFormat,
}

/// Log verbosity, from least to most verbose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Only errors.
    Error,
    /// Warnings and errors.
    Warn,
    /// Normal operation messages (the default).
    #[default]
    Info,
    /// Detail for troubleshooting.
    Debug,
    /// Everything.
    Trace,
}

impl LogLevel {
    /// Every level, least verbose first.
    pub const ALL: [LogLevel; 5] = [
        LogLevel::Error,
        LogLevel::Warn,
        LogLevel::Info,
        LogLevel::Debug,
        LogLevel::Trace,
    ];
    pub(crate) const NAMES: [&'static str; 5] = ["error", "warn", "info", "debug", "trace"];

    /// The name used in the file and the environment, e.g. `"info"`.
    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable text (the default).
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl LogFormat {
    /// Every format.
    pub const ALL: [LogFormat; 2] = [LogFormat::Text, LogFormat::Json];
    pub(crate) const NAMES: [&'static str; 2] = ["text", "json"];

    /// The name used in the file and the environment, e.g. `"text"`.
    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// One setting, as listed by [`Config::settings`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Setting {
    /// Dotted key, e.g. `server.listen`.
    pub key: &'static str,
    /// The environment variable that overrides it, e.g. `KEXIN_SERVER__LISTEN`.
    pub env: String,
    /// The default, in the form the environment takes, e.g. `12h` or `127.0.0.1:8080`.
    pub default: String,
    /// The accepted values, e.g. `1m to 30d`.
    pub allowed: &'static str,
    /// One line saying what the setting does.
    pub description: &'static str,
}

impl Config {
    /// Loads the configuration: defaults, then `file`, then overrides from `env`.
    ///
    /// `file`: `Some(path)` means that TOML file must exist and be valid; `None` means defaults
    /// only. `env` is the process environment (pass `std::env::vars()`); only variables named
    /// `KEXIN_<SECTION>__<KEY>` (matched case-insensitively, e.g. `KEXIN_SERVER__LISTEN`) are
    /// overrides, and other `KEXIN_*` names such as `KEXIN_CONFIG` are ignored. An override that
    /// names no setting is an error.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        if let Some(path) = file {
            load::apply_file(&mut config, path)?;
        }
        load::apply_env(&mut config, env)?;
        Ok(config)
    }

    /// The commented TOML file `kexin init` writes: every setting set to its default, each with
    /// a one-line explanation. Loading it gives `Config::default()`.
    pub fn template() -> String {
        let defaults = Config::default();
        let mut out = String::from(
            "# Kexin configuration.\n\
             #\n\
             # Every setting is shown with its default value; edit the ones you want to change.\n\
             # An environment variable KEXIN_<SECTION>__<KEY> (for example KEXIN_SERVER__LISTEN)\n\
             # overrides the value in this file. Durations are written like \"500ms\", \"30s\",\n\
             # \"15m\", \"12h\", \"7d\" or \"1h30m\". Unknown keys are an error.\n",
        );
        let mut section = "";
        for spec in &schema::SPECS {
            if spec.section != section {
                section = spec.section;
                let _ = write!(out, "\n[{section}]\n");
            }
            let value = spec.render_toml((spec.get)(&defaults));
            let _ = writeln!(out, "# {} Allowed: {}.", spec.description, spec.allowed);
            let _ = writeln!(out, "{} = {value}", spec.name);
        }
        out
    }

    /// Every setting with its environment variable, default, allowed values and description, in
    /// file order.
    pub fn settings() -> Vec<Setting> {
        let defaults = Config::default();
        schema::SPECS
            .iter()
            .map(|spec| Setting {
                key: spec.key,
                env: spec.env_var(),
                default: spec.render((spec.get)(&defaults)),
                allowed: spec.allowed,
                description: spec.description,
            })
            .collect()
    }
}

/// Serializes a duration in the human form the file takes, e.g. `"12h"`.
fn human_duration<S: Serializer>(d: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format_duration(*d))
}
