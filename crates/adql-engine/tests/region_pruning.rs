//! Pruning on the hidden bounds of `s_region` never loses a row: regions all
//! over the sky — many across the RA 0/360 seam, some around the poles — are
//! ingested in six sky parts, and every `CONTAINS(point, s_region)` and
//! `INTERSECTS(s_region, shape)` must return exactly the rows whose region the
//! geometry kernel, applied to each row directly, says match. The same holds for
//! a copy in the older layout (wrapping `_region_ra_min`/`_max` columns), and a
//! point query opens fewer parts than there are.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use adql_geom::{Circle, Point, Polygon, Region};
use arrow::array::{ArrayRef, AsArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Float64Type, Int64Type, Schema};

mod common;

/// A small deterministic generator (xorshift), so that the regions are the same
/// in every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next()
    }
}

/// `(id, ra, dec, s_region)` rows: a third near the seam, a tenth near a pole.
fn regions() -> Vec<(i64, f64, f64, String)> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    (0..3000)
        .map(|id| {
            let pick = rng.next();
            let (ra, dec) = if pick < 0.33 {
                (
                    rng.between(-4.0, 4.0).rem_euclid(360.0),
                    rng.between(-70.0, 70.0),
                )
            } else if pick < 0.43 {
                let dec = rng.between(84.0, 89.5);
                (
                    rng.between(0.0, 360.0),
                    if rng.next() < 0.5 { dec } else { -dec },
                )
            } else {
                (rng.between(0.0, 360.0), rng.between(-80.0, 80.0))
            };
            let size = rng.between(0.05, 3.0);
            let region = if rng.next() < 0.5 {
                format!("CIRCLE ICRS {ra} {dec} {size}")
            } else {
                // A quadrilateral around the centre, `size` degrees across on the sky.
                let corners: Vec<String> = [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)]
                    .iter()
                    .map(|(dx, dy)| {
                        let p = adql_geom::offset_point(
                            &Point::new(ra, dec).unwrap(),
                            size * dx * 0.5,
                            size * dy * 0.5,
                        );
                        format!("{} {}", p.ra(), p.dec())
                    })
                    .collect();
                format!("POLYGON ICRS {}", corners.join(" "))
            };
            (id, ra, dec, region)
        })
        .collect()
}

/// A condition on `s_region`, and the kernel's own test of one region.
type Case = (String, Box<dyn Fn(&Region) -> bool>);

/// The conditions checked.
fn cases() -> Vec<Case> {
    let mut out: Vec<Case> = Vec::new();
    let points = [
        (0.0, 0.0),
        (0.02, 10.0),
        (359.98, -20.0),
        (359.5, 45.0),
        (1.2, -65.0),
        (120.0, 30.0),
        (250.0, -5.0),
        (0.0, 89.9),
        (200.0, -89.95),
        (45.0, 86.0),
    ];
    for (ra, dec) in points {
        let p = Region::Point(Point::new(ra, dec).unwrap());
        out.push((
            format!("CONTAINS(POINT('ICRS', {ra}, {dec}), s_region) = 1"),
            Box::new(move |r: &Region| adql_geom::contains(r, &p).unwrap()),
        ));
    }
    let circles = [
        (0.0, 5.0, 1.5),
        (359.0, -30.0, 3.0),
        (90.0, 0.0, 10.0),
        (0.0, 88.0, 3.0),
    ];
    for (ra, dec, radius) in circles {
        let c = Region::Circle(Circle::new(Point::new(ra, dec).unwrap(), radius).unwrap());
        out.push((
            format!("INTERSECTS(s_region, CIRCLE('ICRS', {ra}, {dec}, {radius})) = 1"),
            Box::new(move |r: &Region| adql_geom::intersects(r, &c).unwrap()),
        ));
    }
    let across = [(358.0, -2.0), (2.5, -2.0), (2.5, 3.0), (358.0, 3.0)];
    let polygon = Region::Polygon(
        Polygon::new(
            across
                .iter()
                .map(|&(a, d)| Point::new(a, d).unwrap())
                .collect(),
        )
        .unwrap(),
    );
    let text: Vec<String> = across.iter().map(|(a, d)| format!("{a}, {d}")).collect();
    out.push((
        format!(
            "1 = INTERSECTS(POLYGON('ICRS', {}), s_region)",
            text.join(", ")
        ),
        Box::new(move |r: &Region| adql_geom::intersects(r, &polygon).unwrap()),
    ));
    out
}

/// Rewrites each part of `from` into `to` in the older layout: the RA bounds
/// `_region_ra_min`/`_region_ra_max`, min > max for a range across RA 0.
fn with_wrapping_columns(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_owned();
        if path.extension().is_some_and(|e| e == "parquet") {
            let file = std::fs::File::open(&path).unwrap();
            let reader =
                parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                    .unwrap()
                    .build()
                    .unwrap();
            let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
            let schema = batches[0].schema();
            let fields: Vec<Field> = schema
                .fields()
                .iter()
                .map(|f| match f.name().as_str() {
                    "_region_ra_lo" => f.as_ref().clone().with_name("_region_ra_min"),
                    "_region_ra_hi" => f.as_ref().clone().with_name("_region_ra_max"),
                    _ => f.as_ref().clone(),
                })
                .collect();
            let old = Arc::new(Schema::new(fields));
            let lo = schema.index_of("_region_ra_lo").unwrap();
            let out = std::fs::File::create(to.join(&name)).unwrap();
            let mut writer = parquet::arrow::ArrowWriter::try_new(out, old.clone(), None).unwrap();
            for b in &batches {
                let mut columns = b.columns().to_vec();
                let wrapped: Float64Array = columns[lo]
                    .as_primitive::<Float64Type>()
                    .iter()
                    .map(|v| v.map(|v| if v < 0.0 { v + 360.0 } else { v }))
                    .collect();
                columns[lo] = Arc::new(wrapped);
                writer
                    .write(&RecordBatch::try_new(old.clone(), columns).unwrap())
                    .unwrap();
            }
            writer.close().unwrap();
        } else {
            std::fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

/// The rows as a Parquet file whose `s_region` is marked as a region (DALI xtype).
fn write_input(path: &Path, rows: &[(i64, f64, f64, String)]) {
    let region = Field::new("s_region", DataType::Utf8, false).with_metadata(
        [("xtype".to_string(), "adql:REGION".to_string())]
            .into_iter()
            .collect(),
    );
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("s_ra", DataType::Float64, false),
        Field::new("s_dec", DataType::Float64, false),
        region,
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.0))),
        Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.1))),
        Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.2))),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|r| r.3.as_str()),
        )),
    ];
    let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(path).unwrap(), schema, None)
            .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

async fn ids(engine: &adql_engine::Engine, condition: &str) -> BTreeSet<i64> {
    let q = format!("SELECT id FROM test.regions WHERE {condition}");
    common::collect(engine, &q)
        .await
        .iter()
        .flat_map(|b| {
            let c = b.column(0).as_primitive::<Int64Type>();
            (0..c.len()).map(|i| c.value(i)).collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test]
async fn region_pruning_keeps_every_row() {
    let dir = std::env::temp_dir().join(format!("adql-region-pruning-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rows = regions();
    let input = dir.join("regions.parquet");
    write_input(&input, &rows);
    let parted = dir.join("parted");
    let snapshot = obscore::ingest::ingest(
        &[input],
        &parted,
        &obscore::ingest::IngestOptions {
            table: Some("test.regions".into()),
            parts: 6,
            ..Default::default()
        },
        &mut |_| {},
    )
    .unwrap()
    .snapshot;
    assert_eq!(snapshot.manifest.parts.len(), 6);
    let old = dir.join("wrapping");
    with_wrapping_columns(&parted, &old);
    let engines = [
        (
            "unwrapped",
            adql_engine::Engine::new(&snapshot).await.unwrap(),
        ),
        (
            "wrapping",
            adql_engine::Engine::new(&obscore::snapshot::Snapshot::open(&old).unwrap())
                .await
                .unwrap(),
        ),
    ];
    let parsed: Vec<(i64, Region)> = rows
        .iter()
        .map(|(id, _, _, r)| (*id, adql_geom::stcs::parse(r).unwrap()))
        .collect();
    let mut matched = 0;
    let mut fewer_parts = 0;
    for (condition, test) in cases() {
        let want: BTreeSet<i64> = parsed
            .iter()
            .filter(|(_, r)| test(r))
            .map(|(id, _)| *id)
            .collect();
        matched += usize::from(!want.is_empty());
        for (name, engine) in &engines {
            let got = ids(engine, &condition).await;
            assert_eq!(
                got.symmetric_difference(&want).collect::<Vec<_>>(),
                Vec::<&i64>::new(),
                "{name}: {condition}"
            );
        }
        // The unwrapped layout prunes on RA as well as Dec.
        let q = format!("SELECT id FROM test.regions WHERE {condition}");
        let plans = engines[0].1.explain(&q, false).await.unwrap();
        if let Some(line) = plans.lines().find(|l| l.contains("parts (")) {
            fewer_parts += usize::from(!line.contains("opens 6 of 6"));
        }
    }
    assert!(
        matched >= 10,
        "most conditions match some regions: {matched}"
    );
    assert!(
        fewer_parts >= 8,
        "most conditions open fewer parts than all: {fewer_parts}"
    );
    std::fs::remove_dir_all(dir).ok();
}
