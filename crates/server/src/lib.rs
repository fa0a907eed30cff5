//! Vigie's server: the JSON API under `/v1`, the review console under `/console`, health and
//! metrics endpoints, and (as features arrive) the background workers.
//!
//! - [`router`] builds the whole HTTP surface from an [`AppState`]; tests drive the very same
//!   router with `tower::ServiceExt::oneshot`.
//! - [`serve`] runs it on a listener until a shutdown token is cancelled.
//! - [`app`] holds the use cases shared by the API, the console and the CLI.
//!
//! Architecture invariant: only this crate knows HTTP status codes and JSON shapes; handlers
//! check permissions with `vigie_domain::access::Principal::may` before touching the store.

#![deny(missing_docs)]

pub mod actions;
pub mod api;
pub mod app;
pub mod audit;
pub mod auth;
pub mod bootstrap;
pub mod complaints;
pub mod console;
pub mod error;
pub mod extract;
pub mod intake;
pub mod matching;
pub mod metrics;
mod middleware;
pub mod preservation;
pub mod renditions;
pub mod review;
pub mod statements;
pub mod workers;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use vigie_store::Store;

/// Settings the server needs at run time, already validated.
#[derive(Clone, Debug)]
pub struct ServerSettings {
    /// Largest JSON body accepted, in bytes.
    pub json_body_limit: usize,
    /// How long a console session lasts.
    pub session_lifetime: chrono::Duration,
    /// Mark cookies `Secure` (when served over HTTPS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Login attempts allowed per minute per client address and per account.
    pub login_attempts_per_minute: u32,
    /// Longest a request may run before it is answered 408; also bounds graceful shutdown.
    pub request_timeout: Duration,
    /// Largest upload (media to match, signal files to import), in bytes.
    pub upload_limit: usize,
    /// Limits on decoded images.
    pub image_limits: vigie_hash::Limits,
    /// How often every node re-reads bank changes made by other nodes.
    pub index_sync_interval: Duration,
    /// How long an authenticated API token is trusted without asking the database again: the
    /// longest a revocation made through another node takes to apply here.
    pub token_cache_ttl: Duration,
    /// Intake: deadline windows, media limits, grouping distance, public form rate.
    pub intake: intake::IntakeSettings,
    /// Where reported media are stored (content-addressed); `<data dir>/media`.
    pub media_dir: std::path::PathBuf,
    /// Header-read and idle timeout, and the cap on connections.
    pub connections: ConnectionLimits,
    /// Muted copies of videos for playing: ffmpeg's limits, and how long a request waits.
    pub playback: renditions::playback::PlaybackSettings,
    /// Webhooks: which addresses, how often retried, how long an attempt may take.
    pub webhooks: actions::WebhookSettings,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            json_body_limit: 1024 * 1024,
            session_lifetime: chrono::Duration::hours(12),
            secure_cookies: false,
            login_attempts_per_minute: 10,
            request_timeout: Duration::from_secs(30),
            upload_limit: 64 * 1024 * 1024,
            image_limits: vigie_hash::Limits::default(),
            index_sync_interval: Duration::from_secs(1),
            token_cache_ttl: Duration::from_secs(5),
            intake: intake::IntakeSettings::default(),
            media_dir: std::path::PathBuf::from("./vigie-data/media"),
            connections: ConnectionLimits::default(),
            playback: renditions::playback::PlaybackSettings::default(),
            webhooks: actions::WebhookSettings::default(),
        }
    }
}

/// Everything a handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Run-time settings.
    pub settings: Arc<ServerSettings>,
    /// Login throttling.
    pub login_limiter: Arc<auth::LoginLimiter>,
    /// Prometheus metrics.
    pub metrics: Arc<metrics::Metrics>,
    /// The in-memory indexes over the banks.
    pub engine: Arc<matching::MatchEngine>,
    /// Recently authenticated API tokens.
    pub token_cache: Arc<auth::TokenCache>,
    /// One permit per core for decoding and hashing media: more at once would only add memory
    /// (each decode holds the whole image) and latency, not throughput.
    pub hashing_permits: Arc<tokio::sync::Semaphore>,
    /// Submissions, media and their identification.
    pub intake: Arc<intake::Intake>,
    /// The last write check behind `/readyz`.
    pub readiness: Arc<api::system::Readiness>,
    /// The key that signs audit checkpoints and the public keys trusted to verify them.
    pub audit_keys: Arc<audit::AuditKeys>,
    /// Muted copies of videos being made for playing.
    pub playback: Arc<renditions::playback::Playback>,
    /// Wakes this node's delivery worker when something was queued to send.
    pub deliveries: Arc<tokio::sync::Notify>,
}

impl AppState {
    /// State over `store` with `settings`, loading the banks into memory.
    pub async fn load(store: Store, settings: ServerSettings) -> vigie_store::StoreResult<Self> {
        let engine = Arc::new(matching::MatchEngine::load(store.clone()).await?);
        let login_limiter = Arc::new(auth::LoginLimiter::new(settings.login_attempts_per_minute));
        let token_cache = Arc::new(auth::TokenCache::new(settings.token_cache_ttl));
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let hashing_permits = Arc::new(tokio::sync::Semaphore::new(cores));
        let intake =
            Arc::new(intake::Intake::start(store.clone(), settings.intake.clone(), settings.media_dir.clone()));
        intake.similar.sync(&store).await?;
        let playback = Arc::new(renditions::playback::Playback::new(settings.playback.clone()));
        Ok(Self {
            store,
            settings: Arc::new(settings),
            login_limiter,
            metrics: Arc::new(metrics::Metrics::new()),
            engine,
            token_cache,
            hashing_permits,
            intake,
            readiness: Arc::default(),
            audit_keys: Arc::new(audit::AuditKeys::none()),
            playback,
            deliveries: Arc::default(),
        })
    }

    /// The same state signing and checking audit checkpoints with `keys`.
    pub fn with_audit_keys(mut self, keys: audit::AuditKeys) -> Self {
        self.audit_keys = Arc::new(keys);
        self
    }
}

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    let (api, openapi) = api::router(&state).split_for_parts();
    let openapi = Arc::new(api::openapi::finish(openapi));
    let routes = Router::new()
        .merge(api)
        .merge(api::system::router(openapi))
        .nest("/console", console::router())
        .route("/", axum::routing::get(|| async { axum::response::Redirect::to("/console") }))
        .merge(console::report::router(&state))
        .merge(statements::page::router())
        .fallback(console::not_found);
    middleware::apply(routes, state.clone()).with_state(state)
}

/// What one client connection may hold, and how many there may be.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// Time a connection has to send a complete request head: from when it opens, and again
    /// while it sits idle between requests (keep-alive). A connection that trickles its headers
    /// or sends nothing is closed after it. Bodies are bounded by the request timeout.
    pub header_read_timeout: Duration,
    /// Connections served at once; more wait in the listen backlog until one closes. Keeps the
    /// process below its open-file limit, so a flood of idle connections cannot stop it from
    /// opening its database, media files or new connections once the flood is gone.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self { header_read_timeout: Duration::from_secs(15), max_connections: 4096 }
    }
}

/// Serves `router` on `listener` (HTTP/1.1) until `shutdown` is cancelled, then lets in-flight
/// requests finish (each is bounded by the request timeout) and closes idle connections.
///
/// Written out rather than `axum::serve`, which sets neither a header-read nor an idle timeout
/// and accepts connections without limit: an attacker holding idle connections could exhaust
/// the open-file limit and stop the server answering anyone.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::Service as _;

    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let connections = tokio_util::task::TaskTracker::new();
    let mut make_service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    loop {
        let slot = tokio::select! {
            () = shutdown.cancelled() => break,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
        };
        let (stream, address) = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    if !is_connection_error(&error) {
                        // Out of file descriptors or memory: wait for connections to close
                        // rather than spin.
                        tracing::warn!(error = %error, "cannot accept a connection; retrying shortly");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let Ok(service) = make_service.call(address).await;
        let service = hyper_util::service::TowerToHyperService::new(service);
        let builder = builder.clone();
        let shutdown = shutdown.clone();
        connections.spawn(async move {
            let _slot = slot;
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                () = shutdown.cancelled() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(error) = result {
                // Timeouts, resets and malformed requests: the client's doing, not an error here.
                tracing::debug!(error = %error, "connection ended");
            }
        });
    }
    connections.close();
    connections.wait().await;
    Ok(())
}

/// Errors `accept` returns for one connection that went wrong before it was accepted; the
/// listener itself is fine.
fn is_connection_error(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}
