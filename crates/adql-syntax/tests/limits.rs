//! Large and hostile input: a 1 MB query of ordinary shape parses in time linear
//! in its size; the size limit gives a clear error.

use std::time::{Duration, Instant};

use adql_syntax::{parse_query, validate, ParseLimits, ValidateOptions};

/// A query of `n` OR'ed predicates, about 200 bytes each.
fn many_predicates(n: usize) -> String {
    let predicates: Vec<String> = (0..n)
        .map(|i| {
            format!(
                "(s_ra BETWEEN {i}.25 AND {i}.75 AND s_dec > -32.{i} AND obs_id = 'DC2-4431-17-{i:06}' AND CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', {i}.5, -32.5, 0.1)) = 1)"
            )
        })
        .collect();
    format!(
        "SELECT obs_id FROM ivoa.ObsCore WHERE {}",
        predicates.join("\nOR ")
    )
}

fn best_of_three(q: &str) -> Duration {
    (0..3)
        .map(|_| {
            let t = Instant::now();
            let v = validate(q, &ValidateOptions::default());
            assert!(v.is_valid());
            t.elapsed()
        })
        .min()
        .unwrap()
}

#[test]
fn a_megabyte_of_ordinary_query_parses_in_linear_time() {
    let small = many_predicates(1_500);
    let large = many_predicates(6_000);
    assert!(large.len() > 1_000_000, "{} bytes", large.len());
    let t_small = best_of_three(&small);
    let t_large = best_of_three(&large);
    println!(
        "{} bytes: {t_small:?}; {} bytes: {t_large:?}",
        small.len(),
        large.len()
    );
    // Four times the input may take at most ~8 times as long (noise, caches), not 16.
    assert!(
        t_large < t_small * 8 + Duration::from_millis(50),
        "not linear: {t_small:?} then {t_large:?}"
    );
    assert!(t_large < Duration::from_secs(5), "too slow: {t_large:?}");
}

#[test]
fn input_over_the_limit_is_refused_with_a_clear_error() {
    let q = many_predicates(100);
    let limits = ParseLimits {
        max_bytes: 1_000,
        ..ParseLimits::default()
    };
    let err = parse_query(&q, limits).unwrap_err();
    assert_eq!(err.code, "query-too-large");
    assert!(
        err.message.contains("limit is 1000 bytes"),
        "{}",
        err.message
    );
    let default = ParseLimits::default();
    assert_eq!(default.max_bytes, 16 * 1024 * 1024);
}

/// Runs `f` on a thread with a small stack (as a server's worker might have):
/// a walk that recursed once per term of a long chain would overflow it.
fn on_small_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(f)
        .expect("thread")
        .join()
        .expect("no stack overflow")
}

/// One term of a generated chain and the operator after it.
fn chain_query(terms: &[(u8, u8)]) -> String {
    let mut condition = String::new();
    let mut value = String::new();
    for (i, (kind, op)) in terms.iter().enumerate() {
        let term = match kind % 4 {
            0 => format!("obs_id = 'x{i}'"),
            1 => format!("s_ra < {i}"),
            2 => format!("{i} >= s_dec"),
            _ => format!("(s_fov <> {i}.5)"),
        };
        if i > 0 {
            condition.push_str(if op % 2 == 0 { " OR " } else { " AND " });
            value.push_str(["+", "-", "*", "/", "||"][usize::from(*op) % 5]);
        }
        condition.push_str(&term);
        value.push_str(&format!("s_ra{}", i % 3));
    }
    format!("SELECT {value} AS v FROM ivoa.ObsCore WHERE {condition}")
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 24, ..Default::default() })]

    /// Long flat chains of AND/OR and of + - * / ||: the query is checked and
    /// printed, and what is printed parses and prints the same; or it is refused
    /// as too deep. Never a crash, on a 2 MiB stack.
    #[test]
    fn long_flat_chains_are_checked_or_refused(
        terms in proptest::collection::vec((0u8..4, 0u8..10), 1..30_000),
    ) {
        let q = chain_query(&terms);
        let (valid, refused, reprinted) = on_small_stack(move || {
            let v = validate(&q, &ValidateOptions::default());
            let refused = v.diagnostics.iter().any(|d| d.code == "expression-too-deep");
            let reprinted = v.query.as_ref().map(|tree| {
                // Spans differ (the printer spaces operators): compare the texts.
                let text = tree.to_string();
                parse_query(&text, ParseLimits::default()).map(|t| t.to_string()) == Ok(text)
            });
            (v.is_valid(), refused, reprinted)
        });
        proptest::prop_assert!(valid || refused);
        if valid {
            proptest::prop_assert_eq!(reprinted, Some(true));
        }
    }
}

#[test]
fn hundred_thousand_term_chains_parse_shallow_or_are_refused() {
    let n = 100_000;
    let chain = |term: &str, op: &str| vec![term; n].join(op);
    for (query, ok) in [
        (
            format!("SELECT a FROM t WHERE {}", chain("a = 'x'", " OR ")),
            true,
        ),
        (
            format!("SELECT a FROM t WHERE {}", chain("a > 1", " AND ")),
            true,
        ),
        (format!("SELECT {} FROM t", chain("'a'", " || ")), true),
        (format!("SELECT {} FROM t", chain("a", " + ")), false),
        (format!("SELECT {} FROM t", chain("2", " * ")), false),
    ] {
        let (valid, codes, printed) = on_small_stack(move || {
            let v = validate(&query, &ValidateOptions::default());
            let printed = v.query.as_ref().map(|q| q.to_string().len());
            let codes: Vec<&'static str> = v.diagnostics.iter().map(|d| d.code).collect();
            (v.is_valid(), codes, printed)
        });
        assert_eq!(valid, ok, "{codes:?}");
        if !ok {
            assert_eq!(codes, ["expression-too-deep"]);
        } else {
            assert!(printed.unwrap() > n);
        }
    }
}
