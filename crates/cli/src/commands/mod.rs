//! Commands that do not touch the database.

pub mod hash;
pub mod webhooks;
