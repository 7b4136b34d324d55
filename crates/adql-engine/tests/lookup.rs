//! Key lookups (`Engine::find_rows`): the same rows as the equivalent query,
//! one row group read per ID on a snapshot (its bloom filters), and the
//! other kinds of table (Parquet without bloom filters, in memory) answered too.

use std::sync::Arc;

use arrow::array::{Array, AsArray, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};

mod common;

fn strings(batches: &[RecordBatch], column: usize) -> Vec<String> {
    let mut out = Vec::new();
    for b in batches {
        let c = arrow::compute::cast(b.column(column), &DataType::Utf8).unwrap();
        let c = c.as_string::<i32>();
        out.extend((0..c.len()).map(|i| c.value(i).to_string()));
    }
    out
}

#[tokio::test]
async fn lookups_find_what_queries_find_reading_one_row_group() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("lookup-tests-cache");
    std::env::set_var("ADQL_CACHE_DIR", &dir);
    let engine = adql_engine::Engine::demo().await.expect("demo snapshot");
    // IDs spread over the file: every 750th row in sky order.
    let sample = common::collect(
        &engine,
        "SELECT obs_publisher_did, s_region, lsst_band FROM ivoa.ObsCore WHERE MOD(lsst_visit + lsst_detector, 750) = 0 OR lsst_visit IS NULL AND MOD(lsst_patch, 20) = 3",
    )
    .await;
    let dids = strings(&sample, 0);
    let regions = strings(&sample, 1);
    assert!(dids.len() >= 100, "{} IDs sampled", dids.len());
    let entry = engine
        .catalogue()
        .tables()
        .iter()
        .find(|t| t.meta.qualified_name() == "ivoa.ObsCore")
        .unwrap();
    let table = adql_engine::catalog::ParquetTable::of(entry.provider.as_ref()).unwrap();
    let mut read = 0;
    for (did, region) in dids.iter().zip(&regions) {
        let found = engine
            .find_rows(
                "ivoa.obscore",
                "obs_publisher_did",
                did,
                &["s_region", "obs_publisher_did"],
            )
            .await
            .unwrap();
        assert_eq!(strings(&found, 0), vec![region.clone()], "{did}");
        assert_eq!(strings(&found, 1), vec![did.clone()]);
        let (groups, total) = table
            .lookup_row_groups("obs_publisher_did", did)
            .await
            .unwrap();
        assert_eq!(total, 19);
        // The ID index names the one row group that holds it.
        assert_eq!(groups, 1, "{did}");
        read += groups;
    }
    assert_eq!(read, dids.len());
    // An ID that is not there: nothing, and nothing read.
    let missing = "ivo://org.rubinobs/usdac/dp02?repo=dp02&id=00000000-0000-0000-0000-000000000000";
    let none = engine
        .find_rows("ivoa.ObsCore", "obs_publisher_did", missing, &["s_region"])
        .await
        .unwrap();
    assert_eq!(none.iter().map(|b| b.num_rows()).sum::<usize>(), 0);
    assert!(
        table
            .lookup_row_groups("obs_publisher_did", missing)
            .await
            .unwrap()
            .0
            <= 1
    );
    // Unknown table or column: errors, not empty answers.
    assert!(engine
        .find_rows("ivoa.nope", "obs_publisher_did", missing, &["s_region"])
        .await
        .is_err());
    assert!(engine
        .find_rows("ivoa.ObsCore", "nope", missing, &["s_region"])
        .await
        .is_err());
    assert!(engine
        .find_rows("ivoa.ObsCore", "obs_publisher_did", missing, &["nope"])
        .await
        .is_err());
    // TAP_SCHEMA is in memory: filtered in full, same answer.
    let tables = engine
        .find_rows(
            "TAP_SCHEMA.tables",
            "table_name",
            "ivoa.ObsCore",
            &["schema_name"],
        )
        .await
        .unwrap();
    assert_eq!(strings(&tables, 0), vec!["ivoa".to_string()]);
}

#[tokio::test]
async fn parquet_without_bloom_filters_is_read_whole() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("lookup-plain");
    std::fs::create_dir_all(&dir).unwrap();
    std::env::set_var("ADQL_CACHE_DIR", dir.join("cache"));
    let path = dir.join("ids.parquet");
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, true),
        Field::new("value", DataType::Utf8, true),
    ]));
    let ids: Vec<String> = (0..5000).map(|i| format!("id-{i:05}")).collect();
    let values: Vec<String> = (0..5000).map(|i| format!("v{i}")).collect();
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from(ids)),
            Arc::new(StringArray::from(values)),
        ],
    )
    .unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(1000))
        .build();
    let mut writer = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&path).unwrap(),
        schema,
        Some(props),
    )
    .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    let snapshot = obscore::demo::demo_snapshot().unwrap();
    let engine = adql_engine::Engine::with_tables(
        &snapshot,
        &[("user.ids".into(), path.display().to_string())],
    )
    .await
    .unwrap();
    let found = engine
        .find_rows("user.ids", "id", "id-03456", &["value", "id"])
        .await
        .unwrap();
    assert_eq!(strings(&found, 0), vec!["v3456".to_string()]);
    // Min/max rule out the row groups of other ranges: sorted IDs read one.
    let entry = engine
        .catalogue()
        .tables()
        .iter()
        .find(|t| t.meta.qualified_name() == "user.ids")
        .unwrap();
    let table = adql_engine::catalog::ParquetTable::of(entry.provider.as_ref()).unwrap();
    assert_eq!(
        table.lookup_row_groups("id", "id-03456").await.unwrap(),
        (1, 5)
    );
    let none = engine
        .find_rows("user.ids", "id", "id-99999", &["value"])
        .await
        .unwrap();
    assert!(none.iter().all(|b| b.num_rows() == 0));
}

#[tokio::test]
async fn without_a_readable_id_index_the_bloom_filters_answer() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("lookup-no-index");
    std::env::set_var("ADQL_CACHE_DIR", dir.join("cache"));
    let demo = obscore::demo::demo_snapshot().unwrap();
    // A copy of the demo whose index is corrupt (and one without it): the
    // same answers, through the bloom filters.
    for damage in ["corrupt", "missing"] {
        let copy = dir.join(damage);
        std::fs::create_dir_all(&copy).unwrap();
        for f in ["part-00000.parquet", "snapshot.json", "part-00000.ids"] {
            std::fs::copy(demo.dir().unwrap().join(f), copy.join(f)).unwrap();
        }
        let ids = copy.join("part-00000.ids");
        if damage == "corrupt" {
            let mut bytes = std::fs::read(&ids).unwrap();
            bytes[0] = b'X';
            std::fs::write(&ids, bytes).unwrap();
        } else {
            std::fs::remove_file(&ids).unwrap();
        }
        let snapshot = obscore::Snapshot::open(&copy).unwrap();
        let engine = adql_engine::Engine::new(&snapshot).await.unwrap();
        let sample = common::collect(
            &engine,
            "SELECT TOP 20 obs_publisher_did, s_region FROM ivoa.ObsCore WHERE MOD(lsst_visit, 97) = 5",
        )
        .await;
        for (did, region) in strings(&sample, 0).iter().zip(strings(&sample, 1)) {
            let found = engine
                .find_rows("ivoa.ObsCore", "obs_publisher_did", did, &["s_region"])
                .await
                .unwrap();
            assert_eq!(strings(&found, 0), vec![region], "{damage}: {did}");
        }
    }
}
