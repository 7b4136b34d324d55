"""Fixtures of the Python suite: the demo engine and the shared corpus.

Run by `cargo test -p adql-python` (tests/pytest.rs), which puts the module it
built on PYTHONPATH; or by hand after `pip install ./crates/adql-python`.
"""

import os
import pathlib

import pytest

import adql


def shared_dir() -> pathlib.Path:
    """`$ADQL_SHARED_DIR`, or `shared/` beside the checkout."""
    env = os.environ.get("ADQL_SHARED_DIR")
    if env:
        return pathlib.Path(env)
    return pathlib.Path(__file__).resolve().parents[3] / "shared"


@pytest.fixture(scope="session")
def shared() -> pathlib.Path:
    root = shared_dir()
    assert (root / "conformance").is_dir(), f"the shared corpus is missing at {root}: set ADQL_SHARED_DIR"
    return root


@pytest.fixture(scope="session")
def demo() -> adql.Engine:
    """The embedded demo: ObsCore (150,000 rows) and dp02_dc2_catalogs.Object."""
    return adql.Engine()
