//! Identifies media received with submissions: hashes them (PDQ, vPDQ), matches the hashes
//! against the banks and groups cases holding near-duplicate images, off the request path.
//!
//! Media are claimed with a lease in the database, so several nodes can run this worker: each
//! file is hashed by one, and a node that dies mid-way leaves a lease that runs out.

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use vigie_store::MediaHashes;

use crate::AppState;
use crate::intake::identify_media;

/// How long a claimed file stays reserved; a video of the maximum length hashes well within it.
const LEASE: chrono::Duration = chrono::Duration::minutes(30);
/// Attempts before a file that keeps failing (a database error mid-way) is marked failed.
const MAX_ATTEMPTS: i32 = 5;
/// Interrupted attempts (the process died while hashing the file) before it is given up. A
/// file that killed the server once is tried once more, since the cause may have been a restart
/// or a power cut; a second time means the file is the cause, and retrying it forever would be a
/// crash loop.
const MAX_INTERRUPTIONS: i32 = 2;
/// How often to look for work when nothing wakes the worker (media stored by another node).
const POLL: Duration = Duration::from_secs(2);

/// What one pass did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing was waiting.
    Idle,
    /// One file was identified.
    Processed,
}

/// Identifies media until `shutdown`, finishing the file in hand.
pub async fn run(state: AppState, shutdown: CancellationToken) {
    while !shutdown.is_cancelled() {
        let pause = match run_once(&state).await {
            Ok(Outcome::Processed) => continue,
            Ok(Outcome::Idle) => POLL,
            Err(error) => {
                tracing::warn!(error = %format!("{error:#}"), "media identification failed; retrying");
                POLL
            }
        };
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = state.intake.media_arrived.notified() => {}
            () = tokio::time::sleep(pause) => {}
        }
    }
}

/// Claims and identifies one waiting file, if any.
pub async fn run_once(state: &AppState) -> anyhow::Result<Outcome> {
    let lease_until = state.store.now() + LEASE;
    let Some(media) = state.store.claim_media(lease_until, MAX_ATTEMPTS).await? else {
        return Ok(Outcome::Idle);
    };
    if media.interruptions >= MAX_INTERRUPTIONS {
        tracing::error!(
            media_id = media.id,
            interruptions = media.interruptions,
            "media given up: the server stopped while hashing it, again; it is not tried again"
        );
        let reason = format!(
            "hashing this file was interrupted {} times (the server stopped, or was killed, while hashing it); \
             it is not tried again",
            media.interruptions
        );
        state.store.record_media_hashes(media.id, &MediaHashes::Failed { reason }, &[], &[]).await?;
        return Ok(Outcome::Processed);
    }
    if media.interruptions > 0 {
        tracing::warn!(
            media_id = media.id,
            interruptions = media.interruptions,
            "hashing a file again after the server stopped while hashing it"
        );
    }
    let _permit = state.hashing_permits.acquire().await?;
    let started = std::time::Instant::now();
    match identify_media(&state.store, &state.intake, &state.engine, state.settings.image_limits, &media).await {
        Ok(identified) => {
            // Ids and counts only: never the content or what it shows.
            tracing::info!(
                media_id = media.id,
                status = match identified.hashes {
                    MediaHashes::Image { .. } | MediaHashes::Video { .. } => "hashed",
                    MediaHashes::Unsupported { .. } => "unsupported",
                    MediaHashes::Failed { .. } => "failed",
                },
                matches = identified.matches,
                merges = identified.merges,
                seconds = started.elapsed().as_secs_f64(),
                "media identified"
            );
            Ok(Outcome::Processed)
        }
        Err(error) if media.attempts >= MAX_ATTEMPTS => {
            let reason = "identification failed repeatedly; see the server log".to_owned();
            state.store.record_media_hashes(media.id, &MediaHashes::Failed { reason }, &[], &[]).await?;
            Err(anyhow::anyhow!("media {} given up after {} attempts: {error}", media.id, media.attempts))
        }
        Err(error) => {
            // Not an interruption: let the file be claimed again at the next pass. If even this
            // fails (the database is down), the lease runs out and the retry comes later.
            let _ = state.store.release_media(media.id).await;
            Err(error.into())
        }
    }
}
