//! TAP_SCHEMA (TAP 1.1), derived from the catalogue of registered tables:
//! `schemas`, `tables`, `columns` (with `"size"`, `indexed`, `principal`, `std`,
//! `column_index`), `keys` and `key_columns`. The TAP_SCHEMA tables describe
//! themselves too, as services do.

use std::sync::Arc;

use arrow::array::{ArrayRef, Int32Array, RecordBatch, StringArray};

use crate::error::Result;
use crate::model::{schema_of, ColumnDef, ColumnType};
use crate::snapshot::TableMeta;

/// A foreign key between registered tables, for `keys` and `key_columns`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    /// Its id.
    pub key_id: String,
    /// `schema.table` holding the key.
    pub from_table: String,
    /// `schema.table` it points to.
    pub target_table: String,
    /// (from column, target column) pairs.
    pub columns: Vec<(String, String)>,
    /// A description.
    pub description: String,
}

fn text_col(name: &str, description: &str, principal: bool, not_null: bool) -> ColumnDef {
    ColumnDef {
        name: name.into(),
        column_type: ColumnType::Text,
        unit: None,
        ucd: None,
        utype: None,
        xtype: None,
        description: description.into(),
        max_length: None,
        principal,
        indexed: false,
        standard: true,
        not_null,
        ascii: false,
    }
}

fn int_col(name: &str, description: &str) -> ColumnDef {
    ColumnDef {
        column_type: ColumnType::Int,
        ..text_col(name, description, false, false)
    }
}

fn tap_table(name: &str, description: &str, columns: Vec<ColumnDef>) -> TableMeta {
    TableMeta {
        schema: "tap_schema".into(),
        name: name.into(),
        description: description.into(),
        columns,
        position: None,
    }
}

/// A column's name as TAP_SCHEMA lists it: delimited when it is an ADQL
/// reserved word (TAP 1.1 §4.3: `"size"`), so that it can be pasted into a query.
pub fn column_name(name: &str) -> String {
    if adql_syntax::keywords::is_reserved(name) {
        format!("\"{name}\"")
    } else {
        name.to_string()
    }
}

/// TAP_SCHEMA's own foreign keys (TAP 1.1 §4).
pub fn tap_schema_keys() -> Vec<ForeignKey> {
    let key = |id: &str, from: &str, target: &str, from_col: &str, target_col: &str| ForeignKey {
        key_id: id.into(),
        from_table: format!("tap_schema.{from}"),
        target_table: format!("tap_schema.{target}"),
        columns: vec![(from_col.into(), target_col.into())],
        description: format!("{from}.{from_col} refers to {target}.{target_col}"),
    };
    vec![
        key(
            "tap_schema-tables-schemas",
            "tables",
            "schemas",
            "schema_name",
            "schema_name",
        ),
        key(
            "tap_schema-columns-tables",
            "columns",
            "tables",
            "table_name",
            "table_name",
        ),
        key(
            "tap_schema-keys-from",
            "keys",
            "tables",
            "from_table",
            "table_name",
        ),
        key(
            "tap_schema-keys-target",
            "keys",
            "tables",
            "target_table",
            "table_name",
        ),
        key(
            "tap_schema-key_columns-keys",
            "key_columns",
            "keys",
            "key_id",
            "key_id",
        ),
    ]
}

/// The five TAP_SCHEMA tables' definitions.
pub fn tap_schema_tables() -> Vec<TableMeta> {
    vec![
        tap_table(
            "schemas",
            "description of schemas in this tableset",
            vec![
                text_col(
                    "schema_name",
                    "schema name for reference to tap_schema.schemas",
                    true,
                    true,
                ),
                text_col(
                    "utype",
                    "lists the utypes of schemas in the tableset",
                    true,
                    false,
                ),
                text_col(
                    "description",
                    "describes schemas in the tableset",
                    true,
                    false,
                ),
                int_col(
                    "schema_index",
                    "recommended sort order when listing schemas",
                ),
            ],
        ),
        tap_table(
            "tables",
            "description of tables in this tableset",
            vec![
                text_col(
                    "schema_name",
                    "the schema this table belongs to",
                    true,
                    true,
                ),
                text_col("table_name", "the fully qualified table name", true, true),
                text_col("table_type", "one of: table view", true, true),
                text_col(
                    "utype",
                    "lists the utype of tables in the tableset",
                    true,
                    false,
                ),
                text_col(
                    "description",
                    "describes tables in the tableset",
                    true,
                    false,
                ),
                int_col("table_index", "recommended sort order when listing tables"),
            ],
        ),
        tap_table(
            "columns",
            "description of columns in this tableset",
            vec![
                text_col("table_name", "the table this column belongs to", true, true),
                text_col("column_name", "the column name", true, true),
                text_col(
                    "datatype",
                    "lists the ADQL datatype of columns in the tableset",
                    true,
                    true,
                ),
                text_col(
                    "arraysize",
                    "lists the size of variable-length columns in the tableset",
                    true,
                    false,
                ),
                text_col(
                    "xtype",
                    "a DALI or custom extended type annotation",
                    true,
                    false,
                ),
                int_col("size", "deprecated: use arraysize"),
                text_col(
                    "description",
                    "describes the columns in the tableset",
                    true,
                    false,
                ),
                text_col(
                    "utype",
                    "lists the utypes of columns in the tableset",
                    true,
                    false,
                ),
                text_col(
                    "unit",
                    "lists the unit used for column values in the tableset",
                    true,
                    false,
                ),
                text_col(
                    "ucd",
                    "lists the UCDs of columns in the tableset",
                    true,
                    false,
                ),
                int_col("indexed", "an indexed column; 1 means true, 0 means false"),
                int_col(
                    "principal",
                    "a principal column; 1 means true, 0 means false",
                ),
                int_col("std", "a standard column; 1 means true, 0 means false"),
                int_col(
                    "column_index",
                    "recommended sort order when listing columns of a table",
                ),
            ],
        ),
        tap_table(
            "keys",
            "description of foreign keys in this tableset",
            vec![
                text_col(
                    "key_id",
                    "unique key to join to tap_schema.key_columns",
                    true,
                    true,
                ),
                text_col("from_table", "the table with the foreign key", true, true),
                text_col("target_table", "the table with the primary key", true, true),
                text_col("description", "describes keys in the tableset", true, false),
                text_col(
                    "utype",
                    "lists the utype of keys in the tableset",
                    true,
                    false,
                ),
            ],
        ),
        tap_table(
            "key_columns",
            "description of foreign key columns in this tableset",
            vec![
                text_col("key_id", "key to join to tap_schema.keys", true, true),
                text_col("from_column", "column in the from_table", true, true),
                text_col("target_column", "column in the target_table", true, true),
            ],
        ),
    ]
}

fn texts(values: Vec<Option<String>>) -> ArrayRef {
    Arc::new(StringArray::from(values))
}

fn ints(values: Vec<Option<i32>>) -> ArrayRef {
    Arc::new(Int32Array::from(values))
}

/// The TAP_SCHEMA tables and their rows, for `tables` (the TAP_SCHEMA tables are
/// added to the listing).
pub fn tap_schema(
    tables: &[TableMeta],
    keys: &[ForeignKey],
) -> Result<Vec<(TableMeta, RecordBatch)>> {
    let defs = tap_schema_tables();
    let mut all: Vec<TableMeta> = tables.to_vec();
    all.extend(defs.iter().cloned());
    let mut schema_names: Vec<String> = Vec::new();
    for t in &all {
        if !schema_names.contains(&t.schema) {
            schema_names.push(t.schema.clone());
        }
    }
    let schema_description = |s: &str| match s {
        "ivoa" => Some("ObsCore v1.1 attributes in ObsTAP realization".to_string()),
        "tap_schema" => Some(
            "A TAP-standard-mandated schema to describe tablesets in a TAP 1.1 service".to_string(),
        ),
        _ => None,
    };
    let schemas = vec![
        texts(schema_names.iter().cloned().map(Some).collect()),
        texts(schema_names.iter().map(|_| None).collect()),
        texts(schema_names.iter().map(|s| schema_description(s)).collect()),
        ints((0..schema_names.len() as i32).map(Some).collect()),
    ];
    let table_rows = vec![
        texts(all.iter().map(|t| Some(t.schema.clone())).collect()),
        texts(all.iter().map(|t| Some(t.qualified_name())).collect()),
        texts(all.iter().map(|_| Some("table".to_string())).collect()),
        texts(
            all.iter()
                .map(|t| {
                    (t.qualified_name() == "ivoa.ObsCore")
                        .then(|| "ivo://ivoa.net/std/ObsCore#table-1.1".to_string())
                })
                .collect(),
        ),
        texts(all.iter().map(|t| Some(t.description.clone())).collect()),
        ints((0..all.len() as i32).map(Some).collect()),
    ];
    let cols: Vec<(String, usize, &ColumnDef)> = all
        .iter()
        .flat_map(|t| {
            t.columns
                .iter()
                .enumerate()
                .map(move |(i, c)| (t.qualified_name(), i, c))
        })
        .collect();
    let column_rows = vec![
        texts(cols.iter().map(|c| Some(c.0.clone())).collect()),
        texts(cols.iter().map(|c| Some(column_name(&c.2.name))).collect()),
        texts(
            cols.iter()
                .map(|c| Some(c.2.tap_datatype().to_string()))
                .collect(),
        ),
        texts(cols.iter().map(|c| c.2.tap_arraysize()).collect()),
        texts(cols.iter().map(|c| c.2.xtype.clone()).collect()),
        ints(
            cols.iter()
                .map(|c| c.2.max_length.map(|n| n as i32))
                .collect(),
        ),
        texts(cols.iter().map(|c| Some(c.2.description.clone())).collect()),
        texts(cols.iter().map(|c| c.2.utype.clone()).collect()),
        texts(cols.iter().map(|c| c.2.unit.clone()).collect()),
        texts(cols.iter().map(|c| c.2.ucd.clone()).collect()),
        ints(cols.iter().map(|c| Some(i32::from(c.2.indexed))).collect()),
        ints(
            cols.iter()
                .map(|c| Some(i32::from(c.2.principal)))
                .collect(),
        ),
        ints(cols.iter().map(|c| Some(i32::from(c.2.standard))).collect()),
        ints(cols.iter().map(|c| Some(c.1 as i32)).collect()),
    ];
    let mut keys = keys.to_vec();
    keys.extend(tap_schema_keys());
    let keys = &keys;
    let key_rows = vec![
        texts(keys.iter().map(|k| Some(k.key_id.clone())).collect()),
        texts(keys.iter().map(|k| Some(k.from_table.clone())).collect()),
        texts(keys.iter().map(|k| Some(k.target_table.clone())).collect()),
        texts(keys.iter().map(|k| Some(k.description.clone())).collect()),
        texts(keys.iter().map(|_| None).collect()),
    ];
    let kc: Vec<(&ForeignKey, &(String, String))> = keys
        .iter()
        .flat_map(|k| k.columns.iter().map(move |c| (k, c)))
        .collect();
    let key_column_rows = vec![
        texts(kc.iter().map(|(k, _)| Some(k.key_id.clone())).collect()),
        texts(kc.iter().map(|(_, c)| Some(c.0.clone())).collect()),
        texts(kc.iter().map(|(_, c)| Some(c.1.clone())).collect()),
    ];
    let data = [schemas, table_rows, column_rows, key_rows, key_column_rows];
    defs.into_iter()
        .zip(data)
        .map(|(def, columns)| {
            let batch = RecordBatch::try_new(schema_of(&def.columns), columns)?;
            Ok((def, batch))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::AsArray;

    #[test]
    fn obscore_in_tap_schema() {
        let tables = tap_schema(&[crate::generate::obscore_table()], &[]).unwrap();
        let names: Vec<&str> = tables.iter().map(|t| t.0.name.as_str()).collect();
        assert_eq!(
            names,
            ["schemas", "tables", "columns", "keys", "key_columns"]
        );
        let schemas = tables[0].1.column(0).as_string::<i32>();
        assert_eq!(schemas.value(0), "ivoa");
        assert_eq!(schemas.value(1), "tap_schema");
        let columns = &tables[2].1;
        let table_name = columns.column(0).as_string::<i32>();
        let obscore_rows = (0..columns.num_rows())
            .filter(|&i| table_name.value(i) == "ivoa.ObsCore")
            .count();
        assert_eq!(obscore_rows, 37);
        assert_eq!(columns.schema().field(5).name(), "size");
    }
}
