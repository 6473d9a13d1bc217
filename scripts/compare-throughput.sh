#!/usr/bin/env bash
# Compares the hit-path and miss-path throughput of two builds of the service on the same machine in one
# run: each round starts build A, then build B (same demo models, a fresh local memcached each), and
# measures with wrk a result-cache miss path (a new transaction per request: model run + cache write) and
# a hit path (1,000 transactions warmed into the cache). Rounds alternate A and B so a load change on the
# machine hits both. Prints req/s per round and the B/A ratio of the medians.
# Usage: scripts/compare-throughput.sh JAR_A JAR_B [ROUNDS] [SECONDS]
# (run `make build models` first; the models and signing key come from ./models and .cache/keys).
set -euo pipefail
cd "$(dirname "$0")/.."
jar_a=$1 jar_b=$2 rounds=${3:-4} seconds=${4:-10}
port=${COMPARE_PORT:-18090}
cache_port=${COMPARE_CACHE_PORT:-18221}
java_home=$(scripts/find-jdk.sh --runtime 21 21)
# What the Makefile exports for the service: TensorFlow's natives beside the JAR, no downloads.
export TENSORFLOW_LIBRARY_PATH=${TENSORFLOW_LIBRARY_PATH:-$PWD/.cache/tensorflow/native/lib} DJL_OFFLINE=true
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"' EXIT

# A transaction whose amount is the request counter: every request is a distinct cache key (miss), or,
# modulo 1,000, one of 1,000 keys warmed before (hit).
cat >"$work/predict.lua" <<'LUA'
local modulo = tonumber(os.getenv("KEYS") or "0")
local n = 0
request = function()
  n = n + 1
  local amount = n
  if modulo > 0 then amount = n % modulo else amount = math.random(1, 1e9) * 1000 + n end
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"},
    string.format('{"instances": [[%d, 7, 3, 2, 25, 8.5]]}', amount))
end
LUA

measure() { # JAR LABEL: start the service on JAR, print "LABEL miss hit" in req/s
  memcached -l 127.0.0.1 -p "$cache_port" -U 0 -m 256 -u "$(id -un)" >/dev/null 2>&1 &
  local memcached_pid=$!
  INFERENCE_CONFIG_FILE=app/demo/demo.yaml SERVER_PORT=$port CACHE_ENABLED=true \
    CACHE_SERVERS=127.0.0.1:$cache_port MODELS_ROOT=models MODELS_SIGNATURE_KEY=.cache/keys/model-signing.key.pub \
    "$java_home/bin/java" --enable-native-access=ALL-UNNAMED -jar "$1" >"$work/$2.log" 2>&1 &
  local pid=$! waited=0
  until curl -sf -o /dev/null "http://127.0.0.1:$port/v2/health/ready"; do
    if ! kill -0 $pid 2>/dev/null || (( waited++ > 1200 )); then
      echo "service $1 not ready; its log:" >&2; tail -20 "$work/$2.log" >&2; exit 1
    fi
    sleep 0.1
  done
  local url="http://127.0.0.1:$port/v1/models/risk:predict"
  KEYS=0 wrk -t1 -c32 -d5s -s "$work/predict.lua" "$url" >/dev/null      # JIT warm-up
  KEYS=1000 wrk -t1 -c32 -d3s -s "$work/predict.lua" "$url" >/dev/null   # warm the 1,000 hit keys
  local miss hit
  miss=$(KEYS=0 wrk -t1 -c32 -d"${seconds}s" -s "$work/predict.lua" "$url" | awk '/Requests\/sec/ {print $2}')
  hit=$(KEYS=1000 wrk -t1 -c32 -d"${seconds}s" -s "$work/predict.lua" "$url" | awk '/Requests\/sec/ {print $2}')
  kill $pid $memcached_pid; wait $pid $memcached_pid 2>/dev/null || true
  echo "$2 $miss $hit"
}

for round in $(seq "$rounds"); do
  measure "$jar_a" A | tee -a "$work/results"
  measure "$jar_b" B | tee -a "$work/results"
done
awk '{ miss[$1] = miss[$1] " " $2; hit[$1] = hit[$1] " " $3 }
  function median(list,   v, n, i, j, t) {
    n = split(list, v, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }
  END { ma = median(miss["A"]); mb = median(miss["B"]); ha = median(hit["A"]); hb = median(hit["B"])
        printf "median req/s  miss: A %.0f  B %.0f  B/A %.3f\n", ma, mb, mb / ma
        printf "median req/s  hit:  A %.0f  B %.0f  B/A %.3f\n", ha, hb, hb / ha }' "$work/results"
