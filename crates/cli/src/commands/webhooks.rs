//! `vigie webhooks listen`: a webhook receiver for trying Vigie and for testing an integration,
//! as a platform's or a referral unit's system would receive events. It checks each event's
//! signature with the endpoint's secret (Standard Webhooks, as Vigie sends them), prints the
//! event id and body of each one accepted on standard output, one per line, and drops repeats by
//! event id, as a receiver should.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use clap::Args;
use vigie_server::actions::signature;

/// Largest event accepted.
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

#[derive(Args, Debug)]
pub struct ListenArgs {
    /// Address to listen on, such as 127.0.0.1:8090.
    pub listen: SocketAddr,
    /// An endpoint's secret (`whsec_…`), as registration or rotation answered; repeat it for
    /// several endpoints (or both secrets during a rotation). Events signed by none are refused.
    #[arg(long = "secret", required = true, env = "VIGIE_WEBHOOK_SECRET", value_delimiter = ',')]
    pub secrets: Vec<String>,
}

struct Receiver {
    secrets: Vec<String>,
    seen: Mutex<HashSet<String>>,
}

pub fn run(args: ListenArgs) -> anyhow::Result<ExitCode> {
    if let Some(bad) = args.secrets.iter().find(|secret| !secret.starts_with(signature::SECRET_PREFIX)) {
        let shown: String = bad.chars().take(6).collect();
        anyhow::bail!("--secret must be an endpoint's secret, starting with whsec_ (got {shown:?}…)");
    }
    let receiver = Arc::new(Receiver { secrets: args.secrets, seen: Mutex::default() });
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|error| anyhow::anyhow!("cannot listen on {}: {error}", args.listen))?;
        eprintln!("listening on http://{}: events accepted are printed here, one per line", args.listen);
        let router = axum::Router::new()
            .fallback(move |headers: HeaderMap, body: Bytes| {
                let receiver = receiver.clone();
                async move { receive(&receiver, &headers, &body) }
            })
            .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES));
        let stop = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        axum::serve(listener, router).with_graceful_shutdown(stop).await?;
        Ok(ExitCode::SUCCESS)
    })
}

fn receive(receiver: &Receiver, headers: &HeaderMap, body: &[u8]) -> StatusCode {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default();
    let id = header("webhook-id");
    let Ok(timestamp) = header("webhook-timestamp").parse::<i64>() else {
        eprintln!("refused an event without webhook-timestamp");
        return StatusCode::BAD_REQUEST;
    };
    let now = chrono::Utc::now().timestamp();
    let mut outcome = Err(signature::Unverified::Missing);
    for secret in &receiver.secrets {
        outcome = signature::verify(secret, id, timestamp, body, header("webhook-signature"), now);
        if outcome.is_ok() {
            break;
        }
    }
    if let Err(problem) = outcome {
        eprintln!("refused event {id}: signature {problem:?}");
        return StatusCode::UNAUTHORIZED;
    }
    if !receiver.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(id.to_owned()) {
        eprintln!("event {id} again: already handled, acknowledged");
        return StatusCode::NO_CONTENT;
    }
    println!("{id} {}", String::from_utf8_lossy(body));
    StatusCode::NO_CONTENT
}
