//! The physical operator of a spatial join, chosen after DataFusion's join
//! selection (which would otherwise overrule the choice).
//!
//! An inner join whose condition tests a point in a convex footprint on its
//! edge normals runs as [`SpatialJoinExec`], which tests each candidate pair
//! in place instead of copying both sides' columns out for DataFusion's join
//! filter (10,000 targets × the 8.5 M-row ObsCore: see docs/joins.md).
//!
//! Every other spatial join stays a hash join, with one hash table built of
//! the expanded side that every partition of the keyed side probes
//! (`CollectLeft`), rather than both sides hash-repartitioned on the cell
//! (`Partitioned`, what DataFusion picks when it cannot see that the build
//! side is small: the statistics are lost behind the cells' `UNNEST`). The
//! keyed side is the large one; repartitioning it copied every row it carries
//! (a snapshot's edge normals: 1.8 GB for the DP0.2-scale ObsCore) for
//! nothing. Measured whole process, best–worst of four: 1 M × 10 M points at
//! 1″ 1.20–1.26 s → 1.16–1.22 s. The build side of a spatial join is bounded
//! (the depth rule keeps it under 16 M cell rows), so one table built by one
//! task stays short.

use std::sync::Arc;

use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{JoinSide, JoinType, Result as DfResult, ScalarValue};
use datafusion::logical_expr::Operator;
use datafusion::physical_expr::expressions::{BinaryExpr, Column, Literal};
use datafusion::physical_expr::{
    conjunction_opt, split_conjunction, PhysicalExpr, ScalarFunctionExpr,
};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::joins::utils::JoinFilter;
use datafusion::physical_plan::joins::{HashJoinExec, PartitionMode};
use datafusion::physical_plan::ExecutionPlan;

use super::{BUILD_KEY, PROBE_KEY};
use crate::exec::{ConvexTest, SpatialJoinExec};

/// A physical optimiser rule, run after DataFusion's join selection (before
/// its distribution requirements are enforced): each spatial join's operator.
#[derive(Debug, Default)]
pub struct SpatialJoinRule;

/// The name of the rule DataFusion selects join modes with, after which this
/// one runs.
pub(crate) const AFTER: &str = "join_selection";

/// The name of the UDF that tests a point's vector against edge normals.
const CONVEX_TEST: &str = "adql_point_in_convex";

/// The columns of the spatial join's cells, build side then probe side, when
/// `join` is one: its one key is the cells of the expanded side against the
/// cell of the keyed one.
fn spatial_key(join: &HashJoinExec) -> Option<(usize, usize)> {
    key_named(join, BUILD_KEY, PROBE_KEY)
}

/// The same of a spatial join whose inputs DataFusion's join selection
/// swapped: the keyed side builds, the expanded side probes.
fn swapped_key(join: &HashJoinExec) -> Option<(usize, usize)> {
    key_named(join, PROBE_KEY, BUILD_KEY)
}

/// The columns of `join`'s one key pair when they are named `build` and
/// `probe`.
fn key_named(join: &HashJoinExec, build: &str, probe: &str) -> Option<(usize, usize)> {
    let named = |e: &Arc<dyn PhysicalExpr>, name: &str| {
        e.downcast_ref::<Column>()
            .filter(|c| c.name() == name)
            .map(|c| c.index())
    };
    match join.on() {
        [(left, right)] => Some((named(left, build)?, named(right, probe)?)),
        _ => None,
    }
}

/// The point-in-convex test among the conditions of `filter`
/// (`adql_point_in_convex(vector, normals) = 1`, either way round, its
/// arguments columns of opposite sides), and the join filter of the others.
fn convex_test(filter: &JoinFilter) -> Option<(ConvexTest, Option<JoinFilter>)> {
    let conditions = split_conjunction(filter.expression());
    let side = |e: &Arc<dyn PhysicalExpr>| {
        let column = e.downcast_ref::<Column>()?;
        let index = filter.column_indices().get(column.index())?;
        Some((index.side, index.index))
    };
    let test_of = |condition: &Arc<dyn PhysicalExpr>| {
        let equal = condition.downcast_ref::<BinaryExpr>()?;
        if *equal.op() != Operator::Eq {
            return None;
        }
        let one = |e: &Arc<dyn PhysicalExpr>| {
            e.downcast_ref::<Literal>().is_some_and(|l| {
                matches!(
                    l.value(),
                    ScalarValue::Int32(Some(1)) | ScalarValue::Int64(Some(1))
                )
            })
        };
        let call = match (equal.left(), equal.right()) {
            (call, other) | (other, call) if one(other) && !one(call) => call,
            _ => return None,
        };
        let call = call.downcast_ref::<ScalarFunctionExpr>()?;
        let [vector, normals] = call.args() else {
            return None;
        };
        if call.name() != CONVEX_TEST {
            return None;
        }
        let test = ConvexTest {
            vector: side(vector)?,
            normals: side(normals)?,
        };
        let opposite = matches!(
            (test.vector.0, test.normals.0),
            (JoinSide::Left, JoinSide::Right) | (JoinSide::Right, JoinSide::Left)
        );
        opposite.then_some(test)
    };
    let at = conditions.iter().position(|c| test_of(c).is_some())?;
    let test = test_of(conditions[at])?;
    let others = conditions
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != at)
        .map(|(_, c)| Arc::clone(c));
    let residual = conjunction_opt(others).map(|expression| {
        JoinFilter::new(
            expression,
            filter.column_indices().to_vec(),
            Arc::clone(filter.schema()),
        )
    });
    Some((test, residual))
}

/// `join` as a [`SpatialJoinExec`], when it is an inner spatial join tested
/// on edge normals.
fn in_place(join: &HashJoinExec) -> DfResult<Option<Arc<dyn ExecutionPlan>>> {
    // The expanded side is built as the planner put it (the depth rule bounds
    // its rows); the keyed side only when DataFusion swapped the two to build
    // it in one table itself, having seen that it is small.
    let cells = match (spatial_key(join), swapped_key(join)) {
        (Some(cells), _) => cells,
        (None, Some(cells)) if *join.partition_mode() == PartitionMode::CollectLeft => cells,
        _ => return Ok(None),
    };
    if *join.join_type() != JoinType::Inner || join.null_aware || join.fetch().is_some() {
        return Ok(None);
    }
    let Some((test, residual)) = join.filter().and_then(convex_test) else {
        return Ok(None);
    };
    let exec = SpatialJoinExec::try_new(
        Arc::clone(join.left()),
        Arc::clone(join.right()),
        cells,
        test,
        residual,
        join.projection.as_ref().map(|p| p.to_vec()),
    )?;
    Ok(Some(Arc::new(exec)))
}

impl PhysicalOptimizerRule for SpatialJoinRule {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            let Some(join) = node.downcast_ref::<HashJoinExec>() else {
                return Ok(Transformed::no(node));
            };
            if let Some(exec) = in_place(join)? {
                return Ok(Transformed::yes(exec));
            }
            if *join.partition_mode() != PartitionMode::Partitioned || spatial_key(join).is_none() {
                return Ok(Transformed::no(node));
            }
            let collected = join
                .builder()
                .with_partition_mode(PartitionMode::CollectLeft)
                .reset_state()
                .build_exec()?;
            Ok(Transformed::yes(collected))
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "adql_spatial_join"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::datatypes::{DataType, Field, Schema};
    use datafusion::common::NullEquality;
    use datafusion::physical_plan::empty::EmptyExec;
    use datafusion::physical_plan::joins::PartitionMode;

    fn join(build: &str, probe: &str) -> Arc<dyn ExecutionPlan> {
        let side = |name: &str| {
            Arc::new(EmptyExec::new(Arc::new(Schema::new(vec![Field::new(
                name,
                DataType::Int64,
                true,
            )]))))
        };
        let on = vec![(
            Arc::new(Column::new(build, 0)) as _,
            Arc::new(Column::new(probe, 0)) as _,
        )];
        Arc::new(
            HashJoinExec::try_new(
                side(build),
                side(probe),
                on,
                None,
                &JoinType::Inner,
                None,
                PartitionMode::Partitioned,
                NullEquality::NullEqualsNothing,
                false,
            )
            .unwrap(),
        )
    }

    fn mode(plan: &Arc<dyn ExecutionPlan>) -> PartitionMode {
        *plan
            .downcast_ref::<HashJoinExec>()
            .expect("a hash join")
            .partition_mode()
    }

    #[test]
    fn only_the_spatial_join_collects_its_build_side() {
        let rule = SpatialJoinRule;
        let options = ConfigOptions::default();
        let spatial = rule.optimize(join(BUILD_KEY, PROBE_KEY), &options).unwrap();
        assert_eq!(mode(&spatial), PartitionMode::CollectLeft);
        // An equi-join of the query's own, or the keys the other way round.
        for (build, probe) in [("a", "b"), (PROBE_KEY, BUILD_KEY)] {
            let other = rule.optimize(join(build, probe), &options).unwrap();
            assert_eq!(mode(&other), PartitionMode::Partitioned);
        }
    }

    /// A spatial hash join of (cells, vector) with (cell, normals), its
    /// filter the point-in-convex test and, with `more`, a condition on
    /// both sides' columns besides.
    fn tested_join(join_type: JoinType, more: bool) -> HashJoinExec {
        use datafusion::physical_plan::joins::utils::ColumnIndex;
        let side = |key: &str, geometry: &str, data_type: DataType| {
            Arc::new(EmptyExec::new(Arc::new(Schema::new(vec![
                Field::new(key, DataType::Int64, true),
                Field::new(geometry, data_type, true),
            ]))))
        };
        let build = side(BUILD_KEY, "vector", DataType::FixedSizeBinary(24));
        let probe = side(PROBE_KEY, "normals", DataType::Binary);
        let schema = Arc::new(Schema::new(vec![
            Field::new("vector", DataType::FixedSizeBinary(24), true),
            Field::new("normals", DataType::Binary, true),
            Field::new("build_cells", DataType::Int64, true),
        ]));
        let test = ScalarFunctionExpr::try_new(
            crate::udf::udf(crate::udf::GeometryFunction::PointInConvex),
            vec![
                Arc::new(Column::new("vector", 0)),
                Arc::new(Column::new("normals", 1)),
            ],
            &schema,
            Arc::new(ConfigOptions::default()),
        )
        .unwrap();
        let mut condition: Arc<dyn PhysicalExpr> = Arc::new(BinaryExpr::new(
            Arc::new(Literal::new(ScalarValue::Int32(Some(1)))),
            Operator::Eq,
            Arc::new(test),
        ));
        if more {
            let other = Arc::new(BinaryExpr::new(
                Arc::new(Column::new("build_cells", 2)),
                Operator::Gt,
                Arc::new(Literal::new(ScalarValue::Int64(Some(0)))),
            ));
            condition = Arc::new(BinaryExpr::new(other, Operator::And, condition));
        }
        let indices = vec![
            ColumnIndex {
                index: 1,
                side: JoinSide::Left,
            },
            ColumnIndex {
                index: 1,
                side: JoinSide::Right,
            },
            ColumnIndex {
                index: 0,
                side: JoinSide::Left,
            },
        ];
        let on = vec![(
            Arc::new(Column::new(BUILD_KEY, 0)) as _,
            Arc::new(Column::new(PROBE_KEY, 0)) as _,
        )];
        HashJoinExec::try_new(
            build,
            probe,
            on,
            Some(JoinFilter::new(condition, indices, schema)),
            &join_type,
            None,
            PartitionMode::Partitioned,
            NullEquality::NullEqualsNothing,
            false,
        )
        .unwrap()
    }

    #[test]
    fn inner_joins_tested_on_edge_normals_run_in_place() {
        let rule = SpatialJoinRule;
        let options = ConfigOptions::default();
        for more in [false, true] {
            let plan = rule
                .optimize(Arc::new(tested_join(JoinType::Inner, more)), &options)
                .unwrap();
            let exec = plan.downcast_ref::<SpatialJoinExec>().expect("in place");
            assert_eq!(
                exec.test(),
                ConvexTest {
                    vector: (JoinSide::Left, 1),
                    normals: (JoinSide::Right, 1),
                }
            );
            // The other condition stays, as the filter of the pairs inside.
            let shown = datafusion::physical_plan::displayable(plan.as_ref())
                .one_line()
                .to_string();
            assert_eq!(shown.contains("filter=build_cells@2 > 0"), more, "{shown}");
        }
        // An outer join keeps its hash join, one table built.
        let plan = rule
            .optimize(Arc::new(tested_join(JoinType::Left, false)), &options)
            .unwrap();
        assert_eq!(mode(&plan), PartitionMode::CollectLeft);
    }
}
