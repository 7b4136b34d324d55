//! Property tests: containment agrees with independent brute-force tests,
//! INTERSECTS is symmetric, CONTAINS implies INTERSECTS, convex shapes contain
//! their centroids, STC-S print → parse is the identity, and random input never
//! panics.

use adql_geom::{contains, intersects, stcs, Circle, Point, Polygon, Region, SkyBox, Vec3};
use proptest::prelude::*;

fn point() -> impl Strategy<Value = Point> {
    (0.0..360.0f64, -1.0..1.0f64).prop_map(|(ra, z)| Point::new(ra, z.asin().to_degrees()).unwrap())
}

/// A point near `c` (within `spread` degrees in each coordinate, clamped).
fn near(c: (f64, f64), spread: f64) -> impl Strategy<Value = Point> {
    (-spread..spread, -spread..spread)
        .prop_map(move |(dr, dd)| Point::new(c.0 + dr, (c.1 + dd).clamp(-90.0, 90.0)).unwrap())
}

fn circle() -> impl Strategy<Value = Circle> {
    (
        point(),
        prop_oneof![1e-6..1e-3f64, 1e-3..5.0f64, 5.0..170.0f64],
    )
        .prop_map(|(c, r)| Circle::new(c, r).unwrap())
}

/// A convex polygon: points around a centre at increasing position angles.
fn convex_polygon() -> impl Strategy<Value = Polygon> {
    (
        point(),
        0.01..20.0f64,
        prop::collection::vec((0.2..1.0f64, 0.1..1.0f64), 3..8),
    )
        .prop_filter_map("valid polygon", |(c, size, steps)| {
            let total: f64 = steps.iter().map(|s| s.1).sum();
            let mut angle = 0.0f64;
            let center = c.vector();
            let east = Vec3::new(0.0, 0.0, 1.0).cross(center).normalized();
            let east = if east.norm() == 0.0 {
                Vec3::new(0.0, 1.0, 0.0)
            } else {
                east
            };
            let north = center.cross(east);
            let vertices: Vec<Point> = steps
                .iter()
                .map(|(_, s)| {
                    angle += s / total * std::f64::consts::TAU;
                    let r = size.to_radians();
                    let dir = east.scale(angle.cos()).plus(north.scale(angle.sin()));
                    Point::from_vector(center.scale(r.cos()).plus(dir.scale(r.sin())))
                })
                .collect();
            Polygon::new(vertices).ok().filter(|p| p.is_convex())
        })
}

fn region() -> impl Strategy<Value = Region> {
    prop_oneof![
        point().prop_map(Region::Point),
        circle().prop_map(Region::Circle),
        convex_polygon().prop_map(Region::Polygon),
        (point(), 0.01..30.0f64, 0.01..30.0f64).prop_filter_map("box", |(c, w, h)| SkyBox::new(
            c, w, h
        )
        .ok()
        .map(Region::Box)),
    ]
}

/// Brute force for convex polygons: the sum of the angles subtended by the edges
/// at p is 2π inside, 0 outside (no half-space test, no crossing count).
fn winding_inside(poly: &Polygon, p: Vec3) -> bool {
    let v: Vec<Vec3> = poly.vertices().iter().map(Point::vector).collect();
    let total: f64 = (0..v.len())
        .map(|i| {
            let (a, b) = (v[i], v[(i + 1) % v.len()]);
            p.dot(a.cross(b)).atan2(a.dot(b) - p.dot(a) * p.dot(b))
        })
        .sum();
    total > std::f64::consts::PI
}

/// Haversine distance in degrees, for the circle brute force.
fn haversine(a: &Point, b: &Point) -> f64 {
    let (d1, d2) = (a.dec().to_radians(), b.dec().to_radians());
    let dra = (b.ra() - a.ra()).to_radians();
    let h = ((d2 - d1) / 2.0).sin().powi(2) + d1.cos() * d2.cos() * (dra / 2.0).sin().powi(2);
    2.0 * h.sqrt().min(1.0).asin().to_degrees()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn circle_containment_agrees_with_haversine(c in circle(), p in point()) {
        let d = haversine(c.center(), &p);
        // Skip points within rounding of the edge.
        prop_assume!((d - c.radius()).abs() > 1e-9 * c.radius().max(1e-6));
        prop_assert_eq!(c.contains_point(&p), d < c.radius());
    }

    #[test]
    fn polygon_containment_agrees_with_winding(poly in convex_polygon(), seed in 0.0..1.0f64) {
        let c = poly.centroid();
        let spread = poly.vertices().iter().map(|v| v.distance(&c)).fold(0.0, f64::max) * 1.5 + 1e-6;
        // A point near the polygon: deterministic from the seed.
        let angle = seed * 97.0;
        let r = (seed * 13.0).fract() * spread;
        let p = Point::new(c.ra() + r * angle.cos() / c.dec().to_radians().cos().max(0.01), (c.dec() + r * angle.sin()).clamp(-90.0, 90.0)).unwrap();
        let v = p.vector();
        let boundary = poly.vertices().len();
        prop_assume!(boundary > 0);
        let inside = winding_inside(&poly, v);
        let edge_gap = (0..poly.vertices().len()).map(|i| {
            let a = poly.vertices()[i].vector();
            let b = poly.vertices()[(i + 1) % poly.vertices().len()].vector();
            a.cross(b).normalized().dot(v).abs()
        }).fold(f64::INFINITY, f64::min);
        prop_assume!(edge_gap > 1e-9);
        prop_assert_eq!(poly.contains_point(&p), inside);
    }

    #[test]
    fn intersects_is_symmetric_and_implied_by_contains(a in region(), b in region()) {
        let ab = intersects(&a, &b).unwrap();
        prop_assert_eq!(ab, intersects(&b, &a).unwrap());
        if contains(&a, &b).unwrap() {
            prop_assert!(ab, "contains without intersects: {} / {}", a, b);
        }
    }

    #[test]
    fn nearby_shapes_are_consistent(c in circle(), p in near((10.0, 20.0), 3.0)) {
        // A zero-size region at p: contained iff the circle contains the point.
        let point = Region::Point(p);
        let circle = Region::Circle(c);
        prop_assert_eq!(contains(&circle, &point).unwrap(), c.contains_point(&p));
        prop_assert_eq!(intersects(&circle, &point).unwrap(), c.contains_point(&p));
    }

    #[test]
    fn convex_shapes_contain_their_centroid(poly in convex_polygon(), c in circle()) {
        prop_assert!(poly.contains_point(&poly.centroid()));
        let region = Region::Circle(c);
        prop_assert!(region.contains_point(&region.centroid().unwrap()));
    }

    #[test]
    fn bounds_and_coverings_hold_every_inside_point(r in region(), seeds in prop::collection::vec((0.0..1.0f64, 0.0..1.0f64), 40)) {
        let b = adql_geom::bounds(&r);
        let ranges = adql_geom::coverage::covering(&r, 8);
        // Sample points around the region's centroid, at up to twice its extent.
        let c = match r.centroid() { Ok(c) => c, Err(_) => return Ok(()) };
        let reach = match &r {
            Region::Circle(circle) => circle.radius(),
            Region::Polygon(p) => p.vertices().iter().map(|v| v.distance(&c)).fold(0.0, f64::max),
            Region::Box(bx) => bx.polygon().vertices().iter().map(|v| v.distance(&c)).fold(0.0, f64::max),
            _ => 0.0,
        };
        for (u, v) in seeds {
            let rho = (u * 2.0 * reach).min(179.0).to_radians();
            let theta = v * std::f64::consts::TAU;
            let center = c.vector();
            let east = Vec3::new(0.0, 0.0, 1.0).cross(center).normalized();
            let east = if east.norm() == 0.0 { Vec3::new(0.0, 1.0, 0.0) } else { east };
            let north = center.cross(east);
            let dir = east.scale(theta.cos()).plus(north.scale(theta.sin()));
            let p = Point::from_vector(center.scale(rho.cos()).plus(dir.scale(rho.sin())));
            if r.contains_point(&p) {
                prop_assert!(b.contains(p.ra(), p.dec()), "bounds {:?} miss {:?} of {}", b, p, r);
                let cell = adql_geom::coverage::healpix_index(8, p.ra(), p.dec());
                prop_assert!(adql_geom::coverage::contains(&ranges, cell), "covering misses {:?} of {}", p, r);
            }
        }
    }

    #[test]
    fn stcs_print_parse_is_identity(r in region()) {
        let text = r.to_string();
        let back = stcs::parse(&text).unwrap();
        prop_assert_eq!(back, r);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,60}", words in prop::collection::vec(prop::sample::select(vec![
        "POLYGON", "CIRCLE", "BOX", "POSITION", "UNION", "INTERSECTION", "NOT", "ICRS", "GALACTIC", "FK4",
        "(", ")", "1", "-2.5", "91", "nan", "1e308", "0", "360", "GEOCENTER", "unit", "deg",
    ]), 0..14)) {
        let _ = stcs::parse(&text);
        let _ = stcs::parse(&words.join(" "));
    }
}
