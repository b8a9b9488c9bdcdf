//! Kexin's Sigma 2.1 front end: rule parser and typed intermediate representation.
//!
//! The detection engine is split in three stages, like rsigma:
//!
//! 1. **Parser** (this crate): YAML text → [`SigmaDocument`]s. serde-saphyr
//!    reads the YAML into a span-carrying tree; the tree is then turned into
//!    typed structs by hand, so every error names the file, the line and the
//!    offending key (`rules/x.yml line 12: detection.selection.Image|contians:
//!    unknown modifier 'contians'`). Multi-document files (`---`) with
//!    `action: global | reset | repeat` are merged before typing.
//! 2. **IR** (this crate): [`DetectionRule`], [`FilterRule`] and
//!    [`CorrelationRule`]. Detection items carry a validated [`ModifierSet`]
//!    (every modifier of the spec's appendix, incompatible combinations
//!    refused), typed [`SigmaValue`]s (wildcard [`Pattern`]s with escapes
//!    resolved, numbers, booleans, null, CIDRs, size-checked regexes) and the
//!    condition as an AST ([`Condition`]) whose `x of` nodes are already
//!    resolved to identifier names. The IR is independent of any event format.
//! 3. **Evaluator** (later, another module/crate): compiles the IR into
//!    matchers (literal sets, Aho-Corasick, DFAs), applies field mappings and
//!    logsource routing, and runs the correlation state machines. It never
//!    sees YAML.
//!
//! Entry points: [`parse_str`] for one file's text, [`load_file`] and
//! [`load_dir`] for the file system, [`check_references`] for cross-file
//! consistency of correlations and filters.
//!
//! ```
//! use kexin_sigma::{parse_str, Condition, SigmaDocument, MatchPosition};
//!
//! let text = r#"
//! title: Whoami
//! logsource: {category: process_creation, product: windows}
//! detection:
//!     selection:
//!         Image|endswith: '\whoami.exe'
//!     filter_admin:
//!         User|startswith: 'adm_'
//!     condition: selection and not 1 of filter_*
//! level: high
//! "#;
//! let docs = parse_str(text, "whoami.yml").unwrap();
//! let SigmaDocument::Detection(rule) = &docs[0] else { unreachable!() };
//! let sel = rule.detection.identifier("selection").unwrap();
//! let kexin_sigma::SearchBody::Map(items) = &sel.body else { unreachable!() };
//! assert_eq!(items[0].modifiers.position, MatchPosition::EndsWith);
//! assert!(matches!(rule.detection.condition, Condition::And(_)));
//!
//! let err = parse_str(&text.replace("endswith", "endwith"), "whoami.yml").unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "whoami.yml line 6: detection.selection.Image|endwith: unknown modifier 'endwith'"
//! );
//! ```

pub mod condition;
pub mod detection;
mod error;
pub mod modifier;
pub mod rule;
pub mod value;
mod yaml;

pub use condition::{Condition, OfTarget, Quantifier};
pub use detection::{Detection, DetectionItem, SearchBody, SearchIdentifier};
pub use error::SigmaError;
pub use modifier::{MatchPosition, Modifier, ModifierSet, NumericOp, TimePart, Transform};
pub use rule::{
    CmpOp, CorrelationCondition, CorrelationRule, CorrelationType, DetectionRule, FilterRule,
    Level, LogSource, Metadata, Related, RelationType, SigmaDocument, Status, Timespan,
};
pub use value::{Cidr, Pattern, PatternPart, RegexFlags, SigmaValue};

use error::LocError;
use std::path::{Path, PathBuf};
use yaml::{Node, NodeValue};

/// Maximal size of one rule file accepted by the loader.
pub const MAX_FILE_BYTES: usize = 4 << 20;

/// Deep-merge `over` onto `base` (maps merge recursively, other values replace).
fn merge(base: &Node, over: &Node) -> Node {
    match (&base.value, &over.value) {
        (NodeValue::Map(b), NodeValue::Map(o)) => {
            let mut out: Vec<(Node, Node)> = b.clone();
            for (k, v) in o {
                match out.iter_mut().find(|(bk, _)| bk.value == k.value) {
                    Some((_, bv)) => *bv = merge(bv, v),
                    None => out.push((k.clone(), v.clone())),
                }
            }
            Node {
                value: NodeValue::Map(out),
                line: over.line,
            }
        }
        _ => over.clone(),
    }
}

fn without_action(doc: &Node) -> Node {
    match &doc.value {
        NodeValue::Map(e) => Node {
            value: NodeValue::Map(
                e.iter()
                    .filter(|(k, _)| k.as_str() != Some("action"))
                    .cloned()
                    .collect(),
            ),
            line: doc.line,
        },
        _ => doc.clone(),
    }
}

/// Parse the text of one Sigma file (one or more YAML documents).
/// `file` is used in error messages only.
pub fn parse_str(text: &str, file: &str) -> Result<Vec<SigmaDocument>, SigmaError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(LocError::new(0, "", "file too large").with_file(file));
    }
    let docs = yaml::parse_documents(text).map_err(|(line, msg)| SigmaError {
        file: file.to_string(),
        line,
        key: String::new(),
        message: format!("invalid YAML: {msg}"),
    })?;
    let mut global: Option<Node> = None;
    let mut previous: Option<Node> = None;
    let mut out = Vec::new();
    for doc in docs {
        if doc.value == NodeValue::Null {
            continue;
        }
        let action = match doc.get("action") {
            None => None,
            Some(a) => Some(a.as_str().map(str::to_string).ok_or_else(|| {
                LocError::new(a.line, "action", "must be a string").with_file(file)
            })?),
        };
        let merged = match action.as_deref() {
            Some("global") => {
                let d = without_action(&doc);
                global = Some(match &global {
                    Some(g) => merge(g, &d),
                    None => d,
                });
                continue;
            }
            Some("reset") => {
                global = None;
                continue;
            }
            Some("repeat") => {
                let prev = previous.as_ref().ok_or_else(|| {
                    LocError::new(doc.line, "action", "'repeat' without a previous document")
                        .with_file(file)
                })?;
                merge(prev, &without_action(&doc))
            }
            Some(other) => {
                let line = doc.get("action").map_or(0, |a| a.line);
                return Err(LocError::new(
                    line,
                    "action",
                    format!("unknown action '{other}' (expected global, reset or repeat)"),
                )
                .with_file(file));
            }
            None => match &global {
                Some(g) => merge(g, &doc),
                None => doc,
            },
        };
        out.push(rule::parse_document(&merged).map_err(|e| e.with_file(file))?);
        previous = Some(merged);
    }
    if out.is_empty() {
        return Err(LocError::new(0, "", "no Sigma document in file").with_file(file));
    }
    Ok(out)
}

/// Load one file from disk.
pub fn load_file(path: &Path) -> Result<Vec<SigmaDocument>, SigmaError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| SigmaError {
        file: name.clone(),
        line: None,
        key: String::new(),
        message: format!("cannot read: {e}"),
    })?;
    let text = String::from_utf8(bytes).map_err(|e| SigmaError {
        file: name.clone(),
        line: None,
        key: String::new(),
        message: format!("not UTF-8 (byte {})", e.utf8_error().valid_up_to()),
    })?;
    parse_str(&text, &name)
}

/// Result of loading a directory tree of rules.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// Files loaded, with their documents (sorted by path).
    pub loaded: Vec<(PathBuf, Vec<SigmaDocument>)>,
    /// Files rejected, with the reason (sorted by path).
    pub rejected: Vec<(PathBuf, SigmaError)>,
}

/// `*.yml`/`*.yaml`, except rule test cases kept beside the rules
/// (`<rule>.tests.yml`, the format of `kexin rules test`).
fn is_rule_file(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    (name.ends_with(".yml") || name.ends_with(".yaml"))
        && !name.ends_with(".tests.yml")
        && !name.ends_with(".tests.yaml")
}

fn collect_yml(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let ty = entry.file_type()?;
        let p = entry.path();
        if ty.is_dir() {
            collect_yml(&p, out)?;
        } else if ty.is_file() && is_rule_file(&p) {
            out.push(p);
        }
    }
    Ok(())
}

/// Load every `*.yml`/`*.yaml` file under `dir` (but not `*.tests.yml`
/// test cases). Error names in the report are relative to `dir`.
pub fn load_dir(dir: &Path) -> std::io::Result<LoadReport> {
    let mut files = Vec::new();
    collect_yml(dir, &mut files)?;
    files.sort();
    let mut report = LoadReport::default();
    for f in files {
        let rel = f.strip_prefix(dir).unwrap_or(&f).to_path_buf();
        match load_file(&f) {
            Ok(docs) => report.loaded.push((rel, docs)),
            Err(mut e) => {
                e.file = rel.display().to_string();
                report.rejected.push((rel, e));
            }
        }
    }
    Ok(report)
}

/// Cross-document checks over a loaded collection of rules (possibly from
/// many files): `name`s and `id`s must be unique, every `rules` entry of a
/// correlation or filter must name a loaded rule by `id` or `name`, and the
/// rule names used in correlation `aliases` must be among the correlated
/// rules. Returns one message per problem (empty when consistent).
pub fn check_references<'a>(docs: impl IntoIterator<Item = &'a SigmaDocument>) -> Vec<String> {
    use std::collections::{BTreeMap, BTreeSet};
    let docs: Vec<&SigmaDocument> = docs.into_iter().collect();
    let mut problems = Vec::new();
    let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
    let mut names: BTreeMap<&str, usize> = BTreeMap::new();
    for d in &docs {
        let m = d.meta();
        if let Some(id) = &m.id {
            *ids.entry(id).or_default() += 1;
        }
        if let Some(n) = &m.name {
            *names.entry(n).or_default() += 1;
        }
    }
    for (id, n) in &ids {
        if *n > 1 {
            problems.push(format!("id '{id}' is used by {n} rules"));
        }
    }
    for (name, n) in &names {
        if *n > 1 {
            problems.push(format!("name '{name}' is used by {n} rules"));
        }
    }
    let known = |r: &str| ids.contains_key(r) || names.contains_key(r);
    for d in &docs {
        let (kind, rules) = match d {
            SigmaDocument::Correlation(c) => ("correlation", &c.rules),
            SigmaDocument::Filter(f) => ("filter", &f.rules),
            SigmaDocument::Detection(_) => continue,
        };
        let title = &d.meta().title;
        for r in rules {
            if !known(r) {
                problems.push(format!("{kind} '{title}': unknown rule '{r}'"));
            }
        }
        if let SigmaDocument::Correlation(c) = d {
            let correlated: BTreeSet<&str> = c.rules.iter().map(String::as_str).collect();
            for (alias, map) in &c.aliases {
                for rule_name in map.keys() {
                    if !correlated.contains(rule_name.as_str()) {
                        problems.push(format!(
                            "correlation '{title}': alias '{alias}' refers to '{rule_name}', which is not among its rules"
                        ));
                    }
                }
            }
        }
    }
    problems
}
