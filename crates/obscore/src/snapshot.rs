//! Snapshots: a directory of Parquet files sorted on the sky, and a versioned
//! sidecar `snapshot.json` with what a TAP service needs (table name and
//! description, each column's unit, UCD, utype, xtype, description).
//!
//! Rows are ordered by the nested HEALPix index of the table's position
//! (ObsCore's s_ra, s_dec; a catalogue's own columns, recorded in the
//! sidecar as [`TableMeta::position`]); row groups hold
//! 65,536 rows; Parquet page indexes and statistics are written, and bloom
//! filters of the dataset IDs ([`KEYED_COLUMNS`]). Hidden columns,
//! computed once when the snapshot is written, let the engine prune: `_healpix`
//! (the sort key) and the RA/Dec bounds of `s_region` (`_region_ra_lo`,
//! `_region_ra_hi`, `_region_dec_min`, `_region_dec_max`). The RA bounds never
//! wrap: a region across RA 0 has `lo` below 0 (its western edge minus 360), so
//! that column minima and maxima — a file's, a row group's — bound the regions
//! on the sky and can decide a point or shape test. (Snapshots written before
//! this have `_region_ra_min`/`_region_ra_max`, with min > max for a wrapping
//! range; they still read, and prune on Dec only.) `_region_reach` is how far
//! (degrees) `s_region` reaches from (s_ra, s_dec) — infinite for a region
//! without a position — so that the table's largest reach turns a test on
//! `s_region` into one on the position, which the sort key decides.
//! `_region_normals` holds the edge normals of each `s_region` that is a
//! convex polygon ([`adql_geom::edge_normals`]); a part whose every region
//! is one says so ([`Part::convex_regions`]), and a positional join then tests
//! points against the normals instead of reading and parsing the text.
//! Hidden columns start with `_` and appear in no listing.
//! A snapshot is written into a temporary directory and renamed into place at the
//! end, so nothing half-written is left behind.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Field, Float64Type, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties};

use crate::error::{ObscoreError, Result};
use crate::model::{schema_of, ColumnDef};

mod hidden;

pub use hidden::healpix_key;
use hidden::{batch_coverage, hidden_columns, PartBounds};
pub(crate) use hidden::{position_of, row_position};

/// Columns whose values identify a row (DataLink's dataset IDs): each row group
/// keeps a bloom filter of them, and the first has an index beside the file
/// ([`crate::id_index`]), so that finding one row reads one page per column.
pub const KEYED_COLUMNS: &[&str] = &["obs_publisher_did"];

/// Data page size limit.
const DATA_PAGE_BYTES: usize = 64 * 1024;

/// False-positive rate of the keyed columns' bloom filters: with the full
/// snapshot's 130 row groups a lookup reads about 0.13 needless ones.
const KEY_BLOOM_FPP: f64 = 0.001;

/// The sidecar's file name.
pub const SIDECAR: &str = "snapshot.json";
/// The format version this library writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// The HEALPix depth of the `_healpix` sort column.
pub const HEALPIX_DEPTH: u8 = 16;
/// Rows per Parquet row group.
pub const ROW_GROUP_ROWS: usize = 65_536;
/// The hidden columns, in the order they follow the public ones.
pub const HIDDEN_COLUMNS: [&str; 6] = [
    "_healpix",
    "_region_ra_lo",
    "_region_ra_hi",
    "_region_dec_min",
    "_region_dec_max",
    "_region_reach",
];

/// The hidden column of each convex `s_region`'s edge normals (binary; after
/// [`HIDDEN_COLUMNS`], absent in snapshots written before it).
pub const REGION_NORMALS: &str = "_region_normals";

/// The RA bounds of `s_region` in snapshots written before they were unwrapped
/// (min > max when the range wraps through 0).
pub const WRAPPING_REGION_RA_COLUMNS: [&str; 2] = ["_region_ra_min", "_region_ra_max"];

/// The published table a snapshot holds.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TableMeta {
    /// The schema name (`ivoa`).
    pub schema: String,
    /// The table name (`ObsCore`).
    pub name: String,
    /// A description for TAP_SCHEMA.
    pub description: String,
    /// The public columns, in order.
    pub columns: Vec<ColumnDef>,
    /// The columns that hold each row's position, from which the sky sort
    /// key is computed (absent in snapshots written before any table could
    /// have one: those use `s_ra`/`s_dec` when they have them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
}

/// The two columns of a table's positions: ICRS right ascension and
/// declination in degrees.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Position {
    /// The right ascension column.
    pub ra: String,
    /// The declination column.
    pub dec: String,
}

impl TableMeta {
    /// `schema.name`.
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }

    /// The (ra, dec) columns of the table's positions: the recorded ones, or
    /// `s_ra`/`s_dec` (ObsCore's) when it has both.
    pub fn position_columns(&self) -> Option<(&str, &str)> {
        if let Some(p) = &self.position {
            return Some((p.ra.as_str(), p.dec.as_str()));
        }
        let has = |name: &str| self.columns.iter().any(|c| c.name == name);
        (has("s_ra") && has("s_dec")).then_some(("s_ra", "s_dec"))
    }
}

/// The sky area a snapshot covers (bounds of its positions).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Coverage {
    /// Smallest RA of a position.
    pub ra_min: f64,
    /// Largest RA.
    pub ra_max: f64,
    /// Smallest Dec.
    pub dec_min: f64,
    /// Largest Dec.
    pub dec_max: f64,
}

impl Coverage {
    /// The bounds of both.
    pub fn union(&self, other: &Coverage) -> Coverage {
        Coverage {
            ra_min: self.ra_min.min(other.ra_min),
            ra_max: self.ra_max.max(other.ra_max),
            dec_min: self.dec_min.min(other.dec_min),
            dec_max: self.dec_max.max(other.dec_max),
        }
    }
}

/// The sidecar: format version, the table, the files and counts.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    /// Always `adql-rs snapshot`.
    pub format: String,
    /// [`FORMAT_VERSION`] when written.
    pub version: u32,
    /// The table.
    pub table: TableMeta,
    /// Parquet files, relative to the directory.
    pub files: Vec<String>,
    /// Rows in all files.
    pub rows: u64,
    /// Row groups in all files.
    pub row_groups: u64,
    /// True if rows are in `_healpix` order with the hidden columns present.
    pub sky_sorted: bool,
    /// HEALPix depth of `_healpix`.
    pub healpix_depth: u8,
    /// Where the positions are, if the table has them.
    pub coverage: Option<Coverage>,
    /// What wrote it.
    pub created_by: String,
    /// Each file's sky range, in file order (absent in snapshots written
    /// before parts existed: they are read as one part per file).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
}

/// One Parquet file of a snapshot: a contiguous range of the sort key.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Part {
    /// The file, relative to the snapshot.
    pub file: String,
    /// Rows in it.
    pub rows: u64,
    /// Row groups in it.
    pub row_groups: u64,
    /// Smallest and largest `_healpix` (absent if no row has a position).
    pub healpix: Option<[i64; 2]>,
    /// Bounds of its positions.
    pub coverage: Option<Coverage>,
    /// Dec bounds of its `s_region`s: `[min, max]`.
    pub region_dec: Option<[f64; 2]>,
    /// RA bounds of its `s_region`s, unwrapped as the hidden columns are:
    /// `[smallest lo, largest hi]`, lo below 0 when a region crosses RA 0
    /// (absent in snapshots written before RA bounds were recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_ra: Option<[f64; 2]>,
    /// The largest `_region_reach` of its rows (absent in snapshots written
    /// before it was recorded, and in tables without `s_region`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_reach: Option<f64>,
    /// True if every `s_region` of its rows (there are some) is NULL or a
    /// convex polygon whose edge normals are in [`REGION_NORMALS`] (false in
    /// snapshots written before they were).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub convex_regions: bool,
}

/// Where a snapshot is: a local directory, or a URL of an object store
/// (`s3://bucket/prefix/`, `https://host/path/`), always ending with `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotLocation {
    /// A directory.
    Dir(PathBuf),
    /// The URL of the snapshot's prefix, ending with `/`.
    Url(String),
}

impl SnapshotLocation {
    /// The location of `file` inside the snapshot: a path or a URL.
    pub fn join(&self, file: &str) -> String {
        match self {
            SnapshotLocation::Dir(dir) => dir.join(file).display().to_string(),
            SnapshotLocation::Url(base) => format!("{base}{file}"),
        }
    }
}

impl std::fmt::Display for SnapshotLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SnapshotLocation::Dir(dir) => write!(f, "{}", dir.display()),
            SnapshotLocation::Url(url) => f.write_str(url),
        }
    }
}

/// An opened snapshot.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Where it is.
    pub location: SnapshotLocation,
    /// Its sidecar.
    pub manifest: Manifest,
}

impl Snapshot {
    /// Opens a snapshot directory; an old or unknown format is an error saying so.
    pub fn open(dir: impl AsRef<Path>) -> Result<Snapshot> {
        let dir = dir.as_ref().to_path_buf();
        let sidecar = dir.join(SIDECAR);
        let text = std::fs::read_to_string(&sidecar).map_err(|e| ObscoreError::Snapshot {
            path: dir.clone(),
            message: format!("no readable {SIDECAR}: {e}"),
        })?;
        Snapshot::from_sidecar(SnapshotLocation::Dir(dir), &text)
    }

    /// The snapshot at `location` whose sidecar reads `text` (checked as
    /// [`Snapshot::open`] checks it).
    pub fn from_sidecar(location: SnapshotLocation, text: &str) -> Result<Snapshot> {
        let sidecar = PathBuf::from(location.join(SIDECAR));
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| ObscoreError::Snapshot {
                path: sidecar.clone(),
                message: format!("not valid JSON: {e}"),
            })?;
        let version = value.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
        if value.get("format").and_then(|v| v.as_str()) != Some("adql-rs snapshot") {
            return Err(ObscoreError::Snapshot {
                path: sidecar,
                message: "not an adql-rs snapshot".into(),
            });
        }
        if version != u64::from(FORMAT_VERSION) {
            return Err(ObscoreError::Snapshot {
                path: sidecar,
                message: format!(
                    "format version {version}, this adql reads version {FORMAT_VERSION}: regenerate or re-ingest it"
                ),
            });
        }
        let manifest: Manifest =
            serde_json::from_value(value).map_err(|e| ObscoreError::Snapshot {
                path: sidecar.clone(),
                message: format!("malformed sidecar: {e}"),
            })?;
        // A file name is a name inside the snapshot, never a way out of it.
        for file in &manifest.files {
            let plain = !file.is_empty()
                && file
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                && !file.starts_with('.');
            if !plain {
                return Err(ObscoreError::Snapshot {
                    path: sidecar,
                    message: format!("file name `{file}` is not a plain name in the snapshot"),
                });
            }
        }
        if !manifest.parts.is_empty()
            && manifest
                .parts
                .iter()
                .map(|p| &p.file)
                .ne(manifest.files.iter())
        {
            return Err(ObscoreError::Snapshot {
                path: sidecar,
                message: "its parts do not list its files".into(),
            });
        }
        Ok(Snapshot { location, manifest })
    }

    /// The directory, for a local snapshot.
    pub fn dir(&self) -> Option<&Path> {
        match &self.location {
            SnapshotLocation::Dir(dir) => Some(dir),
            SnapshotLocation::Url(_) => None,
        }
    }

    /// Locations (paths or URLs) of the Parquet files.
    pub fn files(&self) -> Vec<String> {
        self.manifest
            .files
            .iter()
            .map(|f| self.location.join(f))
            .collect()
    }
}

/// Rows per part when the number of parts is not given: a query opens the
/// parts its key ranges touch, and reads their footers' page indexes whole.
pub const AUTO_PART_ROWS: u64 = 10_000_000;

/// The number of parts for `rows` rows when none is given: one per
/// [`AUTO_PART_ROWS`].
pub fn auto_parts(rows: u64) -> u64 {
    rows.div_ceil(AUTO_PART_ROWS).max(1)
}

/// The file of part `index`.
pub fn part_file(index: usize) -> String {
    format!("part-{index:05}.parquet")
}

/// The Parquet file being written and what is known of it so far.
struct OpenPart {
    file: String,
    writer: ArrowWriter<File>,
    rows: u64,
    bounds: PartBounds,
    /// The dataset-ID index, when the table has the ID column.
    ids: Option<crate::id_index::IdIndexBuilder>,
}

/// Writes a snapshot: batches in sky order in, Parquet files and the sidecar out.
/// Rows go to one file, or, with [`SnapshotWriter::set_part_rows`], to parts of
/// that many rows each: contiguous ranges of the sort key.
pub struct SnapshotWriter {
    target: PathBuf,
    temp: PathBuf,
    table: TableMeta,
    public: SchemaRef,
    full: SchemaRef,
    props: WriterProperties,
    row_group_rows: usize,
    /// Whether the encodings were chosen from the first batch.
    tuned: bool,
    part: Option<OpenPart>,
    parts: Vec<Part>,
    /// Rows per part (`u64::MAX`: one file).
    part_rows: u64,
    rows: u64,
    row_groups: u64,
    coverage: Option<Coverage>,
    /// The position columns the sort key is computed from.
    position: Option<Position>,
    sky_sorted: bool,
    finished: bool,
}

impl SnapshotWriter {
    /// Records whether the rows were written in sky order (true by default).
    pub fn set_sky_sorted(&mut self, sorted: bool) {
        self.sky_sorted = sorted;
    }

    /// Writes parts of `rows` rows each (the last may hold fewer) instead of
    /// one file. Call before the first write.
    pub fn set_part_rows(&mut self, rows: u64) {
        self.part_rows = rows.max(1);
    }

    /// Rows per part for `total` rows in `parts` parts.
    pub fn rows_per_part(total: u64, parts: u64) -> u64 {
        total.div_ceil(parts.max(1)).max(1)
    }

    /// Starts a snapshot that will be renamed to `target` by [`SnapshotWriter::finish`],
    /// with row groups of [`ROW_GROUP_ROWS`].
    pub fn create(target: impl AsRef<Path>, table: TableMeta) -> Result<SnapshotWriter> {
        SnapshotWriter::create_with(target, table, ROW_GROUP_ROWS)
    }

    /// As [`SnapshotWriter::create`], with `row_group_rows` rows per row group.
    pub fn create_with(
        target: impl AsRef<Path>,
        table: TableMeta,
        row_group_rows: usize,
    ) -> Result<SnapshotWriter> {
        let target = target.as_ref().to_path_buf();
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "snapshot".into());
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| ObscoreError::io(parent, e))?;
        // Unique per process and writer, so that concurrent writers never share it.
        static WRITERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = WRITERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let temp = parent.join(format!(".{name}.partial-{}-{n}", std::process::id()));
        if temp.exists() {
            std::fs::remove_dir_all(&temp).map_err(|e| ObscoreError::io(&temp, e))?;
        }
        std::fs::create_dir_all(&temp).map_err(|e| ObscoreError::io(&temp, e))?;
        let public = schema_of(&table.columns);
        let mut fields: Vec<Field> = public.fields().iter().map(|f| f.as_ref().clone()).collect();
        fields.push(Field::new("_healpix", DataType::Int64, true));
        for name in &HIDDEN_COLUMNS[1..] {
            fields.push(Field::new(*name, DataType::Float64, true));
        }
        fields.push(Field::new(REGION_NORMALS, DataType::Binary, true));
        let full = Arc::new(Schema::new(fields));
        let props = writer_properties(&full, row_group_rows, &[]);
        let position = table.position_columns().map(|(ra, dec)| Position {
            ra: ra.into(),
            dec: dec.into(),
        });
        Ok(SnapshotWriter {
            target,
            temp,
            position,
            table,
            public,
            full,
            props,
            row_group_rows,
            tuned: false,
            part: None,
            parts: Vec::new(),
            part_rows: u64::MAX,
            rows: 0,
            row_groups: 0,
            coverage: None,
            sky_sorted: true,
            finished: false,
        })
    }

    /// The public schema batches must have.
    pub fn schema(&self) -> SchemaRef {
        self.public.clone()
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The open part, starting the next one if none is open.
    fn open_part(&mut self) -> Result<&mut OpenPart> {
        if self.part.is_none() {
            let file = part_file(self.parts.len());
            let path = self.temp.join(&file);
            let handle = File::create(&path).map_err(|e| ObscoreError::io(&path, e))?;
            let writer = ArrowWriter::try_new(handle, self.full.clone(), Some(self.props.clone()))?;
            let ids = self
                .full
                .field_with_name(KEYED_COLUMNS[0])
                .is_ok()
                .then(Default::default);
            self.part = Some(OpenPart {
                file,
                writer,
                rows: 0,
                bounds: PartBounds::default(),
                ids,
            });
        }
        Ok(self.part.as_mut().expect("opened above"))
    }

    /// Closes the open part, if any, with its ID index, and records it.
    fn close_part(&mut self) -> Result<()> {
        let Some(part) = self.part.take() else {
            return Ok(());
        };
        let metadata = part.writer.close()?;
        if let Some(ids) = part.ids {
            ids.write(&crate::id_index::path_for(&self.temp.join(&part.file)))?;
        }
        let row_groups = metadata.num_row_groups() as u64;
        self.row_groups += row_groups;
        self.parts.push(Part {
            file: part.file,
            rows: part.rows,
            row_groups,
            healpix: part.bounds.healpix,
            coverage: part.bounds.coverage,
            region_dec: part.bounds.region_dec,
            region_ra: part.bounds.region_ra,
            region_reach: part.bounds.region_reach,
            convex_regions: part.bounds.regions && !part.bounds.not_convex,
        });
        Ok(())
    }

    /// Writes a batch of public columns (in sky order); the hidden columns are
    /// computed here. A batch may straddle parts.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let mut start = 0;
        while start < batch.num_rows() {
            let room = self.part_rows - self.part.as_ref().map_or(0, |p| p.rows);
            let n = (batch.num_rows() - start).min(usize::try_from(room).unwrap_or(usize::MAX));
            self.write_to_part(&batch.slice(start, n))?;
            start += n;
            if self.part.as_ref().is_some_and(|p| p.rows >= self.part_rows) {
                self.close_part()?;
            }
        }
        Ok(())
    }

    fn write_to_part(&mut self, batch: &RecordBatch) -> Result<()> {
        let hidden = hidden_columns(batch, self.position.as_ref())?;
        if !self.tuned {
            // Columns whose values are mostly distinct (positions, fluxes,
            // the sort key) are written plain: a dictionary of them is larger
            // than the values and costs a hash per value.
            let mut columns = batch.columns().to_vec();
            columns.extend(hidden.iter().cloned());
            let plain: Vec<String> = self
                .full
                .fields()
                .iter()
                .zip(&columns)
                .filter(|(_, values)| mostly_distinct(values.as_ref()))
                .map(|(f, _)| f.name().clone())
                .collect();
            self.props = writer_properties(&self.full, self.row_group_rows, &plain);
            self.tuned = true;
        }
        if let Some(c) = batch_coverage(batch, self.position.as_ref()) {
            self.coverage = Some(self.coverage.map_or(c, |o| o.union(&c)));
        }
        let full = {
            let mut columns = batch.columns().to_vec();
            columns.extend(hidden.iter().cloned());
            RecordBatch::try_new(self.full.clone(), columns)?
        };
        let position = self.position.clone();
        let part = self.open_part()?;
        part.bounds.add(batch, &hidden, position.as_ref());
        if let Some(ids) = &mut part.ids {
            if let Ok(index) = batch.schema().index_of(KEYED_COLUMNS[0]) {
                let column = arrow::compute::cast(batch.column(index), &DataType::Utf8)?;
                let column = column.as_string::<i32>();
                for row in 0..column.len() {
                    if column.is_valid(row) {
                        ids.add(column.value(row), part.rows + row as u64)?;
                    }
                }
            }
        }
        part.writer.write(&full)?;
        part.rows += batch.num_rows() as u64;
        self.rows += batch.num_rows() as u64;
        Ok(())
    }

    /// Closes the files, writes the sidecar and renames the snapshot into place
    /// (replacing an older one there).
    pub fn finish(mut self) -> Result<Snapshot> {
        if self.parts.is_empty() && self.part.is_none() {
            // No rows: still one (empty) file, so the table has a schema.
            self.open_part()?;
        }
        self.close_part()?;
        let manifest = Manifest {
            format: "adql-rs snapshot".into(),
            version: FORMAT_VERSION,
            table: self.table.clone(),
            files: self.parts.iter().map(|p| p.file.clone()).collect(),
            rows: self.rows,
            row_groups: self.row_groups,
            sky_sorted: self.sky_sorted,
            healpix_depth: HEALPIX_DEPTH,
            coverage: self.coverage,
            created_by: format!("adql-rs {}", env!("CARGO_PKG_VERSION")),
            parts: std::mem::take(&mut self.parts),
        };
        let sidecar = self.temp.join(SIDECAR);
        std::fs::write(
            &sidecar,
            serde_json::to_string_pretty(&manifest).expect("serialisable"),
        )
        .map_err(|e| ObscoreError::io(&sidecar, e))?;
        self.finished = true;
        let old = self.target.with_extension("old-snapshot");
        if self.target.exists() {
            if !self.target.join(SIDECAR).exists()
                && std::fs::read_dir(&self.target)
                    .map(|mut d| d.next().is_some())
                    .unwrap_or(true)
            {
                let _ = std::fs::remove_dir_all(&self.temp);
                return Err(ObscoreError::Snapshot {
                    path: self.target.clone(),
                    message: "exists and is not a snapshot: refusing to replace it".into(),
                });
            }
            std::fs::rename(&self.target, &old).map_err(|e| ObscoreError::io(&self.target, e))?;
        }
        std::fs::rename(&self.temp, &self.target).map_err(|e| ObscoreError::io(&self.target, e))?;
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(|e| ObscoreError::io(&old, e))?;
        }
        Ok(Snapshot {
            location: SnapshotLocation::Dir(self.target.clone()),
            manifest,
        })
    }
}

impl Drop for SnapshotWriter {
    fn drop(&mut self) {
        // Not finished (an error, a panic): remove the partial directory.
        if !self.finished {
            let _ = std::fs::remove_dir_all(&self.temp);
        }
    }
}

/// The Parquet writer's settings: row groups of `row_group_rows`, Snappy,
/// page statistics, pages of at most [`DATA_PAGE_BYTES`], bloom filters of
/// the [`KEYED_COLUMNS`], no dictionary for the `plain` columns.
fn writer_properties(full: &Schema, row_group_rows: usize, plain: &[String]) -> WriterProperties {
    let mut props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(row_group_rows.max(1)))
        .set_compression(Compression::SNAPPY)
        .set_statistics_enabled(EnabledStatistics::Page)
        // Pages of at most 64 KiB: reading one row (a dataset's links)
        // decodes a page per column, not a row group's worth.
        .set_data_page_size_limit(DATA_PAGE_BYTES)
        .set_created_by(format!("adql-rs {}", env!("CARGO_PKG_VERSION")));
    for column in KEYED_COLUMNS {
        if full.field_with_name(column).is_ok() {
            let path = parquet::schema::types::ColumnPath::from(*column);
            props = props
                .set_column_bloom_filter_enabled(path.clone(), true)
                .set_column_bloom_filter_fpp(path.clone(), KEY_BLOOM_FPP)
                .set_column_bloom_filter_max_ndv(path, row_group_rows.max(1) as u64);
        }
    }
    if full.field_with_name(REGION_NORMALS).is_ok() {
        // Doubles that compress to nothing, and whose ranges prune nothing:
        // written as they are, so that reading them is a copy.
        let path = parquet::schema::types::ColumnPath::from(REGION_NORMALS);
        props = props
            .set_column_compression(path.clone(), Compression::UNCOMPRESSED)
            .set_column_dictionary_enabled(path.clone(), false)
            .set_column_statistics_enabled(path, EnabledStatistics::None);
    }
    for column in plain {
        props = props.set_column_dictionary_enabled(
            parquet::schema::types::ColumnPath::from(column.as_str()),
            false,
        );
    }
    props.build()
}

/// True for a column of 8-byte numbers more than half of whose first 4,096
/// values are distinct.
fn mostly_distinct(values: &dyn Array) -> bool {
    let bits: Vec<u64> = match values.data_type() {
        DataType::Float64 => values
            .as_primitive::<Float64Type>()
            .iter()
            .flatten()
            .take(4096)
            .map(f64::to_bits)
            .collect(),
        DataType::Int64 => values
            .as_primitive::<arrow::datatypes::Int64Type>()
            .iter()
            .flatten()
            .take(4096)
            .map(|v| v as u64)
            .collect(),
        _ => return false,
    };
    let mut distinct = bits.clone();
    distinct.sort_unstable();
    distinct.dedup();
    bits.len() >= 64 && distinct.len() * 2 > bits.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_per_ten_million_rows_unless_told() {
        assert_eq!(auto_parts(0), 1);
        assert_eq!(auto_parts(8_475_974), 1);
        assert_eq!(auto_parts(10_000_001), 2);
        assert_eq!(auto_parts(147_000_000), 15);
    }
}
