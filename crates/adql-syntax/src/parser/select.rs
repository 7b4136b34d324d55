//! `SELECT [ALL|DISTINCT] [TOP n] list FROM … [WHERE] [GROUP BY] [HAVING]`.

use nom::branch::alt;
use nom::combinator::opt;
use nom::Parser;

use super::expr::{dotted_name, expr};
use super::from::{alias, from_clause};
use super::input::{at_kw, comma_list1, kw, unsigned_integer, Input, PResult};
use crate::ast::{Count, Select, SelectItem, SetQuantifier};
use crate::lexer::TokenKind;

/// One `SELECT` block.
pub(crate) fn select<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, Select> {
    let start = i.start();
    let (mut i, _) = kw("SELECT")(i)?;
    let (rest, quantifier) = opt(alt((
        kw("DISTINCT").map(|_| SetQuantifier::Distinct),
        kw("ALL").map(|_| SetQuantifier::All),
    )))
    .parse(i)?;
    i = rest;
    let top = if at_kw(&i, "TOP") {
        let (rest, (value, span)) = unsigned_integer("TOP")(i.advance(1))?;
        i = rest;
        Some(Count { value, span })
    } else {
        None
    };
    let (i, items) = select_list(i)?;
    let (i, _) = kw("FROM")(i).map_err(|e| add_expected(e, &["`,`", "AS"]))?;
    let (i, from) = from_clause(i)?;
    let (i, selection) = if at_kw(&i, "WHERE") {
        let (rest, e) = expr(i.advance(1))?;
        (rest, Some(e))
    } else {
        (i, None)
    };
    let (i, group_by) = if at_kw(&i, "GROUP") {
        let (rest, _) = kw("BY")(i.advance(1))?;
        comma_list1(expr)(rest)?
    } else {
        (i, Vec::new())
    };
    let (i, having) = if at_kw(&i, "HAVING") {
        let (rest, e) = expr(i.advance(1))?;
        (rest, Some(e))
    } else {
        (i, None)
    };
    let span = i.span_from(start);
    Ok((
        i,
        Select {
            quantifier,
            top,
            items,
            from,
            selection,
            group_by,
            having,
            span,
        },
    ))
}

fn add_expected(e: nom::Err<super::PError>, more: &[&'static str]) -> nom::Err<super::PError> {
    match e {
        nom::Err::Error(mut err) => {
            err.expected.extend_from_slice(more);
            nom::Err::Error(err)
        }
        other => other,
    }
}

/// Items separated by commas. `*` may stand among other items (`SELECT *, a`):
/// the REC's BNF allows it only alone, services accept it; `--strict` reports it.
fn select_list<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, Vec<SelectItem>> {
    let t = i.peek();
    if t.kind == TokenKind::Word && t.is_word("FROM") {
        return Err(i.expected_any(&["`*`", "expression"]));
    }
    comma_list1(select_item)(i)
}

/// `*`, `t.*` or `expr [[AS] alias]`.
fn select_item<'t, 'a>(i: Input<'t, 'a>) -> PResult<'t, 'a, SelectItem> {
    let start = i.start();
    let t = i.peek();
    if t.kind == TokenKind::Star {
        return Ok((i.advance(1), SelectItem::Wildcard { span: t.span }));
    }
    if let Ok((rest, qualifier)) = dotted_name(i) {
        if rest.peek().kind == TokenKind::Period && rest.peek_at(1).kind == TokenKind::Star {
            let rest = rest.advance(2);
            let span = rest.span_from(start);
            return Ok((rest, SelectItem::QualifiedWildcard { qualifier, span }));
        }
    }
    let (rest, e) = expr(i)?;
    let (rest, alias) = alias(rest)?;
    let span = rest.span_from(start);
    Ok((
        rest,
        SelectItem::Expr {
            expr: e,
            alias,
            span,
        },
    ))
}
