//! `adql datalink`, `adql cutout` and `adql sia` over the demo snapshot and
//! its synthetic images, without a server.

mod common;

use common::adql;

const SEED: &str = "butler://dp02/20d28216-534a-4102-b8a7-1c7f32a9b78c";

#[test]
fn datalink_cutout_and_sia_without_a_server() {
    let cache = std::env::temp_dir().join(format!("adql-cli-images-{}", std::process::id()));
    let links = adql(&["datalink", SEED, "butler://dp02/nothing"], &cache);
    assert_eq!(links.status.code(), Some(0));
    let doc = String::from_utf8_lossy(&links.stdout);
    assert!(
        doc.contains("<TD>#this</TD>") && doc.contains("ID=\"cutout-sync\""),
        "{doc}"
    );
    assert!(doc.contains("NotFoundFault: "), "{doc}");

    let out = cache.join("cut.fits");
    let out_arg = out.to_str().unwrap();
    let cut = adql(
        &[
            "cutout",
            "--id",
            SEED,
            "--circle",
            "55.7467 -32.2862 0.03",
            "-o",
            out_arg,
        ],
        &cache,
    );
    let said = String::from_utf8_lossy(&cut.stderr);
    assert_eq!(cut.status.code(), Some(0), "{said}");
    assert!(said.contains("of 4 HDUs"), "{said}");
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"SIMPLE  =") && bytes.len().is_multiple_of(2880));
    if let Ok(v) = std::process::Command::new("fitsverify").arg(&out).output() {
        let report = String::from_utf8_lossy(&v.stdout);
        assert!(report.contains("0 warning(s) and 0 error(s)"), "{report}");
    }
    for (args, expected) in [
        (vec!["--circle", "55.7 -32.3"], "UsageError: "),
        (vec!["--circle", "120 40 0.1"], "NoOverlap: "),
        (
            vec!["--circle", "1 2 0.1", "--pos", "CIRCLE 1 2 0.1"],
            "MultiValuedParamNotSupported: ",
        ),
    ] {
        let mut all = vec!["cutout", "--id", SEED, "-o", out_arg];
        all.extend(args.iter().copied());
        let r = adql(&all, &cache);
        assert_eq!(r.status.code(), Some(1), "{args:?}");
        let said = String::from_utf8_lossy(&r.stderr);
        assert!(said.contains(expected), "{args:?}: {said}");
    }
    let unknown = adql(
        &[
            "cutout",
            "--id",
            "../../etc/passwd",
            "--circle",
            "1 2 0.1",
            "-o",
            out_arg,
        ],
        &cache,
    );
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("NotFoundFault: "));

    // SIA gives the rows of the equivalent ADQL.
    let sia = adql(
        &[
            "sia",
            "--format",
            "csv",
            "POS=CIRCLE 55.7467 -32.2862 0.05",
            "CALIB=3",
        ],
        &cache,
    );
    assert_eq!(
        sia.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&sia.stderr)
    );
    let query = adql(
        &[
            "query",
            "--format",
            "csv",
            "SELECT * FROM ivoa.ObsCore WHERE INTERSECTS(s_region, CIRCLE('ICRS', 55.7467, -32.2862, 0.05)) = 1 AND calib_level = 3",
        ],
        &cache,
    );
    let (a, b) = (
        String::from_utf8_lossy(&sia.stdout).to_string(),
        String::from_utf8_lossy(&query.stdout).to_string(),
    );
    assert!(a.lines().count() > 1, "{a}");
    let mut a: Vec<&str> = a.lines().collect();
    let mut b: Vec<&str> = b.lines().collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
    let bad = adql(&["sia", "CALIB=9"], &cache);
    assert_eq!(bad.status.code(), Some(1));
    std::fs::remove_dir_all(&cache).ok();
}
