//! Organisations: every person and token acts for exactly one.

use std::fmt;

use chrono::{DateTime, Utc};
use unicode_normalization::UnicodeNormalization;

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

/// An organisation's short unique name (`videoshare`, `unite-nationale-de-signalement`): what
/// people type where an organisation is named (API fields, query parameters, CLI flags, import
/// rows) instead of its id. Lower-case ASCII letters, digits and `-`, starting with a letter or
/// digit, at most 63 characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slug(String);

impl Slug {
    /// The longest slug.
    pub const MAX_LEN: usize = 63;
    /// The rule, as a regular expression (for the OpenAPI document).
    pub const PATTERN: &'static str = "^[a-z0-9][a-z0-9-]{0,62}$";
    /// Why a text is not a slug.
    const RULE: &'static str = "must be 1-63 lower-case letters (a-z), digits and `-`, starting with a letter or digit";

    /// Checks a slug given as is (nothing is folded or trimmed: what is stored is what was sent).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut bytes = text.bytes();
        let first_ok = bytes.next().is_some_and(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit());
        let rest_ok = bytes.all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-');
        if first_ok && rest_ok && text.len() <= Self::MAX_LEN {
            Ok(Self(text.to_owned()))
        } else {
            Err(Self::RULE.to_owned())
        }
    }

    /// The slug a name suggests: accents folded (`é` → `e`, `ß` → `ss`), lower-case ASCII,
    /// every run of other characters one `-`, none at either end, cut to leave room for a
    /// numeric suffix ([`Slug::with_suffix`]). A name with no letter or digit gives `org`.
    pub fn from_name(name: &str) -> Self {
        let mut slug = String::with_capacity(name.len());
        let mut pending_dash = false;
        for character in name.nfkd().flat_map(fold) {
            if character.is_ascii_alphanumeric() {
                if pending_dash && !slug.is_empty() {
                    slug.push('-');
                }
                pending_dash = false;
                slug.push(character.to_ascii_lowercase());
            } else if !is_combining_mark(character) {
                pending_dash = true;
            }
            if slug.len() >= Self::MAX_LEN - SUFFIX_ROOM {
                break;
            }
        }
        let slug = slug.trim_end_matches('-');
        Self(if slug.is_empty() { "org".to_owned() } else { slug.to_owned() })
    }

    /// This slug with `-n` appended (the `n`th organisation whose name suggests it), cut so the
    /// whole stays within [`Slug::MAX_LEN`].
    pub fn with_suffix(&self, n: u32) -> Self {
        let suffix = format!("-{n}");
        let keep = self.0.len().min(Self::MAX_LEN - suffix.len());
        Self(format!("{}{suffix}", self.0[..keep].trim_end_matches('-')))
    }

    /// This slug if `is_taken` says it is free, else the first free one with a suffix
    /// (`-2`, `-3`...).
    pub fn first_free(&self, is_taken: impl Fn(&str) -> bool) -> Self {
        if !is_taken(&self.0) {
            return self.clone();
        }
        (2..).map(|n| self.with_suffix(n)).find(|candidate| !is_taken(&candidate.0)).unwrap_or_else(|| self.clone())
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Room kept for `-NNNNN` when a slug is derived from a name.
const SUFFIX_ROOM: usize = 6;

/// Letters that do not decompose into a base letter and a mark, spelt as ASCII.
fn fold(character: char) -> impl Iterator<Item = char> {
    let spelt: &str = match character {
        'ß' => "ss",
        'æ' | 'Æ' => "ae",
        'œ' | 'Œ' => "oe",
        'ø' | 'Ø' => "o",
        'đ' | 'Đ' | 'ð' | 'Ð' => "d",
        'ł' | 'Ł' => "l",
        'þ' | 'Þ' => "th",
        'ı' => "i",
        _ => "",
    };
    let single = spelt.is_empty().then_some(character);
    spelt.chars().chain(single)
}

/// Combining diacritical marks, which NFKD splits off accented letters.
fn is_combining_mark(character: char) -> bool {
    matches!(character, '\u{0300}'..='\u{036f}' | '\u{1ab0}'..='\u{1aff}' | '\u{1dc0}'..='\u{1dff}' | '\u{20d0}'..='\u{20ff}' | '\u{fe20}'..='\u{fe2f}')
}

/// How a request names an organisation: by id, or by text that is its slug or, failing that,
/// its exact name. Resolving it is the store's (`Store::find_organisation`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum OrganisationRef {
    /// Its id.
    Id(OrganisationId),
    /// Its slug or its exact name.
    SlugOrName(String),
}

impl OrganisationRef {
    /// What the documentation and messages call the accepted forms.
    pub const ACCEPTED: &'static str = "an organisation's id or slug (its exact name is accepted too)";

    /// Reads an id, slug or name (surrounding spaces ignored).
    pub fn parse(text: &str) -> Result<Self, String> {
        // As sent, within the rule the document states for these fields (one line, 1-200).
        let text = bounded_text(text, 1, 200).map_err(|_| format!("must be {}", Self::ACCEPTED))?;
        Ok(match text.parse::<OrganisationId>() {
            Ok(id) => Self::Id(id),
            Err(_) => Self::SlugOrName(text),
        })
    }
}

impl From<OrganisationId> for OrganisationRef {
    fn from(id: OrganisationId) -> Self {
        Self::Id(id)
    }
}

/// A stored organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organisation {
    /// Its id.
    pub id: OrganisationId,
    /// Unique display name.
    pub name: String,
    /// Unique short name, used in place of the id.
    pub slug: Slug,
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
    /// Unique short name; `None`: derived from the name when stored (with a numeric suffix
    /// if another organisation has it).
    pub slug: Option<Slug>,
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
    /// Short name; `None`: derived from the name (on creation) or kept (on update).
    pub slug: Option<&'a str>,
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
        let slug = match self.slug {
            None => Some(None),
            Some(slug) => checker.check("slug", Slug::parse(slug).map(Some)),
        };
        let kind = checker.check("kind", OrganisationKind::parse(self.kind));
        let country = checker.check("country", CountryCode::parse(self.country));
        let contact_email = if self.contact_email.trim().is_empty() {
            Some(None)
        } else {
            checker.check("contact_email", Email::parse(self.contact_email).map(Some))
        };
        match (name, slug, kind, country, contact_email) {
            (Some(name), Some(slug), Some(kind), Some(country), Some(contact_email)) if checker.is_clean() => {
                Ok(NewOrganisation { name, slug, kind, country, contact_email })
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
        let draft =
            OrganisationDraft { name: " ", slug: Some("-x"), kind: "police", country: "XX", contact_email: "nope" };
        let error = draft.validate().unwrap_err();
        let fields: Vec<_> = error.issues.iter().map(|issue| issue.field.as_str()).collect();
        assert_eq!(fields, ["name", "slug", "kind", "country", "contact_email"]);
    }

    #[test]
    fn accepts_good_input() {
        let draft = OrganisationDraft {
            name: "PHAROS",
            slug: None,
            kind: "referral_unit",
            country: "fr",
            contact_email: "a@b.fr",
        };
        let org = draft.validate().unwrap();
        assert_eq!(org.slug, None);
        assert_eq!(org.kind, OrganisationKind::ReferralUnit);
        assert_eq!(org.country.as_str(), "FR");
    }

    #[test]
    fn slugs_are_derived_from_names() {
        for (name, slug) in [
            ("Videoshare (demo)", "videoshare-demo"),
            ("Unité nationale de signalement (demo)", "unite-nationale-de-signalement-demo"),
            ("  Straße & Œuvre — Ørsted  ", "strasse-oeuvre-orsted"),
            ("ＦＯＲＵＭ №1", "forum-no1"),
            ("Заря", "org"),
            ("---", "org"),
        ] {
            assert_eq!(Slug::from_name(name).as_str(), slug, "{name}");
            assert_eq!(Slug::parse(slug).map(|parsed| parsed.0), Ok(slug.to_owned()), "derived slugs are valid");
        }
        let long = Slug::from_name(&"a".repeat(300));
        assert_eq!(long.as_str().len(), Slug::MAX_LEN - SUFFIX_ROOM);
        assert_eq!(long.with_suffix(123_456).as_str().len(), Slug::MAX_LEN);
        assert!(Slug::parse(long.with_suffix(123_456).as_str()).is_ok());
        assert_eq!(Slug::from_name("Forum Libre").with_suffix(2).as_str(), "forum-libre-2");
        let taken = ["forum", "forum-2", "forum-4"];
        assert_eq!(Slug::from_name("Forum").first_free(|slug| taken.contains(&slug)).as_str(), "forum-3");
        assert_eq!(Slug::from_name("Forum bis").first_free(|slug| taken.contains(&slug)).as_str(), "forum-bis");
    }

    #[test]
    fn slugs_follow_the_rule() {
        for good in ["a", "0", "videoshare", "a-b-", &"x".repeat(63)] {
            assert!(Slug::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "-a", "A", "a b", "é", "a_b", &"x".repeat(64)] {
            assert!(Slug::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn references_are_ids_or_text() {
        let id = OrganisationId::new_v7();
        assert_eq!(OrganisationRef::parse(&format!(" {id} ")), Ok(OrganisationRef::Id(id)));
        assert_eq!(OrganisationRef::parse(" videoshare "), Ok(OrganisationRef::SlugOrName("videoshare".into())));
        assert_eq!(
            OrganisationRef::parse("Videoshare (demo)"),
            Ok(OrganisationRef::SlugOrName("Videoshare (demo)".into()))
        );
        assert!(OrganisationRef::parse("  ").is_err());
        assert!(OrganisationRef::parse("a\u{0}b").is_err());
    }

    #[test]
    fn kinds_round_trip() {
        for kind in OrganisationKind::ALL {
            assert_eq!(OrganisationKind::parse(kind.as_str()), Ok(kind));
        }
    }
}
