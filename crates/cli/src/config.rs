//! Settings: command-line flags, then `VIGIE_*` environment variables (clap reads both), then
//! an optional TOML file, then defaults. Read once at start-up into [`Settings`].

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use serde::Deserialize;
use vigie_store::DatabaseUrl;

/// Flags shared by every command that opens the database.
#[derive(Args, Debug, Clone)]
pub struct DatabaseArgs {
    /// Database URL: `sqlite://PATH` or `postgres://USER@HOST/DB`. Default: SQLite file
    /// `vigie.db` in the data directory.
    #[arg(long, env = "VIGIE_DB", global = true, hide_env_values = true)]
    pub db: Option<String>,

    /// Directory for Vigie's files: the SQLite database, received media and the audit signing
    /// key. Default: the platform's data directory (on Linux `$XDG_DATA_HOME/vigie`, else
    /// `~/.local/share/vigie`), whatever the current directory.
    #[arg(long, env = "VIGIE_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,

    /// TOML configuration file; values there apply where no flag or variable is given.
    #[arg(long, env = "VIGIE_CONFIG", global = true)]
    pub config: Option<PathBuf>,

    /// The key that signs audit checkpoints (created, mode 0600, at first use). Default:
    /// `audit-checkpoint.key` in the data directory.
    #[arg(long, env = "VIGIE_AUDIT_KEY_FILE", global = true)]
    pub audit_key_file: Option<PathBuf>,
}

/// Flags of `vigie serve`.
#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "VIGIE_LISTEN")]
    pub listen: Option<SocketAddr>,

    /// Seed a small demo world (a referral unit, a trusted flagger, two platforms, reviewers).
    #[arg(long, env = "VIGIE_DEMO")]
    pub demo: bool,

    /// Mark cookies Secure: set this when users reach Vigie over HTTPS.
    #[arg(long, env = "VIGIE_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// Minutes between signed checkpoints of the audit chain (taken only when it grew); 0: none.
    #[arg(long, env = "VIGIE_AUDIT_CHECKPOINT_MINUTES")]
    pub audit_checkpoint_minutes: Option<u64>,

    /// Let webhook endpoints be on loopback, private or link-local addresses, over plain http
    /// (a receiver on this machine or the operator's own network; never on a shared instance).
    #[arg(long, env = "VIGIE_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES")]
    pub allow_private_webhooks: bool,
}

/// The TOML file's shape. Every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    db: Option<String>,
    data_dir: Option<PathBuf>,
    listen: Option<SocketAddr>,
    secure_cookies: Option<bool>,
    log_format: Option<String>,
    #[serde(default)]
    operator: OperatorFile,
    #[serde(default)]
    limits: LimitsFile,
    #[serde(default)]
    intake: IntakeFile,
    #[serde(default)]
    audit: AuditFile,
    #[serde(default)]
    webhooks: WebhooksFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhooksFile {
    allow_private_addresses: Option<bool>,
    timeout_seconds: Option<u64>,
    first_retry_seconds: Option<u64>,
    retry_hours: Option<u64>,
}

fn webhook_settings(
    file: &WebhooksFile,
    serve: Option<&ServeArgs>,
) -> anyhow::Result<vigie_server::actions::WebhookSettings> {
    let defaults = vigie_server::actions::WebhookSettings::default();
    let seconds = std::time::Duration::from_secs;
    let request_timeout = match file.timeout_seconds {
        None => defaults.request_timeout,
        Some(value @ 1..=60) => seconds(value),
        Some(_) => bail!("webhooks.timeout_seconds must be between 1 and 60"),
    };
    let first_delay = match file.first_retry_seconds {
        None => defaults.retry.first_delay,
        Some(value @ 1..=3600) => seconds(value),
        Some(_) => bail!("webhooks.first_retry_seconds must be between 1 and 3600"),
    };
    let give_up_after = match file.retry_hours {
        None => defaults.retry.give_up_after,
        Some(value @ 1..=720) => seconds(value * 3600),
        Some(_) => bail!("webhooks.retry_hours must be between 1 and 720"),
    };
    Ok(vigie_server::actions::WebhookSettings {
        allow_private_addresses: serve.is_some_and(|serve| serve.allow_private_webhooks)
            || file.allow_private_addresses.unwrap_or(false),
        request_timeout,
        retry: vigie_domain::actions::RetryPolicy { first_delay, give_up_after, ..defaults.retry },
        ..defaults
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditFile {
    key_file: Option<PathBuf>,
    origin: Option<String>,
    checkpoint_minutes: Option<u64>,
    #[serde(default)]
    trusted_keys: Vec<String>,
}

/// Audit checkpoints: the signing key, its log's name, how often, and other trusted keys.
#[derive(Debug)]
pub struct AuditSettings {
    /// The signing key's file.
    pub key_file: PathBuf,
    /// The log's name, given to a new key; `None`: named after the key.
    pub origin: Option<String>,
    /// Public keys of other nodes (or former keys) whose checkpoints are accepted.
    pub trusted_keys: vigie_domain::audit::checkpoint::TrustedKeys,
    /// Time between periodic checkpoints; `None`: none.
    pub checkpoint_interval: Option<std::time::Duration>,
}

/// Default minutes between periodic audit checkpoints.
const DEFAULT_CHECKPOINT_MINUTES: u64 = 15;

fn audit_settings(
    file: AuditFile,
    database: &DatabaseArgs,
    serve: Option<&ServeArgs>,
    data_dir: &Path,
) -> anyhow::Result<AuditSettings> {
    let key_file =
        database.audit_key_file.clone().or(file.key_file).unwrap_or_else(|| data_dir.join("audit-checkpoint.key"));
    if let Some(origin) = &file.origin
        && !vigie_domain::audit::checkpoint::valid_key_name(origin)
    {
        bail!("audit.origin must be non-empty, without spaces or `+` (such as vigie.example.org/audit)");
    }
    let mut trusted_keys = vigie_domain::audit::checkpoint::TrustedKeys::default();
    for (index, key) in file.trusted_keys.iter().enumerate() {
        trusted_keys.add(key).with_context(|| format!("audit.trusted_keys[{index}]"))?;
    }
    let minutes = serve
        .and_then(|serve| serve.audit_checkpoint_minutes)
        .or(file.checkpoint_minutes)
        .unwrap_or(DEFAULT_CHECKPOINT_MINUTES);
    if minutes > 525_600 {
        bail!("audit.checkpoint_minutes must be at most 525600 (a year); 0 turns periodic checkpoints off");
    }
    let checkpoint_interval = (minutes > 0).then(|| std::time::Duration::from_secs(minutes * 60));
    Ok(AuditSettings { key_file, origin: file.origin, trusted_keys, checkpoint_interval })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct IntakeFile {
    referral_hours: Option<i64>,
    trusted_notice_hours: Option<i64>,
    notice_hours: Option<i64>,
    user_report_hours: Option<i64>,
    partner_flag_hours: Option<i64>,
    group_pdq_distance: Option<u32>,
    public_reports_per_hour: Option<u32>,
}

fn intake_settings(file: &IntakeFile, limits: &LimitsFile) -> anyhow::Result<vigie_server::intake::IntakeSettings> {
    let defaults = vigie_server::intake::IntakeSettings::default();
    let hours = |value: Option<i64>, default: chrono::Duration, key: &str| -> anyhow::Result<chrono::Duration> {
        match value {
            None => Ok(default),
            Some(hours) if (1..=8760).contains(&hours) => Ok(chrono::Duration::hours(hours)),
            Some(_) => bail!("intake.{key} must be between 1 and 8760 hours"),
        }
    };
    let policy = vigie_domain::intake::DeadlinePolicy {
        referral: hours(file.referral_hours, defaults.policy.referral, "referral_hours")?,
        trusted_notice: hours(file.trusted_notice_hours, defaults.policy.trusted_notice, "trusted_notice_hours")?,
        notice: hours(file.notice_hours, defaults.policy.notice, "notice_hours")?,
        user_report: hours(file.user_report_hours, defaults.policy.user_report, "user_report_hours")?,
        partner_flag: hours(file.partner_flag_hours, defaults.policy.partner_flag, "partner_flag_hours")?,
    };
    let group_pdq_distance = file.group_pdq_distance.unwrap_or(defaults.group_pdq_distance);
    if group_pdq_distance > 64 {
        bail!("intake.group_pdq_distance must be at most 64");
    }
    Ok(vigie_server::intake::IntakeSettings {
        policy,
        max_media_bytes: limits.media_bytes.unwrap_or(defaults.max_media_bytes),
        max_media_files: defaults.max_media_files,
        group_pdq_distance,
        public_reports_per_hour: file.public_reports_per_hour.unwrap_or(defaults.public_reports_per_hour),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OperatorFile {
    name: Option<String>,
    kind: Option<String>,
    country: Option<String>,
    admin_email: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsFile {
    json_body_bytes: Option<usize>,
    login_attempts_per_minute: Option<u32>,
    session_hours: Option<i64>,
    request_timeout_seconds: Option<u64>,
    upload_bytes: Option<usize>,
    image_pixels: Option<u64>,
    image_memory_bytes: Option<u64>,
    index_sync_seconds: Option<u64>,
    media_bytes: Option<u64>,
    header_timeout_seconds: Option<u64>,
    max_connections: Option<usize>,
}

/// An annotated example of the file, printed by `vigie config example`.
pub const EXAMPLE: &str = r#"# vigie.toml: every key is optional. Flags and VIGIE_* variables take precedence.
# db = "postgres://vigie@127.0.0.1/vigie"   # default: sqlite file vigie.db in data_dir
# data_dir = "/var/lib/vigie"              # default: ~/.local/share/vigie ($XDG_DATA_HOME/vigie)
listen = "127.0.0.1:8080"
secure_cookies = false                     # true when users reach Vigie over HTTPS
log_format = "text"                        # or "json"

[operator]                                 # the organisation that runs this instance
name = "Operator"
kind = "platform"                          # platform, referral_unit, trusted_flagger, ngo, isp
country = "EU"                             # ISO 3166-1 alpha-2
admin_email = "admin@vigie.local"          # first admin; password from VIGIE_ADMIN_PASSWORD or generated

[limits]
json_body_bytes = 1048576
login_attempts_per_minute = 10
session_hours = 12
request_timeout_seconds = 30
header_timeout_seconds = 15                # to send a request's headers; also the keep-alive idle time
max_connections = 4096                     # at once; capped below the open-file limit
upload_bytes = 67108864                    # media to match, signal files to import
image_pixels = 100000000                   # decoded images larger than this are refused
image_memory_bytes = 100663296             # memory one image decode may take (whole-image formats, metadata)
index_sync_seconds = 1                     # how often each node picks up bank changes from others
media_bytes = 536870912                    # largest media file sent with a submission

[intake]                                   # deadlines: removal orders always get TCO's one hour
referral_hours = 24                        # default; a platform may set its own (vigie org referral-window)
trusted_notice_hours = 24                  # DSA Art. 22 notices (service targets, not law)
notice_hours = 48
user_report_hours = 72
partner_flag_hours = 72
group_pdq_distance = 31                    # images this close (PDQ bits) are grouped into one case
public_reports_per_hour = 20               # per address, on the public /report form

[audit]                                    # signed checkpoints of the audit chain's head
# key_file = "/etc/vigie/audit.key"        # default: audit-checkpoint.key in data_dir. An Ed25519 key,
                                           # created (mode 0600) at first use; back it up apart from
                                           # the database. On several nodes, give each the same file
                                           # (or list the others' public keys in trusted_keys)
# origin = "vigie.example.org/audit"       # the log's name in checkpoints, given to a new key;
                                           # default: vigie/ and 16 hex digits of its public key
checkpoint_minutes = 15                    # a checkpoint when the chain grew; 0 turns them off
trusted_keys = []                          # other keys' public keys (vigie audit public-key), accepted too

[webhooks]                                 # actions sent to platforms, outcomes sent to senders
allow_private_addresses = false            # true lets endpoints be on this machine or a private network,
                                           # over plain http (also --allow-private-webhooks)
timeout_seconds = 10                       # for one attempt, connection included
first_retry_seconds = 10                   # wait after a first failure, doubled after each (at most 6 h)
retry_hours = 72                           # then the event is marked failed and shown on the dashboard
"#;

/// Everything resolved.
#[derive(Debug)]
pub struct Settings {
    /// The database.
    pub database_url: DatabaseUrl,
    /// The data directory.
    pub data_dir: PathBuf,
    /// Listen address.
    pub listen: SocketAddr,
    /// Log format.
    pub log_format: LogFormat,
    /// Server settings.
    pub server: vigie_server::ServerSettings,
    /// Operator and first admin.
    pub operator: vigie_server::bootstrap::OperatorSettings,
    /// Audit checkpoints.
    pub audit: AuditSettings,
}

/// How logs are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The data directory when none is chosen: the platform's place for an application's data, so
/// that every command finds the same database from whatever directory it is run. Written out
/// here (the rules are short) rather than taken from a crate, to keep the build small.
pub fn default_data_dir() -> anyhow::Result<PathBuf> {
    let absolute = |variable: &str| std::env::var_os(variable).map(PathBuf::from).filter(|path| path.is_absolute());
    let base = if cfg!(windows) {
        absolute("APPDATA")
    } else if cfg!(target_os = "macos") {
        absolute("HOME").map(|home| home.join("Library").join("Application Support"))
    } else {
        // XDG Base Directory Specification: a relative XDG_DATA_HOME is to be ignored.
        absolute("XDG_DATA_HOME").or_else(|| absolute("HOME").map(|home| home.join(".local").join("share")))
    };
    base.map(|base| base.join("vigie")).context(
        "no home directory to keep Vigie's data in (HOME is not set): choose one with --data-dir or VIGIE_DATA_DIR",
    )
}

fn read_file(path: &Path) -> anyhow::Result<FileSettings> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid configuration in {}", path.display()))
}

/// Resolves settings; `serve` is `None` for commands that do not serve.
pub fn resolve(
    database: &DatabaseArgs,
    serve: Option<&ServeArgs>,
    log_format: Option<&str>,
) -> anyhow::Result<Settings> {
    let file = match &database.config {
        Some(path) => read_file(path)?,
        None => FileSettings::default(),
    };
    let data_dir = match database.data_dir.clone().or(file.data_dir) {
        Some(chosen) => chosen,
        None => default_data_dir()?,
    };
    // Created only by the commands that write (`crate::database::open`), so that a command that
    // only reads never leaves an empty directory or database behind.
    let database_url = match database.db.clone().or(file.db) {
        Some(url) => DatabaseUrl::new(url),
        None => DatabaseUrl::new(format!("sqlite://{}", data_dir.join("vigie.db").display())),
    };
    database_url.backend().map_err(anyhow::Error::msg)?;
    let listen = serve
        .and_then(|serve| serve.listen)
        .or(file.listen)
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
    let log_format = match log_format.map(str::to_owned).or(file.log_format).as_deref() {
        None | Some("text") => LogFormat::Text,
        Some("json") => LogFormat::Json,
        Some(other) => bail!("log format must be `text` or `json`, not {other:?}"),
    };
    let audit = audit_settings(file.audit, database, serve, &data_dir)?;
    let defaults = vigie_server::ServerSettings::default();
    let limits = file.limits;
    let server = vigie_server::ServerSettings {
        json_body_limit: limits.json_body_bytes.unwrap_or(defaults.json_body_limit),
        session_lifetime: limits.session_hours.map_or(defaults.session_lifetime, chrono::Duration::hours),
        secure_cookies: serve.is_some_and(|serve| serve.secure_cookies) || file.secure_cookies.unwrap_or(false),
        login_attempts_per_minute: limits.login_attempts_per_minute.unwrap_or(defaults.login_attempts_per_minute),
        request_timeout: limits
            .request_timeout_seconds
            .map_or(defaults.request_timeout, std::time::Duration::from_secs),
        upload_limit: limits.upload_bytes.unwrap_or(defaults.upload_limit),
        image_limits: vigie_hash::Limits {
            max_bytes: limits.upload_bytes.map_or(defaults.image_limits.max_bytes, |bytes| bytes as u64),
            max_pixels: limits.image_pixels.unwrap_or(defaults.image_limits.max_pixels),
            max_memory_bytes: limits.image_memory_bytes.unwrap_or(defaults.image_limits.max_memory_bytes),
        },
        token_cache_ttl: defaults.token_cache_ttl,
        intake: intake_settings(&file.intake, &limits)?,
        media_dir: data_dir.join("media"),
        index_sync_interval: limits
            .index_sync_seconds
            .map_or(defaults.index_sync_interval, |seconds| std::time::Duration::from_secs(seconds.max(1))),
        connections: vigie_server::ConnectionLimits {
            header_read_timeout: limits
                .header_timeout_seconds
                .map_or(defaults.connections.header_read_timeout, |seconds| {
                    std::time::Duration::from_secs(seconds.max(1))
                }),
            max_connections: limits.max_connections.unwrap_or(defaults.connections.max_connections).max(1),
        },
        playback: defaults.playback,
        webhooks: webhook_settings(&file.webhooks, serve)?,
    };
    let operator_defaults = vigie_server::bootstrap::OperatorSettings::default();
    let operator = vigie_server::bootstrap::OperatorSettings {
        name: file.operator.name.unwrap_or(operator_defaults.name),
        kind: file.operator.kind.unwrap_or(operator_defaults.kind),
        country: file.operator.country.unwrap_or(operator_defaults.country),
        admin_email: std::env::var("VIGIE_ADMIN_EMAIL")
            .ok()
            .or(file.operator.admin_email)
            .unwrap_or(operator_defaults.admin_email),
        admin_password: std::env::var("VIGIE_ADMIN_PASSWORD").ok().filter(|password| !password.is_empty()),
    };
    Ok(Settings { database_url, data_dir, listen, log_format, server, operator, audit })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_parses() {
        let file: FileSettings = toml::from_str(EXAMPLE).unwrap();
        assert_eq!(file.operator.kind.as_deref(), Some("platform"));
        assert_eq!(file.limits.json_body_bytes, Some(1_048_576));
        assert_eq!(file.audit.checkpoint_minutes, Some(DEFAULT_CHECKPOINT_MINUTES));
        assert_eq!(file.limits.image_memory_bytes, Some(vigie_hash::Limits::DEFAULT_MAX_MEMORY_BYTES));
    }

    #[test]
    fn audit_settings_are_checked() {
        let database = DatabaseArgs { db: None, data_dir: None, config: None, audit_key_file: None };
        let parse = |text: &str| {
            let file: FileSettings = toml::from_str(text).unwrap();
            audit_settings(file.audit, &database, None, Path::new("/data"))
        };
        let defaults = parse("").unwrap();
        assert_eq!(defaults.key_file, Path::new("/data/audit-checkpoint.key"));
        assert_eq!(defaults.checkpoint_interval, Some(std::time::Duration::from_secs(15 * 60)));
        assert_eq!(parse("[audit]\ncheckpoint_minutes = 0").unwrap().checkpoint_interval, None);
        assert!(parse("[audit]\norigin = \"two words\"").is_err());
        let error = parse("[audit]\ntrusted_keys = [\"not-a-key\"]").unwrap_err();
        assert!(format!("{error:#}").contains("audit.trusted_keys[0]"), "{error:#}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<FileSettings>("dbb = \"x\"").is_err());
    }
}
