// A private 3-host lab for the rolling tests (own prefix and state directory, so other engineers' lab runs and
// ours never touch the same hosts), the stack deployed with playbooks/site.yml, and helpers to roll and observe.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LAB_DIR,
  execOnHost,
  labState,
  routerNextHops,
  runLab,
  startLoad,
  waitFor,
  type HeldLoad,
} from '../harness.js';
import { repoRoot, runCli, type CliResult } from '../../support/cli.js';

export const ROLL_STATE = `${LAB_DIR}.state-rolling`;
export const ROLL_ENV = { LAB_PREFIX: 'oberroll-', LAB_STATE: ROLL_STATE };
// Every harness helper (labState, routerNextHops, runLoad, execOnHost) reads LAB_STATE: point them at our lab.
process.env.LAB_STATE = ROLL_STATE;
export const INVENTORY = `${ROLL_STATE}/inventory.yml`;
export const ALL = ['10.99.0.11', '10.99.0.12', '10.99.0.13'];
export const HOSTS = ['lb01', 'lb02', 'lb03'];

export function labUp(): void {
  const up = runLab(['up', '--hosts', '3', '--distro', 'mixed'], ROLL_ENV);
  if (up.code !== 0) throw new Error(`private lab up failed: ${up.stderr}`);
}

export function labDown(): void {
  if (process.env.LAB_KEEP === '1') return;
  runLab(['down'], ROLL_ENV);
}

/** A fresh working directory per roll: the journal lands in its .ober-push/. */
export function workDir(): string {
  return mkdtempSync(join(tmpdir(), 'ober-roll-'));
}

export function cli(args: string[], cwd: string): Promise<CliResult> {
  return runCli([...args, '-i', INVENTORY, '--reporter', 'plain'], { cwd });
}

export async function deployStack(): Promise<void> {
  const r = await runCli(['deploy', '-i', INVENTORY, '--reporter', 'plain', `${repoRoot}playbooks/site.yml`]);
  if (r.code !== 0) throw new Error(`deploy failed (${r.code}):\n${r.stdout.slice(-3000)}\n${r.stderr}`);
  await allAnnounced();
}

/** Every node a next hop again at both routers (BIRD and FRR). */
export function allAnnounced(timeoutMs = 60_000): Promise<unknown> {
  const frr = labState().frr.netns;
  return waitFor(() => routerNextHops().join() === ALL.join() && routerNextHops(undefined, frr).join() === ALL.join(), {
    timeoutMs,
    what: 'all three next hops at both routers',
  });
}

export async function onHost(host: string, cmd: string): Promise<string> {
  const r = await execOnHost(host, cmd);
  if (r.code !== 0) throw new Error(`${host}: ${cmd}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/**
 * The naive roll: restart HAProxy on each node in turn while its route stays announced, as `serial: 1` +
 * `service: restarted` does on a stack whose announcer does not follow HAProxy (ignore-dependencies keeps
 * ExaBGP up here), then wait until the router lists every node again.
 */
export async function naiveRoll(): Promise<void> {
  for (const host of HOSTS) {
    await onHost(host, 'systemctl restart --job-mode=ignore-dependencies ober-haproxy');
    await waitFor(
      async () => (await execOnHost(host, 'curl -fsS -o /dev/null http://127.0.0.1:8404/health')).code === 0,
      { timeoutMs: 30_000, what: `${host} healthy again` },
    );
    await allAnnounced();
  }
}

export async function nodeFile(host: string, path: string): Promise<string | null> {
  const r = await execOnHost(host, `cat ${path}`);
  return r.code === 0 ? r.stdout.trim() : null;
}

export type LoadTotals = HeldLoad;

/** Load through the VIP (client namespace) while `work` runs; stopped (SIGTERM) once it is done. */
export async function underLoad<T>(
  work: () => Promise<T>,
  keepalive: boolean,
): Promise<{ load: LoadTotals; result: T }> {
  const r = await underLoads(work, [keepalive ? 'keep-alive' : 'new-connection']);
  return { load: r.loads[0] as LoadTotals, result: r.result };
}

/** new-connection: a connection per request; keep-alive: a pool of 16 kept connections, as boto3's. */
export type LoadKind = 'new-connection' | 'keep-alive';

/** Several loads at once (16 clients each), in the order given. */
export async function underLoads<T>(
  work: () => Promise<T>,
  kinds: readonly LoadKind[],
): Promise<{ loads: LoadTotals[]; result: T }> {
  const url = `http://${labState().vip}/`;
  const children = kinds.map((kind) => startLoad({ url, keepalive: kind === 'keep-alive' }));
  try {
    const result = await work();
    return { result, loads: await Promise.all(children.map((c) => c.stop())) };
  } finally {
    for (const c of children) c.kill();
  }
}
