//! Functions of the IVOA UDF catalogue as UDFs: `ivo_healpix_index`,
//! `ivo_healpix_center`, `ivo_hasword`, `ivo_hashlist_has` (`ivo_nocasematch`
//! is lowered to ILIKE, `ivo_interval_overlaps` to comparisons).

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Int32Array, Int64Array, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::common::{exec_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

/// Which catalogue function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CatalogueFunction {
    /// `ivo_healpix_index(order, ra, dec)` → nested index.
    HealpixIndex,
    /// `ivo_healpix_center(order, index)` → POINT (STC-S).
    HealpixCenter,
    /// `ivo_hasword(haystack, needle)` → 1 if needle is a word of haystack (case-insensitive).
    HasWord,
    /// `ivo_hashlist_has(hashlist, item)` → 1 if item is one of the `#`-separated
    /// words of hashlist (case-insensitive).
    HashlistHas,
    /// `ivo_geom_transform(from, geometry, to)` → the geometry written in `to`
    /// (frames as canonical names: the planner checks them).
    GeomTransform,
}

/// A catalogue function as a DataFusion UDF.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct CatalogueUdf {
    function: CatalogueFunction,
    signature: Signature,
}

impl CatalogueUdf {
    /// The UDF for `function`.
    pub fn new(function: CatalogueFunction) -> CatalogueUdf {
        CatalogueUdf {
            function,
            signature: Signature::variadic_any(Volatility::Immutable),
        }
    }
}

fn order(array: &ArrayRef, row: usize) -> Result<Option<u8>> {
    let a = cast(array, &DataType::Int64)?;
    let a = a.as_primitive::<Int64Type>();
    if a.is_null(row) {
        return Ok(None);
    }
    match u8::try_from(a.value(row)) {
        Ok(o) if o <= adql_geom::coverage::MAX_DEPTH => Ok(Some(o)),
        _ => exec_err!(
            "HEALPix order {} is outside 0..{}",
            a.value(row),
            adql_geom::coverage::MAX_DEPTH
        ),
    }
}

/// Whether `needle` is a word of `haystack`: words are runs of letters and
/// digits, compared case-insensitively.
pub fn has_word(haystack: &str, needle: &str) -> bool {
    let needle = needle.trim();
    !needle.is_empty()
        && haystack
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| w.eq_ignore_ascii_case(needle) || w.to_lowercase() == needle.to_lowercase())
}

/// Whether `item` is one of the `#`-separated words of `list`, compared
/// case-insensitively (the UDF catalogue leaves an item containing `#`
/// unspecified: it never matches here).
pub fn hashlist_has(list: &str, item: &str) -> bool {
    !item.contains('#')
        && list
            .split('#')
            .any(|w| w.to_lowercase() == item.to_lowercase())
}

impl ScalarUDFImpl for CatalogueUdf {
    fn name(&self) -> &str {
        match self.function {
            CatalogueFunction::HealpixIndex => "ivo_healpix_index",
            CatalogueFunction::HealpixCenter => "ivo_healpix_center",
            CatalogueFunction::HasWord => "ivo_hasword",
            CatalogueFunction::HashlistHas => "ivo_hashlist_has",
            CatalogueFunction::GeomTransform => "ivo_geom_transform",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(match self.function {
            CatalogueFunction::HealpixIndex => DataType::Int64,
            CatalogueFunction::HealpixCenter | CatalogueFunction::GeomTransform => DataType::Utf8,
            CatalogueFunction::HasWord | CatalogueFunction::HashlistHas => DataType::Int32,
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        crate::stop::check(&args.config_options)?;
        let rows = args.number_rows;
        let a: Vec<ArrayRef> = args
            .args
            .iter()
            .map(|v| v.to_array(rows))
            .collect::<Result<_>>()?;
        let out: ArrayRef = match self.function {
            CatalogueFunction::HealpixIndex => {
                let (ra, dec) = (
                    cast(&a[1], &DataType::Float64)?,
                    cast(&a[2], &DataType::Float64)?,
                );
                let (ra, dec) = (
                    ra.as_primitive::<Float64Type>(),
                    dec.as_primitive::<Float64Type>(),
                );
                let mut values = Vec::with_capacity(rows);
                for row in 0..rows {
                    values.push(
                        match (order(&a[0], row)?, ra.is_valid(row) && dec.is_valid(row)) {
                            (Some(o), true) => {
                                let (r, d) = (ra.value(row), dec.value(row));
                                if !(-90.0..=90.0).contains(&d) || !r.is_finite() {
                                    return exec_err!("({r}, {d}) is not a position on the sky");
                                }
                                Some(adql_geom::coverage::healpix_index(
                                    o,
                                    adql_geom::normalize_ra(r),
                                    d,
                                ) as i64)
                            }
                            _ => None,
                        },
                    );
                }
                Arc::new(Int64Array::from(values))
            }
            CatalogueFunction::HealpixCenter => {
                let index = cast(&a[1], &DataType::Int64)?;
                let index = index.as_primitive::<Int64Type>();
                let mut values = Vec::with_capacity(rows);
                for row in 0..rows {
                    values.push(match (order(&a[0], row)?, index.is_valid(row)) {
                        (Some(o), true) => {
                            let i = index.value(row);
                            if i < 0 || i as u64 >= 12u64 << (2 * u32::from(o)) {
                                return exec_err!("{i} is not a HEALPix index at order {o}");
                            }
                            let (ra, dec) = adql_geom::coverage::healpix_center(o, i as u64);
                            Some(format!(
                                "POSITION ICRS {} {}",
                                adql_geom::normalize_ra(ra),
                                dec
                            ))
                        }
                        _ => None,
                    });
                }
                Arc::new(StringArray::from(values))
            }
            CatalogueFunction::GeomTransform => {
                let frame = |a: &ArrayRef| -> Result<adql_geom::Frame> {
                    let a = cast(a, &DataType::Utf8)?;
                    let text = a.as_string::<i32>();
                    match (0..text.len()).find(|&row| text.is_valid(row)) {
                        Some(row) => {
                            adql_geom::Frame::parse(text.value(row)).or_else(|e| exec_err!("{e}"))
                        }
                        None => exec_err!("ivo_geom_transform needs its frames"),
                    }
                };
                let (from, to) = (frame(&a[0])?, frame(&a[2])?);
                let g = cast(&a[1], &DataType::Utf8)?;
                let g = g.as_string::<i32>();
                let mut values = Vec::with_capacity(rows);
                for row in 0..rows {
                    values.push(if g.is_valid(row) {
                        Some(
                            adql_geom::transform::transform(g.value(row), from, to)
                                .or_else(|e| exec_err!("ivo_geom_transform: {e}"))?,
                        )
                    } else {
                        None
                    });
                }
                Arc::new(StringArray::from(values))
            }
            CatalogueFunction::HasWord | CatalogueFunction::HashlistHas => {
                let test = match self.function {
                    CatalogueFunction::HasWord => has_word,
                    _ => hashlist_has,
                };
                let (h, n) = (cast(&a[0], &DataType::Utf8)?, cast(&a[1], &DataType::Utf8)?);
                let (h, n) = (h.as_string::<i32>(), n.as_string::<i32>());
                let values: Int32Array = (0..rows)
                    .map(|row| {
                        (h.is_valid(row) && n.is_valid(row))
                            .then(|| i32::from(test(h.value(row), n.value(row))))
                    })
                    .collect();
                Arc::new(values)
            }
        };
        Ok(ColumnarValue::Array(out))
    }
}

#[cfg(test)]
mod tests {
    use super::{has_word, hashlist_has};

    #[test]
    fn hashlists() {
        assert!(hashlist_has("image#Spectrum#cube", "spectrum"));
        assert!(hashlist_has("image", "IMAGE"));
        assert!(!hashlist_has("image#spectrum", "spec"));
        assert!(!hashlist_has("a#b", "a#b"));
        assert!(hashlist_has("a##b", ""));
        assert!(!hashlist_has("a#b", ""));
    }

    #[test]
    fn words() {
        assert!(has_word("Deep Coadd, i band", "coadd"));
        assert!(!has_word("deepCoadd", "coadd"));
        assert!(has_word("lsst.deepCoadd_calexp", "DEEPCOADD"));
        assert!(!has_word("anything", ""));
    }
}
