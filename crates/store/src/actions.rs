//! Actions and their outbox: the actions decisions ask of platforms, the platforms'
//! confirmations, webhook endpoints, and the events and deliveries the delivery worker sends.
//!
//! A decision coming into force writes its actions, their events and one delivery per endpoint
//! subscribed to them in the decision's own transaction ([`write_decision_outbox!`]), so what
//! is decided is sent, and nothing else. An event's body is written at its first attempt (the
//! server renders it) and sent unchanged at every later one; its id is the same at every
//! attempt, so a receiver can drop repeats. Sending is bookkeeping (leases, attempts, statuses)
//! and is not audited; a delivery given up, an endpoint's creation, rotation or disabling and a
//! confirmation are.

use chrono::{DateTime, Utc};
use uuid::Uuid;
use vigie_domain::access::Actor;
use vigie_domain::actions::{ActionKind, ActionStatus, Confirmation, EventType, ExecutionOutcome};
use vigie_domain::audit::AuditRecord;
use vigie_domain::ids::{ActionId, CaseId, DecisionId, EventId, OrganisationId, SubmissionId, WebhookEndpointId};
use vigie_domain::review::LabelKind;

use crate::audit::{actor_from, append_audit_batch, lock_audit_head};
use crate::organisations::corrupt;
use crate::{Store, StoreError, StoreResult, on_pool};

/// Why a confirmation or an endpoint change was refused, as `StoreError::Conflict`'s constraint.
pub mod conflicts {
    /// The action was confirmed before; a confirmation is final.
    pub const ALREADY_CONFIRMED: &str = "action_already_confirmed";
    /// The endpoint is disabled.
    pub const ENDPOINT_DISABLED: &str = "webhook_endpoint_disabled";
}

/// An action, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionRecord {
    /// Its id.
    pub id: ActionId,
    /// The decision that asked for it.
    pub decision_id: DecisionId,
    /// The case whose content it is about.
    pub case_id: CaseId,
    /// The platform that must carry it out.
    pub platform_id: OrganisationId,
    /// What to do.
    pub kind: ActionKind,
    /// Countries of a restriction.
    pub territorial_scope: Vec<String>,
    /// A label's kind.
    pub label: Option<LabelKind>,
    /// The counter-speech to attach.
    pub counter_speech: Option<String>,
    /// Where it stands.
    pub status: ActionStatus,
    /// When the decision asked for it.
    pub created_at: DateTime<Utc>,
    /// When a webhook endpoint first acknowledged it.
    pub delivered_at: Option<DateTime<Utc>>,
    /// When its deliveries were given up.
    pub failed_at: Option<DateTime<Utc>>,
    /// The platform's confirmation, once made.
    pub confirmation: Option<ConfirmationRecord>,
}

/// A platform's confirmation of an action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfirmationRecord {
    /// What it did.
    pub outcome: ExecutionOutcome,
    /// When it acted.
    pub executed_at: DateTime<Utc>,
    /// Why not, or not all.
    pub reason: Option<String>,
    /// When Vigie received the confirmation.
    pub confirmed_at: DateTime<Utc>,
    /// Who confirmed.
    pub confirmed_by: Actor,
}

#[derive(sqlx::FromRow)]
struct ActionRow {
    id: Uuid,
    decision_id: Uuid,
    case_id: Uuid,
    platform_id: Uuid,
    kind: String,
    territorial_scope: String,
    label: Option<String>,
    counter_speech: Option<String>,
    status: String,
    created_at: DateTime<Utc>,
    delivered_at: Option<DateTime<Utc>>,
    failed_at: Option<DateTime<Utc>>,
    outcome: Option<String>,
    executed_at: Option<DateTime<Utc>>,
    outcome_reason: Option<String>,
    confirmed_at: Option<DateTime<Utc>>,
    confirmed_by_kind: Option<String>,
    confirmed_by: Option<Uuid>,
}

const ACTION_COLUMNS: &str = "id, decision_id, case_id, platform_id, kind, territorial_scope, label, counter_speech, \
    status, created_at, delivered_at, failed_at, outcome, executed_at, outcome_reason, confirmed_at, \
    confirmed_by_kind, confirmed_by";

impl ActionRow {
    fn into_record(self) -> StoreResult<ActionRecord> {
        let bad = |problem: String| corrupt("actions", self.id, problem);
        let confirmation = match (self.outcome.as_deref(), self.executed_at, self.confirmed_at) {
            (Some(outcome), Some(executed_at), Some(confirmed_at)) => Some(ConfirmationRecord {
                outcome: ExecutionOutcome::parse(outcome).map_err(bad)?,
                executed_at,
                reason: self.outcome_reason,
                confirmed_at,
                confirmed_by: actor_from(self.confirmed_by_kind.as_deref().unwrap_or("system"), self.confirmed_by)
                    .map_err(bad)?,
            }),
            (None, _, _) => None,
            _ => return Err(bad("a confirmation without its times".into())),
        };
        Ok(ActionRecord {
            id: ActionId(self.id),
            decision_id: DecisionId(self.decision_id),
            case_id: CaseId(self.case_id),
            platform_id: OrganisationId(self.platform_id),
            kind: ActionKind::parse(&self.kind).map_err(bad)?,
            territorial_scope: self
                .territorial_scope
                .split(' ')
                .filter(|code| !code.is_empty())
                .map(str::to_owned)
                .collect(),
            label: self.label.as_deref().map(LabelKind::parse).transpose().map_err(bad)?,
            counter_speech: self.counter_speech,
            status: ActionStatus::parse(&self.status).map_err(bad)?,
            created_at: self.created_at,
            delivered_at: self.delivered_at,
            failed_at: self.failed_at,
            confirmation,
        })
    }
}

/// A webhook endpoint, as stored (its secrets included: only the delivery worker and the
/// endpoint's creation and rotation see them).
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    /// Its id.
    pub id: WebhookEndpointId,
    /// The organisation it belongs to.
    pub organisation_id: OrganisationId,
    /// Where events are posted.
    pub url: String,
    /// What it receives.
    pub event_types: Vec<EventType>,
    /// The signing key (`whsec_…`).
    pub secret: String,
    /// The key before the latest rotation, and until when it signs too.
    pub previous_secret: Option<(String, DateTime<Utc>)>,
    /// What it is for.
    pub description: String,
    /// Disabled endpoints receive nothing.
    pub enabled: bool,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl std::fmt::Debug for WebhookEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secrets stay out of logs and panics.
        f.debug_struct("WebhookEndpoint")
            .field("id", &self.id)
            .field("organisation_id", &self.organisation_id)
            .field("event_types", &self.event_types)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

#[derive(sqlx::FromRow)]
struct EndpointRow {
    id: Uuid,
    organisation_id: Uuid,
    url: String,
    event_types: String,
    secret: String,
    previous_secret: Option<String>,
    previous_secret_until: Option<DateTime<Utc>>,
    description: String,
    enabled: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const ENDPOINT_COLUMNS: &str = "id, organisation_id, url, event_types, secret, previous_secret, \
    previous_secret_until, description, enabled, created_at, updated_at";

impl EndpointRow {
    fn into_record(self) -> StoreResult<WebhookEndpoint> {
        let bad = |problem: String| corrupt("webhook_endpoints", self.id, problem);
        let event_types = self
            .event_types
            .split(' ')
            .filter(|name| !name.is_empty())
            .map(EventType::parse)
            .collect::<Result<Vec<_>, _>>()
            .map_err(bad)?;
        Ok(WebhookEndpoint {
            id: WebhookEndpointId(self.id),
            organisation_id: OrganisationId(self.organisation_id),
            url: self.url,
            event_types,
            secret: self.secret,
            previous_secret: self.previous_secret.zip(self.previous_secret_until),
            description: self.description,
            enabled: self.enabled,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// A webhook endpoint to register.
#[derive(Clone)]
pub struct NewWebhookEndpoint {
    /// Whose.
    pub organisation_id: OrganisationId,
    /// Where to post (checked by the server).
    pub url: String,
    /// What to send it.
    pub event_types: Vec<EventType>,
    /// The signing key, made by the server.
    pub secret: String,
    /// What it is for.
    pub description: String,
}

/// An event due to be sent to one endpoint, claimed by this node until its lease runs out.
#[derive(Clone)]
pub struct DueDelivery {
    /// The event (the `webhook-id` sent).
    pub event_id: EventId,
    /// Where it goes.
    pub endpoint: WebhookEndpoint,
    /// Its type.
    pub event_type: EventType,
    /// Its subject: an action, or a submission and its decision.
    pub action_id: Option<ActionId>,
    /// The submission whose outcome it tells.
    pub submission_id: Option<SubmissionId>,
    /// The decision behind it.
    pub decision_id: Option<DecisionId>,
    /// The bytes to send, once written.
    pub body: Option<String>,
    /// When the event was made (the retry period counts from it).
    pub created_at: DateTime<Utc>,
    /// Attempts so far, this one included.
    pub attempts: u32,
}

/// What one attempt came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttemptResult {
    /// Answered 2xx.
    Delivered {
        /// The status.
        status: u16,
    },
    /// Refused or unanswered; try again then.
    Retry {
        /// When.
        at: DateTime<Utc>,
        /// The status, when there was an answer.
        status: Option<u16>,
        /// What went wrong, without secrets or bodies.
        error: String,
    },
    /// Refused or unanswered, and the retry period is over.
    GiveUp {
        /// The status, when there was an answer.
        status: Option<u16>,
        /// What went wrong.
        error: String,
    },
}

/// One delivery's attempt, to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// The event.
    pub event_id: EventId,
    /// The endpoint.
    pub endpoint_id: WebhookEndpointId,
    /// The action the event carries, if any.
    pub action_id: Option<ActionId>,
    /// What happened.
    pub result: AttemptResult,
}

/// One event to one endpoint, as the organisation's admins see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// The event.
    pub event_id: EventId,
    /// The endpoint.
    pub endpoint_id: WebhookEndpointId,
    /// Its type.
    pub event_type: EventType,
    /// The action it carries.
    pub action_id: Option<ActionId>,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    /// Attempts so far.
    pub attempts: i64,
    /// When the next one is due, while pending.
    pub next_attempt_at: DateTime<Utc>,
    /// The last answer's status.
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

/// Counts of a platform's actions, for the team dashboard.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ActionCounts {
    /// Not yet acknowledged by any endpoint nor confirmed.
    pub pending: i64,
    /// Acknowledged, not confirmed.
    pub delivered: i64,
    /// Confirmed.
    pub confirmed: i64,
    /// Deliveries given up, never confirmed: someone must call the platform.
    pub failed: i64,
    /// When the oldest action not yet confirmed (nor failed) was asked for.
    pub oldest_unconfirmed: Option<DateTime<Utc>>,
}

/// Writes, inside `$tx`, the event of type `$event_type` for organisation `$organisation` and
/// one delivery per enabled endpoint of that organisation subscribed to it; nothing when there
/// is none (the API's pull and views read the actions themselves).
macro_rules! queue_event {
    ($tx:expr, $organisation:expr, $event_type:expr, $action:expr, $submission:expr, $decision:expr, $now:expr) => {{
        let organisation: Uuid = $organisation;
        let event_type: vigie_domain::actions::EventType = $event_type;
        let now: DateTime<Utc> = $now;
        let pattern = format!("% {} %", event_type.as_str());
        let endpoints: Vec<Uuid> = sqlx::query_scalar(
            "select id from webhook_endpoints where organisation_id = $1 and enabled \
             and (' ' || event_types || ' ') like $2",
        )
        .bind(organisation)
        .bind(&pattern)
        .fetch_all(&mut *$tx)
        .await?;
        if !endpoints.is_empty() {
            let event = vigie_domain::ids::EventId::new_v7();
            let action: Option<Uuid> = $action;
            let submission: Option<Uuid> = $submission;
            let decision: Option<Uuid> = $decision;
            sqlx::query(
                "insert into events (id, organisation_id, event_type, action_id, submission_id, decision_id, \
                 created_at) values ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(event.0)
            .bind(organisation)
            .bind(event_type.as_str())
            .bind(action)
            .bind(submission)
            .bind(decision)
            .bind(now)
            .execute(&mut *$tx)
            .await?;
            for endpoint in endpoints {
                sqlx::query(
                    "insert into deliveries (event_id, endpoint_id, next_attempt_at, created_at) \
                     values ($1, $2, $3, $3)",
                )
                .bind(event.0)
                .bind(endpoint)
                .bind(now)
                .execute(&mut *$tx)
                .await?;
            }
        }
    }};
}
pub(crate) use queue_event;

/// What a decision coming into force asks, for [`write_decision_outbox!`].
pub(crate) struct InForce<'a> {
    pub decision: DecisionId,
    pub case: CaseId,
    pub platform: OrganisationId,
    pub kind: vigie_domain::review::DecisionKind,
    pub replaced: Option<vigie_domain::review::DecisionKind>,
    pub territorial_scope: &'a [String],
    pub label: Option<LabelKind>,
    pub counter_speech: Option<&'a str>,
}

/// Writes, inside `$tx`, what a decision coming into force asks: its actions
/// (`vigie_domain::actions::actions_for`), their events for the platform's endpoints, and for a
/// closing decision the `submission.outcome` event of each of the case's submissions for its
/// sender's endpoints. Evaluates to the actions' ids and kinds.
macro_rules! write_decision_outbox {
    ($tx:expr, $in_force:expr, $now:expr) => {{
        let in_force: &crate::actions::InForce<'_> = $in_force;
        let now: DateTime<Utc> = $now;
        let mut written: Vec<(vigie_domain::ids::ActionId, vigie_domain::actions::ActionKind)> = Vec::new();
        if in_force.kind.restricts() {
            // 244 random bits: the link is the only key to the statement's public page.
            let token = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
            sqlx::query("update decisions set statement_token = $2 where id = $1 and statement_token is null")
                .bind(in_force.decision.0)
                .bind(token)
                .execute(&mut *$tx)
                .await?;
        }
        for kind in vigie_domain::actions::actions_for(in_force.kind, in_force.replaced) {
            use vigie_domain::actions::ActionKind;
            let action = vigie_domain::ids::ActionId::new_v7();
            let scope = if kind == ActionKind::Restrict { in_force.territorial_scope.join(" ") } else { String::new() };
            sqlx::query(
                "insert into actions (id, decision_id, case_id, platform_id, kind, territorial_scope, label, \
                 counter_speech, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(action.0)
            .bind(in_force.decision.0)
            .bind(in_force.case.0)
            .bind(in_force.platform.0)
            .bind(kind.as_str())
            .bind(scope)
            .bind(in_force.label.filter(|_| kind == ActionKind::Label).map(|label| label.as_str()))
            .bind(in_force.counter_speech.filter(|_| kind == ActionKind::AttachCounterSpeech))
            .bind(now)
            .execute(&mut *$tx)
            .await?;
            crate::actions::queue_event!(
                $tx,
                in_force.platform.0,
                vigie_domain::actions::EventType::Action(kind),
                Some(action.0),
                None,
                Some(in_force.decision.0),
                now
            );
            written.push((action, kind));
        }
        if in_force.kind.closes_case() {
            crate::actions::queue_outcome_events!($tx, in_force.case, in_force.decision, None, now);
        }
        written
    }};
}
pub(crate) use write_decision_outbox;

/// Writes, inside `$tx`, a `submission.outcome` event for the sender of each of case `$case`'s
/// submissions (anonymous reports have none), about decision `$decision` and, once confirmed,
/// action `$action`.
macro_rules! queue_outcome_events {
    ($tx:expr, $case:expr, $decision:expr, $action:expr, $now:expr) => {{
        let case: CaseId = $case;
        let decision: DecisionId = $decision;
        let action: Option<Uuid> = $action;
        let senders: Vec<(Uuid, Uuid)> = sqlx::query_as(
            "select id, submitter_id from submissions where case_id = $1 and submitter_id is not null order by id",
        )
        .bind(case.0)
        .fetch_all(&mut *$tx)
        .await?;
        for (submission, sender) in senders {
            crate::actions::queue_event!(
                $tx,
                sender,
                vigie_domain::actions::EventType::SubmissionOutcome,
                action,
                Some(submission),
                Some(decision.0),
                $now
            );
        }
    }};
}
pub(crate) use queue_outcome_events;

type DeliveryKey = (Uuid, Uuid);

#[derive(sqlx::FromRow)]
struct DueRow {
    event_id: Uuid,
    endpoint_id: Uuid,
    attempts: i32,
    event_type: String,
    action_id: Option<Uuid>,
    submission_id: Option<Uuid>,
    decision_id: Option<Uuid>,
    body: Option<String>,
    event_created_at: DateTime<Utc>,
    organisation_id: Uuid,
    url: String,
    event_types: String,
    secret: String,
    previous_secret: Option<String>,
    previous_secret_until: Option<DateTime<Utc>>,
    description: String,
    enabled: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    event_id: Uuid,
    endpoint_id: Uuid,
    event_type: String,
    action_id: Option<Uuid>,
    status: String,
    attempts: i32,
    next_attempt_at: DateTime<Utc>,
    last_status: Option<i32>,
    last_error: Option<String>,
    delivered_at: Option<DateTime<Utc>>,
    failed_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl Store {
    /// Registers a webhook endpoint (audited as `webhook.create`, without its URL or secret).
    pub async fn create_webhook_endpoint(
        &self,
        endpoint: &NewWebhookEndpoint,
        actor: Actor,
    ) -> StoreResult<WebhookEndpoint> {
        let now = self.now();
        let id = WebhookEndpointId::new_v7();
        let types: Vec<&str> = endpoint.event_types.iter().map(|kind| kind.as_str()).collect();
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            let (mut sequence, mut previous_hash) = lock_audit_head!(tx);
            sqlx::query(
                "insert into webhook_endpoints (id, organisation_id, url, event_types, secret, description, \
                 created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $7)",
            )
            .bind(id.0)
            .bind(endpoint.organisation_id.0)
            .bind(&endpoint.url)
            .bind(types.join(" "))
            .bind(&endpoint.secret)
            .bind(&endpoint.description)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let record = AuditRecord {
                actor,
                organisation_id: Some(endpoint.organisation_id),
                action: "webhook.create".into(),
                subject_type: "webhook_endpoint".into(),
                subject_id: id.to_string(),
                details: format!(r#"{{"event_types":"{}"}}"#, types.join(" ")),
            };
            append_audit_batch!(tx, std::slice::from_ref(&record), now, sequence, previous_hash);
            tx.commit().await?;
        });
        self.get_webhook_endpoint(id).await
    }

    /// One endpoint, or `NotFound`.
    pub async fn get_webhook_endpoint(&self, id: WebhookEndpointId) -> StoreResult<WebhookEndpoint> {
        let sql = format!("select {ENDPOINT_COLUMNS} from webhook_endpoints where id = $1");
        let row: EndpointRow = on_pool!(self, pool => sqlx::query_as(&sql).bind(id.0).fetch_one(pool).await)?;
        row.into_record()
    }

    /// An organisation's endpoints, oldest first.
    pub async fn list_webhook_endpoints(&self, organisation: OrganisationId) -> StoreResult<Vec<WebhookEndpoint>> {
        let sql = format!("select {ENDPOINT_COLUMNS} from webhook_endpoints where organisation_id = $1 order by id");
        let rows: Vec<EndpointRow> =
            on_pool!(self, pool => sqlx::query_as(&sql).bind(organisation.0).fetch_all(pool).await)?;
        rows.into_iter().map(EndpointRow::into_record).collect()
    }

    /// Gives an endpoint a new signing key; the old one keeps signing too until
    /// `previous_until` (audited as `webhook.rotate_secret`). `Conflict` when it is disabled.
    pub async fn rotate_webhook_secret(
        &self,
        id: WebhookEndpointId,
        secret: &str,
        previous_until: DateTime<Utc>,
        actor: Actor,
    ) -> StoreResult<WebhookEndpoint> {
        let now = self.now();
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            let (mut sequence, mut previous_hash) = lock_audit_head!(tx);
            let (organisation, enabled): (Uuid, bool) =
                sqlx::query_as("select organisation_id, enabled from webhook_endpoints where id = $1")
                    .bind(id.0)
                    .fetch_one(&mut *tx)
                    .await?;
            if !enabled {
                return Err(StoreError::Conflict { constraint: conflicts::ENDPOINT_DISABLED.into() });
            }
            sqlx::query(
                "update webhook_endpoints set previous_secret = secret, previous_secret_until = $3, secret = $2, \
                 updated_at = $4 where id = $1",
            )
            .bind(id.0)
            .bind(secret)
            .bind(previous_until)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let record = AuditRecord {
                actor,
                organisation_id: Some(OrganisationId(organisation)),
                action: "webhook.rotate_secret".into(),
                subject_type: "webhook_endpoint".into(),
                subject_id: id.to_string(),
                details: format!(r#"{{"previous_secret_until":"{}"}}"#, previous_until.to_rfc3339()),
            };
            append_audit_batch!(tx, std::slice::from_ref(&record), now, sequence, previous_hash);
            tx.commit().await?;
        });
        self.get_webhook_endpoint(id).await
    }

    /// Disables an endpoint: it receives nothing more, and what waited for it is given up
    /// (audited as `webhook.disable`). Disabling a disabled endpoint changes nothing.
    pub async fn disable_webhook_endpoint(&self, id: WebhookEndpointId, actor: Actor) -> StoreResult<WebhookEndpoint> {
        let now = self.now();
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            let (mut sequence, mut previous_hash) = lock_audit_head!(tx);
            let (organisation, enabled): (Uuid, bool) =
                sqlx::query_as("select organisation_id, enabled from webhook_endpoints where id = $1")
                    .bind(id.0)
                    .fetch_one(&mut *tx)
                    .await?;
            if enabled {
                sqlx::query("update webhook_endpoints set enabled = false, updated_at = $2 where id = $1")
                    .bind(id.0)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "update deliveries set status = 'failed', failed_at = $2, lease_until = null, \
                     last_error = 'endpoint disabled' where endpoint_id = $1 and status = 'pending'",
                )
                .bind(id.0)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let record = AuditRecord {
                    actor,
                    organisation_id: Some(OrganisationId(organisation)),
                    action: "webhook.disable".into(),
                    subject_type: "webhook_endpoint".into(),
                    subject_id: id.to_string(),
                    details: "{}".into(),
                };
                append_audit_batch!(tx, std::slice::from_ref(&record), now, sequence, previous_hash);
            }
            tx.commit().await?;
        });
        self.get_webhook_endpoint(id).await
    }

    /// An endpoint's latest deliveries, newest first.
    pub async fn list_deliveries(&self, endpoint: WebhookEndpointId, limit: u32) -> StoreResult<Vec<DeliveryRecord>> {
        let rows: Vec<DeliveryRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "select d.event_id, d.endpoint_id, e.event_type, e.action_id, d.status, d.attempts, \
                 d.next_attempt_at, d.last_status, d.last_error, d.delivered_at, d.failed_at, d.created_at \
                 from deliveries d join events e on e.id = d.event_id where d.endpoint_id = $1 \
                 order by d.event_id desc limit $2",
            )
            .bind(endpoint.0)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter()
            .map(|row| {
                Ok(DeliveryRecord {
                    event_id: EventId(row.event_id),
                    endpoint_id: WebhookEndpointId(row.endpoint_id),
                    event_type: EventType::parse(&row.event_type)
                        .map_err(|problem| corrupt("events", row.event_id, problem))?,
                    action_id: row.action_id.map(ActionId),
                    status: row.status,
                    attempts: i64::from(row.attempts),
                    next_attempt_at: row.next_attempt_at,
                    last_status: row.last_status.map(i64::from),
                    last_error: row.last_error,
                    delivered_at: row.delivered_at,
                    failed_at: row.failed_at,
                    created_at: row.created_at,
                })
            })
            .collect()
    }

    /// One action, or `NotFound`.
    pub async fn get_action(&self, id: ActionId) -> StoreResult<ActionRecord> {
        let sql = format!("select {ACTION_COLUMNS} from actions where id = $1");
        let row: ActionRow = on_pool!(self, pool => sqlx::query_as(&sql).bind(id.0).fetch_one(pool).await)?;
        row.into_record()
    }

    /// A platform's actions in the order they were asked for, after `after` (a cursor: the last
    /// id of the previous page), `status` only when given, at most `limit`.
    pub async fn list_actions(
        &self,
        platform: OrganisationId,
        status: Option<ActionStatus>,
        after: Option<ActionId>,
        limit: u32,
    ) -> StoreResult<Vec<ActionRecord>> {
        let sql = format!(
            "select {ACTION_COLUMNS} from actions where platform_id = $1 and ($2 is null or status = $2) \
             and ($3 is null or id > $3) order by id limit $4"
        );
        let rows: Vec<ActionRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql)
                .bind(platform.0)
                .bind(status.map(ActionStatus::as_str))
                .bind(after.map(|id| id.0))
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
        })?;
        rows.into_iter().map(ActionRow::into_record).collect()
    }

    /// The actions asked for a case, oldest first.
    pub async fn list_case_actions(&self, case: CaseId) -> StoreResult<Vec<ActionRecord>> {
        let sql = format!("select {ACTION_COLUMNS} from actions where case_id = $1 order by id");
        let rows: Vec<ActionRow> = on_pool!(self, pool => sqlx::query_as(&sql).bind(case.0).fetch_all(pool).await)?;
        rows.into_iter().map(ActionRow::into_record).collect()
    }

    /// Records a platform's confirmation of an action, audited as `action.confirm` on its case,
    /// and queues the `submission.outcome` event of each of the case's submissions for its
    /// sender. `Conflict` [`conflicts::ALREADY_CONFIRMED`] when it was confirmed before.
    pub async fn confirm_action(
        &self,
        id: ActionId,
        confirmation: &Confirmation,
        actor: Actor,
    ) -> StoreResult<ActionRecord> {
        let now = self.now();
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            let (mut sequence, mut previous_hash) = lock_audit_head!(tx);
            let (case, platform, decision, kind, confirmed): (Uuid, Uuid, Uuid, String, Option<DateTime<Utc>>) =
                sqlx::query_as("select case_id, platform_id, decision_id, kind, confirmed_at from actions where id = $1")
                    .bind(id.0)
                    .fetch_one(&mut *tx)
                    .await?;
            if confirmed.is_some() {
                return Err(StoreError::Conflict { constraint: conflicts::ALREADY_CONFIRMED.into() });
            }
            sqlx::query(
                "update actions set status = 'confirmed', outcome = $2, executed_at = $3, outcome_reason = $4, \
                 confirmed_at = $5, confirmed_by_kind = $6, confirmed_by = $7 where id = $1",
            )
            .bind(id.0)
            .bind(confirmation.outcome.as_str())
            .bind(confirmation.executed_at)
            .bind(confirmation.reason.as_deref())
            .bind(now)
            .bind(actor.kind())
            .bind(actor.id())
            .execute(&mut *tx)
            .await?;
            queue_outcome_events!(tx, CaseId(case), DecisionId(decision), Some(id.0), now);
            // A takedown carried out, even in part, starts the content's preservation (TCO Art. 6).
            let takedown = matches!(kind.as_str(), "remove" | "restrict")
                && confirmation.outcome != vigie_domain::actions::ExecutionOutcome::Failed;
            let preserved_until = if takedown {
                crate::preservation::start_preservation!(tx, CaseId(case), confirmation.executed_at, now)
            } else {
                None
            };
            // The one event of the confirmation says when the preservation it started ends.
            let preservation = preserved_until
                .map(|until| format!(r#","preserved_until":"{}""#, until.to_rfc3339()))
                .unwrap_or_default();
            let record = AuditRecord {
                actor,
                organisation_id: Some(OrganisationId(platform)),
                action: "action.confirm".into(),
                subject_type: "case".into(),
                subject_id: case.to_string(),
                details: format!(
                    r#"{{"action":"{id}","kind":"{kind}","outcome":"{}","executed_at":"{}"{preservation}}}"#,
                    confirmation.outcome.as_str(),
                    confirmation.executed_at.to_rfc3339()
                ),
            };
            append_audit_batch!(tx, std::slice::from_ref(&record), now, sequence, previous_hash);
            tx.commit().await?;
        });
        self.get_action(id).await
    }

    /// Claims up to `limit` deliveries due at `now` that no node holds, leasing them until
    /// `lease_until` and counting the attempt. A node that dies while sending lets its lease run
    /// out, and another sends the same event again, with the same id.
    pub async fn claim_deliveries(&self, lease_until: DateTime<Utc>, limit: u32) -> StoreResult<Vec<DueDelivery>> {
        let now = self.now();
        let claimed: Vec<DeliveryKey> = on_pool!(self, pool => {
            sqlx::query_as(
                "update deliveries set lease_until = $1, attempts = attempts + 1 \
                 where (event_id, endpoint_id) in (select event_id, endpoint_id from deliveries \
                     where status = 'pending' and next_attempt_at <= $2 and (lease_until is null or lease_until < $2) \
                     order by next_attempt_at limit $3) \
                 and status = 'pending' and (lease_until is null or lease_until < $2) \
                 returning event_id, endpoint_id",
            )
            .bind(lease_until)
            .bind(now)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await
        })?;
        if claimed.is_empty() {
            return Ok(Vec::new());
        }
        let events: Vec<Uuid> = claimed.iter().map(|(event, _)| *event).collect();
        let sql = format!(
            "select d.event_id, d.endpoint_id, d.attempts, e.event_type, e.action_id, e.submission_id, e.decision_id, \
             e.body, e.created_at as event_created_at, w.organisation_id, w.url, w.event_types, w.secret, \
             w.previous_secret, w.previous_secret_until, w.description, w.enabled, w.created_at, w.updated_at \
             from deliveries d join events e on e.id = d.event_id join webhook_endpoints w on w.id = d.endpoint_id \
             where d.event_id in ({})",
            crate::intake::list_placeholders(1, events.len())
        );
        let rows: Vec<DueRow> = on_pool!(self, pool => {
            let mut query = sqlx::query_as(&sql);
            for event in &events {
                query = query.bind(*event);
            }
            query.fetch_all(pool).await
        })?;
        let mut due = Vec::with_capacity(claimed.len());
        for row in rows {
            if !claimed.contains(&(row.event_id, row.endpoint_id)) {
                continue;
            }
            let endpoint = EndpointRow {
                id: row.endpoint_id,
                organisation_id: row.organisation_id,
                url: row.url,
                event_types: row.event_types,
                secret: row.secret,
                previous_secret: row.previous_secret,
                previous_secret_until: row.previous_secret_until,
                description: row.description,
                enabled: row.enabled,
                created_at: row.created_at,
                updated_at: row.updated_at,
            }
            .into_record()?;
            due.push(DueDelivery {
                event_id: EventId(row.event_id),
                endpoint,
                event_type: EventType::parse(&row.event_type)
                    .map_err(|problem| corrupt("events", row.event_id, problem))?,
                action_id: row.action_id.map(ActionId),
                submission_id: row.submission_id.map(SubmissionId),
                decision_id: row.decision_id.map(DecisionId),
                body: row.body,
                created_at: row.event_created_at,
                attempts: u32::try_from(row.attempts).unwrap_or(u32::MAX),
            });
        }
        due.sort_by_key(|delivery| delivery.event_id);
        Ok(due)
    }

    /// Writes events' bodies, in one transaction, unless one was written before; returns the
    /// bodies in force, which are what must be sent (an earlier attempt's, if it wrote first).
    pub async fn set_event_bodies(&self, bodies: &[(EventId, String)]) -> StoreResult<Vec<(EventId, String)>> {
        if bodies.is_empty() {
            return Ok(Vec::new());
        }
        let mut in_force = Vec::with_capacity(bodies.len());
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            for (event, body) in bodies {
                sqlx::query("update events set body = $2 where id = $1 and body is null")
                    .bind(event.0)
                    .bind(body)
                    .execute(&mut *tx)
                    .await?;
                let stored: Option<String> = sqlx::query_scalar("select body from events where id = $1")
                    .bind(event.0)
                    .fetch_one(&mut *tx)
                    .await?;
                in_force.push((*event, stored.ok_or_else(|| corrupt("events", *event, "no body after writing it".into()))?));
            }
            tx.commit().await?;
        });
        Ok(in_force)
    }

    /// Records a batch of attempts in one transaction: acknowledged deliveries mark their action
    /// delivered; failed ones wait for their next attempt; given-up ones are marked failed, and
    /// an action none of whose deliveries can still succeed is marked failed too (audited as
    /// `action.delivery_failed`, one event per action).
    pub async fn record_attempts(&self, attempts: &[Attempt]) -> StoreResult<()> {
        if attempts.is_empty() {
            return Ok(());
        }
        let now = self.now();
        let gave_up = attempts.iter().any(|attempt| matches!(attempt.result, AttemptResult::GiveUp { .. }));
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            // Only a failure changes an action's state, which the audit trail records.
            let (mut sequence, mut previous_hash) = if gave_up { lock_audit_head!(tx) } else { (0, String::new()) };
            let mut failed_actions: Vec<AuditRecord> = Vec::new();
            for attempt in attempts {
                match &attempt.result {
                    AttemptResult::Delivered { status } => {
                        sqlx::query(
                            "update deliveries set status = 'delivered', delivered_at = $3, last_status = $4, \
                             last_error = null, lease_until = null where event_id = $1 and endpoint_id = $2 \
                             and status = 'pending'",
                        )
                        .bind(attempt.event_id.0)
                        .bind(attempt.endpoint_id.0)
                        .bind(now)
                        .bind(i32::from(*status))
                        .execute(&mut *tx)
                        .await?;
                        if let Some(action) = attempt.action_id {
                            sqlx::query(
                                "update actions set status = 'delivered', delivered_at = $2 where id = $1 \
                                 and status in ('pending', 'failed')",
                            )
                            .bind(action.0)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                        }
                    }
                    AttemptResult::Retry { at, status, error } => {
                        sqlx::query(
                            "update deliveries set next_attempt_at = $3, last_status = $4, last_error = $5, \
                             lease_until = null where event_id = $1 and endpoint_id = $2 and status = 'pending'",
                        )
                        .bind(attempt.event_id.0)
                        .bind(attempt.endpoint_id.0)
                        .bind(*at)
                        .bind(status.map(i32::from))
                        .bind(error)
                        .execute(&mut *tx)
                        .await?;
                    }
                    AttemptResult::GiveUp { status, error } => {
                        sqlx::query(
                            "update deliveries set status = 'failed', failed_at = $3, last_status = $4, \
                             last_error = $5, lease_until = null where event_id = $1 and endpoint_id = $2 \
                             and status = 'pending'",
                        )
                        .bind(attempt.event_id.0)
                        .bind(attempt.endpoint_id.0)
                        .bind(now)
                        .bind(status.map(i32::from))
                        .bind(error)
                        .execute(&mut *tx)
                        .await?;
                        if let Some(action) = attempt.action_id {
                            // Failed only if nothing was delivered and nothing is still trying.
                            let failed: Option<(Uuid, Uuid)> = sqlx::query_as(
                                "update actions set status = 'failed', failed_at = $2 where id = $1 \
                                 and status = 'pending' and not exists (select 1 from deliveries d \
                                     join events e on e.id = d.event_id where e.action_id = $1 \
                                     and d.status in ('pending', 'delivered')) \
                                 returning case_id, platform_id",
                            )
                            .bind(action.0)
                            .bind(now)
                            .fetch_optional(&mut *tx)
                            .await?;
                            if let Some((case, platform)) = failed {
                                failed_actions.push(AuditRecord {
                                    actor: Actor::System,
                                    organisation_id: Some(OrganisationId(platform)),
                                    action: "action.delivery_failed".into(),
                                    subject_type: "case".into(),
                                    subject_id: case.to_string(),
                                    details: format!(r#"{{"action":"{action}"}}"#),
                                });
                            }
                        }
                    }
                }
            }
            if !failed_actions.is_empty() {
                append_audit_batch!(tx, &failed_actions, now, sequence, previous_hash);
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// When the earliest pending delivery is due, if any: the worker sleeps until then.
    pub async fn next_delivery_due(&self) -> StoreResult<Option<DateTime<Utc>>> {
        on_pool!(self, pool => {
            sqlx::query_scalar("select min(next_attempt_at) from deliveries where status = 'pending'")
                .fetch_one(pool)
                .await
        })
        .map_err(StoreError::from)
    }

    /// Counts of the actions of `platforms`.
    pub async fn action_counts(&self, platforms: &[OrganisationId]) -> StoreResult<ActionCounts> {
        if platforms.is_empty() {
            return Ok(ActionCounts::default());
        }
        let sql = format!(
            "select status, count(*), min(created_at) from actions where platform_id in ({}) group by status",
            crate::intake::list_placeholders(1, platforms.len())
        );
        let rows: Vec<(String, i64, Option<DateTime<Utc>>)> = on_pool!(self, pool => {
            let mut query = sqlx::query_as(&sql);
            for platform in platforms {
                query = query.bind(platform.0);
            }
            query.fetch_all(pool).await
        })?;
        let mut counts = ActionCounts::default();
        for (status, count, oldest) in rows {
            match status.as_str() {
                "pending" => counts.pending = count,
                "delivered" => counts.delivered = count,
                "confirmed" => counts.confirmed = count,
                "failed" => counts.failed = count,
                _ => {}
            }
            if matches!(status.as_str(), "pending" | "delivered") {
                counts.oldest_unconfirmed = match (counts.oldest_unconfirmed, oldest) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
        }
        Ok(counts)
    }
}
