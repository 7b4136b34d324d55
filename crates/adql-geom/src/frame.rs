//! Coordinate frames: ICRS and what ADQL services take as ICRS, and GALACTIC,
//! converted exactly.
//!
//! `''`, `ICRS`, `ICRS GEOCENTER`, `J2000` and `FK5` are accepted as ICRS. FK5
//! (J2000) differs from ICRS by the frame tie of USNO circular 179 (η₀ = −19.9 mas,
//! ξ₀ = 9.1 mas, dα₀ = −22.9 mas, so up to ~23 mas on the sky); like the services
//! users compare with, this library does not apply it. GALACTIC is rotated to ICRS
//! through FK5 J2000 with that frame tie, as astropy does (agreement ≪ 1 µas).

use std::sync::OnceLock;

use crate::error::GeomError;
use crate::vector::{Matrix3, Vec3};

/// A supported celestial frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Frame {
    /// ICRS (and the frames taken as ICRS).
    #[default]
    Icrs,
    /// Galactic coordinates (IAU 1958, in its FK5 J2000 realisation).
    Galactic,
}

/// Reference positions accepted after the frame name; positions of sources on
/// the sky do not change with them at this library's precision.
const REFERENCE_POSITIONS: [&str; 4] = ["GEOCENTER", "BARYCENTER", "HELIOCENTER", "UNKNOWNREFPOS"];

impl Frame {
    /// Reads an ADQL coordinate-system string or an STC-S frame
    /// (`"ICRS"`, `"icrs geocenter"`, `""`, `"GALACTIC"`, `"J2000"`, `"FK5"`).
    pub fn parse(text: &str) -> Result<Frame, GeomError> {
        let mut words = text.split_whitespace();
        let frame = match words.next() {
            None => Frame::Icrs,
            Some(w) => Frame::from_word(w)
                .ok_or_else(|| GeomError::UnsupportedFrame(text.trim().to_string()))?,
        };
        for w in words {
            if !REFERENCE_POSITIONS
                .iter()
                .any(|r| r.eq_ignore_ascii_case(w))
            {
                return Err(GeomError::UnsupportedFrame(text.trim().to_string()));
            }
        }
        Ok(frame)
    }

    /// A frame name alone, if it is one this library knows.
    pub fn from_word(word: &str) -> Option<Frame> {
        let is = |name: &str| word.eq_ignore_ascii_case(name);
        if is("ICRS") || is("J2000") || is("FK5") {
            Some(Frame::Icrs)
        } else if is("GALACTIC") || is("GALACTIC_II") {
            Some(Frame::Galactic)
        } else {
            None
        }
    }

    /// The canonical STC-S name.
    pub fn name(self) -> &'static str {
        match self {
            Frame::Icrs => "ICRS",
            Frame::Galactic => "GALACTIC",
        }
    }

    /// Converts a unit vector in this frame to ICRS.
    pub fn to_icrs(self, v: Vec3) -> Vec3 {
        match self {
            Frame::Icrs => v,
            Frame::Galactic => galactic_to_icrs().apply(v),
        }
    }

    /// Converts (lon, lat) in degrees in this frame to ICRS (RA, Dec).
    pub fn radec_to_icrs(self, lon: f64, lat: f64) -> (f64, f64) {
        match self {
            Frame::Icrs => (crate::vector::normalize_ra(lon), lat),
            Frame::Galactic => self.to_icrs(Vec3::from_radec(lon, lat)).to_radec(),
        }
    }

    /// Converts an ICRS unit vector to this frame.
    pub fn from_icrs(self, v: Vec3) -> Vec3 {
        match self {
            Frame::Icrs => v,
            Frame::Galactic => galactic_to_icrs().transpose().apply(v),
        }
    }
}

/// The rotation Galactic → ICRS, built once from the defining constants.
fn galactic_to_icrs() -> &'static Matrix3 {
    static MATRIX: OnceLock<Matrix3> = OnceLock::new();
    MATRIX.get_or_init(|| {
        // FK5 J2000 → Galactic: the north galactic pole and the longitude of the
        // ascending node in FK5 J2000 (Murray 1989, as realised by astropy).
        const NGP_RA: f64 = 192.859_481_206_534_8;
        const NGP_DEC: f64 = 27.128_251_180_856_22;
        const LON0: f64 = 122.931_918_568_002_6;
        let fk5_to_gal = Matrix3::frame_rotation(2, 180.0 - LON0)
            .mul(&Matrix3::frame_rotation(1, 90.0 - NGP_DEC))
            .mul(&Matrix3::frame_rotation(2, NGP_RA));
        // ICRS → FK5 J2000 frame tie (USNO circular 179), in degrees.
        let eta0 = -19.9 / 3_600_000.0;
        let xi0 = 9.1 / 3_600_000.0;
        let da0 = -22.9 / 3_600_000.0;
        let icrs_to_fk5 = Matrix3::frame_rotation(0, -eta0)
            .mul(&Matrix3::frame_rotation(1, xi0))
            .mul(&Matrix3::frame_rotation(2, da0));
        fk5_to_gal.mul(&icrs_to_fk5).transpose()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_names() {
        assert_eq!(Frame::parse("").unwrap(), Frame::Icrs);
        assert_eq!(Frame::parse(" icrs  GEOCENTER ").unwrap(), Frame::Icrs);
        assert_eq!(Frame::parse("J2000").unwrap(), Frame::Icrs);
        assert_eq!(Frame::parse("galactic").unwrap(), Frame::Galactic);
        assert!(matches!(
            Frame::parse("FK4"),
            Err(GeomError::UnsupportedFrame(_))
        ));
        assert!(Frame::parse("ICRS TOPOCENTRE").is_err());
    }

    #[test]
    fn galactic_centre_and_pole() {
        // The galactic centre (0, 0) is at RA 266.40499, Dec -28.93618 (astropy).
        let (ra, dec) = Frame::Galactic.radec_to_icrs(0.0, 0.0);
        assert!((ra - 266.404_988_3).abs() < 1e-6, "{ra}");
        assert!((dec + 28.936_177_8).abs() < 1e-6, "{dec}");
        let v = Vec3::from_radec(12.3, -45.6);
        let back = Frame::Galactic.to_icrs(Frame::Galactic.from_icrs(v));
        assert!(v.angle(back) < 1e-15);
    }
}
