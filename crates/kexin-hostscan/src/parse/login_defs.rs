//! `/etc/login.defs`: `KEY value` lines, `#` comments.
//!
//! Keys are case-sensitive upper-case words in practice; lookups are
//! case-insensitive. When a key repeats, the **last** value wins (shadow's
//! `getdef` overwrites) and the earlier ones are kept in
//! [`LoginDefsEntry::overridden`].

use std::collections::BTreeMap;

use super::{Loc, Problem, Source};
use crate::root::{FileText, ReadError};

pub const LOGIN_DEFS: &str = "/etc/login.defs";

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LoginDefsEntry {
    pub key: String,
    pub value: String,
    pub loc: Loc,
    /// Earlier occurrences that this one replaced.
    pub overridden: Vec<Loc>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LoginDefs {
    /// Upper-case key → entry.
    pub entries: BTreeMap<String, LoginDefsEntry>,
    pub problems: Vec<Problem>,
}

impl LoginDefs {
    pub fn load(src: &dyn Source) -> Result<LoginDefs, ReadError> {
        Ok(LoginDefs::parse(&src.read(LOGIN_DEFS)?))
    }

    pub fn parse(text: &FileText) -> LoginDefs {
        let mut out = LoginDefs::default();
        for (lineno, raw) in text.numbered_lines() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.splitn(2, char::is_whitespace);
            let key = parts.next().unwrap_or_default();
            let value = parts.next().unwrap_or_default().trim();
            let value = value.trim_matches('"');
            if value.is_empty() {
                out.problems.push(Problem::new(
                    &text.path,
                    lineno,
                    format!("{key}: missing value"),
                ));
                continue;
            }
            if !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                out.problems.push(Problem::new(
                    &text.path,
                    lineno,
                    format!("invalid key `{key}`"),
                ));
                continue;
            }
            let loc = Loc::new(&text.path, lineno);
            let k = key.to_ascii_uppercase();
            let overridden = match out.entries.remove(&k) {
                Some(mut prev) => {
                    prev.overridden.push(prev.loc.clone());
                    prev.overridden
                }
                None => Vec::new(),
            };
            out.entries.insert(
                k,
                LoginDefsEntry {
                    key: key.to_string(),
                    value: value.to_string(),
                    loc,
                    overridden,
                },
            );
        }
        out
    }

    pub fn get(&self, key: &str) -> Option<&LoginDefsEntry> {
        self.entries.get(&key.to_ascii_uppercase())
    }

    pub fn value(&self, key: &str) -> Option<&str> {
        self.get(key).map(|e| e.value.as_str())
    }

    /// A decimal integer value (`PASS_MAX_DAYS 90`); `-1` allowed.
    pub fn int(&self, key: &str) -> Option<i64> {
        self.value(key)?.parse().ok()
    }

    /// An octal value (`UMASK 027`).
    pub fn octal(&self, key: &str) -> Option<u32> {
        let v = self.value(key)?;
        u32::from_str_radix(v.trim_start_matches("0o"), 8).ok()
    }

    /// A `yes`/`no` value.
    pub fn yes_no(&self, key: &str) -> Option<bool> {
        match self.value(key)?.to_ascii_lowercase().as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        }
    }

    pub fn pass_max_days(&self) -> Option<i64> {
        self.int("PASS_MAX_DAYS")
    }
    pub fn pass_min_days(&self) -> Option<i64> {
        self.int("PASS_MIN_DAYS")
    }
    pub fn pass_warn_age(&self) -> Option<i64> {
        self.int("PASS_WARN_AGE")
    }
    /// `ENCRYPT_METHOD` upper-cased (`SHA512`, `YESCRYPT`).
    pub fn encrypt_method(&self) -> Option<String> {
        self.value("ENCRYPT_METHOD").map(str::to_ascii_uppercase)
    }
    pub fn umask(&self) -> Option<u32> {
        self.octal("UMASK")
    }
}
