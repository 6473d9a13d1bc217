#!/usr/bin/env bash
# Prints the home of the newest JDK (with javac) whose feature version is at least MIN and, when MAX
# is given, at most MAX; fails otherwise. `find-jdk.sh 21` is "21 or newer", `find-jdk.sh 17 17` is "17".
# Usage: scripts/find-jdk.sh [MIN_VERSION [MAX_VERSION]]   (default: 21, no maximum)
set -euo pipefail
min=${1:-21}
max=${2:-}
best=""
best_version=0
for home in /usr/lib/jvm/*/; do
  home=${home%/}
  [[ -x "$home/bin/javac" && -f "$home/release" ]] || continue
  version=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release")
  [[ -n "$version" ]] || continue
  (( version >= min && version > best_version )) || continue
  [[ -z "$max" ]] || (( version <= max )) || continue
  best=$home
  best_version=$version
done
if [[ -z "$best" ]]; then
  if [[ -n "$max" ]]; then wanted="$min to $max"; else wanted=">= $min"; fi
  echo "no JDK $wanted with javac under /usr/lib/jvm; run 'make bootstrap' or install one" >&2
  exit 1
fi
echo "$best"
