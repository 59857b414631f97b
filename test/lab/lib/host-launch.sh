#!/usr/bin/env bash
# Boots one lab host. Runs inside its own mount namespace (started through `unshare --mount`), so the
# overlay and tmpfs mounts below vanish with it. Ends by exec'ing systemd-nspawn (same PID).
# Usage: host-launch.sh NAME NETNS HOSTDIR BASEDIR
set -euo pipefail

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
exec systemd-nspawn -D "$hostdir/root" -M "$name" -b --register=no --keep-unit \
  --network-namespace-path="/run/netns/$netns" --capability=CAP_NET_ADMIN \
  --resolv-conf=off --timezone=off --link-journal=no --console=read-only
