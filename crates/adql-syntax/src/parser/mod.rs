//! The ADQL parser: nom combinators over the lexer's tokens.
//!
//! One module per construct, so a reader finds where each is parsed by its name:
//! `query` (WITH, set operations, ORDER BY, OFFSET), `select` (the SELECT clause
//! and its list), `from` (table references and joins), `expr` (conditions and
//! values, by precedence), `function` (calls, aggregates, geometry, CAST, CASE).
//!
//! Errors keep the furthest position reached and every token that would have been
//! accepted there, so that messages say "expected FROM, found …". Semantic
//! mistakes found while parsing (a derived table without an alias) stop the parse
//! at once as `nom::Err::Failure` with their own diagnostic.

mod expr;
mod from;
mod function;
mod input;
mod query;
mod select;

use crate::ast::Query;
use crate::diagnostic::Diagnostic;
use crate::functions::closest;
use crate::keywords::is_reserved;
use crate::lexer::{tokenize, Token, TokenKind};
use crate::span::Span;

pub(crate) use input::{Input, PError};

/// Limits that protect the parser from hostile input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseLimits {
    /// Largest accepted query text, in bytes (default 16 MiB).
    pub max_bytes: usize,
    /// Deepest accepted nesting of parentheses, subqueries and CASE (default 100).
    pub max_depth: u16,
    /// Deepest accepted expression tree (default 1,000 levels, DuckDB's
    /// default too). Chains of `+ - * /` are as deep as they are long (`AND`,
    /// `OR` and `||` chains are kept balanced, 17 levels for 100,000 terms);
    /// every walk over the query recurses through them, and DataFusion's type
    /// inference is quadratic in their depth, so a deeper one is refused.
    pub max_expression_depth: u32,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits {
            max_bytes: 16 * 1024 * 1024,
            max_depth: 100,
            max_expression_depth: 1_000,
        }
    }
}

/// Parses one ADQL query (an optional trailing `;` is allowed).
pub fn parse_query(source: &str, limits: ParseLimits) -> Result<Query, Diagnostic> {
    if source.len() > limits.max_bytes {
        return Err(Diagnostic::error(
            "query-too-large",
            format!(
                "the query is {} bytes long; the limit is {} bytes",
                source.len(),
                limits.max_bytes
            ),
            Span::new(0, 0),
        ));
    }
    let tokens = tokenize(source)?;
    check_parentheses(&tokens)?;
    let input = Input::new(&tokens, limits.max_depth);
    match query::top_level_query(input) {
        Ok((_, query)) => {
            let limit = limits.max_expression_depth as usize;
            match crate::depth::deeper_than(&query, limit) {
                None => Ok(query),
                Some(span) => Err(Diagnostic::error(
                    "expression-too-deep",
                    format!(
                        "this expression is nested more than {limit} levels deep in the query, \
                         the limit"
                    ),
                    span,
                )
                .with_note(
                    "a chain of + - * / is as deep as it is long: sum long lists in a subquery \
                     or with SUM(), or raise the limit",
                )),
            }
        }
        Err(nom::Err::Error(e)) | Err(nom::Err::Failure(e)) => Err(to_diagnostic(e, &tokens)),
        Err(nom::Err::Incomplete(_)) => Err(Diagnostic::error(
            "unexpected-end",
            "the query ends too early",
            Span::new(source.len(), source.len()),
        )),
    }
}

/// Reports unbalanced parentheses before parsing: the parser's own message at the
/// end of the input would point far from the real mistake.
fn check_parentheses(tokens: &[Token<'_>]) -> Result<(), Diagnostic> {
    let mut open: Vec<Span> = Vec::new();
    for token in tokens {
        match token.kind {
            TokenKind::LParen => open.push(token.span),
            TokenKind::RParen if open.pop().is_none() => {
                return Err(Diagnostic::error(
                    "unbalanced-parentheses",
                    "this `)` has no matching `(`",
                    token.span,
                ));
            }
            _ => {}
        }
    }
    match open.pop() {
        Some(span) => {
            Err(
                Diagnostic::error("unbalanced-parentheses", "this `(` is never closed", span)
                    .with_note(format!(
                        "{} parenthesis{} left open at the end of the query",
                        open.len() + 1,
                        if open.is_empty() { " is" } else { "es are" }
                    )),
            )
        }
        None => Ok(()),
    }
}

/// Turns the furthest parse error into a diagnostic with targeted hints.
fn to_diagnostic(err: PError, tokens: &[Token<'_>]) -> Diagnostic {
    if let Some(diag) = err.diagnostic {
        return *diag;
    }
    let pos = err.pos.min(tokens.len() - 1);
    let found = &tokens[pos];
    let mut expected: Vec<&str> = Vec::new();
    for e in err.expected {
        if !expected.contains(&e) {
            expected.push(e);
        }
    }
    let message = match expected.as_slice() {
        [] => format!("unexpected {}", found.describe()),
        [one] => format!("expected {one}, found {}", found.describe()),
        [init @ .., last] => format!(
            "expected {} or {last}, found {}",
            init.join(", "),
            found.describe()
        ),
    };
    let mut diag = Diagnostic::error("unexpected-token", message, found.span);
    let keywords = expected
        .iter()
        .copied()
        .filter(|e| e.chars().all(|c| c.is_ascii_uppercase() || c == '_'));
    let is_word = found.kind == TokenKind::Word;
    if is_word && found.is_word("LIMIT") {
        let next = &tokens[(pos + 1).min(tokens.len() - 1)];
        let (count, span) = match next.kind {
            TokenKind::Number(_) => (next.text, found.span.to(next.span)),
            _ => ("n", found.span),
        };
        diag = diag
            .with_note("ADQL limits the number of rows with TOP, right after SELECT")
            .with_fix(
                format!(
                    "remove `{}` and write `SELECT TOP {count} …`",
                    span_text(tokens, span)
                ),
                span,
                "",
            );
        diag.code = "limit-instead-of-top";
    } else if let Some(builtin) = is_word
        .then(|| crate::functions::Builtin::from_name(found.text))
        .flatten()
        .filter(|_| tokens[(pos + 1).min(tokens.len() - 1)].kind != TokenKind::LParen)
    {
        diag = diag
            .with_note(format!(
                "{} is a function; call it with parentheses",
                builtin.name()
            ))
            .with_note(format!(
                "if you mean a column named {0}, quote it: \"{0}\"",
                found.text
            ))
            .with_fix(
                if builtin.arity().1 == 0 {
                    format!("write {}()", builtin.name())
                } else {
                    format!("write {}(…)", builtin.name())
                },
                found.span,
                format!("{}()", builtin.name()),
            );
        diag.code = "function-without-call";
    } else if is_word && is_reserved(found.text) && wants_name(&expected) {
        let quoted = format!("\"{}\"", found.text);
        diag = diag
            .with_note(format!(
                "{} is a reserved word in ADQL; as a name it must be a delimited identifier",
                found.text.to_ascii_uppercase()
            ))
            .with_fix(format!("quote it: {quoted}"), found.span, quoted);
        diag.code = "reserved-word";
    } else if found.kind == TokenKind::Eq && pos > 0 && tokens[pos - 1].kind == TokenKind::Eq {
        diag = diag.with_fix(
            "ADQL compares with a single `=`",
            tokens[pos - 1].span.to(found.span),
            "=",
        );
    } else if let Some(suggestion) = is_word
        .then(|| closest(found.text, keywords.clone()))
        .flatten()
    {
        diag = diag.with_fix(
            format!("did you mean {suggestion}?"),
            found.span,
            suggestion,
        );
    } else if let Some((prev, suggestion)) = pos
        .checked_sub(1)
        .map(|p| &tokens[p])
        .filter(|p| p.kind == TokenKind::Word)
        .and_then(|p| closest(p.text, keywords.clone()).map(|s| (p, s)))
    {
        diag = diag.with_fix(
            format!("did you mean {suggestion} instead of {}?", prev.text),
            prev.span,
            suggestion,
        );
    }
    diag
}

fn span_text(tokens: &[Token<'_>], span: Span) -> String {
    tokens
        .iter()
        .filter(|t| !t.span.is_empty() && t.span.start >= span.start && t.span.end <= span.end)
        .map(|t| t.text)
        .collect::<Vec<_>>()
        .join(" ")
}

fn wants_name(expected: &[&str]) -> bool {
    expected.iter().any(|e| {
        matches!(
            *e,
            "identifier" | "expression" | "table name" | "column name"
        )
    })
}

#[cfg(test)]
mod tests;
