//! The shipped catalog: it loads, lints clean, and keeps the structure the
//! working group's seed fixes. The numbers are written out here, apart from
//! `counts`, so that an edit to either the data or the rules shows up.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use kexin_catalog::{Catalog, Level, Phase, Side, Standard, effective_side};
use serde_json::json;

fn catalog() -> &'static Catalog {
    Catalog::embedded()
}

fn standard(id: &str) -> &'static Standard {
    catalog()
        .standard(id)
        .unwrap_or_else(|| panic!("no standard {id}"))
}

#[test]
fn the_directory_loads_and_equals_the_embedded_catalog() {
    let loaded = Catalog::load_dir(&common::catalog_dir()).unwrap();
    assert_eq!(&loaded, catalog());
    assert_eq!(loaded.standards.len(), 17);
}

#[test]
fn the_shipped_catalog_lints_clean() {
    let issues = catalog().lint();
    let shown: Vec<String> = issues.iter().map(ToString::to_string).collect();
    assert!(issues.is_empty(), "{}", shown.join("\n"));
}

#[test]
fn every_blueprint_id_appears_once() {
    let mut blueprints: Vec<u8> = catalog()
        .standards
        .iter()
        .map(|s| s.blueprint_number().unwrap())
        .collect();
    blueprints.sort();
    assert_eq!(blueprints, (1..=17).collect::<Vec<u8>>());
}

#[test]
fn cloud_host_has_10_basic_and_6_enhanced_items() {
    let s = standard("cloud-host");
    let at = |level| s.parts.iter().filter(|p| p.level == Some(level)).count();
    assert_eq!(at(Level::Basic), 10);
    assert_eq!(at(Level::Enhanced), 6);
    assert_eq!(s.parts.len(), 16);
    assert_eq!(s.levels, [Level::Basic, Level::Enhanced]);
}

#[test]
fn data_protection_has_18_contents_39_points_3_phases() {
    for id in ["data-protection-framework", "data-protection-evaluation"] {
        let s = standard(id);
        let contents = s.all_parts().filter(|(_, p)| !p.points.is_empty()).count();
        assert_eq!(contents, 18, "{id}");
        assert_eq!(s.point_count(), 39, "{id}");
        let phases: BTreeSet<Phase> = s.all_parts().filter_map(|(_, p)| p.phase).collect();
        assert_eq!(phases, Phase::ALL.into_iter().collect(), "{id}");
    }
    assert_eq!(
        standard("data-protection-evaluation").variants,
        ["public-cloud", "private-cloud"]
    );
}

#[test]
fn soc_has_16_categories_71_platform_and_18_personnel_indicators() {
    let s = standard("soc");
    let categories: BTreeSet<&str> = s
        .all_parts()
        .filter(|(depth, _)| *depth == 1)
        .map(|(_, p)| p.title.zh.as_str())
        .collect();
    assert_eq!(categories.len(), 16);
    let on = |side| {
        s.points()
            .filter(|(parents, _)| effective_side(parents) == Some(side))
            .count()
    };
    assert_eq!(on(Side::Platform), 71);
    assert_eq!(on(Side::Personnel), 18);
    assert_eq!(s.point_count(), 89);
}

#[test]
fn sast_iast_and_devsecops_maturity_have_9_parts() {
    for id in ["sast-tool", "iast-tool", "devsecops-maturity"] {
        assert_eq!(standard(id).parts.len(), 9, "{id}");
    }
    assert_eq!(standard("devsecops-maturity").levels, Level::ALL);
}

#[test]
fn situational_awareness_has_5_layers_and_8_principles() {
    let s = standard("situational-awareness");
    assert_eq!(
        s.part("situational-awareness.functions")
            .unwrap()
            .parts
            .len(),
        5
    );
    assert_eq!(
        s.part("situational-awareness.principles")
            .unwrap()
            .parts
            .len(),
        8
    );
}

#[test]
fn business_security_is_5_scenarios_by_5_classes() {
    let s = standard("business-security");
    assert_eq!(s.parts.len(), 5);
    let classes = |i: usize| -> Vec<&str> {
        s.parts[i]
            .parts
            .iter()
            .map(|c| c.id.rsplit('.').next().unwrap())
            .collect()
    };
    for i in 0..5 {
        assert_eq!(
            classes(i),
            [
                "service-model",
                "function",
                "risk-control",
                "performance",
                "security-management"
            ]
        );
    }
}

#[test]
fn risk_management_has_the_5_process_stages() {
    let s = standard("risk-management");
    for stage in [
        "assessment",
        "treatment",
        "acceptance",
        "communication",
        "monitoring-review",
    ] {
        assert!(
            s.part(&format!("risk-management.{stage}")).is_some(),
            "{stage}"
        );
    }
    assert_eq!(s.levels, Level::ALL);
}

#[test]
fn shared_responsibility_has_3_roles_and_a_service_model_matrix() {
    let s = standard("shared-responsibility");
    for role in ["provider", "customer", "manager"] {
        assert!(s.part(&format!("shared-responsibility.{role}")).is_some());
    }
    let matrix = s.part("shared-responsibility.matrix").unwrap();
    let mut layers: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for p in &matrix.points {
        let last = p.id.rsplit('.').next().unwrap();
        if let Some((model, layer)) = last.split_once('-')
            && ["iaas", "paas", "saas"].contains(&model)
        {
            layers.entry(model).or_default().insert(layer);
        }
    }
    assert_eq!(layers.len(), 3);
    assert_eq!(layers["iaas"], layers["paas"]);
    assert_eq!(layers["iaas"], layers["saas"]);
    assert_eq!(layers["iaas"].len(), 8);
}

#[test]
fn every_check_proves_some_point() {
    for check in &catalog().checks {
        assert!(
            !catalog().crosswalk_check(&check.id).is_empty(),
            "{}",
            check.id
        );
    }
    let points = catalog().crosswalk_check("host.ssh.host-key-strength");
    assert!(
        points
            .iter()
            .any(|r| r.point.id == "cloud-host.key-policy.ssh-host-key-strength")
    );
}

#[test]
fn one_control_serves_many_standards() {
    let points = catalog().crosswalk_control("nist-800-53r5", "IA-2(1)");
    let standards: BTreeSet<&str> = points.iter().map(|r| r.standard.id.as_str()).collect();
    assert!(standards.len() >= 5, "{standards:?}");
    for r in &points {
        assert!(
            r.point
                .grounding
                .iter()
                .any(|g| g.source == "nist-800-53r5" && g.reference == "IA-2(1)")
        );
    }

    let id = "cloud-host.key-policy.ssh-host-key-strength";
    let (_, point) = catalog().point(id).unwrap();
    let related = catalog().related_points(id);
    assert!(!related.is_empty());
    for r in &related {
        assert_ne!(r.point.standard.id, "cloud-host");
        for g in &r.shared {
            assert!(
                point
                    .grounding
                    .iter()
                    .any(|mine| mine.source == g.source && mine.reference == g.reference)
            );
        }
    }
}

#[test]
fn every_point_is_found_by_id() {
    for r in catalog().points() {
        let (s, p) = catalog().point(&r.point.id).unwrap();
        assert_eq!((s.id.as_str(), p), (r.standard.id.as_str(), r.point));
    }
}

#[test]
fn summary_snapshot() {
    let summary: Vec<serde_json::Value> = catalog()
        .standards
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "blueprint": s.blueprint,
                "levels": s.levels,
                "parts": s.part_count(),
                "points": s.level_counts(),
                "total": s.point_count(),
            })
        })
        .collect();
    insta::assert_json_snapshot!("catalog_summary", summary);
}
