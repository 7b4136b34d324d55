//! A catalogue that is not ObsCore, end to end: `adql ingest` finds its
//! position by name, sorts it on the sky and says so; cones, boxes, polygons
//! and DISTANCE prune on it (EXPLAIN) and give an unsorted copy's rows; a
//! positional join on it is a spatial join with the nested loop's pairs.

mod common;
use common::adql;

#[path = "../../../testdata/s3.rs"]
mod s3;

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
        // A radius written as arithmetic, as users write it, prunes as a literal.
        "CONTAINS(POINT('ICRS', coord_ra, coord_dec), CIRCLE('ICRS', 0.5, 0.5, 18.0/60)) = 1",
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
    let pairs = spatial_join_pairs(&dir, &[&table, &raw_table], join);
    assert!(pairs.lines().count() > 100, "{pairs}");

    // Ctrl-C (SIGINT) during an out-of-core ingest: exit 130, and neither the
    // sorted runs nor the partial snapshot are left.
    let spill = dir.join("spill");
    std::fs::create_dir_all(&spill).unwrap();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_adql"))
        .args([
            "ingest",
            csv.to_str().unwrap(),
            "-o",
            dir.join("interrupted").to_str().unwrap(),
            "--memory-limit-mib",
            "4",
            "--temp-dir",
            spill.to_str().unwrap(),
        ])
        .env("ADQL_CACHE_DIR", &dir)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while std::fs::read_dir(&spill).unwrap().count() == 0 {
        assert!(started.elapsed().as_secs() < 60, "no run was spilled");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(stderr(&out).contains("cancelled"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_dir(&spill).unwrap().count(),
        0,
        "runs left behind"
    );
    assert!(!dir.join("interrupted").exists());
    let partial: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("partial"))
        .collect();
    assert!(partial.is_empty(), "{partial:?}");

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

fn python() -> std::path::PathBuf {
    if let Some(p) = std::env::var_os("ADQL_PYTHON") {
        return p.into();
    }
    let venv = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    assert!(
        venv.exists(),
        "hats-import is needed: run `bash .ci/run` once, or set ADQL_PYTHON"
    );
    venv
}

/// A catalogue hats-import wrote (a collection with a margin), read in place
/// with `--table`: all its rows as pyarrow reads them; cones across RA 0 and
/// at the pole equal the same cones over the input file, opening a few of its
/// partitions; a crossmatch with the input is a spatial join with the nested
/// loop's pairs; the same collection in S3 gives the same rows and cones.
#[test]
fn a_hats_catalogue_is_a_table() {
    let dir = std::env::temp_dir().join(format!("adql-cli-hats-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hats_catalogue.py");
    let made = std::process::Command::new(python())
        .arg(&script)
        .arg(&dir)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", stderr(&made));
    // The collection (the catalogue and its margin) is opened as its catalogue.
    let collection = dir.join("hats/objects_collection");
    let hats = format!("cat.objects={}", collection.display());
    let input = format!("cat.raw={}", dir.join("objects.parquet").display());
    let pyarrow = format!("cat.pyarrow={}", dir.join("read.parquet").display());

    let all = |table: &str, from: &str| {
        adql(
            &[
                "query",
                "--format",
                "csv",
                "--table",
                table,
                &format!("SELECT id, ra, dec, mag FROM {from} ORDER BY id"),
            ],
            &dir,
        )
    };
    let ours = all(&hats, "cat.objects");
    assert!(ours.status.success(), "{}", stderr(&ours));
    assert_eq!(stdout(&ours).lines().count(), 60_001);
    assert_eq!(stdout(&ours), stdout(&all(&pyarrow, "cat.pyarrow")));
    let primary = format!("cat.objects={}", collection.join("objects").display());
    assert_eq!(stdout(&all(&primary, "cat.objects")), stdout(&ours));
    // The key column is hidden; the position is marked.
    let columns = adql(
        &["query", "--format", "csv", "--table", &hats,
          "SELECT column_name, indexed FROM tap_schema.columns WHERE table_name = 'cat.objects' ORDER BY column_index"],
        &dir,
    );
    assert_eq!(
        stdout(&columns),
        "column_name,indexed\nid,0\nra,1\ndec,1\nmag,0\n"
    );

    let cones = [
        "CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 0.2, 0.5, 0.4)) = 1",
        "DISTANCE(POINT('ICRS', ra, dec), POINT('ICRS', 359.0, -1.0)) < 0.3",
        "CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 120.0, -89.5, 0.5)) = 1",
    ];
    for cone in cones {
        let query = |from: &str| format!("SELECT id, ra, dec FROM {from} WHERE {cone} ORDER BY id");
        let from_hats = adql(
            &[
                "query",
                "--format",
                "csv",
                "--table",
                &hats,
                &query("cat.objects"),
            ],
            &dir,
        );
        let from_input = adql(
            &[
                "query",
                "--format",
                "csv",
                "--table",
                &input,
                &query("cat.raw"),
            ],
            &dir,
        );
        assert!(from_hats.status.success(), "{}", stderr(&from_hats));
        assert!(stdout(&from_hats).lines().count() > 10, "{cone}");
        assert_eq!(stdout(&from_hats), stdout(&from_input), "{cone}");
        let explain = adql(&["explain", "--table", &hats, &query("cat.objects")], &dir);
        let text = stdout(&explain);
        assert!(text.contains("_healpix_29"), "{cone}: {text}");
        let opens = text
            .lines()
            .find_map(|l| l.split("objects: opens ").nth(1))
            .unwrap_or_else(|| panic!("{cone}: no part pruning in {text}"));
        let (opened, of): (usize, usize) = {
            let words: Vec<&str> = opens.split_whitespace().collect();
            (words[0].parse().unwrap(), words[2].parse().unwrap())
        };
        assert!(
            of >= 8 && opened * 3 <= of,
            "{cone}: opens {opened} of {of}"
        );
    }

    // A crossmatch of the catalogue with its input near RA 0.
    let join = "SELECT h.id, i.id FROM cat.objects AS h JOIN cat.raw AS i \
                ON DISTANCE(POINT('ICRS', h.ra, h.dec), POINT('ICRS', i.ra, i.dec)) < 0.01 \
                WHERE CONTAINS(POINT('ICRS', i.ra, i.dec), CIRCLE('ICRS', 0.0, 0.0, 0.5)) = 1 ORDER BY 1, 2";
    let pairs = spatial_join_pairs(&dir, &[&hats, &input], join);
    assert!(pairs.lines().count() > 50);

    // The same collection in S3 (moto): the same rows and cones, the same
    // partitions opened; a prefix holding neither a snapshot nor a catalogue
    // says so.
    let server = s3::S3Server::start("surveys");
    let uploaded = std::process::Command::new(python())
        .args([
            "-c",
            UPLOAD,
            collection.to_str().unwrap(),
            &server.bucket,
            "hats/objects_collection",
        ])
        .envs(server.env())
        .output()
        .unwrap();
    assert!(uploaded.status.success(), "{}", stderr(&uploaded));
    let in_s3 = format!("cat.objects={}", server.url("hats/objects_collection"));
    let with_s3 = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_adql"))
            .args(args)
            .env("ADQL_CACHE_DIR", &dir)
            .envs(server.env())
            .output()
            .unwrap()
    };
    let from_s3 = with_s3(&[
        "query",
        "--format",
        "csv",
        "--table",
        &in_s3,
        "SELECT id, ra, dec, mag FROM cat.objects ORDER BY id",
    ]);
    assert!(from_s3.status.success(), "{}", stderr(&from_s3));
    assert_eq!(stdout(&from_s3), stdout(&ours));
    let cone = format!("SELECT id FROM cat.objects WHERE {} ORDER BY id", cones[0]);
    let local = adql(&["query", "--format", "csv", "--table", &hats, &cone], &dir);
    let remote = with_s3(&["query", "--format", "csv", "--table", &in_s3, &cone]);
    assert!(remote.status.success(), "{}", stderr(&remote));
    assert_eq!(stdout(&remote), stdout(&local));
    let opens = |o: &std::process::Output| {
        stdout(o)
            .lines()
            .find(|l| l.contains("objects: opens "))
            .map(str::to_string)
    };
    let remote_plan = with_s3(&["explain", "--table", &in_s3, &cone]);
    let local_plan = adql(&["explain", "--table", &hats, &cone], &dir);
    assert!(opens(&remote_plan).is_some(), "{}", stdout(&remote_plan));
    assert_eq!(opens(&remote_plan), opens(&local_plan));
    let nothing = with_s3(&[
        "query",
        "--table",
        &format!("cat.none={}", server.url("nothing")),
        "SELECT COUNT(*) FROM cat.none",
    ]);
    assert!(!nothing.status.success());
    assert!(
        stderr(&nothing)
            .contains("neither a snapshot's snapshot.json nor a HATS catalogue's hats.properties"),
        "{}",
        stderr(&nothing)
    );
    drop(server);

    // The other way: `ingest --format hats` writes a catalogue LSDB opens,
    // with the input's rows and the same cone.
    let ours = dir.join("ours");
    let written = adql(
        &[
            "ingest",
            dir.join("objects.parquet").to_str().unwrap(),
            "--format",
            "hats",
            "--hats-max-rows",
            "5000",
            "-o",
            ours.to_str().unwrap(),
        ],
        &dir,
    );
    assert!(written.status.success(), "{}", stderr(&written));
    assert!(
        stderr(&written).contains("wrote a HATS catalogue of 60000 rows in"),
        "{}",
        stderr(&written)
    );
    let opened = std::process::Command::new(python())
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lsdb_open.py"))
        .args([ours.to_str().unwrap(), "0.2", "0.5", "1440"])
        .output()
        .unwrap();
    assert!(opened.status.success(), "{}", stderr(&opened));
    let lsdb = stdout(&opened);
    assert!(lsdb.contains("rows 60000\n"), "{lsdb}");
    let ids: Vec<String> = (500..60_500).map(|i| i.to_string()).collect();
    assert!(
        lsdb.contains(&format!("ids {}", sha256_hex(ids.join(",").as_bytes()))),
        "{lsdb}"
    );
    let cone = adql(
        &["query", "--format", "csv", "--table", &format!("cat.ours={}", ours.display()),
          "SELECT id FROM cat.ours WHERE DISTANCE(POINT('ICRS', ra, dec), POINT('ICRS', 0.2, 0.5)) <= 0.4 ORDER BY id"],
        &dir,
    );
    assert!(cone.status.success(), "{}", stderr(&cone));
    let ours_cone = stdout(&cone).lines().skip(1).collect::<Vec<_>>().join(",");
    assert!(!ours_cone.is_empty());
    assert!(
        lsdb.contains(&format!("cone {ours_cone}\n")),
        "LSDB's cone differs: {lsdb}"
    );

    // A partition the catalogue lists, missing: an error naming it.
    let listed = std::fs::read_to_string(collection.join("objects/partition_info.csv")).unwrap();
    let (order, pixel) = listed.lines().nth(1).unwrap().split_once(',').unwrap();
    let file = collection.join(format!(
        "objects/dataset/Norder={order}/Dir={}/Npix={pixel}.parquet",
        pixel.trim().parse::<u64>().unwrap() / 10_000 * 10_000
    ));
    std::fs::remove_file(&file).unwrap();
    let broken = adql(
        &[
            "query",
            "--table",
            &hats,
            "SELECT COUNT(*) FROM cat.objects",
        ],
        &dir,
    );
    assert_eq!(
        broken.status.code(),
        Some(2),
        "a table that cannot be opened"
    );
    assert!(
        stderr(&broken).contains("a partition the catalogue lists is missing"),
        "{}",
        stderr(&broken)
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Uploads the directory `argv[1]` to bucket `argv[2]` under prefix
/// `argv[3]` of the S3 server the `AWS_*` variables name.
const UPLOAD: &str = r#"
import os, sys, boto3
root, bucket, prefix = sys.argv[1:4]
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
for at, _, files in os.walk(root):
    for name in files:
        path = os.path.join(at, name)
        s3.upload_file(path, bucket, prefix + "/" + os.path.relpath(path, root))
"#;

/// SHA-256 of `bytes` in hex (`sha256sum`), to compare long id lists.
fn sha256_hex(bytes: &[u8]) -> String {
    let mut child = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// The seed notebook's last exercise on the demo, as the README tells it:
/// find bright galaxies near the seed's target in the Object table, then cut
/// the brightest out of its coadd in all six bands.
#[test]
fn the_seeds_last_exercise_runs_on_the_demo() {
    let dir = std::env::temp_dir().join(format!("adql-cli-exercise-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let galaxies = adql(
        &["query", "--format", "csv",
          "SELECT TOP 5 objectId, coord_ra, coord_dec, i_cModelFlux FROM dp02_dc2_catalogs.Object \
           WHERE CONTAINS(POINT('ICRS', coord_ra, coord_dec), CIRCLE('ICRS', 55.7467, -32.2862, 1.0/60)) = 1 \
           AND refExtendedness = 1 AND detect_isPrimary = 1 ORDER BY i_cModelFlux DESC"],
        &dir,
    );
    assert!(galaxies.status.success(), "{}", stderr(&galaxies));
    let text = stdout(&galaxies);
    let rows: Vec<Vec<String>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    assert_eq!(rows.len(), 5, "{text}");
    // Bright: i < 21 (more than 14,454 nJy), a member of the cluster.
    let flux: f64 = rows[0][3].parse().unwrap();
    assert!(flux > 10f64.powf((31.4 - 21.0) / 2.5), "{text}");
    let (ra, dec) = (rows[0][1].clone(), rows[0][2].clone());
    let coadds = adql(
        &["query", "--format", "csv",
          &format!("SELECT lsst_band, obs_publisher_did FROM ivoa.ObsCore WHERE dataproduct_subtype = 'lsst.deepCoadd_calexp' \
                    AND CONTAINS(POINT('ICRS', {ra}, {dec}), s_region) = 1 ORDER BY em_min")],
        &dir,
    );
    assert!(coadds.status.success(), "{}", stderr(&coadds));
    let coadds = stdout(&coadds);
    let bands: Vec<(String, String)> = coadds
        .lines()
        .skip(1)
        .map(|l| {
            let (band, did) = l.split_once(',').unwrap();
            (band.to_string(), did.to_string())
        })
        .collect();
    assert_eq!(
        bands.iter().map(|b| b.0.as_str()).collect::<Vec<_>>(),
        ["u", "g", "r", "i", "z", "y"],
        "{coadds}"
    );
    for (band, did) in &bands {
        let file = dir.join(format!("galaxy-{band}.fits"));
        let cut = adql(
            &[
                "cutout",
                "--id",
                did,
                "--circle",
                &format!("{ra} {dec} 0.005"),
                "-o",
                file.to_str().unwrap(),
            ],
            &dir,
        );
        assert!(cut.status.success(), "{band}: {}", stderr(&cut));
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            bytes.starts_with(b"SIMPLE  =                    T"),
            "{band}: not FITS"
        );
        assert_eq!(bytes.len() % 2880, 0, "{band}: FITS records");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// The CSV answer of the positional `join` over the `--table` options
/// `tables`, checked to be planned as a spatial join (EXPLAIN) and to equal
/// the nested loop's.
fn spatial_join_pairs(dir: &std::path::Path, tables: &[&str], join: &str) -> String {
    let with_tables = |first: &[&str]| {
        let mut args: Vec<&str> = first.to_vec();
        for t in tables {
            args.extend(["--table", t]);
        }
        args.push(join);
        adql(&args, dir)
    };
    let explain = with_tables(&["explain"]);
    assert!(
        stdout(&explain).contains("== Spatial joins"),
        "{}",
        stdout(&explain)
    );
    let fast = with_tables(&["query", "--format", "csv"]);
    let slow = with_tables(&["query", "--format", "csv", "--nested-loop-joins"]);
    assert!(fast.status.success(), "{}", stderr(&fast));
    assert_eq!(stdout(&fast), stdout(&slow));
    stdout(&fast)
}
