//! Checks that need no catalogue: conditions where conditions belong, argument
//! counts and forms of built-in functions, geometry misuse, declared
//! user-defined functions, and optional features.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::features::{Feature, FeatureSet};
use crate::functions::{closest, udf_catalogue, Builtin, FunctionSignature, ValueKind};
use crate::span::Span;

/// What the checker accepts.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Optional features switched on.
    pub features: FeatureSet,
    /// Report extensions (CASE, `*` beside other items, a JOIN without ON/USING) as errors.
    pub strict: bool,
    /// User-defined functions declared by the caller, beside the UDF catalogue.
    pub udfs: Vec<FunctionSignature>,
}

/// Checks a parsed query; returns every error and warning found.
pub fn check(query: &Query, options: &CheckOptions) -> Vec<Diagnostic> {
    let mut declared: HashMap<String, Vec<&FunctionSignature>> = HashMap::new();
    for sig in &options.udfs {
        declared
            .entry(sig.name.to_ascii_lowercase())
            .or_default()
            .push(sig);
    }
    let mut checker = Checker {
        options,
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
        }
        for cte in &query.with {
            self.query(&cte.query);
        }
        self.set_expr(&query.body);
        for item in &query.order_by {
            self.value(&item.expr);
        }
        if let Some(offset) = &query.offset {
            self.feature(Feature::Offset, "OFFSET", offset.span);
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
            Expr::Binary { left, right, .. } => {
                self.value(left);
                self.value(right);
            }
            Expr::Between {
                expr, low, high, ..
            } => {
                self.value(expr);
                self.value(low);
                self.value(high);
            }
            Expr::InList { expr, list, .. } => {
                self.value(expr);
                for v in list {
                    self.value(v);
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
                }
                self.value(expr);
                self.value(pattern);
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
                self.not_geometry(expr, "a sign");
                self.value(expr);
            }
            Expr::Binary {
                op, left, right, ..
            } if op.is_arithmetic() || *op == BinaryOp::Concat => {
                let what = if *op == BinaryOp::Concat {
                    "`||`"
                } else {
                    "arithmetic"
                };
                self.not_geometry(left, what);
                self.not_geometry(right, what);
                self.value(left);
                self.value(right);
            }
            Expr::Function(call) => self.function(call),
            Expr::Aggregate(agg) => {
                if let Some(arg) = &agg.arg {
                    self.value(arg);
                }
            }
            Expr::Geometry(g) => self.geometry(g),
            Expr::Cast { expr, span, .. } => {
                self.feature(Feature::Type, "CAST", *span);
                self.value(expr);
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
            self.error(
                "geometry-operator",
                format!("{what} cannot be applied to a geometry"),
                operand.span(),
            )
            .notes
            .push(
                "geometries only go into geometry functions such as CONTAINS, DISTANCE, AREA, COORD1".into(),
            );
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
    }

    fn arity_error(&mut self, name: &str, expected: &str, found: usize, span: Span) {
        self.error(
            "wrong-argument-count",
            format!(
                "{name} takes {expected}, found {found} argument{}",
                if found == 1 { "" } else { "s" }
            ),
            span,
        );
    }

    fn function(&mut self, call: &FunctionCall) {
        for arg in &call.args {
            self.value(arg);
        }
        let Some(builtin) = call.builtin else {
            return self.udf(call);
        };
        if let Some(feature) = builtin.feature() {
            self.feature(feature, builtin.name(), call.name.span);
        }
        let (min, max) = builtin.arity();
        let n = call.args.len();
        if builtin == Builtin::Distance && n == 3 {
            return self.arity_error("DISTANCE", "two points or four coordinates", n, call.span);
        }
        if n < min || n > max {
            let expected = match (min, max) {
                (0, 0) => "no arguments".to_string(),
                (a, b) if a == b => format!("{a} argument{}", if a == 1 { "" } else { "s" }),
                (a, usize::MAX) => {
                    format!("at least {a} argument{}", if a == 1 { "" } else { "s" })
                }
                (a, b) => format!("{a} to {b} arguments"),
            };
            return self.arity_error(builtin.name(), &expected, n, call.span);
        }
        let args = &call.args;
        match builtin {
            Builtin::Round | Builtin::Truncate if n == 2 && !is_signed_integer(&args[1]) => {
                self.error(
                    "integer-literal-expected",
                    format!(
                        "the precision of {} must be an integer literal",
                        builtin.name()
                    ),
                    args[1].span(),
                );
            }
            Builtin::Rand if n == 1 && !is_unsigned_integer(&args[0]) => {
                self.error(
                    "integer-literal-expected",
                    "the seed of RAND must be a non-negative integer literal",
                    args[0].span(),
                );
            }
            Builtin::InUnit if !is_string_literal(&args[1]) => {
                self.error(
                    "string-literal-expected",
                    "the unit of IN_UNIT must be a string literal, such as 'arcsec'",
                    args[1].span(),
                );
            }
            Builtin::Region if !is_string_literal(&args[0]) => {
                self.error(
                    "string-literal-expected",
                    "REGION takes an STC-S string literal, such as 'Circle ICRS 10 20 1'",
                    args[0].span(),
                );
            }
            Builtin::Coord1 | Builtin::Coord2 => self.point_like(&args[0], builtin.name()),
            Builtin::Distance if n == 2 => {
                self.point_like(&args[0], "DISTANCE");
                self.point_like(&args[1], "DISTANCE");
            }
            Builtin::Distance => {
                for a in args {
                    self.coordinate(a, "DISTANCE");
                }
            }
            _ => {}
        }
    }

    fn udf(&mut self, call: &FunctionCall) {
        let key = call.name.value.to_ascii_lowercase();
        let n = call.args.len();
        let sigs = self.signatures(&key);
        if !sigs.is_empty() {
            if !sigs.iter().any(|s| s.params.len() == n) {
                let mut counts: Vec<usize> = sigs.iter().map(|s| s.params.len()).collect();
                counts.sort_unstable();
                counts.dedup();
                let expected = counts
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(" or ");
                let forms = sigs
                    .iter()
                    .map(|s| signature_text(s))
                    .collect::<Vec<_>>()
                    .join("; ");
                self.arity_error(
                    &call.name.value,
                    &format!("{expected} arguments"),
                    n,
                    call.span,
                );
                if let Some(d) = self.diagnostics.last_mut() {
                    d.notes.push(format!("declared as {forms}"));
                }
            }
            return;
        }
        if key.starts_with("ivo_") {
            self.diagnostics.push(
                Diagnostic::warning(
                    "unknown-ivo-function",
                    format!(
                        "{} is not in the IVOA UDF catalogue; it is accepted, unchecked, because of its ivo_ prefix",
                        call.name.value
                    ),
                    call.name.span,
                ),
            );
            return;
        }
        let mut candidates: Vec<&str> = Builtin::ALL.iter().map(|b| b.name()).collect();
        candidates.extend([
            "AVG", "MAX", "MIN", "SUM", "COUNT", "POINT", "CIRCLE", "BOX", "POLYGON",
        ]);
        let declared: Vec<String> = self
            .declared
            .values()
            .flatten()
            .map(|s| s.name.clone())
            .chain(catalogue().values().flatten().map(|s| s.name.clone()))
            .collect();
        candidates.extend(declared.iter().map(String::as_str));
        let suggestion = closest(&call.name.value, candidates).map(str::to_string);
        let d = self.error(
            "unknown-function",
            format!("unknown function {}", call.name.value),
            call.name.span,
        );
        d.notes.push(
            "a user-defined function must be declared, e.g. --udf \"name(arg DOUBLE) -> DOUBLE\""
                .into(),
        );
        if let Some(s) = suggestion {
            d.fix = Some(Box::new(crate::diagnostic::Fix {
                message: format!("did you mean {s}?"),
                span: call.name.span,
                replacement: s,
            }));
        }
    }

    /// An argument that must be a point (or a column or function that may hold one).
    fn point_like(&mut self, arg: &Expr, function: &str) {
        if matches!(self.kind(arg), ValueKind::Numeric | ValueKind::String) {
            self.error(
                "point-expected",
                format!("{function} needs a point here, such as POINT('ICRS', ra, dec)"),
                arg.span(),
            );
        }
    }

    /// An argument that must be a coordinate, not a geometry.
    fn coordinate(&mut self, arg: &Expr, function: &str) {
        if self.kind(arg) == ValueKind::Geometry {
            self.error(
                "coordinate-expected",
                format!("{function} needs a coordinate (a number) here, not a geometry"),
                arg.span(),
            );
        }
    }

    fn geometry(&mut self, g: &GeometryCall) {
        for arg in &g.args {
            self.value(arg);
        }
        let (name, feature) = match g.shape {
            Shape::Point => ("POINT", Feature::Point),
            Shape::Circle => ("CIRCLE", Feature::Circle),
            Shape::Box => ("BOX", Feature::Box),
            Shape::Polygon => ("POLYGON", Feature::Polygon),
        };
        let name_span = Span::new(g.span.start, g.span.start + name.len());
        self.feature(feature, name, name_span);
        let n = g.args.len();
        let kinds: Vec<ValueKind> = g.args.iter().map(|a| self.kind(a)).collect();
        let is_num = |k: &ValueKind| matches!(k, ValueKind::Numeric | ValueKind::String);
        let first_is_point = kinds.first().is_some_and(|k| !is_num(k));
        let cs = if g.coord_sys.is_some() {
            "[coordsys, ] "
        } else {
            ""
        };
        match g.shape {
            Shape::Point => {
                if n != 2 {
                    self.arity_error(name, &format!("{cs}two coordinates"), n, g.span);
                } else {
                    for a in &g.args {
                        self.coordinate(a, name);
                    }
                }
            }
            Shape::Circle | Shape::Box => {
                let extra = if g.shape == Shape::Circle { 1 } else { 2 };
                let what = if g.shape == Shape::Circle {
                    "a centre (a point, or two coordinates) and a radius"
                } else {
                    "a centre (a point, or two coordinates), a width and a height"
                };
                if n == extra + 2 {
                    for a in &g.args {
                        self.coordinate(a, name);
                    }
                } else if n == extra + 1 && first_is_point {
                    for a in &g.args[1..] {
                        self.coordinate(a, name);
                    }
                } else {
                    self.arity_error(name, what, n, g.span);
                }
            }
            Shape::Polygon => {
                let geoms = kinds.iter().filter(|k| **k == ValueKind::Geometry).count();
                let nums = kinds.iter().filter(|k| is_num(k)).count();
                if geoms > 0 && nums > 0 {
                    self.error(
                        "polygon-mixed-vertices",
                        "POLYGON takes either points or coordinates, not both",
                        g.span,
                    );
                } else if geoms > 0 || (nums == 0 && n % 2 == 1) {
                    if n < 3 {
                        self.arity_error(name, "at least three vertices", n, g.span);
                    }
                } else if n < 6 || n % 2 == 1 {
                    let d = self.error(
                        "wrong-argument-count",
                        format!("POLYGON takes pairs of coordinates for at least three vertices, found {n} coordinate{}", if n == 1 { "" } else { "s" }),
                        g.span,
                    );
                    if n % 2 == 1 {
                        d.notes.push(
                            "an odd number of coordinates leaves one vertex without its latitude"
                                .into(),
                        );
                    }
                }
            }
        }
    }

    /// What kind of value an expression has, from its text alone.
    fn kind(&self, e: &Expr) -> ValueKind {
        crate::stack::with_stack(|| self.kind_inner(e))
    }

    fn kind_inner(&self, e: &Expr) -> ValueKind {
        match e {
            Expr::Column(_) => ValueKind::Unknown,
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
                None => self
                    .signatures(&call.name.value)
                    .first()
                    .map(|s| s.returns.kind())
                    .unwrap_or(ValueKind::Unknown),
            },
            Expr::Aggregate(agg) => match (agg.func, &agg.arg) {
                (AggregateFunc::Max | AggregateFunc::Min, Some(arg)) => self.kind(arg),
                _ => ValueKind::Numeric,
            },
            Expr::Geometry(_) => ValueKind::Geometry,
            Expr::Cast { target, .. } => match target {
                CastType::Point | CastType::Circle | CastType::Polygon => ValueKind::Geometry,
                CastType::Char(_) | CastType::Varchar(_) => ValueKind::String,
                CastType::Timestamp => ValueKind::Unknown,
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

    fn first_known<'e>(&self, exprs: impl Iterator<Item = &'e Expr>) -> ValueKind {
        exprs
            .map(|e| self.kind(e))
            .find(|k| *k != ValueKind::Unknown)
            .unwrap_or(ValueKind::Unknown)
    }
}

fn signature_text(sig: &FunctionSignature) -> String {
    let params = sig
        .params
        .iter()
        .map(|(n, t)| format!("{n} {}", t.0))
        .collect::<Vec<_>>()
        .join(", ");
    format!("{}({params}) -> {}", sig.name, sig.returns.0)
}

fn is_unsigned_integer(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Literal(Literal {
            value: LiteralValue::Number {
                kind: NumberKind::Integer,
                ..
            },
            ..
        })
    )
}

fn is_signed_integer(e: &Expr) -> bool {
    match e {
        Expr::Unary { expr, .. } => is_unsigned_integer(expr),
        other => is_unsigned_integer(other),
    }
}

fn is_string_literal(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Literal(Literal {
            value: LiteralValue::String(_),
            ..
        })
    )
}
