//! A Parquet file as a table, read one of two ways per scan:
//!
//! - **eagerly**: every projected column is decoded, then the filters run — the
//!   faster way when many rows match;
//! - **late-materialised** (Parquet filter pushdown): the filter columns are
//!   decoded first, and the other columns only for the rows that pass — much
//!   faster when few rows match, and slower when matches are many and scattered
//!   (the reader then spends its time on fragmented row selections).
//!
//! A scan is late-materialised when one of its filters is a positional
//! constraint on a constant region of at most [`SMALL_REGION_SQ_DEG`] — the
//! usual TAP query (a cone, a box, a polygon, a point in `s_region`), which
//! selects a small part of a sky survey — or when its filters, evaluated on one
//! sampled row group (their columns only), keep at most
//! [`SAMPLED_SELECTIVITY`] of its rows. Other scans are read eagerly.
//!
//! The file's row-group statistics are kept too ([`RowGroupStats`]): the planner
//! adds range conditions only where they let the reader skip row groups.

use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use datafusion::catalog::Session;
use datafusion::common::{Constraints, Result as DfResult, ScalarValue, Statistics};
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::datasource::{TableProvider, TableType};
use datafusion::logical_expr::{BinaryExpr, Expr, Operator, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::{ParquetReadOptions, SessionContext};

mod lookup;
mod parts;
mod stats;

use parts::parquet_scans;
pub use parts::{for_cluster, may_match, part_scans, PartScan};
pub use stats::{FileFacts, RowGroupStats};

/// Regions up to this area (1 % of the sky) make a scan late-materialised.
pub const SMALL_REGION_SQ_DEG: f64 = 412.53;

/// Filters keeping at most this fraction of a sampled row group make a scan
/// late-materialised: measured on the full snapshot, late materialisation of
/// a 6 %-selective scattered filter was 1.8× slower, of a one-row match 7–14×
/// faster.
pub const SAMPLED_SELECTIVITY: f64 = 0.01;

/// A Parquet file (or a snapshot's parts) as a table: an eager and a
/// late-materialised reading of the same files, chosen per scan from its
/// filters; the files' row-group statistics; and, per file, the ranges of its
/// columns, so that a scan opens only the files its filters can match
/// (file-level pruning, before the reader prunes row groups).
#[derive(Debug)]
pub struct ParquetTable {
    eager: Arc<ListingTable>,
    late: Arc<ListingTable>,
    /// The two readings' options and the schema, to read a subset of the files.
    options: [ListingOptions; 2],
    schema: SchemaRef,
    urls: Vec<ListingTableUrl>,
    statistics_cache: Option<Arc<datafusion::execution::cache::cache_manager::FileStatisticsCache>>,
    stats: Arc<RowGroupStats>,
    /// Each file's row-group statistics (for file-level pruning).
    file_stats: Vec<RowGroupStats>,
    /// Every file, for key lookups ([`ParquetTable::find_equal`]) and for
    /// sampling the filters' selectivity (the first).
    files: Vec<lookup::TableFile>,
    /// The sky key its rows are sorted on, for a snapshot or a HATS catalogue.
    sky_key: Option<SkyKey>,
    /// True for a snapshot whose every `s_region` is NULL or a convex polygon
    /// with its edge normals in `_region_normals`.
    convex_regions: bool,
}

/// A column holding each row's nested HEALPix index of its position, at a
/// fixed depth: a snapshot's `_healpix` (depth 16), a HATS catalogue's
/// `_healpix_29`. Files and row groups are ranges of it, so that a shape's
/// HEALPix covering, as ranges of the key, prunes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkyKey {
    /// The position's RA column.
    pub ra: String,
    /// The position's Dec column.
    pub dec: String,
    /// The key column.
    pub column: String,
    /// The HEALPix depth of its values.
    pub depth: u8,
}

impl SkyKey {
    /// A snapshot's key: `_healpix` at [`obscore::snapshot::HEALPIX_DEPTH`].
    pub fn snapshot(ra: &str, dec: &str) -> SkyKey {
        SkyKey {
            ra: ra.into(),
            dec: dec.into(),
            column: obscore::snapshot::HIDDEN_COLUMNS[0].into(),
            depth: obscore::snapshot::HEALPIX_DEPTH,
        }
    }
}

/// Why a scan reads late-materialised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LateReason {
    /// A positional constraint on a small constant region.
    Positional,
    /// The filters kept `matched` of `rows` rows of a sampled row group.
    Sampled {
        /// Rows that passed.
        matched: usize,
        /// Rows sampled.
        rows: usize,
    },
}

impl std::fmt::Display for LateReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LateReason::Positional => write!(f, "positional constraint"),
            LateReason::Sampled { matched, rows } => {
                write!(f, "the filters kept {matched} of {rows} sampled rows")
            }
        }
    }
}

impl ParquetTable {
    /// Opens the Parquet files at `locations` (one table; the files share a
    /// schema): local paths, or URLs of an object store (see [`crate::storage`]).
    /// Every footer is read now.
    pub async fn open(ctx: &SessionContext, locations: &[String]) -> DfResult<ParquetTable> {
        Self::open_with(ctx, locations, None).await
    }

    /// Opens the Parquet files at `locations` knowing each one's [`FileFacts`]
    /// (in the same order): only the first file's footer is read now, for the
    /// schema, and the others' when a scan opens them — a table of many parts
    /// opens in the time of one. Files are then pruned on the facts' ranges,
    /// and the planner sees one range per file instead of per row group.
    pub async fn open_lazily(
        ctx: &SessionContext,
        locations: &[String],
        facts: Vec<FileFacts>,
    ) -> DfResult<ParquetTable> {
        if facts.len() != locations.len() {
            return Err(datafusion::error::DataFusionError::Internal(format!(
                "{} files but facts of {}",
                locations.len(),
                facts.len()
            )));
        }
        Self::open_with(ctx, locations, Some(facts)).await
    }

    async fn open_with(
        ctx: &SessionContext,
        locations: &[String],
        facts: Option<Vec<FileFacts>>,
    ) -> DfResult<ParquetTable> {
        if locations.is_empty() {
            return Err(datafusion::error::DataFusionError::Plan(
                "no Parquet files to read".into(),
            ));
        }
        let footers = ctx.runtime_env().cache_manager.get_file_metadata_cache();
        let mut urls = Vec::with_capacity(locations.len());
        let mut files = Vec::with_capacity(locations.len());
        for location in locations {
            if crate::storage::is_url(location) {
                crate::storage::register(ctx, location)
                    .map_err(|e| datafusion::error::DataFusionError::External(Box::new(e)))?;
            } else {
                // A clear "no such file" rather than an empty listing.
                std::fs::metadata(location).map_err(|e| {
                    datafusion::error::DataFusionError::IoError(e).context(location.clone())
                })?;
            }
            let url = ListingTableUrl::parse(location)?;
            let store = ctx
                .runtime_env()
                .object_store(&url)
                .map_err(|e| e.context(location.clone()))?;
            files.push(lookup::TableFile::new(
                location.clone(),
                store,
                url.prefix().clone(),
                Arc::clone(&footers),
            ));
            urls.push(url);
        }
        let listing = |late: bool| {
            let mut table_options = ctx.copied_table_options();
            table_options.parquet.global.pushdown_filters = late;
            table_options.parquet.global.reorder_filters = late;
            let mut options =
                datafusion::datasource::file_format::options::ReadOptions::to_listing_options(
                    &ParquetReadOptions::default(),
                    &ctx.copied_config(),
                    table_options,
                );
            // The files are named explicitly: whatever their extension, read them.
            options.file_extension = String::new();
            options
        };
        // Footers are read into DataFusion's metadata cache (the schema and
        // the scans find them there), with an error naming the file if it is
        // missing or not Parquet: the first one's now, for the schema; every
        // one's now unless the facts stand in for them (read concurrently).
        let file_stats: Vec<RowGroupStats> = match facts {
            Some(facts) => {
                files[0].opened().await?;
                facts.iter().map(RowGroupStats::of_facts).collect()
            }
            None => {
                futures::future::try_join_all(files.iter().map(|file| async {
                    Ok::<_, datafusion::error::DataFusionError>(RowGroupStats::of_footer(
                        &file.opened().await?.footer,
                    ))
                }))
                .await?
            }
        };
        let mut stats = RowGroupStats::default();
        for own in &file_stats {
            stats.extend(own);
        }
        let eager_options = listing(false);
        let schema = eager_options
            .infer_schema(&ctx.state(), &urls[0])
            .await
            .map_err(|e| e.context(locations[0].clone()))?;
        let late_options = listing(true);
        let eager = listing_table(ctx, &urls, &eager_options, &schema)?;
        let late = listing_table(ctx, &urls, &late_options, &schema)?;
        Ok(ParquetTable {
            eager,
            late,
            options: [eager_options, late_options],
            schema,
            urls,
            statistics_cache: ctx.runtime_env().cache_manager.get_file_statistic_cache(),
            stats: Arc::new(stats),
            file_stats,
            files,
            sky_key: None,
            convex_regions: false,
        })
    }

    /// The table, recorded as having the sky key `key`.
    pub fn with_sky_key(mut self, key: Option<SkyKey>) -> ParquetTable {
        self.sky_key = key;
        self
    }

    /// The table, recorded as having (or not) every `s_region` a convex
    /// polygon with its edge normals beside it.
    pub fn with_convex_regions(mut self, convex: bool) -> ParquetTable {
        self.convex_regions = convex
            && self
                .schema
                .field_with_name(obscore::snapshot::REGION_NORMALS)
                .is_ok();
        self
    }

    /// True if every `s_region` is NULL or a convex polygon whose edge
    /// normals are in `_region_normals` (a snapshot that recorded so).
    pub fn convex_regions(&self) -> bool {
        self.convex_regions
    }

    /// Its sky key, if it is a snapshot with positions or a HATS catalogue.
    pub fn sky_key(&self) -> Option<&SkyKey> {
        self.sky_key.as_ref()
    }

    /// The files a scan with `filters` must open (indexes into the table's
    /// files): those with a row group whose column ranges some row could
    /// satisfy every filter in. Decided per row group, not on the file's
    /// overall ranges: a part's row groups are each a compact piece of sky,
    /// the part's bounding box is not (it may join two distant pieces).
    pub fn files_for(&self, filters: &[Expr]) -> Vec<usize> {
        (0..self.file_stats.len())
            .filter(|&i| {
                let stats = &self.file_stats[i];
                (0..stats.row_groups()).any(|g| {
                    filters
                        .iter()
                        .all(|f| may_match(f, &|column| stats.row_group_range(column, g)))
                })
            })
            .collect()
    }

    /// The number of files.
    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    /// The name of file `index` (its last path segment).
    pub fn file_name(&self, index: usize) -> String {
        let location = self.files[index].location();
        location
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(location)
            .to_string()
    }

    /// The reading (eager or late) over only the files at `indices`.
    fn subset(&self, late: bool, indices: &[usize]) -> DfResult<Arc<ListingTable>> {
        let urls: Vec<ListingTableUrl> = indices.iter().map(|&i| self.urls[i].clone()).collect();
        let options = &self.options[usize::from(late)];
        ListingTable::try_new(
            ListingTableConfig::new_with_multi_paths(urls)
                .with_listing_options(options.clone())
                .with_schema(Arc::clone(&self.schema)),
        )
        .map(|t| Arc::new(t.with_cache(self.statistics_cache.clone())))
    }

    /// `provider` as a ParquetTable, if it is one.
    pub fn of(provider: &dyn TableProvider) -> Option<&ParquetTable> {
        (provider as &dyn std::any::Any).downcast_ref::<ParquetTable>()
    }

    /// The file's row-group statistics.
    pub fn stats(&self) -> &Arc<RowGroupStats> {
        &self.stats
    }

    /// Whether (and why) a scan with `filters` and `projection` reads
    /// late-materialised: the scan must output columns its filters do not read
    /// (else nothing is left to decode later), and either one filter is a
    /// positional constraint on a small constant region, or the filters keep at
    /// most [`SAMPLED_SELECTIVITY`] of the rows of a sampled row group.
    pub async fn late_reason(
        &self,
        state: &dyn Session,
        filters: &[Expr],
        projection: Option<&[usize]>,
    ) -> Option<LateReason> {
        if filters.is_empty() {
            return None;
        }
        let filtered = filter_columns(filters);
        let schema = self.eager.schema();
        let outputs_more = match projection {
            None => schema.fields().len() > filtered.len(),
            Some(indices) => indices
                .iter()
                .any(|&i| !filtered.contains(schema.field(i).name().as_str())),
        };
        if !outputs_more {
            return None;
        }
        if filters.iter().any(is_small_positional) {
            return Some(LateReason::Positional);
        }
        let (matched, rows) = self.sample(state, filters).await?;
        (rows > 0 && (matched as f64) <= SAMPLED_SELECTIVITY * rows as f64)
            .then_some(LateReason::Sampled { matched, rows })
    }

    /// The reading a scan uses: late-materialised when [`Self::late_reason`]
    /// gives a reason, eager otherwise; over the files the filters can match.
    async fn reading(
        &self,
        state: &dyn Session,
        filters: &[Expr],
        projection: Option<&[usize]>,
    ) -> DfResult<Arc<ListingTable>> {
        let late = self.late_reason(state, filters, projection).await.is_some();
        let mut files = self.files_for(filters);
        // Every file the scan opens is there and is Parquet: a listing of a
        // missing object is empty, not an error, and a table opened lazily
        // has not looked yet (its footers, read here, are the scan's too).
        futures::future::try_join_all(files.iter().map(|&i| self.files[i].opened())).await?;
        if files.len() == self.files.len() {
            return Ok(Arc::clone(if late { &self.late } else { &self.eager }));
        }
        if files.is_empty() {
            // No file can match; a listing needs one: the first, whose row
            // groups the same statistics prune (its footer is cached).
            files.push(0);
        }
        self.subset(late, &files)
    }

    /// Evaluates `filters` on the middle row group of the first file, reading
    /// only their columns: (rows that pass, rows). `None` if that cannot be
    /// done (the scan then reads eagerly; its own errors are reported there).
    async fn sample(&self, state: &dyn Session, filters: &[Expr]) -> Option<(usize, usize)> {
        use datafusion::common::tree_node::{Transformed, TreeNode};
        use futures::TryStreamExt;
        use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
        use parquet::arrow::async_reader::ParquetRecordBatchStreamBuilder;

        let schema = self.schema();
        let names = filter_columns(filters);
        let columns: Vec<usize> = (0..schema.fields().len())
            .filter(|&i| names.contains(schema.field(i).name().as_str()))
            .collect();
        let file = self.files.first()?;
        let footer = &file.opened().await.ok()?.footer;
        let reader = file.reader().await.ok()?;
        // The footer read at open; columns read as the table reads them
        // (string columns as views).
        let options = ArrowReaderOptions::new().with_schema(Arc::clone(&schema));
        let metadata = ArrowReaderMetadata::try_new(Arc::clone(footer), options).ok()?;
        let builder = ParquetRecordBatchStreamBuilder::new_with_metadata(reader, metadata);
        let row_groups = builder.metadata().num_row_groups();
        if row_groups == 0 {
            return None;
        }
        let mask = parquet::arrow::ProjectionMask::roots(builder.parquet_schema(), columns.clone());
        let stream = builder
            .with_row_groups(vec![row_groups / 2])
            .with_projection(mask)
            .build()
            .ok()?;
        // The filters name their columns with the query's qualifier; the
        // sample's schema has bare names.
        let condition = datafusion::logical_expr::utils::conjunction(filters.iter().cloned())?
            .transform(|e| {
                Ok(match e {
                    Expr::Column(c) => Transformed::yes(Expr::Column(
                        datafusion::common::Column::from_name(c.name),
                    )),
                    other => Transformed::no(other),
                })
            })
            .ok()?
            .data;
        let sampled =
            datafusion::common::DFSchema::try_from(schema.project(&columns).ok()?).ok()?;
        let predicate = state.create_physical_expr(condition, &sampled).ok()?;
        let batches: Vec<arrow::array::RecordBatch> = stream.try_collect().await.ok()?;
        let (mut matched, mut rows) = (0, 0);
        for batch in batches {
            let result = predicate
                .evaluate(&batch)
                .ok()?
                .into_array(batch.num_rows())
                .ok()?;
            matched += arrow::array::AsArray::as_boolean_opt(&result)?.true_count();
            rows += batch.num_rows();
        }
        Some((matched, rows))
    }
}

/// A ListingTable over `urls` sharing the session's statistics cache.
fn listing_table(
    ctx: &SessionContext,
    urls: &[ListingTableUrl],
    options: &ListingOptions,
    schema: &SchemaRef,
) -> DfResult<Arc<ListingTable>> {
    let config = ListingTableConfig::new_with_multi_paths(urls.to_vec())
        .with_listing_options(options.clone())
        .with_schema(Arc::clone(schema));
    Ok(Arc::new(ListingTable::try_new(config)?.with_cache(
        ctx.runtime_env().cache_manager.get_file_statistic_cache(),
    )))
}

/// The bare names of the columns `filters` read.
fn filter_columns(filters: &[Expr]) -> std::collections::HashSet<&str> {
    filters
        .iter()
        .flat_map(|f| f.column_refs())
        .map(|c| c.name.as_str())
        .collect()
}

#[async_trait::async_trait]
impl TableProvider for ParquetTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn constraints(&self) -> Option<&Constraints> {
        self.eager.constraints()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        self.reading(state, filters, projection.map(Vec::as_slice))
            .await?
            .scan(state, projection, filters, limit)
            .await
    }

    async fn scan_with_args<'a>(
        &self,
        state: &dyn Session,
        args: datafusion::catalog::ScanArgs<'a>,
    ) -> DfResult<datafusion::catalog::ScanResult> {
        let reading = self
            .reading(state, args.filters().unwrap_or(&[]), args.projection())
            .await?;
        reading.scan_with_args(state, args).await
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> DfResult<Vec<TableProviderFilterPushDown>> {
        self.eager.supports_filters_pushdown(filters)
    }

    fn statistics(&self) -> Option<Statistics> {
        self.eager.statistics()
    }
}

/// True if `filter` is `f(…) = 1` for a geometry predicate (CONTAINS,
/// INTERSECTS) with a constant region argument of at most
/// [`SMALL_REGION_SQ_DEG`], or `DISTANCE(…, <constant point>) < r` with a small
/// circle.
pub fn is_small_positional(filter: &Expr) -> bool {
    let Expr::BinaryExpr(BinaryExpr { left, op, right }) = filter else {
        return false;
    };
    match op {
        Operator::Eq => {
            let call = match (is_one(left), is_one(right)) {
                (false, true) => left,
                (true, false) => right,
                _ => return false,
            };
            let Expr::ScalarFunction(f) = call.as_ref() else {
                return false;
            };
            matches!(
                f.name(),
                "adql_contains" | "adql_intersects" | "adql_point_in_shape"
            ) && f
                .args
                .iter()
                .any(|a| constant_area(a).is_some_and(|area| area <= SMALL_REGION_SQ_DEG))
        }
        Operator::Lt | Operator::LtEq => {
            let (Expr::ScalarFunction(f), Some(radius)) = (left.as_ref(), number(right)) else {
                return false;
            };
            let has_constant_point = match f.name() {
                "adql_distance" => f.args.iter().any(|a| constant_area(a) == Some(0.0)),
                "adql_distance4" => {
                    f.args.len() == 4 && f.args[2..].iter().all(|a| number(a).is_some())
                }
                _ => false,
            };
            let small_circle = adql_geom::Point::new(0.0, 0.0)
                .and_then(|centre| adql_geom::Circle::new(centre, radius.clamp(0.0, 180.0)))
                .is_ok_and(|c| c.area() <= SMALL_REGION_SQ_DEG);
            has_constant_point && small_circle
        }
        _ => false,
    }
}

fn is_one(e: &Expr) -> bool {
    number(e) == Some(1.0)
}

fn number(e: &Expr) -> Option<f64> {
    match e {
        Expr::Literal(v, _) => match v {
            ScalarValue::Int32(Some(i)) => Some(f64::from(*i)),
            ScalarValue::Int64(Some(i)) => Some(*i as f64),
            ScalarValue::Float64(Some(x)) => Some(*x),
            _ => None,
        },
        Expr::Cast(c) => number(&c.expr),
        _ => None,
    }
}

/// The area of a constant geometry (an STC-S literal, as constant folding
/// leaves the geometry constructors).
fn constant_area(e: &Expr) -> Option<f64> {
    let Expr::Literal(v, _) = e else {
        return None;
    };
    let text = match v {
        ScalarValue::Utf8(Some(s)) | ScalarValue::Utf8View(Some(s)) => s,
        _ => return None,
    };
    adql_geom::parse_region(text).ok()?.area().ok()
}

/// The scans of `plan` that read their Parquet file late-materialised: (table
/// name, why), for EXPLAIN.
pub async fn late_scans(
    plan: &datafusion::logical_expr::LogicalPlan,
    state: &dyn Session,
) -> Vec<(String, LateReason)> {
    let mut out = Vec::new();
    for (scan, provider) in parquet_scans(plan) {
        let Some(table) = ParquetTable::of(provider.as_ref()) else {
            continue;
        };
        if let Some(reason) = table
            .late_reason(state, &scan.filters, scan.projection.as_deref())
            .await
        {
            out.push((scan.table_name.to_string(), reason));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::logical_expr::{col, lit};

    fn call(name: &str, args: Vec<Expr>) -> Expr {
        let function = match name {
            "adql_point_in_shape" => crate::udf::GeometryFunction::PointInShape,
            "adql_contains" => crate::udf::GeometryFunction::Contains,
            "adql_distance" => crate::udf::GeometryFunction::Distance,
            _ => crate::udf::GeometryFunction::Distance4,
        };
        crate::udf::udf(function).call(args)
    }

    #[test]
    fn small_positional_constraints() {
        let cone = |r: f64| {
            call(
                "adql_point_in_shape",
                vec![col("ra"), col("dec"), lit(format!("CIRCLE ICRS 10 20 {r}"))],
            )
        };
        assert!(is_small_positional(&cone(0.5).eq(lit(1))));
        assert!(is_small_positional(&lit(1).eq(cone(11.0))));
        // 1 % of the sky is a cap of radius 11.48°.
        assert!(!is_small_positional(&cone(11.6).eq(lit(1))));
        assert!(!is_small_positional(&cone(0.5).eq(lit(0))));
        let point_in_region = call(
            "adql_contains",
            vec![lit("POSITION ICRS 10 20"), col("s_region")],
        );
        assert!(is_small_positional(&point_in_region.eq(lit(1))));
        let distance = call("adql_distance", vec![col("p"), lit("POSITION ICRS 10 20")]);
        assert!(is_small_positional(&distance.clone().lt(lit(0.5))));
        assert!(!is_small_positional(&distance.clone().lt(lit(20.0))));
        assert!(!is_small_positional(&distance.gt(lit(0.5))));
        let between_columns = call("adql_distance", vec![col("p"), col("q")]);
        assert!(!is_small_positional(&between_columns.lt(lit(0.5))));
        let four = call(
            "adql_distance4",
            vec![col("ra"), col("dec"), lit(10.0), lit(20.0)],
        );
        assert!(is_small_positional(&four.lt_eq(lit(1.0))));
        assert!(!is_small_positional(&col("calib_level").eq(lit(1))));
    }
}
