//! Arrow types ↔ VOTable FIELD declarations, and the column metadata keys.

use arrow::datatypes::{DataType, Field};

use crate::error::{Result, VotableError};

/// Field metadata key for the unit (`deg`).
pub const UNIT: &str = "unit";
/// Field metadata key for the UCD (`pos.eq.ra;meta.main`).
pub const UCD: &str = "ucd";
/// Field metadata key for the utype (`obscore:Char.SpatialAxis.Coverage.Location.Coord.Position2D.Value2.C1`).
pub const UTYPE: &str = "utype";
/// Field metadata key for the description.
pub const DESCRIPTION: &str = "description";
/// Field metadata key saying a string column holds ASCII only (`"true"`): it is
/// then written as `char` in BINARY2 too, half the size of `unicodeChar`. A
/// non-ASCII value in such a column is an error, never silently changed.
pub const ASCII: &str = "votable.ascii";
/// Field metadata key for the xtype (`point`, `circle`, `polygon`, `timestamp`, `adql:REGION`).
pub const XTYPE: &str = "xtype";

/// A VOTable primitive datatype.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datatype {
    /// `boolean`
    Boolean,
    /// `unsignedByte`
    UnsignedByte,
    /// `short`
    Short,
    /// `int`
    Int,
    /// `long`
    Long,
    /// `float`
    Float,
    /// `double`
    Double,
    /// `char` (written as UTF-8)
    Char,
    /// `unicodeChar` (UCS-2)
    UnicodeChar,
}

impl Datatype {
    /// The name in a FIELD's `datatype` attribute.
    pub fn name(self) -> &'static str {
        match self {
            Datatype::Boolean => "boolean",
            Datatype::UnsignedByte => "unsignedByte",
            Datatype::Short => "short",
            Datatype::Int => "int",
            Datatype::Long => "long",
            Datatype::Float => "float",
            Datatype::Double => "double",
            Datatype::Char => "char",
            Datatype::UnicodeChar => "unicodeChar",
        }
    }

    /// Reads a `datatype` attribute.
    pub fn from_name(name: &str) -> Option<Datatype> {
        Some(match name {
            "boolean" => Datatype::Boolean,
            "unsignedByte" => Datatype::UnsignedByte,
            "short" => Datatype::Short,
            "int" => Datatype::Int,
            "long" => Datatype::Long,
            "float" => Datatype::Float,
            "double" => Datatype::Double,
            "char" => Datatype::Char,
            "unicodeChar" => Datatype::UnicodeChar,
            _ => return None,
        })
    }

    /// Bytes of one element in the binary serialisations.
    pub fn width(self) -> usize {
        match self {
            Datatype::Boolean | Datatype::UnsignedByte | Datatype::Char => 1,
            Datatype::Short | Datatype::UnicodeChar => 2,
            Datatype::Int | Datatype::Float => 4,
            Datatype::Long | Datatype::Double => 8,
        }
    }
}

/// How many elements a value has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arraysize {
    /// A scalar (no `arraysize`).
    Scalar,
    /// Exactly n (`arraysize="n"`).
    Fixed(usize),
    /// Any number (`arraysize="*"` or `"n*"`), with a count in binary streams.
    Variable,
}

impl Arraysize {
    /// The attribute value, if any.
    pub fn attribute(self) -> Option<String> {
        match self {
            Arraysize::Scalar => None,
            Arraysize::Fixed(n) => Some(n.to_string()),
            Arraysize::Variable => Some("*".into()),
        }
    }

    /// Reads an `arraysize` attribute (`5`, `*`, `10*`; the last dimension of
    /// a multi-dimensional size decides).
    pub fn parse(text: Option<&str>) -> Option<Arraysize> {
        let Some(text) = text else {
            return Some(Arraysize::Scalar);
        };
        let total = text.split('x').try_fold(1usize, |acc, part| {
            let part = part.trim();
            if part.ends_with('*') {
                None
            } else {
                part.parse::<usize>().ok().map(|n| acc * n)
            }
        });
        match total {
            Some(n) => Some(Arraysize::Fixed(n)),
            None if text.trim().ends_with('*') => Some(Arraysize::Variable),
            None => None,
        }
    }
}

/// A FIELD as written: name, type, size and the catalogue metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSpec {
    /// The column name.
    pub name: String,
    /// The primitive type.
    pub datatype: Datatype,
    /// Scalar, fixed or variable length.
    pub arraysize: Arraysize,
    /// `point`, `circle`, `polygon`, `timestamp`, `adql:REGION`, …
    pub xtype: Option<String>,
    /// The unit.
    pub unit: Option<String>,
    /// The UCD.
    pub ucd: Option<String>,
    /// The utype.
    pub utype: Option<String>,
    /// The description.
    pub description: Option<String>,
    /// For string columns: declared ASCII-only by the caller.
    pub ascii: bool,
}

impl FieldSpec {
    /// The spec as written: VOTable's `char` is ASCII (astropy decodes BINARY2
    /// `char` as ASCII and warns on other text in TABLEDATA), so text that may
    /// hold other characters is `unicodeChar`, unless declared ASCII.
    pub fn as_written(mut self) -> FieldSpec {
        if self.datatype == Datatype::Char && !self.ascii {
            self.datatype = Datatype::UnicodeChar;
        }
        self
    }

    /// The VOTable FIELD for an Arrow field.
    pub fn from_arrow(field: &Field) -> Result<FieldSpec> {
        let meta = field.metadata();
        let get = |k: &str| meta.get(k).filter(|v| !v.is_empty()).cloned();
        let unsupported = || VotableError::UnsupportedType {
            column: field.name().clone(),
            data_type: field.data_type().to_string(),
        };
        let mut xtype = get(XTYPE);
        let (datatype, arraysize) = match field.data_type() {
            DataType::Boolean => (Datatype::Boolean, Arraysize::Scalar),
            DataType::UInt8 => (Datatype::UnsignedByte, Arraysize::Scalar),
            DataType::Int8 | DataType::Int16 => (Datatype::Short, Arraysize::Scalar),
            DataType::UInt16 | DataType::Int32 => (Datatype::Int, Arraysize::Scalar),
            DataType::UInt32 | DataType::Int64 | DataType::UInt64 => {
                (Datatype::Long, Arraysize::Scalar)
            }
            DataType::Float16 | DataType::Float32 => (Datatype::Float, Arraysize::Scalar),
            DataType::Float64 => (Datatype::Double, Arraysize::Scalar),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                (Datatype::Char, Arraysize::Variable)
            }
            DataType::Binary | DataType::LargeBinary | DataType::BinaryView => {
                (Datatype::UnsignedByte, Arraysize::Variable)
            }
            DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64 => {
                xtype.get_or_insert_with(|| "timestamp".into());
                (Datatype::Char, Arraysize::Variable)
            }
            DataType::FixedSizeList(inner, n) => (
                element_type(inner.data_type()).ok_or_else(unsupported)?,
                Arraysize::Fixed(*n as usize),
            ),
            DataType::List(inner) | DataType::LargeList(inner) => (
                element_type(inner.data_type()).ok_or_else(unsupported)?,
                Arraysize::Variable,
            ),
            _ => return Err(unsupported()),
        };
        Ok(FieldSpec {
            name: field.name().clone(),
            datatype,
            arraysize,
            xtype,
            unit: get(UNIT),
            ucd: get(UCD),
            utype: get(UTYPE),
            description: get(DESCRIPTION),
            ascii: get(ASCII).is_some_and(|v| v == "true"),
        })
    }
}

/// The VOTable type of an array element.
fn element_type(t: &DataType) -> Option<Datatype> {
    Some(match t {
        DataType::Boolean => Datatype::Boolean,
        DataType::UInt8 => Datatype::UnsignedByte,
        DataType::Int8 | DataType::Int16 => Datatype::Short,
        DataType::UInt16 | DataType::Int32 => Datatype::Int,
        DataType::UInt32 | DataType::Int64 => Datatype::Long,
        DataType::Float32 => Datatype::Float,
        DataType::Float64 => Datatype::Double,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arraysize_forms() {
        assert_eq!(Arraysize::parse(None), Some(Arraysize::Scalar));
        assert_eq!(Arraysize::parse(Some("2")), Some(Arraysize::Fixed(2)));
        assert_eq!(Arraysize::parse(Some("3x4")), Some(Arraysize::Fixed(12)));
        assert_eq!(Arraysize::parse(Some("*")), Some(Arraysize::Variable));
        assert_eq!(Arraysize::parse(Some("10*")), Some(Arraysize::Variable));
        assert_eq!(Arraysize::parse(Some("x")), None);
    }
}
