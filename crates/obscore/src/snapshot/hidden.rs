//! The hidden columns a snapshot writes beside the public ones (`_healpix`,
//! the regions' bounds, reach and edge normals), and what a part's rows span,
//! gathered from them as they are written.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array, RecordBatch};
use arrow::datatypes::Float64Type;

use super::{Coverage, Position, HEALPIX_DEPTH};
use crate::error::Result;

/// What a part's rows span, gathered as they are written.
#[derive(Debug, Default)]
pub(super) struct PartBounds {
    pub(super) healpix: Option<[i64; 2]>,
    pub(super) coverage: Option<Coverage>,
    pub(super) region_ra: Option<[f64; 2]>,
    pub(super) region_dec: Option<[f64; 2]>,
    pub(super) region_reach: Option<f64>,
    /// Rows with `s_region` seen, and whether one of them had no edge normals.
    pub(super) regions: bool,
    pub(super) not_convex: bool,
}

/// `[min, max]` widened by the smallest of `low` and the largest of `high`.
fn widen(range: Option<[f64; 2]>, low: &Float64Array, high: &Float64Array) -> Option<[f64; 2]> {
    match (arrow::compute::min(low), arrow::compute::max(high)) {
        (Some(lo), Some(hi)) => Some(range.map_or([lo, hi], |[a, b]| [a.min(lo), b.max(hi)])),
        _ => range,
    }
}

impl PartBounds {
    pub(super) fn add(
        &mut self,
        public: &RecordBatch,
        hidden: &[ArrayRef],
        position: Option<&Position>,
    ) {
        if let Some(c) = batch_coverage(public, position) {
            self.coverage = Some(self.coverage.map_or(c, |o| o.union(&c)));
        }
        let healpix = hidden[0].as_primitive::<arrow::datatypes::Int64Type>();
        if let (Some(lo), Some(hi)) = (arrow::compute::min(healpix), arrow::compute::max(healpix)) {
            self.healpix = Some(match self.healpix {
                None => [lo, hi],
                Some([a, b]) => [a.min(lo), b.max(hi)],
            });
        }
        let bound = |i: usize| hidden[i].as_primitive::<Float64Type>();
        self.region_ra = widen(self.region_ra, bound(1), bound(2));
        self.region_dec = widen(self.region_dec, bound(3), bound(4));
        // NaN-free by construction; infinite for a region without a position.
        if let Some(reach) = arrow::compute::max(bound(5)) {
            self.region_reach = Some(self.region_reach.map_or(reach, |r| r.max(reach)));
        }
        if let Some(regions) = public.column_by_name("s_region") {
            // A row's normals are present only where its s_region is.
            let with_region = regions.len() - regions.null_count();
            let with_normals = hidden[6].len() - hidden[6].null_count();
            self.regions |= with_region > 0;
            self.not_convex |= with_normals < with_region;
        }
    }
}

/// Row `i`'s position, if it has a usable one (both values, RA finite, Dec
/// in [-90, 90]): what the sky keys are computed from.
pub(crate) fn row_position(ra: &Float64Array, dec: &Float64Array, i: usize) -> Option<(f64, f64)> {
    (ra.is_valid(i) && dec.is_valid(i) && dec.value(i).abs() <= 90.0 && ra.value(i).is_finite())
        .then(|| (ra.value(i), dec.value(i)))
}

/// The position's RA and Dec columns of `batch`, if it has them as doubles.
pub(crate) fn position_of<'a>(
    batch: &'a RecordBatch,
    position: Option<&Position>,
) -> (Option<&'a Float64Array>, Option<&'a Float64Array>) {
    let column = |name: Option<&str>| {
        batch
            .column_by_name(name?)
            .and_then(|c| c.as_primitive_opt::<Float64Type>())
    };
    (
        column(position.map(|p| p.ra.as_str())),
        column(position.map(|p| p.dec.as_str())),
    )
}

/// `_healpix` from the position, the s_region bounds and reach, and its edge
/// normals; null where absent.
pub(super) fn hidden_columns(
    batch: &RecordBatch,
    position: Option<&Position>,
) -> Result<Vec<ArrayRef>> {
    let n = batch.num_rows();
    let (ra, dec) = position_of(batch, position);
    let healpix: Int64Array = match (ra, dec) {
        (Some(ra), Some(dec)) => (0..n)
            .map(|i| row_position(ra, dec, i).map(|(r, d)| healpix_key(r, d)))
            .collect(),
        _ => Int64Array::new_null(n),
    };
    let mut bounds: [Vec<Option<f64>>; 5] = Default::default();
    let mut normals = arrow::array::BinaryBuilder::new();
    let regions = batch
        .column_by_name("s_region")
        .and_then(|c| c.as_string_opt::<i32>());
    for i in 0..n {
        let region = regions
            .filter(|r| r.is_valid(i))
            // Read as the geometry functions read it (STC-S or DALI).
            .and_then(|r| adql_geom::parse_region(r.value(i)).ok());
        normals.append_option(region.as_ref().and_then(adql_geom::edge_normals::encode));
        let position = match (ra, dec) {
            (Some(ra), Some(dec)) if ra.is_valid(i) && dec.is_valid(i) => {
                adql_geom::Point::new(ra.value(i), dec.value(i)).ok()
            }
            _ => None,
        };
        // A region with no position has no reach that the position could bound.
        // Rounded up to 0.001° (still an upper bound): a few distinct values
        // per row group, which the Parquet dictionary stores in ~1 bit a row.
        bounds[4].push(region.as_ref().map(|r| {
            position.as_ref().map_or(f64::INFINITY, |p| {
                (adql_geom::reach(r, p) * 1000.0).ceil() / 1000.0
            })
        }));
        let b = region.map(|region| adql_geom::bounds(&region));
        let (ra_lo, ra_hi, dec_min, dec_max) = match b {
            Some(b) => {
                let (lo, hi) = match b.ra {
                    adql_geom::RaRange::Full => (0.0, 360.0),
                    // Unwrapped: [lo, hi] with lo < 0 for a range through RA 0.
                    adql_geom::RaRange::Span { min, max } if min > max => (min - 360.0, max),
                    adql_geom::RaRange::Span { min, max } => (min, max),
                };
                (Some(lo), Some(hi), Some(b.dec_min), Some(b.dec_max))
            }
            None => (None, None, None, None),
        };
        bounds[0].push(ra_lo);
        bounds[1].push(ra_hi);
        bounds[2].push(dec_min);
        bounds[3].push(dec_max);
    }
    let mut out: Vec<ArrayRef> = vec![Arc::new(healpix)];
    for b in bounds {
        out.push(Arc::new(Float64Array::from(b)));
    }
    out.push(Arc::new(normals.finish()));
    Ok(out)
}

/// The sort key of a position: its nested HEALPix index at [`HEALPIX_DEPTH`].
pub fn healpix_key(ra: f64, dec: f64) -> i64 {
    adql_geom::coverage::healpix_index(HEALPIX_DEPTH, ra, dec) as i64
}

pub(super) fn batch_coverage(batch: &RecordBatch, position: Option<&Position>) -> Option<Coverage> {
    let (Some(ra), Some(dec)) = position_of(batch, position) else {
        return None;
    };
    let (ra_min, ra_max) = (arrow::compute::min(ra)?, arrow::compute::max(ra)?);
    let (dec_min, dec_max) = (arrow::compute::min(dec)?, arrow::compute::max(dec)?);
    Some(Coverage {
        ra_min,
        ra_max,
        dec_min,
        dec_max,
    })
}
