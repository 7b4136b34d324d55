//! The `adql` command: validate, parse and format ADQL queries.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use adql_syntax::{
    CheckOptions, Feature, FeatureSet, FunctionSignature, ParseLimits, ValidateOptions,
};
use anyhow::{bail, Context, Result};

mod query;

// Query execution allocates and frees many page-sized buffers (Parquet pages,
// batches); mimalloc reuses them instead of returning them to the OS and
// faulting fresh zeroed pages back in, as the system allocator does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use clap::{Args, Parser, Subcommand};

/// ADQL compiler and query toolkit.
#[derive(Parser)]
#[command(name = "adql", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a query: exit 0 if valid, 1 if not (diagnostics on stderr), 2 on usage errors.
    Validate(QueryArgs),
    /// Print the syntax tree of a query as JSON.
    Parse(QueryArgs),
    /// Print a query in canonical form.
    Fmt(QueryArgs),
    /// Generate a synthetic ObsCore snapshot (deterministic, DP0.2-like).
    Generate(GenerateArgs),
    /// Run a query over a snapshot (default: the embedded demo snapshot).
    Query(QueryCommand),
    /// Print the logical and physical plans of a query (with --analyze: run it, with metrics).
    Explain(ExplainCommand),
    /// Ingest CSV (with a header), VOTable or Parquet files into a snapshot.
    Ingest(IngestArgs),
    /// Inspect snapshots.
    #[command(subcommand)]
    Snapshot(SnapshotCommand),
}

/// `--snapshot DIR` and `--table SCHEMA.NAME=PATH`: the tables a query may read.
#[derive(Args)]
struct CatalogueArgs {
    /// The snapshot holding ivoa.ObsCore (default: the embedded demo snapshot).
    #[arg(long)]
    snapshot: Option<PathBuf>,
    /// Another table: SCHEMA.NAME=PATH, a snapshot directory or a Parquet file (repeatable).
    #[arg(long = "table", value_name = "SCHEMA.NAME=PATH")]
    tables: Vec<String>,
}

/// `adql query [--snapshot DIR] [--format F] [--maxrec N] [-o FILE] (QUERY | --file F | -)`.
#[derive(Args)]
struct QueryCommand {
    /// The query and its options.
    #[command(flatten)]
    query: QueryArgs,
    /// The tables the query may read.
    #[command(flatten)]
    catalogue: CatalogueArgs,
    /// Output format: table (default on a terminal), csv (default otherwise), tsv,
    /// json, parquet, votable (BINARY2), votable-td (TABLEDATA).
    #[arg(long)]
    format: Option<String>,
    /// Stop after N rows and say the result overflowed.
    #[arg(long)]
    maxrec: Option<u64>,
    /// Memory the query may hold for sorts, joins and aggregations, in MiB.
    #[arg(long, default_value_t = 2048)]
    memory_limit_mib: usize,
    /// Give up after this many seconds.
    #[arg(long)]
    timeout: Option<u64>,
    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
}

/// `adql explain [--analyze] [--snapshot DIR] (QUERY | --file F | -)`.
#[derive(Args)]
struct ExplainCommand {
    /// The query and its options.
    #[command(flatten)]
    query: QueryArgs,
    /// The tables the query may read.
    #[command(flatten)]
    catalogue: CatalogueArgs,
    /// Run the query and show the executed plan with its metrics.
    #[arg(long)]
    analyze: bool,
}

/// `adql ingest INPUT... -o DIR [--table SCHEMA.NAME] [--obscore]`.
#[derive(Args)]
struct IngestArgs {
    /// Input files: .csv (with a header row), .parquet, .xml/.vot (VOTable).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// The snapshot directory to write.
    #[arg(long, short = 'o')]
    output: PathBuf,
    /// The table's SCHEMA.NAME (default ivoa.ObsCore with --obscore, else user.<file name>).
    #[arg(long)]
    table: Option<String>,
    /// Check the input against ObsCore 1.1 and take its column metadata.
    #[arg(long)]
    obscore: bool,
}

/// `adql generate --preset dp02 [--rows N] [--seed S] -o DIR`.
#[derive(Args)]
struct GenerateArgs {
    /// What to generate: `dp02`, the Rubin DP0.2 ObsCore table.
    #[arg(long, default_value = "dp02")]
    preset: String,
    /// Number of rows (default: the real table's 8,475,974).
    #[arg(long, default_value_t = obscore::generate::FULL_ROWS)]
    rows: u64,
    /// Seed of every random choice: the same seed gives the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The snapshot directory to write (replaced if it holds a snapshot).
    #[arg(long, short = 'o')]
    output: PathBuf,
}

#[derive(Subcommand)]
enum SnapshotCommand {
    /// Tables, rows, row groups, columns with metadata, sky coverage.
    Info {
        /// The snapshot directory (default: the embedded demo snapshot).
        dir: Option<PathBuf>,
    },
}

/// Where the query comes from and what it may use.
#[derive(Args)]
struct QueryArgs {
    /// The query text, or `-` to read standard input.
    #[arg(conflicts_with = "file")]
    query: Option<String>,
    /// Read the query from a file.
    #[arg(long, short = 'f')]
    file: Option<PathBuf>,
    /// Report extensions to ADQL 2.1 (CASE) as errors.
    #[arg(long)]
    strict: bool,
    /// Declare a user-defined function: "name(arg TYPE, …) -> TYPE" (repeatable).
    #[arg(long = "udf", value_name = "SIGNATURE")]
    udfs: Vec<String>,
    /// Switch an optional feature off (repeatable): point, circle, box, polygon, region,
    /// centroid, contains, intersects, area, coord1, coord2, coordsys, distance, geometry
    /// (all of those), string, sets, type, conditional, unit, offset, common-table, case.
    #[arg(long = "disable", value_name = "FEATURE")]
    disabled: Vec<String>,
    /// Largest accepted query, in bytes.
    #[arg(long, default_value_t = ParseLimits::default().max_bytes)]
    max_bytes: usize,
}

impl QueryArgs {
    /// The query text and the name to show in diagnostics.
    fn read(&self) -> Result<(String, String)> {
        match (&self.query, &self.file) {
            (_, Some(path)) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                Ok((text, path.display().to_string()))
            }
            (Some(q), None) if q == "-" => Ok((read_stdin()?, "<stdin>".into())),
            (Some(q), None) => Ok((q.clone(), "<query>".into())),
            (None, None) if !std::io::stdin().is_terminal() => {
                Ok((read_stdin()?, "<stdin>".into()))
            }
            (None, None) => bail!("give a query, --file FILE, or - to read standard input"),
        }
    }

    fn options(&self) -> Result<ValidateOptions> {
        let mut features = FeatureSet::all();
        for name in &self.disabled {
            if name.eq_ignore_ascii_case("geometry") {
                for f in Feature::GEOMETRY {
                    features.disable(f);
                }
                continue;
            }
            let feature = Feature::from_name(name).with_context(|| {
                let names: Vec<&str> = Feature::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "unknown feature `{name}`; known: geometry, {}",
                    names.join(", ")
                )
            })?;
            features.disable(feature);
        }
        let udfs = self
            .udfs
            .iter()
            .map(|s| FunctionSignature::parse(s).with_context(|| format!("--udf {s:?}")))
            .collect::<Result<Vec<_>>>()?;
        Ok(ValidateOptions {
            limits: ParseLimits {
                max_bytes: self.max_bytes,
                ..ParseLimits::default()
            },
            check: CheckOptions {
                features,
                strict: self.strict,
                udfs,
            },
        })
    }
}

fn read_stdin() -> Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("cannot read standard input")?;
    Ok(text)
}

/// An error and its causes, each said once: DataFusion's messages already
/// include the errors they wrap, which are also their sources.
pub(crate) fn report(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let said = cause.to_string();
        if text.contains(&said) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&said);
    }
    text
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("adql: {}", report(&err));
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let args = match &cli.command {
        Command::Validate(args) | Command::Parse(args) | Command::Fmt(args) => args,
        Command::Generate(args) => return generate(args),
        Command::Query(args) => return query::run(args),
        Command::Explain(args) => return query::explain(args),
        Command::Ingest(args) => return ingest(args),
        Command::Snapshot(SnapshotCommand::Info { dir }) => return snapshot_info(dir.as_deref()),
    };
    let (text, origin) = args.read()?;
    let options = args.options()?;
    let validation = adql_syntax::validate(&text, &options);
    if !validation.diagnostics.is_empty() {
        eprint!("{}", validation.render(&text, &origin));
    }
    let valid = validation.is_valid();
    match (&cli.command, &validation.query) {
        (Command::Parse(_), Some(query)) => {
            println!("{}", serde_json::to_string_pretty(query)?);
        }
        (Command::Fmt(_), Some(query)) if valid => println!("{query:#}"),
        _ => {}
    }
    Ok(if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn generate(args: &GenerateArgs) -> Result<ExitCode> {
    if args.preset != "dp02" {
        bail!("unknown preset `{}`: the one preset is dp02", args.preset);
    }
    if args.rows < 100 {
        bail!("--rows must be at least 100");
    }
    let bar = indicatif::ProgressBar::new(args.rows);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {msg} [{bar:40}] {pos}/{len} rows ({per_sec}, {eta})",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_message("generating");
    let started = std::time::Instant::now();
    let options = obscore::GenerateOptions::new(args.rows, args.seed);
    let snapshot = obscore::generate(&args.output, &options, &mut |done, _| {
        bar.set_position(done)
    })?;
    bar.finish_and_clear();
    eprintln!(
        "wrote {} rows in {} row groups to {} in {:.1?}",
        snapshot.manifest.rows,
        snapshot.manifest.row_groups,
        snapshot.dir.display(),
        started.elapsed()
    );
    Ok(ExitCode::SUCCESS)
}

fn snapshot_info(dir: Option<&std::path::Path>) -> Result<ExitCode> {
    let snapshot = match dir {
        Some(d) => obscore::Snapshot::open(d)?,
        None => {
            eprintln!(
                "(the embedded demo snapshot, {})",
                obscore::demo::demo_dir().display()
            );
            obscore::demo::demo_snapshot()?
        }
    };
    let m = &snapshot.manifest;
    println!("snapshot   {}", snapshot.dir.display());
    println!(
        "format     {} version {} ({})",
        m.format, m.version, m.created_by
    );
    println!(
        "table      {}: {}",
        m.table.qualified_name(),
        m.table.description
    );
    println!("rows       {}", m.rows);
    println!(
        "row groups {} in {} file(s){}",
        m.row_groups,
        m.files.len(),
        if m.sky_sorted {
            format!(", sorted by HEALPix depth {}", m.healpix_depth)
        } else {
            String::new()
        }
    );
    if let Some(c) = &m.coverage {
        println!(
            "coverage   RA {:.3}..{:.3}, Dec {:.3}..{:.3} (deg)",
            c.ra_min, c.ra_max, c.dec_min, c.dec_max
        );
    }
    println!("columns    {}", m.table.columns.len());
    for c in &m.table.columns {
        println!(
            "  {:<20} {:<8} {:<7} {:<28} {}",
            c.name,
            c.column_type.tap_datatype(),
            c.unit.as_deref().unwrap_or(""),
            c.ucd.as_deref().unwrap_or(""),
            c.utype.as_deref().unwrap_or("")
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn ingest(args: &IngestArgs) -> Result<ExitCode> {
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_message("reading");
    let started = std::time::Instant::now();
    let options = obscore::ingest::IngestOptions {
        table: args.table.clone(),
        obscore: args.obscore,
    };
    let result = obscore::ingest::ingest(&args.inputs, &args.output, &options, &mut |rows| {
        spinner.set_message(format!("read {rows} rows"));
        spinner.tick();
    });
    spinner.finish_and_clear();
    match result {
        Ok(snapshot) => {
            eprintln!(
                "wrote {} rows of {} to {} in {:.1?}",
                snapshot.manifest.rows,
                snapshot.manifest.table.qualified_name(),
                snapshot.dir.display(),
                started.elapsed()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("adql ingest: {e}");
            Ok(ExitCode::from(1))
        }
    }
}
