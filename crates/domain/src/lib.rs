//! Vigie's vocabulary and rules, with no I/O.
//!
//! Everything here is pure: no database, no network, no clock, no random numbers. The current
//! time and fresh identifiers are passed in by the caller, so every rule can be tested with a
//! table of inputs and expected outputs.
//!
//! - [`organisation`]: who takes part (platforms, referral units, trusted flaggers, NGOs, ISPs).
//! - [`access`]: users' roles, what each role may do, and who acts ([`access::Principal`]).
//! - [`user`]: user accounts and password rules.
//! - [`token`]: API token format and the hash under which a token is stored.
//! - [`audit`]: the tamper-evident, hash-chained audit trail.
//! - [`bank`]: hash banks, signal types, labels and signal values; [`url`]: URL normalisation.
//! - [`intake`]: submission kinds, their legal vocabulary, deadlines, priorities and case keys.
//! - [`actions`], [`complaints`], [`preservation`]: what decisions ask of platforms, complaints
//!   against them, and how long removed content is kept (TCO Art. 6).
//! - [`validate`]: field-level validation shared by every input path (API, console, CLI).

#![deny(missing_docs)]

pub mod access;
pub mod actions;
pub mod audit;
pub mod bank;
pub mod complaints;
pub mod country;
pub mod ids;
pub mod import;
pub mod intake;
pub mod media_view;
pub mod organisation;
pub mod preservation;
pub mod review;
pub mod token;
pub mod url;
pub mod user;
pub mod validate;

pub use validate::{FieldIssue, ValidationError};
