//! `vigie bank ...` and `vigie match`: hash banks from the command line.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use vigie_domain::access::{Actor, Principal, Role, RoleSet};
use vigie_domain::bank::{Bank, BankDraft, BankVisibility, MAX_ORIGIN_CHARS, SignalType};
use vigie_domain::ids::OrganisationId;
use vigie_domain::import::{CSV_COLUMNS, ImportFormat, LIST_SEPARATOR, csv_cell, parse_signals};
use vigie_domain::validate::optional_text;
use vigie_server::app;
use vigie_server::matching::{MatchEngine, Query};
use vigie_store::Store;

use crate::config::Settings;
use crate::database::{Access, open};

#[derive(Subcommand, Debug)]
pub enum BankCommand {
    /// Create a bank.
    Create {
        /// Unique name (letters, digits, `-`, `_`, `.`).
        name: String,
        /// Signal type: pdq, vpdq, md5, sha256 or url.
        #[arg(long = "type", default_value = "pdq")]
        signal_type: String,
        /// Owning organisation: id, slug or name (default: the operator).
        #[arg(long)]
        org: Option<String>,
        /// Largest distance counted as a match (default 31 for PDQ).
        #[arg(long)]
        threshold: Option<u32>,
        /// Minimum PDQ quality before a warning (default 50).
        #[arg(long)]
        min_quality: Option<u32>,
        /// Allow automatic action on matches.
        #[arg(long)]
        auto_action: bool,
        /// What the bank holds.
        #[arg(long, default_value = "")]
        description: String,
        /// Who beyond its organisation may learn of it: private (no one), match (others learn
        /// that and where a query matched: bank name, labels, distance) or shared (others may
        /// also read and export its signals).
        #[arg(long, default_value = "private")]
        visibility: String,
    },
    /// Change who beyond its organisation may learn of a bank (audited; a running server
    /// applies it within about a second).
    SetVisibility {
        /// The bank.
        name: String,
        /// private, match or shared.
        visibility: String,
    },
    /// List banks: a header line, then one tab-separated line each (id, name, type, owner,
    /// signals, threshold, state, visibility).
    List,
    /// Import signals from FILE (or `-` for standard input): one value per line, CSV (a header
    /// naming value, quality, labels, source, external_id, enabled, as `export --format csv`
    /// writes it; or `value,quality,label...` rows), or `signal_type value` lines
    /// (python-threatexchange, HMA).
    /// Into a vpdq bank, FILE is one video's hash (`vigie hash --format vpdq` output), recorded
    /// with the file's name as its external id.
    /// All or nothing: any bad line is reported with its number and nothing is imported,
    /// unless --skip-invalid.
    Import {
        /// The bank.
        name: String,
        /// The file.
        file: String,
        /// auto, lines, csv or hma.
        #[arg(long, default_value = "auto")]
        format: String,
        /// Import the valid lines even if some are invalid.
        #[arg(long)]
        skip_invalid: bool,
        /// Provenance recorded on every signal.
        #[arg(long)]
        source: Option<String>,
    },
    /// Add images to a PDQ bank by file: each is decoded and hashed with PDQ (as the
    /// reference does) and its hash stored as a signal, with the file's name as its external id.
    /// Prints one JSON line per file: `{"file", "signal_id", "pdq", "quality", "added"}`
    /// (`added` false when the bank already held that hash). All or nothing: a file that cannot
    /// be read or decoded is reported and nothing is added.
    Add {
        /// The bank (of type pdq).
        name: String,
        /// Image files (JPEG, PNG, GIF, WebP, BMP, TIFF).
        #[arg(required = true)]
        files: Vec<String>,
        /// A label for every signal (repeat for several), such as content:propaganda_image.
        #[arg(long = "label")]
        labels: Vec<String>,
        /// Provenance recorded on every signal.
        #[arg(long)]
        source: Option<String>,
    },
    /// Print a bank's signals: one enabled value per line, or a full backup as CSV (every
    /// signal, disabled ones too, with the columns value, quality, labels, source, external_id,
    /// enabled; labels space-separated in one cell), which `vigie bank import` reads back.
    Export {
        /// The bank.
        name: String,
        /// lines or csv.
        #[arg(long, default_value = "lines")]
        format: String,
        /// With `lines`: disabled signals too (CSV always has them, with their state).
        #[arg(long)]
        all: bool,
    },
    /// Disable (or with --enable, re-enable) one signal by id.
    DisableSignal {
        /// The signal's id.
        id: i64,
        /// Enable it instead.
        #[arg(long)]
        enable: bool,
    },
}

/// `vigie match`.
#[derive(Args, Debug)]
pub struct MatchArgs {
    /// Only this bank (repeat for several; default: every enabled bank).
    #[arg(long = "bank")]
    banks: Vec<String>,
    /// Answer as this organisation's (id, slug or name) reviewers would be answered (banks they may not see are
    /// not searched; `match` banks show no value or id). Default: everything, as the operator's
    /// admins see it.
    #[arg(long = "as-org")]
    as_org: Option<String>,
    /// Match images by their own PDQ hash only. By default an image is also looked up through
    /// its rotations and flips, with its uniform borders trimmed, and by the main picture inside
    /// a frame (a screenshot of a post), and each match says `via` which.
    #[arg(long)]
    exact_only: bool,
    /// Videos: also look the video up with each frame's uniform borders trimmed (letterbox,
    /// pillarbox, padding), to find a copy with bars added (hashes the video twice).
    #[arg(long)]
    trim_borders: bool,
    /// Image or video files (videos need ffmpeg), PDQ/MD5/SHA-256 hashes in hex, or URLs.
    #[arg(required = true)]
    queries: Vec<String>,
}

async fn bank_named(store: &Store, name: &str) -> anyhow::Result<Bank> {
    store.find_bank_by_name(name).await?.ok_or_else(|| anyhow!("no bank is named {name:?} (see `vigie bank list`)"))
}

fn progress_bar(total: u64, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() || total < 10_000 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    let style = ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} ({per_sec}, {eta} left)")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(what.to_owned());
    bar
}

pub async fn bank(settings: &Settings, command: BankCommand) -> anyhow::Result<ExitCode> {
    let access = if matches!(command, BankCommand::Create { .. }) { Access::Create } else { Access::Existing };
    let store = open(settings, access).await?;
    match command {
        BankCommand::Create {
            name,
            signal_type,
            org,
            threshold,
            min_quality,
            auto_action,
            description,
            visibility,
        } => {
            let owner = match org {
                Some(org) => vigie_server::app::resolve_organisation(&store, "--org", &org).await?,
                // `open` made sure it exists.
                None => store
                    .find_operator_organisation()
                    .await?
                    .ok_or_else(|| anyhow!("the operator organisation is missing from the database"))?,
            };
            let draft = BankDraft {
                organisation_id: owner.id,
                name: &name,
                description: &description,
                signal_type: &signal_type,
                match_threshold: threshold,
                min_quality,
                auto_action: Some(auto_action),
                visibility: Some(&visibility),
            };
            let bank = store.insert_bank(&draft.validate()?, Actor::Cli).await.map_err(|error| match error {
                vigie_store::StoreError::Conflict { .. } => anyhow!("a bank named {name:?} already exists"),
                other => other.into(),
            })?;
            eprintln!(
                "created {} bank {:?} owned by {:?} (threshold {}, auto-action {}, visibility {})",
                bank.signal_type, bank.name, owner.name, bank.match_threshold, bank.auto_action, bank.visibility
            );
            println!("{}", bank.id);
        }
        BankCommand::SetVisibility { name, visibility } => {
            let bank = bank_named(&store, &name).await?;
            let visibility = BankVisibility::parse(&visibility).map_err(|message| anyhow!("visibility {message}"))?;
            let change = vigie_store::BankChange { visibility: Some(visibility), ..Default::default() };
            let bank = store.update_bank(bank.id, &change, Actor::Cli).await?;
            eprintln!("bank {:?} is now {}", bank.name, bank.visibility);
        }
        BankCommand::List => {
            let owners: std::collections::HashMap<_, _> = store
                .list_organisations()
                .await?
                .into_iter()
                .map(|organisation| (organisation.id, organisation.name))
                .collect();
            println!("id\tname\ttype\towner\tsignals\tthreshold\tstate\tvisibility");
            for (bank, _) in store.list_banks().await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    bank.id,
                    bank.name,
                    bank.signal_type,
                    owners.get(&bank.organisation_id).cloned().unwrap_or_else(|| bank.organisation_id.to_string()),
                    bank.signal_count,
                    bank.match_threshold,
                    if bank.enabled { "enabled" } else { "disabled" },
                    bank.visibility
                );
            }
        }
        BankCommand::Add { name, files, labels, source } => add_images(&store, &name, &files, &labels, source).await?,
        BankCommand::Import { name, file, format, skip_invalid, source } => {
            let bank = bank_named(&store, &name).await?;
            let format = ImportFormat::parse(&format).map_err(|message| anyhow!("--format {message}"))?;
            let source =
                optional_text(source.as_deref(), MAX_ORIGIN_CHARS).map_err(|message| anyhow!("--source {message}"))?;
            let text = read_input(&file)?;
            let signal_type = bank.signal_type;
            let mut parsed = tokio::task::spawn_blocking(move || parse_signals(&text, signal_type, format)).await?;
            if signal_type == SignalType::Vpdq {
                // The file's name stands for the video's id at its source, when it makes one.
                let stem = Path::new(&file).file_stem().map(|stem| stem.to_string_lossy().into_owned());
                let stem = optional_text(stem.as_deref(), MAX_ORIGIN_CHARS).ok().flatten();
                for signal in &mut parsed.signals {
                    signal.external_id = stem.clone();
                }
            }
            for issue in parsed.issues.iter().take(1000) {
                eprintln!("{file}:{}: {}", issue.line, issue.message);
            }
            if parsed.issues.len() > 1000 {
                eprintln!("... and {} more bad lines", parsed.issues.len() - 1000);
            }
            if !parsed.issues.is_empty() && !skip_invalid {
                bail!(
                    "{} bad line(s) in {file}: nothing imported (fix them, or pass --skip-invalid to import the {} valid ones)",
                    parsed.issues.len(),
                    parsed.signals.len()
                );
            }
            let bar = progress_bar(parsed.signals.len() as u64, "importing");
            let issues = parsed.issues.len();
            let import = app::SignalImport {
                bank: &bank,
                parsed,
                skip_invalid,
                source: source.as_deref(),
                actor: Actor::Cli,
                origin: "cli",
            };
            let report = app::import_signals(&store, import, &mut |done| bar.inc(done as u64)).await?;
            bar.finish_and_clear();
            eprintln!(
                "imported into {:?}: {} added, {} already present, {} duplicate lines merged, {} bad lines skipped",
                bank.name, report.added, report.already_present, report.duplicates_merged, issues
            );
        }
        BankCommand::Export { name, format, all } => {
            let bank = bank_named(&store, &name).await?;
            let csv = match format.as_str() {
                "lines" => false,
                "csv" => true,
                _ => bail!("--format must be lines or csv"),
            };
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            if csv {
                writeln!(out, "{}", CSV_COLUMNS.join(","))?;
            }
            let mut after = 0;
            loop {
                let page = store.list_signals(bank.id, after, 10_000).await?;
                let Some(last) = page.last() else { break };
                after = last.id;
                for signal in page.iter().filter(|signal| csv || all || signal.enabled) {
                    if csv {
                        write_csv_row(&mut out, signal)?;
                    } else {
                        writeln!(out, "{}", signal.value)?;
                    }
                }
            }
            out.flush()?;
        }
        BankCommand::DisableSignal { id, enable } => {
            let signal = store.set_signal_enabled(id, enable, Actor::Cli).await.map_err(|error| match error {
                vigie_store::StoreError::NotFound => anyhow!("no signal has id {id}"),
                other => other.into(),
            })?;
            eprintln!("signal {} {}", signal.id, if signal.enabled { "enabled" } else { "disabled" });
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One signal as a row under [`CSV_COLUMNS`]: a rectangular file, one cell per column, the
/// labels in one cell separated by [`LIST_SEPARATOR`].
fn write_csv_row(out: &mut impl Write, signal: &vigie_store::Signal) -> std::io::Result<()> {
    let labels: Vec<&str> = signal.labels.split(',').filter(|label| !label.is_empty()).collect();
    let labels = labels.join(&LIST_SEPARATOR.to_string());
    writeln!(
        out,
        "{},{},{},{},{},{}",
        csv_cell(&signal.value),
        signal.quality.map(|quality| quality.to_string()).unwrap_or_default(),
        csv_cell(&labels),
        csv_cell(signal.source.as_deref().unwrap_or_default()),
        csv_cell(signal.external_id.as_deref().unwrap_or_default()),
        signal.enabled
    )
}

fn read_input(file: &str) -> anyhow::Result<String> {
    let mut text = String::new();
    if file == "-" {
        std::io::stdin().read_to_string(&mut text).context("reading standard input")?;
    } else {
        text = std::fs::read_to_string(file).with_context(|| format!("cannot read {file}"))?;
    }
    Ok(text)
}

fn is_video(path: &Path) -> bool {
    let mut head = [0_u8; 64];
    let read = std::fs::File::open(path).and_then(|mut file| file.read(&mut head)).unwrap_or(0);
    vigie_video::detect_video(&head[..read]).is_some() || vigie_video::has_video_extension(path)
}

/// The queries one command-line argument stands for.
fn queries_of(argument: &str, exact_only: bool, trim_borders: bool) -> anyhow::Result<Vec<Query>> {
    let hex_bytes = |text: &str| hex::decode(text).ok();
    if Path::new(argument).exists() && is_video(Path::new(argument)) {
        let ffmpeg = vigie_video::Ffmpeg::locate().map_err(|error| anyhow!("{error}"))?;
        // With --trim-borders the video is looked up both as it is and with its bars trimmed:
        // trimming alone loses videos that have bars of their own (bench/robust).
        let mut queries = Vec::new();
        for trim in std::iter::once(false).chain(trim_borders.then_some(true)) {
            let options = vigie_video::HashOptions { trim_borders: trim, ..vigie_video::HashOptions::default() };
            let video =
                vigie_video::hash_video(Path::new(argument), &ffmpeg, &options).map_err(|error| anyhow!("{error}"))?;
            let frames = video.frames.iter().map(|frame| (frame.quality, *frame.pdq.as_bytes())).collect();
            queries.push(Query::Vpdq(frames));
        }
        return Ok(queries);
    }
    if Path::new(argument).exists() {
        let bytes = std::fs::read(argument).with_context(|| format!("cannot read {argument}"))?;
        let hashes = vigie_hash::robust::hash_image_bytes_robust(&bytes, &vigie_hash::Limits::default())
            .map_err(|error| anyhow!("{error}"))?;
        let mut queries = vec![Query::pdq_robust(&hashes, exact_only)];
        if let Some(Ok(digest)) = hex_bytes(&vigie_hash::md5_hex(&bytes)).map(<[u8; 16]>::try_from) {
            queries.push(Query::Md5(digest));
        }
        if let Some(Ok(digest)) = hex_bytes(&vigie_hash::sha256_hex(&bytes)).map(<[u8; 32]>::try_from) {
            queries.push(Query::Sha256(digest));
        }
        return Ok(queries);
    }
    if argument.contains("://") {
        let url = vigie_domain::bank::canonical_value(SignalType::Url, argument).map_err(anyhow::Error::msg)?;
        return Ok(vec![Query::Url(url)]);
    }
    match (argument.len(), hex_bytes(argument)) {
        (64, Some(bytes)) => {
            let array: [u8; 32] = bytes.try_into().map_err(|_| anyhow!("bad hash"))?;
            Ok(vec![Query::pdq(array, None), Query::Sha256(array)])
        }
        (32, Some(bytes)) => Ok(vec![Query::Md5(bytes.try_into().map_err(|_| anyhow!("bad hash"))?)]),
        // Most often a mistyped path: said first, with what else a query may be.
        _ => bail!(
            "{argument}: no such file (a query is an image or video file, a PDQ/MD5/SHA-256 hash in hex, or a URL)"
        ),
    }
}

/// Whom `vigie match` answers as: the named organisation's reviewers, or by default the
/// operator's admins (who see every bank: the command line has the whole database anyway).
async fn match_asker(store: &Store, as_org: Option<&str>) -> anyhow::Result<Principal> {
    if let Some(name) = as_org {
        let organisation = vigie_server::app::resolve_organisation(store, "--as-org", name).await?;
        return Ok(Principal::reviewer_of(organisation.id, organisation.is_operator));
    }
    // Before the first start there is no operator yet: a fresh id, which no bank names, will
    // do, since an instance admin's view does not depend on its organisation.
    let operator = store.find_operator_organisation().await?.map_or_else(OrganisationId::new_v7, |found| found.id);
    Ok(Principal {
        actor: Actor::Cli,
        organisation_id: operator,
        organisation_is_operator: true,
        roles: RoleSet::of(&[Role::Admin]),
    })
}

/// One line of `vigie match`: fields in the order a reader looks for them (a JSON object
/// built with `json!` would sort them, putting the matches before the query they answer).
#[derive(Serialize)]
struct MatchLine<'a> {
    query: &'a str,
    matches: Vec<MatchFound>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
}

/// A query `vigie match` could not run.
#[derive(Serialize)]
struct QueryFailed<'a> {
    query: &'a str,
    error: String,
}

/// One match; the signal's id and value only where the asker may read the bank.
#[derive(Serialize)]
struct MatchFound {
    bank: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    signal_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signal: Option<String>,
    distance: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    via: Option<String>,
    labels: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    query_matched_percent: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    candidate_matched_percent: Option<f64>,
}

pub async fn run_match(settings: &Settings, args: MatchArgs) -> anyhow::Result<ExitCode> {
    let store = open(settings, Access::Existing).await?;
    let asker = match_asker(&store, args.as_org.as_deref()).await?;
    let engine = MatchEngine::load(store.clone()).await?;
    let only = if args.banks.is_empty() {
        None
    } else {
        Some(engine.bank_ids_by_name(&args.banks, &asker).map_err(|name| anyhow!("no bank is named {name:?}"))?)
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut failed = false;
    for argument in &args.queries {
        let queries = match queries_of(argument, args.exact_only, args.trim_borders) {
            Ok(queries) => queries,
            Err(error) => {
                failed = true;
                let line = QueryFailed { query: argument, error: format!("{error:#}") };
                writeln!(out, "{}", serde_json::to_string(&line)?)?;
                continue;
            }
        };
        let mut matches = Vec::new();
        let mut warnings = Vec::new();
        for outcome in engine.lookup(&queries, &asker, only.as_deref()).await? {
            // A query type with no bank is expected when one argument expands to several types.
            warnings.extend(outcome.warnings.into_iter().filter(|warning| !warning.starts_with("no enabled")));
            for hit in outcome.hits {
                let mut found = MatchFound {
                    bank: hit.bank_name,
                    signal_id: hit.signal.as_ref().map(|signal| signal.id),
                    signal: hit.signal.as_ref().map(|signal| signal.value.clone()),
                    distance: hit.distance,
                    via: hit.via.map(|via| via.to_string()),
                    labels: hit.labels,
                    query_matched_percent: None,
                    candidate_matched_percent: None,
                };
                if let Some(video) = hit.video {
                    // The stored value of a video is long; the score says more.
                    if let Some(signal) = &hit.signal {
                        found.signal = Some(signal.external_id.clone().unwrap_or_default());
                    }
                    found.query_matched_percent = Some(video.query_matched_percent);
                    found.candidate_matched_percent = Some(video.candidate_matched_percent);
                }
                // A video looked up twice (--trim-borders) reports each known video once, at its
                // better score.
                let same = matches.iter().position(|known: &MatchFound| {
                    known.bank == found.bank && known.signal_id == found.signal_id && known.signal == found.signal
                });
                match same {
                    Some(at) if matches[at].query_matched_percent >= found.query_matched_percent => {}
                    Some(at) => matches[at] = found,
                    None => matches.push(found),
                }
            }
        }
        let line = MatchLine { query: argument, matches, warnings };
        writeln!(out, "{}", serde_json::to_string(&line)?)?;
    }
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// `vigie bank add`: hashes every file first (nothing is added if one fails), then adds the
/// hashes as one audited import and prints each file's signal.
async fn add_images(
    store: &Store,
    name: &str,
    files: &[String],
    labels: &[String],
    source: Option<String>,
) -> anyhow::Result<()> {
    let bank = bank_named(store, name).await?;
    // Said before any file is hashed, with the command that creates a bank that takes images.
    bank.check_takes_images().map_err(|message| anyhow!("{message} (vigie bank create NAME --type pdq)"))?;
    let source = optional_text(source.as_deref(), MAX_ORIGIN_CHARS).map_err(|message| anyhow!("--source {message}"))?;
    let labels = vigie_domain::bank::parse_labels(labels).map_err(|message| anyhow!("--label {message}"))?;
    let mut images = Vec::new();
    for file in files {
        let limits = vigie_hash::Limits::default();
        let path = file.clone();
        let hashes = tokio::task::spawn_blocking(move || {
            let reader = std::fs::File::open(&path).map(std::io::BufReader::new)?;
            anyhow::Ok(vigie_hash::hash_image_reader(reader, &limits)?)
        })
        .await?
        .with_context(|| format!("{file}: cannot add this image (nothing was added)"))?;
        let name = Path::new(file).file_name().map_or_else(|| file.clone(), |name| name.to_string_lossy().into_owned());
        images.push(app::ImageToAdd { name, hashes });
    }
    let added = app::add_images(store, &bank, &images, &labels, source.as_deref(), (Actor::Cli, "cli")).await?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (file, answer) in files.iter().zip(added) {
        // The path as given, rather than the bare name the signal records.
        let answer = app::AddedImage { file: file.clone(), ..answer };
        writeln!(out, "{}", serde_json::to_string(&answer)?)?;
    }
    Ok(())
}
