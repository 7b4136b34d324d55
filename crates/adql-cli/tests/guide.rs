//! The README and the guide under `docs/` stay true: every fenced block
//! marked `console` is run with trycmd — each `$ ` line a command of this
//! checkout's `adql`, the lines after it the expected output.
//!
//! trycmd runs a page's commands in the page's directory unless a `NAME.in`
//! directory sits beside it; the pages are copied into a temporary directory,
//! each beside an empty `NAME.in`, so that what the commands write (results,
//! cutouts, snapshots) lands there and never in the checkout. The blocks of
//! one page run in order, so a later command reads what an earlier one wrote.

use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The pages whose `console` blocks are run: the README and every page of
/// the guide.
fn pages() -> Vec<PathBuf> {
    let root = workspace_root();
    let mut pages = vec![root.join("README.md")];
    let mut guide: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ beside the README")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    guide.sort();
    pages.extend(guide);
    pages
}

/// How many `console` blocks a page holds.
fn console_blocks(text: &str) -> usize {
    text.lines()
        .filter(|line| line.trim_start().starts_with("```console"))
        .count()
}

#[test]
fn the_readme_and_the_guide_say_what_the_commands_do() {
    let work = std::env::temp_dir().join(format!("adql-guide-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let mut cases = Vec::new();
    let mut blocks = 0;
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        let count = console_blocks(&text);
        if count == 0 {
            continue;
        }
        blocks += count;
        let name = page.file_name().unwrap().to_string_lossy().to_string();
        // README.md and docs/README.md both exist: keep their copies apart.
        let copy_name = if page.parent() == Some(workspace_root().join("docs").as_path()) {
            format!("docs-{name}")
        } else {
            name
        };
        let copy = work.join(&copy_name);
        std::fs::write(&copy, &text).unwrap();
        std::fs::create_dir_all(copy.with_extension("in")).unwrap();
        cases.push(copy);
    }
    // The README's tour alone has several; a guide without any would mean
    // the test found nothing to run.
    assert!(blocks >= 10, "only {blocks} console blocks found");
    let tests = trycmd::TestCases::new();
    tests.register_bin("adql", Path::new(env!("CARGO_BIN_EXE_adql")));
    for case in &cases {
        tests.case(case);
    }
    tests.run();
    let _ = std::fs::remove_dir_all(&work);
}
