//! The actions benchmark (issue 15): decisions, each asking a platform to remove content, to
//! webhook deliveries acknowledged by a receiver on this machine, through the production router,
//! store and delivery worker.
//!
//! ```text
//! vigie-bench-actions --database URL [--events N] [--rates 100,250,500] [--seconds S] [--report FILE]
//! ```
//!
//! Two measures on a new database:
//! - **throughput**: `N` decisions recorded while no worker runs, then one worker started: events
//!   delivered per second, from its start to the receiver's last acknowledgement;
//! - **latency**, at each rate: the worker running, decisions made at that many per second for
//!   `S` seconds (bulk decisions of 20 cases, evenly spaced): for each event, the time from its
//!   decision's commit (the action's `created_at`, in the body) to its arrival at the receiver,
//!   p50, p90, p99 and max.
//!
//! The receiver checks every signature. See `bench/actions/README.md` for the figures.

use std::collections::HashSet;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::{DateTime, Utc};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;
use vigie_domain::access::{Actor, Role};
use vigie_server::bootstrap::{OperatorSettings, ensure_operator};
use vigie_server::{AppState, ServerSettings, app};
use vigie_store::{DatabaseUrl, Store};

/// Issue 15's bars.
const MIN_EVENTS_PER_SECOND: f64 = 1_000.0;
const MAX_P99: Duration = Duration::from_secs(1);
/// Cases per bulk decision.
const BULK: usize = 200;

struct Options {
    database: String,
    events: usize,
    rates: Vec<usize>,
    seconds: usize,
    report: Option<std::path::PathBuf>,
}

impl Options {
    fn parse(mut args: impl Iterator<Item = String>) -> anyhow::Result<Self> {
        let mut options =
            Self { database: String::new(), events: 10_000, rates: vec![100, 250, 500], seconds: 20, report: None };
        while let Some(flag) = args.next() {
            let mut value = || args.next().ok_or_else(|| anyhow::anyhow!("{flag} needs a value"));
            match flag.as_str() {
                "--database" => options.database = value()?,
                "--events" => options.events = value()?.parse()?,
                "--rates" => {
                    options.rates = value()?.split(',').map(|rate| rate.trim().parse()).collect::<Result<_, _>>()?
                }
                "--seconds" => options.seconds = value()?.parse()?,
                "--report" => options.report = Some(value()?.into()),
                other => anyhow::bail!(
                    "unknown argument {other}: use --database URL [--events N] [--rates R,R] [--seconds S] [--report FILE]"
                ),
            }
        }
        anyhow::ensure!(
            !options.database.is_empty(),
            "--database URL is required (a new SQLite file or PostgreSQL database)"
        );
        anyhow::ensure!(options.events >= BULK, "--events at least {BULK}");
        anyhow::ensure!(
            !options.rates.is_empty() && options.rates.iter().all(|rate| *rate >= 20) && options.seconds > 0,
            "--rates at least 20 each, --seconds at least 1"
        );
        Ok(options)
    }
}

/// What the receiver saw: each event's arrival, and its decision's commit time.
#[derive(Default)]
struct Seen {
    ids: HashSet<String>,
    arrivals: Vec<(Instant, DateTime<Utc>, DateTime<Utc>)>,
    bad_signatures: usize,
}

async fn receiver(secret: Arc<Mutex<String>>, seen: Arc<Mutex<Seen>>) -> anyhow::Result<String> {
    let router = axum::Router::new().fallback(move |headers: HeaderMap, body: axum::body::Bytes| {
        let (secret, seen) = (secret.clone(), seen.clone());
        async move {
            let arrived = Utc::now();
            let at = Instant::now();
            let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
            let id = text("webhook-id");
            let timestamp: i64 = text("webhook-timestamp").parse().unwrap_or(0);
            let secret = secret.lock().unwrap().clone();
            let verified = vigie_server::actions::signature::verify(
                &secret,
                &id,
                timestamp,
                &body,
                &text("webhook-signature"),
                arrived.timestamp(),
            );
            let mut seen = seen.lock().unwrap();
            if verified.is_err() {
                seen.bad_signatures += 1;
                return StatusCode::UNAUTHORIZED;
            }
            if seen.ids.insert(id) {
                let event: Value = serde_json::from_slice(&body).unwrap_or_default();
                let created = event["data"]["created_at"].as_str().and_then(|t| DateTime::parse_from_rfc3339(t).ok());
                if let Some(created) = created {
                    seen.arrivals.push((at, created.with_timezone(&Utc), arrived));
                }
            }
            StatusCode::NO_CONTENT
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(format!("http://{address}/hook"))
}

struct Api {
    router: axum::Router,
}

impl Api {
    async fn call(&self, method: Method, path: &str, token: &str, body: Value) -> anyhow::Result<(StatusCode, Value)> {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))?;
        let response = self.router.clone().oneshot(request).await?;
        let status = response.status();
        let bytes = response.into_body().collect().await?.to_bytes();
        Ok((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
    }
}

async fn token(store: &Store, organisation: vigie_domain::ids::OrganisationId, role: Role) -> anyhow::Result<String> {
    let roles = [role.as_str().to_owned()];
    let request = app::TokenRequest { organisation_id: organisation, name: "bench", roles: &roles, expires_at: None };
    let (_, secret) = app::create_token(store, Actor::System, request).await?;
    Ok(secret.expose().to_owned())
}

/// `count` removal orders, one case each, sent in batches of 500.
async fn open_cases(api: &Api, sender: &str, count: usize, tag: &str) -> anyhow::Result<Vec<String>> {
    let mut cases = Vec::with_capacity(count);
    let mut number = 0;
    while cases.len() < count {
        let batch: Vec<Value> = (0..500.min(count - cases.len()))
            .map(|_| {
                number += 1;
                json!({"kind": "removal_order", "issuing_authority": "OFAC", "member_state": "FR",
                    "reference": format!("BENCH-{tag}-{number}"), "issued_at": "2026-12-01T08:00:00Z",
                    "urls": [format!("https://video.example.net/watch?v={tag}{number}")], "grounds": ["a"],
                    "statement_of_reasons": "Glorifies the attack.", "cross_border": false, "redress": "Tribunal"})
            })
            .collect();
        let (status, answer) =
            api.call(Method::POST, "/v1/submissions/batch", sender, json!({"submissions": batch})).await?;
        anyhow::ensure!(status.is_success(), "batch refused: {status} {answer}");
        for item in answer["results"].as_array().into_iter().flatten() {
            let case = item["receipt"]["case_id"].as_str().or_else(|| item["case_id"].as_str());
            cases.push(case.ok_or_else(|| anyhow::anyhow!("no case in {item}"))?.to_owned());
        }
    }
    Ok(cases)
}

async fn decide(api: &Api, reviewer: &str, cases: &[String]) -> anyhow::Result<()> {
    let body = json!({"cases": cases, "decision": {"decision": "remove", "ground": {"type": "illegal",
        "law": "Regulation (EU) 2021/784", "article": "Art. 2(7)(a)", "explanation": "Glorifies the attack."}}});
    let (status, answer) = api.call(Method::POST, "/v1/cases/decisions", reviewer, body).await?;
    anyhow::ensure!(status == StatusCode::OK, "bulk decision refused: {status} {answer}");
    Ok(())
}

async fn wait_for(seen: &Mutex<Seen>, count: usize, limit: Duration) -> anyhow::Result<Instant> {
    let started = Instant::now();
    loop {
        {
            let seen = seen.lock().unwrap();
            if seen.arrivals.len() >= count {
                return Ok(seen.arrivals.iter().map(|(at, _, _)| *at).max().unwrap_or_else(Instant::now));
            }
        }
        anyhow::ensure!(
            started.elapsed() < limit,
            "only {} of {count} events arrived",
            seen.lock().unwrap().arrivals.len()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}

async fn run(options: Options) -> anyhow::Result<bool> {
    let url = DatabaseUrl::new(options.database.clone());
    let backend = url.backend().map_err(anyhow::Error::msg)?;
    let store = Store::connect(&url).await?;
    store.migrate().await?;
    let operator =
        ensure_operator(&store, &OperatorSettings { name: "Videoshare".into(), ..OperatorSettings::default() })
            .await?
            .operator;
    let media = tempfile::tempdir()?;
    let mut settings = ServerSettings { media_dir: media.path().join("media"), ..ServerSettings::default() };
    settings.webhooks.allow_private_addresses = true;
    let state = AppState::load(store.clone(), settings).await?;
    let api = Api { router: vigie_server::router(state.clone()) };
    let admin = token(&store, operator.id, Role::Admin).await?;
    let reviewer = token(&store, operator.id, Role::Reviewer).await?;

    let secret = Arc::new(Mutex::new(String::new()));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let hook = receiver(secret.clone(), seen.clone()).await?;
    let (status, endpoint) = api
        .call(
            Method::POST,
            &format!("/v1/organisations/{}/webhooks", operator.id),
            &admin,
            json!({"url": hook, "event_types": ["remove"]}),
        )
        .await?;
    anyhow::ensure!(status == StatusCode::CREATED, "endpoint refused: {endpoint}");
    *secret.lock().unwrap() = endpoint["secret"].as_str().unwrap_or_default().to_owned();

    let latency_events: Vec<usize> = options.rates.iter().map(|rate| rate * options.seconds).collect();
    let total: usize = latency_events.iter().sum();
    println!("{backend:?}: opening {} cases for the throughput run, {total} for the latency runs", options.events);
    let first = open_cases(&api, &admin, options.events, "t").await?;
    let mut second = open_cases(&api, &admin, total, "l").await?;

    // Throughput: everything queued, then one worker.
    for chunk in first.chunks(BULK) {
        decide(&api, &reviewer, chunk).await?;
    }
    let stop = CancellationToken::new();
    let started = Instant::now();
    tokio::spawn(vigie_server::actions::delivery::run(state.clone(), stop.clone()));
    let last = wait_for(&seen, options.events, Duration::from_secs(600)).await?;
    let elapsed = last.duration_since(started);
    let per_second = options.events as f64 / elapsed.as_secs_f64();
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    let mut lines = vec![format!(
        "| {backend:?} | throughput: {} events queued, one worker | {per_second:.0} events/s ({:.2} s) | | | | | {} |",
        options.events,
        elapsed.as_secs_f64(),
        seen.lock().unwrap().bad_signatures
    )];
    let mut met = per_second >= MIN_EVENTS_PER_SECOND;

    // Latency: decisions at a steady rate with the worker running.
    for (rate, count) in options.rates.iter().zip(latency_events) {
        let cases: Vec<String> = second.drain(..count).collect();
        let before = seen.lock().unwrap().arrivals.len();
        let step = Duration::from_secs_f64(20.0 / *rate as f64);
        let mut ticker = tokio::time::interval(step);
        let started = Instant::now();
        for chunk in cases.chunks(20) {
            ticker.tick().await;
            decide(&api, &reviewer, chunk).await?;
        }
        let achieved = count as f64 / started.elapsed().as_secs_f64();
        wait_for(&seen, before + count, Duration::from_secs(600)).await?;
        let seen = seen.lock().unwrap();
        let mut latencies: Vec<Duration> = seen.arrivals[before..]
            .iter()
            .map(|(_, created, arrived)| (*arrived - *created).to_std().unwrap_or_default())
            .collect();
        latencies.sort();
        let p99 = percentile(&latencies, 0.99);
        met &= p99 < MAX_P99;
        lines.push(format!(
            "| {backend:?} | latency: {count} decisions at {rate}/s (achieved {achieved:.0}/s) | | {} | {} | {} | {} | {} |",
            ms(percentile(&latencies, 0.50)),
            ms(percentile(&latencies, 0.90)),
            ms(p99),
            ms(*latencies.last().unwrap_or(&Duration::ZERO)),
            seen.bad_signatures
        ));
    }
    stop.cancel();
    println!("| database | run | throughput | p50 | p90 | p99 | max | bad signatures |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for line in &lines {
        println!("{line}");
    }
    if let Some(report) = &options.report {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(report)?;
        for line in &lines {
            writeln!(file, "{line}")?;
        }
    }
    met &= seen.lock().unwrap().bad_signatures == 0;
    println!(
        "{backend:?}: {} (bars: at least {MIN_EVENTS_PER_SECOND:.0} events/s, p99 under {} ms at every rate)",
        if met { "met" } else { "NOT MET" },
        MAX_P99.as_millis()
    );
    Ok(met)
}

fn main() -> ExitCode {
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(error) => {
            eprintln!("error: {error:#}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    match runtime.block_on(run(options)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
