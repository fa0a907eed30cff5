//! The review benchmark (issue 14): a new database filled with a busy instance's history
//! (100,000 open cases, 300,000 submissions by default), then the production router asked for
//! the review queue, filtered queues, case pages and the console's pages, one request at a
//! time, each timed from the router call to the last byte of its body.
//!
//! ```text
//! vigie-bench-review --database URL [--cases N] [--submissions N] [--rounds N] [--report FILE]
//! ```
//!
//! The database must be new: `bench/review/run.sh` makes a scratch one per backend. See
//! `bench/review/README.md` for what is measured and the figures.

mod check;
mod measure;
mod population;
mod seed;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use chrono::{SubsecRound, Utc};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use sqlx::Connection;
use vigie_server::{AppState, ServerSettings};
use vigie_store::{Backend, DatabaseUrl, Store};

use measure::{Auth, Driver, Endpoint};

/// The bar issue 14 sets, at p99.
const LIMIT: Duration = Duration::from_millis(100);
/// The generator's seed: every run builds the same history.
const SEED: u64 = 14;

struct Options {
    database: String,
    cases: usize,
    submissions: usize,
    rounds: usize,
    warm_up_rounds: usize,
    report: Option<std::path::PathBuf>,
}

impl Options {
    fn parse(mut args: impl Iterator<Item = String>) -> anyhow::Result<Self> {
        let mut options = Self {
            database: String::new(),
            cases: 100_000,
            submissions: 300_000,
            rounds: 300,
            warm_up_rounds: 30,
            report: None,
        };
        while let Some(flag) = args.next() {
            let mut value = || args.next().ok_or_else(|| anyhow::anyhow!("{flag} needs a value"));
            match flag.as_str() {
                "--database" => options.database = value()?,
                "--cases" => options.cases = value()?.parse()?,
                "--submissions" => options.submissions = value()?.parse()?,
                "--rounds" => options.rounds = value()?.parse()?,
                "--warm-up-rounds" => options.warm_up_rounds = value()?.parse()?,
                "--report" => options.report = Some(value()?.into()),
                other => anyhow::bail!(
                    "unknown argument {other}: use --database URL [--cases N] [--submissions N] [--rounds N] \
                     [--warm-up-rounds N] [--report FILE]"
                ),
            }
        }
        anyhow::ensure!(
            !options.database.is_empty(),
            "--database URL is required (a new SQLite file or PostgreSQL database)"
        );
        anyhow::ensure!(
            options.cases > 0 && options.submissions >= options.cases,
            "need at least one submission per case"
        );
        anyhow::ensure!(
            options.rounds > 0 && options.warm_up_rounds > 0,
            "--rounds and --warm-up-rounds must be positive"
        );
        Ok(options)
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(error) => {
            eprintln!("error: {error:#}");
            return ExitCode::from(2);
        }
    };
    match run(&options).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn seconds(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}

/// Seeds, checks and measures; true when every measured request stayed under the limit.
async fn run(options: &Options) -> anyhow::Result<bool> {
    let url = DatabaseUrl::new(options.database.clone());
    let backend = url.backend().map_err(anyhow::Error::msg)?;
    let started = Instant::now();
    let now = Utc::now().trunc_subsecs(6);
    let mut rng = StdRng::seed_from_u64(SEED);

    eprintln!("planning {} cases and {} submissions", options.cases, options.submissions);
    let plan = population::plan(&mut rng, options.cases, options.submissions, now);
    let clock = seed::SetupClock::starting_at(seed::setup_time(now));
    let setup_store = Store::connect(&url).await?.with_clock(clock.clock());
    setup_store.migrate().await?;
    anyhow::ensure!(
        setup_store.list_organisations().await?.is_empty(),
        "{url} already holds organisations: give the benchmark a new database"
    );
    eprintln!("setting up organisations, reviewers, tokens and banks through the store");
    let (world, credentials) = seed::setup(&setup_store, &plan, &mut rng).await?;
    setup_store.close().await;
    eprintln!("generating the history");
    let mut population = population::materialise(&mut rng, &plan, &world)?;
    eprintln!("writing it");
    let written = seed::write(&url, &mut population).await?;
    let seeded = started.elapsed();
    eprintln!("seeded in {}", seconds(seeded));

    let store = Store::connect(&url).await?;
    let media = tempfile::tempdir()?;
    let settings = ServerSettings { media_dir: media.path().join("media"), ..ServerSettings::default() };
    let state = AppState::load(store.clone(), settings).await?;
    let driver = Driver::new(vigie_server::router(state));
    eprintln!("cross-checking the rows against the real intake path");
    let checked_at = Instant::now();
    let established = check::run(&driver, &store, &url, &plan, &population, &credentials, &mut rng).await?;
    let checking = checked_at.elapsed();

    let cookie = driver.log_in(&credentials).await?;
    let endpoints = endpoints(&population, &credentials, &cookie, options, &mut rng);
    eprintln!("measuring: {} warm-up rounds, then {} rounds", options.warm_up_rounds, options.rounds);
    let measured_at = Instant::now();
    let timings = measure::run(&driver, &endpoints, options.rounds, options.warm_up_rounds).await?;
    let measuring = measured_at.elapsed();

    let version = database_version(&url).await?;
    let mut report = format!(
        "## {} ({version})\n\n{} cores, load average before measuring {}; seeded in {} (setup through the store, \
         history written directly), checked in {}, measured in {}.\n\n",
        match backend {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        },
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().split(' ').take(3).collect::<Vec<_>>().join(" "),
        seconds(seeded),
        seconds(checking),
        seconds(measuring),
    );
    report.push_str("Rows written directly: ");
    report
        .push_str(&written.tables.iter().map(|(table, rows)| format!("{table} {rows}")).collect::<Vec<_>>().join(", "));
    report.push_str(".\n\nChecks:\n");
    for line in &established {
        report.push_str(&format!("- {line}\n"));
    }
    report.push('\n');
    report.push_str(&measure::table(&timings, LIMIT));
    println!("{report}");
    if let Some(path) = &options.report {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
        writeln!(file, "{report}")?;
    }
    store.close().await;
    Ok(timings.iter().all(|timing| match timing.skipped {
        Some(measure::Skipped::NotInBuild) => true,
        Some(measure::Skipped::TooSlow { .. }) => false,
        None => timing.percentile(99.0) < LIMIT,
    }))
}

/// What a reviewer of the biggest platform asks for, and what the operator's reviewers do.
fn endpoints(
    population: &population::Population,
    credentials: &seed::Credentials,
    cookie: &str,
    options: &Options,
    rng: &mut StdRng,
) -> Vec<Endpoint> {
    let reviewer = Auth::Token(credentials.reviewer_token.clone());
    let session = Auth::Cookie(cookie.to_owned());
    // Different cases for every request: measured ones, and others for the warm-up.
    let mut sample: Vec<uuid::Uuid> = population.reviewer_cases.iter().map(|(id, _)| *id).collect();
    sample.shuffle(rng);
    let (measured, warm_up) = sample.split_at(options.rounds.min(sample.len() / 2));
    let largest: Vec<uuid::Uuid> = population.reviewer_cases.iter().take(20).map(|(id, _)| *id).collect();
    let case_paths =
        |prefix: &str, ids: &[uuid::Uuid]| ids.iter().map(|id| format!("{prefix}{id}")).collect::<Vec<_>>();
    let fixed = |name: &str, auth: &Auth, path: &str| Endpoint {
        name: name.into(),
        auth: auth.clone(),
        paths: vec![path.into()],
        warm_up_paths: vec![path.into()],
    };
    vec![
        fixed("GET /v1/cases (queue)", &reviewer, "/v1/cases"),
        fixed("GET /v1/cases?kind=removal_order", &reviewer, "/v1/cases?kind=removal_order"),
        fixed("GET /v1/cases?overdue=true", &reviewer, "/v1/cases?overdue=true"),
        fixed(
            &format!("GET /v1/cases?label={}", population::QUEUE_LABEL),
            &reviewer,
            &format!("/v1/cases?label={}", population::QUEUE_LABEL),
        ),
        fixed("GET /v1/cases?sender=ofac", &reviewer, "/v1/cases?sender=ofac"),
        fixed("GET /v1/cases?review_state=escalated", &reviewer, "/v1/cases?review_state=escalated"),
        Endpoint {
            name: "GET /v1/cases/{id} (random cases)".into(),
            auth: reviewer.clone(),
            paths: case_paths("/v1/cases/", measured),
            warm_up_paths: case_paths("/v1/cases/", warm_up),
        },
        Endpoint {
            name: "GET /v1/cases/{id} (20 largest cases)".into(),
            auth: reviewer.clone(),
            paths: case_paths("/v1/cases/", &largest),
            warm_up_paths: case_paths("/v1/cases/", &largest),
        },
        fixed(
            "GET /v1/cases (operator: every platform)",
            &Auth::Token(credentials.operator_token.clone()),
            "/v1/cases",
        ),
        fixed("console GET /console/queue", &session, "/console/queue"),
        Endpoint {
            name: "console GET /console/cases/{id} (random cases)".into(),
            auth: session.clone(),
            paths: case_paths("/console/cases/", measured),
            warm_up_paths: case_paths("/console/cases/", warm_up),
        },
    ]
}

async fn database_version(url: &DatabaseUrl) -> anyhow::Result<String> {
    Ok(match url.backend().map_err(anyhow::Error::msg)? {
        Backend::Sqlite => {
            let mut connection = sqlx::SqliteConnection::connect(url.expose()).await?;
            let version: String = sqlx::query_scalar("select sqlite_version()").fetch_one(&mut connection).await?;
            format!("SQLite {version}")
        }
        Backend::Postgres => {
            let mut connection = sqlx::PgConnection::connect(url.expose()).await?;
            let version: String = sqlx::query_scalar("show server_version").fetch_one(&mut connection).await?;
            format!("PostgreSQL {version}")
        }
    })
}
