//! Type rules: which kind of value (number, string, timestamp, geometry) each
//! operator, function and aggregate takes, checked bottom-up over the kinds
//! [`Checker::kind`] infers. Only definite mismatches are errors: a column whose
//! type is not known (no catalogue, an alias, a subquery's column) or NULL
//! matches anything.
//!
//! Implicit conversions that PostgreSQL-backed TAP services allow stay allowed:
//! a number compared with a string literal that reads as a number
//! (`calib_level = '1'`), a timestamp compared with a string literal
//! (`t = '2023-01-01'`), numbers and timestamps in `||`. An ISO-8601 string
//! literal is a timestamp wherever one is expected (DALI's form of
//! timestamps, how TAP clients write them), and any number goes where an
//! integer is declared (SQL converts on assignment).

use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::functions::ValueKind;

use super::Checker;

/// The codes of type errors: a query with only these errors is well formed
/// (what grammar-level test suites call valid) but cannot run.
pub const TYPE_ERRORS: &[&str] = &["type-mismatch", "incomparable-types"];

/// A table a query reads: its name and correlation name, if any.
#[derive(Debug, Clone, Copy)]
pub struct TableInScope<'q> {
    /// The table's name as written (`ivoa.ObsCore`).
    pub name: &'q ObjectName,
    /// `AS alias`, if given.
    pub alias: Option<&'q Ident>,
}

/// Where the checker learns the types of columns: the catalogue, in the
/// engine; nowhere, in `validate` (every column is then of unknown type).
pub trait ColumnTypes {
    /// The kind of value the column `column` holds when the query reads
    /// `tables`, or [`ValueKind::Unknown`] (not found, ambiguous).
    fn column_kind(&self, tables: &[TableInScope<'_>], column: &ObjectName) -> ValueKind;
}

/// No catalogue: every column's type is unknown.
#[derive(Debug, Clone, Copy, Default)]
pub struct UntypedColumns;

impl ColumnTypes for UntypedColumns {
    fn column_kind(&self, _tables: &[TableInScope<'_>], _column: &ObjectName) -> ValueKind {
        ValueKind::Unknown
    }
}

/// What a query names: the catalogue tables it reads, and the names it makes
/// itself (select aliases, CTEs, derived tables), whose columns' types the
/// catalogue does not know.
#[derive(Debug, Default)]
pub(super) struct Scope<'q> {
    pub(super) tables: Vec<TableInScope<'q>>,
    local: Vec<&'q Ident>,
}

impl<'q> Scope<'q> {
    /// Collects the names of `query` and its subqueries.
    pub(super) fn of(query: &'q Query) -> Scope<'q> {
        let mut scope = Scope::default();
        scope.query(query);
        let local = scope.local.clone();
        // A CTE read by name is local, not a catalogue table.
        scope.tables.retain(|t| {
            !(t.name.parts.len() == 1 && local.iter().any(|l| t.name.parts[0].matches(&l.value)))
        });
        scope
    }

    /// True if `column` may name something the query itself defines.
    pub(super) fn is_local(&self, column: &ObjectName) -> bool {
        column.parts.iter().any(|part| {
            self.local
                .iter()
                .any(|l| part.matches(&l.value) || l.matches(&part.value))
        })
    }

    fn query(&mut self, query: &'q Query) {
        crate::stack::with_stack(|| self.query_inner(query))
    }

    fn query_inner(&mut self, query: &'q Query) {
        for cte in &query.with {
            self.local.push(&cte.name);
            self.query(&cte.query);
        }
        self.set_expr(&query.body);
        for item in &query.order_by {
            self.expr(&item.expr);
        }
    }

    fn set_expr(&mut self, body: &'q SetExpr) {
        match body {
            SetExpr::Select(select) => {
                for item in &select.items {
                    if let SelectItem::Expr { expr, alias, .. } = item {
                        self.local.extend(alias);
                        self.expr(expr);
                    }
                }
                for table in &select.from {
                    self.table(table);
                }
                for e in select
                    .selection
                    .iter()
                    .chain(&select.group_by)
                    .chain(&select.having)
                {
                    self.expr(e);
                }
            }
            SetExpr::Nested(query) => self.query(query),
            SetExpr::SetOperation(op) => {
                self.set_expr(&op.left);
                self.set_expr(&op.right);
            }
        }
    }

    fn table(&mut self, table: &'q TableRef) {
        crate::stack::with_stack(|| self.table_inner(table))
    }

    fn table_inner(&mut self, table: &'q TableRef) {
        match table {
            TableRef::Table { name, alias, .. } => self.tables.push(TableInScope {
                name,
                alias: alias.as_ref(),
            }),
            TableRef::Derived { query, alias, .. } => {
                self.local.push(alias);
                self.query(query);
            }
            TableRef::Nested { inner, .. } => self.table(inner),
            TableRef::Join(join) => {
                self.table(&join.left);
                self.table(&join.right);
                if let JoinConstraint::On(e) = &join.constraint {
                    self.expr(e);
                }
            }
        }
    }

    /// Subqueries inside an expression.
    fn expr(&mut self, e: &'q Expr) {
        crate::stack::with_stack(|| self.expr_inner(e))
    }

    fn expr_inner(&mut self, e: &'q Expr) {
        match e {
            Expr::InSubquery { expr, query, .. } => {
                self.expr(expr);
                self.query(query);
            }
            Expr::Exists { query, .. } => self.query(query),
            Expr::Unary { expr, .. } | Expr::Not { expr, .. } | Expr::Nested { expr, .. } => {
                self.expr(expr)
            }
            Expr::Binary { left, right, .. } => {
                self.expr(left);
                self.expr(right);
            }
            Expr::Between {
                expr, low, high, ..
            } => {
                self.expr(expr);
                self.expr(low);
                self.expr(high);
            }
            Expr::InList { expr, list, .. } => {
                self.expr(expr);
                list.iter().for_each(|v| self.expr(v));
            }
            Expr::Like { expr, pattern, .. } => {
                self.expr(expr);
                self.expr(pattern);
            }
            Expr::IsNull { expr, .. } | Expr::Cast { expr, .. } => self.expr(expr),
            Expr::Function(call) => call.args.iter().for_each(|a| self.expr(a)),
            Expr::Aggregate(agg) => agg.arg.iter().for_each(|a| self.expr(a)),
            Expr::Geometry(g) => g.args.iter().for_each(|a| self.expr(a)),
            Expr::Case(case) => {
                for e in case.operand.iter().chain(&case.else_result) {
                    self.expr(e);
                }
                for w in &case.whens {
                    self.expr(&w.condition);
                    self.expr(&w.result);
                }
            }
            Expr::Column(_) | Expr::Literal(_) => {}
        }
    }
}

/// The expression as the user may recognise it: its text when short.
fn subject(e: &Expr) -> String {
    let text = e.to_string();
    if text.chars().count() <= 40 {
        format!("`{text}`")
    } else {
        "this".into()
    }
}

fn string_literal(e: &Expr) -> Option<&str> {
    match e.unnested() {
        Expr::Literal(Literal {
            value: LiteralValue::String(s),
            ..
        }) => Some(s),
        _ => None,
    }
}

/// A string literal that reads as a number (what PostgreSQL converts).
pub(super) fn numeric_string(e: &Expr) -> bool {
    string_literal(e).is_some_and(|s| s.trim().parse::<f64>().is_ok())
}

impl Checker<'_> {
    /// `operand` must be of kind `wanted` for `what` (an operator, a function).
    pub(super) fn expect(&mut self, operand: &Expr, wanted: ValueKind, what: &str) {
        let found = self.kind(operand);
        if matches!(found, ValueKind::Unknown | ValueKind::Condition) || found == wanted {
            return;
        }
        // '30' * 2: a string literal that reads as a number converts.
        if wanted == ValueKind::Numeric && numeric_string(operand) {
            return;
        }
        if wanted == ValueKind::Timestamp {
            if let Some(text) = string_literal(operand) {
                if crate::functions::is_iso_timestamp(text) {
                    return;
                }
                self.error(
                    "type-mismatch",
                    format!(
                        "{what} needs a timestamp, but {} is not an ISO-8601 date or date and time",
                        subject(operand)
                    ),
                    operand.span(),
                )
                .notes
                .push("write it as YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[.fff][Z] (DALI)".into());
                return;
            }
        }
        if found == ValueKind::Geometry && wanted != ValueKind::Geometry {
            return self.geometry_misused(operand, what);
        }
        let message = format!(
            "{what} needs {}, but {} is {}",
            wanted.describe(),
            subject(operand),
            found.describe()
        );
        let d = self.error("type-mismatch", message, operand.span());
        hint(d, operand, found, wanted);
    }

    /// A geometry where `what` takes no geometry.
    pub(super) fn geometry_misused(&mut self, operand: &Expr, what: &str) {
        self.error(
            "geometry-operator",
            format!("{what} cannot be applied to a geometry"),
            operand.span(),
        )
        .notes
        .push(
            "geometries only go into geometry functions such as CONTAINS, DISTANCE, AREA, COORD1"
                .into(),
        );
    }

    /// The two sides of a comparison (`=`, `<`, BETWEEN, IN) must be comparable.
    pub(super) fn comparable(&mut self, left: &Expr, right: &Expr, what: &str) {
        let (a, b) = (self.kind(left), self.kind(right));
        let unknown = |k: ValueKind| matches!(k, ValueKind::Unknown | ValueKind::Condition);
        if unknown(a) || unknown(b) {
            return;
        }
        if a == ValueKind::Geometry || b == ValueKind::Geometry {
            let geometry = if a == ValueKind::Geometry {
                left
            } else {
                right
            };
            self.error(
                "incomparable-types",
                format!("geometries cannot be compared with {what}"),
                geometry.span(),
            )
            .notes
            .push(
                "compare positions with CONTAINS(…) = 1, INTERSECTS(…) = 1 or DISTANCE(…) < r"
                    .into(),
            );
            return;
        }
        if a == b {
            return;
        }
        // The string side of a mixed comparison, if it is a literal.
        let (literal, other, other_kind) = match (string_literal(left), string_literal(right)) {
            (Some(_), _) => (left, right, b),
            (_, Some(_)) => (right, left, a),
            _ => (left, right, b),
        };
        if string_literal(literal).is_some() {
            match other_kind {
                ValueKind::Numeric if numeric_string(literal) => return,
                ValueKind::Timestamp => return,
                ValueKind::Numeric => {
                    self.error(
                        "type-mismatch",
                        format!(
                            "{} is compared with a number ({}) but is not one",
                            subject(literal),
                            subject(other)
                        ),
                        literal.span(),
                    );
                    return;
                }
                _ => {}
            }
        }
        let span = left.span().to(right.span());
        let message = format!(
            "{what} cannot compare {} with {}: {} is {}, {} is {}",
            a.describe(),
            b.describe(),
            subject(left),
            a.describe(),
            subject(right),
            b.describe()
        );
        let d = self.error("incomparable-types", message, span);
        // A number literal against a string: quoting it is what was meant.
        for (side, kind, against) in [(left, a, b), (right, b, a)] {
            if let Expr::Literal(Literal {
                value: LiteralValue::Number { text, .. },
                span,
            }) = side.unnested()
            {
                if against == ValueKind::String && kind == ValueKind::Numeric {
                    d.fix = Some(Box::new(crate::diagnostic::Fix {
                        message: format!("compare with the string '{text}'"),
                        span: *span,
                        replacement: format!("'{text}'"),
                    }));
                }
            }
        }
        if d.fix.is_none() && matches!(right.unnested(), Expr::Column(_)) {
            if let Some(target) = a.cast_target() {
                d.notes
                    .push(format!("convert one side: CAST({right} AS {target})"));
            }
        }
    }

    /// An aggregate's argument: numbers for SUM and AVG, anything but a
    /// geometry for MIN and MAX, anything for COUNT.
    pub(super) fn aggregate_argument(&mut self, agg: &Aggregate) {
        let Some(arg) = &agg.arg else {
            return;
        };
        match agg.func {
            AggregateFunc::Sum => self.expect(arg, ValueKind::Numeric, "SUM"),
            AggregateFunc::Avg => self.expect(arg, ValueKind::Numeric, "AVG"),
            AggregateFunc::Min | AggregateFunc::Max => {
                if self.kind(arg) == ValueKind::Geometry {
                    let name = if agg.func == AggregateFunc::Min {
                        "MIN"
                    } else {
                        "MAX"
                    };
                    self.expect(arg, ValueKind::Numeric, name);
                }
            }
            AggregateFunc::Count => {}
        }
    }

    /// A CAST's operand must be convertible to the target: geometries only to
    /// geometries, geometries only from geometries or strings.
    pub(super) fn cast_operand(&mut self, expr: &Expr, target: &CastType) {
        let found = self.kind(expr);
        let to_geometry = matches!(
            target,
            CastType::Point | CastType::Circle | CastType::Polygon
        );
        let bad = match found {
            ValueKind::Geometry => !to_geometry,
            ValueKind::Numeric | ValueKind::Timestamp => to_geometry,
            _ => false,
        };
        if bad {
            self.error(
                "type-mismatch",
                format!(
                    "CAST cannot convert {} ({}) to {}",
                    subject(expr),
                    found.describe(),
                    cast_name(target)
                ),
                expr.span(),
            );
        }
    }

    /// The results of COALESCE's arguments or CASE's branches must agree.
    pub(super) fn same_kinds<'e>(&mut self, exprs: impl Iterator<Item = &'e Expr>, what: &str) {
        let mut first: Option<(&Expr, ValueKind)> = None;
        for e in exprs {
            let k = self.kind(e);
            if matches!(k, ValueKind::Unknown | ValueKind::Condition) {
                continue;
            }
            match first {
                None => first = Some((e, k)),
                Some((_, f)) if f == k => {}
                Some((f_expr, f)) => {
                    // A numeric string literal among numbers converts.
                    if (f == ValueKind::Numeric && numeric_string(e))
                        || (k == ValueKind::Numeric && numeric_string(f_expr))
                    {
                        continue;
                    }
                    self.error(
                        "type-mismatch",
                        format!(
                            "{what} mixes {} ({}) with {} ({})",
                            f.describe(),
                            subject(f_expr),
                            k.describe(),
                            subject(e)
                        ),
                        e.span(),
                    );
                    return;
                }
            }
        }
    }
}

fn cast_name(target: &CastType) -> &'static str {
    match target {
        CastType::Char(_) => "CHAR",
        CastType::Varchar(_) => "VARCHAR",
        CastType::Smallint => "SMALLINT",
        CastType::Integer => "INTEGER",
        CastType::Bigint => "BIGINT",
        CastType::Real => "REAL",
        CastType::DoublePrecision => "DOUBLE PRECISION",
        CastType::Timestamp => "TIMESTAMP",
        CastType::Point => "POINT",
        CastType::Circle => "CIRCLE",
        CastType::Polygon => "POLYGON",
    }
}

/// What would fix a mismatch: a CAST, unquoting a number, REGION(…).
fn hint(d: &mut Diagnostic, operand: &Expr, found: ValueKind, wanted: ValueKind) {
    match (found, wanted) {
        (ValueKind::String, ValueKind::Geometry) if string_literal(operand).is_some() => {
            d.notes.push(format!(
                "an STC-S string becomes a geometry with REGION({operand})"
            ));
        }
        (_, ValueKind::Geometry) => d.notes.push(
            "a geometry is POINT(…), CIRCLE(…), BOX(…), POLYGON(…), REGION('…') or a geometry column"
                .into(),
        ),
        // A CAST helps a column; a misplaced literal wants rewriting instead.
        _ if !matches!(operand.unnested(), Expr::Column(_)) => {}
        (ValueKind::Numeric | ValueKind::Timestamp, ValueKind::String) => {
            d.notes
                .push(format!("convert it first: CAST({operand} AS VARCHAR)"));
        }
        (ValueKind::String, ValueKind::Numeric) => {
            d.notes
                .push(format!("convert it first: CAST({operand} AS INTEGER) or CAST({operand} AS DOUBLE PRECISION)"));
        }
        _ => {}
    }
}
