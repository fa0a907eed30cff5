//! Multi-row inserts, written per backend because the fast way differs.
//!
//! SQLite takes `values (…), (…)` with one parameter per value. PostgreSQL gets one array per
//! column and `unnest`: the statement text is the same whatever the number of rows, so it is
//! prepared once per connection instead of once per batch size (a 200-row `values` statement
//! with 3,600 parameters costs PostgreSQL more to parse and plan than to execute).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::audit::row_placeholders;

/// Rows per SQLite statement: at most 20 columns, well under its parameter limit.
const SQLITE_ROWS: usize = 400;

/// A case row to insert.
pub(crate) struct CaseInsert {
    pub id: Uuid,
    pub platform_id: Uuid,
    pub priority: i32,
    pub due_at: DateTime<Utc>,
    pub submission_count: i32,
    pub match_count: i32,
    pub now: DateTime<Utc>,
}

/// A submission row to insert.
pub(crate) struct SubmissionInsert<'a> {
    pub id: Uuid,
    pub number: &'a str,
    pub case_id: Uuid,
    pub platform_id: Uuid,
    pub submitter_id: Option<Uuid>,
    pub actor_kind: &'static str,
    pub actor_id: Option<Uuid>,
    pub kind: &'static str,
    pub status: &'static str,
    pub priority: i32,
    pub trusted_flagger: bool,
    pub reference: Option<&'a str>,
    pub idempotency_key: Option<&'a str>,
    pub request_fingerprint: Option<&'a str>,
    pub received_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub details: &'a str,
}

/// An audit event row to insert.
pub(crate) struct AuditInsert<'a> {
    pub sequence: i64,
    pub recorded_at: DateTime<Utc>,
    pub actor_kind: &'static str,
    pub actor_id: Option<Uuid>,
    pub organisation_id: Option<Uuid>,
    pub action: &'a str,
    pub subject_type: &'a str,
    pub subject_id: &'a str,
    pub details: &'a str,
    pub previous_hash: &'a str,
    pub hash: &'a str,
}

const SUBMISSION_COLUMNS: &str = "id, number, case_id, platform_id, submitter_id, actor_kind, actor_id, kind, status, priority, \
                                  trusted_flagger, reference, idempotency_key, request_fingerprint, received_at, \
                                  due_at, details, created_at, updated_at";
const CASE_COLUMNS: &str =
    "id, platform_id, status, priority, due_at, submission_count, match_count, created_at, updated_at";
const AUDIT_COLUMNS: &str = "sequence, recorded_at, actor_kind, actor_id, organisation_id, action, subject_type, \
                             subject_id, details, previous_hash, hash";
const CASE_KEYS_CONFLICT: &str = "on conflict (platform_id, key) do update set case_id = excluded.case_id";

/// The bulk inserts, for a connection inside a transaction.
pub(crate) trait Bulk {
    async fn insert_cases(&mut self, rows: &[CaseInsert]) -> Result<(), sqlx::Error>;
    async fn insert_submissions(&mut self, rows: &[SubmissionInsert<'_>]) -> Result<(), sqlx::Error>;
    /// `(platform_id, key, case_id)`; an existing key is pointed at the new case.
    async fn upsert_case_keys(&mut self, rows: &[(Uuid, &str, Uuid)]) -> Result<(), sqlx::Error>;
    async fn insert_audit_events(&mut self, rows: &[AuditInsert<'_>]) -> Result<(), sqlx::Error>;
    /// The cases holding any of `keys` for `platform`: `(key, case_id)`.
    /// The cases holding these content keys, among cases still open to new submissions: a case
    /// whose content the platform removed is preserved as it was (TCO Art. 6), so the same
    /// content reported again opens a new case, and the key is moved to it.
    async fn find_case_keys(&mut self, platform: Uuid, keys: &[&str]) -> Result<Vec<(String, Uuid)>, sqlx::Error>;
    /// Submissions of `submitter` whose `column` (`idempotency_key`, or `reference` of `kind`)
    /// is one of `values`, selecting `columns`.
    async fn find_submissions<R>(
        &mut self,
        columns: &str,
        submitter: Uuid,
        lookup: ResendLookup<'_>,
        values: &[&str],
    ) -> Result<Vec<R>, sqlx::Error>
    where
        R: Send
            + Unpin
            + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>;
}

/// Which earlier submissions a batch looks for.
#[derive(Clone, Copy)]
pub(crate) enum ResendLookup<'a> {
    /// By `Idempotency-Key`.
    IdempotencyKey,
    /// By the sender's reference, for one kind.
    Reference(&'a str),
}

impl ResendLookup<'_> {
    fn column(self) -> &'static str {
        match self {
            Self::IdempotencyKey => "idempotency_key",
            Self::Reference(_) => "reference",
        }
    }
}

impl Bulk for sqlx::SqliteConnection {
    async fn find_case_keys(&mut self, platform: Uuid, keys: &[&str]) -> Result<Vec<(String, Uuid)>, sqlx::Error> {
        let mut found = Vec::new();
        for chunk in keys.chunks(SQLITE_ROWS) {
            let list = (0..chunk.len()).map(|index| format!("${}", index + 2)).collect::<Vec<_>>().join(", ");
            // A case whose content was removed is closed to newcomers (see `find_case_keys`).
            let sql = format!(
                "select k.key, k.case_id from case_keys k join cases c on c.id = k.case_id \
                 where k.platform_id = $1 and k.key in ({list}) and c.removed_at is null"
            );
            let mut query = sqlx::query_as(&sql).bind(platform);
            for key in chunk {
                query = query.bind(*key);
            }
            found.extend(query.fetch_all(&mut *self).await?);
        }
        Ok(found)
    }

    async fn find_submissions<R>(
        &mut self,
        columns: &str,
        submitter: Uuid,
        lookup: ResendLookup<'_>,
        values: &[&str],
    ) -> Result<Vec<R>, sqlx::Error>
    where
        R: Send
            + Unpin
            + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        let mut found = Vec::new();
        for chunk in values.chunks(SQLITE_ROWS) {
            let list = (0..chunk.len()).map(|index| format!("${}", index + 3)).collect::<Vec<_>>().join(", ");
            let (column, kind) = match lookup {
                ResendLookup::Reference(kind) => ("reference", Some(kind)),
                ResendLookup::IdempotencyKey => ("idempotency_key", None),
            };
            // The kind condition is written out, not `($2 is null or kind = $2)`: the latter
            // keeps SQLite from using the (submitter_id, kind, reference) index past its first
            // column, which turned each lookup into a scan of the sender's submissions.
            let kind_condition = if kind.is_some() { "kind = $2" } else { "$2 is null" };
            let sql = format!(
                "select {columns} from submissions where submitter_id = $1 and {kind_condition} \
                 and {column} in ({list})"
            );
            let mut query = sqlx::query_as(&sql).bind(submitter).bind(kind);
            for value in chunk {
                query = query.bind(*value);
            }
            found.extend(query.fetch_all(&mut *self).await?);
        }
        Ok(found)
    }

    async fn insert_cases(&mut self, rows: &[CaseInsert]) -> Result<(), sqlx::Error> {
        for chunk in rows.chunks(SQLITE_ROWS) {
            let sql = format!("insert into cases ({CASE_COLUMNS}) values {}", row_placeholders(chunk.len(), 9));
            let mut query = sqlx::query(&sql);
            for row in chunk {
                query = query
                    .bind(row.id)
                    .bind(row.platform_id)
                    .bind("open")
                    .bind(row.priority)
                    .bind(row.due_at)
                    .bind(row.submission_count)
                    .bind(row.match_count)
                    .bind(row.now)
                    .bind(row.now);
            }
            query.execute(&mut *self).await?;
        }
        Ok(())
    }

    async fn insert_submissions(&mut self, rows: &[SubmissionInsert<'_>]) -> Result<(), sqlx::Error> {
        for chunk in rows.chunks(SQLITE_ROWS) {
            let sql =
                format!("insert into submissions ({SUBMISSION_COLUMNS}) values {}", row_placeholders(chunk.len(), 19));
            let mut query = sqlx::query(&sql);
            for row in chunk {
                query = query
                    .bind(row.id)
                    .bind(row.number)
                    .bind(row.case_id)
                    .bind(row.platform_id)
                    .bind(row.submitter_id)
                    .bind(row.actor_kind)
                    .bind(row.actor_id)
                    .bind(row.kind)
                    .bind(row.status)
                    .bind(row.priority)
                    .bind(row.trusted_flagger)
                    .bind(row.reference)
                    .bind(row.idempotency_key)
                    .bind(row.request_fingerprint)
                    .bind(row.received_at)
                    .bind(row.due_at)
                    .bind(row.details)
                    .bind(row.received_at)
                    .bind(row.received_at);
            }
            query.execute(&mut *self).await?;
        }
        Ok(())
    }

    async fn upsert_case_keys(&mut self, rows: &[(Uuid, &str, Uuid)]) -> Result<(), sqlx::Error> {
        for chunk in rows.chunks(SQLITE_ROWS) {
            let sql = format!(
                "insert into case_keys (platform_id, key, case_id) values {} {CASE_KEYS_CONFLICT}",
                row_placeholders(chunk.len(), 3)
            );
            let mut query = sqlx::query(&sql);
            for (platform, key, case) in chunk {
                query = query.bind(platform).bind(*key).bind(case);
            }
            query.execute(&mut *self).await?;
        }
        Ok(())
    }

    async fn insert_audit_events(&mut self, rows: &[AuditInsert<'_>]) -> Result<(), sqlx::Error> {
        for chunk in rows.chunks(SQLITE_ROWS) {
            let sql =
                format!("insert into audit_events ({AUDIT_COLUMNS}) values {}", row_placeholders(chunk.len(), 11));
            let mut query = sqlx::query(&sql);
            for row in chunk {
                query = query
                    .bind(row.sequence)
                    .bind(row.recorded_at)
                    .bind(row.actor_kind)
                    .bind(row.actor_id)
                    .bind(row.organisation_id)
                    .bind(row.action)
                    .bind(row.subject_type)
                    .bind(row.subject_id)
                    .bind(row.details)
                    .bind(row.previous_hash)
                    .bind(row.hash);
            }
            query.execute(&mut *self).await?;
        }
        Ok(())
    }
}

impl Bulk for sqlx::PgConnection {
    async fn find_case_keys(&mut self, platform: Uuid, keys: &[&str]) -> Result<Vec<(String, Uuid)>, sqlx::Error> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        // Probed key by key through the primary key (see `find_submissions` for why).
        sqlx::query_as(
            "select k.key, k.case_id from unnest($2::text[]) as wanted (key) cross join lateral \
             (select key, case_id from case_keys where platform_id = $1 and key = wanted.key limit 1) k \
             join cases c on c.id = k.case_id where c.removed_at is null",
        )
        .bind(platform)
        .bind(keys)
        .fetch_all(&mut *self)
        .await
    }

    async fn find_submissions<R>(
        &mut self,
        columns: &str,
        submitter: Uuid,
        lookup: ResendLookup<'_>,
        values: &[&str],
    ) -> Result<Vec<R>, sqlx::Error>
    where
        R: Send
            + Unpin
            + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        // One equality probe per value (a lateral join), so that every column of the unique
        // index is an index condition whatever the planner's statistics say; `= any(...)` on
        // the last column was planned as a filter over all the sender's rows on a young table.
        // `limit 1` (the index is unique) keeps PostgreSQL from flattening the lateral join into
        // a hash join over those same rows.
        let column = lookup.column();
        let kind = match lookup {
            ResendLookup::Reference(kind) => Some(kind),
            ResendLookup::IdempotencyKey => None,
        };
        let kind_condition = if kind.is_some() { "and s.kind = $3" } else { "and $3::text is null" };
        let columns: Vec<String> = columns.split(',').map(|column| format!("s.{}", column.trim())).collect();
        let sql = format!(
            "select {} from unnest($2::text[]) as wanted (value) cross join lateral \
             (select * from submissions s where s.submitter_id = $1 {kind_condition} and s.{column} = wanted.value \
             limit 1) s",
            columns.join(", ")
        );
        sqlx::query_as(&sql).bind(submitter).bind(values).bind(kind).fetch_all(&mut *self).await
    }

    async fn insert_cases(&mut self, rows: &[CaseInsert]) -> Result<(), sqlx::Error> {
        if rows.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "insert into cases (id, platform_id, status, priority, due_at, submission_count, match_count, created_at, \
             updated_at) select id, platform_id, 'open', priority, due_at, submission_count, match_count, $7, $7 \
             from unnest($1::uuid[], $2::uuid[], $3::int4[], $4::timestamptz[], $5::int4[], $6::int4[]) \
             as t (id, platform_id, priority, due_at, submission_count, match_count)",
        )
        .bind(rows.iter().map(|row| row.id).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.platform_id).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.priority).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.due_at).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.submission_count).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.match_count).collect::<Vec<_>>())
        .bind(rows[0].now)
        .execute(&mut *self)
        .await?;
        Ok(())
    }

    async fn insert_submissions(&mut self, rows: &[SubmissionInsert<'_>]) -> Result<(), sqlx::Error> {
        if rows.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "insert into submissions (id, case_id, platform_id, submitter_id, actor_kind, actor_id, kind, status, \
             priority, trusted_flagger, reference, idempotency_key, request_fingerprint, received_at, due_at, details, \
             created_at, updated_at, number) \
             select id, case_id, platform_id, submitter_id, actor_kind, actor_id, kind, status, priority, \
             trusted_flagger, reference, idempotency_key, request_fingerprint, received_at, due_at, details, \
             received_at, received_at, number \
             from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::uuid[], $7::text[], \
             $8::text[], $9::int4[], $10::bool[], $11::text[], $12::text[], $13::text[], $14::timestamptz[], \
             $15::timestamptz[], $16::text[], $17::text[]) \
             as t (id, case_id, platform_id, submitter_id, actor_kind, actor_id, kind, status, priority, \
             trusted_flagger, reference, idempotency_key, request_fingerprint, received_at, due_at, details, number)",
        )
        .bind(rows.iter().map(|row| row.id).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.case_id).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.platform_id).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.submitter_id).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.actor_kind).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.actor_id).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.kind).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.status).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.priority).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.trusted_flagger).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.reference).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.idempotency_key).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.request_fingerprint).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.received_at).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.due_at).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.details).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.number).collect::<Vec<_>>())
        .execute(&mut *self)
        .await?;
        Ok(())
    }

    async fn upsert_case_keys(&mut self, rows: &[(Uuid, &str, Uuid)]) -> Result<(), sqlx::Error> {
        if rows.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "insert into case_keys (platform_id, key, case_id) \
             select * from unnest($1::uuid[], $2::text[], $3::uuid[]) {CASE_KEYS_CONFLICT}"
        );
        sqlx::query(&sql)
            .bind(rows.iter().map(|row| row.0).collect::<Vec<_>>())
            .bind(rows.iter().map(|row| row.1).collect::<Vec<_>>())
            .bind(rows.iter().map(|row| row.2).collect::<Vec<_>>())
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn insert_audit_events(&mut self, rows: &[AuditInsert<'_>]) -> Result<(), sqlx::Error> {
        if rows.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "insert into audit_events (sequence, recorded_at, actor_kind, actor_id, organisation_id, action, \
             subject_type, subject_id, details, previous_hash, hash) \
             select * from unnest($1::int8[], $2::timestamptz[], $3::text[], $4::uuid[], $5::uuid[], $6::text[], \
             $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])",
        )
        .bind(rows.iter().map(|row| row.sequence).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.recorded_at).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.actor_kind).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.actor_id).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.organisation_id).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.action).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.subject_type).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.subject_id).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.details).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.previous_hash).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.hash).collect::<Vec<_>>())
        .execute(&mut *self)
        .await?;
        Ok(())
    }
}
