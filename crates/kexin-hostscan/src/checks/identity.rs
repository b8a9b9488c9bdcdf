//! Identity: a second factor for remote and privileged logins, no direct
//! logins to root or shared accounts, and accounts that come from a
//! central directory rather than living on each host.

use super::baseline::register_error;
use super::{
    Evidence, HOST_ROLE_PATH, Host, Outcome, entry_evidence, error, not_applicable,
    setting_evidence, verdict,
};
use crate::parse::logins::{parse_auth_log, parse_wtmp};
use crate::parse::pam::{Control, PamType};
use crate::root::ReadError;

const OTP_MODULES: &[&str] = &[
    "pam_google_authenticator.so",
    "pam_oath.so",
    "pam_u2f.so",
    "pam_duo.so",
    "pam_radius_auth.so",
    "pam_yubico.so",
];

pub(super) fn mfa_pam_module(h: &Host) -> Outcome {
    let sshd = match h.sshd() {
        Ok(c) => Some(c),
        Err(ReadError::NotFound { .. }) => None,
        Err(e) => return error(e),
    };
    let pam = match h.pam() {
        Ok(p) => Some(p),
        Err(ReadError::NotFound { .. }) => None,
        Err(e) => return error(e),
    };
    if sshd.is_none() && pam.is_none() {
        return not_applicable("neither sshd nor PAM is configured in this root");
    }
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    if let Some(cfg) = sshd {
        let e = cfg.global();
        let ev = setting_evidence(&e, "AuthenticationMethods", "any");
        let two_factor = e.get("authenticationmethods").is_some_and(|s| {
            !s.args.is_empty() && s.args.iter().all(|alt| alt.split(',').count() >= 2)
        });
        if two_factor {
            seen.push(ev)
        } else {
            bad.push(Evidence {
                detail: format!("{}: one method is enough to log in", ev.detail),
                ..ev
            })
        }
    }
    if let Some(pam) = pam {
        for service in ["sshd", "sudo"] {
            let stack = pam.stack(service, PamType::Auth);
            let module = stack.entries.iter().find(|e| {
                OTP_MODULES.contains(&e.module_name())
                    && matches!(e.control, Control::Required | Control::Requisite)
            });
            match module {
                Some(m) => seen.push(entry_evidence(m)),
                None => bad.push(Evidence::file(
                    &format!("/etc/pam.d/{service}"),
                    "no OTP or FIDO module (pam_google_authenticator, pam_oath, pam_u2f, pam_duo, pam_radius) marked required",
                )),
            }
        }
    }
    verdict(
        bad,
        "SSH needs two methods and sshd and sudo require a one-time password or security key",
        "logins and privilege escalation work with a single factor",
        seen,
    )
}

pub(super) fn direct_root_logins(h: &Host) -> Outcome {
    let role = match h.host_role() {
        Ok(r) => r,
        Err(e) => return register_error(e),
    };
    let shared: Vec<&str> = role.map_or(Vec::new(), |r| {
        r.shared_accounts.iter().map(String::as_str).collect()
    });
    let mut logins = Vec::new();
    let mut sources = Vec::new();
    match h.root.read_bytes("/var/log/wtmp") {
        Ok(b) => {
            sources.push(Evidence::file("/var/log/wtmp", "read"));
            logins.extend(parse_wtmp("/var/log/wtmp", &b));
        }
        Err(e) if e.is_not_found() => {}
        Err(e) => return error(&e),
    }
    for f in ["/var/log/auth.log", "/var/log/secure"] {
        match h.root.read_optional(f) {
            Ok(Some(t)) => {
                sources.push(Evidence::file(f, "read"));
                logins.extend(parse_auth_log(&t, h.now));
            }
            Ok(None) => {}
            Err(e) => return error(&e),
        }
    }
    if sources.is_empty() {
        return not_applicable(
            "no login records (/var/log/wtmp, /var/log/auth.log or /var/log/secure)",
        );
    }
    let since = h.now - 30 * 86_400;
    let bad: Vec<Evidence> = logins
        .iter()
        .filter(|l| l.time.is_none_or(|t| t >= since))
        .filter(|l| l.user == "root" || shared.contains(&l.user.as_str()))
        .map(|l| {
            Evidence::at(
                &l.loc.file,
                l.loc.line,
                format!(
                    "{} logged in directly ({}{}){}",
                    l.user,
                    l.via,
                    if l.from.is_empty() {
                        String::new()
                    } else {
                        format!(" from {}", l.from)
                    },
                    if l.user == "root" {
                        ""
                    } else {
                        " — a shared account"
                    }
                ),
            )
        })
        .collect();
    verdict(
        bad,
        "no direct login as root or a shared account in the last 30 days",
        "root or shared accounts were logged in to directly",
        sources,
    )
}

pub(super) fn central_auth(h: &Host) -> Outcome {
    let a = h.accounts();
    let Some(passwd) = &a.passwd else {
        return a
            .errors
            .first()
            .map_or_else(|| not_applicable("/etc/passwd is absent"), error);
    };
    let role = match h.host_role() {
        Ok(r) => r,
        Err(e) => return register_error(e),
    };
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    let nss = match h.root.read_optional("/etc/nsswitch.conf") {
        Ok(t) => t,
        Err(e) => return error(&e),
    };
    let central = nss.as_ref().and_then(|t| {
        t.numbered_lines().find_map(|(n, l)| {
            let rest = l.trim().strip_prefix("passwd:")?;
            rest.split_whitespace()
                .any(|s| matches!(s, "sss" | "ldap" | "winbind" | "nis"))
                .then(|| Evidence::at(&t.path, n, l.trim()))
        })
    });
    match central {
        Some(ev) => seen.push(ev),
        None => bad.push(Evidence::file(
            "/etc/nsswitch.conf",
            "passwd: has no central source (sss, ldap, winbind)",
        )),
    }
    let break_glass: Vec<&str> = role.map_or(Vec::new(), |r| {
        r.break_glass.iter().map(String::as_str).collect()
    });
    for p in &passwd.entries {
        if p.name == "root" || p.has_nologin_shell() || break_glass.contains(&p.name.as_str()) {
            continue;
        }
        bad.push(Evidence::at(
            &p.loc.file,
            p.loc.line,
            format!(
                "local account {} can log in (shell {}) and is not a break-glass account in {HOST_ROLE_PATH}",
                p.name, p.shell
            ),
        ));
    }
    verdict(
        bad,
        "identities come from a central directory; local logins are root and break-glass only",
        "local accounts are used instead of a central identity source",
        seen,
    )
}
