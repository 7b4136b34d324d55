//! The cluster (`--features cluster`): a Ballista scheduler and two executors
//! as separate `adql cluster` processes, over a snapshot in an S3-compatible
//! server (moto, started here). Every seed query, the differential queries
//! and a positional crossmatch join give the rows the local engine gives over
//! the demo; the spatial test queries (seam, poles) over a table in the store
//! give the ids astropy computed; `adql serve --cluster` answers pyvo's sync
//! and async queries with the same rows, and says so in a DALI error when the
//! cluster is gone; an executor killed mid-query ends in a clear error or the
//! right answer, never a partial one presented as whole.

#![cfg(feature = "cluster")]

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

#[path = "../../../testdata/s3.rs"]
mod s3;

#[path = "../../adql-engine/tests/common/mod.rs"]
mod engine_common;
use engine_common::{cases, crossmatch_pairs, crossmatch_query, seed_queries, spatial_reference};

/// A port whose next port is free too (an executor takes both).
fn free_pair() -> u16 {
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if port < 65000
            && TcpListener::bind(("127.0.0.1", port)).is_ok()
            && TcpListener::bind(("127.0.0.1", port + 1)).is_ok()
        {
            return port;
        }
    }
}

struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(env: &[(&str, String)], args: &[&str]) -> Process {
    let mut command = Command::new(env!("CARGO_BIN_EXE_adql"));
    command
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in env {
        command.env(k, v);
    }
    Process(command.spawn().unwrap())
}

fn wait_for_port(port: u16) {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "port {port} never opened"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `adql ARGS` with the store's variables and the demo cached in `cache`.
fn command(env: &[(&str, String)], cache: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_adql"));
    command.args(args).env("ADQL_CACHE_DIR", cache);
    for (k, v) in env {
        command.env(k, v);
    }
    command
}

/// `query --format csv --snapshot URL --cluster SCHEDULER` followed by `rest`.
fn cluster_query<'a>(url: &'a str, scheduler: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "query",
        "--format",
        "csv",
        "--snapshot",
        url,
        "--cluster",
        scheduler,
    ];
    args.extend_from_slice(rest);
    args
}

fn adql(env: &[(&str, String)], cache: &Path, args: &[&str]) -> Output {
    command(env, cache, args).output().unwrap()
}

/// A CSV line with its real numbers to 9 significant digits (sums over
/// partitions add in another order).
fn rounded(line: &str) -> String {
    line.split(',')
        .map(|cell| match cell.parse::<f64>() {
            Ok(v) if cell.contains(['.', 'e']) => format!("{v:.8e}"),
            _ => cell.to_string(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The answer as lines, sorted unless the query orders it; only the count
/// where TOP picks rows without an order.
fn answer(q: &str, csv: &str) -> Vec<String> {
    let upper = q.to_ascii_uppercase();
    let mut lines: Vec<String> = csv.lines().map(rounded).collect();
    if upper.contains("TOP ") && !upper.contains("ORDER BY") {
        return vec![lines.len().to_string()];
    }
    if !upper.contains("ORDER BY") {
        lines.sort();
    }
    lines
}

const CROSSMATCH: &str = "SELECT a.obs_publisher_did, b.obs_publisher_did FROM ivoa.ObsCore AS a JOIN ivoa.ObsCore AS b ON CONTAINS(POINT('ICRS', a.s_ra, a.s_dec), CIRCLE('ICRS', b.s_ra, b.s_dec, 0.01)) = 1 WHERE a.dataproduct_subtype = 'lsst.deepCoadd_calexp' AND b.dataproduct_subtype = 'lsst.deepCoadd_calexp' AND a.s_dec BETWEEN -32.5 AND -32 AND b.s_dec BETWEEN -32.5 AND -32 AND a.obs_publisher_did < b.obs_publisher_did ORDER BY 1, 2";

#[test]
fn queries_on_the_cluster_give_the_local_rows() {
    let server = s3::S3Server::start("cluster");
    let env = server.env();
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cluster-cli-cache");
    std::fs::create_dir_all(&cache).unwrap();
    let url = server.url("demo");
    // The demo's rows and seed, in four parts, in the store.
    let made = adql(
        &env,
        &cache,
        &["generate", "--rows", "150000", "--parts", "4", "-o", &url],
    );
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );

    let scheduler_port = free_pair();
    let _scheduler = spawn(
        &env,
        &[
            "cluster",
            "scheduler",
            "--addr",
            &format!("127.0.0.1:{scheduler_port}"),
        ],
    );
    wait_for_port(scheduler_port);
    let scheduler = format!("df://127.0.0.1:{scheduler_port}");
    let mut executors = Vec::new();
    for _ in 0..2 {
        let port = free_pair();
        executors.push(spawn(
            &env,
            &[
                "cluster",
                "executor",
                "--scheduler",
                &scheduler,
                "--addr",
                &format!("127.0.0.1:{port}"),
                "--slots",
                "2",
            ],
        ));
        wait_for_port(port + 1);
    }
    // Registration follows the control port's opening.
    std::thread::sleep(Duration::from_secs(2));

    let mut queries = seed_queries();
    assert_eq!(queries.len(), 11);
    queries.extend(cases::DIFFERENTIAL.iter().map(|c| c.0.to_string()));
    queries.push(CROSSMATCH.to_string());
    for q in &queries {
        // The same snapshot, run here (the demo has more tables than it).
        let local = adql(
            &env,
            &cache,
            &["query", "--format", "csv", "--snapshot", &url, q],
        );
        assert!(
            local.status.success(),
            "{q}: {}",
            String::from_utf8_lossy(&local.stderr)
        );
        let remote = adql(&env, &cache, &cluster_query(&url, &scheduler, &[q]));
        assert!(
            remote.status.success(),
            "{q}: {}",
            String::from_utf8_lossy(&remote.stderr)
        );
        let (l, r) = (
            String::from_utf8_lossy(&local.stdout),
            String::from_utf8_lossy(&remote.stdout),
        );
        assert_eq!(answer(q, &l), answer(q, &r), "{q}");
    }
    let crossmatch = adql(&env, &cache, &["query", "--format", "csv", CROSSMATCH]);
    assert!(
        String::from_utf8_lossy(&crossmatch.stdout).lines().count() > 100,
        "a weak crossmatch"
    );

    spatial_queries_on_the_cluster(&server, &env, &cache, &url, &scheduler);
    let (_served, tap) = serve_on_the_cluster(&env, &cache, &url, &scheduler);

    // An executor killed while a query runs: a clear error, or the right rows.
    let heavy = "SELECT a.lsst_band, COUNT(*) FROM ivoa.ObsCore AS a JOIN ivoa.ObsCore AS b ON a.lsst_visit = b.lsst_visit AND a.lsst_detector = b.lsst_detector GROUP BY a.lsst_band ORDER BY 1";
    let want = adql(&env, &cache, &["query", "--format", "csv", heavy]);
    // Ballista 55 may stall a job whose executor vanished (seen in about half
    // the runs): then the client's deadline ends it, with an error. A job that
    // recovers takes ~30 s (the 20 s heartbeat timeout, then the lost tasks again).
    let mut running = command(
        &env,
        &cache,
        &cluster_query(&url, &scheduler, &["--timeout", "60", heavy]),
    );
    running.stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    let running = running.spawn().unwrap();
    std::thread::sleep(Duration::from_millis(700));
    drop(executors.remove(0));
    let out = running.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        assert_eq!(
            out.stdout, want.stdout,
            "a complete answer must be the right one"
        );
    } else {
        assert!(!said.trim().is_empty(), "a failure must say why");
        assert!(!String::from_utf8_lossy(&out.stdout).contains(",") || said.contains("adql:"));
    }
    eprintln!(
        "executor killed mid-query: {} after {:?}: {}",
        if out.status.success() {
            "completed"
        } else {
            "failed"
        },
        started.elapsed(),
        said.trim()
    );
    assert!(started.elapsed() < Duration::from_secs(240));

    // The cluster gone: the server answers with an error naming it, never
    // with rows computed some other way.
    drop(executors);
    drop(_scheduler);
    let asked = Instant::now();
    let refused = http_get(&format!(
        "{tap}/sync?LANG=ADQL&REQUEST=doQuery&QUERY={}",
        "SELECT%20COUNT(*)%20FROM%20ivoa.ObsCore"
    ));
    assert!(
        refused.contains("QUERY_STATUS") && refused.contains("ERROR"),
        "{refused}"
    );
    assert!(
        refused.contains(&format!("the cluster at {scheduler}")),
        "{refused}"
    );
    assert!(asked.elapsed() < Duration::from_secs(120));
}

/// The body of a GET (any status), by a plain HTTP/1.1 exchange.
fn http_get(url: &str) -> String {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// `spatial_reference.py`'s points in the store, and each of its cones,
/// polygons and distances (seam, poles) and its crossmatch on the cluster:
/// exactly the ids astropy found.
fn spatial_queries_on_the_cluster(
    server: &s3::S3Server,
    env: &[(&str, String)],
    cache: &Path,
    url: &str,
    scheduler: &str,
) {
    let dir = cache.join("spatial");
    let expected = spatial_reference(&dir);
    let points = format!("{}points.parquet", server.url("tables"));
    for (k, v) in server.env() {
        std::env::set_var(k, v);
    }
    let bytes = std::fs::read(dir.join("points.parquet")).unwrap();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        use object_store::ObjectStoreExt;
        let o = adql_engine::storage::store_for(&points).unwrap();
        o.store.put(&o.path, bytes.into()).await.unwrap();
    });
    let table = format!("test.points={points}");
    let ids = |q: &str| -> Vec<Vec<i64>> {
        let out = adql(
            env,
            cache,
            &cluster_query(url, scheduler, &["--table", &table, q]),
        );
        assert!(
            out.status.success(),
            "{q}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .skip(1)
            .map(|l| l.split(',').map(|c| c.parse().unwrap()).collect())
            .collect()
    };
    let list = |v: &serde_json::Value| -> BTreeSet<i64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|i| i.as_i64().unwrap())
            .collect()
    };
    let cases = expected["cases"].as_array().unwrap();
    assert!(cases.len() >= 12);
    for case in cases {
        let condition = case["condition"].as_str().unwrap();
        let (want, ambiguous) = (list(&case["ids"]), list(&case["ambiguous"]));
        let got: BTreeSet<i64> = ids(&format!("SELECT id FROM test.points WHERE {condition}"))
            .into_iter()
            .map(|r| r[0])
            .filter(|id| !ambiguous.contains(id))
            .collect();
        assert_eq!(got, want, "{condition}");
    }
    let pairs: BTreeSet<(i64, i64)> = ids(&crossmatch_query(&expected))
        .into_iter()
        .map(|r| (r[0], r[1]))
        .collect();
    assert_eq!(pairs, crossmatch_pairs(&expected));
}

/// `adql serve --cluster` over the store: pyvo's sync and async queries give
/// the local engine's rows. Returns the running server and its TAP URL.
fn serve_on_the_cluster(
    env: &[(&str, String)],
    cache: &Path,
    url: &str,
    scheduler: &str,
) -> (Process, String) {
    let port = free_pair();
    let data = cache.join("serve-data");
    let server = spawn(
        env,
        &[
            "serve",
            "--snapshot",
            url,
            "--cluster",
            scheduler,
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
            data.to_str().unwrap(),
        ],
    );
    wait_for_port(port);
    let queries = [
        "SELECT dataproduct_subtype, COUNT(*) AS n FROM ivoa.ObsCore GROUP BY dataproduct_subtype ORDER BY dataproduct_subtype",
        "SELECT lsst_band, obs_publisher_did FROM ivoa.ObsCore WHERE dataproduct_subtype = 'lsst.deepCoadd_calexp' AND CONTAINS(POINT('ICRS', 55.7467, -32.2862), s_region) = 1 ORDER BY lsst_band",
        "SELECT COUNT(*) FROM ivoa.ObsCore WHERE calib_level = 2 AND s_dec < -35",
    ];
    let file = cache.join("served-queries.json");
    std::fs::write(&file, serde_json::to_string(&queries).unwrap()).unwrap();
    let tap = format!("http://127.0.0.1:{port}/api/tap");
    let python = std::env::var_os("ADQL_PYTHON").expect("ADQL_PYTHON (run `bash .ci/run` once)");
    let client = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cluster_tap_client.py");
    let seen = Command::new(python)
        .arg(client)
        .arg(&tap)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        seen.status.success(),
        "{}",
        String::from_utf8_lossy(&seen.stderr)
    );
    let seen: serde_json::Value = serde_json::from_slice(&seen.stdout).unwrap();
    let local = |q: &str| -> Vec<Vec<String>> {
        let out = adql(env, cache, &["query", "--format", "csv", q]);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .skip(1)
            .map(|l| l.split(',').map(String::from).collect())
            .collect()
    };
    let rows =
        |v: &serde_json::Value| -> Vec<Vec<String>> { serde_json::from_value(v.clone()).unwrap() };
    for (i, q) in queries.iter().enumerate() {
        let want = local(q);
        assert!(!want.is_empty(), "{q}");
        assert_eq!(rows(&seen["sync"][i]), want, "{q}");
    }
    assert_eq!(rows(&seen["async"]), local(queries[0]));
    (server, tap)
}
