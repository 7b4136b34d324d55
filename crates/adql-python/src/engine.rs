//! `Engine`: a session over a snapshot (or the demo) and more tables.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use adql_engine::{EngineOptions, UploadTable};
use arrow::ffi_stream::ArrowArrayStreamReader;
use arrow_pyarrow::FromPyArrow;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::errors::from_engine;
use crate::runtime::wait;
use crate::stream::ResultStream;

/// A query session: a snapshot's ObsCore (or, with none, the embedded demo
/// and its Object table), more tables, TAP_SCHEMA describing them all.
#[pyclass(module = "adql._adql", name = "Engine", frozen, subclass)]
pub struct Engine {
    inner: Arc<adql_engine::Engine>,
}

impl Engine {
    /// The session, to hand to work on other threads.
    pub(crate) fn shared(&self) -> Arc<adql_engine::Engine> {
        Arc::clone(&self.inner)
    }
}

fn location(path: &Path) -> PyResult<String> {
    path.to_str()
        .map(str::to_string)
        .ok_or_else(|| PyValueError::new_err(format!("{} is not UTF-8", path.display())))
}

#[pymethods]
impl Engine {
    /// Opens `snapshot` (a directory, `s3://…`, `http(s)://…`; `None`: the
    /// demo) with `tables` (`{"schema.name": path or URL}` of snapshots,
    /// Parquet files or HATS catalogues), operators held to
    /// `memory_limit_mib`; queries are checked as `validate` checks them
    /// with `lang`, `strict`, `udfs` and `disable`.
    #[new]
    #[pyo3(signature = (snapshot = None, *, tables = None, memory_limit_mib = 2048, lang = "ADQL-2.1", strict = false, udfs = Vec::new(), disable = Vec::new()))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        snapshot: Option<PathBuf>,
        tables: Option<HashMap<String, PathBuf>>,
        memory_limit_mib: usize,
        lang: &str,
        strict: bool,
        udfs: Vec<String>,
        disable: Vec<String>,
    ) -> PyResult<Engine> {
        let checking = crate::check::options(lang, strict, &udfs, &disable)?;
        let snapshot = snapshot.as_deref().map(location).transpose()?;
        let mut tables = tables
            .unwrap_or_default()
            .iter()
            .map(|(name, path)| Ok((name.clone(), location(path)?)))
            .collect::<PyResult<Vec<_>>>()?;
        tables.sort();
        let options = EngineOptions {
            memory_limit: memory_limit_mib.saturating_mul(1024 * 1024),
        };
        let opened = wait(py, async move {
            adql_engine::Engine::open(snapshot.as_deref(), &tables, &options).await
        })?;
        let engine = opened.map_err(|e| from_engine(py, e, ""))?;
        Ok(Engine {
            inner: Arc::new(engine.with_validate_options(checking)),
        })
    }

    /// Runs `query` and returns its result as a stream of Arrow batches,
    /// cut at `maxrec` rows (`None`: all). `uploads` maps names to tables
    /// (anything with `__arrow_c_stream__`: pyarrow, polars …) that the
    /// query reads as `TAP_UPLOAD.name`. Raises `AdqlError` for an invalid
    /// query, `EngineError` if it cannot run.
    #[pyo3(signature = (query, *, maxrec = None, uploads = None))]
    fn query(
        &self,
        py: Python<'_>,
        query: String,
        maxrec: Option<u64>,
        uploads: Option<Bound<'_, PyDict>>,
    ) -> PyResult<ResultStream> {
        let uploads = match uploads {
            Some(dict) => read_uploads(py, &dict)?,
            None => Vec::new(),
        };
        let engine = self.shared();
        let text = query.clone();
        let started = wait(py, async move {
            engine.query_with_uploads(&text, &uploads).await
        })?;
        let result = started.map_err(|e| from_engine(py, e, &query))?;
        ResultStream::start(result, maxrec)
    }

    /// The plans of `query` (as lowered, optimised, physical; the spatial
    /// joins and the parts read), as `adql explain` prints them; with
    /// `analyze`, the query runs and the plan carries its metrics.
    #[pyo3(signature = (query, *, analyze = false))]
    fn explain(&self, py: Python<'_>, query: String, analyze: bool) -> PyResult<String> {
        let engine = self.shared();
        let text = query.clone();
        let explained = wait(py, async move { engine.explain(&text, analyze).await })?;
        explained.map_err(|e| from_engine(py, e, &query))
    }

    /// The tables, as TAP_SCHEMA describes them: a list of dicts (`schema`,
    /// `name`, `description`, `columns`), each column a dict of `name`,
    /// `datatype`, `arraysize`, `unit`, `ucd`, `utype`, `xtype`,
    /// `description`, `principal`, `indexed`, `std`.
    fn tables<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for entry in self.inner.catalogue().tables() {
            let meta = &entry.meta;
            let table = PyDict::new(py);
            table.set_item("schema", &meta.schema)?;
            table.set_item("name", &meta.name)?;
            table.set_item("description", &meta.description)?;
            let columns = PyList::empty(py);
            for c in &meta.columns {
                let column = PyDict::new(py);
                column.set_item("name", &c.name)?;
                column.set_item("datatype", c.tap_datatype())?;
                column.set_item("arraysize", c.tap_arraysize())?;
                column.set_item("unit", &c.unit)?;
                column.set_item("ucd", &c.ucd)?;
                column.set_item("utype", &c.utype)?;
                column.set_item("xtype", &c.xtype)?;
                column.set_item("description", &c.description)?;
                column.set_item("principal", c.principal)?;
                column.set_item("indexed", c.indexed)?;
                column.set_item("std", c.standard)?;
                columns.append(column)?;
            }
            table.set_item("columns", columns)?;
            list.append(table)?;
        }
        Ok(list)
    }
}

/// The tables of `uploads` (`{name: Arrow stream}`), read whole.
fn read_uploads(py: Python<'_>, uploads: &Bound<'_, PyDict>) -> PyResult<Vec<UploadTable>> {
    let mut tables = Vec::new();
    for (name, value) in uploads.iter() {
        let name: String = name.extract()?;
        if !UploadTable::is_valid_name(&name) {
            return Err(PyValueError::new_err(format!(
                "the upload name `{name}` is not a regular ADQL identifier (a letter, then letters, digits or _)"
            )));
        }
        let reader = ArrowArrayStreamReader::from_pyarrow_bound(&value).map_err(|e| {
            PyValueError::new_err(format!(
                "the upload {name} is not an Arrow table (pyarrow, polars, or anything with __arrow_c_stream__): {e}"
            ))
        })?;
        // The table's own metadata (pandas' index description, say) is
        // not the columns', and DataFusion carries it into results whose
        // schema does not have it: keep the fields' metadata only.
        let schema = std::sync::Arc::new(
            arrow::record_batch::RecordBatchReader::schema(&reader)
                .as_ref()
                .clone()
                .with_metadata(HashMap::new()),
        );
        // Each batch under that schema.
        let batches = py
            .detach(|| {
                reader
                    .map(|b| {
                        b.and_then(|b| {
                            arrow::array::RecordBatch::try_new(
                                std::sync::Arc::clone(&schema),
                                b.columns().to_vec(),
                            )
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(|e| PyValueError::new_err(format!("reading the upload {name}: {e}")))?;
        tables.push(UploadTable {
            name,
            schema,
            batches,
        });
    }
    Ok(tables)
}
