// templates/files/ober-announcer.py: compiles, and behaves against a stand-in /health on loopback.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STACK_TEMPLATES } from '../../../src/stack/stack-files.js';
import { freePort, run, waitFor } from './harness.js';

const script = join(STACK_TEMPLATES, 'files/ober-announcer.py');

interface Announcer {
  proc: ChildProcessWithoutNullStreams;
  lines: string[];
  exit: Promise<number | null>;
  stateFile: string;
  withdrawnFile: string;
}

describe('ober-announcer.py', { timeout: 20_000 }, () => {
  let server: Server | undefined;
  let announcer: Announcer | undefined;
  const dirs: string[] = [];
  afterEach(() => {
    announcer?.proc.kill('SIGKILL');
    server?.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('compiles (py_compile, bytecode written to a temp dir)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ober-ann-'));
    dirs.push(dir);
    const r = run('python3', [
      '-c',
      `import py_compile; py_compile.compile(${JSON.stringify(script)}, cfile=${JSON.stringify(join(dir, 'a.pyc'))}, doraise=True)`,
    ]);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  async function start(interval = '0.05'): Promise<{ setHealthy(ok: boolean): void; a: Announcer }> {
    let healthy = true;
    const port = await freePort();
    server = createServer((_, res) => {
      res.statusCode = healthy ? 200 : 503;
      res.end();
    });
    await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
    const dir = mkdtempSync(join(tmpdir(), 'ober-ann-'));
    dirs.push(dir);
    const stateFile = join(dir, 'run/announcer.json');
    const withdrawnFile = join(dir, 'withdrawn');
    const proc = spawn('python3', [
      script,
      '--health-url',
      `http://127.0.0.1:${port}/health`,
      '--withdrawn-file',
      withdrawnFile,
      '--state-file',
      stateFile,
      '--vip',
      '10.99.100.1',
      '--vip',
      '10.99.100.2',
      '--interval',
      interval,
      '--timeout',
      '1',
    ]);
    const lines: string[] = [];
    let buf = '';
    proc.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      lines.push(...parts);
    });
    const exit = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
    announcer = { proc, lines, exit, stateFile, withdrawnFile };
    return { setHealthy: (ok) => (healthy = ok), a: announcer };
  }

  const routes = (verb: string): string[] => [
    `${verb} route 10.99.100.1/32 next-hop self`,
    `${verb} route 10.99.100.2/32 next-hop self`,
  ];

  /** Waits until `lines` has grown past `from` by the two lines for `verb`. */
  async function expectNext(a: Announcer, from: number, verb: string): Promise<number> {
    await waitFor(`${verb} lines`, () => (a.lines.length >= from + 2 ? true : undefined));
    expect(a.lines.slice(from, from + 2)).toEqual(routes(verb));
    return from + 2;
  }

  type State = { state: string; reason: string | null; vips: string[]; since: number };
  function state(a: Announcer): State {
    return JSON.parse(readFileSync(a.stateFile, 'utf8')) as State;
  }

  /** The state file is written right after the routes are printed: wait for the expected state. */
  function stateBecomes(a: Announcer, want: string, reason: string | null): Promise<State> {
    return waitFor(`state ${want}/${String(reason)}`, () => {
      const s = existsSync(a.stateFile) ? state(a) : undefined;
      return s && s.state === want && s.reason === reason ? s : undefined;
    });
  }

  it('announces when healthy, withdraws when unhealthy, announces again on recovery, withdraws on SIGTERM', async () => {
    const { setHealthy, a } = await start();
    let n = await expectNext(a, 0, 'announce');
    expect((await stateBecomes(a, 'announced', null)).vips).toEqual(['10.99.100.1', '10.99.100.2']);
    setHealthy(false);
    n = await expectNext(a, n, 'withdraw');
    await stateBecomes(a, 'withdrawn', 'health');
    setHealthy(true);
    n = await expectNext(a, n, 'announce');
    a.proc.kill('SIGTERM');
    expect(await a.exit).toBe(0);
    await expectNext(a, n, 'withdraw');
    await stateBecomes(a, 'withdrawn', 'stopping');
  });

  it('withdraws while the withdrawn file exists, re-checking at once on SIGHUP, even when healthy', async () => {
    // A 60 s interval: only SIGHUP can make the change visible within waitFor's 10 s.
    const { a } = await start('60');
    let n = await expectNext(a, 0, 'announce');
    writeFileSync(a.withdrawnFile, '1\n');
    a.proc.kill('SIGHUP');
    n = await expectNext(a, n, 'withdraw');
    await stateBecomes(a, 'withdrawn', 'operator');
    rmSync(a.withdrawnFile);
    a.proc.kill('SIGHUP');
    n = await expectNext(a, n, 'announce');
    await stateBecomes(a, 'announced', null);
    expect(a.lines).toHaveLength(n);
  });

  it('starts withdrawn when the file exists at start, and when /health is unreachable', async () => {
    const { a } = await start();
    await expectNext(a, 0, 'announce');
    a.proc.kill('SIGKILL');
    writeFileSync(a.withdrawnFile, '1\n');
    server?.close();
    const again = spawn('python3', [
      script,
      '--health-url',
      'http://127.0.0.1:1/health',
      '--withdrawn-file',
      a.withdrawnFile,
      '--state-file',
      a.stateFile,
      '--vip',
      '10.99.100.1',
      '--interval',
      '0.05',
    ]);
    announcer = { ...a, proc: again, lines: [] };
    let out = '';
    again.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor('withdraw at start', () => (out.includes('\n') ? true : undefined));
    expect(out).toBe('withdraw route 10.99.100.1/32 next-hop self\n');
    expect((await stateBecomes(a, 'withdrawn', 'operator')).vips).toEqual(['10.99.100.1']);
    rmSync(a.withdrawnFile);
    await stateBecomes(a, 'withdrawn', 'health');
    expect(out).not.toContain('announce');
  });
});
