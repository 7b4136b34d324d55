//! Tables in several files (a snapshot's parts): which files a scan's
//! filters can match (file-level pruning, shown by EXPLAIN), and plans whose
//! snapshot scans read plain listings of those files, for a cluster.

use std::sync::Arc;

use datafusion::catalog::Session;
use datafusion::common::Result as DfResult;
use datafusion::logical_expr::{BinaryExpr, Expr, Operator};

use super::{number, ParquetTable};

/// False only if no row whose columns lie in their `range`s could make
/// `filter` true: comparisons of a column with a number, BETWEEN, AND, OR.
/// Anything else may match.
pub fn may_match(filter: &Expr, range: &dyn Fn(&str) -> Option<(f64, f64)>) -> bool {
    use datafusion::logical_expr::Between;
    let column_range = |e: &Expr| match e {
        Expr::Column(c) => range(&c.name),
        _ => None,
    };
    match filter {
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => match op {
            Operator::And => may_match(left, range) && may_match(right, range),
            Operator::Or => may_match(left, range) || may_match(right, range),
            Operator::Eq | Operator::Lt | Operator::LtEq | Operator::Gt | Operator::GtEq => {
                let (column, value, op) = match (column_range(left), number(right)) {
                    (Some(r), Some(v)) => (r, v, *op),
                    _ => match (number(left), column_range(right)) {
                        (Some(v), Some(r)) => (r, v, op.swap().unwrap_or(*op)),
                        _ => return true,
                    },
                };
                let (min, max) = column;
                match op {
                    Operator::Eq => min <= value && value <= max,
                    Operator::Lt => min < value,
                    Operator::LtEq => min <= value,
                    Operator::Gt => max > value,
                    Operator::GtEq => max >= value,
                    _ => true,
                }
            }
            _ => true,
        },
        Expr::Between(Between {
            expr,
            negated: false,
            low,
            high,
        }) => match (column_range(expr), number(low), number(high)) {
            (Some((min, max)), Some(lo), Some(hi)) => max >= lo && min <= hi,
            _ => true,
        },
        _ => true,
    }
}

/// A scan of a table in several files, and the files it opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartScan {
    /// The table as the plan names it.
    pub table: String,
    /// The files the scan opens (names).
    pub opened: Vec<String>,
    /// The table's files.
    pub files: usize,
}

impl std::fmt::Display for PartScan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: opens {} of {} parts ({} pruned)",
            self.table,
            self.opened.len(),
            self.files,
            self.files - self.opened.len()
        )?;
        if !self.opened.is_empty() && self.opened.len() < self.files {
            write!(f, ": {}", self.opened.join(", "))?;
        }
        Ok(())
    }
}

/// The provider of `scan` if it is a [`ParquetTable`].
pub(super) fn parquet_provider(
    scan: &datafusion::logical_expr::TableScan,
) -> Option<Arc<dyn datafusion::catalog::TableProvider>> {
    datafusion::datasource::source_as_provider(&scan.source)
        .ok()
        .filter(|p| ParquetTable::of(p.as_ref()).is_some())
}

/// The scans of `plan` over [`ParquetTable`]s, each with its provider.
pub(super) fn parquet_scans(
    plan: &datafusion::logical_expr::LogicalPlan,
) -> Vec<(
    datafusion::logical_expr::TableScan,
    Arc<dyn datafusion::catalog::TableProvider>,
)> {
    use datafusion::common::tree_node::TreeNodeRecursion;
    use datafusion::logical_expr::LogicalPlan;
    let mut scans = Vec::new();
    let _ = plan.apply_with_subqueries(|node| {
        if let LogicalPlan::TableScan(scan) = node {
            if let Some(provider) = parquet_provider(scan) {
                scans.push((scan.clone(), provider));
            }
        }
        Ok(TreeNodeRecursion::Continue)
    });
    scans
}

/// The scans of `plan` over tables of more than one file, with the files each
/// opens, for EXPLAIN.
pub fn part_scans(plan: &datafusion::logical_expr::LogicalPlan) -> Vec<PartScan> {
    let mut out = Vec::new();
    for (scan, provider) in parquet_scans(plan) {
        let Some(table) = ParquetTable::of(provider.as_ref()) else {
            continue;
        };
        if table.file_count() < 2 {
            continue;
        }
        out.push(PartScan {
            table: scan.table_name.to_string(),
            opened: table
                .files_for(&scan.filters)
                .into_iter()
                .map(|i| table.file_name(i))
                .collect(),
            files: table.file_count(),
        });
    }
    out
}

/// `plan` (optimised) with each scan of a [`ParquetTable`] reading a plain
/// `ListingTable` — the files its filters can match, eager or
/// late-materialised as chosen here — which DataFusion's plan serialisation
/// carries to another process (a cluster). `None` if the plan reads anything
/// else (TAP_SCHEMA, uploads: in-memory tables) or calls `rand` (whose
/// stream belongs to one process): such a plan runs where it was made.
pub async fn for_cluster(
    plan: datafusion::logical_expr::LogicalPlan,
    state: &dyn Session,
) -> DfResult<Option<datafusion::logical_expr::LogicalPlan>> {
    use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
    use datafusion::logical_expr::LogicalPlan;

    let mut readings = Vec::new();
    let mut portable = true;
    plan.apply_with_subqueries(|node| {
        if let LogicalPlan::TableScan(scan) = node {
            match parquet_provider(scan) {
                Some(provider) => readings.push((provider, scan.clone())),
                None => portable = false,
            }
        }
        let calls_rand = node.expressions().iter().any(|e| {
            e.exists(|e| {
                // `rand` is ADQL's RAND(seed) (DataFusion's is `random`).
                Ok(matches!(e, Expr::ScalarFunction(f) if f.name() == "rand"))
            })
            .unwrap_or(true)
        });
        if calls_rand {
            portable = false;
        }
        Ok(if portable {
            TreeNodeRecursion::Continue
        } else {
            TreeNodeRecursion::Stop
        })
    })?;
    if !portable {
        return Ok(None);
    }
    let mut listings = Vec::with_capacity(readings.len());
    for (provider, scan) in &readings {
        let table = ParquetTable::of(provider.as_ref()).expect("checked above");
        let listing = table
            .reading(state, &scan.filters, scan.projection.as_deref())
            .await?;
        listings.push(listing);
    }
    // Each scan gets the reading made for an equal scan (same table,
    // projection, filters), whatever order the traversals take.
    let mut readings: Vec<_> = readings
        .into_iter()
        .map(|(_, scan)| scan)
        .zip(listings.into_iter().map(Some))
        .collect();
    let plan = plan
        .transform_down_with_subqueries(|node| match node {
            LogicalPlan::TableScan(mut scan) => {
                let listing = readings
                    .iter_mut()
                    .find(|(s, l)| l.is_some() && *s == scan)
                    .and_then(|(_, l)| l.take())
                    .ok_or_else(|| {
                        datafusion::error::DataFusionError::Internal(format!(
                            "no reading for the scan of {}",
                            scan.table_name
                        ))
                    })?;
                scan.source = datafusion::datasource::provider_as_source(listing);
                Ok(Transformed::yes(LogicalPlan::TableScan(scan)))
            }
            other => Ok(Transformed::no(other)),
        })?
        .data;
    Ok(Some(plan))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::logical_expr::{col, lit};

    #[test]
    fn files_are_pruned_only_when_no_row_can_match() {
        let ranges = |c: &str| match c {
            "dec" => Some((-40.0, -30.0)),
            "n" => Some((5.0, 5.0)),
            _ => None,
        };
        let may = |e: Expr| may_match(&e, &ranges);
        assert!(may(col("dec").between(lit(-35.0), lit(-20.0))));
        assert!(!may(col("dec").between(lit(-29.0), lit(-20.0))));
        assert!(!may(col("dec").gt(lit(-30.0))));
        assert!(may(col("dec").gt_eq(lit(-30.0))));
        assert!(!may(lit(-41.0).gt(col("dec"))));
        assert!(may(lit(-40.0).eq(col("dec"))));
        assert!(!may(col("n").eq(lit(9))));
        assert!(!may(col("n").lt(lit(5))));
        // OR: any branch; AND: every branch.
        assert!(may(col("n").eq(lit(9)).or(col("dec").lt(lit(-39.0)))));
        assert!(!may(col("n").eq(lit(5)).and(col("dec").lt(lit(-41.0)))));
        // Unknown columns and other forms may always match.
        assert!(may(col("ra").eq(lit(1000.0))));
        assert!(may(!col("dec").between(lit(-29.0), lit(-20.0))));
        assert!(may(col("dec").not_between(lit(-50.0), lit(0.0))));
        assert!(may(col("dec").lt(col("n"))));
    }
}
