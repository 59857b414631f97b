# Load-balancer hosts: systemd-booted Debian (bookworm or trixie) in systemd-nspawn, one overlay and netns each. Sourced.

host_dir() { printf '%s/hosts/%s' "$LAB_STATE" "$(host_name "$1")"; }

# Per-host files copied over the base before boot: identity, address, host keys, the lab's ssh key.
prepare_host_files() {
  local i="$1" hosts="$2" dir name addr files j
  dir="$(host_dir "$i")"
  name="$(host_name "$i")"
  addr="$(host_addr "$i")"
  files="$dir/files"
  mkdir -p "$dir/root" "$dir/rw" "$files/etc/ssh" "$files/etc/systemd/network" "$files/root/.ssh"
  od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$files/etc/machine-id"
  echo >>"$files/etc/machine-id"
  printf '%s\n' "$name" >"$files/etc/hostname"
  {
    printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n'
    for ((j = 1; j <= hosts; j++)); do printf '%s %s\n' "$(host_addr "$j")" "$(host_name "$j")"; done
    printf '%s router\n%s backend\n' "$LAB_ROUTER_ADDR" "$LAB_BACKEND_ADDR"
  } >"$files/etc/hosts"
  # Static address: DHCP would make the boot wait.
  cat >"$files/etc/systemd/network/10-host0.network" <<NET
[Match]
Name=host0

[Network]
Address=$addr/24
Gateway=$LAB_ROUTER_ADDR
LinkLocalAddressing=no
IPv6AcceptRA=no
NET
  # Ed25519 and ECDSA host keys only: RSA keygen costs ~1.5 s per host.
  ssh-keygen -q -t ed25519 -N '' -C "root@$name" -f "$files/etc/ssh/ssh_host_ed25519_key"
  ssh-keygen -q -t ecdsa -N '' -C "root@$name" -f "$files/etc/ssh/ssh_host_ecdsa_key"
  mkdir -p "$files/etc/ssh/sshd_config.d"
  printf 'HostKey /etc/ssh/ssh_host_ed25519_key\nHostKey /etc/ssh/ssh_host_ecdsa_key\n' >"$files/etc/ssh/sshd_config.d/10-lab-host-keys.conf"
  install -m 600 "$LAB_STATE/id_ed25519.pub" "$files/root/.ssh/authorized_keys"
  chmod 700 "$files/root/.ssh"
}

# nspawn's environment for a suite. systemd >= 256 (trixie: 257) wants cgroup v2 only; on this hybrid machine
# nspawn 252 would hand it the hybrid layout (it boots, tainted "cgroupsv1"), so trixie hosts get a pure cgroup2
# view of their own cgroup in /sys/fs/cgroup/unified, as on a real trixie VM. bookworm keeps nspawn's default.
nspawn_env() {
  case "$1" in
    bookworm) ;;
    *) echo SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 ;;
  esac
}

launch_host() {
  local i="$1" dir name suite env_args
  dir="$(host_dir "$i")"
  name="$(host_name "$i")"
  suite="$(host_distro "$i")"
  read -ra env_args <<<"$(nspawn_env "$suite")"
  printf '%s\n' "$suite" >"$dir/distro"
  # The launcher records each nspawn it runs (nspawn.pid, "nspawn:NAME" in pids): a reboot starts a new one.
  # It passes its environment on to nspawn (every boot).
  env -u SYSTEMD_NSPAWN_UNIFIED_HIERARCHY LAB_PREFIX="$LAB_PREFIX" LAB_STATE="$LAB_STATE" "${env_args[@]}" \
    setsid unshare --mount --propagation private -- \
    "$LAB_DIR/lib/host-launch.sh" "$name" "$(host_ns "$i")" "$dir" "$(base_dir "$suite")" \
    </dev/null >"$dir/console.log" 2>&1 &
  record_pid "launcher:$name" $!
}

# The container's PID 1 of host $1, below the nspawn its launcher runs now.
host_pid1() {
  local nspawn_pid
  nspawn_pid="$(cat "$(host_dir "$1")/nspawn.pid" 2>/dev/null)" || return 1
  nspawn_pid1 "$nspawn_pid"
}

# systemd finished booting (running or degraded) and sshd answers on port 22 from the router.
host_ready() {
  local i="$1" pid1 state
  pid1="$(host_pid1 "$i")" || return 1
  state="$(nsenter -t "$pid1" -a systemctl is-system-running 2>/dev/null)" || true
  case "$state" in running | degraded) ;; *) return 1 ;; esac
  nsenter --net="/run/netns/$ROUTER_NS" nc -z -w 1 "$(host_addr "$i")" 22
}

start_hosts() {
  local hosts="$1" i
  # Many systemds at once exhaust the default of 128 inotify instances (machine-wide; only raised).
  if [ "$(sysctl -n fs.inotify.max_user_instances)" -lt 1024 ]; then sysctl -qw fs.inotify.max_user_instances=1024; fi
  for ((i = 1; i <= hosts; i++)); do
    create_host_ns "$i"
    prepare_host_files "$i" "$hosts"
    launch_host "$i"
  done
  for ((i = 1; i <= hosts; i++)); do
    wait_until "${LAB_BOOT_TIMEOUT:-60}" "$(host_name "$i") to boot and answer ssh (see $(host_dir "$i")/console.log)" host_ready "$i" || return 1
  done
}
