"""Checks a cutout against its source with astropy: every HDU is there, the
pixels are the source's, and the WCS puts the requested centre within a pixel
of the cutout's centre. Prints a JSON report."""
import json
import sys

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

source_path, cutout_path, ra, dec = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
report = {}
with fits.open(source_path) as src, fits.open(cutout_path) as cut:
    report["names"] = [h.name for h in cut]
    assert [h.name for h in src] == report["names"], (report["names"], [h.name for h in src])
    image = cut["IMAGE"]
    wcs = WCS(image.header)
    x, y = wcs.world_to_pixel_values(ra, dec)
    ny, nx = image.data.shape
    report["shape"] = [nx, ny]
    report["centre_offset_px"] = float(np.hypot(x - (nx - 1) / 2, y - (ny - 1) / 2))
    # Where the cutout sits in the source: by the WCS, and the pixels there.
    src_wcs = WCS(src["IMAGE"].header)
    sx, sy = src_wcs.world_to_pixel_values(*wcs.pixel_to_world_values(0, 0))
    x0, y0 = int(round(float(sx))), int(round(float(sy)))
    report["origin"] = [x0, y0]
    equal = True
    for name in ("IMAGE", "MASK", "VARIANCE"):
        part = src[name].data[y0:y0 + ny, x0:x0 + nx]
        equal = equal and part.shape == cut[name].data.shape and np.array_equal(part, cut[name].data)
        # Every HDU's WCS agrees with the IMAGE's.
        other = WCS(cut[name].header)
        ox, oy = other.world_to_pixel_values(ra, dec)
        equal = equal and abs(float(ox) - float(x)) < 1e-6 and abs(float(oy) - float(y)) < 1e-6
    report["pixels_equal"] = bool(equal)
print(json.dumps(report))
