//! The ObsCore 1.1 table: every mandatory column, the optional
//! `dataproduct_subtype`, and Rubin's `lsst_*` extension columns, each with its
//! datatype, unit, UCD, utype and description.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

/// The value type of a column, as TAP_SCHEMA and Arrow see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    /// A string (`char(*)` in TAP_SCHEMA).
    Text,
    /// A 64-bit integer (`long`).
    Long,
    /// A 32-bit integer (`int`).
    Int,
    /// A double (`double`).
    Double,
    /// A boolean.
    Boolean,
}

impl ColumnType {
    /// The Arrow type.
    pub fn arrow(self) -> DataType {
        match self {
            ColumnType::Text => DataType::Utf8,
            ColumnType::Long => DataType::Int64,
            ColumnType::Int => DataType::Int32,
            ColumnType::Double => DataType::Float64,
            ColumnType::Boolean => DataType::Boolean,
        }
    }

    /// The TAP_SCHEMA `datatype`.
    pub fn tap_datatype(self) -> &'static str {
        match self {
            ColumnType::Text => "char",
            ColumnType::Long => "long",
            ColumnType::Int => "int",
            ColumnType::Double => "double",
            ColumnType::Boolean => "boolean",
        }
    }

    /// The type of an Arrow column, if it is one of these.
    pub fn from_arrow(t: &DataType) -> Option<ColumnType> {
        Some(match t {
            // A column with no values at all reads as text.
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null => {
                ColumnType::Text
            }
            DataType::Int64 | DataType::UInt32 => ColumnType::Long,
            DataType::Int32
            | DataType::Int16
            | DataType::Int8
            | DataType::UInt16
            | DataType::UInt8 => ColumnType::Int,
            DataType::Float64 | DataType::Float32 => ColumnType::Double,
            DataType::Boolean => ColumnType::Boolean,
            _ => return None,
        })
    }
}

/// One column of a published table, with the metadata a TAP service needs.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ColumnDef {
    /// The column name.
    pub name: String,
    /// The value type.
    #[serde(rename = "type")]
    pub column_type: ColumnType,
    /// The unit (VOUnit), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The UCD, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ucd: Option<String>,
    /// The utype, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utype: Option<String>,
    /// The DALI xtype, if any (`adql:REGION` for STC-S `s_region`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xtype: Option<String>,
    /// A description for people.
    #[serde(default)]
    pub description: String,
    /// Maximum length for strings (TAP_SCHEMA `arraysize`), if bounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// Shown by default (TAP_SCHEMA `principal`).
    #[serde(default)]
    pub principal: bool,
    /// Indexed or sorted on (TAP_SCHEMA `indexed`).
    #[serde(default)]
    pub indexed: bool,
    /// Defined by a standard (TAP_SCHEMA `std`).
    #[serde(default)]
    pub standard: bool,
    /// NULL is not allowed.
    #[serde(default)]
    pub not_null: bool,
    /// A text column that holds ASCII only (identifiers, URLs, STC-S): declared
    /// `char` in TAP_SCHEMA and written as VOTable `char`; other text columns
    /// are `unicodeChar`. A non-ASCII value in an ASCII column is an error when
    /// written, never silently changed.
    #[serde(default)]
    pub ascii: bool,
}

impl ColumnDef {
    /// A column with only a name and a type: principal, not indexed, not
    /// standard, nullable, no metadata.
    pub fn plain(name: impl Into<String>, column_type: ColumnType) -> ColumnDef {
        ColumnDef {
            name: name.into(),
            column_type,
            unit: None,
            ucd: None,
            utype: None,
            xtype: None,
            description: String::new(),
            max_length: None,
            principal: true,
            indexed: false,
            standard: false,
            not_null: false,
            ascii: false,
        }
    }

    /// A column for an Arrow field (types snapshots do not hold read as text),
    /// with the unit, UCD, utype, xtype and description of its metadata.
    pub fn from_arrow(field: &Field) -> ColumnDef {
        let meta = field.metadata();
        let get = |k: &str| meta.get(k).filter(|v| !v.is_empty()).cloned();
        ColumnDef {
            unit: get("unit"),
            ucd: get("ucd"),
            utype: get("utype"),
            xtype: get("xtype"),
            description: get("description").unwrap_or_default(),
            ascii: meta.get(votable::types::ASCII).is_some_and(|v| v == "true"),
            ..ColumnDef::plain(
                field.name().clone(),
                ColumnType::from_arrow(field.data_type()).unwrap_or(ColumnType::Text),
            )
        }
    }

    /// The TAP_SCHEMA / VOSI `datatype`: `unicodeChar` for text that is not
    /// declared ASCII.
    pub fn tap_datatype(&self) -> &'static str {
        match self.column_type {
            ColumnType::Text if !self.ascii => "unicodeChar",
            t => t.tap_datatype(),
        }
    }

    /// The TAP_SCHEMA / VOSI `arraysize`: `*` (or `N*`) for text, none else.
    pub fn tap_arraysize(&self) -> Option<String> {
        match (self.column_type, self.max_length) {
            (ColumnType::Text, Some(n)) => Some(format!("{n}*")),
            (ColumnType::Text, None) => Some("*".to_string()),
            _ => None,
        }
    }

    /// The Arrow field, with the metadata the VOTable writer reads.
    pub fn arrow_field(&self) -> Field {
        let mut meta = HashMap::new();
        for (key, value) in [
            ("unit", &self.unit),
            ("ucd", &self.ucd),
            ("utype", &self.utype),
            ("xtype", &self.xtype),
        ] {
            if let Some(v) = value {
                meta.insert(key.to_string(), v.clone());
            }
        }
        if !self.description.is_empty() {
            meta.insert("description".into(), self.description.clone());
        }
        if self.ascii && self.column_type == ColumnType::Text {
            meta.insert(votable::types::ASCII.into(), "true".into());
        }
        Field::new(&self.name, self.column_type.arrow(), !self.not_null).with_metadata(meta)
    }
}

/// Builds ObsCore column definitions tersely.
#[allow(clippy::too_many_arguments)]
fn col(
    name: &str,
    column_type: ColumnType,
    unit: &str,
    ucd: &str,
    utype: &str,
    description: &str,
    principal: bool,
    not_null: bool,
) -> ColumnDef {
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    ColumnDef {
        name: name.into(),
        column_type,
        unit: opt(unit),
        ucd: opt(ucd),
        utype: opt(utype).map(|u| {
            if u.starts_with("obscore:") || u.is_empty() {
                u
            } else {
                format!("obscore:{u}")
            }
        }),
        xtype: None,
        description: description.into(),
        max_length: None,
        principal,
        indexed: false,
        standard: utype.starts_with("obscore:") || !utype.is_empty(),
        not_null,
        // ObsCore's and Rubin's text values are identifiers, URLs, MIME types,
        // STC-S and vocabulary words.
        ascii: column_type == ColumnType::Text,
    }
}

/// The ObsCore 1.1 columns (mandatory ones and `dataproduct_subtype`), in
/// alphabetical order as the Rubin service lists them.
pub fn obscore_columns() -> Vec<ColumnDef> {
    use ColumnType::*;
    let mut cols = vec![
        col(
            "access_estsize",
            Long,
            "kbyte",
            "phys.size;meta.file",
            "Access.Size",
            "Estimated size of the dataset in kilobytes",
            false,
            false,
        ),
        col(
            "access_format",
            Text,
            "",
            "meta.code.mime",
            "Access.Format",
            "Content format of the dataset",
            true,
            false,
        ),
        col(
            "access_url",
            Text,
            "",
            "meta.ref.url",
            "Access.Reference",
            "URL used to access (download) the dataset: here its DataLink document",
            true,
            false,
        ),
        col(
            "calib_level",
            Int,
            "",
            "meta.code;obs.calib",
            "ObsDataset.calibLevel",
            "Calibration level {0, 1, 2, 3, 4}",
            true,
            true,
        ),
        col(
            "dataproduct_subtype",
            Text,
            "",
            "meta.code.class",
            "ObsDataset.dataProductSubtype",
            "Data product specific type",
            true,
            false,
        ),
        col(
            "dataproduct_type",
            Text,
            "",
            "meta.code.class",
            "ObsDataset.dataProductType",
            "Data product (file content) primary type",
            true,
            false,
        ),
        col(
            "em_max",
            Double,
            "m",
            "em.wl;stat.max",
            "Char.SpectralAxis.Coverage.Bounds.Limits.HiLimit",
            "Stop in spectral coordinates",
            true,
            false,
        ),
        col(
            "em_min",
            Double,
            "m",
            "em.wl;stat.min",
            "Char.SpectralAxis.Coverage.Bounds.Limits.LoLimit",
            "Start in spectral coordinates",
            true,
            false,
        ),
        col(
            "em_res_power",
            Double,
            "",
            "spect.resolution",
            "Char.SpectralAxis.Resolution.ResolPower.refVal",
            "Value of the resolving power along the spectral axis (R)",
            false,
            false,
        ),
        col(
            "em_xel",
            Long,
            "",
            "meta.number",
            "Char.SpectralAxis.numBins",
            "Number of elements along the spectral axis",
            false,
            false,
        ),
        col(
            "facility_name",
            Text,
            "",
            "meta.id;instr.tel",
            "Provenance.ObsConfig.Facility.name",
            "The name of the facility, telescope, or space craft used for the observation",
            true,
            false,
        ),
        col(
            "instrument_name",
            Text,
            "",
            "meta.id;instr",
            "Provenance.ObsConfig.Instrument.name",
            "The name of the instrument used for the observation",
            true,
            false,
        ),
        col(
            "o_ucd",
            Text,
            "",
            "meta.ucd",
            "Char.ObservableAxis.ucd",
            "UCD of observable (e.g. phot.flux.density, phot.count, etc.)",
            false,
            false,
        ),
        col(
            "obs_collection",
            Text,
            "",
            "meta.id",
            "DataID.Collection",
            "Name of the data collection",
            true,
            true,
        ),
        col(
            "obs_id",
            Text,
            "",
            "meta.id",
            "DataID.observationID",
            "Internal ID given by the ObsTAP service",
            true,
            true,
        ),
        col(
            "obs_publisher_did",
            Text,
            "",
            "meta.ref.ivoid",
            "Curation.PublisherDID",
            "ID for the Dataset given by the publisher",
            true,
            true,
        ),
        col(
            "pol_states",
            Text,
            "",
            "meta.code;phys.polarization",
            "Char.PolarizationAxis.stateList",
            "List of polarization states present in the data file",
            false,
            false,
        ),
        col(
            "pol_xel",
            Long,
            "",
            "meta.number",
            "Char.PolarizationAxis.numBins",
            "Number of polarization samples",
            false,
            false,
        ),
        col(
            "s_dec",
            Double,
            "deg",
            "pos.eq.dec",
            "Char.SpatialAxis.Coverage.Location.Coord.Position2D.Value2.C2",
            "Central Spatial Position in ICRS; Declination",
            true,
            false,
        ),
        col(
            "s_fov",
            Double,
            "deg",
            "phys.angSize;instr.fov",
            "Char.SpatialAxis.Coverage.Bounds.Extent.diameter",
            "Estimated size of the covered region as the diameter of a containing circle",
            true,
            false,
        ),
        col(
            "s_ra",
            Double,
            "deg",
            "pos.eq.ra",
            "Char.SpatialAxis.Coverage.Location.Coord.Position2D.Value2.C1",
            "Central Spatial Position in ICRS; Right ascension",
            true,
            false,
        ),
        col(
            "s_region",
            Text,
            "",
            "pos.outline;obs.field",
            "Char.SpatialAxis.Coverage.Support.Area",
            "Sky region covered by the data product (expressed in ICRS frame)",
            true,
            false,
        ),
        col(
            "s_resolution",
            Double,
            "arcsec",
            "pos.angResolution",
            "Char.SpatialAxis.Resolution.Refval.value",
            "Spatial resolution of data as FWHM of PSF",
            true,
            false,
        ),
        col(
            "s_xel1",
            Long,
            "",
            "meta.number",
            "Char.SpatialAxis.numBins1",
            "Number of elements along the first coordinate of the spatial axis",
            false,
            false,
        ),
        col(
            "s_xel2",
            Long,
            "",
            "meta.number",
            "Char.SpatialAxis.numBins2",
            "Number of elements along the second coordinate of the spatial axis",
            false,
            false,
        ),
        col(
            "t_exptime",
            Double,
            "s",
            "time.duration;obs.exposure",
            "Char.TimeAxis.Coverage.Support.Extent",
            "Total exposure time",
            true,
            false,
        ),
        col(
            "t_max",
            Double,
            "d",
            "time.end;obs.exposure",
            "Char.TimeAxis.Coverage.Bounds.Limits.StopTime",
            "Stop time in MJD",
            true,
            false,
        ),
        col(
            "t_min",
            Double,
            "d",
            "time.start;obs.exposure",
            "Char.TimeAxis.Coverage.Bounds.Limits.StartTime",
            "Start time in MJD",
            true,
            false,
        ),
        col(
            "t_resolution",
            Double,
            "s",
            "time.resolution",
            "Char.TimeAxis.Resolution.Refval.value",
            "Temporal resolution FWHM",
            false,
            false,
        ),
        col(
            "t_xel",
            Long,
            "",
            "meta.number",
            "Char.TimeAxis.numBins",
            "Number of elements along the time axis",
            false,
            false,
        ),
        col(
            "target_name",
            Text,
            "",
            "meta.id;src",
            "Target.Name",
            "Object of interest",
            true,
            false,
        ),
    ];
    for c in &mut cols {
        if c.name == "s_region" {
            c.xtype = Some("adql:REGION".into());
        }
    }
    cols
}

/// Rubin's extension columns of `ivoa.ObsCore`.
pub fn rubin_columns() -> Vec<ColumnDef> {
    use ColumnType::*;
    let mut cols = vec![
        col(
            "lsst_band",
            Text,
            "",
            "meta.id;instr.filter",
            "",
            "Abstract filter band designation",
            true,
            false,
        ),
        col(
            "lsst_detector",
            Long,
            "",
            "meta.id;instr.det",
            "",
            "Identifier for CCD within the LSSTCam focal plane",
            true,
            false,
        ),
        col(
            "lsst_filter",
            Text,
            "",
            "meta.id;instr.filter",
            "",
            "Physical filter designation from the LSSTCam filter changer",
            true,
            false,
        ),
        col(
            "lsst_patch",
            Long,
            "",
            "meta.id.part",
            "",
            "Patch index within a tract",
            true,
            false,
        ),
        col(
            "lsst_tract",
            Long,
            "",
            "meta.id",
            "",
            "Upper level of lsst.skymap hierarchy",
            true,
            false,
        ),
        col(
            "lsst_visit",
            Long,
            "",
            "meta.id;obs",
            "",
            "Identifier for a specific LSSTCam pointing",
            true,
            false,
        ),
    ];
    for c in &mut cols {
        c.standard = false;
        if c.name == "lsst_band" || c.name == "lsst_filter" {
            c.max_length = Some(10);
        }
    }
    cols
}

/// The columns of a DP0.2-like `ivoa.ObsCore`: ObsCore 1.1 plus Rubin's, sorted by name.
pub fn dp02_columns() -> Vec<ColumnDef> {
    let mut cols = obscore_columns();
    cols.extend(rubin_columns());
    cols.sort_by(|a, b| a.name.cmp(&b.name));
    cols
}

/// The Arrow schema of a list of columns.
pub fn schema_of(columns: &[ColumnDef]) -> SchemaRef {
    Arc::new(Schema::new(
        columns
            .iter()
            .map(ColumnDef::arrow_field)
            .collect::<Vec<_>>(),
    ))
}

/// The ObsCore 1.1 `dataproduct_type` vocabulary.
pub const DATAPRODUCT_TYPES: [&str; 8] = [
    "image",
    "cube",
    "spectrum",
    "sed",
    "timeseries",
    "visibility",
    "event",
    "measurements",
];

/// Columns ObsCore 1.1 makes mandatory.
pub const MANDATORY: [&str; 30] = [
    "dataproduct_type",
    "calib_level",
    "obs_collection",
    "obs_id",
    "obs_publisher_did",
    "access_url",
    "access_format",
    "access_estsize",
    "target_name",
    "s_ra",
    "s_dec",
    "s_fov",
    "s_region",
    "s_resolution",
    "s_xel1",
    "s_xel2",
    "t_min",
    "t_max",
    "t_exptime",
    "t_resolution",
    "t_xel",
    "em_min",
    "em_max",
    "em_res_power",
    "em_xel",
    "o_ucd",
    "pol_states",
    "pol_xel",
    "facility_name",
    "instrument_name",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mandatory_column_is_modelled() {
        let cols = dp02_columns();
        for m in MANDATORY {
            let c = cols
                .iter()
                .find(|c| c.name == m)
                .unwrap_or_else(|| panic!("{m}"));
            assert!(c.utype.as_deref().unwrap().starts_with("obscore:"), "{m}");
            assert!(c.ucd.is_some(), "{m}");
        }
        assert_eq!(cols.len(), 37);
        let region = cols.iter().find(|c| c.name == "s_region").unwrap();
        assert_eq!(
            region.utype.as_deref(),
            Some("obscore:Char.SpatialAxis.Coverage.Support.Area")
        );
        assert_eq!(region.xtype.as_deref(), Some("adql:REGION"));
    }
}
