//! A catalogue that is not ObsCore, end to end: `adql ingest` finds its
//! position by name, sorts it on the sky and says so; cones, boxes, polygons
//! and DISTANCE prune on it (EXPLAIN) and give an unsorted copy's rows; a
//! positional join on it is a spatial join with the nested loop's pairs.

mod common;
use common::adql;

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// 200,000 objects in a 10° field across RA 0 (RA 355..5, Dec -5..5).
fn objects_csv(path: &std::path::Path) {
    use std::fmt::Write;
    let mut state = 99u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut text = String::from("objectId,coord_ra,coord_dec,i_mag\n");
    for id in 0..200_000u64 {
        let ra = (next() * 10.0 + 355.0) % 360.0;
        let dec = next() * 10.0 - 5.0;
        let mag = 16.0 + next() * 9.0;
        writeln!(text, "{},{ra:.7},{dec:.7},{mag:.3}", 1_000_000 + id).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_catalogue_in_sky_order_prunes_and_answers_as_unsorted() {
    let dir = std::env::temp_dir().join(format!("adql-cli-catalogues-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("objects.csv");
    objects_csv(&csv);
    let snapshot = dir.join("object");
    let s = snapshot.to_str().unwrap();
    let ingest = adql(
        &[
            "ingest",
            csv.to_str().unwrap(),
            "-o",
            s,
            "--table",
            "dp02.Object",
            "--parts",
            "4",
        ],
        &dir,
    );
    assert!(ingest.status.success(), "{}", stderr(&ingest));
    assert!(
        stderr(&ingest)
            .contains("position: coord_ra, coord_dec (their names); rows sorted on the sky"),
        "{}",
        stderr(&ingest)
    );
    let info = adql(&["snapshot", "info", s], &dir);
    assert!(
        stdout(&info).contains("position   coord_ra, coord_dec"),
        "{}",
        stdout(&info)
    );
    // The columns are marked in TAP_SCHEMA.
    let table = format!("dp02.Object={s}");
    let marked = adql(
        &["query", "--format", "csv", "--table", &table,
          "SELECT column_name, indexed, principal FROM tap_schema.columns WHERE table_name = 'dp02.Object' ORDER BY column_name"],
        &dir,
    );
    assert!(
        stdout(&marked).contains("coord_dec,1,1\ncoord_ra,1,1\n"),
        "{}",
        stdout(&marked)
    );

    // An unsorted copy (in objectId order), read as a plain Parquet file.
    let raw = dir.join("raw.parquet");
    let export = adql(
        &[
            "query",
            "--format",
            "parquet",
            "-o",
            raw.to_str().unwrap(),
            "--table",
            &table,
            "SELECT * FROM dp02.Object ORDER BY objectId",
        ],
        &dir,
    );
    assert!(export.status.success(), "{}", stderr(&export));
    let raw_table = format!("raw.Object={}", raw.display());
    let shapes = [
        "CONTAINS(POINT('ICRS', coord_ra, coord_dec), CIRCLE('ICRS', 0.5, 0.5, 0.3)) = 1",
        "DISTANCE(POINT('ICRS', coord_ra, coord_dec), POINT('ICRS', 359.8, -2.0)) < 0.25",
        // Across RA 0.
        "CONTAINS(POINT('ICRS', coord_ra, coord_dec), BOX('ICRS', 0.0, 3.0, 0.6, 0.4)) = 1",
        "1 = CONTAINS(POINT('ICRS', coord_ra, coord_dec), POLYGON('ICRS', 358.0, 1.0, 359.0, 1.0, 358.5, 1.6))",
    ];
    for shape in shapes {
        let query = |from: &str| {
            format!("SELECT objectId, coord_ra, coord_dec, i_mag FROM {from} WHERE {shape} ORDER BY objectId")
        };
        let sorted = adql(
            &[
                "query",
                "--format",
                "csv",
                "--table",
                &table,
                &query("dp02.Object"),
            ],
            &dir,
        );
        let unsorted = adql(
            &[
                "query",
                "--format",
                "csv",
                "--table",
                &raw_table,
                &query("raw.Object"),
            ],
            &dir,
        );
        assert!(sorted.status.success(), "{}", stderr(&sorted));
        assert!(unsorted.status.success(), "{}", stderr(&unsorted));
        assert!(
            stdout(&sorted).lines().count() > 20,
            "{shape}: {}",
            stdout(&sorted)
        );
        assert_eq!(stdout(&sorted), stdout(&unsorted), "{shape}");
        // It prunes: the sort key's ranges, and most of the parts unopened.
        let explain = adql(
            &[
                "explain",
                "--analyze",
                "--table",
                &table,
                &query("dp02.Object"),
            ],
            &dir,
        );
        let text = stdout(&explain);
        assert!(text.contains("_healpix"), "{shape}: {text}");
        assert!(
            text.contains("opens 1 of 4 parts") || text.contains("opens 2 of 4 parts"),
            "{shape}: {text}"
        );
    }

    // A crossmatch of the catalogue with its copy, within two cones: a spatial
    // join, keyed on the catalogue's position, with the nested loop's pairs.
    let join = "SELECT a.objectId, b.objectId FROM dp02.Object AS a JOIN raw.Object AS b \
                ON DISTANCE(POINT('ICRS', a.coord_ra, a.coord_dec), POINT('ICRS', b.coord_ra, b.coord_dec)) < 0.02 \
                WHERE CONTAINS(POINT('ICRS', a.coord_ra, a.coord_dec), CIRCLE('ICRS', 0.1, 0.1, 0.15)) = 1 \
                AND CONTAINS(POINT('ICRS', b.coord_ra, b.coord_dec), CIRCLE('ICRS', 0.1, 0.1, 0.15)) = 1 \
                ORDER BY 1, 2";
    let explain = adql(
        &["explain", "--table", &table, "--table", &raw_table, join],
        &dir,
    );
    assert!(
        stdout(&explain).contains("== Spatial joins"),
        "{}",
        stdout(&explain)
    );
    let fast = adql(
        &[
            "query", "--format", "csv", "--table", &table, "--table", &raw_table, join,
        ],
        &dir,
    );
    let slow = adql(
        &[
            "query",
            "--format",
            "csv",
            "--nested-loop-joins",
            "--table",
            &table,
            "--table",
            &raw_table,
            join,
        ],
        &dir,
    );
    assert!(fast.status.success(), "{}", stderr(&fast));
    assert!(stdout(&fast).lines().count() > 100, "{}", stdout(&fast));
    assert_eq!(stdout(&fast), stdout(&slow));

    // --position that names no column: a clear error, nothing written.
    let bad = adql(
        &[
            "ingest",
            csv.to_str().unwrap(),
            "-o",
            dir.join("bad").to_str().unwrap(),
            "--position",
            "ra,dec",
        ],
        &dir,
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("--position names `ra`, which is not a column"),
        "{}",
        stderr(&bad)
    );
    assert!(!dir.join("bad").exists());
    std::fs::remove_dir_all(&dir).ok();
}
