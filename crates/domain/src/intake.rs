//! Intake: the kinds of submission Vigie receives, the legal vocabulary each carries, and the
//! rules that turn one into a receipt (deadline, priority) and group it into a case.
//!
//! The legal sources are TCO Regulation (EU) 2021/784 (removal orders, Art. 3 and Annexes I and
//! III), the DSA (notices, Art. 16; trusted flaggers, Art. 22) and French practice (PHAROS
//! referrals and public reports, LCEN art. 6-1).

use std::fmt;

use chrono::{DateTime, Duration, Utc};

use crate::access::Actor;
use crate::ids::{CaseId, OrganisationId, SubmissionId};

/// The five ways content reaches Vigie.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SubmissionKind {
    /// A TCO removal order from a competent authority: binding, one hour to act (Art. 3(3)).
    RemovalOrder,
    /// A voluntary referral from a referral unit (EU IRU, PHAROS), assessed against the
    /// platform's terms.
    Referral,
    /// A DSA Art. 16 notice of allegedly illegal content; Art. 22 priority when the notifier is a
    /// trusted flagger.
    Notice,
    /// A public report, as on PHAROS; may be anonymous.
    UserReport,
    /// A flag from another platform or a hash-sharing partner.
    PartnerFlag,
}

impl SubmissionKind {
    /// Every kind.
    pub const ALL: [Self; 5] = [Self::RemovalOrder, Self::Referral, Self::Notice, Self::UserReport, Self::PartnerFlag];

    /// The stable text used in the API, files and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RemovalOrder => "removal_order",
            Self::Referral => "referral",
            Self::Notice => "notice",
            Self::UserReport => "user_report",
            Self::PartnerFlag => "partner_flag",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text.trim())
            .ok_or_else(|| format!("must be one of: {}", Self::ALL.map(Self::as_str).join(", ")))
    }

    /// Whether a second submission with the same sender reference is the same submission.
    /// Authorities number their orders and referrals; the same number twice is a resend.
    pub fn reference_identifies(self) -> bool {
        matches!(self, Self::RemovalOrder | Self::Referral | Self::PartnerFlag)
    }
}

impl fmt::Display for SubmissionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The types of terrorist content of TCO Art. 2(7), ticked in Annex I Section B.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TerroristContentGround {
    /// (a) incites the commission of a terrorist offence, such as by glorification.
    Incites,
    /// (b) solicits a person or group to commit or contribute to a terrorist offence.
    SolicitsOffence,
    /// (c) solicits a person or group to participate in the activities of a terrorist group.
    SolicitsParticipation,
    /// (d) provides instruction on making or using weapons or hazardous substances, or other
    /// methods, for committing a terrorist offence.
    ProvidesInstruction,
    /// (e) constitutes a threat to commit a terrorist offence.
    Threat,
}

impl TerroristContentGround {
    /// Every ground, in the Regulation's order.
    pub const ALL: [Self; 5] =
        [Self::Incites, Self::SolicitsOffence, Self::SolicitsParticipation, Self::ProvidesInstruction, Self::Threat];

    /// The letter of Art. 2(7): `a` to `e`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Incites => "a",
            Self::SolicitsOffence => "b",
            Self::SolicitsParticipation => "c",
            Self::ProvidesInstruction => "d",
            Self::Threat => "e",
        }
    }

    /// Parses a letter (`a`..`e`, any case).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|ground| ground.as_str() == text)
            .ok_or_else(|| "must be one of the letters of TCO Art. 2(7): a, b, c, d, e".to_owned())
    }

    /// What the ground means, as Annex I words it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Incites => "incites the commission of a terrorist offence (Art. 2(7)(a))",
            Self::SolicitsOffence => {
                "solicits the commission of, or contribution to, a terrorist offence (Art. 2(7)(b))"
            }
            Self::SolicitsParticipation => {
                "solicits participation in the activities of a terrorist group (Art. 2(7)(c))"
            }
            Self::ProvidesInstruction => "provides instruction for committing a terrorist offence (Art. 2(7)(d))",
            Self::Threat => "constitutes a threat to commit a terrorist offence (Art. 2(7)(e))",
        }
    }
}

/// Whether a referral unit checked with the member states' services that acting on a referral
/// does not interfere with an investigation (Europol's deconfliction).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Deconfliction {
    /// Checked: no objection to action.
    Cleared,
    /// The check is still running.
    Pending,
    /// No check was needed (content with no link to an investigation).
    NotRequired,
}

impl Deconfliction {
    /// Every status.
    pub const ALL: [Self; 3] = [Self::Cleared, Self::Pending, Self::NotRequired];

    /// The stable text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cleared => "cleared",
            Self::Pending => "pending",
            Self::NotRequired => "not_required",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, String> {
        parse_among(text, &Self::ALL, Self::as_str)
    }
}

/// What a member of the public reports, after PHAROS's categories restricted to Vigie's field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReportCategory {
    /// A threat of a terrorist act, or an imminent risk to life.
    TerroristThreat,
    /// Apology for terrorism or terrorist propaganda (execution videos, glorification).
    Propaganda,
    /// Recruitment into a terrorist group or radicalisation.
    Recruitment,
    /// Instructions for an attack (weapons, explosives, methods).
    AttackInstructions,
    /// Violent extremist content of another kind.
    OtherViolentExtremism,
}

impl ReportCategory {
    /// Every category.
    pub const ALL: [Self; 5] = [
        Self::TerroristThreat,
        Self::Propaganda,
        Self::Recruitment,
        Self::AttackInstructions,
        Self::OtherViolentExtremism,
    ];

    /// The stable text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TerroristThreat => "terrorist_threat",
            Self::Propaganda => "propaganda",
            Self::Recruitment => "recruitment",
            Self::AttackInstructions => "attack_instructions",
            Self::OtherViolentExtremism => "other_violent_extremism",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, String> {
        parse_among(text, &Self::ALL, Self::as_str)
    }
}

/// Where a member of the public saw the content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SeenWhere {
    /// A website.
    Website,
    /// A social network.
    SocialNetwork,
    /// A video-sharing service.
    VideoPlatform,
    /// A public channel or group of a messaging service.
    Messaging,
    /// A forum or comment section.
    Forum,
    /// Somewhere else.
    Other,
}

impl SeenWhere {
    /// Every place.
    pub const ALL: [Self; 6] =
        [Self::Website, Self::SocialNetwork, Self::VideoPlatform, Self::Messaging, Self::Forum, Self::Other];

    /// The stable text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Website => "website",
            Self::SocialNetwork => "social_network",
            Self::VideoPlatform => "video_platform",
            Self::Messaging => "messaging",
            Self::Forum => "forum",
            Self::Other => "other",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, String> {
        parse_among(text, &Self::ALL, Self::as_str)
    }
}

pub(crate) fn parse_among<T: Copy>(text: &str, all: &[T], as_str: fn(T) -> &'static str) -> Result<T, String> {
    let text = text.trim();
    all.iter().copied().find(|item| as_str(*item) == text).ok_or_else(|| {
        let names: Vec<&str> = all.iter().map(|item| as_str(*item)).collect();
        format!("must be one of: {}", names.join(", "))
    })
}

/// How urgently a case must be looked at. Ordered: `Low < Normal < High < Urgent`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Priority {
    /// Public reports with nothing else pointing at them.
    Low,
    /// Notices and partner flags.
    Normal,
    /// Referrals, trusted flaggers' notices, threats, and anything matching a hash bank.
    High,
    /// Binding removal orders (one hour).
    Urgent,
}

impl Priority {
    /// Every priority, lowest first.
    pub const ALL: [Self; 4] = [Self::Low, Self::Normal, Self::High, Self::Urgent];

    /// The stable text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
            Self::Urgent => "urgent",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, String> {
        parse_among(text, &Self::ALL, Self::as_str)
    }

    /// The rank stored in the database, so that `max()` is the highest priority.
    pub fn rank(self) -> i32 {
        self as i32
    }

    /// The priority of a stored rank.
    pub fn from_rank(rank: i32) -> Option<Self> {
        Self::ALL.get(usize::try_from(rank).ok()?).copied()
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a removal order's clock stopped: the two grounds of TCO Art. 3(7) and 3(8), reported to
/// the issuing authority with the Annex III form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PauseReason {
    /// Art. 3(7): force majeure or de facto impossibility not attributable to the platform.
    ForceMajeure,
    /// Art. 3(8): the order contains manifest errors or not enough information; clarification
    /// was requested.
    ClarificationRequested,
}

impl PauseReason {
    /// Every reason.
    pub const ALL: [Self; 2] = [Self::ForceMajeure, Self::ClarificationRequested];

    /// The stable text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ForceMajeure => "force_majeure",
            Self::ClarificationRequested => "clarification_requested",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, String> {
        parse_among(text, &Self::ALL, Self::as_str)
    }
}

/// Where a submission stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SubmissionStatus {
    /// Received and waiting for review; its clock runs.
    Received,
    /// A removal order whose clock is paused (Annex III sent), waiting for clarification or for
    /// the obstacle to end.
    Paused,
}

impl SubmissionStatus {
    /// Every status.
    pub const ALL: [Self; 2] = [Self::Received, Self::Paused];

    /// The stable text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Paused => "paused",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, String> {
        parse_among(text, &Self::ALL, Self::as_str)
    }
}

/// Where a case stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CaseStatus {
    /// Waiting for review.
    Open,
    /// Folded into another case about the same content; its submissions moved there.
    Merged,
}

impl CaseStatus {
    /// Every status.
    pub const ALL: [Self; 2] = [Self::Open, Self::Merged];

    /// The stable text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Merged => "merged",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, String> {
        parse_among(text, &Self::ALL, Self::as_str)
    }
}

/// TCO Art. 3(3): "as soon as possible and in any event within one hour of receipt".
pub const REMOVAL_ORDER_WINDOW: Duration = Duration::hours(1);

/// How long each kind may wait before it is overdue. Only the removal order's hour is law; the
/// other windows are the platform's own service targets (DSA Art. 16(6) asks for "timely"),
/// set per instance, and for referrals per platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeadlinePolicy {
    /// Referrals (default 24 hours).
    pub referral: Duration,
    /// Notices from trusted flaggers (default 24 hours).
    pub trusted_notice: Duration,
    /// Other notices (default 48 hours).
    pub notice: Duration,
    /// Public reports (default 72 hours).
    pub user_report: Duration,
    /// Partner flags (default 72 hours).
    pub partner_flag: Duration,
}

impl Default for DeadlinePolicy {
    fn default() -> Self {
        Self {
            referral: Duration::hours(24),
            trusted_notice: Duration::hours(24),
            notice: Duration::hours(48),
            user_report: Duration::hours(72),
            partner_flag: Duration::hours(72),
        }
    }
}

impl DeadlinePolicy {
    /// How long a submission of `kind` may wait; `trusted` for a trusted flagger's notice.
    pub fn window(&self, kind: SubmissionKind, trusted: bool) -> Duration {
        match kind {
            SubmissionKind::RemovalOrder => REMOVAL_ORDER_WINDOW,
            SubmissionKind::Referral => self.referral,
            SubmissionKind::Notice if trusted => self.trusted_notice,
            SubmissionKind::Notice => self.notice,
            SubmissionKind::UserReport => self.user_report,
            SubmissionKind::PartnerFlag => self.partner_flag,
        }
    }
}

/// What a submission says about how urgent it is, before any hash match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrioritySignals {
    /// Its kind.
    pub kind: SubmissionKind,
    /// Sent by a trusted flagger (DSA Art. 22) or a referral unit.
    pub trusted_sender: bool,
    /// Reports a threat (TCO ground (e) or the public category `terrorist_threat`).
    pub threat: bool,
}

/// The priority a submission starts with. A match against a hash bank raises its case to at
/// least [`Priority::High`] (see [`priority_with_matches`]).
pub fn initial_priority(signals: PrioritySignals) -> Priority {
    let base = match signals.kind {
        SubmissionKind::RemovalOrder => Priority::Urgent,
        SubmissionKind::Referral => Priority::High,
        SubmissionKind::Notice if signals.trusted_sender => Priority::High,
        SubmissionKind::Notice | SubmissionKind::PartnerFlag => Priority::Normal,
        SubmissionKind::UserReport => Priority::Low,
    };
    if signals.threat { base.max(Priority::High) } else { base }
}

/// The priority once hash-bank matches are known.
pub fn priority_with_matches(priority: Priority, matched: bool) -> Priority {
    if matched { priority.max(Priority::High) } else { priority }
}

/// When the clock of a paused removal order runs out after it resumes. TCO Art. 3(7) and 3(8):
/// the hour starts again when the obstacle ends or the clarification is received; it does not
/// carry on from where it stopped.
pub fn due_after_resume(
    kind: SubmissionKind,
    previous_due: DateTime<Utc>,
    paused_at: DateTime<Utc>,
    resumed_at: DateTime<Utc>,
) -> DateTime<Utc> {
    match kind {
        SubmissionKind::RemovalOrder => resumed_at + REMOVAL_ORDER_WINDOW,
        // Other kinds have no legal pause rule; the time left is kept.
        _ => resumed_at + (previous_due - paused_at).max(Duration::zero()),
    }
}

/// A key under which submissions about the same content meet in one case. Exact keys only;
/// near-duplicate images are grouped by PDQ distance instead.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContentKey {
    /// A normalised URL ([`crate::url::normalise`]).
    Url(String),
    /// SHA-256 of the media bytes, lower-case hex.
    Sha256(String),
    /// MD5 of the media bytes, lower-case hex.
    Md5(String),
}

impl ContentKey {
    /// The text stored in the database: `url:…`, `sha256:…`, `md5:…`.
    pub fn to_key(&self) -> String {
        match self {
            Self::Url(url) => format!("url:{url}"),
            Self::Sha256(hex) => format!("sha256:{hex}"),
            Self::Md5(hex) => format!("md5:{hex}"),
        }
    }
}

/// A hash-bank match found for a submission, recorded on its case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseMatch {
    /// The bank's name, as it was at match time.
    pub bank: String,
    /// The matched signal's id; `None` when the case's platform may see the bank but not read
    /// its signals (its `match` visibility).
    pub signal_id: Option<i64>,
    /// What matched: `url`, `md5`, `sha256`, `pdq`, `vpdq`.
    pub signal_type: String,
    /// Hamming distance for PDQ (0 for exact types), or the vPDQ query match percentage.
    pub distance: u32,
    /// The signal's labels, comma-joined.
    pub labels: String,
    /// SHA-256 of the stored media whose hash matched; `None` for a URL or a hash sent as text.
    pub media_sha256: Option<String>,
    /// For PDQ, which of the media's hashes matched (`identity`, `rotate90`, `trimmed`...);
    /// `None` for other types and for matches recorded before edited copies were looked for.
    pub via: Option<String>,
}

/// A validated submission ready to store. Built by the intake use case from one of the kinds'
/// forms; the kind-specific fields travel as `details`, the canonical JSON the API accepted,
/// because only the edge knows JSON (see ARCHITECTURE.md).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSubmission {
    /// Its id, chosen by the caller.
    pub id: SubmissionId,
    /// Its short number for people ([`SubmissionNumber`]), chosen by the caller.
    pub number: SubmissionNumber,
    /// Its kind.
    pub kind: SubmissionKind,
    /// The platform that must act on it.
    pub platform_id: OrganisationId,
    /// The organisation that sent it; `None` for an anonymous public report.
    pub submitter_id: Option<OrganisationId>,
    /// Who sent it on that organisation's behalf.
    pub actor: Actor,
    /// The sender's own reference (order number), unique per sender and kind.
    pub reference: Option<String>,
    /// The `Idempotency-Key` the client sent, with a fingerprint of the request.
    pub idempotency: Option<IdempotencyKey>,
    /// Starting priority (matches included).
    pub priority: Priority,
    /// How long it may wait from receipt ([`DeadlinePolicy::window`]); the store adds it to the
    /// time of receipt, which only the store knows.
    pub window: Duration,
    /// Whether the sender is a trusted flagger (DSA Art. 22).
    pub trusted_flagger: bool,
    /// The normalised URLs it names, in order.
    pub urls: Vec<String>,
    /// Keys grouping it with other submissions (its URLs and its media's digests).
    pub content_keys: Vec<ContentKey>,
    /// SHA-256 of the media stored with it.
    pub media: Vec<String>,
    /// Hash-bank matches found on arrival.
    pub matches: Vec<CaseMatch>,
    /// The kind-specific fields as canonical JSON.
    pub details: String,
}

/// A submission's short number: what a person reads out, types or quotes in a letter (the
/// UUID stays the id). Ten characters of Crockford's base 32, which has no I, L, O or U, so
/// nothing reads as another character; 50 random bits, so two submissions drawing the same
/// number is as likely as about one in 2^50 per pair (a unique constraint refuses it).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SubmissionNumber(String);

/// Crockford's base 32 alphabet.
const NUMBER_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters in a submission number.
pub const SUBMISSION_NUMBER_LENGTH: usize = 10;

impl SubmissionNumber {
    /// A number from random bytes (the caller draws them: the domain has no randomness).
    pub fn from_random(random: [u8; 8]) -> Self {
        let bits = u64::from_le_bytes(random);
        let text = (0..SUBMISSION_NUMBER_LENGTH)
            .map(|index| char::from(NUMBER_ALPHABET[((bits >> (5 * index)) & 31) as usize]))
            .collect();
        Self(text)
    }

    /// Reads a number as a person may type it: any case, with spaces or hyphens, and O, I or L
    /// for the digits they look like. `None` when it cannot be a number.
    pub fn parse(text: &str) -> Option<Self> {
        let mut number = String::with_capacity(SUBMISSION_NUMBER_LENGTH);
        for character in text.chars().filter(|character| !matches!(character, ' ' | '-')) {
            let character = match character.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                other => other,
            };
            if !character.is_ascii() || !NUMBER_ALPHABET.contains(&(character as u8)) {
                return None;
            }
            number.push(character);
        }
        (number.len() == SUBMISSION_NUMBER_LENGTH).then_some(Self(number))
    }

    /// The stored form: ten characters, no separator.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// For people: two groups of five (`7K2QF-9XMAB`).
    pub fn display(number: &str) -> String {
        match (number.get(..5), number.get(5..)) {
            (Some(head), Some(tail)) if !tail.is_empty() => format!("{head}-{tail}"),
            _ => number.to_owned(),
        }
    }
}

/// An `Idempotency-Key` header value and what it was sent with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKey {
    /// The key, 1 to 255 visible ASCII characters.
    pub key: String,
    /// SHA-256 of the request it came with: the same key with another request is refused.
    pub fingerprint: String,
}

impl IdempotencyKey {
    /// Checks a header value.
    pub fn parse(key: &str, fingerprint: String) -> Result<Self, String> {
        let valid = !key.is_empty() && key.len() <= 255 && key.bytes().all(|byte| byte.is_ascii_graphic());
        if valid {
            Ok(Self { key: key.to_owned(), fingerprint })
        } else {
            Err("must be 1 to 255 visible ASCII characters".into())
        }
    }
}

/// What the sender gets back at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// The submission.
    pub id: SubmissionId,
    /// Its short number for people.
    pub number: String,
    /// The case it joined (as it is now: merges move submissions).
    pub case_id: CaseId,
    /// Its kind.
    pub kind: SubmissionKind,
    /// Its status.
    pub status: SubmissionStatus,
    /// Its priority.
    pub priority: Priority,
    /// Server time of receipt.
    pub received_at: DateTime<Utc>,
    /// When it is overdue; `None` while its clock is paused.
    pub due_at: Option<DateTime<Utc>>,
    /// The platform that must act.
    pub platform_id: OrganisationId,
    /// True when this is an earlier submission returned again (same idempotency key or
    /// reference).
    pub existing: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn submission_numbers() {
        let number = SubmissionNumber::from_random([0xff; 8]);
        assert_eq!(number.as_str(), "ZZZZZZZZZZ");
        let number = SubmissionNumber::from_random([1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(number.as_str().len(), SUBMISSION_NUMBER_LENGTH);
        assert!(number.as_str().bytes().all(|byte| NUMBER_ALPHABET.contains(&byte)));
        assert_eq!(SubmissionNumber::parse(number.as_str()), Some(number.clone()));
        assert_eq!(SubmissionNumber::parse(&SubmissionNumber::display(number.as_str())), Some(number));
        assert_eq!(SubmissionNumber::parse("7k2qf-9xmab").unwrap().as_str(), "7K2QF9XMAB");
        assert_eq!(SubmissionNumber::parse("OIL00 11111").unwrap().as_str(), "0110011111");
        assert_eq!(SubmissionNumber::parse("7K2QF-9XMA"), None, "too short");
        assert_eq!(SubmissionNumber::parse("7K2QF-9XMAU"), None, "U is not in the alphabet");
        assert_eq!(SubmissionNumber::parse("7K2QF-9XMAÉ"), None);
        assert_eq!(SubmissionNumber::display("7K2QF9XMAB"), "7K2QF-9XMAB");
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn windows_by_kind() {
        let policy = DeadlinePolicy::default();
        let table = [
            (SubmissionKind::RemovalOrder, false, Duration::hours(1)),
            (SubmissionKind::RemovalOrder, true, Duration::hours(1)),
            (SubmissionKind::Referral, false, Duration::hours(24)),
            (SubmissionKind::Notice, true, Duration::hours(24)),
            (SubmissionKind::Notice, false, Duration::hours(48)),
            (SubmissionKind::UserReport, false, Duration::hours(72)),
            (SubmissionKind::PartnerFlag, false, Duration::hours(72)),
        ];
        for (kind, trusted, window) in table {
            assert_eq!(policy.window(kind, trusted), window, "{kind} trusted={trusted}");
        }
        // The law's hour is not a setting.
        let lax = DeadlinePolicy { referral: Duration::hours(1000), ..policy };
        assert_eq!(lax.window(SubmissionKind::RemovalOrder, false), Duration::hours(1));
    }

    #[test]
    fn priorities() {
        use SubmissionKind::*;
        let table = [
            (RemovalOrder, false, false, Priority::Urgent),
            (Referral, true, false, Priority::High),
            (Notice, true, false, Priority::High),
            (Notice, false, false, Priority::Normal),
            (PartnerFlag, false, false, Priority::Normal),
            (UserReport, false, false, Priority::Low),
            (UserReport, false, true, Priority::High),
            (RemovalOrder, false, true, Priority::Urgent),
        ];
        for (kind, trusted_sender, threat, expected) in table {
            assert_eq!(initial_priority(PrioritySignals { kind, trusted_sender, threat }), expected, "{kind}");
        }
        assert_eq!(priority_with_matches(Priority::Low, true), Priority::High);
        assert_eq!(priority_with_matches(Priority::Urgent, true), Priority::Urgent);
        assert_eq!(priority_with_matches(Priority::Low, false), Priority::Low);
        for priority in Priority::ALL {
            assert_eq!(Priority::from_rank(priority.rank()), Some(priority));
        }
    }

    #[test]
    fn resumed_removal_orders_get_a_fresh_hour() {
        let due = at("2026-12-01T09:00:00Z");
        let paused = at("2026-12-01T08:50:00Z");
        let resumed = at("2026-12-01T15:00:00Z");
        assert_eq!(due_after_resume(SubmissionKind::RemovalOrder, due, paused, resumed), at("2026-12-01T16:00:00Z"));
        // Other kinds keep the ten minutes they had left.
        assert_eq!(due_after_resume(SubmissionKind::Referral, due, paused, resumed), at("2026-12-01T15:10:00Z"));
    }

    #[test]
    fn vocabularies_round_trip_and_refuse_unknown_words() {
        for kind in SubmissionKind::ALL {
            assert_eq!(SubmissionKind::parse(kind.as_str()), Ok(kind));
        }
        assert!(SubmissionKind::parse("complaint").unwrap_err().contains("removal_order"));
        for ground in TerroristContentGround::ALL {
            assert_eq!(TerroristContentGround::parse(ground.as_str()), Ok(ground));
        }
        assert_eq!(TerroristContentGround::parse("C"), Ok(TerroristContentGround::SolicitsParticipation));
        assert!(TerroristContentGround::parse("f").is_err());
        assert!(Deconfliction::parse("maybe").is_err());
        assert!(ReportCategory::parse("spam").is_err());
        assert_eq!(SeenWhere::parse("forum"), Ok(SeenWhere::Forum));
        assert!(PauseReason::parse("holiday").is_err());
        assert!(IdempotencyKey::parse("abc-123", String::new()).is_ok());
        assert!(IdempotencyKey::parse("", String::new()).is_err());
        assert!(IdempotencyKey::parse("a b", String::new()).is_err());
        assert!(IdempotencyKey::parse(&"k".repeat(256), String::new()).is_err());
    }
}
