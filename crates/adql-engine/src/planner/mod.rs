//! Lowering ADQL to DataFusion logical plans, with one planner context and one
//! module per construct: `query` (ORDER BY, OFFSET, TOP), `select` (the select
//! list, WHERE, GROUP BY, HAVING, DISTINCT), `relation` (FROM), `expr`
//! (conditions and values), `function` (built-in, aggregate and geometry calls).
//! The AST goes straight to a `LogicalPlan`: no SQL text in between.

mod chain;
mod datafusion_errors;

pub use datafusion_errors::planning_error;
mod expr;
mod function;
mod pruning;
mod query;
mod relation;
mod select;
mod spatial_join;
mod spectral;

pub use spatial_join::describe as describe_spatial_joins;
pub use spatial_join::SpatialJoinRule;
pub(crate) use spatial_join::SPATIAL_JOIN_RULE_AFTER;
mod units;

use adql_syntax::ast::Query;
use datafusion::logical_expr::LogicalPlan;
use obscore::model::ColumnDef;

use crate::catalog::Catalogue;
use crate::error::Result;

/// A planned query: the plan and, for each output column that is a table column,
/// its catalogue metadata (for VOTable FIELDs).
#[derive(Debug, Clone)]
pub struct PlannedQuery {
    /// The DataFusion plan.
    pub plan: LogicalPlan,
    /// Output column metadata, where known.
    pub columns: Vec<Option<ColumnDef>>,
}

/// The planner context: the catalogue queries resolve names against, and the
/// common table expressions of the query being planned.
pub struct Planner<'c> {
    catalogue: &'c Catalogue,
    ctes: std::cell::RefCell<Vec<(String, PlannedQuery)>>,
    /// The scopes of the queries enclosing a subquery, innermost last: names not
    /// found in the subquery resolve there, as outer references.
    outer: std::cell::RefCell<Vec<(relation::Scope, datafusion::common::DFSchemaRef)>>,
    /// How deep DataFusion may recurse through one expression (see
    /// [`chain::evaluation_depth`]).
    max_expression_depth: usize,
    /// Whether positional joins become sky-partitioned joins
    /// ([`spatial_join`]) rather than nested loops.
    spatial_joins: bool,
}

impl<'c> Planner<'c> {
    /// A planner over `catalogue`.
    pub fn new(catalogue: &'c Catalogue) -> Planner<'c> {
        Planner {
            catalogue,
            ctes: std::cell::RefCell::new(Vec::new()),
            outer: std::cell::RefCell::new(Vec::new()),
            max_expression_depth: adql_syntax::ParseLimits::default().max_expression_depth as usize,
            spatial_joins: true,
        }
    }

    /// The same planner, refusing chains of conditions that DataFusion would
    /// recurse through more than `depth` levels deep.
    pub fn with_max_expression_depth(mut self, depth: usize) -> Planner<'c> {
        self.max_expression_depth = depth;
        self
    }

    /// The same planner, planning positional joins as sky-partitioned joins
    /// (the default) or, with `false`, as nested loops over all pairs.
    pub fn with_spatial_joins(mut self, on: bool) -> Planner<'c> {
        self.spatial_joins = on;
        self
    }

    /// Lowers a parsed (and checked) query. Computed POINT, CIRCLE and POLYGON
    /// columns of the result become DALI arrays (inside the query they are STC-S).
    pub fn plan(&self, query: &Query) -> Result<PlannedQuery> {
        let mut planned = self.query(query)?;
        if self.spatial_joins {
            planned.plan = spatial_join::plan_spatial_joins(planned.plan)?;
        }
        let shapes: Vec<Option<crate::udf::DaliShape>> = planned
            .columns
            .iter()
            .map(|c| {
                c.as_ref()
                    .and_then(|c| c.xtype.as_deref())
                    .and_then(crate::udf::DaliShape::from_xtype)
            })
            .collect();
        if shapes.iter().all(Option::is_none) {
            return Ok(planned);
        }
        let exprs: Vec<datafusion::logical_expr::Expr> = planned
            .plan
            .schema()
            .columns()
            .into_iter()
            .zip(shapes.iter().chain(std::iter::repeat(&None)))
            .map(|(column, shape)| {
                let name = column.name.clone();
                let value = datafusion::logical_expr::Expr::Column(column);
                match shape {
                    Some(s) => crate::udf::DaliUdf::udf(*s).call(vec![value]).alias(name),
                    None => value,
                }
            })
            .collect();
        let plan = datafusion::logical_expr::LogicalPlanBuilder::from(planned.plan)
            .project(exprs)?
            .build()?;
        Ok(PlannedQuery {
            plan,
            columns: planned.columns,
        })
    }
}
