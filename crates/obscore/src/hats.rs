//! Writing HATS catalogues (the IVOA HATS Note, as hats-import writes them), so
//! that LSDB and the HATS tools open what `adql ingest --format hats` wrote.
//!
//! Rows arrive sorted on their nested HEALPix index at order 29 (the
//! `_healpix_29` column, written first). Partitions are chosen top-down from
//! a count of rows per order-9 pixel: a pixel is one partition when it holds
//! at most `max_rows` rows (or is at order 9), else its four children are
//! considered; empty pixels are left out. Each partition is
//! `dataset/Norder=K/Dir=D/Npix=N.parquet` (D = N rounded down to 10,000),
//! sorted on `_healpix_29`; beside them `dataset/_common_metadata` (the
//! schema), `partition_info.csv` and `hats.properties`. The catalogue is
//! written into a temporary directory and renamed into place at the end.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties};

use crate::error::{ObscoreError, Result};
use crate::snapshot::Position;

/// The key column's name.
pub const KEY_COLUMN: &str = "_healpix_29";
/// The key's HEALPix order.
pub const KEY_ORDER: u8 = 29;
/// The deepest partition order (and that of the row counts partitions are chosen from).
pub const MAX_PARTITION_ORDER: u8 = 9;
/// Rows a partition holds at most, unless it is at [`MAX_PARTITION_ORDER`]
/// (hats-import's default `pixel_threshold`).
pub const DEFAULT_MAX_ROWS: u64 = 1_000_000;

/// The `_healpix_29` of a position.
pub fn hats_key(ra: f64, dec: f64) -> i64 {
    adql_geom::coverage::healpix_index(KEY_ORDER, ra, dec) as i64
}

/// Rows per order-9 pixel, counted as keys go by.
#[derive(Debug, Clone)]
pub struct PixelCounts {
    counts: Vec<u32>,
}

impl Default for PixelCounts {
    fn default() -> PixelCounts {
        PixelCounts {
            counts: vec![0; 12 << (2 * u32::from(MAX_PARTITION_ORDER))],
        }
    }
}

impl PixelCounts {
    /// Counts a row with `_healpix_29` `key`.
    pub fn add(&mut self, key: i64) {
        let pixel = (key as u64) >> (2 * u32::from(KEY_ORDER - MAX_PARTITION_ORDER));
        if let Some(c) = self.counts.get_mut(pixel as usize) {
            *c = c.saturating_add(1);
        }
    }

    /// The partitions, in key order: (order, pixel, rows).
    pub fn partitions(&self, max_rows: u64) -> Vec<(u8, u64, u64)> {
        let mut prefix = Vec::with_capacity(self.counts.len() + 1);
        prefix.push(0u64);
        for &c in &self.counts {
            prefix.push(prefix.last().expect("one") + u64::from(c));
        }
        let rows = |order: u8, pixel: u64| {
            let shift = 2 * u32::from(MAX_PARTITION_ORDER - order);
            let (lo, hi) = ((pixel << shift) as usize, ((pixel + 1) << shift) as usize);
            prefix[hi] - prefix[lo]
        };
        let mut out = Vec::new();
        // Depth first, children in order: partitions come out in key order.
        let mut stack: Vec<(u8, u64)> = (0..12).rev().map(|p| (0, p)).collect();
        while let Some((order, pixel)) = stack.pop() {
            let n = rows(order, pixel);
            if n == 0 {
                continue;
            }
            if n <= max_rows.max(1) || order == MAX_PARTITION_ORDER {
                out.push((order, pixel, n));
            } else {
                stack.extend((0..4).rev().map(|c| (order + 1, pixel * 4 + c)));
            }
        }
        out
    }
}

/// The file of partition (`order`, `pixel`), relative to the catalogue.
pub fn partition_file(order: u8, pixel: u64) -> String {
    format!(
        "dataset/Norder={order}/Dir={}/Npix={pixel}.parquet",
        pixel / 10_000 * 10_000
    )
}

/// Writes a catalogue: sorted batches and their keys in, partitions out.
pub struct HatsWriter {
    target: PathBuf,
    temp: PathBuf,
    name: String,
    position: Position,
    schema: SchemaRef,
    props: WriterProperties,
    partitions: Vec<(u8, u64, u64)>,
    /// The partition being written, as an index into `partitions`.
    current: Option<(usize, ArrowWriter<File>)>,
    /// Each partition's first key beyond it.
    ends: Vec<i64>,
    rows: u64,
    finished: bool,
}

impl HatsWriter {
    /// Starts a catalogue named `name` of rows with `public` columns, in
    /// `partitions` (from [`PixelCounts::partitions`]), to be renamed to
    /// `target` by [`HatsWriter::finish`].
    pub fn create(
        target: &Path,
        name: &str,
        public: &Schema,
        position: Position,
        partitions: Vec<(u8, u64, u64)>,
    ) -> Result<HatsWriter> {
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| ObscoreError::io(parent, e))?;
        let stem = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "catalogue".into());
        let temp = parent.join(format!(".{stem}.partial-hats-{}", std::process::id()));
        if temp.exists() {
            std::fs::remove_dir_all(&temp).map_err(|e| ObscoreError::io(&temp, e))?;
        }
        std::fs::create_dir_all(temp.join("dataset")).map_err(|e| ObscoreError::io(&temp, e))?;
        let mut fields = vec![Field::new(KEY_COLUMN, DataType::Int64, false)];
        fields.extend(public.fields().iter().map(|f| f.as_ref().clone()));
        let schema = Arc::new(Schema::new(fields));
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_statistics_enabled(EnabledStatistics::Page)
            .set_max_row_group_row_count(Some(crate::snapshot::ROW_GROUP_ROWS))
            .set_created_by(format!("adql-rs {}", env!("CARGO_PKG_VERSION")))
            .build();
        let ends = partitions
            .iter()
            .map(|&(order, pixel, _)| {
                let end = (pixel + 1) << (2 * u32::from(KEY_ORDER - order));
                i64::try_from(end).unwrap_or(i64::MAX)
            })
            .collect();
        Ok(HatsWriter {
            target: target.to_path_buf(),
            temp,
            name: name.into(),
            position,
            schema,
            props,
            partitions,
            current: None,
            ends,
            rows: 0,
            finished: false,
        })
    }

    /// Writes `batch` (public columns, sorted on `keys`, which continue those
    /// written before).
    pub fn write(&mut self, batch: &RecordBatch, keys: &Int64Array) -> Result<()> {
        let mut start = 0;
        let n = batch.num_rows();
        while start < n {
            let key = keys.value(start);
            let index = self.ends.partition_point(|&end| end <= key);
            if index >= self.partitions.len() {
                return Err(ObscoreError::Input {
                    file: self.target.display().to_string(),
                    message: "a row has no position: every row of a HATS catalogue needs one"
                        .into(),
                });
            }
            // The rows up to this partition's end.
            let end_key = self.ends[index];
            let stop = start + keys.values()[start..n].partition_point(|&k| k < end_key);
            if self.current.as_ref().map(|c| c.0) != Some(index) {
                self.close_current()?;
                let (order, pixel, _) = self.partitions[index];
                let path = self.temp.join(partition_file(order, pixel));
                let dir = path.parent().expect("in a directory");
                std::fs::create_dir_all(dir).map_err(|e| ObscoreError::io(dir, e))?;
                let file = File::create(&path).map_err(|e| ObscoreError::io(&path, e))?;
                let writer =
                    ArrowWriter::try_new(file, self.schema.clone(), Some(self.props.clone()))?;
                self.current = Some((index, writer));
            }
            let mut columns: Vec<ArrayRef> = vec![Arc::new(keys.slice(start, stop - start))];
            columns.extend(batch.slice(start, stop - start).columns().iter().cloned());
            let part = RecordBatch::try_new(self.schema.clone(), columns)?;
            self.current
                .as_mut()
                .expect("opened above")
                .1
                .write(&part)?;
            self.rows += (stop - start) as u64;
            start = stop;
        }
        Ok(())
    }

    fn close_current(&mut self) -> Result<()> {
        if let Some((_, writer)) = self.current.take() {
            writer.close()?;
        }
        Ok(())
    }

    /// Closes the last partition, writes the metadata files and renames the
    /// catalogue into place (replacing an older HATS catalogue there).
    pub fn finish(mut self) -> Result<u64> {
        self.close_current()?;
        let write = |name: &str, text: String| {
            let path = self.temp.join(name);
            std::fs::write(&path, text).map_err(|e| ObscoreError::io(&path, e))
        };
        // The schema alone: a Parquet file without row groups.
        let common = self.temp.join("dataset/_common_metadata");
        let file = File::create(&common).map_err(|e| ObscoreError::io(&common, e))?;
        ArrowWriter::try_new(file, self.schema.clone(), Some(self.props.clone()))?.close()?;
        let mut info = String::from("Norder,Npix\n");
        for (order, pixel, _) in &self.partitions {
            info.push_str(&format!("{order},{pixel}\n"));
        }
        write("partition_info.csv", info)?;
        let largest = self.partitions.iter().map(|p| p.2).max().unwrap_or(0);
        let deepest = self.partitions.iter().map(|p| p.0).max().unwrap_or(0);
        let properties = [
            ("obs_collection", self.name.clone()),
            ("dataproduct_type", "object".into()),
            ("hats_nrows", self.rows.to_string()),
            ("hats_col_ra", self.position.ra.clone()),
            ("hats_col_dec", self.position.dec.clone()),
            ("hats_col_healpix", KEY_COLUMN.into()),
            ("hats_col_healpix_order", KEY_ORDER.to_string()),
            ("hats_npix_suffix", ".parquet".into()),
            ("hats_max_rows", largest.to_string()),
            ("hats_order", deepest.to_string()),
            (
                "hats_builder",
                format!("adql-rs {}", env!("CARGO_PKG_VERSION")),
            ),
            ("hats_version", "v1.0".into()),
        ];
        let mut text = String::from("#HATS catalog\n");
        for (k, v) in properties {
            text.push_str(&format!("{k}={v}\n"));
        }
        write("hats.properties", text)?;
        self.finished = true;
        if self.target.exists() {
            let is_hats = self.target.join("hats.properties").is_file()
                || self.target.join("properties").is_file();
            if !is_hats {
                let _ = std::fs::remove_dir_all(&self.temp);
                return Err(ObscoreError::Snapshot {
                    path: self.target.clone(),
                    message: "exists and is not a HATS catalogue: refusing to replace it".into(),
                });
            }
            std::fs::remove_dir_all(&self.target).map_err(|e| ObscoreError::io(&self.target, e))?;
        }
        std::fs::rename(&self.temp, &self.target).map_err(|e| ObscoreError::io(&self.target, e))?;
        Ok(self.rows)
    }
}

impl Drop for HatsWriter {
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_dir_all(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_split_where_rows_are_many_and_come_in_key_order() {
        let mut counts = PixelCounts::default();
        // 10 rows in base pixel 4; 100 rows in one order-9 pixel of base pixel 7.
        let at = |order: u8, pixel: u64| (pixel << (2 * u32::from(KEY_ORDER - order))) as i64;
        for _ in 0..10 {
            counts.add(at(0, 4));
        }
        let dense = (7u64 << 18) + 12345;
        for _ in 0..100 {
            counts.add(at(9, dense));
        }
        counts.add(at(9, (7u64 << 18) + 1));
        let parts = counts.partitions(50);
        assert_eq!(parts[0], (0, 4, 10));
        // Base pixel 7 splits down to order 9 around the dense pixel.
        assert!(parts.contains(&(9, dense, 100)), "{parts:?}");
        assert_eq!(parts.iter().map(|p| p.2).sum::<u64>(), 111);
        let starts: Vec<u64> = parts
            .iter()
            .map(|&(o, p, _)| p << (2 * u32::from(MAX_PARTITION_ORDER - o)))
            .collect();
        assert!(starts.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(
            partition_file(5, 12345),
            "dataset/Norder=5/Dir=10000/Npix=12345.parquet"
        );
    }
}
