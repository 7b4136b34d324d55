//! Every endpoint of the service, grouped by standard, with who calls it.
//! Handlers live in one module per standard (`tap`, `uws`, `vosi`, `datalink`,
//! `soda`, `sia`), the query page in `page` and its checker in `validate`;
//! errors are rendered in `error`.

use std::sync::Arc;

use axum::routing::get;
use axum::{Extension, Router};

use crate::jobs::JobKind;

use crate::{auth, datalink, log, page, sia, soda, tap, uws, validate, vosi, Service};

/// The service's routes (TAP at `/api/tap`), with auth, request logging and
/// panic catching around them.
pub fn router(service: Arc<Service>) -> Router {
    let tap = Router::new()
        .merge(uws_routes())
        // TAP 1.1 — pyvo's `search`/`run_sync` (always POST), TOPCAT, taplint.
        .route("/sync", get(tap::sync).post(tap::sync))
        // VOSI 1.1 — pyvo's `TAPService.capabilities` and `.tables`, registries,
        // taplint's CAP/AVV/TMV stages; capabilities and availability are public.
        .route("/capabilities", get(vosi::capabilities))
        .route("/availability", get(vosi::availability))
        .route("/tables", get(vosi::tables))
        .route("/tables/{table}", get(vosi::table))
        // DALI 1.1 examples — pyvo's `TAPService.examples`, TOPCAT's examples menu,
        // taplint's EXA stage.
        .route("/examples", get(vosi::examples))
        // The checker alone, as JSON: the query page's linter, editors.
        .route(
            "/validate",
            get(validate::validate).post(validate::validate),
        )
        // TAP 1.0 clients that still post to the service root.
        .route("/", get(vosi::root))
        .layer(Extension(JobKind::Tap));
    let datalink = Router::new()
        // DataLink 1.1 — pyvo's `getdataurl` → `DatalinkResults.from_result_url`,
        // `iter_datalinks` (POST, several IDs), TOPCAT's DataLink window.
        .route("/links", get(datalink::links).post(datalink::links));
    let cutout = Router::new()
        // SODA 1.0 sync — pyvo's `SodaQuery.execute_stream()`, from the links
        // document's `cutout-sync` descriptor; Rubin's notebooks.
        .route("/sync", get(soda::sync).post(soda::sync))
        // SODA 1.0 async: the same UWS job resources as TAP's, for the
        // `cutout-async` descriptor (Rubin's vo-cutouts clients).
        .merge(uws_routes())
        .layer(Extension(JobKind::Cutout));
    let sia = Router::new()
        // SIA 2.0 — pyvo's `SIA2Service(base + "/api/sia").search(...)`.
        .route("/query", get(sia::query).post(sia::query))
        // VOSI for SIA: pyvo's `SIA2Service` reads the capabilities first.
        .route("/capabilities", get(sia::capabilities))
        .route("/availability", get(vosi::availability));
    let router = Router::new()
        .nest("/api/tap", tap)
        .nest("/api/datalink", datalink)
        .nest("/api/cutout", cutout)
        .nest("/api/sia", sia)
        .route_layer(axum::middleware::from_fn_with_state(
            service.clone(),
            auth::authenticate,
        ))
        // The `#this` links' targets, the dataset files (pyvo downloads them),
        // and the `#preview` links' PNGs: their signed, expiring URLs are the
        // permission, so that a browser or curl fetches them without a token.
        .route("/api/datalink/files/{uuid}", get(datalink::file))
        .route("/api/datalink/preview/{uuid}", get(datalink::preview))
        // The query page for people (a browser at the service's address); public,
        // as a login page is: its calls to the API carry the token.
        .route("/", get(page::index))
        .route("/page/{name}", get(page::asset));
    // A local HiPS for the page's sky view (`adql serve --hips DIR`): files
    // under that directory only (ServeDir refuses `..` and absolute paths).
    let router = match &service.config.hips_dir {
        Some(dir) => router.nest_service("/hips", tower_http::services::ServeDir::new(dir)),
        None => router,
    };
    router
        // Bodies up to the drain limit (axum's default of 2 MB would cut
        // uploads short); the handlers apply the request and upload limits.
        .layer(axum::extract::DefaultBodyLimit::max(
            service.config.drain_limit(),
        ))
        .layer(axum::middleware::from_fn(log::log_request))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            crate::error::panic_response,
        ))
        .with_state(service)
}

/// The UWS 1.1 job list and job resources, shared by TAP and SODA (the
/// router's `JobKind` extension says whose jobs they are).
fn uws_routes() -> Router<Arc<Service>> {
    Router::new()
        // UWS 1.1 job list — pyvo's `submit_job`/`run_async` (POST: create, 303 to
        // the job), `list_jobs` (GET with PHASE, LAST, AFTER), TOPCAT's async mode.
        .route("/async", get(uws::list).post(uws::create))
        // UWS 1.1 job resources — pyvo's `AsyncTAPJob` (phase, wait, fetch, delete),
        // taplint's UWS stage.
        .route(
            "/async/{job}",
            get(uws::job).post(uws::post_job).delete(uws::delete),
        )
        .route("/async/{job}/phase", get(uws::phase).post(uws::set_phase))
        .route(
            "/async/{job}/executionduration",
            get(uws::execution_duration).post(uws::set_execution_duration),
        )
        .route(
            "/async/{job}/destruction",
            get(uws::destruction).post(uws::set_destruction),
        )
        .route("/async/{job}/quote", get(uws::quote))
        .route("/async/{job}/owner", get(uws::owner))
        .route("/async/{job}/error", get(uws::error))
        .route(
            "/async/{job}/parameters",
            get(uws::parameters).post(uws::set_parameters),
        )
        .route("/async/{job}/results", get(uws::results))
        .route("/async/{job}/results/result", get(uws::result))
}
