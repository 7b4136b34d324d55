//! Runs every query of the IVOA lyonetia suite (gavo, roe) and of queryparser's
//! cases, read in place from `../shared/conformance`, and asserts that each is
//! accepted or rejected as labelled. A missing corpus fails the test: nothing is
//! skipped silently.

use std::path::PathBuf;

use adql_syntax::{validate, CheckOptions, FunctionSignature, ValidateOptions, TYPE_ERRORS};
use quick_xml::events::Event;
use quick_xml::Reader;

/// The shared folder: `$ADQL_SHARED_DIR`, or `../shared` beside the checkout.
fn shared_dir() -> PathBuf {
    std::env::var_os("ADQL_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
}

struct Case {
    origin: String,
    query: String,
    valid: bool,
    udfs: Vec<String>,
}

/// Reads the `<query>` elements of one lyonetia file.
fn lyonetia_cases(path: &std::path::Path) -> Vec<Case> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = Reader::from_str(&text);
    let mut cases = Vec::new();
    let mut udfs = Vec::new();
    let mut valid = None;
    let mut element = String::new();
    let mut buffer = String::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                element = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                buffer.clear();
                if element == "query" {
                    udfs.clear();
                }
                if element == "adql" {
                    valid = e
                        .try_get_attribute("valid")
                        .expect("attribute")
                        .map(|a| a.value.as_ref() == b"true");
                }
            }
            Event::Text(t) => buffer.push_str(&t.decode().expect("text")),
            Event::CData(t) => buffer.push_str(&String::from_utf8_lossy(&t)),
            Event::GeneralRef(r) => {
                let name = String::from_utf8_lossy(&r);
                buffer.push_str(match name.as_ref() {
                    "lt" => "<",
                    "gt" => ">",
                    "amp" => "&",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("unknown entity {other}"),
                });
            }
            Event::End(e) => {
                match e.name().as_ref() {
                    b"form" => udfs.push(buffer.trim().to_string()),
                    b"adql" => cases.push(Case {
                        origin: format!("{}#{}", path.display(), cases.len() + 1),
                        query: buffer.clone(),
                        valid: valid.expect("valid attribute"),
                        udfs: udfs.clone(),
                    }),
                    _ => {}
                }
                buffer.clear();
                element.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    cases
}

fn queryparser_cases(path: &std::path::Path) -> Vec<Case> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, line)| {
            let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
            Case {
                origin: format!("{}:{}", path.display(), n + 1),
                query: v["adql"].as_str().expect("adql").to_string(),
                valid: v["valid"].as_bool().expect("valid"),
                udfs: Vec::new(),
            }
        })
        .collect()
}

fn all_cases() -> Vec<Case> {
    let root = shared_dir().join("conformance");
    assert!(
        root.is_dir(),
        "the conformance corpus is missing at {}; set ADQL_SHARED_DIR",
        root.display()
    );
    let mut cases = Vec::new();
    for subset in ["gavo", "roe"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("lyonetia").join(subset))
            .expect("lyonetia folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "xml"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no lyonetia files in {subset}");
        for f in files {
            cases.extend(lyonetia_cases(&f));
        }
    }
    cases.extend(queryparser_cases(
        &root.join("queryparser/adql_cases.jsonl"),
    ));
    cases
}

#[test]
fn every_conformance_query_is_judged_as_labelled() {
    let cases = all_cases();
    assert!(
        cases.len() >= 329,
        "expected the whole corpus, found {} queries",
        cases.len()
    );
    let mut wrong = Vec::new();
    let mut typed_out = Vec::new();
    for case in &cases {
        let udfs = case
            .udfs
            .iter()
            .map(|s| FunctionSignature::parse(s).expect("declared UDF"))
            .collect();
        let options = ValidateOptions {
            check: CheckOptions {
                udfs,
                ..CheckOptions::default()
            },
            ..ValidateOptions::default()
        };
        let v = validate(&case.query, &options);
        // The corpus judges form (grammar, arity, conditions where conditions
        // go), not types: it labels `CENTROID(3)` valid. Type errors are
        // counted apart, below.
        let form_errors = v
            .diagnostics
            .iter()
            .filter(|d| d.is_error() && !TYPE_ERRORS.contains(&d.code))
            .count();
        let well_formed = v.query.is_some() && form_errors == 0;
        if case.valid && well_formed && !v.is_valid() {
            typed_out.push(format!(
                "{}\n{}",
                case.query.trim(),
                v.render(&case.query, "query")
            ));
        }
        if well_formed != case.valid {
            wrong.push(format!(
                "{} labelled {}, judged {}:\n{}\n{}",
                case.origin,
                if case.valid { "valid" } else { "invalid" },
                if v.is_valid() { "valid" } else { "invalid" },
                case.query,
                v.render(&case.query, "query")
            ));
        }
    }
    let valid = cases.iter().filter(|c| c.valid).count();
    println!(
        "{} queries ({valid} valid, {} invalid)",
        cases.len(),
        cases.len() - valid
    );
    assert!(
        wrong.is_empty(),
        "{} disagreements:\n\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    // Well-formed queries of the corpus that the type checker rejects: each
    // one a definite mismatch (a number where a geometry must be, …).
    insta::assert_snapshot!("conformance_type_errors", typed_out.join("\n\n"));
}

#[test]
fn every_valid_query_prints_and_parses_back_to_the_same_tree() {
    for case in all_cases().iter().filter(|c| c.valid) {
        let first = adql_syntax::parse(&case.query).expect("valid query parses");
        let printed = first.to_string();
        let second = adql_syntax::parse(&printed).unwrap_or_else(|e| {
            panic!("{}: reprint does not parse: {printed}\n{e:?}", case.origin)
        });
        assert_eq!(
            common::without_spans(&first),
            common::without_spans(&second),
            "{}: {printed}",
            case.origin
        );
        let pretty = format!("{first:#}");
        let third = adql_syntax::parse(&pretty).expect("pretty form parses");
        assert_eq!(common::without_spans(&first), common::without_spans(&third));
    }
}

mod common;
