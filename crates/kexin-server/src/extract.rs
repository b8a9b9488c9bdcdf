//! Request-body extraction with errors that say exactly what is wrong.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Like `axum::Json`, but a malformed body gets `invalid_json` (400) with
/// line and column, a body of the wrong shape gets `invalid_field` (422)
/// naming the field, a wrong content type 415 and an oversize body 413.
/// Request types use `#[serde(deny_unknown_fields)]`, so a misspelt field
/// is an error rather than silently ignored.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with `Content-Type: application/json`",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    "the request body is larger than server.max_body_bytes allows",
                )
            } else {
                ApiError::new(StatusCode::BAD_REQUEST, "bad_body", e.body_text())
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => shape_error(&path, &inner),
            _ => syntax_error(&inner),
        }
    })?;
    de.end().map_err(|e| syntax_error(&e))?;
    Ok(value)
}

fn syntax_error(e: &serde_json::Error) -> ApiError {
    let mut err = ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_json",
        format!("the body is not valid JSON: {e}"),
    );
    err.detail.line = Some(e.line());
    err.detail.column = Some(e.column());
    err
}

fn shape_error(path: &str, e: &serde_json::Error) -> ApiError {
    let field = (path != ".").then(|| path.to_string());
    let text = strip_position(&e.to_string());
    let message = match &field {
        Some(f) => format!("{f}: {text}"),
        None => text.clone(),
    };
    let mut err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", message);
    // An unknown field is reported at its parent; name it precisely.
    err.detail.field = field.or_else(|| unknown_field_name(&text));
    err
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

fn unknown_field_name(msg: &str) -> Option<String> {
    let rest = msg.strip_prefix("unknown field `")?;
    Some(rest[..rest.find('`')?].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        inner: Option<Inner>,
    }
    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    #[test]
    fn syntax_errors_give_line_and_column() {
        let e = parse_json::<Body>(b"{\n  \"name\": \"x\",,\n}").unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert_eq!((e.detail.line, e.detail.column), (Some(2), Some(15)));
        let e = parse_json::<Body>(b"{\"name\": \"x\"} trailing").unwrap_err();
        assert_eq!(e.detail.code, "invalid_json");
    }

    #[test]
    fn shape_errors_name_the_field() {
        let e = parse_json::<Body>(br#"{"name": "x", "inner": {"count": "three"}}"#).unwrap_err();
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.detail.field.as_deref(), Some("inner.count"));
        assert!(
            e.detail.message.contains("invalid type"),
            "{}",
            e.detail.message
        );
        let e = parse_json::<Body>(br#"{"name": "x", "colour": 1}"#).unwrap_err();
        assert!(
            e.detail.message.contains("unknown field `colour`"),
            "{}",
            e.detail.message
        );
        let e = parse_json::<Body>(br#"{}"#).unwrap_err();
        assert!(
            e.detail.message.contains("missing field `name`"),
            "{}",
            e.detail.message
        );
    }
}
