"""Runs SQL over a Parquet file with DuckDB and prints each result as JSON rows,
for crates/adql-engine/tests/differential.rs to compare with adql-engine.

    python duckdb_diff.py PARQUET < queries.json   (a JSON list of SQL strings)
"""

import json
import math
import sys

import duckdb

path = sys.argv[1]
queries = json.load(sys.stdin)
con = duckdb.connect()
con.execute(f"CREATE VIEW obscore AS SELECT * FROM read_parquet('{path}')")
out = []
for q in queries:
    rows = con.execute(q).fetchall()
    norm = []
    for row in rows:
        cells = []
        for v in row:
            if isinstance(v, float) and math.isnan(v):
                v = "NaN"
            elif hasattr(v, "isoformat"):
                v = v.isoformat()
            elif not isinstance(v, (int, float, str, bool, type(None))):
                v = float(v)
            cells.append(v)
        norm.append(cells)
    out.append(norm)
json.dump(out, sys.stdout)
