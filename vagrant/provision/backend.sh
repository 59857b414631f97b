#!/usr/bin/env bash
# Backend VM: the HTTP stand-in for Ceph RGW (test/lab/backend.mjs) on 10.99.0.200:8080.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq nodejs >/dev/null
install -D -m 644 /tmp/backend.mjs /opt/oberlab/backend.mjs

cat >/etc/systemd/system/oberlab-backend.service <<'UNIT'
[Unit]
Description=ober-push lab backend (RGW stand-in)
After=network-online.target
[Service]
ExecStart=/usr/bin/node /opt/oberlab/backend.mjs --host 10.99.0.200 --port 8080
Restart=always
LimitNOFILE=65536
DynamicUser=yes
[Install]
WantedBy=multi-user.target
UNIT
# Answers to the client network go back through the router, not the NAT interface.
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
systemctl enable -q --now oberlab-routes.service oberlab-backend.service
