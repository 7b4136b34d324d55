//! HEALPix (nested) coverings: ranges of cell indices at a chosen depth that hold
//! every point of a shape, for pruning on a sort column of cell indices.

use std::ops::Range;

use cdshealpix::nested;

use crate::region::Region;

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
    use crate::shape::{Circle, Point};

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
    #[allow(clippy::single_range_in_vec_init)]
    fn merging() {
        assert_eq!(merge(vec![5..7, 1..3, 3..4, 6..9]), vec![1..4, 5..9]);
        assert_eq!(at_depth(vec![1..2], 1, 2), vec![4..8]);
        assert_eq!(at_depth(vec![5..6], 2, 1), vec![1..2]);
    }
}
