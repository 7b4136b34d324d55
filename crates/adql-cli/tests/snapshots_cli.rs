//! `adql generate`, `adql ingest` and `adql snapshot info` end to end.

mod common;
use common::{adql, demo_dir};

#[test]
fn generate_info_ingest() {
    let dir = std::env::temp_dir().join(format!("adql-cli-snapshots-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("dp02-small");
    let g = adql(
        &[
            "generate",
            "--preset",
            "dp02",
            "--rows",
            "5000",
            "--seed",
            "2",
            "-o",
            out.to_str().unwrap(),
        ],
        &dir,
    );
    assert_eq!(
        g.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&g.stderr)
    );
    assert!(String::from_utf8_lossy(&g.stderr).contains("wrote 5000 rows"));
    let info = adql(&["snapshot", "info", out.to_str().unwrap()], &dir);
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(text.contains("rows       5000"), "{text}");
    assert!(
        text.contains("s_region")
            && text.contains("obscore:Char.SpatialAxis.Coverage.Support.Area"),
        "{text}"
    );
    assert!(
        !text.contains("_healpix"),
        "hidden columns stay hidden: {text}"
    );

    let bad = adql(
        &["generate", "--preset", "hst", "-o", out.to_str().unwrap()],
        &dir,
    );
    assert_eq!(bad.status.code(), Some(2));

    let csv = dir.join("bad.csv");
    std::fs::write(&csv, "obs_id,s_ra\nx,1\n").unwrap();
    let ingest = adql(
        &[
            "ingest",
            csv.to_str().unwrap(),
            "-o",
            dir.join("ingested").to_str().unwrap(),
            "--obscore",
        ],
        &dir,
    );
    assert_eq!(ingest.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&ingest.stderr).contains("missing mandatory ObsCore columns"));
    assert!(!dir.join("ingested").exists());

    // The demo snapshot: built on first use into the cache directory.
    let demo = adql(&["snapshot", "info"], &dir);
    assert_eq!(
        demo.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let info = String::from_utf8_lossy(&demo.stdout);
    assert!(info.contains("rows       150000"), "{info}");
    assert!(info.contains("row groups 19 in 1 file(s)"), "{info}");
    assert!(demo_dir(&dir).join("part-00000.parquet").exists());
    std::fs::remove_dir_all(&dir).ok();
}
