//! Complaints against decisions: filed, then upheld or reversed by a reviewer other than the
//! decider. A reversal is a new decision (`no_violation`) replacing the one complained about,
//! written with its actions (`reinstate`) and the senders' outcome events in the same
//! transaction, like any decision coming into force.

use chrono::{DateTime, Utc};
use uuid::Uuid;
use vigie_domain::access::Actor;
use vigie_domain::audit::AuditRecord;
use vigie_domain::complaints::{ANSWER_WITHIN, AnnulmentSource, ComplaintChannel, ComplaintKind, ComplaintStatus};
use vigie_domain::ids::{CaseId, ComplaintId, DecisionId, OrganisationId};
use vigie_domain::review::{DecisionKind, DecisionState};

use crate::actions::{InForce, write_decision_outbox};
use crate::audit::{actor_from, append_audit_batch, lock_audit_head};
use crate::organisations::corrupt;
use crate::{Store, StoreError, StoreResult, on_pool};

/// Why a complaint was refused or could not be decided, as `StoreError::Conflict`'s constraint.
pub mod conflicts {
    /// The decision is not (or no longer) the one in force on its case.
    pub const NOT_IN_FORCE: &str = "complaint_decision_not_in_force";
    /// A complaint about this decision is open already.
    pub const ALREADY_OPEN: &str = "complaint_already_open";
    /// The complaint was decided before.
    pub const DECIDED: &str = "complaint_decided";
    /// The decider (or the reviewer who confirmed the decision) may not handle it.
    pub const SAME_REVIEWER: &str = "complaint_same_reviewer";
    /// A removal order is behind the decision: a senior reviewer handles it.
    pub const NEEDS_SENIOR: &str = "complaint_needs_senior_reviewer";
}

/// A complaint, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComplaintRecord {
    /// Its id.
    pub id: ComplaintId,
    /// The decision complained about.
    pub decision_id: DecisionId,
    /// Its case.
    pub case_id: CaseId,
    /// The platform that must answer.
    pub platform_id: OrganisationId,
    /// Which rules it follows.
    pub kind: ComplaintKind,
    /// How it came in.
    pub channel: ComplaintChannel,
    /// Why the decision is wrong, in the complainant's words.
    pub reasons: String,
    /// When it came in.
    pub received_at: DateTime<Utc>,
    /// When it must be answered.
    pub due_at: DateTime<Utc>,
    /// Where it stands.
    pub status: ComplaintStatus,
    /// Who answered.
    pub handled_by: Option<Actor>,
    /// When.
    pub handled_at: Option<DateTime<Utc>>,
    /// The answer's reasons.
    pub outcome_reasons: Option<String>,
    /// The decision that reversed the one complained about.
    pub reversal_decision_id: Option<DecisionId>,
}

#[derive(sqlx::FromRow)]
struct ComplaintRow {
    id: Uuid,
    decision_id: Uuid,
    case_id: Uuid,
    platform_id: Uuid,
    kind: String,
    channel: String,
    reasons: String,
    received_at: DateTime<Utc>,
    due_at: DateTime<Utc>,
    status: String,
    handled_by_kind: Option<String>,
    handled_by: Option<Uuid>,
    handled_at: Option<DateTime<Utc>>,
    outcome_reasons: Option<String>,
    reversal_decision_id: Option<Uuid>,
}

const COMPLAINT_COLUMNS: &str = "id, decision_id, case_id, platform_id, kind, channel, reasons, received_at, due_at, \
    status, handled_by_kind, handled_by, handled_at, outcome_reasons, reversal_decision_id";

impl ComplaintRow {
    fn into_record(self) -> StoreResult<ComplaintRecord> {
        let bad = |problem: String| corrupt("complaints", self.id, problem);
        Ok(ComplaintRecord {
            id: ComplaintId(self.id),
            decision_id: DecisionId(self.decision_id),
            case_id: CaseId(self.case_id),
            platform_id: OrganisationId(self.platform_id),
            kind: ComplaintKind::parse(&self.kind).map_err(bad)?,
            channel: ComplaintChannel::parse(&self.channel).map_err(bad)?,
            reasons: self.reasons,
            received_at: self.received_at,
            due_at: self.due_at,
            status: ComplaintStatus::parse(&self.status).map_err(bad)?,
            handled_by: match self.handled_by_kind.as_deref() {
                None => None,
                Some(kind) => Some(actor_from(kind, self.handled_by).map_err(bad)?),
            },
            handled_at: self.handled_at,
            outcome_reasons: self.outcome_reasons,
            reversal_decision_id: self.reversal_decision_id.map(DecisionId),
        })
    }
}

/// Inside `$tx`: replaces decision `$replaced` (of kind `$replaced_kind`, in force) by a
/// `no_violation` decision of `$actor` explained by `$explanation`, and writes its outbox (the
/// `reinstate` of a takedown, the senders' outcome events). Evaluates to the new decision's id
/// and its actions.
macro_rules! reverse_decision {
    ($tx:expr, $replaced:expr, $case:expr, $platform:expr, $replaced_kind:expr, $explanation:expr, $actor:expr, $now:expr) => {{
        let replaced: DecisionId = $replaced;
        let (case, platform): (CaseId, OrganisationId) = ($case, $platform);
        let actor: Actor = $actor;
        let now: DateTime<Utc> = $now;
        let decision = DecisionId::new_v7();
        sqlx::query("update decisions set state = 'replaced' where id = $1")
            .bind(replaced.0)
            .execute(&mut *$tx)
            .await?;
        sqlx::query(
            "insert into decisions (id, case_id, platform_id, kind, state, explanation, replaces, decided_by_kind, \
             decided_by, created_at) values ($1, $2, $3, 'no_violation', 'in_force', $4, $5, $6, $7, $8)",
        )
        .bind(decision.0)
        .bind(case.0)
        .bind(platform.0)
        .bind($explanation)
        .bind(replaced.0)
        .bind(actor.kind())
        .bind(actor.id())
        .bind(now)
        .execute(&mut *$tx)
        .await?;
        sqlx::query("update cases set decided_at = $2, updated_at = $2 where id = $1")
            .bind(case.0)
            .bind(now)
            .execute(&mut *$tx)
            .await?;
        let in_force = InForce {
            decision,
            case,
            platform,
            kind: DecisionKind::NoViolation,
            replaced: Some($replaced_kind),
            territorial_scope: &[],
            label: None,
            counter_speech: None,
        };
        let actions = write_decision_outbox!($tx, &in_force, now);
        (decision, actions)
    }};
}

fn conflict(constraint: &str) -> StoreError {
    StoreError::Conflict { constraint: constraint.into() }
}

impl Store {
    /// Files a complaint about a decision in force (audited as `complaint.file` on its case,
    /// without its text). It follows TCO Art. 10 when a removal order is behind the case, else
    /// DSA Art. 20, and is due [`ANSWER_WITHIN`] after it came in. The caller checks the window.
    pub async fn file_complaint(
        &self,
        decision: DecisionId,
        channel: ComplaintChannel,
        reasons: &str,
        actor: Actor,
    ) -> StoreResult<ComplaintRecord> {
        let now = self.now();
        let id = ComplaintId::new_v7();
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            let (mut sequence, mut previous_hash) = lock_audit_head!(tx);
            let (case, platform, state): (Uuid, Uuid, String) =
                sqlx::query_as("select case_id, platform_id, state from decisions where id = $1")
                    .bind(decision.0)
                    .fetch_one(&mut *tx)
                    .await?;
            if state != DecisionState::InForce.as_str() {
                return Err(conflict(conflicts::NOT_IN_FORCE));
            }
            let open: i64 = sqlx::query_scalar("select count(*) from complaints where decision_id = $1 and status = 'open'")
                .bind(decision.0)
                .fetch_one(&mut *tx)
                .await?;
            if open > 0 {
                return Err(conflict(conflicts::ALREADY_OPEN));
            }
            let orders: i64 = sqlx::query_scalar(
                "select count(*) from submissions where case_id = $1 and kind = 'removal_order'",
            )
            .bind(case)
            .fetch_one(&mut *tx)
            .await?;
            let kind = if orders > 0 { ComplaintKind::TcoArt10 } else { ComplaintKind::DsaArt20 };
            sqlx::query(
                "insert into complaints (id, decision_id, case_id, platform_id, kind, channel, reasons, received_at, \
                 due_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(id.0)
            .bind(decision.0)
            .bind(case)
            .bind(platform)
            .bind(kind.as_str())
            .bind(channel.as_str())
            .bind(reasons)
            .bind(now)
            .bind(now + ANSWER_WITHIN)
            .execute(&mut *tx)
            .await?;
            let record = AuditRecord {
                actor,
                organisation_id: Some(OrganisationId(platform)),
                action: "complaint.file".into(),
                subject_type: "case".into(),
                subject_id: case.to_string(),
                details: format!(
                    r#"{{"complaint":"{id}","decision":"{decision}","kind":"{}","channel":"{}"}}"#,
                    kind.as_str(),
                    channel.as_str()
                ),
            };
            append_audit_batch!(tx, std::slice::from_ref(&record), now, sequence, previous_hash);
            tx.commit().await?;
        });
        self.get_complaint(id).await
    }

    /// Answers a complaint: `Upheld` (the decision stands) or `Reversed` (a `no_violation`
    /// decision by `actor`, explained by `reasons`, replaces it, with its `reinstate` action and
    /// the senders' outcome events). Audited as `complaint.decide`. Refused (`Conflict`, named
    /// in [`conflicts`]) when decided before, when `actor` decided or confirmed the decision,
    /// when a removal order is behind it and `senior` is false, or when the decision is no
    /// longer in force.
    pub async fn decide_complaint(
        &self,
        id: ComplaintId,
        outcome: ComplaintStatus,
        reasons: &str,
        actor: Actor,
        senior: bool,
    ) -> StoreResult<ComplaintRecord> {
        let now = self.now();
        let sql = format!("select {COMPLAINT_COLUMNS} from complaints where id = $1");
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            let (mut sequence, mut previous_hash) = lock_audit_head!(tx);
            let row: ComplaintRow = sqlx::query_as(&sql).bind(id.0).fetch_one(&mut *tx).await?;
            let complaint = row.into_record()?;
            if complaint.status != ComplaintStatus::Open {
                return Err(conflict(conflicts::DECIDED));
            }
            type DecisionFacts = (String, String, String, Option<Uuid>, Option<String>, Option<Uuid>);
            let (kind, state, decided_by_kind, decided_by, reviewed_by_kind, reviewed_by): DecisionFacts =
                sqlx::query_as(
                    "select kind, state, decided_by_kind, decided_by, reviewed_by_kind, reviewed_by from decisions \
                     where id = $1",
                )
                .bind(complaint.decision_id.0)
                .fetch_one(&mut *tx)
                .await?;
            let bad = |problem: String| corrupt("decisions", complaint.decision_id, problem);
            let decider = actor_from(&decided_by_kind, decided_by).map_err(bad)?;
            let confirmer = match reviewed_by_kind.as_deref() {
                None => None,
                Some(kind) => Some(actor_from(kind, reviewed_by).map_err(bad)?),
            };
            if decider == actor || confirmer == Some(actor) {
                return Err(conflict(conflicts::SAME_REVIEWER));
            }
            if complaint.kind == ComplaintKind::TcoArt10 && !senior {
                return Err(conflict(conflicts::NEEDS_SENIOR));
            }
            if state != DecisionState::InForce.as_str() {
                return Err(conflict(conflicts::NOT_IN_FORCE));
            }
            let complained = DecisionKind::parse(&kind).map_err(bad)?;
            let mut reversal = None;
            let mut details = format!(r#"{{"complaint":"{id}","outcome":"{}""#, outcome.as_str());
            if outcome == ComplaintStatus::Reversed {
                let (decision, actions) = reverse_decision!(
                    tx,
                    complaint.decision_id,
                    complaint.case_id,
                    complaint.platform_id,
                    complained,
                    reasons,
                    actor,
                    now
                );
                details.push_str(&format!(r#","decision":"{decision}""#));
                for (action, kind) in actions {
                    details.push_str(&format!(r#","action":"{action}","action_kind":"{}""#, kind.as_str()));
                }
                reversal = Some(decision);
            }
            details.push('}');
            sqlx::query(
                "update complaints set status = $2, handled_by_kind = $3, handled_by = $4, handled_at = $5, \
                 outcome_reasons = $6, reversal_decision_id = $7 where id = $1",
            )
            .bind(id.0)
            .bind(outcome.as_str())
            .bind(actor.kind())
            .bind(actor.id())
            .bind(now)
            .bind(reasons)
            .bind(reversal.map(|decision| decision.0))
            .execute(&mut *tx)
            .await?;
            let record = AuditRecord {
                actor,
                organisation_id: Some(complaint.platform_id),
                action: "complaint.decide".into(),
                subject_type: "case".into(),
                subject_id: complaint.case_id.to_string(),
                details,
            };
            append_audit_batch!(tx, std::slice::from_ref(&record), now, sequence, previous_hash);
            tx.commit().await?;
        });
        self.get_complaint(id).await
    }

    /// Records that a decision in force was annulled outside the platform (a cross-border
    /// scrutiny or a court): a `no_violation` decision by `actor`, explained by `explanation`
    /// (which names the ruling), replaces it, with its `reinstate` and the senders' outcome
    /// events, audited as `decision.annul` with the source. `Conflict`
    /// [`conflicts::NOT_IN_FORCE`] for a decision not in force.
    pub async fn annul_decision(
        &self,
        decision: DecisionId,
        source: AnnulmentSource,
        explanation: &str,
        actor: Actor,
    ) -> StoreResult<DecisionId> {
        let now = self.now();
        let reversal = on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            let (mut sequence, mut previous_hash) = lock_audit_head!(tx);
            let (case, platform, kind, state): (Uuid, Uuid, String, String) =
                sqlx::query_as("select case_id, platform_id, kind, state from decisions where id = $1")
                    .bind(decision.0)
                    .fetch_one(&mut *tx)
                    .await?;
            let annulled = DecisionKind::parse(&kind).map_err(|problem| corrupt("decisions", decision, problem))?;
            if state != DecisionState::InForce.as_str() || !annulled.closes_case() {
                return Err(conflict(conflicts::NOT_IN_FORCE));
            }
            let (reversal, actions) = reverse_decision!(
                tx,
                decision,
                CaseId(case),
                OrganisationId(platform),
                annulled,
                explanation,
                actor,
                now
            );
            // The reference and explanation are in the new decision; the trail keeps no free text.
            let mut details =
                format!(r#"{{"decision":"{decision}","source":"{}","reversal":"{reversal}""#, source.as_str());
            for (action, kind) in actions {
                details.push_str(&format!(r#","action":"{action}","action_kind":"{}""#, kind.as_str()));
            }
            details.push('}');
            let record = AuditRecord {
                actor,
                organisation_id: Some(OrganisationId(platform)),
                action: "decision.annul".into(),
                subject_type: "case".into(),
                subject_id: case.to_string(),
                details,
            };
            append_audit_batch!(tx, std::slice::from_ref(&record), now, sequence, previous_hash);
            tx.commit().await?;
            reversal
        });
        Ok(reversal)
    }

    /// One complaint, or `NotFound`.
    pub async fn get_complaint(&self, id: ComplaintId) -> StoreResult<ComplaintRecord> {
        let sql = format!("select {COMPLAINT_COLUMNS} from complaints where id = $1");
        let row: ComplaintRow = on_pool!(self, pool => sqlx::query_as(&sql).bind(id.0).fetch_one(pool).await)?;
        row.into_record()
    }

    /// The complaints about a decision, oldest first.
    pub async fn list_decision_complaints(&self, decision: DecisionId) -> StoreResult<Vec<ComplaintRecord>> {
        let sql = format!("select {COMPLAINT_COLUMNS} from complaints where decision_id = $1 order by received_at, id");
        let rows: Vec<ComplaintRow> =
            on_pool!(self, pool => sqlx::query_as(&sql).bind(decision.0).fetch_all(pool).await)?;
        rows.into_iter().map(ComplaintRow::into_record).collect()
    }

    /// The complaints about a case's decisions, oldest first.
    pub async fn list_case_complaints(&self, case: CaseId) -> StoreResult<Vec<ComplaintRecord>> {
        let sql = format!("select {COMPLAINT_COLUMNS} from complaints where case_id = $1 order by received_at, id");
        let rows: Vec<ComplaintRow> = on_pool!(self, pool => sqlx::query_as(&sql).bind(case.0).fetch_all(pool).await)?;
        rows.into_iter().map(ComplaintRow::into_record).collect()
    }

    /// A platform's complaints (open ones by due date, else newest first), at most `limit`.
    pub async fn list_complaints(
        &self,
        platform: OrganisationId,
        status: Option<ComplaintStatus>,
        limit: u32,
    ) -> StoreResult<Vec<ComplaintRecord>> {
        let sql = format!(
            "select {COMPLAINT_COLUMNS} from complaints where platform_id = $1 and ($2 is null or status = $2) \
             order by case when status = 'open' then 0 else 1 end, due_at, received_at desc, id limit $3"
        );
        let rows: Vec<ComplaintRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql)
                .bind(platform.0)
                .bind(status.map(ComplaintStatus::as_str))
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
        })?;
        rows.into_iter().map(ComplaintRow::into_record).collect()
    }
}
