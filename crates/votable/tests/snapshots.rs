//! insta snapshots of small documents: both serialisations, overflow, error.

mod common;

use votable::Serialization;

#[test]
fn small_documents() {
    let batch = common::kitchen_sink();
    let td = common::write(std::slice::from_ref(&batch), Serialization::TableData, true);
    insta::assert_snapshot!("tabledata_with_overflow", String::from_utf8(td).unwrap());
    let b2 = common::write(&[batch.slice(0, 2)], Serialization::Binary2, false);
    insta::assert_snapshot!("binary2", String::from_utf8(b2).unwrap());
    let err = votable::write_error_document(
        Vec::new(),
        "MAXREC must be a non-negative integer, got `-1`",
    )
    .unwrap();
    insta::assert_snapshot!("error_document", String::from_utf8(err).unwrap());
}
