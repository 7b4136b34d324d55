//! The cluster (`--features cluster`): a Ballista scheduler and two executors
//! as separate `adql cluster` processes, over a snapshot in an S3-compatible
//! server (moto, started here). Every seed query, the differential queries
//! and a positional crossmatch join give the rows the local engine gives over
//! the demo; an executor killed mid-query ends in a clear error or the right
//! answer, never a partial one presented as whole.

#![cfg(feature = "cluster")]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

#[path = "../../../testdata/s3.rs"]
mod s3;

#[path = "../../adql-engine/tests/common/cases.rs"]
mod cases;

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

fn adql(env: &[(&str, String)], cache: &Path, args: &[&str]) -> Output {
    command(env, cache, args).output().unwrap()
}

fn seed_queries() -> Vec<String> {
    let path = std::env::var_os("ADQL_SHARED_DIR")
        .map(|d| PathBuf::from(d).join("reference/seed-queries.md"))
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/seed-queries.md")
        });
    let text = std::fs::read_to_string(&path).unwrap();
    text.split("```sql\n")
        .skip(1)
        .map(|s| s.split("```").next().unwrap().trim().to_string())
        .collect()
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
        let local = adql(&env, &cache, &["query", "--format", "csv", q]);
        assert!(
            local.status.success(),
            "{q}: {}",
            String::from_utf8_lossy(&local.stderr)
        );
        let remote = adql(
            &env,
            &cache,
            &[
                "query",
                "--format",
                "csv",
                "--snapshot",
                &url,
                "--cluster",
                &scheduler,
                q,
            ],
        );
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

    // An executor killed while a query runs: a clear error, or the right rows.
    let heavy = "SELECT a.lsst_band, COUNT(*) FROM ivoa.ObsCore AS a JOIN ivoa.ObsCore AS b ON a.lsst_visit = b.lsst_visit AND a.lsst_detector = b.lsst_detector GROUP BY a.lsst_band ORDER BY 1";
    let want = adql(&env, &cache, &["query", "--format", "csv", heavy]);
    let mut running = command(
        &env,
        &cache,
        &[
            "query",
            "--format",
            "csv",
            "--snapshot",
            &url,
            "--cluster",
            &scheduler,
            // Ballista may stall a job whose executor vanished: then the
            // client's deadline ends it, with an error.
            "--timeout",
            "90",
            heavy,
        ],
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
}
