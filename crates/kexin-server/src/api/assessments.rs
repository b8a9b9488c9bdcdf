//! The catalog and assessments: answers, evidence, workflow, level reached.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kexin_assess::{Answer, Evaluation, PointChange, evaluate};
use kexin_catalog::{Catalog, Standard};
use kexin_core::{
    Assessment, AssessmentId, Evidence, Level, Permission, PointResult, Role, Tenant, Verdict,
};
use kexin_store::{NewAssessment, ResultInput, Transition};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;

/// One standard in the catalog listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct StandardSummary {
    pub id: String,
    pub blueprint: String,
    pub title_zh: String,
    pub title_en: String,
    pub levels: Vec<Level>,
    pub variants: Vec<String>,
    pub parts: usize,
    pub points: usize,
}

fn standard(id: &str) -> ApiResult<&'static Standard> {
    Catalog::embedded().standard(id).ok_or_else(|| {
        ApiError::not_found(format!(
            "no standard `{id}` in the catalog; GET /api/v1/catalog lists them"
        ))
    })
}

/// The standards of the working group, as Kexin ships them.
#[utoipa::path(get, path = "/api/v1/catalog", tag = "catalog",
    responses((status = 200, body = [StandardSummary]), (status = 401, body = ErrorBody)))]
pub async fn catalog(_p: Principal) -> Json<Vec<StandardSummary>> {
    Json(
        Catalog::embedded()
            .standards
            .iter()
            .map(|s| StandardSummary {
                id: s.id.clone(),
                blueprint: s.blueprint.clone(),
                title_zh: s.title.zh.clone(),
                title_en: s.title.en.clone(),
                levels: s.levels.clone(),
                variants: s.variants.clone(),
                parts: s.part_count(),
                points: s.point_count(),
            })
            .collect(),
    )
}

/// One standard: its whole tree of parts and points.
#[utoipa::path(get, path = "/api/v1/catalog/{id}", tag = "catalog", params(("id" = String, Path)),
    responses((status = 200, description = "the standard, as in catalog/standards/<id>.yaml", body = Object), (status = 404, body = ErrorBody)))]
pub async fn standard_detail(
    _p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<&'static Standard>> {
    Ok(Json(standard(&id)?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAssessmentRequest {
    pub standard: String,
    pub target: String,
    /// Default: the standard's highest level.
    pub level: Option<Level>,
    pub variant: Option<String>,
    pub supersedes: Option<String>,
}

/// An assessment with what it concludes.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentView {
    pub assessment: Assessment,
    pub evaluation: Evaluation,
    pub results: Vec<PointResult>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    pub point: String,
    pub result: Verdict,
    pub reason: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswersRequest {
    /// Recorded all or nothing.
    pub answers: Vec<AnswerRequest>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The point the file proves.
    pub point: String,
    /// File name to record.
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    pub point: String,
    pub name: String,
    pub url: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    pub note: Option<String>,
    /// Send back to draft instead (the note says what to fix).
    #[serde(default)]
    pub r#return: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiffView {
    pub before: AssessmentId,
    pub after: AssessmentId,
    pub level_before: Option<Level>,
    pub level_after: Option<Level>,
    pub changes: Vec<PointChange>,
}

/// Evaluates an assessment as stored.
pub async fn view(state: &AppState, a: Assessment) -> ApiResult<AssessmentView> {
    let s = standard(&a.standard_id)?;
    let results = state.store.point_results(&a.tenant_id, &a.id).await?;
    let answers: HashMap<&str, Answer> = results
        .iter()
        .map(|r| {
            (
                r.point_id.as_str(),
                Answer {
                    verdict: r.verdict,
                    reason: r.reason.clone(),
                },
            )
        })
        .collect();
    let evaluation = evaluate(s, a.variant.as_deref(), a.target_level, |p| answers.get(p));
    Ok(AssessmentView {
        assessment: a,
        evaluation,
        results,
    })
}

async fn scoped(
    state: &AppState,
    p: &Principal,
    slug: &str,
    id: &str,
    permission: Permission,
    action: &str,
) -> ApiResult<(Tenant, Assessment)> {
    let t = p.tenant(state, slug, action).await?;
    p.require(state, permission, &t, action).await?;
    let a = state
        .store
        .assessment(&t.id, &AssessmentId::from_string(id))
        .await?;
    Ok((t, a))
}

/// Assessments of a tenant.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/assessments", tag = "assessments", params(("tenant" = String, Path, description = "tenant slug")),
    responses((status = 200, body = [Assessment]), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    p: Principal,
    Path(slug): Path<String>,
) -> ApiResult<Json<Vec<Assessment>>> {
    let t = p.tenant(&state, &slug, "assessment.list").await?;
    p.require(&state, Permission::ReadData, &t, "assessment.list")
        .await?;
    Ok(Json(state.store.list_assessments(&t.id).await?))
}

/// Open an assessment (a draft).
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/assessments", tag = "assessments", request_body = NewAssessmentRequest, params(("tenant" = String, Path, description = "tenant slug")),
    responses((status = 201, body = Assessment), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    p: Principal,
    Path(slug): Path<String>,
    ApiJson(req): ApiJson<NewAssessmentRequest>,
) -> ApiResult<(StatusCode, Json<Assessment>)> {
    let t = p.tenant(&state, &slug, "assessment.create").await?;
    p.require(&state, Permission::WriteData, &t, "assessment.create")
        .await?;
    let s = standard(&req.standard).map_err(|e| ApiError::invalid("standard", e.detail.message))?;
    let level = req
        .level
        .unwrap_or_else(|| *s.levels.last().unwrap_or(&Level::Basic));
    if !s.levels.contains(&level) {
        return Err(ApiError::invalid(
            "level",
            format!("{} grades {:?}", s.id, s.levels),
        ));
    }
    match (&req.variant, s.variants.is_empty()) {
        (Some(v), _) if !s.variants.contains(v) => {
            return Err(ApiError::invalid(
                "variant",
                format!(
                    "{} has no variant `{v}`; its variants: {:?}",
                    s.id, s.variants
                ),
            ));
        }
        (None, false) => {
            return Err(ApiError::invalid(
                "variant",
                format!("{} has variants {:?}; choose one", s.id, s.variants),
            ));
        }
        _ => {}
    }
    let new = NewAssessment {
        standard_id: s.id.clone(),
        variant: req.variant,
        target_name: req.target,
        target_level: level,
        supersedes: req.supersedes.map(AssessmentId::from_string),
    };
    Ok((
        StatusCode::CREATED,
        Json(state.store.create_assessment(&p.actor, &t.id, new).await?),
    ))
}

/// An assessment with its level reached, scores, gaps and results.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/assessments/{id}", tag = "assessments", params(("tenant" = String, Path, description = "tenant slug"), ("id" = String, Path)),
    responses((status = 200, body = AssessmentView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    p: Principal,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<Json<AssessmentView>> {
    let (_, a) = scoped(
        &state,
        &p,
        &slug,
        &id,
        Permission::ReadData,
        "assessment.read",
    )
    .await?;
    Ok(Json(view(&state, a).await?))
}

/// Record answers, all or nothing: one unknown point or invalid result and nothing changes.
#[utoipa::path(put, path = "/api/v1/tenants/{tenant}/assessments/{id}/results", tag = "assessments", request_body = AnswersRequest, params(("tenant" = String, Path, description = "tenant slug"), ("id" = String, Path)),
    responses((status = 200, body = AssessmentView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn answer(
    State(state): State<AppState>,
    p: Principal,
    Path((slug, id)): Path<(String, String)>,
    ApiJson(req): ApiJson<AnswersRequest>,
) -> ApiResult<Json<AssessmentView>> {
    let (t, a) = scoped(
        &state,
        &p,
        &slug,
        &id,
        Permission::WriteData,
        "assessment.answer",
    )
    .await?;
    let s = standard(&a.standard_id)?;
    let mut inputs = Vec::new();
    for (i, ans) in req.answers.into_iter().enumerate() {
        let Some((_, point)) = s.point(&ans.point) else {
            return Err(ApiError::invalid(
                "answers",
                format!(
                    "answers[{i}]: unknown point `{}` in standard {}",
                    ans.point, s.id
                ),
            )
            .field(format!("answers[{i}].point")));
        };
        if !kexin_assess::applies(point, a.variant.as_deref()) {
            return Err(ApiError::invalid(
                "answers",
                format!(
                    "answers[{i}]: point `{}` does not apply to this variant",
                    ans.point
                ),
            )
            .field(format!("answers[{i}].point")));
        }
        inputs.push(ResultInput {
            point_id: ans.point,
            verdict: ans.result,
            reason: ans.reason,
            notes: ans.notes,
            source: "manual".into(),
        });
    }
    state
        .store
        .record_results(&p.actor, &t.id, &a.id, inputs)
        .await?;
    Ok(Json(view(&state, a).await?))
}

fn known_point(a: &Assessment, point: &str) -> ApiResult<()> {
    if standard(&a.standard_id)?.point(point).is_none() {
        return Err(ApiError::invalid(
            "point",
            format!("unknown point `{point}` in standard {}", a.standard_id),
        ));
    }
    Ok(())
}

/// Upload a file as evidence for a point (raw body, up to 64 MiB). Stored by its SHA-256; uploading the same bytes again reuses the stored copy.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/assessments/{id}/evidence", tag = "assessments", params(("tenant" = String, Path, description = "tenant slug"), ("id" = String, Path), UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = Evidence), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    p: Principal,
    Path((slug, id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<UploadQuery>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Evidence>)> {
    let (t, a) = scoped(
        &state,
        &p,
        &slug,
        &id,
        Permission::WriteData,
        "assessment.attach",
    )
    .await?;
    known_point(&a, &q.point)?;
    let e = state
        .store
        .add_evidence_file(&p.actor, &t.id, &q.name, &body)
        .await?;
    state
        .store
        .attach_evidence(&p.actor, &t.id, &a.id, &q.point, &e.id)
        .await?;
    Ok((StatusCode::CREATED, Json(e)))
}

/// Attach a link to a document kept elsewhere as evidence for a point.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/assessments/{id}/links", tag = "assessments", request_body = LinkRequest, params(("tenant" = String, Path, description = "tenant slug"), ("id" = String, Path)),
    responses((status = 201, body = Evidence), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn link(
    State(state): State<AppState>,
    p: Principal,
    Path((slug, id)): Path<(String, String)>,
    ApiJson(req): ApiJson<LinkRequest>,
) -> ApiResult<(StatusCode, Json<Evidence>)> {
    let (t, a) = scoped(
        &state,
        &p,
        &slug,
        &id,
        Permission::WriteData,
        "assessment.attach",
    )
    .await?;
    known_point(&a, &req.point)?;
    let e = state
        .store
        .add_evidence_link(&p.actor, &t.id, &req.name, &req.url)
        .await?;
    state
        .store
        .attach_evidence(&p.actor, &t.id, &a.id, &req.point, &e.id)
        .await?;
    Ok((StatusCode::CREATED, Json(e)))
}

/// Submit a draft for review.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/assessments/{id}/submit", tag = "assessments", params(("tenant" = String, Path, description = "tenant slug"), ("id" = String, Path)),
    responses((status = 200, body = Assessment), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    p: Principal,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<Json<Assessment>> {
    let (t, a) = scoped(
        &state,
        &p,
        &slug,
        &id,
        Permission::WriteData,
        "assessment.submit",
    )
    .await?;
    Ok(Json(
        state
            .store
            .transition_assessment(&p.actor, &t.id, &a.id, Transition::Submit)
            .await?,
    ))
}

/// Review a submitted assessment (auditors, not the submitter), or return it to draft.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/assessments/{id}/review", tag = "assessments", request_body = ReviewRequest, params(("tenant" = String, Path, description = "tenant slug"), ("id" = String, Path)),
    responses((status = 200, body = Assessment), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn review(
    State(state): State<AppState>,
    p: Principal,
    Path((slug, id)): Path<(String, String)>,
    ApiJson(req): ApiJson<ReviewRequest>,
) -> ApiResult<Json<Assessment>> {
    let (t, a) = scoped(
        &state,
        &p,
        &slug,
        &id,
        Permission::ReadAudit,
        "assessment.review",
    )
    .await?;
    if p.actor.role != Role::Auditor {
        return p.deny(&state, "assessment.review", &t).await;
    }
    let step = if req.r#return {
        Transition::Return {
            note: req.note.ok_or_else(|| {
                ApiError::invalid("note", "say what to fix when returning an assessment")
            })?,
        }
    } else {
        Transition::Review { note: req.note }
    };
    Ok(Json(
        state
            .store
            .transition_assessment(&p.actor, &t.id, &a.id, step)
            .await?,
    ))
}

/// Sign off a reviewed assessment (tenant administrators): frozen from then on.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/assessments/{id}/signoff", tag = "assessments", params(("tenant" = String, Path, description = "tenant slug"), ("id" = String, Path)),
    responses((status = 200, body = Assessment), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn signoff(
    State(state): State<AppState>,
    p: Principal,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<Json<Assessment>> {
    let (t, a) = scoped(
        &state,
        &p,
        &slug,
        &id,
        Permission::ManageUsers,
        "assessment.signoff",
    )
    .await?;
    Ok(Json(
        state
            .store
            .transition_assessment(&p.actor, &t.id, &a.id, Transition::SignOff)
            .await?,
    ))
}

/// Points whose result differs from another assessment of the same target and standard.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/assessments/{id}/diff/{other}", tag = "assessments", params(("tenant" = String, Path, description = "tenant slug"), ("id" = String, Path, description = "the earlier assessment"), ("other" = String, Path, description = "the later assessment")),
    responses((status = 200, body = DiffView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn diff(
    State(state): State<AppState>,
    p: Principal,
    Path((slug, id, other)): Path<(String, String, String)>,
) -> ApiResult<Json<DiffView>> {
    let (t, a) = scoped(
        &state,
        &p,
        &slug,
        &id,
        Permission::ReadData,
        "assessment.read",
    )
    .await?;
    let b = state
        .store
        .assessment(&t.id, &AssessmentId::from_string(other))
        .await?;
    if a.standard_id != b.standard_id || a.target_name != b.target_name {
        return Err(ApiError::invalid(
            "other",
            "compare assessments of the same target against the same standard",
        ));
    }
    let s = standard(&a.standard_id)?;
    let (va, vb) = (view(&state, a).await?, view(&state, b).await?);
    let map = |v: &AssessmentView| -> HashMap<String, Answer> {
        v.results
            .iter()
            .map(|r| {
                (
                    r.point_id.clone(),
                    Answer {
                        verdict: r.verdict,
                        reason: r.reason.clone(),
                    },
                )
            })
            .collect()
    };
    let (ma, mb) = (map(&va), map(&vb));
    Ok(Json(DiffView {
        changes: kexin_assess::diff(s, |x| ma.get(x), |x| mb.get(x)),
        before: va.assessment.id,
        after: vb.assessment.id,
        level_before: va.evaluation.level_reached,
        level_after: vb.evaluation.level_reached,
    }))
}
