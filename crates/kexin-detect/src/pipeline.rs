//! Processing pipelines: how rules written in Sigma's field names meet the
//! field names of our events, and how an event gets its Sigma logsource.
//!
//! The YAML format is a subset of pySigma's processing pipelines plus two
//! keys for the event side (pySigma only rewrites queries; we also have to
//! route events):
//!
//! ```yaml
//! name: windows-evtx-json
//! timestamp_field: Event.System.TimeCreated.#attributes.SystemTime
//! logsource_parents:              # an event of the child also gets the parent's rules
//!   category: {registry_set: registry_event}
//!   service: {sshd: auth}
//! event_logsource:                # every matching entry fills the keys still unset
//!   - when: {Event.System.Channel: Security}
//!     set: {product: windows, service: security}
//! transformations:                # applied in order to every rule field name
//!   - type: field_name_mapping    # name → path, or → list of paths (first present wins)
//!     mapping: {EventID: Event.System.EventID, Image: [Event.EventData.Image, Event.EventData.NewProcessName]}
//!     rule_conditions: [{type: logsource, product: windows}]
//!   - type: field_name_prefix     # fields no earlier transformation mapped;
//!     prefix: [Event.EventData., Event.UserData.*.]   # several: first present wins
//!     rule_conditions: [{type: logsource, product: windows}]
//! ```
//!
//! `rule_conditions` are AND-linked; a `logsource` condition holds when every
//! key it names equals the rule's.

use crate::event::{EventFields, NumBuf};
use kexin_sigma::LogSource;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Built-in pipeline for Windows events converted from EVTX to JSON
/// (`Event.System.*`, `Event.EventData.*`), as in SigmaHQ's regression data.
pub const WINDOWS_EVTX_JSON: &str = include_str!("../pipelines/windows_evtx_json.yml");
/// The built-in CloudTrail JSON pipeline's YAML.
pub const AWS_CLOUDTRAIL_JSON: &str = include_str!("../pipelines/aws_cloudtrail_json.yml");
/// The built-in flat Windows JSON pipeline's YAML.
pub const WINDOWS_FLAT_JSON: &str = include_str!("../pipelines/windows_flat_json.yml");
/// Built-in pipeline for `kexin_logs::Event`s (Linux syslog/auth, CloudTrail,
/// Kubernetes audit).
pub const KEXIN_LOGS: &str = include_str!("../pipelines/kexin_logs.yml");

/// Entries `event_logsource` may hold (they are evaluated as one bit set).
pub const MAX_DERIVATIONS: usize = 128;

/// A pipeline definition could not be read.
#[derive(Debug, thiserror::Error)]
#[error("pipeline {source_name}: {message}")]
pub struct PipelineError {
    pub source_name: String,
    pub message: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Scalar {
    Str(String),
    Int(i64),
    Bool(bool),
}

impl Scalar {
    fn text(&self) -> String {
        match self {
            Scalar::Str(s) => s.clone(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Bool(b) => b.to_string(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum ScalarOrList {
    One(Scalar),
    Many(Vec<Scalar>),
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogsourceSpec {
    product: Option<String>,
    category: Option<String>,
    service: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleConditionSpec {
    #[serde(rename = "type")]
    kind: String,
    product: Option<String>,
    category: Option<String>,
    service: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TransformationSpec {
    #[serde(rename = "type")]
    kind: String,
    id: Option<String>,
    mapping: Option<BTreeMap<String, OneOrMany>>,
    prefix: Option<OneOrMany>,
    #[serde(default)]
    rule_conditions: Vec<RuleConditionSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct DerivationSpec {
    when: BTreeMap<String, ScalarOrList>,
    set: LogsourceSpec,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ParentsSpec {
    #[serde(default)]
    category: BTreeMap<String, String>,
    #[serde(default)]
    service: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PipelineSpec {
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    timestamp_field: Option<String>,
    #[serde(default)]
    logsource_parents: ParentsSpec,
    #[serde(default)]
    event_logsource: Vec<DerivationSpec>,
    #[serde(default)]
    transformations: Vec<TransformationSpec>,
}

/// Which rules a transformation applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LogsourceCondition {
    product: Option<String>,
    category: Option<String>,
    service: Option<String>,
}

impl LogsourceCondition {
    fn holds(&self, ls: &LogSource) -> bool {
        let eq = |want: &Option<String>, have: &Option<String>| {
            want.as_ref().is_none_or(|w| have.as_ref() == Some(w))
        };
        eq(&self.product, &ls.product)
            && eq(&self.category, &ls.category)
            && eq(&self.service, &ls.service)
    }
}

#[derive(Debug, Clone)]
enum Transformation {
    Mapping(BTreeMap<String, Vec<String>>),
    /// Prefixes; several give alternatives (first present wins).
    Prefix(Vec<String>),
}

#[derive(Debug, Clone)]
struct Step {
    transformation: Transformation,
    conditions: Vec<LogsourceCondition>,
}

/// One field read by `event_logsource`: for each text the field may hold,
/// the entries accepting it (bit i = entry i), and the entries that do not
/// look at the field at all.
#[derive(Debug, Clone, Default)]
struct DerivationField {
    name: String,
    accept: std::collections::HashMap<String, u128>,
    free: u128,
}

/// A compiled processing pipeline.
#[derive(Debug, Clone)]
pub struct Pipeline {
    pub name: String,
    pub description: Option<String>,
    /// Event field holding the event time (RFC 3339 text).
    pub timestamp_field: Option<String>,
    steps: Vec<Step>,
    derivation_fields: Vec<DerivationField>,
    /// `set` of each `event_logsource` entry: product, category, service.
    derivations: Vec<[Option<String>; 3]>,
    category_parents: BTreeMap<String, String>,
    service_parents: BTreeMap<String, String>,
}

/// The Sigma logsource of an event (owned; derived per event).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct EventLogsource {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
}

impl EventLogsource {
    pub fn new(product: Option<&str>, category: Option<&str>, service: Option<&str>) -> Self {
        Self {
            product: product.map(str::to_string),
            category: category.map(str::to_string),
            service: service.map(str::to_string),
        }
    }
}

/// An event's logsource, borrowed (what routing needs, without allocating).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogsourceRef<'a> {
    pub product: Option<&'a str>,
    pub category: Option<&'a str>,
    pub service: Option<&'a str>,
}

impl LogsourceRef<'_> {
    pub fn to_owned(&self) -> EventLogsource {
        EventLogsource::new(self.product, self.category, self.service)
    }
}

impl<'a> From<&'a kexin_logs::Logsource> for LogsourceRef<'a> {
    fn from(l: &'a kexin_logs::Logsource) -> Self {
        LogsourceRef {
            product: l.product,
            category: l.category,
            service: l.service,
        }
    }
}

impl<'a> From<&'a EventLogsource> for LogsourceRef<'a> {
    fn from(l: &'a EventLogsource) -> Self {
        LogsourceRef {
            product: l.product.as_deref(),
            category: l.category.as_deref(),
            service: l.service.as_deref(),
        }
    }
}

impl Pipeline {
    /// Parse a pipeline from YAML. `source_name` is used in errors.
    pub fn from_yaml(text: &str, source_name: &str) -> Result<Pipeline, PipelineError> {
        let err = |message: String| PipelineError {
            source_name: source_name.to_string(),
            message,
        };
        let spec: PipelineSpec = serde_saphyr::from_str(text).map_err(|e| err(e.to_string()))?;
        let mut steps = Vec::new();
        for (i, t) in spec.transformations.into_iter().enumerate() {
            let at = format!(
                "transformations[{i}]{}",
                t.id.as_deref()
                    .map(|id| format!(" ({id})"))
                    .unwrap_or_default()
            );
            let transformation = match t.kind.as_str() {
                "field_name_mapping" => Transformation::Mapping(
                    t.mapping
                        .ok_or_else(|| err(format!("{at}: field_name_mapping needs 'mapping'")))?
                        .into_iter()
                        .map(|(k, v)| (k, v.into_vec()))
                        .collect(),
                ),
                "field_name_prefix" => Transformation::Prefix(
                    t.prefix
                        .ok_or_else(|| err(format!("{at}: field_name_prefix needs 'prefix'")))?
                        .into_vec(),
                ),
                other => {
                    return Err(err(format!(
                        "{at}: unsupported transformation type '{other}' (supported: field_name_mapping, field_name_prefix)"
                    )));
                }
            };
            let mut conditions = Vec::new();
            for (j, c) in t.rule_conditions.into_iter().enumerate() {
                if c.kind != "logsource" {
                    return Err(err(format!(
                        "{at}.rule_conditions[{j}]: unsupported condition type '{}' (supported: logsource)",
                        c.kind
                    )));
                }
                conditions.push(LogsourceCondition {
                    product: c.product,
                    category: c.category,
                    service: c.service,
                });
            }
            steps.push(Step {
                transformation,
                conditions,
            });
        }
        if spec.event_logsource.len() > MAX_DERIVATIONS {
            return Err(err(format!(
                "event_logsource has {} entries; at most {MAX_DERIVATIONS} are supported",
                spec.event_logsource.len()
            )));
        }
        let mut derivation_fields: Vec<DerivationField> = Vec::new();
        let mut derivations = Vec::new();
        for (i, d) in spec.event_logsource.iter().enumerate() {
            let bit = 1u128 << i;
            for (field, values) in &d.when {
                if !derivation_fields.iter().any(|f| f.name == *field) {
                    derivation_fields.push(DerivationField {
                        name: field.clone(),
                        // every earlier entry does not constrain this field
                        free: bit - 1,
                        ..Default::default()
                    });
                }
                let f = derivation_fields
                    .iter_mut()
                    .find(|f| f.name == *field)
                    .expect("just inserted");
                let values = match values {
                    ScalarOrList::One(s) => vec![s.text()],
                    ScalarOrList::Many(v) => v.iter().map(Scalar::text).collect(),
                };
                for v in values {
                    *f.accept.entry(v).or_default() |= bit;
                }
            }
            for f in &mut derivation_fields {
                if !d.when.contains_key(&f.name) {
                    f.free |= bit;
                }
            }
            derivations.push([
                d.set.product.clone(),
                d.set.category.clone(),
                d.set.service.clone(),
            ]);
        }
        Ok(Pipeline {
            name: spec.name,
            description: spec.description,
            timestamp_field: spec.timestamp_field,
            steps,
            derivation_fields,
            derivations,
            category_parents: spec.logsource_parents.category,
            service_parents: spec.logsource_parents.service,
        })
    }

    /// The built-in Windows EVTX-as-JSON pipeline.
    pub fn windows_evtx_json() -> Pipeline {
        Pipeline::from_yaml(WINDOWS_EVTX_JSON, "windows_evtx_json.yml")
            .expect("built-in pipeline is valid")
    }

    /// The built-in pipeline for flat Windows JSON events (`Channel`,
    /// `EventID` and the event data at the top level).
    pub fn windows_flat_json() -> Pipeline {
        Pipeline::from_yaml(WINDOWS_FLAT_JSON, "windows_flat_json.yml")
            .expect("built-in pipeline is valid")
    }

    /// The built-in pipeline for CloudTrail records as JSON lines.
    pub fn aws_cloudtrail_json() -> Pipeline {
        Pipeline::from_yaml(AWS_CLOUDTRAIL_JSON, "aws_cloudtrail_json.yml")
            .expect("built-in pipeline is valid")
    }

    /// The built-in pipeline for `kexin_logs` events.
    pub fn kexin_logs() -> Pipeline {
        Pipeline::from_yaml(KEXIN_LOGS, "kexin_logs.yml").expect("built-in pipeline is valid")
    }

    /// Event paths a rule field name maps to (first present wins). Fields no
    /// transformation touches map to themselves.
    pub fn map_field(&self, field: &str, rule_logsource: &LogSource) -> Vec<String> {
        let mut current = vec![field.to_string()];
        let mut mapped = false;
        for step in &self.steps {
            if !step.conditions.iter().all(|c| c.holds(rule_logsource)) {
                continue;
            }
            match &step.transformation {
                Transformation::Mapping(m) => {
                    let mut next = Vec::new();
                    let mut hit = false;
                    for f in &current {
                        match m.get(f) {
                            Some(targets) => {
                                hit = true;
                                next.extend(targets.iter().cloned());
                            }
                            None => next.push(f.clone()),
                        }
                    }
                    if hit {
                        mapped = true;
                        current = next;
                    }
                }
                Transformation::Prefix(prefixes) if !mapped => {
                    current = current
                        .iter()
                        .flat_map(|f| prefixes.iter().map(move |p| format!("{p}{f}")))
                        .collect();
                    mapped = true;
                }
                Transformation::Prefix(_) => {}
            }
        }
        current
    }

    /// Derive an event's logsource from its fields (`event_logsource`):
    /// each field is read once and compared exactly (no allocation).
    pub fn derive_logsource<E: EventFields + ?Sized>(&self, event: &E) -> Option<LogsourceRef<'_>> {
        if self.derivations.is_empty() {
            return None;
        }
        let mut holds: u128 = if self.derivations.len() == 128 {
            u128::MAX
        } else {
            (1u128 << self.derivations.len()) - 1
        };
        for f in &self.derivation_fields {
            let mut accepted = 0u128;
            event.lookup(&f.name, &mut |v| {
                let mut buf = NumBuf::default();
                if let Some(t) = v.text(&mut buf) {
                    accepted |= f.accept.get(t).copied().unwrap_or(0);
                }
                false
            });
            holds &= f.free | accepted;
            if holds == 0 {
                return None;
            }
        }
        let mut out: [Option<&str>; 3] = [None; 3];
        for (i, set) in self.derivations.iter().enumerate() {
            if holds & (1u128 << i) != 0 {
                for (slot, value) in out.iter_mut().zip(set) {
                    if slot.is_none() {
                        *slot = value.as_deref();
                    }
                }
            }
        }
        let [product, category, service] = out;
        Some(LogsourceRef {
            product,
            category,
            service,
        })
    }

    /// `logsource_parents` (categories, then services) as child → parent.
    pub(crate) fn parents(&self) -> impl Iterator<Item = (&str, &str)> {
        self.category_parents
            .iter()
            .chain(&self.service_parents)
            .map(|(c, p)| (c.as_str(), p.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ls(product: &str, category: Option<&str>, service: Option<&str>) -> LogSource {
        LogSource {
            product: Some(product.into()),
            category: category.map(Into::into),
            service: service.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn builtins_parse_and_map() {
        let w = Pipeline::windows_evtx_json();
        let pc = ls("windows", Some("process_creation"), None);
        assert_eq!(w.map_field("EventID", &pc), vec!["Event.System.EventID"]);
        assert_eq!(
            w.map_field("CommandLine", &pc),
            vec![
                "Event.EventData.CommandLine",
                "Event.UserData.*.CommandLine"
            ]
        );
        assert_eq!(
            w.map_field("Image", &pc),
            vec!["Event.EventData.Image", "Event.EventData.NewProcessName"]
        );
        assert_eq!(
            w.map_field("Image", &ls("linux", None, None)),
            vec!["Image"]
        );
        let l = Pipeline::kexin_logs();
        assert!(l.parents().any(|p| p == ("sshd", "auth")));
    }

    #[test]
    fn derivation() {
        let w = Pipeline::windows_evtx_json();
        let ev = serde_json::json!({"Event": {"System": {"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 13}}});
        assert_eq!(
            w.derive_logsource(&ev).map(|l| l.to_owned()),
            Some(EventLogsource::new(
                Some("windows"),
                Some("registry_set"),
                Some("sysmon")
            ))
        );
        let ev = serde_json::json!({"Event": {"System": {"Channel": "Security", "EventID": 4688}}});
        assert_eq!(
            w.derive_logsource(&ev).map(|l| l.to_owned()),
            Some(EventLogsource::new(
                Some("windows"),
                Some("process_creation"),
                Some("security")
            ))
        );
        assert_eq!(w.derive_logsource(&serde_json::json!({"x": 1})), None);
    }

    #[test]
    fn errors_name_the_problem() {
        let e = Pipeline::from_yaml("name: x\ntransformations:\n  - type: drop_field\n", "p.yml")
            .unwrap_err();
        assert!(
            e.to_string().contains(
                "p.yml: transformations[0]: unsupported transformation type 'drop_field'"
            ),
            "{e}"
        );
        let e = Pipeline::from_yaml("name: x\nbogus: 1\n", "p.yml").unwrap_err();
        assert!(e.to_string().starts_with("pipeline p.yml: "), "{e}");
        let e = Pipeline::from_yaml(
            "name: x\ntransformations:\n  - type: field_name_prefix\n",
            "p.yml",
        )
        .unwrap_err();
        assert!(e.to_string().contains("needs 'prefix'"), "{e}");
    }
}
