//! The `adql` command: validate, parse and format ADQL queries.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use adql_syntax::{
    CheckOptions, Feature, FeatureSet, FunctionSignature, ParseLimits, ValidateOptions,
};
use anyhow::{bail, Context, Result};
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("adql: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let (Command::Validate(args) | Command::Parse(args) | Command::Fmt(args)) = &cli.command;
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
