//! `/v1/match`: which known signals does this hash, URL or file match?

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use vigie_domain::access::{Permission, Principal};
use vigie_domain::bank::{SignalType, canonical_value};
use vigie_domain::ids::BankId;

use super::require;
use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{self, ApiJson, ApiMultipart, ApiPrincipal};
use crate::matching::{Outcome, Query};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(match_signals))
}

/// Routes that take uploads, under the larger upload limit.
pub(super) fn upload_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(match_media))
}

/// The most queries in one request.
const MAX_QUERIES: usize = 1000;

/// One thing to look up.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchQuery {
    /// `pdq`, `md5`, `sha256`, `url` or `vpdq`.
    #[serde(rename = "type")]
    #[schema(schema_with = super::openapi::names::signal_type)]
    pub signal_type: String,
    /// The hash (hex), the URL, or for `vpdq` the video's frames as `vigie hash` prints them
    /// (`frame,quality,hex,seconds` lines, or `quality:hex` separated by `;`).
    pub value: String,
    /// PDQ quality (0-100), when known: below a bank's minimum, matches come with a warning.
    #[schema(maximum = 100)]
    pub quality: Option<u32>,
}

/// Lookups.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"queries": [{"type": "pdq", "value": "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22", "quality": 100}]}))]
pub struct MatchRequest {
    /// 1 to 1000 queries.
    #[schema(min_items = 1, max_items = 1000)]
    pub queries: Vec<MatchQuery>,
    /// Only these banks (names); all enabled banks the caller may see when absent.
    pub banks: Option<Vec<String>>,
}

/// One matching signal. `bank_id`, `signal_id` and `signal` are present only when the caller may
/// read the bank's signals (its own organisation's readers, or anyone when the bank is `shared`);
/// a bank with `match` visibility tells others its name, the labels and the distance only.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MatchResponseItem {
    /// The bank's name.
    pub bank: String,
    /// The bank's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bank_id: Option<Uuid>,
    /// The signal's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal_id: Option<i64>,
    /// The signal's value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<String>,
    /// Hamming distance (0 for exact types).
    pub distance: u32,
    /// PDQ: which of the query image's hashes matched: `identity` (its own hash), `rotate90`,
    /// `rotate180`, `rotate270`, `mirror`, `flip`, `transpose`, `transverse` (the known image
    /// turned or flipped), `trimmed` (its uniform borders trimmed: letterbox, pillarbox),
    /// `region` (the main picture inside a frame: a screenshot of a post, a caption band), or
    /// `trimmed+...`, `region+...` for those turned or flipped. A hash sent as text matches
    /// through `identity` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// The signal's labels.
    pub labels: Vec<String>,
    /// Whether the bank allows acting on this match without a human.
    pub auto_action: bool,
    /// Videos: share of the query's unique good frames matched, in percent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_matched_percent: Option<f64>,
    /// Videos: share of the known video's unique good frames matched, in percent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidate_matched_percent: Option<f64>,
}

/// The answer to one query.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct QueryResult {
    /// The query's type.
    #[serde(rename = "type")]
    pub signal_type: String,
    /// The query, canonical.
    pub value: String,
    /// Matches, nearest first.
    pub matches: Vec<MatchResponseItem>,
    /// What the caller should know (low quality, no bank of this type).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Answers in query order.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MatchResponse {
    /// One per query.
    pub results: Vec<QueryResult>,
}

/// Hashes of an uploaded file: an image's PDQ, or a video's vPDQ frames, and its digests.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MediaHashes {
    /// `image` or `video`.
    pub media_type: String,
    /// PDQ hash (images).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pdq: Option<String>,
    /// PDQ quality (images).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(maximum = 100)]
    pub quality: Option<u32>,
    /// Images: how many more hashes of the image were looked up besides its own (rotations and
    /// flips; the picture with its borders trimmed and the main region, when found); 0 with
    /// `exact_only`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variants: Option<usize>,
    /// Frames hashed with vPDQ (videos: one per second).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpdq_frames: Option<usize>,
    /// Length in seconds (videos, when the container says).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<f64>,
    /// MD5 of the bytes.
    pub md5: String,
    /// SHA-256 of the bytes.
    pub sha256: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// The hashes of an uploaded file and what they match.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MediaMatchResponse {
    /// The file's hashes.
    pub media: MediaHashes,
    /// PDQ (images) or vPDQ (videos), then MD5 and SHA-256 results, in that order. A video's
    /// vPDQ result carries its frames as `value` (`quality:hex` separated by `;`), as a `vpdq`
    /// bank stores them.
    pub results: Vec<QueryResult>,
}

fn parse_query(index: usize, query: &MatchQuery) -> ApiResult<(Query, String)> {
    let field = |name: &str| format!("queries[{index}].{name}");
    let signal_type =
        SignalType::parse(&query.signal_type).map_err(|message| ApiError::field(&field("type"), message))?;
    let value =
        canonical_value(signal_type, &query.value).map_err(|message| ApiError::field(&field("value"), message))?;
    if query.quality.is_some_and(|quality| quality > 100) {
        return Err(ApiError::field(&field("quality"), "must be between 0 and 100"));
    }
    let parsed = match signal_type {
        SignalType::Pdq => {
            let mut hash = [0; 32];
            hex::decode_to_slice(&value, &mut hash).map_err(|_| ApiError::field(&field("value"), "must be hex"))?;
            Query::pdq(hash, query.quality)
        }
        SignalType::Md5 => {
            let mut digest = [0; 16];
            hex::decode_to_slice(&value, &mut digest).map_err(|_| ApiError::field(&field("value"), "must be hex"))?;
            Query::Md5(digest)
        }
        SignalType::Sha256 => {
            let mut digest = [0; 32];
            hex::decode_to_slice(&value, &mut digest).map_err(|_| ApiError::field(&field("value"), "must be hex"))?;
            Query::Sha256(digest)
        }
        SignalType::Url => Query::Url(value.clone()),
        SignalType::Vpdq => Query::Vpdq(crate::matching::parse_vpdq_value(&value)),
    };
    Ok((parsed, value))
}

fn bank_filter(state: &AppState, names: Option<&[String]>, asker: &Principal) -> ApiResult<Option<Vec<BankId>>> {
    let Some(names) = names else { return Ok(None) };
    let ids = state
        .engine
        .bank_ids_by_name(names, asker)
        .map_err(|unknown| ApiError::field("banks", format!("no bank is named {unknown:?}")))?;
    Ok(Some(ids))
}

/// Engine outcomes as wire results, beside their queries and the queries' canonical text.
fn results(queries: &[Query], values: Vec<String>, outcomes: Vec<Outcome>) -> Vec<QueryResult> {
    queries
        .iter()
        .zip(values)
        .zip(outcomes)
        .map(|((query, value), outcome)| QueryResult {
            signal_type: query.signal_type().as_str().into(),
            value,
            matches: outcome
                .hits
                .into_iter()
                .map(|hit| MatchResponseItem {
                    bank: hit.bank_name,
                    bank_id: hit.signal.as_ref().map(|signal| signal.bank_id.0),
                    signal_id: hit.signal.as_ref().map(|signal| signal.id),
                    signal: hit.signal.map(|signal| signal.value),
                    distance: hit.distance,
                    via: hit.via.map(|via| via.to_string()),
                    labels: hit.labels,
                    auto_action: hit.auto_action,
                    query_matched_percent: hit.video.map(|video| video.query_matched_percent),
                    candidate_matched_percent: hit.video.map(|video| video.candidate_matched_percent),
                })
                .collect(),
            warnings: outcome.warnings,
        })
        .collect()
}

/// Match hashes and URLs against the banks.
#[utoipa::path(post, path = "/v1/match", tag = "banks", request_body = MatchRequest,
    responses((status = 200, body = MatchResponse), (status = 400, body = Problem), (status = 401, body = Problem)))]
async fn match_signals(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiJson(request): ApiJson<MatchRequest>,
) -> ApiResult<Json<MatchResponse>> {
    require(&principal, Permission::Match)?;
    if request.queries.is_empty() || request.queries.len() > MAX_QUERIES {
        return Err(ApiError::field("queries", format!("must hold 1 to {MAX_QUERIES} queries")));
    }
    let only = bank_filter(&state, request.banks.as_deref(), &principal)?;
    let (queries, values): (Vec<Query>, Vec<String>) = request
        .queries
        .iter()
        .enumerate()
        .map(|(index, query)| parse_query(index, query))
        .collect::<ApiResult<Vec<_>>>()?
        .into_iter()
        .unzip();
    let outcomes = state.engine.lookup(&queries, &principal, only.as_deref()).await?;
    Ok(Json(MatchResponse { results: results(&queries, values, outcomes) }))
}

/// The multipart body of `/v1/match/media`, for the OpenAPI document: the handler reads the
/// parts one by one as they stream in.
#[derive(ToSchema)]
#[allow(dead_code)]
struct MediaUpload {
    /// The image (JPEG, PNG, GIF, WebP, BMP or TIFF) or the video (MP4, MOV, MKV, WebM, AVI…).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// `true` to match an image by its own PDQ hash only, as the reference would; by default
    /// its rotations, flips, trimmed picture and main region are looked up too.
    #[schema(value_type = Option<bool>)]
    exact_only: Option<String>,
}

/// Match an uploaded image or video against the banks.
///
/// Upload an image or a video (one multipart field `file`); Vigie hashes it (PDQ for an image, vPDQ
/// for a video, and MD5, SHA-256) and matches the hashes. The file is not stored. Videos need
/// the `ffmpeg` program on the server: without it they are refused with 415.
///
/// An image is also looked up through its rotations and flips, with its uniform borders
/// trimmed, and by the main picture inside a frame, so that edited copies of known images are
/// found; each match says `via` which. The multipart field `exact_only` = `true` (sent before
/// `file`) matches the image's own hash only.
#[utoipa::path(post, path = "/v1/match/media", tag = "banks",
    request_body(content = MediaUpload, content_type = "multipart/form-data",
        description = "field `file`: the image or the video"),
    responses((status = 200, body = MediaMatchResponse), (status = 400, body = Problem), (status = 413, body = Problem),
        (status = 415, body = Problem, description = "a video, and ffmpeg is not installed on the server")))]
async fn match_media(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiMultipart(mut multipart): ApiMultipart,
) -> ApiResult<Json<MediaMatchResponse>> {
    require(&principal, Permission::Match)?;
    // Taken before the body is read, so that at most one upload per core is hashed at once.
    let _permit = state
        .hashing_permits
        .acquire()
        .await
        .map_err(|error| ApiError::Internal(anyhow::anyhow!("hashing permits closed: {error}")))?;
    // Streamed to a scratch file beside the media (deleted when dropped): a video is hashed by
    // ffmpeg from a file, and an image is decoded from it without holding the upload in memory.
    let mut upload = None;
    let mut exact_only = None;
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        if field.name() == Some("exact_only") {
            if exact_only.is_some() {
                return Err(extract::repeated_field("exact_only"));
            }
            let mut text = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                text.extend_from_slice(&chunk);
                if text.len() > 16 {
                    return Err(ApiError::field("exact_only", "must be true or false"));
                }
            }
            exact_only = Some(match String::from_utf8_lossy(&text).trim() {
                "true" | "1" => true,
                "false" | "0" | "" => false,
                _ => return Err(ApiError::field("exact_only", "must be true or false")),
            });
            continue;
        }
        if field.name() != Some("file") {
            continue;
        }
        if upload.is_some() {
            return Err(extract::repeated_field("file"));
        }
        let mut scratch = state.intake.media.scratch().map_err(|error| ApiError::storage("a scratch file", error))?;
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            scratch.write(&chunk).map_err(|error| ApiError::storage("a scratch file", error))?;
        }
        upload = Some(scratch);
    }
    let upload = upload.ok_or_else(|| ApiError::field("file", "send the file as a multipart field named `file`"))?;
    let exact_only = exact_only.unwrap_or(false);
    if upload.is_empty() {
        return Err(ApiError::field("file", "is empty"));
    }
    let (md5, sha256) = upload.digests();
    let media_type = crate::intake::media::MediaType::sniff(upload.head());
    let limits = state.settings.image_limits;
    let hashed = tokio::task::spawn_blocking(move || hash_upload(upload, media_type, &limits, exact_only))
        .await
        .map_err(|error| ApiError::Internal(anyhow::anyhow!("hashing task failed: {error}")))??;
    let (perceptual, perceptual_value) = match &hashed {
        Hashed::Image { query, pdq, .. } => (query.clone(), pdq.clone()),
        Hashed::Video { vpdq, .. } => {
            let query = MatchQuery { signal_type: "vpdq".into(), value: vpdq.clone(), quality: None };
            parse_query(0, &query)?
        }
    };
    let digests = [
        MatchQuery { signal_type: "md5".into(), value: md5.clone(), quality: None },
        MatchQuery { signal_type: "sha256".into(), value: sha256.clone(), quality: None },
    ];
    let (lookups, values): (Vec<Query>, Vec<String>) = std::iter::once(Ok((perceptual, perceptual_value)))
        .chain(digests.iter().enumerate().map(|(index, query)| parse_query(index + 1, query)))
        .collect::<ApiResult<Vec<_>>>()?
        .into_iter()
        .unzip();
    let mut outcomes = state.engine.lookup(&lookups, &principal, None).await?;
    for outcome in &mut outcomes {
        // An upload asks "is this known?": a missing bank type is not worth a warning.
        outcome.warnings.retain(|warning| !warning.starts_with("no enabled"));
    }
    let media = match hashed {
        Hashed::Image { pdq, quality, variants, width, height, .. } => MediaHashes {
            media_type: "image".into(),
            pdq: Some(pdq),
            quality: Some(quality),
            variants: Some(variants),
            vpdq_frames: None,
            duration_seconds: None,
            md5,
            sha256,
            width,
            height,
        },
        Hashed::Video { frames, duration_seconds, width, height, .. } => MediaHashes {
            media_type: "video".into(),
            pdq: None,
            quality: None,
            variants: None,
            vpdq_frames: Some(frames),
            duration_seconds,
            md5,
            sha256,
            width,
            height,
        },
    };
    Ok(Json(MediaMatchResponse { media, results: results(&lookups, values, outcomes) }))
}

/// An uploaded file's perceptual hashes.
enum Hashed {
    /// `query` holds the variants to look up; `variants` counts them.
    Image {
        query: Query,
        pdq: String,
        quality: u32,
        variants: usize,
        width: u32,
        height: u32,
    },
    Video {
        vpdq: String,
        frames: usize,
        duration_seconds: Option<f64>,
        width: u32,
        height: u32,
    },
}

/// Hashes an upload: PDQ for an image (streamed from the file, within the image limits), vPDQ
/// for a video (through ffmpeg, within the video limits the media worker applies). An image's
/// variants are computed from the same decode unless `exact_only`.
fn hash_upload(
    upload: crate::intake::media::Scratch,
    media_type: crate::intake::media::MediaType,
    image_limits: &vigie_hash::Limits,
    exact_only: bool,
) -> ApiResult<Hashed> {
    use crate::intake::media::MediaType;
    match media_type {
        MediaType::Image => {
            let file =
                std::fs::File::open(upload.path()).map_err(|error| ApiError::storage("a scratch file", error))?;
            let reader = std::io::BufReader::new(file);
            let cannot = |error: vigie_hash::Error| ApiError::field("file", format!("cannot hash this image: {error}"));
            let (query, image) = if exact_only {
                let image = vigie_hash::hash_image_reader(reader, image_limits).map_err(cannot)?;
                (Query::pdq(*image.pdq.as_bytes(), Some(u32::from(image.quality))), image)
            } else {
                let hashes = vigie_hash::robust::hash_image_reader_robust(reader, image_limits).map_err(cannot)?;
                (Query::pdq_robust(&hashes, false), hashes.image)
            };
            let variants = match &query {
                Query::Pdq { variants, .. } => variants.len(),
                _ => 0,
            };
            Ok(Hashed::Image {
                query,
                pdq: image.pdq.to_hex(),
                quality: u32::from(image.quality),
                variants,
                width: image.width,
                height: image.height,
            })
        }
        MediaType::Video => {
            let ffmpeg = vigie_video::Ffmpeg::locate().map_err(|error| {
                ApiError::UnsupportedMediaType(format!(
                    "videos are hashed with vPDQ, which needs the ffmpeg program on the server: {error}"
                ))
            })?;
            let video = vigie_video::hash_video(upload.path(), &ffmpeg, &vigie_video::HashOptions::default())
                .map_err(|error| ApiError::field("file", format!("cannot hash this video: {error}")))?;
            if video.frames.is_empty() {
                return Err(ApiError::field("file", "is a video with no frame to hash"));
            }
            Ok(Hashed::Video {
                vpdq: vigie_hash::vpdq::format_text(&video.frames),
                frames: video.frames.len(),
                duration_seconds: video.info.duration_seconds,
                width: video.info.width,
                height: video.info.height,
            })
        }
        MediaType::Other => Err(ApiError::field(
            "file",
            "is neither an image (JPEG, PNG, GIF, WebP, BMP, TIFF) nor a video Vigie can hash",
        )),
    }
}

fn multipart_error(error: axum::extract::multipart::MultipartError) -> ApiError {
    match extract::multipart_error(error) {
        ApiError::MalformedBody { detail, .. } => ApiError::MalformedBody { detail, field: Some("file".into()) },
        other => other,
    }
}
