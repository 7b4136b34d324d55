//! Cutouts of a synthetic Rubin-like image, checked with astropy (pixels,
//! WCS, HDUs) and Debian's fitsverify; and the failures: no overlap,
//! truncated and corrupt files.

use std::path::{Path, PathBuf};
use std::process::Command;

use datalink::soda::{parse_circle, parse_polygon, parse_pos};
use datalink::synthetic::{write_image, ImageSpec};
use datalink::{cut, CutoutError};

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("ADQL_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    assert!(
        venv.exists(),
        "astropy is needed: run `bash .ci/run` once, or create .venv (see README), or set ADQL_PYTHON"
    );
    venv
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("datalink-cutout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A 400-pixel coadd-like image of tract 4431 patch 17.
fn source(dir: &Path) -> PathBuf {
    let path = dir.join("source.fits");
    write_image(
        &path,
        &ImageSpec {
            seed: 17,
            ra: 55.652,
            dec: -32.2056,
            side: 0.233,
            pixels: 400,
            title: "lsst.deepCoadd_calexp".into(),
        },
    )
    .unwrap();
    path
}

fn astropy_check(source: &Path, cutout: &Path, ra: f64, dec: f64) -> serde_json::Value {
    let out = Command::new(python())
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/check_cutout.py"
        ))
        .args([source, cutout])
        .args([ra.to_string(), dec.to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// fitsverify's verdict, when it is installed (CI installs it).
fn fitsverify(path: &Path) {
    let Ok(out) = Command::new("fitsverify").arg(path).output() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "fitsverify is missing (apt-get install fitsverify)"
        );
        eprintln!("fitsverify not installed: skipped");
        return;
    };
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("Verification found 0 warning(s) and 0 error(s)"),
        "{said}"
    );
}

#[test]
fn circle_polygon_and_range_cutouts_match_astropy() {
    let dir = scratch();
    let source = source(&dir);
    fitsverify(&source);
    let (ra, dec) = (55.66, -32.21);
    for (name, stencil) in [
        ("circle", parse_circle(&format!("{ra} {dec} 0.03")).unwrap()),
        (
            "polygon",
            parse_polygon(&format!(
                "{} {} {} {} {} {}",
                ra - 0.03,
                dec - 0.02,
                ra + 0.03,
                dec - 0.02,
                ra,
                dec + 0.04
            ))
            .unwrap(),
        ),
        (
            "range",
            parse_pos(&format!(
                "RANGE {} {} {} {}",
                ra - 0.02,
                ra + 0.02,
                dec - 0.02,
                dec + 0.02
            ))
            .unwrap(),
        ),
    ] {
        let path = dir.join(format!("{name}.fits"));
        let mut file = std::fs::File::create(&path).unwrap();
        let made = cut(&source, &stencil, &mut file).unwrap();
        drop(file);
        assert_eq!(made.hdus, 4);
        let report = astropy_check(&source, &path, ra, dec);
        assert_eq!(report["pixels_equal"], true, "{name}: {report}");
        assert_eq!(
            report["names"],
            serde_json::json!(["PRIMARY", "IMAGE", "MASK", "VARIANCE"])
        );
        if name != "polygon" {
            // Symmetric stencils: the centre is the cutout's centre.
            let off = report["centre_offset_px"].as_f64().unwrap();
            assert!(off <= 1.0, "{name}: centre {off} px off: {report}");
            // Half a pixel per axis at most, unless the pixel convention slipped.
            assert!(off <= 0.75, "{name}: centre {off} px off: {report}");
        }
        // astropy finds the cutout where the box says it was taken.
        assert_eq!(
            report["origin"],
            serde_json::json!([made.pixel_box.x0, made.pixel_box.y0]),
            "{name}"
        );
        let (w, h) = made.pixel_box.size();
        assert_eq!(report["shape"], serde_json::json!([w, h]));
        fitsverify(&path);
    }
    // A 0.03° circle at 0.58"/px: about 2 × 0.03 × 3600 / 2.1 ≈ 104 px a side.
    let made = cut(
        &source,
        &parse_circle(&format!("{ra} {dec} 0.03")).unwrap(),
        &mut std::io::sink(),
    )
    .unwrap();
    let (w, h) = made.pixel_box.size();
    assert!(
        (100..=106).contains(&w) && (100..=106).contains(&h),
        "{w}×{h}"
    );
    // A circle larger than the image gives the whole image.
    let all = cut(
        &source,
        &parse_circle("55.652 -32.2056 5").unwrap(),
        &mut std::io::sink(),
    )
    .unwrap();
    assert_eq!(all.pixel_box.size(), (400, 400));
}

#[test]
fn no_overlap_truncated_and_corrupt_files_are_errors() {
    let dir = scratch().join("bad");
    std::fs::create_dir_all(&dir).unwrap();
    let source = source(&dir);
    let far = parse_circle("200 10 0.1").unwrap();
    assert!(matches!(
        cut(&source, &far, &mut std::io::sink()),
        Err(CutoutError::NoOverlap)
    ));
    let here = parse_circle("55.652 -32.2056 0.01").unwrap();
    let bytes = std::fs::read(&source).unwrap();
    let truncated = dir.join("truncated.fits");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let err = cut(&truncated, &here, &mut std::io::sink()).unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");
    let corrupt = dir.join("corrupt.fits");
    let mut garbage = bytes.clone();
    garbage[..80].copy_from_slice(&[b'x'; 80]);
    std::fs::write(&corrupt, &garbage).unwrap();
    let err = cut(&corrupt, &here, &mut std::io::sink()).unwrap_err();
    assert!(err.to_string().contains("not a valid FITS file"), "{err}");
    let empty = dir.join("empty.fits");
    std::fs::write(&empty, b"").unwrap();
    assert!(cut(&empty, &here, &mut std::io::sink()).is_err());
}
