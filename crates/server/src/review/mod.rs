//! Review: the use cases behind the queue, the case view and decisions, shared by the API
//! (`api::cases`), the console (`console::review`) and the demo. Each takes the principal
//! the request acts for and checks its permissions here, so every door applies the same rules.

pub mod dashboard;
pub mod wire;

use chrono::{Duration, Utc};
use vigie_domain::access::{Permission, Principal};
use vigie_domain::bank::{Bank, SignalType, value_key};
use vigie_domain::ids::{BankId, CaseId, DecisionId, OrganisationId};
use vigie_domain::intake::SubmissionKind;
use vigie_domain::review::{CLAIM_SECONDS, DecisionInput, FourEyes, check_decision};
use vigie_domain::validate::{ValidationError, bounded_paragraphs};
use vigie_store::{CaseRecord, DecisionRecord, NewDecision, NewSignal, StoreError};

use crate::AppState;
use crate::error::{ApiError, ApiResult};

/// Most cases one bulk decision may cover.
pub const MAX_BULK_CASES: usize = 200;
/// Longest internal note.
pub const MAX_NOTE_CHARS: usize = 10_000;

/// A case the principal may read: another platform's case does not exist for them (404); their
/// own platform's, without the role to read cases, is forbidden (403).
pub async fn readable_case(state: &AppState, principal: &Principal, id: CaseId) -> ApiResult<CaseRecord> {
    let case = state.store.get_case(id).await?;
    if principal.may(Permission::ReadCases(case.platform_id)) {
        Ok(case)
    } else if case.platform_id == principal.organisation_id {
        Err(ApiError::Forbidden)
    } else {
        Err(ApiError::NotFound)
    }
}

/// A case the principal may decide (read, then `DecideCases`).
async fn decidable_case(state: &AppState, principal: &Principal, id: CaseId) -> ApiResult<CaseRecord> {
    let case = readable_case(state, principal, id).await?;
    if principal.may(Permission::DecideCases(case.platform_id)) { Ok(case) } else { Err(ApiError::Forbidden) }
}

fn claim_until() -> chrono::DateTime<Utc> {
    Utc::now() + Duration::seconds(CLAIM_SECONDS)
}

/// Claims a case (or renews one's claim) for [`CLAIM_SECONDS`].
pub async fn claim(state: &AppState, principal: &Principal, id: CaseId) -> ApiResult<CaseRecord> {
    let case = decidable_case(state, principal, id).await?;
    if case.review_state.needs_senior() && !principal.may(Permission::SeniorDecisions(case.platform_id)) {
        return Err(StoreError::Conflict { constraint: vigie_store::review_conflicts::NEEDS_SENIOR.into() }.into());
    }
    Ok(state.store.claim_case(id, claim_until(), principal.actor).await?)
}

/// Releases one's claim on a case; true if one held it.
pub async fn release(state: &AppState, principal: &Principal, id: CaseId) -> ApiResult<bool> {
    decidable_case(state, principal, id).await?;
    Ok(state.store.release_case(id, principal.actor).await?)
}

/// The platforms whose queue the principal works: their own organisation's, or every
/// platform's for the operator's reviewers.
pub async fn queue_platforms(state: &AppState, principal: &Principal) -> ApiResult<Vec<OrganisationId>> {
    if principal.organisation_is_operator {
        let organisations = state.store.list_organisations().await?;
        Ok(organisations.into_iter().map(|organisation| organisation.id).collect())
    } else {
        Ok(vec![principal.organisation_id])
    }
}

/// Claims the most urgent case nobody holds that the principal may decide.
pub async fn claim_next(state: &AppState, principal: &Principal) -> ApiResult<Option<CaseRecord>> {
    if !principal.may(Permission::DecideCases(principal.organisation_id)) {
        return Err(ApiError::Forbidden);
    }
    let platforms = queue_platforms(state, principal).await?;
    let senior = principal.may(Permission::SeniorDecisions(principal.organisation_id));
    Ok(state.store.claim_next_case(&platforms, senior, claim_until(), principal.actor).await?)
}

/// Records a decision on a case. Validation names every field at fault and writes nothing;
/// permission, claim and state refusals come from the store's serialised check.
pub async fn decide(
    state: &AppState,
    principal: &Principal,
    id: CaseId,
    input: &DecisionInput,
    replaces: Option<DecisionId>,
) -> ApiResult<DecisionRecord> {
    let case = decidable_case(state, principal, id).await?;
    let draft = check_decision(input, case.kinds.contains(&SubmissionKind::RemovalOrder))?;
    let add_to_bank = match &draft.add_to_bank {
        None => None,
        Some((bank, _)) => {
            let bank = bank_for_decision(state, principal, bank).await?;
            let labels = draft
                .add_to_bank
                .as_ref()
                .map(|(_, labels)| labels.iter().map(|label| label.as_str()).collect::<Vec<_>>().join(","))
                .unwrap_or_default();
            let signals = case_signals(state, principal, &case, &bank, &labels).await?;
            Some((bank.id, signals))
        }
    };
    let decision = state
        .store
        .record_decision(&NewDecision {
            case_id: id,
            draft,
            replaces,
            actor: principal.actor,
            senior: principal.may(Permission::SeniorDecisions(case.platform_id)),
            add_to_bank,
        })
        .await?;
    if decision.signals_added > 0 {
        // The node that wrote matches with the new signals at once (ARCHITECTURE.md).
        state.engine.sync().await?;
    }
    // Its actions and events, if any, were queued with it.
    state.deliveries.notify_one();
    Ok(decision)
}

/// The same decision on several cases, each recorded on its own: one refusal does not stop
/// the others. The input is checked once first, against the strictest case (a removal order
/// among them), so a malformed decision writes nothing at all.
pub async fn decide_many(
    state: &AppState,
    principal: &Principal,
    ids: &[CaseId],
    input: &DecisionInput,
) -> ApiResult<Vec<(CaseId, ApiResult<DecisionRecord>)>> {
    if ids.is_empty() {
        return Err(ApiError::field("cases", "must name at least one case"));
    }
    if ids.len() > MAX_BULK_CASES {
        return Err(ApiError::field("cases", format!("must name at most {MAX_BULK_CASES} cases")));
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(index) = ids.iter().position(|id| !seen.insert(*id)) {
        return Err(ApiError::field(&format!("cases[{index}]"), "names a case already in the list"));
    }
    // Refuse a malformed decision before touching any case: only the kinds' applicability is
    // left to each case.
    if let Err(error) = check_decision(input, true) {
        return Err(error.into());
    }
    let mut results = Vec::with_capacity(ids.len());
    for (index, id) in ids.iter().enumerate() {
        let result = decide(state, principal, *id, input, None).await;
        // Each case's failure is answered in the list, not as the request's error: a server
        // fault among them is logged here, as its problem says.
        if let Err(error) = &result
            && let Some(cause) = error.logged_cause()
        {
            tracing::error!(error = %format!("{cause:#}"), index, "bulk decision on one case failed");
        }
        results.push((*id, result));
    }
    Ok(results)
}

/// Four eyes: a senior reviewer other than the decider confirms or rejects a pending decision.
pub async fn review_decision(
    state: &AppState,
    principal: &Principal,
    id: DecisionId,
    confirm: bool,
    note: Option<&str>,
) -> ApiResult<DecisionRecord> {
    let decision = state.store.get_decision(id).await?;
    readable_case(state, principal, decision.case_id).await?;
    if !principal.may(Permission::SeniorDecisions(decision.platform_id)) {
        return Err(ApiError::Forbidden);
    }
    let note = match note {
        None => String::new(),
        Some(text) => {
            bounded_paragraphs(text, 0, MAX_NOTE_CHARS).map_err(|message| ApiError::field("note", message))?
        }
    };
    if !confirm && note.is_empty() {
        return Err(ApiError::field("note", "is required to reject a decision: say what is wrong with it"));
    }
    // A pending decision's addition to a bank waits for its confirmation: rejected, it adds
    // nothing. The signals are taken from the case as it is when confirmed.
    let add_to_bank = match decision.bank_id.filter(|_| confirm) {
        None => None,
        Some(bank_id) => {
            let case = readable_case(state, principal, decision.case_id).await?;
            let (bank, _) = state.store.get_bank(bank_id).await?;
            let signals = case_signals(state, principal, &case, &bank, &decision.bank_labels).await?;
            Some((bank_id, signals))
        }
    };
    let reviewed = state.store.review_decision(id, confirm, &note, principal.actor, add_to_bank).await?;
    if reviewed.signals_added > 0 {
        state.engine.sync().await?;
    }
    state.deliveries.notify_one();
    Ok(reviewed)
}

/// Adds an internal note to a case.
pub async fn add_note(
    state: &AppState,
    principal: &Principal,
    id: CaseId,
    body: &str,
) -> ApiResult<vigie_store::CaseNote> {
    decidable_case(state, principal, id).await?;
    let body = bounded_paragraphs(body, 1, MAX_NOTE_CHARS).map_err(|message| ApiError::field("body", message))?;
    Ok(state.store.add_case_note(id, &body, principal.actor).await?)
}

/// Sets which submission kinds a platform wants decided by four eyes (its admins).
pub async fn set_four_eyes(
    state: &AppState,
    principal: &Principal,
    platform: OrganisationId,
    kinds: &[String],
) -> ApiResult<FourEyes> {
    if !principal.may(Permission::EditOrganisation(platform)) {
        return Err(ApiError::Forbidden);
    }
    let mut parsed = Vec::new();
    let mut issues = vigie_domain::validate::Checker::default();
    for (index, kind) in kinds.iter().enumerate() {
        if let Some(kind) = issues.check(&format!("four_eyes_kinds[{index}]"), SubmissionKind::parse(kind)) {
            parsed.push(kind);
        }
    }
    if !issues.is_clean() {
        return Err(issues.into_error().into());
    }
    let rule = FourEyes::of(parsed);
    state.store.set_four_eyes(platform, &rule, principal.actor).await?;
    Ok(rule)
}

/// The bank a decision names (by id or name), if the principal may add to it. A bank they may
/// not know of is "no such bank", like one that does not exist.
async fn bank_for_decision(state: &AppState, principal: &Principal, name: &str) -> ApiResult<Bank> {
    let field = "add_to_bank.bank";
    let bank = match name.parse::<uuid::Uuid>() {
        Ok(id) => match state.store.get_bank(BankId(id)).await {
            Ok((bank, _)) => Some(bank),
            Err(StoreError::NotFound) => None,
            Err(error) => return Err(error.into()),
        },
        Err(_) => state.store.find_bank_by_name(name).await?,
    };
    let bank = bank
        .filter(|bank| principal.may(Permission::SeeBank { owner: bank.organisation_id, visibility: bank.visibility }))
        .ok_or_else(|| ApiError::field(field, "no such bank, or it is not visible to you"))?;
    if !principal.may(Permission::AddToBank(bank.organisation_id)) {
        return Err(ApiError::field(field, "you may not add signals to this bank: it belongs to another organisation"));
    }
    Ok(bank)
}

/// The signals a case's content gives a bank of its type: its images' PDQ hashes, its videos'
/// vPDQ, its files' digests, or its URLs.
/// `labels`: comma-joined, as the decision stores them.
async fn case_signals(
    state: &AppState,
    principal: &Principal,
    case: &CaseRecord,
    bank: &Bank,
    labels: &str,
) -> ApiResult<Vec<NewSignal>> {
    // The signals are the case's content: preserved content is read only once opened.
    crate::preservation::require_content(state, principal, case.id).await?;
    let labels = labels.to_owned();
    let mut values: Vec<(String, Option<u32>)> = Vec::new();
    for submission in state.store.list_case_submissions(case.id).await? {
        if bank.signal_type == SignalType::Url {
            let details: serde_json::Value = serde_json::from_str(&submission.details).unwrap_or_default();
            let mut urls: Vec<String> = details["urls"]
                .as_array()
                .map(|urls| urls.iter().filter_map(|url| url.as_str().map(str::to_owned)).collect())
                .unwrap_or_default();
            if let Some(url) = details["url"].as_str() {
                urls.push(url.to_owned());
            }
            values.extend(urls.into_iter().map(|url| (url, None)));
            continue;
        }
        for media in state.store.list_submission_media(submission.receipt.id).await? {
            let value = match bank.signal_type {
                SignalType::Pdq => {
                    media.pdq.clone().map(|pdq| (pdq, media.pdq_quality.and_then(|q| u32::try_from(q).ok())))
                }
                SignalType::Vpdq => media.vpdq.clone().map(|vpdq| (vpdq, None)),
                SignalType::Sha256 => Some((media.sha256.clone(), None)),
                SignalType::Md5 => Some((media.md5.clone(), None)),
                SignalType::Url => None,
            };
            values.extend(value);
        }
    }
    let mut signals: Vec<NewSignal> = Vec::new();
    for (value, quality) in values {
        let Ok(canonical) = vigie_domain::bank::canonical_value(bank.signal_type, &value) else { continue };
        let key = value_key(bank.signal_type, &canonical);
        if signals.iter().any(|signal| signal.value_key == key) {
            continue;
        }
        signals.push(NewSignal {
            value: canonical,
            value_key: key,
            quality,
            source: Some("decision".into()),
            external_id: Some(format!("case:{}", case.id)),
            labels: labels.clone(),
            enabled: true,
        });
    }
    if signals.is_empty() {
        return Err(ValidationError::single(
            "add_to_bank.bank",
            format!(
                "this case holds nothing a {} bank can hold yet (media still being hashed, or none of that kind)",
                bank.signal_type.as_str()
            ),
        )
        .into());
    }
    Ok(signals)
}

/// A case as listed: its record, plus senders, labels and best distance.
pub fn case_summary(
    case: CaseRecord,
    extras: Option<&vigie_store::QueueExtras>,
    now: chrono::DateTime<Utc>,
) -> crate::intake::wire::CaseSummary {
    let extras = extras.cloned().unwrap_or_default();
    crate::intake::wire::CaseSummary {
        id: case.id.0,
        platform: case.platform_id.0,
        status: case.status.as_str().into(),
        priority: case.priority.as_str().into(),
        overdue: case.status == vigie_domain::intake::CaseStatus::Open
            && case.review_state.is_open()
            && case.due_at.is_some_and(|due| due < now),
        due_at: case.due_at,
        merged_into: case.merged_into.map(|id| id.0),
        kinds: case.kinds.iter().map(|kind| kind.as_str().to_owned()).collect(),
        submission_count: case.submission_count,
        match_count: case.match_count,
        review_state: case.review_state.as_str().into(),
        claim: case.claim.as_ref().map(wire::ClaimView::from),
        senders: extras.senders.iter().map(|sender| sender.0).collect(),
        labels: extras.labels,
        best_distance: extras.best_distance,
        decided_at: case.decided_at,
        created_at: case.created_at,
        updated_at: case.updated_at,
    }
}

/// Cases as listed, with their extras (two queries for the whole page).
pub async fn case_summaries(
    state: &AppState,
    cases: Vec<CaseRecord>,
) -> ApiResult<Vec<crate::intake::wire::CaseSummary>> {
    let ids: Vec<CaseId> = cases.iter().map(|case| case.id).collect();
    let extras = state.store.queue_extras(&ids).await?;
    let now = Utc::now();
    Ok(cases
        .into_iter()
        .map(|case| {
            let id = case.id;
            case_summary(case, extras.get(&id), now)
        })
        .collect())
}

/// Everything about one case the principal may read: submissions with their legal fields and
/// clocks, matches with the signals' feedback counts, decisions, notes, and similar cases.
pub async fn case_view(
    state: &AppState,
    principal: &Principal,
    id: CaseId,
) -> ApiResult<crate::intake::wire::CaseView> {
    let case = readable_case(state, principal, id).await?;
    let (preservation, content) = crate::preservation::content_of(state, principal, case.id).await?;
    // Media and clock events of all the submissions in one query each, not two per submission
    // (a case reported hundreds of times stays one page of a few queries).
    let mut media = state.store.list_case_media(case.id).await?;
    let mut clocks = state.store.list_case_deadline_events(case.id).await?;
    let submissions = state
        .store
        .list_case_submissions(case.id)
        .await?
        .into_iter()
        .map(|record| {
            let id = record.receipt.id;
            let mut view = crate::api::submissions::submission_view_of(
                record,
                media.remove(&id).unwrap_or_default(),
                clocks.remove(&id).unwrap_or_default(),
            );
            if !content.readable() {
                crate::preservation::withhold(&mut view);
            }
            view
        })
        .collect();
    let found = state.store.list_case_matches(case.id).await?;
    let signal_ids: Vec<i64> = found.iter().filter_map(|found| found.found.signal_id).collect();
    let signals: std::collections::HashMap<i64, vigie_store::Signal> =
        state.store.get_signals(&signal_ids).await?.into_iter().map(|signal| (signal.id, signal)).collect();
    let matches = found
        .into_iter()
        .map(|found| {
            let signal = found.found.signal_id.and_then(|id| signals.get(&id));
            crate::intake::wire::CaseMatchView {
                bank: found.found.bank,
                signal_id: found.found.signal_id,
                signal_type: found.found.signal_type,
                distance: found.found.distance,
                via: found.found.via,
                labels: found.found.labels.split(',').filter(|label| !label.is_empty()).map(str::to_owned).collect(),
                confirmed_count: signal.map(|signal| signal.confirmed_count),
                false_positive_count: signal.map(|signal| signal.false_positive_count),
                submission_id: found.submission_id.map(|id| id.0),
                media_sha256: found.found.media_sha256,
                found_at: found.created_at,
            }
        })
        .collect();
    let decisions = state.store.list_decisions(case.id).await?.into_iter().map(wire::DecisionView::from).collect();
    // Notes describe the content; closed with it (and purged with it).
    let notes = if content.readable() {
        state.store.list_case_notes(case.id).await?.into_iter().map(wire::NoteView::from).collect()
    } else {
        Vec::new()
    };
    let similar = case_summaries(state, state.store.cases_sharing_matches(case.id, 20).await?).await?;
    let summary = case_summaries(state, vec![case]).await?.remove(0);
    let preservation = preservation.map(|record| crate::preservation::view_of(record, &content, true));
    Ok(crate::intake::wire::CaseView { case: summary, submissions, matches, decisions, notes, similar, preservation })
}
