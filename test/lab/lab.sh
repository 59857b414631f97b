#!/usr/bin/env bash
# The ober-push test lab: N systemd-booted Debian hosts, two routers (BIRD, FRR), a backend and a client, all in
# network namespaces on this machine. Usage: lab.sh up [--hosts N] [--distro bookworm|trixie|mixed] [--recreate]
#                                  | down | status | ssh NAME [CMD...] | routes [--json] | inventory [--hosts N] [--distro D]
set -euo pipefail

LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib"
for part in common base repo net router frr router-ssh backend hosts state down; do
  # shellcheck source=/dev/null
  source "$LIB/$part.sh"
done

usage() {
  sed -n '3,4p' "${BASH_SOURCE[0]}" | sed 's/^# //' >&2
  exit 2
}

up_started_ns="$(date +%s%N)"
step() { log "$(( ($(date +%s%N) - up_started_ns) / 1000000 )) ms: $1"; }

lab_hosts_count() { grep -c '"nspawnPid"' "$LAB_STATE/state.json" 2>/dev/null || echo 0; }

lab_is_up() { [ -f "$LAB_STATE/state.json" ] && ip netns list | grep -qE "^${ROUTER_NS}( |$)"; }

# The distro a running lab was brought up with (a lab from before --distro existed: bookworm).
recorded_distro() { cat "$LAB_STATE/distro" 2>/dev/null || echo bookworm; }

set_distro() { valid_distro "$1" || die "--distro must be bookworm, trixie or mixed"; LAB_DISTRO="$1"; }

cmd_up() {
  local hosts="${LAB_HOSTS:-3}" recreate=0 started=$SECONDS
  while [ $# -gt 0 ]; do
    case "$1" in
      --hosts) hosts="$2"; shift 2 ;;
      --distro) set_distro "${2:-}"; shift 2 ;;
      --recreate) recreate=1; shift ;;
      *) usage ;;
    esac
  done
  if ! [[ "$hosts" =~ ^[0-9]+$ ]] || [ "$hosts" -lt 1 ] || [ "$hosts" -gt 20 ]; then die "--hosts must be 1..20"; fi
  set_distro "$LAB_DISTRO"
  # As root, the Debian packages the lab needs are installed when missing (as npm test does for the suite).
  if [ "$(id -u)" -eq 0 ]; then bash "$LAB_DIR/../setup/install-system-packages.sh" lab || die "installing the lab's packages failed"; fi
  require_root_and_tools
  if lab_is_up && [ "$recreate" -eq 0 ]; then
    log "lab is already up ($(lab_hosts_count) hosts, $(recorded_distro)); use 'down' or 'up --recreate' to rebuild"
    return 0
  fi
  # Leftovers of an earlier or failed run go first.
  if [ -d "$LAB_STATE" ] || [ -n "$(lab_namespaces)" ]; then lab_down; fi

  mkdir -p "$LAB_STATE"
  printf '%s\n' "$LAB_DISTRO" >"$LAB_STATE/distro"
  # Any failure or interrupt from here on tears down whatever was created.
  UP_DONE=0
  trap '[ "$UP_DONE" -eq 1 ] || { log "up failed; tearing down"; lab_down || true; }' EXIT
  trap 'exit 130' INT TERM
  local suite
  for suite in $(fleet_suites "$hosts"); do ensure_base "$suite"; done
  for suite in $(served_suites "$hosts"); do ensure_repo "$suite"; done
  ssh-keygen -q -t ed25519 -N '' -C "ober-push-lab" -f "$LAB_STATE/id_ed25519"
  step "base and repo ready"
  create_router_ns
  create_backend_ns
  create_client_ns
  # shellcheck disable=SC2046 # one word per suite
  start_backend $(served_suites "$hosts")
  step "namespaces and backend ready"
  start_bird "$hosts"
  start_frr "$hosts"
  start_router_sshd lab-bird "$ROUTER_NS" "$LAB_ROUTER_ADDR"
  start_router_sshd lab-frr "$FRR_NS" "$LAB_FRR_ADDR"
  step "routers ready (bird, frr)"
  start_hosts "$hosts"
  step "hosts booted, sshd answering"
  write_state_files "$hosts"
  UP_DONE=1
  log "lab is up: $hosts hosts ($LAB_DISTRO) in $((SECONDS - started))s; inventory $LAB_STATE/inventory.yml"
}

cmd_status() {
  local n i name rc=0
  if ! lab_is_up; then
    echo "lab is down"
    return 3
  fi
  n="$(lab_hosts_count)"
  LAB_DISTRO="$(recorded_distro)"
  for ((i = 1; i <= n; i++)); do
    name="$(host_name "$i")"
    local pid1 booted="no" sshd="no"
    if pid1="$(host_pid1 "$i")"; then
      booted="$(nsenter -t "$pid1" -a systemctl is-system-running 2>/dev/null || true)"
    fi
    nsenter --net="/run/netns/$ROUTER_NS" nc -z -w 1 "$(host_addr "$i")" 22 2>/dev/null && sshd="yes"
    printf '%-5s %-12s %-9s systemd: %-10s sshd: %s\n' "$name" "$(host_addr "$i")" "$(host_distro "$i")" "${booted:-no}" "$sshd"
    [ "$sshd" = yes ] || rc=1
  done
  echo "router $ROUTER_NS ($LAB_ROUTER_ADDR), BGP sessions:"
  router_birdc show protocols | sed 's/^/  /' || rc=1
  echo "router $FRR_NS ($LAB_FRR_ADDR), BGP sessions:"
  router_vtysh -c 'show bgp summary' | sed -n '/^Neighbor/,$p' | sed 's/^/  /' || rc=1
  local suite apt="" down=""
  backend_answers "$LAB_HTTP_PORT" / || down+=" http :$LAB_HTTP_PORT"
  for suite in $(served_suites "$n"); do
    if backend_answers "$(apt_port "$suite")" /Packages.gz; then apt+=", apt $suite :$(apt_port "$suite") up"; else down+=" apt $suite :$(apt_port "$suite")"; fi
  done
  if [ -z "$down" ]; then
    echo "backend $LAB_BACKEND_ADDR: http :$LAB_HTTP_PORT up$apt"
  else
    echo "backend $LAB_BACKEND_ADDR: NOT answering:$down"
    rc=1
  fi
  return "$rc"
}

cmd_routes() {
  lab_is_up || die "lab is down"
  local hops
  hops="$(vip_next_hops)"
  if [ "${1:-}" = "--json" ]; then
    printf '{"vip":"%s","nextHops":[%s]}\n' "$LAB_VIP" "$(printf '%s\n' "$hops" | awk 'NF {printf "%s\"%s\"", sep, $1; sep=","}')"
  elif [ -z "$hops" ]; then
    echo "$LAB_VIP: no route (no host announces it)"
  else
    echo "$LAB_VIP via:"
    printf '%s\n' "$hops" | while read -r hop; do
      printf '  %s (%s)\n' "$hop" "$(awk -v a="$hop" '$1 == a {print $2; exit}' <(for ((i = 1; i <= 20; i++)); do echo "$(host_addr "$i") $(host_name "$i")"; done))"
    done
  fi
}

cmd_ssh() {
  [ $# -ge 1 ] || usage
  lab_is_up || die "lab is down"
  exec ssh -F "$LAB_STATE/ssh_config" "$@"
}

cmd_inventory() {
  local hosts="${LAB_HOSTS:-3}"
  while [ $# -gt 0 ]; do
    case "$1" in
      --hosts) hosts="$2"; shift 2 ;;
      --distro) set_distro "${2:-}"; shift 2 ;;
      *) usage ;;
    esac
  done
  set_distro "$LAB_DISTRO"
  print_inventory "$hosts"
}

command="${1:-}"
[ $# -gt 0 ] && shift
case "$command" in
  up) cmd_up "$@" ;;
  down) require_root_and_tools; lab_down ;;
  status) cmd_status ;;
  routes) cmd_routes "$@" ;;
  ssh) cmd_ssh "$@" ;;
  inventory) cmd_inventory "$@" ;;
  *) usage ;;
esac
