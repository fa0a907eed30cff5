//! Hash banks: named lists of known signals (hashes, URLs) with provenance and labels, and the
//! rules for reading them from people and files.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::ids::{BankId, OrganisationId};
use crate::validate::{Checker, ValidationError, bounded_text};

/// The kind of signal a bank holds; one bank holds one kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SignalType {
    /// PDQ perceptual image hash: 64 hex digits, matched by Hamming distance.
    Pdq,
    /// vPDQ video hash: a list of frame PDQ hashes.
    Vpdq,
    /// MD5 of the file bytes: 32 hex digits, exact match.
    Md5,
    /// SHA-256 of the file bytes: 64 hex digits, exact match.
    Sha256,
    /// A URL, matched exactly after normalisation.
    Url,
}

impl SignalType {
    /// Every type.
    pub const ALL: [Self; 5] = [Self::Pdq, Self::Vpdq, Self::Md5, Self::Sha256, Self::Url];

    /// The stable text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pdq => "pdq",
            Self::Vpdq => "vpdq",
            Self::Md5 => "md5",
            Self::Sha256 => "sha256",
            Self::Url => "url",
        }
    }

    /// Parses the text form, also accepting the names python-threatexchange and HMA use.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "pdq" => Ok(Self::Pdq),
            "vpdq" => Ok(Self::Vpdq),
            "md5" | "video_md5" | "photo_md5" => Ok(Self::Md5),
            "sha256" | "sha-256" => Ok(Self::Sha256),
            "url" => Ok(Self::Url),
            _ => Err(format!("must be one of: {}", Self::ALL.map(Self::as_str).join(", "))),
        }
    }

    /// Whether signals match by distance (perceptual) rather than equality.
    pub fn is_perceptual(self) -> bool {
        matches!(self, Self::Pdq | Self::Vpdq)
    }

    /// The default match threshold: 31 bits for PDQ and vPDQ frames (the reference's), 0 otherwise.
    pub fn default_threshold(self) -> u32 {
        if self.is_perceptual() { 31 } else { 0 }
    }
}

impl fmt::Display for SignalType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who, beyond the owner organisation and the instance's admins, may learn of a bank and its
/// signals; in the manner of ThreatExchange's privacy groups, set by the owner and changeable at
/// any time. The rules that apply it are [`crate::access::Permission::SeeBank`] and
/// [`crate::access::Permission::ReadBankSignals`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BankVisibility {
    /// Only the owner organisation (and the instance's admins) know the bank exists. The
    /// default: a bank is shared by deciding to, never by forgetting not to.
    #[default]
    Private,
    /// Others may match against it and learn that, and where, a query matched: the bank's name,
    /// the signal's labels, the distance. Never the stored value or any id.
    Match,
    /// Others may also read its signals: values, ids, provenance, export.
    Shared,
}

impl BankVisibility {
    /// Every level, from least to most open.
    pub const ALL: [Self; 3] = [Self::Private, Self::Match, Self::Shared];

    /// The stable text used in the API, the CLI and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Private => "private",
            Self::Match => "match",
            Self::Shared => "shared",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|level| level.as_str() == text)
            .ok_or_else(|| format!("must be one of: {}", Self::ALL.map(Self::as_str).join(", ")))
    }
}

impl fmt::Display for BankVisibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The longest description of a bank.
pub const MAX_DESCRIPTION_CHARS: usize = 1000;
/// The longest `source` (where a signal came from) or `external_id` (its id there).
pub const MAX_ORIGIN_CHARS: usize = 200;

/// A stored bank.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bank {
    /// Its id.
    pub id: BankId,
    /// The organisation that owns (curates) it.
    pub organisation_id: OrganisationId,
    /// Unique name, such as `GIFCT-HSDB-PDQ`.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// The type of its signals.
    pub signal_type: SignalType,
    /// Largest distance counted as a match (perceptual types); 0 for exact types.
    pub match_threshold: u32,
    /// PDQ queries below this quality are still answered, with a warning.
    pub min_quality: u32,
    /// Whether its matches may be acted on without a human (off by default: over-blocking is a failure too).
    pub auto_action: bool,
    /// Disabled banks match nothing.
    pub enabled: bool,
    /// Who else may learn of it and its signals.
    pub visibility: BankVisibility,
    /// How many signals it holds (enabled or not).
    pub signal_count: i64,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl Bank {
    /// Whether images may be added: an image is stored as its PDQ hash, so only a PDQ bank takes
    /// one. The refusal names the bank and its type, since the name alone does not show it.
    pub fn check_takes_images(&self) -> Result<(), String> {
        if self.signal_type == SignalType::Pdq {
            return Ok(());
        }
        Err(format!("bank {:?} holds {} signals; images are added to a pdq bank", self.name, self.signal_type))
    }
}

/// Validated input for a new bank.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewBank {
    /// Owner.
    pub organisation_id: OrganisationId,
    /// Unique name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Signal type.
    pub signal_type: SignalType,
    /// Threshold.
    pub match_threshold: u32,
    /// Minimum PDQ quality.
    pub min_quality: u32,
    /// Automatic action allowed.
    pub auto_action: bool,
    /// Who else may learn of it.
    pub visibility: BankVisibility,
}

/// Unvalidated bank fields.
#[derive(Clone, Debug)]
pub struct BankDraft<'a> {
    /// Owner.
    pub organisation_id: OrganisationId,
    /// Name: letters, digits, `-`, `_`, `.`; 1-100 characters.
    pub name: &'a str,
    /// Description, up to 1000 characters.
    pub description: &'a str,
    /// Signal type text.
    pub signal_type: &'a str,
    /// Threshold; the type's default when absent.
    pub match_threshold: Option<u32>,
    /// Minimum quality; 50 when absent.
    pub min_quality: Option<u32>,
    /// Automatic action; off when absent.
    pub auto_action: Option<bool>,
    /// Visibility text; private when absent.
    pub visibility: Option<&'a str>,
}

/// The quality below which PDQ hashes are usually not used for matching.
pub const DEFAULT_MIN_QUALITY: u32 = 50;

impl BankDraft<'_> {
    /// Checks every field.
    pub fn validate(&self) -> Result<NewBank, ValidationError> {
        let mut checker = Checker::default();
        let name = checker.check("name", bank_name(self.name));
        let description = checker.check("description", bounded_text(self.description, 0, MAX_DESCRIPTION_CHARS));
        let signal_type = checker.check("signal_type", SignalType::parse(self.signal_type));
        let threshold = match (signal_type, self.match_threshold) {
            (Some(kind), Some(threshold)) if kind.is_perceptual() && threshold > 128 => {
                checker.push("match_threshold", "must be at most 128 bits (PDQ's usual threshold is 31)");
                None
            }
            (Some(kind), Some(threshold)) if !kind.is_perceptual() && threshold != 0 => {
                checker.push("match_threshold", "must be 0: this signal type matches exactly");
                None
            }
            (Some(kind), threshold) => Some(threshold.unwrap_or(kind.default_threshold())),
            (None, _) => None,
        };
        let min_quality = self.min_quality.unwrap_or(DEFAULT_MIN_QUALITY);
        if min_quality > 100 {
            checker.push("min_quality", "must be between 0 and 100");
        }
        let visibility = match self.visibility {
            Some(text) => checker.check("visibility", BankVisibility::parse(text)),
            None => Some(BankVisibility::default()),
        };
        match (name, description, signal_type, threshold, visibility) {
            (Some(name), Some(description), Some(signal_type), Some(match_threshold), Some(visibility))
                if checker.is_clean() =>
            {
                Ok(NewBank {
                    organisation_id: self.organisation_id,
                    name,
                    description,
                    signal_type,
                    match_threshold,
                    min_quality,
                    auto_action: self.auto_action.unwrap_or(false),
                    visibility,
                })
            }
            _ => Err(checker.into_error()),
        }
    }
}

fn bank_name(text: &str) -> Result<String, String> {
    let name = bounded_text(text, 1, 100)?;
    if name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
        Ok(name)
    } else {
        Err("may hold only letters, digits, `-`, `_` and `.` (it is used on command lines)".into())
    }
}

/// A label on a signal: `namespace:value`, in the spirit of GIFCT's hash-sharing taxonomy.
///
/// - `content:` what it is: `attack_footage`, `perpetrator_manifesto`, `branded_publication`,
///   `execution`, `propaganda_image`, `propaganda_video`, `instructional_material`, `insignia`.
/// - `behaviour:` what it does: `glorification`, `recruitment`, `incitement`, `instruction`,
///   `threat`, `financing`.
/// - `entity:` who produced it: a lower-case slug (`[a-z0-9_-]`, such as a UN-sanctioned group's name).
/// - `source:` where the signal came from (an exchange or organisation slug), and `incident:` a
///   crisis-response incident it belongs to; free slugs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Label(String);

const CONTENT_LABELS: &[&str] = &[
    "attack_footage",
    "perpetrator_manifesto",
    "branded_publication",
    "execution",
    "propaganda_image",
    "propaganda_video",
    "instructional_material",
    "insignia",
];
const BEHAVIOUR_LABELS: &[&str] = &["glorification", "recruitment", "incitement", "instruction", "threat", "financing"];

impl Label {
    /// Parses and checks a label against the taxonomy.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim().to_ascii_lowercase();
        let Some((namespace, value)) = text.split_once(':') else {
            return Err(format!("label {text:?} must be namespace:value, such as content:attack_footage"));
        };
        let slug = !value.is_empty()
            && value.len() <= 64
            && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        let valid = match namespace {
            "content" => CONTENT_LABELS.contains(&value),
            "behaviour" | "behavior" => BEHAVIOUR_LABELS.contains(&value),
            "entity" | "source" | "incident" => slug,
            _ => {
                return Err(format!(
                    "label namespace {namespace:?} must be content, behaviour, entity, source or incident"
                ));
            }
        };
        if !valid {
            return Err(match namespace {
                "content" => format!("content label must be one of: {}", CONTENT_LABELS.join(", ")),
                "behaviour" | "behavior" => format!("behaviour label must be one of: {}", BEHAVIOUR_LABELS.join(", ")),
                _ => format!("{namespace} label must be a slug of a-z, 0-9, _ and - (at most 64)"),
            });
        }
        let namespace = if namespace == "behavior" { "behaviour" } else { namespace };
        Ok(Self(format!("{namespace}:{value}")))
    }

    /// The text form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Parses labels, sorted and without duplicates.
pub fn parse_labels<S: AsRef<str>>(texts: &[S]) -> Result<Vec<Label>, String> {
    let mut labels = texts
        .iter()
        .filter(|text| !text.as_ref().trim().is_empty())
        .map(|text| Label::parse(text.as_ref()))
        .collect::<Result<Vec<_>, _>>()?;
    labels.sort();
    labels.dedup();
    if labels.len() > 20 {
        return Err("at most 20 labels per signal".into());
    }
    Ok(labels)
}

/// Checks and canonicalises a signal value of `signal_type`: lower-case hex of the right length
/// for hashes, a normalised URL for URLs, the reference text form for vPDQ.
pub fn canonical_value(signal_type: SignalType, text: &str) -> Result<String, String> {
    let text = text.trim();
    match signal_type {
        SignalType::Pdq => hex_of_length(text, 64, "a PDQ hash"),
        SignalType::Sha256 => hex_of_length(text, 64, "a SHA-256 digest"),
        SignalType::Md5 => hex_of_length(text, 32, "an MD5 digest"),
        SignalType::Url => crate::url::normalise(text),
        SignalType::Vpdq => canonical_vpdq(text),
    }
}

/// The key that makes a signal unique in its bank: the value itself when it is short (hashes), its
/// SHA-256 when it can be long (URLs, vPDQ), so the uniqueness index stays small.
pub fn value_key(signal_type: SignalType, canonical: &str) -> String {
    use sha2::{Digest, Sha256};
    match signal_type {
        SignalType::Pdq | SignalType::Md5 | SignalType::Sha256 => canonical.to_owned(),
        SignalType::Url | SignalType::Vpdq => hex::encode(Sha256::digest(canonical.as_bytes())),
    }
}

fn hex_of_length(text: &str, digits: usize, what: &str) -> Result<String, String> {
    if text.len() != digits {
        return Err(format!("{what} must be {digits} hex digits, not {}", text.chars().count()));
    }
    if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("{what} must be hex digits (0-9, a-f)"));
    }
    Ok(text.to_ascii_lowercase())
}

/// vPDQ signals are stored as their frame hashes, `;`-separated (`quality:hex` per frame), a
/// compact form of the reference's `frame,quality,hex,seconds` lines that keeps what matching needs.
fn canonical_vpdq(text: &str) -> Result<String, String> {
    let mut frames = Vec::new();
    for (index, part) in text.split([';', '\n']).map(str::trim).filter(|part| !part.is_empty()).enumerate() {
        let fields: Vec<&str> = part.split([',', ':']).map(str::trim).collect();
        let (quality, hash) = match fields.as_slice() {
            [quality, hash] => (*quality, *hash),
            [_frame, quality, hash, _seconds] => (*quality, *hash),
            _ => return Err(format!("vPDQ frame {} must be quality:hex or frame,quality,hex,seconds", index + 1)),
        };
        let quality: u32 = quality
            .parse()
            .ok()
            .filter(|quality| *quality <= 100)
            .ok_or(format!("vPDQ frame {} has a bad quality", index + 1))?;
        let hash = hex_of_length(hash, 64, "a vPDQ frame hash")
            .map_err(|message| format!("frame {}: {message}", index + 1))?;
        frames.push(format!("{quality}:{hash}"));
    }
    if frames.is_empty() {
        return Err("a vPDQ hash needs at least one frame".into());
    }
    if frames.len() > 100_000 {
        return Err("a vPDQ hash may have at most 100000 frames".into());
    }
    Ok(frames.join(";"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bank_defaults_and_rules() {
        let organisation_id = OrganisationId::new_v7();
        let draft = |signal_type, threshold| BankDraft {
            organisation_id,
            name: "gifct-pdq",
            description: "",
            signal_type,
            match_threshold: threshold,
            min_quality: None,
            auto_action: None,
            visibility: None,
        };
        let bank = draft("pdq", None).validate().unwrap();
        assert_eq!((bank.match_threshold, bank.min_quality, bank.auto_action), (31, 50, false));
        assert_eq!(bank.visibility, BankVisibility::Private, "private unless the owner decides otherwise");
        let shared = BankDraft { visibility: Some(" Shared "), ..draft("pdq", None) };
        assert_eq!(shared.validate().unwrap().visibility, BankVisibility::Shared);
        let unknown = BankDraft { visibility: Some("public"), ..draft("pdq", None) };
        let issue = &unknown.validate().unwrap_err().issues[0];
        assert_eq!(issue.field, "visibility");
        assert!(issue.message.contains("private, match, shared"), "{}", issue.message);
        assert_eq!(draft("md5", None).validate().unwrap().match_threshold, 0);
        assert!(draft("md5", Some(3)).validate().is_err());
        assert!(draft("pdq", Some(200)).validate().is_err());
        assert!(draft("tmk", None).validate().is_err());
        let spaced = BankDraft { name: "has space", ..draft("pdq", None) };
        assert_eq!(spaced.validate().unwrap_err().issues[0].field, "name");
    }

    #[test]
    fn labels() {
        assert_eq!(Label::parse("Content:Attack_Footage").unwrap().as_str(), "content:attack_footage");
        assert_eq!(Label::parse("behavior:recruitment").unwrap().as_str(), "behaviour:recruitment");
        assert!(Label::parse("content:cats").is_err());
        assert!(Label::parse("entity:Some Group").is_err());
        assert!(Label::parse("nonsense").is_err());
        assert_eq!(parse_labels(&["entity:x", "entity:x", ""]).unwrap().len(), 1);
    }

    #[test]
    fn values() {
        let pdq = "F".repeat(64);
        assert_eq!(canonical_value(SignalType::Pdq, &pdq).unwrap(), "f".repeat(64));
        assert!(canonical_value(SignalType::Pdq, &"f".repeat(63)).unwrap_err().contains("64 hex digits"));
        assert!(canonical_value(SignalType::Pdq, &"g".repeat(64)).is_err());
        assert!(canonical_value(SignalType::Md5, &"a".repeat(32)).is_ok());
        let frames = format!("0,100,{pdq},0.000\n1,90,{pdq},1.000");
        assert_eq!(canonical_value(SignalType::Vpdq, &frames).unwrap(), format!("100:{0};90:{0}", "f".repeat(64)));
        assert!(canonical_value(SignalType::Vpdq, "").is_err());
    }
}
