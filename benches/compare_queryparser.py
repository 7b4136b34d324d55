"""Times queryparser-python3 (the ADQL parser of aipescience, ANTLR-based) on the
seed queries: microseconds per query, best of several rounds, for the README's
side-by-side with `cargo bench -p adql-benches --bench parse`.

    python3 -m venv /tmp/qp && /tmp/qp/bin/pip install queryparser-python3
    /tmp/qp/bin/python benches/compare_queryparser.py
"""

import os
import re
import sys
import time

from queryparser.adql import ADQLQueryTranslator

here = os.path.dirname(os.path.abspath(__file__))
shared = os.environ.get("ADQL_SHARED_DIR", os.path.join(here, "..", "..", "shared"))
text = open(os.path.join(shared, "reference", "seed-queries.md")).read()
queries = [q.rstrip() for q in re.findall(r"```sql\n(.*?)```", text, re.S)]


def best_time(query, rounds=5, min_time=0.2):
    best = float("inf")
    for _ in range(rounds):
        n = 0
        start = time.perf_counter()
        while True:
            ADQLQueryTranslator(query)  # lexes and parses
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        best = min(best, elapsed / n)
    return best * 1e6


print("seed  queryparser_us")
for n, q in enumerate(queries, 1):
    print(f"{n:>4}  {best_time(q):10.1f}")
sys.stdout.flush()
