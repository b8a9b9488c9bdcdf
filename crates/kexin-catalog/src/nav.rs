//! Walking a standard's tree and querying the catalog: which points a check
//! proves, which points rest on the same public control.

use kexin_core::Level;
use serde::Serialize;

use crate::Catalog;
use crate::model::{CheckDef, Grounding, Part, Phase, Point, Side, Source, Standard};

/// A point with where it sits: its standard and the parts above it, outermost first.
#[derive(Debug, Clone)]
pub struct PointRef<'a> {
    pub standard: &'a Standard,
    pub parents: Vec<&'a Part>,
    pub point: &'a Point,
}

impl<'a> PointRef<'a> {
    /// The part that holds the point.
    pub fn part(&self) -> Option<&'a Part> {
        self.parents.last().copied()
    }

    /// The SOC side, inherited from the nearest part that sets one.
    pub fn side(&self) -> Option<Side> {
        effective_side(&self.parents)
    }

    /// The data-protection phase, inherited from the nearest part that sets one.
    pub fn phase(&self) -> Option<Phase> {
        effective_phase(&self.parents)
    }
}

/// The side set by the innermost part of `parents` that sets one.
pub fn effective_side(parents: &[&Part]) -> Option<Side> {
    parents.iter().rev().find_map(|p| p.side)
}

/// The phase set by the innermost part of `parents` that sets one.
pub fn effective_phase(parents: &[&Part]) -> Option<Phase> {
    parents.iter().rev().find_map(|p| p.phase)
}

/// Number of points per level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LevelCounts {
    pub basic: usize,
    pub enhanced: usize,
    pub advanced: usize,
}

impl LevelCounts {
    pub fn get(&self, level: Level) -> usize {
        match level {
            Level::Basic => self.basic,
            Level::Enhanced => self.enhanced,
            Level::Advanced => self.advanced,
        }
    }

    pub fn total(&self) -> usize {
        self.basic + self.enhanced + self.advanced
    }

    fn add(&mut self, level: Level) {
        match level {
            Level::Basic => self.basic += 1,
            Level::Enhanced => self.enhanced += 1,
            Level::Advanced => self.advanced += 1,
        }
    }
}

/// The points of a standard in document order, each with its parent chain.
/// Within a part, its own points come before its sub-parts' points.
#[derive(Debug, Clone)]
pub struct Points<'a> {
    top: std::slice::Iter<'a, Part>,
    /// (part, next point, next sub-part)
    stack: Vec<(&'a Part, usize, usize)>,
}

impl<'a> Iterator for Points<'a> {
    type Item = (Vec<&'a Part>, &'a Point);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let Some((part, next_point, next_child)) = self.stack.last_mut() else {
                let part = self.top.next()?;
                self.stack.push((part, 0, 0));
                continue;
            };
            let part: &'a Part = part;
            if let Some(point) = part.points.get(*next_point) {
                *next_point += 1;
                let chain = self.stack.iter().map(|f| f.0).collect();
                return Some((chain, point));
            }
            if let Some(child) = part.parts.get(*next_child) {
                *next_child += 1;
                self.stack.push((child, 0, 0));
                continue;
            }
            self.stack.pop();
        }
    }
}

impl Standard {
    /// Every point with its parent chain (outermost part first), in document order.
    pub fn points(&self) -> Points<'_> {
        Points {
            top: self.parts.iter(),
            stack: Vec::new(),
        }
    }

    /// Every part, pre-order, with its depth (0 for top-level parts).
    pub fn all_parts(&self) -> impl Iterator<Item = (usize, &Part)> {
        fn walk<'a>(parts: &'a [Part], depth: usize, out: &mut Vec<(usize, &'a Part)>) {
            for part in parts {
                out.push((depth, part));
                walk(&part.parts, depth + 1, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.parts, 0, &mut out);
        out.into_iter()
    }

    /// Number of parts at any depth.
    pub fn part_count(&self) -> usize {
        self.all_parts().count()
    }

    pub fn point_count(&self) -> usize {
        self.points().count()
    }

    /// Number of points whose own level is each level.
    pub fn level_counts(&self) -> LevelCounts {
        let mut counts = LevelCounts::default();
        for (_, point) in self.points() {
            counts.add(point.level);
        }
        counts
    }

    /// The points required at `level`: those whose level is at or below it.
    pub fn points_at(&self, level: Level) -> impl Iterator<Item = (Vec<&Part>, &Point)> {
        self.points().filter(move |(_, p)| p.applies_at(level))
    }

    pub fn part(&self, id: &str) -> Option<&Part> {
        self.all_parts().map(|(_, p)| p).find(|p| p.id == id)
    }

    pub fn point(&self, id: &str) -> Option<(Vec<&Part>, &Point)> {
        self.points().find(|(_, p)| p.id == id)
    }

    /// The blueprint number: 12 for `S12`.
    pub fn blueprint_number(&self) -> Option<u8> {
        crate::load::blueprint_number(&self.blueprint)
    }
}

/// A point of another standard that rests on the same public control.
#[derive(Debug, Clone)]
pub struct Related<'a> {
    pub point: PointRef<'a>,
    /// The groundings (of the related point) it shares with the point asked about.
    pub shared: Vec<&'a Grounding>,
}

impl Catalog {
    pub fn standard(&self, id: &str) -> Option<&Standard> {
        self.standards.iter().find(|s| s.id == id)
    }

    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.id == id)
    }

    pub fn check(&self, id: &str) -> Option<&CheckDef> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// Every point of every standard, standards in catalog order.
    pub fn points(&self) -> impl Iterator<Item = PointRef<'_>> {
        self.standards.iter().flat_map(|standard| {
            standard.points().map(move |(parents, point)| PointRef {
                standard,
                parents,
                point,
            })
        })
    }

    pub fn point_count(&self) -> usize {
        self.standards.iter().map(Standard::point_count).sum()
    }

    /// The point with this id and its standard.
    pub fn point(&self, id: &str) -> Option<(&Standard, &Point)> {
        self.point_ref(id).map(|r| (r.standard, r.point))
    }

    /// The point with this id, with its standard and parent chain.
    pub fn point_ref(&self, id: &str) -> Option<PointRef<'_>> {
        // Point ids start with their standard's id: skip the other standards.
        self.standards
            .iter()
            .filter(|s| id.starts_with(&format!("{}.", s.id)))
            .find_map(|standard| {
                standard.point(id).map(|(parents, point)| PointRef {
                    standard,
                    parents,
                    point,
                })
            })
    }

    /// The points an automatic check serves as evidence for.
    pub fn crosswalk_check(&self, check_id: &str) -> Vec<PointRef<'_>> {
        self.points()
            .filter(|r| r.point.check_ids().any(|c| c == check_id))
            .collect()
    }

    /// The points grounded in control `reference` of `source`.
    pub fn crosswalk_control(&self, source: &str, reference: &str) -> Vec<PointRef<'_>> {
        self.points()
            .filter(|r| {
                r.point
                    .grounding
                    .iter()
                    .any(|g| g.source == source && g.reference == reference)
            })
            .collect()
    }

    /// The points grounded in any control of `source`.
    pub fn grounded_in(&self, source: &str) -> Vec<PointRef<'_>> {
        self.points()
            .filter(|r| r.point.grounding.iter().any(|g| g.source == source))
            .collect()
    }

    /// Points of the other standards grounded in a control this point is
    /// grounded in: evidence that proves the point once serves them too.
    /// Empty if there is no such point id.
    pub fn related_points(&self, point_id: &str) -> Vec<Related<'_>> {
        let Some(this) = self.point_ref(point_id) else {
            return Vec::new();
        };
        let controls = &this.point.grounding;
        self.points()
            .filter(|r| r.standard.id != this.standard.id)
            .filter_map(|r| {
                let shared: Vec<&Grounding> = r
                    .point
                    .grounding
                    .iter()
                    .filter(|g| {
                        controls
                            .iter()
                            .any(|c| c.source == g.source && c.reference == g.reference)
                    })
                    .collect();
                (!shared.is_empty()).then_some(Related { point: r, shared })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EvidenceKind, EvidenceSpec, Provenance, Relation, Text};

    fn text(s: &str) -> Text {
        Text {
            zh: s.into(),
            en: s.into(),
        }
    }

    fn point(id: &str, level: Level, grounding: &[(&str, &str)]) -> Point {
        Point {
            id: id.into(),
            title: text(id),
            statement: text(id),
            level,
            weight: 1,
            variants: vec![],
            public_text: false,
            evidence: vec![EvidenceSpec {
                kind: EvidenceKind::Check,
                check: Some("host.ssh.x".into()),
                description: text("d"),
            }],
            grounding: grounding
                .iter()
                .map(|(s, r)| Grounding {
                    source: (*s).into(),
                    reference: (*r).into(),
                    relation: Relation::Intersect,
                })
                .collect(),
        }
    }

    fn part(id: &str, side: Option<Side>, parts: Vec<Part>, points: Vec<Point>) -> Part {
        Part {
            id: id.into(),
            title: text(id),
            level: None,
            phase: None,
            side,
            provenance: Provenance::Seed,
            parts,
            points,
        }
    }

    fn standard(id: &str, parts: Vec<Part>) -> Standard {
        Standard {
            schema: crate::SCHEMA.into(),
            id: id.into(),
            blueprint: "S1".into(),
            title: text(id),
            public_text: false,
            summary: text(id),
            levels: Level::ALL.to_vec(),
            variants: vec![],
            notes: None,
            parts,
        }
    }

    fn sample() -> Catalog {
        let a = standard(
            "a",
            vec![
                part(
                    "a.x",
                    Some(Side::Platform),
                    vec![part(
                        "a.x.y",
                        None,
                        vec![],
                        vec![point("a.x.y.2", Level::Advanced, &[("nist", "AC-2")])],
                    )],
                    vec![point("a.x.1", Level::Basic, &[("nist", "AC-3")])],
                ),
                part(
                    "a.z",
                    None,
                    vec![],
                    vec![point("a.z.3", Level::Enhanced, &[])],
                ),
            ],
        );
        let b = standard(
            "b",
            vec![part(
                "b.p",
                None,
                vec![],
                vec![
                    point("b.p.1", Level::Basic, &[("nist", "AC-2"), ("iso", "A.5")]),
                    point("b.p.2", Level::Basic, &[("nist", "AC-4")]),
                ],
            )],
        );
        Catalog {
            standards: vec![a, b],
            sources: vec![],
            checks: vec![],
        }
    }

    #[test]
    fn points_come_in_document_order_with_their_parents() {
        let c = sample();
        let a = c.standard("a").unwrap();
        let walk: Vec<(Vec<&str>, &str)> = a
            .points()
            .map(|(parents, p)| {
                (
                    parents.iter().map(|p| p.id.as_str()).collect(),
                    p.id.as_str(),
                )
            })
            .collect();
        assert_eq!(
            walk,
            vec![
                (vec!["a.x"], "a.x.1"),
                (vec!["a.x", "a.x.y"], "a.x.y.2"),
                (vec!["a.z"], "a.z.3"),
            ]
        );
        assert_eq!(a.part_count(), 3);
        assert_eq!(
            a.level_counts(),
            LevelCounts {
                basic: 1,
                enhanced: 1,
                advanced: 1
            }
        );
        assert_eq!(a.points_at(Level::Enhanced).count(), 2);
        let depths: Vec<usize> = a.all_parts().map(|(d, _)| d).collect();
        assert_eq!(depths, vec![0, 1, 0]);
    }

    #[test]
    fn sides_are_inherited() {
        let c = sample();
        let r = c.point_ref("a.x.y.2").unwrap();
        assert_eq!(r.side(), Some(Side::Platform));
        assert_eq!(r.part().unwrap().id, "a.x.y");
        assert_eq!(c.point_ref("a.z.3").unwrap().side(), None);
    }

    #[test]
    fn lookups() {
        let c = sample();
        let (s, p) = c.point("b.p.2").unwrap();
        assert_eq!((s.id.as_str(), p.id.as_str()), ("b", "b.p.2"));
        assert!(c.point("b.p").is_none());
        assert!(c.point("nope").is_none());
        assert_eq!(c.point_count(), 5);
        assert_eq!(c.standard("a").unwrap().part("a.x.y").unwrap().id, "a.x.y");
    }

    #[test]
    fn crosswalks() {
        let c = sample();
        assert_eq!(c.crosswalk_check("host.ssh.x").len(), 5);
        assert!(c.crosswalk_check("host.ssh.y").is_empty());
        let ids: Vec<&str> = c
            .crosswalk_control("nist", "AC-2")
            .iter()
            .map(|r| r.point.id.as_str())
            .collect();
        assert_eq!(ids, vec!["a.x.y.2", "b.p.1"]);
        assert_eq!(c.grounded_in("iso").len(), 1);

        let related = c.related_points("b.p.1");
        assert_eq!(related.len(), 1);
        assert_eq!(related[0].point.point.id, "a.x.y.2");
        assert_eq!(related[0].shared[0].reference, "AC-2");
        // Same standard never counts; unknown ids give nothing.
        assert!(c.related_points("b.p.2").is_empty());
        assert!(c.related_points("zzz").is_empty());
    }
}
