"""Times whole processes side by side on the same Parquet file: `adql query`
(the ADQL, pruning and all) and the DuckDB CLI running the best hand-written
SQL for the same question. Prints min and median wall time of N runs.

    adql generate --preset dp02 -o /tmp/dp02
    python3 -m venv /tmp/duck && /tmp/duck/bin/pip install duckdb-cli
    python3 benches/compare_duckdb.py /tmp/dp02 target/release/adql /tmp/duck/bin/duckdb
"""

import os
import statistics
import subprocess
import sys
import time

snapshot, adql, duckdb = sys.argv[1], sys.argv[2], sys.argv[3]
runs = int(os.environ.get("RUNS", "7"))
parquet = os.path.join(snapshot, "part-00000.parquet")
ra, dec, r = 55.74673760481304, -32.286155241413624, 0.5

CASES = [
    (
        "cone r=0.5° at the seed point",
        f"SELECT obs_id, s_ra, s_dec FROM ivoa.ObsCore WHERE CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', {ra}, {dec}, {r})) = 1",
        # Bounding box first, then the haversine distance: DuckDB's best case.
        f"""SELECT obs_id, s_ra, s_dec FROM '{parquet}'
            WHERE s_dec BETWEEN {dec - r} AND {dec + r}
              AND s_ra BETWEEN {ra - r / 0.84} AND {ra + r / 0.84}
              AND 2 * asin(sqrt(pow(sin(radians(s_dec - {dec}) / 2), 2)
                  + cos(radians(s_dec)) * cos(radians({dec})) * pow(sin(radians(s_ra - {ra}) / 2), 2))) <= radians({r})""",
    ),
    (
        "GROUP BY dataproduct_subtype",
        "SELECT dataproduct_subtype, COUNT(*) FROM ivoa.ObsCore GROUP BY dataproduct_subtype",
        f"SELECT dataproduct_subtype, COUNT(*) FROM '{parquet}' GROUP BY dataproduct_subtype",
    ),
    (
        "the seed's CONTAINS(point, s_region) query",
        "SELECT obs_id FROM ivoa.ObsCore WHERE dataproduct_subtype = 'lsst.deepCoadd_calexp' AND CONTAINS(POINT('ICRS', 55.74673760481304, -32.286155241413624), s_region) = 1",
        None,
    ),
]


def timed(cmd):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True)
        times.append(time.perf_counter() - start)
        if out.returncode != 0:
            raise SystemExit(f"{cmd[0]} failed: {out.stderr.decode()[:500]}")
    return min(times) * 1000, statistics.median(times) * 1000, out.stdout.count(b"\n")


for name, q, sql in CASES:
    a = timed([adql, "query", "--snapshot", snapshot, "--format", "csv", q])
    line = f"{name}: adql query {a[0]:.0f} ms min / {a[1]:.0f} ms median ({a[2] - 1} rows)"
    if sql:
        d = timed([duckdb, "-csv", "-c", sql])
        line += f"; duckdb CLI {d[0]:.0f} ms min / {d[1]:.0f} ms median ({d[2] - 1} rows)"
    print(line, flush=True)
