//! The catalog and assessments: answers, evidence, workflow, level reached.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kexin_assess::{Evaluation, PointChange, evaluate};
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
    /// Evidence given for points of other standards, in assessments of the
    /// same target, that are grounded in a control one of this
    /// assessment's points is grounded in: proven once, it serves here too.
    pub shared_evidence: Vec<SharedEvidence>,
}

/// Evidence that serves a point because a related point of another standard has it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SharedEvidence {
    pub point_id: String,
    #[schema(value_type = String)]
    pub from_assessment: AssessmentId,
    pub from_standard: String,
    pub from_point: String,
    #[schema(value_type = String)]
    pub evidence_id: kexin_core::EvidenceId,
    /// The public controls both points are grounded in, as `source ref`.
    pub controls: Vec<String>,
}

/// Evidence from assessments of the same target against other standards
/// that serves points of `a` through a shared control.
pub async fn shared_evidence(
    store: &kexin_store::Store,
    a: &Assessment,
) -> Result<Vec<SharedEvidence>, kexin_store::StoreError> {
    let catalog = Catalog::embedded();
    let Some(s) = catalog.standard(&a.standard_id) else {
        return Ok(Vec::new());
    };
    let mut elsewhere: HashMap<(String, String), Vec<(AssessmentId, kexin_core::EvidenceId)>> =
        HashMap::new();
    for other in store.list_assessments(&a.tenant_id).await? {
        if other.id == a.id
            || other.target_name != a.target_name
            || other.standard_id == a.standard_id
        {
            continue;
        }
        for r in store.point_results(&a.tenant_id, &other.id).await? {
            for e in r.evidence {
                elsewhere
                    .entry((other.standard_id.clone(), r.point_id.clone()))
                    .or_default()
                    .push((other.id.clone(), e));
            }
        }
    }
    let mut shared = Vec::new();
    if elsewhere.is_empty() {
        return Ok(shared);
    }
    for (_, p) in s.points() {
        for rel in catalog.related_points(&p.id) {
            let key = (rel.point.standard.id.clone(), rel.point.point.id.clone());
            for (from, evidence) in elsewhere.get(&key).into_iter().flatten() {
                shared.push(SharedEvidence {
                    point_id: p.id.clone(),
                    from_assessment: from.clone(),
                    from_standard: key.0.clone(),
                    from_point: key.1.clone(),
                    evidence_id: evidence.clone(),
                    controls: rel
                        .shared
                        .iter()
                        .map(|g| format!("{} {}", g.source, g.reference))
                        .collect(),
                });
            }
        }
    }
    Ok(shared)
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

/// Fills the points of a draft assessment that are bound to automatic
/// checks from the newest check run on the asset named like its target.
/// Answers a person gave (`manual`) are never overwritten. Returns the run
/// used and how many points it filled.
pub async fn fill_from_checks(
    store: &kexin_store::Store,
    actor: &kexin_core::Actor,
    a: &Assessment,
) -> Result<Option<(kexin_core::CheckRunId, usize)>, kexin_store::StoreError> {
    if a.status != kexin_core::AssessmentStatus::Draft {
        return Ok(None);
    }
    let Some(s) = Catalog::embedded().standard(&a.standard_id) else {
        return Ok(None);
    };
    let Some((run, outcomes)) = store
        .latest_check_run_for(&a.tenant_id, &a.target_name)
        .await?
    else {
        return Ok(None);
    };
    let by_check: HashMap<&str, &kexin_core::CheckOutcome> =
        outcomes.iter().map(|o| (o.check_id.as_str(), o)).collect();
    let manual: std::collections::HashSet<String> = store
        .point_results(&a.tenant_id, &a.id)
        .await?
        .into_iter()
        .filter(|r| r.source == "manual" && r.verdict != Verdict::NotAssessed)
        .map(|r| r.point_id)
        .collect();
    let inputs: Vec<ResultInput> =
        kexin_assess::results_from_checks(s, a.variant.as_deref(), &by_check)
            .into_iter()
            .filter(|f| !manual.contains(&f.point_id))
            .map(|f| ResultInput {
                point_id: f.point_id,
                verdict: f.verdict,
                reason: f.reason,
                notes: Some(f.notes),
                source: format!("check:{}", run.id),
            })
            .collect();
    let n = inputs.len();
    if n > 0 {
        store
            .record_results(actor, &a.tenant_id, &a.id, inputs)
            .await?;
    }
    Ok(Some((run.id, n)))
}

/// The result of filling an assessment from automatic checks.
#[derive(Debug, Serialize, ToSchema)]
pub struct FillResult {
    /// The run used; none when the target has no check runs yet.
    #[schema(value_type = Option<String>)]
    pub run: Option<kexin_core::CheckRunId>,
    pub filled: usize,
}

/// Fill the points bound to automatic checks from the newest check run on the asset named like the target (never overwriting a person's answer).
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/assessments/{id}/fill", tag = "assessments", params(("tenant" = String, Path, description = "tenant slug"), ("id" = String, Path)),
    responses((status = 200, body = FillResult), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn fill(
    State(state): State<AppState>,
    p: Principal,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<Json<FillResult>> {
    let (_, a) = scoped(
        &state,
        &p,
        &slug,
        &id,
        Permission::WriteData,
        "assessment.fill",
    )
    .await?;
    if a.status != kexin_core::AssessmentStatus::Draft {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            "only a draft can be filled",
        ));
    }
    let r = fill_from_checks(&state.store, &p.actor, &a).await?;
    Ok(Json(FillResult {
        run: r.as_ref().map(|(id, _)| id.clone()),
        filled: r.map_or(0, |(_, n)| n),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckResultRequest {
    /// A check id of the catalog (`catalog/checks.yaml`).
    pub check: String,
    pub status: kexin_core::CheckStatus,
    #[serde(default)]
    pub evidence: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRunRequest {
    /// What produced the results, e.g. `kexin scan host 0.1.0`.
    pub source: String,
    /// RFC 3339; default: now.
    pub started_at: Option<String>,
    pub results: Vec<CheckResultRequest>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckRunView {
    pub run: kexin_core::CheckRun,
    pub results: Vec<kexin_core::CheckOutcome>,
    /// What changed since the previous run on the asset (none for the first run).
    pub drift: Option<kexin_assess::Drift>,
    /// Draft assessments of this asset that were filled from the run.
    #[schema(value_type = Vec<String>)]
    pub filled_assessments: Vec<AssessmentId>,
}

/// Record a run of automatic checks on an asset; draft assessments of the asset are filled from it.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/assets/{id}/check-runs", tag = "assessments", request_body = CheckRunRequest, params(("tenant" = String, Path, description = "tenant slug"), ("id" = String, Path, description = "asset id")),
    responses((status = 201, body = CheckRunView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_check_run(
    State(state): State<AppState>,
    p: Principal,
    Path((slug, id)): Path<(String, String)>,
    ApiJson(req): ApiJson<CheckRunRequest>,
) -> ApiResult<(StatusCode, Json<CheckRunView>)> {
    let t = p.tenant(&state, &slug, "checkrun.record").await?;
    p.require(&state, Permission::WriteData, &t, "checkrun.record")
        .await?;
    let asset = state
        .store
        .asset(&t.id, &kexin_core::AssetId::from_string(id))
        .await?;
    let started_at = match &req.started_at {
        Some(s) => {
            kexin_core::Timestamp::parse(s).map_err(|e| ApiError::invalid("started_at", e))?
        }
        None => kexin_core::Timestamp::now(),
    };
    let catalog = Catalog::embedded();
    let mut outcomes = Vec::with_capacity(req.results.len());
    for (i, r) in req.results.into_iter().enumerate() {
        if catalog.check(&r.check).is_none() {
            return Err(ApiError::invalid("results", format!("results[{i}]: unknown check `{}`; the catalog's checks are in catalog/checks.yaml", r.check)).field(format!("results[{i}].check")));
        }
        outcomes.push(kexin_core::CheckOutcome {
            check_id: r.check,
            status: r.status,
            evidence: r.evidence,
        });
    }
    let run = state
        .store
        .record_check_run(
            &p.actor,
            &t.id,
            &asset.id,
            &req.source,
            started_at,
            &outcomes,
        )
        .await?;
    let mut filled = Vec::new();
    for a in state.store.list_assessments(&t.id).await? {
        if a.target_name == asset.name
            && a.status == kexin_core::AssessmentStatus::Draft
            && fill_from_checks(&state.store, &p.actor, &a)
                .await?
                .is_some_and(|(_, n)| n > 0)
        {
            filled.push(a.id);
        }
    }
    let previous = state
        .store
        .check_runs(&t.id, &asset.id)
        .await?
        .into_iter()
        .find(|r| r.id != run.id);
    let drift = match previous {
        Some(prev) => Some(kexin_assess::drift(
            &state.store.check_outcomes(&t.id, &prev.id).await?,
            &outcomes,
        )),
        None => None,
    };
    Ok((
        StatusCode::CREATED,
        Json(CheckRunView {
            run,
            results: outcomes,
            drift,
            filled_assessments: filled,
        }),
    ))
}

/// Check runs on an asset, newest first.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/assets/{id}/check-runs", tag = "assessments", params(("tenant" = String, Path, description = "tenant slug"), ("id" = String, Path, description = "asset id")),
    responses((status = 200, body = [kexin_core::CheckRun]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn check_runs(
    State(state): State<AppState>,
    p: Principal,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<Json<Vec<kexin_core::CheckRun>>> {
    let t = p.tenant(&state, &slug, "checkrun.list").await?;
    p.require(&state, Permission::ReadData, &t, "checkrun.list")
        .await?;
    let asset = state
        .store
        .asset(&t.id, &kexin_core::AssetId::from_string(id))
        .await?;
    Ok(Json(state.store.check_runs(&t.id, &asset.id).await?))
}

/// Everything the report of `a` shows, read from the store.
pub async fn report_data(
    store: &kexin_store::Store,
    tenant: &Tenant,
    a: Assessment,
) -> Result<kexin_report::ReportData, ApiError> {
    let s = standard(&a.standard_id)?;
    let results = store.point_results(&tenant.id, &a.id).await?;
    let evidence: HashMap<kexin_core::EvidenceId, Evidence> = store
        .assessment_evidence(&tenant.id, &a.id)
        .await?
        .into_iter()
        .map(|e| (e.id.clone(), e))
        .collect();
    let answers = kexin_assess::answers(&results);
    let evaluation = evaluate(s, a.variant.as_deref(), a.target_level, |p| answers.get(p));
    let item = |e: &Evidence| match &e.kind {
        kexin_core::EvidenceKind::File { sha256, size } => kexin_report::EvidenceItem {
            id: e.id.to_string(),
            kind: "file".into(),
            name: e.name.clone(),
            sha256: Some(sha256.clone()),
            size: Some(*size),
            url: None,
        },
        kexin_core::EvidenceKind::Link { url } => kexin_report::EvidenceItem {
            id: e.id.to_string(),
            kind: "link".into(),
            name: e.name.clone(),
            sha256: None,
            size: None,
            url: Some(url.clone()),
        },
    };
    let report_results = results
        .iter()
        .map(|r| kexin_report::PointResult {
            point_id: r.point_id.clone(),
            verdict: r.verdict,
            reason: r.reason.clone(),
            notes: r.notes.clone(),
            source: r.source.clone(),
            updated_by: r.updated_by.clone(),
            updated_at: r.updated_at,
            evidence: r
                .evidence
                .iter()
                .filter_map(|id| evidence.get(id))
                .map(item)
                .collect(),
        })
        .collect();
    let step = |step: &str,
                by: &Option<String>,
                at: &Option<kexin_core::Timestamp>,
                note: Option<String>| {
        by.as_ref()
            .zip(*at)
            .map(|(by, at)| kexin_report::WorkflowStep {
                step: step.into(),
                by: by.clone(),
                at,
                note,
            })
    };
    let mut workflow = vec![kexin_report::WorkflowStep {
        step: "created".into(),
        by: a.created_by.clone(),
        at: a.created_at,
        note: None,
    }];
    workflow.extend(step("submitted", &a.submitted_by, &a.submitted_at, None));
    let review_step = if a.status == kexin_core::AssessmentStatus::Draft {
        "returned"
    } else {
        "reviewed"
    };
    workflow.extend(step(
        review_step,
        &a.reviewed_by,
        &a.reviewed_at,
        a.review_note.clone(),
    ));
    workflow.extend(step("signed_off", &a.signed_off_by, &a.signed_off_at, None));
    Ok(kexin_report::ReportData {
        assessment_id: a.id.to_string(),
        tenant_name: tenant.name.clone(),
        target_name: a.target_name.clone(),
        standard: s.clone(),
        variant: a.variant.clone(),
        status: a.status,
        evaluation,
        results: report_results,
        workflow,
        generated_at: kexin_core::Timestamp::now(),
        catalog_version: format!("Kexin {}", env!("CARGO_PKG_VERSION")),
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// `html` (default), `pdf` or `json`.
    pub format: Option<String>,
    /// `zh` or `en` (default).
    pub lang: Option<String>,
}

/// The assessment report: self-contained HTML (print-ready), PDF (printed by Debian's chromium) or JSON.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/assessments/{id}/report", tag = "assessments", params(("tenant" = String, Path, description = "tenant slug"), ("id" = String, Path), ReportQuery),
    responses((status = 200, description = "text/html, application/pdf or application/json"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    p: Principal,
    Path((slug, id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let (t, a) = scoped(
        &state,
        &p,
        &slug,
        &id,
        Permission::ReadData,
        "assessment.report",
    )
    .await?;
    let lang: kexin_report::Lang =
        q.lang
            .as_deref()
            .unwrap_or("en")
            .parse()
            .map_err(|e: String| {
                ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", e).field("lang")
            })?;
    let format = q.format.as_deref().unwrap_or("html");
    let data = report_data(&state.store, &t, a.clone()).await?;
    let entry = kexin_store::AuditEntry::new("assessment.report", "assessment", Some(&t.id))
        .object(&a.id)
        .with("format", format)
        .with("lang", lang.as_str());
    let internal = |e: kexin_report::ReportError| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "report_failed",
            e.to_string(),
        )
    };
    let (content_type, body): (&str, Vec<u8>) = match format {
        "json" => (
            "application/json",
            kexin_report::render_json(&data).into_bytes(),
        ),
        "html" => (
            "text/html; charset=utf-8",
            kexin_report::render_html(&data, lang)
                .map_err(internal)?
                .into_bytes(),
        ),
        "pdf" => {
            let html = kexin_report::render_html(&data, lang).map_err(internal)?;
            let pdf = tokio::task::spawn_blocking(
                move || -> Result<Vec<u8>, kexin_report::ReportError> {
                    let dir = std::env::temp_dir().join(format!(
                        "kexin-report-{}",
                        kexin_core::AssessmentId::generate()
                    ));
                    std::fs::create_dir_all(&dir).map_err(|e| kexin_report::ReportError::Io {
                        context: dir.display().to_string(),
                        source: e,
                    })?;
                    let out = dir.join("report.pdf");
                    let result = kexin_report::html_to_pdf(&html, &out).and_then(|_| {
                        std::fs::read(&out).map_err(|e| kexin_report::ReportError::Io {
                            context: out.display().to_string(),
                            source: e,
                        })
                    });
                    let _ = std::fs::remove_dir_all(&dir);
                    result
                },
            )
            .await
            .map_err(|e| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "report_failed",
                    e.to_string(),
                )
            })?
            .map_err(internal)?;
            ("application/pdf", pdf)
        }
        other => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                format!("`{other}` is not a report format; expected html, pdf or json"),
            )
            .field("format"));
        }
    };
    state.store.record_audit(&p.actor, entry).await?;
    Ok(([(axum::http::header::CONTENT_TYPE, content_type)], body).into_response())
}

/// Evaluates an assessment as stored.
pub async fn view(state: &AppState, a: Assessment) -> ApiResult<AssessmentView> {
    let s = standard(&a.standard_id)?;
    let results = state.store.point_results(&a.tenant_id, &a.id).await?;
    let answers = kexin_assess::answers(&results);
    let evaluation = evaluate(s, a.variant.as_deref(), a.target_level, |p| answers.get(p));
    let shared_evidence = shared_evidence(&state.store, &a).await?;
    Ok(AssessmentView {
        assessment: a,
        evaluation,
        results,
        shared_evidence,
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

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// `csv` (header point,result,reason,notes) or `yaml` (`answers:` list).
    pub format: String,
}

/// Import answers from a CSV or YAML file (raw body), all or nothing; every problem is reported with its line.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/assessments/{id}/import", tag = "assessments", params(("tenant" = String, Path, description = "tenant slug"), ("id" = String, Path), ImportQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = AssessmentView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    p: Principal,
    Path((slug, id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
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
    let name = match q.format.as_str() {
        "csv" => "answers.csv",
        "yaml" => "answers.yaml",
        other => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                format!("`{other}` is not an import format; expected csv or yaml"),
            )
            .field("format"));
        }
    };
    let answers = kexin_assess::import::parse_answers(
        name,
        &body,
        standard(&a.standard_id)?,
        a.variant.as_deref(),
    )
    .map_err(|e| {
        let mut err = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_answers",
            e.to_string(),
        );
        err.detail.line = e.problems.first().and_then(|p| p.line);
        err
    })?;
    let inputs = answers
        .into_iter()
        .map(|x| ResultInput {
            point_id: x.point_id,
            verdict: x.verdict,
            reason: x.reason,
            notes: x.notes,
            source: "manual".into(),
        })
        .collect();
    state
        .store
        .record_results(&p.actor, &t.id, &a.id, inputs)
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

/// Evidence is only taken by a draft; refuse before storing anything.
fn require_draft(a: &Assessment) -> ApiResult<()> {
    if a.status == kexin_core::AssessmentStatus::Draft {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::CONFLICT,
        "conflict",
        format!(
            "assessment {} is {}: only a draft takes evidence",
            a.id,
            a.status.as_str()
        ),
    ))
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
    require_draft(&a)?;
    let e = state
        .store
        .add_evidence_file(&p.actor, &t.id, &q.name, &body, Some((&a.id, &q.point)))
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
    require_draft(&a)?;
    let e = state
        .store
        .add_evidence_link(
            &p.actor,
            &t.id,
            &req.name,
            &req.url,
            Some((&a.id, &req.point)),
        )
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
    let (ma, mb) = (
        kexin_assess::answers(&va.results),
        kexin_assess::answers(&vb.results),
    );
    Ok(Json(DiffView {
        changes: kexin_assess::diff(s, |x| ma.get(x), |x| mb.get(x)),
        before: va.assessment.id,
        after: vb.assessment.id,
        level_before: va.evaluation.level_reached,
        level_after: vb.evaluation.level_reached,
    }))
}
