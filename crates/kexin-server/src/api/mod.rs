//! `/api/v1`: JSON over HTTP, every route documented in the OpenAPI
//! document (see [`crate::openapi`]).
//!
//! Tenant-owned resources live under `/api/v1/tenants/{tenant}/…`, where
//! `{tenant}` is the slug. Every handler resolves the tenant through
//! [`Principal::tenant`](crate::auth::Principal::tenant), then checks the
//! permission, then calls the store with that tenant's id: the three steps
//! that keep tenants apart.

pub mod accounts;
pub mod assessments;
pub mod assets;
pub mod audit;
pub mod session;
pub mod tenants;

use axum::extract::{FromRequestParts, Query};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Query-string extraction whose errors use the API's error shape.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", e.body_text()))
    }
}

/// Parses a duration such as `30d` or `12h` in a request field.
pub(crate) fn parse_duration_field(
    field: &str,
    value: &str,
) -> Result<std::time::Duration, ApiError> {
    kexin_config::parse_duration(value)
        .map_err(|e| ApiError::invalid(field, format!("{field}: {e}")))
}
