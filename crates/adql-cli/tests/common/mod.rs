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
