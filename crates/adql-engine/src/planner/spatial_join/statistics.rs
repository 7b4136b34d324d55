//! What a plan knows of the tables under a positional join before running
//! it — row counts, column ranges, the sky key — from Parquet statistics, a
//! snapshot's sidecar or an in-memory table's values: the depth, the sides
//! and the sky filter are chosen from them.

use datafusion::common::Column;
use datafusion::datasource::source_as_provider;
use datafusion::logical_expr::{Expr, LogicalPlan, TableScan};

use super::Footprint;

/// The table scan under `plan` that `column` comes from, looking through
/// filters, joins and projections that pass it on unchanged.
pub(super) fn scan_of<'a>(plan: &'a LogicalPlan, column: &Column) -> Option<&'a TableScan> {
    match plan {
        LogicalPlan::TableScan(scan) => (column.relation.as_ref() == Some(&scan.table_name)
            && scan.projected_schema.has_column(column))
        .then_some(scan),
        LogicalPlan::Filter(f) => scan_of(&f.input, column),
        LogicalPlan::Join(j) => scan_of(&j.left, column).or_else(|| scan_of(&j.right, column)),
        LogicalPlan::Projection(p)
            if p.expr
                .iter()
                .any(|e| matches!(e, Expr::Column(c) if c == column)) =>
        {
            scan_of(&p.input, column)
        }
        _ => None,
    }
}

/// The sky key of the table holding `column`, if it has one.
pub(super) fn sky_key(plan: &LogicalPlan, column: &Column) -> Option<crate::catalog::SkyKey> {
    let scan = scan_of(plan, column)?;
    let provider = source_as_provider(&scan.source).ok()?;
    crate::catalog::ParquetTable::of(provider.as_ref())?
        .sky_key()
        .cloned()
}

/// The largest value of a table column, from Parquet statistics or an
/// in-memory table's values.
pub(super) fn column_max(plan: &LogicalPlan, column: &Column) -> Option<f64> {
    column_range(plan, column).map(|(_, max)| max)
}

/// The smallest and largest value of a table column, from Parquet statistics
/// or an in-memory table's values; `None` if unknown or NaN.
pub(super) fn column_range(plan: &LogicalPlan, column: &Column) -> Option<(f64, f64)> {
    let scan = scan_of(plan, column)?;
    let provider = source_as_provider(&scan.source).ok()?;
    if let Some(parquet) = crate::catalog::ParquetTable::of(provider.as_ref()) {
        return parquet.stats().range(&column.name);
    }
    let memory = (provider.as_ref() as &dyn std::any::Any)
        .downcast_ref::<datafusion::datasource::MemTable>()?;
    let mut range = None::<(f64, f64)>;
    for partition in &memory.batches {
        for batch in partition.try_read().ok()?.iter() {
            let values = batch.column_by_name(&column.name)?;
            let values = arrow::compute::cast(values, &arrow::datatypes::DataType::Float64).ok()?;
            let values = arrow::array::AsArray::as_primitive::<arrow::datatypes::Float64Type>(
                values.as_ref(),
            );
            for v in values.iter().flatten() {
                if v.is_nan() {
                    return None;
                }
                range = Some(range.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))));
            }
        }
    }
    range
}

/// Rows a square degree of the keyed side: its rows over the area of its
/// positions' RA/Dec bounds (an underestimate where they leave gaps, which
/// only keeps cells coarser). `None` when either is unknown.
pub(super) fn keyed_density(plan: &LogicalPlan, keyed: &Footprint) -> Option<f64> {
    let (ra, dec) = keyed.centre_columns()?;
    let rows = table_rows(plan)? as f64;
    let (ra_min, ra_max) = column_range(plan, ra)?;
    let (dec_min, dec_max) = column_range(plan, dec)?;
    let width = (ra_max - ra_min).clamp(0.0, 360.0);
    let band = dec_max.clamp(-90.0, 90.0).to_radians().sin()
        - dec_min.clamp(-90.0, 90.0).to_radians().sin();
    // At least a square arcminute, so that a table in one spot stays finite.
    let area = (width * band.max(0.0) * 180.0 / std::f64::consts::PI).max(1.0 / 3600.0);
    Some(rows / area)
}

/// The number of rows of `plan`'s table, when it is a table scan (under
/// filters and projections) whose size is known.
pub(super) fn table_rows(plan: &LogicalPlan) -> Option<u64> {
    match plan {
        LogicalPlan::TableScan(scan) => {
            let provider = source_as_provider(&scan.source).ok()?;
            if let Some(parquet) = crate::catalog::ParquetTable::of(provider.as_ref()) {
                return Some(parquet.stats().rows());
            }
            let memory = (provider.as_ref() as &dyn std::any::Any)
                .downcast_ref::<datafusion::datasource::MemTable>()?;
            let mut rows = 0u64;
            for partition in &memory.batches {
                rows += partition
                    .try_read()
                    .ok()?
                    .iter()
                    .map(|b| b.num_rows() as u64)
                    .sum::<u64>();
            }
            Some(rows)
        }
        LogicalPlan::Filter(f) => table_rows(&f.input),
        LogicalPlan::Projection(p) => table_rows(&p.input),
        LogicalPlan::SubqueryAlias(a) => table_rows(&a.input),
        _ => None,
    }
}
