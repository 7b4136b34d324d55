//! Compares the crate with independent values from `testdata/geometry/reference.py`
//! (astropy, spherical-geometry, 50-digit mpmath): distances, containment, areas,
//! centroids, box corners and Galactic conversion, at the poles, across RA 0/360,
//! for 1 mas and 170° circles, polygons around a pole, in both vertex orders.

use adql_geom::{distance, Circle, Frame, Point, Polygon, SkyBox};
use serde_json::Value;

fn reference() -> Value {
    let text = include_str!("../../../testdata/geometry/reference.json");
    serde_json::from_str(text).expect("reference JSON")
}

fn f(v: &Value) -> f64 {
    v.as_f64().expect("number")
}

/// Degrees between two positions.
fn apart(ra1: f64, dec1: f64, ra2: f64, dec2: f64) -> f64 {
    distance(ra1, dec1, ra2, dec2)
}

const DEG_TOLERANCE: f64 = 1e-9;
const REL_TOLERANCE: f64 = 1e-9;

#[test]
fn distances_match_astropy() {
    let r = reference();
    let cases = r["distances"].as_array().unwrap();
    assert!(cases.len() > 40);
    for c in cases {
        let d = distance(f(&c["ra1"]), f(&c["dec1"]), f(&c["ra2"]), f(&c["dec2"]));
        let expected = f(&c["distance"]);
        assert!(
            (d - expected).abs() < DEG_TOLERANCE,
            "{c}: {d} vs {expected}"
        );
    }
}

#[test]
fn circle_containment_and_area_match() {
    let r = reference();
    let (mut points, mut areas) = (0, 0);
    for c in r["circles"].as_array().unwrap() {
        let circle = Circle::new(
            Point::new(f(&c["ra"]), f(&c["dec"])).unwrap(),
            f(&c["radius"]),
        )
        .unwrap();
        if let Some(area) = c.get("area") {
            let (a, e) = (circle.area(), f(area));
            assert!((a - e).abs() <= REL_TOLERANCE * e, "{c}: area {a} vs {e}");
            areas += 1;
            continue;
        }
        let p = &c["point"];
        let point = Point::new(f(&p[0]), f(&p[1])).unwrap();
        assert_eq!(
            circle.contains_point(&point),
            c["inside"].as_bool().unwrap(),
            "{c}"
        );
        points += 1;
    }
    assert!(points > 400 && areas == 8, "{points} {areas}");
}

#[test]
fn polygons_match_in_both_orders() {
    let r = reference();
    let mut tested = 0;
    for c in r["polygons"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let coords: Vec<(f64, f64)> = c["ra"]
            .as_array()
            .unwrap()
            .iter()
            .zip(c["dec"].as_array().unwrap())
            .map(|(a, d)| (f(a), f(d)))
            .collect();
        let polygon = Polygon::from_radec(&coords).unwrap_or_else(|e| panic!("{name}: {e}"));
        let (area, expected) = (polygon.area(), f(&c["area"]));
        assert!(
            (area - expected).abs() <= REL_TOLERANCE * expected,
            "{name}: area {area} vs {expected}"
        );
        let centroid = polygon.centroid();
        let e = &c["centroid"];
        let off = apart(centroid.ra(), centroid.dec(), f(&e[0]), f(&e[1]));
        assert!(off < DEG_TOLERANCE, "{name}: centroid off by {off}°");
        for p in c["points"].as_array().unwrap() {
            let point = Point::new(f(&p[0]), f(&p[1])).unwrap();
            assert_eq!(
                polygon.contains_point(&point),
                p[2].as_bool().unwrap(),
                "{name}: {p}"
            );
            tested += 1;
        }
    }
    assert!(tested > 1000);
}

#[test]
fn box_corners_match_great_circle_intersections() {
    let r = reference();
    for c in r["boxes"].as_array().unwrap() {
        let b = SkyBox::new(
            Point::new(f(&c["ra"]), f(&c["dec"])).unwrap(),
            f(&c["width"]),
            f(&c["height"]),
        )
        .unwrap();
        for corner in c["corners"].as_array().unwrap() {
            let nearest = b
                .polygon()
                .vertices()
                .iter()
                .map(|v| apart(v.ra(), v.dec(), f(&corner[0]), f(&corner[1])))
                .fold(f64::INFINITY, f64::min);
            assert!(
                nearest < DEG_TOLERANCE,
                "{c}: corner {corner} off by {nearest}°"
            );
        }
        let (area, expected) = (b.polygon().area(), f(&c["area"]));
        assert!(
            (area - expected).abs() <= REL_TOLERANCE * expected,
            "{c}: {area}"
        );
    }
}

#[test]
fn galactic_matches_astropy() {
    let r = reference();
    for c in r["galactic"].as_array().unwrap() {
        let p = Point::in_frame(Frame::Galactic, f(&c["l"]), f(&c["b"])).unwrap();
        let off = apart(p.ra(), p.dec(), f(&c["ra"]), f(&c["dec"]));
        assert!(off < DEG_TOLERANCE, "{c}: off by {off}°");
    }
}
