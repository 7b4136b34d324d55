//! Property test: generated syntax trees print as ADQL that parses back to the
//! same tree (spans aside).

use adql_syntax::ast::*;
use adql_syntax::functions::Builtin;
use adql_syntax::keywords::is_reserved;
use adql_syntax::Span;
use proptest::prelude::*;

mod common;

const S: Span = Span::new(0, 0);

// Precedence levels as the printer and parser use them (loosest first).
const OR: u8 = 1;
const AND: u8 = 2;
const NOT: u8 = 3;
const PREDICATE: u8 = 4;
const CONCAT: u8 = 5;
const UNARY: u8 = 8;

fn precedence(e: &Expr) -> u8 {
    match e {
        Expr::Binary { op, .. } => match op {
            BinaryOp::Or => OR,
            BinaryOp::And => AND,
            BinaryOp::Concat => CONCAT,
            BinaryOp::Add | BinaryOp::Sub => 6,
            BinaryOp::Mul | BinaryOp::Div => 7,
            _ => PREDICATE,
        },
        Expr::Not { .. } => NOT,
        Expr::Between { .. } | Expr::InList { .. } | Expr::Like { .. } | Expr::IsNull { .. } => {
            PREDICATE
        }
        Expr::Unary { .. } => UNARY,
        _ => 9,
    }
}

/// Parenthesises `e` where the parser would otherwise read it differently.
fn at_least(e: Expr, min: u8) -> Box<Expr> {
    Box::new(if precedence(&e) < min {
        Expr::Nested {
            expr: Box::new(e),
            span: S,
        }
    } else {
        e
    })
}

fn ident() -> impl Strategy<Value = Ident> {
    prop_oneof![
        "[a-zA-Z][a-zA-Z0-9_]{0,8}"
            .prop_filter("not reserved", |s| !is_reserved(s))
            .prop_map(|value| Ident {
                value,
                delimited: false,
                span: S
            }),
        "[ -~]{1,6}".prop_map(|value| Ident {
            value,
            delimited: true,
            span: S
        }),
    ]
}

fn literal() -> impl Strategy<Value = Expr> {
    prop_oneof![
        "[0-9]{1,6}".prop_map(|t| (t, NumberKind::Integer)),
        "[0-9]{1,3}\\.[0-9]{0,3}".prop_map(|t| (t, NumberKind::Decimal)),
        "\\.[0-9]{1,3}".prop_map(|t| (t, NumberKind::Decimal)),
        "[0-9]{1,2}(\\.[0-9]{1,2})?[eE][+-]?[0-9]{1,2}".prop_map(|t| (t, NumberKind::Real)),
    ]
    .prop_map(|(text, kind)| {
        Expr::Literal(Literal {
            value: LiteralValue::Number { text, kind },
            span: S,
        })
    })
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        3 => prop::collection::vec(ident(), 1..=4)
            .prop_map(|parts| Expr::Column(ObjectName { parts, span: S })),
        2 => literal(),
        1 => "[^\\x00]{0,8}".prop_map(|s| Expr::Literal(Literal { value: LiteralValue::String(s), span: S })),
        1 => Just(Expr::Literal(Literal { value: LiteralValue::Null, span: S })),
    ]
}

fn binary(op: BinaryOp, l: Expr, r: Expr) -> Expr {
    let (lmin, rmin) = match op {
        BinaryOp::Or => (OR, OR + 1),
        BinaryOp::And => (AND, AND + 1),
        BinaryOp::Concat => (CONCAT, CONCAT + 1),
        BinaryOp::Add | BinaryOp::Sub => (6, 7),
        BinaryOp::Mul | BinaryOp::Div => (7, 8),
        _ => (CONCAT, CONCAT),
    };
    Expr::Binary {
        op,
        left: at_least(l, lmin),
        right: at_least(r, rmin),
        span: S,
    }
}

/// A number-like expression that cannot be mistaken for a coordinate system.
fn not_string_or_null(e: Expr) -> Expr {
    match e {
        Expr::Literal(Literal {
            value: LiteralValue::String(_) | LiteralValue::Null,
            ..
        }) => Expr::Literal(Literal {
            value: LiteralValue::Number {
                text: "1".into(),
                kind: NumberKind::Integer,
            },
            span: S,
        }),
        other => other,
    }
}

fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(5, 48, 4, |inner| {
        let ops = prop::sample::select(vec![
            BinaryOp::Add,
            BinaryOp::Sub,
            BinaryOp::Mul,
            BinaryOp::Div,
            BinaryOp::Concat,
            BinaryOp::Eq,
            BinaryOp::NotEq,
            BinaryOp::Lt,
            BinaryOp::Gt,
            BinaryOp::LtEq,
            BinaryOp::GtEq,
            BinaryOp::And,
            BinaryOp::Or,
        ]);
        let builtins = prop::sample::select(
            Builtin::ALL
                .iter()
                .copied()
                .filter(|b| b.arity().0 == b.arity().1)
                .collect::<Vec<_>>(),
        );
        prop_oneof![
            (ops, inner.clone(), inner.clone()).prop_map(|(op, l, r)| binary(op, l, r)),
            (any::<bool>(), inner.clone()).prop_map(|(minus, e)| Expr::Unary {
                op: if minus { UnaryOp::Minus } else { UnaryOp::Plus },
                expr: at_least(e, UNARY),
                span: S,
            }),
            inner.clone().prop_map(|e| Expr::Not {
                expr: at_least(e, NOT),
                span: S
            }),
            inner.clone().prop_map(|e| Expr::Nested {
                expr: Box::new(e),
                span: S
            }),
            (inner.clone(), any::<bool>(), inner.clone(), inner.clone()).prop_map(
                |(e, negated, l, h)| Expr::Between {
                    expr: at_least(e, CONCAT),
                    negated,
                    low: at_least(l, CONCAT),
                    high: at_least(h, CONCAT),
                    span: S,
                }
            ),
            (
                inner.clone(),
                any::<bool>(),
                prop::collection::vec(inner.clone(), 1..4)
            )
                .prop_map(|(e, negated, list)| Expr::InList {
                    expr: at_least(e, CONCAT),
                    negated,
                    list: list.into_iter().map(|v| *at_least(v, CONCAT)).collect(),
                    span: S,
                }),
            (inner.clone(), any::<bool>(), any::<bool>(), inner.clone()).prop_map(
                |(e, negated, ci, p)| Expr::Like {
                    expr: at_least(e, CONCAT),
                    negated,
                    case_insensitive: ci,
                    pattern: at_least(p, CONCAT),
                    span: S,
                }
            ),
            (inner.clone(), any::<bool>()).prop_map(|(e, negated)| Expr::IsNull {
                expr: at_least(e, CONCAT),
                negated,
                span: S
            }),
            (builtins, prop::collection::vec(inner.clone(), 2)).prop_map(|(b, args)| {
                let n = b.arity().0;
                Expr::Function(Box::new(FunctionCall {
                    name: Ident {
                        value: b.name().into(),
                        delimited: false,
                        span: S,
                    },
                    builtin: Some(b),
                    args: args.into_iter().cycle().take(n).collect(),
                    span: S,
                }))
            }),
            ("ivo_[a-z]{1,6}", prop::collection::vec(inner.clone(), 0..3)).prop_map(
                |(name, args)| {
                    Expr::Function(Box::new(FunctionCall {
                        name: Ident {
                            value: name,
                            delimited: false,
                            span: S,
                        },
                        builtin: None,
                        args,
                        span: S,
                    }))
                }
            ),
            (
                prop::sample::select(vec![
                    AggregateFunc::Avg,
                    AggregateFunc::Max,
                    AggregateFunc::Min,
                    AggregateFunc::Sum,
                    AggregateFunc::Count
                ]),
                prop::option::of(prop::sample::select(vec![
                    SetQuantifier::All,
                    SetQuantifier::Distinct
                ])),
                prop::option::of(inner.clone())
            )
                .prop_map(|(func, quantifier, arg)| {
                    let arg = if func == AggregateFunc::Count {
                        arg
                    } else {
                        Some(arg.unwrap_or(Expr::Literal(Literal {
                            value: LiteralValue::Null,
                            span: S,
                        })))
                    };
                    let quantifier = if arg.is_some() { quantifier } else { None };
                    Expr::Aggregate(Box::new(Aggregate {
                        func,
                        quantifier,
                        arg,
                        span: S,
                    }))
                }),
            (
                prop::sample::select(vec![
                    Shape::Point,
                    Shape::Circle,
                    Shape::Box,
                    Shape::Polygon
                ]),
                prop::option::of("[A-Z]{0,5}"),
                prop::collection::vec(inner.clone(), 1..7)
            )
                .prop_map(|(shape, cs, mut args)| {
                    if cs.is_none() {
                        args[0] = not_string_or_null(args[0].clone());
                    }
                    Expr::Geometry(Box::new(GeometryCall {
                        shape,
                        coord_sys: cs.map(|value| CoordSys {
                            value: Some(value),
                            span: S,
                        }),
                        args,
                        span: S,
                    }))
                }),
            (
                inner.clone(),
                prop::sample::select(vec![
                    CastType::Char(None),
                    CastType::Char(Some(5)),
                    CastType::Varchar(Some(20)),
                    CastType::Varchar(None),
                    CastType::Smallint,
                    CastType::Integer,
                    CastType::Bigint,
                    CastType::Real,
                    CastType::DoublePrecision,
                    CastType::Timestamp,
                    CastType::Point,
                    CastType::Circle,
                    CastType::Polygon,
                ])
            )
                .prop_map(|(e, target)| Expr::Cast {
                    expr: Box::new(e),
                    target,
                    span: S
                }),
            (
                prop::option::of(inner.clone()),
                prop::collection::vec((inner.clone(), inner.clone()), 1..3),
                prop::option::of(inner.clone())
            )
                .prop_map(|(operand, whens, else_result)| {
                    let simple = operand.is_some();
                    Expr::Case(Box::new(CaseExpr {
                        operand: operand.map(|o| *at_least(o, CONCAT)),
                        whens: whens
                            .into_iter()
                            .map(|(c, r)| WhenClause {
                                condition: if simple { *at_least(c, CONCAT) } else { c },
                                result: r,
                                span: S,
                            })
                            .collect(),
                        else_result,
                        span: S,
                    }))
                }),
        ]
    })
}

fn query() -> impl Strategy<Value = Query> {
    (
        prop::option::of(prop::sample::select(vec![
            SetQuantifier::All,
            SetQuantifier::Distinct,
        ])),
        prop::option::of(0u64..1_000_000),
        prop::collection::vec((expr(), prop::option::of(ident())), 1..3),
        prop::collection::vec(ident(), 1..3),
        prop::option::of(expr()),
        prop::collection::vec(
            (
                expr(),
                prop::option::of(prop::sample::select(vec![
                    OrderDirection::Asc,
                    OrderDirection::Desc,
                ])),
            ),
            0..2,
        ),
        prop::option::of(0u64..1000),
    )
        .prop_map(
            |(quantifier, top, items, table, selection, order, offset)| Query {
                with: Vec::new(),
                body: SetExpr::Select(Box::new(Select {
                    quantifier,
                    top: top.map(|value| Count { value, span: S }),
                    items: items
                        .into_iter()
                        .map(|(expr, alias)| SelectItem::Expr {
                            expr,
                            alias,
                            span: S,
                        })
                        .collect(),
                    from: vec![TableRef::Table {
                        name: ObjectName {
                            parts: table,
                            span: S,
                        },
                        alias: None,
                        span: S,
                    }],
                    selection,
                    group_by: Vec::new(),
                    having: None,
                    span: S,
                })),
                order_by: order
                    .into_iter()
                    .map(|(expr, direction)| OrderByItem {
                        expr,
                        direction,
                        span: S,
                    })
                    .collect(),
                offset: offset.map(|value| Count { value, span: S }),
                span: S,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn printed_trees_parse_back(q in query()) {
        let printed = q.to_string();
        let parsed = adql_syntax::parse(&printed)
            .map_err(|d| TestCaseError::fail(format!("{printed}\n{}", d.render(&printed, "printed"))))?;
        prop_assert_eq!(common::without_spans(&parsed), common::without_spans(&q), "{}", printed);
        let pretty = format!("{q:#}");
        let parsed = adql_syntax::parse(&pretty).map_err(|d| TestCaseError::fail(d.message))?;
        prop_assert_eq!(common::without_spans(&parsed), common::without_spans(&q));
    }
}
