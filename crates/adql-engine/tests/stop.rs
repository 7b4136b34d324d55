//! A query told to stop (by its deadline, or by `QueryStop::stop`) ends the
//! work inside its operators, not only its stream: a self-join on a key of six
//! values with an expensive condition that rejects every pair spends its time
//! inside single polls of DataFusion's hash join, which dropping the stream
//! does not interrupt, and would hold the runtime's workers for minutes.

use std::time::{Duration, Instant};

use futures::StreamExt;

/// Billions of candidate pairs, each with two GALACTIC points and a distance,
/// none kept.
const ENDLESS: &str = "SELECT COUNT(*) FROM ivoa.ObsCore AS a, ivoa.ObsCore AS b \
    WHERE a.lsst_band = b.lsst_band \
    AND DISTANCE(POINT('GALACTIC', a.s_ra, a.s_dec), POINT('GALACTIC', b.s_ra, b.s_dec)) > 179.99";

/// Starts `ENDLESS` under `stop` on `runtime`, polled by a task there (as the
/// server polls a query), and returns how it ended and when.
fn run_until_stopped(
    runtime: &tokio::runtime::Runtime,
    engine: &adql_engine::Engine,
    stop: &adql_engine::QueryStop,
    after: impl FnOnce(),
) -> (String, Instant) {
    let language = engine.options().check.language;
    let result = runtime
        .block_on(engine.query_until(ENDLESS, &[], language, stop))
        .expect("the query starts");
    let (ended, outcome) = std::sync::mpsc::channel();
    let mut stream = result.stream;
    runtime.spawn(async move {
        let first = stream.next().await;
        let said = match first {
            Some(Err(e)) => e.to_string(),
            Some(Ok(batch)) => format!("a batch of {} rows", batch.num_rows()),
            None => "no rows".to_string(),
        };
        let _ = ended.send((said, Instant::now()));
    });
    after();
    outcome
        .recv_timeout(Duration::from_secs(60))
        .expect("the query ends within a minute of being told to stop")
}

/// Every task of the stopped query ends (its stream is gone, and no poll of
/// its operators goes on), and a short query answers on the same runtime.
fn workers_are_free(runtime: &tokio::runtime::Runtime, engine: &adql_engine::Engine) {
    let started = Instant::now();
    while runtime.metrics().num_alive_tasks() > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{} tasks of the stopped query still run",
            runtime.metrics().num_alive_tasks()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let started = Instant::now();
    let rows = runtime.block_on(async {
        let result = engine
            .query("SELECT TOP 3 obs_id FROM ivoa.ObsCore")
            .await
            .expect("plans");
        result
            .stream
            .map(|b| b.expect("runs").num_rows())
            .fold(0, |a, n| async move { a + n })
            .await
    });
    assert_eq!(rows, 3);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "a short query waited {:?} for the workers",
        started.elapsed()
    );
}

/// The query ended with the stop's error, soon after `since` (the stop, or
/// the deadline).
fn assert_stopped(said: &str, ended: Instant, since: Instant) {
    assert!(said.contains("the query was stopped"), "{said}");
    assert!(
        ended.duration_since(since) < Duration::from_secs(15),
        "ended {:?} after it was told to stop",
        ended.duration_since(since)
    );
}

#[test]
fn a_stopped_query_ends_its_work_and_frees_the_workers() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("stop-tests-cache");
    std::env::set_var("ADQL_CACHE_DIR", &dir);
    // Two workers, as on the 2-core machines this runs on: both end up inside
    // the join. Never dropped: a failure here must not wait for them.
    let runtime: &'static tokio::runtime::Runtime = Box::leak(Box::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_stack_size(adql_engine::QUERY_STACK_BYTES)
            .enable_all()
            .build()
            .expect("a runtime"),
    ));
    let engine = runtime
        .block_on(adql_engine::Engine::demo())
        .expect("demo snapshot");

    // Told to stop.
    let stop = adql_engine::QueryStop::new();
    let mut told = Instant::now();
    let (said, ended) = run_until_stopped(runtime, &engine, &stop, || {
        std::thread::sleep(Duration::from_secs(2));
        told = Instant::now();
        stop.stop();
    });
    assert_stopped(&said, ended, told);
    workers_are_free(runtime, &engine);

    // Its deadline passes, with no one to say stop.
    let deadline = Instant::now() + Duration::from_secs(2);
    let stop = adql_engine::QueryStop::with_deadline(deadline);
    let (said, ended) = run_until_stopped(runtime, &engine, &stop, || {});
    assert_stopped(&said, ended, deadline);
    workers_are_free(runtime, &engine);
}
