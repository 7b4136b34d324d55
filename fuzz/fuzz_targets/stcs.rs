//! Arbitrary text into the STC-S reader: an error or a region, never a panic; a
//! region that reads prints as STC-S that reads back to the same region, and its
//! measures and bounds can be taken.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(region) = adql_geom::stcs::parse(&text) else {
        return;
    };
    let printed = region.to_string();
    let back = adql_geom::stcs::parse(&printed).expect("printed STC-S reads back");
    assert_eq!(back, region, "{printed}");
    let _ = region.area();
    let _ = region.centroid();
    let _ = adql_geom::bounds(&region);
    let _ = adql_geom::coverage::covering(&region, 6);
    let p = adql_geom::Point::new(10.0, 20.0).unwrap();
    let _ = region.contains_point(&p);
    let _ = adql_geom::intersects(&region, &adql_geom::Region::Point(p));
});
