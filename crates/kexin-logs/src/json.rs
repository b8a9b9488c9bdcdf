//! JSON lines passthrough, AWS CloudTrail records and Kubernetes audit events;
//! the vendor shapes of [`crate::cloud`] are recognised here too.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::{ErrorKind, ParseError};
use crate::event::{
    Event, Logsource, Ocsf, OcsfActor, OcsfApi, OcsfClass, OcsfCloud, OcsfEndpoint, OcsfUser,
    SourceFormat, Status,
};

/// Field names tried, in order, for the event time of a JSON line.
pub const TIMESTAMP_KEYS: &[&str] = &[
    "@timestamp",
    "timestamp",
    "time",
    "eventTime",
    "EventTime",
    "TimeCreated",
    "ts",
    "datetime",
    "date",
    "published",
    "receiveTimestamp",
    "requestReceivedTimestamp",
    "created_at",
    "_time",
];

fn json_err(line: &[u8], e: &serde_json::Error) -> ParseError {
    // Offset of (line, column) in the input; both are 1-based.
    let mut offset = 0;
    let mut l = 1;
    for (i, &b) in line.iter().enumerate() {
        if l == e.line() {
            offset = i;
            break;
        }
        if b == b'\n' {
            l += 1;
        }
    }
    ParseError::new(
        (offset + e.column().saturating_sub(1)).min(line.len()),
        ErrorKind::Json(e.to_string()),
    )
}

/// Parses a JSON document into an object.
fn parse_object(line: &[u8]) -> Result<Map<String, Value>, ParseError> {
    match serde_json::from_slice::<Value>(line) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ParseError::new(
            0,
            ErrorKind::JsonShape("expected a JSON object"),
        )),
        Err(e) => Err(json_err(line, &e)),
    }
}

/// Parses a timestamp value: RFC 3339 (also with a space instead of `T`, and
/// without offset = UTC), or a number of seconds / ms / µs / ns since the epoch
/// (by magnitude), as a number or a string of digits.
pub fn parse_timestamp(v: &Value) -> Option<OffsetDateTime> {
    match v {
        Value::String(s) => {
            if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
                return Some(t);
            }
            if let Some(t) = epoch_str(s) {
                return Some(t);
            }
            if s.len() >= 19 && s.as_bytes()[10] == b' ' {
                let mut fixed = s.replacen(' ', "T", 1);
                let tail = fixed.get(19..).unwrap_or("");
                if !tail.contains(['Z', 'z', '+', '-']) {
                    fixed.push('Z');
                }
                return OffsetDateTime::parse(&fixed, &Rfc3339).ok();
            }
            None
        }
        Value::Number(n) => match n.as_i64() {
            Some(i) => epoch_int(i),
            None => epoch_str(&n.to_string()).or_else(|| epoch(n.as_f64()?)),
        },
        _ => None,
    }
}

/// Decimal epoch text (`1710000000`, `1710000000.123456`) without going
/// through floating point for seconds with a fraction.
fn epoch_str(s: &str) -> Option<OffsetDateTime> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty()
        || int.len() > 19
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let secs: i64 = int.parse().ok()?;
    if frac.is_empty() {
        return epoch_int(secs);
    }
    if secs > 100_000_000_000 {
        // Milliseconds or finer with a fraction: float precision is plenty.
        return epoch(s.parse().ok()?);
    }
    let digits = &frac[..frac.len().min(9)];
    let nanos = digits.parse::<i128>().ok()? * 10i128.pow(9 - digits.len() as u32);
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(secs) * 1_000_000_000 + nanos).ok()
}

/// Integer epoch: seconds, ms, µs or ns by magnitude (exact).
fn epoch_int(x: i64) -> Option<OffsetDateTime> {
    if x < 0 {
        return None;
    }
    let x = i128::from(x);
    let nanos = if x > 100_000_000_000_000_000 {
        x
    } else if x > 100_000_000_000_000 {
        x * 1_000
    } else if x > 100_000_000_000 {
        x * 1_000_000
    } else {
        x * 1_000_000_000
    };
    OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
}

fn epoch(x: f64) -> Option<OffsetDateTime> {
    if !x.is_finite() || x < 0.0 {
        return None;
    }
    let nanos = if x > 1e17 {
        x
    } else if x > 1e14 {
        x * 1e3
    } else if x > 1e11 {
        x * 1e6
    } else {
        x * 1e9
    };
    OffsetDateTime::from_unix_timestamp_nanos(nanos as i128).ok()
}

/// Flattens nested objects into dotted keys. Scalars become strings (null → ``);
/// arrays are kept as their JSON text.
pub fn flatten(map: &Map<String, Value>, out: &mut BTreeMap<Cow<'static, str>, String>) {
    let mut prefix = String::new();
    flatten_into(&mut prefix, map, out);
}

fn flatten_into(
    prefix: &mut String,
    map: &Map<String, Value>,
    out: &mut BTreeMap<Cow<'static, str>, String>,
) {
    for (k, v) in map {
        let len = prefix.len();
        if !prefix.is_empty() {
            prefix.push('.');
        }
        prefix.push_str(k);
        match v {
            Value::Object(m) => flatten_into(prefix, m, out),
            other => {
                out.insert(Cow::Owned(prefix.clone()), scalar(other));
            }
        }
        prefix.truncate(len);
    }
}

/// Like [`flatten`], and arrays of objects are also entered: element `i` under
/// `key.<i>.…`, and the first element once more without the index (the
/// vendor rules' `target.displayName`, `TargetResources.ModifiedProperties.NewValue`);
/// the array itself stays under `key` as JSON text for `contains` tests.
pub fn flatten_deep(map: &Map<String, Value>, out: &mut BTreeMap<Cow<'static, str>, String>) {
    let mut prefix = String::new();
    for (k, v) in map {
        prefix.clear();
        prefix.push_str(k);
        flatten_value(&mut prefix, v, true, out);
    }
}

fn flatten_value(
    prefix: &mut String,
    v: &Value,
    overwrite: bool,
    out: &mut BTreeMap<Cow<'static, str>, String>,
) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let len = prefix.len();
                prefix.push('.');
                prefix.push_str(k);
                flatten_value(prefix, child, overwrite, out);
                prefix.truncate(len);
            }
        }
        Value::Array(items) if items.iter().any(Value::is_object) => {
            put(prefix, v.to_string(), overwrite, out);
            for (i, item) in items.iter().enumerate() {
                let len = prefix.len();
                prefix.push('.');
                prefix.push_str(&i.to_string());
                flatten_value(prefix, item, overwrite, out);
                prefix.truncate(len);
            }
            if let Some(first) = items.first() {
                flatten_value(prefix, first, false, out);
            }
        }
        other => put(prefix, scalar(other), overwrite, out),
    }
}

fn put(key: &str, value: String, overwrite: bool, out: &mut BTreeMap<Cow<'static, str>, String>) {
    if overwrite {
        out.insert(Cow::Owned(key.to_owned()), value);
    } else {
        out.entry(Cow::Owned(key.to_owned())).or_insert(value);
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

pub(crate) fn str_at<'v>(m: &'v Map<String, Value>, path: &[&str]) -> Option<&'v str> {
    let (last, init) = path.split_last()?;
    let mut cur = m;
    for k in init {
        cur = cur.get(*k)?.as_object()?;
    }
    cur.get(*last)?.as_str()
}

pub(crate) fn first_str(m: &Map<String, Value>, paths: &[&[&str]]) -> Option<String> {
    paths.iter().find_map(|p| str_at(m, p)).map(str::to_owned)
}

/// True when the object looks like a CloudTrail record.
pub fn is_cloudtrail_record(m: &Map<String, Value>) -> bool {
    m.contains_key("eventSource") && m.contains_key("eventName") && m.contains_key("eventTime")
}

/// Normalizes one JSON object line. CloudTrail records are recognised and mapped
/// to API Activity; anything else is passed through with a flattened field map
/// and an empty logsource. A `{"Records": […]}` document is rejected here; use
/// [`cloudtrail_records`].
pub fn event_from_json_line(line: &[u8]) -> Result<Event, ParseError> {
    let line = trim(line);
    let m = parse_object(line)?;
    let raw = String::from_utf8_lossy(line).into_owned();
    if is_cloudtrail_record(&m) {
        return Ok(event_from_cloudtrail(&m, raw));
    }
    if is_k8s_audit_event(&m) {
        return Ok(event_from_k8s_audit(&m, raw));
    }
    if let Some(shape) = crate::cloud::detect(&m) {
        return Ok(crate::cloud::event_from_shape(shape, &m, raw));
    }
    if m.get("Records").is_some_and(Value::is_array) {
        return Err(ParseError::new(
            0,
            ErrorKind::JsonShape("CloudTrail Records document in a JSON line"),
        ));
    }
    let time = TIMESTAMP_KEYS
        .iter()
        .find_map(|k| m.get(*k).and_then(parse_timestamp));
    let mut fields = BTreeMap::new();
    flatten(&m, &mut fields);
    let (logsource, ocsf) = match network_activity(&mut fields) {
        Some(o) => (
            Logsource {
                product: None,
                service: None,
                category: Some("network_connection"),
            },
            Some(o),
        ),
        None => (Logsource::default(), None),
    };
    Ok(Event {
        time,
        format: SourceFormat::JsonLine,
        host: first_str(
            &m,
            &[&["host", "name"], &["host"], &["hostname"], &["Computer"]],
        ),
        app: first_str(
            &m,
            &[&["app"], &["program"], &["process", "name"], &["service"]],
        ),
        pid: ["pid", "process_id"]
            .iter()
            .find_map(|k| m.get(*k)?.as_u64())
            .and_then(|p| u32::try_from(p).ok()),
        message: first_str(&m, &[&["message"], &["msg"], &["log"]]).unwrap_or_default(),
        logsource,
        ocsf,
        fields,
        raw,
    })
}

pub(crate) fn trim(b: &[u8]) -> &[u8] {
    let s = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let e = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(s, |e| e + 1);
    &b[s..e]
}

/// Source/destination key spellings of connection records, flattened: generic,
/// ECS, Zeek `conn.log`, AWS VPC flow logs, Sigma.
const SRC_IP: &[&str] = &[
    "src_ip",
    "source.ip",
    "id.orig_h",
    "srcaddr",
    "SourceIp",
    "src",
];
const DST_IP: &[&str] = &[
    "dst_ip",
    "destination.ip",
    "id.resp_h",
    "dstaddr",
    "DestinationIp",
    "dst",
];
const SRC_PORT: &[&str] = &[
    "src_port",
    "source.port",
    "id.orig_p",
    "srcport",
    "SourcePort",
    "sport",
];
const DST_PORT: &[&str] = &[
    "dst_port",
    "destination.port",
    "id.resp_p",
    "dstport",
    "DestinationPort",
    "dport",
];
const PROTO: &[&str] = &[
    "proto",
    "protocol",
    "network.transport",
    "Protocol",
    "transport",
];
const ACTION: &[&str] = &["action", "event.outcome", "conn_state", "Action"];

fn lookup<'f>(fields: &'f BTreeMap<Cow<'static, str>, String>, keys: &[&str]) -> Option<&'f str> {
    keys.iter()
        .find_map(|k| fields.get(*k))
        .map(String::as_str)
        .filter(|v| !v.is_empty() && *v != "-")
}

/// IANA protocol numbers that flow logs use instead of names.
fn proto_name(p: &str) -> &str {
    match p {
        "6" => "tcp",
        "17" => "udp",
        "1" => "icmp",
        "58" => "ipv6-icmp",
        other => other,
    }
}

/// A JSON record with both a source and a destination IP (connection / flow
/// record) becomes OCSF Network Activity; Sigma field names `SourceIp`,
/// `SourcePort`, `DestinationIp`, `DestinationPort`, `Protocol` are added.
fn network_activity(fields: &mut BTreeMap<Cow<'static, str>, String>) -> Option<Ocsf> {
    let src = lookup(fields, SRC_IP)?.to_owned();
    let dst = lookup(fields, DST_IP)?.to_owned();
    if src.parse::<std::net::IpAddr>().is_err() || dst.parse::<std::net::IpAddr>().is_err() {
        return None;
    }
    let sport = lookup(fields, SRC_PORT).and_then(|p| p.parse::<u16>().ok());
    let dport = lookup(fields, DST_PORT).and_then(|p| p.parse::<u16>().ok());
    let proto = lookup(fields, PROTO).map(|p| proto_name(p).to_ascii_lowercase());
    let action = lookup(fields, ACTION).map(str::to_ascii_lowercase);
    // Firewall verdicts refuse; Zeek S0/REJ/OTH-style states and `failure`
    // outcomes mean the connection did not establish.
    let mut o = match action.as_deref() {
        Some("reject" | "deny" | "denied" | "drop" | "dropped" | "blocked" | "rej") => {
            Ocsf::new(OcsfClass::NetworkActivity, 5, "Refuse").with_status(Status::Failure)
        }
        Some("s0" | "failure" | "failed") => {
            Ocsf::new(OcsfClass::NetworkActivity, 4, "Fail").with_status(Status::Failure)
        }
        _ => Ocsf::new(OcsfClass::NetworkActivity, 6, "Traffic"),
    };
    o.src_endpoint = Some(OcsfEndpoint {
        ip: Some(src.clone()),
        port: sport,
        hostname: None,
    });
    o.dst_endpoint = Some(OcsfEndpoint {
        ip: Some(dst.clone()),
        port: dport,
        hostname: None,
    });
    o.protocol_name = proto.clone();
    o.status_detail = action;
    fields.insert(Cow::Borrowed("SourceIp"), src);
    fields.insert(Cow::Borrowed("DestinationIp"), dst);
    if let Some(p) = sport {
        fields.insert(Cow::Borrowed("SourcePort"), p.to_string());
    }
    if let Some(p) = dport {
        fields.insert(Cow::Borrowed("DestinationPort"), p.to_string());
    }
    if let Some(p) = proto {
        fields.insert(Cow::Borrowed("Protocol"), p);
    }
    Some(o)
}

/// Normalizes a CloudTrail file: a `{"Records": […]}` document, or one record
/// per line.
pub fn cloudtrail_records(doc: &[u8]) -> Result<Vec<Event>, ParseError> {
    let trimmed = trim(doc);
    if let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(trimmed) {
        if let Some(Value::Array(recs)) = m.get("Records") {
            let mut out = Vec::with_capacity(recs.len());
            for r in recs {
                let Value::Object(rm) = r else {
                    return Err(ParseError::new(
                        0,
                        ErrorKind::JsonShape("Records element is not an object"),
                    ));
                };
                out.push(event_from_cloudtrail(rm, r.to_string()));
            }
            return Ok(out);
        }
        if is_cloudtrail_record(&m) {
            return Ok(vec![event_from_cloudtrail(
                &m,
                String::from_utf8_lossy(trimmed).into_owned(),
            )]);
        }
    }
    let mut out = Vec::new();
    let mut offset = 0;
    for line in doc.split(|&b| b == b'\n') {
        let t = trim(line);
        if !t.is_empty() {
            let m = parse_object(t).map_err(|e| ParseError::new(offset + e.offset, e.kind))?;
            if !is_cloudtrail_record(&m) {
                return Err(ParseError::new(
                    offset,
                    ErrorKind::JsonShape("not a CloudTrail record"),
                ));
            }
            out.push(event_from_cloudtrail(
                &m,
                String::from_utf8_lossy(t).into_owned(),
            ));
        }
        offset += line.len() + 1;
    }
    Ok(out)
}

/// OCSF API Activity activity from an operation name by its verb prefix,
/// case-insensitively: CloudTrail's `AttachUserPolicy`, the last segment of
/// GCP's `google.iam.admin.v1.CreateServiceAccountKey` or Azure's
/// `…/virtualMachines/write`.
pub(crate) fn api_activity(name: &str) -> (u8, &'static str) {
    const CREATE: &[&str] = &[
        "create", "run", "start", "allocate", "import", "register", "issue", "insert",
    ];
    const READ: &[&str] = &[
        "get", "describe", "list", "head", "lookup", "search", "select", "query", "read",
    ];
    const UPDATE: &[&str] = &[
        "update", "put", "modify", "set", "attach", "add", "enable", "change", "reset", "tag",
        "patch", "write", "assign",
    ];
    const DELETE: &[&str] = &[
        "delete",
        "remove",
        "detach",
        "terminate",
        "deregister",
        "disable",
        "stop",
        "untag",
        "revoke",
    ];
    let lower = name.to_ascii_lowercase();
    let has = |ps: &[&str]| ps.iter().any(|p| lower.starts_with(p));
    if has(CREATE) {
        (1, "Create")
    } else if has(READ) {
        (2, "Read")
    } else if has(UPDATE) {
        (3, "Update")
    } else if has(DELETE) {
        (4, "Delete")
    } else {
        (99, "Other")
    }
}

/// Maps one CloudTrail record to an API Activity event (`raw` is its JSON text).
pub fn event_from_cloudtrail(m: &Map<String, Value>, raw: String) -> Event {
    let event_name = str_at(m, &["eventName"]).unwrap_or("").to_owned();
    let event_source = str_at(m, &["eventSource"]).map(str::to_owned);
    let (aid, aname) = api_activity(&event_name);
    let error_code = str_at(m, &["errorCode"]);
    let status = if error_code.is_some() {
        Status::Failure
    } else {
        Status::Success
    };
    let mut o = Ocsf::new(OcsfClass::ApiActivity, aid, aname).with_status(status);
    o.status_detail = match (error_code, str_at(m, &["errorMessage"])) {
        (Some(c), Some(msg)) => Some(format!("{c}: {msg}")),
        (Some(c), None) => Some(c.to_owned()),
        _ => None,
    };
    let name = first_str(
        m,
        &[
            &["userIdentity", "userName"],
            &[
                "userIdentity",
                "sessionContext",
                "sessionIssuer",
                "userName",
            ],
            &["userIdentity", "arn"],
            &["userIdentity", "invokedBy"],
        ],
    );
    let uid = first_str(
        m,
        &[&["userIdentity", "arn"], &["userIdentity", "principalId"]],
    );
    let kind = first_str(m, &[&["userIdentity", "type"]]);
    if name.is_some() || uid.is_some() || kind.is_some() {
        o.actor = Some(OcsfActor {
            user: OcsfUser { name, uid, kind },
        });
    }
    o.src_endpoint = str_at(m, &["sourceIPAddress"]).map(|ip| OcsfEndpoint {
        ip: Some(ip.to_owned()),
        ..OcsfEndpoint::default()
    });
    o.api = Some(OcsfApi {
        operation: event_name.clone(),
        service: event_source.clone(),
    });
    o.cloud = Some(OcsfCloud {
        provider: "AWS",
        region: first_str(m, &[&["awsRegion"]]),
        account_uid: first_str(
            m,
            &[&["recipientAccountId"], &["userIdentity", "accountId"]],
        ),
    });
    let mut fields = BTreeMap::new();
    flatten(m, &mut fields);
    Event {
        time: m.get("eventTime").and_then(parse_timestamp),
        format: SourceFormat::Cloudtrail,
        host: None,
        app: event_source,
        pid: None,
        message: event_name,
        logsource: Logsource {
            product: Some("aws"),
            service: Some("cloudtrail"),
            category: None,
        },
        ocsf: Some(o),
        fields,
        raw,
    }
}

/// True for a Kubernetes audit event (`kind: Event`, `apiVersion: audit.k8s.io/…`).
pub fn is_k8s_audit_event(m: &Map<String, Value>) -> bool {
    str_at(m, &["kind"]) == Some("Event")
        && str_at(m, &["apiVersion"]).is_some_and(|v| v.starts_with("audit.k8s.io/"))
}

/// Maps a Kubernetes audit event to API Activity (`product: kubernetes`,
/// `service: audit`; fields flattened as Sigma's rules expect: `verb`,
/// `objectRef.resource`, `user.username`, …).
pub fn event_from_k8s_audit(m: &Map<String, Value>, raw: String) -> Event {
    let verb = str_at(m, &["verb"]).unwrap_or("").to_owned();
    let (aid, aname) = match verb.as_str() {
        "create" => (1, "Create"),
        "get" | "list" | "watch" => (2, "Read"),
        "update" | "patch" => (3, "Update"),
        "delete" | "deletecollection" => (4, "Delete"),
        _ => (99, "Other"),
    };
    let code = m
        .get("responseStatus")
        .and_then(|r| r.get("code"))
        .and_then(Value::as_u64);
    let mut o = Ocsf::new(OcsfClass::ApiActivity, aid, aname);
    if let Some(c) = code {
        o = o.with_status(if c >= 400 {
            Status::Failure
        } else {
            Status::Success
        });
        let reason = str_at(m, &["responseStatus", "reason"]);
        o.status_detail = Some(match reason {
            Some(r) => format!("{c} {r}"),
            None => c.to_string(),
        });
    }
    let user = first_str(
        m,
        &[&["impersonatedUser", "username"], &["user", "username"]],
    );
    let uid = first_str(m, &[&["user", "uid"]]);
    if user.is_some() || uid.is_some() {
        o.actor = Some(OcsfActor {
            user: OcsfUser {
                name: user,
                uid,
                kind: None,
            },
        });
    }
    o.src_endpoint = m
        .get("sourceIPs")
        .and_then(|v| v.get(0))
        .and_then(Value::as_str)
        .map(|ip| OcsfEndpoint {
            ip: Some(ip.to_owned()),
            ..OcsfEndpoint::default()
        });
    let resource = str_at(m, &["objectRef", "resource"]);
    o.api = Some(OcsfApi {
        operation: verb.clone(),
        service: resource.map(|r| match str_at(m, &["objectRef", "subresource"]) {
            Some(sub) => format!("{r}/{sub}"),
            None => r.to_owned(),
        }),
    });
    let mut fields = BTreeMap::new();
    flatten(m, &mut fields);
    let message = match (str_at(m, &["requestURI"]), verb.is_empty()) {
        (Some(uri), false) => format!("{verb} {uri}"),
        (Some(uri), true) => uri.to_owned(),
        (None, _) => verb,
    };
    Event {
        time: ["requestReceivedTimestamp", "stageTimestamp"]
            .iter()
            .find_map(|k| m.get(*k).and_then(parse_timestamp)),
        format: SourceFormat::K8sAudit,
        host: None,
        app: Some("kube-apiserver".to_owned()),
        pid: None,
        message,
        logsource: Logsource {
            product: Some("kubernetes"),
            service: Some("audit"),
            category: None,
        },
        ocsf: Some(o),
        fields,
        raw,
    }
}
