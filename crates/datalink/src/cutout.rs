//! Cutouts: the pixel box of a FITS image covering a sky region, and a new
//! FITS file holding that box of every image HDU, headers kept and the WCS
//! shifted; only the rows of the box are read.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::fits::{read_hdus, read_window, write_hdu, FitsError, Hdu, Header, Value};
use crate::sky::{ImageWcs, WcsError};
use crate::soda::{SodaError, Stencil};

/// A half-open box of pixels, 0-based: columns `x0..x1`, rows `y0..y1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelBox {
    /// First column.
    pub x0: u64,
    /// One past the last column.
    pub x1: u64,
    /// First row.
    pub y0: u64,
    /// One past the last row.
    pub y1: u64,
}

impl PixelBox {
    /// Columns × rows.
    pub fn size(&self) -> (u64, u64) {
        (self.x1 - self.x0, self.y1 - self.y0)
    }
}

/// Why a cutout could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CutoutError {
    /// The file is not readable FITS.
    #[error(transparent)]
    Fits(#[from] FitsError),
    /// The image has no celestial WCS.
    #[error(transparent)]
    Wcs(#[from] WcsError),
    /// The file has no 2-D image HDU.
    #[error("the file has no 2-D image")]
    NoImage,
    /// The region does not overlap the image.
    #[error("the region does not overlap the image")]
    NoOverlap,
}

impl CutoutError {
    /// The failure in SODA's words, for the dataset named `dataset`.
    pub fn into_soda(self, dataset: &str) -> SodaError {
        match self {
            CutoutError::NoOverlap => SodaError::NoOverlap(dataset.to_string()),
            other => SodaError::Fault(format!("the image of {dataset}: {other}")),
        }
    }
}

/// The smallest pixel box of a `width` × `height` image holding every pixel
/// whose area the stencil touches, or None when they do not overlap.
///
/// The stencil's edge, sampled about a pixel apart, gives the box where the
/// edge crosses the image; a coarse grid of the image's pixels tested against
/// the stencil covers a stencil larger than the image.
pub fn pixel_box(wcs: &ImageWcs, stencil: &Stencil, width: u64, height: u64) -> Option<PixelBox> {
    let (w, h) = (width as f64, height as f64);
    let (cx, cy) = ((w - 1.0) / 2.0, (h - 1.0) / 2.0);
    let pixel_size = match (wcs.pixel_to_sky(cx, cy), wcs.pixel_to_sky(cx + 1.0, cy)) {
        (Some(a), Some(b)) => adql_geom::distance(a.0, a.1, b.0, b.1).max(1e-9),
        _ => return None,
    };
    let inside = |x: f64, y: f64| x >= -0.5 && x <= w - 0.5 && y >= -0.5 && y <= h - 0.5;
    let mut bounds: Option<(f64, f64, f64, f64)> = None;
    let mut take = |x: f64, y: f64| {
        let b = bounds.get_or_insert((x, x, y, y));
        *b = (b.0.min(x), b.1.max(x), b.2.min(y), b.3.max(y));
    };
    for (ra, dec) in stencil.boundary(pixel_size) {
        if let Some((x, y)) = wcs.sky_to_pixel(ra, dec) {
            if inside(x, y) {
                take(x, y);
            }
        }
    }
    let step = (width.max(height) / 64).max(1);
    let samples = |n: u64| (0..n).step_by(step as usize).chain(std::iter::once(n - 1));
    for y in samples(height) {
        for x in samples(width) {
            if let Some((ra, dec)) = wcs.pixel_to_sky(x as f64, y as f64) {
                if stencil.contains(ra, dec) {
                    take(x as f64, y as f64);
                }
            }
        }
    }
    let (x_min, x_max, y_min, y_max) = bounds?;
    let column = |v: f64, n: u64| ((v + 0.5).floor().max(0.0) as u64).min(n - 1);
    Some(PixelBox {
        x0: column(x_min, width),
        x1: column(x_max, width) + 1,
        y0: column(y_min, height),
        y1: column(y_max, height) + 1,
    })
}

/// What a cutout wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Cutout {
    /// The box cut from each image HDU.
    pub pixel_box: PixelBox,
    /// HDUs written (images cut, others copied).
    pub hdus: usize,
    /// Bytes written.
    pub bytes: u64,
}

/// Cuts the box covering `stencil` out of every image HDU of `path` that has
/// the first image's size, copying the other HDUs, into `out`.
pub fn cut(path: &Path, stencil: &Stencil, out: &mut impl Write) -> Result<Cutout, CutoutError> {
    let hdus = read_hdus(path)?;
    let reference = hdus
        .iter()
        .find(|h| h.is_image() && ImageWcs::from_header(&h.header).is_ok())
        .or_else(|| hdus.iter().find(|h| h.is_image()))
        .ok_or(CutoutError::NoImage)?;
    let wcs = ImageWcs::from_header(&reference.header)?;
    let (width, height) = (reference.axes[0], reference.axes[1]);
    let pixel_box = pixel_box(&wcs, stencil, width, height).ok_or(CutoutError::NoOverlap)?;
    let mut file = std::fs::File::open(path).map_err(FitsError::from)?;
    let mut counting = CountingWriter {
        inner: out,
        bytes: 0,
    };
    for hdu in &hdus {
        if hdu.is_image() && hdu.axes == reference.axes {
            let data = read_window(
                &mut file,
                hdu,
                (pixel_box.x0, pixel_box.x1),
                (pixel_box.y0, pixel_box.y1),
            )?;
            write_hdu(&mut counting, &cut_header(&hdu.header, &pixel_box), &data)?;
        } else {
            let data = read_all(&mut file, hdu)?;
            write_hdu(&mut counting, &without_checksums(&hdu.header), &data)?;
        }
    }
    Ok(Cutout {
        pixel_box,
        hdus: hdus.len(),
        bytes: counting.bytes,
    })
}

/// As [`cut`], into the file `dest`: written beside it and renamed, so that
/// no one ever sees half a cutout (and a failed one leaves nothing).
pub fn cut_to_file(path: &Path, stencil: &Stencil, dest: &Path) -> Result<Cutout, CutoutError> {
    let partial = dest.with_extension("partial");
    let written = (|| {
        let mut out =
            std::io::BufWriter::new(std::fs::File::create(&partial).map_err(FitsError::from)?);
        let made = cut(path, stencil, &mut out)?;
        out.flush().map_err(FitsError::from)?;
        drop(out);
        std::fs::rename(&partial, dest).map_err(FitsError::from)?;
        Ok(made)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}

fn read_all(file: &mut std::fs::File, hdu: &Hdu) -> Result<Vec<u8>, FitsError> {
    let mut data = vec![0u8; hdu.data_len as usize];
    file.seek(SeekFrom::Start(hdu.data_offset))?;
    file.read_exact(&mut data)?;
    Ok(data)
}

/// The checksums describe the source HDU, not the one written.
fn without_checksums(header: &Header) -> Header {
    Header {
        cards: header
            .cards
            .iter()
            .filter(|c| c.keyword != "CHECKSUM" && c.keyword != "DATASUM")
            .cloned()
            .collect(),
    }
}

/// The header of the cut image: its size, the reference pixel moved by the
/// box's origin (the sky stays where it was), LTV (IRAF's physical offset) too.
fn cut_header(header: &Header, b: &PixelBox) -> Header {
    let mut h = without_checksums(header);
    let (w, n) = b.size();
    h.set("NAXIS1", Value::Integer(w as i64), "length of data axis 1");
    h.set("NAXIS2", Value::Integer(n as i64), "length of data axis 2");
    // Every WCS (primary and alternates A–Z) shifts alike.
    let shifted: Vec<(String, f64)> = h
        .cards
        .iter()
        .filter_map(|c| {
            let axis = c.keyword.strip_prefix("CRPIX")?;
            let origin = match axis.chars().next()? {
                '1' => b.x0,
                '2' => b.y0,
                _ => return None,
            };
            let value = match c.value {
                Value::Real(r) => r,
                Value::Integer(i) => i as f64,
                _ => return None,
            };
            Some((c.keyword.clone(), value - origin as f64))
        })
        .collect();
    for (keyword, value) in shifted {
        h.set(
            &keyword,
            Value::Real(value),
            "reference pixel, moved by the cutout",
        );
    }
    for (keyword, origin) in [("LTV1", b.x0), ("LTV2", b.y0)] {
        let before = h.number(keyword).unwrap_or(0.0);
        h.set(
            keyword,
            Value::Real(before - origin as f64),
            "offset from the source image",
        );
    }
    h
}

struct CountingWriter<'w, W> {
    inner: &'w mut W,
    bytes: u64,
}

impl<W: Write> Write for CountingWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
