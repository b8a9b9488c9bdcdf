//! Compile the whole SigmaHQ corpus with both built-in pipelines and pin
//! what the engine leaves out (and why), so a regression in the compiler
//! shows up as a snapshot diff.

use kexin_detect::{Engine, EngineConfig, Pipeline};
use std::path::Path;

const RULES: &str = "../../../shared/data/sigma/rules";

#[test]
fn sigmahq_corpus_compiles() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(RULES);
    if !dir.is_dir() {
        eprintln!("SigmaHQ rules not found at {}, skipping", dir.display());
        return;
    }
    let report = kexin_sigma::load_dir(&dir).expect("read rules");
    let mut b = Engine::builder(EngineConfig {
        pipelines: vec![Pipeline::windows_evtx_json(), Pipeline::kexin_logs()],
        ..Default::default()
    });
    b.add_load_report(&report);
    let engine = b.build();
    let mut problems: Vec<String> = engine
        .problems()
        .iter()
        .map(|p| format!("{} ({}): {}", p.origin, p.rule, p.message))
        .collect();
    problems.sort();
    let summary = format!(
        "files loaded: {}\nrules compiled: {}\ndistinct search identifiers: {}\ncorrelations (not evaluated here): {}\nleft out: {}\n{}",
        report.loaded.len(),
        engine.len(),
        engine.identifier_count(),
        engine.skipped_correlations(),
        problems.len(),
        problems.join("\n")
    );
    insta::assert_snapshot!("corpus_compile", summary);
}

#[test]
#[ignore = "diagnostic: prints routing and prefilter figures"]
fn route_figures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(RULES);
    let report = kexin_sigma::load_dir(&dir).expect("read rules");
    let mut b = Engine::builder(EngineConfig {
        pipelines: vec![Pipeline::windows_evtx_json(), Pipeline::kexin_logs()],
        ..Default::default()
    });
    b.add_load_report(&report);
    let engine = b.build();
    for (p, c, s) in [
        ("windows", Some("process_creation"), Some("sysmon")),
        ("windows", Some("registry_set"), Some("sysmon")),
        ("linux", None, Some("sshd")),
    ] {
        let ls = kexin_detect::LogsourceRef {
            product: Some(p),
            category: c,
            service: s,
        };
        eprintln!("{p} {c:?} {s:?}: {:?}", engine.route_stats(ls));
    }
}
