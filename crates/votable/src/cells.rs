//! One batch's columns as the writer sees them: null tests, TABLEDATA text and
//! BINARY2 bytes for each cell.

use arrow::array::{Array, ArrayRef, AsArray, GenericListArray, OffsetSizeTrait};
use arrow::compute::cast;
use arrow::datatypes::*;

use crate::error::{Result, VotableError};
use crate::types::{Arraysize, Datatype, FieldSpec};

/// A column of one batch, typed for writing.
pub(crate) enum Column<'a> {
    Bool(&'a arrow::array::BooleanArray),
    U8(&'a arrow::array::UInt8Array),
    I8(&'a arrow::array::Int8Array),
    I16(&'a arrow::array::Int16Array),
    U16(&'a arrow::array::UInt16Array),
    I32(&'a arrow::array::Int32Array),
    U32(&'a arrow::array::UInt32Array),
    I64(&'a arrow::array::Int64Array),
    U64(&'a arrow::array::UInt64Array, &'a str),
    F16(&'a arrow::array::Float16Array),
    F32(&'a arrow::array::Float32Array),
    F64(&'a arrow::array::Float64Array),
    Str(Strings<'a>),
    Bytes(&'a dyn Array),
    /// A list column: each row's (start, length) in the child column.
    List {
        child: Box<Column<'a>>,
        array: &'a dyn Array,
        spans: Spans<'a>,
    },
}

/// Where each list row's values sit in the child column.
pub(crate) enum Spans<'a> {
    Offsets32(&'a [i32]),
    Offsets64(&'a [i64]),
    Fixed(usize),
}

impl Spans<'_> {
    fn span(&self, row: usize) -> (usize, usize) {
        match self {
            Spans::Offsets32(o) => (o[row] as usize, (o[row + 1] - o[row]) as usize),
            Spans::Offsets64(o) => (o[row] as usize, (o[row + 1] - o[row]) as usize),
            Spans::Fixed(n) => (row * n, *n),
        }
    }
}

/// Any of Arrow's string layouts.
pub(crate) enum Strings<'a> {
    Utf8(&'a arrow::array::StringArray),
    Large(&'a arrow::array::LargeStringArray),
    View(&'a arrow::array::StringViewArray),
}

impl Strings<'_> {
    fn value(&self, row: usize) -> &str {
        match self {
            Strings::Utf8(a) => a.value(row),
            Strings::Large(a) => a.value(row),
            Strings::View(a) => a.value(row),
        }
    }
}

/// Arrays converted for writing (timestamps and dates as ISO strings), kept alive
/// for the batch.
pub(crate) fn prepare(array: &ArrayRef) -> Result<Option<ArrayRef>> {
    Ok(match array.data_type() {
        DataType::Timestamp(unit, Some(_)) => {
            let utc = cast(array, &DataType::Timestamp(*unit, None))?;
            Some(cast(&utc, &DataType::Utf8)?)
        }
        DataType::Timestamp(_, None) | DataType::Date32 | DataType::Date64 => {
            Some(cast(array, &DataType::Utf8)?)
        }
        _ => None,
    })
}

impl<'a> Column<'a> {
    /// Wraps an array (already through [`prepare`]).
    pub(crate) fn new(array: &'a dyn Array, name: &'a str) -> Result<Column<'a>> {
        Ok(match array.data_type() {
            DataType::Boolean => Column::Bool(array.as_boolean()),
            DataType::UInt8 => Column::U8(array.as_primitive()),
            DataType::Int8 => Column::I8(array.as_primitive()),
            DataType::Int16 => Column::I16(array.as_primitive()),
            DataType::UInt16 => Column::U16(array.as_primitive()),
            DataType::Int32 => Column::I32(array.as_primitive()),
            DataType::UInt32 => Column::U32(array.as_primitive()),
            DataType::Int64 => Column::I64(array.as_primitive()),
            DataType::UInt64 => Column::U64(array.as_primitive(), name),
            DataType::Float16 => Column::F16(array.as_primitive()),
            DataType::Float32 => Column::F32(array.as_primitive()),
            DataType::Float64 => Column::F64(array.as_primitive()),
            DataType::Utf8 => Column::Str(Strings::Utf8(array.as_string())),
            DataType::LargeUtf8 => Column::Str(Strings::Large(array.as_string())),
            DataType::Utf8View => Column::Str(Strings::View(array.as_string_view())),
            DataType::Binary | DataType::LargeBinary | DataType::BinaryView => Column::Bytes(array),
            DataType::List(_) => list(array.as_list::<i32>(), name, |l| {
                Spans::Offsets32(l.value_offsets())
            })?,
            DataType::LargeList(_) => list(array.as_list::<i64>(), name, |l| {
                Spans::Offsets64(l.value_offsets())
            })?,
            DataType::FixedSizeList(_, n) => {
                let l = array.as_fixed_size_list();
                Column::List {
                    child: Box::new(Column::new(l.values().as_ref(), name)?),
                    array,
                    spans: Spans::Fixed(*n as usize),
                }
            }
            other => {
                return Err(VotableError::UnsupportedType {
                    column: name.to_string(),
                    data_type: other.to_string(),
                })
            }
        })
    }

    /// True if the cell is null.
    pub(crate) fn is_null(&self, row: usize) -> bool {
        match self {
            Column::Bool(a) => a.is_null(row),
            Column::U8(a) => a.is_null(row),
            Column::I8(a) => a.is_null(row),
            Column::I16(a) => a.is_null(row),
            Column::U16(a) => a.is_null(row),
            Column::I32(a) => a.is_null(row),
            Column::U32(a) => a.is_null(row),
            Column::I64(a) => a.is_null(row),
            Column::U64(a, _) => a.is_null(row),
            Column::F16(a) => a.is_null(row),
            Column::F32(a) => a.is_null(row),
            Column::F64(a) => a.is_null(row),
            Column::Str(Strings::Utf8(a)) => a.is_null(row),
            Column::Str(Strings::Large(a)) => a.is_null(row),
            Column::Str(Strings::View(a)) => a.is_null(row),
            Column::Bytes(a) => a.is_null(row),
            Column::List { array, .. } => array.is_null(row),
        }
    }

    /// Appends the TABLEDATA text of a non-null cell.
    pub(crate) fn write_text(&self, row: usize, out: &mut String) -> Result<()> {
        let mut int = itoa::Buffer::new();
        match self {
            Column::Bool(a) => out.push(if a.value(row) { 'T' } else { 'F' }),
            Column::U8(a) => out.push_str(int.format(a.value(row))),
            Column::I8(a) => out.push_str(int.format(a.value(row))),
            Column::I16(a) => out.push_str(int.format(a.value(row))),
            Column::U16(a) => out.push_str(int.format(a.value(row))),
            Column::I32(a) => out.push_str(int.format(a.value(row))),
            Column::U32(a) => out.push_str(int.format(a.value(row))),
            Column::I64(a) => out.push_str(int.format(a.value(row))),
            Column::U64(a, name) => out.push_str(int.format(checked_u64(a.value(row), name)?)),
            Column::F16(a) => push_float(out, a.value(row).to_f32()),
            Column::F32(a) => push_float(out, a.value(row)),
            Column::F64(a) => push_float(out, a.value(row)),
            Column::Str(s) => crate::writer::escape_into(s.value(row), out),
            Column::Bytes(a) => {
                for (i, b) in binary_value(*a, row).iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(int.format(*b));
                }
            }
            Column::List { child, spans, .. } => {
                let (start, len) = spans.span(row);
                for i in start..start + len {
                    if i > start {
                        out.push(' ');
                    }
                    if child.is_null(i) {
                        // Null elements of numeric arrays are written as NaN.
                        out.push_str("NaN");
                    } else {
                        child.write_text(i, out)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Appends the BINARY2 bytes of a cell (placeholder bytes for nulls; the
    /// row's null flags say which).
    pub(crate) fn write_binary(
        &self,
        row: usize,
        spec: &FieldSpec,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        self.write_binary_sized(row, spec, spec.arraysize == Arraysize::Variable, out)
    }

    fn write_binary_sized(
        &self,
        row: usize,
        spec: &FieldSpec,
        variable: bool,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let null = self.is_null(row);
        match self {
            Column::Bool(a) => out.push(if null {
                b'?'
            } else if a.value(row) {
                b'T'
            } else {
                b'F'
            }),
            Column::U8(a) => out.push(a.value(row)),
            Column::I8(a) => out.extend_from_slice(&i16::from(a.value(row)).to_be_bytes()),
            Column::I16(a) => out.extend_from_slice(&a.value(row).to_be_bytes()),
            Column::U16(a) => out.extend_from_slice(&i32::from(a.value(row)).to_be_bytes()),
            Column::I32(a) => out.extend_from_slice(&a.value(row).to_be_bytes()),
            Column::U32(a) => out.extend_from_slice(&i64::from(a.value(row)).to_be_bytes()),
            Column::I64(a) => out.extend_from_slice(&a.value(row).to_be_bytes()),
            Column::U64(a, name) => {
                let v = if null {
                    0
                } else {
                    checked_u64(a.value(row), name)?
                };
                out.extend_from_slice(&v.to_be_bytes());
            }
            Column::F16(a) => {
                out.extend_from_slice(&nan_if(null, a.value(row).to_f32()).to_be_bytes())
            }
            Column::F32(a) => out.extend_from_slice(&nan_if(null, a.value(row)).to_be_bytes()),
            Column::F64(a) => {
                out.extend_from_slice(&if null { f64::NAN } else { a.value(row) }.to_be_bytes())
            }
            Column::Str(s) => {
                let text = if null { "" } else { s.value(row) };
                if spec.datatype == Datatype::UnicodeChar {
                    // UCS-2 as astropy reads it (UTF-16 big-endian; the count is in characters).
                    let count_at = out.len();
                    out.extend_from_slice(&[0; 4]);
                    let mut units = 0u32;
                    for unit in text.encode_utf16() {
                        out.extend_from_slice(&unit.to_be_bytes());
                        units += 1;
                    }
                    out[count_at..count_at + 4].copy_from_slice(&units.to_be_bytes());
                } else {
                    if !text.is_ascii() {
                        return Err(VotableError::Value {
                            column: spec.name.clone(),
                            message: format!("non-ASCII text in a column declared ASCII: {text:?}"),
                        });
                    }
                    out.extend_from_slice(&(text.len() as u32).to_be_bytes());
                    out.extend_from_slice(text.as_bytes());
                }
            }
            Column::Bytes(a) => {
                let bytes = if null { &[][..] } else { binary_value(*a, row) };
                out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
                out.extend_from_slice(bytes);
            }
            Column::List { child, spans, .. } => {
                let (start, len) = spans.span(row);
                if variable {
                    let count = if null { 0 } else { len };
                    out.extend_from_slice(&(count as u32).to_be_bytes());
                    if null {
                        return Ok(());
                    }
                }
                for i in start..start + len {
                    child.write_binary_sized(i, spec, false, out)?;
                }
            }
        }
        Ok(())
    }
}

fn list<'a, O: OffsetSizeTrait>(
    l: &'a GenericListArray<O>,
    name: &'a str,
    spans: impl Fn(&'a GenericListArray<O>) -> Spans<'a>,
) -> Result<Column<'a>> {
    Ok(Column::List {
        child: Box::new(Column::new(l.values().as_ref(), name)?),
        array: l,
        spans: spans(l),
    })
}

fn binary_value(a: &dyn Array, row: usize) -> &[u8] {
    match a.data_type() {
        DataType::Binary => a.as_binary::<i32>().value(row),
        DataType::LargeBinary => a.as_binary::<i64>().value(row),
        _ => a.as_binary_view().value(row),
    }
}

fn checked_u64(v: u64, name: &str) -> Result<i64> {
    i64::try_from(v).map_err(|_| VotableError::Value {
        column: name.to_string(),
        message: format!("{v} does not fit VOTable's long"),
    })
}

fn nan_if(null: bool, v: f32) -> f32 {
    if null {
        f32::NAN
    } else {
        v
    }
}

/// A float as VOTable TABLEDATA writes it: shortest round-trip digits, or
/// NaN/+Inf/-Inf.
fn push_float<F: ryu::Float + Into<f64>>(out: &mut String, v: F) {
    let wide: f64 = v.into();
    if wide.is_finite() {
        out.push_str(ryu::Buffer::new().format_finite(v));
    } else if wide.is_nan() {
        out.push_str("NaN");
    } else if wide > 0.0 {
        out.push_str("+Inf");
    } else {
        out.push_str("-Inf");
    }
}
