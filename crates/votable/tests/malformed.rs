//! Malformed input gives an error with a line, byte or row position, never a
//! panic: bad XML, wrong cell counts, bad base64, unknown datatypes, truncated
//! streams, bad values, error documents.

mod common;

use votable::{Serialization, VotableError};

fn read_error(doc: &str) -> String {
    match votable::read(doc.as_bytes()) {
        Ok(_) => panic!("expected an error for:\n{doc}"),
        Err(e) => e.to_string(),
    }
}

const HEAD: &str = r#"<?xml version="1.0"?><VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3"><RESOURCE type="results"><TABLE>
<FIELD name="a" datatype="int"/><FIELD name="b" datatype="char" arraysize="*"/>"#;

#[test]
fn tabledata_errors_name_the_row() {
    let e = read_error(&format!("{HEAD}<DATA><TABLEDATA><TR><TD>1</TD><TD>x</TD></TR><TR><TD>2</TD></TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>"));
    assert!(
        e.contains("row 2") && e.contains("1 TD elements for 2 FIELDs"),
        "{e}"
    );
    let e = read_error(&format!("{HEAD}<DATA><TABLEDATA><TR><TD>1</TD><TD>x</TD><TD>y</TD></TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>"));
    assert!(e.contains("more TD elements"), "{e}");
    let e = read_error(&format!("{HEAD}<DATA><TABLEDATA><TR><TD>one</TD><TD>x</TD></TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>"));
    assert!(
        e.contains("row 1, column `a`") && e.contains("`one` is not an integer"),
        "{e}"
    );
    let e = read_error(&format!(
        "{HEAD}<DATA><TABLEDATA><TR><TD>1</TD><TD>x</TD></TR>"
    ));
    assert!(e.contains("ends inside TABLEDATA"), "{e}");
}

#[test]
fn bad_xml_gives_a_byte_position() {
    let e = read_error(&format!("{HEAD}<DATA><TABLEDATA><TR><TD>1</TD><TD>x</TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>"));
    assert!(e.contains("malformed VOTable at byte"), "{e}");
    let e = read_error("this is not XML at all <");
    assert!(e.contains("malformed VOTable"), "{e}");
    let e = read_error("<html><body>Not a VOTable</body></html>");
    assert!(e.contains("not a VOTable"), "{e}");
}

#[test]
fn unknown_datatypes_and_sizes() {
    let e = read_error(
        r#"<VOTABLE><RESOURCE><TABLE><FIELD name="x" datatype="quaternion"/></TABLE></RESOURCE></VOTABLE>"#,
    );
    assert!(e.contains("unknown datatype `quaternion`"), "{e}");
    let e = read_error(
        r#"<VOTABLE><RESOURCE><TABLE><FIELD name="x" datatype="int" arraysize="lots"/></TABLE></RESOURCE></VOTABLE>"#,
    );
    assert!(e.contains("bad arraysize"), "{e}");
    let e =
        read_error(r#"<VOTABLE><RESOURCE><TABLE><FIELD name="x"/></TABLE></RESOURCE></VOTABLE>"#);
    assert!(e.contains("has no datatype"), "{e}");
}

#[test]
fn binary_stream_errors() {
    let bytes = common::write(&[common::kitchen_sink()], Serialization::Binary2, false);
    let doc = String::from_utf8(bytes).unwrap();
    let start =
        doc.find("<STREAM encoding=\"base64\">").unwrap() + "<STREAM encoding=\"base64\">".len();
    let end = doc.find("</STREAM>").unwrap();
    // Bad base64.
    let bad = format!("{}!!!!{}", &doc[..start], &doc[end..]);
    let e = read_error(&bad);
    assert!(
        e.contains("bad base64") && e.contains("byte 0 of the base64 stream"),
        "{e}"
    );
    // Truncated: drop the last 40 base64 characters (whole groups of 4).
    let stream: String = doc[start..end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let cut = format!(
        "{}{}{}",
        &doc[..start],
        &stream[..stream.len() - 40],
        &doc[end..]
    );
    let e = read_error(&cut);
    assert!(e.contains("truncated") && e.contains("row 3"), "{e}");
    // A group of fewer than 4 characters at the end.
    let ragged = format!(
        "{}{}{}",
        &doc[..start],
        &stream[..stream.len() - 2],
        &doc[end..]
    );
    let e = read_error(&ragged);
    assert!(e.contains("middle of a group"), "{e}");
    // The document stops inside the stream.
    let e = read_error(&doc[..start + 100]);
    assert!(e.contains("ends inside the STREAM"), "{e}");
}

#[test]
fn error_documents_become_service_errors() {
    let doc = votable::write_error_document(Vec::new(), "table \"x\" not found").unwrap();
    match votable::read(&doc[..]) {
        Err(VotableError::ServiceError(m)) => assert_eq!(m, "table \"x\" not found"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn writer_rejects_what_votable_cannot_hold() {
    use std::sync::Arc;
    let schema = Arc::new(arrow::datatypes::Schema::new(vec![
        arrow::datatypes::Field::new("d", arrow::datatypes::DataType::Decimal128(10, 2), true),
    ]));
    let e = votable::VotableWriter::new(Vec::new(), &schema, &votable::WriterOptions::default())
        .err()
        .unwrap();
    assert!(e.to_string().contains("has no VOTable datatype"), "{e}");
    let schema = Arc::new(arrow::datatypes::Schema::new(vec![
        arrow::datatypes::Field::new("big", arrow::datatypes::DataType::UInt64, true),
    ]));
    let batch = arrow::array::RecordBatch::try_new(
        schema.clone(),
        vec![Arc::new(arrow::array::UInt64Array::from(vec![u64::MAX]))],
    )
    .unwrap();
    let mut w =
        votable::VotableWriter::new(Vec::new(), &schema, &votable::WriterOptions::default())
            .unwrap();
    let e = w.write_batch(&batch).unwrap_err();
    assert!(e.to_string().contains("does not fit VOTable's long"), "{e}");
}
