"""Writes an Object-like catalogue (objectId, coord_ra, coord_dec and the six
bands' PSF fluxes) of N rows to a Parquet file, 1 M rows at a time, in a
random sky order (the way a pipeline's output is ordered by processing, not
by position), over the DC2 field (RA 50..75, Dec -45..-27).

    python make_objects.py ROWS OUT.parquet
"""

import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

rows = int(sys.argv[1])
out = sys.argv[2]
rng = np.random.default_rng(20261203)
schema = pa.schema(
    [("objectId", pa.int64()), ("coord_ra", pa.float64()), ("coord_dec", pa.float64())]
    + [(f"{b}_psfFlux", pa.float64()) for b in "ugrizy"]
)
with pq.ParquetWriter(out, schema) as writer:
    done = 0
    while done < rows:
        n = min(1_000_000, rows - done)
        ra = rng.uniform(50.0, 75.0, n)
        # Uniform on the sphere between Dec -45 and -27.
        lo, hi = np.sin(np.radians(-45.0)), np.sin(np.radians(-27.0))
        dec = np.degrees(np.arcsin(rng.uniform(lo, hi, n)))
        columns = [pa.array(np.arange(done, done + n, dtype=np.int64) * 7 + 1_000_000_000), pa.array(ra), pa.array(dec)]
        mag = rng.uniform(16.0, 27.0, n)
        for i, _ in enumerate("ugrizy"):
            columns.append(pa.array(10 ** ((31.4 - mag - 0.1 * i) / 2.5)))
        writer.write_batch(pa.record_batch(columns, schema=schema))
        done += n
