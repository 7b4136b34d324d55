#!/usr/bin/env bash
# A newcomer's installation, as CI checks it: `pip install` of the checkout
# into a fresh venv, then the module and the `adql` command, run from outside
# the checkout so that only what pip installed is used. Builds with cargo's
# dev profile unless MATURIN_PEP517_ARGS says otherwise (pip's default,
# release, takes about an hour on two cores from cold), in $CARGO_TARGET_DIR.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
MATURIN_PEP517_ARGS="${MATURIN_PEP517_ARGS:---profile dev}" \
  "$work/venv/bin/pip" install --quiet --disable-pip-version-check "$repo/crates/adql-python"
cd "$work"

"$work/venv/bin/python" - <<'PY'
import adql

d = adql.validate("SELECT TOP 5 s_ra FORM ivoa.ObsCore")
assert d and d[0].code == "unexpected-token" and (d[0].line, d[0].column) == (1, 24), d
table = adql.Engine().query(
    "SELECT obs_id, lsst_band FROM ivoa.ObsCore WHERE dataproduct_subtype = 'lsst.deepCoadd_calexp' "
    "AND CONTAINS(POINT('ICRS', 55.74673760481304, -32.286155241413624), s_region) = 1"
).to_pyarrow()
assert sorted(table.column("lsst_band").to_pylist()) == ["g", "i", "r", "u", "y", "z"], table
print("import adql: ok,", adql.__version__)
PY

out="$("$work/venv/bin/adql" query --format csv "SELECT COUNT(*) AS n FROM ivoa.ObsCore")"
test "$out" = $'n\n150000' || { echo "adql query printed: $out"; exit 1; }
if "$work/venv/bin/adql" validate "SELECT a FROM t LIMIT 5" 2>"$work/err"; then
  echo "adql validate accepted LIMIT"; exit 1
fi
grep -q "limit-instead-of-top" "$work/err"
"$work/venv/bin/adql" --version
echo "the adql command: ok"
