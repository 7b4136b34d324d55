//! How deep a query's trees go, measured without recursion.
//!
//! Chains of `+ - * /` are left-leaning trees as deep as they are long (their
//! operators are not associative over floating-point numbers, so they cannot
//! be rebalanced as `AND`, `OR` and `||` are). Every later walk — checks,
//! printing, lowering, DataFusion's — recurses through them, so the parser
//! refuses a query whose trees are deeper than a limit, and this walk, being
//! iterative, is safe on any tree the parser can build.

use crate::ast::{Expr, JoinConstraint, Query, Select, SelectItem, SetExpr, TableRef, WhenClause};
use crate::span::Span;

/// One thing still to visit, at its depth in the tree.
enum Node<'q> {
    Query(&'q Query),
    Set(&'q SetExpr),
    Select(&'q Select),
    Table(&'q TableRef),
    Expr(&'q Expr),
}

/// Where the first expression found deeper than `limit` levels (counting
/// from the query) is, or `None` if every tree is within the limit.
pub(crate) fn deeper_than(query: &Query, limit: usize) -> Option<Span> {
    let mut pending: Vec<(Node<'_>, usize)> = vec![(Node::Query(query), 0)];
    while let Some((node, depth)) = pending.pop() {
        if depth > limit {
            if let Node::Expr(e) = node {
                return Some(e.span());
            }
        }
        let next = depth + 1;
        match node {
            Node::Query(q) => {
                pending.extend(q.with.iter().map(|c| (Node::Query(&c.query), next)));
                pending.push((Node::Set(&q.body), next));
                pending.extend(q.order_by.iter().map(|o| (Node::Expr(&o.expr), next)));
            }
            Node::Set(s) => match s {
                SetExpr::Select(select) => pending.push((Node::Select(select), next)),
                SetExpr::Nested(q) => pending.push((Node::Query(q), next)),
                SetExpr::SetOperation(op) => {
                    pending.push((Node::Set(&op.left), next));
                    pending.push((Node::Set(&op.right), next));
                }
            },
            Node::Select(s) => {
                for item in &s.items {
                    if let SelectItem::Expr { expr: e, .. } = item {
                        pending.push(at(e, next));
                    }
                }
                pending.extend(s.from.iter().map(|t| (Node::Table(t), next)));
                pending.extend(s.selection.iter().map(|e| at(e, next)));
                pending.extend(s.group_by.iter().map(|e| at(e, next)));
                pending.extend(s.having.iter().map(|e| at(e, next)));
            }
            Node::Table(t) => match t {
                TableRef::Table { .. } => {}
                TableRef::Derived { query, .. } => pending.push((Node::Query(query), next)),
                TableRef::Nested { inner, .. } => pending.push((Node::Table(inner), next)),
                TableRef::Join(join) => {
                    pending.push((Node::Table(&join.left), next));
                    pending.push((Node::Table(&join.right), next));
                    if let JoinConstraint::On(on) = &join.constraint {
                        pending.push(at(on, next));
                    }
                }
            },
            Node::Expr(e) => match e {
                Expr::Column(_) | Expr::Literal(_) => {}
                Expr::Unary { expr: inner, .. }
                | Expr::Not { expr: inner, .. }
                | Expr::IsNull { expr: inner, .. }
                | Expr::Nested { expr: inner, .. }
                | Expr::Cast { expr: inner, .. } => pending.push(at(inner, next)),
                Expr::Binary { left, right, .. } => {
                    pending.push(at(left, next));
                    pending.push(at(right, next));
                }
                Expr::Between {
                    expr: x, low, high, ..
                } => {
                    pending.push(at(x, next));
                    pending.push(at(low, next));
                    pending.push(at(high, next));
                }
                Expr::InList { expr: x, list, .. } => {
                    pending.push(at(x, next));
                    pending.extend(list.iter().map(|e| at(e, next)));
                }
                Expr::InSubquery { expr: x, query, .. } => {
                    pending.push(at(x, next));
                    pending.push((Node::Query(query), next));
                }
                Expr::Exists { query, .. } => pending.push((Node::Query(query), next)),
                Expr::Like {
                    expr: x, pattern, ..
                } => {
                    pending.push(at(x, next));
                    pending.push(at(pattern, next));
                }
                Expr::Function(f) => pending.extend(f.args.iter().map(|e| at(e, next))),
                Expr::Aggregate(a) => pending.extend(a.arg.iter().map(|e| at(e, next))),
                Expr::Geometry(g) => pending.extend(g.args.iter().map(|e| at(e, next))),
                Expr::Case(c) => {
                    pending.extend(c.operand.iter().map(|e| at(e, next)));
                    for WhenClause {
                        condition, result, ..
                    } in &c.whens
                    {
                        pending.push(at(condition, next));
                        pending.push(at(result, next));
                    }
                    pending.extend(c.else_result.iter().map(|e| at(e, next)));
                }
            },
        }
    }
    None
}

fn at(e: &Expr, depth: usize) -> (Node<'_>, usize) {
    (Node::Expr(e), depth)
}

/// Drops a chain of binary operators without recursing through it: the
/// compiler's drop of a `Box<Expr>` recurses once a level, and a chain as
/// long as the depth limit allows would need more stack than a small thread has.
pub(crate) fn drop_binary_chain(e: &mut Expr) {
    let Expr::Binary { left, right, .. } = e else {
        return;
    };
    if !is_binary(left) && !is_binary(right) {
        return;
    }
    let mut pending = vec![take(left), take(right)];
    while let Some(mut node) = pending.pop() {
        if let Expr::Binary { left, right, .. } = node.as_mut() {
            if is_binary(left) {
                pending.push(take(left));
            }
            if is_binary(right) {
                pending.push(take(right));
            }
        }
        // `node` now holds no chain below it: its drop is shallow.
    }
}

fn is_binary(e: &Expr) -> bool {
    matches!(e, Expr::Binary { .. })
}

/// The box's expression, leaving a leaf in its place.
fn take(slot: &mut Box<Expr>) -> Box<Expr> {
    std::mem::replace(
        slot,
        Box::new(Expr::Literal(crate::ast::Literal {
            value: crate::ast::LiteralValue::Null,
            span: Span::new(0, 0),
        })),
    )
}

#[cfg(test)]
mod tests {
    use crate::{parse_query, ParseLimits};

    fn limits(depth: u32) -> ParseLimits {
        ParseLimits {
            max_expression_depth: depth,
            ..ParseLimits::default()
        }
    }

    #[test]
    fn a_long_sum_is_as_deep_as_it_is_long() {
        let sum = vec!["1"; 200].join(" + ");
        let q = format!("SELECT {sum} FROM t");
        assert!(parse_query(&q, limits(300)).is_ok());
        let err = parse_query(&q, limits(150)).unwrap_err();
        assert_eq!(err.code, "expression-too-deep");
        assert!(err.message.contains("150"), "{}", err.message);
    }

    #[test]
    fn long_and_or_concat_chains_are_shallow() {
        for op in [" AND ", " OR "] {
            let chain = vec!["a = 1"; 100_000].join(op);
            let q = format!("SELECT a FROM t WHERE {chain}");
            parse_query(&q, limits(40)).expect("a balanced chain is 17 levels deep");
        }
        let chain = vec!["'x'"; 100_000].join(" || ");
        parse_query(&format!("SELECT {chain} FROM t"), limits(40)).expect("balanced");
    }

    #[test]
    fn subqueries_and_joins_count_their_depth() {
        let sum = vec!["b"; 60].join(" - ");
        let q = format!(
            "SELECT a FROM t JOIN u ON a IN (SELECT MAX({sum}) FROM v WHERE EXISTS (SELECT 1 FROM w))"
        );
        assert!(parse_query(&q, limits(100)).is_ok());
        assert_eq!(
            parse_query(&q, limits(50)).unwrap_err().code,
            "expression-too-deep"
        );
    }

    #[test]
    fn a_deep_chain_drops_on_a_small_stack() {
        let sum = vec!["1"; 300_000].join("+");
        let q = format!("SELECT {sum} FROM t");
        let query = parse_query(&q, limits(400_000)).expect("within the limit");
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || drop(query))
            .expect("thread")
            .join()
            .expect("dropped without overflowing");
    }
}
