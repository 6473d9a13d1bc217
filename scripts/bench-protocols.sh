#!/usr/bin/env bash
# Throughput of the same single-row risk/2 inference over OIP JSON HTTP, OIP binary HTTP (binary tensor
# data extension) and OIP gRPC (raw contents), measured in one run and interleaved round by round so
# that other load on the machine hits all three alike. HTTP load: wrk; gRPC load: ghz. Result cache off,
# so every request runs the model. Usage: scripts/bench-protocols.sh [seconds per run] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-8}
rounds=${2:-3}
connections=32
ghz=${GHZ:-$(command -v ghz || echo "$HOME/go/bin/ghz")}
jar=app/target/inference-service.jar
[[ -f $jar && -f models/.built ]] || { echo "bench-protocols: run 'make build models' first" >&2; exit 2; }
command -v wrk >/dev/null || { echo "bench-protocols: wrk is missing (apt-get install wrk)" >&2; exit 2; }
[[ -x $ghz ]] || { echo "bench-protocols: ghz is missing (make bench-protocols installs it with go install)" >&2; exit 2; }

work=$(mktemp -d)
read -r http_port grpc_port < <(python3 - <<'PY'
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
for s in socks:
    s.close()
PY
)
INFERENCE_CONFIG_FILE=app/demo/demo.yaml SERVER_HOST=127.0.0.1 SERVER_PORT=$http_port GRPC_HOST=127.0.0.1 \
  GRPC_PORT=$grpc_port MODELS_SIGNATURE_KEY=.cache/keys/model-signing.key.pub \
  TENSORFLOW_LIBRARY_PATH="$PWD/.cache/tensorflow/native/lib" DJL_OFFLINE=true TF_CPP_MIN_LOG_LEVEL=2 \
  "$(scripts/find-jdk.sh --runtime 21 21)/bin/java" --enable-native-access=ALL-UNNAMED -jar "$jar" >"$work/service.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 240); do
  curl -fs "http://127.0.0.1:$http_port/v2/health/ready" >/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/service.log" >&2; exit 1; }
  sleep 0.5
done

# Request bodies: the same row, as JSON, as a JSON header plus 24 raw bytes, and as gRPC raw contents.
python3 - "$work" <<'PY'
import base64, json, struct, sys
work = sys.argv[1]
row = [950, 7, 3, 2, 25, 8.5]
raw = struct.pack("<6f", *row)
tensor = {"name": "features", "shape": [1, 6], "datatype": "FP32"}
json_body = json.dumps({"inputs": [dict(tensor, data=row)]})
header = json.dumps({"inputs": [dict(tensor, parameters={"binary_data_size": len(raw)})],
                     "parameters": {"binary_data_output": True}}).encode()
binary_body = header + raw
def lua(body, headers):
    escaped = "".join("\\%d" % b for b in body)
    lines = ['wrk.method = "POST"', 'wrk.body = "%s"' % escaped]
    lines += ['wrk.headers["%s"] = "%s"' % kv for kv in headers.items()]
    return "\n".join(lines) + "\n"
open(f"{work}/json.lua", "w").write(lua(json_body.encode(), {"Content-Type": "application/json"}))
open(f"{work}/binary.lua", "w").write(lua(binary_body, {"Content-Type": "application/octet-stream",
                                                       "Inference-Header-Content-Length": str(len(header))}))
open(f"{work}/grpc.json", "w").write(json.dumps({"model_name": "risk", "model_version": "2",
    "inputs": [{"name": "features", "datatype": "FP32", "shape": [1, 6]}],
    "raw_input_contents": [base64.b64encode(raw).decode()]}))
PY

url="http://127.0.0.1:$http_port/v2/models/risk/versions/2/infer"
http_run() {
  wrk -t1 -c"$connections" -d"${seconds}s" -s "$work/$1.lua" "$url" > "$work/wrk.out"
  if grep -q "Non-2xx" "$work/wrk.out"; then
    echo "bench-protocols: $1 HTTP had failed requests:" >&2
    cat "$work/wrk.out" >&2
    exit 1
  fi
  awk '/Requests\/sec/ {print $2}' "$work/wrk.out"
}
grpc_run() {
  "$ghz" --insecure --proto app/service/src/main/proto/grpc_predict_v2.proto \
    --call inference.GRPCInferenceService/ModelInfer -D "$work/grpc.json" -c "$connections" -z "${seconds}s" \
    --format json "127.0.0.1:$grpc_port" | python3 -c '
import json, sys
r = json.load(sys.stdin)
# Calls still in flight when the run ends are cut off by ghz itself (cancelled, or their connection
# closed under them); anything else is a real failure.
failed = {k: v for k, v in r.get("errorDistribution", {}).items()
          if "Canceled" not in k and "use of closed network connection" not in k}
print(round(r["rps"]), sum(failed.values()), json.dumps(failed).replace(" ", "_"))'
}
# Warm-up of every path, then the measured rounds.
wrk -t1 -c8 -d2s -s "$work/json.lua" "$url" >/dev/null
wrk -t1 -c8 -d2s -s "$work/binary.lua" "$url" >/dev/null
grpc_run >/dev/null
declare -a json binary grpc
for r in $(seq 1 "$rounds"); do
  json+=("$(http_run json)")
  binary+=("$(http_run binary)")
  read -r rps errors codes < <(grpc_run)
  [[ $errors -eq 0 ]] || { echo "bench-protocols: $errors gRPC calls failed: $codes" >&2; exit 1; }
  grpc+=("$rps")
  echo "round $r: JSON HTTP ${json[-1]} req/s, binary HTTP ${binary[-1]} req/s, gRPC ${grpc[-1]} req/s"
done
python3 - "${json[*]}" "${binary[*]}" "${grpc[*]}" <<'PY'
import statistics, sys
json_, binary, grpc = (statistics.median(float(v) for v in arg.split()) for arg in sys.argv[1:])
print(f"BENCH median req/s: JSON HTTP {json_:.0f}, binary HTTP {binary:.0f}, gRPC {grpc:.0f}")
print(f"BENCH ratios to JSON HTTP: binary HTTP {binary / json_:.2f}x, gRPC {grpc / json_:.2f}x")
PY
