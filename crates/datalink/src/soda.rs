//! SODA 1.0 parameters: the cutout stencils (CIRCLE, POLYGON, POS) and the
//! errors SODA names, as text/plain bodies start with them.

use adql_geom::{Circle, Point, Polygon, Vec3};

/// A SODA failure, worded as the standard's error codes.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SodaError {
    /// A parameter is missing or malformed.
    #[error("UsageError: {0}")]
    Usage(String),
    /// A parameter given more than once where one is supported.
    #[error("MultiValuedParamNotSupported: {0}")]
    MultiValued(String),
    /// No such dataset.
    #[error("NotFoundFault: {0}")]
    NotFound(String),
    /// The region does not overlap the image.
    #[error("NoOverlap: the region does not overlap the image of {0}")]
    NoOverlap(String),
    /// The dataset could not be read or cut.
    #[error("Error: {0}")]
    Fault(String),
}

/// The region a cutout covers, in ICRS degrees.
#[derive(Debug, Clone)]
pub enum Stencil {
    /// `CIRCLE ra dec radius`.
    Circle(Circle),
    /// `POLYGON ra1 dec1 ra2 dec2 …` (at least three vertices, edges not crossing).
    Polygon(Polygon),
    /// `RANGE ra_min ra_max dec_min dec_max` (an RA/Dec box; infinities allowed).
    Range {
        /// RA interval (ra_min > ra_max wraps through 0).
        ra: (f64, f64),
        /// Dec interval.
        dec: (f64, f64),
    },
}

impl Stencil {
    /// Whether (ra, dec) lies in the stencil.
    pub fn contains(&self, ra: f64, dec: f64) -> bool {
        match self {
            Stencil::Circle(c) => Point::new(ra, dec).is_ok_and(|p| c.contains_point(&p)),
            Stencil::Polygon(p) => Point::new(ra, dec).is_ok_and(|pt| p.contains_point(&pt)),
            Stencil::Range {
                ra: (a, b),
                dec: (lo, hi),
            } => {
                let in_ra = if a <= b {
                    (*a..=*b).contains(&ra)
                } else {
                    ra >= *a || ra <= *b
                };
                in_ra && (*lo..=*hi).contains(&dec)
            }
        }
    }

    /// Points along the stencil's edge, about `step` degrees apart (at
    /// least 64), for finding its extent in an image.
    pub fn boundary(&self, step: f64) -> Vec<(f64, f64)> {
        match self {
            Stencil::Circle(c) => {
                let n = ((2.0 * std::f64::consts::PI * c.radius() / step).ceil() as usize)
                    .clamp(64, 100_000);
                let (ra, dec) = (c.center().ra().to_radians(), c.center().dec().to_radians());
                let centre = c.center().vector();
                let east = Vec3 {
                    x: -ra.sin(),
                    y: ra.cos(),
                    z: 0.0,
                };
                let north = Vec3 {
                    x: -dec.sin() * ra.cos(),
                    y: -dec.sin() * ra.sin(),
                    z: dec.cos(),
                };
                let r = c.radius().to_radians();
                (0..n)
                    .map(|i| {
                        let bearing = 2.0 * std::f64::consts::PI * i as f64 / n as f64;
                        let towards = east.scale(bearing.sin()).plus(north.scale(bearing.cos()));
                        let p =
                            Point::from_vector(centre.scale(r.cos()).plus(towards.scale(r.sin())));
                        (p.ra(), p.dec())
                    })
                    .collect()
            }
            Stencil::Polygon(p) => {
                let v = p.vertices();
                let mut out = Vec::new();
                for i in 0..v.len() {
                    let (a, b) = (v[i].vector(), v[(i + 1) % v.len()].vector());
                    let length = v[i].distance(&v[(i + 1) % v.len()]);
                    let n = ((length / step).ceil() as usize).clamp(16, 100_000);
                    for k in 0..n {
                        let t = k as f64 / n as f64;
                        let w = a.scale(1.0 - t).plus(b.scale(t));
                        let p = Point::from_vector(w);
                        out.push((p.ra(), p.dec()));
                    }
                }
                out
            }
            Stencil::Range {
                ra: (a, b),
                dec: (lo, hi),
            } => {
                let (lo, hi) = (lo.max(-90.0), hi.min(90.0));
                let width = if a <= b { b - a } else { 360.0 - a + b }.min(360.0);
                let (a, width) = if a.is_finite() && b.is_finite() {
                    (*a, width)
                } else {
                    (0.0, 360.0)
                };
                let n = ((width.max(hi - lo) / step).ceil() as usize).clamp(64, 100_000);
                let mut out = Vec::with_capacity(4 * n);
                for k in 0..=n {
                    let t = k as f64 / n as f64;
                    let ra = (a + width * t).rem_euclid(360.0);
                    let dec = lo + (hi - lo) * t;
                    out.push((ra, lo));
                    out.push((ra, hi));
                    out.push((a, dec));
                    out.push(((a + width).rem_euclid(360.0), dec));
                }
                out
            }
        }
    }
}

/// Parses numbers separated by blanks; NaN and the infinities only where allowed.
fn numbers(text: &str, what: &str, infinite_ok: bool) -> Result<Vec<f64>, SodaError> {
    text.split_whitespace()
        .map(|t| {
            let v: f64 = t
                .parse()
                .map_err(|_| SodaError::Usage(format!("{what}: `{t}` is not a number")))?;
            if v.is_nan() || (v.is_infinite() && !infinite_ok) {
                return Err(SodaError::Usage(format!(
                    "{what}: `{t}` is not a finite number"
                )));
            }
            Ok(v)
        })
        .collect()
}

fn point(ra: f64, dec: f64, what: &str) -> Result<Point, SodaError> {
    Point::new(ra, dec).map_err(|e| SodaError::Usage(format!("{what}: {e}")))
}

/// `CIRCLE=ra dec radius`.
pub fn parse_circle(text: &str) -> Result<Stencil, SodaError> {
    let v = numbers(text, "CIRCLE", false)?;
    if v.len() != 3 {
        return Err(SodaError::Usage(format!(
            "CIRCLE takes 3 numbers (ra dec radius), got {}",
            v.len()
        )));
    }
    if !(v[2] > 0.0 && v[2] <= 180.0) {
        return Err(SodaError::Usage(format!(
            "CIRCLE: the radius {} is not in (0, 180] degrees",
            v[2]
        )));
    }
    let circle = Circle::new(point(v[0], v[1], "CIRCLE")?, v[2])
        .map_err(|e| SodaError::Usage(format!("CIRCLE: {e}")))?;
    Ok(Stencil::Circle(circle))
}

/// `POLYGON=ra1 dec1 ra2 dec2 ra3 dec3 …`.
pub fn parse_polygon(text: &str) -> Result<Stencil, SodaError> {
    let v = numbers(text, "POLYGON", false)?;
    if v.len() < 6 || v.len() % 2 != 0 {
        return Err(SodaError::Usage(format!(
            "POLYGON takes pairs of numbers for at least 3 vertices, got {} numbers",
            v.len()
        )));
    }
    let vertices = v
        .chunks(2)
        .map(|c| point(c[0], c[1], "POLYGON"))
        .collect::<Result<Vec<_>, _>>()?;
    let polygon = Polygon::new(vertices).map_err(|e| SodaError::Usage(format!("POLYGON: {e}")))?;
    Ok(Stencil::Polygon(polygon))
}

/// `POS=CIRCLE …`, `POS=RANGE …` or `POS=POLYGON …`.
pub fn parse_pos(text: &str) -> Result<Stencil, SodaError> {
    let text = text.trim();
    let (shape, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    match shape.to_ascii_uppercase().as_str() {
        "CIRCLE" => parse_circle(rest),
        "POLYGON" => parse_polygon(rest),
        "RANGE" => {
            let v = numbers(rest, "POS RANGE", true)?;
            if v.len() != 4 {
                return Err(SodaError::Usage(format!(
                    "POS RANGE takes 4 numbers (ra_min ra_max dec_min dec_max), got {}",
                    v.len()
                )));
            }
            let ra = if v[0].is_infinite() || v[1].is_infinite() {
                (0.0, 360.0)
            } else {
                let hi = if v[1] == 360.0 {
                    360.0
                } else {
                    v[1].rem_euclid(360.0)
                };
                (v[0].rem_euclid(360.0), hi)
            };
            let (lo, hi) = (v[2].max(-90.0), v[3].min(90.0));
            if lo > hi || lo > 90.0 || hi < -90.0 {
                return Err(SodaError::Usage(format!(
                    "POS RANGE: the Dec interval [{}, {}] is empty",
                    v[2], v[3]
                )));
            }
            Ok(Stencil::Range { ra, dec: (lo, hi) })
        }
        _ => Err(SodaError::Usage(format!(
            "POS must start with CIRCLE, RANGE or POLYGON, got `{shape}`"
        ))),
    }
}

/// A cutout request: the dataset and the one stencil.
#[derive(Debug, Clone)]
pub struct CutoutRequest {
    /// The dataset ID as given.
    pub id: String,
    /// Where to cut.
    pub stencil: Stencil,
}

impl CutoutRequest {
    /// From a request's parameters (names case-insensitive): exactly one ID
    /// and exactly one of CIRCLE, POLYGON, POS.
    pub fn from_params<'a>(
        params: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<CutoutRequest, SodaError> {
        let mut ids = Vec::new();
        let mut stencils = Vec::new();
        for (name, value) in params {
            match name.to_ascii_uppercase().as_str() {
                "ID" => ids.push(value),
                "CIRCLE" => stencils.push(("CIRCLE", value)),
                "POLYGON" => stencils.push(("POLYGON", value)),
                "POS" => stencils.push(("POS", value)),
                _ => {}
            }
        }
        let id = match ids.as_slice() {
            [] => return Err(SodaError::Usage("the ID parameter is missing".into())),
            [one] => one.to_string(),
            _ => return Err(SodaError::MultiValued("one ID per cutout request".into())),
        };
        let stencil = match stencils.as_slice() {
            [] => {
                return Err(SodaError::Usage(
                    "give the region to cut: CIRCLE, POLYGON or POS".into(),
                ))
            }
            [("CIRCLE", v)] => parse_circle(v)?,
            [("POLYGON", v)] => parse_polygon(v)?,
            [(_, v)] => parse_pos(v)?,
            _ => {
                let names: Vec<&str> = stencils.iter().map(|(n, _)| *n).collect();
                return Err(SodaError::MultiValued(format!(
                    "one region per cutout request, got {}",
                    names.join(", ")
                )));
            }
        };
        Ok(CutoutRequest { id, stencil })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(r: Result<Stencil, SodaError>) -> String {
        match r {
            Err(SodaError::Usage(m)) => m,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn stencils_parse_and_malformed_ones_are_usage_errors() {
        assert!(matches!(
            parse_circle("55.7 -32.3 0.03"),
            Ok(Stencil::Circle(_))
        ));
        assert!(matches!(
            parse_polygon("55.6 -32.3 55.7 -32.3 55.65 -32.2"),
            Ok(Stencil::Polygon(_))
        ));
        assert!(matches!(parse_pos("CIRCLE 1 2 3"), Ok(Stencil::Circle(_))));
        assert!(matches!(
            parse_pos("RANGE 10 20 -Inf +Inf"),
            Ok(Stencil::Range { .. })
        ));
        assert!(usage(parse_circle("1 2")).contains("3 numbers"));
        assert!(usage(parse_circle("1 2 nan")).contains("not a finite number"));
        assert!(usage(parse_circle("1 2 0")).contains("radius"));
        assert!(usage(parse_circle("1 2 181")).contains("radius"));
        assert!(usage(parse_circle("1 95 1")).contains("latitude"));
        assert!(usage(parse_polygon("1 2 3 4")).contains("at least 3"));
        // A bow tie: two edges cross.
        assert!(usage(parse_polygon("0 0 1 1 1 0 0 1")).contains("cross"));
        assert!(usage(parse_pos("BOX 1 2 3 4")).contains("CIRCLE, RANGE or POLYGON"));
    }

    #[test]
    fn one_id_and_one_stencil() {
        let r = CutoutRequest::from_params([("id", "x"), ("circle", "1 2 0.1")]).unwrap();
        assert_eq!(r.id, "x");
        let twice = CutoutRequest::from_params([
            ("ID", "x"),
            ("CIRCLE", "1 2 0.1"),
            ("POS", "CIRCLE 1 2 0.1"),
        ]);
        assert!(matches!(twice, Err(SodaError::MultiValued(_))));
        let two_ids = CutoutRequest::from_params([("ID", "x"), ("ID", "y"), ("CIRCLE", "1 2 3")]);
        assert!(matches!(two_ids, Err(SodaError::MultiValued(_))));
        assert_eq!(
            CutoutRequest::from_params([("CIRCLE", "1 2 3")])
                .unwrap_err()
                .to_string(),
            "UsageError: the ID parameter is missing"
        );
    }
}
