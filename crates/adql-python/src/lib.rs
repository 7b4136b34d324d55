//! # adql-python
//!
//! The extension module `adql._adql` of the Python package `adql`: the
//! checker ([`check`]), the engine ([`engine`]) and the `adql` command
//! ([`cli`]) as Python functions and classes. It holds no logic of its own:
//! each function converts its arguments, calls the crate that does the work
//! with the GIL released, and converts the answer back. The package around it
//! (`python/adql`) adds the conversions to astropy and pandas.

mod check;
mod cli;
mod engine;
mod errors;
mod runtime;
mod stream;

use pyo3::prelude::*;

// As in the `adql` binary: execution allocates and frees many page-sized
// buffers, which mimalloc reuses. Arrow buffers handed to Python are freed
// through their release callbacks, which come back here.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// ADQL for Python: validate, format and parse queries; run them over
/// snapshots, Parquet files and HATS catalogues; read results as Arrow.
#[pymodule]
fn _adql(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("AdqlError", py.get_type::<errors::AdqlError>())?;
    m.add("EngineError", py.get_type::<errors::EngineError>())?;
    m.add("TYPE_ERRORS", adql_syntax::TYPE_ERRORS.to_vec())?;
    m.add_class::<check::Diagnostic>()?;
    m.add_function(wrap_pyfunction!(check::validate, m)?)?;
    m.add_function(wrap_pyfunction!(check::check, m)?)?;
    m.add_function(wrap_pyfunction!(check::format, m)?)?;
    m.add_function(wrap_pyfunction!(check::parse, m)?)?;
    m.add_class::<engine::Engine>()?;
    m.add_class::<stream::ResultStream>()?;
    m.add_function(wrap_pyfunction!(cli::run_cli, m)?)?;
    Ok(())
}
