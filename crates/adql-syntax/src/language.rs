//! The ADQL version a query is checked against: 2.1 (the default) or 2.0,
//! whose Recommendation lacks what 2.1 added (WITH, OFFSET, set operations,
//! LOWER/UPPER/ILIKE, IN_UNIT, COALESCE, CAST, sort and grouping keys that are
//! expressions, 4-argument DISTANCE, geometry constructors without a
//! coordinate system or with point arguments, geometry-valued expressions
//! where 2.0 takes only a POINT or a column).

use std::fmt;

/// An ADQL version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    /// ADQL 2.0 (IVOA Recommendation 2008-10-30).
    Adql20,
    /// ADQL 2.1 (IVOA Recommendation 2023-12-15).
    #[default]
    Adql21,
}

impl Language {
    /// Every version, oldest first.
    pub const ALL: [Language; 2] = [Language::Adql20, Language::Adql21];

    /// Reads TAP's `LANG` value or the CLI's `--lang`: `ADQL-2.0`, `ADQL-2.1`,
    /// or plain `ADQL` (the newest), case-insensitively.
    pub fn parse(text: &str) -> Option<Language> {
        match text.trim().to_ascii_uppercase().as_str() {
            "ADQL" | "ADQL-2.1" | "ADQL2.1" | "2.1" => Some(Language::Adql21),
            "ADQL-2.0" | "ADQL2.0" | "2.0" => Some(Language::Adql20),
            _ => None,
        }
    }

    /// The version number, as TAPRegExt writes it: `2.0`.
    pub fn version(self) -> &'static str {
        match self {
            Language::Adql20 => "2.0",
            Language::Adql21 => "2.1",
        }
    }

    /// The standard's IVOA identifier, for TAPRegExt's `ivo-id`.
    pub fn ivo_id(self) -> &'static str {
        match self {
            Language::Adql20 => "ivo://ivoa.net/std/ADQL#v2.0",
            Language::Adql21 => "ivo://ivoa.net/std/ADQL#v2.1",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ADQL-{}", self.version())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(Language::parse("adql-2.0"), Some(Language::Adql20));
        assert_eq!(Language::parse("ADQL"), Some(Language::Adql21));
        assert_eq!(Language::parse("ADQL-3.0"), None);
        assert_eq!(Language::Adql20.to_string(), "ADQL-2.0");
    }
}
