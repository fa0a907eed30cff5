//! Preservation of removed content (TCO Art. 6): what a platform removed or disabled, and the
//! data about it, is kept for six months from the removal, for longer when an authority or a
//! court asks (for as long as its proceedings need), then purged. Meanwhile it may be opened
//! only for the purposes the article names, and every opening is recorded: who, when, why.
//!
//! Vigie applies the same rule to every case whose content the platform confirmed removing
//! or restricting, whatever the submission behind it: a removal order, a referral or a notice.

use chrono::{DateTime, Months, TimeDelta, Utc};

use crate::intake::parse_among;
use crate::validate::{Checker, ValidationError, bounded_paragraphs, bounded_text};

/// How long removed content is kept from its removal (TCO Art. 6(2)).
pub const PRESERVATION_MONTHS: u32 = 6;

/// How long one opening of preserved content lasts: long enough to handle a complaint or
/// answer a request, short enough that the log says who looked at what, and when.
pub const ACCESS_LASTS: TimeDelta = TimeDelta::minutes(30);

/// The furthest one extension may reach; an authority asks again for more.
pub const LONGEST_EXTENSION: TimeDelta = TimeDelta::days(5 * 366);

/// Longest authority name or reference.
pub const MAX_NAME_CHARS: usize = 200;

/// Longest reason.
pub const MAX_REASON_CHARS: usize = 2_000;

/// Until when content removed at `removed_at` is kept, absent an extension: six calendar months,
/// to the end of that day (UTC). It is purged from the next midnight on, "six months and one
/// day" later, never within the six months whatever the hour of the removal.
pub fn preserved_until(removed_at: DateTime<Utc>) -> DateTime<Utc> {
    let six_months = removed_at.checked_add_months(Months::new(PRESERVATION_MONTHS)).unwrap_or(removed_at);
    six_months
        .date_naive()
        .succ_opt()
        .and_then(|next_day| next_day.and_hms_opt(0, 0, 0))
        .map_or(six_months, |midnight| midnight.and_utc())
}

/// Why someone opens preserved content: the purposes TCO Art. 6(1) names, and nothing else.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccessPurpose {
    /// Handling a complaint against the removal (Art. 6(1)(a), Art. 10; DSA Art. 20).
    Complaint,
    /// Administrative or judicial review proceedings (Art. 6(1)(a)).
    ReviewProceedings,
    /// The prevention, detection, investigation or prosecution of terrorist offences, on an
    /// authority's request (Art. 6(1)(b)).
    Investigation,
}

impl AccessPurpose {
    /// Every purpose.
    pub const ALL: [Self; 3] = [Self::Complaint, Self::ReviewProceedings, Self::Investigation];

    /// The stable text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Complaint => "complaint",
            Self::ReviewProceedings => "review_proceedings",
            Self::Investigation => "investigation",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, String> {
        parse_among(text, &Self::ALL, Self::as_str)
    }
}

/// An opening of preserved content, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessRequest {
    /// Why.
    pub purpose: AccessPurpose,
    /// In the words of the person opening it: the complaint, the proceedings, the request.
    pub reason: String,
}

/// Checks an opening: a purpose among [`AccessPurpose::ALL`] and a reason of 1 to
/// [`MAX_REASON_CHARS`] characters (the issues name `purpose` and `reason`).
pub fn check_access(purpose: Option<&str>, reason: Option<&str>) -> Result<AccessRequest, ValidationError> {
    let mut checker = Checker::default();
    let purpose = match purpose {
        None => {
            checker.push("purpose", "is required: complaint, review_proceedings or investigation");
            None
        }
        Some(text) => checker.check("purpose", AccessPurpose::parse(text)),
    };
    let reason = match reason {
        None => {
            checker.push("reason", "is required: what the access is for (the complaint, the proceedings, the request)");
            None
        }
        Some(text) => checker.check("reason", bounded_paragraphs(text, 1, MAX_REASON_CHARS)),
    };
    match (purpose, reason) {
        (Some(purpose), Some(reason)) if checker.is_clean() => Ok(AccessRequest { purpose, reason }),
        _ => Err(checker.into_error()),
    }
}

/// An extension of preservation, as an authority or a court asked for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtensionRequest {
    /// Who asked: the authority or the court.
    pub authority: String,
    /// Its reference for the request or the proceedings.
    pub reference: String,
    /// Until when the content must be kept.
    pub until: DateTime<Utc>,
    /// Why, as the request says (the proceedings under way).
    pub reason: String,
}

/// The raw fields of an extension, as sent.
#[derive(Clone, Copy, Debug, Default)]
pub struct ExtensionFields<'a> {
    /// `authority`.
    pub authority: Option<&'a str>,
    /// `reference`.
    pub reference: Option<&'a str>,
    /// `until`.
    pub until: Option<DateTime<Utc>>,
    /// `reason`.
    pub reason: Option<&'a str>,
}

/// Checks an extension made at `now` of a preservation running until `current_end`: it must
/// reach past that end (an extension that ends sooner would shorten nothing and mislead) and
/// at most [`LONGEST_EXTENSION`] from now.
pub fn check_extension(
    fields: ExtensionFields<'_>,
    current_end: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<ExtensionRequest, ValidationError> {
    let mut checker = Checker::default();
    let line = |checker: &mut Checker, field: &str, text: Option<&str>, what: &str| match text {
        None => {
            checker.push(field, format!("is required: {what}"));
            None
        }
        Some(text) => checker.check(field, bounded_text(text, 1, MAX_NAME_CHARS)),
    };
    let authority = line(&mut checker, "authority", fields.authority, "the authority or court that asked");
    let reference = line(&mut checker, "reference", fields.reference, "its reference for the request");
    let until = match fields.until {
        None => {
            checker.push("until", "is required: the date until which the content must be kept");
            None
        }
        Some(until) if until <= current_end.max(now) => {
            checker.push(
                "until",
                format!(
                    "must be after the end of the current preservation ({}) and in the future: an extension keeps \
                     the content longer",
                    current_end.format("%Y-%m-%dT%H:%M:%SZ")
                ),
            );
            None
        }
        Some(until) if until > now + LONGEST_EXTENSION => {
            checker.push("until", "must be within five years: ask again when the proceedings need more");
            None
        }
        Some(until) => Some(until),
    };
    let reason = match fields.reason {
        None => {
            checker.push("reason", "is required: the proceedings the content is kept for");
            None
        }
        Some(text) => checker.check("reason", bounded_paragraphs(text, 1, MAX_REASON_CHARS)),
    };
    match (authority, reference, until, reason) {
        (Some(authority), Some(reference), Some(until), Some(reason)) if checker.is_clean() => {
            Ok(ExtensionRequest { authority, reference, until, reason })
        }
        _ => Err(checker.into_error()),
    }
}

/// The fields of a submission's details kept by the purge: the legal act and its kind (who
/// issued an order, its reference and grounds, the policy or law invoked, the category), what
/// statements of reasons and reports are made of. Everything else goes: where the content was
/// (URLs), what it said, the senders' explanations about it, reporters' and notifiers' names
/// and addresses, the hashes flagged. A field not listed here is dropped, so a field added to
/// a submission kind later is purged until someone decides otherwise.
pub const DETAILS_KEPT_AFTER_PURGE: &[&str] = &[
    "issuing_authority",
    "member_state",
    "reference",
    "issued_at",
    "grounds",
    "statement_of_reasons",
    "cross_border",
    "non_disclosure_until",
    "redress",
    "policy",
    "legal_ground",
    "good_faith",
    "category",
    "language",
    "labels",
    "platform",
];

/// Whether a case preserved until `preserved_until` is due to be purged at `now`. A case with
/// an open complaint is not: its content is needed to handle it (Art. 6(1)(a)).
pub fn is_due(preserved_until: DateTime<Utc>, open_complaints: bool, now: DateTime<Utc>) -> bool {
    now >= preserved_until && !open_complaints
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn content_is_kept_six_calendar_months_from_its_removal() {
        let removed = Utc.with_ymd_and_hms(2026, 8, 31, 23, 30, 0).unwrap();
        // February has no 31st: kept to the end of its last day, never into March's.
        let until = preserved_until(removed);
        assert_eq!(until, Utc.with_ymd_and_hms(2027, 3, 1, 0, 0, 0).unwrap());
        assert!(!is_due(until, false, until - TimeDelta::seconds(1)));
        assert!(is_due(until, false, until));
        // Six months and an hour after a removal in the morning: still kept that day.
        let morning = Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap();
        let until = preserved_until(morning);
        assert!(!is_due(until, false, Utc.with_ymd_and_hms(2027, 6, 7, 10, 0, 0).unwrap()));
        assert!(is_due(until, false, Utc.with_ymd_and_hms(2027, 6, 8, 0, 0, 0).unwrap()));
        assert!(!is_due(until, true, until + TimeDelta::days(30)), "an open complaint holds the purge");
    }

    #[test]
    fn an_access_names_its_purpose_and_reason() {
        let access = check_access(Some("complaint"), Some("  Complaint 4 about the removal. ")).unwrap();
        assert_eq!(
            access,
            AccessRequest { purpose: AccessPurpose::Complaint, reason: "Complaint 4 about the removal.".into() }
        );
        let error = check_access(Some("curiosity"), None).unwrap_err();
        let fields: Vec<&str> = error.issues.iter().map(|issue| issue.field.as_str()).collect();
        assert_eq!(fields, ["purpose", "reason"]);
        assert!(error.issues[0].message.contains("review_proceedings"), "{error}");
    }

    #[test]
    fn an_extension_reaches_past_the_current_end_and_no_further_than_five_years() {
        let now = Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap();
        let end = now + TimeDelta::days(30);
        let fields = |until| ExtensionFields {
            authority: Some("Parquet national antiterroriste"),
            reference: Some("PNAT-2026-118"),
            until: Some(until),
            reason: Some("Investigation under way."),
        };
        let extension = check_extension(fields(end + TimeDelta::days(90)), end, now).unwrap();
        assert_eq!(extension.until, end + TimeDelta::days(90));
        assert_eq!(extension.reference, "PNAT-2026-118");
        for until in [end, now - TimeDelta::days(1), now + LONGEST_EXTENSION + TimeDelta::days(1)] {
            let error = check_extension(fields(until), end, now).unwrap_err();
            assert_eq!(error.issues[0].field, "until", "{until}: {error}");
        }
        // A case held past its end by a complaint: an extension still ends in the future.
        let held = check_extension(fields(now - TimeDelta::days(1)), now - TimeDelta::days(10), now).unwrap_err();
        assert_eq!(held.issues[0].field, "until");
        let missing = check_extension(ExtensionFields::default(), end, now).unwrap_err();
        let fields: Vec<&str> = missing.issues.iter().map(|issue| issue.field.as_str()).collect();
        assert_eq!(fields, ["authority", "reference", "until", "reason"]);
    }
}
