//! SIA 2.0 query parameters, translated into the equivalent ADQL over
//! `ivoa.ObsCore` (so SIA answers with the engine's pruning and exactness).
//! Parameters with different names are AND'ed; repeated ones OR'ed.

use crate::soda::{parse_pos, Stencil};

/// A malformed SIA parameter (DALI's UsageError).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct SiaError(pub String);

/// The ADQL of a search, and the MAXREC and RESPONSEFORMAT asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct SiaQuery {
    /// `SELECT * FROM ivoa.ObsCore WHERE …`.
    pub adql: String,
    /// MAXREC, if given.
    pub maxrec: Option<u64>,
    /// RESPONSEFORMAT, if given.
    pub response_format: Option<String>,
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// `lo hi` with `-Inf`/`+Inf` (or one value: `lo = hi`).
fn interval(name: &str, text: &str) -> Result<(f64, f64), SiaError> {
    let v: Vec<f64> = text
        .split_whitespace()
        .map(|t| {
            t.parse::<f64>()
                .ok()
                .filter(|v| !v.is_nan())
                .ok_or_else(|| SiaError(format!("{name}: `{t}` is not a number")))
        })
        .collect::<Result<_, _>>()?;
    match v.as_slice() {
        [x] => Ok((*x, *x)),
        [lo, hi] if lo <= hi => Ok((*lo, *hi)),
        [lo, hi] => Err(SiaError(format!(
            "{name}: the interval [{lo}, {hi}] is empty"
        ))),
        _ => Err(SiaError(format!(
            "{name} takes one number or two (lo hi), got `{text}`"
        ))),
    }
}

fn number(v: f64) -> String {
    let mut s = format!("{v:?}");
    if s == "inf" || s == "-inf" {
        s = String::new();
    }
    s
}

/// `lo <= column <= hi`, open ends left out.
fn between(column: &str, (lo, hi): (f64, f64)) -> String {
    match (lo.is_finite(), hi.is_finite()) {
        (true, true) => format!("{column} BETWEEN {} AND {}", number(lo), number(hi)),
        (true, false) => format!("{column} >= {}", number(lo)),
        (false, true) => format!("{column} <= {}", number(hi)),
        (false, false) => format!("{column} IS NOT NULL"),
    }
}

/// The interval [min_col, max_col] overlaps [lo, hi].
fn overlaps(min_col: &str, max_col: &str, (lo, hi): (f64, f64)) -> String {
    let mut parts = Vec::new();
    if hi.is_finite() {
        parts.push(format!("{min_col} <= {}", number(hi)));
    }
    if lo.is_finite() {
        parts.push(format!("{max_col} >= {}", number(lo)));
    }
    if parts.is_empty() {
        format!("{min_col} IS NOT NULL")
    } else {
        parts.join(" AND ")
    }
}

fn region(text: &str) -> Result<String, SiaError> {
    let stencil =
        parse_pos(text).map_err(|e| SiaError(e.to_string().replacen("UsageError: ", "", 1)))?;
    Ok(match stencil {
        Stencil::Circle(c) => format!(
            "INTERSECTS(s_region, CIRCLE('ICRS', {}, {}, {})) = 1",
            number(c.center().ra()),
            number(c.center().dec()),
            number(c.radius())
        ),
        Stencil::Polygon(p) => {
            let coords: Vec<String> = p
                .vertices()
                .iter()
                .map(|v| format!("{}, {}", number(v.ra()), number(v.dec())))
                .collect();
            format!(
                "INTERSECTS(s_region, POLYGON('ICRS', {})) = 1",
                coords.join(", ")
            )
        }
        Stencil::Range { ra: (a, b), dec } => {
            let dec_part = between("s_dec", dec);
            if a == 0.0 && b == 360.0 {
                dec_part
            } else if a <= b {
                format!("{} AND {dec_part}", between("s_ra", (a, b)))
            } else {
                format!(
                    "(s_ra >= {} OR s_ra <= {}) AND {dec_part}",
                    number(a),
                    number(b)
                )
            }
        }
    })
}

/// The query of a request's parameters (names case-insensitive).
pub fn query<'a>(
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<SiaQuery, SiaError> {
    // Conditions by parameter, in the standard's order; each a list OR'ed.
    let names = [
        "POS",
        "BAND",
        "TIME",
        "POL",
        "FOV",
        "SPATRES",
        "EXPTIME",
        "ID",
        "COLLECTION",
        "FACILITY",
        "INSTRUMENT",
        "DPTYPE",
        "CALIB",
        "TARGET",
        "FORMAT",
    ];
    let mut conditions: Vec<Vec<String>> = vec![Vec::new(); names.len()];
    let mut maxrec = None;
    let mut response_format = None;
    for (name, value) in params {
        let upper = name.to_ascii_uppercase();
        let value = value.trim();
        let condition = match upper.as_str() {
            "POS" => region(value)?,
            "BAND" => overlaps("em_min", "em_max", interval("BAND", value)?),
            "TIME" => overlaps("t_min", "t_max", interval("TIME", value)?),
            "POL" => {
                if !value.chars().all(|c| c.is_ascii_alphanumeric()) || value.is_empty() {
                    return Err(SiaError(format!(
                        "POL: `{value}` is not a polarization state"
                    )));
                }
                format!("pol_states LIKE {}", quote(&format!("%/{value}/%")))
            }
            "FOV" => between("s_fov", interval("FOV", value)?),
            "SPATRES" => between("s_resolution", interval("SPATRES", value)?),
            "EXPTIME" => between("t_exptime", interval("EXPTIME", value)?),
            "ID" => format!("obs_publisher_did = {}", quote(value)),
            "COLLECTION" => format!("obs_collection = {}", quote(value)),
            "FACILITY" => format!("facility_name = {}", quote(value)),
            "INSTRUMENT" => format!("instrument_name = {}", quote(value)),
            "DPTYPE" => {
                if value != "image" && value != "cube" {
                    return Err(SiaError(format!("DPTYPE is image or cube, got `{value}`")));
                }
                format!("dataproduct_type = {}", quote(value))
            }
            "CALIB" => {
                let level: u8 = value
                    .parse()
                    .ok()
                    .filter(|l| *l <= 4)
                    .ok_or_else(|| SiaError(format!("CALIB is 0 to 4, got `{value}`")))?;
                format!("calib_level = {level}")
            }
            "TARGET" => format!("target_name = {}", quote(value)),
            "FORMAT" => format!("access_format = {}", quote(value)),
            "MAXREC" => {
                maxrec = Some(value.parse().map_err(|_| {
                    SiaError(format!(
                        "MAXREC must be a non-negative integer, got `{value}`"
                    ))
                })?);
                continue;
            }
            "RESPONSEFORMAT" => {
                response_format = Some(value.to_string());
                continue;
            }
            _ => continue,
        };
        let slot = names
            .iter()
            .position(|n| *n == upper)
            .expect("a known name");
        conditions[slot].push(condition);
    }
    let clauses: Vec<String> = conditions
        .into_iter()
        .filter(|c| !c.is_empty())
        .map(|c| {
            if c.len() == 1 {
                c.into_iter().next().expect("one")
            } else {
                format!(
                    "({})",
                    c.into_iter()
                        .map(|x| format!("({x})"))
                        .collect::<Vec<_>>()
                        .join(" OR ")
                )
            }
        })
        .collect();
    let adql = if clauses.is_empty() {
        "SELECT * FROM ivoa.ObsCore".to_string()
    } else {
        format!("SELECT * FROM ivoa.ObsCore WHERE {}", clauses.join(" AND "))
    };
    Ok(SiaQuery {
        adql,
        maxrec,
        response_format,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_become_adql() {
        let q = query([
            ("POS", "CIRCLE 55.7467 -32.2862 0.1"),
            ("band", "6e-7 7e-7"),
            ("CALIB", "2"),
            ("CALIB", "3"),
            ("MAXREC", "10"),
        ])
        .unwrap();
        assert_eq!(
            q.adql,
            "SELECT * FROM ivoa.ObsCore WHERE INTERSECTS(s_region, CIRCLE('ICRS', 55.7467, -32.2862, 0.1)) = 1 \
             AND em_min <= 7e-7 AND em_max >= 6e-7 AND ((calib_level = 2) OR (calib_level = 3))"
        );
        assert_eq!(q.maxrec, Some(10));
        let open = query([("TIME", "60000 +Inf"), ("COLLECTION", "it's")]).unwrap();
        assert_eq!(
            open.adql,
            "SELECT * FROM ivoa.ObsCore WHERE t_max >= 60000.0 AND obs_collection = 'it''s'"
        );
        assert!(query([("CALIB", "7")]).is_err());
        assert!(query([("BAND", "2 1")]).is_err());
        assert!(query([("POS", "CIRCLE 1 2")]).is_err());
        assert_eq!(
            query([("FOO", "1")]).unwrap().adql,
            "SELECT * FROM ivoa.ObsCore"
        );
    }
}
