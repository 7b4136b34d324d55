//! Queries generated from long lists (100,000 terms joined by OR, AND, `+`,
//! `||`) sent sync and async: each answers or ends as an ERROR of its own,
//! other clients are answered meanwhile, and the server stays up.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{get, post, TestServer};

const TERMS: usize = 100_000;

fn chain(template: impl Fn(usize) -> String, op: &str) -> String {
    (0..TERMS).map(template).collect::<Vec<_>>().join(op)
}

/// Polls a job until it leaves the active phases; its phase.
fn finished_phase(job: &str) -> String {
    let until = Instant::now() + Duration::from_secs(300);
    loop {
        let doc = get(&format!("{job}?WAIT=5"));
        let phase = doc
            .body
            .split("<uws:phase>")
            .nth(1)
            .and_then(|rest| rest.split('<').next())
            .unwrap_or_default()
            .to_string();
        if !["PENDING", "QUEUED", "EXECUTING"].contains(&phase.as_str()) || Instant::now() > until {
            return phase;
        }
    }
}

#[test]
fn long_chains_answer_or_fail_alone_and_the_server_stays_up() {
    let data = common::scratch("long-queries");
    let server = TestServer::start(&data, |c| c.maxrec_default = 1000);
    let sync = format!("{}/sync", server.tap);

    // Another client, answered all along.
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let other = {
        let (stop, answered, sync) = (stop.clone(), answered.clone(), sync.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let r = post(
                    &sync,
                    &[
                        ("LANG", "ADQL"),
                        ("RESPONSEFORMAT", "csv"),
                        ("QUERY", "SELECT COUNT(*) AS n FROM ivoa.ObsCore"),
                    ],
                );
                assert_eq!(r.status, 200, "{}", r.body);
                assert_eq!(r.body.lines().nth(1), Some("150000"));
                answered.fetch_add(1, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(200));
            }
        })
    };

    let ids = chain(|i| format!("obs_id = 'x{i}'"), " OR ");
    let known = "obs_id = '160037-123'";
    let cases: Vec<(String, Option<&str>)> = vec![
        // An OR of equalities is one IN list: it answers, with the one known ID's rows.
        (
            format!("SELECT obs_id FROM ivoa.ObsCore WHERE {ids} OR {known}"),
            None,
        ),
        (
            format!(
                "SELECT TOP 1 {} AS s FROM ivoa.ObsCore",
                chain(|_| "'a'".into(), " || ")
            ),
            None,
        ),
        (
            format!(
                "SELECT obs_id FROM ivoa.ObsCore WHERE {}",
                chain(|i| format!("s_ra > {}", i % 360), " AND ")
            ),
            Some("expression-too-deep"),
        ),
        (
            format!(
                "SELECT obs_id FROM ivoa.ObsCore WHERE {}",
                chain(|i| format!("s_ra < {i}"), " OR ")
            ),
            Some("expression-too-deep"),
        ),
        (
            format!(
                "SELECT {} AS s FROM ivoa.ObsCore",
                chain(|_| "1".into(), " + ")
            ),
            Some("expression-too-deep"),
        ),
    ];
    for (query, refused) in &cases {
        let r = post(
            &sync,
            &[
                ("LANG", "ADQL"),
                ("RESPONSEFORMAT", "csv"),
                ("QUERY", query),
            ],
        );
        match refused {
            None => assert_eq!(r.status, 200, "{}", &r.body[..r.body.len().min(2000)]),
            Some(code) => {
                assert_eq!(r.status, 400, "{}", &r.body[..r.body.len().min(2000)]);
                assert!(
                    r.body.contains(code),
                    "{}",
                    &r.body[..r.body.len().min(2000)]
                );
                assert!(r.body.contains("QUERY_STATUS"), "a DALI error document");
                // The message is short, however long the query.
                assert!(r.body.len() < 10_000, "{} bytes", r.body.len());
            }
        }
        if query.contains(known) {
            let rows: Vec<&str> = r.body.lines().skip(1).collect();
            assert!(!rows.is_empty() && rows.iter().all(|r| *r == "160037-123"));
        }
    }

    // The same through async jobs: COMPLETED, or ERROR for that job alone.
    for (query, refused) in [&cases[0], &cases[2]] {
        let created = post(
            &format!("{}/async", server.tap),
            &[("LANG", "ADQL"), ("QUERY", query), ("PHASE", "RUN")],
        );
        assert_eq!(created.status, 303, "{}", created.body);
        let job = created.location.expect("a job");
        let expected = if refused.is_some() {
            "ERROR"
        } else {
            "COMPLETED"
        };
        assert_eq!(finished_phase(&job), expected);
        if let Some(code) = refused {
            assert!(get(&format!("{job}/error")).body.contains(code));
        }
    }

    stop.store(true, Ordering::Relaxed);
    other
        .join()
        .expect("the other client was answered every time");
    assert!(answered.load(Ordering::Relaxed) >= 2);
    let after = get(&format!("{}/availability", server.tap));
    assert_eq!(after.status, 200);
    assert!(after.body.contains("<vosi:available>true</vosi:available>"));
}
