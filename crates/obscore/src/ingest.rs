//! `adql ingest`: CSV (with a header), VOTable and Parquet files into a snapshot.
//!
//! With `obscore`, the input is checked against ObsCore 1.1: mandatory columns,
//! types, `calib_level` in 0..4, `dataproduct_type` in the ObsCore vocabulary,
//! NULL in not-null columns, `s_region` that does not read as STC-S — each an
//! error naming the file, row, column and value. Columns ObsCore defines take
//! its metadata; others keep the input's (VOTable FIELDs).
//!
//! Rows are sorted on the sky by the table's position: the columns given, or
//! found from their UCDs (`pos.eq.ra;meta.main`, `pos.eq.dec;meta.main`) or
//! their names (`s_ra`/`s_dec`, `ra`/`dec`, `coord_ra`/`coord_dec`,
//! `RAJ2000`/`DEJ2000` …). Inputs are read batch by batch and sorted within a
//! memory limit ([`crate::sky_sort`]: sorted runs spilled to a temporary
//! directory and merged), so a table larger than memory ingests. The snapshot
//! is written to a temporary directory and renamed at the end: nothing
//! half-written is left behind, after an error or a cancellation either.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Float64Type, Int32Type, Schema, SchemaRef};

use crate::error::{ObscoreError, Result};
use crate::model::{dp02_columns, ColumnDef, ColumnType, DATAPRODUCT_TYPES, MANDATORY};
use crate::sky_sort::SkySorter;
use crate::snapshot::{healpix_key, Position, Snapshot, SnapshotWriter, TableMeta};

/// The memory limit of an ingest when none is given (2 GiB).
pub const DEFAULT_MEMORY_LIMIT: usize = 2 << 30;

/// What to ingest as.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// `schema.name` of the table (default `ivoa.ObsCore` with `obscore`, else
    /// `user.<first file's stem>`).
    pub table: Option<String>,
    /// Check the input against ObsCore 1.1.
    pub obscore: bool,
    /// Parquet files (parts) to write, each a contiguous range of the sky sort
    /// key (1: one file; 0: one per [`crate::snapshot::AUTO_PART_ROWS`] rows).
    pub parts: u64,
    /// The (RA, Dec) columns of the positions; found from UCDs or names when
    /// absent.
    pub position: Option<(String, String)>,
    /// Bytes of rows held in memory for the sort; half go to rows held, the
    /// rest to reading, writing and merging.
    pub memory_limit: usize,
    /// Where sorted runs are spilled (default: beside the target).
    pub temp_dir: Option<PathBuf>,
    /// When set (Ctrl-C), the ingest stops with [`ObscoreError::Cancelled`]
    /// and removes what it wrote.
    pub cancel: Option<Arc<AtomicBool>>,
}

impl Default for IngestOptions {
    fn default() -> IngestOptions {
        IngestOptions {
            table: None,
            obscore: false,
            parts: 1,
            position: None,
            memory_limit: DEFAULT_MEMORY_LIMIT,
            temp_dir: None,
            cancel: None,
        }
    }
}

/// How a table's position columns were chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PositionSource {
    /// Given (`--position`).
    Given,
    /// Their UCDs say so.
    Ucd,
    /// Their names are a usual pair.
    Name,
}

/// What an ingest wrote and decided.
#[derive(Debug, Clone)]
pub struct Ingested {
    /// The snapshot.
    pub snapshot: Snapshot,
    /// The position columns and how they were found (none: not sorted).
    pub position: Option<(Position, PositionSource)>,
    /// Sorted runs spilled to disk (0: the rows fitted in memory).
    pub runs: usize,
}

/// Batches of one input, read one at a time.
pub type InputBatches = Box<dyn Iterator<Item = Result<RecordBatch>>>;

/// Opens one input file by its extension: its schema and its batches, read
/// as they are asked for (a VOTable is read whole).
pub fn open_input(path: &Path) -> Result<(SchemaRef, InputBatches)> {
    let name = path.display().to_string();
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let open = || File::open(path).map_err(|e| ObscoreError::io(path, e));
    let file_error = {
        let name = name.clone();
        move |e: arrow::error::ArrowError| ObscoreError::Input {
            file: name.clone(),
            message: e.to_string(),
        }
    };
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
            Ok((schema, Box::new(reader.map(move |b| b.map_err(&file_error)))))
        }
        "parquet" | "pq" => {
            let builder = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(open()?)
                .map_err(|e| ObscoreError::Input { file: name.clone(), message: format!("not a Parquet file: {e}") })?;
            let schema = builder.schema().clone();
            let reader = builder.with_batch_size(65_536).build()?;
            Ok((schema, Box::new(reader.map(move |b| b.map_err(&file_error)))))
        }
        "xml" | "vot" | "votable" => {
            let (schema, batches) = votable::read(BufReader::new(open()?))
                .map_err(|e| ObscoreError::Input { file: name.clone(), message: e.to_string() })?;
            Ok((schema, Box::new(batches.into_iter().map(Ok))))
        }
        other => Err(ObscoreError::Input {
            file: name,
            message: format!("unknown input format `.{other}`: use .csv (with a header), .parquet, or .xml/.vot (VOTable)"),
        }),
    }
}

/// Reads one input file whole.
pub fn read_input(path: &Path) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let (schema, batches) = open_input(path)?;
    Ok((schema, batches.collect::<Result<Vec<_>>>()?))
}

/// Ingests `inputs` into a snapshot at `target`; `progress(rows)` as rows are read.
pub fn ingest(
    inputs: &[PathBuf],
    target: &Path,
    options: &IngestOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<Ingested> {
    let prepared = prepare(inputs, target, options, KeyKind::Snapshot, progress)?;
    let Prepared {
        table,
        position,
        sorted,
        runs,
        ..
    } = prepared;
    let total = sorted.rows();
    let mut writer = SnapshotWriter::create(target, table)?;
    writer.set_sky_sorted(position.is_some());
    let parts = match options.parts {
        0 => crate::snapshot::auto_parts(total),
        n => n,
    };
    if parts > 1 {
        writer.set_part_rows(SnapshotWriter::rows_per_part(total, parts));
    }
    crate::sky_sort::pipelined(sorted, 2, |batch| {
        if options.cancelled() {
            return Err(ObscoreError::Cancelled);
        }
        writer.write(&batch)
    })?;
    Ok(Ingested {
        snapshot: writer.finish()?,
        position,
        runs,
    })
}

/// What an ingest into a HATS catalogue wrote.
#[derive(Debug, Clone)]
pub struct IngestedHats {
    /// Rows written.
    pub rows: u64,
    /// Its partitions: (order, pixel, rows).
    pub partitions: Vec<(u8, u64, u64)>,
    /// The position columns and how they were found.
    pub position: (Position, PositionSource),
    /// Sorted runs spilled to disk (0: the rows fitted in memory).
    pub runs: usize,
}

/// Ingests `inputs` into a HATS catalogue at `target` ([`crate::hats`]),
/// partitions of at most `max_rows` rows (unless at order 9).
pub fn ingest_hats(
    inputs: &[PathBuf],
    target: &Path,
    options: &IngestOptions,
    max_rows: u64,
    progress: &mut dyn FnMut(u64),
) -> Result<IngestedHats> {
    let Prepared {
        table,
        position,
        sorted,
        runs,
        counts,
    } = prepare(inputs, target, options, KeyKind::Hats, progress)?;
    let Some(position) = position else {
        return Err(ObscoreError::Input {
            file: inputs[0].display().to_string(),
            message: "no position found: a HATS catalogue needs one, give --position RA,DEC".into(),
        });
    };
    let partitions = counts.unwrap_or_default().partitions(max_rows);
    let mut writer = crate::hats::HatsWriter::create(
        target,
        &table.name,
        &crate::model::schema_of(&table.columns),
        position.0.clone(),
        partitions.clone(),
    )?;
    crate::sky_sort::pipelined(sorted, 2, |batch| {
        if options.cancelled() {
            return Err(ObscoreError::Cancelled);
        }
        let keys = sky_keys(&batch, Some(&position.0), KeyKind::Hats);
        writer.write(&batch, &arrow::array::Int64Array::from(keys))
    })?;
    Ok(IngestedHats {
        rows: writer.finish()?,
        partitions,
        position,
        runs,
    })
}

/// Which HEALPix key rows are sorted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    /// A snapshot's `_healpix` (depth 16).
    Snapshot,
    /// A HATS catalogue's `_healpix_29`.
    Hats,
}

/// The input read, checked and sorted, and the table it makes.
struct Prepared {
    table: TableMeta,
    position: Option<(Position, PositionSource)>,
    sorted: crate::sky_sort::SortedRows,
    runs: usize,
    /// Rows per order-9 pixel (HATS only).
    counts: Option<crate::hats::PixelCounts>,
}

impl IngestOptions {
    fn cancelled(&self) -> bool {
        self.cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
    }
}

fn prepare(
    inputs: &[PathBuf],
    target: &Path,
    options: &IngestOptions,
    kind: KeyKind,
    progress: &mut dyn FnMut(u64),
) -> Result<Prepared> {
    let Some(first) = inputs.first() else {
        return Err(ObscoreError::Input {
            file: "(none)".into(),
            message: "no input files".into(),
        });
    };
    let first_name = first.display().to_string();
    let (first_schema, first_batches) = open_input(first)?;
    let mut columns = plan_columns(&first_name, &first_schema, options.obscore)?;
    let position = find_position(&first_name, &columns, options.position.as_ref())?;
    if let Some((p, _)) = &position {
        for c in columns
            .iter_mut()
            .filter(|c| c.name == p.ra || c.name == p.dec)
        {
            c.indexed = true;
            c.principal = true;
        }
    }
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
        position: position.as_ref().map(|p| p.0.clone()),
    };
    let target_schema = crate::model::schema_of(&table.columns);
    let temp_parent = match &options.temp_dir {
        Some(dir) => dir.clone(),
        None => target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf(),
    };
    std::fs::create_dir_all(&temp_parent).map_err(|e| ObscoreError::io(&temp_parent, e))?;
    let mut sorter = SkySorter::new(target_schema.clone(), options.memory_limit / 2, temp_parent);
    let mut counts = (kind == KeyKind::Hats).then(crate::hats::PixelCounts::default);
    let mut pending = Some((first_name, first_schema, first_batches));
    let mut rest = inputs[1..].iter();
    while let Some((file, schema, batches)) = pending.take() {
        let mut row_offset = 0u64;
        for batch in batches {
            if options.cancelled() {
                return Err(ObscoreError::Cancelled);
            }
            let batch = conform(&file, &schema, &batch?, &target_schema, row_offset)?;
            if options.obscore {
                validate_obscore(&file, &batch, row_offset)?;
            }
            row_offset += batch.num_rows() as u64;
            let keys = sky_keys(&batch, table.position.as_ref(), kind);
            if let Some(counts) = &mut counts {
                for &k in keys.iter().filter(|&&k| k != i64::MAX) {
                    counts.add(k);
                }
            }
            sorter.push(batch, keys)?;
            progress(sorter.rows());
        }
        if let Some(path) = rest.next() {
            let (schema, batches) = open_input(path)?;
            pending = Some((path.display().to_string(), schema, batches));
        }
    }
    let runs = sorter.runs();
    let sorted = sorter.finish()?;
    let runs = if sorted.spilled() { runs.max(1) } else { 0 };
    Ok(Prepared {
        table,
        position,
        sorted,
        runs,
        counts,
    })
}

/// Each row's sort key: the HEALPix index of its position, or `i64::MAX`
/// (last) for a row without one or a table without positions.
fn sky_keys(batch: &RecordBatch, position: Option<&Position>, kind: KeyKind) -> Vec<i64> {
    let (Some(ra), Some(dec)) = crate::snapshot::position_of(batch, position) else {
        return vec![i64::MAX; batch.num_rows()];
    };
    (0..batch.num_rows())
        .map(|i| match crate::snapshot::row_position(ra, dec, i) {
            Some((r, d)) if kind == KeyKind::Snapshot => healpix_key(r, d),
            Some((r, d)) => crate::hats::hats_key(r, d),
            None => i64::MAX,
        })
        .collect()
}

/// Names of (RA, Dec) column pairs catalogues use, compared case-insensitively,
/// in order of preference.
pub const POSITION_NAMES: &[(&str, &str)] = &[
    ("s_ra", "s_dec"),
    ("ra", "dec"),
    ("coord_ra", "coord_dec"),
    ("raj2000", "dej2000"),
    ("_raj2000", "_dej2000"),
    ("ra_icrs", "de_icrs"),
    ("ra_icrs", "dec_icrs"),
    ("radeg", "dedeg"),
    ("ra_deg", "dec_deg"),
    ("ramean", "decmean"),
    ("alpha_j2000", "delta_j2000"),
    ("ra_j2000", "dec_j2000"),
    ("raj2000", "decj2000"),
];

/// The position columns: `given` (checked), else the pair whose UCDs are the
/// main RA and Dec, else a pair of usual names; none if the table has no
/// position. A position must be a pair of floating-point columns.
pub fn find_position(
    file: &str,
    columns: &[ColumnDef],
    given: Option<&(String, String)>,
) -> Result<Option<(Position, PositionSource)>> {
    let usable = |c: &&ColumnDef| c.column_type == ColumnType::Double;
    if let Some((ra, dec)) = given {
        let mut pair = Vec::new();
        for name in [ra, dec] {
            let column = columns
                .iter()
                .find(|c| c.name == *name)
                .or_else(|| columns.iter().find(|c| c.name.eq_ignore_ascii_case(name)))
                .ok_or_else(|| ObscoreError::Input {
                    file: file.into(),
                    message: format!(
                        "--position names `{name}`, which is not a column (columns: {})",
                        columns
                            .iter()
                            .map(|c| c.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                })?;
            if !usable(&column) {
                return Err(ObscoreError::Input {
                    file: file.into(),
                    message: format!(
                        "--position column `{}` is {}, a position needs floating-point degrees",
                        column.name,
                        column.tap_datatype()
                    ),
                });
            }
            pair.push(column.name.clone());
        }
        let dec = pair.pop().expect("two");
        let ra = pair.pop().expect("two");
        return Ok(Some((Position { ra, dec }, PositionSource::Given)));
    }
    let with_ucd = |ucd: &str| -> Vec<&ColumnDef> {
        columns
            .iter()
            .filter(usable)
            .filter(|c| {
                c.ucd.as_deref().is_some_and(|u| {
                    u.split(';')
                        .map(str::trim)
                        .collect::<Vec<_>>()
                        .eq(&ucd.split(';').collect::<Vec<_>>())
                        || u.trim().eq_ignore_ascii_case(ucd)
                })
            })
            .collect()
    };
    let by_ucd = match (
        with_ucd("pos.eq.ra;meta.main").as_slice(),
        with_ucd("pos.eq.dec;meta.main").as_slice(),
    ) {
        ([ra], [dec]) => Some((ra.name.clone(), dec.name.clone())),
        _ => match (
            with_ucd("pos.eq.ra").as_slice(),
            with_ucd("pos.eq.dec").as_slice(),
        ) {
            ([ra], [dec]) => Some((ra.name.clone(), dec.name.clone())),
            _ => None,
        },
    };
    if let Some((ra, dec)) = by_ucd {
        return Ok(Some((Position { ra, dec }, PositionSource::Ucd)));
    }
    let named = |name: &str| {
        columns
            .iter()
            .filter(usable)
            .find(|c| c.name.eq_ignore_ascii_case(name))
    };
    Ok(POSITION_NAMES.iter().find_map(|(ra, dec)| {
        let (ra, dec) = (named(ra)?, named(dec)?);
        Some((
            Position {
                ra: ra.name.clone(),
                dec: dec.name.clone(),
            },
            PositionSource::Name,
        ))
    }))
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
