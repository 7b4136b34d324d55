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
use arrow::compute::{cast, concat, filter, prep_null_mask_filter, take};
use arrow::datatypes::{DataType, SchemaRef};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{exec_err, internal_err, HashMap, JoinSide, JoinType, Result};
use datafusion::error::DataFusionError;
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryReservation};
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

/// The build side in cell order, ready to be probed.
#[derive(Debug)]
struct BuildTable {
    /// The columns the output and the other conditions read, of all its
    /// rows (`None` for the others: not copied into one array).
    columns: Vec<Option<ArrayRef>>,
    /// The rows that can match (a cell and a geometry), in cell order.
    rows: Vec<u32>,
    /// Each cell's run in `rows`.
    runs: HashMap<i64, (u32, u32)>,
    /// The geometry of `rows`, in the same order.
    geometry: BuildGeometry,
    /// Holds the table's memory in the session's pool while it lives.
    _reservation: MemoryReservation,
}

/// The build side's half of the test, decoded once.
#[derive(Debug, Default)]
struct BuildGeometry {
    /// What the vectors (`normals` empty) or the footprints' edge normals of
    /// each row are: those of row `k` are `decoded[starts[k]..starts[k + 1]]`,
    /// and for vectors `decoded[k]` alone.
    decoded: Vec<Vec3>,
    starts: Vec<usize>,
}

impl BuildGeometry {
    /// Row `k`'s vector, when the build side holds the points.
    #[inline]
    fn vector(&self, k: usize) -> Vec3 {
        self.decoded[k]
    }

    /// Row `k`'s edge normals, when the build side holds the footprints.
    #[inline]
    fn normals(&self, k: usize) -> &[Vec3] {
        &self.decoded[self.starts[k]..self.starts[k + 1]]
    }

    fn bytes(&self) -> usize {
        self.decoded.capacity() * size_of::<Vec3>() + self.starts.capacity() * size_of::<usize>()
    }
}

impl BuildTable {
    async fn collect(
        plan: Arc<dyn ExecutionPlan>,
        context: Arc<TaskContext>,
        join: &JoinParts,
    ) -> Result<BuildTable> {
        let reservation =
            MemoryConsumer::new("SpatialJoinExec build side").register(context.memory_pool());
        let schema = plan.schema();
        let mut batches = Vec::new();
        let mut stream = datafusion::physical_plan::execute_stream(plan, context)?;
        while let Some(batch) = stream.next().await {
            let batch = batch?;
            reservation.try_grow(batch.get_array_memory_size())?;
            batches.push(batch);
        }
        let points = join.test.vector.0 == JoinSide::Left;
        let geometry_column = if points {
            join.test.vector.1
        } else {
            join.test.normals.1
        };

        // (cell, row of the build side, row of `by_row`) of each row that
        // can match, its geometry decoded in the order read.
        let mut keyed: Vec<(i64, u32, u32)> = Vec::new();
        let mut by_row = BuildGeometry::default();
        let mut offset = 0usize;
        for batch in &batches {
            let cells = int64(batch.column(join.cells.0))?;
            let geometry = Bytes::new(batch.column(geometry_column))?;
            for i in 0..batch.num_rows() {
                let Some(bytes) = geometry.get(i).filter(|_| cells.is_valid(i)) else {
                    continue;
                };
                let (Ok(row), Ok(decoded)) = (
                    u32::try_from(offset + i),
                    // Rows of `by_row`: a vector each, or a run of normals.
                    u32::try_from(if points {
                        by_row.decoded.len()
                    } else {
                        by_row.starts.len()
                    }),
                ) else {
                    return exec_err!(
                        "a spatial join's build side has more rows than it can index"
                    );
                };
                if points {
                    by_row
                        .decoded
                        .push(edge_normals::decode_vector(bytes).map_err(geom)?);
                } else {
                    by_row.starts.push(by_row.decoded.len());
                    edge_normals::decode(bytes, &mut by_row.decoded).map_err(geom)?;
                }
                keyed.push((cells.value(i), row, decoded));
            }
            offset += batch.num_rows();
        }
        by_row.starts.push(by_row.decoded.len());
        reservation.try_grow(keyed.capacity() * size_of::<(i64, u32, u32)>() + by_row.bytes())?;
        keyed.sort_unstable_by_key(|&(cell, _, _)| cell);

        let rows: Vec<u32> = keyed.iter().map(|&(_, row, _)| row).collect();
        let mut runs = HashMap::with_capacity(keyed.len() / 4 + 1);
        let mut start = 0;
        for run in keyed.chunk_by(|a, b| a.0 == b.0) {
            let end = start + run.len() as u32;
            runs.insert(run[0].0, (start, end));
            start = end;
        }
        // The geometry in cell order, beside `rows`.
        let geometry = if points {
            BuildGeometry {
                decoded: keyed
                    .iter()
                    .map(|&(_, _, k)| by_row.vector(k as usize))
                    .collect(),
                starts: Vec::new(),
            }
        } else {
            let mut geometry = BuildGeometry {
                decoded: Vec::with_capacity(by_row.decoded.len()),
                starts: Vec::with_capacity(keyed.len() + 1),
            };
            for &(_, _, k) in &keyed {
                geometry.starts.push(geometry.decoded.len());
                geometry
                    .decoded
                    .extend_from_slice(by_row.normals(k as usize));
            }
            geometry.starts.push(geometry.decoded.len());
            geometry
        };
        drop((keyed, by_row));

        // Only the columns read again are made one array each.
        let columns = (0..schema.fields().len())
            .map(|index| {
                if !join.build_columns.contains(&index) {
                    return Ok(None);
                }
                let parts: Vec<&dyn Array> =
                    batches.iter().map(|b| b.column(index).as_ref()).collect();
                let column = if parts.is_empty() {
                    arrow::array::new_empty_array(schema.field(index).data_type())
                } else {
                    concat(&parts)?
                };
                Ok(Some(column))
            })
            .collect::<Result<Vec<_>>>()?;
        drop(batches);
        let column_bytes: usize = columns
            .iter()
            .flatten()
            .map(|c| c.get_array_memory_size())
            .sum();
        reservation.try_resize(
            column_bytes
                + rows.capacity() * size_of::<u32>()
                + runs.allocation_size()
                + geometry.bytes(),
        )?;
        Ok(BuildTable {
            columns,
            rows,
            runs,
            geometry,
            _reservation: reservation,
        })
    }

    /// Column `index` of the build side, over all its rows.
    fn column(&self, index: usize) -> Result<&ArrayRef> {
        match self.columns.get(index) {
            Some(Some(column)) => Ok(column),
            _ => internal_err!("a spatial join's build column {index} was not kept"),
        }
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

#[cfg(test)]
mod tests {
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
}
