#!/usr/bin/env bash
# The scale-out figures of README "Scaling out" and docs/scaling.md, in one run:
# the full DP0.2-scale snapshot in 32 parts, read from local files, from an
# S3-compatible server on loopback (moto), and by a Ballista cluster (1 and 2
# executors) over the S3 copy.
#
#   cargo build --release -p adql-cli --features cluster
#   ADQL_PYTHON=.venv/bin/python bash benches/scale/measure.sh [WORKDIR]
#
# Needs moto[server] and boto3 in $ADQL_PYTHON (testdata/python-requirements.txt).
set -euo pipefail
cd "$(dirname "$0")/../.."
ADQL="${ADQL:-${CARGO_TARGET_DIR:-target}/release/adql}"
WORK="${1:-/tmp/adql-scale}"
RUNS="${RUNS:-5}"
mkdir -p "$WORK"
[ -x "$ADQL" ] || { echo "build it first: cargo build --release -p adql-cli --features cluster" >&2; exit 2; }

CONE="SELECT * FROM ivoa.ObsCore WHERE dataproduct_type = 'image' AND obs_collection = 'LSST.DP02' AND dataproduct_subtype = 'lsst.deepCoadd_calexp' AND CONTAINS(POINT('ICRS', 55.74673760481304, -32.286155241413624), s_region)=1"
GROUP="SELECT dataproduct_subtype, COUNT(*) FROM ivoa.ObsCore GROUP BY dataproduct_subtype"
NOTHING="SELECT COUNT(*) FROM ivoa.ObsCore WHERE calib_level = 9"

# The S3 server, its credentials exported; stopped at exit.
coproc S3 { sleep infinity | "${ADQL_PYTHON:-python3}" testdata/s3_server.py adql; }
read -r line <&"${S3[0]}"
eval "$(python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(f\"export AWS_ACCESS_KEY_ID={d['key_id']} AWS_SECRET_ACCESS_KEY={d['secret']} AWS_ENDPOINT_URL={d['endpoint']}\")" "$line")"
export AWS_REGION=us-east-1 AWS_ALLOW_HTTP=true
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; kill "$S3_PID" 2>/dev/null || true; pkill -f "s3_server.py adql" 2>/dev/null || true; }
trap cleanup EXIT

if [ ! -f "$WORK/dp02-32/snapshot.json" ]; then
  "$ADQL" generate --preset dp02 --parts 32 -o "$WORK/dp02-32"
fi
"$ADQL" generate --preset dp02 --parts 32 -o s3://adql/dp02-32/
BYTES=$(du -cb "$WORK"/dp02-32/*.parquet | tail -1 | cut -f1)
echo "snapshot: $(du -sh "$WORK/dp02-32" | cut -f1), Parquet $BYTES bytes in 32 parts"

# Median wall time (ms) of RUNS runs of `adql query ARGS`.
median() {
  local times=()
  for _ in $(seq "$RUNS"); do
    local t0 t1
    t0=$(date +%s%N)
    "$ADQL" query --format csv "$@" > /dev/null
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}

row() { printf '%-34s %8s ms %8s ms %8s ms\n' "$1" "$2" "$3" "$4"; }
echo
row "where (adql query wall time)" "cone" "GROUP BY" "no part"
row "local files" "$(median --snapshot "$WORK/dp02-32" "$CONE")" "$(median --snapshot "$WORK/dp02-32" "$GROUP")" "$(median --snapshot "$WORK/dp02-32" "$NOTHING")"
row "S3 (moto on loopback)" "$(median --snapshot s3://adql/dp02-32/ "$CONE")" "$(median --snapshot s3://adql/dp02-32/ "$GROUP")" "$(median --snapshot s3://adql/dp02-32/ "$NOTHING")"

echo
echo "the cone over S3: what it opens and reads"
"$ADQL" explain --snapshot s3://adql/dp02-32/ "$CONE" | grep "parts ("
"$ADQL" query --format csv --io-stats --snapshot s3://adql/dp02-32/ "$CONE" 2>&1 >/dev/null | grep GETs
"$ADQL" query --format csv --io-stats --snapshot s3://adql/dp02-32/ "$NOTHING" 2>&1 >/dev/null | grep GETs | sed 's/^/(opening only, no part read) /'

SCHED=50150
"$ADQL" cluster scheduler --addr 127.0.0.1:$SCHED 2>/dev/null & PIDS+=($!)
sleep 1
"$ADQL" cluster executor --scheduler df://127.0.0.1:$SCHED --addr 127.0.0.1:50161 --slots 2 2>/dev/null & PIDS+=($!)
sleep 3
echo
row "cluster, 1 executor (2 slots)" "$(median --snapshot s3://adql/dp02-32/ --cluster df://127.0.0.1:$SCHED "$CONE")" "$(median --snapshot s3://adql/dp02-32/ --cluster df://127.0.0.1:$SCHED "$GROUP")" "$(median --snapshot s3://adql/dp02-32/ --cluster df://127.0.0.1:$SCHED "$NOTHING")"
"$ADQL" cluster executor --scheduler df://127.0.0.1:$SCHED --addr 127.0.0.1:50171 --slots 2 2>/dev/null & PIDS+=($!)
sleep 3
row "cluster, 2 executors (2 slots each)" "$(median --snapshot s3://adql/dp02-32/ --cluster df://127.0.0.1:$SCHED "$CONE")" "$(median --snapshot s3://adql/dp02-32/ --cluster df://127.0.0.1:$SCHED "$GROUP")" "$(median --snapshot s3://adql/dp02-32/ --cluster df://127.0.0.1:$SCHED "$NOTHING")"
echo
echo "rows: $(python3 -c "import json; print(json.load(open('$WORK/dp02-32/snapshot.json'))['rows'])")"
