#!/usr/bin/env bash
# Starts the built service on the demo models, reports the cold start to ready and the warm
# single-request latency of each demo model through the HTTP API (curl's time_total, sequential).
# Usage: scripts/measure-latency.sh [REQUESTS]   (run `make build models` first; `make measure` does)
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-300}
port=${MEASURE_PORT:-18080}
java_home=$(scripts/find-jdk.sh 21)
body='{"instances": [[950, 7, 3, 2, 25, 8.5]]}'

start=$(date +%s%N)
INFERENCE_CONFIG_FILE=app/demo.yaml SERVER_PORT=$port \
  "$java_home/bin/java" --enable-native-access=ALL-UNNAMED -jar app/target/inference-service.jar \
  >"${TMPDIR:-/tmp}/measure-latency.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
until curl -sf -o /dev/null "http://127.0.0.1:$port/v2/health/ready"; do
  kill -0 $pid 2>/dev/null || { echo "service exited; see ${TMPDIR:-/tmp}/measure-latency.log" >&2; exit 1; }
  sleep 0.05
done
echo "cold start to ready: $(( ($(date +%s%N) - start) / 1000000 )) ms"

for model in risk risk_heavy; do
  url="http://127.0.0.1:$port/v1/models/$model:predict"
  for _ in $(seq 20); do curl -sf -o /dev/null -d "$body" "$url"; done
  for _ in $(seq "$requests"); do
    curl -sf -o /dev/null -w '%{time_total}\n' -d "$body" "$url"
  done | sort -n | awk -v m="$model" '{ t[NR] = $1 * 1000 }
    END { printf "%-10s warm single request over %d: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms\n",
          m, NR, t[int(NR * 0.5)], t[int(NR * 0.9)], t[int(NR * 0.99)] }'
done
