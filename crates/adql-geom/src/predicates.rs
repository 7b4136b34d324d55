//! CONTAINS and INTERSECTS for every pair of regions; the boundary counts as
//! contained, as the ADQL REC says.
//!
//! Points, circles, polygons and boxes are exact. Unions, intersections and
//! complements are exact where set algebra decides (a point against anything;
//! `contains(a, UNION(…))` = every member; `intersects(UNION(…), b)` = any member;
//! `contains(INTERSECTION(…), b)` = every member; `NOT` through its complement);
//! the few cases it cannot decide (a shape that straddles the members of a union,
//! say) give [`GeomError::Unsupported`] rather than a guess.

use s2::edge_crossings::{crossing_sign, Crossing};

use crate::error::GeomError;
use crate::polygon::{edge_distance, Polygon, ON_EDGE};
use crate::region::{Region, Simple};
use crate::shape::{Circle, Point};

/// True if `b` lies inside `a` (boundary included).
pub fn contains(a: &Region, b: &Region) -> Result<bool, GeomError> {
    if let (Some(sa), Some(sb)) = (a.simple(), b.simple()) {
        return Ok(simple_contains(&sa, &sb));
    }
    if let Region::Point(p) = b {
        return Ok(a.contains_point(p));
    }
    match (a, b) {
        (_, Region::Union(members)) => all(members, |m| contains(a, m)),
        (Region::Intersection(members), _) => all(members, |m| contains(m, b)),
        (Region::Not(inner), _) => Ok(!intersects(inner, b)?),
        (Region::Union(members), _) => {
            if any(members, |m| contains(m, b))? {
                Ok(true)
            } else if !any(members, |m| intersects(m, b))? {
                Ok(false)
            } else {
                Err(undecided("CONTAINS", a, b))
            }
        }
        (_, Region::Intersection(members)) => {
            if any(members, |m| contains(a, m))? {
                Ok(true)
            } else if !intersects(a, b)? {
                Ok(false)
            } else {
                Err(undecided("CONTAINS", a, b))
            }
        }
        (_, Region::Not(_)) => {
            // Only the whole sky contains the complement of a bounded region.
            Ok(false)
        }
        _ => Err(undecided("CONTAINS", a, b)),
    }
}

/// True if `a` and `b` share at least one point.
pub fn intersects(a: &Region, b: &Region) -> Result<bool, GeomError> {
    if let (Some(sa), Some(sb)) = (a.simple(), b.simple()) {
        return Ok(simple_intersects(&sa, &sb));
    }
    match (a, b) {
        (_, Region::Point(p)) => Ok(a.contains_point(p)),
        (Region::Point(p), _) => Ok(b.contains_point(p)),
        (Region::Union(members), _) => any(members, |m| intersects(m, b)),
        (_, Region::Union(members)) => any(members, |m| intersects(a, m)),
        (Region::Not(inner), _) => Ok(!contains(inner, b)?),
        (_, Region::Not(inner)) => Ok(!contains(inner, a)?),
        (Region::Intersection(members), other) | (other, Region::Intersection(members)) => {
            if !all(members, |m| intersects(m, other))? {
                Ok(false)
            } else if all(members, |m| contains(m, other))? {
                Ok(true)
            } else if let Some(inner) = members.iter().find(|m| {
                members
                    .iter()
                    .all(|n| std::ptr::eq(*m, n) || contains(n, m).unwrap_or(false))
            }) {
                // One member lies inside all others: the intersection is that member.
                intersects(inner, other)
            } else {
                Err(undecided("INTERSECTS", a, b))
            }
        }
        _ => Err(undecided("INTERSECTS", a, b)),
    }
}

fn undecided(what: &str, a: &Region, b: &Region) -> GeomError {
    GeomError::Unsupported(format!(
        "{what}({}, {}) cannot be decided exactly for these shapes",
        a.kind(),
        b.kind()
    ))
}

fn all(
    members: &[Region],
    f: impl Fn(&Region) -> Result<bool, GeomError>,
) -> Result<bool, GeomError> {
    for m in members {
        if !f(m)? {
            return Ok(false);
        }
    }
    Ok(true)
}

fn any(
    members: &[Region],
    f: impl Fn(&Region) -> Result<bool, GeomError>,
) -> Result<bool, GeomError> {
    for m in members {
        if f(m)? {
            return Ok(true);
        }
    }
    Ok(false)
}

fn simple_contains(a: &Simple<'_>, b: &Simple<'_>) -> bool {
    match (a, b) {
        (Simple::Point(p), Simple::Point(q)) => p.vector().angle(q.vector()) <= ON_EDGE,
        (Simple::Point(p), Simple::Circle(c)) => {
            c.radius() == 0.0 && c.center().vector().angle(p.vector()) <= ON_EDGE
        }
        (Simple::Point(_), Simple::Polygon(_)) => false,
        (Simple::Circle(c), Simple::Point(p)) => c.contains_point(p),
        (Simple::Circle(c), Simple::Circle(d)) => {
            let between = c.center().vector().angle(d.center().vector());
            between + d.radius().to_radians() <= c.radius().to_radians() + ON_EDGE
        }
        (Simple::Circle(c), Simple::Polygon(p)) => circle_contains_polygon(c, p),
        (Simple::Polygon(p), Simple::Point(q)) => p.contains_point(q),
        (Simple::Polygon(p), Simple::Circle(c)) => {
            p.contains_point(c.center())
                && c.radius() < 180.0
                && p.boundary_distance(c.center().vector()) + ON_EDGE >= c.radius().to_radians()
        }
        (Simple::Polygon(p), Simple::Polygon(q)) => polygon_contains_polygon(p, q),
    }
}

fn simple_intersects(a: &Simple<'_>, b: &Simple<'_>) -> bool {
    match (a, b) {
        (Simple::Point(p), other) | (other, Simple::Point(p)) => match other {
            Simple::Point(q) => p.vector().angle(q.vector()) <= ON_EDGE,
            Simple::Circle(c) => c.contains_point(p),
            Simple::Polygon(poly) => poly.contains_point(p),
        },
        (Simple::Circle(c), Simple::Circle(d)) => {
            let between = c.center().vector().angle(d.center().vector());
            between <= c.radius().to_radians() + d.radius().to_radians() + ON_EDGE
        }
        (Simple::Circle(c), Simple::Polygon(p)) | (Simple::Polygon(p), Simple::Circle(c)) => {
            let center = c.center().vector();
            p.contains_vector(center)
                || p.boundary_distance(center) <= c.radius().to_radians() + ON_EDGE
        }
        (Simple::Polygon(p), Simple::Polygon(q)) => polygons_intersect(p, q),
    }
}

/// Every vertex inside, and no edge bulging out: for caps larger than a
/// hemisphere, no edge may come near the antipodal cap.
fn circle_contains_polygon(c: &Circle, p: &Polygon) -> bool {
    if !p.vertices().iter().all(|v| c.contains_point(v)) {
        return false;
    }
    if c.radius() <= 90.0 {
        return true;
    }
    let antipode = c.center().vector().negated();
    let outside_radius = (180.0 - c.radius()).to_radians();
    p.edges()
        .all(|(a, b)| edge_distance(antipode, a, b) + ON_EDGE >= outside_radius)
}

fn polygon_contains_polygon(p: &Polygon, q: &Polygon) -> bool {
    q.vertices().iter().all(|v| p.contains_point(v)) && !edges_cross(p, q)
}

fn polygons_intersect(p: &Polygon, q: &Polygon) -> bool {
    edges_cross(p, q)
        || q.vertices().iter().any(|v| p.contains_point(v))
        || p.vertices().iter().any(|v| q.contains_point(v))
}

/// True if an edge of `p` properly crosses an edge of `q` (robust predicates).
fn edges_cross(p: &Polygon, q: &Polygon) -> bool {
    let qe: Vec<(s2::point::Point, s2::point::Point)> =
        q.edges().map(|(a, b)| (a.to_s2(), b.to_s2())).collect();
    p.edges().any(|(a, b)| {
        let (a, b) = (a.to_s2(), b.to_s2());
        qe.iter()
            .any(|(c, d)| crossing_sign(&a, &b, c, d) == Crossing::Cross)
    })
}

/// The great-circle distance between two regions' nearest points is not part of
/// ADQL; DISTANCE takes points. This is the distance between two points in degrees.
pub fn point_distance(a: &Point, b: &Point) -> f64 {
    a.distance(b)
}
