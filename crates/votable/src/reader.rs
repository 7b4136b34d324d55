//! The reader: VOTable (TABLEDATA, BINARY or BINARY2) into Arrow record batches,
//! streaming, with each FIELD's metadata kept on the Arrow field. Used by TAP
//! uploads and `adql ingest`.

use std::collections::HashMap;
use std::io::BufRead;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use quick_xml::events::{BytesStart, Event};

use crate::error::{Result, VotableError};
use crate::types::{Arraysize, Datatype, DESCRIPTION, UCD, UNIT, UTYPE, XTYPE};
use crate::writer::Info;

mod columns;
use columns::*;

/// Rows per record batch.
const BATCH_ROWS: usize = 8192;

/// A FIELD as read.
#[derive(Debug, Clone)]
struct FieldDecl {
    name: String,
    datatype: Datatype,
    arraysize: Arraysize,
    /// `VALUES null="…"` for integers.
    null_value: Option<String>,
    meta: HashMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    TableData,
    Binary,
    Binary2,
}

/// Reads one VOTable's first table, batch by batch.
pub struct VotableReader<R: BufRead> {
    xml: quick_xml::Reader<R>,
    buf: Vec<u8>,
    fields: Vec<FieldDecl>,
    schema: SchemaRef,
    infos: Vec<Info>,
    format: Format,
    /// Decoded stream bytes not yet parsed into rows.
    pending: Vec<u8>,
    /// Base64 characters not yet decoded (fewer than 4).
    pending_b64: Vec<u8>,
    stream_done: bool,
    done: bool,
    rows: u64,
    stream_offset: u64,
}

impl<R: BufRead> VotableReader<R> {
    /// Reads the header up to the data. A DALI error document gives
    /// [`VotableError::ServiceError`].
    pub fn new(input: R) -> Result<VotableReader<R>> {
        let mut xml = quick_xml::Reader::from_reader(input);
        xml.config_mut().trim_text(false);
        let mut reader = VotableReader {
            xml,
            buf: Vec::new(),
            fields: Vec::new(),
            schema: Arc::new(Schema::empty()),
            infos: Vec::new(),
            format: Format::TableData,
            pending: Vec::new(),
            pending_b64: Vec::new(),
            stream_done: false,
            done: false,
            rows: 0,
            stream_offset: 0,
        };
        reader.read_header()?;
        Ok(reader)
    }

    /// The Arrow schema, with FIELD metadata on each field.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// The INFO elements seen before the data.
    pub fn infos(&self) -> &[Info] {
        &self.infos
    }

    fn read_header(&mut self) -> Result<()> {
        let mut in_field: Option<FieldDecl> = None;
        let mut text_target: Option<&'static str> = None;
        let mut text = String::new();
        let mut error_info: Option<String> = None;
        let mut saw_votable = false;
        loop {
            self.buf.clear();
            let event = next_event(&mut self.xml, &mut self.buf)?;
            match event {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    let empty = matches!(event, Event::Empty(_));
                    let attrs = attributes(e).map_err(|m| malformed_at(&self.xml, m))?;
                    match e.local_name().as_ref() {
                        b"VOTABLE" => saw_votable = true,
                        b"FIELD" => {
                            let decl =
                                field_decl(&attrs).map_err(|m| malformed_at(&self.xml, m))?;
                            if empty {
                                self.fields.push(decl);
                            } else {
                                in_field = Some(decl);
                            }
                        }
                        b"VALUES" => {
                            if let (Some(f), Some(null)) = (in_field.as_mut(), attrs.get("null")) {
                                f.null_value = Some(null.clone());
                            }
                        }
                        b"DESCRIPTION" if in_field.is_some() => {
                            text_target = Some("description");
                            text.clear();
                        }
                        b"INFO" => {
                            let info = Info {
                                name: attrs.get("name").cloned().unwrap_or_default(),
                                value: attrs.get("value").cloned().unwrap_or_default(),
                                content: None,
                            };
                            if info.name == "QUERY_STATUS" && info.value == "ERROR" {
                                error_info = Some(String::new());
                                if empty {
                                    return Err(VotableError::ServiceError("(no message)".into()));
                                }
                                text_target = Some("error");
                                text.clear();
                            }
                            self.infos.push(info);
                        }
                        b"TABLEDATA" => {
                            self.format = Format::TableData;
                            break;
                        }
                        b"BINARY" => self.format = Format::Binary,
                        b"BINARY2" => self.format = Format::Binary2,
                        b"STREAM" => {
                            if attrs.get("encoding").map(String::as_str) != Some("base64") {
                                return Err(malformed_at(
                                    &self.xml,
                                    "only base64-encoded STREAMs are read",
                                ));
                            }
                            if attrs.contains_key("href") {
                                return Err(malformed_at(
                                    &self.xml,
                                    "remote STREAMs (href) are not read",
                                ));
                            }
                            break;
                        }
                        b"FITS" => {
                            return Err(malformed_at(
                                &self.xml,
                                "the FITS serialisation is not read",
                            ))
                        }
                        _ => {}
                    }
                }
                Event::Text(ref t) if text_target.is_some() => {
                    text.push_str(
                        &t.decode()
                            .map_err(|e| malformed_at(&self.xml, e.to_string()))?,
                    );
                }
                Event::GeneralRef(ref r) if text_target.is_some() => {
                    text.push_str(&entity(r.as_ref()).map_err(|m| malformed_at(&self.xml, m))?);
                }
                Event::CData(ref c) if text_target.is_some() => {
                    text.push_str(&String::from_utf8_lossy(c))
                }
                Event::End(ref e) => match e.local_name().as_ref() {
                    b"FIELD" => {
                        if let Some(f) = in_field.take() {
                            self.fields.push(f);
                        }
                    }
                    b"DESCRIPTION" if text_target == Some("description") => {
                        if let Some(f) = in_field.as_mut() {
                            f.meta.insert(DESCRIPTION.into(), text.trim().to_string());
                        }
                        text_target = None;
                    }
                    b"INFO" if text_target == Some("error") => {
                        return Err(VotableError::ServiceError(text.trim().to_string()));
                    }
                    b"TABLE" => {
                        // A table without DATA: no rows.
                        self.done = true;
                        break;
                    }
                    _ => {}
                },
                Event::Eof => {
                    if let Some(message) = error_info {
                        return Err(VotableError::ServiceError(message));
                    }
                    if !saw_votable {
                        return Err(malformed_at(&self.xml, "not a VOTable: no VOTABLE element"));
                    }
                    self.done = true;
                    break;
                }
                _ => {}
            }
        }
        let fields: Vec<Field> = self.fields.iter().map(arrow_field).collect();
        self.schema = Arc::new(Schema::new(fields));
        Ok(())
    }

    /// The next batch of rows, or `None` at the end of the table.
    pub fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        if self.done {
            return Ok(None);
        }
        let mut builders: Vec<ColumnBuilder> = self.fields.iter().map(ColumnBuilder::new).collect();
        let mut rows = 0;
        while rows < BATCH_ROWS {
            let more = match self.format {
                Format::TableData => self.tabledata_row(&mut builders)?,
                Format::Binary | Format::Binary2 => self.binary_row(&mut builders)?,
            };
            if !more {
                self.done = true;
                break;
            }
            rows += 1;
        }
        if rows == 0 {
            return Ok(None);
        }
        let arrays: Vec<ArrayRef> = builders.into_iter().map(ColumnBuilder::finish).collect();
        Ok(Some(RecordBatch::try_new(self.schema.clone(), arrays)?))
    }

    /// Reads one `<TR>`; false at `</TABLEDATA>`.
    fn tabledata_row(&mut self, builders: &mut [ColumnBuilder]) -> Result<bool> {
        let mut cell: Option<String> = None;
        let mut column = 0usize;
        let mut in_row = false;
        loop {
            self.buf.clear();
            let event = next_event(&mut self.xml, &mut self.buf)?;
            match event {
                Event::Start(ref e) => match e.local_name().as_ref() {
                    b"TR" => {
                        in_row = true;
                        column = 0;
                    }
                    b"TD" => cell = Some(String::new()),
                    other => {
                        return Err(malformed_at(
                            &self.xml,
                            format!(
                                "unexpected <{}> in TABLEDATA",
                                String::from_utf8_lossy(other)
                            ),
                        ))
                    }
                },
                Event::Empty(ref e) => match e.local_name().as_ref() {
                    b"TD" => {
                        self.push_cell(builders, column, "")?;
                        column += 1;
                    }
                    b"TR" => {
                        self.end_row(builders, 0)?;
                        return Ok(true);
                    }
                    other => {
                        return Err(malformed_at(
                            &self.xml,
                            format!(
                                "unexpected <{}/> in TABLEDATA",
                                String::from_utf8_lossy(other)
                            ),
                        ))
                    }
                },
                Event::Text(ref t) => {
                    if let Some(c) = cell.as_mut() {
                        c.push_str(
                            &t.decode()
                                .map_err(|e| malformed_at(&self.xml, e.to_string()))?,
                        );
                    } else if !t.iter().all(u8::is_ascii_whitespace) {
                        return Err(malformed_at(&self.xml, "text outside a TD"));
                    }
                }
                Event::GeneralRef(ref r) => {
                    let text = entity(r.as_ref()).map_err(|m| malformed_at(&self.xml, m))?;
                    match cell.as_mut() {
                        Some(c) => c.push_str(&text),
                        None => return Err(malformed_at(&self.xml, "text outside a TD")),
                    }
                }
                Event::CData(ref c) => {
                    if let Some(cell) = cell.as_mut() {
                        cell.push_str(&String::from_utf8_lossy(c));
                    }
                }
                Event::End(ref e) => match e.local_name().as_ref() {
                    b"TD" => {
                        let text = cell.take().unwrap_or_default();
                        self.push_cell(builders, column, &text)?;
                        column += 1;
                    }
                    b"TR" => {
                        self.end_row(builders, column)?;
                        return Ok(true);
                    }
                    b"TABLEDATA" if !in_row => return Ok(false),
                    other => {
                        return Err(malformed_at(
                            &self.xml,
                            format!("unexpected </{}>", String::from_utf8_lossy(other)),
                        ))
                    }
                },
                Event::Eof => {
                    return Err(malformed_at(
                        &self.xml,
                        "the document ends inside TABLEDATA",
                    ))
                }
                _ => {}
            }
        }
    }

    fn push_cell(&self, builders: &mut [ColumnBuilder], column: usize, text: &str) -> Result<()> {
        let row = self.rows + 1;
        let Some(builder) = builders.get_mut(column) else {
            return Err(VotableError::Malformed {
                location: format!("row {row}"),
                message: format!("more TD elements than the {} FIELDs", self.fields.len()),
            });
        };
        builder
            .push_text(&self.fields[column], text)
            .map_err(|m| VotableError::Malformed {
                location: format!("row {row}, column `{}`", self.fields[column].name),
                message: m,
            })
    }

    fn end_row(&mut self, builders: &mut [ColumnBuilder], cells: usize) -> Result<()> {
        if cells != self.fields.len() {
            return Err(VotableError::Malformed {
                location: format!("row {}", self.rows + 1),
                message: format!("{cells} TD elements for {} FIELDs", self.fields.len()),
            });
        }
        let _ = builders;
        self.rows += 1;
        Ok(())
    }

    /// Decodes more of the base64 stream into `pending`; false at its end.
    fn fill(&mut self) -> Result<bool> {
        if self.stream_done {
            return Ok(false);
        }
        loop {
            self.buf.clear();
            let event = next_event(&mut self.xml, &mut self.buf)?;
            match event {
                Event::Text(ref t) => {
                    self.pending_b64
                        .extend(t.iter().copied().filter(|b| !b.is_ascii_whitespace()));
                    let whole = self.pending_b64.len() / 4 * 4;
                    if whole == 0 {
                        continue;
                    }
                    let decoded = STANDARD.decode(&self.pending_b64[..whole]).map_err(|e| {
                        VotableError::Malformed {
                            location: format!("byte {} of the base64 stream", self.stream_offset),
                            message: format!("bad base64: {e}"),
                        }
                    })?;
                    self.stream_offset += whole as u64;
                    self.pending_b64.drain(..whole);
                    self.pending.extend_from_slice(&decoded);
                    return Ok(true);
                }
                Event::End(ref e) if e.local_name().as_ref() == b"STREAM" => {
                    if !self.pending_b64.is_empty() {
                        return Err(VotableError::Malformed {
                            location: format!("byte {} of the base64 stream", self.stream_offset),
                            message:
                                "the base64 stream ends in the middle of a group of 4 characters"
                                    .into(),
                        });
                    }
                    self.stream_done = true;
                    return Ok(false);
                }
                Event::Eof => {
                    return Err(malformed_at(
                        &self.xml,
                        "the document ends inside the STREAM",
                    ))
                }
                Event::Start(_) | Event::Empty(_) => {
                    return Err(malformed_at(&self.xml, "an element inside the STREAM"))
                }
                _ => {}
            }
        }
    }

    /// Reads one binary row; false at the end of the stream.
    fn binary_row(&mut self, builders: &mut [ColumnBuilder]) -> Result<bool> {
        loop {
            match parse_binary_row(&self.fields, &self.pending, self.format == Format::Binary2) {
                Ok(Some((consumed, cells))) => {
                    for ((builder, field), cell) in builders.iter_mut().zip(&self.fields).zip(cells)
                    {
                        builder
                            .push_binary(field, cell)
                            .map_err(|m| VotableError::Malformed {
                                location: format!("row {}, column `{}`", self.rows + 1, field.name),
                                message: m,
                            })?;
                    }
                    self.pending.drain(..consumed);
                    self.rows += 1;
                    return Ok(true);
                }
                Ok(None) => {
                    if !self.fill()? {
                        if self.pending.is_empty() {
                            return Ok(false);
                        }
                        return Err(VotableError::Malformed {
                            location: format!("row {}", self.rows + 1),
                            message: format!(
                                "the stream is truncated: {} bytes of an incomplete row",
                                self.pending.len()
                            ),
                        });
                    }
                }
                Err(message) => {
                    return Err(VotableError::Malformed {
                        location: format!("row {}", self.rows + 1),
                        message,
                    })
                }
            }
        }
    }
}

impl<R: BufRead> Iterator for VotableReader<R> {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.next_batch() {
            Ok(Some(b)) => Some(Ok(b)),
            Ok(None) => None,
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Reads a whole VOTable: its schema and batches.
pub fn read(input: impl BufRead) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let mut reader = VotableReader::new(input)?;
    let schema = reader.schema();
    let mut batches = Vec::new();
    while let Some(batch) = reader.next_batch()? {
        batches.push(batch);
    }
    Ok((schema, batches))
}

/// An error at the reader's current byte position.
/// The next XML event into `buf`; a syntax error names its byte offset.
fn next_event<'b, R: BufRead>(
    xml: &mut quick_xml::Reader<R>,
    buf: &'b mut Vec<u8>,
) -> Result<Event<'b>> {
    xml.read_event_into(buf)
        .map_err(|e| VotableError::Malformed {
            location: format!("byte {}", xml.error_position()),
            message: e.to_string(),
        })
}

fn malformed_at<R>(xml: &quick_xml::Reader<R>, message: impl Into<String>) -> VotableError {
    VotableError::Malformed {
        location: format!("byte {}", xml.buffer_position()),
        message: message.into(),
    }
}

fn attributes(e: &BytesStart<'_>) -> Result<HashMap<String, String>, String> {
    let mut map = HashMap::new();
    for a in e.attributes() {
        let a = a.map_err(|e| e.to_string())?;
        let key = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
        let value = a.unescape_value().map_err(|e| e.to_string())?.into_owned();
        map.insert(key, value);
    }
    Ok(map)
}

fn entity(name: &[u8]) -> Result<String, String> {
    let name = String::from_utf8_lossy(name);
    Ok(match name.as_ref() {
        "lt" => "<".into(),
        "gt" => ">".into(),
        "amp" => "&".into(),
        "quot" => "\"".into(),
        "apos" => "'".into(),
        n if n.starts_with("#x") => char_ref(u32::from_str_radix(&n[2..], 16).ok(), n)?,
        n if n.starts_with('#') => char_ref(n[1..].parse().ok(), n)?,
        other => return Err(format!("unknown entity &{other};")),
    })
}

fn char_ref(code: Option<u32>, text: &str) -> Result<String, String> {
    code.and_then(char::from_u32)
        .map(String::from)
        .ok_or_else(|| format!("bad character reference &{text};"))
}

fn field_decl(attrs: &HashMap<String, String>) -> Result<FieldDecl, String> {
    let name = attrs.get("name").cloned().ok_or("a FIELD without a name")?;
    let datatype_name = attrs
        .get("datatype")
        .ok_or(format!("FIELD `{name}` has no datatype"))?;
    let datatype = Datatype::from_name(datatype_name).ok_or(format!(
        "FIELD `{name}`: unknown datatype `{datatype_name}`"
    ))?;
    if matches!(
        datatype_name.as_str(),
        "bit" | "floatComplex" | "doubleComplex"
    ) {
        return Err(format!(
            "FIELD `{name}`: datatype `{datatype_name}` is not supported"
        ));
    }
    let arraysize = Arraysize::parse(attrs.get("arraysize").map(String::as_str))
        .ok_or(format!("FIELD `{name}`: bad arraysize"))?;
    let mut meta = HashMap::new();
    for key in [UNIT, UCD, UTYPE, XTYPE] {
        if let Some(v) = attrs.get(key) {
            meta.insert(key.to_string(), v.clone());
        }
    }
    Ok(FieldDecl {
        name,
        datatype,
        arraysize,
        null_value: None,
        meta,
    })
}

fn is_text(f: &FieldDecl) -> bool {
    matches!(f.datatype, Datatype::Char | Datatype::UnicodeChar)
}

fn element_arrow(d: Datatype) -> DataType {
    match d {
        Datatype::Boolean => DataType::Boolean,
        Datatype::UnsignedByte => DataType::UInt8,
        Datatype::Short => DataType::Int16,
        Datatype::Int => DataType::Int32,
        Datatype::Long => DataType::Int64,
        Datatype::Float => DataType::Float32,
        Datatype::Double => DataType::Float64,
        Datatype::Char | Datatype::UnicodeChar => DataType::Utf8,
    }
}

fn arrow_field(f: &FieldDecl) -> Field {
    let data_type = if is_text(f) {
        DataType::Utf8
    } else if f.datatype == Datatype::UnsignedByte && f.arraysize != Arraysize::Scalar {
        DataType::Binary
    } else {
        let element = element_arrow(f.datatype);
        match f.arraysize {
            Arraysize::Scalar => element,
            Arraysize::Fixed(n) => {
                DataType::FixedSizeList(Arc::new(Field::new("item", element, true)), n as i32)
            }
            Arraysize::Variable => DataType::List(Arc::new(Field::new("item", element, true))),
        }
    };
    let mut meta = f.meta.clone();
    if f.datatype == Datatype::Char {
        // Declared `char`: ASCII text (VOTable 1.4 §2.1), so that a writer can
        // give it back as `char`.
        meta.insert(crate::types::ASCII.to_string(), "true".to_string());
    }
    Field::new(&f.name, data_type, true).with_metadata(meta)
}

/// A cell decoded from a binary row.
enum BinCell {
    Null,
    Bool(Option<bool>),
    Int(i64),
    Float(f64),
    Text(String),
    Bytes(Vec<u8>),
    Numbers(Vec<f64>),
    Integers(Vec<i64>),
    Bools(Vec<Option<bool>>),
}

/// Parses one row from `bytes`: `Ok(None)` if more bytes are needed.
fn parse_binary_row(
    fields: &[FieldDecl],
    bytes: &[u8],
    binary2: bool,
) -> Result<Option<(usize, Vec<BinCell>)>, String> {
    let mut at = 0usize;
    let flags = if binary2 {
        let n = fields.len().div_ceil(8);
        if bytes.len() < n {
            return Ok(None);
        }
        at = n;
        Some(&bytes[..n])
    } else {
        None
    };
    let mut cells = Vec::with_capacity(fields.len());
    for (i, f) in fields.iter().enumerate() {
        let count = match f.arraysize {
            Arraysize::Scalar => 1,
            Arraysize::Fixed(n) => n,
            Arraysize::Variable => {
                let Some(c) = bytes.get(at..at + 4) else {
                    return Ok(None);
                };
                at += 4;
                let n = u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize;
                if n > 1 << 28 {
                    return Err(format!(
                        "column `{}`: array count {n} is not plausible",
                        f.name
                    ));
                }
                n
            }
        };
        let width = f.datatype.width();
        let Some(data) = bytes.get(at..at + count * width) else {
            return Ok(None);
        };
        at += count * width;
        if flags.is_some_and(|fl| fl[i / 8] & (0x80 >> (i % 8)) != 0) {
            cells.push(BinCell::Null);
            continue;
        }
        cells.push(decode_binary(f, data, count)?);
    }
    Ok(Some((at, cells)))
}

fn decode_binary(f: &FieldDecl, data: &[u8], count: usize) -> Result<BinCell, String> {
    let be = |chunk: &[u8]| -> u64 { chunk.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)) };
    let int_at = |i: usize| -> i64 {
        match f.datatype {
            Datatype::UnsignedByte => i64::from(data[i]),
            Datatype::Short => i64::from(be(&data[2 * i..2 * i + 2]) as u16 as i16),
            Datatype::Int => i64::from(be(&data[4 * i..4 * i + 4]) as u32 as i32),
            _ => be(&data[8 * i..8 * i + 8]) as i64,
        }
    };
    let float_at = |i: usize| -> f64 {
        match f.datatype {
            Datatype::Float => f64::from(f32::from_bits(be(&data[4 * i..4 * i + 4]) as u32)),
            _ => f64::from_bits(be(&data[8 * i..8 * i + 8])),
        }
    };
    let bool_at = |i: usize| match data[i] {
        b'T' | b't' | b'1' => Some(true),
        b'F' | b'f' | b'0' => Some(false),
        _ => None,
    };
    Ok(match (f.datatype, f.arraysize) {
        (Datatype::Char, _) => {
            let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
            BinCell::Text(String::from_utf8_lossy(&data[..end]).into_owned())
        }
        (Datatype::UnicodeChar, _) => {
            let units: Vec<u16> = data
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            let text = String::from_utf16_lossy(&units);
            BinCell::Text(text.trim_end_matches('\0').to_string())
        }
        (Datatype::UnsignedByte, Arraysize::Fixed(_) | Arraysize::Variable) => {
            BinCell::Bytes(data.to_vec())
        }
        (Datatype::Boolean, Arraysize::Scalar) => BinCell::Bool(bool_at(0)),
        (Datatype::Boolean, _) => BinCell::Bools((0..count).map(bool_at).collect()),
        (Datatype::Float | Datatype::Double, Arraysize::Scalar) => BinCell::Float(float_at(0)),
        (Datatype::Float | Datatype::Double, _) => {
            BinCell::Numbers((0..count).map(float_at).collect())
        }
        (_, Arraysize::Scalar) => {
            let v = int_at(0);
            if f.null_value.as_deref().and_then(|n| parse_int(n).ok()) == Some(v) {
                BinCell::Null
            } else {
                BinCell::Int(v)
            }
        }
        (_, _) => BinCell::Integers((0..count).map(int_at).collect()),
    })
}
