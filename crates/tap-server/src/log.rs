//! One log line per request, written when its body has been sent (or the
//! client went away): method, path, status, rows (for query results), bytes, ms.
//! Query strings are not logged: they may carry queries and uploads of others.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use futures::StreamExt;

/// Set on a response by a handler that streams rows: how many were written.
#[derive(Debug, Clone, Default)]
pub struct RowCount(pub Arc<AtomicU64>);

struct Line {
    method: String,
    path: String,
    status: u16,
    rows: Option<RowCount>,
    bytes: u64,
    started: Instant,
}

impl Drop for Line {
    fn drop(&mut self) {
        let ms = self.started.elapsed().as_secs_f64() * 1000.0;
        let rows = self.rows.as_ref().map(|r| r.0.load(Ordering::Relaxed));
        tracing::info!(
            method = %self.method,
            path = %self.path,
            status = self.status,
            rows = rows,
            bytes = self.bytes,
            ms = format!("{ms:.1}"),
            "request"
        );
    }
}

/// The middleware.
pub async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let (mut parts, body) = response.into_parts();
    parts.headers.insert(
        axum::http::header::SERVER,
        axum::http::HeaderValue::from_static(concat!("adql-rs/", env!("CARGO_PKG_VERSION"))),
    );
    let mut line = Line {
        method,
        path,
        status: parts.status.as_u16(),
        rows: parts.extensions.get::<RowCount>().cloned(),
        bytes: 0,
        started,
    };
    let stream = body.into_data_stream().map(move |chunk| {
        // The whole line moves into the closure (not just its counter), so it is
        // logged when the body is dropped.
        let line = &mut line;
        if let Ok(c) = &chunk {
            line.bytes += c.len() as u64;
        }
        chunk
    });
    Response::from_parts(parts, Body::from_stream(stream))
}
