//! Preservation of removed content (TCO Art. 6), shared by the API (`api::preservation`), the
//! case page, the media routes and the purge worker.
//!
//! Once the platform confirms a takedown, the case's content (its media, and the parts of its
//! submissions that say where the content was and what it showed, or who reported it) opens
//! only to a reader who states a purpose among the article's and a reason: each opening is a
//! row and an audit event, and lasts [`ACCESS_LASTS`]. Decisions, actions, complaints and the
//! legal fields of the submissions stay readable as before. Six months after the removal (or
//! when the last extension ends), and once no complaint is open, the purge removes the content
//! for good; any node may run it, the store makes sure it happens once.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use vigie_domain::access::{Permission, Principal};
use vigie_domain::ids::CaseId;
use vigie_domain::intake::SubmissionKind;
use vigie_domain::preservation::{ACCESS_LASTS, ExtensionFields, check_access, check_extension};
use vigie_store::{AccessRecord, CaseRecord, ExtensionRecord, PreservationRecord};

use crate::AppState;
use crate::api::openapi::names;
use crate::error::{ApiError, ApiResult};
use crate::intake::wire::SubmissionView;
use crate::review::wire::ActorView;

/// Cases purged per pass of the worker; it goes on until none is due.
const PURGE_BATCH: u32 = 50;

/// `POST /v1/cases/{id}/preservation/accesses`.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessRequestBody {
    /// `complaint` (handling a complaint against the removal), `review_proceedings`
    /// (administrative or judicial review) or `investigation` (an authority's request about
    /// terrorist offences): the purposes TCO Art. 6(1) names.
    #[schema(schema_with = names::access_purpose_or_null)]
    pub purpose: Option<String>,
    /// What it is for, in your words: the complaint, the proceedings, the request.
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// `POST /v1/cases/{id}/preservation/extensions`.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionRequestBody {
    /// The authority or court that asked.
    #[schema(max_length = 200)]
    pub authority: Option<String>,
    /// Its reference for the request or the proceedings.
    #[schema(max_length = 200)]
    pub reference: Option<String>,
    /// Until when the content must be kept: after the current end, within five years.
    pub until: Option<DateTime<Utc>>,
    /// The proceedings it is kept for.
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// Where a case's preservation stands.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PreservationView {
    /// `preserved` (kept, opening on a stated purpose) or `purged`.
    #[schema(schema_with = names::preservation_status)]
    pub status: String,
    /// When the platform removed or disabled the content (its first confirmed takedown).
    pub removed_at: DateTime<Utc>,
    /// Until when it is kept: six months from the removal, or the last extension's end. The
    /// purge comes after, once no complaint about the case is open.
    pub preserved_until: DateTime<Utc>,
    /// When it was purged.
    pub purged_at: Option<DateTime<Utc>>,
    /// Until when the content is open to the caller (their running access), if it is.
    pub open_to_you_until: Option<DateTime<Utc>>,
    /// Extensions asked for by authorities or courts, oldest first.
    pub extensions: Vec<ExtensionView>,
    /// Every opening of the content, oldest first: who, when, why. Shown to the platform's
    /// reviewers and auditors (a sender sees the extensions only).
    pub accesses: Vec<AccessView>,
}

/// An extension of preservation.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ExtensionView {
    /// Its id.
    pub id: Uuid,
    /// Who asked.
    pub authority: String,
    /// Their reference.
    pub reference: String,
    /// Until when.
    pub until: DateTime<Utc>,
    /// Why.
    pub reason: String,
    /// Who recorded it.
    pub recorded_by: ActorView,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

impl From<ExtensionRecord> for ExtensionView {
    fn from(record: ExtensionRecord) -> Self {
        Self {
            id: record.id.0,
            authority: record.authority,
            reference: record.reference,
            until: record.until,
            reason: record.reason,
            recorded_by: record.recorded_by.into(),
            recorded_at: record.recorded_at,
        }
    }
}

/// One opening of preserved content.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AccessView {
    /// Its id.
    pub id: Uuid,
    /// Who opened it.
    pub actor: ActorView,
    /// `complaint`, `review_proceedings` or `investigation`.
    #[schema(schema_with = names::access_purpose)]
    pub purpose: String,
    /// Why, in their words.
    pub reason: String,
    /// When.
    pub opened_at: DateTime<Utc>,
    /// Until when it stays open to them.
    pub expires_at: DateTime<Utc>,
}

impl From<AccessRecord> for AccessView {
    fn from(record: AccessRecord) -> Self {
        Self {
            id: record.id.0,
            actor: record.actor.into(),
            purpose: record.purpose.as_str().to_owned(),
            reason: record.reason,
            opened_at: record.opened_at,
            expires_at: record.expires_at,
        }
    }
}

/// Whether a reader may see a case's content now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    /// Never removed: readable as any case.
    NotPreserved,
    /// Preserved and opened by this reader until then.
    Open(DateTime<Utc>),
    /// Preserved; this reader has not opened it.
    Closed,
    /// Purged.
    Purged,
}

impl Content {
    /// Whether the content may be shown.
    pub fn readable(&self) -> bool {
        matches!(self, Self::NotPreserved | Self::Open(_))
    }
}

/// A case's preservation and whether `principal` may see its content.
pub async fn content_of(
    state: &AppState,
    principal: &Principal,
    case: CaseId,
) -> ApiResult<(Option<PreservationRecord>, Content)> {
    let Some(record) = state.store.get_preservation(case).await? else {
        return Ok((None, Content::NotPreserved));
    };
    let content = if record.purged_at.is_some() {
        Content::Purged
    } else {
        match state.store.live_preservation_access(case, principal.actor).await? {
            Some(access) => Content::Open(access.expires_at),
            None => Content::Closed,
        }
    };
    Ok((Some(record), content))
}

/// Whether `principal` may see a case's content now, without loading its preservation.
pub async fn content_for(state: &AppState, principal: &Principal, case: CaseId) -> ApiResult<Content> {
    Ok(match state.store.preservation_state(case).await? {
        None => Content::NotPreserved,
        Some(true) => Content::Purged,
        Some(false) => match state.store.live_preservation_access(case, principal.actor).await? {
            Some(access) => Content::Open(access.expires_at),
            None => Content::Closed,
        },
    })
}

/// Refuses to go on unless `principal` may see the case's content: a clear 403 while it is
/// preserved and not opened, 410 once purged.
pub async fn require_content(state: &AppState, principal: &Principal, case: CaseId) -> ApiResult<()> {
    match content_for(state, principal, case).await? {
        Content::NotPreserved | Content::Open(_) => Ok(()),
        Content::Closed => Err(ApiError::PreservedContent),
        Content::Purged => Err(ApiError::PurgedContent),
    }
}

/// A submission as a reader who may not see the content sees it: its legal fields only
/// ([`vigie_domain::preservation::DETAILS_KEPT_AFTER_PURGE`]), no media.
pub fn withhold(view: &mut SubmissionView) {
    let details = view.details.to_string();
    view.details = serde_json::from_str(&vigie_store::kept_details(&details)).unwrap_or(serde_json::Value::Null);
    view.media.clear();
}

/// The view of a record for `principal`; `with_accesses` for the platform's readers.
pub fn view_of(record: PreservationRecord, content: &Content, with_accesses: bool) -> PreservationView {
    PreservationView {
        status: if record.purged_at.is_some() { "purged" } else { "preserved" }.into(),
        removed_at: record.removed_at,
        preserved_until: record.preserved_until,
        purged_at: record.purged_at,
        open_to_you_until: match content {
            Content::Open(until) => Some(*until),
            _ => None,
        },
        extensions: record.extensions.into_iter().map(ExtensionView::from).collect(),
        accesses: if with_accesses { record.accesses.into_iter().map(AccessView::from).collect() } else { Vec::new() },
    }
}

/// Who may see a case's preservation: the platform's case readers (everything), or an
/// organisation that sent a removal order or a referral in it (the dates and extensions).
enum Reader {
    Platform,
    Sender,
}

async fn reader_of(state: &AppState, principal: &Principal, case: &CaseRecord) -> ApiResult<Reader> {
    if principal.may(Permission::ReadCases(case.platform_id)) {
        return Ok(Reader::Platform);
    }
    if sent_an_order(state, principal, case).await? {
        return Ok(Reader::Sender);
    }
    Err(if case.platform_id == principal.organisation_id { ApiError::Forbidden } else { ApiError::NotFound })
}

/// Whether `principal` may send submissions and its organisation sent a removal order or a
/// referral in the case: the authority whose request the removal answered, and whose
/// proceedings preservation serves. Every submission of a preserved case came before the
/// removal was confirmed: content reported again afterwards opens a new case
/// (`Bulk::find_case_keys`), so a late sender never joins this one.
async fn sent_an_order(state: &AppState, principal: &Principal, case: &CaseRecord) -> ApiResult<bool> {
    if !principal.may(Permission::Submit) {
        return Ok(false);
    }
    let submissions = state.store.list_case_submissions(case.id).await?;
    Ok(submissions.iter().any(|submission| {
        submission.submitter_id == Some(principal.organisation_id)
            && matches!(submission.receipt.kind, SubmissionKind::RemovalOrder | SubmissionKind::Referral)
    }))
}

/// `GET /v1/cases/{id}/preservation`: 409 with a clear problem while nothing is preserved. A
/// sender reads the dates and its own extensions.
pub async fn status(state: &AppState, principal: &Principal, id: CaseId) -> ApiResult<PreservationView> {
    let case = state.store.get_case(id).await?;
    let reader = reader_of(state, principal, &case).await?;
    let (record, content) = content_of(state, principal, case.id).await?;
    let mut record = record.ok_or_else(not_preserved)?;
    if matches!(reader, Reader::Sender) {
        record.extensions.retain(|extension| extension.organisation_id == Some(principal.organisation_id));
    }
    Ok(view_of(record, &content, matches!(reader, Reader::Platform)))
}

fn not_preserved() -> ApiError {
    ApiError::from(vigie_store::StoreError::Conflict {
        constraint: vigie_store::preservation_conflicts::NOT_PRESERVED.into(),
    })
}

/// Opens a case's preserved content to `principal` for [`ACCESS_LASTS`], with its purpose and
/// reason recorded. The platform's case readers only.
pub async fn open(
    state: &AppState,
    principal: &Principal,
    id: CaseId,
    request: &AccessRequestBody,
) -> ApiResult<AccessRecord> {
    let case = crate::review::readable_case(state, principal, id).await?;
    let access = check_access(request.purpose.as_deref(), request.reason.as_deref())?;
    let record =
        state.store.open_preserved_content(case.id, principal.organisation_id, &access, principal.actor).await?;
    debug_assert_eq!(record.expires_at - record.opened_at, ACCESS_LASTS);
    Ok(record)
}

/// Records an extension: the platform's admins and senior reviewers (relaying the request), or
/// the authority itself when it sent a removal order or a referral in the case.
pub async fn extend(
    state: &AppState,
    principal: &Principal,
    id: CaseId,
    request: &ExtensionRequestBody,
) -> ApiResult<ExtensionRecord> {
    let case = state.store.get_case(id).await?;
    let allowed = principal.may(Permission::ExtendPreservation(case.platform_id))
        || sent_an_order(state, principal, &case).await?;
    if !allowed {
        return Err(match reader_of(state, principal, &case).await {
            Ok(_) => ApiError::Forbidden,
            Err(error) => error,
        });
    }
    let record = state.store.get_preservation(case.id).await?.ok_or_else(not_preserved)?;
    if record.purged_at.is_some() {
        return Err(ApiError::PurgedContent);
    }
    let fields = ExtensionFields {
        authority: request.authority.as_deref(),
        reference: request.reference.as_deref(),
        until: request.until,
        reason: request.reason.as_deref(),
    };
    let extension = check_extension(fields, record.preserved_until, state.store.now())?;
    Ok(state.store.extend_preservation(case.id, principal.organisation_id, &extension, principal.actor).await?)
}

/// Purges every case whose preservation ended: rows in one transaction each, then the files
/// of the media no other case holds (with their frames and renditions). Returns how many cases
/// were purged. A file left behind (the process killed in between, or another node's copy) is
/// one no row names any more: the media collector removes it.
pub async fn purge_due(state: &AppState) -> ApiResult<usize> {
    let mut purged = 0;
    loop {
        let due = state.store.due_purges(PURGE_BATCH).await?;
        let mut progressed = false;
        for case in &due {
            let Some(done) = state.store.purge_case(*case).await? else { continue };
            progressed = true;
            purged += 1;
            for sha256 in &done.media {
                remove_media_files(state, sha256).await?;
            }
            tracing::info!(case = %done.case_id, submissions = done.submissions, media = done.media.len(), "case purged");
        }
        if due.len() < PURGE_BATCH as usize || !progressed {
            return Ok(purged);
        }
    }
}

async fn remove_media_files(state: &AppState, sha256: &str) -> ApiResult<()> {
    let media = &state.intake.media;
    // A request holding the same bytes meanwhile (the file sent again) keeps it, and its frames
    // and renditions; if it never names them, the collector removes them later.
    if !media.remove_if_unrecorded(&state.store, sha256).await? {
        return Ok(());
    }
    for dir in [media.frames_dir(sha256), media.renditions_dir(sha256)] {
        match tokio::fs::remove_dir_all(&dir).await {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(ApiError::storage("cannot remove a purged media's renditions", error)),
        }
    }
    Ok(())
}
