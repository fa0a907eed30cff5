//! `/v1/banks/{id}/rematch`: match all of a bank's signals against stored media again, and
//! follow those passes. Signals added to a bank are matched against the media of open cases
//! without asking (the rematch worker); this is for the rest of what is retained, or for a bank
//! whose settings changed.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use vigie_store::{RematchJob, RematchScope};

use super::banks::{load_bank, require_bank_manager};
use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiPrincipal};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_rematches, request_rematch))
}

/// Which stored media to match.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Media of open cases.
    Open,
    /// Every stored media (the default).
    #[default]
    Retained,
}

/// A rematch to run.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RematchRequest {
    /// `retained` (default): every stored media; `open`: media of open cases.
    #[serde(default)]
    pub scope: Scope,
}

/// One pass of a bank's signals over stored media.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RematchJobView {
    /// Its id.
    pub id: i64,
    /// The bank.
    pub bank_id: Uuid,
    /// `open` (queued when signals were added) or `retained` (requested).
    pub scope: String,
    /// Signals changed after this bank version (0: all of them)...
    pub after_version: i64,
    /// ...up to this one.
    pub up_to_version: i64,
    /// `pending`, `done` or `failed`.
    pub status: String,
    /// Matches recorded on cases so far.
    pub matches: i64,
    /// Cases that received them.
    pub cases: i64,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When it last moved.
    pub updated_at: DateTime<Utc>,
}

fn view(job: RematchJob) -> RematchJobView {
    RematchJobView {
        id: job.id,
        bank_id: job.bank_id.0,
        scope: job.scope.as_str().into(),
        after_version: job.after_version,
        up_to_version: job.up_to_version,
        status: job.status,
        matches: job.matches,
        cases: job.cases,
        error: job.error,
        created_at: job.created_at,
        updated_at: job.updated_at,
    }
}

/// Match all of the bank's signals against stored media, in the background: matches are
/// recorded on the cases holding the media (as each case's platform may see the bank) and
/// raise them as a match on arrival does. Answers at once with the queued pass.
#[utoipa::path(post, path = "/v1/banks/{id}/rematch", tag = "banks", request_body = RematchRequest,
    params(("id" = Uuid, Path, description = "Bank id")),
    responses((status = 202, body = RematchJobView), (status = 400, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
async fn request_rematch(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<RematchRequest>,
) -> ApiResult<(StatusCode, Json<RematchJobView>)> {
    let bank = load_bank(&state, &principal, id).await?;
    require_bank_manager(&principal, &bank)?;
    let scope = match body.scope {
        Scope::Open => RematchScope::Open,
        Scope::Retained => RematchScope::Retained,
    };
    let job = state.store.request_rematch(bank.id, scope, principal.actor).await?;
    Ok((StatusCode::ACCEPTED, Json(view(job))))
}

/// The bank's rematch passes, newest first (the last 100), queued or requested.
#[utoipa::path(get, path = "/v1/banks/{id}/rematch", tag = "banks",
    params(("id" = Uuid, Path, description = "Bank id")),
    responses((status = 200, body = Vec<RematchJobView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn list_rematches(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<RematchJobView>>> {
    let bank = load_bank(&state, &principal, id).await?;
    require_bank_manager(&principal, &bank)?;
    let jobs = state.store.list_rematch_jobs(bank.id, 100).await?;
    Ok(Json(jobs.into_iter().map(view).collect()))
}
