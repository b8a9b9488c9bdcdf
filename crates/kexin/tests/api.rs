//! The HTTP API against the real server: login, tokens, role limits,
//! tenant isolation, bad input and faults.

mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{ADMIN_PASSWORD, Api, Server};

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

/// Two tenants with one user of each role in `acme`, and a token per role.
struct World {
    server: Server,
    admin: Api,
    acme: std::collections::HashMap<&'static str, Api>,
    globex_admin: Api,
    globex_asset: String,
    globex_user: String,
    globex_token: String,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    world_with(&[]).await
}

async fn world_with(env: &[(&str, &str)]) -> World {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), env);
    let admin = server.admin().await;
    for (slug, name) in [("acme", "Acme Bank"), ("globex", "Globex Cloud")] {
        let (s, b) = admin
            .post("/api/v1/tenants", json!({"slug": slug, "name": name}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let mut acme = std::collections::HashMap::new();
    for role in ["tenant_admin", "analyst", "auditor", "viewer"] {
        let token = admin.token("acme", role, role).await;
        acme.insert(role, server.api().with_token(&token));
    }
    let globex_admin = server
        .api()
        .with_token(&admin.token("globex", "admin", "tenant_admin").await);
    let (_, asset) = globex_admin
        .post(
            "/api/v1/tenants/globex/assets",
            json!({"name": "db-1", "kind": "database"}),
        )
        .await;
    let (_, user) = globex_admin
        .post(
            "/api/v1/tenants/globex/users",
            json!({"username": "gina", "role": "analyst"}),
        )
        .await;
    let (_, tokens) = globex_admin.get("/api/v1/tenants/globex/tokens").await;
    World {
        globex_asset: asset["id"].as_str().unwrap().into(),
        globex_user: user["user"]["id"].as_str().unwrap().into(),
        globex_token: tokens[0]["id"].as_str().unwrap().into(),
        server,
        admin,
        acme,
        globex_admin,
        _dir: dir,
    }
}

#[tokio::test]
async fn login_one_time_password_and_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let otp = server.first_password.clone().unwrap();
    let mut web = server.api();

    let (s, b) = web.login("platform", "admin", "wrong password").await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::UNAUTHORIZED, "invalid_credentials")
    );
    let (s, b) = web.login("no-such-tenant", "admin", &otp).await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::UNAUTHORIZED, "invalid_credentials"),
        "same answer for unknown tenants"
    );

    let (s, b) = web.login("platform", "admin", &otp).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = web.get("/api/v1/me").await;
    assert_eq!(
        (s, b["must_change_password"].as_bool()),
        (StatusCode::OK, Some(true))
    );
    let (s, b) = web.get("/api/v1/tenants").await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::FORBIDDEN, "password_change_required")
    );
    let (s, b) = web
        .post(
            "/api/v1/me/password",
            json!({"current_password": otp, "new_password": "short"}),
        )
        .await;
    assert_eq!(
        (s, b["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("new_password"))
    );
    let (s, _) = web
        .post(
            "/api/v1/me/password",
            json!({"current_password": otp, "new_password": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, b) = web.get("/api/v1/tenants").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b[0]["slug"], "platform");

    // The one-time password no longer works; the new one does.
    let (s, _) = server.api().login("platform", "admin", &otp).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = server
        .api()
        .login("platform", "admin", ADMIN_PASSWORD)
        .await;
    assert_eq!(s, StatusCode::OK);

    // Cross-site requests riding on the cookie are refused.
    let rb = web
        .request(reqwest::Method::POST, "/api/v1/tenants")
        .header("origin", "http://evil.example")
        .json(&json!({"slug": "x1", "name": "x"}));
    let (s, b) = Api::send(rb).await;
    assert_eq!((s, code(&b)), (StatusCode::FORBIDDEN, "cross_origin"));

    // Logout ends the session.
    let (s, _) = web.post("/api/v1/auth/logout", json!({})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, b) = web.get("/api/v1/me").await;
    assert_eq!((s, code(&b)), (StatusCode::UNAUTHORIZED, "invalid_session"));
}

#[tokio::test]
async fn repeated_failures_lock_the_account() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        &dir.path().join("data"),
        &[("KEXIN_AUTH__LOCKOUT_THRESHOLD", "3")],
    );
    let otp = server.first_password.clone().unwrap();
    for _ in 0..3 {
        let (s, _) = server
            .api()
            .login("platform", "admin", "nope-nope-nope")
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let (s, b) = server.api().login("platform", "admin", &otp).await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::UNAUTHORIZED, "account_locked"),
        "even the right password is refused while locked"
    );
}

#[tokio::test]
async fn roles_limit_what_each_caller_may_do() {
    let w = world().await;
    let asset = json!({"name": "web-1", "kind": "host", "address": "10.0.0.5", "tags": ["prod"]});
    let expect = |role: &str, what: &str, got: StatusCode, want: StatusCode| {
        assert_eq!(got, want, "{role}: {what}")
    };

    let (s, _) = w.acme["viewer"]
        .post("/api/v1/tenants/acme/assets", asset.clone())
        .await;
    expect("viewer", "create asset", s, StatusCode::FORBIDDEN);
    let (s, _) = w.acme["auditor"]
        .post("/api/v1/tenants/acme/assets", asset.clone())
        .await;
    expect("auditor", "create asset", s, StatusCode::FORBIDDEN);
    let (s, b) = w.acme["analyst"]
        .post("/api/v1/tenants/acme/assets", asset.clone())
        .await;
    expect("analyst", "create asset", s, StatusCode::CREATED);
    let id = b["id"].as_str().unwrap().to_string();
    let (s, b) = w.acme["viewer"]
        .get(&format!("/api/v1/tenants/acme/assets/{id}"))
        .await;
    expect("viewer", "read asset", s, StatusCode::OK);
    assert_eq!(b["tags"], json!(["prod"]));

    for (role, want) in [
        ("analyst", StatusCode::FORBIDDEN),
        ("viewer", StatusCode::FORBIDDEN),
        ("auditor", StatusCode::OK),
        ("tenant_admin", StatusCode::OK),
    ] {
        let (s, _) = w.acme[role].get("/api/v1/tenants/acme/audit").await;
        expect(role, "read audit", s, want);
        let (s, _) = w.acme[role].get("/api/v1/tenants/acme/users").await;
        expect(role, "list users", s, want);
    }
    for role in ["analyst", "auditor", "viewer"] {
        let (s, _) = w.acme[role]
            .post(
                "/api/v1/tenants/acme/users",
                json!({"username": "eve", "role": "viewer"}),
            )
            .await;
        expect(role, "create user", s, StatusCode::FORBIDDEN);
        let (s, _) = w.acme[role]
            .post(
                "/api/v1/tenants/acme/tokens",
                json!({"name": "t", "role": "viewer"}),
            )
            .await;
        expect(role, "create token", s, StatusCode::FORBIDDEN);
    }
    let ta = &w.acme["tenant_admin"];
    let (s, _) = ta
        .post("/api/v1/tenants", json!({"slug": "mine", "name": "Mine"}))
        .await;
    expect("tenant_admin", "create tenant", s, StatusCode::FORBIDDEN);
    let (s, _) = ta
        .post(
            "/api/v1/tenants/acme/users",
            json!({"username": "root2", "role": "platform_admin"}),
        )
        .await;
    expect(
        "tenant_admin",
        "grant platform_admin",
        s,
        StatusCode::FORBIDDEN,
    );
    let (s, b) = ta
        .post(
            "/api/v1/tenants/acme/users",
            json!({"username": "carol", "role": "analyst"}),
        )
        .await;
    expect("tenant_admin", "create analyst", s, StatusCode::CREATED);
    let otp = b["one_time_password"].as_str().unwrap().to_string();
    let carol = b["user"]["id"].as_str().unwrap().to_string();
    let mut carol_web = w.server.api();
    let (s, _) = carol_web.login("acme", "carol", &otp).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = ta
        .patch(
            &format!("/api/v1/tenants/acme/users/{carol}"),
            json!({"status": "disabled"}),
        )
        .await;
    expect("tenant_admin", "disable user", s, StatusCode::OK);
    let (s, b) = carol_web.get("/api/v1/me").await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::UNAUTHORIZED, "invalid_session"),
        "disabling ends sessions"
    );

    // A revoked token stops working at once.
    let (_, tokens) = ta.get("/api/v1/tenants/acme/tokens").await;
    let viewer_token = tokens
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "viewer")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, _) = ta
        .delete(&format!("/api/v1/tenants/acme/tokens/{viewer_token}"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = w.acme["viewer"].get("/api/v1/tenants/acme/assets").await;
    assert_eq!((s, code(&b)), (StatusCode::UNAUTHORIZED, "invalid_token"));
    assert!(
        tokens
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t.get("secret").is_none() && t.get("token_hash").is_none()),
        "secrets never listed"
    );

    // Suspending the tenant refuses its tokens.
    let (s, _) = w
        .admin
        .patch("/api/v1/tenants/acme", json!({"status": "suspended"}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = w.acme["analyst"].get("/api/v1/tenants/acme/assets").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn another_tenants_data_can_never_be_read_or_changed() {
    let w = world().await;
    let (_, before) = w
        .globex_admin
        .get("/api/v1/tenants/globex/audit?limit=1000")
        .await;
    let ga = &w.globex_asset;
    let gu = &w.globex_user;
    let gt = &w.globex_token;
    for (role, api) in &w.acme {
        let attempts: Vec<(&str, String, Option<Value>)> = vec![
            ("GET", "/api/v1/tenants/globex".into(), None),
            ("GET", "/api/v1/tenants/globex/summary".into(), None),
            ("GET", "/api/v1/tenants/globex/users".into(), None),
            ("GET", format!("/api/v1/tenants/globex/users/{gu}"), None),
            ("GET", "/api/v1/tenants/globex/assets".into(), None),
            ("GET", format!("/api/v1/tenants/globex/assets/{ga}"), None),
            ("GET", "/api/v1/tenants/globex/audit".into(), None),
            ("GET", "/api/v1/tenants/globex/audit/export".into(), None),
            ("GET", "/api/v1/tenants/globex/tokens".into(), None),
            (
                "POST",
                "/api/v1/tenants/globex/assets".into(),
                Some(json!({"name": "x", "kind": "host"})),
            ),
            (
                "POST",
                "/api/v1/tenants/globex/users".into(),
                Some(json!({"username": "mallory", "role": "viewer"})),
            ),
            (
                "POST",
                "/api/v1/tenants/globex/tokens".into(),
                Some(json!({"name": "x", "role": "viewer"})),
            ),
            (
                "PATCH",
                format!("/api/v1/tenants/globex/users/{gu}"),
                Some(json!({"role": "tenant_admin"})),
            ),
            (
                "POST",
                format!("/api/v1/tenants/globex/users/{gu}/password-reset"),
                Some(json!({})),
            ),
            (
                "PATCH",
                format!("/api/v1/tenants/globex/assets/{ga}"),
                Some(json!({"name": "pwned"})),
            ),
            (
                "DELETE",
                format!("/api/v1/tenants/globex/assets/{ga}"),
                None,
            ),
            (
                "DELETE",
                format!("/api/v1/tenants/globex/tokens/{gt}"),
                None,
            ),
            (
                "PATCH",
                "/api/v1/tenants/globex".into(),
                Some(json!({"status": "suspended"})),
            ),
            ("GET", "/api/v1/audit".into(), None),
            ("GET", "/api/v1/audit/verify".into(), None),
            ("GET", "/api/v1/tenants/does-not-exist/assets".into(), None),
        ];
        for (method, path, body) in attempts {
            let mut rb = api.request(method.parse().unwrap(), &path);
            if let Some(b) = body {
                rb = rb.json(&b);
            }
            let (s, b) = Api::send(rb).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{role} {method} {path}: {b}");
        }
        // Ids of another tenant used under one's own tenant find nothing.
        let own: Vec<(&str, String, Option<Value>)> = vec![
            ("GET", format!("/api/v1/tenants/acme/assets/{ga}"), None),
            ("GET", format!("/api/v1/tenants/acme/users/{gu}"), None),
            (
                "PATCH",
                format!("/api/v1/tenants/acme/assets/{ga}"),
                Some(json!({"name": "pwned"})),
            ),
            ("DELETE", format!("/api/v1/tenants/acme/assets/{ga}"), None),
            (
                "PATCH",
                format!("/api/v1/tenants/acme/users/{gu}"),
                Some(json!({"status": "disabled"})),
            ),
            ("DELETE", format!("/api/v1/tenants/acme/tokens/{gt}"), None),
        ];
        for (method, path, body) in own {
            let mut rb = api.request(method.parse().unwrap(), &path);
            if let Some(b) = body {
                rb = rb.json(&b);
            }
            let (s, b) = Api::send(rb).await;
            assert!(
                s == StatusCode::NOT_FOUND || s == StatusCode::FORBIDDEN,
                "{role} {method} {path}: {s} {b}"
            );
        }
        let (_, list) = api.get("/api/v1/tenants").await;
        assert_eq!(
            list.as_array().map(|l| l.len()),
            Some(1),
            "{role} sees only its tenant"
        );
    }
    // Globex is exactly as it was.
    let (_, asset) = w
        .globex_admin
        .get(&format!("/api/v1/tenants/globex/assets/{ga}"))
        .await;
    assert_eq!(asset["name"], "db-1");
    let (_, user) = w
        .globex_admin
        .get(&format!("/api/v1/tenants/globex/users/{gu}"))
        .await;
    assert_eq!(
        (user["role"].as_str(), user["status"].as_str()),
        (Some("analyst"), Some("active"))
    );
    let (s, _) = w.globex_admin.get("/api/v1/tenants/globex/assets").await;
    assert_eq!(s, StatusCode::OK, "globex's token was not revoked");
    let (_, after) = w
        .globex_admin
        .get("/api/v1/tenants/globex/audit?limit=1000")
        .await;
    let changed: Vec<&Value> = after.as_array().unwrap()[before.as_array().unwrap().len()..]
        .iter()
        .filter(|r| r["outcome"] == "success" && r["action"] != "audit.export")
        .collect();
    assert!(
        changed.is_empty(),
        "no successful change in globex: {changed:?}"
    );
    // Every refusal is in the platform-wide audit trail.
    let (_, denied) = w.admin.get("/api/v1/audit?outcome=denied&limit=1000").await;
    assert!(
        denied.as_array().unwrap().len() >= 4 * 21,
        "denials are audited: {}",
        denied.as_array().unwrap().len()
    );
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_changes_nothing() {
    let w = world_with(&[("KEXIN_SERVER__MAX_BODY_BYTES", "4096")]).await;
    let api = &w.acme["analyst"];
    let path = "/api/v1/tenants/acme/assets";
    let raw = |body: &'static str, ctype: &'static str| {
        api.request(reqwest::Method::POST, path)
            .header("content-type", ctype)
            .body(body)
    };

    let (s, b) = Api::send(raw(
        "{\n  \"name\": \"a\",\n  \"kind\": \"host\",,\n}",
        "application/json",
    ))
    .await;
    assert_eq!((s, code(&b)), (StatusCode::BAD_REQUEST, "invalid_json"));
    assert_eq!(b["error"]["line"], 3);
    let (s, b) = Api::send(raw(
        r#"{"name": "a", "kind": "host", "colour": "red"}"#,
        "application/json",
    ))
    .await;
    assert_eq!(
        (s, b["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("colour")),
        "{b}"
    );
    let (s, b) = Api::send(raw(r#"{"name": "a", "kind": "vm"}"#, "application/json")).await;
    assert_eq!(
        (s, b["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("kind")),
        "{b}"
    );
    assert!(
        b["error"]["message"].as_str().unwrap().contains("host"),
        "allowed values listed: {b}"
    );
    let (s, b) = Api::send(raw(r#"{"name": 7, "kind": "host"}"#, "application/json")).await;
    assert_eq!(
        (s, b["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("name"))
    );
    let (s, b) = Api::send(raw(r#"{"name": "", "kind": "host"}"#, "application/json")).await;
    assert_eq!(
        (s, b["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("name")),
        "{b}"
    );
    let (s, b) = Api::send(raw(r#"{"name": "a", "kind": "host"}"#, "text/plain")).await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
    );
    let big = format!(
        r#"{{"name": "a", "kind": "host", "tags": ["{}"]}}"#,
        "x".repeat(10_000)
    );
    let (s, b) = Api::send(
        api.request(reqwest::Method::POST, path)
            .header("content-type", "application/json")
            .body(big),
    )
    .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large")
    );
    let (s, b) = w.acme["auditor"]
        .get("/api/v1/tenants/acme/audit?limit=abc")
        .await;
    assert_eq!((s, code(&b)), (StatusCode::BAD_REQUEST, "invalid_query"));
    let (s, b) = w.acme["auditor"]
        .get("/api/v1/tenants/acme/audit?since=yesterday")
        .await;
    assert_eq!(
        (s, b["error"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("since"))
    );

    // Bad credentials.
    let (s, b) = w
        .server
        .api()
        .with_token("kx_not-a-real-token")
        .get(path)
        .await;
    assert_eq!((s, code(&b)), (StatusCode::UNAUTHORIZED, "invalid_token"));
    let rb = w
        .server
        .api()
        .request(reqwest::Method::GET, path)
        .header("authorization", "Basic abc");
    assert_eq!(Api::send(rb).await.0, StatusCode::UNAUTHORIZED);
    let (s, b) = w.server.api().get(path).await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::UNAUTHORIZED, "missing_credentials")
    );
    let (s, b) = w.server.api().get("/api/v1/no/such/route").await;
    assert_eq!((s, code(&b)), (StatusCode::NOT_FOUND, "not_found"));

    // An expired session.
    let mut web = w.server.api();
    let (s, _) = web.login("platform", "admin", ADMIN_PASSWORD).await;
    assert_eq!(s, StatusCode::OK);
    let db = w.server.data.join("kexin.db");
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!(
        "sqlite://{}",
        db.display()
    ))
    .await
    .unwrap();
    sqlx::query("UPDATE sessions SET expires_at = '2000-01-01T00:00:00.000000Z'")
        .execute(&mut conn)
        .await
        .unwrap();
    let (s, b) = web.get("/api/v1/me").await;
    assert_eq!((s, code(&b)), (StatusCode::UNAUTHORIZED, "session_expired"));

    // Nothing was written, and the server still serves.
    let (_, assets) = api.get(path).await;
    assert_eq!(assets, json!([]));
    let (s, _) = w.server.api().get("/healthz").await;
    assert_eq!(s, StatusCode::OK);
    let (_, report) = w.admin.get("/api/v1/audit/verify").await;
    assert_eq!(report["breaks"], json!([]), "{report}");
}

#[tokio::test]
async fn a_full_store_answers_507_and_keeps_serving() {
    let w = world_with(&[("KEXIN_STORAGE__MAX_SIZE_MB", "1")]).await;
    let api = &w.acme["analyst"];
    let mut accepted = 0;
    let mut full = None;
    for i in 0..400 {
        let tags: Vec<String> = (0..60)
            .map(|j| format!("{i}-{j}-{}", "t".repeat(50)))
            .collect();
        let (s, b) = api
            .post(
                "/api/v1/tenants/acme/assets",
                json!({"name": format!("host-{i}"), "kind": "host", "tags": tags}),
            )
            .await;
        match s {
            StatusCode::CREATED => accepted += 1,
            StatusCode::INSUFFICIENT_STORAGE => {
                full = Some(b);
                break;
            }
            other => panic!("unexpected {other}: {b}"),
        }
    }
    let full = full.expect("the 1 MiB cap was reached");
    assert_eq!(code(&full), "storage_full");
    assert!(
        full["error"]["message"]
            .as_str()
            .unwrap()
            .contains("max_size_mb")
    );
    let (s, assets) = api.get("/api/v1/tenants/acme/assets").await;
    assert_eq!(s, StatusCode::OK, "reads still work");
    assert_eq!(
        assets.as_array().unwrap().len(),
        accepted,
        "nothing half-written"
    );
    let (s, _) = w.server.api().get("/healthz").await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn openapi_metrics_health_and_audit_export() {
    let w = world().await;
    let (s, doc) = w.server.api().get("/api/v1/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 18, "{}", paths.len());
    // Every documented operation exists on the server (never the router's fallback).
    for (path, item) in paths {
        for method in item
            .as_object()
            .unwrap()
            .keys()
            .filter(|m| ["get", "post", "patch", "delete"].contains(&m.as_str()))
        {
            let concrete = path
                .replace("{tenant}", "acme")
                .replace("{id}", "00000000-0000-0000-0000-000000000000");
            let rb = w
                .admin
                .request(method.to_uppercase().parse().unwrap(), &concrete)
                .header("content-type", "application/json")
                .body("{}");
            let (s, b) = Api::send(rb).await;
            assert!(
                !b.to_string().contains("no API route"),
                "{method} {path} is documented but not served: {s} {b}"
            );
        }
    }
    let (s, h) = w.server.api().get("/healthz").await;
    assert_eq!((s, h["status"].as_str()), (StatusCode::OK, Some("ok")));
    let (s, m) = w.server.api().get("/metrics").await;
    assert_eq!(s, StatusCode::OK);
    let m = m.as_str().unwrap();
    assert!(
        m.contains(
            "kexin_http_requests_total{method=\"POST\",route=\"/api/v1/tenants\",status=\"201\"} 2"
        ),
        "{m}"
    );
    assert!(m.contains("kexin_http_request_duration_seconds_bucket"));
    assert!(m.contains("kexin_store_size_bytes"));

    // The export carries every field and hash: a third party can re-check the chain.
    let resp = w.acme["auditor"]
        .request(reqwest::Method::GET, "/api/v1/tenants/acme/audit/export")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "application/x-ndjson");
    let text = resp.text().await.unwrap();
    let records: Vec<kexin_core::AuditRecord> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(records.len() >= 5);
    for r in &records {
        assert_eq!(
            kexin_store::audit::chain_hash(r, &r.detail.to_string()),
            r.hash,
            "record {} re-hashes",
            r.seq
        );
        assert_eq!(
            r.tenant_id.as_ref().map(|t| t.as_str()),
            records[0].tenant_id.as_ref().map(|t| t.as_str()),
            "only acme's records"
        );
    }
    let resp = w.acme["auditor"]
        .request(
            reqwest::Method::GET,
            "/api/v1/tenants/acme/audit/export?format=csv",
        )
        .send()
        .await
        .unwrap();
    let csv = resp.text().await.unwrap();
    assert!(csv.starts_with("seq,time,tenant_id,actor_kind"), "{csv}");
    assert_eq!(
        csv.lines().count(),
        records.len() + 2,
        "header + records + the first export's own record"
    );
}

#[tokio::test]
async fn assessments_over_the_api() {
    let w = world().await;
    let analyst = &w.acme["analyst"];
    let (s, cat) = analyst.get("/api/v1/catalog").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        cat.as_array().unwrap().len(),
        17,
        "all 17 standards of the blueprint"
    );
    let (s, b) = analyst
        .post(
            "/api/v1/tenants/acme/assessments",
            json!({"standard": "no-such", "target": "x"}),
        )
        .await;
    assert_eq!(
        (s, b["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("standard"))
    );
    let (s, a) = analyst
        .post(
            "/api/v1/tenants/acme/assessments",
            json!({"standard": "cloud-host", "target": "acme-cloud", "level": "basic"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let id = a["id"].as_str().unwrap().to_string();
    let base = format!("/api/v1/tenants/acme/assessments/{id}");
    let (_, v) = analyst.get(&base).await;
    let gaps: Vec<String> = v["evaluation"]["gaps_to_next"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["point_id"].as_str().unwrap().to_string())
        .collect();

    // All or nothing.
    let mut answers: Vec<Value> = gaps
        .iter()
        .map(|p| json!({"point": p, "result": "pass"}))
        .collect();
    answers.push(json!({"point": "cloud-host.nope", "result": "pass"}));
    let (s, b) = analyst
        .request(reqwest::Method::PUT, &format!("{base}/results"))
        .json(&json!({"answers": answers}))
        .send()
        .await
        .map(|r| (r.status(), r))
        .unwrap();
    let b: Value = b.json().await.unwrap();
    assert_eq!(
        (s, b["error"]["field"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(format!("answers[{}].point", gaps.len()).as_str())
        ),
        "{b}"
    );
    answers.pop();
    let (s, v) = Api::send(
        analyst
            .request(reqwest::Method::PUT, &format!("{base}/results"))
            .json(&json!({"answers": answers})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["evaluation"]["level_reached"], "basic");

    // A CSV import with a bad row changes nothing and names the line.
    let rb = analyst
        .request(reqwest::Method::POST, &format!("{base}/import?format=csv"))
        .header("content-type", "text/csv")
        .body(format!("point,result\n{},fail\nnope,pass\n", gaps[0]));
    let (s, b) = Api::send(rb).await;
    assert_eq!(
        (s, code(&b), b["error"]["line"].as_u64()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_answers", Some(3)),
        "{b}"
    );
    let (_, v) = analyst.get(&base).await;
    assert_eq!(v["evaluation"]["level_reached"], "basic", "unchanged");

    // Evidence upload, stored by content.
    let rb = analyst
        .request(
            reqwest::Method::POST,
            &format!("{base}/evidence?point={}&name=sshd_config", gaps[0]),
        )
        .header("content-type", "application/octet-stream")
        .body("PermitRootLogin no\n");
    let (s, e) = Api::send(rb).await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    assert_eq!(e["size"], 19);
    let (_, v) = analyst.get(&base).await;
    let r0 = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["point_id"] == gaps[0].as_str())
        .unwrap();
    assert_eq!(r0["evidence"].as_array().unwrap().len(), 1);

    // Workflow with roles: the analyst submits, only an auditor reviews, a tenant admin signs off.
    let (s, _) = analyst.post(&format!("{base}/submit"), json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = analyst.post(&format!("{base}/review"), json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, b) = w.acme["auditor"]
        .post(&format!("{base}/review"), json!({"note": "sampled"}))
        .await;
    assert_eq!(
        (s, b["status"].as_str()),
        (StatusCode::OK, Some("reviewed")),
        "{b}"
    );
    let (s, _) = w.acme["auditor"]
        .post(&format!("{base}/signoff"), json!({}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, b) = w.acme["tenant_admin"]
        .post(&format!("{base}/signoff"), json!({}))
        .await;
    assert_eq!(
        (s, b["status"].as_str()),
        (StatusCode::OK, Some("signed_off"))
    );
    let (s, b) = Api::send(
        analyst
            .request(reqwest::Method::PUT, &format!("{base}/results"))
            .json(&json!({"answers": [{"point": gaps[0], "result": "fail"}]})),
    )
    .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::CONFLICT, "conflict"),
        "frozen: {b}"
    );

    // The report, in each format.
    for (format, ctype) in [
        ("json", "application/json"),
        ("html", "text/html; charset=utf-8"),
        ("pdf", "application/pdf"),
    ] {
        let resp = w.acme["auditor"]
            .request(
                reqwest::Method::GET,
                &format!("{base}/report?format={format}&lang=zh"),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{format}");
        assert_eq!(resp.headers()["content-type"], ctype);
        let bytes = resp.bytes().await.unwrap();
        assert!(bytes.len() > 1000, "{format}: {} bytes", bytes.len());
    }
    let (s, b) = analyst.get(&format!("{base}/report?format=docx")).await;
    assert_eq!(
        (s, b["error"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("format"))
    );

    // Another tenant cannot see or touch it.
    let (s, _) = w.globex_admin.get(&base).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = w
        .globex_admin
        .get(&format!("/api/v1/tenants/globex/assessments/{id}"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn check_runs_fill_the_points_bound_to_checks() {
    let w = world().await;
    let agent = &w.acme["analyst"];
    let (_, asset) = agent
        .post(
            "/api/v1/tenants/acme/assets",
            json!({"name": "web-1", "kind": "host"}),
        )
        .await;
    let asset_id = asset["id"].as_str().unwrap().to_string();
    let runs = format!("/api/v1/tenants/acme/assets/{asset_id}/check-runs");
    let (s, b) = agent
        .post(
            &runs,
            json!({"source": "test", "results": [{"check": "host.nope.nope", "status": "pass"}]}),
        )
        .await;
    assert_eq!(
        (s, b["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("results[0].check")),
        "{b}"
    );

    let (s, a) = agent
        .post(
            "/api/v1/tenants/acme/assessments",
            json!({"standard": "cloud-host", "target": "web-1", "level": "basic"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let base = format!(
        "/api/v1/tenants/acme/assessments/{}",
        a["id"].as_str().unwrap()
    );
    let (_, v) = agent.get(&base).await;
    assert_eq!(v["results"], json!([]), "no run yet, nothing filled");

    // A run where every check of the catalog passes fills every bound point.
    let (_, checks_doc) = agent.get("/api/v1/catalog/cloud-host").await;
    let mut checks: Vec<String> = Vec::new();
    fn collect(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(c)) = m.get("check") {
                    out.push(c.clone());
                }
                m.values().for_each(|x| collect(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
            _ => {}
        }
    }
    collect(&checks_doc, &mut checks);
    checks.sort();
    checks.dedup();
    let results: Vec<Value> = checks
        .iter()
        .map(|c| json!({"check": c, "status": "pass", "evidence": "ok"}))
        .collect();
    let (s, run) = agent
        .post(
            &runs,
            json!({"source": "kexin scan host", "results": results}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{run}");
    assert_eq!(run["filled_assessments"].as_array().unwrap().len(), 1);
    let run_id = run["run"]["id"].as_str().unwrap().to_string();
    let (_, v) = agent.get(&base).await;
    assert_eq!(
        v["evaluation"]["level_reached"], "basic",
        "every basic point is bound to a check that passed"
    );
    let first = v["results"][0].clone();
    assert_eq!(
        first["source"],
        format!("check:{run_id}"),
        "each result names the run it came from"
    );

    // A person's answer is never overwritten by a later run.
    let point = first["point_id"].as_str().unwrap().to_string();
    let (s, _) = Api::send(agent.request(reqwest::Method::PUT, &format!("{base}/results")).json(&json!({"answers": [{"point": point, "result": "partial", "notes": "seen on 2 of 3 hosts"}]}))).await;
    assert_eq!(s, StatusCode::OK);
    let failing: Vec<Value> = checks
        .iter()
        .map(|c| json!({"check": c, "status": "fail", "evidence": "bad"}))
        .collect();
    let (s, second) = agent
        .post(
            &runs,
            json!({"source": "kexin scan host", "results": failing}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(
        second["drift"]["new_failures"].as_array().unwrap().len(),
        checks.len(),
        "every check newly fails: {}",
        second["drift"]
    );
    let (_, v) = agent.get(&base).await;
    let mine = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["point_id"] == point.as_str())
        .unwrap();
    assert_eq!(
        (mine["verdict"].as_str(), mine["source"].as_str()),
        (Some("partial"), Some("manual"))
    );
    assert_eq!(v["evaluation"]["level_reached"], Value::Null);
    assert_eq!(
        run["drift"],
        Value::Null,
        "the first run has nothing to drift from"
    );
    let (_, history) = agent.get(&runs).await;
    assert_eq!(
        history.as_array().unwrap().len(),
        2,
        "runs are kept with their history"
    );
}

#[tokio::test]
async fn evidence_proven_once_serves_every_point_grounded_in_the_same_control() {
    let w = world().await;
    let api = &w.acme["analyst"];
    let catalog = kexin_catalog::Catalog::embedded();
    // A cloud-host point and a point of another standard sharing a public control.
    let (point, related) = catalog
        .standard("cloud-host")
        .unwrap()
        .points()
        .find_map(|(_, p)| {
            catalog
                .related_points(&p.id)
                .into_iter()
                .find(|r| r.point.standard.variants.is_empty())
                .map(|r| (p.id.clone(), r))
        })
        .expect(
            "the catalog grounds some cloud-host point in a control shared with another standard",
        );
    let other_standard = related.point.standard.id.clone();
    let other_point = related.point.point.id.clone();

    let (_, host) = api
        .post(
            "/api/v1/tenants/acme/assessments",
            json!({"standard": "cloud-host", "target": "acme-cloud"}),
        )
        .await;
    let (_, other) = api
        .post(
            "/api/v1/tenants/acme/assessments",
            json!({"standard": other_standard, "target": "acme-cloud"}),
        )
        .await;
    let other_base = format!(
        "/api/v1/tenants/acme/assessments/{}",
        other["id"].as_str().unwrap()
    );
    let (s, e) = api.post(&format!("{other_base}/links"), json!({"point": other_point, "name": "Key management policy", "url": "https://docs.acme.example/kms-policy"})).await;
    assert_eq!(s, StatusCode::CREATED, "{e}");

    let (_, view) = api
        .get(&format!(
            "/api/v1/tenants/acme/assessments/{}",
            host["id"].as_str().unwrap()
        ))
        .await;
    let shared = view["shared_evidence"].as_array().unwrap();
    let hit = shared
        .iter()
        .find(|x| x["point_id"] == point.as_str())
        .unwrap_or_else(|| panic!("{point} is served by {other_point}: {shared:?}"));
    assert_eq!(hit["evidence_id"], e["id"]);
    assert_eq!(hit["from_point"], other_point.as_str());
    assert!(!hit["controls"].as_array().unwrap().is_empty());
    // Another target does not see it.
    let (_, third) = api
        .post(
            "/api/v1/tenants/acme/assessments",
            json!({"standard": "cloud-host", "target": "other-cloud"}),
        )
        .await;
    let (_, view) = api
        .get(&format!(
            "/api/v1/tenants/acme/assessments/{}",
            third["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(view["shared_evidence"], json!([]));
}
