//! Actions on the wire: the events sent to webhook endpoints, the API's views of actions,
//! endpoints and deliveries, confirmations, and a submission's outcome as its sender sees it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use vigie_store::{ActionRecord, DeliveryRecord, WebhookEndpoint};

use crate::api::openapi::names;
use crate::review::wire::{ActorView, GroundView};

/// A submission an action answers (a removal order, a notice…), as the platform needs it to
/// act and to answer its sender.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ActionSubmissionView {
    /// The submission.
    pub id: Uuid,
    /// Its short number.
    pub number: String,
    /// Its kind.
    #[schema(schema_with = names::submission_kind)]
    pub kind: String,
    /// The sender's reference (a removal order's number).
    pub reference: Option<String>,
    /// The sending organisation (null: anonymous report).
    pub submitter: Option<Uuid>,
    /// When Vigie received it.
    pub received_at: DateTime<Utc>,
    /// Its deadline, when it has one running.
    pub due_at: Option<DateTime<Utc>>,
}

/// A stored file an action is about, by its digests (the platform finds its copies by them).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ActionMediaView {
    /// SHA-256, hex.
    pub sha256: String,
    /// MD5, hex.
    pub md5: String,
    /// `image`, `video` or `other`.
    pub media_type: String,
    /// PDQ hash (images), to find near-identical copies.
    pub pdq: Option<String>,
}

/// What an action asks, fixed when it is made: the body of its webhook event (`data`) and the
/// first part of its view.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ActionDetails {
    /// The action: name it when confirming (`POST /v1/actions/{id}/confirm`).
    pub id: Uuid,
    /// What to do.
    #[schema(schema_with = names::action_kind)]
    pub kind: String,
    /// The platform that must do it.
    pub platform: Uuid,
    /// The case whose content it is about.
    pub case: Uuid,
    /// The decision that asks for it.
    pub decision: Uuid,
    /// When the decision asked for it.
    pub created_at: DateTime<Utc>,
    /// Countries where access is disabled (`restrict`), ISO 3166-1 alpha-2.
    pub territorial_scope: Vec<String>,
    /// The label to show (`label`).
    pub label: Option<String>,
    /// The counter-speech to attach (`attach_counter_speech`).
    pub counter_speech: Option<String>,
    /// What the decision rests on (null for a reinstatement after a decision without one).
    pub ground: Option<GroundView>,
    /// The facts relied on.
    pub facts: String,
    /// The content was detected by automated means.
    pub automated_detection: bool,
    /// The decision was taken by automated means.
    pub automated_decision: bool,
    /// The content's addresses, as reported.
    pub urls: Vec<String>,
    /// The content's files held by Vigie.
    pub media: Vec<ActionMediaView>,
    /// The submissions it answers.
    pub submissions: Vec<ActionSubmissionView>,
    /// The statement of reasons' public page (DSA Art. 17; TCO Art. 11), for a removal,
    /// restriction or label: pass it to the uploader (`?lang=fr` for French). For a removal
    /// order under non-disclosure (TCO Art. 11(3)) the page says nothing until that ends.
    pub statement_of_reasons: Option<String>,
    /// Where to confirm it (a path of this API).
    pub confirm_url: String,
}

/// A platform's confirmation, as recorded.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ConfirmationView {
    /// What it did.
    #[schema(schema_with = names::execution_outcome)]
    pub outcome: String,
    /// When it acted.
    pub executed_at: DateTime<Utc>,
    /// Why not, or not all.
    pub reason: Option<String>,
    /// When Vigie received the confirmation.
    pub confirmed_at: DateTime<Utc>,
    /// Who confirmed.
    pub confirmed_by: ActorView,
}

/// An action and where it stands.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ActionView {
    /// What it asks.
    #[serde(flatten)]
    pub details: ActionDetails,
    /// `pending`, `delivered` (a webhook endpoint acknowledged it), `confirmed` or `failed`
    /// (every delivery given up after the retry period, not confirmed).
    #[schema(schema_with = names::action_status)]
    pub status: String,
    /// When a webhook endpoint first acknowledged it.
    pub delivered_at: Option<DateTime<Utc>>,
    /// When its deliveries were given up.
    pub failed_at: Option<DateTime<Utc>>,
    /// The platform's confirmation.
    pub confirmation: Option<ConfirmationView>,
}

/// A page of actions.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ActionPage {
    /// The actions, in the order they were asked for.
    pub actions: Vec<ActionView>,
    /// Pass as `cursor` for the next page; null when this page is the last for now.
    pub next_cursor: Option<Uuid>,
}

/// Filters for `GET /v1/actions`.
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActionQuery {
    /// Only actions in this status.
    #[param(schema_with = names::action_status_or_null)]
    pub status: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<Uuid>,
    /// The platform whose actions to list (id or short name); the caller's by default. The
    /// operator's auditors and admins may name any.
    pub platform: Option<String>,
    /// At most this many (1 to 500, default 100).
    pub limit: Option<u32>,
}

/// `POST /v1/actions/{id}/confirm`.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmRequest {
    /// Required: `executed`, `partially_executed` or `failed`.
    #[schema(schema_with = names::execution_outcome_or_null)]
    pub outcome: Option<String>,
    /// Required: when the platform acted (RFC 3339); for `failed`, when it gave up. Not in the
    /// future, not before the action.
    pub executed_at: Option<DateTime<Utc>>,
    /// Why not, or not all: required unless `executed`.
    pub reason: Option<String>,
}

/// An event as posted to a webhook endpoint. Headers: `webhook-id` (the event id, the same at
/// every attempt: drop repeats), `webhook-timestamp` (Unix seconds) and `webhook-signature`
/// (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body` with the endpoint's secret, Standard
/// Webhooks; two signatures while a rotated secret's overlap runs).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EventEnvelope<T> {
    /// The event type: an action's kind, or `submission.outcome`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// When the event was made.
    pub timestamp: DateTime<Utc>,
    /// The action, or the submission's outcome.
    pub data: T,
}

/// `POST /v1/organisations/{id}/webhooks`.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookRequest {
    /// Where to post events: `https://` (or `http://` on a private network the operator allows).
    #[schema(max_length = 2000)]
    pub url: Option<String>,
    /// What to send: action kinds (`remove`, `restrict`, `label`, `attach_counter_speech`,
    /// `reinstate`) for a platform, `submission.outcome` for a sender.
    #[schema(schema_with = names::event_types)]
    pub event_types: Option<Vec<String>>,
    /// What it is for.
    #[schema(max_length = 200)]
    pub description: Option<String>,
}

/// `POST /v1/webhooks/{id}/rotate-secret`.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateRequest {
    /// How long the old secret keeps signing too, in hours (0 to 168, default 24).
    pub overlap_hours: Option<u32>,
}

/// A webhook endpoint. The secret appears once, in the answer that made it (creation or
/// rotation).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookView {
    /// Its id.
    pub id: Uuid,
    /// Whose.
    pub organisation: Uuid,
    /// Where events go.
    pub url: String,
    /// What it receives.
    #[schema(schema_with = names::event_types)]
    pub event_types: Vec<String>,
    /// What it is for.
    pub description: String,
    /// Disabled endpoints receive nothing.
    pub enabled: bool,
    /// Until when the previous secret signs too, after a rotation.
    pub previous_secret_until: Option<DateTime<Utc>>,
    /// The signing secret (`whsec_…`): only in the answer that made it. Keep it; it is not
    /// shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

impl WebhookView {
    /// The view of `endpoint`, with its secret when `show_secret`.
    pub fn of(endpoint: &WebhookEndpoint, show_secret: bool) -> Self {
        Self {
            id: endpoint.id.0,
            organisation: endpoint.organisation_id.0,
            url: endpoint.url.clone(),
            event_types: endpoint.event_types.iter().map(|kind| kind.as_str().to_owned()).collect(),
            description: endpoint.description.clone(),
            enabled: endpoint.enabled,
            previous_secret_until: endpoint.previous_secret.as_ref().map(|(_, until)| *until),
            secret: show_secret.then(|| endpoint.secret.clone()),
            created_at: endpoint.created_at,
        }
    }
}

/// One event sent (or being sent) to an endpoint.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct DeliveryView {
    /// The event id (`webhook-id`).
    pub event: Uuid,
    /// Its type.
    #[schema(schema_with = names::event_type)]
    pub event_type: String,
    /// The action it carries.
    pub action: Option<Uuid>,
    /// `pending`, `delivered` or `failed`.
    #[schema(schema_with = names::delivery_status)]
    pub status: String,
    /// Attempts so far.
    pub attempts: i64,
    /// When the next attempt is due, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The last answer's HTTP status.
    pub last_status: Option<i64>,
    /// The last failure.
    pub last_error: Option<String>,
    /// When it was acknowledged.
    pub delivered_at: Option<DateTime<Utc>>,
    /// When it was given up.
    pub failed_at: Option<DateTime<Utc>>,
    /// When the event was made.
    pub created_at: DateTime<Utc>,
}

impl From<DeliveryRecord> for DeliveryView {
    fn from(record: DeliveryRecord) -> Self {
        Self {
            event: record.event_id.0,
            event_type: record.event_type.as_str().to_owned(),
            action: record.action_id.map(|id| id.0),
            next_attempt_at: (record.status == "pending").then_some(record.next_attempt_at),
            status: record.status,
            attempts: record.attempts,
            last_status: record.last_status,
            last_error: record.last_error,
            delivered_at: record.delivered_at,
            failed_at: record.failed_at,
            created_at: record.created_at,
        }
    }
}

/// An action as its submission's sender sees it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct OutcomeActionView {
    /// The action.
    pub id: Uuid,
    /// What the platform was asked to do.
    #[schema(schema_with = names::action_kind)]
    pub kind: String,
    /// Where it stands.
    #[schema(schema_with = names::action_status)]
    pub status: String,
    /// When it was asked for.
    pub created_at: DateTime<Utc>,
    /// Countries of a restriction.
    pub territorial_scope: Vec<String>,
    /// What the platform said it did.
    #[schema(schema_with = names::execution_outcome_or_null)]
    pub outcome: Option<String>,
    /// When it acted.
    pub executed_at: Option<DateTime<Utc>>,
    /// Why not, or not all.
    pub reason: Option<String>,
}

impl From<&ActionRecord> for OutcomeActionView {
    fn from(action: &ActionRecord) -> Self {
        Self {
            id: action.id.0,
            kind: action.kind.as_str().to_owned(),
            status: action.status.as_str().to_owned(),
            created_at: action.created_at,
            territorial_scope: action.territorial_scope.clone(),
            outcome: action.confirmation.as_ref().map(|c| c.outcome.as_str().to_owned()),
            executed_at: action.confirmation.as_ref().map(|c| c.executed_at),
            reason: action.confirmation.as_ref().and_then(|c| c.reason.clone()),
        }
    }
}

/// The decision in force on a submission's content, as its sender is told (DSA Art. 16(5)).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct OutcomeDecisionView {
    /// The decision.
    pub id: Uuid,
    /// What was decided.
    #[schema(schema_with = names::decision_kind)]
    pub kind: String,
    /// When it came into force.
    pub decided_at: DateTime<Utc>,
    /// What it rests on.
    pub ground: Option<GroundView>,
    /// Countries of a restriction.
    pub territorial_scope: Vec<String>,
    /// Why the platform cannot comply (`cannot_comply`).
    pub reason: Option<String>,
    /// Why: the ground's explanation, or the explanation of a decision without one (a reversal
    /// says what the complaint, scrutiny or court found).
    pub explanation: String,
    /// Decided by automated means.
    pub automated_decision: bool,
}

/// TCO Regulation: what a removal order's issuing authority is owed. Annex II (the platform
/// removed or disabled the content, and when) or Annex III (it cannot comply, and why).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TcoFeedbackView {
    /// `annex_ii` (removal confirmed) or `annex_iii` (cannot comply).
    #[schema(schema_with = names::tco_annex)]
    pub annex: String,
    /// Annex II: when the content was removed or disabled, as the platform confirmed.
    pub removed_at: Option<DateTime<Utc>>,
    /// Annex II: `removed` or `disabled` (restricted in some countries).
    pub measure: Option<String>,
    /// Annex III: the reason (`force_majeure`, `manifest_error`, `insufficient_information`,
    /// or the platform's own words when a removal failed).
    pub reason: Option<String>,
    /// Seconds from Vigie's receipt of the order to the removal.
    pub seconds_from_receipt: Option<i64>,
    /// True when the removal came within the hour of TCO Art. 3(3).
    pub within_one_hour: Option<bool>,
    /// When the content was reinstated afterwards (a complaint, a scrutiny or a court reversed
    /// the decision): the time the reinstatement was asked of the platform.
    pub reinstated_at: Option<DateTime<Utc>>,
}

/// What became of a submission, for its sender (and the platform).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct OutcomeView {
    /// `in_review` (no decision yet), `decided` (decided, nothing confirmed yet), `executed`,
    /// `partially_executed` or `not_executed` (the platform's confirmation of the latest
    /// action), or `no_action` (decided: nothing to remove).
    #[schema(schema_with = names::outcome_status)]
    pub status: String,
    /// The decision in force.
    pub decision: Option<OutcomeDecisionView>,
    /// Every action asked for the content, oldest first (a reversal appears as `reinstate`).
    pub actions: Vec<OutcomeActionView>,
    /// Removal orders: Annex II or III, once known.
    pub tco: Option<TcoFeedbackView>,
}

/// The `data` of a `submission.outcome` event.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SubmissionOutcomeEvent {
    /// The submission.
    pub submission: Uuid,
    /// Its short number.
    pub number: String,
    /// Its kind.
    #[schema(schema_with = names::submission_kind)]
    pub kind: String,
    /// The sender's reference.
    pub reference: Option<String>,
    /// When Vigie received it.
    pub received_at: DateTime<Utc>,
    /// What became of it.
    pub outcome: OutcomeView,
}
