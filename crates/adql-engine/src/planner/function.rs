//! Function calls: ADQL's built-in math, trigonometric and string functions on
//! DataFusion's, aggregates, and the geometry functions on the UDFs of `udf`.

use adql_syntax::ast::{
    Aggregate, AggregateFunc, Expr as Ast, FunctionCall, GeometryCall, SetQuantifier, Shape,
};
use adql_syntax::functions::Builtin;
use arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::functions::core::expr_fn as core_fn;
use datafusion::functions::math::expr_fn as math;
use datafusion::functions::string::expr_fn as string;
use datafusion::functions_aggregate::expr_fn as agg;
use datafusion::logical_expr::{
    binary_expr, cast, lit, Expr, ExprFunctionExt, ExprSchemable, Operator,
};

use super::relation::Scope;
use super::Planner;
use crate::error::{EngineError, Result};
use crate::udf::{astrometry_udf, seeded_rand_udf, udf, AstrometryFunction, GeometryFunction};

impl Planner<'_> {
    pub(crate) fn function(
        &self,
        f: &FunctionCall,
        scope: &Scope,
        schema: &DFSchema,
    ) -> Result<Expr> {
        let mut args = Vec::with_capacity(f.args.len());
        for a in &f.args {
            args.push(self.expr(a, scope, schema)?);
        }
        let Some(builtin) = f.builtin else {
            return self.catalogue_function(f, args, scope, schema);
        };
        // A string literal that reads as a number, where a number is wanted
        // (`ABS('3')`, `COALESCE(s_ra, '0')`), is that number, as the checker
        // allows it (PostgreSQL's conversion).
        let n = args.len();
        let numeric_beside = builtin == Builtin::Coalesce
            && args
                .iter()
                .any(|a| a.get_type(schema).is_ok_and(|t| t.is_numeric()));
        let args: Vec<Expr> = args
            .into_iter()
            .enumerate()
            .map(|(i, a)| {
                let wants_number =
                    builtin.param_kind(i, n) == Some(adql_syntax::functions::ValueKind::Numeric);
                if wants_number || numeric_beside {
                    super::expr::numeric_string(a)
                } else {
                    a
                }
            })
            .collect();
        let mut args = args;
        let float = |e: Expr| cast(e, DataType::Float64);
        let one = |args: &mut Vec<Expr>| args.remove(0);
        use Builtin as B;
        Ok(match builtin {
            B::Abs => math::abs(one(&mut args)),
            B::Ceiling => math::ceil(float(one(&mut args))),
            B::Floor => math::floor(float(one(&mut args))),
            B::Degrees => math::degrees(float(one(&mut args))),
            B::Radians => math::radians(float(one(&mut args))),
            B::Exp => math::exp(float(one(&mut args))),
            B::Log => math::ln(float(one(&mut args))),
            B::Log10 => math::log10(float(one(&mut args))),
            B::Sqrt => math::sqrt(float(one(&mut args))),
            B::Power => {
                let base = float(one(&mut args));
                math::power(base, float(one(&mut args)))
            }
            B::Pi => math::pi(),
            B::Sin => math::sin(float(one(&mut args))),
            B::Cos => math::cos(float(one(&mut args))),
            B::Tan => math::tan(float(one(&mut args))),
            B::Cot => math::cot(float(one(&mut args))),
            B::Asin => math::asin(float(one(&mut args))),
            B::Acos => math::acos(float(one(&mut args))),
            B::Atan => math::atan(float(one(&mut args))),
            B::Atan2 => {
                let y = float(one(&mut args));
                math::atan2(y, float(one(&mut args)))
            }
            // MOD follows the sign of x, as `%` does.
            B::Mod => {
                let x = one(&mut args);
                binary_expr(x, Operator::Modulo, one(&mut args))
            }
            B::Round => {
                let x = float(one(&mut args));
                let digits = if args.is_empty() {
                    lit(0i64)
                } else {
                    one(&mut args)
                };
                math::round(vec![x, digits])
            }
            B::Truncate => {
                let x = float(one(&mut args));
                let digits = if args.is_empty() {
                    lit(0i64)
                } else {
                    one(&mut args)
                };
                math::trunc(vec![x, digits])
            }
            B::Rand if args.is_empty() => math::random(),
            B::Rand => {
                let seed = constant_seed(&args[0]).ok_or_else(|| {
                    EngineError::at(
                        "rand-seed",
                        "the seed of RAND must be a constant number",
                        f.args[0].span(),
                    )
                })?;
                seeded_rand_udf(seed).call(vec![])
            }
            B::Lower => string::lower(one(&mut args)),
            B::Upper => string::upper(one(&mut args)),
            B::Coalesce => core_fn::coalesce(args),
            B::InUnit => {
                let unit_text = match f.args.get(1) {
                    Some(Ast::Literal(adql_syntax::ast::Literal {
                        value: adql_syntax::ast::LiteralValue::String(u),
                        ..
                    })) => u.clone(),
                    _ => {
                        return Err(EngineError::at(
                            "in-unit",
                            "IN_UNIT takes a unit string",
                            f.span,
                        ))
                    }
                };
                let from = self
                    .column_meta(&f.args[0], scope)
                    .and_then(|c| c.unit)
                    .ok_or_else(|| {
                        EngineError::at(
                            "in-unit",
                            "IN_UNIT needs a value with a known unit: a table column that has one",
                            f.args[0].span(),
                        )
                    })?;
                let k = super::units::factor(&from, &unit_text)
                    .map_err(|m| EngineError::at("in-unit", m, f.args[1].span()))?;
                binary_expr(float(one(&mut args)), Operator::Multiply, lit(k))
            }
            B::Contains => match icrs_point_columns(&f.args[0]) {
                // CONTAINS(POINT(ra, dec), CIRCLE(ra, dec, r)) of columns: the
                // circle's numbers, no geometry text per row.
                Some((ra, dec)) if icrs_circle_values(&f.args[1]).is_some() => {
                    let (cra, cdec, r) = icrs_circle_values(&f.args[1]).expect("matched");
                    let mut values = Vec::with_capacity(5);
                    for a in [ra, dec, cra, cdec, r] {
                        values.push(super::expr::numeric_string(self.expr(a, scope, schema)?));
                    }
                    udf(GeometryFunction::PointInCircle).call(values)
                }
                // CONTAINS(POINT(ra, dec), shape): the batch kernel on the columns.
                Some((ra, dec)) => {
                    let ra = self.expr(ra, scope, schema)?;
                    let dec = self.expr(dec, scope, schema)?;
                    let shape = args.pop().expect("two arguments");
                    udf(GeometryFunction::PointInShape).call(vec![ra, dec, shape])
                }
                None => udf(GeometryFunction::Contains).call(args),
            },
            B::Intersects => udf(GeometryFunction::Intersects).call(args),
            B::Area => udf(GeometryFunction::Area).call(args),
            B::Centroid => udf(GeometryFunction::Centroid).call(args),
            B::Coord1 => udf(GeometryFunction::Coord1).call(args),
            B::Coord2 => udf(GeometryFunction::Coord2).call(args),
            B::Coordsys => udf(GeometryFunction::Coordsys).call(args),
            B::Region => udf(GeometryFunction::Region).call(args),
            B::Distance if args.len() == 4 => udf(GeometryFunction::Distance4).call(args),
            // DISTANCE(POINT(a, b), POINT(c, d)) of columns: DISTANCE(a, b, c, d),
            // the same great circle without geometry text per row.
            B::Distance => match (
                icrs_point_columns(&f.args[0]),
                icrs_point_columns(&f.args[1]),
            ) {
                (Some((ra1, dec1)), Some((ra2, dec2))) => {
                    let mut values = Vec::with_capacity(4);
                    for a in [ra1, dec1, ra2, dec2] {
                        values.push(super::expr::numeric_string(self.expr(a, scope, schema)?));
                    }
                    udf(GeometryFunction::Distance4).call(values)
                }
                _ => udf(GeometryFunction::Distance).call(args),
            },
        })
    }

    /// The IVOA UDF catalogue's functions this engine runs.
    fn catalogue_function(
        &self,
        f: &FunctionCall,
        mut args: Vec<Expr>,
        _scope: &Scope,
        schema: &DFSchema,
    ) -> Result<Expr> {
        use crate::udf::{catalogue_udf, CatalogueFunction as C};
        let is_text = |e: &Expr| {
            e.get_type(schema)
                .map(|t| matches!(t, DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8))
                .unwrap_or(false)
        };
        Ok(
            match (f.name.value.to_ascii_lowercase().as_str(), args.len()) {
                ("ivo_healpix_index", 3) => catalogue_udf(C::HealpixIndex).call(args),
                ("ivo_healpix_index", 2) if is_text(&args[1]) => {
                    // ivo_healpix_index(order, point): the point's coordinates.
                    let point = args.pop().expect("two arguments");
                    let ra = udf(GeometryFunction::Coord1).call(vec![point.clone()]);
                    let dec = udf(GeometryFunction::Coord2).call(vec![point]);
                    args.extend([ra, dec]);
                    catalogue_udf(C::HealpixIndex).call(args)
                }
                ("ivo_healpix_center", 2) => catalogue_udf(C::HealpixCenter).call(args),
                ("ivo_apply_pm", 5) => astrometry_udf(AstrometryFunction::ApplyPm).call(args),
                ("ivo_epoch_prop", 8) => astrometry_udf(AstrometryFunction::EpochProp).call(args),
                ("ivo_epoch_prop_pos", 8) => {
                    astrometry_udf(AstrometryFunction::EpochPropPos).call(args)
                }
                ("ivo_geom_transform", 3) => {
                    let frame = |i: usize| -> Result<String> {
                        let text = string_argument(f, i).ok_or_else(|| {
                            EngineError::at(
                                "geom-transform",
                                "ivo_geom_transform takes its frames as string literals",
                                f.args[i].span(),
                            )
                        })?;
                        adql_geom::Frame::parse(text)
                            .map(|frame| frame.name().to_string())
                            .map_err(|e| {
                                EngineError::at(
                                    "unsupported-frame",
                                    e.to_string(),
                                    f.args[i].span(),
                                )
                            })
                    };
                    let (from, to) = (frame(0)?, frame(2)?);
                    let geometry = args.swap_remove(1);
                    catalogue_udf(C::GeomTransform).call(vec![lit(from), geometry, lit(to)])
                }
                ("ivo_to_jd" | "ivo_to_mjd", 1) => {
                    // Days since the Unix epoch, naive UTC as the catalogue says,
                    // plus the epoch's JD (2440587.5) or MJD (40587).
                    let micros = cast(
                        cast(
                            args.pop().expect("one argument"),
                            DataType::Timestamp(TimeUnit::Microsecond, None),
                        ),
                        DataType::Int64,
                    );
                    let days = binary_expr(
                        cast(micros, DataType::Float64),
                        Operator::Divide,
                        lit(86_400e6),
                    );
                    let epoch = if f.name.value.eq_ignore_ascii_case("ivo_to_jd") {
                        2_440_587.5
                    } else {
                        40_587.0
                    };
                    binary_expr(days, Operator::Plus, lit(epoch))
                }
                ("ivo_specconv", 2 | 3) => {
                    let unit = |i: usize| {
                        string_argument(f, i).ok_or_else(|| {
                            EngineError::at(
                                "specconv",
                                "ivo_specconv takes its units as string literals",
                                f.args[i].span(),
                            )
                        })
                    };
                    let from = unit(1)?;
                    let to = if args.len() == 3 { unit(2)? } else { "m" };
                    let conversion = super::spectral::conversion(from, to).map_err(|m| {
                        let at = if args.len() == 3 {
                            f.args[1].span().to(f.args[2].span())
                        } else {
                            f.args[1].span()
                        };
                        EngineError::at("specconv", m, at)
                    })?;
                    let value = cast(args.swap_remove(0), DataType::Float64);
                    match conversion {
                        super::spectral::Conversion::Scale(k) => {
                            binary_expr(value, Operator::Multiply, lit(k))
                        }
                        super::spectral::Conversion::Inverse(k) => {
                            binary_expr(lit(k), Operator::Divide, value)
                        }
                    }
                }
                ("ivo_normal_random", 2) => {
                    // Box–Muller: 1 - random() is in (0, 1], so its logarithm is finite.
                    let sigma = cast(args.pop().expect("two arguments"), DataType::Float64);
                    let mu = cast(args.pop().expect("two arguments"), DataType::Float64);
                    let uniform = || math::random();
                    let radius = math::sqrt(binary_expr(
                        lit(-2.0),
                        Operator::Multiply,
                        math::ln(binary_expr(lit(1.0), Operator::Minus, uniform())),
                    ));
                    let angle = math::cos(binary_expr(
                        lit(2.0 * std::f64::consts::PI),
                        Operator::Multiply,
                        uniform(),
                    ));
                    let normal = binary_expr(radius, Operator::Multiply, angle);
                    binary_expr(
                        mu,
                        Operator::Plus,
                        binary_expr(sigma, Operator::Multiply, normal),
                    )
                }
                ("ivo_string_agg", 2) => {
                    let delimiter = args.pop().expect("two arguments");
                    let value = cast(args.pop().expect("two arguments"), DataType::Utf8);
                    datafusion::functions_aggregate::string_agg::string_agg_udaf()
                        .call(vec![value, delimiter])
                }
                ("ivo_histogram", 4) => crate::udf::Histogram::udaf().call(args),
                ("ivo_hasword", 2) => catalogue_udf(C::HasWord).call(args),
                ("ivo_hashlist_has", 2) => catalogue_udf(C::HashlistHas).call(args),
                ("ivo_interval_overlaps", 4) => {
                    // [l1, h1] and [l2, h2] overlap (touching counts); NULL in, NULL out.
                    let [l1, h1, l2, h2]: [Expr; 4] = args.try_into().expect("four arguments");
                    let overlaps = l1.lt_eq(h2).and(l2.lt_eq(h1));
                    datafusion::logical_expr::cast(overlaps, DataType::Int32)
                }
                ("ivo_nocasematch", 2) => {
                    let pattern = args.pop().expect("two arguments");
                    let value = args.pop().expect("two arguments");
                    let like = Expr::Like(datafusion::logical_expr::expr::Like::new(
                        false,
                        Box::new(value),
                        Box::new(pattern),
                        None,
                        true,
                    ));
                    Expr::Case(datafusion::logical_expr::Case::new(
                        None,
                        vec![(Box::new(like), Box::new(lit(1i32)))],
                        Some(Box::new(lit(0i32))),
                    ))
                }
                _ => {
                    return Err(EngineError::unsupported(
                        &format!("the function {}", f.name.value),
                        f.span,
                    ))
                }
            },
        )
    }

    pub(crate) fn aggregate(
        &self,
        a: &Aggregate,
        scope: &Scope,
        schema: &DFSchema,
    ) -> Result<Expr> {
        let Some(arg) = &a.arg else {
            return Ok(agg::count(lit(1i64)));
        };
        let x = self.expr(arg, scope, schema)?;
        let distinct = a.quantifier == Some(SetQuantifier::Distinct);
        let plain = match a.func {
            AggregateFunc::Count => agg::count(x),
            AggregateFunc::Sum => agg::sum(x),
            AggregateFunc::Avg => agg::avg(x),
            AggregateFunc::Min => agg::min(x),
            AggregateFunc::Max => agg::max(x),
        };
        Ok(if distinct {
            plain.distinct().build()?
        } else {
            plain
        })
    }

    pub(crate) fn geometry(
        &self,
        g: &GeometryCall,
        scope: &Scope,
        schema: &DFSchema,
    ) -> Result<Expr> {
        let frame = match &g.coord_sys {
            Some(cs) => {
                let text = cs.value.clone().unwrap_or_default();
                adql_geom::Frame::parse(&text)
                    .map_err(|e| EngineError::at("unsupported-frame", e.to_string(), cs.span))?;
                text
            }
            None => String::new(),
        };
        let mut args = Vec::with_capacity(g.args.len() + 1);
        for a in &g.args {
            args.push(self.expr(a, scope, schema)?);
        }
        let is_text = |e: &Expr| {
            e.get_type(schema)
                .map(|t| matches!(t, DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8))
                .unwrap_or(false)
        };
        let point_first = args.first().is_some_and(is_text)
            && matches!(
                g.args.first(),
                Some(Ast::Geometry(_) | Ast::Column(_) | Ast::Function(_))
            );
        let function = match (g.shape, point_first) {
            (Shape::Point, _) => GeometryFunction::Point,
            (Shape::Circle, true) if g.args.len() == 2 => GeometryFunction::CircleAtPoint,
            (Shape::Circle, _) => GeometryFunction::Circle,
            (Shape::Box, true) if g.args.len() == 3 => GeometryFunction::BoxAtPoint,
            (Shape::Box, _) => GeometryFunction::Box,
            (Shape::Polygon, true) => GeometryFunction::PolygonOfPoints,
            (Shape::Polygon, false) => GeometryFunction::Polygon,
        };
        let takes_frame = matches!(
            function,
            GeometryFunction::Point
                | GeometryFunction::Circle
                | GeometryFunction::Box
                | GeometryFunction::Polygon
        );
        if takes_frame {
            args.insert(0, Expr::Literal(ScalarValue::Utf8(Some(frame)), None));
        }
        Ok(udf(function).call(args))
    }
}

/// The (ra, dec) arguments of `POINT([ICRS-like,] ra, dec)` when they are not
/// constants (a constant point is folded once anyway).
fn icrs_point_columns(e: &Ast) -> Option<(&Ast, &Ast)> {
    let Ast::Geometry(g) = e.unnested() else {
        return None;
    };
    if g.shape != Shape::Point || g.args.len() != 2 {
        return None;
    }
    let frame = g
        .coord_sys
        .as_ref()
        .and_then(|c| c.value.clone())
        .unwrap_or_default();
    if adql_geom::Frame::parse(&frame).ok()? != adql_geom::Frame::Icrs {
        return None;
    }
    let constant = |a: &Ast| matches!(a.unnested(), Ast::Literal(_) | Ast::Unary { .. });
    if constant(&g.args[0]) && constant(&g.args[1]) {
        return None;
    }
    Some((&g.args[0], &g.args[1]))
}

/// The (ra, dec, radius) arguments of `CIRCLE([ICRS-like,] ra, dec, r)` when
/// they are not all constants (a constant circle goes to the batch kernel
/// as one region).
fn icrs_circle_values(e: &Ast) -> Option<(&Ast, &Ast, &Ast)> {
    let Ast::Geometry(g) = e.unnested() else {
        return None;
    };
    if g.shape != Shape::Circle || g.args.len() != 3 {
        return None;
    }
    let frame = g
        .coord_sys
        .as_ref()
        .and_then(|c| c.value.clone())
        .unwrap_or_default();
    if adql_geom::Frame::parse(&frame).ok()? != adql_geom::Frame::Icrs {
        return None;
    }
    let constant = |a: &Ast| matches!(a.unnested(), Ast::Literal(_) | Ast::Unary { .. });
    if g.args.iter().all(constant) {
        return None;
    }
    Some((&g.args[0], &g.args[1], &g.args[2]))
}

/// The text of argument `i` of `f` when it is a string literal.
fn string_argument(f: &FunctionCall, i: usize) -> Option<&str> {
    match f.args.get(i).map(Ast::unnested) {
        Some(Ast::Literal(adql_syntax::ast::Literal {
            value: adql_syntax::ast::LiteralValue::String(s),
            ..
        })) => Some(s),
        _ => None,
    }
}

/// The seed of `RAND(seed)` when it is a constant number (integers as
/// themselves, other numbers by their bit pattern), else None.
fn constant_seed(e: &Expr) -> Option<u64> {
    match e {
        Expr::Literal(v, _) => match v {
            ScalarValue::Int8(Some(x)) => Some(*x as u64),
            ScalarValue::Int16(Some(x)) => Some(*x as u64),
            ScalarValue::Int32(Some(x)) => Some(*x as u64),
            ScalarValue::Int64(Some(x)) => Some(*x as u64),
            ScalarValue::UInt64(Some(x)) => Some(*x),
            ScalarValue::Float64(Some(x)) if x.fract() == 0.0 && x.abs() < 9.0e18 => {
                Some(*x as i64 as u64)
            }
            ScalarValue::Float64(Some(x)) => Some(x.to_bits()),
            _ => None,
        },
        Expr::Negative(inner) => constant_seed(inner).map(|s| (s as i64).wrapping_neg() as u64),
        Expr::Cast(c) => constant_seed(&c.expr),
        _ => None,
    }
}
