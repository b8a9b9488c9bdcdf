//! Users and API tokens of a tenant.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kexin_core::{
    ApiToken, Permission, Role, Tenant, Timestamp, TokenId, User, UserId, UserStatus,
};
use kexin_store::{NewUser, UserChanges};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::api::parse_duration_field;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    pub username: String,
    pub display_name: Option<String>,
    pub role: Role,
    /// Leave out to have a one-time password generated; the user must change it at first login.
    pub password: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUser {
    pub user: User,
    /// Shown once, when the server generated it.
    pub one_time_password: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub status: Option<UserStatus>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordReset {
    /// Shown once; the user must change it at next login.
    pub one_time_password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenRequest {
    pub name: String,
    pub role: Role,
    /// Lifetime such as `90d` or `12h`; leave out for a token that lasts until revoked.
    pub expires_in: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    pub token: ApiToken,
    /// The secret, shown this once. Send it as `Authorization: Bearer <secret>`.
    pub secret: String,
}

async fn grantable(
    state: &AppState,
    p: &Principal,
    role: Role,
    t: &Tenant,
    action: &str,
) -> ApiResult<()> {
    if p.actor.role.can_grant(role) {
        return Ok(());
    }
    p.deny(state, action, t).await
}

pub(crate) async fn hash(state: &AppState, password: String) -> ApiResult<String> {
    crate::auth::argon2(state, move || kexin_auth::hash_password(&password))
        .await?
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))
}

/// Users of a tenant.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/users", tag = "users", params(("tenant" = String, Path, description = "tenant slug")),
    responses((status = 200, body = [User]), (status = 403, body = ErrorBody)))]
pub async fn list_users(
    State(state): State<AppState>,
    p: Principal,
    Path(slug): Path<String>,
) -> ApiResult<Json<Vec<User>>> {
    let t = p.tenant(&state, &slug, "user.list").await?;
    p.require(&state, Permission::ReadAccounts, &t, "user.list")
        .await?;
    Ok(Json(state.store.list_users(&t.id).await?))
}

/// Create a user. Without `password`, a one-time password is generated and returned once.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/users", tag = "users", request_body = NewUserRequest, params(("tenant" = String, Path, description = "tenant slug")),
    responses((status = 201, body = CreatedUser), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    p: Principal,
    Path(slug): Path<String>,
    ApiJson(req): ApiJson<NewUserRequest>,
) -> ApiResult<(StatusCode, Json<CreatedUser>)> {
    let t = p.tenant(&state, &slug, "user.create").await?;
    p.require(&state, Permission::ManageUsers, &t, "user.create")
        .await?;
    grantable(&state, &p, req.role, &t, "user.create").await?;
    let (password, one_time) = match req.password {
        Some(pw) => {
            kexin_auth::check_password_policy(
                &pw,
                &req.username,
                state.config.auth.password_min_length,
            )
            .map_err(|e| ApiError::invalid("password", e.to_string()))?;
            (pw, None)
        }
        None => {
            let otp = kexin_auth::generate_one_time_password();
            (otp.clone(), Some(otp))
        }
    };
    let new = NewUser {
        display_name: req.display_name.unwrap_or_else(|| req.username.clone()),
        username: req.username,
        role: req.role,
        password_hash: hash(&state, password).await?,
        must_change_password: one_time.is_some(),
    };
    let user = state.store.create_user(&p.actor, &t.id, new).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedUser {
            user,
            one_time_password: one_time,
        }),
    ))
}

/// One user.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/users/{id}", tag = "users", params(("tenant" = String, Path, description = "tenant slug"), ("id" = String, Path)),
    responses((status = 200, body = User), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_user(
    State(state): State<AppState>,
    p: Principal,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<Json<User>> {
    let t = p.tenant(&state, &slug, "user.read").await?;
    p.require(&state, Permission::ReadAccounts, &t, "user.read")
        .await?;
    Ok(Json(
        state.store.user(&t.id, &UserId::from_string(id)).await?,
    ))
}

/// Change a user's name, role or status. Disabling ends the user's sessions.
#[utoipa::path(patch, path = "/api/v1/tenants/{tenant}/users/{id}", tag = "users", request_body = UserPatch, params(("tenant" = String, Path, description = "tenant slug"), ("id" = String, Path)),
    responses((status = 200, body = User), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_user(
    State(state): State<AppState>,
    p: Principal,
    Path((slug, id)): Path<(String, String)>,
    ApiJson(req): ApiJson<UserPatch>,
) -> ApiResult<Json<User>> {
    let t = p.tenant(&state, &slug, "user.update").await?;
    p.require(&state, Permission::ManageUsers, &t, "user.update")
        .await?;
    let id = UserId::from_string(id);
    let current = state.store.user(&t.id, &id).await?;
    grantable(&state, &p, current.role, &t, "user.update").await?;
    if let Some(role) = req.role {
        grantable(&state, &p, role, &t, "user.update").await?;
    }
    let changes = UserChanges {
        display_name: req.display_name,
        role: req.role,
        status: req.status,
    };
    Ok(Json(
        state
            .store
            .update_user(&p.actor, &t.id, &id, changes)
            .await?,
    ))
}

/// Reset a user's password to a one-time password (returned once) and end its sessions.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/users/{id}/password-reset", tag = "users", params(("tenant" = String, Path, description = "tenant slug"), ("id" = String, Path)),
    responses((status = 200, body = PasswordReset), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    p: Principal,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<Json<PasswordReset>> {
    let t = p.tenant(&state, &slug, "user.password").await?;
    p.require(&state, Permission::ManageUsers, &t, "user.password")
        .await?;
    let id = UserId::from_string(id);
    let current = state.store.user(&t.id, &id).await?;
    grantable(&state, &p, current.role, &t, "user.password").await?;
    let otp = kexin_auth::generate_one_time_password();
    let hashed = hash(&state, otp.clone()).await?;
    state
        .store
        .set_password(&p.actor, &t.id, &id, &hashed, true, None)
        .await?;
    Ok(Json(PasswordReset {
        one_time_password: otp,
    }))
}

/// API tokens of a tenant (never their secrets).
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/tokens", tag = "tokens", params(("tenant" = String, Path, description = "tenant slug")),
    responses((status = 200, body = [ApiToken]), (status = 403, body = ErrorBody)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    p: Principal,
    Path(slug): Path<String>,
) -> ApiResult<Json<Vec<ApiToken>>> {
    let t = p.tenant(&state, &slug, "token.list").await?;
    p.require(&state, Permission::ReadAccounts, &t, "token.list")
        .await?;
    Ok(Json(state.store.list_tokens(&t.id).await?))
}

/// Create an API token scoped to this tenant and a role no higher than the caller's.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/tokens", tag = "tokens", request_body = NewTokenRequest, params(("tenant" = String, Path, description = "tenant slug")),
    responses((status = 201, body = CreatedToken), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    p: Principal,
    Path(slug): Path<String>,
    ApiJson(req): ApiJson<NewTokenRequest>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let t = p.tenant(&state, &slug, "token.create").await?;
    p.require(&state, Permission::ManageTokens, &t, "token.create")
        .await?;
    grantable(&state, &p, req.role, &t, "token.create").await?;
    let expires_at = match &req.expires_in {
        Some(s) => Some(Timestamp::now().plus(parse_duration_field("expires_in", s)?)),
        None => None,
    };
    let minted = kexin_auth::generate_token();
    let token = state
        .store
        .create_token(
            &p.actor,
            &t.id,
            &req.name,
            req.role,
            &minted.hash,
            &minted.display_prefix,
            expires_at,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token,
            secret: minted.secret,
        }),
    ))
}

/// Revoke a token at once.
#[utoipa::path(delete, path = "/api/v1/tenants/{tenant}/tokens/{id}", tag = "tokens", params(("tenant" = String, Path, description = "tenant slug"), ("id" = String, Path)),
    responses((status = 200, body = ApiToken), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    p: Principal,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<Json<ApiToken>> {
    let t = p.tenant(&state, &slug, "token.revoke").await?;
    p.require(&state, Permission::ManageTokens, &t, "token.revoke")
        .await?;
    Ok(Json(
        state
            .store
            .revoke_token(&p.actor, &t.id, &TokenId::from_string(id))
            .await?,
    ))
}
