//! Logging in and out, and who am I.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use kexin_core::{Actor, ActorKind, AuditOutcome, Role, Tenant, Timestamp, User};
use kexin_store::LoginAttempt;
use kexin_store::audit::AuditEntry;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{Credential, Principal, SESSION_COOKIE, Source};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Tenant slug (`platform` for platform administrators).
    pub tenant: String,
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    pub user: User,
    pub tenant: Tenant,
    pub expires_at: Timestamp,
}

/// A successful password login: the session secret goes into the cookie.
pub struct LoggedIn {
    pub secret: String,
    pub response: LoginResponse,
}

/// Checks a password and opens a session. Shared by the API and the console form.
pub async fn password_login(
    state: &AppState,
    source: &str,
    tenant: &str,
    username: &str,
    password: &str,
) -> ApiResult<LoggedIn> {
    let refused =
        || ApiError::unauthorized("invalid_credentials", "wrong tenant, username or password");
    let Some(candidate) = state.store.login_candidate(tenant, username).await? else {
        let pw = password.to_string();
        let _ = crate::auth::argon2(state, move || kexin_auth::verify_password_dummy(&pw)).await;
        let entry = AuditEntry::new("auth.login", "user", None)
            .outcome(AuditOutcome::Denied)
            .with("tenant", tenant)
            .with("username", username)
            .with("reason", "unknown tenant or user");
        state
            .store
            .record_audit(&Actor::anonymous(username, source), entry)
            .await?;
        state.metrics.auth_failure("invalid_credentials");
        return Err(refused());
    };
    let actor = Actor {
        kind: ActorKind::User,
        id: candidate.user.id.to_string(),
        name: candidate.user.username.clone(),
        tenant_id: candidate.tenant.id.clone(),
        role: candidate.user.role,
        source: source.to_string(),
    };
    if let Some(until) = candidate.locked_until.filter(|u| *u > Timestamp::now()) {
        let entry = AuditEntry::new("auth.login", "user", Some(&candidate.tenant.id))
            .object(&candidate.user.id)
            .outcome(AuditOutcome::Denied)
            .with("reason", "account locked");
        state.store.record_audit(&actor, entry).await?;
        state.metrics.auth_failure("account_locked");
        return Err(ApiError::unauthorized(
            "account_locked",
            format!("too many failed logins: the account is locked until {until}"),
        ));
    }
    let (pw, stored) = (password.to_string(), candidate.password_hash.clone());
    let ok = crate::auth::argon2(state, move || kexin_auth::verify_password(&pw, &stored))
        .await
        .unwrap_or(false);
    if !ok {
        let auth = &state.config.auth;
        let attempt = LoginAttempt::Failure {
            lock_after: auth.lockout_threshold,
            lock_for: auth.lockout_duration,
        };
        state
            .store
            .record_login(&actor, &candidate, attempt)
            .await?;
        state.metrics.auth_failure("invalid_credentials");
        return Err(refused());
    }
    let secret = kexin_auth::generate_session_secret();
    let expires_at = Timestamp::now().plus(state.config.auth.session_ttl);
    let attempt = LoginAttempt::Success {
        session_hash: kexin_auth::hash_secret(&secret),
        expires_at,
    };
    if let Some(until) = state
        .store
        .record_login(&actor, &candidate, attempt)
        .await?
    {
        state.metrics.auth_failure("account_locked");
        return Err(ApiError::unauthorized(
            "account_locked",
            format!("too many failed logins: the account is locked until {until}"),
        ));
    }
    Ok(LoggedIn {
        secret,
        response: LoginResponse {
            user: candidate.user,
            tenant: candidate.tenant,
            expires_at,
        },
    })
}

/// The session cookie; `Secure` when the server speaks HTTPS, so a browser
/// never sends it over plain HTTP.
pub fn session_cookie(secret: &str, max_age_secs: u64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={secret}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_secs}{secure}"
    ))
    .expect("cookie value is ASCII")
}

/// Log in with a password; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "session", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    Source(source): Source,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<(HeaderMap, Json<LoginResponse>)> {
    let done = password_login(&state, &source, &req.tenant, &req.username, &req.password).await?;
    let mut headers = HeaderMap::new();
    headers.insert(
        header::SET_COOKIE,
        session_cookie(
            &done.secret,
            state.config.auth.session_ttl.as_secs(),
            state.https(),
        ),
    );
    Ok((headers, Json(done.response)))
}

/// End the current session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "session",
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    principal: Principal,
) -> ApiResult<(StatusCode, HeaderMap)> {
    let Credential::Session(hash) = &principal.credential else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "not_a_session",
            "API tokens have no session; revoke the token instead",
        ));
    };
    state.store.end_session(&principal.actor, hash).await?;
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, session_cookie("", 0, state.https()));
    Ok((StatusCode::NO_CONTENT, headers))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub kind: ActorKind,
    pub name: String,
    pub role: Role,
    pub tenant: Tenant,
    /// For session logins.
    pub user: Option<User>,
    pub must_change_password: bool,
}

/// Who the caller is.
#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(principal: Principal) -> Json<Me> {
    Json(Me {
        kind: principal.actor.kind,
        name: principal.actor.name.clone(),
        role: principal.actor.role,
        must_change_password: principal
            .user
            .as_ref()
            .is_some_and(|u| u.must_change_password),
        tenant: principal.tenant,
        user: principal.user,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

/// Change one's own password (required after a one-time password). Other sessions end.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "session", request_body = ChangePassword,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(req): ApiJson<ChangePassword>,
) -> ApiResult<StatusCode> {
    change_own_password(&state, &principal, &req.current_password, &req.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn change_own_password(
    state: &AppState,
    principal: &Principal,
    current: &str,
    new: &str,
) -> ApiResult<()> {
    let (Some(user), Credential::Session(hash)) = (&principal.user, &principal.credential) else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "not_a_session",
            "only a logged-in user has a password",
        ));
    };
    let candidate = state
        .store
        .login_candidate(&principal.tenant.slug, &user.username)
        .await?
        .ok_or_else(|| {
            ApiError::unauthorized("invalid_session", "the account is no longer active")
        })?;
    let (pw, stored) = (current.to_string(), candidate.password_hash);
    if !crate::auth::argon2(state, move || kexin_auth::verify_password(&pw, &stored))
        .await
        .unwrap_or(false)
    {
        let entry = AuditEntry::new("user.password", "user", Some(&principal.tenant.id))
            .object(&user.id)
            .outcome(AuditOutcome::Denied)
            .with("reason", "wrong current password");
        state.store.record_audit(&principal.actor, entry).await?;
        return Err(ApiError::invalid(
            "current_password",
            "the current password is wrong",
        ));
    }
    kexin_auth::check_password_policy(new, &user.username, state.config.auth.password_min_length)
        .map_err(|e| ApiError::invalid("new_password", e.to_string()))?;
    if new == current {
        return Err(ApiError::invalid(
            "new_password",
            "the new password must differ from the current one",
        ));
    }
    let hashed = crate::api::accounts::hash(state, new.to_string()).await?;
    state
        .store
        .set_password(
            &principal.actor,
            &principal.tenant.id,
            &user.id,
            &hashed,
            false,
            Some(hash),
        )
        .await?;
    Ok(())
}
