//! DataLink, SODA and SIA v2 end to end: pyvo (from pip) and astropy against
//! a server this test starts over the demo snapshot (synthetic images made on
//! first use), and the bad inputs, each answered in its protocol's form.

mod common;

use serde_json::Value;

fn run_client(base: &str) -> Value {
    common::run_python_client("tests/datalink_client.py", &[base])
}

#[test]
fn pyvo_follows_links_to_images_and_cutouts() {
    let data = common::scratch("datalink-pyvo");
    let server = common::TestServer::start(&data, |_| {});
    let seen = run_client(&server.base);
    assert_eq!(seen["coadds"], 6, "{seen}");
    let url = seen["dataurl"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/api/datalink/links?ID=butler", server.base)),
        "{url}"
    );
    assert_eq!(seen["this_type"], "image/fits");
    assert_eq!(seen["this_length"], seen["this_bytes"]);
    let hdus = serde_json::json!(["PRIMARY", "IMAGE", "MASK", "VARIANCE"]);
    assert_eq!(seen["this_hdus"], hdus);
    for shape in ["circle", "polygon"] {
        let c = &seen[shape];
        assert_eq!(c["equal"], true, "{shape}: {c}");
        assert_eq!(c["names"], hdus, "{shape}");
    }
    let offset = seen["circle"]["offset"].as_f64().unwrap();
    assert!(offset <= 1.0, "the circle's centre is {offset} px off");
    // The seed coadd (band i) and the g one have their visit images.
    assert!(seen["progenitors"].as_u64().unwrap() >= 2, "{seen}");
    assert!(seen["g_progenitors"].as_u64().unwrap() >= 1, "{seen}");
    assert_eq!(seen["progenitor_this"], 1);
    let bands = seen["bands"].as_object().unwrap();
    assert_eq!(bands.len(), 6, "{seen}");
    assert!(bands.values().all(|names| names == &hdus));
    assert_eq!(seen["iter_datalinks"], 6);
    assert_eq!(seen["iter_datalinks_this"], 6);
    assert!(!seen["sia_ids"].as_array().unwrap().is_empty());
    assert_eq!(seen["sia_ids"], seen["adql_ids"]);
    assert!(seen["sia_band_rows"].as_u64().unwrap() > 0);
    assert_eq!(seen["sia_band_rows"], seen["adql_band_rows"]);
}
