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

/// Trims `text` and checks its length in characters.
pub fn bounded_text(text: &str, min: usize, max: usize) -> Result<String, String> {
    let trimmed = text.trim();
    let length = trimmed.chars().count();
    if length < min {
        return Err(if min == 1 { "must not be empty".into() } else { format!("must be at least {min} characters") });
    }
    if length > max {
        return Err(format!("must be at most {max} characters"));
    }
    if trimmed.chars().any(|c| c.is_control()) {
        return Err("must not contain control characters".into());
    }
    Ok(trimmed.to_owned())
}

/// Like [`bounded_text`], for free text that may run over several lines (explanations,
/// statements of reasons, comments): line breaks and tabs are kept (`\r\n` becomes `\n`), other
/// control characters are refused.
pub fn bounded_paragraphs(text: &str, min: usize, max: usize) -> Result<String, String> {
    let normalised = text.trim().replace("\r\n", "\n");
    let length = normalised.chars().count();
    if length < min {
        return Err(if min == 1 { "must not be empty".into() } else { format!("must be at least {min} characters") });
    }
    if length > max {
        return Err(format!("must be at most {max} characters"));
    }
    if normalised.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err("must not contain control characters other than line breaks and tabs".into());
    }
    Ok(normalised)
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
        assert_eq!(bounded_text("  x ", 1, 3).unwrap(), "x");
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
