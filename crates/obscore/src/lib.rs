//! # obscore
//!
//! The data the engine queries: the ObsCore 1.1 model with Rubin's extension
//! columns, TAP_SCHEMA derived from the registered tables, Parquet snapshots
//! sorted on the sky with the hidden columns pruning needs, the deterministic
//! DP0.2-scale generator, and the embedded demo snapshot.

#![warn(missing_docs)]

pub mod demo;
mod error;
pub mod generate;
pub mod hats;
pub mod id_index;
pub mod ingest;
pub mod model;
pub mod object;
pub mod sky_sort;
pub mod snapshot;
pub mod tap_schema;

pub use error::{ObscoreError, Result};
pub use generate::{generate, GenerateOptions};
pub use snapshot::{Snapshot, SnapshotWriter, TableMeta};
