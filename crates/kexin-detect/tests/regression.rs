//! SigmaHQ regression agreement: every `regression_data/**/info.yml` names
//! rules and how many events of the JSON file beside it each rule matches.
//! All SigmaHQ rules are loaded into one engine (so routing and the
//! prefilter are exercised as in production) and every case is checked.
//!
//! Expected counts: `match_count` when given; otherwise at least one match
//! (SigmaHQ's own runner, `tests/regression_tests_runner.py`, only checks
//! that the rule id appears in the checker's output and never reads
//! `match_count`, so some counts in the data are stale: [`ERRATA`] lists
//! them with the events that make the count different, and pins our count).
//!
//! The snapshot lists every case that cannot be run, with the reason, and
//! the totals, so a case cannot silently drop out; any count disagreement
//! fails the test.

use kexin_detect::{Engine, EngineConfig, Pipeline, Scratch};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const DATA: &str = "../../../shared/data/sigma";

/// Cases whose `match_count` contradicts the rule and the events: (rule id,
/// our count, why). Each was checked by hand against the JSON.
const ERRATA: &[(&str, usize, &str)] = &[
    (
        "0b9ad457-2554-44c1-82c2-d56a99c42377",
        3,
        "TargetFilename|contains '\\AppData\\Roaming\\AnyDesk\\user.conf' holds for user.conf.new (twice) and user.conf~RF2d9c20d.TMP",
    ),
    (
        "8fbf3271-1ef6-4e94-8210-03c2317947f6",
        3,
        "TargetFilename|endswith procdump64.exe, procdump64a.exe and procdump.exe are three events (their :Zone.Identifier streams do not match)",
    ),
    (
        "45e112d0-7759-4c2a-aa36-9f8fb79d3393",
        3,
        "three ZoneMap\\Domains values (https, http, *) set to DWORD (0x00000002), none filtered",
    ),
    (
        "c7dcacd0-cc59-4004-b0a4-1d6cdebe6f3e",
        2,
        "AutoShareServer and AutoShareWks are both set to DWORD (0x00000000)",
    ),
];

#[derive(Deserialize)]
struct Info {
    #[serde(default)]
    rule_metadata: Vec<RuleMeta>,
    #[serde(default)]
    regression_tests_info: Vec<TestInfo>,
}

#[derive(Deserialize)]
struct RuleMeta {
    id: String,
}

#[derive(Deserialize)]
struct TestInfo {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    /// SigmaHQ's checker expects one match when the count is not given.
    match_count: Option<usize>,
    path: String,
}

fn info_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read regression_data") {
        let p = e.expect("dir entry").path();
        if p.is_dir() {
            info_files(&p, out);
        } else if p.file_name().is_some_and(|n| n == "info.yml") {
            out.push(p);
        }
    }
}

/// An engine over every loaded SigmaHQ rule.
fn engine_with(report: &kexin_sigma::LoadReport, config: EngineConfig) -> Engine {
    let mut builder = Engine::builder(config);
    builder.add_load_report(report);
    builder.build()
}

/// Concatenated JSON documents (the EVTX→JSON converter writes one per event).
fn events(path: &Path) -> Result<Vec<serde_json::Value>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::Deserializer::from_str(&text)
        .into_iter::<serde_json::Value>()
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[test]
fn sigmahq_regression_data() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join(DATA);
    if !base.join("regression_data").is_dir() {
        eprintln!("SigmaHQ data not found at {}, skipping", base.display());
        return;
    }
    let report = kexin_sigma::load_dir(&base.join("rules")).expect("read rules");
    let mut by_id: BTreeMap<String, String> = BTreeMap::new();
    for (path, docs) in &report.loaded {
        for d in docs {
            if let Some(id) = &d.meta().id {
                by_id.insert(id.clone(), path.display().to_string());
            }
        }
    }
    let engine = engine_with(
        &report,
        EngineConfig {
            pipelines: vec![Pipeline::windows_evtx_json()],
            ..Default::default()
        },
    );
    let naive = engine_with(
        &report,
        EngineConfig {
            pipelines: vec![Pipeline::windows_evtx_json()],
            prefilter: false,
            ..Default::default()
        },
    );
    let mut naive_scratch = Scratch::new();
    let mut prefilter_differences: Vec<String> = Vec::new();

    let mut infos = Vec::new();
    info_files(&base.join("regression_data"), &mut infos);
    infos.sort();
    let mut not_run: Vec<String> = Vec::new();
    let mut mismatches: Vec<String> = Vec::new();
    let mut agreed = 0usize;
    let mut errata: Vec<String> = Vec::new();
    let mut scratch = Scratch::new();
    for info_path in &infos {
        let rel = info_path
            .strip_prefix(&base)
            .unwrap_or(info_path)
            .display()
            .to_string();
        let text = std::fs::read_to_string(info_path).expect("read info.yml");
        let info: Info = serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"));
        if info.regression_tests_info.is_empty() {
            not_run.push(format!(
                "{rel}: no regression_tests_info (commented out in SigmaHQ)"
            ));
            continue;
        }
        for t in &info.regression_tests_info {
            for rule in &info.rule_metadata {
                let case = format!("{rel} [{}] rule {}", t.name, rule.id);
                if t.kind != "evtx" {
                    not_run.push(format!("{case}: test type '{}' has no JSON events", t.kind));
                    continue;
                }
                let Some(rule_file) = by_id.get(&rule.id) else {
                    let top = rel.split('/').nth(1).unwrap_or("");
                    let why = if base.join(top).is_dir() {
                        format!("rule not found under {top}/")
                    } else {
                        format!(
                            "rule lives in {top}/, which is not part of the shared copy (only rules/ is)"
                        )
                    };
                    not_run.push(format!("{case}: {why}"));
                    continue;
                };
                let Some(index) = engine.rule_index(&rule.id) else {
                    let problem = engine
                        .problems()
                        .iter()
                        .find(|p| p.rule == rule.id)
                        .map_or("not compiled".to_string(), |p| p.message.clone());
                    not_run.push(format!(
                        "{case}: {rule_file} left out by the engine: {problem}"
                    ));
                    continue;
                };
                let json = base.join(t.path.replace(".evtx", ".json"));
                let evs = match events(&json) {
                    Ok(e) => e,
                    Err(e) => {
                        not_run.push(format!("{case}: {e}"));
                        continue;
                    }
                };
                let mut out = Vec::new();
                for ev in &evs {
                    let before = out.len();
                    engine.evaluate_json(ev, &mut scratch, &mut out);
                    // the prefilter must never change what matches, for any rule
                    let mut all = Vec::new();
                    naive.evaluate_json(ev, &mut naive_scratch, &mut all);
                    let fast: Vec<usize> = out[before..].iter().map(|m| m.rule_index).collect();
                    let slow: Vec<usize> = all.iter().map(|m| m.rule_index).collect();
                    if fast != slow {
                        prefilter_differences.push(format!(
                            "{json:?}: prefilter {fast:?}, naive {slow:?}",
                            json = t.path
                        ));
                    }
                }
                let got = out.iter().filter(|m| m.rule_index == index).count();
                let erratum = ERRATA.iter().find(|(id, _, _)| *id == rule.id);
                let ok = match (erratum, t.match_count) {
                    (Some((_, ours, why)), Some(stated)) => {
                        errata.push(format!(
                            "{case}: match_count {stated} in info.yml, {ours} by the rule: {why}"
                        ));
                        got == *ours
                    }
                    (_, Some(want)) => got == want,
                    (_, None) => got >= 1,
                };
                if ok {
                    agreed += 1;
                } else {
                    let want = t
                        .match_count
                        .map_or("at least 1".to_string(), |c| c.to_string());
                    mismatches.push(format!(
                        "{case} ({rule_file}): expected {want} matches in {} events, got {got}",
                        evs.len()
                    ));
                }
            }
        }
    }
    let summary = format!(
        "info.yml files: {}\ncases agreeing: {agreed} (of which with a stale match_count: {})\ncases disagreeing: {}\ncases not run: {}\n\nnot run:\n{}\n\nstale match_count:\n{}",
        infos.len(),
        errata.len(),
        mismatches.len(),
        not_run.len(),
        not_run.join("\n"),
        errata.join("\n")
    );
    assert!(
        prefilter_differences.is_empty(),
        "{}",
        prefilter_differences.join("\n")
    );
    assert!(
        mismatches.is_empty(),
        "{} disagreements:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    insta::assert_snapshot!("regression_not_run", summary);
}

/// A Windows event as flat JSON: `Event.System` keys and `Event.EventData`
/// fields at the top level (how NDJSON exporters write Sysmon events).
fn flatten(event: &serde_json::Value) -> serde_json::Value {
    let mut flat = serde_json::Map::new();
    let system = &event["Event"]["System"];
    for key in ["EventID", "Channel", "Computer"] {
        if let Some(v) = system.get(key).filter(|v| !v.is_null()) {
            flat.insert(key.to_string(), v.clone());
        }
    }
    if let Some(name) = system["Provider"]["#attributes"].get("Name") {
        flat.insert("Provider_Name".to_string(), name.clone());
    }
    if let Some(data) = event["Event"]["EventData"].as_object() {
        for (k, v) in data {
            flat.insert(k.clone(), v.clone());
        }
    }
    serde_json::Value::Object(flat)
}

#[test]
fn flat_windows_events_route_and_match_like_evtx_json() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join(DATA);
    let report = kexin_sigma::load_dir(&base.join("rules")).expect("read rules");
    let engine = |pipeline: Pipeline| {
        engine_with(
            &report,
            EngineConfig {
                pipelines: vec![pipeline],
                ..Default::default()
            },
        )
    };
    let (evtx, flat) = (
        engine(Pipeline::windows_evtx_json()),
        engine(Pipeline::windows_flat_json()),
    );
    let mut files = Vec::new();
    info_files(&base.join("regression_data"), &mut files);
    let mut scratch = Scratch::new();
    let mut compared = 0;
    for info in files {
        for entry in std::fs::read_dir(info.parent().unwrap()).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            for event in events(&path).unwrap() {
                if event["Event"]["EventData"].is_null() {
                    continue; // UserData events have no flat spelling
                }
                let flat_event = flatten(&event);
                assert_eq!(
                    evtx.derive_logsource(&event).map(|l| l.to_owned()),
                    flat.derive_logsource(&flat_event).map(|l| l.to_owned()),
                    "{}",
                    path.display()
                );
                let (mut a, mut b) = (Vec::new(), Vec::new());
                evtx.evaluate_json(&event, &mut scratch, &mut a);
                flat.evaluate_json(&flat_event, &mut scratch, &mut b);
                let ids = |v: &[kexin_detect::Match]| -> Vec<Option<String>> {
                    v.iter().map(|m| m.rule_id.clone()).collect()
                };
                assert_eq!(ids(&a), ids(&b), "{}", path.display());
                compared += 1;
            }
        }
    }
    assert!(compared > 150, "only {compared} events compared");
}

#[test]
fn cloudtrail_records_match_the_same_rules_raw_and_normalized() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join(DATA);
    let report = kexin_sigma::load_dir(&base.join("rules")).expect("read rules");
    let engine = engine_with(
        &report,
        EngineConfig {
            pipelines: vec![Pipeline::kexin_logs(), Pipeline::aws_cloudtrail_json()],
            ..Default::default()
        },
    );
    let records = [
        r#"{"eventVersion":"1.08","eventTime":"2024-03-09T08:01:00Z","eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","eventType":"AwsApiCall","awsRegion":"eu-west-1","sourceIPAddress":"198.51.100.9","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/mallory"}}"#,
        r#"{"eventVersion":"1.08","eventTime":"2024-03-09T08:02:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","eventType":"AwsConsoleSignIn","userIdentity":{"type":"Root","arn":"arn:aws:iam::123456789012:root"},"responseElements":{"ConsoleLogin":"Success"}}"#,
        r#"{"eventVersion":"1.08","eventTime":"2024-03-09T08:03:00Z","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","eventType":"AwsApiCall","userIdentity":{"type":"IAMUser","userName":"alice","arn":"arn:aws:iam::123456789012:user/alice"},"requestParameters":{"userName":"bob"}}"#,
        r#"{"eventVersion":"1.08","eventTime":"2024-03-09T08:04:00Z","eventSource":"ec2.amazonaws.com","eventName":"DisableEbsEncryptionByDefault","eventType":"AwsApiCall","userIdentity":{"type":"AssumedRole"}}"#,
        r#"{"eventVersion":"1.08","eventTime":"2024-03-09T08:05:00Z","eventSource":"guardduty.amazonaws.com","eventName":"DeleteDetector","eventType":"AwsApiCall","userIdentity":{"type":"AssumedRole"}}"#,
    ];
    let normalizer = kexin_logs::Normalizer::new(time::OffsetDateTime::UNIX_EPOCH);
    let mut scratch = Scratch::new();
    let mut fired = 0;
    for line in records {
        let raw: serde_json::Value = serde_json::from_str(line).unwrap();
        let normalized = normalizer.json_line(line.as_bytes()).unwrap();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        engine.evaluate_json(&raw, &mut scratch, &mut a);
        engine.evaluate_log_event(&normalized, &mut scratch, &mut b);
        let ids = |v: &[kexin_detect::Match]| -> Vec<Option<String>> {
            v.iter().map(|m| m.rule_id.clone()).collect()
        };
        assert_eq!(ids(&a), ids(&b), "{line}");
        assert!(a.iter().all(|m| m.timestamp.is_some()));
        fired += a.len();
    }
    assert!(fired >= 5, "only {fired} matches");
}
