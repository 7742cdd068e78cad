#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Slipway and its test suite use (DESIGN.md's table).
# e2fsprogs (mkfs.ext4) and mount (losetup, loop mounts) make the per-job disks; chromium (with
# its fonts and Mesa, which apt would only recommend) runs the web view's browser tests through
# playwright-core.
# Idempotent; needs root. Peers (docker.io, buildah, skopeo, umoci) are for interop tests and
# benchmarks only — Slipway itself never calls them.
set -euo pipefail
packages=(
  redis-server redis-tools runc crun containernetworking-plugins golang-github-containers-common
  docker-registry git iptables iproute2 attr zstd busybox-static debootstrap
  e2fsprogs mount chromium fonts-dejavu-core fonts-liberation libgl1-mesa-dri
  skopeo umoci docker.io buildah ca-certificates openssl gcc
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Debian starts packaged daemons where it can; Slipway runs its own instances on free ports.
for svc in redis-server docker-registry docker containerd; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    systemctl stop "$svc" || true
  fi
done
