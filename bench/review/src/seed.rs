//! Filling a new database: the organisations, people, tokens and banks through the real code
//! (store methods and use cases, so they are exactly what Vigie writes), then the history's
//! rows written directly: multi-row inserts in one transaction on SQLite, `COPY` on
//! PostgreSQL. Values are bound through sqlx with the Rust types the store binds (UUID blobs
//! and RFC 3339 text on SQLite), and the audit events are chained with the domain's own hash.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rand::rngs::StdRng;
use sqlx::Connection;
use vigie_domain::access::Actor;
use vigie_domain::bank::{BankDraft, SignalType, canonical_value, value_key};
use vigie_domain::ids::{OrganisationId, TokenId};
use vigie_domain::organisation::OrganisationDraft;
use vigie_domain::review::FourEyes;
use vigie_domain::user::UserDraft;
use vigie_server::app;
use vigie_server::bootstrap::{OperatorSettings, ensure_operator};
use vigie_store::{Backend, DatabaseUrl, NewSignal, Store};

use crate::population::{
    BANKS, BankOwner, BankWorld, PLATFORMS, Plan, PlatformWorld, Population, SENDERS, SenderWorld, World, pdq_values,
    signal_labels, url_bank_values,
};

/// One value of a row.
#[derive(Clone, Debug)]
pub enum Cell {
    Null,
    Uuid(uuid::Uuid),
    Text(String),
    Int(i64),
    Bool(bool),
    Time(DateTime<Utc>),
}

/// Rows of one table, each with the table's columns in order.
pub type Rows = Vec<Vec<Cell>>;

/// The store's clock while setting up: the instance's first day, long before the history.
#[derive(Clone)]
pub struct SetupClock(Arc<AtomicI64>);

impl SetupClock {
    pub fn starting_at(time: DateTime<Utc>) -> Self {
        Self(Arc::new(AtomicI64::new(time.timestamp_micros())))
    }

    /// A clock for `Store::with_clock` that moves one second per reading.
    pub fn clock(&self) -> vigie_store::Clock {
        let micros = self.0.clone();
        Arc::new(move || {
            let now = micros.fetch_add(1_000_000, Ordering::Relaxed);
            DateTime::from_timestamp_micros(now).expect("in range")
        })
    }
}

pub const ADMIN_EMAIL: &str = "admin@operator.example";
pub const REVIEWER_PASSWORD: &str = "bench reviewer password";

/// What the measurements log in with.
pub struct Credentials {
    /// The reviewer's platform's first reviewer: console login.
    pub reviewer_email: String,
    /// An API token of that platform with the reviewer role.
    pub reviewer_token: String,
    /// An API token of the operator with the reviewer role: every platform's queue.
    pub operator_token: String,
    /// A referral unit's referrer token, for the submissions sent through the API.
    pub sender_token: String,
}

async fn organisation(
    store: &Store,
    name: &str,
    slug: &str,
    kind: &str,
    country: &str,
) -> anyhow::Result<OrganisationId> {
    let draft = OrganisationDraft { name, slug: Some(slug), kind, country, contact_email: "contact@example.org" };
    let new = draft.validate().map_err(|error| anyhow::anyhow!("organisation {name}: {error:?}"))?;
    Ok(store.insert_organisation(&new, false, Actor::System).await?.id)
}

async fn token(
    store: &Store,
    organisation: OrganisationId,
    name: &str,
    role: &str,
) -> anyhow::Result<(TokenId, String)> {
    let roles = [role.to_owned()];
    let request = app::TokenRequest { organisation_id: organisation, name, roles: &roles, expires_at: None };
    let (token, secret) =
        app::create_token(store, Actor::System, request).await.map_err(|error| anyhow::anyhow!("token: {error}"))?;
    Ok((token.id, secret.expose().to_owned()))
}

/// Creates the operator, platforms, senders, reviewers, tokens and banks as Vigie would,
/// `plan` saying which URLs the URL bank holds.
pub async fn setup(store: &Store, plan: &Plan, rng: &mut StdRng) -> anyhow::Result<(World, Credentials)> {
    let operator_settings = OperatorSettings {
        name: "Vigie Operator".into(),
        kind: "platform".into(),
        country: "FR".into(),
        admin_email: ADMIN_EMAIL.into(),
        admin_password: Some("bench operator admin password".into()),
    };
    let operator = ensure_operator(store, &operator_settings)
        .await
        .map_err(|error| anyhow::anyhow!("first start: {error}"))?
        .operator;
    let password_hash =
        app::hash_password(REVIEWER_PASSWORD.into()).await.map_err(|error| anyhow::anyhow!("hashing: {error}"))?;

    let mut platforms = Vec::new();
    for spec in &PLATFORMS {
        let id = organisation(store, spec.name, spec.slug, "platform", spec.country).await?;
        if !spec.four_eyes.is_empty() {
            store.set_four_eyes(id, &FourEyes::of(spec.four_eyes.to_vec()), Actor::System).await?;
        }
        if let Some(minutes) = spec.referral_window_minutes {
            store.set_referral_window(id, Some(minutes), Actor::System).await?;
        }
        let mut reviewers = Vec::new();
        let mut seniors = Vec::new();
        for index in 0..spec.reviewers + spec.seniors {
            let senior = index >= spec.reviewers;
            let email = format!("{}{index}@{}.example", if senior { "senior" } else { "reviewer" }, spec.slug);
            let name = format!("{} {index}", if senior { "Senior" } else { "Reviewer" });
            let roles: &[&str] = if senior { &["reviewer", "senior_reviewer"] } else { &["reviewer"] };
            let draft = UserDraft { organisation_id: id, email: &email, display_name: &name, roles };
            let new = draft.validate().map_err(|error| anyhow::anyhow!("user {email}: {error:?}"))?;
            // Only the benchmark's reviewer logs in: one password hash is enough.
            let hash = (platforms.is_empty() && index == 0).then_some(password_hash.as_str());
            let user = store.insert_user(&new, hash, Actor::System).await?;
            if senior { seniors.push(user.id) } else { reviewers.push(user.id) }
        }
        let (referrer_token, _) = token(store, id, "partner flags", "referrer").await?;
        platforms.push(PlatformWorld { id, referrer_token, reviewers, seniors });
    }
    let mut senders = Vec::new();
    let mut sender_secrets = Vec::new();
    for spec in &SENDERS {
        let kind = match spec.kind {
            vigie_domain::organisation::OrganisationKind::ReferralUnit => "referral_unit",
            vigie_domain::organisation::OrganisationKind::TrustedFlagger => "trusted_flagger",
            _ => "ngo",
        };
        let id = organisation(store, spec.name, spec.slug, kind, spec.country).await?;
        let (token, secret) = token(store, id, "intake", "referrer").await?;
        sender_secrets.push(secret);
        senders.push(SenderWorld { id, token });
    }

    let mut banks = Vec::new();
    for spec in &BANKS {
        let owner = match spec.owner {
            BankOwner::Operator => operator.id,
            BankOwner::Platform(index) => platforms[index].id,
        };
        let draft = BankDraft {
            organisation_id: owner,
            name: spec.name,
            description: "",
            signal_type: spec.signal_type,
            match_threshold: None,
            min_quality: None,
            auto_action: None,
            visibility: Some(spec.visibility),
        };
        let new = draft.validate().map_err(|error| anyhow::anyhow!("bank {}: {error:?}", spec.name))?;
        let bank = store.insert_bank(&new, Actor::System).await?;
        let (signal_type, values) = match spec.signal_type {
            "url" => (SignalType::Url, url_bank_values(plan)),
            _ => (SignalType::Pdq, pdq_values(rng, spec.pdq_signals)),
        };
        let signals: Vec<NewSignal> = values
            .iter()
            .map(|value| {
                let value = canonical_value(signal_type, value).expect("generated values are valid");
                NewSignal {
                    value_key: value_key(signal_type, &value),
                    value,
                    quality: (signal_type == SignalType::Pdq).then_some(100),
                    source: Some("bench".into()),
                    external_id: None,
                    labels: signal_labels(rng).join(","),
                    enabled: true,
                }
            })
            .collect();
        store.import_signals(bank.id, &signals, Actor::System, "cli", &mut |_| {}).await?;
        let mut stored = Vec::new();
        let mut after = 0;
        loop {
            let page = store.list_signals(bank.id, after, 10_000).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            stored.extend(page.into_iter().map(|signal| (signal.id, signal.value, signal.labels)));
        }
        banks.push(BankWorld { signals: stored });
    }

    let (_, reviewer_token) = token(store, platforms[0].id, "review bench", "reviewer").await?;
    let (_, operator_token) = token(store, operator.id, "review bench", "reviewer").await?;
    let credentials = Credentials {
        reviewer_email: format!("reviewer0@{}.example", PLATFORMS[0].slug),
        reviewer_token,
        operator_token,
        sender_token: sender_secrets.swap_remove(0),
    };
    Ok((World { platforms, senders, banks }, credentials))
}

// ---------------------------------------------------------------------------------------------
// Writing the history

/// Rows written, per table.
pub struct Written {
    pub tables: Vec<(&'static str, usize)>,
    pub events: usize,
}

/// Numbers the pending events after the chain's head, oldest first, and returns the audit rows;
/// fills each media row's `identified_seq`.
fn chain(population: &mut Population, mut sequence: i64, mut previous_hash: String) -> Rows {
    let mut order: Vec<usize> = (0..population.events.len()).collect();
    order.sort_by_key(|index| (population.events[*index].at, *index));
    let mut sequence_of = vec![0_i64; population.events.len()];
    let mut rows = Vec::with_capacity(order.len());
    for index in order {
        let event = &population.events[index];
        sequence += 1;
        sequence_of[index] = sequence;
        let hash = event.record.chain_hash(sequence, event.at, &previous_hash);
        let record = &event.record;
        rows.push(vec![
            Cell::Int(sequence),
            Cell::Time(event.at),
            Cell::Text(record.actor.kind().into()),
            record.actor.id().map_or(Cell::Null, Cell::Uuid),
            record.organisation_id.map_or(Cell::Null, |id| Cell::Uuid(id.0)),
            Cell::Text(record.action.clone()),
            Cell::Text(record.subject_type.clone()),
            Cell::Text(record.subject_id.clone()),
            Cell::Text(record.details.clone()),
            Cell::Text(std::mem::replace(&mut previous_hash, hash.clone())),
            Cell::Text(hash),
        ]);
    }
    let identified_seq =
        crate::population::MEDIA_COLUMNS.iter().position(|column| *column == "identified_seq").unwrap();
    for (row, event) in population.media.iter_mut().zip(&population.media_events) {
        row[identified_seq] = Cell::Int(sequence_of[*event]);
    }
    rows
}

const AUDIT_COLUMNS: &[&str] = &[
    "sequence",
    "recorded_at",
    "actor_kind",
    "actor_id",
    "organisation_id",
    "action",
    "subject_type",
    "subject_id",
    "details",
    "previous_hash",
    "hash",
];

/// Writes the history in one transaction, the audit head moved to its last event.
pub async fn write(url: &DatabaseUrl, population: &mut Population) -> anyhow::Result<Written> {
    let backend = url.backend().map_err(anyhow::Error::msg)?;
    let mut written = Written { tables: Vec::new(), events: 0 };
    match backend {
        Backend::Sqlite => {
            // Durability does not matter for a fixture: no fsync while loading.
            let options = sqlx::sqlite::SqliteConnectOptions::from_str(url.expose())?
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Off)
                .foreign_keys(true);
            let mut connection = sqlx::SqliteConnection::connect_with(&options).await?;
            let mut tx = connection.begin().await?;
            let (sequence, hash): (i64, String) =
                sqlx::query_as("select last_sequence, last_hash from audit_head where id = 1")
                    .fetch_one(&mut *tx)
                    .await?;
            let audit = chain(population, sequence, hash);
            for (table, columns, rows) in tables(population, &audit) {
                insert_sqlite(&mut tx, table, columns, rows).await?;
                written.tables.push((table, rows.len()));
            }
            move_head_sqlite(&mut tx, &audit).await?;
            tx.commit().await?;
            written.events = audit.len();
            // A server checkpoints its WAL as it goes (every 1,000 pages); one big load leaves it
            // all in the WAL, which would slow every read.
            sqlx::query("pragma wal_checkpoint(truncate)").execute(&mut connection).await?;
        }
        Backend::Postgres => {
            let mut connection = sqlx::PgConnection::connect(url.expose()).await?;
            let mut tx = connection.begin().await?;
            let (sequence, hash): (i64, String) =
                sqlx::query_as("select last_sequence, last_hash from audit_head where id = 1")
                    .fetch_one(&mut *tx)
                    .await?;
            let audit = chain(population, sequence, hash);
            for (table, columns, rows) in tables(population, &audit) {
                copy_postgres(&mut tx, table, columns, rows).await?;
                written.tables.push((table, rows.len()));
            }
            let last = audit.last().map(|row| (cell_int(&row[0]), cell_text(&row[10])));
            if let Some((sequence, hash)) = last {
                sqlx::query("update audit_head set last_sequence = $1, last_hash = $2 where id = 1")
                    .bind(sequence)
                    .bind(hash)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            written.events = audit.len();
            // What autovacuum does to a freshly loaded database within a minute or two:
            // statistics and the visibility map.
            sqlx::query("vacuum analyze").execute(&mut connection).await?;
        }
    }
    Ok(written)
}

fn cell_int(cell: &Cell) -> i64 {
    match cell {
        Cell::Int(value) => *value,
        _ => unreachable!("an integer column"),
    }
}

fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(value) => value.clone(),
        _ => unreachable!("a text column"),
    }
}

async fn move_head_sqlite(tx: &mut sqlx::SqliteConnection, audit: &Rows) -> anyhow::Result<()> {
    if let Some(row) = audit.last() {
        sqlx::query("update audit_head set last_sequence = ?, last_hash = ? where id = 1")
            .bind(cell_int(&row[0]))
            .bind(cell_text(&row[10]))
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// The tables in an order foreign keys accept.
fn tables<'a>(population: &'a Population, audit: &'a Rows) -> Vec<(&'static str, &'static [&'static str], &'a Rows)> {
    use crate::population::*;
    vec![
        ("cases", CASE_COLUMNS, &population.cases),
        ("submissions", SUBMISSION_COLUMNS, &population.submissions),
        ("case_keys", CASE_KEY_COLUMNS, &population.case_keys),
        ("media", MEDIA_COLUMNS, &population.media),
        ("submission_media", SUBMISSION_MEDIA_COLUMNS, &population.submission_media),
        ("case_matches", CASE_MATCH_COLUMNS, &population.case_matches),
        ("deadline_events", DEADLINE_EVENT_COLUMNS, &population.deadline_events),
        ("decisions", DECISION_COLUMNS, &population.decisions),
        ("case_notes", CASE_NOTE_COLUMNS, &population.case_notes),
        ("audit_events", AUDIT_COLUMNS, audit),
    ]
}

async fn insert_sqlite(
    tx: &mut sqlx::SqliteConnection,
    table: &str,
    columns: &[&str],
    rows: &Rows,
) -> anyhow::Result<()> {
    // Well under SQLite's 32,766 parameters per statement.
    let per_statement = (30_000 / columns.len()).min(1000);
    let row = format!("({})", vec!["?"; columns.len()].join(", "));
    for chunk in rows.chunks(per_statement) {
        let sql = format!(
            "insert into {table} ({}) values {}",
            columns.join(", "),
            vec![row.as_str(); chunk.len()].join(", ")
        );
        let mut query = sqlx::query(&sql);
        for row in chunk {
            for cell in row {
                query = match cell {
                    Cell::Null => query.bind(None::<i64>),
                    Cell::Uuid(id) => query.bind(*id),
                    Cell::Text(text) => query.bind(text.as_str()),
                    Cell::Int(value) => query.bind(*value),
                    Cell::Bool(value) => query.bind(*value),
                    Cell::Time(time) => query.bind(*time),
                };
            }
        }
        query.execute(&mut *tx).await.map_err(|error| anyhow::anyhow!("inserting into {table}: {error}"))?;
    }
    Ok(())
}

/// COPY's text format: tab-separated, `\N` for null, backslash escapes.
fn copy_text(cell: &Cell, out: &mut Vec<u8>) {
    match cell {
        Cell::Null => out.extend_from_slice(b"\\N"),
        Cell::Uuid(id) => out.extend_from_slice(id.hyphenated().to_string().as_bytes()),
        Cell::Int(value) => out.extend_from_slice(value.to_string().as_bytes()),
        Cell::Bool(value) => out.push(if *value { b't' } else { b'f' }),
        Cell::Time(time) => out.extend_from_slice(time.to_rfc3339_opts(SecondsFormat::Micros, true).as_bytes()),
        Cell::Text(text) => {
            for byte in text.bytes() {
                match byte {
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    other => out.push(other),
                }
            }
        }
    }
}

async fn copy_postgres(tx: &mut sqlx::PgConnection, table: &str, columns: &[&str], rows: &Rows) -> anyhow::Result<()> {
    let mut copy = tx.copy_in_raw(&format!("copy {table} ({}) from stdin", columns.join(", "))).await?;
    let mut buffer = Vec::with_capacity(1 << 20);
    for row in rows {
        for (index, cell) in row.iter().enumerate() {
            if index > 0 {
                buffer.push(b'\t');
            }
            copy_text(cell, &mut buffer);
        }
        buffer.push(b'\n');
        if buffer.len() > 1 << 20 {
            copy.send(std::mem::take(&mut buffer)).await?;
        }
    }
    if !buffer.is_empty() {
        copy.send(buffer).await?;
    }
    copy.finish().await.map_err(|error| anyhow::anyhow!("copying into {table}: {error}"))?;
    // Identity columns given explicitly (media ids): the sequence continues after them.
    if columns.first() == Some(&"id") && table == "media" {
        sqlx::query("select setval(pg_get_serial_sequence('media', 'id'), (select max(id) from media))")
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// When setup happens: the instance's first day, before the history starts.
pub fn setup_time(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::days(90)
}
