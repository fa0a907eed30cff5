//! Vigie's persistence: the only crate that speaks SQL.
//!
//! One [`Store`] serves both backends. Every query is written once, in the SQL that SQLite and
//! PostgreSQL share (`$1` placeholders, `returning`, `on conflict`), and the [`on_pool!`] macro
//! compiles it once per backend so each is type-checked against its own driver. Where the
//! dialects differ, the method says so with an explicit `match`.
//!
//! Architecture invariants:
//! - A transaction begins and ends inside one store method, sized to one use case.
//! - Every method that changes state appends exactly one audit event in the same transaction
//!   (bookkeeping such as a token's `last_used_at` is not a state change and is not audited).
//! - `sqlx::Error` is converted into [`StoreError`] here; nothing above this crate sees sqlx.

#![deny(missing_docs)]

mod actions;
mod audit;
mod banks;
mod bulk;
mod complaints;
mod error;
mod intake;
mod media_view;
mod organisations;
mod preservation;
mod rematch;
mod review;
mod sessions;
mod tokens;
mod transaction;
mod users;

#[cfg(feature = "testing")]
pub mod testing;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, SubsecRound, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

pub use actions::{
    ActionCounts, ActionRecord, Attempt, AttemptResult, ConfirmationRecord, DeliveryRecord, DueDelivery,
    NewWebhookEndpoint, WebhookEndpoint, conflicts as action_conflicts,
};
pub use audit::{
    AuditPage, ChainPoint, ChainReport, CheckpointRow, StoredCheckpoint, UnreadableCheckpoint, UnreadableEvent,
};
pub use banks::{BankChange, ImportOutcome, NewSignal, Signal};
pub use complaints::{ComplaintRecord, conflicts as complaint_conflicts};
pub use error::{StoreError, StoreResult};
pub use intake::{
    CaseClaim, CaseFilter, CaseMatchRecord, CaseRecord, ClockChange, DeadlineEvent, MediaHashes, MediaIdentified,
    MediaPdq, MediaRecord, SubmissionOutcome, SubmissionRecord,
};
pub use preservation::{
    AccessRecord, ExtensionRecord, PreservationRecord, PurgedCase, conflicts as preservation_conflicts, kept_details,
};
pub use rematch::{MediaHolder, RematchJob, RematchPage, RematchScope};
pub use review::{
    CaseNote, DecisionRecord, DecisionTiming, NewDecision, QueueCounts, QueueExtras, conflicts as review_conflicts,
};
pub use sessions::{NewSession, SessionView};
pub use tokens::{NewToken, TokenOwner};
pub use users::{Credentials, UserChange};

/// Runs `$body` with `$pool` bound to the concrete pool of whichever backend `$store` uses.
/// The body is compiled twice, once per backend.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite($pool) => $body,
            $crate::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Which database a store talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// A database URL whose `Debug` and `Display` hide the password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// Wraps a URL such as `sqlite:///var/lib/vigie/vigie.db` or `postgres://user:pw@host/db`.
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    /// The URL with its password, for the driver only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Which backend the URL names.
    pub fn backend(&self) -> Result<Backend, String> {
        if self.0.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if self.0.starts_with("postgres://") || self.0.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err("database URL must start with sqlite: or postgres://".into())
        }
    }

    /// The file a SQLite URL names (`None` for PostgreSQL, an in-memory database or a URL
    /// that does not parse), so that a caller can tell whether the database exists yet.
    pub fn sqlite_file(&self) -> Option<std::path::PathBuf> {
        if self.backend() != Ok(Backend::Sqlite) || self.0.contains(":memory:") || self.0.contains("mode=memory") {
            return None;
        }
        let options = SqliteConnectOptions::from_str(&self.0).ok()?;
        let filename = options.get_filename();
        (filename != std::path::Path::new(":memory:") && !filename.as_os_str().is_empty())
            .then(|| filename.to_path_buf())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // user:password@host → user:***@host
        match (self.0.find("://"), self.0.rfind('@')) {
            (Some(scheme_end), Some(at)) if at > scheme_end => {
                let credentials = &self.0[scheme_end + 3..at];
                match credentials.split_once(':') {
                    Some((user, _)) => write!(f, "{}{user}:***{}", &self.0[..scheme_end + 3], &self.0[at..]),
                    None => f.write_str(&self.0),
                }
            }
            _ => f.write_str(&self.0),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// The source of "now" for everything the store records. Tests replace it to control time.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(Utc::now)
}

/// How long a request waits for a PostgreSQL connection, connecting included. Short, so that
/// with the database down or unreachable requests fail in about a second (503, retry later)
/// instead of piling up for the request timeout; a healthy pool hands out connections in
/// microseconds, and one saturated past a second is better shed than queued.
const POSTGRES_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(1);

/// SQLite's connections are local and opened at once; waiting for one only means every
/// connection is busy (writers queue on the busy timeout, 10 s), so the wait may be longer.
const SQLITE_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Handle to the database. Cheap to clone; clones share one connection pool.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    clock: Clock,
    /// The SQLite database file, for the migration lock.
    sqlite_path: Option<std::path::PathBuf>,
}

/// Takes an exclusive lock on `<database>.migrate-lock`, waiting for any other holder.
async fn lock_file(database: std::path::PathBuf) -> anyhow::Result<std::fs::File> {
    let mut path = database.into_os_string();
    path.push(".migrate-lock");
    let path = std::path::PathBuf::from(path);
    tokio::task::spawn_blocking(move || {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open the migration lock {}", path.display()))?;
        file.lock().with_context(|| format!("cannot lock {}", path.display()))?;
        anyhow::Ok(file)
    })
    .await
    .context("migration lock task failed")?
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store").field("backend", &self.backend()).finish()
    }
}

impl Store {
    /// Opens a pool. A SQLite file is created if missing, in WAL mode with full fsync, because
    /// a request answered 2xx must survive a power cut.
    pub async fn connect(url: &DatabaseUrl) -> anyhow::Result<Self> {
        let backend = url.backend().map_err(anyhow::Error::msg)?;
        let mut sqlite_path = None;
        let pool = match backend {
            Backend::Sqlite => {
                let options = SqliteConnectOptions::from_str(url.expose())
                    .with_context(|| format!("invalid SQLite URL {url}"))?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    // 32 MiB of page cache per connection instead of SQLite's 2 MiB: lookups
                    // in large tables then stay in memory instead of re-reading pages.
                    .pragma("cache_size", "-32768")
                    .busy_timeout(Duration::from_secs(10));
                let filename = options.get_filename();
                if filename != std::path::Path::new(":memory:") && !filename.as_os_str().is_empty() {
                    sqlite_path = Some(filename.to_path_buf());
                }
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(SQLITE_ACQUIRE_TIMEOUT)
                    .connect_with(options)
                    .await
                    .with_context(|| format!("cannot open SQLite database {url}"))?;
                Pool::Sqlite(pool)
            }
            Backend::Postgres => {
                let options = PgConnectOptions::from_str(url.expose())
                    .with_context(|| format!("invalid PostgreSQL URL {url}"))?;
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(POSTGRES_ACQUIRE_TIMEOUT)
                    .connect_with(options)
                    .await
                    .with_context(|| format!("cannot connect to PostgreSQL at {url}"))?;
                Pool::Postgres(pool)
            }
        };
        Ok(Self { pool, clock: system_clock(), sqlite_path })
    }

    /// The same store with another clock.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Which backend this store uses.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies pending migrations. Safe to run again, and from several nodes at once on
    /// PostgreSQL (sqlx holds an advisory lock while it migrates).
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrated = match &self.pool {
            Pool::Sqlite(pool) => {
                // sqlx has no lock for SQLite: a server and a CLI command starting together
                // could both apply migration 1. A lock file beside the database serialises them.
                let _lock = match self.sqlite_path.clone() {
                    Some(path) => Some(lock_file(path).await?),
                    None => None,
                };
                sqlx::migrate!("./migrations/sqlite").run(pool).await
            }
            Pool::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await,
        };
        migrated.context("database migration failed")?;
        // Migration 9 added slugs; rows from before it get theirs here (see that migration).
        self.fill_missing_organisation_slugs().await.context("giving organisations their slugs failed")
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> StoreResult<()> {
        on_pool!(self, pool => sqlx::query("select 1").execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Whether a write commits now: a one-row update in a transaction of its own. Readiness
    /// asks this rather than [`Store::ping`], because reads still succeed on a full disk or a
    /// read-only database. Bookkeeping, not a state change: not audited.
    pub async fn check_writable(&self) -> StoreResult<()> {
        let now = self.now();
        on_pool!(self, pool => {
            let mut tx = transaction::WriteTx::begin(pool).await?;
            sqlx::query("update write_probe set checked_at = $1 where id = 1").bind(now).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }

    /// The current time, truncated to microseconds: the precision PostgreSQL stores, so a value
    /// read back equals the value written (the audit chain hashes it).
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)().trunc_subsecs(6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_hides_password() {
        let url = DatabaseUrl::new("postgres://vigie:s3cret@db.internal:5432/vigie");
        assert_eq!(url.to_string(), "postgres://vigie:***@db.internal:5432/vigie");
        assert!(!format!("{url:?}").contains("s3cret"));
        assert_eq!(DatabaseUrl::new("sqlite://./x.db").to_string(), "sqlite://./x.db");
        assert_eq!(url.backend(), Ok(Backend::Postgres));
        assert!(DatabaseUrl::new("mysql://x").backend().is_err());
    }

    #[test]
    fn sqlite_file_is_the_path_a_url_names() {
        let file = DatabaseUrl::new("sqlite:///var/lib/vigie/vigie.db").sqlite_file();
        assert_eq!(file.as_deref(), Some(std::path::Path::new("/var/lib/vigie/vigie.db")));
        assert_eq!(DatabaseUrl::new("sqlite://./x.db").sqlite_file().as_deref(), Some(std::path::Path::new("./x.db")));
        assert_eq!(DatabaseUrl::new("sqlite::memory:").sqlite_file(), None);
        assert_eq!(DatabaseUrl::new("postgres://vigie@db/vigie").sqlite_file(), None);
    }
}
