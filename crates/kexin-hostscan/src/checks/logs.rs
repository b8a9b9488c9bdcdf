//! Log management: a logging service that runs and writes, private log
//! files, retention long enough for an investigation (180 days, the
//! cybersecurity law's minimum), and forwarding to a separate collector.

use super::{
    Evidence, Host, Outcome, error, fail, key_values, not_applicable, pass, unit_enabled, verdict,
};
use crate::root::{FileText, wildcard_match};

const DAY: i64 = 86_400;
const RETENTION_DAYS: i64 = 180;

/// rsyslog's configuration files in the order rsyslog reads them.
fn rsyslog_files(h: &Host) -> Vec<FileText> {
    let mut names = vec!["/etc/rsyslog.conf".to_string()];
    names.extend(h.root.glob("/etc/rsyslog.d/*.conf").unwrap_or_default());
    names
        .iter()
        .filter_map(|f| h.root.read_optional(f).ok().flatten())
        .collect()
}

/// Files rsyslog writes to: `selector  [-]/path` rules and `omfile` actions.
fn rsyslog_targets(files: &[FileText]) -> Vec<(String, Evidence)> {
    let mut out = Vec::new();
    for t in files {
        for (n, l) in t.numbered_lines() {
            let l = l.trim();
            if l.starts_with('#') || l.starts_with('$') {
                continue;
            }
            let file = if let Some(i) = l.find("file=\"") {
                l[i + 6..].split('"').next().map(str::to_string)
            } else {
                l.split_whitespace()
                    .nth(1)
                    .map(|t| t.trim_start_matches('-'))
                    .filter(|t| t.starts_with('/'))
                    .map(str::to_string)
            };
            if let Some(f) = file
                && !out.iter().any(|(p, _)| *p == f)
            {
                out.push((f.clone(), Evidence::at(&t.path, n, l)));
            }
        }
    }
    out
}

pub(super) fn service_running(h: &Host) -> Outcome {
    let mut seen = Vec::new();
    let daemon = ["rsyslog.service", "syslog-ng.service"]
        .iter()
        .find_map(|u| unit_enabled(h, u).map(|p| (u, p)));
    let journald_persistent = h.root.exists("/var/log/journal")
        && !h
            .root
            .read_optional("/etc/systemd/journald.conf")
            .ok()
            .flatten()
            .and_then(|t| key_values(&t, "Storage"))
            .is_some_and(|(v, _)| v == "volatile" || v == "none");
    let running = if h.root.is_live() {
        let names = ["rsyslogd", "syslog-ng", "systemd-journal"];
        let comms: Vec<String> = h
            .root
            .read_dir("/proc")
            .unwrap_or_default()
            .into_iter()
            .filter(|p| p.name.bytes().all(|b| b.is_ascii_digit()))
            .filter_map(|p| h.root.read(&format!("{}/comm", p.path)).ok())
            .map(|t| t.text.trim().to_string())
            .filter(|c| names.contains(&c.as_str()))
            .collect();
        Some(comms)
    } else {
        None
    };
    match (&daemon, journald_persistent) {
        (Some((u, p)), _) => seen.push(Evidence::file(p, format!("{u} is enabled"))),
        (None, true) => seen.push(Evidence::file(
            "/var/log/journal",
            "journald keeps a persistent journal",
        )),
        (None, false) => {
            return fail(
                "no syslog daemon is enabled and the journal is not persistent",
                vec![Evidence::file(
                    "/etc/systemd/system/multi-user.target.wants",
                    "neither rsyslog.service nor syslog-ng.service is enabled; /var/log/journal absent",
                )],
            );
        }
    }
    if let Some(comms) = &running {
        if comms.is_empty() {
            return fail(
                "no logging daemon is running",
                vec![Evidence::file(
                    "live:/proc",
                    "no rsyslogd, syslog-ng or systemd-journald process",
                )],
            );
        }
        seen.push(Evidence::file(
            "live:/proc",
            format!("running: {}", comms.join(", ")),
        ));
    }
    let newest = h
        .walk()
        .logs
        .iter()
        .filter(|e| {
            matches!(e.path.as_str(), "/var/log/syslog" | "/var/log/messages")
                || e.path.ends_with(".journal")
        })
        .max_by_key(|e| e.mtime);
    match newest {
        Some(e) if h.now - e.mtime < DAY => {
            seen.push(Evidence::file(
                &e.path,
                format!("last written {} minutes ago", (h.now - e.mtime) / 60),
            ));
            pass(
                "a logging service is enabled and wrote within 24 hours",
                seen,
            )
        }
        Some(e) => fail(
            "the system log has not been written for more than 24 hours",
            vec![Evidence::file(
                &e.path,
                format!("last written {} hours ago", (h.now - e.mtime) / 3600),
            )],
        ),
        None => fail(
            "no system log file (/var/log/syslog, /var/log/messages or a journal)",
            vec![Evidence::file(
                "/var/log",
                "no syslog, messages or journal file",
            )],
        ),
    }
}

/// Largest mode a log file may have (binary login records are group utmp).
fn allowed_log_mode(path: &str) -> u32 {
    match path {
        "/var/log/wtmp" | "/var/log/lastlog" => 0o664,
        "/var/log/btmp" => 0o660,
        _ => 0o640,
    }
}

fn octal(v: &str) -> Option<u32> {
    u32::from_str_radix(v.trim_matches('"'), 8).ok()
}

pub(super) fn file_permissions(h: &Host) -> Outcome {
    let files = rsyslog_files(h);
    let logs = &h.walk().logs;
    if files.is_empty() && logs.is_empty() {
        return not_applicable("no rsyslog configuration and no files under /var/log");
    }
    let uid_min = h
        .login_defs()
        .ok()
        .and_then(|d| d.int("UID_MIN"))
        .unwrap_or(1000);
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    if !files.is_empty() {
        let mut create_mode = None;
        for t in &files {
            for (n, l) in t.numbered_lines() {
                let l = l.trim();
                let v = l
                    .strip_prefix("$FileCreateMode")
                    .map(str::trim)
                    .or_else(|| {
                        l.find("fileCreateMode=")
                            .map(|i| l[i + 15..].split([' ', ')']).next().unwrap_or(""))
                    });
                if let Some(v) = v {
                    create_mode = Some((octal(v), Evidence::at(&t.path, n, l)));
                }
            }
        }
        match create_mode {
            Some((Some(m), ev)) if m & !0o640 == 0 => seen.push(ev),
            Some((_, ev)) => bad.push(Evidence {
                detail: format!("{}: new log files get more than 0640", ev.detail),
                ..ev
            }),
            None => bad.push(Evidence::file(
                &files[0].path,
                "$FileCreateMode not set: rsyslog creates log files 0644",
            )),
        }
    }
    for e in logs {
        let max = allowed_log_mode(&e.path);
        let owner_ok = i64::from(e.uid) < uid_min;
        if e.mode & !max != 0 || !owner_ok {
            bad.push(Evidence::file(
                &e.path,
                format!(
                    "mode {:04o}, uid {}; expected at most {max:04o}, owned by root or a service account",
                    e.mode, e.uid
                ),
            ));
        }
    }
    verdict(
        bad,
        &format!(
            "{} log files and new ones are private to root and their service",
            logs.len()
        ),
        "log files can be read or changed by others",
        seen,
    )
}

/// One logrotate block: its path patterns and settings.
#[derive(Debug, Clone, Default, PartialEq)]
struct RotateBlock {
    patterns: Vec<String>,
    period_days: Option<i64>,
    rotate: Option<i64>,
    maxage: Option<i64>,
    loc: (String, usize),
}

fn apply_directive(b: &mut RotateBlock, words: &[&str]) {
    match words {
        ["daily"] => b.period_days = Some(1),
        ["weekly", ..] => b.period_days = Some(7),
        ["monthly"] => b.period_days = Some(30),
        ["yearly"] => b.period_days = Some(365),
        ["rotate", n] => b.rotate = n.parse().ok(),
        ["maxage", n] => b.maxage = n.parse().ok(),
        _ => {}
    }
}

/// logrotate's configuration: global defaults and blocks, includes of
/// `/etc/logrotate.d` followed once.
fn logrotate(h: &Host) -> Option<(RotateBlock, Vec<RotateBlock>)> {
    let main = h.root.read_optional("/etc/logrotate.conf").ok().flatten()?;
    let mut defaults = RotateBlock::default();
    let mut blocks = Vec::new();
    let mut queue = vec![main];
    let mut included = false;
    while let Some(t) = queue.pop() {
        let mut current: Option<RotateBlock> = None;
        let mut pending: Vec<String> = Vec::new();
        for (n, l) in t.numbered_lines() {
            let l = l.split('#').next().unwrap_or("").trim();
            if l.is_empty() {
                continue;
            }
            if let Some(b) = current.as_mut() {
                if l == "}" || l.starts_with('}') {
                    blocks.push(current.take().unwrap_or_default());
                } else {
                    apply_directive(b, &l.split_whitespace().collect::<Vec<_>>());
                }
                continue;
            }
            if l.ends_with('{') {
                pending.extend(
                    l.trim_end_matches('{')
                        .split_whitespace()
                        .map(|p| p.trim_matches('"').to_string()),
                );
                current = Some(RotateBlock {
                    loc: (t.path.clone(), n),
                    ..defaults.clone()
                });
                if let Some(b) = current.as_mut() {
                    b.patterns = std::mem::take(&mut pending);
                }
                continue;
            }
            if l.starts_with('/') {
                pending.extend(l.split_whitespace().map(str::to_string));
                continue;
            }
            let words: Vec<&str> = l.split_whitespace().collect();
            if let ["include", dir] = words.as_slice() {
                if !included {
                    included = true;
                    let files = h.root.glob(&format!("{dir}/*")).unwrap_or_default();
                    queue.extend(files.iter().rev().filter_map(|f| h.root.read(f).ok()));
                }
                continue;
            }
            apply_directive(&mut defaults, &words);
        }
    }
    Some((defaults, blocks))
}

/// systemd time span in days (`180d`, `6month`, `1y`, `15552000`).
fn span_days(v: &str) -> Option<i64> {
    let v = v.trim();
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (num, unit) = v.split_at(split);
    let num: i64 = num.parse().ok()?;
    let secs = match unit.trim() {
        "" | "s" | "sec" => num,
        "min" | "m" => num * 60,
        "h" | "hour" | "hours" => num * 3600,
        "d" | "day" | "days" => num * DAY,
        "w" | "week" | "weeks" => num * 7 * DAY,
        "M" | "month" | "months" => num * 2_629_800,
        "y" | "year" | "years" => num * 31_557_600,
        _ => return None,
    };
    Some(secs / DAY)
}

pub(super) fn rotation_retention(h: &Host) -> Outcome {
    let targets = rsyslog_targets(&rsyslog_files(h));
    let journald = h
        .root
        .read_optional("/etc/systemd/journald.conf")
        .ok()
        .flatten();
    let retention = journald
        .as_ref()
        .and_then(|t| key_values(t, "MaxRetentionSec").map(|(v, n)| (v, n, t.path.clone())));
    let rotate = logrotate(h);
    if targets.is_empty() && retention.is_none() && rotate.is_none() {
        return not_applicable("no rsyslog file targets, logrotate or journald retention settings");
    }
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    if let Some((v, n, file)) = &retention {
        let ev = Evidence::at(file, *n, format!("MaxRetentionSec={v}"));
        match span_days(v) {
            Some(0) => seen.push(ev),
            Some(d) if d >= RETENTION_DAYS => seen.push(ev),
            _ => bad.push(Evidence {
                detail: format!("{}: shorter than {RETENTION_DAYS} days", ev.detail),
                ..ev
            }),
        }
    }
    if !targets.is_empty() {
        let Some((_, blocks)) = &rotate else {
            return fail(
                "syslog files are written but logrotate is not configured",
                vec![Evidence::file("/etc/logrotate.conf", "absent")],
            );
        };
        for (file, rule) in &targets {
            let block = blocks
                .iter()
                .rev()
                .find(|b| b.patterns.iter().any(|p| wildcard_match(p, file)));
            match block {
                None => bad.push(Evidence {
                    detail: format!("{}: {file} is rotated by no logrotate rule", rule.detail),
                    ..rule.clone()
                }),
                Some(b) => {
                    let kept = b.period_days.unwrap_or(7) * b.rotate.unwrap_or(0);
                    let kept = b.maxage.map_or(kept, |m| kept.min(m));
                    let ev = Evidence::at(&b.loc.0, b.loc.1, format!("{file}: kept {kept} days"));
                    if kept >= RETENTION_DAYS {
                        seen.push(ev)
                    } else {
                        bad.push(Evidence {
                            detail: format!("{} (< {RETENTION_DAYS})", ev.detail),
                            ..ev
                        })
                    }
                }
            }
        }
    }
    verdict(
        bad,
        "system and authentication logs are kept for at least 180 days",
        "logs are deleted before 180 days",
        seen,
    )
}

pub(super) fn remote_forwarding(h: &Host) -> Outcome {
    let files = rsyslog_files(h);
    let mut seen = Vec::new();
    let mut bad = Vec::new();
    let mut tls_forward: Option<Evidence> = None;
    let global_tls = files.iter().any(|t| {
        t.text.contains("$DefaultNetstreamDriver gtls")
            || t.text.contains("$DefaultNetstreamDriver ossl")
    }) && files
        .iter()
        .any(|t| t.text.contains("$ActionSendStreamDriverMode 1"));
    for t in &files {
        let mut statement = String::new();
        let mut start = 0;
        for (n, l) in t.numbered_lines() {
            let l = l.split('#').next().unwrap_or("").trim();
            if statement.is_empty() {
                start = n;
            }
            statement.push_str(l);
            statement.push(' ');
            if l.contains("action(") && !l.contains(')') {
                continue;
            }
            let s = std::mem::take(&mut statement);
            let ev = Evidence::at(&t.path, start, s.trim());
            if s.contains("omfwd") {
                let tls = (s.contains("StreamDriver=\"gtls\"")
                    || s.contains("StreamDriver=\"ossl\""))
                    && s.contains("StreamDriverMode=\"1\"");
                if tls {
                    tls_forward = Some(ev);
                } else {
                    bad.push(Evidence {
                        detail: format!("{}: forwards without TLS", ev.detail),
                        ..ev
                    });
                }
            } else if let Some(target) = s.split_whitespace().nth(1)
                && target.starts_with('@')
            {
                if target.starts_with("@@") && global_tls {
                    tls_forward = Some(ev);
                } else {
                    bad.push(Evidence {
                        detail: format!("{}: forwards without TLS", ev.detail),
                        ..ev
                    });
                }
            }
        }
    }
    if let Ok(Some(t)) = h.root.read_optional("/etc/syslog-ng/syslog-ng.conf")
        && let Some((n, l)) = t
            .numbered_lines()
            .find(|(_, l)| l.contains("transport(\"tls\")") || l.contains("transport(tls)"))
    {
        tls_forward = Some(Evidence::at(&t.path, n, l.trim()));
    }
    match tls_forward {
        Some(ev) => seen.push(ev),
        None if bad.is_empty() => bad.push(Evidence::file(
            "/etc/rsyslog.conf",
            "system logs are not forwarded to a collector",
        )),
        None => {}
    }
    let active = |path: &str| {
        h.root
            .read_optional(path)
            .ok()
            .flatten()
            .and_then(|t| key_values(&t, "active"))
            .is_some_and(|(v, _)| v == "yes")
    };
    let au_remote = active("/etc/audit/plugins.d/au-remote.conf");
    let remote_conf = h
        .root
        .read_optional("/etc/audit/audisp-remote.conf")
        .ok()
        .flatten();
    let audit_ok = if au_remote {
        let server = remote_conf
            .as_ref()
            .and_then(|t| key_values(t, "remote_server"))
            .filter(|(v, _)| !v.is_empty());
        let krb5 = remote_conf
            .as_ref()
            .and_then(|t| key_values(t, "transport"))
            .is_some_and(|(v, _)| v.eq_ignore_ascii_case("krb5"));
        match (server, krb5) {
            (Some((s, n)), true) => {
                seen.push(Evidence::at(
                    "/etc/audit/audisp-remote.conf",
                    n,
                    format!("audit records go to {s} over Kerberos-encrypted transport"),
                ));
                true
            }
            _ => {
                bad.push(Evidence::file(
                    "/etc/audit/audisp-remote.conf",
                    "audisp-remote without remote_server or with unencrypted transport (use transport = KRB5)",
                ));
                false
            }
        }
    } else if active("/etc/audit/plugins.d/syslog.conf") && !seen.is_empty() {
        seen.push(Evidence::file(
            "/etc/audit/plugins.d/syslog.conf",
            "audit records go through syslog forwarding",
        ));
        true
    } else {
        false
    };
    if !audit_ok && !bad.iter().any(|e| e.file.starts_with("/etc/audit")) {
        bad.push(Evidence::file(
            "/etc/audit/plugins.d",
            "audit records are not forwarded (neither au-remote nor the syslog plugin is active)",
        ));
    }
    match h.root.read_dir("/var/spool/rsyslog") {
        Ok(entries) => {
            for e in entries {
                if let Ok(m) = h.root.metadata(&e.path)
                    && m.size > 0
                    && h.now - m.mtime > 3600
                {
                    bad.push(Evidence::file(
                        &e.path,
                        format!(
                            "forwarding queue holds {} bytes not sent for {} minutes",
                            m.size,
                            (h.now - m.mtime) / 60
                        ),
                    ));
                }
            }
        }
        Err(e) if e.is_not_found() => {}
        Err(e) => return error(&e),
    }
    verdict(
        bad,
        "system and audit logs are forwarded over TLS and the queue is drained",
        "logs are not forwarded securely to a separate collector",
        seen,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_spans_in_days() {
        assert_eq!(span_days("180d"), Some(180));
        assert_eq!(span_days("6month"), Some(182));
        assert_eq!(span_days("1y"), Some(365));
        assert_eq!(span_days("15552000"), Some(180));
        assert_eq!(span_days("forever"), None);
    }
}
