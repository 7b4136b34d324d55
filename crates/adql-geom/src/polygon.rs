//! Polygons with great-circle edges.
//!
//! Either vertex order is accepted: the polygon is the side of its boundary that
//! is smaller than a hemisphere, as pgSphere reads it. Vertices are stored in the
//! order that puts the interior on the left (counter-clockwise seen from outside
//! the sphere). A closing vertex equal to the first is dropped; other repeated,
//! antipodal or collinear consecutive vertices, and crossing edges, are errors.

use s2::edge_crossings::{crossing_sign, vertex_crossing, Crossing, EdgeCrosser};

use crate::error::GeomError;
use crate::shape::{sq_deg_per_sr, Point};
use crate::vector::Vec3;

/// Angles below this (radians, ~0.2 µas) make two vertices the same point.
const SAME_POINT: f64 = 1e-12;
/// A point this close (radians, ~2 µas) to an edge is on the boundary: inside.
pub(crate) const ON_EDGE: f64 = 1e-11;

/// A simple spherical polygon, smaller than a hemisphere.
#[derive(Debug, Clone, PartialEq)]
pub struct Polygon {
    vertices: Vec<Point>,
    /// Unit normals of the edges `v[i] × v[i+1]`; the interior is on their side.
    normals: Vec<Vec3>,
    convex: bool,
    /// For non-convex polygons only: a reference point and whether it is inside,
    /// for crossing-parity tests (two, in case a query point is antipodal to one).
    references: Option<[(Vec3, bool); 2]>,
}

impl Polygon {
    /// A polygon from its vertices, in either order.
    pub fn new(mut vertices: Vec<Point>) -> Result<Polygon, GeomError> {
        if vertices.len() > 3 {
            let gap = vertices[0]
                .vector()
                .minus(vertices[vertices.len() - 1].vector());
            if gap.dot(gap) < SAME_POINT * SAME_POINT {
                vertices.pop();
            }
        }
        let n = vertices.len();
        if n < 3 {
            return Err(GeomError::TooFewVertices(n));
        }
        let mut v: Vec<Vec3> = vertices.iter().map(Point::vector).collect();
        // Chord lengths instead of angles: no trigonometry for the common case.
        let same2 = SAME_POINT * SAME_POINT;
        for i in 0..n {
            let j = (i + 1) % n;
            let (gap, opposite) = (v[i].minus(v[j]), v[i].plus(v[j]));
            if gap.dot(gap) < same2 {
                return Err(GeomError::RepeatedVertex(i, j));
            }
            if opposite.dot(opposite) < same2 {
                return Err(GeomError::AntipodalVertices(i, j));
            }
        }
        // Edge normals of the given order; a vertex is collinear with its
        // neighbours when the next vertex lies on the previous edge's great circle.
        let mut normals: Vec<Vec3> = (0..n)
            .map(|i| v[i].cross(v[(i + 1) % n]).normalized())
            .collect();
        for i in 0..n {
            let turn = normals[(i + n - 1) % n].dot(v[(i + 1) % n]);
            if turn.abs() < SAME_POINT {
                return Err(GeomError::CollinearVertices(
                    (i + n - 1) % n,
                    i,
                    (i + 1) % n,
                ));
            }
        }
        // A quadrilateral whose four turns all go the same way is convex and so
        // simple; others (and every larger polygon) get the full crossing check.
        let turns_one_way = {
            let left = (0..n)
                .filter(|&i| normals[(i + n - 1) % n].dot(v[(i + 1) % n]) > 0.0)
                .count();
            left == 0 || left == n
        };
        if n > 4 || (n == 4 && !turns_one_way) {
            check_simple(&v)?;
        }
        // Keep the order when the side on its left is the small one. With every
        // turn the same way that is the side the turns go to; otherwise the
        // signed area S ∈ (−4π, 4π) of the left side decides (small if S ∈ [0, 2π]
        // or S ≤ −2π, the wrapped form of an area under 2π).
        let keep = if turns_one_way {
            normals[n - 1].dot(v[1]) > 0.0
        } else {
            let signed = signed_area(&v);
            (0.0..=2.0 * std::f64::consts::PI).contains(&signed)
                || signed <= -2.0 * std::f64::consts::PI
        };
        let vertices = if keep {
            vertices
        } else {
            let mut reversed = vertices;
            reversed.reverse();
            reversed
        };
        if !keep {
            // Reversed edges: the same great circles, normals negated, in reverse order.
            normals.reverse();
            normals.rotate_left(1);
            for n in normals.iter_mut() {
                *n = n.negated();
            }
            v.reverse();
        }
        let convex = (0..n).all(|i| normals[(i + n - 1) % n].dot(v[(i + 1) % n]) > 0.0);
        let references = (!convex).then(|| reference_points(&v));
        Ok(Polygon {
            vertices,
            normals,
            convex,
            references,
        })
    }

    /// A polygon from (RA, Dec) pairs in degrees.
    pub fn from_radec(coords: &[(f64, f64)]) -> Result<Polygon, GeomError> {
        let points = coords
            .iter()
            .map(|&(ra, dec)| Point::new(ra, dec))
            .collect::<Result<Vec<_>, _>>()?;
        Polygon::new(points)
    }

    /// The vertices, interior on the left.
    pub fn vertices(&self) -> &[Point] {
        &self.vertices
    }

    /// True if every turn is to the left.
    pub fn is_convex(&self) -> bool {
        self.convex
    }

    /// The unit normals of its edges (interior on their side), when it is
    /// convex: all that [`Polygon::contains_vector`] reads of it then.
    pub(crate) fn convex_normals(&self) -> Option<&[Vec3]> {
        self.convex.then_some(self.normals.as_slice())
    }

    /// Area in square degrees (exact spherical excess).
    pub fn area(&self) -> f64 {
        let v: Vec<Vec3> = self.vertices.iter().map(Point::vector).collect();
        // The stored order has the polygon on its left: S ∈ [0, 2π], or wrapped
        // below −2π. Taking S directly keeps a small polygon's digits.
        let s = signed_area(&v);
        let steradians = if s < 0.0 {
            s + 4.0 * std::f64::consts::PI
        } else {
            s
        };
        steradians * sq_deg_per_sr()
    }

    /// The edges as pairs of unit vectors.
    pub(crate) fn edges(&self) -> impl Iterator<Item = (Vec3, Vec3)> + '_ {
        let n = self.vertices.len();
        (0..n).map(move |i| {
            (
                self.vertices[i].vector(),
                self.vertices[(i + 1) % n].vector(),
            )
        })
    }

    /// The spherical centroid: the direction of the mean position vector over the
    /// area, ∫x dA = ½ Σ θₑ n̂ₑ over the edges. Written relative to the first
    /// vertex c (with dᵢ = vᵢ − c, wₑ = θₑ / |vᵢ × vᵢ₊₁|) as
    /// c × Σ (wₑ − 1)(dᵢ₊₁ − dᵢ) + Σ wₑ (dᵢ × dᵢ₊₁), because the edge terms of a
    /// small polygon cancel to many digits and the plain sum loses them.
    pub fn centroid(&self) -> Point {
        let v: Vec<Vec3> = self.vertices.iter().map(Point::vector).collect();
        let c = v[0];
        let zero = Vec3::new(0.0, 0.0, 0.0);
        let (mut steps, mut twists) = (zero, zero);
        for i in 0..v.len() {
            let (a, b) = (v[i], v[(i + 1) % v.len()]);
            let (da, db) = (a.minus(c), b.minus(c));
            let step = db.minus(da);
            let twist = da.cross(db);
            let s = c.cross(step).plus(twist).norm();
            let w = s.atan2(a.dot(b)) / s;
            steps = steps.plus(step.scale(w - 1.0));
            twists = twists.plus(twist.scale(w));
        }
        Point::from_vector(c.cross(steps).plus(twists))
    }

    /// True if the unit vector `p` is inside or on the polygon.
    #[inline]
    pub fn contains_vector(&self, p: Vec3) -> bool {
        if self.convex {
            return self.normals.iter().all(|n| n.dot(p) >= -ON_EDGE);
        }
        if self.edges().any(|(a, b)| edge_distance(p, a, b) <= ON_EDGE) {
            return true;
        }
        let Some(references) = &self.references else {
            unreachable!("non-convex polygons have reference points")
        };
        let (reference, inside) = if references[0].0.dot(p) > -0.5 {
            references[0]
        } else {
            references[1]
        };
        inside ^ crosses_odd(&self.vertices, reference, p)
    }

    /// True if `p` is inside or on the polygon.
    pub fn contains_point(&self, p: &Point) -> bool {
        self.contains_vector(p.vector())
    }

    /// The smallest distance from `p` to the boundary, in radians.
    pub(crate) fn boundary_distance(&self, p: Vec3) -> f64 {
        self.edges()
            .map(|(a, b)| edge_distance(p, a, b))
            .fold(f64::INFINITY, f64::min)
    }
}

/// The angle (radians) from `p` to the great-circle arc from `a` to `b`.
pub(crate) fn edge_distance(p: Vec3, a: Vec3, b: Vec3) -> f64 {
    let n = a.cross(b).normalized();
    let s = p.dot(n);
    let q = p.minus(n.scale(s));
    if a.cross(q).dot(n) >= 0.0 && q.cross(b).dot(n) >= 0.0 && q.dot(q) > 0.0 {
        s.abs().min(1.0).asin()
    } else {
        p.angle(a).min(p.angle(b))
    }
}

/// Signed area (steradians) of the region left of the closed path `v`, as the
/// sum of the signed excesses of the triangles (v₀, vᵢ, vᵢ₊₁).
fn signed_area(v: &[Vec3]) -> f64 {
    let a = v[0];
    v.windows(2)
        .skip(1)
        .map(|w| triangle_excess(a, w[0], w[1]))
        .sum()
}

/// Signed spherical excess of the triangle (a, b, c), positive counter-clockwise.
/// The determinant is taken over the edge vectors from `a`: for tiny triangles
/// a·(b×c) loses ~6 digits to cancellation, a·((b−a)×(c−a)) does not.
fn triangle_excess(a: Vec3, b: Vec3, c: Vec3) -> f64 {
    let det = a.dot(b.minus(a).cross(c.minus(a)));
    let denominator = 1.0 + a.dot(b) + b.dot(c) + c.dot(a);
    2.0 * det.atan2(denominator)
}

/// Errors if two edges that do not share a vertex cross or touch.
fn check_simple(v: &[Vec3]) -> Result<(), GeomError> {
    let n = v.len();
    for i in 0..n {
        let (a, b) = (v[i].to_s2(), v[(i + 1) % n].to_s2());
        for j in i + 1..n {
            if j == i + 1 || (i == 0 && j == n - 1) {
                continue;
            }
            let (c, d) = (v[j].to_s2(), v[(j + 1) % n].to_s2());
            if crossing_sign(&a, &b, &c, &d) != Crossing::DoNotCross {
                return Err(GeomError::SelfIntersecting(i, j));
            }
        }
    }
    Ok(())
}

/// The winding angle (radians) of the closed path `v` seen from `r`: ±2π around
/// `r`, 0 otherwise.
fn winding_angle(v: &[Vec3], r: Vec3) -> f64 {
    let n = v.len();
    (0..n)
        .map(|i| {
            let (a, b) = (v[i], v[(i + 1) % n]);
            r.dot(a.cross(b)).atan2(a.dot(b) - r.dot(a) * r.dot(b))
        })
        .sum()
}

/// Two reference points far from every edge, with their containment found by
/// winding angle (interior on the left).
fn reference_points(v: &[Vec3]) -> [(Vec3, bool); 2] {
    let candidates = [
        Vec3::new(0.57735, 0.57735, 0.57735),
        Vec3::new(-0.57735, -0.57735, -0.57735),
        Vec3::new(0.48, -0.6, 0.64),
        Vec3::new(-0.48, 0.6, -0.64),
        Vec3::new(0.8, 0.0, -0.6),
        Vec3::new(-0.8, 0.0, 0.6),
    ];
    let clearance = |r: Vec3| {
        let n = v.len();
        (0..n)
            .map(|i| edge_distance(r, v[i], v[(i + 1) % n]))
            .fold(f64::INFINITY, f64::min)
    };
    let mut scored: Vec<(f64, Vec3)> = candidates
        .iter()
        .map(|c| c.normalized())
        .map(|c| (clearance(c), c))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let first = scored[0].1;
    // The second must be far from the first, so that no point is antipodal to both.
    let second = scored
        .iter()
        .map(|s| s.1)
        .find(|c| c.dot(first) < 0.0)
        .unwrap_or(first.negated());
    let inside = |r: Vec3| winding_angle(v, r) > std::f64::consts::PI;
    [(first, inside(first)), (second, inside(second))]
}

/// True if the arc from `r` to `p` crosses the polygon boundary an odd number of
/// times (robust crossing tests, with S2's vertex-crossing rule).
fn crosses_odd(vertices: &[Point], r: Vec3, p: Vec3) -> bool {
    let (rs, ps) = (r.to_s2(), p.to_s2());
    let pts: Vec<_> = vertices.iter().map(|x| x.vector().to_s2()).collect();
    let n = pts.len();
    let mut crosser = EdgeCrosser::new_with_c(&rs, &ps, &pts[0]);
    let mut odd = false;
    for i in 1..=n {
        let d = &pts[i % n];
        let c = &pts[i - 1];
        match crosser.chain_crossing_sign(d) {
            Crossing::Cross => odd = !odd,
            Crossing::MaybeCross => odd ^= vertex_crossing(&rs, &ps, c, d),
            Crossing::DoNotCross => {}
        }
    }
    odd
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(ra: f64, dec: f64, half: f64) -> Vec<(f64, f64)> {
        vec![
            (ra - half, dec - half),
            (ra + half, dec - half),
            (ra + half, dec + half),
            (ra - half, dec + half),
        ]
    }

    #[test]
    fn either_order_gives_the_small_side() {
        let ccw = Polygon::from_radec(&square(10.0, 10.0, 1.0)).unwrap();
        let mut cw_coords = square(10.0, 10.0, 1.0);
        cw_coords.reverse();
        let cw = Polygon::from_radec(&cw_coords).unwrap();
        assert!((ccw.area() - cw.area()).abs() < 1e-9);
        assert!(ccw.area() < 4.1 && ccw.area() > 3.9);
        assert!(ccw.is_convex() && cw.is_convex());
        assert!(ccw.contains_point(&Point::new(10.0, 10.0).unwrap()));
        assert!(cw.contains_point(&Point::new(10.0, 10.0).unwrap()));
        assert!(!cw.contains_point(&Point::new(12.0, 10.0).unwrap()));
    }

    #[test]
    fn seam_and_closing_vertex() {
        let p = Polygon::from_radec(&[
            (359.0, -1.0),
            (1.0, -1.0),
            (1.0, 1.0),
            (359.0, 1.0),
            (359.0, -1.0),
        ])
        .unwrap();
        assert_eq!(p.vertices().len(), 4);
        assert!(p.contains_point(&Point::new(0.0, 0.0).unwrap()));
        assert!(p.contains_point(&Point::new(359.5, 0.5).unwrap()));
        assert!(!p.contains_point(&Point::new(180.0, 0.0).unwrap()));
    }

    #[test]
    fn non_convex_polygon() {
        // An L shape.
        let p = Polygon::from_radec(&[
            (0.0, 0.0),
            (4.0, 0.0),
            (4.0, 1.0),
            (1.0, 1.0),
            (1.0, 4.0),
            (0.0, 4.0),
        ])
        .unwrap();
        assert!(!p.is_convex());
        assert!(p.contains_point(&Point::new(0.5, 3.0).unwrap()));
        assert!(p.contains_point(&Point::new(3.0, 0.5).unwrap()));
        assert!(!p.contains_point(&Point::new(3.0, 3.0).unwrap()));
        assert!(
            p.contains_point(&Point::new(1.0, 2.0).unwrap()),
            "on the boundary"
        );
    }

    #[test]
    fn invalid_polygons() {
        assert_eq!(
            Polygon::from_radec(&[(0.0, 0.0), (1.0, 0.0)]),
            Err(GeomError::TooFewVertices(2))
        );
        assert!(matches!(
            Polygon::from_radec(&[(0.0, 0.0), (1.0, 0.0), (1.0, 0.0), (0.0, 1.0)]),
            Err(GeomError::RepeatedVertex(1, 2))
        ));
        assert!(matches!(
            Polygon::from_radec(&[(0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (0.0, 1.0)]),
            Err(GeomError::CollinearVertices(0, 1, 2))
        ));
        assert!(matches!(
            Polygon::from_radec(&[(0.0, 0.0), (1.0, 1.0), (1.0, 0.0), (0.0, 1.0)]),
            Err(GeomError::SelfIntersecting(..))
        ));
        assert!(matches!(
            Polygon::from_radec(&[(0.0, 0.0), (1.0, 95.0), (1.0, 0.0)]),
            Err(GeomError::LatitudeOutOfRange(_))
        ));
    }
}
