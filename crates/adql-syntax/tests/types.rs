//! The type checker: the table of typed cases in `testdata/typed_cases.tsv`
//! (the CLI's tests run the same through the engine), every type diagnostic
//! as a snapshot, ADQL 2.0 mode, and a property: generated well-typed queries
//! are never rejected.

use adql_syntax::ast::ObjectName;
use adql_syntax::functions::ValueKind;
use adql_syntax::{
    validate, validate_typed, CheckOptions, ColumnTypes, Language, TableInScope, ValidateOptions,
};
use proptest::prelude::*;

/// The ObsCore columns the cases use, with their kinds as the catalogue gives them.
struct ObsCore;

const COLUMNS: [(&str, ValueKind); 14] = [
    ("obs_id", ValueKind::String),
    ("obs_publisher_did", ValueKind::String),
    ("lsst_band", ValueKind::String),
    ("dataproduct_subtype", ValueKind::String),
    ("calib_level", ValueKind::Numeric),
    ("lsst_visit", ValueKind::Numeric),
    ("s_ra", ValueKind::Numeric),
    ("s_dec", ValueKind::Numeric),
    ("s_fov", ValueKind::Numeric),
    ("t_min", ValueKind::Numeric),
    ("t_max", ValueKind::Numeric),
    ("em_min", ValueKind::Numeric),
    ("em_max", ValueKind::Numeric),
    ("s_region", ValueKind::Geometry),
];

impl ColumnTypes for ObsCore {
    fn column_kind(&self, tables: &[TableInScope<'_>], column: &ObjectName) -> ValueKind {
        let reads_obscore = tables.iter().any(|t| {
            t.name
                .parts
                .last()
                .is_some_and(|p| p.value.eq_ignore_ascii_case("ObsCore"))
        });
        let name = &column.parts.last().expect("a name").value;
        COLUMNS
            .iter()
            .find(|(c, _)| reads_obscore && c.eq_ignore_ascii_case(name))
            .map_or(ValueKind::Unknown, |(_, k)| *k)
    }
}

fn cases() -> Vec<(String, String)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/typed_cases.tsv"
    );
    std::fs::read_to_string(path)
        .expect("testdata/typed_cases.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (verdict, query) = l.split_once('\t').expect("verdict<TAB>query");
            (verdict.to_string(), query.to_string())
        })
        .collect()
}

#[test]
fn typed_cases_get_their_verdicts() {
    let cases = cases();
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let options = ValidateOptions::default();
    let mut wrong = Vec::new();
    let mut rendered = Vec::new();
    for (verdict, query) in &cases {
        let v = validate_typed(query, &options, &ObsCore);
        let errors: Vec<&str> = v
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.code)
            .collect();
        let ok = if verdict == "ok" {
            errors.is_empty()
        } else {
            errors.first() == Some(&verdict.as_str())
        };
        if !ok {
            wrong.push(format!("{verdict}: {query}\n{}", v.render(query, "q")));
        }
        if verdict != "ok" {
            rendered.push(v.render(query, "q"));
        }
        // Without a catalogue nothing typed by a column is an error, and
        // nothing valid becomes invalid.
        let untyped = validate(query, &options);
        if verdict == "ok" {
            assert!(
                untyped.is_valid(),
                "{query}\n{}",
                untyped.render(query, "q")
            );
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    insta::assert_snapshot!("type_diagnostics", rendered.join("\n"));
}

#[test]
fn declared_functions_are_typed() {
    let options = ValidateOptions {
        check: CheckOptions {
            udfs: vec![
                adql_syntax::FunctionSignature::parse("f(txt VARCHAR) -> VARCHAR").unwrap(),
                adql_syntax::FunctionSignature::parse("g(r REGION, x DOUBLE) -> DOUBLE").unwrap(),
                adql_syntax::FunctionSignature::parse(
                    "ESO_DATEADD_SEC(seconds INTEGER, date TIMESTAMP) -> TIMESTAMP",
                )
                .unwrap(),
            ],
            ..CheckOptions::default()
        },
        ..ValidateOptions::default()
    };
    for (query, wanted) in [
        (
            "SELECT f(123) FROM t",
            Some("f needs a string, but `123` is a number"),
        ),
        (
            "SELECT f(x) * 3 FROM t",
            Some("arithmetic needs a number, but `f(x)` is a string"),
        ),
        ("SELECT f(x) || 'a', LOWER(f('b')) FROM t", None),
        ("SELECT g(CIRCLE('ICRS', 1, 2, 3), 2) + 1 FROM t", None),
        (
            "SELECT g(3, 2) FROM t",
            Some("g needs a geometry, but `3` is a number"),
        ),
        (
            "SELECT g(s_region, 'x') FROM t",
            Some("g needs a number, but `'x'` is a string"),
        ),
        // ESO's published example: an ISO-8601 string is a timestamp, and a
        // non-integral number goes where an INTEGER is declared (SQL converts).
        (
            "SELECT * FROM t WHERE midpoint_date BETWEEN eso_dateadd_sec(-2700.0, '2019-06-06T09:55:27') AND eso_dateadd_sec(2700, '2019-06-06T09:55:27.5Z')",
            None,
        ),
        ("SELECT eso_dateadd_sec(1, '2019-06-06') FROM t", None),
        (
            "SELECT eso_dateadd_sec(1, 'June 6, 2019') FROM t",
            Some("eso_dateadd_sec needs a timestamp, but `'June 6, 2019'` is not an ISO-8601 date"),
        ),
        (
            "SELECT eso_dateadd_sec(1, '2019-02-30') FROM t",
            Some("is not an ISO-8601 date"),
        ),
        (
            "SELECT eso_dateadd_sec('x', '2019-02-03') FROM t",
            Some("eso_dateadd_sec needs a number"),
        ),
        // The IVOA catalogue's signatures: ivo_hasword(VARCHAR, VARCHAR) -> INTEGER.
        (
            "SELECT ivo_hasword(3, 'x') FROM t",
            Some("ivo_hasword needs a string"),
        ),
        (
            "SELECT LOWER(ivo_hasword(a, 'x')) FROM t",
            Some("LOWER needs a string"),
        ),
    ] {
        let v = validate(query, &options);
        let text = v.render(query, "q");
        match wanted {
            None => assert!(v.is_valid(), "{query}: {text}"),
            Some(w) => assert!(!v.is_valid() && text.contains(w), "{query}: {text}"),
        }
    }
}

#[test]
fn adql_20_rejects_what_21_added() {
    let as_20 = ValidateOptions {
        check: CheckOptions {
            language: Language::Adql20,
            ..CheckOptions::default()
        },
        ..ValidateOptions::default()
    };
    let added = [
        ("WITH c AS (SELECT a FROM t) SELECT a FROM c", "WITH"),
        ("SELECT a FROM t ORDER BY a OFFSET 10", "OFFSET"),
        ("SELECT a FROM t UNION SELECT a FROM u", "UNION"),
        ("SELECT a FROM t EXCEPT SELECT a FROM u", "EXCEPT"),
        ("SELECT a FROM t INTERSECT SELECT a FROM u", "INTERSECT"),
        ("SELECT LOWER(a) FROM t", "LOWER"),
        ("SELECT UPPER(a) FROM t", "UPPER"),
        ("SELECT a FROM t WHERE a ILIKE 'x%'", "ILIKE"),
        ("SELECT IN_UNIT(a, 'deg') FROM t", "IN_UNIT"),
        ("SELECT COALESCE(a, 0) FROM t", "COALESCE"),
        ("SELECT CAST(a AS INTEGER) FROM t", "CAST"),
        ("SELECT a, COUNT(*) FROM t GROUP BY a + 1", "GROUP BY an expression"),
        ("SELECT a FROM t ORDER BY a + 1", "ORDER BY an expression"),
        ("SELECT t.a FROM t ORDER BY t.a", "ORDER BY a qualified column name"),
        ("SELECT DISTANCE(1, 2, 3, 4) FROM t", "DISTANCE of four coordinates"),
        ("SELECT POINT(1, 2) FROM t", "POINT without a coordinate system"),
        (
            "SELECT CIRCLE('ICRS', POINT('ICRS', 1, 2), 1) FROM t",
            "CIRCLE with a point as centre",
        ),
        (
            "SELECT POLYGON('ICRS', POINT('ICRS', 1, 2), POINT('ICRS', 2, 2), POINT('ICRS', 2, 3)) FROM t",
            "POLYGON with points as vertices",
        ),
        (
            "SELECT COORD1(CENTROID(CIRCLE('ICRS', 1, 2, 3))) FROM t",
            "COORD1 of a geometry expression",
        ),
    ];
    for (query, what) in added {
        let v = validate(query, &as_20);
        let text = v.render(query, "q");
        assert!(!v.is_valid(), "{query} passed as ADQL 2.0");
        assert!(
            text.contains(what) && text.contains("requires ADQL 2.1"),
            "{query}: {text}"
        );
        assert!(
            validate(query, &ValidateOptions::default()).is_valid(),
            "{query} fails as ADQL 2.1"
        );
    }
    // What 2.0 has stays valid under 2.0.
    for query in [
        "SELECT TOP 10 a, b FROM t WHERE CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 1, 2, 0.5)) = 1 ORDER BY 1 DESC",
        "SELECT t.a, COUNT(*) AS n FROM t GROUP BY t.a ORDER BY n",
        "SELECT DISTANCE(POINT('ICRS', ra, dec), p) FROM t",
        "SELECT COORD1(p), AREA(POLYGON('ICRS', 1, 2, 3, 4, 5, 6)) FROM t",
    ] {
        let v = validate(query, &as_20);
        assert!(v.is_valid(), "{query}\n{}", v.render(query, "q"));
    }
}

/// A generated expression of a known kind, over ObsCore columns.
fn numeric() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("s_ra".to_string()),
        Just("calib_level".to_string()),
        Just("s_fov".to_string()),
        (0u32..1000).prop_map(|n| n.to_string()),
        Just("PI()".to_string()),
    ];
    leaf.prop_recursive(3, 16, 2, |inner| {
        prop_oneof![
            (
                inner.clone(),
                inner.clone(),
                prop_oneof![Just("+"), Just("-"), Just("*")]
            )
                .prop_map(|(a, b, op)| format!("({a} {op} {b})")),
            inner.clone().prop_map(|a| format!("ABS({a})")),
            // A numeric string literal in arithmetic converts.
            inner.clone().prop_map(|a| format!("({a} * '7')")),
            inner.clone().prop_map(|a| format!("-({a})")),
            inner.clone().prop_map(|a| format!("ROUND({a}, 2)")),
            inner.clone().prop_map(|a| format!("COALESCE({a}, 0)")),
            Just("DISTANCE(POINT('ICRS', s_ra, s_dec), POINT('ICRS', 1, 2))".to_string()),
            Just("AREA(s_region)".to_string()),
            Just("COORD1(CENTROID(s_region))".to_string()),
        ]
    })
}

fn string() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("obs_id".to_string()),
        Just("lsst_band".to_string()),
        Just("'abc'".to_string()),
    ];
    leaf.prop_recursive(2, 8, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} || {b})")),
            inner.clone().prop_map(|a| format!("LOWER({a})")),
            inner.clone().prop_map(|a| format!("UPPER({a})")),
            Just("CAST(calib_level AS VARCHAR)".to_string()),
        ]
    })
}

fn condition() -> impl Strategy<Value = String> {
    prop_oneof![
        (numeric(), numeric()).prop_map(|(a, b)| format!("{a} < {b}")),
        (string(), string()).prop_map(|(a, b)| format!("{a} = {b}")),
        string().prop_map(|s| format!("{s} LIKE 'a%'")),
        numeric().prop_map(|n| format!("calib_level = '{}'", n.len() % 4)),
        numeric().prop_map(|n| format!("{n} BETWEEN 0 AND 10")),
        Just(
            "CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 55.7, -32.3, 0.5)) = 1"
                .to_string()
        ),
        Just("INTERSECTS(s_region, POLYGON('ICRS', 55, -33, 56, -33, 56, -32)) = 1".to_string()),
    ]
}

/// A generated well-typed query over ObsCore (the CLI's tests plan the same
/// shapes through the engine).
pub fn well_typed_query() -> impl Strategy<Value = String> {
    (numeric(), string(), condition()).prop_map(|(n, s, c)| {
        format!("SELECT TOP 5 {n} AS n, {s} AS s FROM ivoa.ObsCore WHERE {c}")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn well_typed_queries_are_accepted(q in well_typed_query()) {
        let v = validate_typed(&q, &ValidateOptions::default(), &ObsCore);
        prop_assert!(v.is_valid(), "{}\n{}", q, v.render(&q, "q"));
    }
}
