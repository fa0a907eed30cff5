//! A case's media in the console, under `/console/cases/{case_id}/media/{sha256}/…`: pictures
//! for `<img>` (previews of images, frames of videos; `protected` as the reviewer chose, or
//! `clear`), a page playing a video muted, and the original file behind a confirmation, its
//! download recorded. The same rules and responses as the API ([`crate::renditions::http`]),
//! with the console session.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::set_header::SetResponseHeaderLayer;
use uuid::Uuid;
use vigie_store::{CaseRecord, MediaRecord};

use super::texts::Texts;
use super::{CONTENT_SECURITY_POLICY, ConsoleError, ConsoleSession, Nav, form_value, lang, render};
use crate::AppState;
use crate::error::ApiError;
use crate::renditions::http;
use crate::renditions::playback::{PlaybackFailure, Prepared};

/// The media routes, outside the console's own page policy: media responses carry theirs
/// ([`http::protect_headers`]); pages and error pages get the console's.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/cases/{case_id}/media/{sha256}/preview", get(preview))
        .route("/cases/{case_id}/media/{sha256}/frames/{index}", get(frame))
        .route("/cases/{case_id}/media/{sha256}/play", get(play_page))
        .route("/cases/{case_id}/media/{sha256}/play.mp4", get(play_file))
        .route("/cases/{case_id}/media/{sha256}/download", get(confirm_download).post(download))
        .layer(axum::middleware::from_fn(super::remember_error_page_nav))
        .layer(axum::middleware::from_fn(lang::remember_page_lang))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
}

/// The case and media the session may see (a malformed case id is a page not found).
async fn case_media(
    state: &AppState,
    session: &ConsoleSession,
    case_id: &str,
    sha256: &str,
) -> Result<(CaseRecord, MediaRecord), ConsoleError> {
    let case_id = Uuid::parse_str(case_id).map_err(|_| ApiError::NotFound)?;
    Ok(http::case_media(state, &session.principal, case_id, sha256).await?)
}

/// `?view=protected|clear` (protected when absent).
#[derive(serde::Deserialize)]
struct ViewQuery {
    view: Option<String>,
}

/// `GET …/preview[?view=clear]`: an image's preview, PNG.
async fn preview(
    State(state): State<AppState>,
    session: ConsoleSession,
    Path((case_id, sha256)): Path<(String, String)>,
    Query(query): Query<ViewQuery>,
) -> Result<Response, ConsoleError> {
    let view = http::parse_view(query.view.as_deref())?;
    let (_, media) = case_media(&state, &session, &case_id, &sha256).await?;
    let protection = http::protection_for(&state, &session.principal, view).await?;
    Ok(http::preview(&state, &media, protection).await?)
}

/// `GET …/frames/{index}[?view=clear]`: a frame of a video's strip, PNG.
async fn frame(
    State(state): State<AppState>,
    session: ConsoleSession,
    Path((case_id, sha256, index)): Path<(String, String, String)>,
    Query(query): Query<ViewQuery>,
) -> Result<Response, ConsoleError> {
    let view = http::parse_view(query.view.as_deref())?;
    let index: usize = index.parse().map_err(|_| ApiError::NotFound)?;
    let (_, media) = case_media(&state, &session, &case_id, &sha256).await?;
    let protection = http::protection_for(&state, &session.principal, view).await?;
    Ok(http::frame(&state, &media, index, protection).await?)
}

/// `GET …/play.mp4`: the muted copy, for the play page's `<video>`.
async fn play_file(
    State(state): State<AppState>,
    session: ConsoleSession,
    Path((case_id, sha256)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let (_, media) = case_media(&state, &session, &case_id, &sha256).await?;
    Ok(http::play(&state, &media, &headers).await?)
}

#[derive(Template)]
#[template(path = "console/media_play.html")]
struct PlayPage {
    nav: Option<Nav>,
    t: Texts,
    case_href: String,
    /// The copy's address, once made.
    source: Option<String>,
    /// Still being made: the page reloads itself.
    pending: bool,
    /// Why it cannot be played.
    problem: Option<String>,
}

/// `GET …/play`: the reviewer asked to play the video: the muted copy in a player (no sound,
/// no autoplay), or where its making stands.
async fn play_page(
    State(state): State<AppState>,
    session: ConsoleSession,
    Path((case_id, sha256)): Path<(String, String)>,
) -> Result<Response, ConsoleError> {
    let (case, media) = case_media(&state, &session, &case_id, &sha256).await?;
    let t = session.texts();
    let case_href = format!("/console/cases/{}", case.id);
    let mut page = PlayPage { nav: session.nav(), t, case_href, source: None, pending: false, problem: None };
    if media.media_type != "video" {
        page.problem = Some(t.msg("media-play-not-video"));
    } else {
        match state.playback.prepare(&state.intake.media, &media.sha256).await {
            Prepared::Ready(_) => {
                page.source = Some(format!("/console/cases/{}/media/{}/play.mp4", case.id, media.sha256))
            }
            Prepared::Pending => page.pending = true,
            Prepared::Failed(PlaybackFailure::ToolMissing(_)) => page.problem = Some(t.msg("media-play-no-ffmpeg")),
            Prepared::Failed(PlaybackFailure::NotPlayable(why)) => {
                page.problem = Some(t.msg1("media-play-not-playable", "reason", why))
            }
            Prepared::Failed(PlaybackFailure::Storage(why)) => {
                return Err(ApiError::storage("making a muted copy", std::io::Error::other(why)).into());
            }
        }
    }
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "console/media_download.html")]
struct DownloadPage {
    nav: Option<Nav>,
    t: Texts,
    csrf: String,
    action: String,
    case_href: String,
    byte_size: i64,
    media_type: String,
}

/// `GET …/download`: what downloading the original means, and the button (a form, so the
/// download is a deliberate second step that carries the session's CSRF token).
async fn confirm_download(
    State(state): State<AppState>,
    session: ConsoleSession,
    Path((case_id, sha256)): Path<(String, String)>,
) -> Result<Response, ConsoleError> {
    let (case, media) = case_media(&state, &session, &case_id, &sha256).await?;
    let page = DownloadPage {
        nav: session.nav(),
        t: session.texts(),
        csrf: session.session.csrf_token.clone(),
        action: format!("/console/cases/{}/media/{}/download", case.id, media.sha256),
        case_href: format!("/console/cases/{}", case.id),
        byte_size: media.byte_size,
        media_type: media.media_type,
    };
    Ok(render(&page))
}

/// `POST …/download`: the original file as an attachment, once the download is recorded.
async fn download(
    State(state): State<AppState>,
    session: ConsoleSession,
    Path((case_id, sha256)): Path<(String, String)>,
    body: String,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form_value(&body, "csrf"))?;
    let (case, media) = case_media(&state, &session, &case_id, &sha256).await?;
    Ok(http::download(&state, &session.principal, &case, &media).await?.into_response())
}
