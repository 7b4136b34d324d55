//! An archive's own axum application with the TAP service mounted in it: its
//! own routes beside `/api/tap`, over the demo snapshot.
//!
//! ```sh
//! cargo run -p tap-server --example mount -- 127.0.0.1:8099
//! curl 'http://127.0.0.1:8099/api/tap/sync?LANG=ADQL&QUERY=SELECT+TOP+3+obs_id+FROM+ivoa.ObsCore&RESPONSEFORMAT=csv'
//! ```

use axum::routing::get;
use axum::Router;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8099".into());
    let engine = adql_engine::Engine::demo().await?;
    let data_dir = std::env::temp_dir().join("adql-rs-embed-example");
    let config = tap_server::ServiceConfig::new(format!("http://{addr}"), data_dir);
    let service = tap_server::Service::new(engine, config)?;
    service.start_background();
    let app = Router::new()
        .route(
            "/",
            get(|| async { "An archive's home page; TAP is at /api/tap\n" }),
        )
        .merge(tap_server::router(service));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("serving http://{addr}/ and http://{addr}/api/tap");
    axum::serve(listener, app).await?;
    Ok(())
}
