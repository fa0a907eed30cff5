//! The match engine: in-memory indexes over every enabled signal of every bank, kept in step
//! with the database, and the question "which known signals does this match?".
//!
//! One index per signal type serves all banks of that type. An entry's id packs the bank's
//! slot with the signal's row id (`slot << 40 | signal id`), so a hit names its bank without a
//! lookup table per entry: memory stays near the index's own (the whole server must hold a
//! 1M-hash bank in under 150 MB).
//!
//! Freshness: every change to a bank's signals bumps that bank's version in the same
//! transaction; [`MatchEngine::sync`] fetches exactly the signals changed since the versions it
//! has seen. The node that wrote calls it right after committing; a worker calls it every
//! second on every node, so other nodes sharing PostgreSQL follow within about a second. Bank
//! settings (visibility included) are re-read by every sync.
//!
//! Visibility: every lookup names who asks (a [`Principal`]), and the engine applies the banks'
//! visibility before anything leaves it ([`MatchEngine::lookup`]): banks the asker may not see
//! are not searched at all (no hit, no warning naming them), and a hit on a bank the asker may
//! see but not read carries its name, labels and distance only. The API, the CLI and intake
//! all go through it, so none can forget the rule.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use sha2::{Digest, Sha256};
use tokio::sync::Mutex;
use vigie_domain::access::{BankAccess, Principal};
use vigie_domain::bank::{Bank, SignalType};
use vigie_domain::ids::BankId;
use vigie_hash::robust::Via;
use vigie_match::{DigestIndex, EntryId, PdqIndex};
use vigie_store::{Store, StoreResult};

const SIGNAL_BITS: u32 = 40;
const SIGNAL_MASK: u64 = (1 << SIGNAL_BITS) - 1;

fn entry_id(slot: u32, signal_id: i64) -> EntryId {
    (u64::from(slot) << SIGNAL_BITS) | (signal_id as u64 & SIGNAL_MASK)
}

fn split_entry(entry: EntryId) -> (u32, i64) {
    ((entry >> SIGNAL_BITS) as u32, (entry & SIGNAL_MASK) as i64)
}

/// A bank as the engine knows it.
#[derive(Clone, Debug)]
struct BankSlot {
    bank: Bank,
    version: i64,
}

#[derive(Default)]
struct Registry {
    slots: Vec<BankSlot>,
    by_id: HashMap<BankId, u32>,
}

/// One query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Query {
    /// A PDQ hash with its quality when known.
    Pdq {
        /// The hash.
        hash: [u8; 32],
        /// Its quality (0..100), when known.
        quality: Option<u32>,
        /// More hashes of the same image, each looked up too ([`vigie_hash::robust`]: its
        /// rotations and flips, its trimmed picture, its main region); empty for plain PDQ.
        variants: Vec<(Via, [u8; 32])>,
    },
    /// An MD5 digest.
    Md5([u8; 16]),
    /// A SHA-256 digest.
    Sha256([u8; 32]),
    /// A normalised URL.
    Url(String),
    /// A video's vPDQ frames: `(quality, hash)` in frame order.
    Vpdq(Vec<(u8, [u8; 32])>),
}

impl Query {
    /// A plain PDQ query: the hash alone.
    pub fn pdq(hash: [u8; 32], quality: Option<u32>) -> Query {
        Query::Pdq { hash, quality, variants: Vec::new() }
    }

    /// A PDQ query with every variant of an image ([`vigie_hash::robust::RobustHashes`]), or
    /// its own hash alone when `exact_only`.
    pub fn pdq_robust(hashes: &vigie_hash::robust::RobustHashes, exact_only: bool) -> Query {
        let variants = if exact_only {
            Vec::new()
        } else {
            hashes
                .variants
                .iter()
                .filter(|variant| variant.via != Via::IDENTITY)
                .map(|variant| (variant.via, *variant.hash.as_bytes()))
                .collect()
        };
        Query::Pdq { hash: *hashes.image.pdq.as_bytes(), quality: Some(u32::from(hashes.image.quality)), variants }
    }

    /// The signal type it queries.
    pub fn signal_type(&self) -> SignalType {
        match self {
            Self::Pdq { .. } => SignalType::Pdq,
            Self::Md5(_) => SignalType::Md5,
            Self::Sha256(_) => SignalType::Sha256,
            Self::Url(_) => SignalType::Url,
            Self::Vpdq(_) => SignalType::Vpdq,
        }
    }
}

/// One hit inside the engine, before the asker's view of its bank is applied.
#[derive(Clone, Debug, PartialEq, Eq)]
struct RawHit {
    bank_id: BankId,
    bank_name: String,
    auto_action: bool,
    access: BankAccess,
    signal_id: i64,
    distance: u32,
    via: Option<Via>,
    video: Option<VideoScore>,
}

/// One match, as the asker may see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    /// The bank's name.
    pub bank_name: String,
    /// Whether the bank allows automatic action on its matches.
    pub auto_action: bool,
    /// Hamming distance (0 for exact types; for videos, the nearest frame pair's).
    pub distance: u32,
    /// For PDQ: which of the query's hashes matched (`identity` for its own).
    pub via: Option<Via>,
    /// For videos: the shares of frames matched both ways.
    pub video: Option<VideoScore>,
    /// The signal's labels.
    pub labels: Vec<String>,
    /// The signal itself, only for an asker who may read the bank's signals.
    pub signal: Option<MatchedSignal>,
}

/// What an asker who may read a bank's signals learns of a matched one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchedSignal {
    /// The bank's id.
    pub bank_id: BankId,
    /// The signal's row id.
    pub id: i64,
    /// Its value (hash, URL, vPDQ frames).
    pub value: String,
    /// Its id at its source.
    pub external_id: Option<String>,
}

/// How much of two videos matched, by the vPDQ rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VideoScore {
    /// Share of the query's unique good frames that match the candidate, in percent.
    pub query_matched_percent: f64,
    /// Share of the candidate's unique good frames that match the query, in percent.
    pub candidate_matched_percent: f64,
}

impl Eq for VideoScore {}

/// Video frames' entry ids: bank slot (16 bits) | signal id (32 bits) | unique-frame position
/// (16 bits). Hence at most 65,535 banks, signal ids below 2^32 and 65,535 unique frames per
/// video (18 hours at the usual one hash per second); frames past that are not indexed.
fn video_entry(slot: u32, signal_id: i64, position: usize) -> Option<EntryId> {
    let slot = u64::from(u16::try_from(slot).ok()?);
    let signal = u64::from(u32::try_from(signal_id).ok()?);
    let position = u64::from(u16::try_from(position).ok()?);
    Some((slot << 48) | (signal << 16) | position)
}

fn split_video_entry(entry: EntryId) -> (u32, i64, usize) {
    ((entry >> 48) as u32, ((entry >> 16) & 0xFFFF_FFFF) as i64, (entry & 0xFFFF) as usize)
}

/// The frame-level hits of one known video: `(query position, its position)` pairs and the
/// nearest distance among them.
struct FrameHits {
    pairs: Vec<(usize, usize)>,
    nearest: u32,
}

impl Default for FrameHits {
    fn default() -> Self {
        Self { pairs: Vec::new(), nearest: u32::MAX }
    }
}

/// The unique good frames of a video (vPDQ's rule: quality at least 50, repeats dropped).
fn unique_video_frames(frames: &[(u8, [u8; 32])]) -> Vec<[u8; 32]> {
    let mut seen = std::collections::HashSet::new();
    frames
        .iter()
        .filter(|(quality, hash)| *quality >= vigie_hash::vpdq::MatchThresholds::DEFAULT_QUALITY && seen.insert(*hash))
        .map(|(_, hash)| *hash)
        .collect()
}

/// Parses a stored vPDQ value (`quality:hex;quality:hex...`, as `canonical_value` writes it).
pub fn parse_vpdq_value(value: &str) -> Vec<(u8, [u8; 32])> {
    value
        .split(';')
        .filter_map(|frame| {
            let (quality, hash) = frame.split_once(':')?;
            Some((quality.parse().ok()?, decode_hex::<32>(hash)?))
        })
        .collect()
}

/// The hits of one query, and warnings about it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Hits, nearest first.
    pub hits: Vec<Hit>,
    /// Things the caller should know (low quality, no bank of this type).
    pub warnings: Vec<String>,
}

/// Raw hits of one query, inside the engine.
#[derive(Default)]
struct RawOutcome {
    hits: Vec<RawHit>,
    warnings: Vec<String>,
}

/// Sizes, for `/metrics` and the banks API.
#[derive(Clone, Copy, Debug, Default)]
pub struct EngineStats {
    /// Entries in the PDQ index.
    pub pdq_entries: usize,
    /// Bytes the PDQ index holds.
    pub pdq_bytes: usize,
    /// Entries in the exact indexes (MD5, SHA-256, URL).
    pub exact_entries: usize,
    /// Unique video frames indexed.
    pub video_frame_entries: usize,
}

/// The engine; share it in an `Arc`.
pub struct MatchEngine {
    store: Store,
    registry: RwLock<Registry>,
    pdq: PdqIndex,
    md5: DigestIndex<16>,
    sha256: DigestIndex<32>,
    url: DigestIndex<32>,
    /// One entry per unique good frame of every video signal.
    vpdq: PdqIndex,
    /// Unique good frames indexed per video signal (needed for the candidate's share).
    video_frames: RwLock<HashMap<i64, usize>>,
    /// Only one sync runs at a time; searches never wait for it.
    sync_lock: Mutex<()>,
    /// Matches per signal not yet added to its `seen` counter; flushed by the sync worker so
    /// lookups never write to the database.
    pending_hits: std::sync::Mutex<HashMap<i64, u64>>,
    /// Values and labels of recently matched signals (they never change once stored).
    details: RwLock<HashMap<i64, Arc<SignalDetails>>>,
}

/// What a hit may show of a signal, cached by signal id.
#[derive(Debug)]
struct SignalDetails {
    value: String,
    external_id: Option<String>,
    labels: Vec<String>,
}

/// Signal details kept at most; past this the cache starts afresh, bounding memory (a few MB).
const DETAILS_CAPACITY: usize = 20_000;

fn url_digest(url: &str) -> [u8; 32] {
    Sha256::digest(url.as_bytes()).into()
}

fn decode_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let mut bytes = [0_u8; N];
    hex::decode_to_slice(text, &mut bytes).ok().map(|()| bytes)
}

impl MatchEngine {
    /// An empty engine over `store`; call [`MatchEngine::sync`] to load the banks.
    pub fn new(store: Store) -> Self {
        Self {
            store,
            registry: RwLock::new(Registry::default()),
            pdq: PdqIndex::new(),
            md5: DigestIndex::new(),
            sha256: DigestIndex::new(),
            url: DigestIndex::new(),
            vpdq: PdqIndex::new(),
            video_frames: Default::default(),
            sync_lock: Mutex::new(()),
            pending_hits: Default::default(),
            details: Default::default(),
        }
    }

    /// Loads every bank at start-up: PDQ signals are bulk-built into the index (much faster
    /// than inserting one by one), then [`MatchEngine::sync`] takes over.
    pub async fn load(store: Store) -> StoreResult<Self> {
        let banks = store.list_banks().await?;
        let mut registry = Registry::default();
        let mut pdq_entries = Vec::new();
        let exact = Self::new(store.clone());
        for (bank, version) in banks {
            let slot = registry.slots.len() as u32;
            registry.by_id.insert(bank.id, slot);
            let signal_type = bank.signal_type;
            store
                .for_each_signal_change(bank.id, 0, |signal_id, value, enabled| {
                    if !enabled {
                        return;
                    }
                    match signal_type {
                        SignalType::Pdq => {
                            if let Some(hash) = decode_hex::<32>(value) {
                                pdq_entries.push((entry_id(slot, signal_id), hash));
                            }
                        }
                        other => exact.apply(other, slot, signal_id, value, true),
                    }
                })
                .await?;
            registry.slots.push(BankSlot { bank, version });
        }
        let engine = Self { pdq: PdqIndex::from_entries(pdq_entries), registry: RwLock::new(registry), ..exact };
        Ok(engine)
    }

    fn apply(&self, signal_type: SignalType, slot: u32, signal_id: i64, value: &str, enabled: bool) {
        let entry = entry_id(slot, signal_id);
        match signal_type {
            SignalType::Pdq => match (enabled, decode_hex::<32>(value)) {
                (true, Some(hash)) => self.pdq.insert(entry, hash),
                _ => {
                    self.pdq.remove(entry);
                }
            },
            SignalType::Md5 => match (enabled, decode_hex::<16>(value)) {
                (true, Some(digest)) => self.md5.insert(entry, digest),
                _ => {
                    self.md5.remove(entry);
                }
            },
            SignalType::Sha256 => match (enabled, decode_hex::<32>(value)) {
                (true, Some(digest)) => self.sha256.insert(entry, digest),
                _ => {
                    self.sha256.remove(entry);
                }
            },
            SignalType::Url => {
                if enabled {
                    self.url.insert(entry, url_digest(value));
                } else {
                    self.url.remove(entry);
                }
            }
            SignalType::Vpdq => {
                let mut frames = self.video_frames.write().unwrap_or_else(|poisoned| poisoned.into_inner());
                if let Some(previous) = frames.remove(&signal_id) {
                    for position in 0..previous {
                        if let Some(entry) = video_entry(slot, signal_id, position) {
                            self.vpdq.remove(entry);
                        }
                    }
                }
                if enabled {
                    let unique = unique_video_frames(&parse_vpdq_value(value));
                    let mut indexed = 0;
                    for (position, hash) in unique.iter().enumerate() {
                        let Some(entry) = video_entry(slot, signal_id, position) else { break };
                        self.vpdq.insert(entry, *hash);
                        indexed += 1;
                    }
                    if indexed < unique.len() {
                        tracing::warn!(
                            signal_id,
                            indexed,
                            "video signal too long or id too large: not all frames indexed"
                        );
                    }
                    frames.insert(signal_id, unique.len());
                }
            }
        }
    }

    /// Brings the indexes up to date with the database: new banks, changed settings, and the
    /// signals changed since the last sync. Returns how many signal changes were applied.
    pub async fn sync(&self) -> StoreResult<u64> {
        let _guard = self.sync_lock.lock().await;
        let banks = self.store.list_banks().await?;
        let mut applied = 0;
        for (bank, version) in banks {
            let known = {
                let mut registry = self.registry.write().unwrap_or_else(|poisoned| poisoned.into_inner());
                match registry.by_id.get(&bank.id).copied() {
                    Some(slot) => {
                        let entry = &mut registry.slots[slot as usize];
                        entry.bank = bank.clone();
                        Some((slot, entry.version))
                    }
                    None => {
                        let slot = registry.slots.len() as u32;
                        registry.by_id.insert(bank.id, slot);
                        registry.slots.push(BankSlot { bank: bank.clone(), version: 0 });
                        Some((slot, 0))
                    }
                }
            };
            let Some((slot, known_version)) = known else { continue };
            if version <= known_version {
                continue;
            }
            applied += self
                .store
                .for_each_signal_change(bank.id, known_version, |signal_id, value, enabled| {
                    self.apply(bank.signal_type, slot, signal_id, value, enabled);
                })
                .await?;
            let mut registry = self.registry.write().unwrap_or_else(|poisoned| poisoned.into_inner());
            registry.slots[slot as usize].version = version;
        }
        Ok(applied)
    }

    /// Matches each query against the enabled banks `asker` may see (all of them, or those of
    /// them named in `only`), and describes each hit as `asker` may see it: the signal's value
    /// and ids only from banks whose signals `asker` may read. One outcome per query, in order.
    pub async fn lookup(
        &self,
        queries: &[Query],
        asker: &Principal,
        only: Option<&[BankId]>,
    ) -> StoreResult<Vec<Outcome>> {
        let raw: Vec<RawOutcome> = queries.iter().map(|query| self.search(query, asker, only)).collect();
        self.describe(raw).await
    }

    /// Like [`MatchEngine::lookup`] on one bank, keeping only hits on the signals in `signals`
    /// (all of the bank's when `None`): a rematch asks which media match the signals a bank
    /// just received, as each case's platform may see them.
    pub async fn lookup_among(
        &self,
        queries: &[Query],
        asker: &Principal,
        bank: BankId,
        signals: Option<&std::collections::HashSet<i64>>,
    ) -> StoreResult<Vec<Outcome>> {
        let raw: Vec<RawOutcome> = queries
            .iter()
            .map(|query| {
                let mut outcome = self.search(query, asker, Some(&[bank]));
                if let Some(signals) = signals {
                    outcome.hits.retain(|hit| signals.contains(&hit.signal_id));
                }
                outcome
            })
            .collect();
        self.describe(raw).await
    }

    /// The version of a bank's signals the indexes hold, if the engine knows the bank.
    pub fn bank_version(&self, bank: BankId) -> Option<i64> {
        let registry = self.registry.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        registry.by_id.get(&bank).map(|slot| registry.slots[*slot as usize].version)
    }

    /// Raw hits as the asker may see them (the access level was decided in `search`).
    async fn describe(&self, raw: Vec<RawOutcome>) -> StoreResult<Vec<Outcome>> {
        let ids: Vec<i64> = raw.iter().flat_map(|outcome| outcome.hits.iter().map(|hit| hit.signal_id)).collect();
        let details = self.details_of(&ids).await?;
        Ok(raw
            .into_iter()
            .map(|outcome| Outcome {
                hits: outcome
                    .hits
                    .into_iter()
                    .filter_map(|hit| {
                        let details = details.get(&hit.signal_id)?;
                        let signal = (hit.access == BankAccess::Signals).then(|| MatchedSignal {
                            bank_id: hit.bank_id,
                            id: hit.signal_id,
                            value: details.value.clone(),
                            external_id: details.external_id.clone(),
                        });
                        Some(Hit {
                            bank_name: hit.bank_name,
                            auto_action: hit.auto_action,
                            distance: hit.distance,
                            via: hit.via,
                            video: hit.video,
                            labels: details.labels.clone(),
                            signal,
                        })
                    })
                    .collect(),
                warnings: outcome.warnings,
            })
            .collect())
    }

    /// The details of these signals: from the cache (values and labels never change once
    /// stored, so a repeat hit costs no database round trip), the rest from the store.
    async fn details_of(&self, ids: &[i64]) -> StoreResult<HashMap<i64, Arc<SignalDetails>>> {
        let mut found = HashMap::new();
        let mut missing = Vec::new();
        {
            let cache = self.details.read().unwrap_or_else(|poisoned| poisoned.into_inner());
            for &id in ids {
                match cache.get(&id) {
                    Some(details) => {
                        found.insert(id, details.clone());
                    }
                    None => missing.push(id),
                }
            }
        }
        if !missing.is_empty() {
            missing.sort_unstable();
            missing.dedup();
            for signal in self.store.get_signals(&missing).await? {
                let labels = signal.labels.split(',').filter(|label| !label.is_empty()).map(str::to_owned).collect();
                let details = Arc::new(SignalDetails { value: signal.value, external_id: signal.external_id, labels });
                self.cache_details(signal.id, details.clone());
                found.insert(signal.id, details);
            }
        }
        Ok(found)
    }

    /// Matches one query against the enabled banks `asker` may see (all of them, or those
    /// named in `only`).
    fn search(&self, query: &Query, asker: &Principal, only: Option<&[BankId]>) -> RawOutcome {
        let registry = self.registry.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let signal_type = query.signal_type();
        let banks: Vec<(u32, &Bank, BankAccess)> = registry
            .slots
            .iter()
            .enumerate()
            .filter(|(_, slot)| slot.bank.signal_type == signal_type && slot.bank.enabled)
            .filter(|(_, slot)| only.is_none_or(|only| only.contains(&slot.bank.id)))
            .map(|(index, slot)| {
                (index as u32, &slot.bank, asker.bank_access(slot.bank.organisation_id, slot.bank.visibility))
            })
            .filter(|(_, _, access)| *access != BankAccess::Hidden)
            .collect();
        let mut outcome = RawOutcome::default();
        if banks.is_empty() {
            outcome.warnings.push(format!("no enabled {signal_type} bank to match against"));
            return outcome;
        }
        let raw: Vec<(EntryId, u32, Option<Via>)> = match query {
            Query::Pdq { hash, quality, variants } => {
                if let Some(quality) = quality {
                    for (_, bank, _) in &banks {
                        if *quality < bank.min_quality {
                            outcome.warnings.push(format!(
                                "quality {quality} is below bank {}'s minimum of {}: matches may be unreliable",
                                bank.name, bank.min_quality
                            ));
                        }
                    }
                }
                let radius = banks.iter().map(|(_, bank, _)| bank.match_threshold).max().unwrap_or(0);
                self.search_pdq_variants(hash, variants, radius)
            }
            Query::Md5(digest) => self.md5.get(digest).into_iter().map(|id| (id, 0, None)).collect(),
            Query::Sha256(digest) => self.sha256.get(digest).into_iter().map(|id| (id, 0, None)).collect(),
            Query::Url(url) => self.url.get(&url_digest(url)).into_iter().map(|id| (id, 0, None)).collect(),
            Query::Vpdq(frames) => {
                outcome.hits = self.search_video(frames, &banks);
                drop(registry);
                self.count_hits(&outcome);
                return outcome;
            }
        };
        for (entry, distance, via) in raw {
            let (slot, signal_id) = split_entry(entry);
            let Some((_, bank, access)) = banks.iter().find(|(index, _, _)| *index == slot) else { continue };
            if distance <= bank.match_threshold {
                outcome.hits.push(RawHit {
                    bank_id: bank.id,
                    bank_name: bank.name.clone(),
                    auto_action: bank.auto_action,
                    access: *access,
                    signal_id,
                    distance,
                    via,
                    video: None,
                });
            }
        }
        outcome.hits.sort_by_key(|hit| (hit.distance, hit.signal_id));
        drop(registry);
        self.count_hits(&outcome);
        outcome
    }

    /// Every hash of a PDQ query looked up within `radius`, merged per entry: each entry once,
    /// at its nearest distance, through the first hash that reached it (the image's own hash
    /// first, so a copy matched as it is says `identity`).
    fn search_pdq_variants(
        &self,
        hash: &[u8; 32],
        variants: &[(Via, [u8; 32])],
        radius: u32,
    ) -> Vec<(EntryId, u32, Option<Via>)> {
        let mut nearest: HashMap<EntryId, (u32, Via)> = HashMap::new();
        let mut found = Vec::new();
        for (via, hash) in std::iter::once((Via::IDENTITY, *hash)).chain(variants.iter().copied()) {
            self.pdq.search_into(&hash, radius, &mut found);
            for hit in &found {
                let best = nearest.entry(hit.id).or_insert((hit.distance, via));
                if hit.distance < best.0 {
                    *best = (hit.distance, via);
                }
            }
        }
        nearest.into_iter().map(|(entry, (distance, via))| (entry, distance, Some(via))).collect()
    }

    fn count_hits(&self, outcome: &RawOutcome) {
        if !outcome.hits.is_empty() {
            let mut pending = self.pending_hits.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            for hit in &outcome.hits {
                *pending.entry(hit.signal_id).or_default() += 1;
            }
        }
    }

    /// vPDQ against the video banks: each unique good query frame is range-searched, frame hits
    /// are grouped per video, and each video is judged by `match_from_hits`, which gives the
    /// same answer as comparing the two videos pairwise.
    fn search_video(&self, frames: &[(u8, [u8; 32])], banks: &[(u32, &Bank, BankAccess)]) -> Vec<RawHit> {
        let query = unique_video_frames(frames);
        let radius = banks.iter().map(|(_, bank, _)| bank.match_threshold).max().unwrap_or(0);
        let mut per_video: HashMap<(u32, i64), FrameHits> = HashMap::new();
        for (query_position, hash) in query.iter().enumerate() {
            for hit in self.vpdq.search(hash, radius) {
                let (slot, signal_id, position) = split_video_entry(hit.id);
                let Some((_, bank, _)) = banks.iter().find(|(index, _, _)| *index == slot) else { continue };
                if hit.distance <= bank.match_threshold {
                    let entry = per_video.entry((slot, signal_id)).or_default();
                    entry.pairs.push((query_position, position));
                    entry.nearest = entry.nearest.min(hit.distance);
                }
            }
        }
        let counts = self.video_frames.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut hits = Vec::new();
        for ((slot, signal_id), FrameHits { pairs, nearest }) in per_video {
            let Some((_, bank, access)) = banks.iter().find(|(index, _, _)| *index == slot) else { continue };
            let candidate_unique = counts.get(&signal_id).copied().unwrap_or(0);
            let thresholds = vigie_hash::vpdq::MatchThresholds {
                distance: bank.match_threshold,
                ..vigie_hash::vpdq::MatchThresholds::default()
            };
            let verdict = vigie_hash::vpdq::match_from_hits(query.len(), candidate_unique, pairs, &thresholds);
            if verdict.is_match {
                hits.push(RawHit {
                    bank_id: bank.id,
                    bank_name: bank.name.clone(),
                    auto_action: bank.auto_action,
                    access: *access,
                    signal_id,
                    distance: nearest,
                    via: None,
                    video: Some(VideoScore {
                        query_matched_percent: verdict.query_matched_percent,
                        candidate_matched_percent: verdict.candidate_matched_percent,
                    }),
                });
            }
        }
        hits.sort_by(|a, b| {
            let score = |hit: &RawHit| hit.video.map_or(0.0, |video| video.query_matched_percent);
            score(b).total_cmp(&score(a)).then(a.signal_id.cmp(&b.signal_id))
        });
        hits
    }

    /// Adds the matches counted since the last call to the signals' `seen` counters.
    pub async fn flush_hits(&self) -> StoreResult<usize> {
        let pending: Vec<(i64, u64)> = {
            let mut pending = self.pending_hits.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            pending.drain().collect()
        };
        if !pending.is_empty() {
            self.store.add_signal_hits(&pending).await?;
        }
        Ok(pending.len())
    }

    /// The ids of the banks with these names, or the first name of a bank that does not exist
    /// or that `asker` may not see (the two are told apart by no one).
    pub fn bank_ids_by_name(&self, names: &[String], asker: &Principal) -> Result<Vec<BankId>, String> {
        let registry = self.registry.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        names
            .iter()
            .map(|name| {
                registry
                    .slots
                    .iter()
                    .find(|slot| {
                        slot.bank.name == *name
                            && asker.bank_access(slot.bank.organisation_id, slot.bank.visibility) != BankAccess::Hidden
                    })
                    .map(|slot| slot.bank.id)
                    .ok_or_else(|| name.clone())
            })
            .collect()
    }

    /// Merges the PDQ index's small levels of recent inserts into larger ones when they have
    /// piled up. CPU-heavy (seconds at 10M): call from a blocking thread. Searches go on meanwhile.
    pub fn compact_if_needed(&self) -> bool {
        if self.pdq.needs_compaction() {
            self.pdq.compact();
            true
        } else {
            false
        }
    }

    /// Remembers a matched signal's details.
    fn cache_details(&self, signal_id: i64, details: Arc<SignalDetails>) {
        let mut cache = self.details.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if cache.len() >= DETAILS_CAPACITY {
            cache.clear();
        }
        cache.insert(signal_id, details);
    }

    /// Index sizes.
    pub fn stats(&self) -> EngineStats {
        EngineStats {
            pdq_entries: self.pdq.len(),
            pdq_bytes: self.pdq.memory_bytes(),
            exact_entries: self.md5.len() + self.sha256.len() + self.url.len(),
            video_frame_entries: self.vpdq.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn video_entry_ids_round_trip() {
        let entry = video_entry(3, 4_000_000_000, 65_535).unwrap();
        assert_eq!(split_video_entry(entry), (3, 4_000_000_000, 65_535));
        assert_eq!(video_entry(70_000, 1, 1), None);
        assert_eq!(video_entry(1, 1, 70_000), None);
    }

    #[test]
    fn entry_ids_round_trip() {
        for (slot, signal) in [(0, 1), (7, 123_456_789), (65_000, (1 << 40) - 1)] {
            assert_eq!(split_entry(entry_id(slot, signal)), (slot, signal));
        }
    }
}
