//! The query level: the body, then ORDER BY, OFFSET and TOP (OFFSET first).

use adql_syntax::ast::{Query, SetExpr};

use super::{PlannedQuery, Planner};
use crate::error::{EngineError, Result};

impl Planner<'_> {
    pub(crate) fn query(&self, query: &Query) -> Result<PlannedQuery> {
        if let Some(first) = query.with.first() {
            return Err(EngineError::unsupported("WITH", first.span));
        }
        match &query.body {
            SetExpr::Select(select) => {
                self.select(select, &query.order_by, query.offset.map(|o| o.value))
            }
            SetExpr::SetOperation(op) => Err(EngineError::unsupported(
                "UNION, EXCEPT and INTERSECT",
                op.span,
            )),
            SetExpr::Nested(q) => Err(EngineError::unsupported("a parenthesised query", q.span)),
        }
    }
}
