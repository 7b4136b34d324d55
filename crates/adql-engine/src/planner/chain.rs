//! Chains of one associative operator (`AND`, `OR`, `||`), lowered flat.
//!
//! Archives' users paste thousands of `obs_id = '…' OR …` terms. Such a chain
//! is lowered from its list of operands, never by recursing along it: an OR of
//! equalities between one expression and constants becomes an IN list (one
//! hash lookup a row rather than a test a term), an AND of inequalities a NOT
//! IN list, and what remains a balanced tree. DataFusion's optimiser takes
//! conjunctions and disjunctions apart and rebuilds them leaning left, and
//! evaluates them by recursion, so [`evaluation_depth`] measures what it will
//! recurse through and the planner refuses a chain deeper than the limit.

use std::collections::HashMap;

use adql_syntax::ast::{BinaryOp, Expr as Ast};
use datafusion::common::DFSchema;
use datafusion::logical_expr::expr::InList;
use datafusion::logical_expr::{binary_expr, BinaryExpr, Expr, Operator};

use super::relation::Scope;
use super::Planner;
use crate::error::{EngineError, Result};

/// The operands of the chain of `op` that `e` heads, left to right, looking
/// through parentheses (the operator being associative, they change nothing).
pub(super) fn operands(op: BinaryOp, e: &Ast) -> Vec<&Ast> {
    let mut out = Vec::new();
    let mut pending = vec![e];
    while let Some(e) = pending.pop() {
        match e.unnested() {
            Ast::Binary {
                op: o, left, right, ..
            } if *o == op => {
                pending.push(right);
                pending.push(left);
            }
            _ => out.push(e),
        }
    }
    out
}

impl Planner<'_> {
    /// Lowers the chain of `op` (`AND`, `OR` or `||`) that `e` heads.
    pub(super) fn chain(
        &self,
        op: BinaryOp,
        e: &Ast,
        scope: &Scope,
        schema: &DFSchema,
    ) -> Result<Expr> {
        let lowered = operands(op, e)
            .into_iter()
            .map(|operand| self.expr(operand, scope, schema))
            .collect::<Result<Vec<_>>>()?;
        let (operator, lists) = match op {
            BinaryOp::Or => (Operator::Or, Some((Operator::Eq, false))),
            BinaryOp::And => (Operator::And, Some((Operator::NotEq, true))),
            _ => (Operator::StringConcat, None),
        };
        let terms = match lists {
            Some((comparison, negated)) => as_lists(lowered, comparison, negated),
            None => lowered,
        };
        let count = terms.len();
        let lowered = balanced(operator, terms);
        let limit = self.max_expression_depth;
        if operator != Operator::StringConcat && evaluation_depth(&lowered) > limit {
            let word = if op == BinaryOp::And { "AND" } else { "OR" };
            return Err(EngineError::Query(vec![adql_syntax::Diagnostic::error(
                "expression-too-deep",
                format!(
                    "{count} conditions joined by {word}: the engine evaluates at most {limit} \
                     levels of conditions"
                ),
                e.span(),
            )
            .with_note(
                "equalities between one column and values are read as one IN list \
                 (`col IN ('a', 'b', …)`); other long lists of conditions are best \
                 uploaded as a table and joined",
            )]));
        }
        Ok(lowered)
    }
}

/// Where two or more terms compare one expression with constants (`x = c` in
/// an OR, `x <> c` in an AND), one `x [NOT] IN (c, …)` in place of the first
/// of them; the other terms as they were, in their order.
fn as_lists(terms: Vec<Expr>, comparison: Operator, negated: bool) -> Vec<Expr> {
    // Which terms compare which expression with a constant.
    let mut groups: HashMap<&Expr, Vec<usize>> = HashMap::new();
    let keys: Vec<Option<(&Expr, &Expr)>> = terms
        .iter()
        .map(|t| compared_with_constant(t, comparison))
        .collect();
    for (i, key) in keys.iter().enumerate() {
        if let Some((x, _)) = key {
            groups.entry(*x).or_default().push(i);
        }
    }
    let mut list_at: HashMap<usize, Expr> = HashMap::new();
    let mut merged = vec![false; terms.len()];
    for members in groups.values().filter(|m| m.len() >= 2) {
        let (x, _) = keys[members[0]].expect("grouped");
        let values = members
            .iter()
            .map(|&i| keys[i].expect("grouped").1.clone())
            .collect();
        list_at.insert(
            members[0],
            Expr::InList(InList::new(Box::new(x.clone()), values, negated)),
        );
        for &i in members {
            merged[i] = true;
        }
    }
    drop(keys);
    terms
        .into_iter()
        .enumerate()
        .filter_map(|(i, t)| match list_at.remove(&i) {
            Some(list) => Some(list),
            None if merged[i] => None,
            None => Some(t),
        })
        .collect()
}

/// `(x, c)` if `term` is `x op c` or `c op x` with `c` a constant and `x` an
/// expression that gives the same value each time it is evaluated.
fn compared_with_constant(term: &Expr, op: Operator) -> Option<(&Expr, &Expr)> {
    let Expr::BinaryExpr(BinaryExpr { left, op: o, right }) = term else {
        return None;
    };
    if *o != op {
        return None;
    }
    let (x, c) = match (left.as_ref(), right.as_ref()) {
        (x, c @ Expr::Literal(..)) | (c @ Expr::Literal(..), x) => (x, c),
        _ => return None,
    };
    (!matches!(x, Expr::Literal(..)) && !x.is_volatile()).then_some((x, c))
}

/// The terms joined by `op` as a balanced tree (`op` associative).
fn balanced(op: Operator, mut terms: Vec<Expr>) -> Expr {
    if terms.len() == 1 {
        return terms.pop().expect("one term");
    }
    let right = terms.split_off(terms.len().div_ceil(2));
    binary_expr(balanced(op, terms), op, balanced(op, right))
}

/// How deep DataFusion recurses through `e` when it plans and evaluates it:
/// its tree depth, except that a conjunction or disjunction counts as long as
/// it has terms (the optimiser rebuilds them leaning left).
pub(crate) fn evaluation_depth(e: &Expr) -> usize {
    match e {
        Expr::BinaryExpr(BinaryExpr { op, .. }) if matches!(op, Operator::And | Operator::Or) => {
            let mut terms = 0;
            let mut deepest = 0;
            let mut pending = vec![e];
            while let Some(e) = pending.pop() {
                match e {
                    Expr::BinaryExpr(BinaryExpr { left, op: o, right }) if o == op => {
                        pending.push(left);
                        pending.push(right);
                    }
                    other => {
                        terms += 1;
                        deepest = deepest.max(evaluation_depth(other));
                    }
                }
            }
            terms + deepest
        }
        _ => {
            let mut deepest = 0;
            // Children one level down; `apply_children` does not recurse.
            let _ = datafusion::common::tree_node::TreeNode::apply_children(e, |child| {
                deepest = deepest.max(evaluation_depth(child));
                Ok(datafusion::common::tree_node::TreeNodeRecursion::Continue)
            });
            deepest + 1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::logical_expr::{col, lit};

    #[test]
    fn equalities_on_one_column_become_one_in_list() {
        let terms = vec![
            col("a").eq(lit(1)),
            col("b").eq(lit(2)),
            lit(3).eq(col("a")),
            col("a").gt(lit(4)),
            col("b").eq(lit(5)),
        ];
        let out = as_lists(terms, Operator::Eq, false);
        assert_eq!(
            out,
            vec![
                col("a").in_list(vec![lit(1), lit(3)], false),
                col("b").in_list(vec![lit(2), lit(5)], false),
                col("a").gt(lit(4)),
            ]
        );
    }

    #[test]
    fn inequalities_in_an_and_become_not_in() {
        let terms = vec![col("a").not_eq(lit(1)), col("a").not_eq(lit(2))];
        assert_eq!(
            as_lists(terms, Operator::NotEq, true),
            vec![col("a").in_list(vec![lit(1), lit(2)], true)]
        );
    }

    #[test]
    fn a_single_comparison_and_volatile_ones_stay() {
        let random = datafusion::functions::math::expr_fn::random();
        let terms = vec![
            col("a").eq(lit(1)),
            random.clone().eq(lit(0.5)),
            random.clone().eq(lit(0.25)),
        ];
        assert_eq!(as_lists(terms.clone(), Operator::Eq, false), terms);
    }

    #[test]
    fn chains_count_their_terms() {
        let terms: Vec<Expr> = (0..1000).map(|i| col("a").gt(lit(i))).collect();
        let and = balanced(Operator::And, terms);
        assert_eq!(evaluation_depth(&and), 1000 + 2);
        let sum = (0..50).fold(col("a"), |acc, i| acc + lit(i));
        assert_eq!(evaluation_depth(&sum), 51);
    }
}
