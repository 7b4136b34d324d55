//! The tokio runtime queries run on, and waiting for them from Python with the
//! GIL released and Ctrl-C heard.

use std::future::Future;
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pyo3::prelude::*;

use crate::errors::EngineError;

/// How often a wait looks for Ctrl-C: Python runs its signal handlers only
/// when asked, on the main thread.
pub(crate) const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// A runtime of query threads. Dropped (when the last result it runs is),
/// it stops in the background: a stopped operator may compute on until its
/// next batch, and nothing should wait for that.
pub(crate) struct QueryRuntime(Option<tokio::runtime::Runtime>);

impl QueryRuntime {
    /// Runs `work` on this runtime's threads.
    pub(crate) fn spawn<F>(&self, work: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.0
            .as_ref()
            .expect("a runtime until dropped")
            .spawn(work)
    }
}

impl Drop for QueryRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// The runtime new queries run on.
static CURRENT: Mutex<Option<Arc<QueryRuntime>>> = Mutex::new(None);

/// The runtime new queries run on, made when there is none: one worker per
/// core, each with the stack the engine's planning needs (a deep expression
/// recurses).
pub(crate) fn runtime() -> PyResult<Arc<QueryRuntime>> {
    let mut current = CURRENT
        .lock()
        .map_err(|_| EngineError::new_err("the query runtime's lock is poisoned"))?;
    if let Some(runtime) = current.as_ref() {
        return Ok(Arc::clone(runtime));
    }
    let made = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("adql-worker")
        .thread_stack_size(adql_engine::QUERY_STACK_BYTES)
        .build()
        .map_err(|e| EngineError::new_err(format!("starting the query runtime: {e}")))?;
    let runtime = Arc::new(QueryRuntime(Some(made)));
    *current = Some(Arc::clone(&runtime));
    Ok(runtime)
}

/// After Ctrl-C: the threads of `runtime` may stay busy with the stopped
/// query for a while, so later queries get a runtime of their own (as the
/// shell does). `runtime` lives on while results still read from it.
pub(crate) fn retire(runtime: &Arc<QueryRuntime>) {
    if let Ok(mut current) = CURRENT.lock() {
        if current.as_ref().is_some_and(|c| Arc::ptr_eq(c, runtime)) {
            *current = None;
        }
    }
}

/// Runs `work` on the runtime and waits for it with the GIL released. Ctrl-C
/// (or any signal whose Python handler raises) stops the work and raises.
///
/// The wait is on a std channel, not a tokio timer: while the workers are busy
/// in a long operator they do not drive the runtime's timers.
pub(crate) fn wait<F, T>(py: Python<'_>, work: F) -> PyResult<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let (sender, mut receiver) = std::sync::mpsc::sync_channel(1);
    let runtime = runtime()?;
    let task = runtime.spawn(async move {
        let _ = sender.send(work.await);
    });
    loop {
        let waiting = &mut receiver;
        match py.detach(move || waiting.recv_timeout(SIGNAL_POLL)) {
            Ok(value) => return Ok(value),
            Err(RecvTimeoutError::Disconnected) => {
                return Err(EngineError::new_err(
                    "the query's task ended without an answer (see stderr)",
                ))
            }
            Err(RecvTimeoutError::Timeout) => {
                if let Err(interrupt) = py.check_signals() {
                    task.abort();
                    retire(&runtime);
                    return Err(interrupt);
                }
            }
        }
    }
}
