//! Cross-checks that the directly written rows are rows Vigie itself writes and reads:
//! submissions sent through `POST /v1/submissions` join the written cases by their content
//! keys; every open case's aggregates are what `refresh_case` computes; on SQLite, the real
//! rows and the written ones have the same storage types and time formats column by column;
//! the whole audit chain verifies.

use std::collections::BTreeSet;
use std::str::FromStr;

use axum::http::{Method, StatusCode};
use chrono::Utc;
use rand::rngs::StdRng;
use sqlx::{Connection, Row};
use uuid::Uuid;
use vigie_domain::intake::SubmissionKind;
use vigie_store::{Backend, DatabaseUrl, Store};

use crate::measure::{Auth, Driver};
use crate::population::{PLATFORMS, Plan, Population, submission_json};
use crate::seed::Credentials;

/// Submissions sent through the API: half about content of written cases, half new.
const SAMPLE: usize = 40;

/// Tables compared column by column on SQLite, with the rowid after which the real rows start.
const COMPARED: [&str; 4] = ["cases", "submissions", "case_keys", "audit_events"];

/// Runs the checks; returns what they established, one line each, or the first failure.
pub async fn run(
    driver: &Driver,
    store: &Store,
    url: &DatabaseUrl,
    plan: &Plan,
    population: &Population,
    credentials: &Credentials,
    rng: &mut StdRng,
) -> anyhow::Result<Vec<String>> {
    let mut established = Vec::new();
    let backend = url.backend().map_err(anyhow::Error::msg)?;
    let written_rowids = match backend {
        Backend::Sqlite => Some(max_rowids(url).await?),
        Backend::Postgres => None,
    };

    // 1. The real intake path over the written rows.
    let reviewer_cases: Vec<usize> =
        plan.cases.iter().enumerate().filter(|(_, case)| case.platform == 0).map(|(index, _)| index).collect();
    let auth = Auth::Token(credentials.sender_token.clone());
    let mut joined = 0;
    let mut opened = BTreeSet::new();
    for sample in 0..SAMPLE {
        let kind = SubmissionKind::ALL[sample % SubmissionKind::ALL.len()];
        let (case, existing) = if sample.is_multiple_of(2) {
            let index = reviewer_cases[(sample * 7919) % reviewer_cases.len()];
            (index, Some(population.case_ids[index]))
        } else {
            (plan.cases.len() + sample, None)
        };
        let body = submission_json(rng, kind, 0, case, 9_000_000 + sample, Utc::now(), "FR");
        let answer = driver
            .send(Method::POST, "/v1/submissions", &auth, Some(("application/json", serde_json::to_vec(&body)?)))
            .await?;
        anyhow::ensure!(
            answer.status == StatusCode::CREATED,
            "a sample submission answered {}: {}",
            answer.status,
            answer.text()
        );
        let receipt: serde_json::Value = serde_json::from_slice(&answer.body)?;
        let case_id = Uuid::parse_str(receipt["case_id"].as_str().unwrap_or_default())?;
        match existing {
            Some(expected) => {
                anyhow::ensure!(
                    case_id == expected,
                    "a submission about written case {expected} opened or joined {case_id}: its content keys were not found"
                );
                joined += 1;
            }
            None => {
                anyhow::ensure!(!population.case_ids.contains(&case_id), "new content joined a written case");
                opened.insert(case_id);
            }
        }
    }
    established.push(format!(
        "{SAMPLE} submissions sent through POST /v1/submissions: {joined} joined the written case holding their URL, {} opened new cases",
        opened.len()
    ));

    // 2. Aggregates as `refresh_case` computes them (the joined cases were refreshed by it).
    let inconsistent: i64 = match backend {
        Backend::Sqlite => {
            let mut connection = sqlx::SqliteConnection::connect(url.expose()).await?;
            sqlx::query_scalar(AGGREGATES).fetch_one(&mut connection).await?
        }
        Backend::Postgres => {
            let mut connection = sqlx::PgConnection::connect(url.expose()).await?;
            sqlx::query_scalar(AGGREGATES).fetch_one(&mut connection).await?
        }
    };
    anyhow::ensure!(inconsistent == 0, "{inconsistent} open cases have aggregates refresh_case would not give them");
    established.push(
        "every open case's submission and match counts, deadline and priority are what refresh_case computes".into(),
    );

    // 3. SQLite stores what it is given: the same storage types and time formats as the store's.
    if let Some(rowids) = written_rowids {
        let differences = compare_shapes(url, &rowids).await?;
        anyhow::ensure!(differences.is_empty(), "written rows differ from real ones: {}", differences.join("; "));
        established.push(format!(
            "SQLite: rows written by the API and rows written directly have the same storage type (and time format) in every column of {}",
            COMPARED.join(", ")
        ));
    }

    // 4. The chain, through the store's own reader.
    let report = store.verify_audit_chain().await?;
    anyhow::ensure!(report.first_break.is_none(), "the audit chain does not verify: {:?}", report.first_break);
    established.push(format!("the audit chain verifies: {} events", report.events_checked));
    let platform = PLATFORMS[0].name;
    established.push(format!("the measured reviewer works the {platform} queue"));
    Ok(established)
}

const AGGREGATES: &str = "select count(*) from cases c where c.status = 'open' and ( \
    c.submission_count <> (select count(*) from submissions s where s.case_id = c.id) \
    or c.match_count <> (select count(*) from case_matches m where m.case_id = c.id) \
    or c.due_at is distinct from (select min(s.due_at) from submissions s where s.case_id = c.id and s.status = 'received') \
    or c.priority <> (select max(rank) from (select max(priority) as rank from submissions where case_id = c.id \
                      union all select 2 from case_matches where case_id = c.id) as ranks))";

async fn max_rowids(url: &DatabaseUrl) -> anyhow::Result<Vec<i64>> {
    let mut connection = sqlx::SqliteConnection::connect(url.expose()).await?;
    let mut rowids = Vec::new();
    for table in COMPARED {
        let rowid: Option<i64> =
            sqlx::query_scalar(&format!("select max(rowid) from {table}")).fetch_one(&mut connection).await?;
        rowids.push(rowid.unwrap_or(0));
    }
    Ok(rowids)
}

/// A stored value's shape: its storage type, and for times the text with digits and the
/// fraction's length blurred.
fn shape(column: &str, storage: &str, text: Option<&str>) -> String {
    let time = column.ends_with("_at") || column.ends_with("_until");
    match (time, text) {
        (true, Some(text)) => {
            let digits: String = text.chars().map(|char| if char.is_ascii_digit() { '9' } else { char }).collect();
            let blurred = match digits.find('.') {
                Some(dot) => {
                    let end = digits[dot + 1..].find(|char| char != '9').map_or(digits.len(), |end| dot + 1 + end);
                    format!("{}{}", &digits[..dot], &digits[end..])
                }
                None => digits,
            };
            format!("{storage} {blurred}")
        }
        _ => storage.to_owned(),
    }
}

async fn compare_shapes(url: &DatabaseUrl, written_rowids: &[i64]) -> anyhow::Result<Vec<String>> {
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(url.expose())?;
    let mut connection = sqlx::SqliteConnection::connect_with(&options).await?;
    let mut differences = Vec::new();
    for (table, boundary) in COMPARED.iter().zip(written_rowids) {
        let columns: Vec<String> = sqlx::query(&format!("select name from pragma_table_info('{table}')"))
            .fetch_all(&mut connection)
            .await?
            .iter()
            .map(|row| row.get::<String, _>(0))
            .collect();
        for column in columns {
            let sql = format!(
                "select typeof({column}), case when typeof({column}) = 'text' then {column} end from {table} \
                 where rowid OPERATOR ? limit 5000"
            );
            let mut shapes = [BTreeSet::new(), BTreeSet::new()];
            for (side, operator) in ["<=", ">"].iter().enumerate() {
                let rows =
                    sqlx::query(&sql.replace("OPERATOR", operator)).bind(boundary).fetch_all(&mut connection).await?;
                for row in rows {
                    let storage: String = row.get(0);
                    let text: Option<String> = row.get(1);
                    shapes[side].insert(shape(&column, &storage, text.as_deref()));
                }
            }
            // Every shape a real row has must occur among the written ones; a null in a real row
            // may be a value in all written ones (and the other way round) without harm.
            let [written, real] = &shapes;
            for shape in real.difference(written).filter(|shape| *shape != "null") {
                differences.push(format!("{table}.{column}: real rows hold {shape}, written ones {written:?}"));
            }
        }
    }
    Ok(differences)
}
