//! One SELECT: FROM, WHERE, GROUP BY with aggregates, HAVING, the select list
//! with output names, DISTINCT, then the query's ORDER BY, OFFSET and TOP.

use std::collections::HashSet;

use adql_syntax::ast::{
    Expr as Ast, OrderByItem, OrderDirection, Select, SelectItem, SetQuantifier,
};
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::Column;
use datafusion::logical_expr::utils::find_aggregate_exprs;
use datafusion::logical_expr::{col, Expr, SortExpr};
use obscore::model::ColumnDef;

use super::relation::{Scope, TableScope};
use super::{PlannedQuery, Planner};
use crate::error::{EngineError, Result};

impl Planner<'_> {
    pub(crate) fn select(
        &self,
        select: &Select,
        order_by: &[OrderByItem],
        offset: Option<u64>,
    ) -> Result<PlannedQuery> {
        let (mut builder, scope) = self.relation(&select.from)?;
        let input = builder.schema().clone();
        if let Some(condition) = &select.selection {
            let exact = self.expr(condition, &scope, &input)?;
            let filter = self
                .pruning(condition, &scope)?
                .into_iter()
                .fold(exact, Expr::and);
            builder = builder.filter(filter)?;
        }
        // The select list: expression, output name, catalogue metadata.
        let mut items: Vec<(Expr, String, Option<ColumnDef>)> = Vec::new();
        for item in &select.items {
            match item {
                SelectItem::Wildcard { .. } => {
                    for t in &scope.tables {
                        items.extend(table_columns(t, true));
                    }
                }
                SelectItem::QualifiedWildcard { qualifier, span } => {
                    let tables: Vec<_> = scope
                        .tables
                        .iter()
                        .filter(|t| t.is_named(&qualifier.parts))
                        .collect();
                    if tables.is_empty() {
                        let written = qualifier
                            .parts
                            .iter()
                            .map(|p| p.value.clone())
                            .collect::<Vec<_>>()
                            .join(".");
                        return Err(EngineError::at(
                            "unknown-table",
                            format!("{written} is not a table in FROM"),
                            *span,
                        ));
                    }
                    for t in tables {
                        items.extend(table_columns(t, false));
                    }
                }
                SelectItem::Expr { expr, alias, .. } => {
                    let lowered = self.expr(expr, &scope, &input)?;
                    let meta = self
                        .column_meta(expr, &scope)
                        .or_else(|| computed_geometry_meta(expr));
                    let name = match alias {
                        Some(a) => a.value.clone(),
                        None => default_name(expr),
                    };
                    items.push((lowered, name, meta));
                }
            }
        }
        unique_names(&mut items);
        // GROUP BY terms may name select-list aliases.
        let mut group = Vec::new();
        for g in &select.group_by {
            group.push(match alias_target(g, &items, &scope) {
                Some(e) => e,
                None => self.expr(g, &scope, &input)?,
            });
        }
        let having = select
            .having
            .as_ref()
            .map(|h| self.expr(h, &scope, &input))
            .transpose()?;
        let mut sort_inputs: Vec<(SortTarget, bool)> = Vec::new();
        for o in order_by {
            let ascending = o.direction != Some(OrderDirection::Desc);
            let target = match &o.expr {
                Ast::Literal(adql_syntax::ast::Literal {
                    value: adql_syntax::ast::LiteralValue::Number { text, .. },
                    span,
                }) => {
                    let n: usize = text.parse().map_err(|_| {
                        EngineError::at("bad-ordinal", "ORDER BY takes a column number here", *span)
                    })?;
                    if n == 0 || n > items.len() {
                        return Err(EngineError::at(
                            "bad-ordinal",
                            format!("ORDER BY {n}: the select list has {} columns", items.len()),
                            *span,
                        ));
                    }
                    SortTarget::Output(items[n - 1].1.clone())
                }
                e => match output_alias(e, &items) {
                    Some(name) => SortTarget::Output(name),
                    None => SortTarget::Input(self.expr(e, &scope, &input)?),
                },
            };
            sort_inputs.push((target, ascending));
        }
        let mut aggregate_sources: Vec<Expr> = items.iter().map(|i| i.0.clone()).collect();
        aggregate_sources.extend(having.clone());
        aggregate_sources.extend(sort_inputs.iter().filter_map(|(t, _)| match t {
            SortTarget::Input(e) => Some(e.clone()),
            SortTarget::Output(_) => None,
        }));
        let aggregates = find_aggregate_exprs(aggregate_sources.iter());
        let aggregated = !aggregates.is_empty() || !group.is_empty();
        if aggregated {
            builder = builder.aggregate(group.clone(), aggregates.clone())?;
            let mut bases = group.clone();
            bases.extend(aggregates.clone());
            for item in &mut items {
                item.0 = rebase(item.0.clone(), &bases)?;
            }
            if let Some(h) = having {
                builder = builder.filter(rebase(h, &bases)?)?;
            }
            for (target, _) in &mut sort_inputs {
                if let SortTarget::Input(e) = target {
                    *e = rebase(e.clone(), &bases)?;
                }
            }
        } else if let Some(h) = having {
            builder = builder.filter(h)?;
        }
        let projection: Vec<Expr> = items
            .iter()
            .map(|(e, name, _)| e.clone().alias(name))
            .collect();
        builder = builder.project(projection)?;
        if select.quantifier == Some(SetQuantifier::Distinct) {
            builder = builder.distinct()?;
        }
        if !sort_inputs.is_empty() {
            let sorts: Vec<SortExpr> = sort_inputs
                .into_iter()
                .map(|(target, asc)| {
                    let e = match target {
                        SortTarget::Output(name) => col(Column::from_name(name)),
                        SortTarget::Input(e) => e,
                    };
                    e.sort(asc, !asc)
                })
                .collect();
            builder = builder.sort(sorts)?;
        }
        let top = select.top.map(|t| t.value as usize);
        if offset.is_some() || top.is_some() {
            builder = builder.limit(offset.unwrap_or(0) as usize, top)?;
        }
        Ok(PlannedQuery {
            plan: builder.build()?,
            columns: items.into_iter().map(|i| i.2).collect(),
        })
    }

    /// The catalogue column a select item is, if it is a plain column.
    pub(crate) fn column_meta(&self, expr: &Ast, scope: &Scope) -> Option<ColumnDef> {
        let Ast::Column(name) = expr.unnested() else {
            return None;
        };
        let last = name.parts.last()?;
        scope
            .tables
            .iter()
            .flat_map(|t| t.meta.columns.iter())
            .find(|c| last.matches(&c.name))
            .cloned()
    }
}

/// The metadata of a computed geometry (a constructor, REGION or CENTROID in
/// the select list): its DALI xtype, so that the output is typed as DALI says
/// (POINT, CIRCLE and POLYGON become arrays at the end of planning; BOX and
/// REGION stay STC-S, `adql:REGION`).
fn computed_geometry_meta(expr: &Ast) -> Option<ColumnDef> {
    use adql_syntax::ast::Shape;
    use adql_syntax::functions::Builtin;
    let xtype = match expr.unnested() {
        Ast::Geometry(g) => match g.shape {
            Shape::Point => "point",
            Shape::Circle => "circle",
            Shape::Polygon => "polygon",
            Shape::Box => "adql:REGION",
        },
        Ast::Function(f) => match f.builtin {
            Some(Builtin::Centroid) => "point",
            Some(Builtin::Region) => "adql:REGION",
            _ => return None,
        },
        _ => return None,
    };
    let mut meta = ColumnDef::plain(String::new(), obscore::model::ColumnType::Text);
    meta.xtype = Some(xtype.to_string());
    meta.ascii = true;
    if xtype != "adql:REGION" {
        meta.unit = Some("deg".into());
    }
    Some(meta)
}

/// An ORDER BY key: an output column or an expression over the input.
enum SortTarget {
    Output(String),
    Input(Expr),
}

/// A table's public columns; `*` skips those a USING or NATURAL join merged.
fn table_columns(t: &TableScope, skip_merged: bool) -> Vec<(Expr, String, Option<ColumnDef>)> {
    t.meta
        .columns
        .iter()
        .filter(|c| !(skip_merged && t.merged.contains(&c.name)))
        .map(|c| {
            (
                col(Column::new(Some(t.alias.as_str()), c.name.as_str())),
                c.name.clone(),
                Some(c.clone()),
            )
        })
        .collect()
}

/// The output name of an unnamed select item: the column name, the aggregate's
/// name in upper case (`COUNT`), a function's name, or the expression's text.
fn default_name(expr: &Ast) -> String {
    match expr.unnested() {
        Ast::Column(name) => name
            .parts
            .last()
            .map(|p| p.value.clone())
            .unwrap_or_default(),
        Ast::Aggregate(a) => format!("{:?}", a.func).to_uppercase(),
        Ast::Function(f) => f.name.value.to_lowercase(),
        Ast::Geometry(g) => format!("{:?}", g.shape).to_lowercase(),
        other => other.to_string(),
    }
}

/// Makes output names unique (`name`, `name_2`, …).
fn unique_names(items: &mut [(Expr, String, Option<ColumnDef>)]) {
    let mut seen = HashSet::new();
    for item in items.iter_mut() {
        let mut name = item.1.clone();
        let mut n = 2;
        while !seen.insert(name.to_lowercase()) {
            name = format!("{}_{n}", item.1);
            n += 1;
        }
        item.1 = name;
    }
}

/// A GROUP BY term that names a select-list alias (and no table column).
fn alias_target(
    g: &Ast,
    items: &[(Expr, String, Option<ColumnDef>)],
    scope: &Scope,
) -> Option<Expr> {
    let Ast::Column(name) = g else { return None };
    let [part] = name.parts.as_slice() else {
        return None;
    };
    if scope
        .tables
        .iter()
        .flat_map(|t| t.meta.columns.iter())
        .any(|c| part.matches(&c.name))
    {
        return None;
    }
    items
        .iter()
        .find(|i| part.matches(&i.1))
        .map(|i| i.0.clone())
}

/// An ORDER BY term that names an output column alias.
fn output_alias(e: &Ast, items: &[(Expr, String, Option<ColumnDef>)]) -> Option<String> {
    let Ast::Column(name) = e else { return None };
    let [part] = name.parts.as_slice() else {
        return None;
    };
    items
        .iter()
        .find(|i| part.matches(&i.1))
        .map(|i| i.1.clone())
}

/// `expr` with every sub-expression found in `bases` replaced by the column the
/// aggregation outputs for it.
fn rebase(expr: Expr, bases: &[Expr]) -> Result<Expr> {
    Ok(expr
        .transform_down(|e| {
            if bases.contains(&e) {
                let column = match &e {
                    Expr::Column(c) => Expr::Column(c.clone()),
                    other => col(Column::from_name(other.schema_name().to_string())),
                };
                Ok(Transformed::yes(column))
            } else {
                Ok(Transformed::no(e))
            }
        })?
        .data)
}
