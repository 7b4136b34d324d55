//! Function-like expressions: built-in and user-defined calls, aggregates,
//! geometry constructors with their optional coordinate system, CAST and CASE.

use super::expr::{expr, value};
use super::input::{
    at_kw, comma_list1, failure, kw, lparen, rparen, unsigned_integer, Input, PResult,
};
use crate::ast::{
    Aggregate, AggregateFunc, CaseExpr, CastType, CoordSys, Expr, FunctionCall, GeometryCall,
    Ident, LiteralValue, SetQuantifier, Shape, WhenClause,
};
use crate::diagnostic::Diagnostic;
use crate::functions::{closest, Builtin};
use crate::keywords::is_reserved;
use crate::lexer::TokenKind;

/// True if a function-like expression starts here: a word followed by `(`, or `CASE`.
pub(crate) fn is_function_start(i: &Input<'_, '_>) -> bool {
    let t = i.peek();
    t.kind == TokenKind::Word && (i.peek_at(1).kind == TokenKind::LParen || t.is_word("CASE"))
}

fn aggregate_func(word: &str) -> Option<AggregateFunc> {
    Some(match word.to_ascii_uppercase().as_str() {
        "AVG" => AggregateFunc::Avg,
        "MAX" => AggregateFunc::Max,
        "MIN" => AggregateFunc::Min,
        "SUM" => AggregateFunc::Sum,
        "COUNT" => AggregateFunc::Count,
        _ => return None,
    })
}

fn shape(word: &str) -> Option<Shape> {
    Some(match word.to_ascii_uppercase().as_str() {
        "POINT" => Shape::Point,
        "CIRCLE" => Shape::Circle,
        "BOX" => Shape::Box,
        "POLYGON" => Shape::Polygon,
        _ => return None,
    })
}

/// A function-like expression (see [`is_function_start`]).
pub(crate) fn function_like<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, Expr> {
    let t = i.peek();
    if t.is_word("CASE") {
        return case(i);
    }
    if t.is_word("CAST") {
        return cast(i);
    }
    if let Some(func) = aggregate_func(t.text) {
        return aggregate(i, func);
    }
    if let Some(shape) = shape(t.text) {
        return geometry(i, shape);
    }
    let builtin = Builtin::from_name(t.text);
    if builtin.is_none() && is_reserved(t.text) {
        let candidates = Builtin::ALL.iter().map(|b| b.name());
        let mut diag = Diagnostic::error(
            "unknown-function",
            format!("{} is not an ADQL function", t.text.to_ascii_uppercase()),
            t.span,
        );
        if let Some(s) = closest(t.text, candidates) {
            diag = diag.with_fix(format!("did you mean {s}?"), t.span, s);
        }
        return Err(failure(diag));
    }
    let name = Ident {
        value: match builtin {
            Some(b) => b.name().to_string(),
            None => t.text.to_string(),
        },
        delimited: false,
        span: t.span,
    };
    let (rest, args) = arguments(i.advance(1))?;
    let span = rest.span_from(t.span.start);
    Ok((
        rest,
        Expr::Function(Box::new(FunctionCall {
            name,
            builtin,
            args,
            span,
        })),
    ))
}

/// `( [expr {, expr}] )`, one nesting level deeper.
fn arguments<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, Vec<Expr>> {
    let (inner, _) = lparen(i)?;
    let inner = inner.deeper()?;
    let (rest, args) = if inner.peek().kind == TokenKind::RParen {
        (inner, Vec::new())
    } else {
        comma_list1(expr)(inner)?
    };
    let (rest, _) = rparen(rest)?;
    Ok((rest.at_depth_of(&i), args))
}

fn aggregate<'t, 'a>(i: Input<'t, 'a>, func: AggregateFunc) -> PResult<'t, 'a, Expr> {
    let start = i.start();
    let (inner, _) = lparen(i.advance(1))?;
    let inner = inner.deeper()?;
    let (rest, quantifier, arg) =
        if func == AggregateFunc::Count && inner.peek().kind == TokenKind::Star {
            (inner.advance(1), None, None)
        } else {
            let (rest, quantifier) = if at_kw(&inner, "DISTINCT") {
                (inner.advance(1), Some(SetQuantifier::Distinct))
            } else if at_kw(&inner, "ALL") {
                (inner.advance(1), Some(SetQuantifier::All))
            } else {
                (inner, None)
            };
            let (rest, arg) = expr(rest)?;
            (rest, quantifier, Some(arg))
        };
    let (rest, _) = rparen(rest)?;
    let rest = rest.at_depth_of(&i);
    let span = rest.span_from(start);
    Ok((
        rest,
        Expr::Aggregate(Box::new(Aggregate {
            func,
            quantifier,
            arg,
            span,
        })),
    ))
}

/// `POINT|CIRCLE|BOX|POLYGON( [coordsys,] … )`. The coordinate system is the first
/// argument when it is a string literal, or `NULL` where the count says so.
fn geometry<'t, 'a>(i: Input<'t, 'a>, shape: Shape) -> PResult<'t, 'a, Expr> {
    let start = i.start();
    let (rest, mut args) = arguments(i.advance(1))?;
    let span = rest.span_from(start);
    let coord_sys = match args.first() {
        Some(Expr::Literal(lit)) => match &lit.value {
            LiteralValue::String(s) => Some(CoordSys {
                value: Some(s.clone()),
                span: lit.span,
            }),
            LiteralValue::Null if null_is_coord_sys(shape, args.len()) => Some(CoordSys {
                value: None,
                span: lit.span,
            }),
            _ => None,
        },
        _ => None,
    };
    if coord_sys.is_some() {
        args.remove(0);
    }
    Ok((
        rest,
        Expr::Geometry(Box::new(GeometryCall {
            shape,
            coord_sys,
            args,
            span,
        })),
    ))
}

/// A leading NULL is a coordinate system when one more argument than the
/// coordinates form needs is present.
pub(crate) fn null_is_coord_sys(shape: Shape, argc: usize) -> bool {
    match shape {
        Shape::Point => argc == 3,
        Shape::Circle => argc == 4,
        Shape::Box => argc == 5,
        Shape::Polygon => argc >= 7 && argc % 2 == 1,
    }
}

fn cast<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, Expr> {
    let start = i.start();
    let (inner, _) = lparen(i.advance(1))?;
    let (rest, value) = expr(inner.deeper()?)?;
    let (rest, _) = kw("AS")(rest)?;
    let (rest, target) = cast_type(rest)?;
    let (rest, _) = rparen(rest)?;
    let rest = rest.at_depth_of(&i);
    let span = rest.span_from(start);
    Ok((
        rest,
        Expr::Cast {
            expr: Box::new(value),
            target,
            span,
        },
    ))
}

const CAST_TARGETS: &str =
    "CHAR[(n)], VARCHAR[(n)], SMALLINT, INTEGER, BIGINT, REAL, DOUBLE PRECISION, TIMESTAMP, POINT, CIRCLE, POLYGON";

fn cast_type<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, CastType> {
    let t = i.peek();
    let word = if t.kind == TokenKind::Word {
        t.text.to_ascii_uppercase()
    } else {
        String::new()
    };
    let rest = i.advance(1);
    let simple = match word.as_str() {
        "SMALLINT" => Some(CastType::Smallint),
        "INTEGER" => Some(CastType::Integer),
        "BIGINT" => Some(CastType::Bigint),
        "REAL" => Some(CastType::Real),
        "TIMESTAMP" => Some(CastType::Timestamp),
        "POINT" => Some(CastType::Point),
        "CIRCLE" => Some(CastType::Circle),
        "POLYGON" => Some(CastType::Polygon),
        _ => None,
    };
    if let Some(ty) = simple {
        return Ok((rest, ty));
    }
    match word.as_str() {
        "DOUBLE" => {
            let (rest, _) = kw("PRECISION")(rest)?;
            Ok((rest, CastType::DoublePrecision))
        }
        "CHAR" | "VARCHAR" => {
            let (rest, length) = if rest.peek().kind == TokenKind::LParen {
                let (r, (n, _)) = unsigned_integer("a string length")(rest.advance(1))?;
                let (r, _) = rparen(r)?;
                (r, Some(n))
            } else {
                (rest, None)
            };
            Ok((
                rest,
                if word == "CHAR" {
                    CastType::Char(length)
                } else {
                    CastType::Varchar(length)
                },
            ))
        }
        _ => {
            let mut diag = Diagnostic::error(
                "invalid-cast-target",
                format!("{} is not a type ADQL can CAST to", t.describe()),
                t.span,
            )
            .with_note(format!("the CAST target types are {CAST_TARGETS}"));
            let known = [
                "CHAR",
                "VARCHAR",
                "SMALLINT",
                "INTEGER",
                "BIGINT",
                "REAL",
                "DOUBLE",
                "TIMESTAMP",
                "POINT",
                "CIRCLE",
                "POLYGON",
            ];
            let suggestion = match word.as_str() {
                "INT" | "INT4" | "INT8" | "LONG" => Some("INTEGER"),
                "FLOAT" | "FLOAT8" | "FLOAT4" => Some("DOUBLE PRECISION"),
                "TEXT" | "STRING" => Some("VARCHAR"),
                other => closest(other, known),
            };
            if let Some(s) = suggestion {
                diag = diag.with_fix(format!("did you mean {s}?"), t.span, s);
            }
            Err(failure(diag))
        }
    }
}

/// `CASE [operand] WHEN … THEN … [WHEN …]… [ELSE …] END`.
fn case<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, Expr> {
    let start = i.start();
    let mut rest = i.advance(1).deeper()?;
    let operand = if at_kw(&rest, "WHEN") {
        None
    } else {
        let (r, operand) = value(rest)?;
        rest = r;
        Some(operand)
    };
    let mut whens = Vec::new();
    loop {
        let when_start = rest.start();
        let (r, _) = kw("WHEN")(rest)?;
        let (r, condition) = if operand.is_some() {
            value(r)?
        } else {
            expr(r)?
        };
        let (r, _) = kw("THEN")(r)?;
        let (r, result) = expr(r)?;
        let span = r.span_from(when_start);
        whens.push(WhenClause {
            condition,
            result,
            span,
        });
        rest = r;
        if !at_kw(&rest, "WHEN") {
            break;
        }
    }
    let else_result = if at_kw(&rest, "ELSE") {
        let (r, e) = expr(rest.advance(1))?;
        rest = r;
        Some(e)
    } else {
        None
    };
    let (rest, _) = kw("END")(rest).map_err(|e| match e {
        nom::Err::Error(mut err) => {
            err.expected.extend(["WHEN", "ELSE"]);
            nom::Err::Error(err)
        }
        other => other,
    })?;
    let rest = rest.at_depth_of(&i);
    let span = rest.span_from(start);
    Ok((
        rest,
        Expr::Case(Box::new(CaseExpr {
            operand,
            whens,
            else_result,
            span,
        })),
    ))
}
