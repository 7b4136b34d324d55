//! STILTS taplint (Debian's `stilts`, which `.ci/run` installs) against a
//! server this test starts, every stage (TMV TME TMS TMC CPV CAP AVV QGE QPO
//! QAS UWS MDQ OBS LOC UPL EXA): no errors and no warnings. Without `stilts`
//! on the PATH the test fails under CI and says how to install it elsewhere.

mod common;

use std::process::Command;

#[test]
fn taplint_finds_no_errors() {
    let found = Command::new("stilts").arg("-version").output();
    if found.is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "stilts is not installed: .ci/run installs it (apt-get install stilts)"
        );
        eprintln!("taplint skipped: install stilts (apt-get install stilts) to run it");
        return;
    }
    let data = common::scratch("taplint");
    let server = common::TestServer::start(&data, |_| {});
    let output = Command::new("stilts")
        .args([
            "taplint",
            &format!("tapurl={}", server.tap),
            "report=EW",
            "maxrepeat=9",
        ])
        .output()
        .expect("stilts runs");
    let report = String::from_utf8_lossy(&output.stdout);
    let totals = report
        .lines()
        .find(|l| l.starts_with("Totals:"))
        .unwrap_or_else(|| {
            panic!(
                "no totals in the taplint report:\n{report}\n{}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
    assert_eq!(
        totals.trim(),
        "Totals: Errors: 0; Warnings: 0",
        "taplint reported:\n{report}"
    );
    for stage in ["UWS", "UPL", "OBS", "EXA", "QAS", "MDQ"] {
        assert!(
            report.contains(&format!("Section {stage}:")),
            "stage {stage} did not run:\n{report}"
        );
    }
    drop(server);
    std::fs::remove_dir_all(data).ok();
}
