//! Units for IN_UNIT: the VOUnits astronomers use for angles, lengths and
//! wavelengths, times, data sizes and frequencies, as (dimension, scale to SI).

/// What a unit measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dimension {
    Angle,
    Length,
    Time,
    Data,
    Frequency,
}

impl Dimension {
    fn name(self) -> &'static str {
        match self {
            Dimension::Angle => "an angle",
            Dimension::Length => "a length",
            Dimension::Time => "a time",
            Dimension::Data => "a data size",
            Dimension::Frequency => "a frequency",
        }
    }
}

/// The dimension and SI scale of a unit (radians for angles, bytes for data).
pub(crate) fn unit(name: &str) -> Option<(Dimension, f64)> {
    use std::f64::consts::PI;
    use Dimension::*;
    let deg = PI / 180.0;
    Some(match name.trim() {
        "rad" => (Angle, 1.0),
        "mrad" => (Angle, 1e-3),
        "deg" => (Angle, deg),
        "arcmin" => (Angle, deg / 60.0),
        "arcsec" => (Angle, deg / 3600.0),
        "mas" => (Angle, deg / 3.6e6),
        "uas" => (Angle, deg / 3.6e9),
        "m" => (Length, 1.0),
        "km" => (Length, 1e3),
        "cm" => (Length, 1e-2),
        "mm" => (Length, 1e-3),
        "um" => (Length, 1e-6),
        "nm" => (Length, 1e-9),
        "Angstrom" | "angstrom" => (Length, 1e-10),
        "AU" | "au" => (Length, 1.495_978_707e11),
        "pc" => (Length, 3.085_677_581_491_367e16),
        "kpc" => (Length, 3.085_677_581_491_367e19),
        "Mpc" => (Length, 3.085_677_581_491_367e22),
        "s" => (Time, 1.0),
        "ms" => (Time, 1e-3),
        "us" => (Time, 1e-6),
        "ns" => (Time, 1e-9),
        "min" => (Time, 60.0),
        "h" => (Time, 3600.0),
        "d" => (Time, 86_400.0),
        "yr" | "a" => (Time, 365.25 * 86_400.0),
        "byte" => (Data, 1.0),
        "kbyte" => (Data, 1e3),
        "Mbyte" => (Data, 1e6),
        "Gbyte" => (Data, 1e9),
        "bit" => (Data, 0.125),
        "Hz" => (Frequency, 1.0),
        "kHz" => (Frequency, 1e3),
        "MHz" => (Frequency, 1e6),
        "GHz" => (Frequency, 1e9),
        _ => return None,
    })
}

/// The factor converting values in `from` to `to`, or why not.
pub(crate) fn factor(from: &str, to: &str) -> Result<f64, String> {
    let (df, sf) =
        unit(from).ok_or_else(|| format!("the unit `{from}` is not one IN_UNIT knows"))?;
    let (dt, st) = unit(to).ok_or_else(|| format!("the unit `{to}` is not one IN_UNIT knows"))?;
    if df != dt {
        return Err(format!(
            "`{from}` is {} and `{to}` is {}: they do not convert",
            df.name(),
            dt.name()
        ));
    }
    Ok(sf / st)
}

#[cfg(test)]
mod tests {
    use super::factor;

    #[test]
    fn conversions() {
        assert!((factor("deg", "arcsec").unwrap() - 3600.0).abs() < 1e-9);
        assert!((factor("m", "nm").unwrap() - 1e9).abs() < 1e-3);
        assert!((factor("d", "s").unwrap() - 86_400.0).abs() < 1e-9);
        assert!(factor("deg", "m").unwrap_err().contains("do not convert"));
        assert!(factor("furlong", "m").is_err());
    }
}
