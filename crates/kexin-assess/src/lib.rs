//! What an assessment concludes: the level a target reaches against one
//! standard, its score per part, and what stands between it and the next
//! level and its target level.
//!
//! Everything here is a pure function of a catalog [`Standard`] and the
//! answers given to its points, so the rules are testable on their own
//! (see the property tests) and the same in the CLI, the API, the console
//! and the reports. The rules, as the working group's evaluations apply them:
//!
//! * A level is **reached** when every applicable point at or below it
//!   passes, or is not applicable *with a reason*. Levels nest, so a target
//!   that misses a basic point reaches no level at all.
//! * **Partial** counts as a failure for the level, and as half in the score.
//! * **Not assessed** counts as a failure; **not applicable** leaves the
//!   score's denominator.
//! * A point applies to a variant (public or private cloud…) unless it lists
//!   other variants only.

pub mod import;

use std::collections::HashMap;

use kexin_catalog::{EvidenceSpec, Part, Point, Standard, Text};
pub use kexin_core::Verdict;
use kexin_core::{CheckOutcome, CheckStatus, Level};
use serde::Serialize;

/// What was answered for a point: the verdict and, for not applicable, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub verdict: Verdict,
    pub reason: Option<String>,
}

impl Answer {
    /// Whether the point counts as met for reaching a level.
    pub fn meets(&self) -> bool {
        match self.verdict {
            Verdict::Pass => true,
            Verdict::NotApplicable => self.reason.as_deref().is_some_and(|r| !r.trim().is_empty()),
            _ => false,
        }
    }

    /// Contribution to the score: `None` when the point leaves the denominator.
    fn value(&self) -> Option<f64> {
        match self.verdict {
            Verdict::Pass => Some(1.0),
            Verdict::Partial => Some(0.5),
            Verdict::Fail | Verdict::NotAssessed => Some(0.0),
            Verdict::NotApplicable if self.meets() => None,
            Verdict::NotApplicable => Some(0.0),
        }
    }
}

/// The answers recorded for an assessment, keyed by point id.
pub fn answers(results: &[kexin_core::PointResult]) -> HashMap<String, Answer> {
    results
        .iter()
        .map(|r| {
            (
                r.point_id.clone(),
                Answer {
                    verdict: r.verdict,
                    reason: r.reason.clone(),
                },
            )
        })
        .collect()
}

const NOT_ASSESSED: Answer = Answer {
    verdict: Verdict::NotAssessed,
    reason: None,
};

/// A point that stops a level, and what would close it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Gap {
    pub point_id: String,
    #[schema(value_type = Object)]
    pub title: Text,
    pub level: Level,
    pub verdict: Verdict,
    pub weight: u8,
    /// The kinds of evidence the catalog names for the point.
    #[schema(value_type = Vec<Object>)]
    pub evidence: Vec<EvidenceSpec>,
}

/// The score of one top-level part of the standard.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PartScore {
    pub part_id: String,
    #[schema(value_type = Object)]
    pub title: Text,
    /// Weighted, 0–100; `None` when every point in scope is not applicable.
    pub score: Option<f64>,
    pub points: usize,
    pub passed: usize,
}

/// Everything an assessment concludes.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Evaluation {
    pub standard_id: String,
    pub variant: Option<String>,
    pub target_level: Level,
    /// The highest level reached; `None` when not even the lowest is.
    pub level_reached: Option<Level>,
    /// Weighted score over the points in scope of the target level, 0–100.
    pub score: Option<f64>,
    pub parts: Vec<PartScore>,
    /// The level after the one reached, if the standard has one.
    pub next_level: Option<Level>,
    pub gaps_to_next: Vec<Gap>,
    pub gaps_to_target: Vec<Gap>,
    /// Points in scope of the target level, per verdict.
    pub counts: Vec<(Verdict, usize)>,
}

/// Whether `point` applies to `variant` (every point applies when no variant is chosen).
pub fn applies(point: &Point, variant: Option<&str>) -> bool {
    match variant {
        Some(v) => point.variants.is_empty() || point.variants.iter().any(|p| p == v),
        None => true,
    }
}

fn applicable<'a>(
    standard: &'a Standard,
    variant: Option<&'a str>,
) -> impl Iterator<Item = (Vec<&'a Part>, &'a Point)> + 'a {
    standard.points().filter(move |(_, p)| applies(p, variant))
}

/// The highest level of `standard` at which every applicable point is met.
pub fn level_reached<'a>(
    standard: &Standard,
    variant: Option<&str>,
    answer: impl Fn(&str) -> Option<&'a Answer>,
) -> Option<Level> {
    let mut reached = None;
    for &level in &standard.levels {
        let met = applicable(standard, variant)
            .filter(|(_, p)| p.level <= level)
            .all(|(_, p)| answer(&p.id).unwrap_or(&NOT_ASSESSED).meets());
        if !met {
            break;
        }
        reached = Some(level);
    }
    reached
}

fn gaps<'a>(
    standard: &Standard,
    variant: Option<&str>,
    level: Level,
    answer: &impl Fn(&str) -> Option<&'a Answer>,
) -> Vec<Gap> {
    applicable(standard, variant)
        .filter(|(_, p)| p.level <= level)
        .filter_map(|(_, p)| {
            let a = answer(&p.id).unwrap_or(&NOT_ASSESSED);
            (!a.meets()).then(|| Gap {
                point_id: p.id.clone(),
                title: p.title.clone(),
                level: p.level,
                verdict: a.verdict,
                weight: p.weight,
                evidence: p.evidence.clone(),
            })
        })
        .collect()
}

fn weighted(points: &[(&Point, &Answer)]) -> Option<f64> {
    let (mut got, mut max) = (0.0, 0.0);
    for (p, a) in points {
        if let Some(v) = a.value() {
            got += v * f64::from(p.weight);
            max += f64::from(p.weight);
        }
    }
    (max > 0.0).then(|| (got / max * 1000.0).round() / 10.0)
}

/// Evaluates the answers against `standard` for `target` (a level the
/// standard grades; the highest when it does not).
pub fn evaluate<'a>(
    standard: &Standard,
    variant: Option<&str>,
    target: Level,
    answer: impl Fn(&str) -> Option<&'a Answer>,
) -> Evaluation {
    let target = if standard.levels.contains(&target) {
        target
    } else {
        *standard.levels.last().unwrap_or(&Level::Basic)
    };
    let reached = level_reached(standard, variant, &answer);
    let next_level = match reached {
        None => standard.levels.first().copied(),
        Some(l) => standard.levels.iter().copied().find(|x| *x > l),
    };
    let in_scope: Vec<(Vec<&Part>, &Point, &Answer)> = applicable(standard, variant)
        .filter(|(_, p)| p.level <= target)
        .map(|(parents, p)| {
            let a = answer(&p.id).unwrap_or(&NOT_ASSESSED);
            (parents, p, a)
        })
        .collect();
    let parts = standard
        .parts
        .iter()
        .map(|top| {
            let mine: Vec<(&Point, &Answer)> = in_scope
                .iter()
                .filter(|(parents, _, _)| parents.first().is_some_and(|p| p.id == top.id))
                .map(|(_, p, a)| (*p, *a))
                .collect();
            PartScore {
                part_id: top.id.clone(),
                title: top.title.clone(),
                score: weighted(&mine),
                points: mine.len(),
                passed: mine.iter().filter(|(_, a)| a.meets()).count(),
            }
        })
        .filter(|p| p.points > 0)
        .collect();
    let all: Vec<(&Point, &Answer)> = in_scope.iter().map(|(_, p, a)| (*p, *a)).collect();
    let counts = Verdict::ALL
        .into_iter()
        .map(|v| (v, all.iter().filter(|(_, a)| a.verdict == v).count()))
        .collect();
    Evaluation {
        standard_id: standard.id.clone(),
        variant: variant.map(str::to_string),
        target_level: target,
        level_reached: reached,
        score: weighted(&all),
        parts,
        next_level,
        gaps_to_next: next_level
            .map(|l| gaps(standard, variant, l, &answer))
            .unwrap_or_default(),
        gaps_to_target: if reached.is_some_and(|r| r >= target) {
            Vec::new()
        } else {
            gaps(standard, variant, target, &answer)
        },
        counts,
    }
}

/// A result for a point bound to automatic checks, derived from one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckFill {
    pub point_id: String,
    pub verdict: Verdict,
    pub reason: Option<String>,
    /// What each check saw, for the record.
    pub notes: String,
}

/// Results for every applicable point whose checks all appear in
/// `outcomes`: pass when every check passes, fail when every check fails,
/// partial when they disagree, not applicable when the checks found nothing
/// to check. A point with a check that could not run (error) or did not run
/// at all is left to a person.
pub fn results_from_checks(
    standard: &Standard,
    variant: Option<&str>,
    outcomes: &HashMap<&str, &CheckOutcome>,
) -> Vec<CheckFill> {
    let mut fills = Vec::new();
    for (_, p) in applicable(standard, variant) {
        let ids: Vec<&str> = p.check_ids().collect();
        if ids.is_empty() {
            continue;
        }
        let Some(found) = ids
            .iter()
            .map(|id| outcomes.get(id).copied())
            .collect::<Option<Vec<&CheckOutcome>>>()
        else {
            continue;
        };
        if found.iter().any(|o| o.status == CheckStatus::Error) {
            continue;
        }
        let decisive: Vec<&&CheckOutcome> = found
            .iter()
            .filter(|o| o.status != CheckStatus::NotApplicable)
            .collect();
        let passed = decisive
            .iter()
            .filter(|o| o.status == CheckStatus::Pass)
            .count();
        let (verdict, reason) = match (decisive.len(), passed) {
            (0, _) => (
                Verdict::NotApplicable,
                Some("the automatic checks found nothing this point applies to".to_string()),
            ),
            (n, p) if p == n => (Verdict::Pass, None),
            (_, 0) => (Verdict::Fail, None),
            _ => (Verdict::Partial, None),
        };
        let mut notes: String = found
            .iter()
            .map(|o| format!("{}: {} — {}\n", o.check_id, o.status, o.evidence))
            .collect();
        if notes.chars().count() > 4000 {
            notes = notes.chars().take(3990).collect::<String>() + " …";
        }
        fills.push(CheckFill {
            point_id: p.id.clone(),
            verdict,
            reason,
            notes: notes.trim_end().to_string(),
        });
    }
    fills
}

/// How a check's outcome moved between two runs on the same asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CheckChange {
    pub check_id: String,
    /// `None`: the check did not run before.
    pub before: Option<CheckStatus>,
    /// `None`: the check no longer runs.
    pub after: Option<CheckStatus>,
}

/// What changed since the previous run: baseline drift.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Drift {
    /// Checks that fail now and did not before.
    pub new_failures: Vec<CheckChange>,
    /// Checks that failed before and pass now.
    pub fixed: Vec<CheckChange>,
    /// Every other change of outcome (errors, not applicable, checks added or gone).
    pub changed: Vec<CheckChange>,
}

/// Compares two runs' outcomes, in check-id order.
pub fn drift(before: &[CheckOutcome], after: &[CheckOutcome]) -> Drift {
    let old: HashMap<&str, CheckStatus> = before
        .iter()
        .map(|o| (o.check_id.as_str(), o.status))
        .collect();
    let new: HashMap<&str, CheckStatus> = after
        .iter()
        .map(|o| (o.check_id.as_str(), o.status))
        .collect();
    let mut ids: Vec<&str> = old.keys().chain(new.keys()).copied().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut d = Drift::default();
    for id in ids {
        let (b, a) = (old.get(id).copied(), new.get(id).copied());
        if a == b {
            continue;
        }
        let change = CheckChange {
            check_id: id.to_string(),
            before: b,
            after: a,
        };
        match (b, a) {
            (_, Some(CheckStatus::Fail)) => d.new_failures.push(change),
            (Some(CheckStatus::Fail), Some(CheckStatus::Pass)) => d.fixed.push(change),
            _ => d.changed.push(change),
        }
    }
    d
}

/// A point whose result differs between two assessments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PointChange {
    pub point_id: String,
    pub level: Level,
    pub before: Verdict,
    pub after: Verdict,
}

/// The points of `standard` whose verdict differs between `before` and
/// `after`, in document order (unanswered counts as not assessed).
pub fn diff<'a>(
    standard: &Standard,
    before: impl Fn(&str) -> Option<&'a Answer>,
    after: impl Fn(&str) -> Option<&'a Answer>,
) -> Vec<PointChange> {
    standard
        .points()
        .filter_map(|(_, p)| {
            let b = before(&p.id).map_or(Verdict::NotAssessed, |a| a.verdict);
            let a = after(&p.id).map_or(Verdict::NotAssessed, |a| a.verdict);
            (a != b).then(|| PointChange {
                point_id: p.id.clone(),
                level: p.level,
                before: b,
                after: a,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use kexin_catalog::Catalog;
    use proptest::prelude::*;

    use super::*;

    fn cloud_host() -> Standard {
        Catalog::embedded()
            .standard("cloud-host")
            .expect("shipped")
            .clone()
    }

    fn answers(s: &Standard, verdict: Verdict) -> HashMap<String, Answer> {
        s.points()
            .map(|(_, p)| {
                (
                    p.id.clone(),
                    Answer {
                        verdict,
                        reason: None,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn all_pass_reaches_the_top_and_nothing_reaches_nothing() {
        let s = cloud_host();
        let pass = answers(&s, Verdict::Pass);
        let e = evaluate(&s, None, Level::Enhanced, |id| pass.get(id));
        assert_eq!(e.level_reached, Some(Level::Enhanced));
        assert_eq!(e.score, Some(100.0));
        assert!(e.gaps_to_target.is_empty() && e.next_level.is_none());
        let e = evaluate(&s, None, Level::Enhanced, |_| None);
        assert_eq!(e.level_reached, None);
        assert_eq!(e.next_level, Some(Level::Basic));
        assert_eq!(e.score, Some(0.0));
        assert_eq!(e.parts.len(), 16, "10 basic + 6 enhanced items");
    }

    #[test]
    fn partial_fails_the_level_but_counts_half() {
        let s = cloud_host();
        let mut a = answers(&s, Verdict::Pass);
        let basic_point = s
            .points()
            .find(|(_, p)| p.level == Level::Basic)
            .unwrap()
            .1
            .id
            .clone();
        a.insert(
            basic_point.clone(),
            Answer {
                verdict: Verdict::Partial,
                reason: None,
            },
        );
        let e = evaluate(&s, None, Level::Enhanced, |id| a.get(id));
        assert_eq!(e.level_reached, None);
        assert_eq!(e.gaps_to_next.len(), 1);
        assert_eq!(e.gaps_to_next[0].point_id, basic_point);
        assert!(
            e.score.unwrap() < 100.0 && e.score.unwrap() > 98.0,
            "{:?}",
            e.score
        );
    }

    #[test]
    fn not_applicable_needs_a_reason() {
        let s = cloud_host();
        let mut a = answers(&s, Verdict::Pass);
        let id = s.points().next().unwrap().1.id.clone();
        a.insert(
            id.clone(),
            Answer {
                verdict: Verdict::NotApplicable,
                reason: None,
            },
        );
        assert_eq!(level_reached(&s, None, |x| a.get(x)), None);
        a.insert(
            id,
            Answer {
                verdict: Verdict::NotApplicable,
                reason: Some("no web server on the image".into()),
            },
        );
        assert_eq!(level_reached(&s, None, |x| a.get(x)), Some(Level::Enhanced));
    }

    #[test]
    fn variants_limit_which_points_count() {
        let cat = Catalog::embedded();
        let s = cat.standard("data-protection-evaluation").unwrap();
        let public_only: Vec<&str> = s
            .points()
            .filter(|(_, p)| p.variants == ["public-cloud"])
            .map(|(_, p)| p.id.as_str())
            .collect();
        assert!(!public_only.is_empty());
        let mut a = answers(s, Verdict::Pass);
        for id in &public_only {
            a.insert(
                id.to_string(),
                Answer {
                    verdict: Verdict::Fail,
                    reason: None,
                },
            );
        }
        assert_eq!(
            level_reached(s, Some("private-cloud"), |x| a.get(x)),
            s.levels.last().copied()
        );
        assert_ne!(
            level_reached(s, Some("public-cloud"), |x| a.get(x)),
            s.levels.last().copied()
        );
    }

    #[test]
    fn check_results_fill_the_points_bound_to_them() {
        use kexin_core::{CheckOutcome, CheckStatus};
        let s = cloud_host();
        let bound: Vec<(String, Vec<String>)> = s
            .points()
            .filter(|(_, p)| p.check_ids().count() > 0)
            .map(|(_, p)| (p.id.clone(), p.check_ids().map(str::to_string).collect()))
            .collect();
        assert!(bound.len() > 80);
        let statuses = [
            CheckStatus::Pass,
            CheckStatus::Fail,
            CheckStatus::Error,
            CheckStatus::NotApplicable,
        ];
        let outcomes: Vec<CheckOutcome> = bound
            .iter()
            .enumerate()
            .flat_map(|(i, (_, checks))| {
                checks.iter().map(move |c| CheckOutcome {
                    check_id: c.clone(),
                    status: statuses[i % 4],
                    evidence: format!("seen {i}"),
                })
            })
            .collect();
        let map: HashMap<&str, &CheckOutcome> =
            outcomes.iter().map(|o| (o.check_id.as_str(), o)).collect();
        let fills = results_from_checks(&s, None, &map);
        let by_point: HashMap<&str, &CheckFill> =
            fills.iter().map(|f| (f.point_id.as_str(), f)).collect();
        // Points whose checks share ids with other points see the last status written; test the ones with a unique check.
        for (i, (point, checks)) in bound.iter().enumerate() {
            if checks.len() != 1 || outcomes.iter().filter(|o| o.check_id == checks[0]).count() != 1
            {
                continue;
            }
            match statuses[i % 4] {
                CheckStatus::Pass => assert_eq!(by_point[point.as_str()].verdict, Verdict::Pass),
                CheckStatus::Fail => assert_eq!(by_point[point.as_str()].verdict, Verdict::Fail),
                CheckStatus::Error => assert!(
                    !by_point.contains_key(point.as_str()),
                    "an error decides nothing"
                ),
                CheckStatus::NotApplicable => {
                    let f = by_point[point.as_str()];
                    assert_eq!(f.verdict, Verdict::NotApplicable);
                    assert!(
                        Answer {
                            verdict: f.verdict,
                            reason: f.reason.clone()
                        }
                        .meets()
                    );
                }
            }
        }
        assert!(
            results_from_checks(&s, None, &HashMap::new()).is_empty(),
            "no run, nothing filled"
        );
    }

    #[test]
    fn drift_sorts_changes_into_new_fixed_and_other() {
        use kexin_core::{CheckOutcome, CheckStatus::*};
        let o = |id: &str, status| CheckOutcome {
            check_id: id.into(),
            status,
            evidence: String::new(),
        };
        let before = [
            o("a", Pass),
            o("b", Fail),
            o("c", Pass),
            o("d", Error),
            o("gone", Pass),
        ];
        let after = [
            o("a", Fail),
            o("b", Pass),
            o("c", Pass),
            o("d", NotApplicable),
            o("new", Fail),
        ];
        let d = drift(&before, &after);
        let ids = |v: &[CheckChange]| v.iter().map(|c| c.check_id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&d.new_failures), ["a", "new"]);
        assert_eq!(ids(&d.fixed), ["b"]);
        assert_eq!(ids(&d.changed), ["d", "gone"]);
        assert_eq!(drift(&after, &after), Drift::default());
    }

    #[test]
    fn diff_lists_changed_points_in_order() {
        let s = cloud_host();
        let before = answers(&s, Verdict::Fail);
        let mut after = before.clone();
        let ids: Vec<String> = s.points().map(|(_, p)| p.id.clone()).collect();
        after.insert(
            ids[5].clone(),
            Answer {
                verdict: Verdict::Pass,
                reason: None,
            },
        );
        after.remove(&ids[2]);
        let d = diff(&s, |x| before.get(x), |x| after.get(x));
        assert_eq!(
            d.iter().map(|c| c.point_id.as_str()).collect::<Vec<_>>(),
            [ids[2].as_str(), ids[5].as_str()]
        );
        assert_eq!(
            (d[0].before, d[0].after),
            (Verdict::Fail, Verdict::NotAssessed)
        );
    }

    fn verdict() -> impl Strategy<Value = Verdict> {
        prop_oneof![
            Just(Verdict::Pass),
            Just(Verdict::Partial),
            Just(Verdict::Fail),
            Just(Verdict::NotApplicable),
            Just(Verdict::NotAssessed)
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn passing_one_more_point_never_lowers_the_level(verdicts in proptest::collection::vec(verdict(), 88), pick in 0usize..88, reasons in proptest::collection::vec(any::<bool>(), 88)) {
            let s = cloud_host();
            let ids: Vec<String> = s.points().map(|(_, p)| p.id.clone()).collect();
            let mut a: HashMap<String, Answer> = ids.iter().enumerate().map(|(i, id)| {
                let v = verdicts[i % verdicts.len()];
                (id.clone(), Answer { verdict: v, reason: reasons[i % reasons.len()].then(|| "reason".to_string()) })
            }).collect();
            let before = level_reached(&s, None, |x| a.get(x));
            let id = &ids[pick % ids.len()];
            a.insert(id.clone(), Answer { verdict: Verdict::Pass, reason: None });
            let after = level_reached(&s, None, |x| a.get(x));
            prop_assert!(after >= before, "{before:?} -> {after:?} after passing {id}");
        }

        #[test]
        fn failing_a_basic_point_always_drops_below_basic(pick in 0usize..1000, v in prop_oneof![Just(Verdict::Fail), Just(Verdict::Partial), Just(Verdict::NotAssessed)]) {
            let s = cloud_host();
            let mut a = answers(&s, Verdict::Pass);
            let basic: Vec<String> = s.points().filter(|(_, p)| p.level == Level::Basic).map(|(_, p)| p.id.clone()).collect();
            a.insert(basic[pick % basic.len()].clone(), Answer { verdict: v, reason: None });
            prop_assert_eq!(level_reached(&s, None, |x| a.get(x)), None);
        }

        #[test]
        fn score_is_within_bounds(verdicts in proptest::collection::vec(verdict(), 88)) {
            let s = cloud_host();
            let a: HashMap<String, Answer> = s.points().enumerate().map(|(i, (_, p))| (p.id.clone(), Answer { verdict: verdicts[i % verdicts.len()], reason: Some("r".into()) })).collect();
            let e = evaluate(&s, None, Level::Enhanced, |x| a.get(x));
            if let Some(score) = e.score {
                prop_assert!((0.0..=100.0).contains(&score));
            }
            for p in &e.parts {
                prop_assert!(p.passed <= p.points);
            }
        }
    }
}
