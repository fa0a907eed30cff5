//! `/v1/audit`: reading and verifying the audit trail, and its signed checkpoints.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use vigie_domain::access::Permission;
use vigie_domain::audit::AuditEvent;
use vigie_domain::audit::checkpoint::{self, MAX_CHECKPOINT_BYTES, TrustedKeys};
use vigie_store::StoredCheckpoint;

use super::require;
use crate::AppState;
use crate::audit::{AuditVerification, CheckpointMode, CheckpointRefusal, KeptCheckpoint, make_checkpoint};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPrincipal, ApiQuery};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(verify, verify_against))
        .routes(routes!(list_checkpoints, create_checkpoint))
        .routes(routes!(latest_checkpoint))
        .routes(routes!(latest_checkpoint_note))
}

/// One audit event.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditEventResponse {
    /// Position in the chain, from 1.
    pub sequence: i64,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// `user`, `token`, `cli` or `system`.
    pub actor_kind: String,
    /// The user or token id, when the actor has one.
    pub actor_id: Option<Uuid>,
    /// The organisation the subject belongs to.
    pub organisation_id: Option<Uuid>,
    /// What happened, such as `user.create`.
    pub action: String,
    /// The kind of thing changed.
    pub subject_type: String,
    /// Its id.
    pub subject_id: String,
    /// Extra facts.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// Hash of the previous event.
    pub previous_hash: String,
    /// This event's hash: SHA-256 over the previous hash and every field, length-prefixed.
    pub hash: String,
}

impl From<AuditEvent> for AuditEventResponse {
    fn from(event: AuditEvent) -> Self {
        Self {
            sequence: event.sequence,
            recorded_at: event.recorded_at,
            actor_kind: event.record.actor.kind().into(),
            actor_id: event.record.actor.id(),
            organisation_id: event.record.organisation_id.map(|id| id.0),
            action: event.record.action,
            subject_type: event.record.subject_type,
            subject_id: event.record.subject_id,
            details: serde_json::from_str(&event.record.details).unwrap_or(serde_json::Value::Null),
            previous_hash: event.previous_hash,
            hash: event.hash,
        }
    }
}

/// A page of events, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditPageResponse {
    /// The events.
    pub events: Vec<AuditEventResponse>,
    /// Rows of this page that cannot be read as events (`GET /v1/audit/verify` says more).
    pub unreadable: Vec<UnreadableResponse>,
    /// Pass as `before` for the next, older page; absent at the start of the trail.
    pub next_before: Option<i64>,
}

/// A stored row that cannot be read.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UnreadableResponse {
    /// Its sequence number, when readable.
    pub sequence: Option<i64>,
    /// Which column is wrong.
    pub problem: String,
}

/// Filters for the audit list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditFilter {
    /// Only events about this organisation, by id or slug (default: the caller's; the
    /// operator's admins and auditors may pass `all`).
    #[param(max_length = 200, pattern = "{line}")]
    pub organisation_id: Option<String>,
    /// Only events older than this sequence number.
    pub before: Option<i64>,
    /// Page size, 1-500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// The result of re-computing the chain and checking its checkpoints.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChainReportResponse {
    /// True when every event verifies, the chain's end matches and every checkpoint holds.
    pub intact: bool,
    /// Events checked.
    pub events_checked: i64,
    /// Sequence number at the end of the verified chain.
    pub head_sequence: i64,
    /// Hash at the end of the verified chain.
    pub head_hash: String,
    /// The event of the first problem: the first event that does not verify, or the event a
    /// checkpoint vouches for that the chain no longer holds.
    pub first_break_sequence: Option<i64>,
    /// The first problem, in words.
    pub first_break_reason: Option<String>,
    /// Every problem found (at most 100), the chain's first break first.
    pub problems: Vec<AuditProblemResponse>,
    /// Problems found beyond those listed.
    pub problems_omitted: usize,
    /// Stored checkpoints in all.
    pub checkpoints_stored: i64,
    /// Stored checkpoints whose signature verifies and whose head the chain still holds.
    pub checkpoints_held: i64,
    /// False when this server trusts no public key: stored checkpoints were then compared with
    /// the chain without checking their signatures.
    pub signatures_checked: bool,
    /// The checkpoint sent to `POST /v1/audit/verify`, when it holds.
    pub checkpoint: Option<CheckpointResponse>,
}

/// Something that keeps the trail from verifying.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditProblemResponse {
    /// The event concerned.
    pub sequence: Option<i64>,
    /// `missing`, `unreadable`, `unlinked`, `altered`, `head-mismatch` (the chain), `truncated`,
    /// `rewritten`, `unconfirmed` (a checkpoint against the chain), `malformed-checkpoint`,
    /// `bad-signature`, `untrusted-key`, `unreadable-checkpoint` (a checkpoint itself).
    pub kind: String,
    /// What is wrong.
    pub message: String,
}

/// A signed checkpoint of the chain's head.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CheckpointResponse {
    /// Its id, when stored.
    pub id: Option<Uuid>,
    /// The log's name (the signing key's name).
    pub origin: String,
    /// The head's sequence number: the checkpoint vouches for events 1 to this one.
    pub sequence: i64,
    /// The head event's hash (hex).
    pub head_hash: String,
    /// When it was signed.
    pub signed_at: DateTime<Utc>,
    /// The signing key as `name+id`.
    pub key: Option<String>,
    /// The signing key's public key (`name+id+base64`) when this server trusts it; compare it
    /// with the one you obtained from the operator, never trust it because it is here.
    pub public_key: Option<String>,
    /// The signed note: the file to keep (`vigie audit verify --checkpoint FILE`).
    pub note: String,
}

impl CheckpointResponse {
    fn from_note(id: Option<Uuid>, note: &str, trusted: &TrustedKeys) -> Option<Self> {
        let (checkpoint, signers) = checkpoint::read_unverified(note).ok()?;
        let verified = checkpoint::open(note, trusted).ok();
        let public_key = verified.as_ref().and_then(|verified| {
            let (name, id) = verified.key.rsplit_once('+')?;
            trusted.verifier_key_of(name, u32::from_str_radix(id, 16).ok()?).map(str::to_owned)
        });
        Some(Self {
            id,
            origin: checkpoint.origin,
            sequence: checkpoint.sequence,
            head_hash: checkpoint.head_hash,
            signed_at: checkpoint.signed_at,
            key: verified.map(|verified| verified.key).or_else(|| signers.into_iter().next()),
            public_key,
            note: note.to_owned(),
        })
    }

    fn from_stored(stored: &StoredCheckpoint, trusted: &TrustedKeys) -> Option<Self> {
        Self::from_note(Some(stored.id), &stored.note, trusted)
    }
}

impl ChainReportResponse {
    /// The report for a reader of part of the trail: whether the whole chain holds and how many
    /// problems there are, without the events they are about (which may be another
    /// organisation's).
    fn without_event_details(self) -> Self {
        Self {
            first_break_sequence: None,
            first_break_reason: None,
            problems_omitted: self.problems.len() + self.problems_omitted,
            problems: Vec::new(),
            ..self
        }
    }

    fn from_verification(report: AuditVerification, trusted: &TrustedKeys) -> Self {
        let first = report.problems.first();
        Self {
            intact: report.intact(),
            events_checked: report.chain.events_checked,
            head_sequence: report.chain.head_sequence,
            head_hash: report.chain.head_hash.clone(),
            first_break_sequence: first.and_then(|problem| problem.sequence),
            first_break_reason: first.map(|problem| problem.message.clone()),
            problems: report
                .problems
                .iter()
                .map(|problem| AuditProblemResponse {
                    sequence: problem.sequence,
                    kind: problem.kind.to_owned(),
                    message: problem.message.clone(),
                })
                .collect(),
            problems_omitted: report.problems_omitted,
            checkpoints_stored: report.stored_total,
            checkpoints_held: report.stored_held,
            signatures_checked: !report.signatures_unchecked,
            checkpoint: report
                .kept_held
                .first()
                .and_then(|held| CheckpointResponse::from_note(None, &held.note, trusted)),
        }
    }
}

/// A checkpoint to check the trail against.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// A signed checkpoint kept outside the database, as issued (the `note` of a checkpoint).
    pub checkpoint: String,
}

/// Filters for the checkpoint list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CheckpointFilter {
    /// Only checkpoints of events before this sequence number.
    pub before: Option<i64>,
    /// Page size, 1-500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// Stored checkpoints, latest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CheckpointPageResponse {
    /// The checkpoints.
    pub checkpoints: Vec<CheckpointResponse>,
    /// Stored rows that cannot be read.
    pub unreadable: Vec<UnreadableResponse>,
    /// Pass as `before` for the next, older page.
    pub next_before: Option<i64>,
}

/// Audit events, newest first (auditors and admins; the operator's see everything).
#[utoipa::path(get, path = "/v1/audit", tag = "audit", params(AuditFilter),
    responses((status = 200, body = AuditPageResponse), (status = 403, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiQuery(filter): ApiQuery<AuditFilter>,
) -> ApiResult<Json<AuditPageResponse>> {
    let scope = super::organisation_scope(&state, &principal, filter.organisation_id.as_deref()).await?;
    require(&principal, Permission::ReadAudit(scope))?;
    let limit = filter.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 500"));
    }
    let page = state.store.list_audit_events(scope, filter.before, limit).await?;
    Ok(Json(AuditPageResponse {
        events: page.events.into_iter().map(Into::into).collect(),
        unreadable: page
            .unreadable
            .into_iter()
            .map(|bad| UnreadableResponse { sequence: Some(bad.sequence), problem: bad.problem })
            .collect(),
        next_before: page.next_before,
    }))
}

/// Verify the audit chain and its stored checkpoints.
///
/// Re-compute every hash of the chain and check the stored checkpoints against it (every
/// reader of the trail: the operator's auditors and admins, and each organisation's). A damaged
/// trail is a report with `intact: false`, not an error; the event where it breaks, which may be
/// another organisation's, is named to readers of the whole trail only.
#[utoipa::path(get, path = "/v1/audit/verify", tag = "audit",
    responses((status = 200, body = ChainReportResponse), (status = 403, body = Problem)))]
async fn verify(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
) -> ApiResult<Json<ChainReportResponse>> {
    let whole_trail = principal.may(Permission::ReadAudit(None));
    require(&principal, Permission::ReadAudit((!whole_trail).then_some(principal.organisation_id)))?;
    let trusted = state.audit_keys.trusted();
    let report = crate::audit::verify(&state.store, trusted, &[]).await?;
    let response = ChainReportResponse::from_verification(report, trusted);
    Ok(Json(if whole_trail { response } else { response.without_event_details() }))
}

/// Verify the audit chain against a checkpoint kept outside Vigie.
///
/// As `GET` (and for the same readers), and also check a checkpoint kept outside the database: its signature (by a key
/// this server trusts), then that the chain still holds its head. A truncation or a rewrite
/// since it was signed is reported as `truncated` or `rewritten`; a forged or altered
/// checkpoint as `bad-signature`, one from another key as `untrusted-key`.
#[utoipa::path(post, path = "/v1/audit/verify", tag = "audit", request_body = VerifyRequest,
    responses((status = 200, body = ChainReportResponse), (status = 400, body = Problem), (status = 403, body = Problem)))]
async fn verify_against(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiJson(request): ApiJson<VerifyRequest>,
) -> ApiResult<Json<ChainReportResponse>> {
    let whole_trail = principal.may(Permission::ReadAudit(None));
    require(&principal, Permission::ReadAudit((!whole_trail).then_some(principal.organisation_id)))?;
    if request.checkpoint.len() > MAX_CHECKPOINT_BYTES {
        return Err(ApiError::field("checkpoint", format!("must be at most {MAX_CHECKPOINT_BYTES} bytes")));
    }
    let trusted = state.audit_keys.trusted();
    let kept = [KeptCheckpoint { source: "request".into(), note: request.checkpoint }];
    let report = crate::audit::verify(&state.store, trusted, &kept).await?;
    let response = ChainReportResponse::from_verification(report, trusted);
    Ok(Json(if whole_trail { response } else { response.without_event_details() }))
}

/// Stored checkpoints of the chain's head, latest first (the operator's auditors and admins).
#[utoipa::path(get, path = "/v1/audit/checkpoints", tag = "audit", params(CheckpointFilter),
    responses((status = 200, body = CheckpointPageResponse), (status = 403, body = Problem)))]
async fn list_checkpoints(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiQuery(filter): ApiQuery<CheckpointFilter>,
) -> ApiResult<Json<CheckpointPageResponse>> {
    require(&principal, Permission::ReadAudit(None))?;
    let limit = filter.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 500"));
    }
    let rows = state.store.list_audit_checkpoints(filter.before, limit).await?;
    let trusted = state.audit_keys.trusted();
    let next_before = if rows.len() as u32 == limit {
        rows.iter().filter_map(|row| row.as_ref().ok().map(|stored| stored.sequence)).min()
    } else {
        None
    };
    let mut page = CheckpointPageResponse { checkpoints: Vec::new(), unreadable: Vec::new(), next_before };
    for row in rows {
        match row {
            Ok(stored) => match CheckpointResponse::from_stored(&stored, trusted) {
                Some(checkpoint) => page.checkpoints.push(checkpoint),
                None => page.unreadable.push(UnreadableResponse {
                    sequence: Some(stored.sequence),
                    problem: "its note is not a checkpoint".into(),
                }),
            },
            Err(bad) => page.unreadable.push(UnreadableResponse { sequence: bad.sequence, problem: bad.problem }),
        }
    }
    Ok(Json(page))
}

/// Sign a checkpoint of the chain's head now.
///
/// Signed after checking that the chain verifies from the
/// latest checkpoint (the operator's auditors and admins). Keep its `note` outside Vigie.
#[utoipa::path(post, path = "/v1/audit/checkpoints", tag = "audit",
    responses((status = 201, body = CheckpointResponse), (status = 403, body = Problem),
              (status = 409, body = Problem, description = "no signing key, an empty trail, or a chain that does not verify")))]
async fn create_checkpoint(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
) -> ApiResult<impl IntoResponse> {
    require(&principal, Permission::ReadAudit(None))?;
    let refused = |slug: &'static str, detail: String| ApiError::Conflict { slug, detail, field: None };
    let stored = match make_checkpoint(&state.store, &state.audit_keys, CheckpointMode::Always).await {
        Ok(Some(stored)) => stored,
        Ok(None) => return Err(ApiError::Internal(anyhow::anyhow!("an on-demand checkpoint was not stored"))),
        Err(CheckpointRefusal::Store(error)) => return Err(error.into()),
        Err(error @ CheckpointRefusal::NoKey) => return Err(refused("no-signing-key", error.to_string())),
        Err(error @ CheckpointRefusal::Empty) => return Err(refused("empty-trail", error.to_string())),
        Err(error @ CheckpointRefusal::ChainBroken(_)) => return Err(refused("chain-broken", error.to_string())),
    };
    let response = CheckpointResponse::from_stored(&stored, state.audit_keys.trusted())
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("a checkpoint just signed does not read back")))?;
    Ok((StatusCode::CREATED, Json(response)))
}

async fn latest_stored(state: &AppState) -> ApiResult<StoredCheckpoint> {
    let rows = state.store.list_audit_checkpoints(None, 20).await?;
    rows.into_iter().flatten().next().ok_or(ApiError::NotFound)
}

/// The latest stored checkpoint (404 when there is none yet).
#[utoipa::path(get, path = "/v1/audit/checkpoints/latest", tag = "audit",
    responses((status = 200, body = CheckpointResponse), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn latest_checkpoint(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
) -> ApiResult<Json<CheckpointResponse>> {
    require(&principal, Permission::ReadAudit(None))?;
    let stored = latest_stored(&state).await?;
    let response = CheckpointResponse::from_stored(&stored, state.audit_keys.trusted()).ok_or(ApiError::NotFound)?;
    Ok(Json(response))
}

/// The latest stored checkpoint as a file to keep.
///
/// The signed note itself, as `text/plain`.
#[utoipa::path(get, path = "/v1/audit/checkpoints/latest/note", tag = "audit",
    responses((status = 200, body = String, content_type = "text/plain"), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
async fn latest_checkpoint_note(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
) -> ApiResult<impl IntoResponse> {
    require(&principal, Permission::ReadAudit(None))?;
    let stored = latest_stored(&state).await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], stored.note))
}
