//! The module's exceptions, and the one place engine errors become them.

use adql_syntax::Diagnostic as RustDiagnostic;
use pyo3::prelude::*;

use crate::check::Diagnostic;

pyo3::create_exception!(
    adql,
    AdqlError,
    pyo3::exceptions::PyValueError,
    "The query is not valid ADQL, or uses what this engine does not run. \
`str(e)` shows each problem under its line with a caret; `e.diagnostics` \
holds them as `Diagnostic`s (code, message, line, column …)."
);

pyo3::create_exception!(
    adql,
    EngineError,
    pyo3::exceptions::PyRuntimeError,
    "Running a query failed for a reason other than its text: a snapshot or \
file that cannot be read, the memory limit, an object store."
);

/// An `AdqlError` for `diagnostics` about `source`.
pub(crate) fn adql_error(py: Python<'_>, diagnostics: Vec<RustDiagnostic>, source: &str) -> PyErr {
    let text = adql_syntax::render_all(&diagnostics, source, "<query>");
    let err = AdqlError::new_err(text.trim_end().to_string());
    let values: Vec<Diagnostic> = diagnostics
        .iter()
        .map(|d| Diagnostic::new(d, source))
        .collect();
    if let Err(e) = err.value(py).setattr("diagnostics", values) {
        return e;
    }
    err
}

/// The Python exception for an engine error while running `source`.
pub(crate) fn from_engine(py: Python<'_>, err: adql_engine::EngineError, source: &str) -> PyErr {
    match err {
        adql_engine::EngineError::Query(diagnostics) => adql_error(py, diagnostics, source),
        other => EngineError::new_err(other.to_string()),
    }
}
