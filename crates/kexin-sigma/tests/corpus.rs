//! Load the whole SigmaHQ rule corpus and pin the load report.

use kexin_sigma::{Condition, SearchBody, SigmaDocument, SigmaValue};
use std::collections::BTreeMap;
use std::path::Path;

const CORPUS: &str = "../../../shared/data/sigma/rules";

fn count_condition(c: &Condition, stats: &mut BTreeMap<String, usize>) {
    let key = match c {
        Condition::Identifier(_) => "condition identifier",
        Condition::Not(_) => "condition not",
        Condition::And(_) => "condition and",
        Condition::Or(_) => "condition or",
        Condition::Of {
            quantifier, target, ..
        } => match (quantifier, target) {
            (kexin_sigma::Quantifier::One, kexin_sigma::OfTarget::Them) => "condition 1 of them",
            (kexin_sigma::Quantifier::All, kexin_sigma::OfTarget::Them) => "condition all of them",
            (kexin_sigma::Quantifier::One, _) => "condition 1 of pattern",
            (kexin_sigma::Quantifier::All, _) => "condition all of pattern",
        },
    };
    *stats.entry(key.to_string()).or_default() += 1;
    match c {
        Condition::Not(i) => count_condition(i, stats),
        Condition::And(v) | Condition::Or(v) => v.iter().for_each(|i| count_condition(i, stats)),
        _ => {}
    }
}

#[test]
fn corpus_load_report() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS);
    if !dir.is_dir() {
        eprintln!("corpus not found at {}, skipping", dir.display());
        return;
    }
    let report = kexin_sigma::load_dir(&dir).expect("read corpus dir");
    let total = report.loaded.len() + report.rejected.len();
    let mut stats: BTreeMap<String, usize> = BTreeMap::new();
    let mut bump = |k: String| *stats.entry(k).or_default() += 1;
    let mut conds: BTreeMap<String, usize> = BTreeMap::new();
    for (_, ds) in &report.loaded {
        bump("files".into());
        for d in ds {
            // the IR is serializable (used by `rules lint` / debugging dumps)
            serde_json::to_string(d).expect("IR serializes to JSON");
            match d {
                SigmaDocument::Detection(r) => {
                    bump("documents detection".into());
                    count_condition(&r.detection.condition, &mut conds);
                    for id in &r.detection.identifiers {
                        let items: Vec<&kexin_sigma::DetectionItem> = match &id.body {
                            SearchBody::Map(m) => m.iter().collect(),
                            SearchBody::MapList(ms) => {
                                bump("identifier map-list".into());
                                ms.iter().flatten().collect()
                            }
                            SearchBody::Keywords(k) => {
                                bump("identifier keywords".into());
                                vec![k]
                            }
                        };
                        for it in items {
                            for m in &it.modifiers.chain {
                                bump(format!("modifier {m}"));
                            }
                            for v in &it.values {
                                let k = match v {
                                    SigmaValue::String(p) if p.parts.is_empty() => "empty string",
                                    SigmaValue::String(p) if p.is_literal() => "string literal",
                                    SigmaValue::String(_) => "string wildcard",
                                    SigmaValue::Int(_) => "int",
                                    SigmaValue::Float(_) => "float",
                                    SigmaValue::Bool(_) => "bool",
                                    SigmaValue::Null => "null",
                                    SigmaValue::Regex { .. } => "regex",
                                    SigmaValue::Cidr(_) => "cidr",
                                    SigmaValue::Exists(_) => "exists",
                                    SigmaValue::FieldRef(_) => "fieldref",
                                };
                                bump(format!("value {k}"));
                            }
                        }
                    }
                }
                SigmaDocument::Filter(_) => bump("documents filter".into()),
                SigmaDocument::Correlation(_) => bump("documents correlation".into()),
            }
        }
    }
    let mut text = format!(
        "files: {total}\nloaded: {}\nrejected: {}\n",
        report.loaded.len(),
        report.rejected.len(),
    );
    text.push_str("\nrejected files:\n");
    for (_, e) in &report.rejected {
        text.push_str(&format!("- {e}\n"));
    }
    let problems = kexin_sigma::check_references(report.loaded.iter().flat_map(|(_, d)| d.iter()));
    text.push_str("\ncross-reference problems:\n");
    for p in &problems {
        text.push_str(&format!("- {p}\n"));
    }
    text.push_str("\nstatistics:\n");
    for (k, v) in stats.iter().chain(conds.iter()) {
        text.push_str(&format!("{k}: {v}\n"));
    }
    assert_eq!(total, 3140, "corpus file count changed");
    insta::assert_snapshot!("corpus_load_report", text);
}
