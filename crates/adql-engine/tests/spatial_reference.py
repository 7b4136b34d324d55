"""Writes a table of test points (uniform on the sphere, plus clusters at the
RA 0/360 seam and at both poles) as Parquet, and for each spatial condition
the ids astropy (cones, distances, crossmatch) and spherical-geometry
(polygons) find, for crates/adql-engine/tests/spatial.rs.

    python spatial_reference.py OUTDIR
"""

import json
import os
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import astropy.units as u
from astropy.coordinates import SkyCoord
from spherical_geometry.polygon import SphericalPolygon

out = sys.argv[1]
rng = np.random.default_rng(42)
n = 20000
ra = rng.uniform(0, 360, n)
dec = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
# Clusters: the seam, both poles.
seam_ra = np.concatenate([rng.uniform(357, 360, 1500), rng.uniform(0, 3, 1500)])
seam_dec = rng.uniform(-6, 6, 3000)
north = 90 - np.degrees(np.arccos(rng.uniform(np.cos(np.radians(3)), 1, 1500)))
south = -90 + np.degrees(np.arccos(rng.uniform(np.cos(np.radians(6)), 1, 1500)))
ra = np.concatenate([ra, seam_ra, rng.uniform(0, 360, 1500), rng.uniform(0, 360, 1500)]) % 360
dec = np.concatenate([dec, seam_dec, north, south])
ids = np.arange(len(ra))
pq.write_table(pa.table({"id": ids, "ra": ra, "dec": dec}), os.path.join(out, "points.parquet"))
points = SkyCoord(ra * u.deg, dec * u.deg)

cases = []


def cone(adql, cra, cdec, r):
    sep = points.separation(SkyCoord(cra * u.deg, cdec * u.deg)).deg
    inside = ids[sep < r - 1e-9].tolist()
    ambiguous = ids[np.abs(sep - r) <= 1e-9].tolist()
    cases.append({"condition": adql, "ids": inside, "ambiguous": ambiguous})


for cra, cdec, r in [(359.9, 1.0, 2.0), (0.5, -3.0, 1.0), (0.0, 90.0, 2.0), (200.0, 89.2, 1.5), (123.0, -90.0, 5.0), (10.0, -87.0, 4.0), (75.0, 20.0, 10.0)]:
    cone(f"CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', {cra}, {cdec}, {r})) = 1", cra, cdec, r)
cone("DISTANCE(POINT('ICRS', ra, dec), POINT('ICRS', 359.5, -2.0)) < 1.5", 359.5, -2.0, 1.5)
cone("1 = INTERSECTS(CIRCLE('ICRS', 1.0, 1.0, 2.5), POINT('ICRS', ra, dec))", 1.0, 1.0, 2.5)


def polygon(adql, vra, vdec, inside_point):
    sp = SphericalPolygon.from_radec(list(vra) + [vra[0]], list(vdec) + [vdec[0]], center=inside_point)
    xyz = np.array(points.cartesian.xyz).T
    inside = np.array([sp.contains_point(p) for p in xyz])
    # Distance to the boundary, to leave out points within rounding of an edge.
    verts = np.array(SkyCoord(np.array(vra) * u.deg, np.array(vdec) * u.deg).cartesian.xyz).T
    near = np.zeros(len(xyz), bool)
    for i in range(len(verts)):
        a, b = verts[i], verts[(i + 1) % len(verts)]
        nrm = np.cross(a, b)
        nrm /= np.linalg.norm(nrm)
        near |= np.abs(xyz @ nrm) < 1e-9
    cases.append({"condition": adql, "ids": ids[inside & ~near].tolist(), "ambiguous": ids[near].tolist()})


polygon("CONTAINS(POINT('ICRS', ra, dec), POLYGON('ICRS', 358, -4, 2.5, -4, 2.5, 4, 358, 4)) = 1",
        [358, 2.5, 2.5, 358], [-4, -4, 4, 4], (0.25, 0))
polygon("CONTAINS(POINT('ICRS', ra, dec), POLYGON('ICRS', 0, 88, 120, 88, 240, 88)) = 1",
        [0, 120, 240], [88, 88, 88], (0, 90))
polygon("CONTAINS(POINT('ICRS', ra, dec), POLYGON('ICRS', 359, -3, 1, -3, 0, 3)) = 1",
        [359, 1, 0], [-3, -3, 3], (0, -1))

# A crossmatch: pairs of seam points within 0.05°.
sel = ids[(dec > -6) & (dec < 6) & ((ra > 357) | (ra < 3))][:400]
left = points[sel]
pairs = []
for a in range(len(sel)):
    sep = left[a].separation(left).deg
    pairs.extend((int(sel[a]), int(sel[b])) for b in np.nonzero(sep < 0.05 - 1e-9)[0])
pairs.sort()
json.dump({"cases": cases, "crossmatch": {"ids": [int(x) for x in sel], "radius": 0.05, "pairs": pairs}},
          open(os.path.join(out, "expected.json"), "w"))
print(len(ra), len(cases))
