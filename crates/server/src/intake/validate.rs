//! From JSON to a checked submission: every missing or malformed field is named, all at once,
//! and nothing is stored until the whole submission is valid.

use chrono::{DateTime, Duration, Utc};
use serde::de::DeserializeOwned;
use vigie_domain::bank::{SignalType, canonical_value, parse_labels};
use vigie_domain::country::CountryCode;
use vigie_domain::intake::{
    ContentKey, Deconfliction, ReportCategory, SeenWhere, SubmissionKind, TerroristContentGround,
};
use vigie_domain::organisation::OrganisationRef;
use vigie_domain::validate::{Checker, Email, ValidationError, bounded_paragraphs, bounded_text};

use super::wire::{
    FlaggedSignal, NoticeRequest, PartnerFlagRequest, ReferralRequest, RemovalOrderRequest, SubmissionRequest,
    UserReportRequest,
};
use crate::error::ApiError;

/// URLs per submission at most.
pub const MAX_URLS: usize = 100;
/// Flagged signals per partner flag at most.
pub const MAX_SIGNALS: usize = 100;
/// How far in the future a sender's clock may be before `issued_at` is refused.
const CLOCK_SKEW: Duration = Duration::minutes(5);
/// TCO Art. 11(3): non-disclosure for six weeks, extendable once by six more.
const MAX_NON_DISCLOSURE: Duration = Duration::weeks(12);

/// Parses one submission from JSON. The `kind` is read first, so an unknown kind is named as
/// such, and each kind's fields are then read strictly (unknown fields refused), with errors
/// naming the JSON path.
pub fn parse_submission(value: serde_json::Value) -> Result<SubmissionRequest, ApiError> {
    let serde_json::Value::Object(mut object) = value else {
        return Err(ApiError::MalformedBody { detail: "a submission must be a JSON object".into(), field: None });
    };
    let kind = match object.remove("kind") {
        Some(serde_json::Value::String(kind)) => kind,
        Some(_) => return Err(ApiError::field("kind", "must be a string")),
        None => {
            return Err(ApiError::field(
                "kind",
                "is required: one of removal_order, referral, notice, user_report, partner_flag",
            ));
        }
    };
    let kind = SubmissionKind::parse(&kind).map_err(|message| ApiError::field("kind", message))?;
    let value = serde_json::Value::Object(object);
    Ok(match kind {
        SubmissionKind::RemovalOrder => SubmissionRequest::RemovalOrder(from_value(value)?),
        SubmissionKind::Referral => SubmissionRequest::Referral(from_value(value)?),
        SubmissionKind::Notice => SubmissionRequest::Notice(from_value(value)?),
        SubmissionKind::UserReport => SubmissionRequest::UserReport(from_value(value)?),
        SubmissionKind::PartnerFlag => SubmissionRequest::PartnerFlag(from_value(value)?),
    })
}

fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value)
        .map_err(|error| crate::extract::malformed(&error.path().to_string(), &error.into_inner().to_string()))
}

/// A submission that passed every check, in canonical form.
#[derive(Clone, Debug)]
pub struct CheckedSubmission {
    /// Its kind.
    pub kind: SubmissionKind,
    /// The request with every value normalised (URLs, letters, times in UTC, trimmed text):
    /// what is stored as the submission's details.
    pub canonical: SubmissionRequest,
    /// Normalised URLs.
    pub urls: Vec<String>,
    /// The platform named (by id, slug or name), if any; resolved when submitted.
    pub platform: Option<OrganisationRef>,
    /// The sender's reference.
    pub reference: Option<String>,
    /// Reports a threat (ground (e), or the public category `terrorist_threat`).
    pub threat: bool,
    /// Hashes a partner flagged: `(type, canonical value)`.
    pub signals: Vec<(SignalType, String)>,
    /// The notifier's email, for the DSA Art. 16(4) confirmation.
    pub confirmation_email: Option<String>,
}

impl CheckedSubmission {
    /// The exact keys grouping it with other submissions (media digests are added later).
    pub fn content_keys(&self) -> Vec<ContentKey> {
        let mut keys: Vec<ContentKey> = self.urls.iter().cloned().map(ContentKey::Url).collect();
        for (signal_type, value) in &self.signals {
            match signal_type {
                SignalType::Sha256 => keys.push(ContentKey::Sha256(value.clone())),
                SignalType::Md5 => keys.push(ContentKey::Md5(value.clone())),
                _ => {}
            }
        }
        keys
    }

    /// The canonical details as stored: JSON without the `kind` tag (a column of its own) and
    /// without absent fields; a platform named by slug or name is stored as the id it
    /// resolved to (`platform_id`), so the details say which organisation was meant even
    /// after a rename.
    pub fn details_json(&self, platform_id: Option<uuid::Uuid>) -> String {
        let mut value = serde_json::to_value(&self.canonical).unwrap_or_default();
        if let serde_json::Value::Object(object) = &mut value {
            object.remove("kind");
            object.retain(|_, field| !field.is_null());
            if let (Some(id), Some(platform)) = (platform_id, object.get_mut("platform")) {
                *platform = serde_json::Value::String(id.to_string());
            }
        }
        value.to_string()
    }
}

/// Checks a submission. `media_count` is the number of media files sent with it (a partner
/// flag may consist of media alone).
pub fn check_submission(
    request: &SubmissionRequest,
    media_count: usize,
    now: DateTime<Utc>,
) -> Result<CheckedSubmission, ValidationError> {
    let mut checker = Checker::default();
    let platform = request.platform().and_then(|text| checker.check("platform", OrganisationRef::parse(text)));
    let checked = match request {
        SubmissionRequest::RemovalOrder(order) => check_removal_order(order, &mut checker, now),
        SubmissionRequest::Referral(referral) => check_referral(referral, &mut checker),
        SubmissionRequest::Notice(notice) => check_notice(notice, &mut checker),
        SubmissionRequest::UserReport(report) => check_user_report(report, &mut checker, now),
        SubmissionRequest::PartnerFlag(flag) => check_partner_flag(flag, media_count, &mut checker),
    };
    match checked {
        Some(checked) if checker.is_clean() => Ok(CheckedSubmission { platform, ..checked }),
        _ => Err(checker.into_error()),
    }
}

fn required<'a, T>(checker: &mut Checker, field: &str, value: &'a Option<T>) -> Option<&'a T> {
    if value.is_none() {
        checker.push(field, "is required");
    }
    value.as_ref()
}

fn required_text(checker: &mut Checker, field: &str, value: &Option<String>, max: usize) -> Option<String> {
    let text = required(checker, field, value)?;
    checker.check(field, bounded_text(text, 1, max))
}

fn optional_text(checker: &mut Checker, field: &str, value: &Option<String>, max: usize) -> Option<Option<String>> {
    match value {
        None => Some(None),
        Some(text) if text.trim().is_empty() => Some(None),
        Some(text) => checker.check(field, bounded_text(text, 1, max)).map(Some),
    }
}

/// Free text over several lines (explanations, reasons, comments).
fn required_paragraphs(checker: &mut Checker, field: &str, value: &Option<String>, max: usize) -> Option<String> {
    let text = required(checker, field, value)?;
    checker.check(field, bounded_paragraphs(text, 1, max))
}

fn optional_paragraphs(
    checker: &mut Checker,
    field: &str,
    value: &Option<String>,
    max: usize,
) -> Option<Option<String>> {
    match value {
        None => Some(None),
        Some(text) if text.trim().is_empty() => Some(None),
        Some(text) => checker.check(field, bounded_paragraphs(text, 1, max)).map(Some),
    }
}

fn optional_email(checker: &mut Checker, field: &str, value: &Option<String>) -> Option<Option<String>> {
    match value {
        None => Some(None),
        Some(text) if text.trim().is_empty() => Some(None),
        Some(text) => checker.check(field, Email::parse(text)).map(|email| Some(email.as_str().to_owned())),
    }
}

fn timestamp(checker: &mut Checker, field: &str, text: &str) -> Option<DateTime<Utc>> {
    checker.check(
        field,
        DateTime::parse_from_rfc3339(text.trim())
            .map(|time| time.with_timezone(&Utc))
            .map_err(|_| "must be an RFC 3339 date and time such as 2026-12-01T08:00:00Z".to_owned()),
    )
}

fn not_in_future(checker: &mut Checker, field: &str, time: DateTime<Utc>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if time > now + CLOCK_SKEW {
        checker.push(field, "must not be in the future");
        return None;
    }
    Some(time)
}

fn urls(checker: &mut Checker, field: &str, list: &[String], min: usize) -> Option<Vec<String>> {
    if list.len() < min || list.len() > MAX_URLS {
        checker.push(field, format!("must hold {min} to {MAX_URLS} URLs"));
        return None;
    }
    let mut normalised = Vec::with_capacity(list.len());
    let mut clean = true;
    for (index, url) in list.iter().enumerate() {
        match vigie_domain::url::normalise(url) {
            Ok(url) if !normalised.contains(&url) => normalised.push(url),
            Ok(_) => {}
            Err(message) => {
                checker.push(&format!("{field}[{index}]"), message);
                clean = false;
            }
        }
    }
    clean.then_some(normalised)
}

fn grounds(checker: &mut Checker, field: &str, list: &[String], min: usize) -> Option<Vec<TerroristContentGround>> {
    if list.len() < min {
        checker.push(field, "must name at least one ground of TCO Art. 2(7): a, b, c, d, e");
        return None;
    }
    let mut parsed = Vec::new();
    let mut clean = true;
    for (index, ground) in list.iter().enumerate() {
        match TerroristContentGround::parse(ground) {
            Ok(ground) if !parsed.contains(&ground) => parsed.push(ground),
            Ok(_) => {}
            Err(message) => {
                checker.push(&format!("{field}[{index}]"), message);
                clean = false;
            }
        }
    }
    parsed.sort();
    clean.then_some(parsed)
}

fn letters(grounds: &[TerroristContentGround]) -> Vec<String> {
    grounds.iter().map(|ground| ground.as_str().to_owned()).collect()
}

fn check_removal_order(
    order: &RemovalOrderRequest,
    checker: &mut Checker,
    now: DateTime<Utc>,
) -> Option<CheckedSubmission> {
    let issuing_authority = required_text(checker, "issuing_authority", &order.issuing_authority, 200);
    let member_state = required(checker, "member_state", &order.member_state).and_then(|text| {
        let code = checker.check("member_state", CountryCode::parse(text))?;
        if code.is_eu_member_state() {
            Some(code)
        } else {
            checker.push(
                "member_state",
                "must be an EU member state (TCO removal orders are issued by their authorities)",
            );
            None
        }
    });
    let reference = required_text(checker, "reference", &order.reference, 100);
    let issued_at = required(checker, "issued_at", &order.issued_at)
        .and_then(|text| timestamp(checker, "issued_at", text))
        .and_then(|time| not_in_future(checker, "issued_at", time, now));
    let urls = required(checker, "urls", &order.urls).and_then(|list| urls(checker, "urls", list, 1));
    let additional_information =
        optional_paragraphs(checker, "additional_information", &order.additional_information, 2000);
    let grounds = required(checker, "grounds", &order.grounds).and_then(|list| grounds(checker, "grounds", list, 1));
    let statement_of_reasons = required_paragraphs(checker, "statement_of_reasons", &order.statement_of_reasons, 5000);
    let cross_border = *required(checker, "cross_border", &order.cross_border).unwrap_or(&false);
    let non_disclosure_until = match &order.non_disclosure_until {
        None => Some(None),
        Some(text) => timestamp(checker, "non_disclosure_until", text).and_then(|until| {
            let issued = issued_at?;
            if until <= issued {
                checker.push("non_disclosure_until", "must be after issued_at");
                None
            } else if until > issued + MAX_NON_DISCLOSURE {
                checker.push(
                    "non_disclosure_until",
                    "must be at most 12 weeks after issued_at (TCO Art. 11(3): six weeks, extendable by six)",
                );
                None
            } else {
                Some(Some(until))
            }
        }),
    };
    let redress = required_paragraphs(checker, "redress", &order.redress, 2000);
    let contact_email = optional_email(checker, "contact_email", &order.contact_email);
    let grounds = grounds?;
    let urls = urls?;
    let canonical = RemovalOrderRequest {
        issuing_authority: Some(issuing_authority?),
        member_state: Some(member_state?.as_str().to_owned()),
        reference: Some(reference.clone()?),
        issued_at: Some(issued_at?.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
        urls: Some(urls.clone()),
        additional_information: additional_information?,
        grounds: Some(letters(&grounds)),
        statement_of_reasons: Some(statement_of_reasons?),
        cross_border: Some(cross_border),
        non_disclosure_until: non_disclosure_until?
            .map(|until| until.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
        redress: Some(redress?),
        contact_email: contact_email?,
        platform: order.platform.clone(),
    };
    Some(CheckedSubmission {
        kind: SubmissionKind::RemovalOrder,
        canonical: SubmissionRequest::RemovalOrder(canonical),
        urls,
        platform: None,
        reference,
        threat: grounds.contains(&TerroristContentGround::Threat),
        signals: Vec::new(),
        confirmation_email: None,
    })
}

fn check_referral(referral: &ReferralRequest, checker: &mut Checker) -> Option<CheckedSubmission> {
    let reference = optional_text(checker, "reference", &referral.reference, 100);
    let urls = required(checker, "urls", &referral.urls).and_then(|list| urls(checker, "urls", list, 1));
    let explanation = required_paragraphs(checker, "explanation", &referral.explanation, 5000);
    let policy = optional_text(checker, "policy", &referral.policy, 200);
    let grounds = match &referral.grounds {
        None => Some(Vec::new()),
        Some(list) => grounds(checker, "grounds", list, 0),
    };
    let deconfliction = required(checker, "deconfliction", &referral.deconfliction)
        .and_then(|text| checker.check("deconfliction", Deconfliction::parse(text)));
    let additional_information =
        optional_paragraphs(checker, "additional_information", &referral.additional_information, 2000);
    let urls = urls?;
    let grounds = grounds?;
    let reference = reference?;
    let canonical = ReferralRequest {
        reference: reference.clone(),
        urls: Some(urls.clone()),
        explanation: Some(explanation?),
        policy: policy?,
        grounds: (!grounds.is_empty()).then(|| letters(&grounds)),
        deconfliction: Some(deconfliction?.as_str().to_owned()),
        additional_information: additional_information?,
        platform: referral.platform.clone(),
    };
    Some(CheckedSubmission {
        kind: SubmissionKind::Referral,
        canonical: SubmissionRequest::Referral(canonical),
        urls,
        platform: None,
        reference,
        threat: grounds.contains(&TerroristContentGround::Threat),
        signals: Vec::new(),
        confirmation_email: None,
    })
}

fn check_notice(notice: &NoticeRequest, checker: &mut Checker) -> Option<CheckedSubmission> {
    let urls = required(checker, "urls", &notice.urls).and_then(|list| urls(checker, "urls", list, 1));
    let explanation = required_paragraphs(checker, "explanation", &notice.explanation, 5000);
    let legal_ground = optional_text(checker, "legal_ground", &notice.legal_ground, 500);
    let notifier_name = required_text(checker, "notifier_name", &notice.notifier_name, 200);
    let notifier_email = required(checker, "notifier_email", &notice.notifier_email)
        .and_then(|text| checker.check("notifier_email", Email::parse(text)));
    let good_faith = required(checker, "good_faith", &notice.good_faith).and_then(|confirmed| {
        if *confirmed {
            Some(true)
        } else {
            checker.push("good_faith", "must be true: DSA Art. 16(2)(d) requires the statement of good faith");
            None
        }
    });
    let additional_information =
        optional_paragraphs(checker, "additional_information", &notice.additional_information, 2000);
    let reference = optional_text(checker, "reference", &notice.reference, 100);
    let urls = urls?;
    let notifier_email = notifier_email?.as_str().to_owned();
    let reference = reference?;
    let canonical = NoticeRequest {
        urls: Some(urls.clone()),
        explanation: Some(explanation?),
        legal_ground: legal_ground?,
        notifier_name: Some(notifier_name?),
        notifier_email: Some(notifier_email.clone()),
        good_faith: Some(good_faith?),
        additional_information: additional_information?,
        reference: reference.clone(),
        platform: notice.platform.clone(),
    };
    Some(CheckedSubmission {
        kind: SubmissionKind::Notice,
        canonical: SubmissionRequest::Notice(canonical),
        urls,
        platform: None,
        reference,
        threat: false,
        signals: Vec::new(),
        confirmation_email: Some(notifier_email),
    })
}

fn check_user_report(
    report: &UserReportRequest,
    checker: &mut Checker,
    now: DateTime<Utc>,
) -> Option<CheckedSubmission> {
    let category = required(checker, "category", &report.category)
        .and_then(|text| checker.check("category", ReportCategory::parse(text)));
    let url =
        required(checker, "url", &report.url).and_then(|text| checker.check("url", vigie_domain::url::normalise(text)));
    let seen_at = match &report.seen_at {
        None => Some(None),
        Some(text) if text.trim().is_empty() => Some(None),
        Some(text) => {
            timestamp(checker, "seen_at", text).and_then(|time| not_in_future(checker, "seen_at", time, now)).map(Some)
        }
    };
    let seen_where = match &report.seen_where {
        None => Some(None),
        Some(text) if text.trim().is_empty() => Some(None),
        Some(text) => checker.check("seen_where", SeenWhere::parse(text)).map(Some),
    };
    let comment = optional_paragraphs(checker, "comment", &report.comment, 2000);
    let contact_name = optional_text(checker, "contact_name", &report.contact_name, 200);
    let contact_email = optional_email(checker, "contact_email", &report.contact_email);
    let language = match report.language.as_deref().map(str::trim) {
        None | Some("") => Some(None),
        Some(code @ ("en" | "fr")) => Some(Some(code.to_owned())),
        Some(_) => {
            checker.push("language", "must be en or fr");
            None
        }
    };
    let category = category?;
    let url = url?;
    let canonical = UserReportRequest {
        category: Some(category.as_str().to_owned()),
        url: Some(url.clone()),
        seen_at: seen_at?.map(|time| time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
        seen_where: seen_where?.map(|place| place.as_str().to_owned()),
        comment: comment?,
        contact_name: contact_name?,
        contact_email: contact_email?,
        language: language?,
        platform: report.platform.clone(),
    };
    Some(CheckedSubmission {
        kind: SubmissionKind::UserReport,
        canonical: SubmissionRequest::UserReport(canonical),
        urls: vec![url],
        platform: None,
        reference: None,
        threat: category == ReportCategory::TerroristThreat,
        signals: Vec::new(),
        confirmation_email: None,
    })
}

fn check_partner_flag(
    flag: &PartnerFlagRequest,
    media_count: usize,
    checker: &mut Checker,
) -> Option<CheckedSubmission> {
    let reference = optional_text(checker, "reference", &flag.reference, 100);
    let urls = match &flag.urls {
        None => Some(Vec::new()),
        Some(list) => urls(checker, "urls", list, 0),
    };
    let signals = match &flag.signals {
        None => Some(Vec::new()),
        Some(list) if list.len() > MAX_SIGNALS => {
            checker.push("signals", format!("must hold at most {MAX_SIGNALS} signals"));
            None
        }
        Some(list) => flagged_signals(checker, list),
    };
    let labels = match &flag.labels {
        None => Some(Vec::new()),
        Some(list) => checker.check("labels", parse_labels(list)),
    };
    let explanation = optional_paragraphs(checker, "explanation", &flag.explanation, 5000);
    let urls = urls?;
    let signals = signals?;
    if urls.is_empty() && signals.is_empty() && media_count == 0 {
        checker.push("urls", "a partner flag needs at least one URL, signal or media file");
        return None;
    }
    let reference = reference?;
    let canonical = PartnerFlagRequest {
        reference: reference.clone(),
        urls: (!urls.is_empty()).then(|| urls.clone()),
        signals: (!signals.is_empty()).then(|| {
            signals
                .iter()
                .map(|(signal_type, value)| FlaggedSignal {
                    signal_type: signal_type.as_str().to_owned(),
                    value: value.clone(),
                })
                .collect()
        }),
        labels: labels
            .filter(|labels| !labels.is_empty())
            .map(|labels| labels.iter().map(|label| label.as_str().to_owned()).collect()),
        explanation: explanation?,
        platform: flag.platform.clone(),
    };
    Some(CheckedSubmission {
        kind: SubmissionKind::PartnerFlag,
        canonical: SubmissionRequest::PartnerFlag(canonical),
        urls,
        platform: None,
        reference,
        threat: false,
        signals,
        confirmation_email: None,
    })
}

fn flagged_signals(checker: &mut Checker, list: &[FlaggedSignal]) -> Option<Vec<(SignalType, String)>> {
    let mut parsed = Vec::with_capacity(list.len());
    let mut clean = true;
    for (index, signal) in list.iter().enumerate() {
        let field = format!("signals[{index}]");
        let Some(signal_type) = checker.check(&format!("{field}.type"), SignalType::parse(&signal.signal_type)) else {
            clean = false;
            continue;
        };
        if signal_type == SignalType::Url {
            checker.push(&format!("{field}.type"), "send URLs in `urls`");
            clean = false;
            continue;
        }
        match checker.check(&format!("{field}.value"), canonical_value(signal_type, &signal.value)) {
            Some(value) if !parsed.contains(&(signal_type, value.clone())) => parsed.push((signal_type, value)),
            Some(_) => {}
            None => clean = false,
        }
    }
    clean.then_some(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-01T08:30:00Z").unwrap().with_timezone(&Utc)
    }

    fn fields(value: serde_json::Value) -> Vec<String> {
        let request = match parse_submission(value) {
            Ok(request) => request,
            Err(ApiError::Validation(error)) => return error.issues.into_iter().map(|issue| issue.field).collect(),
            Err(ApiError::MalformedBody { field, .. }) => return vec![field.unwrap_or_default()],
            Err(other) => panic!("unexpected {other:?}"),
        };
        match check_submission(&request, 0, now()) {
            Ok(_) => Vec::new(),
            Err(error) => error.issues.into_iter().map(|issue| issue.field).collect(),
        }
    }

    fn order() -> serde_json::Value {
        serde_json::json!({"kind": "removal_order", "issuing_authority": "OFAC", "member_state": "FR",
            "reference": "OFAC-2026-0412", "issued_at": "2026-12-01T08:00:00Z",
            "urls": ["https://video.example.net/watch?v=abc123"], "grounds": ["a", "c"],
            "statement_of_reasons": "Video glorifying an attack.", "cross_border": false,
            "non_disclosure_until": null, "redress": "Tribunal administratif de Paris, within 48 hours"})
    }

    fn with(mut value: serde_json::Value, field: &str, replacement: serde_json::Value) -> serde_json::Value {
        value[field] = replacement;
        value
    }

    fn without(mut value: serde_json::Value, field: &str) -> serde_json::Value {
        value.as_object_mut().unwrap().remove(field);
        value
    }

    #[test]
    fn the_issue_example_is_valid_and_canonical() {
        let request = parse_submission(order()).unwrap();
        let checked = check_submission(&request, 0, now()).unwrap();
        assert_eq!(checked.kind, SubmissionKind::RemovalOrder);
        assert_eq!(checked.reference.as_deref(), Some("OFAC-2026-0412"));
        let details: serde_json::Value = serde_json::from_str(&checked.details_json(None)).unwrap();
        assert_eq!(details["grounds"], serde_json::json!(["a", "c"]));
        assert!(details.get("kind").is_none() && details.get("non_disclosure_until").is_none());
    }

    #[test]
    fn every_required_field_of_a_removal_order_is_named() {
        for field in [
            "issuing_authority",
            "member_state",
            "reference",
            "issued_at",
            "urls",
            "grounds",
            "statement_of_reasons",
            "cross_border",
            "redress",
        ] {
            assert_eq!(fields(without(order(), field)), [field], "{field}");
        }
        let empty = fields(serde_json::json!({"kind": "removal_order"}));
        assert_eq!(empty.len(), 9, "{empty:?}");
    }

    #[test]
    fn malformed_fields_are_named_by_path() {
        let table = [
            (with(order(), "member_state", "GB".into()), "member_state"),
            (with(order(), "member_state", "XX".into()), "member_state"),
            (with(order(), "issued_at", "yesterday".into()), "issued_at"),
            (with(order(), "issued_at", "2027-01-01T00:00:00Z".into()), "issued_at"),
            (with(order(), "urls", serde_json::json!(["https://ok.example/a", "ftp://x/y"])), "urls[1]"),
            (with(order(), "urls", serde_json::json!([])), "urls"),
            (with(order(), "grounds", serde_json::json!(["a", "f"])), "grounds[1]"),
            (with(order(), "grounds", serde_json::json!([])), "grounds"),
            (with(order(), "grounds", serde_json::json!("a")), "grounds"),
            (with(order(), "cross_border", "no".into()), "cross_border"),
            (with(order(), "non_disclosure_until", "2026-11-01T00:00:00Z".into()), "non_disclosure_until"),
            (with(order(), "non_disclosure_until", "2027-06-01T00:00:00Z".into()), "non_disclosure_until"),
            (with(order(), "statement_of_reasons", "   ".into()), "statement_of_reasons"),
            (with(order(), "contact_email", "nobody".into()), "contact_email"),
            (with(order(), "colour", "blue".into()), "colour"),
            (with(order(), "kind", "complaint".into()), "kind"),
            (without(order(), "kind"), "kind"),
        ];
        for (value, field) in table {
            let named = fields(value);
            assert!(named.iter().any(|named| named == field), "{field}: {named:?}");
        }
    }

    #[test]
    fn a_platform_is_named_by_id_slug_or_name_and_stored_as_its_id() {
        let named = |platform: serde_json::Value| {
            check_submission(&parse_submission(with(order(), "platform", platform)).unwrap(), 0, now())
        };
        let checked = named("videoshare".into()).unwrap();
        assert_eq!(checked.platform, Some(OrganisationRef::SlugOrName("videoshare".into())));
        let id = uuid::Uuid::now_v7();
        let details: serde_json::Value = serde_json::from_str(&checked.details_json(Some(id))).unwrap();
        assert_eq!(details["platform"], id.to_string());
        assert_eq!(
            named(id.to_string().into()).unwrap().platform,
            Some(OrganisationRef::Id(vigie_domain::ids::OrganisationId(id)))
        );
        assert_eq!(
            named("Videoshare (demo)".into()).unwrap().platform,
            Some(OrganisationRef::SlugOrName("Videoshare (demo)".into()))
        );
        assert_eq!(fields(with(order(), "platform", " ".into())), ["platform"]);
        assert_eq!(fields(with(order(), "platform", 7.into())), ["platform"]);
        // Without one, the details name none.
        let details: serde_json::Value = serde_json::from_str(
            &check_submission(&parse_submission(order()).unwrap(), 0, now()).unwrap().details_json(Some(id)),
        )
        .unwrap();
        assert!(details.get("platform").is_none());
    }

    #[test]
    fn free_text_keeps_its_line_breaks() {
        let report = serde_json::json!({"kind": "user_report", "category": "propaganda",
            "url": "https://x.example/1", "comment": "First line.\r\nSecond line."});
        let checked = check_submission(&parse_submission(report).unwrap(), 0, now()).unwrap();
        let details: serde_json::Value = serde_json::from_str(&checked.details_json(None)).unwrap();
        assert_eq!(details["comment"], "First line.\nSecond line.");
        // Names and references stay on one line.
        let notice = serde_json::json!({"kind": "notice", "urls": ["https://x.example/1"], "explanation": "a\nb",
            "notifier_name": "Ana\nB", "notifier_email": "ana@example.org", "good_faith": true});
        assert_eq!(fields(notice), ["notifier_name"]);
    }

    #[test]
    fn each_kind_names_its_own_required_fields() {
        let table = [
            (serde_json::json!({"kind": "referral"}), vec!["urls", "explanation", "deconfliction"]),
            (
                serde_json::json!({"kind": "notice"}),
                vec!["urls", "explanation", "notifier_name", "notifier_email", "good_faith"],
            ),
            (serde_json::json!({"kind": "user_report"}), vec!["category", "url"]),
            (serde_json::json!({"kind": "partner_flag"}), vec!["urls"]),
        ];
        for (value, expected) in table {
            assert_eq!(fields(value.clone()), expected, "{value}");
        }
        let notice = serde_json::json!({"kind": "notice", "urls": ["https://x.example/1"], "explanation": "why",
            "notifier_name": "Ana", "notifier_email": "ana@example.org", "good_faith": false});
        assert_eq!(fields(notice), ["good_faith"]);
        let flag = serde_json::json!({"kind": "partner_flag", "signals": [{"type": "pdq", "value": "zz"}]});
        assert_eq!(fields(flag), ["signals[0].value"]);
        let report = serde_json::json!({"kind": "user_report", "category": "spam", "url": "https://x.example/1"});
        assert_eq!(fields(report), ["category"]);
    }
}
