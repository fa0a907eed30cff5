//! The audit trail page: the events, the verification report with its checkpoints, and signing
//! or downloading a checkpoint.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use vigie_domain::access::Permission;
use vigie_domain::audit::checkpoint;

use super::audit_view::{Describer, Names};
use super::texts::Texts;
use super::{ConsoleError, ConsoleSession, Nav, form_value, render};
use crate::AppState;
use crate::audit::{CheckpointMode, CheckpointRefusal, make_checkpoint};
use crate::error::ApiError;

#[derive(Deserialize)]
pub(super) struct AuditQuery {
    before: Option<i64>,
    verify: Option<u8>,
    signed: Option<i64>,
}

struct EventRow {
    sequence: i64,
    time: String,
    actor: String,
    action: String,
    /// The action as recorded (`user.create`), for searching and the API.
    action_id: String,
    subject: String,
    facts: Vec<(String, String)>,
    raw_details: Option<String>,
    hash_short: String,
    /// Set when the row cannot be read; the other fields are then empty.
    unreadable: Option<String>,
}

struct ReportView {
    intact: bool,
    /// How many problems were found; which they are (they name events of every organisation)
    /// is shown to readers of the whole trail only.
    problem_count: usize,
    events_checked: i64,
    head_sequence: i64,
    head_short: String,
    problems: Vec<String>,
    problems_omitted: usize,
    checkpoints_stored: i64,
    checkpoints_held: i64,
    signatures_checked: bool,
}

struct CheckpointView {
    sequence: i64,
    signed_at: String,
    key: String,
}

#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditPage {
    nav: Option<Nav>,
    t: Texts,
    csrf: String,
    events: Vec<EventRow>,
    next_before: Option<i64>,
    whole_trail: bool,
    report: Option<ReportView>,
    latest_checkpoint: Option<CheckpointView>,
    can_sign: bool,
    signed: Option<i64>,
}

pub(super) async fn page(
    State(state): State<AppState>,
    session: ConsoleSession,
    Query(query): Query<AuditQuery>,
) -> Result<Response, ConsoleError> {
    let own = session.principal.organisation_id;
    let scope = if session.principal.may(Permission::ReadAudit(None)) { None } else { Some(own) };
    session.require(Permission::ReadAudit(scope))?;
    // Anyone who reads part of the trail may verify the whole chain: the result says whether
    // every event still hashes to the head, and how many there are, and names no event; where
    // it breaks (which names events of every organisation) is for readers of the whole trail.
    let whole_trail = scope.is_none();
    let report = if query.verify.is_some() {
        let report = crate::audit::verify(&state.store, state.audit_keys.trusted(), &[]).await?;
        Some(ReportView {
            intact: report.intact(),
            problem_count: report.problems.len() + report.problems_omitted,
            events_checked: report.chain.events_checked,
            head_sequence: report.chain.head_sequence,
            head_short: report.chain.head_hash.chars().take(16).collect(),
            problems: if whole_trail {
                report.problems.iter().map(|problem| problem.message.clone()).collect()
            } else {
                Vec::new()
            },
            problems_omitted: report.problems_omitted,
            checkpoints_stored: report.stored_total,
            checkpoints_held: report.stored_held,
            signatures_checked: !report.signatures_unchecked,
        })
    } else {
        None
    };
    let latest_checkpoint = {
        let rows = state.store.list_audit_checkpoints(None, 20).await?;
        rows.into_iter().flatten().find_map(|stored| {
            let (checkpoint, signers) = checkpoint::read_unverified(&stored.note).ok()?;
            Some(CheckpointView {
                sequence: checkpoint.sequence,
                signed_at: checkpoint.signed_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                key: signers.join(", "),
            })
        })
    };
    let page = state.store.list_audit_events(scope, query.before, 100).await?;
    let names = Names::load(&state.store).await?;
    let describer = Describer {
        names: &names,
        reader: &session.principal,
        t: session.texts(),
        whole_trail,
        colleague_names: false,
    };
    let mut events: Vec<EventRow> = page
        .events
        .into_iter()
        .map(|event| {
            let described = describer.describe(&event.record);
            EventRow {
                sequence: event.sequence,
                time: event.recorded_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                actor: described.actor,
                action: described.action,
                action_id: event.record.action,
                subject: described.subject,
                facts: described.facts,
                raw_details: described.raw_details,
                hash_short: event.hash.chars().take(12).collect(),
                unreadable: None,
            }
        })
        .collect();
    events.extend(page.unreadable.into_iter().map(|bad| EventRow {
        sequence: bad.sequence,
        time: String::new(),
        actor: String::new(),
        action: String::new(),
        action_id: String::new(),
        subject: String::new(),
        facts: Vec::new(),
        raw_details: None,
        hash_short: String::new(),
        unreadable: Some(bad.problem),
    }));
    events.sort_by_key(|event| std::cmp::Reverse(event.sequence));
    let can_sign = whole_trail && state.audit_keys.signer().is_some();
    Ok(render(&AuditPage {
        nav: session.nav(),
        t: session.texts(),
        csrf: session.session.csrf_token.clone(),
        events,
        next_before: page.next_before,
        whole_trail,
        report,
        latest_checkpoint,
        can_sign,
        signed: query.signed,
    }))
}

/// Signs a checkpoint now (the operator's auditors and admins).
pub(super) async fn sign_checkpoint(
    State(state): State<AppState>,
    session: ConsoleSession,
    body: String,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form_value(&body, "csrf"))?;
    session.require(Permission::ReadAudit(None))?;
    let refused = |slug: &'static str, detail: String| ApiError::Conflict { slug, detail, field: None };
    match make_checkpoint(&state.store, &state.audit_keys, CheckpointMode::Always).await {
        Ok(Some(stored)) => Ok(Redirect::to(&format!("/console/audit?signed={}", stored.sequence)).into_response()),
        Ok(None) => Err(ApiError::Internal(anyhow::anyhow!("an on-demand checkpoint was not stored")).into()),
        Err(CheckpointRefusal::Store(error)) => Err(error.into()),
        Err(error @ CheckpointRefusal::NoKey) => Err(refused("no-signing-key", error.to_string()).into()),
        Err(error @ CheckpointRefusal::Empty) => Err(refused("empty-trail", error.to_string()).into()),
        Err(error @ CheckpointRefusal::ChainBroken(_)) => Err(refused("chain-broken", error.to_string()).into()),
    }
}

/// The latest stored checkpoint, as a file to keep.
pub(super) async fn download_checkpoint(
    State(state): State<AppState>,
    session: ConsoleSession,
) -> Result<Response, ConsoleError> {
    // A checkpoint holds a sequence number, the head's hash and signatures: nothing about any
    // event. Every reader of the trail may keep one, to detect a later rewrite independently.
    session.require(Permission::ReadAudit(Some(session.principal.organisation_id)))?;
    let rows = state.store.list_audit_checkpoints(None, 20).await?;
    let stored = rows.into_iter().flatten().next().ok_or(ApiError::NotFound)?;
    let disposition = format!("attachment; filename=\"vigie-checkpoint-{}.txt\"", stored.sequence);
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)],
        stored.note,
    )
        .into_response())
}
