//! Write transactions that never hand a doubtful connection back to the pool.
//!
//! sqlx's own `Transaction` counts its nesting depth in the connection and rolls back on drop.
//! When a commit or a statement fails in a way that makes the database end the transaction by
//! itself (SQLite rolls back on `SQLITE_FULL` or an I/O error), that count and the database's
//! real state part: the roll-back on drop fails, the connection goes back to the pool still
//! counting a transaction, and later "commits" on it become savepoint releases inside a
//! transaction that is never committed. Seen on a full disk: receipts for submissions that were
//! never stored, a write lock held until restart.
//!
//! [`WriteTx`] issues `BEGIN` and `COMMIT` itself and keeps no count. A transaction that did not
//! commit (an error, a failed commit, a future dropped half-way) closes its connection instead of
//! returning it: the database discards whatever was left open, and the pool opens a fresh
//! connection when one is needed. Rolling back through a closed connection costs a reconnect,
//! only on failures.

use std::ops::{Deref, DerefMut};

use sqlx::pool::PoolConnection;
use sqlx::{Executor, Postgres, Sqlite};

/// How a backend opens a write transaction.
pub(crate) trait WriteDialect: sqlx::Database {
    /// SQLite: `BEGIN IMMEDIATE` takes the write lock at once, waiting up to the busy timeout,
    /// instead of failing with `SQLITE_BUSY` when a deferred transaction tries to upgrade its
    /// read snapshot after another writer committed.
    const BEGIN: &'static str;
}

impl WriteDialect for Sqlite {
    const BEGIN: &'static str = "BEGIN IMMEDIATE";
}

impl WriteDialect for Postgres {
    const BEGIN: &'static str = "BEGIN";
}

/// An open write transaction on a connection taken from the pool. Dereferences to the
/// connection, so queries run on `&mut *tx`.
pub(crate) struct WriteTx<DB: sqlx::Database> {
    connection: PoolConnection<DB>,
    committed: bool,
}

impl<DB> WriteTx<DB>
where
    DB: WriteDialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    /// Takes a connection and begins a transaction on it.
    pub(crate) async fn begin(pool: &sqlx::Pool<DB>) -> Result<Self, sqlx::Error> {
        let mut connection = pool.acquire().await?;
        if let Err(error) = connection.execute(DB::BEGIN).await {
            connection.close_on_drop();
            return Err(error);
        }
        Ok(Self { connection, committed: false })
    }

    /// Commits. Returns only once the database says the commit is durable; on any error the
    /// connection is closed, not reused.
    pub(crate) async fn commit(mut self) -> Result<(), sqlx::Error> {
        self.connection.execute("COMMIT").await?;
        self.committed = true;
        Ok(())
    }
}

impl<DB: sqlx::Database> Deref for WriteTx<DB> {
    type Target = DB::Connection;

    fn deref(&self) -> &DB::Connection {
        &self.connection
    }
}

impl<DB: sqlx::Database> DerefMut for WriteTx<DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        &mut self.connection
    }
}

impl<DB: sqlx::Database> Drop for WriteTx<DB> {
    fn drop(&mut self) {
        if !self.committed {
            // Closing ends the transaction on the database's side (SQLite rolls back on close,
            // PostgreSQL when the session ends), whatever state the connection was left in.
            self.connection.close_on_drop();
        }
    }
}
