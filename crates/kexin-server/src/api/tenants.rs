//! Tenants: platform administrators create, suspend and resume them.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kexin_core::{AuditOutcome, Permission, Tenant, TenantStatus};
use kexin_store::TenantSummary;
use kexin_store::audit::AuditEntry;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTenant {
    /// `[a-z0-9-]{2,40}`, used at login and in URLs.
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantPatch {
    pub status: TenantStatus,
}

/// Counts of what a tenant holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct Summary {
    pub tenant: Tenant,
    pub users: i64,
    pub active_tokens: i64,
    pub assets: i64,
    pub audit_records: i64,
}

impl Summary {
    pub fn new(tenant: Tenant, s: TenantSummary) -> Self {
        Summary {
            tenant,
            users: s.users,
            active_tokens: s.active_tokens,
            assets: s.assets,
            audit_records: s.audit_records,
        }
    }
}

async fn require_platform(state: &AppState, p: &Principal, action: &str) -> ApiResult<()> {
    if p.actor.role.allows(Permission::ManageTenants) {
        return Ok(());
    }
    let entry = AuditEntry::new(action, "tenant", None)
        .outcome(AuditOutcome::Denied)
        .with("role", p.actor.role);
    state.store.record_audit(&p.actor, entry).await?;
    Err(ApiError::forbidden(format!(
        "only platform administrators may {action}"
    )))
}

/// Tenants the caller can see: all for platform administrators, its own otherwise.
#[utoipa::path(get, path = "/api/v1/tenants", tag = "tenants",
    responses((status = 200, body = [Tenant]), (status = 401, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, p: Principal) -> ApiResult<Json<Vec<Tenant>>> {
    if p.actor.role.spans_tenants() {
        return Ok(Json(state.store.list_tenants().await?));
    }
    Ok(Json(vec![p.tenant]))
}

/// Create a tenant (platform administrators).
#[utoipa::path(post, path = "/api/v1/tenants", tag = "tenants", request_body = NewTenant,
    responses((status = 201, body = Tenant), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(req): ApiJson<NewTenant>,
) -> ApiResult<(StatusCode, Json<Tenant>)> {
    require_platform(&state, &p, "tenant.create").await?;
    let t = state
        .store
        .create_tenant(&p.actor, &req.slug, &req.name)
        .await?;
    Ok((StatusCode::CREATED, Json(t)))
}

/// One tenant.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}", tag = "tenants", params(("tenant" = String, Path, description = "tenant slug")),
    responses((status = 200, body = Tenant), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    p: Principal,
    Path(slug): Path<String>,
) -> ApiResult<Json<Tenant>> {
    let t = p.tenant(&state, &slug, "tenant.read").await?;
    p.require(&state, Permission::ReadData, &t, "tenant.read")
        .await?;
    Ok(Json(t))
}

/// Suspend or resume a tenant (platform administrators). Suspending ends its sessions and refuses its tokens.
#[utoipa::path(patch, path = "/api/v1/tenants/{tenant}", tag = "tenants", request_body = TenantPatch, params(("tenant" = String, Path, description = "tenant slug")),
    responses((status = 200, body = Tenant), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    p: Principal,
    Path(slug): Path<String>,
    ApiJson(req): ApiJson<TenantPatch>,
) -> ApiResult<Json<Tenant>> {
    require_platform(&state, &p, "tenant.update").await?;
    let t = p.tenant(&state, &slug, "tenant.update").await?;
    Ok(Json(
        state
            .store
            .set_tenant_status(&p.actor, &t.id, req.status)
            .await?,
    ))
}

/// What the tenant holds.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/summary", tag = "tenants", params(("tenant" = String, Path, description = "tenant slug")),
    responses((status = 200, body = Summary), (status = 403, body = ErrorBody)))]
pub async fn summary(
    State(state): State<AppState>,
    p: Principal,
    Path(slug): Path<String>,
) -> ApiResult<Json<Summary>> {
    let t = p.tenant(&state, &slug, "tenant.read").await?;
    p.require(&state, Permission::ReadData, &t, "tenant.read")
        .await?;
    let s = state.store.tenant_summary(&t.id).await?;
    Ok(Json(Summary::new(t, s)))
}
