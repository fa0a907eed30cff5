//! Health, readiness, metrics and the API description.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use utoipa_swagger_ui::SwaggerUi;

use crate::AppState;

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

/// 200 when the database answers, 503 otherwise.
async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready\n"),
        Err(error) => {
            tracing::warn!(error = %error, "readiness check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n")
        }
    }
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    state.metrics.observe_indexes(state.engine.stats());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.metrics.render())
}
