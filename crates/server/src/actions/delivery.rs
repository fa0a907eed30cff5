//! The delivery worker: runs on every node, claims due deliveries with a lease (so one node
//! sends each attempt), signs and posts them, and records each batch's results in one
//! transaction. A node killed while sending leaves its lease to run out; another node then sends
//! the same event again, with the same `webhook-id` and body, so a receiver that drops repeats
//! sees it once.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;
use vigie_domain::actions::{EventType, is_public_address};
use vigie_store::{Attempt, AttemptResult, DueDelivery};

use super::WebhookSettings;
use super::signature::signature_header;
use super::wire::{EventEnvelope, SubmissionOutcomeEvent};
use crate::AppState;

/// Batches a node sends at once.
const BATCHES_IN_FLIGHT: usize = 4;

/// Sent as `User-Agent`, so receivers can tell Vigie's calls in their logs.
const USER_AGENT: &str = concat!("Vigie-Webhooks/", env!("CARGO_PKG_VERSION"));

/// Resolves host names for webhook requests, keeping only public addresses unless the operator
/// allows private ones: the address checked is the address connected to, so a name that
/// resolves to a public address when registered and to an internal one later (DNS rebinding)
/// is refused at sending time too.
struct PublicOnly {
    allow_private: bool,
}

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let addresses: Vec<SocketAddr> =
                found.filter(|address| allow_private || is_public_address(address.ip())).collect();
            if addresses.is_empty() {
                return Err("the host resolves only to loopback, private, link-local or reserved addresses".into());
            }
            Ok(Box::new(addresses.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The HTTP client webhooks are sent with: no redirects (a redirect could point anywhere), no
/// proxy from the environment (a proxy would resolve the host itself, past the resolver's
/// check), a timeout on every attempt, https only unless private addresses are allowed.
pub fn client(settings: &WebhookSettings) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(settings.request_timeout)
        .connect_timeout(settings.request_timeout.min(Duration::from_secs(5)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(USER_AGENT)
        .https_only(!settings.allow_private_addresses)
        .dns_resolver(Arc::new(PublicOnly { allow_private: settings.allow_private_addresses }))
        .build()
}

/// Sends due deliveries until `shutdown`: at once when this node records something to send
/// (`AppState::deliveries`), else every `poll_interval` (what other nodes recorded, retries).
pub async fn run(state: AppState, shutdown: CancellationToken) {
    let settings = state.settings.webhooks.clone();
    let client = match client(&settings) {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(error = %error, "webhook client could not start: no webhook will be sent");
            return;
        }
    };
    // An attempt runs at most `request_timeout` and its batch is recorded just after; the lease
    // outlasts both. A node killed while sending holds its batch until then.
    let lease = chrono::TimeDelta::from_std(settings.request_timeout * 2 + Duration::from_secs(5))
        .unwrap_or(chrono::TimeDelta::minutes(1));
    // Batches in flight at once: while one waits for slow receivers or for its results to be
    // recorded, the next claims what was decided meanwhile, so a busy period does not queue
    // events behind one another's round trips.
    let mut in_flight = tokio::task::JoinSet::new();
    loop {
        if shutdown.is_cancelled() {
            break;
        }
        while in_flight.len() >= BATCHES_IN_FLIGHT {
            in_flight.join_next().await;
        }
        match state.store.claim_deliveries(state.store.now() + lease, settings.batch).await {
            Ok(due) if !due.is_empty() => {
                let full = due.len() >= settings.batch as usize;
                let (state, client) = (state.clone(), client.clone());
                in_flight.spawn(async move { send_batch(&state, &client, due).await });
                if full {
                    continue;
                }
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(error = %error, "could not claim webhook deliveries; trying again"),
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = state.deliveries.notified() => {}
            () = tokio::time::sleep(settings.poll_interval) => {}
            Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
        }
    }
    // Attempts under way finish (each is bounded by the request timeout) and are recorded.
    while in_flight.join_next().await.is_some() {}
}

/// Sends a batch at once and records the results together. Events sent for the first time are
/// rendered first and their bodies written in one transaction, before any is sent: what a
/// receiver gets is what every later attempt sends.
async fn send_batch(state: &AppState, client: &reqwest::Client, mut due: Vec<DueDelivery>) {
    let mut renders = tokio::task::JoinSet::new();
    let mut unrendered = std::collections::HashSet::new();
    for delivery in due.iter().filter(|delivery| delivery.body.is_none()) {
        if unrendered.insert(delivery.event_id) {
            let (state, delivery) = (state.clone(), delivery.clone());
            renders.spawn(async move { (delivery.event_id, render(&state, &delivery).await) });
        }
    }
    let mut rendered = Vec::with_capacity(unrendered.len());
    while let Some(joined) = renders.join_next().await {
        match joined {
            Ok((event, Ok(body))) => rendered.push((event, body)),
            // Left without a body: the attempt below fails and is tried again.
            Ok((event, Err(error))) => tracing::warn!(event = %event, error = %error, "webhook event not rendered"),
            Err(error) => tracing::error!(error = %error, "rendering a webhook event panicked"),
        }
    }
    match state.store.set_event_bodies(&rendered).await {
        Ok(bodies) => {
            let bodies: std::collections::HashMap<_, _> = bodies.into_iter().collect();
            for delivery in &mut due {
                if delivery.body.is_none() {
                    delivery.body = bodies.get(&delivery.event_id).cloned();
                }
            }
        }
        Err(error) => tracing::warn!(error = %error, "webhook event bodies not stored; sending them later"),
    }
    let mut tasks = tokio::task::JoinSet::new();
    for delivery in due {
        let state = state.clone();
        let client = client.clone();
        tasks.spawn(async move { attempt(&state, &client, delivery).await });
    }
    let mut attempts = Vec::with_capacity(tasks.len());
    while let Some(result) = tasks.join_next().await {
        match result {
            Ok(attempt) => attempts.push(attempt),
            // The lease runs out and another attempt is made.
            Err(error) => tracing::error!(error = %error, "a webhook attempt panicked"),
        }
    }
    let delivered = attempts.iter().filter(|a| matches!(a.result, AttemptResult::Delivered { .. })).count();
    state.metrics.webhook_attempts(delivered as u64, (attempts.len() - delivered) as u64);
    if let Err(error) = state.store.record_attempts(&attempts).await {
        // Unrecorded: the leases run out and the same events are sent again, with the same ids.
        tracing::warn!(error = %error, count = attempts.len(), "could not record webhook attempts");
    }
}

/// One attempt to send one event to one endpoint.
async fn attempt(state: &AppState, client: &reqwest::Client, delivery: DueDelivery) -> Attempt {
    let result = match send(state, client, &delivery).await {
        Ok(status) => AttemptResult::Delivered { status },
        Err((status, error)) => {
            let now = Utc::now();
            let jitter: f64 = rand::random();
            match state.settings.webhooks.retry.next_attempt(delivery.attempts, delivery.created_at, now, jitter) {
                Some(at) => AttemptResult::Retry { at, status, error },
                None => AttemptResult::GiveUp { status, error },
            }
        }
    };
    if !matches!(result, AttemptResult::Delivered { .. }) {
        tracing::info!(
            event = %delivery.event_id,
            endpoint = %delivery.endpoint.id,
            attempts = delivery.attempts,
            gave_up = matches!(result, AttemptResult::GiveUp { .. }),
            "webhook attempt failed"
        );
    }
    Attempt { event_id: delivery.event_id, endpoint_id: delivery.endpoint.id, action_id: delivery.action_id, result }
}

/// Posts the event; the status of a 2xx answer, or the status (if any) and what went wrong.
async fn send(
    state: &AppState,
    client: &reqwest::Client,
    delivery: &DueDelivery,
) -> Result<u16, (Option<u16>, String)> {
    if !delivery.endpoint.enabled {
        return Err((None, "endpoint disabled".into()));
    }
    // Never sent before it is stored, so that every attempt sends the same bytes.
    let body = delivery.body.clone().ok_or((None, "event not ready to send".to_owned()))?;
    let url =
        reqwest::Url::parse(&delivery.endpoint.url).map_err(|_| (None, "the endpoint's URL is not valid".into()))?;
    // Host names are checked by the resolver; addresses written as such are checked here.
    let literal = match url.host() {
        Some(url::Host::Ipv4(v4)) => Some(std::net::IpAddr::V4(v4)),
        Some(url::Host::Ipv6(v6)) => Some(std::net::IpAddr::V6(v6)),
        _ => None,
    };
    if let Some(address) = literal
        && !state.settings.webhooks.allow_private_addresses
        && !is_public_address(address)
    {
        return Err((None, "the endpoint's address is loopback, private, link-local or reserved".into()));
    }
    let now = Utc::now();
    let id = delivery.event_id.to_string();
    let timestamp = now.timestamp();
    let mut secrets = vec![delivery.endpoint.secret.as_str()];
    if let Some((previous, until)) = &delivery.endpoint.previous_secret
        && *until > now
    {
        secrets.push(previous.as_str());
    }
    let signature = signature_header(&secrets, &id, timestamp, body.as_bytes());
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await
        .map_err(|error| (None, describe(&error)))?;
    let status = response.status();
    if status.is_success() { Ok(status.as_u16()) } else { Err((Some(status.as_u16()), format!("answered {status}"))) }
}

/// What went wrong with a request, without its URL (kept out of logs and views).
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".into()
    } else if error.is_connect() {
        let cause = std::error::Error::source(error).map(ToString::to_string).unwrap_or_default();
        if cause.is_empty() { "could not connect".into() } else { format!("could not connect: {cause}") }
    } else if error.is_redirect() {
        "answered with a redirect, which is not followed".into()
    } else {
        match std::error::Error::source(error) {
            Some(cause) => format!("the request failed: {cause}"),
            None => "the request failed".into(),
        }
    }
}

/// The event's body: its envelope around the action, or the submission's outcome, as they
/// stand at the first attempt.
async fn render(state: &AppState, delivery: &DueDelivery) -> crate::error::ApiResult<String> {
    let timestamp = delivery.created_at;
    let event_type = delivery.event_type.as_str().to_owned();
    let text = match delivery.event_type {
        EventType::Action(_) => {
            let id = delivery.action_id.ok_or(crate::error::ApiError::NotFound)?;
            let action = state.store.get_action(id).await?;
            let data = super::action_details(state, &action).await?;
            serde_json::to_string(&EventEnvelope { event_type, timestamp, data })
        }
        EventType::SubmissionOutcome => {
            let id = delivery.submission_id.ok_or(crate::error::ApiError::NotFound)?;
            let submission = state.store.get_submission(id).await?;
            let outcome = super::submission_outcome(state, &submission).await?;
            let data = SubmissionOutcomeEvent {
                submission: submission.receipt.id.0,
                number: submission.receipt.number.clone(),
                kind: submission.receipt.kind.as_str().to_owned(),
                reference: submission.reference.clone(),
                received_at: submission.receipt.received_at,
                outcome,
            };
            serde_json::to_string(&EventEnvelope { event_type, timestamp, data })
        }
    };
    text.map_err(|error| crate::error::ApiError::Internal(anyhow::anyhow!("event not serialisable: {error}")))
}
