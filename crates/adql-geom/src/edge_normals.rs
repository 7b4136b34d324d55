//! Convex polygons stored as their edge normals.
//!
//! A point is inside or on a convex polygon exactly when it lies on the inner
//! side of every edge's great circle (within the boundary tolerance), so the
//! unit normals of the edges are all a point-in-polygon test needs. A snapshot
//! keeps them beside `s_region` (`_region_normals`), computed once when it is
//! written, and a positional join tests its pairs on them: no STC-S text read,
//! parsed or converted to vectors per row. [`contains`] on [`encode`]'s bytes
//! answers exactly as [`Region::contains_vector`] does on the region.

use crate::error::GeomError;
use crate::polygon::ON_EDGE;
use crate::region::Region;
use crate::vector::Vec3;

/// Bytes per edge: x, y and z of its unit normal, little-endian doubles.
pub const EDGE_BYTES: usize = 24;

/// The edge normals of `region` as bytes, when it is a convex polygon (or a
/// box, which is one); `None` for any other region.
pub fn encode(region: &Region) -> Option<Vec<u8>> {
    let polygon = match region {
        Region::Polygon(p) => p,
        Region::Box(b) => b.polygon(),
        _ => return None,
    };
    let normals = polygon.convex_normals()?;
    let mut bytes = Vec::with_capacity(normals.len() * EDGE_BYTES);
    for n in normals {
        for c in [n.x, n.y, n.z] {
            bytes.extend_from_slice(&c.to_le_bytes());
        }
    }
    Some(bytes)
}

/// True if the unit vector `v` is inside or on the convex polygon whose edge
/// normals [`encode`] wrote to `bytes`; an error for bytes it cannot have
/// written (empty, or not whole edges).
#[inline]
pub fn contains(bytes: &[u8], v: Vec3) -> Result<bool, GeomError> {
    check(bytes)?;
    Ok(bytes
        .chunks_exact(EDGE_BYTES)
        .all(|edge| inside_edge(normal(edge), v)))
}

/// The edge normals [`encode`] wrote to `bytes`, appended to `out` (a buffer
/// a caller testing many points against one polygon keeps); an error as
/// [`contains`] gives. [`contains_decoded`] on them answers as [`contains`].
pub fn decode(bytes: &[u8], out: &mut Vec<Vec3>) -> Result<(), GeomError> {
    check(bytes)?;
    out.extend(bytes.chunks_exact(EDGE_BYTES).map(normal));
    Ok(())
}

/// True if the unit vector `v` is inside or on the convex polygon with the
/// edge normals `normals` ([`decode`]'s): the same test as [`contains`],
/// without reading bytes again for each point.
#[inline]
pub fn contains_decoded(normals: &[Vec3], v: Vec3) -> bool {
    normals.iter().all(|&n| inside_edge(n, v))
}

/// Bytes [`encode`] can have written: at least three whole edges.
#[inline]
fn check(bytes: &[u8]) -> Result<(), GeomError> {
    if bytes.len() < 3 * EDGE_BYTES || bytes.len() % EDGE_BYTES != 0 {
        return Err(GeomError::NotEdgeNormals(bytes.len()));
    }
    Ok(())
}

/// One edge's normal from its [`EDGE_BYTES`] bytes.
#[inline]
fn normal(edge: &[u8]) -> Vec3 {
    let component =
        |k: usize| f64::from_le_bytes(edge[8 * k..8 * k + 8].try_into().expect("8 bytes"));
    Vec3::new(component(0), component(1), component(2))
}

/// On the inner side of the edge's great circle, or on it within the
/// boundary tolerance.
#[inline]
fn inside_edge(n: Vec3, v: Vec3) -> bool {
    n.dot(v) >= -ON_EDGE
}

/// Bytes of a unit vector: x, y and z, little-endian doubles.
pub const VECTOR_BYTES: usize = 24;

/// A point's unit vector as bytes, computed once per row of the side that
/// holds the point, so that a join tests its many candidate pairs without
/// trigonometry per pair; [`decode_vector`] gives it back bit for bit.
pub fn encode_vector(v: Vec3) -> [u8; VECTOR_BYTES] {
    let mut bytes = [0u8; VECTOR_BYTES];
    for (k, c) in [v.x, v.y, v.z].into_iter().enumerate() {
        bytes[8 * k..8 * k + 8].copy_from_slice(&c.to_le_bytes());
    }
    bytes
}

/// The vector [`encode_vector`] wrote; an error for bytes of another length.
#[inline]
pub fn decode_vector(bytes: &[u8]) -> Result<Vec3, GeomError> {
    if bytes.len() != VECTOR_BYTES {
        return Err(GeomError::NotVector(bytes.len()));
    }
    let component =
        |k: usize| f64::from_le_bytes(bytes[8 * k..8 * k + 8].try_into().expect("8 bytes"));
    Ok(Vec3::new(component(0), component(1), component(2)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{stcs, Point};

    fn region(text: &str) -> Region {
        stcs::parse(text).unwrap()
    }

    /// The same answer as the region's own test, on points spread over and
    /// around it (its vertices, edges' midpoints, inside and outside).
    fn agrees(text: &str) {
        let r = region(text);
        let bytes = encode(&r).expect("convex");
        let (centre, reach) = crate::coverage::bounding_cone(&r);
        let mut probes = Vec::new();
        for i in 0..400 {
            let angle = i as f64 * 0.9;
            let distance = reach * 1.3 * (i % 37) as f64 / 36.0;
            probes.push(crate::offset_point(
                &centre,
                distance * angle.to_radians().cos(),
                distance * angle.to_radians().sin(),
            ));
        }
        if let Region::Polygon(p) = &r {
            let vertices = p.vertices();
            for (k, a) in vertices.iter().enumerate() {
                let b = vertices[(k + 1) % vertices.len()];
                probes.push(*a);
                probes.push(Point::from_vector(a.vector().plus(b.vector()).normalized()));
            }
        }
        let mut normals = Vec::new();
        decode(&bytes, &mut normals).unwrap();
        for p in probes {
            let inside = contains(&bytes, p.vector()).unwrap();
            assert_eq!(inside, contains_decoded(&normals, p.vector()));
            assert_eq!(
                inside,
                r.contains_vector(p.vector()),
                "{text} at ({}, {})",
                p.ra(),
                p.dec()
            );
        }
    }

    #[test]
    fn answers_as_the_region_does() {
        // A DP0.2 calexp, one across RA 0, one around the pole, either vertex
        // order, a box, a large triangle.
        agrees("POLYGON ICRS 55.514085 -32.322253 55.790197 -32.322253 55.789845 -32.088924 55.514437 -32.088924");
        agrees("POLYGON ICRS 359.9 -1 0.1 -1 0.1 1 359.9 1");
        agrees("POLYGON ICRS 0 89 90 89 180 89 270 89");
        agrees("POLYGON ICRS 359.9 1 0.1 1 0.1 -1 359.9 -1");
        agrees("BOX ICRS 10 20 2 1");
        agrees("POLYGON ICRS 0 0 80 0 40 70");
    }

    #[test]
    fn only_convex_polygons_have_them() {
        assert!(encode(&region("CIRCLE ICRS 10 20 1")).is_none());
        assert!(encode(&region("POSITION ICRS 10 20")).is_none());
        // An arrowhead: one turn the other way.
        assert!(encode(&region("POLYGON ICRS 0 0 2 1 0 2 1 1")).is_none());
        assert!(encode(&region("UNION ICRS (POLYGON 0 0 1 0 1 1 CIRCLE 5 5 1)")).is_none());
    }

    #[test]
    fn vectors_come_back_bit_for_bit() {
        for (ra, dec) in [
            (0.0, 0.0),
            (359.999999, -89.9),
            (123.456789, 45.0),
            (0.1, 90.0),
        ] {
            let v = Point::new(ra, dec).unwrap().vector();
            let back = decode_vector(&encode_vector(v)).unwrap();
            assert_eq!(
                (back.x.to_bits(), back.y.to_bits(), back.z.to_bits()),
                (v.x.to_bits(), v.y.to_bits(), v.z.to_bits())
            );
        }
        assert!(decode_vector(&[0u8; 23]).is_err());
    }

    #[test]
    fn bytes_it_did_not_write_are_an_error() {
        let v = Vec3::new(1.0, 0.0, 0.0);
        for bad in [&[][..], &[0u8; 24], &[0u8; 50], &[0u8; 48]] {
            assert_eq!(contains(bad, v), Err(GeomError::NotEdgeNormals(bad.len())));
            assert_eq!(
                decode(bad, &mut Vec::new()),
                Err(GeomError::NotEdgeNormals(bad.len()))
            );
        }
    }
}
