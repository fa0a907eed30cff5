//! Layers every request goes through: request ids, tracing, metrics, timeouts, security headers.

use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

use crate::AppState;
use crate::error::InternalErrorLogged;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Logs one line per request and records metrics. Logs the matched route, never the raw URI:
/// query strings and paths may carry reported URLs, which must not reach the logs.
async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    if status == 503 && route != "/readyz" {
        state.readiness.note_unavailable();
    }
    state.metrics.observe_request(method.as_str(), &route, status, elapsed);
    if let Some(InternalErrorLogged(cause)) = response.extensions().get::<InternalErrorLogged>() {
        tracing::error!(request_id, %method, route, status, error = %cause, "request failed");
    } else {
        tracing::info!(request_id, %method, route, status, latency_ms = elapsed.as_secs_f64() * 1000.0, "request");
    }
    response
}

/// Wraps every route of `router` in the layers, innermost first. `Router::layer` applies them
/// per route, which is what lets [`observe`] see the matched route.
pub(crate) fn apply(router: Router<AppState>, state: AppState) -> Router<AppState> {
    let timeout: Duration = state.settings.request_timeout;
    router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(axum::middleware::from_fn_with_state(state, observe))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}
