//! A Parquet file without spatial order (the demo's rows shuffled, public
//! columns only, as a file from elsewhere would be): positional queries give the
//! same answers as on the sky-ordered snapshot; range conditions are added only
//! where the row-group statistics let them skip row groups; and a positional
//! constraint reads the file late-materialised. And a snapshot of several
//! files is read whole.

use std::sync::Arc;

use arrow::array::{RecordBatch, UInt32Array};

mod common;
use common::count;

/// The demo snapshot, in one cache directory for all tests of this binary
/// (cargo's scratch directory for integration tests; reused by later runs).
fn demo() -> obscore::Snapshot {
    let cache = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("unsorted-tests-cache");
    std::env::set_var("ADQL_CACHE_DIR", cache);
    obscore::demo::demo_snapshot().unwrap()
}

/// The snapshot's public columns with the rows in a scrambled order, in row
/// groups as small as the demo's.
fn shuffled_copy(snapshot: &obscore::Snapshot, target: &std::path::Path) {
    let file = std::fs::File::open(&snapshot.files()[0]).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
    let all = arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap();
    let public: Vec<usize> = (0..all.num_columns())
        .filter(|&i| !all.schema().field(i).name().starts_with('_'))
        .collect();
    let all = all.project(&public).unwrap();
    // A fixed permutation: i ↦ i·p mod n with p prime to n.
    let n = all.num_rows() as u64;
    let p = 1_000_003u64;
    assert_eq!(gcd(n, p), 1);
    let order = UInt32Array::from_iter_values((0..n).map(|i| ((i * p) % n) as u32));
    let columns = all
        .columns()
        .iter()
        .map(|c| arrow::compute::take(c, &order, None).unwrap())
        .collect();
    let shuffled = RecordBatch::try_new(all.schema(), columns).unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(obscore::demo::DEMO_ROW_GROUP_ROWS))
        .build();
    let out = std::fs::File::create(target).unwrap();
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(out, Arc::clone(&shuffled.schema()), Some(props))
            .unwrap();
    writer.write(&shuffled).unwrap();
    writer.close().unwrap();
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

const POSITIONAL: [&str; 4] = [
    "CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 55.7, -32.3, 0.5)) = 1",
    "1 = CONTAINS(POINT('ICRS', s_ra, s_dec), POLYGON('ICRS', 58, -41, 62, -41, 62, -37, 58, -37))",
    "DISTANCE(POINT('ICRS', s_ra, s_dec), POINT('ICRS', 66, -28)) < 1.5",
    "CONTAINS(POINT('ICRS', s_ra, s_dec), BOX('ICRS', 70, -35, 2, 1)) = 1",
];

fn has_ranges(plan: &str) -> bool {
    plan.contains("s_dec BETWEEN") || plan.contains("s_dec >=")
}

#[tokio::test]
async fn unsorted_file_answers_alike_without_useless_ranges() {
    let dir = std::env::temp_dir().join(format!("adql-engine-unsorted-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let snapshot = demo();
    let copy = dir.join("shuffled.parquet");
    shuffled_copy(&snapshot, &copy);
    let engine =
        adql_engine::Engine::with_tables(&snapshot, &[("u.t".into(), copy.display().to_string())])
            .await
            .unwrap();

    for condition in POSITIONAL {
        let sorted = format!("SELECT obs_id FROM ivoa.ObsCore WHERE {condition}");
        let unsorted = format!("SELECT obs_id FROM u.t WHERE {condition}");
        let n = count(&engine, &sorted).await;
        assert!(n > 0, "{condition} finds nothing: a weak test");
        assert_eq!(count(&engine, &unsorted).await, n, "{condition}");

        // Sky order: the ranges skip row groups, so they are there.
        let plan = engine.explain(&sorted, false).await.unwrap();
        assert!(has_ranges(&plan) && plan.contains("_healpix"), "{plan}");
        // No order: every row group spans the footprint; the exact test alone.
        let plan = engine.explain(&unsorted, false).await.unwrap();
        assert!(!has_ranges(&plan), "{plan}");
        assert!(plan.contains("== Late materialisation"), "{plan}");
    }

    // Late materialisation skips the other columns of rows that fail the test…
    let cone = format!("SELECT obs_id FROM u.t WHERE {}", POSITIONAL[0]);
    let analyzed = engine.explain(&cone, true).await.unwrap();
    assert!(analyzed.contains("pushdown_rows_pruned="), "{analyzed}");
    assert!(!analyzed.contains("pushdown_rows_pruned=0,"), "{analyzed}");
    // …but not when the scan outputs only the filter's columns,
    let positions = format!("SELECT s_ra, s_dec FROM u.t WHERE {}", POSITIONAL[0]);
    let plan = engine.explain(&positions, true).await.unwrap();
    assert!(!plan.contains("== Late materialisation"), "{plan}");
    assert!(plan.contains("pushdown_rows_pruned=0,"), "{plan}");
    // A filter that is not positional is sampled: late when it keeps few rows
    // of a row group (an identifier), eager when it keeps many (a calibration
    // level, a large region, the outside of a cone).
    let mut found = Vec::new();
    for table in ["u.t", "ivoa.ObsCore"] {
        let q = format!("SELECT * FROM {table} WHERE obs_id = 'DC2-4431-17' AND lsst_band = 'i'");
        let plan = engine.explain(&q, false).await.unwrap();
        assert!(plan.contains("sampled rows"), "{plan}");
        found.push(count(&engine, &q).await);
        let analyzed = engine.explain(&q, true).await.unwrap();
        assert!(!analyzed.contains("pushdown_rows_pruned=0,"), "{analyzed}");
    }
    assert!(found[0] > 0 && found[0] == found[1], "{found:?}");
    for other in [
        "SELECT obs_id FROM u.t WHERE calib_level = 2",
        "SELECT obs_id FROM u.t WHERE CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 55.7, -32.3, 30)) = 1",
        "SELECT obs_id FROM u.t WHERE CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 55.7, -32.3, 0.5)) = 0",
    ] {
        let plan = engine.explain(other, false).await.unwrap();
        assert!(!plan.contains("== Late materialisation"), "{plan}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn a_snapshot_of_two_files_reads_both() {
    let dir = std::env::temp_dir().join(format!("adql-engine-two-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let demo = demo();
    // The demo's file twice, listed in the sidecar as two parts.
    let two = dir.join("two");
    std::fs::create_dir_all(&two).unwrap();
    for part in ["part-00000.parquet", "part-00001.parquet"] {
        std::fs::copy(&demo.files()[0], two.join(part)).unwrap();
    }
    let mut sidecar: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(demo.dir().unwrap().join("snapshot.json")).unwrap(),
    )
    .unwrap();
    // As a sidecar from before parts were recorded: files only.
    sidecar.as_object_mut().unwrap().remove("parts");
    sidecar["files"] = serde_json::json!(["part-00000.parquet", "part-00001.parquet"]);
    sidecar["rows"] = serde_json::json!(2 * obscore::demo::DEMO_ROWS);
    std::fs::write(two.join("snapshot.json"), sidecar.to_string()).unwrap();

    let snapshot = obscore::Snapshot::open(&two).unwrap();
    let engine = adql_engine::Engine::new(&snapshot).await.unwrap();
    let all = count(&engine, "SELECT obs_id FROM ivoa.ObsCore").await;
    assert_eq!(all as u64, 2 * obscore::demo::DEMO_ROWS);
    let cone = format!("SELECT obs_id FROM ivoa.ObsCore WHERE {}", POSITIONAL[0]);
    let single = adql_engine::Engine::new(&demo).await.unwrap();
    assert_eq!(count(&engine, &cone).await, 2 * count(&single, &cone).await);

    // A part that is not Parquet: the error names it.
    std::fs::write(two.join("part-00001.parquet"), b"PAR1 not parquet").unwrap();
    let err = adql_engine::Engine::new(&snapshot)
        .await
        .err()
        .expect("a broken part is an error")
        .to_string();
    assert!(err.contains("part-00001.parquet"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
