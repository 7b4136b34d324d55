//! A table with every supported type, nulls in every column, NaN beside null,
//! and metadata, shared by the integration tests.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::builder::{FixedSizeListBuilder, Float64Builder, ListBuilder};
use arrow::array::*;
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};

fn meta(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Three rows: ordinary values, edge values (NaN, extremes, escapes), nulls.
pub fn kitchen_sink() -> RecordBatch {
    let mut point = FixedSizeListBuilder::new(Float64Builder::new(), 2);
    point.values().append_slice(&[10.5, -20.25]);
    point.append(true);
    point.values().append_slice(&[359.999999, -89.5]);
    point.append(true);
    point.values().append_nulls(2);
    point.append(false);
    let mut polygon = ListBuilder::new(Float64Builder::new());
    polygon
        .values()
        .append_slice(&[10.0, 10.0, 12.0, 10.0, 12.0, 12.0]);
    polygon.append(true);
    polygon
        .values()
        .append_slice(&[359.0, -1.0, 1.0, -1.0, 1.0, 1.0, 359.0, 1.0]);
    polygon.append(true);
    polygon.append(false);
    let fields = vec![
        Field::new("flag", DataType::Boolean, true),
        Field::new("u8", DataType::UInt8, true),
        Field::new("i16", DataType::Int16, true),
        Field::new("i32", DataType::Int32, true),
        Field::new("i64", DataType::Int64, true),
        Field::new("f32", DataType::Float32, true),
        Field::new("s_ra", DataType::Float64, true).with_metadata(meta(&[
            ("unit", "deg"),
            ("ucd", "pos.eq.ra"),
            (
                "utype",
                "obscore:Char.SpatialAxis.Coverage.Location.Coord.Position2D.Value2.C1",
            ),
            ("description", "Central right ascension, ICRS <&>"),
        ])),
        Field::new("name", DataType::Utf8, true),
        Field::new(
            "t_obs",
            DataType::Timestamp(TimeUnit::Microsecond, None),
            true,
        ),
        Field::new(
            "pos",
            DataType::FixedSizeList(Arc::new(Field::new("item", DataType::Float64, true)), 2),
            true,
        )
        .with_metadata(meta(&[("xtype", "point"), ("unit", "deg")])),
        Field::new(
            "poly",
            DataType::List(Arc::new(Field::new("item", DataType::Float64, true))),
            true,
        )
        .with_metadata(meta(&[("xtype", "polygon"), ("unit", "deg")])),
        Field::new("s_region", DataType::Utf8, true)
            .with_metadata(meta(&[("xtype", "adql:REGION")])),
    ];
    let columns: Vec<ArrayRef> = vec![
        Arc::new(BooleanArray::from(vec![Some(true), Some(false), None])),
        Arc::new(UInt8Array::from(vec![Some(0), Some(255), None])),
        Arc::new(Int16Array::from(vec![Some(-32768), Some(32767), None])),
        Arc::new(Int32Array::from(vec![Some(-2147483648), Some(2147483647), None])),
        Arc::new(Int64Array::from(vec![Some(-9223372036854775807), Some(9223372036854775807), None])),
        Arc::new(Float32Array::from(vec![Some(1.5), Some(f32::NAN), None])),
        Arc::new(Float64Array::from(vec![Some(55.74673760481304), Some(f64::NAN), None])),
        Arc::new(StringArray::from(vec![Some("plain"), Some("<&> \"quotes\" 'apostrophes' é ü 日本 \u{1} end"), None])),
        Arc::new(TimestampMicrosecondArray::from(vec![Some(1_795_597_200_123_456), Some(0), None])),
        Arc::new(point.finish()),
        Arc::new(polygon.finish()),
        Arc::new(StringArray::from(vec![
            Some("POLYGON ICRS 55.514085 -32.322253 55.790197 -32.322253 55.789845 -32.088924 55.514437 -32.088924"),
            Some("CIRCLE ICRS 1 2 3"),
            None,
        ])),
    ];
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).expect("valid batch")
}

/// Writes batches with the given serialisation and overflow flag.
pub fn write(
    batches: &[RecordBatch],
    serialization: votable::Serialization,
    overflow: bool,
) -> Vec<u8> {
    let schema = batches[0].schema();
    let options = votable::WriterOptions {
        serialization,
        infos: vec![votable::Info::new(
            "QUERY",
            "SELECT * FROM t WHERE a < 1 AND b > 'x&y'",
        )],
        table_name: Some("result".into()),
        ..Default::default()
    };
    let mut w = votable::VotableWriter::new(Vec::new(), &schema, &options).expect("header");
    for b in batches {
        w.write_batch(b).expect("batch");
    }
    w.finish(overflow).expect("finish")
}
