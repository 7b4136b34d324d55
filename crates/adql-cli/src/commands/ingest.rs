//! `adql ingest`: CSV, VOTable or Parquet files into a snapshot.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::Result;
use obscore::ingest::PositionSource;

use crate::IngestArgs;

pub(crate) fn ingest(args: &IngestArgs) -> Result<ExitCode> {
    // Ctrl-C stops the ingest between batches, so that its runs and the
    // partial snapshot are removed (a killed process would leave them).
    let cancel = Arc::new(AtomicBool::new(false));
    let runtime = crate::commands::query::runtime()?;
    let flag = cancel.clone();
    runtime.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            flag.store(true, Ordering::Relaxed);
        }
    });
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_message("reading");
    let started = std::time::Instant::now();
    let options = obscore::ingest::IngestOptions {
        table: args.table.clone(),
        obscore: args.obscore,
        // 0: one part per 10 million rows, decided once the rows are counted.
        parts: args.parts.unwrap_or(0),
        position: args.position.clone(),
        memory_limit: args.memory_limit_mib.saturating_mul(1 << 20),
        temp_dir: args.temp_dir.clone(),
        cancel: Some(cancel),
    };
    if args.format == "hats" {
        return ingest_hats(args, &options, &spinner, started);
    }
    let mut ingested = None;
    let result = crate::commands::storage::write_snapshot(&args.output, |dir| {
        let done = obscore::ingest::ingest(&args.inputs, dir, &options, &mut |rows| {
            spinner.set_message(format!("read {rows} rows"));
            spinner.tick();
        })?;
        let snapshot = done.snapshot.clone();
        ingested = Some(done);
        Ok(snapshot)
    });
    spinner.finish_and_clear();
    match result {
        Ok(snapshot) => {
            let ingested = ingested.expect("set on success");
            match &ingested.position {
                Some((p, how)) => say_position(p, *how),
                None => eprintln!(
                    "no position found (give --position RA,DEC): rows kept in input order, no spatial pruning"
                ),
            }
            let elapsed = started.elapsed();
            let rows = snapshot.manifest.rows;
            eprintln!(
                "wrote {rows} rows of {} to {} in {elapsed:.1?} ({})",
                snapshot.manifest.table.qualified_name(),
                snapshot.location,
                how_it_went(rows, elapsed, ingested.runs)
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("adql ingest: {}", crate::report(&e));
            let cancelled = e.chain().any(|c| {
                matches!(
                    c.downcast_ref::<obscore::ObscoreError>(),
                    Some(obscore::ObscoreError::Cancelled)
                )
            });
            Ok(ExitCode::from(if cancelled { 130 } else { 1 }))
        }
    }
}

fn say_position(p: &obscore::snapshot::Position, how: PositionSource) {
    eprintln!(
        "position: {}, {} ({}); rows sorted on the sky",
        p.ra,
        p.dec,
        match how {
            PositionSource::Given => "given",
            PositionSource::Ucd => "their UCDs",
            PositionSource::Name => "their names",
        }
    );
}

/// `--format hats`: a HATS catalogue in a local directory.
fn ingest_hats(
    args: &IngestArgs,
    options: &obscore::ingest::IngestOptions,
    spinner: &indicatif::ProgressBar,
    started: std::time::Instant,
) -> Result<ExitCode> {
    if adql_engine::storage::is_url(&args.output) {
        eprintln!(
            "adql ingest: --format hats writes a local directory, not {}",
            args.output
        );
        return Ok(ExitCode::from(2));
    }
    let result = obscore::ingest::ingest_hats(
        &args.inputs,
        std::path::Path::new(&args.output),
        options,
        args.hats_max_rows,
        &mut |rows| {
            spinner.set_message(format!("read {rows} rows"));
            spinner.tick();
        },
    );
    spinner.finish_and_clear();
    match result {
        Ok(done) => {
            say_position(&done.position.0, done.position.1);
            let elapsed = started.elapsed();
            eprintln!(
                "wrote a HATS catalogue of {} rows in {} partitions to {} in {elapsed:.1?} ({})",
                done.rows,
                done.partitions.len(),
                args.output,
                how_it_went(done.rows, elapsed, done.runs)
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(obscore::ObscoreError::Cancelled) => {
            eprintln!("adql ingest: cancelled");
            Ok(ExitCode::from(130))
        }
        Err(e) => {
            eprintln!("adql ingest: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

/// The rate, the runs spilled and the peak memory, for the last line.
fn how_it_went(rows: u64, elapsed: std::time::Duration, runs: usize) -> String {
    let mut out = format!(
        "{:.0} rows/s",
        rows as f64 / elapsed.as_secs_f64().max(1e-9)
    );
    if runs > 0 {
        out.push_str(&format!(", sorted in {runs} runs on disk"));
    }
    if let Some(m) = peak_memory_mib() {
        out.push_str(&format!(", peak memory {m} MiB"));
    }
    out
}

/// The process's peak resident memory (Linux: VmHWM), in MiB.
fn peak_memory_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}
