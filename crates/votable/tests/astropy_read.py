"""Reads VOTables with astropy and prints what astropy sees, as JSON, for
crates/votable/tests/astropy.rs to compare with what was written.

    python astropy_read.py FILE...

For each file: the astropy dtype and values of every column (masked → null,
NaN → "NaN", arrays as lists), the INFOs of the first RESOURCE (name, value,
content) and the row count; an error document has no table.
"""

import json
import math
import sys
import warnings

import numpy as np
from astropy.io.votable import parse


def plain(value):
    if value is np.ma.masked or value is None:
        return None
    if isinstance(value, np.ma.MaskedArray):
        return [plain(v) for v in value.tolist(fill_value=None)] if value.ndim else plain(value.item())
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (np.generic,)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, float) and math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value


out = {}
for path in sys.argv[1:]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        votable = parse(path, verify="warn")
    resource = votable.resources[0]
    entry = {
        "warnings": [str(w.message) for w in caught],
        "infos": [[i.name, i.value, (i.content or "").strip() or None] for i in resource.infos],
    }
    tables = list(votable.iter_tables())
    if tables:
        table = tables[0].to_table()
        columns = {}
        for name in table.colnames:
            col = table[name]
            mask = np.ma.getmaskarray(col) if hasattr(col, "mask") else np.zeros(col.shape, bool)
            values = []
            for i in range(len(col)):
                v = col[i]
                if mask.ndim == 1 and mask[i]:
                    values.append(None)
                else:
                    values.append(plain(v))
            columns[name] = {"dtype": str(col.dtype), "values": values,
                             "unit": str(col.unit) if col.unit is not None else None}
        entry["rows"] = len(table)
        entry["columns"] = columns
        fields = tables[0].fields
        entry["fields"] = {f.name: {"datatype": f.datatype, "arraysize": f.arraysize, "xtype": f.xtype,
                                    "ucd": f.ucd, "utype": f.utype,
                                    "description": f.description} for f in fields}
    out[path] = entry
json.dump(out, sys.stdout, indent=1)
