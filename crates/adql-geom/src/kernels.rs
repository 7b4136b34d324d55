//! Batch kernels for the engine: containment of a column of points in one
//! constant shape. Each point is first tested against the shape's Dec band and
//! RA range (comparisons only); trigonometry runs only for the few that pass.

use crate::bounds::{bounds, circle_bounds, polygon_bounds, RaRange, SkyBounds};
use crate::polygon::Polygon;
use crate::region::Region;
use crate::shape::Circle;
use crate::vector::Vec3;

/// The bounds as comparisons: a Dec band and up to two RA intervals.
struct Prefilter {
    dec_min: f64,
    dec_max: f64,
    intervals: [(f64, f64); 2],
}

impl Prefilter {
    fn new(b: &SkyBounds) -> Prefilter {
        let mut intervals = [(f64::NAN, f64::NAN); 2];
        match b.ra {
            RaRange::Full => intervals[0] = (f64::NEG_INFINITY, f64::INFINITY),
            ra => {
                for (slot, iv) in intervals.iter_mut().zip(ra.intervals()) {
                    *slot = iv;
                }
            }
        }
        Prefilter {
            dec_min: b.dec_min,
            dec_max: b.dec_max,
            intervals,
        }
    }

    /// True if (ra, dec) may be inside. RA outside [0, 360) is normalised first.
    #[inline(always)]
    fn may_contain(&self, ra: f64, dec: f64) -> bool {
        if !(dec >= self.dec_min && dec <= self.dec_max) {
            return false;
        }
        let ra = if (0.0..360.0).contains(&ra) {
            ra
        } else {
            crate::vector::normalize_ra(ra)
        };
        let [(a0, a1), (b0, b1)] = self.intervals;
        (ra >= a0 && ra <= a1) || (ra >= b0 && ra <= b1)
    }

    /// First pass over a column: `out[i]` = the point may be inside, written
    /// without branches so that the compiler vectorises it. RA outside [0, 360)
    /// is passed on as a candidate and settled by the exact pass.
    fn candidates(&self, ra: &[f64], dec: &[f64], out: &mut [bool]) {
        let [(a0, a1), (b0, b1)] = self.intervals;
        let (d0, d1) = (self.dec_min, self.dec_max);
        for ((&r, &d), o) in ra.iter().zip(dec).zip(out.iter_mut()) {
            let in_dec = (d >= d0) & (d <= d1);
            let in_ra =
                ((r >= a0) & (r <= a1)) | ((r >= b0) & (r <= b1)) | !(0.0..360.0).contains(&r);
            *o = in_dec & in_ra;
        }
    }

    /// Both passes: candidates, then `exact` on each candidate.
    fn run(&self, ra: &[f64], dec: &[f64], out: &mut [bool], exact: impl Fn(f64, f64) -> bool) {
        assert!(
            ra.len() == dec.len() && dec.len() == out.len(),
            "slices of one length"
        );
        self.candidates(ra, dec, out);
        for (i, o) in out.iter_mut().enumerate() {
            if *o {
                let (r, d) = (ra[i], dec[i]);
                *o = self.may_contain(r, d) && exact(r, d);
            }
        }
    }
}

/// `out[i]` = point (ra[i], dec[i]) is inside or on `circle`. NaN gives false.
///
/// # Panics
/// If the three slices differ in length.
pub fn points_in_circle(ra: &[f64], dec: &[f64], circle: &Circle, out: &mut [bool]) {
    Prefilter::new(&circle_bounds(circle)).run(ra, dec, out, |r, d| {
        circle.contains_vector(Vec3::from_radec(r, d))
    });
}

/// `out[i]` = point (ra[i], dec[i]) is inside or on `polygon`. NaN gives false.
///
/// # Panics
/// If the three slices differ in length.
pub fn points_in_polygon(ra: &[f64], dec: &[f64], polygon: &Polygon, out: &mut [bool]) {
    Prefilter::new(&polygon_bounds(polygon)).run(ra, dec, out, |r, d| {
        polygon.contains_vector(Vec3::from_radec(r, d))
    });
}

/// `out[i]` = point (ra[i], dec[i]) is inside or on `region`. NaN gives false.
///
/// # Panics
/// If the three slices differ in length.
pub fn points_in_region(ra: &[f64], dec: &[f64], region: &Region, out: &mut [bool]) {
    match region {
        Region::Circle(c) => points_in_circle(ra, dec, c, out),
        Region::Polygon(p) => points_in_polygon(ra, dec, p, out),
        Region::Box(b) => points_in_polygon(ra, dec, b.polygon(), out),
        other => Prefilter::new(&bounds(other)).run(ra, dec, out, |r, d| {
            r.is_finite() && other.contains_vector(Vec3::from_radec(r, d))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::Point;

    #[test]
    fn kernels_agree_with_the_scalar_tests() {
        let circle = Circle::new(Point::new(0.1, -30.0).unwrap(), 2.0).unwrap();
        let poly =
            Polygon::from_radec(&[(359.0, -31.0), (1.0, -31.0), (1.0, -29.0), (359.0, -29.0)])
                .unwrap();
        let mut ra = Vec::new();
        let mut dec = Vec::new();
        for i in 0..200 {
            for j in 0..50 {
                ra.push(355.0 + i as f64 * 0.05 - if i > 100 { 360.0 } else { 0.0 });
                dec.push(-33.0 + j as f64 * 0.12);
            }
        }
        ra.push(f64::NAN);
        dec.push(-30.0);
        let mut out = vec![false; ra.len()];
        points_in_circle(&ra, &dec, &circle, &mut out);
        for i in 0..ra.len() {
            let expected = Point::new(ra[i], dec[i])
                .map(|p| circle.contains_point(&p))
                .unwrap_or(false);
            assert_eq!(out[i], expected, "{} {}", ra[i], dec[i]);
        }
        points_in_polygon(&ra, &dec, &poly, &mut out);
        let inside = out.iter().filter(|&&x| x).count();
        assert!(inside > 100);
        for i in 0..ra.len() {
            let expected = Point::new(ra[i], dec[i])
                .map(|p| poly.contains_point(&p))
                .unwrap_or(false);
            assert_eq!(out[i], expected);
        }
    }
}
