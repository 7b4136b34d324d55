//! # adql-cluster
//!
//! ADQL on a cluster: [Apache DataFusion Ballista](https://datafusion.apache.org/ballista/)
//! runs the plans `adql-engine` makes. The engine plans as always; plans that
//! read only snapshots (no in-memory table, no `RAND(seed)`) are lowered to
//! plain Parquet listings (`adql_engine::catalog::for_cluster`: the file-level
//! pruning and the eager/late reading chosen in the planning process), which
//! DataFusion's plan serialisation carries, and sent to the scheduler.
//!
//! What a plan needs beyond DataFusion's own is registered in every process:
//! ADQL's scalar UDFs (by name: the scheduler decodes logical plans with
//! them, the executors physical plans), and an object-store registry that
//! makes S3 and HTTP stores from URLs ([`adql_engine::storage::StoreRegistry`]).
//! So no extension codec is needed: nothing in a lowered plan is outside
//! DataFusion's serialisation.

#![warn(missing_docs)]

use std::net::SocketAddr;
use std::sync::Arc;

use ballista::prelude::{SessionConfigExt, SessionContextExt};
use datafusion::error::DataFusionError;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::execution::{SendableRecordBatchStream, SessionState, SessionStateBuilder};
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::prelude::{SessionConfig, SessionContext};

/// What can go wrong starting or reaching a cluster.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The address or URL is malformed.
    #[error("{0}")]
    Address(String),
    /// Ballista failed.
    #[error("{0}")]
    Ballista(#[from] ballista_core::error::BallistaError),
    /// DataFusion failed.
    #[error("{0}")]
    DataFusion(#[from] datafusion::error::DataFusionError),
    /// A query on the cluster failed for a reason outside the query.
    #[error("the cluster at {url}: {message}")]
    Failed {
        /// The scheduler's `df://` URL.
        url: String,
        /// What failed.
        message: String,
    },
}

/// A host and port from `df://host:port` or `host:port`.
pub fn parse_address(text: &str) -> Result<(String, u16), ClusterError> {
    let bare = text
        .strip_prefix("df://")
        .unwrap_or(text)
        .trim_end_matches('/');
    let (host, port) = bare
        .rsplit_once(':')
        .ok_or_else(|| ClusterError::Address(format!("`{text}`: expected HOST:PORT")))?;
    let port: u16 = port
        .parse()
        .map_err(|_| ClusterError::Address(format!("`{text}`: `{port}` is not a port")))?;
    if host.is_empty() {
        return Err(ClusterError::Address(format!("`{text}`: no host")));
    }
    Ok((host.to_string(), port))
}

/// A runtime whose object stores are made from URLs when first asked.
pub fn runtime() -> datafusion::error::Result<Arc<RuntimeEnv>> {
    RuntimeEnvBuilder::new()
        .with_object_store_registry(Arc::new(adql_engine::storage::StoreRegistry::default()))
        .build_arc()
}

/// The scheduler's session: Ballista's, with ADQL's UDFs and object stores.
pub fn scheduler_session(config: SessionConfig) -> datafusion::error::Result<SessionState> {
    let state = ballista_core::utils::default_session_builder(config)?;
    let mut state = SessionStateBuilder::new_from_existing(state)
        .with_runtime_env(runtime()?)
        .build();
    for udf in adql_engine::udf::all_udfs() {
        datafusion::execution::FunctionRegistry::register_udf(&mut state, udf)?;
    }
    for udaf in adql_engine::udf::all_udafs() {
        datafusion::execution::FunctionRegistry::register_udaf(&mut state, udaf)?;
    }
    Ok(state)
}

/// How long the scheduler waits for an executor's heartbeat before it gives
/// the executor's tasks to others (Ballista's default is 180 s).
pub const EXECUTOR_TIMEOUT_SECONDS: u64 = 20;
/// How often executors send heartbeats.
pub const HEARTBEAT_SECONDS: u64 = 5;

/// Runs a scheduler on `addr` until the process ends.
pub async fn run_scheduler(addr: SocketAddr) -> Result<(), ClusterError> {
    use ballista_scheduler::config::SchedulerConfig;
    let config = SchedulerConfig {
        bind_host: addr.ip().to_string(),
        external_host: addr.ip().to_string(),
        bind_port: addr.port(),
        override_session_builder: Some(Arc::new(scheduler_session)),
        executor_timeout_seconds: EXECUTOR_TIMEOUT_SECONDS,
        expire_dead_executor_interval_seconds: HEARTBEAT_SECONDS,
        ..Default::default()
    };
    let cluster = ballista_scheduler::cluster::BallistaCluster::new_from_config(&config).await?;
    ballista_scheduler::scheduler_process::start_server(cluster, addr, Arc::new(config)).await?;
    Ok(())
}

/// Runs an executor until the process ends: Arrow Flight (results and
/// shuffles) on `addr`, its control port on the next port, `slots` tasks at
/// a time, registered with the scheduler at `scheduler` (`df://host:port`).
pub async fn run_executor(
    addr: SocketAddr,
    scheduler: &str,
    slots: usize,
) -> Result<(), ClusterError> {
    use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};
    let (scheduler_host, scheduler_port) = parse_address(scheduler)?;
    let grpc_port = addr.port().checked_add(1).ok_or_else(|| {
        ClusterError::Address(format!(
            "{addr}: the control port (the next) would be past 65535"
        ))
    })?;
    let mut functions = ballista_core::registry::BallistaFunctionRegistry::default();
    for udf in adql_engine::udf::all_udfs() {
        functions
            .scalar_functions
            .insert(udf.name().to_string(), udf);
    }
    for udaf in adql_engine::udf::all_udafs() {
        functions
            .aggregate_functions
            .insert(udaf.name().to_string(), udaf);
    }
    let config = ExecutorProcessConfig {
        bind_host: addr.ip().to_string(),
        external_host: Some(addr.ip().to_string()),
        port: addr.port(),
        grpc_port,
        scheduler_host,
        scheduler_port,
        scheduler_connect_timeout_seconds: 30,
        vcores: slots.max(1),
        executor_heartbeat_interval_seconds: HEARTBEAT_SECONDS,
        print_thread_info: false,
        override_function_registry: Some(Arc::new(functions)),
        override_runtime_producer: Some(Arc::new(|_config: &SessionConfig| runtime())),
        ..Default::default()
    };
    start_executor_process(Arc::new(config)).await?;
    Ok(())
}

/// A client of a scheduler: runs the engine's plans there.
pub struct Cluster {
    url: String,
    ctx: SessionContext,
}

impl Cluster {
    /// A client of the scheduler at `url` (`df://host:port`).
    pub async fn connect(url: &str) -> Result<Cluster, ClusterError> {
        let (host, port) = parse_address(url)?;
        let url = format!("df://{host}:{port}");
        // Ballista's adaptive planner (its default) stays on. When an executor
        // dies mid-job it sometimes never ends the job (the client's deadline
        // ends it, with an error); the static planner instead completed such a
        // job with rows counted twice (a self-join's counts 12 % high, seen
        // here), a wrong answer presented as whole.
        let state = SessionStateBuilder::new()
            .with_default_features()
            .with_config(SessionConfig::new_with_ballista())
            .with_runtime_env(runtime()?)
            .build();
        let ctx = SessionContext::remote_with_state(&url, state).await?;
        Ok(Cluster { url, ctx })
    }
}

#[async_trait::async_trait]
impl adql_engine::RemoteExecutor for Cluster {
    fn describe(&self) -> String {
        self.url.clone()
    }

    async fn execute(&self, plan: LogicalPlan) -> adql_engine::Result<SendableRecordBatchStream> {
        let url = self.url.clone();
        // The cluster named in every failure, at the root of the error: a
        // service reports the root's message (Ballista's own is often a
        // transport error with no address of the scheduler in it).
        // An execution error stays one (a job failing on the query's values is
        // the query's doing); anything else (transport, I/O) is the service's.
        let named = move |e: DataFusionError| match e.find_root() {
            DataFusionError::Execution(message) => {
                DataFusionError::Execution(format!("the cluster at {url}: {message}"))
            }
            root => DataFusionError::External(Box::new(ClusterError::Failed {
                url: url.clone(),
                message: root.to_string(),
            })),
        };
        let frame = self
            .ctx
            .execute_logical_plan(plan)
            .await
            .map_err(named.clone())
            .map_err(adql_engine::EngineError::DataFusion)?;
        let stream = frame
            .execute_stream()
            .await
            .map_err(named.clone())
            .map_err(adql_engine::EngineError::DataFusion)?;
        // Failures while the job runs (the scheduler gone, a job failed) come
        // from the stream, not from the call.
        let schema = stream.schema();
        let stream = futures::TryStreamExt::map_err(stream, named);
        Ok(Box::pin(RecordBatchStreamAdapter::new(schema, stream)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            parse_address("df://127.0.0.1:50050").unwrap(),
            ("127.0.0.1".to_string(), 50050)
        );
        assert_eq!(
            parse_address("localhost:1").unwrap(),
            ("localhost".to_string(), 1)
        );
        assert!(parse_address("df://host").is_err());
        assert!(parse_address("df://:50050").is_err());
        assert!(parse_address("df://h:99999").is_err());
    }

    #[test]
    fn the_scheduler_knows_adql_functions() {
        let state = scheduler_session(SessionConfig::new_with_ballista()).unwrap();
        for udf in adql_engine::udf::all_udfs() {
            assert!(
                state.scalar_functions().contains_key(udf.name()),
                "{}",
                udf.name()
            );
        }
        for udaf in adql_engine::udf::all_udafs() {
            assert!(state.aggregate_functions().contains_key(udaf.name()));
        }
        assert!(state.scalar_functions().contains_key("abs"));
    }
}
