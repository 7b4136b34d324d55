//! Spatial answers checked against independent values: `spatial_reference.py`
//! writes test points (uniform, plus clusters at the RA 0/360 seam and at both
//! poles) and, with astropy and spherical-geometry, the ids inside each cone,
//! polygon and distance condition, and the pairs of a crossmatch; the engine
//! must find exactly those (points within 1e-9° of a boundary are left out).

use std::collections::BTreeSet;

use arrow::array::AsArray;
use arrow::datatypes::Int64Type;

mod common;

async fn ids(engine: &adql_engine::Engine, q: &str) -> Vec<Vec<i64>> {
    common::collect(engine, q)
        .await
        .iter()
        .flat_map(|b| {
            (0..b.num_rows())
                .map(|i| {
                    b.columns()
                        .iter()
                        .map(|c| c.as_primitive::<Int64Type>().value(i))
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test]
async fn spatial_answers_match_astropy() {
    let dir = std::env::temp_dir().join(format!("adql-engine-spatial-{}", std::process::id()));
    std::env::set_var("ADQL_CACHE_DIR", &dir);
    let expected = common::spatial_reference(&dir);
    let snapshot = obscore::demo::demo_snapshot().unwrap();
    let engine = adql_engine::Engine::with_tables(
        &snapshot,
        &[(
            "test.points".into(),
            dir.join("points.parquet").display().to_string(),
        )],
    )
    .await
    .unwrap();
    let cases = expected["cases"].as_array().unwrap();
    assert!(cases.len() >= 12);
    for case in cases {
        let condition = case["condition"].as_str().unwrap();
        let want: BTreeSet<i64> = case["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        let ambiguous: BTreeSet<i64> = case["ambiguous"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        assert!(
            !want.is_empty(),
            "{condition}: an empty reference is a weak test"
        );
        let got: BTreeSet<i64> = ids(
            &engine,
            &format!("SELECT id FROM test.points WHERE {condition}"),
        )
        .await
        .into_iter()
        .map(|r| r[0])
        .filter(|id| !ambiguous.contains(id))
        .collect();
        let missing: Vec<_> = want.difference(&got).take(5).collect();
        let extra: Vec<_> = got.difference(&want).take(5).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{condition}: missing {missing:?}, extra {extra:?}"
        );
    }
    // The crossmatch: a self-join with CONTAINS(POINT(a), CIRCLE(b, r)) = 1.
    let q = common::crossmatch_query(&expected);
    let got: BTreeSet<(i64, i64)> = ids(&engine, &q)
        .await
        .into_iter()
        .map(|r| (r[0], r[1]))
        .collect();
    assert_eq!(got, common::crossmatch_pairs(&expected));
    std::fs::remove_dir_all(&dir).ok();
}
