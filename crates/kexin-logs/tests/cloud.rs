//! GCP audit logs, Okta System Log and Azure (Activity Log, Entra ID sign-in
//! and audit logs) recognised on the JSON path and mapped to Sigma's field
//! names and OCSF. The records are our own, written after the vendors'
//! documented formats (Cloud Logging `LogEntry`/`AuditLog`, Okta System Log
//! API, Azure Monitor resource-log schemas and Microsoft Graph).

mod common;

use std::collections::BTreeSet;

use kexin_logs::{Event, Normalizer, OcsfClass, SourceFormat, Status};
use time::macros::datetime;

const GCP_SA_KEY: &str = r#"{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","status":{},"authenticationInfo":{"principalEmail":"ci-deployer@acme-prod.iam.gserviceaccount.com"},"requestMetadata":{"callerIp":"203.0.113.50","callerSuppliedUserAgent":"google-cloud-sdk gcloud/460.0.0"},"serviceName":"iam.googleapis.com","methodName":"google.iam.admin.v1.CreateServiceAccountKey","authorizationInfo":[{"resource":"projects/-/serviceAccounts/1234567890","permission":"iam.serviceAccountKeys.create","granted":true}],"resourceName":"projects/-/serviceAccounts/1234567890"},"insertId":"1x2y3z4","resource":{"type":"service_account","labels":{"project_id":"acme-prod","unique_id":"1234567890","email_id":"backup@acme-prod.iam.gserviceaccount.com"}},"timestamp":"2024-03-09T14:02:11.532Z","severity":"NOTICE","logName":"projects/acme-prod/logs/cloudaudit.googleapis.com%2Factivity","receiveTimestamp":"2024-03-09T14:02:12.1Z"}"#;

const GCP_DENIED_PUBSUB: &str = r#"{"data":{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","status":{"code":7,"message":"PERMISSION_DENIED"},"authenticationInfo":{"principalEmail":"mallory@example.org"},"requestMetadata":{"callerIp":"198.51.100.77"},"serviceName":"storage.googleapis.com","methodName":"storage.buckets.delete","authorizationInfo":[{"resource":"projects/_/buckets/acme-backups","permission":"storage.buckets.delete","granted":false}],"resourceName":"projects/_/buckets/acme-backups"},"resource":{"type":"gcs_bucket","labels":{"project_id":"acme-prod","location":"europe-west1","bucket_name":"acme-backups"}},"timestamp":"2024-03-09T14:05:00Z","logName":"projects/acme-prod/logs/cloudaudit.googleapis.com%2Factivity"}}"#;

const OKTA_LOGIN_FAILED: &str = r#"{"actor":{"id":"00u1a2b3c4D5e6F7g8h9","type":"User","alternateId":"alice@acme.example","displayName":"Alice Example","detailEntry":null},"client":{"userAgent":{"rawUserAgent":"Mozilla/5.0 (X11; Linux x86_64)","os":"Linux","browser":"FIREFOX"},"zone":"null","device":"Computer","id":null,"ipAddress":"198.51.100.23","geographicalContext":{"city":"Amsterdam","country":"Netherlands"}},"authenticationContext":{"authenticationProvider":null,"credentialProvider":null,"credentialType":null,"issuer":null,"externalSessionId":"unknown"},"displayMessage":"User login to Okta","eventType":"user.session.start","outcome":{"result":"FAILURE","reason":"INVALID_CREDENTIALS"},"published":"2024-03-09T15:00:01.123Z","securityContext":{"asNumber":64496,"asOrg":"example transit","isp":"example isp","domain":"example.net","isProxy":false},"severity":"WARN","debugContext":{"debugData":{"requestUri":"/api/v1/authn","threatSuspected":"false"}},"legacyEventType":"core.user_auth.login_failed","transaction":{"type":"WEB","id":"ZexAmPlE1","detail":{}},"uuid":"2c5a1e0e-de0f-11ee-9a3b-0b5f2c6a7d10","version":"0","request":{"ipChain":[{"ip":"198.51.100.23","version":"V4"}]},"target":null}"#;

const OKTA_ADMIN_GRANT: &str = r#"{"actor":{"id":"00u9z8y7x6W5v4U3t2s1","type":"User","alternateId":"it-admin@acme.example","displayName":"IT Admin"},"client":{"ipAddress":"203.0.113.10"},"displayMessage":"Grant user privilege","eventType":"user.account.privilege.grant","outcome":{"result":"SUCCESS"},"published":"2024-03-09T15:10:00Z","securityContext":{"isProxy":true},"severity":"INFO","legacyEventType":"core.user.admin_privilege.granted","uuid":"3d6b2f1f-de0f-11ee-9a3b-0b5f2c6a7d10","version":"0","target":[{"id":"00u1a2b3c4D5e6F7g8h9","type":"User","alternateId":"bob@acme.example","displayName":"Bob Example"},{"id":"ra1b2c3","type":"ROLE","alternateId":"unknown","displayName":"Super Administrator"}]}"#;

const AZ_ACTIVITY_EXPORT: &str = r#"{"time":"2024-03-09T16:00:00.1234567Z","resourceId":"/SUBSCRIPTIONS/0A1B2C3D-0000-4000-8000-123456789ABC/RESOURCEGROUPS/PROD-RG/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/WEB01/EXTENSIONS/CUSTOMSCRIPT","operationName":"MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE","category":"Administrative","resultType":"Success","resultSignature":"Succeeded.Created","durationMs":"2311","callerIpAddress":"203.0.113.61","correlationId":"6f1b2c3d-1111-4222-8333-444455556666","identity":{"authorization":{"scope":"/subscriptions/0a1b2c3d-0000-4000-8000-123456789abc/resourceGroups/prod-rg","action":"Microsoft.Compute/virtualMachines/extensions/write"},"claims":{"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"ops@acme.example","name":"Ops"}},"level":"Information","location":"westeurope","properties":{"statusCode":"Created","serviceRequestId":null,"eventCategory":"Administrative","entity":"/subscriptions/0a1b2c3d-0000-4000-8000-123456789abc/resourceGroups/prod-rg/providers/Microsoft.Compute/virtualMachines/web01/extensions/CustomScript","message":"Microsoft.Compute/virtualMachines/extensions/write","hierarchy":"acme"}}"#;

const AZ_ACTIVITY_REST: &str = r#"{"caller":"mallory@acme.example","category":{"value":"Administrative","localizedValue":"Administrative"},"eventTimestamp":"2024-03-09T16:10:00Z","httpRequest":{"clientIpAddress":"198.51.100.77"},"operationName":{"value":"Microsoft.Network/networkSecurityGroups/securityRules/delete","localizedValue":"Delete Security Rule"},"resourceId":"/subscriptions/0a1b2c3d-0000-4000-8000-123456789abc/resourceGroups/prod-rg/providers/Microsoft.Network/networkSecurityGroups/web-nsg/securityRules/deny-ssh","resourceProviderName":{"value":"Microsoft.Network","localizedValue":"Microsoft.Network"},"status":{"value":"Failed","localizedValue":"Failed"},"subStatus":{"value":"Forbidden"},"subscriptionId":"0a1b2c3d-0000-4000-8000-123456789abc"}"#;

const AZ_SIGNIN_EXPORT: &str = r#"{"time":"2024-03-09T17:00:00Z","resourceId":"/tenants/11111111-2222-4333-8444-555555555555/providers/Microsoft.aadiam","operationName":"Sign-in activity","operationVersion":"1.0","category":"SignInLogs","tenantId":"11111111-2222-4333-8444-555555555555","resultType":"50126","resultSignature":"None","resultDescription":"Error validating credentials due to invalid username or password.","durationMs":0,"callerIpAddress":"198.51.100.23","correlationId":"aaaa-bbbb","identity":"Alice Example","Level":4,"location":"NL","properties":{"id":"c0ffee00-0000-4000-8000-000000000001","createdDateTime":"2024-03-09T17:00:00Z","userDisplayName":"Alice Example","userPrincipalName":"alice@acme.example","userId":"0b0b0b0b-0000-4000-8000-000000000002","appId":"00000003-0000-0000-c000-000000000000","appDisplayName":"Microsoft Graph","ipAddress":"198.51.100.23","status":{"errorCode":50126,"failureReason":"Error validating credentials due to invalid username or password."},"clientAppUsed":"Browser","userAgent":"Mozilla/5.0 (X11; Linux x86_64)","deviceDetail":{"deviceId":"9d8c7b6a-0000-4000-8000-000000000007","displayName":"LT-ALICE","operatingSystem":"Linux","browser":"Firefox 123.0","isCompliant":false,"isManaged":true,"trustType":"Azure AD registered"},"networkLocationDetails":[],"location":{"city":"Amsterdam","countryOrRegion":"NL"},"conditionalAccessStatus":"notApplied","authenticationRequirement":"singleFactorAuthentication","riskState":"none","resourceDisplayName":"Microsoft Graph","isInteractive":true}}"#;

const AZ_AUDIT_EXPORT: &str = r#"{"time":"2024-03-09T18:00:00Z","resourceId":"/tenants/11111111-2222-4333-8444-555555555555/providers/Microsoft.aadiam","operationName":"Update user","operationVersion":"1.0","category":"AuditLogs","tenantId":"11111111-2222-4333-8444-555555555555","resultSignature":"None","durationMs":0,"callerIpAddress":"203.0.113.61","correlationId":"cccc-dddd","Level":4,"properties":{"id":"Directory_ABC","category":"UserManagement","correlationId":"cccc-dddd","result":"success","resultReason":"","activityDisplayName":"Update user","activityDateTime":"2024-03-09T18:00:00Z","loggedByService":"Core Directory","operationType":"Update","initiatedBy":{"user":{"id":"0c0c0c0c-0000-4000-8000-000000000003","displayName":null,"userPrincipalName":"it-admin@acme.example","ipAddress":"203.0.113.61"}},"targetResources":[{"id":"0b0b0b0b-0000-4000-8000-000000000002","displayName":null,"type":"User","userPrincipalName":"alice@acme.example","modifiedProperties":[{"displayName":"StrongAuthenticationRequirement","oldValue":"[{\"RelyingParty\":\"*\",\"State\":1}]","newValue":"[{\"RelyingParty\":\"*\",\"State\":0}]"},{"displayName":"Included Updated Properties","oldValue":null,"newValue":"\"StrongAuthenticationRequirement\""}]}],"additionalDetails":[{"key":"UserType","value":"Member"}]}}"#;

const AZ_AUDIT_GRAPH: &str = r#"{"id":"Directory_XYZ","category":"RoleManagement","correlationId":"eeee-ffff","result":"success","resultReason":"","activityDisplayName":"Add member to role","activityDateTime":"2024-03-09T18:30:00Z","loggedByService":"Core Directory","operationType":"Assign","initiatedBy":{"app":null,"user":{"id":"0c0c0c0c-0000-4000-8000-000000000003","userPrincipalName":"it-admin@acme.example","ipAddress":"203.0.113.61"}},"targetResources":[{"id":"5p5p5p5p-0000-4000-8000-000000000004","displayName":"backup-app","type":"ServicePrincipal","modifiedProperties":[{"displayName":"Role.DisplayName","oldValue":null,"newValue":"\"Global Administrator\""}]}]}"#;

const AZ_AUDIT_CONSENT: &str = r#"{"id":"ApplicationManagement_1","category":"ApplicationManagement","result":"failure","resultReason":"Microsoft.online.Security.userConsentBlockedForRiskyAppsExceptions","activityDisplayName":"Consent to application","activityDateTime":"2024-03-09T19:00:00Z","loggedByService":"Core Directory","operationType":"Assign","initiatedBy":{"user":{"userPrincipalName":"bob@acme.example","ipAddress":"198.51.100.23"}},"targetResources":[{"id":"7a7a7a7a-0000-4000-8000-000000000005","displayName":"Mail Export Helper","type":"ServicePrincipal","modifiedProperties":[{"displayName":"ConsentContext.IsAdminConsent","oldValue":null,"newValue":"\"False\""},{"displayName":"ConsentAction.Permissions","oldValue":null,"newValue":"\"Scope: Mail.Read offline_access\""}]}],"additionalDetails":[{"key":"AdditionalInfo","value":"Consent blocked: risky application"},{"key":"User-Agent","value":"Mozilla/5.0"}]}"#;

fn ev(line: &str) -> Event {
    let mut out = Vec::new();
    Normalizer::new(datetime!(2024-03-10 12:00:00 UTC))
        .line(line.as_bytes(), &mut out)
        .unwrap_or_else(|e| panic!("{line}: {e}"));
    assert_eq!(out.len(), 1);
    out.pop().unwrap()
}

#[test]
fn gcp_audit_entry_is_api_activity_with_sigma_names() {
    let e = ev(GCP_SA_KEY);
    assert_eq!(e.format, SourceFormat::GcpAudit);
    assert_eq!(
        (e.logsource.product, e.logsource.service),
        (Some("gcp"), Some("gcp.audit"))
    );
    assert_eq!(
        e.field("gcp.audit.method_name"),
        Some("google.iam.admin.v1.CreateServiceAccountKey")
    );
    assert_eq!(
        e.field("protoPayload.serviceName"),
        Some("iam.googleapis.com")
    );
    assert_eq!(
        e.field("protoPayload.authorizationInfo.permission"),
        Some("iam.serviceAccountKeys.create")
    );
    assert_eq!(e.time, Some(datetime!(2024-03-09 14:02:11.532 UTC)));
    let o = e.ocsf.as_ref().unwrap();
    assert_eq!(
        (o.class, o.activity_id, o.status),
        (OcsfClass::ApiActivity, 1, Some(Status::Success))
    );
    assert_eq!(
        o.actor.as_ref().unwrap().user.name.as_deref(),
        Some("ci-deployer@acme-prod.iam.gserviceaccount.com")
    );
    assert_eq!(
        o.src_endpoint.as_ref().unwrap().ip.as_deref(),
        Some("203.0.113.50")
    );
    let c = o.cloud.as_ref().unwrap();
    assert_eq!(
        (c.provider, c.account_uid.as_deref()),
        ("GCP", Some("acme-prod"))
    );
}

#[test]
fn gcp_pubsub_wrapper_keeps_both_spellings_and_failure() {
    let e = ev(GCP_DENIED_PUBSUB);
    assert_eq!(
        e.field("data.protoPayload.methodName"),
        Some("storage.buckets.delete")
    );
    assert_eq!(
        e.field("protoPayload.methodName"),
        Some("storage.buckets.delete")
    );
    assert_eq!(
        e.field("data.protoPayload.authorizationInfo.granted"),
        Some("false")
    );
    let o = e.ocsf.as_ref().unwrap();
    assert_eq!((o.activity_id, o.status), (4, Some(Status::Failure)));
    assert_eq!(o.status_detail.as_deref(), Some("7: PERMISSION_DENIED"));
    assert_eq!(
        o.cloud.as_ref().unwrap().region.as_deref(),
        Some("europe-west1")
    );
}

#[test]
fn okta_session_start_is_authentication() {
    let e = ev(OKTA_LOGIN_FAILED);
    assert_eq!(
        (e.logsource.product, e.logsource.service),
        (Some("okta"), Some("okta"))
    );
    assert_eq!(e.field("eventType"), Some("user.session.start"));
    assert_eq!(e.field("outcome.reason"), Some("INVALID_CREDENTIALS"));
    assert_eq!(
        e.field("debugContext.debugData.requestUri"),
        Some("/api/v1/authn")
    );
    assert_eq!(e.field("securityContext.isProxy"), Some("false"));
    assert_eq!(e.message, "User login to Okta");
    let o = e.ocsf.as_ref().unwrap();
    assert_eq!(
        (o.class, o.status),
        (OcsfClass::Authentication, Some(Status::Failure))
    );
    assert_eq!(
        o.user.as_ref().unwrap().name.as_deref(),
        Some("alice@acme.example")
    );
    assert_eq!(
        o.src_endpoint.as_ref().unwrap().ip.as_deref(),
        Some("198.51.100.23")
    );
}

#[test]
fn okta_admin_event_is_api_activity_and_targets_are_reachable() {
    let e = ev(OKTA_ADMIN_GRANT);
    assert_eq!(
        e.field("target.displayName"),
        Some("Bob Example"),
        "first target"
    );
    assert_eq!(e.field("target.1.displayName"), Some("Super Administrator"));
    assert!(e.field("target").unwrap().contains("Super Administrator"));
    assert_eq!(e.field("actor.alternateId"), Some("it-admin@acme.example"));
    let o = e.ocsf.as_ref().unwrap();
    assert_eq!(
        (o.class, o.status),
        (OcsfClass::ApiActivity, Some(Status::Success))
    );
    assert_eq!(
        o.api.as_ref().unwrap().operation,
        "user.account.privilege.grant"
    );
}

#[test]
fn azure_activity_export_and_rest_formats() {
    let e = ev(AZ_ACTIVITY_EXPORT);
    assert_eq!(
        (e.logsource.product, e.logsource.service),
        (Some("azure"), Some("activitylogs"))
    );
    assert_eq!(
        e.field("operationName"),
        Some("MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE")
    );
    assert_eq!(e.field("CategoryValue"), Some("Administrative"));
    assert_eq!(e.field("ResourceProviderValue"), Some("MICROSOFT.COMPUTE"));
    assert_eq!(
        e.field("properties.message"),
        Some("Microsoft.Compute/virtualMachines/extensions/write")
    );
    let o = e.ocsf.as_ref().unwrap();
    assert_eq!((o.activity_id, o.status), (3, Some(Status::Success)));
    assert_eq!(
        o.actor.as_ref().unwrap().user.name.as_deref(),
        Some("ops@acme.example")
    );
    assert_eq!(
        o.cloud.as_ref().unwrap().account_uid.as_deref(),
        Some("0A1B2C3D-0000-4000-8000-123456789ABC")
    );

    let e = ev(AZ_ACTIVITY_REST);
    assert_eq!(e.format, SourceFormat::AzureActivity);
    assert_eq!(
        e.field("operationName"),
        Some("Microsoft.Network/networkSecurityGroups/securityRules/delete")
    );
    assert_eq!(e.field("OperationNameValue"), e.field("operationName"));
    assert_eq!(e.field("ResourceProviderValue"), Some("Microsoft.Network"));
    let o = e.ocsf.as_ref().unwrap();
    assert_eq!((o.activity_id, o.status), (4, Some(Status::Failure)));
    assert_eq!(
        o.src_endpoint.as_ref().unwrap().ip.as_deref(),
        Some("198.51.100.77")
    );
}

#[test]
fn azure_signin_failure_is_failed_authentication() {
    let e = ev(AZ_SIGNIN_EXPORT);
    assert_eq!(
        (e.logsource.product, e.logsource.service),
        (Some("azure"), Some("signinlogs"))
    );
    assert_eq!(e.field("ResultType"), Some("50126"));
    assert_eq!(e.field("Status"), Some("Failure"));
    assert_eq!(
        e.field("AuthenticationRequirement"),
        Some("singleFactorAuthentication")
    );
    assert_eq!(e.field("DeviceDetail.isCompliant"), Some("false"));
    assert_eq!(e.field("conditionalAccessStatus"), Some("notApplied"));
    let o = e.ocsf.as_ref().unwrap();
    assert_eq!(
        (o.class, o.status),
        (OcsfClass::Authentication, Some(Status::Failure))
    );
    assert_eq!(
        o.user.as_ref().unwrap().name.as_deref(),
        Some("alice@acme.example")
    );
    assert!(
        o.status_detail
            .as_deref()
            .unwrap()
            .starts_with("50126: Error validating")
    );
}

#[test]
fn azure_audit_export_and_graph_formats() {
    let e = ev(AZ_AUDIT_EXPORT);
    assert_eq!(
        (e.logsource.product, e.logsource.service),
        (Some("azure"), Some("auditlogs"))
    );
    assert_eq!(e.field("OperationName"), Some("Update user"));
    assert_eq!(e.field("Category"), Some("UserManagement"));
    assert_eq!(e.field("LoggedByService"), Some("Core Directory"));
    assert_eq!(
        e.field("TargetResources.ModifiedProperties.DisplayName"),
        Some("StrongAuthenticationRequirement")
    );
    assert!(
        e.field("TargetResources.ModifiedProperties.NewValue")
            .unwrap()
            .contains("State\":0")
    );
    assert_eq!(e.field("Initiatedby"), Some("it-admin@acme.example"));
    assert_eq!(e.field("Target"), Some("alice@acme.example"));
    let o = e.ocsf.as_ref().unwrap();
    assert_eq!(
        (o.class, o.activity_id, o.status),
        (OcsfClass::ApiActivity, 3, Some(Status::Success))
    );

    let e = ev(AZ_AUDIT_GRAPH);
    assert_eq!(e.format, SourceFormat::AzureAudit);
    assert_eq!(e.field("targetResources.type"), Some("ServicePrincipal"));
    assert_eq!(e.field("properties.message"), Some("Add member to role"));
    assert_eq!(
        e.ocsf
            .as_ref()
            .unwrap()
            .api
            .as_ref()
            .unwrap()
            .service
            .as_deref(),
        Some("Core Directory")
    );
}

#[test]
fn azure_audit_key_value_lists_become_fields() {
    let e = ev(AZ_AUDIT_CONSENT);
    assert_eq!(e.field("ConsentContext.IsAdminConsent"), Some("False"));
    assert_eq!(
        e.field("additionalDetails.additionalInfo"),
        Some("Consent blocked: risky application")
    );
    assert_eq!(
        e.field("additionalDetails.AdditionalInfo"),
        Some("Consent blocked: risky application")
    );
    assert_eq!(
        e.field("failure_status_reason"),
        Some("Microsoft.online.Security.userConsentBlockedForRiskyAppsExceptions")
    );
    assert_eq!(e.field("ActivityType"), Some("Consent to application"));
    assert_eq!(e.ocsf.as_ref().unwrap().status, Some(Status::Failure));
}

/// Which field names of SigmaHQ's rules for each service our sample events
/// carry; the rest are pinned with the reason they are missing.
#[test]
fn sigma_rule_fields_are_covered() {
    let cases: &[(&str, &str, &[&str], &[&str])] = &[
        // `data.protoPayload.*` come from the aliases for direct exports.
        (
            "cloud/gcp",
            "gcp.audit",
            &[GCP_SA_KEY, GCP_DENIED_PUBSUB],
            &[],
        ),
        // Okta's debugData keys appear only on the events that have them.
        (
            "identity/okta",
            "okta",
            &[OKTA_LOGIN_FAILED, OKTA_ADMIN_GRANT],
            &[
                "debugContext.debugData.behaviors",
                "debugContext.debugData.logOnlySecurityData",
            ],
        ),
        (
            "cloud/azure",
            "activitylogs",
            &[AZ_ACTIVITY_EXPORT, AZ_ACTIVITY_REST],
            &[],
        ),
        // `ActivityDetails` ("Sign-ins") is a constant of one SIEM's table,
        // `Resultdescription` a misspelt `ResultDescription`, and the
        // `properties.message` rules (Device Code, ROPC) read the
        // authentication protocol, which the v1.0 sign-in schema lacks.
        (
            "cloud/azure",
            "signinlogs",
            &[AZ_SIGNIN_EXPORT],
            &["ActivityDetails", "Resultdescription", "properties.message"],
        ),
        (
            "cloud/azure",
            "auditlogs",
            &[AZ_AUDIT_EXPORT, AZ_AUDIT_GRAPH, AZ_AUDIT_CONSENT],
            &[],
        ),
    ];
    for (dir, service, samples, known_gaps) in cases {
        let Some(rules) = common::rule_fields(dir, service) else {
            return;
        };
        let events: Vec<Event> = samples.iter().map(|l| ev(l)).collect();
        let have: BTreeSet<&str> = events
            .iter()
            .flat_map(|e| e.fields.keys().map(|k| k.as_ref()))
            .collect();
        let missing = common::missing(&rules, &have);
        let mut expected = known_gaps.to_vec();
        expected.sort_unstable();
        assert_eq!(missing, expected, "{service}: rule fields our samples lack");
    }
}

#[test]
fn plain_json_is_not_mistaken_for_a_vendor_shape() {
    for line in [
        r#"{"eventType":"click","actor":"bob"}"#,
        r#"{"category":"Administrative","message":"x"}"#,
        r#"{"protoPayload":{"@type":"type.googleapis.com/other"}}"#,
        r#"{"data":[1,2]}"#,
    ] {
        let e = ev(line);
        assert_eq!(e.format, SourceFormat::JsonLine, "{line}");
        assert_eq!(e.logsource.product, None);
    }
}

#[test]
fn snapshot_cloud_events() {
    let view: Vec<_> = [
        GCP_SA_KEY,
        GCP_DENIED_PUBSUB,
        OKTA_LOGIN_FAILED,
        OKTA_ADMIN_GRANT,
        AZ_ACTIVITY_EXPORT,
        AZ_ACTIVITY_REST,
        AZ_SIGNIN_EXPORT,
        AZ_AUDIT_EXPORT,
        AZ_AUDIT_GRAPH,
        AZ_AUDIT_CONSENT,
    ]
    .iter()
    .map(|l| {
        let e = ev(l);
        serde_json::json!({ "format": e.format, "logsource": e.logsource, "ocsf": e.ocsf, "fields": e.fields, "time": e.time.map(|t| t.to_string()), "message": e.message })
    })
    .collect();
    insta::assert_json_snapshot!("cloud_events", view);
}
