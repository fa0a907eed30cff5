//! `/v1/me/preferences`: the caller's own choices. For now, how reported media are shown
//! before being revealed (`protected` pictures): blurred, in greyscale, or both (the default).
//! An API token has its own, as a console user has theirs.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vigie_domain::media_view::MediaPreferences;

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiPrincipal};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(show, replace))
}

/// The caller's preferences.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesBody {
    /// How reported images and video frames are shown until revealed.
    pub media: MediaPreferencesBody,
}

/// Protections of pictures not yet revealed. Reported media may be the worst there is: both
/// are on until the caller turns them off.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MediaPreferencesBody {
    /// Blurred beyond recognition (faces and text cannot be made out).
    pub blur: bool,
    /// In shades of grey.
    pub greyscale: bool,
}

impl From<MediaPreferences> for PreferencesBody {
    fn from(media: MediaPreferences) -> Self {
        PreferencesBody { media: MediaPreferencesBody { blur: media.blur, greyscale: media.greyscale } }
    }
}

/// The caller's preferences.
#[utoipa::path(get, path = "/v1/me/preferences", tag = "tokens", operation_id = "preferences",
    responses((status = 200, body = PreferencesBody), (status = 401, body = Problem)))]
async fn show(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
) -> ApiResult<Json<PreferencesBody>> {
    Ok(Json(state.store.get_media_preferences(principal.actor).await?.into()))
}

/// Replaces the caller's preferences.
///
/// Every field is required. Recorded in the audit trail.
#[utoipa::path(put, path = "/v1/me/preferences", tag = "tokens", operation_id = "set_preferences",
    request_body = PreferencesBody,
    responses((status = 200, body = PreferencesBody), (status = 401, body = Problem)))]
async fn replace(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiJson(body): ApiJson<PreferencesBody>,
) -> ApiResult<Json<PreferencesBody>> {
    let wanted = MediaPreferences { blur: body.media.blur, greyscale: body.media.greyscale };
    let saved = state.store.set_media_preferences(principal.actor, principal.organisation_id, wanted).await?;
    Ok(Json(saved.into()))
}
