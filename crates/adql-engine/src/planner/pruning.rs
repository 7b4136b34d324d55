//! Pruning: conditions that let DataFusion skip row groups, added beside the
//! exact test (which still decides). For top-level conjuncts of WHERE only —
//! `= 0`, NOT and OR forms are left alone, so they stay exactly right:
//!
//! - `CONTAINS(POINT(ra, dec), <constant shape>) = 1` and
//!   `DISTANCE(POINT(ra, dec), POINT(<constant>)) < r`: the shape's RA/Dec bounds
//!   on the point's columns (RA wrapping through 0 becomes two ranges; near a pole
//!   only Dec), and, when the point is the snapshot's position (ObsCore's
//!   s_ra, s_dec, or a catalogue's recorded columns), the shape's
//!   HEALPix covering as ranges of the `_healpix` sort column;
//! - `CONTAINS(<constant point>, s_region) = 1`: the point inside the hidden
//!   bounds of `s_region` (`_region_ra_lo/_hi`, `_region_dec_min/_max`);
//! - `INTERSECTS(s_region, <constant shape>) = 1` (either order): the shape's
//!   RA/Dec bounds overlapping the hidden bounds of `s_region`;
//! - for both, when the snapshot records how far each region reaches from its
//!   position (`_region_reach`): the position within the largest reach of the
//!   shape, as a cone on the position — bounds and `_healpix` ranges. Parts
//!   and row groups are contiguous ranges of `_healpix`, so this is what lets
//!   a point-in-region query open one part; the bounding boxes of the regions
//!   in a part are loose where the sort curve jumps across the sky.
//!
//! The RA bounds are unwrapped (`lo` < 0 for a region across RA 0), so the
//! tests are comparisons of a column with a constant: a file's or a row group's
//! minima and maxima decide them. Snapshots with the older wrapping columns
//! (`_region_ra_min > _region_ra_max` across RA 0) get the Dec tests only there:
//! their RA test needs a comparison of two columns, which statistics cannot
//! decide.
//!
//! Each added condition is implied by the exact one, so results do not change.
//! A condition is added only when the table's row-group statistics show it
//! skips at least one row group: over a file without spatial order it would
//! skip nothing and only cost time (the exact test decides alone there).

use adql_geom::{bounds, coverage, RaRange, Region, SkyBounds};
use adql_syntax::ast::{BinaryOp, Expr as Ast, Literal, LiteralValue};
use adql_syntax::functions::Builtin;
use datafusion::common::Column;
use datafusion::logical_expr::{col, lit, Expr};

use super::relation::{Scope, TableScope};
use super::Planner;
use crate::error::Result;

/// The most `_healpix` ranges one condition gets before the covering is coarsened.
const MAX_RANGES: usize = 24;

impl Planner<'_> {
    /// Pruning conditions implied by the top-level conjuncts of `condition`.
    pub(crate) fn pruning(&self, condition: &Ast, scope: &Scope) -> Result<Vec<Expr>> {
        let mut out = Vec::new();
        // Pruning applies to single-table queries: the shapes name its columns.
        let Some(scope) = scope.single() else {
            return Ok(out);
        };
        let mut stack = vec![condition];
        while let Some(e) = stack.pop() {
            match e.unnested() {
                Ast::Binary {
                    op: BinaryOp::And,
                    left,
                    right,
                    ..
                } => {
                    stack.push(left);
                    stack.push(right);
                }
                Ast::Binary {
                    op, left, right, ..
                } => out.extend(self.prune_comparison(*op, left, right, scope)?),
                _ => {}
            }
        }
        Ok(out)
    }

    fn prune_comparison(
        &self,
        op: BinaryOp,
        left: &Ast,
        right: &Ast,
        scope: &TableScope,
    ) -> Result<Vec<Expr>> {
        // `f(...) = 1` or `1 = f(...)`.
        let call = match (op, is_one(left), is_one(right)) {
            (BinaryOp::Eq, false, true) => left,
            (BinaryOp::Eq, true, false) => right,
            (BinaryOp::Lt | BinaryOp::LtEq, false, false) => {
                return self.prune_distance(left, right, scope)
            }
            (BinaryOp::Gt | BinaryOp::GtEq, false, false) => {
                return self.prune_distance(right, left, scope)
            }
            _ => return Ok(Vec::new()),
        };
        let Ast::Function(f) = call.unnested() else {
            return Ok(Vec::new());
        };
        let (Some(builtin), [a, b]) = (f.builtin, f.args.as_slice()) else {
            return Ok(Vec::new());
        };
        match builtin {
            Builtin::Contains => {
                if let (Some((ra, dec)), Some(shape)) =
                    (point_columns(a, scope), constant_region(b))
                {
                    return Ok(self.point_in_bounds(&ra, &dec, &shape, scope));
                }
                if let (Some(Region::Point(p)), Some(kind)) =
                    (constant_region(a), region_column(b, scope))
                {
                    return Ok(self.regions_meeting(&Region::Point(p), kind, scope));
                }
                Ok(Vec::new())
            }
            Builtin::Intersects => {
                let shape = match (region_column(a, scope), region_column(b, scope)) {
                    (Some(kind), _) => constant_region(b).map(|s| (s, kind)),
                    (_, Some(kind)) => constant_region(a).map(|s| (s, kind)),
                    _ => None,
                };
                let Some((shape, kind)) = shape else {
                    return Ok(Vec::new());
                };
                Ok(self.regions_meeting(&shape, kind, scope))
            }
            _ => Ok(Vec::new()),
        }
    }

    /// `DISTANCE(POINT(ra, dec), <constant point>) < r`, either point first.
    fn prune_distance(&self, small: &Ast, large: &Ast, scope: &TableScope) -> Result<Vec<Expr>> {
        let Ast::Function(f) = small.unnested() else {
            return Ok(Vec::new());
        };
        let (Some(Builtin::Distance), [a, b]) = (f.builtin, f.args.as_slice()) else {
            return Ok(Vec::new());
        };
        let Some(radius) = number(large) else {
            return Ok(Vec::new());
        };
        let (columns, centre) = match (point_columns(a, scope), point_columns(b, scope)) {
            (Some(c), None) => (c, constant_region(b)),
            (None, Some(c)) => (c, constant_region(a)),
            _ => return Ok(Vec::new()),
        };
        let Some(Region::Point(p)) = centre else {
            return Ok(Vec::new());
        };
        let Ok(circle) = adql_geom::Circle::new(p, radius.clamp(0.0, 180.0)) else {
            return Ok(Vec::new());
        };
        Ok(self.point_in_bounds(&columns.0, &columns.1, &Region::Circle(circle), scope))
    }

    /// Conditions implied by `s_region` meeting the constant `shape`: its
    /// hidden bounds overlapping the shape's, its position within reach.
    fn regions_meeting(&self, shape: &Region, kind: RegionRa, scope: &TableScope) -> Vec<Expr> {
        let mut out: Vec<Expr> = region_overlap(&bounds(shape), kind, scope)
            .into_iter()
            .collect();
        out.extend(self.positions_within_reach(shape, scope));
        out
    }

    /// For a test of `s_region` against `shape` (CONTAINS of a point,
    /// INTERSECTS): a region meeting `shape` has its position within the
    /// table's largest `_region_reach` of it, so the position lies in the
    /// circle around `shape`'s centroid of `shape`'s own reach plus that — a
    /// positional cone, pruned like one (RA/Dec bounds, HEALPix ranges of the
    /// sort key). Nothing when the reach is unknown, infinite (a region
    /// without a position) or the circle would pass 90°.
    fn positions_within_reach(&self, shape: &Region, scope: &TableScope) -> Vec<Expr> {
        let reach_column = obscore::snapshot::HIDDEN_COLUMNS[5];
        let Some((_, largest)) = scope.stats.as_ref().and_then(|s| s.range(reach_column)) else {
            return Vec::new();
        };
        let Ok(centre) = shape.centroid() else {
            return Vec::new();
        };
        let radius = adql_geom::reach(shape, &centre) + largest;
        if !(radius.is_finite() && radius < 90.0) {
            return Vec::new();
        }
        let Ok(circle) = adql_geom::Circle::new(centre, radius) else {
            return Vec::new();
        };
        let Some((ra, dec)) = scope.meta.position_columns() else {
            return Vec::new();
        };
        self.point_in_bounds(ra, dec, &Region::Circle(circle), scope)
    }

    /// RA/Dec bounds of `shape` on the point's columns, and its HEALPix covering
    /// when the point is the table's position (the sort key's).
    fn point_in_bounds(
        &self,
        ra: &str,
        dec: &str,
        shape: &Region,
        scope: &TableScope,
    ) -> Vec<Expr> {
        let b = bounds(shape);
        let column = |name: &str| col(Column::new(Some(scope.alias.as_str()), name));
        let mut out = Vec::new();
        if skips(scope, dec, &[(b.dec_min, b.dec_max)]) {
            out.push(column(dec).between(lit(b.dec_min), lit(b.dec_max)));
        }
        if b.ra != RaRange::Full && skips(scope, ra, &b.ra.intervals()) {
            out.extend(ra_in(&b, column(ra)));
        }
        if let Some(key) = scope
            .sky_key
            .as_ref()
            .filter(|k| k.ra == ra && k.dec == dec)
        {
            if let Some(ranges) = healpix_ranges(shape, key.depth) {
                let intervals: Vec<(f64, f64)> = ranges
                    .iter()
                    .map(|&(lo, hi)| (lo as f64, (hi - 1) as f64))
                    .collect();
                if skips(scope, &key.column, &intervals) {
                    out.extend(healpix_condition(&ranges, column(&key.column)));
                }
            }
        }
        out
    }
}

fn is_one(e: &Ast) -> bool {
    matches!(e.unnested(), Ast::Literal(Literal { value: LiteralValue::Number { text, .. }, .. }) if text == "1")
}

/// A constant number: a literal, or arithmetic of literals (`1.0/60`,
/// `2./3600`, `-(0.5 + 0.1)`), as users write radii.
fn number(e: &Ast) -> Option<f64> {
    match e.unnested() {
        Ast::Binary {
            op: op @ (BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div),
            left,
            right,
            ..
        } => {
            let (a, b) = (number(left)?, number(right)?);
            let value = match op {
                BinaryOp::Add => a + b,
                BinaryOp::Sub => a - b,
                BinaryOp::Mul => a * b,
                _ => a / b,
            };
            value.is_finite().then_some(value)
        }
        Ast::Literal(Literal {
            value: LiteralValue::Number { text, .. },
            ..
        }) => text.parse().ok(),
        Ast::Unary {
            op: adql_syntax::ast::UnaryOp::Minus,
            expr,
            ..
        } => number(expr).map(|v| -v),
        _ => None,
    }
}

/// The (ra, dec) column names of `POINT([cs,] ra, dec)` over the FROM table.
fn point_columns(e: &Ast, scope: &TableScope) -> Option<(String, String)> {
    let Ast::Geometry(g) = e.unnested() else {
        return None;
    };
    if g.shape != adql_syntax::ast::Shape::Point || g.args.len() != 2 {
        return None;
    }
    let name = |a: &Ast| -> Option<String> {
        let Ast::Column(n) = a.unnested() else {
            return None;
        };
        let last = n.parts.last()?;
        scope
            .meta
            .columns
            .iter()
            .find(|c| last.matches(&c.name))
            .map(|c| c.name.clone())
    };
    Some((name(&g.args[0])?, name(&g.args[1])?))
}

/// How a snapshot records the RA bounds of `s_region`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RegionRa {
    /// `_region_ra_lo <= _region_ra_hi`, lo below 0 across RA 0.
    Unwrapped,
    /// `_region_ra_min`/`_region_ra_max`, min > max across RA 0 (older snapshots).
    Wrapping,
}

impl RegionRa {
    /// The convention of a table with these columns, if it has the hidden ones.
    pub(crate) fn of(schema: &datafusion::arrow::datatypes::Schema) -> Option<RegionRa> {
        let has = |name: &str| schema.field_with_name(name).is_ok();
        if !has(obscore::snapshot::HIDDEN_COLUMNS[3]) {
            None
        } else if has(obscore::snapshot::HIDDEN_COLUMNS[1]) {
            Some(RegionRa::Unwrapped)
        } else {
            Some(RegionRa::Wrapping)
        }
    }
}

/// `s_region` of a snapshot that has the hidden bounds columns.
fn region_column(e: &Ast, scope: &TableScope) -> Option<RegionRa> {
    let Ast::Column(n) = e.unnested() else {
        return None;
    };
    if n.parts.last()?.matches("s_region") {
        scope.hidden
    } else {
        None
    }
}

/// True if restricting `column` to `intervals` lets the reader skip a row group.
fn skips(scope: &TableScope, column: &str, intervals: &[(f64, f64)]) -> bool {
    scope
        .stats
        .as_ref()
        .is_some_and(|s| s.skips(column, intervals))
}

/// A geometry written with constants only, evaluated at plan time.
fn constant_region(e: &Ast) -> Option<Region> {
    match e.unnested() {
        Ast::Geometry(g) => {
            let values: Option<Vec<f64>> = g.args.iter().map(number).collect();
            let v = values?;
            let frame = g
                .coord_sys
                .as_ref()
                .and_then(|c| c.value.clone())
                .unwrap_or_default();
            let frame = adql_geom::Frame::parse(&frame).ok()?;
            let point = |i: usize| adql_geom::Point::in_frame(frame, v[i], v[i + 1]).ok();
            use adql_syntax::ast::Shape;
            match (g.shape, v.len()) {
                (Shape::Point, 2) => point(0).map(Region::Point),
                (Shape::Circle, 3) => adql_geom::Circle::new(point(0)?, v[2])
                    .ok()
                    .map(Region::Circle),
                (Shape::Polygon, n) if n >= 6 && n % 2 == 0 => {
                    let points: Option<Vec<_>> = (0..n / 2).map(|i| point(2 * i)).collect();
                    adql_geom::Polygon::new(points?).ok().map(Region::Polygon)
                }
                (Shape::Box, 4) if frame == adql_geom::Frame::Icrs => {
                    adql_geom::SkyBox::new(point(0)?, v[2], v[3])
                        .ok()
                        .map(Region::Box)
                }
                _ => None,
            }
        }
        Ast::Function(f) if f.builtin == Some(Builtin::Region) => match f.args.as_slice() {
            [Ast::Literal(Literal {
                value: LiteralValue::String(s),
                ..
            })] => adql_geom::parse_region(s).ok(),
            _ => None,
        },
        _ => None,
    }
}

/// `ra` inside the RA range (one or two intervals), or nothing when all RA.
fn ra_in(b: &SkyBounds, ra: Expr) -> Option<Expr> {
    if b.ra == RaRange::Full {
        return None;
    }
    b.ra.intervals()
        .into_iter()
        .map(|(lo, hi)| ra.clone().between(lit(lo), lit(hi)))
        .reduce(Expr::or)
}

/// The shape's HEALPix covering as half-open ranges of the values of a key
/// at `depth_key`, at the deepest depth (≤ 12) that needs at most
/// [`MAX_RANGES`] ranges.
fn healpix_ranges(shape: &Region, depth_key: u8) -> Option<Vec<(i64, i64)>> {
    let (depth, ranges) = (4..=12u8)
        .rev()
        .map(|d| (d, coverage::covering(shape, d)))
        .find(|(_, r)| r.len() <= MAX_RANGES)?;
    if depth_key < depth {
        return None;
    }
    let shift = 2 * u32::from(depth_key - depth);
    Some(
        ranges
            .into_iter()
            .map(|r| ((r.start << shift) as i64, (r.end << shift) as i64))
            .collect(),
    )
}

/// `column` inside one of the half-open `ranges`.
fn healpix_condition(ranges: &[(i64, i64)], column: Expr) -> Option<Expr> {
    ranges
        .iter()
        .map(|&(lo, hi)| {
            column
                .clone()
                .gt_eq(lit(lo))
                .and(column.clone().lt(lit(hi)))
        })
        .reduce(Expr::or)
}

/// Regions whose hidden bounds overlap `b` (a shape's bounds; a point's are
/// the point), if that lets the reader skip a row group. Every test is of a
/// column against a constant; with unwrapped RA bounds `[lo, hi]` a region
/// covers `[lo, hi]` and, when lo < 0, `[lo + 360, hi + 360]`, so it overlaps
/// the RA interval `[a, z]` (in [0, 360]) when `lo <= z AND hi >= a`, or
/// `lo <= z - 360 AND hi >= a - 360`.
fn region_overlap(b: &SkyBounds, kind: RegionRa, scope: &TableScope) -> Option<Expr> {
    let c = |name: &str| col(Column::new(Some(scope.alias.as_str()), name));
    let [_, ra_lo, ra_hi, dec_min, dec_max, _] = obscore::snapshot::HIDDEN_COLUMNS;
    let mut useful = skips(scope, dec_max, &[(b.dec_min, f64::INFINITY)])
        || skips(scope, dec_min, &[(f64::NEG_INFINITY, b.dec_max)]);
    let mut condition = c(dec_max)
        .gt_eq(lit(b.dec_min))
        .and(c(dec_min).lt_eq(lit(b.dec_max)));
    if kind == RegionRa::Unwrapped && b.ra != RaRange::Full {
        let intervals = b.ra.intervals();
        // Implied by the overlap: lo <= the largest z, hi >= the smallest a - 360.
        let east = intervals.iter().map(|i| i.1).fold(f64::MIN, f64::max);
        let west = intervals.iter().map(|i| i.0).fold(f64::MAX, f64::min);
        useful = useful
            || skips(scope, ra_lo, &[(f64::NEG_INFINITY, east)])
            || skips(scope, ra_hi, &[(west - 360.0, f64::INFINITY)]);
        let overlap = intervals
            .iter()
            .flat_map(|&(a, z)| [(a, z), (a - 360.0, z - 360.0)])
            .map(|(a, z)| c(ra_lo).lt_eq(lit(z)).and(c(ra_hi).gt_eq(lit(a))))
            .reduce(Expr::or);
        condition = condition.and(overlap.expect("one interval or more"));
    }
    useful.then_some(condition)
}
