//! Kexin's own rules (`rules/`): they load, they are complete, their test
//! cases (`<rule>.tests.yml`, format in `rules/README.md`) are well formed,
//! and the correlation rules produce exactly the hits their test cases
//! expect when the correlation engine is driven with the test lines.
//!
//! The detection evaluator is not on this branch. The correlation test
//! therefore decides which base rules match an event with the hand-written
//! stand-ins in [`base_rule_matches`], one per base rule that a correlation
//! refers to, each a transcription of that rule's `detection`. Their counts
//! are checked against the base rules' own expectations too, so a stand-in
//! that drifts from its test cases fails. `kexin rules test` runs the same
//! files through the real evaluator once it is merged.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use kexin_detect::correlation::{CorrelationEngine, Observation};
use kexin_logs::{Event, Normalizer};
use kexin_sigma::{SearchBody, SigmaDocument};
use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Default `reference_time` (gives BSD syslog timestamps their year).
const DEFAULT_REFERENCE: &str = "2024-12-31T23:59:59Z";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestFile {
    reference_time: Option<String>,
    #[serde(default)]
    placeholders: BTreeMap<String, Vec<String>>,
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    input: InputKind,
    lines: Vec<String>,
    expect: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum InputKind {
    Syslog,
    Json,
}

fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")
}

struct Loaded {
    /// Rule file (relative) → its documents.
    files: Vec<(PathBuf, Vec<SigmaDocument>)>,
}

impl Loaded {
    fn all(&self) -> impl Iterator<Item = &SigmaDocument> {
        self.files.iter().flat_map(|(_, d)| d)
    }
}

fn load() -> Loaded {
    let report = kexin_sigma::load_dir(&rules_dir()).expect("read rules dir");
    let rejected: Vec<String> = report.rejected.iter().map(|(_, e)| e.to_string()).collect();
    assert!(
        rejected.is_empty(),
        "rules rejected:\n{}",
        rejected.join("\n")
    );
    Loaded {
        files: report.loaded,
    }
}

fn tests_path(rule_file: &Path) -> PathBuf {
    let stem = rule_file.file_stem().unwrap().to_str().unwrap();
    rules_dir()
        .join(rule_file)
        .with_file_name(format!("{stem}.tests.yml"))
}

fn read_tests(rule_file: &Path) -> TestFile {
    let path = tests_path(rule_file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (every rule file needs test cases)", path.display()));
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn normalize(file: &Path, tests: &TestFile, case: &Case) -> Vec<Event> {
    let reference = tests.reference_time.as_deref().unwrap_or(DEFAULT_REFERENCE);
    let reference = OffsetDateTime::parse(reference, &Rfc3339)
        .unwrap_or_else(|e| panic!("{}: reference_time: {e}", file.display()));
    let n = Normalizer::new(reference);
    case.lines
        .iter()
        .map(|line| {
            let ev = match case.input {
                InputKind::Syslog => n.syslog(line.as_bytes()),
                InputKind::Json => n.json_line(line.as_bytes()),
            };
            let ev = ev.unwrap_or_else(|e| {
                panic!(
                    "{} case '{}': line does not parse ({e:?}): {line}",
                    file.display(),
                    case.name
                )
            });
            assert!(
                ev.time.is_some(),
                "{} case '{}': line has no time: {line}",
                file.display(),
                case.name
            );
            ev
        })
        .collect()
}

fn millis(ev: &Event) -> i64 {
    (ev.time
        .expect("checked by normalize")
        .unix_timestamp_nanos()
        / 1_000_000) as i64
}

fn rule_key(d: &SigmaDocument) -> String {
    let m = d.meta();
    m.name.clone().or(m.id.clone()).unwrap_or_default()
}

#[test]
fn every_rule_loads_resolves_and_is_complete() {
    let loaded = load();
    assert_eq!(loaded.files.len(), 14, "rule files");
    let problems = kexin_sigma::check_references(loaded.all());
    assert!(problems.is_empty(), "{problems:?}");
    CorrelationEngine::from_documents(loaded.all()).expect("correlations resolve");
    let mut ids = BTreeSet::new();
    for (file, docs) in &loaded.files {
        for d in docs {
            let m = d.meta();
            let at = format!("{} '{}'", file.display(), m.title);
            let id = m.id.as_deref().unwrap_or_else(|| panic!("{at}: no id"));
            assert!(ids.insert(id.to_string()), "{at}: id reused");
            let name = m.name.as_deref().unwrap_or_else(|| panic!("{at}: no name"));
            assert!(name.starts_with("kexin_"), "{at}: name '{name}'");
            assert_eq!(m.license.as_deref(), Some("Apache-2.0"), "{at}");
            assert_eq!(m.author.as_deref(), Some("Kexin project"), "{at}");
            assert!(m.description.is_some() && m.date.is_some(), "{at}");
            assert!(m.status.is_some() && m.level.is_some(), "{at}");
        }
    }
}

/// Field names a detection rule reads.
fn fields_used(d: &SigmaDocument) -> BTreeSet<String> {
    let SigmaDocument::Detection(r) = d else {
        return BTreeSet::new();
    };
    let mut out = BTreeSet::new();
    for ident in &r.detection.identifiers {
        let items: Vec<_> = match &ident.body {
            SearchBody::Map(items) => items.iter().collect(),
            SearchBody::MapList(maps) => maps.iter().flatten().collect(),
            SearchBody::Keywords(_) => Vec::new(),
        };
        out.extend(items.iter().filter_map(|i| i.field.clone()));
    }
    out
}

fn logsource_matches(d: &SigmaDocument, ev: &Event) -> bool {
    let SigmaDocument::Detection(r) = d else {
        return true;
    };
    let ls = &r.logsource;
    let same =
        |want: &Option<String>, got: Option<&str>| want.as_deref().is_none_or(|w| got == Some(w));
    same(&ls.product, ev.logsource.product)
        && same(&ls.service, ev.logsource.service)
        && same(&ls.category, ev.logsource.category)
}

#[test]
fn every_rule_file_has_well_formed_test_cases() {
    let loaded = load();
    for (file, docs) in &loaded.files {
        let tests = read_tests(file);
        let keys: BTreeSet<String> = docs.iter().map(rule_key).collect();
        let mut fired: BTreeSet<&str> = BTreeSet::new();
        let mut negative = false;
        let mut fields_seen: BTreeSet<String> = BTreeSet::new();
        for case in &tests.cases {
            let at = format!("{} case '{}'", tests_path(file).display(), case.name);
            for (rule, n) in &case.expect {
                assert!(
                    keys.contains(rule),
                    "{at}: '{rule}' is not a rule of {}",
                    file.display()
                );
                if *n > 0 {
                    fired.insert(rule);
                }
            }
            negative |= case.expect.values().all(|n| *n == 0);
            let events = normalize(file, &tests, case);
            for ev in &events {
                fields_seen.extend(ev.fields.keys().map(|k| k.to_string()));
            }
            for d in docs {
                if case.expect.get(&rule_key(d)).is_some_and(|n| *n > 0) {
                    assert!(
                        events.iter().any(|ev| logsource_matches(d, ev)),
                        "{at}: no event has the logsource of '{}'",
                        rule_key(d)
                    );
                }
            }
        }
        for k in &keys {
            assert!(
                fired.contains(k.as_str()),
                "{}: no case where '{k}' fires",
                file.display()
            );
        }
        assert!(negative, "{}: no case where nothing fires", file.display());
        for d in docs {
            for f in fields_used(d) {
                assert!(
                    fields_seen.contains(&f),
                    "{}: '{}' reads field '{f}', which no test event has",
                    file.display(),
                    rule_key(d)
                );
            }
        }
    }
}

fn internal(ip: &str) -> bool {
    match ip.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.is_private(),
        Ok(IpAddr::V6(v6)) => v6.is_unique_local(),
        Err(_) => false,
    }
}

/// Stand-ins for the evaluator: does base rule `rule` match `ev`? Each is
/// a transcription of the rule's `detection` in `rules/`.
fn base_rule_matches(rule: &str, ev: &Event, placeholders: &BTreeMap<String, Vec<String>>) -> bool {
    let f = |k: &str| ev.field(k).unwrap_or("");
    let service =
        |s: &str| ev.logsource.product == Some("linux") && ev.logsource.service == Some(s);
    match rule {
        "kexin_sshd_failed_login" => service("sshd") && f("EventType") == "ssh_login_failure",
        "kexin_sshd_invalid_user" => service("sshd") && f("EventType") == "ssh_invalid_user",
        "kexin_sshd_successful_login" => service("sshd") && f("EventType") == "ssh_login_success",
        "kexin_sudo_auth_failure" => service("sudo") && f("EventType") == "sudo_auth_failure",
        "kexin_east_west_admin_port" => {
            const PORTS: [&str; 9] = [
                "22", "23", "135", "139", "445", "3389", "5900", "5985", "5986",
            ];
            let bastions = placeholders
                .get("bastion_hosts")
                .map_or(&[][..], Vec::as_slice);
            ev.logsource.category == Some("network_connection")
                && internal(f("SourceIp"))
                && internal(f("DestinationIp"))
                && PORTS.contains(&f("DestinationPort"))
                && !bastions.iter().any(|b| b == f("SourceIp"))
                && f("DestinationIp") != f("SourceIp")
        }
        other => panic!("no stand-in for base rule '{other}': add one to base_rule_matches"),
    }
}

#[test]
fn correlation_rules_fire_as_their_test_cases_expect() {
    let loaded = load();
    // Base rules some correlation refers to: the ones the stand-ins cover.
    let engine = CorrelationEngine::from_documents(loaded.all()).unwrap();
    let base: Vec<(&str, Option<&str>)> = loaded
        .all()
        .filter_map(|d| match d {
            SigmaDocument::Detection(r)
                if engine.is_referenced(r.meta.id.as_deref(), r.meta.name.as_deref()) =>
            {
                Some((r.meta.name.as_deref().unwrap(), r.meta.id.as_deref()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(base.len(), 5, "{base:?}");
    let mut checked = 0;
    for (file, docs) in &loaded.files {
        // Rules of this file whose counts this test can know.
        let judged: Vec<String> = docs
            .iter()
            .filter(|d| match d {
                SigmaDocument::Correlation(_) => true,
                SigmaDocument::Detection(_) => base.iter().any(|(n, _)| *n == rule_key(d)),
                SigmaDocument::Filter(_) => false,
            })
            .map(rule_key)
            .collect();
        if judged.is_empty() {
            continue;
        }
        let tests = read_tests(file);
        for case in &tests.cases {
            let events = normalize(file, &tests, case);
            let mut engine = CorrelationEngine::from_documents(loaded.all()).unwrap();
            let mut got: BTreeMap<String, u64> = BTreeMap::new();
            let mut hits = Vec::new();
            for (i, ev) in events.iter().enumerate() {
                let lookup = |k: &str| ev.field(k).map(str::to_string);
                let event_id = format!("line {}", i + 1);
                for (name, id) in &base {
                    if !base_rule_matches(name, ev, &tests.placeholders) {
                        continue;
                    }
                    *got.entry(name.to_string()).or_default() += 1;
                    hits.extend(engine.observe(&Observation {
                        rule_id: *id,
                        rule_name: Some(name),
                        timestamp: millis(ev),
                        event_id: Some(&event_id),
                        field: &lookup,
                    }));
                }
            }
            hits.extend(engine.flush());
            for h in &hits {
                *got.entry(h.rule_name.clone().unwrap()).or_default() += 1;
            }
            for rule in &judged {
                let want = case.expect.get(rule).copied().unwrap_or(0);
                let have = got.get(rule).copied().unwrap_or(0);
                assert_eq!(
                    have,
                    want,
                    "{} case '{}': '{rule}' fired {have} times, expected {want}; hits: {hits:#?}",
                    tests_path(file).display(),
                    case.name
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 30, "only {checked} expectations checked");
}

#[test]
fn hits_carry_their_evidence() {
    // The brute-force-then-success sequence, end to end: which rule, which
    // group, which lines.
    let loaded = load();
    let file = Path::new("linux/ssh_brute_force_then_success.yml");
    let tests = read_tests(file);
    let case = &tests.cases[0];
    let events = normalize(file, &tests, case);
    let mut engine = CorrelationEngine::from_documents(loaded.all()).unwrap();
    let mut hits = Vec::new();
    for (i, ev) in events.iter().enumerate() {
        let lookup = |k: &str| ev.field(k).map(str::to_string);
        let event_id = format!("line {}", i + 1);
        for name in ["kexin_sshd_failed_login", "kexin_sshd_successful_login"] {
            if base_rule_matches(name, ev, &tests.placeholders) {
                hits.extend(engine.observe(&Observation {
                    rule_id: None,
                    rule_name: Some(name),
                    timestamp: millis(ev),
                    event_id: Some(&event_id),
                    field: &lookup,
                }));
            }
        }
    }
    // The hits as the API serializes them (inner step, then the sequence).
    insta::assert_json_snapshot!("brute_force_then_success_hits", hits);
    let outer = hits
        .iter()
        .find(|h| h.rule_name.as_deref() == Some("kexin_ssh_brute_force_then_success"))
        .expect("sequence hit");
    assert_eq!(outer.level, Some(kexin_sigma::Level::High));
    assert_eq!(
        outer.group,
        [("SourceIp".to_string(), "203.0.113.7".to_string())]
    );
    assert!(outer.emit);
    let evidence: Vec<(&str, Option<&str>)> = outer
        .contributors
        .iter()
        .map(|c| (&*c.rule, c.event_id.as_deref()))
        .collect();
    assert_eq!(
        evidence,
        [
            ("kexin_ssh_failed_login_burst", None),
            ("kexin_sshd_successful_login", Some("line 6"))
        ]
    );
    let burst = hits
        .iter()
        .find(|h| h.rule_name.as_deref() == Some("kexin_ssh_failed_login_burst"))
        .unwrap();
    assert!(
        !burst.emit,
        "the intermediate step is not an alert of its own"
    );
    assert_eq!(burst.contributors.len(), 5);
    assert_eq!(burst.contributors[0].event_id.as_deref(), Some("line 1"));
    // The single events are not alerts of their own (no `generate`)…
    assert!(!engine.emit_standalone(None, Some("kexin_sshd_failed_login")));
    // … except where a correlation asks for it.
    assert!(engine.emit_standalone(None, Some("kexin_east_west_admin_port")));
}
