//! Regions: the shapes, and their unions, intersections and complements as STC-S
//! writes them.

use crate::error::GeomError;
use crate::polygon::Polygon;
use crate::shape::{Circle, Point};
use crate::sky_box::SkyBox;
use crate::vector::Vec3;

/// Any geometry ADQL or an `s_region` column can hold.
#[derive(Debug, Clone, PartialEq)]
pub enum Region {
    /// A position.
    Point(Point),
    /// A cone.
    Circle(Circle),
    /// A polygon with great-circle edges.
    Polygon(Polygon),
    /// An ADQL BOX.
    Box(SkyBox),
    /// Points in any member.
    Union(Vec<Region>),
    /// Points in every member.
    Intersection(Vec<Region>),
    /// Points outside the member.
    Not(std::boxed::Box<Region>),
}

/// A shape as the predicates see it: a point, a circle or a polygon.
pub(crate) enum Simple<'r> {
    Point(&'r Point),
    Circle(&'r Circle),
    Polygon(&'r Polygon),
}

impl Region {
    /// The region as a point, circle or polygon, if it is one.
    pub(crate) fn simple(&self) -> Option<Simple<'_>> {
        match self {
            Region::Point(p) => Some(Simple::Point(p)),
            Region::Circle(c) => Some(Simple::Circle(c)),
            Region::Polygon(p) => Some(Simple::Polygon(p)),
            Region::Box(b) => Some(Simple::Polygon(b.polygon())),
            _ => None,
        }
    }

    /// The name of the region's kind, as STC-S spells it.
    pub fn kind(&self) -> &'static str {
        match self {
            Region::Point(_) => "POSITION",
            Region::Circle(_) => "CIRCLE",
            Region::Polygon(_) => "POLYGON",
            Region::Box(_) => "BOX",
            Region::Union(_) => "UNION",
            Region::Intersection(_) => "INTERSECTION",
            Region::Not(_) => "NOT",
        }
    }

    /// True if the unit vector `v` is inside or on the region.
    pub fn contains_vector(&self, v: Vec3) -> bool {
        match self {
            Region::Point(p) => p.vector().angle(v) <= crate::polygon::ON_EDGE,
            Region::Circle(c) => c.contains_vector(v),
            Region::Polygon(p) => p.contains_vector(v),
            Region::Box(b) => b.polygon().contains_vector(v),
            Region::Union(members) => members.iter().any(|m| m.contains_vector(v)),
            Region::Intersection(members) => members.iter().all(|m| m.contains_vector(v)),
            Region::Not(inner) => !inner.contains_vector(v),
        }
    }

    /// True if `p` is inside or on the region.
    pub fn contains_point(&self, p: &Point) -> bool {
        self.contains_vector(p.vector())
    }

    /// Area in square degrees. Points have none; unions and intersections of
    /// overlapping members have no closed form here.
    pub fn area(&self) -> Result<f64, GeomError> {
        match self {
            Region::Point(_) => Ok(0.0),
            Region::Circle(c) => Ok(c.area()),
            Region::Polygon(p) => Ok(p.area()),
            Region::Box(b) => Ok(b.polygon().area()),
            Region::Not(inner) => {
                Ok(4.0 * std::f64::consts::PI * crate::shape::sq_deg_per_sr() - inner.area()?)
            }
            Region::Union(_) | Region::Intersection(_) => Err(GeomError::Unsupported(format!(
                "the area of a {} is not computed",
                self.kind()
            ))),
        }
    }

    /// The spherical centroid (direction of the mean position over the area).
    pub fn centroid(&self) -> Result<Point, GeomError> {
        match self {
            Region::Point(p) => Ok(*p),
            Region::Circle(c) => Ok(*c.center()),
            Region::Polygon(p) => Ok(p.centroid()),
            Region::Box(b) => Ok(b.polygon().centroid()),
            _ => Err(GeomError::Unsupported(format!(
                "the centroid of a {} is not computed",
                self.kind()
            ))),
        }
    }

    /// The first and second coordinates of a point (COORD1, COORD2).
    pub fn coords(&self) -> Result<(f64, f64), GeomError> {
        match self {
            Region::Point(p) => Ok((p.ra(), p.dec())),
            _ => Err(GeomError::Unsupported(format!(
                "COORD1 and COORD2 take a point, not a {}",
                self.kind()
            ))),
        }
    }
}

impl From<Point> for Region {
    fn from(p: Point) -> Region {
        Region::Point(p)
    }
}

impl From<Circle> for Region {
    fn from(c: Circle) -> Region {
        Region::Circle(c)
    }
}

impl From<Polygon> for Region {
    fn from(p: Polygon) -> Region {
        Region::Polygon(p)
    }
}

impl From<SkyBox> for Region {
    fn from(b: SkyBox) -> Region {
        Region::Box(b)
    }
}
