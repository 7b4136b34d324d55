//! The `adql` command: what it parses and runs. The binary (`main.rs`) and
//! the Python package's `adql` command both call [`main_with_args`], so that
//! `pip install` gives the same command as `cargo install`.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use adql_syntax::{CheckOptions, FeatureSet, FunctionSignature, ParseLimits, ValidateOptions};
use anyhow::{bail, Context, Result};

mod commands;

use commands::{cluster, generate, images, ingest, query, serve, shell, snapshot};

use clap::{Args, Parser, Subcommand};

/// ADQL compiler and query toolkit.
#[derive(Parser)]
#[command(name = "adql", version, about)]
struct Cli {
    /// With none, on a terminal: `adql shell`.
    #[command(subcommand)]
    command: Option<Command>,
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
    /// Serve the snapshot over TAP 1.1 (sync, async, VOSI) at http://ADDR/api/tap, with
    /// DataLink, SODA cutouts and SIA v2 at /api/datalink, /api/cutout, /api/sia.
    Serve(ServeArgs),
    /// An interactive ADQL prompt (also plain `adql` on a terminal).
    Shell(ShellArgs),
    /// Print the DataLink document of datasets (IDs or publisher DIDs); no server needed.
    Datalink(DatalinkArgs),
    /// Cut a sky region out of a dataset's image into a FITS file (SODA); no server needed.
    Cutout(CutoutArgs),
    /// Find images by SIA v2 parameters (POS=…, BAND=…, CALIB=… …), printed as `query` prints.
    Sia(SiaArgs),
    /// Run a Ballista scheduler or executor that knows ADQL's functions (feature `cluster`).
    #[command(subcommand)]
    Cluster(ClusterCommand),
}

/// `adql cluster scheduler|executor`.
#[derive(Subcommand)]
enum ClusterCommand {
    /// A scheduler: takes plans from `--cluster df://ADDR` clients, hands tasks to executors.
    Scheduler {
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1:50050")]
        addr: String,
    },
    /// An executor: runs tasks; Arrow Flight on ADDR's port, its control port on the next.
    Executor {
        /// The scheduler, `df://HOST:PORT`.
        #[arg(long)]
        scheduler: String,
        /// The address to listen on (data; the control port is the next one).
        #[arg(long, default_value = "127.0.0.1:50051")]
        addr: String,
        /// Tasks it runs at once (default: the number of cores).
        #[arg(long)]
        slots: Option<usize>,
    },
}

/// `--images DIR` and `--image-layout`: where dataset files are.
#[derive(Args)]
struct ImagesArgs {
    /// The image store: a directory of the datasets' FITS files (default:
    /// synthetic demo images, made on first use in the cache).
    #[arg(long)]
    images: Option<PathBuf>,
    /// Where a dataset's file is in the store: `{uuid}` is its UUID, `{uuid2}`
    /// the UUID's first two digits.
    #[arg(long, default_value = "{uuid}.fits")]
    image_layout: String,
}

/// `adql datalink [--images DIR] [--base-url URL] ID…`.
#[derive(Args)]
struct DatalinkArgs {
    /// The tables (ivoa.ObsCore's rows give the datasets).
    #[command(flatten)]
    catalogue: CatalogueArgs,
    /// Where the dataset files are.
    #[command(flatten)]
    images: ImagesArgs,
    /// The server the links point at.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base_url: String,
    /// Dataset IDs (`butler://dp02/UUID`) or publisher DIDs.
    #[arg(required = true)]
    ids: Vec<String>,
}

/// `adql cutout --id ID (--circle "ra dec r" | --polygon "…" | --pos "…") -o out.fits`.
#[derive(Args)]
struct CutoutArgs {
    /// The tables (ivoa.ObsCore's rows give the datasets).
    #[command(flatten)]
    catalogue: CatalogueArgs,
    /// Where the dataset files are.
    #[command(flatten)]
    images: ImagesArgs,
    /// The dataset ID (`butler://dp02/UUID`) or publisher DID.
    #[arg(long)]
    id: String,
    /// "ra dec radius" in degrees.
    #[arg(long, allow_hyphen_values = true)]
    circle: Option<String>,
    /// "ra1 dec1 ra2 dec2 ra3 dec3 …" in degrees.
    #[arg(long, allow_hyphen_values = true)]
    polygon: Option<String>,
    /// SODA POS: "CIRCLE ra dec r", "RANGE ra1 ra2 dec1 dec2" or "POLYGON …".
    #[arg(long, allow_hyphen_values = true)]
    pos: Option<String>,
    /// The FITS file to write.
    #[arg(long, short = 'o')]
    output: PathBuf,
}

/// `adql sia [--format F] [--maxrec N] [-o FILE] NAME=VALUE…`.
#[derive(Args)]
struct SiaArgs {
    /// The tables (the search runs over ivoa.ObsCore).
    #[command(flatten)]
    catalogue: CatalogueArgs,
    /// Output format, as for `adql query`.
    #[arg(long)]
    format: Option<String>,
    /// Stop after N rows (overrides a MAXREC parameter).
    #[arg(long)]
    maxrec: Option<u64>,
    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// SIA v2 parameters: POS="CIRCLE ra dec r", BAND="lo hi", TIME, POL, FOV,
    /// SPATRES, EXPTIME, ID, COLLECTION, FACILITY, INSTRUMENT, DPTYPE, CALIB,
    /// TARGET, FORMAT, MAXREC (repeated names are OR'ed).
    params: Vec<String>,
}

/// `adql shell [--snapshot DIR] [--table …] [--format F] [--maxrec N] [--history FILE]`.
#[derive(Args)]
struct ShellArgs {
    /// The tables queries may read.
    #[command(flatten)]
    catalogue: CatalogueArgs,
    /// What the language accepts.
    #[command(flatten)]
    language: LanguageArgs,
    /// Output format at start (`.format` changes it): table, csv, tsv, json,
    /// votable, votable-td.
    #[arg(long, default_value = "table")]
    format: String,
    /// Rows shown at most per query at start (`.maxrec` changes it; 0: no limit).
    #[arg(long, default_value_t = 1000)]
    maxrec: u64,
    /// Memory a query may hold for sorts, joins and aggregations, in MiB.
    #[arg(long, default_value_t = 2048)]
    memory_limit_mib: usize,
    /// The history file (default: ~/.local/share/adql-rs/history).
    #[arg(long)]
    history: Option<PathBuf>,
}

/// `adql serve [--snapshot DIR] [--addr HOST:PORT] [--base-url URL] [--data-dir DIR] [--tokens FILE] …`.
#[derive(Args)]
struct ServeArgs {
    /// The tables to serve.
    #[command(flatten)]
    catalogue: CatalogueArgs,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: String,
    /// The public URL clients reach the server at (default: http://ADDR).
    #[arg(long)]
    base_url: Option<String>,
    /// Where async jobs and their results are kept (default: a per-user directory).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// A file of `TOKEN OWNER` lines: requests then need `Authorization: Bearer TOKEN`
    /// (re-read on SIGHUP).
    #[arg(long)]
    tokens: Option<PathBuf>,
    /// Rows returned when a request sets no MAXREC.
    #[arg(long, default_value_t = 100_000)]
    maxrec_default: u64,
    /// The most rows a request may ask for.
    #[arg(long, default_value_t = 20_000_000)]
    maxrec_hard: u64,
    /// Queries running at once (sync and async together).
    #[arg(long, default_value_t = 8)]
    max_concurrent: usize,
    /// Sync requests that may wait for a slot before the server answers 503.
    #[arg(long, default_value_t = 64)]
    max_queued: usize,
    /// Longest a query may run, in seconds (also async jobs' execution duration).
    #[arg(long, default_value_t = 600)]
    query_timeout: u64,
    /// Memory queries may hold for sorts, joins and aggregations, in MiB.
    #[arg(long, default_value_t = 2048)]
    memory_limit_mib: usize,
    /// The largest request besides its uploads (query text and parameters), in MiB.
    #[arg(long, default_value_t = 64)]
    max_request_mib: usize,
    /// The largest upload table (TAP UPLOAD, inline or by URL), advertised as
    /// TAPRegExt's uploadLimit: bytes, or with a unit (KiB, MiB, GiB; KB, MB, GB).
    #[arg(long, default_value = "512MiB", value_parser = parse_size)]
    upload_limit: usize,
    /// How long async jobs are kept, in seconds.
    #[arg(long, default_value_t = 7 * 24 * 3600)]
    retention: u64,
    /// Log lines as `text` or `json`.
    #[arg(long, default_value = "text")]
    log_format: String,
    /// Where the dataset files are (default: synthetic images made on first
    /// use under the data directory).
    #[command(flatten)]
    images: ImagesArgs,
    /// Keep the snapshot's `access_url` values instead of pointing them at
    /// this server's DataLink service.
    #[arg(long)]
    keep_access_url: bool,
    /// A HiPS for the query page's sky view: a local HiPS directory (served
    /// at /hips/, offline) or a URL the browser can reach; without one the
    /// page draws footprints on a coordinate grid.
    #[arg(long, value_name = "DIR|URL")]
    hips: Option<String>,
    /// How long the signed URLs of dataset files and previews (DataLink
    /// `#this`, `#preview`) are accepted, in seconds.
    #[arg(long, default_value_t = 3600, value_name = "SECONDS")]
    url_lifetime: u64,
    /// The key file URLs are signed with (made, random, when missing; default
    /// DATA_DIR/url-signing.key). Servers given the same file accept each
    /// other's URLs.
    #[arg(long, value_name = "FILE")]
    url_key: Option<std::path::PathBuf>,
}

/// `--snapshot DIR|URL` and `--table SCHEMA.NAME=PATH|URL`: the tables a query may read.
#[derive(Args)]
struct CatalogueArgs {
    /// The snapshot holding ivoa.ObsCore: a directory, `s3://bucket/prefix/`
    /// or `https://host/path/snapshot.json` (default: the embedded demo snapshot).
    #[arg(long, value_name = "DIR|URL")]
    snapshot: Option<String>,
    /// Another table: SCHEMA.NAME=LOCATION, a snapshot or a Parquet file, as a
    /// path or an s3:// or https:// URL (repeatable).
    #[arg(long = "table", value_name = "SCHEMA.NAME=LOCATION")]
    tables: Vec<String>,
    /// After the command, print the object-store requests made (GETs, bytes, HEADs).
    #[arg(long)]
    io_stats: bool,
    /// Run the plans on the Ballista cluster whose scheduler is at `df://HOST:PORT`
    /// (needs the `cluster` feature).
    #[arg(long, value_name = "df://HOST:PORT")]
    cluster: Option<String>,
    /// Plan positional joins (crossmatches, point in region, overlaps) as
    /// nested loops over every pair instead of sky-partitioned joins: slow;
    /// to compare answers or timings.
    #[arg(long)]
    nested_loop_joins: bool,
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
    /// The snapshot to write: a directory or an `s3://bucket/prefix/` URL.
    #[arg(long, short = 'o', value_name = "DIR|URL")]
    output: String,
    /// Write N Parquet parts, each a contiguous range of the sky sort key
    /// (default: one per 10 million rows, so that a cone opens a small one).
    #[arg(long)]
    parts: Option<u64>,
    /// The table's SCHEMA.NAME (default ivoa.ObsCore with --obscore, else user.<file name>).
    #[arg(long)]
    table: Option<String>,
    /// Check the input against ObsCore 1.1 and take its column metadata.
    #[arg(long)]
    obscore: bool,
    /// The columns of each row's position (ICRS degrees), as RA,DEC; without
    /// it, the columns whose UCDs are pos.eq.ra/pos.eq.dec;meta.main, or a
    /// usual pair of names (ra/dec, coord_ra/coord_dec, RAJ2000/DEJ2000 …).
    #[arg(long, value_name = "RA,DEC", value_parser = parse_position)]
    position: Option<(String, String)>,
    /// Memory the sort may use, in MiB: more rows than fit are sorted in runs
    /// spilled to disk and merged.
    #[arg(long, default_value_t = 2048)]
    memory_limit_mib: usize,
    /// Where the sorted runs go (default: beside the output).
    #[arg(long, value_name = "DIR")]
    temp_dir: Option<PathBuf>,
    /// What to write: `snapshot`, or `hats` (a HATS catalogue that LSDB opens;
    /// a local directory).
    #[arg(long, default_value = "snapshot", value_parser = ["snapshot", "hats"])]
    format: String,
    /// With --format hats: rows a partition holds at most (unless at order 9).
    #[arg(long, default_value_t = obscore::hats::DEFAULT_MAX_ROWS)]
    hats_max_rows: u64,
}

/// `RA,DEC` column names.
fn parse_position(text: &str) -> Result<(String, String), String> {
    match text.split_once(',') {
        Some((ra, dec))
            if !ra.trim().is_empty() && !dec.trim().is_empty() && !dec.contains(',') =>
        {
            Ok((ra.trim().to_string(), dec.trim().to_string()))
        }
        _ => Err(format!("expected RA_COLUMN,DEC_COLUMN, got `{text}`")),
    }
}

/// `adql generate --preset dp02 [--rows N] [--seed S] -o DIR`.
#[derive(Args)]
struct GenerateArgs {
    /// What to generate: `dp02`, the Rubin DP0.2 ObsCore table; `dp02-object`,
    /// its dp02_dc2_catalogs.Object catalogue.
    #[arg(long, default_value = "dp02", value_parser = ["dp02", "dp02-object"])]
    preset: String,
    /// Number of rows (default: the real table's: 8,475,974 for dp02, about
    /// 147 M for dp02-object).
    #[arg(long)]
    rows: Option<u64>,
    /// Seed of every random choice: the same seed gives the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The snapshot to write (replaced if it holds a snapshot): a directory or
    /// an `s3://bucket/prefix/` URL.
    #[arg(long, short = 'o', value_name = "DIR|URL")]
    output: String,
    /// Write N Parquet parts, each a contiguous range of the sky sort key
    /// (default: one per 10 million rows, so that a cone opens a small one).
    #[arg(long)]
    parts: Option<u64>,
}

#[derive(Subcommand)]
enum SnapshotCommand {
    /// Tables, rows, row groups, columns with metadata, sky coverage.
    Info {
        /// The snapshot: a directory or a URL (default: the embedded demo snapshot).
        location: Option<String>,
    },
}

/// Where the query comes from and what it may use.
#[derive(Args)]
struct QueryArgs {
    /// The query text, or `-` to read standard input. It may begin with `-` or
    /// `--` (an SQL comment, as archives' example queries often do).
    #[arg(conflicts_with = "file", allow_hyphen_values = true)]
    query: Option<String>,
    /// Read the query from a file.
    #[arg(long, short = 'f')]
    file: Option<PathBuf>,
    /// What the language accepts.
    #[command(flatten)]
    language: LanguageArgs,
}

/// `--strict`, `--udf`, `--disable`, `--max-bytes`: what a query may use.
#[derive(Args)]
struct LanguageArgs {
    /// Report extensions to ADQL 2.1 (CASE, `*` beside other items, JOIN without
    /// ON/USING) as errors.
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
    /// Deepest accepted expression tree: a chain of `+ - * /` is as deep as it
    /// is long, and so is a list of conditions joined by AND or OR that the
    /// engine cannot read as an IN list.
    #[arg(long, default_value_t = ParseLimits::default().max_expression_depth)]
    max_expression_depth: u32,
    /// The ADQL version to check against: ADQL-2.1 (default) or ADQL-2.0, under
    /// which what 2.1 added is an error.
    #[arg(long = "lang", value_name = "LANG", default_value = "ADQL-2.1", value_parser = parse_language)]
    language: adql_syntax::Language,
}

fn parse_language(text: &str) -> Result<adql_syntax::Language, String> {
    adql_syntax::Language::parse(text)
        .ok_or_else(|| format!("`{text}` is not an ADQL version: use ADQL-2.0 or ADQL-2.1"))
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
}

impl LanguageArgs {
    fn options(&self) -> Result<ValidateOptions> {
        let features = FeatureSet::all_but(&self.disabled).map_err(anyhow::Error::msg)?;
        let udfs = self
            .udfs
            .iter()
            .map(|s| FunctionSignature::parse(s).with_context(|| format!("--udf {s:?}")))
            .collect::<Result<Vec<_>>>()?;
        Ok(ValidateOptions {
            limits: ParseLimits {
                max_bytes: self.max_bytes,
                max_expression_depth: self.max_expression_depth,
                ..ParseLimits::default()
            },
            check: CheckOptions {
                features,
                strict: self.strict,
                udfs,
                language: self.language,
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

/// Runs the `adql` command with `args` (the first is the program's name), as
/// the binary does with its own arguments; returns its exit status. Bad
/// arguments are reported on stderr (exit 2), `--help` and `--version` on
/// stdout (exit 0): the process is never exited from here.
pub fn main_with_args<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints usage errors to stderr and help to stdout itself.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    // The command runs on a thread with the stack a query's planning needs
    // (the main thread's is fixed at 8 MiB by the system).
    let command = std::thread::Builder::new()
        .name("adql".into())
        .stack_size(adql_engine::QUERY_STACK_BYTES)
        .spawn(move || run(cli));
    let outcome = match command {
        Ok(thread) => thread
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("internal error (see above)"))),
        Err(e) => Err(anyhow::Error::new(e).context("starting the command's thread")),
    };
    match outcome {
        Ok(code) => code,
        Err(err) => {
            eprintln!("adql: {}", report(&err));
            ExitCode::from(2)
        }
    }
}

/// The number of an exit status, for callers that must return it as one (the
/// Python package's `sys.exit`).
pub fn exit_status_number(code: ExitCode) -> u8 {
    (0..=u8::MAX)
        .find(|n| ExitCode::from(*n) == code)
        .unwrap_or(1)
}

fn run(cli: Cli) -> Result<ExitCode> {
    let Some(command) = &cli.command else {
        if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
            // The shell with every option at its default, as `adql shell` parses it.
            if let Some(Command::Shell(args)) = Cli::parse_from(["adql", "shell"]).command {
                return shell::run(&args);
            }
        }
        <Cli as clap::CommandFactory>::command().print_help()?;
        return Ok(ExitCode::from(2));
    };
    let args = match command {
        Command::Validate(args) | Command::Parse(args) | Command::Fmt(args) => args,
        Command::Generate(args) => return generate::generate(args),
        Command::Query(args) => return query::run(args),
        Command::Explain(args) => return query::explain(args),
        Command::Ingest(args) => return ingest::ingest(args),
        Command::Snapshot(SnapshotCommand::Info { location }) => {
            return snapshot::snapshot_info(location.as_deref())
        }
        Command::Serve(args) => return serve::serve(args),
        Command::Shell(args) => return shell::run(args),
        Command::Datalink(args) => return images::datalink(args),
        Command::Cutout(args) => return images::cutout(args),
        Command::Sia(args) => return images::sia(args),
        Command::Cluster(command) => return cluster::run(command),
    };
    let (text, origin) = args.read()?;
    let options = args.language.options()?;
    let validation = adql_syntax::validate(&text, &options);
    if !validation.diagnostics.is_empty() {
        eprint!("{}", validation.render(&text, &origin));
    }
    let valid = validation.is_valid();
    match (command, &validation.query) {
        (Command::Parse(_), Some(query)) => {
            commands::print_stdout(&serde_json::to_string_pretty(query)?)?;
        }
        (Command::Fmt(_), Some(query)) if valid => commands::print_stdout(&format!("{query:#}"))?,
        _ => {}
    }
    Ok(if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A size in bytes: a number, optionally followed by KiB, MiB, GiB (or K, M,
/// G: the same) or KB, MB, GB (powers of 1000).
fn parse_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let n: usize = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a size: a number of bytes, or e.g. 512MiB"))?;
    let factor: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        other => {
            return Err(format!(
                "unknown unit `{other}`: KiB, MiB, GiB, KB, MB or GB"
            ))
        }
    };
    n.checked_mul(factor)
        .ok_or_else(|| format!("`{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("2 GB"), Ok(2_000_000_000));
        assert_eq!(parse_size("1k"), Ok(1024));
        assert!(parse_size("MiB").is_err());
        assert!(parse_size("5 parsecs").is_err());
        assert!(parse_size("99999999999999999999GiB").is_err());
    }
}
