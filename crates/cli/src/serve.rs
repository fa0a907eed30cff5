//! `vigie serve`.

use std::time::Duration;

use anyhow::Context;
use tokio_util::sync::CancellationToken;
use vigie_server::{AppState, bootstrap};
use vigie_store::Store;

use crate::config::{LogFormat, Settings};

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("VIGIE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

/// Resolves on Ctrl-C or SIGTERM received from now on: the handlers are installed at once,
/// not at the first poll, so that a SIGTERM sent as soon as the server says it listens stops it
/// cleanly instead of killing it.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C")?;
        let mut terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
        Ok(async move {
            tokio::select! { _ = interrupt.recv() => {}, _ = terminate.recv() => {} }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

/// Every few seconds, hands memory freed by finished requests back to the system. glibc keeps
/// freed blocks in per-thread arenas: after a burst of image uploads (each decode holds a whole
/// picture) the server stayed ~25 MB above its steady size (measured with bench/http/run.sh).
async fn return_freed_memory(shutdown: CancellationToken) {
    let mut ticker = tokio::time::interval(Duration::from_secs(5));
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            _ = ticker.tick() => {
                #[cfg(all(target_os = "linux", target_env = "gnu"))]
                // SAFETY: malloc_trim only releases free memory of glibc's own heap; it takes no
                // pointers and is safe to call from any thread at any time.
                unsafe {
                    libc::malloc_trim(0);
                }
            }
        }
    }
}

/// File descriptors kept beside client connections.
const OPEN_FILES_RESERVED: u64 = 256;

/// Raises this process's open-file limit to its hard limit (often 1,024 by default, far below
/// what the hard limit allows) and returns the limit in force.
fn raise_open_file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit and setrlimit only read and write the struct passed by pointer, which
        // lives on this stack frame for the duration of each call.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                return None;
            }
            if limit.rlim_cur < limit.rlim_max {
                let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    limit = raised;
                }
            }
        }
        if limit.rlim_cur == libc::RLIM_INFINITY { None } else { Some(limit.rlim_cur) }
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// On a start with an existing admin, says how to get in when its password is lost: the
/// one-time password was shown at the first start only.
async fn print_password_reset_hint(
    store: &Store,
    settings: &Settings,
    operator: &vigie_domain::organisation::Organisation,
) -> anyhow::Result<()> {
    let admins = store.list_users(Some(operator.id)).await?;
    let Some(admin) = admins
        .iter()
        .filter(|user| user.disabled_at.is_none() && user.roles.contains(vigie_domain::access::Role::Admin))
        .min_by_key(|user| user.email.as_str() != settings.operator.admin_email)
    else {
        return Ok(());
    };
    // The same database as this server's, named as it was chosen.
    let default_file = crate::config::default_data_dir().ok().map(|directory| directory.join("vigie.db"));
    let database = match settings.database_url.sqlite_file() {
        Some(file) if Some(&file) == default_file.as_ref() => String::new(),
        Some(file) if file == settings.data_dir.join("vigie.db") => {
            format!(" --data-dir {}", shell_word(&settings.data_dir.display().to_string()))
        }
        Some(file) => format!(" --db {}", shell_word(&format!("sqlite://{}", file.display()))),
        // The URL as shown hides its password: not something to paste.
        None if settings.database_url.to_string() != settings.database_url.expose() => " --db URL".to_owned(),
        None => format!(" --db {}", shell_word(settings.database_url.expose())),
    };
    eprintln!(
        "\n  Admin: {email}. Lost its password? `vigie user set-password {email}{database}` prints a new one.\n",
        email = admin.email.as_str()
    );
    Ok(())
}

/// `text` quoted for a POSIX shell when it needs to be.
fn shell_word(text: &str) -> String {
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+:=@,".contains(c)) {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

pub async fn run(mut settings: Settings, demo: bool) -> anyhow::Result<()> {
    init_logging(settings.log_format);
    if demo && !settings.server.webhooks.allow_private_addresses {
        // A demo is tried on one machine: its webhooks go to a receiver there.
        settings.server.webhooks.allow_private_addresses = true;
        tracing::info!("demo: webhook endpoints may be on this machine (as with --allow-private-webhooks)");
    }
    tracing::info!(database = %settings.database_url, data_dir = %settings.data_dir.display(), "starting Vigie {}", env!("CARGO_PKG_VERSION"));
    // Listen before touching the database: a start that cannot listen (the port is taken) must
    // leave nothing behind, least of all a first admin whose one-time password went by unused.
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let address = listener.local_addr()?;
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("cannot create the data directory {}", settings.data_dir.display()))?;
    let store = Store::connect(&settings.database_url).await?;
    store.migrate().await?;
    let first_start =
        bootstrap::ensure_operator(&store, &settings.operator).await.context("first-start setup failed")?;
    match &first_start.created_admin {
        // Printed once to the terminal (not the log stream), for the person starting Vigie.
        Some((email, Some(password))) => eprintln!(
            "\n  Created the first admin: {email}\n  Password (shown once): {password}\n  \
             Set VIGIE_ADMIN_PASSWORD before the first start to choose it instead.\n"
        ),
        Some((email, None)) => eprintln!("\n  Created the first admin: {email} (password from VIGIE_ADMIN_PASSWORD)\n"),
        None => print_password_reset_hint(&store, &settings, &first_start.operator).await?,
    }
    if demo {
        let logins = bootstrap::seed_demo(&store).await.context("seeding demo data failed")?;
        if !logins.is_empty() {
            eprintln!("  Demo data seeded. Demo logins (password {}):", bootstrap::DEMO_PASSWORD);
            for login in logins {
                eprintln!("    {login}");
            }
            eprintln!(
                "  Demo bank {} holds 200 synthetic PDQ hashes (see `vigie bank export`).\n",
                bootstrap::DEMO_BANK
            );
        }
    }
    let (audit_key, created) =
        vigie_server::audit::load_or_create_key_file(&settings.audit.key_file, settings.audit.origin.as_deref())
            .context("the audit signing key")?;
    tracing::info!(
        key_file = %settings.audit.key_file.display(),
        created,
        public_key = %audit_key.verifier_key(),
        "audit checkpoints are signed with this key"
    );
    let audit_keys = vigie_server::audit::AuditKeys::new(Some(audit_key), settings.audit.trusted_keys.clone());
    let checkpoint_interval = settings.audit.checkpoint_interval;
    let request_timeout = settings.server.request_timeout;
    let mut connection_limits = settings.server.connections;
    let open_files = raise_open_file_limit();
    if let Some(open_files) = open_files {
        // Room beside the connections for the database, media files, ffmpeg's pipes and logs.
        let room = usize::try_from(open_files.saturating_sub(OPEN_FILES_RESERVED)).unwrap_or(usize::MAX).max(16);
        if connection_limits.max_connections > room {
            tracing::warn!(
                configured = connection_limits.max_connections,
                open_file_limit = open_files,
                serving = room,
                "fewer connections than configured: the open-file limit is too low (raise its hard limit)"
            );
            connection_limits.max_connections = room;
        }
    }
    let sync_interval = settings.server.index_sync_interval;
    let loading = std::time::Instant::now();
    let state = AppState::load(store.clone(), settings.server)
        .await
        .context("loading the hash banks failed")?
        .with_audit_keys(audit_keys);
    let stats = state.engine.stats();
    tracing::info!(
        pdq_entries = stats.pdq_entries,
        exact_entries = stats.exact_entries,
        seconds = loading.elapsed().as_secs_f64(),
        "hash banks loaded"
    );
    if demo {
        bootstrap::seed_demo_submissions(&state).await.context("seeding demo submissions failed")?;
    }
    let worker_state = state.clone();
    let media_state = state.clone();
    let collector_state = state.clone();
    let rematch_state = state.clone();
    let checkpoint_state = state.clone();
    let delivery_state = state.clone();
    let purge_state = state.clone();
    let router = vigie_server::router(state);
    let stop_requested = shutdown_signal()?;
    tracing::info!(%address, "listening; console at http://{address}/console, API docs at http://{address}/docs");
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(vigie_server::serve(listener, router, connection_limits, shutdown.clone()));
    let sync = tokio::spawn(vigie_server::workers::index_sync::run(worker_state, sync_interval, shutdown.clone()));
    let media = tokio::spawn(vigie_server::workers::media::run(media_state, shutdown.clone()));
    let collector = tokio::spawn(vigie_server::workers::media_collector::run(collector_state, shutdown.clone()));
    let rematch = tokio::spawn(vigie_server::workers::rematch::run(rematch_state, shutdown.clone()));
    let deliveries = tokio::spawn(vigie_server::actions::delivery::run(delivery_state, shutdown.clone()));
    let purge = tokio::spawn(vigie_server::workers::purge::run(purge_state, shutdown.clone()));
    let trim = tokio::spawn(return_freed_memory(shutdown.clone()));
    let checkpoints = checkpoint_interval.map(|interval| {
        tokio::spawn(vigie_server::workers::audit_checkpoints::run(checkpoint_state, interval, shutdown.clone()))
    });
    stop_requested.await;
    tracing::info!("shutting down: finishing requests in flight");
    shutdown.cancel();
    // In-flight requests are bounded by the request timeout; give them that long, plus a margin.
    match tokio::time::timeout(request_timeout + Duration::from_secs(5), server).await {
        Ok(joined) => joined.context("server task failed")??,
        Err(_) => {
            tracing::warn!("requests still running after the shutdown deadline; stopping anyway")
        }
    }
    let _ = sync.await;
    let _ = media.await;
    let _ = collector.await;
    let _ = rematch.await;
    let _ = deliveries.await;
    let _ = purge.await;
    let _ = trim.await;
    if let Some(checkpoints) = checkpoints {
        let _ = checkpoints.await;
    }
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    #[test]
    fn the_open_file_limit_is_raised_to_its_hard_limit() {
        let in_force = super::raise_open_file_limit();
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit writes the struct on this stack frame.
        assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) }, 0);
        assert_eq!(limit.rlim_cur, limit.rlim_max);
        if limit.rlim_cur != libc::RLIM_INFINITY {
            assert_eq!(in_force, Some(limit.rlim_cur));
        }
    }
}
