//! Geometries between coordinate frames: what `ivo_geom_transform` does, and
//! the frame a geometry's text is written in (COORD1 and COORD2 answer in it).
//!
//! Regions are held in ICRS; a frame is only how their coordinates are
//! written. A rotation keeps great circles great circles, so points, circles
//! and polygons stay what they are; a BOX, whose edges follow its own frame's
//! axes, becomes the POLYGON of its corners.

use crate::error::GeomError;
use crate::frame::Frame;
use crate::polygon::Polygon;
use crate::region::Region;
use crate::shape::{Circle, Point};
use crate::vector::Vec3;

/// The frame a geometry's text names: the word after the shape in STC-S
/// (`POSITION GALACTIC 10 20`); ICRS when it names none (and for DALI values).
pub fn named_frame(text: &str) -> Frame {
    let mut words = text.split_whitespace();
    words.next();
    words
        .next()
        .and_then(Frame::from_word)
        .unwrap_or(Frame::Icrs)
}

/// `region` with every position mapped by `map` (a rotation).
pub fn map_region(region: &Region, map: &impl Fn(Vec3) -> Vec3) -> Result<Region, GeomError> {
    let point = |p: &Point| Point::from_vector(map(p.vector()));
    let polygon = |p: &Polygon| Polygon::new(p.vertices().iter().map(point).collect());
    Ok(match region {
        Region::Point(p) => Region::Point(point(p)),
        Region::Circle(c) => Region::Circle(Circle::new(point(c.center()), c.radius())?),
        Region::Polygon(p) => Region::Polygon(polygon(p)?),
        Region::Box(b) => Region::Polygon(polygon(b.polygon())?),
        Region::Union(members) => Region::Union(
            members
                .iter()
                .map(|m| map_region(m, map))
                .collect::<Result<_, _>>()?,
        ),
        Region::Intersection(members) => Region::Intersection(
            members
                .iter()
                .map(|m| map_region(m, map))
                .collect::<Result<_, _>>()?,
        ),
        Region::Not(inner) => Region::Not(Box::new(map_region(inner, map)?)),
    })
}

/// STC-S for `region` with its coordinates written in `frame`.
pub fn write_in_frame(region: &Region, frame: Frame) -> String {
    let name = frame.name();
    let lonlat = |p: &Point| frame.from_icrs(p.vector()).to_radec();
    match region {
        Region::Point(p) => {
            let (lon, lat) = lonlat(p);
            format!("POSITION {name} {lon} {lat}")
        }
        Region::Circle(c) => {
            let (lon, lat) = lonlat(c.center());
            format!("CIRCLE {name} {lon} {lat} {}", c.radius())
        }
        Region::Polygon(_) | Region::Box(_) => {
            let polygon = match region {
                Region::Box(b) => b.polygon(),
                Region::Polygon(p) => p,
                _ => unreachable!("matched above"),
            };
            let mut text = format!("POLYGON {name}");
            for v in polygon.vertices() {
                let (lon, lat) = lonlat(v);
                text.push_str(&format!(" {lon} {lat}"));
            }
            text
        }
        Region::Union(members) | Region::Intersection(members) => {
            let inner: Vec<String> = members.iter().map(|m| write_in_frame(m, frame)).collect();
            format!("{} {name} ({})", region.kind(), inner.join(" "))
        }
        Region::Not(inner) => format!("NOT ({})", write_in_frame(inner, frame)),
    }
}

/// `ivo_geom_transform(from, geometry, to)`: the geometry whose coordinates
/// are in `from` (text that names no frame, or ICRS, is read as written in
/// `from`), written in `to`.
pub fn transform(text: &str, from: Frame, to: Frame) -> Result<String, GeomError> {
    let region = crate::parse_region(text)?;
    let named = named_frame(text);
    let region = if named == from {
        region
    } else if named == Frame::Icrs {
        // Parsed as ICRS, meant in `from`: the same numbers, placed in `from`.
        map_region(&region, &|v| from.to_icrs(v))?
    } else {
        return Err(GeomError::Unsupported(format!(
            "the geometry is written in {}, not in {}",
            named.name(),
            from.name()
        )));
    };
    Ok(write_in_frame(&region, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(text: &str) -> Vec<f64> {
        text.split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect()
    }

    #[test]
    fn the_galactic_centre_and_back() {
        // astropy: SkyCoord(l=0, b=0, frame="galactic").icrs = (266.40498829, -28.93617776)
        let icrs = transform("POSITION 0 0", Frame::Galactic, Frame::Icrs).unwrap();
        let n = numbers(&icrs);
        assert!((n[0] - 266.404_988_29).abs() < 1e-7 && (n[1] + 28.936_177_76).abs() < 1e-7);
        let back = transform(&icrs, Frame::Icrs, Frame::Galactic).unwrap();
        assert!(back.starts_with("POSITION GALACTIC"));
        let n = numbers(&back);
        assert!((n[0] % 360.0).min(360.0 - n[0] % 360.0) < 1e-9 && n[1].abs() < 1e-9);
    }

    #[test]
    fn shapes_keep_their_kind_and_size() {
        let c = transform("CIRCLE ICRS 10 20 0.5", Frame::Icrs, Frame::Galactic).unwrap();
        assert!(
            c.starts_with("CIRCLE GALACTIC") && c.ends_with(" 0.5"),
            "{c}"
        );
        let b = transform("BOX ICRS 10 20 1 2", Frame::Icrs, Frame::Galactic).unwrap();
        assert!(
            b.starts_with("POLYGON GALACTIC") && numbers(&b).len() == 8,
            "{b}"
        );
        let area = |t: &str| crate::parse_region(t).unwrap().area().unwrap();
        assert!((area(&b) - area("BOX ICRS 10 20 1 2")).abs() < 1e-9);
        assert!(transform("POSITION GALACTIC 1 2", Frame::Icrs, Frame::Galactic).is_err());
    }

    #[test]
    fn frames_named_by_text() {
        assert_eq!(named_frame("POSITION GALACTIC 1 2"), Frame::Galactic);
        assert_eq!(named_frame("circle icrs 1 2 3"), Frame::Icrs);
        assert_eq!(named_frame("1 2 3"), Frame::Icrs);
        assert_eq!(named_frame("POLYGON 1 2 3 4 5 6"), Frame::Icrs);
    }
}
