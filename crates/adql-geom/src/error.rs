//! Errors: every invalid input is a typed error, never a panic.

use thiserror::Error;

/// Why a geometry could not be built, read or computed.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum GeomError {
    /// A coordinate or size is NaN or infinite.
    #[error("{what} is not a finite number")]
    NotFinite {
        /// Which value.
        what: &'static str,
    },
    /// A latitude outside [-90, 90].
    #[error("latitude {0} is outside [-90, 90] degrees")]
    LatitudeOutOfRange(f64),
    /// A circle radius outside [0, 180].
    #[error("radius {0} is outside [0, 180] degrees")]
    InvalidRadius(f64),
    /// A box size outside (0, 180).
    #[error("box {what} {value} is outside (0, 180) degrees")]
    InvalidBoxSize {
        /// `width` or `height`.
        what: &'static str,
        /// The size given.
        value: f64,
    },
    /// Fewer than three polygon vertices.
    #[error("a polygon needs at least 3 vertices, found {0}")]
    TooFewVertices(usize),
    /// Two consecutive vertices at the same place.
    #[error("polygon vertices {0} and {1} are the same point")]
    RepeatedVertex(usize, usize),
    /// Two consecutive vertices at opposite points: the edge between them is undefined.
    #[error("polygon vertices {0} and {1} are antipodal: the edge between them is undefined")]
    AntipodalVertices(usize, usize),
    /// Three consecutive vertices on one great circle.
    #[error("polygon vertices {0}, {1} and {2} lie on one great circle")]
    CollinearVertices(usize, usize, usize),
    /// Two edges cross.
    #[error("polygon edges {0} and {1} cross: the polygon intersects itself")]
    SelfIntersecting(usize, usize),
    /// A coordinate frame this library does not convert.
    #[error(
        "unsupported coordinate frame `{0}`: use ICRS (or FK5/J2000, taken as ICRS) or GALACTIC"
    )]
    UnsupportedFrame(String),
    /// An STC-S string that does not parse.
    #[error("STC-S: {message} at byte {position} of `{text}`")]
    Stcs {
        /// What is wrong.
        message: String,
        /// Byte offset of the problem.
        position: usize,
        /// The text (shortened).
        text: String,
    },
    /// A DALI array of the wrong length.
    #[error("a DALI {kind} has {expected} numbers, found {found}")]
    DaliLength {
        /// point, circle or polygon.
        kind: &'static str,
        /// What the kind needs.
        expected: &'static str,
        /// How many there were.
        found: usize,
    },
    /// Bytes that are not the edge normals of a convex polygon (a corrupt
    /// `_region_normals` value).
    #[error("{0} bytes are not the edge normals of a convex polygon (24 bytes an edge, 3 edges at least)")]
    NotEdgeNormals(usize),
    /// Bytes that are not a unit vector (24 bytes).
    #[error("{0} bytes are not a unit vector (24 bytes)")]
    NotVector(usize),
    /// An operation the region algebra cannot answer exactly.
    #[error("{0}")]
    Unsupported(String),
}

/// Checks that `v` is finite.
pub(crate) fn finite(v: f64, what: &'static str) -> Result<f64, GeomError> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(GeomError::NotFinite { what })
    }
}

/// Checks a (RA, Dec) pair: finite, Dec in [-90, 90]; RA is normalised later.
pub(crate) fn check_radec(ra: f64, dec: f64) -> Result<(), GeomError> {
    finite(ra, "right ascension")?;
    finite(dec, "declination")?;
    if !(-90.0..=90.0).contains(&dec) {
        return Err(GeomError::LatitudeOutOfRange(dec));
    }
    Ok(())
}
