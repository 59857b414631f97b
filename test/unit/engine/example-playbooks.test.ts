// Every example playbook through the real engine over a recording transport and a fake Proxmox API (no host, no
// network), Kamal style: check mode sends no command that applies a change and makes no Proxmox write; a real run
// sends exactly the commands listed (each shown by its first line), with the task statuses listed.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runOnFakes, type EngineRun } from '../../support/engine-run.js';
import { bootAfterReboot, commandHead, debianFacts, sysctlZero } from '../../support/engine-responders.js';

const DIR = 'playbooks/examples';
const INVENTORY = 'test/fixtures/engine/inventory.yml';

interface Expected {
  /** lb01's tasks in --check, "name: status". */
  check: string[];
  run: string[];
  /** The commands a real run applies on lb01, by first line. */
  applied: string[];
  /** Its Proxmox writes and restarts. */
  pve: string[];
}

const EXPECTED: Record<string, Expected> = {
  'assert.yml': {
    check: ['gather facts: ok', 'enough CPUs and a VIP defined: ok'],
    run: ['gather facts: ok', 'enough CPUs and a VIP defined: ok'],
    applied: [],
    pve: [],
  },
  'command.yml': {
    check: ['gather facts: ok', 'openssl dhparam: unknown', 'Read the HAProxy version: unknown'],
    run: ['gather facts: ok', 'openssl dhparam: changed', 'Read the HAProxy version: changed'],
    applied: ['openssl dhparam -out /etc/haproxy/dhparam.pem 2048', 'haproxy -v'],
    pve: [],
  },
  'copy.yml': {
    check: [
      'gather facts: ok',
      'hosts map: changed',
      'certificate bundle (diff hidden by mode 0600): changed',
      'reload haproxy: changed',
    ],
    run: [
      'gather facts: ok',
      'hosts map: changed',
      'certificate bundle (diff hidden by mode 0600): changed',
      'reload haproxy: changed',
    ],
    applied: [
      'dest=/etc/haproxy/hosts.map',
      'dest=/etc/haproxy/certs/s3.example.com.pem',
      'u=haproxy.service; systemctl start -- "$u" || { rc=$?; systemctl status ',
    ],
    pve: [],
  },
  'file.yml': {
    check: [
      'gather facts: ok',
      'certificate directory: changed',
      'current config link: changed',
      'drop an old override: ok',
    ],
    run: [
      'gather facts: ok',
      'certificate directory: changed',
      'current config link: changed',
      'drop an old override: ok',
    ],
    applied: [
      'mkdir -p -- /etc/haproxy/certs',
      'chmod 0750 -- /etc/haproxy/certs',
      'chown root:haproxy -- /etc/haproxy/certs',
      'ln -sfn -- /etc/haproxy/haproxy.cfg /etc/haproxy/current.cfg',
    ],
    pve: [],
  },
  'haproxy.yml': {
    check: ['gather facts: ok', 'drain s3-01: failed'],
    run: ['gather facts: ok', 'drain s3-01: failed'],
    applied: [],
    pve: [],
  },
  'package.yml': {
    check: [
      'gather facts: ok',
      'haproxy, exabgp, keepalived: changed',
      'pin haproxy (apt): changed',
      'an internal repository: changed',
    ],
    run: [
      'gather facts: ok',
      'haproxy, exabgp, keepalived: changed',
      'pin haproxy (apt): changed',
      'an internal repository: changed',
    ],
    applied: [
      'DEBIAN_FRONTEND=noninteractive LC_ALL=C apt-get update -q -o DPkg::Lock:',
      'DEBIAN_FRONTEND=noninteractive LC_ALL=C apt-get install -y -q -o DPkg::L',
      'DEBIAN_FRONTEND=noninteractive LC_ALL=C apt-get install -y -q -o DPkg::L',
      'dest=/etc/apt/keyrings/ober.asc',
      'dest=/etc/apt/sources.list.d/ober.list',
      'DEBIAN_FRONTEND=noninteractive LC_ALL=C apt-get update -q -o DPkg::Lock:',
      'DEBIAN_FRONTEND=noninteractive LC_ALL=C apt-get install -y -q -o DPkg::L',
    ],
    pve: [],
  },
  'proxmox_vm.yml': {
    check: ['cpu host, multiqueue = vCPUs, i6300esb reset, no balloon: changed'],
    run: ['cpu host, multiqueue = vCPUs, i6300esb reset, no balloon: changed'],
    applied: [],
    pve: ['POST /nodes/pve1/qemu/211/config'],
  },
  'reboot.yml': {
    check: ['gather facts: ok', 'reboot: changed'],
    run: ['gather facts: ok', 'reboot: changed'],
    applied: ["logger -t ober-push -- 'Reboot by ober-push' 2>/dev/null; nohup sh -c 's"],
    pve: [],
  },
  'service.yml': {
    check: [
      'gather facts: ok',
      'haproxy: changed',
      'exabgp (unit written earlier in the run): changed',
      'keepalived is not used in BGP mode: ok',
    ],
    run: [
      'gather facts: ok',
      'haproxy: changed',
      'exabgp (unit written earlier in the run): changed',
      'keepalived is not used in BGP mode: ok',
    ],
    applied: [
      'systemctl enable -- haproxy.service',
      'u=haproxy.service; systemctl start -- "$u" || { rc=$?; systemctl status ',
      'systemctl enable -- exabgp.service',
      'u=exabgp.service; systemctl start -- "$u" || { rc=$?; systemctl status -',
    ],
    pve: [],
  },
  'shell.yml': {
    check: ['gather facts: ok', 'available congestion control: unknown'],
    run: ['gather facts: ok', 'available congestion control: changed'],
    applied: ["{ sysctl -n net.ipv4.tcp_available_congestion_control | tr ' ' '\\n' > /r"],
    pve: [],
  },
  'sysctl.yml': {
    check: ['gather facts: ok', 'network tuning: changed'],
    run: ['gather facts: ok', 'network tuning: changed'],
    applied: [
      'sysctl -q -w net.core.netdev_max_backlog=250000',
      'sysctl -q -w net.core.somaxconn=65535',
      'sysctl -q -w net.core.rmem_max=134217728',
      'sysctl -q -w net.core.wmem_max=134217728',
      "sysctl -q -w 'net.ipv4.tcp_rmem=4096 87380 134217728'",
      "sysctl -q -w 'net.ipv4.tcp_wmem=4096 65536 134217728'",
      'sysctl -q -w net.core.default_qdisc=fq',
      'sysctl -q -w net.ipv4.tcp_congestion_control=bbr',
      "sysctl -q -w 'net.ipv4.ip_local_port_range=1024 65535'",
      'sysctl -q -w vm.panic_on_oom=1',
      'sysctl -q -w kernel.panic=10',
      'dest=/etc/sysctl.d/99-herr-ober.conf',
    ],
    pve: [],
  },
  'systemd.yml': {
    check: ['gather facts: ok', 'watchdog drop-in: changed', 'reexec systemd: ok'],
    run: ['gather facts: ok', 'watchdog drop-in: changed', 'reexec systemd: ok'],
    applied: ['dest=/etc/systemd/system.conf.d/herr-ober.conf'],
    pve: [],
  },
  'template.yml': {
    check: ['gather facts: ok', 'haproxy.cfg: changed', 'reload haproxy: changed'],
    run: ['gather facts: ok', 'haproxy.cfg: changed', 'reload haproxy: changed'],
    applied: [
      'dest=/etc/haproxy/haproxy.cfg',
      'u=haproxy.service; systemctl start -- "$u" || { rc=$?; systemctl status ',
    ],
    pve: [],
  },
  'wait_for.yml': {
    check: [
      'gather facts: ok',
      'restart haproxy: changed',
      'stats port open: ok',
      'health endpoint: ok',
      'the stats socket: ok',
    ],
    run: [
      'gather facts: ok',
      'restart haproxy: changed',
      'stats port open: ok',
      'health endpoint: ok',
      'the stats socket: ok',
    ],
    applied: [
      'u=haproxy.service; systemctl restart -- "$u" || { rc=$?; systemctl statu',
      ':',
      'tmp=$(mktemp); trap \'rm -f "$tmp"\' EXIT',
      ':',
    ],
    pve: [],
  },
};

function run(file: string, check: boolean): Promise<EngineRun> {
  return runOnFakes(`${DIR}/${file}`, INVENTORY, { check }, [debianFacts, sysctlZero, bootAfterReboot()]);
}

const tasksOf = (r: EngineRun) => r.tasks.filter((t) => t.host === 'lb01').map((t) => `${t.task}: ${t.status}`);
const writesOf = (r: EngineRun) => r.pve.filter((p) => p.method !== 'GET');

describe('example playbooks on the engine, over a recording transport', () => {
  it('covers every example', () => {
    expect(
      readdirSync(DIR)
        .filter((f) => f.endsWith('.yml'))
        .sort(),
    ).toEqual(Object.keys(EXPECTED).sort());
  });
  describe.each(Object.entries(EXPECTED))('%s', (file, expected) => {
    it('--check: only gathers and engine reads, no Proxmox write', async () => {
      const r = await run(file, true);
      expect(tasksOf(r)).toEqual(expected.check);
      expect(r.commands.filter((c) => c.purpose === 'apply')).toEqual([]);
      expect(r.commands.every((c) => c.purpose === 'gather' || c.purpose === 'engine')).toBe(true);
      expect(writesOf(r)).toEqual([]);
    });
    it('a real run applies exactly these commands', async () => {
      const r = await run(file, false);
      expect(tasksOf(r)).toEqual(expected.run);
      const applied = r.commands.filter((c) => c.host === 'lb01' && c.purpose === 'apply');
      expect(applied.map((c) => commandHead(c.command))).toEqual(expected.applied);
      expect(
        writesOf(r)
          .filter((p) => p.host === 'lb01')
          .map((p) => `${p.method} ${p.path}`),
      ).toEqual(expected.pve);
    });
  });
});
