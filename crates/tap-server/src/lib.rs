//! # tap-server
//!
//! The reference TAP 1.1 service over [`adql_engine::Engine`]: synchronous
//! queries streamed as they are computed, asynchronous jobs (UWS 1.1) kept in
//! SQLite under a data directory, VOSI capabilities (with TAPRegExt),
//! availability and tables, DALI examples, inline VOTable uploads, bearer-token
//! auth, limits on rows, time, size and concurrency.
//!
//! An archive mounts [`router`] in its own axum application:
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let engine = adql_engine::Engine::demo().await?;
//! let config = tap_server::ServiceConfig::new("http://127.0.0.1:8080", "/tmp/tap-data");
//! let service = tap_server::Service::new(engine, config)?;
//! service.start_background();
//! let app = axum::Router::new().merge(tap_server::router(service.clone()));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod auth;
mod config;
mod datalink;
pub mod datasets;
pub mod error;
mod execute;
pub mod jobs;
mod links;
mod log;
mod page;
pub mod params;
mod router;
mod runner;
mod sia;
pub mod signing;
mod soda;
mod tap;
mod upload;
mod uws;
mod validate;
mod vosi;
mod xml;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use adql_engine::Engine;

pub use config::ServiceConfig;
pub use execute::Limiter;
pub use router::router;

use crate::auth::Tokens;
use crate::jobs::{Job, JobStore, SqliteJobStore, StoreError};

/// The running service: the engine, the settings, the job store and the state
/// shared by requests.
pub struct Service {
    engine: Arc<Engine>,
    /// The runtime queries execute on, apart from the one serving HTTP: a
    /// heavy query keeps its cores busy, never the request handlers.
    cpu: Option<tokio::runtime::Runtime>,
    config: ServiceConfig,
    jobs: Arc<dyn JobStore>,
    limiter: Limiter,
    tokens: Tokens,
    /// Bumped on every job phase change: blocking WAITs watch it.
    changed: tokio::sync::watch::Sender<u64>,
    /// Abort switches of the jobs being run.
    running: Mutex<HashMap<String, tokio::sync::watch::Sender<bool>>>,
    /// Held across a job's read-modify-write, so that an abort and the end of
    /// the run cannot interleave.
    transitions: Mutex<()>,
    /// A switch no one ever turns: sync queries end with their client.
    never: tokio::sync::watch::Sender<bool>,
    /// The datasets behind ObsCore's rows: files, links.
    datasets: datasets::Datasets,
}

/// A service that could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The data directory is not usable.
    #[error("the data directory {0}: {1}")]
    DataDir(PathBuf, std::io::Error),
    /// The job database failed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The tokens file does not read.
    #[error("{0}")]
    Tokens(#[from] auth::TokensError),
    /// The image store is not usable.
    #[error("the image store: {0}")]
    Images(String),
    /// The URL signing key is not usable.
    #[error("{0}")]
    SigningKey(#[from] signing::KeyError),
}

impl Service {
    /// A service over `engine`: opens (creating) the data directory and its job
    /// database, and reads the tokens file if configured.
    pub fn new(engine: Engine, config: ServiceConfig) -> Result<Arc<Service>, ServiceError> {
        let jobs_dir = config.data_dir.join("jobs");
        std::fs::create_dir_all(&jobs_dir)
            .map_err(|e| ServiceError::DataDir(config.data_dir.clone(), e))?;
        let store = SqliteJobStore::open(&config.data_dir.join("jobs.sqlite"))?;
        Service::with_store(engine, config, Arc::new(store))
    }

    /// A service with another job store.
    pub fn with_store(
        engine: Engine,
        config: ServiceConfig,
        jobs: Arc<dyn JobStore>,
    ) -> Result<Arc<Service>, ServiceError> {
        let tokens = match &config.tokens {
            Some(path) => Tokens::load(path)?,
            None => Tokens::off(),
        };
        let cpu = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(std::thread::available_parallelism().map_or(2, |n| n.get()))
            .thread_name("adql-query")
            .thread_stack_size(adql_engine::QUERY_STACK_BYTES)
            .enable_all()
            .build()
            .map_err(|e| ServiceError::DataDir(config.data_dir.clone(), e))?;
        let images = match &config.images {
            Some((dir, layout)) => {
                if !dir.is_dir() {
                    return Err(ServiceError::Images(format!(
                        "{} is not a directory",
                        dir.display()
                    )));
                }
                datasets::ImageSource::Store(
                    ::datalink::ImageStore::new(dir, layout).map_err(ServiceError::Images)?,
                )
            }
            None => datasets::ImageSource::Synthetic(
                ::datalink::ImageStore::new(
                    config.data_dir.join("images"),
                    ::datalink::ImageStore::DEFAULT_LAYOUT,
                )
                .map_err(ServiceError::Images)?,
            ),
        };
        let key_file = config
            .url_key
            .clone()
            .unwrap_or_else(|| config.data_dir.join("url-signing.key"));
        let signer = signing::UrlSigner::from_key_file(&key_file, config.url_lifetime)?;
        let engine = Arc::new(engine);
        let datasets = datasets::Datasets::new(
            engine.clone(),
            images,
            &config.base_url,
            Some(cpu.handle().clone()),
        )
        .with_signer(Arc::new(signer));
        Ok(Arc::new(Service {
            datasets,
            engine,
            cpu: Some(cpu),
            limiter: Limiter::new(config.max_concurrent, config.max_queued),
            config,
            jobs,
            tokens,
            changed: tokio::sync::watch::channel(0).0,
            running: Mutex::new(HashMap::new()),
            transitions: Mutex::new(()),
            never: tokio::sync::watch::channel(false).0,
        }))
    }

    /// The settings.
    pub fn config(&self) -> &ServiceConfig {
        &self.config
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Re-reads the tokens file (on SIGHUP); returns how many tokens it holds.
    pub fn reload_tokens(&self) -> Result<usize, auth::TokensError> {
        match &self.config.tokens {
            Some(path) => self.tokens.reload(path),
            None => Ok(0),
        }
    }

    /// Starts the background work: resumes jobs a stop interrupted, and the
    /// reaper that destroys jobs past their destruction time. Call it once,
    /// inside the Tokio runtime.
    pub fn start_background(self: &Arc<Self>) {
        runner::resume_interrupted(self);
        runner::start_reaper(self);
    }

    /// The handle of the query runtime.
    fn cpu(&self) -> tokio::runtime::Handle {
        self.cpu
            .as_ref()
            .expect("the query runtime lives as long as the service")
            .handle()
            .clone()
    }

    fn never_cancelled(&self) -> tokio::sync::watch::Receiver<bool> {
        self.never.subscribe()
    }

    /// The directory of job `id`'s files (result, uploads). `id` must be a job id.
    fn job_dir(&self, id: &str) -> PathBuf {
        debug_assert!(jobs::is_job_id(id));
        self.config.data_dir.join("jobs").join(id)
    }

    /// Reads job `id`, lets `change` modify it, stores it if `change` says so,
    /// and tells WAITers. Returns the job as stored after.
    fn modify_job(
        &self,
        id: &str,
        change: impl FnOnce(&mut Job) -> bool,
    ) -> Result<Option<Job>, StoreError> {
        let _held = self.transitions.lock().unwrap_or_else(|p| p.into_inner());
        let Some(mut job) = self.jobs.get(id)? else {
            return Ok(None);
        };
        let before = job.phase;
        if change(&mut job) {
            self.jobs.update(&job)?;
            if job.phase != before {
                self.changed.send_modify(|v| *v += 1);
            }
        }
        Ok(Some(job))
    }
}

/// A file as a response body, streamed in 256 KiB chunks (job results,
/// dataset files).
pub(crate) fn file_body(file: tokio::fs::File) -> axum::body::Body {
    let chunks = futures::stream::unfold(
        (file, vec![0u8; 256 * 1024]),
        |(mut file, mut buf)| async move {
            use tokio::io::AsyncReadExt;
            match file.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    let chunk = axum::body::Bytes::copy_from_slice(&buf[..n]);
                    Some((Ok::<_, std::io::Error>(chunk), (file, buf)))
                }
                Err(e) => Some((Err(e), (file, buf))),
            }
        },
    );
    axum::body::Body::from_stream(chunks)
}

impl Drop for Service {
    fn drop(&mut self) {
        // The last reference may go inside an async context, where a runtime
        // cannot be dropped by blocking on its threads.
        if let Some(cpu) = self.cpu.take() {
            cpu.shutdown_background();
        }
    }
}

/// Milliseconds since the Unix epoch, now.
fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Serves `service` on `listener` until SIGINT or SIGTERM: then stops
/// accepting, lets running requests finish (sync queries stream to their
/// end), and returns; async jobs left queued or executing are resumed at the
/// next start. SIGHUP re-reads the tokens file.
pub async fn serve(
    service: Arc<Service>,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let weak = Arc::downgrade(&service);
        tokio::spawn(async move {
            let Ok(mut hangups) =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
            else {
                return;
            };
            while hangups.recv().await.is_some() {
                let Some(service) = weak.upgrade() else { break };
                match service.reload_tokens() {
                    Ok(n) => tracing::info!(tokens = n, "re-read the tokens file"),
                    Err(e) => {
                        tracing::error!(error = %e, "re-reading the tokens file; the old tokens stay")
                    }
                }
            }
        });
    }
    let app = router(service);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing the requests under way");
}
