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

/// Every batch of one Parquet file, all its columns.
fn file_batches(path: impl AsRef<Path>) -> Vec<RecordBatch> {
    parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(path).unwrap(),
    )
    .unwrap()
    .build()
    .unwrap()
    .map(|b| b.unwrap())
    .collect()
}

fn read(snapshot: &Snapshot) -> Vec<RecordBatch> {
    let public: Vec<usize> = (0..snapshot.manifest.table.columns.len()).collect();
    snapshot
        .files()
        .iter()
        .flat_map(file_batches)
        .map(|b| b.project(&public).unwrap())
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
        obscore: true,
        ..IngestOptions::default()
    }
}

#[test]
fn csv_and_votable_ingest() {
    let dir = temp("good");
    let source = source_rows(&dir);
    let csv = dir.join("obscore.csv");
    write_csv(&csv, &source);
    let snapshot = ingest(&[csv], &dir.join("from-csv"), &obscore(), &mut |_| {})
        .unwrap()
        .snapshot;
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
    let snapshot = ingest(&[vot], &dir.join("from-votable"), &obscore(), &mut |_| {})
        .unwrap()
        .snapshot;
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
    .unwrap()
    .snapshot;
    assert_eq!(snapshot.manifest.table.qualified_name(), "user.stars");
    assert_eq!(snapshot.manifest.rows, 2);
    // `ra`/`dec` are its position.
    assert!(snapshot.manifest.sky_sorted);
    let position = snapshot.manifest.table.position.as_ref().unwrap();
    assert_eq!((position.ra.as_str(), position.dec.as_str()), ("ra", "dec"));
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
    .unwrap()
    .snapshot;
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

/// A catalogue of `rows` pseudo-random points in a 10° field across RA 0,
/// with a magnitude and a name, its position columns named `ra` and `dec`.
fn catalogue(rows: usize, ra: &str, dec: &str, ucds: bool) -> RecordBatch {
    use arrow::array::{Float64Array, Int64Array, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};
    let mut state = 7u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut ras = Vec::with_capacity(rows);
    let mut decs = Vec::with_capacity(rows);
    let mut mags = Vec::with_capacity(rows);
    for _ in 0..rows {
        ras.push((next() * 10.0 + 355.0) % 360.0);
        decs.push(next() * 10.0 - 5.0);
        mags.push(15.0 + next() * 10.0);
    }
    let field = |name: &str, t: DataType, ucd: &str| {
        let f = Field::new(name, t, true);
        if ucds && !ucd.is_empty() {
            f.with_metadata([("ucd".to_string(), ucd.to_string())].into())
        } else {
            f
        }
    };
    let schema = Arc::new(Schema::new(vec![
        field("id", DataType::Int64, "meta.id;meta.main"),
        field(ra, DataType::Float64, "pos.eq.ra;meta.main"),
        field(dec, DataType::Float64, "pos.eq.dec;meta.main"),
        field("mag", DataType::Float64, "phot.mag"),
        field("name", DataType::Utf8, ""),
    ]));
    RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int64Array::from_iter_values(0..rows as i64)),
            Arc::new(Float64Array::from(ras)),
            Arc::new(Float64Array::from(decs)),
            Arc::new(Float64Array::from(mags)),
            Arc::new(StringArray::from_iter_values(
                (0..rows).map(|i| format!("src-{i}")),
            )),
        ],
    )
    .unwrap()
}

fn write_parquet(path: &Path, batch: &RecordBatch) {
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(path).unwrap(),
        batch.schema(),
        None,
    )
    .unwrap();
    // Several batches, as a real file has.
    let mut start = 0;
    while start < batch.num_rows() {
        let n = 10_000.min(batch.num_rows() - start);
        w.write(&batch.slice(start, n)).unwrap();
        start += n;
    }
    w.close().unwrap();
}

/// The snapshot's `_healpix` values, in file order.
fn healpix_of(snapshot: &Snapshot) -> Vec<Option<i64>> {
    snapshot
        .files()
        .iter()
        .flat_map(file_batches)
        .flat_map(|b| {
            b.column_by_name("_healpix")
                .unwrap()
                .as_primitive::<arrow::datatypes::Int64Type>()
                .iter()
                .collect::<Vec<_>>()
        })
        .collect()
}

use std::sync::Arc;

use obscore::ingest::PositionSource;

#[test]
fn every_naming_convention_is_found_and_sorted_on() {
    let dir = temp("conventions");
    /// Name, RA and Dec columns, UCDs written, --position, how it is found.
    type Case<'a> = (
        &'a str,
        &'a str,
        &'a str,
        bool,
        Option<(&'a str, &'a str)>,
        PositionSource,
    );
    let cases: Vec<Case> = vec![
        ("plain", "ra", "dec", false, None, PositionSource::Name),
        (
            "rubin",
            "coord_ra",
            "coord_dec",
            false,
            None,
            PositionSource::Name,
        ),
        (
            "vizier",
            "RAJ2000",
            "DEJ2000",
            false,
            None,
            PositionSource::Name,
        ),
        ("ucds", "alpha", "delta", true, None, PositionSource::Ucd),
        (
            "given",
            "x_pos",
            "y_pos",
            false,
            Some(("x_pos", "y_pos")),
            PositionSource::Given,
        ),
    ];
    for (name, ra, dec, ucds, given, how) in cases {
        let batch = catalogue(5_000, ra, dec, ucds);
        let input = if ucds {
            // UCDs travel in a VOTable's FIELDs.
            let path = dir.join(format!("{name}.xml"));
            let mut w = votable::VotableWriter::new(
                std::fs::File::create(&path).unwrap(),
                &batch.schema(),
                &votable::WriterOptions::default(),
            )
            .unwrap();
            w.write_batch(&batch).unwrap();
            w.finish(false).unwrap();
            path
        } else {
            let path = dir.join(format!("{name}.csv"));
            write_csv(&path, std::slice::from_ref(&batch));
            path
        };
        let options = IngestOptions {
            position: given.map(|(a, b)| (a.to_string(), b.to_string())),
            parts: 3,
            ..IngestOptions::default()
        };
        let ingested = ingest(&[input], &dir.join(name), &options, &mut |_| {}).unwrap();
        let (position, source) = ingested.position.clone().unwrap();
        assert_eq!(
            (position.ra.as_str(), position.dec.as_str()),
            (ra, dec),
            "{name}"
        );
        assert_eq!(source, how, "{name}");
        let m = &ingested.snapshot.manifest;
        assert!(m.sky_sorted, "{name}");
        assert_eq!(m.table.position.as_ref(), Some(&position), "{name}");
        assert_eq!(m.table.position_columns(), Some((ra, dec)));
        for c in m
            .table
            .columns
            .iter()
            .filter(|c| c.name == ra || c.name == dec)
        {
            assert!(c.indexed && c.principal, "{name}: {} marked", c.name);
        }
        let coverage = m.coverage.unwrap();
        assert!(
            coverage.dec_min >= -5.0 && coverage.dec_max <= 5.0,
            "{name}"
        );
        // Every row has a key, in order, across the parts.
        let keys = healpix_of(&ingested.snapshot);
        assert_eq!(keys.len(), 5_000);
        assert!(keys.iter().all(Option::is_some), "{name}");
        assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{name}: sky order");
        assert_eq!(m.parts.len(), 3);
        // The same rows as the input.
        let mut ids: Vec<i64> = read(&ingested.snapshot)
            .iter()
            .flat_map(|b| {
                b.column_by_name("id")
                    .unwrap()
                    .as_primitive::<arrow::datatypes::Int64Type>()
                    .values()
                    .to_vec()
            })
            .collect();
        ids.sort_unstable();
        assert_eq!(ids, (0..5_000).collect::<Vec<i64>>(), "{name}");
    }

    // No position: input order, not sorted.
    let path = dir.join("nopos.csv");
    std::fs::write(&path, "name,flux\na,1.5\nb,2.5\n").unwrap();
    let ingested = ingest(
        std::slice::from_ref(&path),
        &dir.join("nopos"),
        &IngestOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    assert!(ingested.position.is_none());
    assert!(!ingested.snapshot.manifest.sky_sorted);
    assert!(ingested.snapshot.manifest.table.position.is_none());

    // A given position that is not a column, or not a number.
    let mut report = String::new();
    let stars = dir.join("stars.csv");
    std::fs::write(&stars, "name,ra,dec\nVega,279.23,38.78\n").unwrap();
    for given in [("ra", "decl"), ("name", "dec")] {
        let options = IngestOptions {
            position: Some((given.0.into(), given.1.into())),
            ..IngestOptions::default()
        };
        let err = ingest(
            std::slice::from_ref(&stars),
            &dir.join("out"),
            &options,
            &mut |_| {},
        )
        .unwrap_err();
        report.push_str(&format!(
            "{}\n",
            err.to_string().replace(&dir.display().to_string(), "<dir>")
        ));
    }
    insta::assert_snapshot!(report, @r"
    <dir>/stars.csv: --position names `decl`, which is not a column (columns: name, ra, dec)
    <dir>/stars.csv: --position column `name` is unicodeChar, a position needs floating-point degrees
    ");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn out_of_core_ingest_equals_in_memory_and_cleans_up() {
    let dir = temp("external");
    let batch = catalogue(300_000, "coord_ra", "coord_dec", false);
    let input = dir.join("objects.parquet");
    write_parquet(&input, &batch);
    let in_memory = ingest(
        std::slice::from_ref(&input),
        &dir.join("in-memory"),
        &IngestOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(in_memory.runs, 0);
    let spill = dir.join("spill");
    std::fs::create_dir_all(&spill).unwrap();
    // 4 MiB for a table of about 14 MB in memory: several runs.
    let small = IngestOptions {
        memory_limit: 4 << 20,
        temp_dir: Some(spill.clone()),
        ..IngestOptions::default()
    };
    let external = ingest(
        std::slice::from_ref(&input),
        &dir.join("external"),
        &small,
        &mut |_| {},
    )
    .unwrap();
    assert!(external.runs > 1, "{} runs", external.runs);
    let rows = |s: &Snapshot| {
        let batches = read(s);
        arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap()
    };
    // The same rows in the same order (ties keep input order).
    assert_eq!(rows(&in_memory.snapshot), rows(&external.snapshot));
    assert_eq!(
        healpix_of(&in_memory.snapshot),
        healpix_of(&external.snapshot)
    );
    assert_eq!(
        std::fs::read_dir(&spill).unwrap().count(),
        0,
        "the runs are removed"
    );

    // Cancelled: an error, and nothing left of the runs or the snapshot.
    let cancel = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let options = IngestOptions {
        cancel: Some(cancel.clone()),
        ..small
    };
    let err = ingest(&[input], &dir.join("cancelled"), &options, &mut |rows| {
        if rows > 100_000 {
            cancel.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    })
    .unwrap_err();
    assert!(matches!(err, obscore::ObscoreError::Cancelled), "{err}");
    assert!(!dir.join("cancelled").exists());
    assert_eq!(std::fs::read_dir(&spill).unwrap().count(), 0);
    let partial: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(partial.is_empty(), "{partial:?}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_hats_catalogue_is_partitioned_and_sorted() {
    use obscore::hats::{partition_file, KEY_COLUMN, KEY_ORDER};
    let dir = temp("hats");
    let batch = catalogue(20_000, "ra", "dec", false);
    let input = dir.join("objects.parquet");
    write_parquet(&input, &batch);
    let out = dir.join("objects");
    // A small budget: the same catalogue through runs on disk.
    let options = IngestOptions {
        memory_limit: 2 << 20,
        ..IngestOptions::default()
    };
    let done = obscore::ingest::ingest_hats(
        std::slice::from_ref(&input),
        &out,
        &options,
        3_000,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(done.rows, 20_000);
    assert!(done.runs > 0);
    assert!(done.partitions.len() >= 7, "{:?}", done.partitions);
    assert!(done.partitions.iter().all(|p| p.2 <= 3_000));
    let properties = std::fs::read_to_string(out.join("hats.properties")).unwrap();
    for line in [
        "hats_nrows=20000",
        "hats_col_ra=ra",
        "hats_col_dec=dec",
        "hats_col_healpix=_healpix_29",
    ] {
        assert!(properties.contains(line), "{properties}");
    }
    let listed = std::fs::read_to_string(out.join("partition_info.csv")).unwrap();
    assert_eq!(listed.lines().count(), done.partitions.len() + 1);
    assert!(out.join("dataset/_common_metadata").is_file());
    let mut total = 0;
    for &(order, pixel, rows) in &done.partitions {
        let mut keys = Vec::new();
        for b in file_batches(out.join(partition_file(order, pixel))) {
            assert_eq!(b.schema().field(0).name(), KEY_COLUMN);
            keys.extend(
                b.column(0)
                    .as_primitive::<arrow::datatypes::Int64Type>()
                    .values()
                    .iter()
                    .copied(),
            );
        }
        assert_eq!(keys.len() as u64, rows);
        assert!(
            keys.windows(2).all(|w| w[0] <= w[1]),
            "sorted in its partition"
        );
        let shift = 2 * u32::from(KEY_ORDER - order);
        assert!(
            keys.iter().all(|&k| (k as u64) >> shift == pixel),
            "in its pixel"
        );
        total += rows;
    }
    assert_eq!(total, 20_000);
    // Nothing of the runs or the temporary directory left.
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // No position: refused.
    let plain = dir.join("plain.csv");
    std::fs::write(&plain, "name,flux\na,1\n").unwrap();
    let err = obscore::ingest::ingest_hats(
        &[plain],
        &dir.join("plain"),
        &IngestOptions::default(),
        100,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("a HATS catalogue needs one"),
        "{err}"
    );
    std::fs::remove_dir_all(dir).ok();
}
