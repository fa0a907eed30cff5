//! The audit trail page.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use vigie_domain::access::Permission;

use super::{ConsoleError, ConsoleSession, Nav, render};
use crate::AppState;

#[derive(Deserialize)]
pub(super) struct AuditQuery {
    before: Option<i64>,
    verify: Option<u8>,
}

struct EventRow {
    sequence: i64,
    time: String,
    actor: String,
    action: String,
    subject: String,
    details: String,
    hash_short: String,
}

struct ReportView {
    intact: bool,
    events_checked: i64,
    head_short: String,
    break_sequence: i64,
    break_reason: &'static str,
}

#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditPage {
    nav: Option<Nav>,
    events: Vec<EventRow>,
    next_before: Option<i64>,
    can_verify: bool,
    report: Option<ReportView>,
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
        let report = state.store.verify_audit_chain().await?;
        Some(ReportView {
            intact: report.first_break.is_none(),
            events_checked: report.events_checked,
            head_short: report.head_hash.chars().take(16).collect(),
            break_sequence: report.first_break.as_ref().map_or(0, |chain_break| chain_break.sequence),
            break_reason: report.first_break.map_or("", |chain_break| chain_break.reason),
        })
    } else {
        None
    };
    let page = state.store.list_audit_events(scope, query.before, 100).await?;
    let events = page
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
        })
        .collect();
    Ok(render(&AuditPage { nav: session.nav(), events, next_before: page.next_before, can_verify, report }))
}
