//! The checks of the cloud-host standard, run against a [`Root`].
//!
//! Each check is plain data plus a function: its catalog id (from
//! `catalog/checks.yaml`), severity, the level of the cloud-host standard it
//! belongs to, why it matters and how to fix it. A check never fails the
//! scan: what it cannot read it reports as [`CheckStatus::Error`] with the
//! reason, and the scan goes on. Evidence names the file and line (or the
//! live value) that decided the result.

use std::cell::{OnceCell, RefCell};
use std::time::Instant;

use kexin_core::{CheckStatus, Level, Severity};
use serde::Serialize;

use crate::parse::accounts::{Accounts, PasswordState};
use crate::parse::apache::ApacheConfig;
use crate::parse::auditd::AuditRules;
use crate::parse::base64_decode;
use crate::parse::login_defs::LoginDefs;
use crate::parse::nginx::NginxConfig;
use crate::parse::pam::{PamConfig, PamType};
use crate::parse::sshd::{Effective, SshdConfig};
use crate::parse::sudoers::Sudoers;
use crate::parse::sysctl::{SysctlConfig, live_value};
use crate::root::{ReadError, Root};

mod baseline;
mod identity;
mod keys;
mod logs;
mod network;
mod ops;
mod tls;
mod walk;

pub use baseline::{Baseline, BaselineError, HOST_ROLE_PATH, LAST_SCAN_PATH, WAIVERS_PATH};

/// What a check saw, with where it saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// File in the target, or `live:<what>` for a value read from the running host.
    pub file: String,
    pub line: Option<usize>,
    pub detail: String,
}

impl Evidence {
    /// Evidence at a 1-based line of a file (0: the file as a whole).
    pub fn at(file: &str, line: usize, detail: impl Into<String>) -> Evidence {
        Evidence {
            file: file.to_string(),
            line: (line > 0).then_some(line),
            detail: detail.into(),
        }
    }

    /// Evidence about a file as a whole (no line).
    pub fn file(file: &str, detail: impl Into<String>) -> Evidence {
        Evidence {
            file: file.to_string(),
            line: None,
            detail: detail.into(),
        }
    }
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    pub id: &'static str,
    pub status: CheckStatus,
    pub severity: Severity,
    /// One sentence: what passed or what is wrong.
    pub message: String,
    pub evidence: Vec<Evidence>,
}

/// A check's description and code.
pub struct Check {
    /// Catalog id, e.g. `host.login.root-ssh`.
    pub id: &'static str,
    pub severity: Severity,
    /// The lowest profile that runs it: basic (the 10 basic items) or enhanced.
    pub level: Level,
    pub rationale: &'static str,
    pub remediation: &'static str,
    run: fn(&Host) -> Outcome,
}

/// What a check function decides.
struct Outcome {
    status: CheckStatus,
    message: String,
    evidence: Vec<Evidence>,
}

fn pass(message: impl Into<String>, evidence: Vec<Evidence>) -> Outcome {
    Outcome {
        status: CheckStatus::Pass,
        message: message.into(),
        evidence,
    }
}

fn fail(message: impl Into<String>, evidence: Vec<Evidence>) -> Outcome {
    Outcome {
        status: CheckStatus::Fail,
        message: message.into(),
        evidence,
    }
}

fn verdict(problems: Vec<Evidence>, ok: &str, bad: &str, seen: Vec<Evidence>) -> Outcome {
    if problems.is_empty() {
        pass(ok, seen)
    } else {
        fail(format!("{bad} ({} found)", problems.len()), problems)
    }
}

fn error(e: &ReadError) -> Outcome {
    Outcome {
        status: CheckStatus::Error,
        message: format!("could not read what the check needs: {e}"),
        evidence: Vec::new(),
    }
}

fn not_applicable(why: impl Into<String>) -> Outcome {
    Outcome {
        status: CheckStatus::NotApplicable,
        message: why.into(),
        evidence: Vec::new(),
    }
}

/// What a scan needs besides the root.
pub struct ScanOptions<'a> {
    pub profile: Profile,
    /// Unix seconds the scan counts as "now" (ages of logs, certificates,
    /// waivers and the previous scan are measured from it).
    pub now: i64,
    /// The previous scan to compare with; `None`: the root's
    /// [`LAST_SCAN_PATH`] if it holds one.
    pub baseline: Option<Baseline>,
    /// Advisories for `host.patch.known-vulnerabilities`.
    pub vulndb: Option<&'a kexin_vulndb::VulnDb>,
}

impl ScanOptions<'_> {
    /// `profile`, the current time, no baseline file and no advisory database.
    pub fn new(profile: Profile) -> ScanOptions<'static> {
        ScanOptions {
            profile,
            now: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
            baseline: None,
            vulndb: None,
        }
    }
}

/// The target and its configuration, each parsed at most once per scan.
pub struct Host<'r> {
    pub root: &'r Root,
    now: i64,
    vulndb: Option<&'r kexin_vulndb::VulnDb>,
    given_baseline: Option<&'r Baseline>,
    baseline: OnceCell<Result<Option<Baseline>, BaselineError>>,
    host_role: OnceCell<Result<Option<baseline::HostRole>, BaselineError>>,
    waivers: OnceCell<Result<Option<baseline::Waivers>, BaselineError>>,
    patch: OnceCell<Vec<CheckResult>>,
    sockets: OnceCell<Result<Vec<network::Listener>, ReadError>>,
    walk: OnceCell<walk::Walk>,
    /// Results of the checks run so far (drift compares them with the baseline).
    results: RefCell<Vec<(&'static str, CheckStatus)>>,
    sshd: OnceCell<Result<SshdConfig, ReadError>>,
    accounts: OnceCell<Accounts>,
    login_defs: OnceCell<Result<LoginDefs, ReadError>>,
    pam: OnceCell<Result<PamConfig, ReadError>>,
    sysctl: OnceCell<SysctlConfig>,
    audit: OnceCell<AuditRules>,
    sudoers: OnceCell<Result<Sudoers, ReadError>>,
    web: OnceCell<(Option<NginxConfig>, Option<ApacheConfig>)>,
}

impl<'r> Host<'r> {
    fn new(
        root: &'r Root,
        now: i64,
        vulndb: Option<&'r kexin_vulndb::VulnDb>,
        given_baseline: Option<&'r Baseline>,
    ) -> Host<'r> {
        Host {
            root,
            now,
            vulndb,
            given_baseline,
            baseline: OnceCell::new(),
            host_role: OnceCell::new(),
            waivers: OnceCell::new(),
            patch: OnceCell::new(),
            sockets: OnceCell::new(),
            walk: OnceCell::new(),
            results: RefCell::new(Vec::new()),
            sshd: OnceCell::new(),
            accounts: OnceCell::new(),
            login_defs: OnceCell::new(),
            pam: OnceCell::new(),
            sysctl: OnceCell::new(),
            audit: OnceCell::new(),
            sudoers: OnceCell::new(),
            web: OnceCell::new(),
        }
    }

    fn sshd(&self) -> Result<&SshdConfig, &ReadError> {
        self.sshd
            .get_or_init(|| SshdConfig::load(self.root))
            .as_ref()
    }

    fn accounts(&self) -> &Accounts {
        self.accounts.get_or_init(|| Accounts::load(self.root))
    }

    fn login_defs(&self) -> Result<&LoginDefs, &ReadError> {
        self.login_defs
            .get_or_init(|| LoginDefs::load(self.root))
            .as_ref()
    }

    fn pam(&self) -> Result<&PamConfig, &ReadError> {
        self.pam.get_or_init(|| PamConfig::load(self.root)).as_ref()
    }

    fn sysctl(&self) -> &SysctlConfig {
        self.sysctl.get_or_init(|| SysctlConfig::load(self.root))
    }

    fn audit(&self) -> &AuditRules {
        self.audit.get_or_init(|| AuditRules::load(self.root))
    }

    fn sudoers(&self) -> Result<&Sudoers, &ReadError> {
        self.sudoers
            .get_or_init(|| Sudoers::load(self.root))
            .as_ref()
    }

    /// nginx and Apache configurations, where present.
    fn web(&self) -> (Option<&NginxConfig>, Option<&ApacheConfig>) {
        let (n, a) = self.web.get_or_init(|| {
            (
                NginxConfig::load(self.root).ok(),
                ApacheConfig::load(self.root).ok(),
            )
        });
        (n.as_ref(), a.as_ref())
    }

    /// The web server configurations, or `None` when the host has neither
    /// nginx nor Apache (the web checks are then not applicable).
    fn web_servers(&self) -> Option<(Option<&NginxConfig>, Option<&ApacheConfig>)> {
        let (n, a) = self.web();
        (n.is_some() || a.is_some()).then_some((n, a))
    }
}

const NO_WEB_SERVER: &str = "no nginx or Apache configuration on this host";

fn setting_evidence(e: &Effective, keyword: &str, shown: &str) -> Evidence {
    match e.get(keyword) {
        Some(s) => Evidence::at(&s.loc.file, s.loc.line, format!("{keyword} {}", s.value())),
        None => Evidence::file(
            "/etc/ssh/sshd_config",
            format!("{keyword} not set: default {shown}"),
        ),
    }
}

/// Runs `f` on sshd's global settings and those of every `Match` block; the
/// check passes only if it passes for all of them.
fn sshd_check(
    h: &Host,
    f: impl Fn(&Effective) -> Result<Vec<Evidence>, Vec<Evidence>>,
    ok: &str,
    bad: &str,
) -> Outcome {
    let cfg = match h.sshd() {
        Ok(c) => c,
        Err(ReadError::NotFound { .. }) => {
            return not_applicable(
                "sshd is not configured on this host (/etc/ssh/sshd_config is absent)",
            );
        }
        Err(e) => return error(e),
    };
    let mut views = vec![cfg.global()];
    // Each Match block as it would apply on its own: its first value of a
    // keyword over the global one.
    for i in 0..cfg.matches.len() {
        let mut e = cfg.global();
        let mut set = std::collections::HashSet::new();
        for d in cfg.directives.iter().filter(|d| d.match_block == Some(i)) {
            if set.insert(d.keyword.clone()) {
                e.settings.insert(
                    d.keyword.clone(),
                    vec![crate::parse::sshd::Setting {
                        args: d.args.clone(),
                        loc: d.loc.clone(),
                        match_block: Some(i),
                    }],
                );
            }
        }
        views.push(e);
    }
    let mut seen = Vec::new();
    let mut bad_evidence = Vec::new();
    let add = |into: &mut Vec<Evidence>, ev: Vec<Evidence>| {
        for e in ev {
            if !into.contains(&e) {
                into.push(e);
            }
        }
    };
    for v in &views {
        match f(v) {
            Ok(ev) => add(&mut seen, ev),
            Err(ev) => add(&mut bad_evidence, ev),
        }
    }
    if bad_evidence.is_empty() {
        pass(ok, seen)
    } else {
        fail(bad, bad_evidence)
    }
}

// ---- SSH -------------------------------------------------------------

fn ssh_root_login(h: &Host) -> Outcome {
    sshd_check(
        h,
        |e| {
            let v = e.value_or_default("permitrootlogin").unwrap_or_default();
            let ev = vec![setting_evidence(e, "PermitRootLogin", "prohibit-password")];
            if v.eq_ignore_ascii_case("no") {
                Ok(ev)
            } else {
                Err(ev)
            }
        },
        "root cannot log in over SSH",
        "root may log in over SSH (PermitRootLogin is not no)",
    )
}

fn ssh_auth_limits(h: &Host) -> Outcome {
    sshd_check(
        h,
        |e| {
            let tries = e.int("maxauthtries").unwrap_or(6);
            let grace = e.seconds("logingracetime").unwrap_or(120);
            let ev = vec![
                setting_evidence(e, "MaxAuthTries", "6"),
                setting_evidence(e, "LoginGraceTime", "120"),
            ];
            if tries <= 4 && (1..=60).contains(&grace) {
                Ok(ev)
            } else {
                Err(ev)
            }
        },
        "MaxAuthTries ≤ 4 and LoginGraceTime ≤ 60 s",
        "SSH allows too many authentication attempts or too long a login grace time",
    )
}

fn ssh_auth_methods(h: &Host) -> Outcome {
    sshd_check(
        h,
        |e| {
            let ok = e.yes_no("hostbasedauthentication") != Some(true)
                && e.yes_no("ignorerhosts") != Some(false)
                && e.yes_no("permituserenvironment") != Some(true);
            let ev = vec![
                setting_evidence(e, "HostbasedAuthentication", "no"),
                setting_evidence(e, "IgnoreRhosts", "yes"),
                setting_evidence(e, "PermitUserEnvironment", "no"),
            ];
            if ok { Ok(ev) } else { Err(ev) }
        },
        "host-based authentication, rhosts and user environments are off",
        "SSH trusts host-based authentication, rhosts or user environment files",
    )
}

fn ssh_key_only(h: &Host) -> Outcome {
    sshd_check(
        h,
        |e| {
            let password = e.yes_no("passwordauthentication").unwrap_or(true);
            let kbd = e
                .yes_no("kbdinteractiveauthentication")
                .or_else(|| e.yes_no("challengeresponseauthentication"))
                .unwrap_or(true);
            // AuthenticationMethods that demand a key in every alternative
            // make the other methods a second factor, not a way in.
            let key_always = e.get("authenticationmethods").is_some_and(|s| {
                !s.args.is_empty()
                    && s.args
                        .iter()
                        .all(|alt| alt.split(',').any(|m| m == "publickey"))
            });
            let mut ev = vec![
                setting_evidence(e, "PasswordAuthentication", "yes"),
                setting_evidence(e, "KbdInteractiveAuthentication", "yes"),
            ];
            if key_always {
                ev.push(setting_evidence(e, "AuthenticationMethods", "any"));
            }
            if key_always || (!password && !kbd) {
                Ok(ev)
            } else {
                Err(ev)
            }
        },
        "SSH accepts keys only",
        "SSH still accepts passwords or keyboard-interactive authentication",
    )
}

fn ssh_idle_timeout(h: &Host) -> Outcome {
    sshd_check(
        h,
        |e| {
            let interval = e.seconds("clientaliveinterval").unwrap_or(0);
            let count = e.int("clientalivecountmax").unwrap_or(3).max(0) as u64;
            let ev = vec![
                setting_evidence(e, "ClientAliveInterval", "0"),
                setting_evidence(e, "ClientAliveCountMax", "3"),
            ];
            if (1..=900).contains(&interval) && count >= 1 && interval * count <= 900 {
                Ok(ev)
            } else {
                Err(ev)
            }
        },
        "idle SSH sessions end within 15 minutes",
        "idle SSH sessions are not ended within 15 minutes (ClientAliveInterval × ClientAliveCountMax)",
    )
}

fn ssh_access_list(h: &Host) -> Outcome {
    sshd_check(
        h,
        |e| {
            let set: Vec<Evidence> = ["AllowUsers", "AllowGroups", "DenyUsers", "DenyGroups"]
                .iter()
                .filter_map(|k| {
                    e.get(k).map(|s| {
                        Evidence::at(&s.loc.file, s.loc.line, format!("{k} {}", s.value()))
                    })
                })
                .collect();
            if set.is_empty() {
                Err(vec![Evidence::file(
                    "/etc/ssh/sshd_config",
                    "none of AllowUsers, AllowGroups, DenyUsers, DenyGroups is set",
                )])
            } else {
                Ok(set)
            }
        },
        "SSH logins are limited to listed users or groups",
        "any account may try to log in over SSH",
    )
}

const GOOD_CIPHERS: &[&str] = &[
    "chacha20-poly1305@openssh.com",
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
    "aes128-ctr",
    "aes192-ctr",
    "aes256-ctr",
];
const GOOD_MACS: &[&str] = &[
    "hmac-sha2-256",
    "hmac-sha2-512",
    "hmac-sha2-256-etm@openssh.com",
    "hmac-sha2-512-etm@openssh.com",
    "umac-128-etm@openssh.com",
];
const WEAK_KEX: &[&str] = &[
    "diffie-hellman-group1-sha1",
    "diffie-hellman-group14-sha1",
    "diffie-hellman-group-exchange-sha1",
];

fn algorithms(
    h: &Host,
    keyword: &'static str,
    list: fn(&Effective) -> Vec<String>,
    bad: fn(&str) -> bool,
    what: &str,
) -> Outcome {
    sshd_check(
        h,
        |e| {
            let weak: Vec<String> = list(e).into_iter().filter(|a| bad(a)).collect();
            let mut ev = setting_evidence(e, keyword, "OpenSSH defaults");
            if weak.is_empty() {
                Ok(vec![ev])
            } else {
                ev.detail = format!("{} — weak: {}", ev.detail, weak.join(", "));
                Err(vec![ev])
            }
        },
        &format!("only strong SSH {what} are enabled"),
        &format!("weak SSH {what} are enabled"),
    )
}

fn ssh_ciphers(h: &Host) -> Outcome {
    algorithms(
        h,
        "Ciphers",
        Effective::ciphers,
        |a| !GOOD_CIPHERS.contains(&a),
        "ciphers",
    )
}

fn ssh_macs(h: &Host) -> Outcome {
    algorithms(
        h,
        "MACs",
        Effective::macs,
        |a| !GOOD_MACS.contains(&a),
        "MACs",
    )
}

fn ssh_kex(h: &Host) -> Outcome {
    algorithms(
        h,
        "KexAlgorithms",
        Effective::kex_algorithms,
        |a| WEAK_KEX.contains(&a),
        "key exchange algorithms",
    )
}

fn ssh_host_key_permissions(h: &Host) -> Outcome {
    let keys = match h.root.glob("/etc/ssh/ssh_host_*_key") {
        Ok(k) => k,
        Err(e) => return error(&e),
    };
    if keys.is_empty() {
        return not_applicable("no SSH host keys under /etc/ssh");
    }
    let ssh_keys_gid = h.accounts().group.as_ref().and_then(|g| {
        g.entries
            .iter()
            .find(|e| e.name == "ssh_keys")
            .map(|e| e.gid)
    });
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    for k in &keys {
        let m = match h.root.metadata(k) {
            Ok(m) => m,
            Err(e) => return error(&e),
        };
        let detail = format!(
            "owner uid {} gid {}, mode {:04o}",
            m.uid,
            m.gid,
            m.mode & 0o7777
        );
        let ok = m.uid == 0
            && (m.mode & 0o077 == 0 || (m.mode & 0o037 == 0 && Some(m.gid) == ssh_keys_gid));
        if ok {
            seen.push(Evidence::file(k, detail))
        } else {
            bad.push(Evidence::file(k, detail))
        }
    }
    verdict(
        bad,
        "SSH host private keys are root-owned and private",
        "SSH host private keys readable by others",
        seen,
    )
}

// ---- accounts and passwords ------------------------------------------

fn accounts_uid_zero(h: &Host) -> Outcome {
    let a = h.accounts();
    if a.passwd.is_none() {
        return a
            .errors
            .first()
            .map_or_else(|| not_applicable("/etc/passwd is absent"), error);
    }
    let bad: Vec<Evidence> = a
        .uid0()
        .into_iter()
        .filter(|p| p.name != "root")
        .map(|p| Evidence::at(&p.loc.file, p.loc.line, format!("{} has UID 0", p.name)))
        .collect();
    verdict(
        bad,
        "root is the only account with UID 0",
        "accounts other than root have UID 0",
        Vec::new(),
    )
}

fn accounts_duplicates(h: &Host) -> Outcome {
    let a = h.accounts();
    let Some(passwd) = &a.passwd else {
        return a
            .errors
            .first()
            .map_or_else(|| not_applicable("/etc/passwd is absent"), error);
    };
    let mut bad = Vec::new();
    let mut seen_names = std::collections::HashMap::new();
    let mut seen_uids = std::collections::HashMap::new();
    for p in &passwd.entries {
        if let Some(first) = seen_names.insert(p.name.clone(), p.loc.line) {
            bad.push(Evidence::at(
                &p.loc.file,
                p.loc.line,
                format!("user name {} repeats line {first}", p.name),
            ));
        }
        if let Some(first) = seen_uids.insert(p.uid, p.loc.line) {
            bad.push(Evidence::at(
                &p.loc.file,
                p.loc.line,
                format!("UID {} of {} repeats line {first}", p.uid, p.name),
            ));
        }
    }
    if let Some(group) = &a.group {
        let mut names = std::collections::HashMap::new();
        let mut gids = std::collections::HashMap::new();
        for g in &group.entries {
            if let Some(first) = names.insert(g.name.clone(), g.loc.line) {
                bad.push(Evidence::at(
                    &g.loc.file,
                    g.loc.line,
                    format!("group name {} repeats line {first}", g.name),
                ));
            }
            if let Some(first) = gids.insert(g.gid, g.loc.line) {
                bad.push(Evidence::at(
                    &g.loc.file,
                    g.loc.line,
                    format!("GID {} of {} repeats line {first}", g.gid, g.name),
                ));
            }
        }
    }
    verdict(
        bad,
        "user and group names and ids are unique",
        "duplicate user or group names or ids",
        Vec::new(),
    )
}

fn accounts_empty_password(h: &Host) -> Outcome {
    let a = h.accounts();
    let Some(shadow) = &a.shadow else {
        return a
            .errors
            .first()
            .map_or_else(|| not_applicable("/etc/shadow is absent"), error);
    };
    let mut bad: Vec<Evidence> = shadow
        .entries
        .iter()
        .filter(|s| s.state() == PasswordState::Empty)
        .map(|s| {
            Evidence::at(
                &s.loc.file,
                s.loc.line,
                format!("{} has an empty password", s.name),
            )
        })
        .collect();
    if let Ok(cfg) = h.sshd() {
        let e = cfg.global();
        if e.yes_no("permitemptypasswords") == Some(true) {
            bad.push(setting_evidence(&e, "PermitEmptyPasswords", "no"));
        }
    }
    verdict(
        bad,
        "no account has an empty password",
        "accounts can log in without a password",
        Vec::new(),
    )
}

fn accounts_system_shell(h: &Host) -> Outcome {
    let a = h.accounts();
    let Some(passwd) = &a.passwd else {
        return a
            .errors
            .first()
            .map_or_else(|| not_applicable("/etc/passwd is absent"), error);
    };
    let uid_min = h
        .login_defs()
        .ok()
        .and_then(|d| d.int("UID_MIN"))
        .unwrap_or(1000);
    let exempt = ["root", "sync", "shutdown", "halt"];
    let bad: Vec<Evidence> = passwd
        .entries
        .iter()
        .filter(|p| {
            (p.uid as i64) < uid_min && !exempt.contains(&p.name.as_str()) && !p.has_nologin_shell()
        })
        .map(|p| {
            Evidence::at(
                &p.loc.file,
                p.loc.line,
                format!(
                    "system account {} (UID {}) has shell {}",
                    p.name, p.uid, p.shell
                ),
            )
        })
        .collect();
    verdict(
        bad,
        "system accounts cannot log in",
        "system accounts have login shells",
        Vec::new(),
    )
}

fn password_ageing(h: &Host) -> Outcome {
    let defs = match h.login_defs() {
        Ok(d) => d,
        Err(ReadError::NotFound { .. }) => {
            return fail(
                "/etc/login.defs is absent: no password ageing defaults",
                vec![Evidence::file("/etc/login.defs", "absent")],
            );
        }
        Err(e) => return error(e),
    };
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    for (key, ok) in [
        (
            "PASS_MAX_DAYS",
            (|v: i64| (1..=90).contains(&v)) as fn(i64) -> bool,
        ),
        ("PASS_MIN_DAYS", |v| v >= 1),
        ("PASS_WARN_AGE", |v| v >= 7),
    ] {
        let (v, ev) = match defs.get(key) {
            Some(e) => (
                defs.int(key),
                Evidence::at(&e.loc.file, e.loc.line, format!("{key} {}", e.value)),
            ),
            None => (
                None,
                Evidence::file("/etc/login.defs", format!("{key} not set")),
            ),
        };
        if v.is_some_and(ok) {
            seen.push(ev)
        } else {
            bad.push(ev)
        }
    }
    verdict(
        bad,
        "password ageing: at most 90 days, at least 1 day between changes, 7 days' warning",
        "password ageing is weaker than required",
        seen,
    )
}

fn password_hash_algorithm(h: &Host) -> Outcome {
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    match h.login_defs() {
        Ok(d) => {
            let method = d.encrypt_method().unwrap_or_default().to_ascii_uppercase();
            let ev = d.get("ENCRYPT_METHOD").map_or_else(
                || Evidence::file("/etc/login.defs", "ENCRYPT_METHOD not set"),
                |e| {
                    Evidence::at(
                        &e.loc.file,
                        e.loc.line,
                        format!("ENCRYPT_METHOD {}", e.value),
                    )
                },
            );
            if method == "SHA512" || method == "YESCRYPT" {
                seen.push(ev)
            } else {
                bad.push(ev)
            }
        }
        Err(ReadError::NotFound { .. }) => bad.push(Evidence::file("/etc/login.defs", "absent")),
        Err(e) => return error(e),
    }
    if let Some(shadow) = &h.accounts().shadow {
        for s in &shadow.entries {
            if let PasswordState::Hash(alg) = s.state()
                && !alg.is_strong()
            {
                bad.push(Evidence::at(
                    &s.loc.file,
                    s.loc.line,
                    format!("{} is hashed with {alg:?}", s.name),
                ));
            }
        }
    }
    verdict(
        bad,
        "passwords are hashed with SHA-512 or yescrypt",
        "weak password hashing",
        seen,
    )
}

/// Checks that each present file is root-owned with no more than `max`
/// permission bits; not applicable when none of them exists.
fn root_owned_at_most(
    h: &Host,
    files: &[(&str, u32)],
    none_present: &str,
    ok: &str,
    bad_msg: &str,
) -> Outcome {
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    for &(path, max) in files {
        match h.root.metadata(path) {
            Ok(m) => {
                let detail = format!("owner uid {}, mode {:04o}", m.uid, m.mode & 0o7777);
                if m.uid == 0 && m.mode & 0o7777 & !max == 0 {
                    seen.push(Evidence::file(path, detail))
                } else {
                    bad.push(Evidence::file(
                        path,
                        format!("{detail}; expected root and at most {max:04o}"),
                    ))
                }
            }
            Err(ReadError::NotFound { .. }) => {}
            Err(e) => return error(&e),
        }
    }
    if bad.is_empty() && seen.is_empty() {
        return not_applicable(none_present);
    }
    verdict(bad, ok, bad_msg, seen)
}

fn shadow_permissions(h: &Host) -> Outcome {
    root_owned_at_most(
        h,
        &[
            ("/etc/passwd", 0o644),
            ("/etc/group", 0o644),
            ("/etc/shadow", 0o640),
            ("/etc/gshadow", 0o640),
        ],
        "no account files (/etc/passwd, /etc/shadow…) in this root",
        "account files are root-owned with safe modes",
        "account files have unsafe owners or modes",
    )
}

fn pam_stack_check(
    h: &Host,
    service: &str,
    ty: PamType,
    f: impl Fn(&crate::parse::pam::Stack) -> Result<Vec<Evidence>, Vec<Evidence>>,
    ok: &str,
    bad: &str,
) -> Outcome {
    let pam = match h.pam() {
        Ok(p) => p,
        Err(ReadError::NotFound { .. }) => {
            return not_applicable("no PAM configuration (/etc/pam.d is absent)");
        }
        Err(e) => return error(e),
    };
    match f(&pam.stack(service, ty)) {
        Ok(ev) => pass(ok, ev),
        Err(ev) => fail(bad, ev),
    }
}

fn entry_evidence(e: &crate::parse::pam::PamEntry) -> Evidence {
    Evidence::at(
        &e.loc.file,
        e.loc.line,
        format!("{} {}", e.module, e.args.join(" ")),
    )
}

fn login_faillock(h: &Host) -> Outcome {
    let conf = h
        .root
        .read_optional("/etc/security/faillock.conf")
        .ok()
        .flatten();
    let conf_deny = conf.as_ref().and_then(|t| {
        t.text.lines().enumerate().find_map(|(i, l)| {
            let l = l.trim();
            let v = l
                .strip_prefix("deny")?
                .trim_start()
                .strip_prefix('=')?
                .trim();
            v.parse::<u32>().ok().map(|d| (d, i + 1))
        })
    });
    pam_stack_check(
        h,
        "common-auth",
        PamType::Auth,
        |s| {
            let Some(e) = s.first("pam_faillock.so") else {
                return Err(vec![Evidence::file(
                    "/etc/pam.d/common-auth",
                    "pam_faillock is not in the auth stack",
                )]);
            };
            let deny = e
                .arg("deny")
                .and_then(|d| d.parse::<u32>().ok())
                .or(conf_deny.map(|(d, _)| d))
                .unwrap_or(3);
            let ev = vec![entry_evidence(e)];
            if (1..=5).contains(&deny) {
                Ok(ev)
            } else {
                Err(ev)
            }
        },
        "accounts lock after at most 5 failed logins",
        "failed logins do not lock the account",
    )
}

fn password_quality(h: &Host) -> Outcome {
    let conf = h
        .root
        .read_optional("/etc/security/pwquality.conf")
        .ok()
        .flatten();
    let minlen = conf.as_ref().and_then(|t| {
        t.text.lines().find_map(|l| {
            l.trim()
                .strip_prefix("minlen")?
                .trim_start()
                .strip_prefix('=')?
                .trim()
                .parse::<i64>()
                .ok()
        })
    });
    pam_stack_check(
        h,
        "common-password",
        PamType::Password,
        |s| {
            let Some(e) = s
                .first("pam_pwquality.so")
                .or_else(|| s.first("pam_cracklib.so"))
            else {
                return Err(vec![Evidence::file(
                    "/etc/pam.d/common-password",
                    "neither pam_pwquality nor pam_cracklib is in the password stack",
                )]);
            };
            let len = e
                .arg("minlen")
                .and_then(|v| v.parse::<i64>().ok())
                .or(minlen)
                .unwrap_or(8);
            let ev = vec![entry_evidence(e)];
            if len >= 8 { Ok(ev) } else { Err(ev) }
        },
        "password quality is enforced (pam_pwquality, minimum length ≥ 8)",
        "password quality is not enforced",
    )
}

fn password_history(h: &Host) -> Outcome {
    pam_stack_check(
        h,
        "common-password",
        PamType::Password,
        |s| {
            let hit = s.entries.iter().find(|e| {
                matches!(e.module_name(), "pam_pwhistory.so" | "pam_unix.so")
                    && e.arg("remember")
                        .and_then(|r| r.parse::<u32>().ok())
                        .is_some_and(|r| r >= 5)
            });
            match hit {
                Some(e) => Ok(vec![entry_evidence(e)]),
                None => Err(vec![Evidence::file(
                    "/etc/pam.d/common-password",
                    "no pam_pwhistory/pam_unix with remember >= 5",
                )]),
            }
        },
        "the last 5 passwords cannot be reused",
        "old passwords can be reused",
    )
}

// ---- access, audit, operations ----------------------------------------

/// The parsed sudoers, or the outcome to report when there is none to check.
fn configured_sudoers<'h>(h: &'h Host) -> Result<&'h Sudoers, Outcome> {
    match h.sudoers() {
        Ok(s) => Ok(s),
        Err(ReadError::NotFound { .. }) => Err(not_applicable(
            "sudo is not configured (/etc/sudoers is absent)",
        )),
        Err(e) => Err(error(e)),
    }
}

fn sudoers(h: &Host) -> Outcome {
    let s = match configured_sudoers(h) {
        Ok(s) => s,
        Err(skip) => return skip,
    };
    let mut bad: Vec<Evidence> = s
        .nopasswd_all()
        .into_iter()
        .map(|g| {
            Evidence::at(
                &g.loc.file,
                g.loc.line,
                format!("{} may run ALL without a password", g.who),
            )
        })
        .collect();
    for f in &s.files {
        if let Ok(m) = h.root.metadata(f)
            && (m.uid != 0 || m.mode & 0o7777 & !0o440 != 0)
        {
            bad.push(Evidence::file(
                f,
                format!(
                    "owner uid {}, mode {:04o}; expected root 0440",
                    m.uid,
                    m.mode & 0o7777
                ),
            ));
        }
    }
    verdict(
        bad,
        "sudo requires authentication and its files are root 0440",
        "sudo grants too much or its files are unsafe",
        Vec::new(),
    )
}

fn audit_log_protection(h: &Host) -> Outcome {
    let rules = h.audit();
    if rules.files.is_empty() {
        return fail(
            "no audit rules are configured",
            vec![Evidence::file("/etc/audit/rules.d", "no rules files")],
        );
    }
    let mut bad = Vec::new();
    if !rules.immutable() {
        bad.push(Evidence::file(
            rules
                .files
                .last()
                .map_or("/etc/audit/rules.d", String::as_str),
            "rules do not end with -e 2 (immutable)",
        ));
    }
    match h.root.metadata("/var/log/audit") {
        Ok(m) if m.mode & 0o027 != 0 => bad.push(Evidence::file(
            "/var/log/audit",
            format!("mode {:04o}; expected at most 0750", m.mode & 0o7777),
        )),
        Ok(_) | Err(ReadError::NotFound { .. }) => {}
        Err(e) => return error(&e),
    }
    verdict(
        bad,
        "audit rules are immutable and the audit log directory is private",
        "the audit trail can be changed or read by others",
        Vec::new(),
    )
}

const KERNEL_HARDENING: &[(&str, &str)] = &[
    ("kernel.randomize_va_space", "2"),
    ("kernel.kptr_restrict", "1"),
    ("kernel.dmesg_restrict", "1"),
    ("net.ipv4.tcp_syncookies", "1"),
    ("net.ipv4.conf.all.accept_redirects", "0"),
    ("net.ipv4.conf.all.send_redirects", "0"),
    ("net.ipv4.conf.all.accept_source_route", "0"),
];

fn kernel_hardening(h: &Host) -> Outcome {
    let cfg = h.sysctl();
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    for (key, want) in KERNEL_HARDENING {
        let (value, ev) = if h.root.is_live() {
            match live_value(h.root, key) {
                Ok(v) => (
                    Some(v.trim().to_string()),
                    Evidence::file(
                        &format!("live:/proc/sys/{}", key.replace('.', "/")),
                        format!("{key} = {}", v.trim()),
                    ),
                ),
                Err(e) => (None, Evidence::file(&format!("live:{key}"), e.to_string())),
            }
        } else {
            match cfg.get(key) {
                Some(s) => (
                    Some(s.value.clone()),
                    Evidence::at(&s.loc.file, s.loc.line, format!("{key} = {}", s.value)),
                ),
                None => (
                    None,
                    Evidence::file(
                        "/etc/sysctl.d",
                        format!("{key} not set (kernel default applies)"),
                    ),
                ),
            }
        };
        let ok = value.as_deref().is_some_and(|v| {
            if *key == "kernel.kptr_restrict" {
                v != "0"
            } else {
                v == *want
            }
        });
        if ok { seen.push(ev) } else { bad.push(ev) }
    }
    verdict(
        bad,
        "kernel hardening settings are in place",
        "kernel hardening settings are missing",
        seen,
    )
}

// ---- web ---------------------------------------------------------------

fn web_server_tokens(h: &Host) -> Outcome {
    let Some((nginx, apache)) = h.web_servers() else {
        return not_applicable(NO_WEB_SERVER);
    };
    let mut bad = Vec::new();
    if let Some(n) = &nginx {
        let off = n
            .find_all("server_tokens")
            .iter()
            .any(|f| f.directive.args.first().is_some_and(|a| a == "off"));
        if !off {
            bad.push(Evidence::file(
                "/etc/nginx/nginx.conf",
                "server_tokens off is not set: nginx shows its version",
            ));
        }
    }
    if let Some(a) = &apache {
        for (name, want) in [("ServerTokens", "prod"), ("ServerSignature", "off")] {
            let node = a.global(name);
            if !node.is_some_and(|n| n.args.first().is_some_and(|v| v.eq_ignore_ascii_case(want))) {
                bad.push(node.map_or_else(
                    || {
                        Evidence::file(
                            "/etc/apache2/apache2.conf",
                            format!("{name} is not set to {want}"),
                        )
                    },
                    |n| {
                        Evidence::at(
                            &n.loc.file,
                            n.loc.line,
                            format!("{name} {}", n.args.join(" ")),
                        )
                    },
                ));
            }
        }
    }
    verdict(
        bad,
        "web servers do not reveal their versions",
        "web servers reveal their versions",
        Vec::new(),
    )
}

fn web_directory_listing(h: &Host) -> Outcome {
    let Some((nginx, apache)) = h.web_servers() else {
        return not_applicable(NO_WEB_SERVER);
    };
    let mut bad = Vec::new();
    if let Some(n) = &nginx {
        for f in n
            .find_all("autoindex")
            .into_iter()
            .filter(|f| f.directive.args.first().is_some_and(|a| a == "on"))
        {
            bad.push(Evidence::at(
                &f.directive.loc.file,
                f.directive.loc.line,
                "autoindex on",
            ));
        }
    }
    if let Some(a) = &apache {
        for f in a.find_all("Options") {
            if f.node
                .args
                .iter()
                .any(|o| o.eq_ignore_ascii_case("indexes") || o.eq_ignore_ascii_case("+indexes"))
            {
                bad.push(Evidence::at(
                    &f.node.loc.file,
                    f.node.loc.line,
                    format!("Options {}", f.node.args.join(" ")),
                ));
            }
        }
    }
    verdict(
        bad,
        "no directory listings are enabled",
        "directory listings are enabled",
        Vec::new(),
    )
}

fn tls_versions(h: &Host) -> Outcome {
    let Some((nginx, apache)) = h.web_servers() else {
        return not_applicable(NO_WEB_SERVER);
    };
    let old = ["sslv2", "sslv3", "tlsv1", "tlsv1.1"];
    let mut bad = Vec::new();
    if let Some(n) = &nginx {
        for f in n.find_all("ssl_protocols") {
            if f.directive
                .args
                .iter()
                .any(|p| old.contains(&p.to_ascii_lowercase().as_str()))
            {
                bad.push(Evidence::at(
                    &f.directive.loc.file,
                    f.directive.loc.line,
                    format!("ssl_protocols {}", f.directive.args.join(" ")),
                ));
            }
        }
    }
    if let Some(a) = &apache {
        for f in a.find_all("SSLProtocol") {
            let enables_old = f.node.args.iter().any(|p| {
                let p = p.to_ascii_lowercase();
                let p = p.trim_start_matches('+');
                p == "all"
                    && !f
                        .node
                        .args
                        .iter()
                        .any(|x| x.eq_ignore_ascii_case("-tlsv1.1"))
                    || old.contains(&p)
            });
            if enables_old {
                bad.push(Evidence::at(
                    &f.node.loc.file,
                    f.node.loc.line,
                    format!("SSLProtocol {}", f.node.args.join(" ")),
                ));
            }
        }
    }
    verdict(
        bad,
        "only TLS 1.2 and 1.3 are enabled",
        "old TLS or SSL versions are enabled",
        Vec::new(),
    )
}

// ---- second batch: logs, audit rules, su, updates, time, services -------

/// `key=value` lines (`#` comments), the last assignment winning, with line numbers.
fn key_values(text: &crate::root::FileText, key: &str) -> Option<(String, usize)> {
    text.text
        .lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let l = l.split('#').next()?.trim();
            let (k, v) = l.split_once('=')?;
            (k.trim() == key).then(|| (v.trim().trim_matches('"').to_string(), i + 1))
        })
        .last()
}

fn log_persistent_storage(h: &Host) -> Outcome {
    let mut files = vec!["/etc/systemd/journald.conf".to_string()];
    files.extend(
        h.root
            .glob("/etc/systemd/journald.conf.d/*.conf")
            .unwrap_or_default(),
    );
    let mut storage: Option<(String, Evidence)> = None;
    for f in &files {
        if let Ok(Some(t)) = h.root.read_optional(f)
            && let Some((v, line)) = key_values(&t, "Storage")
        {
            storage = Some((v.clone(), Evidence::at(f, line, format!("Storage={v}"))));
        }
    }
    let journal_dir = h.root.exists("/var/log/journal");
    let (value, ev) = storage.unwrap_or_else(|| {
        (
            "auto".into(),
            Evidence::file(
                "/etc/systemd/journald.conf",
                "Storage not set: default auto",
            ),
        )
    });
    let ok = value == "persistent" || (value == "auto" && journal_dir);
    let ev = vec![
        ev,
        Evidence::file(
            "/var/log/journal",
            if journal_dir { "exists" } else { "absent" },
        ),
    ];
    if ok {
        pass("the journal is kept on disk", ev)
    } else {
        fail("the journal is not kept across reboots", ev)
    }
}

fn audit_watches(h: &Host, paths: &[&[&str]], ok: &str, bad: &str) -> Outcome {
    let rules = h.audit();
    if rules.files.is_empty() {
        return fail(
            "no audit rules are configured",
            vec![Evidence::file("/etc/audit/rules.d", "no rules files")],
        );
    }
    let mut missing = Vec::new();
    let mut seen = Vec::new();
    for alternatives in paths {
        let found = alternatives.iter().find_map(|p| {
            rules.watching(p).into_iter().find(|r| match r {
                crate::parse::auditd::Rule::Watch { perms, .. } => {
                    perms.as_deref().is_none_or(|p| p.contains('w'))
                }
                _ => true,
            })
        });
        match found {
            Some(r) => seen.push(Evidence::at(
                &r.loc().file,
                r.loc().line,
                format!("{} is watched", alternatives[0]),
            )),
            None => missing.push(Evidence::file(
                rules
                    .files
                    .last()
                    .map_or("/etc/audit/rules.d", String::as_str),
                format!("no write watch on {}", alternatives.join(" or ")),
            )),
        }
    }
    verdict(missing, ok, bad, seen)
}

fn audit_rules_identity(h: &Host) -> Outcome {
    audit_watches(
        h,
        &[
            &["/etc/passwd"],
            &["/etc/group"],
            &["/etc/shadow"],
            &["/etc/gshadow"],
            &["/etc/security/opasswd"],
        ],
        "changes to accounts and groups are audited",
        "changes to account files are not audited",
    )
}

fn audit_rules_logins(h: &Host) -> Outcome {
    audit_watches(
        h,
        &[
            &["/var/log/lastlog", "/var/log/wtmp"],
            &["/var/run/faillock", "/run/faillock"],
        ],
        "logins and lockouts are audited",
        "logins or lockouts are not audited",
    )
}

fn su_restriction(h: &Host) -> Outcome {
    pam_stack_check(
        h,
        "su",
        PamType::Auth,
        |s| match s.first("pam_wheel.so") {
            Some(e) if e.has_flag("use_uid") => Ok(vec![entry_evidence(e)]),
            Some(e) => Err(vec![entry_evidence(e)]),
            None => Err(vec![Evidence::file(
                "/etc/pam.d/su",
                "pam_wheel is not required",
            )]),
        },
        "only the administrators' group may use su",
        "any user who knows root's password may use su",
    )
}

fn sudo_logging(h: &Host) -> Outcome {
    let s = match configured_sudoers(h) {
        Ok(s) => s,
        Err(skip) => return skip,
    };
    let mut bad = Vec::new();
    if s.defaults_flag("use_pty") != Some(true) {
        bad.push(Evidence::file(
            "/etc/sudoers",
            "Defaults use_pty is not set",
        ));
    }
    let logfile = s.defaults_value("logfile").map(str::to_string);
    match &logfile {
        None => bad.push(Evidence::file(
            "/etc/sudoers",
            "Defaults logfile is not set",
        )),
        Some(f) if h.audit().watching(f).is_empty() => bad.push(Evidence::file(
            "/etc/audit/rules.d",
            format!("the sudo log {f} is not watched by an audit rule"),
        )),
        Some(_) => {}
    }
    verdict(
        bad,
        "sudo sessions run in a pty and are logged to an audited file",
        "sudo use is not fully recorded",
        Vec::new(),
    )
}

fn auto_security_updates(h: &Host) -> Outcome {
    let files = h.root.glob("/etc/apt/apt.conf.d/*").unwrap_or_default();
    if files.is_empty() {
        return not_applicable("not an APT-based system (no /etc/apt/apt.conf.d)");
    }
    for f in &files {
        if let Ok(Some(t)) = h.root.read_optional(f) {
            for (i, l) in t.text.lines().enumerate() {
                let l = l.trim();
                if l.starts_with("APT::Periodic::Unattended-Upgrade") && l.contains("\"1\"") {
                    return pass(
                        "unattended security upgrades run daily",
                        vec![Evidence::at(f, i + 1, l)],
                    );
                }
            }
        }
    }
    fail(
        "security updates are not installed automatically",
        vec![Evidence::file(
            "/etc/apt/apt.conf.d",
            "no APT::Periodic::Unattended-Upgrade \"1\"",
        )],
    )
}

fn time_sync(h: &Host) -> Outcome {
    let daemons = [
        "chrony.service",
        "chronyd.service",
        "systemd-timesyncd.service",
        "ntp.service",
        "ntpsec.service",
        "ntpd.service",
    ];
    let mut enabled = Vec::new();
    for wants in ["multi-user.target.wants", "sysinit.target.wants"] {
        for d in daemons {
            let path = format!("/etc/systemd/system/{wants}/{d}");
            if h.root.metadata(&path).is_ok() {
                enabled.push(Evidence::file(&path, format!("{d} is enabled")));
            }
        }
    }
    match enabled.len() {
        0 => fail(
            "no time synchronisation service is enabled",
            vec![Evidence::file(
                "/etc/systemd/system",
                "none of chrony, systemd-timesyncd, ntp is enabled",
            )],
        ),
        1 => pass("one time synchronisation service is enabled", enabled),
        _ => fail(
            "more than one time synchronisation service is enabled; they fight over the clock",
            enabled,
        ),
    }
}

const RISKY_PACKAGES: &[&str] = &[
    "telnetd",
    "inetutils-telnetd",
    "telnetd-ssl",
    "rsh-server",
    "rsh-redone-server",
    "tftpd",
    "tftpd-hpa",
    "atftpd",
    "nis",
    "talkd",
    "inetutils-talkd",
    "xinetd",
    "openbsd-inetd",
    "inetutils-inetd",
];

fn risky_services(h: &Host) -> Outcome {
    let status = match h.root.read_optional("/var/lib/dpkg/status") {
        Ok(Some(t)) => t,
        Ok(None) => return not_applicable("no dpkg database to list installed services"),
        Err(e) => return error(&e),
    };
    let mut bad = Vec::new();
    let mut current: Option<(String, usize)> = None;
    for (i, line) in status.text.lines().enumerate() {
        if let Some(name) = line.strip_prefix("Package: ") {
            current = Some((name.trim().to_string(), i + 1));
        } else if let Some(st) = line.strip_prefix("Status: ")
            && let Some((name, at)) = &current
            && st.trim().ends_with(" installed")
            && RISKY_PACKAGES.contains(&name.as_str())
        {
            bad.push(Evidence::at(
                "/var/lib/dpkg/status",
                *at,
                format!("{name} is installed"),
            ));
        }
    }
    verdict(
        bad,
        "no plaintext or legacy network services are installed",
        "plaintext or legacy network services are installed",
        Vec::new(),
    )
}

fn core_dumps(h: &Host) -> Outcome {
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    match h.sysctl().get("fs.suid_dumpable") {
        Some(s) if s.value == "0" => seen.push(Evidence::at(
            &s.loc.file,
            s.loc.line,
            "fs.suid_dumpable = 0",
        )),
        Some(s) => bad.push(Evidence::at(
            &s.loc.file,
            s.loc.line,
            format!("fs.suid_dumpable = {}", s.value),
        )),
        None => bad.push(Evidence::file("/etc/sysctl.d", "fs.suid_dumpable not set")),
    }
    let mut files = vec!["/etc/security/limits.conf".to_string()];
    files.extend(
        h.root
            .glob("/etc/security/limits.d/*.conf")
            .unwrap_or_default(),
    );
    let hard_zero = files.iter().find_map(|f| {
        let t = h.root.read_optional(f).ok().flatten()?;
        t.text.lines().enumerate().find_map(|(i, l)| {
            let w: Vec<&str> = l.split('#').next()?.split_whitespace().collect();
            (w.len() == 4 && w[0] == "*" && w[1] == "hard" && w[2] == "core" && w[3] == "0")
                .then(|| Evidence::at(f, i + 1, "* hard core 0"))
        })
    });
    match hard_zero {
        Some(e) => seen.push(e),
        None => bad.push(Evidence::file(
            "/etc/security/limits.conf",
            "no '* hard core 0'",
        )),
    }
    verdict(
        bad,
        "core dumps cannot leak memory contents",
        "core dumps may write secrets to disk",
        seen,
    )
}

fn sensitive_file_permissions(h: &Host) -> Outcome {
    root_owned_at_most(
        h,
        &[
            ("/etc/ssh/sshd_config", 0o600),
            ("/etc/crontab", 0o600),
            ("/boot/grub/grub.cfg", 0o400),
        ],
        "none of sshd_config, crontab, grub.cfg is present",
        "configuration that controls logins, jobs and boot is private to root",
        "sensitive configuration files are readable or writable by others",
    )
}

// ---- third batch: banner, web headers and methods, mount options -------

fn login_banner(h: &Host) -> Outcome {
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    match h.sshd() {
        Ok(cfg) => match cfg.global().get("banner") {
            Some(b) if !b.value().eq_ignore_ascii_case("none") => seen.push(Evidence::at(
                &b.loc.file,
                b.loc.line,
                format!("Banner {}", b.value()),
            )),
            _ => bad.push(Evidence::file(
                "/etc/ssh/sshd_config",
                "no SSH Banner is configured",
            )),
        },
        Err(ReadError::NotFound { .. }) => {}
        Err(e) => return error(e),
    }
    for f in ["/etc/issue", "/etc/issue.net"] {
        if let Ok(Some(t)) = h.root.read_optional(f) {
            let leaks = [
                "\\r", "\\m", "\\s", "\\v", "Debian", "Ubuntu", "CentOS", "Red Hat", "Rocky",
                "Alpine", "Kernel",
            ];
            if let Some(hit) = leaks.iter().find(|l| t.text.contains(*l)) {
                bad.push(Evidence::file(f, format!("reveals the system ({hit})")));
            } else {
                seen.push(Evidence::file(f, "no system details"));
            }
        }
    }
    if bad.is_empty() && seen.is_empty() {
        return not_applicable("no sshd configuration and no /etc/issue files in this root");
    }
    verdict(
        bad,
        "a warning banner is shown and reveals nothing about the system",
        "the login banner is missing or reveals the system",
        seen,
    )
}

fn web_security_headers(h: &Host) -> Outcome {
    let Some((nginx, apache)) = h.web_servers() else {
        return not_applicable(NO_WEB_SERVER);
    };
    let wanted = ["strict-transport-security", "x-content-type-options"];
    let mut bad = Vec::new();
    if let Some(n) = &nginx {
        for server in n.servers() {
            let tls = server.children("listen").any(|l| {
                l.args
                    .iter()
                    .any(|a| a == "ssl" || a.ends_with(":443") || a == "443")
            });
            if !tls {
                continue;
            }
            let chain: Vec<&crate::parse::nginx::Directive> = n
                .http()
                .into_iter()
                .chain(std::iter::once(server))
                .collect();
            let headers: Vec<String> = n
                .inherited(&chain, "add_header")
                .iter()
                .filter_map(|d| d.args.first())
                .map(|a| a.to_ascii_lowercase())
                .collect();
            for w in wanted {
                if !headers.iter().any(|x| x == w) {
                    bad.push(Evidence::at(
                        &server.loc.file,
                        server.loc.line,
                        format!("HTTPS server without {w}"),
                    ));
                }
            }
        }
    }
    if let Some(a) = &apache {
        let headers: Vec<String> = a
            .find_all("Header")
            .iter()
            .filter_map(|f| f.node.args.get(1))
            .map(|x| x.to_ascii_lowercase())
            .collect();
        if !a.find_all("SSLEngine").is_empty() {
            for w in wanted {
                if !headers.iter().any(|x| x == w) {
                    bad.push(Evidence::file(
                        "/etc/apache2",
                        format!("HTTPS site without Header set {w}"),
                    ));
                }
            }
        }
    }
    verdict(
        bad,
        "HTTPS sites send HSTS and nosniff headers",
        "HTTPS sites miss security headers",
        Vec::new(),
    )
}

fn web_http_methods(h: &Host) -> Outcome {
    let Some((nginx, apache)) = h.web_servers() else {
        return not_applicable(NO_WEB_SERVER);
    };
    let mut bad = Vec::new();
    if let Some(n) = &nginx {
        for f in n
            .find_all("dav_methods")
            .into_iter()
            .filter(|f| f.directive.args.first().is_some_and(|a| a != "off"))
        {
            bad.push(Evidence::at(
                &f.directive.loc.file,
                f.directive.loc.line,
                format!("dav_methods {}", f.directive.args.join(" ")),
            ));
        }
    }
    if let Some(a) = &apache {
        if !a.global("TraceEnable").is_some_and(|n| {
            n.args
                .first()
                .is_some_and(|v| v.eq_ignore_ascii_case("off"))
        }) {
            bad.push(Evidence::file(
                "/etc/apache2/apache2.conf",
                "TraceEnable is not Off",
            ));
        }
        for f in a.find_all("Dav").into_iter().filter(|f| {
            f.node
                .args
                .first()
                .is_some_and(|v| v.eq_ignore_ascii_case("on"))
        }) {
            bad.push(Evidence::at(&f.node.loc.file, f.node.loc.line, "Dav On"));
        }
    }
    verdict(
        bad,
        "TRACE and WebDAV methods are off",
        "TRACE or WebDAV methods are enabled",
        Vec::new(),
    )
}

fn mount_options(h: &Host) -> Outcome {
    let (file, text) = if h.root.is_live() {
        match h.root.read("/proc/mounts") {
            Ok(t) => ("live:/proc/mounts", t),
            Err(e) => return error(&e),
        }
    } else {
        match h.root.read_optional("/etc/fstab") {
            Ok(Some(t)) => ("/etc/fstab", t),
            Ok(None) => return not_applicable("no /etc/fstab in this root"),
            Err(e) => return error(&e),
        }
    };
    let mounts: Vec<(usize, &str, Vec<&str>)> = text
        .text
        .lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let w: Vec<&str> = l.split('#').next()?.split_whitespace().collect();
            (w.len() >= 4).then(|| (i + 1, w[1], w[3].split(',').collect()))
        })
        .collect();
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    for (point, needed) in [
        ("/tmp", &["nodev", "nosuid", "noexec"][..]),
        ("/dev/shm", &["nodev", "nosuid", "noexec"][..]),
    ] {
        match mounts.iter().rev().find(|(_, p, _)| *p == point) {
            Some((line, _, opts)) => {
                let missing: Vec<&&str> = needed.iter().filter(|o| !opts.contains(o)).collect();
                let ev = Evidence::at(file, *line, format!("{point} {}", opts.join(",")));
                if missing.is_empty() {
                    seen.push(ev)
                } else {
                    bad.push(ev)
                }
            }
            None => bad.push(Evidence::file(
                file,
                format!("{point} is not a separate mount"),
            )),
        }
    }
    verdict(
        bad,
        "/tmp and /dev/shm are mounted nodev,nosuid,noexec",
        "temporary file systems allow devices, setuid or execution",
        seen,
    )
}

// ---- fourth batch: default accounts, auditd, firewall, auth log --------

const DEFAULT_ACCOUNT_NAMES: &[&str] = &[
    "guest", "test", "testuser", "demo", "admin", "user", "oracle", "ftp", "temp", "tmp",
];

fn default_accounts(h: &Host) -> Outcome {
    let a = h.accounts();
    let Some(passwd) = &a.passwd else {
        return a
            .errors
            .first()
            .map_or_else(|| not_applicable("/etc/passwd is absent"), error);
    };
    let bad: Vec<Evidence> = passwd
        .entries
        .iter()
        .filter(|p| DEFAULT_ACCOUNT_NAMES.contains(&p.name.as_str()))
        .filter(|p| {
            let locked = a.shadow_of(&p.name).is_none_or(|s| {
                matches!(
                    s.state(),
                    PasswordState::Locked(_) | PasswordState::NoPassword | PasswordState::Invalid
                )
            });
            !(locked && p.has_nologin_shell())
        })
        .map(|p| {
            Evidence::at(
                &p.loc.file,
                p.loc.line,
                format!("default or test account {} can log in", p.name),
            )
        })
        .collect();
    verdict(
        bad,
        "no default or test account can log in",
        "default or test accounts can log in",
        Vec::new(),
    )
}

fn audit_log_storage(h: &Host) -> Outcome {
    let t = match h.root.read_optional("/etc/audit/auditd.conf") {
        Ok(Some(t)) => t,
        Ok(None) => {
            return fail(
                "auditd is not configured (/etc/audit/auditd.conf is absent)",
                vec![Evidence::file("/etc/audit/auditd.conf", "absent")],
            );
        }
        Err(e) => return error(&e),
    };
    let get = |k: &str| key_values(&t, k).map(|(v, line)| (v.to_ascii_lowercase(), line));
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    let mut judge = |key: &str, ok: &dyn Fn(&str) -> bool| match get(key) {
        Some((v, line)) => {
            let ev = Evidence::at("/etc/audit/auditd.conf", line, format!("{key} = {v}"));
            if ok(&v) { seen.push(ev) } else { bad.push(ev) }
        }
        None => bad.push(Evidence::file(
            "/etc/audit/auditd.conf",
            format!("{key} not set"),
        )),
    };
    judge("space_left_action", &|v| !matches!(v, "ignore" | "suspend"));
    judge("admin_space_left_action", &|v| {
        !matches!(v, "ignore" | "suspend")
    });
    judge("disk_full_action", &|v| v != "ignore");
    judge("disk_error_action", &|v| v != "ignore");
    let keep = get("max_log_file_action").map(|(v, _)| v);
    let num_logs = get("num_logs")
        .and_then(|(v, _)| v.parse::<u32>().ok())
        .unwrap_or(0);
    let rotation_ok = keep.as_deref() == Some("keep_logs")
        || (keep.as_deref() == Some("rotate") && num_logs >= 5);
    let ev = Evidence::file(
        "/etc/audit/auditd.conf",
        format!(
            "max_log_file_action = {}, num_logs = {num_logs}",
            keep.as_deref().unwrap_or("unset")
        ),
    );
    if rotation_ok {
        seen.push(ev)
    } else {
        bad.push(ev)
    }
    verdict(
        bad,
        "auditd keeps its logs and reacts to a full disk",
        "audit records can be lost when the disk fills or logs rotate",
        seen,
    )
}

fn unit_enabled(h: &Host, unit: &str) -> Option<String> {
    [
        "multi-user.target.wants",
        "sysinit.target.wants",
        "default.target.wants",
    ]
    .iter()
    .map(|w| format!("/etc/systemd/system/{w}/{unit}"))
    .find(|p| h.root.metadata(p).is_ok())
}

fn auditd_enabled(h: &Host) -> Outcome {
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    match unit_enabled(h, "auditd.service") {
        Some(p) => seen.push(Evidence::file(&p, "auditd.service is enabled")),
        None => bad.push(Evidence::file(
            "/etc/systemd/system",
            "auditd.service is not enabled",
        )),
    }
    let (file, cmdline) = if h.root.is_live() {
        (
            "live:/proc/cmdline",
            h.root
                .read("/proc/cmdline")
                .map(|t| t.text)
                .unwrap_or_default(),
        )
    } else {
        let grub = h.root.read_optional("/etc/default/grub").ok().flatten();
        (
            "/etc/default/grub",
            grub.and_then(|t| key_values(&t, "GRUB_CMDLINE_LINUX").map(|(v, _)| v))
                .unwrap_or_default(),
        )
    };
    let has = |k: &str| {
        cmdline.split_whitespace().find_map(|w| {
            w.strip_prefix(k)
                .and_then(|v| v.strip_prefix('='))
                .map(str::to_string)
        })
    };
    let audit_on = has("audit").as_deref() == Some("1");
    let backlog = has("audit_backlog_limit")
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(0);
    let ev = Evidence::file(
        file,
        format!(
            "audit={} audit_backlog_limit={backlog}",
            has("audit").unwrap_or_else(|| "unset".into())
        ),
    );
    if audit_on && backlog >= 8192 {
        seen.push(ev)
    } else {
        bad.push(ev)
    }
    verdict(
        bad,
        "auditd runs from boot with a large enough backlog",
        "auditing does not cover boot or may drop records",
        seen,
    )
}

fn firewall_default_deny(h: &Host) -> Outcome {
    let mut seen = Vec::new();
    if let Ok(Some(t)) = h.root.read_optional("/etc/nftables.conf") {
        for (i, l) in t.text.lines().enumerate() {
            let l = l.trim();
            if l.contains("hook input")
                && (l.contains("policy drop") || l.contains("policy reject"))
            {
                seen.push(Evidence::at("/etc/nftables.conf", i + 1, l));
            }
        }
        if !seen.is_empty() && unit_enabled(h, "nftables.service").is_some() {
            return pass("nftables drops inbound traffic by default", seen);
        }
    }
    if let Ok(Some(t)) = h.root.read_optional("/etc/iptables/rules.v4")
        && let Some((i, l)) = t
            .text
            .lines()
            .enumerate()
            .find(|(_, l)| l.starts_with(":INPUT DROP") || l.starts_with(":INPUT REJECT"))
    {
        return pass(
            "iptables drops inbound traffic by default",
            vec![Evidence::at("/etc/iptables/rules.v4", i + 1, l)],
        );
    }
    let ufw_on = h
        .root
        .read_optional("/etc/ufw/ufw.conf")
        .ok()
        .flatten()
        .and_then(|t| key_values(&t, "ENABLED"))
        .is_some_and(|(v, _)| v.eq_ignore_ascii_case("yes"));
    let ufw_drop = h
        .root
        .read_optional("/etc/default/ufw")
        .ok()
        .flatten()
        .and_then(|t| key_values(&t, "DEFAULT_INPUT_POLICY"))
        .is_some_and(|(v, _)| matches!(v.as_str(), "DROP" | "REJECT"));
    if ufw_on && ufw_drop {
        return pass(
            "ufw drops inbound traffic by default",
            vec![Evidence::file(
                "/etc/default/ufw",
                "DEFAULT_INPUT_POLICY drops",
            )],
        );
    }
    let mut ev = seen;
    ev.push(Evidence::file("/etc/nftables.conf", "no enabled ruleset whose input hook drops by default (nftables, iptables-persistent or ufw)"));
    fail("no host firewall denies inbound traffic by default", ev)
}

fn log_auth_events(h: &Host) -> Outcome {
    let mut files = vec!["/etc/rsyslog.conf".to_string()];
    files.extend(h.root.glob("/etc/rsyslog.d/*.conf").unwrap_or_default());
    for f in &files {
        if let Ok(Some(t)) = h.root.read_optional(f) {
            for (i, l) in t.text.lines().enumerate() {
                let l = l.trim();
                let Some((selector, target)) = l.split_once(char::is_whitespace) else {
                    continue;
                };
                let covers = selector.split(';').any(|s| {
                    s.split(',')
                        .any(|f| f.starts_with("authpriv") || f.starts_with("auth."))
                        && !s.ends_with(".none")
                });
                let target = target.trim().trim_start_matches('-');
                if covers
                    && (target.starts_with("/var/log/auth")
                        || target.starts_with("/var/log/secure"))
                {
                    return pass(
                        "authentication events go to a dedicated log file",
                        vec![Evidence::at(f, i + 1, l)],
                    );
                }
            }
        }
    }
    if unit_enabled(h, "rsyslog.service").is_none() && h.root.exists("/var/log/journal") {
        return pass(
            "authentication events are kept in the persistent journal",
            vec![Evidence::file("/var/log/journal", "exists")],
        );
    }
    fail(
        "authentication events are not written to a dedicated log",
        vec![Evidence::file(
            "/etc/rsyslog.conf",
            "no auth,authpriv rule to /var/log/auth.log or /var/log/secure",
        )],
    )
}

// ---- fifth batch: SSH key material --------------------------------------

/// The type and strength of an OpenSSH public key line (`type base64 [comment]`,
/// optionally preceded by authorized_keys options).
#[derive(Debug, Clone, PartialEq, Eq)]
struct PublicKey {
    kind: String,
    /// Modulus size for RSA, curve size for ECDSA, 256 for Ed25519.
    bits: u32,
    comment: String,
    /// OpenSSH's `SHA256:…` fingerprint of the key blob.
    fingerprint: String,
}

fn base64_encode_unpadded(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// Reads one SSH wire-format string from `blob` at `at`.
fn ssh_string<'b>(blob: &'b [u8], at: &mut usize) -> Option<&'b [u8]> {
    let len = u32::from_be_bytes(blob.get(*at..*at + 4)?.try_into().ok()?) as usize;
    let s = blob.get(*at + 4..(*at + 4).checked_add(len)?)?;
    *at += 4 + len;
    Some(s)
}

const KEY_TYPES: &[&str] = &[
    "ssh-rsa",
    "ssh-dss",
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
];

fn parse_public_key(line: &str) -> Option<PublicKey> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words.iter().position(|w| KEY_TYPES.contains(w))?;
    let kind = words[at].to_string();
    let blob = base64_decode(words.get(at + 1)?)?;
    let mut pos = 0;
    let inner_kind = ssh_string(&blob, &mut pos)?;
    if inner_kind != kind.as_bytes() {
        return None;
    }
    let bits = match kind.as_str() {
        "ssh-rsa" => {
            let _e = ssh_string(&blob, &mut pos)?;
            let n = ssh_string(&blob, &mut pos)?;
            let n = &n[n.iter().take_while(|b| **b == 0).count()..];
            (n.len() as u32 * 8).saturating_sub(n.first().map_or(0, |b| b.leading_zeros()))
        }
        "ssh-dss" => {
            let p = ssh_string(&blob, &mut pos)?;
            let p = &p[p.iter().take_while(|b| **b == 0).count()..];
            p.len() as u32 * 8
        }
        "ecdsa-sha2-nistp384" => 384,
        "ecdsa-sha2-nistp521" => 521,
        _ => 256,
    };
    Some(PublicKey {
        kind,
        bits,
        comment: words[at + 2..].join(" "),
        fingerprint: format!(
            "SHA256:{}",
            base64_encode_unpadded(&<sha2::Sha256 as sha2::Digest>::digest(&blob))
        ),
    })
}

/// Why a key is too weak, if it is: `min_rsa` bits for RSA; DSA never.
fn weak_key(k: &PublicKey, min_rsa: u32) -> Option<String> {
    match k.kind.as_str() {
        "ssh-dss" => Some("DSA keys are broken".into()),
        "ssh-rsa" if k.bits < min_rsa => Some(format!("RSA {} bits (< {min_rsa})", k.bits)),
        _ => None,
    }
}

fn ssh_host_key_strength(h: &Host) -> Outcome {
    let keys = match h.root.glob("/etc/ssh/ssh_host_*_key.pub") {
        Ok(k) => k,
        Err(e) => return error(&e),
    };
    if keys.is_empty() {
        return not_applicable("no SSH host public keys under /etc/ssh");
    }
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    for path in keys {
        let t = match h.root.read(&path) {
            Ok(t) => t,
            Err(e) => return error(&e),
        };
        match t.text.lines().find_map(parse_public_key) {
            Some(k) => match weak_key(&k, 3072) {
                Some(why) => bad.push(Evidence::file(&path, why)),
                None => seen.push(Evidence::file(&path, format!("{} {} bits", k.kind, k.bits))),
            },
            None => bad.push(Evidence::file(&path, "not a readable OpenSSH public key")),
        }
    }
    verdict(
        bad,
        "SSH host keys are Ed25519, ECDSA or RSA ≥ 3072 bits",
        "weak SSH host keys",
        seen,
    )
}

/// Each account's authorized_keys path (the default `~/.ssh/authorized_keys`).
fn authorized_keys_files(h: &Host) -> Vec<(crate::parse::accounts::PasswdEntry, String)> {
    h.accounts()
        .passwd
        .as_ref()
        .map(|p| {
            p.entries
                .iter()
                .filter(|e| e.home.starts_with('/'))
                .map(|e| {
                    (
                        e.clone(),
                        format!("{}/.ssh/authorized_keys", e.home.trim_end_matches('/')),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn ssh_user_key_strength(h: &Host) -> Outcome {
    let mut bad = Vec::new();
    let mut seen = 0;
    for (user, path) in authorized_keys_files(h) {
        let Ok(Some(t)) = h.root.read_optional(&path) else {
            continue;
        };
        for (i, line) in t.text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match parse_public_key(line) {
                Some(k) => match weak_key(&k, 2048) {
                    Some(why) => bad.push(Evidence::at(
                        &path,
                        i + 1,
                        format!("{} key of {}: {why}", k.kind, user.name),
                    )),
                    None => seen += 1,
                },
                None => bad.push(Evidence::at(
                    &path,
                    i + 1,
                    format!("unreadable key line for {}", user.name),
                )),
            }
        }
    }
    if bad.is_empty() && seen == 0 {
        return not_applicable("no authorized_keys files");
    }
    verdict(
        bad,
        "every authorized key is Ed25519, ECDSA, a security key or RSA ≥ 2048 bits",
        "weak keys can log in",
        Vec::new(),
    )
}

fn ssh_authorized_keys_permissions(h: &Host) -> Outcome {
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    for (user, path) in authorized_keys_files(h) {
        let Ok(keys) = h.root.metadata(&path) else {
            continue;
        };
        let dir = path.trim_end_matches("/authorized_keys").to_string();
        for (p, m, max) in [
            (dir.clone(), h.root.metadata(&dir).ok(), 0o700),
            (path.clone(), Some(keys), 0o600),
        ] {
            let Some(m) = m else { continue };
            let detail = format!("owner uid {}, mode {:04o}", m.uid, m.mode & 0o7777);
            if m.uid == user.uid && m.mode & 0o7777 & !max == 0 {
                seen.push(Evidence::file(&p, detail));
            } else {
                bad.push(Evidence::file(
                    &p,
                    format!(
                        "{detail}; expected {} (uid {}) and at most {max:04o}",
                        user.name, user.uid
                    ),
                ));
            }
        }
    }
    if bad.is_empty() && seen.is_empty() {
        return not_applicable("no authorized_keys files");
    }
    verdict(
        bad,
        "authorized_keys files and .ssh directories belong to their accounts and are private",
        "others can read or change who may log in",
        seen,
    )
}

// ---- sixth batch: what web servers publish --------------------------------

/// Document roots named by nginx `root` and Apache `DocumentRoot`.
fn document_roots(h: &Host) -> Option<Vec<(String, Evidence)>> {
    let (nginx, apache) = h.web_servers()?;
    let mut roots: Vec<(String, Evidence)> = Vec::new();
    if let Some(n) = &nginx {
        for f in n.find_all("root") {
            if let Some(r) = f.directive.args.first() {
                roots.push((
                    r.clone(),
                    Evidence::at(
                        &f.directive.loc.file,
                        f.directive.loc.line,
                        format!("root {r}"),
                    ),
                ));
            }
        }
    }
    if let Some(a) = &apache {
        for f in a.find_all("DocumentRoot") {
            if let Some(r) = f.node.args.first() {
                roots.push((
                    r.clone(),
                    Evidence::at(
                        &f.node.loc.file,
                        f.node.loc.line,
                        format!("DocumentRoot {r}"),
                    ),
                ));
            }
        }
    }
    roots.sort_by(|a, b| a.0.cmp(&b.0));
    roots.dedup_by(|a, b| a.0 == b.0);
    Some(roots)
}

fn web_default_content(h: &Host) -> Outcome {
    let Some(roots) = document_roots(h) else {
        return not_applicable("no nginx or Apache configuration on this host");
    };
    let mut bad = Vec::new();
    for (root, _) in &roots {
        for name in [
            "index.nginx-debian.html",
            "phpinfo.php",
            "info.php",
            "test.php",
        ] {
            let p = format!("{}/{name}", root.trim_end_matches('/'));
            if h.root.exists(&p) {
                bad.push(Evidence::file(
                    &p,
                    "default or diagnostic page is published",
                ));
            }
        }
        let index = format!("{}/index.html", root.trim_end_matches('/'));
        if h.root
            .read_optional(&index)
            .ok()
            .flatten()
            .is_some_and(|t| {
                t.text.contains("Apache2 Debian Default Page")
                    || t.text.contains("Welcome to nginx!")
            })
        {
            bad.push(Evidence::file(
                &index,
                "the web server's welcome page is published",
            ));
        }
    }
    verdict(
        bad,
        "no default, sample or diagnostic pages are published",
        "default or diagnostic pages are published",
        roots.into_iter().map(|(_, e)| e).collect(),
    )
}

fn webroot_exposure(h: &Host) -> Outcome {
    let Some(roots) = document_roots(h) else {
        return not_applicable("no nginx or Apache configuration on this host");
    };
    let mut bad = Vec::new();
    for (root, _) in &roots {
        let Ok(entries) = h.root.read_dir(root) else {
            continue;
        };
        for e in entries {
            let n = e.name.to_ascii_lowercase();
            let risky = matches!(n.as_str(), ".git" | ".svn" | ".hg" | ".env" | ".htpasswd")
                || [
                    ".sql", ".sql.gz", ".bak", ".old", ".zip", ".tar", ".tar.gz", ".tgz", ".7z",
                    ".swp",
                ]
                .iter()
                .any(|x| n.ends_with(x));
            if risky {
                bad.push(Evidence::file(&e.path, "published under the document root"));
            }
        }
    }
    verdict(
        bad,
        "no repositories, secrets, dumps or backups under the document roots",
        "repositories, secrets or backups are published",
        roots.into_iter().map(|(_, e)| e).collect(),
    )
}

// ---- seventh batch: audit coverage, repositories, MAC ---------------------

/// Syscall rules that must exist: each inner list is a set of alternatives.
fn audit_syscalls(
    h: &Host,
    needed: &[&[&str]],
    watches: &[&str],
    ok: &str,
    bad_msg: &str,
) -> Outcome {
    let rules = h.audit();
    if rules.files.is_empty() {
        return fail(
            "no audit rules are configured",
            vec![Evidence::file("/etc/audit/rules.d", "no rules files")],
        );
    }
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    for alternatives in needed {
        match alternatives
            .iter()
            .find_map(|sc| rules.syscall(sc).into_iter().next())
        {
            Some(r) => seen.push(Evidence::at(
                &r.loc().file,
                r.loc().line,
                format!("{} audited", alternatives.join("/")),
            )),
            None => bad.push(Evidence::file(
                "/etc/audit/rules.d",
                format!("no rule for {}", alternatives.join(" or ")),
            )),
        }
    }
    for w in watches {
        match rules.watching(w).into_iter().next() {
            Some(r) => seen.push(Evidence::at(
                &r.loc().file,
                r.loc().line,
                format!("{w} watched"),
            )),
            None => bad.push(Evidence::file(
                "/etc/audit/rules.d",
                format!("no watch on {w}"),
            )),
        }
    }
    verdict(bad, ok, bad_msg, seen)
}

fn audit_rules_system_changes(h: &Host) -> Outcome {
    audit_syscalls(
        h,
        &[
            &["adjtimex", "settimeofday"],
            &["clock_settime"],
            &["sethostname", "setdomainname"],
        ],
        &["/etc/localtime", "/etc/hosts"],
        "changes to time, host name and network identity are audited",
        "changes to time or host identity are not audited",
    )
}

fn audit_rules_file_access(h: &Host) -> Outcome {
    audit_syscalls(
        h,
        &[
            &["open", "openat", "creat", "truncate"],
            &["unlink", "unlinkat"],
            &["rename", "renameat"],
        ],
        &[],
        "failed file access and deletions are audited",
        "failed access and file deletions are not audited",
    )
}

fn repository_integrity(h: &Host) -> Outcome {
    let mut files = vec!["/etc/apt/sources.list".to_string()];
    files.extend(
        h.root
            .glob("/etc/apt/sources.list.d/*.list")
            .unwrap_or_default(),
    );
    files.extend(
        h.root
            .glob("/etc/apt/sources.list.d/*.sources")
            .unwrap_or_default(),
    );
    files.extend(h.root.glob("/etc/apt/apt.conf.d/*").unwrap_or_default());
    let mut bad = Vec::new();
    let mut read_any = false;
    for f in &files {
        let Ok(Some(t)) = h.root.read_optional(f) else {
            continue;
        };
        read_any = true;
        for (i, l) in t.text.lines().enumerate() {
            let l = l.trim();
            if l.starts_with('#') {
                continue;
            }
            let lower = l.to_ascii_lowercase();
            if lower.contains("trusted=yes")
                || lower.starts_with("trusted: yes")
                || lower.contains("allow-insecure")
                || lower.contains("allowunauthenticated")
            {
                bad.push(Evidence::at(f, i + 1, l));
            }
        }
    }
    if !read_any {
        return not_applicable("not an APT-based system (no /etc/apt sources)");
    }
    verdict(
        bad,
        "every package repository is signature-checked",
        "packages may be installed without signature checks",
        Vec::new(),
    )
}

fn mac_enforcing(h: &Host) -> Outcome {
    let cmdline = if h.root.is_live() {
        h.root
            .read("/proc/cmdline")
            .map(|t| (t.text, "live:/proc/cmdline".to_string()))
            .ok()
    } else {
        h.root
            .read_optional("/etc/default/grub")
            .ok()
            .flatten()
            .and_then(|t| {
                key_values(&t, "GRUB_CMDLINE_LINUX")
                    .map(|(v, _)| (v, "/etc/default/grub".to_string()))
            })
    };
    if let Some((c, file)) = &cmdline
        && let Some(w) = c
            .split_whitespace()
            .find(|w| *w == "apparmor=0" || *w == "selinux=0" || *w == "security=none")
    {
        return fail(
            "mandatory access control is switched off at boot",
            vec![Evidence::file(file, w)],
        );
    }
    if let Ok(Some(t)) = h.root.read_optional("/etc/selinux/config")
        && let Some((v, line)) = key_values(&t, "SELINUX")
    {
        let ev = vec![Evidence::at(
            "/etc/selinux/config",
            line,
            format!("SELINUX={v}"),
        )];
        return if v == "enforcing" {
            pass("SELinux is enforcing", ev)
        } else {
            fail("SELinux is not enforcing", ev)
        };
    }
    if h.root.is_live() {
        let enabled = h
            .root
            .read("/sys/module/apparmor/parameters/enabled")
            .map(|t| t.text.trim() == "Y")
            .unwrap_or(false);
        let ev = vec![Evidence::file(
            "live:/sys/module/apparmor/parameters/enabled",
            if enabled { "Y" } else { "not Y" },
        )];
        return if enabled {
            pass("AppArmor is enabled", ev)
        } else {
            fail("neither SELinux nor AppArmor is enabled", ev)
        };
    }
    let profiles = h
        .root
        .glob("/etc/apparmor.d/*")
        .map(|p| p.len())
        .unwrap_or(0);
    if profiles > 0 {
        pass(
            "AppArmor is installed with profiles and not disabled at boot",
            vec![Evidence::file(
                "/etc/apparmor.d",
                format!("{profiles} profiles"),
            )],
        )
    } else {
        fail(
            "no mandatory access control (SELinux or AppArmor) is configured",
            vec![Evidence::file("/etc/apparmor.d", "no AppArmor profiles")],
        )
    }
}

// ---- patch management --------------------------------------------------

impl Host<'_> {
    fn patch_result(&self, id: &str) -> Outcome {
        let results = self
            .patch
            .get_or_init(|| crate::patch::patch_checks(self.root, self.vulndb));
        match results.iter().find(|r| r.id == id) {
            Some(r) => Outcome {
                status: r.status,
                message: r.message.clone(),
                evidence: r.evidence.clone(),
            },
            None => not_applicable("not decided by the patch checks"),
        }
    }
}

fn patch_known_vulnerabilities(h: &Host) -> Outcome {
    h.patch_result("host.patch.known-vulnerabilities")
}

fn patch_pending_security_updates(h: &Host) -> Outcome {
    h.patch_result("host.patch.pending-security-updates")
}

fn patch_end_of_support(h: &Host) -> Outcome {
    h.patch_result("host.patch.end-of-support")
}

// ---- eighth batch: data stores, inactive accounts -------------------------

/// Space-separated `key value` lines (redis.conf style), last one winning.
fn spaced_value(text: &crate::root::FileText, key: &str) -> Option<(String, usize)> {
    text.text
        .lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let l = l.split('#').next()?.trim();
            let (k, v) = l.split_once(char::is_whitespace)?;
            k.eq_ignore_ascii_case(key)
                .then(|| (v.trim().trim_matches('"').to_string(), i + 1))
        })
        .last()
}

fn is_loopback_only(bind: &str) -> bool {
    bind.split([' ', ',']).filter(|a| !a.is_empty()).all(|a| {
        let a = a.trim_start_matches('-');
        a.starts_with("127.") || a == "::1" || a == "localhost"
    })
}

fn datastore_exposure(h: &Host) -> Outcome {
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    let mut any = false;
    if let Ok(Some(t)) = h.root.read_optional("/etc/redis/redis.conf") {
        any = true;
        let bind = spaced_value(&t, "bind");
        let protected = spaced_value(&t, "protected-mode").is_none_or(|(v, _)| v != "no");
        let password =
            spaced_value(&t, "requirepass").is_some() || h.root.exists("/etc/redis/users.acl");
        let exposed = bind.as_ref().is_none_or(|(b, _)| !is_loopback_only(b));
        let ev = Evidence::at(
            &t.path,
            bind.as_ref().map_or(0, |(_, l)| *l),
            format!(
                "bind {}, protected-mode {}, password {}",
                bind.as_ref().map_or("(all)", |(b, _)| b.as_str()),
                if protected { "yes" } else { "no" },
                if password { "set" } else { "none" }
            ),
        );
        if exposed && !(protected && password) {
            bad.push(ev)
        } else {
            seen.push(ev)
        }
    }
    for f in [
        "/etc/mysql/mariadb.conf.d/50-server.cnf",
        "/etc/mysql/mysql.conf.d/mysqld.cnf",
        "/etc/mysql/my.cnf",
    ] {
        if let Ok(Some(t)) = h.root.read_optional(f) {
            any = true;
            if let Some((v, line)) = key_values(&t, "bind-address") {
                let ev = Evidence::at(f, line, format!("bind-address = {v}"));
                if is_loopback_only(&v) {
                    seen.push(ev)
                } else {
                    bad.push(ev)
                }
            }
        }
    }
    for f in h
        .root
        .glob("/etc/postgresql/*/main/pg_hba.conf")
        .unwrap_or_default()
    {
        let Ok(t) = h.root.read(&f) else { continue };
        any = true;
        for (i, l) in t.text.lines().enumerate() {
            let w: Vec<&str> = l
                .split('#')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .collect();
            if w.first().is_some_and(|t| t.starts_with("host"))
                && w.last() == Some(&"trust")
                && w.get(3)
                    .is_some_and(|a| !is_loopback_only(a.split('/').next().unwrap_or("")))
            {
                bad.push(Evidence::at(
                    &f,
                    i + 1,
                    format!("{} : network login without a password", w.join(" ")),
                ));
            }
        }
    }
    if !any {
        return not_applicable("no Redis, MySQL/MariaDB or PostgreSQL configuration on this host");
    }
    verdict(
        bad,
        "data stores listen only locally or require authentication",
        "data stores are reachable without authentication",
        seen,
    )
}

fn accounts_inactive(h: &Host) -> Outcome {
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    match h.root.read_optional("/etc/default/useradd") {
        Ok(Some(t)) => match key_values(&t, "INACTIVE") {
            Some((v, line)) if v.parse::<i64>().is_ok_and(|d| (0..=30).contains(&d)) => {
                seen.push(Evidence::at(&t.path, line, format!("INACTIVE={v}")))
            }
            Some((v, line)) => bad.push(Evidence::at(
                &t.path,
                line,
                format!("INACTIVE={v}; expected 0–30 days"),
            )),
            None => bad.push(Evidence::file(
                &t.path,
                "INACTIVE not set: expired passwords never disable the account",
            )),
        },
        Ok(None) => bad.push(Evidence::file(
            "/etc/default/useradd",
            "absent: INACTIVE defaults to never",
        )),
        Err(e) => return error(&e),
    }
    if let Some(shadow) = &h.accounts().shadow {
        for e in &shadow.entries {
            let usable = matches!(e.state(), PasswordState::Hash(_));
            if usable && e.inactive_days.is_none_or(|d| !(0..=30).contains(&d)) {
                bad.push(Evidence::at(
                    &e.loc.file,
                    e.loc.line,
                    format!("{} has a usable password and no inactivity limit", e.name),
                ));
            }
        }
    }
    verdict(
        bad,
        "accounts with expired passwords are disabled within 30 days",
        "unused accounts stay usable indefinitely",
        seen,
    )
}

/// Every check the scanner runs, in catalog order of the cloud-host items.
pub const CHECKS: &[Check] = &[
    Check {
        id: "host.ssh.host-key-permissions",
        severity: Severity::High,
        level: Level::Basic,
        rationale: "A readable host key lets anyone impersonate the server.",
        remediation: "chown root:root /etc/ssh/ssh_host_*_key && chmod 600 /etc/ssh/ssh_host_*_key",
        run: ssh_host_key_permissions,
    },
    Check {
        id: "host.account.duplicate-ids",
        severity: Severity::Medium,
        level: Level::Basic,
        rationale: "Shared ids make actions unattributable and permissions ambiguous.",
        remediation: "Give every user and group a unique name and id (usermod -u / groupmod -g).",
        run: accounts_duplicates,
    },
    Check {
        id: "host.account.uid-zero",
        severity: Severity::Critical,
        level: Level::Basic,
        rationale: "Any UID-0 account is root under another name.",
        remediation: "Remove or renumber every UID-0 account other than root.",
        run: accounts_uid_zero,
    },
    Check {
        id: "host.account.empty-password",
        severity: Severity::Critical,
        level: Level::Basic,
        rationale: "An empty password lets anyone log in as that account.",
        remediation: "passwd -l <account> or set a password; set PermitEmptyPasswords no.",
        run: accounts_empty_password,
    },
    Check {
        id: "host.account.system-shell",
        severity: Severity::Medium,
        level: Level::Basic,
        rationale: "Service accounts with shells are footholds for interactive logins.",
        remediation: "usermod -s /usr/sbin/nologin <account>",
        run: accounts_system_shell,
    },
    Check {
        id: "host.ssh.auth-methods",
        severity: Severity::High,
        level: Level::Basic,
        rationale: "Host-based trust and rhosts bypass per-user authentication.",
        remediation: "Set HostbasedAuthentication no, IgnoreRhosts yes, PermitUserEnvironment no in sshd_config.",
        run: ssh_auth_methods,
    },
    Check {
        id: "host.login.root-ssh",
        severity: Severity::High,
        level: Level::Basic,
        rationale: "Direct root logins are the first target of brute force and leave no personal accountability.",
        remediation: "Set PermitRootLogin no in /etc/ssh/sshd_config and use sudo.",
        run: ssh_root_login,
    },
    Check {
        id: "host.login.ssh-auth-limits",
        severity: Severity::Medium,
        level: Level::Basic,
        rationale: "Many tries per connection and long grace times help password guessing.",
        remediation: "Set MaxAuthTries 4 and LoginGraceTime 60 in sshd_config.",
        run: ssh_auth_limits,
    },
    Check {
        id: "host.login.faillock",
        severity: Severity::High,
        level: Level::Basic,
        rationale: "Without lockout, passwords can be guessed without limit.",
        remediation: "Add pam_faillock to common-auth with deny=5 unlock_time=900.",
        run: login_faillock,
    },
    Check {
        id: "host.login.idle-timeout",
        severity: Severity::Medium,
        level: Level::Basic,
        rationale: "Abandoned sessions can be taken over.",
        remediation: "Set ClientAliveInterval 300 and ClientAliveCountMax 3 (or less) in sshd_config.",
        run: ssh_idle_timeout,
    },
    Check {
        id: "host.login.ssh-access-list",
        severity: Severity::Low,
        level: Level::Basic,
        rationale: "Limiting who may log in shrinks the attack surface.",
        remediation: "Set AllowGroups (e.g. AllowGroups ssh-users) in sshd_config.",
        run: ssh_access_list,
    },
    Check {
        id: "host.crypto.ssh-ciphers",
        severity: Severity::High,
        level: Level::Basic,
        rationale: "Weak ciphers let traffic be decrypted or altered.",
        remediation: "Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr",
        run: ssh_ciphers,
    },
    Check {
        id: "host.crypto.ssh-macs",
        severity: Severity::High,
        level: Level::Basic,
        rationale: "Weak MACs allow tampering with the session.",
        remediation: "MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com",
        run: ssh_macs,
    },
    Check {
        id: "host.crypto.ssh-kex",
        severity: Severity::High,
        level: Level::Basic,
        rationale: "SHA-1 key exchange is broken.",
        remediation: "Remove diffie-hellman-group1-sha1, group14-sha1 and group-exchange-sha1 from KexAlgorithms.",
        run: ssh_kex,
    },
    Check {
        id: "host.crypto.tls-versions",
        severity: Severity::High,
        level: Level::Basic,
        rationale: "SSL and TLS below 1.2 have practical attacks.",
        remediation: "nginx: ssl_protocols TLSv1.2 TLSv1.3; Apache: SSLProtocol -all +TLSv1.2 +TLSv1.3",
        run: tls_versions,
    },
    Check {
        id: "host.password.quality",
        severity: Severity::Medium,
        level: Level::Basic,
        rationale: "Short simple passwords are guessed quickly.",
        remediation: "Install libpam-pwquality; set minlen = 12, minclass = 3 in /etc/security/pwquality.conf.",
        run: password_quality,
    },
    Check {
        id: "host.password.ageing",
        severity: Severity::Low,
        level: Level::Basic,
        rationale: "The standard requires periodic password change with warning.",
        remediation: "Set PASS_MAX_DAYS 90, PASS_MIN_DAYS 1, PASS_WARN_AGE 7 in /etc/login.defs; chage existing accounts.",
        run: password_ageing,
    },
    Check {
        id: "host.password.history",
        severity: Severity::Low,
        level: Level::Basic,
        rationale: "Reusing old passwords defeats rotation.",
        remediation: "Add 'password required pam_pwhistory.so remember=5 use_authtok' to common-password.",
        run: password_history,
    },
    Check {
        id: "host.password.hash-algorithm",
        severity: Severity::High,
        level: Level::Basic,
        rationale: "MD5 and DES hashes are cracked in minutes.",
        remediation: "Set ENCRYPT_METHOD YESCRYPT (or SHA512) in login.defs and make affected users change their passwords.",
        run: password_hash_algorithm,
    },
    Check {
        id: "host.password.shadow-permissions",
        severity: Severity::High,
        level: Level::Basic,
        rationale: "Readable hashes can be cracked offline.",
        remediation: "chown root:shadow /etc/shadow /etc/gshadow && chmod 640 /etc/shadow /etc/gshadow",
        run: shadow_permissions,
    },
    Check {
        id: "host.web.server-tokens",
        severity: Severity::Low,
        level: Level::Basic,
        rationale: "Version banners tell attackers which exploits to try.",
        remediation: "nginx: server_tokens off; Apache: ServerTokens Prod and ServerSignature Off.",
        run: web_server_tokens,
    },
    Check {
        id: "host.web.directory-listing",
        severity: Severity::Medium,
        level: Level::Basic,
        rationale: "Directory listings expose files that were never meant to be public.",
        remediation: "nginx: autoindex off; Apache: Options -Indexes.",
        run: web_directory_listing,
    },
    Check {
        id: "host.log.persistent-storage",
        severity: Severity::Medium,
        level: Level::Basic,
        rationale: "A journal kept only in memory is lost at reboot, with the traces of an attack.",
        remediation: "Set Storage=persistent in /etc/systemd/journald.conf (or create /var/log/journal).",
        run: log_persistent_storage,
    },
    Check {
        id: "host.audit.rules-identity",
        severity: Severity::High,
        level: Level::Basic,
        rationale: "New accounts and changed groups are how attackers keep access.",
        remediation: "Add -w /etc/passwd -p wa -k identity (and group, shadow, gshadow, security/opasswd) to /etc/audit/rules.d.",
        run: audit_rules_identity,
    },
    Check {
        id: "host.audit.rules-logins",
        severity: Severity::Medium,
        level: Level::Basic,
        rationale: "Login and lockout records show who came in and who tried.",
        remediation: "Add -w /var/log/lastlog -p wa -k logins and -w /var/run/faillock -p wa -k logins.",
        run: audit_rules_logins,
    },
    Check {
        id: "host.service.risky-services",
        severity: Severity::High,
        level: Level::Basic,
        rationale: "telnet, rsh, tftp and inetd-era services send credentials in clear text.",
        remediation: "apt-get purge the listed packages; use SSH/SFTP instead.",
        run: risky_services,
    },
    Check {
        id: "host.login.banner",
        severity: Severity::Low,
        level: Level::Basic,
        rationale: "A banner warns intruders legally and must not tell them the OS and version.",
        remediation: "Set Banner /etc/issue.net in sshd_config; write a warning without \\r \\m \\s \\v or the OS name to /etc/issue and /etc/issue.net.",
        run: login_banner,
    },
    Check {
        id: "host.web.security-headers",
        severity: Severity::Medium,
        level: Level::Basic,
        rationale: "HSTS stops downgrade to HTTP; nosniff stops MIME confusion attacks.",
        remediation: "nginx: add_header Strict-Transport-Security \"max-age=31536000\" always; add_header X-Content-Type-Options nosniff always;",
        run: web_security_headers,
    },
    Check {
        id: "host.web.http-methods",
        severity: Severity::Medium,
        level: Level::Basic,
        rationale: "TRACE enables cross-site tracing; WebDAV lets clients write files.",
        remediation: "Apache: TraceEnable Off and no Dav On; nginx: remove dav_methods.",
        run: web_http_methods,
    },
    Check {
        id: "host.account.default-accounts",
        severity: Severity::High,
        level: Level::Basic,
        rationale: "Vendor and test accounts have well-known names and often well-known passwords.",
        remediation: "userdel the account, or lock it (passwd -l) and set its shell to nologin.",
        run: default_accounts,
    },
    Check {
        id: "host.log.auth-events",
        severity: Severity::Medium,
        level: Level::Basic,
        rationale: "Login successes and failures are the first thing an investigation needs.",
        remediation: "In rsyslog: auth,authpriv.* /var/log/auth.log (Debian's default).",
        run: log_auth_events,
    },
    Check {
        id: "host.audit.auditd-enabled",
        severity: Severity::High,
        level: Level::Basic,
        rationale: "Events before auditd starts, or dropped for a small backlog, are lost for good.",
        remediation: "systemctl enable auditd; add audit=1 audit_backlog_limit=8192 to GRUB_CMDLINE_LINUX and update-grub.",
        run: auditd_enabled,
    },
    Check {
        id: "host.audit.log-storage",
        severity: Severity::Medium,
        level: Level::Basic,
        rationale: "An audit log that silently stops or overwrites itself when the disk fills hides what happened.",
        remediation: "In auditd.conf: space_left_action = email, admin_space_left_action = single, disk_full_action = halt, max_log_file_action = keep_logs.",
        run: audit_log_storage,
    },
    Check {
        id: "host.service.firewall-default-deny",
        severity: Severity::High,
        level: Level::Basic,
        rationale: "Without a default-deny host firewall every listening service is exposed, east-west included.",
        remediation: "nftables: chain input { type filter hook input priority 0; policy drop; … } and systemctl enable nftables.",
        run: firewall_default_deny,
    },
    Check {
        id: "host.ssh.host-key-strength",
        severity: Severity::High,
        level: Level::Basic,
        rationale: "Short RSA and DSA host keys can be factored or forged, enabling server impersonation.",
        remediation: "Remove DSA and short RSA host keys; keep Ed25519 (and RSA ≥ 3072): ssh-keygen -t rsa -b 3072 -f /etc/ssh/ssh_host_rsa_key.",
        run: ssh_host_key_strength,
    },
    Check {
        id: "host.ssh.user-key-strength",
        severity: Severity::Medium,
        level: Level::Basic,
        rationale: "Weak user keys can be broken and used to log in.",
        remediation: "Replace DSA and RSA < 2048 keys in authorized_keys with Ed25519 keys.",
        run: ssh_user_key_strength,
    },
    Check {
        id: "host.ssh.authorized-keys-permissions",
        severity: Severity::High,
        level: Level::Basic,
        rationale: "Whoever can write an authorized_keys file can log in as its owner.",
        remediation: "chown -R <user> ~<user>/.ssh; chmod 700 ~/.ssh; chmod 600 ~/.ssh/authorized_keys.",
        run: ssh_authorized_keys_permissions,
    },
    Check {
        id: "host.web.default-content",
        severity: Severity::Low,
        level: Level::Basic,
        rationale: "Welcome and diagnostic pages reveal software and configuration and show the server is unmaintained.",
        remediation: "Remove index.nginx-debian.html, the Apache default page and phpinfo/test scripts from document roots.",
        run: web_default_content,
    },
    Check {
        id: "host.audit.rules-system-changes",
        severity: Severity::Medium,
        level: Level::Basic,
        rationale: "Changing the clock or the host's identity is how attackers confuse a timeline.",
        remediation: "Audit adjtimex/settimeofday/clock_settime and sethostname/setdomainname syscalls and watch /etc/localtime and /etc/hosts.",
        run: audit_rules_system_changes,
    },
    Check {
        id: "host.audit.rules-file-access",
        severity: Severity::Medium,
        level: Level::Basic,
        rationale: "Denied file access and deletions show probing and clean-up.",
        remediation: "Audit open/openat/creat/truncate with exit=-EACCES/-EPERM, and unlink/unlinkat/rename/renameat by users.",
        run: audit_rules_file_access,
    },
    Check {
        id: "host.patch.repository-integrity",
        severity: Severity::High,
        level: Level::Basic,
        rationale: "An unsigned repository lets anyone on the path install code as root.",
        remediation: "Remove trusted=yes and allow-insecure from APT sources; install the repository's signing key (signed-by).",
        run: repository_integrity,
    },
    Check {
        id: "host.service.datastore-exposure",
        severity: Severity::Critical,
        level: Level::Basic,
        rationale: "Open Redis, MySQL and PostgreSQL listeners are among the most exploited cloud exposures, east-west included.",
        remediation: "Bind data stores to 127.0.0.1 or a private interface, require passwords (requirepass/ACLs, no 'trust' in pg_hba.conf) and filter the port.",
        run: datastore_exposure,
    },
    Check {
        id: "host.ssh.key-only",
        severity: Severity::High,
        level: Level::Enhanced,
        rationale: "Passwords can be phished and guessed; keys cannot be brute-forced.",
        remediation: "Set PasswordAuthentication no and KbdInteractiveAuthentication no in sshd_config.",
        run: ssh_key_only,
    },
    Check {
        id: "host.access.su-restriction",
        severity: Severity::Medium,
        level: Level::Enhanced,
        rationale: "Restricting su to administrators stops anyone with root's password from using it.",
        remediation: "Uncomment 'auth required pam_wheel.so use_uid' in /etc/pam.d/su.",
        run: su_restriction,
    },
    Check {
        id: "host.access.sensitive-file-permissions",
        severity: Severity::Medium,
        level: Level::Enhanced,
        rationale: "Readable login, cron and boot configuration helps an attacker plan; writable means takeover.",
        remediation: "chmod 600 /etc/ssh/sshd_config /etc/crontab; chmod 400 /boot/grub/grub.cfg; owner root.",
        run: sensitive_file_permissions,
    },
    Check {
        id: "host.audit.sudo-logging",
        severity: Severity::Medium,
        level: Level::Enhanced,
        rationale: "Privileged commands must be attributable and their log protected.",
        remediation: "Defaults use_pty, Defaults logfile=/var/log/sudo.log, and -w /var/log/sudo.log -p wa -k sudo.",
        run: sudo_logging,
    },
    Check {
        id: "host.patch.auto-security-updates",
        severity: Severity::Medium,
        level: Level::Enhanced,
        rationale: "Security fixes should not wait for someone to remember them.",
        remediation: "apt-get install unattended-upgrades; dpkg-reconfigure -plow unattended-upgrades.",
        run: auto_security_updates,
    },
    Check {
        id: "host.ops.time-sync",
        severity: Severity::Medium,
        level: Level::Enhanced,
        rationale: "Logs from many hosts can only be correlated with synchronised clocks.",
        remediation: "Enable exactly one of chrony or systemd-timesyncd.",
        run: time_sync,
    },
    Check {
        id: "host.data.core-dumps",
        severity: Severity::Low,
        level: Level::Enhanced,
        rationale: "Core dumps of privileged processes can contain keys and passwords.",
        remediation: "fs.suid_dumpable = 0 in sysctl.d and '* hard core 0' in /etc/security/limits.conf.",
        run: core_dumps,
    },
    Check {
        id: "host.ops.mount-options",
        severity: Severity::Medium,
        level: Level::Enhanced,
        rationale: "Executables and device files in world-writable temporary space are a classic privilege escalation path.",
        remediation: "Mount /tmp and /dev/shm with nodev,nosuid,noexec (fstab or systemd tmp.mount).",
        run: mount_options,
    },
    Check {
        id: "host.data.webroot-exposure",
        severity: Severity::High,
        level: Level::Enhanced,
        rationale: "A published .git directory, .env file or SQL dump hands out source code, secrets or data.",
        remediation: "Move repositories, environment files, dumps and backups out of the document root; deny dot files in the web server.",
        run: webroot_exposure,
    },
    Check {
        id: "host.mac.enforcing",
        severity: Severity::Medium,
        level: Level::Enhanced,
        rationale: "Mandatory access control confines a compromised service to what its profile allows.",
        remediation: "Keep AppArmor enabled (apparmor package, no apparmor=0) or set SELINUX=enforcing.",
        run: mac_enforcing,
    },
    Check {
        id: "host.account.inactive",
        severity: Severity::Low,
        level: Level::Enhanced,
        rationale: "Forgotten accounts keep working long after their owner has left.",
        remediation: "useradd -D -f 30 and chage --inactive 30 <user> for existing accounts.",
        run: accounts_inactive,
    },
    Check {
        id: "host.access.sudoers",
        severity: Severity::High,
        level: Level::Enhanced,
        rationale: "Password-less ALL turns any stolen account into root.",
        remediation: "Remove NOPASSWD from ALL rules and !authenticate; chmod 440 the sudoers files.",
        run: sudoers,
    },
    Check {
        id: "host.audit.log-protection",
        severity: Severity::High,
        level: Level::Enhanced,
        rationale: "An attacker who can change audit rules or logs erases their traces.",
        remediation: "End /etc/audit/rules.d/99-finalize.rules with -e 2; chmod 750 /var/log/audit.",
        run: audit_log_protection,
    },
    Check {
        id: "host.ops.kernel-hardening",
        severity: Severity::Medium,
        level: Level::Enhanced,
        rationale: "These settings close well-known kernel information leaks and network attacks.",
        remediation: "Set the listed keys in /etc/sysctl.d/60-kexin-hardening.conf and run sysctl --system.",
        run: kernel_hardening,
    },
    // ---- patch management (kexin-vulndb's matching, see patch.rs) --------
    Check {
        id: "host.patch.known-vulnerabilities",
        severity: Severity::High,
        level: Level::Basic,
        rationale: "Installed package versions with published, fixed vulnerabilities are the most common way in.",
        remediation: "apt-get update && apt-get upgrade (or install the fixed versions listed); keep the advisory database current with kexin vulndb import.",
        run: patch_known_vulnerabilities,
    },
    Check {
        id: "host.patch.pending-security-updates",
        severity: Severity::High,
        level: Level::Basic,
        rationale: "A security update that is available but not installed leaves a known hole open.",
        remediation: "apt-get upgrade the listed packages (unattended-upgrades does this daily).",
        run: patch_pending_security_updates,
    },
    Check {
        id: "host.patch.end-of-support",
        severity: Severity::Medium,
        level: Level::Basic,
        rationale: "Packages past security support get no fixes for new vulnerabilities.",
        remediation: "Replace or remove the listed packages, or move to a release that supports them.",
        run: patch_end_of_support,
    },
    // ---- key policy, transmission, logs, services, web (basic) -----------
    Check {
        id: "host.ssh.authorized-keys-inventory",
        severity: Severity::Medium,
        level: Level::Basic,
        rationale: "An anonymous or shared key cannot be attributed or revoked for one person; keys on locked accounts keep them open.",
        remediation: "Give every key a comment naming its holder, issue one key per person and account, and remove keys of locked or expired accounts.",
        run: keys::authorized_keys_inventory,
    },
    Check {
        id: "host.ssh.user-private-key-protection",
        severity: Severity::High,
        level: Level::Basic,
        rationale: "A private key readable by others, or without a passphrase, is a credential anyone with file access can use.",
        remediation: "chmod 600 the key and add a passphrase: ssh-keygen -p -f <key>; better, keep keys off servers (agent forwarding or a bastion).",
        run: keys::user_private_key_protection,
    },
    Check {
        id: "host.crypto.tls-ciphers",
        severity: Severity::High,
        level: Level::Basic,
        rationale: "Static RSA key exchange has no forward secrecy; CBC, RC4, 3DES, export and anonymous suites have practical attacks.",
        remediation: "nginx: ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305; Apache: the same in SSLCipherSuite.",
        run: tls::tls_ciphers,
    },
    Check {
        id: "host.crypto.plaintext-services",
        severity: Severity::High,
        level: Level::Basic,
        rationale: "telnet, r-services, TFTP and FTP without TLS send passwords and data in clear text.",
        remediation: "Disable and purge them (systemctl disable --now telnet.socket; apt-get purge …); use SSH/SFTP, or ssl_enable=YES for vsftpd.",
        run: network::plaintext_services,
    },
    Check {
        id: "host.log.service-running",
        severity: Severity::High,
        level: Level::Basic,
        rationale: "Without a running log service nothing that happens is recorded.",
        remediation: "systemctl enable --now rsyslog (or set Storage=persistent for journald) and check that /var/log/syslog is written.",
        run: logs::service_running,
    },
    Check {
        id: "host.log.file-permissions",
        severity: Severity::Medium,
        level: Level::Basic,
        rationale: "Logs hold user names, addresses and sometimes secrets; writable logs can be falsified.",
        remediation: "chmod 640 /var/log/* (0664 only for wtmp/lastlog, 0660 for btmp); $FileCreateMode 0640 in rsyslog.conf.",
        run: logs::file_permissions,
    },
    Check {
        id: "host.log.rotation-retention",
        severity: Severity::Medium,
        level: Level::Basic,
        rationale: "Investigations look back months; China's Cybersecurity Law requires network logs to be kept at least six months.",
        remediation: "In /etc/logrotate.d/rsyslog: weekly and rotate 26 (or daily and rotate 180); MaxRetentionSec unset or ≥ 180d in journald.conf.",
        run: logs::rotation_retention,
    },
    Check {
        id: "host.audit.rules-privileged",
        severity: Severity::Medium,
        level: Level::Basic,
        rationale: "Every run of a setuid or setgid program is a privilege change that must be attributable.",
        remediation: "For each program: -a always,exit -F path=<program> -F perm=x -F auid>=1000 -F auid!=unset -k privileged.",
        run: walk::audit_rules_privileged,
    },
    Check {
        id: "host.patch.running-kernel",
        severity: Severity::High,
        level: Level::Basic,
        rationale: "An installed kernel or library fix protects nothing until the kernel is rebooted into and the services restarted.",
        remediation: "Reboot into the newest kernel (or apply a live patch) and restart the services that still map deleted libraries (needrestart).",
        run: ops::running_kernel,
    },
    Check {
        id: "host.service.listening-sockets",
        severity: Severity::High,
        level: Level::Basic,
        rationale: "Every listening port is attack surface; an unregistered one is either unnecessary or unknown to its owners.",
        remediation: "Stop the service or bind it to 127.0.0.1, or register the port under listeners in /etc/kexin/host-role.yaml.",
        run: network::listening_sockets,
    },
    Check {
        id: "host.service.unneeded-services",
        severity: Severity::Medium,
        level: Level::Basic,
        rationale: "Printing, discovery, RPC, SNMP, desktop, DHCP and DNS services are rarely needed on a cloud server and widen the attack surface.",
        remediation: "systemctl disable --now the unit, or register it under services in /etc/kexin/host-role.yaml.",
        run: network::unneeded_services,
    },
    Check {
        id: "host.web.tls-enabled",
        severity: Severity::High,
        level: Level::Basic,
        rationale: "Plain HTTP exposes sessions and content; an expiring, weak or chainless certificate breaks or weakens HTTPS.",
        remediation: "Serve every site over HTTPS with a full chain (fullchain.pem), RSA ≥ 2048 or ECDSA ≥ 256, renewed 30 days before expiry; make port 80 only return 301 https://$host$request_uri.",
        run: tls::web_tls_enabled,
    },
    // ---- enhanced: access control, identity, data, audit, operation -------
    Check {
        id: "host.access.world-writable",
        severity: Severity::Medium,
        level: Level::Enhanced,
        rationale: "A world-writable file or non-sticky directory lets any local user plant code or delete others' files; unowned files get adopted by the next account with that id.",
        remediation: "chmod o-w the files, chmod +t the directories, chown unowned files to a real account (find / -xdev -nouser).",
        run: walk::world_writable,
    },
    Check {
        id: "host.access.suid-inventory",
        severity: Severity::High,
        level: Level::Enhanced,
        rationale: "A setuid program that no package installed, or that was modified, is a classic root backdoor.",
        remediation: "Remove unknown set-id programs (chmod ug-s), reinstall modified ones (apt-get install --reinstall <package>), never keep them in /home or /tmp.",
        run: walk::suid_inventory,
    },
    Check {
        id: "host.access.east-west-filtering",
        severity: Severity::High,
        level: Level::Enhanced,
        rationale: "A compromised neighbour in the same subnet reaches every port a host firewall does not filter.",
        remediation: "Default-drop input and admit only the registered peers (peers in /etc/kexin/host-role.yaml) on specific ports: ip saddr 10.0.0.10 tcp dport 5432 accept.",
        run: network::east_west_filtering,
    },
    Check {
        id: "host.mfa.pam-module",
        severity: Severity::High,
        level: Level::Enhanced,
        rationale: "A stolen key or password alone must not be enough to log in or to become root.",
        remediation: "AuthenticationMethods publickey,keyboard-interactive in sshd_config and 'auth required pam_google_authenticator.so' (or pam_u2f/pam_oath/pam_duo) in /etc/pam.d/sshd and /etc/pam.d/sudo.",
        run: identity::mfa_pam_module,
    },
    Check {
        id: "host.account.direct-root-logins",
        severity: Severity::Medium,
        level: Level::Enhanced,
        rationale: "Direct logins to root or shared accounts cannot be attributed to a person.",
        remediation: "Log in with personal accounts and use sudo; set PermitRootLogin no and lock shared accounts' direct logins.",
        run: identity::direct_root_logins,
    },
    Check {
        id: "host.account.central-auth",
        severity: Severity::Medium,
        level: Level::Enhanced,
        rationale: "Local accounts on each host outlive their owners; a directory revokes access everywhere at once.",
        remediation: "Join the directory (sssd with LDAP/AD, 'passwd: files sss' in nsswitch.conf), remove local login accounts or register them under break_glass.",
        run: identity::central_auth,
    },
    Check {
        id: "host.data.disk-encryption",
        severity: Severity::Medium,
        level: Level::Enhanced,
        rationale: "Snapshots, decommissioned disks and stolen volumes expose unencrypted data.",
        remediation: "Put data filesystems and swap on LUKS (cryptsetup luksFormat, /etc/crypttab), or use the platform's encrypted volumes.",
        run: ops::disk_encryption,
    },
    Check {
        id: "host.data.backup-jobs",
        severity: Severity::Medium,
        level: Level::Enhanced,
        rationale: "Data that is not backed up off the disk is lost with the disk, or encrypted with it by ransomware.",
        remediation: "Schedule a daily restic/borg/rsync job to another host or volume and end it with && touch /var/lib/backup/<job>.ok so its success can be checked.",
        run: ops::backup_jobs,
    },
    Check {
        id: "host.data.exposed-secrets",
        severity: Severity::High,
        level: Level::Enhanced,
        rationale: "Credential files readable by others and passwords in shell histories are the first thing an intruder collects.",
        remediation: "chmod 600 credential files; remove the secrets from histories and rotate them; pass passwords through files or environment, not the command line.",
        run: walk::exposed_secrets,
    },
    Check {
        id: "host.audit.remote-forwarding",
        severity: Severity::High,
        level: Level::Enhanced,
        rationale: "Logs kept only on the host are erased by whoever takes it over.",
        remediation: "rsyslog: action(type=\"omfwd\" target=… protocol=\"tcp\" StreamDriver=\"gtls\" StreamDriverMode=\"1\"); auditd: active = yes in plugins.d/au-remote.conf with transport = KRB5, or the syslog plugin.",
        run: logs::remote_forwarding,
    },
    Check {
        id: "host.ops.file-integrity",
        severity: Severity::Medium,
        level: Level::Enhanced,
        rationale: "Changed system binaries and configuration are how intrusions persist; only a baseline comparison finds them.",
        remediation: "apt-get install aide; aideinit; keep the daily check (/etc/cron.daily/aide or dailyaidecheck.timer) enabled.",
        run: ops::file_integrity,
    },
    Check {
        id: "host.ops.malware-protection",
        severity: Severity::Medium,
        level: Level::Enhanced,
        rationale: "Web shells, miners and known malware are caught by signatures only if the scanner runs and is current.",
        remediation: "Enable an EDR agent, or clamav-daemon (or a scheduled clamscan) with clamav-freshclam updating signatures.",
        run: ops::malware_protection,
    },
    // ---- security policy management: registers and the previous scan ------
    Check {
        id: "host.baseline.scan-freshness",
        severity: Severity::Medium,
        level: Level::Enhanced,
        rationale: "A baseline is only evidence while it is recent and complete.",
        remediation: "Run kexin scan host --profile enhanced at least weekly and keep its JSON (--output /var/lib/kexin/last-scan.json).",
        run: baseline::scan_freshness,
    },
    Check {
        id: "host.baseline.waiver-expiry",
        severity: Severity::Medium,
        level: Level::Enhanced,
        rationale: "Waivers without an owner, a reason, a compensating control and an end become permanent holes.",
        remediation: "Complete every entry of /etc/kexin/waivers.yaml and renew or remove expired ones (at most 12 months from approval).",
        run: baseline::waiver_expiry,
    },
    Check {
        id: "host.baseline.config-managed",
        severity: Severity::Medium,
        level: Level::Enhanced,
        rationale: "Hand-edited security configuration drifts from the approved template without anyone deciding it.",
        remediation: "Deploy the files from configuration management and register their sha256 under templates in /etc/kexin/host-role.yaml.",
        run: baseline::config_managed,
    },
    // Last: compares every result above with the baseline.
    Check {
        id: "host.baseline.drift",
        severity: Severity::High,
        level: Level::Enhanced,
        rationale: "A check that passed and now fails is a change nobody may have approved.",
        remediation: "Fix the regression, or link it to a change or remediation ticket in /etc/kexin/waivers.yaml.",
        run: baseline::drift,
    },
];

/// How much to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// The basic items of the cloud-host standard.
    Basic,
    /// Basic and enhanced items.
    Enhanced,
}

/// The results of one scan.
#[derive(Debug, Clone, Serialize)]
pub struct Scan {
    pub profile: Profile,
    pub live: bool,
    /// When the scan ran, Unix seconds (the next scan's freshness and drift
    /// checks read it back).
    pub started_at: i64,
    pub results: Vec<CheckResult>,
    pub duration_ms: u128,
}

impl Scan {
    pub fn count(&self, status: CheckStatus) -> usize {
        self.results.iter().filter(|r| r.status == status).count()
    }
}

/// Runs every check of `profile` against `root` at the current time, with
/// the root's own previous scan (if any) and no advisory database.
pub fn scan(root: &Root, profile: Profile) -> Scan {
    scan_with(root, &ScanOptions::new(profile))
}

/// Runs every check of `options.profile` against `root`.
pub fn scan_with(root: &Root, options: &ScanOptions) -> Scan {
    let start = Instant::now();
    let host = Host::new(root, options.now, options.vulndb, options.baseline.as_ref());
    let results = CHECKS
        .iter()
        .filter(|c| options.profile == Profile::Enhanced || c.level == Level::Basic)
        .map(|c| {
            let o = (c.run)(&host);
            host.results.borrow_mut().push((c.id, o.status));
            CheckResult {
                id: c.id,
                status: o.status,
                severity: c.severity,
                message: o.message,
                evidence: o.evidence,
            }
        })
        .collect();
    Scan {
        profile: options.profile,
        live: root.is_live(),
        started_at: options.now,
        results,
        duration_ms: start.elapsed().as_millis(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_keys_report_type_and_size() {
        let rsa = parse_public_key("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCltyh7/TS8iOTNstflxVPo2/TyrWMsaS3FheD8/SjuFKBey8FmABndQC81PgKfxQHft/IZYpOQEfzMwFXTYU0+ZQDiETq8fTWeI49tdIiyOy8iSor0nSie/hLBB2bX8tftUMHJshCG7p7S1X6gvamnElNl4PKV9pHZfZ/+CPDqv8gideWuRX8MihG0N4aekqfbcg9My4J2hSq/zLpgBKH9HMBZZUKYp+WF30SRiddWJhQ7ZK8FpuN9WkBekzsAzAMNHX4JYK03QDqwLOI2Az3WhWMxrZ6PemIxtRP7hMWMr3W9/DkGIa7p292gRpyhe6VrsybQWor+BAqjwdlwBtfN host@weak").unwrap();
        assert_eq!(
            (rsa.kind.as_str(), rsa.bits, rsa.comment.as_str()),
            ("ssh-rsa", 2048, "host@weak")
        );
        assert_eq!(weak_key(&rsa, 3072).unwrap(), "RSA 2048 bits (< 3072)");
        assert!(weak_key(&rsa, 2048).is_none());
        let ed = parse_public_key("from=\"10.0.0.0/8\",no-pty ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJJVxjns8mBVwivC1fXPdI/uWqq5gTKSvprGru1cAqLU alice@laptop").unwrap();
        assert_eq!(
            (ed.kind.as_str(), ed.bits),
            ("ssh-ed25519", 256),
            "options before the key are skipped"
        );
        assert_eq!(
            ed.fingerprint, "SHA256:7hM7VVImrOfsUmVHcZ3W4nn4xuvJms8ZmBbi66tqcdI",
            "as ssh-keygen -lf prints it"
        );
        assert!(parse_public_key("ssh-rsa AAAA!!!! broken").is_none());
        assert!(
            parse_public_key("ssh-ed25519 AAAAC3NzaC1yc2EAAAADAQAB").is_none(),
            "type inside the blob must match"
        );
    }
}
