// Runs a module for real on a lab host (test/lab): gather -> plan -> applyOps, with nsenter into the host
// (default) or the system ssh client through the router namespace as the transport.
import { spawn } from 'node:child_process';
import { expect } from 'vitest';
import type { HostFacts } from '../../src/core/facts.js';
import type { Change, ExecOptions, ExecResult, ModuleDef, ReadContext } from '../../src/core/module.js';
import { applyOps, type RunCommand } from '../../src/engine/apply-ops.js';
import { FACTS_SCRIPT, parseFacts } from '../../src/engine/facts.js';
import { hostPid1, sshArgs } from '../lab/harness.js';
import { raw, type ShellCommand } from '../../src/core/shell.js';

export type LabVia = 'nsenter' | 'ssh';

/** Without a timeout of its own, a command is killed after this long (a hung host fails the test, not the run). */
const DEFAULT_TIMEOUT_MS = 120_000;

const HOST_ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root', 'LANG=C.UTF-8'];

/** argv that runs `sh -c command` on the host: nsenter into all of PID 1's namespaces, or ssh as root. */
function hostArgv(host: string, command: string, via: LabVia): [string, string[]] {
  if (via === 'ssh') return ['ssh', [...sshArgs(), host, command]];
  return [
    'nsenter',
    ['-t', String(hostPid1(host)), '-a', '--', '/usr/bin/env', '-i', ...HOST_ENV, '/bin/sh', '-c', command],
  ];
}

/** A RunCommand on a lab host. Binary-safe stdin (put ops); never rejects on an exit code. */
export function labRun(host: string, via: LabVia = 'nsenter'): RunCommand {
  return (command: ShellCommand, options?: ExecOptions): Promise<ExecResult> =>
    new Promise((resolvePromise, reject) => {
      const [file, args] = hostArgv(host, command.text, via);
      const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const timer = setTimeout(() => child.kill('SIGKILL'), options?.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolvePromise({
          code: code ?? 128,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
        });
      });
      child.stdin.on('error', () => undefined); // a command that does not read stdin closes it early
      child.stdin.end(options?.stdin ?? '');
    });
}

/** The host's real facts, gathered with the engine's own probe script. */
export async function labFacts(host: string, via: LabVia = 'nsenter'): Promise<HostFacts> {
  const res = await labRun(host, via)(raw(FACTS_SCRIPT));
  if (res.code !== 0) throw new Error(`${host}: facts probe failed (${res.code}): ${res.stderr}`);
  return parseFacts(res.stdout);
}

export interface LabOptions {
  via?: LabVia;
  vars?: Record<string, unknown>;
  baseDir?: string;
}

export function labContext(host: string, options: LabOptions = {}): ReadContext {
  let facts: Promise<HostFacts> | null = null;
  return {
    host,
    vars: options.vars ?? {},
    baseDir: options.baseDir ?? process.cwd(),
    facts: () => (facts ??= labFacts(host, options.via)),
    exec: labRun(host, options.via),
    vm: async () => null,
  };
}

export interface LabOutcome<F> {
  facts: F;
  changes: Change[];
  /** The last exec result of the applied ops (null when nothing ran). */
  applied: ExecResult | null;
  result: Record<string, unknown> | undefined;
}

/** Parse the args with the module's schema (as the engine does), gather and plan on the host, then apply (unless apply: false). */
export async function runOnLab<A, F>(
  module: ModuleDef<A, F>,
  host: string,
  rawArgs: unknown,
  options: LabOptions & { apply?: boolean } = {},
): Promise<LabOutcome<F>> {
  const args = module.args.parse(rawArgs);
  const facts = await module.gather(labContext(host, options), args);
  const changes = module.plan(facts, args);
  let applied: ExecResult | null = null;
  if (options.apply !== false) {
    const target = { host, run: labRun(host, options.via), vm: async () => null };
    for (const change of changes) {
      const last = await applyOps(target, change.ops);
      if (last) applied = last;
    }
  }
  return { facts, changes, applied, result: module.result?.(facts, args, applied) };
}

/** Check mode: gather and plan only. */
export function planOnLab<A, F>(
  module: ModuleDef<A, F>,
  host: string,
  rawArgs: unknown,
  options: LabOptions = {},
): Promise<LabOutcome<F>> {
  return runOnLab(module, host, rawArgs, { ...options, apply: false });
}

/**
 * Run the module, then plan again: the second plan must be empty (the module converged).
 * Returns the first run; its changes are what was reported as "changed".
 */
export async function runTwice<A, F>(
  module: ModuleDef<A, F>,
  host: string,
  rawArgs: unknown,
  options: LabOptions = {},
): Promise<LabOutcome<F>> {
  const first = await runOnLab(module, host, rawArgs, options);
  const second = await planOnLab(module, host, rawArgs, options);
  expect(
    second.changes.map((c) => c.summary),
    `${module.name} on ${host} did not converge`,
  ).toEqual([]);
  return first;
}

/** A shell command on the host that must succeed; resolves with its stdout. */
export async function onHost(host: string, command: string, via: LabVia = 'nsenter'): Promise<string> {
  const res = await labRun(host, via)(raw(command)); // the test's own command
  if (res.code !== 0)
    throw new Error(`${host}: \`${command.split('\n')[0]}\` exited ${res.code}: ${res.stderr}${res.stdout}`);
  return res.stdout;
}
