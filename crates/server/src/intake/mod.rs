//! Intake use cases: turning a checked submission into a stored one with its receipt, storing
//! media, and identifying media (hashing, bank matching, near-duplicate grouping) off the
//! request path.
//!
//! Shared by the API, the public report form and `vigie import submissions`.

pub mod media;
pub mod validate;
pub mod wire;
pub mod writer;

use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;
use std::time::{Duration, Instant};

use chrono::Utc;
use sha2::{Digest, Sha256};
use vigie_domain::access::{Actor, Principal};
use vigie_domain::bank::SignalType;
use vigie_domain::ids::{OrganisationId, SubmissionId};
use vigie_domain::intake::{
    CaseMatch, ContentKey, DeadlinePolicy, IdempotencyKey, NewSubmission, PrioritySignals, Receipt, SubmissionKind,
    initial_priority, priority_with_matches,
};
use vigie_domain::organisation::{OrganisationKind, OrganisationRef};
use vigie_domain::validate::ValidationError;
use vigie_match::PdqIndex;
use vigie_store::{MediaHashes, MediaRecord, Store, StoreError, SubmissionOutcome};

use crate::app::AppError;
use crate::matching::{MatchEngine, Query};
use media::StoredFile;
use validate::CheckedSubmission;
use wire::{ReceiptResponse, SubmissionRequest};

/// Intake settings.
#[derive(Clone, Debug)]
pub struct IntakeSettings {
    /// Deadline windows (referrals: the default when a platform set none).
    pub policy: DeadlinePolicy,
    /// Largest media file accepted.
    pub max_media_bytes: u64,
    /// Media files per submission at most.
    pub max_media_files: usize,
    /// PDQ distance within which two images are the same content for grouping cases.
    pub group_pdq_distance: u32,
    /// Public report form submissions per address per hour.
    pub public_reports_per_hour: u32,
}

impl Default for IntakeSettings {
    fn default() -> Self {
        Self {
            policy: DeadlinePolicy::default(),
            max_media_bytes: 512 * 1024 * 1024,
            max_media_files: 10,
            group_pdq_distance: 31,
            public_reports_per_hour: 20,
        }
    }
}

/// Why a submission's `platform` is refused: it names no organisation, or one that is not a
/// platform (nor the operator).
pub const PLATFORM_NOT_FOUND: &str =
    "names no platform taking submissions here: give its id or slug (`GET /v1/organisations`, `vigie org list`)";

/// Who sends a submission.
#[derive(Clone, Copy, Debug)]
pub struct Sender {
    /// The organisation; `None` for an anonymous public report.
    pub organisation: Option<OrganisationId>,
    /// The person or program.
    pub actor: Actor,
}

/// What intake needs to know about an organisation, cached for a few seconds because every
/// submission asks (the directory changes rarely, and a change shows within the TTL).
#[derive(Clone, Copy, Debug)]
struct DirectoryEntry {
    kind: OrganisationKind,
    is_operator: bool,
    referral_minutes: Option<i32>,
    fetched: Instant,
}

/// Organisation facts for intake.
pub struct Directory {
    entries: RwLock<HashMap<OrganisationId, DirectoryEntry>>,
    /// Slugs and names seen in submissions, and the organisation each named.
    named: RwLock<HashMap<String, (OrganisationId, Instant)>>,
    operator: RwLock<Option<OrganisationId>>,
    ttl: Duration,
}

impl Directory {
    /// An empty cache whose entries live `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Self { entries: RwLock::default(), named: RwLock::default(), operator: RwLock::default(), ttl }
    }

    async fn entry(&self, store: &Store, id: OrganisationId) -> Result<Option<DirectoryEntry>, StoreError> {
        if let Some(entry) = self.entries.read().ok().and_then(|entries| entries.get(&id).copied())
            && entry.fetched.elapsed() < self.ttl
        {
            return Ok(Some(entry));
        }
        let organisation = match store.get_organisation(id).await {
            Ok(organisation) => organisation,
            Err(StoreError::NotFound) => return Ok(None),
            Err(error) => return Err(error),
        };
        let entry = DirectoryEntry {
            kind: organisation.kind,
            is_operator: organisation.is_operator,
            referral_minutes: store.referral_window_minutes(id).await?,
            fetched: Instant::now(),
        };
        if let Ok(mut entries) = self.entries.write() {
            entries.insert(id, entry);
        }
        Ok(Some(entry))
    }

    /// The organisation a submission names (`Store::find_organisation`, the one resolver),
    /// remembered like entries: a renamed slug may find its old organisation for `ttl` more.
    async fn resolve(&self, store: &Store, reference: &OrganisationRef) -> Result<Option<OrganisationId>, StoreError> {
        let text = match reference {
            OrganisationRef::Id(id) => return Ok(Some(*id)),
            OrganisationRef::SlugOrName(text) => text,
        };
        if let Some((id, fetched)) = self.named.read().ok().and_then(|named| named.get(text).copied())
            && fetched.elapsed() < self.ttl
        {
            return Ok(Some(id));
        }
        let Some(organisation) = store.find_organisation(reference).await? else { return Ok(None) };
        if let Ok(mut named) = self.named.write() {
            // Bounded by the organisations' slugs and names, since only found ones are kept.
            named.insert(text.clone(), (organisation.id, Instant::now()));
        }
        Ok(Some(organisation.id))
    }

    /// Whom a submission to `platform` is matched as: its reviewers, who will read the case.
    pub(crate) async fn reviewers_of(&self, store: &Store, platform: OrganisationId) -> Result<Principal, StoreError> {
        let is_operator = self.entry(store, platform).await?.is_some_and(|entry| entry.is_operator);
        Ok(Principal::reviewer_of(platform, is_operator))
    }

    async fn operator(&self, store: &Store) -> Result<Option<OrganisationId>, StoreError> {
        if let Some(operator) = self.operator.read().ok().and_then(|operator| *operator) {
            return Ok(Some(operator));
        }
        let operator = store.find_operator_organisation().await?.map(|organisation| organisation.id);
        if let (Some(found), Ok(mut cached)) = (operator, self.operator.write()) {
            *cached = Some(found);
        }
        Ok(operator)
    }

    /// Forgets an organisation (after its settings change on this node).
    pub fn forget(&self, id: OrganisationId) {
        if let Ok(mut entries) = self.entries.write() {
            entries.remove(&id);
        }
        if let Ok(mut named) = self.named.write() {
            named.retain(|_, (named_id, _)| *named_id != id);
        }
    }
}

/// Everything intake uses; part of the server state.
pub struct Intake {
    /// Settings.
    pub settings: IntakeSettings,
    /// The group-commit writer.
    pub writer: writer::IntakeWriter,
    /// Organisation facts.
    pub directory: Directory,
    /// Media files.
    pub media: media::MediaStore,
    /// Images of stored media, for near-duplicate grouping.
    pub similar: SimilarMedia,
    /// Wakes the media worker when new media arrive.
    pub media_arrived: tokio::sync::Notify,
}

impl Intake {
    /// Intake over `store`, with media under `media_root`. Starts the writer task.
    pub fn start(store: Store, settings: IntakeSettings, media_root: std::path::PathBuf) -> Self {
        Self {
            settings,
            writer: writer::IntakeWriter::start(store),
            directory: Directory::new(Duration::from_secs(5)),
            media: media::MediaStore::new(media_root),
            similar: SimilarMedia::default(),
            media_arrived: tokio::sync::Notify::new(),
        }
    }
}

/// SHA-256 of a request, to tell a retry (same key, same request) from a key reused for a
/// different request.
pub fn request_fingerprint(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The result of a submission, for the sender.
pub struct Submitted {
    /// The receipt.
    pub receipt: Receipt,
    /// For DSA notices, the Art. 16(4) confirmation text.
    pub confirmation: Option<String>,
}

impl Submitted {
    /// The receipt as JSON.
    pub fn response(&self) -> ReceiptResponse {
        receipt_response(&self.receipt, self.confirmation.clone())
    }
}

/// A receipt as JSON.
pub fn receipt_response(receipt: &Receipt, confirmation: Option<String>) -> ReceiptResponse {
    ReceiptResponse {
        id: receipt.id.0,
        number: receipt.number.clone(),
        case_id: receipt.case_id.0,
        kind: receipt.kind.as_str().into(),
        status: receipt.status.as_str().into(),
        priority: receipt.priority.as_str().into(),
        received_at: receipt.received_at,
        due_at: receipt.due_at,
        platform: receipt.platform_id.0,
        duplicate: receipt.existing,
        confirmation,
    }
}

/// Why a submission was not stored, beyond invalid input.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// A field is wrong.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The `Idempotency-Key` was used before with another request.
    #[error("the idempotency key was already used for a different request")]
    IdempotencyKeyReused,
    /// Storage or another failure.
    #[error(transparent)]
    Failed(#[from] AppError),
}

impl From<StoreError> for SubmitError {
    fn from(error: StoreError) -> Self {
        Self::Failed(AppError::Store(error))
    }
}

/// Validates, identifies what can be identified at once (URL and digest matches), and stores a
/// submission through the group-commit writer. Media must already be stored ([`store_media`]).
pub async fn submit(
    store: &Store,
    intake: &Intake,
    engine: &MatchEngine,
    sender: Sender,
    request: &SubmissionRequest,
    media: &[StoredFile],
    idempotency: Option<IdempotencyKey>,
) -> Result<Submitted, SubmitError> {
    let checked = validate::check_submission(request, media.len(), Utc::now())?;
    let prepared = prepare(store, intake, engine, sender, &checked, media, idempotency).await?;
    // Media rows go in only once the submission is known to be valid: a refused submission
    // leaves nothing behind but files no row names (see `discard_unrecorded`).
    for file in media {
        store_media(store, file).await?;
    }
    let confirmation = checked.confirmation_email.as_ref().map(|_| {
        format!(
            "Your notice was received on {} (UTC) and registered as {}. We will inform you of our decision \
             (DSA Art. 16(4) and 16(5)).",
            Utc::now().format("%Y-%m-%d %H:%M"),
            prepared.id
        )
    });
    let had_media = !media.is_empty();
    let outcome = intake.writer.submit(prepared).await?;
    if had_media {
        intake.media_arrived.notify_one();
    }
    match outcome {
        SubmissionOutcome::Stored(receipt) => Ok(Submitted { receipt, confirmation }),
        SubmissionOutcome::Existing(receipt) => Ok(Submitted { receipt, confirmation: None }),
        SubmissionOutcome::IdempotencyKeyReused => Err(SubmitError::IdempotencyKeyReused),
    }
}

async fn prepare(
    store: &Store,
    intake: &Intake,
    engine: &MatchEngine,
    sender: Sender,
    checked: &CheckedSubmission,
    media: &[StoredFile],
    idempotency: Option<IdempotencyKey>,
) -> Result<NewSubmission, SubmitError> {
    let platform_id = match &checked.platform {
        Some(reference) => {
            let entry = match intake.directory.resolve(store, reference).await? {
                Some(id) => intake.directory.entry(store, id).await?.map(|entry| (id, entry)),
                None => None,
            };
            match entry {
                Some((id, entry)) if entry.kind == OrganisationKind::Platform || entry.is_operator => id,
                _ => {
                    return Err(ValidationError::single("platform", PLATFORM_NOT_FOUND).into());
                }
            }
        }
        None => intake.directory.operator(store).await?.ok_or_else(|| {
            AppError::Other(anyhow::anyhow!("this instance has no operator organisation to receive submissions"))
        })?,
    };
    let sender_kind = match sender.organisation {
        Some(id) => intake.directory.entry(store, id).await?.map(|entry| entry.kind),
        None => None,
    };
    let trusted_flagger = sender_kind == Some(OrganisationKind::TrustedFlagger);
    let trusted_sender = trusted_flagger || sender_kind == Some(OrganisationKind::ReferralUnit);
    let mut window = intake.settings.policy.window(checked.kind, trusted_flagger);
    if checked.kind == SubmissionKind::Referral
        && let Some(minutes) =
            intake.directory.entry(store, platform_id).await?.and_then(|entry| entry.referral_minutes)
    {
        window = chrono::Duration::minutes(i64::from(minutes));
    }

    let mut content_keys = checked.content_keys();
    for file in media {
        content_keys.push(ContentKey::Sha256(file.sha256.clone()));
        content_keys.push(ContentKey::Md5(file.md5.clone()));
    }
    content_keys.sort();
    content_keys.dedup();

    // Exact and flagged-hash matches cost microseconds: found now, they raise the priority
    // the receipt shows. So do the perceptual hashes of media already known: bytes stored
    // before (content-addressed, so not identified again as new) or a small image hashed
    // while received. Other media's come later, from the media worker.
    let mut queries: Vec<Query> = checked.urls.iter().cloned().map(Query::Url).collect();
    for (signal_type, value) in &checked.signals {
        if let Some(query) = signal_query(*signal_type, value) {
            queries.push(query);
        }
    }
    let reviewers = intake.directory.reviewers_of(store, platform_id).await?;
    let mut matches = bank_matches(engine, &reviewers, &queries, None).await?;
    for file in media {
        let mut media_queries: Vec<Query> = Vec::new();
        media_queries.extend(signal_query(SignalType::Sha256, &file.sha256));
        media_queries.extend(signal_query(SignalType::Md5, &file.md5));
        match store.find_media(&file.sha256).await? {
            Some(stored) if stored.status == "hashed" => media_queries.extend(perceptual_queries(&stored)),
            _ => {
                if let Some(pdq) = &file.pdq
                    && let Some(hash) = vigie_match::parse_pdq_hex(&pdq.hash)
                {
                    media_queries.push(pdq_query(hash, Some(pdq.quality), Some(&pdq.variants)));
                }
            }
        }
        matches.extend(bank_matches(engine, &reviewers, &media_queries, Some(&file.sha256)).await?);
    }
    let priority = priority_with_matches(
        initial_priority(PrioritySignals { kind: checked.kind, trusted_sender, threat: checked.threat }),
        !matches.is_empty(),
    );
    Ok(NewSubmission {
        id: SubmissionId::new_v7(),
        number: vigie_domain::intake::SubmissionNumber::from_random(rand::random()),
        kind: checked.kind,
        platform_id,
        submitter_id: sender.organisation,
        actor: sender.actor,
        reference: checked.reference.clone(),
        idempotency,
        priority,
        window,
        trusted_flagger,
        urls: checked.urls.clone(),
        content_keys,
        media: media.iter().map(|file| file.sha256.clone()).collect(),
        matches,
        details: checked.details_json(checked.platform.is_some().then_some(platform_id.0)),
    })
}

fn signal_query(signal_type: SignalType, value: &str) -> Option<Query> {
    fn digest<const N: usize>(text: &str) -> Option<[u8; N]> {
        let mut bytes = [0; N];
        hex::decode_to_slice(text, &mut bytes).ok().map(|()| bytes)
    }
    match signal_type {
        SignalType::Pdq => digest::<32>(value).map(|hash| Query::pdq(hash, None)),
        SignalType::Md5 => digest::<16>(value).map(Query::Md5),
        SignalType::Sha256 => digest::<32>(value).map(Query::Sha256),
        SignalType::Url => Some(Query::Url(value.to_owned())),
        SignalType::Vpdq => Some(Query::Vpdq(crate::matching::parse_vpdq_value(value))),
    }
}

/// The perceptual-hash queries of identified media: its PDQ (image) or vPDQ frames (video).
pub(crate) fn perceptual_queries(media: &MediaRecord) -> Option<Query> {
    if let Some(hash) = media.pdq.as_deref().and_then(vigie_match::parse_pdq_hex) {
        let quality = media.pdq_quality.and_then(|quality| u32::try_from(quality).ok());
        return Some(pdq_query(hash, quality, media.pdq_variants.as_deref()));
    }
    media.vpdq.as_deref().map(|vpdq| Query::Vpdq(vpdq_frames(vpdq)))
}

/// A stored image's PDQ query: its hash and its stored variants (rotations, flips, trimmed,
/// region), so that edited copies of known images are found.
fn pdq_query(hash: [u8; 32], quality: Option<u32>, variants: Option<&str>) -> Query {
    let variants = vigie_hash::robust::parse_variants(variants.unwrap_or_default())
        .into_iter()
        .map(|(via, hash)| (via, *hash.as_bytes()))
        .collect();
    Query::Pdq { hash, quality, variants }
}

/// Searches the banks as `reviewers` (the platform's, who will read the case) may, and
/// describes each hit for the case: nothing from banks they may not see, no signal id from
/// banks they may see but not read. `media_sha256`: the media file the queries hash, if any.
async fn bank_matches(
    engine: &MatchEngine,
    reviewers: &Principal,
    queries: &[Query],
    media_sha256: Option<&str>,
) -> Result<Vec<CaseMatch>, StoreError> {
    let outcomes = engine.lookup(queries, reviewers, None).await?;
    Ok(case_matches(queries, outcomes, media_sha256))
}

/// Engine outcomes as matches to record on a case.
pub(crate) fn case_matches(
    queries: &[Query],
    outcomes: Vec<crate::matching::Outcome>,
    media_sha256: Option<&str>,
) -> Vec<CaseMatch> {
    queries
        .iter()
        .zip(outcomes)
        .flat_map(|(query, outcome)| {
            outcome.hits.into_iter().map(move |hit| CaseMatch {
                bank: hit.bank_name,
                signal_id: hit.signal.map(|signal| signal.id),
                signal_type: query.signal_type().as_str().into(),
                distance: match hit.video {
                    Some(video) => video.query_matched_percent.round() as u32,
                    None => hit.distance,
                },
                labels: hit.labels.join(","),
                media_sha256: media_sha256.map(str::to_owned),
                via: hit.via.map(|via| via.to_string()),
            })
        })
        .collect()
}

/// Deletes what a refused request received, unless another request holds the same bytes or a
/// media row names them. Takes the files, so that this request's own holds are dropped first.
/// A file that cannot be deleted now is left to the collector.
pub async fn discard_unrecorded(store: &Store, intake: &Intake, files: Vec<StoredFile>) {
    let digests: Vec<String> = files.into_iter().map(|file| file.sha256).collect();
    for sha256 in digests {
        if let Err(error) = intake.media.remove_if_unrecorded(store, &sha256).await {
            tracing::warn!(error = %error, "a refused upload could not be deleted now; the collector will");
        }
    }
}

/// Images up to this size are decoded while received: a corrupt one is refused at once (400,
/// nothing stored) and its hash is kept for the worker. Larger files and videos are only checked
/// from their header and hashed in the background, so the receipt never waits for them.
pub const INLINE_IMAGE_BYTES: u64 = 8 * 1024 * 1024;

/// Decodes and hashes a small received image (see [`INLINE_IMAGE_BYTES`]), waiting for a
/// hashing permit. A file that cannot be decoded is deleted unless stored media already hold
/// the same bytes, and refused.
pub async fn vet_media(
    store: &Store,
    intake: &Intake,
    permits: &tokio::sync::Semaphore,
    limits: vigie_hash::Limits,
    mut file: StoredFile,
) -> Result<StoredFile, media::ReceiveError> {
    if file.media_type != media::MediaType::Image || file.byte_size > INLINE_IMAGE_BYTES {
        return Ok(file);
    }
    let _permit =
        permits.acquire().await.map_err(|error| media::ReceiveError::Io(std::io::Error::other(error.to_string())))?;
    let path = intake.media.path_of(&file.sha256);
    let hashed = tokio::task::spawn_blocking(move || {
        std::fs::File::open(&path)
            .map(|file| vigie_hash::robust::hash_image_reader_robust(std::io::BufReader::new(file), &limits))
    })
    .await
    .map_err(|error| media::ReceiveError::Io(std::io::Error::other(error.to_string())))??;
    match hashed {
        Ok(hashes) => {
            file.pdq = Some(media::ImagePdq {
                hash: hashes.image.pdq.to_hex(),
                quality: u32::from(hashes.image.quality),
                variants: vigie_hash::robust::format_variants(&hashes.variants),
            });
            Ok(file)
        }
        Err(error) if matches!(error.kind(), vigie_hash::ErrorKind::Read { .. }) => {
            Err(media::ReceiveError::Io(std::io::Error::other(error.to_string())))
        }
        Err(error) => {
            discard_unrecorded(store, intake, vec![file]).await;
            Err(media::ReceiveError::BadImage(format!("is an image that cannot be decoded: {error}")))
        }
    }
}

/// Records a received file as media (once per content).
pub async fn store_media(store: &Store, file: &StoredFile) -> Result<MediaRecord, StoreError> {
    let pdq = file.pdq.as_ref().map(|pdq| (pdq.hash.as_str(), pdq.quality, Some(pdq.variants.as_str())));
    store.insert_media(&file.sha256, &file.md5, file.byte_size, file.media_type.as_str(), pdq).await
}

/// Image hashes of stored media, searchable by PDQ distance: the near-duplicate side of case
/// grouping. Fed incrementally from the database (`identified_seq`), so every node sees the
/// images every other node hashed.
#[derive(Default)]
pub struct SimilarMedia {
    index: PdqIndex,
    seen_up_to: std::sync::atomic::AtomicI64,
    sync_lock: tokio::sync::Mutex<()>,
}

impl SimilarMedia {
    /// Adds the images identified since the last call.
    pub async fn sync(&self, store: &Store) -> Result<usize, StoreError> {
        let _guard = self.sync_lock.lock().await;
        let mut added = 0;
        loop {
            let after = self.seen_up_to.load(std::sync::atomic::Ordering::Acquire);
            let batch = store.list_media_pdq_since(after, 10_000).await?;
            let Some(last) = batch.last().map(|media| media.identified_seq) else { break };
            for media in &batch {
                if let Some(hash) = vigie_match::parse_pdq_hex(&media.pdq)
                    && let Ok(id) = u64::try_from(media.media_id)
                    && !self.index.contains(id)
                {
                    self.index.insert(id, hash);
                    added += 1;
                }
            }
            self.seen_up_to.store(last, std::sync::atomic::Ordering::Release);
        }
        Ok(added)
    }

    /// Media ids whose image is within `distance` of `hash`.
    pub fn near(&self, hash: &[u8; 32], distance: u32) -> Vec<i64> {
        self.index.search(hash, distance).into_iter().filter_map(|found| i64::try_from(found.id).ok()).collect()
    }

    /// Images indexed.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Compacts the index when its delta levels have grown.
    pub fn compact_if_needed(&self) -> bool {
        if self.index.needs_compaction() {
            self.index.compact();
            true
        } else {
            false
        }
    }
}

/// How a media file was identified.
#[derive(Clone, Debug)]
pub struct Identification {
    /// The hashes recorded.
    pub hashes: MediaHashes,
    /// Bank matches found (summed over the platforms holding the media).
    pub matches: usize,
    /// Cases merged because of a near-duplicate image.
    pub merges: usize,
}

/// Hashes one stored media file (PDQ for images, vPDQ for videos when ffmpeg is installed),
/// matches the hashes against the banks, groups its cases with cases holding near-duplicate
/// images, and records all of it. Runs the hashing on a blocking thread.
pub async fn identify_media(
    store: &Store,
    intake: &Intake,
    engine: &MatchEngine,
    image_limits: vigie_hash::Limits,
    media: &MediaRecord,
) -> Result<Identification, AppError> {
    let path = intake.media.path_of(&media.sha256);
    let media_type = media.media_type.clone();
    let hashes = match (&media.pdq, media.pdq_quality, &media.vpdq) {
        // Hashed while received (a small image), or identified before and queued again to be
        // matched for a submission that arrived meanwhile: the hashes are not computed again.
        (Some(pdq), Some(quality), _) if media_type == "image" => MediaHashes::Image {
            pdq: pdq.clone(),
            quality: u32::try_from(quality).unwrap_or(0),
            variants: media.pdq_variants.clone(),
        },
        (_, _, Some(vpdq)) if media_type == "video" => MediaHashes::Video { vpdq: vpdq.clone() },
        _ => {
            let (files, sha256) = (intake.media.clone(), media.sha256.clone());
            tokio::task::spawn_blocking(move || hash_file(&path, &media_type, &image_limits, &files, &sha256))
        }
        .await
        .map_err(|error| AppError::Other(anyhow::anyhow!("media hashing task failed: {error}")))?,
    };
    let mut queries = Vec::new();
    let mut near_duplicates = Vec::new();
    match &hashes {
        MediaHashes::Image { pdq, quality, variants } => {
            if let Some(hash) = vigie_match::parse_pdq_hex(pdq) {
                queries.push(pdq_query(hash, Some(*quality), variants.as_deref()));
                intake.similar.sync(store).await?;
                near_duplicates = intake.similar.near(&hash, intake.settings.group_pdq_distance);
            }
        }
        MediaHashes::Video { vpdq } => queries.push(Query::Vpdq(vpdq_frames(vpdq))),
        MediaHashes::Unsupported { .. } | MediaHashes::Failed { .. } => {}
    }
    // Each platform holding the media gets the matches its own reviewers may see (every one is
    // named, even with none: the store requeues media a platform was not matched for).
    let mut matches = BTreeMap::new();
    for platform in store.media_platforms(media.id).await? {
        let found = if queries.is_empty() {
            Vec::new()
        } else {
            let reviewers = intake.directory.reviewers_of(store, platform).await?;
            bank_matches(engine, &reviewers, &queries, Some(&media.sha256)).await?
        };
        matches.insert(platform, found);
    }
    let recorded = store.record_media_hashes(media.id, &hashes, &matches, &near_duplicates).await?;
    if let (MediaHashes::Image { pdq, .. }, Ok(id)) = (&hashes, u64::try_from(media.id))
        && let Some(hash) = vigie_match::parse_pdq_hex(pdq)
    {
        intake.similar.index.insert(id, hash);
    }
    Ok(Identification { hashes, matches: matches.values().map(Vec::len).sum(), merges: recorded.merges.len() })
}

/// vPDQ text (`frame,quality,hash,seconds` lines) as index queries: `(quality, hash)`.
fn vpdq_frames(text: &str) -> Vec<(u8, [u8; 32])> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split(',');
            let _frame = fields.next()?;
            let quality: u8 = fields.next()?.trim().parse().ok()?;
            let hash = vigie_match::parse_pdq_hex(fields.next()?.trim())?;
            Some((quality, hash))
        })
        .collect()
}

/// Hashes the file at `path`. A video's strip of frames (taken from the frames decoded for
/// hashing) is written beside the media in `files` as it is hashed; a strip that cannot be
/// written is logged and the video shown without one, its hashes recorded all the same.
fn hash_file(
    path: &std::path::Path,
    media_type: &str,
    image_limits: &vigie_hash::Limits,
    files: &media::MediaStore,
    sha256: &str,
) -> MediaHashes {
    match media_type {
        "image" => {
            // Streamed from the file (its size checked first), never read whole: media may be
            // far larger than the image limit.
            let file = match std::fs::File::open(path) {
                Ok(file) => file,
                Err(error) => return MediaHashes::Failed { reason: format!("cannot read the stored file: {error}") },
            };
            match vigie_hash::robust::hash_image_reader_robust(std::io::BufReader::new(file), image_limits) {
                Ok(hashes) => MediaHashes::Image {
                    pdq: hashes.image.pdq.to_hex(),
                    quality: u32::from(hashes.image.quality),
                    variants: Some(vigie_hash::robust::format_variants(&hashes.variants)),
                },
                Err(error) => MediaHashes::Failed { reason: format!("cannot hash this image: {error}") },
            }
        }
        "video" => {
            let ffmpeg = match vigie_video::Ffmpeg::locate() {
                Ok(ffmpeg) => ffmpeg,
                Err(error) => return MediaHashes::Unsupported { reason: error.to_string() },
            };
            let sampling = vigie_video::FrameSampling {
                count: crate::renditions::FRAMES_PER_VIDEO,
                max_side: crate::renditions::PREVIEW_MAX_SIDE,
            };
            match vigie_video::hash_video_keeping_frames(path, &ffmpeg, &vigie_video::HashOptions::default(), &sampling)
            {
                Ok(video) => {
                    if let Err(error) = files.write_frames(sha256, &video.samples) {
                        tracing::warn!(sha256, error = %error, "the video's frames could not be written; it has no strip");
                    }
                    MediaHashes::Video { vpdq: vigie_hash::vpdq::format_text(&video.frames) }
                }
                Err(error) => MediaHashes::Failed { reason: format!("cannot hash this video: {error}") },
            }
        }
        _ => MediaHashes::Unsupported { reason: "not an image or a video: matched by MD5 and SHA-256 only".into() },
    }
}

impl From<SubmitError> for crate::error::ApiError {
    fn from(error: SubmitError) -> Self {
        match error {
            SubmitError::Invalid(error) => Self::Validation(error),
            SubmitError::IdempotencyKeyReused => Self::IdempotencyKeyReused,
            SubmitError::Failed(error) => error.into(),
        }
    }
}
