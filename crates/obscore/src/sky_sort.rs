//! Sorting rows on the sky within a memory limit: an external merge sort.
//!
//! Rows come in batches with their sort keys. They are held until the memory
//! budget is reached; then they are sorted and written to a run (an Arrow IPC
//! stream in a temporary directory). At the end, the runs are merged k ways
//! (more than [`MAX_FAN_IN`] runs are merged in passes), or, when nothing was
//! spilled, the held rows are sorted in memory. Ties keep input order (the
//! order is on the key, then the row's place in the input), so the result does
//! not depend on the budget. The temporary directory is removed when the
//! sorter, or what it returns, is dropped — after success, an error, or a
//! cancellation.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Int64Array, RecordBatch};
use arrow::compute::interleave;
use arrow::datatypes::{DataType, Field, Int64Type, Schema, SchemaRef};
use arrow::ipc::reader::StreamReader;
use arrow::ipc::writer::StreamWriter;

use crate::error::{ObscoreError, Result};

/// Rows per batch the sorted output comes in (a snapshot's row group).
pub const OUTPUT_ROWS: usize = crate::snapshot::ROW_GROUP_ROWS;
/// The most runs merged at once; more are merged in passes.
pub const MAX_FAN_IN: usize = 64;
/// The name of the key column in run files.
const KEY_COLUMN: &str = "__sky_key";

/// A temporary directory, removed with everything in it when dropped.
#[derive(Debug)]
struct TempDir(PathBuf);

impl TempDir {
    fn create(parent: &Path) -> Result<TempDir> {
        static DIRS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = DIRS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = parent.join(format!(".adql-sort-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| ObscoreError::io(&dir, e))?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Sorts batches on an `i64` key per row, spilling sorted runs to disk when
/// the held rows pass the budget.
#[derive(Debug)]
pub struct SkySorter {
    schema: SchemaRef,
    budget: usize,
    temp_parent: PathBuf,
    temp: Option<TempDir>,
    held: Vec<(RecordBatch, Vec<i64>)>,
    held_bytes: usize,
    runs: Vec<PathBuf>,
    rows: u64,
}

impl SkySorter {
    /// A sorter of batches of `schema` that holds about `budget` bytes of rows
    /// and spills into a directory it makes in `temp_parent`.
    pub fn new(schema: SchemaRef, budget: usize, temp_parent: impl Into<PathBuf>) -> SkySorter {
        SkySorter {
            schema,
            budget: budget.max(1),
            temp_parent: temp_parent.into(),
            temp: None,
            held: Vec::new(),
            held_bytes: 0,
            runs: Vec::new(),
            rows: 0,
        }
    }

    /// Adds `batch`, whose rows sort on `keys` (one per row).
    pub fn push(&mut self, batch: RecordBatch, keys: Vec<i64>) -> Result<()> {
        debug_assert_eq!(batch.num_rows(), keys.len());
        if batch.num_rows() == 0 {
            return Ok(());
        }
        self.rows += batch.num_rows() as u64;
        // The batch, its keys, and the 16 bytes a row its place in the sort takes.
        self.held_bytes += batch.get_array_memory_size() + keys.len() * (8 + 16);
        self.held.push((batch, keys));
        if self.held_bytes > self.budget {
            self.spill()?;
        }
        Ok(())
    }

    /// Rows added so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Runs written to disk so far.
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    /// The held rows' order: (key, batch, row), which is input order among equal keys.
    fn held_order(&self) -> Vec<(i64, u32, u32)> {
        let mut order: Vec<(i64, u32, u32)> = self
            .held
            .iter()
            .enumerate()
            .flat_map(|(b, (_, keys))| {
                keys.iter()
                    .enumerate()
                    .map(move |(r, &k)| (k, b as u32, r as u32))
            })
            .collect();
        order.sort_unstable();
        order
    }

    fn temp_dir(&mut self) -> Result<&Path> {
        if self.temp.is_none() {
            self.temp = Some(TempDir::create(&self.temp_parent)?);
        }
        Ok(&self.temp.as_ref().expect("created above").0)
    }

    /// Writes the held rows, sorted, to a new run.
    fn spill(&mut self) -> Result<()> {
        if self.held.is_empty() {
            return Ok(());
        }
        let order = self.held_order();
        let rows = order.len();
        // Small batches in runs: the merge holds one of each run.
        let row_bytes = (self.held_bytes / rows).max(1);
        let chunk = (self.budget / (2 * MAX_FAN_IN) / row_bytes).clamp(256, 8192);
        let name = format!("run-{:05}.arrows", self.runs.len());
        let path = self.temp_dir()?.join(name);
        let held = std::mem::take(&mut self.held);
        self.held_bytes = 0;
        let sources: Vec<&RecordBatch> = held.iter().map(|(b, _)| b).collect();
        let mut writer = RunWriter::create(&path, &self.schema)?;
        for part in order.chunks(chunk) {
            let picks: Vec<(usize, usize)> = part
                .iter()
                .map(|&(_, b, r)| (b as usize, r as usize))
                .collect();
            let keys = Int64Array::from_iter_values(part.iter().map(|k| k.0));
            writer.write(&interleave_batches(&self.schema, &sources, &picks)?, keys)?;
        }
        writer.finish()?;
        self.runs.push(path);
        Ok(())
    }

    /// The rows in key order, in batches of up to [`OUTPUT_ROWS`].
    pub fn finish(mut self) -> Result<SortedRows> {
        if self.runs.is_empty() {
            let order = self.held_order();
            let held = std::mem::take(&mut self.held);
            return Ok(SortedRows {
                schema: self.schema.clone(),
                rows: self.rows,
                source: Source::Memory {
                    batches: held.into_iter().map(|(b, _)| b).collect(),
                    order,
                    next: 0,
                },
                _temp: None,
            });
        }
        self.spill()?;
        let mut runs = std::mem::take(&mut self.runs);
        // Merge in passes until one pass can take every run.
        let mut pass = 0;
        while runs.len() > MAX_FAN_IN {
            let mut merged = Vec::new();
            for (i, group) in runs.chunks(MAX_FAN_IN).enumerate() {
                let path = self.temp_dir()?.join(format!("pass-{pass}-{i:05}.arrows"));
                let mut merge = Merge::open(self.schema.clone(), group)?;
                let mut writer = RunWriter::create(&path, &self.schema)?;
                while let Some((batch, keys)) = merge.next_batch(8192)? {
                    writer.write(&batch, keys)?;
                }
                writer.finish()?;
                for run in group {
                    let _ = std::fs::remove_file(run);
                }
                merged.push(path);
            }
            runs = merged;
            pass += 1;
        }
        let merge = Merge::open(self.schema.clone(), &runs)?;
        Ok(SortedRows {
            schema: self.schema.clone(),
            rows: self.rows,
            source: Source::Runs(merge),
            _temp: self.temp.take(),
        })
    }
}

/// The sorted rows, read batch by batch ([`Iterator`]).
pub struct SortedRows {
    schema: SchemaRef,
    rows: u64,
    source: Source,
    /// Keeps the runs' directory until the rows are read.
    _temp: Option<TempDir>,
}

enum Source {
    Memory {
        batches: Vec<RecordBatch>,
        order: Vec<(i64, u32, u32)>,
        next: usize,
    },
    Runs(Merge),
}

impl SortedRows {
    /// Rows in all.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// True if the rows were too many for the budget and went through runs on disk.
    pub fn spilled(&self) -> bool {
        matches!(self.source, Source::Runs(_))
    }
}

impl Iterator for SortedRows {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Result<RecordBatch>> {
        match &mut self.source {
            Source::Memory {
                batches,
                order,
                next,
            } => {
                if *next >= order.len() {
                    return None;
                }
                let end = (*next + OUTPUT_ROWS).min(order.len());
                let picks: Vec<(usize, usize)> = order[*next..end]
                    .iter()
                    .map(|&(_, b, r)| (b as usize, r as usize))
                    .collect();
                *next = end;
                let sources: Vec<&RecordBatch> = batches.iter().collect();
                Some(interleave_batches(&self.schema, &sources, &picks))
            }
            Source::Runs(merge) => merge
                .next_batch(OUTPUT_ROWS)
                .transpose()
                .map(|r| r.map(|(batch, _)| batch)),
        }
    }
}

/// Iterates `produce` on a thread of its own while `consume` takes its items
/// on this one, at most `ahead` items in between: merging sorted runs and
/// encoding Parquet then each have a core. The first error (of either side)
/// stops both and is returned.
pub fn pipelined<T: Send>(
    produce: impl Iterator<Item = Result<T>> + Send,
    ahead: usize,
    mut consume: impl FnMut(T) -> Result<()>,
) -> Result<()> {
    std::thread::scope(|scope| {
        let (items, received) = std::sync::mpsc::sync_channel(ahead.max(1));
        scope.spawn(move || {
            for item in produce {
                let failed = item.is_err();
                // A closed channel: the consumer stopped, so does this side.
                if items.send(item).is_err() || failed {
                    return;
                }
            }
        });
        for item in received {
            consume(item?)?;
        }
        Ok(())
    })
}

/// The rows `picks` (batch, row) of `sources`, as one batch.
fn interleave_batches(
    schema: &SchemaRef,
    sources: &[&RecordBatch],
    picks: &[(usize, usize)],
) -> Result<RecordBatch> {
    let columns = (0..schema.fields().len())
        .map(|c| {
            let arrays: Vec<&dyn Array> = sources.iter().map(|b| b.column(c).as_ref()).collect();
            interleave(&arrays, picks)
        })
        .collect::<Result<Vec<ArrayRef>, _>>()?;
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

/// A run file being written: the rows and their keys as a last column.
struct RunWriter {
    path: PathBuf,
    schema: SchemaRef,
    writer: StreamWriter<BufWriter<File>>,
}

impl RunWriter {
    fn create(path: &Path, schema: &SchemaRef) -> Result<RunWriter> {
        let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
        fields.push(Field::new(KEY_COLUMN, DataType::Int64, false));
        let schema = Arc::new(Schema::new(fields));
        let file = File::create(path).map_err(|e| ObscoreError::io(path, e))?;
        let writer = StreamWriter::try_new(BufWriter::new(file), &schema)?;
        Ok(RunWriter {
            path: path.to_path_buf(),
            schema,
            writer,
        })
    }

    fn write(&mut self, batch: &RecordBatch, keys: Int64Array) -> Result<()> {
        let mut columns = batch.columns().to_vec();
        columns.push(Arc::new(keys));
        let batch = RecordBatch::try_new(self.schema.clone(), columns)?;
        self.writer.write(&batch)?;
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        self.writer.finish()?;
        let file = self
            .writer
            .into_inner()?
            .into_inner()
            .map_err(|e| ObscoreError::io(&self.path, e.into_error()))?;
        file.sync_data().ok();
        Ok(())
    }
}

/// A run being read: its current batch and the next row in it.
struct RunCursor {
    reader: StreamReader<BufReader<File>>,
    path: PathBuf,
    keys: Int64Array,
    row: usize,
    /// Where its current batch is in [`Merge::sources`].
    slot: usize,
}

impl RunCursor {
    /// The next batch of the run (public columns) and its keys, if any.
    fn read(&mut self) -> Result<Option<(RecordBatch, Int64Array)>> {
        loop {
            let Some(batch) = self.reader.next() else {
                return Ok(None);
            };
            let batch = batch.map_err(|e| ObscoreError::Input {
                file: self.path.display().to_string(),
                message: format!("reading a sorted run back: {e}"),
            })?;
            if batch.num_rows() == 0 {
                continue;
            }
            let last = batch.num_columns() - 1;
            let keys = batch.column(last).as_primitive::<Int64Type>().clone();
            let mut public = batch;
            public.remove_column(last);
            return Ok(Some((public, keys)));
        }
    }
}

/// A k-way merge of runs: the smallest key next, the earlier run among equals.
struct Merge {
    schema: SchemaRef,
    cursors: Vec<Option<RunCursor>>,
    heap: BinaryHeap<Reverse<(i64, usize)>>,
    /// Batches the next output batch picks rows from.
    sources: Vec<RecordBatch>,
}

impl Merge {
    fn open(schema: SchemaRef, runs: &[PathBuf]) -> Result<Merge> {
        let mut merge = Merge {
            schema,
            cursors: Vec::new(),
            heap: BinaryHeap::new(),
            sources: Vec::new(),
        };
        for (i, path) in runs.iter().enumerate() {
            let file = File::open(path).map_err(|e| ObscoreError::io(path, e))?;
            let reader = StreamReader::try_new(BufReader::new(file), None)?;
            let mut cursor = RunCursor {
                reader,
                path: path.clone(),
                keys: Int64Array::from(Vec::<i64>::new()),
                row: 0,
                slot: 0,
            };
            match cursor.read()? {
                Some((batch, keys)) => {
                    merge.heap.push(Reverse((keys.value(0), i)));
                    cursor.keys = keys;
                    cursor.slot = merge.sources.len();
                    merge.sources.push(batch);
                    merge.cursors.push(Some(cursor));
                }
                None => merge.cursors.push(None),
            }
        }
        Ok(merge)
    }

    /// Up to `rows` next rows and their keys.
    fn next_batch(&mut self, rows: usize) -> Result<Option<(RecordBatch, Int64Array)>> {
        let mut picks = Vec::with_capacity(rows);
        let mut keys = Vec::with_capacity(rows);
        while picks.len() < rows {
            let Some(Reverse((key, run))) = self.heap.pop() else {
                break;
            };
            let cursor = self.cursors[run]
                .as_mut()
                .expect("a run in the heap is open");
            picks.push((cursor.slot, cursor.row));
            keys.push(key);
            cursor.row += 1;
            if cursor.row == cursor.keys.len() {
                match cursor.read()? {
                    Some((batch, next_keys)) => {
                        cursor.keys = next_keys;
                        cursor.row = 0;
                        cursor.slot = self.sources.len();
                        self.sources.push(batch);
                    }
                    None => {
                        self.cursors[run] = None;
                        continue;
                    }
                }
            }
            let cursor = self.cursors[run].as_ref().expect("still open");
            self.heap
                .push(Reverse((cursor.keys.value(cursor.row), run)));
        }
        if picks.is_empty() {
            return Ok(None);
        }
        let sources: Vec<&RecordBatch> = self.sources.iter().collect();
        let batch = interleave_batches(&self.schema, &sources, &picks)?;
        // Keep only the batches the cursors still read from.
        let mut kept = Vec::new();
        for cursor in self.cursors.iter_mut().flatten() {
            kept.push(self.sources[cursor.slot].clone());
            cursor.slot = kept.len() - 1;
        }
        self.sources = kept;
        Ok(Some((batch, Int64Array::from(keys))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int64Array, StringArray};

    fn batches(keys: &[i64], per_batch: usize) -> (SchemaRef, Vec<(RecordBatch, Vec<i64>)>) {
        let schema = Arc::new(Schema::new(vec![
            Field::new("seq", DataType::Int64, false),
            Field::new("label", DataType::Utf8, true),
        ]));
        let out = keys
            .chunks(per_batch)
            .enumerate()
            .map(|(c, chunk)| {
                let seq: Vec<i64> = (0..chunk.len())
                    .map(|i| (c * per_batch + i) as i64)
                    .collect();
                let label: Vec<Option<String>> = seq
                    .iter()
                    .map(|s| {
                        (s % 7 != 0).then(|| format!("row {s} {}", "x".repeat((*s % 13) as usize)))
                    })
                    .collect();
                let batch = RecordBatch::try_new(
                    schema.clone(),
                    vec![
                        Arc::new(Int64Array::from(seq)),
                        Arc::new(StringArray::from(label)),
                    ],
                )
                .unwrap();
                (batch, chunk.to_vec())
            })
            .collect();
        (schema, out)
    }

    fn sorted_seq(keys: &[i64], budget: usize, parent: &Path) -> (Vec<i64>, usize, bool) {
        let (schema, input) = batches(keys, 1000);
        let mut sorter = SkySorter::new(schema, budget, parent);
        for (b, k) in input {
            sorter.push(b, k).unwrap();
        }
        let runs = sorter.runs();
        let sorted = sorter.finish().unwrap();
        let spilled = sorted.spilled();
        let mut seq = Vec::new();
        for batch in sorted {
            let batch = batch.unwrap();
            assert!(batch.num_rows() <= OUTPUT_ROWS);
            seq.extend(
                batch
                    .column(0)
                    .as_primitive::<Int64Type>()
                    .values()
                    .iter()
                    .copied(),
            );
        }
        (seq, runs, spilled)
    }

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("adql-sky-sort-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn every_budget_gives_the_stable_order() {
        // Few distinct keys: many ties, whose input order must survive.
        let mut state = 12345u64;
        let keys: Vec<i64> = (0..150_000)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 33) % 5000) as i64
            })
            .collect();
        let mut expected: Vec<(i64, i64)> = keys
            .iter()
            .enumerate()
            .map(|(i, &k)| (k, i as i64))
            .collect();
        expected.sort();
        let expected: Vec<i64> = expected.into_iter().map(|e| e.1).collect();
        let dir = temp("budgets");
        for budget in [usize::MAX / 2, 4 << 20, 200_000, 20_000] {
            let (seq, runs, spilled) = sorted_seq(&keys, budget, &dir);
            assert_eq!(seq, expected, "budget {budget}");
            assert_eq!(spilled, runs > 0);
            if budget == 20_000 {
                assert!(
                    runs > MAX_FAN_IN,
                    "the smallest budget merges in passes ({runs} runs)"
                );
            }
        }
        // Every run directory is gone.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_dropped_sorter_leaves_nothing() {
        let dir = temp("dropped");
        let keys: Vec<i64> = (0..20_000).rev().collect();
        let (schema, input) = batches(&keys, 1000);
        let mut sorter = SkySorter::new(schema, 50_000, &dir);
        for (b, k) in input {
            sorter.push(b, k).unwrap();
        }
        assert!(sorter.runs() > 1);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        drop(sorter);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        // And a result dropped half-read.
        let (schema, input) = batches(&keys, 1000);
        let mut sorter = SkySorter::new(schema, 50_000, &dir);
        for (b, k) in input {
            sorter.push(b, k).unwrap();
        }
        let mut sorted = sorter.finish().unwrap();
        let first = sorted.next().unwrap().unwrap();
        assert_eq!(first.column(0).as_primitive::<Int64Type>().value(0), 19_999);
        drop(sorted);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn pipelined_passes_every_item_in_order_and_stops_at_the_first_error() {
        let mut seen = Vec::new();
        pipelined((0..1000).map(Ok), 2, |i| {
            seen.push(i);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, (0..1000).collect::<Vec<_>>());
        // The producer's error reaches the consumer's side after the items before it.
        let mut seen = Vec::new();
        let produced = (0..10).map(|i| {
            if i == 5 {
                Err(ObscoreError::Cancelled)
            } else {
                Ok(i)
            }
        });
        let e = pipelined(produced, 2, |i| {
            seen.push(i);
            Ok(())
        });
        assert!(matches!(e, Err(ObscoreError::Cancelled)));
        assert_eq!(seen, vec![0, 1, 2, 3, 4]);
        // The consumer's error stops the producer: it does not run to its end.
        let made = std::sync::atomic::AtomicUsize::new(0);
        let produced = (0..1_000_000).map(|i| {
            made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(i)
        });
        let e = pipelined(produced, 2, |i| {
            if i == 3 {
                Err(ObscoreError::Cancelled)
            } else {
                Ok(())
            }
        });
        assert!(matches!(e, Err(ObscoreError::Cancelled)));
        assert!(made.load(std::sync::atomic::Ordering::Relaxed) < 100);
    }

    #[test]
    fn nothing_in_nothing_out() {
        let dir = temp("empty");
        let (schema, _) = batches(&[], 1);
        let sorted = SkySorter::new(schema, 1000, &dir).finish().unwrap();
        assert_eq!(sorted.rows(), 0);
        assert_eq!(sorted.count(), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
