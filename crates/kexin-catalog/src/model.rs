//! The typed model: one struct per kind of node in a catalog file, with
//! exactly the keys the format allows (`deny_unknown_fields` everywhere).
//!
//! Optional keys are optional in YAML, but when present they must hold a
//! value: `notes: ~` is refused like any other malformed value.

use kexin_core::Level;
use serde::{Deserialize, Deserializer, Serialize};

/// The `schema` value every standard file carries.
pub const SCHEMA: &str = "kexin-catalog/v1";

/// One standard of the working group: `catalog/standards/<id>.yaml`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Standard {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// Stable slug; equals the file stem.
    pub id: String,
    /// The blueprint id, `S1` to `S17`.
    pub blueprint: String,
    pub title: Text,
    /// Whether the standard's own text is public. `false` means everything
    /// in the file is Kexin's paraphrase.
    pub public_text: bool,
    /// What the standard evaluates, in one to three sentences.
    pub summary: Text,
    /// The grades the standard's evaluation uses, in ascending order.
    pub levels: Vec<Level>,
    /// Variants the seed names (e.g. `public-cloud`); empty when it names none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<String>,
    /// Provenance remarks, e.g. which parts Kexin added and why.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub notes: Option<Text>,
    /// The tree of parts; assessment points hang off its nodes.
    pub parts: Vec<Part>,
}

/// Text in both languages the catalog is written in.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    /// The text in `lang` (`zh` or `en`; anything else gives English).
    pub fn get(&self, lang: &str) -> &str {
        if lang == "zh" { &self.zh } else { &self.en }
    }
}

/// A node of a standard's tree: a category, item or evaluation content.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Part {
    /// Dotted id: the parent's id (or the standard's), a dot, a slug.
    pub id: String,
    pub title: Text,
    /// The level the part's points belong to; points may override.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub level: Option<Level>,
    /// Data-protection phase (事前 / 事中 / 事后).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub phase: Option<Phase>,
    /// SOC side: platform capability or personnel capability.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub side: Option<Side>,
    pub provenance: Provenance,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub points: Vec<Point>,
}

/// One assessment point: a testable requirement and what proves it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Point {
    /// Dotted id: the enclosing part's id, a dot, a slug.
    pub id: String,
    pub title: Text,
    /// What must be true; one or two testable sentences.
    pub statement: Text,
    /// The lowest level that requires the point.
    pub level: Level,
    /// Relative importance, 1 to 5.
    pub weight: u8,
    /// The variants the point applies to; empty means all of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<String>,
    pub public_text: bool,
    /// What proves the point; at least one entry.
    pub evidence: Vec<EvidenceSpec>,
    /// Public control texts the point paraphrases or corresponds to.
    pub grounding: Vec<Grounding>,
}

impl Point {
    /// The automatic check ids among the point's evidence.
    pub fn check_ids(&self) -> impl Iterator<Item = &str> {
        self.evidence.iter().filter_map(|e| e.check.as_deref())
    }

    /// Whether the point is required at `level`.
    pub fn applies_at(&self, level: Level) -> bool {
        self.level <= level
    }
}

/// One kind of evidence that proves a point.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EvidenceSpec {
    pub kind: EvidenceKind,
    /// The automatic check id; present exactly when `kind` is `check`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub check: Option<String>,
    pub description: Text,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// An automatic check (host scan, log or detection check, platform state).
    Check,
    Document,
    Configuration,
    Interview,
    Record,
    Test,
}

/// A public control text a point corresponds to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(deny_unknown_fields)]
pub struct Grounding {
    /// An id from `sources.yaml`.
    pub source: String,
    /// An identifier in that source: control id, clause, section title or concept.
    #[serde(rename = "ref")]
    pub reference: String,
    /// Our point relative to the reference.
    pub relation: Relation,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    Equal,
    Subset,
    Superset,
    Intersect,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// 事前防范
    Before,
    /// 事中保护
    During,
    /// 事后追溯
    After,
}

impl Phase {
    pub const ALL: [Phase; 3] = [Phase::Before, Phase::During, Phase::After];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Before => "before",
            Phase::During => "during",
            Phase::After => "after",
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Platform,
    Personnel,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Platform => "platform",
            Side::Personnel => "personnel",
        }
    }
}

/// Where a part's name comes from.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    /// The name appears in the working group's seed text.
    Seed,
    /// Kexin added the part; the standard's `notes` say why.
    Kexin,
}

/// A public source that groundings cite: one entry of `sources.yaml`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub id: String,
    pub title: SourceTitle,
    pub publisher: String,
    pub year: u16,
    pub kind: SourceKind,
}

/// A source's title; international sources have no official Chinese title.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SourceTitle {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub zh: Option<String>,
    pub en: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    NationalStandard,
    InternationalStandard,
    Framework,
    Benchmark,
}

/// An automatic check: one entry of `checks.yaml`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CheckDef {
    /// `<scanner>.<area>.<slug>`, e.g. `host.ssh.host-key-strength`.
    pub id: String,
    /// The second segment of the id.
    pub area: String,
    pub title: Text,
    /// What the check inspects and when it passes.
    pub what: String,
}

/// For optional keys: absent gives `None` (through `#[serde(default)]`),
/// present must hold a value (`null` is refused).
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grounding_ref_keeps_its_yaml_name() {
        let g = Grounding {
            source: "nist-800-53r5".into(),
            reference: "AC-2".into(),
            relation: Relation::Intersect,
        };
        let json = serde_json::to_value(&g).unwrap();
        assert_eq!(json["ref"], "AC-2");
        assert_eq!(json["relation"], "intersect");
    }

    #[test]
    fn text_picks_the_language() {
        let t = Text {
            zh: "密钥".into(),
            en: "key".into(),
        };
        assert_eq!(t.get("zh"), "密钥");
        assert_eq!(t.get("en"), "key");
        assert_eq!(t.get("fr"), "key");
    }

    #[test]
    fn source_kinds_are_kebab_case() {
        let k: SourceKind = serde_json::from_str("\"national-standard\"").unwrap();
        assert_eq!(k, SourceKind::NationalStandard);
    }
}
