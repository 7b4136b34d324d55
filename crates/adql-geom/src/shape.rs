//! Points and circles.

use crate::error::{check_radec, finite, GeomError};
use crate::frame::Frame;
use crate::vector::{normalize_ra, Vec3};

/// Relative slack on squared chord lengths, so that points on a circle's edge
/// (computed through trigonometry) count as inside, as the ADQL REC asks.
pub(crate) const CHORD_SLACK: f64 = 1e-12;

/// A position on the sky (ICRS, degrees).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    ra: f64,
    dec: f64,
    v: Vec3,
}

impl Point {
    /// A point from ICRS RA and Dec in degrees; RA is normalised to [0, 360).
    pub fn new(ra: f64, dec: f64) -> Result<Point, GeomError> {
        check_radec(ra, dec)?;
        let ra = normalize_ra(ra);
        Ok(Point {
            ra,
            dec,
            v: Vec3::from_radec(ra, dec),
        })
    }

    /// A point from longitude and latitude in `frame`, converted to ICRS.
    pub fn in_frame(frame: Frame, lon: f64, lat: f64) -> Result<Point, GeomError> {
        if frame == Frame::Icrs {
            return Point::new(lon, lat);
        }
        check_radec(lon, lat)?;
        let (ra, dec) = frame.radec_to_icrs(lon, lat);
        Point::new(ra, dec)
    }

    /// The point of a (non-zero) vector. The stored unit vector is recomputed from
    /// the angles, so that a point equals the one read back from its printed form.
    pub fn from_vector(v: Vec3) -> Point {
        let (ra, dec) = v.to_radec();
        Point {
            ra,
            dec,
            v: Vec3::from_radec(ra, dec),
        }
    }

    /// Right ascension in degrees, in [0, 360).
    pub fn ra(&self) -> f64 {
        self.ra
    }

    /// Declination in degrees.
    pub fn dec(&self) -> f64 {
        self.dec
    }

    /// The unit vector.
    pub fn vector(&self) -> Vec3 {
        self.v
    }

    /// The great-circle distance to `other`, in degrees.
    pub fn distance(&self, other: &Point) -> f64 {
        self.v.angle(other.v).to_degrees()
    }
}

/// The great-circle distance between two positions given in degrees, accurate from
/// microarcseconds to antipodes.
pub fn distance(ra1: f64, dec1: f64, ra2: f64, dec2: f64) -> f64 {
    Vec3::from_radec(ra1, dec1)
        .angle(Vec3::from_radec(ra2, dec2))
        .to_degrees()
}

/// A cone: all points within `radius` degrees of `center`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Circle {
    center: Point,
    radius: f64,
    /// Squared chord length of the radius, with the boundary slack.
    chord2: f64,
}

impl Circle {
    /// A circle; the radius must be in [0, 180] degrees.
    pub fn new(center: Point, radius: f64) -> Result<Circle, GeomError> {
        finite(radius, "radius")?;
        if !(0.0..=180.0).contains(&radius) {
            return Err(GeomError::InvalidRadius(radius));
        }
        Ok(Circle {
            center,
            radius,
            chord2: chord2(radius) * (1.0 + CHORD_SLACK),
        })
    }

    /// The centre.
    pub fn center(&self) -> &Point {
        &self.center
    }

    /// The radius in degrees.
    pub fn radius(&self) -> f64 {
        self.radius
    }

    /// True if the unit vector `v` is inside or on the circle.
    #[inline]
    pub fn contains_vector(&self, v: Vec3) -> bool {
        let d = v.minus(self.center.v);
        d.dot(d) <= self.chord2
    }

    /// True if `p` is inside or on the circle.
    pub fn contains_point(&self, p: &Point) -> bool {
        self.contains_vector(p.v)
    }

    /// Area in square degrees (exact: 2π(1 − cos r), written stably for tiny r).
    pub fn area(&self) -> f64 {
        let half = (self.radius.to_radians() / 2.0).sin();
        4.0 * std::f64::consts::PI * half * half * sq_deg_per_sr()
    }
}

/// Squared chord length of an angle in degrees: (2 sin(θ/2))².
pub(crate) fn chord2(degrees: f64) -> f64 {
    let s = 2.0 * (degrees.to_radians() / 2.0).sin();
    s * s
}

/// Square degrees in a steradian.
pub(crate) fn sq_deg_per_sr() -> f64 {
    let d = 180.0 / std::f64::consts::PI;
    d * d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_check_their_input() {
        assert!(matches!(
            Point::new(1.0, 91.0),
            Err(GeomError::LatitudeOutOfRange(_))
        ));
        assert!(Point::new(f64::NAN, 0.0).is_err());
        assert_eq!(Point::new(-10.0, 0.0).unwrap().ra(), 350.0);
        assert!(Circle::new(Point::new(0.0, 0.0).unwrap(), -1.0).is_err());
        assert!(Circle::new(Point::new(0.0, 0.0).unwrap(), 180.5).is_err());
    }

    #[test]
    fn circle_boundary_counts_as_inside() {
        let c = Circle::new(Point::new(10.0, 20.0).unwrap(), 1.0).unwrap();
        assert!(c.contains_point(&Point::new(10.0, 21.0).unwrap()));
        assert!(!c.contains_point(&Point::new(10.0, 21.000001).unwrap()));
        let tiny = Circle::new(Point::new(359.9999999, 0.0).unwrap(), 1.0 / 3.6e6).unwrap();
        assert!(tiny.contains_point(&Point::new(0.0000001 - 0.0000002 + 359.9999999, 0.0).unwrap()));
        assert!(!tiny.contains_point(&Point::new(359.9999999, 2.0 / 3.6e6).unwrap()));
    }
}
