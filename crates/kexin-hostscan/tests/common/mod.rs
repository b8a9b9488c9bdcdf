//! Fixture trees for the check tests: copied to a temporary directory so
//! that what git does not keep (modes other than 644/755, owners, times)
//! can be set as a real host would have them, and scanned at a fixed time.

#![allow(dead_code)] // each test binary uses a part of it

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use kexin_hostscan::Root;
use kexin_hostscan::checks::{Profile, Scan, ScanOptions, scan_with};
use kexin_vulndb::VulnDb;

/// 2026-11-24T12:00:00Z: the fixtures' certificates, waivers, logs and
/// previous scan are dated relative to it.
pub const NOW: i64 = 1_795_521_600;
/// Every fixture file is last modified an hour before [`NOW`] unless a
/// variant says otherwise.
pub const FILE_AGE: i64 = 3600;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_tree(&entry.path(), &dest);
        } else if kind.is_symlink() {
            let _ = std::fs::remove_file(&dest);
            std::os::unix::fs::symlink(std::fs::read_link(entry.path()).unwrap(), &dest).unwrap();
        } else {
            let _ = std::fs::remove_file(&dest);
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// Sets the modification time of every file and directory under `dir`.
pub fn set_times(dir: &Path, unix: i64) {
    let t = UNIX_EPOCH + Duration::from_secs(unix as u64);
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        if kind.is_symlink() {
            continue;
        }
        if kind.is_dir() {
            set_times(&entry.path(), unix);
        }
        set_mtime(&entry.path(), t);
    }
}

pub fn set_mtime(path: &Path, t: std::time::SystemTime) {
    std::fs::File::open(path)
        .and_then(|f| f.set_modified(t))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

pub fn set_mode(root: &Path, path: &str, mode: u32) {
    std::fs::set_permissions(
        root.join(path.trim_start_matches('/')),
        std::fs::Permissions::from_mode(mode),
    )
    .unwrap_or_else(|e| panic!("{path}: {e}"));
}

pub const HARDENED_MODES: &[(&str, u32)] = &[
    ("/etc/shadow", 0o640),
    ("/etc/gshadow", 0o640),
    ("/etc/passwd", 0o644),
    ("/etc/group", 0o644),
    ("/etc/sudoers", 0o440),
    ("/etc/ssh/ssh_host_ed25519_key", 0o600),
    ("/etc/ssh/sshd_config", 0o600),
    ("/etc/crontab", 0o600),
    ("/var/log/audit", 0o750),
    ("/var/log/audit/.keep", 0o600),
    ("/var/log/syslog", 0o640),
    ("/var/log/auth.log", 0o640),
    ("/var/log/aide/aide.log", 0o640),
    ("/home/alice/.ssh", 0o700),
    ("/home/alice/.ssh/authorized_keys", 0o600),
    ("/home/alice/.ssh/id_ed25519", 0o600),
    ("/home/alice/.bash_history", 0o600),
    ("/usr/bin/passwd", 0o4755),
];

pub const WEAK_MODES: &[(&str, u32)] = &[
    ("/etc/shadow", 0o644),
    ("/etc/gshadow", 0o644),
    ("/etc/sudoers", 0o666),
    ("/etc/ssh/ssh_host_ed25519_key", 0o644),
    ("/etc/ssh/sshd_config", 0o644),
    ("/etc/crontab", 0o644),
    ("/var/log/audit", 0o755),
    ("/home/alice/.ssh", 0o755),
    ("/home/alice/suidshell", 0o4755),
];

pub fn running_as_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

/// A copy of fixture `name` with `modes` applied and every file dated
/// [`FILE_AGE`] before [`NOW`]; alice owns her files when the test runs as root.
pub fn fixture(name: &str, modes: &[(&str, u32)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join(name), dir.path());
    prepare(dir.path(), modes);
    dir
}

pub fn prepare(root: &Path, modes: &[(&str, u32)]) {
    if running_as_root() {
        for p in ["home/alice", "home/alice/.ssh"] {
            let Ok(entries) = std::fs::read_dir(root.join(p)) else {
                continue;
            };
            std::os::unix::fs::chown(root.join(p), Some(1000), Some(1000)).unwrap();
            for e in entries.flatten() {
                if e.file_type().is_ok_and(|t| t.is_file()) {
                    std::os::unix::fs::lchown(e.path(), Some(1000), Some(1000)).unwrap();
                }
            }
        }
    }
    // After chown, which clears set-id bits.
    for (path, mode) in modes {
        set_mode(root, path, *mode);
    }
    set_times(root, NOW - FILE_AGE);
}

/// The advisories the patch checks match against: Debian's DSA-5621-1
/// (OpenSSL, CVE-2024-0727, fixed in 3.0.13-1~deb12u1), from kexin-vulndb's test data.
pub fn vulndb() -> VulnDb {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../kexin-vulndb/tests/data/osv/debian/DSA-5621-1.json");
    let (advisories, skipped) =
        kexin_vulndb::parse_osv("DSA-5621-1.json", &std::fs::read(path).unwrap());
    assert!(skipped.is_empty(), "{skipped:?}");
    VulnDb::from_advisories(advisories)
}

/// Every check, offline, at [`NOW`], with the root's own previous scan.
pub fn scan_offline(dir: &Path, db: &VulnDb) -> Scan {
    scan_root(&Root::offline(dir).unwrap(), db)
}

pub fn scan_root(root: &Root, db: &VulnDb) -> Scan {
    scan_with(
        root,
        &ScanOptions {
            profile: Profile::Enhanced,
            now: NOW,
            baseline: None,
            vulndb: Some(db),
        },
    )
}

/// Checks whose facts exist only on a running host: not applicable offline.
pub const LIVE_ONLY: &[&str] = &["host.service.listening-sockets"];
