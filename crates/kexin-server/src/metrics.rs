//! Prometheus metrics at `/metrics`: request counts and latencies per
//! route (the route template, never the raw path, so ids do not explode
//! the label space), authentication failures, store size.

use std::sync::atomic::AtomicU64;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: String,
}

type HistogramFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: HistogramFamily,
    in_flight: Gauge,
    auth_failures: Family<ReasonLabels, Counter>,
    store_bytes: Gauge<u64, AtomicU64>,
}

fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("kexin");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests handled", requests.clone());
        let latency: HistogramFamily = Family::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to handle an HTTP request",
            latency.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "http_requests_in_flight",
            "HTTP requests being handled now",
            in_flight.clone(),
        );
        let auth_failures = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "auth_failures",
            "Refused credentials by reason",
            auth_failures.clone(),
        );
        let store_bytes = Gauge::<u64, AtomicU64>::default();
        registry.register(
            "store_size_bytes",
            "Size of the embedded database file",
            store_bytes.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            in_flight,
            auth_failures,
            store_bytes,
        }
    }
}

impl Metrics {
    pub fn auth_failure(&self, reason: &str) {
        self.auth_failures
            .get_or_create(&ReasonLabels {
                reason: reason.to_string(),
            })
            .inc();
    }

    fn render(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}

/// Middleware: counts and times every request.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let m = &state.metrics;
    m.in_flight.inc();
    let start = Instant::now();
    let response = next.run(req).await;
    m.in_flight.dec();
    let labels = RouteLabels {
        method: method.clone(),
        route: route.clone(),
    };
    m.latency
        .get_or_create(&labels)
        .observe(start.elapsed().as_secs_f64());
    m.requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}

/// `GET /metrics` in the OpenMetrics text format.
pub async fn endpoint(State(state): State<AppState>) -> impl IntoResponse {
    if let Ok(size) = state.store.size_bytes().await {
        state.metrics.store_bytes.set(size);
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
}
