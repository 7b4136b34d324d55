//! Engine errors: diagnostics with spans for the query, plain errors for data.

use adql_syntax::Diagnostic;
use thiserror::Error;

/// What went wrong while planning or running a query.
#[derive(Debug, Error)]
pub enum EngineError {
    /// The query is invalid or uses what is not supported: a diagnostic with its span.
    #[error("{}", .0.first().map(|d| d.message.as_str()).unwrap_or("invalid query"))]
    Query(Vec<Diagnostic>),
    /// DataFusion failed (reading data, executing).
    #[error("{0}")]
    DataFusion(#[from] datafusion::error::DataFusionError),
    /// A snapshot could not be opened.
    #[error("{0}")]
    Snapshot(#[from] obscore::ObscoreError),
    /// Arrow failed.
    #[error("{0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// An object store (S3, HTTP) could not be read or written.
    #[error("{location}: {message}")]
    Storage {
        /// The URL or path.
        location: String,
        /// What went wrong.
        message: String,
    },
}

impl EngineError {
    /// An error about the query at `span`.
    pub fn at(
        code: &'static str,
        message: impl Into<String>,
        span: adql_syntax::Span,
    ) -> EngineError {
        EngineError::Query(vec![Diagnostic::error(code, message, span)])
    }

    /// A construct this engine does not run yet.
    pub fn unsupported(what: &str, span: adql_syntax::Span) -> EngineError {
        EngineError::at(
            "not-supported-yet",
            format!("{what} is valid ADQL but this engine does not run it yet"),
            span,
        )
    }
}

/// A shorthand for results of this crate.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;
