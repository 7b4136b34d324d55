//! Function calls and geometry constructors: argument counts and forms of
//! the built-ins, declared and catalogue UDFs (arity and typed parameters),
//! points and coordinates where they must be, constant radii and REGIONs.

use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::features::Feature;
use crate::functions::{closest, Builtin, FunctionSignature, ValueKind};
use crate::span::Span;

use super::{catalogue, Checker};

impl Checker<'_> {
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

    pub(super) fn function(&mut self, call: &FunctionCall) {
        for arg in &call.args {
            self.value(arg);
        }
        let Some(builtin) = call.builtin else {
            return self.udf(call);
        };
        if let Some(feature) = builtin.feature() {
            self.feature(feature, builtin.name(), call.name.span);
        }
        if matches!(
            builtin,
            Builtin::Lower | Builtin::Upper | Builtin::InUnit | Builtin::Coalesce
        ) {
            self.requires_21(builtin.name(), call.name.span);
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
        for (index, arg) in args.iter().enumerate() {
            // These arguments have checks of their own below.
            let own_check = matches!(
                builtin,
                Builtin::Coord1 | Builtin::Coord2 | Builtin::Distance | Builtin::Region
            ) || (builtin == Builtin::InUnit && index == 1);
            if own_check {
                continue;
            }
            if let Some(wanted) = builtin.param_kind(index, n) {
                self.expect(arg, wanted, builtin.name());
            }
        }
        if builtin == Builtin::Coalesce {
            self.same_kinds(args.iter(), "COALESCE");
        }
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
            Builtin::Region => {
                if let Expr::Literal(Literal {
                    value: LiteralValue::String(text),
                    span,
                }) = &args[0]
                {
                    // Valid STC-S that this library does not convert (FK4, …)
                    // is the engine's to report, not a type error.
                    let invalid = match adql_geom::parse_region(text) {
                        Err(
                            adql_geom::GeomError::UnsupportedFrame(_)
                            | adql_geom::GeomError::Unsupported(_),
                        )
                        | Ok(_) => None,
                        Err(e) => Some(e),
                    };
                    if let Some(e) = invalid {
                        self.error(
                            "bad-region",
                            format!("REGION's argument is not a valid STC-S or DALI region: {e}"),
                            *span,
                        )
                        .notes
                        .push("STC-S reads e.g. 'Circle ICRS 10 20 1' or 'Polygon ICRS 10 20 11 20 11 21'; DALI '10 20' (a point), '10 20 1' (a circle), '10 20 11 20 11 21' (a polygon)".into());
                    }
                }
            }
            Builtin::Coord1 | Builtin::Coord2 => {
                self.point_like(&args[0], builtin.name());
                self.coord_value_20(&args[0], builtin.name());
            }
            Builtin::Distance if n == 2 => {
                self.point_like(&args[0], "DISTANCE");
                self.point_like(&args[1], "DISTANCE");
                self.coord_value_20(&args[0], "DISTANCE");
                self.coord_value_20(&args[1], "DISTANCE");
            }
            Builtin::Distance => {
                for a in args {
                    self.coordinate(a, "DISTANCE");
                }
                self.requires_21("DISTANCE of four coordinates", call.span);
            }
            _ => {}
        }
    }

    fn udf(&mut self, call: &FunctionCall) {
        let key = call.name.value.to_ascii_lowercase();
        let n = call.args.len();
        let sigs = self.signatures(&key);
        if !sigs.is_empty() {
            // One signature of this arity: its parameter types are checked
            // (with several, any of them may be meant).
            let fitting: Vec<Vec<ValueKind>> = sigs
                .iter()
                .filter(|s| s.params.len() == n)
                .map(|s| s.params.iter().map(|(_, t)| t.kind()).collect())
                .collect();
            if fitting.is_empty() {
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
            if let [kinds] = fitting.as_slice() {
                let name = call.name.value.clone();
                for (arg, kind) in call.args.iter().zip(kinds) {
                    if *kind != ValueKind::Unknown {
                        self.expect(arg, *kind, &name);
                    }
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
        if matches!(
            self.kind(arg),
            ValueKind::Numeric | ValueKind::String | ValueKind::Timestamp
        ) {
            self.error(
                "point-expected",
                format!("{function} needs a point here, such as POINT('ICRS', ra, dec)"),
                arg.span(),
            );
        }
    }

    /// An argument that must be a coordinate, not a geometry.
    fn coordinate(&mut self, arg: &Expr, function: &str) {
        match self.kind(arg) {
            ValueKind::Geometry => {
                self.error(
                    "coordinate-expected",
                    format!("{function} needs a coordinate (a number) here, not a geometry"),
                    arg.span(),
                );
            }
            ValueKind::String | ValueKind::Timestamp => {
                self.expect(arg, ValueKind::Numeric, &format!("{function}'s coordinate"))
            }
            _ => {}
        }
    }

    /// A constant radius must be in [0, 180] degrees.
    fn radius(&mut self, arg: &Expr) {
        let Some(r) = constant_number(arg) else {
            return;
        };
        if !(0.0..=180.0).contains(&r) {
            let why = if r < 0.0 { "negative" } else { "over 180°" };
            self.error(
                "bad-radius",
                format!("a circle's radius is in degrees from 0 to 180; this one is {why} ({r})"),
                arg.span(),
            );
        }
    }

    pub(super) fn geometry(&mut self, g: &GeometryCall) {
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
        if g.coord_sys.is_none() {
            self.requires_21(
                &format!("{name} without a coordinate system argument"),
                name_span,
            );
        }
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
                    self.requires_21(&format!("{name} with a point as centre"), g.args[0].span());
                } else {
                    self.arity_error(name, what, n, g.span);
                    return;
                }
                if g.shape == Shape::Circle {
                    self.radius(&g.args[n - 1]);
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
                    if geoms > 0 {
                        self.requires_21("POLYGON with points as vertices", g.span);
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

/// The value of a number literal, signed or not.
fn constant_number(e: &Expr) -> Option<f64> {
    match e.unnested() {
        Expr::Literal(Literal {
            value: LiteralValue::Number { text, .. },
            ..
        }) => text.parse().ok(),
        Expr::Unary { op, expr, .. } => {
            let v = constant_number(expr)?;
            Some(if *op == UnaryOp::Minus { -v } else { v })
        }
        _ => None,
    }
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
