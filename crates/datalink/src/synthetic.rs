//! Deterministic synthetic images for the demo's datasets: a FITS file laid
//! out as Rubin's exposures are (an empty primary HDU, then IMAGE, MASK and
//! VARIANCE extensions), with a TAN WCS centred on the dataset's footprint,
//! noise and a few stars, all derived from the dataset's UUID.

use std::io::Write;
use std::path::Path;

use crate::fits::{write_hdu, Card, FitsError, Header, Value};

/// Where and how big a synthetic image is.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageSpec {
    /// The seed of every random choice (from the dataset ID).
    pub seed: u64,
    /// Centre RA, degrees.
    pub ra: f64,
    /// Centre Dec, degrees.
    pub dec: f64,
    /// The side of the square image on the sky, degrees.
    pub side: f64,
    /// Pixels a side.
    pub pixels: u64,
    /// What the image is (`lsst.calexp` …), for the header.
    pub title: String,
}

/// SplitMix64: small, fast and the same everywhere.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u = self.uniform().max(1e-300);
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// The FNV-1a hash of a dataset ID: the seed of its image.
pub fn seed_of(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

fn image_header(spec: &ImageSpec, name: &str, bitpix: i64) -> Header {
    let n = spec.pixels as i64;
    let scale = spec.side / spec.pixels as f64;
    let centre = (spec.pixels as f64 + 1.0) / 2.0;
    let cards = vec![
        Card::new("XTENSION", Value::Text("IMAGE".into()), "image extension"),
        Card::new("BITPIX", Value::Integer(bitpix), "bits per pixel"),
        Card::new("NAXIS", Value::Integer(2), "number of data axes"),
        Card::new("NAXIS1", Value::Integer(n), "length of data axis 1"),
        Card::new("NAXIS2", Value::Integer(n), "length of data axis 2"),
        Card::new("PCOUNT", Value::Integer(0), "no group parameters"),
        Card::new("GCOUNT", Value::Integer(1), "one data group"),
        Card::new("EXTNAME", Value::Text(name.into()), "extension name"),
        Card::new("WCSAXES", Value::Integer(2), "number of WCS axes"),
        Card::new(
            "CTYPE1",
            Value::Text("RA---TAN".into()),
            "gnomonic projection",
        ),
        Card::new(
            "CTYPE2",
            Value::Text("DEC--TAN".into()),
            "gnomonic projection",
        ),
        Card::new("CUNIT1", Value::Text("deg".into()), ""),
        Card::new("CUNIT2", Value::Text("deg".into()), ""),
        Card::new("CRVAL1", Value::Real(spec.ra), "RA at the reference pixel"),
        Card::new(
            "CRVAL2",
            Value::Real(spec.dec),
            "Dec at the reference pixel",
        ),
        Card::new("CRPIX1", Value::Real(centre), "reference pixel"),
        Card::new("CRPIX2", Value::Real(centre), "reference pixel"),
        Card::new("CD1_1", Value::Real(-scale), "degrees per pixel"),
        Card::new("CD1_2", Value::Real(0.0), ""),
        Card::new("CD2_1", Value::Real(0.0), ""),
        Card::new("CD2_2", Value::Real(scale), "degrees per pixel"),
        Card::new("RADESYS", Value::Text("ICRS".into()), ""),
    ];
    Header { cards }
}

/// Writes the image described by `spec` to `path` (through a temporary file
/// and a rename, so a reader never sees half a file).
pub fn write_image(path: &Path, spec: &ImageSpec) -> Result<(), FitsError> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        write_to(&mut out, spec)?;
        out.flush()?;
    }
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// Writes the image described by `spec`.
pub fn write_to(out: &mut impl Write, spec: &ImageSpec) -> Result<(), FitsError> {
    let n = spec.pixels as usize;
    let primary = Header {
        cards: vec![
            Card::new("SIMPLE", Value::Logical(true), "conforms to FITS"),
            Card::new("BITPIX", Value::Integer(8), ""),
            Card::new("NAXIS", Value::Integer(0), "no data in the primary HDU"),
            Card::new("EXTEND", Value::Logical(true), "extensions follow"),
            Card::new("OBJECT", Value::Text(spec.title.clone()), "what this is"),
            Card::new(
                "ORIGIN",
                Value::Text("adql-rs synthetic demo image".into()),
                "",
            ),
        ],
    };
    write_hdu(out, &primary, &[])?;
    let mut random = Random(spec.seed);
    // A few stars with Gaussian profiles, the brightest at the centre.
    let mut stars = vec![(n as f64 / 2.0 - 0.5, n as f64 / 2.0 - 0.5, 5000.0, 2.5)];
    for _ in 0..12 {
        let x = random.uniform() * n as f64;
        let y = random.uniform() * n as f64;
        stars.push((
            x,
            y,
            200.0 + 3000.0 * random.uniform(),
            1.5 + 2.0 * random.uniform(),
        ));
    }
    let sky = 100.0;
    let mut image = Vec::with_capacity(n * n * 4);
    let mut mask = Vec::with_capacity(n * n * 4);
    let mut variance = Vec::with_capacity(n * n * 4);
    for y in 0..n {
        for x in 0..n {
            let mut signal = 0.0;
            for &(sx, sy, flux, sigma) in &stars {
                let d2 = (x as f64 - sx).powi(2) + (y as f64 - sy).powi(2);
                if d2 < 100.0 * sigma * sigma {
                    signal += flux * (-d2 / (2.0 * sigma * sigma)).exp();
                }
            }
            let var = sky + signal;
            let value = signal + var.sqrt() * random.normal();
            // DETECTED (bit 5) where a star stands out; SAT (bit 1) at the core.
            let bits: i32 = if signal > 3000.0 {
                (1 << 1) | (1 << 5)
            } else if signal > 5.0 * sky.sqrt() {
                1 << 5
            } else {
                0
            };
            image.extend_from_slice(&(value as f32).to_be_bytes());
            mask.extend_from_slice(&bits.to_be_bytes());
            variance.extend_from_slice(&(var as f32).to_be_bytes());
        }
    }
    write_hdu(out, &image_header(spec, "IMAGE", -32), &image)?;
    write_hdu(out, &image_header(spec, "MASK", 32), &mask)?;
    write_hdu(out, &image_header(spec, "VARIANCE", -32), &variance)?;
    Ok(())
}

/// The size in bytes of the file [`write_to`] writes for `spec`.
pub fn file_size(spec: &ImageSpec) -> u64 {
    let block = crate::fits::BLOCK as u64;
    let data = (spec.pixels * spec.pixels * 4).div_ceil(block) * block;
    // The primary header, then three extensions of one header block each.
    block + 3 * (block + data)
}
