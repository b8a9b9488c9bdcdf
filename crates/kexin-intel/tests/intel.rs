//! Loading the hand-made fixtures under `tests/fixtures/` and matching events
//! normalised by `kexin-logs` against all of them at once.

use std::path::Path;

use kexin_intel::{Format, IntelSet, LoadError, Observables, detect_format, load_path};
use kexin_logs::{Event, Normalizer};
use time::OffsetDateTime;
use time::macros::datetime;

const STIX: &str = "tests/fixtures/stix/bundle.json";
const MISP: &str = "tests/fixtures/misp-feed";
const TYPED: &str = "tests/fixtures/csv/typed.csv";
const PLAIN: &str = "tests/fixtures/csv/plain.txt";

#[test]
fn stix_bundle_report() {
    let loaded = load_path(Path::new(STIX)).unwrap();
    insta::assert_json_snapshot!("stix_report", loaded.report);
}

#[test]
fn misp_feed_report() {
    let loaded = load_path(Path::new(MISP)).unwrap();
    insta::assert_json_snapshot!("misp_report", loaded.report);
}

#[test]
fn csv_reports() {
    let typed = load_path(Path::new(TYPED)).unwrap();
    insta::assert_json_snapshot!("csv_typed_report", typed.report);
    let plain = load_path(Path::new(PLAIN)).unwrap();
    insta::assert_json_snapshot!("csv_plain_report", plain.report);
}

#[test]
fn stix_indicator_fields() {
    let loaded = load_path(Path::new(STIX)).unwrap();
    let first = &loaded.indicators[0];
    assert_eq!(first.id, "indicator--0a1b2c3d-0000-4000-8000-000000000001");
    assert_eq!(first.source, "Kexin Test CERT");
    assert_eq!(first.confidence, Some(80));
    assert_eq!(first.labels, ["malicious-activity", "bruteforce"]);
    assert_eq!(first.context.as_deref(), Some("SSH brute-force scanner"));
    let anonymous = loaded
        .indicators
        .iter()
        .find(|i| i.id.ends_with("000000000004"))
        .unwrap();
    assert_eq!(anonymous.source, "bundle.json");
}

#[test]
fn format_detection() {
    assert_eq!(detect_format(Path::new(STIX)).unwrap(), Format::StixBundle);
    assert_eq!(detect_format(Path::new(MISP)).unwrap(), Format::MispFeed);
    assert_eq!(
        detect_format(Path::new("tests/fixtures/misp-feed/manifest.json")).unwrap(),
        Format::MispFeed
    );
    assert_eq!(detect_format(Path::new(TYPED)).unwrap(), Format::CsvList);
    assert_eq!(detect_format(Path::new(PLAIN)).unwrap(), Format::CsvList);
    assert!(matches!(
        detect_format(Path::new("tests/fixtures/csv")),
        Err(LoadError::UnknownFormat { .. })
    ));
    let manifest = load_path(Path::new("tests/fixtures/misp-feed/manifest.json")).unwrap();
    assert_eq!(
        manifest.indicators.len(),
        load_path(Path::new(MISP)).unwrap().indicators.len()
    );
}

#[test]
fn fatal_errors_name_the_file_and_place() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let p = write("broken.json", "{\"type\": \"bundle\",\n  \"objects\": [}");
    let e = load_path(&p).unwrap_err().to_string();
    assert!(e.starts_with(&format!("{}:2:", p.display())), "{e}");
    let p = write("notabundle.json", "{\"type\": \"indicator\"}");
    assert_eq!(
        load_path(&p).unwrap_err().to_string(),
        format!(
            "{}, field `type`: expected `\"type\": \"bundle\"`",
            p.display()
        )
    );
    let feed = dir.path().join("feed");
    std::fs::create_dir(&feed).unwrap();
    std::fs::write(feed.join("manifest.json"), "[]").unwrap();
    assert!(
        load_path(&feed)
            .unwrap_err()
            .to_string()
            .contains("manifest.json: a MISP manifest is a JSON object")
    );
    let e = load_path(&dir.path().join("missing.csv")).unwrap_err();
    assert!(matches!(e, LoadError::Io { .. }), "{e}");
}

fn all_sources() -> IntelSet {
    let mut set = IntelSet::new();
    for p in [STIX, MISP, TYPED, PLAIN] {
        set.add(load_path(Path::new(p)).unwrap());
    }
    set
}

fn events() -> Vec<Event> {
    let n = Normalizer::new(datetime!(2024-06-01 12:00:00 UTC));
    let mut out = Vec::new();
    for line in [
        "Jun  1 06:25:01 bastion sshd[1234]: Failed password for invalid user oracle from 198.51.100.23 port 41870 ssh2",
        "Jun  1 06:25:02 bastion sshd[1235]: Failed password for root from 192.0.2.66 port 5022 ssh2",
        "Jun  1 06:25:03 bastion sshd[1236]: Accepted publickey for deploy from 10.1.2.3 port 5022 ssh2",
        r#"{"ts":"2024-06-01T10:00:00Z","src_ip":"10.0.0.5","dst_ip":"203.0.113.45","dst_port":443,"proto":"tcp"}"#,
        r#"{"ts":"2024-06-01T10:00:01Z","src_ip":"10.0.0.6","dst_ip":"192.0.2.80","dst_port":443,"proto":"tcp"}"#,
        r#"{"ts":"2024-06-01T10:00:02Z","query":"www.c2.evil.example","qtype_name":"A"}"#,
        r#"{"ts":"2024-06-01T10:00:03Z","query":"notc2.evil.example"}"#,
        r#"{"ts":"2024-06-01T10:00:04Z","url":"http://drop.evil.example/kit/stage2.bin","client_ip":"10.0.0.7"}"#,
        r#"{"ts":"2024-06-01T10:00:05Z","url":"http://203.0.113.7:8080/bins/x86?arch=mips"}"#,
        r#"{"ts":"2024-06-01T10:00:06Z","file":{"hash":{"sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}}"#,
        r#"{"ts":"2024-06-01T10:00:07Z","Hashes":"SHA1=A94A8FE5CCB19BA61C4C0873D391E987982FBBD3,MD5=098F6BCD4621D373CADE4E832627B4F6"}"#,
        r#"{"ts":"2024-06-01T10:00:08Z","query":"old-phish.example","answer":"192.0.2.10"}"#,
        r#"{"ts":"2024-06-01T10:00:09Z","dns":{"question":{"name":"expired-c2.example"}},"source":{"ip":"2001:db8:dead:1::5"}}"#,
        r#"{"ts":"2024-06-01T10:00:10Z","tls":{"sni":"mail.phish-kit.example"},"server_name":"x.mail.phish-kit.example"}"#,
    ] {
        n.line(line.as_bytes(), &mut out).unwrap();
    }
    out
}

fn hits_at(set: &IntelSet, at: Option<OffsetDateTime>) -> Vec<String> {
    let mut lines = Vec::new();
    for (i, ev) in events().iter().enumerate() {
        let obs = Observables::from_event(ev);
        let when = at.or(ev.time).unwrap();
        for h in set.match_observables(&obs, when) {
            lines.push(format!(
                "event {i}: {} {} = {} in {} <- {} ({}, confidence {:?})",
                h.indicator.kind(),
                h.indicator.value,
                h.observed,
                h.field,
                h.indicator.id,
                h.indicator.source,
                h.indicator.confidence,
            ));
        }
    }
    lines
}

#[test]
fn events_match_every_source() {
    let set = all_sources();
    insta::assert_snapshot!("hits", hits_at(&set, None).join("\n"));
}

#[test]
fn validity_windows_follow_the_evaluation_time() {
    let set = all_sources();
    let early = hits_at(&set, Some(datetime!(2023-01-15 0:00 UTC)));
    assert!(
        early.iter().any(|h| h.contains("old-phish.example")),
        "{early:#?}"
    );
    assert!(
        early.iter().any(|h| h.contains("expired-c2.example")),
        "{early:#?}"
    );
    let now = hits_at(&set, None);
    assert!(
        !now.iter()
            .any(|h| h.contains("old-phish") || h.contains("expired-c2"))
    );
    assert!(!now.iter().any(|h| h.contains("192.0.2.80")), "revoked");
    assert!(
        !now.iter().any(|h| h.contains("192.0.2.10")),
        "to_ids false"
    );
    assert!(!now.iter().any(|h| h.contains("notc2")), "label boundary");
}
