//! A point-in-footprint join on sky cells, each candidate tested where it lies.
//!
//! The planner turns `CONTAINS(POINT(t.ra, t.dec), o.s_region) = 1` into an
//! equi-join on HEALPix cells (the expanded side's cells against the keyed
//! side's one) whose filter is `adql_point_in_convex(vector, normals) = 1`.
//! DataFusion's hash join runs that filter on a batch of both sides' columns
//! copied out for every candidate pair (a footprint's normals are ~100 bytes),
//! which for 10,000 targets × the 8.5 M-row ObsCore (23.7 M candidates) was
//! most of the query's time. This operator instead collects the expanded side
//! once (the build side: the depth rule bounds it), puts its rows in cell order
//! with their geometry decoded, and runs each row of the keyed side through its
//! cell's build rows, decoding the row's own geometry once. Only the pairs that
//! pass are taken into output batches; the join's other conditions are applied
//! to those, as the hash join would.
//!
//! Only inner joins run here: an outer join keeps the hash join, which tracks
//! across partitions which build rows matched. The planner's physical rule
//! ([`crate::planner::SpatialJoinExecRule`]) chooses this operator; a cluster
//! plans its own physical plan from the logical one, with the hash join.

use std::fmt;
use std::sync::Arc;

use adql_geom::edge_normals;
use adql_geom::Vec3;
use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Int64Array, RecordBatch, RecordBatchOptions,
    UInt32Array,
};
use arrow::compute::{cast, filter, prep_null_mask_filter, take};
use arrow::datatypes::{DataType, SchemaRef};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{exec_err, internal_err, JoinSide, JoinType, Result};
use datafusion::error::DataFusionError;
use datafusion::execution::TaskContext;
use datafusion::physical_expr::EquivalenceProperties;
use datafusion::physical_plan::execution_plan::EmissionType;
use datafusion::physical_plan::joins::utils::{build_join_schema, JoinFilter};
use datafusion::physical_plan::metrics::{
    BaselineMetrics, Count, ExecutionPlanMetricsSet, MetricBuilder, MetricsSet, Time,
};
use datafusion::physical_plan::projection::{
    try_embed_projection, EmbeddedProjection, ProjectionExec,
};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    ChildrenPropertiesMode, DisplayAs, DisplayFormatType, Distribution, ExecutionPlan,
    ExecutionPlanProperties, Partitioning, PhysicalExpr, PlanProperties, ReplaceChildrenOptions,
    SendableRecordBatchStream,
};
use futures::StreamExt;
use tokio::sync::OnceCell;

mod build;
#[cfg(test)]
mod tests;

use build::BuildTable;

/// Where a join's point-in-convex test reads its two arguments: the point's
/// unit vector (`adql_point_vector`) on one side, the footprint's edge
/// normals on the other. `Left` is the build side, `Right` the probe side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConvexTest {
    /// The side and column index of the point's vector.
    pub vector: (JoinSide, usize),
    /// The side and column index of the footprint's edge normals.
    pub normals: (JoinSide, usize),
}

/// An inner join of a build side expanded to sky cells with a probe side
/// keyed by one cell per row, on equal cells and a point inside a convex
/// footprint (see the module's documentation).
#[derive(Debug)]
pub struct SpatialJoinExec {
    build: Arc<dyn ExecutionPlan>,
    probe: Arc<dyn ExecutionPlan>,
    join: Arc<JoinParts>,
    /// The build side's table, made by the first partition to need it and
    /// shared by all.
    table: Arc<OnceCell<Arc<BuildTable>>>,
    metrics: ExecutionPlanMetricsSet,
    properties: Arc<PlanProperties>,
}

/// What the join is, apart from its inputs.
#[derive(Debug)]
struct JoinParts {
    /// The cell columns of the build and the probe side.
    cells: (usize, usize),
    test: ConvexTest,
    /// The join's other conditions.
    residual: Option<JoinFilter>,
    /// The output columns, as indices into the build side's columns followed
    /// by the probe side's.
    projection: Vec<usize>,
    build_width: usize,
    /// The build side's columns the output and the other conditions read.
    build_columns: Vec<usize>,
    schema: SchemaRef,
}

impl SpatialJoinExec {
    /// The join of `build` (rows repeated for each cell they may touch) with
    /// `probe` on `cells` (a column of each, integers), keeping the pairs that
    /// pass `test` and `residual`, their columns chosen by `projection` (of
    /// the build side's columns followed by the probe side's; all if `None`).
    pub fn try_new(
        build: Arc<dyn ExecutionPlan>,
        probe: Arc<dyn ExecutionPlan>,
        cells: (usize, usize),
        test: ConvexTest,
        residual: Option<JoinFilter>,
        projection: Option<Vec<usize>>,
    ) -> Result<Self> {
        let (build_schema, probe_schema) = (build.schema(), probe.schema());
        let build_width = build_schema.fields().len();
        let (joined, _) = build_join_schema(&build_schema, &probe_schema, &JoinType::Inner);
        let projection = projection.unwrap_or_else(|| (0..joined.fields().len()).collect());
        let schema = Arc::new(joined.project(&projection)?);
        let width = |side: JoinSide| match side {
            JoinSide::Left => Some(build_width),
            JoinSide::Right => Some(probe_schema.fields().len()),
            JoinSide::None => None,
        };
        let fits = |(side, index): (JoinSide, usize)| width(side).is_some_and(|w| index < w);
        if !fits(test.vector) || !fits(test.normals) || test.vector.0 == test.normals.0 {
            return internal_err!("a spatial join tests a vector and normals of either side");
        }
        if cells.0 >= build_width || cells.1 >= probe_schema.fields().len() {
            return internal_err!("a spatial join's cell columns are not its inputs'");
        }
        let properties = PlanProperties::new(
            EquivalenceProperties::new(schema.clone()),
            Partitioning::UnknownPartitioning(probe.output_partitioning().partition_count()),
            EmissionType::Incremental,
            probe.boundedness(),
        );
        Ok(SpatialJoinExec {
            build,
            probe,
            join: Arc::new(JoinParts {
                build_columns: build_columns(&projection, residual.as_ref(), build_width),
                cells,
                test,
                residual,
                projection,
                build_width,
                schema,
            }),
            table: Arc::new(OnceCell::new()),
            metrics: ExecutionPlanMetricsSet::new(),
            properties: Arc::new(properties),
        })
    }

    /// Where the test reads the point's vector and the footprint's normals.
    pub fn test(&self) -> ConvexTest {
        self.join.test
    }
}

impl DisplayAs for SpatialJoinExec {
    fn fmt_as(&self, _format: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let (build, probe) = (self.build.schema(), self.probe.schema());
        let name = |(side, index): (JoinSide, usize)| {
            let schema = if side == JoinSide::Left {
                &build
            } else {
                &probe
            };
            format!("{}@{index}", schema.field(index).name())
        };
        let join = &self.join;
        write!(
            f,
            "SpatialJoinExec: on=[({}, {})], test=point {} in convex {}",
            name((JoinSide::Left, join.cells.0)),
            name((JoinSide::Right, join.cells.1)),
            name(join.test.vector),
            name(join.test.normals),
        )?;
        if let Some(residual) = &join.residual {
            write!(f, ", filter={}", residual.expression())?;
        }
        let names: Vec<_> = join.schema.fields().iter().map(|f| f.name()).collect();
        write!(
            f,
            ", output=[{}]",
            names
                .iter()
                .map(|n| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

impl ExecutionPlan for SpatialJoinExec {
    fn name(&self) -> &str {
        "SpatialJoinExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn required_input_distribution(&self) -> Vec<Distribution> {
        vec![
            Distribution::SinglePartition,
            Distribution::UnspecifiedDistribution,
        ]
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.build, &self.probe]
    }

    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        match &self.join.residual {
            Some(residual) => f(residual.expression()),
            None => Ok(TreeNodeRecursion::Continue),
        }
    }

    fn replace_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
        _options: ReplaceChildrenOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let [build, probe]: [Arc<dyn ExecutionPlan>; 2] = match children.try_into() {
            Ok(pair) => pair,
            Err(_) => return internal_err!("a spatial join has two inputs"),
        };
        let join = &self.join;
        Ok(Arc::new(SpatialJoinExec::try_new(
            build,
            probe,
            join.cells,
            join.test,
            join.residual.clone(),
            Some(join.projection.clone()),
        )?))
    }

    #[allow(deprecated)]
    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.replace_children(
            children,
            ReplaceChildrenOptions::new(ChildrenPropertiesMode::Recompute),
        )
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let probe = self.probe.execute(partition, context.clone())?;
        let metrics = MetricBuilder::new(&self.metrics);
        let state = ProbeState {
            join: self.join.clone(),
            table: self.table.clone(),
            built: None,
            build: self.build.clone(),
            context: context.clone(),
            probe,
            cursor: None,
            batch_size: context.session_config().batch_size(),
            baseline: BaselineMetrics::new(&self.metrics, partition),
            build_time: metrics.clone().subset_time("build_time", partition),
            build_rows: metrics.clone().counter("build_rows", partition),
            candidates: metrics.counter("candidates", partition),
        };
        let stream = futures::stream::try_unfold(state, |mut state| async move {
            let batch = state.next_batch().await?;
            Ok(batch.map(|batch| (batch, state)))
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.join.schema.clone(),
            stream,
        )))
    }

    fn metrics(&self) -> Option<MetricsSet> {
        Some(self.metrics.clone_inner())
    }

    /// The columns a projection above keeps are the only ones taken into
    /// output batches (for `COUNT(*)`: none).
    fn try_swapping_with_projection(
        &self,
        projection: &ProjectionExec,
    ) -> Result<Option<Arc<dyn ExecutionPlan>>> {
        try_embed_projection(projection, self)
    }
}

impl EmbeddedProjection for SpatialJoinExec {
    /// This join with only the columns `projection` picks of its output.
    fn with_projection(&self, projection: Option<Vec<usize>>) -> Result<Self> {
        let current = &self.join.projection;
        let projection = match projection {
            Some(picked) => picked
                .iter()
                .map(|&i| current.get(i).copied())
                .collect::<Option<Vec<_>>>(),
            None => Some(current.clone()),
        };
        let Some(projection) = projection else {
            return internal_err!("a projection of columns a spatial join does not have");
        };
        SpatialJoinExec::try_new(
            Arc::clone(&self.build),
            Arc::clone(&self.probe),
            self.join.cells,
            self.join.test,
            self.join.residual.clone(),
            Some(projection),
        )
    }
}

/// One partition's stream: its probe side, the batch being joined, and the
/// shared build table once made.
struct ProbeState {
    join: Arc<JoinParts>,
    table: Arc<OnceCell<Arc<BuildTable>>>,
    /// This partition's handle on the table, once made.
    built: Option<Arc<BuildTable>>,
    build: Arc<dyn ExecutionPlan>,
    context: Arc<TaskContext>,
    probe: SendableRecordBatchStream,
    cursor: Option<ProbeCursor>,
    batch_size: usize,
    baseline: BaselineMetrics,
    build_time: Time,
    build_rows: Count,
    candidates: Count,
}

impl ProbeState {
    /// The next non-empty output batch, or `None` at the end.
    async fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        let table = match &self.built {
            Some(table) => Arc::clone(table),
            None => {
                let (build, context, join) = (self.build.clone(), self.context.clone(), &self.join);
                let (build_time, build_rows) = (self.build_time.clone(), self.build_rows.clone());
                let table = self
                    .table
                    .get_or_try_init(|| async move {
                        // Only the partition that builds the table times it.
                        let timer = build_time.timer();
                        let table = BuildTable::collect(build, context, join).await?;
                        timer.done();
                        build_rows.add(table.rows.len());
                        Ok::<_, DataFusionError>(Arc::new(table))
                    })
                    .await?;
                self.built = Some(Arc::clone(table));
                Arc::clone(table)
            }
        };
        loop {
            if let Some(cursor) = self.cursor.as_mut().filter(|c| !c.is_done()) {
                let timer = self.baseline.elapsed_compute().timer();
                let (build_rows, probe_rows) =
                    cursor.next_pairs(&table, &self.join, self.batch_size, &self.candidates)?;
                let batch = self
                    .join
                    .output(&table, &cursor.batch, build_rows, probe_rows)?;
                timer.done();
                if batch.num_rows() > 0 {
                    self.baseline.record_output(batch.num_rows());
                    self.baseline.output_batches().add(1);
                    return Ok(Some(batch));
                }
                continue;
            }
            match self.probe.next().await {
                Some(batch) => self.cursor = Some(ProbeCursor::new(batch?, self.join.cells.1)?),
                None => {
                    self.baseline.done();
                    return Ok(None);
                }
            }
        }
    }
}

/// A probe batch being joined: the row reached, and how far into its cell's
/// build rows (an output batch can end in the middle of one).
struct ProbeCursor {
    batch: RecordBatch,
    cells: Int64Array,
    row: usize,
    within: usize,
    /// A footprint's decoded normals, kept between rows.
    normals: Vec<Vec3>,
    /// The last cell looked up, and its run.
    last: (Option<i64>, Option<(u32, u32)>),
}

impl ProbeCursor {
    fn new(batch: RecordBatch, cell: usize) -> Result<ProbeCursor> {
        let cells = int64(batch.column(cell))?;
        Ok(ProbeCursor {
            batch,
            cells,
            row: 0,
            within: 0,
            normals: Vec::new(),
            last: (None, None),
        })
    }

    fn is_done(&self) -> bool {
        self.row >= self.batch.num_rows()
    }

    /// The next pairs that pass the test, at most `limit`, as (build row,
    /// probe row) indices.
    fn next_pairs(
        &mut self,
        table: &BuildTable,
        join: &JoinParts,
        limit: usize,
        candidates: &Count,
    ) -> Result<(UInt32Array, UInt32Array)> {
        let probe_geometry = if join.test.vector.0 == JoinSide::Right {
            join.test.vector.1
        } else {
            join.test.normals.1
        };
        let geometry = Bytes::new(self.batch.column(probe_geometry))?;
        let (mut build_rows, mut probe_rows) = (Vec::new(), Vec::new());
        let mut tested = 0;
        while self.row < self.batch.num_rows() {
            let i = self.row;
            let run = if self.cells.is_valid(i) {
                let cell = self.cells.value(i);
                // A snapshot in sky order brings a cell's rows one after
                // another: one lookup for them all.
                if self.last.0 != Some(cell) {
                    self.last = (Some(cell), table.runs.get(&cell).copied());
                }
                self.last.1
            } else {
                None
            };
            if let (Some((start, end)), Some(bytes)) = (run, geometry.get(i)) {
                let (start, end) = (start as usize + self.within, end as usize);
                tested += end - start;
                let mut pass = |k: usize, inside: bool| {
                    if inside {
                        build_rows.push(table.rows[k]);
                        probe_rows.push(i as u32);
                    }
                    build_rows.len() >= limit
                };
                let geometry = &table.geometry;
                let stopped_at = if join.test.vector.0 == JoinSide::Left {
                    self.normals.clear();
                    edge_normals::decode(bytes, &mut self.normals).map_err(geom)?;
                    (start..end).find(|&k| {
                        pass(
                            k,
                            edge_normals::contains_decoded(&self.normals, geometry.vector(k)),
                        )
                    })
                } else {
                    let v = edge_normals::decode_vector(bytes).map_err(geom)?;
                    (start..end)
                        .find(|&k| pass(k, edge_normals::contains_decoded(geometry.normals(k), v)))
                };
                if let Some(k) = stopped_at {
                    tested -= end - (k + 1);
                    self.within = k + 1 - (start - self.within);
                    candidates.add(tested);
                    return Ok((build_rows.into(), probe_rows.into()));
                }
            }
            self.row += 1;
            self.within = 0;
        }
        candidates.add(tested);
        Ok((build_rows.into(), probe_rows.into()))
    }
}

impl JoinParts {
    /// The output batch of the pairs (`build_rows[k]`, `probe_rows[k]`)
    /// that also pass the residual conditions.
    fn output(
        &self,
        table: &BuildTable,
        probe: &RecordBatch,
        build_rows: UInt32Array,
        probe_rows: UInt32Array,
    ) -> Result<RecordBatch> {
        let column = |side: JoinSide, index: usize| -> Result<ArrayRef> {
            match side {
                JoinSide::Left => Ok(take(table.column(index)?, &build_rows, None)?),
                JoinSide::Right => Ok(take(probe.column(index), &probe_rows, None)?),
                JoinSide::None => internal_err!("a join filter's column of neither side"),
            }
        };
        let (build_rows, probe_rows) = match &self.residual {
            Some(residual) if !build_rows.is_empty() => {
                let columns = residual
                    .column_indices()
                    .iter()
                    .map(|c| column(c.side, c.index))
                    .collect::<Result<Vec<_>>>()?;
                let rows = build_rows.len();
                let options = RecordBatchOptions::new().with_row_count(Some(rows));
                let batch = RecordBatch::try_new_with_options(
                    residual.schema().clone(),
                    columns,
                    &options,
                )?;
                let mask = residual.expression().evaluate(&batch)?.into_array(rows)?;
                let Some(mask) = mask.as_boolean_opt() else {
                    return internal_err!("a join filter that is not a condition");
                };
                let mask: BooleanArray = if mask.null_count() > 0 {
                    prep_null_mask_filter(mask)
                } else {
                    mask.clone()
                };
                let kept = |rows: &UInt32Array| -> Result<UInt32Array> {
                    Ok(filter(rows, &mask)?.as_primitive().clone())
                };
                (kept(&build_rows)?, kept(&probe_rows)?)
            }
            _ => (build_rows, probe_rows),
        };
        let rows = build_rows.len();
        let column = |side: JoinSide, index: usize| -> Result<ArrayRef> {
            match side {
                JoinSide::Left => Ok(take(table.column(index)?, &build_rows, None)?),
                _ => Ok(take(probe.column(index), &probe_rows, None)?),
            }
        };
        let columns = self
            .projection
            .iter()
            .map(|&p| match p.checked_sub(self.build_width) {
                None => column(JoinSide::Left, p),
                Some(q) => column(JoinSide::Right, q),
            })
            .collect::<Result<Vec<_>>>()?;
        let options = RecordBatchOptions::new().with_row_count(Some(rows));
        Ok(RecordBatch::try_new_with_options(
            self.schema.clone(),
            columns,
            &options,
        )?)
    }
}

/// The build side's columns that `projection` (of the build side's columns
/// followed by the probe side's) and `residual` read, in order.
fn build_columns(projection: &[usize], residual: Option<&JoinFilter>, width: usize) -> Vec<usize> {
    let filtered = residual
        .map(|r| r.column_indices())
        .unwrap_or_default()
        .iter()
        .filter(|c| c.side == JoinSide::Left)
        .map(|c| c.index);
    let mut columns: Vec<usize> = projection
        .iter()
        .copied()
        .filter(|&p| p < width)
        .chain(filtered)
        .collect();
    columns.sort_unstable();
    columns.dedup();
    columns
}

/// A column of cells as 64-bit integers.
fn int64(array: &ArrayRef) -> Result<Int64Array> {
    Ok(cast(array, &DataType::Int64)?.as_primitive().clone())
}

/// A column of bytes of any of Arrow's binary layouts, read row by row.
enum Bytes<'a> {
    Fixed(&'a arrow::array::FixedSizeBinaryArray),
    Binary(&'a arrow::array::BinaryArray),
    Large(&'a arrow::array::LargeBinaryArray),
    View(&'a arrow::array::BinaryViewArray),
    /// All NULL.
    Null,
}

impl<'a> Bytes<'a> {
    fn new(array: &'a ArrayRef) -> Result<Bytes<'a>> {
        Ok(match array.data_type() {
            DataType::FixedSizeBinary(_) => Bytes::Fixed(array.as_fixed_size_binary()),
            DataType::Binary => Bytes::Binary(array.as_binary()),
            DataType::LargeBinary => Bytes::Large(array.as_binary()),
            DataType::BinaryView => Bytes::View(array.as_binary_view()),
            DataType::Null => Bytes::Null,
            other => return exec_err!("a spatial join reads geometry as bytes, not {other}"),
        })
    }

    /// Row `i`'s bytes; `None` for a NULL.
    #[inline]
    fn get(&self, i: usize) -> Option<&'a [u8]> {
        match self {
            Bytes::Fixed(a) => a.is_valid(i).then(|| a.value(i)),
            Bytes::Binary(a) => a.is_valid(i).then(|| a.value(i)),
            Bytes::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Bytes::View(a) => a.is_valid(i).then(|| a.value(i)),
            Bytes::Null => None,
        }
    }
}

/// A geometry error as the test's UDF reports it.
fn geom(e: adql_geom::GeomError) -> DataFusionError {
    DataFusionError::Execution(e.to_string())
}
