//! Health, readiness, metrics and the API description.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use utoipa_swagger_ui::SwaggerUi;

use crate::AppState;
use crate::error::RETRY_UNAVAILABLE_SECONDS;

/// `/healthz`, `/readyz`, `/metrics`, `/v1/openapi.json` and `/docs`.
pub fn router(openapi: Arc<utoipa::openapi::OpenApi>) -> Router<AppState> {
    let spec = openapi.clone();
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .route("/v1/openapi.json", get(move || async move { Json(spec.as_ref().clone()) }))
        .merge(SwaggerUi::new("/docs").url("/docs/openapi.json", openapi.as_ref().clone()))
}

/// 200 when a write commits now, 503 otherwise, answered within [`READINESS_TIMEOUT`]. A write,
/// not a read: on a full disk or a read-only database reads still work while every submission
/// would fail, and a load balancer must stop sending them here.
async fn ready(State(state): State<AppState>) -> axum::response::Response {
    match state.readiness.check(&state.store).await {
        Ok(()) => (StatusCode::OK, "ready\n").into_response(),
        Err(reason) => (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, RETRY_UNAVAILABLE_SECONDS)], reason)
            .into_response(),
    }
}

/// Longest `/readyz` takes to answer.
pub const READINESS_TIMEOUT: Duration = Duration::from_secs(1);

/// How long one write check answers for: probes from several load balancers then cost one
/// write a second, not one each.
const READINESS_REUSE: Duration = Duration::from_secs(1);

/// The last write check, shared by concurrent probes.
#[derive(Default)]
pub struct Readiness {
    last: tokio::sync::Mutex<Option<(Instant, Result<(), &'static str>)>>,
}

impl Readiness {
    /// Checks that a write commits, reusing a check younger than [`READINESS_REUSE`].
    pub async fn check(&self, store: &vigie_store::Store) -> Result<(), &'static str> {
        let mut last = self.last.lock().await;
        if let Some((at, result)) = *last
            && at.elapsed() < READINESS_REUSE
        {
            return result;
        }
        let result = match tokio::time::timeout(READINESS_TIMEOUT, store.check_writable()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => {
                tracing::warn!(error = %error, "readiness check: the database does not take writes");
                Err("database does not take writes\n")
            }
            Err(_) => {
                tracing::warn!("readiness check: no answer from the database within a second");
                Err("database does not answer\n")
            }
        };
        *last = Some((Instant::now(), result));
        result
    }
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    state.metrics.observe_indexes(state.engine.stats());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.metrics.render())
}
