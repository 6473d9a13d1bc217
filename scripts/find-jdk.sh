#!/usr/bin/env bash
# Prints the home of the newest JDK (with javac) of at least the given feature version, or fails.
# Usage: scripts/find-jdk.sh [MIN_VERSION]   (default 21)
set -euo pipefail
min=${1:-21}
best=""
best_version=0
for home in /usr/lib/jvm/*/; do
  home=${home%/}
  [[ -x "$home/bin/javac" && -f "$home/release" ]] || continue
  version=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release")
  [[ -n "$version" ]] || continue
  if (( version >= min && version > best_version )); then
    best=$home
    best_version=$version
  fi
done
if [[ -z "$best" ]]; then
  echo "no JDK >= $min with javac under /usr/lib/jvm; run 'make bootstrap' or install one" >&2
  exit 1
fi
echo "$best"
