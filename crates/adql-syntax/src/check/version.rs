//! What ADQL 2.0 lacks: under `--lang ADQL-2.0` each construct 2.1 added is an
//! error saying so (see [`crate::Language`]).

use crate::ast::*;
use crate::language::Language;
use crate::span::Span;

use super::Checker;

impl Checker<'_> {
    /// `what` was added by ADQL 2.1: an error when checking against 2.0.
    pub(super) fn requires_21(&mut self, what: &str, span: Span) {
        if self.options.language == Language::Adql20 {
            self.error(
                "requires-adql-2.1",
                format!("{what} requires ADQL 2.1"),
                span,
            )
            .notes
            .push("the query is checked as ADQL 2.0 (--lang ADQL-2.0, LANG=ADQL-2.0)".into());
        }
    }

    /// ADQL 2.0 sorts by a column name (unqualified) or a column number only.
    pub(super) fn sort_key_20(&mut self, key: &Expr) {
        match key {
            Expr::Column(name) if name.parts.len() == 1 => {}
            Expr::Literal(Literal {
                value:
                    LiteralValue::Number {
                        kind: NumberKind::Integer,
                        ..
                    },
                ..
            }) => {}
            Expr::Column(_) => self.requires_21("ORDER BY a qualified column name", key.span()),
            _ => self.requires_21("ORDER BY an expression", key.span()),
        }
    }

    /// ADQL 2.0 groups by columns (qualified or not) only.
    pub(super) fn grouping_key_20(&mut self, key: &Expr) {
        if !matches!(key, Expr::Column(_)) {
            self.requires_21("GROUP BY an expression", key.span());
        }
    }

    /// ADQL 2.0's COORD1, COORD2 and DISTANCE take a POINT(…) or a column.
    pub(super) fn coord_value_20(&mut self, arg: &Expr, function: &str) {
        let plain = match arg.unnested() {
            Expr::Column(_) => true,
            Expr::Geometry(g) => g.shape == Shape::Point,
            _ => false,
        };
        if !plain {
            self.requires_21(
                &format!("{function} of a geometry expression (2.0 takes POINT(…) or a column)"),
                arg.span(),
            );
        }
    }
}
