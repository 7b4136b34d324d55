#!/usr/bin/env bash
# Ingest and cone figures for catalogues, whole process, one run each:
#  1. `adql ingest` of an Object-like catalogue (make_objects.py) of ROWS rows
#     with a 2 GiB memory limit: wall time, rows/s, peak RSS;
#  2. a 1-arcminute cone on the snapshot it wrote (`adql query`, whole process);
#  3. with a HATS catalogue HATS_DIR (hats-import's), the same 1-arcminute cone
#     through adql (`--table cat.h=HATS_DIR`) and through LSDB's
#     `cone_search(...).compute()`.
#
#   bash benches/ingest/compare.sh DIR ROWS ADQL PYTHON [HATS_DIR RA DEC]
#
# PYTHON needs numpy and pyarrow (and lsdb for 3). Each line: what, wall
# seconds, peak RSS MiB, and the command's last line.
set -euo pipefail
dir=$1 rows=$2 adql=$3 python=$4 hats=${5:-} hra=${6:-} hdec=${7:-}
here=$(cd "$(dirname "$0")" && pwd)
measure() {
  local name=$1; shift
  local out err
  out=$(mktemp) err=$(mktemp)
  /usr/bin/time -f "%e %M" -o "$err" "$@" >"$out" 2>"$out.stderr"
  read -r wall rss <"$err"
  printf '%-22s %8.3f s %7d MiB  %s %s\n' "$name" "$wall" $((rss / 1024)) "$(tail -1 "$out")" "$(tail -1 "$out.stderr")"
  rm -f "$out" "$out.stderr" "$err"
}
input="$dir/objects-$rows.parquet"
if [ ! -f "$input" ]; then
  "$python" "$here/make_objects.py" "$rows" "$input"
fi
rm -rf "$dir/object-$rows"
measure "ingest $rows" "$adql" ingest "$input" -o "$dir/object-$rows" --table dp02.Object --memory-limit-mib 2048
cone="SELECT objectId, coord_ra, coord_dec FROM dp02.Object WHERE CONTAINS(POINT('ICRS', coord_ra, coord_dec), CIRCLE('ICRS', 62.0, -37.0, 1.0/60)) = 1"
measure "1' cone (snapshot)" "$adql" query --format csv --table "dp02.Object=$dir/object-$rows" "$cone"
if [ -n "$hats" ]; then
  measure "1' cone (adql, HATS)" "$adql" query --format csv --table "cat.h=$hats" \
    "SELECT COUNT(*) FROM cat.h WHERE CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', $hra, $hdec, 1.0/60)) = 1"
  measure "1' cone (LSDB, HATS)" "$python" -c "import lsdb; print(len(lsdb.open_catalog('$hats').cone_search($hra, $hdec, 60).compute()))"
fi
