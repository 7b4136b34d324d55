//! The same answers whatever the layout and wherever the files are: the demo
//! snapshot as one file and in eight sky parts, each read from a local
//! directory and from an S3-compatible server (moto, started here, checking
//! signatures), must give the same rows for every seed query, the
//! differential queries, the spatial test queries (cones, polygons, distances
//! at the seam and the poles, over a table given by URL) and a crossmatch
//! join; a cone on the parted snapshot opens one or two parts.

use arrow::array::{Array, RecordBatch};
use arrow::util::display::{ArrayFormatter, FormatOptions};

mod common;
#[path = "../../../testdata/s3.rs"]
mod s3;

/// The rows of `batches` as text, floats to 9 significant digits (sums over
/// parts add in another order).
fn rows(batches: &[RecordBatch]) -> Vec<String> {
    let options = FormatOptions::default().with_null("NULL");
    let mut out = Vec::new();
    for b in batches {
        let formatters: Vec<_> = b
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options).unwrap())
            .collect();
        for i in 0..b.num_rows() {
            let cells: Vec<String> =
                b.columns()
                    .iter()
                    .zip(&formatters)
                    .map(|(c, f)| match c.data_type() {
                        arrow::datatypes::DataType::Float64 if c.is_valid(i) => {
                            let v = arrow::array::AsArray::as_primitive::<
                                arrow::datatypes::Float64Type,
                            >(c.as_ref())
                            .value(i);
                            format!("{v:.8e}")
                        }
                        _ => f.value(i).to_string(),
                    })
                    .collect();
            out.push(cells.join("|"));
        }
    }
    out
}

/// What must agree: the rows in order for an ordered query, as a multiset
/// otherwise; only the count where TOP picks rows without an order.
fn answer(q: &str, batches: &[RecordBatch]) -> Vec<String> {
    let upper = q.to_ascii_uppercase();
    let mut r = rows(batches);
    if upper.contains("TOP ") && !upper.contains("ORDER BY") {
        return vec![r.len().to_string()];
    }
    if !upper.contains("ORDER BY") {
        r.sort();
    }
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_rows_from_files_parts_and_s3() {
    let server = s3::S3Server::start("adql");
    for (k, v) in server.env() {
        std::env::set_var(k, v);
    }
    let cache = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("object-store-tests");
    std::fs::create_dir_all(&cache).unwrap();
    std::env::set_var("ADQL_CACHE_DIR", &cache);
    let one = obscore::demo::demo_snapshot().unwrap();
    // The demo in eight parts: the same rows, options and seed.
    let eight_dir = cache.join("demo-eight-parts");
    let eight = obscore::generate(
        &eight_dir,
        &obscore::GenerateOptions {
            row_group_rows: obscore::demo::DEMO_ROW_GROUP_ROWS,
            parts: 8,
            ..obscore::GenerateOptions::new(obscore::demo::DEMO_ROWS, obscore::demo::DEMO_SEED)
        },
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(eight.manifest.files.len(), 8);
    assert_eq!(eight.manifest.rows, one.manifest.rows);
    let points_dir = cache.join("spatial");
    let expected = common::spatial_reference(&points_dir);
    let points = points_dir.join("points.parquet");

    // Up to the store: both snapshots, and the points table as one object.
    let s3_one = adql_engine::storage::upload_snapshot(one.dir().unwrap(), &server.url("one"))
        .await
        .unwrap();
    let s3_eight = adql_engine::storage::upload_snapshot(&eight_dir, &server.url("eight"))
        .await
        .unwrap();
    let points_url = format!("{}points.parquet", server.url("tables"));
    {
        use object_store::ObjectStoreExt;
        let object = adql_engine::storage::store_for(&points_url).unwrap();
        object
            .store
            .put(&object.path, std::fs::read(&points).unwrap().into())
            .await
            .unwrap();
    }

    let local_points = vec![("test.points".to_string(), points.display().to_string())];
    let s3_points = vec![("test.points".to_string(), points_url.clone())];
    let layouts = [
        (
            "local, one file",
            one.dir().unwrap().display().to_string(),
            &local_points,
        ),
        (
            "local, eight parts",
            eight_dir.display().to_string(),
            &local_points,
        ),
        ("S3, one file", s3_one.clone(), &s3_points),
        ("S3, eight parts", s3_eight.clone(), &s3_points),
    ];
    let mut engines = Vec::new();
    let mut opening = Vec::new();
    for (name, location, tables) in &layouts {
        let snapshot = adql_engine::storage::open_snapshot(location)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let before = adql_engine::storage::io_stats();
        let engine = adql_engine::Engine::with_tables(&snapshot, tables)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let after = adql_engine::storage::io_stats();
        opening.push(after.heads - before.heads);
        engines.push((name, engine));
    }
    // Opening the eight parts reads one part's footer, as opening the one
    // file does: the sidecar stands in for the others until a scan opens them.
    assert!(
        opening[3] <= opening[2],
        "objects asked at open: {opening:?}"
    );

    let mut queries = common::seed_queries();
    assert_eq!(queries.len(), 11);
    queries.extend(
        common::cases::DIFFERENTIAL
            .iter()
            .map(|(adql, _, _)| adql.to_string()),
    );
    for case in expected["cases"].as_array().unwrap() {
        let condition = case["condition"].as_str().unwrap();
        queries.push(format!(
            "SELECT id FROM test.points WHERE {condition} ORDER BY id"
        ));
    }
    queries.push(common::crossmatch_query(&expected));
    // Positional queries on the ObsCore table itself.
    queries.push("SELECT obs_id, s_ra, s_dec FROM ivoa.ObsCore WHERE CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 55.7467, -32.2862, 0.5)) = 1 ORDER BY obs_id".into());
    queries.push("SELECT COUNT(*) FROM ivoa.ObsCore WHERE INTERSECTS(s_region, POLYGON('ICRS', 60, -40, 62, -40, 61, -38)) = 1".into());
    // No part can match: none is read, and the answer is still right.
    queries.push("SELECT COUNT(*) FROM ivoa.ObsCore WHERE calib_level = 9".into());
    queries.push("SELECT obs_id FROM ivoa.ObsCore WHERE CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 10, 80, 1)) = 1".into());
    let mut nonempty = 0;
    for q in &queries {
        let mut answers = Vec::new();
        for (name, engine) in &engines {
            let batches = common::collect(engine, q).await;
            answers.push((name, answer(q, &batches)));
        }
        let (first_name, first) = &answers[0];
        if first.iter().any(|r| r != "0") && !first.is_empty() {
            nonempty += 1;
        }
        for (name, rows) in &answers[1..] {
            assert!(
                rows == first,
                "{q}\n{name} gave {} rows, {first_name} {}",
                rows.len(),
                first.len()
            );
        }
    }
    assert!(
        nonempty * 10 >= queries.len() * 8,
        "most queries must have rows: {nonempty} of {}",
        queries.len()
    );

    // A cone on the S3 parted snapshot (in a fresh engine) reads the footers
    // of the parts it opens, at most two of the eight.
    let fresh = adql_engine::Engine::with_tables(
        &adql_engine::storage::open_snapshot(&s3_eight)
            .await
            .unwrap(),
        &[],
    )
    .await
    .unwrap();
    let before = adql_engine::storage::io_stats();
    let cone_rows = common::collect(&fresh, "SELECT obs_id FROM ivoa.ObsCore WHERE CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 55.7467, -32.2862, 0.2)) = 1").await;
    assert!(cone_rows.iter().map(|b| b.num_rows()).sum::<usize>() > 0);
    let asked = adql_engine::storage::io_stats().heads - before.heads;
    assert!(asked <= 2, "a cone asked for {asked} objects");

    // A cone on the parted snapshot opens at most two of its eight parts.
    let cone = "SELECT obs_id FROM ivoa.ObsCore WHERE CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 55.7467, -32.2862, 0.2)) = 1";
    for (name, engine) in &engines[..] {
        let plans = engine.explain(cone, false).await.unwrap();
        if name.contains("eight") {
            let line = plans
                .lines()
                .find(|l| l.contains("parts ("))
                .unwrap_or_else(|| panic!("{name}: no parts line in\n{plans}"));
            let opened: usize = line
                .split("opens ")
                .nth(1)
                .and_then(|s| s.split(' ').next())
                .and_then(|n| n.parse().ok())
                .unwrap();
            assert!((1..=2).contains(&opened), "{name}: {line}");
            assert!(line.contains(" of 8 parts"), "{line}");
        } else {
            assert!(!plans.contains("== Parts"), "{name}: one file, no parts");
        }
    }
}
