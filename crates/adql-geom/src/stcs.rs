//! STC-S regions as archives write them in `s_region`, read and written.
//!
//! Read: `POSITION`, `CIRCLE`, `BOX`, `POLYGON`, `UNION (…)`, `INTERSECTION (…)`,
//! `NOT (…)`, case-insensitive, any white space; after the shape name an optional
//! `FILLFACTOR f`, frame (ICRS, J2000, FK5 — taken as ICRS — or GALACTIC), reference
//! position (any of STC-S's: GEOCENTER, BARYCENTER, LSR …, read and ignored) and flavor
//! (SPHERICAL2); an optional `UNIT deg` after the numbers. Members of UNION and
//! INTERSECTION inherit the frame. A GALACTIC box becomes the polygon of its
//! corners, since its sides follow galactic axes. Written: ICRS, numbers in the
//! shortest form that reads back to the same value, so print → parse is exact.

use std::fmt::{self, Display, Formatter};

use crate::error::GeomError;
use crate::frame::Frame;
use crate::polygon::Polygon;
use crate::region::Region;
use crate::shape::{Circle, Point};
use crate::sky_box::SkyBox;

/// Deepest nesting of UNION, INTERSECTION and NOT accepted.
const MAX_DEPTH: usize = 64;

/// Frames STC-S knows that this library does not convert.
const OTHER_FRAMES: [&str; 9] = [
    "FK4",
    "B1950",
    "ECLIPTIC",
    "SUPER_GALACTIC",
    "GEO_C",
    "GEO_D",
    "UNKNOWNFRAME",
    "BARYCENTRIC",
    "GEOCENTRIC",
];
const SHAPES: [&str; 7] = [
    "POLYGON",
    "CIRCLE",
    "BOX",
    "POSITION",
    "UNION",
    "INTERSECTION",
    "NOT",
];
/// STC-S reference positions. They are read and ignored: they move a
/// direction on the sky by parallax and aberration only, far below what a
/// region's edge means.
const REFERENCE_POSITIONS: [&str; 20] = [
    "GEOCENTER",
    "BARYCENTER",
    "HELIOCENTER",
    "TOPOCENTER",
    "LSR",
    "LSRK",
    "LSRD",
    "GALACTIC_CENTER",
    "LOCAL_GROUP_CENTER",
    "EMBARYCENTER",
    "MOON",
    "MERCURY",
    "VENUS",
    "MARS",
    "JUPITER",
    "SATURN",
    "URANUS",
    "NEPTUNE",
    "PLUTO",
    "UNKNOWNREFPOS",
];

/// Parses an STC-S region.
pub fn parse(text: &str) -> Result<Region, GeomError> {
    if let Some(region) = plain_polygon(text) {
        return region;
    }
    parse_general(text)
}

/// Parses an STC-S region with the general reader.
fn parse_general(text: &str) -> Result<Region, GeomError> {
    let mut p = Reader {
        text,
        pos: 0,
        peeked: (usize::MAX, 0),
    };
    let region = p.region(Frame::Icrs, 0)?;
    p.skip_space();
    if p.pos < text.len() {
        return Err(p.error("unexpected text after the region"));
    }
    Ok(region)
}

/// `POLYGON ICRS` and plain decimal numbers, one space apart — how archives
/// write nearly every `s_region`, read once per candidate pair in a
/// positional join — read without the general reader's token look-ups: the
/// same numbers (see [`parse_decimal`]) and so the same polygon, or its
/// error. `None` for anything else, which the general reader then reads.
fn plain_polygon(text: &str) -> Option<Result<Region, GeomError>> {
    let numbers = text.strip_prefix("POLYGON ICRS ")?.as_bytes();
    let mut values = [0.0f64; 2 * PLAIN_POLYGON_VERTICES];
    let mut count = 0;
    // Tokens one space apart, found by a plain scan: they are short, and a
    // byte search per token costs more than it saves.
    let mut start = 0;
    for end in 0..=numbers.len() {
        if end < numbers.len() && numbers[end] != b' ' {
            continue;
        }
        if count == values.len() {
            return None;
        }
        values[count] = parse_decimal(&numbers[start..end])?;
        count += 1;
        start = end + 1;
    }
    if count < 6 || count % 2 != 0 {
        return None;
    }
    let mut vertices = Vec::with_capacity(count / 2);
    for pair in values[..count].chunks_exact(2) {
        match Point::new(pair[0], pair[1]) {
            Ok(point) => vertices.push(point),
            Err(e) => return Some(Err(e)),
        }
    }
    Some(Polygon::new(vertices).map(Region::Polygon))
}

/// The most vertices [`plain_polygon`] reads; longer polygons take the
/// general reader.
const PLAIN_POLYGON_VERTICES: usize = 16;

struct Reader<'a> {
    text: &'a str,
    pos: usize,
    /// The start and end of the last token found by `peek`, so that looking at
    /// the same token again costs nothing.
    peeked: (usize, usize),
}

impl<'a> Reader<'a> {
    fn error(&self, message: &str) -> GeomError {
        let shown: String = self.text.chars().take(80).collect();
        GeomError::Stcs {
            message: message.to_string(),
            position: self.pos,
            text: if shown.len() < self.text.len() {
                format!("{shown}…")
            } else {
                shown
            },
        }
    }

    fn skip_space(&mut self) {
        let bytes = self.text.as_bytes();
        while self.pos < bytes.len() && bytes[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
        if self.pos < bytes.len() && !bytes[self.pos].is_ascii() {
            let rest = &self.text[self.pos..];
            self.pos += rest.len() - rest.trim_start().len();
        }
    }

    /// The next token without consuming it: a word, a number, `(` or `)`.
    fn peek(&mut self) -> Option<&'a str> {
        if self.peeked.0 == self.pos {
            return Some(&self.text[self.pos..self.peeked.1]);
        }
        self.skip_space();
        let bytes = self.text.as_bytes();
        let start = self.pos;
        let first = *bytes.get(start)?;
        let end = if first == b'(' || first == b')' {
            start + 1
        } else {
            let mut end = start;
            while end < bytes.len() {
                let b = bytes[end];
                if b.is_ascii_whitespace() || b == b'(' || b == b')' {
                    break;
                }
                if !b.is_ascii() {
                    let rest = &self.text[end..];
                    let stop = rest
                        .find(|c: char| c.is_whitespace() || c == '(' || c == ')')
                        .unwrap_or(rest.len());
                    end += stop;
                    break;
                }
                end += 1;
            }
            end
        };
        self.peeked = (start, end);
        Some(&self.text[start..end])
    }

    fn next(&mut self) -> Option<&'a str> {
        let token = self.peek()?;
        self.pos += token.len();
        Some(token)
    }

    fn expect(&mut self, token: &str) -> Result<(), GeomError> {
        match self.peek() {
            Some(t) if t == token => {
                self.next();
                Ok(())
            }
            _ => Err(self.error(&format!("expected `{token}`"))),
        }
    }

    /// The next token as a number, consumed if it is one.
    fn try_number(&mut self) -> Option<f64> {
        let token = self.peek()?;
        let value = parse_decimal(token.as_bytes()).or_else(|| token.parse::<f64>().ok())?;
        self.pos += token.len();
        Some(value)
    }

    fn number(&mut self, what: &str) -> Result<f64, GeomError> {
        let start = self.pos;
        match self.try_number() {
            Some(v) if v.is_finite() => Ok(v),
            Some(_) => {
                self.pos = start;
                Err(self.error(&format!("{what} is not a finite number")))
            }
            None => Err(self.error(&format!("expected a number ({what})"))),
        }
    }

    /// `[FILLFACTOR f] [frame] [refpos] [SPHERICAL2]`.
    fn frame_spec(&mut self, inherited: Frame) -> Result<Frame, GeomError> {
        let mut frame = inherited;
        if self
            .peek()
            .is_some_and(|t| t.eq_ignore_ascii_case("FILLFACTOR"))
        {
            self.next();
            self.number("fill factor")?;
        }
        if let Some(word) = self.peek() {
            if let Some(f) = Frame::from_word(word) {
                self.next();
                frame = f;
            } else if OTHER_FRAMES.iter().any(|o| o.eq_ignore_ascii_case(word)) {
                return Err(GeomError::UnsupportedFrame(word.to_string()));
            }
        }
        if self.peek().is_some_and(|t| {
            REFERENCE_POSITIONS
                .iter()
                .any(|r| r.eq_ignore_ascii_case(t))
        }) {
            self.next();
        }
        if let Some(word) = self.peek() {
            if word.eq_ignore_ascii_case("SPHERICAL2") {
                self.next();
            } else if word.eq_ignore_ascii_case("CARTESIAN2")
                || word.eq_ignore_ascii_case("CARTESIAN3")
            {
                return Err(self.error("only the SPHERICAL2 flavor is supported"));
            }
        }
        Ok(frame)
    }

    /// An optional `UNIT deg`.
    fn unit(&mut self) -> Result<(), GeomError> {
        if self.peek().is_some_and(|t| t.eq_ignore_ascii_case("UNIT")) {
            self.next();
            match self.next() {
                Some(u) if u.eq_ignore_ascii_case("deg") => {}
                _ => return Err(self.error("only `UNIT deg` is supported")),
            }
        }
        Ok(())
    }

    fn point(&mut self, frame: Frame) -> Result<Point, GeomError> {
        let lon = self.number("longitude")?;
        let lat = self.number("latitude")?;
        Point::in_frame(frame, lon, lat)
    }

    fn region(&mut self, inherited: Frame, depth: usize) -> Result<Region, GeomError> {
        if depth > MAX_DEPTH {
            return Err(self.error("regions nest too deeply"));
        }
        let Some(word) = self.next() else {
            return Err(self.error(
                "expected a region (POLYGON, CIRCLE, BOX, POSITION, UNION, INTERSECTION, NOT)",
            ));
        };
        let shape = SHAPES
            .iter()
            .copied()
            .find(|s| s.eq_ignore_ascii_case(word))
            .unwrap_or("");
        let region = match shape {
            "POSITION" => {
                let frame = self.frame_spec(inherited)?;
                Region::Point(self.point(frame)?)
            }
            "CIRCLE" => {
                let frame = self.frame_spec(inherited)?;
                let center = self.point(frame)?;
                let radius = self.number("radius")?;
                Region::Circle(Circle::new(center, radius)?)
            }
            "BOX" => {
                let frame = self.frame_spec(inherited)?;
                let (lon, lat) = (self.number("longitude")?, self.number("latitude")?);
                let (w, h) = (self.number("width")?, self.number("height")?);
                let local = SkyBox::new(Point::new(lon, lat)?, w, h)?;
                match frame {
                    Frame::Icrs => Region::Box(local),
                    other => Region::Polygon(Polygon::new(
                        local
                            .polygon()
                            .vertices()
                            .iter()
                            .map(|v| Point::from_vector(other.to_icrs(v.vector())))
                            .collect(),
                    )?),
                }
            }
            "POLYGON" => {
                let frame = self.frame_spec(inherited)?;
                let mut vertices = Vec::with_capacity(8);
                let mut start = self.pos;
                while let Some(lon) = self.try_number() {
                    if !lon.is_finite() {
                        self.pos = start;
                        return Err(self.error("longitude is not a finite number"));
                    }
                    let lat = self.number("latitude")?;
                    vertices.push(Point::in_frame(frame, lon, lat)?);
                    start = self.pos;
                }
                Region::Polygon(Polygon::new(vertices)?)
            }
            "UNION" | "INTERSECTION" => {
                let frame = self.frame_spec(inherited)?;
                self.expect("(")?;
                let mut members = Vec::new();
                while self.peek().is_some_and(|t| t != ")") {
                    members.push(self.region(frame, depth + 1)?);
                }
                self.expect(")")?;
                if members.len() < 2 {
                    return Err(self.error(&format!("{shape} needs at least two regions")));
                }
                if shape == "UNION" {
                    Region::Union(members)
                } else {
                    Region::Intersection(members)
                }
            }
            "NOT" => {
                self.expect("(")?;
                let inner = self.region(inherited, depth + 1)?;
                self.expect(")")?;
                Region::Not(std::boxed::Box::new(inner))
            }
            _ => {
                self.pos -= word.len();
                return Err(self.error(&format!("`{word}` is not an STC-S region")));
            }
        };
        self.unit()?;
        Ok(region)
    }
}

/// Plain decimals (`-32.322253`) with at most 15 significant digits, read exactly:
/// the digits as an integer below 2⁵³ divided by an exact power of ten is one
/// correctly rounded operation (Clinger's fast path). Anything else is left to
/// `str::parse`. Archive regions are almost all of this form, and this is 4×
/// faster than the general parser.
fn parse_decimal(bytes: &[u8]) -> Option<f64> {
    const POWERS: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let (negative, digits) = match bytes.first()? {
        b'-' => (true, &bytes[1..]),
        b'+' => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    if digits.is_empty() || digits.len() > 17 {
        return None;
    }
    let (mut mantissa, mut count, mut scale, mut seen_point) = (0u64, 0usize, 0usize, false);
    for &b in digits {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                count += 1;
                if seen_point {
                    scale += 1;
                }
            }
            b'.' if !seen_point => seen_point = true,
            _ => return None,
        }
    }
    if count == 0 || count > 15 {
        return None;
    }
    let value = mantissa as f64 / POWERS[scale];
    Some(if negative { -value } else { value })
}

impl Display for Region {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Region::Point(p) => write!(f, "POSITION ICRS {} {}", p.ra(), p.dec()),
            Region::Circle(c) => write!(
                f,
                "CIRCLE ICRS {} {} {}",
                c.center().ra(),
                c.center().dec(),
                c.radius()
            ),
            Region::Box(b) => write!(
                f,
                "BOX ICRS {} {} {} {}",
                b.center().ra(),
                b.center().dec(),
                b.width(),
                b.height()
            ),
            Region::Polygon(p) => {
                f.write_str("POLYGON ICRS")?;
                for v in p.vertices() {
                    write!(f, " {} {}", v.ra(), v.dec())?;
                }
                Ok(())
            }
            Region::Union(members) | Region::Intersection(members) => {
                write!(f, "{} ICRS (", self.kind())?;
                for (i, m) in members.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{m}")?;
                }
                f.write_str(")")
            }
            Region::Not(inner) => write!(f, "NOT ({inner})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_polygons_read_as_the_general_reader_reads_them() {
        let texts = [
            "POLYGON ICRS 74.062067 -34.224055 73.862761 -34.377408 74.048737 -34.542063 74.248093 -34.388409",
            "POLYGON ICRS 359.9 -1 0.1 -1 0.1 1 359.9 1",
            "POLYGON ICRS 10 89.9 130 89.9 250 89.9",
            // Clockwise: the small side is kept all the same.
            "POLYGON ICRS 10 20 10 21 11 21 11 20",
            // Errors: odd count, too few vertices, a latitude out of range,
            // a repeated vertex, collinear vertices.
            "POLYGON ICRS 10 20 11 20 11",
            "POLYGON ICRS 10 20 11 20",
            "POLYGON ICRS 10 20 11 95 12 21",
            "POLYGON ICRS 10 20 10 20 11 21",
            "POLYGON ICRS 10 0 11 0 12 0",
            // Not plain: the general reader alone.
            "POLYGON ICRS 10 20 11 20 11 21 ",
            "POLYGON  ICRS 10 20 11 20 11 21",
            "polygon icrs 10 20 11 20 11 21",
            "POLYGON ICRS 1e1 20 11 20 11 21",
            "POLYGON ICRS 10 20 11 20 11 21 UNIT deg",
            "POLYGON ICRS 10.1234567890123456 20 11 20 11 21",
        ];
        for text in texts {
            let (fast, general) = (parse(text), parse_general(text));
            match (&fast, &general) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{text}"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{text}"),
                _ => panic!("{text}: {fast:?} against {general:?}"),
            }
        }
        assert!(plain_polygon(texts[0]).is_some());
        assert!(plain_polygon(texts[9]).is_none());
        assert!(plain_polygon(texts[12]).is_none());
    }

    #[test]
    fn archive_forms() {
        let r = parse("POLYGON ICRS 55.514085 -32.322253 55.790197 -32.322253 55.789845 -32.088924 55.514437 -32.088924").unwrap();
        assert!(r.contains_point(&Point::new(55.6, -32.2).unwrap()));
        let r = parse("  circle   icrs geocenter 10 20 1 ").unwrap();
        assert!(matches!(r, Region::Circle(_)));
        assert!(matches!(
            parse("Circle 10 20 1").unwrap(),
            Region::Circle(_)
        ));
        assert!(matches!(
            parse("Position ICRS 1 2").unwrap(),
            Region::Point(_)
        ));
        let r = parse(
            "Union ICRS (Position 1 2 Intersection (circle  1 2 3 box 1 2 3 4 circle 30 40 2))",
        )
        .unwrap();
        assert!(matches!(r, Region::Union(ref m) if m.len() == 2));
        assert!(matches!(
            parse("NOT (circle  1 2 3)").unwrap(),
            Region::Not(_)
        ));
        assert!(matches!(
            parse("circle GALACTIC 1 2 3").unwrap(),
            Region::Circle(_)
        ));
        assert!(matches!(
            parse("BOX GALACTIC 1 2 3 4").unwrap(),
            Region::Polygon(_)
        ));
        assert!(matches!(
            parse("CIRCLE ICRS 1 2 3 unit deg").unwrap(),
            Region::Circle(_)
        ));
    }

    #[test]
    fn errors_say_where() {
        for (text, needle) in [
            ("", "expected a region"),
            ("CIRCLE ICRS 1 2", "expected a number (radius)"),
            ("CIRCLE FK4 1 2 3", "unsupported coordinate frame `FK4`"),
            ("SQUARE 1 2 3", "is not an STC-S region"),
            ("CIRCLE ICRS 1 2 3 4", "unexpected text"),
            ("UNION (CIRCLE 1 2 3", "expected `)`"),
            ("UNION (CIRCLE 1 2 3)", "at least two"),
            ("POLYGON ICRS 1 2 3 4", "at least 3 vertices"),
            ("CIRCLE ICRS 1 2 NaN", "not a finite number"),
            ("CIRCLE ICRS 1 95 1", "latitude 95"),
        ] {
            let e = parse(text).unwrap_err().to_string();
            assert!(e.contains(needle), "{text}: {e}");
        }
        let deep = format!("{}CIRCLE 1 2 3{}", "NOT (".repeat(100), ")".repeat(100));
        assert!(parse(&deep).unwrap_err().to_string().contains("too deeply"));
    }

    #[test]
    fn fast_decimals_are_exact() {
        for t in [
            "55.514085",
            "-32.322253",
            "0",
            "-0.0",
            "359.999999999999",
            "1.",
            ".5",
            "123456789012345",
        ] {
            assert_eq!(
                parse_decimal(t.as_bytes()).map(f64::to_bits),
                Some(t.parse::<f64>().unwrap().to_bits()),
                "{t}"
            );
        }
        for t in ["1e5", "1234567890123456", "nan", "", "-", "1.2.3", "0x10"] {
            assert_eq!(parse_decimal(t.as_bytes()), None, "{t}");
        }
    }

    #[test]
    fn print_parse_identity() {
        for text in [
            "POLYGON ICRS 359.5 -1 0.5 -1 0.5 1 359.5 1",
            "CIRCLE ICRS 10.123456789 -20.5 0.0001",
            "BOX ICRS 45 89 2 3",
            "UNION ICRS (CIRCLE ICRS 1 2 3 NOT (POSITION ICRS 4 5))",
        ] {
            let r = parse(text).unwrap();
            assert_eq!(parse(&r.to_string()).unwrap(), r, "{text}");
        }
    }
}
