//! Physical operators of the engine's own, where DataFusion's would do
//! needless work for a query of this field (see each module).

pub mod spatial_join;

pub use spatial_join::{ConvexTest, SpatialJoinExec};
