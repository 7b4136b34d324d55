//! Computed geometries in the select list are typed as DALI 1.1 says: POINT
//! and CENTROID `double[2]` (xtype point), CIRCLE `double[3]` (circle), POLYGON
//! `double[*]` (polygon); BOX and REGION stay STC-S with `adql:REGION`. Inside
//! the query (a derived table, a predicate) they are still geometries.

mod common;

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Float64Type};

async fn engine() -> adql_engine::Engine {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("geometry-output-cache");
    std::env::set_var("ADQL_CACHE_DIR", &dir);
    adql_engine::Engine::demo().await.expect("demo snapshot")
}

#[tokio::test]
async fn computed_geometries_are_dali_arrays() {
    let engine = engine().await;
    let q = "SELECT TOP 1 POINT('ICRS', 10, 20) AS p, CIRCLE('ICRS', 10, 20, 0.5) AS c, \
             POLYGON('ICRS', 1, 1, 2, 1, 2, 2) AS poly, BOX('ICRS', 1, 1, 1, 1) AS b, \
             CENTROID(CIRCLE('ICRS', 10, 20, 1)) AS ctr, s_region FROM ivoa.ObsCore";
    let result = engine.query(q).await.unwrap();
    let schema = result.schema.clone();
    let xtype = |i: usize| schema.field(i).metadata().get("xtype").cloned();
    assert!(matches!(
        schema.field(0).data_type(),
        DataType::FixedSizeList(_, 2)
    ));
    assert_eq!(xtype(0).as_deref(), Some("point"));
    assert!(matches!(
        schema.field(1).data_type(),
        DataType::FixedSizeList(_, 3)
    ));
    assert_eq!(xtype(1).as_deref(), Some("circle"));
    assert!(matches!(schema.field(2).data_type(), DataType::List(_)));
    assert_eq!(xtype(2).as_deref(), Some("polygon"));
    assert_eq!(xtype(3).as_deref(), Some("adql:REGION"));
    assert_eq!(xtype(4).as_deref(), Some("point"));
    assert_eq!(xtype(5).as_deref(), Some("adql:REGION"));
    let batches = common::collect(&engine, q).await;
    let p = batches[0].column(0).as_fixed_size_list();
    let values = p.value(0);
    let values = values.as_primitive::<Float64Type>();
    assert_eq!((values.value(0), values.value(1)), (10.0, 20.0));
    let poly = batches[0].column(2).as_list::<i32>();
    assert_eq!(poly.value(0).len(), 6);
}

#[tokio::test]
async fn geometries_stay_geometries_inside_the_query() {
    let engine = engine().await;
    // A derived table's POINT used in CONTAINS, and only the outer result converted.
    let q =
        "SELECT TOP 3 t.p FROM (SELECT POINT('ICRS', s_ra, s_dec) AS p FROM ivoa.ObsCore) AS t \
             WHERE CONTAINS(t.p, CIRCLE('ICRS', 55.7467, -32.2862, 2)) = 1";
    let batches = common::collect(&engine, q).await;
    assert!(matches!(
        batches[0].schema().field(0).data_type(),
        DataType::FixedSizeList(_, 2)
    ));
    assert!(batches.iter().map(|b| b.num_rows()).sum::<usize>() > 0);
}
