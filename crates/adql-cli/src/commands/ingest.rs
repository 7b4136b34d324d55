//! `adql ingest`: CSV, VOTable or Parquet files into a snapshot.

use std::process::ExitCode;

use anyhow::Result;

use crate::IngestArgs;

pub(crate) fn ingest(args: &IngestArgs) -> Result<ExitCode> {
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_message("reading");
    let started = std::time::Instant::now();
    let options = obscore::ingest::IngestOptions {
        table: args.table.clone(),
        obscore: args.obscore,
        parts: args.parts,
    };
    let result = crate::commands::storage::write_snapshot(&args.output, |dir| {
        obscore::ingest::ingest(&args.inputs, dir, &options, &mut |rows| {
            spinner.set_message(format!("read {rows} rows"));
            spinner.tick();
        })
        .map_err(|e| anyhow::anyhow!("{e}"))
    });
    spinner.finish_and_clear();
    match result {
        Ok(snapshot) => {
            eprintln!(
                "wrote {} rows of {} to {} in {:.1?}",
                snapshot.manifest.rows,
                snapshot.manifest.table.qualified_name(),
                snapshot.location,
                started.elapsed()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("adql ingest: {}", crate::report(&e));
            Ok(ExitCode::from(1))
        }
    }
}
