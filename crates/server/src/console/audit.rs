//! The audit trail page: the events, the verification report with its checkpoints, and signing
//! or downloading a checkpoint.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use vigie_domain::access::Permission;
use vigie_domain::audit::checkpoint;

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
    subject: String,
    details: String,
    hash_short: String,
    /// Set when the row cannot be read; the other fields are then empty.
    unreadable: Option<String>,
}

struct ReportView {
    intact: bool,
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
    csrf: String,
    events: Vec<EventRow>,
    next_before: Option<i64>,
    can_verify: bool,
    report: Option<ReportView>,
    latest_checkpoint: Option<CheckpointView>,
    can_sign: bool,
    signed: Option<i64>,
}

/// The tail of an id: UUIDv7s share their leading (time) digits, so the tail tells them apart.
fn short_id(id: &str) -> &str {
    id.get(id.len().saturating_sub(8)..).unwrap_or(id)
}

pub(super) async fn page(
    State(state): State<AppState>,
    session: ConsoleSession,
    Query(query): Query<AuditQuery>,
) -> Result<Response, ConsoleError> {
    let own = session.principal.organisation_id;
    let scope = if session.principal.may(Permission::ReadAudit(None)) { None } else { Some(own) };
    session.require(Permission::ReadAudit(scope))?;
    let can_verify = session.principal.may(Permission::ReadAudit(None));
    let report = if can_verify && query.verify.is_some() {
        let report = crate::audit::verify(&state.store, state.audit_keys.trusted(), &[]).await?;
        Some(ReportView {
            intact: report.intact(),
            events_checked: report.chain.events_checked,
            head_sequence: report.chain.head_sequence,
            head_short: report.chain.head_hash.chars().take(16).collect(),
            problems: report.problems.iter().map(|problem| problem.message.clone()).collect(),
            problems_omitted: report.problems_omitted,
            checkpoints_stored: report.stored_total,
            checkpoints_held: report.stored_held,
            signatures_checked: !report.signatures_unchecked,
        })
    } else {
        None
    };
    let latest_checkpoint = if can_verify {
        let rows = state.store.list_audit_checkpoints(None, 20).await?;
        rows.into_iter().flatten().find_map(|stored| {
            let (checkpoint, signers) = checkpoint::read_unverified(&stored.note).ok()?;
            Some(CheckpointView {
                sequence: checkpoint.sequence,
                signed_at: checkpoint.signed_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                key: signers.join(", "),
            })
        })
    } else {
        None
    };
    let page = state.store.list_audit_events(scope, query.before, 100).await?;
    let mut events: Vec<EventRow> = page
        .events
        .into_iter()
        .map(|event| EventRow {
            sequence: event.sequence,
            time: event.recorded_at.format("%Y-%m-%d %H:%M:%S").to_string(),
            actor: match event.record.actor.id() {
                Some(id) => format!("{} …{}", event.record.actor.kind(), short_id(&id.to_string())),
                None => event.record.actor.kind().to_owned(),
            },
            action: event.record.action,
            subject: format!("{} …{}", event.record.subject_type, short_id(&event.record.subject_id)),
            details: event.record.details,
            hash_short: event.hash.chars().take(12).collect(),
            unreadable: None,
        })
        .collect();
    events.extend(page.unreadable.into_iter().map(|bad| EventRow {
        sequence: bad.sequence,
        time: String::new(),
        actor: String::new(),
        action: String::new(),
        subject: String::new(),
        details: String::new(),
        hash_short: String::new(),
        unreadable: Some(bad.problem),
    }));
    events.sort_by_key(|event| std::cmp::Reverse(event.sequence));
    let can_sign = can_verify && state.audit_keys.signer().is_some();
    Ok(render(&AuditPage {
        nav: session.nav(),
        csrf: session.session.csrf_token.clone(),
        events,
        next_before: page.next_before,
        can_verify,
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
    session.require(Permission::ReadAudit(None))?;
    let rows = state.store.list_audit_checkpoints(None, 20).await?;
    let stored = rows.into_iter().flatten().next().ok_or(ApiError::NotFound)?;
    let disposition = format!("attachment; filename=\"vigie-checkpoint-{}.txt\"", stored.sequence);
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)],
        stored.note,
    )
        .into_response())
}
