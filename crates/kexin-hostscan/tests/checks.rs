//! Every check passes on the hardened fixture tree and fails on the weak
//! one, naming the file that decided it. The trees are copied to a
//! temporary directory first so that file modes (which git does not keep)
//! can be set as a real host would have them.

mod common;

use std::path::Path;

use common::{
    HARDENED_MODES, LIVE_ONLY, WEAK_MODES, fixture, running_as_root, scan_offline, vulndb,
};
use kexin_core::CheckStatus;
use kexin_hostscan::Root;
use kexin_hostscan::checks::{CHECKS, Profile, scan};

#[test]
fn every_check_passes_on_the_hardened_tree() {
    let dir = fixture("hardened", HARDENED_MODES);
    let s = scan_offline(dir.path(), &vulndb());
    assert_eq!(s.results.len(), CHECKS.len());
    for r in &s.results {
        // Ownership checks need the fixture files to be root's, as they are on a real host.
        if !running_as_root()
            && matches!(
                r.id,
                "host.ssh.host-key-permissions"
                    | "host.password.shadow-permissions"
                    | "host.access.sudoers"
                    | "host.access.sensitive-file-permissions"
                    | "host.ssh.authorized-keys-permissions"
                    | "host.access.world-writable"
                    | "host.log.file-permissions"
            )
        {
            continue;
        }
        let want = if LIVE_ONLY.contains(&r.id) {
            CheckStatus::NotApplicable
        } else {
            CheckStatus::Pass
        };
        assert_eq!(r.status, want, "{}: {} {:?}", r.id, r.message, r.evidence);
    }
}

#[test]
fn every_check_fails_on_the_weak_tree_with_file_evidence() {
    let dir = fixture("weak", WEAK_MODES);
    let s = scan_offline(dir.path(), &vulndb());
    for r in &s.results {
        if LIVE_ONLY.contains(&r.id) {
            assert_eq!(
                r.status,
                CheckStatus::NotApplicable,
                "{}: {}",
                r.id,
                r.message
            );
            continue;
        }
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
