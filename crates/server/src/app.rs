//! Use cases shared by the API, the console and the CLI. Each takes an already-authorised
//! actor: permission checks belong to the caller, because the CLI (with direct database access)
//! has no principal to check.

use chrono::{DateTime, Utc};
use vigie_domain::access::{Actor, RoleSet};
use vigie_domain::ids::OrganisationId;
use vigie_domain::organisation::{Organisation, OrganisationRef};
use vigie_domain::token::{ApiToken, TokenSecret};
use vigie_domain::user::{NewUser, User, check_password};
use vigie_domain::validate::{ValidationError, bounded_text};
use vigie_store::{NewToken, Store, StoreError};

use crate::auth;

/// Why a use case failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input broke a rule.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// Storage refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Something else failed (hashing, a panicked task).
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<AppError> for crate::error::ApiError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Validation(error) => Self::Validation(error),
            AppError::Store(error) => error.into(),
            AppError::Other(error) => Self::Internal(error),
        }
    }
}

/// The organisation `text` names (its id, its slug, or its exact name), for a request's `field`
/// (a JSON field, a query parameter, a CLI flag, an import row's column). The one place a
/// name becomes an organisation: a text naming none is a validation error on `field`.
pub async fn resolve_organisation(store: &Store, field: &str, text: &str) -> Result<Organisation, AppError> {
    let reference = OrganisationRef::parse(text).map_err(|message| ValidationError::single(field, message))?;
    store.find_organisation(&reference).await?.ok_or_else(|| {
        ValidationError::single(
            field,
            "names no organisation: give its id or slug (`GET /v1/organisations`, `vigie org list`)",
        )
        .into()
    })
}

/// The password a new user starts with.
pub enum InitialPassword {
    /// Chosen by the caller.
    Given(String),
    /// Generate one and return it, to be shown once.
    Generate,
    /// No password: the user cannot log in until one is set.
    None,
}

/// A created user, with the password generated for it if one was.
pub struct CreatedUser {
    /// The user.
    pub user: User,
    /// The generated password, to show once.
    pub generated_password: Option<String>,
}

/// Hashes a password off the async threads (argon2 takes tens of milliseconds of CPU).
pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|error| AppError::Other(anyhow::anyhow!("password hashing task failed: {error}")))?
        .map_err(AppError::Other)
}

/// Creates a user.
pub async fn create_user(
    store: &Store,
    actor: Actor,
    user: &NewUser,
    password: InitialPassword,
) -> Result<CreatedUser, AppError> {
    let (password, generated) = match password {
        InitialPassword::Given(password) => {
            check_password(&password).map_err(|message| ValidationError::single("password", message))?;
            (Some(password), false)
        }
        InitialPassword::Generate => (Some(auth::generate_password()), true),
        InitialPassword::None => (None, false),
    };
    let hash = match &password {
        Some(password) => Some(hash_password(password.clone()).await?),
        None => None,
    };
    let user = store.insert_user(user, hash.as_deref(), actor).await?;
    Ok(CreatedUser { user, generated_password: if generated { password } else { None } })
}

/// Sets a user's password after checking it.
pub async fn set_password(
    store: &Store,
    actor: Actor,
    user: vigie_domain::ids::UserId,
    password: String,
) -> Result<(), AppError> {
    check_password(&password).map_err(|message| ValidationError::single("password", message))?;
    let hash = hash_password(password).await?;
    store.set_password(user, &hash, actor).await?;
    Ok(())
}

/// What a new token is for.
pub struct TokenRequest<'a> {
    /// The organisation it acts for.
    pub organisation_id: OrganisationId,
    /// Its label.
    pub name: &'a str,
    /// Role names.
    pub roles: &'a [String],
    /// When it expires (`None`: never).
    pub expires_at: Option<DateTime<Utc>>,
}

/// Creates a token; the secret is returned once and never stored.
pub async fn create_token(
    store: &Store,
    actor: Actor,
    request: TokenRequest<'_>,
) -> Result<(ApiToken, TokenSecret), AppError> {
    let mut issues = Vec::new();
    let name = bounded_text(request.name, 1, 120)
        .map_err(|message| issues.push(vigie_domain::FieldIssue::new("name", message)))
        .ok();
    let roles = RoleSet::parse_all(request.roles)
        .map_err(|message| issues.push(vigie_domain::FieldIssue::new("roles", message)))
        .ok();
    if request.expires_at.is_some_and(|at| at <= store.now()) {
        issues.push(vigie_domain::FieldIssue::new("expires_at", "must be in the future"));
    }
    let (Some(name), Some(roles)) = (name, roles) else {
        return Err(ValidationError { issues }.into());
    };
    if !issues.is_empty() {
        return Err(ValidationError { issues }.into());
    }
    let secret = TokenSecret::from_random_bytes(auth::random_bytes());
    let token = NewToken {
        organisation_id: request.organisation_id,
        name,
        roles,
        expires_at: request.expires_at,
        secret_hash: secret.hash(),
    };
    let token = store.insert_token(&token, actor).await?;
    Ok((token, secret))
}

/// What an import into a bank did, or would have done.
#[derive(Clone, Debug, Default)]
pub struct ImportReport {
    /// Signals added.
    pub added: u64,
    /// Signals already in the bank, left as they were.
    pub already_present: u64,
    /// Repeated lines merged into one signal.
    pub duplicates_merged: usize,
    /// Bad lines, skipped (with `skip_invalid`) or blocking (without).
    pub issues: Vec<vigie_domain::import::LineIssue>,
    /// Whether anything was written.
    pub applied: bool,
}

/// Signals to add to a bank, and how.
pub struct SignalImport<'a> {
    /// The bank.
    pub bank: &'a vigie_domain::bank::Bank,
    /// What was read from the input.
    pub parsed: vigie_domain::import::ParsedImport,
    /// Add the valid signals even when some input was bad.
    pub skip_invalid: bool,
    /// Provenance for signals that carry none.
    pub source: Option<&'a str>,
    /// Who imports.
    pub actor: Actor,
    /// Which door it came through (`cli`, `api`, `api-file`), for the audit trail.
    pub origin: &'a str,
}

/// An image to add to a PDQ bank, hashed by the caller (the CLI from a file, the API from an
/// upload).
pub struct ImageToAdd {
    /// Its file name, recorded as the signal's external id.
    pub name: String,
    /// Its hashes.
    pub hashes: vigie_hash::ImageHashes,
}

/// What adding one image to a bank did.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AddedImage {
    /// The file's name.
    pub file: String,
    /// The signal that holds its hash.
    pub signal_id: i64,
    /// Its PDQ hash.
    pub pdq: String,
    /// Its PDQ quality.
    pub quality: u8,
    /// False when the bank already held this hash (by an earlier image, or an earlier file of
    /// the same request).
    pub added: bool,
}

/// Adds images' PDQ hashes to a PDQ bank as signals, in one audited import (`bank.add` as
/// imports are: all or nothing), labelled with `labels`; one answer per image, in order.
pub async fn add_images(
    store: &Store,
    bank: &vigie_domain::bank::Bank,
    images: &[ImageToAdd],
    labels: &[vigie_domain::bank::Label],
    source: Option<&str>,
    (actor, origin): (Actor, &str),
) -> Result<Vec<AddedImage>, AppError> {
    use vigie_domain::bank::{MAX_ORIGIN_CHARS, SignalType, value_key};
    use vigie_domain::import::{ParsedImport, ParsedSignal};
    bank.check_takes_images().map_err(|message| AppError::Validation(ValidationError::single("file", message)))?;
    let keys: Vec<String> = images.iter().map(|image| value_key(SignalType::Pdq, &image.hashes.pdq.to_hex())).collect();
    let mut known_before = Vec::with_capacity(keys.len());
    for key in &keys {
        known_before.push(store.find_signal_by_key(bank.id, key).await?.is_some());
    }
    let mut parsed = ParsedImport::default();
    for (line, (image, key)) in images.iter().zip(&keys).enumerate() {
        if parsed.signals.iter().any(|signal| signal.value_key == *key) {
            parsed.duplicates += 1;
            continue;
        }
        parsed.signals.push(ParsedSignal {
            value: image.hashes.pdq.to_hex(),
            value_key: key.clone(),
            quality: Some(u32::from(image.hashes.quality)),
            labels: labels.to_vec(),
            source: None,
            external_id: vigie_domain::validate::optional_text(Some(&image.name), MAX_ORIGIN_CHARS).ok().flatten(),
            enabled: true,
            line: line + 1,
        });
    }
    let import = SignalImport { bank, parsed, skip_invalid: false, source, actor, origin };
    import_signals(store, import, &mut |_| {}).await?;
    let mut answers = Vec::with_capacity(images.len());
    let mut seen = std::collections::HashSet::new();
    for ((image, key), known) in images.iter().zip(&keys).zip(known_before) {
        let signal = store.find_signal_by_key(bank.id, key).await?.ok_or_else(|| {
            AppError::Other(anyhow::anyhow!("the signal of {} is missing after its import", image.name))
        })?;
        answers.push(AddedImage {
            file: image.name.clone(),
            signal_id: signal.id,
            pdq: image.hashes.pdq.to_hex(),
            quality: image.hashes.quality,
            added: !known && seen.insert(key.clone()),
        });
    }
    Ok(answers)
}

/// Adds parsed signals to a bank: all valid ones in one transaction when there is no bad line
/// or `skip_invalid` is set; nothing at all otherwise (the report then lists every bad line).
pub async fn import_signals(
    store: &Store,
    import: SignalImport<'_>,
    on_progress: &mut (dyn FnMut(usize) + Send),
) -> Result<ImportReport, AppError> {
    let SignalImport { bank, parsed, skip_invalid, source, actor, origin } = import;
    let mut report =
        ImportReport { duplicates_merged: parsed.duplicates, issues: parsed.issues, ..ImportReport::default() };
    if (!report.issues.is_empty() && !skip_invalid) || parsed.signals.is_empty() {
        return Ok(report);
    }
    let signals: Vec<vigie_store::NewSignal> = parsed
        .signals
        .into_iter()
        .map(|signal| vigie_store::NewSignal {
            value: signal.value,
            value_key: signal.value_key,
            quality: signal.quality,
            source: signal.source.or_else(|| source.map(str::to_owned)),
            external_id: signal.external_id,
            labels: signal.labels.iter().map(vigie_domain::bank::Label::as_str).collect::<Vec<_>>().join(","),
            enabled: signal.enabled,
        })
        .collect();
    let outcome = store.import_signals(bank.id, &signals, actor, origin, on_progress).await?;
    report.added = outcome.added;
    report.already_present = outcome.already_present;
    report.applied = true;
    Ok(report)
}
