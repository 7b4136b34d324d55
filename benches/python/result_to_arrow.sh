#!/usr/bin/env bash
# A 1,000,000-row result into pyarrow, three ways, whole process (interpreter
# start and imports included), best of three:
#   1. Python: adql.Engine(snapshot).query(q).to_pyarrow()
#   2. Python, streamed: pyarrow.RecordBatchReader.from_stream(result).read_all()
#   3. the CLI writes Parquet (`adql query --format parquet -o`), pyarrow reads it
#
#   bash benches/python/result_to_arrow.sh /tmp/bench/bin/python target/release/adql
set -euo pipefail
python="${1:-python3}"
adql="${2:-adql}"
work="${WORK:-/tmp/adql-result-bench}"
mkdir -p "$work"
[ -f "$work/snap/snapshot.json" ] || "$adql" generate --rows 1000000 -o "$work/snap" >/dev/null
query="SELECT obs_id, s_ra, s_dec, t_min, t_max, em_min, lsst_band, lsst_visit, s_region FROM ivoa.ObsCore"

best() {  # best wall time and its peak RSS over three runs of "$@"
  local best_s="" best_kb=""
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null
    read -r s kb <"$work/time"
    if [ -z "$best_s" ] || awk "BEGIN{exit !($s < $best_s)}"; then best_s=$s; best_kb=$kb; fi
  done
  printf '%6.2f s  %5d MiB' "$best_s" $((best_kb / 1024))
}

echo "1. to_pyarrow():            $(best "$python" -c "
import adql
t = adql.Engine('$work/snap').query(\"$query\").to_pyarrow()
assert t.num_rows == 1_000_000, t.num_rows")"
echo "2. RecordBatchReader:       $(best "$python" -c "
import adql, pyarrow as pa
t = pa.RecordBatchReader.from_stream(adql.Engine('$work/snap').query(\"$query\")).read_all()
assert t.num_rows == 1_000_000, t.num_rows")"
echo "3. CLI → Parquet → pyarrow: $(best bash -c "
'$adql' query --snapshot '$work/snap' --format parquet -o '$work/out.parquet' \"$query\" &&
'$python' -c \"import pyarrow.parquet as pq; assert pq.read_table('$work/out.parquet').num_rows == 1_000_000\"")"
