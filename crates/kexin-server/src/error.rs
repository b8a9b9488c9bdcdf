//! One error shape for the whole API: `{"error": {"code", "message", "field"?}}`
//! with a status that fits. Codes are stable; messages are for people.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kexin_store::StoreError;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `invalid_json`, `forbidden`, `not_found`.
    pub code: &'static str,
    /// What went wrong and what to do, for a person.
    pub message: String,
    /// The request field at fault, as a dotted path, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Line and column in the request body, for malformed JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: ErrorDetail,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            detail: ErrorDetail {
                code,
                message: message.into(),
                field: None,
                line: None,
                column: None,
            },
        }
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.detail.field = Some(field.into());
        self
    }

    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", message).field(field)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let message = e.to_string();
        match e {
            StoreError::NotFound { .. } => ApiError::not_found(message),
            StoreError::Conflict(_) => ApiError::new(StatusCode::CONFLICT, "conflict", message),
            StoreError::Invalid { field, .. } => ApiError::invalid(field, message),
            StoreError::Full => {
                ApiError::new(StatusCode::INSUFFICIENT_STORAGE, "storage_full", message)
            }
            StoreError::Busy => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "storage_busy", message)
            }
            StoreError::Corrupt { .. } => {
                tracing::error!(error = %message, "storage is damaged");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "storage_corrupt",
                    message,
                )
            }
            _ => {
                tracing::error!(error = %message, "storage error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "an internal error occurred; the server log has the details",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(ErrorBody { error: self.detail })).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
