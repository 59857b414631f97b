// Helpers for tests that run against the lab (test/lab/lab.sh). Everything here targets only the lab's
// own namespaces: hosts through nsenter or ssh via the router namespace, load from the client namespace.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';

export const LAB_DIR = fileURLToPath(new URL('.', import.meta.url));
export const LAB_SCRIPT = `${LAB_DIR}lab.sh`;
export const LOADGEN = `${LAB_DIR}loadgen.mjs`;

declare module 'vitest' {
  interface ProvidedContext {
    /** Why lab tests must be skipped (not root, lab failed to start), or null when the lab is up. */
    labSkipReason: string | null;
  }
}

/** Reason to skip lab tests, provided by global-setup.ts; use with describe.skipIf(labSkipReason()). */
export function labSkipReason(): string | null {
  return inject('labSkipReason') ?? null;
}

export interface LabHost {
  name: string;
  address: string;
  netns: string;
  nspawnPid: number;
  pid1: number;
  dir: string;
}

export interface LabState {
  prefix: string;
  stateDir: string;
  vip: string;
  inventory: string;
  sshConfig: string;
  knownHosts: string;
  identityFile: string;
  router: { netns: string; address: string; birdPid: number; birdSocket: string };
  /** The second router: FRR in its own namespace, asked by ober-push over SSH. */
  frr: { netns: string; address: string; vtySocket: string };
  backend: { netns: string; address: string; httpPort: number; aptPort: number; httpPid: number; aptPid: number };
  client: { netns: string; address: string };
  hosts: LabHost[];
}

/** The running lab as described by its state.json (env LAB_STATE overrides the state directory). */
export function labState(stateDir = process.env.LAB_STATE ?? `${LAB_DIR}.state`): LabState {
  const file = `${stateDir}/state.json`;
  if (!existsSync(file)) throw new Error(`lab is not up: ${file} does not exist (run: npm run lab -- up)`);
  return JSON.parse(readFileSync(file, 'utf8')) as LabState;
}

export function labHost(name: string): LabHost {
  const host = labState().hosts.find((h) => h.name === name);
  if (!host) throw new Error(`no lab host named ${name}`);
  return host;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the lab driver synchronously (up, down, status, routes ...). */
export function runLab(args: string[], env: Record<string, string> = {}): ExecResult {
  const r = spawnSync('bash', [LAB_SCRIPT, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

function run(file: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { encoding: 'utf8', timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    // The command may exit without reading its stdin: a closed pipe is not an error here.
    child.stdin?.on('error', () => {});
    child.stdin?.end(opts.input ?? '');
  });
}

/** The PID (in the machine's namespace) of the host's systemd, looked up fresh from nspawn's children. */
export function hostPid1(name: string): number {
  const { nspawnPid } = labHost(name);
  for (const task of readdirSync(`/proc/${nspawnPid}/task`)) {
    const children = readFileSync(`/proc/${nspawnPid}/task/${task}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    for (const child of children) {
      const nspid =
        /^NSpid:\s+(.*)$/m
          .exec(readFileSync(`/proc/${child}/status`, 'utf8'))?.[1]
          ?.trim()
          .split(/\s+/) ?? [];
      if (nspid.length > 1 && nspid[nspid.length - 1] === '1') return Number(child);
    }
  }
  throw new Error(`${name}: no container PID 1 below nspawn ${nspawnPid}`);
}

export interface ExecOptions {
  /** nsenter (default): all of the host's namespaces, as root, no network path needed. ssh: the real path. */
  via?: 'nsenter' | 'ssh';
  timeoutMs?: number;
  input?: string;
}

/** Runs a shell command on a lab host; resolves with its exit code and output (never rejects on exit code). */
export function execOnHost(name: string, cmd: string, opts: ExecOptions = {}): Promise<ExecResult> {
  if (opts.via === 'ssh') return run('ssh', [...sshArgs(), name, cmd], opts);
  const env = [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'HOME=/root',
    'LANG=C.UTF-8',
    'DEBIAN_FRONTEND=noninteractive',
  ];
  return run(
    'nsenter',
    ['-t', String(hostPid1(name)), '-a', '--', '/usr/bin/env', '-i', ...env, '/bin/sh', '-c', cmd],
    opts,
  );
}

/** Arguments for the system ssh client that reach lab hosts by name with strict host key checking. */
export function sshArgs(): string[] {
  return ['-F', labState().sshConfig];
}

/** Next hops of a router's kernel route for the VIP right now (BIRD's unless `netns` names FRR's), sorted. */
export function routerNextHops(vip = labState().vip, netns = labState().router.netns): string[] {
  const r = spawnSync('ip', ['-n', netns, 'route', 'show', vip], { encoding: 'utf8' });
  const hops = [...r.stdout.matchAll(/\bvia (\d+\.\d+\.\d+\.\d+)/g)].map((m) => m[1] as string);
  return hops.sort((a, b) => Number(a.split('.')[3]) - Number(b.split('.')[3]));
}

/** Output of birdc on the lab router, e.g. birdc('show', 'protocols'). */
export function birdc(...args: string[]): string {
  const r = spawnSync('birdc', ['-s', labState().router.birdSocket, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`birdc ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** vtysh on the lab's FRR router, one -c per command, e.g. frrVtysh('conf t', 'ip route ...'). */
export function frrVtysh(...commands: string[]): string {
  const args = ['--vty_socket', labState().frr.vtySocket, ...commands.flatMap((c) => ['-c', c])];
  const r = spawnSync('vtysh', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`vtysh ${commands.join('; ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Describes what is awaited, for the timeout error. */
  what?: string;
}

/** Polls until the predicate returns a truthy value and resolves with it; rejects after timeoutMs. */
export async function waitFor<T>(predicate: () => T | Promise<T>, opts: WaitOptions = {}): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 50, what = 'condition' } = opts;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface LoadOptions {
  url: string;
  concurrency?: number;
  durationS?: number;
  requests?: number;
  keepalive?: boolean;
  timeoutMs?: number;
}

export interface LoadSecond {
  second: number;
  ok: number;
  failed: number;
  errors: Record<string, number>;
}

export interface LoadResult {
  url: string;
  concurrency: number;
  keepalive: boolean;
  elapsedMs: number;
  requests: number;
  ok: number;
  failed: number;
  errors: Record<string, number>;
  rps: number;
  latencyMs: { p50: number | null; p99: number | null; max: number | null };
  perSecond: LoadSecond[];
}

/** Runs loadgen.mjs in the lab's client namespace (behind the router) and returns its JSON result. */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const args = ['netns', 'exec', labState().client.netns, process.execPath, LOADGEN, '--url', opts.url];
  if (opts.concurrency !== undefined) args.push('--concurrency', String(opts.concurrency));
  if (opts.durationS !== undefined) args.push('--duration', String(opts.durationS));
  if (opts.requests !== undefined) args.push('--requests', String(opts.requests));
  if (opts.timeoutMs !== undefined) args.push('--timeout-ms', String(opts.timeoutMs));
  if (opts.keepalive) args.push('--keepalive');
  const limitMs = ((opts.durationS ?? 600) + 30) * 1000;
  const r = await run('ip', args, { timeoutMs: limitMs });
  if (r.code !== 0) throw new Error(`loadgen failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as LoadResult;
}

/** What test/lab/rolling/load.mjs printed when stopped. */
export interface HeldLoad {
  requests: number;
  failed: number;
  errors: Record<string, number>;
  elapsedMs: number;
  /** When each failure happened (epoch ms), to line them up with a roll's events. */
  failedAt: number[];
}

/** A load through `url` from the client namespace (rolling/load.mjs) held until stop() (SIGTERM). */
export function startLoad(opts: { url: string; keepalive?: boolean; concurrency?: number }): {
  stop: () => Promise<HeldLoad>;
  kill: () => void;
} {
  const load = new URL('./rolling/load.mjs', import.meta.url).pathname;
  const args = ['netns', 'exec', labState().client.netns, process.execPath, load, '--url', opts.url];
  args.push('--concurrency', String(opts.concurrency ?? 16), ...(opts.keepalive ? ['--keepalive'] : []));
  const child = spawn('ip', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      return JSON.parse(out) as HeldLoad;
    },
    kill: () => {
      if (child.exitCode === null) child.kill('SIGTERM');
    },
  };
}
