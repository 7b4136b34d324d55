//! Queries generated from long lists: an OR of equalities runs as one IN list
//! (the same rows, fast), an AND of inequalities as NOT IN, and a chain
//! DataFusion would recurse through too deeply is refused with a diagnostic.

use std::time::Instant;

use arrow::array::{Array, AsArray, RecordBatch};

mod common;

async fn engine() -> adql_engine::Engine {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("chain-tests-cache");
    std::env::set_var("ADQL_CACHE_DIR", &dir);
    adql_engine::Engine::demo().await.expect("demo snapshot")
}

fn ids(batches: &[RecordBatch]) -> Vec<String> {
    let mut out: Vec<String> = batches
        .iter()
        .flat_map(|b| {
            let column = arrow::compute::cast(b.column(0), &arrow::datatypes::DataType::Utf8)
                .expect("strings");
            let strings = column.as_string::<i32>();
            (0..strings.len())
                .map(|i| strings.value(i).to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    out.sort();
    out
}

/// `n` equalities `obs_id = '…'`, the `known` IDs among made-up ones.
fn id_terms(n: usize, known: &[String], op: &str, joiner: &str) -> String {
    (0..n)
        .map(|i| match known.get(i * known.len() / n) {
            Some(id) if i % (n / known.len()) == 0 => format!("obs_id {op} '{id}'"),
            _ => format!("obs_id {op} 'no-such-id-{i}'"),
        })
        .collect::<Vec<_>>()
        .join(joiner)
}

#[tokio::test]
async fn ten_thousand_equalities_are_one_in_list_with_the_same_rows() {
    let engine = engine().await;
    let known = ids(&common::collect(
        &engine,
        "SELECT DISTINCT obs_id FROM ivoa.ObsCore WHERE dataproduct_subtype = 'lsst.deepCoadd_calexp' AND s_dec > -32",
    )
    .await)
    .into_iter()
    .take(5)
    .collect::<Vec<_>>();
    assert_eq!(known.len(), 5);
    let chain = id_terms(10_000, &known, "=", " OR ");
    let q = format!("SELECT obs_id FROM ivoa.ObsCore WHERE {chain}");
    let started = Instant::now();
    let got = ids(&common::collect(&engine, &q).await);
    let took = started.elapsed();
    let listed = known
        .iter()
        .map(|id| format!("'{id}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let expected = ids(&common::collect(
        &engine,
        &format!("SELECT obs_id FROM ivoa.ObsCore WHERE obs_id IN ({listed})"),
    )
    .await);
    assert!(!expected.is_empty());
    assert_eq!(got, expected);
    println!("10,000-term OR chain: {took:?}");
    // A debug build; the release build answers in a fraction of this (README).
    assert!(took.as_secs_f64() < 10.0, "{took:?}");

    let plans = engine.explain(&q, false).await.expect("explain");
    let lowered = plans.split("== Optimised").next().unwrap();
    assert_eq!(lowered.matches(" IN (").count(), 1, "one IN list");
    assert!(!lowered.contains(" OR "), "no OR left");
}

#[tokio::test]
async fn equalities_group_by_expression_and_the_rest_stays() {
    let engine = engine().await;
    let pairs = [
        // (chain, the same condition written by hand)
        (
            "calib_level = 1 OR calib_level = '2' OR s_dec < -40 OR 3 = calib_level",
            "calib_level IN (1, 2, 3) OR s_dec < -40",
        ),
        (
            "lsst_band <> 'u' AND lsst_band <> 'g' AND s_ra > 50 AND lsst_band <> 'r'",
            "lsst_band NOT IN ('u', 'g', 'r') AND s_ra > 50",
        ),
        (
            "(lsst_band = 'u' OR lsst_band = 'g') AND (calib_level = 2 OR calib_level = 3)",
            "lsst_band IN ('u', 'g') AND calib_level IN (2, 3)",
        ),
    ];
    for (chain, by_hand) in pairs {
        let a = common::count(
            &engine,
            &format!("SELECT obs_id FROM ivoa.ObsCore WHERE {chain}"),
        )
        .await;
        let b = common::count(
            &engine,
            &format!("SELECT obs_id FROM ivoa.ObsCore WHERE {by_hand}"),
        )
        .await;
        assert_eq!(a, b, "{chain}");
        assert!(a > 0, "{chain}");
    }
    // Volatile terms are not merged (each RAND is its own draw), and run.
    common::count(
        &engine,
        "SELECT obs_id FROM ivoa.ObsCore WHERE RAND() < 0.1 OR RAND() < 0.2",
    )
    .await;
}

#[tokio::test]
async fn chains_datafusion_cannot_recurse_through_are_refused() {
    let engine = engine().await;
    let terms = |n: usize, t: &dyn Fn(usize) -> String, op: &str| {
        (0..n).map(t).collect::<Vec<_>>().join(op)
    };
    for q in [
        format!(
            "SELECT obs_id FROM ivoa.ObsCore WHERE {}",
            terms(100_000, &|i| format!("s_ra > {}", i % 360), " AND ")
        ),
        format!(
            "SELECT obs_id FROM ivoa.ObsCore WHERE {}",
            terms(5_000, &|i| format!("s_dec < {i}"), " OR ")
        ),
        format!(
            "SELECT {} FROM ivoa.ObsCore",
            terms(100_000, &|_| "s_ra".into(), " + ")
        ),
    ] {
        match engine.query(&q).await {
            Err(adql_engine::EngineError::Query(d)) => {
                assert_eq!(d[0].code, "expression-too-deep", "{}", d[0].message);
                assert!(d[0].message.contains("1000"), "{}", d[0].message);
            }
            Err(other) => panic!("{other:?}"),
            Ok(_) => panic!("accepted"),
        }
    }
    // 100,000 strings joined by || are a balanced tree: it answers.
    let concat = terms(100_000, &|_| "'a'".into(), " || ");
    let batches = common::collect(
        &engine,
        &format!("SELECT TOP 1 {concat} AS s FROM ivoa.ObsCore"),
    )
    .await;
    let column =
        arrow::compute::cast(batches[0].column(0), &arrow::datatypes::DataType::Utf8).unwrap();
    assert_eq!(column.as_string::<i32>().value(0).len(), 100_000);
}
