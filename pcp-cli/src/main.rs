//! `pcpctl`: Pgpool-II's PCP commands for operators, scripts and EDB Failover Manager hooks,
//! and drop-in replacements for the `pcp_*` tools (chosen by the name it is invoked as).
//!
//! `main` parses, `run` does the work and returns an exit code or an error, and
//! [`report_error`] is the only place that prints an error.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod dropin;
mod error;
mod exit;
mod links;
mod logging;
mod output;
mod progress;
mod quick_parse;
mod report;
mod sanitize;
mod settings;
mod watch;

use std::ffi::OsString;
use std::io::Write as _;
use std::sync::OnceLock;

use clap::FromArgMatches;

use crate::cli::{Cli, Command, Format};
use crate::commands::Op;
use crate::error::CliError;
use crate::exit::ExitCode;
use crate::output::{write_all, Printer};
use crate::settings::ConnSettings;

static PROGRAM: OnceLock<String> = OnceLock::new();

/// The name to prefix messages with: `pcpctl`, or the `pcp_*` name in drop-in mode.
pub(crate) fn program_name() -> &'static str {
    PROGRAM.get().map(String::as_str).unwrap_or("pcpctl")
}

fn basename(arg0: &OsString) -> String {
    std::path::Path::new(arg0)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn main() -> std::process::ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let program = args.first().map(basename).unwrap_or_default();
    if let Some(tool) = dropin::Tool::from_program(&program) {
        let _ = PROGRAM.set(program.clone());
        return std::process::ExitCode::from(dropin::main(tool, &program, args));
    }
    let _ = PROGRAM.set("pcpctl".to_owned());
    run(args).into()
}

/// pcpctl proper: parse, run, report.
fn run(args: Vec<OsString>) -> ExitCode {
    let cli = match quick_parse::parse(&args).or_else(|| cli::parse_lean(&args)) {
        Some(cli) => cli,
        None if cli::lean_version(&args).is_some_and(|text| print_stdout(&text)) => {
            return ExitCode::Success;
        }
        None => match parse_whole(args) {
            Ok(cli) => cli,
            Err(code) => return code,
        },
    };
    logging::init("pcpctl", cli.out.debug);
    let printer = Printer {
        format: cli.out.format(),
        verbose: cli.out.verbose,
        program: None,
    };
    match dispatch(&cli, &printer) {
        Ok(code) => code,
        Err(err) => {
            report_error(&err, printer.format);
            err.exit_code()
        }
    }
}

/// Writes text to standard output; false if that failed.
fn print_stdout(text: &str) -> bool {
    write_all(&mut std::io::stdout().lock(), text.as_bytes()).is_ok()
}

/// Parses with the whole command tree: help, version, errors, and the subcommands
/// [`cli::parse_lean`] leaves alone.
fn parse_whole(args: Vec<OsString>) -> Result<Cli, ExitCode> {
    // Freeing clap's tree again would cost a sixth of the instructions of a whole `node-count`.
    // The process is about to do one thing and exit, so the tree and the matches are
    // deliberately never freed.
    let command = Box::leak(Box::new(cli::command()));
    let matches = match command.try_get_matches_from_mut(args) {
        Ok(m) => Box::leak(Box::new(m)),
        Err(e) => {
            let _ = e.print();
            return Err(if e.exit_code() == 0 {
                ExitCode::Success
            } else {
                ExitCode::Usage
            });
        }
    };
    Cli::from_arg_matches_mut(matches).map_err(|e| {
        let _ = e.print();
        ExitCode::Usage
    })
}

/// Prints an error: one line on stderr (server text escaped), and in JSON mode the error
/// document on stdout.
fn report_error(err: &CliError, format: Format) {
    if format == Format::Json {
        let _ = write_all(
            &mut std::io::stdout().lock(),
            output::json::render_error(err).as_bytes(),
        );
    }
    let line = format!(
        "{}: error: {}\n",
        program_name(),
        sanitize::escape(&err.to_string())
    );
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

fn dispatch(cli: &Cli, printer: &Printer) -> Result<ExitCode, CliError> {
    match &cli.command {
        Command::Completions(a) => {
            let mut cmd = cli::command();
            let mut buf = Vec::new();
            clap_complete::generate(a.shell, &mut cmd, "pcpctl", &mut buf);
            write_all(&mut std::io::stdout().lock(), &buf)?;
            Ok(ExitCode::Success)
        }
        Command::Man => {
            write_all(&mut std::io::stdout().lock(), &man_page()?)?;
            Ok(ExitCode::Success)
        }
        Command::InstallLinks(a) => {
            let made = links::install(&a.dir, a.hard, a.force)?;
            let text = if printer.format == Format::Json {
                let paths: Vec<String> = made.iter().map(|p| p.display().to_string()).collect();
                format!(
                    "{}\n",
                    serde_json::to_string_pretty(&serde_json::json!({ "links": paths }))
                        .unwrap_or_default()
                )
            } else {
                made.iter().map(|p| format!("{}\n", p.display())).collect()
            };
            write_all(&mut std::io::stdout().lock(), text.as_bytes())?;
            Ok(ExitCode::Success)
        }
        Command::Watch(a) => watch::run(&ConnSettings::from_args(&cli.conn), a, printer.format),
        other => {
            let op = Op::from_command(other)?
                .ok_or_else(|| CliError::local("internal error: no operation"))?;
            run_op(&ConnSettings::from_args(&cli.conn), &op, printer)
        }
    }
}

/// The man page: clap_mangen's sections, with the exit codes as an EXIT STATUS section.
fn man_page() -> Result<Vec<u8>, CliError> {
    let roff = |text: &str| text.replace('\\', "\\\\").replace('-', "\\-");
    let man = clap_mangen::Man::new(cli::command());
    let mut buf = Vec::new();
    man.render_title(&mut buf)?;
    man.render_name_section(&mut buf)?;
    man.render_synopsis_section(&mut buf)?;
    man.render_description_section(&mut buf)?;
    man.render_options_section(&mut buf)?;
    man.render_subcommands_section(&mut buf)?;
    buf.extend_from_slice(b".SH \"EXIT STATUS\"\n");
    let mut lines = exit::EXIT_CODES_HELP.lines().skip(1);
    for line in lines.by_ref() {
        let line = line.trim();
        if line.is_empty() {
            break;
        }
        let (num, text) = line.split_once("  ").unwrap_or((line, ""));
        buf.extend_from_slice(format!(".TP\n\\fB{num}\\fR\n{}\n", roff(text.trim())).as_bytes());
    }
    let rest: Vec<&str> = lines.collect();
    if !rest.is_empty() {
        buf.extend_from_slice(format!(".PP\n{}\n", roff(&rest.join(" "))).as_bytes());
    }
    man.render_version_section(&mut buf)?;
    Ok(buf)
}

/// The runtime a command runs its client on: current-thread, one process does one thing.
pub(crate) fn async_runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::local(format!("cannot start the async runtime: {e}")))
}

/// Connects, runs `op`, prints its report. Shared by pcpctl and drop-in mode.
pub(crate) fn run_op(
    conn: &ConnSettings,
    op: &Op,
    printer: &Printer,
) -> Result<ExitCode, CliError> {
    let mut config = settings::client_config(conn)?;
    // One session for one operation: the login's reply need not be awaited on its own, and
    // there are too few replies to learn whether polling for them pays.
    config.pipeline_login(true).busy_poll(None);
    let runtime = async_runtime()?;
    runtime.block_on(async {
        let mut client = config.connect().await?;
        tracing::debug!(endpoint = ?client.endpoint(), "connected");
        // A spinner on a terminal for people; nothing in scripts, JSON, pcp or drop-in mode.
        let progress = progress::Progress::for_terminal(
            printer.format == Format::Human && printer.program.is_none(),
        );
        let outcome = commands::execute(&mut client, op, &progress).await;
        progress.finish();
        // Pgpool may already be going away (stop); closing is best effort.
        if let Err(e) = client.close().await {
            tracing::debug!("closing the session: {e}");
        }
        let (report, code) = outcome?;
        printer.print(&report)?;
        Ok(code)
    })
}
