//! The answers to requests for reported media, shared by the console and the API: who may see
//! a case's media, and responses no browser renders as a page.
//!
//! Every response carrying media (a picture, a muted copy, an original) is sent with
//! `X-Content-Type-Options: nosniff`, `Cache-Control: private, no-store` (pictures of
//! reported content stay off reviewers' disks) and `Content-Security-Policy: sandbox;
//! default-src 'none'` (opened on its own, nothing in it runs or loads). The original file is
//! only ever an attachment of type `application/octet-stream`, and downloading it is recorded
//! in the audit trail first.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};
use uuid::Uuid;
use vigie_domain::access::{Permission, Principal};
use vigie_domain::ids::CaseId;
use vigie_store::{CaseRecord, MediaRecord};

use super::playback::{PlaybackFailure, Prepared};
use super::{Protection, RenditionError, StripFrame, View};
use crate::AppState;
use crate::error::{ApiError, ApiResult};

/// The policy of every media response: a document of its own, sandboxed, loading nothing.
pub const MEDIA_CONTENT_SECURITY_POLICY: &str = "sandbox; default-src 'none'";

/// Seconds a client waits before asking again for a muted copy being made.
const RETRY_PENDING_SECONDS: &str = "5";

/// The case and the media a reviewer asks for, once they may see them: the case's platform's
/// reviewers (`ReadCases`), the media held by one of its submissions. Another platform's case
/// does not exist for the caller (404); one's own is 403 without the permission; media the
/// case does not hold, 404. Preserved content not opened by the caller, 403 saying how to
/// open it; purged content, 410.
pub async fn case_media(
    state: &AppState,
    principal: &Principal,
    case_id: Uuid,
    sha256: &str,
) -> ApiResult<(CaseRecord, MediaRecord)> {
    let case = state.store.get_case(CaseId(case_id)).await?;
    if !principal.may(Permission::ReadCases(case.platform_id)) {
        return Err(if case.platform_id == principal.organisation_id {
            ApiError::Forbidden
        } else {
            ApiError::NotFound
        });
    }
    if !is_sha256(sha256) {
        return Err(ApiError::field("sha256", "must be a SHA-256 digest: 64 lower-case hexadecimal digits"));
    }
    // Removed content is preserved: it opens only with a stated purpose (TCO Art. 6).
    crate::preservation::require_content(state, principal, case.id).await?;
    let media = state.store.find_case_media(case.id, sha256).await?.ok_or(ApiError::NotFound)?;
    Ok((case, media))
}

fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
}

/// `?view=`: `protected` or `clear`; protected when absent, a 400 naming it for anything else.
pub fn parse_view(text: Option<&str>) -> ApiResult<View> {
    match text {
        None => Ok(View::Protected),
        Some(text) => View::parse(text).ok_or_else(|| ApiError::field("view", "must be `protected` or `clear`")),
    }
}

/// The protections `view` applies for this reviewer (their own choice for `protected`).
pub async fn protection_for(state: &AppState, principal: &Principal, view: View) -> ApiResult<Protection> {
    match view {
        View::Clear => Ok(Protection::CLEAR),
        View::Protected => Ok(view.protection(state.store.get_media_preferences(principal.actor).await?)),
    }
}

/// An image's preview as PNG.
pub async fn preview(state: &AppState, media: &MediaRecord, protection: Protection) -> ApiResult<Response> {
    if media.media_type != "image" {
        return Err(ApiError::MediaNotViewable(
            "only images have a preview: a video is shown by its frames, other files can only be downloaded".into(),
        ));
    }
    let (files, sha256, limits) = (state.intake.media.clone(), media.sha256.clone(), state.settings.image_limits);
    let permit =
        state.hashing_permits.clone().acquire_owned().await.map_err(|error| ApiError::Internal(error.into()))?;
    let png = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        files.image_preview(&sha256, protection, &limits)
    })
    .await
    .map_err(|error| ApiError::Internal(anyhow::anyhow!("preview task failed: {error}")))?
    .map_err(rendition_error)?;
    Ok(png_response(png))
}

/// Frame `index` of a video's strip as PNG.
pub async fn frame(state: &AppState, media: &MediaRecord, index: usize, protection: Protection) -> ApiResult<Response> {
    let (files, sha256, limits) = (state.intake.media.clone(), media.sha256.clone(), state.settings.image_limits);
    let png = tokio::task::spawn_blocking(move || files.video_frame(&sha256, index, protection, &limits))
        .await
        .map_err(|error| ApiError::Internal(anyhow::anyhow!("frame task failed: {error}")))?
        .map_err(rendition_error)?
        .ok_or(ApiError::NotFound)?;
    Ok(png_response(png))
}

/// A video's strip (none for other media, and for a video hashed before strips were kept).
pub async fn strip(state: &AppState, media: &MediaRecord) -> ApiResult<Vec<StripFrame>> {
    if media.media_type != "video" {
        return Ok(Vec::new());
    }
    let (files, sha256) = (state.intake.media.clone(), media.sha256.clone());
    tokio::task::spawn_blocking(move || files.strip(&sha256))
        .await
        .map_err(|error| ApiError::Internal(anyhow::anyhow!("strip task failed: {error}")))
}

/// The strips of several videos at once, by SHA-256 (for a page showing a case's media): each
/// video's frames, none for a video without a strip.
pub async fn strips(
    state: &AppState,
    videos: Vec<String>,
) -> ApiResult<std::collections::HashMap<String, Vec<StripFrame>>> {
    let files = state.intake.media.clone();
    tokio::task::spawn_blocking(move || {
        videos.into_iter().map(|sha256| (files.strip(&sha256), sha256)).map(|(strip, sha256)| (sha256, strip)).collect()
    })
    .await
    .map_err(|error| ApiError::Internal(anyhow::anyhow!("strip task failed: {error}")))
}

/// The muted copy of a video (`video/mp4`, byte ranges honoured): made already, or made now
/// within the wait, else 503 to come back later.
pub async fn play(state: &AppState, media: &MediaRecord, request: &HeaderMap) -> ApiResult<Response> {
    if media.media_type != "video" {
        return Err(ApiError::MediaNotViewable("only videos can be played".into()));
    }
    match state.playback.prepare(&state.intake.media, &media.sha256).await {
        Prepared::Ready(path) => file_response(&path, "video/mp4", request.get(header::RANGE)).await,
        not_ready => Err(not_playable(not_ready)),
    }
}

/// Why a muted copy cannot be served now, as the API says it.
fn not_playable(prepared: Prepared) -> ApiError {
    match prepared {
        Prepared::Ready(_) | Prepared::Pending => ApiError::MediaViewUnavailable {
            slug: "media-view-pending",
            detail: "the muted copy of this video is being made; ask again in a few seconds".into(),
            retry_after: Some(RETRY_PENDING_SECONDS),
        },
        Prepared::Failed(PlaybackFailure::ToolMissing(why)) => ApiError::MediaViewUnavailable {
            slug: "media-tool-missing",
            detail: format!(
                "videos cannot be played on this server: ffmpeg is missing ({why}); its frames and the original file \
                 remain available"
            ),
            retry_after: None,
        },
        Prepared::Failed(PlaybackFailure::NotPlayable(why)) => {
            ApiError::MediaNotViewable(format!("this video cannot be played: {why}"))
        }
        Prepared::Failed(PlaybackFailure::Storage(why)) => {
            ApiError::storage("making a muted copy", std::io::Error::other(why))
        }
    }
}

/// The original file as received, as an attachment that no browser opens by itself, after
/// recording the download (one `media.download` event) in the audit trail.
pub async fn download(
    state: &AppState,
    principal: &Principal,
    case: &CaseRecord,
    media: &MediaRecord,
) -> ApiResult<Response> {
    let path = state.intake.media.path_of(&media.sha256);
    // The file is opened first, so a missing file is not recorded as downloaded.
    let file = tokio::fs::File::open(&path).await.map_err(|error| ApiError::storage("opening a media file", error))?;
    state.store.record_media_download(case.id, principal.organisation_id, &media.sha256, principal.actor).await?;
    let length = file.metadata().await.map_err(|error| ApiError::storage("reading a media file", error))?.len();
    let mut response = (StatusCode::OK, Body::from_stream(tokio_util::io::ReaderStream::new(file))).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    let disposition = format!("attachment; filename=\"{}.bin\"", media.sha256);
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).map_err(anyhow::Error::from)?);
    protect_headers(headers);
    Ok(response)
}

fn rendition_error(error: RenditionError) -> ApiError {
    match error {
        RenditionError::NotViewable(why) => ApiError::MediaNotViewable(why),
        RenditionError::Io(error) => ApiError::storage("making a rendition", error),
    }
}

fn png_response(png: Vec<u8>) -> Response {
    let mut response = (StatusCode::OK, png).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    protect_headers(headers);
    response
}

/// The headers every media response carries.
pub fn protect_headers(headers: &mut HeaderMap) {
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(MEDIA_CONTENT_SECURITY_POLICY));
}

/// A file made by Vigie, whole (200) or the one byte range asked for (206); a range that
/// cannot be served (several, or beyond the end) is ignored, as HTTP allows.
async fn file_response(
    path: &std::path::Path,
    content_type: &'static str,
    range: Option<&HeaderValue>,
) -> ApiResult<Response> {
    let storage = |error| ApiError::storage("reading a rendition", error);
    let mut file = tokio::fs::File::open(path).await.map_err(storage)?;
    let length = file.metadata().await.map_err(storage)?.len();
    let wanted = range.and_then(|value| value.to_str().ok()).and_then(|value| byte_range(value, length));
    let (status, start, count) = match wanted {
        Some((start, end)) => (StatusCode::PARTIAL_CONTENT, start, end - start + 1),
        None => (StatusCode::OK, 0, length),
    };
    file.seek(std::io::SeekFrom::Start(start)).await.map_err(storage)?;
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file.take(count)));
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(count));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if status == StatusCode::PARTIAL_CONTENT {
        let content_range = format!("bytes {start}-{}/{length}", start + count - 1);
        headers.insert(header::CONTENT_RANGE, HeaderValue::from_str(&content_range).map_err(anyhow::Error::from)?);
    }
    protect_headers(headers);
    Ok(response)
}

/// The first and last byte of a single `bytes=` range within `length` bytes: `a-b`, `a-` or
/// the suffix `-n`. `None` for anything else, or a range that does not overlap the file.
fn byte_range(value: &str, length: u64) -> Option<(u64, u64)> {
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') || length == 0 {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let (first, last) = (first.trim(), last.trim());
    let (start, end) = if first.is_empty() {
        let suffix: u64 = last.parse().ok()?;
        if suffix == 0 {
            return None;
        }
        (length.saturating_sub(suffix), length - 1)
    } else {
        let start: u64 = first.parse().ok()?;
        let end = if last.is_empty() { length - 1 } else { last.parse::<u64>().ok()?.min(length - 1) };
        (start, end)
    };
    (start <= end && start < length).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_ranges() {
        assert_eq!(byte_range("bytes=0-99", 1000), Some((0, 99)));
        assert_eq!(byte_range("bytes=500-", 1000), Some((500, 999)));
        assert_eq!(byte_range("bytes=-100", 1000), Some((900, 999)));
        assert_eq!(byte_range("bytes=900-5000", 1000), Some((900, 999)));
        assert_eq!(byte_range("bytes=-5000", 1000), Some((0, 999)));
        for unserved in ["bytes=1000-", "bytes=5-4", "bytes=0-1,5-6", "items=0-1", "bytes=-0", "bytes=x-"] {
            assert_eq!(byte_range(unserved, 1000), None, "{unserved}");
        }
        assert_eq!(byte_range("bytes=0-", 0), None);
    }

    #[test]
    fn a_copy_not_ready_is_a_clear_problem() {
        let pending = not_playable(Prepared::Pending).into_response();
        assert_eq!(pending.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(pending.headers()[header::RETRY_AFTER], RETRY_PENDING_SECONDS);
        let missing = not_playable(Prepared::Failed(PlaybackFailure::ToolMissing("not on PATH".into())));
        assert!(missing.problem().kind.ends_with(":media-tool-missing"));
        assert!(missing.problem().detail.contains("ffmpeg is missing"));
        let missing = missing.into_response();
        assert_eq!(missing.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(missing.headers().get(header::RETRY_AFTER).is_none(), "installing ffmpeg is not a matter of seconds");
        let corrupt = not_playable(Prepared::Failed(PlaybackFailure::NotPlayable("no video stream".into())));
        assert_eq!(corrupt.into_response().status(), StatusCode::UNPROCESSABLE_ENTITY);
    }

    #[test]
    fn digests_are_checked_before_any_lookup() {
        assert!(is_sha256(&"ab".repeat(32)));
        assert!(!is_sha256(&"AB".repeat(32)));
        assert!(!is_sha256("../../etc/passwd"));
    }
}
