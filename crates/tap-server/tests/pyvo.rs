//! pyvo (from pip) against a server this test starts: every seed query with the
//! engine's own row counts, async jobs, VOSI tables and capabilities, examples,
//! a MAXREC overflow warning, a bad query's line:column diagnostic, an upload
//! joined with ObsCore; and with auth on, 401 without a token and jobs that
//! only their owner sees.

mod common;

use serde_json::Value;

fn run_client(args: &[&str]) -> Value {
    common::run_python_client("tests/pyvo_client.py", args)
}

#[test]
fn pyvo_runs_the_seed_notebook() {
    let data = common::scratch("pyvo-anon");
    let server = common::TestServer::start(&data, |c| c.maxrec_default = 20_000);
    let queries = common::seed_queries();
    assert_eq!(queries.len(), 11, "the seed has eleven queries");
    let queries_file = data.join("queries.json");
    std::fs::write(&queries_file, serde_json::to_string(&queries).unwrap()).unwrap();
    let seen = run_client(&[&server.tap, "anon", queries_file.to_str().unwrap()]);

    for (i, q) in queries.iter().enumerate() {
        assert_eq!(
            seen["seed"][i]["rows"].as_u64().unwrap() as usize,
            common::engine_rows(q),
            "seed query {i}: {q}"
        );
    }
    assert_eq!(
        seen["coadd_bands"],
        serde_json::json!(["g", "i", "r", "u", "y", "z"])
    );
    assert_eq!(seen["count_column"], serde_json::json!(["COUNT", "int64"]));
    assert_eq!(seen["async_rows"], 1);
    assert_eq!(seen["pending_phase"], "PENDING");
    assert_eq!(seen["job_phase"], "COMPLETED");
    assert_eq!(seen["job_rows"], 3);
    assert_eq!(seen["job_listed"], true);
    assert_eq!(seen["deleted_status"], 404);
    assert_eq!(seen["bad_job_phase"], "ERROR");
    let bad_job = seen["bad_job_error"].as_str().unwrap();
    assert!(
        bad_job.contains("1:31") && bad_job.contains("TOP"),
        "{bad_job}"
    );

    let tables: Vec<&str> = seen["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(
        tables.contains(&"ivoa.ObsCore") && tables.contains(&"tap_schema.columns"),
        "{tables:?}"
    );
    assert!(seen["obscore_columns"].as_array().unwrap().len() >= 37);
    assert_eq!(seen["languages"][0][0], "ADQL");
    assert_eq!(seen["languages"][0][1], serde_json::json!(["2.0", "2.1"]));
    assert_eq!(
        seen["language_version_ids"],
        serde_json::json!([
            "ivo://ivoa.net/std/ADQL#v2.0",
            "ivo://ivoa.net/std/ADQL#v2.1"
        ])
    );
    let formats = seen["output_formats"].to_string();
    assert!(
        formats.contains("BINARY2") && formats.contains("text/csv") && formats.contains("parquet"),
        "{formats}"
    );
    assert!(seen["upload_methods"].to_string().contains("upload-inline"));
    assert_eq!(
        seen["data_models"],
        serde_json::json!(["ivo://ivoa.net/std/ObsCore#core-1.1"])
    );
    assert_eq!(seen["examples"], 8);
    assert_eq!(seen["examples_ran"], 8);

    assert_eq!(seen["maxrec_rows"], 5);
    assert_eq!(seen["maxrec_warnings"], serde_json::json!([]));
    assert_eq!(seen["default_limit_rows"], 20_000);
    assert_eq!(
        seen["default_limit_warnings"],
        serde_json::json!(["DALOverflowWarning"])
    );
    let bad = seen["bad_query"].as_str().unwrap();
    assert!(
        bad.contains("1:31") && bad.contains("^^^^^") && bad.contains("TOP 10"),
        "{bad}"
    );

    // The seed point is in six coadds (one per band); (10, 80) is off the footprint.
    let join: Vec<(u64, String)> = seen["upload_join"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_u64().unwrap(), p[1].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        join,
        ["g", "i", "r", "u", "y", "z"]
            .iter()
            .map(|b| (1, b.to_string()))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        seen["crossmatch_rows"].as_u64().unwrap() as usize,
        common::engine_rows(
            "SELECT obs_id FROM ivoa.ObsCore WHERE DISTANCE(POINT('ICRS', 55.74673760481304, -32.286155241413624), POINT('ICRS', s_ra, s_dec)) < 0.2"
        )
    );
    // 2,000 uploaded targets LEFT JOINed with ObsCore: astropy's pairs, and
    // every unmatched target once with a NULL.
    assert!(seen["xmatch_pairs"].as_u64().unwrap() > 1000, "{seen}");
    assert!(seen["xmatch_unmatched"].as_u64().unwrap() > 10, "{seen}");
    assert_eq!(seen["xmatch_equal"], true, "{seen}");
    assert_eq!(seen["xmatch_unmatched_equal"], true, "{seen}");
    drop(server);
    std::fs::remove_dir_all(data).ok();
}

#[test]
fn pyvo_with_tokens() {
    let data = common::scratch("pyvo-auth");
    let tokens = data.join("tokens");
    std::fs::write(
        &tokens,
        "# who may call\ntoken-of-alice alice\ntoken-of-bob bob\n",
    )
    .unwrap();
    let tokens_path = tokens.clone();
    let server = common::TestServer::start(&data, move |c| c.tokens = Some(tokens_path));
    let seen = run_client(&[&server.tap, "auth", "token-of-alice", "token-of-bob"]);
    assert_eq!(seen["anonymous_sync_status"], 401);
    assert_eq!(seen["anonymous_tables_status"], 401);
    assert!(seen["www_authenticate"]
        .as_str()
        .unwrap()
        .starts_with("Bearer"));
    assert_eq!(seen["anonymous_capabilities_status"], 200);
    assert_eq!(seen["wrong_token_status"], 401);
    assert_eq!(seen["alice_rows"], 4);
    assert_eq!(seen["alice_job_phase"], "COMPLETED");
    assert_eq!(seen["alice_sees_job"], true);
    assert_eq!(seen["bob_sees_job"], false);
    assert_eq!(seen["bob_get_job_status"], 404);
    assert_eq!(seen["bob_get_result_status"], 404);
    assert_eq!(seen["bob_delete_status"], 404);
    assert_eq!(seen["alice_owner"], "alice");
    drop(server);
    std::fs::remove_dir_all(data).ok();
}
