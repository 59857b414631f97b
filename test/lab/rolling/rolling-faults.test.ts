// Faults during a roll: a node failing its health gate, the capacity floor, sshd dying mid-roll; then what a
// later run, `restore` and `resume` do. Private 3-host lab (see helpers.ts), stack deployed with site.yml.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frrVtysh, labSkipReason, labState, routerNextHops, waitFor } from '../harness.js';
import { repoRoot } from '../../support/cli.js';
import {
  ALL,
  HOSTS,
  INVENTORY,
  allAnnounced,
  cli,
  deployStack,
  labDown,
  labUp,
  nodeFile,
  onHost,
  workDir,
} from './helpers.js';

const PHASE = '/var/lib/ober-push/phase';
const WITHDRAWN = '/var/lib/ober-push/withdrawn';
const FLEET = '/var/lib/ober-push/roll-fleet.lock';
const fixture = (name: string) => join(import.meta.dirname, 'fixtures', name);

describe.skipIf(labSkipReason())('rolling faults (private 3-host lab, BGP/ECMP)', () => {
  beforeAll(async () => {
    labUp();
    // Left-overs of an earlier run of these tests on a kept lab (LAB_KEEP=1).
    for (const h of HOSTS)
      await onHost(
        h,
        `rm -f ${PHASE} ${FLEET} ${WITHDRAWN} /var/lib/ober-push/roll.lock; systemctl restart ober-haproxy 2>/dev/null; true`,
      );
    await deployStack();
  }, 240_000);
  afterAll(() => labDown());

  it('--check prints the schedule and touches nothing', async () => {
    const cwd = workDir();
    const r = await cli(['rolling-restart', '--check'], cwd);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('ROLLING SCHEDULE');
    expect(r.stdout).toMatch(
      /batch 1: lb01\n.*steps: lock → capacity → withdraw → drain → work → health → announce → settle → unlock/,
    );
    expect(r.stdout).toMatch(/batch 3: lb03/);
    for (const h of HOSTS) expect(await nodeFile(h, PHASE)).toBeNull();
    expect(routerNextHops()).toEqual(ALL);
  }, 60_000);

  it('a node failing its health gate stops the roll there, withdrawn; the others stay untouched; restore brings it back', async () => {
    const cwd = workDir();
    const r = await cli(['rolling-restart', fixture('break-backend.yml')], cwd);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toMatch(
      /lb01 \| health failed \| health gate failed after 5000 ms: (\/health answers 503|no server up in backend rgw)/,
    );
    expect(r.stdout).toMatch(/lb01 +worked +withdrawn/);
    expect(r.stdout).toMatch(/lb02 +pending +serving +untouched/);
    expect(routerNextHops()).toEqual(['10.99.0.12', '10.99.0.13']);
    expect(await nodeFile('lb01', WITHDRAWN)).toBe('');
    expect(await nodeFile('lb02', PHASE)).toBeNull();
    expect(await nodeFile('lb03', PHASE)).toBeNull();
    const journal = JSON.parse(
      readFileSync(
        join(cwd, '.ober-push/journal', `${readFileSync(join(cwd, '.ober-push/journal/latest'), 'utf8').trim()}.json`),
        'utf8',
      ),
    );
    expect(journal.nodes.lb01).toMatchObject({ phase: 'worked', error: { step: 'health' } });
    expect(journal.status).toBe('failed');

    // A new roll refuses, naming the node and the commands that fix it.
    const again = await cli(['rolling-restart'], cwd);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(
      /lb01.*left in phase "worked".*ober-push resume -i .*ober-push restore -i .* --limit lb01/s,
    );
    expect(await nodeFile('lb02', PHASE)).toBeNull();

    // Fixed by hand, then restored: health gate, re-announce, locks gone everywhere.
    await onHost(
      'lb01',
      "sed -i 's/10.99.0.200:1$/10.99.0.200:8080/; s/10.99.0.200:1 /10.99.0.200:8080 /' /etc/haproxy/ober.cfg && systemctl restart ober-haproxy",
    );
    const restored = await cli(['restore', '--limit', 'lb01'], cwd);
    expect(restored.code, restored.stdout + restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(/lb01 \| announce ok/);
    expect(routerNextHops()).toEqual(ALL);
    for (const h of HOSTS) expect(await nodeFile(h, FLEET)).toBeNull();
  }, 120_000);

  it('capacity floor not met: nothing is touched', async () => {
    for (const h of ['lb02', 'lb03']) await onHost(h, 'systemctl stop ober-haproxy');
    await waitFor(() => routerNextHops().join() === '10.99.0.11', {
      timeoutMs: 15_000,
      what: 'only lb01 at the router',
    });
    try {
      const r = await cli(['rolling-restart'], workDir());
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        /lb01 \| capacity failed \| capacity floor not met: 0 of 2 other node\(s\) serving, min_healthy 1/,
      );
      expect(routerNextHops()).toEqual(['10.99.0.11']);
      expect(await nodeFile('lb01', WITHDRAWN)).toBeNull();
      expect(await nodeFile('lb01', '/var/lib/ober-push/roll.lock')).toBeNull();
    } finally {
      for (const h of ['lb02', 'lb03']) await onHost(h, 'systemctl start ober-haproxy');
      await allAnnounced();
    }
  }, 90_000);

  it('a router that still lists the node stops the roll at the withdraw: nothing restarted, recorded withdrawn', async () => {
    // FRR keeps a static ECMP route over all three nodes (distance 1 beats BGP's 20), as a router whose RIB did
    // not follow the withdraw would: BIRD drops lb01, FRR still lists it.
    const pinned = ALL.map((a) => `ip route ${labState().vip}/32 ${a}`);
    const haproxyPid = () => onHost('lb01', 'systemctl show -p MainPID --value ober-haproxy');
    const before = await haproxyPid();
    frrVtysh('conf t', ...pinned);
    const cwd = workDir();
    try {
      const r = await cli(['rolling-restart'], cwd);
      expect(r.code, r.stdout).toBe(1);
      expect(r.stdout).toMatch(/lb01 \| withdraw failed \| router lab-frr still lists 10\.99\.0\.11 after 15000 ms/);
      expect(r.stdout).toMatch(/lb01 +withdrawn +withdrawn +stopped at withdraw; withdrawn: .*ober-push restore/);
      expect(r.stdout).toMatch(/lb02 +pending +serving +untouched/);
      expect(await haproxyPid()).toBe(before);
      expect(routerNextHops()).toEqual(['10.99.0.12', '10.99.0.13']);
      expect(JSON.parse((await nodeFile('lb01', PHASE)) ?? '{}')).toMatchObject({ phase: 'withdrawn' });
    } finally {
      frrVtysh('conf t', ...pinned.map((p) => `no ${p}`));
    }
    // The route at FRR follows BGP again: restore verifies lb01 out at both routers... and back in.
    const restored = await cli(['restore', '--limit', 'lb01'], cwd);
    expect(restored.code, restored.stdout + restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(/lb01 \| announce ok \| .*routers lab-bird, lab-frr list 10\.99\.0\.11/);
    await allAnnounced();
  }, 120_000);

  it('max_resets: a node whose roll sent more resets than the budget stops the roll after it, re-announced', async () => {
    const cwd = workDir();
    const r = await cli(['rolling-restart', fixture('resets-on-lb01.yml')], cwd);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/lb01 \| settle failed \| [1-9]\d* reset\(s\) sent while lb01 was out \(max_resets 0\)/);
    expect(r.stdout).toMatch(/lb01 +announced +serving +rolled; settle stopped the roll/);
    expect(r.stdout).toMatch(/lb02 +pending +serving +untouched/);
    expect(await nodeFile('lb01', '/var/lib/ober-push/roll.lock')).toBeNull();
    expect(await nodeFile('lb02', PHASE)).toBeNull();
    await allAnnounced();
    // Nothing is left for a later roll to refuse: the next one runs.
    const again = await cli(['rolling-restart', '--check'], cwd);
    expect(again.code, again.stdout).toBe(0);
  }, 120_000);

  it('sshd killed on a node mid-roll: the roll stops, the node stays withdrawn, a new roll refuses, resume finishes', async () => {
    const cwd = workDir();
    const bin = join(repoRoot, 'bin/ober-push.js');
    const child = spawn(process.execPath, [bin, 'rolling-restart', '-i', INVENTORY, '--reporter', 'plain'], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    await waitFor(async () => (await nodeFile('lb02', PHASE))?.includes('"withdrawn"'), {
      timeoutMs: 90_000,
      intervalMs: 20,
      what: 'lb02 withdrawn',
    });
    // OpenSSH 10 (Debian 13) serves each connection in sshd-session: kill those too, or the roll's own survives.
    await onHost(
      'lb02',
      'systemctl mask --runtime ssh.service ssh.socket >/dev/null 2>&1; systemctl stop ssh.service; ' +
        'pkill -9 -x sshd; pkill -9 -x sshd-session; true',
    );
    const code = await exited;
    try {
      expect([1, 4], out).toContain(code); // 4 when the connection is refused, 1 when an exec times out on it
      expect(out).toMatch(/lb02 \| \w[\w-]* failed/);
      expect(out).toMatch(/lb03 +pending +serving +untouched/);
      expect(routerNextHops()).toEqual(['10.99.0.11', '10.99.0.13']);
      expect(await nodeFile('lb02', WITHDRAWN)).toBe('');
    } finally {
      await onHost(
        'lb02',
        'systemctl unmask --runtime ssh.service ssh.socket >/dev/null 2>&1; systemctl start ssh.service',
      );
    }
    const again = await cli(['rolling-restart'], cwd);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/lb02.*left in phase "(withdrawn|drained|worked)".*ober-push resume/s);

    const resumed = await cli(['resume'], cwd);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resuming run/);
    expect(resumed.stdout).not.toMatch(/lb01 \| withdraw/); // lb01 was done: not rolled again
    expect(resumed.stdout).toMatch(/lb02 \| announce ok/);
    expect(resumed.stdout).toMatch(/lb03 \| announce ok/);
    expect(routerNextHops()).toEqual(ALL);
    const latest = readFileSync(join(cwd, '.ober-push/journal/latest'), 'utf8').trim();
    const journal = JSON.parse(readFileSync(join(cwd, '.ober-push/journal', `${latest}.json`), 'utf8'));
    expect(journal.status).toBe('done');
    expect(Object.values(journal.nodes).map((n) => (n as { phase: string }).phase)).toEqual([
      'announced',
      'announced',
      'announced',
    ]);
    for (const h of HOSTS) expect(await nodeFile(h, FLEET)).toBeNull();
  }, 240_000);

  it('--limit lb02 rolls lb02 only and counts lb01 and lb03 as its fleet', async () => {
    const started = async (h: string) => onHost(h, 'systemctl show -p ActiveEnterTimestamp --value ober-haproxy');
    const before = await Promise.all(HOSTS.map(started));
    const phasesBefore = await Promise.all(HOSTS.map((h) => nodeFile(h, PHASE)));
    const r = await cli(['rolling-restart', '--limit', 'lb02'], workDir());
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/lb02 \| capacity ok \| 2 of 2 other node\(s\) serving/);
    expect(r.stdout).toContain('fleet: lb01, lb03 (not rolled: --limit)');
    const after = await Promise.all(HOSTS.map(started));
    expect(after.map((t, i) => t !== before[i])).toEqual([false, true, false]);
    for (const h of HOSTS) expect(await nodeFile(h, FLEET)).toBeNull();
    // Only lb02 went through the phases: the others' records are those an earlier roll left.
    const phases = await Promise.all(HOSTS.map((h) => nodeFile(h, PHASE)));
    expect([phases[0], phases[2]]).toEqual([phasesBefore[0], phasesBefore[2]]);
    expect(JSON.parse(phases[1] ?? '{}')).toMatchObject({ phase: 'announced' });
    expect(phases[1]).not.toBe(phasesBefore[1]);
    await allAnnounced();
  }, 120_000);
});
