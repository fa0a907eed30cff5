//! Keeps this node's match indexes in step with bank changes made through other nodes.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::matching::MatchEngine;

/// Calls [`MatchEngine::sync`] every `interval` until `shutdown`; failures are logged and retried
/// at the next tick (a database restart must not stop matching from what is already loaded).
pub async fn run(engine: Arc<MatchEngine>, interval: Duration, shutdown: CancellationToken) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            _ = ticker.tick() => {
                match engine.sync().await {
                    Ok(0) => {}
                    Ok(applied) => tracing::info!(applied, "match index synced"),
                    Err(error) => tracing::warn!(error = %error, "match index sync failed; retrying"),
                }
            }
        }
    }
}
