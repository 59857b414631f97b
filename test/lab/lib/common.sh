# Shared settings and helpers for the lab scripts. Sourced, not executed.
# Everything the lab creates is named with LAB_PREFIX so `down` can find and remove it.
# shellcheck disable=SC2034 # the settings are used by the other lib files

LAB_PREFIX="${LAB_PREFIX:-oberlab-}"
LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LAB_CACHE="${LAB_CACHE:-$LAB_DIR/.cache}"
LAB_STATE="${LAB_STATE:-$LAB_DIR/.state}"
LAB_SUBNET_PREFIX="10.99.0"
LAB_ROUTER_ADDR="10.99.0.1"
LAB_BACKEND_ADDR="10.99.0.200"
LAB_CLIENT_ADDR="10.99.1.2"
LAB_CLIENT_GW="10.99.1.1"
LAB_VIP="10.99.100.1"
LAB_APT_PORT=8000                     # bookworm's repo (the default suite, baked into existing bases)
LAB_APT_PORT_TRIXIE=8001
LAB_HTTP_PORT=8080
# bookworm, trixie, or mixed (odd hosts bookworm, even hosts trixie); `up --distro` sets it, `up` records it.
LAB_DISTRO="${LAB_DISTRO:-bookworm}"

ROUTER_NS="${LAB_PREFIX}router"
BACKEND_NS="${LAB_PREFIX}backend"
CLIENT_NS="${LAB_PREFIX}client"

# Per Debian suite: the base tarball, its unpacked tree (the read-only lower layer of that suite's hosts) and
# the flat apt repository served to them.
base_tarball() { printf '%s/base-%s.tar.zst' "$LAB_CACHE" "$1"; }
base_dir() { printf '%s/base-%s' "$LAB_CACHE" "$1"; }
repo_dir() { printf '%s/repo-%s' "$LAB_CACHE" "$1"; }
apt_port() {
  case "$1" in
    bookworm) printf '%s\n' "$LAB_APT_PORT" ;;
    trixie) printf '%s\n' "$LAB_APT_PORT_TRIXIE" ;;
    *) die "unknown suite: $1" ;;
  esac
}

log() { printf '[lab] %s\n' "$*" >&2; }
die() { printf '[lab] error: %s\n' "$*" >&2; exit 1; }

# The container's PID 1 below an nspawn process: the child whose innermost PID is 1 (nspawn forks it right away).
nspawn_pid1() {
  local child
  for child in $(pgrep -P "$1"); do
    if awk '/^NSpid:/ { exit !($NF == 1 && NF > 2) }' "/proc/$child/status" 2>/dev/null; then
      printf '%s\n' "$child"
      return 0
    fi
  done
  return 1
}

host_name() { printf 'lb%02d' "$1"; }
host_addr() { printf '%s.%d' "$LAB_SUBNET_PREFIX" "$((10 + $1))"; }
host_ns() { printf '%s%s' "$LAB_PREFIX" "$(host_name "$1")"; }

valid_distro() { case "$1" in bookworm | trixie | mixed) return 0 ;; *) return 1 ;; esac; }

# The suite of host $1 under LAB_DISTRO: mixed alternates, odd hosts (lb01, lb03, ...) bookworm, even ones trixie.
host_distro() {
  case "$LAB_DISTRO" in
    mixed) if [ $(($1 % 2)) -eq 1 ]; then echo bookworm; else echo trixie; fi ;;
    *) printf '%s\n' "$LAB_DISTRO" ;;
  esac
}

# The suites N hosts use, in order (bookworm first).
fleet_suites() {
  local i suites=""
  for ((i = 1; i <= $1; i++)); do suites+="$(host_distro "$i")"$'\n'; done
  printf '%s' "$suites" | sort -u
}

# The suites whose repository the backend serves for N hosts: bookworm's always (:8000, as before), plus the fleet's.
served_suites() { { echo bookworm; fleet_suites "$1"; } | sort -u; }

require_root_and_tools() {
  [ "$(id -u)" -eq 0 ] || die "the lab needs root (network namespaces, mounts, systemd-nspawn); run it as root"
  local tool missing=()
  for tool in systemd-nspawn ip debootstrap nsenter unshare zstd bird birdc vtysh /usr/lib/frr/bgpd /usr/sbin/sshd \
    dpkg-scanpackages node nc ssh ssh-keygen; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  [ "${#missing[@]}" -eq 0 ] || die "missing tools: ${missing[*]} (apt-get install systemd-container iproute2 debootstrap util-linux zstd bird2 frr dpkg-dev netcat-openbsd openssh-client openssh-server)"
}

# The Debian mirror this machine uses (first non-security URI of sources.list or deb822 .sources).
debian_mirror() {
  local uri
  uri="$(grep -hE '^\s*deb\s' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
    | grep -v security | sed -E 's/^\s*deb\s+(\[[^]]*\]\s+)?(\S+).*/\2/' | head -n1 || true)"
  if [ -z "$uri" ]; then
    uri="$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null \
      | grep -v security | awk '{print $2}' | head -n1 || true)"
  fi
  printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}

# The security mirror this machine uses (first URI naming "security"), for suites other than the machine's own.
debian_security_mirror() {
  local uri
  uri="$(grep -hE '^\s*deb\s' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
    | grep security | sed -E 's/^\s*deb\s+(\[[^]]*\]\s+)?(\S+).*/\2/' | head -n1 || true)"
  if [ -z "$uri" ]; then
    uri="$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep security | awk '{print $2}' | head -n1 || true)"
  fi
  printf '%s\n' "${uri:-http://deb.debian.org/debian-security}"
}

# Poll a command until it succeeds; no fixed sleeps beyond the poll interval.
wait_until() {
  local timeout_s="$1" what="$2"; shift 2
  local deadline=$((SECONDS + timeout_s))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || { log "timed out after ${timeout_s}s waiting for: $what"; return 1; }
    sleep 0.1
  done
}

# Mount points at or below a path, deepest first.
mounts_under() {
  local path="$1"
  awk -v p="$path" '$5 == p || index($5, p "/") == 1 {print $5}' /proc/self/mountinfo | sort -r
}

# rm -rf that first unmounts anything below the path and never crosses into another filesystem.
remove_tree() {
  local path="$1" m
  [ -e "$path" ] || return 0
  while read -r m; do
    if [ -n "$m" ]; then umount -l "$m" 2>/dev/null || true; fi
  done < <(mounts_under "$path")
  rm -rf --one-file-system "$path"
}

# PIDs the lab started, one "role pid" line each, so a failed `up` can be torn down too.
record_pid() { printf '%s %s\n' "$1" "$2" >>"$LAB_STATE/pids"; }
