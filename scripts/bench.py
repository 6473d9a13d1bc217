#!/usr/bin/env python3
"""`make bench`: the service against its limits and its peers, measured in one run, as one table.

Starts on loopback, each on a free port: memcached, the CQL stand-in (loaded with bench entities), the
service twice (caches off, then result and feature caches in memcached), the limit programs of bench/ (a bare Helidon
handler doing one spymemcached get, a bare DJL predictor loop, the raw CQL driver read) and the peers
(Seldon MLServer, KServe) serving the same logistic regression in scikit-learn. HTTP load comes from wrk
in its own process: one thread, CONNECTIONS connections, a warm-up run, then a run bounded in time and
request count. Then issue 22's overload workload: a service with the unit's JVM options, its capacity C
on the uncached miss path, and open-loop load from vegeta at 50 % of C, at 3x C (3x --seconds) and at C
right after. Prints the workloads, the ratios (service to limit, service to peer) and the issues'
targets met or not, and writes everything as JSON to .cache/bench/results-<UTC time>.json.

Usage: scripts/bench.py [--seconds 10] [--warmup 3] [--connections 32] [--only overload] [--record-baseline]
       [--jar PATH]
(run through `make bench`, which builds and installs what this needs first).
"""
import argparse
import csv
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "bench"
BASELINE = ROOT / "bench" / "baseline.json"
JAR = ROOT / "app" / "target" / "inference-service.jar"
LIMITS_CP = f"{ROOT}/bench/target/classes:{ROOT}/bench/target/lib/*"
VENVS = ROOT / ".cache" / "bench-venv"
# The open-loop generator of the overload workload, installed by `make bench` (VEGETA_VERSION there).
VEGETA_VERSION = os.environ.get("VEGETA_VERSION", "v12.13.0")
# Connections vegeta may open to the service; a request finding all busy waits for one, and that wait counts
# in its latency (the send time is when it was due). Unbounded, each late answer opens another connection.
OPEN_LOOP_CONNECTIONS = 256
ROW = [950, 7, 3, 2, 25, 8.5]
ENTITIES = 100
EVENTS_PER_ENTITY = 20
HIT_KEYS = 10_000
# Request bodies (templates of bench/load.lua). A miss row carries the counter in the amount and the run
# in account_age_days, so every request of every run is a new cache key; a hit row cycles over HIT_KEYS.
OIP = '{"inputs": [{"name": "features", "shape": [1, 6], "datatype": "FP32", "data": [%s]}]}'
MISS_OIP = OIP % "{n}, 7, 3, {run}, 25, 8.5"
HIT_OIP = OIP % "{key}, 7, 3, 1, 25, 8.5"
MISS_TFS = '{"instances": [[{n}, 7, 3, {run}, 25, 8.5]]}'
ENRICHED = '{"instances": [{"user_id": "bench-{key}", "amount": {n}.{run}, "merchant_category": 7, "hour": 3}]}'
BAD_SHAPE = OIP % "1, 2"
MLSERVER_OIP = MISS_OIP[:-1] + ', "outputs": [{"name": "predict_proba"}]}'


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


def free_ports(count):
    socks = [socket.socket() for _ in range(count)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def java():
    home = subprocess.run([str(ROOT / "scripts" / "find-jdk.sh"), "--runtime", "21", "21"], check=True, capture_output=True,
                          text=True).stdout.strip()
    return [f"{home}/bin/java", "--enable-native-access=ALL-UNNAMED"]


class Process:
    """A process this run started, stopped by its own pid only; its output goes to a log file."""
    running = []

    def __init__(self, name, command, env=None, cwd=ROOT):
        self.name = name
        self.log = CACHE / "logs" / f"{name}.log"
        self.started = time.monotonic()
        with open(self.log, "w") as out:
            self.popen = subprocess.Popen(command, cwd=cwd, env={**os.environ, **(env or {})}, stdout=out,
                                          stderr=subprocess.STDOUT, start_new_session=True)
        Process.running.append(self)

    def wait_ready(self, url, timeout=180):
        """Polls url until it answers 200; returns seconds from process start to ready."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise SystemExit(f"{self.name} exited ({self.popen.returncode}); its log: {self.log}")
            try:
                with urllib.request.urlopen(url, timeout=2) as reply:
                    if reply.status == 200:
                        self.startup_cpu_s = self.cpu_seconds()
                        return time.monotonic() - self.started
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)
        raise SystemExit(f"{self.name} not ready after {timeout} s; its log: {self.log}")

    def cpu_seconds(self):
        """CPU time (user and system, all threads) the process has used: start-up cost without the wait
        for a core, which on a shared machine dominates the wall time."""
        fields = Path(f"/proc/{self.popen.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mib(self):
        status = Path(f"/proc/{self.popen.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024

    def stop(self):
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        if self in Process.running:
            Process.running.remove(self)


def post(url, body):
    request = urllib.request.Request(url, data=body.encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def metrics(base):
    """The service's Prometheus text as {name{labels}: value}."""
    with urllib.request.urlopen(f"{base}/observe/metrics", timeout=10) as reply:
        text = reply.read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


def histogram_p99(before, after, prefix, labels):
    """p99 of what a Prometheus histogram recorded between two scrapes (upper bound of the bucket)."""
    buckets = []
    for name, value in after.items():
        if name.startswith(prefix + "_bucket{") and all(f'{k}="{v}"' in name for k, v in labels.items()):
            le = re.search(r'le="([^"]+)"', name).group(1)
            buckets.append((float(le), value - before.get(name, 0)))
    buckets.sort()
    if not buckets or buckets[-1][1] == 0:
        return None, 0
    total = buckets[-1][1]
    return next(le for le, count in buckets if count >= 0.99 * total) * 1000, int(total)


class Load:
    """wrk against one URL: a warm-up run, then the measured run; results in req/s and milliseconds."""

    def __init__(self, args):
        self.args = args
        self.run = 10

    def measure(self, url, body, keys=0, expect_status=False):
        self.run += 1
        warmup = self.wrk(url, body, keys, self.args.warmup)
        if keys > ENTITIES:
            # Each key once more (wrk stops sending after that count but runs out its time, here three
            # times what the warm-up's rate needs), so the measured run finds every key cached; the hit
            # ratio in the results shows whether it did.
            rate = max(warmup["requests"] / (warmup["duration_us"] / 1e6), 100)
            self.wrk(url, body, keys, min(60, max(5, int(3 * keys / rate) + 1)), max_requests=keys)
        self.run += 1
        raw = self.wrk(url, body, keys, self.args.seconds)
        seconds = raw["duration_us"] / 1e6
        socket_errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
        # For the 4xx path every answer must be a 4xx; wrk counts those in errors.status.
        status_errors = raw["requests"] - raw["status"] if expect_status else raw["status"]
        return {"rps": raw["requests"] / seconds, "p50_ms": raw["p50_us"] / 1000, "p99_ms": raw["p99_us"] / 1000,
                "max_ms": raw["max_us"] / 1000, "errors": socket_errors + status_errors,
                "requests": raw["requests"], "seconds": round(seconds, 2)}

    def wrk(self, url, body, keys, seconds, max_requests=None):
        env = {**os.environ, "BENCH_BODY": body, "BENCH_KEYS": str(keys), "BENCH_RUN": str(self.run),
               "BENCH_MAX": str(max_requests or self.args.max_requests)}
        command = ["wrk", "-t1", f"-c{self.args.connections}", f"-d{seconds}s", "--timeout", "5s",
                   "-s", str(ROOT / "bench" / "load.lua"), url]
        run = subprocess.run(command, env=env, capture_output=True, text=True)
        out = run.stdout + run.stderr
        line = next((l for l in out.splitlines() if l.startswith("BENCH_RESULT ")), None)
        if line is None:
            raise SystemExit(f"wrk printed no result for {url}:\n{out}")
        return json.loads(line[len("BENCH_RESULT "):])


class CqlStandin:
    """The CQL stand-in with the bench keyspace, a reader role and ENTITIES entities with events."""

    def __init__(self):
        self.dir = CACHE / "cql"
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        (self.port,) = free_ports(1)
        self.username = "bench_reader"
        self.password = secrets.token_urlsafe(18)
        self.keyspace = "bench"

    def start(self):
        subprocess.run([str(ROOT / "scripts" / "cql-standin.sh"), "start", "--dir", str(self.dir), "--port",
                        str(self.port), "--owner-pid", str(os.getpid())], check=True, stdout=sys.stderr)
        old_umask = os.umask(0o077)
        try:
            (self.dir / "cql-credentials").write_text(
                "[PlainTextAuthProvider]\nusername = cassandra\npassword = cassandra\n")
            (self.dir / "cqlshrc").write_text(f"[authentication]\ncredentials = {self.dir / 'cql-credentials'}\n")
            schema = (ROOT / "schema" / "feature_store.cql").read_text().replace("__KEYSPACE__", self.keyspace)
            schema = schema.replace("__REPLICATION__", "'datacenter1': 1")
            schema += (f"\nCREATE ROLE IF NOT EXISTS {self.username} WITH LOGIN = true AND PASSWORD = "
                       f"'{self.password}';\nGRANT SELECT ON KEYSPACE {self.keyspace} TO {self.username};\n"
                       f"GRANT MODIFY ON KEYSPACE {self.keyspace} TO {self.username};\n")
            (self.dir / "setup.cql").write_text(schema)
            subprocess.run([str(ROOT / ".venv" / "bin" / "cqlsh"), "--cqlshrc", str(self.dir / "cqlshrc"), "-f",
                            str(self.dir / "setup.cql"), "127.0.0.1", str(self.port)], check=True, stdout=sys.stderr)
        finally:
            (self.dir / "setup.cql").unlink(missing_ok=True)
            os.umask(old_umask)
        now = time.time()
        lines = []
        for e in range(ENTITIES):
            lines.append({"entity_key": "user_id", "entity_id": f"bench-{e}",
                          "features": {"account_age_days": 30 + 7 * e}})
            lines.append({"entity_key": "user_id", "entity_id": f"bench-{e}", "events": [
                {"occurred_at": datetime.fromtimestamp(now - 3600 * (i + 1), timezone.utc).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"), "amount": 20 + (e + 3 * i) % 40} for i in range(EVENTS_PER_ENTITY)]})
        sample = self.dir / "entities.jsonl"
        sample.write_text("".join(json.dumps(line) + "\n" for line in lines))
        subprocess.run(java() + ["-jar", str(JAR), "load-features", str(sample)], env={**os.environ, **self.env()},
                       check=True, stdout=sys.stderr, stderr=subprocess.STDOUT)

    def env(self):
        return {"FEATURES_CONTACT_dash_POINTS": f"127.0.0.1:{self.port}", "FEATURES_KEYSPACE": self.keyspace,
                "FEATURES_USERNAME": self.username, "FEATURES_PASSWORD": self.password}

    def stop(self):
        subprocess.run([str(ROOT / "scripts" / "cql-standin.sh"), "stop", "--dir", str(self.dir)],
                       stdout=sys.stderr, check=False)


def start_service(name, store, cache_servers, jvm_options=()):
    port, = free_ports(1)
    env = {"INFERENCE_CONFIG_FILE": "app/demo/demo.yaml", "SERVER_HOST": "127.0.0.1", "SERVER_PORT": str(port),
           "GRPC_ENABLED": "false", "MODELS_ROOT": "models",
           "MODELS_SIGNATURE_KEY": ".cache/keys/model-signing.key.pub"}
    if store:
        env.update({"FEATURES_ENABLED": "true", **store.env()})
    if cache_servers:
        env.update({"CACHE_ENABLED": "true", "CACHE_SERVERS": cache_servers})
    service = Process(name, java() + list(jvm_options) + ["-jar", str(JAR)], env=env)
    service.base = f"http://127.0.0.1:{port}"
    service.startup_s = service.wait_ready(f"{service.base}/v2/health/ready")
    log(f"{name} ready after {service.startup_s:.2f} s")
    return service


def warm_up(load, service):
    """Load on the model path right after start, so the JIT has compiled it before the first workload."""
    load.wrk(f"{service.base}/v2/models/risk/versions/1/infer", MISS_OIP, 0, 2 * load.args.warmup)
    load.wrk(f"{service.base}/v1/models/risk/versions/1:predict", MISS_TFS, 0, load.args.warmup)


def limit_json(name, command, env=None, parse=True):
    """Runs a limit program to its end and returns the JSON line it printed (with parse)."""
    out = subprocess.run(java() + ["-cp", LIMITS_CP, "dev.appliance.bench.Main"] + command, cwd=ROOT,
                         env={**os.environ, **(env or {})}, capture_output=True, text=True)
    (CACHE / "logs" / f"{name}.log").write_text(out.stdout + out.stderr)
    line = next((l for l in out.stdout.splitlines() if l.startswith("{")), None)
    if out.returncode != 0 or (parse and line is None):
        raise SystemExit(f"{name} failed; its log: {CACHE / 'logs' / (name + '.log')}")
    return json.loads(line) if parse else None


def probability(reply):
    """The first probability of an OIP v2 reply (the service's `probability`, MLServer's predict_proba)."""
    output = reply["outputs"][0]
    return output["data"][-1] if output["name"] == "predict_proba" else output["data"][0]


def measure_service(load, store, memcached, results):
    """Workloads on the service: caches off, then both caches on."""
    plain = start_service("service-nocache", store, None)
    warm_up(load, plain)
    results["startup"] = {"service_s": round(plain.startup_s, 2), "service_cpu_s": round(plain.startup_cpu_s, 2)}
    base = plain.base
    status, reply = post(f"{base}/v2/models/risk/versions/1/infer", OIP % ", ".join(map(str, ROW)))
    if status != 200:
        raise SystemExit(f"the service answered {status} to one row: {reply}")
    results["reference_probability"] = probability(reply)
    status, reply = post(f"{base}/v2/models/risk/versions/1/infer", BAD_SHAPE)
    if not 400 <= status < 500:
        raise SystemExit(f"the 4xx workload expects a 4xx, the service answered {status}: {reply}")
    w = results["workloads"]
    log("no cache: OIP v2 and TF Serving REST, enriched predict, 4xx path")
    w["oip_v2_nocache"] = load.measure(f"{base}/v2/models/risk/versions/1/infer", MISS_OIP)
    w["tfs_rest_nocache"] = load.measure(f"{base}/v1/models/risk/versions/1:predict", MISS_TFS)
    before = metrics(base)
    w["enriched_feature_cache_cold"] = load.measure(f"{base}/v1/models/risk/versions/1:predict", ENRICHED,
                                                    keys=ENTITIES)
    after = metrics(base)
    p99, reads = histogram_p99(before, after, "feature_store_duration_seconds", {"operation": "read"})
    w["enriched_feature_cache_cold"].update({"store_read_p99_ms": p99, "store_reads": reads})
    w["service_4xx"] = load.measure(f"{base}/v2/models/risk/versions/1/infer", BAD_SHAPE, expect_status=True)
    plain.stop()

    cached = start_service("service-cache", store, memcached)
    warm_up(load, cached)
    results["startup"]["service_with_caches_s"] = round(cached.startup_s, 2)
    base = cached.base
    log("caches on: hit, miss on risk and risk_heavy, enriched predict")
    w["miss_risk"] = load.measure(f"{base}/v2/models/risk/versions/1/infer", MISS_OIP)
    w["miss_risk_heavy"] = load.measure(f"{base}/v2/models/risk_heavy/versions/1/infer", MISS_OIP)
    before = metrics(base)
    w["hit"] = load.measure(f"{base}/v2/models/risk/versions/1/infer", HIT_OIP, keys=HIT_KEYS)
    after = metrics(base)
    w["hit"].update(result_cache(before, after))
    w["enriched_feature_cache_warm"] = load.measure(f"{base}/v1/models/risk/versions/1:predict", ENRICHED,
                                                    keys=ENTITIES)
    results["rss_mib_after_warmup"] = round(cached.rss_mib())
    cached.stop()


def result_cache(before, after):
    """What the result cache did during a run, from the service's counters: hit ratio, errors, bypasses."""
    def count(name):
        return sum(v - before.get(k, 0) for k, v in after.items()
                   if k.startswith(name + "_total{") and 'cache="result"' in k)
    hits, misses = count("cache_hits"), count("cache_misses")
    return {"hit_ratio": round(hits / (hits + misses), 4) if hits + misses else None,
            "cache_errors": int(count("cache_errors")), "cache_bypasses": int(count("cache_bypasses"))}


def measure_limits(load, store, memcached, results):
    limits = results["limits"]
    port, = free_ports(1)
    log("limits: bare Helidon + spymemcached get, DJL loop, CQL driver read")
    bare = Process("limit-helidon-get", java() + ["-cp", LIMITS_CP, "dev.appliance.bench.Main", "helidon-get",
                                                  "--port", str(port), "--memcached", memcached])
    wait_log(bare, "ready")
    limits["helidon_get"] = load.measure(f"http://127.0.0.1:{port}/get", HIT_OIP, keys=HIT_KEYS)
    bare.stop()
    limits["djl_loop"] = limit_json("limit-djl-loop", [
        "djl-loop", "--model", "models/risk/1", "--threads", "2", "--warmup", str(load.args.warmup),
        "--seconds", str(load.args.seconds)])
    limits["driver_read"] = limit_json("limit-driver-read", [
        "driver-read", "--contact-point", f"127.0.0.1:{store.port}", "--keyspace", store.keyspace,
        "--entity-type", "user_id", "--entity-ids", ",".join(f"bench-{e}" for e in range(ENTITIES)),
        "--threads", str(load.args.connections), "--warmup", str(load.args.warmup),
        "--seconds", str(load.args.seconds)], env=store.env())


def wait_log(process, word, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise SystemExit(f"{process.name} exited; its log: {process.log}")
        if word in process.log.read_text():
            return
        time.sleep(0.05)
    raise SystemExit(f"{process.name} did not print {word!r}; its log: {process.log}")


def measure_peers(load, results):
    """MLServer and KServe serving risk v1 in scikit-learn, each checked against the service, then loaded."""
    model_dir = CACHE / "peer-model"
    model_dir.mkdir(exist_ok=True)
    limit_json("model-weights", ["model-weights", "--model", "models/risk/1", "--output",
                                 str(CACHE / "risk-1-weights.json")], parse=False)
    subprocess.run([str(VENVS / "mlserver" / "bin" / "python"), str(ROOT / "bench" / "peers" / "risk_pipeline.py"),
                    str(CACHE / "risk-1-weights.json"), str(model_dir / "model.joblib")], check=True)
    reference = results["reference_probability"]
    peers = results["peers"]

    http, grpc, metrics_port = free_ports(3)
    repo = CACHE / "mlserver"
    shutil.rmtree(repo, ignore_errors=True)
    (repo / "risk").mkdir(parents=True)
    shutil.copy(model_dir / "model.joblib", repo / "risk" / "model.joblib")
    (repo / "settings.json").write_text(json.dumps(
        {"host": "127.0.0.1", "http_port": http, "grpc_port": grpc, "metrics_port": metrics_port}))
    (repo / "risk" / "model-settings.json").write_text(json.dumps(
        {"name": "risk", "implementation": "mlserver_sklearn.SKLearnModel",
         "parameters": {"uri": "./model.joblib", "version": "1"}}))
    server = Process("peer-mlserver", [str(VENVS / "mlserver" / "bin" / "mlserver"), "start", str(repo)])
    url = f"http://127.0.0.1:{http}/v2/models/risk/infer"
    peers["mlserver"] = measure_peer(load, server, f"http://127.0.0.1:{http}/v2/models/risk/ready", url,
                                     MLSERVER_OIP, reference)

    http, grpc = free_ports(2)
    server = Process("peer-kserve", [str(VENVS / "kserve" / "bin" / "python"),
                                     str(ROOT / "bench" / "peers" / "kserve_risk.py"), "--model_dir", str(model_dir),
                                     "--http_port", str(http), "--grpc_port", str(grpc), "--enable_grpc", "false"])
    url = f"http://127.0.0.1:{http}/v2/models/risk/infer"
    peers["kserve"] = measure_peer(load, server, f"http://127.0.0.1:{http}/v2/models/risk/ready", url, MISS_OIP,
                                   reference)


def measure_peer(load, server, ready_url, url, template, reference):
    startup = server.wait_ready(ready_url)
    body = template.replace("{n}", str(ROW[0])).replace("{run}", str(ROW[3]))
    status, reply = post(url, body)
    if status != 200:
        raise SystemExit(f"{server.name} answered {status}: {reply}")
    got = probability(reply)
    if abs(got - reference) > 1e-5:
        raise SystemExit(f"{server.name} computes {got} for {ROW}, the service {reference}: not the same model")
    log(f"{server.name} ready after {startup:.2f} s; probability {got:.6f} matches the service's")
    result = load.measure(url, template)
    result.update({"startup_s": round(startup, 2), "rss_mib_after_warmup": round(server_rss(server))})
    server.stop()
    return result


def server_rss(server):
    """RSS of a peer with its worker processes (MLServer runs inference in child processes): its session."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            session = int(stat.read_text().rsplit(")", 1)[1].split()[3])
            if session == server.popen.pid:
                total += int(re.search(r"VmRSS:\s+(\d+) kB", (stat.parent / "status").read_text()).group(1))
        except (OSError, AttributeError):
            pass
    return total / 1024


def unit_limits():
    """What the role's unit gives the service (roles/inference_service/defaults/main.yml): its JVM options and
    MemoryHigh as the role computes it on this host (a share of ansible's memtotal_mb, MemTotal in MiB)."""
    text = (ROOT / "roles" / "inference_service" / "defaults" / "main.yml").read_text()
    options = re.search(r"^inference_service_java_options:\n((?:\s+- .*\n)+)", text, re.M).group(1)
    expression = re.search(r"^inference_service_memory_high_mb: (.*)$", text, re.M).group(1)
    share, default_mb = float(re.search(r"\*\s*([0-9.]+)", expression).group(1)), int(
        re.search(r"default\((\d+)\)", expression).group(1))
    memtotal_mb = int(re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text()).group(1)) // 1024
    return {"java_options": [line.strip()[2:] for line in options.splitlines()], "memory_high_share": share,
            "memtotal_mb": memtotal_mb, "memory_high_mb": int(memtotal_mb * share),
            "memory_high_mb_default_host": int(default_mb * share)}


def vegeta():
    found = shutil.which("vegeta") or str(Path.home() / "go" / "bin" / "vegeta")
    if not os.access(found, os.X_OK):
        raise SystemExit("vegeta not found: make bench installs it (go install, VEGETA_VERSION in the Makefile)")
    return found


class OpenLoop:
    """vegeta: requests sent at a fixed rate whatever the answers take (open loop), each result with its send
    time, status and latency. vegeta adds workers when all are busy, so a slow service does not slow the rate."""

    def __init__(self, url, body):
        self.url = url
        self.body = CACHE / "overload-body.json"
        self.body.write_text(body)
        self.binary = vegeta()

    def attack(self, name, rate, seconds):
        """Returns (results as [(send ns, status, latency ns)], the generator's CPU seconds)."""
        return self.collect(self.start(name, rate, seconds))

    def start(self, name, rate, seconds):
        out = CACHE / f"vegeta-{name}.bin"
        popen = subprocess.Popen([self.binary, "attack", "-name", name, "-rate", f"{max(1, round(rate))}/1s",
                                  "-duration", f"{seconds}s", "-timeout", "10s", "-max-body", "0", "-max-connections",
                                  str(OPEN_LOOP_CONNECTIONS), "-body", str(self.body),
                                  "-header", "Content-Type: application/json", "-output", str(out)],
                                 stdin=subprocess.PIPE, text=True)
        popen.stdin.write(f"POST {self.url}\n")
        popen.stdin.close()
        return popen, out

    def collect(self, handle):
        """Waits for an attack to end (its last answers too) and returns its results and CPU seconds."""
        popen, out = handle
        _, status, usage = os.wait4(popen.pid, 0)
        popen.returncode = os.waitstatus_to_exitcode(status)
        if popen.returncode != 0:
            raise SystemExit(f"vegeta attack failed ({popen.returncode})")
        encoded = subprocess.run([self.binary, "encode", "--to", "csv", str(out)], check=True, capture_output=True,
                                 text=True).stdout
        out.unlink()
        results, self.no_answer = [], {}
        for fields in csv.reader(encoded.splitlines()):
            results.append((int(fields[0]), int(fields[1]), int(fields[2])))
            if fields[1] == "0":
                # Why no answer came (vegeta's error text, the address and port left out so they group).
                reason = re.sub(r"\d+\.\d+\.\d+\.\d+:\d+", "ADDR", fields[5])[:120]
                self.no_answer[reason] = self.no_answer.get(reason, 0) + 1
        results.sort()
        return results, usage.ru_utime + usage.ru_stime


def percentile_ms(latencies_ns, p):
    if not latencies_ns:
        return None
    ordered = sorted(latencies_ns)
    return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] / 1e6, 2)


def phase(results, rate, seconds, generator_cpu, no_answer=None):
    """One open-loop phase: what was sent, what was answered how, and the latencies per kind of answer."""
    by_status = {}
    for _, status, latency in results:
        by_status.setdefault(status, []).append(latency)
    ok, refused, late = by_status.get(200, []), by_status.get(503, []), by_status.get(504, [])
    sent_s = (results[-1][0] - results[0][0]) / 1e9 if len(results) > 1 else seconds
    return {"offered_rps": round(rate), "sent_rps": round(len(results) / sent_s) if sent_s else None,
            "requests": len(results), "seconds": seconds, "ok_rps": round(len(ok) / seconds),
            "ok_p50_ms": percentile_ms(ok, 50), "ok_p99_ms": percentile_ms(ok, 99),
            "refused": len(refused), "refused_rps": round(len(refused) / seconds), "refused_p50_ms": percentile_ms(refused, 50),
            "refused_p99_ms": percentile_ms(refused, 99), "deadline_504": len(late),
            # Status 0 is vegeta's for no answer (connection error, its own timeout).
            "other_statuses": {str(k): len(v) for k, v in sorted(by_status.items()) if k not in (200, 503, 504)},
            "no_answer": no_answer or {}, "generator_cpu_s": round(generator_cpu, 1)}


def recovery_seconds(overload_end_ns, results, capacity, window_s=0.25):
    """Seconds from the last request of the overload until every later window of the recovery run completes
    at least 90 % of capacity in 2xx answers (the end of the last window below that); None if the run's last
    full window is still below."""
    sends = [t for t, _, _ in results]
    last_send = sends[-1]
    window_ns = int(window_s * 1e9)
    windows = max(1, (last_send - overload_end_ns) // window_ns)
    done = [0] * windows
    for t, status, latency in results:
        slot = (t + latency - overload_end_ns) // window_ns
        if status == 200 and 0 <= slot < windows:
            done[slot] += 1
    need = 0.9 * capacity * window_s
    below = [i for i, count in enumerate(done) if count < need]
    if below and below[-1] == windows - 1:
        return None, done
    return (below[-1] + 1) * window_s if below else 0.0, done


class RssSampler(threading.Thread):
    """Samples a process's RSS every 100 ms (from /proc) while it runs; keeps the maximum per named phase."""

    def __init__(self, process):
        super().__init__(daemon=True)
        self.process = process
        self.phase = None
        self.max_mib = {}
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.wait(0.1):
            try:
                rss = self.process.rss_mib()
            except (OSError, AttributeError):
                continue
            if self.phase:
                self.max_mib[self.phase] = max(rss, self.max_mib.get(self.phase, 0))


def probe(url, into):
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            status = reply.status
    except urllib.error.HTTPError as e:
        status = e.code
    except (urllib.error.URLError, OSError) as e:
        status = f"no answer: {e}"
    into.update({"url": url, "status": status, "latency_ms": round((time.monotonic() - started) * 1000, 2)})


def refused_counts(before, after):
    """The service's own count of refusals by reason during a phase (model_requests_refused_total)."""
    counts = {}
    for name, value in after.items():
        if name.startswith("model_requests_refused_total{"):
            reason = re.search(r'reason="([^"]+)"', name).group(1)
            counts[reason] = counts.get(reason, 0) + int(value - before.get(name, 0))
    return counts


def measure_overload(load, results):
    """Issue 22's overload workload on the uncached miss path (caches and feature store off, every request
    runs the model): the service started with the unit's JVM options, its capacity C measured closed-loop with
    wrk as the oip_v2_nocache row, then open loop with vegeta: 50 % of C (the admitted p99 baseline), 3x C
    (3x --seconds long), and C right after to time the recovery. RSS is sampled throughout, health probed once
    in the middle of the overload."""
    unit = unit_limits()
    service = start_service("service-overload", None, None, jvm_options=unit["java_options"])
    url = f"{service.base}/v2/models/risk/versions/1/infer"
    warm_up(load, service)
    sampler = RssSampler(service)
    sampler.start()
    seconds = load.args.seconds
    overload = {"unit": unit, "settings": {
        # The service's defaults (ModelSettings, RequestSettings), which demo.yaml and the role leave alone.
        "models.queue.size": 128, "models.queue.max-wait": "5s", "models.queue.retry-after": "1s",
        "models.batch.max-rows": 64, "models.batch.max-delay": "0ms", "models.predictors-per-version": 2,
        "requests.default-timeout": "30s", "generator": "vegeta " + VEGETA_VERSION, "seconds": {"half": seconds, "overload": 3 * seconds,
                                                           "recovery": max(3, seconds // 2)}}}
    results["overload"] = overload
    try:
        sampler.phase = "capacity"
        log("overload: capacity C of the uncached miss path (wrk, closed loop)")
        capacity = load.measure(url, MISS_OIP)
        overload["capacity"] = capacity
        c = capacity["rps"]
        # What an answer that never reaches the model costs: the service's 400 path, closed loop, as a
        # stand-in for the overloaded 503 (both read and parse the body; the 503 also takes the queue's lock).
        overload["no_model_path"] = load.measure(url, BAD_SHAPE, expect_status=True)
        generator = OpenLoop(url, OIP % ", ".join(map(str, ROW)))
        log(f"overload: 50 % of C = {c / 2:.0f} req/s for {seconds} s (vegeta, open loop)")
        sampler.phase = "half"
        before = metrics(service.base)
        got, cpu = generator.attack("half", c / 2, seconds)
        overload["half"] = phase(got, c / 2, seconds, cpu, generator.no_answer)
        log(f"overload: 3x C = {3 * c:.0f} req/s for {3 * seconds} s")
        sampler.phase = "overload"
        health = {}
        timer = threading.Timer(1.5 * seconds, probe, (f"{service.base}/v2/health/ready", health))
        timer.start()
        cpu_before = service.cpu_seconds()
        attack = generator.start("overload", 3 * c, 3 * seconds)
        time.sleep(3 * seconds)
        # The next load starts when the overload's sending stops, while its last answers still come in.
        service_cpu = service.cpu_seconds() - cpu_before
        recovery_s = max(3, seconds // 2)
        log(f"overload: C = {c:.0f} req/s for {recovery_s} s right after")
        recovery = generator.start("recovery", c, recovery_s)
        got, cpu = generator.collect(attack)
        sampler.phase = "recovery"
        timer.join()
        overload["overload"] = phase(got, 3 * c, 3 * seconds, cpu, generator.no_answer)
        overload["overload"].update({"service_cpu_s": round(service_cpu, 1), "health_probe": health})
        overload_end = max(t for t, _, _ in got)
        got, cpu = generator.collect(recovery)
        overload["recovery"] = phase(got, c, recovery_s, cpu, generator.no_answer)
        overload["refused_by_service"] = refused_counts(before, metrics(service.base))
        overload["recovery"]["gap_ms"] = round((got[0][0] - overload_end) / 1e6, 1)
        overload["recovery_s"], windows = recovery_seconds(overload_end, got, c)
        overload["recovery"]["ok_per_250ms"] = windows
    finally:
        sampler.stopped.set()
        sampler.join()
        service.stop()
    overload["rss_max_mib"] = {k: round(v) for k, v in sampler.max_mib.items()}


def ratio(a, b):
    return round(a / b, 3) if b else None


def evaluate(results):
    results["ratios"], results["targets"] = {}, []
    if results["workloads"]:
        evaluate_service(results)
    if "overload" in results:
        evaluate_overload(results)


def evaluate_overload(results):
    """Issue 22's overload targets, each met or not with its measured value."""
    o = results["overload"]
    c, half, over = o["capacity"]["rps"], o["half"], o["overload"]
    unit = o["unit"]

    def target(name, measured, met):
        results["targets"].append({"target": name, "measured": measured, "met": bool(met)})

    target("overload: goodput >= 90% of capacity", f"{over['ok_rps']:,} of {c:,.0f} req/s "
           f"({100 * over['ok_rps'] / c:.0f}%; sent {over['sent_rps']:,} req/s of {over['offered_rps']:,})",
           over["ok_rps"] >= 0.9 * c)
    ok_p99, base_p99 = over["ok_p99_ms"], half["ok_p99_ms"]
    target("overload: admitted p99 <= 3x p99 at 50% load", f"{ok_p99 / base_p99:.1f}x ({ok_p99} vs {base_p99} ms)"
           if ok_p99 and base_p99 else "no admitted requests", ok_p99 and base_p99 and ok_p99 <= 3 * base_p99)
    refused_p99 = over["refused_p99_ms"]
    target("overload: refused (503) p99 <= 5 ms", f"{refused_p99} ms ({over['refused_rps']:,} req/s refused)"
           if refused_p99 is not None else "none refused", refused_p99 is not None and refused_p99 <= 5)
    rss = max(o["rss_max_mib"].values())
    target("overload: RSS < the unit's MemoryHigh", f"max {rss:,} MiB vs {unit['memory_high_mb']:,} MiB "
           f"({unit['memory_high_share']} x this host's {unit['memtotal_mb']:,} MB; {unit['memory_high_mb_default_host']:,}"
           f" on a 4 GB host), JVM {' '.join(unit['java_options'])}", rss < unit["memory_high_mb"])
    # A 503 the service did not count as an overload refusal (a model or engine failure) is an error too.
    unexplained_503 = max(0, sum(o[p]["refused"] for p in ("half", "overload", "recovery")) -
                          o["refused_by_service"].get("overloaded", 0))
    errors = sum(sum(p["other_statuses"].values()) for p in (half, over, o["recovery"]))
    target("overload: no status but 200, 503 (overloaded), 504", f"{errors} other, {unexplained_503} 503 not counted "
           f"as overloaded, {over['deadline_504']} 504", errors == 0 and unexplained_503 == 0)
    target("overload: full speed (>= 90% of C) within 2 s after", f"{o['recovery_s']} s" if o["recovery_s"] is not None
           else "not within the recovery run", o["recovery_s"] is not None and o["recovery_s"] <= 2)
    health = over["health_probe"]
    target("overload: readiness answers 200 during it", f"{health.get('status')} in {health.get('latency_ms')} ms",
           health.get("status") == 200)


def evaluate_service(results):
    w, limits, peers = results["workloads"], results["limits"], results["peers"]
    miss = w["miss_risk"]
    baseline = results.get("baseline")
    results["ratios"].update({
        "hit / bare Helidon+get (req/s)": ratio(w["hit"]["rps"], limits["helidon_get"]["rps"]),
        "hit / bare Helidon+get (p99)": ratio(w["hit"]["p99_ms"], limits["helidon_get"]["p99_ms"]),
        "miss risk / DJL loop (req/s)": ratio(miss["rps"], limits["djl_loop"]["rps"]),
        "miss risk / service 4xx path (req/s)": ratio(miss["rps"], w["service_4xx"]["rps"]),
        "hit / service 4xx path (req/s)": ratio(w["hit"]["rps"], w["service_4xx"]["rps"]),
        "store read p99 / raw driver p99": ratio(w["enriched_feature_cache_cold"]["store_read_p99_ms"] or 0,
                                                 limits["driver_read"]["p99_ms"]),
        "TF Serving REST / OIP v2 (req/s)": ratio(w["tfs_rest_nocache"]["rps"], w["oip_v2_nocache"]["rps"]),
        "miss risk / MLServer (req/s)": ratio(miss["rps"], peers["mlserver"]["rps"]),
        "miss risk / KServe (req/s)": ratio(miss["rps"], peers["kserve"]["rps"]),
        "MLServer p99 / miss risk p99": ratio(peers["mlserver"]["p99_ms"], miss["p99_ms"]),
        "KServe p99 / miss risk p99": ratio(peers["kserve"]["p99_ms"], miss["p99_ms"]),
    })
    targets = results["targets"]

    def target(name, measured, met):
        targets.append({"target": name, "measured": measured, "met": bool(met)})

    # The "today" is the uncached OIP v2 infer; the cached miss also pays a get and a set.
    for key, name in (("oip_v2_nocache", "miss risk, no cache (OIP v2)"), ("miss_risk", "miss risk, cache on")):
        base = baseline.get(key) if baseline else None
        if base:
            factor = w[key]["rps"] / base["rps"]
            # The machine is shared, so the same factor normalised by the 4xx path of each run is shown too.
            normalised = (w[key]["rps"] / w["service_4xx"]["rps"]) / (base["rps"] / baseline["service_4xx"]["rps"])
            target(f"{name} >= 2.5x baseline req/s", f"{factor:.2f}x of {base['rps']:.0f} req/s "
                   f"({baseline['service_commit']}, {baseline['date']}); vs 4xx path {normalised:.2f}x",
                   factor >= 2.5)
        else:
            target(f"{name} >= 2.5x baseline req/s", "no baseline (bench/baseline.json)", False)
    nocache = w["oip_v2_nocache"]
    target("miss risk, no cache: p99 <= 3x p50", f"{nocache['p99_ms'] / nocache['p50_ms']:.1f}x",
           nocache["p99_ms"] <= 3 * nocache["p50_ms"])
    target("miss risk, cache on: p99 <= 3x p50", f"{miss['p99_ms'] / miss['p50_ms']:.1f}x", miss["p99_ms"] <= 3 * miss["p50_ms"])
    target("miss risk >= 10x MLServer req/s", f"{miss['rps'] / peers['mlserver']['rps']:.1f}x",
           miss["rps"] >= 10 * peers["mlserver"]["rps"])
    hit, bare = w["hit"], limits["helidon_get"]
    target("hit >= 85% of bare Helidon+get req/s", f"{100 * hit['rps'] / bare['rps']:.0f}%",
           hit["rps"] >= 0.85 * bare["rps"])
    target("hit p99 <= 1.5x bare Helidon+get p99", f"{hit['p99_ms'] / bare['p99_ms']:.2f}x",
           hit["p99_ms"] <= 1.5 * bare["p99_ms"])
    store_p99 = w["enriched_feature_cache_cold"]["store_read_p99_ms"]
    driver_p99 = limits["driver_read"]["p99_ms"]
    target("feature fetch p99 <= 1.5x raw driver p99",
           f"{store_p99 / driver_p99:.2f}x ({store_p99:.2f} vs {driver_p99:.2f} ms)" if store_p99 else "no reads",
           store_p99 is not None and store_p99 <= 1.5 * driver_p99)
    startup = results["startup"]["service_s"]
    target("cold start to ready <= 3 s", f"{startup:.2f} s ({results['startup']['service_cpu_s']:.2f} s of CPU)",
           startup <= 3)


def table(results):
    lines = [f"make bench, {results['date']}, {results['cores']} cores, load average {results['load_average']}, "
             f"wrk -t1 -c{results['settings']['connections']}, {results['settings']['seconds']} s per run "
             f"after {results['settings']['warmup']} s warm-up", ""]
    if results["workloads"]:
        lines += service_table(results) + [""]
    if "overload" in results:
        lines += overload_table(results) + [""]
    lines += ["| target | measured | |", "|---|---|---|"]
    lines += [f"| {t['target']} | {t['measured']} | {'met' if t['met'] else 'NOT met'} |" for t in results["targets"]]
    return "\n".join(lines)


def overload_table(results):
    o = results["overload"]
    c, unit = o["capacity"], o["unit"]

    def ms(value):
        return "-" if value is None else f"{value:.2f}"

    lines = [f"Overload ({o['settings']['generator']}, open loop; the uncached miss path of risk v1, service with "
             f"{' '.join(unit['java_options'])}, queue.size {o['settings']['models.queue.size']}, queue.max-wait "
             f"{o['settings']['models.queue.max-wait']}). Capacity C: {c['rps']:,.0f} req/s (wrk closed loop, "
             f"p99 {c['p99_ms']:.2f} ms).", "",
             "| phase | offered req/s | sent req/s | 200/s | 200 p50 ms | 200 p99 ms | 503/s | 503 p99 ms | 504 | "
             "other | RSS max MiB | generator CPU s |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, label in (("half", "50% of C"), ("overload", "3x C (overload)"), ("recovery", "C, right after")):
        r = o[name]
        lines.append(f"| {label}, {r['seconds']} s | {r['offered_rps']:,} | {r['sent_rps']:,} | {r['ok_rps']:,} | "
                     f"{ms(r['ok_p50_ms'])} | {ms(r['ok_p99_ms'])} | {r['refused_rps']:,} | {ms(r['refused_p99_ms'])} | "
                     f"{r['deadline_504']} | {sum(r['other_statuses'].values())} | {o['rss_max_mib'].get(name, '-')} | "
                     f"{r['generator_cpu_s']} |")
    over = o["overload"]
    lines += ["", f"During the overload the service used {over['service_cpu_s']} s of CPU and the generator "
              f"{over['generator_cpu_s']} s in {over['seconds']} s on {results['cores']} cores; the service counted "
              f"{o['refused_by_service']} refusals in the three phases; readiness answered {over['health_probe'].get('status')} in "
              f"{over['health_probe'].get('latency_ms')} ms. Recovery: first request {o['recovery']['gap_ms']} ms "
              f"after the overload's last, 200s per 250 ms {o['recovery']['ok_per_250ms']} (90% of C: "
              f"{0.9 * c['rps'] / 4:.0f}).",
              "", f"Answers that never reach the model (the 400 path, wrk closed loop): {o['no_model_path']['rps']:,.0f} "
              f"req/s. Serving C and refusing the other 2 C/s at that cost needs about "
              f"{1 + 2 * c['rps'] / o['no_model_path']['rps']:.1f}x the CPU the service had while C was measured "
              f"(less where larger batches make the admitted requests cheaper), before the open-loop generator's "
              f"own CPU ({over['generator_cpu_s']} s against the service's {over['service_cpu_s']} s) is counted."]
    return lines


def service_table(results):
    lines = ["| workload | req/s | p50 ms | p99 ms | max ms | errors |", "|---|---:|---:|---:|---:|---:|"]
    groups = [("service", results["workloads"]), ("limit", results["limits"]), ("peer", results["peers"])]
    for group, rows in groups:
        for name, r in rows.items():
            lines.append(f"| {group}: {name} | {r['rps']:,.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
                         f"{r['max_ms']:.1f} | {r['errors']} |")
    lines += ["", "| ratio | value |", "|---|---:|"]
    lines += [f"| {name} | {value} |" for name, value in results["ratios"].items()]
    s, mlserver, kserve = results["startup"], results["peers"]["mlserver"], results["peers"]["kserve"]
    hit = results["workloads"]["hit"]
    lines += ["", f"Startup to ready: service {s['service_s']} s, {s['service_cpu_s']} s of CPU (caches and "
              f"feature store on: {s['service_with_caches_s']} s), MLServer {mlserver['startup_s']} s, KServe "
              f"{kserve['startup_s']} s. RSS after the workloads: service {results['rss_mib_after_warmup']} MiB, "
              f"MLServer {mlserver['rss_mib_after_warmup']} MiB, KServe {kserve['rss_mib_after_warmup']} MiB. "
              f"Hit run's result cache: hit ratio {hit['hit_ratio']}, {hit['cache_errors']} errors, "
              f"{hit['cache_bypasses']} served without the cache (breaker open or error)."]
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="length of each measured run")
    parser.add_argument("--warmup", type=int, default=3, help="length of the warm-up run before it")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--max-requests", type=int, default=2_000_000, help="request bound of each wrk run")
    parser.add_argument("--only", choices=("overload",), help="run only this workload (overload: issue 22's"
                        " open-loop overload, about 3 x --seconds + 1 minute; no memcached, CQL stand-in or peers)")
    parser.add_argument("--record-baseline", action="store_true",
                        help="write this run's service figures to bench/baseline.json")
    parser.add_argument("--jar", type=Path, help="measure this build of the service instead of the one in"
                        " app/target (for a baseline: name the file after its commit, which is recorded)")
    args = parser.parse_args()
    global JAR
    if args.jar:
        JAR = args.jar.resolve()
    # What the Makefile exports for the service: TensorFlow's natives beside the JAR, no downloads.
    os.environ.setdefault("TENSORFLOW_LIBRARY_PATH", str(ROOT / ".cache" / "tensorflow" / "native" / "lib"))
    os.environ.setdefault("DJL_OFFLINE", "true")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    (CACHE / "logs").mkdir(parents=True, exist_ok=True)
    results = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "cores": os.cpu_count(),
               "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
               # The last commit that changed the service (app/ but its tests): what the figures are of.
               "service_commit": args.jar.stem if args.jar else subprocess.run(
                   ["git", "log", "-1", "--format=%h", "--", "app", ":(exclude,glob)app/**/src/test/**"], cwd=ROOT,
                   capture_output=True, text=True).stdout.strip(),
               "settings": {"seconds": args.seconds, "warmup": args.warmup, "connections": args.connections},
               "workloads": {}, "limits": {}, "peers": {}}
    if BASELINE.exists():
        results["baseline"] = json.loads(BASELINE.read_text())
    load = Load(args)
    started = time.monotonic()
    if args.only == "overload":
        try:
            measure_overload(load, results)
        finally:
            for process in list(Process.running):
                process.stop()
        finish(args, results, started)
        return
    memcached_port, = free_ports(1)
    memcached = Process("memcached", ["memcached", "-l", "127.0.0.1", "-p", str(memcached_port), "-U", "0",
                                      "-m", "256", "-u", subprocess.run(["id", "-un"], capture_output=True,
                                                                        text=True).stdout.strip()])
    cache_servers = f"127.0.0.1:{memcached_port}"
    store = CqlStandin()
    try:
        log("starting the CQL stand-in and loading the bench entities")
        store.start()
        measure_service(load, store, cache_servers, results)
        measure_overload(load, results)
        measure_limits(load, store, cache_servers, results)
        measure_peers(load, results)
    finally:
        for process in list(Process.running):
            process.stop()
        store.stop()
    finish(args, results, started)


def finish(args, results, started):
    results["wall_s"] = round(time.monotonic() - started)
    evaluate(results)
    out = CACHE / f"results-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(results, indent=2))
    if args.record_baseline and results["workloads"]:
        w = results["workloads"]
        BASELINE.write_text(json.dumps({"date": results["date"], "service_commit": results["service_commit"],
                                        "load_average": results["load_average"], "miss_risk": w["miss_risk"],
                                        "oip_v2_nocache": w["oip_v2_nocache"],
                                        "service_4xx": w["service_4xx"]}, indent=2) + "\n")
    print(table(results))
    print(f"\nresults: {out.relative_to(ROOT)} (measured in {results['wall_s']} s)")


if __name__ == "__main__":
    main()
