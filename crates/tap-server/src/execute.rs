//! Running a query into a writer: on a blocking thread, so that encoding rows
//! never holds up the async workers; batches are pulled from DataFusion's
//! stream one at a time, so memory holds one batch whatever the result's size.
//! Shared by sync responses (a channel into the HTTP body) and async jobs (a file).

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use adql_engine::{Engine, EngineError, QueryResult, QueryStop, UploadTable};
use adql_output::{Format, ResultWriter, RowLimit};
use arrow::array::RecordBatch;
use futures::StreamExt;
use tokio::runtime::Handle;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::TapError;

/// A query to run, as a TAP request describes it.
#[derive(Debug, Clone)]
pub struct QueryJob {
    /// The ADQL text.
    pub query: String,
    /// The response format.
    pub format: Format,
    /// The most rows to return.
    pub maxrec: u64,
    /// Tables uploaded with the request.
    pub uploads: Vec<UploadTable>,
    /// INFOs for the VOTable header (the query, the request).
    pub infos: Vec<votable::Info>,
    /// This service's base URL when results link to its DataLink service:
    /// `access_url` values are rewritten to its links endpoint and a VOTable
    /// gets a DataLink descriptor on `obs_publisher_did`.
    pub datalink_base: Option<String>,
    /// The ADQL version the query is checked against (`LANG`).
    pub language: adql_syntax::Language,
}

/// What a finished query wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Rows written.
    pub rows: u64,
    /// More rows existed than MAXREC allowed.
    pub overflow: bool,
}

/// Plans and starts `job` on the query runtime `cpu` (where DataFusion then
/// spawns its tasks), to be stopped by `stop`: the diagnostics of an invalid
/// query become [`TapError::Query`] with line:column and caret.
pub async fn start(
    cpu: &Handle,
    engine: &Arc<Engine>,
    job: &QueryJob,
    stop: &QueryStop,
) -> Result<QueryResult, TapError> {
    let (engine, task, stop) = (engine.clone(), job.clone(), stop.clone());
    let started = cpu
        .spawn(async move {
            engine
                .query_until(&task.query, &task.uploads, task.language, &stop)
                .await
        })
        .await
        .map_err(|_| TapError::Internal("the query stopped".into()))?;
    match started {
        Ok(result) => Ok(result),
        Err(EngineError::Query(diagnostics)) => Err(TapError::Query(
            adql_syntax::render_all(&diagnostics, &job.query, "query")
                .trim_end()
                .to_string(),
        )),
        // DataFusion refusing the plan (types it cannot coerce, …) is the
        // query's doing too.
        Err(EngineError::DataFusion(e)) => match e.find_root() {
            datafusion::error::DataFusionError::Plan(message)
            | datafusion::error::DataFusionError::Execution(message) => {
                Err(TapError::Query(message.clone()))
            }
            datafusion::error::DataFusionError::SchemaError(..) => {
                Err(TapError::Query(e.to_string()))
            }
            _ => Err(failure(&e)),
        },
        Err(e) => Err(internal(&e)),
    }
}

/// A failure inside the service, as the user is told it.
pub fn internal(e: &dyn std::fmt::Display) -> TapError {
    TapError::Internal(e.to_string())
}

/// How a running query is bounded and watched.
pub struct Watch<'a> {
    /// When it must have ended.
    pub deadline: Instant,
    /// Turns true when the query must stop (an aborted job).
    pub cancel: &'a tokio::sync::watch::Receiver<bool>,
    /// Told to stop when the query ends here early (the deadline, an abort, a
    /// client gone), so that work still inside DataFusion's operators ends too.
    pub stop: &'a QueryStop,
    /// A runtime other than the query runtime, whose timers the wait for each
    /// batch uses: the query runtime's workers may all be inside one long
    /// poll, and while they are its timers do not fire.
    pub timer: &'a Handle,
    /// Rows written so far, for the log line.
    pub rows: &'a AtomicU64,
}

/// Ends a query's work when the writing of its result ends, however it ends.
struct StopOnDrop<'a> {
    stop: &'a QueryStop,
    pump: tokio::task::JoinHandle<()>,
}

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.stop.stop();
        self.pump.abort();
    }
}

/// A failure of a running query: the query's own doing (an execution error
/// raised by a function on its values) or the service's.
fn failure(e: &datafusion::error::DataFusionError) -> TapError {
    match e.find_root() {
        datafusion::error::DataFusionError::Execution(message) => {
            TapError::Execution(message.clone())
        }
        datafusion::error::DataFusionError::ResourcesExhausted(message) => TapError::Internal(
            format!("the query needs more memory than this service allows: {message}"),
        ),
        _ => internal(e),
    }
}

/// Writes `result` (started on the query runtime `handle`) into `out` in `job`'s format, stopping at MAXREC and at
/// `deadline`. `on_first` is called once the first batch (or the end) has come
/// without error and the document has begun: a sync response picks its status
/// then. An error before that is returned with nothing written; an error after
/// it ends the document (a VOTable says `QUERY_STATUS` `ERROR` after the table)
/// and is returned.
pub fn write_result<W: Write + Send>(
    handle: &Handle,
    result: QueryResult,
    job: &QueryJob,
    out: W,
    watch: Watch<'_>,
    on_first: impl FnOnce(),
) -> Result<Written, TapError> {
    let Watch {
        deadline,
        cancel,
        stop,
        timer,
        rows: rows_seen,
    } = watch;
    let schema = result.schema.clone();
    let timeout_secs = deadline.saturating_duration_since(Instant::now()).as_secs();
    // A task on the query runtime pulls the batches; this thread only waits
    // for them, so that the wait ends at the deadline whatever the stream's
    // polls do.
    let (batches, mut arriving) = tokio::sync::mpsc::channel(1);
    let mut stream = result.stream;
    let pump = handle.spawn(async move {
        while let Some(batch) = stream.next().await {
            let failed = batch.is_err();
            if batches.send(batch).await.is_err() || failed {
                break;
            }
        }
    });
    let _ending = StopOnDrop { stop, pump };
    let mut next = || -> Result<Option<RecordBatch>, TapError> {
        let deadline = tokio::time::Instant::from_std(deadline);
        let mut cancel = cancel.clone();
        let batch = timer.block_on(async {
            tokio::select! {
                b = tokio::time::timeout_at(deadline, arriving.recv()) => Some(b),
                _ = cancelled(&mut cancel) => None,
            }
        });
        let Some(batch) = batch else {
            return Err(TapError::Internal("the query was aborted".into()));
        };
        match batch {
            Err(_) => Err(TapError::Timeout(timeout_secs)),
            Ok(None) => Ok(None),
            // The engine's functions may see the deadline pass before this
            // wait does: the same timeout.
            Ok(Some(Err(_))) if stop.is_past_deadline() => Err(TapError::Timeout(timeout_secs)),
            Ok(Some(Err(e))) => Err(failure(&e)),
            Ok(Some(Ok(b))) => RecordBatch::try_new(schema.clone(), b.columns().to_vec())
                .map(Some)
                .map_err(|e| internal(&e)),
        }
    };
    let links = job
        .datalink_base
        .as_deref()
        .map(|base| crate::links::ResultLinks::new(base, &schema));
    // Each batch as this service shows it: access_url pointing here.
    let decorate = |b: Option<RecordBatch>| match (&links, b) {
        (Some(l), Some(b)) => l.rewrite(b).map(Some),
        (_, b) => Ok(b),
    };
    let mut pending = decorate(next()?)?;
    let extras = links.as_ref().map(|l| l.extras()).unwrap_or_default();
    let mut writer = ResultWriter::with_extras(job.format, &schema, out, job.infos.clone(), extras)
        .map_err(|e| internal(&e))?;
    on_first();
    let mut limit = RowLimit::new(Some(job.maxrec));
    loop {
        let Some(batch) = pending else { break };
        let (batch, stop) = limit.take(batch);
        if let Err(e) = writer.write(&batch) {
            // The output is gone (a client that hung up): nothing more to say.
            return Err(internal(&e));
        }
        rows_seen.store(writer.rows(), Ordering::Relaxed);
        if stop {
            break;
        }
        pending = match next().and_then(decorate) {
            Ok(b) => b,
            Err(e) => {
                let _ = writer.finish_error(&e.to_string());
                return Err(e);
            }
        };
    }
    let rows = writer.rows();
    writer
        .finish(limit.overflowed())
        .map_err(|e| internal(&e))?;
    Ok(Written {
        rows,
        overflow: limit.overflowed(),
    })
}

/// Resolves when `cancel` turns true; never when its sender is gone.
async fn cancelled(cancel: &mut tokio::sync::watch::Receiver<bool>) {
    if cancel.wait_for(|c| *c).await.is_err() {
        std::future::pending::<()>().await
    }
}

/// Bounds the queries running at once; sync requests beyond the queue's room
/// are turned away (503 with `Retry-After`) instead of piling up.
#[derive(Debug)]
pub struct Limiter {
    slots: Arc<Semaphore>,
    waiting: AtomicU64,
    max_waiting: u64,
}

impl Limiter {
    /// `running` queries at once, `queued` sync requests waiting.
    pub fn new(running: usize, queued: usize) -> Limiter {
        Limiter {
            slots: Arc::new(Semaphore::new(running.max(1))),
            waiting: AtomicU64::new(0),
            max_waiting: queued as u64,
        }
    }

    /// A slot for a sync query, or `Overloaded` when the queue is full.
    pub async fn sync_slot(&self) -> Result<OwnedSemaphorePermit, TapError> {
        if let Ok(permit) = self.slots.clone().try_acquire_owned() {
            return Ok(permit);
        }
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(TapError::Overloaded(2));
        }
        let permit = self.slots.clone().acquire_owned().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        permit.map_err(|_| TapError::Internal("the service is shutting down".into()))
    }

    /// A slot for an async job: jobs wait in their QUEUED phase as long as needed.
    pub async fn job_slot(&self) -> Option<OwnedSemaphorePermit> {
        self.slots.clone().acquire_owned().await.ok()
    }
}
