"""astropy's cutout of the same file and region as `cargo bench --bench
cutout`: fits.open(memmap=True) + Cutout2D of each image HDU + writeto, the
way a user without this toolkit cuts a Rubin exposure. Prints the median ms."""
import io
import statistics
import sys
import tempfile
import time
import warnings

from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.nddata import Cutout2D
from astropy.wcs import WCS, FITSFixedWarning
import astropy.units as u

warnings.simplefilter("ignore", FITSFixedWarning)
path = sys.argv[1] if len(sys.argv) > 1 else f"{tempfile.gettempdir()}/adql-bench-cutout/image-4096.fits"
centre = SkyCoord(55.66 * u.deg, -32.21 * u.deg)
size = 2 * 0.03 * u.deg


def once():
    with fits.open(path, memmap=True) as hdul:
        out = fits.HDUList([fits.PrimaryHDU(header=hdul[0].header)])
        for hdu in hdul[1:]:
            wcs = WCS(hdu.header)
            cut = Cutout2D(hdu.data, centre, size, wcs=wcs, mode="trim")
            header = hdu.header.copy()
            header.update(cut.wcs.to_header())
            out.append(fits.ImageHDU(data=cut.data, header=header, name=hdu.name))
        buffer = io.BytesIO()
        out.writeto(buffer)
        return buffer.tell()


times = []
for _ in range(30):
    start = time.perf_counter()
    once()
    times.append((time.perf_counter() - start) * 1000)
print(f"astropy cutout: median {statistics.median(times):.1f} ms over {len(times)} runs ({path})")
