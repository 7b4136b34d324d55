//! Queries generated from lists of 100,000 terms, from a file, through
//! `adql validate`, `fmt` and `query`: each answers or is refused with a
//! diagnostic (exit 0 or 1), never aborts (134) on a stack overflow.

mod common;
use common::adql;

#[test]
fn hundred_thousand_term_chains_answer_or_are_refused() {
    let cache = std::env::temp_dir().join(format!("adql-cli-chains-{}", std::process::id()));
    std::fs::create_dir_all(&cache).unwrap();
    let n = 100_000;
    let chain = |t: &dyn Fn(usize) -> String, op: &str| (0..n).map(t).collect::<Vec<_>>().join(op);
    let ids = chain(&|i| format!("obs_id = 'x{i}'"), " OR ");
    // (query, exit code of validate and fmt, of query)
    let cases = [
        (
            format!("SELECT obs_id FROM ivoa.ObsCore WHERE {ids} OR obs_id = '160037-123'"),
            0,
            0,
        ),
        (
            format!(
                "SELECT obs_id FROM ivoa.ObsCore WHERE {}",
                chain(&|i| format!("s_ra > {}", i % 360), " AND ")
            ),
            0,
            1,
        ),
        (
            format!(
                "SELECT obs_id FROM ivoa.ObsCore WHERE {}",
                chain(&|i| format!("s_ra <= {i}"), " OR ")
            ),
            0,
            1,
        ),
        (
            format!(
                "SELECT TOP 1 {} AS s FROM ivoa.ObsCore",
                chain(&|_| "'a'".into(), " || ")
            ),
            0,
            0,
        ),
        (
            format!(
                "SELECT {} AS s FROM ivoa.ObsCore",
                chain(&|_| "1".into(), " + ")
            ),
            1,
            1,
        ),
    ];
    for (i, (query, checked, ran)) in cases.iter().enumerate() {
        let file = cache.join(format!("chain-{i}.adql"));
        std::fs::write(&file, query).unwrap();
        let file = file.to_str().unwrap();
        for (command, expected) in [("validate", checked), ("fmt", checked), ("query", ran)] {
            let out = adql(&[command, "--file", file], &cache);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(
                out.status.code(),
                Some(*expected),
                "case {i}, {command}: {}",
                &stderr[..stderr.len().min(3000)]
            );
            if *expected == 1 {
                assert!(stderr.contains("expression-too-deep"), "{stderr}");
                assert!(
                    stderr.len() < 5_000,
                    "a short message: {} bytes",
                    stderr.len()
                );
            }
        }
    }
    // The list with one real ID among 100,000 finds that ID's rows.
    let file = cache.join("chain-0.adql");
    let out = adql(
        &["query", "--format", "csv", "--file", file.to_str().unwrap()],
        &cache,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert!(
        !rows.is_empty() && rows.iter().all(|r| *r == "160037-123"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&cache);
}
