"""pyvo against `adql serve --cluster`: sync and async queries, as a notebook sends them.

Usage: cluster_tap_client.py TAP_URL QUERIES_JSON

Prints one JSON object: for each query its rows as lists of strings (sync),
and the rows of the first query run as an async job. The Rust test compares
them with the local engine's answers.
"""
import json
import sys

import pyvo


def cells(table):
    return [[str(v) for v in row] for row in table]


def main(url, queries_path):
    svc = pyvo.dal.TAPService(url)
    with open(queries_path) as f:
        queries = json.load(f)
    out = {"sync": [cells(svc.search(q).to_table()) for q in queries]}
    out["async"] = cells(svc.run_async(queries[0]).to_table())
    print(json.dumps(out))


if __name__ == "__main__":
    main(*sys.argv[1:])
