"""`Engine` and `Result`: the Rust session, with uploads and results converted
to and from astropy and pandas here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import _adql
from ._tables import arrow_from_astropy, astropy_from_arrow

if TYPE_CHECKING:
    import astropy.table
    import pandas
    import pyarrow


class Engine(_adql.Engine):
    """A query session.

    ``Engine()`` opens the embedded demo (ObsCore and a DP0.2-like Object
    table); ``Engine("snapshot-dir")`` a snapshot on disk, ``s3://`` or
    ``http(s)://``. ``tables={"schema.name": path}`` adds snapshots, Parquet
    files and HATS catalogues. Operators are held to ``memory_limit_mib``.
    Queries are checked with ``lang``, ``strict``, ``udfs`` and ``disable`` as
    :func:`adql.validate` checks them; pass the engine as ``tables=`` to
    :func:`adql.validate` to type columns from its catalogue.
    """

    def query(
        self,
        query: str,
        *,
        maxrec: int | None = None,
        uploads: Mapping[str, Any] | None = None,
    ) -> Result:
        """Runs ``query``; the result is computed as it is read.

        ``maxrec`` cuts it (``Result.overflow`` then says whether rows were
        left out). ``uploads`` maps names to tables — astropy, pyarrow,
        polars, pandas, anything with ``__arrow_c_stream__`` — that the query
        reads as ``TAP_UPLOAD.name``, as a TAP service's uploads. Ctrl-C stops
        a query. Raises :class:`adql.AdqlError` for an invalid query and
        :class:`adql.EngineError` when it cannot run.
        """
        arrow_uploads = {name: _as_arrow(table) for name, table in (uploads or {}).items()}
        stream = super().query(query, maxrec=maxrec, uploads=arrow_uploads)
        return Result(stream)


class Result:
    """The rows of a query, streamed: read them once, whole
    (:meth:`to_pyarrow`, :meth:`to_pandas`, :meth:`to_astropy`) or batch by
    batch through the Arrow PyCapsule interface
    (``pyarrow.RecordBatchReader.from_stream(result)``, ``polars.from_arrow``,
    DuckDB), which reads Rust's buffers without copying them.

    The schema's fields carry the catalogue's ``unit``, ``ucd``, ``utype``,
    ``xtype`` and ``description`` as Arrow field metadata.
    """

    def __init__(self, stream: _adql.ResultStream) -> None:
        self._stream = stream

    @property
    def schema(self) -> pyarrow.Schema:
        """The columns, with their metadata."""
        import pyarrow

        return pyarrow.schema(self._stream)

    @property
    def overflow(self) -> bool:
        """True if the result was cut at ``maxrec`` and more rows existed
        (known once it has been read)."""
        return self._stream.overflow

    def __arrow_c_schema__(self) -> object:
        return self._stream.__arrow_c_schema__()

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        return self._stream.__arrow_c_stream__(requested_schema)

    def to_pyarrow(self) -> pyarrow.Table:
        """The whole result as a ``pyarrow.Table`` (the GIL is released while
        it is computed; Ctrl-C stops it)."""
        return self._stream.to_pyarrow()

    def to_pandas(self) -> pandas.DataFrame:
        """The whole result as a ``pandas.DataFrame`` (through pyarrow)."""
        return self.to_pyarrow().to_pandas()

    def to_astropy(self) -> astropy.table.Table:
        """The whole result as an ``astropy.table.Table``: units as column
        units, descriptions as column descriptions, UCD, utype and xtype in
        each column's ``meta`` — as pyvo's ``to_table()`` gives them — and NULLs
        masked."""
        return astropy_from_arrow(self.to_pyarrow())


def _as_arrow(table: Any) -> Any:
    if hasattr(table, "__arrow_c_stream__"):
        return table
    try:
        from astropy.table import Table
    except ImportError:  # pragma: no cover - astropy is optional
        Table = None
    if Table is not None and isinstance(table, Table):
        return arrow_from_astropy(table)
    raise TypeError(
        f"an upload must be an astropy or Arrow table (pyarrow, polars, pandas), not {type(table).__name__}"
    )
