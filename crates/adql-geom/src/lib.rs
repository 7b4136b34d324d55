//! # adql-geom
//!
//! Spherical geometry for ADQL: degrees, ICRS, great-circle edges; exact
//! predicates with the boundary counted as inside; distances stable from
//! microarcseconds to antipodes; areas as exact spherical excess; spherical
//! centroids; STC-S and DALI forms; conservative RA/Dec bounds and HEALPix
//! coverings for pruning; and batch kernels for columns of points.
//!
//! ```
//! use adql_geom::{stcs, Point, Region};
//!
//! let region = stcs::parse("POLYGON ICRS 55.514085 -32.322253 55.790197 -32.322253 55.789845 -32.088924 55.514437 -32.088924").unwrap();
//! let p = Point::new(55.74673760481304, -32.286155241413624).unwrap();
//! assert!(region.contains_point(&p));
//! assert!((adql_geom::distance(359.9, 0.0, 0.1, 0.0) - 0.2).abs() < 1e-12);
//! ```
//!
//! No DataFusion here: the engine wraps these functions in UDFs.

#![warn(missing_docs)]

pub mod astrometry;
pub mod bounds;
pub mod coverage;
pub mod dali;
pub mod edge_normals;
mod error;
pub mod frame;
pub mod kernels;
mod polygon;
pub mod predicates;
mod region;
mod shape;
mod sky_box;
pub mod stcs;
pub mod transform;
mod vector;

pub use bounds::{bounds, reach, RaRange, SkyBounds};
pub use error::GeomError;
pub use frame::Frame;
pub use polygon::Polygon;
pub use predicates::{contains, intersects};
pub use region::Region;
pub use shape::{distance, Circle, Point};
pub use sky_box::{offset_point, SkyBox};
pub use vector::{normalize_ra, Vec3};

/// A region written as text, as `REGION('…')` and `s_region` hold one: a
/// DALI value when it starts with a number (`"10 20 0.5"`: see
/// [`dali::region`]), STC-S otherwise (see [`stcs::parse`]).
pub fn parse_region(text: &str) -> Result<Region, GeomError> {
    let starts_with_number = text
        .trim_start()
        .starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.'));
    if starts_with_number {
        dali::region(text)
    } else {
        stcs::parse(text)
    }
}

#[cfg(test)]
mod region_text_tests {
    use super::*;

    #[test]
    fn dali_strings_are_points_circles_and_polygons() {
        assert_eq!(
            parse_region("1 2").unwrap(),
            Region::Point(Point::new(1.0, 2.0).unwrap())
        );
        assert_eq!(
            parse_region(" 1 2 3").unwrap(),
            Region::Circle(Circle::new(Point::new(1.0, 2.0).unwrap(), 3.0).unwrap())
        );
        let polygon = parse_region("1 2  3 4  5 6").unwrap();
        assert_eq!(polygon.kind(), "POLYGON");
        assert_eq!(polygon, stcs::parse("POLYGON ICRS 1 2 3 4 5 6").unwrap());
        assert!(matches!(
            parse_region("1 2 3 4"),
            Err(GeomError::DaliLength { found: 4, .. })
        ));
        assert!(parse_region("1 2 x").is_err());
        assert!(parse_region("-10.5 -20").is_ok() && parse_region(".5 20").is_ok());
    }

    #[test]
    fn stcs_reference_positions_are_read_and_ignored() {
        let plain = stcs::parse("Position ICRS 12.3 45.6").unwrap();
        for refpos in [
            "lsr",
            "LSRK",
            "topocenter",
            "GALACTIC_CENTER",
            "UNKNOWNREFPOS",
        ] {
            assert_eq!(
                parse_region(&format!("position icrs {refpos} 12.3 45.6")).unwrap(),
                plain,
                "{refpos}"
            );
        }
        assert_eq!(
            parse_region("Circle ICRS BARYCENTER SPHERICAL2 10 20 1").unwrap(),
            parse_region("10 20 1").unwrap()
        );
    }
}
