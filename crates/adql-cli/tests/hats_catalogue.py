"""Writes a HATS catalogue with hats-import (PyPI) for the CLI's HATS test.

    python hats_catalogue.py DIR

DIR/objects.parquet: 60,000 points in two fields (one across RA 0, one near
the south pole) in random order; DIR/hats/objects_collection: the collection
hats-import writes of it: the catalogue (`objects/`, several partitions,
pixel_threshold 4,000) and a 10″ margin catalogue; DIR/read.parquet:
every row of the catalogue as pyarrow reads its partition files (the key
column dropped), to compare the engine's reading with.
"""

import sys

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

d = sys.argv[1]
rng = np.random.default_rng(5)
n = 30_000
ra = np.concatenate([(rng.uniform(-4.0, 4.0, n)) % 360.0, rng.uniform(0.0, 360.0, n)])
dec = np.concatenate([rng.uniform(-4.0, 4.0, n), rng.uniform(-89.9, -84.0, n)])
order = rng.permutation(2 * n)
table = pa.table(
    {
        "id": pa.array(np.arange(2 * n, dtype=np.int64)[order] + 500),
        "ra": pa.array(ra[order]),
        "dec": pa.array(dec[order]),
        "mag": pa.array(rng.uniform(15.0, 25.0, 2 * n)),
    }
)
pq.write_table(table, f"{d}/objects.parquet", row_group_size=10_000)

from dask.distributed import Client  # noqa: E402
from hats_import.collection.arguments import CollectionArguments  # noqa: E402
from hats_import.pipeline import pipeline_with_client  # noqa: E402

with Client(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as client:
    args = (
        CollectionArguments(
            output_artifact_name="objects_collection",
            output_path=f"{d}/hats",
            resume=False,
            progress_bar=False,
        )
        .catalog(
            output_artifact_name="objects",
            input_file_list=[f"{d}/objects.parquet"],
            file_reader="parquet",
            ra_column="ra",
            dec_column="dec",
            pixel_threshold=4_000,
        )
        .add_margin(margin_threshold=10.0, is_default=True)
    )
    pipeline_with_client(args, client)

primary = f"{d}/hats/objects_collection/objects"
read = ds.dataset(f"{primary}/dataset", format="parquet", exclude_invalid_files=True).to_table()
keep = [c for c in read.column_names if c in ("id", "ra", "dec", "mag")]
pq.write_table(read.select(keep), f"{d}/read.parquet")
print(len(read), "rows in", len(set(read.column_names)), "columns")
