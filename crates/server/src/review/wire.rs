//! Review on the wire: decision requests and the views of decisions, notes and claims.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use vigie_domain::access::Actor;
use vigie_domain::review::{DecisionInput, Ground};
use vigie_store::{CaseClaim, CaseNote, DecisionRecord};

use crate::api::openapi::names;

/// What a decision rests on: `{type: "illegal", law, article, explanation}` or
/// `{type: "terms", clause, explanation}`.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroundRequest {
    /// `illegal` or `terms`.
    #[serde(rename = "type")]
    #[schema(schema_with = names::ground_type)]
    pub ground_type: String,
    /// The law (illegal content), such as `Regulation (EU) 2021/784` or `Code pénal`.
    #[schema(max_length = 300, pattern = "{line}")]
    pub law: Option<String>,
    /// The article (illegal content), such as `Art. 2(7)(a)` or `421-2-5`.
    #[schema(max_length = 300, pattern = "{line}")]
    pub article: Option<String>,
    /// The clause of the terms (incompatible with the terms).
    #[schema(max_length = 300, pattern = "{line}")]
    pub clause: Option<String>,
    /// Why the content falls under it.
    #[schema(max_length = 10000, pattern = "{paragraphs}")]
    pub explanation: Option<String>,
}

/// The bank a decision adds the case's media (or URLs) to, with their labels.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddToBankRequest {
    /// The bank's id or name.
    #[schema(max_length = 200, pattern = "{line}", example = "videoshare-removed-pdq")]
    pub bank: String,
    /// Labels of the new signals (`namespace:value`).
    #[serde(default)]
    #[schema(max_items = 20, example = json!(["content:propaganda_image", "behaviour:glorification"]))]
    pub labels: Vec<String>,
}

/// A decision on a case.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision": "remove", "ground": {"type": "illegal", "law": "Regulation (EU) 2021/784",
    "article": "Art. 2(7)(a)", "explanation": "Glorifies the attack of 3 March and calls for more."},
    "facts": "Matched the removed-content bank at distance 4; the caption names the attacker a martyr.",
    "automated_detection": true, "automated_decision": false}))]
pub struct DecisionRequest {
    /// `remove`, `restrict`, `label`, `keep_with_counter_speech`, `no_violation`, `escalate`, and
    /// for removal orders `request_clarification` and `cannot_comply`.
    #[schema(schema_with = names::decision_kind)]
    pub decision: String,
    /// Required for `remove`, `restrict` and `label`.
    pub ground: Option<GroundRequest>,
    /// `restrict`: the countries where access is disabled.
    #[schema(schema_with = names::countries_or_null)]
    pub territorial_scope: Option<Vec<String>>,
    /// `label`: `warning` or `age_gate`.
    #[schema(schema_with = names::label_kind_or_null)]
    pub label: Option<String>,
    /// `keep_with_counter_speech`: what is attached (a counter-speech playlist or its description).
    #[schema(max_length = 10000, pattern = "{paragraphs}")]
    pub counter_speech: Option<String>,
    /// `cannot_comply`: `force_majeure` (TCO Art. 3(7)) or `manifest_errors` (Art. 3(8)).
    #[schema(schema_with = names::cannot_comply_reason_or_null)]
    pub reason: Option<String>,
    /// Required for `no_violation`, `request_clarification` (what the authority must clarify),
    /// `cannot_comply`, and `keep_with_counter_speech` without a ground.
    #[schema(max_length = 10000, pattern = "{paragraphs}")]
    pub explanation: Option<String>,
    /// An internal note; required for `escalate` (what the senior reviewer should look at).
    #[schema(max_length = 10000, pattern = "{paragraphs}")]
    pub note: Option<String>,
    /// The facts and circumstances relied on.
    #[schema(max_length = 10000, pattern = "{paragraphs}")]
    pub facts: Option<String>,
    /// Whether the content was detected by automated means (default false).
    pub automated_detection: Option<bool>,
    /// Whether the decision was taken by automated means (default false).
    pub automated_decision: Option<bool>,
    /// `remove`, `restrict`, `label`: also add the case's media (or URLs, for a URL bank) to a bank.
    pub add_to_bank: Option<AddToBankRequest>,
    /// A correction: the decision (in force, on this case) this one replaces.
    pub replaces: Option<Uuid>,
}

impl DecisionRequest {
    /// The domain's unchecked input.
    pub fn input(&self) -> DecisionInput {
        DecisionInput {
            decision: Some(self.decision.clone()),
            ground_present: self.ground.is_some(),
            ground_type: self.ground.as_ref().map(|ground| ground.ground_type.clone()),
            law: self.ground.as_ref().and_then(|ground| ground.law.clone()),
            article: self.ground.as_ref().and_then(|ground| ground.article.clone()),
            clause: self.ground.as_ref().and_then(|ground| ground.clause.clone()),
            ground_explanation: self.ground.as_ref().and_then(|ground| ground.explanation.clone()),
            territorial_scope: self.territorial_scope.clone(),
            label: self.label.clone(),
            counter_speech: self.counter_speech.clone(),
            reason: self.reason.clone(),
            explanation: self.explanation.clone(),
            note: self.note.clone(),
            facts: self.facts.clone(),
            automated_detection: self.automated_detection,
            automated_decision: self.automated_decision,
            add_to_bank: self.add_to_bank.as_ref().map(|add| add.bank.clone()),
            add_to_bank_labels: self.add_to_bank.as_ref().map(|add| add.labels.clone()).unwrap_or_default(),
        }
    }
}

/// One bank signal, to decide every open case that matched it.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BankSignalRequest {
    /// The bank's name, as the case's matches show it.
    #[schema(max_length = 200, pattern = "{line}")]
    pub bank: String,
    /// The signal's id.
    pub signal_id: i64,
}

/// The same decision on several cases.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkDecisionRequest {
    /// The cases (at most 200). Give this or `bank_signal`.
    pub cases: Option<Vec<Uuid>>,
    /// Every open case of the caller's platform that matched this signal (at most 200, most
    /// urgent first). Give this or `cases`.
    pub bank_signal: Option<BankSignalRequest>,
    /// The decision applied to each.
    pub decision: DecisionRequest,
}

/// What became of one case of a bulk decision.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BulkDecisionResult {
    /// The case.
    pub case: Uuid,
    /// The status a decision on this case alone would have had (201 when recorded).
    pub status: u16,
    /// The decision, when recorded.
    pub decision: Option<DecisionView>,
    /// Why not, when refused.
    pub problem: Option<crate::error::Problem>,
}

/// A bulk decision's outcome, case by case.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BulkDecisionResponse {
    /// How many were recorded.
    pub recorded: usize,
    /// How many were refused.
    pub refused: usize,
    /// Each case's result, in the order given.
    pub results: Vec<BulkDecisionResult>,
}

/// Four eyes: a second reviewer's verdict on a pending decision.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionReviewRequest {
    /// `true` to confirm it (it takes effect), `false` to reject it (the case goes back to review).
    pub confirm: bool,
    /// Why; required to reject.
    #[schema(max_length = 10000, pattern = "{paragraphs}")]
    pub note: Option<String>,
}

/// An internal note.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    /// What it says (the platform's reviewers only ever see it).
    #[schema(max_length = 10000, pattern = "{paragraphs}")]
    pub body: String,
}

/// Who did something.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ActorView {
    /// `user`, `token`, `cli`, `system` or `public`.
    pub kind: String,
    /// The user's or token's id.
    pub id: Option<Uuid>,
}

impl From<Actor> for ActorView {
    fn from(actor: Actor) -> Self {
        Self { kind: actor.kind().into(), id: actor.id() }
    }
}

/// A ground as stored.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct GroundView {
    /// `illegal` or `terms`.
    #[serde(rename = "type")]
    pub ground_type: String,
    /// The law (illegal content).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub law: Option<String>,
    /// The article (illegal content).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
    /// The terms' clause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clause: Option<String>,
    /// Why.
    pub explanation: String,
}

impl From<&Ground> for GroundView {
    fn from(ground: &Ground) -> Self {
        match ground {
            Ground::Illegal { law, article, explanation } => Self {
                ground_type: "illegal".into(),
                law: Some(law.clone()),
                article: Some(article.clone()),
                clause: None,
                explanation: explanation.clone(),
            },
            Ground::Terms { clause, explanation } => Self {
                ground_type: "terms".into(),
                law: None,
                article: None,
                clause: Some(clause.clone()),
                explanation: explanation.clone(),
            },
        }
    }
}

/// Media (or URLs) added to a bank by a decision.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AddedToBankView {
    /// The bank's id.
    pub bank: Uuid,
    /// The labels given.
    pub labels: Vec<String>,
    /// New signals (values already in the bank are not counted).
    pub signals_added: i64,
}

/// A decision as recorded.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct DecisionView {
    /// Its id.
    pub id: Uuid,
    /// The case.
    pub case: Uuid,
    /// What was decided.
    #[schema(schema_with = names::decision_kind)]
    pub decision: String,
    /// `in_force`, `pending` (four eyes), `rejected` or `replaced`.
    #[schema(schema_with = names::decision_state)]
    pub state: String,
    /// What it rests on.
    pub ground: Option<GroundView>,
    /// Countries of a restriction.
    pub territorial_scope: Vec<String>,
    /// A label's kind.
    pub label: Option<String>,
    /// What is attached as counter-speech.
    pub counter_speech: Option<String>,
    /// Why a platform cannot comply.
    pub reason: Option<String>,
    /// Explanation of a decision without a ground.
    pub explanation: String,
    /// Internal note.
    pub note: String,
    /// Facts relied on.
    pub facts: String,
    /// Detected by automated means.
    pub automated_detection: bool,
    /// Decided by automated means.
    pub automated_decision: bool,
    /// Media added to a bank.
    pub add_to_bank: Option<AddedToBankView>,
    /// The decision this one corrects.
    pub replaces: Option<Uuid>,
    /// Who decided.
    pub decided_by: ActorView,
    /// Four eyes: who confirmed or rejected it.
    pub reviewed_by: Option<ActorView>,
    /// When.
    pub reviewed_at: Option<DateTime<Utc>>,
    /// Their note.
    pub review_note: String,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// A removal, restriction or label in force: its statement of reasons' public page (pass
    /// it to the uploader; `GET /v1/decisions/{id}/statement` has the same as JSON).
    pub statement_of_reasons: Option<String>,
}

impl From<DecisionRecord> for DecisionView {
    fn from(decision: DecisionRecord) -> Self {
        Self {
            id: decision.id.0,
            case: decision.case_id.0,
            decision: decision.kind.as_str().into(),
            state: decision.state.as_str().into(),
            ground: decision.ground.as_ref().map(GroundView::from),
            territorial_scope: decision.territorial_scope,
            label: decision.label.map(|label| label.as_str().into()),
            counter_speech: decision.counter_speech,
            reason: decision.reason.map(|reason| reason.as_str().into()),
            explanation: decision.explanation,
            note: decision.note,
            facts: decision.facts,
            automated_detection: decision.automated_detection,
            automated_decision: decision.automated_decision,
            add_to_bank: decision.bank_id.map(|bank| AddedToBankView {
                bank: bank.0,
                labels: decision.bank_labels.split(',').filter(|label| !label.is_empty()).map(str::to_owned).collect(),
                signals_added: decision.signals_added,
            }),
            replaces: decision.replaces.map(|id| id.0),
            decided_by: decision.decided_by.into(),
            reviewed_by: decision.reviewed_by.map(ActorView::from),
            reviewed_at: decision.reviewed_at,
            review_note: decision.review_note,
            created_at: decision.created_at,
            statement_of_reasons: decision.statement_token.as_deref().map(crate::statements::statement_path),
        }
    }
}

/// An internal note on a case.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct NoteView {
    /// Its id.
    pub id: Uuid,
    /// Who wrote it.
    pub author: ActorView,
    /// What it says.
    pub body: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl From<CaseNote> for NoteView {
    fn from(note: CaseNote) -> Self {
        Self { id: note.id.0, author: note.author.into(), body: note.body, created_at: note.created_at }
    }
}

/// Who holds a case.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ClaimView {
    /// The user's or API token's id.
    pub holder: Uuid,
    /// Their name.
    pub name: String,
    /// When the claim runs out unless renewed (claiming again renews it).
    pub until: DateTime<Utc>,
}

impl From<&CaseClaim> for ClaimView {
    fn from(claim: &CaseClaim) -> Self {
        Self { holder: claim.holder, name: claim.display_name.clone(), until: claim.until }
    }
}

/// A team's figures.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct DashboardView {
    /// Open cases (not decided).
    pub open: i64,
    /// Of which past their deadline.
    pub overdue: i64,
    /// Escalated, waiting for a senior reviewer.
    pub escalated: i64,
    /// Waiting for a second reviewer's confirmation.
    pub awaiting_confirmation: i64,
    /// Closing decisions since midnight UTC, and their receipt-to-decision times.
    pub today: TimingView,
    /// The same over the last seven days.
    pub week: TimingView,
    /// Per submission kind.
    pub per_kind: Vec<KindTimingView>,
    /// Actions asked of the platform and not yet confirmed (pending or delivered).
    pub actions_unconfirmed: i64,
    /// Actions never delivered (retries given up after 72 hours) and not confirmed: call the
    /// platform.
    pub actions_failed: i64,
    /// When the oldest action not yet confirmed was asked for.
    pub oldest_unconfirmed_action: Option<DateTime<Utc>>,
    /// Complaints to answer.
    pub complaints_open: i64,
    /// Of which past their two weeks.
    pub complaints_overdue: i64,
    /// When computed.
    pub at: DateTime<Utc>,
}

/// Receipt-to-decision times.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TimingView {
    /// Closing decisions.
    pub decisions: usize,
    /// Median seconds from the case's first receipt to its decision.
    pub median_seconds: Option<i64>,
    /// 90th percentile, seconds.
    pub p90_seconds: Option<i64>,
}

/// Times for one submission kind.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct KindTimingView {
    /// The kind.
    #[schema(schema_with = names::submission_kind)]
    pub kind: String,
    /// Since midnight UTC.
    pub today: TimingView,
    /// The last seven days.
    pub week: TimingView,
}

impl From<super::dashboard::Timing> for TimingView {
    fn from(timing: super::dashboard::Timing) -> Self {
        Self { decisions: timing.decisions, median_seconds: timing.median_seconds, p90_seconds: timing.p90_seconds }
    }
}

impl From<super::dashboard::Dashboard> for DashboardView {
    fn from(dashboard: super::dashboard::Dashboard) -> Self {
        Self {
            open: dashboard.counts.open,
            overdue: dashboard.counts.overdue,
            escalated: dashboard.counts.escalated,
            awaiting_confirmation: dashboard.counts.awaiting_confirmation,
            today: dashboard.today.into(),
            week: dashboard.week.into(),
            per_kind: dashboard
                .per_kind
                .into_iter()
                .map(|(kind, today, week)| KindTimingView {
                    kind: kind.as_str().into(),
                    today: today.into(),
                    week: week.into(),
                })
                .collect(),
            actions_unconfirmed: dashboard.actions.pending + dashboard.actions.delivered,
            actions_failed: dashboard.actions.failed,
            oldest_unconfirmed_action: dashboard.actions.oldest_unconfirmed,
            complaints_open: dashboard.complaints_open,
            complaints_overdue: dashboard.complaints_overdue,
            at: dashboard.at,
        }
    }
}

/// Four-eyes settings of a platform.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FourEyesSettings {
    /// Submission kinds whose cases need a second, senior reviewer's confirmation before a
    /// closing decision takes effect (empty: none).
    #[schema(schema_with = names::submission_kinds)]
    pub four_eyes_kinds: Vec<String>,
}
