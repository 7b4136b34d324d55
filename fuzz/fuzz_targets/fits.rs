//! Arbitrary bytes as a FITS file into the cutout path: headers read or
//! refused, a cutout made or refused (no overlap, no WCS, truncated), never a
//! panic, and never more read than the file holds.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("adql-fuzz-fits-{}.fits", std::process::id()));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    if let Ok(hdus) = datalink::fits::read_hdus(&path) {
        for hdu in &hdus {
            let _ = datalink::ImageWcs::from_header(&hdu.header);
        }
    }
    let circle = datalink::soda::parse_circle("10 20 0.5").expect("a valid circle");
    let _ = datalink::cut(&path, &circle, &mut std::io::sink());
    let _ = datalink::preview::preview_png(&path);
});
