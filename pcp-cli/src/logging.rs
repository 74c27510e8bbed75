//! Logging to stderr with `tracing-subscriber`: warnings by default, everything from
//! `-d`/`--debug`, or whatever `RUST_LOG` says. The client never logs passwords.

use std::fmt;
use std::io::Write as _;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::EnvFilter;

/// `pcpctl: warning: message key=value` lines; with debug, the target and spans too.
struct Format {
    program: String,
    detailed: bool,
}

impl<S, N> FormatEvent<S, N> for Format
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let level = match *meta.level() {
            Level::ERROR => "error",
            Level::WARN => "warning",
            Level::INFO => "info",
            Level::DEBUG => "debug",
            Level::TRACE => "trace",
        };
        write!(writer, "{}: {level}: ", self.program)?;
        if self.detailed {
            write!(writer, "{}: ", meta.target())?;
            if let Some(scope) = ctx.event_scope() {
                for span in scope.from_root() {
                    write!(writer, "{}: ", span.name())?;
                }
            }
        }
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// Installs the subscriber. `debug` raises the default level; `RUST_LOG` overrides both.
pub(crate) fn init(program: &str, debug: bool) {
    let from_env = std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.trim().is_empty());
    if !debug && from_env.is_none() {
        let _ = tracing::subscriber::set_global_default(WarningsOnly {
            program: program.to_owned(),
        });
        return;
    }
    let default = if debug { "debug" } else { "warn" };
    let filter = from_env
        .as_deref()
        .and_then(|v| EnvFilter::try_new(v).ok())
        .unwrap_or_else(|| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .event_format(Format {
            program: program.to_owned(),
            detailed: debug || from_env.is_some(),
        })
        .try_init();
}

/// The default: warnings and errors as `pcpctl: warning: message key=value` lines, nothing else.
///
/// Written out rather than built from `tracing-subscriber`, whose span registry allocates and
/// touches about 40 KiB at start-up: a sixth of a short command's own instructions, for spans
/// this level never shows. Fields are laid out as `tracing-subscriber`'s default formatter
/// does (the message first, then `name=value` with values in their `Debug` form).
struct WarningsOnly {
    program: String,
}

impl Subscriber for WarningsOnly {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        *metadata.level() <= Level::WARN
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::WARN)
    }

    fn new_span(&self, _span: &Attributes<'_>) -> Id {
        // Never called for spans below WARN (`enabled` says no); a constant id does for the rest.
        Id::from_u64(1)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let _ = std::io::stderr()
            .lock()
            .write_all(self.line(event).as_bytes());
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}

impl WarningsOnly {
    /// The line printed for an event, newline included.
    fn line(&self, event: &Event<'_>) -> String {
        let level = if *event.metadata().level() == Level::ERROR {
            "error"
        } else {
            "warning"
        };
        let mut line = LineVisitor {
            text: format!("{}: {level}: ", self.program),
            first: true,
        };
        event.record(&mut line);
        line.text.push('\n');
        line.text
    }
}

/// Collects an event's fields into one line.
struct LineVisitor {
    text: String,
    first: bool,
}

impl LineVisitor {
    fn separate(&mut self) {
        if !std::mem::take(&mut self.first) {
            self.text.push(' ');
        }
    }
}

impl Visit for LineVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.separate();
            self.text.push_str(value);
        } else {
            self.record_debug(field, &value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        use std::fmt::Write as _;
        self.separate();
        let _ = if field.name() == "message" {
            write!(self.text, "{value:?}")
        } else {
            write!(self.text, "{}={value:?}", field.name())
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default formatter of `tracing-subscriber`, for comparison.
    fn with_tracing_subscriber(emit: impl FnOnce()) -> String {
        use std::sync::{Arc, Mutex};
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = {
            let buf = Arc::clone(&buf);
            move || SharedBuf(Arc::clone(&buf))
        };
        let subscriber = tracing_subscriber::fmt()
            .with_writer(writer)
            .event_format(Format {
                program: "pcpctl".to_owned(),
                detailed: false,
            })
            .with_max_level(Level::WARN)
            .finish();
        tracing::subscriber::with_default(subscriber, emit);
        let bytes = buf.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    struct SharedBuf(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for SharedBuf {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            if let Ok(mut b) = self.0.lock() {
                b.extend_from_slice(data);
            }
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// What `WarningsOnly` prints, captured instead of written to stderr.
    fn with_warnings_only(emit: impl FnOnce()) -> String {
        struct Capture(WarningsOnly, std::sync::Mutex<String>);
        impl Subscriber for Capture {
            fn enabled(&self, m: &Metadata<'_>) -> bool {
                self.0.enabled(m)
            }
            fn new_span(&self, a: &Attributes<'_>) -> Id {
                self.0.new_span(a)
            }
            fn record(&self, _: &Id, _: &Record<'_>) {}
            fn record_follows_from(&self, _: &Id, _: &Id) {}
            fn event(&self, event: &Event<'_>) {
                if let Ok(mut text) = self.1.lock() {
                    text.push_str(&self.0.line(event));
                }
            }
            fn enter(&self, _: &Id) {}
            fn exit(&self, _: &Id) {}
        }
        let program = "pcpctl".to_owned();
        let capture = std::sync::Arc::new(Capture(WarningsOnly { program }, Default::default()));
        tracing::subscriber::with_default(std::sync::Arc::clone(&capture), emit);
        let text = capture.1.lock().map(|t| t.clone()).unwrap_or_default();
        text
    }

    #[test]
    fn warning_lines_match_tracing_subscribers_layout() {
        let emit = || {
            let path = std::path::Path::new("/etc/pcppass");
            tracing::warn!(path = %path.display(), "mode {:o} is too open", 0o644);
            tracing::warn!(severity = %"WARNING", detail = "a \"quoted\" detail", "pcp notice: {}", "x");
            tracing::warn!(count = 3, flag = true, "plain");
            tracing::info!("not shown");
        };
        let expected = with_tracing_subscriber(emit);
        let ours = with_warnings_only(emit);
        assert_eq!(ours, expected);
        assert_eq!(ours.lines().count(), 3);
    }
}
