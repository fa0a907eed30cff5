//! Acting on decisions: the use cases behind webhook endpoints, the actions platforms pull and
//! confirm, and the outcome senders see, shared by the API (`api::actions`), the console and
//! the demo. Decisions write their actions and events themselves, in their own transaction
//! (`vigie_store`'s outbox); [`delivery`] sends them.

pub mod delivery;
pub mod signature;
pub mod wire;

use std::net::IpAddr;
use std::time::Duration;

use vigie_domain::access::{Permission, Principal};
use vigie_domain::actions::{ActionKind, ActionStatus, EventType, ExecutionOutcome, RetryPolicy, is_public_address};
use vigie_domain::ids::{ActionId, OrganisationId, WebhookEndpointId};
use vigie_domain::intake::SubmissionKind;
use vigie_domain::review::{DecisionKind, DecisionState};
use vigie_domain::validate::{Checker, bounded_text};
use vigie_store::{ActionRecord, DecisionRecord, NewWebhookEndpoint, SubmissionRecord, WebhookEndpoint};

use self::wire::{
    ActionDetails, ActionMediaView, ActionPage, ActionSubmissionView, ActionView, ConfirmRequest, ConfirmationView,
    OutcomeActionView, OutcomeDecisionView, OutcomeView, RotateRequest, TcoFeedbackView, WebhookRequest,
};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::review::wire::GroundView;

/// How webhooks are sent.
#[derive(Clone, Debug)]
pub struct WebhookSettings {
    /// Allow endpoints on loopback, private and link-local addresses, and plain `http://`
    /// (an operator's own network, tests). Off by default: a platform's admin could otherwise
    /// make Vigie call services inside the operator's network.
    pub allow_private_addresses: bool,
    /// When failed deliveries are tried again, and for how long.
    pub retry: RetryPolicy,
    /// Longest an attempt may take, connection included.
    pub request_timeout: Duration,
    /// Deliveries claimed at once by a node.
    pub batch: u32,
    /// How often a node looks for due deliveries when nothing woke it.
    pub poll_interval: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allow_private_addresses: false,
            retry: RetryPolicy::default(),
            request_timeout: Duration::from_secs(10),
            batch: 200,
            poll_interval: Duration::from_secs(1),
        }
    }
}

/// Longest webhook URL.
pub const MAX_URL_CHARS: usize = 2_000;
/// Longest endpoint description.
pub const MAX_DESCRIPTION_CHARS: usize = 200;
/// Endpoints one organisation may have (enabled or not).
pub const MAX_ENDPOINTS: usize = 20;
/// Longest overlap of a rotated secret.
pub const MAX_OVERLAP_HOURS: u32 = 168;

/// Why a webhook address is refused, in words naming the rule (never the address: it may be
/// sensitive, and the caller knows it).
pub async fn check_webhook_url(text: &str, allow_private: bool) -> Result<String, String> {
    let text = bounded_text(text, 1, MAX_URL_CHARS)?;
    let url = reqwest::Url::parse(&text).map_err(|error| format!("is not a URL ({error})"))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err("must be an https:// address".into()),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not hold credentials: authenticate the events by their signature".into());
    }
    if url.fragment().is_some() {
        return Err("must not have a fragment (#…)".into());
    }
    let addresses = resolve(&url).await?;
    // The address itself is not named: it would tell an organisation's admin what the
    // operator's internal names resolve to.
    if !allow_private && addresses.iter().any(|address| !is_public_address(*address)) {
        return Err("resolves to a loopback, private, link-local or reserved address: webhooks go to public \
                    addresses unless the operator allows private ones (vigie serve --allow-private-webhooks, or \
                    [webhooks] allow_private_addresses)"
            .into());
    }
    Ok(url.to_string())
}

/// The addresses `url`'s host stands for (itself, for an IP literal), within 5 seconds.
async fn resolve(url: &reqwest::Url) -> Result<Vec<IpAddr>, String> {
    let port = url.port_or_known_default().unwrap_or(443);
    match url.host() {
        None => Err("must name a host".into()),
        Some(url::Host::Ipv4(v4)) => Ok(vec![IpAddr::V4(v4)]),
        Some(url::Host::Ipv6(v6)) => Ok(vec![IpAddr::V6(v6)]),
        Some(url::Host::Domain(name)) => {
            let lookup = tokio::net::lookup_host((name, port));
            match tokio::time::timeout(Duration::from_secs(5), lookup).await {
                Err(_) => Err("its host name did not resolve within 5 seconds".into()),
                Ok(Err(_)) => Err("its host name does not resolve".into()),
                Ok(Ok(found)) => {
                    let addresses: Vec<IpAddr> = found.map(|socket| socket.ip()).collect();
                    if addresses.is_empty() { Err("its host name does not resolve".into()) } else { Ok(addresses) }
                }
            }
        }
    }
}

/// Registers a webhook endpoint for `organisation`: its admins only. Returns it with its
/// secret, which is shown this once.
pub async fn register_endpoint(
    state: &AppState,
    principal: &Principal,
    organisation: OrganisationId,
    request: &WebhookRequest,
) -> ApiResult<WebhookEndpoint> {
    require_webhooks(principal, organisation)?;
    let mut checker = Checker::default();
    let url = match request.url.as_deref() {
        None => {
            checker.push("url", "is required");
            None
        }
        Some(text) => {
            checker.check("url", check_webhook_url(text, state.settings.webhooks.allow_private_addresses).await)
        }
    };
    let mut event_types = Vec::new();
    match request.event_types.as_deref() {
        None | Some([]) => checker.push("event_types", "must name at least one event type"),
        Some(names) => {
            for (index, name) in names.iter().enumerate() {
                let field = format!("event_types[{index}]");
                if let Some(event_type) = checker.check(&field, EventType::parse(name)) {
                    if event_types.contains(&event_type) {
                        checker.push(&field, "is named twice");
                    } else {
                        event_types.push(event_type);
                    }
                }
            }
        }
    }
    let description = match request.description.as_deref() {
        None => Some(String::new()),
        Some(text) => checker.check("description", bounded_text(text, 0, MAX_DESCRIPTION_CHARS)),
    };
    let (Some(url), Some(description)) = (url, description) else {
        return Err(ApiError::Validation(checker.into_error()));
    };
    if !checker.is_clean() {
        return Err(ApiError::Validation(checker.into_error()));
    }
    if state.store.list_webhook_endpoints(organisation).await?.len() >= MAX_ENDPOINTS {
        return Err(ApiError::field(
            "url",
            format!("an organisation may have at most {MAX_ENDPOINTS} endpoints; disable one first"),
        ));
    }
    let endpoint = NewWebhookEndpoint {
        organisation_id: organisation,
        url,
        event_types,
        secret: signature::new_secret(),
        description,
    };
    Ok(state.store.create_webhook_endpoint(&endpoint, principal.actor).await?)
}

fn require_webhooks(principal: &Principal, organisation: OrganisationId) -> ApiResult<()> {
    if principal.may(Permission::ManageWebhooks(organisation)) {
        Ok(())
    } else if principal.organisation_id == organisation {
        Err(ApiError::Forbidden)
    } else {
        Err(ApiError::NotFound)
    }
}

/// An endpoint the principal may manage; another organisation's answers 404.
pub async fn managed_endpoint(
    state: &AppState,
    principal: &Principal,
    id: WebhookEndpointId,
) -> ApiResult<WebhookEndpoint> {
    let endpoint = state.store.get_webhook_endpoint(id).await?;
    require_webhooks(principal, endpoint.organisation_id)?;
    Ok(endpoint)
}

/// An organisation's endpoints (without their secrets).
pub async fn list_endpoints(
    state: &AppState,
    principal: &Principal,
    organisation: OrganisationId,
) -> ApiResult<Vec<WebhookEndpoint>> {
    require_webhooks(principal, organisation)?;
    Ok(state.store.list_webhook_endpoints(organisation).await?)
}

/// Gives an endpoint a new secret; the old one signs too for the overlap (default 24 hours).
pub async fn rotate_secret(
    state: &AppState,
    principal: &Principal,
    id: WebhookEndpointId,
    request: &RotateRequest,
) -> ApiResult<WebhookEndpoint> {
    managed_endpoint(state, principal, id).await?;
    let hours = request.overlap_hours.unwrap_or(24);
    if hours > MAX_OVERLAP_HOURS {
        return Err(ApiError::field("overlap_hours", format!("must be between 0 and {MAX_OVERLAP_HOURS}")));
    }
    let until = state.store.now() + chrono::TimeDelta::hours(i64::from(hours));
    Ok(state.store.rotate_webhook_secret(id, &signature::new_secret(), until, principal.actor).await?)
}

/// Disables an endpoint; what waited for it is given up.
pub async fn disable_endpoint(
    state: &AppState,
    principal: &Principal,
    id: WebhookEndpointId,
) -> ApiResult<WebhookEndpoint> {
    managed_endpoint(state, principal, id).await?;
    Ok(state.store.disable_webhook_endpoint(id, principal.actor).await?)
}

/// An action the principal may read: another platform's answers 404; its own platform's,
/// without the role, 403.
pub async fn readable_action(state: &AppState, principal: &Principal, id: ActionId) -> ApiResult<ActionRecord> {
    let action = state.store.get_action(id).await?;
    if principal.may(Permission::ReadActions(action.platform_id))
        || principal.may(Permission::ConfirmActions(action.platform_id))
    {
        Ok(action)
    } else if principal.organisation_id == action.platform_id {
        Err(ApiError::Forbidden)
    } else {
        Err(ApiError::NotFound)
    }
}

/// Most actions in one page.
pub const MAX_PAGE: u32 = 500;

/// A page of a platform's actions (the caller's, unless the operator's auditors or admins name
/// another), after `cursor`.
pub async fn list_actions(
    state: &AppState,
    principal: &Principal,
    platform: Option<&str>,
    status: Option<&str>,
    cursor: Option<ActionId>,
    limit: Option<u32>,
) -> ApiResult<ActionPage> {
    let mut checker = Checker::default();
    let status = status.and_then(|text| checker.check("status", ActionStatus::parse(text)));
    let limit = limit.unwrap_or(100);
    if !(1..=MAX_PAGE).contains(&limit) {
        checker.push("limit", format!("must be between 1 and {MAX_PAGE}"));
    }
    if !checker.is_clean() {
        return Err(ApiError::Validation(checker.into_error()));
    }
    let platform = match platform {
        None => principal.organisation_id,
        Some(text) => crate::app::resolve_organisation(&state.store, "platform", text).await?.id,
    };
    if !principal.may(Permission::ReadActions(platform)) && !principal.may(Permission::ConfirmActions(platform)) {
        return Err(if platform == principal.organisation_id { ApiError::Forbidden } else { ApiError::NotFound });
    }
    let records = state.store.list_actions(platform, status, cursor, limit).await?;
    let next_cursor = (records.len() == limit as usize).then(|| records.last().map(|action| action.id.0)).flatten();
    let mut actions = Vec::with_capacity(records.len());
    for record in records {
        actions.push(action_view(state, principal, record).await?);
    }
    Ok(ActionPage { actions, next_cursor })
}

/// The platform confirms what it did about an action.
pub async fn confirm(
    state: &AppState,
    principal: &Principal,
    id: ActionId,
    request: &ConfirmRequest,
) -> ApiResult<ActionRecord> {
    let action = readable_action(state, principal, id).await?;
    if !principal.may(Permission::ConfirmActions(action.platform_id)) {
        return Err(ApiError::Forbidden);
    }
    let confirmation = vigie_domain::actions::check_confirmation(
        request.outcome.as_deref(),
        request.executed_at,
        request.reason.as_deref(),
        action.created_at,
        state.store.now(),
    )?;
    let confirmed = state.store.confirm_action(id, &confirmation, principal.actor).await?;
    // Senders' outcome events were queued with the confirmation.
    state.deliveries.notify_one();
    Ok(confirmed)
}

/// What an action asks, as its event carries it and its view starts: the decision's ground
/// and facts, and the content of the case's submissions.
pub async fn action_details(state: &AppState, action: &ActionRecord) -> ApiResult<ActionDetails> {
    let decision = state.store.get_decision(action.decision_id).await?;
    let mut urls: Vec<String> = Vec::new();
    let mut media: Vec<ActionMediaView> = Vec::new();
    let mut submissions = Vec::new();
    for submission in state.store.list_case_submissions(action.case_id).await? {
        let details: serde_json::Value = serde_json::from_str(&submission.details).unwrap_or_default();
        let listed = details["urls"].as_array().into_iter().flatten().filter_map(|url| url.as_str());
        for url in details["url"].as_str().into_iter().chain(listed) {
            if !urls.iter().any(|known| known == url) {
                urls.push(url.to_owned());
            }
        }
        for file in state.store.list_submission_media(submission.receipt.id).await? {
            if !media.iter().any(|known| known.sha256 == file.sha256) {
                media.push(ActionMediaView {
                    sha256: file.sha256,
                    md5: file.md5,
                    media_type: file.media_type,
                    pdq: file.pdq,
                });
            }
        }
        submissions.push(ActionSubmissionView {
            id: submission.receipt.id.0,
            number: submission.receipt.number.clone(),
            kind: submission.receipt.kind.as_str().to_owned(),
            reference: submission.reference.clone(),
            submitter: submission.submitter_id.map(|id| id.0),
            received_at: submission.receipt.received_at,
            due_at: submission.receipt.due_at,
        });
    }
    Ok(ActionDetails {
        id: action.id.0,
        kind: action.kind.as_str().to_owned(),
        platform: action.platform_id.0,
        case: action.case_id.0,
        decision: action.decision_id.0,
        created_at: action.created_at,
        territorial_scope: action.territorial_scope.clone(),
        label: action.label.map(|label| label.as_str().to_owned()),
        counter_speech: action.counter_speech.clone(),
        ground: decision.ground.as_ref().map(GroundView::from),
        facts: decision.facts,
        automated_detection: decision.automated_detection,
        automated_decision: decision.automated_decision,
        urls,
        media,
        submissions,
        statement_of_reasons: decision
            .statement_token
            .as_deref()
            .filter(|_| action.kind != ActionKind::Reinstate)
            .map(crate::statements::statement_path),
        confirm_url: format!("/v1/actions/{}/confirm", action.id),
    })
}

/// An action and where it stands, as `principal` may read it. An action still to be carried
/// out names what it is about (the platform needs the URLs to act); once it is done with
/// (confirmed, or given up) and the content is preserved, the URLs and media open as the case's
/// content does (with a stated purpose; see [`crate::preservation`]).
pub async fn action_view(state: &AppState, principal: &Principal, action: ActionRecord) -> ApiResult<ActionView> {
    let mut details = action_details(state, &action).await?;
    if matches!(action.status, ActionStatus::Confirmed | ActionStatus::Failed)
        && !crate::preservation::content_for(state, principal, action.case_id).await?.readable()
    {
        details.urls.clear();
        details.media.clear();
    }
    Ok(ActionView {
        details,
        status: action.status.as_str().to_owned(),
        delivered_at: action.delivered_at,
        failed_at: action.failed_at,
        confirmation: action.confirmation.map(|confirmation| ConfirmationView {
            outcome: confirmation.outcome.as_str().to_owned(),
            executed_at: confirmation.executed_at,
            reason: confirmation.reason,
            confirmed_at: confirmation.confirmed_at,
            confirmed_by: confirmation.confirmed_by.into(),
        }),
    })
}

/// What became of a submission: the decision in force on its case, every action asked, and for
/// a removal order the TCO feedback (Annex II once removal is confirmed, Annex III when the
/// platform cannot comply or the removal failed).
pub async fn submission_outcome(state: &AppState, submission: &SubmissionRecord) -> ApiResult<OutcomeView> {
    let case = submission.receipt.case_id;
    let decisions = state.store.list_decisions(case).await?;
    let actions = state.store.list_case_actions(case).await?;
    Ok(outcome_of(submission, &decisions, &actions))
}

/// [`submission_outcome`] from what was read.
pub fn outcome_of(
    submission: &SubmissionRecord,
    decisions: &[DecisionRecord],
    actions: &[ActionRecord],
) -> OutcomeView {
    let decision = decisions
        .iter()
        .filter(|decision| decision.state == DecisionState::InForce && decision.kind.closes_case())
        .max_by_key(|decision| (decision.reviewed_at.unwrap_or(decision.created_at), decision.id));
    let own_actions: Vec<&ActionRecord> = decision
        .map(|decision| actions.iter().filter(|action| action.decision_id == decision.id).collect())
        .unwrap_or_default();
    let latest = own_actions.last().copied();
    let status = match (decision, latest) {
        (None, _) => "in_review",
        (Some(_), None) => "no_action",
        (Some(_), Some(action)) => match action.confirmation.as_ref().map(|c| c.outcome) {
            None => "decided",
            Some(ExecutionOutcome::Executed) => "executed",
            Some(ExecutionOutcome::PartiallyExecuted) => "partially_executed",
            Some(ExecutionOutcome::Failed) => "not_executed",
        },
    };
    let all: Vec<&ActionRecord> = actions.iter().collect();
    let tco = (submission.receipt.kind == SubmissionKind::RemovalOrder)
        .then(|| tco_feedback(submission, decision, &all))
        .flatten();
    OutcomeView {
        status: status.to_owned(),
        decision: decision.map(|decision| OutcomeDecisionView {
            id: decision.id.0,
            kind: decision.kind.as_str().to_owned(),
            decided_at: decision.reviewed_at.unwrap_or(decision.created_at),
            ground: decision.ground.as_ref().map(GroundView::from),
            territorial_scope: decision.territorial_scope.clone(),
            reason: decision.reason.map(|reason| reason.as_str().to_owned()),
            explanation: decision
                .ground
                .as_ref()
                .map(|ground| ground.explanation().to_owned())
                .unwrap_or_else(|| decision.explanation.clone()),
            automated_decision: decision.automated_decision,
        }),
        actions: actions.iter().map(OutcomeActionView::from).collect(),
        tco,
    }
}

fn tco_feedback(
    submission: &SubmissionRecord,
    decision: Option<&DecisionRecord>,
    actions: &[&ActionRecord],
) -> Option<TcoFeedbackView> {
    // The first confirmed takedown is the order's execution (Annex II), whatever became of the
    // decision since: a later reversal adds when the content was reinstated.
    let executed = actions.iter().find_map(|action| {
        let confirmation = action.confirmation.as_ref()?;
        (action.kind.takes_down() && confirmation.outcome != ExecutionOutcome::Failed).then_some((action, confirmation))
    });
    if let Some((takedown, confirmation)) = executed {
        let seconds = (confirmation.executed_at - submission.receipt.received_at).num_seconds().max(0);
        let reinstated_at = actions
            .iter()
            .filter(|action| action.kind == ActionKind::Reinstate && action.created_at > takedown.created_at)
            .map(|action| action.confirmation.as_ref().map_or(action.created_at, |c| c.executed_at))
            .next();
        return Some(TcoFeedbackView {
            annex: "annex_ii".into(),
            removed_at: Some(confirmation.executed_at),
            measure: Some(if takedown.kind == ActionKind::Remove { "removed" } else { "disabled" }.into()),
            reason: confirmation.reason.clone(),
            seconds_from_receipt: Some(seconds),
            within_one_hour: Some(seconds <= 3600),
            reinstated_at,
        });
    }
    let annex_iii = |reason: Option<String>| TcoFeedbackView {
        annex: "annex_iii".into(),
        removed_at: None,
        measure: None,
        reason,
        seconds_from_receipt: None,
        within_one_hour: None,
        reinstated_at: None,
    };
    let decision = decision?;
    if decision.kind == DecisionKind::CannotComply {
        return Some(annex_iii(decision.reason.map(|reason| reason.as_str().to_owned())));
    }
    // A takedown the platform says it could not carry out.
    let failed = actions.iter().filter(|action| action.decision_id == decision.id).find_map(|action| {
        let confirmation = action.confirmation.as_ref()?;
        (action.kind.takes_down() && confirmation.outcome == ExecutionOutcome::Failed).then_some(confirmation)
    })?;
    Some(annex_iii(failed.reason.clone()))
}
