//! `/v1/cases`: the review queue. A case gathers every submission about one piece of content
//! (same normalised URL, same file, or a near-duplicate image) for the platform that must act.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;
use serde::Serialize;
use utoipa::IntoParams;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use vigie_domain::access::Permission;
use vigie_domain::ids::CaseId;
use vigie_domain::ids::{DecisionId, OrganisationId};
use vigie_domain::intake::{CaseStatus, Priority, SubmissionKind};
use vigie_domain::review::ReviewState;
use vigie_store::CaseFilter;

use super::openapi::names;
use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiPrincipal, ApiQuery};
use crate::intake::wire::{CaseSummary, CaseView};
use crate::review::{self, wire::*};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(show))
        .routes(routes!(claim, release))
        .routes(routes!(claim_next))
        .routes(routes!(decide))
        .routes(routes!(decide_many))
        .routes(routes!(review_decision))
        .routes(routes!(add_note))
        .routes(routes!(dashboard))
        .routes(routes!(four_eyes, set_four_eyes))
}

/// Filters for the queue.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CaseQuery {
    /// `open` (default: cases still in review) or `merged`.
    #[param(schema_with = names::case_status)]
    pub status: Option<String>,
    /// Only open cases in this review state (`decided` lists decided cases).
    #[param(schema_with = names::review_state)]
    pub review_state: Option<String>,
    /// Only cases holding a submission from this organisation, by id or slug.
    #[param(max_length = 200, pattern = "{line}", example = "unite-nationale-de-signalement")]
    pub sender: Option<String>,
    /// Only cases with a bank match carrying this label.
    #[param(max_length = 100, pattern = "{line}", example = "content:execution")]
    pub label: Option<String>,
    /// Only cases at or above this priority: `low`, `normal`, `high`, `urgent`.
    #[param(schema_with = names::priority)]
    pub min_priority: Option<String>,
    /// Only cases holding a submission of this kind.
    #[param(schema_with = names::submission_kind)]
    pub kind: Option<String>,
    /// Only cases past their deadline (`true`).
    pub overdue: Option<bool>,
    /// Only cases with (`true`) or without (`false`) hash-bank matches.
    pub has_matches: Option<bool>,
    /// Only this platform's cases, by id or slug (operators see every platform's by default).
    #[param(max_length = 200, pattern = "{line}", example = "videoshare")]
    pub platform: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// Cases to skip.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4294967295.0)]
    pub offset: Option<u32>,
}

/// The review queue: open cases by deadline (earliest first; paused clocks last), then
/// priority. Reviewers see their platform's cases; the operator's, every platform's.
#[utoipa::path(get, path = "/v1/cases", tag = "cases", params(CaseQuery),
    responses((status = 200, body = Vec<CaseSummary>), (status = 400, body = Problem), (status = 403, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiQuery(query): ApiQuery<CaseQuery>,
) -> ApiResult<Json<Vec<CaseSummary>>> {
    if !principal.may(Permission::ReadCases(principal.organisation_id)) {
        return Err(ApiError::Forbidden);
    }
    let platform = super::requested_organisation(&state, "platform", query.platform.as_deref()).await?;
    let platforms = match platform {
        Some(platform) if principal.may(Permission::ReadCases(platform)) => Some(vec![platform]),
        Some(_) => return Err(ApiError::field("platform", "you may not read this platform's cases")),
        None if principal.organisation_is_operator => None,
        None => Some(vec![principal.organisation_id]),
    };
    let limit = query.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 500"));
    }
    let now = Utc::now();
    let sender = super::requested_organisation(&state, "sender", query.sender.as_deref()).await?;
    let label = query
        .label
        .as_deref()
        .map(|label| vigie_domain::bank::Label::parse(label).map(|label| label.as_str().to_owned()))
        .transpose()
        .map_err(|message| ApiError::field("label", message))?;
    let review_states = query
        .review_state
        .as_deref()
        .map(ReviewState::parse)
        .transpose()
        .map_err(|message| ApiError::field("review_state", message))?
        .map(|state| vec![state]);
    let filter = CaseFilter {
        platforms,
        status: query.status.as_deref().map(CaseStatus::parse).transpose().map_err(|m| ApiError::field("status", m))?,
        min_priority: query
            .min_priority
            .as_deref()
            .map(Priority::parse)
            .transpose()
            .map_err(|message| ApiError::field("min_priority", message))?,
        kind: query
            .kind
            .as_deref()
            .map(SubmissionKind::parse)
            .transpose()
            .map_err(|message| ApiError::field("kind", message))?,
        due_before: query.overdue.filter(|overdue| *overdue).map(|_| now),
        has_matches: query.has_matches,
        review_states,
        submitter: sender,
        label,
        limit,
        offset: query.offset.unwrap_or(0),
    };
    let cases = state.store.list_cases(&filter).await?;
    Ok(Json(review::case_summaries(&state, cases).await?))
}

/// One case in full.
///
/// Its submissions (legal fields, reporters' details, media, clocks), matches, decisions, notes
/// and similar cases.
#[utoipa::path(get, path = "/v1/cases/{id}", tag = "cases", params(("id" = Uuid, Path, description = "Case id")),
    responses((status = 200, body = CaseView), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn show(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CaseView>> {
    Ok(Json(review::case_view(&state, &principal, CaseId(id)).await?))
}

/// Claim a case.
///
/// Nobody else may decide it while the claim runs (three minutes; claim again to renew).
/// Released by a decision, by `DELETE`, or when it runs out.
#[utoipa::path(post, path = "/v1/cases/{id}/claim", tag = "cases", params(("id" = Uuid, Path, description = "Case id")),
    responses((status = 200, body = CaseSummary), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem, description = "Another reviewer holds it, or it is decided or merged")))]
async fn claim(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CaseSummary>> {
    let case = review::claim(&state, &principal, CaseId(id)).await?;
    Ok(Json(review::case_summaries(&state, vec![case]).await?.remove(0)))
}

/// Whether a claim was released.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReleaseResponse {
    /// True if the caller held the case and now no longer does.
    pub released: bool,
}

/// Release one's claim on a case.
#[utoipa::path(delete, path = "/v1/cases/{id}/claim", tag = "cases", params(("id" = Uuid, Path, description = "Case id")),
    responses((status = 200, body = ReleaseResponse), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn release(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ReleaseResponse>> {
    Ok(Json(ReleaseResponse { released: review::release(&state, &principal, CaseId(id)).await? }))
}

/// Claim the next case.
///
/// The most urgent case nobody holds that the caller may decide; 204 when there is none.
#[utoipa::path(post, path = "/v1/cases/next", tag = "cases",
    responses((status = 200, body = CaseSummary), (status = 204, description = "Nothing to review"),
              (status = 403, body = Problem)))]
async fn claim_next(State(state): State<AppState>, ApiPrincipal(principal): ApiPrincipal) -> ApiResult<Response> {
    Ok(match review::claim_next(&state, &principal).await? {
        Some(case) => Json(review::case_summaries(&state, vec![case]).await?.remove(0)).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// Record a decision on a case.
///
/// With its ground. The case must be free or claimed by the caller; an escalated case takes a
/// senior reviewer; on a platform with four eyes for the case's kinds, a closing decision stays
/// `pending` until a second reviewer confirms it.
#[utoipa::path(post, path = "/v1/cases/{id}/decisions", tag = "cases", request_body = DecisionRequest,
    params(("id" = Uuid, Path, description = "Case id")),
    responses((status = 201, body = DecisionView), (status = 400, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem),
              (status = 409, body = Problem, description = "Claimed by another reviewer, already decided, escalated \
               (senior reviewers only), or awaiting confirmation")))]
async fn decide(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<DecisionRequest>,
) -> ApiResult<(StatusCode, Json<DecisionView>)> {
    let decision =
        review::decide(&state, &principal, CaseId(id), &request.input(), request.replaces.map(DecisionId)).await?;
    Ok((StatusCode::CREATED, Json(decision.into())))
}

/// Record one decision on several cases.
///
/// The cases listed, or every open case that matched one bank signal, each decided on its own:
/// the answer gives each case's outcome.
#[utoipa::path(post, path = "/v1/cases/decisions", tag = "cases", request_body = BulkDecisionRequest,
    responses((status = 200, body = BulkDecisionResponse), (status = 400, body = Problem), (status = 403, body = Problem)))]
async fn decide_many(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiJson(request): ApiJson<BulkDecisionRequest>,
) -> ApiResult<Json<BulkDecisionResponse>> {
    if !principal.may(Permission::DecideCases(principal.organisation_id)) {
        return Err(ApiError::Forbidden);
    }
    if request.decision.replaces.is_some() {
        return Err(ApiError::field(
            "decision.replaces",
            "a correction applies to one case: use /v1/cases/{id}/decisions",
        ));
    }
    let ids: Vec<CaseId> = match (&request.cases, &request.bank_signal) {
        (Some(cases), None) => cases.iter().map(|id| CaseId(*id)).collect(),
        (None, Some(signal)) => {
            state
                .store
                .cases_matching_signal(
                    principal.organisation_id,
                    &signal.bank,
                    signal.signal_id,
                    review::MAX_BULK_CASES as u32,
                )
                .await?
        }
        _ => return Err(ApiError::field("cases", "give either `cases` or `bank_signal`")),
    };
    if ids.is_empty() && request.bank_signal.is_some() {
        return Err(ApiError::field("bank_signal", "no open case of yours matched this signal"));
    }
    let results =
        review::decide_many(&state, &principal, &ids, &request.decision.input()).await.map_err(
            |error| match error {
                // Fields of the decision are named as the body names them.
                ApiError::Validation(mut error) => {
                    for issue in &mut error.issues {
                        if !issue.field.starts_with("cases") {
                            issue.field = format!("decision.{}", issue.field);
                        }
                    }
                    ApiError::Validation(error)
                }
                other => other,
            },
        )?;
    let mut response = BulkDecisionResponse { recorded: 0, refused: 0, results: Vec::with_capacity(results.len()) };
    for (case, result) in results {
        match result {
            Ok(decision) => {
                response.recorded += 1;
                response.results.push(BulkDecisionResult {
                    case: case.0,
                    status: 201,
                    decision: Some(decision.into()),
                    problem: None,
                });
            }
            Err(error) => {
                let problem = error.problem();
                response.refused += 1;
                response.results.push(BulkDecisionResult {
                    case: case.0,
                    status: problem.status,
                    decision: None,
                    problem: Some(problem),
                });
            }
        }
    }
    Ok(Json(response))
}

/// Confirm or reject a pending decision.
///
/// Four eyes: a senior reviewer other than its author.
#[utoipa::path(post, path = "/v1/decisions/{id}/review", tag = "cases", request_body = DecisionReviewRequest,
    params(("id" = Uuid, Path, description = "Decision id")),
    responses((status = 200, body = DecisionView), (status = 400, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem),
              (status = 409, body = Problem, description = "Not pending, or the caller decided it")))]
async fn review_decision(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<DecisionReviewRequest>,
) -> ApiResult<Json<DecisionView>> {
    let decision =
        review::review_decision(&state, &principal, DecisionId(id), request.confirm, request.note.as_deref()).await?;
    Ok(Json(decision.into()))
}

/// Add an internal note to a case.
///
/// Only the platform's reviewers ever see it.
#[utoipa::path(post, path = "/v1/cases/{id}/notes", tag = "cases", request_body = NoteRequest,
    params(("id" = Uuid, Path, description = "Case id")),
    responses((status = 201, body = NoteView), (status = 400, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
async fn add_note(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<NoteRequest>,
) -> ApiResult<(StatusCode, Json<NoteView>)> {
    let note = review::add_note(&state, &principal, CaseId(id), &request.body).await?;
    Ok((StatusCode::CREATED, Json(note.into())))
}

/// The review team's figures.
///
/// Open and overdue cases, decisions and receipt-to-decision times today and over the last
/// seven days, per kind.
#[utoipa::path(get, path = "/v1/review/dashboard", tag = "cases",
    responses((status = 200, body = DashboardView), (status = 403, body = Problem)))]
async fn dashboard(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
) -> ApiResult<Json<DashboardView>> {
    Ok(Json(review::dashboard::dashboard(&state, &principal).await?.into()))
}

/// A platform's four-eyes kinds.
///
/// Which submission kinds its cases need a second reviewer for.
#[utoipa::path(get, path = "/v1/organisations/{id}/four-eyes", tag = "organisations",
    params(("id" = String, Path, description = "Organisation id or slug")),
    responses((status = 200, body = FourEyesSettings), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn four_eyes(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<FourEyesSettings>> {
    let organisation = platform_settings_target(&state, &id).await?;
    if !principal.may(Permission::ReadCases(organisation)) && !principal.may(Permission::EditOrganisation(organisation))
    {
        return Err(if organisation == principal.organisation_id { ApiError::Forbidden } else { ApiError::NotFound });
    }
    let rule = state.store.four_eyes(organisation).await?;
    Ok(Json(FourEyesSettings { four_eyes_kinds: rule.kinds().iter().map(|kind| kind.as_str().to_owned()).collect() }))
}

/// Set a platform's four-eyes kinds.
///
/// Which submission kinds its cases need a second reviewer for (its admins).
#[utoipa::path(put, path = "/v1/organisations/{id}/four-eyes", tag = "organisations", request_body = FourEyesSettings,
    params(("id" = String, Path, description = "Organisation id or slug")),
    responses((status = 200, body = FourEyesSettings), (status = 400, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
async fn set_four_eyes(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<FourEyesSettings>,
) -> ApiResult<Json<FourEyesSettings>> {
    let organisation = platform_settings_target(&state, &id).await?;
    let rule = review::set_four_eyes(&state, &principal, organisation, &request.four_eyes_kinds).await?;
    Ok(Json(FourEyesSettings { four_eyes_kinds: rule.kinds().iter().map(|kind| kind.as_str().to_owned()).collect() }))
}

async fn platform_settings_target(state: &AppState, id: &str) -> ApiResult<OrganisationId> {
    match crate::app::resolve_organisation(&state.store, "id", id).await.map_err(ApiError::from) {
        Ok(organisation) => Ok(organisation.id),
        Err(ApiError::Validation(_)) => Err(ApiError::NotFound),
        Err(error) => Err(error),
    }
}
