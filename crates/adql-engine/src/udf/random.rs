//! `RAND(seed)`: a reproducible stream of uniform values in [0, 1).
//!
//! DataFusion's `random()` takes no seed, so the seeded form is its own UDF.
//! The value of row *i* of the stream is a SplitMix64 hash of the seed and *i*:
//! stateless per value, so the same query with the same seed over a
//! single-partition plan gives the same values, and no RNG state is shared
//! between threads beyond a row counter.

use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use arrow::array::Float64Array;
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

/// `RAND(seed)` as a DataFusion UDF; each plan gets its own instance, so its
/// row counter starts at zero for every query.
#[derive(Debug)]
pub struct SeededRand {
    seed: u64,
    next_row: AtomicU64,
    signature: Signature,
}

impl SeededRand {
    /// The stream for `seed` (a float seed uses its bit pattern).
    pub fn new(seed: u64) -> SeededRand {
        SeededRand {
            seed,
            next_row: AtomicU64::new(0),
            signature: Signature::nullary(Volatility::Volatile),
        }
    }
}

impl PartialEq for SeededRand {
    fn eq(&self, other: &Self) -> bool {
        // Two instances are never interchangeable: each owns its stream.
        std::ptr::eq(self, other)
    }
}

impl Eq for SeededRand {}

impl Hash for SeededRand {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.seed.hash(state);
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a full-period bijective mixer, so
/// distinct row numbers give independent-looking values.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The value of row `row` of the stream for `seed`, in [0, 1).
pub fn seeded_value(seed: u64, row: u64) -> f64 {
    let bits = splitmix64(splitmix64(seed) ^ row);
    // The top 53 bits give every representable multiple of 2^-53 in [0, 1).
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

impl ScalarUDFImpl for SeededRand {
    fn name(&self) -> &str {
        "rand"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows as u64;
        let start = self.next_row.fetch_add(n, Ordering::Relaxed);
        let values: Float64Array = (start..start + n)
            .map(|row| Some(seeded_value(self.seed, row)))
            .collect();
        Ok(ColumnarValue::Array(Arc::new(values)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_in_unit_interval_and_depend_on_seed() {
        let a: Vec<f64> = (0..10_000).map(|i| seeded_value(42, i)).collect();
        assert!(a.iter().all(|v| (0.0..1.0).contains(v)));
        let mean = a.iter().sum::<f64>() / a.len() as f64;
        assert!((mean - 0.5).abs() < 0.02, "mean {mean}");
        let b: Vec<f64> = (0..10_000).map(|i| seeded_value(43, i)).collect();
        assert_ne!(a, b);
        assert_eq!(a[17], seeded_value(42, 17));
    }
}
