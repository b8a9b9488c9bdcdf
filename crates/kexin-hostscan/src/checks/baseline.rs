//! Security policy management: what the host is registered to be (its role,
//! listeners, services, accounts and configuration templates), the waivers
//! granted to it, and how this scan compares with the previous one.
//!
//! Three inputs, all plain files so an offline root carries its own:
//!
//! * **Host role register**, [`HOST_ROLE_PATH`] (YAML):
//!   ```yaml
//!   role: web
//!   listeners: [tcp/22, tcp/443]      # non-loopback ports allowed to listen
//!   services: []                      # optional services (cups.service…) allowed to run
//!   shared_accounts: [deploy]         # accounts nobody may log in to directly
//!   break_glass: [alice]              # local login accounts allowed beside a directory
//!   peers: [10.0.0.10]                # east-west peers the firewall may admit
//!   templates:                        # sha256 of the managed configuration files
//!     /etc/ssh/sshd_config: 3f9c…
//!   ```
//! * **Waiver register**, [`WAIVERS_PATH`] (YAML list):
//!   ```yaml
//!   - check: host.service.listening-sockets
//!     owner: ops@example.com
//!     reason: legacy monitoring agent on 9100
//!     compensating_control: nftables admits 9100 from the monitoring host only
//!     ticket: CHG-1042
//!     approved: 2026-06-01
//!     expires: 2027-05-31
//!   ```
//! * **The previous scan**: a `kexin scan host --format json` output, given
//!   with `--baseline FILE` or kept at [`LAST_SCAN_PATH`] in the root.

use std::collections::{BTreeMap, HashMap};

use kexin_core::CheckStatus;
use serde::Deserialize;
use serde_saphyr::Spanned;
use sha2::{Digest, Sha256};

use super::{CHECKS, Evidence, Host, Outcome, Profile, error, fail, not_applicable, verdict};
use crate::root::ReadError;

/// The host role register inside the root.
pub const HOST_ROLE_PATH: &str = "/etc/kexin/host-role.yaml";
/// The waiver register inside the root.
pub const WAIVERS_PATH: &str = "/etc/kexin/waivers.yaml";
/// Where the previous scan is kept inside the root when `--baseline` is not given.
pub const LAST_SCAN_PATH: &str = "/var/lib/kexin/last-scan.json";

const DAY: i64 = 86_400;

/// Why a register or baseline could not be used; names the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BaselineError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
}

/// The previous scan this one is compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    /// Where it came from (a host path for `--baseline`, else the in-root path).
    pub source: String,
    pub profile: Profile,
    /// When it ran, Unix seconds (0 if the file predates the field).
    pub started_at: i64,
    pub results: BTreeMap<String, CheckStatus>,
}

#[derive(Deserialize)]
struct PreviousScan {
    profile: Profile,
    #[serde(default)]
    started_at: i64,
    results: Vec<PreviousResult>,
}

#[derive(Deserialize)]
struct PreviousResult {
    id: String,
    status: CheckStatus,
}

impl Baseline {
    /// Parses a `kexin scan host --format json` output; `source` names it in errors and evidence.
    pub fn from_json(source: &str, bytes: &[u8]) -> Result<Baseline, BaselineError> {
        let prev: PreviousScan =
            serde_json::from_slice(bytes).map_err(|e| BaselineError::Invalid {
                file: source.to_string(),
                message: format!("not a kexin scan JSON output: {e}"),
            })?;
        Ok(Baseline {
            source: source.to_string(),
            profile: prev.profile,
            started_at: prev.started_at,
            results: prev.results.into_iter().map(|r| (r.id, r.status)).collect(),
        })
    }

    /// Reads a previous scan from a host path (the `--baseline` option).
    pub fn load(path: &std::path::Path) -> Result<Baseline, BaselineError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| BaselineError::Invalid {
            file: shown.clone(),
            message: e.to_string(),
        })?;
        Baseline::from_json(&shown, &bytes)
    }
}

/// The host role register ([`HOST_ROLE_PATH`]).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HostRole {
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub listeners: Vec<String>,
    #[serde(default)]
    pub services: Vec<String>,
    #[serde(default)]
    pub shared_accounts: Vec<String>,
    #[serde(default)]
    pub break_glass: Vec<String>,
    #[serde(default)]
    pub peers: Vec<String>,
    #[serde(default)]
    pub templates: BTreeMap<String, String>,
}

impl HostRole {
    /// Is `proto/port` (`tcp/22`) a registered listener?
    pub fn allows_listener(&self, proto: &str, port: u16) -> bool {
        let want = format!("{proto}/{port}");
        self.listeners.iter().any(|l| l.eq_ignore_ascii_case(&want))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Waiver {
    pub check: Spanned<String>,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub compensating_control: String,
    #[serde(default)]
    pub ticket: String,
    #[serde(default)]
    pub approved: String,
    #[serde(default)]
    pub expires: String,
}

pub(super) type Waivers = Vec<Waiver>;

fn parse_yaml<T: serde::de::DeserializeOwned>(
    h: &Host,
    path: &str,
) -> Result<Option<T>, BaselineError> {
    let Some(t) = h.root.read_optional(path)? else {
        return Ok(None);
    };
    serde_saphyr::from_str(&t.text)
        .map(Some)
        .map_err(|e| BaselineError::Invalid {
            file: path.to_string(),
            message: e.to_string(),
        })
}

impl Host<'_> {
    pub(super) fn host_role(&self) -> Result<Option<&HostRole>, &BaselineError> {
        self.host_role
            .get_or_init(|| parse_yaml(self, HOST_ROLE_PATH))
            .as_ref()
            .map(Option::as_ref)
    }

    pub(super) fn waivers(&self) -> Result<Option<&Waivers>, &BaselineError> {
        self.waivers
            .get_or_init(|| parse_yaml(self, WAIVERS_PATH))
            .as_ref()
            .map(Option::as_ref)
    }

    fn baseline(&self) -> Result<Option<&Baseline>, &BaselineError> {
        if let Some(b) = self.given_baseline {
            return Ok(Some(b));
        }
        self.baseline
            .get_or_init(|| match self.root.read_optional(LAST_SCAN_PATH) {
                Ok(Some(t)) => Baseline::from_json(LAST_SCAN_PATH, t.text.as_bytes()).map(Some),
                Ok(None) => Ok(None),
                Err(e) => Err(e.into()),
            })
            .as_ref()
            .map(Option::as_ref)
    }
}

pub(super) fn register_error(e: &BaselineError) -> Outcome {
    match e {
        BaselineError::Read(r) => error(r),
        BaselineError::Invalid { .. } => Outcome {
            status: CheckStatus::Error,
            message: format!("could not use the register: {e}"),
            evidence: Vec::new(),
        },
    }
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date.
fn days_from_date(s: &str) -> Option<i64> {
    let mut it = s.trim().splitn(3, '-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next()?.parse().ok()?;
    let d: i64 = it.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(crate::parse::days_from_civil(y, m, d))
}

fn no_baseline() -> Outcome {
    not_applicable(format!(
        "no previous scan: pass --baseline FILE or keep the last scan's JSON at {LAST_SCAN_PATH}"
    ))
}

pub(super) fn scan_freshness(h: &Host) -> Outcome {
    let b = match h.baseline() {
        Ok(Some(b)) => b,
        Ok(None) => return no_baseline(),
        Err(e) => return register_error(e),
    };
    let age_days = (h.now - b.started_at) / DAY;
    let missing: Vec<&str> = CHECKS
        .iter()
        .map(|c| c.id)
        .filter(|id| !b.results.contains_key(*id))
        .collect();
    let mut bad = Vec::new();
    let detail = format!(
        "{} profile, {} results, {age_days} days before this scan",
        match b.profile {
            Profile::Basic => "basic",
            Profile::Enhanced => "enhanced",
        },
        b.results.len()
    );
    if b.started_at == 0 || age_days > 7 {
        bad.push(Evidence::file(
            &b.source,
            format!("{detail}: older than 7 days"),
        ));
    }
    if b.profile != Profile::Enhanced || !missing.is_empty() {
        bad.push(Evidence::file(
            &b.source,
            format!(
                "incomplete: {} profile, {} checks missing ({})",
                if b.profile == Profile::Enhanced {
                    "enhanced"
                } else {
                    "basic"
                },
                missing.len(),
                missing
                    .iter()
                    .take(5)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    verdict(
        bad,
        "a complete baseline scan ran within the last 7 days",
        "the last complete baseline scan is missing or stale",
        vec![Evidence::file(&b.source, detail)],
    )
}

/// Waivers in effect at `now` that carry a ticket, by check id.
fn tickets(waivers: Option<&Waivers>, now: i64) -> HashMap<&str, &str> {
    waivers
        .into_iter()
        .flatten()
        .filter(|w| !w.ticket.trim().is_empty())
        .filter(|w| days_from_date(&w.expires).is_some_and(|d| d * DAY >= now))
        .map(|w| (w.check.value.as_str(), w.ticket.as_str()))
        .collect()
}

/// Must run after every other check: it compares their results with the baseline.
pub(super) fn drift(h: &Host) -> Outcome {
    let b = match h.baseline() {
        Ok(Some(b)) => b,
        Ok(None) => return no_baseline(),
        Err(e) => return register_error(e),
    };
    let waivers = match h.waivers() {
        Ok(w) => w,
        Err(e) => return register_error(e),
    };
    let linked = tickets(waivers, h.now);
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    for (id, now_status) in h.results.borrow().iter() {
        if *now_status != CheckStatus::Fail || b.results.get(*id) != Some(&CheckStatus::Pass) {
            continue;
        }
        match linked.get(id) {
            Some(t) => seen.push(Evidence::file(
                WAIVERS_PATH,
                format!("{id}: pass → fail, linked to {t}"),
            )),
            None => bad.push(Evidence::file(
                &b.source,
                format!("{id}: passed in the baseline, fails now, no ticket in {WAIVERS_PATH}"),
            )),
        }
    }
    verdict(
        bad,
        "every check that newly fails is linked to a change or remediation ticket",
        "checks newly fail without a linked ticket",
        seen,
    )
}

pub(super) fn waiver_expiry(h: &Host) -> Outcome {
    let waivers = match h.waivers() {
        Ok(Some(w)) => w,
        Ok(None) => return not_applicable(format!("no waiver register ({WAIVERS_PATH})")),
        Err(e) => return register_error(e),
    };
    let today = h.now.div_euclid(DAY);
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    for w in waivers {
        let line = w.check.referenced.line() as usize;
        let id = &w.check.value;
        let mut wrong = Vec::new();
        for (field, v) in [
            ("owner", &w.owner),
            ("reason", &w.reason),
            ("compensating_control", &w.compensating_control),
        ] {
            if v.trim().is_empty() {
                wrong.push(format!("no {field}"));
            }
        }
        match (days_from_date(&w.approved), days_from_date(&w.expires)) {
            (Some(a), Some(e)) => {
                if e - a > 366 {
                    wrong.push(format!(
                        "expires {} more than 12 months after approval {}",
                        w.expires, w.approved
                    ));
                }
                if e < today {
                    wrong.push(format!("expired on {}", w.expires));
                }
            }
            _ => wrong.push("approved and expires must be YYYY-MM-DD dates".into()),
        }
        if wrong.is_empty() {
            seen.push(Evidence::at(
                WAIVERS_PATH,
                line,
                format!("{id}: until {}", w.expires),
            ));
        } else {
            bad.push(Evidence::at(
                WAIVERS_PATH,
                line,
                format!("{id}: {}", wrong.join("; ")),
            ));
        }
    }
    verdict(
        bad,
        "every waiver is owned, justified, compensated and within its 12-month term",
        "waivers are incomplete, too long or expired",
        seen,
    )
}

/// The security-relevant configuration whose content a host role fixes.
const MANAGED_PATTERNS: &[&str] = &[
    "/etc/ssh/sshd_config",
    "/etc/ssh/sshd_config.d/*.conf",
    "/etc/sudoers",
    "/etc/sudoers.d/*",
    "/etc/pam.d/*",
    "/etc/audit/auditd.conf",
    "/etc/audit/rules.d/*.rules",
    "/etc/nftables.conf",
    "/etc/iptables/rules.v4",
    "/etc/iptables/rules.v6",
    "/etc/sysctl.conf",
    "/etc/sysctl.d/*.conf",
];

pub(super) fn config_managed(h: &Host) -> Outcome {
    let role = match h.host_role() {
        Ok(Some(r)) => r,
        Ok(None) => {
            return fail(
                "no host role is registered, so no configuration template applies",
                vec![Evidence::file(HOST_ROLE_PATH, "absent")],
            );
        }
        Err(e) => return register_error(e),
    };
    let mut present = Vec::new();
    for p in MANAGED_PATTERNS {
        match h.root.glob(p) {
            Ok(files) => present.extend(files),
            Err(e) => return error(&e),
        }
    }
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    for f in &present {
        let bytes = match h.root.read_bytes(f) {
            Ok(b) => b,
            Err(ReadError::NotAFile { .. }) => continue,
            Err(e) => return error(&e),
        };
        let hash = hex_sha256(&bytes);
        match role.templates.get(f) {
            Some(want) if want.eq_ignore_ascii_case(&hash) => {
                seen.push(Evidence::file(f, "matches the template"))
            }
            Some(want) => bad.push(Evidence::file(
                f,
                format!(
                    "sha256 {} differs from the {} template {}",
                    &hash[..16],
                    role.role,
                    want.get(..16).unwrap_or(want)
                ),
            )),
            None => bad.push(Evidence::file(
                f,
                format!("not in the {} role's templates", role.role),
            )),
        }
    }
    for f in role.templates.keys() {
        if !present.contains(f) {
            bad.push(Evidence::file(f, "registered template, file absent"));
        }
    }
    if role.templates.is_empty() {
        bad.push(Evidence::file(HOST_ROLE_PATH, "no templates registered"));
    }
    verdict(
        bad,
        "security configuration matches the host role's templates",
        "security configuration differs from the host role's templates",
        seen,
    )
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_count_days_from_the_epoch() {
        assert_eq!(days_from_date("1970-01-01"), Some(0));
        assert_eq!(days_from_date("2000-03-01"), Some(11_017));
        assert_eq!(days_from_date("2026-11-24"), Some(20_781));
        assert_eq!(days_from_date("2026-13-01"), None);
        assert_eq!(days_from_date("soon"), None);
    }

    #[test]
    fn a_baseline_that_is_not_a_scan_names_its_file() {
        let e = Baseline::from_json("/tmp/b.json", b"{\"x\":1}").unwrap_err();
        assert!(e.to_string().starts_with("/tmp/b.json: "), "{e}");
        let b = Baseline::from_json(
            "b",
            br#"{"profile":"enhanced","started_at":5,"results":[{"id":"a","status":"fail"}]}"#,
        )
        .unwrap();
        assert_eq!(b.results["a"], CheckStatus::Fail);
    }
}
