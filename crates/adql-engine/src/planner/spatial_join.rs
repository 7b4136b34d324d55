//! Positional joins as sky-partitioned equi-joins, made of DataFusion's own
//! operators (so that they run in parallel, spill, and serialise to Ballista).
//!
//! A join whose condition (ON, or WHERE over a comma join) has a positional
//! term — `CONTAINS(POINT(a…), CIRCLE(b…)) = 1`, `DISTANCE(…) < r`,
//! `CONTAINS(POINT(a…), b.s_region) = 1`, `INTERSECTS(a…, b…) = 1` — can only
//! pair rows whose footprints (a cone around a centre: a point, a circle, a
//! region's bounding cone, widened by the distance) lie close. One side, the
//! *keyed* side, gets the HEALPix cell of its centre; the other, the
//! *expanded* side, gets one row per cell its footprint touches, widened by
//! the keyed side's largest extent. A hash join on the cell then gives every
//! candidate pair exactly once (a keyed row has one cell, an expanded row each
//! cell once), and the whole original condition, kept as the join's filter,
//! decides each. So the pairs are the nested loop's, and a LEFT (RIGHT) join
//! keeps every row of its preserved side, which is always the keyed side.
//!
//! The depth is chosen from the largest cone (cells about four radii across):
//! at plan time when the extents are constants or known from statistics (a
//! snapshot's `_region_reach`, a Parquet column's maximum, an upload's
//! values), else at run time from a one-row aggregate of the inputs.

use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{Column, DFSchema, Result as DfResult, ScalarValue};
use datafusion::functions::core::expr_fn::coalesce;
use datafusion::functions_aggregate::expr_fn::max;
use datafusion::logical_expr::utils::{conjunction, split_conjunction};
use datafusion::logical_expr::{
    cast, col, lit, BinaryExpr, Expr, Filter, Join, JoinType, LogicalPlan, LogicalPlanBuilder,
    Operator,
};

use crate::udf::SkyCellFunction;

mod edge_normals;
mod explain;
mod physical;
mod sky_filter;
mod statistics;

use edge_normals::with_edge_normals;
pub use explain::describe;
pub use physical::SpatialJoinRule;
pub(crate) use physical::AFTER as SPATIAL_JOIN_RULE_AFTER;
use sky_filter::sky_order_filter;
use statistics::{column_max, keyed_density, scan_of, sky_key, table_rows};

/// The key column of the expanded side (the hash join's build side) and of
/// the keyed side.
const BUILD_KEY: &str = "__spatial_join_cells";
const PROBE_KEY: &str = "__spatial_join_cell";
/// The one-row relation of a depth chosen at run time.
const DEPTH: &str = "__spatial_join_depth";
const KEYED_REACH: &str = "__spatial_join_keyed_reach";
const EXPANDED_REACH: &str = "__spatial_join_expanded_reach";

/// Rewrites every positional join of `plan` (and of its subqueries).
pub(crate) fn plan_spatial_joins(plan: LogicalPlan) -> DfResult<LogicalPlan> {
    plan.transform_up_with_subqueries(|node| match node {
        LogicalPlan::Join(join) => rewrite_join(join),
        LogicalPlan::Filter(filter) => rewrite_filter(filter),
        other => Ok(Transformed::no(other)),
    })
    .map(|t| t.data)
}

/// A join whose ON holds a positional term.
fn rewrite_join(join: Join) -> DfResult<Transformed<LogicalPlan>> {
    let eligible = join.on.is_empty()
        && matches!(
            join.join_type,
            JoinType::Inner | JoinType::Left | JoinType::Right
        );
    let found = match (&join.filter, eligible) {
        (Some(filter), true) => split_conjunction(filter)
            .into_iter()
            .find_map(|term| proximity(term, join.left.schema(), join.right.schema())),
        _ => None,
    };
    match found {
        Some(proximity) => {
            let filter = join.filter.clone().expect("matched above");
            spatial_join(&join, proximity, filter).map(Transformed::yes)
        }
        None => Ok(Transformed::no(LogicalPlan::Join(join))),
    }
}

/// WHERE over a comma join (a cross join) with a positional term: the terms
/// on both tables become the join's condition, the others stay above it.
fn rewrite_filter(filter: Filter) -> DfResult<Transformed<LogicalPlan>> {
    let LogicalPlan::Join(join) = filter.input.as_ref() else {
        return Ok(Transformed::no(LogicalPlan::Filter(filter)));
    };
    if !join.on.is_empty() || join.filter.is_some() || join.join_type != JoinType::Inner {
        return Ok(Transformed::no(LogicalPlan::Filter(filter)));
    }
    let (left, right) = (join.left.schema(), join.right.schema());
    let (both, rest): (Vec<&Expr>, Vec<&Expr>) = split_conjunction(&filter.predicate)
        .into_iter()
        .partition(|term| sides(term, left, right) == Some((true, true)));
    let Some(found) = both.iter().find_map(|term| proximity(term, left, right)) else {
        return Ok(Transformed::no(LogicalPlan::Filter(filter)));
    };
    let condition = conjunction(both.into_iter().cloned()).expect("one term at least");
    let joined = spatial_join(join, found, condition)?;
    let plan = match conjunction(rest.into_iter().cloned()) {
        Some(rest) => LogicalPlanBuilder::from(joined).filter(rest)?.build()?,
        None => joined,
    };
    Ok(Transformed::yes(plan))
}

/// Where a shape lies: around a position, or somewhere in a region.
#[derive(Debug, Clone)]
enum Footprint {
    /// The cone of `radius` degrees (0 for a point) around (ra, dec), ICRS.
    Cone { ra: Expr, dec: Expr, radius: Expr },
    /// A geometry value (STC-S) of one side: its bounding cone, widened by
    /// `widen` degrees.
    Region { geometry: Expr, widen: Expr },
}

impl Footprint {
    fn widened(self, by: Expr) -> Footprint {
        match self {
            Footprint::Cone { ra, dec, radius } => Footprint::Cone {
                ra,
                dec,
                radius: radius + by,
            },
            Footprint::Region { geometry, widen } => Footprint::Region {
                geometry,
                widen: widen + by,
            },
        }
    }

    /// The columns of its centre, when it is a cone around a table's position.
    fn centre_columns(&self) -> Option<(&Column, &Column)> {
        match self {
            Footprint::Cone {
                ra: Expr::Column(ra),
                dec: Expr::Column(dec),
                ..
            } => Some((ra, dec)),
            _ => None,
        }
    }

    /// How far the footprint reaches from its centre, per row.
    fn extent(&self) -> Expr {
        match self {
            Footprint::Cone { radius, .. } => radius.clone(),
            Footprint::Region { geometry, widen } => {
                SkyCellFunction::RegionReach
                    .udf()
                    .call(vec![geometry.clone()])
                    + widen.clone()
            }
        }
    }

    /// The cell of the centre, at `depth`.
    fn cell(&self, depth: Expr) -> Expr {
        match self {
            Footprint::Cone { ra, dec, .. } => {
                SkyCellFunction::Cell
                    .udf()
                    .call(vec![depth, ra.clone(), dec.clone()])
            }
            Footprint::Region { geometry, .. } => SkyCellFunction::RegionCell
                .udf()
                .call(vec![depth, geometry.clone()]),
        }
    }

    /// The cells the footprint, widened by `more`, touches at `depth`.
    fn cells(&self, depth: Expr, more: Expr) -> Expr {
        match self {
            Footprint::Cone { ra, dec, radius } => SkyCellFunction::ConeCells.udf().call(vec![
                depth,
                ra.clone(),
                dec.clone(),
                radius.clone() + more,
            ]),
            Footprint::Region { geometry, widen } => SkyCellFunction::RegionCells.udf().call(vec![
                depth,
                geometry.clone(),
                widen.clone() + more,
            ]),
        }
    }
}

/// The footprints a positional term bounds: it holds only for pairs whose
/// centres lie within the sum of their extents.
#[derive(Debug, Clone)]
struct Proximity {
    left: Footprint,
    right: Footprint,
}

/// Which inputs `e` reads: (left, right), or `None` when it reads anything
/// else (an outer query's column, a subquery) or is volatile.
fn sides(e: &Expr, left: &DFSchema, right: &DFSchema) -> Option<(bool, bool)> {
    let (mut l, mut r, mut other) = (false, false, false);
    e.apply(|x| {
        match x {
            Expr::Column(c) => match (left.has_column(c), right.has_column(c)) {
                (true, false) => l = true,
                (false, true) => r = true,
                _ => other = true,
            },
            Expr::OuterReferenceColumn(..)
            | Expr::ScalarSubquery(_)
            | Expr::Exists(_)
            | Expr::InSubquery(_)
            | Expr::Placeholder(_) => other = true,
            _ => {}
        }
        Ok(TreeNodeRecursion::Continue)
    })
    .ok()?;
    (!other && !e.is_volatile()).then_some((l, r))
}

fn call<'a>(e: &'a Expr, name: &str) -> Option<&'a [Expr]> {
    match e {
        Expr::ScalarFunction(f) if f.name() == name => Some(&f.args),
        Expr::Cast(c) => call(&c.expr, name),
        _ => None,
    }
}

fn is_one(e: &Expr) -> bool {
    match e {
        Expr::Literal(v, _) => v
            .cast_to(&arrow::datatypes::DataType::Float64)
            .is_ok_and(|v| v == ScalarValue::Float64(Some(1.0))),
        Expr::Cast(c) => is_one(&c.expr),
        _ => false,
    }
}

/// True if `frame` is a constant the geometry functions take as ICRS.
fn icrs(frame: &Expr) -> bool {
    match frame {
        Expr::Literal(ScalarValue::Utf8(Some(s)) | ScalarValue::LargeUtf8(Some(s)), _) => {
            adql_geom::Frame::parse(s).is_ok_and(|f| f == adql_geom::Frame::Icrs)
        }
        _ => false,
    }
}

/// The footprint of a geometry argument.
fn footprint(g: &Expr) -> Footprint {
    if let Some([frame, ra, dec]) = call(g, "adql_point") {
        if icrs(frame) {
            return Footprint::Cone {
                ra: ra.clone(),
                dec: dec.clone(),
                radius: lit(0.0),
            };
        }
    }
    if let Some([frame, ra, dec, radius]) = call(g, "adql_circle") {
        if icrs(frame) {
            return Footprint::Cone {
                ra: ra.clone(),
                dec: dec.clone(),
                radius: radius.clone(),
            };
        }
    }
    if let Some([centre, radius]) = call(g, "adql_circle_at_point") {
        if let Footprint::Cone { ra, dec, .. } = footprint(centre) {
            return Footprint::Cone {
                ra,
                dec,
                radius: radius.clone(),
            };
        }
    }
    Footprint::Region {
        geometry: g.clone(),
        widen: lit(0.0),
    }
}

/// The positional term `term` is, between the left and right inputs.
fn proximity(term: &Expr, left: &DFSchema, right: &DFSchema) -> Option<Proximity> {
    let Expr::BinaryExpr(BinaryExpr {
        left: l,
        op,
        right: r,
    }) = term
    else {
        return None;
    };
    // The footprints of a pair of arguments, one on each side, in that order.
    let pair = |a: Footprint, a_expr: &Expr, b: Footprint, b_expr: &Expr| match (
        sides(a_expr, left, right)?,
        sides(b_expr, left, right)?,
    ) {
        ((true, false), (false, true)) => Some(Proximity { left: a, right: b }),
        ((false, true), (true, false)) => Some(Proximity { left: b, right: a }),
        _ => None,
    };
    let predicate = match (op, is_one(l), is_one(r)) {
        (Operator::Eq, false, true) => Some(l.as_ref()),
        (Operator::Eq, true, false) => Some(r.as_ref()),
        _ => None,
    };
    if let Some(p) = predicate {
        if let Some([ra, dec, shape]) = call(p, "adql_point_in_shape") {
            let point = Footprint::Cone {
                ra: ra.clone(),
                dec: dec.clone(),
                radius: lit(0.0),
            };
            let columns = ra.clone() + dec.clone();
            return pair(point, &columns, footprint(shape), shape);
        }
        if let Some([ra, dec, cra, cdec, radius]) = call(p, "adql_point_in_circle") {
            let point = Footprint::Cone {
                ra: ra.clone(),
                dec: dec.clone(),
                radius: lit(0.0),
            };
            let circle = Footprint::Cone {
                ra: cra.clone(),
                dec: cdec.clone(),
                radius: radius.clone(),
            };
            let (point_columns, circle_columns) = (
                ra.clone() + dec.clone(),
                cra.clone() + cdec.clone() + radius.clone(),
            );
            return pair(point, &point_columns, circle, &circle_columns);
        }
        for name in ["adql_contains", "adql_intersects"] {
            if let Some([a, b]) = call(p, name) {
                return pair(footprint(a), a, footprint(b), b);
            }
        }
        return None;
    }
    // DISTANCE(…) < r, <= r, r > DISTANCE(…), r >= DISTANCE(…).
    let (distance, limit) = match op {
        Operator::Lt | Operator::LtEq => (l.as_ref(), r.as_ref()),
        Operator::Gt | Operator::GtEq => (r.as_ref(), l.as_ref()),
        _ => return None,
    };
    let found = if let Some([p, q]) = call(distance, "adql_distance") {
        pair(footprint(p), p, footprint(q), q)?
    } else if let Some([ra1, dec1, ra2, dec2]) = call(distance, "adql_distance4") {
        let cone = |ra: &Expr, dec: &Expr| Footprint::Cone {
            ra: ra.clone(),
            dec: dec.clone(),
            radius: lit(0.0),
        };
        pair(
            cone(ra1, dec1),
            &(ra1.clone() + dec1.clone()),
            cone(ra2, dec2),
            &(ra2.clone() + dec2.clone()),
        )?
    } else {
        return None;
    };
    // The limit widens the footprint of the side it reads (a per-target
    // radius), or the left one if it is a constant.
    let limit = limit.clone();
    match sides(&limit, left, right)? {
        (_, false) => Some(Proximity {
            left: found.left.widened(limit),
            right: found.right,
        }),
        (false, true) => Some(Proximity {
            left: found.left,
            right: found.right.widened(limit),
        }),
        (true, true) => None,
    }
}

/// The value of a constant expression (types coerced as DataFusion would,
/// `1.0/3600` included).
fn constant(e: &Expr) -> Option<f64> {
    if !e.column_refs().is_empty() || e.is_volatile() {
        return None;
    }
    let state = datafusion::execution::SessionStateBuilder::new().build();
    let physical = state
        .create_physical_expr(e.clone(), &DFSchema::empty())
        .ok()?;
    let options = arrow::array::RecordBatchOptions::new().with_row_count(Some(1));
    let one_row = arrow::array::RecordBatch::try_new_with_options(
        std::sync::Arc::new(arrow::datatypes::Schema::empty()),
        vec![],
        &options,
    )
    .ok()?;
    let value = match physical.evaluate(&one_row).ok()? {
        datafusion::logical_expr::ColumnarValue::Scalar(v) => v,
        datafusion::logical_expr::ColumnarValue::Array(a) => {
            ScalarValue::try_from_array(&a, 0).ok()?
        }
    };
    match value.cast_to(&arrow::datatypes::DataType::Float64).ok()? {
        ScalarValue::Float64(Some(x)) => Some(x),
        _ => None,
    }
}

/// A snapshot's `s_region` as the cone the snapshot recorded for it: around
/// its position (s_ra, s_dec), as far as `_region_reach`, when the table's largest reach
/// is finite (so every region has a position).
fn snapshot_region(plan: &LogicalPlan, geometry: &Expr, widen: &Expr) -> Option<(Footprint, f64)> {
    let Expr::Column(region) = geometry else {
        return None;
    };
    if region.name != "s_region" {
        return None;
    }
    let sibling = |name: &str| Column::new(region.relation.clone(), name);
    let reach = sibling(obscore::snapshot::HIDDEN_COLUMNS[5]);
    let largest = column_max(plan, &reach).filter(|r| r.is_finite())?;
    let key = sky_key(plan, &reach)?;
    let (ra, dec) = (sibling(&key.ra), sibling(&key.dec));
    scan_of(plan, &ra)?;
    scan_of(plan, &dec)?;
    let footprint = Footprint::Cone {
        ra: Expr::Column(ra),
        dec: Expr::Column(dec),
        radius: Expr::Column(reach) + widen.clone(),
    };
    Some((footprint, largest + constant(widen)?))
}

/// A footprint in its cheapest form, and its largest extent if known at plan
/// time.
fn known(plan: &LogicalPlan, f: Footprint) -> (Footprint, Option<f64>) {
    match &f {
        Footprint::Cone { radius, .. } => {
            if let Some(r) = constant(radius) {
                return (f, Some(r));
            }
            // A column (plus a constant): the column's largest value.
            let largest = match radius {
                Expr::Column(c) => column_max(plan, c),
                Expr::BinaryExpr(BinaryExpr {
                    left,
                    op: Operator::Plus,
                    right,
                }) => match (left.as_ref(), constant(right)) {
                    (Expr::Column(c), Some(k)) => column_max(plan, c).map(|m| m + k),
                    _ => None,
                },
                _ => None,
            };
            (f, largest)
        }
        Footprint::Region { geometry, widen } => match snapshot_region(plan, geometry, widen) {
            Some((cone, largest)) => (cone, Some(largest)),
            None => (f, None),
        },
    }
}

/// A plan with one more column.
fn with_column(plan: LogicalPlan, value: Expr, name: &str) -> DfResult<LogicalPlan> {
    with_columns(plan, vec![value.alias(name)])
}

/// A plan with more columns (named expressions), or as it is if none.
fn with_columns(plan: LogicalPlan, more: Vec<Expr>) -> DfResult<LogicalPlan> {
    if more.is_empty() {
        return Ok(plan);
    }
    let mut exprs: Vec<Expr> = plan
        .schema()
        .columns()
        .into_iter()
        .map(Expr::Column)
        .collect();
    exprs.extend(more);
    LogicalPlanBuilder::from(plan).project(exprs)?.build()
}

/// The largest extent over a side, as a one-row plan of column `name`.
fn largest_extent(input: &LogicalPlan, extent: Expr, name: &str) -> DfResult<LogicalPlan> {
    LogicalPlanBuilder::from(input.clone())
        .aggregate(Vec::<Expr>::new(), vec![max(extent).alias(name)])?
        .build()
}

/// The cell at `depth` of each keyed row's centre: read from its table's sky
/// key (the nested index of the same position at a finer depth, shifted to
/// `depth`: the same cell, without computing it per row) when the key is of
/// that position, else computed.
fn keyed_cell(input: &LogicalPlan, keyed: &Footprint, depth: u8) -> Expr {
    let from_key = keyed.centre_columns().and_then(|(ra, dec)| {
        let key = sky_key(input, ra)?;
        let column = Column::new(ra.relation.clone(), key.column.as_str());
        let same_position = ra.relation == dec.relation && key.ra == ra.name && key.dec == dec.name;
        (same_position && depth <= key.depth && input.schema().has_column(&column)).then(|| {
            let shifted = Expr::Column(column) >> lit(2 * i64::from(key.depth - depth));
            cast(shifted, arrow::datatypes::DataType::Int64)
        })
    });
    from_key.unwrap_or_else(|| keyed.cell(lit(i64::from(depth))))
}

fn spatial_join(join: &Join, found: Proximity, condition: Expr) -> DfResult<LogicalPlan> {
    let (condition, [left_input, right_input]) =
        with_edge_normals(condition, [join.left.as_ref(), join.right.as_ref()])?;
    let (left_input, right_input) = (&left_input, &right_input);
    // A region's exact test (a polygon parsed per pair) costs more than
    // keying a row in more cells: cells about one reach across, not four.
    let regions = [&found.left, &found.right]
        .iter()
        .any(|f| matches!(f, Footprint::Region { .. }));
    let across = if regions { 1.0 } else { 4.0 };
    let (left, left_max) = known(left_input, found.left);
    let (right, right_max) = known(right_input, found.right);
    // The preserved side of an outer join is keyed (one row, one cell); else
    // the larger side, so that fewer rows are multiplied by their cells.
    let keyed_is_left = match join.join_type {
        JoinType::Left => true,
        JoinType::Right => false,
        _ => match (table_rows(left_input), table_rows(right_input)) {
            (Some(l), Some(r)) => l >= r,
            _ => true,
        },
    };
    let ((keyed, keyed_max, keyed_input), (expanded, expanded_max, expanded_input)) =
        if keyed_is_left {
            (
                (left, left_max, left_input),
                (right, right_max, right_input),
            )
        } else {
            (
                (right, right_max, right_input),
                (left, left_max, left_input),
            )
        };
    let (keyed_plan, expanded_plan) = match (keyed_max, expanded_max) {
        (Some(k), Some(e)) => {
            let coarse = adql_geom::coverage::join_depth_scaled(k + e, across);
            let depth_value = match (
                keyed_density(keyed_input, &keyed),
                table_rows(expanded_input),
            ) {
                (Some(density), Some(rows)) => {
                    adql_geom::coverage::join_depth_dense(k + e, coarse, density, rows)
                }
                _ => coarse,
            };
            let depth = lit(i64::from(depth_value));
            // An inner join reads only the keyed rows in cells the expanded
            // side touches, when those are known now (a small upload) and
            // the keyed side is a snapshot in sky order: whole row groups
            // and pages are skipped.
            let keyed_input = match join.join_type {
                JoinType::Inner => {
                    match sky_order_filter(
                        keyed_input,
                        &keyed,
                        expanded_input,
                        &expanded,
                        // A few cells per footprint are enough for ranges
                        // merged to at most MAX_SKY_RANGES; the join's finer
                        // cells would cost many more at planning.
                        coarse,
                        k,
                    ) {
                        Some(filter) => LogicalPlanBuilder::from(keyed_input.clone())
                            .filter(filter)?
                            .build()?,
                        None => keyed_input.clone(),
                    }
                }
                _ => keyed_input.clone(),
            };
            let keyed_plan = with_column(
                keyed_input.clone(),
                keyed_cell(&keyed_input, &keyed, depth_value),
                "key",
            )?;
            let expanded_plan =
                with_column(expanded_input.clone(), expanded.cells(depth, lit(k)), "key")?;
            (keyed_plan, expanded_plan)
        }
        _ => {
            // One row: the largest extent of each side and the depth they give.
            let side =
                |input: &LogicalPlan, f: &Footprint, known: Option<f64>, name: &str| match known {
                    Some(k) => LogicalPlanBuilder::empty(true)
                        .project(vec![lit(k).alias(name)])?
                        .build(),
                    None => largest_extent(input, f.extent(), name),
                };
            let keyed_reach = side(keyed_input, &keyed, keyed_max, KEYED_REACH)?;
            let expanded_reach = side(expanded_input, &expanded, expanded_max, EXPANDED_REACH)?;
            let zero = |name: &str| coalesce(vec![col(name), lit(0.0)]);
            let params = LogicalPlanBuilder::from(keyed_reach)
                .cross_join(expanded_reach)?
                .project(vec![
                    zero(KEYED_REACH).alias(KEYED_REACH),
                    SkyCellFunction::JoinDepth
                        .udf()
                        .call(vec![zero(KEYED_REACH) + zero(EXPANDED_REACH)])
                        .alias(DEPTH),
                ])?
                .build()?;
            let with_params = |input: &LogicalPlan, key: Expr| -> DfResult<LogicalPlan> {
                let columns: Vec<Expr> = input
                    .schema()
                    .columns()
                    .into_iter()
                    .map(Expr::Column)
                    .collect();
                let mut exprs = columns;
                exprs.push(key.alias("key"));
                LogicalPlanBuilder::from(input.clone())
                    .cross_join(params.clone())?
                    .project(exprs)?
                    .build()
            };
            (
                with_params(keyed_input, keyed.cell(col(DEPTH)))?,
                with_params(expanded_input, expanded.cells(col(DEPTH), col(KEYED_REACH)))?,
            )
        }
    };
    // The expanded side: one row per cell.
    let expanded_plan = LogicalPlanBuilder::from(expanded_plan)
        .unnest_column("key")?
        .build()?;
    let rename = |plan: LogicalPlan, name: &str| -> DfResult<LogicalPlan> {
        let exprs: Vec<Expr> = plan
            .schema()
            .columns()
            .into_iter()
            .map(|c| {
                if c.relation.is_none() && c.name == "key" {
                    Expr::Column(c).alias(name)
                } else {
                    Expr::Column(c)
                }
            })
            .collect();
        LogicalPlanBuilder::from(plan).project(exprs)?.build()
    };
    // The expanded side (the smaller, multiplied by its cells) goes first, as
    // the hash join's build side; the keyed side streams past it. The
    // preserved side of an outer join is the keyed one, now on the right.
    let join_type = match join.join_type {
        JoinType::Left | JoinType::Right => JoinType::Right,
        other => other,
    };
    let output: Vec<Expr> = join
        .schema
        .columns()
        .into_iter()
        .map(Expr::Column)
        .collect();
    LogicalPlanBuilder::from(rename(expanded_plan, BUILD_KEY)?)
        .join(
            rename(keyed_plan, PROBE_KEY)?,
            join_type,
            (
                vec![Column::from_name(BUILD_KEY)],
                vec![Column::from_name(PROBE_KEY)],
            ),
            Some(condition),
        )?
        .project(output)?
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::logical_expr::{col, lit};

    fn schemas() -> (DFSchema, DFSchema) {
        use arrow::datatypes::{DataType, Field, Schema};
        let fields = Schema::new(vec![
            Field::new("ra", DataType::Float64, true),
            Field::new("dec", DataType::Float64, true),
            Field::new("r", DataType::Float64, true),
            Field::new("s_region", DataType::Utf8, true),
        ]);
        (
            DFSchema::try_from_qualified_schema("a", &fields).unwrap(),
            DFSchema::try_from_qualified_schema("b", &fields).unwrap(),
        )
    }

    fn geometry(f: crate::udf::GeometryFunction, args: Vec<Expr>) -> Expr {
        crate::udf::udf(f).call(args)
    }

    /// A snapshot's `_healpix`, shifted to a coarser depth, is the cell the
    /// join's functions compute there (keyed rows read it instead), at the
    /// poles, on the RA seam and on cell edges alike.
    #[test]
    fn the_sky_key_shifted_is_the_computed_cell() {
        let mut positions = vec![
            (0.0, 90.0),
            (0.0, -90.0),
            (359.999_999_999, 89.999_999),
            (0.0, 0.0),
            (360.0, 0.0),
            (45.0, 41.810_314_895_778_6),
            (90.0, -41.810_314_895_778_6),
        ];
        let mut seed = 7u64;
        for _ in 0..20_000 {
            let mut next = || {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (seed >> 11) as f64 / (1u64 << 53) as f64
            };
            positions.push((360.0 * next(), (2.0 * next() - 1.0).asin().to_degrees()));
        }
        for (ra, dec) in positions {
            let key = obscore::snapshot::healpix_key(ra, dec);
            let point = adql_geom::Point::new(ra, dec).unwrap();
            for depth in 0..=obscore::snapshot::HEALPIX_DEPTH {
                let cell = adql_geom::coverage::healpix_index(depth, point.ra(), point.dec());
                let shift = 2 * u32::from(obscore::snapshot::HEALPIX_DEPTH - depth);
                assert_eq!(key >> shift, cell as i64, "({ra}, {dec}) at depth {depth}");
            }
        }
    }

    #[test]
    fn recognises_the_spellings() {
        use crate::udf::GeometryFunction as G;
        let (a, b) = schemas();
        let point = |t: &str| {
            geometry(
                G::Point,
                vec![lit("ICRS"), col(format!("{t}.ra")), col(format!("{t}.dec"))],
            )
        };
        let circle = geometry(
            G::Circle,
            vec![
                lit("ICRS"),
                col("b.ra"),
                col("b.dec"),
                lit(1.0) / lit(3600.0),
            ],
        );
        let contains = geometry(
            G::PointInShape,
            vec![col("a.ra"), col("a.dec"), circle.clone()],
        );
        for term in [contains.clone().eq(lit(1)), lit(1).eq(contains)] {
            let p = proximity(&term, &a, &b).expect("recognised");
            assert!(matches!(p.right, Footprint::Cone { .. }), "{p:?}");
        }
        // The distance's limit widens the side it reads.
        let distance = geometry(G::Distance, vec![point("b"), point("a")]);
        let p = proximity(&distance.clone().lt_eq(col("b.r")), &a, &b).unwrap();
        assert_eq!(constant(&p.left.extent()), Some(0.0));
        assert!(constant(&p.right.extent()).is_none());
        assert!(proximity(&lit(0.1).gt(distance.clone()), &a, &b).is_some());
        // A condition on one table only, or reading both in its limit, is not one.
        let same = geometry(G::Distance, vec![point("a"), point("a")]);
        assert!(proximity(&same.lt(lit(0.1)), &a, &b).is_none());
        let mixed = distance.lt(col("a.r") + col("b.r"));
        assert!(proximity(&mixed, &a, &b).is_none());
        let overlap = geometry(G::Intersects, vec![col("a.s_region"), col("b.s_region")]);
        let p = proximity(&overlap.eq(lit(1)), &a, &b).unwrap();
        assert!(matches!(p.left, Footprint::Region { .. }));
        // A frame other than ICRS keeps the geometry whole (converted per row).
        let galactic = geometry(G::Point, vec![lit("GALACTIC"), col("a.ra"), col("a.dec")]);
        assert!(matches!(footprint(&galactic), Footprint::Region { .. }));
    }
}
