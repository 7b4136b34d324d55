//! Cutout speed: a 0.03° circle cut from a 4096×4096 float image (with MASK
//! and VARIANCE beside it, as Rubin's exposures are) through its TAN WCS,
//! written as FITS into memory; links documents (a visit image's, a coadd's
//! with its progenitors) over the demo snapshot and, with
//! `ADQL_BENCH_SNAPSHOT=DIR`, over the full one, where an SIA v2 search is
//! also timed against the same search in ADQL; all in process.
//!
//! `cargo bench -p adql-benches --bench cutout`; the image is left at
//! `$TMPDIR/adql-bench-cutout/image-4096.fits` for
//! `benches/compare_astropy_cutout.py` to time astropy on the same file.

use std::path::PathBuf;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use datalink::soda::parse_circle;
use datalink::synthetic::{write_image, ImageSpec};
use futures::StreamExt;

/// The image: 4096 pixels of 0.2″ (Rubin's scale), centred on the seed's coadd.
pub fn image() -> PathBuf {
    let dir = std::env::temp_dir().join("adql-bench-cutout");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("image-4096.fits");
    if !path.exists() {
        write_image(
            &path,
            &ImageSpec {
                seed: 4096,
                ra: 55.652,
                dec: -32.2056,
                side: 4096.0 * 0.2 / 3600.0,
                pixels: 4096,
                title: "benchmark".into(),
            },
        )
        .unwrap();
    }
    path
}

fn cutout(c: &mut Criterion) {
    let path = image();
    let circle = parse_circle("55.66 -32.21 0.03").unwrap();
    let mut group = c.benchmark_group("cutout");
    group.sample_size(50);
    group.bench_function("circle_0.03deg_from_4096x4096_3hdus", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(16 << 20);
            datalink::cut(&path, &circle, &mut out).unwrap();
            out
        })
    });
    group.finish();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let demo = runtime.block_on(adql_engine::Engine::demo()).unwrap();
    links(c, &runtime, "demo", Arc::new(demo));
    // The full DP0.2-scale snapshot, if given: links and SIA against ADQL.
    let Some(dir) = std::env::var_os("ADQL_BENCH_SNAPSHOT") else {
        eprintln!("set ADQL_BENCH_SNAPSHOT (adql generate --preset dp02 -o DIR) for the full-snapshot links and SIA timings");
        return;
    };
    let snapshot = obscore::Snapshot::open(&dir).expect("snapshot");
    let full = Arc::new(
        runtime
            .block_on(adql_engine::Engine::new(&snapshot))
            .unwrap(),
    );
    links(c, &runtime, "dp02", full.clone());
    sia(c, &runtime, &full);
}

/// The publisher DIDs of a visit image (calexp) and a coadd near the seed's
/// object, as the snapshot holds them.
fn dataset_ids(runtime: &tokio::runtime::Runtime, engine: &adql_engine::Engine) -> Vec<String> {
    let q = |subtype: &str| {
        format!(
            "SELECT TOP 1 obs_publisher_did FROM ivoa.ObsCore WHERE dataproduct_subtype = '{subtype}' \
             AND CONTAINS(POINT('ICRS', 55.7467, -32.2862), s_region) = 1"
        )
    };
    ["lsst.calexp", "lsst.deepCoadd_calexp"]
        .iter()
        .map(|subtype| {
            runtime.block_on(async {
                let mut result = engine.query(&q(subtype)).await.unwrap();
                let batch = result.stream.next().await.unwrap().unwrap();
                let ids = arrow::compute::cast(batch.column(0), &arrow::datatypes::DataType::Utf8)
                    .unwrap();
                arrow::array::AsArray::as_string::<i32>(&ids)
                    .value(0)
                    .to_string()
            })
        })
        .collect()
}

fn links(
    c: &mut Criterion,
    runtime: &tokio::runtime::Runtime,
    name: &str,
    engine: Arc<adql_engine::Engine>,
) {
    let ids = dataset_ids(runtime, &engine);
    let store = datalink::ImageStore::new(
        std::env::temp_dir().join("adql-bench-cutout/images"),
        datalink::ImageStore::DEFAULT_LAYOUT,
    )
    .unwrap();
    let datasets = tap_server::datasets::Datasets::new(
        engine,
        tap_server::datasets::ImageSource::Synthetic(store),
        "http://127.0.0.1:8080",
        None,
    );
    let mut group = c.benchmark_group(format!("links_{name}"));
    group.sample_size(50);
    for (kind, id) in ["calexp", "coadd_with_progenitors"].iter().zip(&ids) {
        let id = [id.as_str()];
        let document = runtime.block_on(datasets.links_document(&id));
        assert!(document.contains("#this"), "{document}");
        group.bench_function(*kind, |b| {
            b.iter(|| runtime.block_on(datasets.links_document(&id)))
        });
    }
    group.finish();
}

/// An SIA v2 POS search, translated and run, against the same search written
/// in ADQL: the difference is SIA's own cost.
fn sia(c: &mut Criterion, runtime: &tokio::runtime::Runtime, engine: &adql_engine::Engine) {
    let run = |adql: &str| {
        runtime.block_on(async {
            let mut result = engine.query(adql).await.unwrap();
            let mut rows = 0;
            while let Some(b) = result.stream.next().await {
                rows += b.unwrap().num_rows();
            }
            rows
        })
    };
    let params = [("POS", "CIRCLE 55.7467 -32.2862 0.05"), ("CALIB", "2")];
    let adql = "SELECT * FROM ivoa.ObsCore WHERE INTERSECTS(CIRCLE('ICRS', 55.7467, -32.2862, 0.05), s_region) = 1 AND calib_level = 2";
    let translated = datalink::sia::query(params).unwrap().adql;
    assert_eq!(run(&translated), run(adql));
    eprintln!("SIA: {} rows; as ADQL: {translated}", run(adql));
    let mut group = c.benchmark_group("sia_dp02");
    group.sample_size(30);
    group.bench_function("sia_pos_calib", |b| {
        b.iter(|| run(&datalink::sia::query(params).unwrap().adql))
    });
    group.bench_function("adql_equivalent", |b| b.iter(|| run(adql)));
    group.finish();
}

criterion_group!(benches, cutout);
criterion_main!(benches);
