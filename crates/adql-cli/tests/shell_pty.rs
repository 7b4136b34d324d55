//! `adql shell` and `adql query`'s progress line, driven through a
//! pseudo-terminal (rexpect's) as a user's terminal would drive them.
//!
//! The line editor asks the terminal where the cursor is (`ESC [ 6 n`) before
//! each prompt and repaint; a pseudo-terminal has no emulator to answer, so
//! the test's reader answers every such query as soon as it reads it.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use rexpect::process::PtyProcess;

/// Long enough for a debug build to open the demo snapshot and run a query.
const TIMEOUT: Duration = Duration::from_secs(60);

/// A cross join of the demo with itself: 2.25e10 pairs, minutes of work.
const LONG_QUERY: &str =
    "SELECT COUNT(*) FROM ivoa.ObsCore AS a, ivoa.ObsCore AS b WHERE a.s_ra + b.s_ra < 0;";

/// What the program wrote, and whether it has closed the terminal.
#[derive(Default)]
struct Screen {
    text: String,
    closed: bool,
}

struct Terminal {
    process: PtyProcess,
    input: std::fs::File,
    screen: Arc<(Mutex<Screen>, Condvar)>,
    /// How far `expect` has read.
    seen: usize,
}

impl Terminal {
    /// `adql ARGS` on a 160×50 terminal, with the demo cached in `cache`.
    fn spawn(args: &str, cache: &Path) -> Terminal {
        Terminal::spawn_as(args, cache, "xterm", true)
    }

    /// As [`Terminal::spawn`], with `TERM=term`, answering the line
    /// editor's cursor queries or not (as pexpect and Emacs' shell do not).
    fn spawn_as(args: &str, cache: &Path, term: &str, answer_cursor: bool) -> Terminal {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(format!(
                "stty cols 160 rows 50 && exec '{}' {args}",
                env!("CARGO_BIN_EXE_adql")
            ))
            .env("ADQL_CACHE_DIR", cache)
            .env("XDG_DATA_HOME", cache)
            .env("NO_COLOR", "1")
            .env("TERM", term);
        let process = PtyProcess::new(command).expect("spawn in a pseudo-terminal");
        let mut output = process.get_file_handle().expect("the terminal");
        let mut answers = process.get_file_handle().expect("the terminal");
        let input = process.get_file_handle().expect("the terminal");
        let screen = Arc::new((Mutex::new(Screen::default()), Condvar::new()));
        let shared = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            let mut pending = String::new();
            loop {
                let n = output.read(&mut buf).unwrap_or(0);
                let (lock, changed) = &*shared;
                if n == 0 {
                    lock.lock().unwrap().closed = true;
                    changed.notify_all();
                    return;
                }
                pending.push_str(&String::from_utf8_lossy(&buf[..n]));
                // Answer each cursor query; keep a partial one for the next read.
                while let Some(at) = pending.find("\x1b[6n") {
                    if answer_cursor {
                        let _ = answers.write_all(b"\x1b[1;1R");
                        let _ = answers.flush();
                    }
                    pending.replace_range(at..at + 4, "");
                }
                let keep = if pending.ends_with('\x1b')
                    || pending.ends_with("\x1b[")
                    || pending.ends_with("\x1b[6")
                {
                    pending.rfind('\x1b').unwrap()
                } else {
                    pending.len()
                };
                let mut screen = lock.lock().unwrap();
                screen.text.push_str(&pending[..keep]);
                pending.replace_range(..keep, "");
                changed.notify_all();
            }
        });
        Terminal {
            process,
            input,
            screen,
            seen: 0,
        }
    }

    fn send(&mut self, text: &str) {
        self.input.write_all(text.as_bytes()).expect("send");
        self.input.flush().expect("flush");
    }

    fn line(&mut self, text: &str) {
        self.send(text);
        self.send("\r");
    }

    /// Waits for `text` after what was already expected; returns what came
    /// between.
    fn expect(&mut self, text: &str) -> String {
        let deadline = Instant::now() + TIMEOUT;
        let (lock, changed) = &*self.screen;
        let mut screen = lock.lock().unwrap();
        loop {
            if let Some(at) = screen.text[self.seen..].find(text) {
                let before = screen.text[self.seen..self.seen + at].to_string();
                self.seen += at + text.len();
                return before;
            }
            let now = Instant::now();
            if screen.closed || now >= deadline {
                panic!(
                    "waiting for {text:?}, {}; after that point it said:\n{:?}",
                    if screen.closed {
                        "the terminal closed"
                    } else {
                        "timed out"
                    },
                    &screen.text[self.seen..]
                );
            }
            screen = changed.wait_timeout(screen, deadline - now).unwrap().0;
        }
    }

    /// Waits for the next prompt.
    fn prompt(&mut self) {
        self.expect("adql> ");
    }

    /// Waits for the program to end; returns its exit code.
    fn exit_code(&mut self) -> Option<i32> {
        match self.process.wait().expect("wait") {
            rexpect::process::wait::WaitStatus::Exited(_, code) => Some(code),
            _ => None,
        }
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("adql-shell-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_shell_completes_runs_explains_cancels_and_remembers() {
    let cache = scratch("cache");
    let history = cache.join("history");
    let args = format!("shell --history '{}'", history.display());
    let mut t = Terminal::spawn(&args, &cache);
    t.expect("ADQL 2.1 over ivoa.ObsCore");
    t.prompt();

    // Tab completes a column name from the catalogue.
    t.send("SELECT COUNT(DISTINCT lsst_ba");
    t.send("\t");
    t.expect("lsst_band");
    // A query spans lines until its `;`.
    t.line(") AS bands");
    t.expect(" ...> ");
    t.line("FROM ivoa.ObsCore;");
    t.expect("| 6 ");
    t.prompt();

    // Diagnostics as in `adql validate`, with line:column and a caret.
    t.line("SELEC s_ra FROM ivoa.ObsCore;");
    let said = t.expect("did you mean SELECT?");
    assert!(said.contains("<input>:1:1"), "{said}");
    assert!(said.contains("^^^^^"), "{said}");
    t.prompt();

    // .schema: columns with unit, UCD and description.
    t.line(".schema ivoa.ObsCore");
    let said = t.expect("Central Spatial Position in ICRS; Right ascension");
    assert!(said.contains("pos.eq.ra"), "{said}");
    t.prompt();

    // Ctrl-C stops a running query, not the shell.
    t.line(LONG_QUERY);
    std::thread::sleep(std::time::Duration::from_secs(2));
    t.send("\x03");
    t.expect("cancelled");
    t.prompt();
    t.line(".timer on");
    t.prompt();
    t.line("SELECT COUNT(*) AS n FROM ivoa.ObsCore;");
    t.expect("150000");
    t.expect("Run Time:");
    t.prompt();
    t.send("\x04");
    assert_eq!(t.exit_code(), Some(0), "Ctrl-D leaves");

    // A second session finds the first one's queries in its history.
    let mut t = Terminal::spawn(&args, &cache);
    t.prompt();
    t.send("\x1b[A");
    t.expect("SELECT COUNT(*) AS n FROM ivoa.ObsCore;");
    t.send("\r");
    t.expect("150000");
    t.prompt();
    t.line(".quit");
    assert_eq!(t.exit_code(), Some(0), "the shell ends");
    let kept = std::fs::read_to_string(&history).unwrap();
    assert!(kept.contains("lsst_band) AS bands"), "{kept}");
}

/// The shell on a terminal that cannot be driven: statements over lines,
/// a dot-command, Ctrl-C dropping a statement and stopping a query, Ctrl-D.
fn plain_lines_work(t: &mut Terminal) {
    t.line("SELECT COUNT(*) AS n");
    t.expect("  ...> ");
    t.line("FROM ivoa.ObsCore;");
    t.expect("150000");
    t.prompt();
    t.line(".tables");
    t.expect("dp02_dc2_catalogs.Object");
    t.prompt();
    // Ctrl-C drops the statement being typed: the next one runs alone.
    t.line("SELECT nope");
    t.expect("  ...> ");
    t.send("\x03");
    std::thread::sleep(Duration::from_millis(300));
    t.line("SELECT COUNT(*) AS n FROM ivoa.ObsCore WHERE s_dec < 0;");
    let said = t.expect("| n ");
    assert!(!said.contains("nope"), "{said}");
    t.prompt();
    // Ctrl-C stops a running query, not the shell.
    t.line(LONG_QUERY);
    std::thread::sleep(Duration::from_secs(2));
    t.send("\x03");
    t.expect("cancelled");
    t.prompt();
    t.line("SELECT COUNT(*) AS n FROM ivoa.ObsCore;");
    t.expect("150000");
    t.prompt();
    t.send("\x04");
    assert_eq!(t.exit_code(), Some(0), "Ctrl-D leaves");
}

#[test]
fn the_shell_works_on_a_dumb_terminal() {
    let cache = scratch("dumb");
    let args = format!("shell --history '{}'", cache.join("history").display());
    let mut t = Terminal::spawn_as(&args, &cache, "dumb", false);
    t.expect("ADQL 2.1 over ivoa.ObsCore");
    t.prompt();
    plain_lines_work(&mut t);
}

#[test]
fn the_shell_goes_on_when_the_terminal_does_not_answer() {
    let cache = scratch("mute");
    let args = format!("shell --history '{}'", cache.join("history").display());
    let mut t = Terminal::spawn_as(&args, &cache, "xterm", false);
    t.expect("ADQL 2.1 over ivoa.ObsCore");
    t.expect("going on with plain lines");
    t.prompt();
    plain_lines_work(&mut t);
}

#[test]
fn plain_adql_on_a_terminal_is_the_shell() {
    let cache = scratch("plain");
    let mut t = Terminal::spawn("", &cache);
    t.expect("ADQL 2.1 over ivoa.ObsCore");
    t.prompt();
    t.line("SELECT COUNT(*) AS n FROM TAP_SCHEMA.schemas;");
    // ivoa, dp02_dc2_catalogs (the demo's Object table) and tap_schema.
    t.expect("| 3 ");
    t.prompt();
    t.send("\x04");
    assert_eq!(t.exit_code(), Some(0));
    // The history went to $XDG_DATA_HOME.
    let kept = std::fs::read_to_string(cache.join("adql-rs/history")).unwrap();
    assert!(kept.contains("TAP_SCHEMA.schemas"), "{kept}");
    // Not on a terminal: the usage, exit 2.
    let out = Command::new(env!("CARGO_BIN_EXE_adql")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn dot_commands_change_format_rows_and_destination() {
    let cache = scratch("dot");
    let out = cache.join("out.csv");
    let args = format!("shell --history '{}'", cache.join("history").display());
    let mut t = Terminal::spawn(&args, &cache);
    t.prompt();
    t.line(".tables");
    t.expect("tap_schema.columns");
    t.prompt();
    t.line(".format csv");
    t.prompt();
    t.line(".maxrec 2");
    t.prompt();
    t.line(&format!(".output {}", out.display()));
    t.prompt();
    t.line("SELECT lsst_band FROM ivoa.ObsCore;");
    t.expect("stopped at .maxrec 2");
    t.prompt();
    t.line(".output");
    t.prompt();
    t.line(".format bogus");
    t.expect("unknown format `bogus`");
    t.prompt();
    t.line(".explain SELECT TOP 1 s_ra FROM ivoa.ObsCore;");
    t.expect("== Physical plan");
    t.prompt();
    t.line(".quit");
    t.exit_code();
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(written.lines().count(), 3, "{written}");
    assert!(written.starts_with("lsst_band\n"), "{written}");
}

#[test]
fn a_long_query_shows_progress_on_a_terminal_only() {
    let cache = scratch("progress");
    // Billions of rows: write them nowhere.
    let out = PathBuf::from("/dev/null");
    let query = "SELECT a.obs_id FROM ivoa.ObsCore AS a, ivoa.ObsCore AS b";
    let args = format!("query --timeout 4 -o '{}' \"{query}\"", out.display());
    let mut t = Terminal::spawn(&args, &cache);
    let said = t.expect(" rows/s");
    assert!(said.contains(" rows, "), "{said}");
    let rest = t.expect("ran longer than --timeout 4 s");
    // The line was cleared (erase-line) before the error was said.
    assert!(
        rest.contains("\x1b[2K") || said.contains("\x1b[2K"),
        "{rest:?}"
    );
    assert_eq!(t.exit_code(), Some(1));

    // Not a terminal: no progress line at all.
    let output = Command::new(env!("CARGO_BIN_EXE_adql"))
        .args(["query", "--timeout", "3", "-o"])
        .arg(&out)
        .arg(query)
        .env("ADQL_CACHE_DIR", &cache)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("rows/s"), "{stderr}");
    assert!(stderr.contains("--timeout 3"), "{stderr}");
}
