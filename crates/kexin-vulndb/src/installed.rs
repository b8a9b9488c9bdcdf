//! Installed-package databases: dpkg `status`, apk `installed`, and the
//! output of an `rpm -qa --queryformat` (see [`RPM_QUERYFORMAT`]).
//!
//! Every parser takes the file's text, never panics, and returns
//! [`Parsed`]: the packages it could read plus the [`Problem`]s (with
//! 1-based line numbers) it met on the way. A truncated or partly corrupt
//! file therefore still yields every intact stanza; the scanner reports the
//! problems as evidence of a damaged database.
//!
//! **rpm:** the header blobs of `/var/lib/rpm/rpmdb.sqlite` are decoded by
//! [`crate::rpmdb`]; on a live host the scanner can also run `rpm -qa
//! --queryformat RPM_QUERYFORMAT` and feed the output to [`parse_rpm_qa`]
//! (the only way for the Berkeley DB databases of RHEL ≤ 8).

use serde::{Deserialize, Serialize};

/// One installed binary package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstalledPackage {
    /// Binary package name (`Package:` / `P:` / rpm `NAME`).
    pub name: String,
    /// Binary package version (dpkg `Version:`, apk `V:`, rpm `[E:]V-R`).
    pub version: String,
    /// Source package name (dpkg `Source:`, apk origin `o:`, rpm source rpm
    /// name); equals `name` when the database does not say.
    pub source_name: String,
    /// Source package version (dpkg `Source: name (version)`); equals
    /// `version` when not given. Debian advisories are per source package and
    /// their fixed versions are source versions, so matching uses this for
    /// Debian.
    pub source_version: String,
    /// Architecture (`amd64`, `x86_64`, `all`, `noarch`, ...), empty if unknown.
    pub arch: String,
    /// 1-based line where the package's record starts.
    pub line: usize,
}

/// Something wrong in an input file, with its 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// 1-based line number (0 when the problem concerns the whole file).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// What a tolerant parser could read, and what it could not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parsed<T> {
    /// Successfully parsed items, in file order.
    pub items: Vec<T>,
    /// Problems met; an empty list means the input was clean.
    pub problems: Vec<Problem>,
}

impl<T> Default for Parsed<T> {
    fn default() -> Self {
        Parsed {
            items: Vec::new(),
            problems: Vec::new(),
        }
    }
}

/// One RFC822-like stanza: `(field name, value, line)`; continuation lines
/// are joined to the value with `\n`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stanza {
    /// Line of the first field.
    pub line: usize,
    /// Fields in order: name, value (continuations joined with `\n`), line.
    pub fields: Vec<(String, String, usize)>,
}

impl Stanza {
    /// First value of a field, case-insensitive name (as dpkg does).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v, _)| v.as_str())
    }
    fn line_of(&self, name: &str) -> usize {
        self.fields
            .iter()
            .find(|(n, _, _)| n.eq_ignore_ascii_case(name))
            .map_or(self.line, |(_, _, l)| *l)
    }
}

/// Splits Debian control-file text (dpkg `status`, apt `Packages`) into
/// stanzas. Lines that are neither `Field: value`, continuations, nor blank
/// are reported and skipped.
pub fn parse_stanzas(text: &str) -> Parsed<Stanza> {
    let mut out = Parsed::default();
    let mut cur = Stanza::default();
    for (idx, raw) in text.lines().enumerate() {
        let line = idx + 1;
        let l = raw.strip_suffix('\r').unwrap_or(raw);
        if l.trim().is_empty() {
            if !cur.fields.is_empty() {
                out.items.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if l.starts_with(' ') || l.starts_with('\t') {
            match cur.fields.last_mut() {
                Some((_, v, _)) => {
                    v.push('\n');
                    v.push_str(l.trim());
                }
                None => out.problems.push(Problem {
                    line,
                    message: "continuation line outside a field".into(),
                }),
            }
            continue;
        }
        if l.starts_with('#') {
            continue;
        }
        match l.split_once(':') {
            Some((name, value)) if !name.is_empty() && !name.contains(char::is_whitespace) => {
                if cur.fields.is_empty() {
                    cur.line = line;
                }
                cur.fields
                    .push((name.to_string(), value.trim().to_string(), line));
            }
            _ => out.problems.push(Problem {
                line,
                message: format!("not a `Field: value` line: {:?}", truncate(l, 80)),
            }),
        }
    }
    if !cur.fields.is_empty() {
        out.items.push(cur);
    }
    out
}

pub(crate) fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Parses dpkg's `Source:` field: `name` or `name (version)`.
fn parse_source_field(v: &str) -> Option<(String, Option<String>)> {
    let v = v.trim();
    match v.split_once('(') {
        Some((name, rest)) => {
            let ver = rest.strip_suffix(')')?.trim();
            let name = name.trim();
            if name.is_empty() || ver.is_empty() {
                return None;
            }
            Some((name.to_string(), Some(ver.to_string())))
        }
        None if !v.is_empty() && !v.contains(char::is_whitespace) => Some((v.to_string(), None)),
        None => None,
    }
}

/// dpkg package states whose files are fully on disk and configured (the
/// `triggers-*` states only wait for another package's trigger).
pub const INSTALLED_STATES: [&str; 3] = ["installed", "triggers-pending", "triggers-awaited"];

/// Parses `/var/lib/dpkg/status`.
///
/// A package counts as installed when its `Status:` is `<want> ok <state>`
/// with a state from [`INSTALLED_STATES`]: `install ok installed`, and also
/// `hold ok installed` (a held package is still installed and still
/// vulnerable) and `install ok triggers-pending`. Stanzas with any other
/// status (`deinstall ok config-files`, `install reinstreq
/// half-installed`, `install ok unpacked`, ...) are skipped silently. An installed stanza without
/// `Package:` or `Version:` is reported; a version that dpkg would reject is
/// reported but the package is kept.
pub fn parse_dpkg_status(text: &str) -> Parsed<InstalledPackage> {
    let stanzas = parse_stanzas(text);
    let mut out = Parsed {
        items: Vec::new(),
        problems: stanzas.problems,
    };
    for st in stanzas.items {
        let Some(status) = st.get("Status") else {
            out.problems.push(Problem {
                line: st.line,
                message: format!(
                    "stanza for {:?} has no Status field",
                    st.get("Package").unwrap_or("?")
                ),
            });
            continue;
        };
        let words: Vec<&str> = status.split_whitespace().collect();
        if words.len() != 3 {
            out.problems.push(Problem {
                line: st.line_of("Status"),
                message: format!("malformed Status {status:?}"),
            });
            continue;
        }
        if words[1] != "ok" || !INSTALLED_STATES.contains(&words[2]) {
            continue;
        }
        let Some(name) = st.get("Package").filter(|s| !s.is_empty()) else {
            out.problems.push(Problem {
                line: st.line,
                message: "installed stanza without Package field".into(),
            });
            continue;
        };
        let Some(version) = st.get("Version").filter(|s| !s.is_empty()) else {
            out.problems.push(Problem {
                line: st.line,
                message: format!("installed package {name:?} has no Version field"),
            });
            continue;
        };
        if let Err(e) = crate::version::dpkg::validate(version) {
            out.problems.push(Problem {
                line: st.line_of("Version"),
                message: format!("package {name:?} has a bad version {version:?}: {e}"),
            });
        }
        let (source_name, source_version) = match st.get("Source") {
            None => (name.to_string(), version.to_string()),
            Some(src) => match parse_source_field(src) {
                Some((n, v)) => (n, v.unwrap_or_else(|| version.to_string())),
                None => {
                    out.problems.push(Problem {
                        line: st.line_of("Source"),
                        message: format!("package {name:?} has a malformed Source {src:?}"),
                    });
                    (name.to_string(), version.to_string())
                }
            },
        };
        out.items.push(InstalledPackage {
            name: name.to_string(),
            version: version.to_string(),
            source_name,
            source_version,
            arch: st.get("Architecture").unwrap_or("").to_string(),
            line: st.line,
        });
    }
    out
}

/// Parses Alpine's `lib/apk/db/installed`: blank-line separated records of
/// `X:value` lines (`P:` name, `V:` version, `A:` arch, `o:` origin = source
/// package). Records without `P:` or `V:` are reported.
pub fn parse_apk_installed(text: &str) -> Parsed<InstalledPackage> {
    let mut out = Parsed::default();
    let mut rec: Vec<(u8, &str, usize)> = Vec::new();
    let flush = |rec: &mut Vec<(u8, &str, usize)>, out: &mut Parsed<InstalledPackage>| {
        if rec.is_empty() {
            return;
        }
        let start = rec[0].2;
        let get = |k: u8| rec.iter().find(|(c, _, _)| *c == k).map(|(_, v, _)| *v);
        match (get(b'P'), get(b'V')) {
            (Some(name), Some(version)) if !name.is_empty() && !version.is_empty() => {
                let origin = get(b'o').filter(|o| !o.is_empty()).unwrap_or(name);
                out.items.push(InstalledPackage {
                    name: name.to_string(),
                    version: version.to_string(),
                    source_name: origin.to_string(),
                    source_version: version.to_string(),
                    arch: get(b'A').unwrap_or("").to_string(),
                    line: start,
                });
            }
            (name, _) => out.problems.push(Problem {
                line: start,
                message: format!(
                    "record {} lacks a package name or version",
                    name.map_or("without P:".to_string(), |n| format!("{n:?}"))
                ),
            }),
        }
        rec.clear();
    };
    for (idx, raw) in text.lines().enumerate() {
        let line = idx + 1;
        let l = raw.strip_suffix('\r').unwrap_or(raw);
        if l.is_empty() {
            flush(&mut rec, &mut out);
            continue;
        }
        let b = l.as_bytes();
        if b.len() >= 2 && b[1] == b':' && b[0].is_ascii_alphanumeric() {
            rec.push((b[0], &l[2..], line));
        } else {
            out.problems.push(Problem {
                line,
                message: format!("not an `X:value` line: {:?}", truncate(l, 80)),
            });
        }
    }
    flush(&mut rec, &mut out);
    out
}

/// The `rpm -qa --queryformat` that [`parse_rpm_qa`] reads: name, epoch
/// (`(none)` when absent), version, release, arch and source rpm,
/// tab-separated, one package per line.
pub const RPM_QUERYFORMAT: &str =
    "%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\n";

/// Parses the output of `rpm -qa --queryformat RPM_QUERYFORMAT`. The
/// source package name is taken from the source rpm file name
/// (`openssl-3.0.7-27.el9.src.rpm` → `openssl`); `gpg-pubkey` pseudo
/// packages are skipped.
pub fn parse_rpm_qa(text: &str) -> Parsed<InstalledPackage> {
    let mut out = Parsed::default();
    for (idx, l) in text.lines().enumerate() {
        let line = idx + 1;
        if l.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = l.split('\t').collect();
        if f.len() != 6 || f[0].is_empty() || f[2].is_empty() {
            out.problems.push(Problem {
                line,
                message: format!("expected 6 tab-separated fields: {:?}", truncate(l, 80)),
            });
            continue;
        }
        if f[0] == "gpg-pubkey" {
            continue;
        }
        let epoch = if f[1] == "(none)" || f[1].is_empty() {
            String::new()
        } else {
            format!("{}:", f[1])
        };
        let version = format!("{epoch}{}-{}", f[2], f[3]);
        let source_name = srpm_name(f[5]).unwrap_or(f[0]).to_string();
        out.items.push(InstalledPackage {
            name: f[0].to_string(),
            source_version: version.clone(),
            version,
            source_name,
            arch: f[4].to_string(),
            line,
        });
    }
    out
}

/// `name-version-release.src.rpm` → `name`.
pub(crate) fn srpm_name(srpm: &str) -> Option<&str> {
    let s = srpm
        .strip_suffix(".src.rpm")
        .or_else(|| srpm.strip_suffix(".nosrc.rpm"))?;
    let (rest, _release) = s.rsplit_once('-')?;
    let (name, _version) = rest.rsplit_once('-')?;
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_field() {
        assert_eq!(
            parse_source_field("glibc (2.36-9+deb12u4)"),
            Some(("glibc".into(), Some("2.36-9+deb12u4".into())))
        );
        assert_eq!(parse_source_field("zlib"), Some(("zlib".into(), None)));
        assert_eq!(parse_source_field("x (1.0"), None);
        assert_eq!(parse_source_field(""), None);
    }

    #[test]
    fn srpm() {
        assert_eq!(srpm_name("openssl-3.0.7-27.el9.src.rpm"), Some("openssl"));
        assert_eq!(
            srpm_name("python3-pip-21.2.3-8.el9.src.rpm"),
            Some("python3-pip")
        );
        assert_eq!(srpm_name("(none)"), None);
    }
}
