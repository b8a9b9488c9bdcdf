//! The web console: server-rendered pages (askama templates compiled into
//! the binary), no JavaScript needed, in Chinese and English.
//!
//! Pages use the same session as the API. Forms post back to the console;
//! their handlers call the same functions as the API handlers, so rules
//! (lockout, one-time passwords, audit) are enforced once.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use kexin_core::{Asset, AuditRecord, Permission, Tenant, User};
use kexin_store::audit::AuditFilter;
use serde::Deserialize;

use crate::AppState;
use crate::api::session::{change_own_password, password_login, session_cookie};
use crate::api::tenants::Summary;
use crate::auth::{Principal, Source, cookie, same_origin};

const LANG_COOKIE: &str = "kexin_lang";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", axum::routing::post(logout))
        .route("/password", get(password_page).post(password_submit))
        .route(
            "/assessments",
            get(assessments_page).post(assessment_create),
        )
        .route(
            "/assessments/{id}",
            get(assessment_page).post(assessment_save),
        )
}

/// Every text of the console, per language.
pub struct Texts {
    html_lang: &'static str,
    login_title: &'static str,
    login_hint: &'static str,
    tenant: &'static str,
    username: &'static str,
    password: &'static str,
    login: &'static str,
    logout: &'static str,
    password_title: &'static str,
    password_forced: &'static str,
    current_password: &'static str,
    new_password: &'static str,
    repeat_password: &'static str,
    passwords_differ: &'static str,
    save: &'static str,
    users: &'static str,
    assets: &'static str,
    tokens: &'static str,
    audit_records: &'static str,
    tenants: &'static str,
    slug: &'static str,
    name: &'static str,
    status: &'static str,
    created: &'static str,
    kind: &'static str,
    address: &'static str,
    tags: &'static str,
    no_assets: &'static str,
    recent_activity: &'static str,
    time: &'static str,
    actor: &'static str,
    action: &'static str,
    outcome: &'static str,
    source: &'static str,
    roles: [&'static str; 5],
    seq_hint: &'static str,
    err_credentials: &'static str,
    err_locked: &'static str,
    err_current_password: &'static str,
    err_new_password: &'static str,
    assessments: &'static str,
    standard: &'static str,
    target: &'static str,
    target_level: &'static str,
    level_reached: &'static str,
    score: &'static str,
    no_assessments: &'static str,
    new_assessment: &'static str,
    highest: &'static str,
    variant: &'static str,
    create: &'static str,
    gaps_to: &'static str,
    reason: &'static str,
    no_level: &'static str,
    /// Labels of stored values (statuses, outcomes, kinds), English first.
    labels: &'static [(&'static str, &'static str)],
}

impl Texts {
    /// The label of a stored value such as `active` or `denied`; the value itself if none.
    fn label<'a>(&self, value: &'a str) -> &'a str
    where
        'static: 'a,
    {
        self.labels
            .iter()
            .find(|(k, _)| *k == value)
            .map_or(value, |(_, v)| v)
    }
}

const EN: Texts = Texts {
    html_lang: "en",
    login_title: "Sign in to Kexin",
    login_hint: "Platform administrators sign in to the tenant “platform”.",
    tenant: "Tenant",
    username: "Username",
    password: "Password",
    login: "Sign in",
    logout: "Sign out",
    password_title: "Change password",
    password_forced: "You signed in with a one-time password. Choose your own password to continue.",
    current_password: "Current password",
    new_password: "New password",
    repeat_password: "Repeat the new password",
    passwords_differ: "The two new passwords differ.",
    save: "Save",
    users: "Users",
    assets: "Assets",
    tokens: "Active API tokens",
    audit_records: "Audit records",
    tenants: "Tenants",
    slug: "Slug",
    name: "Name",
    status: "Status",
    created: "Created",
    kind: "Kind",
    address: "Address",
    tags: "Tags",
    no_assets: "No assets registered yet.",
    recent_activity: "Recent activity",
    time: "Time",
    actor: "Who",
    action: "Action",
    outcome: "Outcome",
    source: "From",
    roles: [
        "Platform administrator",
        "Tenant administrator",
        "Analyst",
        "Auditor",
        "Viewer",
    ],
    seq_hint: "Position in the platform-wide audit chain",
    err_credentials: "Wrong tenant, username or password.",
    err_locked: "Too many failed logins: the account is locked for a while.",
    err_current_password: "The current password is wrong.",
    err_new_password: "The new password is not accepted",
    assessments: "Assessments",
    standard: "Standard",
    target: "Target",
    target_level: "Target level",
    level_reached: "Level reached",
    score: "Score",
    no_assessments: "No assessments yet.",
    new_assessment: "New assessment",
    highest: "the standard's highest",
    variant: "Variant (standards that have them)",
    create: "Create",
    gaps_to: "gaps to",
    reason: "Reason (required for not applicable) or notes",
    no_level: "none",
    labels: &[
        ("basic", "Basic"),
        ("enhanced", "Enhanced"),
        ("advanced", "Advanced"),
        ("public-cloud", "Public cloud"),
        ("private-cloud", "Private cloud"),
        ("draft", "Draft"),
        ("submitted", "Submitted"),
        ("reviewed", "Reviewed"),
        ("signed_off", "Signed off"),
        ("pass", "Pass"),
        ("partial", "Partial"),
        ("fail", "Fail"),
        ("not_applicable", "Not applicable"),
        ("not_assessed", "Not assessed"),
        ("active", "Active"),
        ("suspended", "Suspended"),
        ("disabled", "Disabled"),
        ("success", "Success"),
        ("denied", "Denied"),
        ("failed", "Failed"),
        ("host", "Host"),
        ("container", "Container"),
        ("cloud_account", "Cloud account"),
        ("application", "Application"),
        ("database", "Database"),
        ("network", "Network"),
        ("other", "Other"),
    ],
};

const ZH: Texts = Texts {
    html_lang: "zh-CN",
    login_title: "登录可信平台",
    login_hint: "平台管理员请登录租户“platform”。",
    tenant: "租户",
    username: "用户名",
    password: "密码",
    login: "登录",
    logout: "退出",
    password_title: "修改密码",
    password_forced: "您使用的是一次性密码，请先设置自己的密码。",
    current_password: "当前密码",
    new_password: "新密码",
    repeat_password: "再次输入新密码",
    passwords_differ: "两次输入的新密码不一致。",
    save: "保存",
    users: "用户",
    assets: "资产",
    tokens: "有效 API 令牌",
    audit_records: "审计记录",
    tenants: "租户",
    slug: "标识",
    name: "名称",
    status: "状态",
    created: "创建时间",
    kind: "类型",
    address: "地址",
    tags: "标签",
    no_assets: "尚未登记资产。",
    recent_activity: "最近操作",
    time: "时间",
    actor: "操作者",
    action: "操作",
    outcome: "结果",
    source: "来源",
    roles: ["平台管理员", "租户管理员", "分析员", "审计员", "查看者"],
    seq_hint: "在平台审计链中的序号",
    err_credentials: "租户、用户名或密码错误。",
    err_locked: "登录失败次数过多，账户已被暂时锁定。",
    err_current_password: "当前密码错误。",
    err_new_password: "新密码不符合要求",
    assessments: "评估",
    standard: "标准",
    target: "评估对象",
    target_level: "目标级别",
    level_reached: "达到级别",
    score: "得分",
    no_assessments: "尚无评估。",
    new_assessment: "新建评估",
    highest: "标准的最高级别",
    variant: "类型（适用于区分类型的标准）",
    create: "创建",
    gaps_to: "距离",
    reason: "理由（不适用时必填）或备注",
    no_level: "未达到",
    labels: &[
        ("basic", "基础级"),
        ("enhanced", "增强级"),
        ("advanced", "先进级"),
        ("public-cloud", "公有云"),
        ("private-cloud", "私有云"),
        ("draft", "草稿"),
        ("submitted", "已提交"),
        ("reviewed", "已复核"),
        ("signed_off", "已签署"),
        ("pass", "符合"),
        ("partial", "部分符合"),
        ("fail", "不符合"),
        ("not_applicable", "不适用"),
        ("not_assessed", "未评估"),
        ("active", "启用"),
        ("suspended", "已暂停"),
        ("disabled", "已停用"),
        ("success", "成功"),
        ("denied", "拒绝"),
        ("failed", "失败"),
        ("host", "主机"),
        ("container", "容器"),
        ("cloud_account", "云账号"),
        ("application", "应用"),
        ("database", "数据库"),
        ("network", "网络"),
        ("other", "其他"),
    ],
};

/// The page language: `?lang=` (remembered in a cookie), else the cookie,
/// else the browser's preference.
struct Lang {
    texts: &'static Texts,
    /// Set when `?lang=` chose it, so the response remembers it.
    remember: Option<&'static str>,
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let pick = |s: &str| {
            if s.starts_with("zh") {
                Some(("zh", &ZH))
            } else if s.starts_with("en") {
                Some(("en", &EN))
            } else {
                None
            }
        };
        let query = Query::<LangQuery>::from_request_parts(parts, state)
            .await
            .ok()
            .and_then(|q| q.0.lang);
        if let Some((code, texts)) = query.as_deref().and_then(pick) {
            return Ok(Lang {
                texts,
                remember: Some(code),
            });
        }
        if let Some((_, texts)) = cookie(&parts.headers, LANG_COOKIE).and_then(pick) {
            return Ok(Lang {
                texts,
                remember: None,
            });
        }
        let accept = parts
            .headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let texts = if accept.trim_start().starts_with("zh") {
            &ZH
        } else {
            &EN
        };
        Ok(Lang {
            texts,
            remember: None,
        })
    }
}

impl Lang {
    fn page(&self, status: StatusCode, html: Result<String, askama::Error>) -> Response {
        let mut resp = match html {
            Ok(body) => (status, Html(body)).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "console template failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "page could not be rendered",
                )
                    .into_response()
            }
        };
        if let Some(code) = self.remember
            && let Ok(v) = HeaderValue::from_str(&format!(
                "{LANG_COOKIE}={code}; Path=/; Max-Age=31536000; SameSite=Lax"
            ))
        {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        resp.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
        );
        resp
    }
}

/// The console session behind a page, if any (pages send the browser to
/// log in otherwise). API tokens are not accepted by pages.
struct ConsoleUser(Option<Principal>);

impl FromRequestParts<AppState> for ConsoleUser {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        parts.headers.remove(header::AUTHORIZATION);
        // Pages decide themselves what a one-time-password session may see.
        Ok(ConsoleUser(
            Principal::authenticate(parts, state, true).await.ok(),
        ))
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    t: &'a Texts,
    error: Option<String>,
    tenant: String,
    username: String,
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage<'a> {
    t: &'a Texts,
    username: String,
    forced: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage<'a> {
    t: &'a Texts,
    user: User,
    role_label: &'a str,
    tenant: Tenant,
    summary: Summary,
    tenants: Vec<Tenant>,
    assets: Vec<Asset>,
    can_read_audit: bool,
    audit: Vec<AuditRecord>,
}

impl DashboardPage<'_> {
    /// `2026-11-24 10:59:26` (UTC), for tables.
    fn when(&self, t: &kexin_core::Timestamp) -> String {
        let s = t.to_string();
        format!("{} {}", &s[..10], &s[11..19])
    }
}

async fn dashboard(
    State(state): State<AppState>,
    lang: Lang,
    ConsoleUser(p): ConsoleUser,
) -> Response {
    let Some(p) = p else {
        return Redirect::to("/login").into_response();
    };
    let Some(user) = p.user.clone() else {
        return Redirect::to("/login").into_response();
    };
    if user.must_change_password {
        return Redirect::to("/password").into_response();
    }
    let t = p.tenant.clone();
    let result = async {
        let summary = Summary::new(t.clone(), state.store.tenant_summary(&t.id).await?);
        let tenants = if p.actor.role.spans_tenants() {
            state.store.list_tenants().await?
        } else {
            Vec::new()
        };
        let mut assets = state.store.list_assets(&t.id).await?;
        assets.truncate(50);
        let can_read_audit = p.actor.may(Permission::ReadAudit, &t.id);
        let audit = if can_read_audit {
            let recent = AuditFilter {
                tenant_id: Some(t.id.clone()),
                limit: Some(10),
                newest_first: true,
                ..Default::default()
            };
            state.store.list_audit(&recent).await?
        } else {
            Vec::new()
        };
        Ok::<_, kexin_store::StoreError>((summary, tenants, assets, can_read_audit, audit))
    }
    .await;
    match result {
        Ok((summary, tenants, assets, can_read_audit, audit)) => {
            let role_index = kexin_core::Role::ALL
                .iter()
                .position(|r| *r == user.role)
                .unwrap_or(4);
            let page = DashboardPage {
                t: lang.texts,
                role_label: lang.texts.roles[role_index],
                user,
                tenant: t,
                summary,
                tenants,
                assets,
                can_read_audit,
                audit,
            };
            lang.page(StatusCode::OK, page.render())
        }
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

#[derive(Deserialize)]
struct LoginPrefill {
    tenant: Option<String>,
}

async fn login_page(lang: Lang, Query(q): Query<LoginPrefill>) -> Response {
    let page = LoginPage {
        t: lang.texts,
        error: None,
        tenant: q
            .tenant
            .unwrap_or_else(|| kexin_core::PLATFORM_TENANT.into()),
        username: String::new(),
    };
    lang.page(StatusCode::OK, page.render())
}

#[derive(Deserialize)]
struct LoginForm {
    tenant: String,
    username: String,
    password: String,
}

async fn login_submit(
    State(state): State<AppState>,
    lang: Lang,
    Source(source): Source,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    if !same_origin(&headers) {
        return (StatusCode::FORBIDDEN, "cross-origin form posts are refused").into_response();
    }
    match password_login(
        &state,
        &source,
        f.tenant.trim(),
        f.username.trim(),
        &f.password,
    )
    .await
    {
        Ok(done) => {
            let target = if done.response.user.must_change_password {
                "/password"
            } else {
                "/"
            };
            let mut resp = Redirect::to(target).into_response();
            resp.headers_mut().insert(
                header::SET_COOKIE,
                session_cookie(
                    &done.secret,
                    state.config.auth.session_ttl.as_secs(),
                    state.https(),
                ),
            );
            resp
        }
        Err(e) => {
            let message = match e.detail.code {
                "invalid_credentials" => lang.texts.err_credentials.to_string(),
                "account_locked" => lang.texts.err_locked.to_string(),
                _ => e.detail.message,
            };
            let page = LoginPage {
                t: lang.texts,
                error: Some(message),
                tenant: f.tenant,
                username: f.username,
            };
            lang.page(e.status, page.render())
        }
    }
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConsoleUser(p): ConsoleUser,
) -> Response {
    if let (Some(p), true) = (p, same_origin(&headers))
        && let crate::auth::Credential::Session(hash) = &p.credential
        && let Err(e) = state.store.end_session(&p.actor, hash).await
    {
        return crate::error::ApiError::from(e).into_response();
    }
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, session_cookie("", 0, state.https()));
    resp
}

async fn password_page(lang: Lang, ConsoleUser(p): ConsoleUser) -> Response {
    let Some(user) = p.and_then(|p| p.user) else {
        return Redirect::to("/login").into_response();
    };
    let page = PasswordPage {
        t: lang.texts,
        forced: user.must_change_password,
        username: user.username,
        error: None,
    };
    lang.page(StatusCode::OK, page.render())
}

#[derive(Deserialize)]
struct PasswordForm {
    current_password: String,
    new_password: String,
    new_password2: String,
}

async fn password_submit(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    ConsoleUser(p): ConsoleUser,
    Form(f): Form<PasswordForm>,
) -> Response {
    let Some(p) = p else {
        return Redirect::to("/login").into_response();
    };
    let Some(user) = p.user.clone() else {
        return Redirect::to("/login").into_response();
    };
    if !same_origin(&headers) {
        return (StatusCode::FORBIDDEN, "cross-origin form posts are refused").into_response();
    }
    let error = if f.new_password != f.new_password2 {
        Some((
            StatusCode::UNPROCESSABLE_ENTITY,
            lang.texts.passwords_differ.to_string(),
        ))
    } else {
        change_own_password(&state, &p, &f.current_password, &f.new_password)
            .await
            .err()
            .map(|e| {
                let message = match e.detail.field.as_deref() {
                    Some("current_password") => lang.texts.err_current_password.to_string(),
                    // The policy's own explanation says exactly what to change.
                    Some("new_password") => {
                        format!("{}: {}", lang.texts.err_new_password, e.detail.message)
                    }
                    _ => e.detail.message,
                };
                (e.status, message)
            })
    };
    match error {
        None => Redirect::to("/").into_response(),
        Some((status, message)) => {
            let page = PasswordPage {
                t: lang.texts,
                forced: user.must_change_password,
                username: user.username,
                error: Some(message),
            };
            lang.page(status, page.render())
        }
    }
}

// ---- assessments ------------------------------------------------------

struct AssessmentRow {
    id: String,
    standard: String,
    target: String,
    status: &'static str,
    target_level: &'static str,
    reached: String,
    score: String,
}

#[derive(Template)]
#[template(path = "assessments.html")]
struct AssessmentsPage<'a> {
    t: &'a Texts,
    tenant: Tenant,
    rows: Vec<AssessmentRow>,
    standards: Vec<(String, String)>,
    can_write: bool,
    error: Option<String>,
}

struct PointRow {
    id: String,
    title: String,
    statement: String,
    level: &'static str,
    verdict: &'static str,
    reason: String,
}

struct PartRows {
    title: String,
    score: String,
    points: Vec<PointRow>,
}

#[derive(Template)]
#[template(path = "assessment.html")]
struct AssessmentPage<'a> {
    t: &'a Texts,
    id: String,
    title: String,
    target: String,
    status: &'static str,
    target_level: &'static str,
    reached: String,
    score: String,
    gap_count: usize,
    next_level: String,
    parts: Vec<PartRows>,
    verdicts: Vec<&'static str>,
    editable: bool,
    error: Option<String>,
}

fn lang_code(t: &Texts) -> &'static str {
    if t.html_lang == "en" { "en" } else { "zh" }
}

fn reached_label(t: &Texts, l: Option<kexin_core::Level>) -> String {
    l.map_or_else(
        || t.no_level.to_string(),
        |l| t.label(l.as_str()).to_string(),
    )
}

fn score_label(s: Option<f64>) -> String {
    s.map_or_else(|| "–".into(), |s| format!("{s:.1}"))
}

async fn assessments_list(
    state: &AppState,
    lang: &Lang,
    p: &Principal,
    error: Option<String>,
) -> Response {
    let t = &p.tenant;
    let result = async {
        let mut rows = Vec::new();
        for a in state.store.list_assessments(&t.id).await? {
            let v = crate::api::assessments::view(state, a).await?;
            let s = kexin_catalog::Catalog::embedded().standard(&v.assessment.standard_id);
            rows.push(AssessmentRow {
                id: v.assessment.id.to_string(),
                standard: s.map_or(v.assessment.standard_id.clone(), |s| {
                    s.title.get(lang_code(lang.texts)).to_string()
                }),
                target: v.assessment.target_name.clone(),
                status: v.assessment.status.as_str(),
                target_level: v.assessment.target_level.as_str(),
                reached: reached_label(lang.texts, v.evaluation.level_reached),
                score: score_label(v.evaluation.score),
            });
        }
        Ok::<_, crate::error::ApiError>(rows)
    }
    .await;
    match result {
        Ok(rows) => {
            let standards = kexin_catalog::Catalog::embedded()
                .standards
                .iter()
                .map(|s| {
                    (
                        s.id.clone(),
                        format!("{} {}", s.blueprint, s.title.get(lang_code(lang.texts))),
                    )
                })
                .collect();
            let page = AssessmentsPage {
                t: lang.texts,
                tenant: t.clone(),
                rows,
                standards,
                can_write: p.actor.may(Permission::WriteData, &t.id),
                error,
            };
            lang.page(StatusCode::OK, page.render())
        }
        Err(e) => e.into_response(),
    }
}

async fn assessments_page(
    State(state): State<AppState>,
    lang: Lang,
    ConsoleUser(p): ConsoleUser,
) -> Response {
    match p {
        Some(p) if p.user.as_ref().is_some_and(|u| !u.must_change_password) => {
            assessments_list(&state, &lang, &p, None).await
        }
        Some(_) => Redirect::to("/password").into_response(),
        None => Redirect::to("/login").into_response(),
    }
}

#[derive(Deserialize)]
struct NewAssessmentForm {
    standard: String,
    target: String,
    level: String,
    variant: String,
}

async fn assessment_create(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    ConsoleUser(p): ConsoleUser,
    Form(f): Form<NewAssessmentForm>,
) -> Response {
    let Some(p) = p else {
        return Redirect::to("/login").into_response();
    };
    if p.user.as_ref().is_some_and(|u| u.must_change_password) {
        return Redirect::to("/password").into_response();
    }
    if !same_origin(&headers) {
        return (StatusCode::FORBIDDEN, "cross-origin form posts are refused").into_response();
    }
    if let Err(e) = p
        .require(
            &state,
            Permission::WriteData,
            &p.tenant,
            "assessment.create",
        )
        .await
    {
        return assessments_list(&state, &lang, &p, Some(e.detail.message)).await;
    }
    let catalog = kexin_catalog::Catalog::embedded();
    let Some(s) = catalog.standard(&f.standard) else {
        return assessments_list(
            &state,
            &lang,
            &p,
            Some(format!("unknown standard {}", f.standard)),
        )
        .await;
    };
    let level = match f.level.as_str() {
        "basic" => kexin_core::Level::Basic,
        "enhanced" => kexin_core::Level::Enhanced,
        "advanced" => kexin_core::Level::Advanced,
        _ => *s.levels.last().unwrap_or(&kexin_core::Level::Basic),
    };
    let variant = (!f.variant.is_empty()).then_some(f.variant);
    let problem = if !s.levels.contains(&level) {
        Some(format!(
            "{}: {:?}",
            lang.texts.target_level,
            s.levels.iter().map(|l| l.as_str()).collect::<Vec<_>>()
        ))
    } else if variant.as_ref().is_some_and(|v| !s.variants.contains(v))
        || (variant.is_none() && !s.variants.is_empty())
    {
        Some(format!(
            "{}: {}",
            lang.texts.variant,
            if s.variants.is_empty() {
                "—".to_string()
            } else {
                s.variants.join(", ")
            }
        ))
    } else {
        None
    };
    if let Some(problem) = problem {
        return assessments_list(&state, &lang, &p, Some(problem)).await;
    }
    let new = kexin_store::NewAssessment {
        standard_id: s.id.clone(),
        variant,
        target_name: f.target.trim().to_string(),
        target_level: level,
        supersedes: None,
    };
    match state
        .store
        .create_assessment(&p.actor, &p.tenant.id, new)
        .await
    {
        Ok(a) => Redirect::to(&format!("/assessments/{}", a.id)).into_response(),
        Err(e) => assessments_list(&state, &lang, &p, Some(e.to_string())).await,
    }
}

async fn assessment_render(
    state: &AppState,
    lang: &Lang,
    p: &Principal,
    id: &str,
    error: Option<String>,
) -> Response {
    let a = match state
        .store
        .assessment(&p.tenant.id, &kexin_core::AssessmentId::from_string(id))
        .await
    {
        Ok(a) => a,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let v = match crate::api::assessments::view(state, a).await {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let Some(s) = kexin_catalog::Catalog::embedded().standard(&v.assessment.standard_id) else {
        return crate::error::ApiError::not_found("standard").into_response();
    };
    let code = lang_code(lang.texts);
    let results: std::collections::HashMap<&str, &kexin_core::PointResult> =
        v.results.iter().map(|r| (r.point_id.as_str(), r)).collect();
    let mut parts: Vec<PartRows> = Vec::new();
    for top in &s.parts {
        let score = v
            .evaluation
            .parts
            .iter()
            .find(|x| x.part_id == top.id)
            .map(|x| score_label(x.score))
            .unwrap_or_default();
        parts.push(PartRows {
            title: top.title.get(code).to_string(),
            score,
            points: Vec::new(),
        });
    }
    for (parents, point) in s.points() {
        if !kexin_assess::applies(point, v.assessment.variant.as_deref()) {
            continue;
        }
        let Some(i) = parents
            .first()
            .and_then(|top| s.parts.iter().position(|x| x.id == top.id))
        else {
            continue;
        };
        let r = results.get(point.id.as_str());
        parts[i].points.push(PointRow {
            id: point.id.clone(),
            title: point.title.get(code).to_string(),
            statement: point.statement.get(code).to_string(),
            level: point.level.as_str(),
            verdict: r.map_or("not_assessed", |r| r.verdict.as_str()),
            reason: r.and_then(|r| r.reason.clone()).unwrap_or_default(),
        });
    }
    parts.retain(|x| !x.points.is_empty());
    let e = &v.evaluation;
    let page = AssessmentPage {
        t: lang.texts,
        id: v.assessment.id.to_string(),
        title: format!("{} {}", s.blueprint, s.title.get(code)),
        target: v.assessment.target_name.clone(),
        status: v.assessment.status.as_str(),
        target_level: v.assessment.target_level.as_str(),
        reached: reached_label(lang.texts, e.level_reached),
        score: score_label(e.score),
        gap_count: e.gaps_to_next.len(),
        next_level: e
            .next_level
            .map_or_else(String::new, |l| lang.texts.label(l.as_str()).to_string()),
        parts,
        verdicts: kexin_core::Verdict::ALL
            .iter()
            .map(|v| v.as_str())
            .collect(),
        editable: v.assessment.status == kexin_core::AssessmentStatus::Draft
            && p.actor.may(Permission::WriteData, &p.tenant.id),
        error,
    };
    lang.page(StatusCode::OK, page.render())
}

async fn assessment_page(
    State(state): State<AppState>,
    lang: Lang,
    ConsoleUser(p): ConsoleUser,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    match p {
        Some(p) if p.user.as_ref().is_some_and(|u| !u.must_change_password) => {
            assessment_render(&state, &lang, &p, &id, None).await
        }
        Some(_) => Redirect::to("/password").into_response(),
        None => Redirect::to("/login").into_response(),
    }
}

/// Saves the points whose answer changed, all or nothing.
async fn assessment_save(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    ConsoleUser(p): ConsoleUser,
    axum::extract::Path(id): axum::extract::Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let Some(p) = p else {
        return Redirect::to("/login").into_response();
    };
    if p.user.as_ref().is_some_and(|u| u.must_change_password) {
        return Redirect::to("/password").into_response();
    }
    if !same_origin(&headers) {
        return (StatusCode::FORBIDDEN, "cross-origin form posts are refused").into_response();
    }
    if let Err(e) = p
        .require(
            &state,
            Permission::WriteData,
            &p.tenant,
            "assessment.answer",
        )
        .await
    {
        return assessment_render(&state, &lang, &p, &id, Some(e.detail.message)).await;
    }
    let aid = kexin_core::AssessmentId::from_string(id.clone());
    let current = match state.store.point_results(&p.tenant.id, &aid).await {
        Ok(r) => r,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let reasons: std::collections::HashMap<&str, &str> = fields
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("r.").map(|k| (k, v.as_str())))
        .collect();
    let mut inputs = Vec::new();
    for (k, v) in &fields {
        let Some(point) = k.strip_prefix("v.") else {
            continue;
        };
        let Ok(verdict) = v.parse::<kexin_core::Verdict>() else {
            return assessment_render(
                &state,
                &lang,
                &p,
                &id,
                Some(format!("{point}: `{v}` is not a result")),
            )
            .await;
        };
        let reason = reasons
            .get(point)
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty());
        let before = current.iter().find(|r| r.point_id == point);
        let unchanged = match before {
            Some(b) => b.verdict == verdict && b.reason == reason,
            None => verdict == kexin_core::Verdict::NotAssessed && reason.is_none(),
        };
        if !unchanged {
            inputs.push(kexin_store::ResultInput {
                point_id: point.to_string(),
                verdict,
                reason,
                notes: before.and_then(|b| b.notes.clone()),
                source: "manual".into(),
            });
        }
    }
    if !inputs.is_empty() {
        let a = match state.store.assessment(&p.tenant.id, &aid).await {
            Ok(a) => a,
            Err(e) => return crate::error::ApiError::from(e).into_response(),
        };
        if let Some(bad) = inputs.iter().find(|i| {
            kexin_catalog::Catalog::embedded()
                .point(&i.point_id)
                .is_none_or(|(s, _)| s.id != a.standard_id)
        }) {
            return assessment_render(
                &state,
                &lang,
                &p,
                &id,
                Some(format!("unknown point {}", bad.point_id)),
            )
            .await;
        }
        if let Err(e) = state
            .store
            .record_results(&p.actor, &p.tenant.id, &aid, inputs)
            .await
        {
            return assessment_render(&state, &lang, &p, &id, Some(e.to_string())).await;
        }
    }
    Redirect::to(&format!("/assessments/{id}")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_render_the_login_page() {
        for (t, needle) in [(&EN, "Sign in to Kexin"), (&ZH, "登录可信平台")] {
            let html = LoginPage {
                t,
                error: Some("<script>".into()),
                tenant: "platform".into(),
                username: String::new(),
            }
            .render()
            .unwrap();
            assert!(html.contains(needle));
            assert!(
                html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"),
                "errors are escaped"
            );
        }
    }
}
