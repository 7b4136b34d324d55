//! `adql shell`: an interactive ADQL prompt over the same catalogue as `adql
//! query`, in the manner of the DuckDB and psql shells. A query ends with `;`
//! (it may span lines); a line starting with `.` is a command (`.help`).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use adql_engine::{Engine, EngineError};
use adql_output::Format;
use anyhow::{Context, Result};
use reedline::{
    default_emacs_keybindings, ColumnarMenu, Completer, Emacs, FileBackedHistory, KeyCode,
    KeyModifiers, MenuBuilder, Prompt, PromptEditMode, PromptHistorySearch,
    PromptHistorySearchStatus, Reedline, ReedlineEvent, ReedlineMenu, Signal, Suggestion,
    ValidationResult, Validator,
};

use crate::commands::query;
use crate::ShellArgs;

const HELP: &str = "\
Queries end with `;` and may span lines. Tab completes keywords, functions,
schemas, tables and columns. Ctrl-C cancels a running query (or clears the
line), Ctrl-D leaves.

.tables             the tables, with their descriptions
.schema NAME        a table's columns: type, unit, UCD, description
.format FMT         table, csv, tsv, json, votable, votable-td
.maxrec N           show at most N rows per query (0: all)
.timer on|off       print each query's run time
.explain [analyze] QUERY
                    the query's plans (with analyze: run it, with metrics)
.output [FILE]      write results to FILE (truncated now); alone: back to the screen
.help               this text
.quit               leave (also .exit, Ctrl-D)";

/// The clause keywords offered by completion (functions come from the parser's list).
const KEYWORDS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "TOP",
    "DISTINCT",
    "ALL",
    "AS",
    "JOIN",
    "NATURAL",
    "INNER",
    "LEFT",
    "RIGHT",
    "FULL",
    "OUTER",
    "ON",
    "USING",
    "GROUP BY",
    "HAVING",
    "ORDER BY",
    "ASC",
    "DESC",
    "OFFSET",
    "UNION",
    "EXCEPT",
    "INTERSECT",
    "WITH",
    "AND",
    "OR",
    "NOT",
    "BETWEEN",
    "IN",
    "LIKE",
    "ILIKE",
    "IS NULL",
    "IS NOT NULL",
    "EXISTS",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
];

/// Runs the shell until `.quit` or Ctrl-D.
pub(crate) fn run(args: &ShellArgs) -> Result<ExitCode> {
    let format = query::format(Some(&args.format), true)?;
    let runtime = query::runtime()?;
    let options = adql_engine::EngineOptions {
        memory_limit: args.memory_limit_mib.saturating_mul(1024 * 1024),
    };
    let engine = runtime
        .block_on(args.catalogue.engine(&options))?
        .with_validate_options(args.language.options()?);
    let history = match &args.history {
        Some(path) => path.clone(),
        None => default_history()?,
    };
    if let Some(dir) = history.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    // A terminal that cannot answer the line editor (TERM=dumb, Emacs'
    // shell, pexpect, serial consoles) gets plain lines instead.
    let mut editor = if plain_terminal() {
        None
    } else {
        Some(editor(&engine, history)?)
    };
    // Ctrl-C is watched from a runtime of its own: the query runtime's
    // threads may all be busy computing, and then none would notice it.
    let control = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let mut shell = Shell {
        engine: Arc::new(engine),
        runtime,
        control,
        format,
        maxrec: (args.maxrec > 0).then_some(args.maxrec),
        timer: false,
        output: None,
    };
    println!(
        "adql {} — ADQL 2.1 over {}. `.help` for help, Ctrl-D to leave.",
        env!("CARGO_PKG_VERSION"),
        shell.describe()
    );
    let prompt = AdqlPrompt;
    let mut plain = PlainLines::new(&shell.control)?;
    loop {
        let read = match editor.as_mut() {
            Some(e) => e.read_line(&prompt),
            None => plain.read_statement(&shell.control),
        };
        match read {
            Ok(Signal::Success(line)) => {
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                match shell.line(line) {
                    Ok(Flow::Continue) => {}
                    Ok(Flow::Quit) => break,
                    Err(e) => eprintln!("error: {}", crate::report(&e)),
                }
            }
            Ok(Signal::CtrlC) => continue,
            Ok(Signal::CtrlD) => break,
            Err(e) if editor.is_some() => {
                eprintln!(
                    "adql: the terminal does not answer the line editor ({e}); going on with plain lines"
                );
                editor = None;
            }
            Err(e) => return Err(e).context("reading standard input"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether the terminal is one a line editor cannot drive: `TERM` unset,
/// empty or `dumb`.
fn plain_terminal() -> bool {
    std::env::var("TERM").map_or(true, |t| t.is_empty() || t == "dumb")
}

/// Statements read from standard input line by line, with the prompts
/// printed and no editing: for terminals the line editor cannot drive.
struct PlainLines {
    stdin: std::io::StdinLock<'static>,
    /// Ctrl-C at a prompt: the terminal drops the line being typed, and the
    /// read goes on (the handler restarts it); the lines of the statement
    /// typed before it are dropped here.
    interrupts: tokio::signal::unix::Signal,
}

impl PlainLines {
    fn new(control: &tokio::runtime::Runtime) -> Result<PlainLines> {
        // Registering the handler here keeps Ctrl-C from ending the shell.
        let interrupts = control
            .block_on(async {
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
            })
            .context("listening for Ctrl-C")?;
        Ok(PlainLines {
            stdin: std::io::stdin().lock(),
            interrupts,
        })
    }

    /// Whether Ctrl-C was pressed since the last call.
    fn interrupted(&mut self, control: &tokio::runtime::Runtime) -> bool {
        let mut any = false;
        let _guard = control.enter();
        while let std::task::Poll::Ready(Some(())) = self
            .interrupts
            .poll_recv(&mut std::task::Context::from_waker(std::task::Waker::noop()))
        {
            any = true;
        }
        any
    }

    /// One statement: lines until one ends it (as the editor's validator
    /// says) or the end of input.
    fn read_statement(&mut self, control: &tokio::runtime::Runtime) -> std::io::Result<Signal> {
        use std::io::BufRead;
        // A Ctrl-C that stopped the last query is not one for this prompt.
        self.interrupted(control);
        let mut text = String::new();
        loop {
            let prompt = if text.is_empty() { "adql> " } else { "  ...> " };
            let mut out = std::io::stdout().lock();
            out.write_all(prompt.as_bytes())?;
            out.flush()?;
            drop(out);
            let mut line = String::new();
            let n = self.stdin.read_line(&mut line)?;
            if self.interrupted(control) {
                text.clear();
            }
            if n == 0 {
                return Ok(if text.trim().is_empty() {
                    Signal::CtrlD
                } else {
                    Signal::Success(text)
                });
            }
            text.push_str(&line);
            if matches!(
                StatementEnd.validate(text.trim_end()),
                ValidationResult::Complete
            ) {
                return Ok(Signal::Success(text));
            }
        }
    }
}

/// `$XDG_DATA_HOME/adql-rs/history`, or `~/.local/share/adql-rs/history`.
fn default_history() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("adql-rs/history"));
    }
    let home = std::env::var_os("HOME").context("no HOME: give --history FILE")?;
    Ok(PathBuf::from(home).join(".local/share/adql-rs/history"))
}

/// The line editor: history in `history`, completion from the catalogue, Tab
/// opening the completion menu, multi-line input until `;`.
fn editor(engine: &Engine, history: PathBuf) -> Result<Reedline> {
    let history = FileBackedHistory::with_file(10_000, history.clone())
        .with_context(|| format!("cannot open the history file {}", history.display()))?;
    let menu = ColumnarMenu::default().with_name("completion_menu");
    let mut keys = default_emacs_keybindings();
    keys.add_binding(
        KeyModifiers::NONE,
        KeyCode::Tab,
        ReedlineEvent::UntilFound(vec![
            ReedlineEvent::Menu("completion_menu".into()),
            ReedlineEvent::MenuNext,
        ]),
    );
    Ok(Reedline::create()
        .with_ansi_colors(std::env::var_os("NO_COLOR").is_none())
        .with_history(Box::new(history))
        .with_completer(Box::new(CatalogueCompleter::new(engine)))
        .with_quick_completions(true)
        .with_partial_completions(true)
        .with_menu(ReedlineMenu::EngineCompleter(Box::new(menu)))
        .with_edit_mode(Box::new(Emacs::new(keys)))
        .with_validator(Box::new(StatementEnd)))
}

/// What the loop does after a line.
enum Flow {
    Continue,
    Quit,
}

/// The shell's state between lines.
struct Shell {
    engine: Arc<Engine>,
    /// Where queries run.
    runtime: tokio::runtime::Runtime,
    /// Where the shell waits for a query or Ctrl-C.
    control: tokio::runtime::Runtime,
    format: Format,
    maxrec: Option<u64>,
    timer: bool,
    /// `.output FILE`: results go there instead of the screen.
    output: Option<(PathBuf, std::fs::File)>,
}

impl Shell {
    /// "ivoa.ObsCore (150000 rows) and 5 more tables", for the banner.
    fn describe(&self) -> String {
        let tables = self.engine.catalogue().tables();
        let user: Vec<_> = tables
            .iter()
            .filter(|t| !t.meta.schema.eq_ignore_ascii_case("TAP_SCHEMA"))
            .map(|t| t.meta.qualified_name())
            .collect();
        format!("{} (and TAP_SCHEMA)", user.join(", "))
    }

    fn line(&mut self, line: &str) -> Result<Flow> {
        if let Some(command) = line.strip_prefix('.') {
            return self.command(command.trim_end_matches(';').trim());
        }
        self.query(line.trim_end_matches(';'))?;
        Ok(Flow::Continue)
    }

    fn command(&mut self, command: &str) -> Result<Flow> {
        let (name, rest) = command
            .split_once(char::is_whitespace)
            .map(|(n, r)| (n, r.trim()))
            .unwrap_or((command, ""));
        match name {
            "help" => println!("{HELP}"),
            "quit" | "exit" => return Ok(Flow::Quit),
            "tables" => {
                for t in self.engine.catalogue().tables() {
                    println!("{:<28} {}", t.meta.qualified_name(), t.meta.description);
                }
            }
            "schema" => self.schema(rest)?,
            "format" => {
                self.format = query::format(Some(rest), true)?;
                if self.format == Format::Parquet {
                    self.format = Format::Table;
                    anyhow::bail!(
                        "parquet is for files: use `adql query --format parquet -o FILE`"
                    );
                }
            }
            "maxrec" => {
                let n: u64 = rest
                    .parse()
                    .with_context(|| format!(".maxrec takes a number of rows, got `{rest}`"))?;
                self.maxrec = (n > 0).then_some(n);
            }
            "timer" => {
                self.timer = match rest {
                    "on" => true,
                    "off" => false,
                    _ => anyhow::bail!(".timer takes on or off"),
                }
            }
            "explain" => {
                let (analyze, text) = match rest.split_once(char::is_whitespace) {
                    Some((first, q)) if first.eq_ignore_ascii_case("analyze") => (true, q),
                    _ => (false, rest),
                };
                let text = text.trim_end_matches(';');
                match self.runtime.block_on(self.engine.explain(text, analyze)) {
                    Ok(plans) => println!("{plans}"),
                    Err(EngineError::Query(d)) => {
                        eprint!("{}", adql_syntax::render_all(&d, text, "<input>"))
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            "output" => {
                self.output = if rest.is_empty() {
                    None
                } else {
                    let path = PathBuf::from(rest);
                    let file = std::fs::File::create(&path)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    Some((path, file))
                };
            }
            _ => anyhow::bail!("unknown command .{name}: .help lists them"),
        }
        Ok(Flow::Continue)
    }

    fn schema(&self, name: &str) -> Result<()> {
        let tables = self.engine.catalogue().tables();
        let table = tables
            .iter()
            .find(|t| t.meta.qualified_name().eq_ignore_ascii_case(name))
            .or_else(|| {
                tables
                    .iter()
                    .find(|t| t.meta.name.eq_ignore_ascii_case(name))
            })
            .with_context(|| format!("no table {name}: .tables lists them"))?;
        println!(
            "{}: {}",
            table.meta.qualified_name(),
            table.meta.description
        );
        for c in &table.meta.columns {
            println!(
                "  {:<22} {:<12} {:<8} {:<30} {}",
                c.name,
                c.tap_datatype(),
                c.unit.as_deref().unwrap_or(""),
                c.ucd.as_deref().unwrap_or(""),
                c.description
            );
        }
        Ok(())
    }

    /// Runs one query; Ctrl-C while it is planned or runs stops it and
    /// returns to the prompt.
    fn query(&mut self, text: &str) -> Result<()> {
        let started = Instant::now();
        let out: Box<dyn Write + Send> = match &self.output {
            Some((path, file)) => Box::new(
                file.try_clone()
                    .with_context(|| format!("cannot write {}", path.display()))?,
            ),
            None => Box::new(std::io::stdout()),
        };
        let (engine, format, maxrec) = (self.engine.clone(), self.format, self.maxrec);
        let owned = text.to_string();
        let running = self.runtime.spawn(async move {
            let result = match engine.query(&owned).await {
                Ok(r) => r,
                Err(EngineError::Query(d)) => return Ok(Err(d)),
                Err(e) => return Err(anyhow::Error::from(e)),
            };
            let out = std::io::BufWriter::new(out);
            query::write(result, format, out, maxrec, None)
                .await
                .map(Ok)
        });
        let abort = running.abort_handle();
        let outcome = self.control.block_on(async {
            tokio::select! {
                done = running => Some(done),
                _ = tokio::signal::ctrl_c() => None,
            }
        });
        let Some(joined) = outcome else {
            // Dropping the stream stops DataFusion's tasks, but only at their
            // next batch, which for a large join can be long: leave their
            // threads to it and run the next query on fresh ones.
            abort.abort();
            let busy = std::mem::replace(&mut self.runtime, query::runtime()?);
            busy.shutdown_background();
            eprintln!("cancelled");
            return Ok(());
        };
        match joined.context("the query's task failed")?? {
            Err(diagnostics) => {
                eprint!("{}", adql_syntax::render_all(&diagnostics, text, "<input>"));
            }
            Ok((rows, overflow)) => {
                if overflow {
                    eprintln!("(stopped at .maxrec {rows}: there are more rows)");
                }
                if self.timer {
                    eprintln!(
                        "Run Time: {:.3} s, {rows} rows",
                        started.elapsed().as_secs_f64()
                    );
                }
            }
        }
        Ok(())
    }
}

/// A query is complete at its `;`; a dot-command at the end of its line.
struct StatementEnd;

impl Validator for StatementEnd {
    fn validate(&self, line: &str) -> ValidationResult {
        let text = line.trim();
        if text.is_empty() || text.starts_with('.') || text.ends_with(';') {
            ValidationResult::Complete
        } else {
            ValidationResult::Incomplete
        }
    }
}

/// `adql> ` and `  ...> ` on continuation lines.
struct AdqlPrompt;

impl Prompt for AdqlPrompt {
    fn render_prompt_left(&self) -> std::borrow::Cow<'_, str> {
        "adql".into()
    }

    fn render_prompt_right(&self) -> std::borrow::Cow<'_, str> {
        "".into()
    }

    fn render_prompt_indicator(&self, _mode: PromptEditMode) -> std::borrow::Cow<'_, str> {
        "> ".into()
    }

    fn render_prompt_multiline_indicator(&self) -> std::borrow::Cow<'_, str> {
        " ...> ".into()
    }

    fn render_prompt_history_search_indicator(
        &self,
        search: PromptHistorySearch,
    ) -> std::borrow::Cow<'_, str> {
        let failing = match search.status {
            PromptHistorySearchStatus::Passing => "",
            PromptHistorySearchStatus::Failing => "failing ",
        };
        format!("({failing}search: {}) ", search.term).into()
    }
}

/// Completes the word before the cursor from keywords, functions and the
/// catalogue's schemas, tables and columns (case-insensitively); after a `.`,
/// from qualified table names and column names.
struct CatalogueCompleter {
    /// Every candidate: (text, what it is).
    words: Vec<(String, String)>,
    /// `schema.table` names.
    qualified: Vec<String>,
    /// Column names, for `alias.col`.
    columns: Vec<(String, String)>,
}

impl CatalogueCompleter {
    fn new(engine: &Engine) -> CatalogueCompleter {
        let mut words: Vec<(String, String)> = KEYWORDS
            .iter()
            .map(|k| (k.to_string(), "keyword".to_string()))
            .collect();
        for f in adql_syntax::Builtin::ALL {
            words.push((f.name().to_string(), "function".into()));
        }
        for sig in adql_syntax::udf_catalogue() {
            words.push((sig.name.clone(), "function".into()));
        }
        let mut qualified = Vec::new();
        let mut columns = Vec::new();
        for t in engine.catalogue().tables() {
            let meta = &t.meta;
            words.push((meta.schema.clone(), "schema".into()));
            words.push((meta.name.clone(), format!("table in {}", meta.schema)));
            qualified.push(meta.qualified_name());
            for c in &meta.columns {
                let column = (c.name.clone(), format!("column of {}", meta.name));
                columns.push(column.clone());
                words.push(column);
            }
        }
        // One entry per spelling: a column in several tables is offered once.
        words.sort_by(|a, b| a.0.cmp(&b.0));
        words.dedup_by(|a, b| a.0 == b.0);
        columns.sort_by(|a, b| a.0.cmp(&b.0));
        columns.dedup_by(|a, b| a.0 == b.0);
        CatalogueCompleter {
            words,
            qualified,
            columns,
        }
    }
}

fn starts_with_ignoring_case(word: &str, prefix: &str) -> bool {
    word.len() >= prefix.len()
        && word.is_char_boundary(prefix.len())
        && word[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn suggestion(value: &str, description: &str, start: usize, end: usize) -> Suggestion {
    Suggestion {
        value: value.to_string(),
        description: Some(description.to_string()),
        span: reedline::Span::new(start, end),
        append_whitespace: false,
        ..Suggestion::default()
    }
}

impl Completer for CatalogueCompleter {
    fn complete(&mut self, line: &str, pos: usize) -> Vec<Suggestion> {
        let pos = pos.min(line.len());
        let before = &line[..pos];
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '.'))
            .map(|(i, c)| i + c.len_utf8())
            .unwrap_or(0);
        let word = &before[start..];
        if word.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        if let Some(dot) = word.rfind('.') {
            for q in &self.qualified {
                if starts_with_ignoring_case(q, word) {
                    out.push(suggestion(q, "table", start, pos));
                }
            }
            let tail = &word[dot + 1..];
            for (c, what) in &self.columns {
                if starts_with_ignoring_case(c, tail) {
                    out.push(suggestion(c, what, start + dot + 1, pos));
                }
            }
        } else {
            for (w, what) in &self.words {
                if starts_with_ignoring_case(w, word) {
                    out.push(suggestion(w, what, start, pos));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn completer() -> CatalogueCompleter {
        CatalogueCompleter {
            words: vec![
                ("SELECT".into(), "keyword".into()),
                ("lsst_band".into(), "column of ObsCore".into()),
                ("lsst_patch".into(), "column of ObsCore".into()),
                ("ivoa".into(), "schema".into()),
            ],
            qualified: vec!["ivoa.ObsCore".into()],
            columns: vec![("lsst_band".into(), "column of ObsCore".into())],
        }
    }

    #[test]
    fn completes_the_word_before_the_cursor() {
        let mut c = completer();
        let s = c.complete("SELECT lsst_b", 13);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].value, "lsst_band");
        assert_eq!((s[0].span.start, s[0].span.end), (7, 13));
        let s = c.complete("sel", 3);
        assert_eq!(s[0].value, "SELECT");
        assert_eq!(c.complete("SELECT lsst_", 12).len(), 2);
        assert!(c.complete("SELECT ", 7).is_empty());
    }

    #[test]
    fn completes_after_a_dot() {
        let mut c = completer();
        let s = c.complete("FROM ivoa.Ob", 12);
        assert_eq!(s[0].value, "ivoa.ObsCore");
        assert_eq!(s[0].span.start, 5);
        let s = c.complete("SELECT o.lsst_b", 15);
        assert_eq!(s[0].value, "lsst_band");
        assert_eq!(s[0].span.start, 9);
    }

    #[test]
    fn a_statement_ends_at_its_semicolon() {
        assert!(matches!(
            StatementEnd.validate("SELECT *\nFROM t"),
            ValidationResult::Incomplete
        ));
        assert!(matches!(
            StatementEnd.validate("SELECT *\nFROM t;"),
            ValidationResult::Complete
        ));
        assert!(matches!(
            StatementEnd.validate(".tables"),
            ValidationResult::Complete
        ));
    }
}
