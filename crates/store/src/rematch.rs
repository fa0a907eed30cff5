//! Rematches: stored media matched against signals added to a bank after the media arrived.
//!
//! A bank's `rematched_version` trails its `signals_version`; [`Store::queue_rematches`] turns
//! the gap into a job (and moves the mark) in one transaction, so each change is queued once
//! whichever node sees it. Jobs are claimed with a lease, walked over stored media a page at a
//! time, and each page's matches are recorded with the job's progress in one transaction.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use uuid::Uuid;
use vigie_domain::access::Actor;
use vigie_domain::audit::AuditRecord;
use vigie_domain::bank::SignalType;
use vigie_domain::ids::{BankId, CaseId, OrganisationId, SubmissionId};
use vigie_domain::intake::CaseMatch;

use crate::audit::{append_audit, append_audit_batch, lock_audit_head};
use crate::intake::{MediaRecord, insert_case_match, list_placeholders, refresh_case};
use crate::{Store, StoreResult, on_pool};

/// Which stored media a rematch covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RematchScope {
    /// Media held by an open case (what is still under review).
    Open,
    /// Every stored media, whatever became of its cases.
    Retained,
}

impl RematchScope {
    /// The stable text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Retained => "retained",
        }
    }

    /// Parses the stable text.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "open" => Ok(Self::Open),
            "retained" => Ok(Self::Retained),
            _ => Err("must be `open` or `retained`".into()),
        }
    }

    /// The condition on a case (aliased `c`) for its media to be covered.
    fn case_condition(self) -> &'static str {
        match self {
            Self::Open => "c.status = 'open'",
            Self::Retained => "c.status <> 'merged'",
        }
    }
}

/// A rematch job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RematchJob {
    /// Its id.
    pub id: i64,
    /// The bank whose signals are matched.
    pub bank_id: BankId,
    /// Which media.
    pub scope: RematchScope,
    /// Signals changed after this bank version...
    pub after_version: i64,
    /// ...up to this one.
    pub up_to_version: i64,
    /// `pending`, `done` or `failed`.
    pub status: String,
    /// The last media id done.
    pub cursor: i64,
    /// Claims so far.
    pub attempts: i32,
    /// Matches recorded.
    pub matches: i64,
    /// Cases that received matches.
    pub cases: i64,
    /// Why it failed.
    pub error: Option<String>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When it last moved.
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct RematchJobRow {
    id: i64,
    bank_id: Uuid,
    scope: String,
    after_version: i64,
    up_to_version: i64,
    status: String,
    cursor: i64,
    attempts: i32,
    matches: i64,
    cases: i64,
    error: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const JOB_COLUMNS: &str = "id, bank_id, scope, after_version, up_to_version, status, cursor, attempts, matches, cases, \
                           error, created_at, updated_at";

impl RematchJobRow {
    fn into_job(self) -> StoreResult<RematchJob> {
        let scope = RematchScope::parse(&self.scope)
            .map_err(|problem| crate::organisations::corrupt("rematch_jobs", self.id, problem))?;
        Ok(RematchJob {
            id: self.id,
            bank_id: BankId(self.bank_id),
            scope,
            after_version: self.after_version,
            up_to_version: self.up_to_version,
            status: self.status,
            cursor: self.cursor,
            attempts: self.attempts,
            matches: self.matches,
            cases: self.cases,
            error: self.error,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// A case holding a media file, with the platform it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct MediaHolder {
    /// The media row.
    pub media_id: i64,
    /// The case.
    pub case_id: CaseId,
    /// Its platform.
    pub platform_id: OrganisationId,
}

/// What a page of a rematch recorded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RematchPage {
    /// Matches written (those already on their case are not written again).
    pub matches: u64,
    /// Cases that received at least one.
    pub cases: u64,
}

impl Store {
    /// Queues a rematch of every bank whose signals changed since its last one (scope `open`).
    /// Bookkeeping, not audited: the matches it leads to are. Returns the jobs queued.
    pub async fn queue_rematches(&self) -> StoreResult<usize> {
        let now = self.now();
        let due: Vec<(Uuid, i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as("select id, rematched_version, signals_version from banks where signals_version > rematched_version")
                .fetch_all(pool)
                .await
        })?;
        if due.is_empty() {
            return Ok(0);
        }
        let mut queued = 0;
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            for (bank, rematched, _) in &due {
                // Moves the mark only from where it was seen: another node that queued the same
                // range first leaves nothing to move.
                let moved: Option<(i64,)> = sqlx::query_as(
                    "update banks set rematched_version = signals_version where id = $1 and rematched_version = $2 \
                     returning signals_version",
                )
                .bind(bank)
                .bind(rematched)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((up_to,)) = moved else { continue };
                sqlx::query(
                    "insert into rematch_jobs (bank_id, scope, after_version, up_to_version, created_at, updated_at) \
                     values ($1, 'open', $2, $3, $4, $4)",
                )
                .bind(bank)
                .bind(rematched)
                .bind(up_to)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                queued += 1;
            }
            tx.commit().await?;
        });
        Ok(queued)
    }

    /// Queues a rematch of all of a bank's signals over `scope` (someone asked). Audited.
    pub async fn request_rematch(&self, bank_id: BankId, scope: RematchScope, actor: Actor) -> StoreResult<RematchJob> {
        let now = self.now();
        let (bank, _) = self.get_bank(bank_id).await?;
        let record = AuditRecord {
            actor,
            organisation_id: Some(bank.organisation_id),
            action: "bank.rematch".into(),
            subject_type: "bank".into(),
            subject_id: bank_id.to_string(),
            details: format!(r#"{{"scope":"{}"}}"#, scope.as_str()),
        };
        let sql = format!(
            "insert into rematch_jobs (bank_id, scope, after_version, up_to_version, created_at, updated_at) \
             select id, $2, 0, signals_version, $3, $3 from banks where id = $1 returning {JOB_COLUMNS}"
        );
        let row: RematchJobRow = on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            append_audit!(tx, &record, now);
            let row: RematchJobRow =
                sqlx::query_as(&sql).bind(bank_id.0).bind(scope.as_str()).bind(now).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            row
        });
        row.into_job()
    }

    /// A bank's rematch jobs, newest first.
    pub async fn list_rematch_jobs(&self, bank_id: BankId, limit: u32) -> StoreResult<Vec<RematchJob>> {
        let sql = format!("select {JOB_COLUMNS} from rematch_jobs where bank_id = $1 order by id desc limit $2");
        let rows: Vec<RematchJobRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(bank_id.0).bind(i64::from(limit.clamp(1, 500))).fetch_all(pool).await
        })?;
        rows.into_iter().map(RematchJobRow::into_job).collect()
    }

    /// Claims the oldest pending job, leasing it until `lease_until` (a dead node's lease runs
    /// out and another node resumes the job from its cursor).
    pub async fn claim_rematch_job(&self, lease_until: DateTime<Utc>) -> StoreResult<Option<RematchJob>> {
        let now = self.now();
        let sql = format!(
            "update rematch_jobs set lease_until = $1, attempts = attempts + 1, updated_at = $2 \
             where id = (select id from rematch_jobs where status = 'pending' \
              and (lease_until is null or lease_until < $2) order by id limit 1) \
             and (lease_until is null or lease_until < $2) returning {JOB_COLUMNS}"
        );
        let row: Option<RematchJobRow> =
            on_pool!(self, pool => sqlx::query_as(&sql).bind(lease_until).bind(now).fetch_optional(pool).await)?;
        row.map(RematchJobRow::into_job).transpose()
    }

    /// Ends a job that cannot go on (its bank is gone, or it keeps failing).
    pub async fn fail_rematch_job(&self, job_id: i64, reason: &str) -> StoreResult<()> {
        let now = self.now();
        on_pool!(self, pool => {
            sqlx::query("update rematch_jobs set status = 'failed', error = $2, lease_until = null, updated_at = $3 where id = $1")
                .bind(job_id)
                .bind(reason)
                .bind(now)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// The ids of a bank's enabled signals changed in `after < version <= up_to`.
    pub async fn changed_signal_ids(&self, bank_id: BankId, after: i64, up_to: i64) -> StoreResult<HashSet<i64>> {
        let ids: Vec<i64> = on_pool!(self, pool => {
            sqlx::query_scalar(
                "select id from signals where bank_id = $1 and version > $2 and version <= $3 and enabled",
            )
            .bind(bank_id.0)
            .bind(after)
            .bind(up_to)
            .fetch_all(pool)
            .await
        })?;
        Ok(ids.into_iter().collect())
    }

    /// The next page of stored media after `after_id`, in id order, that a bank of `signal_type`
    /// can match (images for PDQ, videos for vPDQ, any for digests) and that a case in `scope`
    /// holds.
    pub async fn list_rematch_media(
        &self,
        signal_type: SignalType,
        scope: RematchScope,
        after_id: i64,
        limit: u32,
    ) -> StoreResult<Vec<MediaRecord>> {
        let hashes = match signal_type {
            SignalType::Pdq => "and m.pdq is not null",
            SignalType::Vpdq => "and m.vpdq is not null",
            SignalType::Md5 | SignalType::Sha256 | SignalType::Url => "",
        };
        let sql = format!(
            "select m.id, m.sha256, m.md5, m.byte_size, m.media_type, m.status, m.pdq, m.pdq_quality, \
             m.pdq_variants, m.vpdq, m.error, m.attempts, m.interruptions from media m where m.id > $1 {hashes} \
             and exists (select 1 from submission_media sm join submissions s on s.id = sm.submission_id \
              join cases c on c.id = s.case_id where sm.media_id = m.id and {}) \
             order by m.id limit $2",
            scope.case_condition()
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(after_id).bind(i64::from(limit.clamp(1, 10_000))).fetch_all(pool).await
        })?)
    }

    /// The cases in `scope` holding these media.
    pub async fn media_holders(&self, media_ids: &[i64], scope: RematchScope) -> StoreResult<Vec<MediaHolder>> {
        let mut holders = Vec::new();
        for chunk in media_ids.chunks(400) {
            let sql = format!(
                "select distinct sm.media_id, c.id, c.platform_id from submission_media sm \
                 join submissions s on s.id = sm.submission_id join cases c on c.id = s.case_id \
                 where {} and sm.media_id in ({})",
                scope.case_condition(),
                list_placeholders(1, chunk.len())
            );
            let rows: Vec<(i64, Uuid, Uuid)> = on_pool!(self, pool => {
                let mut query = sqlx::query_as(&sql);
                for id in chunk {
                    query = query.bind(*id);
                }
                query.fetch_all(pool).await
            })?;
            holders.extend(rows.into_iter().map(|(media_id, case, platform)| MediaHolder {
                media_id,
                case_id: CaseId(case),
                platform_id: OrganisationId(platform),
            }));
        }
        holders.sort();
        Ok(holders)
    }

    /// Records one page of a rematch: the matches on their cases (each at most once per case
    /// and media; a case merged meanwhile passes them to the case it joined), the cases'
    /// priorities raised, one audit event per case that received any, and the job's progress
    /// (`cursor`, and `done` when this was the last page; otherwise its lease extended to
    /// `lease_until`), all in one transaction.
    pub async fn record_rematch_page(
        &self,
        job: &RematchJob,
        found: &[(CaseId, OrganisationId, CaseMatch)],
        cursor: i64,
        done: bool,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<RematchPage> {
        let now = self.now();
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            let (mut sequence, mut previous_hash) = lock_audit_head!(tx);
            let mut per_case: BTreeMap<CaseId, (OrganisationId, u64)> = BTreeMap::new();
            for (case, platform, found) in found {
                // The case may have been merged since the page was read: its matches follow it.
                let mut target = *case;
                for _ in 0..64 {
                    let into: Option<Option<Uuid>> = sqlx::query_scalar("select merged_into from cases where id = $1")
                        .bind(target.0)
                        .fetch_optional(&mut *tx)
                        .await?;
                    match into.flatten() {
                        Some(next) => target = CaseId(next),
                        None => break,
                    }
                }
                let written = insert_case_match!(tx, target, None::<SubmissionId>, found, now);
                if written > 0 {
                    per_case.entry(target).or_insert((*platform, 0)).1 += written;
                }
            }
            let mut records = Vec::with_capacity(per_case.len());
            for (case, (platform, matches)) in &per_case {
                refresh_case!(tx, *case, now);
                records.push(AuditRecord {
                    actor: Actor::System,
                    organisation_id: Some(*platform),
                    action: "case.rematch".into(),
                    subject_type: "case".into(),
                    subject_id: case.to_string(),
                    details: format!(r#"{{"rematch_job":{},"matches":{matches}}}"#, job.id),
                });
            }
            let page = RematchPage {
                matches: per_case.values().map(|(_, matches)| matches).sum(),
                cases: per_case.len() as u64,
            };
            sqlx::query(
                "update rematch_jobs set cursor = $2, matches = matches + $3, cases = cases + $4, \
                 status = case when $5 then 'done' else status end, \
                 lease_until = case when $5 then null else $7 end, updated_at = $6 where id = $1",
            )
            .bind(job.id)
            .bind(cursor)
            .bind(page.matches as i64)
            .bind(page.cases as i64)
            .bind(done)
            .bind(now)
            .bind(lease_until)
            .execute(&mut *tx)
            .await?;
            if !records.is_empty() {
                append_audit_batch!(tx, &records, now, sequence, previous_hash);
            }
            tx.commit().await?;
            Ok(page)
        })
    }
}
