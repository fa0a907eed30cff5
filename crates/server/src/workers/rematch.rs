//! Matches stored media against signals added to banks after the media arrived, so a hash
//! confirmed today finds yesterday's uploads.
//!
//! Work goes through the database, so any node may do it: each pass first queues a job for
//! every bank whose signals changed since its last rematch (`Store::queue_rematches`, once per
//! change whichever node sees it), then claims one job with a lease and walks the stored media
//! its scope covers, a page at a time, in id order. Each media's perceptual hash (or digest) is
//! searched in the node's in-memory index (`MatchEngine::lookup_among`), keeping hits on the
//! job's new signals only: the cost is one index search per stored media, whatever the number
//! of new signals (a million-signal import is one pass, not a million). Each case is matched as
//! its platform's reviewers may see the bank, as on arrival. A page's matches and the job's
//! cursor commit together, so an interrupted pass resumes where it stopped.

use std::collections::HashSet;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use vigie_domain::bank::SignalType;
use vigie_domain::ids::{CaseId, OrganisationId};
use vigie_domain::intake::CaseMatch;
use vigie_store::{MediaRecord, RematchJob, StoreError};

use crate::AppState;
use crate::intake::{case_matches, perceptual_queries};
use crate::matching::Query;

/// How long a claimed job stays reserved; extended at every page.
const LEASE: chrono::Duration = chrono::Duration::minutes(10);
/// Claims of one job before it is given up (each failure is logged).
const MAX_ATTEMPTS: i32 = 10;
/// Stored media per page (one transaction of matches each).
const PAGE: u32 = 500;
/// How often to look for work.
const POLL: Duration = Duration::from_secs(2);

/// What one pass did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing was waiting.
    Idle,
    /// One job was run to its end; the matches it recorded.
    Processed {
        /// Matches recorded on cases.
        matches: u64,
        /// Cases that received them.
        cases: u64,
    },
}

/// Runs rematches until `shutdown`, finishing the page in hand.
pub async fn run(state: AppState, shutdown: CancellationToken) {
    while !shutdown.is_cancelled() {
        let pause = match run_once(&state).await {
            Ok(Outcome::Processed { .. }) => continue,
            Ok(Outcome::Idle) => POLL,
            Err(error) => {
                tracing::warn!(error = %format!("{error:#}"), "rematch failed; retrying");
                POLL
            }
        };
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(pause) => {}
        }
    }
}

/// Queues rematches for banks whose signals changed, then runs one job, if any, to its end.
pub async fn run_once(state: &AppState) -> Result<Outcome, StoreError> {
    state.store.queue_rematches().await?;
    let Some(job) = state.store.claim_rematch_job(state.store.now() + LEASE).await? else {
        return Ok(Outcome::Idle);
    };
    if job.attempts > MAX_ATTEMPTS {
        tracing::error!(job = job.id, attempts = job.attempts, "rematch given up after repeated failures");
        state.store.fail_rematch_job(job.id, "given up after repeated failures; see the server log").await?;
        return Ok(Outcome::Processed { matches: 0, cases: 0 });
    }
    let started = std::time::Instant::now();
    let outcome = run_job(state, &job).await?;
    if let Outcome::Processed { matches, cases } = outcome {
        tracing::info!(
            job = job.id,
            bank_id = %job.bank_id,
            scope = job.scope.as_str(),
            matches,
            cases,
            seconds = started.elapsed().as_secs_f64(),
            "rematch done"
        );
    }
    Ok(outcome)
}

async fn run_job(state: &AppState, job: &RematchJob) -> Result<Outcome, StoreError> {
    let bank = match state.store.get_bank(job.bank_id).await {
        Ok((bank, _)) => bank,
        Err(StoreError::NotFound) => {
            state.store.fail_rematch_job(job.id, "the bank no longer exists").await?;
            return Ok(Outcome::Processed { matches: 0, cases: 0 });
        }
        Err(error) => return Err(error),
    };
    // The index must hold the job's signals: this node may not have synced them yet.
    if state.engine.bank_version(bank.id).is_none_or(|version| version < job.up_to_version) {
        state.engine.sync().await?;
    }
    // A job from version 0 covers the whole bank: no filter needed (nor a set of every id).
    let signals: Option<HashSet<i64>> = if job.after_version == 0 {
        None
    } else {
        Some(state.store.changed_signal_ids(bank.id, job.after_version, job.up_to_version).await?)
    };
    let nothing_new = signals.as_ref().is_some_and(HashSet::is_empty);
    let mut cursor = job.cursor;
    let (mut matches, mut cases) = (0, 0);
    loop {
        let media = if nothing_new || bank.signal_type == SignalType::Url {
            Vec::new()
        } else {
            state.store.list_rematch_media(bank.signal_type, job.scope, cursor, PAGE).await?
        };
        let done = media.len() < PAGE as usize;
        let found = match_page(state, job, bank.signal_type, signals.as_ref(), &media).await?;
        cursor = media.last().map_or(cursor, |last| last.id);
        let page = state.store.record_rematch_page(job, &found, cursor, done, state.store.now() + LEASE).await?;
        matches += page.matches;
        cases += page.cases;
        if done {
            return Ok(Outcome::Processed { matches, cases });
        }
    }
}

/// The matches of one page of media on the job's bank, per case holding them.
async fn match_page(
    state: &AppState,
    job: &RematchJob,
    signal_type: SignalType,
    signals: Option<&HashSet<i64>>,
    media: &[MediaRecord],
) -> Result<Vec<(CaseId, OrganisationId, CaseMatch)>, StoreError> {
    let mut found = Vec::new();
    if media.is_empty() {
        return Ok(found);
    }
    let ids: Vec<i64> = media.iter().map(|media| media.id).collect();
    let holders = state.store.media_holders(&ids, job.scope).await?;
    for item in media {
        let Some(query) = query_for(signal_type, item) else { continue };
        let queries = [query];
        let mut platforms: Vec<OrganisationId> =
            holders.iter().filter(|holder| holder.media_id == item.id).map(|holder| holder.platform_id).collect();
        platforms.sort();
        platforms.dedup();
        for platform in platforms {
            let reviewers = state.intake.directory.reviewers_of(&state.store, platform).await?;
            let outcomes = state.engine.lookup_among(&queries, &reviewers, job.bank_id, signals).await?;
            let matched = case_matches(&queries, outcomes, Some(&item.sha256));
            if matched.is_empty() {
                continue;
            }
            for holder in holders.iter().filter(|holder| holder.media_id == item.id && holder.platform_id == platform) {
                found.extend(matched.iter().map(|found| (holder.case_id, platform, found.clone())));
            }
        }
    }
    Ok(found)
}

/// What a stored media is searched with in a bank of `signal_type`.
fn query_for(signal_type: SignalType, media: &MediaRecord) -> Option<Query> {
    let digest = |text: &str| -> Option<Vec<u8>> { hex::decode(text).ok() };
    match signal_type {
        SignalType::Pdq | SignalType::Vpdq => {
            perceptual_queries(media).filter(|query| query.signal_type() == signal_type)
        }
        SignalType::Md5 => digest(&media.md5).and_then(|bytes| bytes.try_into().ok()).map(Query::Md5),
        SignalType::Sha256 => digest(&media.sha256).and_then(|bytes| bytes.try_into().ok()).map(Query::Sha256),
        SignalType::Url => None,
    }
}
