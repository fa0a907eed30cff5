//! Field-level validation errors, shared by the API (problem+json), the console (form errors)
//! and the CLI (messages).

use std::fmt;

/// One problem with one input field. `field` is the name the caller used (a JSON path such as
/// `roles[1]` or a form field name), so the person who sent it can find it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldIssue {
    /// Name or path of the offending field.
    pub field: String,
    /// What is wrong, in plain words. Never echoes the submitted value: it may be hazardous.
    pub message: String,
}

impl FieldIssue {
    /// An issue with `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// Every field issue found in one input; inputs are checked whole so all issues come back at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationError {
    /// The issues, in field order.
    pub issues: Vec<FieldIssue>,
}

impl ValidationError {
    /// A validation error about one field.
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { issues: vec![FieldIssue::new(field, message)] }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, issue) in self.issues.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", issue.field, issue.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationError {}

/// Collects issues while an input is checked field by field.
#[derive(Default, Debug)]
pub struct Checker {
    issues: Vec<FieldIssue>,
}

impl Checker {
    /// Records an issue.
    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.issues.push(FieldIssue::new(field, message));
    }

    /// Runs a parse step; on failure records the issue and gives `None`.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.push(field, message);
                None
            }
        }
    }

    /// True when no issue was recorded.
    pub fn is_clean(&self) -> bool {
        self.issues.is_empty()
    }

    /// The recorded issues as one error.
    pub fn into_error(self) -> ValidationError {
        ValidationError { issues: self.issues }
    }
}

/// Checks one line of text and trims it: no control characters anywhere (a trailing newline
/// or tab included), at most `max` characters as sent, at least `min` once trimmed. Checking
/// what was sent rather than the trimmed text keeps the rule one a JSON Schema can state
/// (`maxLength`, and a pattern), so the OpenAPI document says exactly what is accepted.
pub fn bounded_text(text: &str, min: usize, max: usize) -> Result<String, String> {
    if text.chars().any(|c| c.is_control()) {
        return Err("must not contain control characters".into());
    }
    if text.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    let trimmed = text.trim();
    if trimmed.chars().count() < min {
        return Err(if min == 1 { "must not be empty".into() } else { format!("must be at least {min} characters") });
    }
    Ok(trimmed.to_owned())
}

/// Like [`bounded_text`], for free text that may run over several lines (explanations,
/// statements of reasons, comments): line breaks and tabs are kept (`\r\n` and a lone `\r`
/// become `\n`), other control characters are refused.
pub fn bounded_paragraphs(text: &str, min: usize, max: usize) -> Result<String, String> {
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r')) {
        return Err("must not contain control characters other than line breaks and tabs".into());
    }
    if text.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    let normalised = text.trim().replace("\r\n", "\n").replace('\r', "\n");
    if normalised.chars().count() < min {
        return Err(if min == 1 { "must not be empty".into() } else { format!("must be at least {min} characters") });
    }
    Ok(normalised)
}

/// JSON Schema patterns (ECMA-262 as the OpenAPI document uses them) for the rules above, to put
/// on the wire types' fields with `#[schema(pattern = ...)]`; a test checks they agree.
pub mod patterns {
    /// [`super::bounded_text`] with `min` 1: no control character, and something besides spaces.
    pub const LINE: &str = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$";
    /// [`super::bounded_text`] with `min` 0: no control character.
    pub const LINE_OR_EMPTY: &str = r"^[^\x00-\x1f\x7f-\x9f]*$";
    /// [`super::Email::parse`]: one `@`, a dot inside the domain, no spaces inside.
    pub const EMAIL: &str = r"^\s*[^@\s\x00-\x1f\x7f-\x9f]+@[^@.\s\x00-\x1f\x7f-\x9f][^@\s\x00-\x1f\x7f-\x9f]*\.[^@\s\x00-\x1f\x7f-\x9f]*[^@.\s\x00-\x1f\x7f-\x9f]\s*$";
    /// An email address, or nothing (spaces only count as nothing).
    pub const EMAIL_OR_EMPTY: &str = r"^\s*$|^\s*[^@\s\x00-\x1f\x7f-\x9f]+@[^@.\s\x00-\x1f\x7f-\x9f][^@\s\x00-\x1f\x7f-\x9f]*\.[^@\s\x00-\x1f\x7f-\x9f]*[^@.\s\x00-\x1f\x7f-\x9f]\s*$";
    /// Optional text: spaces only count as absent, otherwise as [`LINE`].
    pub const LINE_OR_BLANK: &str = r"^\s*$|^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$";
    /// Optional paragraphs: spaces only count as absent, otherwise as [`PARAGRAPHS`].
    pub const PARAGRAPHS_OR_BLANK: &str = r"^\s*$|^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$";
    /// [`super::bounded_paragraphs`] with `min` 1: line breaks and tabs allowed.
    pub const PARAGRAPHS: &str =
        r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$";
}

/// Optional one-line text (a signal's source, an id at a partner): trimmed, absent when empty,
/// at most `max` characters, no control characters. NUL in particular cannot be stored in a
/// PostgreSQL text column and would be stored silently by SQLite: refused here for both.
pub fn optional_text(text: Option<&str>, max: usize) -> Result<Option<String>, String> {
    match text.map(str::trim).filter(|text| !text.is_empty()) {
        None => Ok(None),
        Some(text) => bounded_text(text, 1, max).map(Some),
    }
}

/// The message for a NUL character found anywhere in a request, before any field's own checks.
pub const NUL_MESSAGE: &str = "must not contain NUL characters";

/// An email address, trimmed and lower-cased. Deliberately permissive (one `@`, a dot in the
/// domain, no spaces): the only real check of an address is a message that reaches it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

impl Email {
    /// Parses an email address.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim().to_lowercase();
        let valid = text.len() <= 254
            && text.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            })
            && !text.chars().any(|c| c.is_whitespace() || c.is_control());
        if valid { Ok(Self(text)) } else { Err("must be an email address such as name@example.org".into()) }
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(Email::parse(" Ana@Example.ORG ").unwrap().as_str(), "ana@example.org");
        for bad in ["", "ana", "ana@", "@example.org", "ana@example", "a b@example.org", "a@b@c.org", "ana@.org"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn bounded() {
        assert_eq!(bounded_text("  x ", 1, 4).unwrap(), "x");
        // What was sent is measured and checked, so a JSON Schema can say the same.
        assert!(bounded_text("  x ", 1, 3).is_err());
        assert!(bounded_text("x\n", 1, 3).is_err());
        assert_eq!(bounded_paragraphs("a\rb", 1, 3).unwrap(), "a\nb");
        assert!(bounded_text("   ", 1, 3).is_err());
        assert!(bounded_text("abcd", 1, 3).is_err());
        assert!(bounded_text("a\u{0}b", 1, 3).is_err());
        // Length counts characters, not bytes.
        assert!(bounded_text("ééé", 1, 3).is_ok());
        assert_eq!(bounded_paragraphs(" a\r\nb\tc ", 1, 10).unwrap(), "a\nb\tc");
        assert!(bounded_paragraphs("a\u{7}b", 1, 10).is_err());
        assert!(bounded_paragraphs("", 1, 10).is_err());
        assert_eq!(optional_text(Some("  "), 5).unwrap(), None);
        assert_eq!(optional_text(None, 5).unwrap(), None);
        assert_eq!(optional_text(Some(" gifct "), 5).unwrap().as_deref(), Some("gifct"));
        assert!(optional_text(Some("a\u{0}b"), 5).is_err());
        assert!(optional_text(Some("abcdef"), 5).is_err());
    }
}
