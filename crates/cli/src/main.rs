//! `vigie`: the one binary. `main` parses flags, runs one command and turns its result into an
//! exit code; every error is printed once, with its chain of causes.

mod admin;
mod banks;
mod commands;
mod config;
mod database;
mod import;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{DatabaseArgs, ServeArgs};

/// Vigie: the direct, accountable channel for reporting and removing terrorist content online.
#[derive(Parser, Debug)]
#[command(name = "vigie", version, about, long_about = None, after_help = EXIT_CODES)]
struct Cli {
    #[command(flatten)]
    database: DatabaseArgs,

    /// Log format: `text` or `json`.
    #[arg(long, env = "VIGIE_LOG_FORMAT", global = true)]
    log_format: Option<String>,

    #[command(subcommand)]
    command: Command,
}

const EXIT_CODES: &str = "Exit codes: 0 success, 1 some inputs failed (e.g. `hash` on a broken file), 2 error.";

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the server: API, console and workers.
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Hash images (PDQ) and videos (vPDQ, with ffmpeg), plus MD5 and SHA-256: one JSON object per file.
    Hash(commands::hash::HashArgs),
    /// Manage organisations.
    #[command(subcommand)]
    Org(admin::OrgCommand),
    /// Manage users.
    #[command(subcommand)]
    User(admin::UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(admin::TokenCommand),
    /// Manage hash banks: create, import, export.
    #[command(subcommand)]
    Bank(banks::BankCommand),
    /// Match images, hashes or URLs against the banks; one JSON object per query.
    Match(banks::MatchArgs),
    /// Read and verify the audit trail.
    #[command(subcommand)]
    Audit(admin::AuditCommand),
    /// Import records in bulk: `vigie import submissions FILE`.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Configuration helpers.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Webhooks: `vigie webhooks listen ADDRESS --secret S`, a receiver that checks signatures
    /// and prints the events it accepts.
    #[command(subcommand)]
    Webhooks(WebhooksCommand),
}

#[derive(Subcommand, Debug)]
enum WebhooksCommand {
    /// Receive events as a platform or a sender would: check each signature, drop repeats,
    /// print `<event id> <body>` per event on standard output.
    Listen(commands::webhooks::ListenArgs),
}

#[derive(Subcommand, Debug)]
enum ConfigCommand {
    /// Print an annotated example configuration file.
    Example,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        // `vigie bank export | head` closing the pipe early is not an error.
        Err(error)
            if error.chain().any(|cause| {
                cause.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Hash(args) => commands::hash::run(args),
        Command::Webhooks(WebhooksCommand::Listen(args)) => commands::webhooks::run(args),
        Command::Config(ConfigCommand::Example) => {
            print!("{}", config::EXAMPLE);
            Ok(ExitCode::SUCCESS)
        }
        command => {
            let serve_args = match &command {
                Command::Serve(args) => Some(args),
                _ => None,
            };
            let settings = config::resolve(&cli.database, serve_args, cli.log_format.as_deref())?;
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            runtime.block_on(async move {
                let done = match command {
                    Command::Serve(args) => serve::run(settings, args.demo).await,
                    Command::Migrate => admin::migrate(&settings).await,
                    Command::Org(command) => admin::org(&settings, command).await,
                    Command::User(command) => admin::user(&settings, command).await,
                    Command::Token(command) => admin::token(&settings, command).await,
                    Command::Audit(command) => admin::audit(&settings, command).await,
                    Command::Bank(command) => return banks::bank(&settings, command).await,
                    Command::Match(args) => return banks::run_match(&settings, args).await,
                    Command::Import(import::ImportCommand::Submissions(args)) => {
                        return import::run(settings, args).await;
                    }
                    Command::Hash(_) | Command::Config(_) | Command::Webhooks(_) => unreachable!("handled above"),
                };
                done.map(|()| ExitCode::SUCCESS)
            })
        }
    }
}
