//! Errors of reading and writing VOTables.

use thiserror::Error;

/// What went wrong.
#[derive(Debug, Error)]
pub enum VotableError {
    /// Writing to the output failed.
    #[error("cannot write the VOTable: {0}")]
    Io(#[from] std::io::Error),
    /// An Arrow type with no VOTable counterpart.
    #[error("column `{column}`: Arrow type {data_type} has no VOTable datatype")]
    UnsupportedType {
        /// The column.
        column: String,
        /// The Arrow type.
        data_type: String,
    },
    /// A value that the declared VOTable type cannot hold.
    #[error("column `{column}`: {message}")]
    Value {
        /// The column.
        column: String,
        /// What is wrong with the value.
        message: String,
    },
    /// A batch whose columns differ from the schema the writer was created with.
    #[error("the batch has {found} columns, the table {expected}")]
    SchemaMismatch {
        /// Columns in the schema.
        expected: usize,
        /// Columns in the batch.
        found: usize,
    },
    /// Malformed input, with where it was found.
    #[error("malformed VOTable at {location}: {message}")]
    Malformed {
        /// `line L` for XML, `row R` or `byte B of the stream` for data.
        location: String,
        /// What is wrong.
        message: String,
    },
    /// The document is a DALI error document.
    #[error("the service reported an error: {0}")]
    ServiceError(String),
    /// Building Arrow arrays failed.
    #[error("cannot build the Arrow batch: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
}

/// A shorthand for results of this crate.
pub type Result<T, E = VotableError> = std::result::Result<T, E>;
