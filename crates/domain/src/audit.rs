//! The audit trail: one event per state change, chained by SHA-256 so that editing, deleting or
//! reordering any past event breaks every hash after it.
//!
//! Architecture invariant: the store writes an event in the same transaction as the change it
//! describes, taking the previous event's hash under a lock, so the chain is a total order even
//! with several server nodes.

use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};

use crate::access::Actor;
use crate::ids::OrganisationId;

pub mod checkpoint;

/// The hash that the first event chains to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, before it is placed in the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    /// Who did it.
    pub actor: Actor,
    /// The organisation on whose behalf (the actor's), if any.
    pub organisation_id: Option<OrganisationId>,
    /// A stable dotted verb such as `organisation.create`.
    pub action: String,
    /// The kind of thing changed, such as `organisation`.
    pub subject_type: String,
    /// Its id.
    pub subject_id: String,
    /// Extra facts as compact JSON text (never secrets, never reported media or URLs).
    pub details: String,
}

/// An event as stored: a record, its place in the chain and its time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    /// Position in the chain, from 1.
    pub sequence: i64,
    /// When it was recorded (server clock, UTC, microseconds).
    pub recorded_at: DateTime<Utc>,
    /// What happened.
    pub record: AuditRecord,
    /// Hash of the previous event ([`GENESIS_HASH`] for the first).
    pub previous_hash: String,
    /// This event's hash.
    pub hash: String,
}

impl AuditRecord {
    /// The hash of this record placed at `sequence` after `previous_hash`.
    ///
    /// Every field is length-prefixed so that no two different events share an encoding.
    pub fn chain_hash(&self, sequence: i64, recorded_at: DateTime<Utc>, previous_hash: &str) -> String {
        let mut hasher = Sha256::new();
        let actor_id = self.actor.id().map(|id| id.to_string()).unwrap_or_default();
        let organisation = self.organisation_id.map(|id| id.to_string()).unwrap_or_default();
        let time = recorded_at.to_rfc3339_opts(SecondsFormat::Micros, true);
        let sequence = sequence.to_string();
        for field in [
            previous_hash,
            &sequence,
            &time,
            self.actor.kind(),
            &actor_id,
            &organisation,
            &self.action,
            &self.subject_type,
            &self.subject_id,
            &self.details,
        ] {
            hasher.update((field.len() as u64).to_be_bytes());
            hasher.update(field.as_bytes());
        }
        hex::encode(hasher.finalize())
    }
}

/// Why an event does not verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakKind {
    /// The event at this sequence number is not there.
    Missing,
    /// The row exists but a column cannot be read as its type (a time, a UUID, an actor).
    Unreadable,
    /// Its `previous_hash` is not the hash of the event before it.
    Unlinked,
    /// Its content does not give its hash: it was edited after it was written.
    Altered,
    /// The recorded end of the chain (`audit_head`) is not its last event.
    HeadMismatch,
}

impl BreakKind {
    /// Stable slug for the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::Unreadable => "unreadable",
            Self::Unlinked => "unlinked",
            Self::Altered => "altered",
            Self::HeadMismatch => "head-mismatch",
        }
    }
}

/// Where a chain stops being consistent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainBreak {
    /// Sequence number of the first event that does not verify.
    pub sequence: i64,
    /// What kind of inconsistency.
    pub kind: BreakKind,
    /// What is wrong with it, in words (never a value from the row).
    pub reason: String,
}

impl ChainBreak {
    /// A break of `kind` at `sequence`, with the kind's usual wording.
    pub fn new(sequence: i64, kind: BreakKind) -> Self {
        let reason = match kind {
            BreakKind::Missing => "event is missing",
            BreakKind::Unreadable => "cannot be read",
            BreakKind::Unlinked => "does not chain to the event before it",
            BreakKind::Altered => "content does not match its hash",
            BreakKind::HeadMismatch => "the chain's recorded end does not match its events",
        };
        Self { sequence, kind, reason: reason.to_owned() }
    }

    /// A row at `sequence` that cannot be read, and why.
    pub fn unreadable(sequence: i64, problem: impl std::fmt::Display) -> Self {
        Self { sequence, kind: BreakKind::Unreadable, reason: format!("cannot be read: {problem}") }
    }
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "event {}: {}", self.sequence, self.reason)
    }
}

/// Checks a run of consecutive events. `previous_hash` is the hash before the first of them
/// ([`GENESIS_HASH`] when starting from sequence 1), so long chains can be checked page by page.
/// Returns the last hash, to pass to the next page.
pub fn verify_chain<'a>(
    previous_hash: &str,
    events: impl IntoIterator<Item = &'a AuditEvent>,
) -> Result<String, ChainBreak> {
    let mut expected_previous = previous_hash.to_owned();
    let mut expected_sequence: Option<i64> = None;
    for event in events {
        if let Some(expected) = expected_sequence.filter(|sequence| *sequence != event.sequence) {
            return Err(ChainBreak::new(expected, BreakKind::Missing));
        }
        if event.previous_hash != expected_previous {
            return Err(ChainBreak::new(event.sequence, BreakKind::Unlinked));
        }
        let recomputed = event.record.chain_hash(event.sequence, event.recorded_at, &event.previous_hash);
        if recomputed != event.hash {
            return Err(ChainBreak::new(event.sequence, BreakKind::Altered));
        }
        expected_previous = event.hash.clone();
        expected_sequence = Some(event.sequence + 1);
    }
    Ok(expected_previous)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(length: i64) -> Vec<AuditEvent> {
        let mut previous = GENESIS_HASH.to_owned();
        let start = DateTime::from_timestamp(1_780_000_000, 0).unwrap();
        (1..=length)
            .map(|sequence| {
                let record = AuditRecord {
                    actor: Actor::System,
                    organisation_id: None,
                    action: "organisation.create".into(),
                    subject_type: "organisation".into(),
                    subject_id: format!("org-{sequence}"),
                    details: "{}".into(),
                };
                let recorded_at = start + chrono::Duration::seconds(sequence);
                let hash = record.chain_hash(sequence, recorded_at, &previous);
                let event = AuditEvent { sequence, recorded_at, record, previous_hash: previous.clone(), hash };
                previous = event.hash.clone();
                event
            })
            .collect()
    }

    #[test]
    fn intact_chain_verifies() {
        let events = chain(5);
        assert_eq!(verify_chain(GENESIS_HASH, &events), Ok(events[4].hash.clone()));
        // Page by page gives the same result.
        let middle = verify_chain(GENESIS_HASH, &events[..2]).unwrap();
        assert_eq!(verify_chain(&middle, &events[2..]), Ok(events[4].hash.clone()));
    }

    #[test]
    fn tampering_is_found() {
        let mut edited = chain(5);
        edited[2].record.subject_id = "someone-else".into();
        assert_eq!(verify_chain(GENESIS_HASH, &edited).unwrap_err().sequence, 3);

        let mut deleted = chain(5);
        deleted.remove(1);
        assert_eq!(verify_chain(GENESIS_HASH, &deleted).unwrap_err(), ChainBreak::new(2, BreakKind::Missing));

        let mut retimed = chain(5);
        retimed[4].recorded_at += chrono::Duration::seconds(1);
        assert_eq!(verify_chain(GENESIS_HASH, &retimed).unwrap_err().sequence, 5);
    }

    #[test]
    fn field_boundaries_matter() {
        let a = AuditRecord {
            actor: Actor::System,
            organisation_id: None,
            action: "ab".into(),
            subject_type: "c".into(),
            subject_id: String::new(),
            details: String::new(),
        };
        let b = AuditRecord { action: "a".into(), subject_type: "bc".into(), ..a.clone() };
        let now = Utc::now();
        assert_ne!(a.chain_hash(1, now, GENESIS_HASH), b.chain_hash(1, now, GENESIS_HASH));
    }
}
