//! Reading, exporting and verifying the audit trail.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use kexin_core::{AuditOutcome, AuditRecord, PLATFORM_TENANT, Permission, Tenant, Timestamp};
use kexin_store::audit::{AuditEntry, AuditFilter, ExportFormat, VerifyReport};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};

const PAGE_MAX: i64 = 1000;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// RFC 3339; records at or after.
    pub since: Option<String>,
    /// RFC 3339; records before.
    pub until: Option<String>,
    /// Exact action, or a prefix ending in `.` such as `user.`.
    pub action: Option<String>,
    pub outcome: Option<AuditOutcome>,
    /// Continue after this sequence number (paging).
    pub after_seq: Option<i64>,
    /// At most 1000; default 100.
    pub limit: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `jsonl` (default) or `csv`.
    pub format: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
}

fn time_param(field: &str, v: &Option<String>) -> ApiResult<Option<Timestamp>> {
    v.as_deref()
        .map(|s| {
            Timestamp::parse(s).map_err(|e| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    format!("{field}: {e}"),
                )
                .field(field)
            })
        })
        .transpose()
}

fn filter(q: &AuditQuery, tenant: Option<&Tenant>) -> ApiResult<AuditFilter> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=PAGE_MAX).contains(&limit) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            format!("limit must be between 1 and {PAGE_MAX}"),
        )
        .field("limit"));
    }
    Ok(AuditFilter {
        tenant_id: tenant.map(|t| t.id.clone()),
        since: time_param("since", &q.since)?,
        until: time_param("until", &q.until)?,
        action: q.action.clone(),
        outcome: q.outcome,
        after_seq: q.after_seq,
        limit: Some(limit),
        newest_first: false,
    })
}

/// Platform-wide audit access: platform administrators and auditors of the platform tenant.
async fn require_platform_audit(state: &AppState, p: &Principal, action: &str) -> ApiResult<()> {
    if p.tenant.slug == PLATFORM_TENANT && p.actor.role.allows(Permission::ReadAudit) {
        return Ok(());
    }
    p.deny(state, action, &p.tenant).await
}

/// Audit records about one tenant, oldest first.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/audit", tag = "audit", params(("tenant" = String, Path, description = "tenant slug"), AuditQuery),
    responses((status = 200, body = [AuditRecord]), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    p: Principal,
    Path(slug): Path<String>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Vec<AuditRecord>>> {
    let t = p.tenant(&state, &slug, "audit.read").await?;
    p.require(&state, Permission::ReadAudit, &t, "audit.read")
        .await?;
    Ok(Json(state.store.list_audit(&filter(&q, Some(&t))?).await?))
}

/// Audit records of the whole platform, oldest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = [AuditRecord]), (status = 403, body = ErrorBody)))]
pub async fn list_all(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Vec<AuditRecord>>> {
    require_platform_audit(&state, &p, "audit.read").await?;
    Ok(Json(state.store.list_audit(&filter(&q, None)?).await?))
}

/// Check the whole hash chain.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit",
    responses((status = 200, body = VerifyResult), (status = 403, body = ErrorBody)))]
pub async fn verify(State(state): State<AppState>, p: Principal) -> ApiResult<Json<VerifyReport>> {
    require_platform_audit(&state, &p, "audit.verify").await?;
    let report = state.store.verify_audit(&mut |_, _| {}).await?;
    let entry = AuditEntry::new("audit.verify", "audit", Some(&p.tenant.id))
        .with("records", report.records)
        .with("intact", report.intact());
    state.store.record_audit(&p.actor, entry).await?;
    Ok(Json(report))
}

/// Schema of [`VerifyReport`] for the OpenAPI document.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct VerifyResult {
    records: u64,
    head_seq: Option<i64>,
    breaks: Vec<ChainBreakSchema>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ChainBreakSchema {
    seq: i64,
    reason: String,
}

const EXPORT_BATCH: i64 = 2_000;

/// Export a tenant's audit records as JSON lines (with hashes) or CSV, streamed.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/audit/export", tag = "audit", params(("tenant" = String, Path, description = "tenant slug"), ExportQuery),
    responses((status = 200, description = "JSON lines or CSV", content_type = "application/x-ndjson"), (status = 403, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    p: Principal,
    Path(slug): Path<String>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<(HeaderMap, Body)> {
    let t = p.tenant(&state, &slug, "audit.export").await?;
    p.require(&state, Permission::ReadAudit, &t, "audit.export")
        .await?;
    let format: ExportFormat =
        q.format
            .as_deref()
            .unwrap_or("jsonl")
            .parse()
            .map_err(|e: String| {
                ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", e).field("format")
            })?;
    let base = AuditFilter {
        tenant_id: Some(t.id.clone()),
        since: time_param("since", &q.since)?,
        until: time_param("until", &q.until)?,
        limit: Some(EXPORT_BATCH),
        ..Default::default()
    };
    let entry = AuditEntry::new("audit.export", "audit", Some(&t.id))
        .with("format", q.format.as_deref().unwrap_or("jsonl"));
    state.store.record_audit(&p.actor, entry).await?;

    let store = state.store.clone();
    let header_text = format.header();
    let stream =
        futures_util::stream::unfold((Some(header_text), Some(0i64)), move |(head, after)| {
            let store = store.clone();
            let base = base.clone();
            async move {
                if let Some(h) = head.filter(|h| !h.is_empty()) {
                    return Some((Ok::<_, std::io::Error>(h), (None, after)));
                }
                let after = after?;
                let filter = AuditFilter {
                    after_seq: Some(after),
                    ..base
                };
                match store.list_audit(&filter).await {
                    Ok(batch) if batch.is_empty() => None,
                    Ok(batch) => {
                        let next = batch.last().map(|r| r.seq);
                        let text: String = batch.iter().map(|r| format.line(r)).collect();
                        Some((Ok(text), (None, next)))
                    }
                    Err(e) => Some((Err(std::io::Error::other(e.to_string())), (None, None))),
                }
            }
        });
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    let ext = if format == ExportFormat::Csv {
        "csv"
    } else {
        "jsonl"
    };
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"kexin-audit-{slug}.{ext}\""
    )) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok((headers, Body::from_stream(stream)))
}
