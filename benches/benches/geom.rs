//! Geometry speed: the point-in-circle kernel over a DP0.2-sized column (8.5 M
//! points), one point in a 4-vertex polygon, STC-S polygon parsing, and the
//! keys of a positional join (the cell of a point; the cells of a 1″ cone and
//! of a detector's bounding cone).
//!
//! `cargo bench -p adql-benches --bench geom`

use adql_geom::kernels::{points_in_circle, points_in_polygon};
use adql_geom::{stcs, Circle, Point, Polygon};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const ROWS: usize = 8_475_974;
const DETECTOR: &str =
    "POLYGON ICRS 55.514085 -32.322253 55.790197 -32.322253 55.789845 -32.088924 55.514437 -32.088924";

/// Deterministic points spread over the DC2 footprint (RA 50..75, Dec -45..-27).
fn footprint_points(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| (50.0 + 25.0 * next(), -45.0 + 18.0 * next()))
        .unzip()
}

fn kernels(c: &mut Criterion) {
    let (ra, dec) = footprint_points(ROWS);
    let mut out = vec![false; ROWS];
    let circle = Circle::new(
        Point::new(55.74673760481304, -32.286155241413624).unwrap(),
        0.5,
    )
    .unwrap();
    let mut group = c.benchmark_group("kernel");
    group.sample_size(20);
    group.throughput(Throughput::Elements(ROWS as u64));
    group.bench_function("points_in_circle_8.5M", |b| {
        b.iter(|| points_in_circle(&ra, &dec, &circle, &mut out))
    });
    let polygon = match stcs::parse(DETECTOR).unwrap() {
        adql_geom::Region::Polygon(p) => p,
        _ => unreachable!(),
    };
    group.bench_function("points_in_polygon_8.5M", |b| {
        b.iter(|| points_in_polygon(&ra, &dec, &polygon, &mut out))
    });
    group.finish();
}

fn scalar(c: &mut Criterion) {
    let polygon = Polygon::from_radec(&[
        (55.514085, -32.322253),
        (55.790197, -32.322253),
        (55.789845, -32.088924),
        (55.514437, -32.088924),
    ])
    .unwrap();
    let inside = Point::new(55.6, -32.2).unwrap();
    let outside = Point::new(55.9, -32.2).unwrap();
    c.bench_function("point_in_4_vertex_polygon", |b| {
        b.iter(|| {
            std::hint::black_box(&polygon).contains_point(std::hint::black_box(&inside))
                ^ polygon.contains_point(std::hint::black_box(&outside))
        })
    });
    let mut group = c.benchmark_group("stcs");
    group.throughput(Throughput::Elements(1));
    group.bench_function("parse_polygon", |b| {
        b.iter(|| stcs::parse(std::hint::black_box(DETECTOR)).unwrap())
    });
    group.finish();
}

fn join_keys(c: &mut Criterion) {
    use adql_geom::coverage::{bounding_cone, cone_cells, healpix_index, join_depth};
    let (ra, dec) = footprint_points(100_000);
    let arcsec = 1.0 / 3600.0;
    let depth = join_depth(arcsec);
    let mut group = c.benchmark_group("join_keys");
    group.throughput(Throughput::Elements(ra.len() as u64));
    group.bench_function("cell_of_point_100k", |b| {
        b.iter(|| {
            ra.iter()
                .zip(&dec)
                .map(|(&r, &d)| healpix_index(depth, r, d))
                .fold(0u64, |a, x| a ^ x)
        })
    });
    group.bench_function("cells_of_1arcsec_cone_100k", |b| {
        b.iter(|| {
            ra.iter()
                .zip(&dec)
                .map(|(&r, &d)| cone_cells(depth, r, d, arcsec).unwrap().unwrap().len())
                .sum::<usize>()
        })
    });
    group.finish();
    let detector = stcs::parse(DETECTOR).unwrap();
    c.bench_function("cells_of_detector_cone", |b| {
        b.iter(|| {
            let (centre, reach) = bounding_cone(&detector);
            cone_cells(join_depth(2.0 * reach), centre.ra(), centre.dec(), reach)
        })
    });
}

criterion_group!(benches, kernels, scalar, join_keys);
criterion_main!(benches);
