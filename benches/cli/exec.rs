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
//! The order changes from round to round so that every command comes right after every other
//! one equally often (a Williams design: k orders for k commands, 2k when k is odd), unless
//! `--fixed-order`, which keeps the given order (for commands that change state in turn). The
//! command just before matters here: measured with a fixed cyclic order, pcpctl right after
//! the tool and the same pcpctl right after its own drop-in link came out 5% apart.
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

/// Orders of `0..k` in which every index comes right after every other index equally often
/// (Williams design): the first order is 0, 1, k-1, 2, k-2, …; the others add 1, 2, … modulo
/// k; for odd k the reversed orders are added as well.
fn balanced_orders(k: usize) -> Vec<Vec<usize>> {
    let first: Vec<usize> = (0..k)
        .map(|j| {
            if j % 2 == 1 {
                j.div_ceil(2)
            } else {
                (k - j / 2) % k
            }
        })
        .collect();
    let mut orders: Vec<Vec<usize>> = (0..k)
        .map(|shift| first.iter().map(|&c| (c + shift) % k).collect())
        .collect();
    if k % 2 == 1 {
        let reversed: Vec<Vec<usize>> = orders
            .iter()
            .map(|o| o.iter().rev().copied().collect())
            .collect();
        orders.extend(reversed);
    }
    orders
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
    let orders = if fixed_order {
        vec![(0..k).collect()]
    } else {
        balanced_orders(k)
    };
    for round in 0..warmup + runs {
        let order = &orders[round % orders.len()];
        for &index in order {
            let spec = &mut specs[index];
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

#[cfg(test)]
mod tests {
    use super::balanced_orders;

    #[test]
    fn every_command_follows_every_other_equally_often() {
        for k in 1..=7 {
            let orders = balanced_orders(k);
            let mut follows = vec![vec![0usize; k]; k];
            for order in &orders {
                let mut seen = order.clone();
                seen.sort_unstable();
                assert_eq!(seen, (0..k).collect::<Vec<_>>(), "k={k}: {order:?}");
                for pair in order.windows(2) {
                    follows[pair[0]][pair[1]] += 1;
                }
            }
            let counts: Vec<usize> = (0..k)
                .flat_map(|a| (0..k).filter(move |&b| b != a).map(move |b| (a, b)))
                .map(|(a, b)| follows[a][b])
                .collect();
            assert!(
                counts.windows(2).all(|w| w[0] == w[1]),
                "k={k}: {follows:?} from {orders:?}"
            );
        }
    }
}
