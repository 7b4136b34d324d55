//! Arbitrary requests to the TAP service (over the demo snapshot, in process):
//! the first byte picks the method and content type, the text up to the first
//! newline is the path and query string, the rest the body. Every request gets
//! an answer — never a panic, and never a 500 for what is only a malformed
//! request (500 stays for a query that ran out of time or memory).
#![no_main]

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{header, Method, Request};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

static SERVICE: OnceLock<(tokio::runtime::Runtime, Arc<tap_server::Service>)> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let (runtime, service) = SERVICE.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let service = runtime.block_on(async {
            let engine = adql_engine::Engine::demo().await.expect("the demo snapshot");
            let dir = std::env::temp_dir().join(format!("tap-fuzz-{}", std::process::id()));
            let mut config = tap_server::ServiceConfig::new("http://127.0.0.1:1", dir);
            config.query_timeout = std::time::Duration::from_secs(2);
            config.maxrec_default = 100;
            tap_server::Service::new(engine, config).expect("the service")
        });
        (runtime, service)
    });
    let text = String::from_utf8_lossy(rest);
    let (target, body) = text.split_once('\n').unwrap_or((&text, ""));
    let path: String = target
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .collect();
    let uri = format!("/api/tap/{}", path.trim_start_matches('/'));
    let method = [Method::GET, Method::POST, Method::DELETE][selector as usize % 3].clone();
    let content_type = [
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=X",
        "text/plain",
    ][(selector as usize / 3) % 3];
    let Ok(request) = Request::builder()
        .method(method)
        .uri(&uri)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body.to_string()))
    else {
        return;
    };
    let router = tap_server::router(service.clone());
    let status = runtime.block_on(async move {
        let response = router.oneshot(request).await.expect("infallible");
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 26).await.unwrap_or_default();
        (status, String::from_utf8_lossy(&body).into_owned())
    });
    if status.0.as_u16() == 500 {
        assert!(
            status.1.contains("longer than") || status.1.contains("memory") || status.1.contains("Resources"),
            "500 for {uri}: {}",
            status.1
        );
    }
});
