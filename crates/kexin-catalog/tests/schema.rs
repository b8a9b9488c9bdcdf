//! The JSON Schema (`catalog/schema/standard.schema.json`) and the loader
//! agree: every shipped file satisfies the schema, and the mistakes the
//! schema can see are refused by the loader as well.
//!
//! The schema is checked here, in a test, rather than by `Catalog::lint`:
//! the `jsonschema` crate brings some thirty crates (big-number arithmetic,
//! a second regex engine) into the binary, while the loader already enforces
//! every rule the schema states.

mod common;

use kexin_catalog::{EMBEDDED_STANDARDS, parse_standard};
use serde_json::Value;

fn validator() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(common::catalog_dir().join("schema/standard.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn schema_errors(v: &jsonschema::Validator, yaml: &str) -> Vec<String> {
    let instance: Value = serde_saphyr::from_str(yaml).unwrap();
    v.iter_errors(&instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn every_shipped_standard_satisfies_the_schema() {
    let v = validator();
    for (name, text) in EMBEDDED_STANDARDS {
        let errors = schema_errors(&v, text);
        assert!(errors.is_empty(), "{name}:\n{}", errors.join("\n"));
    }
}

/// Mistakes in one file: both the schema and the loader refuse each.
#[test]
fn schema_and_loader_refuse_the_same_mistakes() {
    let v = validator();
    let (name, text) = EMBEDDED_STANDARDS
        .iter()
        .find(|(n, _)| *n == "data-protection-tools.yaml")
        .unwrap();
    let path = format!("catalog/standards/{name}");
    let mistakes = [
        ("weight: 4", "wieght: 4"),
        ("weight: 4", "weight: 6"),
        ("weight: 4", "weight: 0"),
        ("        level: basic\n", "        level: expert\n"),
        ("schema: kexin-catalog/v1", "schema: kexin-catalog/v2"),
        ("blueprint: S9", "blueprint: S18"),
        (
            "id: data-protection-tools.discovery\n",
            "id: data-protection-tools\n",
        ),
        (
            "id: data-protection-tools.discovery\n",
            "id: Data-protection-tools.x\n",
        ),
        ("provenance: kexin", "provenance: folklore"),
        ("- kind: test", "- kind: check"),
        ("- kind: test", "- kind: guess"),
        ("relation: intersect", "relation: overlaps"),
        ("levels: [basic, enhanced, advanced]", "levels: []"),
        ("grounding: []", "grounding: ~"),
    ];
    for (from, to) in mistakes {
        assert!(text.contains(from), "{from}");
        let broken = text.replacen(from, to, 1);
        assert!(
            !schema_errors(&v, &broken).is_empty(),
            "the schema accepts {to:?}"
        );
        assert!(
            parse_standard(&path, broken.as_bytes()).is_err(),
            "the loader accepts {to:?}"
        );
    }
}
