//! Helpers shared by the engine's integration tests (each test binary uses
//! some of them).
#![allow(dead_code)]

use std::path::PathBuf;

use arrow::array::RecordBatch;
use futures::StreamExt;

/// The Python with the test clients: `$ADQL_PYTHON`, or `.venv` at the root.
/// `needed` names what the test needs from it, for the message if it is missing.
pub fn python(needed: &str) -> PathBuf {
    if let Some(p) = std::env::var_os("ADQL_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    assert!(
        venv.exists(),
        "{needed} is needed: run `bash .ci/run` once, or create .venv (see README), or set ADQL_PYTHON"
    );
    venv
}

/// Runs `q` and collects its batches; an error fails the test, naming the query.
pub async fn collect(engine: &adql_engine::Engine, q: &str) -> Vec<RecordBatch> {
    let mut result = engine
        .query(q)
        .await
        .unwrap_or_else(|e| panic!("{q}: {e:?}"));
    let mut out = Vec::new();
    while let Some(b) = result.stream.next().await {
        out.push(b.unwrap_or_else(|e| panic!("{q}: {e:?}")));
    }
    out
}

/// The number of rows of `q`'s answer.
pub async fn count(engine: &adql_engine::Engine, q: &str) -> usize {
    collect(engine, q)
        .await
        .iter()
        .map(RecordBatch::num_rows)
        .sum()
}
