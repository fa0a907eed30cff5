//! Submissions, the cases that group them, their media and their clocks.
//!
//! [`Store::record_submissions`] stores a whole batch in one transaction (the server's intake
//! writer gathers concurrent requests into batches: one commit, one fsync, for all of them).
//! It takes the audit-head lock first, so looking up which case holds a URL or a digest and
//! then inserting is serialised across every node writing to the same database.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use uuid::Uuid;
use vigie_domain::access::Actor;
use vigie_domain::audit::AuditRecord;
use vigie_domain::ids::{CaseId, OrganisationId, SubmissionId};
use vigie_domain::intake::{
    CaseMatch, CaseStatus, NewSubmission, PauseReason, Priority, Receipt, SubmissionKind, SubmissionStatus,
    due_after_resume,
};
use vigie_domain::review::ReviewState;

use crate::audit::{actor_from, append_audit, append_audit_batch, lock_audit_head};
use crate::bulk::Bulk;
use crate::organisations::corrupt;
use crate::{Store, StoreError, StoreResult, on_pool};

/// What became of one submission of a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubmissionOutcome {
    /// Stored now.
    Stored(Receipt),
    /// Sent before (same idempotency key, or same reference from the same sender): the earlier
    /// submission's receipt, nothing stored.
    Existing(Receipt),
    /// The idempotency key was used before with a different request.
    IdempotencyKeyReused,
}

/// A stored submission, as its sender and the platform's reviewers see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubmissionRecord {
    /// Its receipt as it stands now.
    pub receipt: Receipt,
    /// The sending organisation (`None`: anonymous public report).
    pub submitter_id: Option<OrganisationId>,
    /// Who sent it.
    pub actor: Actor,
    /// The sender's reference.
    pub reference: Option<String>,
    /// Sent by a trusted flagger.
    pub trusted_flagger: bool,
    /// When its clock was paused, while it is.
    pub paused_at: Option<DateTime<Utc>>,
    /// The kind-specific fields, canonical JSON.
    pub details: String,
}

/// A stored case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseRecord {
    /// Its id.
    pub id: CaseId,
    /// The platform that must act.
    pub platform_id: OrganisationId,
    /// Open or merged.
    pub status: CaseStatus,
    /// Highest priority of its submissions and matches.
    pub priority: Priority,
    /// Strictest running deadline; `None` when every clock is paused.
    pub due_at: Option<DateTime<Utc>>,
    /// The case it was merged into.
    pub merged_into: Option<CaseId>,
    /// How many submissions it holds.
    pub submission_count: i64,
    /// How many hash-bank matches it has.
    pub match_count: i64,
    /// Kinds of its submissions.
    pub kinds: Vec<SubmissionKind>,
    /// Where it stands in review.
    pub review_state: ReviewState,
    /// The reviewer holding it, while the claim runs (`None` once it ran out).
    pub claim: Option<CaseClaim>,
    /// When a closing decision took effect.
    pub decided_at: Option<DateTime<Utc>>,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// Who holds a case, and until when unless renewed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseClaim {
    /// The user or API token holding it.
    pub holder: Uuid,
    /// Their display name, for the queue.
    pub display_name: String,
    /// When the lease runs out.
    pub until: DateTime<Utc>,
}

/// Which cases to list.
#[derive(Clone, Debug, Default)]
pub struct CaseFilter {
    /// Only cases for these platforms; `None` for every platform.
    pub platforms: Option<Vec<OrganisationId>>,
    /// Only cases in this status (default: open).
    pub status: Option<CaseStatus>,
    /// Only cases at or above this priority.
    pub min_priority: Option<Priority>,
    /// Only cases holding a submission of this kind.
    pub kind: Option<SubmissionKind>,
    /// Only cases whose deadline is before this instant (pass "now" for overdue cases).
    pub due_before: Option<DateTime<Utc>>,
    /// Only cases with (true) or without (false) hash-bank matches.
    pub has_matches: Option<bool>,
    /// Only open cases in these review states; `None`: every state but `decided` for open
    /// cases (the queue).
    pub review_states: Option<Vec<ReviewState>>,
    /// Only cases holding a submission sent by this organisation.
    pub submitter: Option<OrganisationId>,
    /// Only cases with a bank match carrying this label.
    pub label: Option<String>,
    /// Page size.
    pub limit: u32,
    /// Cases to skip.
    pub offset: u32,
}

/// A hash-bank match recorded on a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseMatchRecord {
    /// The match.
    pub found: CaseMatch,
    /// The submission that brought it, if it came with one.
    pub submission_id: Option<SubmissionId>,
    /// When it was found.
    pub created_at: DateTime<Utc>,
}

/// Media as stored.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct MediaRecord {
    /// Row id.
    pub id: i64,
    /// SHA-256 of the bytes (also its file name).
    pub sha256: String,
    /// MD5 of the bytes.
    pub md5: String,
    /// Size in bytes.
    pub byte_size: i64,
    /// `image`, `video` or `other`.
    pub media_type: String,
    /// `pending`, `hashed`, `failed` or `unsupported`.
    pub status: String,
    /// PDQ hash of an image.
    pub pdq: Option<String>,
    /// Its quality.
    pub pdq_quality: Option<i32>,
    /// Its extra hashes for edited copies (`via:hex` pairs joined by `;`), when computed.
    pub pdq_variants: Option<String>,
    /// vPDQ of a video (reference text format).
    pub vpdq: Option<String>,
    /// Why hashing failed.
    pub error: Option<String>,
    /// Hashing attempts so far.
    pub attempts: i32,
    /// Attempts that ended without an outcome or a release: the process died while hashing it.
    pub interruptions: i32,
}

pub(crate) const MEDIA_COLUMNS: &str = "id, sha256, md5, byte_size, media_type, status, pdq, pdq_quality, pdq_variants, vpdq, error, attempts, \
     interruptions";

/// A pause or resume of a submission's clock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadlineEvent {
    /// `pause` or `resume`.
    pub action: String,
    /// Why (pauses only).
    pub reason: Option<PauseReason>,
    /// What was said to the authority.
    pub explanation: String,
    /// The deadline before.
    pub due_at_before: Option<DateTime<Utc>>,
    /// The deadline after (`None` while paused).
    pub due_at_after: Option<DateTime<Utc>>,
    /// Who did it.
    pub actor: Actor,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

/// The result of hashing one media file, to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MediaHashes {
    /// An image's PDQ.
    Image {
        /// Hex hash.
        pdq: String,
        /// 0..100.
        quality: u32,
        /// Extra hashes for edited copies (`via:hex` pairs joined by `;`).
        variants: Option<String>,
    },
    /// A video's vPDQ, reference text format.
    Video {
        /// The frame lines.
        vpdq: String,
    },
    /// Nothing perceptual to compute (not an image or video, or no ffmpeg); digests only.
    Unsupported {
        /// Why.
        reason: String,
    },
    /// The file could not be decoded.
    Failed {
        /// Why (never quotes the content).
        reason: String,
    },
}

/// What recording a media's hashes did to cases.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MediaIdentified {
    /// Cases holding this media.
    pub cases: Vec<CaseId>,
    /// Cases merged into another because they hold a near-duplicate: (from, into).
    pub merges: Vec<(CaseId, CaseId)>,
    /// The audit sequence that stamps this identification.
    pub sequence: i64,
}

/// An image hash of stored media, for the near-duplicate index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaPdq {
    /// Media row id.
    pub media_id: i64,
    /// Hex PDQ.
    pub pdq: String,
    /// Stamp for incremental sync.
    pub identified_seq: i64,
}

#[derive(sqlx::FromRow)]
struct ReceiptRow {
    id: Uuid,
    number: String,
    case_id: Uuid,
    kind: String,
    status: String,
    priority: i32,
    received_at: DateTime<Utc>,
    due_at: DateTime<Utc>,
    platform_id: Uuid,
    submitter_id: Option<Uuid>,
    idempotency_key: Option<String>,
    request_fingerprint: Option<String>,
    reference: Option<String>,
}

const RECEIPT_COLUMNS: &str = "id, number, case_id, kind, status, priority, received_at, due_at, platform_id, submitter_id, \
                               idempotency_key, request_fingerprint, reference";

impl ReceiptRow {
    fn receipt(&self, existing: bool) -> StoreResult<Receipt> {
        let bad = |problem: String| corrupt("submissions", self.id, problem);
        let status = SubmissionStatus::parse(&self.status).map_err(bad)?;
        Ok(Receipt {
            id: SubmissionId(self.id),
            number: self.number.clone(),
            case_id: CaseId(self.case_id),
            kind: SubmissionKind::parse(&self.kind).map_err(bad)?,
            status,
            priority: Priority::from_rank(self.priority).ok_or_else(|| bad("priority out of range".into()))?,
            received_at: self.received_at,
            due_at: (status == SubmissionStatus::Received).then_some(self.due_at),
            platform_id: OrganisationId(self.platform_id),
            existing,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CaseRow {
    id: Uuid,
    platform_id: Uuid,
    status: String,
    priority: i32,
    due_at: Option<DateTime<Utc>>,
    merged_into: Option<Uuid>,
    submission_count: i32,
    match_count: i32,
    kinds: Option<String>,
    review_state: String,
    claimed_by: Option<Uuid>,
    claimant_name: Option<String>,
    claimed_until: Option<DateTime<Utc>>,
    decided_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl CaseRow {
    pub(crate) fn into_case(self, now: DateTime<Utc>) -> StoreResult<CaseRecord> {
        let bad = |problem: String| corrupt("cases", self.id, problem);
        let mut kinds = Vec::new();
        for kind in self.kinds.as_deref().unwrap_or_default().split(',').filter(|kind| !kind.is_empty()) {
            let kind = SubmissionKind::parse(kind).map_err(bad)?;
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        kinds.sort();
        Ok(CaseRecord {
            id: CaseId(self.id),
            platform_id: OrganisationId(self.platform_id),
            status: CaseStatus::parse(&self.status).map_err(bad)?,
            priority: Priority::from_rank(self.priority).ok_or_else(|| bad("priority out of range".into()))?,
            due_at: self.due_at,
            merged_into: self.merged_into.map(CaseId),
            submission_count: i64::from(self.submission_count),
            match_count: i64::from(self.match_count),
            kinds,
            review_state: ReviewState::parse(&self.review_state).map_err(bad)?,
            claim: match (self.claimed_by, self.claimed_until) {
                (Some(user), Some(until)) if until > now => {
                    Some(CaseClaim { holder: user, display_name: self.claimant_name.unwrap_or_default(), until })
                }
                _ => None,
            },
            decided_at: self.decided_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// The case columns plus the comma-joined kinds of its submissions. `string_agg` and
/// `group_concat` differ, so the kinds come from a correlated subquery per backend.
pub(crate) fn case_select(backend: crate::Backend) -> String {
    let aggregate = match backend {
        crate::Backend::Sqlite => "(select group_concat(distinct kind) from submissions where case_id = cases.id)",
        crate::Backend::Postgres => "(select string_agg(distinct kind, ',') from submissions where case_id = cases.id)",
    };
    format!(
        "select id, platform_id, status, priority, due_at, merged_into, submission_count, match_count, \
         {aggregate} as kinds, review_state, claimed_by, \
         coalesce((select display_name from users where users.id = cases.claimed_by), \
         (select name from api_tokens where api_tokens.id = cases.claimed_by)) as claimant_name, claimed_until, \
         decided_at, created_at, updated_at from cases"
    )
}

/// `$from, $from+1, …` for an `in (…)` list of `count` values.
pub(crate) fn list_placeholders(from: usize, count: usize) -> String {
    (from..from + count).map(|index| format!("${index}")).collect::<Vec<_>>().join(", ")
}

/// Rows per multi-row insert: at most 20 columns, so well under both databases' parameter limits.
const ROWS_PER_INSERT: usize = 400;

/// Where a batch's new case ids point after merges (a union-find over case ids).
#[derive(Default)]
struct CaseRedirects(HashMap<CaseId, CaseId>);

impl CaseRedirects {
    fn resolve(&self, mut case: CaseId) -> CaseId {
        while let Some(next) = self.0.get(&case) {
            case = *next;
        }
        case
    }
}

/// Recomputes a case's aggregates from its submissions and matches.
macro_rules! refresh_case {
    ($tx:expr, $case:expr, $now:expr) => {{
        let case: CaseId = $case;
        sqlx::query(
            "update cases set \
             submission_count = (select count(*) from submissions where case_id = $1), \
             match_count = (select count(*) from case_matches where case_id = $1), \
             due_at = (select min(due_at) from submissions where case_id = $1 and status = 'received'), \
             priority = (select max(rank) from (select max(priority) as rank from submissions where case_id = $1 \
                         union all select 2 from case_matches where case_id = $1) as ranks), \
             updated_at = $2 \
             where id = $1",
        )
        .bind(case.0)
        .bind($now)
        .execute(&mut *$tx)
        .await?;
    }};
}

/// Records a hash-bank match on a case, unless the case already holds the same match of the
/// same media: a media file is matched on arrival, by the media worker and by later bank
/// rematches, which may overlap in time, and a match must show once. Returns the rows written
/// (0 or 1). (A match on a bank the platform may not read carries no signal id: the same bank,
/// labels and distance then stand for the same signal.)
macro_rules! insert_case_match {
    ($tx:expr, $case:expr, $submission:expr, $found:expr, $now:expr) => {{
        let case: CaseId = $case;
        let submission: Option<SubmissionId> = $submission;
        let found: &CaseMatch = $found;
        sqlx::query(
            "insert into case_matches (case_id, submission_id, media_sha256, bank, signal_id, signal_type, distance, \
             labels, created_at, via) select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 \
             where $3 is null or not exists (select 1 from case_matches where case_id = $1 and media_sha256 = $3 \
             and bank = $4 and signal_type = $6 \
             and (signal_id = $5 or (signal_id is null and $5 is null and distance = $7 and labels = $8)))",
        )
        .bind(case.0)
        .bind(submission.map(|id| id.0))
        .bind(found.media_sha256.as_deref())
        .bind(&found.bank)
        .bind(found.signal_id)
        .bind(&found.signal_type)
        .bind(found.distance as i32)
        .bind(&found.labels)
        .bind($now)
        .bind(found.via.as_deref())
        .execute(&mut *$tx)
        .await?
        .rows_affected()
    }};
}

pub(crate) use {insert_case_match, refresh_case};

/// Inside `$tx`: whether case `$case`'s content was removed (preserved or purged, TCO Art. 6).
macro_rules! is_preserved {
    ($tx:expr, $case:expr) => {{
        let case: CaseId = $case;
        let removed: Option<Option<DateTime<Utc>>> = sqlx::query_scalar("select removed_at from cases where id = $1")
            .bind(case.0)
            .fetch_optional(&mut *$tx)
            .await?;
        matches!(removed, Some(Some(_)))
    }};
}

/// Moves everything of case `$from` into case `$into` and marks `$from` merged.
macro_rules! merge_case {
    ($tx:expr, $from:expr, $into:expr, $now:expr) => {{
        let from: CaseId = $from;
        let into: CaseId = $into;
        for table in ["submissions", "case_keys", "case_matches"] {
            sqlx::query(&format!("update {table} set case_id = $1 where case_id = $2"))
                .bind(into.0)
                .bind(from.0)
                .execute(&mut *$tx)
                .await?;
        }
        sqlx::query(
            "update cases set status = 'merged', merged_into = $1, submission_count = 0, match_count = 0, \
             due_at = null, updated_at = $3 where id = $2",
        )
        .bind(into.0)
        .bind(from.0)
        .bind($now)
        .execute(&mut *$tx)
        .await?;
    }};
}

fn merge_record(from: CaseId, into: CaseId, platform: OrganisationId, reason: &str) -> AuditRecord {
    AuditRecord {
        actor: Actor::System,
        organisation_id: Some(platform),
        action: "case.merge".into(),
        subject_type: "case".into(),
        subject_id: from.to_string(),
        details: format!(r#"{{"into":"{into}","reason":"{reason}"}}"#),
    }
}

/// The submissions of a batch that are new, with the case each joins.
struct Placement {
    index: usize,
    case: CaseId,
}

impl Store {
    /// Stores a batch of submissions in one transaction: each joins the case already holding
    /// one of its content keys (merging cases its keys join together), or opens one. Resent
    /// submissions (idempotency key or reference) come back as [`SubmissionOutcome::Existing`].
    pub async fn record_submissions(&self, batch: &[NewSubmission]) -> StoreResult<Vec<SubmissionOutcome>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let now = self.now();
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            let (mut sequence, mut previous_hash) = lock_audit_head!(tx);

            // 1. Resends: earlier submissions with the same idempotency key or reference.
            let mut outcomes: Vec<Option<Decided>> = vec![None; batch.len()];
            // Two indexed lookups (a single query with `or` would scan the sender's submissions):
            // keys by (submitter, key), references by (submitter, kind, reference).
            let mut keys_wanted: HashMap<OrganisationId, BTreeSet<String>> = HashMap::new();
            let mut references_wanted: HashMap<(OrganisationId, SubmissionKind), BTreeSet<String>> = HashMap::new();
            for submission in batch {
                let Some(submitter) = submission.submitter_id else { continue };
                if let Some(idempotency) = &submission.idempotency {
                    keys_wanted.entry(submitter).or_default().insert(idempotency.key.clone());
                }
                if let (Some(reference), true) = (&submission.reference, submission.kind.reference_identifies()) {
                    references_wanted.entry((submitter, submission.kind)).or_default().insert(reference.clone());
                }
            }
            let mut earlier: Vec<ReceiptRow> = Vec::new();
            for (submitter, keys) in &keys_wanted {
                let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
                let rows: Vec<ReceiptRow> = Bulk::find_submissions(
                    &mut *tx,
                    RECEIPT_COLUMNS,
                    submitter.0,
                    crate::bulk::ResendLookup::IdempotencyKey,
                    &keys,
                )
                .await?;
                earlier.extend(rows);
            }
            for ((submitter, kind), references) in &references_wanted {
                let references: Vec<&str> = references.iter().map(String::as_str).collect();
                let rows: Vec<ReceiptRow> = Bulk::find_submissions(
                    &mut *tx,
                    RECEIPT_COLUMNS,
                    submitter.0,
                    crate::bulk::ResendLookup::Reference(kind.as_str()),
                    &references,
                )
                .await?;
                earlier.extend(rows);
            }
            // Earlier in this same batch counts too: index of the first holder.
            let mut batch_keys: HashMap<(OrganisationId, &str), usize> = HashMap::new();
            let mut batch_references: HashMap<(OrganisationId, SubmissionKind, &str), usize> = HashMap::new();
            for (index, submission) in batch.iter().enumerate() {
                let Some(submitter) = submission.submitter_id else { continue };
                if let Some(idempotency) = &submission.idempotency {
                    let stored = earlier.iter().find(|row| {
                        row.submitter_id == Some(submitter.0) && row.idempotency_key.as_deref() == Some(&idempotency.key)
                    });
                    if let Some(row) = stored {
                        outcomes[index] = Some(Decided::Now(
                            if row.request_fingerprint.as_deref() == Some(&idempotency.fingerprint) {
                                SubmissionOutcome::Existing(row.receipt(true)?)
                            } else {
                                SubmissionOutcome::IdempotencyKeyReused
                            },
                        ));
                        continue;
                    }
                    if let Some(first) = batch_keys.get(&(submitter, idempotency.key.as_str())) {
                        let same = batch[*first].idempotency.as_ref().map(|key| &key.fingerprint)
                            == Some(&idempotency.fingerprint);
                        outcomes[index] = Some(if same {
                            Decided::SameAs(*first)
                        } else {
                            Decided::Now(SubmissionOutcome::IdempotencyKeyReused)
                        });
                        continue;
                    }
                }
                if let (Some(reference), true) = (&submission.reference, submission.kind.reference_identifies()) {
                    let stored = earlier.iter().find(|row| {
                        row.submitter_id == Some(submitter.0)
                            && row.reference.as_deref() == Some(reference)
                            && row.kind == submission.kind.as_str()
                    });
                    if let Some(row) = stored {
                        outcomes[index] = Some(Decided::Now(SubmissionOutcome::Existing(row.receipt(true)?)));
                        continue;
                    }
                    if let Some(first) = batch_references.get(&(submitter, submission.kind, reference.as_str())) {
                        outcomes[index] = Some(Decided::SameAs(*first));
                        continue;
                    }
                    batch_references.insert((submitter, submission.kind, reference), index);
                }
                if let Some(idempotency) = &submission.idempotency {
                    batch_keys.insert((submitter, idempotency.key.as_str()), index);
                }
            }

            // 2. Which cases already hold the new submissions' content keys.
            let mut wanted: HashMap<OrganisationId, BTreeSet<String>> = HashMap::new();
            for (index, submission) in batch.iter().enumerate() {
                if outcomes[index].is_none() {
                    let keys = wanted.entry(submission.platform_id).or_default();
                    keys.extend(submission.content_keys.iter().map(|key| key.to_key()));
                }
            }
            let mut key_cases: HashMap<(OrganisationId, String), CaseId> = HashMap::new();
            for (platform, keys) in &wanted {
                let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
                for (key, case) in Bulk::find_case_keys(&mut *tx, platform.0, &keys).await? {
                    key_cases.insert((*platform, key), CaseId(case));
                }
            }

            // 3. Place each new submission: join, open or merge.
            let mut redirects = CaseRedirects::default();
            let mut new_cases: Vec<(CaseId, OrganisationId)> = Vec::new();
            let mut merges: Vec<(CaseId, CaseId, OrganisationId)> = Vec::new();
            let mut placements: Vec<Placement> = Vec::new();
            let mut keys_to_write: Vec<(OrganisationId, String)> = Vec::new();
            for (index, submission) in batch.iter().enumerate() {
                if outcomes[index].is_some() {
                    continue;
                }
                let platform = submission.platform_id;
                let keys: Vec<String> = submission.content_keys.iter().map(|key| key.to_key()).collect();
                let mut found: BTreeSet<CaseId> = BTreeSet::new();
                for key in &keys {
                    if let Some(case) = key_cases.get(&(platform, key.clone())) {
                        found.insert(redirects.resolve(*case));
                    }
                }
                // UUIDv7 ids order by creation: the oldest case absorbs the others.
                let case = match found.first() {
                    Some(oldest) => *oldest,
                    None => {
                        let case = CaseId::new_v7();
                        new_cases.push((case, platform));
                        case
                    }
                };
                for other in found.iter().skip(1) {
                    redirects.0.insert(*other, case);
                    merges.push((*other, case, platform));
                }
                for key in keys {
                    key_cases.insert((platform, key.clone()), case);
                    keys_to_write.push((platform, key));
                }
                placements.push(Placement { index, case });
            }

            // 4. Write: cases, submissions, keys, media links, matches, merges, audit.
            // A new case that no merge touched holds only this batch's submissions: its aggregates
            // are known now, which spares the per-case recount below (most submissions open a
            // case of their own, so this is most of a batch).
            let merge_targets: BTreeSet<CaseId> = merges.iter().map(|(_, into, _)| redirects.resolve(*into)).collect();
            let mut fresh: HashMap<CaseId, (Priority, DateTime<Utc>, i32, i32)> = HashMap::new();
            for placement in &placements {
                let submission = &batch[placement.index];
                let priority = if submission.matches.is_empty() {
                    submission.priority
                } else {
                    submission.priority.max(Priority::High)
                };
                let due = now + submission.window;
                let entry = fresh.entry(redirects.resolve(placement.case)).or_insert((priority, due, 0, 0));
                entry.0 = entry.0.max(priority);
                entry.1 = entry.1.min(due);
                entry.2 += 1;
                entry.3 += submission.matches.len() as i32;
            }
            let case_rows: Vec<crate::bulk::CaseInsert> = new_cases
                .iter()
                .map(|(case, platform)| {
                    let (priority, due_at, submission_count, match_count) =
                        fresh.get(case).copied().unwrap_or((Priority::Low, now, 0, 0));
                    crate::bulk::CaseInsert {
                        id: case.0,
                        platform_id: platform.0,
                        priority: priority.rank(),
                        due_at,
                        submission_count,
                        match_count,
                        now,
                    }
                })
                .collect();
            Bulk::insert_cases(&mut *tx, &case_rows).await?;
            let new_case_ids: BTreeSet<CaseId> = new_cases.iter().map(|(case, _)| *case).collect();
            let submission_rows: Vec<crate::bulk::SubmissionInsert<'_>> = placements
                .iter()
                .map(|placement| {
                    let submission = &batch[placement.index];
                    crate::bulk::SubmissionInsert {
                        id: submission.id.0,
                        number: submission.number.as_str(),
                        case_id: redirects.resolve(placement.case).0,
                        platform_id: submission.platform_id.0,
                        submitter_id: submission.submitter_id.map(|id| id.0),
                        actor_kind: submission.actor.kind(),
                        actor_id: submission.actor.id(),
                        kind: submission.kind.as_str(),
                        status: SubmissionStatus::Received.as_str(),
                        priority: submission.priority.rank(),
                        trusted_flagger: submission.trusted_flagger,
                        reference: submission.reference.as_deref(),
                        idempotency_key: submission.idempotency.as_ref().map(|key| key.key.as_str()),
                        request_fingerprint: submission.idempotency.as_ref().map(|key| key.fingerprint.as_str()),
                        received_at: now,
                        due_at: now + submission.window,
                        details: &submission.details,
                    }
                })
                .collect();
            Bulk::insert_submissions(&mut *tx, &submission_rows).await?;
            for (from, into, _) in &merges {
                merge_case!(tx, *from, redirects.resolve(*into), now);
            }
            // Deduplicate: two submissions of the batch may name the same URL.
            let mut seen_keys = std::collections::HashSet::new();
            keys_to_write.retain(|key| seen_keys.insert(key.clone()));
            let key_rows: Vec<(Uuid, &str, Uuid)> = keys_to_write
                .iter()
                .map(|(platform, key)| {
                    (platform.0, key.as_str(), redirects.resolve(key_cases[&(*platform, key.clone())]).0)
                })
                .collect();
            Bulk::upsert_case_keys(&mut *tx, &key_rows).await?;
            let media_hashes: BTreeSet<&String> =
                placements.iter().flat_map(|placement| &batch[placement.index].media).collect();
            if !media_hashes.is_empty() {
                let sql = format!("select sha256, id from media where sha256 in ({})", list_placeholders(1, media_hashes.len()));
                let mut query = sqlx::query_as::<_, (String, i64)>(&sql);
                for hash in &media_hashes {
                    query = query.bind(*hash);
                }
                let ids: HashMap<String, i64> = query.fetch_all(&mut *tx).await?.into_iter().collect();
                // Media identified before now belong to a case more: queued again, so the media
                // worker matches their stored hashes for it too. The submission's own matches,
                // found on arrival, may have missed them (still being hashed then); this
                // transaction and the worker's record are serialised by the audit-head lock, so
                // one of the two always sees the other.
                let linked_ids: Vec<i64> = ids.values().copied().collect();
                let requeue = format!(
                    "update media set status = 'pending', attempts = 0, interruptions = 0, lease_until = null, \
                     updated_at = $1 where status = 'hashed' and id in ({})",
                    list_placeholders(2, linked_ids.len())
                );
                let mut query = sqlx::query(&requeue).bind(now);
                for id in &linked_ids {
                    query = query.bind(*id);
                }
                query.execute(&mut *tx).await?;
                for placement in &placements {
                    let submission = &batch[placement.index];
                    let mut linked = BTreeSet::new();
                    for hash in &submission.media {
                        let id = *ids.get(hash).ok_or_else(|| {
                            StoreError::Other(anyhow::anyhow!("media {hash} must be stored before its submission"))
                        })?;
                        if linked.insert(id) {
                            sqlx::query(
                                "insert into submission_media (submission_id, media_id, created_at) values ($1, $2, $3)",
                            )
                            .bind(submission.id.0)
                            .bind(id)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                        }
                    }
                }
            }
            for placement in &placements {
                let submission = &batch[placement.index];
                for found in &submission.matches {
                    insert_case_match!(tx, redirects.resolve(placement.case), Some(submission.id), found, now);
                }
            }
            // Aggregates: every case a submission joined or was merged into.
            let touched: BTreeSet<CaseId> = placements
                .iter()
                .map(|placement| redirects.resolve(placement.case))
                .filter(|case| !new_case_ids.contains(case) || merge_targets.contains(case))
                .collect();
            for case in &touched {
                refresh_case!(tx, *case, now);
                // A new submission about content already decided is owed its own answer: the
                // case goes back to the queue, its earlier decisions kept.
                sqlx::query(
                    "update cases set review_state = 'new', decided_at = null where id = $1 and review_state = 'decided'",
                )
                .bind(case.0)
                .execute(&mut *tx)
                .await?;
            }

            let mut records = Vec::with_capacity(placements.len() + merges.len());
            for placement in &placements {
                let submission = &batch[placement.index];
                records.push(AuditRecord {
                    actor: submission.actor,
                    organisation_id: submission.submitter_id,
                    action: "submission.receive".into(),
                    subject_type: "submission".into(),
                    subject_id: submission.id.to_string(),
                    details: format!(
                        r#"{{"kind":"{}","case":"{}","platform":"{}","priority":"{}","matches":{}}}"#,
                        submission.kind,
                        redirects.resolve(placement.case),
                        submission.platform_id,
                        submission.priority,
                        submission.matches.len()
                    ),
                });
            }
            for (from, into, platform) in &merges {
                records.push(merge_record(*from, redirects.resolve(*into), *platform, "shared content key"));
            }
            append_audit_batch!(tx, &records, now, sequence, previous_hash);
            tx.commit().await?;

            // 5. Receipts for the stored ones, then for in-batch resends (which point at them).
            let mut stored_receipts: HashMap<usize, Receipt> = HashMap::new();
            for placement in &placements {
                let submission = &batch[placement.index];
                let receipt = Receipt {
                    id: submission.id,
                    number: submission.number.as_str().to_owned(),
                    case_id: redirects.resolve(placement.case),
                    kind: submission.kind,
                    status: SubmissionStatus::Received,
                    priority: submission.priority,
                    received_at: now,
                    due_at: Some(now + submission.window),
                    platform_id: submission.platform_id,
                    existing: false,
                };
                stored_receipts.insert(placement.index, receipt.clone());
                outcomes[placement.index] = Some(Decided::Now(SubmissionOutcome::Stored(receipt)));
            }
            outcomes
                .into_iter()
                .map(|outcome| match outcome {
                    Some(Decided::Now(outcome)) => Ok(outcome),
                    Some(Decided::SameAs(first)) => stored_receipts
                        .get(&first)
                        .map(|receipt| SubmissionOutcome::Existing(Receipt { existing: true, ..receipt.clone() }))
                        .ok_or_else(|| StoreError::Other(anyhow::anyhow!("batch resend points at an unstored item"))),
                    None => Err(StoreError::Other(anyhow::anyhow!("a batch item was left without an outcome"))),
                })
                .collect()
        })
    }
}

/// An outcome decided before the batch is written, or "the same as item N", which is known
/// only once item N is stored.
#[derive(Clone)]
enum Decided {
    Now(SubmissionOutcome),
    SameAs(usize),
}

#[derive(sqlx::FromRow)]
struct SubmissionRow {
    #[sqlx(flatten)]
    receipt: ReceiptRow,
    actor_kind: String,
    actor_id: Option<Uuid>,
    trusted_flagger: bool,
    paused_at: Option<DateTime<Utc>>,
    details: String,
}

const SUBMISSION_COLUMNS: &str = "id, number, case_id, kind, status, priority, received_at, due_at, platform_id, submitter_id, \
                                  idempotency_key, request_fingerprint, reference, actor_kind, actor_id, \
                                  trusted_flagger, paused_at, details";

impl SubmissionRow {
    fn into_record(self) -> StoreResult<SubmissionRecord> {
        let id = self.receipt.id;
        Ok(SubmissionRecord {
            receipt: self.receipt.receipt(false)?,
            submitter_id: self.receipt.submitter_id.map(OrganisationId),
            actor: actor_from(&self.actor_kind, self.actor_id)
                .map_err(|problem| corrupt("submissions", id, problem))?,
            reference: self.receipt.reference,
            trusted_flagger: self.trusted_flagger,
            paused_at: self.paused_at,
            details: self.details,
        })
    }
}

#[derive(sqlx::FromRow)]
struct CaseMatchRow {
    submission_id: Option<Uuid>,
    media_sha256: Option<String>,
    bank: String,
    signal_id: Option<i64>,
    signal_type: String,
    distance: i32,
    labels: String,
    via: Option<String>,
    created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct DeadlineEventRow {
    submission_id: Uuid,
    action: String,
    reason: Option<String>,
    explanation: String,
    due_at_before: Option<DateTime<Utc>>,
    due_at_after: Option<DateTime<Utc>>,
    actor_kind: String,
    actor_id: Option<Uuid>,
    recorded_at: DateTime<Utc>,
}

impl DeadlineEventRow {
    fn into_event(self) -> StoreResult<DeadlineEvent> {
        let bad = |problem: String| corrupt("deadline_events", self.submission_id, problem);
        Ok(DeadlineEvent {
            reason: self.reason.as_deref().map(PauseReason::parse).transpose().map_err(bad)?,
            actor: actor_from(&self.actor_kind, self.actor_id).map_err(bad)?,
            action: self.action,
            explanation: self.explanation,
            due_at_before: self.due_at_before,
            due_at_after: self.due_at_after,
            recorded_at: self.recorded_at,
        })
    }
}

/// A media row with the submission it is attached to.
#[derive(sqlx::FromRow)]
struct CaseMediaRow {
    submission_id: Uuid,
    #[sqlx(flatten)]
    media: MediaRecord,
}

/// Which way a clock change goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockChange {
    /// Stop the clock (TCO Art. 3(7) or 3(8)).
    Pause(PauseReason),
    /// Start it again.
    Resume,
}

impl Store {
    /// One submission, or `NotFound`.
    pub async fn get_submission(&self, id: SubmissionId) -> StoreResult<SubmissionRecord> {
        let sql = format!("select {SUBMISSION_COLUMNS} from submissions where id = $1");
        let row: SubmissionRow = on_pool!(self, pool => sqlx::query_as(&sql).bind(id.0).fetch_one(pool).await)?;
        row.into_record()
    }

    /// The submission with this short number, or `NotFound`.
    pub async fn get_submission_by_number(
        &self,
        number: &vigie_domain::intake::SubmissionNumber,
    ) -> StoreResult<SubmissionRecord> {
        let sql = format!("select {SUBMISSION_COLUMNS} from submissions where number = $1");
        let row: SubmissionRow =
            on_pool!(self, pool => sqlx::query_as(&sql).bind(number.as_str()).fetch_one(pool).await)?;
        row.into_record()
    }

    /// An organisation's submissions, newest first.
    pub async fn list_submissions_by(
        &self,
        submitter: OrganisationId,
        limit: u32,
        offset: u32,
    ) -> StoreResult<Vec<SubmissionRecord>> {
        let sql = format!(
            "select {SUBMISSION_COLUMNS} from submissions where submitter_id = $1 \
             order by received_at desc, id desc limit $2 offset $3"
        );
        let rows: Vec<SubmissionRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql)
                .bind(submitter.0)
                .bind(i64::from(limit.clamp(1, 500)))
                .bind(i64::from(offset))
                .fetch_all(pool)
                .await
        })?;
        rows.into_iter().map(SubmissionRow::into_record).collect()
    }

    /// The submissions of a case, oldest first.
    pub async fn list_case_submissions(&self, case: CaseId) -> StoreResult<Vec<SubmissionRecord>> {
        let sql = format!("select {SUBMISSION_COLUMNS} from submissions where case_id = $1 order by received_at, id");
        let rows: Vec<SubmissionRow> = on_pool!(self, pool => sqlx::query_as(&sql).bind(case.0).fetch_all(pool).await)?;
        rows.into_iter().map(SubmissionRow::into_record).collect()
    }

    /// One case, or `NotFound`.
    pub async fn get_case(&self, id: CaseId) -> StoreResult<CaseRecord> {
        let sql = format!("{} where id = $1", case_select(self.backend()));
        let row: CaseRow = on_pool!(self, pool => sqlx::query_as(&sql).bind(id.0).fetch_one(pool).await)?;
        row.into_case(self.now())
    }

    /// Cases in review order: earliest deadline first (paused ones last), then highest priority,
    /// then oldest.
    pub async fn list_cases(&self, filter: &CaseFilter) -> StoreResult<Vec<CaseRecord>> {
        let status = filter.status.unwrap_or(CaseStatus::Open);
        let mut conditions = vec!["status = $1".to_owned()];
        let mut next = 2;
        let mut placeholder = || {
            let text = format!("${next}");
            next += 1;
            text
        };
        let platforms = filter.platforms.clone();
        if let Some(platforms) = &platforms {
            if platforms.is_empty() {
                return Ok(Vec::new());
            }
            let list: Vec<String> = platforms.iter().map(|_| placeholder()).collect();
            conditions.push(format!("platform_id in ({})", list.join(", ")));
        }
        let review_states = match (&filter.review_states, status) {
            (Some(states), _) => Some(states.clone()),
            (None, CaseStatus::Open) => Some(ReviewState::ALL.into_iter().filter(|state| state.is_open()).collect()),
            (None, CaseStatus::Merged) => None,
        };
        if let Some(states) = &review_states {
            if states.is_empty() {
                return Ok(Vec::new());
            }
            let list: Vec<String> = states.iter().map(|_| placeholder()).collect();
            conditions.push(format!("review_state in ({})", list.join(", ")));
        }
        if filter.min_priority.is_some() {
            conditions.push(format!("priority >= {}", placeholder()));
        }
        if filter.kind.is_some() {
            conditions.push(format!(
                "exists (select 1 from submissions where case_id = cases.id and kind = {})",
                placeholder()
            ));
        }
        if filter.submitter.is_some() {
            conditions.push(format!(
                "exists (select 1 from submissions where case_id = cases.id and submitter_id = {})",
                placeholder()
            ));
        }
        if filter.label.is_some() {
            // Labels are stored comma-joined; matching ",label," on ",labels," finds whole labels.
            conditions.push(format!(
                "exists (select 1 from case_matches where case_id = cases.id and ',' || labels || ',' like {})",
                placeholder()
            ));
        }
        if filter.due_before.is_some() {
            conditions.push(format!("due_at < {}", placeholder()));
        }
        match filter.has_matches {
            Some(true) => conditions.push("match_count > 0".into()),
            Some(false) => conditions.push("match_count = 0".into()),
            None => {}
        }
        let limit = placeholder();
        let offset = placeholder();
        let sql = format!(
            "{} where {} order by case when due_at is null then 1 else 0 end, due_at, priority desc, id \
             limit {limit} offset {offset}",
            case_select(self.backend()),
            conditions.join(" and ")
        );
        let rows: Vec<CaseRow> = on_pool!(self, pool => {
            let mut query = sqlx::query_as(&sql).bind(status.as_str());
            for platform in platforms.iter().flatten() {
                query = query.bind(platform.0);
            }
            for state in review_states.iter().flatten() {
                query = query.bind(state.as_str());
            }
            if let Some(priority) = filter.min_priority {
                query = query.bind(priority.rank());
            }
            if let Some(kind) = filter.kind {
                query = query.bind(kind.as_str());
            }
            if let Some(submitter) = filter.submitter {
                query = query.bind(submitter.0);
            }
            if let Some(label) = &filter.label {
                // A checked label holds no `%`; its `_` also matches itself.
                query = query.bind(format!("%,{label},%"));
            }
            if let Some(before) = filter.due_before {
                query = query.bind(before);
            }
            query
                .bind(i64::from(filter.limit.clamp(1, 500)))
                .bind(i64::from(filter.offset))
                .fetch_all(pool)
                .await
        })?;
        let now = self.now();
        rows.into_iter().map(|row| row.into_case(now)).collect()
    }

    /// The hash-bank matches of a case, oldest first.
    pub async fn list_case_matches(&self, case: CaseId) -> StoreResult<Vec<CaseMatchRecord>> {
        let rows: Vec<CaseMatchRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "select submission_id, media_sha256, bank, signal_id, signal_type, distance, labels, via, created_at \
                 from case_matches where case_id = $1 order by id",
            )
            .bind(case.0)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|row| CaseMatchRecord {
                found: CaseMatch {
                    bank: row.bank,
                    signal_id: row.signal_id,
                    signal_type: row.signal_type,
                    distance: u32::try_from(row.distance).unwrap_or_default(),
                    labels: row.labels,
                    media_sha256: row.media_sha256,
                    via: row.via,
                },
                submission_id: row.submission_id.map(SubmissionId),
                created_at: row.created_at,
            })
            .collect())
    }

    /// The media attached to a submission.
    pub async fn list_submission_media(&self, submission: SubmissionId) -> StoreResult<Vec<MediaRecord>> {
        let sql = format!(
            "select {MEDIA_COLUMNS} from media where id in \
             (select media_id from submission_media where submission_id = $1) order by id"
        );
        Ok(on_pool!(self, pool => sqlx::query_as(&sql).bind(submission.0).fetch_all(pool).await)?)
    }

    /// The media of every submission of a case, by submission, each list as
    /// [`Store::list_submission_media`] gives it: one query for a case page, however many
    /// submissions the case holds.
    pub async fn list_case_media(&self, case: CaseId) -> StoreResult<HashMap<SubmissionId, Vec<MediaRecord>>> {
        let sql = format!(
            "select links.submission_id, {MEDIA_COLUMNS} from media join \
             (select submission_id, media_id from submission_media \
              where submission_id in (select id from submissions where case_id = $1)) as links \
             on links.media_id = media.id order by id"
        );
        let rows: Vec<CaseMediaRow> = on_pool!(self, pool => sqlx::query_as(&sql).bind(case.0).fetch_all(pool).await)?;
        let mut media: HashMap<SubmissionId, Vec<MediaRecord>> = HashMap::new();
        for row in rows {
            media.entry(SubmissionId(row.submission_id)).or_default().push(row.media);
        }
        Ok(media)
    }

    /// The pauses and resumes of a submission's clock, oldest first.
    pub async fn list_deadline_events(&self, submission: SubmissionId) -> StoreResult<Vec<DeadlineEvent>> {
        let rows: Vec<DeadlineEventRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "select submission_id, action, reason, explanation, due_at_before, due_at_after, actor_kind, actor_id, \
                 recorded_at from deadline_events where submission_id = $1 order by id",
            )
            .bind(submission.0)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter().map(DeadlineEventRow::into_event).collect()
    }

    /// The clock events of every submission of a case, by submission, each list as
    /// [`Store::list_deadline_events`] gives it (one query for a case page).
    pub async fn list_case_deadline_events(
        &self,
        case: CaseId,
    ) -> StoreResult<HashMap<SubmissionId, Vec<DeadlineEvent>>> {
        let rows: Vec<DeadlineEventRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "select submission_id, action, reason, explanation, due_at_before, due_at_after, actor_kind, actor_id, \
                 recorded_at from deadline_events \
                 where submission_id in (select id from submissions where case_id = $1) order by id",
            )
            .bind(case.0)
            .fetch_all(pool)
            .await
        })?;
        let mut events: HashMap<SubmissionId, Vec<DeadlineEvent>> = HashMap::new();
        for row in rows {
            let submission = SubmissionId(row.submission_id);
            events.entry(submission).or_default().push(row.into_event()?);
        }
        Ok(events)
    }

    /// Pauses or resumes a removal order's clock, recording the change, its reason and the
    /// deadline before and after. `Conflict { constraint: "submission_clock_state" }` when the
    /// clock is not in the state the change needs (or the submission is not a removal order).
    pub async fn change_clock(
        &self,
        id: SubmissionId,
        change: ClockChange,
        explanation: &str,
        actor: Actor,
    ) -> StoreResult<SubmissionRecord> {
        let now = self.now();
        let sql = format!("select {SUBMISSION_COLUMNS} from submissions where id = $1");
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            let (mut sequence, mut previous_hash) = lock_audit_head!(tx);
            let row: SubmissionRow = sqlx::query_as(&sql).bind(id.0).fetch_one(&mut *tx).await?;
            let submission = row.into_record()?;
            let conflict = || StoreError::Conflict { constraint: "submission_clock_state".into() };
            if submission.receipt.kind != SubmissionKind::RemovalOrder {
                return Err(conflict());
            }
            // The stored due_at is the deadline at the moment of the pause.
            let stored_due: DateTime<Utc> = sqlx::query_scalar("select due_at from submissions where id = $1")
                .bind(id.0)
                .fetch_one(&mut *tx)
                .await?;
            let (action, reason, due_after) = match (change, submission.receipt.status, submission.paused_at) {
                (ClockChange::Pause(reason), SubmissionStatus::Received, _) => {
                    sqlx::query("update submissions set status = 'paused', paused_at = $2, updated_at = $2 where id = $1")
                        .bind(id.0)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    ("pause", Some(reason), None)
                }
                (ClockChange::Resume, SubmissionStatus::Paused, Some(paused_at)) => {
                    let due = due_after_resume(submission.receipt.kind, stored_due, paused_at, now);
                    sqlx::query(
                        "update submissions set status = 'received', paused_at = null, due_at = $2, updated_at = $3 \
                         where id = $1",
                    )
                    .bind(id.0)
                    .bind(due)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    ("resume", None, Some(due))
                }
                _ => return Err(conflict()),
            };
            sqlx::query(
                "insert into deadline_events (submission_id, action, reason, explanation, due_at_before, due_at_after, \
                 actor_kind, actor_id, recorded_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(id.0)
            .bind(action)
            .bind(reason.map(PauseReason::as_str))
            .bind(explanation)
            .bind(if action == "pause" { Some(stored_due) } else { None })
            .bind(due_after)
            .bind(actor.kind())
            .bind(actor.id())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            refresh_case!(tx, submission.receipt.case_id, now);
            if action == "resume" {
                // The authority answered: once no order of the case waits any more, it is
                // reviewed again.
                sqlx::query(
                    "update cases set review_state = 'new' where id = $1 and review_state = 'clarification_requested' \
                     and not exists (select 1 from submissions where case_id = $1 and status = 'paused')",
                )
                .bind(submission.receipt.case_id.0)
                .execute(&mut *tx)
                .await?;
            }
            let details = match reason {
                Some(reason) => format!(r#"{{"reason":"{}"}}"#, reason.as_str()),
                None => format!(r#"{{"due_at":"{}"}}"#, due_after.map(|due| due.to_rfc3339()).unwrap_or_default()),
            };
            let record = AuditRecord {
                actor,
                organisation_id: Some(submission.receipt.platform_id),
                action: format!("submission.{action}"),
                subject_type: "submission".into(),
                subject_id: id.to_string(),
                details,
            };
            append_audit_batch!(tx, std::slice::from_ref(&record), now, sequence, previous_hash);
            tx.commit().await?;
        });
        self.get_submission(id).await
    }

    /// Stores a media row (once per content: the same bytes sent twice share it). `pdq`: an
    /// image's hash and quality when already computed (it stays `pending`: the worker still
    /// records its matches and groups it).
    pub async fn insert_media(
        &self,
        sha256: &str,
        md5: &str,
        byte_size: u64,
        media_type: &str,
        pdq: Option<(&str, u32, Option<&str>)>,
    ) -> StoreResult<MediaRecord> {
        let now = self.now();
        let select = format!("select {MEDIA_COLUMNS} from media where sha256 = $1");
        on_pool!(self, pool => {
            sqlx::query(
                "insert into media (sha256, md5, byte_size, media_type, pdq, pdq_quality, pdq_variants, created_at, \
                 updated_at) values ($1, $2, $3, $4, $5, $6, $8, $7, $7) on conflict (sha256) do nothing",
            )
            .bind(sha256)
            .bind(md5)
            .bind(i64::try_from(byte_size).unwrap_or(i64::MAX))
            .bind(media_type)
            .bind(pdq.map(|(hash, _, _)| hash))
            .bind(pdq.map(|(_, quality, _)| quality as i32))
            .bind(now)
            .bind(pdq.and_then(|(_, _, variants)| variants))
            .execute(pool)
            .await?;
            Ok(sqlx::query_as(&select).bind(sha256).fetch_one(pool).await?)
        })
    }

    /// Media by SHA-256, if stored.
    pub async fn find_media(&self, sha256: &str) -> StoreResult<Option<MediaRecord>> {
        let sql = format!("select {MEDIA_COLUMNS} from media where sha256 = $1");
        Ok(on_pool!(self, pool => sqlx::query_as(&sql).bind(sha256).fetch_optional(pool).await)?)
    }

    /// Which of these SHA-256 digests media rows name (the media collector's question).
    pub async fn recorded_media(&self, sha256s: &[String]) -> StoreResult<std::collections::HashSet<String>> {
        let mut recorded = std::collections::HashSet::new();
        for chunk in sha256s.chunks(ROWS_PER_INSERT) {
            let sql = format!("select sha256 from media where sha256 in ({})", list_placeholders(1, chunk.len()));
            let found: Vec<String> = on_pool!(self, pool => {
                let mut query = sqlx::query_scalar(&sql);
                for sha256 in chunk {
                    query = query.bind(sha256);
                }
                query.fetch_all(pool).await
            })?;
            recorded.extend(found);
        }
        Ok(recorded)
    }

    /// Links already-stored media to an existing submission (the platform attaching content
    /// later), adding its digests as content keys of the case. Audited.
    pub async fn attach_media(
        &self,
        submission: SubmissionId,
        media: &MediaRecord,
        actor: Actor,
    ) -> StoreResult<SubmissionRecord> {
        let now = self.now();
        let record = self.get_submission(submission).await?;
        let platform = record.receipt.platform_id;
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            let (mut sequence, mut previous_hash) = lock_audit_head!(tx);
            let case: Uuid = sqlx::query_scalar("select case_id from submissions where id = $1")
                .bind(submission.0)
                .fetch_one(&mut *tx)
                .await?;
            let mut case = CaseId(case);
            sqlx::query(
                "insert into submission_media (submission_id, media_id, created_at) values ($1, $2, $3) \
                 on conflict (submission_id, media_id) do nothing",
            )
            .bind(submission.0)
            .bind(media.id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let mut records = vec![AuditRecord {
                actor,
                organisation_id: Some(platform),
                action: "submission.attach_media".into(),
                subject_type: "submission".into(),
                subject_id: submission.to_string(),
                details: format!(r#"{{"sha256":"{}"}}"#, media.sha256),
            }];
            // A case whose content was removed is preserved as it was: never merged, and its keys
            // go to the other case (see `Bulk::find_case_keys`).
            let own_preserved = is_preserved!(tx, case);
            for key in [format!("sha256:{}", media.sha256), format!("md5:{}", media.md5)] {
                let holder: Option<Uuid> =
                    sqlx::query_scalar("select case_id from case_keys where platform_id = $1 and key = $2")
                        .bind(platform.0)
                        .bind(&key)
                        .fetch_optional(&mut *tx)
                        .await?;
                let holder_preserved = match holder {
                    Some(other) if other != case.0 => is_preserved!(tx, CaseId(other)),
                    _ => false,
                };
                match holder.map(CaseId) {
                    Some(other) if other != case && (own_preserved || holder_preserved) => {
                        if holder_preserved && !own_preserved {
                            sqlx::query("update case_keys set case_id = $3 where platform_id = $1 and key = $2")
                                .bind(platform.0)
                                .bind(&key)
                                .bind(case.0)
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                    Some(other) if other != case => {
                        let (from, into) = if other < case { (case, other) } else { (other, case) };
                        merge_case!(tx, from, into, now);
                        records.push(merge_record(from, into, platform, "same media"));
                        case = into;
                    }
                    Some(_) => {}
                    None => {
                        sqlx::query("insert into case_keys (platform_id, key, case_id) values ($1, $2, $3)")
                            .bind(platform.0)
                            .bind(&key)
                            .bind(case.0)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
            }
            refresh_case!(tx, case, now);
            append_audit_batch!(tx, &records, now, sequence, previous_hash);
            tx.commit().await?;
        });
        self.get_submission(submission).await
    }

    /// Claims the oldest media waiting to be hashed, leasing it until `lease_until` so that one
    /// node hashes it; a crashed node's lease runs out and another takes it. An attempt ends by
    /// recording an outcome or by [`Store::release_media`]; a lease found run out means the
    /// attempt holding it died with its process, and counts in `interruptions`.
    pub async fn claim_media(&self, lease_until: DateTime<Utc>, max_attempts: i32) -> StoreResult<Option<MediaRecord>> {
        let now = self.now();
        let sql = format!(
            "update media set lease_until = $1, attempts = attempts + 1, \
             interruptions = interruptions + case when lease_until is null then 0 else 1 end, updated_at = $2 \
             where id = (select id from media where status = 'pending' and attempts < $3 \
              and (lease_until is null or lease_until < $2) order by id limit 1) \
             and (lease_until is null or lease_until < $2) returning {MEDIA_COLUMNS}"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(lease_until).bind(now).bind(max_attempts).fetch_optional(pool).await
        })?)
    }

    /// Ends an attempt that failed without an outcome (the database was unavailable mid-way):
    /// the lease is dropped so the file is tried again soon, and the attempt is not counted as
    /// an interruption.
    pub async fn release_media(&self, media_id: i64) -> StoreResult<()> {
        let now = self.now();
        on_pool!(self, pool => {
            sqlx::query("update media set lease_until = null, updated_at = $2 where id = $1 and status = 'pending'")
                .bind(media_id)
                .bind(now)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// The platforms whose cases hold this media (those it must be matched for).
    pub async fn media_platforms(&self, media_id: i64) -> StoreResult<Vec<OrganisationId>> {
        let rows: Vec<(Uuid,)> = on_pool!(self, pool => {
            sqlx::query_as(
                "select distinct s.platform_id from submission_media m join submissions s on s.id = m.submission_id \
                 where m.media_id = $1 order by s.platform_id",
            )
            .bind(media_id)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows.into_iter().map(|(id,)| OrganisationId(id)).collect())
    }

    /// Records a media's hashes, and on every case holding it the bank matches found for its
    /// platform (`matches`, per platform: each platform's cases hold only what its reviewers may
    /// learn; a platform absent from it gets none), and merges those cases with the cases holding
    /// `near_duplicates` (media ids whose PDQ is within the grouping threshold), per platform,
    /// into the oldest.
    pub async fn record_media_hashes(
        &self,
        media_id: i64,
        hashes: &MediaHashes,
        matches: &BTreeMap<OrganisationId, Vec<CaseMatch>>,
        near_duplicates: &[i64],
    ) -> StoreResult<MediaIdentified> {
        let now = self.now();
        let (status, pdq, quality, variants, vpdq, error) = match hashes {
            MediaHashes::Image { pdq, quality, variants } => {
                ("hashed", Some(pdq.as_str()), Some(*quality as i32), variants.as_deref(), None, None)
            }
            MediaHashes::Video { vpdq } => ("hashed", None, None, None, Some(vpdq.as_str()), None),
            MediaHashes::Unsupported { reason } => ("unsupported", None, None, None, None, Some(reason.as_str())),
            MediaHashes::Failed { reason } => ("failed", None, None, None, None, Some(reason.as_str())),
        };
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            let (mut sequence, mut previous_hash) = lock_audit_head!(tx);
            let stamp = sequence + 1;
            let sha256: String = sqlx::query_scalar(
                "update media set status = $2, pdq = $3, pdq_quality = $4, vpdq = $5, error = $6, lease_until = null, \
                 identified_seq = $7, updated_at = $8, pdq_variants = coalesce($9, pdq_variants) where id = $1 \
                 returning sha256",
            )
            .bind(media_id)
            .bind(status)
            .bind(pdq)
            .bind(quality)
            .bind(vpdq)
            .bind(error)
            .bind(stamp)
            .bind(now)
            .bind(variants)
            .fetch_one(&mut *tx)
            .await?;
            let holders = |ids: Vec<i64>| {
                format!(
                    "select distinct s.case_id, s.platform_id from submission_media m \
                     join submissions s on s.id = m.submission_id where m.media_id in ({})",
                    list_placeholders(1, ids.len())
                )
            };
            let mut own: Vec<(Uuid, Uuid)> = sqlx::query_as(&holders(vec![media_id])).bind(media_id).fetch_all(&mut *tx).await?;
            own.sort();
            // A platform whose submission linked the media after `matches` was computed has not
            // been matched: the media stays queued (its hashes kept), to be matched again.
            let unmatched = status == "hashed"
                && own.iter().any(|(_, platform)| !matches.contains_key(&OrganisationId(*platform)));
            if unmatched {
                sqlx::query("update media set status = 'pending', attempts = 0, interruptions = 0 where id = $1")
                    .bind(media_id)
                    .execute(&mut *tx)
                    .await?;
            }
            for (case, platform) in &own {
                for found in matches.get(&OrganisationId(*platform)).into_iter().flatten() {
                    let found = CaseMatch { media_sha256: Some(sha256.clone()), ..found.clone() };
                    insert_case_match!(tx, CaseId(*case), None::<SubmissionId>, &found, now);
                }
            }
            let mut similar: Vec<(Uuid, Uuid)> = Vec::new();
            let others: Vec<i64> = near_duplicates.iter().copied().filter(|id| *id != media_id).collect();
            for chunk in others.chunks(ROWS_PER_INSERT) {
                let sql = holders(chunk.to_vec());
                let mut query = sqlx::query_as::<_, (Uuid, Uuid)>(&sql);
                for id in chunk {
                    query = query.bind(id);
                }
                similar.extend(query.fetch_all(&mut *tx).await?);
            }
            let mut outcome = MediaIdentified { cases: own.iter().map(|(case, _)| CaseId(*case)).collect(), ..Default::default() };
            let mut records = vec![AuditRecord {
                actor: Actor::System,
                organisation_id: None,
                action: "media.identify".into(),
                subject_type: "media".into(),
                subject_id: sha256.clone(),
                details: format!(
                    r#"{{"status":"{status}","matches":{},"cases":{}}}"#,
                    matches.values().map(Vec::len).sum::<usize>(),
                    own.len()
                ),
            }];
            let platforms: BTreeSet<Uuid> = own.iter().map(|(_, platform)| *platform).collect();
            let mut touched: BTreeSet<CaseId> = outcome.cases.iter().copied().collect();
            // Cases whose content was removed are preserved as they were: never merged.
            let mut preserved: BTreeSet<Uuid> = BTreeSet::new();
            for (case, _) in own.iter().chain(&similar) {
                if !preserved.contains(case) && is_preserved!(tx, CaseId(*case)) {
                    preserved.insert(*case);
                }
            }
            for platform in platforms {
                let group: BTreeSet<CaseId> = own
                    .iter()
                    .chain(&similar)
                    .filter(|(case, owner)| *owner == platform && !preserved.contains(case))
                    .map(|(case, _)| CaseId(*case))
                    .collect();
                let Some(oldest) = group.first().copied() else { continue };
                for other in group.iter().skip(1) {
                    merge_case!(tx, *other, oldest, now);
                    records.push(merge_record(*other, oldest, OrganisationId(platform), "near-duplicate image"));
                    outcome.merges.push((*other, oldest));
                    touched.remove(other);
                }
                touched.insert(oldest);
            }
            for case in &touched {
                refresh_case!(tx, *case, now);
            }
            append_audit_batch!(tx, &records, now, sequence, previous_hash);
            tx.commit().await?;
            outcome.sequence = stamp;
            Ok(outcome)
        })
    }

    /// Image hashes of media identified after audit sequence `after`, oldest first: the
    /// near-duplicate index's incremental feed.
    pub async fn list_media_pdq_since(&self, after: i64, limit: u32) -> StoreResult<Vec<MediaPdq>> {
        let rows: Vec<(i64, String, i64)> = on_pool!(self, pool => {
            sqlx::query_as(
                "select id, pdq, identified_seq from media where identified_seq > $1 and pdq is not null \
                 order by identified_seq limit $2",
            )
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await
        })?;
        Ok(rows.into_iter().map(|(media_id, pdq, identified_seq)| MediaPdq { media_id, pdq, identified_seq }).collect())
    }

    /// A platform's own referral window in minutes, if it set one.
    pub async fn referral_window_minutes(&self, platform: OrganisationId) -> StoreResult<Option<i32>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar("select referral_deadline_minutes from organisations where id = $1")
                .bind(platform.0)
                .fetch_one(pool)
                .await
        })?)
    }

    /// Sets (or clears, with `None`) a platform's referral window. Audited.
    pub async fn set_referral_window(
        &self,
        platform: OrganisationId,
        minutes: Option<i32>,
        actor: Actor,
    ) -> StoreResult<()> {
        let now = self.now();
        let record = AuditRecord {
            actor,
            organisation_id: Some(platform),
            action: "organisation.referral_window".into(),
            subject_type: "organisation".into(),
            subject_id: platform.to_string(),
            details: match minutes {
                Some(minutes) => format!(r#"{{"minutes":{minutes}}}"#),
                None => r#"{"minutes":null}"#.into(),
            },
        };
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            append_audit!(tx, &record, now);
            let updated = sqlx::query(
                "update organisations set referral_deadline_minutes = $2, updated_at = $3 where id = $1",
            )
            .bind(platform.0)
            .bind(minutes)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            tx.commit().await?;
        });
        Ok(())
    }
}
