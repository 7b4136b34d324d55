"""Writes a table of stars (positions, parallaxes, proper motions, radial
velocities, epochs, observation times, wavelengths, values) as Parquet, and
what astropy and numpy make of them for each IVOA UDF catalogue function the
engine runs, for crates/adql-engine/tests/catalogue_udfs.rs.

    python catalogue_udfs_reference.py OUTDIR
"""

import json
import math
import os
import sys
import warnings

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import astropy.units as u
from astropy.coordinates import SkyCoord, Distance
from astropy.time import Time

warnings.simplefilter("ignore")  # ERFA's "dubious year" for epochs far from now

out = sys.argv[1]
rng = np.random.default_rng(7)
n = 2000
ids = np.arange(n)
ra = rng.uniform(0, 360, n)
dec = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
# Near the poles and the RA 0/360 seam too.
ra[:40] = rng.uniform(359.99, 360.0, 40) % 360
dec[40:80] = rng.uniform(89.9, 90.0, 40)
dec[80:120] = rng.uniform(-90.0, -89.9, 40)
# From 5 mas, the transverse velocities stay below ERFA's limit of 0.5% of c,
# above which pmsafe changes the parallax it is given.
parallax = rng.uniform(5, 300, n)
pmra = rng.normal(0, 300, n)
pmdec = rng.normal(0, 300, n)
rv = rng.uniform(-120, 120, n)
rv[:500] = 0.0
ref_epoch = np.full(n, 2016.0)
out_epoch = rng.uniform(1900, 2150, n)
obs_time = np.datetime64("1995-01-01T00:00:00") + (rng.uniform(0, 40 * 365.25 * 86400, n) * 1e6).astype("timedelta64[us]")
wavelength_nm = rng.uniform(300, 1100, n)
mag = rng.normal(0, 1, n)

pq.write_table(
    pa.table(
        {
            "id": ids,
            "ra": ra,
            "dec": dec,
            "parallax": parallax,
            "pmra": pmra,
            "pmdec": pmdec,
            "rv": rv,
            "ref_epoch": ref_epoch,
            "out_epoch": out_epoch,
            # As TAP gives timestamps: ISO-8601 text (DALI).
            "obs_time": obs_time.astype("datetime64[us]").astype(str),
            "wavelength_nm": wavelength_nm,
            "mag": mag,
        }
    ),
    os.path.join(out, "stars.parquet"),
)

c_km_s = 299792.458
star = SkyCoord(
    ra=ra * u.deg,
    dec=dec * u.deg,
    distance=Distance(parallax=parallax * u.mas),
    pm_ra_cosdec=pmra * u.mas / u.yr,
    pm_dec=pmdec * u.mas / u.yr,
    radial_velocity=rv * u.km / u.s,
    obstime=Time(ref_epoch, format="jyear", scale="tdb"),
)
moved = star.apply_space_motion(new_obstime=Time(out_epoch, format="jyear", scale="tdb"))
# astropy (ERFA's pmsafe) adds the light time the engine, as the Gaia and
# Hipparcos model, leaves out: a fraction |rv|/c of each change.
light_time = 3 * np.abs(rv) / c_km_s
# ERFA also treats the motion relativistically: second order in the
# transverse velocity, which the linear model leaves out.
transverse_km_s = 4.740470463533348 * np.hypot(pmra, pmdec) / parallax

# ivo_apply_pm: the same straight line at infinite distance, motions in deg/yr.
far = SkyCoord(
    ra=ra * u.deg,
    dec=dec * u.deg,
    distance=1 * u.Mpc,
    pm_ra_cosdec=pmra * u.mas / u.yr,
    pm_dec=pmdec * u.mas / u.yr,
    radial_velocity=0 * u.km / u.s,
    obstime=Time(ref_epoch, format="jyear", scale="tdb"),
)
far_moved = far.apply_space_motion(new_obstime=Time(out_epoch, format="jyear", scale="tdb"))

galactic = SkyCoord(ra=ra * u.deg, dec=dec * u.deg, frame="icrs").galactic
back = SkyCoord(l=ra * u.deg, b=dec * u.deg, frame="galactic").icrs

# Read on a scale without leap seconds: the catalogue's conversion is naive
# (astropy's UTC Julian dates stretch the day that has one to 86,401 s).
times = Time(obs_time.astype("datetime64[us]").astype(str), format="isot", scale="tai")
wavelength = wavelength_nm * u.nm

lower, upper, bins = -2.0, 2.5, 9
inside, _ = np.histogram(mag[(mag >= lower) & (mag < upper)], bins=bins, range=(lower, upper))
histogram = [int((mag < lower).sum())] + inside.tolist() + [int((mag >= upper).sum())]

rows = []
for i in range(n):
    rows.append(
        {
            "id": int(i),
            "epoch_prop": [
                moved.ra.deg[i],
                moved.dec.deg[i],
                moved.distance.parallax.mas[i],
                moved.pm_ra_cosdec.to_value(u.mas / u.yr)[i],
                moved.pm_dec.to_value(u.mas / u.yr)[i],
                moved.radial_velocity.to_value(u.km / u.s)[i],
            ],
            "input": [ra[i], dec[i], parallax[i], pmra[i], pmdec[i], rv[i]],
            "light_time": light_time[i],
            "transverse_over_c": transverse_km_s[i] / c_km_s,
            "transverse_squared_over_c": transverse_km_s[i] ** 2 / c_km_s,
            "apply_pm": [far_moved.ra.deg[i], far_moved.dec.deg[i]],
            "galactic": [galactic.l.deg[i], galactic.b.deg[i]],
            "galactic_to_icrs": [back.ra.deg[i], back.dec.deg[i]],
            "jd": times.jd[i],
            "mjd": times.mjd[i],
            "hz": wavelength[i].to_value(u.Hz, equivalencies=u.spectral()),
            "ev": wavelength[i].to_value(u.eV, equivalencies=u.spectral()),
            "angstrom": wavelength[i].to_value(u.AA, equivalencies=u.spectral()),
            "m": wavelength[i].to_value(u.m),
        }
    )

expected = {
    "rows": rows,
    "histogram": {"lower": lower, "upper": upper, "bins": bins, "counts": histogram},
    # The share of a normal distribution within one sigma of its mean.
    "normal_within_one_sigma": math.erf(1 / math.sqrt(2)),
}
with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump(expected, f)
