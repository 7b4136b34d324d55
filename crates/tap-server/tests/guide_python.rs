//! The Python blocks of the README and the guide that talk to a server
//! (`http://127.0.0.1:8080`) run against one this test starts on the demo,
//! with pyvo, astropy and requests from pip: the tour's TAP query, DataLink,
//! signed image URL and SODA cutout; the guide's uploads, tokens, SIA.

mod common;

#[test]
fn the_guides_pyvo_blocks_run_against_the_demo() {
    let data = common::scratch("guide-python");
    let server = common::TestServer::start(&data, |_| {});
    let runner =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/guide_python.py");
    let output = std::process::Command::new(common::python())
        .arg(&runner)
        .args(["server", &server.base])
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let ran = summary["ran"].as_array().unwrap();
    let blocks: Vec<&str> = ran.iter().map(|r| r["block"].as_str().unwrap()).collect();
    assert!(
        blocks.iter().any(|b| b.starts_with("README.md")),
        "{blocks:?}"
    );
    assert!(
        blocks.iter().any(|b| b.starts_with("docs/serve.md")),
        "{blocks:?}"
    );
    assert!(
        blocks.iter().any(|b| b.starts_with("docs/images.md")),
        "{blocks:?}"
    );
    let tour = ran
        .iter()
        .find(|r| r["block"].as_str().unwrap().starts_with("README.md"))
        .unwrap();
    let printed = tour["printed"].as_str().unwrap();
    assert!(printed.contains("6 coadds"), "{printed}");
}
