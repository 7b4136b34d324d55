//! A query's result as Arrow: a task that pulls the engine's stream (cut at
//! MAXREC) into a small channel, read from Python either whole
//! (`to_pyarrow`) or batch by batch through the Arrow C stream interface
//! (`__arrow_c_stream__`), which pyarrow, polars, DuckDB and datafusion read
//! without copying.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Arc, Mutex};

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use arrow::ffi::FFI_ArrowSchema;
use arrow::ffi_stream::FFI_ArrowArrayStream;
use arrow::record_batch::RecordBatchReader;
use arrow_pyarrow::IntoPyArrow;
use futures::StreamExt;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use tokio::sync::Semaphore;
use tokio::task::AbortHandle;

use crate::errors::EngineError;
use crate::runtime::{retire, runtime, QueryRuntime, SIGNAL_POLL};

/// Batches computed ahead of the reader: enough to keep the cores busy while
/// Python converts, little enough that memory does not follow the result.
const AHEAD: usize = 4;

type Received = Option<Result<RecordBatch, String>>;

/// The receiving end of a running query. Batches come through a std channel,
/// waited for with a timeout that needs no tokio timer (busy workers do not
/// drive timers); the semaphore holds the producer to [`AHEAD`] batches.
struct Receiver {
    batches: std::sync::mpsc::Receiver<Result<RecordBatch, String>>,
    room: Arc<Semaphore>,
    task: AbortHandle,
    /// The runtime the query runs on, alive while it is read.
    runtime: Arc<QueryRuntime>,
}

impl Receiver {
    /// The next batch (`None` at the end), or `Err` if none came within one
    /// poll interval.
    fn next_within_poll(&mut self) -> Result<Received, ()> {
        match self.batches.recv_timeout(SIGNAL_POLL) {
            Ok(batch) => {
                self.room.add_permits(1);
                Ok(Some(batch))
            }
            Err(RecvTimeoutError::Disconnected) => Ok(None),
            Err(RecvTimeoutError::Timeout) => Err(()),
        }
    }
}

impl Receiver {
    /// Stops the query after Ctrl-C; later queries run on fresh threads.
    fn interrupt(&self) {
        self.task.abort();
        retire(&self.runtime);
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        // A result dropped before its end stops the query.
        self.task.abort();
    }
}

/// The rows of a query, computed as they are read. Read it once: with
/// `to_pyarrow()` or by an Arrow consumer (`pyarrow.table(result)`,
/// `polars.from_arrow`, `RecordBatchReader.from_stream`).
#[pyclass(module = "adql._adql", name = "ResultStream")]
pub struct ResultStream {
    schema: SchemaRef,
    receiver: Mutex<Option<Receiver>>,
    overflow: Arc<AtomicBool>,
}

impl ResultStream {
    /// Starts pulling `result` on the runtime.
    pub(crate) fn start(
        result: adql_engine::QueryResult,
        maxrec: Option<u64>,
    ) -> PyResult<ResultStream> {
        let (sender, batches) = std::sync::mpsc::channel();
        let room = Arc::new(Semaphore::new(AHEAD));
        let producer_room = Arc::clone(&room);
        // Waits for room, then sends; false when the reader is gone.
        let send = move |item: Result<RecordBatch, String>| {
            let sender = sender.clone();
            let room = Arc::clone(&producer_room);
            async move {
                match room.acquire().await {
                    Ok(permit) => permit.forget(),
                    Err(_) => return false,
                }
                sender.send(item).is_ok()
            }
        };
        let overflow = Arc::new(AtomicBool::new(false));
        let overflowed = Arc::clone(&overflow);
        let schema = Arc::clone(&result.schema);
        let mut stream = result.stream;
        let runtime = runtime()?;
        let task = runtime.spawn(async move {
            let mut limit = adql_output::RowLimit::new(maxrec);
            while let Some(next) = stream.next().await {
                let batch = match next {
                    Ok(b) => b,
                    Err(e) => {
                        send(Err(e.to_string())).await;
                        return;
                    }
                };
                if batch.num_rows() == 0 {
                    continue;
                }
                if limit.is_full() {
                    overflowed.store(true, Ordering::Relaxed);
                    return;
                }
                let (kept, stop) = limit.take(batch);
                // The engine's batches carry its own field metadata (an
                // upload's, say); the result's schema has the catalogue's
                // on the same columns.
                let kept = match RecordBatch::try_new(Arc::clone(&schema), kept.columns().to_vec())
                {
                    Ok(b) => b,
                    Err(e) => {
                        send(Err(e.to_string())).await;
                        return;
                    }
                };
                if !send(Ok(kept)).await {
                    return;
                }
                if stop {
                    overflowed.store(true, Ordering::Relaxed);
                    return;
                }
            }
        });
        Ok(ResultStream {
            schema: result.schema,
            receiver: Mutex::new(Some(Receiver {
                batches,
                room,
                task: task.abort_handle(),
                runtime,
            })),
            overflow,
        })
    }

    fn take_receiver(&self) -> PyResult<Receiver> {
        self.receiver
            .lock()
            .map_err(|_| EngineError::new_err("the result's lock is poisoned"))?
            .take()
            .ok_or_else(|| {
                EngineError::new_err("this result has been read already: run the query again")
            })
    }
}

#[pymethods]
impl ResultStream {
    /// True when the result was cut at `maxrec` and more rows existed;
    /// known once the result has been read.
    #[getter]
    fn overflow(&self) -> bool {
        self.overflow.load(Ordering::Relaxed)
    }

    /// The schema, as an Arrow C schema capsule (`pyarrow.schema(result)`).
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        let schema = FFI_ArrowSchema::try_from(self.schema.as_ref())
            .map_err(|e| EngineError::new_err(e.to_string()))?;
        PyCapsule::new_with_value(py, schema, c"arrow_schema")
    }

    /// The rows as an Arrow C stream capsule, read batch by batch (the
    /// Arrow PyCapsule interface). `requested_schema` is not used: the
    /// result has one schema.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let reader = BatchReader {
            schema: Arc::clone(&self.schema),
            receiver: self.take_receiver()?,
        };
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }

    /// Reads the whole result into a `pyarrow.Table`, with the GIL released;
    /// Ctrl-C stops the query and raises `KeyboardInterrupt`.
    fn to_pyarrow(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let mut receiver = self.take_receiver()?;
        let mut batches = Vec::new();
        loop {
            match py.detach(|| receiver.next_within_poll()) {
                Ok(Some(Ok(batch))) => batches.push(batch),
                Ok(Some(Err(message))) => return Err(EngineError::new_err(message)),
                Ok(None) => break,
                Err(()) => {
                    if let Err(interrupt) = py.check_signals() {
                        receiver.interrupt();
                        return Err(interrupt);
                    }
                }
            }
        }
        let table = arrow_pyarrow::Table::try_new(batches, Arc::clone(&self.schema))
            .map_err(|e| EngineError::new_err(e.to_string()))?;
        Ok(table.into_pyarrow(py)?.unbind())
    }
}

/// The Arrow C stream's reader: blocks for each batch, and between polls asks
/// Python whether Ctrl-C was pressed (the consumer may have released the GIL).
struct BatchReader {
    schema: SchemaRef,
    receiver: Receiver,
}

impl Iterator for BatchReader {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.receiver.next_within_poll() {
                Ok(Some(Ok(batch))) => return Some(Ok(batch)),
                Ok(Some(Err(message))) => {
                    return Some(Err(ArrowError::ExternalError(message.into())))
                }
                Ok(None) => return None,
                Err(()) => {
                    let interrupted = Python::attach(|py| py.check_signals().is_err());
                    if interrupted {
                        self.receiver.interrupt();
                        return Some(Err(ArrowError::ExternalError(
                            "interrupted (KeyboardInterrupt): the query was stopped".into(),
                        )));
                    }
                }
            }
        }
    }
}

impl RecordBatchReader for BatchReader {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }
}
