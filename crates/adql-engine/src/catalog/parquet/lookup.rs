//! Key lookups: the rows whose string key equals one value, found without a
//! scan. A snapshot file has an index of its dataset IDs beside it
//! (`obscore::id_index`): a lookup by `obs_publisher_did` reads its bucket
//! and then, through the page index, only the pages holding those rows (the
//! key is compared, so hash collisions drop out). Other keyed columns, and
//! files without the index, use the bloom filter of each row group's keyed
//! columns (`obscore::snapshot::KEYED_COLUMNS`): read once, then kept, they
//! and min/max rule row groups out, and in the others the key is decoded
//! first and the other columns only where it matches. A file with neither is
//! read whole: slower, still correct.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use arrow::array::{Array, RecordBatch, Scalar, StringArray};
use arrow::datatypes::SchemaRef;
use datafusion::common::{DataFusionError, Result as DfResult};
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::parquet::metadata::DFParquetMetadata;
use datafusion::datasource::physical_plan::parquet::{
    DefaultParquetFileReaderFactory, ParquetFileReaderFactory,
};
use datafusion::datasource::TableProvider;
use datafusion::execution::cache::cache_manager::FileMetadataCache;
use datafusion::object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};
use datafusion::physical_plan::metrics::ExecutionPlanMetricsSet;
use futures::TryStreamExt;
use obscore::id_index::IdIndex;
use parquet::arrow::arrow_reader::{
    ArrowPredicateFn, ArrowReaderMetadata, ArrowReaderOptions, RowFilter, RowSelection, RowSelector,
};
use parquet::arrow::async_reader::AsyncFileReader;
use parquet::arrow::{ParquetRecordBatchStreamBuilder, ProjectionMask};
use parquet::bloom_filter::Sbbf;
use parquet::file::metadata::{PageIndexPolicy, ParquetMetaData};
use parquet::file::statistics::Statistics as ParquetStatistics;

use super::ParquetTable;

/// One file of a table, with what lookups keep of it.
pub(super) struct TableFile {
    path: String,
    store: Arc<dyn ObjectStore>,
    /// Its path in `store`.
    location: datafusion::object_store::path::Path,
    /// The session's footer cache, which the scans read footers through too.
    footers: Arc<FileMetadataCache>,
    /// Its size and footer (without the page index): read when the table is
    /// opened, or, for a table whose files are known from its metadata, on
    /// first use.
    opened: tokio::sync::OnceCell<OpenedFile>,
    /// The footer with the page index, read on the first lookup.
    indexed: tokio::sync::OnceCell<Arc<ParquetMetaData>>,
    /// Leaf column → its row groups' bloom filters (`None` where a row group
    /// has none), read on the first lookup by that column.
    blooms: Mutex<HashMap<usize, Arc<Vec<Option<Sbbf>>>>>,
    /// The dataset-ID index beside the file, if there is one (read once).
    ids: tokio::sync::OnceCell<Option<IdIndex>>,
}

/// A file's object metadata and footer.
pub(super) struct OpenedFile {
    pub(super) object: ObjectMeta,
    pub(super) footer: Arc<ParquetMetaData>,
}

impl std::fmt::Debug for TableFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableFile")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl TableFile {
    /// The file at `path`, `location` in `store`; its footer is read (through
    /// `footers`) by [`TableFile::opened`].
    pub(super) fn new(
        path: String,
        store: Arc<dyn ObjectStore>,
        location: datafusion::object_store::path::Path,
        footers: Arc<FileMetadataCache>,
    ) -> TableFile {
        TableFile {
            path,
            store,
            location,
            footers,
            opened: tokio::sync::OnceCell::new(),
            indexed: tokio::sync::OnceCell::new(),
            blooms: Mutex::new(HashMap::new()),
            ids: tokio::sync::OnceCell::new(),
        }
    }

    /// Its path or URL.
    pub(super) fn location(&self) -> &str {
        &self.path
    }

    /// Its size and footer, read once (errors name the file).
    pub(super) async fn opened(&self) -> DfResult<&OpenedFile> {
        self.opened
            .get_or_try_init(|| async {
                let object = self.store.head(&self.location).await?;
                let footer = DFParquetMetadata::new(self.store.as_ref(), &object)
                    .with_file_metadata_cache(Some(Arc::clone(&self.footers)))
                    .with_page_index_policy(Some(PageIndexPolicy::Skip))
                    .fetch_metadata()
                    .await?;
                DfResult::Ok(OpenedFile { object, footer })
            })
            .await
            .map_err(|e: DataFusionError| e.context(self.path.clone()))
    }

    /// Where the ID index would be: beside the file, extension `.ids`.
    fn index_location(&self) -> datafusion::object_store::path::Path {
        let here = std::path::Path::new(self.location.as_ref());
        datafusion::object_store::path::Path::from(
            here.with_extension(obscore::id_index::EXTENSION)
                .to_string_lossy()
                .as_ref(),
        )
    }

    /// The ID index's header; `None` without one (older snapshots, other
    /// Parquet files) or if it is unreadable (lookups then use the bloom filters).
    async fn id_index(&self) -> Option<&IdIndex> {
        self.ids
            .get_or_init(|| async {
                let header = obscore::id_index::header_len() as u64;
                let bytes = self
                    .store
                    .get_range(&self.index_location(), 0..header)
                    .await
                    .ok()?;
                IdIndex::from_header(&bytes)
            })
            .await
            .as_ref()
    }

    /// The rows (in the file) the ID index files under `value`'s hash, by
    /// row group: (row group, offsets within it), sorted. `None` without an index.
    async fn indexed_rows(&self, value: &str) -> DfResult<Option<Vec<(usize, Vec<u64>)>>> {
        let Some(index) = self.id_index().await else {
            return Ok(None);
        };
        let range = index.bucket_range(value);
        let bytes = if range.is_empty() {
            Default::default()
        } else {
            self.store
                .get_range(&self.index_location(), range)
                .await
                .map_err(|e| DataFusionError::External(Box::new(e)))?
        };
        let mut rows = IdIndex::rows(value, &bytes);
        rows.sort_unstable();
        let mut out: Vec<(usize, Vec<u64>)> = Vec::new();
        let mut start = 0u64;
        let mut rows = rows.into_iter().peekable();
        for (group, meta) in self.opened().await?.footer.row_groups().iter().enumerate() {
            let end = start + meta.num_rows() as u64;
            let mut here = Vec::new();
            while let Some(row) = rows.next_if(|r| *r < end) {
                here.push(row - start);
            }
            if !here.is_empty() {
                out.push((group, here));
            }
            start = end;
        }
        Ok(Some(out))
    }

    /// The leaf column `key` is (the tables are flat).
    async fn leaf(&self, key: &str) -> DfResult<usize> {
        let descriptor = self.opened().await?.footer.file_metadata().schema_descr();
        descriptor
            .columns()
            .iter()
            .position(|c| c.name() == key)
            .ok_or_else(|| DataFusionError::Plan(format!("no column {key}")))
    }

    /// A reader of the file through its object store (ranged reads).
    pub(super) async fn reader(&self) -> DfResult<Box<dyn AsyncFileReader>> {
        let object = self.opened().await?.object.clone();
        let reader = DefaultParquetFileReaderFactory::new(Arc::clone(&self.store)).create_reader(
            0,
            PartitionedFile::from(object),
            None,
            &ExecutionPlanMetricsSet::new(),
        )?;
        Ok(reader)
    }

    async fn bloom_filters(&self, leaf: usize) -> DfResult<Arc<Vec<Option<Sbbf>>>> {
        if let Some(known) = self.blooms.lock().expect("not poisoned").get(&leaf) {
            return Ok(Arc::clone(known));
        }
        let footer = &self.opened().await?.footer;
        let metadata = ArrowReaderMetadata::try_new(
            Arc::clone(footer),
            ArrowReaderOptions::new().with_page_index_policy(PageIndexPolicy::Skip),
        )?;
        let mut builder =
            ParquetRecordBatchStreamBuilder::new_with_metadata(self.reader().await?, metadata);
        let mut filters = Vec::with_capacity(footer.num_row_groups());
        for row_group in 0..footer.num_row_groups() {
            filters.push(
                builder
                    .get_row_group_column_bloom_filter(row_group, leaf)
                    .await?,
            );
        }
        let filters = Arc::new(filters);
        self.blooms
            .lock()
            .expect("not poisoned")
            .insert(leaf, Arc::clone(&filters));
        Ok(filters)
    }

    /// The row groups that may hold `value` in the leaf column `leaf`.
    async fn candidates(&self, leaf: usize, value: &str) -> DfResult<Vec<usize>> {
        let blooms = self.bloom_filters(leaf).await?;
        let bytes = value.as_bytes();
        let mut out = Vec::new();
        for (index, row_group) in self.opened().await?.footer.row_groups().iter().enumerate() {
            // Min/max (possibly truncated, still bounds) rule out sorted keys.
            if let Some(ParquetStatistics::ByteArray(s)) = row_group.column(leaf).statistics() {
                let below = s.min_opt().is_some_and(|min| bytes < min.data());
                let above = s.max_opt().is_some_and(|max| bytes > max.data());
                if below || above {
                    continue;
                }
            }
            if let Some(Some(bloom)) = blooms.get(index) {
                if !bloom.check(bytes) {
                    continue;
                }
            }
            out.push(index);
        }
        Ok(out)
    }

    /// Rows of this file whose `key` is `value`, with `columns`, read with
    /// the table's `schema` (string columns as the table types them).
    async fn find_equal(
        &self,
        schema: &SchemaRef,
        key: &str,
        value: &str,
        columns: &[&str],
    ) -> DfResult<Vec<RecordBatch>> {
        let opened = self.opened().await?;
        let descriptor = opened.footer.file_metadata().schema_descr();
        let leaf = self.leaf(key).await?;
        let roots = |names: &[&str]| -> DfResult<Vec<usize>> {
            let fields = descriptor.root_schema().get_fields();
            names
                .iter()
                .map(|name| {
                    fields
                        .iter()
                        .position(|f| f.name() == *name)
                        .ok_or_else(|| DataFusionError::Plan(format!("no column {name}")))
                })
                .collect()
        };
        let key_root = roots(&[key])?;
        let mut wanted = roots(columns)?;
        wanted.extend(&key_root);
        // The ID index names the rows; else the bloom filters the row groups.
        let indexed = if key == obscore::snapshot::KEYED_COLUMNS[0] {
            self.indexed_rows(value).await?
        } else {
            None
        };
        let (row_groups, selection) = match &indexed {
            Some(found) => {
                let mut selectors = Vec::new();
                for (group, offsets) in found {
                    let rows = opened.footer.row_group(*group).num_rows() as usize;
                    let mut at = 0;
                    for &offset in offsets {
                        let offset = offset as usize;
                        selectors.push(RowSelector::skip(offset - at));
                        selectors.push(RowSelector::select(1));
                        at = offset + 1;
                    }
                    selectors.push(RowSelector::skip(rows - at));
                }
                let groups = found.iter().map(|(g, _)| *g).collect();
                (groups, Some(RowSelection::from(selectors)))
            }
            None => (self.candidates(leaf, value).await?, None),
        };
        if row_groups.is_empty() {
            return Ok(Vec::new());
        }
        let indexed = self
            .indexed
            .get_or_try_init(|| async {
                DFParquetMetadata::new(self.store.as_ref(), &opened.object)
                    .with_page_index_policy(Some(PageIndexPolicy::Optional))
                    .fetch_metadata()
                    .await
            })
            .await?;
        let metadata = ArrowReaderMetadata::try_new(
            Arc::clone(indexed),
            ArrowReaderOptions::new().with_schema(Arc::clone(schema)),
        )?;
        let builder =
            ParquetRecordBatchStreamBuilder::new_with_metadata(self.reader().await?, metadata);
        let key_mask = ProjectionMask::roots(builder.parquet_schema(), key_root);
        let mask = ProjectionMask::roots(builder.parquet_schema(), wanted);
        let target = value.to_string();
        let predicate = ArrowPredicateFn::new(key_mask, move |batch: RecordBatch| {
            let keys = batch.column(0);
            let wanted =
                arrow::compute::cast(&StringArray::from(vec![target.as_str()]), keys.data_type())?;
            arrow::compute::kernels::cmp::eq(keys, &Scalar::new(wanted))
        });
        let mut builder = builder
            .with_row_groups(row_groups)
            .with_projection(mask)
            .with_row_filter(RowFilter::new(vec![Box::new(predicate)]));
        if let Some(selection) = selection {
            builder = builder.with_row_selection(selection);
        }
        let stream = builder.build()?;
        let batches: Vec<RecordBatch> = stream.try_collect().await?;
        let mut out = Vec::with_capacity(batches.len());
        for batch in batches.into_iter().filter(|b| b.num_rows() > 0) {
            let order = columns
                .iter()
                .map(|name| batch.schema().index_of(name))
                .collect::<Result<Vec<_>, _>>()?;
            out.push(batch.project(&order)?);
        }
        Ok(out)
    }
}

impl ParquetTable {
    /// How many row groups a lookup of `value` in `key` reads, of how many:
    /// what the bloom filters and min/max leave (for EXPLAIN-like reports and tests).
    pub async fn lookup_row_groups(&self, key: &str, value: &str) -> DfResult<(usize, usize)> {
        let (mut read, mut total) = (0, 0);
        for file in &self.files {
            let leaf = file.leaf(key).await?;
            read += match file.indexed_rows(value).await? {
                Some(found) if key == obscore::snapshot::KEYED_COLUMNS[0] => found.len(),
                _ => file.candidates(leaf, value).await?.len(),
            };
            total += file.opened().await?.footer.num_row_groups();
        }
        Ok((read, total))
    }

    /// The rows whose string column `key` equals `value`, with `columns` (in
    /// that order): a key lookup that reads only the row groups whose bloom
    /// filter admits `value` (see the module's note).
    pub async fn find_equal(
        &self,
        key: &str,
        value: &str,
        columns: &[&str],
    ) -> DfResult<Vec<RecordBatch>> {
        let schema = self.eager.schema();
        let mut out = Vec::new();
        for file in &self.files {
            let rows = file
                .find_equal(&schema, key, value, columns)
                .await
                .map_err(|e| e.context(file.path.clone()))?;
            out.extend(rows);
        }
        Ok(out)
    }
}
