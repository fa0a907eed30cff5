//! Complaints against decisions: the uploader's internal complaint (DSA Art. 20, within six
//! months of the decision) or, for content removed on a removal order, the TCO complaint (Art.
//! 10, answered within two weeks). A reviewer other than the one who decided handles it; a
//! senior reviewer when a removal order is behind it. Upheld, the decision stands; reversed, a
//! new decision replaces it and the content is reinstated.

use chrono::{DateTime, Months, TimeDelta, Utc};

use crate::intake::parse_among;
use crate::validate::bounded_paragraphs;

/// How long after a decision its uploader may complain (DSA Art. 20(1)).
pub const WINDOW_MONTHS: u32 = 6;

/// Within how long a complaint is answered (TCO Art. 10(2): two weeks; the same service target
/// for DSA complaints, which the DSA asks to be handled "in a timely manner").
pub const ANSWER_WITHIN: TimeDelta = TimeDelta::days(14);

/// Longest complaint or answer.
pub const MAX_REASONS_CHARS: usize = 5_000;

/// Which rules a complaint follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ComplaintKind {
    /// DSA Art. 20: the platform's internal complaint-handling system.
    DsaArt20,
    /// TCO Art. 10: content removed or disabled on a removal order.
    TcoArt10,
}

impl ComplaintKind {
    /// Every kind.
    pub const ALL: [Self; 2] = [Self::DsaArt20, Self::TcoArt10];

    /// The stable text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DsaArt20 => "dsa_art20",
            Self::TcoArt10 => "tco_art10",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, String> {
        parse_among(text, &Self::ALL, Self::as_str)
    }
}

/// How a complaint came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ComplaintChannel {
    /// The platform forwarded it (its own complaint form, by API).
    Platform,
    /// The uploader used the statement of reasons' link.
    StatementLink,
}

impl ComplaintChannel {
    /// Every channel.
    pub const ALL: [Self; 2] = [Self::Platform, Self::StatementLink];

    /// The stable text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Platform => "platform",
            Self::StatementLink => "statement_link",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, String> {
        parse_among(text, &Self::ALL, Self::as_str)
    }
}

/// Where a complaint stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ComplaintStatus {
    /// Waiting for a reviewer.
    Open,
    /// The decision stands.
    Upheld,
    /// The decision was reversed: the content is reinstated.
    Reversed,
}

impl ComplaintStatus {
    /// Every status.
    pub const ALL: [Self; 3] = [Self::Open, Self::Upheld, Self::Reversed];

    /// The stable text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Upheld => "upheld",
            Self::Reversed => "reversed",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, String> {
        parse_among(text, &Self::ALL, Self::as_str)
    }

    /// The outcome a handler may give: `upheld` or `reversed`.
    pub fn parse_outcome(text: &str) -> Result<Self, String> {
        match Self::parse(text) {
            Ok(Self::Open) | Err(_) => Err("must be one of: upheld, reversed".into()),
            Ok(outcome) => Ok(outcome),
        }
    }
}

/// Who annulled a decision outside the platform (TCO Art. 4 and 9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnnulmentSource {
    /// The competent authority of the member state of establishment found, on scrutiny, that
    /// the removal order infringes the Regulation or fundamental rights (TCO Art. 4(4)-(7)).
    CrossBorderScrutiny,
    /// A court annulled the order or the decision (TCO Art. 9; DSA Art. 21 and judicial redress).
    Court,
}

impl AnnulmentSource {
    /// Every source.
    pub const ALL: [Self; 2] = [Self::CrossBorderScrutiny, Self::Court];

    /// The stable text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CrossBorderScrutiny => "cross_border_scrutiny",
            Self::Court => "court",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, String> {
        parse_among(text, &Self::ALL, Self::as_str)
    }
}

/// The last moment a decision taken at `decided_at` may be complained about.
pub fn window_end(decided_at: DateTime<Utc>) -> DateTime<Utc> {
    decided_at.checked_add_months(Months::new(WINDOW_MONTHS)).unwrap_or(decided_at)
}

/// Checks a complaint made at `now` about a decision taken at `decided_at`: the window is open
/// (the issue names `decision`) and the reasons are 1 to [`MAX_REASONS_CHARS`] characters.
pub fn check_complaint(
    reasons: Option<&str>,
    decided_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<String, crate::validate::ValidationError> {
    let mut checker = crate::validate::Checker::default();
    if now > window_end(decided_at) {
        checker.push(
            "decision",
            format!(
                "can no longer be complained about: complaints close six months after the decision (DSA Art. 20(1)), \
                 on {}",
                window_end(decided_at).format("%Y-%m-%d")
            ),
        );
    }
    let reasons = match reasons {
        None => {
            checker.push("reasons", "is required: why the decision is wrong");
            None
        }
        Some(text) => checker.check("reasons", bounded_paragraphs(text, 1, MAX_REASONS_CHARS)),
    };
    match reasons {
        Some(reasons) if checker.is_clean() => Ok(reasons),
        _ => Err(checker.into_error()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn complaints_close_six_months_after_the_decision() {
        let decided = Utc.with_ymd_and_hms(2026, 1, 31, 12, 0, 0).unwrap();
        assert_eq!(window_end(decided), Utc.with_ymd_and_hms(2026, 7, 31, 12, 0, 0).unwrap());
        assert_eq!(check_complaint(Some(" It is a news report. "), decided, decided).unwrap(), "It is a news report.");
        assert!(check_complaint(Some("late"), decided, window_end(decided)).is_ok());
        let late = check_complaint(Some("late"), decided, window_end(decided) + TimeDelta::seconds(1)).unwrap_err();
        assert_eq!(late.issues[0].field, "decision");
        let empty = check_complaint(Some("  "), decided, decided).unwrap_err();
        assert_eq!(empty.issues[0].field, "reasons");
        let both = check_complaint(None, decided, decided + TimeDelta::days(200)).unwrap_err();
        assert_eq!(both.issues.iter().map(|issue| issue.field.as_str()).collect::<Vec<_>>(), ["decision", "reasons"]);
        assert_eq!(ComplaintStatus::parse_outcome("open").unwrap_err(), "must be one of: upheld, reversed");
        assert_eq!(ComplaintStatus::parse_outcome("reversed"), Ok(ComplaintStatus::Reversed));
    }
}
