//! Rules tested against their own events: `<rule-file-stem>.tests.yml`.
//!
//! A rule without examples is a rule nobody has seen fire. Every rule file
//! may have a sibling test file (format in `rules/README.md`): cases of log
//! lines with the number of matches or correlation hits expected per rule.
//! [`run_dir`] runs them through the real evaluator and correlation engine
//! (the same [`DetectionStream`] as `kexin detect`), so a test passes only if
//! the shipped engine does what the case says.
//!
//! Semantics per case, from a fresh state: the lines are normalized by
//! `kexin-logs` (`syslog` or `json`); every rule of the directory is
//! evaluated (a correlation may refer to rules of other files); `expect`
//! counts matches and hits whether or not they would be emitted, and every
//! rule of the sibling rule file that `expect` does not list must not fire.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kexin_sigma::SigmaDocument;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::stream::DetectionStream;
use crate::{Engine, EngineConfig, Pipeline};

/// Default `reference_time` (gives BSD syslog timestamps their year).
pub const DEFAULT_REFERENCE: &str = "2024-12-31T23:59:59Z";

/// A `<rule>.tests.yml` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestFile {
    pub reference_time: Option<String>,
    #[serde(default)]
    pub placeholders: BTreeMap<String, Vec<String>>,
    pub cases: Vec<Case>,
}

/// One test case.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: String,
    pub input: InputKind,
    pub lines: Vec<String>,
    /// Rule name or id → number of matches or hits.
    pub expect: BTreeMap<String, u64>,
}

/// How a case's lines are normalized.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputKind {
    Syslog,
    Json,
}

/// The outcome of one case.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    /// The test file.
    pub file: PathBuf,
    pub case: String,
    /// Empty when the case passed; else one line per disagreement.
    pub failures: Vec<String>,
}

/// All cases of a directory.
#[derive(Debug, Default, Serialize)]
pub struct TestReport {
    pub cases: Vec<CaseResult>,
    /// Rule files without a test file (relative paths).
    pub untested: Vec<PathBuf>,
}

impl TestReport {
    pub fn passed(&self) -> bool {
        self.cases.iter().all(|c| c.failures.is_empty())
    }
}

/// Why a directory could not be tested at all.
#[derive(Debug, thiserror::Error)]
pub enum RuleTestError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Rule(String),
    #[error("{path}: {message}")]
    TestFile { path: PathBuf, message: String },
}

/// The rules' test file: `x.yml` → `x.tests.yml`.
pub fn tests_path(rule_file: &Path) -> PathBuf {
    let stem = rule_file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    rule_file.with_file_name(format!("{stem}.tests.yml"))
}

/// Reads and checks a test file.
pub fn read_test_file(path: &Path) -> Result<TestFile, RuleTestError> {
    let text = std::fs::read_to_string(path).map_err(|source| RuleTestError::Io {
        path: path.to_owned(),
        source,
    })?;
    serde_saphyr::from_str(&text).map_err(|e| RuleTestError::TestFile {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

fn rule_key(d: &SigmaDocument) -> Option<String> {
    let m = d.meta();
    m.name.clone().or(m.id.clone())
}

/// Runs every test file of the rule files under `dir`.
pub fn run_dir(dir: &Path) -> Result<TestReport, RuleTestError> {
    let report = kexin_sigma::load_dir(dir).map_err(|source| RuleTestError::Io {
        path: dir.to_owned(),
        source,
    })?;
    if let Some((_, e)) = report.rejected.first() {
        return Err(RuleTestError::Rule(e.to_string()));
    }
    let all: Vec<&SigmaDocument> = report.loaded.iter().flat_map(|(_, d)| d).collect();
    let mut out = TestReport::default();
    let mut test_files = Vec::new();
    for (file, docs) in &report.loaded {
        let path = tests_path(&dir.join(file));
        if path.is_file() {
            let tests = read_test_file(&path)?;
            test_files.push((file, docs, path, tests));
        } else {
            out.untested.push(file.clone());
        }
    }
    // A placeholder one test file sets is empty in the others' cases: the
    // rules of the whole directory are evaluated, and an empty list matches
    // nothing (a bastion filter then excludes no source).
    let every_placeholder: BTreeMap<String, Vec<String>> = test_files
        .iter()
        .flat_map(|(_, _, _, t)| t.placeholders.keys())
        .map(|k| (k.clone(), Vec::new()))
        .collect();
    for (file, docs, path, tests) in test_files {
        let mut placeholders = every_placeholder.clone();
        placeholders.extend(tests.placeholders.clone());
        let reference = tests.reference_time.as_deref().unwrap_or(DEFAULT_REFERENCE);
        let reference =
            OffsetDateTime::parse(reference, &Rfc3339).map_err(|e| RuleTestError::TestFile {
                path: path.clone(),
                message: format!("reference_time: {e}"),
            })?;
        let mut builder = Engine::builder(EngineConfig {
            pipelines: vec![Pipeline::kexin_logs()],
            placeholders,
            ..Default::default()
        });
        for d in &all {
            builder.add(d, &file.display().to_string());
        }
        let engine = builder.build();
        if let Some(p) = engine.problems().first() {
            return Err(RuleTestError::Rule(format!(
                "{}: rule {}: {}",
                p.origin, p.rule, p.message
            )));
        }
        let own: Vec<String> = docs.iter().filter_map(rule_key).collect();
        for case in &tests.cases {
            out.cases
                .push(run_case(&engine, &all, &path, reference, case, &own)?);
        }
    }
    Ok(out)
}

fn run_case(
    engine: &Engine,
    docs: &[&SigmaDocument],
    path: &Path,
    reference: OffsetDateTime,
    case: &Case,
    own_rules: &[String],
) -> Result<CaseResult, RuleTestError> {
    let normalizer = kexin_logs::Normalizer::new(reference);
    let mut stream = DetectionStream::new(engine, docs.iter().copied())
        .map_err(|e| RuleTestError::Rule(e.to_string()))?;
    let mut failures = Vec::new();
    let mut detections = Vec::new();
    for (i, line) in case.lines.iter().enumerate() {
        let event = match case.input {
            InputKind::Syslog => normalizer.syslog(line.as_bytes()),
            InputKind::Json => normalizer.json_line(line.as_bytes()),
        };
        match event {
            Ok(ev) => stream.log_event(&ev, &format!("line {}", i + 1), reference, &mut detections),
            Err(e) => failures.push(format!("line {} does not parse ({e}): {line}", i + 1)),
        }
    }
    stream.finish(&mut detections);
    let mut fired: BTreeMap<&str, u64> = BTreeMap::new();
    for d in &detections {
        *fired.entry(d.rule_key()).or_default() += 1;
    }
    for (rule, want) in &case.expect {
        let have = fired.get(rule.as_str()).copied().unwrap_or(0);
        if have != *want {
            failures.push(format!("{rule}: fired {have} times, expected {want}"));
        }
    }
    for rule in own_rules {
        if !case.expect.contains_key(rule)
            && let Some(have) = fired.get(rule.as_str())
        {
            failures.push(format!("{rule}: fired {have} times, expected none"));
        }
    }
    Ok(CaseResult {
        file: path.to_owned(),
        case: case.name.clone(),
        failures,
    })
}
