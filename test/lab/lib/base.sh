# The shared read-only bases: one Debian suite each (bookworm, trixie), built once by debootstrap and cached as a
# zstd tarball, unpacked once into the cache. Sourced.

BASE_PACKAGES="systemd,systemd-sysv,dbus,libpam-systemd,openssh-server,iproute2,python3,curl,procps,sudo,netbase,iputils-ping,ca-certificates"

build_base_tarball() {
  local suite="$1" build="$LAB_CACHE/base-build-$1" tarball mirror started=$SECONDS
  tarball="$(base_tarball "$suite")"
  mirror="$(debian_mirror)"
  log "building the $suite base with debootstrap from $mirror (one time, ~1-2 min)"
  remove_tree "$build"
  mkdir -p "$build"
  debootstrap --variant=minbase --include="$BASE_PACKAGES" "$suite" "$build" "$mirror" \
    >"$LAB_CACHE/debootstrap-$suite.log" 2>&1 || die "debootstrap failed, see $LAB_CACHE/debootstrap-$suite.log"
  customize_base "$build" "$suite"
  tar -C "$build" --numeric-owner --xattrs -cf - . | zstd -q -T0 -o "$tarball.tmp"
  mv "$tarball.tmp" "$tarball"
  remove_tree "$build"
  log "$suite base tarball built in $((SECONDS - started))s: $tarball"
}

# Make the tree look like a fresh cloud image whose only apt source is its suite's lab repository.
customize_base() {
  local root="$1" suite="$2"
  : >"$root/etc/machine-id"
  rm -f "$root"/etc/ssh/ssh_host_*
  rm -f "$root/etc/apt/sources.list.d/"*
  printf 'deb [trusted=yes] http://%s:%s/ ./\n' "$LAB_BACKEND_ADDR" "$(apt_port "$suite")" >"$root/etc/apt/sources.list"
  rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*
  ln -sf /lib/systemd/system/systemd-networkd.service "$root/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
  mkdir -p "$root/etc/systemd/system/sockets.target.wants" "$root/etc/systemd/system/network-online.target.wants"
  ln -sf /lib/systemd/system/systemd-networkd.socket "$root/etc/systemd/system/sockets.target.wants/systemd-networkd.socket"
  ln -sf /lib/systemd/system/systemd-networkd-wait-online.service "$root/etc/systemd/system/network-online.target.wants/systemd-networkd-wait-online.service"
  # Units that only make sense on a real machine and slow the boot or fail in a container.
  local unit
  for unit in getty@tty1.service console-getty.service systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer; do
    ln -sf /dev/null "$root/etc/systemd/system/$unit"
  done
  mkdir -p "$root/root/.ssh" && chmod 700 "$root/root/.ssh"
}

# Unpack a suite's cached tarball into its lower layer (once per cache); build it first if missing.
ensure_base() {
  local suite="$1" tarball dir marker
  tarball="$(base_tarball "$suite")"
  dir="$(base_dir "$suite")"
  marker="$dir.unpacked"
  mkdir -p "$LAB_CACHE"
  [ -f "$tarball" ] || build_base_tarball "$suite"
  if [ ! -f "$marker" ] || [ "$tarball" -nt "$marker" ]; then
    log "unpacking the $suite base into $dir"
    remove_tree "$dir"
    mkdir -p "$dir"
    zstd -q -d -c "$tarball" | tar -C "$dir" --numeric-owner --xattrs -xf -
    touch "$marker"
  fi
}
