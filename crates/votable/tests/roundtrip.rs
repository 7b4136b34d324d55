//! Writer → reader round trips: property-generated tables in both
//! serialisations come back with the same values, nulls and metadata.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::builder::{FixedSizeListBuilder, Float64Builder, ListBuilder};
use arrow::array::*;
use arrow::datatypes::{DataType, Field, Schema};
use proptest::prelude::*;
use votable::Serialization;

fn text() -> impl Strategy<Value = Option<String>> {
    prop::option::weighted(0.8, "[a-zA-Z0-9 <>&'\"é日\\-_.:/]{0,20}")
}

/// A table of the types the reader maps back to themselves.
fn table() -> impl Strategy<Value = RecordBatch> {
    (1usize..40).prop_flat_map(|n| {
        (
            prop::collection::vec(prop::option::weighted(0.8, any::<bool>()), n),
            prop::collection::vec(prop::option::weighted(0.8, any::<i16>()), n),
            prop::collection::vec(prop::option::weighted(0.8, any::<i32>()), n),
            prop::collection::vec(prop::option::weighted(0.8, any::<i64>()), n),
            prop::collection::vec(prop::option::weighted(0.8, any::<f32>()), n),
            prop::collection::vec(
                prop::option::weighted(
                    0.8,
                    prop_oneof![any::<f64>(), Just(f64::NAN), Just(f64::INFINITY)],
                ),
                n,
            ),
            prop::collection::vec(text(), n),
            prop::collection::vec(prop::option::weighted(0.8, (any::<f64>(), any::<f64>())), n),
            prop::collection::vec(
                prop::option::weighted(0.8, prop::collection::vec(-1e3..1e3f64, 0..8)),
                n,
            ),
        )
            .prop_map(
                |(b, i16s, i32s, i64s, f32s, f64s, strings, points, lists)| {
                    let mut point = FixedSizeListBuilder::new(Float64Builder::new(), 2);
                    for p in &points {
                        match p {
                            Some((a, b)) => {
                                point.values().append_slice(&[*a, *b]);
                                point.append(true);
                            }
                            None => {
                                point.values().append_nulls(2);
                                point.append(false);
                            }
                        }
                    }
                    let mut list = ListBuilder::new(Float64Builder::new());
                    for l in &lists {
                        match l {
                            Some(v) => {
                                list.values().append_slice(v);
                                list.append(true);
                            }
                            None => list.append(false),
                        }
                    }
                    let meta: HashMap<String, String> = [
                        ("unit".to_string(), "deg".to_string()),
                        ("ucd".to_string(), "pos.eq.ra".to_string()),
                    ]
                    .into();
                    let schema = Schema::new(vec![
                        Field::new("b", DataType::Boolean, true),
                        Field::new("i16", DataType::Int16, true),
                        Field::new("i32", DataType::Int32, true),
                        Field::new("i64", DataType::Int64, true),
                        Field::new("f32", DataType::Float32, true),
                        Field::new("f64", DataType::Float64, true).with_metadata(meta),
                        Field::new("s", DataType::Utf8, true),
                        Field::new(
                            "p",
                            DataType::FixedSizeList(
                                Arc::new(Field::new("item", DataType::Float64, true)),
                                2,
                            ),
                            true,
                        ),
                        Field::new(
                            "l",
                            DataType::List(Arc::new(Field::new("item", DataType::Float64, true))),
                            true,
                        ),
                    ]);
                    let strings: Vec<Option<&str>> = strings.iter().map(|s| s.as_deref()).collect();
                    RecordBatch::try_new(
                        Arc::new(schema),
                        vec![
                            Arc::new(BooleanArray::from(b)),
                            Arc::new(Int16Array::from(i16s)),
                            Arc::new(Int32Array::from(i32s)),
                            Arc::new(Int64Array::from(i64s)),
                            Arc::new(Float32Array::from(f32s)),
                            Arc::new(Float64Array::from(f64s)),
                            Arc::new(StringArray::from(strings)),
                            Arc::new(point.finish()),
                            Arc::new(list.finish()),
                        ],
                    )
                    .unwrap()
                },
            )
    })
}

/// Values compared with NaN equal to NaN, as text per cell.
fn cells(batch: &RecordBatch) -> Vec<Vec<String>> {
    let formatter = arrow::util::display::FormatOptions::default().with_null("<null>");
    batch
        .columns()
        .iter()
        .map(|c| {
            let f = arrow::util::display::ArrayFormatter::try_new(c.as_ref(), &formatter).unwrap();
            (0..c.len()).map(|i| f.value(i).to_string()).collect()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn written_tables_read_back(batch in table(), split in 0usize..40) {
        for serialization in [Serialization::TableData, Serialization::Binary2] {
            let split = split.min(batch.num_rows());
            let parts = [batch.slice(0, split), batch.slice(split, batch.num_rows() - split)];
            let bytes = common::write(&parts, serialization, false);
            let (schema, batches) = votable::read(&bytes[..]).unwrap();
            let back = arrow::compute::concat_batches(&schema, &batches).unwrap();
            prop_assert_eq!(back.num_rows(), batch.num_rows());
            for (i, field) in schema.fields().iter().enumerate() {
                let original = batch.schema().field(i).clone();
                prop_assert_eq!(field.name(), original.name());
                prop_assert_eq!(field.data_type(), original.data_type());
                for key in ["unit", "ucd"] {
                    prop_assert_eq!(field.metadata().get(key), original.metadata().get(key));
                }
            }
            let (want, got) = (cells(&batch), cells(&back));
            for (column, (w, g)) in want.iter().zip(&got).enumerate() {
                let name = batch.schema().field(column).name().clone();
                // In TABLEDATA an empty string or array is an empty TD, which is null.
                let w: Vec<String> = if serialization == Serialization::TableData {
                    w.iter().map(|v| if v.is_empty() || v == "[]" { "<null>".into() } else { v.clone() }).collect()
                } else { w.clone() };
                prop_assert_eq!(&w, g, "column {} in {:?}", name, serialization);
            }
        }
    }
}

#[test]
fn kitchen_sink_reads_back_with_metadata() {
    let batch = common::kitchen_sink();
    let bytes = common::write(&[batch], Serialization::Binary2, true);
    let mut reader = votable::VotableReader::new(&bytes[..]).unwrap();
    let schema = reader.schema();
    let s_ra = schema.field_with_name("s_ra").unwrap();
    assert_eq!(
        s_ra.metadata()["description"],
        "Central right ascension, ICRS <&>"
    );
    assert_eq!(
        schema.field_with_name("pos").unwrap().metadata()["xtype"],
        "point"
    );
    assert_eq!(
        reader.infos()[1].value,
        "SELECT * FROM t WHERE a < 1 AND b > 'x&y'"
    );
    let batch = reader.next_batch().unwrap().unwrap();
    assert_eq!(batch.num_rows(), 3);
    let name = batch.column_by_name("name").unwrap().as_string::<i32>();
    assert_eq!(
        name.value(1),
        "<&> \"quotes\" 'apostrophes' é ü 日本 \u{1} end"
    );
    assert!(reader.next_batch().unwrap().is_none());
}
