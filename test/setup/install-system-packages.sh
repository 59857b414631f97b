#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, only those that are missing. Run as root.
# `install-system-packages.sh lab`: only what the lab needs (npm run lab -- up, npm run demo).
# Daemons are not started by the package scripts (policy-rc.d): the tests start what they need.
set -euo pipefail

lab_packages=(
  openssh-server openssh-client   # the routers' sshd; ssh to the hosts
  bird2 frr                       # the lab's two BGP routers
  debootstrap systemd-container   # the lab's systemd-booted hosts
  dpkg-dev zstd                   # the lab's apt repository and base tarball
  iproute2 curl netcat-openbsd
)

packages=(
  openssh-server openssh-client   # the integration tests' sshd
  haproxy keepalived exabgp       # config validators (haproxy -c, keepalived -t, exabgp --validate)
  bird2 frr                       # the lab's two BGP routers
  debootstrap systemd-container   # the lab's systemd-booted hosts
  dpkg-dev zstd                   # the lab's apt repository and base tarball
  nftables                        # nft -c for the relay table
  iproute2 curl netcat-openbsd wrk dash
  openssl                         # a real PEM certificate for the upload tests
  vagrant                         # vagrant validate
  ansible-core                    # ansible-vault, to cross-check the vault format
)

if [ "${1:-}" = lab ]; then packages=("${lab_packages[@]}"); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "missing packages: ${missing[*]} (run this script as root to install them)" >&2
  exit 1
fi

echo "installing: ${missing[*]}"
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod +x "$policy"
  made_policy=1
fi
trap '[ $made_policy -eq 1 ] && rm -f "$policy"' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# --no-install-recommends: systemd-container would otherwise pull libnss-mymachines into nsswitch.conf.
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
