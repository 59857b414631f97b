// Plain deploy never runs on a node a live roll holds: the real engine over a fake transport that serves the node
// lock file and records every command it is sent.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Transport } from '../../../src/core/transport.js';
import type { RunEvent } from '../../../src/engine/events.js';
import { playUsesSsh } from '../../../src/engine/roll-guard.js';
import { lockContent } from '../../../src/engine/rolling/lock.js';
import { runPlaybook, type RunOptions } from '../../../src/engine/run-playbook.js';
import { loadInventory } from '../../../src/inventory/load.js';
import { builtinModules } from '../../../src/modules/registry.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { renderValue } from '../../../src/render/template.js';

const LOCK = '/var/lib/ober-push/roll.lock';
const FLEET_LOCK = '/var/lib/ober-push/roll-fleet.lock';

async function deploy(locks: Record<string, string>, check = false, fleetLocks: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'roll-guard-'));
  writeFileSync(join(dir, 'inv.yml'), 'hosts:\n  lb01: { address: 10.0.0.1 }\n  lb02: { address: 10.0.0.2 }\n');
  writeFileSync(
    join(dir, 'site.yml'),
    '- hosts: all\n  gather_facts: false\n  tasks:\n    - name: say hi\n      command: { cmd: echo hi }\n',
  );
  const inventory = await loadInventory(join(dir, 'inv.yml'));
  const playbook = await loadPlaybook(join(dir, 'site.yml'), builtinModules);
  const sent = new Map<string, string[]>();
  const events: RunEvent[] = [];
  const connect = (host: { name: string }): Transport => ({
    host: host.name,
    exec: async (command) => {
      sent.set(host.name, [...(sent.get(host.name) ?? []), command]);
      // The guard's one read, run by a real sh: the lock files' contents stand in for the node's files.
      if (command.includes(LOCK))
        return {
          code: 0,
          stdout: execFileSync('sh', [
            '-c',
            withLockFiles(command, locks[host.name], fleetLocks[host.name]),
          ]).toString(),
          stderr: '',
        };
      return { code: 0, stdout: 'hi\n', stderr: '' };
    },
    close: async () => undefined,
  });
  const options: RunOptions = { check, diff: false, verify: false, forks: 5, tags: [], skipTags: [], extraVars: {} };
  const summary = await runPlaybook(
    {
      inventory,
      modules: builtinModules,
      connect,
      vms: { forHost: async () => null },
      emit: (e) => events.push(e),
      renderArgs: renderValue,
      isConflict: () => false,
    },
    playbook,
    options,
    dir,
  );
  const ran = (h: string) => (sent.get(h) ?? []).filter((c) => !c.includes(LOCK)).length;
  return { summary, events, ran };
}

/** The guard's command with the node's two lock paths pointed at temp files holding `node` and `fleet`. */
function withLockFiles(command: string, node: string | undefined, fleet: string | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), 'roll-guard-node-'));
  let out = command;
  for (const [path, text] of [
    [FLEET_LOCK, fleet],
    [LOCK, node],
  ] as const) {
    const local = join(dir, path.split('/').pop() ?? 'lock');
    if (text !== undefined) writeFileSync(local, `${text}\n`);
    out = out.split(path).join(local);
  }
  return out;
}

const old = new Date(Date.now() - 60_000);
const alice = lockContent(
  { runId: '20250101T000000Z-abcd', user: 'alice', workstation: 'ws-elsewhere', pid: 4242, command: 'upgrade.yml' },
  old,
);

describe('plain deploy and roll locks', () => {
  it('refuses a node whose node lock a live roll holds, naming the holder; other nodes run', async () => {
    const { summary, ran } = await deploy({ lb02: alice });
    const lb02 = summary.hosts.find((h) => h.host === 'lb02');
    expect(lb02?.failed).toBe(1);
    expect(lb02?.failure?.task).toBe('roll lock');
    expect(lb02?.failure?.message).toMatch(
      /^a roll holds this node \(node lock of alice@ws-elsewhere \(pid 4242, upgrade\.yml, run 20250101T000000Z-abcd\) since .*\): deploy does not run on a node mid-roll/,
    );
    expect(ran('lb02')).toBe(0); // nothing but the lock read reached it
    expect(summary.hosts.find((h) => h.host === 'lb01')).toMatchObject({ failed: 0, changed: 1 });
    expect(ran('lb01')).toBeGreaterThan(0);
  });
  it('refuses a node whose fleet lock a live roll holds (the roll has not reached it yet)', async () => {
    const { summary, ran } = await deploy({}, false, { lb01: alice });
    const lb01 = summary.hosts.find((h) => h.host === 'lb01');
    expect(lb01?.failure?.message).toMatch(
      /^a roll holds this node \(fleet lock of alice@ws-elsewhere \(pid 4242, upgrade\.yml, run 20250101T000000Z-abcd\) since .*\): deploy does not run on a node mid-roll/,
    );
    expect(ran('lb01')).toBe(0);
    expect(summary.hosts.find((h) => h.host === 'lb02')).toMatchObject({ failed: 0, changed: 1 });
  });
  it('runs over a stale lock (its process on this workstation is gone), with a warning', async () => {
    const stale = lockContent(
      { runId: 'r-dead', user: 'bob', workstation: hostname(), pid: 2 ** 22 + 17, command: 'upgrade.yml' },
      old,
    );
    const { summary, events, ran } = await deploy({ lb01: stale });
    expect(summary.hosts.every((h) => h.failed === 0)).toBe(true);
    expect(ran('lb01')).toBeGreaterThan(0);
    expect(
      events.some(
        (e) => e.type === 'warning' && e.host === 'lb01' && /stale roll lock .*that process is gone/.test(e.message),
      ),
    ).toBe(true);
  });
  it('does not stop for a lock of its own process (a rolling play earlier in the same run)', async () => {
    const ours = lockContent(
      { runId: 'r-me', user: 'me', workstation: hostname(), pid: process.pid, command: 'site.yml' },
      old,
    );
    const { summary, events } = await deploy({ lb01: ours, lb02: ours });
    expect(summary.hosts.every((h) => h.failed === 0 && h.changed === 1)).toBe(true);
    expect(events.filter((e) => e.type === 'warning')).toEqual([]);
  });
  it('--check plans anyway and says a real run would stop', async () => {
    const { summary, events } = await deploy({ lb02: alice }, true);
    expect(summary.hosts.every((h) => h.failed === 0)).toBe(true);
    expect(
      events.some(
        (e) =>
          e.type === 'warning' &&
          e.host === 'lb02' &&
          /a roll holds this node .*check mode: planned anyway/.test(e.message),
      ),
    ).toBe(true);
  });
});

describe('playUsesSsh', () => {
  const at = { file: 'site.yml', line: 1, column: 1 };
  const task = (module: string) => ({
    name: module,
    module,
    args: {},
    notify: [],
    tags: [],
    ignoreErrors: false,
    location: at,
  });
  const play = (modules: string[], gatherFacts = false, handlers: string[] = []) => ({
    name: 'p',
    hosts: 'all',
    vars: {},
    gatherFacts,
    tasks: modules.map(task),
    handlers: handlers.map(task),
    location: at,
  });
  const env = { modules: builtinModules };

  it('is false only when every task and handler is API-only and facts are not gathered', () => {
    expect(playUsesSsh(env, play(['proxmox_vm', 'assert']))).toBe(false);
    expect(playUsesSsh(env, play(['proxmox_vm'], true))).toBe(true);
    expect(playUsesSsh(env, play(['proxmox_vm', 'command']))).toBe(true);
    expect(playUsesSsh(env, play(['proxmox_vm'], false, ['command']))).toBe(true);
  });
});
