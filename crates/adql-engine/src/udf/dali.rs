//! Computed geometries as DALI 1.1 arrays for output: a POINT becomes
//! `double[2]` (xtype `point`), a CIRCLE `double[3]` (`circle`), a POLYGON
//! `double[*]` (`polygon`), so that clients (TOPCAT, astropy) see shapes, not
//! text. Inside a query geometries are STC-S strings; this runs last.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, FixedSizeListBuilder, Float64Builder, ListBuilder};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field};
use datafusion::common::{exec_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

/// The DALI shape a computed geometry column is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DaliShape {
    /// `double[2]`, xtype `point`.
    Point,
    /// `double[3]`, xtype `circle`.
    Circle,
    /// `double[*]`, xtype `polygon`.
    Polygon,
}

impl DaliShape {
    /// The DALI xtype.
    pub fn xtype(self) -> &'static str {
        match self {
            DaliShape::Point => "point",
            DaliShape::Circle => "circle",
            DaliShape::Polygon => "polygon",
        }
    }

    /// The shape an xtype names.
    pub fn from_xtype(xtype: &str) -> Option<DaliShape> {
        [DaliShape::Point, DaliShape::Circle, DaliShape::Polygon]
            .into_iter()
            .find(|s| s.xtype() == xtype)
    }

    fn data_type(self) -> DataType {
        let item = Arc::new(Field::new("item", DataType::Float64, true));
        match self {
            DaliShape::Point => DataType::FixedSizeList(item, 2),
            DaliShape::Circle => DataType::FixedSizeList(item, 3),
            DaliShape::Polygon => DataType::List(item),
        }
    }
}

/// The kernel: an STC-S value as its DALI numbers, if it is this shape.
pub fn stcs_to_dali(text: &str, shape: DaliShape) -> Result<Vec<f64>, String> {
    let region = adql_geom::parse_region(text).map_err(|e| e.to_string())?;
    let matches = matches!(
        (&region, shape),
        (adql_geom::Region::Point(_), DaliShape::Point)
            | (adql_geom::Region::Circle(_), DaliShape::Circle)
            | (adql_geom::Region::Polygon(_), DaliShape::Polygon)
    );
    if !matches {
        return Err(format!("`{text}` is not a {}", shape.xtype()));
    }
    adql_geom::dali::to_dali(&region).map_err(|e| e.to_string())
}

/// The UDF converting an STC-S column to a DALI array column.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct DaliUdf {
    shape: DaliShape,
    signature: Signature,
}

impl DaliUdf {
    /// The converter for `shape`, as a DataFusion UDF.
    pub fn udf(shape: DaliShape) -> ScalarUDF {
        ScalarUDF::new_from_impl(DaliUdf {
            shape,
            signature: Signature::any(1, Volatility::Immutable),
        })
    }
}

impl ScalarUDFImpl for DaliUdf {
    fn name(&self) -> &str {
        match self.shape {
            DaliShape::Point => "dali_point",
            DaliShape::Circle => "dali_circle",
            DaliShape::Polygon => "dali_polygon",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(self.shape.data_type())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        crate::stop::check(&args.config_options)?;
        let input = args.args[0].to_array(args.number_rows)?;
        let text = cast(&input, &DataType::Utf8)?;
        let text = text.as_string::<i32>();
        let item = Arc::new(Field::new("item", DataType::Float64, true));
        // One pass for both layouts: a value appends its numbers, a null the
        // fixed size's worth of null numbers (none for a variable list).
        let fill = |values: &mut Float64Builder, i: usize, nulls: usize| -> Result<bool> {
            if text.is_null(i) {
                for _ in 0..nulls {
                    values.append_null();
                }
                return Ok(false);
            }
            match stcs_to_dali(text.value(i), self.shape) {
                Ok(v) => {
                    values.append_slice(&v);
                    Ok(true)
                }
                Err(e) => exec_err!("{e}"),
            }
        };
        let out: ArrayRef = match self.shape {
            DaliShape::Point | DaliShape::Circle => {
                let n = if self.shape == DaliShape::Point { 2 } else { 3 };
                let mut b = FixedSizeListBuilder::new(Float64Builder::new(), n).with_field(item);
                for i in 0..text.len() {
                    let valid = fill(b.values(), i, n as usize)?;
                    b.append(valid);
                }
                Arc::new(b.finish())
            }
            DaliShape::Polygon => {
                let mut b = ListBuilder::new(Float64Builder::new()).with_field(item);
                for i in 0..text.len() {
                    let valid = fill(b.values(), i, 0)?;
                    b.append(valid);
                }
                Arc::new(b.finish())
            }
        };
        Ok(ColumnarValue::Array(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_become_dali_arrays() {
        assert_eq!(
            stcs_to_dali("Position ICRS 10 20", DaliShape::Point),
            Ok(vec![10.0, 20.0])
        );
        assert_eq!(
            stcs_to_dali("CIRCLE ICRS 10 20 0.5", DaliShape::Circle),
            Ok(vec![10.0, 20.0, 0.5])
        );
        assert_eq!(
            stcs_to_dali("POLYGON ICRS 1 1 2 1 2 2", DaliShape::Polygon).map(|v| v.len()),
            Ok(6)
        );
        assert!(stcs_to_dali("CIRCLE ICRS 10 20 0.5", DaliShape::Point).is_err());
    }
}
