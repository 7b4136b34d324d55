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

pub mod bounds;
pub mod coverage;
pub mod dali;
mod error;
pub mod frame;
pub mod kernels;
mod polygon;
pub mod predicates;
mod region;
mod shape;
mod sky_box;
pub mod stcs;
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
