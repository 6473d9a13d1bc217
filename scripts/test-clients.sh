#!/usr/bin/env bash
# Runs the real Python clients (tritonclient HTTP/gRPC, KServe, tensorflow-serving-api) and schemathesis
# against the built service, started here on free loopback ports with the demo models and
# tests/clients/service.yaml. Usage: scripts/test-clients.sh [pytest file ...]
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${VENV:-.venv}
jar=${JAR:-app/target/inference-service.jar}
java_home=$(scripts/find-jdk.sh --runtime 21 21)
[[ -f $jar && -f models/.built ]] || { echo "test-clients: run 'make build models' first (or set JAR)" >&2; exit 2; }

read -r http_port grpc_port < <("$venv/bin/python" - <<'PY'
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
for s in socks:
    s.close()
PY
)
log=$(mktemp -t test-clients.XXXXXX.log)
# The admin token of load and unload: random, in a file only this user can read, never on a command line.
secrets=$(mktemp -d -t test-clients.XXXXXX)
token_file=$secrets/admin-token
(umask 077 && head -c 32 /dev/urandom | base64 >"$token_file")
venv=$(cd "$venv" && pwd)
INFERENCE_CONFIG_FILE=tests/clients/service.yaml SERVER_HOST=127.0.0.1 SERVER_PORT=$http_port \
  MODEL_dash_CONTROL_TOKEN_dash_FILE="$token_file" \
  GRPC_HOST=127.0.0.1 GRPC_PORT=$grpc_port TENSORFLOW_LIBRARY_PATH="$PWD/.cache/tensorflow/native/lib" \
  DJL_OFFLINE=true TF_CPP_MIN_LOG_LEVEL=2 \
  "$java_home/bin/java" --enable-native-access=ALL-UNNAMED -Xmx1g -jar "$jar" >"$log" 2>&1 &
pid=$!
stop() {
  kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$log" "$secrets"
}
trap stop EXIT

for _ in $(seq 1 240); do
  curl -fs "http://127.0.0.1:$http_port/v2/health/ready" >/dev/null && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "test-clients: the service exited during start:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.5
done
curl -fs "http://127.0.0.1:$http_port/v2/health/ready" >/dev/null || { cat "$log" >&2; exit 1; }
echo "test-clients: service on http :$http_port, gRPC :$grpc_port"

export SERVICE_HTTP=127.0.0.1:$http_port SERVICE_GRPC=127.0.0.1:$grpc_port SERVICE_ADMIN_TOKEN_FILE=$token_file
# One pytest process per file: tritonclient.grpc and kserve register the same protobuf message names
# ("inference.*"), which one Python process cannot hold twice.
files=("$@")
[[ ${#files[@]} -gt 0 ]] || files=(tests/clients/test_*.py)
status=0
for file in "${files[@]}"; do
  echo "==> $file"
  "$venv/bin/python" -m pytest -q -p no:cacheprovider "$file" || status=1
done
if [[ $# -eq 0 ]]; then
  # Every check. The document lists each served model version with its exact input, so every body it
  # allows is one the service accepts; risk_heavy's slow routes get a longer time limit (schemathesis.toml).
  echo "==> schemathesis against http://$SERVICE_HTTP/openapi"
  work=$(mktemp -d)
  config=$PWD/tests/clients/schemathesis.toml
  (cd "$work" && "$venv/bin/schemathesis" --config-file "$config" run --checks all --request-timeout 60 \
    --max-examples 30 "http://$SERVICE_HTTP/openapi") || status=1
  rm -rf "$work"
fi
if [[ $status -ne 0 ]]; then
  echo "test-clients: failures; the service log follows" >&2
  tail -n 50 "$log" >&2
fi
exit $status
