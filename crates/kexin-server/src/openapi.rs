//! The OpenAPI 3.1 document served at `/api/v1/openapi.json`. A test checks
//! that every route of the router is in it and nothing else.

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api::{accounts, assessments, assets, audit, session, tenants};

#[derive(OpenApi)]
#[openapi(
    info(title = "Kexin API", description = "Cloud security and risk management (TC608 cloud security working group standards). Tenant-owned resources live under /api/v1/tenants/{tenant}. Authenticate with an API token (Authorization: Bearer kx_…) or a console session cookie."),
    paths(
        session::login, session::logout, session::me, session::change_password,
        tenants::list, tenants::create, tenants::get, tenants::update, tenants::summary,
        accounts::list_users, accounts::create_user, accounts::get_user, accounts::update_user, accounts::reset_password,
        accounts::list_tokens, accounts::create_token, accounts::revoke_token,
        assets::list, assets::create, assets::get, assets::update, assets::delete,
        audit::list, audit::list_all, audit::verify, audit::export,
        assessments::catalog, assessments::standard_detail,
        assessments::list, assessments::create, assessments::get, assessments::answer,
        assessments::upload, assessments::link, assessments::submit, assessments::review,
        assessments::signoff, assessments::diff, assessments::fill, assessments::report, assessments::import,
        assessments::record_check_run, assessments::check_runs,
    ),
    components(schemas(crate::error::ErrorBody, kexin_core::Level, kexin_core::Severity)),
    modifiers(&Security),
    security(("token" = []), ("session" = [])),
    tags(
        (name = "session", description = "Login, logout, current caller"),
        (name = "tenants", description = "Tenants (platform administrators manage them)"),
        (name = "users", description = "Users of a tenant"),
        (name = "tokens", description = "API tokens of a tenant"),
        (name = "assets", description = "Assets of a tenant"),
        (name = "audit", description = "The hash-chained audit trail"),
        (name = "catalog", description = "The working group's standards as data"),
        (name = "assessments", description = "Assessments against a standard: answers, evidence, workflow, level reached"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("kx_…")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
    }
}

/// `GET /api/v1/openapi.json`
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Any change to the public API shows up as a reviewed snapshot diff.
    #[test]
    fn the_api_document_is_stable() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        insta::assert_json_snapshot!("openapi", doc);
    }

    #[test]
    fn every_operation_has_a_tag_and_error_responses() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                assert!(
                    op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                    "{method} {path} has no tag"
                );
                let responses = op["responses"].as_object().unwrap();
                assert!(
                    responses.keys().any(|k| k.starts_with('4')),
                    "{method} {path} documents no error"
                );
            }
        }
    }
}
