#!/usr/bin/env bash
# Build one lab/Molecule base image with mmdebstrap from Debian's mirror and import it into podman
# as localhost/appliance-host:<name>. Skips the build when an image built from the same inputs exists.
# Usage: scripts/build-image.sh NAME SUITE   (e.g. debian13 trixie)
set -euo pipefail
cd "$(dirname "$0")/.."

name=${1:?usage: build-image.sh NAME SUITE}
suite=${2:?usage: build-image.sh NAME SUITE}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security_mirror=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
image=localhost/appliance-host:$name
packages_file=ansible/images/packages.txt  # with the other files in ansible/images, an input of the image
tarball=${CACHE:-.cache}/images/$name.tar

# The image is a function of this script, ansible/images/ and the suite: hash them into a label.
inputs=$( (cat "$0" ansible/images/*; echo "$suite") | sha256sum | cut -c1-16)
current=$(podman image inspect "$image" --format '{{ index .Labels "appliance.inputs" }}' 2>/dev/null || true)
if [[ $current == "$inputs" ]]; then
  echo "    ok: $image is up to date (inputs $inputs)"
  exit 0
fi

echo "==> building $image from Debian $suite (inputs $inputs)"
packages=$(grep -vE '^\s*(#|$)' "$packages_file" | paste -sd, -)
mkdir -p "$(dirname "$tarball")"
old_id=$(podman image inspect "$image" --format '{{ .Id }}' 2>/dev/null || true)
# The image has no package lists. Its update stamp is dated 1970 (and refreshed by every later
# `apt-get update`), so the first `apt` task with cache_valid_time on a new host fetches the lists.
rm -f "$tarball"
mmdebstrap --quiet --variant=apt --components=main --include="$packages" \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook='cp ansible/images/ssh-hostkeys.service "$1/etc/systemd/system/"' \
  --customize-hook='mkdir -p "$1/etc/systemd/system/ssh.service.d" && cp ansible/images/ssh-hostkeys.conf "$1/etc/systemd/system/ssh.service.d/"' \
  --customize-hook='chroot "$1" systemctl enable ssh.service >/dev/null 2>&1' \
  --customize-hook='chroot "$1" systemctl mask getty@tty1.service console-getty.service >/dev/null 2>&1' \
  --customize-hook='rm -f "$1"/etc/ssh/ssh_host_* && : > "$1/etc/machine-id" && rm -f "$1/etc/hostname"' \
  --customize-hook='cp ansible/images/15update-stamp "$1/etc/apt/apt.conf.d/"' \
  --customize-hook='mkdir -p "$1/var/lib/apt/periodic" && touch -d @0 "$1/var/lib/apt/periodic/update-success-stamp"' \
  "$suite" "$tarball" \
  "deb $mirror $suite main" \
  "deb $mirror $suite-updates main" \
  "deb $security_mirror $suite-security main"

podman import --quiet \
  --change 'CMD ["/sbin/init"]' \
  --change 'STOPSIGNAL SIGRTMIN+3' \
  --change "LABEL appliance.inputs=$inputs" \
  --change "LABEL appliance.suite=$suite" \
  "$tarball" "$image" >/dev/null
rm -f "$tarball"
if [[ -n $old_id ]]; then
  podman rmi "$old_id" >/dev/null 2>&1 || echo "    kept the previous $image ($old_id): a container still uses it"
fi
echo "    built: $image ($(podman image inspect "$image" --format '{{ .Size }}' | numfmt --to=iec))"
