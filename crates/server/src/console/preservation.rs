//! The case page's preservation section (TCO Art. 6): until when removed content is kept, the
//! form that opens it for a stated purpose, authorities' extensions, and the log of every
//! opening. The rules are [`crate::preservation`]'s; this is their page.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{NaiveDate, NaiveTime, Utc};
use uuid::Uuid;
use vigie_domain::access::Permission;
use vigie_domain::ids::{CaseId, OrganisationId};
use vigie_domain::preservation::AccessPurpose;
use vigie_domain::validate::FieldIssue;

use super::texts::Texts;
use super::{ConsoleError, ConsoleSession, PagePath, form_value};
use crate::AppState;
use crate::error::ApiError;
use crate::preservation::{AccessRequestBody, ExtensionRequestBody, PreservationView};
use crate::review::wire::ActorView;

/// The section as the page shows it.
pub(super) struct PreservationBlock {
    /// Removed when, kept until when; or purged when.
    pub summary: String,
    pub purged: bool,
    /// Open to the reader until then.
    pub open_until: Option<String>,
    /// The reader may open it (preserved, not open to them).
    pub can_open: bool,
    /// The reader may record an authority's extension.
    pub can_extend: bool,
    pub purposes: Vec<PurposeChoice>,
    pub extensions: Vec<ExtensionLine>,
    pub accesses: Vec<AccessLine>,
}

pub(super) struct PurposeChoice {
    pub value: &'static str,
    pub label: String,
}

pub(super) struct ExtensionLine {
    pub authority: String,
    pub reference: String,
    pub until: String,
    pub reason: String,
    pub by: String,
    pub at: String,
}

pub(super) struct AccessLine {
    pub who: String,
    pub at: String,
    pub purpose: String,
    pub reason: String,
    pub until: String,
}

fn time(value: chrono::DateTime<Utc>) -> String {
    value.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn purpose_name(t: Texts, purpose: &str) -> String {
    t.msg(&format!("preservation-purpose-{purpose}"))
}

/// The section for a case's preservation, as `view` (read by the reader) shows it.
pub(super) fn block(
    t: Texts,
    view: PreservationView,
    platform: OrganisationId,
    session: &ConsoleSession,
    actor_name: &dyn Fn(&ActorView) -> String,
) -> PreservationBlock {
    let purged = view.purged_at.is_some();
    let summary = match view.purged_at {
        Some(purged_at) => {
            t.msg2("preservation-purged-summary", "removed", time(view.removed_at), "purged", time(purged_at))
        }
        None => t.msg2("preservation-summary", "removed", time(view.removed_at), "until", time(view.preserved_until)),
    };
    PreservationBlock {
        summary,
        purged,
        open_until: view.open_to_you_until.map(time),
        can_open: !purged && view.open_to_you_until.is_none() && session.principal.may(Permission::ReadCases(platform)),
        can_extend: !purged && session.principal.may(Permission::ExtendPreservation(platform)),
        purposes: AccessPurpose::ALL
            .into_iter()
            .map(|purpose| PurposeChoice { value: purpose.as_str(), label: purpose_name(t, purpose.as_str()) })
            .collect(),
        extensions: view
            .extensions
            .iter()
            .map(|extension| ExtensionLine {
                authority: extension.authority.clone(),
                reference: extension.reference.clone(),
                until: time(extension.until),
                reason: extension.reason.clone(),
                by: actor_name(&extension.recorded_by),
                at: time(extension.recorded_at),
            })
            .collect(),
        accesses: view
            .accesses
            .iter()
            .map(|access| AccessLine {
                who: actor_name(&access.actor),
                at: time(access.opened_at),
                purpose: purpose_name(t, &access.purpose),
                reason: access.reason.clone(),
                until: time(access.expires_at),
            })
            .collect(),
    }
}

/// The use case's field names as this page's form controls name them.
fn on_form(issues: Vec<FieldIssue>, prefix: &str) -> Vec<FieldIssue> {
    issues
        .into_iter()
        .map(|issue| {
            if issue.field.is_empty() {
                issue
            } else {
                FieldIssue::new(format!("{prefix}{}", issue.field), issue.message)
            }
        })
        .collect()
}

/// `POST /console/cases/{id}/preservation/access`: opens the content for the stated purpose.
pub(super) async fn open(
    State(state): State<AppState>,
    session: ConsoleSession,
    PagePath(id): PagePath<Uuid>,
    body: String,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form_value(&body, "csrf"))?;
    let request = AccessRequestBody {
        purpose: Some(form_value(&body, "access_purpose")).filter(|text| !text.is_empty()),
        reason: Some(form_value(&body, "access_reason")),
    };
    let outcome = crate::preservation::open(&state, &session.principal, CaseId(id), &request).await;
    finish(&state, &session, id, outcome.map(|_| ()), "access_", "preservation-opened").await
}

/// `POST /console/cases/{id}/preservation/extensions`: records an authority's extension; the
/// date given is kept whole (until the end of that day, UTC).
pub(super) async fn extend(
    State(state): State<AppState>,
    session: ConsoleSession,
    PagePath(id): PagePath<Uuid>,
    body: String,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form_value(&body, "csrf"))?;
    let until_text = form_value(&body, "extension_until");
    let until = NaiveDate::parse_from_str(until_text.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|day| day.and_time(NaiveTime::from_hms_opt(23, 59, 59)?).and_utc().into());
    if until.is_none() && !until_text.trim().is_empty() {
        let issue = FieldIssue::new("extension_until", "must be a date (YYYY-MM-DD)");
        return super::review::case_page_with_issues(
            &state,
            &session,
            CaseId(id),
            vec![issue],
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    let request = ExtensionRequestBody {
        authority: Some(form_value(&body, "extension_authority")),
        reference: Some(form_value(&body, "extension_reference")),
        until,
        reason: Some(form_value(&body, "extension_reason")),
    };
    let outcome = crate::preservation::extend(&state, &session.principal, CaseId(id), &request).await;
    finish(&state, &session, id, outcome.map(|_| ()), "extension_", "preservation-extended").await
}

async fn finish(
    state: &AppState,
    session: &ConsoleSession,
    id: Uuid,
    outcome: Result<(), ApiError>,
    prefix: &str,
    done: &str,
) -> Result<Response, ConsoleError> {
    match outcome {
        Ok(()) => Ok(super::review::back_to_case(id, done)),
        Err(ApiError::Validation(error)) => {
            let issues = on_form(error.issues, prefix);
            super::review::case_page_with_issues(state, session, CaseId(id), issues, StatusCode::BAD_REQUEST).await
        }
        Err(error @ ApiError::Conflict { .. }) => {
            let issue = FieldIssue::new("", super::conflict_text(session.texts(), &error));
            super::review::case_page_with_issues(state, session, CaseId(id), vec![issue], StatusCode::CONFLICT).await
        }
        Err(error) => Err(error.into()),
    }
}
