//! Generated well-typed queries over the demo's ObsCore: the type checker
//! (with the catalogue's column types) accepts every one, and the engine
//! plans every one it accepts — a planning error there is a bug, since the
//! checker stands between users and DataFusion's own type errors.

use proptest::prelude::*;

fn numeric() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("s_ra".to_string()),
        Just("calib_level".to_string()),
        Just("s_fov".to_string()),
        Just("lsst_visit".to_string()),
        (0u32..1000).prop_map(|n| n.to_string()),
        Just("2.5".to_string()),
        Just("PI()".to_string()),
        Just("AREA(s_region)".to_string()),
        Just("COORD1(CENTROID(s_region))".to_string()),
        Just("DISTANCE(POINT('ICRS', s_ra, s_dec), POINT('ICRS', 55.7, -32.3))".to_string()),
        Just("DISTANCE(s_ra, s_dec, 55.7, -32.3)".to_string()),
        Just("CAST(obs_id AS INTEGER)".to_string()),
        Just("IN_UNIT(s_fov, 'arcsec')".to_string()),
    ];
    leaf.prop_recursive(3, 16, 2, |inner| {
        prop_oneof![
            (
                inner.clone(),
                inner.clone(),
                prop_oneof![Just("+"), Just("-"), Just("*"), Just("/")]
            )
                .prop_map(|(a, b, op)| format!("({a} {op} {b})")),
            inner.clone().prop_map(|a| format!("({a} * '7')")),
            inner.clone().prop_map(|a| format!("-({a})")),
            inner.clone().prop_map(|a| format!("ABS({a})")),
            // Numeric string literals where numbers go convert.
            inner.clone().prop_map(|a| format!("COALESCE({a}, '7')")),
            Just("ABS('-3')".to_string()),
            Just("SQRT('4')".to_string()),
            inner.clone().prop_map(|a| format!("ROUND({a}, 2)")),
            inner.clone().prop_map(|a| format!("FLOOR({a})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("COALESCE({a}, {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("MOD({a}, {b})")),
            inner
                .clone()
                .prop_map(|a| format!("CASE WHEN {a} > 1 THEN {a} ELSE 0 END")),
        ]
    })
}

fn string() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("obs_id".to_string()),
        Just("lsst_band".to_string()),
        Just("dataproduct_subtype".to_string()),
        Just("'abc'".to_string()),
        Just("'a' 'b'".to_string()),
        Just("CAST(calib_level AS VARCHAR)".to_string()),
        Just("COORDSYS(s_region)".to_string()),
    ];
    leaf.prop_recursive(2, 8, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} || {b})")),
            inner.clone().prop_map(|a| format!("({a} || 3)")),
            inner.clone().prop_map(|a| format!("LOWER({a})")),
            inner.clone().prop_map(|a| format!("UPPER({a})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("COALESCE({a}, {b})")),
        ]
    })
}

fn condition() -> impl Strategy<Value = String> {
    let simple = prop_oneof![
        (numeric(), numeric()).prop_map(|(a, b)| format!("{a} < {b}")),
        (string(), string()).prop_map(|(a, b)| format!("{a} = {b}")),
        string().prop_map(|s| format!("{s} LIKE 'a%'")),
        string().prop_map(|s| format!("{s} ILIKE 'A%'")),
        (0u8..4).prop_map(|n| format!("calib_level = '{n}'")),
        numeric().prop_map(|n| format!("{n} BETWEEN '0' AND 10")),
        (string(), string()).prop_map(|(a, b)| format!("{a} IN ('r', {b})")),
        numeric().prop_map(|n| format!("{n} IS NOT NULL")),
        Just(
            "CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 55.7, -32.3, 0.5)) = 1"
                .to_string()
        ),
        Just("INTERSECTS(s_region, POLYGON('ICRS', 55, -33, 56, -33, 56, -32)) = 1".to_string()),
        Just("CONTAINS(POINT('ICRS', 55.7, -32.3), s_region) = 1".to_string()),
    ];
    simple.prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} AND {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} OR {b})")),
            inner.prop_map(|a| format!("NOT ({a})")),
        ]
    })
}

fn query() -> impl Strategy<Value = String> {
    prop_oneof![
        (numeric(), string(), condition()).prop_map(|(n, s, c)| {
            format!("SELECT TOP 5 {n} AS n, {s} AS s FROM ivoa.ObsCore WHERE {c}")
        }),
        (numeric(), string(), condition()).prop_map(|(n, s, c)| {
            format!(
                "SELECT {s} AS s, COUNT(*) AS c, SUM({n}) AS t, MAX({s}) AS m FROM ivoa.ObsCore WHERE {c} GROUP BY {s} ORDER BY c DESC"
            )
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn the_engine_plans_what_the_checker_accepts(q in query()) {
        let (runtime, engine) = demo();
        // Checked with the catalogue's types, lowered, optimised and planned.
        let planned = runtime.block_on(engine.explain(&q, false));
        prop_assert!(planned.is_ok(), "{}\n{:?}", q, planned.err().map(|e| match e {
            adql_engine::EngineError::Query(d) => adql_syntax::render_all(&d, &q, "q"),
            other => other.to_string(),
        }));
    }
}

/// One demo engine for every generated case.
fn demo() -> &'static (tokio::runtime::Runtime, adql_engine::Engine) {
    static DEMO: std::sync::OnceLock<(tokio::runtime::Runtime, adql_engine::Engine)> =
        std::sync::OnceLock::new();
    DEMO.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("typed-plans-cache");
        std::env::set_var("ADQL_CACHE_DIR", &dir);
        let engine = runtime
            .block_on(adql_engine::Engine::demo())
            .expect("demo snapshot");
        (runtime, engine)
    })
}
