"""adql.validate beside queryparser-python3 on the same queries, from Python:
kilobytes of ADQL checked per second, whole query text, best of three rounds.

    python3 -m venv /tmp/bench && /tmp/bench/bin/pip install queryparser-python3 ./crates/adql-python
    /tmp/bench/bin/python benches/python/validate_throughput.py

queryparser is timed as its users call it: `ADQLQueryTranslator(q)` then
`.to_postgresql()` (its parse and its translation, which is where it checks
the query). Queries it cannot handle are left out of both sides.
"""

import os
import re
import time

import adql
from queryparser.adql import ADQLQueryTranslator

here = os.path.dirname(os.path.abspath(__file__))
shared = os.environ.get("ADQL_SHARED_DIR", os.path.join(here, "..", "..", "..", "shared"))
text = open(os.path.join(shared, "reference", "seed-queries.md")).read()
queries = [q.rstrip() for q in re.findall(r"```sql\n(.*?)```", text, re.S)]


def queryparser(q: str) -> None:
    ADQLQueryTranslator(q).to_postgresql()


def usable(q: str) -> bool:
    try:
        queryparser(q)
        return True
    except Exception:
        return False


queries = [q for q in queries if usable(q)]
size = sum(len(q.encode()) for q in queries)


def kb_per_second(check, min_time: float) -> float:
    best = 0.0
    for _ in range(3):
        rounds = 0
        start = time.perf_counter()
        while True:
            for q in queries:
                check(q)
            rounds += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        best = max(best, size * rounds / elapsed / 1000)
    return best


ours = kb_per_second(adql.validate, 1.0)
theirs = kb_per_second(queryparser, 3.0)
print(f"{len(queries)} seed queries, {size} bytes")
print(f"adql.validate          {ours:12.1f} KB/s  ({size / ours / len(queries) * 1000:.1f} µs per query)")
print(f"queryparser-python3    {theirs:12.2f} KB/s  ({size / theirs / len(queries) * 1000:.0f} µs per query)")
print(f"ratio                  {ours / theirs:12.0f}×")
