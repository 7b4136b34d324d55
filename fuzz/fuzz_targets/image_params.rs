//! Arbitrary SODA and SIA parameters: a request or a usage error, never a
//! panic; dataset IDs map to store paths inside the store or to no dataset.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\u{1}');
    let name = parts.next().unwrap_or("");
    let value = parts.next().unwrap_or("");
    let id = parts.next().unwrap_or("");
    let _ = datalink::CutoutRequest::from_params([("ID", id), (name, value)]);
    for stencil in ["CIRCLE", "POLYGON", "POS"] {
        let _ = datalink::CutoutRequest::from_params([("ID", "x"), (stencil, value)]);
    }
    let _ = datalink::sia::query([(name, value)]);
    if let Ok(dataset) = datalink::DatasetId::parse(id) {
        let store = datalink::ImageStore::new("/store", "{uuid2}/{uuid}.fits").expect("a layout");
        let path = store.path(&dataset);
        assert!(path.starts_with("/store"), "{path:?}");
        assert!(!path.components().any(|c| c == std::path::Component::ParentDir));
    }
});
