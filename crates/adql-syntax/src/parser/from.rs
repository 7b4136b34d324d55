//! `FROM` lists: table names, derived tables (alias required), parenthesised
//! joined tables, and joins (`NATURAL`, `INNER`, `LEFT|RIGHT|FULL [OUTER]`,
//! `ON`, `USING`).

use nom::sequence::{delimited, preceded};
use nom::Parser;

use super::expr::{dotted_name, expr, starts_query};
use super::input::{at_kw, comma_list1, failure, ident, kw, lparen, rparen, Input, PResult};
use super::query::subquery;
use crate::ast::{Ident, Join, JoinConstraint, JoinKind, TableRef};
use crate::diagnostic::Diagnostic;
use crate::keywords::is_reserved;
use crate::lexer::TokenKind;
use crate::stack::with_stack;

/// `table_reference {, table_reference}`.
pub(crate) fn from_clause<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, Vec<TableRef>> {
    comma_list1(table_reference)(i)
}

/// `[AS] alias`, if present. A following `LIMIT n` is not taken as an alias, so
/// that the error there can suggest TOP.
pub(crate) fn alias<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, Option<Ident>> {
    if at_kw(&i, "AS") {
        return preceded(kw("AS"), ident).map(Some).parse(i);
    }
    let t = i.peek();
    let takes = match t.kind {
        TokenKind::QuotedIdent(_) => true,
        TokenKind::Word => {
            let limit_clause =
                t.is_word("LIMIT") && matches!(i.peek_at(1).kind, TokenKind::Number(_));
            !is_reserved(t.text) && !limit_clause
        }
        _ => false,
    };
    if takes {
        let (rest, name) = ident(i)?;
        Ok((rest, Some(name)))
    } else {
        Ok((i, None))
    }
}

/// A primary followed by any number of joins.
fn table_reference<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, TableRef> {
    with_stack(|| joined_tables(i))
}

fn joined_tables<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, TableRef> {
    let (mut i, mut left) = table_primary(i)?;
    loop {
        let start = left.span().start;
        let mut rest = i;
        let natural = at_kw(&rest, "NATURAL");
        if natural {
            rest = rest.advance(1);
        }
        let kind = if at_kw(&rest, "INNER") {
            rest = rest.advance(1);
            Some(JoinKind::Inner)
        } else if let Some(kind) = outer_kind(&rest) {
            rest = rest.advance(1);
            if at_kw(&rest, "OUTER") {
                rest = rest.advance(1);
            }
            Some(kind)
        } else {
            None
        };
        if !at_kw(&rest, "JOIN") {
            if natural || kind.is_some() {
                return Err(rest.expected("JOIN"));
            }
            return Ok((i, left));
        }
        let (after, right) = table_primary(rest.advance(1))?;
        let (after, constraint) = join_constraint(after)?;
        if natural && constraint != JoinConstraint::None {
            return Err(failure(Diagnostic::error(
                "natural-join-condition",
                "a NATURAL join matches on all common columns and takes no ON or USING",
                after.span_from(right.span().end),
            )));
        }
        let span = after.span_from(start);
        left = TableRef::Join(Box::new(Join {
            left,
            right,
            natural,
            kind: kind.unwrap_or(JoinKind::Inner),
            constraint,
            span,
        }));
        i = after;
    }
}

fn outer_kind(i: &Input<'_, '_>) -> Option<JoinKind> {
    let t = i.peek();
    if t.is_word("LEFT") {
        Some(JoinKind::LeftOuter)
    } else if t.is_word("RIGHT") {
        Some(JoinKind::RightOuter)
    } else if t.is_word("FULL") {
        Some(JoinKind::FullOuter)
    } else {
        None
    }
}

/// `ON condition`, `USING (a, b)` or nothing.
fn join_constraint<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, JoinConstraint> {
    if at_kw(&i, "ON") {
        let (rest, condition) = expr(i.advance(1))?;
        return Ok((rest, JoinConstraint::On(condition)));
    }
    if at_kw(&i, "USING") {
        let (rest, columns) = delimited(lparen, comma_list1(ident), rparen).parse(i.advance(1))?;
        return Ok((rest, JoinConstraint::Using(columns)));
    }
    Ok((i, JoinConstraint::None))
}

/// A table name with an optional alias, a derived table with its alias, or a
/// parenthesised joined table.
fn table_primary<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, TableRef> {
    let start = i.start();
    if i.peek().kind == TokenKind::LParen {
        if starts_query(&i.advance(1)) {
            match subquery(i) {
                Ok((rest, query)) => return derived_table(rest, query, start),
                // `((SELECT …) AS q JOIN r)`: a parenthesised join after all.
                Err(nom::Err::Error(first)) => {
                    return nested_table(i).map_err(|e| match e {
                        nom::Err::Error(second) => {
                            nom::Err::Error(nom::error::ParseError::or(first, second))
                        }
                        other => other,
                    })
                }
                Err(other) => return Err(other),
            }
        }
        return nested_table(i);
    }
    let (rest, name) = dotted_name(i).map_err(|e| match e {
        nom::Err::Error(mut err) => {
            err.expected = vec!["table name", "`(`"];
            nom::Err::Error(err)
        }
        other => other,
    })?;
    if name.parts.len() > 3 {
        return Err(failure(Diagnostic::error(
            "name-too-long",
            format!(
                "a table name has at most three parts (catalog.schema.table), this one has {}",
                name.parts.len()
            ),
            name.span,
        )));
    }
    let (rest, alias) = alias(rest)?;
    let span = rest.span_from(start);
    Ok((rest, TableRef::Table { name, alias, span }))
}

fn derived_table<'t, 'a>(
    rest: Input<'t, 'a>,
    query: crate::ast::Query,
    start: usize,
) -> PResult<'t, 'a, TableRef> {
    let subquery_span = rest.span_from(start);
    let (rest, alias) = alias(rest)?;
    let Some(alias) = alias else {
        return Err(failure(
            Diagnostic::error(
                "derived-table-alias",
                "a subquery in FROM needs a name",
                subquery_span,
            )
            .with_fix(
                "name it: (SELECT …) AS q",
                crate::span::Span::new(subquery_span.end, subquery_span.end),
                " AS q",
            ),
        ));
    };
    let span = rest.span_from(start);
    Ok((
        rest,
        TableRef::Derived {
            query: Box::new(query),
            alias,
            span,
        },
    ))
}

fn nested_table<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, TableRef> {
    let start = i.start();
    let (inner, _) = lparen(i)?;
    let (rest, table) = table_reference(inner.deeper()?)?;
    let (rest, _) = rparen(rest)?;
    let rest = rest.at_depth_of(&i);
    let span = rest.span_from(start);
    Ok((
        rest,
        TableRef::Nested {
            inner: Box::new(table),
            span,
        },
    ))
}
