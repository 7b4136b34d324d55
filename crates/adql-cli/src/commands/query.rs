//! `adql query`: plans and runs a query, streaming the result in the chosen format.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use adql_engine::{Engine, EngineError};
use adql_output::{Format, ResultWriter, RowLimit};
use anyhow::{bail, Context, Result};
use arrow::array::RecordBatch;
use futures::StreamExt;
use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::{CatalogueArgs, ExplainCommand, QueryCommand};

impl CatalogueArgs {
    /// The engine over `--snapshot DIR` (or the demo snapshot) and `--table`
    /// tables, running its plans on `--cluster` if given.
    pub(crate) async fn engine(&self, options: &adql_engine::EngineOptions) -> Result<Engine> {
        let engine = self
            .local_engine(options)
            .await?
            .with_spatial_joins(!self.nested_loop_joins);
        match &self.cluster {
            Some(url) => crate::commands::cluster::connect(engine, url).await,
            None => Ok(engine),
        }
    }

    async fn local_engine(&self, options: &adql_engine::EngineOptions) -> Result<Engine> {
        let mut tables = self
            .tables
            .iter()
            .map(|t| {
                let (name, location) = t
                    .split_once('=')
                    .with_context(|| format!("--table takes SCHEMA.NAME=PATH, got `{t}`"))?;
                Ok((name.to_string(), location.to_string()))
            })
            .collect::<Result<Vec<_>>>()?;
        // One name, one table: two --table options may not share a name, and
        // one naming the snapshot's table replaces it (said once, here).
        for (i, (name, _)) in tables.iter().enumerate() {
            if tables[..i]
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name))
            {
                bail!("two --table options name {name}: give each table its own SCHEMA.NAME");
            }
        }
        if let Some(files) = self.plain_parquet()? {
            let (engine, notes) = Engine::with_obscore_files(&files, &tables, options).await?;
            for note in notes {
                eprintln!("adql: {note}");
            }
            return Ok(engine);
        }
        let snapshot = match &self.snapshot {
            Some(location) => adql_engine::storage::open_snapshot(location).await?,
            None => {
                // The demo's tables first: a --table of the same name replaces one.
                let mut all = obscore::demo::demo_tables()?;
                all.extend(tables);
                tables = all;
                obscore::demo::demo_snapshot()?
            }
        };
        let snapshot_table = snapshot.manifest.table.qualified_name();
        for (name, location) in &tables {
            if snapshot_table.eq_ignore_ascii_case(name) {
                eprintln!("adql: --table {name}={location} replaces the snapshot's {name}");
            }
        }
        Ok(Engine::with_options(&snapshot, &tables, options).await?)
    }
}

impl CatalogueArgs {
    /// With `--io-stats`, the object-store requests made so far, on stderr.
    pub(crate) fn print_io_stats(&self) {
        if self.io_stats {
            let s = adql_engine::storage::io_stats();
            eprintln!(
                "adql: object store: {} GETs, {} bytes, {} HEADs",
                s.gets, s.bytes, s.heads
            );
        }
    }

    /// `--snapshot` naming Parquet that is not a snapshot: a `.parquet` file
    /// (path or URL), or a directory of them without `snapshot.json`.
    fn plain_parquet(&self) -> Result<Option<Vec<String>>> {
        let Some(location) = &self.snapshot else {
            return Ok(None);
        };
        if adql_engine::storage::is_url(location) {
            return Ok(location
                .to_ascii_lowercase()
                .ends_with(".parquet")
                .then(|| vec![location.clone()]));
        }
        let path = std::path::Path::new(location);
        if path.is_file() {
            return Ok(Some(vec![location.clone()]));
        }
        if !path.is_dir() || path.join("snapshot.json").exists() {
            return Ok(None);
        }
        let mut files: Vec<String> = std::fs::read_dir(path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
            .map(|p| p.display().to_string())
            .collect();
        files.sort();
        Ok((!files.is_empty()).then_some(files))
    }
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .thread_stack_size(adql_engine::QUERY_STACK_BYTES)
        .enable_all()
        .build()
        .context("starting the runtime")
}

pub(crate) fn explain(args: &ExplainCommand) -> Result<ExitCode> {
    let (text, origin) = args.query.read()?;
    let language = args.query.language.options()?;
    runtime()?.block_on(async {
        let engine = args
            .catalogue
            .engine(&Default::default())
            .await?
            .with_validate_options(language);
        match engine.explain(&text, args.analyze).await {
            Ok(plans) => {
                super::print_stdout(&plans)?;
                args.catalogue.print_io_stats();
                Ok(ExitCode::SUCCESS)
            }
            Err(EngineError::Query(diagnostics)) => {
                eprint!("{}", adql_syntax::render_all(&diagnostics, &text, &origin));
                Ok(ExitCode::from(1))
            }
            Err(e) => Err(e.into()),
        }
    })
}

/// The format `--format` names, or the default for where the output goes.
pub(crate) fn format(name: Option<&str>, terminal: bool) -> Result<Format> {
    match name {
        None if terminal => Ok(Format::Table),
        None => Ok(Format::Csv),
        Some(name) => Format::from_cli_name(name).with_context(|| {
            format!("unknown format `{name}`: table, csv, tsv, json, parquet, votable, votable-td")
        }),
    }
}

pub(crate) fn run(args: &QueryCommand) -> Result<ExitCode> {
    let (text, origin) = args.query.read()?;
    let language = args.query.language.options()?;
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let format = format(args.format.as_deref(), to_terminal)?;
    if format == Format::Parquet && args.output.is_none() {
        bail!("--format parquet needs -o FILE");
    }
    runtime()?.block_on(async {
        let options = adql_engine::EngineOptions {
            memory_limit: args.memory_limit_mib.saturating_mul(1024 * 1024),
        };
        let engine = args
            .catalogue
            .engine(&options)
            .await?
            .with_validate_options(language);
        // The deadline also stops work still inside DataFusion's operators
        // when the timeout below gives up on the stream.
        let stop = match args.timeout {
            Some(seconds) => adql_engine::QueryStop::with_deadline(
                std::time::Instant::now() + std::time::Duration::from_secs(seconds),
            ),
            None => adql_engine::QueryStop::new(),
        };
        let checked_as = engine.options().check.language;
        let result = match engine.query_until(&text, &[], checked_as, &stop).await {
            Ok(r) => r,
            Err(EngineError::Query(diagnostics)) => {
                eprint!("{}", adql_syntax::render_all(&diagnostics, &text, &origin));
                return Ok(ExitCode::from(1));
            }
            Err(e) => return Err(e.into()),
        };
        let out = std::io::BufWriter::new(open_output(args.output.as_deref())?);
        let progress = Progress::on_terminal(std::io::stderr().is_terminal());
        let writing = write(result, format, out, args.maxrec, progress.as_ref());
        let outcome = match args.timeout {
            Some(seconds) => {
                let timed_out = || {
                    anyhow::anyhow!(
                        "the query ran longer than --timeout {seconds} s and was stopped"
                    )
                };
                match tokio::time::timeout(std::time::Duration::from_secs(seconds), writing).await {
                    // A function that saw the deadline first ended the stream.
                    Ok(Err(_)) if stop.is_past_deadline() => Err(timed_out()),
                    Ok(done) => done,
                    Err(_) => Err(timed_out()),
                }
            }
            None => writing.await,
        };
        // The progress line goes before anything else is said.
        drop(progress);
        args.catalogue.print_io_stats();
        match outcome {
            Ok((rows, overflow)) => {
                if overflow {
                    eprintln!(
                        "adql: the result has more than {rows} rows; stopped at --maxrec {rows}"
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                eprintln!("adql: {}", crate::report(&e));
                Ok(ExitCode::from(1))
            }
        }
    })
}

/// `-o FILE`, or standard output.
pub(crate) fn open_output(path: Option<&std::path::Path>) -> Result<Box<dyn Write + Send>> {
    Ok(match path {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout()),
    })
}

/// Streams the batches out; returns (rows written, overflowed).
pub(crate) async fn write(
    mut result: adql_engine::QueryResult,
    format: Format,
    out: impl Write + Send,
    maxrec: Option<u64>,
    progress: Option<&Progress>,
) -> Result<(u64, bool)> {
    let schema = result.schema.clone();
    let mut limit = RowLimit::new(maxrec);
    let bytes = Arc::new(AtomicU64::new(0));
    let out = CountingWriter {
        inner: out,
        bytes: bytes.clone(),
    };
    let mut writer = ResultWriter::new(format, &schema, out, Vec::new())?;
    let outcome = async {
        while let Some(batch) = result.stream.next().await {
            let batch = RecordBatch::try_new(schema.clone(), batch?.columns().to_vec())?;
            let (batch, stop) = limit.take(batch);
            writer.write(&batch)?;
            if let Some(p) = progress {
                p.update(writer.rows(), bytes.load(Ordering::Relaxed));
            }
            if stop {
                break;
            }
        }
        anyhow::Ok(())
    }
    .await;
    if let Some(p) = progress {
        p.clear();
    }
    outcome?;
    let rows = writer.rows();
    writer.finish(limit.overflowed())?;
    Ok((rows, limit.overflowed()))
}

/// Counts the bytes written through it, for the progress line.
struct CountingWriter<W> {
    inner: W,
    bytes: Arc<AtomicU64>,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The progress line on stderr (rows, bytes, rows/s, elapsed): hidden for the
/// first second, so quick queries never show it, and cleared at the end.
pub(crate) struct Progress {
    bar: ProgressBar,
    started: Instant,
}

impl Progress {
    /// A progress line when stderr is a terminal, else none. Needs a Tokio runtime.
    pub(crate) fn on_terminal(terminal: bool) -> Option<Progress> {
        if !terminal {
            return None;
        }
        let bar = ProgressBar::hidden();
        bar.set_style(
            ProgressStyle::with_template("{elapsed} {msg}").expect("a valid progress template"),
        );
        bar.set_message("0 rows, 0 B, 0 rows/s");
        let shown = bar.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if !shown.is_finished() {
                shown.set_draw_target(ProgressDrawTarget::stderr());
                shown.enable_steady_tick(Duration::from_millis(200));
            }
        });
        Some(Progress {
            bar,
            started: Instant::now(),
        })
    }

    fn update(&self, rows: u64, bytes: u64) {
        let seconds = self.started.elapsed().as_secs_f64().max(1e-3);
        self.bar.set_message(format!(
            "{rows} rows, {}, {:.0} rows/s",
            HumanBytes(bytes),
            rows as f64 / seconds
        ));
    }

    fn clear(&self) {
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    // A query stopped by --timeout never reaches `clear`.
    fn drop(&mut self) {
        self.clear();
    }
}
