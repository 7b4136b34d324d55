//! Queries: `WITH` (top level only), set operations with INTERSECT binding
//! tighter than UNION and EXCEPT, parenthesised operands, `ORDER BY`, `OFFSET`.

use nom::branch::alt;
use nom::combinator::opt;
use nom::sequence::separated_pair;
use nom::Parser;

use super::expr::expr;
use super::input::{
    at_kw, comma_list1, failure, ident, kw, lparen, rparen, unsigned_integer, Input, PResult,
};
use super::select::select;
use crate::ast::{
    Count, Cte, OrderByItem, OrderDirection, Query, SetExpr, SetOperation, SetOperator,
};
use crate::diagnostic::Diagnostic;
use crate::lexer::TokenKind;
use crate::span::Span;
use crate::stack::with_stack;

/// The whole input: `[WITH …] query [;]` and nothing after it.
pub(crate) fn top_level_query<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, Query> {
    let start = i.start();
    let first = i.peek();
    if !(first.is_word("SELECT") || first.is_word("WITH") || first.kind == TokenKind::LParen) {
        let mut err = i.expected_any(&["SELECT", "WITH"]);
        if let nom::Err::Error(e) = &mut err {
            e.pos = 0;
        }
        return Err(err);
    }
    let (i, with) = if at_kw(&i, "WITH") {
        let (rest, _) = kw("WITH")(i)?;
        comma_list1(cte)(rest)?
    } else {
        (i, Vec::new())
    };
    let (i, mut query) = query_expression(i)?;
    query.with = with;
    query.span = i.span_from(start);
    let i = if i.peek().kind == TokenKind::Semicolon {
        i.advance(1)
    } else {
        i
    };
    if i.peek().kind != TokenKind::Eof {
        return Err(trailing(i));
    }
    Ok((i, query))
}

/// The error for tokens after a complete query: list what could have continued it.
fn trailing(i: Input<'_, '_>) -> nom::Err<super::PError> {
    i.expected_any(&[
        "WHERE",
        "GROUP",
        "HAVING",
        "ORDER",
        "OFFSET",
        "UNION",
        "EXCEPT",
        "INTERSECT",
        "end of query",
    ])
}

/// `name AS ( query )`.
fn cte<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, Cte> {
    let start = i.start();
    let (rest, (name, query)) = separated_pair(ident, kw("AS"), subquery).parse(i)?;
    let span = rest.span_from(start);
    Ok((
        rest,
        Cte {
            name,
            query: Box::new(query),
            span,
        },
    ))
}

/// `( query )` as used by IN, EXISTS, derived tables and CTEs: no WITH inside.
pub(crate) fn subquery<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, Query> {
    let (inner, _) = lparen(i)?;
    let inner = inner.deeper()?;
    if at_kw(&inner, "WITH") {
        return Err(failure(
            Diagnostic::error(
                "nested-with",
                "WITH is allowed only at the start of the whole query",
                inner.peek().span,
            )
            .with_note("move this common table expression to the top-level WITH"),
        ));
    }
    let (rest, query) = query_expression(inner)?;
    let (rest, _) = rparen(rest)?;
    Ok((rest.at_depth_of(&i), query))
}

/// A set expression with its `ORDER BY` and `OFFSET`.
pub(crate) fn query_expression<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, Query> {
    with_stack(|| query_expression_body(i))
}

fn query_expression_body<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, Query> {
    let start = i.start();
    let (rest, body) = set_expression(i)?;
    let (rest, order_by) = if at_kw(&rest, "ORDER") {
        let (r, _) = kw("BY")(rest.advance(1))?;
        comma_list1(order_by_item)(r)?
    } else {
        (rest, Vec::new())
    };
    let (rest, offset) = if at_kw(&rest, "OFFSET") {
        let (r, (value, span)) = unsigned_integer("OFFSET")(rest.advance(1))?;
        (r, Some(Count { value, span }))
    } else {
        (rest, None)
    };
    let span = rest.span_from(start);
    Ok((
        rest,
        Query {
            with: Vec::new(),
            body,
            order_by,
            offset,
            span,
        },
    ))
}

fn set_op(left: SetExpr, op: SetOperator, all: bool, right: SetExpr) -> SetExpr {
    let span = left.span().to(right.span());
    SetExpr::SetOperation(Box::new(SetOperation {
        op,
        all,
        left,
        right,
        span,
    }))
}

/// `term { UNION|EXCEPT [ALL] term }`, left-associative.
fn set_expression<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, SetExpr> {
    let (mut i, mut left) = set_term(i)?;
    loop {
        let op = if at_kw(&i, "UNION") {
            SetOperator::Union
        } else if at_kw(&i, "EXCEPT") {
            SetOperator::Except
        } else {
            return Ok((i, left));
        };
        let (rest, all) = all_flag(i.advance(1));
        let (rest, right) = set_term(rest)?;
        left = set_op(left, op, all, right);
        i = rest;
    }
}

/// `primary { INTERSECT [ALL] primary }`.
fn set_term<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, SetExpr> {
    let (mut i, mut left) = set_primary(i)?;
    while at_kw(&i, "INTERSECT") {
        let (rest, all) = all_flag(i.advance(1));
        let (rest, right) = set_primary(rest)?;
        left = set_op(left, SetOperator::Intersect, all, right);
        i = rest;
    }
    Ok((i, left))
}

fn all_flag<'t, 'a>(i: Input<'t, 'a>) -> (Input<'t, 'a>, bool) {
    match opt(kw("ALL")).parse(i) {
        Ok((rest, all)) => (rest, all.is_some()),
        Err(_) => (i, false),
    }
}

/// A `SELECT` or a parenthesised query.
fn set_primary<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, SetExpr> {
    if i.peek().kind == TokenKind::LParen {
        let (rest, query) = subquery(i)?;
        return Ok((rest, SetExpr::Nested(Box::new(query))));
    }
    if at_kw(&i, "WITH") {
        return Err(failure(Diagnostic::error(
            "nested-with",
            "WITH is allowed only at the start of the whole query",
            i.peek().span,
        )));
    }
    let (rest, select) = select(i)?;
    Ok((rest, SetExpr::Select(Box::new(select))))
}

/// `expr [ASC|DESC]`.
fn order_by_item<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, OrderByItem> {
    let start = i.start();
    let (rest, e) = expr(i)?;
    let (rest, direction) = opt(alt((
        kw("ASC").map(|_| OrderDirection::Asc),
        kw("DESC").map(|_| OrderDirection::Desc),
    )))
    .parse(rest)?;
    let span: Span = rest.span_from(start);
    Ok((
        rest,
        OrderByItem {
            expr: e,
            direction,
            span,
        },
    ))
}
