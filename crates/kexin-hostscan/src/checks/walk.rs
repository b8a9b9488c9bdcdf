//! Checks that need to see the whole filesystem: world-writable and
//! unowned files, setuid/setgid programs (and their audit rules), secrets
//! left in home directories and `/etc`.
//!
//! One bounded walk per scan ([`Walk`], cached in the [`Host`]) feeds them
//! all. It skips pseudo and network filesystems (`/proc`, `/sys`, `/dev`,
//! `/run`, container image stores, and on a live host every
//! NFS/CIFS/sshfs/overlay/squashfs mount point), never follows a symlink, and stops after
//! [`WalkLimits::max_entries`] entries; a truncated walk makes the checks
//! report an error rather than a pass they cannot vouch for.

use std::collections::{HashMap, HashSet};

use kexin_core::CheckStatus;

use super::{Evidence, Host, Outcome, error, fail, not_applicable, verdict};
use crate::parse::auditd::Rule;
use crate::root::{FileKind, WalkEntry, WalkLimits, WalkSummary};

/// Files larger than this are not opened to look for secrets or keys.
const MAX_CONTENT_SCAN: u64 = 1024 * 1024;
/// Evidence rows kept per check; the message carries the full count.
const MAX_EVIDENCE: usize = 100;

/// Filesystem types a walk never enters: kernel pseudo filesystems, network
/// filesystems (slow, and another host's data), and read-only images.
const SKIPPED_FS: &[&str] = &[
    "proc",
    "sysfs",
    "devtmpfs",
    "devpts",
    "cgroup",
    "cgroup2",
    "securityfs",
    "debugfs",
    "tracefs",
    "bpf",
    "pstore",
    "configfs",
    "fusectl",
    "mqueue",
    "hugetlbfs",
    "autofs",
    "binfmt_misc",
    "efivarfs",
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "fuse.sshfs",
    "9p",
    "ceph",
    "glusterfs",
    "afs",
    "davfs",
    "fuse.s3fs",
    "fuse.rclone",
    "overlay",
    "squashfs",
    "iso9660",
];

/// What the walk collected for the checks.
pub(in crate::checks) struct Walk {
    pub summary: WalkSummary,
    pub regular_files: usize,
    /// World-writable regular files and world-writable directories without the sticky bit.
    pub world_writable: Vec<WalkEntry>,
    /// Objects whose owner or group is in neither passwd nor group.
    pub unowned: Vec<WalkEntry>,
    /// Regular files with the setuid or setgid bit.
    pub setid: Vec<WalkEntry>,
    /// Regular files under /home, /root and /etc (for keys and secrets).
    pub personal: Vec<WalkEntry>,
    /// Regular files under /var/log.
    pub logs: Vec<WalkEntry>,
}

/// Mount points of skipped filesystems on a live host (`/proc/self/mounts`).
fn skipped_mounts(h: &Host) -> HashSet<String> {
    if !h.root.is_live() {
        return HashSet::new();
    }
    let Ok(t) = h.root.read("/proc/self/mounts") else {
        return HashSet::new();
    };
    t.text
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let point = w.next().and(w.next())?;
            let fstype = w.next()?;
            SKIPPED_FS
                .contains(&fstype)
                .then(|| point.replace("\\040", " ").replace("\\011", "\t"))
        })
        .filter(|p| p != "/")
        .collect()
}

impl Host<'_> {
    pub(in crate::checks) fn walk(&self) -> &Walk {
        self.walk.get_or_init(|| {
            let accounts = self.accounts();
            let uids: HashSet<u32> = accounts
                .passwd
                .iter()
                .flat_map(|p| p.entries.iter().map(|e| e.uid))
                .collect();
            let gids: HashSet<u32> = accounts
                .group
                .iter()
                .flat_map(|g| g.entries.iter().map(|e| e.gid))
                .collect();
            let mounts = skipped_mounts(self);
            // Container image layers are other systems' files, not the host's.
            let prune = |p: &str| {
                matches!(
                    p,
                    "/proc"
                        | "/sys"
                        | "/dev"
                        | "/run"
                        | "/var/lib/docker"
                        | "/var/lib/containers"
                        | "/var/lib/containerd"
                ) || mounts.contains(p)
            };
            let mut w = Walk {
                summary: WalkSummary::default(),
                regular_files: 0,
                world_writable: Vec::new(),
                unowned: Vec::new(),
                setid: Vec::new(),
                personal: Vec::new(),
                logs: Vec::new(),
            };
            let mut visit = |e: &WalkEntry| {
                if e.kind == FileKind::File {
                    w.regular_files += 1;
                }
                let ww = e.mode & 0o002 != 0;
                if (e.kind == FileKind::File && ww)
                    || (e.kind == FileKind::Dir && ww && e.mode & 0o1000 == 0)
                {
                    w.world_writable.push(e.clone());
                }
                // Without passwd (or group) there is nothing to compare with.
                if e.kind != FileKind::Symlink
                    && ((!uids.is_empty() && !uids.contains(&e.uid))
                        || (!gids.is_empty() && !gids.contains(&e.gid)))
                {
                    w.unowned.push(e.clone());
                }
                if e.kind != FileKind::File {
                    return;
                }
                if e.mode & 0o6000 != 0 {
                    w.setid.push(e.clone());
                }
                if ["/home/", "/root/", "/etc/"]
                    .iter()
                    .any(|d| e.path.starts_with(d))
                {
                    w.personal.push(e.clone());
                }
                if e.path.starts_with("/var/log/") {
                    w.logs.push(e.clone());
                }
            };
            // System directories first, then homes, then the rest: when the
            // entry limit is reached, what is left unseen is the least
            // likely to hold set-id programs and configuration.
            let mut tops = self.root.read_dir("/").unwrap_or_default();
            tops.sort_by_key(|t| (top_level_priority(&t.name), t.name.clone()));
            let limit = WalkLimits::default();
            let mut summary = WalkSummary::default();
            for top in tops.iter().filter(|t| !prune(&t.path)) {
                if summary.visited >= limit.max_entries {
                    summary.truncated = true;
                    break;
                }
                if let Ok(m) = self.root.metadata(&top.path) {
                    summary.visited += 1;
                    visit(&WalkEntry {
                        path: top.path.clone(),
                        kind: m.kind,
                        mode: m.mode,
                        uid: m.uid,
                        gid: m.gid,
                        size: m.size,
                        mtime: m.mtime,
                    });
                }
                if top.kind == FileKind::Dir {
                    let below = self.root.walk(
                        &top.path,
                        &prune,
                        WalkLimits {
                            max_entries: limit.max_entries - summary.visited,
                            ..limit
                        },
                        &mut visit,
                    );
                    summary.visited += below.visited;
                    summary.truncated |= below.truncated;
                    summary.unreadable.extend(below.unreadable);
                }
            }
            w.summary = summary;
            w
        })
    }
}

fn top_level_priority(name: &str) -> u8 {
    match name {
        "etc" | "usr" | "bin" | "sbin" | "boot" | "opt" | "srv" | "var" => 0,
        n if n.starts_with("lib") => 0,
        "root" | "home" => 1,
        _ => 2,
    }
}

/// Outcome of a walk-based check: truncation or an empty tree cannot pass.
fn walk_verdict(w: &Walk, bad: Vec<Evidence>, ok: &str, bad_msg: &str) -> Outcome {
    let total = bad.len();
    let mut bad = bad;
    bad.truncate(MAX_EVIDENCE);
    if !bad.is_empty() {
        let mut o = fail(format!("{bad_msg} ({total} found)"), bad);
        if w.summary.truncated {
            o.message.push_str(&format!(
                "; walk stopped after {} entries",
                w.summary.visited
            ));
        }
        return o;
    }
    if w.summary.truncated {
        return Outcome {
            status: CheckStatus::Error,
            message: format!(
                "the filesystem walk stopped after {} entries; nothing found so far, but the rest was not seen",
                w.summary.visited
            ),
            evidence: Vec::new(),
        };
    }
    verdict(
        Vec::new(),
        &format!("{ok} ({} files examined)", w.regular_files),
        bad_msg,
        Vec::new(),
    )
}

fn empty_tree(w: &Walk) -> Option<Outcome> {
    (w.regular_files == 0).then(|| not_applicable("the root holds no files to examine"))
}

fn ls(e: &WalkEntry) -> String {
    format!(
        "{} mode {:04o}, uid {}, gid {}",
        if e.kind == FileKind::Dir {
            "directory"
        } else {
            "file"
        },
        e.mode,
        e.uid,
        e.gid
    )
}

pub(in crate::checks) fn world_writable(h: &Host) -> Outcome {
    let w = h.walk();
    if let Some(o) = empty_tree(w) {
        return o;
    }
    let mut bad: Vec<Evidence> = w
        .world_writable
        .iter()
        .map(|e| {
            Evidence::file(
                &e.path,
                format!(
                    "{}: {}",
                    ls(e),
                    if e.kind == FileKind::Dir {
                        "world-writable without the sticky bit"
                    } else {
                        "world-writable"
                    }
                ),
            )
        })
        .collect();
    bad.extend(
        w.unowned
            .iter()
            .map(|e| Evidence::file(&e.path, format!("{}: owner or group unknown", ls(e)))),
    );
    walk_verdict(
        w,
        bad,
        "no world-writable files, sticky world-writable directories, no unowned files",
        "world-writable or unowned files",
    )
}

/// Package records for the setid files: dpkg's md5sums, by in-root path.
fn dpkg_md5sums(h: &Host, wanted: &[&str]) -> Option<HashMap<String, (String, String)>> {
    let lists = h.root.glob("/var/lib/dpkg/info/*.md5sums").ok()?;
    if lists.is_empty() {
        return None;
    }
    let wanted: HashSet<String> = wanted
        .iter()
        .flat_map(|p| {
            let rel = p.trim_start_matches('/').to_string();
            // usrmerge: dpkg may record bin/su for /usr/bin/su.
            let merged = rel.strip_prefix("usr/").map(str::to_string);
            std::iter::once(rel).chain(merged)
        })
        .collect();
    let mut out = HashMap::new();
    for list in lists {
        let Ok(t) = h.root.read(&list) else { continue };
        let package = list
            .rsplit('/')
            .next()
            .unwrap_or("")
            .trim_end_matches(".md5sums")
            .to_string();
        for l in t.text.lines() {
            if let Some((sum, path)) = l.split_once("  ")
                && wanted.contains(path)
            {
                out.insert(path.to_string(), (package.clone(), sum.to_string()));
            }
        }
    }
    Some(out)
}

pub(in crate::checks) fn suid_inventory(h: &Host) -> Outcome {
    let w = h.walk();
    if let Some(o) = empty_tree(w) {
        return o;
    }
    let paths: Vec<&str> = w.setid.iter().map(|e| e.path.as_str()).collect();
    let records = dpkg_md5sums(h, &paths);
    let mut bad = Vec::new();
    for e in &w.setid {
        if ["/home/", "/tmp/", "/var/tmp/", "/dev/shm/"]
            .iter()
            .any(|d| e.path.starts_with(d))
        {
            bad.push(Evidence::file(
                &e.path,
                format!("{}: set-id program in a user-writable location", ls(e)),
            ));
            continue;
        }
        let Some(records) = &records else { continue };
        let rel = e.path.trim_start_matches('/');
        let rec = records
            .get(rel)
            .or_else(|| rel.strip_prefix("usr/").and_then(|r| records.get(r)));
        match rec {
            None => bad.push(Evidence::file(
                &e.path,
                format!("{}: belongs to no installed package", ls(e)),
            )),
            Some((package, sum)) => match h.root.read_bytes(&e.path) {
                Ok(bytes) if md5_hex(&bytes) == *sum => {}
                Ok(_) => bad.push(Evidence::file(
                    &e.path,
                    format!("differs from the checksum recorded by package {package}"),
                )),
                Err(err) => bad.push(Evidence::file(&e.path, err.to_string())),
            },
        }
    }
    if records.is_none() && bad.is_empty() && !w.setid.is_empty() {
        return Outcome {
            status: CheckStatus::Error,
            message: format!(
                "{} set-id programs found but no dpkg database (/var/lib/dpkg/info/*.md5sums) to verify them against",
                w.setid.len()
            ),
            evidence: w
                .setid
                .iter()
                .take(MAX_EVIDENCE)
                .map(|e| Evidence::file(&e.path, ls(e)))
                .collect(),
        };
    }
    walk_verdict(
        w,
        bad,
        &format!(
            "{} set-id programs, each from an installed package and unchanged",
            w.setid.len()
        ),
        "unverified or misplaced set-id programs",
    )
}

pub(in crate::checks) fn audit_rules_privileged(h: &Host) -> Outcome {
    let w = h.walk();
    if let Some(o) = empty_tree(w) {
        return o;
    }
    let rules = h.audit();
    if rules.files.is_empty() {
        return fail(
            "no audit rules are configured",
            vec![Evidence::file("/etc/audit/rules.d", "no rules files")],
        );
    }
    if w.setid.is_empty() {
        return not_applicable("no setuid or setgid programs on this root");
    }
    let audited = |path: &str| {
        rules.rules.iter().any(|r| {
            let Rule::Syscall { fields, action, .. } = r else {
                return false;
            };
            let has = |name: &str, op: &str, ok: &dyn Fn(&str) -> bool| {
                fields
                    .iter()
                    .any(|f| f.name == name && f.op == op && ok(&f.value))
            };
            action == "always"
                && has("path", "=", &|v| v == path)
                && has("perm", "=", &|v| v.contains('x'))
                && has("auid", ">=", &|v| v.parse::<u32>().is_ok_and(|n| n >= 500))
                && has("auid", "!=", &|v| {
                    matches!(v, "unset" | "-1" | "4294967295")
                })
        })
    };
    let bad: Vec<Evidence> = w
        .setid
        .iter()
        .filter(|e| !audited(&e.path))
        .map(|e| {
            Evidence::file(
                rules
                    .files
                    .last()
                    .map_or("/etc/audit/rules.d", String::as_str),
                format!(
                    "no rule -a always,exit -F path={} -F perm=x -F auid>=1000 -F auid!=unset",
                    e.path
                ),
            )
        })
        .collect();
    walk_verdict(
        w,
        bad,
        &format!(
            "all {} set-id programs have execute audit rules",
            w.setid.len()
        ),
        "set-id programs run without an audit record",
    )
}

/// Files that hold credentials by their name.
fn credential_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or("");
    matches!(
        name,
        ".pgpass" | ".my.cnf" | ".netrc" | ".env" | ".git-credentials" | ".s3cfg" | ".boto"
    ) || path.ends_with("/.aws/credentials")
        || path.ends_with("/.docker/config.json")
        || path.ends_with("/.kube/config")
        || [".jks", ".keystore", ".p12", ".pfx", ".kdbx"]
            .iter()
            .any(|x| name.ends_with(x))
}

fn history_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or("");
    matches!(
        name,
        ".bash_history"
            | ".zsh_history"
            | ".sh_history"
            | ".ash_history"
            | ".mysql_history"
            | ".psql_history"
            | ".python_history"
            | ".rediscli_history"
    )
}

/// What secret a line shows, if any. The secret itself is never repeated.
pub(in crate::checks) fn secret_in(line: &str) -> Option<&'static str> {
    let lower = line.to_ascii_lowercase();
    let bytes = line.as_bytes();
    let aws_key = line.match_indices("AKIA").any(|(i, _)| {
        bytes.get(i + 4..i + 20).is_some_and(|k| {
            k.iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
    });
    if aws_key {
        return Some("an AWS access key id");
    }
    if lower.contains("aws_secret_access_key") {
        return Some("an AWS secret access key");
    }
    if lower.contains("-----begin") && lower.contains("private key") {
        return Some("a private key");
    }
    for (needle, what) in [
        ("pgpassword=", "a PostgreSQL password"),
        ("mysql_pwd=", "a MySQL password"),
        ("sshpass -p", "an SSH password"),
        ("--password=", "a password argument"),
        ("password=", "a password assignment"),
        ("passwd=", "a password assignment"),
        ("ghp_", "a GitHub token"),
        ("xoxb-", "a Slack token"),
    ] {
        if let Some(i) = lower.find(needle) {
            let rest = &line[i + needle.len()..];
            // A literal value, not an empty one or a variable reference.
            let value = rest.trim_start_matches(['"', '\'']);
            if value
                .chars()
                .next()
                .is_some_and(|c| !c.is_whitespace() && c != '$' && c != '"' && c != '\'')
            {
                return Some(what);
            }
        }
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    if words
        .first()
        .is_some_and(|w| *w == "mysql" || w.ends_with("/mysql"))
        && words
            .iter()
            .any(|w| w.len() > 2 && w.starts_with("-p") && !w.starts_with("-p "))
    {
        return Some("a MySQL password on the command line");
    }
    if words.first().is_some_and(|w| *w == "curl")
        && words
            .windows(2)
            .any(|p| (p[0] == "-u" || p[0] == "--user") && p[1].contains(':'))
    {
        return Some("HTTP credentials on the command line");
    }
    None
}

pub(in crate::checks) fn exposed_secrets(h: &Host) -> Outcome {
    let w = h.walk();
    if let Some(o) = empty_tree(w) {
        return o;
    }
    let mut bad = Vec::new();
    let mut examined = 0usize;
    for e in &w.personal {
        let credential = credential_file(&e.path);
        let history = history_file(&e.path);
        if credential && e.mode & 0o077 != 0 {
            bad.push(Evidence::file(
                &e.path,
                format!(
                    "{}: credential file readable by others than its owner",
                    ls(e)
                ),
            ));
        }
        let world_readable = e.mode & 0o004 != 0 && credential;
        if !(history || world_readable) || e.size > MAX_CONTENT_SCAN {
            continue;
        }
        examined += 1;
        let t = match h.root.read(&e.path) {
            Ok(t) => t,
            Err(err) => return error(&err),
        };
        for (n, line) in t.numbered_lines() {
            if let Some(what) = secret_in(line) {
                bad.push(Evidence::at(&e.path, n, format!("{what} in plain text")));
            }
        }
    }
    walk_verdict(
        w,
        bad,
        &format!("credential files are owner-only; {examined} histories hold no secrets"),
        "credentials are exposed",
    )
}

/// MD5 (RFC 1321), for comparing with dpkg's recorded checksums.
fn md5_hex(data: &[u8]) -> String {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    let k: Vec<u32> = (0..64)
        .map(|i| ((i as f64 + 1.0).sin().abs() * 4_294_967_296.0) as u32)
        .collect();
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_le_bytes());
    let mut st: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];
    for chunk in msg.chunks(64) {
        let m: Vec<u32> = chunk
            .chunks(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let [mut a, mut b, mut c, mut d] = st;
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let f = f.wrapping_add(a).wrapping_add(k[i]).wrapping_add(m[g]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(f.rotate_left(S[i]));
        }
        st = [
            st[0].wrapping_add(a),
            st[1].wrapping_add(b),
            st[2].wrapping_add(c),
            st[3].wrapping_add(d),
        ];
    }
    st.iter()
        .flat_map(|w| w.to_le_bytes())
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_matches_rfc_1321_vectors() {
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(md5_hex(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            md5_hex(
                b"12345678901234567890123456789012345678901234567890123456789012345678901234567890"
            ),
            "57edf4a22be3c955ac49da2e2107b67a"
        );
    }

    #[test]
    fn secrets_are_named_not_repeated() {
        assert_eq!(
            secret_in("export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE"),
            Some("an AWS access key id")
        );
        assert_eq!(
            secret_in("mysql -u root -pS3cret db"),
            Some("a MySQL password on the command line")
        );
        assert_eq!(
            secret_in("PGPASSWORD=hunter2 psql"),
            Some("a PostgreSQL password")
        );
        assert_eq!(secret_in("ls -la /etc"), None);
        assert_eq!(secret_in("mysql -u root -p db"), None);
    }
}
