#!/usr/bin/env bash
# Runs Molecule scenarios (role:scenario ...), MOLECULE_JOBS at a time (default 2: a scenario spends most of
# its time waiting on apt and systemd, and each has its own containers and network). Each scenario writes
# its own log; a line reports each as it ends, with the log's tail when it failed. Fails if any failed.
#   scripts/molecule.sh BASE_CONFIG memcached:default vault:cluster ...
set -euo pipefail
cd "$(dirname "$0")/.."
export MOLECULE_BASE_CONFIG=$1 MOLECULE_LOG_DIR=${MOLECULE_LOG_DIR:-$PWD/.cache/molecule}
shift
mkdir -p "$MOLECULE_LOG_DIR"

run_one() {
  local role=${1%%:*} scenario=${1#*:} started=$SECONDS
  local log=$MOLECULE_LOG_DIR/$role-$scenario.log
  echo "==> molecule test: $role $scenario (log: $log)"
  if (cd "roles/$role" && molecule --base-config "$MOLECULE_BASE_CONFIG" test -s "$scenario") > "$log" 2>&1; then
    echo "    ok: $role $scenario in $((SECONDS - started)) s"
  else
    echo "    FAILED: $role $scenario after $((SECONDS - started)) s; the end of $log:" >&2
    tail -n 60 "$log" | sed 's/^/    | /' >&2
    return 1
  fi
}
export -f run_one

started=$SECONDS
status=0
printf '%s\n' "$@" | xargs -P "${MOLECULE_JOBS:-2}" -I{} bash -c 'run_one "$1"' _ {} || status=$?
echo "==> $# Molecule scenarios in $((SECONDS - started)) s$( ((status == 0)) || echo ', some FAILED')"
exit "$status"
