//! An image's world coordinate system: sky (ICRS degrees) to pixels and back,
//! through the `wcs` crate (TAN and the other FITS projections, SIP where the
//! header has it).

use crate::fits::{Header, Value};

/// The WCS could not be built from a header.
#[derive(Debug, thiserror::Error)]
#[error("the image has no usable celestial WCS: {0}")]
pub struct WcsError(pub String);

/// The celestial WCS of one image HDU.
pub struct ImageWcs {
    wcs: wcs::WCS,
}

impl std::fmt::Debug for ImageWcs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ImageWcs")
    }
}

impl ImageWcs {
    /// The WCS of `header` (CTYPEn, CRVALn, CRPIXn, CD or PC/CDELT, SIP …).
    pub fn from_header(header: &Header) -> Result<ImageWcs, WcsError> {
        // The crate takes its parameters as a serde structure named like the
        // keywords: hand it every numeric and string card.
        let mut map = serde_json::Map::new();
        for card in &header.cards {
            let key = card.keyword.replace('-', "_");
            let value = match &card.value {
                Value::Integer(i) if key.starts_with("NAXIS") || key.ends_with("ORDER") => {
                    serde_json::Value::from(*i)
                }
                Value::Integer(i) => serde_json::Value::from(*i as f64),
                Value::Real(r) => serde_json::Value::from(*r),
                Value::Text(s) => serde_json::Value::from(s.clone()),
                _ => continue,
            };
            map.entry(key).or_insert(value);
        }
        match header.text("CTYPE1") {
            Some(c) if c.starts_with("RA--") => {}
            other => {
                return Err(WcsError(format!(
                    "CTYPE1 is {other:?}, not an RA---xxx axis"
                )))
            }
        }
        let params: wcs::WCSParams = serde_json::from_value(serde_json::Value::Object(map))
            .map_err(|e| WcsError(e.to_string()))?;
        let wcs = wcs::WCS::new(&params).map_err(|e| WcsError(format!("{e:?}")))?;
        Ok(ImageWcs { wcs })
    }

    /// The pixel position (0-based: the centre of the first pixel is 0, 0) of
    /// (ra, dec) in degrees, or None where the projection has no image of it.
    pub fn sky_to_pixel(&self, ra: f64, dec: f64) -> Option<(f64, f64)> {
        let xy = self
            .wcs
            .proj(&wcs::LonLat::new(ra.to_radians(), dec.to_radians()))?;
        Some((xy.x() - 1.0, xy.y() - 1.0))
    }

    /// The sky position (degrees) of a 0-based pixel position.
    pub fn pixel_to_sky(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        let ll = self.wcs.unproj(&wcs::ImgXY::new(x + 1.0, y + 1.0))?;
        Some((
            ll.lon().to_degrees().rem_euclid(360.0),
            ll.lat().to_degrees(),
        ))
    }
}
