// playbooks/site.yml in BGP mode on the hosts of a private lab, with real HAProxy, ExaBGP and the BIRD router.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { birdc, execOnHost, labSkipReason, labState, routerNextHops, runLoad, waitFor } from '../harness.js';
import { deploy, HOSTS, onHost, recap, stackLabDown, stackLabUp } from './stack-helpers.js';

const skip = labSkipReason();
const ADDRS = ['10.99.0.11', '10.99.0.12', '10.99.0.13'];

describe.skipIf(skip)('site.yml, BGP mode (3 lab hosts)', () => {
  let inventory = '';
  beforeAll(async () => {
    stackLabUp();
    inventory = labState().inventory;
    const r = await deploy(inventory);
    process.stdout.write(`[stack] BGP deploy: ${r.ms} ms\n`);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  }, 300_000);
  afterAll(() => stackLabDown());

  it('both routers learn the VIP from all 3 hosts (ECMP) and a request through the VIP reaches the backend', async () => {
    await waitFor(() => routerNextHops().length === 3, { timeoutMs: 20_000, what: '3 next hops for the VIP' });
    expect(routerNextHops()).toEqual(ADDRS);
    const frr = labState().frr.netns;
    await waitFor(() => routerNextHops(undefined, frr).length === 3, { timeoutMs: 20_000, what: '3 at FRR' });
    expect(routerNextHops(undefined, frr)).toEqual(ADDRS);
    const load = await runLoad({ url: `http://${labState().vip}/`, concurrency: 4, requests: 60, timeoutMs: 3000 });
    expect(load.failed, JSON.stringify(load.errors)).toBe(0);
    expect(load.ok).toBe(60);
  });

  it('a second run changes nothing (--verify, changed=0 on every host)', async () => {
    const r = await deploy(inventory, '--verify');
    process.stdout.write(`[stack] BGP idempotent re-run: ${r.ms} ms\n`);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const counts = recap(r.stdout);
    expect(Object.keys(counts).sort()).toEqual([...HOSTS]);
    for (const h of HOSTS) expect(counts[h]?.['changed'], h).toBe(0);
  });

  it('status: every node healthy and announcing (exit 0, --json)', async () => {
    const r = await runCli(['status', '-i', inventory, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      nodes: Array<{
        host: string;
        healthy: boolean;
        serving: boolean;
        haMode: string;
        announcer: { state: string };
        exabgp: { sessions: string[] };
      }>;
    };
    expect(
      out.nodes.map((n) => [n.host, n.healthy, n.serving, n.haMode, n.announcer.state, n.exabgp.sessions]),
    ).toEqual(HOSTS.map((h) => [h, true, true, 'bgp', 'announced', ['10.99.0.1', '10.99.0.2']]));
  });

  it('Herr Ober bugs are not repeated: watchdog applied by daemon-reexec, no distro daemons, units read their configs, no bfd', async () => {
    for (const h of HOSTS) {
      // §2: the drop-in applies without a reboot (Herr Ober's system.conf edit never did).
      expect(await onHost(h, 'systemctl show -p RuntimeWatchdogUSec --value')).toBe('10s');
      // §3: the distro haproxy.service (and keepalived/exabgp) cannot run next to ober's.
      for (const u of ['haproxy', 'keepalived', 'exabgp']) {
        expect(await onHost(h, `systemctl show -p LoadState --value ${u}.service`), `${h} ${u}`).toBe('masked');
      }
      // Exactly one HAProxy master, and it reads /etc/haproxy/ober.cfg (ProtectHome hid Herr Ober's configs).
      const masters = await onHost(h, "pgrep -a -f '^/usr/sbin/haproxy -Ws' || true");
      expect(masters.split('\n').filter(Boolean), h).toHaveLength(1);
      expect(masters).toContain('-f /etc/haproxy/ober.cfg');
      const exabgp = await onHost(
        h,
        'cat /proc/$(systemctl show -p MainPID --value ober-exabgp)/cmdline | tr "\\0" " "',
      );
      expect(exabgp).toContain('/etc/exabgp/ober.conf');
      // §4: ExaBGP has no BFD; the config has no bfd block and the daemon accepted it.
      expect(await onHost(h, "grep -cE '^[[:space:]]*bfd' /etc/exabgp/ober.conf || true")).toBe('0');
      // §3: the whitelist/stats socket fix: the runtime API answers.
      expect(
        await onHost(
          h,
          "python3 -c \"import socket;s=socket.socket(socket.AF_UNIX);s.connect('/run/haproxy/admin.sock');s.sendall(b'show info\\n');print(s.recv(4096).decode())\" | grep -c '^Name: HAProxy'",
        ),
      ).toBe('1');
    }
  });

  it('doctor passes, and names a broken announcer binding with its fix', async () => {
    const ok = await runCli(['doctor', '-i', inventory]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    await onHost('lb02', 'systemctl disable ober-exabgp');
    try {
      const bad = await runCli(['doctor', '-i', inventory, '--limit', 'lb02']);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toMatch(
        /FAIL\s+announcer-bound: ober-exabgp is not bound to ober-haproxy: enabled as WantedBy/,
      );
      expect(bad.stdout).toContain('fix: ');
    } finally {
      await onHost('lb02', 'systemctl enable ober-exabgp');
    }
  });

  it('doctor asks both routers; a BIRD whose ECMP limit is below the fleet fails and names the node left out', async () => {
    const ok = await runCli(['doctor', '-i', inventory]);
    expect(ok.stdout).toMatch(/router lab-bird\n {2}ok {4}ecmp 10\.99\.100\.1: 3 next hop\(s\) for 3 announcing node/);
    expect(ok.stdout).toMatch(/router lab-frr\n {2}ok {4}ecmp 10\.99\.100\.1: 3 next hop\(s\) for 3 announcing node/);
    const conf = `${labState().stateDir}/bird.conf`;
    const original = readFileSync(conf, 'utf8');
    writeFileSync(conf, original.replace('merge paths on limit 64', 'merge paths on limit 2'));
    try {
      birdc('configure');
      await waitFor(() => routerNextHops().length === 2, { timeoutMs: 10_000, what: 'BIRD down to 2 next hops' });
      const capped = await runCli(['doctor', '-i', inventory]);
      expect(capped.code, capped.stdout).toBe(1);
      expect(capped.stdout).toMatch(
        /router lab-bird\n {2}FAIL {2}ecmp 10\.99\.100\.1: 2 next hop\(s\) for 3 announcing node\(s\); missing lb03\n.*merge paths/,
      );
      expect(capped.stdout).toMatch(/1 router\(s\) with failures\n$/);
    } finally {
      writeFileSync(conf, original);
      birdc('configure');
    }
    await waitFor(() => routerNextHops().length === 3, { timeoutMs: 10_000, what: 'BIRD back to 3 next hops' });
  });

  it('stopping HAProxy withdraws the host within the hold time (BindsTo); starting it brings the route back (WantedBy)', async () => {
    await waitFor(() => routerNextHops().length === 3, { timeoutMs: 20_000, what: '3 next hops before the stop' });
    await onHost('lb03', 'systemctl stop ober-haproxy');
    const started = Date.now();
    await waitFor(() => !routerNextHops().includes('10.99.0.13'), {
      timeoutMs: 9_000,
      what: 'lb03 withdrawn within the 9 s hold time',
    });
    process.stdout.write(`[stack] next hop gone ${Date.now() - started} ms after stopping HAProxy\n`);
    expect(await onHost('lb03', 'systemctl is-active ober-exabgp || true')).toBe('inactive');
    const during = await runLoad({ url: `http://${labState().vip}/`, concurrency: 4, requests: 40, timeoutMs: 3000 });
    expect(during.failed, JSON.stringify(during.errors)).toBe(0);

    await onHost('lb03', 'systemctl start ober-haproxy');
    await waitFor(() => routerNextHops().includes('10.99.0.13'), {
      timeoutMs: 30_000,
      what: 'lb03 announced again after HAProxy started',
    });
    expect(await onHost('lb03', 'systemctl is-active ober-exabgp')).toBe('active');
    const status = await runCli(['status', '-i', inventory]);
    expect(status.code, status.stdout).toBe(0);
  });

  it('a crashed HAProxy (SIGKILL, Restart=always) comes back and so does its route', async () => {
    const pid = await onHost('lb01', 'systemctl show -p MainPID --value ober-haproxy');
    await execOnHost('lb01', `kill -9 ${pid}`);
    await waitFor(
      async () =>
        (await onHost('lb01', 'systemctl show -p MainPID --value ober-haproxy')) !== pid &&
        (await onHost('lb01', 'systemctl is-active ober-haproxy || true')) === 'active',
      {
        timeoutMs: 20_000,
        what: 'ober-haproxy restarted by systemd',
      },
    );
    await waitFor(() => routerNextHops().length === 3, {
      timeoutMs: 30_000,
      what: 'lb01 announced again after the crash',
    });
  });
});
