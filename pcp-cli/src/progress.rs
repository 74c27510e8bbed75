//! Progress on the terminal for long operations: a spinner on stderr with what is being waited
//! for and the elapsed time (`node 2: waiting for streaming (up, standby, async)  3.2 s`).
//!
//! Shown only when stderr is a terminal and the output is for people: never with `--json`,
//! `--format=pcp`, in drop-in mode or in scripts, where stderr is not a terminal.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use pcp_client::glue::ops::{ProgressFn, WaitProgress};

use crate::sanitize;

/// A spinner, or nothing when progress is not shown.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
}

/// The text shown for a poll of a `--wait` (server text escaped).
pub(crate) fn describe(step: &WaitProgress) -> String {
    format!(
        "node {}: waiting for {} ({})",
        step.node,
        step.expecting,
        sanitize::escape(&step.state)
    )
}

impl Progress {
    /// No progress display.
    pub(crate) fn hidden() -> Self {
        Progress { bar: None }
    }

    /// A spinner on stderr if `wanted` (human output) and stderr is a terminal.
    pub(crate) fn for_terminal(wanted: bool) -> Self {
        if wanted && std::io::stderr().is_terminal() {
            Self::with_target(ProgressDrawTarget::stderr())
        } else {
            Self::hidden()
        }
    }

    fn with_target(target: ProgressDrawTarget) -> Self {
        let style = ProgressStyle::with_template("{spinner} {msg}  {secs}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner())
            .with_key(
                "secs",
                |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.1} s", state.elapsed().as_secs_f64());
                },
            );
        let bar = ProgressBar::with_draw_target(None, target).with_style(style);
        Progress { bar: Some(bar) }
    }

    /// Whether anything is shown.
    #[cfg(test)]
    pub(crate) fn is_shown(&self) -> bool {
        self.bar.is_some()
    }

    /// Starts (or restarts the message of) the spinner; it keeps turning, with the elapsed
    /// time, while a single long request is outstanding.
    pub(crate) fn start(&self, message: impl Into<String>) {
        if let Some(bar) = &self.bar {
            bar.set_message(message.into());
            bar.enable_steady_tick(Duration::from_millis(100));
        }
    }

    /// A callback for `GlueOptions::progress` that shows each poll of a `--wait`.
    pub(crate) fn glue_callback(&self) -> Option<ProgressFn> {
        let bar = self.bar.clone()?;
        Some(Arc::new(move |step: &WaitProgress| {
            bar.set_message(describe(step));
        }))
    }

    /// Removes the spinner (before the report is printed).
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        // Clears the line on an early return (an error) too.
        if let Some(bar) = self.bar.take() {
            if !bar.is_finished() {
                bar.finish_and_clear();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_a_poll() {
        let step = WaitProgress {
            node: 2,
            expecting: "streaming",
            state: "up, standby, \u{1b}[2Jasync".into(),
            elapsed: Duration::from_millis(3200),
        };
        let text = describe(&step);
        assert!(text.starts_with("node 2: waiting for streaming (up, standby, "));
        assert!(
            !text.contains('\u{1b}'),
            "escape sequences are escaped: {text}"
        );
    }

    #[test]
    fn hidden_does_nothing() {
        let p = Progress::hidden();
        assert!(!p.is_shown());
        assert!(p.glue_callback().is_none());
        p.start("x");
        p.finish();
    }

    #[test]
    fn a_hidden_target_still_takes_messages() {
        let p = Progress::with_target(ProgressDrawTarget::hidden());
        assert!(p.is_shown());
        p.start("node 1: online recovery");
        let cb = p.glue_callback().expect("a callback");
        cb(&WaitProgress {
            node: 1,
            expecting: "up",
            state: "down, standby".into(),
            elapsed: Duration::ZERO,
        });
        assert_eq!(
            p.bar.as_ref().map(|b| b.message()),
            Some("node 1: waiting for up (down, standby)".to_owned())
        );
        p.finish();
    }
}
