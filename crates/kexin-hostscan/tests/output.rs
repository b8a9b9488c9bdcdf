//! SARIF 2.1.0 and OCSF Compliance Finding output keep the rules of their
//! specifications that consumers rely on; the SARIF log of the weak fixture
//! is a reviewed snapshot.

mod common;

use kexin_hostscan::output::{to_ocsf, to_sarif};
use serde_json::Value;

/// The weak tree at the fixtures' fixed time, so the snapshot does not age.
fn weak_scan() -> kexin_hostscan::checks::Scan {
    let dir = common::fixture("weak", common::WEAK_MODES);
    common::scan_offline(dir.path(), &common::vulndb())
}

fn title(id: &str) -> Option<String> {
    Some(format!("title of {id}"))
}

#[test]
fn sarif_follows_the_2_1_0_rules() {
    let s = weak_scan();
    let log = to_sarif(&s, &title);
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(!rules.is_empty());
    for r in run["results"].as_array().unwrap() {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            rules[i]["id"], r["ruleId"],
            "ruleIndex points at the result's rule"
        );
        let level = r["level"].as_str().unwrap();
        let kind = r["kind"].as_str().unwrap();
        assert!(["none", "note", "warning", "error"].contains(&level));
        assert!(
            [
                "fail",
                "pass",
                "notApplicable",
                "review",
                "open",
                "informational"
            ]
            .contains(&kind)
        );
        if kind != "fail" {
            assert_eq!(level, "none", "§3.27.9: only kind fail carries a level");
        }
        assert!(r["message"]["text"].as_str().is_some_and(|t| !t.is_empty()));
        for loc in r["locations"].as_array().unwrap() {
            let uri = loc["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap();
            assert!(uri.starts_with("file:///"), "{uri}");
            if let Some(line) = loc["physicalLocation"]["region"]["startLine"].as_u64() {
                assert!(line >= 1);
            }
        }
    }
    for rule in rules {
        let sev: f64 = rule["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&sev));
    }
    let mut stable = log.clone();
    stable["runs"][0]["tool"]["driver"]["version"] = Value::from("VERSION");
    insta::assert_json_snapshot!("sarif_weak_fixture", stable);
}

#[test]
fn ocsf_events_are_compliance_findings() {
    let s = weak_scan();
    let events = to_ocsf(&s, &title, "web-1", 1_700_000_000_000);
    assert_eq!(events.len(), s.results.len());
    for e in &events {
        assert_eq!(e["class_uid"], 2003);
        assert_eq!(e["category_uid"], 2);
        let type_uid = e["type_uid"].as_u64().unwrap();
        assert_eq!(
            type_uid,
            2003 * 100 + e["activity_id"].as_u64().unwrap(),
            "type_uid = class_uid × 100 + activity_id"
        );
        assert!((1..=5).contains(&e["severity_id"].as_u64().unwrap()));
        assert_eq!(e["time"], 1_700_000_000_000i64);
        for field in ["metadata", "finding_info", "compliance", "device"] {
            assert!(e[field].is_object(), "{field} present");
        }
        assert!(
            e["metadata"]["version"].is_string() && e["metadata"]["product"]["name"].is_string()
        );
        assert!(
            e["finding_info"]["uid"]
                .as_str()
                .unwrap()
                .starts_with("web-1/host.")
        );
        assert!(
            ["Pass", "Fail", "Not Applicable", "Error"]
                .contains(&e["compliance"]["status"].as_str().unwrap())
        );
    }
}
