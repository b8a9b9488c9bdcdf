//! `kexin scan host --format sarif|ocsf` output, on the hardened and the weak
//! fixture roots, validated against the published schemas: the OASIS SARIF
//! 2.1.0 JSON schema and the OCSF Compliance Finding class (see
//! `support/schemas.rs` for where they come from).

mod support;

use std::path::PathBuf;

use serde_json::Value;
use support::schemas::{OCSF_VERSION, ocsf_violations, sarif_violations};
use support::{kexin, stderr};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../kexin-hostscan/tests/fixtures")
        .join(name)
}

fn scan(fixture_name: &str, format: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let o = kexin(
        &dir.path().join("data"),
        &[
            "--format",
            format,
            "scan",
            "host",
            "--profile",
            "enhanced",
            "--root",
            fixture(fixture_name).to_str().unwrap(),
        ],
    );
    assert!(
        matches!(o.status.code(), Some(0 | 4)),
        "scan of {fixture_name}: {}",
        stderr(&o)
    );
    serde_json::from_slice(&o.stdout).expect("JSON output")
}

#[test]
fn sarif_of_both_fixtures_is_valid_sarif_2_1_0() {
    for name in ["hardened", "weak"] {
        let log = scan(name, "sarif");
        let errors = sarif_violations(&log);
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        assert!(
            !log["runs"][0]["results"].as_array().unwrap().is_empty(),
            "{name}: some result to validate"
        );
    }
}

#[test]
fn ocsf_of_both_fixtures_is_valid_compliance_findings() {
    for name in ["hardened", "weak"] {
        let events = scan(name, "ocsf");
        let events = events.as_array().expect("an array of events");
        assert!(!events.is_empty(), "{name}");
        for event in events {
            assert_eq!(event["metadata"]["version"], OCSF_VERSION);
            let errors = ocsf_violations(event, "compliance_finding");
            assert!(
                errors.is_empty(),
                "{name} {}: {errors:#?}",
                event["finding_info"]["uid"]
            );
        }
    }
}

/// The validators themselves catch what they are there to catch.
#[test]
fn the_validators_reject_broken_output() {
    let mut log = scan("weak", "sarif");
    log["runs"][0]["results"][0]["level"] = Value::from("fatal");
    log["runs"][0]["results"][0]["locations"] = serde_json::json!([{
        "physicalLocation": {"artifactLocation": {"uri": "file:///etc/ssh/sshd_config"}, "region": {"startLine": 0}}
    }]);
    let errors = sarif_violations(&log);
    assert!(errors.iter().any(|e| e.contains("/level")), "{errors:#?}");
    assert!(
        errors.iter().any(|e| e.contains("/startLine")),
        "{errors:#?}"
    );

    let events = scan("weak", "ocsf");
    let mut event = events[0].clone();
    event.as_object_mut().unwrap().remove("finding_info");
    event["severity_id"] = Value::from(7);
    event["compliance"]["status_id"] = Value::from("1");
    event["time"] = Value::from("yesterday");
    event["unknown_attribute"] = Value::from(true);
    event["evidences"] = serde_json::json!([{}]);
    let errors = ocsf_violations(&event, "compliance_finding");
    for expected in [
        ".finding_info: required attribute missing",
        ".severity_id: 7 is not one of",
        ".compliance.status_id: \"1\" is not of type integer_t",
        ".time: \"yesterday\" is not of type timestamp_t",
        ".unknown_attribute: not an attribute",
        ".evidences[0]: needs at least one of",
    ] {
        assert!(
            errors.iter().any(|e| e.contains(expected)),
            "{expected}: {errors:#?}"
        );
    }
    let mut event = events[0].clone();
    event["severity"] = Value::from("Info");
    event["severity_id"] = Value::from(1);
    let errors = ocsf_violations(&event, "compliance_finding");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("the caption of 1 is \"Informational\"")),
        "{errors:#?}"
    );
}
