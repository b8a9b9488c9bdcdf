//! Pending security updates from apt's package lists, and packages past
//! Debian's security support (`debian-security-support`).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::installed::{InstalledPackage, Parsed, Problem, parse_stanzas};
use crate::version::dpkg;

/// Whether a file in `/var/lib/apt/lists/` is an uncompressed `Packages`
/// index of a security suite, e.g.
/// `deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages`
/// or `security.ubuntu.com_ubuntu_dists_jammy-security_main_binary-amd64_Packages`.
/// (apt can be configured to keep lists compressed, `..._Packages.lz4`;
/// those are not read.)
pub fn is_security_packages_list(file_name: &str) -> bool {
    file_name.ends_with("_Packages") && file_name.contains("security")
}

/// A package whose security list offers a newer version than installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingUpdate {
    /// Binary package name.
    pub package: String,
    /// Architecture of the installed package.
    pub arch: String,
    /// Installed version.
    pub installed_version: String,
    /// Highest version in the security lists.
    pub candidate_version: String,
    /// List file that offers it.
    pub list: String,
}

/// Compares installed packages with security `Packages` lists (`(file
/// name, text)` pairs; pass only files for which
/// [`is_security_packages_list`] holds). A candidate matches an installed
/// package with the same name and the same architecture (or `all`).
/// Parse problems are returned with the list's name in the message.
pub fn pending_security_updates<'a>(
    installed: &[InstalledPackage],
    lists: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Parsed<PendingUpdate> {
    // (name, arch) -> (version, list)
    let mut best: BTreeMap<(String, String), (String, String)> = BTreeMap::new();
    let mut problems = Vec::new();
    for (list, text) in lists {
        let st = parse_stanzas(text);
        problems.extend(st.problems.into_iter().map(|p| Problem {
            line: p.line,
            message: format!("{list}: {}", p.message),
        }));
        for s in st.items {
            let (Some(name), Some(version)) = (s.get("Package"), s.get("Version")) else {
                problems.push(Problem {
                    line: s.line,
                    message: format!("{list}: stanza without Package or Version"),
                });
                continue;
            };
            let arch = s.get("Architecture").unwrap_or("").to_string();
            let key = (name.to_string(), arch);
            let newer = best
                .get(&key)
                .is_none_or(|(v, _)| dpkg::compare(version, v) == Ordering::Greater);
            if newer {
                best.insert(key, (version.to_string(), list.to_string()));
            }
        }
    }
    let mut items = Vec::new();
    for p in installed {
        let candidates = [
            best.get(&(p.name.clone(), p.arch.clone())),
            best.get(&(p.name.clone(), "all".to_string())),
        ];
        let top = candidates
            .into_iter()
            .flatten()
            .max_by(|a, b| dpkg::compare(&a.0, &b.0));
        if let Some((v, list)) = top
            && dpkg::compare(v, &p.version) == Ordering::Greater
        {
            items.push(PendingUpdate {
                package: p.name.clone(),
                arch: p.arch.clone(),
                installed_version: p.version.clone(),
                candidate_version: v.clone(),
                list: list.clone(),
            });
        }
    }
    Parsed { items, problems }
}

/// One line of a `debian-security-support` list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportEntry {
    /// Source package.
    pub source_package: String,
    /// `security-support-ended`: the last version covered by the
    /// statement (installed versions up to it are unsupported); `None` for
    /// the limited list or when absent.
    pub version: Option<String>,
    /// `security-support-ended`: the date support ended (`YYYY-MM-DD`).
    pub date: Option<String>,
    /// Free-text note or URL.
    pub note: String,
    /// 1-based line.
    pub line: usize,
}

/// Which list an entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupportKind {
    /// `security-support-ended.debNN`: no more security updates.
    Ended,
    /// `security-support-limited.debNN`: limited or no support.
    Limited,
}

/// Parses `security-support-ended.debNN`. Format (the simple whitespace
/// separated line format the package documents): `source-package
/// version date [note...]`, `#` comments and blank lines ignored. A line
/// with only a package is accepted (all versions); a bad date or version is
/// reported and the line kept without it.
pub fn parse_support_ended(text: &str) -> Parsed<SupportEntry> {
    let mut out = Parsed::default();
    for (idx, l) in text.lines().enumerate() {
        let line = idx + 1;
        let l = l.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let mut it = l.split_whitespace();
        let Some(pkg) = it.next() else { continue };
        let mut version = it.next().map(str::to_string);
        let mut date = it.next().map(str::to_string);
        let note = it.collect::<Vec<_>>().join(" ");
        if let Some(v) = &version
            && dpkg::validate(v).is_err()
        {
            out.problems.push(Problem {
                line,
                message: format!("{pkg}: bad version {v:?}"),
            });
            version = None;
        }
        if let Some(d) = &date {
            let b = d.as_bytes();
            let ok = b.len() == 10
                && b[4] == b'-'
                && b[7] == b'-'
                && b.iter()
                    .enumerate()
                    .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
            if !ok {
                out.problems.push(Problem {
                    line,
                    message: format!("{pkg}: bad date {d:?}"),
                });
                date = None;
            }
        }
        out.items.push(SupportEntry {
            source_package: pkg.to_string(),
            version,
            date,
            note,
            line,
        });
    }
    out
}

/// Parses `security-support-limited.debNN`: `source-package [note...]`
/// per line, `#` comments ignored.
pub fn parse_support_limited(text: &str) -> Parsed<SupportEntry> {
    let mut out = Parsed::default();
    for (idx, l) in text.lines().enumerate() {
        let l = l.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let (pkg, note) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
        out.items.push(SupportEntry {
            source_package: pkg.to_string(),
            version: None,
            date: None,
            note: note.trim().to_string(),
            line: idx + 1,
        });
    }
    out
}

/// An installed package without (full) security support.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsupportedPackage {
    /// Binary package.
    pub package: String,
    /// Source package (the lists are per source package).
    pub source_package: String,
    /// Installed (binary) version.
    pub installed_version: String,
    /// Ended or limited.
    pub kind: SupportKind,
    /// The list entry.
    pub entry: SupportEntry,
}

/// Installed packages past or with limited security support. For the
/// ended list an entry with a version applies when the installed *source*
/// version is `<=` it (a later version may have been brought back into
/// support); an entry without a version applies to all versions. Limited
/// entries apply to every version.
pub fn unsupported_packages(
    installed: &[InstalledPackage],
    ended: &[SupportEntry],
    limited: &[SupportEntry],
) -> Vec<UnsupportedPackage> {
    let mut out = Vec::new();
    for p in installed {
        for (kind, list) in [(SupportKind::Ended, ended), (SupportKind::Limited, limited)] {
            let hit = list.iter().find(|e| {
                e.source_package == p.source_name
                    && e.version.as_deref().is_none_or(|v| {
                        kind == SupportKind::Limited
                            || dpkg::compare(&p.source_version, v) != Ordering::Greater
                    })
            });
            if let Some(e) = hit {
                out.push(UnsupportedPackage {
                    package: p.name.clone(),
                    source_package: p.source_name.clone(),
                    installed_version: p.version.clone(),
                    kind,
                    entry: e.clone(),
                });
            }
        }
    }
    out
}
