//! The review console: the deadline-ordered queue (live, filterable, with bulk decisions), the
//! case page (submissions with their legal fields, protected media, matches, similar cases,
//! decisions, history, notes, and the decision form), claims, four-eyes confirmations, and the
//! team dashboard. Every handler calls the `review` use cases the API calls; this module only
//! reads forms and lays pages out.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use uuid::Uuid;
use vigie_domain::access::Permission;
use vigie_domain::bank::SignalType;
use vigie_domain::ids::{CaseId, DecisionId, OrganisationId};
use vigie_domain::intake::{CaseStatus, Priority, SubmissionKind};
use vigie_domain::review::{DecisionInput, DecisionKind, ReviewState};
use vigie_domain::validate::FieldIssue;
use vigie_store::CaseFilter;

use super::audit_view::{Describer, Names};
use super::texts::Texts;
use super::{ConsoleError, ConsoleSession, Nav, PagePath, conflict_text, form_value, form_values, render};
use crate::AppState;
use crate::error::ApiError;
use crate::intake::wire::{CaseSummary, CaseView};
use crate::review;

/// Cases per queue page.
const PAGE_SIZE: u32 = 50;
/// How often the queue page asks for fresh rows, in seconds.
const REFRESH_SECONDS: u32 = 15;

/// The review console's script: countdowns, live refresh, claim renewal, reveal and keyboard
/// shortcuts. Hand-written (a hundred lines, no framework): the pages work without it.
pub(super) async fn script() -> Response {
    let mut response = include_str!("../../static/review.js").into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

/// A deadline as the queue shows it: the text at render time (the script counts down from
/// `due`), and whether it is past or close.
struct Countdown {
    due: String,
    /// When it falls due, in words, for the countdown's tooltip.
    due_text: String,
    text: String,
    overdue: bool,
    urgent: bool,
}

impl Countdown {
    fn of(due_at: Option<DateTime<Utc>>, now: DateTime<Utc>, t: Texts) -> Option<Self> {
        let due_at = due_at?;
        let seconds = (due_at - now).num_seconds();
        Some(Self {
            due: due_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            due_text: t.msg1("countdown-due", "time", due_at.format("%Y-%m-%d %H:%M UTC")),
            text: countdown_text(seconds, t),
            overdue: seconds < 0,
            urgent: seconds < 15 * 60,
        })
    }
}

/// Minutes and seconds under an hour, hours and minutes under two days, then days; the script
/// (`review.js`) formats the same way.
fn countdown_text(seconds: i64, t: Texts) -> String {
    let left = seconds.unsigned_abs();
    let clock = if left < 3600 {
        format!("{}:{:02}", left / 60, left % 60)
    } else if left < 48 * 3600 {
        format!("{} h {:02}", left / 3600, (left % 3600) / 60)
    } else {
        t.msg2("countdown-days", "days", left / 86_400, "hours", (left % 86_400) / 3600)
    };
    if seconds < 0 { t.msg1("countdown-overdue", "time", clock) } else { clock }
}

fn kind_name(t: Texts, kind: SubmissionKind) -> String {
    t.msg(&format!("kind-{}", kind.as_str()))
}

fn state_name(t: Texts, state: ReviewState) -> String {
    t.msg(&format!("state-{}", state.as_str()))
}

fn decision_name(t: Texts, kind: DecisionKind) -> String {
    t.msg(&format!("decision-{}", kind.as_str()))
}

fn priority_name(t: Texts, priority: &str) -> String {
    t.msg(&format!("priority-{priority}"))
}

/// Organisation names and countries, for senders.
async fn directory(state: &AppState) -> Result<HashMap<Uuid, (String, String)>, ConsoleError> {
    Ok(state
        .store
        .list_organisations()
        .await?
        .into_iter()
        .map(|organisation| (organisation.id.0, (organisation.name, organisation.country.as_str().to_owned())))
        .collect())
}

// ---------------------------------------------------------------------------------------------
// The queue

/// The queue's filters, as the page's URL holds them.
#[derive(Clone, Default)]
struct QueueFilters {
    kind: String,
    sender: String,
    priority: String,
    state: String,
    label: String,
    matches: String,
    overdue: bool,
    signal: String,
    page: u32,
}

impl QueueFilters {
    fn parse(query: &str) -> Self {
        Self {
            kind: form_value(query, "kind"),
            sender: form_value(query, "sender"),
            priority: form_value(query, "priority"),
            state: form_value(query, "state"),
            label: form_value(query, "label"),
            matches: form_value(query, "matches"),
            overdue: form_value(query, "overdue") == "1",
            signal: form_value(query, "signal"),
            page: form_value(query, "page").parse().unwrap_or(0).min(10_000),
        }
    }

    /// The filters as a query string (without `page`).
    fn query(&self) -> String {
        let mut pairs = form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("kind", &self.kind),
            ("sender", &self.sender),
            ("priority", &self.priority),
            ("state", &self.state),
            ("label", &self.label),
            ("matches", &self.matches),
            ("signal", &self.signal),
        ] {
            if !value.is_empty() {
                pairs.append_pair(name, value);
            }
        }
        if self.overdue {
            pairs.append_pair("overdue", "1");
        }
        pairs.finish()
    }

    fn with_page(&self, page: u32) -> String {
        let query = self.query();
        if query.is_empty() { format!("page={page}") } else { format!("{query}&page={page}") }
    }

    fn active(&self) -> bool {
        !self.query().is_empty()
    }
}

struct QueueRow {
    id: String,
    countdown: Option<Countdown>,
    priority: String,
    priority_key: String,
    kinds: Vec<String>,
    senders: Vec<String>,
    countries: Vec<String>,
    labels: Vec<String>,
    best_distance: Option<u32>,
    submissions: i64,
    state: String,
    state_key: String,
    claimed_by: Option<String>,
    claimed_by_me: bool,
    selected: bool,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// An open complaint in the queue, with its own clock (two weeks).
struct QueueComplaint {
    case_id: String,
    /// The case's name where the console has one: its id's tail.
    case_short: String,
    complaint_id: String,
    kind: String,
    countdown: Option<Countdown>,
}

#[derive(Template)]
#[template(path = "console/queue.html")]
struct QueuePage {
    nav: Option<Nav>,
    t: Texts,
    complaints: Vec<QueueComplaint>,
    /// Whether filters narrow the queue (an empty queue says which it is).
    filtered: bool,
    csrf: String,
    rows: Vec<QueueRow>,
    filters: QueueFilters,
    query: String,
    kinds: Vec<Choice>,
    senders: Vec<Choice>,
    priorities: Vec<Choice>,
    states: Vec<Choice>,
    open: i64,
    overdue: i64,
    previous_page: Option<String>,
    next_page: Option<String>,
    refresh_seconds: u32,
    flash: Option<String>,
    can_decide: bool,
    form: DecisionForm,
    banks: Vec<BankChoice>,
    errors: Vec<FormIssue>,
    decision_kinds: Vec<KindChoice>,
    label_kinds: Vec<Choice>,
    reasons: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "console/queue_rows.html")]
struct QueueRows {
    t: Texts,
    rows: Vec<QueueRow>,
    /// Whether filters narrow the queue (an empty queue says which it is).
    filtered: bool,
}

async fn queue_filter(
    state: &AppState,
    session: &ConsoleSession,
    filters: &QueueFilters,
) -> Result<(CaseFilter, Vec<FieldIssue>), ConsoleError> {
    let mut issues = Vec::new();
    let platforms = review::queue_platforms(state, &session.principal).await?;
    let mut filter = CaseFilter {
        platforms: Some(platforms),
        status: Some(CaseStatus::Open),
        limit: PAGE_SIZE,
        offset: filters.page * PAGE_SIZE,
        ..CaseFilter::default()
    };
    if !filters.kind.is_empty() {
        match SubmissionKind::parse(&filters.kind) {
            Ok(kind) => filter.kind = Some(kind),
            Err(message) => issues.push(FieldIssue::new("kind", message)),
        }
    }
    if !filters.priority.is_empty() {
        match Priority::parse(&filters.priority) {
            Ok(priority) => filter.min_priority = Some(priority),
            Err(message) => issues.push(FieldIssue::new("priority", message)),
        }
    }
    if !filters.state.is_empty() {
        match ReviewState::parse(&filters.state) {
            Ok(review_state) => filter.review_states = Some(vec![review_state]),
            Err(message) => issues.push(FieldIssue::new("state", message)),
        }
    }
    if !filters.sender.is_empty() {
        match filters.sender.parse::<Uuid>() {
            Ok(sender) => filter.submitter = Some(OrganisationId(sender)),
            Err(_) => issues.push(FieldIssue::new("sender", "must be an organisation of the list")),
        }
    }
    if !filters.label.is_empty() {
        match vigie_domain::bank::Label::parse(&filters.label) {
            Ok(label) => filter.label = Some(label.as_str().to_owned()),
            Err(message) => issues.push(FieldIssue::new("label", message)),
        }
    }
    filter.has_matches = match filters.matches.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    if filters.overdue {
        filter.due_before = Some(Utc::now());
    }
    Ok((filter, issues))
}

/// The rows of one queue page, and whether another page follows.
async fn queue_rows(
    state: &AppState,
    session: &ConsoleSession,
    filters: &QueueFilters,
    selected: &[String],
) -> Result<(Vec<QueueRow>, bool, Vec<FieldIssue>), ConsoleError> {
    let t = session.texts();
    let (filter, issues) = queue_filter(state, session, filters).await?;
    if !issues.is_empty() {
        return Ok((Vec::new(), false, issues));
    }
    // "All cases of one bank match": `signal=<bank>:<id>` lists exactly those, selected.
    let cases = if let Some((bank, signal)) = filters.signal.rsplit_once(':') {
        let Ok(signal) = signal.parse::<i64>() else {
            return Ok((Vec::new(), false, vec![FieldIssue::new("signal", "must be bank:signal id")]));
        };
        let ids = state
            .store
            .cases_matching_signal(session.principal.organisation_id, bank, signal, review::MAX_BULK_CASES as u32)
            .await?;
        let mut cases = Vec::with_capacity(ids.len());
        for id in ids {
            cases.push(state.store.get_case(id).await?);
        }
        cases
    } else {
        state.store.list_cases(&filter).await?
    };
    let more = cases.len() as u32 == PAGE_SIZE;
    let summaries = review::case_summaries(state, cases).await?;
    let names = directory(state).await?;
    let now = Utc::now();
    let me = session.principal.actor.id();
    let select_all = !filters.signal.is_empty();
    let rows = summaries.into_iter().map(|case| queue_row(case, &names, now, t, me, select_all, selected)).collect();
    Ok((rows, more, Vec::new()))
}

fn queue_row(
    case: CaseSummary,
    names: &HashMap<Uuid, (String, String)>,
    now: DateTime<Utc>,
    t: Texts,
    me: Option<Uuid>,
    select_all: bool,
    selected: &[String],
) -> QueueRow {
    let review_state = ReviewState::parse(&case.review_state).unwrap_or(ReviewState::New);
    let mut countries: Vec<String> =
        case.senders.iter().filter_map(|sender| names.get(sender).map(|(_, country)| country.clone())).collect();
    countries.sort();
    countries.dedup();
    let id = case.id.to_string();
    QueueRow {
        countdown: if review_state.is_open() { Countdown::of(case.due_at, now, t) } else { None },
        priority: priority_name(t, &case.priority),
        priority_key: case.priority.clone(),
        kinds: case
            .kinds
            .iter()
            .filter_map(|kind| SubmissionKind::parse(kind).ok())
            .map(|kind| kind_name(t, kind))
            .collect(),
        senders: if case.senders.is_empty() {
            vec![t.msg("queue-anonymous")]
        } else {
            case.senders
                .iter()
                .map(|sender| names.get(sender).map_or_else(|| "?".into(), |(name, _)| name.clone()))
                .collect()
        },
        countries,
        labels: case.labels.clone(),
        best_distance: case.best_distance,
        submissions: case.submission_count,
        state: state_name(t, review_state),
        state_key: review_state.as_str().into(),
        claimed_by_me: case.claim.as_ref().is_some_and(|claim| Some(claim.holder) == me),
        claimed_by: case.claim.map(|claim| claim.name),
        selected: select_all || selected.contains(&id),
        id,
    }
}

fn choices(values: impl IntoIterator<Item = (String, String)>, current: &str, any: String) -> Vec<Choice> {
    std::iter::once(Choice { value: String::new(), label: any, selected: current.is_empty() })
        .chain(values.into_iter().map(|(value, label)| Choice { selected: value == current, value, label }))
        .collect()
}

/// `GET /console/queue`: the open cases of the reviewer's platform, by deadline then priority.
pub(super) async fn queue(
    State(state): State<AppState>,
    session: ConsoleSession,
    RawQuery(query): RawQuery,
) -> Result<Response, ConsoleError> {
    let query = query.unwrap_or_default();
    let filters = QueueFilters::parse(&query);
    let flash = match form_value(&query, "done").as_str() {
        "empty" => Some(session.texts().msg("queue-nothing-left")),
        _ => None,
    };
    queue_page(&state, &session, filters, flash, DecisionForm::default(), Vec::new(), StatusCode::OK).await
}

async fn queue_page(
    state: &AppState,
    session: &ConsoleSession,
    filters: QueueFilters,
    flash: Option<String>,
    form: DecisionForm,
    errors: Vec<FieldIssue>,
    status: StatusCode,
) -> Result<Response, ConsoleError> {
    session.require(Permission::ReadCases(session.principal.organisation_id))?;
    let t = session.texts();
    let (rows, more, filter_issues) = queue_rows(state, session, &filters, &form.cases).await?;
    let platforms = review::queue_platforms(state, &session.principal).await?;
    let counts = state.store.queue_counts(&platforms, Utc::now()).await?;
    let mut complaints = Vec::new();
    for platform in &platforms {
        let open = state.store.list_complaints(*platform, Some(vigie_domain::complaints::ComplaintStatus::Open), 50);
        for complaint in open.await? {
            let case_id = complaint.case_id.to_string();
            complaints.push(QueueComplaint {
                case_short: format!("…{}", &case_id[case_id.len() - 8..]),
                case_id,
                complaint_id: complaint.id.to_string(),
                kind: t.msg(&format!("complaint-kind-{}", complaint.kind.as_str())),
                countdown: Countdown::of(Some(complaint.due_at), Utc::now(), t),
            });
        }
    }
    let mut senders: Vec<(String, String)> = state
        .store
        .list_organisations()
        .await?
        .into_iter()
        .filter(|organisation| !organisation.is_operator || session.principal.organisation_is_operator)
        .map(|organisation| (organisation.id.0.to_string(), organisation.name))
        .collect();
    senders.sort_by(|a, b| a.1.cmp(&b.1));
    let page = filters.page;
    let mut errors = errors;
    errors.extend(filter_issues);
    let errors = in_words(t, errors);
    let html = render(&QueuePage {
        complaints,
        filtered: filters.active(),
        nav: session.nav(),
        t,
        csrf: session.session.csrf_token.clone(),
        rows,
        query: filters.query(),
        kinds: choices(
            SubmissionKind::ALL.map(|kind| (kind.as_str().to_owned(), kind_name(t, kind))),
            &filters.kind,
            t.msg("queue-any-kind"),
        ),
        senders: choices(senders, &filters.sender, t.msg("queue-any-sender")),
        priorities: choices(
            Priority::ALL.map(|priority| (priority.as_str().to_owned(), priority_name(t, priority.as_str()))),
            &filters.priority,
            t.msg("queue-any-priority"),
        ),
        states: choices(
            ReviewState::ALL.map(|state| (state.as_str().to_owned(), state_name(t, state))),
            &filters.state,
            t.msg("queue-any-state"),
        ),
        open: counts.open,
        overdue: counts.overdue,
        previous_page: (page > 0).then(|| filters.with_page(page - 1)),
        next_page: more.then(|| filters.with_page(page + 1)),
        refresh_seconds: REFRESH_SECONDS,
        flash,
        can_decide: session.principal.may(Permission::DecideCases(session.principal.organisation_id)),
        banks: bank_choices(state, session, None).await?,
        decision_kinds: decision_kinds(t, true, ReviewState::New),
        label_kinds: label_choices(t, &form.label),
        reasons: reason_choices(t, &form.reason),
        form,
        errors,
        filters,
    });
    Ok((status, html).into_response())
}

/// `GET /console/queue/rows`: the queue's rows alone, for the page's live refresh.
pub(super) async fn queue_rows_fragment(
    State(state): State<AppState>,
    session: ConsoleSession,
    RawQuery(query): RawQuery,
) -> Result<Response, ConsoleError> {
    session.require(Permission::ReadCases(session.principal.organisation_id))?;
    let query = query.unwrap_or_default();
    let filters = QueueFilters::parse(&query);
    let selected = form_values(&query, "selected");
    let (rows, _, _) = queue_rows(&state, &session, &filters, &selected).await?;
    Ok(render(&QueueRows { t: session.texts(), rows, filtered: filters.active() }))
}

/// `POST /console/next`: claims the most urgent free case and opens it.
pub(super) async fn next(
    State(state): State<AppState>,
    session: ConsoleSession,
    body: String,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form_value(&body, "csrf"))?;
    Ok(match review::claim_next(&state, &session.principal).await? {
        Some(case) => Redirect::to(&format!("/console/cases/{}", case.id)).into_response(),
        None => Redirect::to("/console/queue?done=empty").into_response(),
    })
}

// ---------------------------------------------------------------------------------------------
// Decisions: the form shared by the case page and bulk decisions

/// The decision form's values, kept when a decision is refused so nothing typed is lost.
#[derive(Clone, Default)]
pub(super) struct DecisionForm {
    decision: String,
    ground_type: String,
    law: String,
    article: String,
    clause: String,
    ground_explanation: String,
    territorial_scope: String,
    label: String,
    counter_speech: String,
    reason: String,
    explanation: String,
    note: String,
    facts: String,
    automated_detection: bool,
    automated_decision: bool,
    bank: String,
    bank_labels: String,
    replaces: String,
    cases: Vec<String>,
}

impl DecisionForm {
    /// What the reviewer wrote in the form's text fields, in form order.
    fn written(&self) -> Vec<String> {
        [&self.ground_explanation, &self.counter_speech, &self.explanation, &self.facts, &self.note]
            .into_iter()
            .map(|text| text.trim().to_owned())
            .filter(|text| !text.is_empty())
            .collect()
    }

    fn read(body: &str) -> Self {
        Self {
            decision: form_value(body, "decision"),
            ground_type: form_value(body, "ground_type"),
            law: form_value(body, "law"),
            article: form_value(body, "article"),
            clause: form_value(body, "clause"),
            ground_explanation: form_value(body, "ground_explanation"),
            territorial_scope: form_value(body, "territorial_scope"),
            label: form_value(body, "label"),
            counter_speech: form_value(body, "counter_speech"),
            reason: form_value(body, "reason"),
            explanation: form_value(body, "explanation"),
            note: form_value(body, "note"),
            facts: form_value(body, "facts"),
            automated_detection: form_value(body, "automated_detection") == "on",
            automated_decision: form_value(body, "automated_decision") == "on",
            bank: form_value(body, "bank"),
            bank_labels: form_value(body, "bank_labels"),
            replaces: form_value(body, "replaces"),
            cases: form_values(body, "case"),
        }
    }

    /// A removal order's ground, prefilled from the order: TCO, and the letters of Art. 2(7)
    /// the authority relied on.
    fn for_case(view: &CaseView) -> Self {
        let order = view.submissions.iter().find(|submission| submission.receipt.kind == "removal_order");
        let Some(order) = order else { return Self { ground_type: "terms".into(), ..Self::default() } };
        let letters: Vec<String> = order.details["grounds"]
            .as_array()
            .map(|grounds| {
                grounds.iter().filter_map(|ground| ground.as_str().map(|letter| format!("({letter})"))).collect()
            })
            .unwrap_or_default();
        Self {
            ground_type: "illegal".into(),
            law: "Regulation (EU) 2021/784 (TCO)".into(),
            article: if letters.is_empty() { "Art. 2(7)".into() } else { format!("Art. 2(7){}", letters.join("")) },
            ground_explanation: order.details["statement_of_reasons"].as_str().unwrap_or_default().to_owned(),
            ..Self::default()
        }
    }

    /// The domain's input: the fields that apply to a ground type are sent, the others not, so
    /// a form that keeps every field does not trip "does not apply".
    fn input(&self) -> DecisionInput {
        let text = |value: &str| (!value.trim().is_empty()).then(|| value.to_owned());
        let kind = DecisionKind::parse(&self.decision).ok();
        let grounded = kind.is_some_and(|kind| {
            kind.restricts()
                || (kind == DecisionKind::KeepWithCounterSpeech && !self.ground_explanation.trim().is_empty())
        });
        let illegal = self.ground_type == "illegal";
        DecisionInput {
            decision: text(&self.decision),
            ground_present: grounded,
            ground_type: grounded.then(|| self.ground_type.clone()),
            law: if grounded && illegal { Some(self.law.clone()) } else { None },
            article: if grounded && illegal { Some(self.article.clone()) } else { None },
            clause: if grounded && !illegal { Some(self.clause.clone()) } else { None },
            ground_explanation: grounded.then(|| self.ground_explanation.clone()),
            territorial_scope: (kind == Some(DecisionKind::Restrict)).then(|| {
                self.territorial_scope.split([' ', ',']).filter(|code| !code.is_empty()).map(str::to_owned).collect()
            }),
            label: if kind == Some(DecisionKind::Label) { Some(self.label.clone()) } else { None },
            counter_speech: if kind == Some(DecisionKind::KeepWithCounterSpeech) {
                Some(self.counter_speech.clone())
            } else {
                None
            },
            reason: if kind == Some(DecisionKind::CannotComply) { Some(self.reason.clone()) } else { None },
            explanation: text(&self.explanation),
            note: text(&self.note),
            facts: text(&self.facts),
            automated_detection: Some(self.automated_detection),
            automated_decision: Some(self.automated_decision),
            add_to_bank: text(&self.bank).filter(|_| kind.is_some_and(DecisionKind::restricts)),
            add_to_bank_labels: self
                .bank_labels
                .split([' ', ','])
                .filter(|label| !label.is_empty())
                .map(str::to_owned)
                .collect(),
        }
    }
}

struct BankChoice {
    id: String,
    name: String,
    signal_type: String,
    selected: bool,
}

/// Banks the reviewer may add a case's content to, that hold what the case has.
async fn bank_choices(
    state: &AppState,
    session: &ConsoleSession,
    view: Option<&CaseView>,
) -> Result<Vec<BankChoice>, ConsoleError> {
    let principal = &session.principal;
    let has = |signal_type: SignalType| match view {
        None => true,
        Some(view) => view.submissions.iter().any(|submission| match signal_type {
            SignalType::Url => true,
            SignalType::Pdq => submission.media.iter().any(|media| media.pdq.is_some()),
            SignalType::Vpdq => submission.media.iter().any(|media| media.media_type == "video"),
            SignalType::Md5 | SignalType::Sha256 => !submission.media.is_empty(),
        }),
    };
    Ok(state
        .store
        .list_banks()
        .await?
        .into_iter()
        .map(|(bank, _)| bank)
        .filter(|bank| {
            principal.may(Permission::AddToBank(bank.organisation_id))
                && principal.may(Permission::SeeBank { owner: bank.organisation_id, visibility: bank.visibility })
                && has(bank.signal_type)
        })
        .map(|bank| BankChoice {
            id: bank.id.0.to_string(),
            name: bank.name,
            signal_type: bank.signal_type.as_str().into(),
            selected: false,
        })
        .collect())
}

fn label_choices(t: Texts, current: &str) -> Vec<Choice> {
    vigie_domain::review::LabelKind::ALL
        .into_iter()
        .map(|label| Choice {
            value: label.as_str().into(),
            label: t.msg(&format!("label-{}", label.as_str())),
            selected: current == label.as_str(),
        })
        .collect()
}

fn reason_choices(t: Texts, current: &str) -> Vec<Choice> {
    vigie_domain::review::CannotComplyReason::ALL
        .into_iter()
        .map(|reason| Choice {
            value: reason.as_str().into(),
            label: t.msg(&format!("reason-{}", reason.as_str())),
            selected: current == reason.as_str(),
        })
        .collect()
}

struct KindChoice {
    value: &'static str,
    label: String,
    key: &'static str,
}

/// The decisions a case page offers, with their keyboard keys.
/// The decisions a form offers: those for removal orders only on a case holding one; no second
/// escalation of an escalated case (its senior reviewer decides it); and a correction of a
/// decided case is an outcome, not a step (escalating or asking the authority).
fn decision_kinds(t: Texts, removal_order: bool, review_state: ReviewState) -> Vec<KindChoice> {
    DecisionKind::ALL
        .into_iter()
        .filter(|kind| removal_order || !kind.removal_orders_only())
        .filter(|kind| !(review_state == ReviewState::Escalated && *kind == DecisionKind::Escalate))
        .filter(|kind| review_state != ReviewState::Decided || kind.closes_case())
        .map(|kind| KindChoice {
            value: kind.as_str(),
            label: decision_name(t, kind),
            key: match kind {
                DecisionKind::Remove => "d",
                DecisionKind::Restrict => "s",
                DecisionKind::Label => "l",
                DecisionKind::KeepWithCounterSpeech => "k",
                DecisionKind::NoViolation => "v",
                DecisionKind::Escalate => "e",
                DecisionKind::RequestClarification => "q",
                DecisionKind::CannotComply => "f",
            },
        })
        .collect()
}

/// `POST /console/queue/decide`: the same decision on the selected cases.
pub(super) async fn decide_bulk(
    State(state): State<AppState>,
    session: ConsoleSession,
    body: String,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form_value(&body, "csrf"))?;
    session.require(Permission::DecideCases(session.principal.organisation_id))?;
    let form = DecisionForm::read(&body);
    let filters = QueueFilters::parse(&form_value(&body, "filters"));
    let ids: Vec<CaseId> = form.cases.iter().filter_map(|id| id.parse().ok()).map(CaseId).collect();
    match review::decide_many(&state, &session.principal, &ids, &form.input()).await {
        Ok(results) => {
            let t = session.texts();
            let recorded = results.iter().filter(|(_, result)| result.is_ok()).count();
            let outcomes = results
                .into_iter()
                .map(|(case, result)| BulkOutcome {
                    short: super::audit_view::short_id(&case.0.to_string()).to_owned(),
                    case: case.0.to_string(),
                    recorded: result.is_ok(),
                    detail: match result {
                        Ok(decision) => decision_name(t, decision.kind),
                        Err(error) => error.problem().detail,
                    },
                })
                .collect();
            Ok(render(&BulkResultPage {
                nav: session.nav(),
                t,
                recorded,
                outcomes,
                back: format!("/console/queue?{}", filters.query()),
            }))
        }
        Err(ApiError::Validation(error)) => {
            queue_page(&state, &session, filters, None, form, error.issues, StatusCode::BAD_REQUEST).await
        }
        Err(error) => Err(error.into()),
    }
}

struct BulkOutcome {
    case: String,
    short: String,
    recorded: bool,
    detail: String,
}

#[derive(Template)]
#[template(path = "console/bulk_result.html")]
struct BulkResultPage {
    nav: Option<Nav>,
    t: Texts,
    recorded: usize,
    outcomes: Vec<BulkOutcome>,
    back: String,
}

// ---------------------------------------------------------------------------------------------
// The case page

struct Fact {
    label: String,
    value: String,
}

struct SubmissionBlock {
    number: String,
    kind: String,
    sender: String,
    received_at: String,
    countdown: Option<Countdown>,
    paused: bool,
    facts: Vec<Fact>,
    urls: Vec<String>,
    media: Vec<MediaBlock>,
    clock: Vec<String>,
}

struct MediaBlock {
    sha256: String,
    short: String,
    media_type: String,
    status: String,
    /// The protected rendition (greyscale, blurred, re-encoded by Vigie).
    protected: String,
    /// The same rendition in clear, for a reviewer's explicit reveal.
    clear: String,
    /// A video's frames.
    frames: Vec<FrameBlock>,
    /// A video re-encoded without sound, played on request.
    play: Option<String>,
}

struct FrameBlock {
    protected: String,
    clear: String,
}

struct MatchRow {
    bank: String,
    labels: Vec<String>,
    distance: u32,
    /// How the match was found, in words; none for a copy matched as it is.
    via: Option<String>,
    confirmed: Option<i64>,
    false_positive: Option<i64>,
    signal: Option<String>,
}

struct DecisionBlock {
    id: String,
    kind: String,
    state: String,
    state_key: String,
    ground: Option<String>,
    explanation: String,
    details: Vec<Fact>,
    by: String,
    at: String,
    reviewable: bool,
    replaceable: bool,
    /// The statement of reasons' public page, for a restriction in force.
    statement: Option<String>,
}

/// An action asked of the platform, and where it stands.
struct ActionLine {
    kind: String,
    status: String,
    status_key: String,
    facts: Vec<Fact>,
}

/// A complaint about one of the case's decisions.
struct ComplaintBlock {
    id: String,
    kind: String,
    channel: String,
    received: String,
    countdown: Option<Countdown>,
    status: String,
    status_key: String,
    reasons: String,
    answer: Option<String>,
    /// The reader may answer it: open, a reviewer of the platform who did not take the decision
    /// (the store checks again, with seniority for removal orders).
    answerable: bool,
    /// Why the reader may not, while it is open.
    not_yours: Option<String>,
}

struct HistoryRow {
    time: String,
    actor: String,
    action: String,
    facts: Vec<(String, String)>,
}

struct NoteRow {
    author: String,
    at: String,
    body: String,
}

struct SimilarRow {
    id: String,
    kinds: Vec<String>,
    state: String,
    countdown: Option<Countdown>,
}

#[derive(Template)]
#[template(path = "console/case.html")]
struct CasePage {
    nav: Option<Nav>,
    t: Texts,
    csrf: String,
    id: String,
    short: String,
    countdown: Option<Countdown>,
    priority: String,
    priority_key: String,
    state: String,
    state_key: String,
    claim: Option<String>,
    claimed_by_me: bool,
    claim_until: String,
    can_claim: bool,
    can_decide: bool,
    /// Reviewers of the case's platform write notes whatever its state (a follow-up after the
    /// decision, say).
    can_note: bool,
    /// What a refused decision's form held, shown back when the form cannot be.
    unrecorded: Vec<String>,
    /// Who escalated the case and their note, while it waits for a senior reviewer.
    escalation: Option<(String, String)>,
    kinds: Vec<String>,
    submissions: Vec<SubmissionBlock>,
    matches: Vec<MatchRow>,
    similar: Vec<SimilarRow>,
    decisions: Vec<DecisionBlock>,
    actions: Vec<ActionLine>,
    complaints: Vec<ComplaintBlock>,
    /// Once a takedown is confirmed: the content's preservation (TCO Art. 6).
    preservation: Option<super::preservation::PreservationBlock>,
    history: Vec<HistoryRow>,
    notes: Vec<NoteRow>,
    form: DecisionForm,
    decision_kinds: Vec<KindChoice>,
    banks: Vec<BankChoice>,
    errors: Vec<FormIssue>,
    flash: Option<String>,
    label_kinds: Vec<Choice>,
    reasons: Vec<Choice>,
}

/// Labels of the legal fields a submission may carry, in the order shown.
const DETAIL_FIELDS: &[&str] = &[
    "issuing_authority",
    "member_state",
    "reference",
    "issued_at",
    "grounds",
    "statement_of_reasons",
    "non_disclosure_until",
    "cross_border",
    "redress",
    "explanation",
    "deconfliction",
    "category",
    "labels",
    "notifier_name",
    "notifier_email",
    "good_faith",
    "seen_where",
    "seen_at",
    "language",
];

/// A recorded value of an enumerated field in words: the public form's own words for what it
/// asks (category, where it was seen), the review texts for the rest.
fn enumerated_value(t: Texts, field: &str, text: &str) -> Option<String> {
    let id = match (field, text) {
        ("category", "terrorist_threat") => "report-category-threat".to_owned(),
        ("category", "attack_instructions") => "report-category-instructions".to_owned(),
        ("category", "other_violent_extremism") => "report-category-extremism".to_owned(),
        ("category", other) => format!("report-category-{other}"),
        ("seen_where", place) => format!("report-place-{}", place.replace('_', "-")),
        ("deconfliction", state) => format!("value-deconfliction-{state}"),
        _ => return None,
    };
    t.find(&id)
}

fn detail_value(t: Texts, field: &str, value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::Null => None,
        Value::Bool(true) => Some(t.msg("value-yes")),
        Value::Bool(false) => Some(t.msg("value-no")),
        Value::String(text) if text.is_empty() => None,
        Value::String(text) if enumerated_value(t, field, text).is_some() => enumerated_value(t, field, text),
        Value::String(text) => Some(match DateTime::parse_from_rfc3339(text) {
            Ok(time) => time.with_timezone(&Utc).format("%Y-%m-%d %H:%M UTC").to_string(),
            Err(_) => text.clone(),
        }),
        Value::Array(items) if items.is_empty() => None,
        Value::Array(items) => Some(
            items
                .iter()
                .map(|item| item.as_str().map_or_else(|| item.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        other => Some(other.to_string()),
    }
}

/// A media rendition's address on the console.
fn media_url(case: Uuid, sha256: &str, rendition: &str, variant: Option<&str>) -> String {
    match variant {
        None => format!("/console/cases/{case}/media/{sha256}/{rendition}"),
        Some(variant) => format!("/console/cases/{case}/media/{sha256}/{rendition}?view={variant}"),
    }
}

fn time(value: DateTime<Utc>) -> String {
    value.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

async fn case_page(
    state: &AppState,
    session: &ConsoleSession,
    id: CaseId,
    form: Option<DecisionForm>,
    errors: Vec<FieldIssue>,
    flash: Option<String>,
    status: StatusCode,
) -> Result<Response, ConsoleError> {
    let t = session.texts();
    let principal = &session.principal;
    let view = review::case_view(state, principal, id).await?;
    let case = &view.case;
    let platform = OrganisationId(case.platform);
    let review_state = ReviewState::parse(&case.review_state).unwrap_or(ReviewState::New);
    let now = Utc::now();
    let names = directory(state).await?;
    let me = principal.actor.id();
    let senior = principal.may(Permission::SeniorDecisions(platform));
    let may_decide = principal.may(Permission::DecideCases(platform));
    let claimed_by_me = case.claim.as_ref().is_some_and(|claim| Some(claim.holder) == me);
    let claimed_by_other = case.claim.is_some() && !claimed_by_me;
    let correcting = form.as_ref().is_some_and(|form| !form.replaces.is_empty());
    let decidable_state = match review_state {
        ReviewState::New | ReviewState::ClarificationRequested => true,
        ReviewState::Escalated => senior,
        ReviewState::Decided => correcting,
        ReviewState::AwaitingConfirmation => false,
    };
    let removal_order = case.kinds.iter().any(|kind| kind == "removal_order");

    // Videos' strips of frames, kept when they were hashed (none for a video hashed before).
    let videos = view
        .submissions
        .iter()
        .flat_map(|submission| &submission.media)
        .filter(|media| media.media_type == "video")
        .map(|media| media.sha256.clone())
        .collect();
    let strips = crate::renditions::http::strips(state, videos).await?;
    let submissions = view
        .submissions
        .iter()
        .map(|submission| {
            let details = &submission.details;
            let mut facts = Vec::new();
            for field in DETAIL_FIELDS {
                if let Some(value) = detail_value(t, field, &details[*field]) {
                    facts.push(Fact { label: t.msg(&format!("field-{field}")), value });
                }
            }
            if let Some(reference) = &submission.reference
                && !facts.iter().any(|fact| fact.value == *reference)
            {
                facts.insert(0, Fact { label: t.msg("field-reference"), value: reference.clone() });
            }
            if submission.trusted_flagger {
                facts.push(Fact { label: t.msg("field-trusted_flagger"), value: t.msg("value-yes") });
            }
            let mut urls: Vec<String> = details["urls"]
                .as_array()
                .map(|urls| urls.iter().filter_map(|url| url.as_str().map(str::to_owned)).collect())
                .unwrap_or_default();
            if let Some(url) = details["url"].as_str() {
                urls.push(url.to_owned());
            }
            let kind = SubmissionKind::parse(&submission.receipt.kind).ok();
            SubmissionBlock {
                number: submission.receipt.number.clone(),
                kind: kind.map_or_else(|| submission.receipt.kind.clone(), |kind| kind_name(t, kind)),
                sender: submission
                    .submitter
                    .and_then(|sender| names.get(&sender).map(|(name, _)| name.clone()))
                    .unwrap_or_else(|| t.msg("queue-anonymous")),
                received_at: time(submission.receipt.received_at),
                countdown: Countdown::of(submission.receipt.due_at, now, t),
                paused: submission.paused_at.is_some(),
                facts,
                urls,
                media: submission
                    .media
                    .iter()
                    .map(|media| MediaBlock {
                        protected: media_url(case.id, &media.sha256, "preview", None),
                        clear: media_url(case.id, &media.sha256, "preview", Some("clear")),
                        frames: strips
                            .get(&media.sha256)
                            .into_iter()
                            .flatten()
                            .map(|frame| {
                                let frame_path = format!("frames/{}", frame.index);
                                FrameBlock {
                                    protected: media_url(case.id, &media.sha256, &frame_path, None),
                                    clear: media_url(case.id, &media.sha256, &frame_path, Some("clear")),
                                }
                            })
                            .collect(),
                        // The play page: a player for the muted copy, or where its making stands.
                        play: (media.media_type == "video").then(|| media_url(case.id, &media.sha256, "play", None)),
                        sha256: media.sha256.clone(),
                        short: media.sha256.get(..12).unwrap_or(&media.sha256).to_owned(),
                        media_type: media.media_type.clone(),
                        status: media.status.clone(),
                    })
                    .collect(),
                clock: submission
                    .clock
                    .iter()
                    .map(|event| {
                        let what = t.msg(&format!("clock-{}", event.action));
                        let reason = event
                            .reason
                            .as_deref()
                            .map(|reason| format!(" ({})", t.msg(&format!("pause-{reason}"))))
                            .unwrap_or_default();
                        format!("{} · {what}{reason} · {}", time(event.recorded_at), event.explanation)
                    })
                    .collect(),
            }
        })
        .collect();

    let matches = view
        .matches
        .iter()
        .map(|found| MatchRow {
            bank: found.bank.clone(),
            labels: found.labels.clone(),
            distance: found.distance,
            via: found.via.as_deref().and_then(|via| via_words(&t, via)),
            confirmed: found.confirmed_count,
            false_positive: found.false_positive_count,
            signal: found.signal_id.map(|signal| format!("{}:{signal}", found.bank)),
        })
        .collect();

    let audit_names = Names::load(&state.store).await?;
    let describer = Describer {
        names: &audit_names,
        reader: principal,
        t,
        whole_trail: principal.may(Permission::ReadAudit(None)),
        colleague_names: true,
    };
    let actor_name = |actor: &crate::review::wire::ActorView| -> String {
        let actor = match (actor.kind.as_str(), actor.id) {
            ("user", Some(id)) => vigie_domain::access::Actor::User(vigie_domain::ids::UserId(id)),
            ("token", Some(id)) => vigie_domain::access::Actor::Token(vigie_domain::ids::TokenId(id)),
            ("cli", _) => vigie_domain::access::Actor::Cli,
            ("public", _) => vigie_domain::access::Actor::Public,
            _ => vigie_domain::access::Actor::System,
        };
        describer.actor(&actor)
    };

    // An escalated case shows, above its form, who escalated it and why: the senior reviewer
    // reads the question before the content.
    let escalation = (review_state == ReviewState::Escalated)
        .then(|| view.decisions.iter().rev().find(|decision| decision.decision == "escalate"))
        .flatten()
        .map(|decision| (actor_name(&decision.decided_by), decision.note.clone()));
    let decisions: Vec<DecisionBlock> = view
        .decisions
        .iter()
        .map(|decision| {
            let kind = DecisionKind::parse(&decision.decision).ok();
            let decided_by_me = decision.decided_by.id.is_some() && decision.decided_by.id == me;
            let mut details = Vec::new();
            if !decision.territorial_scope.is_empty() {
                details.push(Fact {
                    label: t.msg("issue-field-territorial_scope"),
                    value: decision.territorial_scope.join(", "),
                });
            }
            if let Some(label) = &decision.label {
                details.push(Fact { label: t.msg("form-label"), value: t.msg(&format!("label-{label}")) });
            }
            if let Some(reason) = &decision.reason {
                details.push(Fact { label: t.msg("form-reason"), value: t.msg(&format!("reason-{reason}")) });
            }
            if let Some(counter) = &decision.counter_speech {
                details.push(Fact { label: t.msg("form-counter_speech"), value: counter.clone() });
            }
            if !decision.facts.is_empty() {
                details.push(Fact { label: t.msg("form-facts"), value: decision.facts.clone() });
            }
            if !decision.note.is_empty() {
                details.push(Fact { label: t.msg("issue-field-note"), value: decision.note.clone() });
            }
            details.push(Fact {
                label: t.msg("form-automated"),
                value: format!(
                    "{} / {}",
                    if decision.automated_detection { t.msg("value-yes") } else { t.msg("value-no") },
                    if decision.automated_decision { t.msg("value-yes") } else { t.msg("value-no") }
                ),
            });
            if let Some(bank) = &decision.add_to_bank {
                details.push(Fact {
                    label: t.msg("form-bank"),
                    value: t.msg2(
                        "decision-added-to-bank",
                        "count",
                        bank.signals_added,
                        "labels",
                        bank.labels.join(", "),
                    ),
                });
            }
            if let Some(reviewer) = &decision.reviewed_by {
                details.push(Fact {
                    label: t.msg("decision-reviewed-by"),
                    value: format!(
                        "{} · {}{}",
                        actor_name(reviewer),
                        decision.reviewed_at.map(time).unwrap_or_default(),
                        if decision.review_note.is_empty() {
                            String::new()
                        } else {
                            format!(" · {}", decision.review_note)
                        }
                    ),
                });
            }
            DecisionBlock {
                id: decision.id.to_string(),
                // What was decided, as a record ("Removal", "Escalated to a senior reviewer"),
                // where the form offers the same choices as actions.
                kind: kind.map_or_else(
                    || decision.decision.clone(),
                    |kind| t.find(&format!("decided-{}", kind.as_str())).unwrap_or_else(|| decision_name(t, kind)),
                ),
                // An escalation or a request for clarification is a step, not an outcome: "in
                // force" would say the case is settled.
                state: if decision.state == "in_force" && !kind.is_some_and(DecisionKind::closes_case) {
                    t.msg("decision-state-step")
                } else {
                    t.msg(&format!("decision-state-{}", decision.state))
                },
                state_key: decision.state.clone(),
                ground: decision.ground.as_ref().map(|ground| match ground.ground_type.as_str() {
                    "illegal" => t.msg2(
                        "ground-illegal-summary",
                        "law",
                        ground.law.clone().unwrap_or_default(),
                        "article",
                        ground.article.clone().unwrap_or_default(),
                    ),
                    _ => t.msg1("ground-terms-summary", "clause", ground.clause.clone().unwrap_or_default()),
                }),
                explanation: decision
                    .ground
                    .as_ref()
                    .map(|ground| ground.explanation.clone())
                    .unwrap_or_else(|| decision.explanation.clone()),
                details,
                by: actor_name(&decision.decided_by),
                at: time(decision.created_at),
                reviewable: decision.state == "pending" && senior && !decided_by_me,
                replaceable: decision.state == "in_force" && kind.is_some_and(DecisionKind::closes_case) && may_decide,
                statement: decision.statement_of_reasons.clone(),
            }
        })
        .collect();

    let actions = state
        .store
        .list_case_actions(id)
        .await?
        .into_iter()
        .map(|action| {
            let mut facts = vec![Fact { label: t.msg("action-asked"), value: time(action.created_at) }];
            if !action.territorial_scope.is_empty() {
                facts.push(Fact { label: t.msg("form-territorial_scope"), value: action.territorial_scope.join(" ") });
            }
            if let Some(at) = action.delivered_at {
                facts.push(Fact { label: t.msg("action-delivered"), value: time(at) });
            }
            if let Some(at) = action.failed_at {
                facts.push(Fact { label: t.msg("action-failed"), value: time(at) });
            }
            if let Some(confirmation) = &action.confirmation {
                facts.push(Fact {
                    label: t.msg("action-executed"),
                    value: format!(
                        "{} · {}{}",
                        t.msg(&format!("outcome-{}", confirmation.outcome.as_str())),
                        time(confirmation.executed_at),
                        confirmation.reason.as_deref().map(|reason| format!(" · {reason}")).unwrap_or_default()
                    ),
                });
            }
            ActionLine {
                kind: t.msg(&format!("action-kind-{}", action.kind.as_str())),
                status: t.msg(&format!("action-status-{}", action.status.as_str())),
                status_key: action.status.as_str().to_owned(),
                facts,
            }
        })
        .collect();
    let deciders: std::collections::HashMap<String, bool> = view
        .decisions
        .iter()
        .map(|decision| {
            let mine = decision.decided_by.id.is_some() && decision.decided_by.id == me
                || decision.reviewed_by.as_ref().is_some_and(|reviewer| reviewer.id.is_some() && reviewer.id == me);
            (decision.id.to_string(), mine)
        })
        .collect();
    let complaints = state
        .store
        .list_case_complaints(id)
        .await?
        .into_iter()
        .map(|complaint| {
            let open = complaint.status == vigie_domain::complaints::ComplaintStatus::Open;
            let mine = deciders.get(&complaint.decision_id.to_string()).copied().unwrap_or(false);
            let seniority = complaint.kind != vigie_domain::complaints::ComplaintKind::TcoArt10 || senior;
            ComplaintBlock {
                id: complaint.id.to_string(),
                kind: t.msg(&format!("complaint-kind-{}", complaint.kind.as_str())),
                channel: t.msg(&format!("complaint-channel-{}", complaint.channel.as_str())),
                received: time(complaint.received_at),
                countdown: if open { Countdown::of(Some(complaint.due_at), now, t) } else { None },
                status: t.msg(&format!("complaint-status-{}", complaint.status.as_str())),
                status_key: complaint.status.as_str().to_owned(),
                reasons: complaint.reasons,
                answer: complaint.outcome_reasons,
                answerable: open && may_decide && !mine && seniority,
                not_yours: (open && may_decide && (mine || !seniority))
                    .then(|| t.msg(if mine { "complaint-not-yours-decider" } else { "complaint-not-yours-senior" })),
            }
        })
        .collect();

    let preservation = view
        .preservation
        .clone()
        .map(|preserved| super::preservation::block(t, preserved, platform, session, &actor_name));

    let mut subjects: Vec<(&str, String)> = vec![("case", case.id.to_string())];
    subjects.extend(view.submissions.iter().map(|submission| ("submission", submission.receipt.id.to_string())));
    let history = state
        .store
        .list_subject_events(&subjects, 200)
        .await?
        .into_iter()
        .filter_map(Result::ok)
        .map(|event| {
            let described = describer.describe(&event.record);
            HistoryRow {
                time: time(event.recorded_at),
                actor: described.actor,
                action: described.action,
                facts: described.facts,
            }
        })
        .collect();
    let notes = view
        .notes
        .iter()
        .map(|note| NoteRow { author: actor_name(&note.author), at: time(note.created_at), body: note.body.clone() })
        .collect();
    let similar = view
        .similar
        .iter()
        .map(|other| SimilarRow {
            id: other.id.to_string(),
            kinds: other
                .kinds
                .iter()
                .filter_map(|kind| SubmissionKind::parse(kind).ok())
                .map(|kind| kind_name(t, kind))
                .collect(),
            state: ReviewState::parse(&other.review_state).map(|state| state_name(t, state)).unwrap_or_default(),
            countdown: Countdown::of(other.due_at, now, t),
        })
        .collect();
    // A decision refused because the case changed hands or state meanwhile: the form is gone
    // from the page, but what the reviewer wrote is shown back, not lost.
    let can_decide = may_decide && decidable_state && !claimed_by_other;
    let unrecorded = form.as_ref().filter(|_| !can_decide).map(DecisionForm::written).unwrap_or_default();
    let form = form.unwrap_or_else(|| DecisionForm::for_case(&view));
    let mut banks = bank_choices(state, session, Some(&view)).await?;
    for bank in &mut banks {
        bank.selected = bank.id == form.bank;
    }
    let label_kinds = label_choices(t, &form.label);
    let reasons = reason_choices(t, &form.reason);
    let id_text = case.id.to_string();
    let page = CasePage {
        nav: session.nav(),
        t,
        csrf: session.session.csrf_token.clone(),
        short: super::audit_view::short_id(&id_text).to_owned(),
        id: id_text.clone(),
        countdown: if review_state.is_open() { Countdown::of(case.due_at, now, t) } else { None },
        priority: priority_name(t, &case.priority),
        priority_key: case.priority.clone(),
        state: state_name(t, review_state),
        state_key: review_state.as_str().into(),
        claim: case.claim.as_ref().map(|claim| claim.name.clone()),
        claim_until: case.claim.as_ref().map(|claim| time(claim.until)).unwrap_or_default(),
        claimed_by_me,
        can_claim: may_decide && decidable_state && !claimed_by_other && !claimed_by_me,
        can_decide,
        can_note: may_decide,
        kinds: case
            .kinds
            .iter()
            .filter_map(|kind| SubmissionKind::parse(kind).ok())
            .map(|kind| kind_name(t, kind))
            .collect(),
        submissions,
        matches,
        similar,
        decisions,
        actions,
        complaints,
        preservation,
        history,
        notes,
        decision_kinds: decision_kinds(t, removal_order, review_state),
        escalation,
        unrecorded,
        banks,
        form,
        errors: in_words(t, errors),
        flash,
        label_kinds,
        reasons,
    };
    Ok((status, render(&page)).into_response())
}

/// The case page showing `issues` about a form of its own (the preservation section's).
pub(super) async fn case_page_with_issues(
    state: &AppState,
    session: &ConsoleSession,
    id: CaseId,
    issues: Vec<FieldIssue>,
    status: StatusCode,
) -> Result<Response, ConsoleError> {
    case_page(state, session, id, None, issues, None, status).await
}

/// `GET /console/cases/{id}`.
pub(super) async fn case(
    State(state): State<AppState>,
    session: ConsoleSession,
    PagePath(id): PagePath<Uuid>,
    RawQuery(query): RawQuery,
) -> Result<Response, ConsoleError> {
    let query = query.unwrap_or_default();
    let flash = match form_value(&query, "done").as_str() {
        "decided" => Some(session.texts().msg("case-decided-flash")),
        "escalated" => Some(session.texts().msg("case-escalated-flash")),
        "clarification" => Some(session.texts().msg("case-clarification-flash")),
        "claimed" => Some(session.texts().msg("case-claimed-flash")),
        "released" => Some(session.texts().msg("case-released-flash")),
        "noted" => Some(session.texts().msg("case-noted-flash")),
        "reviewed" => Some(session.texts().msg("case-reviewed-flash")),
        "complaint-answered" => Some(session.texts().msg("case-complaint-answered-flash")),
        "preservation-opened" => Some(session.texts().msg("preservation-opened-flash")),
        "preservation-extended" => Some(session.texts().msg("preservation-extended-flash")),
        _ => None,
    };
    // "Correct this decision": the form again, naming the decision it replaces.
    let correct = form_value(&query, "correct");
    let form = if correct.is_empty() {
        None
    } else {
        let view = review::case_view(&state, &session.principal, CaseId(id)).await?;
        let mut form = DecisionForm::for_case(&view);
        form.replaces = correct;
        Some(form)
    };
    case_page(&state, &session, CaseId(id), form, Vec::new(), flash, StatusCode::OK).await
}

/// A conflict shown among a form's issues: it names no field, and is already in words.
fn conflict_issue(t: Texts, error: &ApiError) -> FieldIssue {
    FieldIssue::new("", conflict_text(t, error))
}

/// One issue of a form as the page shows it.
struct FormIssue {
    /// The field by its label on the form (empty for a conflict, which names none).
    field: String,
    message: String,
    /// The form control at fault (`name`), which the page's script marks and focuses.
    input: &'static str,
}

/// A form's issues as the page shows them: each field by its label on the form (with its
/// position for an item of a list), and the commonest rules in the page's language (the others
/// keep the domain's words, which name the rule exactly). A conflict's issue
/// ([`conflict_issue`]) names no field.
fn in_words(t: Texts, issues: Vec<FieldIssue>) -> Vec<FormIssue> {
    issues
        .into_iter()
        .map(|issue| {
            let (base, position) = match issue.field.split_once('[') {
                Some((base, rest)) => (base, rest.trim_end_matches(']').parse::<usize>().ok()),
                None => (issue.field.as_str(), None),
            };
            let input = match base {
                "ground.law" => "law",
                "ground.article" => "article",
                "ground.clause" => "clause",
                "ground.explanation" => "ground_explanation",
                "ground" | "ground.type" => "ground_type",
                "territorial_scope" => "territorial_scope",
                "add_to_bank.labels" => "bank_labels",
                "add_to_bank" | "add_to_bank.bank" => "bank",
                "decision" => "decision",
                "label" => "label",
                "reason" => "reason",
                "explanation" => "explanation",
                "facts" => "facts",
                "note" => "note",
                "counter_speech" => "counter_speech",
                "review_note" => "review_note",
                "body" => "body",
                "access_purpose" => "access_purpose",
                "access_reason" => "access_reason",
                "extension_authority" => "extension_authority",
                "extension_reference" => "extension_reference",
                "extension_until" => "extension_until",
                "extension_reason" => "extension_reason",
                _ => "",
            };
            let conflict = issue.field.is_empty();
            let field = if conflict {
                String::new()
            } else {
                let label =
                    t.find(&format!("issue-field-{}", base.replace('.', "-"))).unwrap_or_else(|| base.to_owned());
                match position {
                    Some(index) => format!("{label} ({})", index + 1),
                    None => label,
                }
            };
            let message = match issue.message.as_str() {
                "must not be empty" => t.msg("issue-required"),
                message if message.starts_with("is required") => t.msg("issue-required"),
                "must name at least one country" => t.msg("issue-one-country"),
                "must name at least one case" => t.msg("issue-one-case"),
                message if message.starts_with("must be an ISO 3166-1 alpha-2 country code") => t.msg("issue-country"),
                _ => issue.message.clone(),
            };
            FormIssue { field, message, input: if conflict { "" } else { input } }
        })
        .collect()
}

pub(super) fn back_to_case(id: Uuid, done: &str) -> Response {
    Redirect::to(&format!("/console/cases/{id}?done={done}")).into_response()
}

/// `POST /console/cases/{id}/claim`: claims (or renews). The page's script renews it every
/// minute with `renew=1`, which answers 204 instead of a page.
pub(super) async fn claim(
    State(state): State<AppState>,
    session: ConsoleSession,
    PagePath(id): PagePath<Uuid>,
    body: String,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form_value(&body, "csrf"))?;
    let claimed = review::claim(&state, &session.principal, CaseId(id)).await;
    if form_value(&body, "renew") == "1" {
        return Ok(match claimed {
            Ok(_) => StatusCode::NO_CONTENT.into_response(),
            Err(error) => error.into_response(),
        });
    }
    match claimed {
        Ok(_) => Ok(back_to_case(id, "claimed")),
        // Someone else holds it, or it closed meanwhile: the case page again, saying so, with
        // who holds it in its header.
        Err(error @ ApiError::Conflict { .. }) => {
            let issue = conflict_issue(session.texts(), &error);
            case_page(&state, &session, CaseId(id), None, vec![issue], None, StatusCode::CONFLICT).await
        }
        Err(error) => Err(error.into()),
    }
}

/// `POST /console/cases/{id}/release`.
pub(super) async fn release(
    State(state): State<AppState>,
    session: ConsoleSession,
    PagePath(id): PagePath<Uuid>,
    body: String,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form_value(&body, "csrf"))?;
    review::release(&state, &session.principal, CaseId(id)).await?;
    Ok(back_to_case(id, "released"))
}

/// `POST /console/cases/{id}/decide`: a refused decision shows the page again with the form as
/// typed and the fields at fault.
pub(super) async fn decide(
    State(state): State<AppState>,
    session: ConsoleSession,
    PagePath(id): PagePath<Uuid>,
    body: String,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form_value(&body, "csrf"))?;
    let form = DecisionForm::read(&body);
    let replaces = match form.replaces.as_str() {
        "" => None,
        text => Some(DecisionId(text.parse().map_err(|_| ApiError::field("replaces", "must be a decision id"))?)),
    };
    match review::decide(&state, &session.principal, CaseId(id), &form.input(), replaces).await {
        Ok(_) => Ok(back_to_case(
            id,
            match form.decision.as_str() {
                "escalate" => "escalated",
                "request_clarification" => "clarification",
                _ => "decided",
            },
        )),
        Err(ApiError::Validation(error)) => {
            case_page(&state, &session, CaseId(id), Some(form), error.issues, None, StatusCode::BAD_REQUEST).await
        }
        Err(error @ ApiError::Conflict { .. }) => {
            let issue = conflict_issue(session.texts(), &error);
            case_page(&state, &session, CaseId(id), Some(form), vec![issue], None, StatusCode::CONFLICT).await
        }
        Err(error) => Err(error.into()),
    }
}

/// `POST /console/cases/{id}/notes`.
pub(super) async fn add_note(
    State(state): State<AppState>,
    session: ConsoleSession,
    PagePath(id): PagePath<Uuid>,
    body: String,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form_value(&body, "csrf"))?;
    match review::add_note(&state, &session.principal, CaseId(id), &form_value(&body, "body")).await {
        Ok(_) => Ok(back_to_case(id, "noted")),
        Err(ApiError::Validation(error)) => {
            case_page(&state, &session, CaseId(id), None, error.issues, None, StatusCode::BAD_REQUEST).await
        }
        Err(error) => Err(error.into()),
    }
}

/// `POST /console/complaints/{id}/decision`: a reviewer answers a complaint, `outcome` upheld
/// or reversed, with the reasons the complainant is told.
pub(super) async fn answer_complaint(
    State(state): State<AppState>,
    session: ConsoleSession,
    PagePath(id): PagePath<Uuid>,
    body: String,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form_value(&body, "csrf"))?;
    let complaint = crate::complaints::readable(&state, &session.principal, vigie_domain::ids::ComplaintId(id)).await?;
    let request = crate::complaints::ComplaintDecisionRequest {
        outcome: Some(form_value(&body, "outcome")),
        reasons: Some(form_value(&body, "reasons")),
    };
    match crate::complaints::decide(&state, &session.principal, complaint.id, &request).await {
        Ok(_) => Ok(back_to_case(complaint.case_id.0, "complaint-answered")),
        Err(ApiError::Validation(error)) => {
            case_page(&state, &session, complaint.case_id, None, error.issues, None, StatusCode::BAD_REQUEST).await
        }
        Err(error @ ApiError::Conflict { .. }) => {
            let issue = conflict_issue(session.texts(), &error);
            case_page(&state, &session, complaint.case_id, None, vec![issue], None, StatusCode::CONFLICT).await
        }
        Err(error) => Err(error.into()),
    }
}

/// `POST /console/decisions/{id}/review`: four eyes, `confirm=1` or `confirm=0` with a note.
pub(super) async fn review_decision(
    State(state): State<AppState>,
    session: ConsoleSession,
    PagePath(id): PagePath<Uuid>,
    body: String,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form_value(&body, "csrf"))?;
    let confirm = form_value(&body, "confirm") == "1";
    let note = form_value(&body, "review_note");
    let decision = state.store.get_decision(DecisionId(id)).await?;
    match review::review_decision(&state, &session.principal, DecisionId(id), confirm, Some(&note)).await {
        Ok(_) => Ok(back_to_case(decision.case_id.0, "reviewed")),
        Err(ApiError::Validation(error)) => {
            // The use case names its `note`; on this page that is the review form's note.
            let issues = error
                .issues
                .into_iter()
                .map(|issue| if issue.field == "note" { FieldIssue::new("review_note", issue.message) } else { issue })
                .collect();
            case_page(&state, &session, decision.case_id, None, issues, None, StatusCode::BAD_REQUEST).await
        }
        Err(error @ ApiError::Conflict { .. }) => {
            let issue = conflict_issue(session.texts(), &error);
            case_page(&state, &session, decision.case_id, None, vec![issue], None, StatusCode::CONFLICT).await
        }
        Err(error) => Err(error.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// The team dashboard

struct TimingRow {
    label: String,
    today: usize,
    today_median: String,
    today_p90: String,
    week: usize,
    week_median: String,
    week_p90: String,
}

#[derive(Template)]
#[template(path = "console/team.html")]
struct TeamPage {
    nav: Option<Nav>,
    t: Texts,
    open: i64,
    overdue: i64,
    escalated: i64,
    awaiting: i64,
    decided_today: usize,
    actions_unconfirmed: i64,
    actions_failed: i64,
    complaints_open: i64,
    complaints_overdue: i64,
    rows: Vec<TimingRow>,
    at: String,
}

/// A time taken, unambiguous at a glance: "45 s", "12 min 05", "3 h 02", "2 d 4 h".
fn duration_text(t: Texts, seconds: Option<i64>) -> String {
    match seconds {
        None => "—".into(),
        Some(seconds) if seconds < 60 => format!("{seconds} s"),
        Some(seconds) if seconds < 3600 => format!("{} min {:02}", seconds / 60, seconds % 60),
        Some(seconds) if seconds < 48 * 3600 => format!("{} h {:02}", seconds / 3600, (seconds % 3600) / 60),
        Some(seconds) => t.msg2("countdown-days", "days", seconds / 86_400, "hours", (seconds % 86_400) / 3600),
    }
}

/// `GET /console/team`: the team dashboard.
pub(super) async fn team(State(state): State<AppState>, session: ConsoleSession) -> Result<Response, ConsoleError> {
    let t = session.texts();
    let figures = review::dashboard::dashboard(&state, &session.principal).await?;
    let row = |label: String, today: review::dashboard::Timing, week: review::dashboard::Timing| TimingRow {
        label,
        today: today.decisions,
        today_median: duration_text(t, today.median_seconds),
        today_p90: duration_text(t, today.p90_seconds),
        week: week.decisions,
        week_median: duration_text(t, week.median_seconds),
        week_p90: duration_text(t, week.p90_seconds),
    };
    let mut rows = vec![row(t.msg("team-all-kinds"), figures.today, figures.week)];
    rows.extend(figures.per_kind.iter().map(|(kind, today, week)| row(kind_name(t, *kind), *today, *week)));
    Ok(render(&TeamPage {
        nav: session.nav(),
        t,
        open: figures.counts.open,
        overdue: figures.counts.overdue,
        escalated: figures.counts.escalated,
        awaiting: figures.counts.awaiting_confirmation,
        decided_today: figures.today.decisions,
        actions_unconfirmed: figures.actions.pending + figures.actions.delivered,
        actions_failed: figures.actions.failed,
        complaints_open: figures.complaints_open,
        complaints_overdue: figures.complaints_overdue,
        rows,
        at: time(figures.at),
    }))
}

/// How an edited copy was found (`trimmed+rotate90`), in the reader's words; `None` for the
/// image as it is.
fn via_words(t: &crate::console::texts::Texts, via: &str) -> Option<String> {
    if via == "identity" {
        return None;
    }
    let words: Vec<String> = via.split('+').map(|part| t.msg(&format!("via-{part}"))).collect();
    Some(words.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::lang::Lang;

    #[test]
    fn countdowns() {
        let t = super::super::texts::texts(Lang::En);
        assert_eq!(countdown_text(14 * 60 + 5, t), "14:05");
        assert_eq!(countdown_text(2 * 3600 + 7 * 60, t), "2 h 07");
        assert_eq!(countdown_text(-65, t), "overdue 1:05");
        assert_eq!(countdown_text(5 * 86_400 + 23 * 3600 + 59 * 60, t), "5 d 23 h", "days and hours: no day lost");
    }

    /// Texts whose ids are built at run time (kinds, states, decisions, detail fields) exist in
    /// every language: a missing one would show its id.
    #[test]
    fn every_built_text_id_exists() {
        let mut ids: Vec<String> = Vec::new();
        ids.extend(SubmissionKind::ALL.map(|kind| format!("kind-{}", kind.as_str())));
        ids.extend(ReviewState::ALL.map(|state| format!("state-{}", state.as_str())));
        ids.extend(DecisionKind::ALL.map(|kind| format!("decision-{}", kind.as_str())));
        ids.extend(DecisionKind::ALL.map(|kind| format!("decided-{}", kind.as_str())));
        ids.extend(vigie_domain::review::DecisionState::ALL.map(|state| format!("decision-state-{}", state.as_str())));
        ids.extend(Priority::ALL.map(|priority| format!("priority-{}", priority.as_str())));
        ids.extend(vigie_domain::review::LabelKind::ALL.map(|label| format!("label-{}", label.as_str())));
        ids.extend(vigie_domain::review::CannotComplyReason::ALL.map(|reason| format!("reason-{}", reason.as_str())));
        ids.extend(vigie_domain::intake::PauseReason::ALL.map(|reason| format!("pause-{}", reason.as_str())));
        ids.extend(["clock-pause", "clock-resume"].map(str::to_owned));
        ids.extend(DETAIL_FIELDS.iter().map(|field| format!("field-{field}")));
        ids.push("field-trusted_flagger".into());
        for lang in [Lang::En, Lang::Fr] {
            let t = super::super::texts::texts(lang);
            for id in &ids {
                assert_ne!(t.msg(id), *id, "{id} missing in {lang:?}");
            }
        }
    }
}
