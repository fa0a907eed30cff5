//! Purges cases whose preservation ended (TCO Art. 6): at start, then every minute. Every node
//! runs it; the store's transaction makes each purge happen once (see
//! [`crate::preservation::purge_due`]).

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::AppState;

/// How often due cases are looked for: a purge is late by at most this much.
pub const PURGE_EVERY: Duration = Duration::from_secs(60);

/// At start, then every [`PURGE_EVERY`] until `shutdown`. Failures are logged and retried at
/// the next tick.
pub async fn run(state: AppState, shutdown: CancellationToken) {
    let mut ticker = tokio::time::interval(PURGE_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            _ = ticker.tick() => {
                match crate::preservation::purge_due(&state).await {
                    Ok(0) => {}
                    Ok(purged) => tracing::info!(purged, "preservation ended: cases purged"),
                    Err(error) => tracing::warn!(error = %error, "purging cases failed; retrying later"),
                }
            }
        }
    }
}
