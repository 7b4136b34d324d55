//! The DP0.2-like generator: deterministic, statistically the Rubin DP0.2
//! `ivoa.ObsCore` table (`../shared/reference/dp02-obscore.md`).
//!
//! Composition per subtype and calibration level (8,475,974 rows at full scale,
//! scaled for `--rows`), visits with 189 detector regions around each pointing in
//! the DC2 footprint (RA ≈ 50..75, Dec ≈ −45..−27), coadds per (tract, patch,
//! band) with tract 4431 patch 17 where the real one is, six bands with their
//! wavelength limits, identifiers, DataLink URLs, times and sizes.
//!
//! Every row is a pure function of (seed, row number), so the generator streams:
//! pass 1 computes each row's HEALPix key (16 bytes a row), sorts them, and pass 2
//! builds and writes the rows in sky order, 65,536 at a time.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray};

use adql_geom::{offset_point, Point};

use crate::error::Result;
use crate::model::dp02_columns;
use crate::snapshot::{healpix_key, Snapshot, SnapshotWriter, TableMeta, ROW_GROUP_ROWS};

/// Rows of the real table.
pub const FULL_ROWS: u64 = 8_475_974;
/// The real composition: subtype, rows, calibration level.
pub const COMPOSITION: [(&str, u64, i32); 5] = [
    ("lsst.raw", 2_870_807, 1),
    ("lsst.calexp", 2_805_017, 2),
    ("lsst.goodSeeingDiff_differenceExp", 2_707_834, 3),
    ("lsst.deepCoadd_calexp", 46_158, 3),
    ("lsst.goodSeeingCoadd", 46_158, 3),
];
/// Bands with their wavelength limits in metres.
pub const BANDS: [(&str, f64, f64); 6] = [
    ("u", 3.30e-7, 4.00e-7),
    ("g", 4.02e-7, 5.52e-7),
    ("r", 5.52e-7, 6.91e-7),
    ("i", 6.91e-7, 8.18e-7),
    ("z", 8.18e-7, 9.22e-7),
    ("y", 9.70e-7, 1.06e-6),
];
/// Detectors in the LSSTCam focal plane.
pub const DETECTORS: u64 = 189;
const PATCHES_PER_TRACT: u64 = 49;
const FULL_PATCHES: u64 = 7_693;
/// Patch side in degrees (0.33° bounding circles, as on the real service).
const PATCH_SIDE: f64 = 0.233_334;
/// Detector pitch and half side in degrees.
const DETECTOR_PITCH: f64 = 0.2275;
const DETECTOR_HALF: f64 = 0.1125;
/// The centre of tract 4431 patch 17 on the real service.
const PATCH_4431_17: (f64, f64) = (55.652, -32.2056);
/// The access URL's dataset of tract 4431, patch 17, band i (deepCoadd_calexp) on the real service.
const REAL_UUID_4431_17_I: &str = "20d28216-534a-4102-b8a7-1c7f32a9b78c";
/// The DataLink service the access URLs point to.
pub const DATALINK_BASE: &str = "https://data.lsst.cloud/api/datalink/links";

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateOptions {
    /// Number of rows (the real table's by default).
    pub rows: u64,
    /// Seed of every random choice.
    pub seed: u64,
    /// Rows per Parquet row group.
    pub row_group_rows: usize,
    /// Parquet files (parts), each a contiguous range of the sky sort key.
    pub parts: u64,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            rows: FULL_ROWS,
            seed: 1,
            row_group_rows: ROW_GROUP_ROWS,
            parts: 1,
        }
    }
}

impl GenerateOptions {
    /// `rows` rows with `seed`, default row groups.
    pub fn new(rows: u64, seed: u64) -> GenerateOptions {
        GenerateOptions {
            rows,
            seed,
            ..GenerateOptions::default()
        }
    }
}

/// The table description of `ivoa.ObsCore`.
pub fn obscore_table() -> TableMeta {
    TableMeta {
        schema: "ivoa".into(),
        name: "ObsCore".into(),
        description: "Observation metadata in the ObsTAP relational realization of the IVOA ObsCore data model".into(),
        columns: dp02_columns(),
        position: Some(crate::snapshot::Position {
            ra: "s_ra".into(),
            dec: "s_dec".into(),
        }),
    }
}

/// How many rows of each kind a table of `rows` rows has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Rows per subtype, in [`COMPOSITION`] order.
    pub counts: [u64; 5],
    /// Coadd patches (each gives six rows of each coadd subtype).
    pub patches: u64,
    /// Visits.
    pub visits: u64,
    seed: u64,
}

impl Plan {
    /// The composition scaled to `rows` (coadds come in whole patches of six bands).
    pub fn new(options: &GenerateOptions) -> Plan {
        let scale = options.rows as f64 / FULL_ROWS as f64;
        let patches = ((FULL_PATCHES as f64 * scale).round() as u64)
            .clamp(1, FULL_PATCHES * 4)
            .min(options.rows / 12);
        let coadd = patches * 6;
        let visit_rows = options.rows - 2 * coadd;
        let visit_full: u64 = COMPOSITION[..3].iter().map(|c| c.1).sum();
        let raw = (visit_rows as f64 * COMPOSITION[0].1 as f64 / visit_full as f64).round() as u64;
        let calexp =
            (visit_rows as f64 * COMPOSITION[1].1 as f64 / visit_full as f64).round() as u64;
        let diff = visit_rows - raw - calexp;
        Plan {
            counts: [raw, calexp, diff, coadd, coadd],
            patches,
            visits: raw.div_ceil(DETECTORS).max(1),
            seed: options.seed,
        }
    }

    /// Total rows.
    pub fn rows(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The kind of row `index` and its number within that kind.
    fn locate(&self, index: u64) -> (usize, u64) {
        let mut start = 0;
        for (kind, &count) in self.counts.iter().enumerate() {
            if index < start + count {
                return (kind, index - start);
            }
            start += count;
        }
        (4, index - start)
    }
}

/// A 64-bit mix of the seed and some numbers (splitmix64 finaliser).
fn mix(seed: u64, a: u64, b: u64) -> u64 {
    let mut z =
        seed ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform number in [0, 1) from a hash.
fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// A visit's pointing, band, time and rotation.
struct Visit {
    id: i64,
    ra: f64,
    dec: f64,
    band: usize,
    mjd: f64,
    rotation: f64,
}

/// The first visits point at the seed's target (tract 4431 patch 17), in
/// bands i, i, g and r, so that its coadds have visit images (`#progenitor`)
/// at every scale, the demo's too; the full table has hundreds there anyway.
const SEED_VISITS: [usize; 4] = [3, 3, 1, 2];

fn visit(seed: u64, v: u64) -> Visit {
    let h = |k: u64| unit(mix(seed, v, k));
    // Uniform on the sphere inside the DC2 footprint box.
    let (z0, z1) = ((-45.0f64).to_radians().sin(), (-27.0f64).to_radians().sin());
    let mut dec = (z0 + (z1 - z0) * h(1)).asin().to_degrees();
    let mut ra = 50.0 + 25.0 * h(2);
    // u is observed less often than the other bands, as in the survey.
    let mut band = match h(3) {
        x if x < 0.07 => 0,
        x => 1 + ((x - 0.07) / 0.93 * 5.0) as usize % 5,
    };
    if let Some(&seed_band) = SEED_VISITS.get(v as usize) {
        // Dithered by up to 0.3° around the target.
        let p = offset_point(
            &Point::new(SEED_POINT.0, SEED_POINT.1).expect("a position"),
            0.6 * (h(1) - 0.5),
            0.6 * (h(2) - 0.5),
        );
        (ra, dec, band) = (p.ra(), p.dec(), seed_band);
    }
    Visit {
        id: 159_000 + (v as i64) * 7 + (mix(seed, v, 4) % 7) as i64,
        ra,
        dec,
        band,
        mjd: 59_580.0 + 1_800.0 * h(5),
        rotation: 360.0 * h(6),
    }
}

/// A detector's offset from the boresight (degrees east, north) before rotation:
/// 21 rafts (5×5 without corners) of 3×3 sensors.
fn detector_offset(detector: u64) -> (f64, f64) {
    let rafts: Vec<(u64, u64)> = (0..5u64)
        .flat_map(|y| (0..5u64).map(move |x| (x, y)))
        .filter(|&(x, y)| !((x == 0 || x == 4) && (y == 0 || y == 4)))
        .collect();
    let (rx, ry) = rafts[(detector / 9) as usize];
    let (sx, sy) = (detector % 9 % 3, detector % 9 / 3);
    let (col, row) = ((rx * 3 + sx) as f64 - 7.0, (ry * 3 + sy) as f64 - 7.0);
    (col * DETECTOR_PITCH, row * DETECTOR_PITCH)
}

/// A tract's centre and id: tracts in rings of Dec around tract 4431, the
/// nearest first, so that any scale keeps tract 4431.
fn tract(rank: u64) -> (i64, f64, f64) {
    let side = PATCH_SIDE * 7.0;
    let centre_dec = PATCH_4431_17.1 + PATCH_SIDE;
    // The 7,693 patches need 157 tracts; enumerate grid cells by distance.
    let mut cells: Vec<(i64, i64)> = (-12..=12i64)
        .flat_map(|j| (-12..=12i64).map(move |i| (i, j)))
        .collect();
    cells.sort_by(|a, b| {
        let d = |c: &(i64, i64)| (c.0 * c.0 * 4 + c.1 * c.1 * 9, c.1, c.0);
        d(a).cmp(&d(b))
    });
    let (i, j) = cells[rank as usize % cells.len()];
    let dec = centre_dec + j as f64 * side;
    let ra = PATCH_4431_17.0 + i as f64 * side / dec.to_radians().cos();
    (4431 + i - 37 * j, ra, dec)
}

/// Everything in one row.
struct Row {
    kind: usize,
    band: usize,
    region: Vec<(f64, f64)>,
    centre: (f64, f64),
    fov: f64,
    visit: Option<(i64, u64, f64)>,
    tract_patch: Option<(i64, i64)>,
    uuid: String,
}

fn uuid(seed: u64, index: u64) -> String {
    let a = mix(seed, index, 101);
    let b = mix(seed, index, 202);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48) & 0x3fff,
        b & 0xffff_ffff_ffff
    )
}

impl Plan {
    /// The position of row `index` (the centre of its region), without the rest.
    fn position(&self, index: u64) -> (f64, f64) {
        let (kind, k) = self.locate(index);
        if kind < 3 {
            let v = visit(self.seed, k / DETECTORS);
            let (x, y) = detector_offset(k % DETECTORS);
            let (s, c) = v.rotation.to_radians().sin_cos();
            let p = offset_point(
                &Point::new(v.ra, v.dec).expect("footprint"),
                x * c - y * s,
                x * s + y * c,
            );
            (p.ra(), p.dec())
        } else {
            let patch = k / 6;
            let (_, ra, dec) = patch_centre(patch);
            (ra, dec)
        }
    }

    fn row(&self, index: u64) -> Row {
        let (kind, k) = self.locate(index);
        if kind < 3 {
            let v = visit(self.seed, k / DETECTORS);
            let detector = k % DETECTORS;
            let (x, y) = detector_offset(detector);
            let (s, c) = v.rotation.to_radians().sin_cos();
            let boresight = Point::new(v.ra, v.dec).expect("footprint");
            let rotate = |dx: f64, dy: f64| {
                let (ex, ny) = (x + dx, y + dy);
                let p = offset_point(&boresight, ex * c - ny * s, ex * s + ny * c);
                (p.ra(), p.dec())
            };
            let h = DETECTOR_HALF;
            let region = vec![rotate(-h, -h), rotate(h, -h), rotate(h, h), rotate(-h, h)];
            let centre = rotate(0.0, 0.0);
            let fov = 2.0
                * region
                    .iter()
                    .map(|&(r, d)| adql_geom::distance(centre.0, centre.1, r, d))
                    .fold(0.0, f64::max);
            Row {
                kind,
                band: v.band,
                region,
                centre,
                fov,
                visit: Some((v.id, detector, v.mjd)),
                tract_patch: None,
                uuid: uuid(self.seed, index),
            }
        } else {
            let patch = k / 6;
            let band = (k % 6) as usize;
            let (tp, ra, dec) = patch_centre(patch);
            let half = PATCH_SIDE / 2.0;
            let corner = |sx: f64, sy: f64| {
                let d = dec + sy * half;
                (ra + sx * half / d.to_radians().cos(), d)
            };
            let region = vec![
                corner(-1.0, -1.0),
                corner(1.0, -1.0),
                corner(1.0, 1.0),
                corner(-1.0, 1.0),
            ];
            let fov = 2.0
                * region
                    .iter()
                    .map(|&(r, d)| adql_geom::distance(ra, dec, r, d))
                    .fold(0.0, f64::max);
            let uuid = if tp == (4431, 17) && band == 3 && kind == 3 {
                REAL_UUID_4431_17_I.to_string()
            } else {
                uuid(self.seed, index)
            };
            Row {
                kind,
                band,
                region,
                centre: (ra, dec),
                fov,
                visit: None,
                tract_patch: Some(tp),
                uuid,
            }
        }
    }
}

/// ((tract, patch), ra, dec) of coadd patch number `patch`.
fn patch_centre(patch: u64) -> ((i64, i64), f64, f64) {
    let (tract_id, ra_t, dec_t) = tract(patch / PATCHES_PER_TRACT);
    let p = patch % PATCHES_PER_TRACT;
    let (px, py) = ((p % 7) as f64 - 3.0, (p / 7) as f64 - 3.0);
    let dec = dec_t + py * PATCH_SIDE;
    let ra = ra_t + px * PATCH_SIDE / dec.to_radians().cos();
    ((tract_id, p as i64), ra, dec)
}

/// The (tract, patch) of the generator's skymap a position lies in: the
/// inverse of the tract grid and of [`patch_centre`] (patches 7 × 7 in a
/// tract), for any position, not only the generated tracts'.
pub fn tract_patch_at(ra: f64, dec: f64) -> (i64, i64) {
    let side = PATCH_SIDE * 7.0;
    let centre_dec = PATCH_4431_17.1 + PATCH_SIDE;
    let j = ((dec - centre_dec) / side).round();
    let dec_t = centre_dec + j * side;
    let delta_ra = (ra - PATCH_4431_17.0 + 540.0).rem_euclid(360.0) - 180.0;
    let i = (delta_ra * dec_t.to_radians().cos() / side).round();
    let ra_t = PATCH_4431_17.0 + i * side / dec_t.to_radians().cos();
    let py = ((dec - dec_t) / PATCH_SIDE).round().clamp(-3.0, 3.0);
    let dec_p = dec_t + py * PATCH_SIDE;
    let offset = (ra - ra_t + 540.0).rem_euclid(360.0) - 180.0;
    let px = (offset * dec_p.to_radians().cos() / PATCH_SIDE)
        .round()
        .clamp(-3.0, 3.0);
    let patch = (py as i64 + 3) * 7 + (px as i64 + 3);
    (4431 + i as i64 - 37 * j as i64, patch)
}

/// The seed's target: the point of its coadd query, in tract 4431 patch 17.
pub const SEED_POINT: (f64, f64) = (55.746_737_604_813_04, -32.286_155_241_413_624);

/// A uniform number in [0, 1) from the seed and two numbers.
pub(crate) fn uniform(seed: u64, a: u64, b: u64) -> f64 {
    unit(mix(seed, a, b))
}

/// Builds the rows `indices` as a batch of the ObsCore columns.
fn batch(
    plan: &Plan,
    indices: &[u32],
    schema: &arrow::datatypes::SchemaRef,
) -> Result<RecordBatch> {
    let rows: Vec<Row> = indices.iter().map(|&i| plan.row(u64::from(i))).collect();
    let text = |f: &dyn Fn(&Row) -> Option<String>| -> ArrayRef {
        Arc::new(rows.iter().map(f).collect::<StringArray>())
    };
    let long = |f: &dyn Fn(&Row) -> Option<i64>| -> ArrayRef {
        Arc::new(rows.iter().map(f).collect::<Int64Array>())
    };
    let double = |f: &dyn Fn(&Row) -> Option<f64>| -> ArrayRef {
        Arc::new(rows.iter().map(f).collect::<Float64Array>())
    };
    let is_coadd = |r: &Row| r.kind >= 3;
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(37);
    for name in schema.fields().iter().map(|f| f.name().as_str()) {
        let column = match name {
            "access_estsize" => {
                long(&|r| Some([32_768, 104_858, 104_858, 209_715, 209_715][r.kind]))
            }
            "access_format" => text(&|_| Some("application/x-votable+xml;content=datalink".into())),
            "access_url" => {
                text(&|r| Some(format!("{DATALINK_BASE}?ID=butler%3A//dp02/{}", r.uuid)))
            }
            "calib_level" => Arc::new(
                rows.iter()
                    .map(|r| Some(COMPOSITION[r.kind].2))
                    .collect::<Int32Array>(),
            ),
            "dataproduct_subtype" => text(&|r| Some(COMPOSITION[r.kind].0.into())),
            "dataproduct_type" => text(&|_| Some("image".into())),
            "em_max" => double(&|r| Some(BANDS[r.band].2)),
            "em_min" => double(&|r| Some(BANDS[r.band].1)),
            "em_res_power" => double(&|r| {
                let (_, lo, hi) = BANDS[r.band];
                Some((lo + hi) / 2.0 / (hi - lo))
            }),
            "em_xel" => long(&|_| Some(1)),
            "facility_name" => text(&|_| Some("Rubin-LSST".into())),
            "instrument_name" => text(&|_| Some("LSSTCam-imSim".into())),
            "lsst_band" => text(&|r| Some(BANDS[r.band].0.into())),
            "lsst_detector" => long(&|r| r.visit.map(|v| v.1 as i64)),
            "lsst_filter" => text(&|r| Some(format!("{}_sim_1.4", BANDS[r.band].0))),
            "lsst_patch" => long(&|r| r.tract_patch.map(|t| t.1)),
            "lsst_tract" => long(&|r| r.tract_patch.map(|t| t.0)),
            "lsst_visit" => long(&|r| r.visit.map(|v| v.0)),
            "o_ucd" => text(&|_| Some("phot.count".into())),
            "obs_collection" => text(&|_| Some("LSST.DP02".into())),
            "obs_id" => text(&|r| {
                Some(match (r.tract_patch, r.visit) {
                    (Some((t, p)), _) => format!("DC2-{t}-{p}"),
                    (None, Some((v, d, _))) => format!("{v}-{d:03}"),
                    _ => unreachable!("every row is a coadd or from a visit"),
                })
            }),
            "obs_publisher_did" => text(&|r| {
                Some(format!(
                    "ivo://org.rubinobs/usdac/dp02?repo=dp02&id={}",
                    r.uuid
                ))
            }),
            "pol_states" | "target_name" => text(&|_| None),
            "pol_xel" => long(&|_| None),
            "s_dec" => double(&|r| Some(r.centre.1)),
            "s_fov" => double(&|r| Some(r.fov)),
            "s_ra" => double(&|r| Some(r.centre.0)),
            "s_region" => text(&|r| {
                let mut s = String::with_capacity(110);
                s.push_str("POLYGON ICRS");
                for (ra, dec) in &r.region {
                    use std::fmt::Write;
                    let _ = write!(s, " {ra:.6} {dec:.6}");
                }
                Some(s)
            }),
            "s_resolution" => double(&|r| {
                Some(if is_coadd(r) {
                    0.65
                } else {
                    0.7 + 0.3 * unit(mix(plan.seed, r.visit.map_or(0, |v| v.0 as u64), 9))
                })
            }),
            "s_xel1" => long(&|r| Some(if is_coadd(r) { 4_200 } else { 4_072 })),
            "s_xel2" => long(&|r| Some(if is_coadd(r) { 4_200 } else { 4_000 })),
            "t_exptime" => double(&|r| r.visit.map(|_| 30.0)),
            "t_max" => double(&|r| r.visit.map(|v| v.2 + 30.0 / 86_400.0)),
            "t_min" => double(&|r| r.visit.map(|v| v.2)),
            "t_resolution" => double(&|r| r.visit.map(|_| 30.0)),
            "t_xel" => long(&|_| Some(1)),
            other => unreachable!("column {other} is not generated"),
        };
        columns.push(column);
    }
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

/// Generates a snapshot into `target`; `progress(done, total)` is called as rows
/// are written.
pub fn generate(
    target: &Path,
    options: &GenerateOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Snapshot> {
    let plan = Plan::new(options);
    let total = plan.rows();
    // Pass 1: sort keys.
    let mut keys: Vec<(i64, u32)> = (0..total)
        .map(|i| {
            let (ra, dec) = plan.position(i);
            (healpix_key(ra, dec), i as u32)
        })
        .collect();
    keys.sort_unstable();
    // Pass 2: rows in sky order.
    let mut writer = SnapshotWriter::create_with(target, obscore_table(), options.row_group_rows)?;
    if options.parts > 1 {
        writer.set_part_rows(SnapshotWriter::rows_per_part(total, options.parts));
    }
    let schema = writer.schema();
    let mut indices = Vec::with_capacity(ROW_GROUP_ROWS);
    for chunk in keys.chunks(ROW_GROUP_ROWS) {
        indices.clear();
        indices.extend(chunk.iter().map(|k| k.1));
        writer.write(&batch(&plan, &indices, &schema)?)?;
        progress(writer.rows(), total);
    }
    drop(keys);
    writer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_scale_plan_is_the_real_composition() {
        let plan = Plan::new(&GenerateOptions::default());
        assert_eq!(
            plan.counts,
            [2_870_807, 2_805_017, 2_707_834, 46_158, 46_158]
        );
        assert_eq!(plan.patches, 7_693);
        assert_eq!(plan.rows(), FULL_ROWS);
        assert_eq!(plan.visits, 15_190);
    }

    #[test]
    fn tract_4431_patch_17_is_where_the_real_one_is() {
        let (tract_patch, ra, dec) = patch_centre(17);
        assert_eq!(tract_patch, (4431, 17));
        assert!((ra - 55.652).abs() < 1e-9 && (dec + 32.2056).abs() < 1e-9);
        let mut ids: Vec<i64> = (0..157).map(|r| tract(r).0).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 157, "tract ids are unique");
    }

    #[test]
    fn every_patch_centre_is_in_its_own_patch() {
        for patch in [0, 17, 100, 1_000, 7_692] {
            let (tract_patch, ra, dec) = patch_centre(patch);
            assert_eq!(tract_patch_at(ra, dec), tract_patch, "patch {patch}");
        }
        assert_eq!(tract_patch_at(SEED_POINT.0, SEED_POINT.1), (4431, 17));
    }

    #[test]
    fn uuids_look_like_uuids() {
        let u = uuid(1, 42);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }
}
