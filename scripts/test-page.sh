#!/usr/bin/env bash
# Browser test of the tester and status page at /. Starts, on free loopback ports: memcached, the CQL
# stand-in with the demo features of u-1 .. u-5 (scripts/features-demo.sh), and the built service on a
# copy of the demo models plus a tampered risk/3 that it must refuse. Then runs page-test/ with Node's test
# runner, driving Debian's headless Chromium through playwright-core. Screenshots and logs go to
# build/page-test/. Usage: scripts/test-page.sh (run `make build models` first; `make test-page` does).
set -euo pipefail
cd "$(dirname "$0")/.."
# Relative on purpose: features-demo.sh writes its cqlsh settings under the repository.
work=.cache/page-test
artifacts=build/page-test
java_home=$(scripts/find-jdk.sh --runtime 21 21)
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
started=$(date +%s)
# As the Makefile exports them, so the script also runs on its own.
export TENSORFLOW_LIBRARY_PATH=${TENSORFLOW_LIBRARY_PATH:-$PWD/.cache/tensorflow/native/lib} DJL_OFFLINE=true
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}

rm -rf "$work" "$artifacts"
mkdir -p "$work" "$artifacts"
pids=()
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  scripts/cql-standin.sh stop --dir "$work/cql" >/dev/null 2>&1 || true
  wait 2>/dev/null || true
}
trap cleanup EXIT

echo "==> models: the demo repository and risk/3, whose manifest changed after signing"
cp -r models "$work/models"
cp -r models/risk/2 "$work/models/risk/3"
sed -i 's/"version" : 2,/"version" : 3,/' "$work/models/risk/3/manifest.json"
grep -q '"version" : 3,' "$work/models/risk/3/manifest.json" || { echo "cannot renumber risk/3" >&2; exit 1; }

cache_port=$(free_port)
memcached -l 127.0.0.1 -p "$cache_port" -U 0 -m 32 -u "$(id -un)" &
pids+=("$!")

echo "==> CQL stand-in with the demo features (log: $work/cql/cassandra.log)"
cql_port=$(free_port)
scripts/cql-standin.sh start --dir "$work/cql" --port "$cql_port" --owner-pid $$
CQL_STANDIN_DIR=$work/cql CQL_PORT=$cql_port scripts/features-demo.sh > "$artifacts/features-demo.log" 2>&1 \
  || { cat "$artifacts/features-demo.log" >&2; exit 1; }

echo "==> service (log: $artifacts/service.log)"
port=$(free_port)
set -a
# shellcheck disable=SC1091
source "$work/cql/app.env"
set +a
INFERENCE_CONFIG_FILE=app/demo/demo.yaml SERVER_HOST=127.0.0.1 SERVER_PORT=$port MODELS_ROOT=$work/models \
  CACHE_ENABLED=true CACHE_SERVERS=127.0.0.1:$cache_port \
  FEATURES_ENABLED=true FEATURES_CONTACT_dash_POINTS=127.0.0.1:$cql_port \
  "$java_home/bin/java" --enable-native-access=ALL-UNNAMED -jar app/target/inference-service.jar \
  > "$artifacts/service.log" 2>&1 &
service=$!
pids+=("$service")
deadline=$(( $(date +%s) + 240 ))
until curl -sf -o /dev/null "http://127.0.0.1:$port/v2/health/ready"; do
  if ! kill -0 $service 2>/dev/null || (( $(date +%s) > deadline )); then
    tail -20 "$artifacts/service.log" >&2
    echo "the service did not become ready" >&2
    exit 1
  fi
  sleep 0.2
done
echo "    ready on port $port after $(( $(date +%s) - started )) s of set-up"

echo "==> browser test (Chromium $(chromium --version 2>/dev/null | awk '{print $2}'))"
test_start=$(date +%s)
PAGE_URL=http://127.0.0.1:$port PAGE_ARTIFACTS=$artifacts node --test page-test/*.test.mjs
echo "    browser test $(( $(date +%s) - test_start )) s, all with set-up $(( $(date +%s) - started )) s;" \
  "screenshots in $artifacts/"
