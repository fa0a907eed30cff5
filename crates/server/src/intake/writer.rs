//! Group commit for submissions: concurrent requests are gathered into one transaction.
//!
//! A submission is answered 2xx only once it is committed, and each commit waits for the disk
//! (fsync). One commit per request would cap intake at the disk's fsync rate; one task that
//! takes every submission waiting when it becomes free and commits them together keeps the
//! guarantee and multiplies the rate. There is no timer: a lone request is committed at once,
//! and batches grow only while a commit is already in flight.

use tokio::sync::{mpsc, oneshot};
use vigie_domain::intake::NewSubmission;
use vigie_store::{Store, StoreError, StoreResult, SubmissionOutcome};

/// Submissions committed together at most.
const MAX_BATCH: usize = 256;
/// Submissions waiting for the writer at most; senders wait beyond (back-pressure).
const QUEUE: usize = 4096;
/// Longest a batch's transaction may take. A commit answers in milliseconds, or within SQLite's
/// busy timeout (10 s) when another process holds the write lock; past this the database is
/// taken as unreachable (a PostgreSQL host gone without closing its connections would otherwise
/// hold every submission until TCP gives up, many minutes later). The transaction is abandoned
/// and its connection closed; the senders get 503 and may resend (with the same
/// `Idempotency-Key`, a resend of a submission that did commit returns its receipt).
const COMMIT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

async fn record(store: &Store, submissions: &[NewSubmission]) -> StoreResult<Vec<SubmissionOutcome>> {
    tokio::time::timeout(COMMIT_TIMEOUT, store.record_submissions(submissions)).await.unwrap_or_else(|_| {
        Err(StoreError::Unavailable(anyhow::anyhow!(
            "the database did not commit within {} s",
            COMMIT_TIMEOUT.as_secs()
        )))
    })
}

struct Job {
    submission: NewSubmission,
    reply: oneshot::Sender<StoreResult<SubmissionOutcome>>,
}

/// The handle requests use; cheap to clone.
#[derive(Clone)]
pub struct IntakeWriter {
    jobs: mpsc::Sender<Job>,
}

impl IntakeWriter {
    /// Starts the writer task on the current runtime. It stops when every handle is dropped.
    pub fn start(store: Store) -> Self {
        let (jobs, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(run(store, receiver));
        Self { jobs }
    }

    /// Stores one submission, waiting for its commit.
    pub async fn submit(&self, submission: NewSubmission) -> StoreResult<SubmissionOutcome> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { submission, reply })
            .await
            .map_err(|_| StoreError::Other(anyhow::anyhow!("the intake writer has stopped")))?;
        answer.await.map_err(|_| StoreError::Other(anyhow::anyhow!("the intake writer dropped a submission")))?
    }
}

async fn run(store: Store, mut receiver: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        let submissions: Vec<NewSubmission> = jobs.iter().map(|job| job.submission.clone()).collect();
        match record(&store, &submissions).await {
            Ok(outcomes) => {
                for (job, outcome) in jobs.drain(..).zip(outcomes) {
                    let _ = job.reply.send(Ok(outcome));
                }
            }
            // The database, not a submission, is the cause: every sender gets the same answer
            // now (trying each alone would only multiply the wait).
            Err(StoreError::Unavailable(cause)) => {
                let cause = format!("{cause:#}");
                tracing::warn!(error = %cause, batch = jobs.len(), "intake batch not stored: database unavailable");
                for job in jobs.drain(..) {
                    let _ = job.reply.send(Err(StoreError::Unavailable(anyhow::anyhow!("{cause}"))));
                }
            }
            // One bad submission must not fail the others: retry each alone, so only the
            // culprit gets the error.
            Err(error) if jobs.len() > 1 => {
                tracing::warn!(error = %error, batch = jobs.len(), "intake batch failed; storing one by one");
                for job in jobs.drain(..) {
                    let outcome = record(&store, std::slice::from_ref(&job.submission)).await.and_then(|outcomes| {
                        outcomes
                            .into_iter()
                            .next()
                            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("the store returned no outcome")))
                    });
                    let _ = job.reply.send(outcome);
                }
            }
            Err(error) => {
                if let Some(job) = jobs.pop() {
                    let _ = job.reply.send(Err(error));
                }
            }
        }
    }
}
