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
