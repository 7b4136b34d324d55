//! The build side of a spatial join: collected once, in cell order, its
//! geometry decoded.

use std::sync::Arc;

use adql_geom::edge_normals;
use adql_geom::Vec3;
use arrow::array::{Array, ArrayRef};
use arrow::compute::concat;
use datafusion::common::{exec_err, internal_err, HashMap, JoinSide, Result};
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryReservation};
use datafusion::execution::TaskContext;
use datafusion::physical_plan::ExecutionPlan;
use futures::StreamExt;

use super::{geom, int64, Bytes, JoinParts};

/// The build side in cell order, ready to be probed.
#[derive(Debug)]
pub(super) struct BuildTable {
    /// The columns the output and the other conditions read, of all its
    /// rows (`None` for the others: not copied into one array).
    columns: Vec<Option<ArrayRef>>,
    /// The rows that can match (a cell and a geometry), in cell order.
    pub(super) rows: Vec<u32>,
    /// Each cell's run in `rows`.
    pub(super) runs: HashMap<i64, (u32, u32)>,
    /// The geometry of `rows`, in the same order.
    pub(super) geometry: BuildGeometry,
    /// Holds the table's memory in the session's pool while it lives.
    _reservation: MemoryReservation,
}

/// The build side's half of the test, decoded once.
#[derive(Debug, Default)]
pub(super) struct BuildGeometry {
    /// What the vectors (`normals` empty) or the footprints' edge normals of
    /// each row are: those of row `k` are `decoded[starts[k]..starts[k + 1]]`,
    /// and for vectors `decoded[k]` alone.
    decoded: Vec<Vec3>,
    starts: Vec<usize>,
}

impl BuildGeometry {
    /// Row `k`'s vector, when the build side holds the points.
    #[inline]
    pub(super) fn vector(&self, k: usize) -> Vec3 {
        self.decoded[k]
    }

    /// Row `k`'s edge normals, when the build side holds the footprints.
    #[inline]
    pub(super) fn normals(&self, k: usize) -> &[Vec3] {
        &self.decoded[self.starts[k]..self.starts[k + 1]]
    }

    fn bytes(&self) -> usize {
        self.decoded.capacity() * size_of::<Vec3>() + self.starts.capacity() * size_of::<usize>()
    }
}

impl BuildTable {
    pub(super) async fn collect(
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
    pub(super) fn column(&self, index: usize) -> Result<&ArrayRef> {
        match self.columns.get(index) {
            Some(Some(column)) => Ok(column),
            _ => internal_err!("a spatial join's build column {index} was not kept"),
        }
    }
}
