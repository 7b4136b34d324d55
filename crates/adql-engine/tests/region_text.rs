//! REGION's text as ADQL 2.1 allows it: DALI point, circle and polygon
//! strings, and STC-S with a reference position, each selecting exactly the
//! rows the equivalent geometry constructor selects.

use arrow::array::AsArray;
use arrow::datatypes::Int64Type;

mod common;

async fn count(engine: &adql_engine::Engine, condition: &str) -> i64 {
    let q = format!("SELECT COUNT(*) AS n FROM ivoa.ObsCore WHERE {condition}");
    let batches = common::collect(engine, &q).await;
    batches[0].column(0).as_primitive::<Int64Type>().value(0)
}

#[tokio::test]
async fn dali_strings_and_reference_positions_in_region() {
    let engine = adql_engine::Engine::demo().await.expect("demo");
    let pairs = [
        (
            "CONTAINS(POINT('ICRS', s_ra, s_dec), REGION('55.7 -32.3 1')) = 1",
            "CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 55.7, -32.3, 1)) = 1",
        ),
        (
            "CONTAINS(POINT('ICRS', s_ra, s_dec), REGION('55 -33  57 -33  57 -31  55 -31')) = 1",
            "CONTAINS(POINT('ICRS', s_ra, s_dec), POLYGON('ICRS', 55, -33, 57, -33, 57, -31, 55, -31)) = 1",
        ),
        (
            "CONTAINS(REGION('55.74673760481304 -32.286155241413624'), s_region) = 1",
            "CONTAINS(POINT('ICRS', 55.74673760481304, -32.286155241413624), s_region) = 1",
        ),
        (
            "CONTAINS(REGION('position icrs lsr 55.74673760481304 -32.286155241413624'), s_region) = 1",
            "CONTAINS(POINT('ICRS', 55.74673760481304, -32.286155241413624), s_region) = 1",
        ),
        (
            "INTERSECTS(REGION('Circle ICRS BARYCENTER 55.7 -32.3 0.5'), s_region) = 1",
            "INTERSECTS(CIRCLE('ICRS', 55.7, -32.3, 0.5), s_region) = 1",
        ),
    ];
    for (region, constructor) in pairs {
        let (a, b) = (
            count(&engine, region).await,
            count(&engine, constructor).await,
        );
        assert!(a > 0, "{region} selects nothing");
        assert_eq!(a, b, "{region} against {constructor}");
    }
    // A DALI string of 4 numbers is neither point, circle nor polygon.
    let v = adql_syntax::validate(
        "SELECT s_ra FROM ivoa.ObsCore WHERE CONTAINS(POINT('ICRS', s_ra, s_dec), REGION('1 2 3 4')) = 1",
        &adql_syntax::ValidateOptions::default(),
    );
    assert!(
        v.diagnostics.iter().any(|d| d.code == "bad-region"),
        "{:?}",
        v.diagnostics
    );
}
