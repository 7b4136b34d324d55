//! `adql query` over the demo snapshot: formats, MAXREC, errors.

mod common;
use common::{adql, demo_dir};

#[test]
fn query_formats_maxrec_and_errors() {
    let cache = std::env::temp_dir().join(format!("adql-cli-query-{}", std::process::id()));
    let seed = "SELECT * FROM ivoa.ObsCore WHERE dataproduct_type = 'image' AND obs_collection = 'LSST.DP02' AND dataproduct_subtype = 'lsst.deepCoadd_calexp' AND CONTAINS(POINT('ICRS', 55.74673760481304, -32.286155241413624), s_region)=1";
    let table = adql(&["query", "--format", "table", seed], &cache);
    assert_eq!(
        table.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&table.stderr)
    );
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("(6 rows)"), "{text}");

    let csv = adql(&["query", "--format", "csv", "SELECT lsst_band, COUNT(*) AS n FROM ivoa.ObsCore WHERE lsst_tract = 4431 AND lsst_patch = 17 GROUP BY lsst_band ORDER BY lsst_band"], &cache);
    let text = String::from_utf8_lossy(&csv.stdout).to_string();
    assert_eq!(text, "lsst_band,n\ng,2\ni,2\nr,2\nu,2\ny,2\nz,2\n");

    let json = adql(
        &[
            "query",
            "--format",
            "json",
            "SELECT TOP 1 calib_level, s_ra FROM ivoa.ObsCore WHERE obs_id = 'DC2-4431-17'",
        ],
        &cache,
    );
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(value[0]["calib_level"], 3);
    assert!(value[0]["s_ra"].is_f64());

    let vot = adql(
        &[
            "query",
            "--format",
            "votable",
            "--maxrec",
            "5",
            "SELECT obs_id, s_region FROM ivoa.ObsCore",
        ],
        &cache,
    );
    let text = String::from_utf8_lossy(&vot.stdout);
    assert!(
        text.contains("value=\"OVERFLOW\"") && text.contains("xtype=\"adql:REGION\""),
        "{text}"
    );
    assert!(String::from_utf8_lossy(&vot.stderr).contains("--maxrec 5"));

    let bad = adql(&["query", "SELECT s_ra FROM ivoa.ObsCore WHERE"], &cache);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--> <query>:1:"));
    std::fs::remove_dir_all(&cache).ok();
}

#[test]
fn more_tables_with_table_flag() {
    use std::sync::Arc;
    let cache = std::env::temp_dir().join(format!("adql-cli-tables-{}", std::process::id()));
    std::fs::create_dir_all(&cache).unwrap();
    let path = cache.join("stars.parquet");
    let schema = Arc::new(arrow::datatypes::Schema::new(vec![
        arrow::datatypes::Field::new("name", arrow::datatypes::DataType::Utf8, false),
        arrow::datatypes::Field::new("ra", arrow::datatypes::DataType::Float64, false),
        arrow::datatypes::Field::new("dec", arrow::datatypes::DataType::Float64, false),
    ]));
    let batch = arrow::array::RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(arrow::array::StringArray::from(vec!["Vega", "Sirius"])),
            Arc::new(arrow::array::Float64Array::from(vec![279.23, 101.29])),
            Arc::new(arrow::array::Float64Array::from(vec![38.78, -16.72])),
        ],
    )
    .unwrap();
    let mut w =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), schema, None)
            .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let table = format!("my.stars={}", path.display());
    let out = adql(
        &[
            "query",
            "--format",
            "csv",
            "--table",
            &table,
            "SELECT name FROM my.stars WHERE dec < 0",
        ],
        &cache,
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "name\nSirius\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = adql(
        &[
            "query",
            "--format",
            "csv",
            "--table",
            &table,
            "SELECT table_name FROM tap_schema.tables WHERE schema_name = 'my'",
        ],
        &cache,
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "table_name\nmy.stars\n"
    );
    let explain = adql(&["explain", "--analyze", "SELECT obs_id FROM ivoa.ObsCore WHERE CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 55.7, -32.3, 0.2)) = 1"], &cache);
    let text = String::from_utf8_lossy(&explain.stdout);
    assert!(
        text.contains("_healpix") && text.contains("row_groups_pruned"),
        "{text}"
    );
    std::fs::remove_dir_all(&cache).ok();
}

#[test]
fn limits_and_corrupt_files_get_clear_errors() {
    let cache = std::env::temp_dir().join(format!("adql-cli-limits-{}", std::process::id()));
    std::fs::create_dir_all(&cache).unwrap();
    let out = adql(
        &[
            "query",
            "--format",
            "csv",
            "--memory-limit-mib",
            "1",
            "SELECT obs_id, COUNT(*) FROM ivoa.ObsCore GROUP BY obs_id ORDER BY 2 DESC, obs_id",
        ],
        &cache,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Resources exhausted"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = adql(
        &[
            "query",
            "--format",
            "csv",
            "--timeout",
            "0",
            "SELECT a.obs_id FROM ivoa.ObsCore AS a, ivoa.ObsCore AS b WHERE a.s_ra > b.s_ra",
        ],
        &cache,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("longer than --timeout 0 s"));
    // A snapshot whose Parquet file is garbage: the error names the file.
    let demo = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("demo-")
        })
        .expect("the demo snapshot in the cache");
    let broken = cache.join("broken");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::copy(demo.join("snapshot.json"), broken.join("snapshot.json")).unwrap();
    std::fs::write(
        broken.join("part-00000.parquet"),
        b"PAR1 this is not parquet",
    )
    .unwrap();
    let out = adql(
        &[
            "query",
            "--snapshot",
            broken.to_str().unwrap(),
            "SELECT obs_id FROM ivoa.ObsCore",
        ],
        &cache,
    );
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("part-00000.parquet"), "{err}");
    // Each cause said once (DataFusion's messages repeat the errors they wrap).
    assert_eq!(err.matches("Corrupt footer").count(), 1, "{err}");
    // A --table file that is not there.
    let missing = cache.join("missing.parquet");
    let out = adql(
        &[
            "query",
            "--table",
            &format!("my.t={}", missing.display()),
            "SELECT 1 AS one FROM my.t",
        ],
        &cache,
    );
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("missing.parquet") && err.contains("No such file"),
        "{err}"
    );
    assert_eq!(err.matches("No such file").count(), 1, "{err}");
    std::fs::remove_dir_all(&cache).ok();
}

#[test]
fn one_name_one_table() {
    let cache = std::env::temp_dir().join(format!("adql-cli-names-{}", std::process::id()));
    let q = "SELECT COUNT(*) AS n FROM ivoa.ObsCore";
    assert_eq!(
        adql(&["query", "--format", "csv", q], &cache).status.code(),
        Some(0)
    );
    let part = demo_dir(&cache).join("part-00000.parquet");
    let table = format!("ivoa.ObsCore={}", part.display());
    // A --table with the snapshot's table name replaces it, said once.
    let out = adql(&["query", "--format", "csv", "--table", &table, q], &cache);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "n\n150000\n");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("replaces the snapshot's ivoa.ObsCore"),
        "{said}"
    );
    // Two --table options with one name: a usage error naming it.
    let other = format!("user.t={}", part.display());
    let twice = adql(&["query", "--table", &other, "--table", &other, q], &cache);
    assert_eq!(twice.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&twice.stderr).contains("two --table options name user.t"));
    std::fs::remove_dir_all(&cache).ok();
}

#[test]
fn plain_parquet_as_obscore() {
    let cache = std::env::temp_dir().join(format!("adql-cli-plain-{}", std::process::id()));
    let q = "SELECT COUNT(*) AS n FROM ivoa.ObsCore WHERE CONTAINS(POINT('ICRS', 55.74673760481304, -32.286155241413624), s_region) = 1 AND dataproduct_subtype = 'lsst.deepCoadd_calexp'";
    assert_eq!(
        adql(&["query", "--format", "csv", q], &cache).status.code(),
        Some(0)
    );
    let snapshot = demo_dir(&cache);
    let part = snapshot.join("part-00000.parquet");
    // A Parquet file, and a directory of Parquet files without snapshot.json.
    let dir = cache.join("plain");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&part, dir.join("obscore.parquet")).unwrap();
    for source in [part.to_str().unwrap(), dir.to_str().unwrap()] {
        let out = adql(
            &["query", "--format", "csv", "--snapshot", source, q],
            &cache,
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout), "n\n6\n");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(
            said.contains("spatial pruning is off") && said.contains("adql ingest --obscore"),
            "{said}"
        );
        assert_eq!(said.matches("spatial pruning is off").count(), 1);
    }
    // The ObsCore metadata comes from the model by column name.
    let out = adql(
        &[
            "query",
            "--format",
            "votable-td",
            "--snapshot",
            part.to_str().unwrap(),
            "SELECT TOP 1 s_ra FROM ivoa.ObsCore",
        ],
        &cache,
    );
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("ucd=\"pos.eq.ra\" utype=\"obscore:Char.SpatialAxis"));
    // A file lacking mandatory columns is still read, with a warning naming them.
    let small = cache.join("small.parquet");
    let wrote = adql(
        &[
            "query",
            "--format",
            "parquet",
            "-o",
            small.to_str().unwrap(),
            "SELECT obs_id, s_ra, s_dec FROM ivoa.ObsCore",
        ],
        &cache,
    );
    assert_eq!(wrote.status.code(), Some(0));
    let out = adql(
        &[
            "query",
            "--format",
            "csv",
            "--snapshot",
            small.to_str().unwrap(),
            "SELECT COUNT(*) AS n FROM ivoa.ObsCore",
        ],
        &cache,
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "n\n150000\n");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("lacks ObsCore 1.1 mandatory columns: dataproduct_type, calib_level"),
        "{said}"
    );
    std::fs::remove_dir_all(&cache).ok();
}

#[test]
fn star_beside_columns_and_strict() {
    let cache = std::env::temp_dir().join(format!("adql-cli-star-{}", std::process::id()));
    let q = "SELECT TOP 1 obs_id, * FROM ivoa.ObsCore WHERE obs_id = '1234' OR calib_level = 3";
    let out = adql(&["query", "--format", "csv", q], &cache);
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{said}");
    let text = String::from_utf8_lossy(&out.stdout);
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    // obs_id first, then every column of the table (obs_id again among them).
    assert_eq!(header[0], "obs_id");
    assert!(header.len() > 30, "{header:?}");
    assert_eq!(header.iter().filter(|h| h.starts_with("obs_id")).count(), 2);
    // --strict applies to `query` and `explain` as to `validate`.
    for command in ["query", "explain", "validate"] {
        let strict = adql(&[command, "--strict", q], &cache);
        assert_eq!(strict.status.code(), Some(1), "{command}");
        let said = String::from_utf8_lossy(&strict.stderr);
        assert!(
            said.contains("error[star-with-columns]"),
            "{command}: {said}"
        );
    }
    let join = "SELECT COUNT(*) FROM ivoa.ObsCore AS a JOIN TAP_SCHEMA.schemas AS s WHERE a.calib_level = 9";
    assert_eq!(adql(&["query", join], &cache).status.code(), Some(0));
    let strict = adql(&["query", "--strict", join], &cache);
    assert_eq!(strict.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&strict.stderr).contains("error[join-without-condition]"));
    std::fs::remove_dir_all(&cache).ok();
}

#[test]
fn an_empty_csv_has_its_header_and_a_closed_pipe_is_no_error() {
    let cache = std::env::temp_dir().join(format!("adql-cli-pipe-{}", std::process::id()));
    let empty = adql(
        &[
            "query",
            "--format",
            "csv",
            "SELECT obs_id, s_ra FROM ivoa.ObsCore WHERE obs_id = 'no such id'",
        ],
        &cache,
    );
    assert_eq!(empty.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&empty.stdout), "obs_id,s_ra\n");

    // `adql explain … | head -0`: plans far larger than a pipe's buffer, read by nobody.
    let ids: Vec<String> = (0..5000).map(|i| format!("'id-{i}'")).collect();
    let q = format!(
        "SELECT obs_id FROM ivoa.ObsCore WHERE obs_id IN ({})",
        ids.join(", ")
    );
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_adql"))
        .args(["explain", &q])
        .env("ADQL_CACHE_DIR", &cache)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("adql runs");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("adql ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let _ = std::fs::remove_dir_all(&cache);
}
