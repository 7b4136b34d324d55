//! Engine speed on a DP0.2-scale snapshot, warm and in-process: the cone search
//! of the seed point (r = 0.5°) and the GROUP BY of the seed queries.
//!
//! ```sh
//! adql generate --preset dp02 -o /tmp/dp02
//! ADQL_BENCH_SNAPSHOT=/tmp/dp02 cargo bench -p adql-benches --bench engine
//! ```
//!
//! With `ADQL_BENCH_UNSORTED` naming a Parquet copy of the table in another row
//! order (no spatial ordering, so row-group statistics cannot skip anything), the
//! same cone runs over it as `u.t` too.

use criterion::{criterion_group, criterion_main, Criterion};
use futures::StreamExt;

// The allocator of the `adql` binary, so the numbers are the CLI's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CONE: &str = "SELECT obs_id, s_ra, s_dec FROM ivoa.ObsCore WHERE CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 55.74673760481304, -32.286155241413624, 0.5)) = 1";
const GROUP_BY: &str =
    "SELECT dataproduct_subtype, COUNT(*) FROM ivoa.ObsCore GROUP BY dataproduct_subtype";
/// The seed's point-in-`s_region` query, all columns: late materialisation.
const SEED_CONTAINS: &str = "SELECT * FROM ivoa.ObsCore WHERE dataproduct_type = 'image' AND obs_collection = 'LSST.DP02' AND dataproduct_subtype = 'lsst.deepCoadd_calexp' AND CONTAINS(POINT('ICRS', 55.74673760481304, -32.286155241413624), s_region)=1";

fn engine(c: &mut Criterion) {
    let Some(dir) = std::env::var_os("ADQL_BENCH_SNAPSHOT") else {
        eprintln!(
            "set ADQL_BENCH_SNAPSHOT to a snapshot directory (adql generate --preset dp02 -o DIR)"
        );
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let snapshot = obscore::Snapshot::open(&dir).expect("snapshot");
    let unsorted = std::env::var_os("ADQL_BENCH_UNSORTED");
    let tables: Vec<(String, String)> = unsorted
        .iter()
        .map(|p| ("u.t".to_string(), p.to_string_lossy().into_owned()))
        .collect();
    let engine = runtime
        .block_on(adql_engine::Engine::with_tables(&snapshot, &tables))
        .expect("engine");
    let run = |q: &str| {
        runtime.block_on(async {
            let mut result = engine.query(q).await.unwrap();
            let mut rows = 0;
            while let Some(b) = result.stream.next().await {
                rows += b.unwrap().num_rows();
            }
            rows
        })
    };
    eprintln!("cone: {} rows; group by: {} rows", run(CONE), run(GROUP_BY));
    let mut group = c.benchmark_group("engine_dp02");
    group.sample_size(20);
    group.bench_function("cone_0.5deg", |b| b.iter(|| run(CONE)));
    group.bench_function("group_by_subtype", |b| b.iter(|| run(GROUP_BY)));
    eprintln!(
        "seed CONTAINS(point, s_region): {} rows",
        run(SEED_CONTAINS)
    );
    group.bench_function("seed_contains_s_region", |b| b.iter(|| run(SEED_CONTAINS)));
    if unsorted.is_some() {
        let cone_unsorted = CONE.replace("ivoa.ObsCore", "u.t");
        let positions = cone_unsorted.replace("obs_id, s_ra, s_dec", "s_ra, s_dec");
        eprintln!("unsorted cone: {} rows", run(&cone_unsorted));
        group.bench_function("cone_0.5deg_unsorted", |b| b.iter(|| run(&cone_unsorted)));
        group.bench_function("cone_0.5deg_unsorted_positions", |b| {
            b.iter(|| run(&positions))
        });
    }
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
