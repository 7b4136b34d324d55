//! A point in a snapshot's convex regions, tested on the regions' edge
//! normals and the point's vector rather than on the regions' text.

use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Column, Result as DfResult};
use datafusion::logical_expr::{col, Expr, LogicalPlan};

use super::statistics::scan_of;
use super::{sides, with_columns};

/// `condition` with each `CONTAINS(POINT(…), t.s_region)` of a snapshot whose
/// every region is a convex polygon tested on the regions' edge normals
/// (`_region_normals`): the same answer, without reading, copying and parsing
/// a region's text for each pair. The input holding the point gets its unit
/// vector as a column (`adql_point_vector`, once per row), which the test
/// reads for each of the row's candidate pairs instead of computing it.
pub(super) fn with_edge_normals(
    condition: Expr,
    inputs: [&LogicalPlan; 2],
) -> DfResult<(Expr, [LogicalPlan; 2])> {
    let mut vectors: [Vec<Expr>; 2] = Default::default();
    let mut named = 0;
    let condition = condition
        .transform(|e| {
            let Expr::ScalarFunction(f) = &e else {
                return Ok(Transformed::no(e));
            };
            let [ra, dec, Expr::Column(region)] = f.args.as_slice() else {
                return Ok(Transformed::no(e));
            };
            if f.name() != "adql_point_in_shape" || region.name != "s_region" {
                return Ok(Transformed::no(e));
            }
            let normals = Column::new(region.relation.clone(), obscore::snapshot::REGION_NORMALS);
            let convex = inputs.iter().any(|plan| {
                scan_of(plan, &normals)
                    .and_then(|scan| datafusion::datasource::source_as_provider(&scan.source).ok())
                    .and_then(|provider| {
                        crate::catalog::ParquetTable::of(provider.as_ref())
                            .map(crate::catalog::ParquetTable::convex_regions)
                    })
                    .unwrap_or(false)
            });
            if !convex {
                return Ok(Transformed::no(e));
            }
            let point = ra.clone() + dec.clone();
            let side = match sides(&point, inputs[0].schema(), inputs[1].schema()) {
                Some((true, false)) => Some(0),
                Some((false, true)) => Some(1),
                _ => None,
            };
            // The point of one side, as its vector; else (a constant) as it is.
            let args = match side {
                Some(side) => {
                    let name = format!("__spatial_join_point_vector_{named}");
                    named += 1;
                    let vector = crate::udf::udf(crate::udf::GeometryFunction::PointVector)
                        .call(vec![ra.clone(), dec.clone()]);
                    vectors[side].push(vector.alias(&name));
                    vec![col(name), Expr::Column(normals)]
                }
                None => vec![ra.clone(), dec.clone(), Expr::Column(normals)],
            };
            let test = crate::udf::udf(crate::udf::GeometryFunction::PointInConvex).call(args);
            Ok(Transformed::yes(test))
        })?
        .data;
    let [left, right] = inputs;
    let [left_vectors, right_vectors] = vectors;
    Ok((
        condition,
        [
            with_columns(left.clone(), left_vectors)?,
            with_columns(right.clone(), right_vectors)?,
        ],
    ))
}
