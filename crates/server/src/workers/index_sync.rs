//! Keeps this node in step with changes made through other nodes: bank signals (into the match
//! indexes) and token revocations (out of the token cache); and counts matches per signal.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::AppState;

/// Every `interval` until `shutdown`: syncs the match indexes, and empties the token cache when
/// any token was revoked. Failures are logged and retried at the next tick (a database restart
/// must not stop matching from what is already loaded).
pub async fn run(state: AppState, interval: Duration, shutdown: CancellationToken) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut revocations = None;
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            _ = ticker.tick() => {
                match state.engine.sync().await {
                    Ok(0) => {}
                    Ok(applied) => tracing::info!(applied, "match index synced"),
                    Err(error) => tracing::warn!(error = %error, "match index sync failed; retrying"),
                }
                let engine = state.engine.clone();
                match tokio::task::spawn_blocking(move || engine.compact_if_needed()).await {
                    Ok(true) => tracing::info!("match index compacted"),
                    Ok(false) => {}
                    Err(error) => tracing::warn!(error = %error, "match index compaction failed"),
                }
                if let Err(error) = state.intake.similar.sync(&state.store).await {
                    tracing::warn!(error = %error, "near-duplicate media index sync failed; retrying");
                }
                state.intake.similar.compact_if_needed();
                if let Err(error) = state.engine.flush_hits().await {
                    tracing::warn!(error = %error, "counting signal hits failed");
                }
                match state.store.token_revocation_mark().await {
                    Ok(mark) => {
                        if revocations.as_ref().is_some_and(|known| *known != mark) {
                            state.token_cache.clear();
                        }
                        revocations = Some(mark);
                    }
                    Err(error) => tracing::warn!(error = %error, "token revocation check failed; retrying"),
                }
            }
        }
    }
}
