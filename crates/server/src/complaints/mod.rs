//! Complaints against decisions: filed by the platform for its uploader (API) or by the
//! uploader through the statement of reasons' link, answered by another reviewer (a senior one
//! when a removal order is behind the decision). Shared by the API (`api::complaints`), the
//! statement page and the console's queue.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use vigie_domain::access::{Permission, Principal};
use vigie_domain::complaints::{ComplaintChannel, ComplaintStatus, MAX_REASONS_CHARS, check_complaint};
use vigie_domain::ids::{ComplaintId, DecisionId};
use vigie_domain::validate::bounded_paragraphs;
use vigie_store::{ComplaintRecord, DecisionRecord};

use crate::AppState;
use crate::api::openapi::names;
use crate::error::{ApiError, ApiResult};
use crate::review::wire::ActorView;

/// `POST /v1/decisions/{id}/complaints`.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintRequest {
    /// Why the decision is wrong, in the uploader's words.
    #[schema(max_length = 5000)]
    pub reasons: Option<String>,
}

/// `POST /v1/complaints/{id}/decision`.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintDecisionRequest {
    /// `upheld` (the decision stands) or `reversed` (the content is reinstated).
    #[schema(schema_with = names::complaint_outcome_or_null)]
    pub outcome: Option<String>,
    /// Why, told to the complainant.
    #[schema(max_length = 5000)]
    pub reasons: Option<String>,
}

/// `POST /v1/decisions/{id}/annulment`.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnulmentRequest {
    /// `cross_border_scrutiny` (TCO Art. 4: the authority of the member state of establishment
    /// found the order infringes the Regulation or fundamental rights) or `court`.
    #[schema(schema_with = names::annulment_source_or_null)]
    pub source: Option<String>,
    /// The ruling's reference (file number, date).
    #[schema(max_length = 200)]
    pub reference: Option<String>,
    /// What it says, as the sender and the uploader will read it.
    #[schema(max_length = 5000)]
    pub explanation: Option<String>,
}

/// A complaint and where it stands.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ComplaintView {
    /// Its id.
    pub id: Uuid,
    /// The decision complained about.
    pub decision: Uuid,
    /// Its case.
    pub case: Uuid,
    /// `dsa_art20` or `tco_art10` (a removal order is behind the decision).
    #[schema(schema_with = names::complaint_kind)]
    pub kind: String,
    /// `platform` (forwarded by API) or `statement_link` (the uploader, through the statement).
    #[schema(schema_with = names::complaint_channel)]
    pub channel: String,
    /// The complainant's reasons.
    pub reasons: String,
    /// When it came in.
    pub received_at: DateTime<Utc>,
    /// When it must be answered (two weeks).
    pub due_at: DateTime<Utc>,
    /// `open`, `upheld` or `reversed`.
    #[schema(schema_with = names::complaint_status)]
    pub status: String,
    /// Who answered.
    pub handled_by: Option<ActorView>,
    /// When.
    pub handled_at: Option<DateTime<Utc>>,
    /// The answer's reasons.
    pub outcome_reasons: Option<String>,
    /// The decision that reversed the one complained about (it reinstates the content).
    pub reversal_decision: Option<Uuid>,
}

impl From<ComplaintRecord> for ComplaintView {
    fn from(record: ComplaintRecord) -> Self {
        Self {
            id: record.id.0,
            decision: record.decision_id.0,
            case: record.case_id.0,
            kind: record.kind.as_str().to_owned(),
            channel: record.channel.as_str().to_owned(),
            reasons: record.reasons,
            received_at: record.received_at,
            due_at: record.due_at,
            status: record.status.as_str().to_owned(),
            handled_by: record.handled_by.map(ActorView::from),
            handled_at: record.handled_at,
            outcome_reasons: record.outcome_reasons,
            reversal_decision: record.reversal_decision_id.map(|id| id.0),
        }
    }
}

/// Files a complaint about `decision` through `channel`, checked against its six-month window.
/// The caller has checked who may file it.
pub async fn file(
    state: &AppState,
    decision: &DecisionRecord,
    channel: ComplaintChannel,
    reasons: Option<&str>,
    actor: vigie_domain::access::Actor,
) -> ApiResult<ComplaintRecord> {
    if !decision.kind.restricts() {
        return Err(ApiError::field(
            "decision",
            "restricts nothing: only removals, restrictions and labels can be contested by their uploader",
        ));
    }
    let decided_at = decision.reviewed_at.unwrap_or(decision.created_at);
    let reasons = check_complaint(reasons, decided_at, state.store.now())?;
    Ok(state.store.file_complaint(decision.id, channel, &reasons, actor).await?)
}

/// The platform forwards its uploader's complaint: its case handlers (reviewers, senior
/// reviewers, admins) or their tokens.
pub async fn file_for_uploader(
    state: &AppState,
    principal: &Principal,
    decision: DecisionId,
    request: &ComplaintRequest,
) -> ApiResult<ComplaintRecord> {
    let decision = state.store.get_decision(decision).await?;
    crate::review::readable_case(state, principal, decision.case_id).await?;
    if !principal.may(Permission::HandleCases(decision.platform_id)) {
        return Err(ApiError::Forbidden);
    }
    file(state, &decision, ComplaintChannel::Platform, request.reasons.as_deref(), principal.actor).await
}

/// A complaint the principal may read: another platform's answers 404.
pub async fn readable(state: &AppState, principal: &Principal, id: ComplaintId) -> ApiResult<ComplaintRecord> {
    let complaint = state.store.get_complaint(id).await?;
    crate::review::readable_case(state, principal, complaint.case_id).await?;
    Ok(complaint)
}

/// A reviewer answers a complaint.
pub async fn decide(
    state: &AppState,
    principal: &Principal,
    id: ComplaintId,
    request: &ComplaintDecisionRequest,
) -> ApiResult<ComplaintRecord> {
    let complaint = readable(state, principal, id).await?;
    if !principal.may(Permission::DecideCases(complaint.platform_id)) {
        return Err(ApiError::Forbidden);
    }
    let mut checker = vigie_domain::validate::Checker::default();
    let outcome = match request.outcome.as_deref() {
        None => {
            checker.push("outcome", "is required: upheld or reversed");
            None
        }
        Some(text) => checker.check("outcome", ComplaintStatus::parse_outcome(text)),
    };
    let reasons = match request.reasons.as_deref() {
        None => {
            checker.push("reasons", "is required: the complainant is told why");
            None
        }
        Some(text) => checker.check("reasons", bounded_paragraphs(text, 1, MAX_REASONS_CHARS)),
    };
    let (Some(outcome), Some(reasons)) = (outcome, reasons) else {
        return Err(ApiError::Validation(checker.into_error()));
    };
    let senior = principal.may(Permission::SeniorDecisions(complaint.platform_id));
    let decided = state.store.decide_complaint(id, outcome, &reasons, principal.actor, senior).await?;
    // A reversal queued its `reinstate` and the senders' outcome events.
    state.deliveries.notify_one();
    Ok(decided)
}

/// Records that a decision was annulled outside the platform (a cross-border scrutiny, a
/// court): a senior reviewer of the platform records it, and the content is reinstated.
/// Returns the decision that replaces the annulled one.
pub async fn annul(
    state: &AppState,
    principal: &Principal,
    decision: DecisionId,
    request: &AnnulmentRequest,
) -> ApiResult<DecisionRecord> {
    let annulled = state.store.get_decision(decision).await?;
    crate::review::readable_case(state, principal, annulled.case_id).await?;
    if !principal.may(Permission::SeniorDecisions(annulled.platform_id)) {
        return Err(ApiError::Forbidden);
    }
    if !annulled.kind.restricts() {
        return Err(ApiError::field("decision", "restricts nothing: there is nothing to reinstate"));
    }
    let mut checker = vigie_domain::validate::Checker::default();
    let source = match request.source.as_deref() {
        None => {
            checker.push("source", "is required: cross_border_scrutiny or court");
            None
        }
        Some(text) => checker.check("source", vigie_domain::complaints::AnnulmentSource::parse(text)),
    };
    let reference = match request.reference.as_deref() {
        None => {
            checker.push("reference", "is required: the ruling's reference");
            None
        }
        Some(text) => checker.check("reference", vigie_domain::validate::bounded_text(text, 1, 200)),
    };
    let explanation = match request.explanation.as_deref() {
        None => {
            checker.push("explanation", "is required: what the ruling says");
            None
        }
        Some(text) => checker.check("explanation", bounded_paragraphs(text, 1, MAX_REASONS_CHARS)),
    };
    let (Some(source), Some(reference), Some(explanation)) = (source, reference, explanation) else {
        return Err(ApiError::Validation(checker.into_error()));
    };
    let explanation = format!("{reference}: {explanation}");
    let replacement = state.store.annul_decision(decision, source, &explanation, principal.actor).await?;
    state.deliveries.notify_one();
    Ok(state.store.get_decision(replacement).await?)
}
