//! # adql-engine
//!
//! ADQL on DataFusion: a catalogue of snapshots and TAP_SCHEMA, ADQL lowered
//! straight to logical plans, the geometry functions as UDFs over `adql-geom`,
//! and execution that streams record batches.
//!
//! ```no_run
//! # async fn run() -> Result<(), adql_engine::EngineError> {
//! let engine = adql_engine::Engine::demo().await?;
//! let result = engine.query("SELECT TOP 5 obs_id, s_ra FROM ivoa.ObsCore").await?;
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod catalog;
mod error;
pub mod exec;
pub mod planner;
mod stop;
pub mod storage;
pub mod udf;

use std::sync::Arc;

use adql_syntax::{validate_typed, ValidateOptions};
use arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::execution::{SendableRecordBatchStream, SessionState};
use datafusion::prelude::{DataFrame, SessionContext};
use obscore::snapshot::Snapshot;

pub use catalog::Catalogue;
pub use error::{EngineError, Result};
pub use planner::{PlannedQuery, Planner};
pub use stop::QueryStop;

/// A session: DataFusion, the catalogue, and the ADQL options.
pub struct Engine {
    ctx: SessionContext,
    catalogue: Catalogue,
    options: ValidateOptions,
    /// Whether positional joins are planned as sky-partitioned joins.
    spatial_joins: bool,
    /// Where plans run, if not here (a cluster).
    remote: Option<Arc<dyn RemoteExecutor>>,
}

/// Runs optimised logical plans elsewhere — a cluster's scheduler — and
/// streams their results back. Plans given to it read only plain Parquet
/// listings and call only the UDFs of [`udf::all_udfs`] (see
/// [`catalog::for_cluster`]); others run in the session itself.
#[async_trait::async_trait]
pub trait RemoteExecutor: Send + Sync {
    /// Where it runs plans, for messages (`df://host:port`).
    fn describe(&self) -> String;
    /// Runs `plan`, streaming its batches.
    async fn execute(
        &self,
        plan: datafusion::logical_expr::LogicalPlan,
    ) -> Result<SendableRecordBatchStream>;
}

/// Resource limits of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineOptions {
    /// The most memory operators may hold (sorts, joins, aggregations), in bytes;
    /// a query needing more fails with a resources-exhausted error.
    pub memory_limit: usize,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            memory_limit: 2 * 1024 * 1024 * 1024,
        }
    }
}

/// A DataFusion session with the memory limit, and an empty catalogue.
/// The stack a thread that plans or runs queries should have (the runtime's
/// workers: `tokio::runtime::Builder::thread_stack_size`). DataFusion recurses
/// through an expression tree when it plans and evaluates it, as deep as the
/// tree (at most the checker's `max_expression_depth`, 1,000 levels by
/// default: a few MiB in a debug build); this leaves room for a raised limit.
/// It is address space: only the pages a query touches are ever allocated.
pub const QUERY_STACK_BYTES: usize = 64 * 1024 * 1024;

fn session(options: &EngineOptions) -> Result<(SessionContext, Catalogue)> {
    let runtime = datafusion::execution::runtime_env::RuntimeEnvBuilder::new()
        .with_memory_limit(options.memory_limit, 1.0)
        .build_arc()?;
    // DataFusion's physical optimiser rules, with the spatial join's choice
    // of operator right after its join selection.
    let mut rules = datafusion::physical_optimizer::optimizer::PhysicalOptimizer::new().rules;
    let after = rules
        .iter()
        .position(|rule| rule.name() == planner::SPATIAL_JOIN_RULE_AFTER)
        .map_or(0, |i| i + 1);
    rules.insert(after, Arc::new(planner::SpatialJoinRule));
    let state = datafusion::execution::SessionStateBuilder::new()
        .with_config(datafusion::prelude::SessionConfig::new())
        .with_runtime_env(runtime)
        .with_default_features()
        .with_physical_optimizer_rules(rules)
        .build();
    Ok((SessionContext::new_with_state(state), Catalogue::default()))
}

/// A table a request brings with it (TAP `UPLOAD`): its name (a regular ADQL
/// identifier) and its rows, the columns' unit/UCD/xtype in the field metadata.
#[derive(Debug, Clone)]
pub struct UploadTable {
    /// The name under `TAP_UPLOAD`.
    pub name: String,
    /// The columns.
    pub schema: SchemaRef,
    /// The rows.
    pub batches: Vec<arrow::array::RecordBatch>,
}

impl UploadTable {
    /// Whether `name` can name an upload: a regular ADQL identifier (a
    /// letter, then letters, digits or `_`), at most 128 bytes.
    pub fn is_valid_name(name: &str) -> bool {
        let mut chars = name.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
            && name.len() <= 128
    }
}

/// A running query: its output schema (with catalogue metadata on the fields)
/// and its stream of batches.
pub struct QueryResult {
    /// Output columns, with unit/UCD/utype/description where they are table columns.
    pub schema: SchemaRef,
    /// The batches, as they are computed.
    pub stream: SendableRecordBatchStream,
}

impl Engine {
    /// A session over `ivoa.ObsCore` from `snapshot`, plus TAP_SCHEMA.
    pub async fn new(snapshot: &Snapshot) -> Result<Engine> {
        Engine::with_tables(snapshot, &[]).await
    }

    /// A session over `snapshot` and more tables: (`schema.name`, snapshot
    /// or Parquet file, as a path or URL), plus TAP_SCHEMA describing them all.
    pub async fn with_tables(snapshot: &Snapshot, tables: &[(String, String)]) -> Result<Engine> {
        Engine::with_options(snapshot, tables, &EngineOptions::default()).await
    }

    /// As [`Engine::with_tables`], with resource limits.
    pub async fn with_options(
        snapshot: &Snapshot,
        tables: &[(String, String)],
        options: &EngineOptions,
    ) -> Result<Engine> {
        let (ctx, mut catalogue) = session(options)?;
        catalogue.add_snapshot(&ctx, snapshot).await?;
        for (name, location) in tables {
            catalogue.add_table(&ctx, name, location).await?;
        }
        catalogue.add_tap_schema()?;
        Ok(Engine {
            ctx,
            catalogue,
            options: ValidateOptions::default(),
            spatial_joins: true,
            remote: None,
        })
    }

    /// A session over Parquet files that are not a snapshot, read as
    /// `ivoa.ObsCore` (see [`Catalogue::add_obscore_files`]), plus more tables;
    /// also returns the notes for the user.
    pub async fn with_obscore_files(
        files: &[String],
        tables: &[(String, String)],
        options: &EngineOptions,
    ) -> Result<(Engine, Vec<String>)> {
        let (ctx, mut catalogue) = session(options)?;
        let notes = catalogue.add_obscore_files(&ctx, files).await?;
        for (name, location) in tables {
            catalogue.add_table(&ctx, name, location).await?;
        }
        catalogue.add_tap_schema()?;
        Ok((
            Engine {
                ctx,
                catalogue,
                options: ValidateOptions::default(),
                spatial_joins: true,
                remote: None,
            },
            notes,
        ))
    }

    /// A session over the embedded demo snapshot and its Object table (built
    /// on first use).
    pub async fn demo() -> Result<Engine> {
        let snapshot = obscore::demo::demo_snapshot()?;
        Engine::with_tables(&snapshot, &obscore::demo::demo_tables()?).await
    }

    /// The snapshot at `location` (a directory or an object-store URL, see
    /// [`storage::open_snapshot`]), or the demo snapshot, with more tables and limits.
    pub async fn open(
        location: Option<&str>,
        tables: &[(String, String)],
        options: &EngineOptions,
    ) -> Result<Engine> {
        let (snapshot, tables) = match location {
            Some(l) => (storage::open_snapshot(l).await?, tables.to_vec()),
            None => {
                // The demo's tables first: a table given with the same name replaces one.
                let mut all = obscore::demo::demo_tables()?;
                all.extend(tables.iter().cloned());
                (obscore::demo::demo_snapshot()?, all)
            }
        };
        Engine::with_options(&snapshot, &tables, options).await
    }

    /// The same engine, planning positional joins as sky-partitioned joins
    /// (the default) or, with `false`, as nested loops over all pairs (to
    /// compare, or to measure).
    pub fn with_spatial_joins(mut self, on: bool) -> Engine {
        self.spatial_joins = on;
        self
    }

    /// The same session, running the plans it can on `remote` (a cluster);
    /// plans over in-memory tables (TAP_SCHEMA, uploads) still run here.
    pub fn with_remote(mut self, remote: Arc<dyn RemoteExecutor>) -> Engine {
        self.remote = Some(remote);
        self
    }

    /// Where plans run: `None` for this process.
    pub fn remote(&self) -> Option<&Arc<dyn RemoteExecutor>> {
        self.remote.as_ref()
    }

    /// The catalogue.
    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    /// Parses, checks and plans `adql`.
    pub fn plan(&self, adql: &str) -> Result<PlannedQuery> {
        self.plan_in(&self.catalogue, adql)
    }

    /// Everything this engine would say of `adql` under ADQL `language` before
    /// running it: the checker's errors and warnings, then, when it passes,
    /// what planning finds (unknown tables and columns, ambiguous names). Runs
    /// nothing; for editors and `validate` endpoints.
    pub fn diagnose(
        &self,
        adql: &str,
        language: adql_syntax::Language,
    ) -> Vec<adql_syntax::Diagnostic> {
        let mut options = self.options.clone();
        options.check.language = language;
        let v = validate_typed(adql, &options, &self.catalogue);
        let mut diagnostics = v.diagnostics;
        if diagnostics.iter().any(adql_syntax::Diagnostic::is_error) {
            return diagnostics;
        }
        let Some(query) = v.query else {
            return diagnostics;
        };
        let planned = Planner::new(&self.catalogue)
            .with_max_expression_depth(self.options.limits.max_expression_depth as usize)
            .with_spatial_joins(self.spatial_joins)
            .plan(&query);
        if let Err(EngineError::Query(found)) = planned {
            diagnostics.extend(found);
        }
        diagnostics
    }

    /// The ADQL options queries are checked with (features, UDFs, limits).
    pub fn options(&self) -> &ValidateOptions {
        &self.options
    }

    /// The same session, checking queries with `options` (`--strict`,
    /// `--disable`, declared UDFs, the input limit).
    pub fn with_validate_options(mut self, options: ValidateOptions) -> Engine {
        self.options = options;
        self
    }

    fn plan_in(&self, catalogue: &Catalogue, adql: &str) -> Result<PlannedQuery> {
        self.plan_as(catalogue, adql, self.options.check.language)
    }

    fn plan_as(
        &self,
        catalogue: &Catalogue,
        adql: &str,
        language: adql_syntax::Language,
    ) -> Result<PlannedQuery> {
        let v = if language == self.options.check.language {
            validate_typed(adql, &self.options, catalogue)
        } else {
            let mut options = self.options.clone();
            options.check.language = language;
            validate_typed(adql, &options, catalogue)
        };
        if !v.is_valid() {
            return Err(EngineError::Query(
                v.diagnostics.into_iter().filter(|d| d.is_error()).collect(),
            ));
        }
        Planner::new(catalogue)
            .with_max_expression_depth(self.options.limits.max_expression_depth as usize)
            .with_spatial_joins(self.spatial_joins)
            .plan(v.query.as_ref().expect("valid"))
    }

    /// The plans of `adql`: the logical plan as lowered, the optimised logical
    /// plan and the physical plan; with `analyze`, the query runs and the physical
    /// plan carries its metrics (rows, time, Parquet row groups pruned).
    pub async fn explain(&self, adql: &str, analyze: bool) -> Result<String> {
        let planned = self.plan(adql)?;
        let mut out = format!(
            "== Logical plan (as lowered)\n{}\n",
            planned.plan.display_indent()
        );
        let df = DataFrame::new(
            self.state_for(&planned.plan, &QueryStop::new()),
            planned.plan,
        );
        let whole = adql_syntax::Span::new(0, adql.len());
        let optimized = df
            .clone()
            .into_optimized_plan()
            .map_err(|e| planner::planning_error(e, whole))?;
        out.push_str(&format!(
            "\n== Optimised logical plan\n{}\n",
            optimized.display_indent()
        ));
        let spatial = planner::describe_spatial_joins(&optimized);
        if !spatial.is_empty() {
            out.push_str(
                "\n== Spatial joins (positional conditions as hash joins on HEALPix cells)\n",
            );
            for line in spatial {
                out.push_str(&format!("{line}\n"));
            }
        }
        let late = catalog::late_scans(&optimized, &self.ctx.state()).await;
        if !late.is_empty() {
            out.push_str("\n== Late materialisation (the filter columns are decoded first, the others only for rows that pass)\n");
            for (table, reason) in late {
                out.push_str(&format!("{table}: {reason}\n"));
            }
        }
        let parts = catalog::part_scans(&optimized);
        if !parts.is_empty() {
            out.push_str(
                "\n== Parts (file-level pruning: the files whose column ranges the filters can match)\n",
            );
            for scan in parts {
                out.push_str(&format!("{scan}\n"));
            }
        }
        if analyze {
            let batches = df.explain(false, true)?.collect().await?;
            out.push_str("\n== Physical plan, executed (EXPLAIN ANALYZE)\n");
            for b in &batches {
                let plans = arrow::compute::cast(b.column(1), &arrow::datatypes::DataType::Utf8)?;
                for plan in arrow::array::AsArray::as_string::<i32>(&plans)
                    .iter()
                    .flatten()
                {
                    out.push_str(plan);
                    out.push('\n');
                }
            }
        } else {
            let physical = df
                .create_physical_plan()
                .await
                .map_err(|e| planner::planning_error(e, whole))?;
            out.push_str(&format!(
                "\n== Physical plan\n{}",
                datafusion::physical_plan::displayable(physical.as_ref()).indent(true)
            ));
        }
        Ok(out)
    }

    /// The session state to run `plan` in. A spatial join's hash join gets no
    /// dynamic filter: its probe key is a cell computed per row, which such a
    /// filter would compute a second time in the scan without skipping
    /// anything (a 1″ crossmatch of 10⁶ × 10⁷ points: 2.0 → 1.7 s).
    fn state_for(
        &self,
        plan: &datafusion::logical_expr::LogicalPlan,
        stop: &QueryStop,
    ) -> SessionState {
        let mut state = self.ctx.state();
        state
            .config_mut()
            .options_mut()
            .extensions
            .insert(stop::StopOption(stop.clone()));
        if !planner::describe_spatial_joins(plan).is_empty() {
            state
                .config_mut()
                .options_mut()
                .optimizer
                .enable_join_dynamic_filter_pushdown = false;
        }
        // Again, now with these options: the functions of a physical plan
        // (a join's filter among them) take the options marked here.
        state.mark_start_execution();
        state
    }

    /// Runs `adql`, streaming the result.
    pub async fn query(&self, adql: &str) -> Result<QueryResult> {
        self.query_with_uploads(adql, &[]).await
    }

    /// Runs `adql` with tables the request brought (TAP `UPLOAD`), each
    /// queryable as `TAP_UPLOAD.name` for this query only.
    pub async fn query_with_uploads(
        &self,
        adql: &str,
        uploads: &[UploadTable],
    ) -> Result<QueryResult> {
        self.query_as(adql, uploads, self.options.check.language)
            .await
    }

    /// The plan of `adql` with the tables a request brought (as
    /// [`Engine::query_with_uploads`] runs it).
    pub fn plan_with_uploads(&self, adql: &str, uploads: &[UploadTable]) -> Result<PlannedQuery> {
        self.plan_with_uploads_as(adql, uploads, self.options.check.language)
    }

    fn plan_with_uploads_as(
        &self,
        adql: &str,
        uploads: &[UploadTable],
        language: adql_syntax::Language,
    ) -> Result<PlannedQuery> {
        if uploads.is_empty() {
            return self.plan_as(&self.catalogue, adql, language);
        }
        let mut catalogue = self.catalogue.clone();
        for upload in uploads {
            catalogue.add_upload(upload)?;
        }
        self.plan_as(&catalogue, adql, language)
    }

    /// As [`Engine::query_with_uploads`], checked against ADQL `language`
    /// (TAP's `LANG`) rather than the session's.
    pub async fn query_as(
        &self,
        adql: &str,
        uploads: &[UploadTable],
        language: adql_syntax::Language,
    ) -> Result<QueryResult> {
        self.query_until(adql, uploads, language, &QueryStop::new())
            .await
    }

    /// As [`Engine::query_as`], stopped by `stop`: once it says stop, the
    /// engine's functions fail with "the query was stopped", which ends
    /// operators that would otherwise go on inside one poll long after the
    /// stream was dropped (see [`QueryStop`]).
    pub async fn query_until(
        &self,
        adql: &str,
        uploads: &[UploadTable],
        language: adql_syntax::Language,
        stop: &QueryStop,
    ) -> Result<QueryResult> {
        let planned = self.plan_with_uploads_as(adql, uploads, language)?;
        let df = DataFrame::new(self.state_for(&planned.plan, stop), planned.plan);
        let plain: SchemaRef = Arc::new(df.schema().as_arrow().clone());
        let fields: Vec<Field> = plain
            .fields()
            .iter()
            .zip(planned.columns.iter().chain(std::iter::repeat(&None)))
            .map(|(f, meta)| match meta {
                Some(c) => f
                    .as_ref()
                    .clone()
                    .with_metadata(c.arrow_field().metadata().clone()),
                None => f.as_ref().clone(),
            })
            .collect();
        // What DataFusion still refuses at planning is the query's fault: an
        // ADQL diagnostic (exit 1), not an engine failure.
        let whole = adql_syntax::Span::new(0, adql.len());
        if let Some(remote) = &self.remote {
            let optimized = df
                .clone()
                .into_optimized_plan()
                .map_err(|e| planner::planning_error(e, whole))?;
            if let Some(portable) = catalog::for_cluster(optimized, &self.ctx.state()).await? {
                let stream = remote.execute(portable).await?;
                return Ok(QueryResult {
                    schema: Arc::new(Schema::new(fields)),
                    stream,
                });
            }
        }
        let stream = df
            .execute_stream()
            .await
            .map_err(|e| planner::planning_error(e, whole))?;
        Ok(QueryResult {
            schema: Arc::new(Schema::new(fields)),
            stream,
        })
    }

    /// The rows of the table `table` (`schema.name`, compared as regular
    /// identifiers) whose string column `key` equals `value`, with `columns`
    /// in that order: a key lookup, not a query (DataLink finds a dataset's
    /// row this way). Over a snapshot it reads only the row groups whose bloom
    /// filter of `key` admits `value`; other tables are filtered in full.
    pub async fn find_rows(
        &self,
        table: &str,
        key: &str,
        value: &str,
        columns: &[&str],
    ) -> Result<Vec<arrow::array::RecordBatch>> {
        let Some(entry) = self
            .catalogue
            .tables()
            .iter()
            .find(|t| t.meta.qualified_name().eq_ignore_ascii_case(table))
        else {
            return Err(EngineError::at(
                "unknown-table",
                format!("no table named {table}"),
                adql_syntax::Span::default(),
            ));
        };
        if let Some(parquet) = catalog::ParquetTable::of(entry.provider.as_ref()) {
            return Ok(parquet.find_equal(key, value, columns).await?);
        }
        use datafusion::common::Column;
        use datafusion::logical_expr::{lit, Expr};
        let column = |name: &str| Expr::Column(Column::from_name(name));
        let rows = self
            .ctx
            .read_table(Arc::clone(&entry.provider))?
            .filter(column(key).eq(lit(value)))?
            .select(columns.iter().map(|c| column(c)).collect::<Vec<_>>())?
            .collect()
            .await?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spatial join picks its operator after DataFusion's join selection
    /// (which would otherwise overrule it) and before the inputs'
    /// distribution is enforced (which adds the single build partition).
    #[test]
    fn the_session_plans_spatial_joins_after_join_selection() {
        let (ctx, _) = session(&EngineOptions::default()).unwrap();
        let state = ctx.state();
        let names: Vec<&str> = state
            .physical_optimizers()
            .iter()
            .map(|rule| rule.name())
            .collect();
        let at = |name: &str| names.iter().position(|n| *n == name);
        let ours = at("adql_spatial_join").expect("installed");
        assert_eq!(
            at(planner::SPATIAL_JOIN_RULE_AFTER),
            Some(ours - 1),
            "{names:?}"
        );
        assert!(
            at("EnsureRequirements").is_some_and(|i| i > ours),
            "{names:?}"
        );
    }
}
