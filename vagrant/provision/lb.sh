#!/usr/bin/env bash
# Load-balancer VM: left as a fresh cloud image (ober-push installs haproxy, exabgp, keepalived);
# only the route back to the client network behind the router is added.
set -euo pipefail
cat >/etc/systemd/system/oberlab-routes.service <<'UNIT'
[Unit]
Description=ober-push lab: route to the client network via the router
After=network-online.target
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/sbin/ip route replace 10.99.1.0/24 via 10.99.0.1
[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable -q --now oberlab-routes.service
