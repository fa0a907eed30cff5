//! `/v1/complaints` and `/v1/decisions/{id}/complaints`: complaints against decisions (DSA Art.
//! 20; TCO Art. 10 for removal orders), and their answers.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use vigie_domain::access::Permission;
use vigie_domain::complaints::ComplaintStatus;
use vigie_domain::ids::{ComplaintId, DecisionId};

use super::openapi::names;
use crate::AppState;
use crate::complaints::{self, AnnulmentRequest, ComplaintDecisionRequest, ComplaintRequest, ComplaintView};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiPrincipal, ApiQuery};
use crate::review::wire::DecisionView;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(file))
        .routes(routes!(list))
        .routes(routes!(show))
        .routes(routes!(decide))
        .routes(routes!(annul))
}

/// File the uploader's complaint about a decision.
///
/// The platform forwards it (its reviewers, senior reviewers or admins). Open for six months
/// after the decision (DSA Art. 20(1)); due two weeks after it comes in. The uploader can also
/// complain through the statement of reasons' link.
#[utoipa::path(post, path = "/v1/decisions/{id}/complaints", tag = "complaints", request_body = ComplaintRequest,
    params(("id" = Uuid, Path, description = "Decision id")),
    responses((status = 201, body = ComplaintView), (status = 400, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem),
              (status = 409, body = Problem, description = "Not the decision in force, or a complaint is open")))]
async fn file(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<ComplaintRequest>,
) -> ApiResult<(StatusCode, Json<ComplaintView>)> {
    let complaint = complaints::file_for_uploader(&state, &principal, DecisionId(id), &request).await?;
    Ok((StatusCode::CREATED, Json(complaint.into())))
}

/// Filters for `GET /v1/complaints`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ComplaintQuery {
    /// Only complaints in this state.
    #[param(schema_with = names::complaint_status_or_null)]
    pub status: Option<String>,
}

/// The platform's complaints: open ones first, by due date.
#[utoipa::path(get, path = "/v1/complaints", tag = "complaints", params(ComplaintQuery),
    responses((status = 200, body = Vec<ComplaintView>), (status = 400, body = Problem), (status = 403, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiQuery(query): ApiQuery<ComplaintQuery>,
) -> ApiResult<Json<Vec<ComplaintView>>> {
    if !principal.may(Permission::ReadCases(principal.organisation_id)) {
        return Err(ApiError::Forbidden);
    }
    let status = match query.status.as_deref() {
        None => None,
        Some(text) => Some(ComplaintStatus::parse(text).map_err(|message| ApiError::field("status", message))?),
    };
    let complaints = state.store.list_complaints(principal.organisation_id, status, 500).await?;
    Ok(Json(complaints.into_iter().map(ComplaintView::from).collect()))
}

/// One complaint.
#[utoipa::path(get, path = "/v1/complaints/{id}", tag = "complaints",
    params(("id" = Uuid, Path, description = "Complaint id")),
    responses((status = 200, body = ComplaintView), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn show(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ComplaintView>> {
    Ok(Json(complaints::readable(&state, &principal, ComplaintId(id)).await?.into()))
}

/// Answer a complaint.
///
/// `upheld`: the decision stands. `reversed`: a new decision (`no_violation`, explained by the
/// reasons) replaces it; the platform receives `reinstate` and the senders the new outcome. A
/// reviewer other than the one who decided (or confirmed the decision) answers; a senior
/// reviewer when a removal order is behind it.
#[utoipa::path(post, path = "/v1/complaints/{id}/decision", tag = "complaints", request_body = ComplaintDecisionRequest,
    params(("id" = Uuid, Path, description = "Complaint id")),
    responses((status = 200, body = ComplaintView), (status = 400, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem),
              (status = 409, body = Problem, description = "Answered before, the decider answering, or a senior \
               reviewer needed")))]
async fn decide(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<ComplaintDecisionRequest>,
) -> ApiResult<Json<ComplaintView>> {
    Ok(Json(complaints::decide(&state, &principal, ComplaintId(id), &request).await?.into()))
}

/// Record that a decision was annulled outside the platform.
///
/// A cross-border scrutiny (TCO Art. 4) or a court annulled the removal order or the decision:
/// a senior reviewer records it, a `no_violation` decision naming the ruling replaces the
/// annulled one, the platform receives `reinstate` and the senders the new outcome. Answers the
/// new decision.
#[utoipa::path(post, path = "/v1/decisions/{id}/annulment", tag = "complaints", request_body = AnnulmentRequest,
    params(("id" = Uuid, Path, description = "Decision id")),
    responses((status = 201, body = DecisionView), (status = 400, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem, description = "Not the decision in force")))]
async fn annul(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<AnnulmentRequest>,
) -> ApiResult<(StatusCode, Json<DecisionView>)> {
    let decision = complaints::annul(&state, &principal, DecisionId(id), &request).await?;
    Ok((StatusCode::CREATED, Json(decision.into())))
}
