"""Times whole processes side by side on the same Parquet file: `adql query`
(the ADQL, pruning and all) and the DuckDB CLI running the best hand-written
SQL for the same question. Prints min and median wall time of N runs.

    adql generate --preset dp02 -o /tmp/dp02
    python3 -m venv /tmp/duck && /tmp/duck/bin/pip install duckdb-cli
    python3 benches/compare_duckdb.py /tmp/dp02 target/release/adql /tmp/duck/bin/duckdb

With a fourth argument, a Parquet copy of the table in random row order (no
spatial ordering: row-group statistics skip nothing), the cone also runs over
it, as `adql query --table u.t=FILE` and as DuckDB on that file:

    /tmp/duck/bin/duckdb -c "COPY (SELECT * FROM '/tmp/dp02/part-00000.parquet' ORDER BY hash(obs_publisher_did)) TO '/tmp/unsorted.parquet' (ROW_GROUP_SIZE 65536)"
"""

import os
import statistics
import subprocess
import sys
import time

snapshot, adql, duckdb = sys.argv[1], sys.argv[2], sys.argv[3]
unsorted = sys.argv[4] if len(sys.argv) > 4 else None
runs = int(os.environ.get("RUNS", "7"))
parquet = os.path.join(snapshot, "part-00000.parquet")
ra, dec, r = 55.74673760481304, -32.286155241413624, 0.5

CONE = f"CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', {ra}, {dec}, {r})) = 1"


def duckdb_cone(columns, path):
    # Bounding box first, then the haversine distance: DuckDB's best case.
    return f"""SELECT {columns} FROM '{path}'
            WHERE s_dec BETWEEN {dec - r} AND {dec + r}
              AND s_ra BETWEEN {ra - r / 0.84} AND {ra + r / 0.84}
              AND 2 * asin(sqrt(pow(sin(radians(s_dec - {dec}) / 2), 2)
                  + cos(radians(s_dec)) * cos(radians({dec})) * pow(sin(radians(s_ra - {ra}) / 2), 2))) <= radians({r})"""


CASES = [
    (
        "cone r=0.5° at the seed point",
        f"SELECT obs_id, s_ra, s_dec FROM ivoa.ObsCore WHERE {CONE}",
        duckdb_cone("obs_id, s_ra, s_dec", parquet),
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


if unsorted:
    CASES += [
        (
            f"unsorted file: cone, {columns}",
            f"SELECT {columns} FROM u.t WHERE {CONE}",
            duckdb_cone(columns, unsorted),
        )
        for columns in ["s_ra, s_dec", "obs_id, s_ra, s_dec"]
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
    tables = ["--table", f"u.t={unsorted}"] if unsorted else []
    a = timed([adql, "query", "--snapshot", snapshot, *tables, "--format", "csv", q])
    line = f"{name}: adql query {a[0]:.0f} ms min / {a[1]:.0f} ms median ({a[2] - 1} rows)"
    if sql:
        d = timed([duckdb, "-csv", "-c", sql])
        line += f"; duckdb CLI {d[0]:.0f} ms min / {d[1]:.0f} ms median ({d[2] - 1} rows)"
    print(line, flush=True)
