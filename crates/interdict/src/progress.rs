//! Progress bars on stderr, hidden when stderr is not a terminal.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar over a known total of bytes or rows.
pub fn bar(total: u64, message: &str, unit: Unit) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let template = match unit {
        Unit::Bytes => {
            "{msg:28} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} eta {eta}"
        }
        Unit::Rows => "{msg:28} [{bar:30}] {human_pos}/{human_len} rows {per_sec} eta {eta}",
    };
    bar.set_style(
        ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(message.to_string());
    bar
}

#[derive(Debug, Clone, Copy)]
pub enum Unit {
    Bytes,
    Rows,
}
