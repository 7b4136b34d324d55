//! ADQL's BOX: a polygon built from a centre and two sizes.
//!
//! As STC and ADQL define it: a cross centred on the centre, its arms along the
//! great circles through the centre parallel to the coordinate axes there (the
//! meridian and the great circle perpendicular to it), extending half the width
//! and half the height on either side; the box's sides are the great circles that
//! meet the arms' ends at right angles. So the box does not narrow towards the
//! poles: a 1°×1° box at Dec 89° is as large on the sky as one on the equator.
//! In the frame centred on the box (local longitude λ, latitude φ), the sides are
//! the meridians λ = ±w/2 and the great circles of highest latitude ±h/2 at λ = 0,
//! so the corners are (±w/2, ±atan(tan(h/2)·cos(w/2))).

use crate::error::{finite, GeomError};
use crate::polygon::Polygon;
use crate::shape::Point;
use crate::vector::Vec3;

/// A BOX: centre, width and height in degrees, and its polygon.
#[derive(Debug, Clone, PartialEq)]
pub struct SkyBox {
    center: Point,
    width: f64,
    height: f64,
    polygon: Polygon,
}

impl SkyBox {
    /// A box; width and height must be in (0, 180) degrees.
    pub fn new(center: Point, width: f64, height: f64) -> Result<SkyBox, GeomError> {
        for (what, value) in [("width", width), ("height", height)] {
            finite(value, what)?;
            if !(value > 0.0 && value < 180.0) {
                return Err(GeomError::InvalidBoxSize { what, value });
            }
        }
        let (a, b) = ((width / 2.0).to_radians(), (height / 2.0).to_radians());
        let corner_lat = (b.tan() * a.cos()).atan();
        let local = [
            (a, -corner_lat),
            (a, corner_lat),
            (-a, corner_lat),
            (-a, -corner_lat),
        ];
        let vertices = local
            .iter()
            .map(|&(lon, lat)| Point::from_vector(local_to_sky(&center, lon, lat)))
            .collect();
        let polygon = Polygon::new(vertices)?;
        Ok(SkyBox {
            center,
            width,
            height,
            polygon,
        })
    }

    /// The centre.
    pub fn center(&self) -> &Point {
        &self.center
    }

    /// Width in degrees.
    pub fn width(&self) -> f64 {
        self.width
    }

    /// Height in degrees.
    pub fn height(&self) -> f64 {
        self.height
    }

    /// The box as a polygon.
    pub fn polygon(&self) -> &Polygon {
        &self.polygon
    }
}

/// The point at local longitude `east` and latitude `north` (degrees) in the
/// frame centred on `center`, whose local north points to the celestial pole:
/// offsets on the sky around a position, exact at any distance.
pub fn offset_point(center: &Point, east: f64, north: f64) -> Point {
    Point::from_vector(local_to_sky(center, east.to_radians(), north.to_radians()))
}

/// A point given in the frame centred on `center` (local north towards the
/// celestial pole; longitude and latitude in radians) as a sky unit vector.
fn local_to_sky(center: &Point, lon: f64, lat: f64) -> Vec3 {
    let (sl, cl) = lon.sin_cos();
    let (sb, cb) = lat.sin_cos();
    let (x, y, z) = (cb * cl, cb * sl, sb);
    // Tilt the local equator up to the centre's declination, then turn to its RA.
    let (sd, cd) = center.dec().to_radians().sin_cos();
    let (x, z) = (x * cd - z * sd, x * sd + z * cd);
    let (sr, cr) = center.ra().to_radians().sin_cos();
    Vec3::new(x * cr - y * sr, x * sr + y * cr, z)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_does_not_narrow_near_the_pole() {
        let equator = SkyBox::new(Point::new(10.0, 0.0).unwrap(), 1.0, 1.0).unwrap();
        let polar = SkyBox::new(Point::new(10.0, 89.0).unwrap(), 1.0, 1.0).unwrap();
        let (ae, ap) = (equator.polygon().area(), polar.polygon().area());
        assert!((ae - ap).abs() < 1e-12, "{ae} {ap}");
        assert!((ae - 1.0).abs() < 1e-4);
        assert!(!polar
            .polygon()
            .contains_point(&Point::new(190.0, 89.6).unwrap()));
        assert!(polar
            .polygon()
            .contains_point(&Point::new(10.0, 89.4).unwrap()));
    }

    #[test]
    fn box_sizes_are_checked() {
        let c = Point::new(0.0, 0.0).unwrap();
        assert!(SkyBox::new(c, 0.0, 1.0).is_err());
        assert!(SkyBox::new(c, 1.0, 180.0).is_err());
        assert!(SkyBox::new(c, f64::NAN, 1.0).is_err());
    }
}
