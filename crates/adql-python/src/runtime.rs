//! The tokio runtime queries run on, and waiting for them from Python with the
//! GIL released and Ctrl-C heard.

use std::future::Future;
use std::sync::mpsc::RecvTimeoutError;
use std::sync::OnceLock;
use std::time::Duration;

use pyo3::prelude::*;

use crate::errors::EngineError;

/// How often a wait looks for Ctrl-C: Python runs its signal handlers only
/// when asked, on the main thread.
pub(crate) const SIGNAL_POLL: Duration = Duration::from_millis(50);

static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();

/// The runtime, made on first use: one worker per core, each with the stack
/// the engine's planning needs (a deep expression recurses).
pub(crate) fn runtime() -> PyResult<&'static tokio::runtime::Runtime> {
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .thread_name("adql-worker")
                .thread_stack_size(adql_engine::QUERY_STACK_BYTES)
                .build()
                .map_err(|e| format!("starting the query runtime: {e}"))
        })
        .as_ref()
        .map_err(|e| EngineError::new_err(e.clone()))
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
    let task = runtime()?.spawn(async move {
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
                    return Err(interrupt);
                }
            }
        }
    }
}
