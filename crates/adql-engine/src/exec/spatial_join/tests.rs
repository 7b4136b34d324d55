//! The operator against the nested loop, on points and footprints made here.

use super::*;
use arrow::array::{BinaryArray, FixedSizeBinaryArray};
use arrow::datatypes::{Field, Schema};
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::logical_expr::Operator;
use datafusion::physical_expr::expressions::{binary, col, lit};
use datafusion::physical_plan::joins::utils::ColumnIndex;
use datafusion::prelude::{SessionConfig, SessionContext};

/// Cells a row can have: few, so that each run holds many rows.
const CELLS: u64 = 4;

fn next(seed: &mut u64) -> f64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*seed >> 11) as f64 / (1u64 << 53) as f64
}

/// Points near (10, 20): an id, a cell (NULL for some), a vector (NULL
/// for some).
fn points(n: usize, seed: &mut u64) -> RecordBatch {
    let mut vectors = Vec::new();
    let mut cells = Vec::new();
    for i in 0..n {
        let p = adql_geom::Point::new(10.0 + next(seed), 20.0 + next(seed)).unwrap();
        vectors.push((i % 17 != 5).then(|| edge_normals::encode_vector(p.vector())));
        cells.push((i % 13 != 7).then(|| (next(seed) * CELLS as f64) as i64));
    }
    let schema = Schema::new(vec![
        Field::new("point_id", DataType::Int64, false),
        Field::new("point_cell", DataType::Int64, true),
        Field::new("vector", DataType::FixedSizeBinary(24), true),
    ]);
    RecordBatch::try_new(
        Arc::new(schema),
        vec![
            Arc::new(Int64Array::from_iter_values(0..n as i64)),
            Arc::new(Int64Array::from(cells)),
            Arc::new(
                FixedSizeBinaryArray::try_from_sparse_iter_with_size(vectors.into_iter(), 24)
                    .unwrap(),
            ),
        ],
    )
    .unwrap()
}

/// Convex polygons of three to six vertices over the same field: an id,
/// a cell, edge normals (NULL for some).
fn footprints(n: usize, seed: &mut u64) -> RecordBatch {
    let mut normals = Vec::new();
    let mut cells = Vec::new();
    for i in 0..n {
        let (ra, dec, size) = (
            10.0 + next(seed),
            20.0 + next(seed),
            0.05 + next(seed) * 0.5,
        );
        let k = 3 + i % 4;
        let mut text = String::from("POLYGON ICRS");
        for j in 0..k {
            let angle = (j as f64 * 360.0 / k as f64).to_radians();
            text.push_str(&format!(
                " {} {}",
                ra + size * angle.cos(),
                dec + size * angle.sin()
            ));
        }
        let region = adql_geom::stcs::parse(&text).unwrap();
        normals.push((i % 11 != 3).then(|| edge_normals::encode(&region).unwrap()));
        cells.push(Some((next(seed) * CELLS as f64) as i64));
    }
    let schema = Schema::new(vec![
        Field::new("region_id", DataType::Int64, false),
        Field::new("region_cell", DataType::Int64, true),
        Field::new("normals", DataType::Binary, true),
    ]);
    RecordBatch::try_new(
        Arc::new(schema),
        vec![
            Arc::new(Int64Array::from_iter_values(0..n as i64)),
            Arc::new(Int64Array::from(cells)),
            Arc::new(BinaryArray::from_iter(normals)),
        ],
    )
    .unwrap()
}

/// The (point, region) pairs of equal cells whose point is inside, pair
/// by pair.
fn nested_loop(points: &RecordBatch, regions: &RecordBatch) -> Vec<(i64, i64)> {
    let cell = |b: &RecordBatch| {
        b.column(1)
            .as_primitive::<arrow::datatypes::Int64Type>()
            .clone()
    };
    let (point_cells, region_cells) = (cell(points), cell(regions));
    let vectors = points.column(2).as_fixed_size_binary();
    let normals = regions.column(2).as_binary::<i32>();
    let mut pairs = Vec::new();
    for p in 0..points.num_rows() {
        for r in 0..regions.num_rows() {
            let equal = point_cells.is_valid(p)
                && region_cells.is_valid(r)
                && point_cells.value(p) == region_cells.value(r);
            if equal && vectors.is_valid(p) && normals.is_valid(r) {
                let v = edge_normals::decode_vector(vectors.value(p)).unwrap();
                if edge_normals::contains(normals.value(r), v).unwrap() {
                    pairs.push((p as i64, r as i64));
                }
            }
        }
    }
    pairs.sort();
    pairs
}

fn source(batch: &RecordBatch) -> Arc<dyn ExecutionPlan> {
    // Two partitions, to probe from both.
    let half = batch.num_rows() / 2;
    let parts = vec![
        vec![batch.slice(0, half)],
        vec![batch.slice(half, batch.num_rows() - half)],
    ];
    MemorySourceConfig::try_new_exec(&parts, batch.schema(), None).unwrap()
}

/// The join of points with footprints, build side first as `points_build`
/// says, in output batches of at most three rows (pairs cut mid-run).
fn join(
    points: &RecordBatch,
    regions: &RecordBatch,
    points_build: bool,
    residual: Option<JoinFilter>,
    projection: Option<Vec<usize>>,
) -> SpatialJoinExec {
    let (build, probe) = if points_build {
        (source(points), source(regions))
    } else {
        (source(regions), source(points))
    };
    let (point_side, region_side) = if points_build {
        (JoinSide::Left, JoinSide::Right)
    } else {
        (JoinSide::Right, JoinSide::Left)
    };
    let build = Arc::new(
        datafusion::physical_plan::coalesce_partitions::CoalescePartitionsExec::new(build),
    );
    SpatialJoinExec::try_new(
        build,
        probe,
        (1, 1),
        ConvexTest {
            vector: (point_side, 2),
            normals: (region_side, 2),
        },
        residual,
        projection,
    )
    .unwrap()
}

async fn run(exec: SpatialJoinExec, context: SessionContext) -> Result<Vec<RecordBatch>> {
    datafusion::physical_plan::collect(Arc::new(exec), context.task_ctx()).await
}

fn small_batches() -> SessionContext {
    SessionContext::new_with_config(SessionConfig::new().with_batch_size(3))
}

/// (point id, region id) of output batches whose columns are those two,
/// in either order.
fn pairs(batches: &[RecordBatch], point_first: bool) -> Vec<(i64, i64)> {
    let mut pairs = Vec::new();
    for b in batches {
        assert!(b.num_rows() <= 3);
        let column = |i: usize| {
            b.column(i)
                .as_primitive::<arrow::datatypes::Int64Type>()
                .clone()
        };
        let (a, c) = (column(0), column(1));
        for k in 0..b.num_rows() {
            pairs.push(if point_first {
                (a.value(k), c.value(k))
            } else {
                (c.value(k), a.value(k))
            });
        }
    }
    pairs.sort();
    pairs
}

#[tokio::test]
async fn pairs_equal_the_nested_loop_with_either_side_built() {
    let mut seed = 7;
    let (points, regions) = (points(400, &mut seed), footprints(60, &mut seed));
    let want = nested_loop(&points, &regions);
    assert!(want.len() > 200, "weak: {} pairs", want.len());
    // Build columns first, then probe columns: ids at 0 and 3.
    for points_build in [true, false] {
        let exec = join(&points, &regions, points_build, None, Some(vec![0, 3]));
        let got = pairs(&run(exec, small_batches()).await.unwrap(), points_build);
        assert_eq!(got, want, "points built: {points_build}");
    }
    // No columns (COUNT(*)): rows all the same.
    let exec = join(&points, &regions, true, None, Some(vec![]));
    let batches = run(exec, small_batches()).await.unwrap();
    assert_eq!(
        batches.iter().map(|b| b.num_rows()).sum::<usize>(),
        want.len()
    );
    // All columns.
    let exec = join(&points, &regions, true, None, None);
    let batches = run(exec, SessionContext::new()).await.unwrap();
    assert_eq!(batches[0].num_columns(), 6);
    assert_eq!(
        batches.iter().map(|b| b.num_rows()).sum::<usize>(),
        want.len()
    );
}

#[tokio::test]
async fn other_conditions_filter_the_pairs_that_pass() {
    let mut seed = 11;
    let (points, regions) = (points(300, &mut seed), footprints(50, &mut seed));
    // (point_id + region_id) % 2 = 0, on columns of either side.
    let schema = Arc::new(Schema::new(vec![
        Field::new("point_id", DataType::Int64, false),
        Field::new("region_id", DataType::Int64, false),
    ]));
    let sum = binary(
        col("point_id", &schema).unwrap(),
        Operator::Plus,
        col("region_id", &schema).unwrap(),
        &schema,
    )
    .unwrap();
    let even = binary(
        binary(sum, Operator::Modulo, lit(2i64), &schema).unwrap(),
        Operator::Eq,
        lit(0i64),
        &schema,
    )
    .unwrap();
    let indices = vec![
        ColumnIndex {
            index: 0,
            side: JoinSide::Left,
        },
        ColumnIndex {
            index: 0,
            side: JoinSide::Right,
        },
    ];
    let filter = JoinFilter::new(even, indices, schema);
    let exec = join(&points, &regions, true, Some(filter), Some(vec![0, 3]));
    let got = pairs(&run(exec, small_batches()).await.unwrap(), true);
    let want: Vec<_> = nested_loop(&points, &regions)
        .into_iter()
        .filter(|(p, r)| (p + r) % 2 == 0)
        .collect();
    assert!(want.len() > 100);
    assert_eq!(got, want);
}

#[tokio::test]
async fn a_build_side_over_the_memory_limit_is_refused() {
    let mut seed = 3;
    let (points, regions) = (points(4000, &mut seed), footprints(10, &mut seed));
    let runtime = RuntimeEnvBuilder::new()
        .with_memory_limit(32 * 1024, 1.0)
        .build_arc()
        .unwrap();
    let context = SessionContext::new_with_config_rt(SessionConfig::new(), runtime);
    let exec = join(&points, &regions, true, None, None);
    let err = run(exec, context).await.unwrap_err();
    assert!(
        matches!(err.find_root(), DataFusionError::ResourcesExhausted(_)),
        "{err}"
    );
}

#[tokio::test]
async fn bytes_that_are_not_normals_are_an_error() {
    let mut seed = 5;
    let points = points(50, &mut seed);
    let regions = footprints(10, &mut seed);
    let mut columns = regions.columns().to_vec();
    columns[2] = Arc::new(BinaryArray::from_iter_values(
        (0..10).map(|_| vec![0u8; 30]),
    ));
    let regions = RecordBatch::try_new(regions.schema(), columns).unwrap();
    let exec = join(&points, &regions, true, None, None);
    let err = run(exec, SessionContext::new()).await.unwrap_err();
    assert!(err.to_string().contains("30 bytes"), "{err}");
}
