"""The seed notebook's image path, as a Rubin user runs it with pyvo against
the server under test: search → getdataurl → DatalinkResults → #this →
SodaQuery (circle, polygon) → astropy; iter_datalinks; #progenitor; a cutout
in every band; SIA v2. Prints a JSON report for the Rust test to check."""
import io
import json
import sys
import warnings

import numpy as np
import pyvo
import requests
from astropy.io import fits
from astropy.wcs import WCS, FITSFixedWarning
from pyvo.dal.adhoc import DatalinkResults, SodaQuery

warnings.simplefilter("ignore", FITSFixedWarning)

base = sys.argv[1]
tap = pyvo.dal.TAPService(base + "/api/tap")
RA, DEC = 55.7467, -32.2862
report = {}


def rows_with(dl, semantics):
    return [r for r in dl if r.semantics == semantics]


def check_cutout(source, cutout, ra, dec):
    """Centre offset (px), pixels equal to the source's, HDU names."""
    image = cutout["IMAGE"]
    wcs = WCS(image.header)
    x, y = wcs.world_to_pixel_values(ra, dec)
    ny, nx = image.data.shape
    src_wcs = WCS(source["IMAGE"].header)
    sx, sy = src_wcs.world_to_pixel_values(*wcs.pixel_to_world_values(0, 0))
    x0, y0 = int(round(float(sx))), int(round(float(sy)))
    equal = all(
        np.array_equal(source[n].data[y0:y0 + ny, x0:x0 + nx], cutout[n].data)
        for n in ("IMAGE", "MASK", "VARIANCE")
    )
    return {
        "offset": float(np.hypot(x - (nx - 1) / 2, y - (ny - 1) / 2)),
        "equal": bool(equal),
        "names": [h.name for h in cutout],
        "shape": [nx, ny],
    }


# The seed: the i-band coadd containing the point.
coadds = tap.search(
    "SELECT * FROM ivoa.ObsCore WHERE CONTAINS(POINT('ICRS', 55.7467, -32.2862), s_region) = 1 "
    "AND dataproduct_subtype = 'lsst.deepCoadd_calexp'"
)
report["coadds"] = len(coadds)
row = [r for r in coadds if r["lsst_band"] == "i"][0]
url = row.getdataurl()
report["dataurl"] = url
dl = DatalinkResults.from_result_url(url)
this = rows_with(dl, "#this")[0]
report["this_type"] = this.content_type
report["this_length"] = int(this.content_length)
data = requests.get(this.access_url, timeout=60).content
report["this_bytes"] = len(data)
source = fits.open(io.BytesIO(data))
report["this_hdus"] = [h.name for h in source]

soda = dl.get_adhocservice_by_id("cutout-sync")
sq = SodaQuery.from_resource(dl, soda)
sq.circle = (RA, DEC, 0.03)
cut = fits.open(io.BytesIO(sq.execute_stream().read()))
report["circle"] = check_cutout(source, cut, RA, DEC)

sq = SodaQuery.from_resource(dl, soda)
sq.polygon = (RA - 0.03, DEC - 0.02, RA + 0.03, DEC - 0.02, RA, DEC + 0.04)
cut = fits.open(io.BytesIO(sq.execute_stream().read()))
report["polygon"] = check_cutout(source, cut, RA, DEC)

# The coadd's progenitors (its band's visit images over it).
report["progenitors"] = len(rows_with(dl, "#progenitor"))
g = [r for r in coadds if r["lsst_band"] == "g"][0]
gdl = DatalinkResults.from_result_url(g.getdataurl())
progenitors = rows_with(gdl, "#progenitor")
report["g_progenitors"] = len(progenitors)
if progenitors:
    visit = DatalinkResults.from_result_url(progenitors[0].access_url)
    report["progenitor_this"] = len(rows_with(visit, "#this"))

# One object, every band.
bands = {}
for r in coadds:
    rdl = DatalinkResults.from_result_url(r.getdataurl())
    q = SodaQuery.from_resource(rdl, rdl.get_adhocservice_by_id("cutout-sync"))
    q.circle = (RA, DEC, 0.01)
    c = fits.open(io.BytesIO(q.execute_stream().read()))
    bands[str(r["lsst_band"])] = [h.name for h in c]
report["bands"] = bands

# iter_datalinks over six visit images.
six = tap.search(
    "SELECT TOP 6 * FROM ivoa.ObsCore WHERE dataproduct_subtype = 'lsst.calexp' ORDER BY obs_publisher_did"
)
links = list(six.iter_datalinks())
report["iter_datalinks"] = len(links)
report["iter_datalinks_this"] = sum(1 for d in links if rows_with(d, "#this"))

# SIA v2, against the equivalent ADQL.
sia = pyvo.dal.SIA2Service(base + "/api/sia")
found = sia.search(pos=(RA, DEC, 0.05), calib_level=3)
report["sia_ids"] = sorted(str(r["obs_publisher_did"]) for r in found)
adql = tap.search(
    "SELECT obs_publisher_did FROM ivoa.ObsCore WHERE "
    "INTERSECTS(s_region, CIRCLE('ICRS', 55.7467, -32.2862, 0.05)) = 1 AND calib_level = 3"
)
report["adql_ids"] = sorted(str(r["obs_publisher_did"]) for r in adql)
found = sia.search(pos=(RA, DEC, 0.05), band=(6e-7, 7e-7))
report["sia_band_rows"] = len(found)
adql = tap.search(
    "SELECT obs_publisher_did FROM ivoa.ObsCore WHERE "
    "INTERSECTS(s_region, CIRCLE('ICRS', 55.7467, -32.2862, 0.05)) = 1 AND em_min <= 7e-7 AND em_max >= 6e-7"
)
report["adql_band_rows"] = len(adql)
print(json.dumps(report))
