//! The generator: determinism, composition, the 6-coadd fact of the seed query,
//! and sky ordering (tight Dec/RA ranges per row group).

use std::fs::File;
use std::path::PathBuf;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{Float64Type, Int64Type};
use obscore::generate::{generate, GenerateOptions, Plan, COMPOSITION};
use obscore::snapshot::Snapshot;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::statistics::Statistics;

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("obscore-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn rows(snapshot: &Snapshot) -> Vec<RecordBatch> {
    snapshot
        .files()
        .iter()
        .flat_map(|f| {
            ParquetRecordBatchReaderBuilder::try_new(File::open(f).unwrap())
                .unwrap()
                .build()
                .unwrap()
                .map(|b| b.unwrap())
        })
        .collect()
}

#[test]
fn same_seed_same_bytes() {
    let (a, b) = (temp("det-a"), temp("det-b"));
    let options = GenerateOptions::new(30_000, 7);
    let sa = generate(&a, &options, &mut |_, _| {}).unwrap();
    let sb = generate(&b, &options, &mut |_, _| {}).unwrap();
    for (fa, fb) in sa.files().iter().zip(sb.files()) {
        assert_eq!(
            std::fs::read(fa).unwrap(),
            std::fs::read(fb).unwrap(),
            "{fa}"
        );
    }
    let other = generate(
        &temp("det-c"),
        &GenerateOptions::new(30_000, 8),
        &mut |_, _| {},
    )
    .unwrap();
    assert_ne!(
        std::fs::read(&sa.files()[0]).unwrap(),
        std::fs::read(&other.files()[0]).unwrap()
    );
    for d in [a, b, other.dir().unwrap().to_path_buf()] {
        std::fs::remove_dir_all(d).ok();
    }
}

#[test]
fn small_scale_composition_and_the_six_coadds() {
    let dir = temp("six");
    let options = GenerateOptions::new(120_000, 1);
    let snapshot = generate(&dir, &options, &mut |_, _| {}).unwrap();
    let plan = Plan::new(&options);
    assert_eq!(snapshot.manifest.rows, 120_000);
    let batches = rows(&snapshot);
    let mut counts = std::collections::HashMap::new();
    let point = adql_geom::Point::new(55.74673760481304, -32.286155241413624).unwrap();
    let mut hits = Vec::new();
    for b in &batches {
        let subtype = b
            .column_by_name("dataproduct_subtype")
            .unwrap()
            .as_string::<i32>();
        let calib = b
            .column_by_name("calib_level")
            .unwrap()
            .as_primitive::<arrow::datatypes::Int32Type>();
        let region = b.column_by_name("s_region").unwrap().as_string::<i32>();
        let band = b.column_by_name("lsst_band").unwrap().as_string::<i32>();
        let tract = b
            .column_by_name("lsst_tract")
            .unwrap()
            .as_primitive::<Int64Type>();
        let patch = b
            .column_by_name("lsst_patch")
            .unwrap()
            .as_primitive::<Int64Type>();
        for i in 0..b.num_rows() {
            *counts
                .entry((subtype.value(i).to_string(), calib.value(i)))
                .or_insert(0u64) += 1;
            if subtype.value(i) == "lsst.deepCoadd_calexp" {
                let r = adql_geom::stcs::parse(region.value(i)).unwrap();
                if r.contains_point(&point) {
                    hits.push((band.value(i).to_string(), tract.value(i), patch.value(i)));
                }
            }
        }
    }
    for (k, (subtype, _, level)) in COMPOSITION.iter().enumerate() {
        assert_eq!(
            counts
                .get(&(subtype.to_string(), *level))
                .copied()
                .unwrap_or(0),
            plan.counts[k],
            "{subtype}"
        );
    }
    hits.sort();
    let bands: Vec<&str> = hits.iter().map(|h| h.0.as_str()).collect();
    assert_eq!(bands, ["g", "i", "r", "u", "y", "z"]);
    assert!(hits.iter().all(|h| h.1 == 4431 && h.2 == 17), "{hits:?}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn row_groups_are_tight_on_the_sky() {
    // Small row groups stand in for the full table's 130 groups of 65,536 rows.
    let dir = temp("tight");
    let options = GenerateOptions {
        rows: 100_000,
        seed: 3,
        row_group_rows: 1_000,
        parts: 1,
    };
    let snapshot = generate(&dir, &options, &mut |_, _| {}).unwrap();
    let reader =
        ParquetRecordBatchReaderBuilder::try_new(File::open(&snapshot.files()[0]).unwrap())
            .unwrap();
    let meta = reader.metadata().clone();
    let schema = reader.schema().clone();
    let (dec_index, ra_index) = (
        schema.index_of("s_dec").unwrap(),
        schema.index_of("s_ra").unwrap(),
    );
    assert_eq!(meta.num_row_groups(), 100);
    let span = |i: usize, c: usize| match meta.row_group(i).column(c).statistics() {
        Some(Statistics::Double(s)) => s.max_opt().unwrap() - s.min_opt().unwrap(),
        other => panic!("no double statistics: {other:?}"),
    };
    let mut dec_spans: Vec<f64> = (0..100).map(|i| span(i, dec_index)).collect();
    let mut ra_spans: Vec<f64> = (0..100).map(|i| span(i, ra_index)).collect();
    dec_spans.sort_by(f64::total_cmp);
    ra_spans.sort_by(f64::total_cmp);
    // The footprint spans ~21° of Dec and ~30° of RA; unsorted, every group would too.
    println!(
        "median Dec span {:.2}, RA span {:.2}; 90th percentile Dec {:.2}",
        dec_spans[50], ra_spans[50], dec_spans[90]
    );
    assert!(dec_spans[50] < 4.0, "median Dec span {}", dec_spans[50]);
    assert!(ra_spans[50] < 6.0, "median RA span {}", ra_spans[50]);
    assert!(
        dec_spans[90] < 8.0,
        "90th percentile Dec span {}",
        dec_spans[90]
    );
    // And the hidden sort column is increasing, the region bounds filled.
    let batches = rows(&snapshot);
    let mut last = i64::MIN;
    for b in &batches {
        let h = b
            .column_by_name("_healpix")
            .unwrap()
            .as_primitive::<Int64Type>();
        for v in h.values() {
            assert!(*v >= last);
            last = *v;
        }
        let bound = |name: &str| {
            b.column_by_name(name)
                .unwrap()
                .as_primitive::<Float64Type>()
                .clone()
        };
        let (lo, hi) = (bound("_region_ra_lo"), bound("_region_ra_hi"));
        assert_eq!(lo.null_count(), 0);
        // Unwrapped: lo <= hi always, lo below 0 only for a region across RA 0.
        for (lo, hi) in lo.values().iter().zip(hi.values()) {
            assert!(-360.0 <= *lo && lo <= hi && *hi <= 360.0, "{lo} {hi}");
        }
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn snapshots_say_what_is_wrong() {
    let dir = temp("bad");
    std::fs::create_dir_all(&dir).unwrap();
    let e = Snapshot::open(&dir).unwrap_err().to_string();
    assert!(e.contains("no readable snapshot.json"), "{e}");
    std::fs::write(
        dir.join("snapshot.json"),
        r#"{"format": "adql-rs snapshot", "version": 0}"#,
    )
    .unwrap();
    let e = Snapshot::open(&dir).unwrap_err().to_string();
    assert!(
        e.contains("format version 0") && e.contains("regenerate"),
        "{e}"
    );
    std::fs::write(dir.join("snapshot.json"), "{").unwrap();
    assert!(Snapshot::open(&dir)
        .unwrap_err()
        .to_string()
        .contains("not valid JSON"));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn the_object_catalogue_at_small_scale() {
    use obscore::object::{generate_objects, object_table};
    let dir = temp("objects");
    let options = GenerateOptions::new(20_000, 3);
    let snapshot = generate_objects(&dir.join("a"), &options, &mut |_, _| {}).unwrap();
    let m = &snapshot.manifest;
    assert_eq!(m.rows, 20_000);
    assert!(m.sky_sorted);
    assert_eq!(m.table.qualified_name(), "dp02_dc2_catalogs.Object");
    assert_eq!(m.table.position_columns(), Some(("coord_ra", "coord_dec")));
    assert_eq!(m.table, object_table());
    // Rubin's metadata for the columns users query.
    let column = |name: &str| m.table.columns.iter().find(|c| c.name == name).unwrap();
    assert_eq!(
        column("coord_ra").ucd.as_deref(),
        Some("pos.eq.ra;meta.main")
    );
    assert_eq!(column("coord_ra").unit.as_deref(), Some("deg"));
    assert_eq!(
        column("objectId").ucd.as_deref(),
        Some("meta.id;src;meta.main")
    );
    assert_eq!(column("i_cModelFlux").unit.as_deref(), Some("nJy"));
    assert_eq!(
        column("i_cModelFlux").description,
        "Flux from the final cmodel fit. Forced on i-band."
    );
    assert_eq!(m.table.columns.len(), 7 + 6 * 4);
    let batches = rows(&snapshot);
    let ids: Vec<i64> = batches
        .iter()
        .flat_map(|b| {
            b.column_by_name("objectId")
                .unwrap()
                .as_primitive::<Int64Type>()
                .values()
                .to_vec()
        })
        .collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 20_000, "objectIds are unique");
    // In the footprint; the cluster stands out around the seed's target:
    // bright (i < 23) extended objects within 1.8' of it.
    let (sra, sdec) = obscore::generate::SEED_POINT;
    let mut members = 0;
    let mut extended = 0;
    for b in &batches {
        let ra = b
            .column_by_name("coord_ra")
            .unwrap()
            .as_primitive::<Float64Type>();
        let dec = b
            .column_by_name("coord_dec")
            .unwrap()
            .as_primitive::<Float64Type>();
        let flux = b
            .column_by_name("i_cModelFlux")
            .unwrap()
            .as_primitive::<Float64Type>();
        let ext = b
            .column_by_name("refExtendedness")
            .unwrap()
            .as_primitive::<Float64Type>();
        let tract = b
            .column_by_name("tract")
            .unwrap()
            .as_primitive::<Int64Type>();
        let patch = b
            .column_by_name("patch")
            .unwrap()
            .as_primitive::<Int64Type>();
        for i in 0..b.num_rows() {
            assert!(
                (49.8..75.2).contains(&ra.value(i)) && (-45.2..-26.8).contains(&dec.value(i)),
                "({}, {}) is outside the footprint",
                ra.value(i),
                dec.value(i)
            );
            extended += (ext.value(i) == 1.0) as usize;
            let near = adql_geom::Point::new(ra.value(i), dec.value(i))
                .unwrap()
                .distance(&adql_geom::Point::new(sra, sdec).unwrap())
                < 0.03;
            if near && ext.value(i) == 1.0 && flux.value(i) > 10f64.powf((31.4 - 23.0) / 2.5) {
                members += 1;
                assert_eq!((tract.value(i), patch.value(i)), (4431, 17));
            }
        }
    }
    assert!(members >= 40, "{members} bright galaxies in the cluster");
    assert!(
        (17_500..19_500).contains(&extended),
        "{extended} galaxies of 20,000"
    );
    // The same seed writes the same bytes.
    let again = generate_objects(&dir.join("b"), &options, &mut |_, _| {}).unwrap();
    assert_eq!(
        std::fs::read(&snapshot.files()[0]).unwrap(),
        std::fs::read(&again.files()[0]).unwrap()
    );
    std::fs::remove_dir_all(dir).ok();
}
