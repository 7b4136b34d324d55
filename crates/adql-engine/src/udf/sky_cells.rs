//! The UDFs a positional join keys its rows with (see the planner's
//! `spatial_join`): the HEALPix cell of a position or of a region's centre,
//! the cells a cone or a region (widened) touches, how far a region reaches,
//! and the depth to key at. The kernels are `adql_geom::coverage`'s.

use std::sync::Arc;

use adql_geom::coverage;
use arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, Int64Array, Int64Builder, ListBuilder, StringArray,
};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Float64Type};
use datafusion::common::{exec_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

/// Which keying function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SkyCellFunction {
    /// `adql_sky_cell(depth, ra, dec)`: the nested cell holding a position.
    Cell,
    /// `adql_sky_cells(depth, ra, dec, radius)`: the cells a cone touches.
    ConeCells,
    /// `adql_region_cell(depth, region)`: the cell holding the centre of the
    /// region's bounding cone.
    RegionCell,
    /// `adql_region_cells(depth, region, widen)`: the cells the region's
    /// bounding cone, widened by `widen` degrees, touches.
    RegionCells,
    /// `adql_region_reach(region)`: the radius of the region's bounding cone.
    RegionReach,
    /// `adql_join_depth(radius)`: the depth to key cones of at most `radius`.
    JoinDepth,
}

impl SkyCellFunction {
    /// Every keying function.
    pub const ALL: [SkyCellFunction; 6] = [
        SkyCellFunction::Cell,
        SkyCellFunction::ConeCells,
        SkyCellFunction::RegionCell,
        SkyCellFunction::RegionCells,
        SkyCellFunction::RegionReach,
        SkyCellFunction::JoinDepth,
    ];

    /// Its name in plans.
    pub fn name(self) -> &'static str {
        match self {
            SkyCellFunction::Cell => "adql_sky_cell",
            SkyCellFunction::ConeCells => "adql_sky_cells",
            SkyCellFunction::RegionCell => "adql_region_cell",
            SkyCellFunction::RegionCells => "adql_region_cells",
            SkyCellFunction::RegionReach => "adql_region_reach",
            SkyCellFunction::JoinDepth => "adql_join_depth",
        }
    }

    fn return_type(self) -> DataType {
        match self {
            SkyCellFunction::Cell | SkyCellFunction::RegionCell | SkyCellFunction::JoinDepth => {
                DataType::Int64
            }
            SkyCellFunction::ConeCells | SkyCellFunction::RegionCells => {
                DataType::List(Arc::new(Field::new_list_field(DataType::Int64, true)))
            }
            SkyCellFunction::RegionReach => DataType::Float64,
        }
    }

    /// The UDF.
    pub fn udf(self) -> Arc<ScalarUDF> {
        Arc::new(ScalarUDF::new_from_impl(SkyCellUdf {
            function: self,
            signature: Signature::variadic_any(Volatility::Immutable),
        }))
    }
}

/// A keying function as a DataFusion UDF.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct SkyCellUdf {
    function: SkyCellFunction,
    signature: Signature,
}

fn numbers(value: &ColumnarValue, rows: usize) -> Result<Float64Array> {
    let array = value.to_array(rows)?;
    Ok(cast(&array, &DataType::Float64)?
        .as_primitive::<Float64Type>()
        .clone())
}

fn texts(value: &ColumnarValue, rows: usize) -> Result<StringArray> {
    let array = value.to_array(rows)?;
    Ok(cast(&array, &DataType::Utf8)?.as_string::<i32>().clone())
}

fn number(a: &Float64Array, row: usize) -> Option<f64> {
    a.is_valid(row).then(|| a.value(row))
}

/// A depth argument: an integer from 0 to the deepest depth.
fn depth(a: &Float64Array, row: usize) -> Result<Option<u8>> {
    match number(a, row) {
        None => Ok(None),
        Some(d) if (0.0..=f64::from(coverage::MAX_DEPTH)).contains(&d) && d.fract() == 0.0 => {
            Ok(Some(d as u8))
        }
        Some(d) => exec_err!("not a HEALPix depth: {d}"),
    }
}

/// The bounding cone of an STC-S region, NULL in, NULL out.
fn cone(a: &StringArray, row: usize) -> Result<Option<(adql_geom::Point, f64)>> {
    if a.is_null(row) {
        return Ok(None);
    }
    match adql_geom::parse_region(a.value(row)) {
        Ok(region) => Ok(Some(coverage::bounding_cone(&region))),
        Err(e) => exec_err!("not a geometry: {e}"),
    }
}

fn cell(depth: u8, ra: f64, dec: f64) -> Option<i64> {
    adql_geom::Point::new(ra, dec)
        .ok()
        .map(|p| coverage::healpix_index(depth, p.ra(), p.dec()) as i64)
}

fn push_cells(
    out: &mut ListBuilder<Int64Builder>,
    depth: u8,
    ra: f64,
    dec: f64,
    radius: f64,
) -> Result<()> {
    match coverage::cone_cells(depth, ra, dec, radius) {
        None => out.append_null(),
        Some(Ok(cells)) => {
            out.values().extend(cells.into_iter().map(|c| Some(c as i64)));
            out.append(true);
        }
        Some(Err(count)) => {
            return exec_err!(
                "a positional join's cone of {radius}° at HEALPix depth {depth} would touch {count} cells"
            )
        }
    }
    Ok(())
}

/// Rows per piece below which a batch's cell lists are made on one thread.
const ROWS_PER_THREAD: usize = 1024;

/// The lists `fill` makes for rows `0..rows`, in pieces on every core when
/// the batch is large. A footprint's covering costs ~1 µs, and a join's
/// expanded side often comes from one file with one row group (what pyarrow
/// writes up to a million rows), which DataFusion reads — and evaluates the
/// covering in — as one stream while the other cores wait.
fn lists_on_every_core(
    rows: usize,
    fill: impl Fn(std::ops::Range<usize>, &mut ListBuilder<Int64Builder>) -> Result<()> + Sync,
) -> Result<ArrayRef> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let pieces = cores.min(rows / ROWS_PER_THREAD).max(1);
    let run = |range: std::ops::Range<usize>| -> Result<ArrayRef> {
        let mut out = ListBuilder::new(Int64Builder::new());
        fill(range, &mut out)?;
        Ok(Arc::new(out.finish()))
    };
    if pieces == 1 {
        return run(0..rows);
    }
    let per_piece = rows.div_ceil(pieces);
    let lists: Vec<ArrayRef> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..pieces)
            .map(|p| {
                let range = p * per_piece..((p + 1) * per_piece).min(rows);
                scope.spawn(move || run(range))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| exec_err!("a thread computing sky cells stopped"))
            })
            .collect::<Result<_>>()
    })?;
    let parts: Vec<&dyn arrow::array::Array> = lists.iter().map(|a| a.as_ref()).collect();
    Ok(arrow::compute::concat(&parts)?)
}

impl ScalarUDFImpl for SkyCellUdf {
    fn name(&self) -> &str {
        self.function.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(self.function.return_type())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        crate::stop::check(&args.config_options)?;
        let rows = args.number_rows;
        let a = &args.args;
        let wanted = match self.function {
            SkyCellFunction::Cell => 3,
            SkyCellFunction::ConeCells => 4,
            SkyCellFunction::RegionCell => 2,
            SkyCellFunction::RegionCells => 3,
            SkyCellFunction::RegionReach | SkyCellFunction::JoinDepth => 1,
        };
        if a.len() != wanted {
            return exec_err!("{} takes {wanted} arguments", self.function.name());
        }
        let out: ArrayRef = match self.function {
            SkyCellFunction::Cell => {
                let (d, ra, dec) = (
                    numbers(&a[0], rows)?,
                    numbers(&a[1], rows)?,
                    numbers(&a[2], rows)?,
                );
                let mut out = Int64Builder::with_capacity(rows);
                for i in 0..rows {
                    out.append_option(match (depth(&d, i)?, number(&ra, i), number(&dec, i)) {
                        (Some(d), Some(ra), Some(dec)) => cell(d, ra, dec),
                        _ => None,
                    });
                }
                Arc::new(out.finish())
            }
            SkyCellFunction::ConeCells => {
                let d = numbers(&a[0], rows)?;
                let (ra, dec, r) = (
                    numbers(&a[1], rows)?,
                    numbers(&a[2], rows)?,
                    numbers(&a[3], rows)?,
                );
                lists_on_every_core(rows, |range, out| {
                    for i in range {
                        match (
                            depth(&d, i)?,
                            number(&ra, i),
                            number(&dec, i),
                            number(&r, i),
                        ) {
                            (Some(d), Some(ra), Some(dec), Some(r)) => {
                                push_cells(out, d, ra, dec, r)?
                            }
                            _ => out.append_null(),
                        }
                    }
                    Ok(())
                })?
            }
            SkyCellFunction::RegionCell => {
                let (d, g) = (numbers(&a[0], rows)?, texts(&a[1], rows)?);
                let mut out = Int64Builder::with_capacity(rows);
                for i in 0..rows {
                    out.append_option(match (depth(&d, i)?, cone(&g, i)?) {
                        (Some(d), Some((c, _))) => cell(d, c.ra(), c.dec()),
                        _ => None,
                    });
                }
                Arc::new(out.finish())
            }
            SkyCellFunction::RegionCells => {
                let (d, g, w) = (
                    numbers(&a[0], rows)?,
                    texts(&a[1], rows)?,
                    numbers(&a[2], rows)?,
                );
                lists_on_every_core(rows, |range, out| {
                    for i in range {
                        match (depth(&d, i)?, cone(&g, i)?, number(&w, i)) {
                            (Some(d), Some((c, reach)), Some(w)) => {
                                push_cells(out, d, c.ra(), c.dec(), reach + w)?
                            }
                            _ => out.append_null(),
                        }
                    }
                    Ok(())
                })?
            }
            SkyCellFunction::RegionReach => {
                let g = texts(&a[0], rows)?;
                let mut out = Vec::with_capacity(rows);
                for i in 0..rows {
                    out.push(cone(&g, i)?.map(|(_, reach)| reach));
                }
                Arc::new(Float64Array::from(out))
            }
            SkyCellFunction::JoinDepth => {
                let r = numbers(&a[0], rows)?;
                // A table with no extents (all NULL) keys at the deepest depth.
                let out: Int64Array = (0..rows)
                    .map(|i| {
                        Some(i64::from(coverage::join_depth(
                            number(&r, i).unwrap_or(0.0),
                        )))
                    })
                    .collect();
                Arc::new(out)
            }
        };
        Ok(ColumnarValue::Array(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::common::ScalarValue;

    fn call(f: SkyCellFunction, args: Vec<ColumnarValue>, rows: usize) -> Result<ArrayRef> {
        let udf = f.udf();
        let arg_fields = args
            .iter()
            .map(|a| Arc::new(Field::new("a", a.data_type(), true)))
            .collect();
        udf.invoke_with_args(ScalarFunctionArgs {
            args,
            arg_fields,
            number_rows: rows,
            return_field: Arc::new(Field::new("r", f.return_type(), true)),
            config_options: Arc::new(Default::default()),
        })?
        .to_array(rows)
    }

    fn floats(v: &[Option<f64>]) -> ColumnarValue {
        ColumnarValue::Array(Arc::new(Float64Array::from(v.to_vec())))
    }

    #[test]
    fn a_large_batch_made_in_pieces_is_the_row_by_row_answer() {
        // 5,000 cones (several pieces), every 7th NULL, across RA 0 and near a pole.
        let rows = 5_000;
        let ra: Vec<Option<f64>> = (0..rows)
            .map(|i| (i % 7 != 0).then(|| (i as f64 * 0.0731) % 360.0))
            .collect();
        let dec: Vec<Option<f64>> = (0..rows)
            .map(|i| Some(-89.5 + (i as f64 * 0.0359) % 179.0))
            .collect();
        let cells = call(
            SkyCellFunction::ConeCells,
            vec![
                ColumnarValue::Scalar(ScalarValue::Int64(Some(12))),
                floats(&ra),
                floats(&dec),
                ColumnarValue::Scalar(ScalarValue::Float64(Some(0.01))),
            ],
            rows,
        )
        .unwrap();
        let lists = cells.as_list::<i32>();
        assert_eq!(lists.len(), rows);
        for i in 0..rows {
            match ra[i] {
                None => assert!(lists.is_null(i), "row {i}"),
                Some(r) => {
                    let expected = coverage::cone_cells(12, r, dec[i].unwrap(), 0.01)
                        .unwrap()
                        .unwrap();
                    let got: Vec<u64> = lists
                        .value(i)
                        .as_primitive::<arrow::datatypes::Int64Type>()
                        .values()
                        .iter()
                        .map(|&c| c as u64)
                        .collect();
                    assert_eq!(got, expected, "row {i}");
                }
            }
        }
    }

    #[test]
    fn cells_of_positions_and_nulls() {
        let depth = ColumnarValue::Scalar(ScalarValue::Int64(Some(10)));
        let out = call(
            SkyCellFunction::Cell,
            vec![
                depth,
                floats(&[Some(10.0), None, Some(370.0), Some(1.0)]),
                floats(&[Some(-5.0), Some(1.0), Some(-5.0), Some(91.0)]),
            ],
            4,
        )
        .unwrap();
        let out = out.as_primitive::<arrow::datatypes::Int64Type>();
        assert_eq!(out.value(0), coverage::healpix_index(10, 10.0, -5.0) as i64);
        assert!(out.is_null(1));
        // RA wraps; a declination past the pole is no position.
        assert_eq!(out.value(2), out.value(0));
        assert!(out.is_null(3));
    }

    #[test]
    fn region_cells_cover_the_region() {
        let depth = ColumnarValue::Scalar(ScalarValue::Int64(Some(8)));
        let region = ColumnarValue::Array(Arc::new(StringArray::from(vec![
            Some("POLYGON ICRS 359.9 -0.1 0.1 -0.1 0.1 0.1 359.9 0.1"),
            None,
        ])));
        let out = call(
            SkyCellFunction::RegionCells,
            vec![depth, region, floats(&[Some(0.0), Some(0.0)])],
            2,
        )
        .unwrap();
        let lists = out.as_list::<i32>();
        let cells = lists.value(0);
        let cells = cells.as_primitive::<arrow::datatypes::Int64Type>();
        for (ra, dec) in [(359.95, 0.05), (0.05, -0.05), (0.0, 0.0)] {
            let c = coverage::healpix_index(8, ra, dec) as i64;
            assert!(cells.values().contains(&c), "{ra} {dec}");
        }
        assert!(lists.is_null(1));
        let bad = ColumnarValue::Array(Arc::new(StringArray::from(vec!["NOT A REGION"])));
        assert!(call(SkyCellFunction::RegionReach, vec![bad], 1).is_err());
    }
}
