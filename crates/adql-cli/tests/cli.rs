//! The `adql` binary end to end: exit codes, diagnostics on stderr, input from an
//! argument, a file or standard input, and the options.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn adql(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_adql"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("adql runs");
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn validate_exit_codes() {
    let ok = adql(&["validate", "SELECT TOP 5 s_ra FROM ivoa.ObsCore"], None);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    assert!(ok.stderr.is_empty());

    let bad = adql(
        &["validate", "SELECT s_ra\nFROM ivoa.ObsCore LIMIT 5"],
        None,
    );
    assert_eq!(bad.status.code(), Some(1));
    let err = text(&bad.stderr);
    assert!(err.contains("--> <query>:2:19"), "{err}");
    assert!(err.contains("^^^^^"), "{err}");
    assert!(err.contains("TOP"), "{err}");

    let usage = adql(&["validate", "--no-such-flag", "SELECT a FROM t"], None);
    assert_eq!(usage.status.code(), Some(2));
    let missing = adql(&["validate", "--file", "/no/such/file.adql"], None);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("cannot read /no/such/file.adql"));
}

#[test]
fn query_from_file_and_stdin() {
    let dir = std::env::temp_dir().join(format!("adql-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("q.adql");
    std::fs::write(&path, "SELECT a\nFROM t\nWHERE CONTAINS(POINT(1, 2), c)").unwrap();
    let out = adql(&["validate", "--file", path.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains(&format!("{}:3:7", path.display())), "{err}");
    assert!(err.contains("= 1"), "{err}");

    let out = adql(&["validate", "-"], Some("SELECT a FROM t"));
    assert_eq!(out.status.code(), Some(0));
    let out = adql(&["fmt"], Some("select a from t where b=1"));
    assert_eq!(text(&out.stdout), "SELECT a\nFROM t\nWHERE b = 1\n");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn parse_prints_the_tree_as_json() {
    let out = adql(&["parse", "SELECT a AS \"A\" FROM t"], None);
    assert_eq!(out.status.code(), Some(0));
    let tree: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let item = &tree["body"]["Select"]["items"][0]["Expr"];
    assert_eq!(item["alias"]["value"], "A");
    assert_eq!(item["alias"]["delimited"], true);
    assert_eq!(item["expr"]["Column"]["span"]["start"], 7);
}

#[test]
fn udf_declarations_features_and_strict() {
    let q = "SELECT eso_intersection(r1, r2) FROM t";
    assert_eq!(adql(&["validate", q], None).status.code(), Some(1));
    let declared = adql(
        &[
            "validate",
            "--udf",
            "eso_intersection(r1 REGION, r2 REGION) -> DOUBLE",
            q,
        ],
        None,
    );
    assert_eq!(
        declared.status.code(),
        Some(0),
        "{}",
        text(&declared.stderr)
    );
    let bad_sig = adql(&["validate", "--udf", "eso_intersection(r1) ->", q], None);
    assert_eq!(bad_sig.status.code(), Some(2));

    let boxq = "SELECT * FROM t WHERE 1 = CONTAINS(POINT(a, b), BOX(1, 2, 3, 4))";
    assert_eq!(adql(&["validate", boxq], None).status.code(), Some(0));
    let off = adql(&["validate", "--disable", "box", boxq], None);
    assert_eq!(off.status.code(), Some(1));
    assert!(text(&off.stderr).contains("unsupported feature BOX"));
    let geo_off = adql(&["validate", "--disable", "geometry", boxq], None);
    assert!(text(&geo_off.stderr).contains("unsupported feature CONTAINS"));
    assert_eq!(
        adql(&["validate", "--disable", "nonsense", boxq], None)
            .status
            .code(),
        Some(2)
    );

    let case = "SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END FROM t";
    assert_eq!(adql(&["validate", case], None).status.code(), Some(0));
    let strict = adql(&["validate", "--strict", case], None);
    assert_eq!(strict.status.code(), Some(1));
    assert!(text(&strict.stderr).contains("extension"));
}

#[test]
fn warnings_do_not_fail_validation() {
    let out = adql(&["validate", "SELECT ivo_foo(1) FROM t"], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).starts_with("warning[unknown-ivo-function]"));
}

#[test]
fn queries_may_begin_with_a_comment() {
    let q = "-- find the coadds\nSELECT TOP 5 s_ra FROM ivoa.ObsCore";
    for command in ["validate", "fmt", "parse"] {
        let out = adql(&[command, q], None);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{command}: {}",
            text(&out.stderr)
        );
    }
    // Options after the query still count; a lone `-` still means standard input.
    assert_eq!(
        adql(&["validate", q, "--strict"], None).status.code(),
        Some(0)
    );
    assert_eq!(adql(&["validate", "-"], Some(q)).status.code(), Some(0));
    // A function name used as a column: both readings are offered.
    let out = adql(&["validate", "SELECT distance FROM stars"], None);
    assert_eq!(out.status.code(), Some(1));
    let said = text(&out.stderr);
    assert!(said.contains("DISTANCE is a function"), "{said}");
    assert!(said.contains("quote it: \"distance\""), "{said}");
}
