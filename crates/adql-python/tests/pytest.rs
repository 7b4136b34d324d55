//! Runs the Python suite (`tests/test_*.py`, pytest) against the extension
//! module this build made: the module is put in a package directory beside
//! the Python sources and the suite runs with `$ADQL_PYTHON` (the CI venv:
//! pytest, pyarrow, astropy, polars).

use std::path::{Path, PathBuf};
use std::process::Command;

fn python() -> PathBuf {
    std::env::var_os("ADQL_PYTHON").map(PathBuf::from).expect(
        "ADQL_PYTHON: a Python with pytest, pyarrow, astropy and polars (run `bash .ci/run` once)",
    )
}

/// The cdylib cargo built for this test run (`lib_adql.so`), beside the
/// test binary's directory.
fn built_module() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let deps = exe.parent().expect("deps directory");
    let name = format!(
        "{}_adql{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    [deps.join(&name), deps.join("..").join(&name)]
        .into_iter()
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("{name} was not built beside {}", deps.display()))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("package directory");
    for entry in std::fs::read_dir(from).expect("python sources") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            std::fs::copy(&path, to.join(path.file_name().expect("name"))).expect("copy");
        }
    }
}

#[test]
fn the_python_suite_passes() {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let site = std::env::temp_dir().join(format!("adql-python-{}", std::process::id()));
    let package = site.join("adql");
    copy_dir(&crate_dir.join("python/adql"), &package);
    std::fs::copy(built_module(), package.join("_adql.abi3.so")).expect("module");
    let status = Command::new(python())
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(crate_dir.join("tests"))
        .env("PYTHONPATH", &site)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .current_dir(&crate_dir)
        .status()
        .expect("running pytest");
    let _ = std::fs::remove_dir_all(&site);
    assert!(status.success(), "the Python suite failed: {status}");
}
