"""The guide's Python blocks that use the module (README.md, docs/*.md) run."""

import importlib.util
import pathlib

RUNNER = pathlib.Path(__file__).resolve().parents[3] / "testdata" / "guide_python.py"


def test_the_guides_python_blocks_run(demo):
    spec = importlib.util.spec_from_file_location("guide_python", RUNNER)
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    summary = runner.run("module", None)
    blocks = [r["block"] for r in summary["ran"]]
    assert any(b.startswith("README.md") for b in blocks), blocks
    assert any(b.startswith("docs/python.md") for b in blocks), blocks
    readme = next(r for r in summary["ran"] if r["block"].startswith("README.md"))
    # The README's tour: the seed target matched by the six coadds and more,
    # the other target kept once, unmatched.
    assert "['elsewhere', 'seed']" in readme["printed"], readme
