//! Kexin's HTTP server: the JSON API under `/api/v1`, its OpenAPI document,
//! `/healthz`, Prometheus `/metrics`, and the web console at `/`.
//!
//! The server holds no business rules of its own. It turns HTTP into calls
//! on the store (and, as capabilities arrive, on their crates): it finds out
//! who is calling ([`auth`]), checks that they may act in the tenant they
//! name, and maps every failure to one JSON error shape ([`error`]).
//! Capability crates never depend on this crate.

pub mod api;
pub mod auth;
mod console;
pub mod error;
mod extract;
pub mod listen;
mod metrics;
pub mod openapi;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kexin_config::Config;
use kexin_store::Store;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

pub use listen::{Incoming, TlsError, tls_config};

pub use metrics::Metrics;

/// What every handler shares. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
    /// Bounds concurrent Argon2 work (≈19 MiB and tens of ms each), so a
    /// flood of logins queues instead of exhausting memory.
    pub hashing: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    pub fn new(store: Store, config: Config) -> Self {
        let parallel = std::thread::available_parallelism().map_or(2, |n| n.get());
        AppState {
            store,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
            hashing: Arc::new(tokio::sync::Semaphore::new(parallel.max(2))),
        }
    }

    /// Whether the server speaks HTTPS, so cookies may be marked `Secure`.
    pub fn https(&self) -> bool {
        self.config.server.tls_cert.is_some()
    }
}

/// Largest evidence file accepted in one upload.
pub const EVIDENCE_MAX_BYTES: usize = 64 * 1024 * 1024;

/// Every route of the server.
pub fn router(state: AppState) -> Router {
    use api::{accounts, assessments, assets, audit, session, tenants};
    let api = Router::new()
        .route("/auth/login", post(session::login))
        .route("/auth/logout", post(session::logout))
        .route("/me", get(session::me))
        .route("/me/password", post(session::change_password))
        .route("/tenants", get(tenants::list).post(tenants::create))
        .route(
            "/tenants/{tenant}",
            get(tenants::get).patch(tenants::update),
        )
        .route("/tenants/{tenant}/summary", get(tenants::summary))
        .route(
            "/tenants/{tenant}/users",
            get(accounts::list_users).post(accounts::create_user),
        )
        .route(
            "/tenants/{tenant}/users/{id}",
            get(accounts::get_user).patch(accounts::update_user),
        )
        .route(
            "/tenants/{tenant}/users/{id}/password-reset",
            post(accounts::reset_password),
        )
        .route(
            "/tenants/{tenant}/tokens",
            get(accounts::list_tokens).post(accounts::create_token),
        )
        .route(
            "/tenants/{tenant}/tokens/{id}",
            axum::routing::delete(accounts::revoke_token),
        )
        .route(
            "/tenants/{tenant}/assets",
            get(assets::list).post(assets::create),
        )
        .route(
            "/tenants/{tenant}/assets/{id}",
            get(assets::get)
                .patch(assets::update)
                .delete(assets::delete),
        )
        .route("/tenants/{tenant}/audit", get(audit::list))
        .route("/tenants/{tenant}/audit/export", get(audit::export))
        .route("/audit", get(audit::list_all))
        .route("/audit/verify", get(audit::verify))
        .route("/catalog", get(assessments::catalog))
        .route("/catalog/{id}", get(assessments::standard_detail))
        .route(
            "/tenants/{tenant}/assessments",
            get(assessments::list).post(assessments::create),
        )
        .route("/tenants/{tenant}/assessments/{id}", get(assessments::get))
        .route(
            "/tenants/{tenant}/assessments/{id}/results",
            axum::routing::put(assessments::answer),
        )
        .route(
            "/tenants/{tenant}/assessments/{id}/evidence",
            post(assessments::upload).layer(DefaultBodyLimit::max(EVIDENCE_MAX_BYTES)),
        )
        .route(
            "/tenants/{tenant}/assessments/{id}/links",
            post(assessments::link),
        )
        .route(
            "/tenants/{tenant}/assessments/{id}/submit",
            post(assessments::submit),
        )
        .route(
            "/tenants/{tenant}/assessments/{id}/review",
            post(assessments::review),
        )
        .route(
            "/tenants/{tenant}/assessments/{id}/signoff",
            post(assessments::signoff),
        )
        .route(
            "/tenants/{tenant}/assessments/{id}/diff/{other}",
            get(assessments::diff),
        )
        .route(
            "/tenants/{tenant}/assessments/{id}/fill",
            post(assessments::fill),
        )
        .route(
            "/tenants/{tenant}/assets/{id}/check-runs",
            get(assessments::check_runs).post(assessments::record_check_run),
        )
        .route(
            "/tenants/{tenant}/assessments/{id}/report",
            get(assessments::report),
        )
        .route(
            "/tenants/{tenant}/assessments/{id}/import",
            post(assessments::import),
        )
        .route("/openapi.json", get(openapi::document))
        .fallback(api_not_found);

    // Over HTTPS, browsers are told to never use plain HTTP for this host.
    let hsts = state.https().then(|| {
        SetResponseHeaderLayer::if_not_present(
            axum::http::header::STRICT_TRANSPORT_SECURITY,
            axum::http::HeaderValue::from_static("max-age=31536000"),
        )
    });
    Router::new()
        .nest("/api/v1", api)
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::endpoint))
        .merge(console::routes())
        .layer(DefaultBodyLimit::max(state.config.server.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            state.config.server.request_timeout,
        ))
        .layer(tower::util::option_layer(hsts))
        .with_state(state)
}

async fn api_not_found(uri: axum::http::Uri) -> error::ApiError {
    error::ApiError::not_found(format!(
        "no API route {}; see /api/v1/openapi.json",
        uri.path()
    ))
}

/// Liveness and readiness: 200 when the store answers, 503 otherwise.
async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => {
            axum::Json(serde_json::json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}))
                .into_response()
        }
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({"status": "unavailable", "reason": e.to_string()})),
        )
            .into_response(),
    }
}

/// Serves until `shutdown` resolves, then stops accepting connections and
/// lets in-flight requests finish for up to `server.shutdown_grace` before
/// returning. The caller closes the store afterwards.
pub async fn serve(
    listener: Incoming,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let grace = state.config.server.shutdown_grace;
    let app = router(state).into_make_service_with_connect_info::<listen::Peer>();
    let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown.await;
        let _ = stopping_tx.send(());
    });
    let mut server = std::pin::pin!(server.into_future());
    tokio::select! {
        result = &mut server => return result,
        _ = stopping_rx => {}
    }
    tracing::info!(grace = ?grace, "shutting down: no new connections, finishing requests in flight");
    match tokio::time::timeout(grace, server).await {
        Ok(result) => result,
        Err(_) => {
            tracing::warn!("requests still in flight after the shutdown grace period were cut off");
            Ok(())
        }
    }
}
