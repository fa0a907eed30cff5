//! Fresh, throw-away databases for tests: a SQLite file in a temporary directory, or a new
//! PostgreSQL database on the server named by `VIGIE_TEST_POSTGRES_URL`, dropped afterwards.

use anyhow::Context;
use sqlx::Connection;

use crate::{Backend, DatabaseUrl, Store};

/// The environment variable naming a PostgreSQL server for tests (any database on it; tests
/// create and drop their own).
pub const POSTGRES_URL_VARIABLE: &str = "VIGIE_TEST_POSTGRES_URL";

/// The backends tests should cover here: SQLite always, PostgreSQL when configured.
///
/// In CI (`CI` set), a missing PostgreSQL URL is an error, not a silent skip.
pub fn backends() -> Vec<Backend> {
    match std::env::var(POSTGRES_URL_VARIABLE) {
        Ok(url) if !url.is_empty() => vec![Backend::Sqlite, Backend::Postgres],
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but {POSTGRES_URL_VARIABLE} is not: the PostgreSQL half of the tests would be skipped"
            );
            vec![Backend::Sqlite]
        }
    }
}

/// A database that exists for one test.
pub struct TestDatabase {
    /// Its URL.
    pub url: DatabaseUrl,
    _directory: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    /// Creates an empty database of `backend` (not yet migrated).
    pub async fn create(backend: Backend) -> anyhow::Result<Self> {
        match backend {
            Backend::Sqlite => {
                let directory = tempfile::tempdir().context("creating a temporary directory")?;
                let path = directory.path().join("vigie.db");
                let url = DatabaseUrl::new(format!("sqlite://{}", path.display()));
                Ok(Self { url, _directory: Some(directory), postgres: None })
            }
            Backend::Postgres => {
                let server = std::env::var(POSTGRES_URL_VARIABLE)
                    .with_context(|| format!("{POSTGRES_URL_VARIABLE} is not set"))?;
                let name = format!("vigie_test_{}", uuid::Uuid::now_v7().simple());
                let mut connection = sqlx::PgConnection::connect(&server)
                    .await
                    .with_context(|| format!("cannot reach the PostgreSQL test server ({POSTGRES_URL_VARIABLE})"))?;
                sqlx::query(&format!("create database {name}")).execute(&mut connection).await?;
                connection.close().await?;
                let url = replace_database(&server, &name);
                Ok(Self { url: DatabaseUrl::new(url), _directory: None, postgres: Some((server, name)) })
            }
        }
    }

    /// Creates, connects to and migrates a fresh database.
    pub async fn store(backend: Backend) -> anyhow::Result<(Self, Store)> {
        let database = Self::create(backend).await?;
        let store = Store::connect(&database.url).await?;
        store.migrate().await?;
        Ok((database, store))
    }
}

/// Checkpoints a SQLite database and truncates its write-ahead log to nothing, so that the next
/// write must grow the log file: with no free space left, every write then fails (a log with
/// room left from earlier writes would take a few more).
pub async fn truncate_sqlite_wal(url: &DatabaseUrl) -> anyhow::Result<()> {
    let mut connection = sqlx::SqliteConnection::connect(url.expose()).await?;
    let (busy, _, _): (i64, i64, i64) =
        sqlx::query_as("pragma wal_checkpoint(truncate)").fetch_one(&mut connection).await?;
    anyhow::ensure!(busy == 0, "the checkpoint could not complete");
    connection.close().await?;
    Ok(())
}

/// `postgres://host/olddb?x` → `postgres://host/newdb?x`.
fn replace_database(server: &str, database: &str) -> String {
    let (base, query) = server.split_once('?').map_or((server, None), |(base, query)| (base, Some(query)));
    let authority_start = base.find("://").map_or(0, |index| index + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs outside async; a short-lived runtime on its own thread does the cleanup.
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let mut connection = sqlx::PgConnection::connect(&server).await?;
                sqlx::query(&format!("drop database if exists {name} with (force)")).execute(&mut connection).await?;
                anyhow::Ok(())
            })
        });
        if let Ok(Err(error)) = cleanup.join() {
            eprintln!("could not drop test database: {error:#}");
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_database_name() {
        assert_eq!(super::replace_database("postgres://127.0.0.1:5432/test", "x"), "postgres://127.0.0.1:5432/x");
        assert_eq!(super::replace_database("postgres://h/test?sslmode=disable", "x"), "postgres://h/x?sslmode=disable");
        assert_eq!(super::replace_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}
