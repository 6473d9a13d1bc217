#!/usr/bin/env bash
# The CQL stand-in for ScyllaDB (docs/architecture.md): Apache Cassandra 5.0 assembled from Maven Central and run
# on JDK 17 as a small single node on 127.0.0.1 with password authentication. For tests and the lab only.
#
# Usage:
#   scripts/cql-standin.sh assemble                 fill .cache/cassandra/lib from cql-standin/pom.xml (once)
#   scripts/cql-standin.sh start --dir DIR --port PORT [--heap 512m] [--owner-pid PID] [--timeout 180]
#   scripts/cql-standin.sh stop --dir DIR [--timeout 60]
#   scripts/cql-standin.sh status --dir DIR         exit 0 when running, 3 when not
#
# start renders DIR/cassandra.yaml (data, commit log, caches and hints under DIR; storage port picked
# free on first start and kept), starts the node in the background (DIR/cassandra.pid,
# DIR/cassandra.log) and returns once CQL accepts a login as the default superuser cassandra/cassandra.
# That superuser exists only in DIR, the throw-away data of this stand-in; never on a real host.
# With --owner-pid the node is stopped when that process ends (a killed test JVM leaves nothing behind).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
standin=$root/cql-standin
assembly=$root/.cache/cassandra
lib=$assembly/lib
stamp=$assembly/assembled.sha256
# The stand-in's default superuser, created by Cassandra in a fresh data directory.
superuser=cassandra

die() { echo "cql-standin: $*" >&2; exit 1; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
seconds_since() { local ms=$(( $(now_ms) - $1 )); printf '%d.%01d s' $((ms / 1000)) $((ms % 1000 / 100)); }

assemble() {
  local want version tmp start
  want=$(sha256sum "$standin/pom.xml" | cut -d' ' -f1)
  version=$(sed -n 's:.*<cassandra.version>\(.*\)</cassandra.version>.*:\1:p' "$standin/pom.xml")
  if [[ -d $lib && "$(cat "$stamp" 2>/dev/null)" == "$want" ]]; then
    echo "cql-standin: Cassandra $version already assembled in $lib ($(du -sh "$lib" | cut -f1))"
    return
  fi
  echo "cql-standin: assembling Cassandra $version from Maven Central into $lib"
  start=$(now_ms)
  tmp=$assembly/lib.new
  rm -rf "$tmp"
  mkdir -p "$assembly"
  # Maven runs as everywhere else in the project (scripts/mvn.sh).
  "$root/scripts/mvn.sh" -Dstyle.color=never -f "$standin/pom.xml" \
    dependency:copy-dependencies -Dstandin.lib="$tmp" | grep -E '\[ERROR\]|BUILD (SUCCESS|FAILURE)' || true
  [[ -f $tmp/cassandra-all-$version.jar ]] || die "assembly failed: $tmp/cassandra-all-$version.jar missing"
  rm -rf "$lib"
  mv "$tmp" "$lib"
  echo "$want" > "$stamp"
  echo "cql-standin: assembled $(ls "$lib" | wc -l) jars, $(du -sh "$lib" | cut -f1), in $(seconds_since "$start")"
}

# Sets dir, port, heap, owner and timeout from the options.
parse() {
  dir="" port="" heap=512m owner="" timeout=""
  while (($#)); do
    case $1 in
      --dir) dir=$2; shift 2 ;;
      --port) port=$2; shift 2 ;;
      --heap) heap=$2; shift 2 ;;
      --owner-pid) owner=$2; shift 2 ;;
      --timeout) timeout=$2; shift 2 ;;
      *) die "unknown option $1 (see the usage at the top of $0)" ;;
    esac
  done
  [[ -n $dir ]] || die "--dir DIR is required"
  mkdir -p "$dir"
  # The physical path: the pid check compares it, and .cache may be reached through a symlink.
  dir=$(cd "$dir" && pwd -P)
  pidfile=$dir/cassandra.pid
  log=$dir/cassandra.log
}

# Prints the pid of this directory's node when it runs (a stale pid file does not count).
running_pid() {
  local pid
  pid=$(cat "$pidfile" 2>/dev/null) || return 1
  [[ -n $pid ]] && grep -qa "cassandra.config=file://$dir/cassandra.yaml" "/proc/$pid/cmdline" 2>/dev/null \
    && echo "$pid"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Small settings for a throw-away node beside other JVMs on a 2-core machine.
render_config() {
  local storage_port
  storage_port=$(cat "$dir/storage-port" 2>/dev/null || free_port)
  echo "$storage_port" > "$dir/storage-port"
  cat > "$dir/cassandra.yaml" <<EOF
# Rendered by scripts/cql-standin.sh on every start: a throw-away single-node CQL stand-in.
cluster_name: cql-standin
num_tokens: 16
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "127.0.0.1:$storage_port"
listen_address: 127.0.0.1
rpc_address: 127.0.0.1
storage_port: $storage_port
native_transport_port: $port
start_native_transport: true
authenticator: PasswordAuthenticator
authorizer: CassandraAuthorizer
role_manager: CassandraRoleManager
data_file_directories:
  - $dir/data
commitlog_directory: $dir/commitlog
saved_caches_directory: $dir/saved_caches
hints_directory: $dir/hints
commitlog_sync: periodic
commitlog_sync_period: 2000ms
commitlog_segment_size: 8MiB
memtable_heap_space: 64MiB
memtable_offheap_space: 64MiB
file_cache_size: 32MiB
key_cache_size: 8MiB
counter_cache_size: 0MiB
concurrent_reads: 4
concurrent_writes: 4
concurrent_counter_writes: 2
concurrent_compactors: 1
native_transport_max_threads: 32
auto_snapshot: false
snapshot_before_compaction: false
EOF
}

start() {
  parse "$@"
  [[ -n $port ]] || die "--port PORT is required"
  local java_home pid begin jvm_options jamm login
  java_home=$("$root/scripts/find-jdk.sh" 17 17 2>/dev/null) \
    || die "needs JDK 17 (Cassandra 5.0 does not start on newer JDKs): run 'make bootstrap'"
  compgen -G "$lib/cassandra-all-*.jar" >/dev/null || die "no assembly in $lib: run 'make cql-standin-assemble'"
  if pid=$(running_pid); then
    echo "cql-standin: already running in $dir (pid $pid)"
    return
  fi
  # Otherwise the readiness check could log in to whatever else answers on that port.
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port on 127.0.0.1 is already in use"
  fi
  render_config
  mkdir -p "$dir/triggers"
  # One option per line; "--add-opens X" is two words for the launcher.
  read -ra jvm_options <<<"$(grep -vE '^\s*(#|$)' "$standin/jvm17.options" | tr '\n' ' ')"
  # Cassandra measures memtables with jamm; its start script loads jamm as an agent, so do we.
  jamm=$(compgen -G "$lib/jamm-*.jar" | head -n1)
  # C1 only (TieredStopAtLevel=1): under load on 2 cores it halves the start (15 s -> 8 s measured),
  # and a test node's throughput does not need C2. SerialGC: the smallest footprint for a small heap.
  begin=$(now_ms)
  echo "=== cql-standin start $(date -Is) ===" >>"$log"
  setsid "$java_home/bin/java" -Xms128m "-Xmx$heap" -Xss256k -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -XX:+ExitOnOutOfMemoryError \
    "${jvm_options[@]}" ${jamm:+"-javaagent:$jamm"} \
    -Djava.net.preferIPv4Stack=true \
    -Dcassandra-foreground=yes \
    -Dcassandra.config="file://$dir/cassandra.yaml" \
    -Dcassandra.storagedir="$dir" \
    -Dcassandra.logdir="$dir" \
    -Dlogback.configurationFile="$standin/logback.xml" \
    -Dcassandra.superuser_setup_delay_ms=0 \
    -Dcassandra.skip_wait_for_gossip_to_settle=0 \
    -Dcassandra.shutdown_announce_in_ms=0 \
    -Dcassandra.triggers_dir="$dir/triggers" \
    -cp "$lib/*" org.apache.cassandra.service.CassandraDaemon \
    </dev/null >>"$log" 2>&1 &
  pid=$!
  echo "$pid" > "$pidfile"
  if [[ -n $owner ]]; then
    setsid bash -c 'while kill -0 "$2"; do kill -0 "$1" || { kill -TERM "$2"; break; }; sleep 2; done' \
      _ "$owner" "$pid" </dev/null >/dev/null 2>&1 &
  fi
  echo "cql-standin: starting Cassandra on 127.0.0.1:$port (pid $pid, log $log)"
  local deadline=$(( $(now_ms) + ${timeout:-180} * 1000 ))
  while :; do
    login=0
    CQL_USER=$superuser CQL_PASSWORD=$superuser python3 "$standin/cql-login.py" 127.0.0.1 "$port" 2>/dev/null \
      || login=$?
    ((login == 0)) && break
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$log" >&2
      die "Cassandra exited during start; see $log"
    fi
    if (( $(now_ms) > deadline )); then
      kill -TERM "$pid" 2>/dev/null || true
      die "CQL did not accept a login within ${timeout:-180} s; see $log"
    fi
    sleep 0.25
  done
  echo "cql-standin: ready on 127.0.0.1:$port after $(seconds_since "$begin")"
}

stop() {
  parse "$@"
  local pid begin deadline
  if ! pid=$(running_pid); then
    rm -f "$pidfile"
    echo "cql-standin: not running in $dir"
    return
  fi
  begin=$(now_ms)
  deadline=$(( begin + ${timeout:-60} * 1000 ))
  # SIGTERM runs Cassandra's shutdown hook, which drains: memtables are flushed, nothing is replayed.
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null; do
    if (( $(now_ms) > deadline )); then
      echo "cql-standin: still running after ${timeout:-60} s; killing pid $pid" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    sleep 0.1
  done
  rm -f "$pidfile"
  echo "cql-standin: stopped pid $pid after $(seconds_since "$begin")"
}

status() {
  parse "$@"
  local pid
  if pid=$(running_pid); then
    echo "cql-standin: running in $dir (pid $pid, port $(sed -n 's/^native_transport_port: //p' "$dir/cassandra.yaml"))"
  else
    echo "cql-standin: not running in $dir"
    exit 3
  fi
}

command=${1:-}
shift || true
case $command in
  assemble) assemble "$@" ;;
  start) start "$@" ;;
  stop) stop "$@" ;;
  status) status "$@" ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
