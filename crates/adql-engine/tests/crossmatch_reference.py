"""Writes two catalogues of test points as Parquet -- targets (with a radius per
row) and a denser catalogue, both uniform on the sphere plus clusters at the RA
0/360 seam and around both poles -- and the pairs astropy's search_around_sky
finds between them, for crates/adql-engine/tests/crossmatch.rs.

    python crossmatch_reference.py OUTDIR

Pairs within 1e-9 degrees of the radius are listed apart as ambiguous (rounding
may put them either side).
"""

import json
import os
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import astropy.units as u
from astropy.coordinates import SkyCoord, search_around_sky

out = sys.argv[1]
rng = np.random.default_rng(7)


def catalogue(n_uniform, n_cluster):
    ra = rng.uniform(0, 360, n_uniform)
    dec = np.degrees(np.arcsin(rng.uniform(-1, 1, n_uniform)))
    seam_ra = np.concatenate([rng.uniform(359.5, 360, n_cluster), rng.uniform(0, 0.5, n_cluster)])
    seam_dec = rng.uniform(-0.5, 0.5, 2 * n_cluster)
    north = 90 - np.degrees(np.arccos(rng.uniform(np.cos(np.radians(0.5)), 1, n_cluster)))
    south = -90 + np.degrees(np.arccos(rng.uniform(np.cos(np.radians(0.5)), 1, n_cluster)))
    ra = np.concatenate([ra, seam_ra, rng.uniform(0, 360, 2 * n_cluster)]) % 360
    dec = np.concatenate([dec, seam_dec, north, south])
    return ra, dec


RADIUS = 0.02
t_ra, t_dec = catalogue(3000, 400)
c_ra, c_dec = catalogue(30000, 4000)
t_r = rng.uniform(0.001, 0.05, len(t_ra))
t_id = np.arange(len(t_ra))
c_id = np.arange(len(c_ra)) + 1_000_000
pq.write_table(pa.table({"id": t_id, "ra": t_ra, "dec": t_dec, "r": t_r}),
               os.path.join(out, "targets.parquet"))
pq.write_table(pa.table({"id": c_id, "ra": c_ra, "dec": c_dec}), os.path.join(out, "catalogue.parquet"))

targets = SkyCoord(t_ra * u.deg, t_dec * u.deg)
cat = SkyCoord(c_ra * u.deg, c_dec * u.deg)


def pairs(radius_of_target, largest):
    i, j, sep, _ = search_around_sky(targets, cat, largest * u.deg)
    sep = sep.deg
    r = radius_of_target[i]
    inside = sep < r - 1e-9
    near = np.abs(sep - r) <= 1e-9
    listed = lambda m: sorted([int(t_id[a]), int(c_id[b])] for a, b in zip(i[m], j[m]))
    return {"pairs": listed(inside), "ambiguous": listed(near)}


constant = pairs(np.full(len(t_ra), RADIUS), RADIUS + 1e-6)
per_row = pairs(t_r, t_r.max() + 1e-6)
json.dump({"radius": RADIUS, "constant": constant, "per_row": per_row},
          open(os.path.join(out, "expected.json"), "w"))
print(len(t_ra), len(c_ra), len(constant["pairs"]), len(per_row["pairs"]))
