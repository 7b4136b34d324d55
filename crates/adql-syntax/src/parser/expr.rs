//! Conditions and values, by precedence (lowest first):
//! `OR` < `AND` < `NOT` < predicates (comparison, BETWEEN, IN, LIKE, IS NULL)
//! < `||` < `+ -` < `* /` < unary sign < primary.
//!
//! Conditions and values share one grammar so that a parenthesis never has to be
//! guessed (and re-parsed) as one or the other; the checker then makes sure each
//! stands where it belongs.

use super::function::{function_like, is_function_start};
use super::input::{at_kw, comma_list1, failure, ident, kw, lparen, rparen, Input, PResult};
use super::query::subquery;
use crate::ast::{BinaryOp, Expr, Literal, LiteralValue, ObjectName, UnaryOp};
use crate::diagnostic::Diagnostic;
use crate::lexer::TokenKind;
use crate::stack::with_stack;

/// A full expression: a search condition or a value.
pub(crate) fn expr<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, Expr> {
    with_stack(|| or_expr(i))
}

fn binary(op: BinaryOp, left: Expr, right: Expr) -> Expr {
    let span = left.span().to(right.span());
    Expr::Binary {
        op,
        left: Box::new(left),
        right: Box::new(right),
        span,
    }
}

/// A chain of one associative operator (`AND`, `OR`, `||`) as a balanced
/// tree: a list of 100,000 terms pasted into a query is then 17 levels deep
/// rather than 100,000, so no walk over it (here, in the engine, in DataFusion)
/// can exhaust the stack. Up to three operands the tree is the left-leaning
/// one the grammar describes; the operator being associative (also over
/// NULLs), every shape means the same.
fn balanced(op: BinaryOp, mut operands: Vec<Expr>) -> Expr {
    debug_assert!(!operands.is_empty());
    if operands.len() == 1 {
        return operands.pop().expect("one operand");
    }
    let right = operands.split_off(operands.len().div_ceil(2));
    binary(op, balanced(op, operands), balanced(op, right))
}

fn or_expr<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, Expr> {
    let (mut i, first) = and_expr(i)?;
    let mut operands = vec![first];
    while at_kw(&i, "OR") {
        let (rest, right) = and_expr(i.advance(1))?;
        operands.push(right);
        i = rest;
    }
    Ok((i, balanced(BinaryOp::Or, operands)))
}

fn and_expr<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, Expr> {
    let (mut i, first) = not_expr(i)?;
    let mut operands = vec![first];
    while at_kw(&i, "AND") {
        let (rest, right) = not_expr(i.advance(1))?;
        operands.push(right);
        i = rest;
    }
    Ok((i, balanced(BinaryOp::And, operands)))
}

/// `NOT* predicate`, read iteratively so that long chains cannot exhaust the stack.
fn not_expr<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, Expr> {
    let mut nots = Vec::new();
    let mut i = i;
    while at_kw(&i, "NOT") {
        nots.push(i.start());
        i = i.advance(1);
    }
    i.check_chain(nots.len())?;
    let (i, mut e) = predicate(i)?;
    for start in nots.into_iter().rev() {
        let span = crate::span::Span::new(start, e.span().end);
        e = Expr::Not {
            expr: Box::new(e),
            span,
        };
    }
    Ok((i, e))
}

fn comparison_op(kind: &TokenKind) -> Option<BinaryOp> {
    Some(match kind {
        TokenKind::Eq => BinaryOp::Eq,
        TokenKind::NotEq => BinaryOp::NotEq,
        TokenKind::Lt => BinaryOp::Lt,
        TokenKind::Gt => BinaryOp::Gt,
        TokenKind::LtEq => BinaryOp::LtEq,
        TokenKind::GtEq => BinaryOp::GtEq,
        _ => return None,
    })
}

/// A value, optionally followed by one predicate operator.
fn predicate<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, Expr> {
    let (i, left) = value(i)?;
    let start = left.span().start;
    if let Some(op) = comparison_op(&i.peek().kind) {
        let (i, right) = value(i.advance(1))?;
        return Ok((i, binary(op, left, right)));
    }
    if at_kw(&i, "IS") {
        let (i, negated) = match kw("NOT")(i.advance(1)) {
            Ok((rest, _)) => (rest, true),
            Err(_) => (i.advance(1), false),
        };
        let (i, _) = kw("NULL")(i)?;
        let span = i.span_from(start);
        return Ok((
            i,
            Expr::IsNull {
                expr: Box::new(left),
                negated,
                span,
            },
        ));
    }
    let (after_not, negated) = if at_kw(&i, "NOT") {
        (i.advance(1), true)
    } else {
        (i, false)
    };
    let t = after_not.peek();
    if t.is_word("BETWEEN") {
        let (rest, low) = value(after_not.advance(1))?;
        let (rest, _) = kw("AND")(rest)?;
        let (rest, high) = value(rest)?;
        let span = rest.span_from(start);
        return Ok((
            rest,
            Expr::Between {
                expr: Box::new(left),
                negated,
                low: Box::new(low),
                high: Box::new(high),
                span,
            },
        ));
    }
    if t.is_word("LIKE") || t.is_word("ILIKE") {
        let case_insensitive = t.is_word("ILIKE");
        let (rest, pattern) = value(after_not.advance(1))?;
        let span = rest.span_from(start);
        return Ok((
            rest,
            Expr::Like {
                expr: Box::new(left),
                negated,
                case_insensitive,
                pattern: Box::new(pattern),
                span,
            },
        ));
    }
    if t.is_word("IN") {
        return in_predicate(after_not.advance(1), left, negated);
    }
    if negated {
        return Err(after_not.expected_any(&["BETWEEN", "IN", "LIKE", "ILIKE"]));
    }
    Ok((i, left))
}

/// After `[NOT] IN`: a subquery or a parenthesised list of values.
fn in_predicate<'t, 'a>(i: Input<'t, 'a>, left: Expr, negated: bool) -> PResult<'t, 'a, Expr> {
    let start = left.span().start;
    if i.peek().kind == TokenKind::LParen && starts_query(&i.advance(1)) {
        let (rest, query) = subquery(i)?;
        let span = rest.span_from(start);
        return Ok((
            rest,
            Expr::InSubquery {
                expr: Box::new(left),
                negated,
                query: Box::new(query),
                span,
            },
        ));
    }
    let (inner, _) = lparen(i)?;
    let inner = inner.deeper()?;
    let (rest, list) = comma_list1(value)(inner)?;
    let (rest, _) = rparen(rest)?;
    let rest = rest.at_depth_of(&i);
    let span = rest.span_from(start);
    Ok((
        rest,
        Expr::InList {
            expr: Box::new(left),
            negated,
            list,
            span,
        },
    ))
}

/// True if a query starts here (`SELECT`, `WITH`, or `(` … `SELECT`).
pub(crate) fn starts_query(i: &Input<'_, '_>) -> bool {
    let mut n = 0;
    while i.peek_at(n).kind == TokenKind::LParen {
        n += 1;
    }
    let t = i.peek_at(n);
    t.is_word("SELECT") || t.is_word("WITH")
}

/// A value expression: concatenation and arithmetic over primaries.
pub(crate) fn value<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, Expr> {
    let (mut i, first) = additive(i)?;
    let mut operands = vec![first];
    while i.peek().kind == TokenKind::Concat {
        let (rest, right) = additive(i.advance(1))?;
        operands.push(right);
        i = rest;
    }
    Ok((i, balanced(BinaryOp::Concat, operands)))
}

fn additive<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, Expr> {
    let (mut i, mut left) = multiplicative(i)?;
    loop {
        let op = match i.peek().kind {
            TokenKind::Plus => BinaryOp::Add,
            TokenKind::Minus => BinaryOp::Sub,
            _ => return Ok((i, left)),
        };
        let (rest, right) = multiplicative(i.advance(1))?;
        left = binary(op, left, right);
        i = rest;
    }
}

fn multiplicative<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, Expr> {
    let (mut i, mut left) = unary(i)?;
    loop {
        let op = match i.peek().kind {
            TokenKind::Star => BinaryOp::Mul,
            TokenKind::Slash => BinaryOp::Div,
            _ => return Ok((i, left)),
        };
        let (rest, right) = unary(i.advance(1))?;
        left = binary(op, left, right);
        i = rest;
    }
}

/// Signs, read iteratively, then a primary.
fn unary<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, Expr> {
    let mut signs = Vec::new();
    let mut i = i;
    loop {
        let op = match i.peek().kind {
            TokenKind::Plus => UnaryOp::Plus,
            TokenKind::Minus => UnaryOp::Minus,
            _ => break,
        };
        signs.push((op, i.start()));
        i = i.advance(1);
    }
    i.check_chain(signs.len())?;
    let (i, mut e) = primary(i)?;
    for (op, start) in signs.into_iter().rev() {
        let span = crate::span::Span::new(start, e.span().end);
        e = Expr::Unary {
            op,
            expr: Box::new(e),
            span,
        };
    }
    Ok((i, e))
}

/// Literals, column references, parenthesised expressions, EXISTS and calls.
fn primary<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, Expr> {
    let t = i.peek();
    match &t.kind {
        TokenKind::Number(kind) => Ok((
            i.advance(1),
            Expr::Literal(Literal {
                value: LiteralValue::Number {
                    text: t.text.to_string(),
                    kind: *kind,
                },
                span: t.span,
            }),
        )),
        TokenKind::String(value) => Ok((
            i.advance(1),
            Expr::Literal(Literal {
                value: LiteralValue::String(value.clone()),
                span: t.span,
            }),
        )),
        TokenKind::LParen => {
            if starts_query(&i.advance(1)) {
                return Err(failure(
                    Diagnostic::error(
                        "scalar-subquery",
                        "ADQL allows a subquery here only after IN or EXISTS, or in FROM",
                        t.span,
                    )
                    .with_note("move the subquery into FROM as a derived table and join it"),
                ));
            }
            let (inner, _) = lparen(i)?;
            let (rest, e) = expr(inner.deeper()?)?;
            let (rest, _) = rparen(rest)?;
            let rest = rest.at_depth_of(&i);
            let span = rest.span_from(t.span.start);
            Ok((
                rest,
                Expr::Nested {
                    expr: Box::new(e),
                    span,
                },
            ))
        }
        TokenKind::Word if t.is_word("NULL") => Ok((
            i.advance(1),
            Expr::Literal(Literal {
                value: LiteralValue::Null,
                span: t.span,
            }),
        )),
        TokenKind::Word if t.is_word("EXISTS") => {
            let rest = i.advance(1);
            if rest.peek().kind != TokenKind::LParen {
                return Err(rest.expected("`(` and a subquery"));
            }
            let (rest, query) = subquery(rest)?;
            let span = rest.span_from(t.span.start);
            Ok((
                rest,
                Expr::Exists {
                    query: Box::new(query),
                    span,
                },
            ))
        }
        TokenKind::Word | TokenKind::QuotedIdent(_) if is_function_start(&i) => function_like(i),
        TokenKind::Word | TokenKind::QuotedIdent(_) => column_reference(i),
        _ => Err(i.expected("expression")),
    }
}

/// `a`, `t.a`, `s.t.a` or `c.s.t.a`.
fn column_reference<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, Expr> {
    let (rest, name) = dotted_name(i).map_err(|e| match e {
        nom::Err::Error(mut err) => {
            err.expected = vec!["expression"];
            nom::Err::Error(err)
        }
        other => other,
    })?;
    if name.parts.len() > 4 {
        return Err(failure(
            Diagnostic::error(
                "name-too-long",
                format!(
                    "a column reference has at most four parts (catalog.schema.table.column), this one has {}",
                    name.parts.len()
                ),
                name.span,
            ),
        ));
    }
    Ok((rest, Expr::Column(name)))
}

/// Identifiers separated by periods.
pub(crate) fn dotted_name<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, ObjectName> {
    let start = i.start();
    let (mut i, first) = ident(i)?;
    let mut parts = vec![first];
    while i.peek().kind == TokenKind::Period && i.peek_at(1).kind != TokenKind::Star {
        let (rest, part) = ident(i.advance(1))?;
        parts.push(part);
        i = rest;
    }
    let span = i.span_from(start);
    Ok((i, ObjectName { parts, span }))
}
