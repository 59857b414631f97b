#!/usr/bin/env bash
# Boots one lab host. Runs inside its own mount namespace (started through `unshare --mount`), so the
# overlay and tmpfs mounts below vanish with it. Runs systemd-nspawn, again after each reboot (exit 133).
# Usage: host-launch.sh NAME NETNS HOSTDIR BASEDIR
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

name="$1" netns="$2" hostdir="$3" basedir="$4"
unit="${LAB_PREFIX:?}${name}"

# One cgroup per host in both hierarchies, else containers share one and `systemctl stop` fails (EIO).
for hierarchy in systemd unified; do
  mkdir -p "/sys/fs/cgroup/$hierarchy/$unit"
  echo "$$" >"/sys/fs/cgroup/$hierarchy/$unit/cgroup.procs"
done

# The host's CPUs, as a VM's vCPUs: a cpuset cgroup (`nproc` inside follows it). A `cpus` file in the host dir
# (written by the lab's Proxmox machines, test/lab/lab-machines.ts, from the VM's cores) applies at each boot.
cpuset=""
if [ -d /sys/fs/cgroup/cpuset ]; then
  cpuset="/sys/fs/cgroup/cpuset/$unit"
  mkdir -p "$cpuset"
  cat /sys/fs/cgroup/cpuset/cpuset.mems >"$cpuset/cpuset.mems"
  cat /sys/fs/cgroup/cpuset/cpuset.cpus >"$cpuset/cpuset.cpus"
  echo "$$" >"$cpuset/cgroup.procs"
fi
apply_cpus() {
  [ -n "$cpuset" ] && [ -f "$hostdir/cpus" ] || return 0
  cat "$hostdir/cpus" >"$cpuset/cpuset.cpus"
}

# nspawn keeps propagation dirs here; a private tmpfs keeps hosts from tripping over each other.
mkdir -p /run/systemd/nspawn
mount -t tmpfs -o mode=0755 tmpfs /run/systemd/nspawn

# Overlay: read-only base + a writable tmpfs layer; per-host files are copied into it before boot.
mount -t tmpfs -o mode=0755,size=4g tmpfs "$hostdir/rw"
mkdir -p "$hostdir/rw/upper" "$hostdir/rw/work"
mount -t overlay overlay -o "lowerdir=$basedir,upperdir=$hostdir/rw/upper,workdir=$hostdir/rw/work" "$hostdir/root"
cp -a "$hostdir/files/." "$hostdir/root/"

# /proc/sys/net writable for sysctl tuning; the rest of /proc/sys stays read-only.
export SYSTEMD_NSPAWN_API_VFS_WRITABLE=network

# Where the current nspawn and container PID 1 are announced: nspawn.pid (hosts.sh, down.sh), the pids
# file (state.sh) and, once the lab is up, this host's line in state.json (tests' harness).
state_dir="${LAB_STATE:?}"
nspawn_pid=""


announce_nspawn() {
  local pid1="" deadline=$((SECONDS + 10))
  printf '%s\n' "$nspawn_pid" >"$hostdir/nspawn.pid"
  printf 'nspawn:%s %s\n' "$name" "$nspawn_pid" >>"$state_dir/pids"
  [ -f "$state_dir/state.json" ] || return 0
  until pid1="$(nspawn_pid1 "$nspawn_pid")"; do
    kill -0 "$nspawn_pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ] || return 0
    sleep 0.05
  done
  # Rewrite only this host's line; rename so readers never see a half-written file.
  sed -E "/\"name\": \"$name\"/ s/\"nspawnPid\": [0-9]+, \"pid1\": [0-9]+/\"nspawnPid\": $nspawn_pid, \"pid1\": $pid1/" \
    "$state_dir/state.json" >"$state_dir/.state.json.$name"
  mv -f "$state_dir/.state.json.$name" "$state_dir/state.json"
}

# Reboot emulation: with --keep-unit, `systemctl reboot` in the container makes nspawn exit 133 (nspawn
# leaves restarting to its service manager). Boot again on the same overlay, netns and address. Any other exit
# (a poweroff inside, PID 1 killed) is a VM powered off: its disk (the overlay) stays, `power` says "off RC",
# and SIGUSR1 (a Proxmox start) boots it again. SIGTERM/SIGINT/SIGHUP are passed on to nspawn (a clean poweroff)
# and end the launcher.
stopping=0
power_on=0
trap 'stopping=1; [ -z "$nspawn_pid" ] || kill -TERM "$nspawn_pid" 2>/dev/null || true' TERM INT HUP
trap 'power_on=1' USR1
while [ "$stopping" -eq 0 ]; do
  apply_cpus
  systemd-nspawn -D "$hostdir/root" -M "$name" -b --register=no --keep-unit \
    --network-namespace-path="/run/netns/$netns" --capability=CAP_NET_ADMIN \
    --resolv-conf=off --timezone=off --link-journal=no --console=read-only &
  nspawn_pid=$!
  echo on >"$hostdir/power"
  announce_nspawn || printf '[lab] %s: could not record nspawn %s in %s\n' "$name" "$nspawn_pid" "$state_dir" >&2
  rc=0
  # A trapped signal interrupts `wait` (status > 128); wait again until nspawn itself has exited.
  while kill -0 "$nspawn_pid" 2>/dev/null; do
    if wait "$nspawn_pid"; then rc=0; else rc=$?; fi
  done
  if [ "$rc" -eq 133 ]; then
    printf '[lab] %s rebooted (nspawn exited 133): booting again\n' "$name"
    continue
  fi
  [ "$stopping" -eq 0 ] || exit "$rc"
  nspawn_pid=""
  power_on=0
  printf 'off %s\n' "$rc" >"$hostdir/power"
  printf '[lab] %s powered off (nspawn exited %s): waiting for a start (SIGUSR1)\n' "$name" "$rc"
  while [ "$power_on" -eq 0 ] && [ "$stopping" -eq 0 ]; do
    sleep 3600 &
    sleeper=$!
    wait "$sleeper" || true
    kill "$sleeper" 2>/dev/null || true
  done
done
