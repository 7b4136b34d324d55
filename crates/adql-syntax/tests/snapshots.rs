//! `insta` snapshots: syntax trees of representative queries, and the rendered
//! diagnostics of each targeted hint.

use adql_syntax::{
    validate, CheckOptions, Feature, FeatureSet, FunctionSignature, ValidateOptions,
};

fn tree(q: &str) -> serde_json::Value {
    let v = validate(q, &ValidateOptions::default());
    assert!(v.is_valid(), "{}", v.render(q, "query"));
    serde_json::to_value(v.query.unwrap()).unwrap()
}

fn rendered(q: &str, options: &ValidateOptions) -> String {
    let v = validate(q, options);
    assert!(!v.is_valid(), "expected an error for {q:?}");
    format!("{q}\n\n{}", v.render(q, "query"))
}

fn strict() -> ValidateOptions {
    ValidateOptions {
        check: CheckOptions {
            strict: true,
            ..CheckOptions::default()
        },
        ..ValidateOptions::default()
    }
}

fn diagnostics(q: &str) -> String {
    rendered(q, &ValidateOptions::default())
}

#[test]
fn ast_seed_contains_query() {
    insta::assert_json_snapshot!(tree(
        "SELECT * FROM ivoa.ObsCore\nWHERE dataproduct_type = 'image'\nAND CONTAINS(POINT('ICRS', 55.74673760481304, -32.286155241413624), s_region)=1"
    ));
}

#[test]
fn ast_joins_and_grouping() {
    insta::assert_json_snapshot!(tree(
        "SELECT TOP 10 o.obs_id, COUNT(DISTINCT t.\"Band\") AS n FROM ivoa.ObsCore AS o LEFT JOIN tap_upload.t AS t ON o.obs_id = t.id NATURAL JOIN x JOIN y USING (a) GROUP BY o.obs_id HAVING COUNT(*) > 1 ORDER BY 2 DESC OFFSET 5"
    ));
}

#[test]
fn ast_set_operations_intersect_binds_tighter() {
    insta::assert_json_snapshot!(tree(
        "SELECT a FROM t1 UNION ALL SELECT a FROM t2 INTERSECT SELECT a FROM t3 EXCEPT (SELECT a FROM t4)"
    ));
}

#[test]
fn ast_with_case_cast_and_geometry() {
    insta::assert_json_snapshot!(tree(
        "WITH q AS (SELECT s_ra AS ra, s_dec AS dec FROM ivoa.ObsCore) SELECT CASE WHEN ra > 180 THEN ra - 360 ELSE ra END, CAST(dec AS DOUBLE PRECISION), DISTANCE(POINT(ra, dec), POINT('ICRS', 0, 0)), POLYGON(NULL, 1, 2, 3, 4, 5, 6) FROM q WHERE 1 = INTERSECTS(CIRCLE(ra, dec, 0.5), BOX('ICRS', 10, 20, 1, 2))"
    ));
}

#[test]
fn canonical_printing() {
    let q = "select distinct top 5 a as \"A\", t.* , -(-b) from s.t t where not a<>1 and (b!=2 or c between 1 and 2) and d not in (1,'x') and e ilike 'x%' and f is not null and exists (select 1 from u) order by 1 desc";
    let v = validate(q, &ValidateOptions::default());
    assert!(v.is_valid(), "{}", v.render(q, "q"));
    let query = v.query.unwrap();
    insta::assert_snapshot!(format!("{query}\n\n{query:#}"));
}

#[test]
fn hint_reserved_word_as_identifier() {
    insta::assert_snapshot!(diagnostics("SELECT size, dec FROM tap_schema.columns"));
}

#[test]
fn hint_limit_instead_of_top() {
    insta::assert_snapshot!(diagnostics("SELECT s_ra FROM ivoa.ObsCore LIMIT 10"));
}

#[test]
fn hint_typographic_quotes() {
    insta::assert_snapshot!(diagnostics(
        "SELECT * FROM ivoa.ObsCore WHERE lsst_band = ‘i’"
    ));
}

#[test]
fn hint_unicode_minus() {
    insta::assert_snapshot!(diagnostics("SELECT * FROM t WHERE dec < −30"));
}

#[test]
fn hint_missing_comparison_after_contains() {
    insta::assert_snapshot!(diagnostics(
        "SELECT * FROM ivoa.ObsCore\nWHERE CONTAINS(POINT('ICRS', 55.7, -32.3), s_region)"
    ));
}

#[test]
fn hint_unbalanced_parentheses() {
    insta::assert_snapshot!(diagnostics("SELECT * FROM t WHERE (a > 1 AND (b < 2)"));
    insta::assert_snapshot!(diagnostics("SELECT * FROM t WHERE a > 1)"));
}

#[test]
fn hint_misspelt_function() {
    insta::assert_snapshot!(diagnostics(
        "SELECT DISTNCE(POINT(1, 2), POINT(3, 4)) FROM t"
    ));
}

#[test]
fn hint_misspelt_keyword() {
    insta::assert_snapshot!(diagnostics("SELECR a FROM t"));
    insta::assert_snapshot!(diagnostics("SELECT a FORM t"));
    insta::assert_snapshot!(diagnostics("SELECT a FROM t WHERE a = 1 ORDR BY a"));
}

#[test]
fn syntax_errors_say_what_was_expected() {
    insta::assert_snapshot!(diagnostics("SELECT a FROM"));
    insta::assert_snapshot!(diagnostics("SELECT * FROM t WHERE x IN (1, 2,)"));
    insta::assert_snapshot!(diagnostics("SELECT * FROM t WHERE PI == 3"));
    insta::assert_snapshot!(diagnostics("SELECT * FROM t WHERE a IS None"));
    insta::assert_snapshot!(diagnostics("SELECT 'unfinished FROM t"));
}

#[test]
fn structural_checks() {
    insta::assert_snapshot!(diagnostics("SELECT * FROM (SELECT a FROM t)"));
    insta::assert_snapshot!(diagnostics(
        "SELECT * FROM t WHERE a IN (WITH q AS (SELECT 1 FROM u) SELECT * FROM q)"
    ));
    insta::assert_snapshot!(diagnostics("SELECT TOP -1 a FROM t"));
    insta::assert_snapshot!(diagnostics("SELECT a FROM t OFFSET 1.5"));
    insta::assert_snapshot!(diagnostics("SELECT CAST(a AS FLOAT) FROM t"));
    insta::assert_snapshot!(diagnostics("SELECT a.b.c.d.e FROM t"));
    insta::assert_snapshot!(rendered("SELECT a, * FROM t", &strict()));
    insta::assert_snapshot!(diagnostics("SELECT a FROM t WHERE a"));
    insta::assert_snapshot!(diagnostics("SELECT a = 1 FROM t"));
    insta::assert_snapshot!(diagnostics("SELECT (SELECT 1 FROM u) FROM t"));
}

#[test]
fn extensions_accepted_by_default_and_reported_under_strict() {
    for q in [
        "SELECT *, a FROM t",
        "SELECT a, b, * FROM t",
        "SELECT * FROM a JOIN b",
        "SELECT * FROM a LEFT OUTER JOIN b",
    ] {
        let lenient = validate(q, &ValidateOptions::default());
        assert!(lenient.is_valid(), "{}", lenient.render(q, "query"));
        assert!(!validate(q, &strict()).is_valid(), "--strict accepted {q}");
    }
    for q in [
        "SELECT t.*, a FROM t",
        "SELECT * FROM a NATURAL JOIN b",
        "SELECT * FROM a JOIN b USING (x)",
    ] {
        let v = validate(q, &strict());
        assert!(v.is_valid(), "{}", v.render(q, "query"));
    }
    insta::assert_snapshot!(rendered(
        "SELECT * FROM a JOIN b WHERE a.x = b.x",
        &strict()
    ));
    let tree = adql_syntax::parse("SELECT a, *, b FROM t").unwrap();
    assert_eq!(tree.to_string(), "SELECT a, *, b FROM t");
}

#[test]
fn geometry_checks() {
    insta::assert_snapshot!(diagnostics("SELECT POINT('ICRS', 1, 2) || 'x' FROM t"));
    insta::assert_snapshot!(diagnostics(
        "SELECT POLYGON('ICRS', 1, 2, 3, 4, 5, 6, 7) FROM t"
    ));
    insta::assert_snapshot!(diagnostics(
        "SELECT POLYGON(POINT(1, 2), 3, 4, POINT(5, 6)) FROM t"
    ));
    insta::assert_snapshot!(diagnostics("SELECT CIRCLE('ICRS', 1, 2) FROM t"));
    insta::assert_snapshot!(diagnostics("SELECT DISTANCE(1, 2, 3) FROM t"));
    insta::assert_snapshot!(diagnostics(
        "SELECT ROUND(a, b), IN_UNIT(a, b), REGION(a) FROM t"
    ));
}

#[test]
fn functions_and_features() {
    insta::assert_snapshot!(diagnostics("SELECT eso_intersection(a, b) FROM t"));
    insta::assert_snapshot!(diagnostics("SELECT ivo_hasword(a) FROM t"));
    let declared = ValidateOptions {
        check: CheckOptions {
            udfs: vec![FunctionSignature::parse(
                "eso_intersection(r1 REGION, r2 REGION) -> DOUBLE",
            )
            .unwrap()],
            ..CheckOptions::default()
        },
        ..ValidateOptions::default()
    };
    assert!(validate("SELECT eso_intersection(a, b) FROM t", &declared).is_valid());
    insta::assert_snapshot!(rendered("SELECT eso_intersection(a) FROM t", &declared));
    let mut features = FeatureSet::all();
    features
        .disable(Feature::Box)
        .disable(Feature::Sets)
        .disable(Feature::String);
    let restricted = ValidateOptions {
        check: CheckOptions {
            features,
            ..CheckOptions::default()
        },
        ..ValidateOptions::default()
    };
    insta::assert_snapshot!(rendered(
        "SELECT LOWER(a) FROM t WHERE 1 = CONTAINS(POINT(a, b), BOX(1, 2, 3, 4)) UNION SELECT b FROM u",
        &restricted
    ));
    let strict = ValidateOptions {
        check: CheckOptions {
            strict: true,
            ..CheckOptions::default()
        },
        ..ValidateOptions::default()
    };
    assert!(validate(
        "SELECT CASE WHEN a > 1 THEN 'x' END FROM t",
        &ValidateOptions::default()
    )
    .is_valid());
    insta::assert_snapshot!(rendered(
        "SELECT CASE WHEN a > 1 THEN 'x' END FROM t",
        &strict
    ));
}

#[test]
fn unknown_ivo_functions_are_accepted_with_a_warning() {
    let q = "SELECT ivo_foo(6) || 9 FROM y";
    let v = validate(q, &ValidateOptions::default());
    assert!(v.is_valid());
    insta::assert_snapshot!(v.render(q, "query"));
}
