//! [`TerminalProgress`]: the examples' display of long runs (stages, simulation counts,
//! training epochs) on standard error, for any library that reports to a
//! [`sbi_core::Progress`].

use std::io::{IsTerminal, Write};
use std::time::Instant;

use sbi_core::{EpochReport, Progress};

/// Prints progress to standard error: a line rewritten in place on a terminal, or one line
/// every `every` epochs (and at stages) when standard error is a file or pipe.
///
/// ```
/// use sbi_core::Progress;
/// let mut p = hh_sbi_examples::progress::TerminalProgress::new("training").quiet(true);
/// p.epoch(&sbi_core::EpochReport {
///     epoch: 1, train_loss: 2.0, validation_loss: 1.9,
///     best_validation_loss: 1.9, epochs_since_improvement: 0,
/// });
/// p.finish("done");
/// ```
#[derive(Debug)]
pub struct TerminalProgress {
    label: String,
    start: Instant,
    tty: bool,
    every: usize,
    quiet: bool,
}

impl TerminalProgress {
    /// A display whose lines start with `label`.
    pub fn new(label: &str) -> Self {
        Self {
            label: label.to_owned(),
            start: Instant::now(),
            tty: std::io::stderr().is_terminal(),
            every: 50,
            quiet: false,
        }
    }

    /// Prints nothing when `quiet` (for `--json` runs).
    pub fn quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }
}

impl Progress for TerminalProgress {
    /// Restarts the clock with a new label.
    fn stage(&mut self, label: &str) {
        self.label = label.to_owned();
        self.start = Instant::now();
    }

    /// Reports a count of done items out of `total`.
    fn items(&mut self, done: usize, total: usize) {
        if self.quiet {
            return;
        }
        if self.tty {
            eprint!(
                "\r{}: {done}/{total}  ({:.2} s)\x1b[K",
                self.label,
                self.start.elapsed().as_secs_f64()
            );
            let _ = std::io::stderr().flush();
        } else if done == total {
            eprintln!(
                "{}: {done}/{total} ({:.2} s)",
                self.label,
                self.start.elapsed().as_secs_f64()
            );
        }
    }

    /// Reports one training epoch.
    fn epoch(&mut self, r: &EpochReport) {
        if self.quiet {
            return;
        }
        let line = format!(
            "{}: epoch {:>4}  train {:>9.4}  validation {:>9.4}  best {:>9.4}  ({} since best, {:.2} s)",
            self.label,
            r.epoch,
            r.train_loss,
            r.validation_loss,
            r.best_validation_loss,
            r.epochs_since_improvement,
            self.start.elapsed().as_secs_f64()
        );
        if self.tty {
            eprint!("\r{line}\x1b[K");
            let _ = std::io::stderr().flush();
        } else if r.epoch.is_multiple_of(self.every) || r.epoch == 1 {
            eprintln!("{line}");
        }
    }

    /// Ends the current line with a message.
    fn finish(&mut self, message: &str) {
        if self.quiet {
            return;
        }
        if self.tty {
            eprintln!();
        }
        eprintln!(
            "{}: {message} ({:.2} s)",
            self.label,
            self.start.elapsed().as_secs_f64()
        );
    }
}
