//! Removes media files that nothing will ever name: partial uploads a killed process left in
//! `incoming/`, and complete files whose request was refused or timed out after the upload and
//! could not delete them itself (another request held the same bytes, or the request was cut
//! off), and the frames and renditions made from media no row names. Runs at start and then periodically; only files older than a safe age are touched, so
//! uploads in progress and files about to be named by a row are never taken.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::AppState;

/// How often the collector runs after the first pass at start.
pub const COLLECT_EVERY: Duration = Duration::from_secs(10 * 60);

/// The youngest a file may be to be collected: far longer than any request may run (a request
/// is cut off at the request timeout), so a file this old belongs to no request in flight.
pub fn min_age(request_timeout: Duration) -> Duration {
    Duration::from_secs(15 * 60).max(request_timeout.saturating_mul(4))
}

/// At start, then every [`COLLECT_EVERY`] until `shutdown`.
pub async fn run(state: AppState, shutdown: CancellationToken) {
    let min_age = min_age(state.settings.request_timeout);
    let mut ticker = tokio::time::interval(COLLECT_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            _ = ticker.tick() => {
                match state.intake.media.collect(&state.store, min_age).await {
                    Ok(collected) if collected.temporary + collected.unrecorded + collected.derived > 0 => {
                        tracing::info!(
                            temporary = collected.temporary,
                            unrecorded = collected.unrecorded,
                            derived = collected.derived,
                            "media collector removed files no row names"
                        )
                    }
                    Ok(_) => {}
                    Err(error) => tracing::warn!(error = %error, "media collection failed; retrying later"),
                }
            }
        }
    }
}
