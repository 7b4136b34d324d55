//! `ingest`: CSV, VOTable and pyarrow-written Parquet in; every bad-input case
//! out with its message (insta); nothing half-written left behind.

use std::path::{Path, PathBuf};

use arrow::array::{AsArray, RecordBatch};
use obscore::generate::{generate, GenerateOptions};
use obscore::ingest::{ingest, IngestOptions};
use obscore::snapshot::Snapshot;

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("obscore-ingest-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Public-column batches of a small generated table.
fn source_rows(dir: &Path) -> Vec<RecordBatch> {
    let snapshot = generate(
        &dir.join("source"),
        &GenerateOptions::new(2_000, 5),
        &mut |_, _| {},
    )
    .unwrap();
    read(&snapshot)
}

fn read(snapshot: &Snapshot) -> Vec<RecordBatch> {
    let public = snapshot.manifest.table.columns.len();
    snapshot
        .files()
        .iter()
        .flat_map(|f| {
            parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
                std::fs::File::open(f).unwrap(),
            )
            .unwrap()
            .build()
            .unwrap()
            .map(move |b| {
                let b = b.unwrap();
                b.project(&(0..public).collect::<Vec<_>>()).unwrap()
            })
        })
        .collect()
}

fn write_csv(path: &Path, batches: &[RecordBatch]) {
    let mut w = arrow::csv::Writer::new(std::fs::File::create(path).unwrap());
    for b in batches {
        w.write(b).unwrap();
    }
}

fn obs_ids(batches: &[RecordBatch]) -> Vec<String> {
    let mut ids: Vec<String> = batches
        .iter()
        .flat_map(|b| {
            let c = b.column_by_name("obs_id").unwrap().as_string::<i32>();
            (0..b.num_rows())
                .map(|i| c.value(i).to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    ids.sort();
    ids
}

fn obscore() -> IngestOptions {
    IngestOptions {
        table: None,
        obscore: true,
        parts: 1,
    }
}

#[test]
fn csv_and_votable_ingest() {
    let dir = temp("good");
    let source = source_rows(&dir);
    let csv = dir.join("obscore.csv");
    write_csv(&csv, &source);
    let snapshot = ingest(&[csv], &dir.join("from-csv"), &obscore(), &mut |_| {}).unwrap();
    assert_eq!(snapshot.manifest.rows, 2_000);
    assert!(snapshot.manifest.sky_sorted);
    assert_eq!(snapshot.manifest.table.qualified_name(), "ivoa.ObsCore");
    let ra = snapshot
        .manifest
        .table
        .columns
        .iter()
        .find(|c| c.name == "s_ra")
        .unwrap();
    assert_eq!(ra.unit.as_deref(), Some("deg"));
    assert_eq!(obs_ids(&read(&snapshot)), obs_ids(&source));

    let vot = dir.join("obscore.xml");
    let mut w = votable::VotableWriter::new(
        std::fs::File::create(&vot).unwrap(),
        &source[0].schema(),
        &votable::WriterOptions::default(),
    )
    .unwrap();
    for b in &source {
        w.write_batch(b).unwrap();
    }
    w.finish(false).unwrap();
    let snapshot = ingest(&[vot], &dir.join("from-votable"), &obscore(), &mut |_| {}).unwrap();
    assert_eq!(obs_ids(&read(&snapshot)), obs_ids(&source));

    // Any table, without ObsCore checks.
    let plain = dir.join("stars.csv");
    std::fs::write(
        &plain,
        "name,ra,dec,mag\nVega,279.23,38.78,0.03\nSirius,101.29,-16.72,-1.46\n",
    )
    .unwrap();
    let snapshot = ingest(
        &[plain],
        &dir.join("stars"),
        &IngestOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(snapshot.manifest.table.qualified_name(), "user.stars");
    assert_eq!(snapshot.manifest.rows, 2);
    assert!(!snapshot.manifest.sky_sorted);
    std::fs::remove_dir_all(dir).ok();
}

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("ADQL_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    assert!(venv.exists(), "pyarrow is needed: run `bash .ci/run` once, or create .venv (see README), or set ADQL_PYTHON");
    venv
}

#[test]
fn parquet_written_by_pyarrow() {
    let dir = temp("pyarrow");
    let source = source_rows(&dir);
    let csv = dir.join("obscore.csv");
    write_csv(&csv, &source);
    let parquet = dir.join("obscore.parquet");
    let script = format!(
        "import pyarrow.csv as c, pyarrow.parquet as p; p.write_table(c.read_csv({:?}), {:?})",
        csv.display().to_string(),
        parquet.display().to_string()
    );
    let out = std::process::Command::new(python())
        .arg("-c")
        .arg(script)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let snapshot = ingest(
        &[parquet],
        &dir.join("from-parquet"),
        &obscore(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(snapshot.manifest.rows, 2_000);
    assert_eq!(obs_ids(&read(&snapshot)), obs_ids(&source));
    std::fs::remove_dir_all(dir).ok();
}

/// The CSV with one cell (or the header) changed.
fn edited(csv: &str, column: &str, row: usize, value: &str) -> String {
    let mut lines: Vec<String> = csv.lines().map(String::from).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let index = header.iter().position(|h| *h == column).unwrap();
    let mut cells: Vec<String> = lines[row].split(',').map(String::from).collect();
    cells[index] = value.to_string();
    lines[row] = cells.join(",");
    lines.join("\n") + "\n"
}

#[test]
fn bad_inputs_are_named_and_leave_nothing_behind() {
    let dir = temp("bad");
    let source = source_rows(&dir);
    let good = dir.join("good.csv");
    write_csv(&good, &source);
    let text = std::fs::read_to_string(&good).unwrap();
    let header = text.lines().next().unwrap().to_string();
    let without_estsize = {
        let index = header
            .split(',')
            .position(|h| h == "access_estsize")
            .unwrap();
        text.lines()
            .map(|l| {
                l.split(',')
                    .enumerate()
                    .filter(|(i, _)| *i != index)
                    .map(|(_, c)| c)
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let cases: Vec<(&str, String)> = vec![
        ("missing mandatory column", without_estsize),
        (
            "calib_level out of range",
            edited(&text, "calib_level", 3, "7"),
        ),
        (
            "dataproduct_type outside the vocabulary",
            edited(&text, "dataproduct_type", 5, "picture"),
        ),
        ("NULL in a not-null column", edited(&text, "obs_id", 7, "")),
        (
            "s_region that is not STC-S",
            edited(&text, "s_region", 9, "POLYGON ICRS 1 2 3 4"),
        ),
        (
            "a number that is not one",
            edited(&text, "s_ra", 11, "north"),
        ),
        (
            "declination out of range",
            edited(&text, "s_dec", 13, "95.5"),
        ),
    ];
    let mut report = String::new();
    for (name, content) in cases {
        let path = dir.join("bad.csv");
        std::fs::write(&path, content).unwrap();
        let target = dir.join("out");
        let err = ingest(&[path], &target, &obscore(), &mut |_| {}).unwrap_err();
        assert!(!target.exists(), "{name}: a snapshot was left behind");
        report.push_str(&format!(
            "{name}:\n  {}\n",
            err.to_string().replace(&dir.display().to_string(), "<dir>")
        ));
    }
    let unknown = dir.join("table.txt");
    std::fs::write(&unknown, "a\n1\n").unwrap();
    let err = ingest(&[unknown], &dir.join("out"), &obscore(), &mut |_| {}).unwrap_err();
    report.push_str(&format!(
        "unknown format:\n  {}\n",
        err.to_string().replace(&dir.display().to_string(), "<dir>")
    ));
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    insta::assert_snapshot!(report);
    std::fs::remove_dir_all(dir).ok();
}
