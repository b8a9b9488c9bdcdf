//! Field names SigmaHQ's rules use, read from the shared rule corpus
//! (`../shared/data/sigma/rules`), to check which of them our events carry.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const CORPUS: &str = "../../../shared/data/sigma/rules";

fn yml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            yml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "yml") {
            out.push(p);
        }
    }
}

/// Field names in the `detection` of the rules under `subdir` whose logsource
/// has `service: <service>`; `None` when the corpus is not there. Reads the
/// YAML as text: SigmaHQ's style puts selection items at 8 spaces
/// (`        Field|modifier: value`, or `        - Field: value` in lists of
/// maps).
pub fn rule_fields(subdir: &str, service: &str) -> Option<BTreeSet<String>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(CORPUS)
        .join(subdir);
    if !dir.is_dir() {
        eprintln!("Sigma corpus not found at {}, skipping", dir.display());
        return None;
    }
    let mut files = Vec::new();
    yml_files(&dir, &mut files);
    let mut fields = BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        if !text
            .lines()
            .any(|l| l.trim() == format!("service: {service}"))
        {
            continue;
        }
        let mut in_detection = false;
        for line in text.lines() {
            if !line.starts_with(' ') && !line.is_empty() {
                in_detection = line == "detection:";
                continue;
            }
            let indent = line.len() - line.trim_start().len();
            if !in_detection || indent < 8 {
                continue;
            }
            let item = line.trim_start().trim_start_matches("- ");
            let Some((key, _)) = item.split_once(':') else {
                continue;
            };
            let name = key.split('|').next().unwrap_or(key);
            if !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '@'))
            {
                fields.insert(name.to_owned());
            }
        }
    }
    assert!(
        !fields.is_empty(),
        "no rules for service {service} in {subdir}"
    );
    Some(fields)
}

/// The names of `rule_fields` that none of `have` provides.
pub fn missing<'a>(rules: &'a BTreeSet<String>, have: &BTreeSet<&str>) -> Vec<&'a str> {
    rules
        .iter()
        .map(String::as_str)
        .filter(|f| !have.contains(f))
        .collect()
}
