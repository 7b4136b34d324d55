//! HEALPix (nested) coverings: ranges of cell indices at a chosen depth that hold
//! every point of a shape, for pruning on a sort column of cell indices.

use std::ops::Range;

use cdshealpix::nested;

use crate::region::Region;
use crate::shape::{Circle, Point};

/// The deepest HEALPix depth (order) supported.
pub const MAX_DEPTH: u8 = 29;

/// The nested HEALPix index of (ra, dec) in degrees at `depth`.
pub fn healpix_index(depth: u8, ra: f64, dec: f64) -> u64 {
    nested::hash(depth, ra.to_radians(), dec.to_radians())
}

/// The centre of nested cell `index` at `depth`, as (ra, dec) in degrees.
pub fn healpix_center(depth: u8, index: u64) -> (f64, f64) {
    let (lon, lat) = nested::center(depth, index);
    (lon.to_degrees(), lat.to_degrees())
}

/// Sorted, disjoint ranges of nested cells at `depth` that cover `region`
/// (conservatively: cells touching the boundary are included).
pub fn covering(region: &Region, depth: u8) -> Vec<Range<u64>> {
    let depth = depth.min(MAX_DEPTH);
    let all = || std::iter::once(0..12 * (1u64 << (2 * depth as u32))).collect::<Vec<_>>();
    let ranges: Vec<Range<u64>> = match region {
        Region::Point(p) => {
            let i = healpix_index(depth, p.ra(), p.dec());
            std::iter::once(i..i + 1).collect()
        }
        Region::Circle(c) => {
            if c.radius() >= 90.0 {
                return all();
            }
            let bmoc = nested::cone_coverage_approx(
                depth,
                c.center().ra().to_radians(),
                c.center().dec().to_radians(),
                // A hair wider, so that points on the boundary stay covered.
                c.radius().to_radians() * (1.0 + 1e-9) + 1e-12,
            );
            at_depth(bmoc.to_ranges().into_vec(), bmoc.get_depth_max(), depth)
        }
        Region::Polygon(_) | Region::Box(_) => {
            let polygon = match region {
                Region::Polygon(p) => p,
                Region::Box(b) => b.polygon(),
                _ => unreachable!("matched above"),
            };
            let vertices: Vec<(f64, f64)> = polygon
                .vertices()
                .iter()
                .map(|v| (v.ra().to_radians(), v.dec().to_radians()))
                .collect();
            let bmoc = nested::polygon_coverage(depth, &vertices, true);
            let ranges = at_depth(bmoc.to_ranges().into_vec(), bmoc.get_depth_max(), depth);
            // The covering library picks its own side of the boundary; keep it only
            // if it holds the polygon's centroid, else fall back to the whole sky.
            let c = polygon.centroid();
            if contains(&ranges, healpix_index(depth, c.ra(), c.dec())) {
                // Add the cells of the vertices, which sit on the boundary.
                let mut ranges = ranges;
                for v in polygon.vertices() {
                    let i = healpix_index(depth, v.ra(), v.dec());
                    ranges.push(i..i + 1);
                }
                ranges
            } else {
                return all();
            }
        }
        Region::Union(members) => members.iter().flat_map(|m| covering(m, depth)).collect(),
        Region::Intersection(members) => members
            .iter()
            .map(|m| covering(m, depth))
            .min_by_key(|r| r.iter().map(|x| x.end - x.start).sum::<u64>())
            .unwrap_or_else(all),
        Region::Not(_) => return all(),
    };
    merge(ranges)
}

/// The deepest depth a positional join keys its rows at (cells of 0.2″).
pub const JOIN_MAX_DEPTH: u8 = 20;

/// The most cells [`cone_cells`] lists for one cone: a positional join picks
/// its depth from its largest cone, so that each cone touches a few cells.
pub const MAX_CONE_CELLS: u64 = 1 << 20;

/// The HEALPix depth at which a positional join keys rows whose cones reach
/// at most `radius` degrees: cells about four radii across (a cell at depth
/// `d` is about 58.6°/2^d wide), so that a cone touches a few cells and a cell
/// holds few rows the cone cannot reach. A radius that is not a number, or
/// is 30° or more, gives depth 0 (the twelve base cells).
pub fn join_depth(radius: f64) -> u8 {
    join_depth_scaled(radius, 4.0)
}

/// As [`join_depth`], with cells about `across` radii across: smaller cells
/// (down to one radius) when testing a pair costs more than keying a row in
/// more cells (a point in a polygon, parsed per pair).
pub fn join_depth_scaled(radius: f64, across: f64) -> u8 {
    const BASE_CELL_DEGREES: f64 = 58.63;
    if radius.is_nan() || radius >= 30.0 {
        return 0;
    }
    if radius <= 0.0 {
        return JOIN_MAX_DEPTH;
    }
    let depth = (BASE_CELL_DEGREES / (across.max(1.0) * radius))
        .log2()
        .floor();
    depth.clamp(0.0, f64::from(JOIN_MAX_DEPTH)) as u8
}

/// Rows the expanded side of a positional join may grow to when
/// [`join_depth_dense`] makes its cells finer.
pub const DENSE_JOIN_MAX_ROWS: u64 = 16_000_000;

/// The cost of keying one expanded row in one more cell (its cone's cells,
/// the row copied, the hash table's entry) over that of one candidate pair
/// (the hash join's match and the exact test), measured on this project's
/// joins: ~200 ns and ~120 ns.
const CELL_TO_PAIR_COST: f64 = 1.7;

/// The depth at which a positional join keys rows when the keyed side's
/// density is known: cones of at most `radius` degrees, `expanded_rows` of
/// them, against `keyed_per_sq_deg` keyed rows a square degree. With cells
/// `s` across, a cone covers about π(r + 0.7 s)² — as s⁻² of that in cells
/// (expanded rows) and as the density times it in candidate pairs; their
/// weighted sum is least at s = ∛(1.43 · r · cost ratio / density). A dense
/// catalogue against a few targets thus gets finer cells than `depth` (the
/// rule without densities), never coarser ones, and never so fine that the
/// expanded side passes [`DENSE_JOIN_MAX_ROWS`].
pub fn join_depth_dense(radius: f64, depth: u8, keyed_per_sq_deg: f64, expanded_rows: u64) -> u8 {
    const BASE_CELL_DEGREES: f64 = 58.63;
    if !(radius > 0.0 && radius < 30.0 && keyed_per_sq_deg > 0.0 && keyed_per_sq_deg.is_finite()) {
        return depth;
    }
    let best = (1.43 * radius * CELL_TO_PAIR_COST / keyed_per_sq_deg).cbrt();
    let best_depth = (BASE_CELL_DEGREES / best)
        .log2()
        .round()
        .clamp(0.0, f64::from(JOIN_MAX_DEPTH)) as u8;
    let cells_per_cone = |d: u8| {
        let cell = BASE_CELL_DEGREES / f64::from(1u32 << d);
        let reach = radius + 0.7 * cell;
        (std::f64::consts::PI * reach * reach / (cell * cell)).max(1.0)
    };
    let mut chosen = best_depth.max(depth);
    while chosen > depth
        && expanded_rows as f64 * cells_per_cone(chosen) > DENSE_JOIN_MAX_ROWS as f64
    {
        chosen -= 1;
    }
    chosen
}

/// The nested cells at `depth` that the cone of `radius` degrees around
/// (ra, dec) touches, each once, in order: conservatively (every cell holding
/// a point of the cone is listed, and a few beside it may be). `None` when
/// the centre is not a position (NaN, |dec| > 90) or the radius is not a
/// number from 0 on; a radius of 180 or more is the whole sky. `Err` holds
/// the count when it would pass [`MAX_CONE_CELLS`].
pub fn cone_cells(depth: u8, ra: f64, dec: f64, radius: f64) -> Option<Result<Vec<u64>, u64>> {
    let depth = depth.min(MAX_DEPTH);
    let centre = Point::new(ra, dec).ok()?;
    if radius.is_nan() || radius < 0.0 {
        return None;
    }
    let ranges = if radius >= 180.0 {
        std::iter::once(0..12 * (1u64 << (2 * u32::from(depth)))).collect()
    } else {
        let circle = Circle::new(centre, radius).ok()?;
        covering(&Region::Circle(circle), depth)
    };
    let count: u64 = ranges.iter().map(|r| r.end - r.start).sum();
    if count > MAX_CONE_CELLS {
        return Some(Err(count));
    }
    Some(Ok(ranges.into_iter().flatten().collect()))
}

/// A cone that holds `region`: its centre (the centroid, for a shape that
/// has one) and how far the region reaches from it, in degrees (see
/// [`crate::reach`]; 180 when nothing smaller is known).
pub fn bounding_cone(region: &Region) -> (Point, f64) {
    let centre = region
        .centroid()
        .unwrap_or_else(|_| Point::new(0.0, 0.0).expect("a valid position"));
    let radius = crate::reach(region, &centre);
    (centre, radius)
}

/// True if `index` lies in one of the sorted, disjoint `ranges`.
pub fn contains(ranges: &[Range<u64>], index: u64) -> bool {
    let i = ranges.partition_point(|r| r.end <= index);
    i < ranges.len() && ranges[i].start <= index
}

/// Ranges at the BMOC's depth turned into ranges at `depth` (the BMOC may stop
/// shallower, or be exactly at `depth`).
fn at_depth(ranges: Vec<Range<u64>>, from: u8, depth: u8) -> Vec<Range<u64>> {
    if from == depth {
        return ranges;
    }
    if from < depth {
        let shift = 2 * u32::from(depth - from);
        return ranges
            .into_iter()
            .map(|r| (r.start << shift)..(r.end << shift))
            .collect();
    }
    let shift = 2 * u32::from(from - depth);
    ranges
        .into_iter()
        .map(|r| (r.start >> shift)..((r.end + (1 << shift) - 1) >> shift))
        .collect()
}

/// Sorts and merges overlapping or touching ranges.
fn merge(mut ranges: Vec<Range<u64>>) -> Vec<Range<u64>> {
    ranges.sort_by_key(|r| r.start);
    let mut out: Vec<Range<u64>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cone_covering_holds_its_points() {
        let c = Circle::new(Point::new(0.2, -32.0).unwrap(), 0.5).unwrap();
        let ranges = covering(&Region::Circle(c), 10);
        for (ra, dec) in [(0.2, -32.0), (359.9, -32.2), (0.2, -31.5001), (0.6, -32.1)] {
            let p = Point::new(ra, dec).unwrap();
            if c.contains_point(&p) {
                assert!(contains(&ranges, healpix_index(10, ra, dec)), "{ra} {dec}");
            }
        }
        let cells: u64 = ranges.iter().map(|r| r.end - r.start).sum();
        assert!(cells < 500, "{cells}");
    }

    #[test]
    fn join_depths_follow_the_radius() {
        assert_eq!(join_depth(1.0 / 3600.0), 15);
        assert_eq!(join_depth(0.0), JOIN_MAX_DEPTH);
        assert_eq!(join_depth(1e-9), JOIN_MAX_DEPTH);
        assert_eq!(join_depth(0.2), 6);
        assert_eq!(join_depth(45.0), 0);
        assert_eq!(join_depth(f64::NAN), 0);
        assert_eq!(join_depth(f64::INFINITY), 0);
        // Cells one radius across: two depths deeper than four radii.
        assert_eq!(join_depth_scaled(0.2, 1.0), 8);
        assert_eq!(join_depth_scaled(0.2, 4.0), join_depth(0.2));
        // 10,000 targets against 8.5 M footprints over ~750 deg², regions
        // reaching 0.166°: cells of ~0.03° (depth 11), not 0.23° (depth 8).
        assert_eq!(join_depth_dense(0.166, 8, 11_350.0, 10_000), 11);
        // 1 M × 10 M points over 100 deg² at 1″: the rule's depth 15 stands.
        assert_eq!(join_depth_dense(1.0 / 3600.0, 15, 100_000.0, 1_000_000), 15);
        // A sparse keyed side never makes cells coarser.
        assert_eq!(join_depth_dense(0.166, 8, 13.0, 8_000_000), 8);
        // Too many expanded rows at the best depth: back towards the rule's.
        assert_eq!(join_depth_dense(0.166, 8, 11_350.0, 3_000_000), 8);
        assert_eq!(join_depth_dense(0.166, 8, 11_350.0, 1_000_000), 9);
        assert_eq!(join_depth_dense(0.166, 8, 11_350.0, 200_000), 10);
        // Unknown or degenerate densities and radii keep the rule's depth.
        for (r, density) in [
            (0.0, 1e4),
            (f64::NAN, 1e4),
            (0.1, 0.0),
            (0.1, f64::INFINITY),
            (40.0, 1e4),
        ] {
            assert_eq!(join_depth_dense(r, 7, density, 10), 7);
        }
    }

    #[test]
    fn cone_cells_hold_the_cone_and_few_more() {
        // At the RA seam and at both poles: every point of the cone lies in a
        // listed cell; a cone at its join depth touches a handful.
        for (ra, dec) in [
            (0.0, 0.0),
            (359.9999, 10.0),
            (12.0, 89.9999),
            (200.0, -90.0),
        ] {
            let r = 2.0 / 3600.0;
            let depth = join_depth(r);
            let cells = cone_cells(depth, ra, dec, r).unwrap().unwrap();
            assert!(cells.windows(2).all(|w| w[0] < w[1]));
            assert!(cells.len() <= 16, "{} cells at {ra} {dec}", cells.len());
            let centre = Point::new(ra, dec).unwrap();
            for k in 0..64 {
                let angle = k as f64 * std::f64::consts::TAU / 64.0;
                let (east, north) = (r * 0.99 * angle.cos(), r * 0.99 * angle.sin());
                let p = crate::offset_point(&centre, east, north);
                assert!(p.distance(&centre) < r);
                let cell = healpix_index(depth, p.ra(), p.dec());
                assert!(cells.binary_search(&cell).is_ok(), "{p:?} outside");
            }
        }
        assert_eq!(cone_cells(0, 10.0, 10.0, 180.0).unwrap().unwrap().len(), 12);
        assert!(cone_cells(3, 10.0, 95.0, 1.0).is_none());
        assert!(cone_cells(3, 10.0, 5.0, f64::NAN).is_none());
        assert!(cone_cells(20, 10.0, 5.0, 10.0).unwrap().is_err());
    }

    #[test]
    #[allow(clippy::single_range_in_vec_init)]
    fn merging() {
        assert_eq!(merge(vec![5..7, 1..3, 3..4, 6..9]), vec![1..4, 5..9]);
        assert_eq!(at_depth(vec![1..2], 1, 2), vec![4..8]);
        assert_eq!(at_depth(vec![5..6], 2, 1), vec![1..2]);
    }
}
