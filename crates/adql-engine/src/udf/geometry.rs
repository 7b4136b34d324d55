//! The geometry UDFs: constructors (POINT, CIRCLE, BOX, POLYGON, REGION,
//! CENTROID), predicates (CONTAINS, INTERSECTS → 1/0) and measures (DISTANCE,
//! AREA, COORD1, COORD2, COORDSYS). NULL in, NULL out.

use std::sync::Arc;

use adql_geom::{Circle, Frame, Point, Polygon, Region, SkyBox};
use arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int32Array, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type};
use datafusion::common::{exec_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

/// Which geometry function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GeometryFunction {
    /// POINT(frame, ra, dec)
    Point,
    /// CIRCLE(frame, ra, dec, r)
    Circle,
    /// CIRCLE(point, r)
    CircleAtPoint,
    /// BOX(frame, ra, dec, w, h)
    Box,
    /// BOX(point, w, h)
    BoxAtPoint,
    /// POLYGON(frame, ra1, dec1, …)
    Polygon,
    /// POLYGON(p1, p2, …)
    PolygonOfPoints,
    /// REGION(stcs)
    Region,
    /// CENTROID(g)
    Centroid,
    /// CONTAINS(a, b)
    Contains,
    /// INTERSECTS(a, b)
    Intersects,
    /// DISTANCE(p, q)
    Distance,
    /// DISTANCE(ra1, dec1, ra2, dec2)
    Distance4,
    /// AREA(g)
    Area,
    /// COORD1(p)
    Coord1,
    /// COORD2(p)
    Coord2,
    /// COORDSYS(g)
    Coordsys,
    /// CONTAINS(POINT(ra, dec), shape) with ICRS coordinate columns: the batch
    /// kernel of `adql-geom`, no geometry strings per row.
    PointInShape,
    /// CONTAINS(POINT(ra, dec), CIRCLE(cra, cdec, r)) with ICRS numbers.
    PointInCircle,
    /// CONTAINS(POINT(ra, dec), s_region) of a snapshot whose regions are all
    /// convex polygons, on their edge normals (`_region_normals`); or of the
    /// point's vector from [`GeometryFunction::PointVector`] and the normals,
    /// which spares the trigonometry.
    PointInConvex,
    /// The unit vector of POINT(ra, dec) as 24 bytes (NULL for a NULL or
    /// invalid position): computed once per row of a join's side, read by
    /// `adql_point_in_convex` for each of its candidate pairs.
    PointVector,
}

impl GeometryFunction {
    fn name(self) -> &'static str {
        match self {
            GeometryFunction::Point => "adql_point",
            GeometryFunction::Circle => "adql_circle",
            GeometryFunction::CircleAtPoint => "adql_circle_at_point",
            GeometryFunction::Box => "adql_box",
            GeometryFunction::BoxAtPoint => "adql_box_at_point",
            GeometryFunction::Polygon => "adql_polygon",
            GeometryFunction::PolygonOfPoints => "adql_polygon_of_points",
            GeometryFunction::Region => "adql_region",
            GeometryFunction::Centroid => "adql_centroid",
            GeometryFunction::Contains => "adql_contains",
            GeometryFunction::Intersects => "adql_intersects",
            GeometryFunction::Distance => "adql_distance",
            GeometryFunction::Distance4 => "adql_distance4",
            GeometryFunction::Area => "adql_area",
            GeometryFunction::Coord1 => "adql_coord1",
            GeometryFunction::Coord2 => "adql_coord2",
            GeometryFunction::Coordsys => "adql_coordsys",
            GeometryFunction::PointInShape => "adql_point_in_shape",
            GeometryFunction::PointInCircle => "adql_point_in_circle",
            GeometryFunction::PointInConvex => "adql_point_in_convex",
            GeometryFunction::PointVector => "adql_point_vector",
        }
    }

    fn return_type(self) -> DataType {
        match self {
            GeometryFunction::Contains
            | GeometryFunction::Intersects
            | GeometryFunction::PointInShape
            | GeometryFunction::PointInCircle
            | GeometryFunction::PointInConvex => DataType::Int32,
            GeometryFunction::Distance
            | GeometryFunction::Distance4
            | GeometryFunction::Area
            | GeometryFunction::Coord1
            | GeometryFunction::Coord2 => DataType::Float64,
            GeometryFunction::PointVector => {
                DataType::FixedSizeBinary(adql_geom::edge_normals::VECTOR_BYTES as i32)
            }
            _ => DataType::Utf8,
        }
    }
}

/// A geometry function as a DataFusion UDF.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct GeometryUdf {
    function: GeometryFunction,
    signature: Signature,
}

impl GeometryUdf {
    /// The UDF for `function` (arguments: numbers as Float64, geometries and
    /// frames as Utf8; the planner casts).
    pub fn new(function: GeometryFunction) -> GeometryUdf {
        GeometryUdf {
            function,
            signature: Signature::variadic_any(Volatility::Immutable),
        }
    }
}

/// One argument, as arrays of the types the kernel reads.
enum Arg {
    Number(Float64Array),
    Text(StringArray),
}

impl Arg {
    fn of(value: &ColumnarValue, rows: usize) -> Result<Arg> {
        let array = value.to_array(rows)?;
        Ok(match array.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null => {
                Arg::Text(cast(&array, &DataType::Utf8)?.as_string::<i32>().clone())
            }
            _ => Arg::Number(
                cast(&array, &DataType::Float64)?
                    .as_primitive::<Float64Type>()
                    .clone(),
            ),
        })
    }

    fn number(&self, row: usize) -> Option<f64> {
        match self {
            Arg::Number(a) => a.is_valid(row).then(|| a.value(row)),
            Arg::Text(a) => a
                .is_valid(row)
                .then(|| a.value(row).trim().parse().ok())
                .flatten(),
        }
    }

    fn text(&self, row: usize) -> Option<&str> {
        match self {
            Arg::Text(a) => a.is_valid(row).then(|| a.value(row)),
            Arg::Number(_) => None,
        }
    }
}

/// Reads geometry arguments, parsing each distinct STC-S text once in a run
/// (constants and sorted columns repeat).
#[derive(Default)]
struct RegionCache {
    last: Option<(String, Region)>,
}

impl RegionCache {
    fn get(&mut self, text: &str) -> Result<&Region> {
        if self.last.as_ref().map(|l| l.0.as_str()) != Some(text) {
            let region = match adql_geom::parse_region(text) {
                Ok(r) => r,
                Err(e) => return exec_err!("not a geometry: {e}"),
            };
            self.last = Some((text.to_string(), region));
        }
        Ok(&self.last.as_ref().expect("just set").1)
    }
}

fn geom<T>(r: std::result::Result<T, adql_geom::GeomError>) -> Result<T> {
    r.map_err(|e| datafusion::error::DataFusionError::Execution(e.to_string()))
}

fn frame(text: Option<&str>) -> Result<Frame> {
    geom(Frame::parse(text.unwrap_or("")))
}

impl ScalarUDFImpl for GeometryUdf {
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
        if self.function == GeometryFunction::PointInShape {
            return point_in_shape(&args.args, rows);
        }
        if self.function == GeometryFunction::PointInCircle {
            return point_in_circle(&args.args, rows);
        }
        if self.function == GeometryFunction::PointInConvex {
            return point_in_convex(&args.args, rows);
        }
        if self.function == GeometryFunction::PointVector {
            return point_vector(&args.args, rows);
        }
        let a: Vec<Arg> = args
            .args
            .iter()
            .map(|v| Arg::of(v, rows))
            .collect::<Result<_>>()?;
        let mut caches: Vec<RegionCache> = (0..a.len()).map(|_| RegionCache::default()).collect();
        use GeometryFunction as F;
        let array: ArrayRef = match self.function {
            F::Contains | F::Intersects => {
                let mut out = Vec::with_capacity(rows);
                let (c0, rest) = caches.split_at_mut(1);
                for row in 0..rows {
                    let value = match (a[0].text(row), a[1].text(row)) {
                        (Some(x), Some(y)) => {
                            let first = c0[0].get(x)?.clone();
                            let second = rest[0].get(y)?;
                            let hit = if self.function == F::Contains {
                                geom(adql_geom::contains(second, &first))?
                            } else {
                                geom(adql_geom::intersects(&first, second))?
                            };
                            Some(i32::from(hit))
                        }
                        _ => None,
                    };
                    out.push(value);
                }
                Arc::new(Int32Array::from(out))
            }
            F::Distance | F::Area | F::Coord1 | F::Coord2 | F::Distance4 => {
                let mut out = Vec::with_capacity(rows);
                for row in 0..rows {
                    out.push(self.measure(&a, &mut caches, row)?);
                }
                Arc::new(Float64Array::from(out))
            }
            _ => {
                let mut out: Vec<Option<String>> = Vec::with_capacity(rows);
                for row in 0..rows {
                    out.push(self.construct(&a, &mut caches, row)?);
                }
                Arc::new(StringArray::from(out))
            }
        };
        Ok(ColumnarValue::Array(array))
    }
}

impl GeometryUdf {
    fn measure(&self, a: &[Arg], caches: &mut [RegionCache], row: usize) -> Result<Option<f64>> {
        use GeometryFunction as F;
        Ok(match self.function {
            F::Distance4 => match (
                a[0].number(row),
                a[1].number(row),
                a[2].number(row),
                a[3].number(row),
            ) {
                (Some(r1), Some(d1), Some(r2), Some(d2)) => {
                    let (p, q) = (geom(Point::new(r1, d1))?, geom(Point::new(r2, d2))?);
                    Some(p.distance(&q))
                }
                _ => None,
            },
            F::Distance => match (a[0].text(row), a[1].text(row)) {
                (Some(x), Some(y)) => {
                    let (p1, q1) = geom(caches[0].get(x)?.coords())?;
                    let (p2, q2) = geom(caches[1].get(y)?.coords())?;
                    Some(adql_geom::distance(p1, q1, p2, q2))
                }
                _ => None,
            },
            F::Area => match a[0].text(row) {
                Some(x) => Some(geom(caches[0].get(x)?.area())?),
                None => None,
            },
            F::Coord1 | F::Coord2 => match a[0].text(row) {
                Some(x) => {
                    let (ra, dec) = geom(caches[0].get(x)?.coords())?;
                    // A point written in another frame answers in it, as
                    // `ivo_geom_transform`'s results are read.
                    let (lon, lat) = match adql_geom::transform::named_frame(x) {
                        Frame::Icrs => (ra, dec),
                        frame => frame
                            .from_icrs(adql_geom::Vec3::from_radec(ra, dec))
                            .to_radec(),
                    };
                    Some(if self.function == F::Coord1 { lon } else { lat })
                }
                None => None,
            },
            _ => unreachable!("measures only"),
        })
    }

    fn construct(
        &self,
        a: &[Arg],
        caches: &mut [RegionCache],
        row: usize,
    ) -> Result<Option<String>> {
        use GeometryFunction as F;
        let numbers = |from: usize| -> Option<Vec<f64>> {
            (from..a.len()).map(|i| a[i].number(row)).collect()
        };
        let region: Option<Region> = match self.function {
            F::Point => match numbers(1) {
                Some(v) => Some(Region::Point(geom(Point::in_frame(
                    frame(a[0].text(row))?,
                    v[0],
                    v[1],
                ))?)),
                None => None,
            },
            F::Circle => match numbers(1) {
                Some(v) => Some(Region::Circle(geom(Circle::new(
                    geom(Point::in_frame(frame(a[0].text(row))?, v[0], v[1]))?,
                    v[2],
                ))?)),
                None => None,
            },
            F::CircleAtPoint => match (a[0].text(row), a[1].number(row)) {
                (Some(p), Some(r)) => {
                    let (ra, dec) = geom(caches[0].get(p)?.coords())?;
                    Some(Region::Circle(geom(Circle::new(
                        geom(Point::new(ra, dec))?,
                        r,
                    ))?))
                }
                _ => None,
            },
            F::Box => match numbers(1) {
                Some(v) => {
                    let f = frame(a[0].text(row))?;
                    let text = format!("BOX {} {} {} {} {}", f.name(), v[0], v[1], v[2], v[3]);
                    Some(geom(adql_geom::parse_region(&text))?)
                }
                None => None,
            },
            F::BoxAtPoint => match (a[0].text(row), a[1].number(row), a[2].number(row)) {
                (Some(p), Some(w), Some(h)) => {
                    let (ra, dec) = geom(caches[0].get(p)?.coords())?;
                    Some(Region::Box(geom(SkyBox::new(
                        geom(Point::new(ra, dec))?,
                        w,
                        h,
                    ))?))
                }
                _ => None,
            },
            F::Polygon => match numbers(1) {
                Some(v) => {
                    let f = frame(a[0].text(row))?;
                    let points = v
                        .chunks_exact(2)
                        .map(|c| geom(Point::in_frame(f, c[0], c[1])))
                        .collect::<Result<Vec<_>>>()?;
                    Some(Region::Polygon(geom(Polygon::new(points))?))
                }
                None => None,
            },
            F::PolygonOfPoints => {
                let mut points = Vec::with_capacity(a.len());
                for (i, cache) in caches.iter_mut().enumerate() {
                    let Some(p) = a[i].text(row) else {
                        return Ok(None);
                    };
                    let (ra, dec) = geom(cache.get(p)?.coords())?;
                    points.push(geom(Point::new(ra, dec))?);
                }
                Some(Region::Polygon(geom(Polygon::new(points))?))
            }
            F::Region => match a[0].text(row) {
                Some(x) => Some(caches[0].get(x)?.clone()),
                None => None,
            },
            F::Centroid => match a[0].text(row) {
                Some(x) => Some(Region::Point(geom(caches[0].get(x)?.centroid())?)),
                None => None,
            },
            F::Coordsys => return Ok(a[0].text(row).map(|_| "ICRS".to_string())),
            _ => unreachable!("constructors only"),
        };
        Ok(region.map(|r| r.to_string()))
    }
}

/// CONTAINS(POINT(ra, dec), CIRCLE(cra, cdec, r)), all numbers: the point
/// and circle CIRCLE and POINT would make, without their text (the same
/// answer, and the same errors for an invalid position or radius).
fn point_in_circle(args: &[ColumnarValue], rows: usize) -> Result<ColumnarValue> {
    let values: Vec<Float64Array> = args
        .iter()
        .map(|a| {
            Ok(cast(&a.to_array(rows)?, &DataType::Float64)?
                .as_primitive::<Float64Type>()
                .clone())
        })
        .collect::<Result<_>>()?;
    if values.len() != 5 {
        return exec_err!("adql_point_in_circle takes five numbers");
    }
    let mut out = Vec::with_capacity(rows);
    for i in 0..rows {
        if values.iter().any(|v| v.is_null(i)) {
            out.push(None);
            continue;
        }
        let v = |k: usize| values[k].value(i);
        let p = geom(Point::new(v(0), v(1)))?;
        let circle = geom(Circle::new(geom(Point::new(v(2), v(3)))?, v(4)))?;
        out.push(Some(i32::from(circle.contains_point(&p))));
    }
    Ok(ColumnarValue::Array(Arc::new(Int32Array::from(out))))
}

/// CONTAINS(POINT(ra, dec), shape) over columns of positions: a constant shape
/// goes through the batch kernel (bounds first, trigonometry for the few that
/// pass); a shape per row is read per row.
fn point_in_shape(args: &[ColumnarValue], rows: usize) -> Result<ColumnarValue> {
    let ra = cast(&args[0].to_array(rows)?, &DataType::Float64)?;
    let dec = cast(&args[1].to_array(rows)?, &DataType::Float64)?;
    let (ra, dec) = (
        ra.as_primitive::<Float64Type>(),
        dec.as_primitive::<Float64Type>(),
    );
    let valid = |i: usize| ra.is_valid(i) && dec.is_valid(i);
    let mut inside = vec![false; rows];
    match &args[2] {
        ColumnarValue::Scalar(s) if !s.is_null() => {
            let text = s.to_string();
            let region = match adql_geom::parse_region(&text) {
                Ok(r) => r,
                Err(e) => return exec_err!("not a geometry: {e}"),
            };
            adql_geom::kernels::points_in_region(ra.values(), dec.values(), &region, &mut inside);
            let out: Int32Array = (0..rows)
                .map(|i| valid(i).then(|| i32::from(inside[i])))
                .collect();
            Ok(ColumnarValue::Array(Arc::new(out)))
        }
        shape => {
            let shapes = Arg::of(shape, rows)?;
            let mut cache = RegionCache::default();
            let mut out = Vec::with_capacity(rows);
            for i in 0..rows {
                out.push(match (valid(i), shapes.text(i)) {
                    (true, Some(text)) => {
                        let p = geom(Point::new(ra.value(i), dec.value(i)))?;
                        Some(i32::from(cache.get(text)?.contains_point(&p)))
                    }
                    _ => None,
                });
            }
            Ok(ColumnarValue::Array(Arc::new(Int32Array::from(out))))
        }
    }
}

/// CONTAINS(POINT(ra, dec), s_region) from the regions' edge normals (binary
/// values of [`adql_geom::edge_normals`]): the answer the text gives, and the
/// same error for an invalid position. The normals are read where they are
/// (Binary, LargeBinary or BinaryView), not copied. Called with two
/// arguments, the point is its vector from [`point_vector`] (NULL for a NULL
/// or invalid position, which a spatial join never pairs: such a row has no
/// sky cell): the same vector, without the trigonometry for each pair.
fn point_in_convex(args: &[ColumnarValue], rows: usize) -> Result<ColumnarValue> {
    let (points, normals) = match args {
        [ra, dec, normals] => {
            let ra = cast(&ra.to_array(rows)?, &DataType::Float64)?;
            let dec = cast(&dec.to_array(rows)?, &DataType::Float64)?;
            let (ra, dec) = (
                ra.as_primitive::<Float64Type>().clone(),
                dec.as_primitive::<Float64Type>().clone(),
            );
            (ConvexPoints::Positions(ra, dec), normals.to_array(rows)?)
        }
        [vectors, normals] => {
            let vectors = vectors.to_array(rows)?;
            let points = match vectors.data_type() {
                DataType::FixedSizeBinary(_) => {
                    ConvexPoints::Vectors(vectors.as_fixed_size_binary().clone())
                }
                DataType::Null => ConvexPoints::None,
                other => return exec_err!("adql_point_in_convex reads a vector, not {other}"),
            };
            (points, normals.to_array(rows)?)
        }
        _ => {
            return exec_err!(
                "adql_point_in_convex takes a position or its vector, and edge normals"
            )
        }
    };
    let vector = |i: usize| points.vector(i);
    let test = |i: usize, bytes: Option<&[u8]>| -> Result<Option<i32>> {
        match (bytes, vector(i)?) {
            (Some(bytes), Some(v)) => {
                let inside = geom(adql_geom::edge_normals::contains(bytes, v))?;
                Ok(Some(i32::from(inside)))
            }
            _ => Ok(None),
        }
    };
    let out: Int32Array = match normals.data_type() {
        DataType::BinaryView => {
            let values = normals.as_binary_view();
            (0..rows)
                .map(|i| test(i, values.is_valid(i).then(|| values.value(i))))
                .collect::<Result<_>>()?
        }
        DataType::Binary => {
            let values = normals.as_binary::<i32>();
            (0..rows)
                .map(|i| test(i, values.is_valid(i).then(|| values.value(i))))
                .collect::<Result<_>>()?
        }
        DataType::LargeBinary => {
            let values = normals.as_binary::<i64>();
            (0..rows)
                .map(|i| test(i, values.is_valid(i).then(|| values.value(i))))
                .collect::<Result<_>>()?
        }
        DataType::Null => (0..rows).map(|_| None).collect(),
        other => return exec_err!("adql_point_in_convex reads edge normals, not {other}"),
    };
    Ok(ColumnarValue::Array(Arc::new(out)))
}

/// The points `adql_point_in_convex` tests: positions, or their vectors.
enum ConvexPoints {
    Positions(Float64Array, Float64Array),
    Vectors(arrow::array::FixedSizeBinaryArray),
    /// All NULL.
    None,
}

impl ConvexPoints {
    /// Row `i`'s unit vector; `None` for a NULL; an error for an invalid
    /// position.
    #[inline]
    fn vector(&self, i: usize) -> Result<Option<adql_geom::Vec3>> {
        match self {
            ConvexPoints::Positions(ra, dec) => {
                if ra.is_null(i) || dec.is_null(i) {
                    return Ok(None);
                }
                Ok(Some(geom(Point::new(ra.value(i), dec.value(i)))?.vector()))
            }
            ConvexPoints::Vectors(vectors) => {
                if vectors.is_null(i) {
                    return Ok(None);
                }
                let bytes = vectors.value(i);
                Ok(Some(geom(adql_geom::edge_normals::decode_vector(bytes))?))
            }
            ConvexPoints::None => Ok(None),
        }
    }
}

/// The unit vector of each valid position, as the bytes
/// [`adql_geom::edge_normals::encode_vector`] writes; NULL where the position
/// is NULL or invalid (the test that reads it then raises the error itself).
fn point_vector(args: &[ColumnarValue], rows: usize) -> Result<ColumnarValue> {
    if args.len() != 2 {
        return exec_err!("adql_point_vector takes a position");
    }
    let ra = cast(&args[0].to_array(rows)?, &DataType::Float64)?;
    let dec = cast(&args[1].to_array(rows)?, &DataType::Float64)?;
    let (ra, dec) = (
        ra.as_primitive::<Float64Type>(),
        dec.as_primitive::<Float64Type>(),
    );
    let vectors = (0..rows).map(|i| {
        (ra.is_valid(i) && dec.is_valid(i))
            .then(|| Point::new(ra.value(i), dec.value(i)).ok())
            .flatten()
            .map(|p| adql_geom::edge_normals::encode_vector(p.vector()))
    });
    let out = arrow::array::FixedSizeBinaryArray::try_from_sparse_iter_with_size(
        vectors,
        adql_geom::edge_normals::VECTOR_BYTES as i32,
    )?;
    Ok(ColumnarValue::Array(Arc::new(out)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::BinaryArray;

    fn column(values: Vec<Option<f64>>) -> ColumnarValue {
        ColumnarValue::Array(Arc::new(Float64Array::from(values)))
    }

    fn answers(args: &[ColumnarValue], rows: usize) -> Result<Vec<Option<i32>>> {
        let out = point_in_convex(args, rows)?.to_array(rows)?;
        Ok(out
            .as_primitive::<arrow::datatypes::Int32Type>()
            .iter()
            .collect())
    }

    #[test]
    fn a_point_s_vector_gives_the_answer_of_its_position() {
        let region = adql_geom::parse_region("POLYGON ICRS 359.9 -1 0.1 -1 0.1 1 359.9 1").unwrap();
        let normals = adql_geom::edge_normals::encode(&region).unwrap();
        let ra = vec![
            Some(0.0),
            Some(359.95),
            Some(0.2),
            None,
            Some(0.05),
            Some(0.1),
        ];
        let dec = vec![Some(0.0), Some(0.5), Some(0.0), Some(0.0), None, Some(1.0)];
        let rows = ra.len();
        let (ra, dec) = (column(ra), column(dec));
        let mut normals: Vec<Option<&[u8]>> = vec![Some(normals.as_slice()); rows];
        normals[2] = None;
        let normals = ColumnarValue::Array(Arc::new(BinaryArray::from(normals)));
        let vectors = point_vector(&[ra.clone(), dec.clone()], rows).unwrap();
        let positions = answers(&[ra, dec, normals.clone()], rows).unwrap();
        let from_vectors = answers(&[vectors, normals.clone()], rows).unwrap();
        assert_eq!(positions, vec![Some(1), Some(1), None, None, None, Some(1)]);
        assert_eq!(from_vectors, positions);
        // An invalid position fails; it has no vector (nor sky cell).
        let (ra, dec) = (column(vec![Some(10.0)]), column(vec![Some(95.0)]));
        let vectors = point_vector(&[ra.clone(), dec.clone()], 1).unwrap();
        assert_eq!(vectors.to_array(1).unwrap().null_count(), 1);
        let one = ColumnarValue::Array(normals.to_array(rows).unwrap().slice(0, 1));
        assert!(answers(&[ra, dec, one.clone()], 1).is_err());
        assert_eq!(answers(&[vectors, one], 1).unwrap(), vec![None]);
    }
}
