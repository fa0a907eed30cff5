//! `vigie import submissions FILE`: a sender's backlog (JSON lines or CSV) stored as
//! submissions, through the same use case as the API (`vigie_server::intake::submit`): the same
//! validation, bank matching, case grouping and group-commit writer.
//!
//! The whole file is read and checked first, so a file over the limits is refused before
//! anything is stored. Then every valid row is submitted on its own (a bad row refuses that
//! row alone), many at once so the writer commits them in batches. Messages name the line and
//! the field, never a value: reported URLs, comments and reporters' identities are hazardous.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, IsTerminal, Read};
use std::path::Path;
use std::process::ExitCode;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, anyhow, bail};
use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Map, Value};
use vigie_domain::access::Actor;
use vigie_domain::ids::OrganisationId;
use vigie_domain::intake::SubmissionKind;
use vigie_domain::organisation::{Organisation, OrganisationKind, OrganisationRef};
use vigie_domain::validate::FieldIssue;
use vigie_server::AppState;
use vigie_server::error::ApiError;
use vigie_server::intake::validate::{check_submission, parse_submission};
use vigie_server::intake::wire::SubmissionRequest;
use vigie_server::intake::{self, PLATFORM_NOT_FOUND, Sender, SubmitError};
use vigie_store::Store;

use crate::config::Settings;
use crate::database::Access;

/// The longest line (JSON lines) or record (CSV) read.
const MAX_LINE_BYTES: usize = 1024 * 1024;
/// Submissions in flight at once: enough for the writer to commit them in batches.
const IN_FLIGHT: usize = 64;
/// Below this many rows, no progress bar.
const PROGRESS_MIN_ROWS: usize = 100;

/// Every field of every submission kind (`crates/server/src/intake/wire.rs`); a CSV header may
/// name these only. A unit test keeps the list equal to the wire types.
const COLUMNS: &[&str] = &[
    "kind",
    "reference",
    "urls",
    "url",
    "platform",
    "issuing_authority",
    "member_state",
    "issued_at",
    "additional_information",
    "grounds",
    "statement_of_reasons",
    "cross_border",
    "non_disclosure_until",
    "redress",
    "contact_email",
    "explanation",
    "policy",
    "deconfliction",
    "legal_ground",
    "notifier_name",
    "notifier_email",
    "good_faith",
    "category",
    "seen_at",
    "seen_where",
    "comment",
    "contact_name",
    "language",
    "signals",
    "labels",
];
/// CSV cells holding lists, items separated by spaces (`vigie_domain::import::LIST_SEPARATOR`,
/// Vigie's one convention for lists in CSV cells; `|`, this command's older separator, is still
/// read).
const LIST_COLUMNS: &[&str] = &["urls", "grounds", "labels"];
/// CSV cells holding `true` or `false`.
const BOOLEAN_COLUMNS: &[&str] = &["cross_border", "good_faith"];

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Store submissions from a JSON lines or CSV file, sent by one organisation.
    Submissions(SubmissionsArgs),
}

/// Input formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// One submission object per line, as the API takes them.
    Jsonl,
    /// A header row naming API fields, one submission per row.
    Csv,
}

/// `vigie import submissions`.
#[derive(Args, Debug)]
#[command(after_long_help = SUBMISSIONS_HELP)]
pub struct SubmissionsArgs {
    /// The file (`.jsonl`, `.ndjson` or `.csv`), or `-` for standard input.
    pub file: String,
    /// The sending organisation (id, slug or name): the submissions are its own, as if it had
    /// sent them through the API.
    #[arg(long, visible_alias = "org", value_name = "ORG")]
    pub organisation: String,
    /// Input format; by default from the file's extension, else from its first character.
    #[arg(long, value_enum)]
    pub format: Option<InputFormat>,
    /// The kind of rows that do not name one (a CSV file may then have no `kind` column).
    #[arg(long, value_name = "KIND")]
    pub kind: Option<String>,
    /// The platform (id, slug or name) of rows that do not name one; default: the operator.
    /// A row's own `platform` takes the same forms.
    #[arg(long, value_name = "ORG")]
    pub platform: Option<String>,
    /// Refuse files with more rows than this.
    #[arg(long, default_value_t = 100_000)]
    pub max_rows: usize,
    /// Check every row and store nothing.
    #[arg(long)]
    pub dry_run: bool,
}

const SUBMISSIONS_HELP: &str = "\
Fields and values are the API's (see /docs): kind is removal_order, referral, notice, user_report \
or partner_flag. In CSV, urls, grounds and labels hold space-separated lists in one cell, signals \
holds space-separated type:value pairs (pdq:<hex>), cross_border and good_faith are true or \
false, and an empty cell is an absent field. (`|` between list items, the older form, is read too.)

Each bad row is reported as `line N: field: message` on standard error and the others are still \
stored; a removal order, referral or partner flag sent before (same reference from the same \
organisation) is counted as a duplicate. Exit code 1 when any row was refused.

  vigie import submissions backlog.jsonl --organisation \"Unité de signalement\"
  vigie import submissions reports.csv --organisation PHAROS --kind user_report --dry-run";

/// One row of the file.
struct Row {
    /// Its (first) line in the file.
    line: u64,
    /// What became of it so far.
    state: RowState,
}

enum RowState {
    /// Valid; `request` is taken when it is submitted.
    Valid { request: Option<Box<SubmissionRequest>>, resend_key: Option<(SubmissionKind, String)>, platform: bool },
    /// Settled.
    Done(Outcome),
}

#[derive(Clone, Debug)]
enum Outcome {
    Stored,
    Duplicate,
    Refused(Vec<FieldIssue>),
}

/// Why a whole file is refused.
#[derive(Debug)]
struct FileRefused(String);

pub async fn run(settings: Settings, args: SubmissionsArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    if args.max_rows == 0 {
        bail!("--max-rows must be at least 1");
    }
    if let Some(kind) = &args.kind {
        SubmissionKind::parse(kind).map_err(|message| anyhow!("--kind {message}"))?;
    }
    // A dry run stores nothing, so it needs a database that is already there.
    let access = if args.dry_run { Access::Existing } else { Access::Create };
    let store = crate::database::open(&settings, access).await?;
    let sender = resolve_organisation(&store, "--organisation", &args.organisation).await?;
    let platform = match &args.platform {
        Some(platform) => {
            let platform = resolve_organisation(&store, "--platform", platform).await?;
            if platform.kind != OrganisationKind::Platform && !platform.is_operator {
                bail!("--platform: {:?} is not a platform", platform.name);
            }
            Some(platform.id)
        }
        None => None,
    };

    let format = match args.format {
        Some(format) => Some(format),
        None => format_from_extension(&args.file),
    };
    let defaults = Defaults { kind: args.kind.clone(), platform };
    let file = args.file.clone();
    let max_rows = args.max_rows;
    let mut rows = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<Row>> {
        let reader: Box<dyn BufRead> = if file == "-" {
            Box::new(BufReader::with_capacity(1 << 16, std::io::stdin()))
        } else {
            let opened = std::fs::File::open(&file).with_context(|| format!("cannot read {file}"))?;
            Box::new(BufReader::with_capacity(1 << 16, opened))
        };
        read_rows(reader, format, &defaults, max_rows)
            .map_err(|FileRefused(message)| anyhow!("{file}: {message}: nothing imported"))
    })
    .await??;

    // Rows with no platform go to the operator: it must exist before anything is stored.
    let needs_operator = rows.iter().any(|row| matches!(row.state, RowState::Valid { platform: false, .. }));
    if needs_operator && store.find_operator_organisation().await?.is_none() {
        bail!(
            "there is no operator organisation to receive rows that name no platform: start `vigie serve` once, \
             or pass --platform: nothing imported"
        );
    }
    // A resend within the file waits until the row it repeats is stored, so the first one in the
    // file is the one kept and later ones are the duplicates.
    let mut seen = HashSet::new();
    let mut later = Vec::new();
    let mut first = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        if let RowState::Valid { resend_key, .. } = &row.state {
            match resend_key {
                Some(key) if !seen.insert(key.clone()) => later.push(index),
                _ => first.push(index),
            }
        }
    }

    let bar = progress_bar(rows.len());
    bar.set_position((rows.len() - first.len() - later.len()) as u64);
    let mut report = Report::new(bar);
    if args.dry_run {
        let mut platforms = HashMap::new();
        for &index in &first {
            let outcome = dry_run_check(&store, &mut platforms, &rows[index]).await?;
            rows[index].state = RowState::Done(outcome);
        }
        for &index in &later {
            rows[index].state = RowState::Done(Outcome::Duplicate);
        }
        report.advance(&rows);
    } else {
        report.advance(&rows);
        let state = Arc::new(AppState::load(store, settings.server).await?);
        let sender = Sender { organisation: Some(sender.id), actor: Actor::Cli };
        let failure = submit_all(&state, sender, &mut rows, &[first, later], &mut report).await;
        // Bank hits are counted in memory; the server's sync worker writes them, here we do.
        if let Err(error) = state.engine.flush_hits().await {
            eprintln!("warning: the banks' hit counters were not updated: {error}");
        }
        if let Err(error) = failure {
            report.finish(&rows, started, args.dry_run);
            return Err(error.context("stopped importing: rows above were settled, later rows were not submitted"));
        }
    }
    let refused = report.finish(&rows, started, args.dry_run);
    Ok(if refused > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Submits the valid rows, `IN_FLIGHT` at a time, one group after the other.
async fn submit_all(
    state: &Arc<AppState>,
    sender: Sender,
    rows: &mut [Row],
    groups: &[Vec<usize>],
    report: &mut Report,
) -> anyhow::Result<()> {
    let mut tasks = tokio::task::JoinSet::new();
    let mut failure = None;
    for group in groups {
        for &index in group {
            if failure.is_some() {
                break;
            }
            while tasks.len() >= IN_FLIGHT {
                settle(tasks.join_next().await, rows, &mut failure);
                report.bar.inc(1);
                report.advance(rows);
            }
            let RowState::Valid { request, .. } = &mut rows[index].state else { continue };
            let Some(request) = request.take() else { continue };
            let state = Arc::clone(state);
            tasks.spawn(async move {
                let result =
                    intake::submit(&state.store, &state.intake, &state.engine, sender, &request, &[], None).await;
                (index, result)
            });
        }
        // The next group holds resends of rows in this one: they wait for them.
        while !tasks.is_empty() {
            settle(tasks.join_next().await, rows, &mut failure);
            report.bar.inc(1);
            report.advance(rows);
        }
    }
    match failure {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

type Joined = Option<Result<(usize, Result<intake::Submitted, SubmitError>), tokio::task::JoinError>>;

fn settle(joined: Joined, rows: &mut [Row], failure: &mut Option<anyhow::Error>) {
    let Some(joined) = joined else { return };
    let (index, result) = match joined {
        Ok(done) => done,
        Err(error) => {
            failure.get_or_insert_with(|| anyhow!("a submission task failed: {error}"));
            return;
        }
    };
    let outcome = match result {
        Ok(submitted) if submitted.receipt.existing => Outcome::Duplicate,
        Ok(_) => Outcome::Stored,
        Err(SubmitError::Invalid(error)) => Outcome::Refused(error.issues),
        Err(SubmitError::Failed(vigie_server::app::AppError::Validation(error))) => Outcome::Refused(error.issues),
        Err(SubmitError::IdempotencyKeyReused) => {
            Outcome::Refused(vec![FieldIssue::new("reference", "was already used for a different submission")])
        }
        Err(SubmitError::Failed(error)) => {
            failure.get_or_insert_with(|| anyhow::Error::new(error).context("storing a submission failed"));
            return;
        }
    };
    rows[index].state = RowState::Done(outcome);
}

/// The dry run checks what `submit` checks before storing: the fields, then the platform named
/// (through the same resolver).
async fn dry_run_check(store: &Store, platforms: &mut HashMap<String, bool>, row: &Row) -> anyhow::Result<Outcome> {
    let RowState::Valid { request: Some(request), .. } = &row.state else {
        return Ok(Outcome::Refused(Vec::new()));
    };
    let Some(named) = request.platform() else { return Ok(Outcome::Stored) };
    let takes = match platforms.get(named) {
        Some(takes) => *takes,
        None => {
            let takes = match OrganisationRef::parse(named) {
                Ok(reference) => store
                    .find_organisation(&reference)
                    .await?
                    .is_some_and(|found| found.kind == OrganisationKind::Platform || found.is_operator),
                Err(_) => false,
            };
            platforms.insert(named.to_owned(), takes);
            takes
        }
    };
    Ok(if takes { Outcome::Stored } else { Outcome::Refused(vec![FieldIssue::new("platform", PLATFORM_NOT_FOUND)]) })
}

/// The organisation a flag names (id, slug or name), through the resolver the API uses.
async fn resolve_organisation(store: &Store, flag: &str, text: &str) -> anyhow::Result<Organisation> {
    Ok(vigie_server::app::resolve_organisation(store, flag, text).await?)
}

fn format_from_extension(file: &str) -> Option<InputFormat> {
    let extension = Path::new(file).extension()?.to_str()?.to_ascii_lowercase();
    match extension.as_str() {
        "jsonl" | "ndjson" => Some(InputFormat::Jsonl),
        "csv" => Some(InputFormat::Csv),
        _ => None,
    }
}

/// What rows that leave them out get.
struct Defaults {
    kind: Option<String>,
    platform: Option<OrganisationId>,
}

impl Defaults {
    fn apply(&self, object: &mut Map<String, Value>) {
        if let Some(kind) = &self.kind
            && object.get("kind").is_none_or(Value::is_null)
        {
            object.insert("kind".into(), Value::String(kind.clone()));
        }
        if let Some(platform) = self.platform
            && object.get("platform").is_none_or(Value::is_null)
        {
            object.insert("platform".into(), Value::String(platform.to_string()));
        }
    }
}

/// A row as the JSON object the API would take, or why it cannot be one.
type RowObject = Result<Map<String, Value>, Vec<FieldIssue>>;

/// Reads and checks every row. A file over the limits is refused whole.
fn read_rows(
    mut reader: Box<dyn BufRead>,
    format: Option<InputFormat>,
    defaults: &Defaults,
    max_rows: usize,
) -> Result<Vec<Row>, FileRefused> {
    let io_error = |error: std::io::Error| FileRefused(format!("cannot read: {error}"));
    let format = match format {
        Some(format) => format,
        None => {
            let head = reader.fill_buf().map_err(io_error)?;
            let first = head.iter().copied().find(|byte| !byte.is_ascii_whitespace() && *byte != 0xEF);
            if first == Some(b'{') { InputFormat::Jsonl } else { InputFormat::Csv }
        }
    };
    let now = chrono::Utc::now();
    let mut rows = Vec::new();
    let mut push = |line: u64, object: RowObject| -> Result<(), FileRefused> {
        if rows.len() >= max_rows {
            return Err(FileRefused(format!("more than {max_rows} rows (--max-rows); split it or raise the limit")));
        }
        let state = match object {
            Ok(mut object) => {
                defaults.apply(&mut object);
                check_row(object, now)
            }
            Err(issues) => RowState::Done(Outcome::Refused(issues)),
        };
        rows.push(Row { line, state });
        Ok(())
    };
    match format {
        InputFormat::Jsonl => {
            let mut line = Vec::new();
            let mut number = 0_u64;
            loop {
                line.clear();
                let read =
                    reader.by_ref().take(MAX_LINE_BYTES as u64 + 2).read_until(b'\n', &mut line).map_err(io_error)?;
                if read == 0 {
                    break;
                }
                number += 1;
                if line.last() == Some(&b'\n') {
                    line.pop();
                }
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                if line.len() > MAX_LINE_BYTES {
                    return Err(FileRefused(format!("line {number} is longer than 1 MiB")));
                }
                let text = if number == 1 { line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&line) } else { &line };
                if text.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let object = match serde_json::from_slice::<Value>(text) {
                    Ok(Value::Object(object)) => Ok(object),
                    Ok(_) => Err(vec![FieldIssue::new("-", "a submission must be a JSON object")]),
                    Err(error) => {
                        Err(vec![FieldIssue::new("-", format!("not valid JSON (column {})", error.column()))])
                    }
                };
                push(number, object)?;
            }
        }
        InputFormat::Csv => read_csv(reader, defaults.kind.is_some(), &mut push)?,
    }
    Ok(rows)
}

/// Reads CSV rows into JSON objects.
fn read_csv(
    reader: Box<dyn BufRead>,
    kind_given: bool,
    push: &mut dyn FnMut(u64, RowObject) -> Result<(), FileRefused>,
) -> Result<(), FileRefused> {
    let limited = LineLimit { inner: reader, line: Rc::new(Cell::new(1)), since_newline: 0 };
    let line = Rc::clone(&limited.line);
    let mut csv = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(limited);
    let too_long = |error: &csv::Error| -> Option<FileRefused> {
        match error.kind() {
            csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => {
                Some(FileRefused(format!("line {} is longer than 1 MiB", line.get())))
            }
            _ => None,
        }
    };
    let mut record = csv::ByteRecord::new();
    let header = match csv.read_byte_record(&mut record) {
        Ok(true) => record.clone(),
        Ok(false) => return Ok(()),
        Err(error) => return Err(too_long(&error).unwrap_or_else(|| FileRefused(format!("bad CSV: {error}")))),
    };
    let mut columns = Vec::with_capacity(header.len());
    for (index, name) in header.iter().enumerate() {
        let name = std::str::from_utf8(name).unwrap_or("");
        let name = if index == 0 { name.trim_start_matches('\u{feff}') } else { name }.trim();
        let Some(column) = COLUMNS.iter().find(|column| **column == name) else {
            let shown = if is_plain_name(name) { format!("{name:?}") } else { format!("{}", index + 1) };
            return Err(FileRefused(format!(
                "column {shown} of the header is not a submission field (fields are: {})",
                COLUMNS.join(", ")
            )));
        };
        if columns.contains(column) {
            return Err(FileRefused(format!("column {name:?} appears twice in the header")));
        }
        columns.push(*column);
    }
    if !kind_given && !columns.contains(&"kind") {
        return Err(FileRefused("the header has no `kind` column: add one, or give the kind with --kind".into()));
    }
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(error) => return Err(too_long(&error).unwrap_or_else(|| FileRefused(format!("bad CSV: {error}")))),
        }
        let number = record.position().map_or(0, csv::Position::line);
        if record.as_slice().len() > MAX_LINE_BYTES {
            return Err(FileRefused(format!("the row at line {number} is longer than 1 MiB")));
        }
        if record.len() == 1 && record.get(0).is_some_and(|cell| cell.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        push(number, csv_object(&columns, &record))?;
    }
    Ok(())
}

/// A CSV row as the JSON object the API would take.
fn csv_object(columns: &[&str], record: &csv::ByteRecord) -> RowObject {
    if record.len() != columns.len() {
        return Err(vec![FieldIssue::new(
            "-",
            format!("has {} cells where the header names {}", record.len(), columns.len()),
        )]);
    }
    let mut object = Map::new();
    let mut issues = Vec::new();
    for (column, cell) in columns.iter().zip(record.iter()) {
        let Ok(cell) = std::str::from_utf8(cell) else {
            issues.push(FieldIssue::new(*column, "is not valid UTF-8"));
            continue;
        };
        if cell.trim().is_empty() {
            continue;
        }
        let value = if LIST_COLUMNS.contains(column) {
            Value::Array(list(cell).map(|item| Value::String(item.to_owned())).collect())
        } else if BOOLEAN_COLUMNS.contains(column) {
            match cell.trim().to_ascii_lowercase().as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => {
                    issues.push(FieldIssue::new(*column, "must be true or false"));
                    continue;
                }
            }
        } else if *column == "signals" {
            let mut signals = Vec::new();
            for (index, item) in list(cell).enumerate() {
                match item.split_once(':') {
                    Some((signal_type, value)) => signals.push(serde_json::json!({
                        "type": signal_type.trim(), "value": value.trim()
                    })),
                    None => issues.push(FieldIssue::new(
                        format!("signals[{index}]"),
                        "must be type:value, such as pdq:<64 hex digits>",
                    )),
                }
            }
            Value::Array(signals)
        } else {
            Value::String(cell.to_owned())
        };
        object.insert((*column).to_owned(), value);
    }
    if issues.is_empty() { Ok(object) } else { Err(issues) }
}

fn list(cell: &str) -> impl Iterator<Item = &str> {
    vigie_domain::import::split_list_cell(cell).into_iter()
}

/// Parses and checks one row as the API would.
fn check_row(object: Map<String, Value>, now: chrono::DateTime<chrono::Utc>) -> RowState {
    let refused = |issues| RowState::Done(Outcome::Refused(issues));
    let request = match parse_submission(Value::Object(object)) {
        Ok(request) => request,
        Err(error) => return refused(api_issues(error)),
    };
    match check_submission(&request, 0, now) {
        Ok(checked) => {
            let resend_key = checked
                .reference
                .filter(|_| checked.kind.reference_identifies())
                .map(|reference| (checked.kind, reference));
            RowState::Valid { resend_key, platform: checked.platform.is_some(), request: Some(Box::new(request)) }
        }
        Err(error) => refused(error.issues),
    }
}

/// The issues of a parse error, as the API words them (`vigie_server::extract::malformed`:
/// plain words, the values sent never quoted); a field name someone typed as a key is not
/// printed.
fn api_issues(error: ApiError) -> Vec<FieldIssue> {
    match error {
        ApiError::Validation(error) => error.issues,
        error @ ApiError::MalformedBody { .. } => {
            let problem = error.problem();
            match problem.errors.into_iter().next() {
                Some(issue) if is_plain_name(&issue.field) => vec![FieldIssue::new(issue.field, issue.message)],
                Some(issue) => vec![FieldIssue::new("-", issue.message)],
                None => vec![FieldIssue::new("-", problem.detail)],
            }
        }
        _ => vec![FieldIssue::new("-", "is not a submission")],
    }
}

/// A field name or path safe to print (never a value someone typed as a key).
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']' | '-'))
}

/// Fails reading when a line grows past the limit, so a CSV file with no line breaks is not
/// read whole into memory.
struct LineLimit {
    inner: Box<dyn BufRead>,
    line: Rc<Cell<u64>>,
    since_newline: usize,
}

impl Read for LineLimit {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buffer)?;
        for byte in &buffer[..read] {
            if *byte == b'\n' {
                self.line.set(self.line.get() + 1);
                self.since_newline = 0;
            } else {
                self.since_newline += 1;
                if self.since_newline > MAX_LINE_BYTES {
                    return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "line longer than 1 MiB"));
                }
            }
        }
        Ok(read)
    }
}

fn progress_bar(rows: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() || rows < PROGRESS_MIN_ROWS {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(rows as u64);
    let style = ProgressStyle::with_template("importing {bar:40} {pos}/{len} ({per_sec}, {eta} left)")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

/// Prints settled rows in file order as they settle, and the summary.
struct Report {
    bar: ProgressBar,
    /// Rows before this one are printed.
    next: usize,
}

impl Report {
    fn new(bar: ProgressBar) -> Self {
        Self { bar, next: 0 }
    }

    /// Prints the refused rows settled since the last call, up to the first unsettled row.
    fn advance(&mut self, rows: &[Row]) {
        while let Some(Row { line, state: RowState::Done(outcome) }) = rows.get(self.next) {
            if let Outcome::Refused(issues) = outcome {
                self.bar.suspend(|| print_issues(*line, issues));
            }
            self.next += 1;
        }
    }

    /// Prints what remains and the summary; returns the number of refused rows.
    fn finish(&mut self, rows: &[Row], started: Instant, dry_run: bool) -> usize {
        self.advance(rows);
        // After a failure, rows past an unsettled one are still to print.
        for row in rows.get(self.next..).unwrap_or_default() {
            if let RowState::Done(Outcome::Refused(issues)) = &row.state {
                self.bar.suspend(|| print_issues(row.line, issues));
            }
        }
        self.bar.finish_and_clear();
        let mut counts = [0_usize; 4];
        for row in rows {
            let slot = match &row.state {
                RowState::Done(Outcome::Stored) => 0,
                RowState::Done(Outcome::Duplicate) => 1,
                RowState::Done(Outcome::Refused(_)) => 2,
                RowState::Valid { .. } => 3,
            };
            counts[slot] += 1;
        }
        let [stored, duplicates, refused, unsettled] = counts;
        let seconds = started.elapsed().as_secs_f64();
        let rate = if seconds > 0.0 { rows.len() as f64 / seconds } else { 0.0 };
        let not_submitted = if unsettled > 0 { format!(", {unsettled} not submitted") } else { String::new() };
        if dry_run {
            eprintln!(
                "dry run, nothing stored: {stored} valid, {duplicates} duplicates within the file, {refused} refused \
                 of {} rows in {seconds:.1} s ({rate:.0} rows/s)",
                rows.len()
            );
        } else {
            eprintln!(
                "{stored} stored, {duplicates} duplicates, {refused} refused{not_submitted} of {} rows in \
                 {seconds:.1} s ({rate:.0} rows/s)",
                rows.len()
            );
        }
        refused
    }
}

fn print_issues(line: u64, issues: &[FieldIssue]) {
    if issues.is_empty() {
        eprintln!("line {line}: refused");
    }
    for issue in issues {
        if issue.field == "-" {
            eprintln!("line {line}: {}", issue.message);
        } else {
            eprintln!("line {line}: {}: {}", issue.field, issue.message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, format: InputFormat, kind: Option<&str>) -> Result<Vec<Row>, FileRefused> {
        let defaults = Defaults { kind: kind.map(str::to_owned), platform: None };
        read_rows(Box::new(std::io::Cursor::new(text.as_bytes().to_vec())), Some(format), &defaults, 10)
    }

    fn issues(row: &Row) -> Vec<String> {
        match &row.state {
            RowState::Done(Outcome::Refused(issues)) => {
                issues.iter().map(|issue| format!("{}: {}", issue.field, issue.message)).collect()
            }
            _ => Vec::new(),
        }
    }

    /// Every field the wire types take is a CSV column, and every column is some kind's field.
    #[test]
    fn columns_are_the_wire_fields() {
        let mut fields = HashSet::new();
        for kind in ["removal_order", "referral", "notice", "user_report", "partner_flag"] {
            let Err(ApiError::MalformedBody { detail, .. }) =
                parse_submission(serde_json::json!({"kind": kind, "no_such_field": 1}))
            else {
                panic!("unknown fields are refused")
            };
            let (_, expected) = detail.split_once("expected one of: ").expect("the fields are listed");
            fields.extend(expected.trim_end_matches(')').split(", ").map(str::to_owned));
        }
        fields.insert("kind".to_owned());
        let columns: HashSet<String> = COLUMNS.iter().map(|column| (*column).to_owned()).collect();
        assert_eq!(columns, fields);
    }

    #[test]
    fn csv_cells_become_api_values() {
        let text = "category,url,comment,seen_at\npropaganda,https://a.example/1,,\n,https://b.example/2,x,\n";
        let rows = read(text, InputFormat::Csv, Some("user_report")).unwrap_or_else(|_| panic!());
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 2);
        assert!(matches!(rows[0].state, RowState::Valid { .. }));
        assert_eq!(issues(&rows[1]), ["category: is required"]);
    }

    #[test]
    fn messages_never_quote_values() {
        let text =
            r#"{"kind":"referral","urls":"https://secret.example/x","explanation":"e","deconfliction":"cleared"}"#;
        let rows = read(text, InputFormat::Jsonl, None).unwrap_or_else(|_| panic!());
        let found = issues(&rows[0]).join("\n");
        assert_eq!(found, "urls: must be a sequence, not string");
        let text = "{\"kind\":\"user_report\",\"https://secret.example/\":1}\n{\"kind\": 5, \"url\": \"https://x\"\n";
        let rows = read(text, InputFormat::Jsonl, None).unwrap_or_else(|_| panic!());
        let found = format!("{:?} {:?}", issues(&rows[0]), issues(&rows[1]));
        assert!(!found.contains("secret") && !found.contains("https"), "{found}");
    }

    #[test]
    fn limits_refuse_the_file() {
        let line = format!("{{\"kind\":\"user_report\",\"comment\":\"{}\"}}\n", "x".repeat(MAX_LINE_BYTES));
        assert!(read(&line, InputFormat::Jsonl, None).is_err());
        assert!(read(&format!("comment\n{}\n", "x".repeat(MAX_LINE_BYTES + 1)), InputFormat::Csv, None).is_err());
        let many = "{\"kind\":\"user_report\"}\n".repeat(11);
        let Err(FileRefused(message)) = read(&many, InputFormat::Jsonl, None) else { panic!("over the limit") };
        assert!(message.contains("more than 10 rows"), "{message}");
    }

    #[test]
    fn unknown_columns_refuse_the_file() {
        let Err(FileRefused(message)) = read("kind,colour\n", InputFormat::Csv, None) else { panic!() };
        assert!(message.contains("\"colour\""), "{message}");
    }
}
