//! The service over HTTP, request by request: DALI parameters, formats and
//! MAXREC, errors in their wire forms, UWS phases, WAIT, filters, persistence
//! across restarts, resumption of interrupted jobs, destruction, overload,
//! request limits, and paths a request tries to reach.

mod common;

use std::time::{Duration, Instant};

use common::{agent, delete, get, post, reply, wait_done, Reply, TestServer};

fn sync(server: &TestServer, form: &[(&str, &str)]) -> Reply {
    post(&format!("{}/sync", server.tap), form)
}

/// Creates a job with `PHASE=RUN` and waits for it to end.
fn run_job(server: &TestServer, query: &str) -> String {
    let created = post(
        &format!("{}/async", server.tap),
        &[("LANG", "ADQL"), ("QUERY", query), ("PHASE", "RUN")],
    );
    assert_eq!(created.status, 303, "{}", created.body);
    let job = created.location.unwrap();
    wait_done(&job);
    job
}

#[test]
fn parameters_formats_and_maxrec() {
    let data = common::scratch("http-params");
    let server = TestServer::start(&data, |c| c.maxrec_default = 1000);
    // Names in any case; unknown parameters, REQUEST and VERSION ignored; GET works.
    let r = get(&format!(
        "{}/sync?lang=adql-2.1&query=SELECT%20TOP%203%20obs_id%20FROM%20ivoa.ObsCore&responseformat=csv&REQUEST=doQuery&VERSION=1.1&FOO=bar",
        server.tap
    ));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.content_type, "text/csv;header=present");
    assert_eq!(r.body.lines().count(), 4);
    // Each format with its MIME type, by alias and by MIME type.
    for (format, mime) in [
        ("votable", "application/x-votable+xml;serialization=BINARY2"),
        (
            "application/x-votable+xml;serialization=TABLEDATA",
            "application/x-votable+xml;serialization=TABLEDATA",
        ),
        ("tsv", "text/tab-separated-values"),
        ("json", "application/json"),
        ("parquet", "application/vnd.apache.parquet"),
        ("text/csv", "text/csv;header=present"),
    ] {
        let r = sync(
            &server,
            &[
                ("LANG", "ADQL"),
                ("QUERY", "SELECT TOP 2 s_ra FROM ivoa.ObsCore"),
                ("RESPONSEFORMAT", format),
            ],
        );
        assert_eq!((r.status, r.content_type.as_str()), (200, mime), "{format}");
    }
    let r = sync(
        &server,
        &[
            ("LANG", "ADQL"),
            ("QUERY", "SELECT TOP 2 s_ra FROM ivoa.ObsCore"),
            ("FORMAT", "fits"),
        ],
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("QUERY_STATUS") && r.body.contains("ERROR") && r.body.contains("fits"));
    // MAXREC=0: the metadata, no rows, OVERFLOW after the table (rows existed).
    let r = sync(
        &server,
        &[
            ("LANG", "ADQL"),
            ("QUERY", "SELECT obs_id FROM ivoa.ObsCore"),
            ("MAXREC", "0"),
            ("RESPONSEFORMAT", "votable/td"),
        ],
    );
    assert_eq!(r.status, 200);
    assert!(r.body.contains("<FIELD name=\"obs_id\"") && !r.body.contains("<TR>"));
    let after_table = r.body.split("</TABLE>").nth(1).unwrap();
    assert!(after_table.contains("value=\"OVERFLOW\""), "{}", r.body);
    // Exactly MAXREC rows existing: no OVERFLOW.
    let r = sync(
        &server,
        &[
            ("LANG", "ADQL"),
            ("QUERY", "SELECT TOP 4 obs_id FROM ivoa.ObsCore"),
            ("MAXREC", "4"),
            ("RESPONSEFORMAT", "votable/td"),
        ],
    );
    assert_eq!(r.body.matches("<TR>").count(), 4);
    assert!(!r.body.contains("OVERFLOW"));
    // LANG=ADQL-2.0 takes what 2.0 has; LANG=ADQL-2.1 takes LOWER.
    for (lang, query) in [
        (
            "ADQL-2.0",
            "SELECT TOP 2 obs_id FROM ivoa.ObsCore ORDER BY obs_id",
        ),
        (
            "ADQL-2.1",
            "SELECT TOP 2 LOWER(obs_id) AS o FROM ivoa.ObsCore",
        ),
    ] {
        let r = sync(
            &server,
            &[("LANG", lang), ("QUERY", query), ("RESPONSEFORMAT", "csv")],
        );
        assert_eq!(
            (r.status, r.body.lines().count()),
            (200, 3),
            "{lang}: {}",
            r.body
        );
    }
    // The default MAXREC applies.
    let r = sync(
        &server,
        &[
            ("LANG", "ADQL"),
            ("QUERY", "SELECT obs_id FROM ivoa.ObsCore"),
            ("RESPONSEFORMAT", "csv"),
        ],
    );
    assert_eq!(r.body.lines().count(), 1001);
    // Usage errors: an error VOTable with 400.
    for (form, wanted) in [
        (
            vec![("LANG", "SQL"), ("QUERY", "SELECT 1")],
            "LANG SQL is not supported",
        ),
        (vec![("LANG", "ADQL")], "no QUERY"),
        (
            vec![
                ("LANG", "ADQL"),
                ("QUERY", "SELECT TOP 1 obs_id FROM ivoa.ObsCore"),
                ("MAXREC", "-1"),
            ],
            "MAXREC",
        ),
        (
            vec![("LANG", "ADQL"), ("QUERY", "SELECT * FROM nowhere")],
            "no table named nowhere",
        ),
        // ADQL 2.0: what 2.1 added is refused, in the standard's words.
        (
            vec![
                ("LANG", "ADQL-2.0"),
                ("QUERY", "SELECT TOP 1 LOWER(obs_id) FROM ivoa.ObsCore"),
            ],
            "LOWER requires ADQL 2.1",
        ),
        // A type error, in ADQL's words.
        (
            vec![
                ("LANG", "ADQL"),
                ("QUERY", "SELECT TOP 1 obs_id * 3 FROM ivoa.ObsCore"),
            ],
            "arithmetic needs a number, but `obs_id` is a string",
        ),
        // A shape the query builds from its own values that is not one.
        (
            vec![
                ("LANG", "ADQL"),
                ("QUERY", "SELECT TOP 1 POLYGON('ICRS', s_ra, s_dec, s_ra, s_dec, s_ra, s_dec) AS p FROM ivoa.ObsCore"),
            ],
            "failed while running",
        ),
        (
            vec![
                ("LANG", "ADQL"),
                ("QUERY", "SELECT TOP 1 * FROM TAP_UPLOAD.t"),
                ("UPLOAD", "t,file:///etc/passwd"),
            ],
            "http(s) URL",
        ),
    ] {
        let r = sync(&server, &form);
        assert_eq!(r.status, 400, "{form:?}");
        assert_eq!(r.content_type, "application/x-votable+xml");
        assert!(
            r.body.contains("value=\"ERROR\"") && r.body.contains(wanted),
            "{form:?}: {}",
            r.body
        );
        assert!(!r.body.contains("<TABLE"));
    }
    drop(server);
    std::fs::remove_dir_all(data).ok();
}

#[test]
fn uws_jobs_through_their_phases() {
    let data = common::scratch("http-uws");
    let server = TestServer::start(&data, |_| {});
    let jobs = format!("{}/async", server.tap);
    // Creation: 303 to the job, PENDING, RUNID echoed; text/plain resources.
    let created = post(
        &jobs,
        &[
            ("LANG", "ADQL"),
            ("QUERY", "SELECT TOP 5 obs_id FROM ivoa.ObsCore"),
            ("RUNID", "run-7"),
        ],
    );
    assert_eq!(created.status, 303);
    let job = created.location.unwrap();
    let id = job.rsplit('/').next().unwrap().to_string();
    assert_eq!(id.len(), 32);
    let doc = get(&job);
    assert!(
        doc.body.contains("<uws:phase>PENDING</uws:phase>")
            && doc.body.contains("<uws:runId>run-7</uws:runId>")
    );
    assert!(doc.body.contains(
        "<uws:parameter id=\"query\">SELECT TOP 5 obs_id FROM ivoa.ObsCore</uws:parameter>"
    ));
    for resource in [
        "phase",
        "executionduration",
        "destruction",
        "quote",
        "owner",
    ] {
        let r = get(&format!("{job}/{resource}"));
        assert_eq!(
            (r.status, r.content_type.as_str()),
            (200, "text/plain; charset=utf-8"),
            "{resource}"
        );
    }
    assert_eq!(get(&format!("{job}/phase")).body, "PENDING");
    // A blocking WAIT on a PENDING job returns after its time.
    let started = Instant::now();
    get(&format!("{job}?WAIT=1"));
    assert!(started.elapsed() >= Duration::from_millis(900));
    // Duration and destruction can be set while PENDING.
    assert_eq!(
        post(
            &format!("{job}/executionduration"),
            &[("EXECUTIONDURATION", "30")]
        )
        .status,
        303
    );
    assert_eq!(get(&format!("{job}/executionduration")).body, "30");
    assert_eq!(
        post(
            &format!("{job}/destruction"),
            &[("DESTRUCTION", "2099-01-01T00:00:00Z")]
        )
        .status,
        303
    );
    assert!(
        get(&format!("{job}/destruction")).body.as_str() < "2099",
        "capped by retention"
    );
    // RUN, then the result at results/result.
    assert_eq!(
        post(&format!("{job}/phase"), &[("PHASE", "RUN")]).status,
        303
    );
    let done = wait_done(&job);
    assert!(
        done.body.contains("<uws:phase>COMPLETED</uws:phase>"),
        "{}",
        done.body
    );
    assert!(done
        .body
        .contains(&format!("xlink:href=\"{job}/results/result\"")));
    let result = get(&format!("{job}/results/result"));
    assert_eq!(
        result.content_type,
        "application/x-votable+xml;serialization=BINARY2"
    );
    assert!(result.body.contains("<FIELD name=\"obs_id\""));
    assert!(get(&format!("{job}/results"))
        .body
        .contains("uws:result id=\"result\""));
    // Filters of the job list.
    let failed = run_job(&server, "SELECT nothing FROM ivoa.ObsCore");
    let list = get(&format!("{jobs}?PHASE=COMPLETED"));
    assert!(list.body.contains(&id) && !list.body.contains(failed.rsplit('/').next().unwrap()));
    let last = get(&format!("{jobs}?LAST=1"));
    assert_eq!(last.body.matches("<uws:jobref").count(), 1);
    assert!(
        get(&format!("{jobs}?AFTER=2099-01-01T00:00:00Z"))
            .body
            .matches("<uws:jobref")
            .count()
            == 0
    );
    assert_eq!(get(&format!("{jobs}?PHASE=SLEEPING")).status, 400);
    // The failed job: ERROR, its message in errorSummary and an error VOTable.
    let doc = get(&failed);
    assert!(
        doc.body.contains("<uws:phase>ERROR</uws:phase>") && doc.body.contains("<uws:errorSummary")
    );
    let error = get(&format!("{failed}/error"));
    assert!(error.body.contains("value=\"ERROR\"") && error.body.contains("nothing"));
    // ABORT of a pending job.
    let pending = post(
        &jobs,
        &[
            ("LANG", "ADQL"),
            ("QUERY", "SELECT 1 FROM tap_schema.schemas"),
        ],
    )
    .location
    .unwrap();
    assert_eq!(
        post(&format!("{pending}/phase"), &[("PHASE", "ABORT")]).status,
        303
    );
    assert_eq!(get(&format!("{pending}/phase")).body, "ABORTED");
    assert_eq!(
        post(&format!("{pending}/phase"), &[("PHASE", "SUSPEND")]).status,
        400
    );
    // DELETE and ACTION=DELETE: 303 to the list, then 404.
    let gone = delete(&job);
    assert_eq!(gone.status, 303);
    assert_eq!(gone.location.as_deref(), Some(jobs.as_str()));
    assert_eq!(get(&job).status, 404);
    let gone = post(&failed, &[("ACTION", "DELETE")]);
    assert_eq!(gone.status, 303);
    assert_eq!(get(&failed).status, 404);
    drop(server);
    std::fs::remove_dir_all(data).ok();
}

#[test]
fn jobs_and_results_survive_a_restart_and_interrupted_jobs_resume() {
    let data = common::scratch("http-restart");
    let server = TestServer::start(&data, |_| {});
    let job = run_job(
        &server,
        "SELECT TOP 7 obs_id FROM ivoa.ObsCore ORDER BY obs_id",
    );
    let first = get(&format!("{job}/results/result")).body;
    drop(server);
    // A job the stop interrupted, as the store holds it after a crash.
    let id = tap_server::jobs::new_id();
    {
        use tap_server::jobs::{Job, JobKind, JobStore, Phase, SqliteJobStore};
        let store = SqliteJobStore::open(&data.join("jobs.sqlite")).unwrap();
        store
            .insert(&Job {
                id: id.clone(),
                kind: JobKind::Tap,
                run_id: None,
                owner: None,
                phase: Phase::Executing,
                created_ms: chrono_now(),
                started_ms: Some(chrono_now()),
                ended_ms: None,
                execution_duration: 60,
                destruction_ms: chrono_now() + 3_600_000,
                parameters: vec![
                    ("LANG".into(), "ADQL".into()),
                    (
                        "QUERY".into(),
                        "SELECT TOP 2 obs_id FROM ivoa.ObsCore".into(),
                    ),
                ],
                upload_parts: vec![],
                error: None,
                result: None,
            })
            .unwrap();
    }
    let server = TestServer::start(&data, |_| {});
    let job = job.replace(job.split("/api/tap").next().unwrap(), &server.base);
    assert!(get(&job).body.contains("<uws:phase>COMPLETED</uws:phase>"));
    assert_eq!(get(&format!("{job}/results/result")).body, first);
    let resumed = wait_done(&format!("{}/async/{id}", server.tap));
    assert!(
        resumed.body.contains("<uws:phase>COMPLETED</uws:phase>"),
        "{}",
        resumed.body
    );
    drop(server);
    std::fs::remove_dir_all(data).ok();
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[test]
fn expired_jobs_are_destroyed() {
    let data = common::scratch("http-reaper");
    let server = TestServer::start(&data, |c| c.reaper_interval = Duration::from_millis(300));
    let job = run_job(&server, "SELECT TOP 1 obs_id FROM ivoa.ObsCore");
    let id = job.rsplit('/').next().unwrap().to_string();
    assert!(data.join("jobs").join(&id).join("result").exists());
    assert_eq!(
        post(
            &format!("{job}/destruction"),
            &[("DESTRUCTION", "2000-01-01T00:00:00Z")]
        )
        .status,
        303
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(get(&job).status, 404);
    assert!(
        !data.join("jobs").join(&id).exists(),
        "the result file is gone too"
    );
    drop(server);
    std::fs::remove_dir_all(data).ok();
}

#[test]
fn overload_timeouts_and_request_limits() {
    let data = common::scratch("http-overload");
    let server = TestServer::start(&data, |c| {
        c.max_concurrent = 1;
        c.max_queued = 0;
        c.query_timeout = Duration::from_secs(3);
        c.max_request_bytes = 64 * 1024;
        c.upload_limit_bytes = 200 * 1024;
    });
    // A query that would run for hours (billions of pairs on a key of six
    // values, each with two GALACTIC POINTs and a DISTANCE, none kept; `>` is
    // no positional join), inside single polls of the hash join that keep
    // both query workers busy, holds the one slot...
    let slow_url = format!("{}/sync", server.tap);
    let slow = std::thread::spawn(move || {
        let started = Instant::now();
        let response = post(&slow_url, &[("LANG", "ADQL"), ("QUERY", "SELECT COUNT(*) FROM ivoa.ObsCore AS a, ivoa.ObsCore AS b WHERE a.lsst_band = b.lsst_band AND DISTANCE(POINT('GALACTIC', a.s_ra, a.s_dec), POINT('GALACTIC', b.s_ra, b.s_dec)) > 179.99")]);
        (response, started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(800));
    // ...so another is turned away with 503 and Retry-After.
    let busy = sync(
        &server,
        &[
            ("LANG", "ADQL"),
            ("QUERY", "SELECT TOP 1 obs_id FROM ivoa.ObsCore"),
        ],
    );
    assert_eq!(busy.status, 503, "{}", busy.body);
    assert!(busy.retry_after.is_some());
    assert!(busy.body.contains("value=\"ERROR\""));
    // The slow one is stopped at the timeout with an error, not a hang...
    let (slow, took) = slow.join().unwrap();
    assert_eq!(slow.status, 500, "{}", slow.body);
    assert!(slow.body.contains("longer than"), "{}", slow.body);
    assert!(took < Duration::from_secs(15), "answered after {took:?}");
    // ...and its work with it: the service is still up, and answers at once.
    let started = Instant::now();
    let ok = sync(
        &server,
        &[
            ("LANG", "ADQL"),
            ("QUERY", "SELECT TOP 1 obs_id FROM ivoa.ObsCore"),
            ("RESPONSEFORMAT", "csv"),
        ],
    );
    assert_eq!(ok.status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "the next query waited {:?}",
        started.elapsed()
    );
    // With one slot and no queue, a client that sends its next query as soon
    // as the last answer (or error) ends is never turned away.
    for _ in 0..20 {
        let failed = sync(
            &server,
            &[
                ("LANG", "ADQL"),
                (
                    "QUERY",
                    "SELECT TOP 1 1 / (s_xel1 - s_xel1) FROM ivoa.ObsCore",
                ),
            ],
        );
        assert_eq!(failed.status, 500, "{}", failed.body);
        let ok = sync(
            &server,
            &[
                ("LANG", "ADQL"),
                ("QUERY", "SELECT TOP 1 obs_id FROM ivoa.ObsCore"),
                ("RESPONSEFORMAT", "csv"),
            ],
        );
        assert_eq!(ok.status, 200, "{}", ok.body);
    }
    // A request larger than the limit.
    let big = "x".repeat(100 * 1024);
    let r = sync(&server, &[("LANG", "ADQL"), ("QUERY", &big)]);
    assert_eq!(r.status, 413, "{}", r.body);
    // Uploads: the limit is advertised, one within it is read, one over it
    // gets a DALI error (not a dropped connection).
    let capabilities = get(&format!("{}/capabilities", server.tap));
    assert!(
        capabilities
            .body
            .contains("<hard unit=\"byte\">204800</hard>"),
        "{}",
        capabilities.body
    );
    let small = upload_votable(100);
    let r = multipart_upload(&server, &small);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body.lines().count(), 101, "{}", r.body);
    let large = upload_votable(4200);
    assert!(
        large.len() > 200 * 1024 && large.len() < 250 * 1024,
        "{}",
        large.len()
    );
    let r = multipart_upload(&server, &large);
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("value=\"ERROR\""), "{}", r.body);
    assert!(
        r.body.contains("upload limit of 204800 bytes"),
        "{}",
        r.body
    );
    // Twice the limit: read to its end and refused the same way.
    let r = multipart_upload(&server, &upload_votable(8000));
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body.contains("upload limit of 204800 bytes"),
        "{}",
        r.body
    );
    drop(server);
    std::fs::remove_dir_all(data).ok();
}

#[test]
fn nothing_a_request_says_reaches_a_file() {
    let data = common::scratch("http-paths");
    let server = TestServer::start(&data, |_| {});
    for path in [
        "/async/..%2F..%2F..%2Fetc%2Fpasswd",
        "/async/%2e%2e%2f%2e%2e%2fjobs.sqlite",
        "/async/%252e%252e%252fjobs.sqlite",
        "/async/%2Fetc%2Fpasswd/results/result",
        "/async/0123456789abcdef0123456789abcdef%00/results/result",
        "/async/0123456789abcdef0123456789abcdef/results/result",
        "/async/0123456789ABCDEF0123456789ABCDEF/error",
        "/tables/..%2F..%2Fetc%2Fpasswd",
        "/tables/%2Fetc%2Fpasswd",
    ] {
        let r = get(&format!("{}{path}", server.tap));
        assert!(r.status == 404 || r.status == 400, "{path}: {}", r.status);
        assert!(
            !r.body.contains("root:") && !r.body.contains("SQLite"),
            "{path}"
        );
    }
    // An upload naming a part that is a path.
    let r = sync(
        &server,
        &[
            ("LANG", "ADQL"),
            ("QUERY", "SELECT * FROM TAP_UPLOAD.t"),
            ("UPLOAD", "t,param:/etc/passwd"),
        ],
    );
    assert_eq!(r.status, 400);
    let r = sync(
        &server,
        &[
            ("LANG", "ADQL"),
            ("QUERY", "SELECT * FROM TAP_UPLOAD.t"),
            ("UPLOAD", "../t,param:t"),
        ],
    );
    assert_eq!(r.status, 400);
    drop(server);
    std::fs::remove_dir_all(data).ok();
}

#[test]
fn a_client_that_hangs_up_frees_its_slot() {
    let data = common::scratch("http-hangup");
    let server = TestServer::start(&data, |c| {
        c.max_concurrent = 1;
        c.max_queued = 0;
        c.maxrec_hard = 10_000_000;
    });
    // A large result, of which the client reads a little and then hangs up.
    {
        let mut response = agent()
            .post(format!("{}/sync", server.tap))
            .send_form([
                ("LANG", "ADQL"),
                ("QUERY", "SELECT * FROM ivoa.ObsCore"),
                ("MAXREC", "10000000"),
                ("RESPONSEFORMAT", "votable/td"),
            ])
            .unwrap();
        assert_eq!(response.status(), 200);
        let mut first = [0u8; 4096];
        std::io::Read::read_exact(&mut response.body_mut().as_reader(), &mut first).unwrap();
    }
    // The slot comes back once the server sees the hang-up (its next write fails).
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let r = sync(
            &server,
            &[
                ("LANG", "ADQL"),
                ("QUERY", "SELECT TOP 1 obs_id FROM ivoa.ObsCore"),
                ("RESPONSEFORMAT", "csv"),
            ],
        );
        if r.status == 200 {
            break;
        }
        assert_eq!(r.status, 503, "{}", r.body);
        assert!(
            Instant::now() < until,
            "the hung-up query still holds its slot"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    drop(server);
    std::fs::remove_dir_all(data).ok();
}

/// A TABLEDATA VOTable of `rows` targets (id, ra, dec), about 54 bytes a row.
fn upload_votable(rows: usize) -> String {
    let mut doc = String::from(
        "<?xml version=\"1.0\"?>\n<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\"><RESOURCE><TABLE>\n<FIELD name=\"id\" datatype=\"long\"/><FIELD name=\"ra\" datatype=\"double\"/><FIELD name=\"dec\" datatype=\"double\"/>\n<DATA><TABLEDATA>\n",
    );
    for i in 0..rows {
        doc.push_str(&format!(
            "<TR><TD>{i}</TD><TD>{:.6}</TD><TD>-30.5</TD></TR>\n",
            (i as f64) * 0.001
        ));
    }
    doc.push_str("</TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>\n");
    doc
}

/// A sync query with `votable` uploaded inline as TAP_UPLOAD.t (multipart, as
/// pyvo sends it).
fn multipart_upload(server: &TestServer, votable: &str) -> Reply {
    let boundary = "adqlTestBoundary7MA4YWxk";
    let mut body = String::new();
    for (name, value) in [
        ("LANG", "ADQL"),
        ("RESPONSEFORMAT", "csv"),
        ("QUERY", "SELECT id FROM TAP_UPLOAD.t"),
        ("UPLOAD", "t,param:t"),
    ] {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"t\"; filename=\"t.xml\"\r\nContent-Type: application/x-votable+xml\r\n\r\n{votable}\r\n--{boundary}--\r\n"
    ));
    reply(
        agent()
            .post(&format!("{}/sync", server.tap))
            .header(
                "Content-Type",
                &format!("multipart/form-data; boundary={boundary}"),
            )
            .send(body.as_bytes()),
    )
}
