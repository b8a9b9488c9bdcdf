//! A realistic, deterministic report: answers follow a fixed pattern over
//! the points in document order, timestamps are fixed.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kexin_assess::{Answer, evaluate};
use kexin_catalog::{Catalog, EvidenceKind};
use kexin_core::{AssessmentStatus, Level, Timestamp, Verdict};
use kexin_report::{EvidenceItem, PointResult, ReportData, WorkflowStep};

pub const ASSESSOR: &str = "Li Wei 李伟";
pub const REVIEWER: &str = "Anna Schmidt";

pub fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).expect("fixed timestamp")
}

/// How the answers are chosen.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mix {
    /// Every third point fails, every seventh is partial, every eleventh is
    /// unanswered, the fifth is not applicable with a reason.
    Mixed,
    /// As `Mixed`, but every basic point passes (or is not applicable with
    /// a reason), so the basic level is reached.
    BasicPasses,
    /// Every point passes.
    AllPass,
}

/// The verdict pattern; `None` leaves the point unanswered.
fn verdict(i: usize, level: Level, mix: Mix) -> Option<Verdict> {
    if i == 4 {
        return Some(Verdict::NotApplicable);
    }
    if mix == Mix::AllPass || (mix == Mix::BasicPasses && level == Level::Basic) {
        return Some(Verdict::Pass);
    }
    if i % 11 == 10 {
        None
    } else if i % 3 == 2 {
        Some(Verdict::Fail)
    } else if i % 7 == 3 {
        Some(Verdict::Partial)
    } else {
        Some(Verdict::Pass)
    }
}

fn sha(i: usize) -> String {
    format!("{:08x}", (i as u32 + 1).wrapping_mul(2_654_435_761)).repeat(8)
}

pub fn report(standard_id: &str, target: Level, status: AssessmentStatus, mix: Mix) -> ReportData {
    let standard = Catalog::embedded()
        .standard(standard_id)
        .unwrap_or_else(|| panic!("{standard_id} is shipped"))
        .clone();
    let base = ts("2026-03-10T09:00:00Z");
    let mut results = Vec::new();
    for (i, (_, point)) in standard.points().enumerate() {
        let Some(verdict) = verdict(i, point.level, mix) else {
            continue;
        };
        let check = point
            .evidence
            .iter()
            .find(|e| e.kind == EvidenceKind::Check)
            .and_then(|e| e.check.clone());
        let mut evidence = Vec::new();
        if let Some(check) = &check {
            evidence.push(EvidenceItem {
                id: format!("ev-{i:03}-c"),
                kind: "check".into(),
                name: check.clone(),
                sha256: None,
                size: None,
                url: None,
            });
        }
        if matches!(verdict, Verdict::Pass | Verdict::Partial) {
            evidence.push(EvidenceItem {
                id: format!("ev-{i:03}-f"),
                kind: "file".into(),
                name: format!("evidence-{i:02}.pdf"),
                sha256: Some(sha(i)),
                size: Some(2048 + 517 * i as u64 * i as u64),
                url: None,
            });
        }
        if i % 5 == 0 {
            evidence.push(EvidenceItem {
                id: format!("ev-{i:03}-l"),
                kind: "link".into(),
                name: "Runbook".into(),
                sha256: None,
                size: None,
                url: Some(format!("https://wiki.example.com/kexin/runbook/{i}")),
            });
        }
        results.push(PointResult {
            point_id: point.id.clone(),
            verdict,
            reason: match verdict {
                Verdict::NotApplicable => {
                    Some("No such component runs on the hosts in scope; confirmed with the platform owner.".into())
                }
                Verdict::Fail if i % 2 == 0 => Some("Not in place on 2 of 12 sampled hosts.".into()),
                _ => None,
            },
            notes: (i % 4 == 1).then(|| "Sampled 12 hosts across both availability zones.".to_string()),
            source: if check.is_some() { "check:run-0042".into() } else { "manual".into() },
            updated_by: ASSESSOR.into(),
            updated_at: base.plus(Duration::from_secs(60 * i as u64)),
            evidence,
        });
    }
    let answers: HashMap<String, Answer> = results
        .iter()
        .map(|r| {
            (
                r.point_id.clone(),
                Answer {
                    verdict: r.verdict,
                    reason: r.reason.clone(),
                },
            )
        })
        .collect();
    let evaluation = evaluate(&standard, None, target, |id| answers.get(id));

    let mut workflow = vec![WorkflowStep {
        step: "created".into(),
        by: ASSESSOR.into(),
        at: ts("2026-03-02T08:30:00Z"),
        note: Some("Scope: production hosts of region cn-east-1.".into()),
    }];
    if status != AssessmentStatus::Draft {
        workflow.push(WorkflowStep {
            step: "submitted".into(),
            by: ASSESSOR.into(),
            at: ts("2026-03-11T16:00:00Z"),
            note: None,
        });
        workflow.push(WorkflowStep {
            step: "returned".into(),
            by: REVIEWER.into(),
            at: ts("2026-03-12T10:15:00Z"),
            note: Some("Attach the SSH configuration of the sampled hosts.".into()),
        });
        workflow.push(WorkflowStep {
            step: "submitted".into(),
            by: ASSESSOR.into(),
            at: ts("2026-03-12T17:05:00Z"),
            note: Some("Evidence added.".into()),
        });
    }
    if matches!(
        status,
        AssessmentStatus::Reviewed | AssessmentStatus::SignedOff
    ) {
        workflow.push(WorkflowStep {
            step: "reviewed".into(),
            by: REVIEWER.into(),
            at: ts("2026-03-14T10:20:00Z"),
            note: Some("Evidence complete.".into()),
        });
    }
    if status == AssessmentStatus::SignedOff {
        workflow.push(WorkflowStep {
            step: "signed_off".into(),
            by: REVIEWER.into(),
            at: ts("2026-03-15T09:00:00Z"),
            note: None,
        });
    }

    ReportData {
        assessment_id: "01JQ7Z3K9B6W2M4X8T5R0N1C2D".into(),
        tenant_name: "Acme Cloud 阿克米云".into(),
        target_name: "Production hosts, region cn-east-1".into(),
        standard,
        variant: None,
        status,
        evaluation,
        results,
        workflow,
        generated_at: ts("2026-03-16T08:00:00Z"),
        catalog_version: "kexin 0.1.0".into(),
    }
}

/// What a finished command printed.
pub struct Ran {
    pub status: std::process::ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// Runs a command to completion within `timeout`, its output going to
/// files (a full pipe would stall it); a missing program fails the test
/// with what to install.
pub fn run(program: &str, args: &[String], timeout: Duration, install: &str) -> Ran {
    let logs = tempfile::tempdir().expect("temp dir");
    let out_path = logs.path().join("stdout");
    let err_path = logs.path().join("stderr");
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run `{program}` ({e}): install {install}"));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting") {
            break status;
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`{program}` did not finish within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    Ran {
        status,
        stdout: String::from_utf8_lossy(&std::fs::read(&out_path).unwrap_or_default()).into_owned(),
        stderr: String::from_utf8_lossy(&std::fs::read(&err_path).unwrap_or_default()).into_owned(),
    }
}

/// A fresh directory for one test's files under Cargo's per-target scratch directory.
pub fn scratch(name: &str) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("kexin-report")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}
