//! One variant per check: `tests/fixtures/variants/<check-id>/` holds the
//! files that differ from the hardened tree and a `variant.txt` manifest.
//! Each variant is overlaid on a copy of the hardened tree; its check must
//! fail with evidence naming the expected file (and line), while every
//! other check keeps its hardened status — except the checks the manifest
//! lists under `also`, and `host.baseline.drift`, whose job is to notice
//! the regression (it must fail and name the check, or pass naming the
//! ticket when a waiver links the check to one).
//!
//! Manifest lines (`#` comments):
//!
//! * `evidence FILE[:LINE]` — an evidence row of the check names FILE (and LINE);
//! * `delete PATH` — remove a file of the hardened tree;
//! * `mode PATH OCTAL` — set a mode git cannot keep (setuid, 0600…);
//! * `mtime PATH -Nd|-Nh` — date a file N days or hours before the scan time;
//! * `also CHECK-ID` — another check this change legitimately affects;
//! * `live` — scan as a live host (`Root::live_at`: the tree's synthetic `/proc`).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use common::{HARDENED_MODES, NOW, copy_tree, fixtures, prepare, scan_root, set_mode, set_mtime};
use kexin_core::CheckStatus;
use kexin_hostscan::Root;
use kexin_hostscan::checks::{CHECKS, Scan};

const DRIFT: &str = "host.baseline.drift";

#[derive(Default)]
struct Manifest {
    evidence: Vec<(String, Option<usize>)>,
    delete: Vec<String>,
    modes: Vec<(String, u32)>,
    mtimes: Vec<(String, i64)>,
    also: Vec<String>,
    live: bool,
}

fn manifest(dir: &Path) -> Manifest {
    let text = std::fs::read_to_string(dir.join("variant.txt"))
        .unwrap_or_else(|e| panic!("{}/variant.txt: {e}", dir.display()));
    let mut m = Manifest::default();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap().trim();
        let w: Vec<&str> = line.split_whitespace().collect();
        let bad = || -> ! {
            panic!(
                "{}/variant.txt:{}: cannot read {line:?}",
                dir.display(),
                n + 1
            )
        };
        match w.as_slice() {
            [] => {}
            ["evidence", at] => m.evidence.push(match at.rsplit_once(':') {
                Some((f, l)) if l.bytes().all(|b| b.is_ascii_digit()) => {
                    (f.to_string(), Some(l.parse().unwrap()))
                }
                _ => (at.to_string(), None),
            }),
            ["delete", p] => m.delete.push(p.to_string()),
            ["mode", p, mode] => m.modes.push((
                p.to_string(),
                u32::from_str_radix(mode, 8).unwrap_or_else(|_| bad()),
            )),
            ["mtime", p, age] => {
                let age = age.trim_start_matches('-');
                let (num, unit) = age.split_at(age.len().saturating_sub(1));
                let n: i64 = num.parse().unwrap_or_else(|_| bad());
                let secs = match unit {
                    "d" => n * 86_400,
                    "h" => n * 3600,
                    _ => bad(),
                };
                m.mtimes.push((p.to_string(), secs));
            }
            ["also", id] => m.also.push(id.to_string()),
            ["live"] => m.live = true,
            _ => bad(),
        }
    }
    m
}

fn statuses(s: &Scan) -> BTreeMap<&'static str, CheckStatus> {
    s.results.iter().map(|r| (r.id, r.status)).collect()
}

fn hardened_scan(db: &kexin_vulndb::VulnDb, live: bool) -> Scan {
    let dir = common::fixture("hardened", HARDENED_MODES);
    let root = if live {
        Root::live_at(dir.path()).unwrap()
    } else {
        Root::offline(dir.path()).unwrap()
    };
    scan_root(&root, db)
}

fn overlay(variant: &Path, into: &Path) {
    for entry in std::fs::read_dir(variant).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() == "variant.txt" {
            continue;
        }
        let dest = into.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

#[test]
fn every_check_has_a_variant_and_fails_on_it_alone() {
    let db = common::vulndb();
    let base_offline = hardened_scan(&db, false);
    let base_live = hardened_scan(&db, true);
    for id in common::LIVE_ONLY {
        let r = base_live.results.iter().find(|r| r.id == *id).unwrap();
        assert_eq!(
            r.status,
            CheckStatus::Pass,
            "{id} passes on the hardened tree's synthetic /proc: {} {:?}",
            r.message,
            r.evidence
        );
    }
    let variants_dir = fixtures().join("variants");
    let mut problems = Vec::new();
    for c in CHECKS {
        if !variants_dir.join(c.id).is_dir() {
            problems.push(format!("{}: no variant directory", c.id));
        }
    }
    for entry in std::fs::read_dir(&variants_dir).unwrap() {
        let vdir = entry.unwrap().path();
        let id = vdir.file_name().unwrap().to_string_lossy().into_owned();
        let Some(check) = CHECKS.iter().find(|c| c.id == id) else {
            problems.push(format!("{id}: a variant for no check"));
            continue;
        };
        let m = manifest(&vdir);
        let tmp = tempfile::tempdir().unwrap();
        copy_tree(&fixtures().join("hardened"), tmp.path());
        overlay(&vdir, tmp.path());
        for p in &m.delete {
            std::fs::remove_file(tmp.path().join(p.trim_start_matches('/')))
                .unwrap_or_else(|e| panic!("{id}: delete {p}: {e}"));
        }
        let kept: Vec<(&str, u32)> = HARDENED_MODES
            .iter()
            .copied()
            .filter(|(p, _)| !m.delete.iter().any(|d| d == p))
            .collect();
        prepare(tmp.path(), &kept);
        for (p, mode) in &m.modes {
            set_mode(tmp.path(), p, *mode);
        }
        for (p, age) in &m.mtimes {
            set_mtime(
                &tmp.path().join(p.trim_start_matches('/')),
                UNIX_EPOCH + Duration::from_secs((NOW - age) as u64),
            );
        }
        let (root, base) = if m.live {
            (Root::live_at(tmp.path()).unwrap(), &base_live)
        } else {
            (Root::offline(tmp.path()).unwrap(), &base_offline)
        };
        let s = scan_root(&root, &db);
        let got = statuses(&s);
        let want = statuses(base);
        let result = s.results.iter().find(|r| r.id == check.id).unwrap();
        if result.status != CheckStatus::Fail {
            problems.push(format!(
                "{id}: {:?} instead of fail: {} {:?}",
                result.status, result.message, result.evidence
            ));
        }
        for (file, line) in &m.evidence {
            let found = result
                .evidence
                .iter()
                .any(|e| &e.file == file && (line.is_none() || e.line == *line));
            if !found {
                problems.push(format!(
                    "{id}: no evidence at {file}{}: {:?}",
                    line.map_or(String::new(), |l| format!(":{l}")),
                    result.evidence
                ));
            }
        }
        for (other, status) in &got {
            if *other == check.id || m.also.iter().any(|a| a == other) {
                continue;
            }
            if *other == DRIFT {
                let drift = s.results.iter().find(|r| r.id == DRIFT).unwrap();
                let names_check = drift
                    .evidence
                    .iter()
                    .any(|e| e.detail.starts_with(check.id));
                if want[DRIFT] == CheckStatus::Pass
                    && base.results.iter().any(|r| r.id == check.id && r.status == CheckStatus::Pass)
                    // A regression covered by a ticketed waiver passes, naming it.
                    && !(names_check
                        && (drift.status == CheckStatus::Fail
                            || drift.evidence.iter().any(|e| e.detail.contains("linked to"))))
                {
                    problems.push(format!(
                        "{id}: drift does not report the regression: {:?} {:?}",
                        drift.status, drift.evidence
                    ));
                }
                continue;
            }
            if want.get(other) != Some(status) {
                let r = s.results.iter().find(|r| r.id == *other).unwrap();
                problems.push(format!(
                    "{id}: also changed {other}: {:?} → {status:?}: {} {:?}",
                    want.get(other),
                    r.message,
                    r.evidence
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
