//! The table of settings: the single source for loading, the template, `Config::settings()` and
//! the documentation test.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use toml::de::DeValue;

use crate::duration::{ACCEPTED_FORMS, format_duration, parse_reason};
use crate::{Config, LogFormat, LogLevel};

/// Section names, in file order.
pub(crate) const SECTIONS: [&str; 4] = ["server", "auth", "storage", "log"];

/// The largest `storage.max_size_mb` whose size in bytes still fits in a `u64`.
pub(crate) const MAX_SIZE_MB_LIMIT: u64 = u64::MAX >> 20;

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);
const THIRTY_DAYS: Duration = Duration::from_secs(30 * 86_400);

/// What kind of value a setting takes, with its limits.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    /// A socket address `IP:PORT`.
    Addr,
    /// A non-negative integer within `min..=max`.
    Int { min: u64, max: u64 },
    /// A duration within `min..=max`.
    Duration { min: Duration, max: Duration },
    /// One of a fixed list of lowercase names (matched case-insensitively).
    Enum(&'static [&'static str]),
    /// An optional file path; the empty string means "not set".
    Path,
}

/// A checked value, ready to be stored in a [`Config`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Addr(SocketAddr),
    Int(u64),
    Duration(Duration),
    /// Index into the names of [`Kind::Enum`].
    Enum(usize),
    Path(Option<PathBuf>),
}

/// One setting.
pub(crate) struct Spec {
    pub section: &'static str,
    pub name: &'static str,
    pub key: &'static str,
    pub kind: Kind,
    pub allowed: &'static str,
    pub description: &'static str,
    pub get: fn(&Config) -> Val,
    pub set: fn(&mut Config, Val),
}

// The `set` functions are only ever called with a value that `Spec::parse_*` produced for the
// same spec, so the variant always matches; a unit test checks every getter/setter pair.
pub(crate) static SPECS: [Spec; 14] = [
    Spec {
        section: "server",
        name: "listen",
        key: "server.listen",
        kind: Kind::Addr,
        allowed: "IP:PORT, e.g. 127.0.0.1:8080, 0.0.0.0:8080 or [::1]:8080",
        description: "Address and port the HTTP server listens on.",
        get: |c| Val::Addr(c.server.listen),
        set: |c, v| {
            if let Val::Addr(a) = v {
                c.server.listen = a;
            }
        },
    },
    Spec {
        section: "server",
        name: "max_body_bytes",
        key: "server.max_body_bytes",
        kind: Kind::Int {
            min: 1024,
            max: 1_073_741_824,
        },
        allowed: "1024 to 1073741824",
        description: "Largest request body accepted, in bytes.",
        get: |c| Val::Int(c.server.max_body_bytes as u64),
        set: |c, v| {
            if let Val::Int(n) = v {
                c.server.max_body_bytes = usize::try_from(n).unwrap_or(usize::MAX);
            }
        },
    },
    Spec {
        section: "server",
        name: "request_timeout",
        key: "server.request_timeout",
        kind: Kind::Duration {
            min: Duration::from_secs(1),
            max: HOUR,
        },
        allowed: "1s to 1h",
        description: "How long one request may take before it is aborted.",
        get: |c| Val::Duration(c.server.request_timeout),
        set: |c, v| {
            if let Val::Duration(d) = v {
                c.server.request_timeout = d;
            }
        },
    },
    Spec {
        section: "server",
        name: "shutdown_grace",
        key: "server.shutdown_grace",
        kind: Kind::Duration {
            min: Duration::ZERO,
            max: HOUR,
        },
        allowed: "0s to 1h",
        description: "How long graceful shutdown waits for in-flight requests to finish.",
        get: |c| Val::Duration(c.server.shutdown_grace),
        set: |c, v| {
            if let Val::Duration(d) = v {
                c.server.shutdown_grace = d;
            }
        },
    },
    Spec {
        section: "server",
        name: "tls_cert",
        key: "server.tls_cert",
        kind: Kind::Path,
        allowed: "a PEM file: the server certificate first, then its intermediates; empty for plain HTTP",
        description: "Certificate chain for HTTPS; set together with server.tls_key.",
        get: |c| Val::Path(c.server.tls_cert.clone()),
        set: |c, v| {
            if let Val::Path(p) = v {
                c.server.tls_cert = p;
            }
        },
    },
    Spec {
        section: "server",
        name: "tls_key",
        key: "server.tls_key",
        kind: Kind::Path,
        allowed: "a PEM file with the private key (PKCS#8, PKCS#1 or SEC1); empty for plain HTTP",
        description: "Private key of the server certificate; keep it readable by the server's user only.",
        get: |c| Val::Path(c.server.tls_key.clone()),
        set: |c, v| {
            if let Val::Path(p) = v {
                c.server.tls_key = p;
            }
        },
    },
    Spec {
        section: "auth",
        name: "session_ttl",
        key: "auth.session_ttl",
        kind: Kind::Duration {
            min: MINUTE,
            max: THIRTY_DAYS,
        },
        allowed: "1m to 30d",
        description: "How long a login session stays valid.",
        get: |c| Val::Duration(c.auth.session_ttl),
        set: |c, v| {
            if let Val::Duration(d) = v {
                c.auth.session_ttl = d;
            }
        },
    },
    Spec {
        section: "auth",
        name: "password_min_length",
        key: "auth.password_min_length",
        kind: Kind::Int { min: 8, max: 128 },
        allowed: "8 to 128",
        description: "Shortest password accepted, in characters.",
        get: |c| Val::Int(c.auth.password_min_length as u64),
        set: |c, v| {
            if let Val::Int(n) = v {
                c.auth.password_min_length = usize::try_from(n).unwrap_or(usize::MAX);
            }
        },
    },
    Spec {
        section: "auth",
        name: "lockout_threshold",
        key: "auth.lockout_threshold",
        kind: Kind::Int {
            min: 0,
            max: u32::MAX as u64,
        },
        allowed: "0 (never lock) to 4294967295",
        description: "Failed logins before an account is locked.",
        get: |c| Val::Int(u64::from(c.auth.lockout_threshold)),
        set: |c, v| {
            if let Val::Int(n) = v {
                c.auth.lockout_threshold = u32::try_from(n).unwrap_or(u32::MAX);
            }
        },
    },
    Spec {
        section: "auth",
        name: "lockout_duration",
        key: "auth.lockout_duration",
        kind: Kind::Duration {
            min: Duration::from_secs(1),
            max: THIRTY_DAYS,
        },
        allowed: "1s to 30d",
        description: "How long a locked account stays locked.",
        get: |c| Val::Duration(c.auth.lockout_duration),
        set: |c, v| {
            if let Val::Duration(d) = v {
                c.auth.lockout_duration = d;
            }
        },
    },
    Spec {
        section: "storage",
        name: "max_size_mb",
        key: "storage.max_size_mb",
        kind: Kind::Int {
            min: 0,
            max: MAX_SIZE_MB_LIMIT,
        },
        allowed: "0 (unlimited) or 1 to 17592186044415",
        description: "Cap on the database size, in MiB.",
        get: |c| Val::Int(c.storage.max_size_mb),
        set: |c, v| {
            if let Val::Int(n) = v {
                c.storage.max_size_mb = n;
            }
        },
    },
    Spec {
        section: "storage",
        name: "busy_timeout",
        key: "storage.busy_timeout",
        kind: Kind::Duration {
            min: Duration::ZERO,
            max: HOUR,
        },
        allowed: "0s to 1h",
        description: "How long a database operation waits for a lock held by another before failing.",
        get: |c| Val::Duration(c.storage.busy_timeout),
        set: |c, v| {
            if let Val::Duration(d) = v {
                c.storage.busy_timeout = d;
            }
        },
    },
    Spec {
        section: "log",
        name: "level",
        key: "log.level",
        kind: Kind::Enum(&LogLevel::NAMES),
        allowed: "error, warn, info, debug, trace",
        description: "Least severe kind of log message that is written.",
        get: |c| Val::Enum(c.log.level as usize),
        set: |c, v| {
            if let Val::Enum(i) = v {
                c.log.level = LogLevel::ALL[i];
            }
        },
    },
    Spec {
        section: "log",
        name: "format",
        key: "log.format",
        kind: Kind::Enum(&LogFormat::NAMES),
        allowed: "text, json",
        description: "Log output: human-readable text, or one JSON object per line.",
        get: |c| Val::Enum(c.log.format as usize),
        set: |c, v| {
            if let Val::Enum(i) = v {
                c.log.format = LogFormat::ALL[i];
            }
        },
    },
];

/// The spec for `section.name`, if there is one (names are compared exactly).
pub(crate) fn find(section: &str, name: &str) -> Option<&'static Spec> {
    SPECS
        .iter()
        .find(|s| s.section == section && s.name == name)
}

/// The names of the settings in one section, comma-separated.
pub(crate) fn names_in(section: &str) -> String {
    let names: Vec<&str> = SPECS
        .iter()
        .filter(|s| s.section == section)
        .map(|s| s.name)
        .collect();
    names.join(", ")
}

impl Spec {
    /// The environment variable that overrides this setting, e.g. `KEXIN_SERVER__LISTEN`.
    pub fn env_var(&self) -> String {
        format!("KEXIN_{}__{}", self.section, self.name).to_ascii_uppercase()
    }

    /// The value as text, in the form the environment takes (`30s`, `info`, `8080`).
    pub fn render(&self, v: Val) -> String {
        match (v, self.kind) {
            (Val::Path(p), _) => p.map(|p| p.display().to_string()).unwrap_or_default(),
            (Val::Addr(a), _) => a.to_string(),
            (Val::Int(n), _) => n.to_string(),
            (Val::Duration(d), _) => format_duration(d),
            (Val::Enum(i), Kind::Enum(names)) => names[i].to_string(),
            (Val::Enum(i), _) => i.to_string(),
        }
    }

    /// The value as a TOML literal: integers bare, everything else a string.
    pub fn render_toml(&self, v: Val) -> String {
        match v {
            Val::Int(n) => n.to_string(),
            _ => toml::Value::String(self.render(v)).to_string(),
        }
    }

    /// "an integer between 1024 and 1073741824" and the like, for type errors.
    fn expected(&self) -> String {
        match self.kind {
            Kind::Addr => {
                "a string of the form \"IP:PORT\", such as \"127.0.0.1:8080\"".to_string()
            }
            Kind::Int { min, max } => format!("an integer between {min} and {max}"),
            Kind::Duration { min, max } => format!(
                "a duration string such as \"30s\", between {} and {}",
                format_duration(min),
                format_duration(max)
            ),
            Kind::Enum(names) => format!("one of the strings {}", quoted_list(names)),
            Kind::Path => "a string naming a file, or \"\" for none".to_string(),
        }
    }

    /// Checks a value from the file. `repr` is how the value is written there.
    pub fn parse_toml(&self, value: &DeValue<'_>, repr: &str) -> Result<Val, String> {
        match (self.kind, value) {
            (Kind::Int { .. }, DeValue::Integer(i)) => {
                let n = i128::from_str_radix(i.as_str(), i.radix()).ok();
                self.check_int(n, repr)
            }
            (
                Kind::Addr | Kind::Duration { .. } | Kind::Enum(_) | Kind::Path,
                DeValue::String(s),
            ) => self.check_str(s, repr),
            (kind, other) => {
                let found = other.type_str();
                let article = if found.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                let hint = match (kind, other) {
                    (Kind::Int { .. }, DeValue::String(s)) if s.trim().parse::<i128>().is_ok() => {
                        "; write the number without quotes"
                    }
                    (Kind::Duration { .. }, DeValue::Integer(_) | DeValue::Float(_)) => {
                        "; add quotes and a unit"
                    }
                    _ => "",
                };
                Err(format!(
                    "{} must be {}, not {article} {found} ({repr}){hint}",
                    self.key,
                    self.expected()
                ))
            }
        }
    }

    /// Checks a value from an environment variable; its type comes from the setting.
    pub fn parse_env(&self, raw: &str) -> Result<Val, String> {
        let text = raw.trim();
        match self.kind {
            Kind::Int { .. } => match text.parse::<i128>() {
                Ok(n) => self.check_int(Some(n), text),
                Err(_) => Err(format!(
                    "{} must be {}, not {raw:?}",
                    self.key,
                    self.expected()
                )),
            },
            _ => self.check_str(text, &format!("{text:?}")),
        }
    }

    fn check_int(&self, n: Option<i128>, repr: &str) -> Result<Val, String> {
        let Kind::Int { min, max } = self.kind else {
            unreachable!("check_int is only called for integer settings")
        };
        match n {
            Some(n) if (i128::from(min)..=i128::from(max)).contains(&n) => Ok(Val::Int(
                u64::try_from(n).expect("checked to be within a u64 range"),
            )),
            _ => Err(format!(
                "{} = {repr} is out of range; it must be between {min} and {max}",
                self.key
            )),
        }
    }

    fn check_str(&self, s: &str, repr: &str) -> Result<Val, String> {
        let key = self.key;
        match self.kind {
            Kind::Addr => s.parse::<SocketAddr>().map(Val::Addr).map_err(|_| {
                format!(
                    "{key} = {repr} is not a valid socket address; expected IP:PORT, \
                     such as \"127.0.0.1:8080\", \"0.0.0.0:8080\" or \"[::1]:8080\" \
                     (host names are not accepted)"
                )
            }),
            Kind::Duration { min, max } => {
                let d = parse_reason(s).map_err(|why| {
                    format!("{key} = {repr} is not a valid duration ({why}); {ACCEPTED_FORMS}")
                })?;
                if d < min || d > max {
                    return Err(format!(
                        "{key} = {repr} is out of range; it must be between {} and {}",
                        format_duration(min),
                        format_duration(max)
                    ));
                }
                Ok(Val::Duration(d))
            }
            Kind::Enum(names) => names
                .iter()
                .position(|name| name.eq_ignore_ascii_case(s.trim()))
                .map(Val::Enum)
                .ok_or_else(|| {
                    format!(
                        "{key} = {repr} is not allowed; expected one of: {}",
                        names.join(", ")
                    )
                }),
            Kind::Path if s.contains('\0') => Err(format!("{key} = {repr} contains a NUL byte")),
            Kind::Path if s.is_empty() => Ok(Val::Path(None)),
            Kind::Path => Ok(Val::Path(Some(PathBuf::from(s)))),
            Kind::Int { .. } => unreachable!("integers are not strings"),
        }
    }
}

fn quoted_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    quoted.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_section_and_name_and_are_unique() {
        for (i, spec) in SPECS.iter().enumerate() {
            assert_eq!(spec.key, format!("{}.{}", spec.section, spec.name));
            assert!(SECTIONS.contains(&spec.section), "{}", spec.key);
            assert!(
                SPECS[..i].iter().all(|other| other.key != spec.key),
                "{} listed twice",
                spec.key
            );
        }
        // Sections appear in SECTIONS order, so the template groups them.
        let order: Vec<usize> = SPECS
            .iter()
            .map(|s| SECTIONS.iter().position(|x| *x == s.section).unwrap())
            .collect();
        assert!(order.is_sorted(), "{order:?}");
    }

    #[test]
    fn every_setter_stores_what_its_getter_reads() {
        let default = Config::default();
        for spec in &SPECS {
            let mut config = Config::default();
            let value = spec
                .parse_env(&spec.render((spec.get)(&default)))
                .unwrap_or_else(|e| panic!("default of {} does not parse: {e}", spec.key));
            assert_eq!(value, (spec.get)(&default), "{}", spec.key);
            (spec.set)(&mut config, value);
            assert_eq!(config, default, "{}", spec.key);
        }
        // A non-default value for each setting must change exactly that setting.
        let other = [
            "10.0.0.1:9000",
            "2048",
            "2m",
            "0s",
            "/etc/kexin/chain.pem",
            "/etc/kexin/key.pem",
            "1h",
            "20",
            "0",
            "1m",
            "100",
            "1s",
            "trace",
            "json",
        ];
        for (spec, text) in SPECS.iter().zip(other) {
            let mut config = Config::default();
            let value = spec.parse_env(text).unwrap();
            (spec.set)(&mut config, value.clone());
            assert_ne!(config, default, "{} = {text} changed nothing", spec.key);
            assert_eq!((spec.get)(&config), value, "{}", spec.key);
            assert_eq!(spec.render(value), text, "{}", spec.key);
        }
    }

    #[test]
    fn allowed_text_agrees_with_the_limits() {
        for spec in &SPECS {
            let (lo, hi) = match spec.kind {
                Kind::Addr | Kind::Path => continue,
                Kind::Int { min, max } => (min.to_string(), max.to_string()),
                Kind::Duration { min, max } => (format_duration(min), format_duration(max)),
                Kind::Enum(names) => {
                    assert_eq!(spec.allowed, names.join(", "), "{}", spec.key);
                    continue;
                }
            };
            assert!(
                spec.allowed.starts_with(&lo),
                "{}: {}",
                spec.key,
                spec.allowed
            );
            assert!(
                spec.allowed.ends_with(&hi),
                "{}: {}",
                spec.key,
                spec.allowed
            );
        }
    }

    #[test]
    fn enum_names_match_the_rust_enums() {
        for level in LogLevel::ALL {
            assert_eq!(LogLevel::NAMES[level as usize], level.as_str());
        }
        for format in LogFormat::ALL {
            assert_eq!(LogFormat::NAMES[format as usize], format.as_str());
        }
        assert_eq!(
            MAX_SIZE_MB_LIMIT.checked_mul(1024 * 1024),
            Some(u64::MAX - (1024 * 1024 - 1))
        );
    }
}
