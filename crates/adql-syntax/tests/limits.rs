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
