//! The normalized advisory model and its two importers: OSV JSON and the
//! Debian security tracker JSON.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::version::Scheme;

/// Where an advisory came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// An OSV record (DSA/DLA/USN/ALSA/RLSA/RHSA/ALPINE-CVE ... ids).
    Osv,
    /// The Debian security tracker (one advisory per CVE id).
    DebianTracker,
}

/// A severity rating as given by the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Severity {
    /// `CVSS_V3`, `CVSS_V4`, `Ubuntu`, `database_specific`, ... as in OSV.
    pub kind: String,
    /// The score or vector (`CVSS:3.1/AV:N/...`, `medium`, `Important`).
    pub score: String,
}

/// One event of an ECOSYSTEM range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Vulnerable from this version on (`0` = from the beginning).
    Introduced(String),
    /// Not vulnerable from this version on.
    Fixed(String),
    /// Vulnerable up to and including this version (no fix known beyond).
    LastAffected(String),
}

/// One affected package in one ecosystem (release).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affected {
    /// Ecosystem as named by OSV (`Debian:12`, `Ubuntu:22.04:LTS`,
    /// `Alpine:v3.19`, `Rocky Linux:9`, ...). Tracker records use
    /// `Debian:<major>` for known codenames, else `Debian:<codename>`.
    pub ecosystem: String,
    /// Package name: a source package for Debian/Ubuntu/Alpine, a binary
    /// rpm for the RPM families.
    pub package: String,
    /// ECOSYSTEM ranges; each is a list of events. Affected if any range
    /// says so or `versions` lists the version.
    pub ranges: Vec<Vec<Event>>,
    /// Explicitly affected versions.
    pub versions: Vec<String>,
    /// Per-package urgency (Debian tracker `urgency`, e.g. `low`,
    /// `unimportant`, `not yet assigned`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<String>,
}

/// A normalized advisory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advisory {
    /// OSV id (`DSA-5678-1`, `ALSA-2024:1234`, `CVE-2024-1234`) or, for the
    /// tracker, the CVE id.
    pub id: String,
    /// Source of the record.
    pub origin: Origin,
    /// Alias ids (CVE ids among them); includes `id` when `id` is a CVE.
    pub aliases: Vec<String>,
    /// One-line summary (OSV `summary`, else the first line of `details`;
    /// tracker `description`).
    pub summary: String,
    /// Severities.
    pub severity: Vec<Severity>,
    /// Affected packages.
    pub affected: Vec<Affected>,
}

impl Advisory {
    /// CVE ids of this advisory (its id if a CVE, then CVE aliases), sorted,
    /// deduplicated.
    pub fn cve_ids(&self) -> Vec<String> {
        let mut v: Vec<String> = std::iter::once(&self.id)
            .chain(&self.aliases)
            .filter(|a| a.starts_with("CVE-"))
            .cloned()
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

/// Result of evaluating one [`Affected`] against an installed version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Not affected.
    NotAffected,
    /// Affected; `fixed` is the lowest fixed version above the installed
    /// one, if any.
    Affected {
        /// Version that fixes it, `None` = no fix yet.
        fixed: Option<String>,
    },
}

impl Affected {
    /// Evaluates this entry for `version` using the OSV algorithm: per range,
    /// events are sorted by version (`0` lowest); walking them, `introduced
    /// <= v` turns affected on, `fixed <= v` turns it off, `last_affected <
    /// v` turns it off. Also affected if `versions` holds an equal version.
    pub fn evaluate(&self, scheme: Scheme, version: &str) -> Verdict {
        let cmp = |a: &str, b: &str| -> Ordering {
            match (a == "0", b == "0") {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Less,
                (false, true) => Ordering::Greater,
                (false, false) => scheme.compare(a, b),
            }
        };
        let mut affected = self
            .versions
            .iter()
            .any(|v| scheme.compare(v, version) == Ordering::Equal);
        let mut fixed: Option<String> = None;
        for range in &self.ranges {
            let mut events: Vec<&Event> = range.iter().collect();
            let key = |e: &&Event| -> (String, u8) {
                match e {
                    Event::Introduced(v) => (v.clone(), 0),
                    Event::Fixed(v) => (v.clone(), 1),
                    Event::LastAffected(v) => (v.clone(), 2),
                }
            };
            events.sort_by(|a, b| {
                let (va, ka) = key(a);
                let (vb, kb) = key(b);
                cmp(&va, &vb).then(ka.cmp(&kb))
            });
            let mut in_range = false;
            for e in &events {
                match e {
                    Event::Introduced(v) if cmp(v, version) != Ordering::Greater => in_range = true,
                    Event::Fixed(v) if cmp(v, version) != Ordering::Greater => in_range = false,
                    Event::LastAffected(v) if cmp(v, version) == Ordering::Less => in_range = false,
                    _ => {}
                }
            }
            if in_range {
                affected = true;
                // The fix for this range: the first `fixed` above the version.
                let f = events.iter().find_map(|e| match e {
                    Event::Fixed(v) if cmp(v, version) == Ordering::Greater => Some(v.clone()),
                    _ => None,
                });
                if let Some(f) = f {
                    fixed = match fixed {
                        Some(old) if scheme.compare(&old, &f) != Ordering::Greater => Some(old),
                        _ => Some(f),
                    };
                }
            }
        }
        if affected {
            Verdict::Affected { fixed }
        } else {
            Verdict::NotAffected
        }
    }
}

/// A record an importer could not use, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// File (or zip entry) the record came from.
    pub file: String,
    /// Record id if known (OSV id, tracker `package/CVE`).
    pub id: Option<String>,
    /// Why it was skipped.
    pub reason: String,
}

// ---------------------------------------------------------------- OSV ----

#[derive(Deserialize)]
struct OsvRecord {
    id: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    upstream: Vec<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    details: Option<String>,
    #[serde(default)]
    severity: Vec<OsvSeverity>,
    #[serde(default)]
    affected: Vec<OsvAffected>,
    #[serde(default)]
    database_specific: Option<serde_json::Value>,
    #[serde(default)]
    withdrawn: Option<String>,
}

#[derive(Deserialize)]
struct OsvSeverity {
    #[serde(rename = "type")]
    kind: String,
    score: String,
}

#[derive(Deserialize)]
struct OsvAffected {
    package: Option<OsvPackage>,
    #[serde(default)]
    ranges: Vec<OsvRange>,
    #[serde(default)]
    versions: Vec<String>,
    #[serde(default)]
    severity: Vec<OsvSeverity>,
    #[serde(default)]
    ecosystem_specific: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct OsvPackage {
    ecosystem: String,
    name: String,
}

#[derive(Deserialize)]
struct OsvRange {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    events: Vec<BTreeMap<String, String>>,
}

/// Ecosystem prefixes kept by the OSV importer (everything else, e.g.
/// `PyPI` or `npm`, is skipped: the host scanner matches OS packages).
pub const OSV_ECOSYSTEMS: &[&str] = &[
    "Debian",
    "Ubuntu",
    "Alpine",
    "Rocky Linux",
    "AlmaLinux",
    "Red Hat",
];

fn string_field(v: &Option<serde_json::Value>, key: &str) -> Option<String> {
    v.as_ref()?
        .get(key)?
        .as_str()
        .map(str::to_string)
        .filter(|s| !s.is_empty())
}

/// Parses one OSV JSON document: a single record, or an array of records.
/// Records that fail to deserialize, are withdrawn, or affect no OS package
/// ecosystem Kexin knows are returned in the skipped list. `file` names the
/// input in [`Skipped`] entries.
pub fn parse_osv(file: &str, bytes: &[u8]) -> (Vec<Advisory>, Vec<Skipped>) {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    let value: serde_json::Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            skipped.push(Skipped {
                file: file.into(),
                id: None,
                reason: format!("invalid JSON: {e}"),
            });
            return (out, skipped);
        }
    };
    let records = match value {
        serde_json::Value::Array(a) => a,
        v => vec![v],
    };
    for rec in records {
        let id_hint = rec.get("id").and_then(|v| v.as_str()).map(str::to_string);
        let rec: OsvRecord = match serde_json::from_value(rec) {
            Ok(r) => r,
            Err(e) => {
                skipped.push(Skipped {
                    file: file.into(),
                    id: id_hint,
                    reason: format!("not an OSV record: {e}"),
                });
                continue;
            }
        };
        match convert_osv(rec) {
            Ok(a) => out.push(a),
            Err((id, reason)) => skipped.push(Skipped {
                file: file.into(),
                id: Some(id),
                reason,
            }),
        }
    }
    (out, skipped)
}

fn convert_osv(rec: OsvRecord) -> Result<Advisory, (String, String)> {
    if rec.withdrawn.is_some() {
        return Err((rec.id, "withdrawn".into()));
    }
    let mut severity: Vec<Severity> = rec
        .severity
        .iter()
        .map(|s| Severity {
            kind: s.kind.clone(),
            score: s.score.clone(),
        })
        .collect();
    if let Some(s) = string_field(&rec.database_specific, "severity") {
        severity.push(Severity {
            kind: "database_specific".into(),
            score: s,
        });
    }
    let mut affected = Vec::new();
    let mut ignored_ranges = 0usize;
    for a in &rec.affected {
        let Some(pkg) = &a.package else { continue };
        let base = pkg.ecosystem.split(':').next().unwrap_or("");
        if !OSV_ECOSYSTEMS.contains(&base) || pkg.name.is_empty() {
            continue;
        }
        for s in &a.severity {
            severity.push(Severity {
                kind: s.kind.clone(),
                score: s.score.clone(),
            });
        }
        let mut ranges = Vec::new();
        for r in &a.ranges {
            if r.kind != "ECOSYSTEM" {
                ignored_ranges += 1;
                continue;
            }
            let mut events = Vec::new();
            for e in &r.events {
                for (k, v) in e {
                    match k.as_str() {
                        "introduced" => events.push(Event::Introduced(v.clone())),
                        "fixed" => events.push(Event::Fixed(v.clone())),
                        "last_affected" => events.push(Event::LastAffected(v.clone())),
                        _ => {} // `limit` only matters for GIT ranges.
                    }
                }
            }
            if !events.is_empty() {
                ranges.push(events);
            }
        }
        if ranges.is_empty() && a.versions.is_empty() {
            continue;
        }
        let urgency = string_field(&a.ecosystem_specific, "urgency");
        affected.push(Affected {
            ecosystem: pkg.ecosystem.clone(),
            package: pkg.name.clone(),
            ranges,
            versions: a.versions.clone(),
            urgency,
        });
    }
    if affected.is_empty() {
        let why = if ignored_ranges > 0 {
            "no ECOSYSTEM range or versions for a supported OS ecosystem (only GIT/SEMVER ranges)"
        } else {
            "no affected package in a supported OS ecosystem"
        };
        return Err((rec.id, why.into()));
    }
    let mut aliases = rec.aliases;
    aliases.extend(rec.upstream);
    aliases.sort();
    aliases.dedup();
    let summary = rec
        .summary
        .filter(|s| !s.trim().is_empty())
        .or_else(|| {
            rec.details
                .as_deref()
                .and_then(|d| d.lines().find(|l| !l.trim().is_empty()))
                .map(|l| l.trim().to_string())
        })
        .unwrap_or_default();
    Ok(Advisory {
        id: rec.id,
        origin: Origin::Osv,
        aliases,
        summary,
        severity,
        affected,
    })
}

// ----------------------------------------------- Debian security tracker ----

/// Debian codenames and their release numbers, for tracker → ecosystem.
pub const DEBIAN_CODENAMES: &[(&str, &str)] = &[
    ("jessie", "8"),
    ("stretch", "9"),
    ("buster", "10"),
    ("bullseye", "11"),
    ("bookworm", "12"),
    ("trixie", "13"),
    ("forky", "14"),
    ("duke", "15"),
];

#[derive(Deserialize)]
struct TrackerEntry {
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    releases: BTreeMap<String, TrackerRelease>,
}

#[derive(Deserialize)]
struct TrackerRelease {
    status: String,
    #[serde(default)]
    fixed_version: Option<String>,
    #[serde(default)]
    urgency: Option<String>,
}

/// Parses the Debian security tracker JSON
/// (`https://security-tracker.debian.org/tracker/data/json`):
/// `{source_package: {issue_id: {description, scope, debianbug, releases:
/// {codename: {status, fixed_version, urgency, repositories}}}}}`.
///
/// One [`Advisory`] per issue id (CVE), with one [`Affected`] per (source
/// package, release). Status rules per release:
///
/// * `resolved` with `fixed_version` `0` — never affected: dropped;
/// * `resolved` with a version — affected below it (`introduced 0`, `fixed
///   v`);
/// * `open` / `undetermined` — affected in every version, no fix yet;
/// * anything else (or `resolved` without a version) — skipped, reported.
///
/// `sid` and `experimental` are not releases an installed host reports in
/// os-release, so they are dropped silently. Issue ids that are not CVEs
/// (`TEMP-...`, `DSA-...`) are kept; the tracker uses `TEMP-` ids for
/// unassigned issues. `urgency` `unimportant` is kept (the matcher lets the
/// caller decide) as the per-package urgency. `end-of-life` urgency is kept
/// too (the package is unsupported in that release).
///
/// `Err` (with serde's message) when the document as a whole is not of this
/// shape; a malformed single entry is skipped and reported instead.
pub fn parse_debian_tracker(
    file: &str,
    bytes: &[u8],
) -> Result<(Vec<Advisory>, Vec<Skipped>), String> {
    let mut skipped = Vec::new();
    let top: BTreeMap<String, BTreeMap<String, serde_json::Value>> = serde_json::from_slice(bytes)
        .map_err(|e| format!("not a Debian security tracker JSON document: {e}"))?;
    let mut by_id: BTreeMap<String, Advisory> = BTreeMap::new();
    for (package, issues) in top {
        for (issue, value) in issues {
            let rid = format!("{package}/{issue}");
            let entry: TrackerEntry = match serde_json::from_value(value) {
                Ok(e) => e,
                Err(e) => {
                    skipped.push(Skipped {
                        file: file.into(),
                        id: Some(rid),
                        reason: format!("malformed entry: {e}"),
                    });
                    continue;
                }
            };
            let adv = by_id.entry(issue.clone()).or_insert_with(|| Advisory {
                id: issue.clone(),
                origin: Origin::DebianTracker,
                aliases: if issue.starts_with("CVE-") {
                    vec![issue.clone()]
                } else {
                    Vec::new()
                },
                summary: String::new(),
                severity: Vec::new(),
                affected: Vec::new(),
            });
            if adv.summary.is_empty()
                && let Some(d) = &entry.description
            {
                adv.summary = d.trim().to_string();
            }
            for (codename, rel) in entry.releases {
                if codename == "sid" || codename == "experimental" {
                    continue;
                }
                let ecosystem = match DEBIAN_CODENAMES.iter().find(|(c, _)| *c == codename) {
                    Some((_, n)) => format!("Debian:{n}"),
                    None => format!("Debian:{codename}"),
                };
                let fixed = rel.fixed_version.filter(|v| !v.trim().is_empty());
                let ranges = match (rel.status.as_str(), fixed) {
                    ("resolved", Some(v)) if v == "0" => continue,
                    ("resolved", Some(v)) => {
                        vec![vec![Event::Introduced("0".into()), Event::Fixed(v)]]
                    }
                    ("open" | "undetermined", _) => vec![vec![Event::Introduced("0".into())]],
                    (status, _) => {
                        skipped.push(Skipped {
                            file: file.into(),
                            id: Some(format!("{rid}/{codename}")),
                            reason: format!(
                                "unusable release status {status:?} (resolved needs fixed_version)"
                            ),
                        });
                        continue;
                    }
                };
                adv.affected.push(Affected {
                    ecosystem,
                    package: package.clone(),
                    ranges,
                    versions: Vec::new(),
                    urgency: rel.urgency.filter(|u| !u.is_empty()),
                });
            }
        }
    }
    let advisories = by_id
        .into_values()
        .filter(|a| !a.affected.is_empty())
        .collect();
    Ok((advisories, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aff(ranges: Vec<Vec<Event>>, versions: &[&str]) -> Affected {
        Affected {
            ecosystem: "Debian:12".into(),
            package: "p".into(),
            ranges,
            versions: versions.iter().map(|v| v.to_string()).collect(),
            urgency: None,
        }
    }

    fn verdict(a: &Affected, v: &str) -> Option<Option<String>> {
        match a.evaluate(Scheme::Dpkg, v) {
            Verdict::NotAffected => None,
            Verdict::Affected { fixed } => Some(fixed),
        }
    }

    #[test]
    fn osv_range_semantics() {
        use Event::*;
        // Two intervals: [1.0, 1.2) and [2.0, 2.1); events deliberately unsorted.
        let a = aff(
            vec![vec![
                Introduced("2.0".into()),
                Fixed("1.2".into()),
                Introduced("1.0".into()),
                Fixed("2.1".into()),
            ]],
            &[],
        );
        assert_eq!(verdict(&a, "0.9"), None);
        assert_eq!(verdict(&a, "1.0"), Some(Some("1.2".into())));
        assert_eq!(verdict(&a, "1.1~rc1"), Some(Some("1.2".into())));
        assert_eq!(verdict(&a, "1.2"), None);
        assert_eq!(verdict(&a, "1.9"), None);
        assert_eq!(verdict(&a, "2.0~beta"), None); // ~ sorts before 2.0
        assert_eq!(verdict(&a, "2.0"), Some(Some("2.1".into())));
        assert_eq!(verdict(&a, "2.1"), None);
        // last_affected: inclusive upper bound, no fix.
        let b = aff(
            vec![vec![Introduced("0".into()), LastAffected("1.5-1".into())]],
            &[],
        );
        assert_eq!(verdict(&b, "1.5-1"), Some(None));
        assert_eq!(verdict(&b, "1.5-1+deb12u1"), None);
        // Explicit versions list (with dpkg equality: 1.0 == 1.0-0).
        let c = aff(vec![], &["1.0-0", "1:2.0"]);
        assert_eq!(verdict(&c, "1.0"), Some(None));
        assert_eq!(verdict(&c, "2.0"), None); // no epoch: different version
        // Introduced-only range: everything from there on, no fix yet.
        let d = aff(vec![vec![Introduced("3.0".into())]], &[]);
        assert_eq!(verdict(&d, "2.9"), None);
        assert_eq!(verdict(&d, "99"), Some(None));
        // Two ranges with different fixes: the lowest fix above wins.
        let e = aff(
            vec![
                vec![Introduced("0".into()), Fixed("1.4".into())],
                vec![Introduced("0".into()), Fixed("1.3".into())],
            ],
            &[],
        );
        assert_eq!(verdict(&e, "1.0"), Some(Some("1.3".into())));
        assert_eq!(verdict(&e, "1.3"), Some(Some("1.4".into())));
    }
}
