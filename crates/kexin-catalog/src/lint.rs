//! Checks over the whole catalog: what no single file can tell.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use serde::Serialize;

use crate::Catalog;
use crate::load::{Refs, check_checks, check_sources, check_standard, ids_of};

/// One thing wrong with the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintIssue {
    /// The file, relative to the catalog directory: `standards/soc.yaml`,
    /// `checks.yaml`, `sources.yaml`; `standards` for catalog-wide facts.
    pub file: String,
    /// The standard, part, point, check or source id concerned.
    pub item: String,
    pub message: String,
}

impl LintIssue {
    pub(crate) fn new(file: String, item: &str, message: String) -> LintIssue {
        LintIssue {
            file,
            item: item.to_owned(),
            message,
        }
    }
}

impl fmt::Display for LintIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.item, self.message)
    }
}

impl Catalog {
    /// Everything wrong with the catalog, in a stable order; empty when it is sound.
    ///
    /// Re-checks the rules the loader enforces on each file (a catalog can
    /// be built in memory), then: ids are unique across all standards; every
    /// check id used is defined and every defined check is used; every
    /// grounding source is defined; the structure the seed fixes holds (see
    /// [`counts`](crate::counts)); each blueprint id S1..S17 appears once.
    pub fn lint(&self) -> Vec<LintIssue> {
        let mut issues = Vec::new();
        let refs = Refs {
            sources: self.sources.iter().map(|s| s.id.as_str()).collect(),
            checks: self.checks.iter().map(|c| c.id.as_str()).collect(),
        };
        let to_issue = |file: &str, f: crate::load::Finding| {
            let message = if f.field.is_empty() {
                f.message
            } else {
                format!("{}: {}", f.field, f.message)
            };
            LintIssue::new(file.to_owned(), f.item.as_deref().unwrap_or("-"), message)
        };
        for f in check_sources(&self.sources) {
            issues.push(to_issue("sources.yaml", f));
        }
        for f in check_checks(&self.checks) {
            issues.push(to_issue("checks.yaml", f));
        }

        let mut first_file: HashMap<String, String> = HashMap::new();
        for standard in &self.standards {
            let file = format!("standards/{}.yaml", standard.id);
            for f in check_standard(standard, None, Some(&refs), None) {
                // Duplicates within the file are reported below, with those across files.
                if !f.message.starts_with("duplicate id") {
                    issues.push(to_issue(&file, f));
                }
            }
            for (id, _) in ids_of(standard) {
                match first_file.get(&id) {
                    Some(first) => issues.push(LintIssue::new(
                        file.clone(),
                        &id,
                        format!("duplicate id: also defined in {first}"),
                    )),
                    None => {
                        first_file.insert(id, file.clone());
                    }
                }
            }
        }

        let used: HashSet<&str> = self.points().flat_map(|r| r.point.check_ids()).collect();
        for check in &self.checks {
            if !used.contains(check.id.as_str()) {
                issues.push(LintIssue::new(
                    "checks.yaml".into(),
                    &check.id,
                    "defined but no point uses it as evidence".into(),
                ));
            }
        }

        issues.extend(crate::counts::check(self));
        // Stable order: by file, keeping each file's issues in document order.
        let mut by_file: BTreeMap<String, Vec<LintIssue>> = BTreeMap::new();
        for issue in issues {
            by_file.entry(issue.file.clone()).or_default().push(issue);
        }
        by_file.into_values().flatten().collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::Catalog;
    use crate::model::EvidenceKind;

    #[test]
    fn the_shipped_catalog_is_clean() {
        let issues = Catalog::embedded().lint();
        assert!(
            issues.is_empty(),
            "{}",
            issues
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    #[test]
    fn dangling_and_unused_references_are_issues() {
        let mut c = Catalog::embedded().clone();
        let soc = c.standards.iter().position(|s| s.id == "soc").unwrap();
        let point = &mut c.standards[soc].parts[0].parts[0].points[0];
        point.grounding[0].source = "nowhere".into();
        point.evidence[0].kind = EvidenceKind::Check;
        point.evidence[0].check = Some("host.ssh.nope".into());
        c.checks.retain(|k| k.id != "host.ssh.host-key-strength");
        let shown: Vec<String> = c.lint().iter().map(ToString::to_string).collect();
        let id = &c.standards[soc].parts[0].parts[0].points[0].id;
        let file = "standards/soc.yaml";
        for expected in [
            format!("{file}: {id}: grounding[0].source: unknown source `nowhere`: not listed in sources.yaml"),
            format!("{file}: {id}: evidence[0].check: unknown check `host.ssh.nope`: not listed in checks.yaml"),
            "standards/cloud-host.yaml: cloud-host.key-policy.ssh-host-key-strength: evidence[0].check: unknown check `host.ssh.host-key-strength`: not listed in checks.yaml".to_owned(),
        ] {
            assert!(shown.contains(&expected), "{expected}\nnot in\n{shown:#?}");
        }
    }

    #[test]
    fn duplicate_ids_across_standards_are_issues() {
        let mut c = Catalog::embedded().clone();
        let stolen = c.standards[1].parts[0].clone();
        c.standards[2].parts.push(stolen.clone());
        let issues = c.lint();
        let file = format!("standards/{}.yaml", c.standards[1].id);
        assert!(
            issues.iter().any(|i| i.item == stolen.id
                && i.message == format!("duplicate id: also defined in {file}"))
        );
    }

    #[test]
    fn unused_checks_are_issues() {
        let mut c = Catalog::embedded().clone();
        let mut extra = c.checks[0].clone();
        extra.id = "host.ssh.never-used".into();
        c.checks.push(extra);
        assert_eq!(
            c.lint().iter().map(ToString::to_string).collect::<Vec<_>>(),
            vec!["checks.yaml: host.ssh.never-used: defined but no point uses it as evidence"]
        );
    }
}
