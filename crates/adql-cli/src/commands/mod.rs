//! One module per subcommand; `main.rs` parses the arguments and dispatches.

pub(crate) mod cluster;
pub(crate) mod generate;
pub(crate) mod images;
pub(crate) mod ingest;
pub(crate) mod query;
pub(crate) mod serve;
pub(crate) mod shell;
pub(crate) mod snapshot;
pub(crate) mod storage;

/// Writes `text` and a newline to stdout. A reader that stopped reading
/// (`adql explain … | head`) is not an error: the output just ends there.
pub(crate) fn print_stdout(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
