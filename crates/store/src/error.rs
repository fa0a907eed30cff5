//! The store's error, converted from `sqlx::Error` here and nowhere else.

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness or integrity rule refused the write; `constraint` is its name in the migrations.
    #[error("conflict with constraint {constraint}")]
    Conflict {
        /// The violated constraint, named as in the migrations.
        constraint: String,
    },
    /// The database cannot serve the request now but may soon: unreachable, shutting down, out
    /// of disk, read-only, or its write lock held beyond the busy timeout. Nothing was written;
    /// the caller may retry (HTTP answers 503 with `Retry-After`).
    #[error("database unavailable: {0}")]
    Unavailable(anyhow::Error),
    /// Anything else (a bug, a corrupt row). Logged, never shown to clients.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Shorthand for store results.
pub type StoreResult<T> = Result<T, StoreError>;

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::Database(database_error) => {
                if let Some(constraint) = constraint_name(database_error.as_ref()) {
                    return Self::Conflict { constraint };
                }
                if database_unavailable(database_error.as_ref()) {
                    return Self::Unavailable(error.into());
                }
                Self::Other(error.into())
            }
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => Self::Unavailable(error.into()),
            _ => Self::Other(error.into()),
        }
    }
}

/// Whether a database error says "not now" rather than "never": the condition is the server's
/// or the disk's, not the statement's, so the same request may succeed later.
fn database_unavailable(error: &dyn sqlx::error::DatabaseError) -> bool {
    let Some(code) = error.code() else { return false };
    if error.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        // SQLite reports its extended result code; the primary code is the low byte.
        return code.parse::<i32>().is_ok_and(|extended| {
            matches!(
                extended & 0xff,
                SQLITE_BUSY
                    | SQLITE_LOCKED
                    | SQLITE_NOMEM
                    | SQLITE_READONLY
                    | SQLITE_IOERR
                    | SQLITE_FULL
                    | SQLITE_CANTOPEN
            )
        });
    }
    // PostgreSQL SQLSTATE: class 08 connection exceptions, class 53 insufficient resources
    // (disk full, out of memory, too many connections), 57P01-57P03 shutting down or starting,
    // 25006 a read-only (standby) server.
    code.starts_with("08") || code.starts_with("53") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03" | "25006")
}

// SQLite's primary result codes (sqlite3.h).
const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;
const SQLITE_NOMEM: i32 = 7;
const SQLITE_READONLY: i32 = 8;
const SQLITE_IOERR: i32 = 10;
const SQLITE_FULL: i32 = 13;
const SQLITE_CANTOPEN: i32 = 14;

/// The name of the violated constraint. PostgreSQL reports it; SQLite only names the columns
/// (`UNIQUE constraint failed: users.email`), so those messages are mapped to the names the
/// PostgreSQL migrations give, and callers match one set of names.
fn constraint_name(error: &dyn sqlx::error::DatabaseError) -> Option<String> {
    if !(error.is_unique_violation() || error.is_foreign_key_violation() || error.is_check_violation()) {
        return None;
    }
    if let Some(name) = error.constraint() {
        return Some(name.to_owned());
    }
    let message = error.message();
    let columns = message.split_once("constraint failed: ").map(|(_, columns)| columns.trim())?;
    let name = match columns {
        "organisations.name" => "organisations_name_key",
        "organisations.is_operator" => "organisations_one_operator",
        "organisations.slug" => "organisations_slug_key",
        "users.email" => "users_email_key",
        "api_tokens.secret_hash" => "api_tokens_secret_hash_key",
        "sessions.secret_hash" => "sessions_secret_hash_key",
        "banks.name" => "banks_name_key",
        "submissions.number" => "submissions_number_key",
        "signals.bank_id, signals.value_key" => "signals_bank_value_key",
        other => return Some(other.to_owned()),
    };
    Some(name.to_owned())
}
