//! `adql ingest`: CSV (with a header), VOTable and Parquet files into a snapshot.
//!
//! With `obscore`, the input is checked against ObsCore 1.1: mandatory columns,
//! types, `calib_level` in 0..4, `dataproduct_type` in the ObsCore vocabulary,
//! NULL in not-null columns, `s_region` that does not read as STC-S — each an
//! error naming the file, row, column and value. Columns ObsCore defines take
//! its metadata; others keep the input's (VOTable FIELDs). Rows are sorted on the
//! sky when the table has s_ra and s_dec. The snapshot is written to a temporary
//! directory and renamed at the end: nothing half-written is left behind.
//! Rows are sorted in memory, so the input must fit in it.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch, UInt32Array};
use arrow::compute::{cast, concat_batches, take};
use arrow::datatypes::{DataType, Field, Float64Type, Int32Type, Schema, SchemaRef};

use crate::error::{ObscoreError, Result};
use crate::model::{dp02_columns, ColumnDef, ColumnType, DATAPRODUCT_TYPES, MANDATORY};
use crate::snapshot::{healpix_key, Snapshot, SnapshotWriter, TableMeta};

/// What to ingest as.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// `schema.name` of the table (default `ivoa.ObsCore` with `obscore`, else
    /// `user.<first file's stem>`).
    pub table: Option<String>,
    /// Check the input against ObsCore 1.1.
    pub obscore: bool,
    /// Parquet files (parts) to write, each a contiguous range of the sky sort
    /// key (0 or 1: one file).
    pub parts: u64,
}

/// Reads one input file into batches, by its extension.
pub fn read_input(path: &Path) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let name = path.display().to_string();
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let open = || File::open(path).map_err(|e| ObscoreError::io(path, e));
    match ext.as_str() {
        "csv" => {
            let format = arrow::csv::reader::Format::default().with_header(true);
            let (schema, _) = format
                .infer_schema(BufReader::new(open()?), Some(100_000))
                .map_err(|e| ObscoreError::Input { file: name.clone(), message: format!("not a CSV file with a header: {e}") })?;
            let schema = Arc::new(schema);
            let reader = arrow::csv::ReaderBuilder::new(schema.clone())
                .with_format(format)
                .with_batch_size(65_536)
                .build(BufReader::new(open()?))?;
            let batches = reader
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ObscoreError::Input { file: name.clone(), message: e.to_string() })?;
            Ok((schema, batches))
        }
        "parquet" | "pq" => {
            let builder = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(open()?)
                .map_err(|e| ObscoreError::Input { file: name.clone(), message: format!("not a Parquet file: {e}") })?;
            let schema = builder.schema().clone();
            let batches = builder
                .with_batch_size(65_536)
                .build()?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ObscoreError::Input { file: name.clone(), message: e.to_string() })?;
            Ok((schema, batches))
        }
        "xml" | "vot" | "votable" => {
            let (schema, batches) = votable::read(BufReader::new(open()?))
                .map_err(|e| ObscoreError::Input { file: name.clone(), message: e.to_string() })?;
            Ok((schema, batches))
        }
        other => Err(ObscoreError::Input {
            file: name,
            message: format!("unknown input format `.{other}`: use .csv (with a header), .parquet, or .xml/.vot (VOTable)"),
        }),
    }
}

/// Ingests `inputs` into a snapshot at `target`; `progress(rows)` as rows are read.
pub fn ingest(
    inputs: &[PathBuf],
    target: &Path,
    options: &IngestOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<Snapshot> {
    let Some(first) = inputs.first() else {
        return Err(ObscoreError::Input {
            file: "(none)".into(),
            message: "no input files".into(),
        });
    };
    let mut files = Vec::new();
    let mut read = 0u64;
    for path in inputs {
        let (schema, batches) = read_input(path)?;
        read += batches.iter().map(|b| b.num_rows() as u64).sum::<u64>();
        progress(read);
        files.push((path.display().to_string(), schema, batches));
    }
    let (first_name, first_schema, _) = &files[0];
    let columns = plan_columns(first_name, first_schema, options.obscore)?;
    let table_name = options.table.clone().unwrap_or_else(|| {
        if options.obscore {
            "ivoa.ObsCore".into()
        } else {
            format!(
                "user.{}",
                first
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "table".into())
            )
        }
    });
    let (schema_name, name) = table_name
        .split_once('.')
        .ok_or_else(|| ObscoreError::Input {
            file: first_name.clone(),
            message: format!("--table takes SCHEMA.NAME, got `{table_name}`"),
        })?;
    let table = TableMeta {
        schema: schema_name.into(),
        name: name.into(),
        description: if options.obscore {
            "Observation metadata in the ObsTAP relational realization of the IVOA ObsCore data model".into()
        } else {
            format!(
                "Ingested from {}",
                inputs
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        },
        columns,
    };
    let target_schema = crate::model::schema_of(&table.columns);
    let mut converted = Vec::new();
    let mut row_offset = 0u64;
    for (file, schema, batches) in &files {
        for batch in batches {
            let batch = conform(file, schema, batch, &target_schema, row_offset)?;
            if options.obscore {
                validate_obscore(file, &batch, row_offset)?;
            }
            row_offset += batch.num_rows() as u64;
            converted.push(batch);
        }
        row_offset = 0;
    }
    let all = concat_batches(&target_schema, &converted)?;
    drop(converted);
    let sorted = sort_on_sky(&all)?;
    let mut writer = SnapshotWriter::create(target, table)?;
    writer.set_sky_sorted(sorted.1);
    if options.parts > 1 {
        writer.set_part_rows(SnapshotWriter::rows_per_part(
            sorted.0.num_rows() as u64,
            options.parts,
        ));
    }
    let mut start = 0;
    while start < sorted.0.num_rows() {
        let n = crate::snapshot::ROW_GROUP_ROWS.min(sorted.0.num_rows() - start);
        writer.write(&sorted.0.slice(start, n))?;
        start += n;
    }
    writer.finish()
}

/// The snapshot's columns for an input schema.
fn plan_columns(file: &str, schema: &Schema, obscore: bool) -> Result<Vec<ColumnDef>> {
    let model = dp02_columns();
    if obscore {
        let missing: Vec<&str> = MANDATORY
            .iter()
            .copied()
            .filter(|m| schema.field_with_name(m).is_err())
            .collect();
        if !missing.is_empty() {
            return Err(ObscoreError::Input {
                file: file.into(),
                message: format!(
                    "missing mandatory ObsCore column{}: {}",
                    if missing.len() == 1 { "" } else { "s" },
                    missing.join(", ")
                ),
            });
        }
    }
    schema
        .fields()
        .iter()
        .map(|f| {
            if let Some(def) = model
                .iter()
                .find(|c| c.name == *f.name())
                .filter(|_| obscore)
            {
                return Ok(def.clone());
            }
            if ColumnType::from_arrow(f.data_type()).is_none() {
                return Err(ObscoreError::Input {
                    file: file.into(),
                    message: format!(
                        "column `{}` has type {}, which snapshots do not hold",
                        f.name(),
                        f.data_type()
                    ),
                });
            }
            Ok(ColumnDef::from_arrow(f))
        })
        .collect()
}

/// The batch with the target's columns and types; a value that does not convert
/// is an error naming it.
fn conform(
    file: &str,
    schema: &Schema,
    batch: &RecordBatch,
    target: &SchemaRef,
    offset: u64,
) -> Result<RecordBatch> {
    let mut columns = Vec::with_capacity(target.fields().len());
    for field in target.fields() {
        let Ok(index) = schema.index_of(field.name()) else {
            return Err(ObscoreError::Input {
                file: file.into(),
                message: format!(
                    "column `{}` is missing (every input must have the same columns)",
                    field.name()
                ),
            });
        };
        let input = batch.column(index);
        columns.push(convert(file, field, input, offset)?);
    }
    if schema.fields().len() != target.fields().len() {
        let extra: Vec<&str> = schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .filter(|n| target.field_with_name(n).is_err())
            .collect();
        return Err(ObscoreError::Input {
            file: file.into(),
            message: format!("columns not in the first input: {}", extra.join(", ")),
        });
    }
    Ok(RecordBatch::try_new(target.clone(), columns)?)
}

fn convert(file: &str, field: &Field, input: &ArrayRef, offset: u64) -> Result<ArrayRef> {
    let out = convert_type(file, field, input, offset)?;
    if !field.is_nullable() {
        if let Some(row) = (0..out.len()).find(|&i| out.is_null(i)) {
            return Err(ObscoreError::Invalid {
                file: file.into(),
                row: offset + row as u64 + 1,
                column: field.name().clone(),
                message: "NULL in a column that must not be NULL".into(),
            });
        }
    }
    Ok(out)
}

fn convert_type(file: &str, field: &Field, input: &ArrayRef, offset: u64) -> Result<ArrayRef> {
    if input.data_type() == field.data_type() {
        return Ok(input.clone());
    }
    if input.data_type() == &DataType::Null {
        // A column with no value at all (an empty CSV column).
        return Ok(arrow::array::new_null_array(field.data_type(), input.len()));
    }
    let wrong_type = || ObscoreError::Input {
        file: file.into(),
        message: format!(
            "column `{}` is {}, ObsCore wants {}",
            field.name(),
            input.data_type(),
            field.data_type()
        ),
    };
    let numeric_target = matches!(
        field.data_type(),
        DataType::Int32 | DataType::Int64 | DataType::Float64
    );
    if numeric_target && matches!(input.data_type(), DataType::Boolean) {
        return Err(wrong_type());
    }
    let out = cast(input, field.data_type()).map_err(|_| wrong_type())?;
    if let Some(row) = (0..input.len()).find(|&i| input.is_valid(i) && out.is_null(i)) {
        let value = arrow::util::display::array_value_to_string(input, row).unwrap_or_default();
        return Err(ObscoreError::Invalid {
            file: file.into(),
            row: offset + row as u64 + 1,
            column: field.name().clone(),
            message: format!("`{value}` is not a valid {}", field.data_type()),
        });
    }
    Ok(out)
}

/// The ObsCore value rules, row by row.
fn validate_obscore(file: &str, batch: &RecordBatch, offset: u64) -> Result<()> {
    let invalid = |row: usize, column: &str, message: String| ObscoreError::Invalid {
        file: file.into(),
        row: offset + row as u64 + 1,
        column: column.into(),
        message,
    };
    for def in dp02_columns().iter().filter(|c| c.not_null) {
        if let Some(col) = batch.column_by_name(&def.name) {
            if let Some(row) = (0..col.len()).find(|&i| col.is_null(i)) {
                return Err(invalid(
                    row,
                    &def.name,
                    "NULL in a column that must not be NULL".into(),
                ));
            }
        }
    }
    if let Some(calib) = batch
        .column_by_name("calib_level")
        .and_then(|c| c.as_primitive_opt::<Int32Type>())
    {
        for (row, v) in calib.iter().enumerate() {
            if let Some(v) = v.filter(|v| !(0..=4).contains(v)) {
                return Err(invalid(
                    row,
                    "calib_level",
                    format!("`{v}` is outside 0..4"),
                ));
            }
        }
    }
    if let Some(kind) = batch
        .column_by_name("dataproduct_type")
        .and_then(|c| c.as_string_opt::<i32>())
    {
        for (row, v) in kind.iter().enumerate() {
            if let Some(v) = v.filter(|v| !DATAPRODUCT_TYPES.contains(v)) {
                return Err(invalid(
                    row,
                    "dataproduct_type",
                    format!(
                        "`{v}` is not in the ObsCore vocabulary ({})",
                        DATAPRODUCT_TYPES.join(", ")
                    ),
                ));
            }
        }
    }
    if let Some(dec) = batch
        .column_by_name("s_dec")
        .and_then(|c| c.as_primitive_opt::<Float64Type>())
    {
        for (row, v) in dec.iter().enumerate() {
            if let Some(v) = v.filter(|v| !(-90.0..=90.0).contains(v)) {
                return Err(invalid(row, "s_dec", format!("`{v}` is outside [-90, 90]")));
            }
        }
    }
    if let Some(region) = batch
        .column_by_name("s_region")
        .and_then(|c| c.as_string_opt::<i32>())
    {
        for (row, v) in region.iter().enumerate() {
            if let Some(v) = v {
                if let Err(e) = adql_geom::stcs::parse(v) {
                    return Err(invalid(
                        row,
                        "s_region",
                        format!("`{v}` is not an STC-S region: {e}"),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Rows in HEALPix order of (s_ra, s_dec) when the table has them (rows without
/// a position last); the flag says whether it was sorted.
fn sort_on_sky(all: &RecordBatch) -> Result<(RecordBatch, bool)> {
    let (Some(ra), Some(dec)) = (
        all.column_by_name("s_ra")
            .and_then(|c| c.as_primitive_opt::<Float64Type>()),
        all.column_by_name("s_dec")
            .and_then(|c| c.as_primitive_opt::<Float64Type>()),
    ) else {
        return Ok((all.clone(), false));
    };
    let mut keys: Vec<(i64, u32)> = (0..all.num_rows())
        .map(|i| {
            let key = if ra.is_valid(i)
                && dec.is_valid(i)
                && ra.value(i).is_finite()
                && dec.value(i).abs() <= 90.0
            {
                healpix_key(ra.value(i), dec.value(i))
            } else {
                i64::MAX
            };
            (key, i as u32)
        })
        .collect();
    keys.sort_unstable();
    let indices = UInt32Array::from_iter_values(keys.into_iter().map(|k| k.1));
    let columns = all
        .columns()
        .iter()
        .map(|c| take(c.as_ref(), &indices, None))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((RecordBatch::try_new(all.schema(), columns)?, true))
}
