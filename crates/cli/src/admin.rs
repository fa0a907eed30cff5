//! Administration commands: `migrate`, `org`, `user`, `token`, `audit`. They act directly on
//! the database as the `cli` actor (whoever can run them can read the database anyway), and
//! work while a server runs on the same database.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use clap::Subcommand;
use vigie_domain::access::Actor;
use vigie_domain::ids::{OrganisationId, TokenId};
use vigie_domain::organisation::{NewOrganisation, Organisation, OrganisationDraft, Slug};
use vigie_domain::user::UserDraft;
use vigie_server::app::{self, InitialPassword, TokenRequest};
use vigie_store::Store;

use crate::config::Settings;
use crate::database::{Access, open};

/// Largest file read as a kept checkpoint or a public key, in bytes.
const MAX_CHECKPOINT_FILE_BYTES: u64 = vigie_domain::audit::checkpoint::MAX_CHECKPOINT_BYTES as u64;

#[derive(Subcommand, Debug)]
pub enum OrgCommand {
    /// Create an organisation.
    Create {
        /// Its unique name.
        name: String,
        /// platform, referral_unit, trusted_flagger, ngo or isp.
        #[arg(long)]
        kind: String,
        /// ISO 3166-1 alpha-2 country code (EU for EU bodies).
        #[arg(long)]
        country: String,
        /// Contact point for orders and notices.
        #[arg(long, default_value = "")]
        contact_email: String,
        /// Its short name, typed in place of its id (lower-case letters, digits, `-`; default:
        /// the name's, accents folded, with a numeric suffix if taken).
        #[arg(long)]
        slug: Option<String>,
    },
    /// List organisations: a header line, then one tab-separated line each (id, slug, name,
    /// kind, country, contact email).
    List,
    /// Change an organisation's slug (commands and requests naming the old one stop finding it).
    SetSlug {
        /// The organisation: id, slug or name.
        org: String,
        /// The new slug.
        slug: String,
    },
    /// Set a platform's own deadline for referrals, in minutes (default: the instance's
    /// `intake.referral_hours`); `--clear` returns to the default.
    ReferralWindow {
        /// The platform: id, slug or name.
        name: String,
        /// Minutes from receipt, 1 to 525600.
        #[arg(required_unless_present = "clear")]
        minutes: Option<i32>,
        /// Use the instance default again.
        #[arg(long, conflicts_with = "minutes")]
        clear: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user. Prints the generated password alone on stdout, unless --password-stdin.
    Create {
        /// Login email.
        email: String,
        /// Its organisation: id, slug or name.
        #[arg(long)]
        org: String,
        /// A role (repeat for several): admin, senior_reviewer, reviewer, referrer, auditor, viewer.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Display name.
        #[arg(long, default_value = "")]
        name: String,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users of an organisation (or all): a header line, then one tab-separated line each
    /// (id, email, organisation, roles, state).
    List {
        /// The organisation (id, slug or name); all when absent.
        #[arg(long)]
        org: Option<String>,
    },
    /// Set a user's password, read from standard input, or generated and printed when empty.
    SetPassword {
        /// Login email.
        email: String,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create an API token and print it alone on stdout (it is not shown again).
    Create {
        /// The organisation it acts for: id, slug or name.
        #[arg(long)]
        org: String,
        /// A role it grants (repeat for several).
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Lifetime such as 90d, 12h, 30m, or never.
        #[arg(long, default_value = "90d")]
        expires: String,
        /// What it is for.
        #[arg(long, default_value = "created with vigie token create")]
        name: String,
    },
    /// List tokens of an organisation (or all): a header line, then one tab-separated line each
    /// (id, organisation, name, roles, expiry, state).
    List {
        /// The organisation (id, slug or name); all when absent.
        #[arg(long)]
        org: Option<String>,
    },
    /// Revoke a token by id.
    Revoke {
        /// The token's id (from `vigie token list`).
        id: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Re-compute the whole hash chain and check the stored checkpoints against it, and the
    /// kept ones given; exits 2 naming the first problem if anything does not verify.
    Verify {
        /// A checkpoint kept outside the database (from `vigie audit checkpoint --out`); repeat
        /// for several. Fails if the trail was rewritten or truncated since it was signed.
        #[arg(long = "checkpoint", value_name = "FILE")]
        checkpoints: Vec<PathBuf>,
        /// Trust this public key (`name+id+base64`, or a file holding such lines) instead of
        /// the signing key file's; repeat for several.
        #[arg(long = "public-key", value_name = "KEY|FILE")]
        public_keys: Vec<String>,
    },
    /// Print recent events, newest first: a header line, then one tab-separated line each
    /// (sequence, time, actor, action, subject, details as JSON).
    List {
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Write the events after sequence SEQ, oldest first, one JSON object per line, with
    /// every field the hash chain covers: anyone can re-verify them with the chain rule (README,
    /// "The audit trail"), starting from the previous event's hash (the genesis, 64 zeros, for
    /// --since 0).
    Export {
        /// Export the events after this sequence number (0: from the start).
        #[arg(long, value_name = "SEQ", default_value_t = 0)]
        since: i64,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Sign a checkpoint of the chain's head now (after verifying the chain since the last
    /// one) and print it, or write it to --out: keep it outside Vigie's machines.
    Checkpoint {
        /// Write the checkpoint to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// List stored checkpoints, latest first: a header line, then one tab-separated line each
    /// (sequence, time, key, head hash).
    Checkpoints {
        /// How many.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Print the public key that verifies this instance's checkpoints (creating the signing
    /// key if there is none yet), to publish or give to auditors.
    PublicKey,
}

/// The organisation a flag names (id, slug or name), through the resolver the API uses.
async fn organisation_named(store: &Store, flag: &str, text: &str) -> anyhow::Result<Organisation> {
    Ok(app::resolve_organisation(store, flag, text).await?)
}

/// Every organisation's name by id, for lists that would otherwise show ids.
async fn organisation_names(store: &Store) -> anyhow::Result<HashMap<OrganisationId, String>> {
    Ok(store.list_organisations().await?.into_iter().map(|organisation| (organisation.id, organisation.name)).collect())
}

/// An organisation's name, or its id if it has none here (deleted since).
fn organisation_name(names: &HashMap<OrganisationId, String>, id: OrganisationId) -> String {
    names.get(&id).cloned().unwrap_or_else(|| id.to_string())
}

fn read_password_from_stdin() -> anyhow::Result<String> {
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password).context("reading the password from standard input")?;
    Ok(password.trim_end_matches(['\r', '\n']).to_owned())
}

pub async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    open(settings, Access::Create).await?;
    eprintln!("database {} is up to date", settings.database_url);
    Ok(())
}

pub async fn org(settings: &Settings, command: OrgCommand) -> anyhow::Result<()> {
    let access = if matches!(command, OrgCommand::Create { .. }) { Access::Create } else { Access::Existing };
    let store = open(settings, access).await?;
    match command {
        OrgCommand::Create { name, kind, country, contact_email, slug } => {
            let draft = OrganisationDraft {
                name: &name,
                slug: slug.as_deref(),
                kind: &kind,
                country: &country,
                contact_email: &contact_email,
            };
            let organisation = draft.validate()?;
            let created =
                store.insert_organisation(&organisation, false, Actor::Cli).await.map_err(|error| match error {
                    vigie_store::StoreError::Conflict { constraint } if constraint == "organisations_slug_key" => {
                        anyhow!("--slug: another organisation has this slug")
                    }
                    vigie_store::StoreError::Conflict { .. } => {
                        anyhow!("an organisation named {name:?} already exists")
                    }
                    other => other.into(),
                })?;
            eprintln!(
                "created organisation {:?} ({}, {}), slug {}",
                created.name,
                created.kind.as_str(),
                created.country.as_str(),
                created.slug
            );
            println!("{}", created.id);
        }
        OrgCommand::List => {
            println!("id\tslug\tname\tkind\tcountry\tcontact_email");
            for organisation in store.list_organisations().await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    organisation.id,
                    organisation.slug,
                    organisation.name,
                    organisation.kind.as_str(),
                    organisation.country.as_str(),
                    organisation.contact_email.as_ref().map_or("-", |email| email.as_str()),
                );
            }
        }
        OrgCommand::SetSlug { org, slug } => {
            let organisation = organisation_named(&store, "org", &org).await?;
            let slug = Slug::parse(&slug).map_err(|message| anyhow!("slug {message}"))?;
            let details = NewOrganisation {
                name: organisation.name.clone(),
                slug: Some(slug.clone()),
                kind: organisation.kind,
                country: organisation.country,
                contact_email: organisation.contact_email.clone(),
            };
            store.update_organisation(organisation.id, &details, Actor::Cli).await.map_err(|error| match error {
                vigie_store::StoreError::Conflict { .. } => anyhow!("slug: another organisation has {slug}"),
                other => other.into(),
            })?;
            eprintln!("{:?} is now {slug} (was {})", organisation.name, organisation.slug);
        }
        OrgCommand::ReferralWindow { name, minutes, clear } => {
            let organisation = organisation_named(&store, "name", &name).await?;
            if organisation.kind != vigie_domain::organisation::OrganisationKind::Platform && !organisation.is_operator
            {
                anyhow::bail!("{name} is not a platform: only platforms receive referrals");
            }
            let minutes = if clear { None } else { minutes };
            if let Some(minutes) = minutes
                && !(1..=525_600).contains(&minutes)
            {
                anyhow::bail!("the referral window must be between 1 minute and 525600 minutes (a year)");
            }
            store.set_referral_window(organisation.id, minutes, vigie_domain::access::Actor::Cli).await?;
            match minutes {
                Some(minutes) => eprintln!("referrals to {name} are now due {minutes} minutes after receipt"),
                None => eprintln!("referrals to {name} now use the instance default"),
            }
        }
    }
    Ok(())
}

pub async fn user(settings: &Settings, command: UserCommand) -> anyhow::Result<()> {
    let access = if matches!(command, UserCommand::Create { .. }) { Access::Create } else { Access::Existing };
    let store = open(settings, access).await?;
    match command {
        UserCommand::Create { email, org, roles, name, password_stdin } => {
            let organisation = organisation_named(&store, "--org", &org).await?;
            let draft =
                UserDraft { organisation_id: organisation.id, email: &email, display_name: &name, roles: &roles };
            let user = draft.validate()?;
            let password = if password_stdin {
                InitialPassword::Given(read_password_from_stdin()?)
            } else {
                InitialPassword::Generate
            };
            let created = app::create_user(&store, Actor::Cli, &user, password).await.map_err(|error| match error {
                app::AppError::Store(vigie_store::StoreError::Conflict { .. }) => {
                    anyhow!("a user with email {} already exists", user.email.as_str())
                }
                other => other.into(),
            })?;
            eprintln!("created user {} in {:?}", created.user.email.as_str(), organisation.name);
            if let Some(password) = created.generated_password {
                eprintln!("initial password (shown once) on stdout:");
                println!("{password}");
            }
        }
        UserCommand::List { org } => {
            let scope = match org {
                Some(name) => Some(organisation_named(&store, "--org", &name).await?.id),
                None => None,
            };
            let names = organisation_names(&store).await?;
            println!("id\temail\torganisation\troles\tstate");
            for user in store.list_users(scope).await? {
                let roles: Vec<_> = user.roles.iter().map(|role| role.as_str()).collect();
                let state = if user.disabled_at.is_some() { "disabled" } else { "active" };
                println!(
                    "{}\t{}\t{}\t{}\t{state}",
                    user.id,
                    user.email.as_str(),
                    organisation_name(&names, user.organisation_id),
                    roles.join(",")
                );
            }
        }
        UserCommand::SetPassword { email, password_stdin } => {
            let email = vigie_domain::validate::Email::parse(&email).map_err(|message| anyhow!("email {message}"))?;
            let credentials =
                store.find_credentials(&email).await?.ok_or_else(|| anyhow!("no user has email {}", email.as_str()))?;
            let given = if password_stdin { Some(read_password_from_stdin()?) } else { None };
            let password = given.clone().unwrap_or_else(vigie_server::auth::generate_password);
            app::set_password(&store, Actor::Cli, credentials.user.id, password.clone()).await?;
            eprintln!("password of {} changed; their sessions were ended", email.as_str());
            if given.is_none() {
                println!("{password}");
            }
        }
    }
    Ok(())
}

pub async fn token(settings: &Settings, command: TokenCommand) -> anyhow::Result<()> {
    let access = if matches!(command, TokenCommand::Create { .. }) { Access::Create } else { Access::Existing };
    let store = open(settings, access).await?;
    match command {
        TokenCommand::Create { org, roles, expires, name } => {
            let organisation = organisation_named(&store, "--org", &org).await?;
            let lifetime =
                vigie_domain::token::parse_lifetime(&expires).map_err(|message| anyhow!("--expires {message}"))?;
            let expires_at = lifetime.map(|lifetime| store.now() + lifetime);
            let request = TokenRequest { organisation_id: organisation.id, name: &name, roles: &roles, expires_at };
            let (token, secret) = app::create_token(&store, Actor::Cli, request).await?;
            eprintln!(
                "created token {} for {:?} (expires {})",
                token.id,
                organisation.name,
                token.expires_at.map_or("never".to_owned(), |at| at.to_rfc3339())
            );
            println!("{}", secret.expose());
        }
        TokenCommand::List { org } => {
            let scope = match org {
                Some(name) => Some(organisation_named(&store, "--org", &name).await?.id),
                None => None,
            };
            let now = store.now();
            let names = organisation_names(&store).await?;
            println!("id\torganisation\tname\troles\texpires\tstate");
            for token in store.list_tokens(scope).await? {
                let roles: Vec<_> = token.roles.iter().map(|role| role.as_str()).collect();
                let state = match token.check_usable(now) {
                    Ok(()) => "active",
                    Err(vigie_domain::token::TokenRejection::Expired) => "expired",
                    Err(vigie_domain::token::TokenRejection::Revoked) => "revoked",
                };
                let expires = token.expires_at.map_or_else(|| "never".to_owned(), |at| at.to_rfc3339());
                println!(
                    "{}\t{}\t{}\t{}\t{expires}\t{state}",
                    token.id,
                    organisation_name(&names, token.organisation_id),
                    token.name,
                    roles.join(",")
                );
            }
        }
        TokenCommand::Revoke { id } => {
            let id: TokenId = id.parse().map_err(|_| anyhow!("{id:?} is not a token id (see `vigie token list`)"))?;
            let token = store.revoke_token(id, Actor::Cli).await.map_err(|error| match error {
                vigie_store::StoreError::NotFound => anyhow!("no token has id {id}"),
                other => other.into(),
            })?;
            eprintln!(
                "token {} revoked at {}",
                token.id,
                token.revoked_at.map(|at| at.to_rfc3339()).unwrap_or_default()
            );
        }
    }
    Ok(())
}

/// Reads a small text file, refusing one over `limit` bytes.
fn read_small_file(path: &Path, limit: u64, what: &str) -> anyhow::Result<String> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {what} {}", path.display()))?;
    let mut text = String::new();
    file.take(limit + 1)
        .read_to_string(&mut text)
        .with_context(|| format!("cannot read {what} {} as text", path.display()))?;
    if text.len() as u64 > limit {
        bail!("{what} {} is larger than {limit} bytes", path.display());
    }
    Ok(text)
}

/// The keys to verify checkpoints with: `--public-key` values if given, else the signing key
/// file's public key (not created if absent); plus `audit.trusted_keys`.
fn verifying_keys(
    settings: &Settings,
    public_keys: &[String],
) -> anyhow::Result<vigie_domain::audit::checkpoint::TrustedKeys> {
    let mut trusted = settings.audit.trusted_keys.clone();
    if public_keys.is_empty() {
        let key = vigie_server::audit::read_key_file(&settings.audit.key_file)
            .context("give the public key with --public-key instead")?;
        if let Some(key) = key {
            trusted.add(&key.verifier_key())?;
        }
        return Ok(trusted);
    }
    for given in public_keys {
        let path = Path::new(given);
        if path.is_file() {
            let text = read_small_file(path, MAX_CHECKPOINT_FILE_BYTES, "the public key file")?;
            for (number, line) in text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()) {
                trusted.add(line).with_context(|| format!("{}:{}", path.display(), number + 1))?;
            }
        } else {
            trusted.add(given).context("--public-key (neither a public key nor a file)")?;
        }
    }
    Ok(trusted)
}

fn audit_keys(settings: &Settings) -> anyhow::Result<vigie_server::audit::AuditKeys> {
    let (key, created) =
        vigie_server::audit::load_or_create_key_file(&settings.audit.key_file, settings.audit.origin.as_deref())?;
    if created {
        eprintln!(
            "created the audit signing key {} ({}); keep it safe and out of database backups",
            settings.audit.key_file.display(),
            key.label()
        );
    }
    Ok(vigie_server::audit::AuditKeys::new(Some(key), settings.audit.trusted_keys.clone()))
}

pub async fn audit(settings: &Settings, command: AuditCommand) -> anyhow::Result<()> {
    if let AuditCommand::PublicKey = command {
        // The key lives beside the database, not in it.
        let keys = audit_keys(settings)?;
        if let Some(key) = keys.signer() {
            println!("{}", key.verifier_key());
        }
        return Ok(());
    }
    let store = open(settings, Access::Existing).await?;
    match command {
        AuditCommand::Verify { checkpoints, public_keys } => {
            let trusted = verifying_keys(settings, &public_keys)?;
            let mut kept = Vec::with_capacity(checkpoints.len());
            for path in &checkpoints {
                let note = read_small_file(path, MAX_CHECKPOINT_FILE_BYTES, "the checkpoint")?;
                kept.push(vigie_server::audit::KeptCheckpoint { source: path.display().to_string(), note });
            }
            let report = vigie_server::audit::verify(&store, &trusted, &kept).await?;
            if report.signatures_unchecked && report.stored_total > 0 {
                eprintln!(
                    "warning: no public key at hand ({} absent): stored checkpoints were compared with the chain, \
                     their signatures not checked; give --public-key",
                    settings.audit.key_file.display()
                );
            }
            if !report.intact() {
                for problem in &report.problems {
                    eprintln!("problem: {}", problem.message);
                }
                if report.problems_omitted > 0 {
                    eprintln!("problem: and {} more", report.problems_omitted);
                }
                let first = report.problems.first().map_or_else(String::new, |problem| problem.message.clone());
                bail!("the audit trail does not verify: {first}");
            }
            println!(
                "audit chain intact: {} events, head {} {}",
                report.chain.events_checked, report.chain.head_sequence, report.chain.head_hash
            );
            println!("stored checkpoints: {} of {} hold", report.stored_held, report.stored_total);
            for held in &report.kept_held {
                println!(
                    "checkpoint {} holds: event {} ({}), signed {} by {}",
                    held.source,
                    held.checkpoint.sequence,
                    held.checkpoint.head_hash,
                    held.checkpoint.signed_at.to_rfc3339(),
                    held.key
                );
            }
        }
        AuditCommand::Checkpoint { out } => {
            let keys = audit_keys(settings)?;
            let stored =
                vigie_server::audit::make_checkpoint(&store, &keys, vigie_server::audit::CheckpointMode::Always)
                    .await?
                    .context("the checkpoint was not stored")?;
            match out {
                Some(path) => {
                    let mut file =
                        std::fs::File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
                    file.write_all(stored.note.as_bytes())
                        .and_then(|()| file.sync_all())
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!("checkpoint of event {} written to {}", stored.sequence, path.display());
                }
                None => print!("{}", stored.note),
            }
        }
        AuditCommand::Checkpoints { limit } => {
            println!("sequence\tsigned_at\tkeys\thead_hash");
            for row in store.list_audit_checkpoints(None, limit).await? {
                match row {
                    Ok(stored) => match vigie_domain::audit::checkpoint::read_unverified(&stored.note) {
                        Ok((checkpoint, signers)) => println!(
                            "{}\t{}\t{}\t{}",
                            checkpoint.sequence,
                            checkpoint.signed_at.to_rfc3339(),
                            signers.join(","),
                            checkpoint.head_hash
                        ),
                        Err(error) => println!("{}\t-\t-\t({error})", stored.sequence),
                    },
                    Err(bad) => println!(
                        "{}\t-\t-\t(unreadable: {})",
                        bad.sequence.map_or_else(|| "?".to_owned(), |sequence| sequence.to_string()),
                        bad.problem
                    ),
                }
            }
        }
        AuditCommand::PublicKey => unreachable!("answered before opening the database"),
        AuditCommand::Export { since, out } => export_audit(&store, since, out.as_deref()).await?,
        AuditCommand::List { limit } => {
            let page = store.list_audit_events(None, None, limit).await?;
            for bad in &page.unreadable {
                eprintln!("event {} cannot be read: {} (see `vigie audit verify`)", bad.sequence, bad.problem);
            }
            println!("sequence\trecorded_at\tactor\taction\tsubject\tdetails");
            for event in page.events {
                println!(
                    "{}\t{}\t{}\t{}\t{} {}\t{}",
                    event.sequence,
                    event.recorded_at.to_rfc3339(),
                    event.record.actor.kind(),
                    event.record.action,
                    event.record.subject_type,
                    event.record.subject_id,
                    event.record.details
                );
            }
        }
    }
    Ok(())
}

/// `vigie audit export`: the events after `since`, a page at a time, as JSON lines. Stops
/// with an error at a row that cannot be read (`vigie audit verify` names the problem).
async fn export_audit(store: &Store, since: i64, out: Option<&std::path::Path>) -> anyhow::Result<()> {
    use std::io::Write;
    anyhow::ensure!(since >= 0, "--since must be 0 or a sequence number");
    let mut writer: Box<dyn Write> = match out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut after = since;
    let mut written = 0_u64;
    loop {
        let page = store.audit_events_after(after, 1_000).await?;
        if page.is_empty() {
            break;
        }
        for row in page {
            let event = row.map_err(|bad| {
                anyhow::anyhow!("event {} cannot be read: {} (see `vigie audit verify`)", bad.sequence, bad.problem)
            })?;
            let line = serde_json::json!({
                "sequence": event.sequence,
                "recorded_at": event.recorded_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                "actor_kind": event.record.actor.kind(),
                "actor_id": event.record.actor.id().map(|id| id.to_string()).unwrap_or_default(),
                "organisation_id": event.record.organisation_id.map(|id| id.to_string()).unwrap_or_default(),
                "action": event.record.action,
                "subject_type": event.record.subject_type,
                "subject_id": event.record.subject_id,
                "details": event.record.details,
                "previous_hash": event.previous_hash,
                "hash": event.hash,
            });
            writeln!(writer, "{line}")?;
            after = event.sequence;
            written += 1;
        }
    }
    writer.flush()?;
    eprintln!("{written} events after sequence {since}");
    Ok(())
}
