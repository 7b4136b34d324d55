//! The DALI array forms of geometry values: a point is 2 doubles (ra dec), a
//! circle 3 (ra dec radius), a polygon 2n (ra dec pairs, n ≥ 3), all in degrees.

use crate::error::GeomError;
use crate::polygon::Polygon;
use crate::region::Region;
use crate::shape::{Circle, Point};

/// A point from `[ra, dec]`.
pub fn point(values: &[f64]) -> Result<Point, GeomError> {
    match values {
        [ra, dec] => Point::new(*ra, *dec),
        _ => Err(GeomError::DaliLength {
            kind: "point",
            expected: "2",
            found: values.len(),
        }),
    }
}

/// A circle from `[ra, dec, radius]`.
pub fn circle(values: &[f64]) -> Result<Circle, GeomError> {
    match values {
        [ra, dec, r] => Circle::new(Point::new(*ra, *dec)?, *r),
        _ => Err(GeomError::DaliLength {
            kind: "circle",
            expected: "3",
            found: values.len(),
        }),
    }
}

/// A polygon from `[ra1, dec1, ra2, dec2, …]`.
pub fn polygon(values: &[f64]) -> Result<Polygon, GeomError> {
    if values.len() % 2 != 0 || values.len() < 6 {
        return Err(GeomError::DaliLength {
            kind: "polygon",
            expected: "an even count of at least 6",
            found: values.len(),
        });
    }
    let points = values
        .chunks_exact(2)
        .map(|c| Point::new(c[0], c[1]))
        .collect::<Result<Vec<_>, _>>()?;
    Polygon::new(points)
}

/// A DALI value written as text, its kind told by its count of numbers: 2 a
/// point, 3 a circle, an even count of at least 6 a polygon (as ADQL 2.1's
/// REGION and VOLLT read them).
pub fn region(text: &str) -> Result<Region, GeomError> {
    let values = parse_numbers(text)?;
    match values.len() {
        2 => point(&values).map(Region::Point),
        3 => circle(&values).map(Region::Circle),
        n if n >= 6 && n % 2 == 0 => polygon(&values).map(Region::Polygon),
        found => Err(GeomError::DaliLength {
            kind: "region",
            expected: "2 (a point), 3 (a circle) or an even count of at least 6 (a polygon)",
            found,
        }),
    }
}

/// Reads the numbers of a DALI value written as text (`"10.5 -20 1"`).
pub fn parse_numbers(text: &str) -> Result<Vec<f64>, GeomError> {
    text.split_whitespace()
        .enumerate()
        .map(|(i, t)| {
            t.parse::<f64>().map_err(|_| GeomError::Stcs {
                message: format!("DALI value {} `{t}` is not a number", i + 1),
                position: 0,
                text: text.chars().take(80).collect(),
            })
        })
        .collect()
}

/// The DALI array of a point, circle, polygon or box (as its polygon).
pub fn to_dali(region: &Region) -> Result<Vec<f64>, GeomError> {
    let polygon_values = |p: &Polygon| {
        p.vertices()
            .iter()
            .flat_map(|v| [v.ra(), v.dec()])
            .collect()
    };
    match region {
        Region::Point(p) => Ok(vec![p.ra(), p.dec()]),
        Region::Circle(c) => Ok(vec![c.center().ra(), c.center().dec(), c.radius()]),
        Region::Polygon(p) => Ok(polygon_values(p)),
        Region::Box(b) => Ok(polygon_values(b.polygon())),
        other => Err(GeomError::Unsupported(format!(
            "a {} has no DALI array form",
            other.kind()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dali_round_trip_and_errors() {
        let c = circle(&[10.0, 20.0, 0.5]).unwrap();
        assert_eq!(to_dali(&Region::Circle(c)).unwrap(), vec![10.0, 20.0, 0.5]);
        let p = polygon(&[0.0, 0.0, 1.0, 0.0, 1.0, 1.0]).unwrap();
        assert_eq!(
            polygon(&to_dali(&Region::Polygon(p.clone())).unwrap()).unwrap(),
            p
        );
        assert!(matches!(
            point(&[1.0]),
            Err(GeomError::DaliLength { found: 1, .. })
        ));
        assert!(polygon(&[0.0, 0.0, 1.0, 0.0, 1.0]).is_err());
        assert_eq!(
            parse_numbers(" 1 2.5  -3e1 ").unwrap(),
            vec![1.0, 2.5, -30.0]
        );
        assert!(parse_numbers("1 x").is_err());
    }
}
