"""Runs the Python blocks of the README and the guide (docs/*.md).

    python guide_python.py module            # blocks that import adql, no server
    python guide_python.py server TAP_BASE   # blocks that talk to http://127.0.0.1:8080

Each block runs as its own program in a fresh namespace, in a scratch working
directory, with the guide's address replaced by the server the caller started.
A block that raises fails the run, naming its page and line. Prints a JSON
summary (the blocks run) on stdout. crates/adql-python/tests/test_guide.py and
crates/tap-server/tests/guide_python.rs call it.
"""

import contextlib
import io
import json
import os
import pathlib
import re
import sys
import tempfile
import traceback

ROOT = pathlib.Path(__file__).resolve().parents[1]
GUIDE_ADDRESS = "http://127.0.0.1:8080"


def pages() -> list[pathlib.Path]:
    return [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))


def python_blocks(page: pathlib.Path):
    """(line of the fence, code) of every ```python block of a page."""
    lines = page.read_text().split("\n")
    block, start = None, 0
    for number, line in enumerate(lines, 1):
        fence = line.strip()
        if block is None and re.fullmatch(r"```python\s*", fence):
            block, start = [], number
        elif block is not None and fence == "```":
            yield start, "\n".join(block) + "\n"
            block = None
        elif block is not None:
            block.append(line)


def wanted(kind: str, code: str) -> bool:
    talks_to_server = GUIDE_ADDRESS in code
    if kind == "server":
        return talks_to_server
    return not talks_to_server and re.search(r"^import adql\b|^\s*import adql$", code, re.M) is not None


def run(kind: str, tap_base: str | None) -> dict:
    ran = []
    for page in pages():
        for line, code in python_blocks(page):
            if not wanted(kind, code):
                continue
            if tap_base is not None:
                code = code.replace(GUIDE_ADDRESS, tap_base)
            where = f"{page.relative_to(ROOT)}:{line}"
            printed = io.StringIO()
            with tempfile.TemporaryDirectory() as scratch:
                here = os.getcwd()
                os.chdir(scratch)
                try:
                    with contextlib.redirect_stdout(printed):
                        exec(compile(code, where, "exec"), {"__name__": "__guide__"})
                except BaseException:
                    raise SystemExit(f"the Python block at {where} failed:\n{traceback.format_exc()}\n{code}")
                finally:
                    os.chdir(here)
            ran.append({"block": where, "printed": printed.getvalue()})
    return {"ran": ran}


if __name__ == "__main__":
    kind = sys.argv[1]
    base = sys.argv[2] if kind == "server" else None
    print(json.dumps(run(kind, base)))
