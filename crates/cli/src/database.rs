//! Opening the database for one command: say which one (a stray second database made from
//! another directory once went unnoticed), create it only for commands that write, and have the
//! operator organisation exist from the first command that writes.

use anyhow::{Context, bail};
use vigie_server::bootstrap;
use vigie_store::Store;

use crate::config::Settings;

/// What a command does with the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Only reads, or changes something that must already be there (a token to revoke, a
    /// bank to import into): a missing SQLite database is an error naming its path.
    Existing,
    /// May create the first things: a missing SQLite database (and its directory) is created,
    /// and so is the operator organisation, which everything else may refer to.
    Create,
}

/// Connects, applies migrations, and for [`Access::Create`] makes sure the operator
/// organisation exists. Prints the database used as one line on standard error.
pub async fn open(settings: &Settings, access: Access) -> anyhow::Result<Store> {
    if let Some(file) = settings.database_url.sqlite_file()
        && !file.exists()
    {
        if access == Access::Existing {
            bail!(
                "there is no database at {}: nothing was created there yet. Start `vigie serve` or create \
                 something first, or name the database to use with --data-dir (VIGIE_DATA_DIR) or --db (VIGIE_DB)",
                file.display()
            );
        }
        if let Some(directory) = file.parent().filter(|directory| !directory.as_os_str().is_empty()) {
            std::fs::create_dir_all(directory)
                .with_context(|| format!("cannot create the data directory {}", directory.display()))?;
        }
    }
    eprintln!("database: {}", settings.database_url);
    let store = Store::connect(&settings.database_url).await?;
    store.migrate().await?;
    if access == Access::Create {
        bootstrap::ensure_operator_organisation(&store, &settings.operator)
            .await
            .context("creating the operator organisation")?;
    }
    Ok(store)
}
