//! MISP feeds: a directory with `manifest.json` (event uuid → summary) and
//! one `<uuid>.json` per event, as MISP's "feed" export and its feed
//! consumers lay them out.
//!
//! The manifest is authoritative: the events it lists are read, a listed
//! event whose file is missing is rejected, files it does not list are left
//! alone. `hashes.csv` (MD5s of attribute values that MISP keeps for its own
//! correlation) adds nothing the event files do not say, so it is not read.
//!
//! Attributes (of the event and of its objects) become indicators when
//! `to_ids` is true and they are not `deleted`: `ip-src`, `ip-dst` (and their
//! `|port` forms: the port is dropped, the address is the indicator),
//! `domain` (with subdomains), `hostname` (exact; `hostname|port` too),
//! `domain|ip` (both), `url`, `md5`, `sha1`, `sha256`, `sha512` and their
//! `filename|…` forms. Other types are counted in the report by type.
//!
//! The source is the creator organisation (`Orgc.name`, else `Org.name`),
//! the context the event `info`, labels the event and attribute tags and the
//! attribute category. MISP has no confidence; the event's threat level is
//! mapped onto the STIX 2.1 "None/Low/Med/High" scale: high 85, medium 50,
//! low 15, undefined none.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use crate::indicator::{HashAlgo, Indicator, IndicatorValue};
use crate::report::{Format, LoadError, LoadReport, Loaded, Location};
use crate::value::{self, UrlKey, ValueError};

/// Loads the feed in `dir`.
pub fn load_feed(dir: &Path) -> Result<Loaded, LoadError> {
    let manifest_path = dir.join("manifest.json");
    let text =
        std::fs::read_to_string(&manifest_path).map_err(|e| LoadError::io(&manifest_path, e))?;
    let manifest: Value =
        serde_json::from_str(&text).map_err(|e| LoadError::json(&manifest_path, &e))?;
    let Some(manifest) = manifest.as_object() else {
        return Err(LoadError::shape(
            Location::file(&manifest_path),
            "a MISP manifest is a JSON object of event uuid → event summary",
        ));
    };
    let mut report = LoadReport::new(dir, Format::MispFeed);
    let mut indicators = Vec::new();
    let uuids: BTreeMap<&str, &Value> = manifest.iter().map(|(k, v)| (k.as_str(), v)).collect();
    for uuid in uuids.keys() {
        if !is_uuid(uuid) {
            report.reject(
                Location::json(&manifest_path, format!("\"{uuid}\"")),
                "event key is not a uuid",
            );
            continue;
        }
        let event_path = dir.join(format!("{uuid}.json"));
        let text = match std::fs::read_to_string(&event_path) {
            Ok(t) => t,
            Err(e) => {
                report.reject(
                    Location::json(&manifest_path, format!("\"{uuid}\"")),
                    format!("event file {}: {e}", event_path.display()),
                );
                continue;
            }
        };
        match parse_event(&text, &event_path, &mut report) {
            Ok(mut found) => indicators.append(&mut found),
            Err(e) => report.reject(Location::file(&event_path), e.to_string()),
        }
    }
    Ok(Loaded::finish(indicators, report))
}

/// Loads one MISP event file (`{"Event": {…}}`); record problems go to
/// `report`, a file that is not an event at all is an error.
pub fn parse_event(
    text: &str,
    file: &Path,
    report: &mut LoadReport,
) -> Result<Vec<Indicator>, LoadError> {
    let doc: Value = serde_json::from_str(text).map_err(|e| LoadError::json(file, &e))?;
    let Some(event) = doc.get("Event").and_then(Value::as_object) else {
        return Err(LoadError::shape(
            Location::file(file).field("Event"),
            "a MISP event file is `{\"Event\": {…}}`",
        ));
    };
    let org = |key: &str| {
        event
            .get(key)
            .and_then(|o| o.get("name"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let source = org("Orgc")
        .or_else(|| org("Org"))
        .unwrap_or_else(|| "MISP".to_owned());
    let confidence = match scalar(event.get("threat_level_id")).as_deref() {
        Some("1") => Some(85),
        Some("2") => Some(50),
        Some("3") => Some(15),
        Some("4") | None => None,
        Some(other) => {
            report.reject(
                Location::json(file, "Event").field("threat_level_id"),
                format!("`{other}` is not a threat level (1 high, 2 medium, 3 low, 4 undefined)"),
            );
            None
        }
    };
    let event_uuid = event.get("uuid").and_then(Value::as_str).unwrap_or("");
    let ctx = EventContext {
        file,
        source,
        confidence,
        info: event.get("info").and_then(Value::as_str).map(str::to_owned),
        tags: tags(event),
        event_uuid,
    };
    let mut out = Vec::new();
    if let Some(attrs) = event.get("Attribute") {
        ctx.attributes(attrs, "Event.Attribute", &mut out, report);
    }
    if let Some(Value::Array(objects)) = event.get("Object") {
        for (i, obj) in objects.iter().enumerate() {
            if obj.get("deleted").and_then(Value::as_bool) == Some(true) {
                report.skip("deleted");
                continue;
            }
            if let Some(attrs) = obj.get("Attribute") {
                ctx.attributes(
                    attrs,
                    &format!("Event.Object[{i}].Attribute"),
                    &mut out,
                    report,
                );
            }
        }
    }
    Ok(out)
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// MISP writes numbers and booleans as strings in some versions.
fn scalar(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn flag(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "1" || s == "true" => Some(true),
        Value::String(s) if s == "0" || s == "false" => Some(false),
        Value::Number(n) => n.as_u64().map(|n| n != 0),
        _ => None,
    }
}

fn tags(obj: &Map<String, Value>) -> Vec<String> {
    obj.get("Tag")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("name").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

struct EventContext<'a> {
    file: &'a Path,
    source: String,
    confidence: Option<u8>,
    info: Option<String>,
    tags: Vec<String>,
    event_uuid: &'a str,
}

impl EventContext<'_> {
    fn attributes(
        &self,
        attrs: &Value,
        at: &str,
        out: &mut Vec<Indicator>,
        report: &mut LoadReport,
    ) {
        let Some(attrs) = attrs.as_array() else {
            report.reject(
                Location::json(self.file, at),
                "must be a list of attributes",
            );
            return;
        };
        for (i, attr) in attrs.iter().enumerate() {
            let at = format!("{at}[{i}]");
            let Some(attr) = attr.as_object() else {
                report.reject(Location::json(self.file, at), "not a JSON object");
                continue;
            };
            if flag(attr.get("deleted")) == Some(true) {
                report.skip("deleted");
                continue;
            }
            let (Some(kind), Some(raw)) = (
                attr.get("type").and_then(Value::as_str),
                attr.get("value").and_then(Value::as_str),
            ) else {
                let field = if attr.get("type").and_then(Value::as_str).is_none() {
                    "type"
                } else {
                    "value"
                };
                report.reject(
                    Location::json(self.file, at).field(field),
                    "missing or not a string",
                );
                continue;
            };
            match flag(attr.get("to_ids")) {
                Some(true) => {}
                Some(false) => {
                    report.skip("to_ids false");
                    continue;
                }
                None => {
                    report.reject(
                        Location::json(self.file, at).field("to_ids"),
                        "missing or not a boolean",
                    );
                    continue;
                }
            }
            let values = match attribute_values(kind, raw) {
                Some(Ok(v)) => v,
                Some(Err(e)) => {
                    report.reject(Location::json(self.file, at).field("value"), e.to_string());
                    continue;
                }
                None => {
                    report.skip(format!("type {kind}"));
                    continue;
                }
            };
            let id = attr
                .get("uuid")
                .and_then(Value::as_str)
                .map_or_else(|| format!("{}/{at}", self.event_uuid), str::to_owned);
            let mut labels = self.tags.clone();
            for t in tags(attr) {
                if !labels.contains(&t) {
                    labels.push(t);
                }
            }
            if let Some(cat) = attr.get("category").and_then(Value::as_str) {
                labels.push(format!("misp-category:{cat}"));
            }
            for value in values {
                out.push(Indicator {
                    id: id.clone(),
                    value,
                    source: self.source.clone(),
                    confidence: self.confidence,
                    labels: labels.clone(),
                    context: self.info.clone(),
                    valid_from: None,
                    valid_until: None,
                    revoked: false,
                });
            }
        }
    }
}

/// The indicator values of one attribute; `None` for a type Kexin does not
/// match on.
pub fn attribute_values(kind: &str, raw: &str) -> Option<Result<Vec<IndicatorValue>, ValueError>> {
    let raw = value::refang(raw);
    let ip = |v: &str| value::parse_ip_or_cidr(v).map(IndicatorValue::Ip);
    let hash =
        |v: &str, a| value::normalize_hash(v, Some(a)).map(|(a, h)| IndicatorValue::Hash(a, h));
    let after_bar = |v: &str| v.split_once('|').map_or(v, |(_, h)| h).to_owned();
    let before_bar = |v: &str| v.split_once('|').map_or(v, |(h, _)| h).to_owned();
    let algo = |t: &str| match t {
        "md5" => Some(HashAlgo::Md5),
        "sha1" => Some(HashAlgo::Sha1),
        "sha256" => Some(HashAlgo::Sha256),
        "sha512" => Some(HashAlgo::Sha512),
        _ => None,
    };
    let one = |r: Result<IndicatorValue, ValueError>| Some(r.map(|v| vec![v]));
    match kind {
        "ip-src" | "ip-dst" => one(ip(&raw)),
        "ip-src|port" | "ip-dst|port" => one(ip(&before_bar(&raw))),
        "domain" => one(value::normalize_domain(&raw, 2).map(IndicatorValue::Domain)),
        "hostname" => one(value::normalize_domain(&raw, 2).map(IndicatorValue::Hostname)),
        "hostname|port" => {
            one(value::normalize_domain(&before_bar(&raw), 2).map(IndicatorValue::Hostname))
        }
        "domain|ip" => {
            let (d, i) = raw.split_once('|').unwrap_or((&raw, ""));
            Some(
                value::normalize_domain(d, 2)
                    .map(IndicatorValue::Domain)
                    .and_then(|d| Ok(vec![d, ip(i)?])),
            )
        }
        "url" => one(UrlKey::parse(&raw).map(IndicatorValue::Url)),
        k => {
            let a = algo(k.strip_prefix("filename|").unwrap_or(k))?;
            one(hash(&after_bar(&raw), a))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(kind: &str, raw: &str) -> Option<Result<Vec<String>, ValueError>> {
        attribute_values(kind, raw)
            .map(|r| r.map(|v| v.iter().map(|x| format!("{}:{x}", x.kind())).collect()))
    }

    #[test]
    fn attribute_types() {
        assert_eq!(
            values("ip-dst|port", "192.0.2.1|443"),
            Some(Ok(vec!["ipv4:192.0.2.1".into()]))
        );
        assert_eq!(
            values("ip-src", "2001:db8::/48"),
            Some(Ok(vec!["ipv6:2001:db8::/48".into()]))
        );
        assert_eq!(
            values("domain|ip", "evil.example|192.0.2.5"),
            Some(Ok(vec![
                "domain:evil.example".into(),
                "ipv4:192.0.2.5".into()
            ]))
        );
        assert_eq!(
            values("hostname|port", "c2.evil.example|8080"),
            Some(Ok(vec!["hostname:c2.evil.example".into()]))
        );
        let sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(
            values(
                "filename|sha256",
                &format!("drop.exe|{}", sha.to_uppercase())
            ),
            Some(Ok(vec![format!("sha256:{sha}")]))
        );
        assert!(matches!(values("sha1", sha), Some(Err(_))));
        assert!(matches!(values("domain|ip", "evil.example"), Some(Err(_))));
        assert_eq!(values("email-src", "a@b.example"), None);
        assert_eq!(values("filename", "drop.exe"), None);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in ".{0,200}") {
            let mut report = LoadReport::new(Path::new("e.json"), Format::MispFeed);
            let _ = parse_event(&s, Path::new("e.json"), &mut report);
        }

        #[test]
        fn every_attribute_is_accounted_for_once(
            attrs in proptest::collection::vec(
                (proptest::sample::select(vec!["ip-src", "ip-dst|port", "domain", "hostname", "url", "md5", "sha256", "filename|sha1", "email-src", "AS"]),
                 "[a-f0-9.:/|]{1,70}",
                 proptest::option::of(proptest::bool::ANY),
                 proptest::bool::ANY),
                0..10)
        ) {
            let list: Vec<serde_json::Value> = attrs.iter().enumerate().map(|(i, (t, v, ids, deleted))| {
                let mut a = serde_json::json!({"uuid": format!("attr-{i}"), "type": t, "value": v, "deleted": deleted});
                if let Some(ids) = ids {
                    a["to_ids"] = serde_json::json!(ids);
                }
                a
            }).collect();
            let doc = serde_json::json!({"Event": {"info": "p", "Attribute": list}});
            let mut report = LoadReport::new(Path::new("e.json"), Format::MispFeed);
            let found = parse_event(&doc.to_string(), Path::new("e.json"), &mut report).unwrap();
            let mut ids: Vec<&str> = found.iter().map(|i| i.id.as_str()).collect();
            ids.dedup();
            let skipped: usize = report.skipped.values().sum();
            proptest::prop_assert_eq!(ids.len() + skipped + report.rejected.len(), attrs.len());
            for (i, (_, _, to_ids, deleted)) in attrs.iter().enumerate() {
                if *deleted || *to_ids != Some(true) {
                    let id = format!("attr-{i}");
                    proptest::prop_assert!(!ids.contains(&id.as_str()));
                }
            }
        }
    }

    #[test]
    fn uuids() {
        assert!(is_uuid("5f1b3c2e-0a4d-4e6f-9b1a-2c3d4e5f6a7b"));
        assert!(!is_uuid("5f1b3c2e-0a4d-4e6f-9b1a-2c3d4e5f6a7"));
        assert!(!is_uuid("../../../../etc/passwd-xxxxxxxxxxxxxx"));
    }
}
