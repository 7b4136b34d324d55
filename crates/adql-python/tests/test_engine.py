"""The engine from Python: the seed queries over the demo as pyarrow and
astropy tables, uploads, zero-copy readers, MAXREC, errors."""

import pathlib
import re

import numpy as np
import pyarrow as pa
import pytest

import adql

SEED_CONTAINS = """SELECT * FROM ivoa.ObsCore
WHERE dataproduct_type = 'image'
AND obs_collection = 'LSST.DP02'
AND dataproduct_subtype = 'lsst.deepCoadd_calexp'
AND CONTAINS(POINT('ICRS', 55.74673760481304, -32.286155241413624), s_region)=1"""


def seed_queries(shared: pathlib.Path) -> list[str]:
    text = (shared / "reference" / "seed-queries.md").read_text()
    queries = re.findall(r"```sql\n(.*?)```", text, flags=re.S)
    assert len(queries) >= 10
    return queries


def tap_schema_columns(engine: adql.Engine) -> dict:
    """(table, column) -> (unit, ucd) as TAP_SCHEMA says, read with a query."""
    rows = engine.query("SELECT table_name, column_name, unit, ucd FROM tap_schema.columns").to_pyarrow()
    return {
        (t.lower(), c.lower()): (u or None, d or None)
        for t, c, u, d in zip(*(rows.column(i).to_pylist() for i in range(4)))
    }


def test_seed_queries_as_pyarrow_and_astropy(demo, shared):
    described = tap_schema_columns(demo)
    for query in seed_queries(shared):
        table_name = re.search(r"(?i)\bFROM\s+(\S+)", query).group(1).lower()
        arrow = demo.query(query).to_pyarrow()
        astropy_table = demo.query(query).to_astropy()
        assert arrow.num_rows == len(astropy_table) > 0, query
        assert arrow.column_names == astropy_table.colnames
        for field in arrow.schema:
            meta = {k.decode(): v.decode() for k, v in (field.metadata or {}).items()}
            key = (table_name, field.name.lower())
            column = astropy_table[field.name]
            if key not in described:
                assert not meta.get("ucd"), (query, field.name)
                continue
            unit, ucd = described[key]
            assert meta.get("unit") == unit and meta.get("ucd") == ucd, (query, field.name)
            assert (column.unit.to_string("vounit") if column.unit is not None else None) == unit
            assert column.meta.get("ucd") == ucd
            if meta.get("description"):
                assert column.description == meta["description"]


def test_the_seed_coadds_under_the_target(demo):
    table = demo.query(SEED_CONTAINS).to_astropy()
    assert sorted(table["lsst_band"]) == ["g", "i", "r", "u", "y", "z"]
    assert set(table["lsst_tract"]) == {4431} and set(table["lsst_patch"]) == {17}
    assert table["s_region"].meta["xtype"] == "adql:REGION"
    assert table["s_ra"].unit == "deg"


def test_an_astropy_upload_crossmatched(demo):
    from astropy.table import Table
    import astropy.units as u

    targets = Table(
        {
            "name": ["seed", "nowhere", "pole"],
            "ra": [55.74673760481304, 200.0, 10.0] * u.deg,
            "dec": [-32.286155241413624, 80.0, 89.9] * u.deg,
        }
    )
    targets["ra"].meta["ucd"] = "pos.eq.ra"
    query = """SELECT t.name, o.lsst_band, o.obs_id FROM TAP_UPLOAD.targets AS t
       LEFT OUTER JOIN ivoa.ObsCore AS o
       ON CONTAINS(POINT('ICRS', t.ra, t.dec), o.s_region) = 1
       AND o.dataproduct_subtype = 'lsst.deepCoadd_calexp'"""
    joined = demo.query(query, uploads={"targets": targets}).to_astropy()
    seed = joined[joined["name"] == "seed"]
    assert sorted(seed["lsst_band"]) == ["g", "i", "r", "u", "y", "z"]
    # LEFT OUTER: the targets with no image are kept, with NULLs.
    lonely = joined[joined["name"] != "seed"]
    assert sorted(lonely["name"]) == ["nowhere", "pole"]
    assert lonely["obs_id"].mask.all()
    # The upload's units reached TAP_UPLOAD's columns.
    described = demo.query("SELECT TOP 0 ra FROM TAP_UPLOAD.targets", uploads={"targets": targets})
    assert described.schema.field("ra").metadata[b"unit"] == b"deg"
    # A pyarrow upload gives the same pairs.
    arrow_targets = pa.table({"name": ["seed", "nowhere", "pole"], "ra": targets["ra"].value, "dec": targets["dec"].value})
    again = demo.query(query, uploads={"targets": arrow_targets}).to_pyarrow()
    assert again.num_rows == len(joined)
    # And a pandas one (its strings are large_string).
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame({"name": ["seed", "nowhere", "pole"], "ra": targets["ra"].value, "dec": targets["dec"].value})
    counted = demo.query(
        "SELECT t.name, COUNT(o.obs_id) AS n FROM TAP_UPLOAD.t AS t LEFT OUTER JOIN ivoa.ObsCore AS o "
        "ON CONTAINS(POINT('ICRS', t.ra, t.dec), o.s_region) = 1 "
        "AND o.dataproduct_subtype = 'lsst.deepCoadd_calexp' GROUP BY t.name",
        uploads={"t": frame},
    ).to_pandas()
    assert dict(zip(counted["name"], counted["n"])) == {"seed": 6, "nowhere": 0, "pole": 0}


def test_bad_uploads_are_refused(demo):
    with pytest.raises(ValueError, match="regular ADQL identifier"):
        demo.query("SELECT 1 FROM TAP_UPLOAD.x", uploads={"../etc": pa.table({"a": [1]})})
    with pytest.raises(TypeError, match="upload"):
        demo.query("SELECT 1 FROM TAP_UPLOAD.x", uploads={"x": [1, 2, 3]})


def test_results_are_read_without_copies(demo):
    # A whole set of rows (not a TOP, which may pick others each time).
    query = "SELECT obs_id, s_ra, s_dec FROM ivoa.ObsCore WHERE s_dec < -36"
    reader = pa.RecordBatchReader.from_stream(demo.query(query))
    table = reader.read_all()
    rows = table.num_rows
    assert rows > 20000 and table.schema.field("s_ra").metadata[b"ucd"] == b"pos.eq.ra"
    # The buffers pyarrow holds are the engine's: no copy is made (an
    # imported Arrow array's buffers are not owned by pyarrow's pool).
    before = pa.total_allocated_bytes()
    pa.RecordBatchReader.from_stream(demo.query(query)).read_all()
    assert pa.total_allocated_bytes() - before < 1_000_000

    polars = pytest.importorskip("polars")
    frame = polars.from_arrow(pa.RecordBatchReader.from_stream(demo.query(query)))
    assert frame.shape == (rows, 3)
    frame = polars.DataFrame(demo.query(query))
    assert frame.shape == (rows, 3)
    assert frame["s_ra"].sum() == pytest.approx(table.column("s_ra").to_numpy().sum())

    duckdb = pytest.importorskip("duckdb")
    result = demo.query(query)
    ((n, total),) = duckdb.sql("SELECT COUNT(*), SUM(s_ra) FROM result").fetchall()
    assert n == rows and total == pytest.approx(table.column("s_ra").to_numpy().sum())


def test_a_result_is_read_once(demo):
    result = demo.query("SELECT TOP 3 obs_id FROM ivoa.ObsCore")
    assert result.to_pyarrow().num_rows == 3
    with pytest.raises(adql.EngineError, match="read already"):
        result.to_pyarrow()


def test_maxrec_cuts_and_says_so(demo):
    result = demo.query("SELECT obs_id FROM ivoa.ObsCore", maxrec=10)
    assert result.to_pyarrow().num_rows == 10 and result.overflow
    result = demo.query("SELECT TOP 10 obs_id FROM ivoa.ObsCore", maxrec=10)
    assert result.to_pyarrow().num_rows == 10 and not result.overflow
    assert demo.query("SELECT TOP 3 obs_id FROM ivoa.ObsCore").to_pandas().shape == (3, 1)


def test_errors_carry_the_diagnostic(demo):
    with pytest.raises(adql.AdqlError) as raised:
        demo.query("SELECT obs_id\nFROM ivoa.ObsCore\nWHERE nope > 1")
    d = raised.value.diagnostics[0]
    assert (d.code, d.line, d.column) == ("unknown-column", 3, 7)
    with pytest.raises(adql.AdqlError):
        demo.query("SELECT a FROM t LIMIT 5")
    with pytest.raises(adql.EngineError):
        adql.Engine("/nonexistent/snapshot")
    with pytest.raises(adql.EngineError):
        adql.Engine(tables={"cat.x": "/nonexistent/x.parquet"})
    # The engine is still fine.
    assert demo.query("SELECT COUNT(*) AS n FROM ivoa.ObsCore").to_pyarrow().column("n")[0].as_py() > 0


def test_explain_and_tables(demo):
    plan = demo.explain("SELECT TOP 5 obs_id FROM ivoa.ObsCore WHERE CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 55.7, -32.3, 0.1)) = 1")
    assert "Optimised logical plan" in plan and "Physical plan" in plan
    tables = {f"{t['schema']}.{t['name']}": t for t in demo.tables()}
    assert "ivoa.ObsCore" in tables and "dp02_dc2_catalogs.Object" in tables
    columns = {c["name"]: c for c in tables["ivoa.ObsCore"]["columns"]}
    assert columns["s_ra"]["unit"] == "deg" and columns["s_ra"]["ucd"] == "pos.eq.ra"
    assert columns["s_region"]["xtype"] == "adql:REGION"


def test_tables_from_parquet(tmp_path):
    import pyarrow.parquet as pq

    rng = np.random.default_rng(7)
    stars = pa.table({"id": np.arange(1000), "ra": rng.uniform(10, 11, 1000), "dec": rng.uniform(-1, 1, 1000)})
    pq.write_table(stars, tmp_path / "stars.parquet")
    engine = adql.Engine(tables={"cat.stars": tmp_path / "stars.parquet"})
    n = engine.query(
        "SELECT COUNT(*) AS n FROM cat.stars WHERE CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 10.5, 0, 0.2)) = 1"
    ).to_pyarrow()
    # Independent count: the same cone with numpy's haversine.
    ra, dec = np.radians(stars["ra"].to_numpy()), np.radians(stars["dec"].to_numpy())
    ra0, dec0 = np.radians(10.5), 0.0
    sep = 2 * np.arcsin(np.sqrt(np.sin((dec - dec0) / 2) ** 2 + np.cos(dec) * np.cos(dec0) * np.sin((ra - ra0) / 2) ** 2))
    assert n.column("n")[0].as_py() == int((np.degrees(sep) <= 0.2).sum())


def test_snapshots_and_hats_catalogues_from_the_command(tmp_path):
    """`python -m adql ingest` (the pip-installed command) writes a snapshot
    and a HATS catalogue of the same stars; an Engine reads both, and a cone
    over each gives numpy's count."""
    import subprocess
    import sys

    import pyarrow.parquet as pq

    rng = np.random.default_rng(11)
    n = 20000
    stars = pa.table({"star": np.arange(n), "RAJ2000": rng.uniform(0, 360, n), "DEJ2000": np.degrees(np.arcsin(rng.uniform(-1, 1, n)))})
    pq.write_table(stars, tmp_path / "stars.parquet")
    for fmt in ("snapshot", "hats"):
        done = subprocess.run(
            [sys.executable, "-m", "adql", "ingest", "--table", "cat.stars", "--format", fmt, "--hats-max-rows", "3000",
             "-o", str(tmp_path / fmt), str(tmp_path / "stars.parquet")],
            capture_output=True, text=True,
        )
        assert done.returncode == 0, done.stderr
        assert "RAJ2000" in done.stderr  # the position it found, said
    assert (tmp_path / "hats" / "partition_info.csv").exists()
    engine = adql.Engine(tables={"cat.snap": tmp_path / "snapshot", "cat.hats": tmp_path / "hats"})
    ra, dec = np.radians(stars["RAJ2000"].to_numpy()), np.radians(stars["DEJ2000"].to_numpy())
    ra0, dec0 = np.radians(359.5), np.radians(0.5)
    sep = 2 * np.arcsin(np.sqrt(np.sin((dec - dec0) / 2) ** 2 + np.cos(dec) * np.cos(dec0) * np.sin((ra - ra0) / 2) ** 2))
    expected = int((np.degrees(sep) <= 3).sum())
    assert expected > 0
    for table in ("cat.snap", "cat.hats"):
        got = engine.query(
            f"SELECT star FROM {table} WHERE CONTAINS(POINT('ICRS', RAJ2000, DEJ2000), CIRCLE('ICRS', 359.5, 0.5, 3)) = 1"
        ).to_pyarrow()
        assert got.num_rows == expected, table


def test_the_command(capfd):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "adql", "validate", "SELECT a FROM t LIMIT 5"], capture_output=True, text=True
    )
    assert done.returncode == 1 and "limit-instead-of-top" in done.stderr
    done = subprocess.run([sys.executable, "-m", "adql", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and "adql" in done.stdout
    done = subprocess.run([sys.executable, "-m", "adql", "--no-such-flag"], capture_output=True, text=True)
    assert done.returncode == 2 and "no-such-flag" in done.stderr
