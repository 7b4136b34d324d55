//! The typed cases of `testdata/typed_cases.tsv` through `adql query` over the
//! demo: the verdicts the checker gives (exit 0 or 1, the same error code),
//! messages in ADQL's words (never Arrow's or DataFusion's); `--lang
//! ADQL-2.0`; and generated well-typed queries that the engine always plans.

mod common;

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

/// Words that would mean an engine message leaked through.
const INTERNAL: [&str; 6] = [
    "Utf8",
    "Int64",
    "DataFusion",
    "Error during planning",
    "Arrow",
    "coerce",
];

#[test]
fn typed_cases_through_the_engine() {
    let cache = std::env::temp_dir().join(format!("adql-cli-types-{}", std::process::id()));
    let cases = cases();
    assert!(cases.len() >= 60);
    let mut wrong = Vec::new();
    for (verdict, query) in &cases {
        let out = common::adql(
            &["query", "--format", "csv", "--maxrec", "1", query],
            &cache,
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        let code = out.status.code();
        let agrees = if verdict == "ok" {
            code == Some(0)
        } else {
            code == Some(1) && stderr.contains(&format!("error[{verdict}]"))
        };
        if !agrees || INTERNAL.iter().any(|w| stderr.contains(w)) {
            wrong.push(format!("{verdict} (exit {code:?}): {query}\n{stderr}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    std::fs::remove_dir_all(&cache).ok();
}

#[test]
fn lang_20_on_the_command_line() {
    let cache = std::env::temp_dir().join(format!("adql-cli-lang-{}", std::process::id()));
    let q = "SELECT TOP 1 LOWER(obs_id) FROM ivoa.ObsCore";
    let as_20 = common::adql(&["validate", "--lang", "ADQL-2.0", q], &cache);
    assert_eq!(as_20.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&as_20.stderr).contains("LOWER requires ADQL 2.1"));
    let query = common::adql(&["query", "--lang", "ADQL-2.0", q], &cache);
    assert_eq!(query.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&query.stderr).contains("requires ADQL 2.1"));
    assert_eq!(
        common::adql(&["query", "--lang", "ADQL-2.1", q], &cache)
            .status
            .code(),
        Some(0)
    );
    let bad = common::adql(&["validate", "--lang", "ADQL-3", q], &cache);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not an ADQL version"));
    std::fs::remove_dir_all(&cache).ok();
}

/// The engine plans (EXPLAIN) generated well-typed queries: a planning error
/// on a query the checker accepted is a bug. Deterministic, from a fixed seed.
#[test]
fn engine_plans_what_the_checker_accepts() {
    let cache = std::env::temp_dir().join(format!("adql-cli-plans-{}", std::process::id()));
    let numeric = [
        "s_ra",
        "calib_level",
        "s_fov",
        "3",
        "PI()",
        "(s_ra * '7')",
        "ABS(s_dec)",
        "-(s_fov)",
        "ROUND(s_ra, 2)",
        "COALESCE(s_ra, 0)",
        "AREA(s_region)",
        "COORD1(CENTROID(s_region))",
        "DISTANCE(POINT('ICRS', s_ra, s_dec), POINT('ICRS', 1, 2))",
        "CAST(obs_id AS INTEGER)",
        "IN_UNIT(s_fov, 'arcsec')",
        "(calib_level + s_ra)",
        "MOD(lsst_visit, 7)",
    ];
    let string = [
        "obs_id",
        "lsst_band",
        "'abc'",
        "LOWER(obs_id)",
        "UPPER(lsst_band)",
        "(obs_id || lsst_band)",
        "(obs_id || 3)",
        "CAST(calib_level AS VARCHAR)",
        "COALESCE(lsst_band, 'x')",
        "'a' 'b'",
    ];
    let conditions = [
        "{n} < {m}",
        "{s} = {t}",
        "{s} LIKE 'a%'",
        "calib_level = '2'",
        "{n} BETWEEN 0 AND '10'",
        "{s} IN ('r', {t})",
        "CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 55.7, -32.3, 0.5)) = 1",
        "INTERSECTS(s_region, POLYGON('ICRS', 55, -33, 56, -33, 56, -32)) = 1",
        "{s} ILIKE 'A%'",
    ];
    // A small linear congruential generator: the same queries every run.
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut pick = |n: usize| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as usize) % n
    };
    let mut refused = Vec::new();
    for _ in 0..60 {
        let (n, m) = (numeric[pick(numeric.len())], numeric[pick(numeric.len())]);
        let (s, t) = (string[pick(string.len())], string[pick(string.len())]);
        let c = conditions[pick(conditions.len())]
            .replace("{n}", n)
            .replace("{m}", m)
            .replace("{s}", s)
            .replace("{t}", t);
        let q = format!("SELECT TOP 3 {n} AS a, {s} AS b FROM ivoa.ObsCore WHERE {c}");
        let out = common::adql(&["explain", &q], &cache);
        let stdout = String::from_utf8_lossy(&out.stdout);
        if out.status.code() != Some(0) || !stdout.contains("== Physical plan") {
            refused.push(format!("{q}\n{}", String::from_utf8_lossy(&out.stderr)));
        }
    }
    assert!(refused.is_empty(), "{}", refused.join("\n"));
    std::fs::remove_dir_all(&cache).ok();
}
