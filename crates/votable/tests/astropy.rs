//! astropy (the parser pyvo uses) reads every output of the writer: each
//! serialisation, each type, nulls in every type, NaN beside null, an empty
//! result, OVERFLOW and an error document, with the right dtypes, masks and
//! values. Python comes from `$ADQL_PYTHON` or `.venv/bin/python` at the
//! workspace root (`.ci/run` creates it); without astropy this test fails.

mod common;

use std::path::PathBuf;
use std::process::Command;

use serde_json::{json, Value};
use votable::Serialization;

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("ADQL_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    assert!(
        venv.exists(),
        "astropy is needed: run `bash .ci/run` once, or create .venv with `python3 -m venv .venv && .venv/bin/pip install astropy`, or set ADQL_PYTHON"
    );
    venv
}

fn astropy_reads(files: &[(&str, Vec<u8>)]) -> Value {
    let dir = std::env::temp_dir().join(format!("votable-astropy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut paths = Vec::new();
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        paths.push(path);
    }
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/astropy_read.py");
    let output = Command::new(python())
        .arg(script)
        .args(&paths)
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "astropy failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let all: Value = serde_json::from_slice(&output.stdout).expect("JSON from the script");
    std::fs::remove_dir_all(&dir).ok();
    let mut by_name = serde_json::Map::new();
    for ((name, _), path) in files.iter().zip(&paths) {
        by_name.insert(name.to_string(), all[path.to_str().unwrap()].clone());
    }
    Value::Object(by_name)
}

/// What astropy shows for the kitchen-sink table. astropy masks NaN in float
/// columns as it masks nulls (VOTable lets NaN stand for null), and shows null
/// strings as '' (it does not mask strings).
fn expected_columns(serialization: Serialization) -> Value {
    let odd_text = match serialization {
        // XML 1.0 cannot hold U+0001: TABLEDATA writes U+FFFD; BINARY2 keeps the byte.
        Serialization::TableData => "<&> \"quotes\" 'apostrophes' é ü 日本 \u{FFFD} end",
        Serialization::Binary2 => "<&> \"quotes\" 'apostrophes' é ü 日本 \u{1} end",
    };
    let null_polygon = match serialization {
        Serialization::TableData => json!([]),
        Serialization::Binary2 => Value::Null,
    };
    json!({
        "flag": {"dtype": "bool", "values": [true, false, null]},
        "u8": {"dtype": "uint8", "values": [0, 255, null]},
        "i16": {"dtype": "int16", "values": [-32768, 32767, null]},
        "i32": {"dtype": "int32", "values": [-2147483648i64, 2147483647, null]},
        "i64": {"dtype": "int64", "values": [-9223372036854775807i64, 9223372036854775807i64, null]},
        "f32": {"dtype": "float32", "values": [1.5, null, null]},
        "s_ra": {"dtype": "float64", "values": [55.74673760481304, null, null]},
        "name": {"dtype": "object", "values": ["plain", odd_text, ""]},
        "t_obs": {"dtype": "object", "values": ["2026-11-25T09:00:00.123456", "1970-01-01T00:00:00", ""]},
        "pos": {"dtype": "float64", "values": [[10.5, -20.25], [359.999999, -89.5], [null, null]]},
        "poly": {"dtype": "object", "values": [[10.0, 10.0, 12.0, 10.0, 12.0, 12.0], [359.0, -1.0, 1.0, -1.0, 1.0, 1.0, 359.0, 1.0], null_polygon]},
        "s_region": {"dtype": "object", "values": [
            "POLYGON ICRS 55.514085 -32.322253 55.790197 -32.322253 55.789845 -32.088924 55.514437 -32.088924",
            "CIRCLE ICRS 1 2 3", ""]},
    })
}

#[test]
fn astropy_reads_every_output() {
    let batch = common::kitchen_sink();
    let empty = batch.slice(0, 0);
    // The same rows split across batches: BINARY2's base64 must continue across them.
    let split = [batch.slice(0, 1), batch.slice(1, 2)];
    let files = [
        (
            "tabledata.xml",
            common::write(
                std::slice::from_ref(&batch),
                Serialization::TableData,
                false,
            ),
        ),
        (
            "binary2.xml",
            common::write(std::slice::from_ref(&batch), Serialization::Binary2, false),
        ),
        (
            "binary2_split.xml",
            common::write(&split, Serialization::Binary2, false),
        ),
        (
            "tabledata_overflow.xml",
            common::write(std::slice::from_ref(&batch), Serialization::TableData, true),
        ),
        (
            "binary2_empty.xml",
            common::write(std::slice::from_ref(&empty), Serialization::Binary2, false),
        ),
        (
            "tabledata_empty.xml",
            common::write(&[empty], Serialization::TableData, false),
        ),
        (
            "error.xml",
            votable::write_error_document(
                Vec::new(),
                "column \"x\" does not exist: line 1 < 2 & more",
            )
            .unwrap(),
        ),
    ];
    let seen = astropy_reads(&files);
    for (name, serialization) in [
        ("tabledata.xml", Serialization::TableData),
        ("binary2.xml", Serialization::Binary2),
        ("binary2_split.xml", Serialization::Binary2),
        ("tabledata_overflow.xml", Serialization::TableData),
    ] {
        let file = &seen[name];
        assert_eq!(file["warnings"], json!([]), "{name}: astropy warned");
        assert_eq!(file["rows"], 3, "{name}");
        let expected = expected_columns(serialization);
        for (column, want) in expected.as_object().unwrap() {
            let got = &file["columns"][column];
            assert_eq!(got["dtype"], want["dtype"], "{name} {column}: {got}");
            assert_eq!(got["values"], want["values"], "{name} {column}");
        }
        assert_eq!(file["columns"]["s_ra"]["unit"], "deg");
        let s_ra = &file["fields"]["s_ra"];
        assert_eq!(s_ra["ucd"], "pos.eq.ra");
        assert_eq!(s_ra["description"], "Central right ascension, ICRS <&>");
        assert_eq!(file["fields"]["pos"]["xtype"], "point");
        assert_eq!(file["fields"]["s_region"]["xtype"], "adql:REGION");
        assert_eq!(file["fields"]["t_obs"]["xtype"], "timestamp");
        let infos = file["infos"].as_array().unwrap();
        assert_eq!(infos[0], json!(["QUERY_STATUS", "OK", null]));
        assert_eq!(infos[1][1], "SELECT * FROM t WHERE a < 1 AND b > 'x&y'");
        let overflow = infos
            .iter()
            .any(|i| i[0] == "QUERY_STATUS" && i[1] == "OVERFLOW");
        assert_eq!(overflow, name.contains("overflow"), "{name}: {infos:?}");
    }
    for name in ["binary2_empty.xml", "tabledata_empty.xml"] {
        assert_eq!(seen[name]["rows"], 0, "{name}");
        assert_eq!(seen[name]["columns"]["i64"]["dtype"], "int64");
    }
    let error = &seen["error.xml"];
    assert_eq!(
        error["infos"],
        json!([[
            "QUERY_STATUS",
            "ERROR",
            "column \"x\" does not exist: line 1 < 2 & more"
        ]])
    );
    assert!(error.get("columns").is_none());
}
