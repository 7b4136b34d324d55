//! Differential tests: non-spatial queries answered by adql-engine and by DuckDB
//! (pip, run from `$ADQL_PYTHON` or `.venv`) over the same Parquet file must
//! agree, row for row (as multisets unless ordered; floats to 1e-9 relative).

use std::path::PathBuf;

use arrow::array::{Array, RecordBatch};
use serde_json::Value;

mod common;

/// (ADQL, the same question in DuckDB's SQL over the view `obscore`, ordered?)
const CASES: &[(&str, &str, bool)] = &[
    ("SELECT dataproduct_subtype, COUNT(*) FROM ivoa.ObsCore GROUP BY dataproduct_subtype",
     "SELECT dataproduct_subtype, COUNT(*) FROM obscore GROUP BY dataproduct_subtype", false),
    ("SELECT calib_level, COUNT(*) AS n, MIN(s_ra), MAX(s_dec), AVG(em_min) FROM ivoa.ObsCore GROUP BY calib_level",
     "SELECT calib_level, COUNT(*), MIN(s_ra), MAX(s_dec), AVG(em_min) FROM obscore GROUP BY calib_level", false),
    ("SELECT dataproduct_subtype, COUNT(*) FROM ivoa.ObsCore WHERE calib_level = '1' GROUP BY dataproduct_subtype",
     "SELECT dataproduct_subtype, COUNT(*) FROM obscore WHERE calib_level = 1 GROUP BY dataproduct_subtype", false),
    ("SELECT TOP 10 obs_id, s_ra FROM ivoa.ObsCore WHERE lsst_band = 'i' AND s_dec BETWEEN -35 AND -30 ORDER BY s_ra DESC, obs_id",
     "SELECT obs_id, s_ra FROM obscore WHERE lsst_band = 'i' AND s_dec BETWEEN -35 AND -30 ORDER BY s_ra DESC, obs_id LIMIT 10", true),
    ("SELECT TOP 5 obs_id FROM ivoa.ObsCore WHERE lsst_visit IS NOT NULL ORDER BY lsst_visit, lsst_detector, obs_id OFFSET 7",
     "SELECT obs_id FROM obscore WHERE lsst_visit IS NOT NULL ORDER BY lsst_visit, lsst_detector, obs_id LIMIT 5 OFFSET 7", true),
    ("SELECT DISTINCT lsst_band, lsst_filter FROM ivoa.ObsCore",
     "SELECT DISTINCT lsst_band, lsst_filter FROM obscore", false),
    ("SELECT COUNT(DISTINCT lsst_visit), COUNT(lsst_tract), SUM(access_estsize) FROM ivoa.ObsCore",
     "SELECT COUNT(DISTINCT lsst_visit), COUNT(lsst_tract), SUM(access_estsize) FROM obscore", false),
    ("SELECT lsst_tract, COUNT(*) FROM ivoa.ObsCore WHERE lsst_tract IS NOT NULL GROUP BY lsst_tract HAVING COUNT(*) > 60",
     "SELECT lsst_tract, COUNT(*) FROM obscore WHERE lsst_tract IS NOT NULL GROUP BY lsst_tract HAVING COUNT(*) > 60", false),
    ("SELECT COUNT(*) FROM ivoa.ObsCore WHERE obs_id LIKE 'DC2-4431-%' OR dataproduct_subtype IN ('lsst.calexp', 'x')",
     "SELECT COUNT(*) FROM obscore WHERE obs_id LIKE 'DC2-4431-%' OR dataproduct_subtype IN ('lsst.calexp', 'x')", false),
    ("SELECT COUNT(*) FROM ivoa.ObsCore WHERE NOT (s_ra > 60 AND s_dec < -35) AND lsst_detector <> 4",
     "SELECT COUNT(*) FROM obscore WHERE NOT (s_ra > 60 AND s_dec < -35) AND lsst_detector <> 4", false),
    ("SELECT TOP 20 obs_id, lsst_detector / 10, MOD(lsst_detector, 7), ROUND(s_ra, 2), TRUNCATE(s_dec, 1), ABS(s_dec), SQRT(s_fov), LOG(s_fov), LOG10(em_max), POWER(s_fov, 2), UPPER(lsst_band) || '-' || LOWER(lsst_filter) FROM ivoa.ObsCore WHERE lsst_detector IS NOT NULL ORDER BY obs_id, lsst_visit",
     "SELECT obs_id, lsst_detector // 10, lsst_detector % 7, ROUND(s_ra, 2), TRUNC(s_dec * 10) / 10, ABS(s_dec), SQRT(s_fov), LN(s_fov), LOG10(em_max), POWER(s_fov, 2), UPPER(lsst_band) || '-' || LOWER(lsst_filter) FROM obscore WHERE lsst_detector IS NOT NULL ORDER BY obs_id, lsst_visit LIMIT 20", true),
    ("SELECT COUNT(*), SUM(CASE WHEN calib_level = 3 THEN 1 ELSE 0 END), MAX(COALESCE(lsst_visit, -1)), MIN(CAST(s_ra AS INTEGER)) FROM ivoa.ObsCore",
     "SELECT COUNT(*), SUM(CASE WHEN calib_level = 3 THEN 1 ELSE 0 END), MAX(COALESCE(lsst_visit, -1)), MIN(CAST(s_ra AS INTEGER)) FROM obscore", false),
    ("SELECT COUNT(*) FROM ivoa.ObsCore WHERE lsst_band ILIKE 'I' AND t_min BETWEEN 59600 AND 60000",
     "SELECT COUNT(*) FROM obscore WHERE lsst_band ILIKE 'I' AND t_min BETWEEN 59600 AND 60000", false),
    ("SELECT TOP 50 c.obs_id, d.access_url FROM ivoa.ObsCore AS c JOIN ivoa.ObsCore AS d ON c.lsst_visit = d.lsst_visit AND c.lsst_detector = d.lsst_detector WHERE c.dataproduct_subtype = 'lsst.calexp' AND d.dataproduct_subtype = 'lsst.raw' ORDER BY c.obs_id, d.access_url",
     "SELECT c.obs_id, d.access_url FROM obscore AS c JOIN obscore AS d ON c.lsst_visit = d.lsst_visit AND c.lsst_detector = d.lsst_detector WHERE c.dataproduct_subtype = 'lsst.calexp' AND d.dataproduct_subtype = 'lsst.raw' ORDER BY c.obs_id, d.access_url LIMIT 50", true),
    ("SELECT a.dataproduct_subtype, COUNT(*) FROM ivoa.ObsCore AS a JOIN ivoa.ObsCore AS b USING (obs_id) WHERE b.calib_level = 1 GROUP BY a.dataproduct_subtype",
     "SELECT a.dataproduct_subtype, COUNT(*) FROM obscore AS a JOIN obscore AS b USING (obs_id) WHERE b.calib_level = 1 GROUP BY a.dataproduct_subtype", false),
    ("SELECT COUNT(*), COUNT(d.obs_id) FROM ivoa.ObsCore AS c LEFT OUTER JOIN ivoa.ObsCore AS d ON c.obs_id = d.obs_id AND d.calib_level = 3 WHERE c.calib_level = 2",
     "SELECT COUNT(*), COUNT(d.obs_id) FROM obscore AS c LEFT OUTER JOIN obscore AS d ON c.obs_id = d.obs_id AND d.calib_level = 3 WHERE c.calib_level = 2", false),
    ("SELECT lsst_band FROM ivoa.ObsCore WHERE obs_id = 'DC2-4431-17' UNION SELECT lsst_filter FROM ivoa.ObsCore WHERE obs_id = 'DC2-4431-16' ORDER BY 1",
     "SELECT lsst_band FROM obscore WHERE obs_id = 'DC2-4431-17' UNION SELECT lsst_filter FROM obscore WHERE obs_id = 'DC2-4431-16' ORDER BY 1", true),
    ("SELECT obs_id FROM ivoa.ObsCore WHERE obs_id LIKE 'DC2-4431-1%' INTERSECT SELECT obs_id FROM ivoa.ObsCore WHERE lsst_band = 'u' UNION ALL SELECT obs_id FROM ivoa.ObsCore WHERE obs_id = 'DC2-4431-2' EXCEPT SELECT obs_id FROM ivoa.ObsCore WHERE obs_id = 'DC2-4431-10'",
     "(SELECT obs_id FROM obscore WHERE obs_id LIKE 'DC2-4431-1%' INTERSECT SELECT obs_id FROM obscore WHERE lsst_band = 'u') UNION ALL SELECT obs_id FROM obscore WHERE obs_id = 'DC2-4431-2' EXCEPT SELECT obs_id FROM obscore WHERE obs_id = 'DC2-4431-10'", false),
    ("WITH v AS (SELECT lsst_visit, COUNT(*) AS n FROM ivoa.ObsCore WHERE lsst_visit IS NOT NULL GROUP BY lsst_visit), w AS (SELECT n FROM v WHERE n > 500) SELECT COUNT(*), MAX(n) FROM w",
     "WITH v AS (SELECT lsst_visit, COUNT(*) AS n FROM obscore WHERE lsst_visit IS NOT NULL GROUP BY lsst_visit), w AS (SELECT n FROM v WHERE n > 500) SELECT COUNT(*), MAX(n) FROM w", false),
    ("SELECT q.band, q.n FROM (SELECT lsst_band AS band, COUNT(*) AS n FROM ivoa.ObsCore GROUP BY lsst_band) AS q WHERE q.n > 20000",
     "SELECT q.band, q.n FROM (SELECT lsst_band AS band, COUNT(*) AS n FROM obscore GROUP BY lsst_band) AS q WHERE q.n > 20000", false),
    ("SELECT COUNT(*) FROM ivoa.ObsCore WHERE lsst_visit IN (SELECT lsst_visit FROM ivoa.ObsCore WHERE lsst_band = 'u' AND lsst_detector = 0)",
     "SELECT COUNT(*) FROM obscore WHERE lsst_visit IN (SELECT lsst_visit FROM obscore WHERE lsst_band = 'u' AND lsst_detector = 0)", false),
    ("SELECT COUNT(*) FROM ivoa.ObsCore WHERE obs_id NOT IN (SELECT obs_id FROM ivoa.ObsCore WHERE calib_level = 1)",
     "SELECT COUNT(*) FROM obscore WHERE obs_id NOT IN (SELECT obs_id FROM obscore WHERE calib_level = 1)", false),
    ("SELECT o.lsst_band, COUNT(*) FROM ivoa.ObsCore AS o WHERE o.calib_level = 2 AND NOT EXISTS (SELECT 1 FROM ivoa.ObsCore AS p WHERE p.obs_id = o.obs_id AND p.calib_level = 3) GROUP BY o.lsst_band",
     "SELECT o.lsst_band, COUNT(*) FROM obscore AS o WHERE o.calib_level = 2 AND NOT EXISTS (SELECT 1 FROM obscore AS p WHERE p.obs_id = o.obs_id AND p.calib_level = 3) GROUP BY o.lsst_band", false),
    ("SELECT p.lsst_band, COUNT(*) FROM ivoa.ObsCore AS p, ivoa.ObsCore AS q WHERE p.obs_id = 'DC2-4431-17' AND q.obs_id = 'DC2-4431-16' AND p.lsst_band = q.lsst_band GROUP BY p.lsst_band",
     "SELECT p.lsst_band, COUNT(*) FROM obscore AS p, obscore AS q WHERE p.obs_id = 'DC2-4431-17' AND q.obs_id = 'DC2-4431-16' AND p.lsst_band = q.lsst_band GROUP BY p.lsst_band", false),
];

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
    let sql: Vec<&str> = CASES.iter().map(|c| c.1).collect();
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
    for ((adql, _, ordered), want) in CASES.iter().zip(expected) {
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
