//! STIX 2.1 bundles: `indicator` objects with STIX patterns become
//! [`Indicator`]s; `identity` objects name their sources.
//!
//! A pattern becomes indicators when it is a disjunction of single-value
//! tests Kexin can match on one observable: `=` (or `IN (…)`) on
//! `ipv4-addr:value`, `ipv6-addr:value` (addresses or CIDRs; `ISSUBSET` too),
//! `domain-name:value`, `url:value` and `file:hashes.<MD5|SHA-1|SHA-256|SHA-512>`,
//! joined with `OR` inside one observation or between observations. `AND`
//! between hashes of the same `file` is accepted too: each hash identifies
//! that file on its own. Everything else — `AND` across objects or
//! properties, `FOLLOWEDBY`, qualifiers, `MATCHES`, `LIKE`, `NOT`, other
//! object paths, other `pattern_type`s — is listed in
//! [`LoadReport::unsupported`](crate::LoadReport::unsupported) with the
//! indicator id.

pub mod pattern;

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::indicator::{HashAlgo, Indicator, IndicatorValue};
use crate::report::{Format, LoadError, LoadReport, Loaded, Location, Unsupported};
use crate::value::{self, UrlKey};
use pattern::{Comparison, Literal, Observation, Operator, PropertyTest, Test};

/// Reads and loads a STIX 2.1 bundle file.
pub fn load_bundle(path: &Path) -> Result<Loaded, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|e| LoadError::io(path, e))?;
    parse_bundle(&text, path)
}

/// Loads a STIX 2.1 bundle from its text; `file` is used in locations.
pub fn parse_bundle(text: &str, file: &Path) -> Result<Loaded, LoadError> {
    let doc: Value = serde_json::from_str(text).map_err(|e| LoadError::json(file, &e))?;
    let Some(bundle) = doc.as_object() else {
        return Err(LoadError::shape(
            Location::file(file),
            "a STIX bundle is a JSON object",
        ));
    };
    if bundle.get("type").and_then(Value::as_str) != Some("bundle") {
        return Err(LoadError::shape(
            Location::file(file).field("type"),
            "expected `\"type\": \"bundle\"`",
        ));
    }
    let objects = match bundle.get("objects") {
        None => &Vec::new(),
        Some(Value::Array(a)) => a,
        Some(_) => {
            return Err(LoadError::shape(
                Location::file(file).field("objects"),
                "`objects` must be an array",
            ));
        }
    };
    let identities: HashMap<&str, &str> = objects
        .iter()
        .filter_map(Value::as_object)
        .filter(|o| o.get("type").and_then(Value::as_str) == Some("identity"))
        .filter_map(|o| Some((o.get("id")?.as_str()?, o.get("name")?.as_str()?)))
        .collect();
    let default_source = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut report = LoadReport::new(file, Format::StixBundle);
    let mut indicators = Vec::new();
    for (i, obj) in objects.iter().enumerate() {
        let at = format!("objects[{i}]");
        let Some(obj) = obj.as_object() else {
            report.reject(Location::json(file, at), "not a JSON object");
            continue;
        };
        match obj.get("type").and_then(Value::as_str) {
            Some("indicator") => {}
            Some("identity") => continue,
            Some(other) => {
                report.skip(format!("object type {other}"));
                continue;
            }
            None => {
                report.reject(
                    Location::json(file, at).field("type"),
                    "missing or not a string",
                );
                continue;
            }
        }
        let ctx = IndicatorContext {
            file,
            at: &at,
            identities: &identities,
            default_source: &default_source,
        };
        match ctx.indicator(obj) {
            Ok(Ok(mut found)) => indicators.append(&mut found),
            Ok(Err(unsupported)) => report.unsupported.push(unsupported),
            Err((location, reason)) => report.reject(location, reason),
        }
    }
    Ok(Loaded::finish(indicators, report))
}

struct IndicatorContext<'a> {
    file: &'a Path,
    at: &'a str,
    identities: &'a HashMap<&'a str, &'a str>,
    default_source: &'a str,
}

type Rejection = (Location, String);

impl IndicatorContext<'_> {
    fn loc(&self, field: &str) -> Location {
        Location::json(self.file, self.at).field(field)
    }

    fn string<'o>(
        &self,
        obj: &'o Map<String, Value>,
        key: &str,
    ) -> Result<Option<&'o str>, Rejection> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err((self.loc(key), "must be a string".into())),
        }
    }

    fn required(&self, obj: &Map<String, Value>, key: &str) -> Result<String, Rejection> {
        self.string(obj, key)?
            .map(str::to_owned)
            .ok_or_else(|| (self.loc(key), "missing".into()))
    }

    fn timestamp(
        &self,
        obj: &Map<String, Value>,
        key: &str,
    ) -> Result<Option<OffsetDateTime>, Rejection> {
        self.string(obj, key)?
            .map(|s| {
                OffsetDateTime::parse(s, &Rfc3339).map_err(|e| {
                    (
                        self.loc(key),
                        format!("`{s}` is not an RFC 3339 timestamp: {e}"),
                    )
                })
            })
            .transpose()
    }

    fn strings(
        &self,
        obj: &Map<String, Value>,
        key: &str,
        out: &mut Vec<String>,
    ) -> Result<(), Rejection> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(()),
            Some(Value::Array(items)) => {
                for item in items {
                    let s = item
                        .as_str()
                        .ok_or_else(|| (self.loc(key), "must be a list of strings".to_owned()))?;
                    if !out.iter().any(|l| l == s) {
                        out.push(s.to_owned());
                    }
                }
                Ok(())
            }
            Some(_) => Err((self.loc(key), "must be a list of strings".into())),
        }
    }

    /// The indicators of one `indicator` object, or why its pattern is not
    /// supported, or why the object is malformed.
    fn indicator(
        &self,
        obj: &Map<String, Value>,
    ) -> Result<Result<Vec<Indicator>, Unsupported>, Rejection> {
        let id = self.required(obj, "id")?;
        let pattern_text = self.required(obj, "pattern")?;
        let pattern_type = self.string(obj, "pattern_type")?.unwrap_or("stix");
        let valid_from = self.timestamp(obj, "valid_from")?;
        let valid_until = self.timestamp(obj, "valid_until")?;
        if let (Some(from), Some(until)) = (valid_from, valid_until)
            && until <= from
        {
            return Err((
                self.loc("valid_until"),
                "must be later than valid_from".into(),
            ));
        }
        let revoked = match obj.get("revoked") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err((self.loc("revoked"), "must be true or false".into())),
        };
        let confidence = match obj.get("confidence") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_u64()
                    .filter(|c| *c <= 100)
                    .and_then(|c| u8::try_from(c).ok())
                    .ok_or_else(|| {
                        (
                            self.loc("confidence"),
                            "must be an integer 0–100".to_owned(),
                        )
                    })?,
            ),
        };
        let mut labels = Vec::new();
        self.strings(obj, "indicator_types", &mut labels)?;
        self.strings(obj, "labels", &mut labels)?;
        let source = match self.string(obj, "created_by_ref")? {
            Some(r) => self.identities.get(r).copied().unwrap_or(r).to_owned(),
            None => self.default_source.to_owned(),
        };
        let context = self
            .string(obj, "name")?
            .or(self.string(obj, "description")?)
            .map(str::to_owned);
        let unsupported = |reason: String| Unsupported {
            indicator_id: id.clone(),
            location: self.loc("pattern"),
            pattern: pattern_text.clone(),
            reason,
        };
        if pattern_type != "stix" {
            return Ok(Err(unsupported(format!(
                "pattern_type `{pattern_type}` is not evaluated (only `stix`)"
            ))));
        }
        let parsed = pattern::parse(&pattern_text).map_err(|e| {
            (
                self.loc("pattern"),
                format!("STIX pattern syntax error {e}"),
            )
        })?;
        let mut values = Vec::new();
        match lower(&parsed, &mut values) {
            Ok(()) => {}
            Err(LowerError::Unsupported(reason)) => return Ok(Err(unsupported(reason))),
            Err(LowerError::Invalid(reason)) => return Err((self.loc("pattern"), reason)),
        }
        Ok(Ok(values
            .into_iter()
            .map(|value| Indicator {
                id: id.clone(),
                value,
                source: source.clone(),
                confidence,
                labels: labels.clone(),
                context: context.clone(),
                valid_from,
                valid_until,
                revoked,
            })
            .collect()))
    }
}

/// Why a parsed pattern yields no indicators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LowerError {
    /// Valid STIX that Kexin does not evaluate.
    Unsupported(String),
    /// A supported test with a value that is not what the path says (e.g. a
    /// malformed IP address in `ipv4-addr:value`).
    Invalid(String),
}

/// Turns a pattern into the indicator values it is the disjunction of (see
/// the module docs for what is supported); appends to `out`.
pub fn lower(obs: &Observation, out: &mut Vec<IndicatorValue>) -> Result<(), LowerError> {
    let unsupported = |s: &str| Err(LowerError::Unsupported(s.to_owned()));
    match obs {
        Observation::Comparison(c) => lower_comparison(c, out),
        Observation::Or(items) => items.iter().try_for_each(|o| lower(o, out)),
        Observation::And(_) => unsupported(
            "AND between observation expressions needs several observed objects together",
        ),
        Observation::FollowedBy(_) => {
            unsupported("FOLLOWEDBY needs an ordered sequence of observations")
        }
        Observation::Qualified(..) => {
            unsupported("observation qualifiers (WITHIN, REPEATS, START/STOP) are not evaluated")
        }
    }
}

fn lower_comparison(c: &Comparison, out: &mut Vec<IndicatorValue>) -> Result<(), LowerError> {
    match c {
        Comparison::Test(t) => lower_test(t, out),
        Comparison::Or(items) => items.iter().try_for_each(|c| lower_comparison(c, out)),
        Comparison::And(items) if items.iter().all(is_file_hash_equality) => {
            items.iter().try_for_each(|c| lower_comparison(c, out))
        }
        Comparison::And(_) => Err(LowerError::Unsupported(
            "AND across properties or objects in one observation is not evaluated".into(),
        )),
    }
}

fn is_file_hash_equality(c: &Comparison) -> bool {
    matches!(c, Comparison::Test(t)
        if t.path.object_type == "file"
            && !t.negated
            && matches!(t.test, Test::Compare(Operator::Eq, _))
            && t.path.keys().is_some_and(|k| k.len() == 2 && k[0] == "hashes"))
}

fn hash_algo(name: &str) -> Option<HashAlgo> {
    match name.to_ascii_uppercase().as_str() {
        "MD5" => Some(HashAlgo::Md5),
        "SHA-1" | "SHA1" => Some(HashAlgo::Sha1),
        "SHA-256" | "SHA256" => Some(HashAlgo::Sha256),
        "SHA-512" | "SHA512" => Some(HashAlgo::Sha512),
        _ => None,
    }
}

fn lower_test(t: &PropertyTest, out: &mut Vec<IndicatorValue>) -> Result<(), LowerError> {
    let path = t.path.to_string();
    let keys = t.path.keys().unwrap_or_default();
    let target: fn(&str) -> Result<IndicatorValue, LowerError> =
        match (t.path.object_type.as_str(), keys.as_slice()) {
            ("ipv4-addr", ["value"]) => |v| ip(v, true),
            ("ipv6-addr", ["value"]) => |v| ip(v, false),
            ("domain-name", ["value"]) => |v| {
                value::normalize_domain(&value::refang(v), 2)
                    .map(IndicatorValue::Domain)
                    .map_err(|e| LowerError::Invalid(e.to_string()))
            },
            ("url", ["value"]) => |v| {
                UrlKey::parse(&value::refang(v))
                    .map(IndicatorValue::Url)
                    .map_err(|e| LowerError::Invalid(e.to_string()))
            },
            ("file", ["hashes", algo]) => match hash_algo(algo) {
                Some(HashAlgo::Md5) => |v| hash(v, HashAlgo::Md5),
                Some(HashAlgo::Sha1) => |v| hash(v, HashAlgo::Sha1),
                Some(HashAlgo::Sha256) => |v| hash(v, HashAlgo::Sha256),
                Some(HashAlgo::Sha512) => |v| hash(v, HashAlgo::Sha512),
                None => {
                    return Err(LowerError::Unsupported(format!(
                        "hash algorithm in `{path}` is not supported (MD5, SHA-1, SHA-256, SHA-512)"
                    )));
                }
            },
            _ => {
                return Err(LowerError::Unsupported(format!(
                    "object path `{path}` is not supported"
                )));
            }
        };
    if t.negated {
        return Err(LowerError::Unsupported(format!(
            "NOT on `{path}` is not evaluated"
        )));
    }
    let is_ip = matches!(t.path.object_type.as_str(), "ipv4-addr" | "ipv6-addr");
    let literals: Vec<&Literal> = match &t.test {
        Test::Compare(Operator::Eq, lit) => vec![lit],
        Test::Compare(Operator::IsSubset, lit) if is_ip => vec![lit],
        Test::In(set) => set.iter().collect(),
        Test::Compare(op, _) => {
            return Err(LowerError::Unsupported(format!(
                "operator {} on `{path}` is not evaluated",
                op.as_str()
            )));
        }
        Test::Exists => {
            return Err(LowerError::Unsupported(format!(
                "EXISTS `{path}` is not evaluated"
            )));
        }
    };
    for lit in literals {
        match lit {
            Literal::Str(s) => out.push(target(s)?),
            other => {
                return Err(LowerError::Invalid(format!(
                    "`{path}` is compared with {other}, expected a string"
                )));
            }
        }
    }
    Ok(())
}

fn ip(v: &str, v4: bool) -> Result<IndicatorValue, LowerError> {
    let net = value::parse_ip_or_cidr(&value::refang(v))
        .map_err(|e| LowerError::Invalid(e.to_string()))?;
    let is_v4 = matches!(net, ipnet::IpNet::V4(_));
    if is_v4 != v4 && !v.contains("::ffff:") {
        return Err(LowerError::Invalid(format!(
            "`{v}` is not an {} address",
            if v4 { "IPv4" } else { "IPv6" }
        )));
    }
    Ok(IndicatorValue::Ip(net))
}

fn hash(v: &str, algo: HashAlgo) -> Result<IndicatorValue, LowerError> {
    value::normalize_hash(v, Some(algo))
        .map(|(a, h)| IndicatorValue::Hash(a, h))
        .map_err(|e| LowerError::Invalid(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lowered(p: &str) -> Result<Vec<String>, LowerError> {
        let mut out = Vec::new();
        lower(&pattern::parse(p).unwrap(), &mut out)?;
        Ok(out.iter().map(|v| format!("{}:{v}", v.kind())).collect())
    }

    #[test]
    fn lowers_supported_shapes() {
        assert_eq!(
            lowered("[ipv4-addr:value = '198.51.100.0/24'] OR [ipv6-addr:value ISSUBSET '2001:db8::/32']")
                .unwrap(),
            ["ipv4:198.51.100.0/24", "ipv6:2001:db8::/32"]
        );
        assert_eq!(
            lowered("[domain-name:value = 'Evil.Example' OR url:value = 'http://evil.example/a']")
                .unwrap(),
            ["domain:evil.example", "url:evil.example/a"]
        );
        assert_eq!(
            lowered(&format!(
                "[file:hashes.MD5 = '{}' AND file:hashes.'SHA-1' = '{}']",
                "a".repeat(32),
                "B".repeat(40)
            ))
            .unwrap(),
            [
                format!("md5:{}", "a".repeat(32)),
                format!("sha1:{}", "b".repeat(40))
            ]
        );
        assert_eq!(
            lowered("[ipv4-addr:value IN ('192.0.2.1', '192.0.2.2')]").unwrap(),
            ["ipv4:192.0.2.1", "ipv4:192.0.2.2"]
        );
    }

    #[test]
    fn reports_what_it_cannot_evaluate() {
        let unsupported = |p: &str| match lowered(p) {
            Err(LowerError::Unsupported(r)) => r,
            other => panic!("{p}: {other:?}"),
        };
        assert!(
            unsupported("[ipv4-addr:value = '192.0.2.1'] AND [domain-name:value = 'a.example']")
                .contains("AND between observation")
        );
        assert!(
            unsupported(
                "[ipv4-addr:value = '192.0.2.1'] FOLLOWEDBY [ipv4-addr:value = '192.0.2.2']"
            )
            .contains("FOLLOWEDBY")
        );
        assert!(unsupported("[url:value MATCHES '^http://']").contains("MATCHES"));
        assert!(
            unsupported("[network-traffic:dst_port = 4444]").contains("network-traffic:dst_port")
        );
        assert!(unsupported("[domain-name:value = 'a.example' AND domain-name:resolves_to_refs[*].value = '192.0.2.1']")
            .contains("AND across"));
        assert!(unsupported("[ipv4-addr:value NOT = '192.0.2.1']").contains("NOT"));
        assert!(
            unsupported("[ipv4-addr:value = '192.0.2.1'] WITHIN 60 SECONDS").contains("qualifiers")
        );
        assert!(unsupported("[file:hashes.'SSDEEP' = 'x']").contains("hash algorithm"));
    }

    #[test]
    fn malformed_values_are_invalid_not_unsupported() {
        assert!(matches!(
            lowered("[ipv4-addr:value = '2001:db8::1']"),
            Err(LowerError::Invalid(_))
        ));
        assert!(matches!(
            lowered("[ipv4-addr:value = 'nope']"),
            Err(LowerError::Invalid(_))
        ));
        assert!(matches!(
            lowered("[file:hashes.MD5 = 'abc']"),
            Err(LowerError::Invalid(_))
        ));
        assert!(matches!(
            lowered("[domain-name:value = 7]"),
            Err(LowerError::Invalid(_))
        ));
    }
}
