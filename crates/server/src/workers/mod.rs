//! Background workers. Each has a `run(.., shutdown)` loop that stops when the token is cancelled.

pub mod audit_checkpoints;
pub mod index_sync;
pub mod media;
pub mod media_collector;
pub mod purge;
pub mod rematch;
