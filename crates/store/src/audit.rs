//! The audit trail: appending inside other methods' transactions, listing and verifying.

use chrono::{DateTime, Utc};
use uuid::Uuid;
use vigie_domain::access::Actor;
use vigie_domain::audit::{self, AuditEvent, AuditRecord, GENESIS_HASH};
use vigie_domain::ids::{OrganisationId, TokenId, UserId};

use crate::{Store, StoreError, StoreResult, on_pool};

/// Appends `$record` (an `&AuditRecord`) at time `$now` to the chain inside transaction `$tx`,
/// evaluating to the new sequence number. Updating `audit_head` first takes the lock that
/// serialises appenders (a row lock on PostgreSQL, the write lock on SQLite).
macro_rules! append_audit {
    ($tx:expr, $record:expr, $now:expr) => {{
        let record: &vigie_domain::audit::AuditRecord = $record;
        let now: chrono::DateTime<chrono::Utc> = $now;
        let (sequence, previous_hash): (i64, String) = sqlx::query_as(
            "update audit_head set last_sequence = last_sequence + 1 where id = 1 \
             returning last_sequence, last_hash",
        )
        .fetch_one(&mut *$tx)
        .await?;
        let hash = record.chain_hash(sequence, now, &previous_hash);
        sqlx::query(
            "insert into audit_events (sequence, recorded_at, actor_kind, actor_id, organisation_id, action, \
             subject_type, subject_id, details, previous_hash, hash) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(sequence)
        .bind(now)
        .bind(record.actor.kind())
        .bind(record.actor.id())
        .bind(record.organisation_id.map(|id| id.0))
        .bind(&record.action)
        .bind(&record.subject_type)
        .bind(&record.subject_id)
        .bind(&record.details)
        .bind(&previous_hash)
        .bind(&hash)
        .execute(&mut *$tx)
        .await?;
        sqlx::query("update audit_head set last_hash = $1 where id = 1").bind(&hash).execute(&mut *$tx).await?;
        sequence
    }};
}
pub(crate) use append_audit;

/// Takes the audit-head lock inside transaction `$tx` without appending, evaluating to
/// `(last_sequence, last_hash)`. For transactions that must be serialised before they read
/// (intake's case grouping) and append later with [`append_audit_batch!`].
macro_rules! lock_audit_head {
    ($tx:expr) => {{
        let head: (i64, String) = sqlx::query_as(
            "update audit_head set last_sequence = last_sequence where id = 1 returning last_sequence, last_hash",
        )
        .fetch_one(&mut *$tx)
        .await?;
        head
    }};
}
pub(crate) use lock_audit_head;

/// Appends `$records` (a `&[AuditRecord]`) after the head `($sequence, $previous_hash)` read by
/// [`lock_audit_head!`] in the same transaction, with multi-row inserts, and moves the head.
/// Updates `$sequence` and `$previous_hash` to the new head.
macro_rules! append_audit_batch {
    ($tx:expr, $records:expr, $now:expr, $sequence:ident, $previous_hash:ident) => {{
        let records: &[vigie_domain::audit::AuditRecord] = $records;
        let now: chrono::DateTime<chrono::Utc> = $now;
        let mut chained = Vec::with_capacity(records.len());
        for record in records {
            $sequence += 1;
            let hash = record.chain_hash($sequence, now, &$previous_hash);
            chained.push(($sequence, record, std::mem::replace(&mut $previous_hash, hash.clone()), hash));
        }
        let rows: Vec<$crate::bulk::AuditInsert<'_>> = chained
            .iter()
            .map(|(sequence, record, previous, hash)| $crate::bulk::AuditInsert {
                sequence: *sequence,
                recorded_at: now,
                actor_kind: record.actor.kind(),
                actor_id: record.actor.id(),
                organisation_id: record.organisation_id.map(|id| id.0),
                action: &record.action,
                subject_type: &record.subject_type,
                subject_id: &record.subject_id,
                details: &record.details,
                previous_hash: previous,
                hash,
            })
            .collect();
        $crate::bulk::Bulk::insert_audit_events(&mut *$tx, &rows).await?;
        if !records.is_empty() {
            sqlx::query("update audit_head set last_sequence = $1, last_hash = $2 where id = 1")
                .bind($sequence)
                .bind(&$previous_hash)
                .execute(&mut *$tx)
                .await?;
        }
    }};
}
pub(crate) use append_audit_batch;

/// `($1, $2, …), (…)` for `rows` rows of `columns` values, numbering from `$1`.
pub(crate) fn row_placeholders(rows: usize, columns: usize) -> String {
    let mut text = String::with_capacity(rows * columns * 5);
    for row in 0..rows {
        if row > 0 {
            text.push_str(", ");
        }
        text.push('(');
        for column in 0..columns {
            if column > 0 {
                text.push_str(", ");
            }
            text.push('$');
            text.push_str(&(row * columns + column + 1).to_string());
        }
        text.push(')');
    }
    text
}

/// The actor stored as `(actor_kind, actor_id)`.
pub(crate) fn actor_from(kind: &str, id: Option<Uuid>) -> Result<Actor, String> {
    match (kind, id) {
        ("user", Some(id)) => Ok(Actor::User(UserId(id))),
        ("token", Some(id)) => Ok(Actor::Token(TokenId(id))),
        ("cli", None) => Ok(Actor::Cli),
        ("system", None) => Ok(Actor::System),
        ("public", None) => Ok(Actor::Public),
        (kind, _) => Err(format!("unknown actor kind {kind:?}")),
    }
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    sequence: i64,
    recorded_at: DateTime<Utc>,
    actor_kind: String,
    actor_id: Option<Uuid>,
    organisation_id: Option<Uuid>,
    action: String,
    subject_type: String,
    subject_id: String,
    details: String,
    previous_hash: String,
    hash: String,
}

impl AuditRow {
    fn into_event(self) -> StoreResult<AuditEvent> {
        let actor = actor_from(&self.actor_kind, self.actor_id)
            .map_err(|problem| StoreError::Other(anyhow::anyhow!("audit event {}: {problem}", self.sequence)))?;
        Ok(AuditEvent {
            sequence: self.sequence,
            recorded_at: self.recorded_at,
            record: AuditRecord {
                actor,
                organisation_id: self.organisation_id.map(OrganisationId),
                action: self.action,
                subject_type: self.subject_type,
                subject_id: self.subject_id,
                details: self.details,
            },
            previous_hash: self.previous_hash,
            hash: self.hash,
        })
    }
}

/// A page of audit events, newest first.
#[derive(Debug)]
pub struct AuditPage {
    /// The events.
    pub events: Vec<AuditEvent>,
    /// Pass as `before` to get the next (older) page; `None` at the start of the trail.
    pub next_before: Option<i64>,
}

/// The result of checking the whole chain.
#[derive(Debug, PartialEq, Eq)]
pub struct ChainReport {
    /// How many events were checked.
    pub events_checked: i64,
    /// The hash at the end of the chain.
    pub head_hash: String,
    /// The first inconsistency, if any.
    pub first_break: Option<audit::ChainBreak>,
}

const AUDIT_COLUMNS: &str = "sequence, recorded_at, actor_kind, actor_id, organisation_id, action, subject_type, \
                             subject_id, details, previous_hash, hash";

impl Store {
    /// Events newest first, optionally only those about one organisation, older than `before`.
    pub async fn list_audit_events(
        &self,
        organisation: Option<OrganisationId>,
        before: Option<i64>,
        limit: u32,
    ) -> StoreResult<AuditPage> {
        let limit = i64::from(limit.clamp(1, 500));
        let sql = format!(
            "select {AUDIT_COLUMNS} from audit_events \
             where ($1 is null or organisation_id = $1) and sequence < $2 \
             order by sequence desc limit $3"
        );
        let rows: Vec<AuditRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql)
                .bind(organisation.map(|id| id.0))
                .bind(before.unwrap_or(i64::MAX))
                .bind(limit)
                .fetch_all(pool)
                .await
        })?;
        let events = rows.into_iter().map(AuditRow::into_event).collect::<StoreResult<Vec<_>>>()?;
        let next_before = if events.len() as i64 == limit { events.last().map(|event| event.sequence) } else { None };
        Ok(AuditPage { events, next_before })
    }

    /// Re-computes every hash from the first event, a page at a time, and compares the end of
    /// the chain with the recorded head.
    pub async fn verify_audit_chain(&self) -> StoreResult<ChainReport> {
        const PAGE: i64 = 1000;
        let sql = format!("select {AUDIT_COLUMNS} from audit_events where sequence > $1 order by sequence limit $2");
        let mut previous_hash = GENESIS_HASH.to_owned();
        let mut last_sequence = 0_i64;
        let mut checked = 0_i64;
        loop {
            let rows: Vec<AuditRow> = on_pool!(self, pool => {
                sqlx::query_as(&sql).bind(last_sequence).bind(PAGE).fetch_all(pool).await
            })?;
            if rows.is_empty() {
                break;
            }
            let events = rows.into_iter().map(AuditRow::into_event).collect::<StoreResult<Vec<_>>>()?;
            if events[0].sequence != last_sequence + 1 {
                let first_break = Some(audit::ChainBreak { sequence: last_sequence + 1, reason: "event is missing" });
                return Ok(ChainReport { events_checked: checked, head_hash: previous_hash, first_break });
            }
            match audit::verify_chain(&previous_hash, &events) {
                Ok(hash) => previous_hash = hash,
                Err(chain_break) => {
                    let checked = checked + (chain_break.sequence - last_sequence - 1);
                    return Ok(ChainReport {
                        events_checked: checked,
                        head_hash: previous_hash,
                        first_break: Some(chain_break),
                    });
                }
            }
            checked += events.len() as i64;
            last_sequence = events.last().map_or(last_sequence, |event| event.sequence);
        }
        let (head_sequence, head_hash): (i64, String) = on_pool!(self, pool => {
            sqlx::query_as("select last_sequence, last_hash from audit_head where id = 1").fetch_one(pool).await
        })?;
        let first_break = (head_sequence != last_sequence || head_hash != previous_hash).then_some(audit::ChainBreak {
            sequence: head_sequence,
            reason: "the chain's recorded end does not match its events",
        });
        Ok(ChainReport { events_checked: checked, head_hash: previous_hash, first_break })
    }
}
