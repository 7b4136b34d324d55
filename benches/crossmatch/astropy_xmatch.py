"""The crossmatch with astropy: search_around_sky of small.parquet against
big.parquet within RADIUS arcseconds; prints the number of pairs.

    python astropy_xmatch.py DIR RADIUS_ARCSEC
"""

import sys

import astropy.units as u
import pyarrow.parquet as pq
from astropy.coordinates import SkyCoord, search_around_sky

d, radius = sys.argv[1], float(sys.argv[2])
small = pq.read_table(f"{d}/small.parquet", columns=["ra", "dec"])
big = pq.read_table(f"{d}/big.parquet", columns=["ra", "dec"])
a = SkyCoord(small["ra"].to_numpy() * u.deg, small["dec"].to_numpy() * u.deg)
b = SkyCoord(big["ra"].to_numpy() * u.deg, big["dec"].to_numpy() * u.deg)
i, j, _, _ = search_around_sky(a, b, radius * u.arcsec)
print(len(i))
