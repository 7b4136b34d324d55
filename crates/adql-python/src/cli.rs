//! The `adql` command, for the console script the Python package installs.

use pyo3::prelude::*;

/// Runs the `adql` command with `args` (the first is the program's name) and
/// returns its exit status, as the `adql` binary would.
#[pyfunction]
pub(crate) fn run_cli(py: Python<'_>, args: Vec<String>) -> u8 {
    py.detach(|| adql_cli::exit_status_number(adql_cli::main_with_args(args)))
}
