//! `/v1/cases/{id}/media/{sha256}/…`: a case's media as reviewers may see them, never as
//! uploaded. Images as previews and videos as strips of frames, re-encoded by Vigie as PNG,
//! protected (greyscale, blurred) as the caller chose until asked `clear`; videos played as
//! muted copies made by ffmpeg; the original file only as an attachment, each download
//! recorded in the audit trail. See [`crate::renditions`].

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiPath, ApiPrincipal, ApiQuery};
use crate::renditions::{View, http};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(frames))
        .routes(routes!(preview))
        .routes(routes!(frame))
        .routes(routes!(play))
        .routes(routes!(download))
}

/// A case's media, by the SHA-256 of its file.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MediaPath {
    /// Case id.
    pub id: Uuid,
    /// SHA-256 of the media's file: 64 lower-case hexadecimal digits.
    #[param(pattern = "^[0-9a-f]{64}$")]
    pub sha256: String,
}

/// Which picture: with the caller's protections (`protected`), or revealed (`clear`).
#[derive(Clone, Copy, Debug, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ViewName {
    /// With the caller's protections (`GET /v1/me/preferences`): greyscale and blurred unless
    /// turned off.
    Protected,
    /// Revealed: the pixels as decoded, scaled down and re-encoded by Vigie.
    Clear,
}

impl From<ViewName> for View {
    fn from(name: ViewName) -> Self {
        match name {
            ViewName::Protected => View::Protected,
            ViewName::Clear => View::Clear,
        }
    }
}

/// One frame of a video's strip.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct FramePath {
    /// Case id.
    pub id: Uuid,
    /// SHA-256 of the media's file: 64 lower-case hexadecimal digits.
    #[param(pattern = "^[0-9a-f]{64}$")]
    pub sha256: String,
    /// The frame's place in the strip, from 0 (see the strip's list).
    #[param(minimum = 0, maximum = 1000)]
    pub index: u16,
}

/// Which picture; protected when absent.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ViewQuery {
    /// `protected` (the default: with the caller's protections) or `clear` (revealed).
    #[param(inline)]
    pub view: Option<ViewName>,
}

impl ViewQuery {
    fn view(&self) -> View {
        self.view.map_or(View::Protected, View::from)
    }
}

/// The bytes of a file (a picture, a video, an original as received), for the document.
pub struct FileBytes;

impl utoipa::PartialSchema for FileBytes {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .description(Some("The file's bytes"))
            .into()
    }
}

impl ToSchema for FileBytes {}

/// A video's strip: frames kept, evenly spaced, when it was hashed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StripResponse {
    /// The media: `image`, `video` or `other`.
    pub media_type: String,
    /// The frames, in order; empty for media other than videos, for a video not hashed yet,
    /// and for a video hashed before Vigie kept frames (play it, muted, instead).
    pub frames: Vec<StripFrameView>,
}

/// One frame of a strip.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StripFrameView {
    /// Its place in the strip, for `…/frames/{index}`.
    pub index: u32,
    /// Its time from the start of the video, in seconds.
    pub seconds: f64,
}

/// The frames kept from a video, to show as a strip.
///
/// Each frame is then fetched as `…/frames/{index}` (protected), or `…/frames/{index}?view=clear`
/// once revealed.
#[utoipa::path(get, path = "/v1/cases/{id}/media/{sha256}/frames", tag = "cases", params(MediaPath),
    responses((status = 200, body = StripResponse), (status = 404, body = Problem)))]
async fn frames(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(path): ApiPath<MediaPath>,
) -> ApiResult<Json<StripResponse>> {
    let (_, media) = http::case_media(&state, &principal, path.id, &path.sha256).await?;
    let frames = http::strip(&state, &media)
        .await?
        .into_iter()
        .map(|frame| StripFrameView { index: u32::try_from(frame.index).unwrap_or(u32::MAX), seconds: frame.seconds })
        .collect();
    Ok(Json(StripResponse { media_type: media.media_type, frames }))
}

/// An image of the case, as a picture made by Vigie.
///
/// Scaled down to 480 pixels and re-encoded as PNG (never the uploaded bytes): protected as
/// the caller chose (greyscale and blurred beyond recognition unless turned off), unless asked
/// `view=clear`.
#[utoipa::path(get, path = "/v1/cases/{id}/media/{sha256}/preview", tag = "cases", params(MediaPath, ViewQuery),
    responses(
        (status = 200, description = "The picture", content_type = "image/png", body = FileBytes),
        (status = 404, body = Problem),
        (status = 422, description = "Not an image, or an image that cannot be decoded within the limits", body = Problem)))]
async fn preview(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(path): ApiPath<MediaPath>,
    ApiQuery(query): ApiQuery<ViewQuery>,
) -> ApiResult<Response> {
    let (_, media) = http::case_media(&state, &principal, path.id, &path.sha256).await?;
    let protection = http::protection_for(&state, &principal, query.view()).await?;
    http::preview(&state, &media, protection).await
}

/// One frame of a video's strip, as a picture made by Vigie.
///
/// PNG, protected or revealed as for images (see `…/frames` for the list).
#[utoipa::path(get, path = "/v1/cases/{id}/media/{sha256}/frames/{index}", tag = "cases", params(FramePath, ViewQuery),
    responses(
        (status = 200, description = "The frame", content_type = "image/png", body = FileBytes),
        (status = 404, body = Problem),
        (status = 422, description = "The frame cannot be read back", body = Problem)))]
async fn frame(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(path): ApiPath<FramePath>,
    ApiQuery(query): ApiQuery<ViewQuery>,
) -> ApiResult<Response> {
    let (_, media) = http::case_media(&state, &principal, path.id, &path.sha256).await?;
    let protection = http::protection_for(&state, &principal, query.view()).await?;
    http::frame(&state, &media, usize::from(path.index), protection).await
}

/// The video, played muted.
///
/// A copy re-encoded by ffmpeg without sound, subtitles or metadata, at most 720 lines (never
/// the uploaded bytes). Byte ranges are honoured. The first request starts the copy and waits
/// a few seconds for it; until it is made, 503 with `Retry-After`.
#[utoipa::path(get, path = "/v1/cases/{id}/media/{sha256}/play.mp4", tag = "cases", params(MediaPath),
    responses(
        (status = 200, description = "The muted copy", content_type = "video/mp4", body = FileBytes),
        (status = 206, description = "The byte range asked for (`Range: bytes=…`)", content_type = "video/mp4", body = FileBytes),
        (status = 404, body = Problem),
        (status = 422, description = "Not a video, or a video that cannot be copied (corrupt, or over the limits)", body = Problem),
        (status = 503, description = "The copy is being made (`media-view-pending`: ask again after `Retry-After` seconds), \
                                      ffmpeg is missing on the server (`media-tool-missing`), or the database cannot take requests",
         body = Problem, headers(("Retry-After" = u32, description = "Seconds to wait before asking again, when worth it")))))]
async fn play(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(path): ApiPath<MediaPath>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (_, media) = http::case_media(&state, &principal, path.id, &path.sha256).await?;
    http::play(&state, &media, &headers).await
}

/// The original file as received, recorded in the audit trail.
///
/// Sent as an attachment (`application/octet-stream`). Downloading reported content is
/// recorded in the audit trail (`media.download`, about the case) before the first byte is
/// sent.
#[utoipa::path(get, path = "/v1/cases/{id}/media/{sha256}/download", tag = "cases", params(MediaPath),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream", body = FileBytes,
         headers(("Content-Disposition" = String, description = "`attachment`, named by the file's SHA-256"))),
        (status = 404, body = Problem)))]
async fn download(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(path): ApiPath<MediaPath>,
) -> ApiResult<Response> {
    let (case, media) = http::case_media(&state, &principal, path.id, &path.sha256).await?;
    http::download(&state, &principal, &case, &media).await
}
