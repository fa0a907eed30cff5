//! The audit trail's use cases shared by the API, the console, the CLI and the checkpoint
//! worker: verifying the chain and its signed checkpoints, signing new checkpoints, and the
//! signing key's file.
//!
//! A checkpoint (see `vigie_domain::audit::checkpoint`) signs the chain's head with a key kept
//! outside the database. Whoever keeps a copy can later prove that the trail still holds that
//! head: a rewrite re-hashed to the end gives another hash at that sequence, a truncation loses
//! the sequence. A checkpoint is only signed after the chain verifies from the last trusted
//! checkpoint to the head, so consecutive checkpoints are always consistent.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use vigie_domain::audit::checkpoint::{
    self, Checkpoint, CheckpointError, CheckpointKey, TrustedKeys, VerifiedCheckpoint,
};
use vigie_store::{ChainPoint, ChainReport, Store, StoreError, StoredCheckpoint};

/// The largest key file read, in bytes (a key is about 100).
const MAX_KEY_FILE_BYTES: u64 = 4096;

/// Problems listed in a verification report beyond which only a count is kept.
const MAX_PROBLEMS: usize = 100;

/// Stored checkpoints read per page during verification.
const CHECKPOINT_PAGE: u32 = 500;

/// This node's signing key and the public keys whose checkpoints it accepts.
#[derive(Debug, Default)]
pub struct AuditKeys {
    signer: Option<CheckpointKey>,
    trusted: TrustedKeys,
}

impl AuditKeys {
    /// No key: checkpoints can be neither signed nor checked (tests, and servers whose key
    /// could not be loaded).
    pub fn none() -> Self {
        Self::default()
    }

    /// `signer` (if any) signs; its public key and `others` are trusted.
    pub fn new(signer: Option<CheckpointKey>, mut others: TrustedKeys) -> Self {
        if let Some(signer) = &signer {
            // A key's own public key always parses.
            let _ = others.add(&signer.verifier_key());
        }
        Self { signer, trusted: others }
    }

    /// The key that signs this node's checkpoints.
    pub fn signer(&self) -> Option<&CheckpointKey> {
        self.signer.as_ref()
    }

    /// The public keys whose checkpoints are accepted.
    pub fn trusted(&self) -> &TrustedKeys {
        &self.trusted
    }
}

/// Reads the signing key at `path`; `None` when there is no such file. Refuses a file others
/// may read or write (as ssh does), and never repeats the file's content in an error.
pub fn read_key_file(path: &Path) -> anyhow::Result<Option<CheckpointKey>> {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error).with_context(|| format!("cannot read the audit key {}", path.display())),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            bail!(
                "the audit key {} may be read or written by others (mode {mode:04o}): run `chmod 600 {}`",
                path.display(),
                path.display()
            );
        }
    }
    if metadata.len() > MAX_KEY_FILE_BYTES {
        bail!("the audit key {} is larger than a key ({} bytes)", path.display(), metadata.len());
    }
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(path).with_context(|| format!("cannot read the audit key {}", path.display()))?,
    );
    let key = CheckpointKey::from_private_key_text(&text).with_context(|| format!("in {}", path.display()))?;
    Ok(Some(key))
}

/// Reads the signing key at `path`, or creates it (mode 0600) when there is none, named
/// `name` or, by default, after its public key. Returns the key and whether it was created.
/// Two processes creating it at once end up with the same key: the file appears whole, by a
/// hard link from a temporary file, and never replaces an existing one.
pub fn load_or_create_key_file(path: &Path, configured: Option<&str>) -> anyhow::Result<(CheckpointKey, bool)> {
    if let Some(key) = read_key_file(path)? {
        check_key_name(&key, configured, path)?;
        return Ok((key, false));
    }
    let mut seed = zeroize::Zeroizing::new([0_u8; 32]);
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut *seed);
    let name = configured.map_or_else(|| checkpoint::default_log_name(&seed), str::to_owned);
    let key = CheckpointKey::from_seed(&name, &seed).context("audit.origin")?;
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&directory)
        .with_context(|| format!("cannot create the directory of the audit key {}", path.display()))?;
    let temporary = directory.join(format!(".audit-key-{}.tmp", uuid::Uuid::now_v7().simple()));
    let written = (|| -> std::io::Result<()> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temporary)?;
        file.write_all(key.private_key_text().as_bytes())?;
        file.sync_all()?;
        std::fs::hard_link(&temporary, path)
    })();
    let _ = std::fs::remove_file(&temporary);
    match written {
        Ok(()) => {
            if let Ok(directory) = std::fs::File::open(&directory) {
                let _ = directory.sync_all();
            }
            Ok((key, true))
        }
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            // Another process created it first: use theirs.
            let key = read_key_file(path)?.context("the audit key vanished while being created")?;
            check_key_name(&key, configured, path)?;
            Ok((key, false))
        }
        Err(error) => Err(error).with_context(|| format!("cannot write the audit key {}", path.display())),
    }
}

fn check_key_name(key: &CheckpointKey, name: Option<&str>, path: &Path) -> anyhow::Result<()> {
    match name {
        Some(name) if name != key.name() => bail!(
            "the audit key {} names the log {:?} but audit.origin is {name:?}: remove the setting, or move the \
             key away to make a new one (checkpoints signed with the old key then need its public key to verify)",
            path.display(),
            key.name()
        ),
        _ => Ok(()),
    }
}

/// Something that keeps the trail from verifying.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditProblem {
    /// The event it concerns, when there is one.
    pub sequence: Option<i64>,
    /// Stable slug: a chain break (`missing`, `unreadable`, `unlinked`, `altered`,
    /// `head-mismatch`) or a checkpoint's (`truncated`, `rewritten`, `unconfirmed`,
    /// `malformed-checkpoint`, `bad-signature`, `untrusted-key`, `unreadable-checkpoint`).
    pub kind: &'static str,
    /// What is wrong, in words.
    pub message: String,
}

/// A checkpoint that holds: the chain still has its head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldCheckpoint {
    /// Where it came from (a file name, or `stored`).
    pub source: String,
    /// What it states.
    pub checkpoint: Checkpoint,
    /// The key that signed it (`name+id`).
    pub key: String,
    /// The signed note.
    pub note: String,
}

/// The outcome of verifying the trail.
#[derive(Debug)]
pub struct AuditVerification {
    /// The chain, from the first event to the recorded head.
    pub chain: ChainReport,
    /// Stored checkpoints that hold.
    pub stored_held: i64,
    /// Stored checkpoints in all.
    pub stored_total: i64,
    /// The given (kept) checkpoints that hold.
    pub kept_held: Vec<HeldCheckpoint>,
    /// Everything wrong, the chain's first break first; at most [`MAX_PROBLEMS`].
    pub problems: Vec<AuditProblem>,
    /// Problems found beyond those listed.
    pub problems_omitted: usize,
    /// No public key was at hand: stored checkpoints were compared with the chain but their
    /// signatures not checked.
    pub signatures_unchecked: bool,
}

impl AuditVerification {
    /// True when the chain verifies and every checkpoint holds.
    pub fn intact(&self) -> bool {
        self.problems.is_empty() && self.problems_omitted == 0
    }

    fn push(&mut self, problem: AuditProblem) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(problem);
        } else {
            self.problems_omitted += 1;
        }
    }
}

/// A checkpoint to check that someone kept outside the database.
#[derive(Clone, Debug)]
pub struct KeptCheckpoint {
    /// How to name it in messages (a file name).
    pub source: String,
    /// The signed note.
    pub note: String,
}

/// How a checkpoint compares with the verified chain.
fn compare(
    checkpoint: &Checkpoint,
    chain: &ChainReport,
    recorded_head: &ChainPoint,
) -> Result<(), (&'static str, String)> {
    let signed = checkpoint.signed_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let sequence = checkpoint.sequence;
    if let Some(hash) = chain.watched.get(&sequence) {
        if *hash == checkpoint.head_hash {
            return Ok(());
        }
        return Err((
            "rewritten",
            format!(
                "the trail was rewritten at or before event {sequence}: its hash is {hash}, the checkpoint signed at \
                 {signed} says {}",
                checkpoint.head_hash
            ),
        ));
    }
    let end = chain.head_sequence.max(recorded_head.sequence);
    if sequence > end {
        return Err((
            "truncated",
            format!(
                "the trail was truncated: it ends at event {end}, but the checkpoint signed at {signed} vouches for \
                 {sequence} events"
            ),
        ));
    }
    let broken = chain.first_break.as_ref().map_or_else(String::new, |chain_break| format!(" ({chain_break})"));
    Err(("unconfirmed", format!("event {sequence} cannot be confirmed: the chain does not verify up to it{broken}")))
}

/// Verifies the whole chain, every stored checkpoint (signature and agreement with the chain)
/// and the `kept` checkpoints, against the public keys `trusted`.
pub async fn verify(
    store: &Store,
    trusted: &TrustedKeys,
    kept: &[KeptCheckpoint],
) -> Result<AuditVerification, StoreError> {
    let mut problems = Vec::new();
    let mut opened: Vec<(String, VerifiedCheckpoint)> = Vec::new();
    for kept in kept {
        match checkpoint::open(&kept.note, trusted) {
            Ok(verified) => opened.push((kept.source.clone(), verified)),
            Err(error) => problems.push(AuditProblem {
                sequence: None,
                kind: error.slug(),
                message: format!("checkpoint {} refused: {error}", kept.source),
            }),
        }
    }
    let mut watch = store.audit_checkpoint_sequences().await?;
    watch.extend(opened.iter().map(|(_, verified)| verified.checkpoint.sequence));
    let chain = store.verify_audit_chain_watching(&watch).await?;
    let recorded_head = store.audit_head().await?;
    let mut report = AuditVerification {
        chain,
        stored_held: 0,
        stored_total: 0,
        kept_held: Vec::new(),
        problems: Vec::new(),
        problems_omitted: 0,
        signatures_unchecked: trusted.is_empty(),
    };
    if let Some(chain_break) = report.chain.first_break.clone() {
        report.push(AuditProblem {
            sequence: Some(chain_break.sequence),
            kind: chain_break.kind.as_str(),
            message: chain_break.to_string(),
        });
    }
    for problem in problems {
        report.push(problem);
    }
    for (source, verified) in opened {
        match compare(&verified.checkpoint, &report.chain, &recorded_head) {
            Ok(()) => report.kept_held.push(HeldCheckpoint {
                source,
                checkpoint: verified.checkpoint,
                key: verified.key,
                note: verified.note,
            }),
            Err((kind, message)) => report.push(AuditProblem {
                sequence: Some(verified.checkpoint.sequence),
                kind,
                message: format!("checkpoint {source}: {message}"),
            }),
        }
    }
    let mut offset = 0_i64;
    loop {
        let rows = store.audit_checkpoints_page(offset, CHECKPOINT_PAGE).await?;
        let fetched = rows.len();
        offset += fetched as i64;
        for row in rows {
            report.stored_total += 1;
            let stored = match row {
                Ok(stored) => stored,
                Err(bad) => {
                    report.push(AuditProblem {
                        sequence: bad.sequence,
                        kind: "unreadable-checkpoint",
                        message: format!("a stored checkpoint cannot be read: {}", bad.problem),
                    });
                    continue;
                }
            };
            let read = if trusted.is_empty() {
                checkpoint::read_unverified(&stored.note).map(|(checkpoint, _)| (checkpoint, None))
            } else {
                checkpoint::open(&stored.note, trusted).map(|verified| (verified.checkpoint, Some(verified.key)))
            };
            let checkpoint = match read {
                Ok((checkpoint, _)) if checkpoint.sequence != stored.sequence => Err(CheckpointError::Malformed(
                    format!("its note signs event {} but its row says {}", checkpoint.sequence, stored.sequence),
                )),
                other => other.map(|(checkpoint, _)| checkpoint),
            };
            let problem = match checkpoint {
                Err(error) => Some((error.slug(), error.to_string())),
                Ok(checkpoint) => compare(&checkpoint, &report.chain, &recorded_head).err(),
            };
            match problem {
                None => report.stored_held += 1,
                Some((kind, message)) => report.push(AuditProblem {
                    sequence: Some(stored.sequence),
                    kind,
                    message: format!("stored checkpoint {} of event {}: {message}", stored.id, stored.sequence),
                }),
            }
        }
        if fetched < CHECKPOINT_PAGE as usize {
            break;
        }
    }
    Ok(report)
}

/// When to sign a checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckpointMode {
    /// Only when the head moved past the latest stored checkpoint (the periodic worker).
    IfHeadMoved,
    /// Always, with a fresh time (on demand).
    Always,
}

/// Why no checkpoint was signed.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointRefusal {
    /// This node has no signing key.
    #[error("this server has no audit signing key")]
    NoKey,
    /// There is no event to vouch for.
    #[error("the audit trail is empty: there is nothing to checkpoint yet")]
    Empty,
    /// The chain does not verify from the last checkpoint to the head: signing would vouch
    /// for a damaged trail.
    #[error("the audit chain does not verify, so it was not checkpointed: {0}")]
    ChainBroken(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The latest stored checkpoint that opens with `trusted`.
async fn latest_trusted(store: &Store, trusted: &TrustedKeys) -> Result<Option<Checkpoint>, StoreError> {
    let mut before = None;
    loop {
        let rows = store.list_audit_checkpoints(before, 100).await?;
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        let next_before = match last {
            Ok(stored) => Some(stored.sequence),
            Err(bad) => bad.sequence,
        };
        for stored in rows.iter().flatten() {
            if let Ok(verified) = checkpoint::open(&stored.note, trusted) {
                return Ok(Some(verified.checkpoint));
            }
        }
        if rows.len() < 100 || next_before.is_none() || next_before == before {
            return Ok(None);
        }
        before = next_before;
    }
}

/// Signs a checkpoint of the chain's head with this node's key and stores it, after checking
/// that the chain verifies from the latest trusted checkpoint (or the first event) to the head.
/// `None` when `mode` is [`CheckpointMode::IfHeadMoved`] and the head has not moved.
pub async fn make_checkpoint(
    store: &Store,
    keys: &AuditKeys,
    mode: CheckpointMode,
) -> Result<Option<StoredCheckpoint>, CheckpointRefusal> {
    let key = keys.signer().ok_or(CheckpointRefusal::NoKey)?;
    let head = store.audit_head().await?;
    if head.sequence == 0 {
        return Err(CheckpointRefusal::Empty);
    }
    let previous = latest_trusted(store, keys.trusted()).await?;
    if let Some(previous) = &previous {
        if previous.sequence > head.sequence {
            let signed = previous.signed_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            return Err(CheckpointRefusal::ChainBroken(format!(
                "the trail was truncated: it ends at event {}, but the checkpoint signed at {signed} vouches for {} events",
                head.sequence, previous.sequence
            )));
        }
        if mode == CheckpointMode::IfHeadMoved && previous.sequence == head.sequence {
            return Ok(None);
        }
    }
    let start = previous.map_or_else(ChainPoint::genesis, |previous| ChainPoint {
        sequence: previous.sequence,
        hash: previous.head_hash,
    });
    let walk = store.walk_audit_chain(&start, Some(head.sequence), &BTreeSet::new()).await?;
    if let Some(chain_break) = walk.first_break {
        return Err(CheckpointRefusal::ChainBroken(chain_break.to_string()));
    }
    if walk.head_hash != head.hash {
        return Err(CheckpointRefusal::ChainBroken(format!(
            "event {}: the chain's recorded end does not match its events",
            head.sequence
        )));
    }
    let checkpoint = Checkpoint::new(key.name(), head.sequence, &head.hash, store.now());
    let note = key.sign(&checkpoint).map_err(|error| CheckpointRefusal::ChainBroken(error.to_string()))?;
    Ok(store
        .insert_audit_checkpoint(checkpoint.sequence, checkpoint.signed_at, &note, mode == CheckpointMode::IfHeadMoved)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files_are_created_private_and_read_back() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("keys/audit.key");
        let (key, created) = load_or_create_key_file(&path, None).unwrap();
        assert!(created);
        assert!(key.name().starts_with("vigie/"), "{}", key.name());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let (again, created) = load_or_create_key_file(&path, None).unwrap();
        assert!(!created);
        assert_eq!(again.verifier_key(), key.verifier_key());
        // A configured name that is not the key's is a mistake worth stopping for.
        assert!(load_or_create_key_file(&path, Some("other/log")).is_err());
        let named = directory.path().join("named.key");
        assert_eq!(
            load_or_create_key_file(&named, Some("vigie.example/audit")).unwrap().0.name(),
            "vigie.example/audit"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let error = read_key_file(&path).unwrap_err();
            assert!(error.to_string().contains("chmod 600"), "{error}");
        }
        assert!(read_key_file(&directory.path().join("absent.key")).unwrap().is_none());
    }

    #[test]
    fn a_damaged_key_file_is_refused_without_showing_it() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("audit.key");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(&path).unwrap().write_all(b"PRIVATE+KEY+log+00000000+bm90IGEga2V5").unwrap();
        let error = format!("{:#}", read_key_file(&path).unwrap_err());
        assert!(!error.contains("bm90IGEga2V5"), "{error}");
        assert!(error.contains("audit.key"), "{error}");
    }
}
