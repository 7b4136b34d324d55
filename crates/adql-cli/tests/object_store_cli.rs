//! Snapshots in object stores through the CLI, against an S3-compatible
//! server (moto, started here, checking signatures) and a range-answering
//! HTTP server: `generate -o s3://…` and `ingest -o s3://…` in parts, queries
//! and `explain` over `s3://` and `https://…/snapshot.json` give the local
//! answers, and the
//! faults say what failed, where: wrong credentials (no secret printed), a
//! part missing, a part corrupt, the server stopped.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

#[path = "../../../testdata/s3.rs"]
mod s3;

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("object-store-cli-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `adql ARGS` with the server's AWS variables, with `secret` as the key's secret.
fn adql_s3(env: &[(&str, String)], secret: &str, args: &[&str], cache: &Path) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_adql"));
    command.args(args).env("ADQL_CACHE_DIR", cache);
    for (k, v) in env {
        command.env(
            k,
            if *k == "AWS_SECRET_ACCESS_KEY" {
                secret
            } else {
                v
            },
        );
    }
    command.output().expect("adql runs")
}

/// `o` failed, and its message names `what`.
fn fails_naming(o: &Output, what: &str) {
    assert!(!o.status.success(), "{}", stdout(o));
    assert!(stderr(o).contains(what), "{}", stderr(o));
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const CONE: &str = "SELECT obs_id, s_ra, s_dec, s_region FROM ivoa.ObsCore WHERE CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 55.7467, -32.2862, 0.4)) = 1 ORDER BY obs_id";
const GROUP: &str = "SELECT dataproduct_subtype, COUNT(*) AS n FROM ivoa.ObsCore GROUP BY dataproduct_subtype ORDER BY dataproduct_subtype";

/// An object in the test server, through the engine's store (its variables set).
async fn with_store<T>(
    server: &s3::S3Server,
    url: &str,
    f: impl AsyncFnOnce(adql_engine::storage::StoreObject) -> T,
) -> T {
    for (k, v) in server.env() {
        std::env::set_var(k, v);
    }
    f(adql_engine::storage::store_for(url).unwrap()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_in_s3_and_over_http() {
    let mut server = s3::S3Server::start("survey");
    let cache = scratch("cache");
    let local = scratch("local").join("dp02");
    let secret = server.secret.clone();
    let env = server.env();
    let run = |args: &[&str]| adql_s3(&env, &secret, args, &cache);
    let csv =
        |snapshot: &str, q: &str| run(&["query", "--format", "csv", "--snapshot", snapshot, q]);

    // The same snapshot written locally and to S3, in four parts.
    let rows = "30000";
    let made = run(&[
        "generate",
        "--rows",
        rows,
        "--parts",
        "4",
        "-o",
        local.to_str().unwrap(),
    ]);
    assert!(made.status.success(), "{}", stderr(&made));
    let url = server.url("dp02");
    let made = run(&["generate", "--rows", rows, "--parts", "4", "-o", &url]);
    assert!(made.status.success(), "{}", stderr(&made));
    assert!(
        stderr(&made).contains("(4 parts) to s3://survey/dp02/"),
        "{}",
        stderr(&made)
    );

    let info = run(&["snapshot", "info", &url]);
    assert!(info.status.success(), "{}", stderr(&info));
    assert!(stdout(&info).contains("parts      4"), "{}", stdout(&info));

    for q in [CONE, GROUP] {
        let here = csv(local.to_str().unwrap(), q);
        let there = run(&[
            "query",
            "--format",
            "csv",
            "--io-stats",
            "--snapshot",
            &url,
            q,
        ]);
        assert!(
            here.status.success() && there.status.success(),
            "{}",
            stderr(&there)
        );
        assert!(stdout(&here).lines().count() > 2, "{q}: too few rows");
        assert_eq!(stdout(&here), stdout(&there), "{q}");
        assert!(stderr(&there).contains("GETs"), "{}", stderr(&there));
    }
    // The cone opens one or two of the four parts, and says so.
    let explain = run(&["explain", "--snapshot", &url, CONE]);
    assert!(explain.status.success(), "{}", stderr(&explain));
    let text = stdout(&explain);
    assert!(
        text.contains("opens 1 of 4 parts") || text.contains("opens 2 of 4 parts"),
        "{text}"
    );

    // `ingest -o s3://…` in parts: the same rows as the same ingest into a directory.
    // (Parquet keeps s_region's xtype: the ingested column stays a region.)
    let input = scratch("ingest").join("fields.parquet");
    let export = run(&[
        "query",
        "--format",
        "parquet",
        "-o",
        input.to_str().unwrap(),
        "--snapshot",
        local.to_str().unwrap(),
        "SELECT TOP 3000 obs_id, s_ra, s_dec, s_region FROM ivoa.ObsCore WHERE CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 55.7467, -32.2862, 2)) = 1 ORDER BY obs_id",
    ]);
    assert!(export.status.success(), "{}", stderr(&export));
    let ingested_local = input.parent().unwrap().join("fields");
    let ingested_url = server.url("fields");
    for target in [ingested_local.to_str().unwrap(), ingested_url.as_str()] {
        let made = run(&[
            "ingest",
            input.to_str().unwrap(),
            "--table",
            "test.fields",
            "--parts",
            "3",
            "-o",
            target,
        ]);
        assert!(made.status.success(), "{target}: {}", stderr(&made));
    }
    let info = run(&["snapshot", "info", &ingested_url]);
    assert!(stdout(&info).contains("parts      3"), "{}", stdout(&info));
    for q in [
        "SELECT COUNT(*), MIN(obs_id), MAX(obs_id) FROM test.fields",
        "SELECT obs_id FROM test.fields WHERE CONTAINS(POINT('ICRS', 55.7467, -32.2862), s_region) = 1 ORDER BY obs_id",
    ] {
        let (here, there) = (
            csv(ingested_local.to_str().unwrap(), q),
            csv(&ingested_url, q),
        );
        assert!(there.status.success(), "{q}: {}", stderr(&there));
        assert!(stdout(&here).lines().count() >= 2, "{q}: {}", stdout(&here));
        assert_eq!(stdout(&here), stdout(&there), "{q}");
    }

    // Over HTTP(S): the local snapshot served by a server answering ranges.
    let python = std::env::var_os("ADQL_PYTHON").expect("ADQL_PYTHON (run `bash .ci/run` once)");
    let mut http = Command::new(python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/range_server.py"))
        .arg(local.parent().unwrap())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut port = String::new();
    std::io::BufReader::new(http.stdout.take().unwrap())
        .read_line(&mut port)
        .unwrap();
    let sidecar = format!("http://127.0.0.1:{}/dp02/snapshot.json", port.trim());
    let over_http = csv(&sidecar, CONE);
    let here = csv(local.to_str().unwrap(), CONE);
    let _ = http.kill();
    let _ = http.wait();
    assert!(over_http.status.success(), "{}", stderr(&over_http));
    assert_eq!(stdout(&over_http), stdout(&here));

    // Wrong credentials: a clear refusal naming the location, no secret shown.
    let wrong = "wrong-secret-0123456789";
    let refused = adql_s3(&env, wrong, &["query", "--snapshot", &url, GROUP], &cache);
    assert!(!refused.status.success());
    let said = stderr(&refused);
    assert!(said.contains("s3://survey/dp02/snapshot.json"), "{said}");
    assert!(said.contains("access refused"), "{said}");
    assert!(
        !said.contains(wrong) && !said.contains(&server.secret),
        "{said}"
    );
    assert!(!said.contains("<?xml"), "{said}");

    // A part missing, then corrupt: the error names it.
    let part = format!("{url}part-00002.parquet");
    let saved = with_store(&server, &part, async |o| {
        use object_store::ObjectStoreExt;
        let bytes = o.store.get(&o.path).await.unwrap().bytes().await.unwrap();
        o.store.delete(&o.path).await.unwrap();
        bytes
    })
    .await;
    let missing = run(&["query", "--snapshot", &url, GROUP]);
    fails_naming(&missing, "part-00002.parquet");
    with_store(&server, &part, async |o| {
        use object_store::ObjectStoreExt;
        let mut garbage = saved.to_vec();
        garbage.truncate(garbage.len() / 2);
        o.store.put(&o.path, garbage.into()).await.unwrap();
    })
    .await;
    let corrupt = run(&["query", "--snapshot", &url, GROUP]);
    fails_naming(&corrupt, "part-00002.parquet");

    // The server stopped: an error naming the location, in seconds.
    server.stop();
    let started = Instant::now();
    let stopped = run(&["query", "--snapshot", &url, GROUP]);
    assert!(!stopped.status.success());
    assert!(
        stderr(&stopped).contains("s3://survey/dp02/snapshot.json"),
        "{}",
        stderr(&stopped)
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    // What a user reads, in the test log.
    for (fault, o) in [
        ("wrong credentials", &refused),
        ("part missing", &missing),
        ("part corrupt", &corrupt),
        ("server stopped", &stopped),
    ] {
        eprintln!("{fault}: {}", stderr(o).trim());
    }
}
