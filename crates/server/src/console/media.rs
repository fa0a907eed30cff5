//! A case's media in the console, under `/console/cases/{case_id}/media/{sha256}/…`: pictures
//! for `<img>` (previews of images, frames of videos; `protected` as the reviewer chose, or
//! `clear`), a page playing a video muted, and the original file behind a confirmation, its
//! download recorded. The same rules and responses as the API ([`crate::renditions::http`]),
//! with the console session.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::set_header::SetResponseHeaderLayer;
use uuid::Uuid;
use vigie_domain::ids::CaseId;
use vigie_store::{CaseRecord, MediaRecord};

use super::lang::Lang;
use super::media_texts::{MediaTexts, media_texts};
use super::{ConsoleError, ConsoleSession, Nav, form_value, render};
use crate::AppState;
use crate::error::ApiError;
use crate::renditions::StripFrame;
use crate::renditions::http;
use crate::renditions::playback::{PlaybackFailure, Prepared};

/// The console's policy, and videos from the console itself (the play page).
const PAGE_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
                                            media-src 'self'; form-action 'self'; frame-ancestors 'none'; \
                                            base-uri 'none'";

/// The media routes, outside the console's own page policy: media responses carry theirs
/// ([`http::protect_headers`]); pages and error pages get the console's, with videos allowed.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/cases/{case_id}/media", get(case_media_page))
        .route("/cases/{case_id}/media/{sha256}/preview/{view}", get(preview))
        .route("/cases/{case_id}/media/{sha256}/frames/{index}/{view}", get(frame))
        .route("/cases/{case_id}/media/{sha256}/play", get(play_page))
        .route("/cases/{case_id}/media/{sha256}/play.mp4", get(play_file))
        .route("/cases/{case_id}/media/{sha256}/download", get(confirm_download).post(download))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PAGE_CONTENT_SECURITY_POLICY),
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

#[derive(Template)]
#[template(path = "console/case_media.html")]
struct CaseMediaPage {
    nav: Option<Nav>,
    m: &'static MediaTexts,
    case_href: String,
    panels: Vec<MediaPanel>,
}

/// `GET /console/cases/{case_id}/media`: every media of the case, protected, each revealed on
/// its own.
async fn case_media_page(
    State(state): State<AppState>,
    session: ConsoleSession,
    Path(case_id): Path<String>,
) -> Result<Response, ConsoleError> {
    let case_id = Uuid::parse_str(&case_id).map_err(|_| ApiError::NotFound)?;
    let case = state.store.get_case(CaseId(case_id)).await?;
    if !session.principal.may(vigie_domain::access::Permission::ReadCases(case.platform_id)) {
        let mine = case.platform_id == session.principal.organisation_id;
        return Err(if mine { ApiError::Forbidden } else { ApiError::NotFound }.into());
    }
    let mut panels = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for submission in state.store.list_case_submissions(case.id).await? {
        for media in state.store.list_submission_media(submission.receipt.id).await? {
            if seen.insert(media.sha256.clone()) {
                panels.push(MediaPanel::load(&state, case.id, &media, session.lang).await?);
            }
        }
    }
    let page = CaseMediaPage {
        nav: session.nav(),
        m: media_texts(session.lang),
        case_href: format!("/console/cases/{}", case.id),
        panels,
    };
    Ok(render(&page))
}

/// `GET …/preview/{view}`: an image's preview, PNG.
async fn preview(
    State(state): State<AppState>,
    session: ConsoleSession,
    Path((case_id, sha256, view)): Path<(String, String, String)>,
) -> Result<Response, ConsoleError> {
    let view = http::parse_view(&view)?;
    let (_, media) = case_media(&state, &session, &case_id, &sha256).await?;
    let protection = http::protection_for(&state, &session.principal, view).await?;
    Ok(http::preview(&state, &media, protection).await?)
}

/// `GET …/frames/{index}/{view}`: a frame of a video's strip, PNG.
async fn frame(
    State(state): State<AppState>,
    session: ConsoleSession,
    Path((case_id, sha256, index, view)): Path<(String, String, String, String)>,
) -> Result<Response, ConsoleError> {
    let view = http::parse_view(&view)?;
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
    m: &'static MediaTexts,
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
    let m = media_texts(session.lang);
    let case_href = format!("/console/cases/{}", case.id);
    let mut page = PlayPage { nav: session.nav(), m, case_href, source: None, pending: false, problem: None };
    if media.media_type != "video" {
        page.problem = Some(m.play_not_video.to_owned());
    } else {
        match state.playback.prepare(&state.intake.media, &media.sha256).await {
            Prepared::Ready(_) => {
                page.source = Some(format!("/console/cases/{}/media/{}/play.mp4", case.id, media.sha256))
            }
            Prepared::Pending => page.pending = true,
            Prepared::Failed(PlaybackFailure::ToolMissing(_)) => page.problem = Some(m.play_no_ffmpeg.to_owned()),
            Prepared::Failed(PlaybackFailure::NotPlayable(why)) => {
                page.problem = Some(format!("{} {why}", m.play_not_playable))
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
    m: &'static MediaTexts,
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
        m: media_texts(session.lang),
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

/// What a case page shows of one media, with `{% include "console/media_panel.html" %}` where
/// `panel` names it: an image's preview, protected, revealed on click or key (a `<details>`,
/// no script); a video's strip of frames, each revealed the same way, and a link to play it
/// muted; for every media, a link to download the original behind its confirmation.
pub struct MediaPanel {
    /// The texts, in the page's language.
    pub m: &'static MediaTexts,
    /// `/console/cases/{case}/media/{sha256}`, which every picture and link extends.
    pub base: String,
    /// `image`, `video` or `other`.
    pub media_type: String,
    /// A video's strip (empty otherwise, or when none was kept).
    pub frames: Vec<StripFrame>,
}

impl MediaPanel {
    /// The panel of `media`, held by a submission of `case` (checked by the caller, who read
    /// the case with `ReadCases`).
    pub async fn load(state: &AppState, case: CaseId, media: &MediaRecord, lang: Lang) -> Result<Self, ConsoleError> {
        Ok(MediaPanel {
            m: media_texts(lang),
            base: format!("/console/cases/{}/media/{}", case, media.sha256),
            media_type: media.media_type.clone(),
            frames: http::strip(state, media).await?,
        })
    }

    /// A frame's time, for its caption.
    pub fn time_of(&self, frame: &StripFrame) -> String {
        format!("{:.1} {}", frame.seconds, self.m.seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Template)]
    #[template(
        source = "{% for panel in panels %}{% include \"console/media_panel.html\" %}{% endfor %}",
        ext = "html"
    )]
    struct Panels {
        panels: Vec<MediaPanel>,
    }

    #[test]
    fn panels_show_protected_pictures_and_reveal_them_one_at_a_time() {
        let m = media_texts(Lang::En);
        let base = |sha: &str| format!("/console/cases/c/media/{sha}");
        let panels = Panels {
            panels: vec![
                MediaPanel { m, base: base("aa"), media_type: "image".into(), frames: Vec::new() },
                MediaPanel {
                    m,
                    base: base("bb"),
                    media_type: "video".into(),
                    frames: vec![StripFrame { index: 0, seconds: 0.5 }, StripFrame { index: 1, seconds: 12.25 }],
                },
                MediaPanel { m, base: base("cc"), media_type: "video".into(), frames: Vec::new() },
                MediaPanel { m, base: base("dd"), media_type: "other".into(), frames: Vec::new() },
            ],
        };
        let html = panels.render().unwrap();
        // Each picture is protected in its summary and revealed, lazily, inside its own details.
        for (protected, clear) in [
            ("/console/cases/c/media/aa/preview/protected", "/console/cases/c/media/aa/preview/clear"),
            ("/console/cases/c/media/bb/frames/0/protected", "/console/cases/c/media/bb/frames/0/clear"),
            ("/console/cases/c/media/bb/frames/1/protected", "/console/cases/c/media/bb/frames/1/clear"),
        ] {
            let at = html.find(protected).unwrap_or_else(|| panic!("{protected} in {html}"));
            let revealed = html.find(clear).unwrap_or_else(|| panic!("{clear} in {html}"));
            let summary_end = html[at..].find("</summary>").unwrap() + at;
            assert!(revealed > summary_end, "the clear picture is outside the summary");
            let tag_end = html[revealed..].find('>').unwrap() + revealed;
            assert!(html[revealed..tag_end].contains("loading=\"lazy\""), "{html}");
        }
        assert_eq!(html.matches("<details").count(), 3);
        assert!(html.contains("12.2 s") || html.contains("12.3 s"), "{html}");
        assert!(html.contains(m.no_frames), "a video without a strip says so");
        assert!(html.contains("/console/cases/c/media/bb/play\""), "{html}");
        assert_eq!(html.matches("/download\"").count(), 4);
        assert!(html.contains(m.other_media));
    }
}
