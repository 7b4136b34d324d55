//! The astrometric functions of the IVOA UDF catalogue: `ivo_epoch_prop`,
//! `ivo_epoch_prop_pos` and `ivo_apply_pm`, on the kernel of
//! `adql_geom::astrometry`.

use std::sync::Arc;

use adql_geom::astrometry::{apply_proper_motion, Astrometry};
use arrow::array::{
    Array, ArrayRef, AsArray, FixedSizeListArray, Float64Array, Float64Builder, StringArray,
};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Float64Type};
use datafusion::common::{exec_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

/// Which astrometric function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AstrometryFunction {
    /// `ivo_epoch_prop(ra, dec, parallax, pmra, pmdec, rv, ref_epoch, out_epoch)`
    /// → DOUBLE[6]: the six parameters at `out_epoch`.
    EpochProp,
    /// `ivo_epoch_prop_pos(…the same eight…)` → POINT.
    EpochPropPos,
    /// `ivo_apply_pm(ra, dec, pmra, pmdec, years)` → POINT, motions in deg/yr.
    ApplyPm,
}

impl AstrometryFunction {
    /// Every astrometric function.
    pub const ALL: [AstrometryFunction; 3] = [
        AstrometryFunction::EpochProp,
        AstrometryFunction::EpochPropPos,
        AstrometryFunction::ApplyPm,
    ];

    fn arity(self) -> usize {
        match self {
            AstrometryFunction::ApplyPm => 5,
            _ => 8,
        }
    }
}

/// The type `ivo_epoch_prop` returns: six doubles, any of which may be NULL.
pub fn epoch_prop_type() -> DataType {
    DataType::FixedSizeList(Arc::new(Field::new_list_field(DataType::Float64, true)), 6)
}

/// An astrometric function as a DataFusion UDF.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct AstrometryUdf {
    function: AstrometryFunction,
    signature: Signature,
}

impl AstrometryUdf {
    /// The UDF for `function` (arguments of any numeric type).
    pub fn new(function: AstrometryFunction) -> AstrometryUdf {
        AstrometryUdf {
            function,
            signature: Signature::variadic_any(Volatility::Immutable),
        }
    }
}

/// A position the kernel can move, or an error naming it.
fn sky_position(ra: f64, dec: f64) -> Result<()> {
    if !ra.is_finite() || !(-90.0..=90.0).contains(&dec) {
        return exec_err!("({ra}, {dec}) is not a position on the sky");
    }
    Ok(())
}

impl ScalarUDFImpl for AstrometryUdf {
    fn name(&self) -> &str {
        match self.function {
            AstrometryFunction::EpochProp => "ivo_epoch_prop",
            AstrometryFunction::EpochPropPos => "ivo_epoch_prop_pos",
            AstrometryFunction::ApplyPm => "ivo_apply_pm",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(match self.function {
            AstrometryFunction::EpochProp => epoch_prop_type(),
            _ => DataType::Utf8,
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        crate::stop::check(&args.config_options)?;
        let rows = args.number_rows;
        if args.args.len() != self.function.arity() {
            return exec_err!("{} takes {} arguments", self.name(), self.function.arity());
        }
        let columns: Vec<ArrayRef> = args
            .args
            .iter()
            .map(|v| cast(&v.to_array(rows)?, &DataType::Float64).map_err(Into::into))
            .collect::<Result<_>>()?;
        let a: Vec<&Float64Array> = columns
            .iter()
            .map(|c| c.as_primitive::<Float64Type>())
            .collect();
        let value = |i: usize, row: usize| a[i].is_valid(row).then(|| a[i].value(row));
        let out: ArrayRef = match self.function {
            AstrometryFunction::ApplyPm => {
                let mut points = Vec::with_capacity(rows);
                for row in 0..rows {
                    let v: Option<Vec<f64>> = (0..5).map(|i| value(i, row)).collect();
                    points.push(match v {
                        Some(v) => {
                            sky_position(v[0], v[1])?;
                            let (ra, dec) = apply_proper_motion(v[0], v[1], v[2], v[3], v[4]);
                            Some(format!("POSITION ICRS {ra} {dec}"))
                        }
                        None => None,
                    });
                }
                Arc::new(StringArray::from(points))
            }
            AstrometryFunction::EpochProp | AstrometryFunction::EpochPropPos => {
                let mut values = Float64Builder::with_capacity(rows * 6);
                let mut valid = Vec::with_capacity(rows);
                let mut points = Vec::with_capacity(rows);
                for row in 0..rows {
                    // Position and epochs are required; a NULL parallax, proper
                    // motion or radial velocity is 0 in the computation and NULL
                    // in the result (as pgSphere's epoch_prop does).
                    let required = (value(0, row), value(1, row), value(6, row), value(7, row));
                    let (Some(ra), Some(dec), Some(from), Some(to)) = required else {
                        values.append_nulls(6);
                        valid.push(false);
                        points.push(None);
                        continue;
                    };
                    sky_position(ra, dec)?;
                    let star = Astrometry {
                        ra,
                        dec,
                        parallax: value(2, row).unwrap_or(0.0),
                        pmra: value(3, row).unwrap_or(0.0),
                        pmdec: value(4, row).unwrap_or(0.0),
                        radial_velocity: value(5, row).unwrap_or(0.0),
                    };
                    let moved = star.propagate(to - from);
                    points.push(Some(format!("POSITION ICRS {} {}", moved.ra, moved.dec)));
                    values.append_value(moved.ra);
                    values.append_value(moved.dec);
                    for (i, v) in [
                        (2, moved.parallax),
                        (3, moved.pmra),
                        (4, moved.pmdec),
                        (5, moved.radial_velocity),
                    ] {
                        values.append_option(a[i].is_valid(row).then_some(v));
                    }
                    valid.push(true);
                }
                if self.function == AstrometryFunction::EpochPropPos {
                    Arc::new(StringArray::from(points))
                } else {
                    let field = Arc::new(Field::new_list_field(DataType::Float64, true));
                    Arc::new(FixedSizeListArray::try_new(
                        field,
                        6,
                        Arc::new(values.finish()),
                        Some(valid.into()),
                    )?)
                }
            }
        };
        Ok(ColumnarValue::Array(out))
    }
}
