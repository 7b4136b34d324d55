//! The ADQL abstract syntax tree: plain data, every node with its byte span.
//!
//! Spelling that does not change meaning is normalised (`!=` is `<>`, `JOIN` is
//! `INNER JOIN`, keywords and built-in function names have no case), while
//! identifiers keep their spelling and whether they were delimited. Parentheses
//! the user wrote are kept as [`Expr::Nested`] so that printing reproduces them.

use serde::Serialize;

pub use crate::lexer::NumberKind;
use crate::span::Span;

/// An identifier as written: regular (`ra`) or delimited (`"Ra Dec"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ident {
    /// The name: as spelled for regular identifiers, unescaped for delimited ones.
    pub value: String,
    /// True if written in double quotes (and so case-sensitive).
    pub delimited: bool,
    /// Where it is.
    pub span: Span,
}

impl Ident {
    /// True if `other` names the same thing under ADQL's rules: regular
    /// identifiers compare case-insensitively, delimited ones exactly.
    pub fn matches(&self, other: &str) -> bool {
        if self.delimited {
            self.value == other
        } else {
            self.value.eq_ignore_ascii_case(other)
        }
    }
}

/// A dotted name: `table`, `schema.table`, `catalog.schema.table`, or a column
/// reference with up to four parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectName {
    /// The parts, outermost first.
    pub parts: Vec<Ident>,
    /// Where it is.
    pub span: Span,
}

/// A whole query: optional common table expressions, a set expression,
/// `ORDER BY` and `OFFSET`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Query {
    /// `WITH name AS (…), …` (top level only).
    pub with: Vec<Cte>,
    /// The `SELECT`s and their set operations.
    pub body: SetExpr,
    /// `ORDER BY` terms.
    pub order_by: Vec<OrderByItem>,
    /// `OFFSET n`.
    pub offset: Option<Count>,
    /// Where it is.
    pub span: Span,
}

/// One common table expression: `name AS (query)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cte {
    /// The name the query is known by.
    pub name: Ident,
    /// The query.
    pub query: Box<Query>,
    /// Where it is.
    pub span: Span,
}

/// A non-negative integer in `TOP n` or `OFFSET n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Count {
    /// The number.
    pub value: u64,
    /// Where the number is.
    pub span: Span,
}

/// The body of a query: a `SELECT`, a parenthesised query, or a set operation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum SetExpr {
    /// A `SELECT … FROM …`.
    Select(Box<Select>),
    /// `( query )` as an operand of a set operation.
    Nested(Box<Query>),
    /// `left UNION|EXCEPT|INTERSECT [ALL] right`.
    SetOperation(Box<SetOperation>),
}

/// `left op [ALL] right`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SetOperation {
    /// Which operation.
    pub op: SetOperator,
    /// True with `ALL` (keep duplicates).
    pub all: bool,
    /// The left operand.
    pub left: SetExpr,
    /// The right operand.
    pub right: SetExpr,
    /// Where it is.
    pub span: Span,
}

/// A set operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SetOperator {
    /// `UNION`
    Union,
    /// `EXCEPT`
    Except,
    /// `INTERSECT` (binds tighter than the others)
    Intersect,
}

/// `ALL` or `DISTINCT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SetQuantifier {
    /// `ALL`
    All,
    /// `DISTINCT`
    Distinct,
}

/// One `SELECT … FROM … [WHERE] [GROUP BY] [HAVING]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Select {
    /// `ALL` or `DISTINCT`.
    pub quantifier: Option<SetQuantifier>,
    /// `TOP n`.
    pub top: Option<Count>,
    /// The select list.
    pub items: Vec<SelectItem>,
    /// The `FROM` list (comma-separated table references).
    pub from: Vec<TableRef>,
    /// The `WHERE` condition.
    pub selection: Option<Expr>,
    /// `GROUP BY` terms.
    pub group_by: Vec<Expr>,
    /// The `HAVING` condition.
    pub having: Option<Expr>,
    /// Where it is.
    pub span: Span,
}

/// One entry of a select list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum SelectItem {
    /// `*`
    Wildcard {
        /// Where it is.
        span: Span,
    },
    /// `t.*`
    QualifiedWildcard {
        /// The table or correlation name.
        qualifier: ObjectName,
        /// Where it is.
        span: Span,
    },
    /// `expr [AS alias]`
    Expr {
        /// The value.
        expr: Expr,
        /// The output name.
        alias: Option<Ident>,
        /// Where it is.
        span: Span,
    },
}

/// An entry of the `FROM` list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TableRef {
    /// A named table with an optional correlation name.
    Table {
        /// The table name.
        name: ObjectName,
        /// `[AS] alias`.
        alias: Option<Ident>,
        /// Where it is.
        span: Span,
    },
    /// `(query) [AS] alias`: the alias is required.
    Derived {
        /// The subquery.
        query: Box<Query>,
        /// The correlation name.
        alias: Ident,
        /// Where it is.
        span: Span,
    },
    /// A join of two table references.
    Join(Box<Join>),
    /// A parenthesised table reference: `(a JOIN b)`.
    Nested {
        /// What the parentheses hold.
        inner: Box<TableRef>,
        /// Where it is.
        span: Span,
    },
}

/// `left [NATURAL] [kind] JOIN right [ON …|USING (…)]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Join {
    /// The left side.
    pub left: TableRef,
    /// The right side.
    pub right: TableRef,
    /// True for `NATURAL`.
    pub natural: bool,
    /// Inner or outer.
    pub kind: JoinKind,
    /// `ON`, `USING` or nothing.
    pub constraint: JoinConstraint,
    /// Where it is.
    pub span: Span,
}

/// The kind of a join.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum JoinKind {
    /// `[INNER] JOIN`
    Inner,
    /// `LEFT [OUTER] JOIN`
    LeftOuter,
    /// `RIGHT [OUTER] JOIN`
    RightOuter,
    /// `FULL [OUTER] JOIN`
    FullOuter,
}

/// How a join matches rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum JoinConstraint {
    /// No condition (a `NATURAL` join, or a cross product).
    None,
    /// `ON condition`
    On(Expr),
    /// `USING (a, b)`
    Using(Vec<Ident>),
}

/// `ASC` or `DESC`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum OrderDirection {
    /// `ASC`
    Asc,
    /// `DESC`
    Desc,
}

/// One `ORDER BY` term. An unsigned integer literal is a column number.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderByItem {
    /// The sort key.
    pub expr: Expr,
    /// The direction, if written.
    pub direction: Option<OrderDirection>,
    /// Where it is.
    pub span: Span,
}

/// A literal value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum LiteralValue {
    /// An unsigned number, as written.
    Number {
        /// The digits as written.
        text: String,
        /// Integer, decimal or real.
        kind: NumberKind,
    },
    /// A character string, unescaped.
    String(String),
    /// `NULL`
    Null,
}

/// A literal and its span.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Literal {
    /// The value.
    pub value: LiteralValue,
    /// Where it is.
    pub span: Span,
}

/// A prefix sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum UnaryOp {
    /// `+`
    Plus,
    /// `-`
    Minus,
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BinaryOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `||`
    Concat,
    /// `=`
    Eq,
    /// `<>` (also written `!=`)
    NotEq,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `<=`
    LtEq,
    /// `>=`
    GtEq,
    /// `AND`
    And,
    /// `OR`
    Or,
}

impl BinaryOp {
    /// True for the six comparison operators.
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq
                | BinaryOp::NotEq
                | BinaryOp::Lt
                | BinaryOp::Gt
                | BinaryOp::LtEq
                | BinaryOp::GtEq
        )
    }

    /// True for `AND`, `OR` and `||`: `(a op b) op c` means `a op (b op c)`,
    /// so the parser keeps their chains balanced.
    pub fn is_associative(self) -> bool {
        matches!(self, BinaryOp::And | BinaryOp::Or | BinaryOp::Concat)
    }

    /// True for `+ - * /`.
    pub fn is_arithmetic(self) -> bool {
        matches!(
            self,
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div
        )
    }
}

/// An aggregate (set) function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AggregateFunc {
    /// `AVG`
    Avg,
    /// `MAX`
    Max,
    /// `MIN`
    Min,
    /// `SUM`
    Sum,
    /// `COUNT`
    Count,
}

/// `AVG|MAX|MIN|SUM|COUNT([ALL|DISTINCT] expr)` or `COUNT(*)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Aggregate {
    /// Which function.
    pub func: AggregateFunc,
    /// `ALL` or `DISTINCT`.
    pub quantifier: Option<SetQuantifier>,
    /// The argument; `None` for `COUNT(*)`.
    pub arg: Option<Expr>,
    /// Where it is.
    pub span: Span,
}

/// A function call: a built-in ADQL function or a user-defined one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionCall {
    /// The name as written.
    pub name: Ident,
    /// Which function, if built in.
    pub builtin: Option<crate::functions::Builtin>,
    /// The arguments.
    pub args: Vec<Expr>,
    /// Where it is.
    pub span: Span,
}

/// The four geometry constructors that take an optional coordinate system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Shape {
    /// `POINT`
    Point,
    /// `CIRCLE`
    Circle,
    /// `BOX`
    Box,
    /// `POLYGON`
    Polygon,
}

/// The optional first argument of a geometry constructor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoordSys {
    /// The string, or `None` when written as `NULL`.
    pub value: Option<String>,
    /// Where it is.
    pub span: Span,
}

/// `POINT|CIRCLE|BOX|POLYGON([coordsys,] …)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GeometryCall {
    /// Which shape.
    pub shape: Shape,
    /// The coordinate system argument, if given.
    pub coord_sys: Option<CoordSys>,
    /// The other arguments: coordinates, points, radii, sizes.
    pub args: Vec<Expr>,
    /// Where it is.
    pub span: Span,
}

/// A `CAST` target type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CastType {
    /// `CHAR[(n)]`
    Char(Option<u64>),
    /// `VARCHAR[(n)]`
    Varchar(Option<u64>),
    /// `SMALLINT`
    Smallint,
    /// `INTEGER`
    Integer,
    /// `BIGINT`
    Bigint,
    /// `REAL`
    Real,
    /// `DOUBLE PRECISION`
    DoublePrecision,
    /// `TIMESTAMP`
    Timestamp,
    /// `POINT`
    Point,
    /// `CIRCLE`
    Circle,
    /// `POLYGON`
    Polygon,
}

/// `WHEN condition THEN result` of a `CASE`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhenClause {
    /// The condition (searched CASE) or the value compared with the operand (simple CASE).
    pub condition: Expr,
    /// The result.
    pub result: Expr,
    /// Where it is.
    pub span: Span,
}

/// `CASE [operand] WHEN … THEN … [ELSE …] END` (an extension to ADQL 2.1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseExpr {
    /// The operand of a simple CASE.
    pub operand: Option<Expr>,
    /// The branches.
    pub whens: Vec<WhenClause>,
    /// The `ELSE` result.
    pub else_result: Option<Expr>,
    /// Where it is.
    pub span: Span,
}

/// An expression: values and conditions share one type, as in SQL parsers; the
/// checker makes sure conditions stand where conditions belong.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Expr {
    /// A column reference (one to four parts).
    Column(ObjectName),
    /// A literal.
    Literal(Literal),
    /// `+x` or `-x`.
    Unary {
        /// The sign.
        op: UnaryOp,
        /// The operand.
        expr: Box<Expr>,
        /// Where it is.
        span: Span,
    },
    /// Arithmetic, `||`, comparison, `AND`, `OR`.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        left: Box<Expr>,
        /// Right operand.
        right: Box<Expr>,
        /// Where it is.
        span: Span,
    },
    /// `NOT condition`.
    Not {
        /// The negated condition.
        expr: Box<Expr>,
        /// Where it is.
        span: Span,
    },
    /// `x [NOT] BETWEEN low AND high`.
    Between {
        /// The tested value.
        expr: Box<Expr>,
        /// True with `NOT`.
        negated: bool,
        /// Lower bound.
        low: Box<Expr>,
        /// Upper bound.
        high: Box<Expr>,
        /// Where it is.
        span: Span,
    },
    /// `x [NOT] IN (a, b, …)`.
    InList {
        /// The tested value.
        expr: Box<Expr>,
        /// True with `NOT`.
        negated: bool,
        /// The values.
        list: Vec<Expr>,
        /// Where it is.
        span: Span,
    },
    /// `x [NOT] IN (subquery)`.
    InSubquery {
        /// The tested value.
        expr: Box<Expr>,
        /// True with `NOT`.
        negated: bool,
        /// The subquery.
        query: Box<Query>,
        /// Where it is.
        span: Span,
    },
    /// `x [NOT] LIKE|ILIKE pattern`.
    Like {
        /// The matched value.
        expr: Box<Expr>,
        /// True with `NOT`.
        negated: bool,
        /// True for `ILIKE`.
        case_insensitive: bool,
        /// The pattern.
        pattern: Box<Expr>,
        /// Where it is.
        span: Span,
    },
    /// `x IS [NOT] NULL`.
    IsNull {
        /// The tested value.
        expr: Box<Expr>,
        /// True with `NOT`.
        negated: bool,
        /// Where it is.
        span: Span,
    },
    /// `EXISTS (subquery)`.
    Exists {
        /// The subquery.
        query: Box<Query>,
        /// Where it is.
        span: Span,
    },
    /// `( expr )` as written.
    Nested {
        /// What the parentheses hold.
        expr: Box<Expr>,
        /// Where it is, parentheses included.
        span: Span,
    },
    /// A built-in or user-defined function call.
    Function(Box<FunctionCall>),
    /// An aggregate function.
    Aggregate(Box<Aggregate>),
    /// `POINT`, `CIRCLE`, `BOX`, `POLYGON`.
    Geometry(Box<GeometryCall>),
    /// `CAST(expr AS type)`.
    Cast {
        /// The value.
        expr: Box<Expr>,
        /// The target type.
        target: CastType,
        /// Where it is.
        span: Span,
    },
    /// `CASE … END`.
    Case(Box<CaseExpr>),
}

impl Expr {
    /// Where the expression is.
    pub fn span(&self) -> Span {
        match self {
            Expr::Column(name) => name.span,
            Expr::Literal(lit) => lit.span,
            Expr::Function(f) => f.span,
            Expr::Aggregate(a) => a.span,
            Expr::Geometry(g) => g.span,
            Expr::Case(c) => c.span,
            Expr::Unary { span, .. }
            | Expr::Binary { span, .. }
            | Expr::Not { span, .. }
            | Expr::Between { span, .. }
            | Expr::InList { span, .. }
            | Expr::InSubquery { span, .. }
            | Expr::Like { span, .. }
            | Expr::IsNull { span, .. }
            | Expr::Exists { span, .. }
            | Expr::Nested { span, .. }
            | Expr::Cast { span, .. } => *span,
        }
    }

    /// The expression inside any number of parentheses.
    pub fn unnested(&self) -> &Expr {
        let mut e = self;
        while let Expr::Nested { expr, .. } = e {
            e = expr;
        }
        e
    }
}

impl Drop for Expr {
    fn drop(&mut self) {
        crate::depth::drop_binary_chain(self);
    }
}

impl TableRef {
    /// Where the table reference is.
    pub fn span(&self) -> Span {
        match self {
            TableRef::Table { span, .. }
            | TableRef::Derived { span, .. }
            | TableRef::Nested { span, .. } => *span,
            TableRef::Join(join) => join.span,
        }
    }
}

impl SetExpr {
    /// Where the set expression is.
    pub fn span(&self) -> Span {
        match self {
            SetExpr::Select(s) => s.span,
            SetExpr::Nested(q) => q.span,
            SetExpr::SetOperation(op) => op.span,
        }
    }
}
