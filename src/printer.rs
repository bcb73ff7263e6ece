//! Everything the user sees on stdout and stderr goes through the [`Printer`].

use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How chatty stderr is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Printer {
    quiet: bool,
    progress: bool,
}

impl Printer {
    pub(crate) fn new(quiet: bool, no_progress: bool) -> Self {
        let progress = !quiet && !no_progress && std::io::stderr().is_terminal();
        Self { quiet, progress }
    }

    /// Main output (the lock when no `-o` is given). A closed pipe is not an error (the
    /// reader has all it wanted, as with `| head`); any other failure, such as a full disk,
    /// is returned so the run does not exit 0 without its output.
    #[expect(clippy::unused_self, reason = "all output goes through the printer")]
    pub(crate) fn stdout(self, text: &str) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            result => result,
        }
    }

    /// A summary line on stderr, unless `-q`.
    pub(crate) fn info(self, text: &str) {
        if !self.quiet {
            self.always(text);
        }
    }

    /// A warning on stderr, unless `-q`.
    pub(crate) fn warn(self, text: &str) {
        if !self.quiet {
            self.always(&format!("warning: {text}"));
        }
    }

    /// A line on stderr regardless of `-q` (errors, `--stats`).
    #[expect(clippy::unused_self, reason = "all output goes through the printer")]
    pub(crate) fn always(self, text: &str) {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{text}");
    }

    /// True when progress bars should be drawn (stderr is a terminal, no `-q`/`--no-progress`).
    pub(crate) fn progress_enabled(self) -> bool {
        self.progress
    }

    /// A spinner on stderr when it is a terminal and progress is wanted.
    pub(crate) fn spinner(self, message: &str) -> Option<ProgressBar> {
        if !self.progress {
            return None;
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
            bar.set_style(style);
        }
        bar.set_message(message.to_string());
        bar.enable_steady_tick(Duration::from_millis(80));
        Some(bar)
    }
}
