//! `/v1/banks` and `/v1/signals`: hash banks, their signals, bulk import and export.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use vigie_domain::access::{Permission, Principal};
use vigie_domain::bank::{
    Bank, BankDraft, BankVisibility, MAX_DESCRIPTION_CHARS, MAX_ORIGIN_CHARS, canonical_value, parse_labels, value_key,
};
use vigie_domain::ids::BankId;
use vigie_domain::import::{ImportFormat, LineIssue, ParsedImport, ParsedSignal, parse_signals};
use vigie_domain::validate::{bounded_text, optional_text};
use vigie_store::{BankChange, Signal};

use super::openapi::names;
use super::require;
use crate::AppState;
use crate::app::{self, ImportReport, SignalImport};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiMultipart, ApiPath, ApiPrincipal, ApiQuery, repeated_field};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update))
        .routes(routes!(list_signals, add_signals))
        .routes(routes!(update_signal))
        .routes(routes!(signal_feedback))
}

/// Routes that take uploads, under the larger upload limit.
pub(super) fn upload_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(import)).routes(routes!(add_media))
}

/// The most signals one JSON request may add (use `/import` or the CLI for more).
const MAX_SIGNALS_PER_REQUEST: usize = 100_000;

/// A hash bank.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BankResponse {
    /// Its id.
    pub id: Uuid,
    /// The organisation that curates it.
    pub organisation_id: Uuid,
    /// Unique name.
    pub name: String,
    /// What it holds.
    pub description: String,
    /// `pdq`, `vpdq`, `md5`, `sha256` or `url`.
    pub signal_type: String,
    /// Largest Hamming distance counted as a match (0 for exact types).
    pub match_threshold: u32,
    /// PDQ queries below this quality get a warning.
    pub min_quality: u32,
    /// Whether matches may be acted on without a human.
    pub auto_action: bool,
    /// Disabled banks match nothing.
    pub enabled: bool,
    /// Who beyond its organisation may learn of it: `private` (no one), `match` (others learn
    /// that and where a query matched: bank name, labels, distance), `shared` (others may also
    /// read and export its signals).
    pub visibility: String,
    /// Signals held.
    pub signal_count: i64,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl From<Bank> for BankResponse {
    fn from(bank: Bank) -> Self {
        Self {
            id: bank.id.0,
            organisation_id: bank.organisation_id.0,
            name: bank.name,
            description: bank.description,
            signal_type: bank.signal_type.as_str().into(),
            match_threshold: bank.match_threshold,
            min_quality: bank.min_quality,
            auto_action: bank.auto_action,
            enabled: bank.enabled,
            visibility: bank.visibility.as_str().into(),
            signal_count: bank.signal_count,
            created_at: bank.created_at,
        }
    }
}

/// A new bank.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "known-propaganda-pdq", "signal_type": "pdq",
                          "description": "Images confirmed by our reviewers"}))]
pub struct CreateBankRequest {
    /// Owner, by id or slug (default: the caller's organisation).
    #[schema(max_length = 200, pattern = "{line}")]
    pub organisation_id: Option<String>,
    /// Unique name: letters, digits, `-`, `_`, `.`.
    #[schema(pattern = r"^[A-Za-z0-9._-]{1,100}$", example = "known-propaganda-pdq")]
    pub name: String,
    /// What it holds.
    #[serde(default)]
    #[schema(max_length = 1000, pattern = "{line_or_empty}")]
    pub description: String,
    /// `pdq`, `vpdq`, `md5`, `sha256` or `url`.
    #[schema(schema_with = names::signal_type)]
    pub signal_type: String,
    /// Largest distance counted as a match (default 31 for PDQ, 0 for exact types, which
    /// accept only 0).
    #[schema(maximum = 128)]
    pub match_threshold: Option<u32>,
    /// Minimum PDQ quality before warning (default 50).
    #[schema(maximum = 100)]
    pub min_quality: Option<u32>,
    /// Allow automatic action on matches (default false).
    pub auto_action: Option<bool>,
    /// `private` (default), `match` or `shared`: who beyond its organisation may learn of it.
    #[schema(schema_with = names::visibility_or_null)]
    pub visibility: Option<String>,
}

/// Changes to a bank.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateBankRequest {
    /// Enable or disable the bank.
    pub enabled: Option<bool>,
    /// New threshold (exact types accept only 0).
    #[schema(maximum = 128)]
    pub match_threshold: Option<u32>,
    /// New minimum quality.
    #[schema(maximum = 100)]
    pub min_quality: Option<u32>,
    /// Allow or forbid automatic action.
    pub auto_action: Option<bool>,
    /// New description.
    #[schema(max_length = 1000, pattern = "{line_or_empty}")]
    pub description: Option<String>,
    /// `private`, `match` or `shared`; applies to the next lookup on this node, and within
    /// about a second on the others.
    #[schema(schema_with = names::visibility_or_null)]
    pub visibility: Option<String>,
}

/// One signal to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignalInput {
    /// The hash (hex), URL, or vPDQ frames.
    pub value: String,
    /// PDQ quality, when known.
    #[schema(maximum = 100)]
    pub quality: Option<u32>,
    /// Labels such as `content:attack_footage`, `behaviour:recruitment`, `entity:<slug>`.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub labels: Vec<String>,
    /// Where it came from.
    #[schema(max_length = 200, pattern = "{line_or_empty}")]
    pub source: Option<String>,
    /// Its id at the source.
    #[schema(max_length = 200, pattern = "{line_or_empty}")]
    pub external_id: Option<String>,
}

/// Signals to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"signals": [{"value": "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22",
                                       "quality": 100, "labels": ["content:propaganda_image"]}]}))]
pub struct AddSignalsRequest {
    /// 1 to 100,000 signals.
    #[schema(min_items = 1, max_items = 100_000)]
    pub signals: Vec<SignalInput>,
    /// Add the valid ones even if some are invalid (default: add nothing unless all are valid).
    #[serde(default)]
    pub skip_invalid: bool,
}

/// One refused input line or item.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ImportIssue {
    /// 1-based line number (file import) or item number (JSON).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// The result of adding or importing signals.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ImportResponse {
    /// Whether anything was written (false when some input was invalid and `skip_invalid` was not set).
    pub applied: bool,
    /// Signals added.
    pub added: u64,
    /// Signals already in the bank.
    pub already_present: u64,
    /// Repeated inputs merged.
    pub duplicates_merged: usize,
    /// Every invalid line or item.
    pub issues: Vec<ImportIssue>,
}

impl From<ImportReport> for ImportResponse {
    fn from(report: ImportReport) -> Self {
        Self {
            applied: report.applied,
            added: report.added,
            already_present: report.already_present,
            duplicates_merged: report.duplicates_merged,
            issues: report
                .issues
                .into_iter()
                .map(|issue| ImportIssue { line: issue.line, message: issue.message })
                .collect(),
        }
    }
}

/// A signal in a bank.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SignalResponse {
    /// Its id.
    pub id: i64,
    /// Its bank.
    pub bank_id: Uuid,
    /// The hash, URL or vPDQ frames.
    pub value: String,
    /// PDQ quality, when known.
    pub quality: Option<i32>,
    /// Labels.
    pub labels: Vec<String>,
    /// Where it came from.
    pub source: Option<String>,
    /// Its id at the source.
    pub external_id: Option<String>,
    /// Disabled signals match nothing.
    pub enabled: bool,
    /// Matches on it that reviewers confirmed.
    pub confirmed_count: i64,
    /// Matches on it that reviewers found wrong.
    pub false_positive_count: i64,
    /// Times it matched.
    pub seen_count: i64,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}

impl From<Signal> for SignalResponse {
    fn from(signal: Signal) -> Self {
        Self {
            id: signal.id,
            bank_id: signal.bank_id,
            value: signal.value,
            quality: signal.quality,
            labels: split_labels(&signal.labels),
            source: signal.source,
            external_id: signal.external_id,
            enabled: signal.enabled,
            confirmed_count: signal.confirmed_count,
            false_positive_count: signal.false_positive_count,
            seen_count: signal.seen_count,
            created_at: signal.created_at,
        }
    }
}

/// Labels as stored (comma-joined) to a list.
pub fn split_labels(labels: &str) -> Vec<String> {
    labels.split(',').filter(|label| !label.is_empty()).map(str::to_owned).collect()
}

/// A page of signals.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SignalPageResponse {
    /// Signals in id order.
    pub signals: Vec<SignalResponse>,
    /// Pass as `after` for the next page; absent on the last.
    pub next_after: Option<i64>,
}

/// Paging of signals.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SignalPaging {
    /// Only signals with a larger id.
    pub after: Option<i64>,
    /// Page size, 1-10000 (default 1000).
    #[param(minimum = 1, maximum = 10_000)]
    pub limit: Option<u32>,
}

/// Options of a file import.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportOptions {
    /// `auto` (default), `lines`, `csv` (`value,quality,label...`) or `hma` (`signal_type value`).
    #[param(schema_with = names::import_format)]
    pub format: Option<String>,
    /// Import the valid lines even if some are invalid.
    #[serde(default)]
    pub skip_invalid: bool,
    /// Provenance recorded on every signal (an exchange or organisation name).
    #[param(max_length = 200, pattern = "{line_or_empty}")]
    pub source: Option<String>,
}

/// Changes to a signal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSignalRequest {
    /// Enable or disable it.
    pub enabled: bool,
}

/// The bank, if the caller may know it exists; 404 otherwise, like a bank that does not.
pub(super) async fn load_bank(state: &AppState, principal: &Principal, id: Uuid) -> ApiResult<Bank> {
    let bank = state.store.get_bank(BankId(id)).await?.0;
    if principal.may(Permission::SeeBank { owner: bank.organisation_id, visibility: bank.visibility }) {
        Ok(bank)
    } else {
        Err(ApiError::NotFound)
    }
}

/// A signal and its bank, if the caller may read that bank's signals; 404 otherwise (signal
/// ids of a bank one may only match against must not be enumerable).
async fn load_signal(state: &AppState, principal: &Principal, id: i64) -> ApiResult<(Signal, Bank)> {
    let signal = state.store.get_signal(id).await?;
    let bank = state.store.get_bank(BankId(signal.bank_id)).await?.0;
    if principal.may(Permission::ReadBankSignals { owner: bank.organisation_id, visibility: bank.visibility }) {
        Ok((signal, bank))
    } else {
        Err(ApiError::NotFound)
    }
}

pub(super) fn require_bank_manager(principal: &Principal, bank: &Bank) -> ApiResult<()> {
    require(principal, Permission::ManageBanks(bank.organisation_id))
}

/// List the banks the caller may see.
///
/// Its organisation's, and others' with `match` or `shared`
/// visibility (all of them for the operator's admins).
#[utoipa::path(get, path = "/v1/banks", tag = "banks",
    responses((status = 200, body = [BankResponse]), (status = 401, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
) -> ApiResult<Json<Vec<BankResponse>>> {
    require(&principal, Permission::Match)?;
    let banks = state.store.list_banks().await?;
    Ok(Json(
        banks
            .into_iter()
            .map(|(bank, _)| bank)
            .filter(|bank| {
                principal.may(Permission::SeeBank { owner: bank.organisation_id, visibility: bank.visibility })
            })
            .map(Into::into)
            .collect(),
    ))
}

/// Create a bank (admins and senior reviewers of its organisation).
#[utoipa::path(post, path = "/v1/banks", tag = "banks", request_body = CreateBankRequest,
    responses((status = 201, body = BankResponse), (status = 400, body = Problem),
              (status = 403, body = Problem), (status = 409, body = Problem)))]
async fn create(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiJson(request): ApiJson<CreateBankRequest>,
) -> ApiResult<(StatusCode, Json<BankResponse>)> {
    let owner = super::requested_organisation(&state, "organisation_id", request.organisation_id.as_deref())
        .await?
        .unwrap_or(principal.organisation_id);
    require(&principal, Permission::ManageBanks(owner))?;
    let draft = BankDraft {
        organisation_id: owner,
        name: &request.name,
        description: &request.description,
        signal_type: &request.signal_type,
        match_threshold: request.match_threshold,
        min_quality: request.min_quality,
        auto_action: request.auto_action,
        visibility: request.visibility.as_deref(),
    };
    let bank = state.store.insert_bank(&draft.validate()?, principal.actor).await?;
    state.engine.sync().await?;
    Ok((StatusCode::CREATED, Json(bank.into())))
}

/// One bank (404 if the caller may not see it).
#[utoipa::path(get, path = "/v1/banks/{id}", tag = "banks", params(("id" = Uuid, Path, description = "Bank id")),
    responses((status = 200, body = BankResponse), (status = 404, body = Problem)))]
async fn show(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<BankResponse>> {
    require(&principal, Permission::Match)?;
    Ok(Json(load_bank(&state, &principal, id).await?.into()))
}

/// Change a bank's settings, its visibility included (admins and senior reviewers of its
/// organisation, and the operator's admins; audited).
#[utoipa::path(patch, path = "/v1/banks/{id}", tag = "banks", request_body = UpdateBankRequest,
    params(("id" = Uuid, Path, description = "Bank id")),
    responses((status = 200, body = BankResponse), (status = 400, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
async fn update(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<UpdateBankRequest>,
) -> ApiResult<Json<BankResponse>> {
    let bank = load_bank(&state, &principal, id).await?;
    require_bank_manager(&principal, &bank)?;
    let change = checked_change(&bank, request)?;
    let bank = state.store.update_bank(bank.id, &change, principal.actor).await?;
    state.engine.sync().await?;
    Ok(Json(bank.into()))
}

/// The change `request` asks of `bank`, checked field by field (the API and the console).
pub(crate) fn checked_change(bank: &Bank, request: UpdateBankRequest) -> ApiResult<BankChange> {
    let visibility = request
        .visibility
        .as_deref()
        .map(BankVisibility::parse)
        .transpose()
        .map_err(|message| ApiError::field("visibility", message))?;
    if let Some(threshold) = request.match_threshold {
        if !bank.signal_type.is_perceptual() && threshold != 0 {
            return Err(ApiError::field("match_threshold", "must be 0: this signal type matches exactly"));
        }
        if threshold > 128 {
            return Err(ApiError::field("match_threshold", "must be at most 128"));
        }
    }
    if request.min_quality.is_some_and(|quality| quality > 100) {
        return Err(ApiError::field("min_quality", "must be between 0 and 100"));
    }
    let description = request
        .description
        .as_deref()
        .map(|description| bounded_text(description, 0, MAX_DESCRIPTION_CHARS))
        .transpose()
        .map_err(|message| ApiError::field("description", message))?;
    Ok(BankChange {
        enabled: request.enabled,
        match_threshold: request.match_threshold,
        min_quality: request.min_quality,
        auto_action: request.auto_action,
        description,
        visibility,
    })
}

/// A page of a bank's signals (export).
#[utoipa::path(get, path = "/v1/banks/{id}/signals", tag = "banks", params(("id" = Uuid, Path, description = "Bank id"), SignalPaging),
    responses((status = 200, body = SignalPageResponse), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
async fn list_signals(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(paging): ApiQuery<SignalPaging>,
) -> ApiResult<Json<SignalPageResponse>> {
    let bank = load_bank(&state, &principal, id).await?;
    require(&principal, Permission::ReadBankSignals { owner: bank.organisation_id, visibility: bank.visibility })?;
    let limit = paging.limit.unwrap_or(1000);
    if !(1..=10_000).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 10000"));
    }
    let signals = state.store.list_signals(bank.id, paging.after.unwrap_or(0), limit).await?;
    let next_after = (signals.len() == limit as usize).then(|| signals.last().map(|signal| signal.id)).flatten();
    Ok(Json(SignalPageResponse { signals: signals.into_iter().map(Into::into).collect(), next_after }))
}

/// Add signals as JSON.
///
/// All or nothing unless `skip_invalid`; duplicates are merged.
#[utoipa::path(post, path = "/v1/banks/{id}/signals", tag = "banks", request_body = AddSignalsRequest,
    params(("id" = Uuid, Path, description = "Bank id")),
    responses((status = 200, body = ImportResponse, description = "`applied` says whether anything was written"),
              (status = 422, body = ImportResponse, description = "invalid signals, nothing written"),
              (status = 400, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
async fn add_signals(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<AddSignalsRequest>,
) -> ApiResult<(StatusCode, Json<ImportResponse>)> {
    let bank = load_bank(&state, &principal, id).await?;
    require_bank_manager(&principal, &bank)?;
    if request.signals.is_empty() || request.signals.len() > MAX_SIGNALS_PER_REQUEST {
        return Err(ApiError::field("signals", format!("must hold 1 to {MAX_SIGNALS_PER_REQUEST} signals")));
    }
    let mut parsed = ParsedImport::default();
    let mut seen = std::collections::HashMap::new();
    for (index, input) in request.signals.into_iter().enumerate() {
        let item = index + 1;
        let checked = canonical_value(bank.signal_type, &input.value)
            .map_err(|message| format!("value: {message}"))
            .and_then(|value| {
                if input.quality.is_some_and(|quality| quality > 100) {
                    return Err("quality: must be between 0 and 100".to_owned());
                }
                let labels = parse_labels(&input.labels).map_err(|message| format!("labels: {message}"))?;
                let source = optional_text(input.source.as_deref(), MAX_ORIGIN_CHARS)
                    .map_err(|message| format!("source: {message}"))?;
                let external_id = optional_text(input.external_id.as_deref(), MAX_ORIGIN_CHARS)
                    .map_err(|message| format!("external_id: {message}"))?;
                Ok((value, labels, source, external_id))
            });
        match checked {
            Ok((value, labels, source, external_id)) => {
                let key = value_key(bank.signal_type, &value);
                if seen.insert(key.clone(), ()).is_some() {
                    parsed.duplicates += 1;
                    continue;
                }
                parsed.signals.push(ParsedSignal {
                    value,
                    value_key: key,
                    quality: input.quality,
                    labels,
                    source,
                    external_id,
                    enabled: true,
                    line: item,
                });
            }
            Err(message) => parsed.issues.push(LineIssue { line: item, message }),
        }
    }
    let import = SignalImport {
        bank: &bank,
        parsed,
        skip_invalid: request.skip_invalid,
        source: None,
        actor: principal.actor,
        origin: "api",
    };
    let report = app::import_signals(&state.store, import, &mut |_| {}).await?;
    if report.applied {
        state.engine.sync().await?;
    }
    let status =
        if report.applied || report.issues.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Json(report.into())))
}

/// Import a signal file.
///
/// A `text/plain` or `text/csv` body, up to the upload limit: one value per
/// line, CSV `value,quality,label...`, or `signal_type value` lines as python-threatexchange and
/// HMA write them. All or nothing unless `skip_invalid`.
#[utoipa::path(post, path = "/v1/banks/{id}/import", tag = "banks",
    params(("id" = Uuid, Path, description = "Bank id"), ImportOptions),
    request_body(content = String, content_type = "text/plain"),
    responses((status = 200, body = ImportResponse), (status = 422, body = ImportResponse, description = "invalid lines, nothing written"),
              (status = 400, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
async fn import(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(options): ApiQuery<ImportOptions>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<ImportResponse>)> {
    let bank = load_bank(&state, &principal, id).await?;
    require_bank_manager(&principal, &bank)?;
    let format = ImportFormat::parse(options.format.as_deref().unwrap_or("auto"))
        .map_err(|message| ApiError::field("format", message))?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::MalformedBody {
            detail: "the file is empty: send one signal per line".into(),
            field: None,
        });
    }
    let text = std::str::from_utf8(&body).map_err(|error| ApiError::MalformedBody {
        detail: format!("the file is not UTF-8 text (byte {})", error.valid_up_to()),
        field: None,
    })?;
    let source = optional_text(options.source.as_deref(), MAX_ORIGIN_CHARS)
        .map_err(|message| ApiError::field("source", message))?;
    let signal_type = bank.signal_type;
    let text = text.to_owned();
    let parsed = tokio::task::spawn_blocking(move || parse_signals(&text, signal_type, format))
        .await
        .map_err(|error| ApiError::Internal(anyhow::anyhow!("import parsing failed: {error}")))?;
    let import = SignalImport {
        bank: &bank,
        parsed,
        skip_invalid: options.skip_invalid,
        source: source.as_deref(),
        actor: principal.actor,
        origin: "api-file",
    };
    let report = app::import_signals(&state.store, import, &mut |_| {}).await?;
    if report.applied {
        state.engine.sync().await?;
    }
    let status =
        if report.applied || report.issues.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Json(report.into())))
}

/// The most images one `/v1/banks/{id}/media` request may add.
const MAX_IMAGES_PER_REQUEST: usize = 100;

/// The multipart body of `/v1/banks/{id}/media`, for the OpenAPI document: the handler reads
/// the parts one by one as they stream in.
#[derive(ToSchema)]
#[allow(dead_code)]
struct BankMediaUpload {
    /// An image (JPEG, PNG, GIF, WebP, BMP or TIFF); repeat the field for up to 100 images.
    #[schema(value_type = Vec<String>, format = Binary)]
    file: Vec<Vec<u8>>,
    /// A label for every signal (repeat for several), such as `content:propaganda_image`.
    label: Option<Vec<String>>,
    /// Provenance recorded on every signal (one field).
    source: Option<String>,
}

/// What `/v1/banks/{id}/media` added.
#[derive(Debug, Serialize, ToSchema)]
pub struct BankMediaResponse {
    /// One per file, in the order sent.
    pub images: Vec<app::AddedImage>,
}

/// Add images to a PDQ bank.
///
/// Upload images (multipart fields `file`, up to 100, each within the upload limit); each is
/// hashed with PDQ, as the reference does, and its hash stored as a signal with the file's name
/// as its external id, labelled with every `label` field. All or nothing: an image that cannot be
/// decoded is refused (400 naming `file`) and nothing is added. The files are not stored.
#[utoipa::path(post, path = "/v1/banks/{id}/media", tag = "banks",
    params(("id" = Uuid, Path, description = "Bank id")),
    request_body(content = BankMediaUpload, content_type = "multipart/form-data"),
    responses((status = 200, body = BankMediaResponse), (status = 400, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 413, body = Problem)))]
async fn add_media(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
    ApiMultipart(mut multipart): ApiMultipart,
) -> ApiResult<Json<BankMediaResponse>> {
    let bank = load_bank(&state, &principal, id).await?;
    require_bank_manager(&principal, &bank)?;
    // Refused before any image is read (`add_images` checks again).
    bank.check_takes_images().map_err(|message| ApiError::field("file", message))?;
    let (mut images, mut labels, mut source) = (Vec::new(), Vec::new(), None);
    while let Some(mut field) = multipart.next_field().await.map_err(crate::extract::multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "label" | "source" => {
                if name == "source" && source.is_some() {
                    return Err(repeated_field("source"));
                }
                let mut text = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(crate::extract::multipart_error)? {
                    text.extend_from_slice(&chunk);
                    if text.len() > MAX_ORIGIN_CHARS * 4 {
                        return Err(ApiError::field(&name, "is too long"));
                    }
                }
                let text = String::from_utf8(text).map_err(|_| ApiError::field(&name, "must be UTF-8 text"))?;
                if name == "label" {
                    labels.push(text);
                } else {
                    source = Some(text);
                }
            }
            "file" => {
                if images.len() == MAX_IMAGES_PER_REQUEST {
                    return Err(ApiError::field(
                        "file",
                        format!("at most {MAX_IMAGES_PER_REQUEST} images per request"),
                    ));
                }
                let file_name =
                    field.file_name().map(str::to_owned).unwrap_or_else(|| format!("image-{}", images.len() + 1));
                let _permit = state
                    .hashing_permits
                    .acquire()
                    .await
                    .map_err(|error| ApiError::Internal(anyhow::anyhow!("hashing permits closed: {error}")))?;
                let mut scratch =
                    state.intake.media.scratch().map_err(|error| ApiError::storage("a scratch file", error))?;
                while let Some(chunk) = field.chunk().await.map_err(crate::extract::multipart_error)? {
                    scratch.write(&chunk).map_err(|error| ApiError::storage("a scratch file", error))?;
                }
                let limits = state.settings.image_limits;
                let hashes = tokio::task::spawn_blocking(move || {
                    let file = std::fs::File::open(scratch.path())?;
                    std::io::Result::Ok(vigie_hash::hash_image_reader(std::io::BufReader::new(file), &limits))
                })
                .await
                .map_err(|error| ApiError::Internal(anyhow::anyhow!("hashing task failed: {error}")))?
                .map_err(|error| ApiError::storage("a scratch file", error))?
                .map_err(|error| {
                    ApiError::field("file", format!("{file_name}: cannot add this image (nothing was added): {error}"))
                })?;
                images.push(app::ImageToAdd { name: file_name, hashes });
            }
            _ => {}
        }
    }
    if images.is_empty() {
        return Err(ApiError::field("file", "send at least one image as a multipart field named `file`"));
    }
    let labels = parse_labels(&labels).map_err(|message| ApiError::field("label", message))?;
    let source =
        optional_text(source.as_deref(), MAX_ORIGIN_CHARS).map_err(|message| ApiError::field("source", message))?;
    let added =
        app::add_images(&state.store, &bank, &images, &labels, source.as_deref(), (principal.actor, "api-media"))
            .await?;
    state.engine.sync().await?;
    Ok(Json(BankMediaResponse { images: added }))
}

/// Enable or disable one signal; takes effect on this node at once.
#[utoipa::path(patch, path = "/v1/signals/{id}", tag = "banks", request_body = UpdateSignalRequest,
    params(("id" = i64, Path, description = "Signal id")),
    responses((status = 200, body = SignalResponse), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn update_signal(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<UpdateSignalRequest>,
) -> ApiResult<Json<SignalResponse>> {
    let (_, bank) = load_signal(&state, &principal, id).await?;
    require_bank_manager(&principal, &bank)?;
    let signal = state.store.set_signal_enabled(id, request.enabled, principal.actor).await?;
    state.engine.sync().await?;
    Ok(Json(signal.into()))
}

/// A reviewer's verdict on a match against a signal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignalFeedbackRequest {
    /// `confirmed` (the match was right) or `false_positive`.
    #[schema(schema_with = names::verdict)]
    pub verdict: String,
}

/// Record feedback on a signal (reviewers who may read it: the bank's organisation's, and
/// others' when the bank is shared): the counters help curators find signals that over-match.
#[utoipa::path(post, path = "/v1/signals/{id}/feedback", tag = "banks", request_body = SignalFeedbackRequest,
    params(("id" = i64, Path, description = "Signal id")),
    responses((status = 200, body = SignalResponse), (status = 400, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
async fn signal_feedback(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<SignalFeedbackRequest>,
) -> ApiResult<Json<SignalResponse>> {
    let confirmed = match request.verdict.as_str() {
        "confirmed" => true,
        "false_positive" => false,
        _ => return Err(ApiError::field("verdict", "must be confirmed or false_positive")),
    };
    // Anyone who may read the signal and reviews: its bank's organisation, and others when
    // the bank is shared (their verdicts help its curators too).
    load_signal(&state, &principal, id).await?;
    let reviews = [
        vigie_domain::access::Role::Reviewer,
        vigie_domain::access::Role::SeniorReviewer,
        vigie_domain::access::Role::Admin,
    ]
    .into_iter()
    .any(|role| principal.roles.contains(role));
    if !reviews {
        return Err(ApiError::Forbidden);
    }
    Ok(Json(state.store.record_signal_feedback(id, confirmed, principal.actor).await?.into()))
}
