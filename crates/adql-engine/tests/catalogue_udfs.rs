//! The IVOA UDF catalogue's functions checked against independent values:
//! `catalogue_udfs_reference.py` writes 2,000 stars (the poles and the RA
//! 0/360 seam among them) and what astropy and numpy compute for them:
//! epoch propagation and proper motion (`apply_space_motion`), frames
//! (`SkyCoord.galactic`), Julian dates (`Time`), spectral units
//! (`u.spectral()`) and a histogram (`np.histogram`). String aggregation and
//! the normal deviates are checked by their definitions.

use std::collections::BTreeMap;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{Float64Type, Int64Type};

mod common;

fn column_f64(batches: &[RecordBatch], name: &str) -> Vec<Option<f64>> {
    batches
        .iter()
        .flat_map(|b| {
            let c = b.column_by_name(name).unwrap_or_else(|| panic!("{name}"));
            let c = arrow::compute::cast(c, &arrow::datatypes::DataType::Float64).unwrap();
            let c = c.as_primitive::<Float64Type>().clone();
            (0..c.len())
                .map(move |i| c.is_valid(i).then(|| c.value(i)))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The angle between two positions, degrees.
fn separation(a: (f64, f64), b: (f64, f64)) -> f64 {
    adql_geom::distance(a.0, a.1, b.0, b.1)
}

async fn engine(dir: &std::path::Path) -> (adql_engine::Engine, serde_json::Value) {
    let expected = common::run_reference("catalogue_udfs_reference.py", "astropy", dir);
    let snapshot = obscore::demo::demo_snapshot().unwrap();
    let engine = adql_engine::Engine::with_tables(
        &snapshot,
        &[(
            "test.stars".into(),
            dir.join("stars.parquet").display().to_string(),
        )],
    )
    .await
    .unwrap();
    (engine, expected)
}

#[tokio::test]
async fn catalogue_functions_agree_with_astropy_and_numpy() {
    let dir = std::env::temp_dir().join(format!("adql-engine-udfs-{}", std::process::id()));
    std::env::set_var("ADQL_CACHE_DIR", &dir);
    let (engine, expected) = engine(&dir).await;
    let rows = expected["rows"].as_array().unwrap();
    let q = "SELECT id, \
        ivo_epoch_prop(ra, dec, parallax, pmra, pmdec, rv, ref_epoch, out_epoch) AS ep, \
        COORD1(ivo_epoch_prop_pos(ra, dec, parallax, pmra, pmdec, rv, ref_epoch, out_epoch)) AS pos_ra, \
        COORD2(ivo_epoch_prop_pos(ra, dec, parallax, pmra, pmdec, rv, ref_epoch, out_epoch)) AS pos_dec, \
        COORD1(ivo_apply_pm(ra, dec, pmra / 3600000.0, pmdec / 3600000.0, out_epoch - ref_epoch)) AS pm_ra, \
        COORD2(ivo_apply_pm(ra, dec, pmra / 3600000.0, pmdec / 3600000.0, out_epoch - ref_epoch)) AS pm_dec, \
        COORD1(ivo_geom_transform('ICRS', POINT('ICRS', ra, dec), 'GALACTIC')) AS l, \
        COORD2(ivo_geom_transform('ICRS', POINT('ICRS', ra, dec), 'GALACTIC')) AS b, \
        COORD1(ivo_geom_transform('GALACTIC', POINT(ra, dec), 'ICRS')) AS back_ra, \
        COORD2(ivo_geom_transform('GALACTIC', POINT(ra, dec), 'ICRS')) AS back_dec, \
        ivo_to_jd(CAST(obs_time AS TIMESTAMP)) AS jd, ivo_to_mjd(CAST(obs_time AS TIMESTAMP)) AS mjd, \
        ivo_specconv(wavelength_nm, 'nm', 'Hz') AS hz, \
        ivo_specconv(wavelength_nm, 'nm', 'eV') AS ev, \
        ivo_specconv(ivo_specconv(wavelength_nm, 'nm', 'GHz'), 'GHz', 'Angstrom') AS angstrom, \
        ivo_specconv(wavelength_nm, 'nm') AS m \
        FROM test.stars ORDER BY id";
    let batches = common::collect(&engine, q).await;
    let got = |name: &str| column_f64(&batches, name);
    let ep: Vec<Vec<Option<f64>>> = batches
        .iter()
        .flat_map(|b| {
            let list = b.column_by_name("ep").unwrap().as_fixed_size_list().clone();
            (0..list.len())
                .map(move |i| {
                    let v = list.value(i);
                    let v = v.as_primitive::<Float64Type>();
                    (0..6).map(|k| v.is_valid(k).then(|| v.value(k))).collect()
                })
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(ep.len(), rows.len());
    let (pos_ra, pos_dec, pm_ra, pm_dec) =
        (got("pos_ra"), got("pos_dec"), got("pm_ra"), got("pm_dec"));
    let (l, b, back_ra, back_dec) = (got("l"), got("b"), got("back_ra"), got("back_dec"));
    let (jd, mjd, hz, ev, angstrom, m) = (
        got("jd"),
        got("mjd"),
        got("hz"),
        got("ev"),
        got("angstrom"),
        got("m"),
    );
    let f = |v: &serde_json::Value, i: usize| v[i].as_f64().unwrap();
    let mut exact_rv_zero = 0;
    for (i, row) in rows.iter().enumerate() {
        let id = row["id"].as_i64().unwrap();
        let want = &row["epoch_prop"];
        let input = &row["input"];
        let light_time = row["light_time"].as_f64().unwrap();
        let e: Vec<f64> = ep[i].iter().map(|v| v.unwrap()).collect();
        // Each quantity within the light-time share of its change (0 when
        // rv = 0), plus rounding.
        let moved = separation((f(input, 0), f(input, 1)), (f(want, 0), f(want, 1)));
        let off = separation((e[0], e[1]), (f(want, 0), f(want, 1)));
        assert!(
            off <= moved * light_time + 2e-10,
            "{id}: position {off}° from astropy's (moved {moved}°)"
        );
        if light_time == 0.0 {
            exact_rv_zero += 1;
        }
        // ERFA's parallax, motions and radial velocity also carry terms of
        // second order in the transverse velocity vt ((vt/c)² of the value,
        // vt²/c km/s for the radial velocity; thrice for margin).
        let vt_c = row["transverse_over_c"].as_f64().unwrap();
        let vt2_c = row["transverse_squared_over_c"].as_f64().unwrap();
        for (k, what) in [(2, "parallax"), (3, "pmra"), (4, "pmdec"), (5, "rv")] {
            let change = (f(want, k) - f(input, k)).abs();
            let second_order = if k == 5 {
                3.0 * vt2_c
            } else {
                3.0 * vt_c * (change + vt_c * f(want, k).abs())
            };
            // Plus 1e-7 of the value for ERFA's other refinements: a thousandth
            // of Gaia's best parallax error.
            // ERFA scales motions by the light-time factor 1/(1 - rv/c) too.
            let tolerance = (change + f(want, k).abs()) * light_time
                + second_order
                + 1e-7 * f(want, k).abs().max(1e-2);
            assert!(
                (e[k] - f(want, k)).abs() <= tolerance,
                "{id}: {what} {} vs astropy's {}",
                e[k],
                f(want, k)
            );
        }
        let pos = (pos_ra[i].unwrap(), pos_dec[i].unwrap());
        assert!(
            separation(pos, (e[0], e[1])) < 1e-12,
            "{id}: _pos and epoch_prop differ"
        );
        let apply_pm = &row["apply_pm"];
        let off = separation(
            (pm_ra[i].unwrap(), pm_dec[i].unwrap()),
            (f(apply_pm, 0), f(apply_pm, 1)),
        );
        assert!(off < 2e-10, "{id}: ivo_apply_pm {off}° from astropy's");
        let gal = &row["galactic"];
        let off = separation((l[i].unwrap(), b[i].unwrap()), (f(gal, 0), f(gal, 1)));
        assert!(off < 1e-9, "{id}: galactic {off}° from astropy's");
        let icrs = &row["galactic_to_icrs"];
        let off = separation(
            (back_ra[i].unwrap(), back_dec[i].unwrap()),
            (f(icrs, 0), f(icrs, 1)),
        );
        assert!(off < 1e-9, "{id}: galactic → ICRS {off}° from astropy's");
        // Julian dates: 1e-9 days is 86 µs, the precision of a double here.
        assert!(
            (jd[i].unwrap() - row["jd"].as_f64().unwrap()).abs() < 1e-8,
            "{id}: jd"
        );
        assert!(
            (mjd[i].unwrap() - row["mjd"].as_f64().unwrap()).abs() < 1e-8,
            "{id}: mjd"
        );
        for (value, key) in [(&hz, "hz"), (&ev, "ev"), (&angstrom, "angstrom"), (&m, "m")] {
            let w = row[key].as_f64().unwrap();
            assert!(
                ((value[i].unwrap() - w) / w).abs() < 1e-12,
                "{id}: {key} {} vs astropy's {w}",
                value[i].unwrap()
            );
        }
    }
    assert!(exact_rv_zero >= 400, "too few exact comparisons");

    // The histogram against numpy's, under- and overflow at the ends.
    let h = &expected["histogram"];
    let q = format!(
        "SELECT ivo_histogram(mag, {}, {}, {}) AS h FROM test.stars",
        h["lower"], h["upper"], h["bins"]
    );
    let batches = common::collect(&engine, &q).await;
    let list = batches[0].column(0).as_list::<i32>().value(0);
    let counts: Vec<i64> = list.as_primitive::<Int64Type>().values().to_vec();
    let want: Vec<i64> = h["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_i64().unwrap())
        .collect();
    assert_eq!(counts, want);
    // Per group, and the same when the aggregation is split across partitions.
    let q = "SELECT MOD(id, 4) AS k, ivo_histogram(mag, -2.0, 2.5, 9) AS h, \
             ivo_string_agg(CAST(id AS VARCHAR), '|') AS ids FROM test.stars GROUP BY MOD(id, 4) ORDER BY k";
    let batches = common::collect(&engine, q).await;
    let mut total = vec![0i64; want.len()];
    let mut seen: BTreeMap<i64, i64> = BTreeMap::new();
    for b in &batches {
        let k = arrow::compute::cast(b.column(0), &arrow::datatypes::DataType::Int64).unwrap();
        let k = k.as_primitive::<Int64Type>();
        let lists = b.column(1).as_list::<i32>();
        let ids = b.column(2);
        let ids = arrow::compute::cast(ids, &arrow::datatypes::DataType::Utf8).unwrap();
        let ids = ids.as_string::<i32>();
        for r in 0..b.num_rows() {
            let part = lists.value(r);
            for (t, c) in total
                .iter_mut()
                .zip(part.as_primitive::<Int64Type>().values())
            {
                *t += c;
            }
            for id in ids.value(r).split('|') {
                let id: i64 = id.parse().unwrap();
                assert_eq!(
                    id % 4,
                    k.value(r),
                    "{id} aggregated into group {}",
                    k.value(r)
                );
                *seen.entry(id).or_default() += 1;
            }
        }
    }
    assert_eq!(total, want, "the groups' histograms add up to the whole");
    assert_eq!(seen.len(), rows.len());
    assert!(seen.values().all(|&c| c == 1), "every id exactly once");

    // Normal deviates: mean, spread and the share within one sigma.
    let q = "SELECT ivo_normal_random(10, 2) AS x FROM test.stars AS a, test.stars AS b WHERE b.id < 50";
    let x: Vec<f64> = column_f64(&common::collect(&engine, q).await, "x")
        .into_iter()
        .map(Option::unwrap)
        .collect();
    let n = x.len() as f64;
    assert_eq!(x.len(), 100_000);
    let mean = x.iter().sum::<f64>() / n;
    let sd = (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let within = x.iter().filter(|v| (*v - 10.0).abs() < 2.0).count() as f64 / n;
    let want_within = expected["normal_within_one_sigma"].as_f64().unwrap();
    // Five standard errors: a correct generator fails this once in millions.
    assert!((mean - 10.0).abs() < 5.0 * 2.0 / n.sqrt(), "mean {mean}");
    assert!((sd - 2.0).abs() < 5.0 * 2.0 / (2.0 * n).sqrt(), "sd {sd}");
    assert!(
        (within - want_within).abs() < 5.0 * (want_within * (1.0 - want_within) / n).sqrt(),
        "{within} within one sigma"
    );
    let distinct: std::collections::BTreeSet<u64> = x.iter().map(|v| v.to_bits()).collect();
    assert!(distinct.len() > 99_000, "deviates repeat");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn catalogue_functions_say_what_is_wrong() {
    let snapshot = obscore::demo::demo_snapshot().unwrap();
    let engine = adql_engine::Engine::new(&snapshot).await.unwrap();
    for (q, wanted) in [
        (
            "SELECT ivo_specconv(em_min, 'm', 'furlong') FROM ivoa.ObsCore",
            "`furlong` is not a spectral unit",
        ),
        (
            "SELECT ivo_specconv(em_min, lsst_band) FROM ivoa.ObsCore",
            "takes its units as string literals",
        ),
        (
            "SELECT ivo_geom_transform('FK4', s_region, 'ICRS') FROM ivoa.ObsCore",
            "FK4",
        ),
        (
            "SELECT ivo_histogram(s_ra, 10, 5, 3) FROM ivoa.ObsCore",
            "lower < upper",
        ),
        (
            "SELECT ivo_epoch_prop_pos(0, 95, 1, 1, 1, 1, 2000, 2010) FROM ivoa.ObsCore",
            "not a position on the sky",
        ),
    ] {
        let message = match engine.query(q).await {
            Err(e) => e.to_string(),
            Ok(mut r) => {
                use futures::StreamExt;
                let mut message = String::new();
                while let Some(b) = r.stream.next().await {
                    if let Err(e) = b {
                        message = e.to_string();
                        break;
                    }
                }
                message
            }
        };
        assert!(message.contains(wanted), "{q}: {message}");
    }
}
