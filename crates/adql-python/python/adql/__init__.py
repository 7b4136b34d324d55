"""ADQL for Python.

Validate, format and parse ADQL queries (:func:`validate`, :func:`check`,
:func:`format`, :func:`parse`), and run them with an :class:`Engine` over
ObsCore snapshots, Parquet files and HATS catalogues; read a
:class:`Result` as Arrow (zero-copy), pyarrow, pandas or astropy.
"""

from ._adql import (
    TYPE_ERRORS,
    AdqlError,
    Diagnostic,
    EngineError,
    __version__,
    check,
    format,
    parse,
    validate,
)
from ._engine import Engine, Result

__all__ = [
    "TYPE_ERRORS",
    "AdqlError",
    "Diagnostic",
    "Engine",
    "EngineError",
    "Result",
    "__version__",
    "check",
    "format",
    "parse",
    "validate",
]
