//! Helpers shared by the CLI's integration tests.

use std::process::{Command, Output};

/// Runs the `adql` binary with `args`, its demo snapshot cached in `cache`.
pub fn adql(args: &[&str], cache: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_adql"))
        .args(args)
        .env("ADQL_CACHE_DIR", cache)
        .output()
        .expect("adql runs")
}

/// The demo snapshot's directory under `cache` (its name carries the format
/// and revision, which the tests need not know).
#[allow(dead_code)]
pub fn demo_dir(cache: &std::path::Path) -> std::path::PathBuf {
    std::fs::read_dir(cache)
        .expect("the cache exists")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("demo-v"))
                && p.join("snapshot.json").exists()
        })
        .expect("the demo snapshot was built")
}
