//! Previews: the first image HDU as an 8-bit grey PNG, block-averaged to at
//! most 1024 pixels a side, with an asinh stretch between the 0.5 and 99.5
//! percentiles (faint sky visible, bright stars not saturated at once).

use std::path::Path;

use crate::fits::{read_hdus, read_window, FitsError};

/// The longest side of a preview.
pub const MAX_SIDE: u64 = 1024;

/// Why a preview could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    /// The file is not readable FITS.
    #[error(transparent)]
    Fits(#[from] FitsError),
    /// No 2-D image to show.
    #[error("the file has no 2-D image")]
    NoImage,
    /// PNG encoding failed.
    #[error("cannot encode the preview: {0}")]
    Png(String),
}

/// The PNG preview of the FITS file at `path`.
pub fn preview_png(path: &Path) -> Result<Vec<u8>, PreviewError> {
    let hdus = read_hdus(path)?;
    let hdu = hdus
        .iter()
        .find(|h| h.is_image())
        .ok_or(PreviewError::NoImage)?;
    let (width, height) = (hdu.axes[0], hdu.axes[1]);
    let bscale = hdu.header.number("BSCALE").unwrap_or(1.0);
    let bzero = hdu.header.number("BZERO").unwrap_or(0.0);
    let factor = width.max(height).div_ceil(MAX_SIDE).max(1);
    let (out_w, out_h) = (width.div_ceil(factor), height.div_ceil(factor));
    let mut sums = vec![0.0f64; (out_w * out_h) as usize];
    let mut counts = vec![0u32; (out_w * out_h) as usize];
    let mut file = std::fs::File::open(path).map_err(FitsError::from)?;
    let pixel = hdu.pixel_bytes();
    // A band of rows at a time: memory stays at one band.
    for band in (0..height).step_by(factor as usize) {
        let rows = (band + factor).min(height);
        let bytes = read_window(&mut file, hdu, (0, width), (band, rows))?;
        for (i, chunk) in bytes.chunks_exact(pixel).enumerate() {
            let raw = match hdu.bitpix {
                8 => chunk[0] as f64,
                16 => i16::from_be_bytes([chunk[0], chunk[1]]) as f64,
                32 => i32::from_be_bytes(chunk.try_into().expect("4 bytes")) as f64,
                64 => i64::from_be_bytes(chunk.try_into().expect("8 bytes")) as f64,
                -32 => f32::from_be_bytes(chunk.try_into().expect("4 bytes")) as f64,
                _ => f64::from_be_bytes(chunk.try_into().expect("8 bytes")),
            };
            let value = bzero + bscale * raw;
            if !value.is_finite() {
                continue;
            }
            let (x, y) = (i as u64 % width, band + i as u64 / width);
            // FITS rows go up; PNG rows go down.
            let cell = ((out_h - 1 - y / factor) * out_w + x / factor) as usize;
            sums[cell] += value;
            counts[cell] += 1;
        }
    }
    let values: Vec<f64> = sums
        .iter()
        .zip(&counts)
        .map(|(s, &n)| if n > 0 { s / n as f64 } else { f64::NAN })
        .collect();
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| {
        sorted
            .get(((sorted.len().saturating_sub(1)) as f64 * q) as usize)
            .copied()
            .unwrap_or(0.0)
    };
    let (lo, hi) = (at(0.005), at(0.995));
    let span = (hi - lo).max(f64::MIN_POSITIVE);
    // asinh with a softening of a tenth of the range.
    let soft = span / 10.0;
    let top = (span / soft).asinh();
    let grey: Vec<u8> = values
        .iter()
        .map(|v| {
            if !v.is_finite() {
                return 0;
            }
            let t = ((v - lo).max(0.0) / soft).asinh() / top;
            (t.clamp(0.0, 1.0) * 255.0).round() as u8
        })
        .collect();
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, out_w as u32, out_h as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| PreviewError::Png(e.to_string()))?;
        writer
            .write_image_data(&grey)
            .map_err(|e| PreviewError::Png(e.to_string()))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::{write_image, ImageSpec};

    #[test]
    fn a_synthetic_image_previews_with_its_star_brightest_at_the_centre() {
        let dir = std::env::temp_dir().join(format!("datalink-preview-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("image.fits");
        let spec = ImageSpec {
            seed: 3,
            ra: 10.0,
            dec: -5.0,
            side: 0.1,
            pixels: 200,
            title: "test".into(),
        };
        write_image(&path, &spec).unwrap();
        let png_bytes = preview_png(&path).unwrap();
        assert_eq!(&png_bytes[1..4], b"PNG");
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (200, 200));
        let centre = buf[100 * 200 + 100];
        let corner = buf[5 * 200 + 5];
        assert!(
            centre > 200 && centre > corner,
            "centre {centre}, corner {corner}"
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
