"""Targets uploaded through pyvo and joined with a TAP service's ObsCore on
`CONTAINS(POINT(target), s_region) = 1` — the "which images cover my targets"
query — timed per call as a notebook user sees it (upload, query, VOTable
back, parsed by astropy).

    python upload_pyvo.py TAP_URL TARGETS [REPEATS] [count]

With `count`, the query asks for the number of pairs only (what a large
match is first asked for: an 11 M-row answer takes astropy minutes to parse).

TARGETS random positions are drawn near ObsCore rows' own positions (so that
they fall on the survey's footprint), with a fixed seed. Prints each call's
wall time and the pairs, then the median.
"""

import statistics
import sys
import time

import numpy as np
import pyvo
from astropy.table import Table

url, count = sys.argv[1], int(sys.argv[2])
repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 5
count_only = len(sys.argv) > 4 and sys.argv[4] == "count"
service = pyvo.dal.TAPService(url)
centres = service.run_sync(
    "SELECT s_ra, s_dec FROM ivoa.ObsCore WHERE s_ra IS NOT NULL", maxrec=10_000_000
).to_table()
# The service's rows come in whatever order its partitions finish: sorted,
# the same seed draws the same targets every run.
centres = centres[np.lexsort((np.asarray(centres["s_dec"]), np.asarray(centres["s_ra"])))]
rng = np.random.default_rng(2026)
picked = rng.choice(len(centres), count, replace=False)
targets = Table(
    {
        "id": np.arange(count, dtype=np.int64),
        "ra": (np.asarray(centres["s_ra"])[picked] + rng.normal(0, 0.1, count)) % 360,
        "dec": np.clip(np.asarray(centres["s_dec"])[picked] + rng.normal(0, 0.1, count), -90, 90),
    }
)
columns = "COUNT(*) AS pairs" if count_only else "t.id, o.obs_id, o.lsst_band"
query = f"""SELECT {columns}
FROM TAP_UPLOAD.t AS t JOIN ivoa.ObsCore AS o
ON CONTAINS(POINT('ICRS', t.ra, t.dec), o.s_region) = 1"""
times = []
for _ in range(repeats):
    start = time.perf_counter()
    pairs = service.run_sync(query, uploads={"t": targets}, maxrec=100_000_000).to_table()
    times.append(time.perf_counter() - start)
    found = int(pairs["pairs"][0]) if count_only else len(pairs)
    print(f"{times[-1]:.3f} s, {found} pairs", flush=True)
print(f"median {statistics.median(times):.3f} s over {repeats} calls")
