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
    /// Anything else (database unreachable, bug). Logged, never shown to clients.
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
                Self::Other(error.into())
            }
            _ => Self::Other(error.into()),
        }
    }
}

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
        "users.email" => "users_email_key",
        "api_tokens.secret_hash" => "api_tokens_secret_hash_key",
        "sessions.secret_hash" => "sessions_secret_hash_key",
        "banks.name" => "banks_name_key",
        "signals.bank_id, signals.value_key" => "signals_bank_value_key",
        other => return Some(other.to_owned()),
    };
    Some(name.to_owned())
}
