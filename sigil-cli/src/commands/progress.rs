//! A progress bar on stderr for a long scan, only when stderr is a terminal.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Files smaller than this are scanned without a bar.
const MIN_SIZE: u64 = 64 << 20;
/// At most one redraw in this long.
const EVERY: Duration = Duration::from_millis(200);
/// The bar's width in characters.
const WIDTH: usize = 30;

/// The bar of one input; does nothing unless stderr is a terminal and the input is a file of
/// at least 64 MiB.
pub(crate) struct Progress {
    shown: Option<Shown>,
}

struct Shown {
    name: String,
    size: u64,
    started: Instant,
    drawn: Option<Instant>,
}

impl Progress {
    /// The bar for `name`, of `size` bytes if known.
    pub(crate) fn new(name: &str, size: Option<u64>) -> Self {
        let shown = size
            .filter(|&s| s >= MIN_SIZE && std::io::stderr().is_terminal())
            .map(|size| Shown {
                name: name
                    .chars()
                    .map(|c| if c.is_control() { '?' } else { c })
                    .collect(),
                size,
                started: Instant::now(),
                drawn: None,
            });
        Self { shown }
    }

    /// `read` bytes of the input have been read.
    pub(crate) fn show(&mut self, read: u64) {
        let Some(s) = &mut self.shown else { return };
        let now = Instant::now();
        if s.drawn.is_some_and(|d| now - d < EVERY) {
            return;
        }
        s.drawn = Some(now);
        let done = read.min(s.size);
        let filled = (done as u128 * WIDTH as u128 / s.size.max(1) as u128) as usize;
        let secs = (now - s.started).as_secs_f64().max(1e-3);
        let line = format!(
            "\r{} [{}{}] {:>3}% {} of {} MB, {:.0} MB/s ",
            s.name,
            "#".repeat(filled),
            " ".repeat(WIDTH - filled),
            done * 100 / s.size.max(1),
            done >> 20,
            s.size >> 20,
            done as f64 / secs / 1e6,
        );
        let _ = std::io::stderr().write_all(line.as_bytes());
    }

    /// Clears the bar's line.
    pub(crate) fn finish(&mut self) {
        if let Some(s) = self.shown.take()
            && s.drawn.is_some()
        {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
    }
}
