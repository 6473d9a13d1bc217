#!/usr/bin/env bash
# The lab: VM-like hosts (systemd containers) on the project's own podman network, reached by SSH.
#   scripts/lab.sh up GROUP...   start the hosts of these inventory groups and write inventory/lab/addresses.yml
#   scripts/lab.sh down          remove every lab host, the network, the generated inventory, the lab's
#                                secrets and the logs of `make up`
# Idempotent: a second `up` finds everything in place and says so. Needs CONTAINERS_CONF (the Makefile sets it).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
CACHE=${CACHE:-.cache}
NETWORK=${LAB_NETWORK:-appliance-lab}
# The network's subnet: each host gets a fixed address in it (below), kept across `podman restart`
# like a VM's, so the generated inventory never goes stale. Far from podman's automatic 10.89.0.x, 1.x...
SUBNET_PREFIX=${LAB_SUBNET_PREFIX:-10.89.200}
LAB_DIR=$CACHE/lab
# The lab appliance's control-node secrets (appliance_secrets_dir in inventory/lab/group_vars/all.yml).
SECRETS_DIR=$CACHE/secrets
UP_LOG_DIR=$CACHE/up
KEY=$LAB_DIR/id_ed25519
KNOWN_HOSTS=$LAB_DIR/known_hosts
ADDRESSES=inventory/lab/addresses.yml
ADMIN=ops
LABEL=appliance.lab=true

step() { printf '==> %s\n' "$*"; }
ok() { printf '    ok: %s\n' "$*"; }
did() { printf '    %s\n' "$*"; }

# Hosts of the given groups as "name image address" lines, read from the committed lab inventory. A host's
# address depends only on its name (a hash into .10-.249 of the subnet, the next free one on a clash
# between names of the inventory, taken in sorted order), so it is the same on every `make lab`.
lab_hosts() {
  "$VENV/bin/ansible-inventory" -i inventory/lab/hosts.yml --list 2>/dev/null |
    "$VENV/bin/python" -c '
import json, sys
inv = json.load(sys.stdin)
import hashlib
hostvars = inv["_meta"]["hostvars"]
prefix, groups = sys.argv[1], sys.argv[2:]
address, taken = {}, set()
for host in sorted(hostvars):
    n = int(hashlib.sha256(host.encode()).hexdigest(), 16) % 240
    while n in taken:
        n = (n + 1) % 240
    taken.add(n)
    address[host] = f"{prefix}.{n + 10}"
seen = []
for group in groups:
    if group not in inv:
        sys.exit(f"no group {group!r} in inventory/lab/hosts.yml")
    for host in inv[group].get("hosts", []):
        if host not in seen:
            seen.append(host)
            print(host, hostvars.get(host, {}).get("lab_image", "debian13"), address[host])
' "$SUBNET_PREFIX" "$@"
}

secrets() {
  step "Lab credentials in $LAB_DIR and $SECRETS_DIR (mode 0700, files 0600, never committed)"
  (umask 077 && mkdir -p "$LAB_DIR" "$SECRETS_DIR")
  if [[ -f $KEY ]]; then ok "SSH key $KEY"; else
    ssh-keygen -q -t ed25519 -N '' -C appliance-lab -f "$KEY"
    did "generated SSH key $KEY"
  fi
}

network() {
  step "Network $NETWORK"
  local subnet=$SUBNET_PREFIX.0/24
  if podman network exists "$NETWORK"; then
    local current
    current=$(podman network inspect "$NETWORK" --format '{{ range .Subnets }}{{ .Subnet }} {{ end }}')
    [[ $current == "$subnet "* ]] || {
      echo "    $NETWORK has subnet $current, not $subnet (made by an older lab): run 'make down' first" >&2
      exit 1
    }
    ok "exists ($subnet)"
  else
    podman network create --label "$LABEL" --subnet "$subnet" "$NETWORK" >/dev/null
    did "created ($subnet)"
  fi
}

start_host() {
  local name=$1 image=localhost/appliance-host:$2 address=$3
  local state
  state=$(podman container inspect "$name" --format '{{ .State.Status }}' 2>/dev/null || echo absent)
  case $state in
    running) ok "$name running ($image)" ;;
    absent)
      podman image exists "$image" || { echo "    $image is missing: run 'make images'" >&2; exit 1; }
      podman run --detach --name "$name" --hostname "$name" --network "$NETWORK" --ip "$address" \
        --label "$LABEL" --systemd=always "$image" /sbin/init >/dev/null
      did "started $name ($image, $address)" ;;
    *)
      podman start "$name" >/dev/null
      did "restarted $name (was $state)" ;;
  esac
}

# Wait for sshd, then make sure the admin user exists with the lab key and passwordless sudo.
prepare_host() {
  local name=$1
  for _ in $(seq 60); do
    podman exec "$name" systemctl is-active --quiet ssh.service 2>/dev/null && break
    sleep 0.5
  done
  podman exec "$name" systemctl is-active --quiet ssh.service ||
    { echo "    sshd did not start on $name" >&2; exit 1; }
  local result
  result=$(podman exec -i "$name" bash -c "
    set -euo pipefail
    changed=
    id -u $ADMIN >/dev/null 2>&1 || { useradd --create-home --shell /bin/bash $ADMIN; changed=user; }
    install -d -m 0700 -o $ADMIN -g $ADMIN /home/$ADMIN/.ssh
    key=\$(cat)
    if [[ \"\$(cat /home/$ADMIN/.ssh/authorized_keys 2>/dev/null)\" != \"\$key\" ]]; then
      printf '%s\n' \"\$key\" > /home/$ADMIN/.ssh/authorized_keys
      changed=\"\$changed key\"
    fi
    chown $ADMIN:$ADMIN /home/$ADMIN/.ssh/authorized_keys && chmod 0600 /home/$ADMIN/.ssh/authorized_keys
    rule='$ADMIN ALL=(ALL) NOPASSWD: ALL'
    if [[ \"\$(cat /etc/sudoers.d/$ADMIN 2>/dev/null)\" != \"\$rule\" ]]; then
      printf '%s\n' \"\$rule\" > /etc/sudoers.d/$ADMIN && chmod 0440 /etc/sudoers.d/$ADMIN
      changed=\"\$changed sudo\"
    fi
    echo \$changed" < "$KEY.pub")
  if [[ -n $result ]]; then did "$name: admin user $ADMIN set up ($result)"; else ok "$name: admin user $ADMIN"; fi
}

# Write the addresses and host keys of every running lab host (not only those started now).
write_inventory() {
  step "Inventory $ADDRESSES and $KNOWN_HOSTS"
  local names tmp_inv tmp_known name ip
  mapfile -t names < <(podman ps --filter "label=$LABEL" --format '{{ .Names }}' | sort)
  tmp_inv=$(mktemp) tmp_known=$(mktemp)
  {
    echo "---"
    echo "# Generated by 'make lab' from the running lab hosts: do not edit, do not commit."
    echo "all:"
    echo "  hosts:"
  } > "$tmp_inv"
  for name in "${names[@]}"; do
    ip=$(podman container inspect "$name" \
      --format "{{ (index .NetworkSettings.Networks \"$NETWORK\").IPAddress }}")
    echo "    $name: {ansible_host: $ip}" >> "$tmp_inv"
    echo "$ip $(podman exec "$name" cat /etc/ssh/ssh_host_ed25519_key.pub | cut -d' ' -f1,2)" >> "$tmp_known"
  done
  ((${#names[@]})) || echo "    {}" >> "$tmp_inv"
  for pair in "$tmp_inv:$ADDRESSES" "$tmp_known:$KNOWN_HOSTS"; do
    if cmp -s "${pair%%:*}" "${pair#*:}"; then ok "${pair#*:} unchanged"; rm -f "${pair%%:*}"; else
      chmod 0600 "${pair%%:*}" && mv "${pair%%:*}" "${pair#*:}"
      did "wrote ${pair#*:} (${#names[@]} hosts)"
    fi
  done
}

check_ssh() {
  step "SSH as $ADMIN"
  "$VENV/bin/ansible" all -i inventory/lab -m ansible.builtin.ping --become \
    --limit "$(IFS=,; echo "$*")" | awk '/ \| [A-Z]+/ { print "    " $1 ": " $3 }'
}

up() {
  (($#)) || set -- memcached
  local listing
  listing=$(lab_hosts "$@")  # fails on an unknown group
  local -a hosts
  mapfile -t hosts <<< "$listing"
  secrets
  network
  step "Hosts of groups: $*"
  local line
  for line in "${hosts[@]}"; do start_host $line; done
  for line in "${hosts[@]}"; do prepare_host "${line%% *}"; done
  write_inventory
  local names=("${hosts[@]%% *}")
  check_ssh "${names[@]}"
}

down() {
  step "Lab hosts"
  local names left
  mapfile -t names < <(podman ps --all --filter "label=$LABEL" --format '{{ .Names }}')
  if ((${#names[@]})); then
    # Podman can fail to remove a container that stops while it is being killed ("container state
    # improper: stopped"); a second removal of what is left then succeeds.
    podman rm --force --time 5 "${names[@]}" >/dev/null 2>&1 || {
      mapfile -t left < <(podman ps --all --filter "label=$LABEL" --format '{{ .Names }}')
      ((${#left[@]} == 0)) || podman rm --force --time 5 "${left[@]}" >/dev/null
    }
    did "removed ${names[*]}"
  else ok "none running"; fi
  step "Network $NETWORK"
  if podman network exists "$NETWORK"; then podman network rm "$NETWORK" >/dev/null; did "removed"; else ok "absent"; fi
  step "Generated inventory"
  if [[ -e $ADDRESSES || -e $KNOWN_HOSTS ]]; then
    rm -f "$ADDRESSES" "$KNOWN_HOSTS"; did "removed $ADDRESSES and $KNOWN_HOSTS"
  else ok "absent"; fi
  step "Lab secrets and logs"
  local dir removed=()
  for dir in "$LAB_DIR" "$SECRETS_DIR" "$UP_LOG_DIR"; do
    if [[ -e $dir ]]; then rm -rf "$dir"; removed+=("$dir"); fi
  done
  if ((${#removed[@]})); then did "removed ${removed[*]}"; else ok "absent"; fi
}

case ${1:-} in
  up) shift; up "$@" ;;
  down) down ;;
  *) echo "usage: $0 up [GROUP...] | down" >&2; exit 2 ;;
esac
