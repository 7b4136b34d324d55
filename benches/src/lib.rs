//! Shared inputs for the criterion benchmarks in `benches/benches/`.

use std::path::PathBuf;

/// The shared folder: `$ADQL_SHARED_DIR`, or `../shared` beside the checkout.
pub fn shared_dir() -> PathBuf {
    std::env::var_os("ADQL_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"))
}

/// The seed queries of `reference/seed-queries.md` (the ```sql blocks), in order.
pub fn seed_queries() -> Vec<String> {
    let path = shared_dir().join("reference/seed-queries.md");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; set ADQL_SHARED_DIR", path.display()));
    let mut queries = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sql") => current = Some(String::new()),
            (Some(q), "```") => {
                queries.push(q.trim_end().to_string());
                current = None;
            }
            (Some(q), l) => {
                q.push_str(l);
                q.push('\n');
            }
            (None, _) => {}
        }
    }
    queries
}

#[cfg(test)]
mod tests {
    #[test]
    fn seeds_are_found() {
        let seeds = super::seed_queries();
        assert_eq!(seeds.len(), 11);
        assert!(seeds[0].starts_with("SELECT * FROM tap_schema.schemas"));
    }
}

/// ObsCore-shaped record batches (35 columns, DP0.2-like strings and numbers),
/// generated deterministically, for output benchmarks.
pub mod obscore_like {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
    use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

    const STRINGS: [&str; 14] = [
        "access_format",
        "access_url",
        "dataproduct_subtype",
        "dataproduct_type",
        "facility_name",
        "instrument_name",
        "lsst_band",
        "lsst_filter",
        "o_ucd",
        "obs_collection",
        "obs_id",
        "obs_publisher_did",
        "s_region",
        "target_name",
    ];
    const INTS: [&str; 6] = [
        "calib_level",
        "lsst_detector",
        "lsst_patch",
        "lsst_tract",
        "lsst_visit",
        "em_xel",
    ];
    const DOUBLES: [&str; 15] = [
        "em_max",
        "em_min",
        "em_res_power",
        "s_dec",
        "s_fov",
        "s_ra",
        "s_resolution",
        "s_xel1",
        "s_xel2",
        "t_exptime",
        "t_max",
        "t_min",
        "t_resolution",
        "t_xel",
        "pol_xel",
    ];

    /// The schema; string columns are declared ASCII, as the catalogue knows them.
    pub fn schema() -> SchemaRef {
        let ascii: std::collections::HashMap<String, String> =
            [("votable.ascii".to_string(), "true".to_string())].into();
        let mut fields = Vec::new();
        fields.extend(
            STRINGS
                .iter()
                .map(|n| Field::new(*n, DataType::Utf8, true).with_metadata(ascii.clone())),
        );
        fields.extend(INTS.iter().map(|n| Field::new(*n, DataType::Int64, true)));
        fields.extend(
            DOUBLES
                .iter()
                .map(|n| Field::new(*n, DataType::Float64, true)),
        );
        Arc::new(Schema::new(fields))
    }

    /// `rows` rows starting at row number `first`.
    pub fn batch(first: usize, rows: usize) -> RecordBatch {
        let schema = schema();
        let mut columns: Vec<ArrayRef> = Vec::new();
        for name in STRINGS {
            let values: Vec<String> = (first..first + rows)
                .map(|i| match name {
                    "access_format" => "application/x-votable+xml;content=datalink".to_string(),
                    "access_url" => format!("https://data.lsst.cloud/api/datalink/links?ID=butler%3A//dp02/{:08x}-534a-4102-b8a7-{:012x}", i, i * 7),
                    "dataproduct_subtype" => "lsst.calexp".to_string(),
                    "dataproduct_type" => "image".to_string(),
                    "facility_name" => "Rubin-LSST".to_string(),
                    "instrument_name" => "LSSTCam-imSim".to_string(),
                    "lsst_band" | "lsst_filter" => ["u", "g", "r", "i", "z", "y"][i % 6].to_string(),
                    "o_ucd" => "phot.count".to_string(),
                    "obs_collection" => "LSST.DP02".to_string(),
                    "s_region" => {
                        let ra = 50.0 + (i % 2500) as f64 * 0.01;
                        let dec = -45.0 + (i % 1800) as f64 * 0.01;
                        format!("POLYGON ICRS {:.6} {:.6} {:.6} {:.6} {:.6} {:.6} {:.6} {:.6}", ra, dec, ra + 0.2, dec, ra + 0.2, dec + 0.2, ra, dec + 0.2)
                    }
                    _ => format!("{name}-{i}"),
                })
                .collect();
            columns.push(Arc::new(StringArray::from(values)));
        }
        for (k, _) in INTS.iter().enumerate() {
            columns.push(Arc::new(Int64Array::from_iter_values(
                (first..first + rows).map(|i| (i * (k + 3) % 100_000) as i64),
            )));
        }
        for (k, _) in DOUBLES.iter().enumerate() {
            columns.push(Arc::new(Float64Array::from_iter_values(
                (first..first + rows).map(|i| (i as f64) * 0.001_234_567 + k as f64 * 1.5),
            )));
        }
        RecordBatch::try_new(schema, columns).expect("valid batch")
    }
}
