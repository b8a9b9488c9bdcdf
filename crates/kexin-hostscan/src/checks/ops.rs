//! Secure operation: the kernel actually running, encrypted disks, backups
//! that run and leave the disk, file integrity monitoring and anti-malware
//! that are scheduled and current.

use std::cmp::Ordering;

use kexin_vulndb::version::dpkg;

use super::network::enabled_units;
use super::{Evidence, Host, Outcome, error, fail, not_applicable, pass, unit_enabled, verdict};
use crate::root::FileText;

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// Installed kernel releases from dpkg (`linux-image-6.1.0-28-amd64`), with the status line.
fn installed_kernels(h: &Host) -> Vec<(String, usize)> {
    let Ok(Some(status)) = h.root.read_optional("/var/lib/dpkg/status") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut current: Option<(String, usize)> = None;
    for (n, line) in status.numbered_lines() {
        if let Some(name) = line.strip_prefix("Package: ") {
            current = name
                .trim()
                .strip_prefix("linux-image-")
                .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()))
                .map(|v| (v.trim_end_matches("-unsigned").to_string(), n));
        } else if let Some(st) = line.strip_prefix("Status: ")
            && st.trim().ends_with(" installed")
            && let Some(k) = current.take()
        {
            out.push(k);
        }
    }
    out.sort_by(|a, b| dpkg::compare(&a.0, &b.0));
    out
}

pub(super) fn running_kernel(h: &Host) -> Outcome {
    let kernels = installed_kernels(h);
    let boot: Vec<String> = h
        .root
        .glob("/boot/vmlinuz-*")
        .unwrap_or_default()
        .into_iter()
        .map(|p| p.trim_start_matches("/boot/vmlinuz-").to_string())
        .collect();
    let newest = kernels
        .last()
        .map(|(v, _)| v.clone())
        .or_else(|| boot.iter().max_by(|a, b| dpkg::compare(a, b)).cloned());
    if !h.root.is_live() {
        let Some((v, line)) = kernels.last() else {
            return not_applicable(
                "offline root without installed kernel packages (a container image?): the running kernel is a live fact",
            );
        };
        return if boot.contains(v) {
            pass(
                format!(
                    "offline root: the running kernel cannot be known; the newest installed kernel {v} is in /boot"
                ),
                vec![
                    Evidence::at(
                        "/var/lib/dpkg/status",
                        *line,
                        format!("linux-image-{v} installed"),
                    ),
                    Evidence::file(&format!("/boot/vmlinuz-{v}"), "present"),
                ],
            )
        } else {
            fail(
                format!(
                    "the newest installed kernel {v} has no image in /boot: the upgrade did not complete"
                ),
                vec![Evidence::at(
                    "/var/lib/dpkg/status",
                    *line,
                    format!("linux-image-{v} installed, /boot/vmlinuz-{v} absent"),
                )],
            )
        };
    }
    let running = match h.root.read("/proc/sys/kernel/osrelease") {
        Ok(t) => t.text.trim().to_string(),
        Err(e) => return error(&e),
    };
    let mut bad = Vec::new();
    let mut seen = vec![Evidence::file(
        "live:/proc/sys/kernel/osrelease",
        format!("running {running}"),
    )];
    let livepatched = h
        .root
        .glob("/sys/kernel/livepatch/*")
        .unwrap_or_default()
        .iter()
        .any(|p| {
            h.root
                .read(&format!("{p}/enabled"))
                .is_ok_and(|t| t.text.trim() == "1")
        });
    match &newest {
        Some(n) if dpkg::compare(&running, n) == Ordering::Less && !livepatched => {
            bad.push(Evidence::file(
                "live:/proc/sys/kernel/osrelease",
                format!("running {running}, newest installed {n}: reboot needed"),
            ))
        }
        Some(n) if livepatched => seen.push(Evidence::file(
            "live:/sys/kernel/livepatch",
            format!("live patches applied (newest installed {n})"),
        )),
        _ => {}
    }
    for p in h.root.read_dir("/proc").unwrap_or_default() {
        if !p.name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(maps) = h.root.read(&format!("{}/maps", p.path)) else {
            continue;
        };
        if let Some(lib) = maps.text.lines().find_map(|l| {
            let path = l.split_whitespace().nth(5)?;
            (path.contains(".so") && l.ends_with("(deleted)")).then(|| path.to_string())
        }) {
            let comm = h
                .root
                .read(&format!("{}/comm", p.path))
                .map(|t| t.text.trim().to_string())
                .unwrap_or_default();
            bad.push(Evidence::file(
                &format!("live:{}/maps", p.path),
                format!("{comm} (pid {}) still maps the replaced {lib}", p.name),
            ));
            if bad.len() > 50 {
                break;
            }
        }
    }
    verdict(
        bad,
        "the newest installed kernel runs and no process uses a replaced library",
        "the host runs superseded code until it (or the listed services) restart",
        seen,
    )
}

struct Fstab {
    /// (line, device, mount point, filesystem type)
    entries: Vec<(usize, String, String, String)>,
}

fn fstab(t: &FileText) -> Fstab {
    Fstab {
        entries: t
            .numbered_lines()
            .filter_map(|(n, l)| {
                let w: Vec<&str> = l.split('#').next()?.split_whitespace().collect();
                (w.len() >= 3).then(|| (n, w[0].to_string(), w[1].to_string(), w[2].to_string()))
            })
            .collect(),
    }
}

const DISK_FS: &[&str] = &[
    "ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "jfs", "reiserfs",
];

pub(super) fn disk_encryption(h: &Host) -> Outcome {
    let table = match h.root.read_optional("/etc/fstab") {
        Ok(Some(t)) => fstab(&t),
        Ok(None) => {
            return not_applicable("no /etc/fstab: filesystems are not configured in this root");
        }
        Err(e) => return error(&e),
    };
    let crypttab = match h.root.read_optional("/etc/crypttab") {
        Ok(t) => t,
        Err(e) => return error(&e),
    };
    let mapped: Vec<String> = crypttab
        .as_ref()
        .map(|t| {
            t.numbered_lines()
                .filter_map(|(_, l)| {
                    let l = l.trim();
                    (!l.starts_with('#'))
                        .then(|| l.split_whitespace().next().map(str::to_string))?
                })
                .collect()
        })
        .unwrap_or_default();
    let encrypted = |dev: &str| {
        let name = dev
            .strip_prefix("/dev/mapper/")
            .or_else(|| dev.strip_prefix("/dev/disk/by-id/dm-name-"));
        name.is_some_and(|n| mapped.iter().any(|m| m == n))
    };
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    for (n, dev, point, ty) in &table.entries {
        let data = DISK_FS.contains(&ty.as_str()) && !point.starts_with("/boot");
        let swap = ty == "swap";
        if !data && !swap {
            continue;
        }
        let what = if swap {
            "swap".to_string()
        } else {
            point.clone()
        };
        let ev = Evidence::at("/etc/fstab", *n, format!("{what} on {dev}"));
        if encrypted(dev) {
            seen.push(ev)
        } else {
            bad.push(Evidence {
                detail: format!(
                    "{}: not a dm-crypt device listed in /etc/crypttab",
                    ev.detail
                ),
                ..ev
            })
        }
    }
    if bad.is_empty() && seen.is_empty() {
        return not_applicable("/etc/fstab mounts no disk filesystem or swap");
    }
    verdict(
        bad,
        "data filesystems and swap sit on dm-crypt/LUKS devices",
        "data or swap is stored unencrypted",
        seen,
    )
}

/// Scheduled commands: cron lines and the `ExecStart` of units with a timer.
fn scheduled_commands(h: &Host) -> Vec<(String, Evidence)> {
    let mut out = Vec::new();
    let mut files = vec!["/etc/crontab".to_string()];
    for pattern in [
        "/etc/cron.d/*",
        "/var/spool/cron/crontabs/*",
        "/etc/cron.daily/*",
        "/etc/cron.hourly/*",
    ] {
        files.extend(h.root.glob(pattern).unwrap_or_default());
    }
    for f in files {
        let Ok(Some(t)) = h.root.read_optional(&f) else {
            continue;
        };
        for (n, l) in t.numbered_lines() {
            let l = l.trim();
            if !l.is_empty() && !l.starts_with('#') {
                out.push((l.to_string(), Evidence::at(&f, n, l)));
            }
        }
    }
    let timers: Vec<String> = enabled_units(h)
        .into_iter()
        .filter(|(u, _)| u.ends_with(".timer"))
        .map(|(u, _)| u.trim_end_matches(".timer").to_string())
        .collect();
    for unit in timers {
        for dir in [
            "/etc/systemd/system",
            "/lib/systemd/system",
            "/usr/lib/systemd/system",
        ] {
            let path = format!("{dir}/{unit}.service");
            if let Ok(Some(t)) = h.root.read_optional(&path) {
                for (n, l) in t.numbered_lines() {
                    if let Some(cmd) = l.trim().strip_prefix("ExecStart=") {
                        out.push((cmd.to_string(), Evidence::at(&path, n, l.trim())));
                    }
                }
                break;
            }
        }
    }
    out
}

fn has_word(line: &str, words: &[&str]) -> Option<String> {
    line.split(|c: char| c.is_whitespace() || c == ';' || c == '&' || c == '|')
        .map(|w| w.rsplit('/').next().unwrap_or(w))
        .find(|w| words.contains(w))
        .map(str::to_string)
}

const BACKUP_TOOLS: &[&str] = &[
    "restic",
    "borg",
    "rsync",
    "pg_dump",
    "pg_dumpall",
    "pg_basebackup",
    "mysqldump",
    "mariadb-dump",
    "mariabackup",
    "xtrabackup",
    "duplicity",
    "rclone",
];

/// Where a backup command writes, if it leaves the source disk.
fn off_disk_target(cmd: &str, mounts: &[String]) -> Option<String> {
    for w in cmd.split_whitespace() {
        let w = w.trim_matches(['"', '\'']);
        if w.contains("://")
            || w.starts_with("sftp:")
            || w.starts_with("s3:")
            || w.starts_with("b2:")
        {
            return Some(w.to_string());
        }
        // rsync/borg `host:path` or `user@host:path`
        if !w.starts_with('-') && !w.starts_with('/') && w.contains(':') && !w.contains('=') {
            return Some(w.to_string());
        }
        if w.starts_with('/')
            && let Some(m) = mounts
                .iter()
                .find(|m| w.starts_with(&format!("{m}/")) || w == m.as_str())
        {
            return Some(format!("{w} (separate filesystem {m})"));
        }
    }
    None
}

pub(super) fn backup_jobs(h: &Host) -> Outcome {
    let mounts: Vec<String> = h
        .root
        .read_optional("/etc/fstab")
        .ok()
        .flatten()
        .map(|t| {
            fstab(&t)
                .entries
                .into_iter()
                .filter(|(_, _, p, ty)| {
                    p != "/" && !p.starts_with("/boot") && ty != "swap" && ty != "tmpfs"
                })
                .map(|(_, _, p, _)| p)
                .collect()
        })
        .unwrap_or_default();
    let jobs: Vec<(String, Evidence, String)> = scheduled_commands(h)
        .into_iter()
        .filter_map(|(cmd, ev)| has_word(&cmd, BACKUP_TOOLS).map(|t| (cmd, ev, t)))
        .collect();
    if jobs.is_empty() {
        return fail(
            "no backup job is scheduled",
            vec![Evidence::file(
                "/etc/crontab",
                "no cron job or systemd timer runs restic, borg, rsync, pg_dump, mysqldump…",
            )],
        );
    }
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    for (cmd, ev, tool) in jobs {
        let mut wrong = Vec::new();
        let target = off_disk_target(&cmd, &mounts);
        if target.is_none() {
            wrong.push("writes to the source disk".to_string());
        }
        let marker = cmd
            .split("&& touch ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .map(str::to_string);
        match &marker {
            None => wrong.push("no success marker (end the job with && touch FILE)".into()),
            Some(m) => match h.root.metadata(m) {
                Ok(meta) if h.now - meta.mtime <= DAY => {}
                Ok(meta) => wrong.push(format!(
                    "last success {} hours ago ({m})",
                    (h.now - meta.mtime) / HOUR
                )),
                Err(_) => wrong.push(format!("never succeeded ({m} absent)")),
            },
        }
        if wrong.is_empty() {
            seen.push(Evidence {
                detail: format!(
                    "{tool} to {}: succeeded within 24 hours",
                    target.unwrap_or_default()
                ),
                ..ev
            });
        } else {
            bad.push(Evidence {
                detail: format!("{tool}: {}", wrong.join("; ")),
                ..ev
            });
        }
    }
    if !seen.is_empty() {
        // One good off-disk job is what the check asks for; the others are reported with it.
        return pass(
            "a backup job leaves the source disk and succeeded within 24 hours",
            seen.into_iter().chain(bad).collect(),
        );
    }
    fail(
        "no backup job succeeded within 24 hours to another device or host",
        bad,
    )
}

pub(super) fn file_integrity(h: &Host) -> Outcome {
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    match ["/etc/aide/aide.conf", "/etc/aide.conf"]
        .iter()
        .find(|p| h.root.exists(p))
    {
        Some(p) => seen.push(Evidence::file(p, "AIDE is configured")),
        None => {
            return fail(
                "no file integrity monitoring (AIDE) is configured",
                vec![Evidence::file("/etc/aide/aide.conf", "absent")],
            );
        }
    }
    match ["/var/lib/aide/aide.db", "/var/lib/aide/aide.db.gz"]
        .iter()
        .find(|p| h.root.exists(p))
    {
        Some(p) => seen.push(Evidence::file(p, "database initialised")),
        None => bad.push(Evidence::file(
            "/var/lib/aide/aide.db",
            "no AIDE database: run aideinit",
        )),
    }
    let scheduled = ["/etc/cron.daily/aide", "/etc/cron.daily/dailyaidecheck"]
        .iter()
        .find(|p| h.root.exists(p))
        .map(|p| Evidence::file(p, "runs daily"))
        .or_else(|| {
            unit_enabled(h, "dailyaidecheck.timer")
                .or_else(|| {
                    enabled_units(h)
                        .into_iter()
                        .find(|(u, _)| u == "dailyaidecheck.timer")
                        .map(|(_, p)| p)
                })
                .map(|p| Evidence::file(&p, "dailyaidecheck.timer is enabled"))
        })
        .or_else(|| {
            scheduled_commands(h)
                .into_iter()
                .find(|(c, _)| has_word(c, &["aide"]).is_some() && c.contains("--check"))
                .map(|(_, ev)| ev)
        });
    match scheduled {
        Some(ev) => seen.push(ev),
        None => bad.push(Evidence::file(
            "/etc/cron.daily",
            "no daily AIDE check is scheduled",
        )),
    }
    match ["/var/log/aide/aide.log", "/var/log/aide.log"]
        .iter()
        .find_map(|p| h.root.metadata(p).ok())
    {
        Some(m) if h.now - m.mtime <= 2 * DAY => seen.push(Evidence::file(
            &m.path,
            format!("last check {} hours ago", (h.now - m.mtime) / HOUR),
        )),
        Some(m) => bad.push(Evidence::file(
            &m.path,
            format!("last check {} hours ago (> 48)", (h.now - m.mtime) / HOUR),
        )),
        None => bad.push(Evidence::file(
            "/var/log/aide/aide.log",
            "no record of a completed check",
        )),
    }
    verdict(
        bad,
        "AIDE checks file integrity daily and last ran within 48 hours",
        "file integrity is not checked regularly",
        seen,
    )
}

/// Anti-malware and EDR agents: unit and a file their updates touch.
const AGENTS: &[(&str, &str, &str)] = &[
    (
        "Wazuh",
        "wazuh-agent.service",
        "/var/ossec/var/run/wazuh-agentd.state",
    ),
    (
        "CrowdStrike Falcon",
        "falcon-sensor.service",
        "/opt/CrowdStrike/falconstore",
    ),
    (
        "Microsoft Defender",
        "mdatp.service",
        "/var/opt/microsoft/mdatp/definitions",
    ),
];

pub(super) fn malware_protection(h: &Host) -> Outcome {
    let mut bad = Vec::new();
    let fresh = |path: &str| -> Option<(i64, String)> {
        let m = h.root.metadata_follow(path).ok()?;
        Some((h.now - m.mtime, m.resolved))
    };
    for (name, unit, state) in AGENTS {
        if let Some(link) = unit_enabled(h, unit) {
            match fresh(state) {
                Some((age, p)) if age <= DAY => {
                    return pass(
                        format!("{name} is enabled and updated within 24 hours"),
                        vec![
                            Evidence::file(&link, format!("{unit} is enabled")),
                            Evidence::file(&p, format!("updated {} hours ago", age / HOUR)),
                        ],
                    );
                }
                _ => bad.push(Evidence::file(
                    state,
                    format!("{name} is enabled but has not updated within 24 hours"),
                )),
            }
        }
    }
    let daemon = unit_enabled(h, "clamav-daemon.service");
    let scan_job = scheduled_commands(h)
        .into_iter()
        .find(|(c, _)| has_word(c, &["clamscan", "clamdscan"]).is_some())
        .map(|(_, ev)| ev);
    let active = daemon
        .map(|p| Evidence::file(&p, "clamav-daemon.service is enabled"))
        .or(scan_job);
    let signatures = ["daily.cld", "daily.cvd"]
        .iter()
        .filter_map(|f| fresh(&format!("/var/lib/clamav/{f}")))
        .min_by_key(|(age, _)| *age);
    match (active, signatures) {
        (Some(a), Some((age, p))) if age <= DAY => {
            return pass(
                "ClamAV is active with signatures updated within 24 hours",
                vec![
                    a,
                    Evidence::file(&p, format!("updated {} hours ago", age / HOUR)),
                ],
            );
        }
        (Some(a), Some((age, p))) => {
            bad.push(a);
            bad.push(Evidence::file(
                &p,
                format!("signatures {} hours old (> 24)", age / HOUR),
            ));
        }
        (Some(a), None) => {
            bad.push(a);
            bad.push(Evidence::file(
                "/var/lib/clamav",
                "no signature database (daily.cvd/daily.cld)",
            ));
        }
        (None, _) if bad.is_empty() => bad.push(Evidence::file(
            "/etc/systemd/system/multi-user.target.wants",
            "no anti-malware or EDR agent is enabled and no ClamAV scan is scheduled",
        )),
        (None, _) => {}
    }
    fail("no anti-malware protection is active and current", bad)
}
