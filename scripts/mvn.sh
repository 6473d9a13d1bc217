#!/usr/bin/env bash
# Runs Maven the one way the project builds: Maven and javac on the newest JDK >= 21 (the sources target
# `--release 21`), the tests on the Java 21 runtime the appliance runs (surefire's `jvm`). Fails, naming
# what is missing, when either is absent; `make bootstrap` installs both.
# Usage: scripts/mvn.sh MAVEN_ARGS...
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jdk=$("$root/scripts/find-jdk.sh" 21)
java21=$("$root/scripts/find-jdk.sh" --runtime 21 21)
# Maven 3.8 warns about sun.misc.Unsafe on every call from JDK 23 on; the flag that silences it is
# unknown to older JDKs, which refuse to start with it.
if (( $(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$jdk/release") >= 23 )); then
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
fi
export JAVA_HOME=$jdk
exec mvn -B --no-transfer-progress -Djvm="$java21/bin/java" "$@"
