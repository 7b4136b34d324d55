"""Times astropy writing the same ObsCore-shaped table as
`cargo bench -p adql-benches --bench votable` (benches/src/lib.rs,
obscore_like), in BINARY2 and TABLEDATA, and prints MB/s of output.

    python3 -m venv /tmp/av && /tmp/av/bin/pip install astropy
    /tmp/av/bin/python benches/compare_astropy_votable.py [ROWS]
"""

import io
import sys
import time

import numpy as np
from astropy.table import Table
from astropy.io.votable import from_table

rows = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
i = np.arange(rows)
bands = np.array(["u", "g", "r", "i", "z", "y"])
ra = 50.0 + (i % 2500) * 0.01
dec = -45.0 + (i % 1800) * 0.01
cols = {
    "access_format": np.full(rows, "application/x-votable+xml;content=datalink"),
    "access_url": np.array([f"https://data.lsst.cloud/api/datalink/links?ID=butler%3A//dp02/{k:08x}-534a-4102-b8a7-{k * 7:012x}" for k in i]),
    "dataproduct_subtype": np.full(rows, "lsst.calexp"),
    "dataproduct_type": np.full(rows, "image"),
    "facility_name": np.full(rows, "Rubin-LSST"),
    "instrument_name": np.full(rows, "LSSTCam-imSim"),
    "lsst_band": bands[i % 6],
    "lsst_filter": bands[i % 6],
    "o_ucd": np.full(rows, "phot.count"),
    "obs_collection": np.full(rows, "LSST.DP02"),
    "obs_id": np.array([f"obs_id-{k}" for k in i]),
    "obs_publisher_did": np.array([f"obs_publisher_did-{k}" for k in i]),
    "s_region": np.array([f"POLYGON ICRS {a:.6f} {d:.6f} {a + 0.2:.6f} {d:.6f} {a + 0.2:.6f} {d + 0.2:.6f} {a:.6f} {d + 0.2:.6f}" for a, d in zip(ra, dec)]),
    "target_name": np.array([f"target_name-{k}" for k in i]),
}
for k, name in enumerate(["calib_level", "lsst_detector", "lsst_patch", "lsst_tract", "lsst_visit", "em_xel"]):
    cols[name] = (i * (k + 3) % 100_000).astype(np.int64)
for k, name in enumerate(["em_max", "em_min", "em_res_power", "s_dec", "s_fov", "s_ra", "s_resolution", "s_xel1",
                          "s_xel2", "t_exptime", "t_max", "t_min", "t_resolution", "t_xel", "pol_xel"]):
    cols[name] = i * 0.001234567 + k * 1.5
table = Table(cols)
for fmt in ["binary2", "tabledata"]:
    votable = from_table(table)
    out = io.BytesIO()
    start = time.perf_counter()
    votable.to_xml(out, tabledata_format=fmt)
    elapsed = time.perf_counter() - start
    size = out.tell()
    print(f"astropy {fmt}: {rows} rows, {size / 1e6:.1f} MB in {elapsed:.2f} s = {size / 1e6 / elapsed:.1f} MB/s")
