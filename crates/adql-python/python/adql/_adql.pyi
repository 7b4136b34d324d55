"""Types of the extension module (Rust, pyo3)."""

from collections.abc import Mapping, Sequence
from os import PathLike
from typing import Any, Literal

import pyarrow

__version__: str
#: The codes of type errors (a number where a geometry must be, …).
TYPE_ERRORS: list[str]

class AdqlError(ValueError):
    """The query is not valid ADQL, or uses what the engine does not run."""

    diagnostics: list[Diagnostic]

class EngineError(RuntimeError):
    """A query could not run for a reason other than its text."""

class Diagnostic:
    """One finding about a query: what is wrong (or worth a look) and where."""

    severity: Literal["error", "warning"]
    code: str
    message: str
    line: int
    column: int
    end_line: int
    end_column: int
    start: int
    end: int
    hint: str | None
    notes: list[str]
    replacement: str | None
    @property
    def is_error(self) -> bool: ...

def validate(
    query: str,
    *,
    lang: str = "ADQL-2.1",
    strict: bool = False,
    udfs: Sequence[str] = (),
    disable: Sequence[str] = (),
    tables: Engine | None = None,
) -> list[Diagnostic]: ...
def check(
    query: str,
    *,
    lang: str = "ADQL-2.1",
    strict: bool = False,
    udfs: Sequence[str] = (),
    disable: Sequence[str] = (),
    tables: Engine | None = None,
) -> list[Diagnostic]: ...
def format(
    query: str,
    *,
    lang: str = "ADQL-2.1",
    strict: bool = False,
    udfs: Sequence[str] = (),
    disable: Sequence[str] = (),
) -> str: ...
def parse(query: str) -> dict[str, Any]: ...

class Engine:
    def __new__(
        cls,
        snapshot: str | PathLike[str] | None = None,
        *,
        tables: Mapping[str, str | PathLike[str]] | None = None,
        memory_limit_mib: int = 2048,
        lang: str = "ADQL-2.1",
        strict: bool = False,
        udfs: Sequence[str] = (),
        disable: Sequence[str] = (),
    ) -> Engine: ...
    def query(
        self, query: str, *, maxrec: int | None = None, uploads: Mapping[str, Any] | None = None
    ) -> Any: ...
    def explain(self, query: str, *, analyze: bool = False) -> str: ...
    def tables(self) -> list[dict[str, Any]]: ...

class ResultStream:
    @property
    def overflow(self) -> bool: ...
    def __arrow_c_schema__(self) -> object: ...
    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...
    def to_pyarrow(self) -> pyarrow.Table: ...

def run_cli(args: Sequence[str]) -> int: ...
