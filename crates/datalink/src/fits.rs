//! FITS headers and image HDUs, read a row range at a time and written back
//! (FITS 4.0: 80-character cards in 2880-byte blocks, big-endian data).
//!
//! A cutout reads the headers and only the rows it needs, then writes new
//! HDUs; `fitsrs` reads whole HDUs and has no writer, so this small card layer
//! is kept here (the WCS itself is the `wcs` crate's).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

/// FITS's block size.
pub const BLOCK: usize = 2880;
const CARD: usize = 80;

/// What can go wrong reading or writing FITS.
#[derive(Debug, thiserror::Error)]
pub enum FitsError {
    /// The file could not be read or written.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The bytes are not a FITS file this reader understands.
    #[error("not a valid FITS file: {0}")]
    Malformed(String),
    /// The file ends before its headers say it does.
    #[error("truncated FITS file: {0}")]
    Truncated(String),
}

type Result<T> = std::result::Result<T, FitsError>;

/// A header value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `T` or `F`.
    Logical(bool),
    /// An integer.
    Integer(i64),
    /// A real number.
    Real(f64),
    /// A quoted string (trailing blanks removed).
    Text(String),
    /// No value (COMMENT, HISTORY, blank keywords) or one this reader keeps verbatim.
    None,
}

/// One 80-character card: its keyword, parsed value and the card text as read.
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    /// The keyword (up to 8 characters, upper case).
    pub keyword: String,
    /// The value, where the card has one.
    pub value: Value,
    /// The card exactly as it was (80 characters), written back unchanged
    /// unless the value is replaced.
    pub raw: String,
}

impl Card {
    /// A new card `KEYWORD = value / comment`, in the fixed format.
    pub fn new(keyword: &str, value: Value, comment: &str) -> Card {
        let text = match &value {
            Value::Logical(b) => format!("{:>20}", if *b { "T" } else { "F" }),
            Value::Integer(i) => format!("{i:>20}"),
            Value::Real(r) => format!("{:>20}", real(*r)),
            Value::Text(s) => format!("{:<20}", format!("'{:<8}'", s.replace('\'', "''"))),
            Value::None => String::new(),
        };
        let mut raw = if matches!(value, Value::None) {
            format!("{keyword:<8}{comment}")
        } else if comment.is_empty() {
            format!("{keyword:<8}= {text}")
        } else {
            format!("{keyword:<8}= {text} / {comment}")
        };
        raw.truncate(CARD);
        Card {
            keyword: keyword.to_string(),
            value,
            raw: format!("{raw:<80}"),
        }
    }

    fn parse(raw: &str) -> Result<Card> {
        if !raw.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
            return Err(FitsError::Malformed(
                "a header card holds a byte that is not printable ASCII".into(),
            ));
        }
        let keyword = raw[..8].trim_end().to_string();
        let value = if &raw[8..10] == "= " {
            parse_value(raw[10..].trim_start())
        } else {
            Value::None
        };
        Ok(Card {
            keyword,
            value,
            raw: raw.to_string(),
        })
    }
}

/// A real number as FITS writes it: the shortest digits that read back to
/// the same double, with a point and a signed two-digit exponent.
fn real(r: f64) -> String {
    let s = format!("{r:E}");
    // `1E3` → `1.0E+03`, `1.0245E3` → `1.0245E+03`
    match s.split_once('E') {
        Some((m, e)) => {
            let exp: i32 = e.parse().unwrap_or(0);
            let m = if m.contains('.') {
                m.to_string()
            } else {
                format!("{m}.0")
            };
            format!("{m}E{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
        }
        None => s,
    }
}

fn parse_value(text: &str) -> Value {
    if let Some(rest) = text.strip_prefix('\'') {
        // A string: '' is a quote; it ends at the first lone quote.
        let mut out = String::new();
        let mut chars = rest.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                    out.push('\'');
                    continue;
                }
                return Value::Text(out.trim_end().to_string());
            }
            out.push(c);
        }
        return Value::None;
    }
    let token = text.split('/').next().unwrap_or("").trim();
    match token {
        "T" => Value::Logical(true),
        "F" => Value::Logical(false),
        "" => Value::None,
        _ => {
            if let Ok(i) = token.parse::<i64>() {
                Value::Integer(i)
            } else if let Ok(r) = token.replace(['D', 'd'], "E").parse::<f64>() {
                Value::Real(r)
            } else {
                Value::None
            }
        }
    }
}

/// The cards of one header, in order, without the END card.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Header {
    /// The cards.
    pub cards: Vec<Card>,
}

impl Header {
    /// The value of `keyword`, if present.
    pub fn get(&self, keyword: &str) -> Option<&Value> {
        self.cards
            .iter()
            .find(|c| c.keyword == keyword)
            .map(|c| &c.value)
    }

    /// An integer keyword.
    pub fn integer(&self, keyword: &str) -> Option<i64> {
        match self.get(keyword)? {
            Value::Integer(i) => Some(*i),
            _ => None,
        }
    }

    /// A number keyword (integer or real).
    pub fn number(&self, keyword: &str) -> Option<f64> {
        match self.get(keyword)? {
            Value::Integer(i) => Some(*i as f64),
            Value::Real(r) => Some(*r),
            _ => None,
        }
    }

    /// A string keyword.
    pub fn text(&self, keyword: &str) -> Option<&str> {
        match self.get(keyword)? {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// Sets `keyword` (replacing its card, or adding one before the end).
    pub fn set(&mut self, keyword: &str, value: Value, comment: &str) {
        let card = Card::new(keyword, value, comment);
        match self.cards.iter_mut().find(|c| c.keyword == keyword) {
            Some(c) => *c = card,
            None => self.cards.push(card),
        }
    }

    /// The header as FITS bytes: the cards, END, blank-padded to a block.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity((self.cards.len() + 1) * CARD + BLOCK);
        for c in &self.cards {
            out.extend_from_slice(c.raw.as_bytes());
        }
        out.extend_from_slice(format!("{:<80}", "END").as_bytes());
        out.resize(out.len().div_ceil(BLOCK) * BLOCK, b' ');
        out
    }
}

/// An HDU as found in a file: its header and where its data lies.
#[derive(Debug, Clone)]
pub struct Hdu {
    /// The header.
    pub header: Header,
    /// Byte offset of the data in the file.
    pub data_offset: u64,
    /// Bytes of data (without the padding to a block).
    pub data_len: u64,
    /// BITPIX.
    pub bitpix: i64,
    /// NAXISn, in order (empty for an HDU without data).
    pub axes: Vec<u64>,
}

impl Hdu {
    /// A 2-D image HDU (NAXIS = 2, both axes non-empty, no extension other
    /// than IMAGE).
    pub fn is_image(&self) -> bool {
        let xtension = self.header.text("XTENSION");
        self.axes.len() == 2
            && self.axes.iter().all(|&n| n > 0)
            && xtension.is_none_or(|x| x.trim() == "IMAGE")
    }

    /// Bytes per pixel.
    pub fn pixel_bytes(&self) -> usize {
        (self.bitpix.unsigned_abs() / 8) as usize
    }

    /// The extension name (`EXTNAME`), if any.
    pub fn name(&self) -> Option<&str> {
        self.header.text("EXTNAME")
    }
}

/// Reads the headers of every HDU of `path` (not the data), checking that the
/// file holds all the data the headers announce.
pub fn read_hdus(path: &Path) -> Result<Vec<Hdu>> {
    let mut file = File::open(path)?;
    let file_len = file.metadata()?.len();
    let mut hdus = Vec::new();
    let mut offset = 0u64;
    while offset < file_len {
        file.seek(SeekFrom::Start(offset))?;
        let (header, header_len) = read_header(&mut file, hdus.is_empty())?;
        let bitpix = header
            .integer("BITPIX")
            .ok_or_else(|| FitsError::Malformed("BITPIX missing".into()))?;
        if ![8, 16, 32, 64, -32, -64].contains(&bitpix) {
            return Err(FitsError::Malformed(format!("BITPIX = {bitpix}")));
        }
        let naxis = header
            .integer("NAXIS")
            .ok_or_else(|| FitsError::Malformed("NAXIS missing".into()))?;
        if !(0..=999).contains(&naxis) {
            return Err(FitsError::Malformed(format!("NAXIS = {naxis}")));
        }
        let mut axes = Vec::new();
        for i in 1..=naxis {
            let n = header
                .integer(&format!("NAXIS{i}"))
                .filter(|n| *n >= 0)
                .ok_or_else(|| FitsError::Malformed(format!("NAXIS{i} missing or negative")))?;
            axes.push(n as u64);
        }
        let pcount = header.integer("PCOUNT").unwrap_or(0).max(0) as u64;
        let gcount = header.integer("GCOUNT").unwrap_or(1).max(0) as u64;
        let elements = if axes.is_empty() {
            0
        } else {
            axes.iter()
                .try_fold(1u64, |acc, &n| acc.checked_mul(n))
                .ok_or_else(|| FitsError::Malformed("the axes overflow".into()))?
        };
        let data_len = (bitpix.unsigned_abs() / 8)
            .checked_mul(gcount)
            .and_then(|b| b.checked_mul(pcount.checked_add(elements)?))
            .ok_or_else(|| FitsError::Malformed("the data size overflows".into()))?;
        let data_offset = offset + header_len;
        let end = data_offset
            .checked_add(data_len)
            .ok_or_else(|| FitsError::Malformed("the data size overflows".into()))?;
        // Every HDU fills whole blocks, the last one too.
        let padded = end.div_ceil(BLOCK as u64) * BLOCK as u64;
        if padded > file_len {
            return Err(FitsError::Truncated(format!(
                "HDU {} needs {padded} bytes, the file has {file_len}",
                hdus.len()
            )));
        }
        hdus.push(Hdu {
            header,
            data_offset,
            data_len,
            bitpix,
            axes,
        });
        offset = padded;
    }
    if hdus.is_empty() {
        return Err(FitsError::Malformed("the file is empty".into()));
    }
    Ok(hdus)
}

/// Reads one header from the reader's position; returns it and its length in bytes.
fn read_header(file: &mut File, primary: bool) -> Result<(Header, u64)> {
    let mut header = Header::default();
    let mut block = vec![0u8; BLOCK];
    let mut len = 0u64;
    loop {
        if let Err(e) = file.read_exact(&mut block) {
            return Err(match e.kind() {
                std::io::ErrorKind::UnexpectedEof => {
                    FitsError::Truncated("a header has no END card".into())
                }
                _ => e.into(),
            });
        }
        len += BLOCK as u64;
        for raw in block.chunks(CARD) {
            let raw = std::str::from_utf8(raw)
                .map_err(|_| FitsError::Malformed("a header card is not ASCII".into()))?;
            let card = Card::parse(raw)?;
            if header.cards.is_empty() {
                let expected = if primary { "SIMPLE" } else { "XTENSION" };
                if card.keyword != expected {
                    return Err(FitsError::Malformed(format!(
                        "the header starts with {:?}, not {expected}",
                        card.keyword
                    )));
                }
            }
            if card.keyword == "END" {
                return Ok((header, len));
            }
            header.cards.push(card);
        }
        if len > 1000 * BLOCK as u64 {
            return Err(FitsError::Malformed(
                "a header longer than 1000 blocks".into(),
            ));
        }
    }
}

/// Reads rows `y0..y1` (0-based, first axis contiguous), columns `x0..x1` of
/// a 2-D image HDU: the raw big-endian pixel bytes, row after row.
pub fn read_window(
    file: &mut File,
    hdu: &Hdu,
    (x0, x1): (u64, u64),
    (y0, y1): (u64, u64),
) -> Result<Vec<u8>> {
    let width = hdu.axes[0];
    let pixel = hdu.pixel_bytes() as u64;
    let row_bytes = ((x1 - x0) * pixel) as usize;
    let mut out = vec![0u8; row_bytes * (y1 - y0) as usize];
    for (i, y) in (y0..y1).enumerate() {
        file.seek(SeekFrom::Start(hdu.data_offset + (y * width + x0) * pixel))?;
        file.read_exact(&mut out[i * row_bytes..(i + 1) * row_bytes])
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::UnexpectedEof => {
                    FitsError::Truncated(format!("the image ends before row {y}"))
                }
                _ => e.into(),
            })?;
    }
    Ok(out)
}

/// Writes one HDU: its header, then `data` padded with zeros to a block.
pub fn write_hdu(out: &mut impl Write, header: &Header, data: &[u8]) -> Result<()> {
    out.write_all(&header.to_bytes())?;
    out.write_all(data)?;
    let pad = data.len().div_ceil(BLOCK) * BLOCK - data.len();
    out.write_all(&vec![0u8; pad])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_parse_and_print_in_the_fixed_format() {
        let c = Card::new("CRPIX1", Value::Real(1024.5), "reference pixel");
        assert_eq!(c.raw.len(), 80);
        assert_eq!(
            c.raw.trim_end(),
            "CRPIX1  =           1.0245E+03 / reference pixel"
        );
        assert_eq!(Card::parse(&c.raw).unwrap().value, Value::Real(1024.5));
        let exact = 55.746_737_604_813_04;
        let c = Card::new("CRVAL1", Value::Real(exact), "");
        assert_eq!(Card::parse(&c.raw).unwrap().value, Value::Real(exact));
        let t = Card::new("EXTNAME", Value::Text("IMAGE".into()), "");
        assert_eq!(t.raw.trim_end(), "EXTNAME = 'IMAGE   '");
        assert_eq!(
            Card::parse(&t.raw).unwrap().value,
            Value::Text("IMAGE".into())
        );
        assert_eq!(parse_value("'it''s'  / x"), Value::Text("it's".into()));
        assert_eq!(parse_value("  -32 / bits"), Value::Integer(-32));
        assert_eq!(parse_value("1.5D3"), Value::Real(1500.0));
        assert_eq!(parse_value("T"), Value::Logical(true));
    }
}
