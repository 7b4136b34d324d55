//! A TAP server over the demo snapshot, started by a test on a free loopback
//! port and stopped when dropped; the Python with the test clients.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::Duration;

use tap_server::{Service, ServiceConfig};

/// One demo snapshot for the test binary, in cargo's scratch directory.
pub fn use_test_cache() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tap-tests-cache");
        std::env::set_var("ADQL_CACHE_DIR", dir);
    });
}

/// A fresh, empty directory under cargo's scratch directory.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "{name}-{}-{}",
        std::process::id(),
        tap_server::jobs::new_id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A running server.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// `{base}/api/tap`.
    pub tap: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server over the demo snapshot keeping jobs in `data_dir`;
    /// `configure` adjusts the settings.
    pub fn start(
        data_dir: &Path,
        configure: impl FnOnce(&mut ServiceConfig) + Send + 'static,
    ) -> TestServer {
        use_test_cache();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let data_dir = data_dir.to_path_buf();
        let base_url = base.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let engine = adql_engine::Engine::demo().await.expect("demo engine");
                let mut config = ServiceConfig::new(base_url, data_dir);
                configure(&mut config);
                let service = Service::new(engine, config).expect("service starts");
                service.start_background();
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                ready_tx.send(()).unwrap();
                axum::serve(listener, tap_server::router(service))
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await
                    .unwrap();
            });
        });
        ready_rx
            .recv_timeout(std::time::Duration::from_secs(120))
            .expect("the server starts");
        TestServer {
            tap: format!("{base}/api/tap"),
            base,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The Python with pyvo and astropy: `$ADQL_PYTHON`, or `.venv` at the root.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("ADQL_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    assert!(
        venv.exists(),
        "pyvo is needed: run `bash .ci/run` once, or create .venv (see README), or set ADQL_PYTHON"
    );
    venv
}

/// The seed queries of `../shared/reference/seed-queries.md`, in order.
pub fn seed_queries() -> Vec<String> {
    let shared = std::env::var_os("ADQL_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let text = std::fs::read_to_string(shared.join("reference/seed-queries.md"))
        .expect("../shared/reference/seed-queries.md (or $ADQL_SHARED_DIR)");
    let mut queries = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if line.trim_start().starts_with("```sql") {
            current = Some(String::new());
        } else if line.trim_start().starts_with("```") {
            if let Some(q) = current.take() {
                queries.push(q.trim().to_string());
            }
        } else if let Some(q) = current.as_mut() {
            q.push_str(line);
            q.push('\n');
        }
    }
    queries
}

/// The number of rows `query` gives in-process on the demo snapshot.
pub fn engine_rows(query: &str) -> usize {
    use_test_cache();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use futures::StreamExt;
        let engine = adql_engine::Engine::demo().await.unwrap();
        let mut result = engine.query(query).await.unwrap();
        let mut n = 0;
        while let Some(b) = result.stream.next().await {
            n += b.unwrap().num_rows();
        }
        n
    })
}

/// An HTTP client that returns every status and follows no redirects.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

/// What a request got back.
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub location: Option<String>,
    pub retry_after: Option<String>,
    pub body: String,
}

/// The reply of a request.
pub fn reply(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut r = r.expect("the request is answered");
    let header = |n: &str| {
        r.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    };
    let content_type = header("content-type").unwrap_or_default();
    let location = header("location");
    let retry_after = header("retry-after");
    let status = r.status().as_u16();
    let body = r.body_mut().read_to_string().unwrap_or_default();
    Reply {
        status,
        content_type,
        location,
        retry_after,
        body,
    }
}

/// GET `url`.
pub fn get(url: &str) -> Reply {
    reply(agent().get(url).call())
}

/// POST a form to `url`.
pub fn post(url: &str, form: &[(&str, &str)]) -> Reply {
    reply(agent().post(url).send_form(form.iter().copied()))
}

/// DELETE `url`.
pub fn delete(url: &str) -> Reply {
    reply(agent().delete(url).call())
}

/// Polls a UWS job (WAIT, which returns at any change of phase, QUEUED to
/// EXECUTING included) until it leaves the active phases, for a minute at
/// most; its last document.
pub fn wait_done(job: &str) -> Reply {
    let until = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let doc = get(&format!("{job}?WAIT=5"));
        if !["PENDING", "QUEUED", "EXECUTING"]
            .iter()
            .any(|p| doc.body.contains(&format!("<uws:phase>{p}</uws:phase>")))
            || std::time::Instant::now() > until
        {
            return doc;
        }
    }
}

/// Runs a Python client script of this crate's with `args`; its stdout is JSON.
pub fn run_python_client(script: &str, args: &[&str]) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(script);
    let output = std::process::Command::new(python())
        .arg(&script)
        .args(args)
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "{} failed:\n{}",
        script.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON from the client")
}
