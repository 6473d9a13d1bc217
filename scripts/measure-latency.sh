#!/usr/bin/env bash
# Starts the built service on the demo models with a local memcached, then reports, through the HTTP API:
# the cold start to ready, and per demo model the warm single-request latency of a cache miss (a new
# transaction each time: model run + cache write) and of a cache hit (the same transaction again).
# Sequential requests, curl's time_total. Usage: scripts/measure-latency.sh [REQUESTS]
# (run `make build models` first; `make measure` does).
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-300}
port=${MEASURE_PORT:-18080}
cache_port=${MEASURE_CACHE_PORT:-18211}
java_home=$(scripts/find-jdk.sh 21)
log=${TMPDIR:-/tmp}/measure-latency.log

memcached -l 127.0.0.1 -p "$cache_port" -U 0 -m 64 -u "$(id -un)" &
memcached_pid=$!
start=$(date +%s%N)
INFERENCE_CONFIG_FILE=app/demo/demo.yaml SERVER_PORT=$port GRPC_ENABLED=false CACHE_ENABLED=true CACHE_SERVERS=127.0.0.1:$cache_port \
  "$java_home/bin/java" --enable-native-access=ALL-UNNAMED -jar app/target/inference-service.jar >"$log" 2>&1 &
pid=$!
trap 'kill $pid $memcached_pid 2>/dev/null; wait 2>/dev/null || true' EXIT
until curl -sf -o /dev/null "http://127.0.0.1:$port/v2/health/ready"; do
  kill -0 $pid 2>/dev/null || { echo "service exited; see $log" >&2; exit 1; }
  sleep 0.05
done
echo "cold start to ready: $(( ($(date +%s%N) - start) / 1000000 )) ms"

# body N: a transaction whose amount is N, so each N is a distinct cache key.
body() { printf '{"instances": [[%d, 7, 3, 2, 25, 8.5]]}' "$1"; }
percentiles() {
  sort -n | awk -v what="$1" '{ t[NR] = $1 * 1000 }
    END { printf "  %-5s p50 %7.2f ms   p90 %7.2f ms   p99 %7.2f ms   (n=%d)\n",
          what, t[int(NR * 0.5)], t[int(NR * 0.9)], t[int(NR * 0.99)], NR }'
}
for model in risk risk_heavy; do
  url="http://127.0.0.1:$port/v1/models/$model:predict"
  echo "$model:"
  for i in $(seq 20); do curl -sf -o /dev/null -d "$(body "$i")" "$url"; done
  for i in $(seq 1000 $((1000 + requests - 1))); do
    curl -sf -o /dev/null -w '%{time_total}\n' -d "$(body "$i")" "$url"
  done | percentiles miss
  for _ in $(seq "$requests"); do
    curl -sf -o /dev/null -w '%{time_total}\n' -d "$(body 1000)" "$url"
  done | percentiles hit
done
