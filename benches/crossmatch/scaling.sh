#!/usr/bin/env bash
# How a crossmatch's time grows with the catalogues: SMALL x 10·SMALL random
# points in the same 10 x 10 degree field at 1 arcsecond, for SMALL = 10^4,
# 10^5, 3·10^5 and 10^6, whole process: adql (best and worst of 3 runs) and
# astropy's search_around_sky (one run).
#
#   bash benches/crossmatch/scaling.sh DIR ADQL PYTHON
#
# PYTHON needs numpy, pyarrow, astropy and scipy. Each line: the rows, adql's
# seconds, its peak RSS MiB, astropy's seconds, and both pair counts.
set -euo pipefail
dir=$1 adql=$2 python=$3
here=$(cd "$(dirname "$0")" && pwd)
r=$(python3 -c "print(1/3600)")
query="SELECT COUNT(*) FROM cat.small AS s JOIN cat.big AS b ON CONTAINS(POINT('ICRS', s.ra, s.dec), CIRCLE('ICRS', b.ra, b.dec, $r)) = 1"
for small in 10000 100000 300000 1000000; do
  big=$((small * 10))
  at="$dir/$small"
  if [ ! -f "$at/big.parquet" ]; then
    "$python" "$here/make_catalogues.py" "$at" "$small" "$big" >/dev/null
  fi
  times=()
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$at/time" "$adql" query --format csv \
      --table "cat.small=$at/small.parquet" --table "cat.big=$at/big.parquet" "$query" >"$at/adql.csv"
    times+=("$(cat "$at/time")")
  done
  pairs=$(tail -1 "$at/adql.csv")
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  best=$(echo "$sorted" | head -1) worst=$(echo "$sorted" | tail -1)
  start=$(date +%s.%N)
  astropy_pairs=$("$python" "$here/astropy_xmatch.py" "$at" 1)
  astropy=$(python3 -c "print(f'{$(date +%s.%N) - $start:.2f}')")
  printf '%8d x %9d  adql %s–%s s %5d MiB  astropy %6s s  pairs %s / %s\n' "$small" "$big" \
    "${best%% *}" "${worst%% *}" $((${worst##* } / 1024)) "$astropy" "$pairs" "$astropy_pairs"
done
