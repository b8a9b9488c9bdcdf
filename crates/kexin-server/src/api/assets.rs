//! Assets of a tenant.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kexin_core::{Asset, AssetId, AssetKind, Permission};
use kexin_store::{AssetChanges, NewAsset};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAssetRequest {
    pub name: String,
    pub kind: AssetKind,
    pub address: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetPatch {
    pub name: Option<String>,
    /// `null` clears the address.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
}

fn double_option<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Assets of a tenant.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/assets", tag = "assets", params(("tenant" = String, Path, description = "tenant slug")),
    responses((status = 200, body = [Asset]), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    p: Principal,
    Path(slug): Path<String>,
) -> ApiResult<Json<Vec<Asset>>> {
    let t = p.tenant(&state, &slug, "asset.list").await?;
    p.require(&state, Permission::ReadData, &t, "asset.list")
        .await?;
    Ok(Json(state.store.list_assets(&t.id).await?))
}

/// Register an asset.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/assets", tag = "assets", request_body = NewAssetRequest, params(("tenant" = String, Path, description = "tenant slug")),
    responses((status = 201, body = Asset), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 507, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    p: Principal,
    Path(slug): Path<String>,
    ApiJson(req): ApiJson<NewAssetRequest>,
) -> ApiResult<(StatusCode, Json<Asset>)> {
    let t = p.tenant(&state, &slug, "asset.create").await?;
    p.require(&state, Permission::WriteData, &t, "asset.create")
        .await?;
    let new = NewAsset {
        name: req.name,
        kind: req.kind,
        address: req.address,
        tags: req.tags,
    };
    Ok((
        StatusCode::CREATED,
        Json(state.store.create_asset(&p.actor, &t.id, new).await?),
    ))
}

/// One asset.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/assets/{id}", tag = "assets", params(("tenant" = String, Path, description = "tenant slug"), ("id" = String, Path)),
    responses((status = 200, body = Asset), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    p: Principal,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<Json<Asset>> {
    let t = p.tenant(&state, &slug, "asset.read").await?;
    p.require(&state, Permission::ReadData, &t, "asset.read")
        .await?;
    Ok(Json(
        state.store.asset(&t.id, &AssetId::from_string(id)).await?,
    ))
}

/// Change an asset's name, address or tags.
#[utoipa::path(patch, path = "/api/v1/tenants/{tenant}/assets/{id}", tag = "assets", request_body = AssetPatch, params(("tenant" = String, Path, description = "tenant slug"), ("id" = String, Path)),
    responses((status = 200, body = Asset), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    p: Principal,
    Path((slug, id)): Path<(String, String)>,
    ApiJson(req): ApiJson<AssetPatch>,
) -> ApiResult<Json<Asset>> {
    let t = p.tenant(&state, &slug, "asset.update").await?;
    p.require(&state, Permission::WriteData, &t, "asset.update")
        .await?;
    let changes = AssetChanges {
        name: req.name,
        address: req.address,
        tags: req.tags,
    };
    Ok(Json(
        state
            .store
            .update_asset(&p.actor, &t.id, &AssetId::from_string(id), changes)
            .await?,
    ))
}

/// Remove an asset.
#[utoipa::path(delete, path = "/api/v1/tenants/{tenant}/assets/{id}", tag = "assets", params(("tenant" = String, Path, description = "tenant slug"), ("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    p: Principal,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let t = p.tenant(&state, &slug, "asset.delete").await?;
    p.require(&state, Permission::WriteData, &t, "asset.delete")
        .await?;
    state
        .store
        .delete_asset(&p.actor, &t.id, &AssetId::from_string(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
