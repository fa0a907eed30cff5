//! User accounts: people who log in to the console.

use chrono::{DateTime, Utc};

use crate::access::RoleSet;
use crate::ids::{OrganisationId, UserId};
use crate::validate::{Checker, Email, ValidationError, bounded_text};

/// The shortest password accepted. Length beats composition rules (NIST SP 800-63B).
pub const MIN_PASSWORD_CHARS: usize = 12;

/// A stored user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// The one organisation it belongs to.
    pub organisation_id: OrganisationId,
    /// Login name, unique across the instance.
    pub email: Email,
    /// Name shown in the console and the audit trail.
    pub display_name: String,
    /// Its roles.
    pub roles: RoleSet,
    /// When it was disabled; a disabled user cannot log in and its sessions end.
    pub disabled_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// Validated input for a new user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewUser {
    /// The organisation it joins.
    pub organisation_id: OrganisationId,
    /// Login name.
    pub email: Email,
    /// Display name (defaults to the part of the email before `@`).
    pub display_name: String,
    /// Roles.
    pub roles: RoleSet,
}

/// Unvalidated user fields.
#[derive(Clone, Debug)]
pub struct UserDraft<'a, S: AsRef<str>> {
    /// The organisation it joins.
    pub organisation_id: OrganisationId,
    /// Login name.
    pub email: &'a str,
    /// Display name, possibly empty.
    pub display_name: &'a str,
    /// Role names.
    pub roles: &'a [S],
}

impl<S: AsRef<str>> UserDraft<'_, S> {
    /// Checks every field, reporting all issues at once.
    pub fn validate(&self) -> Result<NewUser, ValidationError> {
        let mut checker = Checker::default();
        let email = checker.check("email", Email::parse(self.email));
        let display_name = if self.display_name.trim().is_empty() {
            email.as_ref().map(|email| email.as_str().split('@').next().unwrap_or_default().to_owned())
        } else {
            checker.check("display_name", bounded_text(self.display_name, 1, 120))
        };
        let roles = checker.check("roles", RoleSet::parse_all(self.roles));
        match (email, display_name, roles) {
            (Some(email), Some(display_name), Some(roles)) if checker.is_clean() => {
                Ok(NewUser { organisation_id: self.organisation_id, email, display_name, roles })
            }
            _ => Err(checker.into_error()),
        }
    }
}

/// Checks a new password's length (in characters) and that it is not absurdly long, which would
/// only make hashing it a denial-of-service vector.
pub fn check_password(password: &str) -> Result<(), String> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        return Err(format!("must be at least {MIN_PASSWORD_CHARS} characters"));
    }
    if length > 256 {
        return Err("must be at most 256 characters".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_name_defaults_to_local_part() {
        let draft = UserDraft {
            organisation_id: OrganisationId::new_v7(),
            email: "Reviewer.One@Example.org",
            display_name: "",
            roles: &["reviewer"],
        };
        assert_eq!(draft.validate().unwrap().display_name, "reviewer.one");
    }

    #[test]
    fn reports_every_field() {
        let draft =
            UserDraft { organisation_id: OrganisationId::new_v7(), email: "x", display_name: "ok", roles: &["boss"] };
        let fields: Vec<_> = draft.validate().unwrap_err().issues.into_iter().map(|i| i.field).collect();
        assert_eq!(fields, ["email", "roles"]);
    }

    #[test]
    fn passwords() {
        assert!(check_password("short").is_err());
        assert!(check_password("correct horse battery").is_ok());
        assert!(check_password(&"x".repeat(300)).is_err());
    }
}
