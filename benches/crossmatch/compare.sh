#!/usr/bin/env bash
# A crossmatch of SMALL x BIG random points at 1 arcsecond, whole process, one
# run side by side: adql (the sky-partitioned join over the plain Parquet
# files), astropy's search_around_sky, LSDB (its HATS import timed apart) and
# the DuckDB CLI (a bounding-box range join, then the haversine distance).
#
#   bash benches/crossmatch/compare.sh DIR SMALL BIG ADQL PYTHON [DUCKDB]
#
# PYTHON needs numpy, pyarrow, astropy, scipy, and for LSDB lsdb and
# hats-import; DUCKDB is the DuckDB CLI (pip install duckdb-cli). Each line:
# tool, wall seconds, peak RSS MiB, pairs.
set -euo pipefail
dir=$1 small=$2 big=$3 adql=$4 python=$5 duckdb=${6:-}
here=$(cd "$(dirname "$0")" && pwd)
radius=1
if [ ! -f "$dir/big.parquet" ]; then
  "$python" "$here/make_catalogues.py" "$dir" "$small" "$big"
fi
measure() {
  local name=$1; shift
  local out err
  out=$(mktemp) err=$(mktemp)
  /usr/bin/time -f "%e %M" -o "$err" "$@" >"$out"
  read -r wall rss <"$err"
  printf '%-14s %8.2f s %7d MiB  %s\n' "$name" "$wall" $((rss / 1024)) "$(tail -1 "$out")"
  rm -f "$out" "$err"
}
r=$(python3 -c "print(${radius}/3600)")
measure adql "$adql" query --format csv \
  --table "cat.small=$dir/small.parquet" --table "cat.big=$dir/big.parquet" \
  "SELECT COUNT(*) FROM cat.small AS s JOIN cat.big AS b ON CONTAINS(POINT('ICRS', s.ra, s.dec), CIRCLE('ICRS', b.ra, b.dec, $r)) = 1"
measure astropy "$python" "$here/astropy_xmatch.py" "$dir" "$radius"
if "$python" -c "import lsdb, hats_import" 2>/dev/null; then
  if [ ! -d "$dir/hats/big" ]; then
    measure lsdb-import "$python" "$here/lsdb_xmatch.py" import "$dir"
  fi
  measure lsdb "$python" "$here/lsdb_xmatch.py" match "$dir" "$radius"
fi
if [ -n "$duckdb" ]; then
  # The box is widened in RA by 1/cos(dec) (|dec| <= 5 here), then the exact distance.
  measure duckdb "$duckdb" -csv -noheader -c "
    SELECT COUNT(*) FROM '$dir/small.parquet' AS s JOIN '$dir/big.parquet' AS b
      ON b.dec BETWEEN s.dec - $r AND s.dec + $r
     AND b.ra BETWEEN s.ra - $r / cos(radians(abs(s.dec) + $r)) AND s.ra + $r / cos(radians(abs(s.dec) + $r))
     AND 2 * degrees(asin(sqrt(pow(sin(radians(b.dec - s.dec) / 2), 2)
           + cos(radians(s.dec)) * cos(radians(b.dec)) * pow(sin(radians(b.ra - s.ra) / 2), 2)))) < $r"
fi
