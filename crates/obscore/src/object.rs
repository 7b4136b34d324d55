//! A DP0.2-like `dp02_dc2_catalogs.Object`: the columns users query, with the
//! units, UCDs and descriptions of Rubin's published schema
//! (`lsst/sdm_schemas`, `python/lsst/sdm/schemas/dp02_dc2.yaml`), about 147 M
//! rows at full scale over the same DC2 footprint as the ObsCore generator,
//! and a galaxy cluster around the seed's target in tract 4431 patch 17.
//!
//! The sky is cut into HEALPix cells of order 10 (about 3.4′) whose centres are
//! in the footprint; each holds an equal share of the rows (cells are of equal
//! area, so the density is uniform), at positions drawn as random order-29
//! cells inside it. Cells are generated in nested order and each one's rows
//! sorted on their key, so rows come out in sky order without a sort, and
//! every row is a function of (seed, cell, rank): the same seed writes the
//! same bytes, and memory stays small at any scale.
//!
//! Photometry: i magnitudes from steep number counts (galaxies 16–27.5, 92 %;
//! stars 16–26), colours by kind, cluster members on a red sequence
//! (i 17.5–23); fluxes in nJy (AB zero point 31.4) with the noise of
//! approximate 5σ coadd depths; PSF fluxes below cModel fluxes for galaxies;
//! `refExtendedness` 1 for galaxies (a few faint ones misclassified);
//! `detect_isPrimary` true for 92 %.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch};

use crate::error::Result;
use crate::generate::{tract_patch_at, uniform, GenerateOptions, SEED_POINT};
use crate::model::{ColumnDef, ColumnType};
use crate::snapshot::{Position, Snapshot, SnapshotWriter, TableMeta, ROW_GROUP_ROWS};

/// Rows of the full-scale table (about DP0.2's 147 M).
pub const OBJECT_FULL_ROWS: u64 = 147_000_000;
/// The order of the cells rows are generated in.
const CELL_ORDER: u8 = 10;
/// The bands, in column order.
pub const BANDS: [&str; 6] = ["u", "g", "r", "i", "z", "y"];
/// Approximate 5σ point-source depths of the coadds (AB), per band.
const DEPTH_5_SIGMA: [f64; 6] = [25.6, 26.8, 26.9, 26.4, 25.7, 24.9];
/// The AB zero point of fluxes in nJy.
const NJY_ZERO_POINT: f64 = 31.4;
/// The cluster's core radius and extent (degrees).
const CLUSTER_CORE: f64 = 0.006;
const CLUSTER_EXTENT: f64 = 0.03;

/// The table description of `dp02_dc2_catalogs.Object`.
pub fn object_table() -> TableMeta {
    let column = |name: &str, t: ColumnType, unit: &str, ucd: &str, description: &str| {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        ColumnDef {
            unit: opt(unit),
            ucd: opt(ucd),
            description: description.into(),
            not_null: matches!(name, "objectId" | "coord_ra" | "coord_dec"),
            ..ColumnDef::plain(name, t)
        }
    };
    let mut columns = vec![
        ColumnDef {
            indexed: true,
            ..column("objectId", ColumnType::Long, "", "meta.id;src;meta.main", "Unique id. Unique ObjectID")
        },
        ColumnDef {
            indexed: true,
            ..column("coord_ra", ColumnType::Double, "deg", "pos.eq.ra;meta.main", "Fiducial ICRS Right Ascension of centroid used for database indexing")
        },
        ColumnDef {
            indexed: true,
            ..column("coord_dec", ColumnType::Double, "deg", "pos.eq.dec;meta.main", "Fiducial ICRS Declination of centroid used for database indexing")
        },
        column("detect_isPrimary", ColumnType::Boolean, "", "", "True if source has no children and is in the inner region of a coadd patch and is in the inner region of a coadd tract and is not a sky source"),
        column("refExtendedness", ColumnType::Double, "", "", "Set to 1 for extended sources, 0 for point sources. Reference band."),
        column("tract", ColumnType::Long, "", "meta.id;obs.field", "Skymap tract ID"),
        column("patch", ColumnType::Long, "", "meta.id.part;obs.field", "Skymap patch ID"),
    ];
    for band in BANDS {
        for (suffix, description) in [
            ("cModelFlux", "Flux from the final cmodel fit."),
            (
                "cModelFluxErr",
                "Flux uncertainty from the final cmodel fit.",
            ),
            (
                "psfFlux",
                "Flux derived from linear least-squares fit of PSF model.",
            ),
            (
                "psfFluxErr",
                "Flux uncertainty derived from linear least-squares fit of PSF model.",
            ),
        ] {
            columns.push(column(
                &format!("{band}_{suffix}"),
                ColumnType::Double,
                "nJy",
                "",
                &format!("{description} Forced on {band}-band."),
            ));
        }
    }
    TableMeta {
        schema: "dp02_dc2_catalogs".into(),
        name: "Object".into(),
        description: "Properties of the astronomical objects detected and measured on the deep coadded images.".into(),
        columns,
        position: Some(Position {
            ra: "coord_ra".into(),
            dec: "coord_dec".into(),
        }),
    }
}

/// The footprint's cells, in nested order: those whose centre is in the DC2
/// box (RA 50..75, Dec -45..-27).
fn footprint_cells() -> Vec<u64> {
    // Order-5 cells that could hold a centre, then their order-10 children.
    let coarse = 5u8;
    let shift = 2 * u32::from(CELL_ORDER - coarse);
    let inside =
        |(ra, dec): (f64, f64)| (50.0..75.0).contains(&ra) && (-45.0..-27.0).contains(&dec);
    let near = |(ra, dec): (f64, f64)| (48.0..77.0).contains(&ra) && (-47.0..-25.0).contains(&dec);
    let mut cells = Vec::new();
    for parent in 0..(12u64 << (2 * u32::from(coarse))) {
        if !near(adql_geom::coverage::healpix_center(coarse, parent)) {
            continue;
        }
        for cell in parent << shift..(parent + 1) << shift {
            if inside(adql_geom::coverage::healpix_center(CELL_ORDER, cell)) {
                cells.push(cell);
            }
        }
    }
    cells
}

/// One object.
struct Object {
    key: u64,
    ra: f64,
    dec: f64,
    primary: bool,
    extended: bool,
    /// cModel and PSF fluxes and their errors, per band.
    flux: [[f64; 4]; 6],
}

/// A normal deviate from two uniform ones (Box–Muller).
fn gauss(u1: f64, u2: f64) -> f64 {
    (-2.0 * (1.0 - u1).ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A magnitude between `bright` and `faint` whose counts grow as 10^(slope m).
fn magnitude(u: f64, bright: f64, faint: f64, slope: f64) -> f64 {
    let (a, b) = (10f64.powf(slope * bright), 10f64.powf(slope * faint));
    (a + u * (b - a)).log10() / slope
}

/// The photometry of an object from its draws `h(k)`.
fn photometry(h: &dyn Fn(u64) -> f64, member: bool) -> (bool, bool, [[f64; 4]; 6]) {
    let star = !member && h(10) < 0.08;
    let i = if member {
        magnitude(h(11), 17.5, 23.0, 0.25)
    } else if star {
        magnitude(h(11), 16.0, 26.0, 0.15)
    } else {
        magnitude(h(11), 16.0, 27.5, 0.35)
    };
    // Colours u-g, g-r, r-i, i-z, z-y.
    let scatter = |k: u64, s: f64| (h(k) - 0.5) * 2.0 * s;
    let colours = if member {
        [
            1.6 + scatter(12, 0.1),
            0.95 + scatter(13, 0.05),
            0.42 + scatter(14, 0.04),
            0.22 + scatter(15, 0.03),
            0.12 + scatter(16, 0.03),
        ]
    } else if star {
        let gr = 0.3 + 1.2 * h(13);
        [
            0.8 + 1.5 * h(12),
            gr,
            0.1 + 0.5 * gr * h(14),
            0.05 + 0.3 * h(15),
            0.02 + 0.1 * h(16),
        ]
    } else {
        [
            0.3 + 1.2 * h(12),
            0.2 + 0.9 * h(13),
            0.1 + 0.4 * h(14),
            0.05 + 0.3 * h(15),
            0.2 * h(16),
        ]
    };
    let r = i + colours[2];
    let g = r + colours[1];
    let u = g + colours[0];
    let z = i - colours[3];
    let y = z - colours[4];
    let mags = [u, g, r, i, z, y];
    let extended = !star;
    // Faint objects are sometimes misclassified.
    let classified_extended = if i > 24.0 && h(17) < 0.03 {
        !extended
    } else {
        extended
    };
    let psf_share = if extended { 0.35 + 0.45 * h(18) } else { 1.0 };
    let mut flux = [[0.0; 4]; 6];
    for (b, m) in mags.iter().enumerate() {
        let truth = 10f64.powf((NJY_ZERO_POINT - m) / 2.5);
        let sigma = 10f64.powf((NJY_ZERO_POINT - DEPTH_5_SIGMA[b]) / 2.5) / 5.0;
        let cmodel_sigma = if extended { sigma * 1.3 } else { sigma };
        let k = 20 + 4 * b as u64;
        flux[b] = [
            truth + cmodel_sigma * gauss(h(k), h(k + 1)),
            cmodel_sigma,
            truth * psf_share + sigma * gauss(h(k + 2), h(k + 3)),
            sigma,
        ];
    }
    (classified_extended, h(19) < 0.92, flux)
}

/// The cluster's members, (key, member number), around the seed's target.
fn cluster(seed: u64, members: u64) -> Vec<(u64, u64)> {
    let centre = adql_geom::Point::new(SEED_POINT.0, SEED_POINT.1).expect("a position");
    let mut out: Vec<(u64, u64)> = (0..members)
        .map(|m| {
            let h = |k: u64| uniform(seed ^ 0xC1u64, m, k);
            // A cored profile: r = rc sqrt(u / (1 - u)), truncated.
            let u = h(1) * 0.95;
            let radius = (CLUSTER_CORE * (u / (1.0 - u)).sqrt()).min(CLUSTER_EXTENT);
            let angle = std::f64::consts::TAU * h(2);
            let p = adql_geom::offset_point(&centre, radius * angle.cos(), radius * angle.sin());
            let key = adql_geom::coverage::healpix_index(29, p.ra(), p.dec());
            (key, m)
        })
        .collect();
    out.sort_unstable();
    out
}

/// Generates the Object table into `target`: `options.rows` rows;
/// `progress(done, total)` as rows are written.
pub fn generate_objects(
    target: &Path,
    options: &GenerateOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Snapshot> {
    let total = options.rows;
    let seed = options.seed;
    let members = (total / 100_000).max(50).min(total / 4);
    let members = cluster(seed, members);
    let uniform_rows = total - members.len() as u64;
    let cells = footprint_cells();
    let n = cells.len() as u64;
    let mut writer = SnapshotWriter::create_with(target, object_table(), options.row_group_rows)?;
    if options.parts > 1 {
        writer.set_part_rows(SnapshotWriter::rows_per_part(total, options.parts));
    }
    let schema = writer.schema();
    let cell_shift = 2 * u32::from(29 - CELL_ORDER);
    let mut pending: Vec<Object> = Vec::with_capacity(ROW_GROUP_ROWS);
    let mut next_member = 0usize;
    let mut ids: Vec<i64> = Vec::with_capacity(ROW_GROUP_ROWS);
    let flush = |pending: &mut Vec<Object>,
                 ids: &mut Vec<i64>,
                 writer: &mut SnapshotWriter|
     -> Result<()> {
        if pending.is_empty() {
            return Ok(());
        }
        writer.write(&batch(&schema, pending, ids)?)?;
        pending.clear();
        ids.clear();
        Ok(())
    };
    for (index, &cell) in cells.iter().enumerate() {
        let i = index as u64;
        let count = (i + 1) * uniform_rows / n - i * uniform_rows / n;
        let mut objects: Vec<(u64, Option<u64>, u64)> = (0..count)
            .map(|r| {
                let offset = (uniform(seed, cell, r << 8) * (1u64 << cell_shift) as f64) as u64;
                (
                    (cell << cell_shift) + offset.min((1u64 << cell_shift) - 1),
                    None,
                    r,
                )
            })
            .collect();
        // The cluster members in this cell, and any the cells skipped (outside
        // every footprint cell; none for the seed's target).
        while next_member < members.len() && members[next_member].0 >> cell_shift <= cell {
            let (key, m) = members[next_member];
            objects.push((key, Some(m), m));
            next_member += 1;
        }
        objects.sort_unstable();
        for (rank, (key, member, r)) in objects.into_iter().enumerate() {
            let (ra, dec) = adql_geom::coverage::healpix_center(29, key);
            let h = |k: u64| match member {
                Some(m) => uniform(seed ^ 0xC1u64, m, k),
                None => uniform(seed, cell, (r << 8) | k),
            };
            let (extended, primary, flux) = photometry(&h, member.is_some());
            ids.push(1_000_000_000_000 + ((i as i64) << 20) + rank as i64);
            pending.push(Object {
                key,
                ra,
                dec,
                primary,
                extended,
                flux,
            });
            if pending.len() == ROW_GROUP_ROWS {
                flush(&mut pending, &mut ids, &mut writer)?;
                progress(writer.rows(), total);
            }
        }
    }
    flush(&mut pending, &mut ids, &mut writer)?;
    progress(writer.rows(), total);
    writer.finish()
}

/// The rows as a batch of the Object columns.
fn batch(
    schema: &arrow::datatypes::SchemaRef,
    rows: &[Object],
    ids: &[i64],
) -> Result<RecordBatch> {
    let double = |f: &dyn Fn(&Object) -> f64| -> ArrayRef {
        Arc::new(rows.iter().map(f).collect::<Float64Array>())
    };
    let tract_patch: Vec<(i64, i64)> = rows.iter().map(|o| tract_patch_at(o.ra, o.dec)).collect();
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(ids.to_vec())),
        double(&|o| o.ra),
        double(&|o| o.dec),
        Arc::new(
            rows.iter()
                .map(|o| Some(o.primary))
                .collect::<BooleanArray>(),
        ),
        double(&|o| if o.extended { 1.0 } else { 0.0 }),
        Arc::new(tract_patch.iter().map(|t| t.0).collect::<Int64Array>()),
        Arc::new(tract_patch.iter().map(|t| t.1).collect::<Int64Array>()),
    ];
    for b in 0..BANDS.len() {
        for k in 0..4 {
            columns.push(double(&|o| o.flux[b][k]));
        }
    }
    debug_assert!(rows.windows(2).all(|w| w[0].key <= w[1].key));
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_footprint_and_the_cluster() {
        let cells = footprint_cells();
        // About 380 square degrees of order-10 cells (0.00328 deg² each).
        assert!((100_000..130_000).contains(&cells.len()), "{}", cells.len());
        assert!(cells.windows(2).all(|w| w[0] < w[1]));
        let members = cluster(1, 200);
        assert_eq!(members.len(), 200);
        for (key, _) in members {
            let (ra, dec) = adql_geom::coverage::healpix_center(29, key);
            assert_eq!(tract_patch_at(ra, dec), (4431, 17));
        }
    }

    #[test]
    fn magnitudes_stay_in_their_range() {
        for u in [0.0, 0.3, 0.999_999] {
            let m = magnitude(u, 16.0, 27.5, 0.35);
            assert!((16.0..=27.5).contains(&m), "{m}");
        }
        assert!(magnitude(0.5, 16.0, 27.5, 0.35) > 26.0, "counts are steep");
    }
}
