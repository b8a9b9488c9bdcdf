//! Scan results in the formats other tools read: SARIF 2.1.0 (code-scanning
//! dashboards, CI) and OCSF Compliance Finding events (class 2003, for
//! SIEMs and data lakes).

use kexin_core::{CheckStatus, Severity};
use serde_json::{Value, json};

use crate::checks::{CHECKS, Evidence, Scan};

const TOOL: &str = "kexin";

fn sarif_level(status: CheckStatus, severity: Severity) -> &'static str {
    match (status, severity) {
        (CheckStatus::Fail, Severity::Critical | Severity::High) => "error",
        (CheckStatus::Fail, Severity::Medium) => "warning",
        (CheckStatus::Fail, _) => "note",
        _ => "none",
    }
}

/// CVSS-like number GitHub and others use to rank SARIF rules.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// The scan as one SARIF 2.1.0 log. `title` gives a check's human title.
pub fn to_sarif(scan: &Scan, title: &dyn Fn(&str) -> Option<String>) -> Value {
    let rules: Vec<Value> = scan
        .results
        .iter()
        .map(|r| {
            let meta = CHECKS.iter().find(|c| c.id == r.id);
            json!({
                "id": r.id,
                "name": r.id.replace(['.', '-'], "_"),
                "shortDescription": {"text": title(r.id).unwrap_or_else(|| r.id.to_string())},
                "fullDescription": {"text": meta.map_or("", |m| m.rationale)},
                "help": {"text": meta.map_or("", |m| m.remediation)},
                "properties": {"security-severity": security_severity(r.severity), "tags": ["security", "cloud-host"]},
            })
        })
        .collect();
    let results: Vec<Value> = scan
        .results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.status != CheckStatus::Pass)
        .map(|(i, r)| {
            let locations: Vec<Value> = r
                .evidence
                .iter()
                .filter(|e| e.file.starts_with('/'))
                .take(50)
                .map(|e| {
                    let mut physical =
                        json!({"artifactLocation": {"uri": format!("file://{}", e.file)}});
                    if let Some(line) = e.line {
                        physical["region"] = json!({"startLine": line});
                    }
                    json!({"physicalLocation": physical, "message": {"text": e.detail}})
                })
                .collect();
            let kind = match r.status {
                CheckStatus::Fail => "fail",
                CheckStatus::NotApplicable => "notApplicable",
                _ => "review",
            };
            json!({
                "ruleId": r.id,
                "ruleIndex": i,
                "kind": kind,
                "level": sarif_level(r.status, r.severity),
                "message": {"text": r.message},
                "locations": locations,
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": TOOL, "version": env!("CARGO_PKG_VERSION"), "rules": rules}},
            "results": results,
            "properties": {"profile": scan.profile, "live": scan.live},
        }],
    })
}

/// The OCSF schema version the events follow: the first release whose
/// Compliance Finding class carries `evidences`.
pub const OCSF_VERSION: &str = "1.7.0";

/// OCSF `severity_id` and its caption, the `severity` sibling.
fn ocsf_severity_id(s: Severity) -> u8 {
    match s {
        Severity::Info => 1,
        Severity::Low => 2,
        Severity::Medium => 3,
        Severity::High => 4,
        Severity::Critical => 5,
    }
}

fn ocsf_severity(s: Severity) -> &'static str {
    match s {
        Severity::Info => "Informational",
        Severity::Low => "Low",
        Severity::Medium => "Medium",
        Severity::High => "High",
        Severity::Critical => "Critical",
    }
}

/// An evidence row as an OCSF Evidence Artifacts object: the row itself as
/// `data`, and the file it cites as a `file` object (its type is not known
/// without another look at the root, so `type_id` is 0, Unknown).
fn ocsf_evidence(e: &Evidence) -> Value {
    let mut data = json!({"file": e.file, "detail": e.detail});
    if let Some(line) = e.line {
        data["line"] = json!(line);
    }
    let mut evidence = json!({"data": data});
    if e.file.starts_with('/') {
        let name = e.file.rsplit('/').find(|s| !s.is_empty()).unwrap_or("/");
        evidence["file"] = json!({"name": name, "path": e.file, "type_id": 0});
    }
    evidence
}

/// Each check result as an OCSF Compliance Finding (class 2003).
/// `time_ms` is the scan time; `host` names the scanned device.
pub fn to_ocsf(
    scan: &Scan,
    title: &dyn Fn(&str) -> Option<String>,
    host: &str,
    time_ms: i64,
) -> Vec<Value> {
    scan.results
        .iter()
        .map(|r| {
            let (status, status_id) = match r.status {
                CheckStatus::Pass => ("Pass", 1),
                CheckStatus::Fail => ("Fail", 3),
                CheckStatus::NotApplicable => ("Not Applicable", 99),
                CheckStatus::Error => ("Error", 99),
            };
            let meta = CHECKS.iter().find(|c| c.id == r.id);
            json!({
                "class_uid": 2003,
                "class_name": "Compliance Finding",
                "category_uid": 2,
                "category_name": "Findings",
                "activity_id": 1,
                "activity_name": "Create",
                "type_uid": 200301,
                "type_name": "Compliance Finding: Create",
                "time": time_ms,
                "severity_id": ocsf_severity_id(r.severity),
                "severity": ocsf_severity(r.severity),
                "status_id": 1,
                "status": "New",
                "message": r.message,
                "metadata": {"version": OCSF_VERSION, "product": {"name": "Kexin", "vendor_name": "Kexin", "version": env!("CARGO_PKG_VERSION")}},
                "finding_info": {"uid": format!("{host}/{}", r.id), "title": title(r.id).unwrap_or_else(|| r.id.to_string()), "desc": meta.map_or("", |m| m.rationale)},
                "compliance": {"control": r.id, "standards": ["TC608 cloud host security (可信云服务安全测评方法 第1部分：云主机)"], "status": status, "status_id": status_id, "status_detail": r.message},
                "remediation": {"desc": meta.map_or("", |m| m.remediation)},
                "device": {"hostname": host, "type_id": 1, "type": "Server"},
                "evidences": r.evidence.iter().take(50).map(ocsf_evidence).collect::<Vec<_>>(),
            })
        })
        .collect()
}
