//! `/v1/me`: who the caller is.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::organisations::OrganisationResponse;
use super::users::role_names;
use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::ApiPrincipal;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(show))
}

/// The authenticated caller.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MeResponse {
    /// `token` for API calls.
    pub actor_kind: String,
    /// The token's id.
    pub actor_id: Option<Uuid>,
    /// The organisation it acts for.
    pub organisation: OrganisationResponse,
    /// The roles in force.
    pub roles: Vec<String>,
}

/// Who am I?
#[utoipa::path(get, path = "/v1/me", tag = "tokens", operation_id = "me",
    responses((status = 200, body = MeResponse), (status = 401, body = Problem)))]
async fn show(State(state): State<AppState>, ApiPrincipal(principal): ApiPrincipal) -> ApiResult<Json<MeResponse>> {
    let organisation = state.store.get_organisation(principal.organisation_id).await?;
    Ok(Json(MeResponse {
        actor_kind: principal.actor.kind().into(),
        actor_id: principal.actor.id(),
        organisation: organisation.into(),
        roles: role_names(principal.roles),
    }))
}
