"""Opens a HATS catalogue with LSDB (PyPI) and prints what the CLI's test
compares: its rows' ids, and the ids of a cone search.

    python lsdb_open.py DIR RA DEC RADIUS_ARCSEC

Prints `rows N`, `ids <sorted comma list hash>`, `cone <sorted ids>`.
"""

import hashlib
import sys

import lsdb

catalog = lsdb.open_catalog(sys.argv[1])
frame = catalog.compute()
ids = sorted(int(i) for i in frame["id"])
print("rows", len(ids))
print("ids", hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest())
cone = catalog.cone_search(float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])).compute()
print("cone", ",".join(str(i) for i in sorted(int(i) for i in cone["id"])))
