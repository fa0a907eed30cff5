//! Statements of reasons: what the uploader of restricted content is told (DSA Art. 17), and
//! for a removal order the TCO Art. 11 information, held back while the issuing authority's
//! non-disclosure period runs (Art. 11(3)). Built from the decision and its case's submissions
//! when asked, so a statement always says what holds now: a period that ran out shows the
//! information it held back. Shared by the API (`GET /v1/decisions/{id}/statement`), the public
//! page at the decision's unguessable link (`/statements/{token}`) and the actions' events,
//! which carry the link.

pub mod page;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use vigie_domain::intake::SubmissionKind;
use vigie_store::{DecisionRecord, SubmissionRecord};

use crate::AppState;
use crate::api::openapi::names;
use crate::error::ApiResult;
use crate::review::wire::GroundView;

/// How long after a decision its uploader may complain (DSA Art. 20(1)).
pub const COMPLAINT_MONTHS: u32 = 6;

/// The path of a statement's public page.
pub fn statement_path(token: &str) -> String {
    format!("/statements/{token}")
}

/// What a removal order's content provider is told (TCO Art. 11): the order and how to
/// challenge it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RemovalOrderInformation {
    /// The issuing authority.
    pub issuing_authority: String,
    /// Its member state.
    pub member_state: String,
    /// The order's reference.
    pub reference: String,
    /// When it was issued.
    pub issued_at: Option<String>,
    /// TCO Art. 2(7) letters: why the content is terrorist content.
    pub grounds: Vec<String>,
    /// The authority's statement of reasons.
    pub statement_of_reasons: String,
    /// How to challenge the order (courts, deadlines), as the order gives it.
    pub redress: String,
    /// The platform is established in another member state: scrutiny may be requested there
    /// (TCO Art. 4(4), within 48 hours).
    pub cross_border: bool,
}

/// A statement of reasons.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct StatementView {
    /// The decision it explains.
    pub decision: Uuid,
    /// The public page: pass it to the uploader (add `?lang=fr` for French).
    pub url: String,
    /// The platform that decided.
    pub platform: String,
    /// When the decision came into force.
    pub decided_at: DateTime<Utc>,
    /// False once the decision was replaced (corrected, or reversed on complaint, scrutiny or
    /// in court): the restriction no longer applies.
    pub in_force: bool,
    /// TCO Art. 11(3): a removal order's issuing authority asked that the content provider not
    /// be told until then; the public page says nothing of the decision until that time.
    pub withheld_until: Option<DateTime<Utc>>,
    /// The restriction: `remove`, `restrict` or `label`.
    #[schema(schema_with = names::decision_kind)]
    pub restriction: String,
    /// Where it applies: ISO 3166-1 codes for `restrict`, empty for everywhere.
    pub territorial_scope: Vec<String>,
    /// The label's kind (`label`).
    pub label: Option<String>,
    /// When it ends: null, it lasts until reversed (on complaint, review or in court).
    pub ends_at: Option<DateTime<Utc>>,
    /// The facts and circumstances relied on.
    pub facts: String,
    /// What prompted the decision: the kinds of the submissions about the content (a DSA
    /// notice, a removal order, a referral…); empty: the platform's own initiative.
    #[schema(schema_with = names::submission_kinds)]
    pub prompted_by: Vec<String>,
    /// The content was detected by automated means.
    pub automated_detection: bool,
    /// The decision was taken by automated means.
    pub automated_decision: bool,
    /// The legal or contractual ground, and its explanation.
    pub ground: Option<GroundView>,
    /// The removal orders behind it (TCO Art. 11), unless withheld.
    pub removal_orders: Vec<RemovalOrderInformation>,
    /// Until when the uploader may complain to the platform (DSA Art. 20, six months).
    pub complaint_until: DateTime<Utc>,
}

/// The removal orders' non-disclosure end furthest away that is still running at `now`.
fn withheld_until(submissions: &[SubmissionRecord], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    submissions
        .iter()
        .filter(|submission| submission.receipt.kind == SubmissionKind::RemovalOrder)
        .filter_map(|submission| {
            let details: serde_json::Value = serde_json::from_str(&submission.details).ok()?;
            let until = details["non_disclosure_until"].as_str()?;
            DateTime::parse_from_rfc3339(until).ok().map(|until| until.with_timezone(&Utc))
        })
        .filter(|until| *until > now)
        .max()
}

fn removal_order_information(submission: &SubmissionRecord) -> Option<RemovalOrderInformation> {
    if submission.receipt.kind != SubmissionKind::RemovalOrder {
        return None;
    }
    let details: serde_json::Value = serde_json::from_str(&submission.details).ok()?;
    let text = |key: &str| details[key].as_str().unwrap_or_default().to_owned();
    Some(RemovalOrderInformation {
        issuing_authority: text("issuing_authority"),
        member_state: text("member_state"),
        reference: submission.reference.clone().unwrap_or_default(),
        issued_at: details["issued_at"].as_str().map(str::to_owned),
        grounds: details["grounds"]
            .as_array()
            .map(|letters| letters.iter().filter_map(|letter| letter.as_str().map(str::to_owned)).collect())
            .unwrap_or_default(),
        statement_of_reasons: text("statement_of_reasons"),
        redress: text("redress"),
        cross_border: details["cross_border"].as_bool().unwrap_or(false),
    })
}

/// The statement of reasons of a restrictive decision in force, as it stands now; `None` for a
/// decision that has none (not restrictive, or not in force).
pub async fn statement(state: &AppState, decision: &DecisionRecord) -> ApiResult<Option<StatementView>> {
    let Some(token) = decision.statement_token.as_deref() else { return Ok(None) };
    let submissions = state.store.list_case_submissions(decision.case_id).await?;
    let platform = state.store.get_organisation(decision.platform_id).await?;
    let now = state.store.now();
    let decided_at = decision.reviewed_at.unwrap_or(decision.created_at);
    let withheld_until = withheld_until(&submissions, now);
    let mut prompted_by: Vec<String> = Vec::new();
    for submission in &submissions {
        let kind = submission.receipt.kind.as_str().to_owned();
        if !prompted_by.contains(&kind) {
            prompted_by.push(kind);
        }
    }
    Ok(Some(StatementView {
        decision: decision.id.0,
        url: statement_path(token),
        platform: platform.name,
        decided_at,
        in_force: decision.state == vigie_domain::review::DecisionState::InForce,
        withheld_until,
        restriction: decision.kind.as_str().to_owned(),
        territorial_scope: decision.territorial_scope.clone(),
        label: decision.label.map(|label| label.as_str().to_owned()),
        ends_at: None,
        facts: decision.facts.clone(),
        prompted_by,
        automated_detection: decision.automated_detection,
        automated_decision: decision.automated_decision,
        ground: decision.ground.as_ref().map(GroundView::from),
        removal_orders: if withheld_until.is_some() {
            Vec::new()
        } else {
            submissions.iter().filter_map(removal_order_information).collect()
        },
        complaint_until: decided_at.checked_add_months(chrono::Months::new(COMPLAINT_MONTHS)).unwrap_or(decided_at),
    }))
}
