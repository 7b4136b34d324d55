//! `adql cluster scheduler|executor`, and `--cluster df://…` for the commands
//! that run queries: Ballista processes with ADQL's functions and object
//! stores (`adql-cluster`), present when built with the `cluster` feature.

use std::process::ExitCode;

use anyhow::Result;

use crate::ClusterCommand;

#[cfg(not(feature = "cluster"))]
const MISSING: &str = "this adql was built without the `cluster` feature: build it with `cargo build --release -p adql-cli --features cluster`";

/// Runs a scheduler or an executor until killed.
#[cfg(feature = "cluster")]
pub(crate) fn run(command: &ClusterCommand) -> Result<ExitCode> {
    use anyhow::Context;
    let runtime = crate::commands::query::runtime()?;
    // Ballista reports jobs, tasks and lost executors through `tracing`.
    crate::commands::serve::init_logging("text")?;
    match command {
        ClusterCommand::Scheduler { addr } => {
            let addr: std::net::SocketAddr = addr
                .parse()
                .with_context(|| format!("--addr {addr}: expected IP:PORT"))?;
            eprintln!("adql cluster: scheduler at df://{addr}");
            runtime.block_on(adql_cluster::run_scheduler(addr))?;
        }
        ClusterCommand::Executor {
            scheduler,
            addr,
            slots,
        } => {
            let addr: std::net::SocketAddr = addr
                .parse()
                .with_context(|| format!("--addr {addr}: expected IP:PORT"))?;
            let slots = slots
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            eprintln!(
                "adql cluster: executor at {addr} (control port {}), {slots} slots, scheduler {scheduler}",
                addr.port().saturating_add(1)
            );
            runtime.block_on(adql_cluster::run_executor(addr, scheduler, slots))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Without the feature: says how to get it.
#[cfg(not(feature = "cluster"))]
pub(crate) fn run(_command: &ClusterCommand) -> Result<ExitCode> {
    anyhow::bail!(MISSING)
}

/// `engine`, running its plans on the cluster at `url`.
#[cfg(feature = "cluster")]
pub(crate) async fn connect(engine: adql_engine::Engine, url: &str) -> Result<adql_engine::Engine> {
    let cluster = adql_cluster::Cluster::connect(url).await?;
    Ok(engine.with_remote(std::sync::Arc::new(cluster)))
}

/// Without the feature: says how to get it.
#[cfg(not(feature = "cluster"))]
pub(crate) async fn connect(
    _engine: adql_engine::Engine,
    _url: &str,
) -> Result<adql_engine::Engine> {
    anyhow::bail!(MISSING)
}
