//! Cloud and identity-provider audit logs in JSON: GCP Cloud Audit Logs, the
//! Okta System Log, the Azure Activity Log and Entra ID (Azure AD) sign-in and
//! audit logs.
//!
//! Each is recognised by a few key lookups on the parsed object
//! ([`detect`]), so plain JSON lines pay almost nothing. The field map keeps
//! the record's own keys flattened ([`crate::json::flatten_deep`]: arrays of
//! objects are entered) and adds the names SigmaHQ's rules use where the
//! export format spells them differently: GCP's `gcp.audit.method_name`, the
//! Log Analytics column names of Azure (`OperationNameValue`, `ResultType`,
//! `LoggedByService`, …). Aliases never overwrite a key the record has.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::event::{
    Event, Logsource, Ocsf, OcsfActor, OcsfApi, OcsfClass, OcsfCloud, OcsfEndpoint, OcsfUser,
    SourceFormat, Status,
};
use crate::json::{api_activity, first_str, flatten_deep, parse_timestamp, str_at};

/// A recognised vendor JSON shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloudShape {
    /// GCP Cloud Logging entry whose `protoPayload` is an `AuditLog` (also
    /// inside a Pub/Sub `data` wrapper).
    GcpAudit,
    /// Okta System Log event.
    Okta,
    /// Azure Activity Log record (diagnostic export, REST API or the Log
    /// Analytics `AzureActivity` row).
    AzureActivity,
    /// Entra ID sign-in (export, Microsoft Graph `signIn`, or `SigninLogs` row).
    AzureSignIn,
    /// Entra ID audit record (export, Graph `directoryAudit`, or `AuditLogs` row).
    AzureAudit,
}

const GCP_AUDIT_TYPE: &str = "type.googleapis.com/google.cloud.audit.AuditLog";

const AZURE_SIGNIN_CATEGORIES: &[&str] = &[
    "SignInLogs",
    "NonInteractiveUserSignInLogs",
    "ServicePrincipalSignInLogs",
    "ManagedIdentitySignInLogs",
    "SigninLogs",
    "AADNonInteractiveUserSignInLogs",
    "AADServicePrincipalSignInLogs",
    "AADManagedIdentitySignInLogs",
];

const AZURE_ACTIVITY_CATEGORIES: &[&str] = &[
    "Administrative",
    "Security",
    "ServiceHealth",
    "Alert",
    "Recommendation",
    "Policy",
    "Autoscale",
    "ResourceHealth",
];

/// A string, or the `value` of a `{value, localizedValue}` object (the Azure
/// REST format).
fn value_str(v: Option<&Value>) -> Option<&str> {
    match v? {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("value")?.as_str(),
        _ => None,
    }
}

/// The GCP `LogEntry` of `m`: `m` itself or its Pub/Sub `data`.
fn gcp_entry(m: &Map<String, Value>) -> Option<&Map<String, Value>> {
    let is_audit = |e: &Map<String, Value>| {
        e.get("protoPayload")
            .and_then(|p| p.get("@type"))
            .and_then(Value::as_str)
            == Some(GCP_AUDIT_TYPE)
    };
    if is_audit(m) {
        return Some(m);
    }
    m.get("data")?.as_object().filter(|d| is_audit(d))
}

/// Recognises a vendor shape by a few key lookups (`None` for anything else).
pub fn detect(m: &Map<String, Value>) -> Option<CloudShape> {
    // Plain JSON lines have none of the keys the shapes need: one pass over
    // their keys with one string match each, instead of a lookup per key.
    let any_marker = m.keys().any(|k| {
        matches!(
            k.as_str(),
            "protoPayload"
                | "data"
                | "eventType"
                | "category"
                | "Type"
                | "operationName"
                | "activityDisplayName"
                | "userPrincipalName"
        )
    });
    if !any_marker {
        return None;
    }
    if (m.contains_key("protoPayload") || m.contains_key("data")) && gcp_entry(m).is_some() {
        return Some(CloudShape::GcpAudit);
    }
    if m.get("eventType").is_some_and(Value::is_string)
        && m.get("actor").is_some_and(Value::is_object)
        && (m.contains_key("uuid") || m.contains_key("published"))
    {
        return Some(CloudShape::Okta);
    }
    let category = value_str(m.get("category"));
    if let Some(c) = category.or_else(|| str_at(m, &["Type"])) {
        if AZURE_SIGNIN_CATEGORIES.contains(&c) {
            return Some(CloudShape::AzureSignIn);
        }
        if c == "AuditLogs" {
            return Some(CloudShape::AzureAudit);
        }
        if c == "AzureActivity" {
            return Some(CloudShape::AzureActivity);
        }
    }
    if m.contains_key("operationName")
        && category.is_some_and(|c| AZURE_ACTIVITY_CATEGORIES.contains(&c))
        && (m.contains_key("resourceId") || m.contains_key("caller"))
    {
        return Some(CloudShape::AzureActivity);
    }
    if m.contains_key("activityDisplayName") && m.contains_key("loggedByService") {
        return Some(CloudShape::AzureAudit);
    }
    if m.contains_key("userPrincipalName")
        && m.contains_key("appDisplayName")
        && m.get("status").is_some_and(Value::is_object)
    {
        return Some(CloudShape::AzureSignIn);
    }
    None
}

/// Builds the event of a recognised shape (`raw` is the JSON text).
pub fn event_from_shape(shape: CloudShape, m: &Map<String, Value>, raw: String) -> Event {
    let mut fields = BTreeMap::new();
    flatten_deep(m, &mut fields);
    match shape {
        CloudShape::GcpAudit => gcp_audit(m, fields, raw),
        CloudShape::Okta => okta(m, fields, raw),
        CloudShape::AzureActivity => azure_activity(m, fields, raw),
        CloudShape::AzureSignIn => azure_signin(m, fields, raw),
        CloudShape::AzureAudit => azure_audit(m, fields, raw),
    }
}

type Fields = BTreeMap<Cow<'static, str>, String>;

fn get<'f>(fields: &'f Fields, keys: &[&str]) -> Option<&'f str> {
    keys.iter()
        .find_map(|k| fields.get(*k))
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

/// Adds `name` from the first present source key unless the record has it.
fn alias(fields: &mut Fields, name: &'static str, sources: &[&str]) {
    if fields.contains_key(name) {
        return;
    }
    if let Some(v) = get(fields, sources) {
        let v = v.to_owned();
        fields.insert(Cow::Borrowed(name), v);
    }
}

fn actor(name: Option<&str>, uid: Option<&str>, kind: Option<&str>) -> Option<OcsfActor> {
    user(name, uid, kind).map(|user| OcsfActor { user })
}

fn user(name: Option<&str>, uid: Option<&str>, kind: Option<&str>) -> Option<OcsfUser> {
    (name.is_some() || uid.is_some()).then(|| OcsfUser {
        name: name.map(str::to_owned),
        uid: uid.map(str::to_owned),
        kind: kind.map(str::to_owned),
    })
}

fn ip_endpoint(ip: Option<&str>) -> Option<OcsfEndpoint> {
    ip.map(|ip| OcsfEndpoint {
        ip: Some(ip.to_owned()),
        ..OcsfEndpoint::default()
    })
}

/// Last segment of a dotted or slashed operation name.
fn verb(op: &str) -> &str {
    op.rsplit(['.', '/']).next().unwrap_or(op)
}

fn time_of(m: &Map<String, Value>, keys: &[&[&str]]) -> Option<time::OffsetDateTime> {
    keys.iter().find_map(|path| {
        let (last, init) = path.split_last()?;
        let mut cur = m;
        for k in init {
            cur = cur.get(*k)?.as_object()?;
        }
        parse_timestamp(cur.get(*last)?)
    })
}

/// `(format, product, service)` of an event.
type Kind = (SourceFormat, &'static str, &'static str);

fn event(
    (format, product, service): Kind,
    time: Option<time::OffsetDateTime>,
    app: Option<String>,
    message: String,
    ocsf: Ocsf,
    fields: Fields,
    raw: String,
) -> Event {
    Event {
        time,
        format,
        host: None,
        app,
        pid: None,
        message,
        logsource: Logsource {
            product: Some(product),
            service: Some(service),
            category: None,
        },
        ocsf: Some(ocsf),
        fields,
        raw,
    }
}

fn gcp_audit(m: &Map<String, Value>, mut fields: Fields, raw: String) -> Event {
    let entry = gcp_entry(m).unwrap_or(m);
    if !std::ptr::eq(entry, m) {
        // Pub/Sub wrapper: the entry's own keys too, as the unwrapped export has them.
        flatten_deep(entry, &mut fields);
    }
    alias(
        &mut fields,
        "gcp.audit.method_name",
        &["protoPayload.methodName"],
    );
    // Some SigmaHQ rules are written for entries delivered through Pub/Sub
    // (`data.protoPayload.methodName`); give direct exports the same names.
    for (name, source) in [
        ("data.protoPayload.methodName", "protoPayload.methodName"),
        ("data.protoPayload.serviceName", "protoPayload.serviceName"),
        (
            "data.protoPayload.authorizationInfo.permission",
            "protoPayload.authorizationInfo.permission",
        ),
        (
            "data.protoPayload.authorizationInfo.granted",
            "protoPayload.authorizationInfo.granted",
        ),
        ("data.protoPayload.resource.type", "resource.type"),
        ("data.protoPayload.logName", "logName"),
    ] {
        alias(&mut fields, name, &[source]);
    }
    alias(
        &mut fields,
        "gcp.audit.service_name",
        &["protoPayload.serviceName"],
    );
    alias(
        &mut fields,
        "gcp.audit.resource_name",
        &["protoPayload.resourceName"],
    );
    alias(
        &mut fields,
        "gcp.audit.principal_email",
        &["protoPayload.authenticationInfo.principalEmail"],
    );
    let method = str_at(entry, &["protoPayload", "methodName"]).unwrap_or("");
    let service = str_at(entry, &["protoPayload", "serviceName"]).map(str::to_owned);
    let (aid, aname) = api_activity(verb(method));
    let code = entry
        .get("protoPayload")
        .and_then(|p| p.get("status"))
        .and_then(|s| s.get("code"))
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let mut o = Ocsf::new(OcsfClass::ApiActivity, aid, aname).with_status(if code == 0 {
        Status::Success
    } else {
        Status::Failure
    });
    if code != 0 {
        o.status_detail = Some(
            match str_at(entry, &["protoPayload", "status", "message"]) {
                Some(msg) => format!("{code}: {msg}"),
                None => code.to_string(),
            },
        );
    }
    o.actor = actor(
        str_at(
            entry,
            &["protoPayload", "authenticationInfo", "principalEmail"],
        ),
        str_at(
            entry,
            &["protoPayload", "authenticationInfo", "principalSubject"],
        ),
        None,
    );
    o.src_endpoint = ip_endpoint(str_at(
        entry,
        &["protoPayload", "requestMetadata", "callerIp"],
    ));
    o.api = Some(OcsfApi {
        operation: method.to_owned(),
        service: service.clone(),
    });
    o.cloud = Some(OcsfCloud {
        provider: "GCP",
        region: first_str(
            entry,
            &[
                &["resource", "labels", "location"],
                &["resource", "labels", "region"],
                &["resource", "labels", "zone"],
            ],
        ),
        account_uid: first_str(entry, &[&["resource", "labels", "project_id"]]),
    });
    event(
        (SourceFormat::GcpAudit, "gcp", "gcp.audit"),
        time_of(entry, &[&["timestamp"], &["receiveTimestamp"]]),
        service,
        method.to_owned(),
        o,
        fields,
        raw,
    )
}

fn okta(m: &Map<String, Value>, fields: Fields, raw: String) -> Event {
    let event_type = str_at(m, &["eventType"]).unwrap_or("");
    let result = str_at(m, &["outcome", "result"]);
    let status = match result {
        Some("SUCCESS" | "ALLOW") => Some(Status::Success),
        Some("FAILURE" | "DENY") => Some(Status::Failure),
        _ => None,
    };
    let is_auth = event_type.starts_with("user.session.start")
        || event_type.starts_with("user.authentication.");
    let mut o = if is_auth {
        Ocsf::new(OcsfClass::Authentication, 1, "Logon")
    } else if event_type == "user.session.end" {
        Ocsf::new(OcsfClass::Authentication, 2, "Logoff")
    } else {
        let (aid, aname) = api_activity(verb(event_type));
        Ocsf::new(OcsfClass::ApiActivity, aid, aname)
    };
    if let Some(s) = status {
        o = o.with_status(s);
    }
    o.status_detail = first_str(m, &[&["outcome", "reason"]]);
    let name = str_at(m, &["actor", "alternateId"]).or(str_at(m, &["actor", "displayName"]));
    let who = user(
        name,
        str_at(m, &["actor", "id"]),
        str_at(m, &["actor", "type"]),
    );
    if o.class == OcsfClass::Authentication {
        o.user = who;
        o.auth_protocol = first_str(m, &[&["authenticationContext", "credentialType"]]);
    } else {
        o.actor = who.map(|user| OcsfActor { user });
        o.api = Some(OcsfApi {
            operation: event_type.to_owned(),
            service: Some("okta".to_owned()),
        });
    }
    o.src_endpoint = ip_endpoint(str_at(m, &["client", "ipAddress"]));
    let message = first_str(m, &[&["displayMessage"]]).unwrap_or_else(|| event_type.to_owned());
    event(
        (SourceFormat::Okta, "okta", "okta"),
        time_of(m, &[&["published"]]),
        Some("okta".to_owned()),
        message,
        o,
        fields,
        raw,
    )
}

/// Azure subscription id from a resource id (`/subscriptions/<id>/…`).
fn subscription(resource_id: &str) -> Option<&str> {
    let lower = resource_id.to_ascii_lowercase();
    let at = lower.find("/subscriptions/")? + "/subscriptions/".len();
    resource_id[at..]
        .split('/')
        .next()
        .filter(|s| !s.is_empty())
}

fn azure_status(v: Option<&str>) -> Option<Status> {
    match v?.to_ascii_lowercase().as_str() {
        "success" | "succeeded" | "0" => Some(Status::Success),
        "failure" | "failed" => Some(Status::Failure),
        _ => None,
    }
}

fn azure_activity(m: &Map<String, Value>, mut fields: Fields, raw: String) -> Event {
    let op = value_str(m.get("operationName"))
        .or(str_at(m, &["OperationNameValue"]))
        .unwrap_or("")
        .to_owned();
    if !op.is_empty() {
        for name in ["operationName", "OperationNameValue"] {
            fields
                .entry(Cow::Borrowed(name))
                .or_insert_with(|| op.clone());
        }
    }
    alias(
        &mut fields,
        "CategoryValue",
        &["category", "category.value"],
    );
    alias(&mut fields, "ResourceId", &["resourceId", "ResourceId"]);
    alias(
        &mut fields,
        "ResourceProviderValue",
        &[
            "resourceProviderName.value",
            "properties.resourceProviderValue",
        ],
    );
    if !fields.contains_key("ResourceProviderValue")
        && let Some((provider, _)) = op.split_once('/')
    {
        fields.insert(Cow::Borrowed("ResourceProviderValue"), provider.to_owned());
    }
    alias(
        &mut fields,
        "ActivityStatusValue",
        &["resultType", "status.value"],
    );
    alias(
        &mut fields,
        "Caller",
        &[
            "caller",
            "identity.claims.http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
            "identity.claims.name",
        ],
    );
    alias(
        &mut fields,
        "CallerIpAddress",
        &["callerIpAddress", "httpRequest.clientIpAddress"],
    );
    let (aid, aname) = api_activity(verb(&op));
    let (aid, aname) = if verb(&op).eq_ignore_ascii_case("action") {
        (99, "Other")
    } else {
        (aid, aname)
    };
    let mut o = Ocsf::new(OcsfClass::ApiActivity, aid, aname);
    if let Some(s) = azure_status(get(&fields, &["ActivityStatusValue"])) {
        o = o.with_status(s);
    }
    o.status_detail = get(&fields, &["resultSignature", "subStatus.value"]).map(str::to_owned);
    o.actor = actor(get(&fields, &["Caller"]), None, None);
    o.src_endpoint = ip_endpoint(get(&fields, &["CallerIpAddress"]));
    let provider = get(&fields, &["ResourceProviderValue"]).map(str::to_owned);
    o.api = Some(OcsfApi {
        operation: op.clone(),
        service: provider.clone(),
    });
    let resource_id = get(&fields, &["ResourceId"]).unwrap_or("");
    o.cloud = Some(OcsfCloud {
        provider: "Azure",
        region: get(&fields, &["location"]).map(str::to_owned),
        account_uid: get(&fields, &["subscriptionId"])
            .or_else(|| subscription(resource_id))
            .map(str::to_owned),
    });
    event(
        (SourceFormat::AzureActivity, "azure", "activitylogs"),
        time_of(m, &[&["time"], &["eventTimestamp"], &["TimeGenerated"]]),
        provider,
        op,
        o,
        fields,
        raw,
    )
}

fn azure_signin(m: &Map<String, Value>, mut fields: Fields, raw: String) -> Event {
    const NAMES: &[(&str, &[&str])] = &[
        (
            "ResultType",
            &[
                "resultType",
                "properties.status.errorCode",
                "status.errorCode",
            ],
        ),
        (
            "ResultDescription",
            &[
                "resultDescription",
                "properties.status.failureReason",
                "status.failureReason",
            ],
        ),
        (
            "AuthenticationRequirement",
            &[
                "properties.authenticationRequirement",
                "authenticationRequirement",
            ],
        ),
        ("userAgent", &["properties.userAgent"]),
        (
            "DeviceDetail.trusttype",
            &[
                "properties.deviceDetail.trustType",
                "deviceDetail.trustType",
            ],
        ),
        (
            "DeviceDetail.isCompliant",
            &[
                "properties.deviceDetail.isCompliant",
                "deviceDetail.isCompliant",
            ],
        ),
        (
            "DeviceDetail.deviceId",
            &["properties.deviceDetail.deviceId", "deviceDetail.deviceId"],
        ),
        (
            "conditionalAccessStatus",
            &["properties.conditionalAccessStatus"],
        ),
        (
            "UserPrincipalName",
            &["properties.userPrincipalName", "userPrincipalName"],
        ),
        (
            "Username",
            &["properties.userPrincipalName", "userPrincipalName"],
        ),
        ("RiskState", &["properties.riskState", "riskState"]),
        (
            "ResourceDisplayName",
            &["properties.resourceDisplayName", "resourceDisplayName"],
        ),
        (
            "NetworkLocationDetails",
            &[
                "properties.networkLocationDetails",
                "networkLocationDetails",
            ],
        ),
        ("ClientApp", &["properties.clientAppUsed", "clientAppUsed"]),
        (
            "AppDisplayName",
            &["properties.appDisplayName", "appDisplayName"],
        ),
        (
            "IPAddress",
            &["properties.ipAddress", "ipAddress", "callerIpAddress"],
        ),
    ];
    for (name, sources) in NAMES {
        alias(&mut fields, name, sources);
    }
    let result = get(&fields, &["ResultType"]).map(str::to_owned);
    let ok = result.as_deref() == Some("0");
    if result.is_some() && !fields.contains_key("Status") {
        fields.insert(
            Cow::Borrowed("Status"),
            if ok { "Success" } else { "Failure" }.to_owned(),
        );
    }
    let mut o = Ocsf::new(OcsfClass::Authentication, 1, "Logon");
    if result.is_some() {
        o = o.with_status(if ok { Status::Success } else { Status::Failure });
    }
    o.status_detail = match (result.as_deref(), get(&fields, &["ResultDescription"])) {
        (Some(code), Some(d)) if !ok => Some(format!("{code}: {d}")),
        (Some(code), None) if !ok => Some(code.to_owned()),
        _ => None,
    };
    o.user = user(
        get(&fields, &["UserPrincipalName"]),
        get(&fields, &["properties.userId", "userId"]),
        None,
    );
    o.src_endpoint = ip_endpoint(get(&fields, &["IPAddress"]));
    o.dst_endpoint = get(&fields, &["ResourceDisplayName"]).map(|r| OcsfEndpoint {
        hostname: Some(r.to_owned()),
        ..OcsfEndpoint::default()
    });
    o.cloud = Some(OcsfCloud {
        provider: "Azure",
        region: None,
        account_uid: get(&fields, &["tenantId", "properties.tenantId"]).map(str::to_owned),
    });
    let app = get(&fields, &["AppDisplayName"]).map(str::to_owned);
    let message = format!(
        "Sign-in {} {}",
        get(&fields, &["UserPrincipalName"]).unwrap_or("?"),
        if ok { "succeeded" } else { "failed" }
    );
    event(
        (SourceFormat::AzureSignIn, "azure", "signinlogs"),
        time_of(
            m,
            &[
                &["time"],
                &["createdDateTime"],
                &["properties", "createdDateTime"],
                &["TimeGenerated"],
            ],
        ),
        app,
        message,
        o,
        fields,
        raw,
    )
}

/// Entra audit records carry key/value lists: `additionalDetails`
/// (`{key, value}`) and the `modifiedProperties` of each target
/// (`{displayName, oldValue, newValue}`). Sigma rules name their entries
/// directly (`additionalDetails.additionalInfo`,
/// `ConsentContext.IsAdminConsent`), so each becomes a field: the additional
/// detail under `additionalDetails.<key>` (also with a lower-case first letter),
/// the modified property under its display name with the new value (JSON
/// string quotes removed).
fn named_pairs(m: &Map<String, Value>, fields: &mut Fields) {
    let body = m.get("properties").and_then(Value::as_object).unwrap_or(m);
    let items = |key: &str| {
        body.get(key)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
    };
    let mut put = |name: String, value: &str| {
        fields
            .entry(Cow::Owned(name))
            .or_insert_with(|| value.to_owned());
    };
    for d in items("additionalDetails") {
        if let (Some(k), Some(v)) = (
            d.get("key").and_then(Value::as_str),
            d.get("value").and_then(Value::as_str),
        ) {
            let mut lower = k.to_owned();
            if let Some(first) = lower.get_mut(..1) {
                first.make_ascii_lowercase();
            }
            put(format!("additionalDetails.{k}"), v);
            put(format!("additionalDetails.{lower}"), v);
        }
    }
    for t in items("targetResources") {
        let props = t.get("modifiedProperties").and_then(Value::as_array);
        for p in props.map(Vec::as_slice).unwrap_or_default() {
            if let (Some(k), Some(v)) = (
                p.get("displayName").and_then(Value::as_str),
                p.get("newValue").and_then(Value::as_str),
            ) {
                put(k.to_owned(), v.trim().trim_matches('"'));
            }
        }
    }
}

fn azure_audit(m: &Map<String, Value>, mut fields: Fields, raw: String) -> Event {
    const NAMES: &[(&str, &[&str])] = &[
        (
            "OperationName",
            &[
                "operationName",
                "properties.activityDisplayName",
                "activityDisplayName",
            ],
        ),
        (
            "ActivityDisplayName",
            &[
                "properties.activityDisplayName",
                "activityDisplayName",
                "operationName",
            ],
        ),
        ("Category", &["properties.category", "category"]),
        (
            "LoggedByService",
            &["properties.loggedByService", "loggedByService"],
        ),
        ("Result", &["properties.result", "result"]),
        ("Status", &["properties.result", "result"]),
        (
            "OperationType",
            &["properties.operationType", "operationType"],
        ),
        (
            "TargetResources",
            &["properties.targetResources", "targetResources"],
        ),
        (
            "TargetResources.ModifiedProperties.DisplayName",
            &[
                "properties.targetResources.modifiedProperties.displayName",
                "targetResources.modifiedProperties.displayName",
            ],
        ),
        (
            "TargetResources.ModifiedProperties.NewValue",
            &[
                "properties.targetResources.modifiedProperties.newValue",
                "targetResources.modifiedProperties.newValue",
            ],
        ),
        (
            "TargetResources.modifiedProperties.newValue",
            &[
                "properties.targetResources.modifiedProperties.newValue",
                "targetResources.modifiedProperties.newValue",
            ],
        ),
        (
            "TargetResources.modifiedProperties",
            &[
                "properties.targetResources.modifiedProperties",
                "targetResources.modifiedProperties",
            ],
        ),
        ("targetResources.type", &["properties.targetResources.type"]),
        (
            "Initiatedby",
            &[
                "properties.initiatedBy.user.userPrincipalName",
                "initiatedBy.user.userPrincipalName",
                "properties.initiatedBy.app.displayName",
                "initiatedBy.app.displayName",
            ],
        ),
        (
            "Target",
            &[
                "properties.targetResources.userPrincipalName",
                "targetResources.userPrincipalName",
                "properties.targetResources.displayName",
                "targetResources.displayName",
            ],
        ),
        (
            "properties.message",
            &[
                "properties.activityDisplayName",
                "activityDisplayName",
                "operationName",
            ],
        ),
        (
            "ActivityType",
            &[
                "properties.activityDisplayName",
                "activityDisplayName",
                "operationName",
            ],
        ),
        (
            "activityType",
            &[
                "properties.activityDisplayName",
                "activityDisplayName",
                "operationName",
            ],
        ),
        (
            "failure_status_reason",
            &["properties.resultReason", "resultReason"],
        ),
    ];
    for (name, sources) in NAMES {
        alias(&mut fields, name, sources);
    }
    named_pairs(m, &mut fields);
    let op = get(&fields, &["ActivityDisplayName"])
        .unwrap_or("")
        .to_owned();
    let (aid, aname) = match get(&fields, &["OperationType"]) {
        Some("Add" | "Create") => (1, "Create"),
        Some("Update" | "Assign") => (3, "Update"),
        Some("Delete" | "Remove" | "Unassign") => (4, "Delete"),
        _ => api_activity(&op),
    };
    let mut o = Ocsf::new(OcsfClass::ApiActivity, aid, aname);
    if let Some(s) = azure_status(get(&fields, &["Result"])) {
        o = o.with_status(s);
    }
    o.status_detail = get(&fields, &["properties.resultReason", "resultReason"]).map(str::to_owned);
    o.actor = actor(
        get(&fields, &["Initiatedby"]),
        get(
            &fields,
            &[
                "properties.initiatedBy.user.id",
                "initiatedBy.user.id",
                "properties.initiatedBy.app.servicePrincipalId",
                "initiatedBy.app.servicePrincipalId",
            ],
        ),
        None,
    );
    o.src_endpoint = ip_endpoint(get(
        &fields,
        &[
            "properties.initiatedBy.user.ipAddress",
            "initiatedBy.user.ipAddress",
            "callerIpAddress",
        ],
    ));
    let service = get(&fields, &["LoggedByService"]).map(str::to_owned);
    o.api = Some(OcsfApi {
        operation: op.clone(),
        service: service.clone(),
    });
    o.cloud = Some(OcsfCloud {
        provider: "Azure",
        region: None,
        account_uid: get(&fields, &["tenantId", "properties.tenantId"]).map(str::to_owned),
    });
    event(
        (SourceFormat::AzureAudit, "azure", "auditlogs"),
        time_of(
            m,
            &[
                &["time"],
                &["activityDateTime"],
                &["properties", "activityDateTime"],
                &["TimeGenerated"],
            ],
        ),
        service,
        op,
        o,
        fields,
        raw,
    )
}
