//! The catalogue: the tables a query can name (`ivoa.ObsCore` from a snapshot,
//! other snapshots or Parquet files, and TAP_SCHEMA), resolved as ADQL says:
//! regular identifiers case-insensitively, delimited ones exactly.

pub mod hats;
mod parquet;

use std::sync::Arc;

use adql_syntax::ast::ObjectName;
use datafusion::datasource::{MemTable, TableProvider};
use datafusion::prelude::SessionContext;
use obscore::snapshot::{Snapshot, TableMeta};

pub use self::parquet::{
    for_cluster, is_small_positional, late_scans, part_scans, FileFacts, LateReason, ParquetTable,
    PartScan, RowGroupStats, SkyKey, SAMPLED_SELECTIVITY, SMALL_REGION_SQ_DEG,
};
use crate::error::{EngineError, Result};

/// A table a query can use.
#[derive(Debug, Clone)]
pub struct TableEntry {
    /// Its published description and public columns.
    pub meta: TableMeta,
    /// The data.
    pub provider: Arc<dyn TableProvider>,
}

impl TableEntry {
    /// Row-group statistics, for a table read from Parquet (none in memory).
    pub fn stats(&self) -> Option<&Arc<RowGroupStats>> {
        ParquetTable::of(self.provider.as_ref()).map(ParquetTable::stats)
    }

    /// The sky key its rows are sorted on, if any.
    pub fn sky_key(&self) -> Option<&SkyKey> {
        ParquetTable::of(self.provider.as_ref()).and_then(ParquetTable::sky_key)
    }
}

/// What a snapshot's sidecar records of each of its parts, as [`FileFacts`],
/// when it has several parts in sky order and records all that the planner
/// and file pruning use: the `_healpix` range, the positions' bounds, and,
/// for a table with `s_region`, its bounds and largest reach. `None` (read
/// every footer) otherwise — one part, whose footer a query reads anyway, or
/// a sidecar written before the reach was recorded.
fn part_facts(snapshot: &Snapshot) -> Option<Vec<FileFacts>> {
    let manifest = &snapshot.manifest;
    let (ra, dec) = manifest.table.position_columns()?;
    if !manifest.sky_sorted
        || manifest.parts.len() < 2
        || manifest.parts.len() != manifest.files.len()
    {
        return None;
    }
    let has_regions = manifest.table.columns.iter().any(|c| c.name == "s_region");
    let [healpix, ra_lo, ra_hi, dec_min, dec_max, reach] = obscore::snapshot::HIDDEN_COLUMNS;
    let mut out = Vec::with_capacity(manifest.parts.len());
    for part in &manifest.parts {
        let mut ranges = Vec::new();
        if let Some([lo, hi]) = part.healpix {
            ranges.push((healpix.to_string(), (lo as f64, hi as f64)));
        }
        if let Some(c) = part.coverage {
            ranges.push((ra.to_string(), (c.ra_min, c.ra_max)));
            ranges.push((dec.to_string(), (c.dec_min, c.dec_max)));
        }
        if has_regions {
            // The part's bounds hold every row's lower and upper bound alike.
            if let Some([lo, hi]) = part.region_dec {
                ranges.push((dec_min.to_string(), (lo, hi)));
                ranges.push((dec_max.to_string(), (lo, hi)));
            }
            if let Some([lo, hi]) = part.region_ra {
                ranges.push((ra_lo.to_string(), (lo, hi)));
                ranges.push((ra_hi.to_string(), (lo, hi)));
            }
            match (part.region_reach, part.region_dec) {
                (Some(largest), _) => ranges.push((reach.to_string(), (0.0, largest))),
                // Regions, but their reach unrecorded: an older sidecar.
                (None, Some(_)) => return None,
                (None, None) => {}
            }
        }
        out.push(FileFacts {
            rows: part.rows,
            ranges,
        });
    }
    Some(out)
}

/// The tables known to a session.
#[derive(Debug, Default, Clone)]
pub struct Catalogue {
    tables: Vec<TableEntry>,
}

impl Catalogue {
    /// Registers a snapshot's table.
    pub async fn add_snapshot(&mut self, ctx: &SessionContext, snapshot: &Snapshot) -> Result<()> {
        let files = snapshot.files();
        let opened = match part_facts(snapshot) {
            Some(facts) => ParquetTable::open_lazily(ctx, &files, facts).await,
            None => ParquetTable::open(ctx, &files).await,
        };
        let table = opened
            .map_err(|e| e.context(format!("reading the snapshot {}", snapshot.location)))?
            .with_sky_key(
                snapshot
                    .manifest
                    .table
                    .position_columns()
                    .filter(|_| snapshot.manifest.sky_sorted)
                    .map(|(ra, dec)| SkyKey::snapshot(ra, dec)),
            )
            .with_convex_regions({
                let parts = &snapshot.manifest.parts;
                !parts.is_empty()
                    && parts.len() == files.len()
                    && parts.iter().all(|p| p.convex_regions)
            });
        self.register(TableEntry {
            meta: snapshot.manifest.table.clone(),
            provider: Arc::new(table),
        });
        Ok(())
    }

    /// Registers `location` — a snapshot (directory, or object-store prefix)
    /// or a Parquet file (path or URL) — as `schema.name`.
    pub async fn add_table(
        &mut self,
        ctx: &SessionContext,
        qualified: &str,
        location: &str,
    ) -> Result<()> {
        let (schema, name) = qualified.split_once('.').ok_or_else(|| {
            EngineError::at(
                "bad-table-name",
                format!("--table takes SCHEMA.NAME=PATH, got `{qualified}`"),
                adql_syntax::Span::default(),
            )
        })?;
        let is_url = crate::storage::is_url(location);
        if !is_url && hats::is_hats(std::path::Path::new(location)) {
            if let Some(catalogue) = hats::HatsCatalogue::open(location).await? {
                return self.add_hats(ctx, schema, name, catalogue).await;
            }
        }
        let is_snapshot = if is_url {
            !location.to_ascii_lowercase().ends_with(".parquet")
        } else {
            std::path::Path::new(location).is_dir()
        };
        if is_snapshot {
            let mut snapshot = match crate::storage::open_snapshot(location).await {
                Ok(snapshot) => snapshot,
                // A prefix in a store without a snapshot's sidecar may hold a
                // HATS catalogue (its properties are asked only then).
                Err(e) if is_url => match hats::HatsCatalogue::open(location).await? {
                    Some(catalogue) => return self.add_hats(ctx, schema, name, catalogue).await,
                    None => {
                        return Err(match e {
                            EngineError::Storage { location, message } => EngineError::Storage {
                                location,
                                message: format!("{message} (neither a snapshot's snapshot.json nor a HATS catalogue's hats.properties is there)"),
                            },
                            other => other,
                        })
                    }
                },
                Err(e) => return Err(e),
            };
            snapshot.manifest.table.schema = schema.into();
            snapshot.manifest.table.name = name.into();
            return self.add_snapshot(ctx, &snapshot).await;
        }
        let table = ParquetTable::open(ctx, &[location.to_string()])
            .await
            .map_err(|e| e.context(format!("reading the table {qualified}")))?;
        let provider: Arc<dyn TableProvider> = Arc::new(table);
        let mut columns = Vec::new();
        for field in provider.schema().fields() {
            let Some(column_type) = obscore::model::ColumnType::from_arrow(field.data_type())
            else {
                continue;
            };
            columns.push(obscore::model::ColumnDef::plain(
                field.name().clone(),
                column_type,
            ));
        }
        let meta = TableMeta {
            schema: schema.into(),
            name: name.into(),
            description: location.to_string(),
            columns,
            position: None,
        };
        self.register(TableEntry { meta, provider });
        Ok(())
    }

    /// Registers a HATS catalogue (local or in a store) as `schema.name`: its
    /// partitions are the table's files, its `_healpix_29` column (hidden) the
    /// sky key that positional filters and joins prune partitions and row
    /// groups on.
    pub async fn add_hats(
        &mut self,
        ctx: &SessionContext,
        schema: &str,
        name: &str,
        catalogue: hats::HatsCatalogue,
    ) -> Result<()> {
        let dir = catalogue.location();
        let files = catalogue.files().await?;
        let table = ParquetTable::open(ctx, &files)
            .await
            .map_err(|e| e.context(format!("reading the HATS catalogue {dir}")))?
            .with_sky_key(Some(catalogue.key.clone()));
        let provider: Arc<dyn TableProvider> = Arc::new(table);
        let key = &catalogue.key;
        for position in [&key.ra, &key.dec] {
            if provider.schema().field_with_name(position).is_err() {
                return Err(EngineError::Storage {
                    location: dir.clone(),
                    message: format!("its properties name the position column `{position}`, which its partitions lack"),
                });
            }
        }
        let mut columns = Vec::new();
        for field in provider.schema().fields() {
            // The key is hidden, as a snapshot's `_healpix` is; HATS before
            // 0.5 also stored the partition's Norder/Dir/Npix in its rows.
            if *field.name() == key.column
                || ["Norder", "Dir", "Npix"].contains(&field.name().as_str())
            {
                continue;
            }
            if obscore::model::ColumnType::from_arrow(field.data_type()).is_none() {
                continue;
            }
            let mut column = obscore::model::ColumnDef::from_arrow(field);
            if column.name == key.ra || column.name == key.dec {
                column.indexed = true;
                column.principal = true;
            }
            columns.push(column);
        }
        let meta = TableMeta {
            schema: schema.into(),
            name: name.into(),
            description: format!(
                "HATS catalogue {}({} partitions) at {dir}{}",
                catalogue
                    .name()
                    .map(|c| format!("{c} "))
                    .unwrap_or_default(),
                catalogue.partitions.len(),
                match &catalogue.collection {
                    Some((collection, _)) =>
                        format!(", the primary catalogue of the collection {collection}"),
                    None => String::new(),
                }
            ),
            columns,
            position: Some(obscore::snapshot::Position {
                ra: key.ra.clone(),
                dec: key.dec.clone(),
            }),
        };
        self.register(TableEntry { meta, provider });
        Ok(())
    }

    /// Registers Parquet files that are not a snapshot (an ObsCore table another
    /// tool exported) as `ivoa.ObsCore`: each column known to the ObsCore model
    /// by name gets its metadata, the others are plain. Returns what the user
    /// should know: no sky order (so no spatial pruning), missing mandatory
    /// columns.
    pub async fn add_obscore_files(
        &mut self,
        ctx: &SessionContext,
        files: &[String],
    ) -> Result<Vec<String>> {
        let table = ParquetTable::open(ctx, files)
            .await
            .map_err(|e| e.context("reading the ObsCore Parquet files".to_string()))?;
        let provider: Arc<dyn TableProvider> = Arc::new(table);
        let model = obscore::model::dp02_columns();
        let mut columns = Vec::new();
        for field in provider.schema().fields() {
            let Some(column_type) = obscore::model::ColumnType::from_arrow(field.data_type())
            else {
                continue;
            };
            match model.iter().find(|c| c.name == *field.name()) {
                // The model's metadata; the file's type (a file may hold
                // calib_level as a long).
                Some(known) => columns.push(obscore::model::ColumnDef {
                    column_type,
                    ..known.clone()
                }),
                None => columns.push(obscore::model::ColumnDef::plain(
                    field.name().clone(),
                    column_type,
                )),
            }
        }
        let mut notes = vec![format!(
            "{} is not a snapshot: read as ivoa.ObsCore without sky order, so spatial pruning is off; `adql ingest --obscore` makes a snapshot that answers positional queries fast",
            files.first().cloned().unwrap_or_default()
        )];
        let missing: Vec<&str> = obscore::model::MANDATORY
            .iter()
            .copied()
            .filter(|m| !columns.iter().any(|c| c.name == *m))
            .collect();
        if !missing.is_empty() {
            notes.push(format!(
                "the file lacks ObsCore 1.1 mandatory columns: {}",
                missing.join(", ")
            ));
        }
        self.register(TableEntry {
            meta: TableMeta {
                schema: "ivoa".into(),
                name: "ObsCore".into(),
                description: "ObsCore 1.1 (from Parquet files that are not a snapshot)".into(),
                columns,
                position: None,
            },
            provider,
        });
        Ok(notes)
    }

    /// Registers an in-memory table (TAP_SCHEMA).
    pub fn add_memory(&mut self, meta: TableMeta, batch: arrow::array::RecordBatch) -> Result<()> {
        let provider = MemTable::try_new(batch.schema(), vec![vec![batch]])?;
        self.tables.push(TableEntry {
            meta,
            provider: Arc::new(provider),
        });
        Ok(())
    }

    /// Adds `entry`; a table registered earlier under the same `schema.name`
    /// (compared as ADQL compares regular identifiers) is replaced, so that one
    /// name never means two tables (`--table ivoa.ObsCore=FILE` beside the
    /// default snapshot: the file is ivoa.ObsCore).
    fn register(&mut self, entry: TableEntry) {
        let name = entry.meta.qualified_name();
        self.tables
            .retain(|t| !t.meta.qualified_name().eq_ignore_ascii_case(&name));
        self.tables.push(entry);
    }

    /// Whether a table named `schema.name` is registered.
    pub fn has_table(&self, qualified: &str) -> bool {
        self.tables
            .iter()
            .any(|t| t.meta.qualified_name().eq_ignore_ascii_case(qualified))
    }

    /// Registers a request's uploaded table as `TAP_UPLOAD.name`, its rows
    /// in batches enough for every core.
    pub fn add_upload(&mut self, upload: &crate::UploadTable) -> Result<()> {
        let provider = MemTable::try_new(upload.schema.clone(), upload_partitions(upload))?;
        let columns = upload
            .schema
            .fields()
            .iter()
            .map(|f| obscore::model::ColumnDef::from_arrow(f))
            .collect();
        self.tables.push(TableEntry {
            meta: TableMeta {
                schema: "TAP_UPLOAD".into(),
                name: upload.name.clone(),
                description: "a table uploaded with the query".into(),
                columns,
                position: None,
            },
            provider: Arc::new(provider),
        });
        Ok(())
    }

    /// Adds TAP_SCHEMA describing the tables registered so far.
    pub fn add_tap_schema(&mut self) -> Result<()> {
        let metas: Vec<TableMeta> = self.tables.iter().map(|t| t.meta.clone()).collect();
        for (meta, batch) in obscore::tap_schema::tap_schema(&metas, &[])? {
            self.add_memory(meta, batch)?;
        }
        Ok(())
    }

    /// The registered tables.
    pub fn tables(&self) -> &[TableEntry] {
        &self.tables
    }

    /// Finds the table `name` (`table` or `schema.table`).
    pub fn resolve(&self, name: &ObjectName) -> Result<&TableEntry> {
        let parts = &name.parts;
        let matches: Vec<&TableEntry> = self
            .tables
            .iter()
            .filter(|t| match parts.as_slice() {
                [table] => table.matches(&t.meta.name),
                [schema, table] => schema.matches(&t.meta.schema) && table.matches(&t.meta.name),
                _ => false,
            })
            .collect();
        match matches.as_slice() {
            [one] => Ok(one),
            [] => {
                let known: Vec<String> = self
                    .tables
                    .iter()
                    .map(|t| t.meta.qualified_name())
                    .collect();
                let wanted = parts
                    .iter()
                    .map(|p| p.value.as_str())
                    .collect::<Vec<_>>()
                    .join(".");
                let mut diag = adql_syntax::Diagnostic::error(
                    "unknown-table",
                    format!("no table named {wanted}"),
                    name.span,
                )
                .with_note(format!("the tables are {}", known.join(", ")));
                if let Some(s) =
                    adql_syntax::functions::closest(&wanted, known.iter().map(String::as_str))
                {
                    diag = diag.with_fix(format!("did you mean {s}?"), name.span, s);
                }
                Err(EngineError::Query(vec![diag]))
            }
            _ => Err(EngineError::at(
                "ambiguous-table",
                "this name matches several tables: qualify it with its schema",
                name.span,
            )),
        }
    }
}

/// The checker learns column types from the catalogue: a column's kind is its
/// type's (an `adql:REGION`/`point`/`circle`/`polygon` xtype makes a string a
/// geometry, `timestamp` a timestamp), when every table in scope that has the
/// column agrees; otherwise (not found, ambiguous) it is unknown.
impl adql_syntax::ColumnTypes for Catalogue {
    fn column_kind(
        &self,
        tables: &[adql_syntax::TableInScope<'_>],
        column: &ObjectName,
    ) -> adql_syntax::functions::ValueKind {
        use adql_syntax::functions::ValueKind;
        let Some((name, qualifier)) = column.parts.split_last() else {
            return ValueKind::Unknown;
        };
        let mut found = None;
        for table in tables {
            if let Some(q) = qualifier.last() {
                let named = match table.alias {
                    Some(alias) => q.matches(&alias.value) || alias.matches(&q.value),
                    None => table.name.parts.last().is_some_and(|t| q.matches(&t.value)),
                };
                if !named {
                    continue;
                }
            }
            let Ok(entry) = self.resolve(table.name) else {
                continue;
            };
            for c in entry.meta.columns.iter().filter(|c| name.matches(&c.name)) {
                let kind = column_kind(c);
                match found {
                    None => found = Some(kind),
                    Some(k) if k == kind => {}
                    Some(_) => return ValueKind::Unknown,
                }
            }
        }
        found.unwrap_or(ValueKind::Unknown)
    }
}

fn column_kind(c: &obscore::model::ColumnDef) -> adql_syntax::functions::ValueKind {
    use adql_syntax::functions::ValueKind;
    use obscore::model::ColumnType;
    let xtype = c.xtype.as_deref().unwrap_or("").to_ascii_lowercase();
    match c.column_type {
        ColumnType::Text => match xtype.trim_start_matches("adql:") {
            "region" | "point" | "circle" | "polygon" | "shape" | "moc" => ValueKind::Geometry,
            "timestamp" => ValueKind::Timestamp,
            _ => ValueKind::String,
        },
        ColumnType::Long | ColumnType::Int | ColumnType::Double | ColumnType::Boolean => {
            ValueKind::Numeric
        }
    }
}

/// An upload's rows in one partition, in at least as many batches as the
/// machine has cores (slices: no copy). Read as one batch, whatever is
/// computed per row of it (a spatial join's cells of 10,000 targets: 0.17 s)
/// would run on one core; in several, DataFusion deals them out to all
/// (round robin), while a plain read keeps the upload's order.
fn upload_partitions(upload: &crate::UploadTable) -> Vec<Vec<arrow::array::RecordBatch>> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let rows: usize = upload.batches.iter().map(|b| b.num_rows()).sum();
    let most = rows.div_ceil(cores).max(1);
    let mut batches = Vec::new();
    for batch in &upload.batches {
        let mut start = 0;
        while start < batch.num_rows() {
            let length = most.min(batch.num_rows() - start);
            batches.push(batch.slice(start, length));
            start += length;
        }
    }
    vec![batches]
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int64Array, RecordBatch};
    use arrow::datatypes::{DataType, Field, Schema};

    fn upload(sizes: &[i64]) -> crate::UploadTable {
        let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, false)]));
        let mut next = 0;
        let batches = sizes
            .iter()
            .map(|&n| {
                let ids = Int64Array::from_iter_values(next..next + n);
                next += n;
                RecordBatch::try_new(schema.clone(), vec![Arc::new(ids)]).unwrap()
            })
            .collect();
        crate::UploadTable {
            name: "t".into(),
            schema,
            batches,
        }
    }

    #[test]
    fn uploads_are_sliced_for_every_core_every_row_once_in_order() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        for sizes in [&[10_000][..], &[3, 0, 7, 1], &[], &[1]] {
            let partitions = upload_partitions(&upload(sizes));
            let total: i64 = sizes.iter().sum();
            assert_eq!(partitions.len(), 1, "{sizes:?}");
            let batches = partitions[0].len();
            assert!(batches >= cores.min(total as usize), "{sizes:?}");
            assert!(partitions[0].iter().all(|b| b.num_rows() > 0), "{sizes:?}");
            let ids: Vec<i64> = partitions
                .iter()
                .flatten()
                .flat_map(|b| {
                    b.column(0)
                        .as_any()
                        .downcast_ref::<Int64Array>()
                        .unwrap()
                        .values()
                        .to_vec()
                })
                .collect();
            assert_eq!(ids, (0..total).collect::<Vec<_>>(), "{sizes:?}");
        }
    }
}
