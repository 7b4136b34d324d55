//! An inner positional join's restriction of a snapshot in sky order to the
//! `_healpix` ranges a small in-memory side (an upload) touches: a filter the
//! Parquet reader prunes row groups and pages with.

use datafusion::common::{Column, DFSchema};
use datafusion::datasource::source_as_provider;
use datafusion::logical_expr::{lit, Expr, LogicalPlan, TableScan};

use super::statistics::{scan_of, sky_key, table_rows};
use super::Footprint;

/// The most rows of an in-memory expanded side whose cells are computed at
/// planning, to restrict the keyed side.
const PLAN_TIME_CELL_ROWS: u64 = 200_000;
/// The most `_healpix` ranges such a restriction lists (nearest ones merged):
/// it is evaluated per row as a chain of comparisons, which with 256 ranges
/// cost 0.45 s on 300,000 rows — more than the join it served.
const MAX_SKY_RANGES: usize = 32;
/// The largest share of the keyed table's row groups a restriction may leave
/// to read and still be added.
const MAX_SHARE_READ: f64 = 0.5;
/// The deepest cells the restriction is computed at. It only has to be as
/// fine as the snapshot's row groups (tens of thousands of rows, a square
/// degree or more of a survey), and at the join's own depth the cones of
/// 10,000 targets took 0.17 s of planning, on one core, before the query
/// started; at depth 7 (cells of 0.46°) a target's cone touches a few.
const MAX_RESTRICTION_DEPTH: u8 = 7;

/// `_healpix` ranges of the keyed snapshot that hold every cell the expanded
/// side (an in-memory table of at most [`PLAN_TIME_CELL_ROWS`]) touches at
/// `depth` (at most [`MAX_RESTRICTION_DEPTH`]), widened by `more`: a filter
/// the Parquet reader prunes with.
pub(super) fn sky_order_filter(
    keyed_input: &LogicalPlan,
    keyed: &Footprint,
    expanded_input: &LogicalPlan,
    expanded: &Footprint,
    depth: u8,
    more: f64,
) -> Option<Expr> {
    let depth = depth.min(MAX_RESTRICTION_DEPTH);
    let (ra, dec) = keyed.centre_columns()?;
    let key = sky_key(keyed_input, ra)?;
    if ra.relation != dec.relation || key.ra != ra.name || key.dec != dec.name {
        return None;
    }
    let healpix = Column::new(ra.relation.clone(), key.column.as_str());
    scan_of(keyed_input, &healpix)?;
    if table_rows(expanded_input)? > PLAN_TIME_CELL_ROWS {
        return None;
    }
    let scan = first_scan(expanded_input)?;
    let provider = source_as_provider(&scan.source).ok()?;
    let memory = (provider.as_ref() as &dyn std::any::Any)
        .downcast_ref::<datafusion::datasource::MemTable>()?;
    let cells_expr = expanded.cells(lit(i64::from(depth)), lit(more));
    let state = datafusion::execution::SessionStateBuilder::new().build();
    let mut cells = std::collections::BTreeSet::new();
    for partition in &memory.batches {
        for batch in partition.try_read().ok()?.iter() {
            let schema =
                DFSchema::try_from_qualified_schema(scan.table_name.clone(), &batch.schema())
                    .ok()?;
            let physical = state
                .create_physical_expr(cells_expr.clone(), &schema)
                .ok()?;
            let lists = physical
                .evaluate(batch)
                .ok()?
                .into_array(batch.num_rows())
                .ok()?;
            let lists = arrow::array::AsArray::as_list_opt::<i32>(lists.as_ref())?;
            let values = arrow::array::AsArray::as_primitive_opt::<arrow::datatypes::Int64Type>(
                lists.values().as_ref(),
            )?;
            cells.extend(values.iter().flatten());
        }
    }
    let stored = key.depth;
    let ranges: Vec<(i64, i64)> = cells
        .into_iter()
        .map(|c| {
            if depth <= stored {
                let shift = 2 * u32::from(stored - depth);
                (c << shift, (c + 1) << shift)
            } else {
                let parent = c >> (2 * u32::from(depth - stored));
                (parent, parent + 1)
            }
        })
        .collect();
    let ranges = fewest_ranges(ranges, MAX_SKY_RANGES);
    // Ranges over most of the table's row groups (targets all over its
    // footprint, which may be a small part of the key's span) skip little,
    // and cost a chain of comparisons and a copy of every row read: 10,000
    // targets over the DP0.2-scale ObsCore read 0.3 s slower with them.
    let intervals: Vec<(f64, f64)> = ranges
        .iter()
        .map(|&(lo, hi)| (lo as f64, (hi - 1) as f64))
        .collect();
    let parquet = source_as_provider(&scan_of(keyed_input, &healpix)?.source).ok()?;
    let stats = crate::catalog::ParquetTable::of(parquet.as_ref())?
        .stats()
        .clone();
    if stats.share_read(&healpix.name, &intervals)? > MAX_SHARE_READ {
        return None;
    }
    let column = Expr::Column(healpix);
    let terms = ranges.into_iter().map(|(lo, hi)| {
        column
            .clone()
            .gt_eq(lit(lo))
            .and(column.clone().lt(lit(hi)))
    });
    Some(datafusion::logical_expr::utils::disjunction(terms).unwrap_or_else(|| lit(false)))
}

/// Sorted half-open ranges merged where they touch, then across the
/// smallest gaps until at most `most` remain (a superset).
fn fewest_ranges(mut ranges: Vec<(i64, i64)>, most: usize) -> Vec<(i64, i64)> {
    ranges.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(ranges.len());
    for (lo, hi) in ranges {
        match merged.last_mut() {
            Some(last) if lo <= last.1 => last.1 = last.1.max(hi),
            _ => merged.push((lo, hi)),
        }
    }
    if merged.len() > most {
        let mut gaps: Vec<i64> = merged.windows(2).map(|w| w[1].0 - w[0].1).collect();
        gaps.sort_unstable();
        // Gaps up to this size are closed (ties may leave a few more ranges,
        // so close strictly more than the threshold when needed).
        let threshold = gaps[merged.len() - most - 1];
        let mut out: Vec<(i64, i64)> = Vec::with_capacity(most);
        for (lo, hi) in merged {
            match out.last_mut() {
                Some(last) if lo - last.1 <= threshold => last.1 = hi,
                _ => out.push((lo, hi)),
            }
        }
        merged = out;
    }
    merged
}

/// The first table scan under `plan` through filters, projections and aliases.
fn first_scan(plan: &LogicalPlan) -> Option<&TableScan> {
    match plan {
        LogicalPlan::TableScan(scan) => Some(scan),
        LogicalPlan::Filter(f) => first_scan(&f.input),
        LogicalPlan::Projection(p) => first_scan(&p.input),
        LogicalPlan::SubqueryAlias(a) => first_scan(&a.input),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_merge_to_at_most_the_limit() {
        assert_eq!(
            fewest_ranges(vec![(5, 6), (1, 2), (2, 3), (9, 12)], 10),
            vec![(1, 3), (5, 6), (9, 12)]
        );
        assert_eq!(
            fewest_ranges(vec![(1, 2), (4, 5), (10, 11), (30, 31)], 2),
            vec![(1, 11), (30, 31)]
        );
        let many: Vec<(i64, i64)> = (0..1000).map(|i| (i * 10, i * 10 + 1)).collect();
        let few = fewest_ranges(many, 256);
        assert!(few.len() <= 256 && few[0].0 == 0 && few.last().unwrap().1 == 9991);
    }
}
