//! TAP 1.1 synchronous queries (`/sync`), and the reading of TAP parameters
//! into a query that sync and async share.

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use adql_engine::QueryStop;
use adql_output::Format;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::runtime::Handle;
use tokio::sync::{mpsc, oneshot};

use crate::error::TapError;
use crate::execute::{self, QueryJob};
use crate::log::RowCount;
use crate::params::Params;
use crate::Service;

/// The query languages this service takes in `LANG`.
pub const LANGUAGES: [&str; 3] = ["ADQL", "ADQL-2.0", "ADQL-2.1"];

/// The ADQL version `LANG` names; without LANG the newest (pyvo always
/// sends LANG=ADQL).
pub fn language(params: &Params) -> Result<adql_syntax::Language, TapError> {
    match params.get("LANG") {
        None => Ok(adql_syntax::Language::default()),
        Some(lang) => adql_syntax::Language::parse(lang).ok_or_else(|| {
            TapError::Usage(format!(
                "LANG {lang} is not supported: this service takes {}",
                LANGUAGES.join(", ")
            ))
        }),
    }
}

/// Reads a TAP query request: LANG, QUERY, RESPONSEFORMAT/FORMAT, MAXREC,
/// UPLOAD. REQUEST, VERSION, RUNID and unknown parameters are ignored here.
pub fn query_job(service: &Service, params: &Params) -> Result<QueryJob, TapError> {
    let config = &service.config;
    let language = language(params)?;
    let query = params
        .get("QUERY")
        .filter(|q| !q.trim().is_empty())
        .ok_or_else(|| TapError::Usage("the request has no QUERY".into()))?
        .to_string();
    let format = match params
        .get("RESPONSEFORMAT")
        .or_else(|| params.get("FORMAT"))
        .filter(|f| !f.trim().is_empty())
    {
        None => Format::Votable,
        Some(name) => Format::from_response_format(name).ok_or_else(|| {
            let known: Vec<&str> = Format::TAP.iter().map(|f| f.cli_name()).collect();
            TapError::Usage(format!(
                "RESPONSEFORMAT {name} is not offered: {} (or their MIME types)",
                known.join(", ")
            ))
        })?,
    };
    let maxrec = match params
        .get("MAXREC")
        .map(str::trim)
        .filter(|m| !m.is_empty())
    {
        None => config.maxrec_default,
        Some(text) => text.parse::<u64>().map_err(|_| {
            TapError::Usage(format!("MAXREC takes a non-negative integer, got `{text}`"))
        })?,
    }
    .min(config.maxrec_hard);
    let uploads = crate::upload::uploads(params, config.upload_limit_bytes)?;
    let mut query_info = votable::Info::new("QUERY", "");
    query_info.content = Some(query.clone());
    Ok(QueryJob {
        query,
        format,
        maxrec,
        uploads,
        infos: vec![query_info, votable::Info::new("REQUEST", "doQuery")],
        datalink_base: config.rewrite_access_url.then(|| config.base_url.clone()),
        language,
    })
}

/// `GET|POST /sync`: runs the query and streams the result as it is computed.
pub async fn sync(State(service): State<Arc<Service>>, request: Request) -> Response {
    match run_sync(service, request).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

async fn run_sync(service: Arc<Service>, request: Request) -> Result<Response, TapError> {
    let params = Params::from_request(request, &service.config).await?;
    let job = query_job(&service, &params)?;
    respond(service, job).await
}

/// Runs `job` now and streams its result as the response (TAP sync, SIA).
pub(crate) async fn respond(service: Arc<Service>, job: QueryJob) -> Result<Response, TapError> {
    let permit = service.limiter.sync_slot().await?;
    let deadline = Instant::now() + service.config.query_timeout;
    let stop = QueryStop::with_deadline(deadline);
    let handle = service.cpu();
    let timer = Handle::current();
    let result = execute::start(&handle, &service.engine, &job, &stop).await?;
    let (chunks, body) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let (first_tx, first_rx) = oneshot::channel::<Result<(), TapError>>();
    let rows = RowCount::default();
    let rows_seen = rows.0.clone();
    let format = job.format;
    let never_cancelled = service.never_cancelled();
    tokio::task::spawn_blocking(move || {
        // The slot is given back before the client can see the end of the
        // answer (the body's last chunk or the error), so that a client which
        // sends its next query at once finds it free.
        let slot = permit;
        let body_open = chunks.clone();
        let first = std::cell::Cell::new(Some(first_tx));
        let out = ChannelWriter::new(chunks);
        let outcome = execute::write_result(
            &handle,
            result,
            &job,
            out,
            execute::Watch {
                deadline,
                cancel: &never_cancelled,
                stop: &stop,
                timer: &timer,
                rows: &rows_seen,
            },
            || {
                if let Some(tx) = first.take() {
                    let _ = tx.send(Ok(()));
                }
            },
        );
        drop(slot);
        if let Err(e) = outcome {
            match first.take() {
                Some(tx) => {
                    let _ = tx.send(Err(e));
                }
                None => tracing::warn!(error = %e, "a sync result ended early"),
            }
        }
        drop(body_open);
    });
    match first_rx.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(e),
        Err(_) => return Err(TapError::Internal("the query stopped".into())),
    }
    let stream = futures::stream::unfold(body, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, format.mime_type())],
        Body::from_stream(stream),
    )
        .into_response();
    response.extensions_mut().insert(rows);
    Ok(response)
}

/// A `Write` into the HTTP body: chunks of 256 KiB go through a bounded
/// channel, so a slow client slows the query down instead of filling memory,
/// and a client that hangs up ends the query (the next write fails).
struct ChannelWriter {
    buffer: Vec<u8>,
    chunks: mpsc::Sender<Result<Bytes, std::io::Error>>,
}

const CHUNK: usize = 256 * 1024;

impl ChannelWriter {
    fn new(chunks: mpsc::Sender<Result<Bytes, std::io::Error>>) -> ChannelWriter {
        ChannelWriter {
            buffer: Vec::with_capacity(CHUNK),
            chunks,
        }
    }

    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK),
        ));
        self.chunks.blocking_send(Ok(chunk)).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away")
        })
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}
