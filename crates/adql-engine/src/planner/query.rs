//! The query level: WITH, the body (a SELECT or set operations with INTERSECT
//! binding tighter), then ORDER BY, OFFSET and TOP (OFFSET first).

use adql_syntax::ast::{
    Expr as Ast, Literal, LiteralValue, OrderByItem, OrderDirection, Query, SetExpr, SetOperator,
};
use datafusion::common::Column;
use datafusion::logical_expr::{col, LogicalPlanBuilder};

use super::{PlannedQuery, Planner};
use crate::error::{EngineError, Result};

impl Planner<'_> {
    pub(crate) fn query(&self, query: &Query) -> Result<PlannedQuery> {
        // WITH: each query is planned in turn and can be named by the later ones.
        for cte in &query.with {
            let planned = self.query(&cte.query)?;
            self.ctes
                .borrow_mut()
                .push((cte.name.value.clone(), planned));
        }
        match &query.body {
            SetExpr::Select(select) => {
                self.select(select, &query.order_by, query.offset.map(|o| o.value))
            }
            body => {
                let planned = self.set_expr(body)?;
                self.order_and_offset(planned, &query.order_by, query.offset.map(|o| o.value))
            }
        }
    }

    /// A set expression without ORDER BY and OFFSET of its own.
    fn set_expr(&self, body: &SetExpr) -> Result<PlannedQuery> {
        match body {
            SetExpr::Select(select) => self.select(select, &[], None),
            SetExpr::Nested(q) => self.query(q),
            SetExpr::SetOperation(op) => {
                let left = self.set_expr(&op.left)?;
                let right = self.set_expr(&op.right)?;
                let (l, r) = (left.plan, right.plan);
                let plan = match (op.op, op.all) {
                    (SetOperator::Union, true) => LogicalPlanBuilder::from(l).union(r)?.build()?,
                    (SetOperator::Union, false) => {
                        LogicalPlanBuilder::from(l).union_distinct(r)?.build()?
                    }
                    (SetOperator::Intersect, all) => LogicalPlanBuilder::intersect(l, r, all)?,
                    (SetOperator::Except, all) => LogicalPlanBuilder::except(l, r, all)?,
                };
                Ok(PlannedQuery {
                    plan,
                    columns: left.columns,
                })
            }
        }
    }

    /// ORDER BY (output names and column numbers) and OFFSET over a set operation.
    fn order_and_offset(
        &self,
        planned: PlannedQuery,
        order_by: &[OrderByItem],
        offset: Option<u64>,
    ) -> Result<PlannedQuery> {
        let mut builder = LogicalPlanBuilder::from(planned.plan);
        if !order_by.is_empty() {
            let names: Vec<String> = builder
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect();
            let mut sorts = Vec::new();
            for o in order_by {
                let asc = o.direction != Some(OrderDirection::Desc);
                let name = match &o.expr {
                    Ast::Literal(Literal {
                        value: LiteralValue::Number { text, .. },
                        span,
                    }) => {
                        let n: usize = text.parse().unwrap_or(0);
                        names.get(n.wrapping_sub(1)).cloned().ok_or_else(|| {
                            EngineError::at(
                                "bad-ordinal",
                                format!("ORDER BY {n}: the result has {} columns", names.len()),
                                *span,
                            )
                        })?
                    }
                    Ast::Column(c) if c.parts.len() == 1 => names
                        .iter()
                        .find(|n| c.parts[0].matches(n))
                        .cloned()
                        .ok_or_else(|| {
                            EngineError::at(
                                "unknown-column",
                                format!("the result has no column {}", c.parts[0].value),
                                c.span,
                            )
                        })?,
                    other => {
                        return Err(EngineError::unsupported(
                            "ORDER BY an expression after a set operation",
                            other.span(),
                        ))
                    }
                };
                sorts.push(col(Column::from_name(name)).sort(asc, !asc));
            }
            builder = builder.sort(sorts)?;
        }
        if let Some(skip) = offset {
            builder = builder.limit(skip as usize, None)?;
        }
        Ok(PlannedQuery {
            plan: builder.build()?,
            columns: planned.columns,
        })
    }
}
