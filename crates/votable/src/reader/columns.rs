//! Column builders for the reader: text cells parsed into Arrow builders,
//! scalar and list columns alike.

use arrow::array::builder::*;
use arrow::array::ArrayRef;

use super::*;
/// An integer in decimal or `0x` hexadecimal, with an optional sign; the whole
/// i64 range, `-9223372036854775808` included (the usual `long` null value).
pub(super) fn parse_int(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let bad = || format!("`{text}` is not an integer");
    // Parsed unsigned and negated in i128, so that i64::MIN, whose magnitude
    // i64 cannot hold, reads too.
    let magnitude = if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        u64::from_str_radix(hex, 16).map_err(|_| bad())?
    } else {
        if digits.starts_with('+') || digits.starts_with('-') {
            return Err(bad());
        }
        digits.parse::<u64>().map_err(|_| bad())?
    };
    let value = if negative {
        -i128::from(magnitude)
    } else {
        i128::from(magnitude)
    };
    i64::try_from(value).map_err(|_| bad())
}

pub(super) fn parse_float(text: &str) -> Result<f64, String> {
    match text.trim() {
        "NaN" | "nan" => Ok(f64::NAN),
        "+Inf" | "Inf" | "inf" | "+inf" | "Infinity" => Ok(f64::INFINITY),
        "-Inf" | "-inf" | "-Infinity" => Ok(f64::NEG_INFINITY),
        t => t
            .parse::<f64>()
            .map_err(|_| format!("`{text}` is not a number")),
    }
}

pub(super) fn parse_bool(text: &str) -> Result<Option<bool>, String> {
    match text.trim() {
        "T" | "t" | "1" | "true" | "TRUE" | "True" => Ok(Some(true)),
        "F" | "f" | "0" | "false" | "FALSE" | "False" => Ok(Some(false)),
        "?" | "" => Ok(None),
        other => Err(format!("`{other}` is not a boolean")),
    }
}

/// An Arrow builder for one column.
pub(super) enum ColumnBuilder {
    Bool(BooleanBuilder),
    U8(UInt8Builder),
    I16(Int16Builder),
    I32(Int32Builder),
    I64(Int64Builder),
    F32(Float32Builder),
    F64(Float64Builder),
    Text(StringBuilder),
    Bytes(BinaryBuilder),
    FloatList(Box<dyn ArrayBuilder>, Option<usize>),
}

impl ColumnBuilder {
    pub(super) fn new(f: &FieldDecl) -> ColumnBuilder {
        if is_text(f) {
            return ColumnBuilder::Text(StringBuilder::new());
        }
        if f.datatype == Datatype::UnsignedByte && f.arraysize != Arraysize::Scalar {
            return ColumnBuilder::Bytes(BinaryBuilder::new());
        }
        match f.arraysize {
            Arraysize::Scalar => match f.datatype {
                Datatype::Boolean => ColumnBuilder::Bool(BooleanBuilder::new()),
                Datatype::UnsignedByte => ColumnBuilder::U8(UInt8Builder::new()),
                Datatype::Short => ColumnBuilder::I16(Int16Builder::new()),
                Datatype::Int => ColumnBuilder::I32(Int32Builder::new()),
                Datatype::Long => ColumnBuilder::I64(Int64Builder::new()),
                Datatype::Float => ColumnBuilder::F32(Float32Builder::new()),
                _ => ColumnBuilder::F64(Float64Builder::new()),
            },
            Arraysize::Fixed(n) => {
                ColumnBuilder::FloatList(list_builder(f.datatype, Some(n)), Some(n))
            }
            Arraysize::Variable => ColumnBuilder::FloatList(list_builder(f.datatype, None), None),
        }
    }

    pub(super) fn push_text(&mut self, f: &FieldDecl, text: &str) -> Result<(), String> {
        let null = text.trim().is_empty() && !matches!(self, ColumnBuilder::Text(_))
            || f.null_value.as_deref().is_some_and(|n| n == text.trim());
        if let ColumnBuilder::Text(b) = self {
            if text.is_empty() {
                b.append_null();
            } else {
                b.append_value(text);
            }
            return Ok(());
        }
        if null {
            self.append_null();
            return Ok(());
        }
        match self {
            ColumnBuilder::Bool(b) => b.append_option(parse_bool(text)?),
            ColumnBuilder::U8(b) => b.append_value(
                u8::try_from(parse_int(text)?).map_err(|_| format!("`{text}` is out of range"))?,
            ),
            ColumnBuilder::I16(b) => b.append_value(
                i16::try_from(parse_int(text)?).map_err(|_| format!("`{text}` is out of range"))?,
            ),
            ColumnBuilder::I32(b) => b.append_value(
                i32::try_from(parse_int(text)?).map_err(|_| format!("`{text}` is out of range"))?,
            ),
            ColumnBuilder::I64(b) => b.append_value(parse_int(text)?),
            ColumnBuilder::F32(b) => b.append_value(parse_float(text)? as f32),
            ColumnBuilder::F64(b) => b.append_value(parse_float(text)?),
            ColumnBuilder::Bytes(b) => {
                let bytes = text
                    .split_whitespace()
                    .map(|t| {
                        parse_int(t).and_then(|v| {
                            u8::try_from(v).map_err(|_| format!("`{t}` is not a byte"))
                        })
                    })
                    .collect::<Result<Vec<u8>, String>>()?;
                b.append_value(bytes);
            }
            ColumnBuilder::FloatList(_, fixed) => {
                let words: Vec<&str> = text.split_whitespace().collect();
                if let Some(n) = fixed {
                    if words.len() != *n {
                        return Err(format!("{} values for arraysize {n}", words.len()));
                    }
                }
                self.append_list(f.datatype, &words)?;
            }
            ColumnBuilder::Text(_) => unreachable!("handled above"),
        }
        Ok(())
    }

    pub(super) fn append_null(&mut self) {
        match self {
            ColumnBuilder::Bool(b) => b.append_null(),
            ColumnBuilder::U8(b) => b.append_null(),
            ColumnBuilder::I16(b) => b.append_null(),
            ColumnBuilder::I32(b) => b.append_null(),
            ColumnBuilder::I64(b) => b.append_null(),
            ColumnBuilder::F32(b) => b.append_null(),
            ColumnBuilder::F64(b) => b.append_null(),
            ColumnBuilder::Text(b) => b.append_null(),
            ColumnBuilder::Bytes(b) => b.append_null(),
            ColumnBuilder::FloatList(b, fixed) => append_list_null(b.as_mut(), *fixed),
        }
    }

    pub(super) fn append_list(&mut self, datatype: Datatype, words: &[&str]) -> Result<(), String> {
        let ColumnBuilder::FloatList(b, fixed) = self else {
            unreachable!("only lists")
        };
        let values = words.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        list_append(b.as_mut(), datatype, *fixed, ListValues::Text(&values))
    }

    pub(super) fn push_binary(&mut self, f: &FieldDecl, cell: BinCell) -> Result<(), String> {
        match (self, cell) {
            (this, BinCell::Null) => this.append_null(),
            (ColumnBuilder::Text(b), BinCell::Text(t)) => b.append_value(t),
            (ColumnBuilder::Bytes(b), BinCell::Bytes(v)) => b.append_value(v),
            (ColumnBuilder::Bool(b), BinCell::Bool(v)) => b.append_option(v),
            (ColumnBuilder::U8(b), BinCell::Int(v)) => b.append_value(v as u8),
            (ColumnBuilder::I16(b), BinCell::Int(v)) => b.append_value(v as i16),
            (ColumnBuilder::I32(b), BinCell::Int(v)) => b.append_value(v as i32),
            (ColumnBuilder::I64(b), BinCell::Int(v)) => b.append_value(v),
            (ColumnBuilder::F32(b), BinCell::Float(v)) => b.append_value(v as f32),
            (ColumnBuilder::F64(b), BinCell::Float(v)) => b.append_value(v),
            (ColumnBuilder::FloatList(b, fixed), BinCell::Numbers(v)) => {
                list_append(b.as_mut(), f.datatype, *fixed, ListValues::Floats(&v))?
            }
            (ColumnBuilder::FloatList(b, fixed), BinCell::Integers(v)) => {
                list_append(b.as_mut(), f.datatype, *fixed, ListValues::Ints(&v))?
            }
            (ColumnBuilder::FloatList(b, fixed), BinCell::Bools(v)) => {
                list_append(b.as_mut(), f.datatype, *fixed, ListValues::Bools(&v))?
            }
            _ => return Err("the value does not match the FIELD's datatype".into()),
        }
        Ok(())
    }

    pub(super) fn finish(self) -> ArrayRef {
        match self {
            ColumnBuilder::Bool(mut b) => Arc::new(b.finish()),
            ColumnBuilder::U8(mut b) => Arc::new(b.finish()),
            ColumnBuilder::I16(mut b) => Arc::new(b.finish()),
            ColumnBuilder::I32(mut b) => Arc::new(b.finish()),
            ColumnBuilder::I64(mut b) => Arc::new(b.finish()),
            ColumnBuilder::F32(mut b) => Arc::new(b.finish()),
            ColumnBuilder::F64(mut b) => Arc::new(b.finish()),
            ColumnBuilder::Text(mut b) => Arc::new(b.finish()),
            ColumnBuilder::Bytes(mut b) => Arc::new(b.finish()),
            ColumnBuilder::FloatList(mut b, _) => b.finish(),
        }
    }
}

pub(super) enum ListValues<'v> {
    Text(&'v [String]),
    Floats(&'v [f64]),
    Ints(&'v [i64]),
    Bools(&'v [Option<bool>]),
}

pub(super) fn list_builder(d: Datatype, fixed: Option<usize>) -> Box<dyn ArrayBuilder> {
    macro_rules! make {
        ($b:expr) => {
            match fixed {
                Some(n) => {
                    Box::new(FixedSizeListBuilder::new($b, n as i32)) as Box<dyn ArrayBuilder>
                }
                None => Box::new(ListBuilder::new($b)) as Box<dyn ArrayBuilder>,
            }
        };
    }
    match d {
        Datatype::Boolean => make!(BooleanBuilder::new()),
        Datatype::Short => make!(Int16Builder::new()),
        Datatype::Int => make!(Int32Builder::new()),
        Datatype::Long => make!(Int64Builder::new()),
        Datatype::Float => make!(Float32Builder::new()),
        _ => make!(Float64Builder::new()),
    }
}

macro_rules! with_list {
    ($b:expr, $fixed:expr, $inner:ty, |$values:ident| $body:block, $null:expr) => {{
        match $fixed {
            Some(_) => {
                let l = $b
                    .as_any_mut()
                    .downcast_mut::<FixedSizeListBuilder<$inner>>()
                    .expect("list builder");
                let $values = l.values();
                $body;
                if $null {
                    l.append(false)
                } else {
                    l.append(true)
                }
            }
            None => {
                let l = $b
                    .as_any_mut()
                    .downcast_mut::<ListBuilder<$inner>>()
                    .expect("list builder");
                let $values = l.values();
                $body;
                if $null {
                    l.append(false)
                } else {
                    l.append(true)
                }
            }
        }
    }};
}

pub(super) fn append_list_null(b: &mut dyn ArrayBuilder, fixed: Option<usize>) {
    // Fixed-size lists still need their child slots.
    let n = fixed.unwrap_or(0);
    macro_rules! null_in {
        ($($item:ty),*) => {
            $(
                if let Some(l) = b.as_any_mut().downcast_mut::<FixedSizeListBuilder<$item>>() {
                    l.values().append_nulls(n);
                    l.append(false);
                    return;
                }
                if let Some(l) = b.as_any_mut().downcast_mut::<ListBuilder<$item>>() {
                    l.append(false);
                    return;
                }
            )*
        };
    }
    null_in!(
        Float64Builder,
        Float32Builder,
        Int64Builder,
        Int32Builder,
        Int16Builder,
        BooleanBuilder
    );
}

pub(super) fn list_append(
    b: &mut dyn ArrayBuilder,
    d: Datatype,
    fixed: Option<usize>,
    values: ListValues<'_>,
) -> Result<(), String> {
    let floats = || -> Result<Vec<f64>, String> {
        match &values {
            ListValues::Text(t) => t.iter().map(|w| parse_float(w)).collect(),
            ListValues::Floats(f) => Ok(f.to_vec()),
            ListValues::Ints(i) => Ok(i.iter().map(|&v| v as f64).collect()),
            ListValues::Bools(_) => Err("booleans in a numeric array".into()),
        }
    };
    let ints = || -> Result<Vec<i64>, String> {
        match &values {
            ListValues::Text(t) => t.iter().map(|w| parse_int(w)).collect(),
            ListValues::Ints(i) => Ok(i.to_vec()),
            _ => Err("not integers".into()),
        }
    };
    match d {
        Datatype::Double | Datatype::UnsignedByte | Datatype::Char | Datatype::UnicodeChar => {
            let v = floats()?;
            with_list!(
                b,
                fixed,
                Float64Builder,
                |values| { values.append_slice(&v) },
                false
            )
        }
        Datatype::Float => {
            let v: Vec<f32> = floats()?.into_iter().map(|x| x as f32).collect();
            with_list!(
                b,
                fixed,
                Float32Builder,
                |values| { values.append_slice(&v) },
                false
            )
        }
        Datatype::Long => {
            let v = ints()?;
            with_list!(
                b,
                fixed,
                Int64Builder,
                |values| { values.append_slice(&v) },
                false
            )
        }
        Datatype::Int => {
            let v: Vec<i32> = narrow(ints()?)?;
            with_list!(
                b,
                fixed,
                Int32Builder,
                |values| { values.append_slice(&v) },
                false
            )
        }
        Datatype::Short => {
            let v: Vec<i16> = narrow(ints()?)?;
            with_list!(
                b,
                fixed,
                Int16Builder,
                |values| { values.append_slice(&v) },
                false
            )
        }
        Datatype::Boolean => {
            let v: Vec<Option<bool>> = match &values {
                ListValues::Text(t) => t.iter().map(|w| parse_bool(w)).collect::<Result<_, _>>()?,
                ListValues::Bools(b) => b.to_vec(),
                _ => return Err("not booleans".into()),
            };
            with_list!(
                b,
                fixed,
                BooleanBuilder,
                |values| {
                    for x in &v {
                        values.append_option(*x)
                    }
                },
                false
            )
        }
    }
    Ok(())
}

/// The values as a narrower integer type; any out of its range is an error.
fn narrow<T: TryFrom<i64>>(values: Vec<i64>) -> Result<Vec<T>, String> {
    values
        .into_iter()
        .map(|x| T::try_from(x).map_err(|_| "out of range".to_string()))
        .collect()
}

#[cfg(test)]
mod int_tests {
    use super::parse_int;

    #[test]
    fn the_whole_i64_range_reads() {
        assert_eq!(parse_int("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(parse_int("9223372036854775807"), Ok(i64::MAX));
        assert_eq!(parse_int(" +12 "), Ok(12));
        assert_eq!(parse_int("-0x10"), Ok(-16));
        assert!(parse_int("9223372036854775808").is_err());
        assert!(parse_int("--1").is_err());
        assert!(parse_int("").is_err());
    }
}
