//! The TAP server side by side with the engine in-process, in one run on the
//! same snapshot: sync HTTP latency of the seed's CONTAINS(POINT, s_region)
//! query and of the 0.5° cone against the in-process time (query + BINARY2
//! VOTable written to nowhere); a 1 M-row BINARY2 sync download (MB/s and the
//! server's RSS before and after); the async TOP 1 round trip (create with
//! PHASE=RUN, WAIT, fetch). Medians of repeated runs, printed as a table.
//!
//! ```sh
//! adql serve --snapshot /tmp/dp02 --addr 127.0.0.1:8080 &
//! cargo run --release -p adql-benches --example tap_bench -- http://127.0.0.1:8080/api/tap /tmp/dp02 $!
//! ```

use std::io::Read;
use std::time::{Duration, Instant};

use futures::StreamExt;

const CONTAINS: &str = "SELECT * FROM ivoa.ObsCore WHERE dataproduct_type = 'image' AND obs_collection = 'LSST.DP02' AND dataproduct_subtype = 'lsst.deepCoadd_calexp' AND CONTAINS(POINT('ICRS', 55.74673760481304, -32.286155241413624), s_region)=1";
const CONE: &str = "SELECT obs_id, s_ra, s_dec FROM ivoa.ObsCore WHERE CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 55.7467, -32.2862, 0.5)) = 1";
const RUNS: usize = 21;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn rss_kib(pid: &str, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with(key))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

async fn in_process(engine: &adql_engine::Engine, query: &str) -> (f64, usize) {
    let t = Instant::now();
    let mut result = engine.query(query).await.unwrap();
    let schema = result.schema.clone();
    let mut writer =
        votable::VotableWriter::new(std::io::sink(), &schema, &Default::default()).unwrap();
    let mut rows = 0;
    while let Some(b) = result.stream.next().await {
        let b = arrow::array::RecordBatch::try_new(schema.clone(), b.unwrap().columns().to_vec())
            .unwrap();
        rows += b.num_rows();
        writer.write_batch(&b).unwrap();
    }
    writer.finish(false).unwrap();
    (t.elapsed().as_secs_f64() * 1000.0, rows)
}

fn http_sync(agent: &ureq::Agent, url: &str, query: &str, maxrec: &str) -> (f64, u64) {
    let t = Instant::now();
    let mut r = agent
        .post(format!("{url}/sync"))
        .send_form([
            ("REQUEST", "doQuery"),
            ("LANG", "ADQL"),
            ("QUERY", query),
            ("MAXREC", maxrec),
        ])
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut reader = r.body_mut().with_config().limit(u64::MAX).reader();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = reader.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        bytes += n as u64;
    }
    (t.elapsed().as_secs_f64() * 1000.0, bytes)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "http://127.0.0.1:8080/api/tap".into());
    let snapshot = std::path::PathBuf::from(
        args.get(2)
            .expect("the snapshot directory the server serves"),
    );
    let pid = args.get(3).cloned();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let engine = runtime.block_on(async {
        let s = obscore::Snapshot::open(&snapshot).unwrap();
        adql_engine::Engine::new(&s).await.unwrap()
    });
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(600)))
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();
    println!("| | in-process ms | sync HTTP ms | rows |");
    println!("|---|---:|---:|---:|");
    for (name, query) in [
        ("seed CONTAINS(POINT, s_region), SELECT *", CONTAINS),
        ("cone r = 0.5°, obs_id, s_ra, s_dec", CONE),
    ] {
        let mut local = Vec::new();
        let mut remote = Vec::new();
        let mut rows = 0;
        for _ in 0..RUNS {
            let (ms, n) = runtime.block_on(in_process(&engine, query));
            local.push(ms);
            rows = n;
            remote.push(http_sync(&agent, &url, query, "100000").0);
        }
        println!(
            "| {name} | {:.1} | {:.1} | {rows} |",
            median(local),
            median(remote)
        );
    }
    // 1 M rows of BINARY2.
    let before = pid.as_deref().and_then(|p| rss_kib(p, "VmRSS:"));
    let (ms, bytes) = http_sync(
        &agent,
        &url,
        "SELECT TOP 1000000 * FROM ivoa.ObsCore",
        "1000000",
    );
    let after = pid.as_deref().and_then(|p| rss_kib(p, "VmRSS:"));
    let peak = pid.as_deref().and_then(|p| rss_kib(p, "VmHWM:"));
    println!(
        "\n1 M-row BINARY2 sync download: {:.0} MB in {:.2} s = {:.0} MB/s; server RSS before {} MiB, after {} MiB, peak {} MiB",
        bytes as f64 / 1e6,
        ms / 1000.0,
        bytes as f64 / 1e6 / (ms / 1000.0),
        before.map(|k| (k / 1024).to_string()).unwrap_or("?".into()),
        after.map(|k| (k / 1024).to_string()).unwrap_or("?".into()),
        peak.map(|k| (k / 1024).to_string()).unwrap_or("?".into()),
    );
    // Async TOP 1: create with PHASE=RUN, WAIT for the end, fetch the result.
    let mut trips = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let created = agent
            .post(format!("{url}/async"))
            .send_form([
                ("LANG", "ADQL"),
                ("QUERY", "SELECT TOP 1 obs_id FROM ivoa.ObsCore"),
                ("PHASE", "RUN"),
            ])
            .unwrap();
        let job = created
            .headers()
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        loop {
            let mut doc = agent.get(format!("{job}?WAIT=-1")).call().unwrap();
            let text = doc.body_mut().read_to_string().unwrap();
            if text.contains("COMPLETED") || text.contains("ERROR") {
                break;
            }
        }
        let mut result = agent.get(format!("{job}/results/result")).call().unwrap();
        let _ = result.body_mut().read_to_vec().unwrap();
        trips.push(t.elapsed().as_secs_f64() * 1000.0);
        let _ = agent.delete(&job).call();
    }
    println!(
        "async TOP 1 round trip (create + RUN, WAIT, fetch): median {:.1} ms",
        median(trips)
    );
}
