//! Acting on decisions: the actions a decision asks of the platform, where each stands, the
//! platform's confirmation, the events sent to webhook endpoints, when a failed delivery is tried
//! again, and which webhook addresses may be called.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::intake::parse_among;
use crate::review::DecisionKind;
use crate::validate::{Checker, ValidationError, bounded_paragraphs};

/// What a platform is asked to do with the content of a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActionKind {
    /// Remove the content, or disable access to it everywhere.
    Remove,
    /// Disable access in the countries of the action's territorial scope.
    Restrict,
    /// Keep it behind a label (a warning, an age gate).
    Label,
    /// Keep it and attach counter-speech to it.
    AttachCounterSpeech,
    /// Undo an earlier removal or restriction: the decision behind it was corrected or reversed.
    Reinstate,
}

impl ActionKind {
    /// Every kind.
    pub const ALL: [Self; 5] = [Self::Remove, Self::Restrict, Self::Label, Self::AttachCounterSpeech, Self::Reinstate];

    /// The stable text used in the API, the events, the database and the audit trail.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Remove => "remove",
            Self::Restrict => "restrict",
            Self::Label => "label",
            Self::AttachCounterSpeech => "attach_counter_speech",
            Self::Reinstate => "reinstate",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, String> {
        parse_among(text, &Self::ALL, Self::as_str)
    }

    /// The action a decision of `kind` asks for, if any.
    fn of_decision(kind: DecisionKind) -> Option<Self> {
        match kind {
            DecisionKind::Remove => Some(Self::Remove),
            DecisionKind::Restrict => Some(Self::Restrict),
            DecisionKind::Label => Some(Self::Label),
            DecisionKind::KeepWithCounterSpeech => Some(Self::AttachCounterSpeech),
            DecisionKind::NoViolation
            | DecisionKind::Escalate
            | DecisionKind::RequestClarification
            | DecisionKind::CannotComply => None,
        }
    }

    /// True for actions that take the content down somewhere, which a later reversal undoes.
    pub fn takes_down(self) -> bool {
        matches!(self, Self::Remove | Self::Restrict)
    }
}

/// The actions a decision coming into force asks of the platform, in the order they must be
/// carried out. `replaced` is the kind of the decision it corrects, if any: correcting a
/// removal or a restriction first reinstates the content, then applies the new decision (a
/// restriction corrected into another restriction reinstates too, since its countries change).
pub fn actions_for(decision: DecisionKind, replaced: Option<DecisionKind>) -> Vec<ActionKind> {
    let mut actions = Vec::with_capacity(2);
    if replaced.and_then(ActionKind::of_decision).is_some_and(ActionKind::takes_down)
        && !(replaced == Some(DecisionKind::Remove) && decision == DecisionKind::Remove)
    {
        actions.push(ActionKind::Reinstate);
    }
    if let Some(action) = ActionKind::of_decision(decision)
        && !(replaced == Some(decision) && decision != DecisionKind::Restrict)
    {
        actions.push(action);
    }
    actions
}

/// Where an action stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActionStatus {
    /// Waiting for the platform: no webhook endpoint has acknowledged it yet (a platform that
    /// pulls reads it in this state).
    Pending,
    /// A webhook endpoint of the platform acknowledged it (2xx); not yet confirmed.
    Delivered,
    /// The platform said what it did (`ExecutionOutcome`), when.
    Confirmed,
    /// Every delivery was refused or unanswered for the whole retry period, and the platform has
    /// not confirmed it.
    Failed,
}

impl ActionStatus {
    /// Every status, in the order an action goes through them.
    pub const ALL: [Self; 4] = [Self::Pending, Self::Delivered, Self::Confirmed, Self::Failed];

    /// The stable text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Confirmed => "confirmed",
            Self::Failed => "failed",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, String> {
        parse_among(text, &Self::ALL, Self::as_str)
    }
}

/// What the platform says it did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExecutionOutcome {
    /// Done as asked.
    Executed,
    /// Done in part (some copies, some countries), with the reason.
    PartiallyExecuted,
    /// Not done, with the reason.
    Failed,
}

impl ExecutionOutcome {
    /// Every outcome.
    pub const ALL: [Self; 3] = [Self::Executed, Self::PartiallyExecuted, Self::Failed];

    /// The stable text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Executed => "executed",
            Self::PartiallyExecuted => "partially_executed",
            Self::Failed => "failed",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, String> {
        parse_among(text, &Self::ALL, Self::as_str)
    }
}

/// Longest reason a platform may give with a confirmation.
pub const MAX_REASON_CHARS: usize = 4_000;

/// How far in the future a platform's clock may put `executed_at` (clocks drift).
pub const CLOCK_SKEW: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// A platform's confirmation, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confirmation {
    /// What it did.
    pub outcome: ExecutionOutcome,
    /// When it acted (for `failed`: when it gave up).
    pub executed_at: DateTime<Utc>,
    /// Why not, or not all: required unless executed.
    pub reason: Option<String>,
}

/// Checks a confirmation of an action created at `created_at`, received at `now`: an outcome
/// among [`ExecutionOutcome::ALL`], a time no earlier than the action and no later than now
/// (give or take [`CLOCK_SKEW`]), and a reason unless the action was executed.
pub fn check_confirmation(
    outcome: Option<&str>,
    executed_at: Option<DateTime<Utc>>,
    reason: Option<&str>,
    created_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Confirmation, ValidationError> {
    let mut checker = Checker::default();
    let outcome = match outcome {
        None => {
            checker.push("outcome", "is required: executed, partially_executed or failed");
            None
        }
        Some(text) => checker.check("outcome", ExecutionOutcome::parse(text)),
    };
    match executed_at {
        None => checker.push("executed_at", "is required: when the platform acted (RFC 3339)"),
        Some(at) if at > now + CLOCK_SKEW => checker.push("executed_at", "must not be in the future"),
        // The action's own time is truncated to microseconds; a platform's clock a little behind
        // ours is allowed the same skew.
        Some(at) if at + CLOCK_SKEW < created_at => {
            checker.push("executed_at", "must not be before the action was sent")
        }
        Some(_) => {}
    }
    let reason = match reason.map(str::trim).filter(|text| !text.is_empty()) {
        None => {
            if outcome.is_some_and(|outcome| outcome != ExecutionOutcome::Executed) {
                checker.push("reason", "is required when the action was not fully executed");
            }
            None
        }
        Some(text) => checker.check("reason", bounded_paragraphs(text, 1, MAX_REASON_CHARS)),
    };
    match (outcome, executed_at) {
        (Some(outcome), Some(executed_at)) if checker.is_clean() => {
            Ok(Confirmation { outcome, executed_at: executed_at.min(now), reason })
        }
        _ => Err(checker.into_error()),
    }
}

/// What a webhook endpoint may subscribe to: the actions (sent to platforms) and the outcome of
/// a submission (sent to the organisation that sent it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventType {
    /// An action for the platform.
    Action(ActionKind),
    /// News of a submission this organisation sent: decided, executed, or not executed.
    SubmissionOutcome,
}

impl EventType {
    /// Every event type.
    pub const ALL: [Self; 6] = [
        Self::Action(ActionKind::Remove),
        Self::Action(ActionKind::Restrict),
        Self::Action(ActionKind::Label),
        Self::Action(ActionKind::AttachCounterSpeech),
        Self::Action(ActionKind::Reinstate),
        Self::SubmissionOutcome,
    ];

    /// The stable text (an action's kind, or `submission.outcome`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Action(kind) => kind.as_str(),
            Self::SubmissionOutcome => "submission.outcome",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, String> {
        parse_among(text, &Self::ALL, Self::as_str)
    }
}

/// When a delivery that failed is tried again, and when it is given up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Wait after the first failure; doubled after each further one.
    pub first_delay: Duration,
    /// Longest wait between two attempts.
    pub max_delay: Duration,
    /// How long after the event was created it is still tried; then it is marked failed.
    pub give_up_after: Duration,
}

impl Default for RetryPolicy {
    /// 10 s, doubling up to 6 h between attempts, for 72 hours (about 20 attempts).
    fn default() -> Self {
        Self {
            first_delay: Duration::from_secs(10),
            max_delay: Duration::from_secs(6 * 3600),
            give_up_after: Duration::from_secs(72 * 3600),
        }
    }
}

impl RetryPolicy {
    /// When to try again after `attempts` failed attempts, or `None` to give up. `jitter` in
    /// [0, 1) spreads retries over the second half of the delay ("equal jitter"), so endpoints
    /// coming back are not hit by every waiting event at once.
    pub fn next_attempt(
        &self,
        attempts: u32,
        created_at: DateTime<Utc>,
        now: DateTime<Utc>,
        jitter: f64,
    ) -> Option<DateTime<Utc>> {
        let doublings = attempts.saturating_sub(1).min(30);
        let delay = self.first_delay.saturating_mul(1 << doublings).min(self.max_delay);
        let delay = delay.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0));
        let next = now + chrono::TimeDelta::from_std(delay).ok()?;
        let deadline = created_at + chrono::TimeDelta::from_std(self.give_up_after).ok()?;
        (next <= deadline).then_some(next)
    }
}

/// True for addresses a webhook may be sent to without the operator's leave: not loopback,
/// private, link-local, shared (carrier-grade NAT), unique-local, multicast, unspecified,
/// broadcast, documentation or benchmarking ranges, nor an IPv4 address in IPv6 clothing that is
/// one of these. A webhook to such an address would let a platform's admin make Vigie call
/// services inside the operator's network (server-side request forgery).
pub fn is_public_address(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (first & 0xffc0) == 0xfec0 // site-local (deprecated) fec0::/10
                || first == 0x2001 && v6.segments()[1] == 0x0db8 // documentation
                || v6.segments()[..6] == [0, 0, 0, 0, 0, 0] // IPv4-compatible ::a.b.c.d
                || first == 0x0064 && v6.segments()[1] == 0xff9b // NAT64: 64:ff9b::/96 and the local 64:ff9b:1::/48
                || first == 0x2002 // 6to4, which embeds an IPv4 address
                || first == 0x2001 && v6.segments()[1] == 0x0000 // Teredo 2001::/32
                || v6.segments()[..4] == [0x0100, 0, 0, 0]) // discard-only 100::/64
        }
    }
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    let [a, b, c, _] = v4.octets();
    !(v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_multicast()
        || v4.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (b & 0xc0) == 64) // shared address space 100.64.0.0/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b & 0xfe) == 18) // benchmarking 198.18.0.0/15
        || a >= 240) // reserved
}

/// The loopback address of each family, for tests and messages.
pub const LOOPBACK: [IpAddr; 2] = [IpAddr::V4(Ipv4Addr::LOCALHOST), IpAddr::V6(Ipv6Addr::LOCALHOST)];

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn decisions_ask_for_actions_and_corrections_undo_takedowns() {
        use ActionKind as A;
        use DecisionKind as D;
        assert_eq!(actions_for(D::Remove, None), [A::Remove]);
        assert_eq!(actions_for(D::Restrict, None), [A::Restrict]);
        assert_eq!(actions_for(D::Label, None), [A::Label]);
        assert_eq!(actions_for(D::KeepWithCounterSpeech, None), [A::AttachCounterSpeech]);
        for kind in [D::NoViolation, D::Escalate, D::RequestClarification, D::CannotComply] {
            assert_eq!(actions_for(kind, None), []);
        }
        assert_eq!(actions_for(D::NoViolation, Some(D::Remove)), [A::Reinstate]);
        assert_eq!(actions_for(D::Restrict, Some(D::Remove)), [A::Reinstate, A::Restrict]);
        assert_eq!(actions_for(D::Restrict, Some(D::Restrict)), [A::Reinstate, A::Restrict]);
        assert_eq!(actions_for(D::Remove, Some(D::Remove)), []);
        assert_eq!(actions_for(D::Remove, Some(D::Label)), [A::Remove]);
        assert_eq!(actions_for(D::Label, Some(D::Label)), []);
        assert_eq!(actions_for(D::NoViolation, Some(D::Label)), []);
    }

    #[test]
    fn confirmations_name_each_field_at_fault() {
        let created = Utc.with_ymd_and_hms(2026, 5, 1, 10, 0, 0).unwrap();
        let now = created + chrono::TimeDelta::minutes(30);
        let ok = check_confirmation(Some("executed"), Some(now), None, created, now).unwrap();
        assert_eq!(ok.outcome, ExecutionOutcome::Executed);
        let fields = |result: Result<Confirmation, ValidationError>| -> Vec<String> {
            result.unwrap_err().issues.into_iter().map(|issue| issue.field).collect()
        };
        assert_eq!(fields(check_confirmation(None, None, None, created, now)), ["outcome", "executed_at"]);
        assert_eq!(fields(check_confirmation(Some("done"), Some(now), None, created, now)), ["outcome"]);
        assert_eq!(fields(check_confirmation(Some("failed"), Some(now), None, created, now)), ["reason"]);
        assert_eq!(
            fields(check_confirmation(Some("partially_executed"), Some(now), Some(" "), created, now)),
            ["reason"]
        );
        let later = now + chrono::TimeDelta::hours(1);
        assert_eq!(fields(check_confirmation(Some("executed"), Some(later), None, created, now)), ["executed_at"]);
        let before = created - chrono::TimeDelta::hours(1);
        assert_eq!(fields(check_confirmation(Some("executed"), Some(before), None, created, now)), ["executed_at"]);
        let failed = check_confirmation(Some("failed"), Some(now), Some("the account is gone"), created, now).unwrap();
        assert_eq!(failed.reason.as_deref(), Some("the account is gone"));
    }

    #[test]
    fn retries_back_off_with_jitter_and_stop_after_the_period() {
        let policy = RetryPolicy::default();
        let created = Utc.with_ymd_and_hms(2026, 5, 1, 10, 0, 0).unwrap();
        let first = policy.next_attempt(1, created, created, 0.0).unwrap();
        assert_eq!(first - created, chrono::TimeDelta::seconds(5));
        let full = policy.next_attempt(1, created, created, 0.999_999).unwrap();
        assert!(full - created <= chrono::TimeDelta::seconds(10));
        let third = policy.next_attempt(3, created, created, 0.0).unwrap();
        assert_eq!(third - created, chrono::TimeDelta::seconds(20));
        let capped = policy.next_attempt(40, created, created, 0.999).unwrap();
        assert!(capped - created <= chrono::TimeDelta::hours(6));
        // Walk the schedule: attempts stop within 72 hours.
        let mut now = created;
        let mut attempts = 0;
        while let Some(next) = policy.next_attempt(attempts + 1, created, now, 0.5) {
            now = next;
            attempts += 1;
            assert!(attempts < 100);
        }
        assert!(now - created <= chrono::TimeDelta::hours(72));
        assert!(now - created > chrono::TimeDelta::hours(60));
        assert!((15..30).contains(&attempts), "{attempts} attempts");
    }

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for text in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.1",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "64:ff9b:1::a00:1",
            "2002:a00:1::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "100::1",
            "2001:db8::1",
            "ff02::1",
        ] {
            assert!(!is_public_address(text.parse().unwrap()), "{text}");
        }
        for text in ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"] {
            assert!(is_public_address(text.parse().unwrap()), "{text}");
        }
        assert!(LOOPBACK.iter().all(|address| !is_public_address(*address)));
    }
}
