//! Organisations: every person and token acts for exactly one.

use chrono::{DateTime, Utc};

use crate::country::CountryCode;
use crate::ids::OrganisationId;
use crate::validate::{Checker, Email, ValidationError, bounded_text};

/// What an organisation is, which decides what it may send and receive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrganisationKind {
    /// A hosting service provider that receives reports and removal orders and acts on them.
    Platform,
    /// A competent authority or internet referral unit (PHAROS, EU IRU) that issues removal
    /// orders and referrals.
    ReferralUnit,
    /// A DSA Art. 22 trusted flagger, whose notices are handled with priority.
    TrustedFlagger,
    /// A civil-society organisation (research, counter-speech, victims' support).
    Ngo,
    /// An internet access provider that applies blocking lists.
    Isp,
}

impl OrganisationKind {
    /// Every kind, in display order.
    pub const ALL: [Self; 5] = [Self::Platform, Self::ReferralUnit, Self::TrustedFlagger, Self::Ngo, Self::Isp];

    /// The stable text used in the API, the CLI and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Platform => "platform",
            Self::ReferralUnit => "referral_unit",
            Self::TrustedFlagger => "trusted_flagger",
            Self::Ngo => "ngo",
            Self::Isp => "isp",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| format!("must be one of: {}", Self::ALL.map(Self::as_str).join(", ")))
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Platform => "Platform (hosting service)",
            Self::ReferralUnit => "Referral unit / competent authority",
            Self::TrustedFlagger => "Trusted flagger",
            Self::Ngo => "NGO",
            Self::Isp => "Internet access provider",
        }
    }
}

/// A stored organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organisation {
    /// Its id.
    pub id: OrganisationId,
    /// Unique display name.
    pub name: String,
    /// Its kind.
    pub kind: OrganisationKind,
    /// Country of establishment (for platforms: of their legal representative, TCO Art. 17).
    pub country: CountryCode,
    /// The contact point for orders and notices (TCO Art. 15, DSA Art. 11-12), once known.
    pub contact_email: Option<Email>,
    /// The operator organisation runs this Vigie instance; its admins administer everything.
    pub is_operator: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// Validated input for a new organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewOrganisation {
    /// Unique display name.
    pub name: String,
    /// Its kind.
    pub kind: OrganisationKind,
    /// Country of establishment.
    pub country: CountryCode,
    /// Contact point, once known.
    pub contact_email: Option<Email>,
}

/// Unvalidated organisation fields as they arrive from any input path.
#[derive(Clone, Debug, Default)]
pub struct OrganisationDraft<'a> {
    /// Display name.
    pub name: &'a str,
    /// Kind, as text.
    pub kind: &'a str,
    /// Country code, as text.
    pub country: &'a str,
    /// Contact email; empty when not known yet.
    pub contact_email: &'a str,
}

impl OrganisationDraft<'_> {
    /// Checks every field, reporting all issues at once.
    pub fn validate(&self) -> Result<NewOrganisation, ValidationError> {
        let mut checker = Checker::default();
        let name = checker.check("name", bounded_text(self.name, 1, 200));
        let kind = checker.check("kind", OrganisationKind::parse(self.kind));
        let country = checker.check("country", CountryCode::parse(self.country));
        let contact_email = if self.contact_email.trim().is_empty() {
            Some(None)
        } else {
            checker.check("contact_email", Email::parse(self.contact_email).map(Some))
        };
        match (name, kind, country, contact_email) {
            (Some(name), Some(kind), Some(country), Some(contact_email)) if checker.is_clean() => {
                Ok(NewOrganisation { name, kind, country, contact_email })
            }
            _ => Err(checker.into_error()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_all_fields_at_once() {
        let draft = OrganisationDraft { name: " ", kind: "police", country: "XX", contact_email: "nope" };
        let error = draft.validate().unwrap_err();
        let fields: Vec<_> = error.issues.iter().map(|issue| issue.field.as_str()).collect();
        assert_eq!(fields, ["name", "kind", "country", "contact_email"]);
    }

    #[test]
    fn accepts_good_input() {
        let draft = OrganisationDraft { name: "PHAROS", kind: "referral_unit", country: "fr", contact_email: "a@b.fr" };
        let org = draft.validate().unwrap();
        assert_eq!(org.kind, OrganisationKind::ReferralUnit);
        assert_eq!(org.country.as_str(), "FR");
    }

    #[test]
    fn kinds_round_trip() {
        for kind in OrganisationKind::ALL {
            assert_eq!(OrganisationKind::parse(kind.as_str()), Ok(kind));
        }
    }
}
