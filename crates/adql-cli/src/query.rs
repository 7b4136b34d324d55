//! `adql query`: plans and runs a query, streaming the result in the chosen format.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use adql_engine::{Engine, EngineError};
use anyhow::{bail, Context, Result};
use arrow::array::RecordBatch;
use futures::StreamExt;

use crate::{CatalogueArgs, ExplainCommand, QueryCommand};

impl CatalogueArgs {
    /// The engine over `--snapshot DIR` (or the demo snapshot) and `--table` tables.
    async fn engine(&self, options: &adql_engine::EngineOptions) -> Result<Engine> {
        let tables = self
            .tables
            .iter()
            .map(|t| {
                let (name, path) = t
                    .split_once('=')
                    .with_context(|| format!("--table takes SCHEMA.NAME=PATH, got `{t}`"))?;
                Ok((name.to_string(), std::path::PathBuf::from(path)))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Engine::open(self.snapshot.as_deref(), &tables, options).await?)
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")
}

pub(crate) fn explain(args: &ExplainCommand) -> Result<ExitCode> {
    let (text, origin) = args.query.read()?;
    runtime()?.block_on(async {
        let engine = args.catalogue.engine(&Default::default()).await?;
        match engine.explain(&text, args.analyze).await {
            Ok(plans) => {
                println!("{plans}");
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

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Table,
    Csv,
    Tsv,
    Json,
    Parquet,
    Votable,
    VotableTd,
}

impl Format {
    fn parse(name: Option<&str>, terminal: bool) -> Result<Format> {
        Ok(match name {
            None if terminal => Format::Table,
            None => Format::Csv,
            Some("table") => Format::Table,
            Some("csv") => Format::Csv,
            Some("tsv") => Format::Tsv,
            Some("json") => Format::Json,
            Some("parquet") => Format::Parquet,
            Some("votable") => Format::Votable,
            Some("votable-td") => Format::VotableTd,
            Some(other) => bail!(
                "unknown format `{other}`: table, csv, tsv, json, parquet, votable, votable-td"
            ),
        })
    }
}

pub(crate) fn run(args: &QueryCommand) -> Result<ExitCode> {
    let (text, origin) = args.query.read()?;
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let format = Format::parse(args.format.as_deref(), to_terminal)?;
    if format == Format::Parquet && args.output.is_none() {
        bail!("--format parquet needs -o FILE");
    }
    runtime()?.block_on(async {
        let options = adql_engine::EngineOptions {
            memory_limit: args.memory_limit_mib.saturating_mul(1024 * 1024),
        };
        let engine = args.catalogue.engine(&options).await?;
        let result = match engine.query(&text).await {
            Ok(r) => r,
            Err(EngineError::Query(diagnostics)) => {
                eprint!("{}", adql_syntax::render_all(&diagnostics, &text, &origin));
                return Ok(ExitCode::from(1));
            }
            Err(e) => return Err(e.into()),
        };
        let out: Box<dyn Write + Send> = match &args.output {
            Some(path) => Box::new(
                std::fs::File::create(path)
                    .with_context(|| format!("cannot write {}", path.display()))?,
            ),
            None => Box::new(std::io::stdout()),
        };
        let out = std::io::BufWriter::new(out);
        let writing = write(result, format, out, args.maxrec);
        let outcome = match args.timeout {
            Some(seconds) => {
                match tokio::time::timeout(std::time::Duration::from_secs(seconds), writing).await {
                    Ok(done) => done,
                    Err(_) => Err(anyhow::anyhow!(
                        "the query ran longer than --timeout {seconds} s and was stopped"
                    )),
                }
            }
            None => writing.await,
        };
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

/// Streams the batches out; returns (rows written, overflowed).
async fn write(
    mut result: adql_engine::QueryResult,
    format: Format,
    mut out: impl Write + Send,
    maxrec: Option<u64>,
) -> Result<(u64, bool)> {
    let schema = result.schema.clone();
    let mut rows = 0u64;
    let mut overflow = false;
    let mut sink = Sink::new(format, &schema, &mut out)?;
    while let Some(batch) = result.stream.next().await {
        let batch = batch?;
        let batch = RecordBatch::try_new(schema.clone(), batch.columns().to_vec())?;
        let batch = match maxrec {
            Some(max) if rows + batch.num_rows() as u64 > max => {
                overflow = true;
                batch.slice(0, (max - rows) as usize)
            }
            _ => batch,
        };
        rows += batch.num_rows() as u64;
        sink.write(&batch)?;
        if overflow {
            break;
        }
    }
    sink.finish(overflow, rows)?;
    out.flush()?;
    Ok((rows, overflow))
}

/// A writer for one format.
enum Sink<'w, W: Write> {
    Table(Vec<RecordBatch>, &'w mut W),
    Csv(arrow::csv::Writer<&'w mut W>),
    Json(arrow::json::ArrayWriter<&'w mut W>),
    Parquet(parquet::arrow::ArrowWriter<&'w mut W>),
    Votable(votable::VotableWriter<&'w mut W>),
}

impl<'w, W: Write + Send> Sink<'w, W> {
    fn new(
        format: Format,
        schema: &arrow::datatypes::SchemaRef,
        out: &'w mut W,
    ) -> Result<Sink<'w, W>> {
        Ok(match format {
            Format::Table => Sink::Table(Vec::new(), out),
            Format::Csv => Sink::Csv(
                arrow::csv::WriterBuilder::new()
                    .with_header(true)
                    .build(out),
            ),
            Format::Tsv => Sink::Csv(
                arrow::csv::WriterBuilder::new()
                    .with_header(true)
                    .with_delimiter(b'\t')
                    .build(out),
            ),
            Format::Json => Sink::Json(arrow::json::ArrayWriter::new(out)),
            Format::Parquet => Sink::Parquet(parquet::arrow::ArrowWriter::try_new(
                out,
                schema.clone(),
                None,
            )?),
            Format::Votable | Format::VotableTd => {
                let options = votable::WriterOptions {
                    serialization: if format == Format::Votable {
                        votable::Serialization::Binary2
                    } else {
                        votable::Serialization::TableData
                    },
                    ..Default::default()
                };
                Sink::Votable(votable::VotableWriter::new(out, schema, &options)?)
            }
        })
    }

    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        match self {
            Sink::Table(batches, _) => batches.push(batch.clone()),
            Sink::Csv(w) => w.write(batch)?,
            Sink::Json(w) => w.write(batch)?,
            Sink::Parquet(w) => w.write(batch)?,
            Sink::Votable(w) => w.write_batch(batch)?,
        }
        Ok(())
    }

    fn finish(self, overflow: bool, rows: u64) -> Result<()> {
        match self {
            Sink::Table(batches, out) => {
                if !batches.is_empty() {
                    writeln!(
                        out,
                        "{}",
                        arrow::util::pretty::pretty_format_batches(&batches)?
                    )?;
                }
                writeln!(
                    out,
                    "({rows} row{}{})",
                    if rows == 1 { "" } else { "s" },
                    if overflow {
                        ", truncated at --maxrec"
                    } else {
                        ""
                    }
                )?;
            }
            Sink::Csv(w) => drop(w.into_inner()),
            Sink::Json(mut w) => w.finish()?,
            Sink::Parquet(w) => drop(w.close()?),
            Sink::Votable(w) => drop(w.finish(overflow)?),
        }
        Ok(())
    }
}
