//! Checks that need no catalogue: conditions where conditions belong, argument
//! counts and forms of built-in functions, geometry misuse, declared
//! user-defined functions, and optional features.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::features::{Feature, FeatureSet};
use crate::functions::{udf_catalogue, Builtin, FunctionSignature, ValueKind};
use crate::span::Span;

mod calls;
mod types;
mod version;

use types::Scope;
pub use types::{ColumnTypes, TableInScope, UntypedColumns, TYPE_ERRORS};

/// What the checker accepts.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Optional features switched on.
    pub features: FeatureSet,
    /// Report extensions (CASE, `*` beside other items, a JOIN without ON/USING) as errors.
    pub strict: bool,
    /// User-defined functions declared by the caller, beside the UDF catalogue.
    pub udfs: Vec<FunctionSignature>,
    /// The ADQL version checked against.
    pub language: crate::Language,
}

/// Checks a parsed query; returns every error and warning found. Columns are
/// of unknown type (see [`check_typed`]).
pub fn check(query: &Query, options: &CheckOptions) -> Vec<Diagnostic> {
    check_typed(query, options, &UntypedColumns)
}

/// Checks a parsed query knowing the types of its columns (from a catalogue).
pub fn check_typed<'q>(
    query: &'q Query,
    options: &'q CheckOptions,
    columns: &'q dyn ColumnTypes,
) -> Vec<Diagnostic> {
    let mut declared: HashMap<String, Vec<&FunctionSignature>> = HashMap::new();
    for sig in &options.udfs {
        declared
            .entry(sig.name.to_ascii_lowercase())
            .or_default()
            .push(sig);
    }
    let scope = Scope::of(query);
    let mut checker = Checker {
        options,
        columns,
        scope,
        declared,
        diagnostics: Vec::new(),
    };
    checker.query(query);
    checker.diagnostics
}

/// The IVOA UDF catalogue by lower-case name, parsed once per process.
fn catalogue() -> &'static HashMap<String, Vec<FunctionSignature>> {
    static CATALOGUE: OnceLock<HashMap<String, Vec<FunctionSignature>>> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let mut map: HashMap<String, Vec<FunctionSignature>> = HashMap::new();
        for sig in udf_catalogue() {
            map.entry(sig.name.to_ascii_lowercase())
                .or_default()
                .push(sig);
        }
        map
    })
}

struct Checker<'o> {
    options: &'o CheckOptions,
    columns: &'o dyn ColumnTypes,
    scope: Scope<'o>,
    /// Functions declared by the caller, by lower-case name.
    declared: HashMap<String, Vec<&'o FunctionSignature>>,
    diagnostics: Vec<Diagnostic>,
}

impl<'o> Checker<'o> {
    /// The signatures of a user-defined function: declared ones and the catalogue's.
    fn signatures(&self, name: &str) -> Vec<&FunctionSignature> {
        let key = name.to_ascii_lowercase();
        let mut sigs: Vec<&FunctionSignature> =
            self.declared.get(&key).cloned().unwrap_or_default();
        if let Some(known) = catalogue().get(&key) {
            sigs.extend(known);
        }
        sigs
    }

    fn error(
        &mut self,
        code: &'static str,
        message: impl Into<String>,
        span: Span,
    ) -> &mut Diagnostic {
        self.diagnostics
            .push(Diagnostic::error(code, message, span));
        self.diagnostics.last_mut().expect("just pushed")
    }

    fn feature(&mut self, feature: Feature, what: &str, span: Span) {
        if !self.options.features.has(feature) {
            self.error(
                "unsupported-feature",
                format!("unsupported feature {what}: it is switched off here"),
                span,
            )
            .notes
            .push(format!(
                "{what} is the optional feature `{feature}` ({})",
                feature.tapregext_type()
            ));
        }
    }

    fn query(&mut self, query: &Query) {
        if let (Some(first), Some(last)) = (query.with.first(), query.with.last()) {
            self.feature(Feature::CommonTable, "WITH", first.span.to(last.span));
            self.requires_21("WITH", first.span.to(last.span));
        }
        for cte in &query.with {
            self.query(&cte.query);
        }
        self.set_expr(&query.body);
        for item in &query.order_by {
            self.value(&item.expr);
            self.sort_key_20(&item.expr);
        }
        if let Some(offset) = &query.offset {
            self.feature(Feature::Offset, "OFFSET", offset.span);
            self.requires_21("OFFSET", offset.span);
        }
    }

    fn set_expr(&mut self, body: &SetExpr) {
        match body {
            SetExpr::Select(select) => self.select(select),
            SetExpr::Nested(query) => self.query(query),
            SetExpr::SetOperation(op) => {
                let name = match op.op {
                    SetOperator::Union => "UNION",
                    SetOperator::Except => "EXCEPT",
                    SetOperator::Intersect => "INTERSECT",
                };
                let span = Span::new(op.left.span().end, op.right.span().start);
                self.feature(Feature::Sets, name, span);
                self.requires_21(name, span);
                self.set_expr(&op.left);
                self.set_expr(&op.right);
            }
        }
    }

    fn select(&mut self, select: &Select) {
        for item in &select.items {
            match item {
                SelectItem::Expr { expr, .. } => self.value(expr),
                SelectItem::Wildcard { span } if select.items.len() > 1 => {
                    self.extension(
                        "star-with-columns",
                        "`*` beside other select items is an extension: ADQL 2.1 allows `*` only alone",
                        *span,
                    );
                }
                _ => {}
            }
        }
        for table in &select.from {
            self.table(table);
        }
        if let Some(selection) = &select.selection {
            self.condition(selection, "WHERE");
        }
        for e in &select.group_by {
            self.value(e);
            self.grouping_key_20(e);
        }
        if let Some(having) = &select.having {
            self.condition(having, "HAVING");
        }
    }

    fn table(&mut self, table: &TableRef) {
        match table {
            TableRef::Table { .. } => {}
            TableRef::Derived { query, .. } => self.query(query),
            TableRef::Nested { inner, .. } => self.table(inner),
            TableRef::Join(join) => {
                self.table(&join.left);
                self.table(&join.right);
                if !join.natural && matches!(join.constraint, JoinConstraint::None) {
                    self.extension(
                        "join-without-condition",
                        "a JOIN without ON or USING is an extension: ADQL 2.1 requires one (or NATURAL)",
                        Span::new(join.left.span().end, join.right.span().end),
                    );
                }
                if let JoinConstraint::On(condition) = &join.constraint {
                    self.condition(condition, "ON");
                }
            }
        }
    }

    /// An expression that must be a search condition.
    fn condition(&mut self, e: &Expr, context: &str) {
        crate::stack::with_stack(|| self.condition_inner(e, context))
    }

    fn condition_inner(&mut self, e: &Expr, context: &str) {
        let kind = self.kind(e);
        if kind != ValueKind::Condition {
            let inner = e.unnested();
            let span = e.span();
            match inner {
                Expr::Function(call)
                    if matches!(call.builtin, Some(Builtin::Contains | Builtin::Intersects)) =>
                {
                    let name = call.name.value.clone();
                    let d = self.error(
                        "bare-geometry-predicate",
                        format!("{name} returns 1 or 0 and must be compared with a number"),
                        span,
                    );
                    d.notes.push(format!(
                        "ADQL has no boolean values: write {name}(…) = 1 for rows inside, = 0 for rows outside"
                    ));
                    d.fix = Some(Box::new(crate::diagnostic::Fix {
                        message: "add `= 1`".into(),
                        span: Span::new(span.end, span.end),
                        replacement: " = 1".into(),
                    }));
                }
                _ => {
                    let found = match kind {
                        ValueKind::Geometry => "a geometry",
                        ValueKind::String => "a string value",
                        ValueKind::Numeric => "a number",
                        _ => "a value",
                    };
                    self.error(
                        "expected-condition",
                        format!("{context} needs a condition, but this is {found}"),
                        span,
                    )
                    .notes
                    .push(
                        "a condition is a comparison, BETWEEN, IN, LIKE, IS NULL or EXISTS, combined with AND, OR, NOT"
                            .into(),
                    );
                }
            }
            self.walk_value(e);
            return;
        }
        self.walk_condition(e);
    }

    /// The parts of a condition.
    fn walk_condition(&mut self, e: &Expr) {
        match e {
            Expr::Binary {
                op: BinaryOp::And | BinaryOp::Or,
                left,
                right,
                ..
            } => {
                self.condition(left, "AND/OR");
                self.condition(right, "AND/OR");
            }
            Expr::Not { expr, .. } => self.condition(expr, "NOT"),
            Expr::Nested { expr, .. } => self.walk_condition(expr),
            Expr::Binary {
                left, right, op, ..
            } => {
                self.value(left);
                self.value(right);
                self.comparable(left, right, crate::display::binary_symbol(*op));
            }
            Expr::Between {
                expr, low, high, ..
            } => {
                self.value(expr);
                self.value(low);
                self.value(high);
                self.comparable(expr, low, "BETWEEN");
                self.comparable(expr, high, "BETWEEN");
            }
            Expr::InList { expr, list, .. } => {
                self.value(expr);
                for v in list {
                    self.value(v);
                    self.comparable(expr, v, "IN");
                }
            }
            Expr::InSubquery { expr, query, .. } => {
                self.value(expr);
                self.query(query);
            }
            Expr::Like {
                expr,
                pattern,
                case_insensitive,
                span,
                ..
            } => {
                if *case_insensitive {
                    self.feature(Feature::String, "ILIKE", *span);
                    self.requires_21("ILIKE", *span);
                }
                self.value(expr);
                self.value(pattern);
                let what = if *case_insensitive { "ILIKE" } else { "LIKE" };
                self.expect(expr, ValueKind::String, what);
                self.expect(pattern, ValueKind::String, what);
            }
            Expr::IsNull { expr, .. } => self.value(expr),
            Expr::Exists { query, .. } => self.query(query),
            other => self.walk_value(other),
        }
    }

    /// An expression that must be a value, not a condition.
    fn value(&mut self, e: &Expr) {
        crate::stack::with_stack(|| self.value_inner(e))
    }

    fn value_inner(&mut self, e: &Expr) {
        if self.kind(e) == ValueKind::Condition {
            self.error(
                "condition-as-value",
                "a condition cannot be used as a value here",
                e.span(),
            )
            .notes
            .push("conditions stand only in WHERE, HAVING, ON and CASE WHEN".into());
            self.walk_condition(e);
            return;
        }
        self.walk_value(e);
    }

    fn walk_value(&mut self, e: &Expr) {
        match e {
            Expr::Column(_) | Expr::Literal(_) => {}
            Expr::Nested { expr, .. } => self.walk_value(expr),
            Expr::Unary { expr, .. } => {
                self.value(expr);
                self.expect(expr, ValueKind::Numeric, "a sign");
            }
            Expr::Binary {
                op, left, right, ..
            } if op.is_arithmetic() => {
                self.value(left);
                self.value(right);
                self.expect(left, ValueKind::Numeric, "arithmetic");
                self.expect(right, ValueKind::Numeric, "arithmetic");
            }
            Expr::Binary {
                op: BinaryOp::Concat,
                left,
                right,
                ..
            } => {
                self.value(left);
                self.value(right);
                self.not_geometry(left, "`||`");
                self.not_geometry(right, "`||`");
            }
            Expr::Function(call) => self.function(call),
            Expr::Aggregate(agg) => {
                if let Some(arg) = &agg.arg {
                    self.value(arg);
                }
                self.aggregate_argument(agg);
            }
            Expr::Geometry(g) => self.geometry(g),
            Expr::Cast { expr, span, target } => {
                self.feature(Feature::Type, "CAST", *span);
                self.requires_21("CAST", *span);
                self.value(expr);
                self.cast_operand(expr, target);
            }
            Expr::Case(case) => self.case(case),
            other => self.walk_condition(other),
        }
    }

    /// Under `--strict`, an error for something accepted beyond the REC.
    fn extension(&mut self, code: &'static str, message: &str, span: Span) {
        if self.options.strict {
            self.error(code, message.to_string(), span)
                .notes
                .push("--strict accepts the ADQL 2.1 Recommendation only".into());
        }
    }

    fn not_geometry(&mut self, operand: &Expr, what: &str) {
        if self.kind(operand) == ValueKind::Geometry {
            self.geometry_misused(operand, what);
        }
    }

    fn case(&mut self, case: &CaseExpr) {
        self.feature(Feature::Case, "CASE", case.span);
        self.extension(
            "extension",
            "CASE is an extension: it is not part of ADQL 2.1",
            case.span,
        );
        if let Some(operand) = &case.operand {
            self.value(operand);
        }
        for when in &case.whens {
            if case.operand.is_some() {
                self.value(&when.condition);
            } else {
                self.condition(&when.condition, "WHEN");
            }
            self.value(&when.result);
        }
        if let Some(e) = &case.else_result {
            self.value(e);
        }
        self.same_kinds(
            case.whens
                .iter()
                .map(|w| &w.result)
                .chain(case.else_result.as_ref()),
            "CASE",
        );
    }

    /// What kind of value an expression has, from its text alone.
    fn kind(&self, e: &Expr) -> ValueKind {
        crate::stack::with_stack(|| self.kind_inner(e))
    }

    fn kind_inner(&self, e: &Expr) -> ValueKind {
        match e {
            Expr::Column(name) if self.scope.is_local(name) => ValueKind::Unknown,
            Expr::Column(name) => self.columns.column_kind(&self.scope.tables, name),
            Expr::Literal(lit) => match lit.value {
                LiteralValue::Number { .. } => ValueKind::Numeric,
                LiteralValue::String(_) => ValueKind::String,
                LiteralValue::Null => ValueKind::Unknown,
            },
            Expr::Unary { .. } => ValueKind::Numeric,
            Expr::Binary { op, .. } if op.is_arithmetic() => ValueKind::Numeric,
            Expr::Binary {
                op: BinaryOp::Concat,
                ..
            } => ValueKind::String,
            Expr::Binary { .. }
            | Expr::Not { .. }
            | Expr::Between { .. }
            | Expr::InList { .. }
            | Expr::InSubquery { .. }
            | Expr::Like { .. }
            | Expr::IsNull { .. }
            | Expr::Exists { .. } => ValueKind::Condition,
            Expr::Nested { expr, .. } => self.kind(expr),
            Expr::Function(call) => match call.builtin {
                Some(Builtin::Coalesce) => self.first_known(call.args.iter()),
                Some(b) => b.result_kind(),
                None => {
                    // The declared result, when every signature of this arity agrees.
                    let sigs = self.signatures(&call.name.value);
                    let mut kinds = sigs
                        .iter()
                        .filter(|s| s.params.len() == call.args.len())
                        .map(|s| s.returns.kind());
                    match kinds.next() {
                        Some(k) if kinds.all(|other| other == k) => k,
                        _ => ValueKind::Unknown,
                    }
                }
            },
            Expr::Aggregate(agg) => match (agg.func, &agg.arg) {
                (AggregateFunc::Max | AggregateFunc::Min, Some(arg)) => self.kind(arg),
                _ => ValueKind::Numeric,
            },
            Expr::Geometry(_) => ValueKind::Geometry,
            Expr::Cast { target, .. } => match target {
                CastType::Point | CastType::Circle | CastType::Polygon => ValueKind::Geometry,
                CastType::Char(_) | CastType::Varchar(_) => ValueKind::String,
                CastType::Timestamp => ValueKind::Timestamp,
                _ => ValueKind::Numeric,
            },
            Expr::Case(case) => self.first_known(
                case.whens
                    .iter()
                    .map(|w| &w.result)
                    .chain(case.else_result.as_ref()),
            ),
        }
    }

    /// The kind of COALESCE's or CASE's result: the first known kind among
    /// the branches, where a string literal that reads as a number yields
    /// to a number beside it.
    fn first_known<'e>(&self, exprs: impl Iterator<Item = &'e Expr>) -> ValueKind {
        let kinds: Vec<(ValueKind, bool)> = exprs
            .map(|e| (self.kind(e), types::numeric_string(e)))
            .filter(|(k, _)| *k != ValueKind::Unknown)
            .collect();
        if kinds.iter().any(|(k, _)| *k == ValueKind::Numeric) {
            if let Some((k, _)) = kinds.iter().find(|(_, numeric_string)| !numeric_string) {
                return *k;
            }
        }
        kinds.first().map_or(ValueKind::Unknown, |(k, _)| *k)
    }
}
