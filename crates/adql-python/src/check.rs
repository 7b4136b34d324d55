//! `validate`, `check`, `format` and `parse`: the checker of `adql-syntax`,
//! typed against an engine's catalogue when one is given.

use adql_syntax::{
    CheckOptions, FeatureSet, FunctionSignature, LineIndex, ParseLimits, Severity, ValidateOptions,
    Validation,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::engine::Engine;
use crate::errors::adql_error;

/// One finding about a query: what is wrong (or worth a look) and where.
#[pyclass(module = "adql", frozen, get_all, skip_from_py_object)]
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// `"error"` or `"warning"`.
    severity: &'static str,
    /// A stable kebab-case code (`unexpected-token`, `unknown-function` …).
    code: &'static str,
    /// One sentence saying what is wrong.
    message: String,
    /// 1-based line of the start.
    line: usize,
    /// 1-based column of the start, in characters.
    column: usize,
    /// 1-based line of the end.
    end_line: usize,
    /// 1-based column just past the end, in characters.
    end_column: usize,
    /// Where it starts, as an index into the query string.
    start: usize,
    /// Where it ends (exclusive), as an index into the query string.
    end: usize,
    /// What to do about it, when the checker knows: the suggested edit's
    /// message, else the first note.
    hint: Option<String>,
    /// Further explanation, each a sentence.
    notes: Vec<String>,
    /// The text a suggested edit puts in place of `start:end`, if there is one.
    replacement: Option<String>,
    rendered: String,
}

impl Diagnostic {
    /// The Python view of `d`, a finding about `source`.
    pub(crate) fn new(d: &adql_syntax::Diagnostic, source: &str) -> Diagnostic {
        let index = LineIndex::new(source);
        let start = index.line_col(d.span.start);
        let end = index.line_col(d.span.end);
        let chars_to = |byte: usize| {
            source
                .get(..byte.min(source.len()))
                .map_or(0, |s| s.chars().count())
        };
        Diagnostic {
            severity: match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
            code: d.code,
            message: d.message.clone(),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
            start: chars_to(d.span.start),
            end: chars_to(d.span.end),
            hint: d
                .fix
                .as_ref()
                .map(|f| f.message.clone())
                .or_else(|| d.notes.first().cloned()),
            notes: d.notes.clone(),
            replacement: d.fix.as_ref().map(|f| f.replacement.clone()),
            rendered: d.render(source, "<query>").trim_end().to_string(),
        }
    }
}

#[pymethods]
impl Diagnostic {
    /// The diagnostic as the `adql` command prints it: the line, a caret
    /// under the span, the message and notes.
    fn __str__(&self) -> String {
        self.rendered.clone()
    }

    fn __repr__(&self) -> String {
        format!(
            "Diagnostic({} {} at {}:{}: {:?})",
            self.severity, self.code, self.line, self.column, self.message
        )
    }

    /// True for an error (the query is not valid), false for a warning.
    #[getter]
    fn is_error(&self) -> bool {
        self.severity == "error"
    }
}

/// The checker's options from the keyword arguments every function takes.
pub(crate) fn options(
    lang: &str,
    strict: bool,
    udfs: &[String],
    disable: &[String],
) -> PyResult<ValidateOptions> {
    let language = adql_syntax::Language::parse(lang).ok_or_else(|| {
        PyValueError::new_err(format!(
            "`{lang}` is not an ADQL version: use ADQL-2.0 or ADQL-2.1"
        ))
    })?;
    let features = FeatureSet::all_but(disable).map_err(PyValueError::new_err)?;
    let udfs = udfs
        .iter()
        .map(|s| {
            FunctionSignature::parse(s)
                .map_err(|e| PyValueError::new_err(format!("udf {s:?}: {e}")))
        })
        .collect::<PyResult<Vec<_>>>()?;
    Ok(ValidateOptions {
        limits: ParseLimits::default(),
        check: CheckOptions {
            features,
            strict,
            udfs,
            language,
        },
    })
}

fn run_validation(
    py: Python<'_>,
    query: &str,
    options: &ValidateOptions,
    tables: Option<&Engine>,
) -> Validation {
    let engine = tables.map(Engine::shared);
    py.detach(|| match &engine {
        Some(engine) => adql_syntax::validate_typed(query, options, engine.catalogue()),
        None => adql_syntax::validate(query, options),
    })
}

/// Checks `query` and returns every diagnostic, errors and warnings, in the
/// order found (an empty list: valid, nothing to say). `lang` is the ADQL
/// version (`"ADQL-2.1"` or `"ADQL-2.0"`); `strict` reports extensions to
/// ADQL 2.1 as errors; `udfs` declares functions (`"name(arg TYPE, …) ->
/// TYPE"`); `disable` switches optional features off (`"geometry"`,
/// `"case"` …); `tables` (an `Engine`) types the columns from its catalogue.
#[pyfunction]
#[pyo3(signature = (query, *, lang = "ADQL-2.1", strict = false, udfs = Vec::new(), disable = Vec::new(), tables = None))]
pub(crate) fn validate(
    py: Python<'_>,
    query: &str,
    lang: &str,
    strict: bool,
    udfs: Vec<String>,
    disable: Vec<String>,
    tables: Option<PyRef<'_, Engine>>,
) -> PyResult<Vec<Diagnostic>> {
    let options = options(lang, strict, &udfs, &disable)?;
    diagnostics_of(py, query, &options, tables.as_deref(), false)
}

/// As `validate`, but raises `AdqlError` (carrying the diagnostics) if the
/// query is not valid; returns the warnings otherwise.
#[pyfunction]
#[pyo3(signature = (query, *, lang = "ADQL-2.1", strict = false, udfs = Vec::new(), disable = Vec::new(), tables = None))]
pub(crate) fn check(
    py: Python<'_>,
    query: &str,
    lang: &str,
    strict: bool,
    udfs: Vec<String>,
    disable: Vec<String>,
    tables: Option<PyRef<'_, Engine>>,
) -> PyResult<Vec<Diagnostic>> {
    let options = options(lang, strict, &udfs, &disable)?;
    diagnostics_of(py, query, &options, tables.as_deref(), true)
}

/// Every diagnostic of `query`, for Python; with `raise_if_invalid`, an
/// invalid query raises `AdqlError` instead.
fn diagnostics_of(
    py: Python<'_>,
    query: &str,
    options: &ValidateOptions,
    tables: Option<&Engine>,
    raise_if_invalid: bool,
) -> PyResult<Vec<Diagnostic>> {
    let v = run_validation(py, query, options, tables);
    if raise_if_invalid {
        valid_or_raise(py, &v, query)?;
    }
    Ok(v.diagnostics
        .iter()
        .map(|d| Diagnostic::new(d, query))
        .collect())
}

fn valid_or_raise(py: Python<'_>, v: &Validation, query: &str) -> PyResult<()> {
    if v.is_valid() {
        return Ok(());
    }
    Err(adql_error(
        py,
        v.diagnostics
            .iter()
            .filter(|d| d.is_error())
            .cloned()
            .collect(),
        query,
    ))
}

/// The query in canonical form (keywords upper case, one clause per line),
/// as `adql fmt` prints it; raises `AdqlError` if it is not valid.
#[pyfunction]
#[pyo3(signature = (query, *, lang = "ADQL-2.1", strict = false, udfs = Vec::new(), disable = Vec::new()))]
pub(crate) fn format(
    py: Python<'_>,
    query: &str,
    lang: &str,
    strict: bool,
    udfs: Vec<String>,
    disable: Vec<String>,
) -> PyResult<String> {
    let options = options(lang, strict, &udfs, &disable)?;
    let v = run_validation(py, query, &options, None);
    valid_or_raise(py, &v, query)?;
    Ok(v.query.map(|q| format!("{q:#}")).unwrap_or_default())
}

/// The syntax tree of `query` as plain data (dicts, lists, strings and
/// numbers; every node's `span` is a `{"start", "end"}` pair of byte
/// offsets), as `adql parse` prints it; raises `AdqlError` if it does not
/// parse. No checks beyond the grammar are run.
#[pyfunction]
pub(crate) fn parse<'py>(py: Python<'py>, query: &str) -> PyResult<Bound<'py, PyAny>> {
    let parsed = py.detach(|| adql_syntax::parse(query));
    let tree = parsed.map_err(|d| adql_error(py, vec![d], query))?;
    let json = serde_json::to_string(&tree)
        .map_err(|e| crate::errors::EngineError::new_err(e.to_string()))?;
    py.import("json")?.call_method1("loads", (json,))
}
