//! `adql generate`: a synthetic DP0.2-like ObsCore snapshot, or its Object catalogue.

use std::process::ExitCode;

use anyhow::{bail, Result};

use crate::GenerateArgs;

pub(crate) fn generate(args: &GenerateArgs) -> Result<ExitCode> {
    let objects = match args.preset.as_str() {
        "dp02" => false,
        "dp02-object" => true,
        other => bail!("unknown preset `{other}`: dp02 (ObsCore) or dp02-object"),
    };
    let rows = args.rows.unwrap_or(if objects {
        obscore::object::OBJECT_FULL_ROWS
    } else {
        obscore::generate::FULL_ROWS
    });
    if rows < 100 {
        bail!("--rows must be at least 100");
    }
    let bar = indicatif::ProgressBar::new(rows);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {msg} [{bar:40}] {pos}/{len} rows ({per_sec}, {eta})",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_message("generating");
    let started = std::time::Instant::now();
    let parts = args
        .parts
        .unwrap_or_else(|| obscore::snapshot::auto_parts(rows));
    if parts == 0 {
        bail!("--parts must be at least 1");
    }
    let options = obscore::GenerateOptions {
        parts,
        ..obscore::GenerateOptions::new(rows, args.seed)
    };
    let written = crate::commands::storage::write_snapshot(&args.output, |dir| {
        let mut progress = |done, _| bar.set_position(done);
        Ok(if objects {
            obscore::object::generate_objects(dir, &options, &mut progress)?
        } else {
            obscore::generate(dir, &options, &mut progress)?
        })
    })?;
    bar.finish_and_clear();
    eprintln!(
        "wrote {} rows in {} row groups ({} part{}) to {} in {:.1?}",
        written.manifest.rows,
        written.manifest.row_groups,
        written.manifest.files.len(),
        if written.manifest.files.len() == 1 {
            ""
        } else {
            "s"
        },
        written.location,
        started.elapsed()
    );
    Ok(ExitCode::SUCCESS)
}
