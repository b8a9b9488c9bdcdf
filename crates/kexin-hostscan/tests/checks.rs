//! Every check passes on the hardened fixture tree and fails on the weak
//! one, naming the file that decided it. The trees are copied to a
//! temporary directory first so that file modes (which git does not keep)
//! can be set as a real host would have them.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use kexin_core::CheckStatus;
use kexin_hostscan::Root;
use kexin_hostscan::checks::{CHECKS, Profile, scan};

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_tree(&entry.path(), &dest);
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path()).unwrap(), &dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

fn fixture(name: &str, modes: &[(&str, u32)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
        dir.path(),
    );
    for (path, mode) in modes {
        std::fs::set_permissions(
            dir.path().join(path.trim_start_matches('/')),
            std::fs::Permissions::from_mode(*mode),
        )
        .unwrap();
    }
    dir
}

const HARDENED_MODES: &[(&str, u32)] = &[
    ("/etc/shadow", 0o640),
    ("/etc/gshadow", 0o640),
    ("/etc/passwd", 0o644),
    ("/etc/group", 0o644),
    ("/etc/sudoers", 0o440),
    ("/etc/ssh/ssh_host_ed25519_key", 0o600),
    ("/etc/ssh/sshd_config", 0o600),
    ("/etc/crontab", 0o600),
    ("/var/log/audit", 0o750),
    ("/home/alice/.ssh", 0o700),
    ("/home/alice/.ssh/authorized_keys", 0o600),
];

const WEAK_MODES: &[(&str, u32)] = &[
    ("/etc/shadow", 0o644),
    ("/etc/gshadow", 0o644),
    ("/etc/sudoers", 0o666),
    ("/etc/ssh/ssh_host_ed25519_key", 0o644),
    ("/etc/ssh/sshd_config", 0o644),
    ("/etc/crontab", 0o644),
    ("/var/log/audit", 0o755),
    ("/home/alice/.ssh", 0o755),
];

fn owned_by_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

#[test]
fn every_check_passes_on_the_hardened_tree() {
    let dir = fixture("hardened", HARDENED_MODES);
    if owned_by_root() {
        // alice (uid 1000) owns her keys, as on a real host.
        for p in ["home/alice/.ssh", "home/alice/.ssh/authorized_keys"] {
            std::os::unix::fs::chown(dir.path().join(p), Some(1000), Some(1000)).unwrap();
        }
    }
    let s = scan(&Root::offline(dir.path()).unwrap(), Profile::Enhanced);
    assert_eq!(s.results.len(), CHECKS.len());
    for r in &s.results {
        // Ownership checks need the fixture files to be root's, as they are on a real host.
        if !owned_by_root()
            && matches!(
                r.id,
                "host.ssh.host-key-permissions"
                    | "host.password.shadow-permissions"
                    | "host.access.sudoers"
                    | "host.access.sensitive-file-permissions"
                    | "host.ssh.authorized-keys-permissions"
            )
        {
            continue;
        }
        assert_eq!(
            r.status,
            CheckStatus::Pass,
            "{}: {} {:?}",
            r.id,
            r.message,
            r.evidence
        );
    }
}

#[test]
fn every_check_fails_on_the_weak_tree_with_file_evidence() {
    let dir = fixture("weak", WEAK_MODES);
    let s = scan(&Root::offline(dir.path()).unwrap(), Profile::Enhanced);
    for r in &s.results {
        assert_eq!(
            r.status,
            CheckStatus::Fail,
            "{}: {} {:?}",
            r.id,
            r.message,
            r.evidence
        );
        assert!(
            !r.evidence.is_empty() && r.evidence.iter().all(|e| e.file.starts_with('/')),
            "{}: evidence names files: {:?}",
            r.id,
            r.evidence
        );
    }
    let root_ssh = s
        .results
        .iter()
        .find(|r| r.id == "host.login.root-ssh")
        .unwrap();
    assert!(
        root_ssh
            .evidence
            .iter()
            .any(|e| e.line == Some(10) && e.detail == "PermitRootLogin yes"),
        "the Match block's PermitRootLogin yes is evidence: {:?}",
        root_ssh.evidence
    );
}

#[test]
fn basic_profile_runs_only_basic_checks_and_an_empty_root_errs_or_skips_without_crashing() {
    let dir = tempfile::tempdir().unwrap();
    let s = scan(&Root::offline(dir.path()).unwrap(), Profile::Basic);
    assert!(s.results.len() < CHECKS.len());
    for r in &s.results {
        assert_ne!(
            r.status,
            CheckStatus::Pass,
            "{} cannot pass on an empty root: {}",
            r.id,
            r.message
        );
    }
}

#[test]
fn every_check_id_is_in_the_catalog() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog/checks.yaml"),
    )
    .unwrap();
    for c in CHECKS {
        assert!(
            text.contains(&format!("id: {}\n", c.id)),
            "{} is not a check id of catalog/checks.yaml",
            c.id
        );
    }
}
