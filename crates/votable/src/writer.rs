//! The streaming writer: a header, then rows batch by batch (TABLEDATA or
//! BINARY2), then the closing tags with an OVERFLOW status when the result was
//! cut at MAXREC. Memory holds one batch's text at a time.

use std::io::Write;

use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::SchemaRef;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

use crate::cells::{prepare, Column};
use crate::error::{Result, VotableError};
use crate::types::FieldSpec;

/// The namespace VOTable 1.4 documents use (it kept 1.3's).
pub const NAMESPACE: &str = "http://www.ivoa.net/xml/VOTable/v1.3";

/// How the rows are serialised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Serialization {
    /// XML elements, one TD per cell.
    TableData,
    /// Base64 of big-endian binary rows with null flags (VOTable 1.3+).
    #[default]
    Binary2,
}

impl Serialization {
    /// The MIME type announcing this serialisation.
    pub fn mime_type(self) -> &'static str {
        match self {
            Serialization::TableData => "application/x-votable+xml;serialization=TABLEDATA",
            Serialization::Binary2 => "application/x-votable+xml;serialization=BINARY2",
        }
    }
}

/// An INFO element: `<INFO name=… value=…>content</INFO>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    /// The name (`QUERY`, `REQUEST`, …).
    pub name: String,
    /// The value.
    pub value: String,
    /// Text content, if any.
    pub content: Option<String>,
}

impl Info {
    /// An INFO with a name and value.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Info {
        Info {
            name: name.into(),
            value: value.into(),
            content: None,
        }
    }
}

/// What the writer puts around the rows.
#[derive(Debug, Clone, Default)]
pub struct WriterOptions {
    /// TABLEDATA or BINARY2.
    pub serialization: Serialization,
    /// INFOs after `QUERY_STATUS`: the query, the request parameters, …
    pub infos: Vec<Info>,
    /// The TABLE's name.
    pub table_name: Option<String>,
    /// `ID` attributes for some FIELDs (by column index), for PARAMs that
    /// `ref` them (a DataLink service descriptor's ID parameter).
    pub field_ids: Vec<(usize, String)>,
    /// XML written after the results RESOURCE, before `</VOTABLE>`: service
    /// descriptors (`RESOURCE type="meta"`). The caller makes it well-formed.
    pub trailer: String,
}

/// Writes one result table, batch by batch.
pub struct VotableWriter<W: Write> {
    out: W,
    specs: Vec<FieldSpec>,
    serialization: Serialization,
    /// Bytes of the BINARY2 stream not yet base64-encoded (fewer than 3).
    carry: Vec<u8>,
    text: String,
    bytes: Vec<u8>,
    rows: u64,
    trailer: String,
}

impl<W: Write> VotableWriter<W> {
    /// Writes the header up to the first row.
    pub fn new(out: W, schema: &SchemaRef, options: &WriterOptions) -> Result<VotableWriter<W>> {
        let specs = schema
            .fields()
            .iter()
            .map(|f| FieldSpec::from_arrow(f).map(FieldSpec::as_written))
            .collect::<Result<Vec<_>>>()?;
        let mut xml = quick_xml::Writer::new_with_indent(Vec::new(), b' ', 1);
        open_results(&mut xml)?;
        write_info(&mut xml, &Info::new("QUERY_STATUS", "OK"))?;
        for info in &options.infos {
            write_info(&mut xml, info)?;
        }
        let mut table = BytesStart::new("TABLE");
        if let Some(name) = &options.table_name {
            table.push_attribute(("name", clean(name).as_str()));
        }
        xml.write_event(Event::Start(table))?;
        for (i, spec) in specs.iter().enumerate() {
            let id = options
                .field_ids
                .iter()
                .find(|(c, _)| *c == i)
                .map(|(_, id)| id.as_str());
            write_field(&mut xml, spec, id)?;
        }
        xml.write_event(Event::Start(BytesStart::new("DATA")))?;
        match options.serialization {
            Serialization::TableData => {
                xml.write_event(Event::Start(BytesStart::new("TABLEDATA")))?
            }
            Serialization::Binary2 => {
                xml.write_event(Event::Start(BytesStart::new("BINARY2")))?;
                let mut stream = BytesStart::new("STREAM");
                stream.push_attribute(("encoding", "base64"));
                xml.write_event(Event::Start(stream))?;
            }
        }
        let mut out = out;
        out.write_all(&xml.into_inner())?;
        out.write_all(b"\n")?;
        Ok(VotableWriter {
            out,
            specs,
            serialization: options.serialization,
            carry: Vec::new(),
            text: String::new(),
            bytes: Vec::new(),
            rows: 0,
            trailer: options.trailer.clone(),
        })
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Writes the rows of one batch.
    pub fn write_batch(&mut self, batch: &RecordBatch) -> Result<()> {
        if batch.num_columns() != self.specs.len() {
            return Err(VotableError::SchemaMismatch {
                expected: self.specs.len(),
                found: batch.num_columns(),
            });
        }
        let prepared: Vec<Option<ArrayRef>> =
            batch.columns().iter().map(prepare).collect::<Result<_>>()?;
        let columns: Vec<Column<'_>> = batch
            .columns()
            .iter()
            .zip(&prepared)
            .zip(&self.specs)
            .map(|((a, p), spec)| Column::new(p.as_ref().unwrap_or(a).as_ref(), &spec.name))
            .collect::<Result<_>>()?;
        match self.serialization {
            Serialization::TableData => {
                self.text.clear();
                for row in 0..batch.num_rows() {
                    self.text.push_str("<TR>");
                    for column in &columns {
                        if column.is_null(row) {
                            self.text.push_str("<TD/>");
                        } else {
                            self.text.push_str("<TD>");
                            column.write_text(row, &mut self.text)?;
                            self.text.push_str("</TD>");
                        }
                    }
                    self.text.push_str("</TR>\n");
                }
                self.out.write_all(self.text.as_bytes())?;
            }
            Serialization::Binary2 => {
                self.bytes.clear();
                self.bytes.append(&mut self.carry);
                let flag_bytes = columns.len().div_ceil(8);
                for row in 0..batch.num_rows() {
                    let flags_at = self.bytes.len();
                    self.bytes.resize(flags_at + flag_bytes, 0);
                    for (i, (column, spec)) in columns.iter().zip(&self.specs).enumerate() {
                        if column.is_null(row) {
                            self.bytes[flags_at + i / 8] |= 0x80 >> (i % 8);
                        }
                        column.write_binary(row, spec, &mut self.bytes)?;
                    }
                }
                let whole = self.bytes.len() / 3 * 3;
                self.carry.extend_from_slice(&self.bytes[whole..]);
                let encoded = STANDARD.encode(&self.bytes[..whole]);
                for line in encoded.as_bytes().chunks(76) {
                    self.out.write_all(line)?;
                    self.out.write_all(b"\n")?;
                }
            }
        }
        self.rows += batch.num_rows() as u64;
        Ok(())
    }

    /// Closes the document; with `overflow`, adds `QUERY_STATUS` `OVERFLOW`
    /// after the table (the result was cut at MAXREC). Returns the output.
    pub fn finish(self, overflow: bool) -> Result<W> {
        let status =
            overflow.then(|| "<INFO name=\"QUERY_STATUS\" value=\"OVERFLOW\"/>\n".to_string());
        self.close(status)
    }

    /// Closes the document after a failure part-way through the rows: the rows
    /// written stay, and `QUERY_STATUS` `ERROR` with `message` follows the table
    /// (DALI 1.1 §4.4: a status after the table overrides the one before it).
    pub fn finish_error(self, message: &str) -> Result<W> {
        let mut xml = quick_xml::Writer::new(Vec::new());
        write_info(&mut xml, &error_status(message))?;
        let mut status = String::from_utf8(xml.into_inner()).expect("the writer writes UTF-8");
        status.push('\n');
        self.close(Some(status))
    }

    fn close(mut self, status: Option<String>) -> Result<W> {
        let mut tail = String::new();
        match self.serialization {
            Serialization::TableData => tail.push_str("</TABLEDATA>\n"),
            Serialization::Binary2 => {
                if !self.carry.is_empty() {
                    tail.push_str(&STANDARD.encode(&self.carry));
                    tail.push('\n');
                }
                tail.push_str("</STREAM>\n</BINARY2>\n");
            }
        }
        tail.push_str("</DATA>\n</TABLE>\n");
        if let Some(status) = status {
            tail.push_str(&status);
        }
        tail.push_str("</RESOURCE>\n");
        tail.push_str(&self.trailer);
        tail.push_str("</VOTABLE>\n");
        self.out.write_all(tail.as_bytes())?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Writes a DALI error document: `QUERY_STATUS` `ERROR` with the message as the
/// INFO's content.
pub fn write_error_document<W: Write>(out: W, message: &str) -> Result<W> {
    let mut xml = quick_xml::Writer::new_with_indent(out, b' ', 1);
    open_results(&mut xml)?;
    write_info(&mut xml, &error_status(message))?;
    xml.write_event(Event::End(BytesEnd::new("RESOURCE")))?;
    xml.write_event(Event::End(BytesEnd::new("VOTABLE")))?;
    let mut out = xml.into_inner();
    out.write_all(b"\n")?;
    Ok(out)
}

/// `QUERY_STATUS` `ERROR` with `message` as its text.
fn error_status(message: &str) -> Info {
    Info {
        name: "QUERY_STATUS".into(),
        value: "ERROR".into(),
        content: Some(message.to_string()),
    }
}

/// The XML declaration, `<VOTABLE …>` and `<RESOURCE type="results">`.
fn open_results<W: Write>(xml: &mut quick_xml::Writer<W>) -> Result<()> {
    xml.write_event(Event::Decl(quick_xml::events::BytesDecl::new(
        "1.0",
        Some("UTF-8"),
        None,
    )))?;
    let mut votable = BytesStart::new("VOTABLE");
    votable.push_attribute(("version", "1.4"));
    votable.push_attribute(("xmlns", NAMESPACE));
    votable.push_attribute(("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"));
    xml.write_event(Event::Start(votable))?;
    let mut resource = BytesStart::new("RESOURCE");
    resource.push_attribute(("type", "results"));
    xml.write_event(Event::Start(resource))?;
    Ok(())
}

fn write_info<W: Write>(xml: &mut quick_xml::Writer<W>, info: &Info) -> Result<()> {
    let mut start = BytesStart::new("INFO");
    start.push_attribute(("name", clean(&info.name).as_str()));
    start.push_attribute(("value", clean(&info.value).as_str()));
    match &info.content {
        None => xml.write_event(Event::Empty(start))?,
        Some(text) => {
            xml.write_event(Event::Start(start))?;
            xml.write_event(Event::Text(BytesText::new(&clean(text))))?;
            xml.write_event(Event::End(BytesEnd::new("INFO")))?;
        }
    }
    Ok(())
}

fn write_field<W: Write>(
    xml: &mut quick_xml::Writer<W>,
    spec: &FieldSpec,
    id: Option<&str>,
) -> Result<()> {
    let mut field = BytesStart::new("FIELD");
    if let Some(id) = id {
        field.push_attribute(("ID", clean(id).as_str()));
    }
    field.push_attribute(("name", clean(&spec.name).as_str()));
    field.push_attribute(("datatype", spec.datatype.name()));
    if let Some(size) = spec.arraysize.attribute() {
        field.push_attribute(("arraysize", size.as_str()));
    }
    for (key, value) in [
        ("xtype", &spec.xtype),
        ("unit", &spec.unit),
        ("ucd", &spec.ucd),
        ("utype", &spec.utype),
    ] {
        if let Some(v) = value {
            field.push_attribute((key, clean(v).as_str()));
        }
    }
    match &spec.description {
        None => xml.write_event(Event::Empty(field))?,
        Some(d) => {
            xml.write_event(Event::Start(field))?;
            xml.write_event(Event::Start(BytesStart::new("DESCRIPTION")))?;
            xml.write_event(Event::Text(BytesText::new(&clean(d))))?;
            xml.write_event(Event::End(BytesEnd::new("DESCRIPTION")))?;
            xml.write_event(Event::End(BytesEnd::new("FIELD")))?;
        }
    }
    Ok(())
}

/// True for characters XML 1.0 does not allow in a document.
fn forbidden(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
}

/// `text` with characters XML forbids replaced by U+FFFD (quick-xml escapes the
/// rest when writing attributes and text events).
fn clean(text: &str) -> String {
    if text.chars().any(forbidden) {
        text.chars()
            .map(|c| if forbidden(c) { '\u{FFFD}' } else { c })
            .collect()
    } else {
        text.to_string()
    }
}

/// Appends `text` escaped for XML element content; forbidden characters become
/// U+FFFD, never raw.
pub(crate) fn escape_into(text: &str, out: &mut String) {
    let needs = text
        .bytes()
        .any(|b| matches!(b, b'&' | b'<' | b'>') || b < 0x20 || b == 0xEF);
    if !needs {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if forbidden(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

impl From<quick_xml::Error> for VotableError {
    fn from(e: quick_xml::Error) -> Self {
        VotableError::Malformed {
            location: "output".into(),
            message: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_replaces_forbidden_characters() {
        let mut s = String::new();
        escape_into("a<b & c>\u{1}\u{FFFE}\té", &mut s);
        assert_eq!(s, "a&lt;b &amp; c&gt;\u{FFFD}\u{FFFD}\té");
        assert_eq!(clean("x\u{0}y"), "x\u{FFFD}y");
    }
}
