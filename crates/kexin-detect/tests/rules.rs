//! Kexin's own rules (`rules/`): they load, they are complete, their test
//! cases (`<rule>.tests.yml`, format in `rules/README.md`) are well formed,
//! and every case passes through the real evaluator and correlation engine
//! (`kexin_detect::rule_tests`, the code behind `kexin rules test`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use kexin_detect::correlation::{CorrelationEngine, CorrelationHit};
use kexin_detect::rule_tests::{self, Case, DEFAULT_REFERENCE, InputKind, TestFile};
use kexin_detect::stream::{Detection, DetectionStream};
use kexin_detect::{Engine, EngineConfig, Pipeline};
use kexin_logs::{Event, Normalizer};
use kexin_sigma::{SearchBody, SigmaDocument};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

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
    rule_tests::tests_path(&rules_dir().join(rule_file))
}

fn read_tests(rule_file: &Path) -> TestFile {
    rule_tests::read_test_file(&tests_path(rule_file)).unwrap()
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

#[test]
fn every_case_passes_through_the_real_engine() {
    let report = kexin_detect::rule_tests::run_dir(&rules_dir()).unwrap();
    assert!(report.untested.is_empty(), "{:?}", report.untested);
    let failures: Vec<String> = report
        .cases
        .iter()
        .flat_map(|c| {
            c.failures
                .iter()
                .map(move |f| format!("{} case '{}': {f}", c.file.display(), c.case))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        report.cases.len() >= 30,
        "only {} cases",
        report.cases.len()
    );
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
    let mut builder = Engine::builder(EngineConfig {
        pipelines: vec![Pipeline::kexin_logs()],
        ..Default::default()
    });
    loaded.all().for_each(|d| {
        builder.add(d, "rules");
    });
    let evaluator = builder.build();
    let mut stream = DetectionStream::new(&evaluator, loaded.all()).unwrap();
    let mut detections = Vec::new();
    for (i, ev) in events.iter().enumerate() {
        let reference = ev.time.unwrap();
        stream.log_event(ev, &format!("line {}", i + 1), reference, &mut detections);
    }
    let engine = stream.correlations();
    let hits: Vec<&CorrelationHit> = detections
        .iter()
        .filter_map(|d| match d {
            Detection::Correlation(h) => Some(&**h),
            Detection::Match { .. } => None,
        })
        .collect();
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
