"""Writes two catalogues of random points in a 10 x 10 degree field (uniform on
the sphere, in random row order) as plain Parquet files: small.parquet and
big.parquet, with columns id, ra, dec. For benches/crossmatch/compare.sh.

    python make_catalogues.py OUTDIR SMALL_ROWS BIG_ROWS
"""

import os
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

out, small, big = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(2026)


def points(n, first_id):
    ra = rng.uniform(150.0, 160.0, n)
    sin_lo, sin_hi = np.sin(np.radians(-5.0)), np.sin(np.radians(5.0))
    dec = np.degrees(np.arcsin(rng.uniform(sin_lo, sin_hi, n)))
    return pa.table({"id": np.arange(first_id, first_id + n), "ra": ra, "dec": dec})


pq.write_table(points(small, 0), os.path.join(out, "small.parquet"), row_group_size=1 << 20)
pq.write_table(points(big, 100_000_000), os.path.join(out, "big.parquet"), row_group_size=1 << 20)
print(f"{small} and {big} points in {out}")
