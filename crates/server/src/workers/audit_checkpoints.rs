//! Signs a checkpoint of the audit chain's head every interval, when the head has moved since
//! the latest checkpoint (any node's: nodes sharing a database do not repeat each other).

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::AppState;
use crate::audit::{CheckpointMode, CheckpointRefusal, make_checkpoint};

/// Every `interval` until `shutdown` (the first time at once). A chain that does not verify is
/// logged as an error at every tick and not signed; a database failure is retried next tick.
pub async fn run(state: AppState, interval: Duration, shutdown: CancellationToken) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            _ = ticker.tick() => {
                match make_checkpoint(&state.store, &state.audit_keys, CheckpointMode::IfHeadMoved).await {
                    Ok(Some(checkpoint)) => {
                        tracing::info!(sequence = checkpoint.sequence, "audit checkpoint signed");
                    }
                    Ok(None) | Err(CheckpointRefusal::Empty) => {}
                    Err(CheckpointRefusal::NoKey) => {
                        tracing::warn!("no audit signing key: periodic checkpoints are off");
                        break;
                    }
                    Err(CheckpointRefusal::ChainBroken(problem)) => {
                        tracing::error!(%problem, "audit chain not checkpointed: it does not verify");
                    }
                    Err(CheckpointRefusal::Store(error)) => {
                        tracing::warn!(error = %error, "audit checkpoint failed; retrying at the next tick");
                    }
                }
            }
        }
    }
}
