//! Kernel parameters configured by sysctl files, with systemd-sysctl's
//! precedence, and the running values from `/proc/sys` on a live root.
//!
//! Files `*.conf` are collected from [`SYSCTL_DIRS`] (in priority order:
//! `/etc/sysctl.d`, `/run/sysctl.d`, `/usr/local/lib/sysctl.d`,
//! `/usr/lib/sysctl.d`, `/lib/sysctl.d`). A file name present in several
//! directories is taken from the first one only (`/etc` masks `/usr/lib`).
//! The winners are applied in file-name order, then `/etc/sysctl.conf` last
//! (as `sysctl --system` does); a later assignment of a key wins and the
//! earlier ones are kept in [`SysctlSetting::overridden`].
//!
//! Line syntax: `key = value`, `#` or `;` comments, a leading `-` on the key
//! (ignore failures) is recorded. Keys are normalised to the dotted form: if
//! the first separator is `/`, slashes become dots and dots become slashes
//! (`net/ipv4/conf/eth0.1/rp_filter` → `net.ipv4.conf.eth0/1.rp_filter`).

use std::collections::BTreeMap;

use super::{Loc, Problem, Source};
use crate::root::{FileText, ReadError, Root};

/// sysctl.d directories in priority order.
pub const SYSCTL_DIRS: &[&str] = &[
    "/etc/sysctl.d",
    "/run/sysctl.d",
    "/usr/local/lib/sysctl.d",
    "/usr/lib/sysctl.d",
    "/lib/sysctl.d",
];

pub const SYSCTL_CONF: &str = "/etc/sysctl.conf";

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SysctlSetting {
    pub value: String,
    /// Key written with a leading `-` (errors ignored).
    pub ignore_errors: bool,
    pub loc: Loc,
    /// Earlier assignments this one overrides.
    pub overridden: Vec<Loc>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SysctlConfig {
    /// Normalised dotted key → effective setting.
    pub settings: BTreeMap<String, SysctlSetting>,
    /// Files applied, in order.
    pub files: Vec<String>,
    pub problems: Vec<Problem>,
}

/// Normalise a key to the dotted form (see the module documentation).
pub fn normalize_key(key: &str) -> String {
    let key = key.trim();
    let first_sep = key.find(['.', '/']);
    match first_sep {
        Some(i) if key.as_bytes()[i] == b'/' => key
            .chars()
            .map(|c| match c {
                '/' => '.',
                '.' => '/',
                c => c,
            })
            .collect(),
        _ => key.to_string(),
    }
}

impl SysctlConfig {
    /// Collect and apply every sysctl file of the root.
    pub fn load(src: &dyn Source) -> SysctlConfig {
        let mut cfg = SysctlConfig::default();
        let mut winners: BTreeMap<String, String> = BTreeMap::new();
        for dir in SYSCTL_DIRS {
            match src.glob(&format!("{dir}/*.conf")) {
                Ok(paths) => {
                    for p in paths {
                        let name = p.rsplit('/').next().unwrap_or(&p).to_string();
                        winners.entry(name).or_insert(p);
                    }
                }
                Err(e) => cfg.problems.push(Problem::file(&e)),
            }
        }
        let mut order: Vec<String> = winners.into_values().collect();
        order.push(SYSCTL_CONF.to_string());
        for p in order {
            match src.read(&p) {
                Ok(t) => cfg.apply(&t),
                Err(ReadError::NotFound { .. }) if p == SYSCTL_CONF => {}
                // /dev/null symlinks mask a file: not a regular file.
                Err(ReadError::NotAFile { .. }) => {}
                Err(e) => cfg.problems.push(Problem::file(&e)),
            }
        }
        cfg
    }

    /// Apply one file's assignments on top of the current settings.
    pub fn apply(&mut self, text: &FileText) {
        self.files.push(text.path.clone());
        for (lineno, raw) in text.numbered_lines() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            let Some((k, v)) = line.split_once('=') else {
                self.problems
                    .push(Problem::new(&text.path, lineno, "expected `key = value`"));
                continue;
            };
            let (ignore_errors, k) = match k.trim().strip_prefix('-') {
                Some(r) => (true, r),
                None => (false, k),
            };
            let key = normalize_key(k);
            if key.is_empty() || key.contains(char::is_whitespace) {
                self.problems.push(Problem::new(
                    &text.path,
                    lineno,
                    format!("invalid key `{}`", k.trim()),
                ));
                continue;
            }
            let loc = Loc::new(&text.path, lineno);
            let overridden = match self.settings.remove(&key) {
                Some(mut prev) => {
                    prev.overridden.push(prev.loc);
                    prev.overridden
                }
                None => Vec::new(),
            };
            self.settings.insert(
                key,
                SysctlSetting {
                    value: v.trim().to_string(),
                    ignore_errors,
                    loc,
                    overridden,
                },
            );
        }
    }

    pub fn get(&self, key: &str) -> Option<&SysctlSetting> {
        self.settings.get(&normalize_key(key))
    }

    pub fn value(&self, key: &str) -> Option<&str> {
        self.get(key).map(|s| s.value.as_str())
    }
}

/// The running value of a kernel parameter from `/proc/sys` (whitespace
/// collapsed, as `sysctl -n` prints tab-separated values with single spaces
/// here). Only meaningful on a live root: on an offline root this returns
/// [`ReadError::InvalidPath`] rather than reading a stale `/proc` copy.
pub fn live_value(root: &Root, key: &str) -> Result<String, ReadError> {
    let key = normalize_key(key);
    if !root.is_live() {
        return Err(ReadError::InvalidPath {
            path: format!("/proc/sys/{key}"),
            reason: "running kernel values exist only on a live root".into(),
        });
    }
    // Each dotted component is one /proc/sys path component ('/' in a
    // component stands for a literal '.', e.g. an interface `eth0.1`).
    let comps: Vec<String> = key.split('.').map(|c| c.replace('/', ".")).collect();
    if comps.iter().any(|c| c.is_empty() || c == "." || c == "..") {
        return Err(ReadError::InvalidPath {
            path: key,
            reason: "invalid sysctl key".into(),
        });
    }
    let path = format!("/proc/sys/{}", comps.join("/"));
    let t = root.read(&path)?;
    Ok(t.text.split_whitespace().collect::<Vec<_>>().join(" "))
}
