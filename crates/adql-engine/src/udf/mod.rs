//! ADQL's geometry functions as DataFusion scalar UDFs. Geometry values travel
//! as STC-S strings (as `s_region` does), so a region column and a constructed
//! shape are interchangeable. Each function is a small UDF whose kernel is in
//! `adql-geom`; this module is the registration glue and argument handling.

mod astrometry;
mod catalogue;
mod dali;
mod geometry;
mod histogram;
mod random;
mod sky_cells;

pub use astrometry::{epoch_prop_type, AstrometryFunction, AstrometryUdf};
pub use catalogue::{CatalogueFunction, CatalogueUdf};
pub use dali::{stcs_to_dali, DaliShape, DaliUdf};
pub use geometry::{GeometryFunction, GeometryUdf};
pub use histogram::Histogram;
pub use random::{seeded_value, SeededRand};
pub use sky_cells::{SkyCellFunction, SkyCellUdf};

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

/// The UDF for `function`.
pub fn udf(function: GeometryFunction) -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(GeometryUdf::new(function)))
}

/// The UDF for a function of the IVOA UDF catalogue.
pub fn catalogue_udf(function: CatalogueFunction) -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(CatalogueUdf::new(function)))
}

/// The UDF for an astrometric function of the IVOA UDF catalogue.
pub fn astrometry_udf(function: AstrometryFunction) -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(AstrometryUdf::new(function)))
}

/// The UDF for `RAND(seed)`: a fresh stream per call site.
pub fn seeded_rand_udf(seed: u64) -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(SeededRand::new(seed)))
}

/// Every UDF a plan of this engine may call, but `rand(seed)` (whose stream
/// belongs to one plan): what another process executing the plans (a cluster
/// scheduler or executor) registers, so that calls decoded by name resolve.
pub fn all_udfs() -> Vec<Arc<ScalarUDF>> {
    use CatalogueFunction as C;
    use GeometryFunction as G;
    let geometry = [
        G::Point,
        G::Circle,
        G::CircleAtPoint,
        G::Box,
        G::BoxAtPoint,
        G::Polygon,
        G::PolygonOfPoints,
        G::Region,
        G::Centroid,
        G::Contains,
        G::Intersects,
        G::Distance,
        G::Distance4,
        G::Area,
        G::Coord1,
        G::Coord2,
        G::Coordsys,
        G::PointInShape,
        G::PointInCircle,
        G::PointInConvex,
        G::PointVector,
    ];
    let catalogue = [
        C::HealpixIndex,
        C::HealpixCenter,
        C::HasWord,
        C::HashlistHas,
        C::GeomTransform,
    ];
    let dali = [DaliShape::Point, DaliShape::Circle, DaliShape::Polygon];
    geometry
        .into_iter()
        .map(udf)
        .chain(catalogue.into_iter().map(catalogue_udf))
        .chain(AstrometryFunction::ALL.into_iter().map(astrometry_udf))
        .chain(dali.into_iter().map(|s| Arc::new(DaliUdf::udf(s))))
        .chain(SkyCellFunction::ALL.into_iter().map(SkyCellFunction::udf))
        .collect()
}

/// The IVOA UDF catalogue's functions this engine runs (the others are valid
/// ADQL that it refuses as not supported yet).
pub const CATALOGUE_FUNCTIONS_RUN: &[&str] = &[
    "ivo_healpix_index",
    "ivo_healpix_center",
    "ivo_hasword",
    "ivo_hashlist_has",
    "ivo_interval_overlaps",
    "ivo_nocasematch",
    "ivo_apply_pm",
    "ivo_epoch_prop",
    "ivo_epoch_prop_pos",
    "ivo_geom_transform",
    "ivo_to_jd",
    "ivo_to_mjd",
    "ivo_specconv",
    "ivo_normal_random",
    "ivo_string_agg",
    "ivo_histogram",
];

/// The aggregate UDFs a plan of this engine may call (beside DataFusion's
/// own): what a cluster's processes register with [`all_udfs`].
pub fn all_udafs() -> Vec<Arc<datafusion::logical_expr::AggregateUDF>> {
    vec![Histogram::udaf()]
}
