# The shared read-only base: Debian 12 built once by debootstrap, cached as a zstd tarball. Sourced.

BASE_PACKAGES="systemd,systemd-sysv,dbus,libpam-systemd,openssh-server,iproute2,python3,curl,procps,sudo,netbase,iputils-ping,ca-certificates"

build_base_tarball() {
  local build="$LAB_CACHE/base-build" mirror started=$SECONDS
  mirror="$(debian_mirror)"
  log "building the base with debootstrap from $mirror (one time, ~1-2 min)"
  remove_tree "$build"
  mkdir -p "$build"
  debootstrap --variant=minbase --include="$BASE_PACKAGES" bookworm "$build" "$mirror" \
    >"$LAB_CACHE/debootstrap.log" 2>&1 || die "debootstrap failed, see $LAB_CACHE/debootstrap.log"
  customize_base "$build"
  tar -C "$build" --numeric-owner --xattrs -cf - . | zstd -q -T0 -o "$BASE_TARBALL.tmp"
  mv "$BASE_TARBALL.tmp" "$BASE_TARBALL"
  remove_tree "$build"
  log "base tarball built in $((SECONDS - started))s: $BASE_TARBALL"
}

# Make the tree look like a fresh cloud image whose only apt source is the lab repository.
customize_base() {
  local root="$1"
  : >"$root/etc/machine-id"
  rm -f "$root"/etc/ssh/ssh_host_*
  rm -f "$root/etc/apt/sources.list.d/"*
  printf 'deb [trusted=yes] http://%s:%s/ ./\n' "$LAB_BACKEND_ADDR" "$LAB_APT_PORT" >"$root/etc/apt/sources.list"
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

# Unpack the cached tarball into the lower layer (once per cache); build it first if missing.
ensure_base() {
  mkdir -p "$LAB_CACHE"
  [ -f "$BASE_TARBALL" ] || build_base_tarball
  if [ ! -f "$LAB_CACHE/base.unpacked" ] || [ "$BASE_TARBALL" -nt "$LAB_CACHE/base.unpacked" ]; then
    log "unpacking the base into $BASE_DIR"
    remove_tree "$BASE_DIR"
    mkdir -p "$BASE_DIR"
    zstd -q -d -c "$BASE_TARBALL" | tar -C "$BASE_DIR" --numeric-owner --xattrs -xf -
    touch "$LAB_CACHE/base.unpacked"
  fi
}
