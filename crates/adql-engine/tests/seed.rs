//! The seed queries users run (`../shared/reference/seed-queries.md`) on the demo
//! snapshot, with the answers the snapshot holds; and errors with positions.

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::Int64Type;

use futures::StreamExt;

mod common;

async fn engine() -> adql_engine::Engine {
    // One demo snapshot for this test binary's tests, in cargo's scratch
    // directory for integration tests: reused by later runs, nothing left in /tmp.
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("seed-tests-cache");
    std::env::set_var("ADQL_CACHE_DIR", &dir);
    adql_engine::Engine::demo().await.expect("demo snapshot")
}

async fn rows(engine: &adql_engine::Engine, q: &str) -> Vec<RecordBatch> {
    common::collect(engine, q).await
}

/// A string column of any Arrow string layout, as Strings.
fn strings(array: &dyn Array) -> Vec<String> {
    let utf8 = arrow::compute::cast(
        &arrow::array::make_array(array.to_data()),
        &arrow::datatypes::DataType::Utf8,
    )
    .unwrap();
    let a = utf8.as_string::<i32>();
    (0..a.len()).map(|i| a.value(i).to_string()).collect()
}

fn count(batches: &[RecordBatch]) -> usize {
    batches.iter().map(|b| b.num_rows()).sum()
}

fn seed_queries() -> Vec<String> {
    common::seed_queries()
}

#[tokio::test]
async fn every_seed_query_answers_on_the_demo() {
    let engine = engine().await;
    let seeds = seed_queries();
    assert_eq!(seeds.len(), 11);
    for q in &seeds {
        let batches = rows(&engine, q).await;
        assert!(count(&batches) > 0, "no rows for {q}");
    }
    // The CONTAINS query: six coadds, one per band, tract 4431 patch 17.
    let contains = seeds.iter().find(|q| q.contains("CONTAINS")).unwrap();
    let batches = rows(&engine, contains).await;
    assert_eq!(count(&batches), 6);
    let mut bands: Vec<String> = Vec::new();
    for b in &batches {
        let band = strings(b.column_by_name("lsst_band").unwrap().as_ref());
        let tract = b
            .column_by_name("lsst_tract")
            .unwrap()
            .as_primitive::<Int64Type>();
        let patch = b
            .column_by_name("lsst_patch")
            .unwrap()
            .as_primitive::<Int64Type>();
        for (i, band) in band.into_iter().enumerate() {
            bands.push(band);
            assert_eq!((tract.value(i), patch.value(i)), (4431, 17));
        }
    }
    bands.sort();
    assert_eq!(bands, ["g", "i", "r", "u", "y", "z"]);
    // GROUP BY dataproduct_type: one row, image, all rows; COUNT is an int64 named COUNT.
    let batches = rows(
        &engine,
        "SELECT dataproduct_type, COUNT(*) FROM ivoa.ObsCore GROUP BY dataproduct_type",
    )
    .await;
    assert_eq!(count(&batches), 1);
    let b = &batches[0];
    assert_eq!(b.schema().field(1).name(), "COUNT");
    assert_eq!(b.column(1).as_primitive::<Int64Type>().value(0), 150_000);
    // calib_level = '1' compares a string with an integer column.
    let batches = rows(&engine, "SELECT dataproduct_subtype, COUNT(*) FROM ivoa.ObsCore where calib_level = '1' GROUP BY dataproduct_subtype").await;
    assert_eq!(count(&batches), 1);
    assert_eq!(strings(batches[0].column(0).as_ref())[0], "lsst.raw");
    // The access_url LIKE query finds the real dataset id of tract 4431 patch 17, band i.
    let batches = rows(
        &engine,
        "SELECT * FROM ivoa.ObsCore WHERE access_url like '%20d28216-534a-4102-b8a7-1c7f32a9b78c'",
    )
    .await;
    assert_eq!(count(&batches), 1);
    assert_eq!(batches[0].num_columns(), 37, "hidden columns stay hidden");
}

#[tokio::test]
async fn clauses_and_metadata() {
    let engine = engine().await;
    let q = "SELECT TOP 3 obs_id AS id, s_ra, s_dec FROM ivoa.ObsCore AS o WHERE o.s_dec BETWEEN -33 AND -31 AND lsst_band IN ('g', 'r') ORDER BY s_ra DESC OFFSET 2";
    let mut result = engine.query(q).await.unwrap();
    assert_eq!(result.schema.field(1).metadata()["unit"], "deg");
    assert_eq!(result.schema.field(0).name(), "id");
    let mut got = Vec::new();
    while let Some(b) = result.stream.next().await {
        got.push(b.unwrap());
    }
    assert_eq!(count(&got), 3);
    let ras: Vec<f64> = got
        .iter()
        .flat_map(|b| {
            b.column(1)
                .as_primitive::<arrow::datatypes::Float64Type>()
                .values()
                .to_vec()
        })
        .collect();
    assert!(ras.windows(2).all(|w| w[0] >= w[1]), "{ras:?}");
    let tap = rows(&engine, "SELECT column_name, unit, ucd, description, utype FROM tap_schema.columns WHERE table_name = 'ivoa.ObsCore'").await;
    assert_eq!(count(&tap), 37);
    let d = rows(&engine, "SELECT DISTANCE(POINT('ICRS', 359.9, 0), POINT('ICRS', 0.1, 0)) AS d, AREA(CIRCLE('ICRS', 10, 20, 1)) AS a FROM ivoa.ObsCore WHERE obs_id = 'DC2-4431-17'").await;
    let fov = rows(
        &engine,
        "SELECT s_fov, IN_UNIT(s_fov, 'arcsec') FROM ivoa.ObsCore WHERE obs_id = 'DC2-4431-17'",
    )
    .await;
    let (deg, arcsec) = (
        fov[0]
            .column(0)
            .as_primitive::<arrow::datatypes::Float64Type>()
            .value(0),
        fov[0]
            .column(1)
            .as_primitive::<arrow::datatypes::Float64Type>()
            .value(0),
    );
    assert!((arcsec - deg * 3600.0).abs() < 1e-9 * arcsec);
    let dist = d[0]
        .column(0)
        .as_primitive::<arrow::datatypes::Float64Type>();
    assert!((dist.value(0) - 0.2).abs() < 1e-12);
}

/// RAND(seed) repeats itself for the same seed, differs between seeds, and
/// stays in [0, 1); the seeded values are the row stream of `seeded_value`.
#[tokio::test]
async fn seeded_rand_is_reproducible() {
    let engine = engine().await;
    let q = |seed: u32| format!("SELECT TOP 1000 RAND({seed}) AS r FROM ivoa.ObsCore");
    let values = |batches: Vec<RecordBatch>| -> Vec<f64> {
        batches
            .iter()
            .flat_map(|b| {
                let a = b.column(0).as_primitive::<arrow::datatypes::Float64Type>();
                a.values().to_vec()
            })
            .collect()
    };
    let first = values(rows(&engine, &q(7)).await);
    let again = values(rows(&engine, &q(7)).await);
    let other = values(rows(&engine, &q(8)).await);
    assert_eq!(first.len(), 1000);
    assert_eq!(first, again);
    assert_ne!(first, other);
    assert!(first.iter().all(|v| (0.0..1.0).contains(v)));
    let mut sorted = first.clone();
    sorted.sort_by(f64::total_cmp);
    let mut expected: Vec<f64> = (0..1000)
        .map(|i| adql_engine::udf::seeded_value(7, i))
        .collect();
    expected.sort_by(f64::total_cmp);
    assert_eq!(sorted, expected);
}

#[tokio::test]
async fn bad_queries_say_where() {
    let engine = engine().await;
    for (q, needle) in [
        ("SELECT nosuch FROM ivoa.ObsCore", "has no column nosuch"),
        ("SELECT s_ra FROM ivoa.ObsCor", "no table named ivoa.ObsCor"),
        (
            "SELECT x.s_ra FROM ivoa.ObsCore AS o",
            "x is not a table in FROM",
        ),
        (
            "SELECT s_ra FROM ivoa.ObsCore WHERE calib_level = 'one'",
            "is not one",
        ),
        ("SELECT s_ra FROM ivoa.ObsCore LIMIT 3", "TOP"),
        (
            "SELECT IN_UNIT(s_fov, 'm') FROM ivoa.ObsCore",
            "is an angle and `m` is a length",
        ),
        (
            "SELECT IN_UNIT(calib_level, 'deg') FROM ivoa.ObsCore",
            "needs a value with a known unit",
        ),
        (
            "SELECT obs_id FROM ivoa.ObsCore AS a JOIN ivoa.ObsCore AS b ON a.obs_id = b.obs_id",
            "obs_id is a column of several tables in FROM: qualify it (a, b)",
        ),
    ] {
        let err = match engine.query(q).await {
            Ok(_) => panic!("{q} should fail"),
            Err(e) => e,
        };
        let adql_engine::EngineError::Query(diags) = &err else {
            panic!("{q}: {err}")
        };
        let text = adql_syntax::render_all(diags, q, "q");
        assert!(text.contains(needle), "{q}: {text}");
        assert!(text.contains("--> q:1:"), "{text}");
    }
}

/// Pruning adds conditions implied by the exact test: with it and without it
/// (written so that the pattern does not match) the answers are the same.
#[tokio::test]
async fn pruning_never_changes_answers() {
    let engine = engine().await;
    let pairs = [
        (
            "CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 55.7, -32.3, 0.5)) = 1",
            "CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 55.7, -32.3, 0.5)) + 0 = 1",
        ),
        (
            "1 = CONTAINS(POINT('ICRS', s_ra, s_dec), POLYGON('ICRS', 58, -41, 62, -41, 62, -37, 58, -37))",
            "1 + 0 = CONTAINS(POINT('ICRS', s_ra, s_dec), POLYGON('ICRS', 58, -41, 62, -41, 62, -37, 58, -37))",
        ),
        (
            "DISTANCE(POINT('ICRS', s_ra, s_dec), POINT('ICRS', 66, -28)) < 1.5",
            "DISTANCE(POINT('ICRS', s_ra, s_dec), POINT('ICRS', 66, -28)) + 0 < 1.5",
        ),
        (
            "CONTAINS(POINT('ICRS', 55.74673760481304, -32.286155241413624), s_region) = 1",
            "CONTAINS(POINT('ICRS', 55.74673760481304, -32.286155241413624), s_region) + 0 = 1",
        ),
        (
            "INTERSECTS(s_region, CIRCLE('ICRS', 70, -35, 0.3)) = 1",
            "INTERSECTS(s_region, CIRCLE('ICRS', 70, -35, 0.3)) + 0 = 1",
        ),
        (
            "CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 55.7, -32.3, 0.5)) = 0",
            "CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 55.7, -32.3, 0.5)) + 0 = 0",
        ),
    ];
    for (pruned, plain) in pairs {
        let a = count(
            &rows(
                &engine,
                &format!("SELECT obs_id FROM ivoa.ObsCore WHERE {pruned}"),
            )
            .await,
        );
        let b = count(
            &rows(
                &engine,
                &format!("SELECT obs_id FROM ivoa.ObsCore WHERE {plain}"),
            )
            .await,
        );
        assert_eq!(a, b, "{pruned}");
        assert!(a > 0, "{pruned} finds nothing: a weak test");
        let plan = engine
            .explain(
                &format!("SELECT obs_id FROM ivoa.ObsCore WHERE {pruned}"),
                false,
            )
            .await
            .unwrap();
        let pruning = plan.contains("_healpix")
            || plan.contains("_region_dec")
            || plan.contains("s_dec BETWEEN")
            || plan.contains("s_dec >=");
        assert_eq!(pruning, !pruned.ends_with("= 0"), "{pruned}:\n{plan}");
    }
}

#[tokio::test]
async fn udf_catalogue_functions() {
    let engine = engine().await;
    let q = "SELECT ivo_healpix_index(10, s_ra, s_dec) AS h, DISTANCE(ivo_healpix_center(10, ivo_healpix_index(10, POINT('ICRS', s_ra, s_dec))), POINT('ICRS', s_ra, s_dec)) AS d, ivo_hasword(dataproduct_subtype, 'CALEXP') AS w, ivo_nocasematch(lsst_band, 'I') AS m, lsst_band FROM ivoa.ObsCore WHERE obs_id = 'DC2-4431-17' AND dataproduct_subtype = 'lsst.deepCoadd_calexp'";
    let batches = rows(&engine, q).await;
    assert_eq!(count(&batches), 6);
    let b = &batches[0];
    let h = b.column(0).as_primitive::<Int64Type>();
    let d = b.column(1).as_primitive::<arrow::datatypes::Float64Type>();
    let w = b.column(2).as_primitive::<arrow::datatypes::Int32Type>();
    let m = b.column(3).as_primitive::<arrow::datatypes::Int32Type>();
    let band = strings(b.column(4).as_ref());
    for (i, band) in band.iter().enumerate() {
        // The index of the patch centre at order 10 is the one cdshealpix gives.
        assert_eq!(
            h.value(i) as u64,
            adql_geom::coverage::healpix_index(10, 55.652, -32.2056)
        );
        // A cell of order 10 is ~0.057° across: its centre is that close.
        assert!(d.value(i) < 0.06, "{}", d.value(i));
        assert_eq!(w.value(i), 1);
        assert_eq!(m.value(i), i32::from(band == "i"));
    }

    // ivo_hashlist_has and ivo_interval_overlaps, checked against the row's values.
    let q = "SELECT ivo_hashlist_has('cube#IMAGE#spectrum', dataproduct_type) AS image, ivo_hashlist_has('cube#spectrum', dataproduct_type) AS other, ivo_interval_overlaps(em_min, em_max, 7e-7, 8e-7) AS overlap, ivo_interval_overlaps(em_min, em_max, em_max, 1) AS touching, ivo_interval_overlaps(em_min, NULL, 0, 1) AS undecided, em_min, em_max FROM ivoa.ObsCore WHERE obs_id = 'DC2-4431-17' AND dataproduct_subtype = 'lsst.deepCoadd_calexp'";
    let batches = rows(&engine, q).await;
    assert_eq!(count(&batches), 6);
    let b = &batches[0];
    let int = |i: usize| {
        b.column(i)
            .as_primitive::<arrow::datatypes::Int32Type>()
            .clone()
    };
    let float = |i: usize| {
        b.column(i)
            .as_primitive::<arrow::datatypes::Float64Type>()
            .clone()
    };
    let (image, other, overlaps, touching, unknown) = (int(0), int(1), int(2), int(3), int(4));
    let (em_min, em_max) = (float(5), float(6));
    let mut overlapping = 0;
    for i in 0..b.num_rows() {
        assert_eq!((image.value(i), other.value(i)), (1, 0));
        let expected = em_min.value(i) <= 8e-7 && 7e-7 <= em_max.value(i);
        assert_eq!(overlaps.value(i), i32::from(expected), "row {i}");
        overlapping += usize::from(expected);
        assert_eq!(touching.value(i), 1);
        assert!(unknown.is_null(i));
    }
    // Some bands reach into 700–800 nm and some do not: both outcomes are tested.
    assert!(overlapping > 0 && overlapping < 6, "{overlapping}");
}
