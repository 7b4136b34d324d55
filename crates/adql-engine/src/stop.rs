//! Stopping a running query from inside its operators.
//!
//! Dropping a query's stream does not stop work already inside one poll of
//! an operator: DataFusion's hash join, for one, goes on through every
//! candidate pair of a probe batch whose pairs its filter all rejects, which
//! for a join on a low-cardinality key with an expensive condition can take
//! minutes, holding a worker thread (and with it the runtime's timers) the
//! whole time. Such loops call this engine's functions for every chunk of
//! pairs, so those functions look at the query's [`QueryStop`] and fail once
//! it says stop: the poll returns with an error and the worker is free again.

use std::any::Any;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use datafusion::common::config::{ConfigEntry, ConfigExtension, ExtensionOptions};
use datafusion::common::{exec_err, Result as DfResult};
use datafusion::config::ConfigOptions;

/// Tells a running query to stop: at a deadline, or when [`QueryStop::stop`]
/// is called (a client that went away, an aborted job). Clones share the
/// signal.
#[derive(Debug, Clone, Default)]
pub struct QueryStop {
    stopped: Arc<AtomicBool>,
    deadline: Option<Instant>,
}

impl QueryStop {
    /// A query that stops only when told to.
    pub fn new() -> QueryStop {
        QueryStop::default()
    }

    /// A query that stops at `deadline`, or earlier when told to.
    pub fn with_deadline(deadline: Instant) -> QueryStop {
        QueryStop {
            stopped: Arc::default(),
            deadline: Some(deadline),
        }
    }

    /// Tells the query to stop.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::Relaxed);
    }

    /// Whether the query must stop: told to, or past its deadline.
    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Relaxed) || self.is_past_deadline()
    }

    /// Whether the deadline (if any) has passed.
    pub fn is_past_deadline(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }
}

/// The [`QueryStop`] as a session option, where a function's arguments
/// (`ScalarFunctionArgs::config_options`) can see it. It has no entries: it
/// is not a setting, and a plan sent to a cluster does not carry it.
#[derive(Debug, Clone, Default)]
pub(crate) struct StopOption(pub(crate) QueryStop);

impl ExtensionOptions for StopOption {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    // The clone shares the signal on purpose: a session's options are cloned
    // into each plan, and the stop must reach all of them.
    fn cloned(&self) -> Box<dyn ExtensionOptions> {
        Box::new(self.clone())
    }

    fn set(&mut self, key: &str, _value: &str) -> DfResult<()> {
        exec_err!("adql_stop has no setting {key}")
    }

    fn entries(&self) -> Vec<ConfigEntry> {
        Vec::new()
    }
}

impl ConfigExtension for StopOption {
    const PREFIX: &'static str = "adql_stop";
}

/// The error a function raises in a query told to stop.
pub(crate) const STOPPED: &str = "the query was stopped";

/// Fails when the query whose options these are has been told to stop.
pub(crate) fn check(options: &ConfigOptions) -> DfResult<()> {
    match options.extensions.get::<StopOption>() {
        Some(StopOption(stop)) if stop.is_stopped() => exec_err!("{STOPPED}"),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_stop_is_seen_through_cloned_options() {
        let stop = QueryStop::new();
        let mut options = ConfigOptions::new();
        assert!(check(&options).is_ok());
        options.extensions.insert(StopOption(stop.clone()));
        let cloned = options.clone();
        assert!(check(&cloned).is_ok());
        stop.stop();
        let message = check(&cloned).unwrap_err().to_string();
        assert!(message.contains(STOPPED), "{message}");
    }

    #[test]
    fn a_deadline_stops_without_anyone_calling_stop() {
        let past = QueryStop::with_deadline(Instant::now() - Duration::from_millis(1));
        assert!(past.is_stopped() && past.is_past_deadline());
        let future = QueryStop::with_deadline(Instant::now() + Duration::from_secs(60));
        assert!(!future.is_stopped() && !future.is_past_deadline());
        assert!(!QueryStop::new().is_past_deadline());
    }
}
