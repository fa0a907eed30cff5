//! `/v1/audit`: reading and verifying the audit trail.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use vigie_domain::access::Permission;
use vigie_domain::audit::AuditEvent;
use vigie_domain::ids::OrganisationId;

use super::require;
use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiPrincipal, ApiQuery};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list)).routes(routes!(verify))
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
    /// Pass as `before` for the next, older page; absent at the start of the trail.
    pub next_before: Option<i64>,
}

/// Filters for the audit list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditFilter {
    /// Only events about this organisation (default: the caller's; the operator's admins and
    /// auditors may pass `all`).
    pub organisation_id: Option<String>,
    /// Only events older than this sequence number.
    pub before: Option<i64>,
    /// Page size, 1-500 (default 100).
    pub limit: Option<u32>,
}

/// The result of re-computing the chain.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChainReportResponse {
    /// True when every event verifies and the chain's end matches.
    pub intact: bool,
    /// Events checked.
    pub events_checked: i64,
    /// Hash at the end of the verified chain.
    pub head_hash: String,
    /// Sequence number of the first event that does not verify.
    pub first_break_sequence: Option<i64>,
    /// Why it does not verify.
    pub first_break_reason: Option<String>,
}

/// Audit events, newest first (auditors and admins; the operator's see everything).
#[utoipa::path(get, path = "/v1/audit", tag = "audit", params(AuditFilter),
    responses((status = 200, body = AuditPageResponse), (status = 403, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiQuery(filter): ApiQuery<AuditFilter>,
) -> ApiResult<Json<AuditPageResponse>> {
    let scope = match filter.organisation_id.as_deref() {
        None => Some(principal.organisation_id),
        Some("all") => None,
        Some(text) => Some(
            text.parse::<OrganisationId>()
                .map_err(|_| ApiError::field("organisation_id", "must be an organisation id or `all`"))?,
        ),
    };
    require(&principal, Permission::ReadAudit(scope))?;
    let limit = filter.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 500"));
    }
    let page = state.store.list_audit_events(scope, filter.before, limit).await?;
    Ok(Json(AuditPageResponse {
        events: page.events.into_iter().map(Into::into).collect(),
        next_before: page.next_before,
    }))
}

/// Re-compute every hash of the chain (the operator's auditors and admins).
#[utoipa::path(get, path = "/v1/audit/verify", tag = "audit",
    responses((status = 200, body = ChainReportResponse), (status = 403, body = Problem)))]
async fn verify(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
) -> ApiResult<Json<ChainReportResponse>> {
    require(&principal, Permission::ReadAudit(None))?;
    let report = state.store.verify_audit_chain().await?;
    Ok(Json(ChainReportResponse {
        intact: report.first_break.is_none(),
        events_checked: report.events_checked,
        head_hash: report.head_hash,
        first_break_sequence: report.first_break.as_ref().map(|chain_break| chain_break.sequence),
        first_break_reason: report.first_break.map(|chain_break| chain_break.reason.to_owned()),
    }))
}
