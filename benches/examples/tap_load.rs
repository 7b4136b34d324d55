//! A bounded load generator for the TAP server: N clients (threads) for S
//! seconds, each sending the seed queries in turn (sync POST, as pyvo does)
//! to a server on this machine; prints requests/s, p50/p99 latency and the
//! status counts as JSON. Only loopback addresses are accepted.
//!
//! ```sh
//! cargo run --release -p adql-benches --example tap_load -- http://127.0.0.1:8080/api/tap 200 60
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The mixed workload: the seed queries users run (`seed-queries.md`), small
/// to medium results, with a MAXREC as a notebook would set.
const QUERIES: &[&str] = &[
    "SELECT * FROM tap_schema.schemas",
    "SELECT column_name, unit, ucd, description, utype FROM tap_schema.columns WHERE table_name = 'ivoa.ObsCore'",
    "SELECT dataproduct_subtype, COUNT(*) FROM ivoa.ObsCore GROUP BY dataproduct_subtype",
    "SELECT calib_level, COUNT(*) FROM ivoa.ObsCore GROUP BY calib_level",
    "SELECT * FROM ivoa.ObsCore WHERE dataproduct_type = 'image' AND obs_collection = 'LSST.DP02' AND dataproduct_subtype = 'lsst.deepCoadd_calexp' AND CONTAINS(POINT('ICRS', 55.74673760481304, -32.286155241413624), s_region)=1",
    "SELECT * FROM ivoa.ObsCore WHERE dataproduct_type = 'image' AND obs_collection = 'LSST.DP02' AND dataproduct_subtype = 'lsst.deepCoadd_calexp' AND lsst_tract = 4431 AND lsst_patch = 17 AND lsst_band = 'i'",
    "SELECT access_format, access_url, dataproduct_subtype, lsst_patch, lsst_tract, lsst_band, s_ra, s_dec FROM ivoa.ObsCore WHERE dataproduct_type = 'image' AND obs_collection = 'LSST.DP02' AND dataproduct_subtype = 'lsst.deepCoadd_calexp' AND lsst_tract = 4431 AND lsst_patch = 17 AND lsst_band = 'i'",
    "SELECT obs_id, s_ra, s_dec FROM ivoa.ObsCore WHERE CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 55.7467, -32.2862, 0.5)) = 1",
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "http://127.0.0.1:8080/api/tap".into());
    let clients: usize = args
        .get(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200)
        .min(1000);
    let seconds: u64 = args
        .get(3)
        .and_then(|a| a.parse().ok())
        .unwrap_or(60)
        .min(600);
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or_default()
        .split(['/', ':'])
        .next()
        .unwrap_or_default();
    assert!(
        host == "localhost" || host.starts_with("127.") || host == "[::1]",
        "the load generator only targets this machine (loopback), not {host}"
    );
    let stop = Arc::new(AtomicBool::new(false));
    let latencies = Arc::new(Mutex::new(Vec::<f64>::new()));
    let statuses = Arc::new(Mutex::new(std::collections::BTreeMap::<String, u64>::new()));
    let started = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|i| {
            let (url, stop, latencies, statuses) = (
                url.clone(),
                stop.clone(),
                latencies.clone(),
                statuses.clone(),
            );
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(120)))
                    .build()
                    .into();
                let mut n = i;
                while !stop.load(Ordering::Relaxed) {
                    let query = QUERIES[n % QUERIES.len()];
                    n += 1;
                    let t = Instant::now();
                    let outcome = agent.post(format!("{url}/sync")).send_form([
                        ("REQUEST", "doQuery"),
                        ("LANG", "ADQL"),
                        ("QUERY", query),
                        ("MAXREC", "20000"),
                    ]);
                    let key = match outcome {
                        Ok(mut r) => {
                            let status = r.status().as_u16();
                            // Read the whole body, as a client does.
                            let mut sink = std::io::sink();
                            let _ = std::io::copy(&mut r.body_mut().as_reader(), &mut sink);
                            if status == 200 {
                                latencies
                                    .lock()
                                    .unwrap()
                                    .push(t.elapsed().as_secs_f64() * 1000.0);
                            }
                            status.to_string()
                        }
                        Err(_) => {
                            // The server is away (a restart): try again shortly.
                            std::thread::sleep(Duration::from_millis(100));
                            "connection-error".to_string()
                        }
                    };
                    *statuses.lock().unwrap().entry(key).or_default() += 1;
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        let _ = t.join();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut l = latencies.lock().unwrap().clone();
    l.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct = |p: f64| {
        if l.is_empty() {
            0.0
        } else {
            l[((l.len() - 1) as f64 * p) as usize]
        }
    };
    let statuses = statuses.lock().unwrap();
    let total: u64 = statuses.values().sum();
    println!(
        "{{\"clients\": {clients}, \"seconds\": {elapsed:.1}, \"requests\": {total}, \"ok\": {}, \"requests_per_s\": {:.1}, \"p50_ms\": {:.1}, \"p99_ms\": {:.1}, \"statuses\": {:?}}}",
        l.len(),
        total as f64 / elapsed,
        pct(0.5),
        pct(0.99),
        statuses
    );
}
