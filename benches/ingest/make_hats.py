"""A HATS catalogue of a Parquet file with hats-import (2 dask workers), for
the HATS cone figures of benches/ingest/compare.sh; prints the seconds taken.

    python make_hats.py INPUT.parquet OUTDIR NAME RA_COLUMN DEC_COLUMN

The catalogue is OUTDIR/NAME.
"""

import sys
import time

from dask.distributed import Client
from hats_import.catalog.arguments import ImportArguments
from hats_import.pipeline import pipeline_with_client


def main():
    source, out, name, ra, dec = sys.argv[1:6]
    start = time.perf_counter()
    with Client(n_workers=2, threads_per_worker=1, dashboard_address=None) as client:
        args = ImportArguments(
            output_artifact_name=name,
            input_file_list=[source],
            file_reader="parquet",
            ra_column=ra,
            dec_column=dec,
            output_path=out,
            resume=False,
            progress_bar=False,
        )
        pipeline_with_client(args, client)
    print(f"{time.perf_counter() - start:.1f}")


if __name__ == "__main__":
    main()
