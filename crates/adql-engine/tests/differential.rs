//! Differential tests: non-spatial queries answered by adql-engine and by DuckDB
//! (pip, run from `$ADQL_PYTHON` or `.venv`) over the same Parquet file must
//! agree, row for row (as multisets unless ordered; floats to 1e-9 relative).

use std::path::PathBuf;

use arrow::array::{Array, RecordBatch};
use serde_json::Value;

mod common;

fn cell(a: &dyn Array, i: usize) -> Value {
    if a.is_null(i) {
        return Value::Null;
    }
    let text = arrow::util::display::array_value_to_string(a, i).unwrap();
    match a.data_type() {
        d if d.is_integer() => Value::from(text.parse::<i64>().unwrap()),
        d if d.is_floating() => Value::from(text.parse::<f64>().unwrap()),
        _ => Value::from(text),
    }
}

fn rows(batches: &[RecordBatch]) -> Vec<Vec<Value>> {
    batches
        .iter()
        .flat_map(|b| {
            (0..b.num_rows()).map(move |i| {
                b.columns()
                    .iter()
                    .map(|c| cell(c.as_ref(), i))
                    .collect::<Vec<_>>()
            })
        })
        .collect()
}

fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()),
        _ => a == b,
    }
}

fn key(row: &[Value]) -> String {
    row.iter()
        .map(|v| match v.as_f64() {
            Some(x) => format!("{x:.6e}"),
            None => v.to_string(),
        })
        .collect::<Vec<_>>()
        .join("|")
}

#[tokio::test]
async fn engine_agrees_with_duckdb() {
    let dir = std::env::temp_dir().join(format!("adql-engine-diff-{}", std::process::id()));
    std::env::set_var("ADQL_CACHE_DIR", &dir);
    let engine = adql_engine::Engine::demo().await.unwrap();
    let parquet = obscore::demo::demo_snapshot().unwrap().files()[0].clone();
    let sql: Vec<&str> = common::cases::DIFFERENTIAL.iter().map(|c| c.1).collect();
    let mut child = std::process::Command::new(common::python("DuckDB"))
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/duckdb_diff.py"))
        .arg(&parquet)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(&sql).unwrap().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let expected: Vec<Vec<Vec<Value>>> = serde_json::from_slice(&output.stdout).unwrap();
    for ((adql, _, ordered), want) in common::cases::DIFFERENTIAL.iter().zip(expected) {
        let batches = common::collect(&engine, adql).await;
        let mut got = rows(&batches);
        let mut want = want;
        assert!(
            !want.is_empty(),
            "{adql}: DuckDB found nothing, a weak case"
        );
        if !ordered {
            got.sort_by_key(|r| key(r));
            want.sort_by_key(|r| key(r));
        }
        assert_eq!(got.len(), want.len(), "{adql}");
        for (g, w) in got.iter().zip(&want) {
            assert!(
                g.len() == w.len() && g.iter().zip(w).all(|(a, b)| same(a, b)),
                "{adql}\n adql-engine: {g:?}\n DuckDB:      {w:?}"
            );
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}
