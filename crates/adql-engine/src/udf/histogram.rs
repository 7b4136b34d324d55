//! `ivo_histogram(val, lower, upper, nbins)`, the UDF catalogue's histogram
//! aggregate: `nbins + 2` counts, the first of values below `lower`, the last
//! of values at or above `upper`, between them `nbins` bins of equal width
//! (each closed below, open above).

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Int64Array};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, FieldRef, Float64Type, Int64Type};
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility,
};

/// The most bins a histogram may have: its counts are one value of a row.
pub const MAX_BINS: i64 = 100_000;

/// The histogram aggregate as a DataFusion UDAF.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Histogram {
    signature: Signature,
}

impl Histogram {
    /// The UDAF, ready to call.
    pub fn udaf() -> Arc<AggregateUDF> {
        Arc::new(AggregateUDF::new_from_impl(Histogram {
            signature: Signature::any(4, Volatility::Immutable),
        }))
    }
}

fn counts_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Int64, true)))
}

impl AggregateUDFImpl for Histogram {
    fn name(&self) -> &str {
        "ivo_histogram"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(counts_type())
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::<Bins>::default())
    }

    fn state_fields(&self, _args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![
            Arc::new(Field::new("lower", DataType::Float64, true)),
            Arc::new(Field::new("upper", DataType::Float64, true)),
            Arc::new(Field::new("counts", counts_type(), true)),
        ])
    }
}

/// The bins and their counts, fixed by the first row that has its bounds.
#[derive(Debug, Default)]
struct Bins {
    bounds: Option<(f64, f64)>,
    counts: Vec<i64>,
}

impl Bins {
    /// Fixes the bins at the first row, and holds later rows to them.
    fn set_bounds(&mut self, lower: f64, upper: f64, bins: i64) -> Result<()> {
        match self.bounds {
            Some((l, u)) if l == lower && u == upper && self.counts.len() as i64 == bins + 2 => {
                Ok(())
            }
            Some(_) => {
                exec_err!("ivo_histogram needs the same lower, upper and nbins in every row")
            }
            None => {
                if !(lower.is_finite() && upper.is_finite() && lower < upper) {
                    return exec_err!(
                        "ivo_histogram needs finite bounds with lower < upper, not {lower} and {upper}"
                    );
                }
                if !(1..=MAX_BINS).contains(&bins) {
                    return exec_err!("ivo_histogram takes 1 to {MAX_BINS} bins, not {bins}");
                }
                self.bounds = Some((lower, upper));
                self.counts = vec![0; bins as usize + 2];
                Ok(())
            }
        }
    }

    fn add(&mut self, value: f64) {
        let (lower, upper) = self.bounds.expect("bounds set first");
        let bins = self.counts.len() - 2;
        let slot = if value < lower {
            0
        } else if value >= upper {
            bins + 1
        } else {
            // Rounding may put a value just below `upper` past the last bin.
            let i = ((value - lower) / (upper - lower) * bins as f64) as usize;
            1 + i.min(bins - 1)
        };
        self.counts[slot] += 1;
    }

    fn counts_value(&self) -> ScalarValue {
        if self.bounds.is_none() {
            return ScalarValue::try_from(counts_type()).unwrap_or(ScalarValue::Null);
        }
        ScalarValue::List(ScalarValue::new_list_nullable(
            &self
                .counts
                .iter()
                .map(|c| ScalarValue::Int64(Some(*c)))
                .collect::<Vec<_>>(),
            &DataType::Int64,
        ))
    }
}

impl Accumulator for Bins {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let [value, lower, upper, bins] = values else {
            return exec_err!("ivo_histogram takes val, lower, upper, nbins");
        };
        let value = cast(value, &DataType::Float64)?;
        let lower = cast(lower, &DataType::Float64)?;
        let upper = cast(upper, &DataType::Float64)?;
        let bins = cast(bins, &DataType::Int64)?;
        let (value, lower, upper, bins) = (
            value.as_primitive::<Float64Type>(),
            lower.as_primitive::<Float64Type>(),
            upper.as_primitive::<Float64Type>(),
            bins.as_primitive::<Int64Type>(),
        );
        for row in 0..value.len() {
            if lower.is_null(row) || upper.is_null(row) || bins.is_null(row) {
                continue;
            }
            self.set_bounds(lower.value(row), upper.value(row), bins.value(row))?;
            // NULL (and NaN) values are not counted, as COUNT(val) would not.
            if value.is_valid(row) && !value.value(row).is_nan() {
                self.add(value.value(row));
            }
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(self.counts_value())
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.counts.capacity() * 8
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let (lower, upper) = match self.bounds {
            Some((l, u)) => (Some(l), Some(u)),
            None => (None, None),
        };
        Ok(vec![
            ScalarValue::Float64(lower),
            ScalarValue::Float64(upper),
            self.counts_value(),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let [lower, upper, counts] = states else {
            return exec_err!("ivo_histogram's state has three parts");
        };
        let (lower, upper) = (
            lower.as_primitive::<Float64Type>(),
            upper.as_primitive::<Float64Type>(),
        );
        let counts = counts.as_list::<i32>();
        for row in 0..counts.len() {
            if lower.is_null(row) || counts.is_null(row) {
                continue;
            }
            let part = counts.value(row);
            let part = part
                .as_any()
                .downcast_ref::<Int64Array>()
                .expect("counts are Int64");
            self.set_bounds(lower.value(row), upper.value(row), part.len() as i64 - 2)?;
            for (mine, theirs) in self.counts.iter_mut().zip(part.values()) {
                *mine += theirs;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_closed_below_open_above() {
        let mut b = Bins::default();
        b.set_bounds(0.0, 1.0, 4).unwrap();
        for v in [-0.1, 0.0, 0.25, 0.2499, 0.999_999_999_999_999_9, 1.0, 7.0] {
            b.add(v);
        }
        assert_eq!(b.counts, vec![1, 2, 1, 0, 1, 2]);
        assert!(b.set_bounds(0.0, 2.0, 4).is_err());
        assert!(Bins::default().set_bounds(1.0, 1.0, 4).is_err());
        assert!(Bins::default().set_bounds(0.0, 1.0, 0).is_err());
    }
}
