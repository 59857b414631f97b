# Teardown: processes, namespaces, cgroups, mounts, host directories; then verify nothing is left. Sourced.

# Alive and not a zombie (the machine's PID 1 may be slow to reap orphans).
pid_alive() {
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

# PIDs recorded in the pids file plus anything still running inside one of the lab's namespaces.
lab_pids() {
  local ns
  [ -f "$LAB_STATE/pids" ] && awk '{print $2}' "$LAB_STATE/pids"
  for ns in $(lab_namespaces); do ip netns pids "$ns" 2>/dev/null || true; done
}

stop_hosts() {
  local pidfile pid1 nspawn_pid pids=() deadline
  for pidfile in "$LAB_STATE"/hosts/*/nspawn.pid; do
    [ -f "$pidfile" ] || continue
    nspawn_pid="$(cat "$pidfile")"
    pid_alive "$nspawn_pid" && pids+=("$nspawn_pid")
  done
  [ "${#pids[@]}" -gt 0 ] || return 0
  # SIGTERM asks nspawn for a clean poweroff of the container; SIGKILL of PID 1 ends it for sure.
  kill -TERM "${pids[@]}" 2>/dev/null || true
  deadline=$((SECONDS + 5))
  while [ "$SECONDS" -lt "$deadline" ]; do
    local alive=0 p
    for p in "${pids[@]}"; do pid_alive "$p" && alive=1; done
    [ "$alive" -eq 0 ] && return 0
    sleep 0.1
  done
  for nspawn_pid in "${pids[@]}"; do
    for pid1 in $(pgrep -P "$nspawn_pid"); do kill -KILL "$pid1" 2>/dev/null || true; done
    kill -KILL "$nspawn_pid" 2>/dev/null || true
  done
}

kill_lab_processes() {
  local pids deadline
  pids="$(lab_pids | sort -un)"
  [ -n "$pids" ] || return 0
  # shellcheck disable=SC2086 # one word per pid
  kill -TERM $pids 2>/dev/null || true
  deadline=$((SECONDS + 3))
  while [ "$SECONDS" -lt "$deadline" ]; do
    local p alive=0
    for p in $pids; do pid_alive "$p" && alive=1; done
    [ "$alive" -eq 0 ] && return 0
    sleep 0.1
  done
  # shellcheck disable=SC2086
  kill -KILL $pids 2>/dev/null || true
}

lab_cgroups() { find /sys/fs/cgroup -mindepth 2 -maxdepth 2 -type d -name "${LAB_PREFIX}*" 2>/dev/null || true; }

remove_cgroups() {
  local cg
  for cg in $(lab_cgroups); do
    find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
}

cgroups_removed() {
  remove_cgroups
  [ -z "$(lab_cgroups)" ]
}

# nspawn leftovers in the shared /run/systemd/nspawn named after this lab's hosts (the dir itself stays:
# other labs' hosts may have it as a mount point in their own mount namespaces).
nspawn_leftovers() {
  find /run/systemd/nspawn -mindepth 1 -maxdepth 3 -name "${LAB_PREFIX}*" 2>/dev/null || true
  local dir
  for dir in "$LAB_STATE"/hosts/*/; do
    [ -d "$dir" ] && find /run/systemd/nspawn -mindepth 1 -maxdepth 3 -name "$(basename "$dir")" 2>/dev/null
  done
  true
}

lab_down() {
  local ns leftovers=() p
  stop_hosts
  kill_lab_processes
  for ns in $(lab_namespaces); do ip netns del "$ns" 2>/dev/null || true; done
  # A cgroup stays busy for a moment after its last process exits: retry briefly.
  wait_until 5 "the lab's cgroups to be removable" cgroups_removed || true
  for p in $(nspawn_leftovers); do rmdir "$p" 2>/dev/null || true; done
  remove_tree "$LAB_STATE/hosts"

  # Verify.
  for p in $(lab_pids 2>/dev/null | sort -un); do pid_alive "$p" && leftovers+=("process $p ($(cat "/proc/$p/comm" 2>/dev/null))"); done
  for ns in $(lab_namespaces); do leftovers+=("network namespace $ns"); done
  for p in $(lab_cgroups); do leftovers+=("cgroup $p"); done
  for p in $(mounts_under "$LAB_STATE"); do leftovers+=("mount $p"); done
  for p in $(nspawn_leftovers); do leftovers+=("nspawn leftover $p"); done
  [ -d "$LAB_STATE/hosts" ] && leftovers+=("directory $LAB_STATE/hosts")
  if [ "${#leftovers[@]}" -gt 0 ]; then
    log "down could not remove:"
    printf '  %s\n' "${leftovers[@]}" >&2
    return 1
  fi
  remove_tree "$LAB_STATE"
  log "lab is down; nothing left behind"
}
