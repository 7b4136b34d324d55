//! Writes N ObsCore-shaped rows as a VOTable to a sink, generating batches on the
//! fly, and prints the peak resident set size: it stays flat as N grows.
//!
//! `cargo run --release -p adql-benches --example votable_rss -- 1000000 binary2`

use std::io::Write;

use adql_benches::obscore_like;
use votable::{Serialization, VotableWriter, WriterOptions};

struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rows: usize = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let serialization = match args.get(2).map(String::as_str) {
        Some("tabledata") => Serialization::TableData,
        _ => Serialization::Binary2,
    };
    let options = WriterOptions {
        serialization,
        ..WriterOptions::default()
    };
    let mut writer =
        VotableWriter::new(Counter(0), &obscore_like::schema(), &options).expect("header");
    let started = std::time::Instant::now();
    let mut done = 0;
    while done < rows {
        let n = 8192.min(rows - done);
        writer
            .write_batch(&obscore_like::batch(done, n))
            .expect("batch");
        done += n;
    }
    let out = writer.finish(false).expect("finish");
    println!(
        "{rows} rows, {:?}: {:.1} MB in {:.2?}, peak RSS {:.1} MiB",
        serialization,
        out.0 as f64 / 1e6,
        started.elapsed(),
        peak_rss_mib()
    );
}
