//! FROM: a table with an optional correlation name.

use adql_syntax::ast::TableRef;
use datafusion::datasource::provider_as_source;
use datafusion::logical_expr::LogicalPlanBuilder;

use super::Planner;
use crate::catalog::TableEntry;
use crate::error::{EngineError, Result};

/// A table in scope: its entry and the name columns are qualified with.
pub(crate) struct Scope<'c> {
    pub entry: &'c TableEntry,
    pub alias: String,
    /// Names a query may use to qualify columns: the alias, or the table name.
    pub qualifiers: Vec<String>,
}

impl<'c> Planner<'c> {
    /// The scan of the FROM list.
    pub(crate) fn relation(&self, from: &[TableRef]) -> Result<(LogicalPlanBuilder, Scope<'c>)> {
        let [single] = from else {
            let span = from[1].span();
            return Err(EngineError::unsupported(
                "a FROM list of several tables (a join)",
                span,
            ));
        };
        match single {
            TableRef::Table { name, alias, .. } => {
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
                Ok((
                    builder,
                    Scope {
                        entry,
                        alias: alias_name,
                        qualifiers,
                    },
                ))
            }
            TableRef::Join(join) => Err(EngineError::unsupported("JOIN", join.span)),
            TableRef::Derived { span, .. } => {
                Err(EngineError::unsupported("a subquery in FROM", *span))
            }
            TableRef::Nested { span, .. } => {
                Err(EngineError::unsupported("a parenthesised join", *span))
            }
        }
    }
}
