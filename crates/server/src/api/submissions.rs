//! `/v1/submissions`: removal orders, referrals, notices, reports and flags in; receipts out;
//! the clock of removal orders paused and resumed.

use axum::Json;
use axum::body::Body;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use vigie_domain::access::{Permission, Principal};
use vigie_domain::ids::SubmissionId;
use vigie_domain::intake::{IdempotencyKey, PauseReason};
use vigie_store::{ClockChange, DeadlineEvent, MediaRecord, StoreError, SubmissionRecord};

use super::openapi::names;
use super::require;
use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{
    ApiJson, ApiMultipart, ApiPath, ApiPrincipal, ApiQuery, multipart_error, parse_json, repeated_field,
};
use crate::intake::media::{ReceiveError, StoredFile};
use crate::intake::validate::parse_submission;
use crate::intake::wire::{ClockEventView, MediaView, ReceiptResponse, SubmissionRequest, SubmissionView};
use crate::intake::{self, Sender, request_fingerprint};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list)).routes(routes!(show)).routes(routes!(pause)).routes(routes!(resume))
}

/// Routes whose bodies carry media or many submissions; their limits are per file and per
/// item, enforced while reading.
pub(super) fn upload_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create)).routes(routes!(create_batch)).routes(routes!(attach_media))
}

/// Submissions per batch at most.
pub const MAX_BATCH: usize = 1000;

/// The multipart form of a submission, for the OpenAPI document: the handler reads the parts
/// one by one as they stream in, the JSON first.
#[derive(ToSchema)]
#[allow(dead_code)]
struct SubmissionUpload {
    /// The submission, as JSON; sent first.
    submission: SubmissionRequest,
    /// The reported content: images or videos, one file per field.
    #[schema(value_type = Vec<String>, format = Binary)]
    media: Vec<Vec<u8>>,
}

/// The multipart body that adds media to a submission, for the OpenAPI document.
#[derive(ToSchema)]
#[allow(dead_code)]
struct MediaUpload {
    /// The files, one per field.
    #[schema(value_type = Vec<String>, format = Binary, min_items = 1)]
    media: Vec<Vec<u8>>,
}

/// Send a submission.
///
/// A JSON body, or `multipart/form-data` with the JSON in the field
/// `submission` (first) and the content itself in `media` fields. Answers `201` with the
/// receipt at once; hashing and matching of media continue in the background. A resend (same
/// `Idempotency-Key` with the same body, or the same `reference` from the same organisation for
/// removal orders, referrals and partner flags) answers `200` with the first receipt.
#[utoipa::path(post, path = "/v1/submissions", tag = "submissions",
    request_body(content((SubmissionRequest = "application/json"), (SubmissionUpload = "multipart/form-data")),
        description = "JSON, or multipart/form-data with fields `submission` (this JSON) and `media` (files)"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key and body return the first receipt")),
    responses((status = 201, body = ReceiptResponse, description = "Stored"),
        (status = 200, body = ReceiptResponse, description = "Already received (duplicate: true)"),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem, description = "Idempotency-Key reused with a different body")))]
async fn create(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    request: Request,
) -> ApiResult<Response> {
    require(&principal, Permission::Submit)?;
    let key = idempotency_header(request.headers())?;
    let (submission, fingerprint, files) = read_submission(&state, request).await?;
    let idempotency = key
        .map(|key| IdempotencyKey::parse(&key, fingerprint))
        .transpose()
        .map_err(|message| ApiError::field("Idempotency-Key", message))?;
    let sender = Sender { organisation: Some(principal.organisation_id), actor: principal.actor };
    let result =
        intake::submit(&state.store, &state.intake, &state.engine, sender, &submission, &files, idempotency).await;
    let submitted = match result {
        Ok(submitted) => submitted,
        Err(error) => {
            intake::discard_unrecorded(&state.store, &state.intake, files).await;
            return Err(error.into());
        }
    };
    let status = if submitted.receipt.existing { StatusCode::OK } else { StatusCode::CREATED };
    let location = format!("/v1/submissions/{}", submitted.receipt.id);
    let mut response = (status, Json(submitted.response())).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

fn idempotency_header(headers: &HeaderMap) -> ApiResult<Option<String>> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(value) => value
            .to_str()
            .map(|text| Some(text.trim().trim_matches('"').to_owned()))
            .map_err(|_| ApiError::field("Idempotency-Key", "must be visible ASCII")),
    }
}

fn essence(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Reads the submission (JSON body or multipart), returning it with the fingerprint of what
/// identifies the request, and the media files received with it (already on disk).
async fn read_submission(
    state: &AppState,
    request: Request,
) -> ApiResult<(SubmissionRequest, String, Vec<StoredFile>)> {
    let content_type = essence(request.headers());
    if content_type == "application/json" || content_type.ends_with("+json") {
        let bytes = read_limited(request.into_body(), state.settings.json_body_limit).await?;
        let value: serde_json::Value = parse_json(&bytes)?;
        return Ok((parse_submission(value)?, request_fingerprint(&bytes), Vec::new()));
    }
    if content_type != "multipart/form-data" {
        return Err(ApiError::UnsupportedMediaType(
            "send the submission as application/json, or as multipart/form-data with fields `submission` and `media`"
                .into(),
        ));
    }
    let ApiMultipart(mut multipart) = ApiMultipart::from_request(request, state).await?;
    let mut submission = None;
    let mut fingerprint_source = Vec::new();
    let mut files = Vec::new();
    let outcome: ApiResult<()> = async {
        while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
            match field.name() {
                Some("submission") => {
                    if submission.is_some() {
                        return Err(repeated_field("submission"));
                    }
                    let mut field = field;
                    let mut bytes = Vec::new();
                    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                        if bytes.len() + chunk.len() > state.settings.json_body_limit {
                            return Err(ApiError::PayloadTooLarge);
                        }
                        bytes.extend_from_slice(&chunk);
                    }
                    let value: serde_json::Value = parse_json(&bytes)?;
                    let request = parse_submission(value)?;
                    // Checked before any file is read, so a wrong submission stores nothing.
                    let media_hint = 1;
                    intake::validate::check_submission(&request, media_hint, chrono::Utc::now())?;
                    fingerprint_source.extend_from_slice(&bytes);
                    submission = Some(request);
                }
                Some("media") => {
                    if submission.is_none() {
                        return Err(ApiError::field("media", "send the `submission` field before the media"));
                    }
                    let index = files.len();
                    if index >= state.intake.settings.max_media_files {
                        return Err(ApiError::field(
                            "media",
                            format!("at most {} media files per submission", state.intake.settings.max_media_files),
                        ));
                    }
                    let file = receive_file(state, field, index).await?;
                    fingerprint_source.extend_from_slice(file.sha256.as_bytes());
                    files.push(file);
                }
                Some(other) => {
                    return Err(ApiError::field(other, "unknown field: send `submission` and `media`"));
                }
                None => return Err(ApiError::field("multipart", "every part needs a name")),
            }
        }
        Ok(())
    }
    .await;
    if let Err(error) = outcome {
        intake::discard_unrecorded(&state.store, &state.intake, files).await;
        return Err(error);
    }
    let submission = submission.ok_or_else(|| ApiError::field("submission", "is required"))?;
    Ok((submission, request_fingerprint(&fingerprint_source), files))
}

/// Streams one multipart file to the media store, within the size limit.
async fn receive_file(
    state: &AppState,
    mut field: axum::extract::multipart::Field<'_>,
    index: usize,
) -> ApiResult<StoredFile> {
    let name = format!("media[{index}]");
    let limit = state.intake.settings.max_media_bytes;
    let media = state.intake.media.clone();
    let mut incoming = tokio::task::spawn_blocking(move || media.begin(limit))
        .await
        .map_err(|error| ApiError::Internal(anyhow::anyhow!("media task failed: {error}")))?
        .map_err(|error| ApiError::storage("cannot store media", error))?;
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        incoming.write(&chunk).map_err(|error| receive_error(&name, error))?;
    }
    let limits = state.settings.image_limits;
    let file = tokio::task::spawn_blocking(move || incoming.finish(&limits))
        .await
        .map_err(|error| ApiError::Internal(anyhow::anyhow!("media task failed: {error}")))?
        .map_err(|error| receive_error(&name, error))?;
    intake::vet_media(&state.store, &state.intake, &state.hashing_permits, limits, file)
        .await
        .map_err(|error| receive_error(&name, error))
}

fn receive_error(field: &str, error: ReceiveError) -> ApiError {
    match error {
        ReceiveError::TooLarge { .. } => ApiError::PayloadTooLarge,
        ReceiveError::Io(error) => ApiError::storage("cannot store media", error),
        other => ApiError::field(field, other.to_string()),
    }
}

async fn read_limited(body: Body, limit: usize) -> ApiResult<bytes::Bytes> {
    axum::body::to_bytes(body, limit).await.map_err(|error| {
        let too_large =
            std::error::Error::source(&error).is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
        if too_large {
            ApiError::PayloadTooLarge
        } else {
            ApiError::MalformedBody { detail: "the request body could not be read".into(), field: None }
        }
    })
}

/// Many submissions at once.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// 1 to 1000 submissions, each as `POST /v1/submissions` takes it (JSON only).
    #[schema(value_type = Vec<SubmissionRequest>, min_items = 1, max_items = 1000)]
    pub submissions: Vec<serde_json::Value>,
}

/// The result of one item of a batch.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BatchItemResult {
    /// Its position in the request.
    pub index: usize,
    /// 201 stored, 200 already received, 4xx refused (see `problem`), 500 failed.
    pub status: u16,
    /// The receipt, when stored or already received.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptResponse>,
    /// Why it was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub problem: Option<serde_json::Value>,
}

/// A batch's results, one per item, in order.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BatchResponse {
    /// Items stored now.
    pub stored: usize,
    /// Items received before.
    pub duplicates: usize,
    /// Items refused.
    pub refused: usize,
    /// One result per item.
    pub results: Vec<BatchItemResult>,
}

/// Send up to 1000 submissions in one request. Each item is validated and stored on its own: a
/// bad item is refused with its problem and does not stop the others.
#[utoipa::path(post, path = "/v1/submissions/batch", tag = "submissions", request_body = BatchRequest,
    responses((status = 200, body = BatchResponse), (status = 400, body = Problem), (status = 413, body = Problem)))]
async fn create_batch(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<BatchResponse>> {
    require(&principal, Permission::Submit)?;
    if !matches!(essence(&headers).as_str(), "application/json") {
        return Err(ApiError::UnsupportedMediaType("send the batch as Content-Type: application/json".into()));
    }
    let limit = state.settings.json_body_limit.saturating_mul(16);
    let bytes = read_limited(body, limit).await?;
    let batch: BatchRequest = parse_json(&bytes)?;
    if batch.submissions.is_empty() || batch.submissions.len() > MAX_BATCH {
        return Err(ApiError::field("submissions", format!("must hold 1 to {MAX_BATCH} submissions")));
    }
    let sender = Sender { organisation: Some(principal.organisation_id), actor: principal.actor };
    let mut tasks = tokio::task::JoinSet::new();
    for (index, value) in batch.submissions.into_iter().enumerate() {
        let state = state.clone();
        tasks.spawn(async move {
            let outcome = match parse_submission(value) {
                Ok(request) => intake::submit(&state.store, &state.intake, &state.engine, sender, &request, &[], None)
                    .await
                    .map_err(ApiError::from),
                Err(error) => Err(error),
            };
            (index, outcome)
        });
    }
    let mut results = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (index, outcome) =
            joined.map_err(|error| ApiError::Internal(anyhow::anyhow!("batch item task failed: {error}")))?;
        results.push(match outcome {
            Ok(submitted) => BatchItemResult {
                index,
                status: if submitted.receipt.existing { 200 } else { 201 },
                receipt: Some(submitted.response()),
                problem: None,
            },
            Err(error) => {
                let problem = error.problem();
                if let Some(cause) = error.logged_cause() {
                    tracing::error!(error = %format!("{cause:#}"), index, "batch item failed");
                }
                BatchItemResult {
                    index,
                    status: problem.status,
                    receipt: None,
                    problem: serde_json::to_value(problem).ok(),
                }
            }
        });
    }
    results.sort_by_key(|result| result.index);
    let count = |status: u16| results.iter().filter(|result| result.status == status).count();
    Ok(Json(BatchResponse {
        stored: count(201),
        duplicates: count(200),
        refused: results.iter().filter(|result| result.status >= 400).count(),
        results,
    }))
}

/// Paging for the caller's own submissions.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SubmissionPaging {
    /// Page size (1 to 500, default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// Submissions to skip.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4294967295.0)]
    pub offset: Option<u32>,
}

/// Submissions sent by the caller's organisation, newest first, with their current status.
#[utoipa::path(get, path = "/v1/submissions", tag = "submissions", params(SubmissionPaging),
    responses((status = 200, body = Vec<SubmissionView>), (status = 401, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiQuery(paging): ApiQuery<SubmissionPaging>,
) -> ApiResult<Json<Vec<SubmissionView>>> {
    if principal.roles.is_empty() {
        return Err(ApiError::Forbidden);
    }
    let limit = paging.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 500"));
    }
    let records = state.store.list_submissions_by(principal.organisation_id, limit, paging.offset.unwrap_or(0)).await?;
    let mut views = Vec::with_capacity(records.len());
    for record in records {
        views.push(submission_view_for(&state, &principal, record).await?);
    }
    Ok(Json(views))
}

/// Loads a submission the caller may read; others' answer 404.
async fn visible_submission(state: &AppState, principal: &Principal, id: Uuid) -> ApiResult<SubmissionRecord> {
    let record = state.store.get_submission(SubmissionId(id)).await?;
    let permission =
        Permission::ReadSubmission { submitter: record.submitter_id, platform: record.receipt.platform_id };
    if principal.may(permission) { Ok(record) } else { Err(ApiError::NotFound) }
}

/// A submission in full, as its sender or the platform handling it sees it.
pub async fn submission_view(state: &AppState, record: SubmissionRecord) -> ApiResult<SubmissionView> {
    let id = record.receipt.id;
    let media = state.store.list_submission_media(id).await?;
    let clock = state.store.list_deadline_events(id).await?;
    let outcome = crate::actions::submission_outcome(state, &record).await?;
    let mut view = submission_view_of(record, media, clock);
    view.outcome = Some(outcome);
    Ok(view)
}

/// A submission in full from its record, media and clock events, read beforehand (a case page
/// reads those of all its submissions at once).
pub fn submission_view_of(
    record: SubmissionRecord,
    media: Vec<MediaRecord>,
    clock: Vec<DeadlineEvent>,
) -> SubmissionView {
    SubmissionView {
        receipt: intake::receipt_response(&record.receipt, None),
        submitter: record.submitter_id.map(|id| id.0),
        reference: record.reference,
        trusted_flagger: record.trusted_flagger,
        paused_at: record.paused_at,
        details: serde_json::from_str(&record.details).unwrap_or(serde_json::Value::Null),
        media: media
            .into_iter()
            .map(|media| MediaView {
                vpdq_frames: media.vpdq.as_ref().map(|text| text.lines().count()),
                sha256: media.sha256,
                md5: media.md5,
                byte_size: media.byte_size,
                media_type: media.media_type,
                status: media.status,
                pdq: media.pdq,
                pdq_quality: media.pdq_quality,
                error: media.error,
            })
            .collect(),
        clock: clock
            .into_iter()
            .map(|event| ClockEventView {
                action: event.action,
                reason: event.reason.map(|reason| reason.as_str().to_owned()),
                explanation: event.explanation,
                due_at_before: event.due_at_before,
                due_at_after: event.due_at_after,
                recorded_at: event.recorded_at,
            })
            .collect(),
        outcome: None,
    }
}

/// One submission, by its id or its short number.
///
/// Its status, deadline, case, media, clock history and outcome (the decision, the actions and the
/// platform's confirmations; for a removal order, TCO Annex II or III). Visible to the sending organisation
/// and to the platform handling it; 404 for everyone else. The short number (the public form's
/// report number) may be typed as people do: any case, with a hyphen or spaces.
#[utoipa::path(get, path = "/v1/submissions/{id}", tag = "submissions",
    params(("id" = String, Path, description = "Submission id (UUID) or short number")),
    responses((status = 200, body = SubmissionView), (status = 404, body = Problem)))]
async fn show(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<SubmissionView>> {
    let record = match Uuid::parse_str(id.trim()) {
        Ok(id) => visible_submission(&state, &principal, id).await?,
        Err(_) => {
            let number = vigie_domain::intake::SubmissionNumber::parse(&id).ok_or(ApiError::NotFound)?;
            let record = state.store.get_submission_by_number(&number).await?;
            visible_submission(&state, &principal, record.receipt.id.0).await?
        }
    };
    Ok(Json(submission_view_for(&state, &principal, record).await?))
}

/// A submission as `principal` may read it: its sender reads what it sent; the platform's
/// readers as on the case page (preserved content opens with a stated purpose), also when the
/// platform sent it itself (a user's report it forwarded).
async fn submission_view_for(
    state: &AppState,
    principal: &Principal,
    record: SubmissionRecord,
) -> ApiResult<SubmissionView> {
    let sender = record.submitter_id == Some(principal.organisation_id)
        && !principal.may(Permission::ReadCases(record.receipt.platform_id));
    let case = record.receipt.case_id;
    let mut view = submission_view(state, record).await?;
    if !sender && !crate::preservation::content_for(state, principal, case).await?.readable() {
        crate::preservation::withhold(&mut view);
    }
    Ok(view)
}

/// Attach the content to a submission after the fact.
///
/// Multipart `media` fields: the platform
/// fetching what a URL pointed to, or the sender adding it. The media are hashed and matched
/// in the background, and the case grouped with cases holding the same content.
#[utoipa::path(post, path = "/v1/submissions/{id}/media", tag = "submissions",
    params(("id" = Uuid, Path, description = "Submission id")),
    request_body(content = MediaUpload, content_type = "multipart/form-data", description = "fields `media`: the files"),
    responses((status = 200, body = SubmissionView), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 410, body = Problem, description = "The case's content was purged"), (status = 413, body = Problem)))]
async fn attach_media(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
    request: Request,
) -> ApiResult<Json<SubmissionView>> {
    let record = visible_submission(&state, &principal, id).await?;
    let handles = principal.may(Permission::HandleCases(record.receipt.platform_id));
    let sent_it = record.submitter_id == Some(principal.organisation_id) && principal.may(Permission::Submit);
    if !(handles || sent_it) {
        return Err(ApiError::Forbidden);
    }
    // A purged case keeps no content: nothing is added to it (it would never be purged).
    if state.store.preservation_state(record.receipt.case_id).await? == Some(true) {
        return Err(ApiError::PurgedContent);
    }
    if essence(request.headers()) != "multipart/form-data" {
        return Err(ApiError::UnsupportedMediaType("send the files as multipart/form-data fields `media`".into()));
    }
    let ApiMultipart(mut multipart) = ApiMultipart::from_request(request, &state).await?;
    let mut files = Vec::new();
    let received: ApiResult<()> = async {
        while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
            if field.name() != Some("media") {
                return Err(ApiError::field(field.name().unwrap_or("multipart"), "unknown field: send `media`"));
            }
            if files.len() >= state.intake.settings.max_media_files {
                return Err(ApiError::field(
                    "media",
                    format!("at most {} media files per request", state.intake.settings.max_media_files),
                ));
            }
            let index = files.len();
            files.push(receive_file(&state, field, index).await?);
        }
        Ok(())
    }
    .await;
    if let Err(error) = received {
        intake::discard_unrecorded(&state.store, &state.intake, files).await;
        return Err(error);
    }
    if files.is_empty() {
        return Err(ApiError::field("media", "send at least one file"));
    }
    let mut record = record;
    for file in &files {
        let media = intake::store_media(&state.store, file).await?;
        record = state.store.attach_media(record.receipt.id, &media, principal.actor).await?;
    }
    state.intake.media_arrived.notify_one();
    Ok(Json(submission_view_for(&state, &principal, record).await?))
}

/// Why a removal order's clock stops.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PauseRequest {
    /// `force_majeure` (TCO Art. 3(7)) or `clarification_requested` (Art. 3(8)).
    #[schema(schema_with = names::pause_reason)]
    pub reason: String,
    /// What was told to the issuing authority (the Annex III form's explanation).
    #[schema(max_length = 2000, pattern = "{line}")]
    pub explanation: String,
}

/// A resumption of the clock.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResumeRequest {
    /// What ended the pause (the clarification received, the obstacle gone).
    #[schema(max_length = 2000, pattern = "{line}")]
    pub explanation: String,
}

/// Pause a removal order's one-hour clock: the platform sent the Annex III form because of
/// force majeure or because the order needs clarification. Recorded with its reason.
#[utoipa::path(post, path = "/v1/submissions/{id}/pause", tag = "submissions", request_body = PauseRequest,
    params(("id" = Uuid, Path, description = "Submission id")),
    responses((status = 200, body = SubmissionView), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn pause(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<PauseRequest>,
) -> ApiResult<Json<SubmissionView>> {
    let reason = PauseReason::parse(&request.reason).map_err(|message| ApiError::field("reason", message))?;
    change_clock(&state, &principal, id, ClockChange::Pause(reason), &request.explanation).await
}

/// Resume a paused removal order's clock: a fresh hour starts now (TCO Art. 3(7), 3(8)).
#[utoipa::path(post, path = "/v1/submissions/{id}/resume", tag = "submissions", request_body = ResumeRequest,
    params(("id" = Uuid, Path, description = "Submission id")),
    responses((status = 200, body = SubmissionView), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn resume(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<ResumeRequest>,
) -> ApiResult<Json<SubmissionView>> {
    change_clock(&state, &principal, id, ClockChange::Resume, &request.explanation).await
}

async fn change_clock(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    change: ClockChange,
    explanation: &str,
) -> ApiResult<Json<SubmissionView>> {
    let explanation = vigie_domain::validate::bounded_text(explanation, 1, 2000)
        .map_err(|message| ApiError::field("explanation", message))?;
    let record = visible_submission(state, principal, id).await?;
    require(principal, Permission::HandleCases(record.receipt.platform_id))?;
    let record =
        state.store.change_clock(record.receipt.id, change, &explanation, principal.actor).await.map_err(|error| {
            match error {
                StoreError::NotFound => ApiError::NotFound,
                other => other.into(),
            }
        })?;
    Ok(Json(submission_view_for(state, principal, record).await?))
}
