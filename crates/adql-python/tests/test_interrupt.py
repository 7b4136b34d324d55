"""Ctrl-C (SIGINT) stops a long query, from a notebook's point of view: the
interpreter gets KeyboardInterrupt promptly and the engine stays usable."""

import os
import signal
import threading
import time

import pyarrow as pa
import pytest

# Every pair of the demo's 150,000 ObsCore rows and 50,000 Object rows: 7.5×10⁹
# products to sum, hours in a debug build. (A cross join yields between
# batches; a nested-loop join with a condition computes for minutes in one
# poll, and a stopped query frees the cores only when its operators yield.)
ENDLESS = (
    "SELECT SUM(a.s_ra * b.coord_ra) AS n "
    "FROM ivoa.ObsCore AS a, dp02_dc2_catalogs.Object AS b"
)


def interrupt_after(seconds: float) -> threading.Timer:
    timer = threading.Timer(seconds, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    return timer


@pytest.fixture
def ctrl_c_raises():
    """Python's own SIGINT handler, as a notebook or a terminal has it. A
    process started in the background inherits SIGINT ignored, and Python
    then installs none."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize("read", ["to_pyarrow", "arrow_stream"])
def test_ctrl_c_stops_a_long_query(demo, read, ctrl_c_raises):
    result = demo.query(ENDLESS)
    started = time.monotonic()
    timer = interrupt_after(1.0)
    try:
        if read == "to_pyarrow":
            with pytest.raises(KeyboardInterrupt):
                result.to_pyarrow()
        else:
            # pyarrow reads with the GIL released; the reader hears the signal
            # between polls and ends the stream with an error.
            with pytest.raises((KeyboardInterrupt, pa.ArrowException)) as raised:
                pa.RecordBatchReader.from_stream(result).read_all()
            if not isinstance(raised.value, KeyboardInterrupt):
                assert "interrupted" in str(raised.value)
    finally:
        timer.cancel()
    elapsed = time.monotonic() - started
    assert elapsed < 5, f"took {elapsed:.1f} s to stop"
    # The engine answers the next query. It runs on fresh threads, but shares
    # the cores with the stopped query's until they finish their batch (a
    # debug build's cross join: up to half a minute): no bound on its time.
    assert demo.query("SELECT TOP 1 obs_id FROM ivoa.ObsCore").to_pyarrow().num_rows == 1
