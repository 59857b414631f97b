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
# leaves restarting to its service manager). Boot again on the same overlay, netns and address; any other
# exit (poweroff, a signal) ends the launcher. SIGTERM/SIGINT/SIGHUP are passed on to nspawn (a clean poweroff).
stopping=0
trap 'stopping=1; [ -z "$nspawn_pid" ] || kill -TERM "$nspawn_pid" 2>/dev/null || true' TERM INT HUP
while [ "$stopping" -eq 0 ]; do
  systemd-nspawn -D "$hostdir/root" -M "$name" -b --register=no --keep-unit \
    --network-namespace-path="/run/netns/$netns" --capability=CAP_NET_ADMIN \
    --resolv-conf=off --timezone=off --link-journal=no --console=read-only &
  nspawn_pid=$!
  announce_nspawn || printf '[lab] %s: could not record nspawn %s in %s\n' "$name" "$nspawn_pid" "$state_dir" >&2
  rc=0
  # A trapped signal interrupts `wait` (status > 128); wait again until nspawn itself has exited.
  while kill -0 "$nspawn_pid" 2>/dev/null; do
    if wait "$nspawn_pid"; then rc=0; else rc=$?; fi
  done
  if [ "$rc" -ne 133 ]; then exit "$rc"; fi
  printf '[lab] %s rebooted (nspawn exited 133): booting again\n' "$name"
done
