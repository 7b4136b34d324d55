//! The canonical printer: every AST node prints back as ADQL.
//!
//! Keywords and built-in names are upper case, identifiers keep their spelling
//! (delimited ones re-quoted), literals print as written. Parentheses come from
//! [`Expr::Nested`] where the user wrote them, and are added where precedence
//! needs them for hand-built trees, so that parsing the output gives the same tree.
//! `{:#}` on a [`Query`] puts each top-level clause on its own line.

use std::fmt::{self, Display, Formatter, Write as _};

use crate::ast::*;

impl Display for Ident {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.delimited {
            f.write_char('"')?;
            f.write_str(&self.value.replace('"', "\"\""))?;
            f.write_char('"')
        } else {
            f.write_str(&self.value)
        }
    }
}

impl Display for ObjectName {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (n, part) in self.parts.iter().enumerate() {
            if n > 0 {
                f.write_char('.')?;
            }
            write!(f, "{part}")?;
        }
        Ok(())
    }
}

fn comma_separated<T: Display>(f: &mut Formatter<'_>, items: &[T]) -> fmt::Result {
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

impl Display for Query {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let sep = if f.alternate() { "\n" } else { " " };
        if !self.with.is_empty() {
            f.write_str("WITH ")?;
            for (n, cte) in self.with.iter().enumerate() {
                if n > 0 {
                    write!(f, ",{sep}")?;
                }
                write!(f, "{} AS ({})", cte.name, cte.query)?;
            }
            f.write_str(sep)?;
        }
        if f.alternate() {
            write!(f, "{:#}", self.body)?;
        } else {
            write!(f, "{}", self.body)?;
        }
        if !self.order_by.is_empty() {
            write!(f, "{sep}ORDER BY ")?;
            comma_separated(f, &self.order_by)?;
        }
        if let Some(offset) = &self.offset {
            write!(f, "{sep}OFFSET {}", offset.value)?;
        }
        Ok(())
    }
}

impl Display for OrderByItem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.expr)?;
        match self.direction {
            Some(OrderDirection::Asc) => f.write_str(" ASC"),
            Some(OrderDirection::Desc) => f.write_str(" DESC"),
            None => Ok(()),
        }
    }
}

/// How tightly a set operator binds: INTERSECT over UNION and EXCEPT.
fn set_precedence(e: &SetExpr) -> u8 {
    match e {
        SetExpr::SetOperation(op) if op.op == SetOperator::Intersect => 2,
        SetExpr::SetOperation(_) => 1,
        _ => 3,
    }
}

impl Display for SetExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            SetExpr::Select(select) if f.alternate() => write!(f, "{select:#}"),
            SetExpr::Select(select) => write!(f, "{select}"),
            SetExpr::Nested(query) => write!(f, "({query})"),
            SetExpr::SetOperation(op) => {
                let own = set_precedence(self);
                let sep = if f.alternate() { "\n" } else { " " };
                let write_side = |f: &mut Formatter<'_>, side: &SetExpr, needs_parens: bool| {
                    if needs_parens {
                        write!(f, "({side})")
                    } else if f.alternate() {
                        write!(f, "{side:#}")
                    } else {
                        write!(f, "{side}")
                    }
                };
                write_side(f, &op.left, set_precedence(&op.left) < own)?;
                let name = match op.op {
                    SetOperator::Union => "UNION",
                    SetOperator::Except => "EXCEPT",
                    SetOperator::Intersect => "INTERSECT",
                };
                write!(f, "{sep}{name}{}{sep}", if op.all { " ALL" } else { "" })?;
                write_side(f, &op.right, set_precedence(&op.right) <= own)
            }
        }
    }
}

impl Display for Select {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let sep = if f.alternate() { "\n" } else { " " };
        f.write_str("SELECT ")?;
        match self.quantifier {
            Some(SetQuantifier::Distinct) => f.write_str("DISTINCT ")?,
            Some(SetQuantifier::All) => f.write_str("ALL ")?,
            None => {}
        }
        if let Some(top) = &self.top {
            write!(f, "TOP {} ", top.value)?;
        }
        comma_separated(f, &self.items)?;
        write!(f, "{sep}FROM ")?;
        comma_separated(f, &self.from)?;
        if let Some(selection) = &self.selection {
            write!(f, "{sep}WHERE {selection}")?;
        }
        if !self.group_by.is_empty() {
            write!(f, "{sep}GROUP BY ")?;
            comma_separated(f, &self.group_by)?;
        }
        if let Some(having) = &self.having {
            write!(f, "{sep}HAVING {having}")?;
        }
        Ok(())
    }
}

impl Display for SelectItem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            SelectItem::Wildcard { .. } => f.write_char('*'),
            SelectItem::QualifiedWildcard { qualifier, .. } => write!(f, "{qualifier}.*"),
            SelectItem::Expr { expr, alias, .. } => {
                write!(f, "{expr}")?;
                match alias {
                    Some(alias) => write!(f, " AS {alias}"),
                    None => Ok(()),
                }
            }
        }
    }
}

impl Display for TableRef {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            TableRef::Table { name, alias, .. } => {
                write!(f, "{name}")?;
                match alias {
                    Some(alias) => write!(f, " AS {alias}"),
                    None => Ok(()),
                }
            }
            TableRef::Derived { query, alias, .. } => write!(f, "({query}) AS {alias}"),
            TableRef::Nested { inner, .. } => write!(f, "({inner})"),
            TableRef::Join(join) => write!(f, "{join}"),
        }
    }
}

impl Display for Join {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.left)?;
        if self.natural {
            f.write_str("NATURAL ")?;
        }
        f.write_str(match self.kind {
            JoinKind::Inner => "JOIN ",
            JoinKind::LeftOuter => "LEFT OUTER JOIN ",
            JoinKind::RightOuter => "RIGHT OUTER JOIN ",
            JoinKind::FullOuter => "FULL OUTER JOIN ",
        })?;
        // The right side of a join is a primary: a join there needs parentheses.
        match &self.right {
            TableRef::Join(_) => write!(f, "({})", self.right)?,
            right => write!(f, "{right}")?,
        }
        match &self.constraint {
            JoinConstraint::None => Ok(()),
            JoinConstraint::On(condition) => write!(f, " ON {condition}"),
            JoinConstraint::Using(columns) => {
                f.write_str(" USING (")?;
                comma_separated(f, columns)?;
                f.write_char(')')
            }
        }
    }
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.value {
            LiteralValue::Number { text, .. } => f.write_str(text),
            LiteralValue::String(s) => write!(f, "'{}'", s.replace('\'', "''")),
            LiteralValue::Null => f.write_str("NULL"),
        }
    }
}

/// Precedence levels, loosest first.
pub(crate) mod prec {
    pub const OR: u8 = 1;
    pub const AND: u8 = 2;
    pub const NOT: u8 = 3;
    pub const PREDICATE: u8 = 4;
    pub const CONCAT: u8 = 5;
    pub const ADDITIVE: u8 = 6;
    pub const MULTIPLICATIVE: u8 = 7;
    pub const UNARY: u8 = 8;
    pub const PRIMARY: u8 = 9;
}

/// How tightly an operator binds.
pub(crate) fn binary_precedence(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Or => prec::OR,
        BinaryOp::And => prec::AND,
        BinaryOp::Add | BinaryOp::Sub => prec::ADDITIVE,
        BinaryOp::Mul | BinaryOp::Div => prec::MULTIPLICATIVE,
        BinaryOp::Concat => prec::CONCAT,
        _ => prec::PREDICATE,
    }
}

/// How tightly an expression binds at its top.
pub(crate) fn precedence(e: &Expr) -> u8 {
    match e {
        Expr::Binary { op, .. } => binary_precedence(*op),
        Expr::Not { .. } => prec::NOT,
        Expr::Between { .. }
        | Expr::InList { .. }
        | Expr::InSubquery { .. }
        | Expr::Like { .. }
        | Expr::IsNull { .. } => prec::PREDICATE,
        Expr::Unary { .. } => prec::UNARY,
        _ => prec::PRIMARY,
    }
}

/// The smallest precedence each operand of `e` may have without parentheses:
/// (left or only operand, right operand).
pub(crate) fn operand_precedence(e: &Expr) -> (u8, u8) {
    match e {
        Expr::Binary { op, .. } if op.is_comparison() => (prec::CONCAT, prec::CONCAT),
        // An associative operator's chain is printed flat whatever its shape.
        Expr::Binary { op, .. } if op.is_associative() => {
            let p = binary_precedence(*op);
            (p, p)
        }
        Expr::Binary { op, .. } => {
            let p = binary_precedence(*op);
            (p, p + 1)
        }
        Expr::Not { .. } => (prec::NOT, prec::NOT),
        Expr::Between { .. } | Expr::InList { .. } | Expr::InSubquery { .. } => {
            (prec::CONCAT, prec::CONCAT)
        }
        Expr::Like { .. } | Expr::IsNull { .. } => (prec::CONCAT, prec::CONCAT),
        Expr::Unary { .. } => (prec::UNARY, prec::UNARY),
        _ => (0, 0),
    }
}

/// An operand, parenthesised if it binds looser than `min`.
struct Operand<'e>(&'e Expr, u8);

impl Display for Operand<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if precedence(self.0) < self.1 {
            write!(f, "({})", self.0)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

/// The operator as ADQL writes it.
pub(crate) fn binary_symbol(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "+",
        BinaryOp::Sub => "-",
        BinaryOp::Mul => "*",
        BinaryOp::Div => "/",
        BinaryOp::Concat => "||",
        BinaryOp::Eq => "=",
        BinaryOp::NotEq => "<>",
        BinaryOp::Lt => "<",
        BinaryOp::Gt => ">",
        BinaryOp::LtEq => "<=",
        BinaryOp::GtEq => ">=",
        BinaryOp::And => "AND",
        BinaryOp::Or => "OR",
    }
}

fn not_word(negated: bool) -> &'static str {
    if negated {
        " NOT"
    } else {
        ""
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        crate::stack::with_stack(|| self.write(f))
    }
}

impl Expr {
    fn write(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let (lmin, rmin) = operand_precedence(self);
        match self {
            Expr::Column(name) => write!(f, "{name}"),
            Expr::Literal(lit) => write!(f, "{lit}"),
            Expr::Unary { op, expr, .. } => {
                let operand = Operand(expr, lmin).to_string();
                let sign = match op {
                    UnaryOp::Plus => '+',
                    UnaryOp::Minus => '-',
                };
                // `- -x` must not print as `--x`, which starts a comment.
                if operand.starts_with(['-', '+']) {
                    write!(f, "{sign} {operand}")
                } else {
                    write!(f, "{sign}{operand}")
                }
            }
            Expr::Binary {
                op, left, right, ..
            } => write!(
                f,
                "{} {} {}",
                Operand(left, lmin),
                binary_symbol(*op),
                Operand(right, rmin)
            ),
            Expr::Not { expr, .. } => write!(f, "NOT {}", Operand(expr, lmin)),
            Expr::Between {
                expr,
                negated,
                low,
                high,
                ..
            } => write!(
                f,
                "{}{} BETWEEN {} AND {}",
                Operand(expr, lmin),
                not_word(*negated),
                Operand(low, lmin),
                Operand(high, lmin)
            ),
            Expr::InList {
                expr,
                negated,
                list,
                ..
            } => {
                write!(f, "{}{} IN (", Operand(expr, lmin), not_word(*negated))?;
                comma_separated(f, list)?;
                f.write_char(')')
            }
            Expr::InSubquery {
                expr,
                negated,
                query,
                ..
            } => write!(
                f,
                "{}{} IN ({query})",
                Operand(expr, lmin),
                not_word(*negated)
            ),
            Expr::Like {
                expr,
                negated,
                case_insensitive,
                pattern,
                ..
            } => write!(
                f,
                "{}{} {} {}",
                Operand(expr, lmin),
                not_word(*negated),
                if *case_insensitive { "ILIKE" } else { "LIKE" },
                Operand(pattern, rmin)
            ),
            Expr::IsNull { expr, negated, .. } => {
                write!(f, "{} IS{} NULL", Operand(expr, lmin), not_word(*negated))
            }
            Expr::Exists { query, .. } => write!(f, "EXISTS ({query})"),
            Expr::Nested { expr, .. } => write!(f, "({expr})"),
            Expr::Function(call) => {
                write!(f, "{}(", call.name)?;
                comma_separated(f, &call.args)?;
                f.write_char(')')
            }
            Expr::Aggregate(agg) => {
                let name = match agg.func {
                    AggregateFunc::Avg => "AVG",
                    AggregateFunc::Max => "MAX",
                    AggregateFunc::Min => "MIN",
                    AggregateFunc::Sum => "SUM",
                    AggregateFunc::Count => "COUNT",
                };
                write!(f, "{name}(")?;
                match agg.quantifier {
                    Some(SetQuantifier::Distinct) => f.write_str("DISTINCT ")?,
                    Some(SetQuantifier::All) => f.write_str("ALL ")?,
                    None => {}
                }
                match &agg.arg {
                    Some(arg) => write!(f, "{arg})"),
                    None => f.write_str("*)"),
                }
            }
            Expr::Geometry(g) => {
                let name = match g.shape {
                    Shape::Point => "POINT",
                    Shape::Circle => "CIRCLE",
                    Shape::Box => "BOX",
                    Shape::Polygon => "POLYGON",
                };
                write!(f, "{name}(")?;
                if let Some(cs) = &g.coord_sys {
                    match &cs.value {
                        Some(s) => write!(f, "'{}'", s.replace('\'', "''"))?,
                        None => f.write_str("NULL")?,
                    }
                    if !g.args.is_empty() {
                        f.write_str(", ")?;
                    }
                }
                comma_separated(f, &g.args)?;
                f.write_char(')')
            }
            Expr::Cast { expr, target, .. } => write!(f, "CAST({expr} AS {target})"),
            Expr::Case(case) => {
                f.write_str("CASE")?;
                if let Some(operand) = &case.operand {
                    write!(f, " {operand}")?;
                }
                for when in &case.whens {
                    write!(f, " WHEN {} THEN {}", when.condition, when.result)?;
                }
                if let Some(e) = &case.else_result {
                    write!(f, " ELSE {e}")?;
                }
                f.write_str(" END")
            }
        }
    }
}

impl Display for CastType {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            CastType::Char(None) => f.write_str("CHAR"),
            CastType::Char(Some(n)) => write!(f, "CHAR({n})"),
            CastType::Varchar(None) => f.write_str("VARCHAR"),
            CastType::Varchar(Some(n)) => write!(f, "VARCHAR({n})"),
            CastType::Smallint => f.write_str("SMALLINT"),
            CastType::Integer => f.write_str("INTEGER"),
            CastType::Bigint => f.write_str("BIGINT"),
            CastType::Real => f.write_str("REAL"),
            CastType::DoublePrecision => f.write_str("DOUBLE PRECISION"),
            CastType::Timestamp => f.write_str("TIMESTAMP"),
            CastType::Point => f.write_str("POINT"),
            CastType::Circle => f.write_str("CIRCLE"),
            CastType::Polygon => f.write_str("POLYGON"),
        }
    }
}
