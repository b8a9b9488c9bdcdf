//! `kexin detect` and `kexin rules …`: Sigma rules and threat intelligence
//! run over log streams.
//!
//! The stream is read line by line with one reused buffer, so memory stays
//! constant however long the input: a line starting with `{` is a JSON event
//! (its logsource derived by the pipelines, or recognised by `kexin-logs` as
//! CloudTrail, Kubernetes audit, a connection record…), anything else is
//! syslog. Malformed lines are counted and the first few quoted on standard
//! error; they never stop the stream.

use std::collections::BTreeMap;
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use kexin_detect::stream::{Detection, DetectionStream};
use kexin_detect::{Engine, EngineConfig, EventLogsource, Pipeline, finding};
use kexin_intel::{IntelSet, Observables};
use kexin_sigma::SigmaDocument;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::cli::FormatArg;

/// How many malformed lines are quoted on standard error.
const QUOTED_MALFORMED: usize = 5;

#[derive(Debug, Args)]
pub struct DetectArgs {
    /// Sigma rules: a file or directory (detection, filter and correlation rules); repeat for more.
    #[arg(long = "rules", required = true)]
    pub rules: Vec<PathBuf>,
    /// Threat intelligence: STIX 2.1 bundles (.json), MISP feed directories, CSV lists.
    #[arg(long = "ioc")]
    pub ioc: Vec<PathBuf>,
    /// Field-mapping pipeline for JSON events: a built-in name (windows-evtx: EVTX converted to JSON; windows-flat: Channel, EventID and event data at the top level) or a YAML file. Default: windows-evtx. The kexin-logs and CloudTrail pipelines always apply.
    #[arg(long = "pipeline")]
    pub pipelines: Vec<String>,
    /// Logsource of JSON events whose logsource no pipeline derives, as `product=…,category=…,service=…`.
    #[arg(long = "logsource")]
    pub logsource: Option<String>,
    /// Value of a `%name%` placeholder for the `expand` modifier, as `name=value` (repeat for more values); `name` alone configures an empty list (the item matches nothing).
    #[arg(long = "placeholder")]
    pub placeholders: Vec<String>,
    /// Log files to read (JSON lines, syslog, auth.log, CloudTrail…); `-` or none reads standard input.
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum RulesCmd {
    /// Load rules and report every file that is rejected, with file, line and key; exit 1 if any.
    Lint {
        /// Rule files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Run every rule file's test cases (`<rule>.tests.yml` beside it) through the engine; exit 1 if a case fails.
    Test {
        /// Directory of rules with their test files.
        dir: PathBuf,
    },
}

/// Built-in pipelines by name.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum BuiltinPipeline {
    WindowsEvtx,
    WindowsFlat,
    KexinLogs,
}

fn pipeline(spec: &str) -> anyhow::Result<Pipeline> {
    if let Ok(builtin) = BuiltinPipeline::from_str(spec, true) {
        return Ok(match builtin {
            BuiltinPipeline::WindowsEvtx => Pipeline::windows_evtx_json(),
            BuiltinPipeline::WindowsFlat => Pipeline::windows_flat_json(),
            BuiltinPipeline::KexinLogs => Pipeline::kexin_logs(),
        });
    }
    let path = Path::new(spec);
    let text = std::fs::read_to_string(path).with_context(|| {
        format!("--pipeline {spec}: not a built-in pipeline (windows-evtx, windows-flat, kexin-logs) and not a readable file")
    })?;
    Ok(Pipeline::from_yaml(&text, spec)?)
}

fn parse_logsource(spec: &str) -> anyhow::Result<EventLogsource> {
    let mut ls = EventLogsource::default();
    for part in spec.split(',').filter(|p| !p.trim().is_empty()) {
        let Some((key, value)) = part.split_once('=') else {
            bail!(
                "--logsource {spec}: `{part}` is not key=value (keys: product, category, service)"
            );
        };
        let slot = match key.trim() {
            "product" => &mut ls.product,
            "category" => &mut ls.category,
            "service" => &mut ls.service,
            other => bail!(
                "--logsource {spec}: unknown key `{other}` (keys: product, category, service)"
            ),
        };
        *slot = Some(value.trim().to_owned());
    }
    Ok(ls)
}

/// Loads every rule file under `paths`; rejected files are returned beside the engine.
fn load_rules(
    paths: &[PathBuf],
    config: EngineConfig,
) -> anyhow::Result<(Engine, Vec<SigmaDocument>, Vec<String>)> {
    let mut builder = Engine::builder(config);
    let mut rejected = Vec::new();
    let mut all_docs = Vec::new();
    for path in paths {
        if path.is_dir() {
            let report = kexin_sigma::load_dir(path)
                .with_context(|| format!("cannot read rules directory {}", path.display()))?;
            for (file, err) in &report.rejected {
                rejected.push(format!("{}: {err}", path.join(file).display()));
            }
            for (file, docs) in report.loaded {
                let origin = path.join(file).display().to_string();
                for d in &docs {
                    builder.add(d, &origin);
                }
                all_docs.extend(docs);
            }
        } else {
            match kexin_sigma::load_file(path) {
                Ok(docs) => {
                    for d in &docs {
                        builder.add(d, &path.display().to_string());
                    }
                    all_docs.extend(docs);
                }
                Err(e) => rejected.push(e.to_string()),
            }
        }
    }
    rejected.extend(kexin_sigma::check_references(&all_docs));
    let engine = builder.build();
    rejected.extend(
        engine
            .problems()
            .iter()
            .map(|p| format!("{}: rule {}: {}", p.origin, p.rule, p.message)),
    );
    Ok((engine, all_docs, rejected))
}

pub fn run_rules(cmd: &RulesCmd, format: crate::cli::Format) -> anyhow::Result<ExitCode> {
    let passed = match cmd {
        RulesCmd::Lint { paths } => {
            let (engine, _, problems) = load_rules(paths, EngineConfig::default())?;
            match format {
                crate::cli::Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({
                        "rules": engine.len(),
                        "problems": problems,
                    }))?
                ),
                crate::cli::Format::Text => {
                    for p in &problems {
                        println!("{p}");
                    }
                    println!(
                        "{} rules compiled, {} problems",
                        engine.len(),
                        problems.len()
                    );
                }
            }
            problems.is_empty()
        }
        RulesCmd::Test { dir } => {
            let report = kexin_detect::rule_tests::run_dir(dir)?;
            match format {
                crate::cli::Format::Json => {
                    println!("{}", serde_json::to_string_pretty(&report)?)
                }
                crate::cli::Format::Text => {
                    for c in &report.cases {
                        let verdict = if c.failures.is_empty() {
                            "ok  "
                        } else {
                            "FAIL"
                        };
                        println!("{verdict} {}: {}", c.file.display(), c.case);
                        for f in &c.failures {
                            println!("       {f}");
                        }
                    }
                    for u in &report.untested {
                        println!("note: {} has no test file", u.display());
                    }
                    let failed = report
                        .cases
                        .iter()
                        .filter(|c| !c.failures.is_empty())
                        .count();
                    println!("{} cases, {failed} failed", report.cases.len());
                }
            }
            report.passed()
        }
    };
    Ok(if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Counters reported at the end of a run.
#[derive(Debug, Default, serde::Serialize)]
struct Summary {
    lines: u64,
    events: u64,
    matches: u64,
    correlations: u64,
    intel_hits: u64,
    malformed: u64,
    #[serde(skip)]
    quoted: Vec<String>,
}

impl Summary {
    fn malformed(&mut self, input: &str, line_no: u64, line: &[u8], why: &str) {
        self.malformed += 1;
        if self.quoted.len() < QUOTED_MALFORMED {
            let shown: String = String::from_utf8_lossy(&line[..line.len().min(120)]).into();
            self.quoted
                .push(format!("{input}:{line_no}: {why}: {shown}"));
        }
    }
}

struct Detector<'a, W: Write> {
    stream: DetectionStream<'a>,
    intel: &'a IntelSet,
    static_logsource: Option<EventLogsource>,
    normalizer: kexin_logs::Normalizer,
    /// Joins auditd records (SYSCALL, EXECVE, PATH…) into one event each.
    audit: kexin_logs::AuditJoiner,
    format: FormatArg,
    detections: Vec<Detection>,
    events: Vec<kexin_logs::Event>,
    out: W,
    summary: Summary,
}

impl<W: Write> Detector<'_, W> {
    fn line(&mut self, input: &str, line_no: u64, line: &[u8]) -> anyhow::Result<()> {
        self.summary.lines += 1;
        let Some(first) = line.iter().position(|b| !b.is_ascii_whitespace()) else {
            return Ok(());
        };
        let now = OffsetDateTime::now_utc();
        let location = format!("{input}:{line_no}");
        if line[first] == b'{' {
            let value: Value = match serde_json::from_slice(line) {
                Ok(v) => v,
                Err(e) => {
                    self.summary
                        .malformed(input, line_no, line, &format!("not JSON ({e})"));
                    return Ok(());
                }
            };
            let engine = self.stream.engine();
            let logsource = engine
                .derive_logsource(&value)
                .or(self.static_logsource.as_ref().map(Into::into));
            if let Some(logsource) = logsource {
                self.summary.events += 1;
                self.detections.clear();
                self.stream
                    .json_event(&value, logsource, &location, now, &mut self.detections);
                let at = engine.timestamp(&value).unwrap_or(now);
                let observables = (!self.intel.is_empty()).then(|| Observables::from_json(&value));
                let raw = String::from_utf8_lossy(line);
                return self.write_results(
                    &location,
                    raw.trim_end(),
                    || value.clone(),
                    observables,
                    at,
                );
            }
        }
        self.events.clear();
        if let Err(e) = self
            .normalizer
            .line_joining(line, &mut self.audit, &mut self.events)
        {
            self.summary.malformed(input, line_no, line, &e.to_string());
            return Ok(());
        }
        self.log_events(&location, now)
    }

    fn log_events(&mut self, location: &str, now: OffsetDateTime) -> anyhow::Result<()> {
        let events = std::mem::take(&mut self.events);
        for event in &events {
            self.summary.events += 1;
            self.detections.clear();
            self.stream
                .log_event(event, location, now, &mut self.detections);
            let observables = (!self.intel.is_empty()).then(|| Observables::from_event(event));
            let at = event.time.unwrap_or(now);
            let as_json = || serde_json::to_value(event).unwrap_or(Value::Null);
            self.write_results(location, &event.raw, as_json, observables, at)?;
        }
        self.events = events;
        Ok(())
    }

    /// End of input: correlation windows still open are evaluated.
    fn finish(&mut self) -> anyhow::Result<()> {
        let now = OffsetDateTime::now_utc();
        self.events.clear();
        self.audit.finish(&mut self.events);
        self.log_events("end of input", now)?;
        self.detections.clear();
        self.stream.finish(&mut self.detections);
        self.write_results("end of input", "", || Value::Null, None, now)?;
        self.out.flush()?;
        Ok(())
    }

    fn write_results(
        &mut self,
        location: &str,
        raw: &str,
        event: impl Fn() -> Value,
        observables: Option<Observables>,
        at: OffsetDateTime,
    ) -> anyhow::Result<()> {
        let hits = observables
            .as_ref()
            .map(|o| self.intel.match_observables(o, at))
            .unwrap_or_default();
        self.summary.intel_hits += hits.len() as u64;
        for d in self.detections.iter().filter(|d| d.emit()) {
            match d {
                Detection::Match { detection: m, .. } => {
                    self.summary.matches += 1;
                    match self.format {
                        FormatArg::Ocsf => {
                            let mut f = finding::detection_finding(m, raw, at);
                            f["unmapped"]["input"] = json!(location);
                            serde_json::to_writer(&mut self.out, &f)?;
                        }
                        FormatArg::Json => serde_json::to_writer(
                            &mut self.out,
                            &json!({"kind": "match", "input": location, "match": m, "event": event()}),
                        )?,
                        _ => write!(
                            self.out,
                            "{location}: [{}] {} ({}){}",
                            level_name(m.level),
                            m.title,
                            m.rule_id.as_deref().unwrap_or("no id"),
                            m.fields
                                .iter()
                                .map(|(k, v)| format!(" {k}={v}"))
                                .collect::<String>()
                        )?,
                    }
                }
                Detection::Correlation(h) => {
                    self.summary.correlations += 1;
                    match self.format {
                        FormatArg::Ocsf => {
                            serde_json::to_writer(&mut self.out, &finding::correlation_finding(h))?
                        }
                        FormatArg::Json => serde_json::to_writer(
                            &mut self.out,
                            &json!({"kind": "correlation", "input": location, "correlation": h}),
                        )?,
                        _ => write!(
                            self.out,
                            "{location}: [{}] {} ({}) value {}{}",
                            level_name(h.level),
                            h.title,
                            h.rule_id.as_deref().unwrap_or("no id"),
                            h.value,
                            h.group
                                .iter()
                                .map(|(k, v)| format!(" {k}={v}"))
                                .collect::<String>()
                        )?,
                    }
                }
            }
            self.out.write_all(b"\n")?;
        }
        for hit in &hits {
            let ind = hit.indicator;
            match self.format {
                FormatArg::Ocsf => {
                    let f = finding::intel_finding(
                        &finding::IntelMatch {
                            indicator_id: &ind.id,
                            kind: ind.kind().as_str(),
                            observed: &hit.observed,
                            field: &hit.field,
                            source: &ind.source,
                            confidence: ind.confidence,
                            labels: &ind.labels,
                        },
                        raw,
                        at,
                    );
                    serde_json::to_writer(&mut self.out, &f)?;
                }
                FormatArg::Json => serde_json::to_writer(
                    &mut self.out,
                    &json!({"kind": "intel", "input": location, "indicator": ind,
                            "observed": hit.observed, "field": hit.field, "event": event()}),
                )?,
                _ => write!(
                    self.out,
                    "{location}: [intel] {} {}={} (source {}, confidence {})",
                    ind.id,
                    hit.field,
                    hit.observed,
                    ind.source,
                    ind.confidence.map_or("-".to_owned(), |c| c.to_string())
                )?,
            }
            self.out.write_all(b"\n")?;
        }
        Ok(())
    }
}

fn level_name(level: Option<kexin_sigma::Level>) -> String {
    level.map_or("-".to_owned(), |l| format!("{l:?}").to_lowercase())
}

pub fn run_detect(args: &DetectArgs, format_arg: FormatArg) -> anyhow::Result<ExitCode> {
    if matches!(
        format_arg,
        FormatArg::Html | FormatArg::Pdf | FormatArg::Sarif
    ) {
        bail!(
            "`kexin detect` writes text, json (one object per line) or ocsf (Detection Findings); not {format_arg:?}"
        );
    }
    let mut placeholders: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in &args.placeholders {
        match p.split_once('=') {
            Some((name, value)) => placeholders
                .entry(name.trim_matches('%').to_owned())
                .or_default()
                .push(value.to_owned()),
            None => {
                placeholders
                    .entry(p.trim_matches('%').to_owned())
                    .or_default();
            }
        }
    }
    let mut pipelines = vec![Pipeline::kexin_logs(), Pipeline::aws_cloudtrail_json()];
    if args.pipelines.is_empty() {
        pipelines.push(Pipeline::windows_evtx_json());
    }
    for p in &args.pipelines {
        pipelines.push(pipeline(p)?);
    }
    let static_logsource = args.logsource.as_deref().map(parse_logsource).transpose()?;
    let (engine, docs, problems) = load_rules(
        &args.rules,
        EngineConfig {
            pipelines,
            placeholders,
            ..Default::default()
        },
    )?;
    for p in &problems {
        eprintln!("warning: {p}");
    }
    if engine.is_empty() {
        bail!("no rule could be loaded from {:?}", args.rules);
    }
    let mut intel = IntelSet::new();
    for path in &args.ioc {
        let loaded =
            kexin_intel::load_path(path).with_context(|| format!("--ioc {}", path.display()))?;
        for r in &loaded.report.rejected {
            eprintln!("warning: {r}");
        }
        for u in &loaded.report.unsupported {
            eprintln!("warning: {u}");
        }
        intel.add(loaded);
    }
    let stdout = std::io::stdout().lock();
    let stream = DetectionStream::new(&engine, &docs)
        .context("correlation rules refer to rules that are not loaded")?;
    let mut detector = Detector {
        stream,
        intel: &intel,
        static_logsource,
        normalizer: kexin_logs::Normalizer::new(OffsetDateTime::now_utc()),
        audit: kexin_logs::AuditJoiner::default(),
        format: format_arg,
        detections: Vec::new(),
        events: Vec::new(),
        out: BufWriter::with_capacity(1 << 16, stdout),
        summary: Summary::default(),
    };
    let stdin_only = args.files.is_empty() || args.files.iter().all(|f| f.as_os_str() == "-");
    let inputs: Vec<PathBuf> = if stdin_only {
        vec![PathBuf::from("-")]
    } else {
        args.files.clone()
    };
    let mut buf = Vec::with_capacity(4096);
    for path in &inputs {
        let (name, mut reader): (String, Box<dyn BufRead>) = if path.as_os_str() == "-" {
            ("stdin".into(), Box::new(std::io::stdin().lock()))
        } else {
            let file = std::fs::File::open(path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            if let Ok(modified) = file.metadata().and_then(|m| m.modified()) {
                detector.normalizer.set_reference(modified.into());
            }
            (
                path.display().to_string(),
                Box::new(std::io::BufReader::with_capacity(1 << 16, file)),
            )
        };
        let mut line_no = 0u64;
        loop {
            buf.clear();
            let n = reader
                .read_until(b'\n', &mut buf)
                .with_context(|| format!("reading {name}"))?;
            if n == 0 {
                break;
            }
            line_no += 1;
            while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                buf.pop();
            }
            detector.line(&name, line_no, &buf)?;
        }
    }
    detector.finish()?;
    let s = &detector.summary;
    eprintln!(
        "{} lines, {} events, {} rule matches, {} correlations, {} intel hits, {} malformed ({} rules, {} indicators)",
        s.lines,
        s.events,
        s.matches,
        s.correlations,
        s.intel_hits,
        s.malformed,
        engine.len(),
        intel.len()
    );
    for q in &s.quoted {
        eprintln!("  malformed: {q}");
    }
    Ok(if s.matches + s.correlations + s.intel_hits > 0 {
        ExitCode::from(4)
    } else {
        ExitCode::SUCCESS
    })
}
