//! Whole-process wall time of commands, measured side by side: every round runs each command
//! once (interleaved, so a slow moment of the machine hits all of them alike), and the
//! figures are medians with their spread.
//!
//! usage: pcp-bench-exec [--runs N] [--warmup N] [--ok-codes 0,1] [--fixed-order]
//!                       [--raw FILE] NAME=COMMAND...
//!
//! COMMAND is split on white space (no shell, no quoting). Inside it, ` ;; ` separates
//! commands that are run one after the other and timed together as one sample, and ` @@ `
//! starts an untimed tail that runs after the sample (to wait until a server has settled or
//! to restore a state). Standard output of every command goes to /dev/null.
//!
//! Rounds start at a different command each time (round r starts at command r mod k) unless
//! `--fixed-order`, which keeps the given order (for commands that change state in turn).
//!
//! prints, per command, a tab-separated line:
//!   NAME  RUNS  MEDIAN_US  MIN_US  MAX_US  P25_US  P75_US

use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use pcp_benches::stats::{summary_line, write_raw};

struct Spec {
    name: String,
    timed: Vec<Vec<String>>,
    untimed: Vec<Vec<String>>,
    samples: Vec<f64>,
}

fn split_commands(text: &str) -> Vec<Vec<String>> {
    text.split(";;")
        .map(|part| {
            part.split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter(|words| !words.is_empty())
        .collect()
}

fn parse_spec(arg: &str) -> Result<Spec, String> {
    let (name, command) = arg
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=COMMAND, got {arg:?}"))?;
    let (timed, untimed) = command.split_once("@@").unwrap_or((command, ""));
    let timed = split_commands(timed);
    if name.is_empty() || timed.is_empty() {
        return Err(format!("empty name or command in {arg:?}"));
    }
    Ok(Spec {
        name: name.to_owned(),
        timed,
        untimed: split_commands(untimed),
        samples: Vec::new(),
    })
}

/// Runs one command to completion; stdout discarded, stderr kept for the error message.
fn run(words: &[String], ok_codes: &[i32]) -> Result<(), String> {
    let output = Command::new(&words[0])
        .args(&words[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("{}: {e}", words[0]))?;
    match output.status.code() {
        Some(code) if ok_codes.contains(&code) => Ok(()),
        status => Err(format!(
            "`{}` ended with {status:?}: {}",
            words.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        )),
    }
}

fn usage(message: &str) -> ExitCode {
    eprintln!("pcp-bench-exec: {message}");
    eprintln!(
        "usage: pcp-bench-exec [--runs N] [--warmup N] [--ok-codes 0,1] [--fixed-order] [--raw FILE] NAME=COMMAND..."
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut runs = 20usize;
    let mut warmup = 2usize;
    let mut ok_codes = vec![0];
    let mut fixed_order = false;
    let mut raw: Option<String> = None;
    let mut specs = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |what: &str| args.next().ok_or_else(|| format!("{what} needs a value"));
        let parsed: Result<(), String> = match arg.as_str() {
            "--runs" => value("--runs").and_then(|v| {
                runs = v.parse().map_err(|_| format!("bad --runs {v:?}"))?;
                Ok(())
            }),
            "--warmup" => value("--warmup").and_then(|v| {
                warmup = v.parse().map_err(|_| format!("bad --warmup {v:?}"))?;
                Ok(())
            }),
            "--ok-codes" => value("--ok-codes").and_then(|v| {
                ok_codes = v
                    .split(',')
                    .map(|c| c.trim().parse().map_err(|_| format!("bad exit code {c:?}")))
                    .collect::<Result<_, _>>()?;
                Ok(())
            }),
            "--raw" => value("--raw").map(|v| raw = Some(v)),
            "--fixed-order" => {
                fixed_order = true;
                Ok(())
            }
            _ => parse_spec(&arg).map(|s| specs.push(s)),
        };
        if let Err(message) = parsed {
            return usage(&message);
        }
    }
    if specs.is_empty() || runs == 0 {
        return usage("nothing to run");
    }

    let k = specs.len();
    for round in 0..warmup + runs {
        let start = if fixed_order { 0 } else { round % k };
        for i in 0..k {
            let spec = &mut specs[(start + i) % k];
            let started = Instant::now();
            for words in &spec.timed {
                if let Err(e) = run(words, &ok_codes) {
                    eprintln!("pcp-bench-exec: {}: {e}", spec.name);
                    return ExitCode::FAILURE;
                }
            }
            let micros = started.elapsed().as_secs_f64() * 1e6;
            for words in &spec.untimed {
                if let Err(e) = run(words, &ok_codes) {
                    eprintln!("pcp-bench-exec: {} (untimed part): {e}", spec.name);
                    return ExitCode::FAILURE;
                }
            }
            if round >= warmup {
                spec.samples.push(micros);
            }
        }
    }

    if let Some(path) = raw {
        let series = specs
            .iter()
            .map(|s| (s.name.as_str(), s.samples.as_slice()));
        if let Err(e) = write_raw(&path, series) {
            eprintln!("pcp-bench-exec: {path}: {e}");
            return ExitCode::FAILURE;
        }
    }
    for spec in &mut specs {
        println!("{}", summary_line(&spec.name, &mut spec.samples));
    }
    ExitCode::SUCCESS
}
