#!/usr/bin/env bash
# Installs what the benchmark needs when it is missing (as root): Debian's ansible-core (the baseline)
# and the sshd/time binaries for the scale run. Idempotent: a second call installs nothing.
set -euo pipefail
need=()
command -v ansible-playbook >/dev/null 2>&1 || need+=(ansible-core)
command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ] || need+=(openssh-server)
[ -x /usr/bin/time ] || need+=(time)
if [ "${#need[@]}" -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "bench setup: need root to install ${need[*]}" >&2; exit 1; }
  echo "[bench] installing ${need[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
