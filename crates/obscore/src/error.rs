//! Errors of snapshots, generation and ingest.

use std::path::{Path, PathBuf};

use thiserror::Error;

/// What went wrong.
#[derive(Debug, Error)]
pub enum ObscoreError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A snapshot directory that cannot be used.
    #[error("snapshot {path}: {message}")]
    Snapshot {
        /// The directory or file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Input rejected by ingest, naming the row, column and value.
    #[error("{file}: row {row}, column `{column}`: {message}")]
    Invalid {
        /// The input file.
        file: String,
        /// 1-based data row.
        row: u64,
        /// The column.
        column: String,
        /// What is wrong, with the value.
        message: String,
    },
    /// Input rejected as a whole (missing columns, wrong types, unknown format).
    #[error("{file}: {message}")]
    Input {
        /// The input file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// Parquet.
    #[error("Parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// Arrow.
    #[error("Arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// VOTable input.
    #[error("VOTable: {0}")]
    Votable(#[from] votable::VotableError),
    /// Stopped on request (Ctrl-C); what was written is removed.
    #[error("cancelled")]
    Cancelled,
}

impl ObscoreError {
    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> ObscoreError {
        ObscoreError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// A shorthand for results of this crate.
pub type Result<T, E = ObscoreError> = std::result::Result<T, E>;
