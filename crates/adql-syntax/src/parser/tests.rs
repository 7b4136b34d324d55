//! Parser unit tests: snapshots of trees and rendered diagnostics, limits, and
//! pathological input.

use super::{parse_query, ParseLimits};
use crate::{validate, ValidateOptions};

fn parse(q: &str) -> crate::ast::Query {
    parse_query(q, ParseLimits::default()).unwrap_or_else(|d| panic!("{}", d.render(q, "q")))
}

/// The rendered diagnostics of an invalid query.
fn errors(q: &str) -> String {
    let v = validate(q, &ValidateOptions::default());
    assert!(!v.is_valid(), "expected {q:?} to be invalid");
    v.render(q, "query")
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    // Run on a thread with a small stack to make sure the limit holds even there.
    let handle = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(|| {
            for depth in [150usize, 10_000] {
                let q = format!("SELECT {}1{} FROM t", "(".repeat(depth), ")".repeat(depth));
                let err = parse_query(&q, ParseLimits::default()).unwrap_err();
                assert_eq!(err.code, "nesting-too-deep");
            }
            let q = format!("SELECT {}1{} FROM t", "(".repeat(90), ")".repeat(90));
            parse_query(&q, ParseLimits::default()).expect("90 levels are fine");
            let q = format!(
                "SELECT a FROM t WHERE {}x IN (1){}",
                "x IN (SELECT a FROM t WHERE ".repeat(5_000),
                ")".repeat(5_000)
            );
            assert_eq!(
                parse_query(&q, ParseLimits::default()).unwrap_err().code,
                "nesting-too-deep"
            );
            let q = format!("SELECT {} 1 FROM t", "- ".repeat(10_000));
            assert_eq!(
                parse_query(&q, ParseLimits::default()).unwrap_err().code,
                "nesting-too-deep"
            );
            let q = format!("SELECT a FROM t WHERE {} a = 1", "NOT ".repeat(10_000));
            assert_eq!(
                parse_query(&q, ParseLimits::default()).unwrap_err().code,
                "nesting-too-deep"
            );
            // A long but ordinary query: checked and printed on this small stack too.
            let q = format!(
                "SELECT a FROM t WHERE {}",
                vec!["a = 1"; 20_000].join(" OR ")
            );
            let v = validate(&q, &ValidateOptions::default());
            assert!(v.is_valid());
            assert_eq!(v.query.unwrap().to_string().len(), q.len());
        })
        .unwrap();
    handle.join().expect("no stack overflow");
}

#[test]
fn size_limit() {
    let limits = ParseLimits {
        max_bytes: 20,
        ..ParseLimits::default()
    };
    let err = parse_query("SELECT a FROM some_long_table", limits).unwrap_err();
    assert_eq!(err.code, "query-too-large");
}

#[test]
fn precedence_of_conditions_and_values() {
    let q =
        parse("SELECT a FROM t WHERE NOT a = 1 OR b = 2 AND c || 'x' LIKE 'y%' AND d + e * f > 1");
    assert_eq!(
        q.to_string(),
        "SELECT a FROM t WHERE NOT a = 1 OR b = 2 AND c || 'x' LIKE 'y%' AND d + e * f > 1"
    );
    let crate::ast::SetExpr::Select(select) = &q.body else {
        panic!("a select")
    };
    let Some(crate::ast::Expr::Binary { op, .. }) = &select.selection else {
        panic!("a binary condition")
    };
    assert_eq!(*op, crate::ast::BinaryOp::Or);
}

#[test]
fn lexical_oddities_from_the_corpus() {
    // A number directly followed by an alias, ORDER BY 2desc, ALL(...) with a glued alias.
    parse("SELECT 89x FROM z");
    parse("select * from bar order   by foo asc, 2desc");
    parse("select all(a+b)X from most,(anything join else3 ON(a BETWEEN(b+and7)AND 4))");
    parse("select * from bar where a='qua' -- cmt\n'tsch'");
}

#[test]
fn errors_point_at_the_right_place() {
    let e = errors("SELECT a\nFROM t\nWHERE a IN (1, 2,)");
    assert!(e.contains("--> query:3:18"), "{e}");
    assert!(e.contains("expected expression, found `)`"), "{e}");
    let e = errors("SELECT x, FROM y");
    assert!(e.contains("expected expression, found keyword FROM"), "{e}");
    let e = errors("SELECT TOP foo FROM x");
    assert!(e.contains("TOP takes a non-negative integer"), "{e}");
}
