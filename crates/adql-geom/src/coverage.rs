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
