//! ADQL's built-in functions, the IVOA UDF catalogue, and user-declared
//! function signatures (`name(arg TYPE, …) -> TYPE`, as TAPRegExt writes them).

use serde::Serialize;
use thiserror::Error;

use crate::features::Feature;

/// What kind of value an expression yields, as far as the text alone tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ValueKind {
    /// A number.
    Numeric,
    /// A character string.
    String,
    /// A geometry (point, circle, polygon, box, region).
    Geometry,
    /// A timestamp (`CAST(… AS TIMESTAMP)`, a TIMESTAMP column).
    Timestamp,
    /// A condition (a predicate): only valid where a search condition is.
    Condition,
    /// Unknown without a catalogue (columns, NULL, unknown functions).
    Unknown,
}

impl ValueKind {
    /// The kind in words, with its article: "a number".
    pub fn describe(self) -> &'static str {
        match self {
            ValueKind::Numeric => "a number",
            ValueKind::String => "a string",
            ValueKind::Geometry => "a geometry",
            ValueKind::Timestamp => "a timestamp",
            ValueKind::Condition => "a condition",
            ValueKind::Unknown => "a value",
        }
    }

    /// The ADQL type name a CAST to this kind would use, for hints.
    pub fn cast_target(self) -> Option<&'static str> {
        match self {
            ValueKind::Numeric => Some("DOUBLE PRECISION"),
            ValueKind::String => Some("VARCHAR"),
            ValueKind::Timestamp => Some("TIMESTAMP"),
            _ => None,
        }
    }
}

macro_rules! builtins {
    ($($variant:ident => $name:literal, $min:expr, $max:expr, $kind:ident, $feature:expr;)*) => {
        /// A function built into ADQL 2.1.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        pub enum Builtin {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
        }

        impl Builtin {
            /// Every built-in function.
            pub const ALL: &'static [Builtin] = &[$(Builtin::$variant,)*];

            /// The canonical (upper-case) name.
            pub fn name(self) -> &'static str {
                match self { $(Builtin::$variant => $name,)* }
            }

            /// The smallest and largest number of arguments.
            pub fn arity(self) -> (usize, usize) {
                match self { $(Builtin::$variant => ($min, $max),)* }
            }

            /// The kind of value the function returns.
            pub fn result_kind(self) -> ValueKind {
                match self { $(Builtin::$variant => ValueKind::$kind,)* }
            }

            /// The optional feature the function belongs to, if any.
            pub fn feature(self) -> Option<Feature> {
                match self { $(Builtin::$variant => $feature,)* }
            }
        }
    };
}

const MANY: usize = usize::MAX;

builtins! {
    Abs => "ABS", 1, 1, Numeric, None;
    Ceiling => "CEILING", 1, 1, Numeric, None;
    Degrees => "DEGREES", 1, 1, Numeric, None;
    Exp => "EXP", 1, 1, Numeric, None;
    Floor => "FLOOR", 1, 1, Numeric, None;
    Log => "LOG", 1, 1, Numeric, None;
    Log10 => "LOG10", 1, 1, Numeric, None;
    Mod => "MOD", 2, 2, Numeric, None;
    Pi => "PI", 0, 0, Numeric, None;
    Power => "POWER", 2, 2, Numeric, None;
    Radians => "RADIANS", 1, 1, Numeric, None;
    Rand => "RAND", 0, 1, Numeric, None;
    Round => "ROUND", 1, 2, Numeric, None;
    Sqrt => "SQRT", 1, 1, Numeric, None;
    Truncate => "TRUNCATE", 1, 2, Numeric, None;
    Acos => "ACOS", 1, 1, Numeric, None;
    Asin => "ASIN", 1, 1, Numeric, None;
    Atan => "ATAN", 1, 1, Numeric, None;
    Atan2 => "ATAN2", 2, 2, Numeric, None;
    Cos => "COS", 1, 1, Numeric, None;
    Cot => "COT", 1, 1, Numeric, None;
    Sin => "SIN", 1, 1, Numeric, None;
    Tan => "TAN", 1, 1, Numeric, None;
    Lower => "LOWER", 1, 1, String, Some(Feature::String);
    Upper => "UPPER", 1, 1, String, Some(Feature::String);
    InUnit => "IN_UNIT", 2, 2, Numeric, Some(Feature::Unit);
    Coalesce => "COALESCE", 1, MANY, Unknown, Some(Feature::Conditional);
    Area => "AREA", 1, 1, Numeric, Some(Feature::Area);
    Centroid => "CENTROID", 1, 1, Geometry, Some(Feature::Centroid);
    Contains => "CONTAINS", 2, 2, Numeric, Some(Feature::Contains);
    Intersects => "INTERSECTS", 2, 2, Numeric, Some(Feature::Intersects);
    Distance => "DISTANCE", 2, 4, Numeric, Some(Feature::Distance);
    Coord1 => "COORD1", 1, 1, Numeric, Some(Feature::Coord1);
    Coord2 => "COORD2", 1, 1, Numeric, Some(Feature::Coord2);
    Coordsys => "COORDSYS", 1, 1, String, Some(Feature::Coordsys);
    Region => "REGION", 1, 1, Geometry, Some(Feature::Region);
}

impl Builtin {
    /// The kind argument `index` of a call with `arity` arguments must have,
    /// where the function prescribes one (ADQL 2.1 §2.4 and §4).
    pub fn param_kind(self, index: usize, arity: usize) -> Option<ValueKind> {
        use Builtin::*;
        match self {
            Lower | Upper | Region => Some(ValueKind::String),
            InUnit if index == 1 => Some(ValueKind::String),
            InUnit => Some(ValueKind::Numeric),
            Coalesce => None,
            Area | Centroid | Contains | Intersects | Coord1 | Coord2 | Coordsys => {
                Some(ValueKind::Geometry)
            }
            Distance if arity == 2 => Some(ValueKind::Geometry),
            _ => Some(ValueKind::Numeric),
        }
    }

    /// Looks a name up, case-insensitively.
    pub fn from_name(name: &str) -> Option<Builtin> {
        Builtin::ALL
            .iter()
            .copied()
            .find(|b| b.name().eq_ignore_ascii_case(name))
    }
}

/// A declared type of a function parameter or result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeName(pub String);

impl TypeName {
    /// The kind of value this type holds.
    pub fn kind(&self) -> ValueKind {
        let upper = self.0.to_ascii_uppercase();
        let base = upper.split(['(', '[']).next().unwrap_or("").trim();
        if upper.contains('[') {
            return ValueKind::Unknown;
        }
        match base {
            "POINT" | "CIRCLE" | "POLYGON" | "BOX" | "REGION" | "GEOMETRY" | "MOC" => {
                ValueKind::Geometry
            }
            "CHAR" | "VARCHAR" | "TEXT" | "CLOB" | "STRING" | "UNICODECHAR" => ValueKind::String,
            "TIMESTAMP" => ValueKind::Timestamp,
            "SMALLINT" | "INTEGER" | "INT" | "BIGINT" | "REAL" | "DOUBLE" | "DOUBLE PRECISION"
            | "FLOAT" | "NUMERIC" | "DECIMAL" | "BOOLEAN" => ValueKind::Numeric,
            _ => ValueKind::Unknown,
        }
    }
}

/// A function signature: `name(param TYPE, …) -> TYPE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FunctionSignature {
    /// The function name (as declared).
    pub name: String,
    /// Parameter names and types.
    pub params: Vec<(String, TypeName)>,
    /// The result type.
    pub returns: TypeName,
}

/// Why a signature did not parse.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SignatureError {
    /// The text is not of the form `name(args) -> TYPE`.
    #[error("a function signature reads `name(param TYPE, …) -> TYPE`: {0}")]
    Malformed(String),
    /// The name is not a regular identifier.
    #[error("`{0}` is not a regular identifier")]
    BadName(String),
    /// The name is a reserved word or built-in function.
    #[error("`{0}` is an ADQL reserved word and cannot name a user-defined function")]
    Reserved(String),
}

impl FunctionSignature {
    /// Parses `eso_intersection(r1 REGION, r2 REGION) -> DOUBLE`.
    pub fn parse(text: &str) -> Result<FunctionSignature, SignatureError> {
        let malformed = || SignatureError::Malformed(text.to_string());
        let (head, returns) = text.rsplit_once("->").ok_or_else(malformed)?;
        let head = head.trim();
        let open = head.find('(').ok_or_else(malformed)?;
        if !head.ends_with(')') {
            return Err(malformed());
        }
        let name = head[..open].trim();
        let valid_name = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid_name {
            return Err(SignatureError::BadName(name.to_string()));
        }
        if crate::keywords::is_reserved(name) {
            return Err(SignatureError::Reserved(name.to_string()));
        }
        let inner = head[open + 1..head.len() - 1].trim();
        let mut params = Vec::new();
        if !inner.is_empty() {
            for param in split_top_level(inner) {
                let param = param.trim();
                let (pname, ptype) = param
                    .split_once(char::is_whitespace)
                    .ok_or_else(malformed)?;
                if ptype.trim().is_empty() {
                    return Err(malformed());
                }
                params.push((pname.to_string(), TypeName(ptype.trim().to_string())));
            }
        }
        let returns = returns.trim();
        if returns.is_empty() {
            return Err(malformed());
        }
        Ok(FunctionSignature {
            name: name.to_string(),
            params,
            returns: TypeName(returns.to_string()),
        })
    }
}

/// Splits on commas that are not inside parentheses or brackets (`VARCHAR(10, 2)`).
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// Whether `text` is a date or date and time as DALI writes timestamps
/// (ISO 8601, UTC): `YYYY-MM-DD`, optionally followed by `T` (or a space)
/// and `hh:mm[:ss[.fff]]`, optionally ending in `Z`.
pub fn is_iso_timestamp(text: &str) -> bool {
    let text = text.trim();
    let text = text.strip_suffix('Z').unwrap_or(text);
    let (date, time) = match text.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t)),
        None => (text, None),
    };
    // chrono accepts a year of any width and signs; DALI's has four digits.
    let four_digit_year = date.len() == 10 && date.as_bytes()[..4].iter().all(u8::is_ascii_digit);
    if !four_digit_year || chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_err() {
        return false;
    }
    match time {
        None => true,
        Some(t) => ["%H:%M:%S%.f", "%H:%M"]
            .iter()
            .any(|format| t.len() >= 5 && chrono::NaiveTime::parse_from_str(t, format).is_ok()),
    }
}

/// The functions of the IVOA UDF catalogue (version 1.0), which every query may use.
pub const UDF_CATALOGUE: &[&str] = &[
    "ivo_apply_pm(ra DOUBLE, dec DOUBLE, pmra DOUBLE, pmde DOUBLE, epdist DOUBLE) -> POINT",
    "ivo_epoch_prop(ra DOUBLE, dec DOUBLE, parallax DOUBLE, pmra DOUBLE, pmdec DOUBLE, radial_velocity DOUBLE, ref_epoch DOUBLE, out_epoch DOUBLE) -> DOUBLE[6]",
    "ivo_epoch_prop_pos(ra DOUBLE, dec DOUBLE, parallax DOUBLE, pmra DOUBLE, pmdec DOUBLE, radial_velocity DOUBLE, ref_epoch DOUBLE, out_epoch DOUBLE) -> POINT",
    "ivo_geom_transform(from_sys TEXT, geo GEOMETRY, to_sys TEXT) -> GEOMETRY",
    "ivo_hasword(haystack TEXT, needle TEXT) -> INTEGER",
    "ivo_hashlist_has(hashlist TEXT, item TEXT) -> INTEGER",
    "ivo_healpix_center(hpxOrder INTEGER, hpxIndex BIGINT) -> POINT",
    "ivo_healpix_index(hpxOrder INTEGER, ra DOUBLE, dec DOUBLE) -> BIGINT",
    "ivo_healpix_index(hpxOrder INTEGER, p POINT) -> BIGINT",
    "ivo_histogram(val REAL, lower REAL, upper REAL, nbins INTEGER) -> INTEGER[]",
    "ivo_interval_has(val NUMERIC, iv INTERVAL) -> INTEGER",
    "ivo_interval_overlaps(l1 NUMERIC, h1 NUMERIC, l2 NUMERIC, h2 NUMERIC) -> INTEGER",
    "ivo_nocasematch(value TEXT, pattern TEXT) -> INTEGER",
    "ivo_normal_random(mu REAL, sigma REAL) -> REAL",
    "ivo_simbadpoint(identifier TEXT) -> POINT",
    "ivo_specconv(val DOUBLE, unit TEXT) -> DOUBLE",
    "ivo_specconv(val DOUBLE, unit TEXT, target_unit TEXT) -> DOUBLE",
    "ivo_string_agg(expr TEXT, delim TEXT) -> TEXT",
    "ivo_to_jd(d TIMESTAMP) -> DOUBLE",
    "ivo_to_mjd(d TIMESTAMP) -> DOUBLE",
];

/// The signatures of [`UDF_CATALOGUE`].
pub fn udf_catalogue() -> Vec<FunctionSignature> {
    UDF_CATALOGUE
        .iter()
        .map(|s| FunctionSignature::parse(s).expect("the built-in catalogue parses"))
        .collect()
}

/// Edit distance with transpositions (optimal string alignment), case-insensitive,
/// for "did you mean" suggestions: `FORM` is one edit from `FROM`.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_uppercase()).collect();
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_uppercase()).collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

/// The closest candidate to `word`, if close enough to be a likely misspelling.
pub fn closest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let limit = match word.chars().count() {
        0..=2 => 0,
        3..=4 => 1,
        _ => 2,
    };
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit && *d > 0)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_parse() {
        let s =
            FunctionSignature::parse("eso_intersection(r1 REGION, r2 REGION) -> DOUBLE").unwrap();
        assert_eq!(s.name, "eso_intersection");
        assert_eq!(s.params.len(), 2);
        assert_eq!(s.returns.kind(), ValueKind::Numeric);
        assert_eq!(s.params[0].1.kind(), ValueKind::Geometry);
        assert!(FunctionSignature::parse("f() -> TEXT")
            .unwrap()
            .params
            .is_empty());
        assert!(FunctionSignature::parse("f(x) -> TEXT").is_err());
        assert!(FunctionSignature::parse("select(x INTEGER) -> TEXT").is_err());
    }

    #[test]
    fn iso_timestamps_as_dali_writes_them() {
        for good in [
            "2019-06-06",
            "2019-06-06T09:55:27",
            "2019-06-06T09:55:27.125Z",
            "2019-06-06 09:55",
            " 2024-02-29T23:59:59Z ",
        ] {
            assert!(is_iso_timestamp(good), "{good}");
        }
        for bad in [
            "",
            "2019",
            "06/06/2019",
            "2019-13-01",
            "2023-02-29",
            "2019-06-06T25:00:00",
            "2019-06-06T09",
            "+2019-06-06",
            "yesterday",
        ] {
            assert!(!is_iso_timestamp(bad), "{bad}");
        }
        assert!(FunctionSignature::parse("f(x INTEGER)").is_err());
        assert_eq!(udf_catalogue().len(), UDF_CATALOGUE.len());
    }

    #[test]
    fn suggestions() {
        assert_eq!(closest("TAN2", ["ATAN2", "TAN", "ABS"]), Some("ATAN2"));
        assert_eq!(closest("SELECR", ["SELECT", "FROM"]), Some("SELECT"));
        assert_eq!(closest("xyz", ["SELECT"]), None);
        assert_eq!(closest("FORM", ["FROM", "AS"]), Some("FROM"));
    }

    #[test]
    fn builtins_are_reserved_words() {
        for b in Builtin::ALL {
            assert!(crate::keywords::is_reserved(b.name()), "{}", b.name());
        }
    }
}
