# Network namespaces of the lab: router (bridge br0), backend, client, one per host. Sourced.
# Every link lives inside these namespaces; the root network namespace is never touched.

create_router_ns() {
  ip netns add "$ROUTER_NS"
  ip -n "$ROUTER_NS" link set lo up
  ip -n "$ROUTER_NS" link add br0 type bridge
  ip -n "$ROUTER_NS" addr add "$LAB_ROUTER_ADDR/24" dev br0
  ip -n "$ROUTER_NS" link set br0 up
  ip netns exec "$ROUTER_NS" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.fib_multipath_hash_policy=1
}

# A namespace with one veth whose peer sits in the router namespace (on br0 unless a router address is given).
add_leaf_ns() {
  local ns="$1" router_if="$2" addr="$3" router_addr="${4:-}"
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip -n "$ROUTER_NS" link add "$router_if" type veth peer name eth0 netns "$ns"
  if [ -n "$router_addr" ]; then
    ip -n "$ROUTER_NS" addr add "$router_addr" dev "$router_if"
  else
    ip -n "$ROUTER_NS" link set "$router_if" master br0
  fi
  ip -n "$ROUTER_NS" link set "$router_if" up
  ip -n "$ns" addr add "$addr" dev eth0
  ip -n "$ns" link set eth0 up
}

create_backend_ns() {
  add_leaf_ns "$BACKEND_NS" vbackend "$LAB_BACKEND_ADDR/24"
  ip -n "$BACKEND_NS" route add "${LAB_CLIENT_ADDR%.*}.0/24" via "$LAB_ROUTER_ADDR"
}

create_client_ns() {
  add_leaf_ns "$CLIENT_NS" vclient "$LAB_CLIENT_ADDR/24" "$LAB_CLIENT_GW/24"
  ip -n "$CLIENT_NS" route add "${LAB_VIP%.*}.0/24" via "$LAB_CLIENT_GW"
  ip -n "$CLIENT_NS" route add "$LAB_SUBNET_PREFIX.0/24" via "$LAB_CLIENT_GW"
}

# The host's namespace gets a veth named host0 (like nspawn's own); systemd-networkd inside configures it.
create_host_ns() {
  local i="$1" ns name
  ns="$(host_ns "$i")"
  name="$(host_name "$i")"
  ip netns add "$ns"
  ip -n "$ROUTER_NS" link add "v$name" type veth peer name host0 netns "$ns"
  ip -n "$ROUTER_NS" link set "v$name" master br0 up
}

lab_namespaces() {
  ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${LAB_PREFIX}" || true
}
