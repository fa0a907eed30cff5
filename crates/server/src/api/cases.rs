//! `/v1/cases`: the review queue. A case gathers every submission about one piece of content
//! (same normalised URL, same file, or a near-duplicate image) for the platform that must act.

use axum::Json;
use axum::extract::State;
use chrono::Utc;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use vigie_domain::access::Permission;
use vigie_domain::ids::CaseId;
use vigie_domain::intake::{CaseStatus, Priority, SubmissionKind};
use vigie_store::{CaseFilter, CaseRecord};

use super::openapi::names;
use super::submissions::submission_view;
use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiPath, ApiPrincipal, ApiQuery};
use crate::intake::wire::{CaseMatchView, CaseSummary, CaseView};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list)).routes(routes!(show))
}

/// Filters for the queue.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CaseQuery {
    /// `open` (default) or `merged`.
    #[param(schema_with = names::case_status)]
    pub status: Option<String>,
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
        limit,
        offset: query.offset.unwrap_or(0),
    };
    let cases = state.store.list_cases(&filter).await?;
    Ok(Json(cases.into_iter().map(|case| summary(case, now)).collect()))
}

/// A case with its submissions (including reporters' details), media and matches.
#[utoipa::path(get, path = "/v1/cases/{id}", tag = "cases", params(("id" = Uuid, Path, description = "Case id")),
    responses((status = 200, body = CaseView), (status = 404, body = Problem)))]
async fn show(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CaseView>> {
    let case = state.store.get_case(CaseId(id)).await?;
    if !principal.may(Permission::ReadCases(case.platform_id)) {
        // Another platform's case does not exist for the caller; one's own is forbidden.
        return Err(if case.platform_id == principal.organisation_id {
            ApiError::Forbidden
        } else {
            ApiError::NotFound
        });
    }
    let mut submissions = Vec::new();
    for record in state.store.list_case_submissions(case.id).await? {
        submissions.push(submission_view(&state, record).await?);
    }
    let matches = state
        .store
        .list_case_matches(case.id)
        .await?
        .into_iter()
        .map(|found| CaseMatchView {
            bank: found.found.bank,
            signal_id: found.found.signal_id,
            signal_type: found.found.signal_type,
            distance: found.found.distance,
            labels: found.found.labels.split(',').filter(|label| !label.is_empty()).map(str::to_owned).collect(),
            submission_id: found.submission_id.map(|id| id.0),
            media_sha256: found.found.media_sha256,
            found_at: found.created_at,
        })
        .collect();
    Ok(Json(CaseView { case: summary(case, Utc::now()), submissions, matches }))
}

/// A case as listed.
pub fn summary(case: CaseRecord, now: chrono::DateTime<Utc>) -> CaseSummary {
    CaseSummary {
        id: case.id.0,
        platform: case.platform_id.0,
        status: case.status.as_str().into(),
        priority: case.priority.as_str().into(),
        overdue: case.status == CaseStatus::Open && case.due_at.is_some_and(|due| due < now),
        due_at: case.due_at,
        merged_into: case.merged_into.map(|id| id.0),
        kinds: case.kinds.iter().map(|kind| kind.as_str().to_owned()).collect(),
        submission_count: case.submission_count,
        match_count: case.match_count,
        created_at: case.created_at,
        updated_at: case.updated_at,
    }
}
