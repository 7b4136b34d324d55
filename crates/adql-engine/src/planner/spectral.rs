//! Spectral units for `ivo_specconv`: wavelengths, frequencies and photon
//! energies (VOUnits with SI prefixes: `m`, `nm`, `Angstrom`, `Hz`, `GHz`,
//! `J`, `eV`, `keV`, `erg`), converted as a photon's: λ = c/ν, E = hν.

/// The speed of light, m/s (exact).
const C: f64 = 299_792_458.0;
/// Planck's constant, J s (exact since 2019).
const H: f64 = 6.626_070_15e-34;
/// The electronvolt, J (exact since 2019).
const EV: f64 = 1.602_176_634e-19;

/// How a value in one spectral unit becomes a value in another: `k × value`
/// (between units of the same kind, or frequency and energy) or `k / value`
/// (between wavelength and frequency or energy).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Conversion {
    Scale(f64),
    Inverse(f64),
}

/// A unit's value as a function of the photon's frequency ν (Hz):
/// `a × ν` for frequencies and energies, `b / ν` for wavelengths.
#[derive(Debug, Clone, Copy)]
enum OfFrequency {
    Proportional(f64),
    Inverse(f64),
}

fn prefix(p: &str) -> Option<f64> {
    Some(match p {
        "" => 1.0,
        "y" => 1e-24,
        "z" => 1e-21,
        "a" => 1e-18,
        "f" => 1e-15,
        "p" => 1e-12,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "c" => 1e-2,
        "d" => 1e-1,
        "da" => 1e1,
        "h" => 1e2,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Z" => 1e21,
        "Y" => 1e24,
        _ => return None,
    })
}

fn unit(text: &str) -> Option<OfFrequency> {
    let text = text.trim();
    // Units that take no prefix.
    match text {
        "Angstrom" | "angstrom" | "AA" => return Some(OfFrequency::Inverse(C / 1e-10)),
        "erg" => return Some(OfFrequency::Proportional(H / 1e-7)),
        _ => {}
    }
    // The longest base first: `mHz` is milli-hertz, `m` alone a metre.
    for (base, kind) in [("Hz", 0), ("eV", 1), ("J", 2), ("m", 3)] {
        if let Some(p) = text.strip_suffix(base) {
            let scale = prefix(p)?;
            return Some(match kind {
                0 => OfFrequency::Proportional(1.0 / scale),
                1 => OfFrequency::Proportional(H / (EV * scale)),
                2 => OfFrequency::Proportional(H / scale),
                _ => OfFrequency::Inverse(C / scale),
            });
        }
    }
    None
}

/// The conversion of spectral values from `from` to `to`, or what is wrong.
pub(crate) fn conversion(from: &str, to: &str) -> Result<Conversion, String> {
    let known = |u: &str| {
        unit(u).ok_or_else(|| {
            format!(
                "`{u}` is not a spectral unit this engine knows: a wavelength (m, nm, um, Angstrom …), \
                 a frequency (Hz, MHz, GHz …) or an energy (J, eV, keV, erg …)"
            )
        })
    };
    use OfFrequency::{Inverse, Proportional};
    Ok(match (known(from)?, known(to)?) {
        // value = a1 ν, so ν = value / a1.
        (Proportional(a1), Proportional(a2)) => Conversion::Scale(a2 / a1),
        (Proportional(a1), Inverse(b2)) => Conversion::Inverse(b2 * a1),
        // value = b1 / ν, so ν = b1 / value.
        (Inverse(b1), Proportional(a2)) => Conversion::Inverse(a2 * b1),
        (Inverse(b1), Inverse(b2)) => Conversion::Scale(b2 / b1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(c: Conversion, x: f64) -> f64 {
        match c {
            Conversion::Scale(k) => k * x,
            Conversion::Inverse(k) => k / x,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        ((a - b) / b).abs() < 1e-12
    }

    #[test]
    fn photons() {
        // 500 nm is 599.584916 THz and 2.479683969 eV.
        let to_hz = conversion("nm", "Hz").unwrap();
        assert!(close(apply(to_hz, 500.0), 5.995_849_16e14));
        assert!(close(
            apply(conversion("nm", "eV").unwrap(), 500.0),
            2.479_683_968_664_684
        ));
        assert!(close(
            apply(conversion("Angstrom", "m").unwrap(), 6563.0),
            6.563e-7
        ));
        assert!(close(
            apply(conversion("keV", "Angstrom").unwrap(), 1.0),
            12.398_419_843_320_026
        ));
        assert!(close(
            apply(conversion("GHz", "mm").unwrap(), 230.0),
            1.303_445_469_565_217_4
        ));
        assert!(close(apply(conversion("mHz", "Hz").unwrap(), 5.0), 5e-3));
        assert!(close(apply(conversion("J", "erg").unwrap(), 1.0), 1e7));
        for bad in ["furlong", "kg", "", "Xm"] {
            assert!(conversion(bad, "m").is_err(), "{bad}");
        }
    }
}
