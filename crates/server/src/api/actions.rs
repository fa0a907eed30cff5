//! `/v1/actions` and webhook endpoints: what decisions ask of platforms, pulled or pushed, and
//! the platforms' confirmations; `/v1/organisations/{id}/webhooks` and `/v1/webhooks/{id}`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use vigie_domain::ids::{ActionId, DecisionId, OrganisationId, WebhookEndpointId};

use crate::AppState;
use crate::actions::{self, wire::*};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiPrincipal, ApiQuery};
use crate::statements::StatementView;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(show))
        .routes(routes!(confirm))
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(show_webhook, disable_webhook))
        .routes(routes!(rotate_secret))
        .routes(routes!(deliveries))
        .routes(routes!(statement))
}

/// The actions decisions ask of a platform.
///
/// In the order they were asked for, a page at a time: pass `next_cursor` back as `cursor`.
/// A platform that does not take webhooks polls `?status=pending` and confirms each action.
#[utoipa::path(get, path = "/v1/actions", tag = "actions", params(ActionQuery),
    responses((status = 200, body = ActionPage), (status = 400, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiQuery(query): ApiQuery<ActionQuery>,
) -> ApiResult<Json<ActionPage>> {
    let page = actions::list_actions(
        &state,
        &principal,
        query.platform.as_deref(),
        query.status.as_deref(),
        query.cursor.map(ActionId),
        query.limit,
    )
    .await?;
    Ok(Json(page))
}

/// One action and where it stands.
#[utoipa::path(get, path = "/v1/actions/{id}", tag = "actions",
    params(("id" = Uuid, Path, description = "Action id")),
    responses((status = 200, body = ActionView), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn show(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ActionView>> {
    let action = actions::readable_action(&state, &principal, ActionId(id)).await?;
    Ok(Json(actions::action_view(&state, &principal, action).await?))
}

/// Confirm what the platform did.
///
/// `executed` with the time the content was removed (or restricted, labelled…);
/// `partially_executed` or `failed` with the reason. Final: a second confirmation is refused.
/// The platform's own reviewers, senior reviewers and admins (and their tokens) only; another
/// platform's action does not exist for the caller.
#[utoipa::path(post, path = "/v1/actions/{id}/confirm", tag = "actions", request_body = ConfirmRequest,
    params(("id" = Uuid, Path, description = "Action id")),
    responses((status = 200, body = ActionView), (status = 400, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem, description = "Confirmed before")))]
async fn confirm(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<ConfirmRequest>,
) -> ApiResult<Json<ActionView>> {
    let action = actions::confirm(&state, &principal, ActionId(id), &request).await?;
    Ok(Json(actions::action_view(&state, &principal, action).await?))
}

async fn organisation_target(state: &AppState, id: &str) -> ApiResult<OrganisationId> {
    match crate::app::resolve_organisation(&state.store, "id", id).await.map_err(ApiError::from) {
        Ok(organisation) => Ok(organisation.id),
        Err(ApiError::Validation(_)) => Err(ApiError::NotFound),
        Err(error) => Err(error),
    }
}

/// An organisation's webhook endpoints (its admins).
#[utoipa::path(get, path = "/v1/organisations/{id}/webhooks", tag = "actions",
    params(("id" = String, Path, description = "Organisation id or slug")),
    responses((status = 200, body = Vec<WebhookView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn list_webhooks(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Vec<WebhookView>>> {
    let organisation = organisation_target(&state, &id).await?;
    let endpoints = actions::list_endpoints(&state, &principal, organisation).await?;
    Ok(Json(endpoints.iter().map(|endpoint| WebhookView::of(endpoint, false)).collect()))
}

/// Register a webhook endpoint.
///
/// Events of the types named are posted to the URL, signed (Standard Webhooks: `webhook-id`,
/// `webhook-timestamp`, `webhook-signature`). The answer holds the signing secret, shown this
/// once. Addresses on loopback, private or link-local networks are refused unless the operator
/// allows them.
#[utoipa::path(post, path = "/v1/organisations/{id}/webhooks", tag = "actions", request_body = WebhookRequest,
    params(("id" = String, Path, description = "Organisation id or slug")),
    responses((status = 201, body = WebhookView), (status = 400, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
async fn create_webhook(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<WebhookRequest>,
) -> ApiResult<(StatusCode, Json<WebhookView>)> {
    let organisation = organisation_target(&state, &id).await?;
    let endpoint = actions::register_endpoint(&state, &principal, organisation, &request).await?;
    Ok((StatusCode::CREATED, Json(WebhookView::of(&endpoint, true))))
}

/// One webhook endpoint (without its secret).
#[utoipa::path(get, path = "/v1/webhooks/{id}", tag = "actions",
    params(("id" = Uuid, Path, description = "Endpoint id")),
    responses((status = 200, body = WebhookView), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn show_webhook(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<WebhookView>> {
    let endpoint = actions::managed_endpoint(&state, &principal, WebhookEndpointId(id)).await?;
    Ok(Json(WebhookView::of(&endpoint, false)))
}

/// Disable a webhook endpoint.
///
/// It receives nothing more; events waiting for it are given up (the platform can still pull
/// its actions).
#[utoipa::path(delete, path = "/v1/webhooks/{id}", tag = "actions",
    params(("id" = Uuid, Path, description = "Endpoint id")),
    responses((status = 200, body = WebhookView), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn disable_webhook(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<WebhookView>> {
    let endpoint = actions::disable_endpoint(&state, &principal, WebhookEndpointId(id)).await?;
    Ok(Json(WebhookView::of(&endpoint, false)))
}

/// Give a webhook endpoint a new secret.
///
/// The answer holds the new secret, shown this once. For `overlap_hours` (default 24) events
/// carry two signatures, by the old secret and the new, so the receiver can switch without
/// missing any.
#[utoipa::path(post, path = "/v1/webhooks/{id}/rotate-secret", tag = "actions", request_body = RotateRequest,
    params(("id" = Uuid, Path, description = "Endpoint id")),
    responses((status = 200, body = WebhookView), (status = 400, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem, description = "Endpoint disabled")))]
async fn rotate_secret(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<RotateRequest>,
) -> ApiResult<Json<WebhookView>> {
    let endpoint = actions::rotate_secret(&state, &principal, WebhookEndpointId(id), &request).await?;
    Ok(Json(WebhookView::of(&endpoint, true)))
}

/// The latest events sent to a webhook endpoint (at most 200), newest first, with their
/// attempts and last error.
#[utoipa::path(get, path = "/v1/webhooks/{id}/deliveries", tag = "actions",
    params(("id" = Uuid, Path, description = "Endpoint id")),
    responses((status = 200, body = Vec<DeliveryView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn deliveries(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<DeliveryView>>> {
    let endpoint = actions::managed_endpoint(&state, &principal, WebhookEndpointId(id)).await?;
    let records = state.store.list_deliveries(endpoint.id, 200).await?;
    Ok(Json(records.into_iter().map(DeliveryView::from).collect()))
}

/// A decision's statement of reasons.
///
/// For a removal, restriction or label in force: what the uploader is told (DSA Art. 17: the
/// restriction, its scope and duration, the facts, automation, the ground and its explanation,
/// the redress routes; for a removal order, the TCO Art. 11 information, withheld while its
/// non-disclosure period runs). `url` is its public page. Other decisions have none (404).
#[utoipa::path(get, path = "/v1/decisions/{id}/statement", tag = "actions",
    params(("id" = Uuid, Path, description = "Decision id")),
    responses((status = 200, body = StatementView), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn statement(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<StatementView>> {
    let decision = state.store.get_decision(DecisionId(id)).await?;
    crate::review::readable_case(&state, &principal, decision.case_id).await?;
    let statement = crate::statements::statement(&state, &decision).await?.ok_or(ApiError::NotFound)?;
    Ok(Json(statement))
}
