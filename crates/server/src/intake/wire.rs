//! The submission kinds as JSON: what senders send, and what the receipt and the views return.
//!
//! Every field is optional at the serde level so that validation can name all missing fields
//! at once ([`super::validate`]); the OpenAPI document still marks the required ones.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A TCO removal order (Regulation (EU) 2021/784, Art. 3 and Annex I). To be acted on within one
/// hour of receipt.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "removal_order", "issuing_authority": "OFAC", "member_state": "FR",
    "reference": "OFAC-2026-0412", "issued_at": "2026-12-01T08:00:00Z",
    "urls": ["https://video.example.net/watch?v=abc123"], "grounds": ["a", "c"],
    "statement_of_reasons": "Video glorifying the attack of ... and calling others to join.",
    "cross_border": false, "non_disclosure_until": null,
    "redress": "Tribunal administratif de Paris, within 48 hours"}))]
pub struct RemovalOrderRequest {
    /// The competent authority that issued the order (Annex I Section E).
    #[schema(required, nullable = false, max_length = 200, pattern = "{line}")]
    pub issuing_authority: Option<String>,
    /// ISO 3166-1 code of the EU member state of the issuing authority.
    #[schema(required, schema_with = crate::api::openapi::names::member_state)]
    pub member_state: Option<String>,
    /// The authority's reference number of the order. Sending the same reference again returns
    /// the first submission.
    #[schema(required, nullable = false, max_length = 100, pattern = "{line}")]
    pub reference: Option<String>,
    /// When the order was issued (RFC 3339).
    #[schema(required, nullable = false, value_type = Option<String>, format = DateTime)]
    pub issued_at: Option<String>,
    /// The exact URLs of the content (1 to 100).
    #[schema(required, nullable = false, min_items = 1, max_items = 100)]
    pub urls: Option<Vec<String>>,
    /// Additional information identifying the content, where a URL is not enough.
    #[schema(max_length = 2000, pattern = "{paragraphs_or_blank}")]
    pub additional_information: Option<String>,
    /// The types of terrorist content of Art. 2(7): letters `a` to `e`.
    #[schema(required, schema_with = crate::api::openapi::names::grounds)]
    pub grounds: Option<Vec<String>>,
    /// Why the content is terrorist content (Art. 3(4)(b)).
    #[schema(required, nullable = false, max_length = 5000, pattern = "{paragraphs}")]
    pub statement_of_reasons: Option<String>,
    /// The platform's main establishment is in another member state (Art. 4).
    #[schema(required, nullable = false)]
    pub cross_border: Option<bool>,
    /// Until when the content provider must not be told (Art. 11(3)); null if they may be.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub non_disclosure_until: Option<String>,
    /// Redress information: the competent court and the deadline to challenge (Annex I Section G).
    #[schema(required, nullable = false, max_length = 2000, pattern = "{paragraphs}")]
    pub redress: Option<String>,
    /// Where the authority wants feedback (Annex I Section F).
    #[schema(max_length = 254, pattern = "{email_or_empty}")]
    pub contact_email: Option<String>,
    /// The platform that must act, by id or slug (`videoshare`; its exact name is accepted
    /// too); defaults to the organisation operating this instance.
    #[schema(max_length = 200, pattern = "{line}", example = "videoshare")]
    pub platform: Option<String>,
}

/// A voluntary referral from a referral unit, to be checked against the platform's terms.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "referral", "reference": "EU-IRU-2026-88812",
    "urls": ["https://forum.example.org/t/4411"], "explanation": "Recruitment post for a proscribed group.",
    "policy": "Dangerous organisations and individuals", "deconfliction": "cleared"}))]
pub struct ReferralRequest {
    /// The referral unit's reference. Sending the same reference again returns the first submission.
    #[schema(max_length = 100, pattern = "{line_or_blank}")]
    pub reference: Option<String>,
    /// The exact URLs (1 to 100).
    #[schema(required, nullable = false, min_items = 1, max_items = 100)]
    pub urls: Option<Vec<String>>,
    /// Why the content breaches the platform's terms.
    #[schema(required, nullable = false, max_length = 5000, pattern = "{paragraphs}")]
    pub explanation: Option<String>,
    /// The clause of the platform's terms concerned.
    #[schema(max_length = 200, pattern = "{line_or_blank}")]
    pub policy: Option<String>,
    /// Art. 2(7) letters, when the unit also considers it terrorist content.
    #[schema(schema_with = crate::api::openapi::names::grounds_or_null)]
    pub grounds: Option<Vec<String>>,
    /// Deconfliction with investigations: `cleared`, `pending` or `not_required`.
    #[schema(required, schema_with = crate::api::openapi::names::deconfliction)]
    pub deconfliction: Option<String>,
    /// Additional information identifying the content.
    #[schema(max_length = 2000, pattern = "{paragraphs_or_blank}")]
    pub additional_information: Option<String>,
    /// The platform that must act, by id or slug (`videoshare`; its exact name is accepted
    /// too); defaults to the organisation operating this instance.
    #[schema(max_length = 200, pattern = "{line}", example = "videoshare")]
    pub platform: Option<String>,
}

/// A DSA Art. 16 notice. From a trusted flagger (Art. 22) it gets priority.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "notice", "urls": ["https://video.example.net/watch?v=zz9"],
    "explanation": "The video shows ... and calls for attacks; this is provocation to terrorism (art. 421-2-5 code pénal).",
    "notifier_name": "Observatoire Exemple", "notifier_email": "signalements@example.org", "good_faith": true}))]
pub struct NoticeRequest {
    /// The exact URLs (1 to 100).
    #[schema(required, nullable = false, min_items = 1, max_items = 100)]
    pub urls: Option<Vec<String>>,
    /// A sufficiently substantiated explanation of why the content is illegal (Art. 16(2)(a)).
    #[schema(required, nullable = false, max_length = 5000, pattern = "{paragraphs}")]
    pub explanation: Option<String>,
    /// The law the content allegedly breaks.
    #[schema(max_length = 500, pattern = "{line_or_blank}")]
    pub legal_ground: Option<String>,
    /// The notifier's name (Art. 16(2)(c)).
    #[schema(required, nullable = false, max_length = 200, pattern = "{line}")]
    pub notifier_name: Option<String>,
    /// The notifier's email, for the confirmation of receipt and the decision (Art. 16(4), (5)).
    #[schema(required, nullable = false, max_length = 254, pattern = "{email}")]
    pub notifier_email: Option<String>,
    /// The statement that the notice is made in good faith and is accurate and complete
    /// (Art. 16(2)(d)); must be `true`.
    #[schema(required, nullable = false)]
    pub good_faith: Option<bool>,
    /// Additional information identifying the content.
    #[schema(max_length = 2000, pattern = "{paragraphs_or_blank}")]
    pub additional_information: Option<String>,
    /// The notifier's own reference.
    #[schema(max_length = 100, pattern = "{line_or_blank}")]
    pub reference: Option<String>,
    /// The platform that must act, by id or slug (`videoshare`; its exact name is accepted
    /// too); defaults to the organisation operating this instance.
    #[schema(max_length = 200, pattern = "{line}", example = "videoshare")]
    pub platform: Option<String>,
}

/// A report from a member of the public, as on PHAROS. Contact details are optional.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "user_report", "category": "propaganda", "url": "https://video.example.net/watch?v=q1",
    "seen_at": "2026-11-30T21:15:00Z", "seen_where": "video_platform", "comment": "Execution video re-uploaded."}))]
pub struct UserReportRequest {
    /// `terrorist_threat`, `propaganda`, `recruitment`, `attack_instructions` or
    /// `other_violent_extremism`.
    #[schema(required, schema_with = crate::api::openapi::names::report_category)]
    pub category: Option<String>,
    /// Where the content is.
    #[schema(required, nullable = false)]
    pub url: Option<String>,
    /// When it was seen.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub seen_at: Option<String>,
    /// Where it was seen: `website`, `social_network`, `video_platform`, `messaging`, `forum`, `other`.
    #[schema(schema_with = crate::api::openapi::names::seen_where_or_null)]
    pub seen_where: Option<String>,
    /// Anything else the reporter wants to say.
    pub comment: Option<String>,
    /// The reporter's name, if they give it.
    pub contact_name: Option<String>,
    /// The reporter's email, if they want an answer.
    #[schema(max_length = 254, pattern = "{email_or_empty}")]
    pub contact_email: Option<String>,
    /// The language the reporter used (`en`, `fr`).
    #[schema(schema_with = crate::api::openapi::names::language_or_null)]
    pub language: Option<String>,
    /// The platform that must act, by id or slug (`videoshare`; its exact name is accepted
    /// too); defaults to the organisation operating this instance.
    #[schema(max_length = 200, pattern = "{line}", example = "videoshare")]
    pub platform: Option<String>,
}

/// A hash or URL a partner flags.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FlaggedSignal {
    /// `pdq`, `md5`, `sha256` or `vpdq`.
    #[serde(rename = "type")]
    pub signal_type: String,
    /// The value, as in hash banks.
    pub value: String,
}

/// A flag from another platform or a hash-sharing partner: URLs, hashes, or both.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "partner_flag", "reference": "flag-7781",
    "signals": [{"type": "pdq", "value": "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"}],
    "labels": ["content:propaganda_video"], "explanation": "Matched our GIFCT bank on upload."}))]
pub struct PartnerFlagRequest {
    /// The partner's reference. Sending the same reference again returns the first submission.
    #[schema(max_length = 100, pattern = "{line_or_blank}")]
    pub reference: Option<String>,
    /// URLs (at least one URL, signal or media file).
    pub urls: Option<Vec<String>>,
    /// Hashes of the content (at most 100).
    pub signals: Option<Vec<FlaggedSignal>>,
    /// Labels in the bank taxonomy (`content:`, `behaviour:`, `entity:`, `source:`, `incident:`).
    pub labels: Option<Vec<String>>,
    /// Why it is flagged.
    pub explanation: Option<String>,
    /// The platform that must act, by id or slug (`videoshare`; its exact name is accepted
    /// too); defaults to the organisation operating this instance.
    #[schema(max_length = 200, pattern = "{line}", example = "videoshare")]
    pub platform: Option<String>,
}

/// A submission: one of five kinds, told apart by `kind`. Send it as a JSON body, or as the
/// multipart field `submission` with the content in `media` fields.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SubmissionRequest {
    /// A TCO removal order.
    RemovalOrder(RemovalOrderRequest),
    /// A referral unit's referral.
    Referral(ReferralRequest),
    /// A DSA Art. 16 notice.
    Notice(NoticeRequest),
    /// A public report.
    UserReport(UserReportRequest),
    /// A partner's flag.
    PartnerFlag(PartnerFlagRequest),
}

impl SubmissionRequest {
    /// The platform it names (id, slug or name as sent), if any.
    pub fn platform(&self) -> Option<&str> {
        match self {
            Self::RemovalOrder(order) => order.platform.as_deref(),
            Self::Referral(referral) => referral.platform.as_deref(),
            Self::Notice(notice) => notice.platform.as_deref(),
            Self::UserReport(report) => report.platform.as_deref(),
            Self::PartnerFlag(flag) => flag.platform.as_deref(),
        }
    }
}

/// What the sender gets at once.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ReceiptResponse {
    /// The submission's id.
    pub id: Uuid,
    /// Its short number for people (10 characters of Crockford's base 32), unique; `GET
    /// /v1/submissions/{id}` accepts it in place of the id.
    #[schema(pattern = "^[0-9A-HJKMNP-TV-Z]{10}$")]
    pub number: String,
    /// The case it joined (submissions about the same content share one).
    pub case_id: Uuid,
    /// Its kind.
    pub kind: String,
    /// `received`, or `paused` while a removal order's clock is stopped.
    pub status: String,
    /// `low`, `normal`, `high` or `urgent`.
    pub priority: String,
    /// Server time of receipt, UTC.
    pub received_at: DateTime<Utc>,
    /// When it is overdue, UTC; null while its clock is paused.
    pub due_at: Option<DateTime<Utc>>,
    /// The platform that must act.
    pub platform: Uuid,
    /// True when this submission had been received before (same `Idempotency-Key` or reference);
    /// nothing new was stored.
    pub duplicate: bool,
    /// For DSA notices: the Art. 16(4) confirmation of receipt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmation: Option<String>,
}

/// A media file stored with a submission.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct MediaView {
    /// SHA-256 of the bytes.
    pub sha256: String,
    /// MD5 of the bytes.
    pub md5: String,
    /// Size in bytes.
    pub byte_size: i64,
    /// `image`, `video` or `other`.
    pub media_type: String,
    /// `pending` (being hashed), `hashed`, `failed` or `unsupported`.
    pub status: String,
    /// PDQ of an image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pdq: Option<String>,
    /// Its quality.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pdq_quality: Option<i32>,
    /// Frames hashed for a video.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpdq_frames: Option<usize>,
    /// Why hashing did not happen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A pause or resume of the clock.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ClockEventView {
    /// `pause` or `resume`.
    pub action: String,
    /// `force_majeure` or `clarification_requested` (pauses).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What was said.
    pub explanation: String,
    /// The deadline before.
    pub due_at_before: Option<DateTime<Utc>>,
    /// The deadline after (null while paused).
    pub due_at_after: Option<DateTime<Utc>>,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

/// A submission in full.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SubmissionView {
    /// Its receipt as it stands.
    #[serde(flatten)]
    pub receipt: ReceiptResponse,
    /// The sending organisation (null: anonymous public report).
    pub submitter: Option<Uuid>,
    /// The sender's reference.
    pub reference: Option<String>,
    /// Sent by a DSA trusted flagger.
    pub trusted_flagger: bool,
    /// When the clock was paused, while it is.
    pub paused_at: Option<DateTime<Utc>>,
    /// The kind-specific fields as received (normalised).
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// Media stored with it.
    pub media: Vec<MediaView>,
    /// Pauses and resumes of its clock.
    pub clock: Vec<ClockEventView>,
    /// What became of it: the decision in force, the actions asked of the platform and their
    /// confirmations, and for a removal order the TCO Annex II or III feedback. Absent where a
    /// submission is shown within its case (the case shows its decisions and actions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<crate::actions::wire::OutcomeView>,
}

/// A hash-bank match on a case.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CaseMatchView {
    /// The bank.
    pub bank: String,
    /// The signal; absent when the bank lets the platform know it matched but not read its
    /// signals (`match` visibility).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal_id: Option<i64>,
    /// `url`, `md5`, `sha256`, `pdq` or `vpdq`.
    pub signal_type: String,
    /// Hamming distance (PDQ) or 0.
    pub distance: u32,
    /// PDQ: which of the media's hashes matched (`identity`, `rotate90`, `mirror`, `trimmed`,
    /// `region`, `region+mirror`..., as `/v1/match/media` says); absent for other types.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// The signal's labels.
    pub labels: Vec<String>,
    /// How often reviewers confirmed the signal, when the platform may read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmed_count: Option<i64>,
    /// How often reviewers marked it a false positive, when the platform may read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub false_positive_count: Option<i64>,
    /// The submission that brought it.
    pub submission_id: Option<Uuid>,
    /// The media it was found for.
    pub media_sha256: Option<String>,
    /// When.
    pub found_at: DateTime<Utc>,
}

/// A case in a list.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CaseSummary {
    /// Its id.
    pub id: Uuid,
    /// The platform that must act.
    pub platform: Uuid,
    /// `open` or `merged`.
    pub status: String,
    /// The highest priority of its submissions and matches.
    pub priority: String,
    /// The strictest running deadline; null when every clock is paused.
    pub due_at: Option<DateTime<Utc>>,
    /// Whether that deadline has passed.
    pub overdue: bool,
    /// The case it was merged into.
    pub merged_into: Option<Uuid>,
    /// Kinds of its submissions.
    pub kinds: Vec<String>,
    /// How many submissions it holds.
    pub submission_count: i64,
    /// How many hash-bank matches it has.
    pub match_count: i64,
    /// Where it stands in review: `new`, `escalated`, `awaiting_confirmation` (four eyes),
    /// `clarification_requested` or `decided`.
    #[schema(schema_with = crate::api::openapi::names::review_state)]
    pub review_state: String,
    /// Who holds it, while their claim runs.
    pub claim: Option<crate::review::wire::ClaimView>,
    /// The organisations that sent its submissions (anonymous reports are not listed).
    pub senders: Vec<Uuid>,
    /// Labels of its bank matches.
    pub labels: Vec<String>,
    /// The closest bank match's distance.
    pub best_distance: Option<u32>,
    /// When a closing decision took effect.
    pub decided_at: Option<DateTime<Utc>>,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A case with everything in it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CaseView {
    /// The case.
    #[serde(flatten)]
    pub case: CaseSummary,
    /// Its submissions, oldest first.
    pub submissions: Vec<SubmissionView>,
    /// Its hash-bank matches.
    pub matches: Vec<CaseMatchView>,
    /// Its decisions, oldest first (corrections and rejected ones included, with their state).
    pub decisions: Vec<crate::review::wire::DecisionView>,
    /// Reviewers' internal notes, oldest first.
    pub notes: Vec<crate::review::wire::NoteView>,
    /// Other open cases of the platform that matched one of the same bank signals (likely the
    /// same content re-uploaded).
    pub similar: Vec<CaseSummary>,
    /// Once the platform confirmed a takedown: the content's preservation (TCO Art. 6). Until
    /// the caller opens it (`POST /v1/cases/{id}/preservation/accesses`), and for good once it
    /// is purged, submissions show their legal fields only and no media.
    pub preservation: Option<crate::preservation::PreservationView>,
}
