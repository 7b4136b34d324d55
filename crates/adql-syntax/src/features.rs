//! Optional ADQL features in the spirit of TAPRegExt's language features: a
//! caller switches some off, and a query using one gets "unsupported feature".

use std::fmt;

/// One optional language feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Feature {
    /// `POINT` (TAPRegExt `features-adqlgeo`).
    Point,
    /// `CIRCLE`
    Circle,
    /// `BOX`
    Box,
    /// `POLYGON`
    Polygon,
    /// `REGION`
    Region,
    /// `CENTROID`
    Centroid,
    /// `CONTAINS`
    Contains,
    /// `INTERSECTS`
    Intersects,
    /// `AREA`
    Area,
    /// `COORD1`
    Coord1,
    /// `COORD2`
    Coord2,
    /// `COORDSYS`
    Coordsys,
    /// `DISTANCE`
    Distance,
    /// `LOWER`, `UPPER`, `ILIKE` (`features-adql-string`).
    String,
    /// `UNION`, `EXCEPT`, `INTERSECT` (`features-adql-sets`).
    Sets,
    /// `CAST` (`features-adql-type`).
    Type,
    /// `COALESCE` (`features-adql-conditional`).
    Conditional,
    /// `IN_UNIT` (`features-adql-unit`).
    Unit,
    /// `OFFSET` (`features-adql-offset`).
    Offset,
    /// `WITH` (`features-adql-common-table`).
    CommonTable,
    /// `CASE`: an extension, not in ADQL 2.1.
    Case,
}

impl Feature {
    /// Every feature, in declaration order.
    pub const ALL: [Feature; 21] = [
        Feature::Point,
        Feature::Circle,
        Feature::Box,
        Feature::Polygon,
        Feature::Region,
        Feature::Centroid,
        Feature::Contains,
        Feature::Intersects,
        Feature::Area,
        Feature::Coord1,
        Feature::Coord2,
        Feature::Coordsys,
        Feature::Distance,
        Feature::String,
        Feature::Sets,
        Feature::Type,
        Feature::Conditional,
        Feature::Unit,
        Feature::Offset,
        Feature::CommonTable,
        Feature::Case,
    ];

    /// The geometry features (each one a function of `features-adqlgeo`).
    pub const GEOMETRY: [Feature; 13] = [
        Feature::Point,
        Feature::Circle,
        Feature::Box,
        Feature::Polygon,
        Feature::Region,
        Feature::Centroid,
        Feature::Contains,
        Feature::Intersects,
        Feature::Area,
        Feature::Coord1,
        Feature::Coord2,
        Feature::Coordsys,
        Feature::Distance,
    ];

    /// The name used on the command line (`--disable NAME`).
    pub fn name(self) -> &'static str {
        match self {
            Feature::Point => "point",
            Feature::Circle => "circle",
            Feature::Box => "box",
            Feature::Polygon => "polygon",
            Feature::Region => "region",
            Feature::Centroid => "centroid",
            Feature::Contains => "contains",
            Feature::Intersects => "intersects",
            Feature::Area => "area",
            Feature::Coord1 => "coord1",
            Feature::Coord2 => "coord2",
            Feature::Coordsys => "coordsys",
            Feature::Distance => "distance",
            Feature::String => "string",
            Feature::Sets => "sets",
            Feature::Type => "type",
            Feature::Conditional => "conditional",
            Feature::Unit => "unit",
            Feature::Offset => "offset",
            Feature::CommonTable => "common-table",
            Feature::Case => "case",
        }
    }

    /// The TAPRegExt feature type this belongs to.
    pub fn tapregext_type(self) -> &'static str {
        match self {
            f if Feature::GEOMETRY.contains(&f) => "ivo://ivoa.net/std/TAPRegExt#features-adqlgeo",
            Feature::String => "ivo://ivoa.net/std/TAPRegExt#features-adql-string",
            Feature::Sets => "ivo://ivoa.net/std/TAPRegExt#features-adql-sets",
            Feature::Type => "ivo://ivoa.net/std/TAPRegExt#features-adql-type",
            Feature::Conditional => "ivo://ivoa.net/std/TAPRegExt#features-adql-conditional",
            Feature::Unit => "ivo://ivoa.net/std/TAPRegExt#features-adql-unit",
            Feature::Offset => "ivo://ivoa.net/std/TAPRegExt#features-adql-offset",
            Feature::CommonTable => "ivo://ivoa.net/std/TAPRegExt#features-adql-common-table",
            _ => "(extension)",
        }
    }

    /// Parses a name as printed by [`Feature::name`] (case-insensitive).
    pub fn from_name(name: &str) -> Option<Feature> {
        Feature::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of enabled features; all are enabled by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeatureSet {
    enabled: u32,
}

impl Default for FeatureSet {
    fn default() -> Self {
        FeatureSet::all()
    }
}

impl FeatureSet {
    /// Every feature on.
    pub fn all() -> Self {
        FeatureSet {
            enabled: Feature::ALL.iter().fold(0, |acc, f| acc | f.bit()),
        }
    }

    /// No optional feature on.
    pub fn none() -> Self {
        FeatureSet { enabled: 0 }
    }

    /// True if `feature` is on.
    pub fn has(&self, feature: Feature) -> bool {
        self.enabled & feature.bit() != 0
    }

    /// Switches `feature` on.
    pub fn enable(&mut self, feature: Feature) -> &mut Self {
        self.enabled |= feature.bit();
        self
    }

    /// Switches `feature` off.
    pub fn disable(&mut self, feature: Feature) -> &mut Self {
        self.enabled &= !feature.bit();
        self
    }

    /// Every feature but those `names` says ([`Feature::name`]s, or
    /// `geometry` for all of [`Feature::GEOMETRY`]), as `--disable` takes them;
    /// an unknown name is an error listing the known ones.
    pub fn all_but<S: AsRef<str>>(names: &[S]) -> Result<FeatureSet, String> {
        let mut features = FeatureSet::all();
        for name in names {
            let name = name.as_ref();
            if name.eq_ignore_ascii_case("geometry") {
                for f in Feature::GEOMETRY {
                    features.disable(f);
                }
                continue;
            }
            let feature = Feature::from_name(name).ok_or_else(|| {
                let known: Vec<&str> = Feature::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "unknown feature `{name}`; known: geometry, {}",
                    known.join(", ")
                )
            })?;
            features.disable(feature);
        }
        Ok(features)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in Feature::ALL {
            assert_eq!(Feature::from_name(f.name()), Some(f));
        }
        let mut set = FeatureSet::all();
        set.disable(Feature::Box);
        assert!(!set.has(Feature::Box));
        assert!(set.has(Feature::Circle));
    }
}
