//! Helpers shared by the engine's integration tests (each test binary uses
//! some of them).
#![allow(dead_code)]

pub mod cases;

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

/// Runs the reference script `script` (a file of `adql-engine/tests/`) with
/// the test Python (`needed` says what it needs, for the message if it is
/// missing) into `dir`, and returns the `expected.json` it writes there.
pub fn run_reference(script: &str, needed: &str, dir: &std::path::Path) -> serde_json::Value {
    std::fs::create_dir_all(dir).unwrap();
    // From this crate's directory or a sibling's (the CLI's tests include this module).
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../adql-engine/tests")
        .join(script);
    let out = std::process::Command::new(python(needed))
        .arg(script)
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap()
}

/// Runs `spatial_reference.py` into `dir` (points.parquet, expected.json) and
/// returns expected.json.
pub fn spatial_reference(dir: &std::path::Path) -> serde_json::Value {
    run_reference("spatial_reference.py", "astropy", dir)
}

/// The pairs `spatial_reference.py` found for its crossmatch (at least 400).
pub fn crossmatch_pairs(expected: &serde_json::Value) -> std::collections::BTreeSet<(i64, i64)> {
    let pairs: std::collections::BTreeSet<(i64, i64)> = expected["crossmatch"]["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_i64().unwrap(), p[1].as_i64().unwrap()))
        .collect();
    assert!(pairs.len() > 400, "a weak crossmatch");
    pairs
}

/// The crossmatch of `spatial_reference.py`'s points: a self-join with
/// CONTAINS(POINT(a), CIRCLE(b, r)) = 1 over the ids it lists.
pub fn crossmatch_query(expected: &serde_json::Value) -> String {
    let x = &expected["crossmatch"];
    let list = x["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let r = x["radius"].as_f64().unwrap();
    format!(
        "SELECT a.id, b.id FROM test.points AS a JOIN test.points AS b ON CONTAINS(POINT('ICRS', a.ra, a.dec), CIRCLE('ICRS', b.ra, b.dec, {r})) = 1 WHERE a.id IN ({list}) AND b.id IN ({list})"
    )
}

/// The seed queries users run (`shared/reference/seed-queries.md`).
pub fn seed_queries() -> Vec<String> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/seed-queries.md");
    let path = std::env::var_os("ADQL_SHARED_DIR")
        .map(|d| PathBuf::from(d).join("reference/seed-queries.md"))
        .unwrap_or(path);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.split("```sql\n")
        .skip(1)
        .map(|s| s.split("```").next().unwrap().trim().to_string())
        .collect()
}
