//! Each protocol's errors and their wire forms, rendered here and nowhere else:
//! TAP (DALI) errors — and SIA's, and DataLink's whole-request ones — are
//! VOTable error documents, UWS errors are text/plain (the UWS job's own
//! `errorSummary` is part of the job document, see `uws`), SODA errors are
//! text/plain starting with SODA's code (`UsageError: …`); DataLink's per-ID
//! faults are rows of the links document (see `datalink`).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// A TAP request that failed: rendered as a DALI error VOTable
/// (`QUERY_STATUS` `ERROR` with the message as its text, no TABLE).
#[derive(Debug, thiserror::Error)]
pub enum TapError {
    /// The request is malformed (missing or bad parameter, bad upload).
    #[error("{0}")]
    Usage(String),
    /// The query is invalid: the rendered diagnostics, with line:column and caret.
    #[error("{0}")]
    Query(String),
    /// No or an unknown bearer token.
    #[error("this service needs a bearer token: Authorization: Bearer TOKEN")]
    Unauthorized,
    /// The request body is larger than the service accepts.
    #[error("the request is larger than this service accepts ({0} bytes)")]
    TooLarge(usize),
    /// Every query slot is busy and the queue is full.
    #[error("the service is busy: try again in {0} s")]
    Overloaded(u64),
    /// The query ran longer than allowed.
    #[error("the query ran longer than {0} s and was stopped")]
    Timeout(u64),
    /// The query failed while running because of its own values (an invalid
    /// shape built from columns, a bad cast): the user's to fix.
    #[error("the query failed while running: {0}")]
    Execution(String),
    /// Something failed inside the service (reading data, resources).
    #[error("{0}")]
    Internal(String),
}

impl TapError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            TapError::Usage(_) | TapError::Query(_) | TapError::Execution(_) => {
                StatusCode::BAD_REQUEST
            }
            TapError::Unauthorized => StatusCode::UNAUTHORIZED,
            TapError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            TapError::Overloaded(_) => StatusCode::SERVICE_UNAVAILABLE,
            TapError::Timeout(_) => StatusCode::INTERNAL_SERVER_ERROR,
            TapError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The error VOTable document.
    pub fn document(&self) -> Vec<u8> {
        error_votable(&self.to_string())
    }
}

/// A DALI error document with `message` (the VOTable writer escapes it).
pub fn error_votable(message: &str) -> Vec<u8> {
    votable::write_error_document(Vec::new(), message).unwrap_or_else(|_| b"<VOTABLE/>".to_vec())
}

impl IntoResponse for TapError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status(),
            [(header::CONTENT_TYPE, votable::MIME_TYPE)],
            self.document(),
        )
            .into_response();
        let headers = response.headers_mut();
        match &self {
            TapError::Unauthorized => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"adql-rs\""),
                );
            }
            TapError::Overloaded(seconds) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*seconds));
            }
            _ => {}
        }
        response
    }
}

/// A UWS request that failed (job resources other than results): text/plain.
#[derive(Debug, thiserror::Error)]
pub enum UwsError {
    /// No such job (or not the caller's).
    #[error("no job {0}")]
    NoSuchJob(String),
    /// The request is malformed or not allowed in the job's phase.
    #[error("{0}")]
    Usage(String),
    /// No or an unknown bearer token.
    #[error("this service needs a bearer token: Authorization: Bearer TOKEN")]
    Unauthorized,
    /// Something failed inside the service.
    #[error("{0}")]
    Internal(String),
}

impl IntoResponse for UwsError {
    fn into_response(self) -> Response {
        let status = match &self {
            UwsError::NoSuchJob(_) => StatusCode::NOT_FOUND,
            UwsError::Usage(_) => StatusCode::BAD_REQUEST,
            UwsError::Unauthorized => StatusCode::UNAUTHORIZED,
            UwsError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{self}\n"),
        )
            .into_response();
        if matches!(self, UwsError::Unauthorized) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"adql-rs\""),
            );
        }
        response
    }
}

impl From<crate::jobs::StoreError> for UwsError {
    fn from(e: crate::jobs::StoreError) -> UwsError {
        tracing::error!(error = %e, "job store");
        UwsError::Internal("the job store failed".into())
    }
}

impl From<crate::jobs::StoreError> for TapError {
    fn from(e: crate::jobs::StoreError) -> TapError {
        tracing::error!(error = %e, "job store");
        TapError::Internal("the job store failed".into())
    }
}

/// A handler panicked (a bug): 500 with a short message, never the panic's text
/// or a trace; the service stays up.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    TapError::Internal("internal error".into()).into_response()
}

/// A SODA request that failed, rendered as text/plain starting with SODA's
/// error code; a region outside the image is 204 with no body.
#[derive(Debug)]
pub struct SodaFailure(pub datalink::SodaError);

impl From<datalink::SodaError> for SodaFailure {
    fn from(e: datalink::SodaError) -> Self {
        SodaFailure(e)
    }
}

impl From<crate::datasets::DatasetError> for SodaFailure {
    fn from(e: crate::datasets::DatasetError) -> Self {
        SodaFailure(e.into())
    }
}

impl IntoResponse for SodaFailure {
    fn into_response(self) -> Response {
        use datalink::SodaError;
        let status = match &self.0 {
            SodaError::Usage(_) | SodaError::MultiValued(_) => StatusCode::BAD_REQUEST,
            SodaError::NotFound(_) => StatusCode::NOT_FOUND,
            SodaError::NoOverlap(_) => return StatusCode::NO_CONTENT.into_response(),
            SodaError::Fault(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{}\n", self.0),
        )
            .into_response()
    }
}
