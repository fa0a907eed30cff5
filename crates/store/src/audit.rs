//! The audit trail: appending inside other methods' transactions, listing and verifying, and
//! the signed checkpoints of its head.
//!
//! Reading never fails on a damaged row: every column is decoded on its own, and a row that
//! cannot be read is returned as an [`UnreadableEvent`] naming its sequence number, so
//! verification can report where the trail is damaged instead of failing as a whole.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use uuid::Uuid;
use vigie_domain::access::Actor;
use vigie_domain::audit::{self, AuditEvent, AuditRecord, BreakKind, ChainBreak, GENESIS_HASH};
use vigie_domain::ids::{OrganisationId, TokenId, UserId};

use crate::{Backend, Store, StoreError, StoreResult, on_pool};

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
        ("user" | "token", None) => Err(format!("actor_kind {kind} has no actor_id")),
        ("cli" | "system" | "public", Some(_)) => Err(format!("actor_kind {kind} has an actor_id")),
        (kind, _) => Err(format!("unknown actor kind {kind:?}")),
    }
}

/// An audit row that cannot be read as an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnreadableEvent {
    /// Its sequence number.
    pub sequence: i64,
    /// Which column is wrong and how (never its value).
    pub problem: String,
}

/// The select list of `audit_events`. On PostgreSQL, times chrono cannot hold (`infinity`,
/// year 300000) are read as null: sqlx would panic converting them.
fn event_columns(backend: Backend) -> String {
    format!(
        "sequence, {}, actor_kind, actor_id, organisation_id, action, subject_type, subject_id, details, \
         previous_hash, hash",
        time_column("recorded_at", backend)
    )
}

fn time_column(column: &str, backend: Backend) -> String {
    match backend {
        Backend::Sqlite => column.to_owned(),
        Backend::Postgres => format!(
            "case when {column} >= timestamptz '0001-01-01 00:00:00+00' \
             and {column} < timestamptz '10000-01-01 00:00:00+00' then {column} end as {column}"
        ),
    }
}

/// A UUID column as the hyphenated lower-case text `Uuid::to_string` gives (what `subject_id`
/// holds): PostgreSQL casts it; SQLite stores UUIDs as 16-byte blobs, spelt out here.
fn uuid_as_text(column: &str, backend: Backend) -> String {
    match backend {
        Backend::Postgres => format!("{column}::text"),
        Backend::Sqlite => format!(
            "lower(substr(hex({column}), 1, 8) || '-' || substr(hex({column}), 9, 4) || '-' || \
             substr(hex({column}), 13, 4) || '-' || substr(hex({column}), 17, 4) || '-' || substr(hex({column}), 21))"
        ),
    }
}

/// Reads one row selected with [`event_columns`] as `Result<AuditEvent, UnreadableEvent>`,
/// column by column. Fails (with `?`) only when the sequence number itself cannot be read,
/// which neither schema allows.
macro_rules! read_event_row {
    ($row:expr) => {{
        use sqlx::Row as _;
        let row = &$row;
        let sequence: i64 = row
            .try_get("sequence")
            .map_err(|error| StoreError::Other(anyhow::anyhow!("an audit event's sequence cannot be read: {error}")))?;
        let unreadable = |problem: &str| UnreadableEvent { sequence, problem: problem.to_owned() };
        (|| -> Result<AuditEvent, UnreadableEvent> {
            let recorded_at: Option<DateTime<Utc>> =
                row.try_get("recorded_at").map_err(|_| unreadable("recorded_at is not a time"))?;
            let recorded_at = recorded_at.ok_or_else(|| unreadable("recorded_at is outside the years 1 to 9999"))?;
            let actor_kind: String = row.try_get("actor_kind").map_err(|_| unreadable("actor_kind is not text"))?;
            let actor_id: Option<Uuid> =
                row.try_get("actor_id").map_err(|_| unreadable("actor_id is not a UUID (16 bytes)"))?;
            let actor = actor_from(&actor_kind, actor_id).map_err(|problem| unreadable(&problem))?;
            let organisation_id: Option<Uuid> =
                row.try_get("organisation_id").map_err(|_| unreadable("organisation_id is not a UUID (16 bytes)"))?;
            let text = |column: &'static str| -> Result<String, UnreadableEvent> {
                row.try_get(column).map_err(|_| unreadable(&format!("{column} is not text")))
            };
            Ok(AuditEvent {
                sequence,
                recorded_at,
                record: AuditRecord {
                    actor,
                    organisation_id: organisation_id.map(OrganisationId),
                    action: text("action")?,
                    subject_type: text("subject_type")?,
                    subject_id: text("subject_id")?,
                    details: text("details")?,
                },
                previous_hash: text("previous_hash")?,
                hash: text("hash")?,
            })
        })()
    }};
}

/// A page of audit events, newest first.
#[derive(Debug)]
pub struct AuditPage {
    /// The events.
    pub events: Vec<AuditEvent>,
    /// Rows of this page that cannot be read (`vigie audit verify` says more).
    pub unreadable: Vec<UnreadableEvent>,
    /// Pass as `before` to get the next (older) page; `None` at the start of the trail.
    pub next_before: Option<i64>,
}

/// A point of the chain: an event's sequence number and hash (`0` and [`GENESIS_HASH`] before
/// the first event).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainPoint {
    /// Sequence number.
    pub sequence: i64,
    /// The event's hash, hex.
    pub hash: String,
}

impl ChainPoint {
    /// Before the first event.
    pub fn genesis() -> Self {
        Self { sequence: 0, hash: GENESIS_HASH.to_owned() }
    }
}

/// The result of checking the whole chain.
#[derive(Debug, PartialEq, Eq)]
pub struct ChainReport {
    /// How many events were checked and verified.
    pub events_checked: i64,
    /// The sequence number of the last event that verified (0 when none).
    pub head_sequence: i64,
    /// The hash at the end of the verified part of the chain.
    pub head_hash: String,
    /// The first inconsistency, if any.
    pub first_break: Option<ChainBreak>,
    /// The hashes of the verified events at the sequences asked to watch.
    pub watched: BTreeMap<i64, String>,
}

/// A signed checkpoint as kept in the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCheckpoint {
    /// Its id.
    pub id: Uuid,
    /// The sequence number it signs (a copy of what the note states).
    pub sequence: i64,
    /// When it was signed (a copy of what the note states).
    pub signed_at: DateTime<Utc>,
    /// The signed note, exactly as issued.
    pub note: String,
}

/// A checkpoint row that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnreadableCheckpoint {
    /// Its sequence number, when that column can be read.
    pub sequence: Option<i64>,
    /// Which column is wrong.
    pub problem: String,
}

/// A checkpoint row: readable or not.
pub type CheckpointRow = Result<StoredCheckpoint, UnreadableCheckpoint>;

fn checkpoint_columns(backend: Backend) -> String {
    format!("id, sequence, {}, note", time_column("signed_at", backend))
}

macro_rules! read_checkpoint_row {
    ($row:expr) => {{
        use sqlx::Row as _;
        let row = &$row;
        let sequence: Option<i64> = row.try_get("sequence").ok();
        let unreadable = |problem: &str| UnreadableCheckpoint { sequence, problem: problem.to_owned() };
        (|| -> CheckpointRow {
            let id: Uuid = row.try_get("id").map_err(|_| unreadable("id is not a UUID"))?;
            let sequence = sequence.ok_or_else(|| unreadable("sequence is not a number"))?;
            let signed_at: Option<DateTime<Utc>> =
                row.try_get("signed_at").map_err(|_| unreadable("signed_at is not a time"))?;
            let signed_at = signed_at.ok_or_else(|| unreadable("signed_at is outside the years 1 to 9999"))?;
            let note: String = row.try_get("note").map_err(|_| unreadable("note is not text"))?;
            Ok(StoredCheckpoint { id, sequence, signed_at, note })
        })()
    }};
}

const WALK_PAGE: i64 = 1000;

impl Store {
    /// The events about these subjects (type and id as recorded), oldest first, at most
    /// `limit`: a case's history is its own events and its submissions'.
    pub async fn list_subject_events(
        &self,
        subjects: &[(&str, String)],
        limit: u32,
    ) -> StoreResult<Vec<Result<AuditEvent, UnreadableEvent>>> {
        if subjects.is_empty() {
            return Ok(Vec::new());
        }
        let conditions: Vec<String> = (0..subjects.len())
            .map(|index| format!("(subject_type = ${} and subject_id = ${})", index * 2 + 1, index * 2 + 2))
            .collect();
        let sql = format!(
            "select {} from audit_events where {} order by sequence limit {}",
            event_columns(self.backend()),
            conditions.join(" or "),
            limit.clamp(1, 1000)
        );
        on_pool!(self, pool => {
            let mut query = sqlx::query(&sql);
            for (subject_type, subject_id) in subjects {
                query = query.bind(*subject_type).bind(subject_id.as_str());
            }
            let rows = query.fetch_all(pool).await?;
            let mut read = Vec::with_capacity(rows.len());
            for row in &rows {
                read.push(read_event_row!(row));
            }
            Ok(read)
        })
    }

    /// Events newest first, older than `before`; with `organisation`, those it may read: the
    /// events recorded for it, and those whose subject is a submission or a case addressed to it
    /// (a platform sees the receipt of an order sent to it, which is recorded for the sender).
    pub async fn list_audit_events(
        &self,
        organisation: Option<OrganisationId>,
        before: Option<i64>,
        limit: u32,
    ) -> StoreResult<AuditPage> {
        let limit = i64::from(limit.clamp(1, 500));
        let backend = self.backend();
        let sql = format!(
            "select {} from audit_events \
             where ($1 is null or organisation_id = $1 \
                    or (subject_type = 'submission' \
                        and subject_id in (select {} from submissions where platform_id = $1)) \
                    or (subject_type = 'case' and subject_id in (select {} from cases where platform_id = $1))) \
               and sequence < $2 \
             order by sequence desc limit $3",
            event_columns(backend),
            uuid_as_text("id", backend),
            uuid_as_text("id", backend),
        );
        let rows: Vec<Result<AuditEvent, UnreadableEvent>> = on_pool!(self, pool => {
            let rows = sqlx::query(&sql)
                .bind(organisation.map(|id| id.0))
                .bind(before.unwrap_or(i64::MAX))
                .bind(limit)
                .fetch_all(pool)
                .await?;
            let mut read = Vec::with_capacity(rows.len());
            for row in &rows {
                read.push(read_event_row!(row));
            }
            read
        });
        let oldest = rows.iter().map(|row| row.as_ref().map_or_else(|bad| bad.sequence, |event| event.sequence)).min();
        let next_before = if rows.len() as i64 == limit { oldest } else { None };
        let mut page = AuditPage { events: Vec::with_capacity(rows.len()), unreadable: Vec::new(), next_before };
        for row in rows {
            match row {
                Ok(event) => page.events.push(event),
                Err(bad) => page.unreadable.push(bad),
            }
        }
        Ok(page)
    }

    /// The recorded end of the chain (the `audit_head` row): its last sequence number and hash.
    pub async fn audit_head(&self) -> StoreResult<ChainPoint> {
        let (sequence, hash): (i64, String) = on_pool!(self, pool => {
            sqlx::query_as("select last_sequence, last_hash from audit_head where id = 1").fetch_one(pool).await
        })?;
        Ok(ChainPoint { sequence, hash })
    }

    /// Re-computes every hash from the first event, a page at a time, and compares the end of
    /// the chain with the recorded head.
    pub async fn verify_audit_chain(&self) -> StoreResult<ChainReport> {
        self.verify_audit_chain_watching(&BTreeSet::new()).await
    }

    /// [`Store::verify_audit_chain`], also returning the hashes of the events at `watch` (the
    /// sequences of checkpoints to compare with) among those that verified.
    pub async fn verify_audit_chain_watching(&self, watch: &BTreeSet<i64>) -> StoreResult<ChainReport> {
        let mut report = self.walk_audit_chain(&ChainPoint::genesis(), None, watch).await?;
        if report.first_break.is_none() {
            let head = self.audit_head().await?;
            if head.sequence != report.head_sequence || head.hash != report.head_hash {
                report.first_break = Some(ChainBreak::new(head.sequence, BreakKind::HeadMismatch));
            }
        }
        Ok(report)
    }

    /// Up to `limit` events with a sequence above `after`, in chain order, each as stored (a row
    /// that cannot be read comes back as such).
    pub async fn audit_events_after(
        &self,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<Result<AuditEvent, UnreadableEvent>>> {
        let sql = format!(
            "select {} from audit_events where sequence > $1 order by sequence limit $2",
            event_columns(self.backend())
        );
        Ok(on_pool!(self, pool => {
            let rows = sqlx::query(&sql).bind(after).bind(i64::from(limit.clamp(1, 10_000))).fetch_all(pool).await?;
            let mut read = Vec::with_capacity(rows.len());
            for row in &rows {
                read.push(read_event_row!(row));
            }
            read
        }))
    }

    /// Verifies the events after `start` up to `end` (inclusive; the last event when `None`),
    /// stopping at the first break. When `start` is not the genesis, the event at `start` must
    /// be there, unaltered, with `start`'s hash: so a walk from the last checkpoint proves that
    /// the chain still extends it.
    pub async fn walk_audit_chain(
        &self,
        start: &ChainPoint,
        end: Option<i64>,
        watch: &BTreeSet<i64>,
    ) -> StoreResult<ChainReport> {
        let sql = format!(
            "select {} from audit_events where sequence >= $1 and sequence <= $2 order by sequence limit $3",
            event_columns(self.backend())
        );
        let end = end.unwrap_or(i64::MAX);
        let mut report = ChainReport {
            events_checked: 0,
            head_sequence: start.sequence,
            head_hash: start.hash.clone(),
            first_break: None,
            watched: BTreeMap::new(),
        };
        // The genesis is not an event; any other start is re-read and checked.
        let mut from = if start.sequence == 0 { 1 } else { start.sequence };
        let mut start_pending = start.sequence != 0;
        'pages: loop {
            let rows: Vec<Result<AuditEvent, UnreadableEvent>> = on_pool!(self, pool => {
                let rows = sqlx::query(&sql).bind(from).bind(end).bind(WALK_PAGE).fetch_all(pool).await?;
                let mut read = Vec::with_capacity(rows.len());
                for row in &rows {
                    read.push(read_event_row!(row));
                }
                read
            });
            let fetched = rows.len() as i64;
            for row in rows {
                let sequence = row.as_ref().map_or_else(|bad| bad.sequence, |event| event.sequence);
                let expected = if start_pending { start.sequence } else { report.head_sequence + 1 };
                if sequence != expected {
                    report.first_break = Some(ChainBreak::new(expected, BreakKind::Missing));
                    break 'pages;
                }
                let event = match row {
                    Ok(event) => event,
                    Err(bad) => {
                        report.first_break = Some(ChainBreak::unreadable(bad.sequence, bad.problem));
                        break 'pages;
                    }
                };
                if start_pending {
                    start_pending = false;
                    let recomputed = event.record.chain_hash(event.sequence, event.recorded_at, &event.previous_hash);
                    if recomputed != event.hash {
                        report.first_break = Some(ChainBreak::new(event.sequence, BreakKind::Altered));
                        break 'pages;
                    }
                    if event.hash != start.hash {
                        report.first_break = Some(ChainBreak {
                            sequence: event.sequence,
                            kind: BreakKind::Altered,
                            reason: "its hash is not the one the checkpoint it starts from signed".into(),
                        });
                        break 'pages;
                    }
                } else {
                    match audit::verify_chain(&report.head_hash, std::iter::once(&event)) {
                        Ok(_) => report.events_checked += 1,
                        Err(chain_break) => {
                            report.first_break = Some(chain_break);
                            break 'pages;
                        }
                    }
                }
                if watch.contains(&event.sequence) {
                    report.watched.insert(event.sequence, event.hash.clone());
                }
                report.head_sequence = event.sequence;
                report.head_hash = event.hash;
            }
            if fetched < WALK_PAGE {
                break;
            }
            from = report.head_sequence + 1;
        }
        if report.first_break.is_none() {
            if start_pending {
                report.first_break = Some(ChainBreak::new(start.sequence, BreakKind::Missing));
            } else if end != i64::MAX && report.head_sequence < end {
                report.first_break = Some(ChainBreak::new(report.head_sequence + 1, BreakKind::Missing));
            }
        }
        Ok(report)
    }

    /// Stores a signed checkpoint of the head `sequence`. With `only_if_new`, stores nothing
    /// (and returns `None`) when a checkpoint of this sequence exists already: taking the
    /// audit-head lock first makes that check and the insert one step across nodes, so periodic
    /// checkpoints from several nodes do not repeat each other. (Only this sequence: a forged row
    /// far ahead must not silence checkpoints; verification reports such a row.)
    pub async fn insert_audit_checkpoint(
        &self,
        sequence: i64,
        signed_at: DateTime<Utc>,
        note: &str,
        only_if_new: bool,
    ) -> StoreResult<Option<StoredCheckpoint>> {
        let id = Uuid::now_v7();
        let inserted = on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            let _head = lock_audit_head!(tx);
            let (existing,): (i64,) = sqlx::query_as("select count(*) from audit_checkpoints where sequence = $1")
                .bind(sequence)
                .fetch_one(&mut *tx)
                .await?;
            if only_if_new && existing > 0 {
                tx.rollback().await?;
                false
            } else {
                sqlx::query("insert into audit_checkpoints (id, sequence, signed_at, note) values ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(sequence)
                    .bind(signed_at)
                    .bind(note)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                true
            }
        });
        Ok(inserted.then(|| StoredCheckpoint { id, sequence, signed_at, note: note.to_owned() }))
    }

    /// Stored checkpoints, latest first (by sequence, then time), before the checkpoint of
    /// sequence `before` when given.
    pub async fn list_audit_checkpoints(&self, before: Option<i64>, limit: u32) -> StoreResult<Vec<CheckpointRow>> {
        let limit = i64::from(limit.clamp(1, 500));
        let sql = format!(
            "select {} from audit_checkpoints where sequence < $1 order by sequence desc, signed_at desc limit $2",
            checkpoint_columns(self.backend())
        );
        Ok(on_pool!(self, pool => {
            let rows = sqlx::query(&sql).bind(before.unwrap_or(i64::MAX)).bind(limit).fetch_all(pool).await?;
            rows.iter().map(|row| read_checkpoint_row!(row)).collect()
        }))
    }

    /// Every stored checkpoint, oldest first, `page` rows from the row numbered `offset` on (for
    /// verification, which reads them all).
    pub async fn audit_checkpoints_page(&self, offset: i64, page: u32) -> StoreResult<Vec<CheckpointRow>> {
        let sql = format!(
            "select {} from audit_checkpoints order by sequence, signed_at, id limit $1 offset $2",
            checkpoint_columns(self.backend())
        );
        Ok(on_pool!(self, pool => {
            let rows = sqlx::query(&sql).bind(i64::from(page)).bind(offset).fetch_all(pool).await?;
            rows.iter().map(|row| read_checkpoint_row!(row)).collect()
        }))
    }

    /// The sequence numbers that stored checkpoints sign (readable ones).
    pub async fn audit_checkpoint_sequences(&self) -> StoreResult<BTreeSet<i64>> {
        let rows: Vec<Option<i64>> = on_pool!(self, pool => {
            let rows = sqlx::query("select distinct sequence from audit_checkpoints").fetch_all(pool).await?;
            rows.iter().map(|row| sqlx::Row::try_get::<i64, _>(row, "sequence").ok()).collect()
        });
        Ok(rows.into_iter().flatten().collect())
    }
}
