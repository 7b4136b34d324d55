"""pyvo against a running adql-rs TAP server, as a Rubin user's notebook uses it.

Usage: pyvo_client.py TAP_URL anon QUERIES_JSON
       pyvo_client.py TAP_URL auth TOKEN_A TOKEN_B

Prints one JSON object of what pyvo saw; the Rust test compares it with the
engine's own answers. Any check that fails here raises (non-zero exit).
"""
import io
import json
import sys
import warnings

import numpy as np
import pyvo
import requests
from astropy.io.votable import from_table, writeto
from astropy.table import Table


def anon(url, queries_path):
    out = {}
    svc = pyvo.dal.TAPService(url)
    with open(queries_path) as f:
        queries = json.load(f)
    # Every seed query, as pyvo's search sends it (POST, form-urlencoded).
    out["seed"] = []
    for q in queries:
        t = svc.search(q).to_table()
        out["seed"].append({"rows": len(t), "columns": list(t.colnames)})
    # The six coadds containing the seed point: one per band.
    coadds = svc.search(queries[7]).to_table()
    out["coadd_bands"] = sorted(str(b) for b in coadds["lsst_band"])
    # COUNT(*) is an int64 named COUNT.
    t = svc.search("SELECT dataproduct_type, COUNT(*) FROM ivoa.ObsCore GROUP BY dataproduct_type").to_table()
    out["count_column"] = [t.colnames[1], str(t[t.colnames[1]].dtype)]

    # Async: create (303 to the job), RUN, WAIT, fetch.
    t = svc.run_async(queries[8]).to_table()
    out["async_rows"] = len(t)
    job = svc.submit_job("SELECT TOP 3 obs_id FROM ivoa.ObsCore", runid="pyvo-test")
    out["pending_phase"] = job.phase
    job.run()
    job.wait(phases=["COMPLETED", "ERROR", "ABORTED"], timeout=60)
    out["job_phase"] = job.phase
    out["job_rows"] = len(job.fetch_result().to_table())
    out["job_listed"] = any(j.jobid == job.job_id for j in svc.get_job_list())
    job_url = job.url
    job.delete()
    out["deleted_status"] = requests.get(job_url).status_code

    # An invalid async query is accepted, then fails when it runs.
    bad_job = svc.submit_job("SELECT s_ra FROM ivoa.ObsCore LIMIT 10")
    bad_job.run()
    bad_job.wait(phases=["COMPLETED", "ERROR", "ABORTED"], timeout=60)
    out["bad_job_phase"] = bad_job.phase
    try:
        bad_job.raise_if_error()
        out["bad_job_error"] = None
    except pyvo.dal.DALQueryError as e:
        out["bad_job_error"] = str(e)
    bad_job.delete()

    # VOSI tables: detail=min then each table's columns.
    tables = svc.tables
    names = [t.name for t in tables]
    out["tables"] = names
    obscore = tables["ivoa.ObsCore"]
    out["obscore_columns"] = [c.name for c in obscore.columns]

    # Capabilities.
    caps = svc.capabilities
    tap = [c for c in caps if c.standardid and c.standardid.startswith("ivo://ivoa.net/std/TAP")]
    langs = tap[0].languages
    out["languages"] = [(l.name, [v.content for v in l.versions]) for l in langs]
    out["language_version_ids"] = [v.ivo_id for l in langs for v in l.versions]
    out["output_formats"] = [f.mime for f in tap[0].outputformats]
    out["upload_methods"] = [u.ivo_id for u in tap[0].uploadmethods]
    out["data_models"] = [d.ivo_id for d in tap[0].datamodels]
    out["max_records"] = svc.hardlimit

    # Examples: each one runs.
    examples = svc.examples
    out["examples"] = len(examples)
    out["examples_ran"] = sum(1 for e in examples if e.execute() is not None)

    # MAXREC set by the client: exactly MAXREC rows (pyvo does not warn when
    # the count equals the MAXREC it sent); the service's default limit: an
    # overflow warning.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = svc.search("SELECT obs_id FROM ivoa.ObsCore", maxrec=5).to_table()
    out["maxrec_rows"] = len(t)
    out["maxrec_warnings"] = [type(w.message).__name__ for w in caught]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = svc.search("SELECT obs_id FROM ivoa.ObsCore").to_table()
    out["default_limit_rows"] = len(t)
    out["default_limit_warnings"] = [type(w.message).__name__ for w in caught]

    # A bad query: DALQueryError carrying the line:column diagnostic.
    try:
        svc.search("SELECT s_ra FROM ivoa.ObsCore LIMIT 10")
        out["bad_query"] = None
    except pyvo.dal.DALQueryError as e:
        out["bad_query"] = str(e)

    # An upload joined with ObsCore (a spatial match on s_region), as astropy writes it.
    points = Table({"pid": np.array([1, 2], dtype=np.int32),
                    "ra": [55.74673760481304, 10.0], "dec": [-32.286155241413624, 80.0]})
    t = svc.search(
        "SELECT u.pid, o.obs_id, o.lsst_band FROM TAP_UPLOAD.pts AS u JOIN ivoa.ObsCore AS o "
        "ON CONTAINS(POINT('ICRS', u.ra, u.dec), o.s_region) = 1 "
        "WHERE o.dataproduct_subtype = 'lsst.deepCoadd_calexp'",
        uploads={"pts": points}).to_table()
    out["upload_join"] = sorted((int(r["pid"]), str(r["lsst_band"])) for r in t)
    # A crossmatch of uploaded positions with ObsCore's centres within 0.2 degrees.
    t = svc.search(
        "SELECT u.pid, o.obs_id FROM TAP_UPLOAD.pts AS u, ivoa.ObsCore AS o "
        "WHERE DISTANCE(POINT('ICRS', u.ra, u.dec), POINT('ICRS', o.s_ra, o.s_dec)) < 0.2",
        uploads={"pts": points}).to_table()
    out["crossmatch_rows"] = len(t)
    out.update(upload_crossmatch(svc))
    return out


def upload_crossmatch(svc):
    """2,000 uploaded targets LEFT JOINed with ObsCore's centres within 0.05
    degrees (a sky-partitioned join on the server), against astropy's
    search_around_sky over the same centres fetched apart."""
    from astropy.coordinates import SkyCoord, search_around_sky
    import astropy.units as u

    rng = np.random.default_rng(5)
    n = 2000
    ra = rng.uniform(54.0, 57.5, n)
    dec = rng.uniform(-34.0, -30.5, n)
    targets = Table({"pid": np.arange(n, dtype=np.int64), "ra": ra, "dec": dec})
    radius = 0.05
    joined = svc.run_sync(
        "SELECT u.pid, o.obs_publisher_did FROM TAP_UPLOAD.t AS u LEFT JOIN ivoa.ObsCore AS o "
        f"ON DISTANCE(POINT('ICRS', u.ra, u.dec), POINT('ICRS', o.s_ra, o.s_dec)) < {radius}",
        uploads={"t": targets}, maxrec=10_000_000).to_table()
    centres = svc.run_sync(
        "SELECT obs_publisher_did, s_ra, s_dec FROM ivoa.ObsCore WHERE s_dec BETWEEN -35 AND -29.5",
        maxrec=10_000_000).to_table()
    i, j, sep, _ = search_around_sky(
        SkyCoord(ra * u.deg, dec * u.deg),
        SkyCoord(np.asarray(centres["s_ra"]) * u.deg, np.asarray(centres["s_dec"]) * u.deg),
        radius * u.deg)
    keep = np.abs(sep.deg - radius) > 1e-9
    ambiguous = {(int(a), str(centres["obs_publisher_did"][b])) for a, b in zip(i[~keep], j[~keep])}
    want = {(int(a), str(centres["obs_publisher_did"][b])) for a, b in zip(i[keep], j[keep])}
    did = joined["obs_publisher_did"]
    # astropy reads a NULL string of BINARY2 as '' (unmasked).
    masked = np.ma.getmaskarray(did) | np.array([str(d) == "" for d in did], dtype=bool)
    got = {(int(p), str(d)) for p, d, m in zip(joined["pid"], did, masked) if not m} - ambiguous
    unmatched_got = sorted(int(p) for p, m in zip(joined["pid"], masked) if m)
    matched = {a for a, _ in want}
    unmatched_want = sorted(set(range(n)) - matched - {a for a, _ in ambiguous})
    return {
        "xmatch_pairs": len(want),
        "xmatch_equal": got == want,
        "xmatch_unmatched": len(unmatched_want),
        "xmatch_unmatched_equal": unmatched_got == unmatched_want,
    }


def auth(url, token_a, token_b):
    out = {}
    out["anonymous_sync_status"] = requests.post(url + "/sync", data={"LANG": "ADQL", "QUERY": "SELECT 1 FROM tap_schema.schemas"}).status_code
    r = requests.get(url + "/tables")
    out["anonymous_tables_status"] = r.status_code
    out["www_authenticate"] = r.headers.get("WWW-Authenticate")
    out["anonymous_capabilities_status"] = requests.get(url + "/capabilities").status_code
    out["wrong_token_status"] = requests.get(url + "/tables", headers={"Authorization": "Bearer nope"}).status_code

    def session(token):
        s = requests.Session()
        s.headers["Authorization"] = "Bearer " + token
        return s

    alice = pyvo.dal.TAPService(url, session=session(token_a))
    bob = pyvo.dal.TAPService(url, session=session(token_b))
    out["alice_rows"] = len(alice.search("SELECT TOP 4 obs_id FROM ivoa.ObsCore").to_table())
    job = alice.submit_job("SELECT TOP 2 obs_id FROM ivoa.ObsCore")
    job.run()
    job.wait(phases=["COMPLETED", "ERROR"], timeout=60)
    out["alice_job_phase"] = job.phase
    out["alice_sees_job"] = any(j.jobid == job.job_id for j in alice.get_job_list())
    out["bob_sees_job"] = any(j.jobid == job.job_id for j in bob.get_job_list())
    out["bob_get_job_status"] = session(token_b).get(job.url).status_code
    out["bob_get_result_status"] = session(token_b).get(job.url + "/results/result").status_code
    out["bob_delete_status"] = session(token_b).delete(job.url, allow_redirects=False).status_code
    out["alice_owner"] = session(token_a).get(job.url + "/owner").text
    job.delete()
    return out


if __name__ == "__main__":
    url, mode = sys.argv[1], sys.argv[2]
    result = anon(url, sys.argv[3]) if mode == "anon" else auth(url, sys.argv[3], sys.argv[4])
    json.dump(result, sys.stdout)
