# The backend namespace's servers: the RGW stand-in (HTTP 8080) and the apt repositories (HTTP 8000 bookworm,
# 8001 trixie). Sourced.

# Usage: start_backend SUITE... (the repositories to serve)
start_backend() {
  local suite
  # Node needs many fds under load; the hard limit here is 20000.
  # shellcheck disable=SC2016 # expanded by the inner shell
  ip netns exec "$BACKEND_NS" bash -c 'ulimit -n "$(ulimit -Hn)"; exec "$@"' _ \
    node "$LAB_DIR/backend.mjs" --host "$LAB_BACKEND_ADDR" --port "$LAB_HTTP_PORT" \
    </dev/null >>"$LAB_STATE/backend.log" 2>&1 &
  record_pid backend $!
  for suite in "$@"; do start_repo_server "$suite"; done
  wait_until 10 "backend HTTP on $LAB_BACKEND_ADDR:$LAB_HTTP_PORT" backend_answers "$LAB_HTTP_PORT" /
  for suite in "$@"; do
    wait_until 10 "$suite apt repository on $LAB_BACKEND_ADDR:$(apt_port "$suite")" backend_answers "$(apt_port "$suite")" /Packages.gz
  done
}

# bookworm's server keeps the role "repo" (state.json's aptPid); other suites' are "repo-SUITE".
repo_role() { if [ "$1" = bookworm ]; then echo repo; else echo "repo-$1"; fi; }

start_repo_server() {
  local suite="$1" log="$LAB_STATE/repo-server.log"
  [ "$suite" = bookworm ] || log="$LAB_STATE/repo-server-$suite.log"
  ip netns exec "$BACKEND_NS" node "$LAB_DIR/repo-server.mjs" --dir "$(repo_dir "$suite")" --host "$LAB_BACKEND_ADDR" \
    --port "$(apt_port "$suite")" </dev/null >>"$log" 2>&1 &
  record_pid "$(repo_role "$suite")" $!
}

backend_answers() {
  ip netns exec "$ROUTER_NS" curl -fsS -o /dev/null --max-time 1 "http://$LAB_BACKEND_ADDR:$1$2"
}
