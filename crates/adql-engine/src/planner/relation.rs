//! FROM: tables with correlation names, comma lists (cross joins), and joins:
//! `[INNER]`, `LEFT|RIGHT|FULL [OUTER]` with `ON`, `USING`, `NATURAL`, or no
//! condition; parenthesised joins.

use adql_syntax::ast::{JoinConstraint, JoinKind, TableRef};
use datafusion::common::Column;
use datafusion::datasource::provider_as_source;
use datafusion::logical_expr::{JoinType, LogicalPlanBuilder};

use super::Planner;
use crate::error::{EngineError, Result};

/// One table in scope: a catalogue table, a derived table or a CTE.
#[derive(Clone)]
pub(crate) struct TableScope {
    /// Its name and public columns.
    pub meta: obscore::snapshot::TableMeta,
    /// How it records the bounds of `s_region`, if it has a snapshot's hidden
    /// pruning columns.
    pub hidden: Option<super::pruning::RegionRa>,
    /// Row-group statistics, for a Parquet table: pruning conditions are added
    /// only where they let the reader skip row groups.
    pub stats: Option<std::sync::Arc<crate::catalog::RowGroupStats>>,
    /// The HEALPix key its rows are sorted on (a snapshot, a HATS catalogue).
    pub sky_key: Option<crate::catalog::SkyKey>,
    /// The name its columns are qualified with in the plan.
    pub alias: String,
    /// Names a query may use to qualify its columns: the alias, or the table name.
    pub qualifiers: Vec<String>,
    /// Columns a USING or NATURAL join merged into the left table's: not
    /// repeated by `*`, not ambiguous by name.
    pub merged: Vec<String>,
}

/// The tables a query's expressions see.
#[derive(Clone)]
pub(crate) struct Scope {
    pub tables: Vec<TableScope>,
}

impl Scope {
    /// The one table, when FROM has exactly one.
    pub fn single(&self) -> Option<&TableScope> {
        match self.tables.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }
}

impl TableScope {
    /// True if `qualifier` (one, two or three name parts) names this table.
    pub fn is_named(&self, qualifier: &[adql_syntax::ast::Ident]) -> bool {
        self.qualifiers.iter().any(|s| {
            let parts: Vec<&str> = s.split('.').collect();
            parts.len() >= qualifier.len()
                && parts[parts.len() - qualifier.len()..]
                    .iter()
                    .zip(qualifier)
                    .all(|(p, ident)| ident.matches(p))
        })
    }
}

fn join_type(kind: JoinKind) -> JoinType {
    match kind {
        JoinKind::Inner => JoinType::Inner,
        JoinKind::LeftOuter => JoinType::Left,
        JoinKind::RightOuter => JoinType::Right,
        JoinKind::FullOuter => JoinType::Full,
    }
}

impl<'c> Planner<'c> {
    /// The plan of the FROM list.
    pub(crate) fn relation(&self, from: &[TableRef]) -> Result<(LogicalPlanBuilder, Scope)> {
        let mut parts = from.iter();
        let first = parts.next().expect("FROM has a table");
        let (mut builder, mut scope) = self.table_ref(first)?;
        for next in parts {
            let (right, right_scope) = self.table_ref(next)?;
            builder = builder.cross_join(right.build()?)?;
            scope.tables.extend(right_scope.tables);
        }
        Ok((builder, scope))
    }

    fn table_ref(&self, table: &TableRef) -> Result<(LogicalPlanBuilder, Scope)> {
        match table {
            TableRef::Table { name, alias, .. } => {
                if let [single] = name.parts.as_slice() {
                    let cte = self
                        .ctes
                        .borrow()
                        .iter()
                        .find(|(n, _)| single.matches(n))
                        .map(|c| c.1.clone());
                    if let Some(planned) = cte {
                        let alias_name = alias
                            .as_ref()
                            .map(|a| a.value.clone())
                            .unwrap_or_else(|| single.value.clone());
                        return derived(planned, alias_name);
                    }
                }
                let entry = self.catalogue.resolve(name)?;
                let alias_name = alias
                    .as_ref()
                    .map(|a| a.value.clone())
                    .unwrap_or_else(|| entry.meta.name.clone());
                let builder = LogicalPlanBuilder::scan(
                    alias_name.as_str(),
                    provider_as_source(entry.provider.clone()),
                    None,
                )?;
                let qualifiers = match alias {
                    Some(a) => vec![a.value.clone()],
                    None => vec![entry.meta.name.clone(), entry.meta.qualified_name()],
                };
                let hidden = super::pruning::RegionRa::of(&entry.provider.schema());
                let scope = TableScope {
                    meta: entry.meta.clone(),
                    hidden,
                    stats: entry.stats().cloned(),
                    sky_key: entry.sky_key().cloned(),
                    alias: alias_name,
                    qualifiers,
                    merged: Vec::new(),
                };
                Ok((
                    builder,
                    Scope {
                        tables: vec![scope],
                    },
                ))
            }
            TableRef::Nested { inner, .. } => self.table_ref(inner),
            TableRef::Derived { query, alias, .. } => {
                derived(self.query(query)?, alias.value.clone())
            }
            TableRef::Join(join) => {
                let (left, mut scope) = self.table_ref(&join.left)?;
                let (right, right_scope) = self.table_ref(&join.right)?;
                let right_plan = right.build()?;
                let kind = join_type(join.kind);
                let using: Option<Vec<String>> = match (&join.constraint, join.natural) {
                    (_, true) => {
                        let names: Vec<String> = public_columns(&scope)
                            .into_iter()
                            .filter(|n| {
                                public_columns(&right_scope)
                                    .iter()
                                    .any(|m| m.eq_ignore_ascii_case(n))
                            })
                            .collect();
                        Some(names)
                    }
                    (JoinConstraint::Using(columns), false) => Some(
                        columns
                            .iter()
                            .map(|c| {
                                let left_name = column_named(&scope, c);
                                let right_name = column_named(&right_scope, c);
                                match (left_name, right_name) {
                                    (Some(l), Some(_)) => Ok(l),
                                    _ => Err(EngineError::at(
                                        "unknown-column",
                                        format!(
                                            "USING ({}) names a column both tables must have",
                                            c.value
                                        ),
                                        c.span,
                                    )),
                                }
                            })
                            .collect::<Result<Vec<_>>>()?,
                    ),
                    _ => None,
                };
                let builder = match (&join.constraint, using) {
                    (_, Some(names)) if names.is_empty() => left.cross_join(right_plan)?,
                    (_, Some(names)) => {
                        let columns: Vec<Column> = names
                            .iter()
                            .map(|n| Column::from_name(n.as_str()))
                            .collect();
                        let mut right_scope = right_scope;
                        for t in &mut right_scope.tables {
                            t.merged.extend(names.iter().cloned());
                        }
                        let b = left.join_using(right_plan, kind, columns)?;
                        scope.tables.extend(right_scope.tables);
                        return Ok((b, scope));
                    }
                    (JoinConstraint::On(condition), None) => {
                        let mut joined = scope;
                        joined.tables.extend(right_scope.tables);
                        let schema = left.schema().join(right_plan.schema())?;
                        let on = self.expr(condition, &joined, &schema)?;
                        return Ok((left.join_on(right_plan, kind, vec![on])?, joined));
                    }
                    _ => left.cross_join(right_plan)?,
                };
                scope.tables.extend(right_scope.tables);
                Ok((builder, scope))
            }
        }
    }
}

/// A planned query as a table named `alias`.
fn derived(planned: super::PlannedQuery, alias: String) -> Result<(LogicalPlanBuilder, Scope)> {
    let builder = LogicalPlanBuilder::from(planned.plan).alias(alias.as_str())?;
    let columns = builder
        .schema()
        .fields()
        .iter()
        .zip(planned.columns.iter().chain(std::iter::repeat(&None)))
        .map(|(f, meta)| {
            let mut def = meta
                .clone()
                .unwrap_or_else(|| obscore::model::ColumnDef::from_arrow(f));
            def.name = f.name().clone();
            def
        })
        .collect();
    let meta = obscore::snapshot::TableMeta {
        schema: String::new(),
        name: alias.clone(),
        description: String::new(),
        columns,
        position: None,
    };
    let scope = TableScope {
        meta,
        hidden: None,
        stats: None,
        sky_key: None,
        alias: alias.clone(),
        qualifiers: vec![alias],
        merged: Vec::new(),
    };
    Ok((
        builder,
        Scope {
            tables: vec![scope],
        },
    ))
}

fn public_columns(scope: &Scope) -> Vec<String> {
    scope
        .tables
        .iter()
        .flat_map(|t| t.meta.columns.iter().map(|c| c.name.clone()))
        .collect()
}

fn column_named(scope: &Scope, ident: &adql_syntax::ast::Ident) -> Option<String> {
    scope
        .tables
        .iter()
        .flat_map(|t| t.meta.columns.iter())
        .find(|c| ident.matches(&c.name))
        .map(|c| c.name.clone())
}
