//! `adql generate`: a synthetic DP0.2-like ObsCore snapshot.

use std::process::ExitCode;

use anyhow::{bail, Result};

use crate::GenerateArgs;

pub(crate) fn generate(args: &GenerateArgs) -> Result<ExitCode> {
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
    if args.parts == 0 {
        bail!("--parts must be at least 1");
    }
    let options = obscore::GenerateOptions {
        parts: args.parts,
        ..obscore::GenerateOptions::new(args.rows, args.seed)
    };
    let written = crate::commands::storage::write_snapshot(&args.output, |dir| {
        Ok(obscore::generate(dir, &options, &mut |done, _| {
            bar.set_position(done)
        })?)
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
