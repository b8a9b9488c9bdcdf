//! The structure the working group's seed fixes, as data.
//!
//! The seed says how many items, contents, categories and indicators each
//! standard has. Those numbers are not Kexin's to change: a catalog edit
//! that breaks one is a mistake, and [`Catalog::lint`](crate::Catalog::lint)
//! says so. Each rule is stated the way the file is built (which ids, which
//! depth), so a failure names what to look at.

use std::collections::BTreeSet;

use kexin_core::Level;

use crate::Catalog;
use crate::lint::LintIssue;
use crate::model::{Phase, Side, Standard};
use crate::nav::effective_side;

/// One structural fact about one standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Exactly `count` top-level parts.
    TopLevelParts(usize),
    /// Exactly `count` top-level parts whose `level` is `level`.
    TopLevelPartsAtLevel { level: Level, count: usize },
    /// Exactly `count` parts that hold points (evaluation contents).
    ContentParts(usize),
    /// Exactly `count` points.
    Points(usize),
    /// The standard's `levels` are exactly these.
    Levels(&'static [Level]),
    /// Every one of these phases is set on some part.
    PhasesUsed(&'static [Phase]),
    /// Exactly `count` points on `side` (inherited from the enclosing parts).
    PointsOnSide { side: Side, count: usize },
    /// Exactly `count` distinct Chinese titles among the parts at `depth`
    /// (0 = top level): categories that appear on several sides count once.
    DistinctTitlesAtDepth { depth: usize, count: usize },
    /// The part `parent` has exactly `count` sub-parts.
    ChildParts { parent: &'static str, count: usize },
    /// `rows` top-level parts, each with the same `cols` sub-parts (same id
    /// suffixes, same order).
    Grid { rows: usize, cols: usize },
    /// Parts with these ids exist.
    PartsPresent(&'static [&'static str]),
    /// Part `part` holds, for each service model, points whose last id
    /// segment starts with `<model>-`, covering the same layers for every model.
    ServiceModelMatrix {
        part: &'static str,
        models: &'static [&'static str],
    },
}

/// A fact the seed fixes, and where the seed says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expectation {
    pub standard: &'static str,
    pub expect: Expect,
    pub why: &'static str,
}

const fn rule(standard: &'static str, expect: Expect, why: &'static str) -> Expectation {
    Expectation {
        standard,
        expect,
        why,
    }
}

/// Every standard of the blueprint, S1 to S17, appears exactly once.
pub const BLUEPRINT_IDS: std::ops::RangeInclusive<u8> = 1..=17;

pub const EXPECTATIONS: &[Expectation] = &[
    rule(
        "cloud-host",
        Expect::TopLevelPartsAtLevel {
            level: Level::Basic,
            count: 10,
        },
        "the seed lists 10 basic cloud-host items",
    ),
    rule(
        "cloud-host",
        Expect::TopLevelPartsAtLevel {
            level: Level::Enhanced,
            count: 6,
        },
        "the seed lists 6 enhanced cloud-host items",
    ),
    rule(
        "cloud-host",
        Expect::TopLevelParts(16),
        "cloud-host consists of its 10 basic and 6 enhanced items",
    ),
    rule(
        "data-protection-framework",
        Expect::ContentParts(18),
        "18 evaluation contents",
    ),
    rule(
        "data-protection-framework",
        Expect::Points(39),
        "39 evaluation points",
    ),
    rule(
        "data-protection-framework",
        Expect::PhasesUsed(&Phase::ALL),
        "prevention before, protection during, traceability after",
    ),
    rule(
        "data-protection-evaluation",
        Expect::ContentParts(18),
        "18 evaluation contents",
    ),
    rule(
        "data-protection-evaluation",
        Expect::Points(39),
        "39 evaluation points",
    ),
    rule(
        "data-protection-evaluation",
        Expect::PhasesUsed(&Phase::ALL),
        "prevention before, protection during, traceability after",
    ),
    rule(
        "soc",
        Expect::DistinctTitlesAtDepth {
            depth: 1,
            count: 16,
        },
        "16 first-level categories",
    ),
    rule(
        "soc",
        Expect::PointsOnSide {
            side: Side::Platform,
            count: 71,
        },
        "71 platform indicators",
    ),
    rule(
        "soc",
        Expect::PointsOnSide {
            side: Side::Personnel,
            count: 18,
        },
        "18 personnel indicators",
    ),
    rule("sast-tool", Expect::TopLevelParts(9), "nine parts"),
    rule("iast-tool", Expect::TopLevelParts(9), "the same nine parts"),
    rule("devsecops-maturity", Expect::TopLevelParts(9), "9 parts"),
    rule(
        "devsecops-maturity",
        Expect::Levels(&Level::ALL),
        "levels basic, enhanced and advanced",
    ),
    rule(
        "situational-awareness",
        Expect::ChildParts {
            parent: "situational-awareness.functions",
            count: 5,
        },
        "five functional layers",
    ),
    rule(
        "situational-awareness",
        Expect::ChildParts {
            parent: "situational-awareness.principles",
            count: 8,
        },
        "eight construction principles",
    ),
    rule(
        "business-security",
        Expect::Grid { rows: 5, cols: 5 },
        "five risk scenarios, each with the same five indicator classes",
    ),
    rule(
        "risk-management",
        Expect::PartsPresent(&[
            "risk-management.assessment",
            "risk-management.treatment",
            "risk-management.acceptance",
            "risk-management.communication",
            "risk-management.monitoring-review",
        ]),
        "the five stages of the risk management process",
    ),
    rule(
        "shared-responsibility",
        Expect::PartsPresent(&[
            "shared-responsibility.provider",
            "shared-responsibility.customer",
            "shared-responsibility.manager",
            "shared-responsibility.matrix",
        ]),
        "three evaluated roles: provider, customer, manager; and the matrix between them",
    ),
    rule(
        "shared-responsibility",
        Expect::ServiceModelMatrix {
            part: "shared-responsibility.matrix",
            models: &["iaas", "paas", "saas"],
        },
        "responsibilities split per service model",
    ),
];

/// Checks every expectation and the blueprint coverage; one issue per
/// broken fact.
pub fn check(catalog: &Catalog) -> Vec<LintIssue> {
    let mut issues = Vec::new();
    for e in EXPECTATIONS {
        let file = format!("standards/{}.yaml", e.standard);
        let Some(standard) = catalog.standard(e.standard) else {
            issues.push(LintIssue::new(
                file,
                e.standard,
                format!("standard missing; the seed requires it ({})", e.why),
            ));
            continue;
        };
        if let Err((item, message)) = holds(standard, e.expect) {
            issues.push(LintIssue::new(
                file,
                &item,
                format!("{message} ({})", e.why),
            ));
        }
    }
    for n in BLUEPRINT_IDS {
        let id = format!("S{n}");
        let holders: Vec<&str> = catalog
            .standards
            .iter()
            .filter(|s| s.blueprint == id)
            .map(|s| s.id.as_str())
            .collect();
        match holders.as_slice() {
            [_] => {}
            [] => issues.push(LintIssue::new(
                "standards".into(),
                &id,
                "no standard has this blueprint id".into(),
            )),
            many => issues.push(LintIssue::new(
                "standards".into(),
                &id,
                format!(
                    "blueprint id used by {} standards: {}",
                    many.len(),
                    many.join(", ")
                ),
            )),
        }
    }
    issues
}

fn count_is(
    item: &str,
    what: String,
    expected: usize,
    found: usize,
) -> Result<(), (String, String)> {
    if expected == found {
        Ok(())
    } else {
        Err((
            item.to_owned(),
            format!("expected {expected} {what}, found {found}"),
        ))
    }
}

/// Whether `expect` holds for `standard`; otherwise the item to blame and why.
pub fn holds(standard: &Standard, expect: Expect) -> Result<(), (String, String)> {
    let id = standard.id.as_str();
    match expect {
        Expect::TopLevelParts(n) => count_is(id, "top-level parts".into(), n, standard.parts.len()),
        Expect::TopLevelPartsAtLevel { level, count } => {
            let found = standard
                .parts
                .iter()
                .filter(|p| p.level == Some(level))
                .count();
            count_is(
                id,
                format!("top-level parts at level {}", level.as_str()),
                count,
                found,
            )
        }
        Expect::ContentParts(n) => {
            let found = standard
                .all_parts()
                .filter(|(_, p)| !p.points.is_empty())
                .count();
            count_is(id, "parts holding points".into(), n, found)
        }
        Expect::Points(n) => count_is(id, "points".into(), n, standard.point_count()),
        Expect::Levels(levels) => {
            if standard.levels == levels {
                Ok(())
            } else {
                let names =
                    |ls: &[Level]| ls.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(", ");
                Err((
                    id.to_owned(),
                    format!(
                        "expected levels [{}], found [{}]",
                        names(levels),
                        names(&standard.levels)
                    ),
                ))
            }
        }
        Expect::PhasesUsed(phases) => {
            let used: BTreeSet<Phase> = standard.all_parts().filter_map(|(_, p)| p.phase).collect();
            let missing: Vec<&str> = phases
                .iter()
                .filter(|p| !used.contains(p))
                .map(|p| p.as_str())
                .collect();
            if missing.is_empty() {
                Ok(())
            } else {
                Err((
                    id.to_owned(),
                    format!("no part has phase {}", missing.join(", ")),
                ))
            }
        }
        Expect::PointsOnSide { side, count } => {
            let found = standard
                .points()
                .filter(|(parents, _)| effective_side(parents) == Some(side))
                .count();
            count_is(
                id,
                format!("points on side {}", side.as_str()),
                count,
                found,
            )
        }
        Expect::DistinctTitlesAtDepth { depth, count } => {
            let titles: BTreeSet<&str> = standard
                .all_parts()
                .filter(|(d, _)| *d == depth)
                .map(|(_, p)| p.title.zh.as_str())
                .collect();
            count_is(
                id,
                format!("distinct part titles at depth {depth}"),
                count,
                titles.len(),
            )
        }
        Expect::ChildParts { parent, count } => match standard.part(parent) {
            None => Err((parent.to_owned(), "part missing".into())),
            Some(p) => count_is(parent, "sub-parts".into(), count, p.parts.len()),
        },
        Expect::Grid { rows, cols } => {
            count_is(id, "top-level parts".into(), rows, standard.parts.len())?;
            let suffixes = |p: &crate::Part| -> Vec<String> {
                p.parts
                    .iter()
                    .map(|c| {
                        c.id.strip_prefix(&format!("{}.", p.id))
                            .unwrap_or(&c.id)
                            .to_owned()
                    })
                    .collect()
            };
            let first = standard.parts.first().map(suffixes).unwrap_or_default();
            for row in &standard.parts {
                count_is(&row.id, "sub-parts".into(), cols, row.parts.len())?;
                let these = suffixes(row);
                if these != first {
                    return Err((
                        row.id.clone(),
                        format!(
                            "sub-parts [{}] differ from those of {} [{}]",
                            these.join(", "),
                            standard.parts[0].id,
                            first.join(", ")
                        ),
                    ));
                }
            }
            Ok(())
        }
        Expect::PartsPresent(ids) => {
            let missing: Vec<&str> = ids
                .iter()
                .copied()
                .filter(|p| standard.part(p).is_none())
                .collect();
            if missing.is_empty() {
                Ok(())
            } else {
                Err((
                    id.to_owned(),
                    format!("parts missing: {}", missing.join(", ")),
                ))
            }
        }
        Expect::ServiceModelMatrix { part, models } => {
            let Some(matrix) = standard.part(part) else {
                return Err((part.to_owned(), "part missing".into()));
            };
            let layers = |model: &str| -> BTreeSet<String> {
                let prefix = format!("{model}-");
                matrix
                    .points
                    .iter()
                    .filter_map(|p| p.id.rsplit('.').next()?.strip_prefix(&prefix))
                    .map(str::to_owned)
                    .collect()
            };
            let mut first: Option<(&str, BTreeSet<String>)> = None;
            for model in models {
                let these = layers(model);
                if these.is_empty() {
                    return Err((
                        part.to_owned(),
                        format!("no point for service model {model}"),
                    ));
                }
                match &first {
                    None => first = Some((model, these)),
                    Some((m, layers)) if *layers != these => {
                        let diff: Vec<&str> = layers
                            .symmetric_difference(&these)
                            .map(String::as_str)
                            .collect();
                        return Err((
                            part.to_owned(),
                            format!(
                                "service models {m} and {model} cover different layers: {}",
                                diff.join(", ")
                            ),
                        ));
                    }
                    Some(_) => {}
                }
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_expectation_names_a_distinct_fact() {
        for (i, a) in EXPECTATIONS.iter().enumerate() {
            for b in &EXPECTATIONS[i + 1..] {
                assert!(
                    a.standard != b.standard || a.expect != b.expect,
                    "{a:?} twice"
                );
            }
        }
    }

    #[test]
    fn failures_name_what_was_found() {
        let mut s = crate::Catalog::embedded()
            .standard("business-security")
            .unwrap()
            .clone();
        assert!(holds(&s, Expect::Grid { rows: 5, cols: 5 }).is_ok());
        s.parts[2].parts.pop();
        let (item, message) = holds(&s, Expect::Grid { rows: 5, cols: 5 }).unwrap_err();
        assert_eq!(item, "business-security.marketing");
        assert_eq!(message, "expected 5 sub-parts, found 4");
        s.parts.pop();
        let (_, message) = holds(&s, Expect::Grid { rows: 5, cols: 5 }).unwrap_err();
        assert_eq!(message, "expected 5 top-level parts, found 4");
    }
}
