//! Review: claims on cases, decisions, four-eyes confirmations, reviewers' notes, and the
//! figures of the team dashboard.
//!
//! Every write here takes the audit-head lock first (`lock_audit_head!`), then reads the case as
//! it stands and applies `vigie_domain::review::transition`: the check and the write are one
//! serialised step across nodes, so two reviewers can never both decide one case.

use chrono::{DateTime, Utc};
use uuid::Uuid;
use vigie_domain::access::Actor;
use vigie_domain::actions::ActionKind;
use vigie_domain::audit::AuditRecord;
use vigie_domain::ids::{ActionId, BankId, CaseId, CaseNoteId, DecisionId, OrganisationId, SubmissionId};
use vigie_domain::intake::{CaseStatus, PauseReason, SubmissionKind};
use vigie_domain::review::{
    CannotComplyReason, DecisionDraft, DecisionKind, DecisionState, FourEyes, Ground, LabelKind, Refusal, ReviewState,
    transition,
};

use crate::actions::{InForce, write_decision_outbox};
use crate::audit::{actor_from, append_audit_batch, lock_audit_head};
use crate::banks::{NewSignal, insert_signals};
use crate::intake::refresh_case;
use crate::organisations::corrupt;
use crate::{Store, StoreError, StoreResult, on_pool};

/// Why a claim, a decision or a confirmation was refused, as `StoreError::Conflict`'s
/// constraint (the server turns each into a problem naming it).
pub mod conflicts {
    /// The case is merged into another, or decided (claims only).
    pub const CASE_CLOSED: &str = "case_closed";
    /// Another reviewer holds the case.
    pub const CASE_CLAIMED: &str = "case_claimed";
    /// The case is decided; a correction must name the decision it replaces.
    pub const ALREADY_DECIDED: &str = "case_already_decided";
    /// A decision waits for a second reviewer.
    pub const AWAITING_CONFIRMATION: &str = "case_awaiting_confirmation";
    /// Only a senior reviewer may act on this case now.
    pub const NEEDS_SENIOR: &str = "case_needs_senior_reviewer";
    /// `replaces` does not name a closing decision of this case in force.
    pub const NOTHING_TO_REPLACE: &str = "decision_replaces";
    /// The decision is not waiting for confirmation.
    pub const NOT_PENDING: &str = "decision_not_pending";
    /// Four eyes: the decider cannot confirm their own decision.
    pub const SAME_REVIEWER: &str = "decision_same_reviewer";
}

/// The id a claim records: a user's or an API token's. Other actors (the CLI, Vigie itself)
/// never claim.
fn claimant(actor: Actor) -> StoreResult<Uuid> {
    actor.id().ok_or_else(|| StoreError::Other(anyhow::anyhow!("only users and API tokens claim cases")))
}

fn conflict(constraint: &str) -> StoreError {
    StoreError::Conflict { constraint: constraint.into() }
}

fn refusal_conflict(refusal: Refusal) -> StoreError {
    conflict(match refusal {
        Refusal::AlreadyDecided => conflicts::ALREADY_DECIDED,
        Refusal::AwaitingConfirmation => conflicts::AWAITING_CONFIRMATION,
        Refusal::NeedsSenior => conflicts::NEEDS_SENIOR,
        Refusal::NothingToReplace => conflicts::NOTHING_TO_REPLACE,
    })
}

/// A decision to record.
#[derive(Clone, Debug)]
pub struct NewDecision {
    /// The case decided.
    pub case_id: CaseId,
    /// What was decided, checked.
    pub draft: DecisionDraft,
    /// The decision it corrects.
    pub replaces: Option<DecisionId>,
    /// Who decides.
    pub actor: Actor,
    /// Whether the decider holds `senior_reviewer`.
    pub senior: bool,
    /// The bank the case's media go into, with the signals computed from them.
    pub add_to_bank: Option<(BankId, Vec<NewSignal>)>,
}

/// A stored decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionRecord {
    /// Its id.
    pub id: DecisionId,
    /// The case.
    pub case_id: CaseId,
    /// The platform that must act.
    pub platform_id: OrganisationId,
    /// What was decided.
    pub kind: DecisionKind,
    /// Where it stands.
    pub state: DecisionState,
    /// What it rests on.
    pub ground: Option<Ground>,
    /// Countries of a restriction.
    pub territorial_scope: Vec<String>,
    /// A label's kind.
    pub label: Option<LabelKind>,
    /// What a `keep_with_counter_speech` attaches.
    pub counter_speech: Option<String>,
    /// Why a platform cannot comply.
    pub reason: Option<CannotComplyReason>,
    /// Explanation of a decision without a ground.
    pub explanation: String,
    /// Internal note.
    pub note: String,
    /// Facts relied on.
    pub facts: String,
    /// Detected by automated means.
    pub automated_detection: bool,
    /// Decided by automated means.
    pub automated_decision: bool,
    /// Bank the media were added to.
    pub bank_id: Option<BankId>,
    /// Labels they were given there (comma-joined).
    pub bank_labels: String,
    /// How many new signals that made.
    pub signals_added: i64,
    /// The decision it corrects.
    pub replaces: Option<DecisionId>,
    /// Who decided.
    pub decided_by: Actor,
    /// Four eyes: who confirmed or rejected it, when, and their note.
    pub reviewed_by: Option<Actor>,
    /// When.
    pub reviewed_at: Option<DateTime<Utc>>,
    /// Their note.
    pub review_note: String,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// A restrictive decision in force: the unguessable token of its statement of reasons'
    /// public page.
    pub statement_token: Option<String>,
}

#[derive(sqlx::FromRow)]
struct DecisionRow {
    id: Uuid,
    case_id: Uuid,
    platform_id: Uuid,
    kind: String,
    state: String,
    ground_type: Option<String>,
    law: Option<String>,
    article: Option<String>,
    clause: Option<String>,
    ground_explanation: Option<String>,
    territorial_scope: String,
    label: Option<String>,
    counter_speech: Option<String>,
    reason: Option<String>,
    explanation: String,
    note: String,
    facts: String,
    automated_detection: bool,
    automated_decision: bool,
    bank_id: Option<Uuid>,
    bank_labels: String,
    signals_added: i32,
    replaces: Option<Uuid>,
    decided_by_kind: String,
    decided_by: Option<Uuid>,
    reviewed_by_kind: Option<String>,
    reviewed_by: Option<Uuid>,
    reviewed_at: Option<DateTime<Utc>>,
    review_note: String,
    created_at: DateTime<Utc>,
    statement_token: Option<String>,
}

const DECISION_COLUMNS: &str = "id, case_id, platform_id, kind, state, ground_type, law, article, clause, \
    ground_explanation, territorial_scope, label, counter_speech, reason, explanation, note, facts, \
    automated_detection, automated_decision, bank_id, bank_labels, signals_added, replaces, decided_by_kind, \
    decided_by, reviewed_by_kind, reviewed_by, reviewed_at, review_note, created_at, statement_token";

impl DecisionRow {
    fn into_record(self) -> StoreResult<DecisionRecord> {
        let bad = |problem: String| corrupt("decisions", self.id, problem);
        let ground = match self.ground_type.as_deref() {
            None => None,
            Some("illegal") => Some(Ground::Illegal {
                law: self.law.unwrap_or_default(),
                article: self.article.unwrap_or_default(),
                explanation: self.ground_explanation.unwrap_or_default(),
            }),
            Some("terms") => Some(Ground::Terms {
                clause: self.clause.unwrap_or_default(),
                explanation: self.ground_explanation.unwrap_or_default(),
            }),
            Some(other) => return Err(bad(format!("unknown ground type {other:?}"))),
        };
        Ok(DecisionRecord {
            id: DecisionId(self.id),
            case_id: CaseId(self.case_id),
            platform_id: OrganisationId(self.platform_id),
            kind: DecisionKind::parse(&self.kind).map_err(bad)?,
            state: DecisionState::parse(&self.state).map_err(bad)?,
            ground,
            territorial_scope: self
                .territorial_scope
                .split(' ')
                .filter(|code| !code.is_empty())
                .map(str::to_owned)
                .collect(),
            label: self.label.as_deref().map(LabelKind::parse).transpose().map_err(bad)?,
            counter_speech: self.counter_speech,
            reason: self.reason.as_deref().map(CannotComplyReason::parse).transpose().map_err(bad)?,
            explanation: self.explanation,
            note: self.note,
            facts: self.facts,
            automated_detection: self.automated_detection,
            automated_decision: self.automated_decision,
            bank_id: self.bank_id.map(BankId),
            bank_labels: self.bank_labels,
            signals_added: i64::from(self.signals_added),
            replaces: self.replaces.map(DecisionId),
            decided_by: actor_from(&self.decided_by_kind, self.decided_by).map_err(bad)?,
            reviewed_by: match self.reviewed_by_kind.as_deref() {
                None => None,
                Some(kind) => Some(actor_from(kind, self.reviewed_by).map_err(bad)?),
            },
            reviewed_at: self.reviewed_at,
            review_note: self.review_note,
            created_at: self.created_at,
            statement_token: self.statement_token,
        })
    }
}

/// The case columns a review step reads under the lock.
#[derive(sqlx::FromRow)]
struct CaseState {
    platform_id: Uuid,
    status: String,
    review_state: String,
    claimed_by: Option<Uuid>,
    claimed_until: Option<DateTime<Utc>>,
}

impl CaseState {
    fn review_state(&self, case: CaseId) -> StoreResult<ReviewState> {
        ReviewState::parse(&self.review_state).map_err(|problem| corrupt("cases", case, problem))
    }

    /// The reviewer holding the case at `now`, if any.
    fn holder(&self, now: DateTime<Utc>) -> Option<Uuid> {
        self.claimed_by.filter(|_| self.claimed_until.is_some_and(|until| until > now))
    }
}

/// Reads a case's review columns inside `$tx`.
macro_rules! read_case_state {
    ($tx:expr, $case:expr) => {{
        let case: CaseId = $case;
        let state: CaseState = sqlx::query_as(
            "select platform_id, status, review_state, claimed_by, claimed_until from cases where id = $1",
        )
        .bind(case.0)
        .fetch_one(&mut *$tx)
        .await?;
        state
    }};
}

/// `case_notes` as read: id, author kind and id, body, time.
type NoteRow = (Uuid, String, Option<Uuid>, String, DateTime<Utc>);
/// A case and one of its senders.
type SenderRow = (Uuid, Uuid);
/// A case, the labels of some of its matches, and their best distance.
type MatchLabelsRow = (Uuid, String, i32);

/// A reviewer's internal note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseNote {
    /// Its id.
    pub id: CaseNoteId,
    /// Who wrote it.
    pub author: Actor,
    /// What it says.
    pub body: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// What the queue shows of a case besides its own columns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueueExtras {
    /// The sending organisations (none for anonymous reports).
    pub senders: Vec<OrganisationId>,
    /// Labels of its bank matches, sorted, without repeats.
    pub labels: Vec<String>,
    /// The closest bank match's distance.
    pub best_distance: Option<u32>,
}

/// One closing decision, for the dashboard's times.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionTiming {
    /// When the case's first submission arrived.
    pub received_at: DateTime<Utc>,
    /// When the decision was recorded.
    pub decided_at: DateTime<Utc>,
    /// The kinds of the case's submissions.
    pub kinds: Vec<SubmissionKind>,
}

/// The open cases of a platform, counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueCounts {
    /// Cases waiting for a decision.
    pub open: i64,
    /// Of which past their deadline.
    pub overdue: i64,
    /// Escalated to a senior reviewer.
    pub escalated: i64,
    /// Waiting for a second reviewer.
    pub awaiting_confirmation: i64,
}

/// Pauses every running removal order of case `$case` as `clarification_requested`, recording
/// each pause in `deadline_events`; evaluates to the paused submissions.
macro_rules! pause_orders_for_clarification {
    ($tx:expr, $case:expr, $explanation:expr, $actor:expr, $now:expr) => {{
        let case: CaseId = $case;
        let actor: Actor = $actor;
        let now: DateTime<Utc> = $now;
        let running: Vec<(Uuid, DateTime<Utc>)> = sqlx::query_as(
            "select id, due_at from submissions where case_id = $1 and kind = 'removal_order' and status = 'received'",
        )
        .bind(case.0)
        .fetch_all(&mut *$tx)
        .await?;
        let mut paused = Vec::with_capacity(running.len());
        for (submission, due_at) in running {
            sqlx::query("update submissions set status = 'paused', paused_at = $2, updated_at = $2 where id = $1")
                .bind(submission)
                .bind(now)
                .execute(&mut *$tx)
                .await?;
            sqlx::query(
                "insert into deadline_events (submission_id, action, reason, explanation, due_at_before, due_at_after, \
                 actor_kind, actor_id, recorded_at) values ($1, 'pause', $2, $3, $4, null, $5, $6, $7)",
            )
            .bind(submission)
            .bind(PauseReason::ClarificationRequested.as_str())
            .bind($explanation)
            .bind(due_at)
            .bind(actor.kind())
            .bind(actor.id())
            .bind(now)
            .execute(&mut *$tx)
            .await?;
            paused.push(SubmissionId(submission));
        }
        paused
    }};
}
/// Adds `"actions":[{"id":…,"kind":…}]` to an audit event's details being written, when a
/// decision asked for any.
fn push_actions(details: &mut String, actions: &[(ActionId, ActionKind)]) {
    if actions.is_empty() {
        return;
    }
    let list: Vec<String> =
        actions.iter().map(|(id, kind)| format!(r#"{{"id":"{id}","kind":"{}"}}"#, kind.as_str())).collect();
    details.push_str(&format!(r#","actions":[{}]"#, list.join(",")));
}

impl Store {
    /// Claims a case for `user` until `until` (or renews their claim). `Conflict`
    /// [`conflicts::CASE_CLAIMED`] when someone else holds it, [`conflicts::CASE_CLOSED`] when it
    /// is merged or decided. Taking a claim is audited (`case.claim`); renewing is bookkeeping.
    pub async fn claim_case(&self, case: CaseId, until: DateTime<Utc>, actor: Actor) -> StoreResult<crate::CaseRecord> {
        let user = claimant(actor)?;
        let now = self.now();
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            let (mut sequence, mut previous_hash) = lock_audit_head!(tx);
            let state = read_case_state!(tx, case);
            if state.status != CaseStatus::Open.as_str() || !state.review_state(case)?.is_open() {
                return Err(conflict(conflicts::CASE_CLOSED));
            }
            let holder = state.holder(now);
            if holder.is_some_and(|holder| holder != user) {
                return Err(conflict(conflicts::CASE_CLAIMED));
            }
            sqlx::query("update cases set claimed_by = $2, claimed_until = $3 where id = $1")
                .bind(case.0)
                .bind(user)
                .bind(until)
                .execute(&mut *tx)
                .await?;
            if holder.is_none() {
                let record = AuditRecord {
                    actor,
                    organisation_id: Some(OrganisationId(state.platform_id)),
                    action: "case.claim".into(),
                    subject_type: "case".into(),
                    subject_id: case.to_string(),
                    details: format!(r#"{{"until":"{}"}}"#, until.to_rfc3339()),
                };
                append_audit_batch!(tx, std::slice::from_ref(&record), now, sequence, previous_hash);
            }
            tx.commit().await?;
        });
        self.get_case(case).await
    }

    /// Releases `user`'s claim on a case (audited as `case.release`). Returns whether they held it.
    pub async fn release_case(&self, case: CaseId, actor: Actor) -> StoreResult<bool> {
        let user = claimant(actor)?;
        let now = self.now();
        let released = on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            let (mut sequence, mut previous_hash) = lock_audit_head!(tx);
            let state = read_case_state!(tx, case);
            let held = state.holder(now) == Some(user);
            if held {
                sqlx::query("update cases set claimed_by = null, claimed_until = null where id = $1")
                    .bind(case.0)
                    .execute(&mut *tx)
                    .await?;
                let record = AuditRecord {
                    actor,
                    organisation_id: Some(OrganisationId(state.platform_id)),
                    action: "case.release".into(),
                    subject_type: "case".into(),
                    subject_id: case.to_string(),
                    details: "{}".into(),
                };
                append_audit_batch!(tx, std::slice::from_ref(&record), now, sequence, previous_hash);
            }
            tx.commit().await?;
            held
        });
        Ok(released)
    }

    /// The most urgent open case of `platforms` nobody holds that `user` may decide (escalated
    /// and four-eyes cases only for seniors, and never a case awaiting confirmation of the
    /// user's own decision), claimed for them until `until`. `None` when there is none.
    pub async fn claim_next_case(
        &self,
        platforms: &[OrganisationId],
        senior: bool,
        until: DateTime<Utc>,
        actor: Actor,
    ) -> StoreResult<Option<crate::CaseRecord>> {
        let user = claimant(actor)?;
        if platforms.is_empty() {
            return Ok(None);
        }
        let states: &[&str] = if senior { &["new", "escalated", "awaiting_confirmation"] } else { &["new"] };
        let sql = format!(
            "select id from cases where status = 'open' and platform_id in ({}) and review_state in ({}) \
             and (claimed_by is null or claimed_until < ${} or claimed_by = ${}) \
             and not exists (select 1 from decisions where decisions.case_id = cases.id and state = 'pending' \
                             and decided_by = ${}) \
             order by case when due_at is null then 1 else 0 end, due_at, priority desc, id limit 8",
            crate::intake::list_placeholders(1, platforms.len()),
            crate::intake::list_placeholders(platforms.len() + 1, states.len()),
            platforms.len() + states.len() + 1,
            platforms.len() + states.len() + 2,
            platforms.len() + states.len() + 2,
        );
        // Candidates are read without the lock; another reviewer may take one first, so each
        // is claimed in turn until one succeeds.
        for _ in 0..3 {
            let now = self.now();
            let candidates: Vec<Uuid> = on_pool!(self, pool => {
                let mut query = sqlx::query_scalar(&sql);
                for platform in platforms {
                    query = query.bind(platform.0);
                }
                for state in states {
                    query = query.bind(*state);
                }
                query.bind(now).bind(user).fetch_all(pool).await
            })?;
            if candidates.is_empty() {
                return Ok(None);
            }
            for candidate in candidates {
                match self.claim_case(CaseId(candidate), until, actor).await {
                    Ok(case) => return Ok(Some(case)),
                    Err(StoreError::Conflict { .. }) => continue,
                    Err(error) => return Err(error),
                }
            }
        }
        Ok(None)
    }

    /// Records a decision on a case, with what it does to the case (see
    /// `vigie_domain::review::transition`), in one transaction with its audit event
    /// (`case.decide`): a request for clarification pauses the case's running removal orders;
    /// media added to a bank become signals at once. Refusals are `Conflict`s named in
    /// [`conflicts`].
    pub async fn record_decision(&self, decision: &NewDecision) -> StoreResult<DecisionRecord> {
        let now = self.now();
        let id = DecisionId::new_v7();
        let case = decision.case_id;
        let draft = &decision.draft;
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            let (mut sequence, mut previous_hash) = lock_audit_head!(tx);
            let state = read_case_state!(tx, case);
            if state.status != CaseStatus::Open.as_str() {
                return Err(conflict(conflicts::CASE_CLOSED));
            }
            if let Some(holder) = state.holder(now)
                && Some(holder) != decision.actor.id()
            {
                return Err(conflict(conflicts::CASE_CLAIMED));
            }
            let platform = OrganisationId(state.platform_id);
            let kinds: Vec<String> = sqlx::query_scalar("select distinct kind from submissions where case_id = $1")
                .bind(case.0)
                .fetch_all(&mut *tx)
                .await?;
            let kinds: Vec<SubmissionKind> = kinds.iter().filter_map(|kind| SubmissionKind::parse(kind).ok()).collect();
            let rule: String = sqlx::query_scalar("select four_eyes_kinds from organisations where id = $1")
                .bind(platform.0)
                .fetch_one(&mut *tx)
                .await?;
            let four_eyes = FourEyes::parse(&rule).map_err(|problem| corrupt("organisations", platform, problem))?;
            let four_eyes = four_eyes.applies_to(&kinds) && draft.kind.closes_case();
            let mut replaced_kind = None;
            if let Some(replaced) = decision.replaces {
                let found: Option<(String, String)> =
                    sqlx::query_as("select kind, state from decisions where id = $1 and case_id = $2")
                        .bind(replaced.0)
                        .bind(case.0)
                        .fetch_optional(&mut *tx)
                        .await?;
                let in_force = found.and_then(|(kind, state)| {
                    DecisionKind::parse(&kind)
                        .ok()
                        .filter(|kind| state == DecisionState::InForce.as_str() && kind.closes_case())
                });
                if in_force.is_none() {
                    return Err(conflict(conflicts::NOTHING_TO_REPLACE));
                }
                replaced_kind = in_force;
            }
            let step = transition(
                state.review_state(case)?,
                draft.kind,
                four_eyes,
                decision.senior,
                decision.replaces.is_some(),
            )
            .map_err(refusal_conflict)?;

            // Under four eyes the content joins the bank when the decision is confirmed
            // (`review_decision`), not before: a rejected decision adds nothing.
            let mut signals_added = 0_u64;
            if let Some((bank_id, signals)) = &decision.add_to_bank
                && step.decision == DecisionState::InForce
            {
                let (_, added) = insert_signals!(tx, *bank_id, signals, now, |_| {});
                signals_added = added;
            }
            let (ground_type, law, article, clause, ground_explanation) = match &draft.ground {
                None => (None, None, None, None, None),
                Some(Ground::Illegal { law, article, explanation }) => {
                    (Some("illegal"), Some(law.as_str()), Some(article.as_str()), None, Some(explanation.as_str()))
                }
                Some(Ground::Terms { clause, explanation }) => {
                    (Some("terms"), None, None, Some(clause.as_str()), Some(explanation.as_str()))
                }
            };
            let scope: Vec<&str> = draft.territorial_scope.iter().map(|country| country.as_str()).collect();
            let bank_labels: Vec<&str> = draft
                .add_to_bank
                .as_ref()
                .map(|(_, labels)| labels.iter().map(|label| label.as_str()).collect())
                .unwrap_or_default();
            sqlx::query(
                "insert into decisions (id, case_id, platform_id, kind, state, ground_type, law, article, clause, \
                 ground_explanation, territorial_scope, label, counter_speech, reason, explanation, note, facts, \
                 automated_detection, automated_decision, bank_id, bank_labels, signals_added, replaces, \
                 decided_by_kind, decided_by, created_at) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, \
                 $21, $22, $23, $24, $25, $26)",
            )
            .bind(id.0)
            .bind(case.0)
            .bind(platform.0)
            .bind(draft.kind.as_str())
            .bind(step.decision.as_str())
            .bind(ground_type)
            .bind(law)
            .bind(article)
            .bind(clause)
            .bind(ground_explanation)
            .bind(scope.join(" "))
            .bind(draft.label.map(LabelKind::as_str))
            .bind(draft.counter_speech.as_deref())
            .bind(draft.reason.map(CannotComplyReason::as_str))
            .bind(&draft.explanation)
            .bind(&draft.note)
            .bind(&draft.facts)
            .bind(draft.automated_detection)
            .bind(draft.automated_decision)
            .bind(decision.add_to_bank.as_ref().map(|(bank, _)| bank.0))
            .bind(bank_labels.join(","))
            .bind(signals_added as i32)
            .bind(decision.replaces.map(|replaced| replaced.0))
            .bind(decision.actor.kind())
            .bind(decision.actor.id())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            // A correction under four eyes replaces the decision in force only once confirmed.
            if let Some(replaced) = decision.replaces
                && step.decision == DecisionState::InForce
            {
                sqlx::query("update decisions set state = 'replaced' where id = $1")
                    .bind(replaced.0)
                    .execute(&mut *tx)
                    .await?;
            }
            // What the decision asks of the platform and tells the senders is sent from here, in
            // this transaction; under four eyes, once confirmed.
            let mut actions = Vec::new();
            if step.decision == DecisionState::InForce {
                let in_force = InForce {
                    decision: id,
                    case,
                    platform,
                    kind: draft.kind,
                    replaced: replaced_kind,
                    territorial_scope: &draft.territorial_scope.iter().map(|c| c.as_str().to_owned()).collect::<Vec<_>>(),
                    label: draft.label,
                    counter_speech: draft.counter_speech.as_deref(),
                };
                actions = write_decision_outbox!(tx, &in_force, now);
            }
            let decided_at = (step.case == ReviewState::Decided).then_some(now);
            sqlx::query(
                "update cases set review_state = $2, decided_at = coalesce($3, decided_at), claimed_by = null, \
                 claimed_until = null, updated_at = $4 where id = $1",
            )
            .bind(case.0)
            .bind(step.case.as_str())
            .bind(decided_at)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let mut paused: Vec<SubmissionId> = Vec::new();
            if draft.kind == DecisionKind::RequestClarification {
                paused = pause_orders_for_clarification!(tx, case, &draft.explanation, decision.actor, now);
                refresh_case!(tx, case, now);
            }
            let mut details = format!(
                r#"{{"decision":"{id}","kind":"{}","state":"{}""#,
                draft.kind.as_str(),
                step.decision.as_str()
            );
            if let Some(ground) = &draft.ground {
                details.push_str(&format!(r#","ground":"{}""#, ground.type_str()));
            }
            if let Some(replaced) = decision.replaces {
                details.push_str(&format!(r#","replaces":"{replaced}""#));
            }
            if let Some((bank, _)) = &decision.add_to_bank {
                details.push_str(&format!(r#","bank":"{bank}","signals_added":{signals_added}"#));
            }
            push_actions(&mut details, &actions);
            if !paused.is_empty() {
                let list: Vec<String> = paused.iter().map(|id| format!(r#""{id}""#)).collect();
                details.push_str(&format!(r#","paused":[{}]"#, list.join(",")));
            }
            details.push('}');
            let record = AuditRecord {
                actor: decision.actor,
                organisation_id: Some(platform),
                action: "case.decide".into(),
                subject_type: "case".into(),
                subject_id: case.to_string(),
                details,
            };
            append_audit_batch!(tx, std::slice::from_ref(&record), now, sequence, previous_hash);
            tx.commit().await?;
        });
        self.get_decision(id).await
    }

    /// Four eyes: a second reviewer confirms (`true`) or rejects a pending decision, with a
    /// note. Confirming puts it in force, decides the case, replaces the decision a correction
    /// names and adds `add_to_bank`'s signals (the decision's bank addition, held until now);
    /// rejecting sends a first decision's case back to review, and leaves a corrected case with
    /// the decision it had. `Conflict` [`conflicts::NOT_PENDING`] or [`conflicts::SAME_REVIEWER`].
    pub async fn review_decision(
        &self,
        id: DecisionId,
        confirm: bool,
        note: &str,
        actor: Actor,
        add_to_bank: Option<(BankId, Vec<NewSignal>)>,
    ) -> StoreResult<DecisionRecord> {
        let now = self.now();
        let sql = format!("select {DECISION_COLUMNS} from decisions where id = $1");
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            let (mut sequence, mut previous_hash) = lock_audit_head!(tx);
            let row: DecisionRow = sqlx::query_as(&sql).bind(id.0).fetch_one(&mut *tx).await?;
            let decision = row.into_record()?;
            if decision.state != DecisionState::Pending {
                return Err(conflict(conflicts::NOT_PENDING));
            }
            if decision.decided_by == actor {
                return Err(conflict(conflicts::SAME_REVIEWER));
            }
            let correction = decision.replaces.is_some();
            let (decision_state, case_state) = match (confirm, correction) {
                (true, _) => (DecisionState::InForce, ReviewState::Decided),
                // The decision it would have corrected stays in force.
                (false, true) => (DecisionState::Rejected, ReviewState::Decided),
                (false, false) => (DecisionState::Rejected, ReviewState::New),
            };
            let mut signals_added = 0_u64;
            if confirm && let Some((bank_id, signals)) = &add_to_bank {
                let (_, added) = insert_signals!(tx, *bank_id, signals, now, |_| {});
                signals_added = added;
            }
            sqlx::query(
                "update decisions set state = $2, reviewed_by_kind = $3, reviewed_by = $4, reviewed_at = $5, \
                 review_note = $6, signals_added = $7 where id = $1",
            )
            .bind(id.0)
            .bind(decision_state.as_str())
            .bind(actor.kind())
            .bind(actor.id())
            .bind(now)
            .bind(note)
            .bind(signals_added as i32)
            .execute(&mut *tx)
            .await?;
            let mut replaced_kind = None;
            if confirm && let Some(replaced) = decision.replaces {
                let kind: String = sqlx::query_scalar("update decisions set state = 'replaced' where id = $1 returning kind")
                    .bind(replaced.0)
                    .fetch_one(&mut *tx)
                    .await?;
                replaced_kind = Some(DecisionKind::parse(&kind).map_err(|problem| corrupt("decisions", replaced, problem))?);
            }
            let mut actions = Vec::new();
            if confirm {
                let in_force = InForce {
                    decision: id,
                    case: decision.case_id,
                    platform: decision.platform_id,
                    kind: decision.kind,
                    replaced: replaced_kind,
                    territorial_scope: &decision.territorial_scope,
                    label: decision.label,
                    counter_speech: decision.counter_speech.as_deref(),
                };
                actions = write_decision_outbox!(tx, &in_force, now);
            }
            // Confirmed: decided now. Rejected: a first decision's case has no decision time; a
            // correction's keeps the one it had.
            let decided_at = confirm.then_some(now);
            sqlx::query(
                "update cases set review_state = $2, decided_at = case when $5 then decided_at else $3 end, \
                 claimed_by = null, claimed_until = null, updated_at = $4 where id = $1",
            )
            .bind(decision.case_id.0)
            .bind(case_state.as_str())
            .bind(decided_at)
            .bind(now)
            .bind(!confirm && correction)
            .execute(&mut *tx)
            .await?;
            let record = AuditRecord {
                actor,
                organisation_id: Some(decision.platform_id),
                action: if confirm { "decision.confirm" } else { "decision.reject" }.into(),
                subject_type: "case".into(),
                subject_id: decision.case_id.to_string(),
                details: {
                    let mut details = format!(r#"{{"decision":"{id}","kind":"{}""#, decision.kind.as_str());
                    push_actions(&mut details, &actions);
                    details.push('}');
                    details
                },
            };
            append_audit_batch!(tx, std::slice::from_ref(&record), now, sequence, previous_hash);
            tx.commit().await?;
        });
        self.get_decision(id).await
    }

    /// One decision, or `NotFound`.
    pub async fn get_decision(&self, id: DecisionId) -> StoreResult<DecisionRecord> {
        let sql = format!("select {DECISION_COLUMNS} from decisions where id = $1");
        let row: DecisionRow = on_pool!(self, pool => sqlx::query_as(&sql).bind(id.0).fetch_one(pool).await)?;
        row.into_record()
    }

    /// The decision whose statement of reasons has this token, if any.
    pub async fn find_decision_by_statement_token(&self, token: &str) -> StoreResult<Option<DecisionRecord>> {
        let sql = format!("select {DECISION_COLUMNS} from decisions where statement_token = $1");
        let row: Option<DecisionRow> =
            on_pool!(self, pool => sqlx::query_as(&sql).bind(token).fetch_optional(pool).await)?;
        row.map(DecisionRow::into_record).transpose()
    }

    /// A case's decisions, oldest first.
    pub async fn list_decisions(&self, case: CaseId) -> StoreResult<Vec<DecisionRecord>> {
        let sql = format!("select {DECISION_COLUMNS} from decisions where case_id = $1 order by created_at, id");
        let rows: Vec<DecisionRow> = on_pool!(self, pool => sqlx::query_as(&sql).bind(case.0).fetch_all(pool).await)?;
        rows.into_iter().map(DecisionRow::into_record).collect()
    }

    /// Adds an internal note to a case (audited as `case.note`, without its text).
    pub async fn add_case_note(&self, case: CaseId, body: &str, actor: Actor) -> StoreResult<CaseNote> {
        let now = self.now();
        let id = CaseNoteId::new_v7();
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            let (mut sequence, mut previous_hash) = lock_audit_head!(tx);
            let state = read_case_state!(tx, case);
            sqlx::query(
                "insert into case_notes (id, case_id, author_kind, author_id, body, created_at) \
                 values ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id.0)
            .bind(case.0)
            .bind(actor.kind())
            .bind(actor.id())
            .bind(body)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let record = AuditRecord {
                actor,
                organisation_id: Some(OrganisationId(state.platform_id)),
                action: "case.note".into(),
                subject_type: "case".into(),
                subject_id: case.to_string(),
                details: format!(r#"{{"note":"{id}"}}"#),
            };
            append_audit_batch!(tx, std::slice::from_ref(&record), now, sequence, previous_hash);
            tx.commit().await?;
        });
        Ok(CaseNote { id, author: actor, body: body.to_owned(), created_at: now })
    }

    /// A case's notes, oldest first.
    pub async fn list_case_notes(&self, case: CaseId) -> StoreResult<Vec<CaseNote>> {
        let rows: Vec<NoteRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "select id, author_kind, author_id, body, created_at from case_notes where case_id = $1 \
                 order by created_at, id",
            )
            .bind(case.0)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter()
            .map(|(id, kind, author, body, created_at)| {
                Ok(CaseNote {
                    id: CaseNoteId(id),
                    author: actor_from(&kind, author).map_err(|problem| corrupt("case_notes", id, problem))?,
                    body,
                    created_at,
                })
            })
            .collect()
    }

    /// The submission kinds a platform wants decided by four eyes.
    pub async fn four_eyes(&self, platform: OrganisationId) -> StoreResult<FourEyes> {
        let rule: String = on_pool!(self, pool => {
            sqlx::query_scalar("select four_eyes_kinds from organisations where id = $1")
                .bind(platform.0)
                .fetch_one(pool)
                .await
        })?;
        FourEyes::parse(&rule).map_err(|problem| corrupt("organisations", platform, problem))
    }

    /// Sets the submission kinds a platform wants decided by four eyes (audited as
    /// `organisation.four_eyes`).
    pub async fn set_four_eyes(&self, platform: OrganisationId, rule: &FourEyes, actor: Actor) -> StoreResult<()> {
        let now = self.now();
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            let (mut sequence, mut previous_hash) = lock_audit_head!(tx);
            let changed = sqlx::query("update organisations set four_eyes_kinds = $2, updated_at = $3 where id = $1")
                .bind(platform.0)
                .bind(rule.to_stored())
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if changed == 0 {
                return Err(StoreError::NotFound);
            }
            let kinds: Vec<String> = rule.kinds().iter().map(|kind| format!(r#""{}""#, kind.as_str())).collect();
            let record = AuditRecord {
                actor,
                organisation_id: Some(platform),
                action: "organisation.four_eyes".into(),
                subject_type: "organisation".into(),
                subject_id: platform.to_string(),
                details: format!(r#"{{"kinds":[{}]}}"#, kinds.join(",")),
            };
            append_audit_batch!(tx, std::slice::from_ref(&record), now, sequence, previous_hash);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Senders, match labels and best match distance of each listed case, in two queries.
    pub async fn queue_extras(&self, cases: &[CaseId]) -> StoreResult<std::collections::HashMap<CaseId, QueueExtras>> {
        let mut extras: std::collections::HashMap<CaseId, QueueExtras> =
            cases.iter().map(|case| (*case, QueueExtras::default())).collect();
        if cases.is_empty() {
            return Ok(extras);
        }
        let list = crate::intake::list_placeholders(1, cases.len());
        let senders_sql = format!(
            "select distinct case_id, submitter_id from submissions where case_id in ({list}) and submitter_id is not null"
        );
        let matches_sql = format!(
            "select case_id, labels, min(distance) from case_matches where case_id in ({list}) group by case_id, labels"
        );
        let (senders, matches): (Vec<SenderRow>, Vec<MatchLabelsRow>) = on_pool!(self, pool => {
            let mut query = sqlx::query_as(&senders_sql);
            for case in cases {
                query = query.bind(case.0);
            }
            let senders = query.fetch_all(pool).await?;
            let mut query = sqlx::query_as(&matches_sql);
            for case in cases {
                query = query.bind(case.0);
            }
            Ok::<_, sqlx::Error>((senders, query.fetch_all(pool).await?))
        })?;
        for (case, sender) in senders {
            if let Some(entry) = extras.get_mut(&CaseId(case)) {
                entry.senders.push(OrganisationId(sender));
            }
        }
        for (case, labels, distance) in matches {
            if let Some(entry) = extras.get_mut(&CaseId(case)) {
                entry.labels.extend(labels.split(',').filter(|label| !label.is_empty()).map(str::to_owned));
                let distance = u32::try_from(distance).unwrap_or_default();
                entry.best_distance = Some(entry.best_distance.map_or(distance, |best| best.min(distance)));
            }
        }
        for entry in extras.values_mut() {
            entry.senders.sort();
            entry.labels.sort();
            entry.labels.dedup();
        }
        Ok(extras)
    }

    /// Open cases of these platforms, counted by state, and how many are overdue at `now`.
    pub async fn queue_counts(&self, platforms: &[OrganisationId], now: DateTime<Utc>) -> StoreResult<QueueCounts> {
        if platforms.is_empty() {
            return Ok(QueueCounts::default());
        }
        let sql = format!(
            "select review_state, count(*), sum(case when due_at < ${} then 1 else 0 end) from cases \
             where status = 'open' and review_state <> 'decided' and platform_id in ({}) group by review_state",
            platforms.len() + 1,
            crate::intake::list_placeholders(1, platforms.len())
        );
        let rows: Vec<(String, i64, Option<i64>)> = on_pool!(self, pool => {
            let mut query = sqlx::query_as(&sql);
            for platform in platforms {
                query = query.bind(platform.0);
            }
            query.bind(now).fetch_all(pool).await
        })?;
        let mut counts = QueueCounts::default();
        for (state, count, overdue) in rows {
            counts.open += count;
            counts.overdue += overdue.unwrap_or_default();
            match state.as_str() {
                "escalated" => counts.escalated += count,
                "awaiting_confirmation" => counts.awaiting_confirmation += count,
                _ => {}
            }
        }
        Ok(counts)
    }

    /// Closing decisions recorded on these platforms' cases since `since` (in force or pending,
    /// corrections left out), each with when its case's first submission arrived.
    pub async fn decision_timings(
        &self,
        platforms: &[OrganisationId],
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<DecisionTiming>> {
        if platforms.is_empty() {
            return Ok(Vec::new());
        }
        let aggregate = match self.backend() {
            crate::Backend::Sqlite => "group_concat(distinct s.kind)",
            crate::Backend::Postgres => "string_agg(distinct s.kind, ',')",
        };
        let sql = format!(
            "select min(s.received_at), d.created_at, {aggregate} from decisions d \
             join submissions s on s.case_id = d.case_id \
             where d.platform_id in ({}) and d.created_at >= ${} and d.replaces is null \
             and d.kind not in ('escalate', 'request_clarification') and d.state in ('in_force', 'pending') \
             group by d.id, d.created_at",
            crate::intake::list_placeholders(1, platforms.len()),
            platforms.len() + 1
        );
        let rows: Vec<(DateTime<Utc>, DateTime<Utc>, Option<String>)> = on_pool!(self, pool => {
            let mut query = sqlx::query_as(&sql);
            for platform in platforms {
                query = query.bind(platform.0);
            }
            query.bind(since).fetch_all(pool).await
        })?;
        Ok(rows
            .into_iter()
            .map(|(received_at, decided_at, kinds)| DecisionTiming {
                received_at,
                decided_at,
                kinds: kinds
                    .unwrap_or_default()
                    .split(',')
                    .filter_map(|kind| SubmissionKind::parse(kind).ok())
                    .collect(),
            })
            .collect())
    }

    /// Other open cases of the same platform that matched one of the same bank signals as this
    /// case: probably the same content again (re-uploads), candidates for a bulk decision.
    pub async fn cases_sharing_matches(&self, case: CaseId, limit: u32) -> StoreResult<Vec<crate::CaseRecord>> {
        // Every condition sits inside the subquery, so the cases are found from this case's
        // matches (through `case_matches_signal`) and read by id. With the platform condition
        // outside, SQLite walked the platform's whole queue looking for them: tens of
        // milliseconds on every case page of a large platform, most cases having no match.
        let sql = format!(
            "{} where id in (select other.case_id from case_matches mine \
                             join case_matches other on other.bank = mine.bank and other.signal_id = mine.signal_id \
                             join cases this on this.id = mine.case_id \
                             join cases candidate on candidate.id = other.case_id \
                             where mine.case_id = $1 and mine.signal_id is not null and other.case_id <> $1 \
                             and candidate.platform_id = this.platform_id and candidate.status = 'open' \
                             and candidate.review_state <> 'decided') \
             order by case when due_at is null then 1 else 0 end, due_at, id limit $2",
            crate::intake::case_select(self.backend())
        );
        let rows: Vec<crate::intake::CaseRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(case.0).bind(i64::from(limit)).fetch_all(pool).await
        })?;
        let now = self.now();
        rows.into_iter().map(|row| row.into_case(now)).collect()
    }

    /// Open cases of a platform holding a match of one bank signal (bulk decisions "all cases of
    /// this match").
    pub async fn cases_matching_signal(
        &self,
        platform: OrganisationId,
        bank: &str,
        signal_id: i64,
        limit: u32,
    ) -> StoreResult<Vec<CaseId>> {
        let ids: Vec<Uuid> = on_pool!(self, pool => {
            sqlx::query_scalar(
                "select id from cases where status = 'open' and review_state <> 'decided' and platform_id = $1 \
                 and exists (select 1 from case_matches where case_id = cases.id and bank = $2 and signal_id = $3) \
                 order by case when due_at is null then 1 else 0 end, due_at, id limit $4",
            )
            .bind(platform.0)
            .bind(bank)
            .bind(signal_id)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await
        })?;
        Ok(ids.into_iter().map(CaseId).collect())
    }
}
