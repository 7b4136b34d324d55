//! Positional joins: the sky-partitioned join finds exactly the pairs
//! astropy's `search_around_sky` finds (constant and per-row radius, the RA
//! seam, both poles, LEFT JOIN keeping unmatched targets), and the same rows
//! as the nested loop over every pair for point-in-region and region-overlap
//! joins and for random catalogues (proptest).

use std::collections::BTreeSet;
use std::sync::Arc;

use adql_engine::{Engine, UploadTable};
use arrow::array::{Array, AsArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Int64Type, Schema};
use futures::StreamExt;
use proptest::prelude::*;

mod common;

type Row = (Option<i64>, Option<i64>);

/// The rows of a two-column (id, id) answer.
fn id_pairs(batches: &[RecordBatch]) -> Vec<Row> {
    let value = |b: &RecordBatch, c: usize, i: usize| {
        let a = b.column(c).as_primitive::<Int64Type>();
        a.is_valid(i).then(|| a.value(i))
    };
    batches
        .iter()
        .flat_map(|b| (0..b.num_rows()).map(move |i| (value(b, 0, i), value(b, 1, i))))
        .collect()
}

/// The sorted rows of `q`, or its error.
async fn try_run(engine: &Engine, q: &str, uploads: &[UploadTable]) -> Result<Vec<Row>, String> {
    let mut result = engine
        .query_with_uploads(q, uploads)
        .await
        .map_err(|e| format!("{e:?}"))?;
    let mut batches = Vec::new();
    while let Some(b) = result.stream.next().await {
        batches.push(b.map_err(|e| format!("{e:?}"))?);
    }
    let mut rows = id_pairs(&batches);
    rows.sort();
    Ok(rows)
}

async fn run(engine: &Engine, q: &str, uploads: &[UploadTable]) -> Vec<Row> {
    try_run(engine, q, uploads)
        .await
        .unwrap_or_else(|e| panic!("{q}: {e}"))
}

fn listed(v: &serde_json::Value) -> BTreeSet<(i64, i64)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_i64().unwrap(), p[1].as_i64().unwrap()))
        .collect()
}

/// The answer's pairs without those astropy calls ambiguous, each once.
fn pairs_of(rows: &[Row], ambiguous: &BTreeSet<(i64, i64)>) -> BTreeSet<(i64, i64)> {
    let pairs: Vec<(i64, i64)> = rows
        .iter()
        .filter_map(|r| Some((r.0?, r.1?)))
        .filter(|p| !ambiguous.contains(p))
        .collect();
    let set: BTreeSet<(i64, i64)> = pairs.iter().copied().collect();
    assert_eq!(set.len(), pairs.len(), "a pair came twice");
    set
}

#[tokio::test]
async fn crossmatches_match_astropy() {
    let dir = std::env::temp_dir().join(format!("adql-engine-crossmatch-{}", std::process::id()));
    let expected = common::run_reference("crossmatch_reference.py", "astropy and scipy", &dir);
    let snapshot = obscore::demo::demo_snapshot().unwrap();
    let tables = [
        (
            "test.targets".to_string(),
            dir.join("targets.parquet").display().to_string(),
        ),
        (
            "test.cat".to_string(),
            dir.join("catalogue.parquet").display().to_string(),
        ),
    ];
    let engine = Engine::with_tables(&snapshot, &tables).await.unwrap();
    let r = expected["radius"].as_f64().unwrap();

    let constant = listed(&expected["constant"]["pairs"]);
    let ambiguous = listed(&expected["constant"]["ambiguous"]);
    assert!(constant.len() > 5000, "a weak reference");
    for q in [
        format!("SELECT t.id, c.id FROM test.targets AS t JOIN test.cat AS c ON CONTAINS(POINT('ICRS', t.ra, t.dec), CIRCLE('ICRS', c.ra, c.dec, {r})) = 1"),
        format!("SELECT t.id, c.id FROM test.targets AS t JOIN test.cat AS c ON 1 = CONTAINS(POINT('ICRS', c.ra, c.dec), CIRCLE('ICRS', t.ra, t.dec, {r}))"),
        format!("SELECT t.id, c.id FROM test.targets AS t, test.cat AS c WHERE DISTANCE(POINT('ICRS', t.ra, t.dec), POINT('ICRS', c.ra, c.dec)) < {r}"),
        format!("SELECT t.id, c.id FROM test.cat AS c, test.targets AS t WHERE c.id > 0 AND {r} >= DISTANCE(t.ra, t.dec, c.ra, c.dec)"),
        format!("SELECT t.id, c.id FROM test.targets AS t JOIN test.cat AS c ON INTERSECTS(CIRCLE('ICRS', t.ra, t.dec, {r}), POINT('ICRS', c.ra, c.dec)) = 1"),
    ] {
        let rows = run(&engine, &q, &[]).await;
        assert_eq!(pairs_of(&rows, &ambiguous), constant, "{q}");
        let plan = engine.explain(&q, false).await.unwrap();
        assert!(plan.contains("HashJoinExec") && plan.contains("adql_sky_cells"), "{q}\n{plan}");
        assert!(!plan.contains("NestedLoopJoinExec"), "{q}\n{plan}");
        // EXPLAIN says so: the depth chosen from the radius (cells about four radii across).
        assert!(plan.contains("Inner join on sky cells at HEALPix depth 9 (cells about 6.9′)"), "{q}\n{plan}");
    }

    // A radius per target (its own column).
    let per_row = listed(&expected["per_row"]["pairs"]);
    let ambiguous_per_row = listed(&expected["per_row"]["ambiguous"]);
    let q = "SELECT t.id, c.id FROM test.targets AS t JOIN test.cat AS c ON DISTANCE(POINT('ICRS', t.ra, t.dec), POINT('ICRS', c.ra, c.dec)) < t.r";
    let rows = run(&engine, q, &[]).await;
    assert_eq!(pairs_of(&rows, &ambiguous_per_row), per_row, "{q}");

    // LEFT JOIN: every target, matched or not (with NULLs).
    let q = format!("SELECT t.id, c.id FROM test.targets AS t LEFT JOIN test.cat AS c ON CONTAINS(POINT('ICRS', c.ra, c.dec), CIRCLE('ICRS', t.ra, t.dec, {r})) = 1");
    let rows = run(&engine, &q, &[]).await;
    let targets: BTreeSet<i64> = rows.iter().filter_map(|r| r.0).collect();
    let matched: BTreeSet<i64> = constant.iter().map(|p| p.0).collect();
    let unmatched: Vec<i64> = rows
        .iter()
        .filter(|r| r.1.is_none())
        .map(|r| r.0.unwrap())
        .collect();
    assert_eq!(targets.len(), 4600);
    let ambiguous_targets: BTreeSet<i64> = ambiguous.iter().map(|p| p.0).collect();
    let want_unmatched: BTreeSet<i64> = targets
        .difference(&matched)
        .copied()
        .filter(|t| !ambiguous_targets.contains(t))
        .collect();
    let got_unmatched: BTreeSet<i64> = unmatched
        .iter()
        .copied()
        .filter(|t| !ambiguous_targets.contains(t))
        .collect();
    assert_eq!(got_unmatched, want_unmatched);
    assert!(want_unmatched.len() > 1000, "a weak LEFT JOIN test");
    assert_eq!(pairs_of(&rows, &ambiguous), constant);
    std::fs::remove_dir_all(&dir).ok();
}

/// A fixed stream of numbers uniform in [0, 1) from `seed` (an LCG): the
/// same catalogues every run.
fn uniform(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed;
    move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A row to upload: id, position, radius, region.
type UploadRow = (i64, Option<(f64, f64)>, f64, Option<String>);

/// An `s_region` column: STC-S text that the catalogue reads as a region.
fn region_field() -> Field {
    Field::new("s_region", DataType::Utf8, true)
        .with_metadata([("xtype".to_string(), "adql:REGION".to_string())].into())
}

/// A table of (id, ra, dec, r, s_region) to upload.
fn upload(name: &str, rows: &[UploadRow]) -> UploadTable {
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("ra", DataType::Float64, true),
        Field::new("dec", DataType::Float64, true),
        Field::new("r", DataType::Float64, true),
        region_field(),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.0))),
            Arc::new(Float64Array::from_iter(
                rows.iter().map(|r| r.1.map(|p| p.0)),
            )),
            Arc::new(Float64Array::from_iter(
                rows.iter().map(|r| r.1.map(|p| p.1)),
            )),
            Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.2))),
            Arc::new(StringArray::from_iter(rows.iter().map(|r| r.3.clone()))),
        ],
    )
    .unwrap();
    UploadTable {
        name: name.to_string(),
        schema,
        batches: vec![batch],
    }
}

/// A polygon of `n` vertices about `size` degrees around (ra, dec), as STC-S.
fn polygon(ra: f64, dec: f64, size: f64, n: usize) -> String {
    let centre = adql_geom::Point::new(ra, dec).unwrap();
    let mut text = String::from("POLYGON ICRS");
    for k in 0..n {
        let angle = k as f64 * std::f64::consts::TAU / n as f64;
        let p = adql_geom::offset_point(&centre, size * angle.cos(), size * angle.sin());
        text.push_str(&format!(" {} {}", p.ra(), p.dec()));
    }
    text
}

/// The queries whose spatial and nested-loop answers must agree.
fn region_queries() -> Vec<String> {
    [
        "SELECT p.id, g.id FROM TAP_UPLOAD.p AS p JOIN TAP_UPLOAD.g AS g ON CONTAINS(POINT('ICRS', p.ra, p.dec), g.s_region) = 1",
        "SELECT p.id, g.id FROM TAP_UPLOAD.g AS g LEFT JOIN TAP_UPLOAD.p AS p ON CONTAINS(POINT('ICRS', p.ra, p.dec), g.s_region) = 1",
        "SELECT p.id, g.id FROM TAP_UPLOAD.p AS p LEFT JOIN TAP_UPLOAD.g AS g ON CONTAINS(POINT('ICRS', p.ra, p.dec), g.s_region) = 1",
        "SELECT p.id, g.id FROM TAP_UPLOAD.p AS p, TAP_UPLOAD.g AS g WHERE INTERSECTS(p.s_region, g.s_region) = 1",
        "SELECT p.id, g.id FROM TAP_UPLOAD.p AS p JOIN TAP_UPLOAD.g AS g ON INTERSECTS(CIRCLE('ICRS', p.ra, p.dec, p.r), g.s_region) = 1",
        "SELECT p.id, g.id FROM TAP_UPLOAD.p AS p RIGHT JOIN TAP_UPLOAD.g AS g ON DISTANCE(POINT('ICRS', p.ra, p.dec), POINT('ICRS', g.ra, g.dec)) <= g.r",
        "SELECT p.id, g.id FROM TAP_UPLOAD.p AS p JOIN TAP_UPLOAD.g AS g ON CONTAINS(POINT('ICRS', p.ra, p.dec), CIRCLE('ICRS', g.ra, g.dec, g.r + 0.5)) = 1 AND p.id < g.id",
    ]
    .iter()
    .map(|q| q.to_string())
    .collect()
}

async fn engines() -> (Engine, Engine) {
    let snapshot = obscore::demo::demo_snapshot().unwrap();
    let spatial = Engine::new(&snapshot).await.unwrap();
    let nested = Engine::new(&snapshot)
        .await
        .unwrap()
        .with_spatial_joins(false);
    (spatial, nested)
}

#[tokio::test]
async fn region_joins_equal_the_nested_loop() {
    // Points, and regions of sizes from arcminutes to tens of degrees, at the
    // seam and the poles as well as elsewhere; a NULL position and region.
    let mut points = Vec::new();
    let mut regions = Vec::new();
    let mut next = uniform(17);
    let centres = [
        (0.0, 0.0),
        (359.8, 1.0),
        (45.0, 89.5),
        (200.0, -89.7),
        (120.0, 30.0),
    ];
    for i in 0..600 {
        let (cra, cdec) = centres[i % centres.len()];
        let ra = (cra + (next() - 0.5) * 4.0).rem_euclid(360.0);
        let dec: f64 = (cdec + (next() - 0.5) * 4.0).clamp(-90.0, 90.0);
        let size = 0.05 + next() * 0.5;
        points.push((
            i as i64,
            Some((ra, dec)),
            size,
            Some(polygon(ra, dec, size, 4)),
        ));
    }
    points.push((600, None, 0.1, None));
    for i in 0..80 {
        let (cra, cdec) = centres[i % centres.len()];
        let ra = (cra + (next() - 0.5) * 3.0).rem_euclid(360.0);
        let dec: f64 = (cdec + (next() - 0.5) * 3.0).clamp(-89.9, 89.9);
        let size = if i % 10 == 0 { 20.0 } else { 0.1 + next() };
        let region = if i % 3 == 0 {
            format!("CIRCLE ICRS {ra} {dec} {size}")
        } else {
            polygon(ra, dec, size, 3 + i % 5)
        };
        regions.push((1000 + i as i64, Some((ra, dec)), size / 2.0, Some(region)));
    }
    regions.push((2000, Some((10.0, 10.0)), 0.1, None));
    let uploads = [upload("p", &points), upload("g", &regions)];
    let (spatial, nested) = engines().await;
    for q in region_queries() {
        let got = run(&spatial, &q, &uploads).await;
        let want = run(&nested, &q, &uploads).await;
        assert!(
            want.iter()
                .filter(|r| r.0.is_some() && r.1.is_some())
                .count()
                > 20,
            "{q}: weak"
        );
        assert_eq!(got, want, "{q}");
        let plan = spatial.plan_with_uploads(&q, &uploads).unwrap().plan;
        let plan = plan.display_indent().to_string();
        assert!(
            plan.contains("__spatial_join_cells = __spatial_join_cell"),
            "{q}\n{plan}"
        );
    }
}

#[tokio::test]
async fn uploads_joined_with_obscore_equal_the_nested_loop() {
    // Targets over and beside the demo's footprint, joined with its coadds'
    // regions: the snapshot's own bounds (`_region_reach`) key ObsCore, and
    // an inner join reads only the row groups near the targets.
    let mut next = uniform(3);
    let targets: Vec<UploadRow> = (0..300)
        .map(|i| {
            let (ra, dec) = (54.5 + 3.0 * next(), -33.5 + 3.0 * next());
            (i, Some((ra, dec)), 0.01 + 0.05 * next(), None)
        })
        .collect();
    let uploads = [upload("p", &targets)];
    let (spatial, nested) = engines().await;
    let coadds = "o.dataproduct_subtype = 'lsst.deepCoadd_calexp'";
    for (q, pruned) in [
        (format!("SELECT p.id, o.lsst_tract * 1000 + o.lsst_patch FROM TAP_UPLOAD.p AS p JOIN ivoa.ObsCore AS o ON CONTAINS(POINT('ICRS', p.ra, p.dec), o.s_region) = 1 WHERE {coadds} AND o.lsst_band = 'r'"), true),
        (format!("SELECT p.id, o.lsst_tract * 1000 + o.lsst_patch FROM TAP_UPLOAD.p AS p, ivoa.ObsCore AS o WHERE INTERSECTS(CIRCLE('ICRS', p.ra, p.dec, p.r), o.s_region) = 1 AND {coadds} AND o.lsst_band = 'g'"), true),
        (format!("SELECT p.id, o.lsst_tract * 1000 + o.lsst_patch FROM TAP_UPLOAD.p AS p LEFT JOIN ivoa.ObsCore AS o ON CONTAINS(POINT('ICRS', p.ra, p.dec), o.s_region) = 1 AND {coadds} AND o.lsst_band = 'i'"), false),
    ] {
        let got = run(&spatial, &q, &uploads).await;
        let want = run(&nested, &q, &uploads).await;
        assert!(want.iter().filter(|r| r.1.is_some()).count() > 100, "{q}: weak");
        assert_eq!(got, want, "{q}");
        let plan = spatial.plan_with_uploads(&q, &uploads).unwrap().plan;
        let plan = plan.display_indent().to_string();
        assert_eq!(plan.contains("o._healpix >= Int64("), pruned, "{q}\n{plan}");
        // The demo's regions are all convex: a point in one is tested on its
        // edge normals, with the point's vector made once per target.
        assert_eq!(
            plan.contains("adql_point_in_convex"),
            q.contains("CONTAINS"),
            "{q}\n{plan}"
        );
        assert_eq!(
            plan.contains("adql_point_vector(p.ra, p.dec)"),
            q.contains("CONTAINS"),
            "{q}\n{plan}"
        );
        // ObsCore, keyed when the join is inner, reads its cells from its
        // sky key rather than computing them.
        assert_eq!(
            plan.contains("o._healpix >> Int64("),
            !q.contains("LEFT JOIN"),
            "{q}\n{plan}"
        );
        // 300 targets against a dense ObsCore: cells finer than the rule
        // without densities gives for the coadds' reach (depth 8).
        if pruned {
            let depth: u8 = plan
                .split("adql_sky_cells(Int64(")
                .nth(1)
                .and_then(|rest| rest.split(')').next())
                .and_then(|d| d.parse().ok())
                .unwrap_or_else(|| panic!("no depth in\n{plan}"));
            assert!(depth > 8, "{q}: depth {depth}");
        }
    }
}

/// A snapshot of regions (id, s_ra, s_dec, s_region) ingested from Parquet.
fn region_snapshot(
    dir: &std::path::Path,
    rows: &[(i64, f64, f64, Option<String>)],
) -> obscore::snapshot::Snapshot {
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("s_ra", DataType::Float64, false),
        Field::new("s_dec", DataType::Float64, false),
        region_field(),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.0))),
            Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.1))),
            Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.2))),
            Arc::new(StringArray::from_iter(rows.iter().map(|r| r.3.clone()))),
        ],
    )
    .unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let input = dir.join("regions.parquet");
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(&input).unwrap(), schema, None)
            .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    obscore::ingest::ingest(
        &[input],
        &dir.join("snapshot"),
        &obscore::ingest::IngestOptions {
            table: Some("test.regions".into()),
            parts: 3,
            ..Default::default()
        },
        &mut |_| {},
    )
    .unwrap()
    .snapshot
}

#[tokio::test]
async fn points_in_convex_regions_are_tested_on_their_edge_normals() {
    // Convex polygons and boxes from arcminutes to 20°, at the seam and
    // around both poles, either vertex order, and a NULL region; points
    // around them and on their vertices.
    let mut next = uniform(29);
    let centres = [
        (0.0, 0.0),
        (359.9, -2.0),
        (30.0, 89.6),
        (250.0, -89.5),
        (62.0, -37.0),
    ];
    let mut regions = Vec::new();
    let mut points: Vec<UploadRow> = Vec::new();
    for i in 0..120 {
        let (cra, cdec) = centres[i % centres.len()];
        let ra = (cra + (next() - 0.5) * 2.0).rem_euclid(360.0);
        let dec: f64 = (cdec + (next() - 0.5) * 2.0).clamp(-89.95, 89.95);
        let size = if i % 20 == 0 {
            20.0
        } else {
            0.02 + next() * 0.4
        };
        let region = match i % 4 {
            0 => format!("BOX ICRS {ra} {dec} {size} {}", size / 2.0),
            1 => {
                // Clockwise: read as the small side all the same.
                let text = polygon(ra, dec, size, 4);
                let numbers: Vec<&str> = text.split(' ').skip(2).collect();
                let mut reversed = String::from("POLYGON ICRS");
                for pair in numbers.chunks(2).rev() {
                    reversed.push_str(&format!(" {} {}", pair[0], pair[1]));
                }
                reversed
            }
            _ => polygon(ra, dec, size, 3 + i % 6),
        };
        if let Ok(adql_geom::Region::Polygon(p)) = adql_geom::stcs::parse(&region) {
            for v in p.vertices() {
                points.push((points.len() as i64, Some((v.ra(), v.dec())), 0.0, None));
            }
        }
        regions.push((1000 + i as i64, ra, dec, Some(region)));
    }
    regions.push((2000, 10.0, 10.0, None));
    for i in 0..2000 {
        let (cra, cdec) = centres[i % centres.len()];
        let ra = (cra + (next() - 0.5) * 3.0).rem_euclid(360.0);
        let dec: f64 = (cdec + (next() - 0.5) * 3.0).clamp(-90.0, 90.0);
        points.push((points.len() as i64, Some((ra, dec)), 0.0, None));
    }
    points.push((points.len() as i64, None, 0.0, None));
    let uploads = [upload("p", &points)];
    let dir = std::env::temp_dir().join(format!("adql-edge-normals-{}", std::process::id()));
    let convex = region_snapshot(&dir.join("convex"), &regions);
    assert!(convex.manifest.parts.iter().all(|p| p.convex_regions));
    // One arrowhead among them: the table is tested on the regions' text.
    let mut mixed_rows = regions.clone();
    mixed_rows.push((3000, 0.5, 0.5, Some("POLYGON ICRS 0 0 2 1 0 2 1 1".into())));
    let mixed = region_snapshot(&dir.join("mixed"), &mixed_rows);
    assert!(!mixed.manifest.parts.iter().all(|p| p.convex_regions));
    let queries = [
        "SELECT p.id, g.id FROM TAP_UPLOAD.p AS p JOIN test.regions AS g ON CONTAINS(POINT('ICRS', p.ra, p.dec), g.s_region) = 1",
        "SELECT p.id, g.id FROM TAP_UPLOAD.p AS p LEFT JOIN test.regions AS g ON 1 = CONTAINS(POINT('ICRS', p.ra, p.dec), g.s_region)",
        "SELECT p.id, g.id FROM test.regions AS g, TAP_UPLOAD.p AS p WHERE CONTAINS(POINT('ICRS', p.ra, p.dec), g.s_region) = 1 AND g.id > 1010",
        // A condition on both sides besides: applied to the pairs inside.
        "SELECT p.id, g.id FROM TAP_UPLOAD.p AS p JOIN test.regions AS g ON CONTAINS(POINT('ICRS', p.ra, p.dec), g.s_region) = 1 AND MOD(p.id + g.id, 3) <> 0",
    ];
    for (snapshot, on_normals) in [(&convex, true), (&mixed, false)] {
        let spatial = Engine::new(snapshot).await.unwrap();
        let nested = Engine::new(snapshot)
            .await
            .unwrap()
            .with_spatial_joins(false);
        for q in queries {
            let got = run(&spatial, q, &uploads).await;
            let want = run(&nested, q, &uploads).await;
            let pairs = want
                .iter()
                .filter(|r| r.0.is_some() && r.1.is_some())
                .count();
            assert!(pairs > 500, "{q}: weak ({pairs} pairs)");
            assert_eq!(got, want, "{q}");
            let plan = spatial.plan_with_uploads(q, &uploads).unwrap().plan;
            let plan = plan.display_indent().to_string();
            assert_eq!(
                plan.contains("adql_point_in_convex"),
                on_normals,
                "{q}\n{plan}"
            );
        }
        // The centres of the regions in the regions (no upload: EXPLAIN).
        let q = "SELECT a.id, b.id FROM test.regions AS a JOIN test.regions AS b ON CONTAINS(POINT('ICRS', a.s_ra, a.s_dec), b.s_region) = 1";
        assert_eq!(
            run(&spatial, q, &[]).await,
            run(&nested, q, &[]).await,
            "{q}"
        );
        let text = spatial.explain(q, false).await.unwrap();
        assert!(text.contains("Inner join on sky cells"), "{text}");
        assert_eq!(
            text.contains("tested on its edge normals"),
            on_normals,
            "{text}"
        );
        // An inner join tested on edge normals runs as the engine's own
        // operator, each candidate tested in place; others, as hash joins.
        assert_eq!(text.contains("SpatialJoinExec"), on_normals, "{text}");
        assert_eq!(text.contains("HashJoinExec"), !on_normals, "{text}");
        let left = q.replace(" JOIN ", " LEFT JOIN ");
        assert_eq!(
            run(&spatial, &left, &[]).await,
            run(&nested, &left, &[]).await
        );
        let text = spatial.explain(&left, false).await.unwrap();
        assert!(
            text.contains("HashJoinExec") && !text.contains("SpatialJoinExec"),
            "{text}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

fn position() -> impl Strategy<Value = Option<(f64, f64)>> {
    prop_oneof![
        1 => Just(None),
        2 => (0.0..360.0f64, -90.0..=90.0f64).prop_map(Some),
        // Near the seam and the poles.
        2 => (prop_oneof![359.0..360.0f64, 0.0..1.0f64], -2.0..2.0f64).prop_map(Some),
        2 => (0.0..360.0f64, prop_oneof![88.5..=90.0f64, -90.0..=-88.5f64]).prop_map(Some),
    ]
}

fn radius() -> impl Strategy<Value = f64> {
    prop_oneof![3 => 0.0..3.0f64, 1 => 0.0..180.0f64]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn spatial_joins_equal_the_nested_loop(
        left in prop::collection::vec((position(), radius()), 0..40),
        right in prop::collection::vec((position(), radius()), 0..40),
        constant in radius(),
    ) {
        let rows = |side: &[(Option<(f64, f64)>, f64)], base: i64| -> Vec<_> {
            side.iter()
                .enumerate()
                .map(|(i, (p, r))| {
                    let region = p.map(|(ra, dec)| format!("CIRCLE ICRS {ra} {dec} {}", r.min(179.0)));
                    (base + i as i64, *p, *r, region)
                })
                .collect()
        };
        let uploads = [upload("p", &rows(&left, 0)), upload("g", &rows(&right, 1000))];
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let (spatial, nested) = engines().await;
            let mut queries = region_queries();
            queries.push(format!("SELECT p.id, g.id FROM TAP_UPLOAD.p AS p LEFT JOIN TAP_UPLOAD.g AS g ON DISTANCE(POINT('ICRS', p.ra, p.dec), POINT('ICRS', g.ra, g.dec)) < {constant}"));
            queries.push(format!("SELECT p.id, g.id FROM TAP_UPLOAD.p AS p, TAP_UPLOAD.g AS g WHERE CONTAINS(POINT('ICRS', g.ra, g.dec), CIRCLE('ICRS', p.ra, p.dec, {constant})) = 1"));
            for q in queries {
                // The nested loop tests every pair, the spatial join only those
                // its cells bring together: where a row is invalid (a radius
                // past 180) the nested loop fails, and the spatial join fails
                // too or leaves the row's pairs out as no candidates.
                let got = try_run(&spatial, &q, &uploads).await;
                let want = try_run(&nested, &q, &uploads).await;
                match (got, want) {
                    (Ok(got), Ok(want)) => prop_assert_eq!(got, want, "{}", q),
                    (Err(e), Ok(_)) => prop_assert!(false, "{}: only the spatial join failed: {}", q, e),
                    (_, Err(_)) => {}
                }
            }
            Ok(())
        })?;
    }
}
