// Runs a module for real on this machine: gather -> plan -> applyOps, with a local `sh -c` as the transport.
import { spawn } from 'node:child_process';
import type { HostFacts } from '../../src/core/facts.js';
import type { Change, ExecOptions, ExecResult, ModuleDef, ReadContext } from '../../src/core/module.js';
import { applyOps, type RunCommand } from '../../src/engine/apply-ops.js';
import { raw, type ShellCommand } from '../../src/core/shell.js';

/** Run a shell command locally (dash via /bin/sh), feeding stdin, collecting stdout/stderr. */
/** A test's own command line, run locally as written. */
export function localSh(command: string, options?: ExecOptions): Promise<ExecResult> {
  return localRun(raw(command), options);
}

export const localRun: RunCommand = (command: ShellCommand, options?: ExecOptions): Promise<ExecResult> =>
  new Promise((resolvePromise, reject) => {
    const child = spawn('sh', ['-c', command.text], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    if (options?.timeoutMs !== undefined) timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolvePromise({
        code: code ?? 128,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.on('error', () => undefined); // a command that does not read stdin closes it early
    child.stdin.end(options?.stdin ?? '');
  });

export const LOCAL_FACTS: HostFacts = {
  hostname: 'localhost',
  os: { id: 'debian', versionId: '12', family: 'debian', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
  kernel: 'test',
  arch: 'x86_64',
  cpus: 2,
  memoryMb: 1024,
  defaultInterface: null,
  init: 'other',
  packageManager: 'apt',
  bootId: '00000000-0000-0000-0000-000000000000',
};

export interface LocalOptions {
  vars?: Record<string, unknown>;
  baseDir?: string;
  facts?: HostFacts;
}

export function localContext(options: LocalOptions = {}): ReadContext {
  return {
    host: 'localhost',
    vars: options.vars ?? {},
    baseDir: options.baseDir ?? process.cwd(),
    facts: async () => options.facts ?? LOCAL_FACTS,
    exec: localRun,
    vm: async () => null,
  };
}

export interface RunOutcome<F> {
  facts: F;
  changes: Change[];
  /** The last exec result of the applied ops (null when nothing ran). */
  applied: ExecResult | null;
  result: Record<string, unknown> | undefined;
}

/** Parse the args with the module's schema (as the engine does), gather, plan, and optionally apply. */
export async function runModule<A, F>(
  module: ModuleDef<A, F>,
  rawArgs: unknown,
  options: LocalOptions & { apply?: boolean } = {},
): Promise<RunOutcome<F>> {
  const args = module.args.parse(rawArgs);
  const ctx = localContext(options);
  const facts = await module.gather(ctx, args);
  const changes = module.plan(facts, args);
  let applied: ExecResult | null = null;
  if (options.apply !== false) {
    const target = { host: 'localhost', run: localRun, vm: async () => null };
    for (const change of changes) {
      const last = await applyOps(target, change.ops);
      if (last) applied = last;
    }
  }
  return { facts, changes, applied, result: module.result?.(facts, args, applied) };
}

/** Plan only (check mode). */
export function planModule<A, F>(
  module: ModuleDef<A, F>,
  rawArgs: unknown,
  options: LocalOptions = {},
): Promise<RunOutcome<F>> {
  return runModule(module, rawArgs, { ...options, apply: false });
}
