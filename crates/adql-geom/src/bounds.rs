//! Conservative RA/Dec bounding boxes, for pruning: every point of the shape lies
//! inside its bounds. The RA range may wrap through 0; near a pole it covers all RA.

use crate::polygon::Polygon;
use crate::region::Region;
use crate::shape::{Circle, Point};
use crate::vector::{normalize_ra, Vec3};

/// Slack added on every side (degrees, ~4 µas), so that rounding never excludes a
/// point on the boundary.
const MARGIN: f64 = 1e-9;

/// A range of right ascension: all of it, or from `min` to `max` going east,
/// through 0 when `min > max`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RaRange {
    /// Every right ascension.
    Full,
    /// From `min` east to `max`, both in [0, 360); wraps through 0 when `min > max`.
    Span {
        /// Western edge.
        min: f64,
        /// Eastern edge.
        max: f64,
    },
}

impl RaRange {
    /// A range from `min` going east by `width` degrees.
    pub fn from_start(min: f64, width: f64) -> RaRange {
        if width >= 360.0 - 2.0 * MARGIN {
            RaRange::Full
        } else {
            RaRange::Span {
                min: normalize_ra(min - MARGIN),
                max: normalize_ra(min + width + MARGIN),
            }
        }
    }

    /// True if the range wraps through RA 0.
    pub fn wraps(&self) -> bool {
        matches!(self, RaRange::Span { min, max } if min > max)
    }

    /// True if `ra` (any value; it is normalised) is in the range.
    pub fn contains(&self, ra: f64) -> bool {
        match *self {
            RaRange::Full => true,
            RaRange::Span { min, max } => {
                let ra = normalize_ra(ra);
                if min <= max {
                    (min..=max).contains(&ra)
                } else {
                    ra >= min || ra <= max
                }
            }
        }
    }

    /// The width in degrees.
    pub fn width(&self) -> f64 {
        match *self {
            RaRange::Full => 360.0,
            RaRange::Span { min, max } => (max - min).rem_euclid(360.0),
        }
    }

    /// The non-wrapping intervals making up the range: one, or two across RA 0.
    pub fn intervals(&self) -> Vec<(f64, f64)> {
        match *self {
            RaRange::Full => vec![(0.0, 360.0)],
            RaRange::Span { min, max } if min <= max => vec![(min, max)],
            RaRange::Span { min, max } => vec![(min, 360.0), (0.0, max)],
        }
    }
}

/// A conservative bounding box on the sky.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SkyBounds {
    /// The right-ascension range.
    pub ra: RaRange,
    /// Smallest declination.
    pub dec_min: f64,
    /// Largest declination.
    pub dec_max: f64,
}

impl SkyBounds {
    /// The whole sky.
    pub const ALL: SkyBounds = SkyBounds {
        ra: RaRange::Full,
        dec_min: -90.0,
        dec_max: 90.0,
    };

    /// True if (ra, dec) is inside the bounds.
    pub fn contains(&self, ra: f64, dec: f64) -> bool {
        dec >= self.dec_min && dec <= self.dec_max && self.ra.contains(ra)
    }

    fn dec_clamped(ra: RaRange, dec_min: f64, dec_max: f64) -> SkyBounds {
        SkyBounds {
            ra,
            dec_min: (dec_min - MARGIN).max(-90.0),
            dec_max: (dec_max + MARGIN).min(90.0),
        }
    }
}

/// The bounds of a circle.
pub fn circle_bounds(c: &Circle) -> SkyBounds {
    let (ra, dec, r) = (c.center().ra(), c.center().dec(), c.radius());
    if dec + r >= 90.0 || dec - r <= -90.0 {
        return SkyBounds::dec_clamped(RaRange::Full, dec - r, dec + r);
    }
    let half = (r.to_radians().sin() / dec.to_radians().cos())
        .min(1.0)
        .asin()
        .to_degrees();
    SkyBounds::dec_clamped(RaRange::from_start(ra - half, 2.0 * half), dec - r, dec + r)
}

/// The bounds of a polygon: vertex extremes, edge latitude extremes between
/// vertices, the poles when inside, and the RA swept along the edges.
pub fn polygon_bounds(p: &Polygon) -> SkyBounds {
    let north = Vec3::new(0.0, 0.0, 1.0);
    let mut dec_min = f64::INFINITY;
    let mut dec_max = f64::NEG_INFINITY;
    for v in p.vertices() {
        dec_min = dec_min.min(v.dec());
        dec_max = dec_max.max(v.dec());
    }
    for (a, b) in p.edges() {
        let n = a.cross(b).normalized();
        // The highest point of the edge's great circle, if it lies on the edge.
        let top = north.minus(n.scale(n.dot(north)));
        for extreme in [top, top.negated()] {
            if extreme.dot(extreme) > 0.0
                && a.cross(extreme).dot(n) >= 0.0
                && extreme.cross(b).dot(n) >= 0.0
            {
                let (_, dec) = extreme.to_radec();
                dec_min = dec_min.min(dec);
                dec_max = dec_max.max(dec);
            }
        }
    }
    let north_inside = p.contains_vector(north);
    let south_inside = p.contains_vector(north.negated());
    if north_inside {
        dec_max = 90.0;
    }
    if south_inside {
        dec_min = -90.0;
    }
    if north_inside || south_inside {
        return SkyBounds::dec_clamped(RaRange::Full, dec_min, dec_max);
    }
    // Walk the boundary adding each edge's RA change (each under 180° because no
    // edge passes over a pole unless the RA range is then taken as full).
    let vertices = p.vertices();
    let start = vertices[0].ra();
    let (mut offset, mut lo, mut hi) = (0.0f64, 0.0f64, 0.0f64);
    for i in 0..vertices.len() {
        let (a, b) = (&vertices[i], &vertices[(i + 1) % vertices.len()]);
        let delta = (b.ra() - a.ra() + 540.0).rem_euclid(360.0) - 180.0;
        if delta.abs() >= 180.0 - 1e-9 || a.dec().abs() >= 90.0 || b.dec().abs() >= 90.0 {
            return SkyBounds::dec_clamped(RaRange::Full, dec_min, dec_max);
        }
        offset += delta;
        lo = lo.min(offset);
        hi = hi.max(offset);
    }
    SkyBounds::dec_clamped(RaRange::from_start(start + lo, hi - lo), dec_min, dec_max)
}

/// The bounds of any region.
pub fn bounds(region: &Region) -> SkyBounds {
    match region {
        Region::Point(p) => {
            SkyBounds::dec_clamped(RaRange::from_start(p.ra(), 0.0), p.dec(), p.dec())
        }
        Region::Circle(c) => circle_bounds(c),
        Region::Polygon(p) => polygon_bounds(p),
        Region::Box(b) => polygon_bounds(b.polygon()),
        Region::Union(members) => members
            .iter()
            .map(bounds)
            .reduce(union_bounds)
            .unwrap_or(SkyBounds::ALL),
        // Any member's bounds hold the intersection: take the smallest.
        Region::Intersection(members) => members
            .iter()
            .map(bounds)
            .min_by(|a, b| extent(a).total_cmp(&extent(b)))
            .unwrap_or(SkyBounds::ALL),
        Region::Not(_) => SkyBounds::ALL,
    }
}

/// An upper bound of the distance (degrees) from `from` to any point of
/// `region`: 180 when none smaller is known. A polygon's farthest point is a
/// vertex when every vertex is within 90° and the polygon does not hold the
/// antipode of `from` (the distance along a great-circle edge peaks at an end
/// inside that hemisphere), so beyond 90° it is 180. A margin covers rounding.
pub fn reach(region: &Region, from: &Point) -> f64 {
    const WHOLE: f64 = 180.0;
    let polygon = |p: &Polygon| {
        if p.contains_vector(from.vector().negated()) {
            return WHOLE;
        }
        let far = p
            .vertices()
            .iter()
            .map(|v| v.distance(from))
            .fold(0.0, f64::max);
        if far < 90.0 {
            far + MARGIN
        } else {
            WHOLE
        }
    };
    let r = match region {
        Region::Point(p) => p.distance(from) + MARGIN,
        Region::Circle(c) => c.center().distance(from) + c.radius() + MARGIN,
        Region::Polygon(p) => polygon(p),
        Region::Box(b) => polygon(b.polygon()),
        Region::Union(members) => members.iter().map(|m| reach(m, from)).fold(0.0, f64::max),
        // Inside every member: any member's reach bounds it.
        Region::Intersection(members) => {
            members.iter().map(|m| reach(m, from)).fold(WHOLE, f64::min)
        }
        Region::Not(_) => WHOLE,
    };
    r.min(WHOLE)
}

fn extent(b: &SkyBounds) -> f64 {
    b.ra.width() * (b.dec_max - b.dec_min)
}

/// The smallest bounds holding both (RA as the shorter way round the gap).
fn union_bounds(a: SkyBounds, b: SkyBounds) -> SkyBounds {
    let ra = match (a.ra, b.ra) {
        (RaRange::Span { min: a0, max: a1 }, RaRange::Span { min: b0, max: b1 }) => {
            // Try both orders of joining and keep the narrower that covers both.
            let join = |s0: f64, s1: f64, t0: f64, t1: f64| {
                let width = |from: f64, to: f64| (to - from).rem_euclid(360.0);
                let end = if width(s0, t1) > width(s0, s1) {
                    t1
                } else {
                    s1
                };
                let w = width(s0, end);
                (
                    s0,
                    w,
                    [t0, t1, s1].iter().all(|&x| width(s0, x) <= w + 1e-12),
                )
            };
            let candidates = [join(a0, a1, b0, b1), join(b0, b1, a0, a1)];
            candidates
                .iter()
                .filter(|c| c.2)
                .min_by(|x, y| x.1.total_cmp(&y.1))
                .map(|&(start, width, _)| RaRange::from_start(start + MARGIN, width - 2.0 * MARGIN))
                .unwrap_or(RaRange::Full)
        }
        _ => RaRange::Full,
    };
    SkyBounds {
        ra,
        dec_min: a.dec_min.min(b.dec_min),
        dec_max: a.dec_max.max(b.dec_max),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::Point;

    #[test]
    fn reach_bounds_every_point() {
        let from = Point::new(359.9, -0.1).unwrap();
        // A square 1° across around (0, 0), seen from (359.9, -0.1): the far
        // corner is (0.5, 0.5), 0.6° east and 0.6° north, 0.8485° away (flat
        // to 1e-4 this near the equator).
        let square = Region::Polygon(
            Polygon::from_radec(&[(359.5, -0.5), (0.5, -0.5), (0.5, 0.5), (359.5, 0.5)]).unwrap(),
        );
        let r = reach(&square, &from);
        assert!((r - 0.8485).abs() < 1e-3, "{r}");
        // Sampled points of the square are all within it.
        for i in 0..=20 {
            for j in 0..=20 {
                let p = Point::new(359.5 + i as f64 * 0.05, -0.5 + j as f64 * 0.05).unwrap();
                assert!(p.distance(&from) <= r, "{p:?}");
            }
        }
        let circle = Region::Circle(Circle::new(Point::new(10.0, 89.0).unwrap(), 2.0).unwrap());
        let from_pole = Point::new(0.0, 90.0).unwrap();
        assert!((reach(&circle, &from_pole) - 3.0).abs() < 1e-6);
        // A polygon holding the antipode, a complement: nothing smaller than 180.
        let big = Region::Polygon(
            Polygon::from_radec(&[(170.0, -10.0), (190.0, -10.0), (190.0, 10.0), (170.0, 10.0)])
                .unwrap(),
        );
        assert_eq!(reach(&big, &Point::new(0.0, 0.0).unwrap()), 180.0);
        assert_eq!(reach(&Region::Not(Box::new(square.clone())), &from), 180.0);
        let union = Region::Union(vec![square.clone(), circle.clone()]);
        assert!(reach(&union, &from) > 80.0);
    }

    #[test]
    fn circle_bounds_wrap_and_poles() {
        let c = Circle::new(Point::new(359.5, 0.0).unwrap(), 1.0).unwrap();
        let b = circle_bounds(&c);
        assert!(b.ra.wraps());
        assert!(b.contains(0.4, 0.0) && b.contains(358.6, 0.0) && !b.contains(1.6, 0.0));
        let polar = Circle::new(Point::new(10.0, 89.5).unwrap(), 1.0).unwrap();
        assert_eq!(circle_bounds(&polar).ra, RaRange::Full);
        assert!((circle_bounds(&polar).dec_min - 88.5).abs() < 1e-6);
    }

    #[test]
    fn polygon_bounds_include_edge_bulge() {
        // A wide polygon at high Dec: its top edge bulges north of its vertices.
        let p =
            Polygon::from_radec(&[(0.0, 60.0), (90.0, 60.0), (90.0, 70.0), (0.0, 70.0)]).unwrap();
        let b = polygon_bounds(&p);
        assert!(b.dec_max > 71.0, "{b:?}");
        let around_pole =
            Polygon::from_radec(&[(0.0, 80.0), (120.0, 80.0), (240.0, 80.0)]).unwrap();
        let b = polygon_bounds(&around_pole);
        assert_eq!(b.ra, RaRange::Full);
        assert_eq!(b.dec_max, 90.0);
        let seam =
            Polygon::from_radec(&[(358.0, -1.0), (2.0, -1.0), (2.0, 1.0), (358.0, 1.0)]).unwrap();
        let b = polygon_bounds(&seam);
        assert!(b.ra.wraps() && (b.ra.width() - 4.0).abs() < 1e-6, "{b:?}");
    }
}
