// Shared helpers for the template tests: render a host's files into a temp dir and run real validators.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { deriveStackContext, type StackHost } from '../../../src/stack/context.js';
import type { StackPaths } from '../../../src/stack/paths.js';
import { renderStackFiles, type StackFile } from '../../../src/stack/stack-files.js';

export interface Rendered {
  files: StackFile[];
  /** Content of the file installed at `path` (as rendered). */
  file(path: string): string;
  /** Where the file was written in the temp dir. */
  local(path: string): string;
  paths: StackPaths;
}

/** Paths that point into `dir` for files HAProxy reads at check time (lists, certs, socket). */
export function tempPaths(dir: string): Partial<StackPaths> {
  return { listsDir: join(dir, 'lists'), certsDir: join(dir, 'certs'), statsSocket: join(dir, 'admin.sock') };
}

/** Renders host `index` of `hosts` and writes every file under `dir` (absolute paths kept, rooted at dir). */
export function renderHost(
  dir: string,
  vars: unknown,
  hosts: StackHost[],
  index: number,
  paths: Partial<StackPaths> = tempPaths(dir),
): Rendered {
  const ctx = deriveStackContext(vars, hosts[index]!, hosts, { paths });
  const files = renderStackFiles(ctx);
  const root = join(dir, `root-${hosts[index]!.name}`);
  const local = (path: string): string => (path.startsWith(dir) ? path : join(root, path));
  for (const f of files) {
    mkdirSync(dirname(local(f.path)), { recursive: true });
    writeFileSync(local(f.path), f.content);
  }
  return {
    files,
    paths: ctx.paths,
    local,
    file(path) {
      const f = files.find((x) => x.path === path);
      if (!f) throw new Error(`not rendered: ${path}`);
      return f.content;
    },
  };
}

export interface RunResult {
  code: number | null;
  out: string; // stdout + stderr
}

export function run(cmd: string, args: string[], env: Record<string, string> = {}): RunResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export { writeFileSync };
