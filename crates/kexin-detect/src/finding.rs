//! OCSF Detection Finding (class 2004) for a rule match.
//!
//! SOC tooling downstream (SIEMs, data lakes, Security Hub) reads OCSF; a
//! match becomes one finding: the rule is the `finding_info.analytic`, its
//! ATT&CK tags become `finding_info.attacks`, the matched fields become one
//! `evidences` entry, and the event travels along in `raw_data` so nothing
//! is lost. Severity follows the rule's level.

use kexin_sigma::Level;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::Match;
use crate::correlation::CorrelationHit;

/// OCSF schema version the findings are written for.
pub const OCSF_VERSION: &str = "1.3.0";

/// `class_uid` of Detection Finding.
pub const DETECTION_FINDING: u32 = 2004;

/// OCSF `severity_id` and `severity` for a Sigma level.
pub fn severity(level: Option<Level>) -> (u8, &'static str) {
    match level {
        Some(Level::Informational) => (1, "Informational"),
        Some(Level::Low) => (2, "Low"),
        Some(Level::Medium) => (3, "Medium"),
        Some(Level::High) => (4, "High"),
        Some(Level::Critical) => (5, "Critical"),
        None => (0, "Unknown"),
    }
}

/// ATT&CK references in Sigma tags: `attack.t1059.001` is a (sub-)technique,
/// `attack.execution` a tactic. Tactics attach to every technique of the rule.
pub fn attacks(tags: &[String]) -> Vec<Value> {
    let mut techniques = Vec::new();
    let mut tactics = Vec::new();
    for tag in tags {
        let Some(rest) = tag.strip_prefix("attack.") else {
            continue;
        };
        // t1059 / t1059.001 are techniques, g0032 groups and s0154 software
        // (not reported), anything else (`credential-access`) a tactic.
        let numbered = |prefix: u8| {
            rest.len() >= 5
                && rest.as_bytes()[0].eq_ignore_ascii_case(&prefix)
                && rest[1..5].bytes().all(|b| b.is_ascii_digit())
        };
        if numbered(b't') {
            techniques.push(rest.to_ascii_uppercase());
        } else if !numbered(b'g') && !numbered(b's') {
            tactics.push(json!({"name": tactic_title(rest)}));
        }
    }
    if techniques.is_empty() {
        return tactics
            .into_iter()
            .map(|t| json!({"tactic": t, "version": "14"}))
            .collect();
    }
    techniques
        .into_iter()
        .map(|uid| {
            let mut attack = Map::new();
            let (tech, sub) = match uid.split_once('.') {
                Some((t, s)) => (t.to_owned(), Some(format!("{t}.{s}"))),
                None => (uid.clone(), None),
            };
            attack.insert("technique".into(), json!({"uid": tech}));
            if let Some(sub) = sub {
                attack.insert("sub_technique".into(), json!({"uid": sub}));
            }
            if !tactics.is_empty() {
                attack.insert("tactics".into(), Value::Array(tactics.clone()));
            }
            attack.insert("version".into(), json!("14"));
            Value::Object(attack)
        })
        .collect()
}

fn tactic_title(slug: &str) -> String {
    slug.split(['-', '_'])
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn millis(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// The parts every Kexin Detection Finding shares.
fn finding(
    (severity_id, severity): (u8, &str),
    time: OffsetDateTime,
    finding_info: Value,
    evidence: Value,
    unmapped: Value,
    raw: &str,
) -> Value {
    json!({
        "activity_id": 1,
        "activity_name": "Create",
        "category_uid": 2,
        "category_name": "Findings",
        "class_uid": DETECTION_FINDING,
        "class_name": "Detection Finding",
        "type_uid": DETECTION_FINDING * 100 + 1,
        "type_name": "Detection Finding: Create",
        "severity_id": severity_id,
        "severity": severity,
        "status_id": 1,
        "status": "New",
        "time": millis(time),
        "metadata": {
            "version": OCSF_VERSION,
            "product": {"name": "Kexin", "vendor_name": "Kexin project"},
        },
        "finding_info": finding_info,
        "evidences": [{"data": evidence}],
        "unmapped": unmapped,
        "raw_data": raw,
    })
}

fn rule_info(uid: &str, title: &str, tags: &[String], at: OffsetDateTime, types: &str) -> Value {
    json!({
        "uid": format!("{uid}:{}", at.unix_timestamp_nanos()),
        "title": title,
        "types": [types],
        "analytic": {"uid": uid, "name": title, "type_id": 1, "type": "Rule"},
        "attacks": attacks(tags),
    })
}

/// The finding for `m`. `raw` is the event as received (the original line or
/// JSON document); `seen` is when Kexin evaluated it (used when the event has
/// no time of its own).
pub fn detection_finding(m: &Match, raw: &str, seen: OffsetDateTime) -> Value {
    let time = m.timestamp.unwrap_or(seen);
    let evidence: Map<String, Value> = m
        .fields
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let uid = m.rule_id.as_deref().unwrap_or(&m.title);
    finding(
        severity(m.level),
        time,
        rule_info(uid, &m.title, &m.tags, time, "Sigma"),
        Value::Object(evidence),
        json!({"sigma": {"logsource": m.logsource, "event_logsource": m.event_logsource}}),
        raw,
    )
}

/// The finding for a correlation hit: the group and the contributing
/// events are the evidence, the window is the finding's time span.
pub fn correlation_finding(h: &CorrelationHit) -> Value {
    let end = OffsetDateTime::from_unix_timestamp_nanos(i128::from(h.window_end) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let uid = h.rule_id.as_deref().unwrap_or(&h.title);
    let mut f = finding(
        severity(h.level),
        end,
        rule_info(uid, &h.title, &h.tags, end, "Sigma correlation"),
        json!({
            "group": h.group.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect::<Map<String, Value>>(),
            "value": h.value,
            "contributors": h.contributors,
        }),
        json!({"sigma": {"correlation_type": h.kind}}),
        "",
    );
    f["start_time"] = json!(h.window_start);
    f["end_time"] = json!(h.window_end);
    f["count"] = json!(h.contributors.len());
    f
}

/// A threat-intelligence hit, as the finding needs it (kept free of the
/// intel crate's types so that this crate does not depend on it).
#[derive(Debug, Clone, Copy)]
pub struct IntelMatch<'a> {
    pub indicator_id: &'a str,
    /// `ipv4`, `domain`, `sha256`, …
    pub kind: &'a str,
    pub observed: &'a str,
    pub field: &'a str,
    pub source: &'a str,
    /// 0–100.
    pub confidence: Option<u8>,
    pub labels: &'a [String],
}

/// The finding for an event observable found in a threat-intelligence feed.
/// Severity follows the indicator's confidence (≥ 85 high, ≥ 50 medium,
/// else low), the analytic is an exact data match against the feed.
pub fn intel_finding(hit: &IntelMatch<'_>, raw: &str, at: OffsetDateTime) -> Value {
    let level = match hit.confidence {
        Some(c) if c >= 85 => (4, "High"),
        Some(c) if c >= 50 => (3, "Medium"),
        Some(_) => (2, "Low"),
        None => (3, "Medium"),
    };
    let mut f = finding(
        level,
        at,
        json!({
            "uid": format!("{}:{}", hit.indicator_id, at.unix_timestamp_nanos()),
            "title": format!("Threat intelligence: {} {} seen in {}", hit.kind, hit.observed, hit.field),
            "types": ["Threat Intelligence"],
            "analytic": {
                "uid": hit.indicator_id,
                "name": format!("{} indicator from {}", hit.kind, hit.source),
                "type_id": 9,
                "type": "Exact Data Match",
            },
        }),
        json!({hit.field: hit.observed}),
        json!({"intel": {"source": hit.source, "labels": hit.labels, "kind": hit.kind}}),
        raw,
    );
    if let Some(c) = hit.confidence {
        f["confidence_score"] = json!(c);
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn techniques_carry_their_tactics() {
        let tags = [
            "attack.execution".to_owned(),
            "attack.t1059.001".to_owned(),
            "attack.t1105".to_owned(),
            "attack.g0032".to_owned(),
            "cve.2021-44228".to_owned(),
        ];
        let a = attacks(&tags);
        assert_eq!(a.len(), 2);
        assert_eq!(a[0]["technique"]["uid"], "T1059");
        assert_eq!(a[0]["sub_technique"]["uid"], "T1059.001");
        assert_eq!(a[0]["tactics"][0]["name"], "Execution");
        assert_eq!(a[1]["technique"]["uid"], "T1105");
        assert!(a[1].get("sub_technique").is_none());
    }

    #[test]
    fn tactics_alone_still_reported() {
        let a = attacks(&["attack.credential-access".to_owned()]);
        assert_eq!(
            a,
            vec![json!({"tactic": {"name": "Credential Access"}, "version": "14"})]
        );
    }

    #[test]
    fn levels_map_to_ocsf_severities() {
        assert_eq!(severity(Some(Level::Critical)), (5, "Critical"));
        assert_eq!(severity(Some(Level::Informational)).0, 1);
        assert_eq!(severity(None).0, 0);
    }
}
