//! How a sky-partitioned join reads in EXPLAIN: one line per join, found
//! again in the optimised plan by its cell keys.

use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::logical_expr::{BinaryExpr, Expr, Join, JoinType, LogicalPlan, Operator};

use super::{call, constant, BUILD_KEY, PROBE_KEY};
use crate::udf::SkyCellFunction;

/// One line per sky-partitioned join of an (optimised) plan, for EXPLAIN:
/// its type, the HEALPix depth its cells are at, and which tables are keyed
/// and expanded.
pub fn describe(plan: &LogicalPlan) -> Vec<String> {
    let mut out = Vec::new();
    let _ = plan.apply_with_subqueries(|node| {
        if let LogicalPlan::Join(join) = node {
            let keyed_on_cells = join.on.iter().any(|(l, r)| {
                matches!((l, r), (Expr::Column(a), Expr::Column(b)) if a.name == BUILD_KEY && b.name == PROBE_KEY)
            });
            if keyed_on_cells {
                out.push(describe_join(join));
            }
        }
        Ok(TreeNodeRecursion::Continue)
    });
    out
}

fn describe_join(join: &Join) -> String {
    // The side's table: its first scan (the run-time depth's aggregates
    // read the other side's too, further down).
    let tables = |plan: &LogicalPlan| {
        let mut name = String::from("?");
        let _ = plan.apply(|n| {
            if let LogicalPlan::TableScan(scan) = n {
                name = scan.table_name.to_string();
                return Ok(TreeNodeRecursion::Stop);
            }
            Ok(TreeNodeRecursion::Continue)
        });
        name
    };
    // The depth: the first argument of the expanded side's cells function
    // (the keyed side may read its cells from a sky key instead).
    let depth = first_expr(&join.left, |x| {
        let [d, ..] = call(x, SkyCellFunction::ConeCells.name())
            .or_else(|| call(x, SkyCellFunction::RegionCells.name()))?
        else {
            return None;
        };
        Some(match constant(d) {
            Some(v) => {
                let arcsec = 58.63 * 3600.0 / 2f64.powi(v as i32);
                format!("HEALPix depth {v} (cells about {})", angle(arcsec))
            }
            None => "a HEALPix depth chosen at run time from the largest extents".into(),
        })
    });
    // Cells read from the keyed table's sky key: `key >> shift`.
    let sky_key = first_expr(&join.right, |x| match x {
        Expr::BinaryExpr(BinaryExpr {
            left,
            op: Operator::BitwiseShiftRight,
            ..
        }) => match left.as_ref() {
            Expr::Column(c) => Some(c.name.clone()),
            _ => None,
        },
        _ => None,
    });
    let kind = match join.join_type {
        JoinType::Right => "Outer join (every row of the keyed side kept)".to_string(),
        other => format!("{other} join"),
    };
    let mut on_normals = false;
    if let Some(filter) = &join.filter {
        let _ = filter.apply(|x| {
            on_normals |= call(x, "adql_point_in_convex").is_some();
            Ok(TreeNodeRecursion::Continue)
        });
    }
    format!(
        "{kind} on sky cells at {}: {} keyed by the cell of each row's position{}; {} expanded to the cells each footprint touches (the hash join's build side); the join's condition decides each pair{}",
        depth.unwrap_or_else(|| "an unknown depth".into()),
        tables(&join.right),
        match sky_key {
            Some(key) => format!(" (read from its sky key {key})"),
            None => String::new(),
        },
        tables(&join.left),
        if on_normals {
            " (points in s_region tested on its edge normals)"
        } else {
            ""
        },
    )
}

/// The first value `found` gives for an expression (or a part of one) of
/// `plan`'s nodes, top down.
fn first_expr<T>(plan: &LogicalPlan, mut found: impl FnMut(&Expr) -> Option<T>) -> Option<T> {
    let mut out = None;
    let _ = plan.apply(|n| {
        for e in n.expressions() {
            let _ = e.apply(|x| {
                out = found(x);
                Ok(if out.is_some() {
                    TreeNodeRecursion::Stop
                } else {
                    TreeNodeRecursion::Continue
                })
            });
            if out.is_some() {
                return Ok(TreeNodeRecursion::Stop);
            }
        }
        Ok(TreeNodeRecursion::Continue)
    });
    out
}

fn angle(arcsec: f64) -> String {
    if arcsec >= 3600.0 {
        format!("{:.1}°", arcsec / 3600.0)
    } else if arcsec >= 60.0 {
        format!("{:.1}′", arcsec / 60.0)
    } else {
        format!("{arcsec:.1}″")
    }
}
