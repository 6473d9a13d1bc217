#!/usr/bin/env bash
# The appliance on the lab, from a bare machine: every step of `make up`, in order, each with its own log.
#   scripts/up.sh              bootstrap, build, models, images, lab hosts, lab play, site.yml, smoke test
#   scripts/up.sh --unchanged  the same, and fail unless every play reports changed=0 (a second run)
# LAB_GROUPS names the lab groups to start (the Makefile passes its list). Logs: .cache/up/NN-step.log.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
LOG_DIR=${UP_LOG_DIR:-.cache/up}
MAKE=${MAKE:-make}
read -r -a groups <<< "${LAB_GROUPS:?set LAB_GROUPS, for example: scylladb vault memcached app}"
unchanged=false
[[ ${1:-} == --unchanged ]] && unchanged=true

steps=(bootstrap build models images lab lab-play site smoke)
mkdir -p "$LOG_DIR"
rm -f "$LOG_DIR"/*.log
export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0
started=$SECONDS
step_no=0

# Sum of changed= over the PLAY RECAP lines of an ansible-playbook log.
changed_in() { awk '/ changed=/ { sub(/.*changed=/, ""); n += $1 } END { print n + 0 }' "$1"; }

run() {
  local name=$1 t=$SECONDS log
  shift
  step_no=$((step_no + 1))
  log=$LOG_DIR/$(printf '%02d' "$step_no")-$name.log
  printf '==> [%d/%d] %s  (log: %s)\n' "$step_no" "${#steps[@]}" "$name" "$log"
  if ! "$@" > "$log" 2>&1; then
    printf '    FAILED: step "%s" after %d s. Its log is %s; its last lines:\n' "$name" $((SECONDS - t)) "$log" >&2
    tail -n 20 "$log" | sed 's/^/    | /' >&2
    exit 1
  fi
  local note=""
  if grep -q '^PLAY RECAP' "$log"; then
    local changed
    changed=$(changed_in "$log")
    note=", changed=$changed"
    if $unchanged && ((changed > 0)); then
      printf '    FAILED: step "%s" changed %d things on a run that must change nothing; see %s:\n' \
        "$name" "$changed" "$log" >&2
      grep -E '^(changed|TASK)' "$log" | grep -B1 '^changed' | sed 's/^/    | /' >&2
      exit 1
    fi
  fi
  printf '    ok in %d s%s\n' $((SECONDS - t)) "$note"
}

playbook() { "$VENV/bin/ansible-playbook" -i inventory/lab "$@"; }

run bootstrap "$MAKE" --no-print-directory .cache/bootstrap.stamp
run build "$MAKE" --no-print-directory build
run models "$MAKE" --no-print-directory models
run images "$MAKE" --no-print-directory images
run lab scripts/lab.sh up "${groups[@]}"
run lab-play playbook ansible/lab/cql-standin.yml
run site playbook site.yml
run smoke playbook ansible/lab/smoke.yml
app_url=$("$VENV/bin/ansible-inventory" -i inventory/lab --list | "$VENV/bin/python" -c '
import json, sys
inventory = json.load(sys.stdin)
print("http://%s:8080" % inventory["_meta"]["hostvars"][inventory["app"]["hosts"][0]]["ansible_host"])')
printf '==> the appliance is up after %d s; the service answers on %s (make down removes it all)\n' \
  $((SECONDS - started)) "$app_url"
