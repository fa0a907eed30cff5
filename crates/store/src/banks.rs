//! Hash banks and their signals.

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use uuid::Uuid;
use vigie_domain::access::Actor;
use vigie_domain::audit::AuditRecord;
use vigie_domain::bank::{Bank, BankVisibility, NewBank, SignalType};
use vigie_domain::ids::{BankId, OrganisationId};

use crate::audit::append_audit;
use crate::organisations::corrupt;
use crate::{Store, StoreError, StoreResult, on_pool};

#[derive(sqlx::FromRow)]
struct BankRow {
    id: Uuid,
    organisation_id: Uuid,
    name: String,
    description: String,
    signal_type: String,
    match_threshold: i32,
    min_quality: i32,
    auto_action: bool,
    enabled: bool,
    visibility: String,
    signal_count: i64,
    signals_version: i64,
    created_at: DateTime<Utc>,
}

impl BankRow {
    fn into_bank(self) -> StoreResult<(Bank, i64)> {
        let bad = |problem: String| corrupt("banks", self.id, problem);
        let bank = Bank {
            id: BankId(self.id),
            organisation_id: OrganisationId(self.organisation_id),
            signal_type: SignalType::parse(&self.signal_type).map_err(bad)?,
            match_threshold: u32::try_from(self.match_threshold).map_err(|error| bad(error.to_string()))?,
            min_quality: u32::try_from(self.min_quality).map_err(|error| bad(error.to_string()))?,
            visibility: BankVisibility::parse(&self.visibility).map_err(bad)?,
            name: self.name,
            description: self.description,
            auto_action: self.auto_action,
            enabled: self.enabled,
            signal_count: self.signal_count,
            created_at: self.created_at,
        };
        Ok((bank, self.signals_version))
    }
}

const BANK_COLUMNS: &str = "id, organisation_id, name, description, signal_type, match_threshold, min_quality, \
                            auto_action, enabled, visibility, signal_count, signals_version, created_at";

/// A signal to add to a bank, already validated and canonical.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSignal {
    /// Canonical value.
    pub value: String,
    /// Uniqueness key (`vigie_domain::bank::value_key`).
    pub value_key: String,
    /// PDQ quality, when known.
    pub quality: Option<u32>,
    /// Where it came from (exchange or organisation).
    pub source: Option<String>,
    /// Its id at the source.
    pub external_id: Option<String>,
    /// Labels, comma-joined canonical `namespace:value`.
    pub labels: String,
    /// False to store it disabled (restoring a backup): it matches nothing until enabled.
    pub enabled: bool,
}

/// What an import did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportOutcome {
    /// Signals added.
    pub added: u64,
    /// Signals that were already in the bank (left as they were).
    pub already_present: u64,
    /// The bank's signals version after the import.
    pub version: i64,
}

/// A stored signal.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Signal {
    /// Its id.
    pub id: i64,
    /// Its bank.
    pub bank_id: Uuid,
    /// Canonical value.
    pub value: String,
    /// PDQ quality, when known.
    pub quality: Option<i32>,
    /// Provenance.
    pub source: Option<String>,
    /// Id at the source.
    pub external_id: Option<String>,
    /// Comma-joined labels.
    pub labels: String,
    /// Disabled signals match nothing.
    pub enabled: bool,
    /// Reviewers confirmed a match on it.
    pub confirmed_count: i64,
    /// Reviewers found a match on it wrong.
    pub false_positive_count: i64,
    /// Times it matched.
    pub seen_count: i64,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}

const SIGNAL_COLUMNS: &str = "id, bank_id, value, quality, source, external_id, labels, enabled, confirmed_count, \
                              false_positive_count, seen_count, created_at";

/// What an admin may change about a bank.
#[derive(Clone, Debug, Default)]
pub struct BankChange {
    /// Enable or disable the whole bank.
    pub enabled: Option<bool>,
    /// New threshold.
    pub match_threshold: Option<u32>,
    /// New minimum quality.
    pub min_quality: Option<u32>,
    /// Allow or forbid automatic action.
    pub auto_action: Option<bool>,
    /// New description.
    pub description: Option<String>,
    /// Who else may learn of the bank and its signals.
    pub visibility: Option<BankVisibility>,
}

/// Rows per multi-row insert: 9 parameters each, well under both databases' limits.
pub(crate) const INSERT_CHUNK: usize = 500;

/// Adds `$signals` (a `&[NewSignal]`) to bank `$bank_id` inside transaction `$tx`, skipping
/// values already there, and evaluates to `(version, added)`. Bumping the version first takes
/// the bank's row lock: writers to a bank serialise, so versions become visible in order (see
/// the migration). The caller appends the audit event.
macro_rules! insert_signals {
    ($tx:expr, $bank_id:expr, $signals:expr, $now:expr, $on_progress:expr) => {{
        let bank_id: vigie_domain::ids::BankId = $bank_id;
        let signals: &[$crate::banks::NewSignal] = $signals;
        let now: chrono::DateTime<chrono::Utc> = $now;
        let (version,): (i64,) = sqlx::query_as(
            "update banks set signals_version = signals_version + 1, updated_at = $2 where id = $1 \
             returning signals_version",
        )
        .bind(bank_id.0)
        .bind(now)
        .fetch_one(&mut *$tx)
        .await?;
        let mut added = 0_u64;
        for chunk in signals.chunks($crate::banks::INSERT_CHUNK) {
            let mut sql = String::from(
                "insert into signals (bank_id, value, value_key, quality, source, external_id, labels, version, \
                 created_at, updated_at, enabled) values ",
            );
            for index in 0..chunk.len() {
                let base = index * 9;
                if index > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!(
                    "($1, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    base + 2,
                    base + 3,
                    base + 4,
                    base + 5,
                    base + 6,
                    base + 7,
                    base + 8,
                    base + 9,
                    base + 9,
                    base + 10
                ));
            }
            sql.push_str(" on conflict (bank_id, value_key) do nothing");
            let mut query = sqlx::query(&sql).bind(bank_id.0);
            for signal in chunk {
                query = query
                    .bind(&signal.value)
                    .bind(&signal.value_key)
                    .bind(signal.quality.map(|quality| quality as i32))
                    .bind(signal.source.as_deref())
                    .bind(signal.external_id.as_deref())
                    .bind(&signal.labels)
                    .bind(version)
                    .bind(now)
                    .bind(signal.enabled);
            }
            added += query.execute(&mut *$tx).await?.rows_affected();
            ($on_progress)(chunk.len());
        }
        sqlx::query("update banks set signal_count = signal_count + $2 where id = $1")
            .bind(bank_id.0)
            .bind(added as i64)
            .execute(&mut *$tx)
            .await?;
        (version, added)
    }};
}
pub(crate) use insert_signals;

impl Store {
    /// Creates a bank. `Conflict { constraint: "banks_name_key" }` if the name is taken.
    pub async fn insert_bank(&self, bank: &NewBank, actor: Actor) -> StoreResult<Bank> {
        let now = self.now();
        let id = BankId::new_v7();
        let record = AuditRecord {
            actor,
            organisation_id: Some(bank.organisation_id),
            action: "bank.create".into(),
            subject_type: "bank".into(),
            subject_id: id.to_string(),
            details: format!(
                r#"{{"signal_type":"{}","match_threshold":{},"auto_action":{},"visibility":"{}"}}"#,
                bank.signal_type, bank.match_threshold, bank.auto_action, bank.visibility
            ),
        };
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            append_audit!(tx, &record, now);
            sqlx::query(
                "insert into banks (id, organisation_id, name, description, signal_type, match_threshold, min_quality, \
                 auto_action, visibility, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
            )
            .bind(id.0)
            .bind(bank.organisation_id.0)
            .bind(&bank.name)
            .bind(&bank.description)
            .bind(bank.signal_type.as_str())
            .bind(bank.match_threshold as i32)
            .bind(bank.min_quality as i32)
            .bind(bank.auto_action)
            .bind(bank.visibility.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(self.get_bank(id).await?.0)
    }

    /// All banks by name, each with its signals version.
    pub async fn list_banks(&self) -> StoreResult<Vec<(Bank, i64)>> {
        let sql = format!("select {BANK_COLUMNS} from banks order by name");
        let rows: Vec<BankRow> = on_pool!(self, pool => sqlx::query_as(&sql).fetch_all(pool).await)?;
        rows.into_iter().map(BankRow::into_bank).collect()
    }

    /// One bank with its signals version, or `NotFound`.
    pub async fn get_bank(&self, id: BankId) -> StoreResult<(Bank, i64)> {
        let sql = format!("select {BANK_COLUMNS} from banks where id = $1");
        let row: BankRow = on_pool!(self, pool => sqlx::query_as(&sql).bind(id.0).fetch_one(pool).await)?;
        row.into_bank()
    }

    /// The bank with this name, if any.
    pub async fn find_bank_by_name(&self, name: &str) -> StoreResult<Option<Bank>> {
        let sql = format!("select {BANK_COLUMNS} from banks where name = $1");
        let row: Option<BankRow> =
            on_pool!(self, pool => sqlx::query_as(&sql).bind(name.trim()).fetch_optional(pool).await)?;
        row.map(|row| row.into_bank().map(|(bank, _)| bank)).transpose()
    }

    /// Changes a bank's settings.
    pub async fn update_bank(&self, id: BankId, change: &BankChange, actor: Actor) -> StoreResult<Bank> {
        let now = self.now();
        let (bank, _) = self.get_bank(id).await?;
        let mut facts = Vec::new();
        if let Some(enabled) = change.enabled {
            facts.push(format!(r#""enabled":{enabled}"#));
        }
        if let Some(threshold) = change.match_threshold {
            facts.push(format!(r#""match_threshold":{threshold}"#));
        }
        if let Some(quality) = change.min_quality {
            facts.push(format!(r#""min_quality":{quality}"#));
        }
        if let Some(auto_action) = change.auto_action {
            facts.push(format!(r#""auto_action":{auto_action}"#));
        }
        if let Some(visibility) = change.visibility {
            // Who could see what, and since when, must be answerable from the trail alone.
            facts.push(format!(r#""visibility":"{visibility}","previous_visibility":"{}""#, bank.visibility));
        }
        let record = AuditRecord {
            actor,
            organisation_id: Some(bank.organisation_id),
            action: "bank.update".into(),
            subject_type: "bank".into(),
            subject_id: id.to_string(),
            details: format!("{{{}}}", facts.join(",")),
        };
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            append_audit!(tx, &record, now);
            sqlx::query(
                "update banks set enabled = coalesce($2, enabled), match_threshold = coalesce($3, match_threshold), \
                 min_quality = coalesce($4, min_quality), auto_action = coalesce($5, auto_action), \
                 description = coalesce($6, description), visibility = coalesce($7, visibility), updated_at = $8 \
                 where id = $1",
            )
            .bind(id.0)
            .bind(change.enabled)
            .bind(change.match_threshold.map(|value| value as i32))
            .bind(change.min_quality.map(|value| value as i32))
            .bind(change.auto_action)
            .bind(change.description.as_deref())
            .bind(change.visibility.map(BankVisibility::as_str))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(self.get_bank(id).await?.0)
    }

    /// Adds signals to a bank in one transaction: all of them, or none if anything fails.
    /// Signals already in the bank (same value) are left as they are and counted. Writes one
    /// audit event for the whole import. `on_progress` hears how many signals each chunk wrote.
    pub async fn import_signals(
        &self,
        bank_id: BankId,
        signals: &[NewSignal],
        actor: Actor,
        origin: &str,
        on_progress: &mut (dyn FnMut(usize) + Send),
    ) -> StoreResult<ImportOutcome> {
        let now = self.now();
        let (bank, _) = self.get_bank(bank_id).await?;
        let mut record = AuditRecord {
            actor,
            organisation_id: Some(bank.organisation_id),
            action: "bank.import".into(),
            subject_type: "bank".into(),
            subject_id: bank_id.to_string(),
            details: String::new(),
        };
        let outcome = on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            let (version, added) = insert_signals!(tx, bank_id, signals, now, on_progress);
            let outcome = ImportOutcome { added, already_present: signals.len() as u64 - added, version };
            record.details = format!(
                r#"{{"origin":"{origin}","added":{},"already_present":{}}}"#,
                outcome.added, outcome.already_present
            );
            append_audit!(tx, &record, now);
            tx.commit().await?;
            outcome
        });
        Ok(outcome)
    }

    /// Enables or disables one signal.
    pub async fn set_signal_enabled(&self, signal_id: i64, enabled: bool, actor: Actor) -> StoreResult<Signal> {
        let now = self.now();
        let signal = self.get_signal(signal_id).await?;
        let (bank, _) = self.get_bank(BankId(signal.bank_id)).await?;
        let record = AuditRecord {
            actor,
            organisation_id: Some(bank.organisation_id),
            action: if enabled { "signal.enable" } else { "signal.disable" }.into(),
            subject_type: "signal".into(),
            subject_id: signal_id.to_string(),
            details: format!(r#"{{"bank_id":"{}"}}"#, bank.id),
        };
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            let (version,): (i64,) = sqlx::query_as(
                "update banks set signals_version = signals_version + 1, updated_at = $2 where id = $1 \
                 returning signals_version",
            )
            .bind(signal.bank_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("update signals set enabled = $2, version = $3, updated_at = $4 where id = $1")
                .bind(signal_id)
                .bind(enabled)
                .bind(version)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            append_audit!(tx, &record, now);
            tx.commit().await?;
        });
        self.get_signal(signal_id).await
    }

    /// One signal, or `NotFound`.
    pub async fn get_signal(&self, id: i64) -> StoreResult<Signal> {
        let sql = format!("select {SIGNAL_COLUMNS} from signals where id = $1");
        on_pool!(self, pool => sqlx::query_as(&sql).bind(id).fetch_one(pool).await).map_err(StoreError::from)
    }

    /// The signal of a bank with this uniqueness key (`vigie_domain::bank::value_key`), if any.
    pub async fn find_signal_by_key(&self, bank_id: BankId, value_key: &str) -> StoreResult<Option<Signal>> {
        let sql = format!("select {SIGNAL_COLUMNS} from signals where bank_id = $1 and value_key = $2");
        on_pool!(self, pool => sqlx::query_as(&sql).bind(bank_id.0).bind(value_key).fetch_optional(pool).await)
            .map_err(StoreError::from)
    }

    /// Signals by id (those that exist), for decorating match results.
    pub async fn get_signals(&self, ids: &[i64]) -> StoreResult<Vec<Signal>> {
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|index| format!("${index}")).collect();
            let sql = format!("select {SIGNAL_COLUMNS} from signals where id in ({})", placeholders.join(","));
            let rows: Vec<Signal> = on_pool!(self, pool => {
                let mut query = sqlx::query_as(&sql);
                for id in chunk {
                    query = query.bind(*id);
                }
                query.fetch_all(pool).await
            })?;
            found.extend(rows);
        }
        Ok(found)
    }

    /// A page of a bank's signals in id order, after `after_id` (for export).
    pub async fn list_signals(&self, bank_id: BankId, after_id: i64, limit: u32) -> StoreResult<Vec<Signal>> {
        let sql = format!("select {SIGNAL_COLUMNS} from signals where bank_id = $1 and id > $2 order by id limit $3");
        on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(bank_id.0).bind(after_id).bind(i64::from(limit.clamp(1, 10_000))).fetch_all(pool).await
        })
        .map_err(StoreError::from)
    }

    /// Streams `(signal id, value, enabled)` of a bank's signals changed after `since_version`
    /// (0: all of them) to `visit`, without holding them all in memory. Returns how many.
    pub async fn for_each_signal_change(
        &self,
        bank_id: BankId,
        since_version: i64,
        mut visit: impl FnMut(i64, &str, bool),
    ) -> StoreResult<u64> {
        let sql = "select id, value, enabled from signals where bank_id = $1 and version > $2";
        let mut count = 0_u64;
        on_pool!(self, pool => {
            let mut rows = sqlx::query_as::<_, (i64, String, bool)>(sql).bind(bank_id.0).bind(since_version).fetch(pool);
            while let Some((id, value, enabled)) = rows.try_next().await? {
                visit(id, &value, enabled);
                count += 1;
            }
        });
        Ok(count)
    }

    /// Adds matches to signals' `seen` counters (batched by the caller). Bookkeeping, not audited.
    pub async fn add_signal_hits(&self, hits: &[(i64, u64)]) -> StoreResult<()> {
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            for (id, count) in hits {
                sqlx::query("update signals set seen_count = seen_count + $2 where id = $1")
                    .bind(*id)
                    .bind(*count as i64)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Records a reviewer's verdict on a match against a signal: `confirmed` or a false positive.
    pub async fn record_signal_feedback(&self, id: i64, confirmed: bool, actor: Actor) -> StoreResult<Signal> {
        let now = self.now();
        let signal = self.get_signal(id).await?;
        let (bank, _) = self.get_bank(BankId(signal.bank_id)).await?;
        let record = AuditRecord {
            actor,
            organisation_id: Some(bank.organisation_id),
            action: if confirmed { "signal.confirm" } else { "signal.false_positive" }.into(),
            subject_type: "signal".into(),
            subject_id: id.to_string(),
            details: format!(r#"{{"bank_id":"{}"}}"#, bank.id),
        };
        let column = if confirmed { "confirmed_count" } else { "false_positive_count" };
        let sql = format!("update signals set {column} = {column} + 1, updated_at = $2 where id = $1");
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            append_audit!(tx, &record, now);
            sqlx::query(&sql).bind(id).bind(now).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        self.get_signal(id).await
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use sqlx::migrate::Migrator;
    use vigie_domain::ids::CaseId;

    use super::*;
    use crate::testing::{TestDatabase, backends};

    /// The migrations before `version`: a database as an older release left it.
    fn migrations_before(all: Migrator, version: i64) -> Migrator {
        let older = all.migrations.iter().filter(|migration| migration.version < version).cloned().collect();
        Migrator { migrations: Cow::Owned(older), ..all }
    }

    /// Migration 0004 on a database that already holds banks and case matches: nothing becomes
    /// more visible than it was, and old cases stop showing signal ids their platform may not read.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn existing_banks_become_no_more_visible_than_they_were() {
        for backend in backends() {
            let database = TestDatabase::create(backend).await.unwrap();
            let store = Store::connect(&database.url).await.unwrap();
            match &store.pool {
                crate::Pool::Sqlite(pool) => {
                    migrations_before(sqlx::migrate!("./migrations/sqlite"), 4).run(pool).await.unwrap()
                }
                crate::Pool::Postgres(pool) => {
                    migrations_before(sqlx::migrate!("./migrations/postgres"), 4).run(pool).await.unwrap()
                }
            }
            // Rows as the schema of migration 3 holds them (the store's own inserts write later
            // columns, such as slugs).
            let now = store.now();
            let (operator, platform) = (OrganisationId::new_v7(), OrganisationId::new_v7());
            on_pool!(store, pool => {
                for (id, name, is_operator) in [(operator, "Operator", true), (platform, "Platform", false)] {
                    sqlx::query(
                        "insert into organisations (id, name, kind, country, is_operator, created_at, updated_at) \
                         values ($1, $2, 'platform', 'FR', $3, $4, $4)",
                    )
                    .bind(id.0)
                    .bind(name)
                    .bind(is_operator)
                    .bind(now)
                    .execute(pool)
                    .await
                    .unwrap();
                }
            });
            let (operator_bank, platform_bank, case) = (BankId::new_v7(), BankId::new_v7(), CaseId::new_v7());
            let mut signals = Vec::new();
            on_pool!(store, pool => {
                for (bank, owner, name) in [(operator_bank, operator, "operator-bank"), (platform_bank, platform, "platform-bank")] {
                    sqlx::query(
                        "insert into banks (id, organisation_id, name, signal_type, match_threshold, min_quality, \
                         created_at, updated_at) values ($1, $2, $3, 'md5', 0, 50, $4, $4)",
                    )
                    .bind(bank.0)
                    .bind(owner.0)
                    .bind(name)
                    .bind(now)
                    .execute(pool)
                    .await
                    .unwrap();
                    let (signal,): (i64,) = sqlx::query_as(
                        "insert into signals (bank_id, value, value_key, version, created_at, updated_at) \
                         values ($1, $2, $2, 1, $3, $3) returning id",
                    )
                    .bind(bank.0)
                    .bind("ab".repeat(16))
                    .bind(now)
                    .fetch_one(pool)
                    .await
                    .unwrap();
                    signals.push((name, signal));
                }
                sqlx::query("insert into cases (id, platform_id, priority, created_at, updated_at) values ($1, $2, 2, $3, $3)")
                    .bind(case.0)
                    .bind(platform.0)
                    .bind(now)
                    .execute(pool)
                    .await
                    .unwrap();
                for (name, signal) in &signals {
                    sqlx::query(
                        "insert into case_matches (case_id, bank, signal_id, signal_type, distance, created_at) \
                         values ($1, $2, $3, 'md5', 0, $4)",
                    )
                    .bind(case.0)
                    .bind(*name)
                    .bind(*signal)
                    .bind(now)
                    .execute(pool)
                    .await
                    .unwrap();
                }
            });

            store.migrate().await.unwrap();
            assert_eq!(store.get_bank(operator_bank).await.unwrap().0.visibility, BankVisibility::Match);
            assert_eq!(store.get_bank(platform_bank).await.unwrap().0.visibility, BankVisibility::Private);
            let shown: Vec<(String, Option<i64>)> = store
                .list_case_matches(case)
                .await
                .unwrap()
                .into_iter()
                .map(|record| (record.found.bank, record.found.signal_id))
                .collect();
            assert_eq!(
                shown,
                [("operator-bank".to_owned(), None), ("platform-bank".to_owned(), Some(signals[1].1))],
                "{backend:?}"
            );
            store.close().await;
        }
    }
}
