//! Broken, oversized and hostile inputs to the new checks: each affected
//! check reports an error naming the file (or skips it), the others still
//! run, and no link is followed out of the root.

mod common;

use std::os::unix::fs::symlink;

use common::{HARDENED_MODES, fixture, scan_offline, vulndb};
use kexin_core::CheckStatus;
use kexin_hostscan::checks::Scan;

fn result<'s>(s: &'s Scan, id: &str) -> &'s kexin_hostscan::checks::CheckResult {
    s.results.iter().find(|r| r.id == id).unwrap()
}

#[test]
fn broken_registers_and_baseline_are_errors_that_name_the_file() {
    let dir = fixture("hardened", HARDENED_MODES);
    let p = dir.path();
    std::fs::write(
        p.join("etc/kexin/host-role.yaml"),
        "role: [web\nlisteners: {",
    )
    .unwrap();
    std::fs::write(
        p.join("etc/kexin/waivers.yaml"),
        "- check: x\n  colour: blue\n",
    )
    .unwrap();
    std::fs::write(p.join("var/lib/kexin/last-scan.json"), "{\"profile\": 7}").unwrap();
    let s = scan_offline(p, &vulndb());
    for (id, file) in [
        ("host.baseline.config-managed", "/etc/kexin/host-role.yaml"),
        (
            "host.service.unneeded-services",
            "/etc/kexin/host-role.yaml",
        ),
        ("host.baseline.waiver-expiry", "/etc/kexin/waivers.yaml"),
        (
            "host.baseline.scan-freshness",
            "/var/lib/kexin/last-scan.json",
        ),
        ("host.baseline.drift", "/var/lib/kexin/last-scan.json"),
    ] {
        let r = result(&s, id);
        assert_eq!(r.status, CheckStatus::Error, "{id}: {}", r.message);
        assert!(r.message.contains(file), "{id}: {}", r.message);
    }
    assert_eq!(
        result(&s, "host.login.root-ssh").status,
        CheckStatus::Pass,
        "the other checks still run"
    );
}

#[test]
fn links_out_of_the_root_are_resolved_inside_it() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("role.yaml"),
        "role: outside\ntemplates: {}\n",
    )
    .unwrap();
    let dir = fixture("hardened", HARDENED_MODES);
    let p = dir.path();
    std::fs::remove_file(p.join("etc/kexin/host-role.yaml")).unwrap();
    symlink(
        outside.path().join("role.yaml"),
        p.join("etc/kexin/host-role.yaml"),
    )
    .unwrap();
    std::fs::remove_file(p.join("home/alice/.bash_history")).unwrap();
    symlink(
        "../../../../../../../etc/shadow",
        p.join("home/alice/.bash_history"),
    )
    .unwrap();
    std::fs::create_dir_all(p.join("srv/www/escape")).unwrap();
    symlink("/", p.join("srv/www/escape/host-root")).unwrap();
    let s = scan_offline(p, &vulndb());
    let managed = result(&s, "host.baseline.config-managed");
    assert_eq!(
        managed.status,
        CheckStatus::Fail,
        "the absolute link resolves inside the root, where the register is absent: {}",
        managed.message
    );
    // The walk never enters a symlink, so neither / nor the real /etc/shadow is read.
    for id in ["host.data.exposed-secrets", "host.access.world-writable"] {
        let r = result(&s, id);
        assert_eq!(
            r.status,
            CheckStatus::Pass,
            "{id}: {} {:?}",
            r.message,
            r.evidence
        );
    }
}

#[test]
fn oversized_login_records_are_an_error_not_a_hang() {
    let dir = fixture("hardened", HARDENED_MODES);
    let wtmp = std::fs::File::create(dir.path().join("var/log/wtmp")).unwrap();
    wtmp.set_len(17 * 1024 * 1024).unwrap();
    let s = scan_offline(dir.path(), &vulndb());
    let r = result(&s, "host.account.direct-root-logins");
    assert_eq!(r.status, CheckStatus::Error);
    assert!(
        r.message.contains("/var/log/wtmp") && r.message.contains("too large"),
        "{}",
        r.message
    );
}
