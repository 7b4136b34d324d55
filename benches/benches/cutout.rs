//! Cutout speed: a 0.03° circle cut from a 4096×4096 float image (with MASK
//! and VARIANCE beside it, as Rubin's exposures are) through its TAN WCS,
//! written as FITS into memory; and a links document for one dataset of
//! the demo snapshot, in process.
//!
//! `cargo bench -p adql-benches --bench cutout`; the image is left at
//! `$TMPDIR/adql-bench-cutout/image-4096.fits` for
//! `benches/compare_astropy_cutout.py` to time astropy on the same file.

use std::path::PathBuf;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use datalink::soda::parse_circle;
use datalink::synthetic::{write_image, ImageSpec};

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
    let engine = runtime.block_on(adql_engine::Engine::demo()).unwrap();
    let store = datalink::ImageStore::new(
        std::env::temp_dir().join("adql-bench-cutout/images"),
        datalink::ImageStore::DEFAULT_LAYOUT,
    )
    .unwrap();
    let datasets = tap_server::datasets::Datasets::new(
        Arc::new(engine),
        tap_server::datasets::ImageSource::Synthetic(store),
        "http://127.0.0.1:8080",
        None,
    );
    let id = ["butler://dp02/20d28216-534a-4102-b8a7-1c7f32a9b78c"];
    c.bench_function("links_document_demo", |b| {
        b.iter(|| runtime.block_on(datasets.links_document(&id)))
    });
}

criterion_group!(benches, cutout);
criterion_main!(benches);
