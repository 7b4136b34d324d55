"""Independent reference values for crates/adql-geom, computed with astropy,
spherical-geometry (STScI), mpmath (50-digit arithmetic) and numpy.

    python3 -m venv /tmp/geo && /tmp/geo/bin/pip install numpy astropy spherical-geometry mpmath
    /tmp/geo/bin/python testdata/geometry/reference.py > testdata/geometry/reference.json

None of this code shares an algorithm with the Rust crate: distances come from
astropy's Vincenty formula, containment from astropy separations and
spherical-geometry, areas from Girard's angle sum in 50-digit arithmetic, box
corners from intersecting great circles in astropy's SkyOffsetFrame, Galactic
from astropy's frame graph. Centroids use the boundary integral in 50 digits,
cross-checked here against Monte-Carlo integration.
"""

import json
import sys

import numpy as np
import astropy.units as u
from astropy.coordinates import SkyCoord, SkyOffsetFrame
from spherical_geometry.polygon import SphericalPolygon
import mpmath as mp

mp.mp.dps = 50
rng = np.random.default_rng(20261125)


def sep(ra1, dec1, ra2, dec2):
    return SkyCoord(ra1 * u.deg, dec1 * u.deg).separation(SkyCoord(ra2 * u.deg, dec2 * u.deg)).deg


# --- distances: poles, seam, tiny, antipodal -------------------------------------
pairs = [
    (0.0, 0.0, 0.0, 0.0),
    (359.9999, 0.0, 0.0001, 0.0),
    (10.0, 20.0, 10.0, 20.0 + 1.0 / 3.6e6),            # 1 mas
    (10.0, 20.0, 10.0 + 1.0 / 3.6e9, 20.0),            # 1 µas in RA
    (0.0, 90.0, 180.0, 89.0),                           # across the pole
    (0.0, -90.0, 123.0, -90.0),                         # the same point (south pole)
    (10.0, 20.0, 190.0, -20.0),                         # antipodal
    (10.0, 20.0, 190.0, -20.0 + 1e-7),                  # nearly antipodal
    (55.74673760481304, -32.286155241413624, 55.652, -32.206),
    (359.5, -45.0, 0.5, -45.0),
    (0.0, 89.999999, 180.0, 89.999999),
]
for _ in range(40):
    ra1, ra2 = rng.uniform(0, 360, 2)
    d1, d2 = np.degrees(np.arcsin(rng.uniform(-1, 1, 2)))
    pairs.append((ra1, d1, ra2, d2))
distances = [
    {"ra1": a, "dec1": b, "ra2": c, "dec2": d, "distance": float(sep(a, b, c, d))} for a, b, c, d in pairs
]

# --- circles: containment near the boundary, poles, seam, tiny and huge ------------
circles = [
    (0.0, 0.0, 1.0), (359.8, 10.0, 0.5), (0.2, -89.5, 2.0), (123.0, 90.0, 5.0),
    (10.0, 20.0, 1.0 / 3.6e6), (200.0, -30.0, 170.0), (55.7, -32.3, 0.5), (300.0, 45.0, 90.0),
]
circle_cases = []
for ra, dec, r in circles:
    c = SkyCoord(ra * u.deg, dec * u.deg)
    for _ in range(60):
        # Points at radii around r: inside and outside, never within 1e-9 of the edge.
        f = rng.choice([rng.uniform(0, 0.999999), rng.uniform(1.000001, 1.5)])
        rho = min(r * f, 180.0)
        pa = rng.uniform(0, 360)
        p = c.directional_offset_by(pa * u.deg, rho * u.deg)
        s = c.separation(p).deg
        if abs(s - r) < 1e-9 or abs(s - r) < r * 1e-7:
            continue
        circle_cases.append({
            "ra": ra, "dec": dec, "radius": r,
            "point": [float(p.ra.deg), float(p.dec.deg)], "inside": bool(s <= r),
        })
    circle_cases.append({"ra": ra, "dec": dec, "radius": r, "area": float(2 * mp.pi * (1 - mp.cos(mp.radians(r))) * (180 / mp.pi) ** 2)})


# --- polygons ---------------------------------------------------------------------
def girard_area_sq_deg(ra, dec):
    """Area of the smaller side by Girard's theorem, in 50-digit arithmetic."""
    v = [mp.matrix([mp.cos(mp.radians(d)) * mp.cos(mp.radians(a)),
                    mp.cos(mp.radians(d)) * mp.sin(mp.radians(a)),
                    mp.sin(mp.radians(d))]) for a, d in zip(ra, dec)]
    n = len(v)

    def cross(x, y):
        return mp.matrix([x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2], x[0] * y[1] - x[1] * y[0]])

    def dot(x, y):
        return x[0] * y[0] + x[1] * y[1] + x[2] * y[2]

    total = mp.mpf(0)
    for i in range(n):
        a, b, c = v[i - 1], v[i], v[(i + 1) % n]
        # Interior angle at b between the great circles to a and to c (left side).
        t1 = cross(b, a)
        t2 = cross(b, c)
        ang = mp.atan2(dot(b, cross(t2, t1)), dot(t1, t2))
        if ang < 0:
            ang += 2 * mp.pi
        total += ang
    excess = total - (n - 2) * mp.pi
    excess = excess % (4 * mp.pi)
    area = min(excess, 4 * mp.pi - excess)
    return float(area * (180 / mp.pi) ** 2)


def boundary_centroid(ra, dec, area_sr_sign_flip=False):
    """Direction of ∫x dA = ½ Σ θ n̂ over edges, in 50 digits, oriented to the small side."""
    def vec(a, d):
        return mp.matrix([mp.cos(mp.radians(d)) * mp.cos(mp.radians(a)), mp.cos(mp.radians(d)) * mp.sin(mp.radians(a)), mp.sin(mp.radians(d))])
    v = [vec(a, d) for a, d in zip(ra, dec)]
    n = len(v)
    s = mp.matrix([0, 0, 0])
    for i in range(n):
        a, b = v[i], v[(i + 1) % n]
        c = mp.matrix([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]])
        norm = mp.sqrt(c[0] ** 2 + c[1] ** 2 + c[2] ** 2)
        theta = mp.atan2(norm, a[0] * b[0] + a[1] * b[1] + a[2] * b[2])
        s += c * (theta / norm)
    return s


# (name, RA, Dec, a point known to be inside: spherical-geometry needs one for
# non-convex shapes).
polygons = [
    ("small square", [10, 12, 12, 10], [10, 10, 12, 12], (11, 11)),
    ("across the seam", [359, 1, 1, 359], [-1, -1, 1, 1], (0, 0)),
    ("around the north pole", [0, 90, 180, 270], [80, 80, 80, 80], (0, 90)),
    ("around the south pole, reversed", [270, 180, 90, 0], [-85, -85, -85, -85], (0, -90)),
    ("large", [0, 80, 80, 0], [-40, -40, 40, 40], (40, 0)),
    ("tiny (1 arcsec)", [30, 30 + 1 / 3600, 30 + 1 / 3600, 30], [-20, -20, -20 + 1 / 3600, -20 + 1 / 3600], (30 + 0.5 / 3600, -20 + 0.5 / 3600)),
    ("dp02 detector", [55.514085, 55.790197, 55.789845, 55.514437], [-32.322253, -32.322253, -32.088924, -32.088924], (55.65, -32.2)),
    ("L shape", [0, 4, 4, 1, 1, 0], [0, 0, 1, 1, 4, 4], (0.5, 0.5)),
    ("triangle, clockwise", [100, 95, 105], [10, 0, 0], (100, 3)),
]
polygon_cases = []
def cap_samples(center, radius_deg, n):
    """Uniform points in the cap of `radius_deg` around unit vector `center`."""
    z = rng.uniform(np.cos(np.radians(radius_deg)), 1, n)
    phi = rng.uniform(0, 2 * np.pi, n)
    rho = np.sqrt(1 - z * z)
    e1 = np.cross(center, [0.3, 0.4, 0.866]); e1 /= np.linalg.norm(e1)
    e2 = np.cross(center, e1)
    return (rho * np.cos(phi))[:, None] * e1 + (rho * np.sin(phi))[:, None] * e2 + z[:, None] * center


for name, ra, dec, inside_point in polygons:
    for order in ("given", "reversed"):
        r = list(ra) if order == "given" else list(reversed(ra))
        d = list(dec) if order == "given" else list(reversed(dec))
        sp = SphericalPolygon.from_radec(r + [r[0]], d + [d[0]], center=inside_point)
        area = girard_area_sq_deg(r, d)
        sg_area = sp.area() * (180 / np.pi) ** 2
        sg_area = min(sg_area, 4 * np.pi * (180 / np.pi) ** 2 - sg_area)
        assert abs(sg_area - area) <= 1e-6 * area + 1e-12, (name, sg_area, area)
        case = {"name": f"{name} ({order})", "ra": r, "dec": d, "area": area, "points": []}
        # Centroid, oriented to the small side (flip if the integral points away).
        s = boundary_centroid(r, d)
        cx = np.array([float(s[0]), float(s[1]), float(s[2])])
        # The small side's centroid lies within the polygon's bounding cap: pick the
        # sign that puts it closer to the mean vertex.
        mean = np.array(SkyCoord(np.array(r) * u.deg, np.array(d) * u.deg).cartesian.xyz).sum(axis=1)
        if np.dot(cx, mean) < 0:
            cx = -cx
        c = SkyCoord(x=cx[0], y=cx[1], z=cx[2], representation_type="cartesian").spherical
        case["centroid"] = [float(c.lon.deg) % 360.0, float(c.lat.deg)]
        # Monte-Carlo check of the centroid direction (loose: sampling error).
        if area > 0.5:
            m_dir = mean / np.linalg.norm(mean)
            verts = np.array(SkyCoord(np.array(r) * u.deg, np.array(d) * u.deg).cartesian.xyz).T
            cap = max(np.degrees(np.arccos(np.clip(verts @ m_dir, -1, 1)))) * 1.05
            if any(abs(x) > 89 for x in d) or "pole" in name:
                cap = 15.0
            pts = cap_samples(m_dir, min(cap, 90.0), 20000)
            mask = np.array([sp.contains_point(p) for p in pts])
            assert mask.sum() > 1000, (name, mask.sum())
            m = pts[mask].sum(axis=0)
            ang = np.degrees(np.arccos(np.clip(np.dot(m / np.linalg.norm(m), cx / np.linalg.norm(cx)), -1, 1)))
            assert ang < 0.02 * cap, (name, ang, cap)
        # Containment of points not near the boundary.
        lo_ra, hi_ra = min(r), max(r)
        for _ in range(80):
            if "pole" in name:
                pra, pdec = rng.uniform(0, 360), (rng.uniform(70, 90) if "north" in name else rng.uniform(-90, -75))
            elif "seam" in name:
                pra, pdec = rng.uniform(-2, 2) % 360, rng.uniform(-2, 2)
            else:
                span = max(hi_ra - lo_ra, 1e-3)
                pra = rng.uniform(lo_ra - span * 0.3, hi_ra + span * 0.3) % 360
                dspan = max(max(d) - min(d), 1e-3)
                pdec = float(np.clip(rng.uniform(min(d) - dspan * 0.3, max(d) + dspan * 0.3), -90, 90))
            # Distance to the boundary, to skip ambiguous points (1e-7 deg).
            pv = np.array(SkyCoord(pra * u.deg, pdec * u.deg).cartesian.xyz)
            near = False
            verts = np.array(SkyCoord(np.array(r) * u.deg, np.array(d) * u.deg).cartesian.xyz).T
            for i in range(len(verts)):
                a, b = verts[i], verts[(i + 1) % len(verts)]
                nrm = np.cross(a, b); nrm /= np.linalg.norm(nrm)
                if abs(np.degrees(np.arcsin(np.clip(np.dot(pv, nrm), -1, 1)))) < 1e-7 * max(1, area):
                    near = True
            if near:
                continue
            case["points"].append([float(pra), float(pdec), bool(sp.contains_radec(pra, pdec))])
        polygon_cases.append(case)

# --- boxes: corners by intersecting great circles in the box's own frame ---------
box_cases = []
for ra, dec, w, h in [(10, 0, 2, 1), (10, 89, 1, 1), (359.9, -30, 4, 2), (200, -60, 20, 10), (55.65, -32.2, 0.33, 0.33), (0, -89.5, 1, 0.5)]:
    a, b = np.radians(w / 2), np.radians(h / 2)

    def pole(lon, lat):
        return np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])

    # Side circles' poles in the offset frame: meridians at ±a, and the great circles
    # through (0, ±b) perpendicular to the central meridian.
    right, left = pole(a + np.pi / 2, 0), pole(-a + np.pi / 2, 0)
    top, bottom = pole(np.pi, np.pi / 2 - b), pole(0, np.pi / 2 - b)
    corners = []
    for s1, s2 in [(right, top), (left, top), (left, bottom), (right, bottom)]:
        x = np.cross(s1, s2); x /= np.linalg.norm(x)
        if x[0] < 0:
            x = -x
        corners.append(x)
    frame = SkyOffsetFrame(origin=SkyCoord(ra * u.deg, dec * u.deg))
    sky = SkyCoord(x=[c[0] for c in corners], y=[c[1] for c in corners], z=[c[2] for c in corners],
                   representation_type="cartesian", frame=frame).transform_to("icrs")
    cra, cdec = [float(x) % 360 for x in sky.ra.deg], [float(x) for x in sky.dec.deg]
    box_cases.append({"ra": ra, "dec": dec, "width": w, "height": h,
                      "corners": [[x, y] for x, y in zip(cra, cdec)], "area": girard_area_sq_deg(cra, cdec)})

# --- galactic -> ICRS --------------------------------------------------------------
galactic = []
for l, b in [(0, 0), (0, 90), (0, -90), (180, 0), (123.4, -56.7), (359.99, 0.01), (90, 30)]:
    c = SkyCoord(l=l * u.deg, b=b * u.deg, frame="galactic").icrs
    galactic.append({"l": l, "b": b, "ra": float(c.ra.deg), "dec": float(c.dec.deg)})

json.dump({
    "generator": "testdata/geometry/reference.py",
    "distances": distances,
    "circles": circle_cases,
    "polygons": polygon_cases,
    "boxes": box_cases,
    "galactic": galactic,
}, sys.stdout, indent=1)
print()
