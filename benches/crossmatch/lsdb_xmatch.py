"""The crossmatch with LSDB: `import` turns both Parquet files into HATS
catalogues (timed apart, once), `match` runs lsdb's crossmatch within RADIUS
arcseconds (all neighbours, n_neighbors large) on a 2-worker dask cluster and
prints the number of pairs.

    python lsdb_xmatch.py import DIR
    python lsdb_xmatch.py match DIR RADIUS_ARCSEC
"""

import sys


def import_catalogues(d):
    from dask.distributed import Client
    from hats_import.catalog.arguments import ImportArguments
    from hats_import.pipeline import pipeline_with_client

    with Client(n_workers=2, threads_per_worker=1) as client:
        for name in ("small", "big"):
            args = ImportArguments(
                output_artifact_name=name,
                input_file_list=[f"{d}/{name}.parquet"],
                file_reader="parquet",
                ra_column="ra",
                dec_column="dec",
                output_path=f"{d}/hats",
                resume=False,
            )
            pipeline_with_client(args, client)


def match(d, radius):
    import lsdb
    from dask.distributed import Client

    with Client(n_workers=2, threads_per_worker=1):
        small = lsdb.open_catalog(f"{d}/hats/small")
        big = lsdb.open_catalog(f"{d}/hats/big")
        pairs = small.crossmatch(big, radius_arcsec=radius, n_neighbors=64, suffixes=("_s", "_b"))
        print(len(pairs.compute()))


if __name__ == "__main__":
    if sys.argv[1] == "import":
        import_catalogues(sys.argv[2])
    else:
        match(sys.argv[2], float(sys.argv[3]))
