//! Signed checkpoints of the audit chain's head, in the manner of Certificate Transparency's
//! signed tree heads (RFC 6962 §3.5), written as a C2SP signed note (c2sp.org/signed-note)
//! whose text has the shape of a C2SP checkpoint (c2sp.org/tlog-checkpoint):
//!
//! ```text
//! vigie/4f1c0a9e2b7d3c68          ← origin: the log's name, also the signing key's name
//! 1234                            ← the head's sequence number (= number of events)
//! q2J6l0mT4Q3XnK1a8c0H1Jp5pN7a0b9Wq2J6l0mT4Q0=   ← the head's hash, base64 of its 32 bytes
//! time 2026-05-01T12:00:00Z       ← when it was signed (UTC, seconds)
//!
//! — vigie/4f1c0a9e2b7d3c68 <base64(4-byte key id || 64-byte Ed25519 signature)>
//! ```
//!
//! The signature is Ed25519 (RFC 8032) over the text's bytes: every line above the blank one,
//! each with its newline. The key id is the first 4 bytes of
//! `SHA-256(key name || 0x0A || 0x01 || public key)`. Keys are written in the formats of Go's
//! `golang.org/x/mod/sumdb/note`: `PRIVATE+KEY+<name>+<id hex>+<base64(0x01 || seed)>` and
//! `<name>+<id hex>+<base64(0x01 || public key)>`, so any signed-note implementation can check a
//! checkpoint without Vigie.
//!
//! Unlike a tlog checkpoint, the third line is the head of a hash chain, not a Merkle tree root:
//! a checkpoint at sequence N vouches for every event up to N through the chain's hashes.
//!
//! Pure: the key's random seed and the time are passed in by the caller.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use ed25519_dalek::{Signer as _, SigningKey};
use signed_note::{Note, NoteError, Signature, StandardVerifier, Verifier, VerifierList};
use zeroize::Zeroizing;

/// The largest checkpoint accepted for verification, in bytes (ours are about 200).
pub const MAX_CHECKPOINT_BYTES: usize = 16 * 1024;

/// The signed-note signature type of Ed25519.
const ED25519: u8 = 0x01;

/// What a checkpoint states: the head of the chain of log `origin` at a moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's name; equal to the name of the key that signs it.
    pub origin: String,
    /// Sequence number of the head event (the number of events, since they count from 1).
    pub sequence: i64,
    /// The head event's hash, in hex as everywhere else in Vigie.
    pub head_hash: String,
    /// When it was signed, to the second.
    pub signed_at: DateTime<Utc>,
}

/// Why a checkpoint or a key is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// Not a checkpoint in Vigie's format.
    #[error("malformed checkpoint: {0}")]
    Malformed(String),
    /// No signature from a key this verifier trusts.
    #[error("not signed by a trusted key: signed by {signed_by}; trusted: {trusted}")]
    UntrustedKey {
        /// The keys (`name+id`) that signed it.
        signed_by: String,
        /// The keys (`name+id`) that would be accepted.
        trusted: String,
    },
    /// A trusted key's signature does not match the text.
    #[error("the signature of {key} does not match the checkpoint's text: it was altered or forged")]
    BadSignature {
        /// The key (`name+id`).
        key: String,
    },
    /// A key that cannot be used.
    #[error("invalid key: {0}")]
    Key(String),
}

impl CheckpointError {
    /// Stable slug for the API.
    pub fn slug(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed-checkpoint",
            Self::UntrustedKey { .. } => "untrusted-key",
            Self::BadSignature { .. } => "bad-signature",
            Self::Key(_) => "invalid-key",
        }
    }
}

fn malformed(message: impl Into<String>) -> CheckpointError {
    CheckpointError::Malformed(message.into())
}

/// Whether `name` may name a key and a log (signed-note: non-empty, no spaces, no `+`).
pub fn valid_key_name(name: &str) -> bool {
    signed_note::is_key_name_valid(name) && name.len() <= 200 && !name.chars().any(char::is_control)
}

impl Checkpoint {
    /// The checkpoint of the head `(sequence, head_hash)` of log `origin` at `signed_at`
    /// (truncated to the second, as written).
    pub fn new(origin: &str, sequence: i64, head_hash: &str, signed_at: DateTime<Utc>) -> Self {
        Self {
            origin: origin.to_owned(),
            sequence,
            head_hash: head_hash.to_owned(),
            signed_at: signed_at.trunc_subsecs(0),
        }
    }

    /// The text that is signed.
    pub fn text(&self) -> Result<String, CheckpointError> {
        if !valid_key_name(&self.origin) {
            return Err(malformed("the origin must be non-empty, without spaces or `+`"));
        }
        if self.sequence < 0 {
            return Err(malformed("the sequence number is negative"));
        }
        let hash = hex::decode(&self.head_hash)
            .ok()
            .filter(|bytes| bytes.len() == 32)
            .ok_or_else(|| malformed("the head hash is not 64 hex digits"))?;
        Ok(format!(
            "{}\n{}\n{}\ntime {}\n",
            self.origin,
            self.sequence,
            BASE64.encode(hash),
            self.signed_at.to_rfc3339_opts(SecondsFormat::Secs, true)
        ))
    }

    /// Reads a checkpoint's text (strictly: exactly the four lines [`Checkpoint::text`] writes).
    pub fn parse_text(text: &str) -> Result<Self, CheckpointError> {
        let body = text.strip_suffix('\n').ok_or_else(|| malformed("the text does not end with a newline"))?;
        let lines: Vec<&str> = body.split('\n').collect();
        let [origin, size, hash, time] = lines[..] else {
            return Err(malformed(format!(
                "expected 4 lines (origin, sequence, head hash, time), found {}",
                lines.len()
            )));
        };
        if !valid_key_name(origin) {
            return Err(malformed("line 1: the origin must be non-empty, without spaces or `+`"));
        }
        let sequence: i64 =
            size.parse()
                .ok()
                .filter(|sequence: &i64| *sequence >= 0 && sequence.to_string() == size)
                .ok_or_else(|| malformed("line 2: the sequence must be a decimal number without leading zeros"))?;
        let hash_bytes = BASE64
            .decode(hash)
            .ok()
            .filter(|bytes| bytes.len() == 32 && BASE64.encode(bytes) == hash)
            .ok_or_else(|| malformed("line 3: the head hash must be the base64 of 32 bytes"))?;
        let signed_at = time
            .strip_prefix("time ")
            .and_then(|time| DateTime::parse_from_rfc3339(time).ok())
            .map(|time| time.with_timezone(&Utc))
            .ok_or_else(|| malformed("line 4: expected `time ` and an RFC 3339 time"))?;
        Ok(Self { origin: origin.to_owned(), sequence, head_hash: hex::encode(hash_bytes), signed_at })
    }
}

/// The key id of an Ed25519 public key named `name`, as signed-note computes it.
fn key_id(name: &str, public: &ed25519_dalek::VerifyingKey) -> u32 {
    let mut encoded = Vec::with_capacity(33);
    encoded.push(ED25519);
    encoded.extend_from_slice(public.as_bytes());
    signed_note::key_id(name, &encoded)
}

/// A log's signing key. Its `Debug` shows the name and key id, never the secret.
pub struct CheckpointKey {
    name: String,
    id: u32,
    signing: SigningKey,
}

impl std::fmt::Debug for CheckpointKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CheckpointKey({}+{:08x})", self.name, self.id)
    }
}

impl signed_note::Signer for CheckpointKey {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> u32 {
        self.id
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, signature::Error> {
        Ok(self.signing.sign(message).to_bytes().to_vec())
    }
}

impl CheckpointKey {
    /// The key named `name` whose secret is `seed` (32 random bytes from the caller).
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, CheckpointError> {
        if !valid_key_name(name) {
            return Err(CheckpointError::Key(
                "a key's name must be non-empty, without spaces or `+` (such as vigie.example.org/audit)".into(),
            ));
        }
        let signing = SigningKey::from_bytes(seed);
        let id = key_id(name, &signing.verifying_key());
        Ok(Self { name: name.to_owned(), id, signing })
    }

    /// Reads a private key written by [`CheckpointKey::private_key_text`] (Go's
    /// `note.NewSigner` format). Errors never repeat the text.
    pub fn from_private_key_text(text: &str) -> Result<Self, CheckpointError> {
        let invalid = |why: &str| CheckpointError::Key(format!("not a signing key: {why}"));
        let text = text.trim_end_matches(['\n', '\r']);
        let mut parts = text.splitn(5, '+');
        let (Some("PRIVATE"), Some("KEY"), Some(name), Some(id), Some(encoded)) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid("expected PRIVATE+KEY+<name>+<id>+<key>"));
        };
        let bytes = Zeroizing::new(BASE64.decode(encoded).map_err(|_| invalid("the key is not base64"))?);
        let Some((&ED25519, seed)) = bytes.split_first() else {
            return Err(invalid("not an Ed25519 key"));
        };
        let seed: &[u8; 32] = seed.try_into().map_err(|_| invalid("an Ed25519 key has 32 bytes"))?;
        let key = Self::from_seed(name, seed)?;
        if id.len() != 8 || u32::from_str_radix(id, 16).ok() != Some(key.id) {
            return Err(invalid("its id does not match its name and public key"));
        }
        Ok(key)
    }

    /// The private key as text, to be written to the key file and nowhere else.
    pub fn private_key_text(&self) -> Zeroizing<String> {
        let mut bytes = Zeroizing::new(Vec::with_capacity(33));
        bytes.push(ED25519);
        bytes.extend_from_slice(self.signing.as_bytes());
        Zeroizing::new(format!("PRIVATE+KEY+{}+{:08x}+{}\n", self.name, self.id, BASE64.encode(&*bytes)))
    }

    /// The public key to publish: `<name>+<id>+<base64(0x01 || public key)>`.
    pub fn verifier_key(&self) -> String {
        signed_note::new_ed25519_verifier_key(&self.name, &self.signing.verifying_key())
    }

    /// The key's (and its log's) name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `name+id`, how messages name the key.
    pub fn label(&self) -> String {
        format!("{}+{:08x}", self.name, self.id)
    }

    /// The signed note of `checkpoint`, whose origin must be this key's name.
    pub fn sign(&self, checkpoint: &Checkpoint) -> Result<String, CheckpointError> {
        if checkpoint.origin != self.name {
            return Err(malformed("a checkpoint's origin must be the name of the key that signs it"));
        }
        let text = checkpoint.text()?;
        let mut note = Note::new(text.as_bytes(), &[]).map_err(|error| malformed(error.to_string()))?;
        note.add_sigs(&[self as &dyn signed_note::Signer]).map_err(|error| malformed(error.to_string()))?;
        String::from_utf8(note.to_bytes()).map_err(|_| malformed("not UTF-8"))
    }
}

/// Public keys whose checkpoints are accepted.
#[derive(Clone, Default)]
pub struct TrustedKeys {
    keys: Vec<(String, StandardVerifier)>,
}

impl std::fmt::Debug for TrustedKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.labels()).finish()
    }
}

impl TrustedKeys {
    /// Adds a public key in the `<name>+<id>+<base64>` format (ignoring one already there).
    pub fn add(&mut self, verifier_key: &str) -> Result<(), CheckpointError> {
        let verifier_key = verifier_key.trim();
        let verifier = StandardVerifier::new(verifier_key).map_err(|error| {
            CheckpointError::Key(format!("not a public key of the form <name>+<8 hex digits>+<base64> ({error})"))
        })?;
        if !self.keys.iter().any(|(known, _)| known == verifier_key) {
            self.keys.push((verifier_key.to_owned(), verifier));
        }
        Ok(())
    }

    /// Whether no key is trusted (then signatures cannot be checked at all).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The trusted keys as published (`<name>+<id>+<base64>`).
    pub fn verifier_keys(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(text, _)| text.as_str())
    }

    /// The trusted keys as `name+id`.
    pub fn labels(&self) -> Vec<String> {
        self.keys.iter().map(|(_, verifier)| format!("{}+{:08x}", verifier.name(), verifier.key_id())).collect()
    }

    /// The published form of the key `name+id`, if trusted.
    pub fn verifier_key_of(&self, name: &str, id: u32) -> Option<&str> {
        self.keys
            .iter()
            .find(|(_, verifier)| verifier.name() == name && verifier.key_id() == id)
            .map(|(text, _)| text.as_str())
    }
}

/// A checkpoint whose signature verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedCheckpoint {
    /// What it states.
    pub checkpoint: Checkpoint,
    /// The key that signed it, as `name+id`.
    pub key: String,
    /// The note as received.
    pub note: String,
}

/// Checks `note`'s signature against `trusted` and reads the checkpoint it signs. The origin
/// must be the name of the trusted key that signed it.
pub fn open(note: &str, trusted: &TrustedKeys) -> Result<VerifiedCheckpoint, CheckpointError> {
    if note.len() > MAX_CHECKPOINT_BYTES {
        return Err(malformed(format!("larger than {MAX_CHECKPOINT_BYTES} bytes")));
    }
    let parsed = Note::from_bytes(note.as_bytes()).map_err(|_| {
        malformed("not a signed note (text lines, a blank line, then lines `— <key name> <base64 signature>`)")
    })?;
    let verifiers = VerifierList::new(
        trusted.keys.iter().map(|(_, verifier)| Box::new(verifier.clone()) as Box<dyn Verifier>).collect(),
    );
    let verified = match parsed.verify(&verifiers) {
        Ok((verified, _unknown)) => verified,
        Err(NoteError::InvalidSignature { name, id }) => {
            return Err(CheckpointError::BadSignature { key: format!("{name}+{id:08x}") });
        }
        Err(NoteError::UnverifiedNote) => {
            return Err(CheckpointError::UntrustedKey {
                signed_by: signers(note).join(", "),
                trusted: if trusted.is_empty() { "none".into() } else { trusted.labels().join(", ") },
            });
        }
        Err(error) => return Err(malformed(error.to_string())),
    };
    let text = std::str::from_utf8(parsed.text()).map_err(|_| malformed("not UTF-8"))?;
    let checkpoint = Checkpoint::parse_text(text)?;
    let Some(signature) = verified.iter().find(|signature| signature.name() == checkpoint.origin) else {
        return Err(malformed(format!(
            "its origin {:?} is not the name of the key that signed it ({})",
            checkpoint.origin,
            verified.iter().map(|signature| signature.name()).collect::<Vec<_>>().join(", ")
        )));
    };
    Ok(VerifiedCheckpoint {
        checkpoint,
        key: format!("{}+{:08x}", signature.name(), signature.id()),
        note: note.to_owned(),
    })
}

/// Reads a checkpoint *without* checking its signature, with the keys (`name+id`) that claim to
/// have signed it: for listing, or comparing with the chain when no public key is at hand.
pub fn read_unverified(note: &str) -> Result<(Checkpoint, Vec<String>), CheckpointError> {
    if note.len() > MAX_CHECKPOINT_BYTES {
        return Err(malformed(format!("larger than {MAX_CHECKPOINT_BYTES} bytes")));
    }
    let parsed = Note::from_bytes(note.as_bytes()).map_err(|_| malformed("not a signed note"))?;
    let text = std::str::from_utf8(parsed.text()).map_err(|_| malformed("not UTF-8"))?;
    Ok((Checkpoint::parse_text(text)?, signers(note)))
}

/// The log name Vigie gives a new key when none is configured: `vigie/` and the first 8 bytes
/// of the SHA-256 of its public key, in hex (unique, as RFC 6962's log ids are).
pub fn default_log_name(seed: &[u8; 32]) -> String {
    use sha2::Digest;
    let public = SigningKey::from_bytes(seed).verifying_key();
    format!("vigie/{}", hex::encode(&sha2::Sha256::digest(public.as_bytes())[..8]))
}

/// The keys (`name+id`) named by a note's signature lines, for messages.
fn signers(note: &str) -> Vec<String> {
    let Some((_, lines)) = note.rsplit_once("\n\n") else {
        return Vec::new();
    };
    lines
        .lines()
        .filter_map(|line| Signature::from_bytes(line.as_bytes()).ok())
        .map(|signature| format!("{}+{:08x}", signature.name(), signature.id()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example key, text and signature of Go's golang.org/x/mod/sumdb/note documentation:
    // the reference implementation of signed notes.
    const GO_PRIVATE_KEY: &str = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const GO_PUBLIC_KEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const GO_SIGNATURE: &str =
        "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    fn key(name: &str, byte: u8) -> CheckpointKey {
        CheckpointKey::from_seed(name, &[byte; 32]).unwrap()
    }

    fn trusting(key: &CheckpointKey) -> TrustedKeys {
        let mut trusted = TrustedKeys::default();
        trusted.add(&key.verifier_key()).unwrap();
        trusted
    }

    fn checkpoint(origin: &str) -> Checkpoint {
        let time = DateTime::from_timestamp(1_780_000_000, 123_456_000).unwrap();
        Checkpoint::new(origin, 1234, &"ab".repeat(32), time)
    }

    #[test]
    fn keys_are_those_of_the_go_reference() {
        let key = CheckpointKey::from_private_key_text(GO_PRIVATE_KEY).unwrap();
        assert_eq!(key.verifier_key(), GO_PUBLIC_KEY);
        assert_eq!(key.label(), "PeterNeumann+c74f20a3");
        assert_eq!(key.private_key_text().trim_end(), GO_PRIVATE_KEY);
        // Signing is Go's to the byte (Ed25519 is deterministic).
        let text =
            "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
        let mut note = Note::new(text.as_bytes(), &[]).unwrap();
        note.add_sigs(&[&key as &dyn signed_note::Signer]).unwrap();
        assert_eq!(String::from_utf8(note.to_bytes()).unwrap(), format!("{text}\n{GO_SIGNATURE}"));
        assert!(!format!("{key:?}").contains("AYEK"), "Debug shows the secret");
    }

    #[test]
    fn a_signed_checkpoint_opens_with_its_public_key() {
        let key = key("vigie.example/audit", 7);
        let note = key.sign(&checkpoint("vigie.example/audit")).unwrap();
        assert!(note.starts_with(&format!(
            "vigie.example/audit\n1234\n{}\ntime 2026-05-28T20:26:40Z\n\n— vigie.example/audit ",
            BASE64.encode([0xab; 32])
        )));
        let opened = open(&note, &trusting(&key)).unwrap();
        assert_eq!(opened.checkpoint, checkpoint("vigie.example/audit"));
        assert_eq!(opened.key, key.label());
        assert_eq!(opened.checkpoint.signed_at.timestamp_subsec_nanos(), 0);
    }

    #[test]
    fn altered_forged_or_foreign_checkpoints_are_refused() {
        let key = key("vigie.example/audit", 7);
        let trusted = trusting(&key);
        let note = key.sign(&checkpoint("vigie.example/audit")).unwrap();

        let altered = note.replacen("1234", "1235", 1);
        assert!(matches!(open(&altered, &trusted), Err(CheckpointError::BadSignature { .. })));

        let other = CheckpointKey::from_seed("vigie.example/audit", &[8; 32]).unwrap();
        let foreign = other.sign(&checkpoint("vigie.example/audit")).unwrap();
        let error = open(&foreign, &trusted).unwrap_err();
        assert!(matches!(error, CheckpointError::UntrustedKey { .. }), "{error}");
        assert!(error.to_string().contains(&other.label()), "{error}");

        // A signature moved onto another text.
        let signature = &note[note.rfind("\n\n").unwrap()..];
        let moved =
            format!("vigie.example/audit\n1\n{}\ntime 2026-05-28T20:26:40Z\n{signature}", BASE64.encode([1; 32]));
        assert!(matches!(open(&moved, &trusted), Err(CheckpointError::BadSignature { .. })));

        for garbage in ["", "hello\n", "a\n\n— b c\n", &"x".repeat(MAX_CHECKPOINT_BYTES + 1)] {
            assert!(matches!(open(garbage, &trusted), Err(CheckpointError::Malformed(_))), "{garbage:?}");
        }
        // A well-signed note that is not a checkpoint.
        let mut note = Note::new(b"vigie.example/audit\n12\n", &[]).unwrap();
        note.add_sigs(&[&key as &dyn signed_note::Signer]).unwrap();
        let text = String::from_utf8(note.to_bytes()).unwrap();
        assert!(matches!(open(&text, &trusted), Err(CheckpointError::Malformed(_))));
        // The origin must be the signer's name.
        let mut note = Note::new(checkpoint("elsewhere").text().unwrap().as_bytes(), &[]).unwrap();
        note.add_sigs(&[&key as &dyn signed_note::Signer]).unwrap();
        let text = String::from_utf8(note.to_bytes()).unwrap();
        assert!(matches!(open(&text, &trusted), Err(CheckpointError::Malformed(_))));
        assert!(key.sign(&checkpoint("elsewhere")).is_err());
    }

    #[test]
    fn checkpoint_text_is_strict() {
        let good = checkpoint("log").text().unwrap();
        assert_eq!(Checkpoint::parse_text(&good).unwrap(), checkpoint("log"));
        for bad in [
            good.replace("\n1234\n", "\n01234\n"),
            good.replace("\n1234\n", "\n-1\n"),
            good.replace("time ", "when "),
            good.trim_end().to_owned(),
            format!("{good}extra\n"),
            good.replace(&BASE64.encode([0xab; 32]), &BASE64.encode([0xab; 31])),
        ] {
            assert!(Checkpoint::parse_text(&bad).is_err(), "{bad:?}");
        }
        assert!(Checkpoint::new("has space", 1, &"00".repeat(32), Utc::now()).text().is_err());
        assert!(Checkpoint::new("log", 1, "abc", Utc::now()).text().is_err());
    }

    #[test]
    fn bad_keys_are_refused_without_repeating_them() {
        assert!(CheckpointKey::from_seed("two words", &[1; 32]).is_err());
        assert!(CheckpointKey::from_seed("a+b", &[1; 32]).is_err());
        let key = key("log", 3);
        let text = key.private_key_text();
        let wrong_id = text.replacen(&format!("{:08x}", key.id), "00000000", 1);
        assert!(CheckpointKey::from_private_key_text(&wrong_id).is_err());
        let error = CheckpointKey::from_private_key_text("PRIVATE+KEY+log+00000000+c2VjcmV0").unwrap_err();
        assert!(!error.to_string().contains("c2VjcmV0"));
        assert_eq!(CheckpointKey::from_private_key_text(&text).unwrap().verifier_key(), key.verifier_key());
        let mut trusted = TrustedKeys::default();
        assert!(trusted.add("log+00000000+AQ==").is_err());
        trusted.add(&key.verifier_key()).unwrap();
        trusted.add(&key.verifier_key()).unwrap();
        assert_eq!(trusted.labels(), vec![key.label()]);
    }
}
