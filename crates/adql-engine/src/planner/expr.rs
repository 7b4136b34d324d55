//! Conditions and values. Names resolve against the FROM table (regular
//! identifiers case-insensitively); a string literal compared with a numeric
//! column is read as a number, as PostgreSQL-backed TAP services do
//! (`calib_level = '1'`).

use adql_syntax::ast::{BinaryOp, Expr as Ast, LiteralValue, NumberKind, UnaryOp};
use arrow::datatypes::DataType;
use datafusion::common::{Column, DFSchema, ScalarValue};
use datafusion::logical_expr::expr::{Between, InList, Like};
use datafusion::logical_expr::{binary_expr, col, lit, Case, Expr, ExprSchemable, Operator};

use super::relation::Scope;
use super::Planner;
use crate::error::{EngineError, Result};

impl Planner<'_> {
    /// Lowers an expression over the FROM table. An expression DataFusion
    /// cannot type (what the checker let through) is an error at its span.
    pub(crate) fn expr(&self, e: &Ast, scope: &Scope, schema: &DFSchema) -> Result<Expr> {
        let lowered = self.lower(e, scope, schema)?;
        if let Err(error) = lowered.get_type(schema) {
            // Columns this schema does not hold (aggregates, outer
            // references) are resolved later: only type errors count here.
            if super::datafusion_errors::is_planning(&error) {
                return Err(super::datafusion_errors::diagnostic(&error, e.span()));
            }
        }
        Ok(lowered)
    }

    fn lower(&self, e: &Ast, scope: &Scope, schema: &DFSchema) -> Result<Expr> {
        Ok(match e {
            Ast::Column(name) => self.column(name, scope)?,
            Ast::Literal(l) => literal(&l.value, l.span)?,
            Ast::Unary { op, expr, .. } => {
                let inner = numeric_string(self.expr(expr, scope, schema)?);
                match op {
                    UnaryOp::Minus => Expr::Negative(Box::new(inner)),
                    UnaryOp::Plus => inner,
                }
            }
            Ast::Binary { op, .. } if op.is_associative() => self.chain(*op, e, scope, schema)?,
            Ast::Binary {
                op, left, right, ..
            } => {
                let (l, r) = (
                    self.expr(left, scope, schema)?,
                    self.expr(right, scope, schema)?,
                );
                if op.is_comparison() {
                    let (l, r) = coerce_string_literal(l, r, schema, e.span())?;
                    binary_expr(l, comparison(*op), r)
                } else if op.is_arithmetic() {
                    binary_expr(numeric_string(l), operator(*op), numeric_string(r))
                } else {
                    binary_expr(l, operator(*op), r)
                }
            }
            Ast::Not { expr, .. } => Expr::Not(Box::new(self.expr(expr, scope, schema)?)),
            Ast::Between {
                expr,
                negated,
                low,
                high,
                span,
            } => {
                let x = self.expr(expr, scope, schema)?;
                let (x, lo) =
                    coerce_string_literal(x, self.expr(low, scope, schema)?, schema, *span)?;
                let (x, hi) =
                    coerce_string_literal(x, self.expr(high, scope, schema)?, schema, *span)?;
                Expr::Between(Between::new(
                    Box::new(x),
                    *negated,
                    Box::new(lo),
                    Box::new(hi),
                ))
            }
            Ast::InList {
                expr,
                negated,
                list,
                span,
            } => {
                let x = self.expr(expr, scope, schema)?;
                let mut values = Vec::with_capacity(list.len());
                for v in list {
                    values.push(
                        coerce_string_literal(
                            x.clone(),
                            self.expr(v, scope, schema)?,
                            schema,
                            *span,
                        )?
                        .1,
                    );
                }
                Expr::InList(InList::new(Box::new(x), values, *negated))
            }
            Ast::Like {
                expr,
                negated,
                case_insensitive,
                pattern,
                ..
            } => Expr::Like(Like::new(
                *negated,
                Box::new(self.expr(expr, scope, schema)?),
                Box::new(self.expr(pattern, scope, schema)?),
                None,
                *case_insensitive,
            )),
            Ast::IsNull { expr, negated, .. } => {
                let x = self.expr(expr, scope, schema)?;
                if *negated {
                    x.is_not_null()
                } else {
                    x.is_null()
                }
            }
            Ast::Nested { expr, .. } => self.expr(expr, scope, schema)?,
            Ast::Function(f) => self.function(f, scope, schema)?,
            Ast::Aggregate(a) => self.aggregate(a, scope, schema)?,
            Ast::Geometry(g) => self.geometry(g, scope, schema)?,
            Ast::Cast { expr, target, span } => {
                let to = cast_type(*target)
                    .ok_or_else(|| EngineError::unsupported("CAST to a geometry type", *span))?;
                let value = self.expr(expr, scope, schema)?;
                // PostgreSQL rounds a floating value cast to an integer; Arrow truncates.
                let floating = value
                    .get_type(schema)
                    .map(|t| t.is_floating())
                    .unwrap_or(false);
                let value = if floating && to.is_integer() {
                    datafusion::functions::math::expr_fn::round(vec![value])
                } else {
                    value
                };
                Expr::Cast(datafusion::logical_expr::Cast::new(Box::new(value), to))
            }
            Ast::Case(c) => {
                let operand = c
                    .operand
                    .as_ref()
                    .map(|o| self.expr(o, scope, schema))
                    .transpose()?
                    .map(Box::new);
                let mut whens = Vec::new();
                for w in &c.whens {
                    whens.push((
                        Box::new(self.expr(&w.condition, scope, schema)?),
                        Box::new(self.expr(&w.result, scope, schema)?),
                    ));
                }
                let otherwise = c
                    .else_result
                    .as_ref()
                    .map(|e| self.expr(e, scope, schema))
                    .transpose()?
                    .map(Box::new);
                Expr::Case(Case::new(operand, whens, otherwise))
            }
            Ast::InSubquery {
                expr,
                negated,
                query,
                ..
            } => {
                let x = self.expr(expr, scope, schema)?;
                let plan = self.subquery(query, scope, schema)?;
                if *negated {
                    datafusion::logical_expr::expr_fn::not_in_subquery(x, plan)
                } else {
                    datafusion::logical_expr::expr_fn::in_subquery(x, plan)
                }
            }
            Ast::Exists { query, .. } => {
                datafusion::logical_expr::expr_fn::exists(self.subquery(query, scope, schema)?)
            }
        })
    }

    /// A column reference: `col`, `t.col`, `schema.t.col`, resolved over every
    /// table in FROM.
    fn column(&self, name: &adql_syntax::ast::ObjectName, scope: &Scope) -> Result<Expr> {
        let local = self.local_column(name, scope);
        if local.is_ok() {
            return local;
        }
        // Not here: a correlated subquery may name a column of an enclosing query.
        let outer = self.outer.borrow();
        for (outer_scope, schema) in outer.iter().rev() {
            if let Ok(Expr::Column(c)) = self.local_column(name, outer_scope) {
                let field = datafusion::common::ExprSchema::field_from_column(schema.as_ref(), &c)?;
                return Ok(Expr::OuterReferenceColumn(field.clone(), c));
            }
        }
        local
    }

    /// A subquery's plan, with the current scope as its outer scope.
    fn subquery(
        &self,
        query: &adql_syntax::ast::Query,
        scope: &Scope,
        schema: &DFSchema,
    ) -> Result<std::sync::Arc<datafusion::logical_expr::LogicalPlan>> {
        self.outer
            .borrow_mut()
            .push((scope.clone(), std::sync::Arc::new(schema.clone())));
        let planned = self.query(query);
        self.outer.borrow_mut().pop();
        Ok(std::sync::Arc::new(planned?.plan))
    }

    fn local_column(&self, name: &adql_syntax::ast::ObjectName, scope: &Scope) -> Result<Expr> {
        let (column, qualifier) = name.parts.split_last().expect("a name has parts");
        let tables: Vec<&super::relation::TableScope> = if qualifier.is_empty() {
            scope.tables.iter().collect()
        } else {
            let t: Vec<_> = scope
                .tables
                .iter()
                .filter(|t| t.is_named(qualifier))
                .collect();
            if t.is_empty() {
                let written = qualifier
                    .iter()
                    .map(|p| p.value.as_str())
                    .collect::<Vec<_>>()
                    .join(".");
                let known = scope
                    .tables
                    .iter()
                    .map(|t| t.qualifiers[0].as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(EngineError::at(
                    "unknown-table",
                    format!("{written} is not a table in FROM (those are {known})"),
                    name.span,
                ));
            }
            t
        };
        let mut found: Vec<(&super::relation::TableScope, &str)> = Vec::new();
        for t in &tables {
            for c in &t.meta.columns {
                if column.matches(&c.name) {
                    found.push((t, c.name.as_str()));
                }
            }
        }
        // A column merged by USING or NATURAL is the left table's.
        if found.len() > 1 && qualifier.is_empty() {
            found.retain(|(t, c)| !t.merged.iter().any(|m| m == c));
        }
        match found.as_slice() {
            [(t, one)] => Ok(col(Column::new(Some(t.alias.as_str()), *one))),
            [] => {
                let names: Vec<&str> = tables
                    .iter()
                    .flat_map(|t| t.meta.columns.iter().map(|c| c.name.as_str()))
                    .collect();
                let where_ = tables
                    .iter()
                    .map(|t| t.meta.qualified_name())
                    .collect::<Vec<_>>()
                    .join(", ");
                let mut diag = adql_syntax::Diagnostic::error(
                    "unknown-column",
                    format!("{where_} has no column {}", column.value),
                    column.span,
                );
                if let Some(s) =
                    adql_syntax::functions::closest(&column.value, names.iter().copied())
                {
                    diag = diag.with_fix(format!("did you mean {s}?"), column.span, s);
                }
                if column.delimited && names.iter().any(|c| c.eq_ignore_ascii_case(&column.value)) {
                    diag = diag.with_note("delimited identifiers are case-sensitive");
                }
                Err(EngineError::Query(vec![diag]))
            }
            _ => Err(EngineError::at(
                "ambiguous-column",
                format!(
                    "{} is a column of several tables in FROM: qualify it ({})",
                    column.value,
                    found
                        .iter()
                        .map(|(t, _)| t.qualifiers[0].as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                column.span,
            )),
        }
    }
}

/// A literal: integers as BIGINT when they fit, other numbers as DOUBLE.
pub(crate) fn literal(value: &LiteralValue, span: adql_syntax::Span) -> Result<Expr> {
    Ok(match value {
        LiteralValue::Number {
            text,
            kind: NumberKind::Integer,
        } => match text.parse::<i64>() {
            Ok(v) => lit(v),
            Err(_) => lit(text.parse::<f64>().map_err(|_| {
                EngineError::at("bad-number", format!("{text} is not a number"), span)
            })?),
        },
        LiteralValue::Number { text, .. } => lit(text
            .parse::<f64>()
            .map_err(|_| EngineError::at("bad-number", format!("{text} is not a number"), span))?),
        LiteralValue::String(s) => lit(s.clone()),
        LiteralValue::Null => Expr::Literal(ScalarValue::Null, None),
    })
}

fn operator(op: BinaryOp) -> Operator {
    match op {
        BinaryOp::Add => Operator::Plus,
        BinaryOp::Sub => Operator::Minus,
        BinaryOp::Mul => Operator::Multiply,
        BinaryOp::Div => Operator::Divide,
        BinaryOp::Concat => Operator::StringConcat,
        BinaryOp::And => Operator::And,
        BinaryOp::Or => Operator::Or,
        other => comparison(other),
    }
}

fn comparison(op: BinaryOp) -> Operator {
    match op {
        BinaryOp::Eq => Operator::Eq,
        BinaryOp::NotEq => Operator::NotEq,
        BinaryOp::Lt => Operator::Lt,
        BinaryOp::Gt => Operator::Gt,
        BinaryOp::LtEq => Operator::LtEq,
        BinaryOp::GtEq => Operator::GtEq,
        other => operator(other),
    }
}

fn cast_type(t: adql_syntax::ast::CastType) -> Option<DataType> {
    use adql_syntax::ast::CastType::*;
    Some(match t {
        Char(_) | Varchar(_) => DataType::Utf8,
        Smallint => DataType::Int16,
        Integer => DataType::Int32,
        Bigint => DataType::Int64,
        Real => DataType::Float32,
        DoublePrecision => DataType::Float64,
        Timestamp => DataType::Timestamp(arrow::datatypes::TimeUnit::Microsecond, None),
        Point | Circle | Polygon => return None,
    })
}

/// A string literal that reads as a number, as a number (`'30' * 2`, as
/// PostgreSQL reads it); anything else unchanged (the checker has reported
/// strings that are not numbers).
pub(super) fn numeric_string(e: Expr) -> Expr {
    if let Expr::Literal(ScalarValue::Utf8(Some(s)), _) = &e {
        let t = s.trim();
        if let Ok(i) = t.parse::<i64>() {
            return lit(i);
        }
        if let Ok(f) = t.parse::<f64>() {
            return lit(f);
        }
    }
    e
}

/// A string literal compared with a number is read as a number.
fn coerce_string_literal(
    l: Expr,
    r: Expr,
    schema: &DFSchema,
    span: adql_syntax::Span,
) -> Result<(Expr, Expr)> {
    let numeric = |e: &Expr| e.get_type(schema).map(|t| t.is_numeric()).unwrap_or(false);
    let as_number = |e: &Expr| -> Result<Option<Expr>> {
        if let Expr::Literal(ScalarValue::Utf8(Some(s)), _) = e {
            let t = s.trim();
            return match (t.parse::<i64>(), t.parse::<f64>()) {
                (Ok(i), _) => Ok(Some(lit(i))),
                (_, Ok(f)) => Ok(Some(lit(f))),
                _ => Err(EngineError::at(
                    "type-mismatch",
                    format!("'{s}' is compared with a number but is not one"),
                    span,
                )),
            };
        }
        Ok(None)
    };
    // A boolean column compared with 1/0 or 'true'/'false' (Rubin's
    // `detect_isPrimary = 1`): the literal as a boolean, so the column is
    // compared as it is stored; with another number, the column as 1/0.
    let boolean = |e: &Expr| matches!(e.get_type(schema), Ok(DataType::Boolean));
    let as_bool = |e: &Expr| -> Option<Expr> {
        match e {
            Expr::Literal(ScalarValue::Int64(Some(v)), _) if *v == 0 || *v == 1 => {
                Some(lit(*v == 1))
            }
            Expr::Literal(ScalarValue::Utf8(Some(s)), _) => {
                match s.trim().to_ascii_lowercase().as_str() {
                    "true" | "t" | "1" => Some(lit(true)),
                    "false" | "f" | "0" => Some(lit(false)),
                    _ => None,
                }
            }
            _ => None,
        }
    };
    let as_int = |e: Expr| {
        Expr::Cast(datafusion::logical_expr::Cast::new(
            Box::new(e),
            DataType::Int64,
        ))
    };
    if boolean(&l) && !boolean(&r) {
        if let Some(b) = as_bool(&r) {
            return Ok((l, b));
        }
        if numeric(&r) {
            return Ok((as_int(l), r));
        }
    }
    if boolean(&r) && !boolean(&l) {
        if let Some(b) = as_bool(&l) {
            return Ok((b, r));
        }
        if numeric(&l) {
            return Ok((l, as_int(r)));
        }
    }
    if numeric(&l) {
        if let Some(n) = as_number(&r)? {
            return Ok((l, n));
        }
    }
    if numeric(&r) {
        if let Some(n) = as_number(&l)? {
            return Ok((n, r));
        }
    }
    Ok((l, r))
}
