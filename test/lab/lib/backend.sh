# The backend namespace's servers: the RGW stand-in (HTTP 8080) and the apt repository (HTTP 8000). Sourced.

start_backend() {
  # Node needs many fds under load; the hard limit here is 20000.
  # shellcheck disable=SC2016 # expanded by the inner shell
  ip netns exec "$BACKEND_NS" bash -c 'ulimit -n "$(ulimit -Hn)"; exec "$@"' _ \
    node "$LAB_DIR/backend.mjs" --host "$LAB_BACKEND_ADDR" --port "$LAB_HTTP_PORT" \
    </dev/null >>"$LAB_STATE/backend.log" 2>&1 &
  record_pid backend $!
  ip netns exec "$BACKEND_NS" node "$LAB_DIR/repo-server.mjs" --dir "$REPO_DIR" --host "$LAB_BACKEND_ADDR" --port "$LAB_APT_PORT" \
    </dev/null >>"$LAB_STATE/repo-server.log" 2>&1 &
  record_pid repo $!
  wait_until 10 "backend HTTP on $LAB_BACKEND_ADDR:$LAB_HTTP_PORT" backend_answers "$LAB_HTTP_PORT" /
  wait_until 10 "apt repository on $LAB_BACKEND_ADDR:$LAB_APT_PORT" backend_answers "$LAB_APT_PORT" /Packages.gz
}

backend_answers() {
  ip netns exec "$ROUTER_NS" curl -fsS -o /dev/null --max-time 1 "http://$LAB_BACKEND_ADDR:$1$2"
}
