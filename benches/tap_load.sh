#!/usr/bin/env bash
# The TAP server under load, with a crash and restart in the middle:
#   1. start `adql serve` (release) over SNAPSHOT on loopback;
#   2. submit JOBS async jobs (PHASE=RUN) and wait for some to finish;
#   3. run the load generator (CLIENTS clients for SECONDS s of mixed seed queries);
#   4. halfway, kill the server with SIGKILL (a crash) and start it again;
#   5. check that every async job is still there and ends COMPLETED with its
#      result, and report the load generator's numbers and the peak RSS.
# Loopback only; every loop is bounded.
#   bash benches/tap_load.sh /tmp/dp02 [CLIENTS] [SECONDS]
set -euo pipefail
SNAPSHOT=${1:?usage: tap_load.sh SNAPSHOT [CLIENTS] [SECONDS]}
CLIENTS=${2:-200}
SECONDS_TOTAL=${3:-60}
JOBS=20
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}/release
ADDR=127.0.0.1:8090
TAP=http://$ADDR/api/tap
DATA=$(mktemp -d /tmp/tap-load.XXXXXX)
trap 'kill -9 $(cat "$DATA/pid" 2>/dev/null) 2>/dev/null || true' EXIT

start() {
  "$TARGET/adql" serve --snapshot "$SNAPSHOT" --addr $ADDR --data-dir "$DATA/jobs" \
    --max-concurrent 4 --max-queued 400 >>"$DATA/server.log" 2>&1 &
  echo $! >"$DATA/pid"
  for _ in $(seq 1 100); do
    curl -sf "$TAP/availability" >/dev/null && return 0
    sleep 0.1
  done
  echo "the server did not start"; exit 1
}

peak_rss() { awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$(cat "$DATA/pid")/status"; }

start
for i in $(seq 1 $JOBS); do
  curl -s -o /dev/null -w '%{redirect_url}\n' -X POST "$TAP/async" \
    --data-urlencode "LANG=ADQL" --data-urlencode "PHASE=RUN" \
    --data-urlencode "QUERY=SELECT obs_id, s_ra, s_dec FROM ivoa.ObsCore WHERE CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 55.7467, -32.2862, 0.$i)) = 1" \
    >>"$DATA/jobs.txt"
done
"$TARGET/examples/tap_load" "$TAP" "$CLIENTS" "$SECONDS_TOTAL" >"$DATA/load.json" &
LOAD=$!
sleep $((SECONDS_TOTAL / 2))
RSS1=$(peak_rss)
kill -9 "$(cat "$DATA/pid")"
sleep 0.5
start
wait $LOAD
RSS2=$(peak_rss)
completed=0
for job in $(cat "$DATA/jobs.txt"); do
  for _ in $(seq 1 60); do
    phase=$(curl -s "$job/phase")
    [ "$phase" = COMPLETED ] || [ "$phase" = ERROR ] && break
    curl -s -o /dev/null "$job?WAIT=5"
  done
  if [ "$phase" = COMPLETED ] && curl -sf -o /dev/null "$job/results/result"; then
    completed=$((completed + 1))
  else
    echo "job $job: phase $phase"
  fi
done
echo "load: $(cat "$DATA/load.json")"
echo "async jobs: $completed of $JOBS COMPLETED with their result after the crash and restart"
echo "peak RSS: ${RSS1} MiB before the crash, ${RSS2} MiB after the restart"
echo "server log lines with a 5xx status: $(grep -c 'status=5' "$DATA/server.log" || true)"
