//! Who is calling: API token or console session, turned into an [`Actor`],
//! and the checks every handler makes before touching a tenant's data.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use kexin_core::{Actor, ActorKind, AuditOutcome, Permission, Tenant, Timestamp, User};
use kexin_store::audit::AuditEntry;

use crate::AppState;
use crate::error::{ApiError, ApiResult};

/// Name of the console's session cookie.
pub const SESSION_COOKIE: &str = "kexin_session";

/// How the caller proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A console session; carries the hash of the session id.
    Session(String),
    Token,
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    pub actor: Actor,
    pub tenant: Tenant,
    /// The user, for session logins.
    pub user: Option<User>,
    pub credential: Credential,
}

/// Requests a user with a one-time password may still make.
const ALLOWED_BEFORE_PASSWORD_CHANGE: &[&str] =
    &["/api/v1/me", "/api/v1/me/password", "/api/v1/auth/logout"];

pub fn source_of(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<crate::listen::Peer>>()
        .map(|c| c.0.0.to_string())
        .unwrap_or_else(|| "unknown".into())
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Browsers send `Origin` on cross-site requests; a state-changing request
/// carried by a session cookie must come from our own pages.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    origin.split_once("://").map(|(_, h)| h) == Some(host)
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // Nested routers see a shortened path; the rule is about the full one.
        let path = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map_or_else(|| parts.uri.path().to_string(), |u| u.0.path().to_string());
        let before_password_change = ALLOWED_BEFORE_PASSWORD_CHANGE.contains(&path.as_str());
        Principal::authenticate(parts, state, before_password_change).await
    }
}

impl Principal {
    /// Authenticates the request. `before_password_change`: whether a user
    /// who still has a one-time password may make it.
    pub async fn authenticate(
        parts: &Parts,
        state: &AppState,
        before_password_change: bool,
    ) -> Result<Self, ApiError> {
        let source = source_of(parts);
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let value = value.to_str().unwrap_or("");
            let Some(secret) = value.strip_prefix("Bearer ").map(str::trim) else {
                return Err(ApiError::unauthorized(
                    "invalid_token",
                    "use `Authorization: Bearer <token>`",
                ));
            };
            let hash = kexin_auth::hash_secret(secret);
            let Some(info) = state.store.token_by_hash(&hash).await? else {
                let shown: String = secret.chars().take(9).collect();
                let entry = AuditEntry::new("auth.token", "token", None)
                    .outcome(AuditOutcome::Denied)
                    .with("presented_prefix", shown);
                state
                    .store
                    .record_audit(&Actor::anonymous("token", &source), entry)
                    .await?;
                state.metrics.auth_failure("invalid_token");
                return Err(ApiError::unauthorized(
                    "invalid_token",
                    "the API token is unknown, revoked or expired, or its tenant is suspended",
                ));
            };
            let actor = Actor {
                kind: ActorKind::Token,
                id: info.token.id.to_string(),
                name: info.token.name.clone(),
                tenant_id: info.tenant.id.clone(),
                role: info.token.role,
                source,
            };
            return Ok(Principal {
                actor,
                tenant: info.tenant,
                user: None,
                credential: Credential::Token,
            });
        }

        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(ApiError::unauthorized(
                "missing_credentials",
                "log in, or send an API token as `Authorization: Bearer <token>`",
            ));
        };
        let hash = kexin_auth::hash_secret(secret);
        let Some(session) = state.store.session(&hash).await? else {
            state.metrics.auth_failure("invalid_session");
            return Err(ApiError::unauthorized(
                "invalid_session",
                "the session is unknown or has ended; log in again",
            ));
        };
        if session.expires_at <= Timestamp::now() {
            state.metrics.auth_failure("session_expired");
            return Err(ApiError::unauthorized(
                "session_expired",
                "the session has expired; log in again",
            ));
        }
        if session.user.status != kexin_core::UserStatus::Active
            || session.tenant.status != kexin_core::TenantStatus::Active
        {
            return Err(ApiError::unauthorized(
                "invalid_session",
                "the account or its tenant is no longer active",
            ));
        }
        if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS)
            && !same_origin(&parts.headers)
        {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "cross_origin",
                "cross-origin requests with a session cookie are refused",
            ));
        }
        if session.user.must_change_password && !before_password_change {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "password_change_required",
                "this account has a one-time password: set a new one with POST /api/v1/me/password first",
            ));
        }
        let actor = Actor {
            kind: ActorKind::User,
            id: session.user.id.to_string(),
            name: session.user.username.clone(),
            tenant_id: session.tenant.id.clone(),
            role: session.user.role,
            source,
        };
        Ok(Principal {
            actor,
            tenant: session.tenant,
            user: Some(session.user),
            credential: Credential::Session(hash),
        })
    }
}

impl Principal {
    /// Refuses (403, recorded in the audit trail) unless the caller may
    /// perform `permission` in `tenant`.
    pub async fn require(
        &self,
        state: &AppState,
        permission: Permission,
        tenant: &Tenant,
        action: &str,
    ) -> ApiResult<()> {
        if self.actor.may(permission, &tenant.id) {
            return Ok(());
        }
        self.deny(state, action, tenant).await
    }

    pub async fn deny<T>(&self, state: &AppState, action: &str, tenant: &Tenant) -> ApiResult<T> {
        let entry = AuditEntry::new(action, "tenant", Some(&tenant.id))
            .object(&tenant.id)
            .outcome(AuditOutcome::Denied)
            .with("role", self.actor.role)
            .with("actor_tenant", &self.actor.tenant_id);
        state.store.record_audit(&self.actor, entry).await?;
        Err(ApiError::forbidden(format!(
            "role {} of tenant `{}` may not {action} in tenant `{}`",
            self.actor.role, self.tenant.slug, tenant.slug
        )))
    }

    /// Resolves the tenant named in a URL. Callers outside that tenant get
    /// the same 403 whether it exists or not, so slugs cannot be probed.
    pub async fn tenant(&self, state: &AppState, slug: &str, action: &str) -> ApiResult<Tenant> {
        if slug == self.tenant.slug {
            return Ok(self.tenant.clone());
        }
        if self.actor.role.spans_tenants() {
            return state
                .store
                .tenant_by_slug(slug)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("tenant `{slug}` was not found")));
        }
        let entry = AuditEntry::new(action, "tenant", None)
            .outcome(AuditOutcome::Denied)
            .with("requested_tenant", slug)
            .with("role", self.actor.role);
        state.store.record_audit(&self.actor, entry).await?;
        Err(ApiError::forbidden(format!(
            "role {} of tenant `{}` may not {action} in tenant `{}`",
            self.actor.role, self.tenant.slug, slug
        )))
    }
}

/// The caller's socket address, as the audit trail records it.
pub struct Source(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Source {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Source(source_of(parts)))
    }
}

/// Runs password hashing or verification off the async threads, at most as
/// many at a time as [`AppState::hashing`] allows.
pub async fn argon2<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce() -> T + Send + 'static,
) -> ApiResult<T> {
    let failed = |e: String| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e);
    let _permit = state
        .hashing
        .acquire()
        .await
        .map_err(|e| failed(e.to_string()))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| failed(e.to_string()))
}
